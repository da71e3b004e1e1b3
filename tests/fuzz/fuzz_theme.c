/*
 * libFuzzer target for theme files.
 *
 * The input is one theme file, loaded into a fresh theme with the include
 * resolver of keyfile_fuzz.h. Invariants the code promises are
 * checked, and a violation traps so the fuzzer reports it:
 *   - theme_load returns false exactly when it reported a problem, and the
 *     same with no problems buffer;
 *   - problems are at most KEYFILE_MAX_PROBLEMS + 1 lines, each a bounded,
 *     terminal-safe line (no C0/C1 control, no DEL) naming the input or a
 *     file the resolver gave;
 *   - every colour is 0..255 or the default, attributes are known bits,
 *     a role no line set looks like "normal", the name is kept, and
 *     theme_has_color says whether any role has a colour;
 *   - loading the same text again changes nothing and reports the same
 *     problems.
 *
 *   corpus: tests/fuzz/corpus/theme/
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "keyfile_fuzz.h"
#include "ui/theme.h"

/* Field by field: struct copies need not copy padding. */
static bool same(const struct theme *a, const struct theme *b)
{
	if (strcmp(a->name, b->name))
		return false;
	for (int r = 0; r < ROLE__COUNT; r++) {
		const struct theme_style *x = &a->style[r], *y = &b->style[r];
		if (x->fg != y->fg || x->bg != y->bg || x->attrs != y->attrs ||
		    x->set != y->set)
			return false;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ALL_ATTRS                                                              \
	(THEME_ATTR_BOLD | THEME_ATTR_DIM | THEME_ATTR_UNDERLINE |             \
	 THEME_ATTR_REVERSE | THEME_ATTR_STANDOUT | THEME_ATTR_BLINK |         \
	 THEME_ATTR_ITALIC)

static void check_theme(const struct theme *t)
{
	CHECK(!strcmp(t->name, "fuzz"));
	bool color = false;
	const struct theme_style *normal = &t->style[ROLE_NORMAL];
	for (int r = 0; r < ROLE__COUNT; r++) {
		const struct theme_style *s = &t->style[r];
		CHECK(s->fg >= THEME_COLOR_DEFAULT && s->fg <= 255);
		CHECK(s->bg >= THEME_COLOR_DEFAULT && s->bg <= 255);
		CHECK(!(s->attrs & ~(unsigned)ALL_ATTRS));
		if (!s->set)
			CHECK(s->fg == normal->fg && s->bg == normal->bg &&
			      s->attrs == normal->attrs);
		if (s->fg != THEME_COLOR_DEFAULT ||
		    s->bg != THEME_COLOR_DEFAULT)
			color = true;
		CHECK(role_name((enum role)r)[0] != '?');
	}
	CHECK(theme_has_color(t) == color);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {(const char *)data, size, "ok green",
			   "normal default default\nheader white blue bold\n"
			   "cursor reverse\nerror bright-red default\n"};

	struct theme t;
	theme_init(&t, "fuzz");
	CHECK(!theme_has_color(&t));
	struct buf problems = BUF_INIT;
	bool ok = theme_load(&t, "f", in.text, in.len, resolve, &in, &problems);
	CHECK(ok == (problems.len == 0));
	check_problems(&problems);
	check_theme(&t);

	/* Again on top: every line sets what it set before. */
	struct theme t2 = t;
	struct buf again = BUF_INIT;
	CHECK(theme_load(&t2, "f", in.text, in.len, resolve, &in, &again) ==
	      ok);
	CHECK(again.len == problems.len &&
	      !memcmp(buf_str(&again), buf_str(&problems), again.len));
	CHECK(same(&t, &t2));

	/* No problems buffer: the same answer and the same theme. */
	struct theme t3;
	theme_init(&t3, "fuzz");
	CHECK(theme_load(&t3, "f", in.text, in.len, resolve, &in, NULL) == ok);
	CHECK(same(&t, &t3));

	buf_free(&problems);
	buf_free(&again);
	return 0;
}
