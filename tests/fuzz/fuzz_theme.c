/*
 * libFuzzer target for theme files.
 *
 * The input is one theme file, loaded into a fresh theme with an include
 * resolver that knows a few names: "self" is the input itself (a loop),
 * "half" its second half, "loop" a file including itself, "deep" a chain
 * of distinct files that never ends (the depth limit), "default" a small
 * good theme; any other name is missing. Invariants the code promises are
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
#include "ui/keymap.h"
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

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c))                                                      \
			__builtin_trap();                                      \
	} while (0)

#define ALL_ATTRS                                                              \
	(THEME_ATTR_BOLD | THEME_ATTR_DIM | THEME_ATTR_UNDERLINE |             \
	 THEME_ATTR_REVERSE | THEME_ATTR_STANDOUT | THEME_ATTR_BLINK |         \
	 THEME_ATTR_ITALIC)

struct input {
	const char *text;
	size_t len;
};

static bool resolve(void *arg, const char *name, struct buf *text)
{
	const struct input *in = arg;
	if (!strcmp(name, "self")) {
		buf_append(text, in->text, in->len);
	} else if (!strcmp(name, "half")) {
		buf_append(text, in->text + in->len / 2, in->len - in->len / 2);
	} else if (!strcmp(name, "loop")) {
		buf_puts(text, "# loops\ninclude loop\nok green\n");
	} else if (!strncmp(name, "deep", 4)) {
		buf_printf(text, "include deep%d\nheader %d blue bold\n",
			   atoi(name + 4) + 1, atoi(name + 4) & 0xff);
	} else if (!strcmp(name, "default")) {
		buf_puts(text,
			 "normal default default\nheader white blue bold\n"
			 "cursor reverse\nerror bright-red default\n");
	} else {
		return false;
	}
	return true;
}

static bool known_file(const char *s, size_t n)
{
	static const char *const names[] = {"f", "self", "half", "loop",
					    "default"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strlen(names[i]) == n && !memcmp(s, names[i], n))
			return true;
	if (n < 4 || memcmp(s, "deep", 4))
		return false;
	for (size_t i = 4; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static void check_problems(const struct buf *p)
{
	const char *s = buf_str(p);
	size_t lines = 0;
	while (*s) {
		const char *nl = strchr(s, '\n');
		CHECK(nl);
		size_t n = (size_t)(nl - s);
		CHECK(n > 0 && n < 1024);
		const char *colon = memchr(s, ':', n);
		CHECK(colon && known_file(s, (size_t)(colon - s)));
		for (const unsigned char *c = (const unsigned char *)s;
		     c < (const unsigned char *)nl; c++) {
			CHECK(*c >= 0x20 && *c != 0x7f);
			CHECK(!(c[0] == 0xc2 && c[1] >= 0x80 && c[1] <= 0x9f));
		}
		lines++;
		s = nl + 1;
	}
	CHECK(lines <= KEYFILE_MAX_PROBLEMS + 1);
	CHECK((p->len == 0) == (lines == 0));
}

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
	struct input in = {(const char *)data, size};

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
