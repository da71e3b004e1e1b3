/*
 * Unit tests for ui/keymap and ui/looks (keymaps): every key form and its
 * name, lookups falling back from a view to generic, rebinding and
 * "none", includes (first line only, missing, loops, depth), every
 * problem with its exact "FILE:LINE: message" text, hostile input (control
 * characters, a 1 MB line, NUL bytes, a file too large, a flood of bad
 * lines), the shipped keymaps (no problems; the default binds every
 * action), and finding keymaps by name: a user's file overrides the
 * built-in, a broken one falls back to the built-in default with a
 * message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/str.h"
#include "base/vec.h"
#include "test_tmp.h"
#include "ui/keymap.h"
#include "ui/looks.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* No control character and no C1 control: one line a terminal shows as
 * it is. */
static void assert_safe_lines(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	for (; *p; p++) {
		if ((*p < 0x20 && *p != '\n') || *p == 0x7f ||
		    (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
			fail_msg("unsafe byte 0x%02X in \"%s\"", *p, s);
	}
}

static size_t count_lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* ---- an include resolver over a fixed set of texts ---- */

struct file {
	const char *name, *text;
};

struct files {
	const struct file *f;
	size_t n;
	int calls;
};

static bool resolve(void *arg, const char *name, struct buf *text)
{
	struct files *fs = arg;
	fs->calls++;
	for (size_t i = 0; i < fs->n; i++)
		if (!strcmp(fs->f[i].name, name)) {
			buf_puts(text, fs->f[i].text);
			return true;
		}
	return false;
}

/* Load text as "t" into a fresh keymap; problems into p. */
static struct keymap *load(const char *text, struct files *fs, struct buf *p)
{
	struct keymap *k = keymap_new("t");
	bool ok =
	    keymap_load(k, "t", text, strlen(text), fs ? resolve : NULL, fs, p);
	assert_int_equal(ok, p->len == 0);
	assert_safe_lines(buf_str(p));
	return k;
}

static void expect_problems(const char *text, const char *want)
{
	struct buf p = BUF_INIT;
	struct keymap *k = load(text, NULL, &p);
	assert_string_equal(buf_str(&p), want);
	keymap_free(k);
	buf_free(&p);
}

/* ---- keys ---- */

static void test_key_parse(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		int32_t key;
	} rows[] = {
	    {"j", 'j'},
	    {"G", 'G'},
	    {"/", '/'},
	    {"?", '?'},
	    {":", ':'},
	    {"|", '|'},
	    {"#", '#'},
	    {"[", '['},
	    {"~", '~'},
	    {"\xc3\xa9", 0xe9},		   /* é */
	    {"\xc2\xa0", 0xa0},		   /* the first after C1 */
	    {"\xe2\x82\xac", 0x20ac},	   /* € */
	    {"\xf0\x9f\x98\x80", 0x1f600}, /* an emoji */
	    {"C-a", 1},
	    {"C-A", 1},
	    {"c-a", 1},
	    {"C-d", 4},
	    {"C-h", 8},
	    {"C-z", 26},
	    {"C-\\", 28},
	    {"C-]", 29},
	    {"C-^", 30},
	    {"C-_", 31},
	    {"C-[", UK_ESC},
	    {"C-i", UK_TAB},
	    {"C-m", UK_ENTER},
	    {"C-j", UK_ENTER},
	    {"Up", UK_UP},
	    {"Down", UK_DOWN},
	    {"Left", UK_LEFT},
	    {"Right", UK_RIGHT},
	    {"PgUp", UK_PGUP},
	    {"PgDn", UK_PGDN},
	    {"Home", UK_HOME},
	    {"End", UK_END},
	    {"Enter", UK_ENTER},
	    {"Esc", UK_ESC},
	    {"Tab", UK_TAB},
	    {"BTab", UK_BTAB},
	    {"Backspace", UK_BACKSPACE},
	    {"Delete", UK_DELETE},
	    {"Insert", UK_INSERT},
	    {"Space", ' '},
	    {"Hash", '#'},
	    {"F1", UK_F1},
	    {"F9", UK_F1 + 8},
	    {"F10", UK_F1 + 9},
	    {"F12", UK_F1 + 11},
	    {"f5", UK_F1 + 4},
	    {"pgdn", UK_PGDN},
	    {"ESC", UK_ESC},
	    {"PageUp", UK_PGUP},
	    {"PageDown", UK_PGDN},
	    {"Return", UK_ENTER},
	    {"Escape", UK_ESC},
	    {"BackTab", UK_BTAB},
	    {"Del", UK_DELETE},
	    {"Ins", UK_INSERT},
	    /* not keys */
	    {"", -1},
	    {" ", -1},
	    {"\t", -1},
	    {"\x01", -1},
	    {"\x1b", -1},
	    {"\x7f", -1},
	    {"jj", -1},
	    {"C-", -1},
	    {"C-@", -1},
	    {"C-?", -1},
	    {"C-1", -1},
	    {"C- ", -1},
	    {"C-Up", -1},
	    {"C-aa", -1},
	    {"M-x", -1},
	    {"F0", -1},
	    {"F13", -1},
	    {"F01", -1},
	    {"F+1", -1},
	    {"F-1", -1},
	    {"F", 'F'},
	    {"Resize", -1},
	    {"Hashes", -1},
	    {"\xc2\x85", -1},	      /* C1 control NEL */
	    {"\xc2\x9b", -1},	      /* C1 CSI */
	    {"\xff", -1},	      /* not UTF-8 */
	    {"\xc3", -1},	      /* cut short */
	    {"\xc0\xaf", -1},	      /* overlong */
	    {"\xed\xa0\x80", -1},     /* a surrogate */
	    {"\xf4\x90\x80\x80", -1}, /* above U+10FFFF */
	    {"\xc3\xa9\xc3\xa9", -1}, /* two characters */
	    {"\xc3\xa9x", -1},
	};
	for (size_t i = 0; i < LEN(rows); i++) {
		int32_t got = keymap_key_parse(rows[i].name);
		if (got != rows[i].key)
			fail_msg("row %zu: key \"%s\": got %d, want %d", i,
				 rows[i].name, (int)got, (int)rows[i].key);
	}
	assert_int_equal(keymap_key_parse(NULL), -1);
}

static void expect_name(int32_t key, const char *want)
{
	struct buf b = BUF_INIT;
	keymap_key_name(key, &b);
	assert_string_equal(buf_str(&b), want);
	buf_free(&b);
}

static void test_key_names(void **state)
{
	(void)state;
	expect_name('j', "j");
	expect_name('#', "#");
	expect_name(' ', "Space");
	expect_name(4, "C-d");
	expect_name(1, "C-a");
	expect_name(26, "C-z");
	expect_name(28, "C-\\");
	expect_name(31, "C-_");
	expect_name(8, "C-h");
	/* the codes terminals send for these keys are those keys */
	expect_name(9, "Tab");
	expect_name(10, "Enter");
	expect_name(13, "Enter");
	expect_name(27, "Esc");
	expect_name(127, "Backspace");
	expect_name(UK_PGDN, "PgDn");
	expect_name(UK_BTAB, "BTab");
	expect_name(UK_F1, "F1");
	expect_name(UK_F1 + 11, "F12");
	expect_name(UK_RESIZE, "Resize");
	expect_name(0xe9, "\xc3\xa9");
	expect_name(0x20ac, "\xe2\x82\xac");
	expect_name(0x1f600, "\xf0\x9f\x98\x80");
	/* never a key: shown, never sent raw to a terminal */
	expect_name(0, "<0x0>");
	expect_name(0x85, "<0x85>");
	expect_name(0xd800, "<0xD800>");
	expect_name(-5, "<0xFFFFFFFB>");
	char end[32];
	snprintf(end, sizeof end, "<0x%X>", (unsigned)UK__END);
	expect_name(UK__END, end);

	/* Every key a file can name round-trips through its name. */
	int32_t keys[600];
	size_t n = 0;
	for (int32_t c = 1; c < 0x7f; c++)
		keys[n++] = c;
	for (int32_t c = KEY_CODE_BASE; c < UK__END; c++)
		if (c != UK_RESIZE)
			keys[n++] = c;
	static const int32_t wide[] = {0xa0,	0xe9,	 0x7ff,
				       0x800,	0xfffd,	 0xffff,
				       0x10000, 0x1f600, 0x10ffff};
	for (size_t i = 0; i < LEN(wide); i++)
		keys[n++] = wide[i];
	for (size_t i = 0; i < n; i++) {
		struct buf b = BUF_INIT;
		keymap_key_name(keys[i], &b);
		int32_t want = keys[i];
		if (want == 9)
			want = UK_TAB;
		else if (want == 10 || want == 13)
			want = UK_ENTER;
		else if (want == 27)
			want = UK_ESC;
		if (keymap_key_parse(buf_str(&b)) != want)
			fail_msg("key 0x%X: name \"%s\" parses to %d",
				 (unsigned)keys[i], buf_str(&b),
				 (int)keymap_key_parse(buf_str(&b)));
		buf_free(&b);
	}
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(keyctx_name(KEYCTX_GENERIC), "generic");
	assert_string_equal(keyctx_name(KEYCTX_LOGS), "logs");
	assert_string_equal(keyctx_name(KEYCTX_HELP), "help");
	assert_string_equal(keyctx_name(KEYCTX__COUNT), "?");
	assert_string_equal(keyctx_name((enum keyctx) - 1), "?");

	assert_int_equal(action_parse("page-down"), ACT_PAGE_DOWN);
	assert_int_equal(action_parse("diff-env"), ACT_VIEW_DIFF_ENV);
	assert_int_equal(action_parse("theme-next"), ACT_THEME_NEXT);
	assert_int_equal(action_parse("none"), ACT_NONE);
	assert_int_equal(action_parse("Page-Down"), ACT_NONE);
	assert_int_equal(action_parse(""), ACT_NONE);
	assert_int_equal(action_parse(NULL), ACT_NONE);
	assert_string_equal(action_name(ACT_UP), "up");
	assert_string_equal(action_name(ACT_NONE), "none");
	assert_string_equal(action_name(ACT__COUNT), "none");
	assert_string_equal(action_help(ACT_SEARCH),
			    "search forward (highlights, hides nothing)");
	/* every action's name parses back to it and has help */
	for (int a = ACT_NONE + 1; a < ACT__COUNT; a++) {
		assert_int_equal(action_parse(action_name((enum action)a)), a);
		assert_true(action_help((enum action)a)[0] != '\0');
	}
}

/* ---- bindings ---- */

static void test_lookup(void **state)
{
	(void)state;
	struct buf p = BUF_INIT;
	struct keymap *k = load("# comment\n"
				"j down\n" /* before any section: generic */
				"[generic]\n"
				"t view-tenants\n"
				"Enter enter\n"
				"Tab right\n"
				"Esc back\n"
				"Backspace back\n"
				"\xc3\xa9 help\n"
				"[logs]\n"
				"t timestamps\n"
				"f follow\n"
				"[pods]\n"
				"[ page-up\n"
				"] page-down\n",
				NULL, &p);
	assert_string_equal(buf_str(&p), "");
	assert_string_equal(keymap_name(k), "t");
	assert_int_equal(keymap_lookup(k, KEYCTX_GENERIC, 'j'), ACT_DOWN);
	assert_int_equal(keymap_lookup(k, KEYCTX_LOGS, 'j'), ACT_DOWN);
	assert_int_equal(keymap_lookup(k, KEYCTX_LOGS, 't'), ACT_TIMESTAMPS);
	assert_int_equal(keymap_lookup(k, KEYCTX_PODS, 't'), ACT_VIEW_TENANTS);
	assert_int_equal(keymap_lookup(k, KEYCTX_GENERIC, 't'),
			 ACT_VIEW_TENANTS);
	assert_int_equal(keymap_lookup(k, KEYCTX_LOGS, 'f'), ACT_FOLLOW);
	assert_int_equal(keymap_lookup(k, KEYCTX_PODS, 'f'), ACT_NONE);
	assert_int_equal(keymap_lookup(k, KEYCTX_GENERIC, 'f'), ACT_NONE);
	assert_int_equal(keymap_lookup(k, KEYCTX_PODS, '['), ACT_PAGE_UP);
	assert_int_equal(keymap_lookup(k, KEYCTX_PODS, ']'), ACT_PAGE_DOWN);
	assert_int_equal(keymap_lookup(k, KEYCTX_LOGS, '['), ACT_NONE);
	assert_int_equal(keymap_lookup(k, KEYCTX_HELP, 0xe9), ACT_HELP);
	/* what terminals send for Enter, Tab, Esc and Backspace */
	assert_int_equal(keymap_lookup(k, KEYCTX_FLEET, UK_ENTER), ACT_ENTER);
	assert_int_equal(keymap_lookup(k, KEYCTX_FLEET, 13), ACT_ENTER);
	assert_int_equal(keymap_lookup(k, KEYCTX_FLEET, 10), ACT_ENTER);
	assert_int_equal(keymap_lookup(k, KEYCTX_FLEET, 9), ACT_RIGHT);
	assert_int_equal(keymap_lookup(k, KEYCTX_FLEET, 27), ACT_BACK);
	assert_int_equal(keymap_lookup(k, KEYCTX_FLEET, 127), ACT_BACK);
	/* odd arguments are no binding, never a crash */
	assert_int_equal(keymap_lookup(k, KEYCTX__COUNT, 'j'), ACT_DOWN);
	assert_int_equal(keymap_lookup(k, KEYCTX_LOGS, -1), ACT_NONE);
	assert_int_equal(keymap_lookup(k, KEYCTX_LOGS, 0), ACT_NONE);
	assert_int_equal(keymap_lookup(k, KEYCTX_LOGS, UK__END + 5), ACT_NONE);
	assert_int_equal(keymap_lookup(NULL, KEYCTX_LOGS, 'j'), ACT_NONE);

	/* keymap_bind ignores what cannot be a binding */
	keymap_bind(k, KEYCTX__COUNT, 'x', ACT_UP);
	keymap_bind(k, KEYCTX_LOGS, 0, ACT_UP);
	keymap_bind(k, KEYCTX_LOGS, 0xd800, ACT_UP);
	keymap_bind(k, KEYCTX_LOGS, 'x', ACT__COUNT);
	keymap_bind(NULL, KEYCTX_LOGS, 'x', ACT_UP);
	assert_int_equal(keymap_lookup(k, KEYCTX_LOGS, 'x'), ACT_NONE);
	assert_int_equal(keymap_bindings(k, KEYCTX_LOGS, NULL, 0), 8);
	keymap_free(k);
	keymap_free(NULL);
	buf_free(&p);
}

static void test_rebind_and_none(void **state)
{
	(void)state;
	struct buf p = BUF_INIT;
	struct keymap *k = load("[generic]\n"
				"j down\n"
				"k up\n"
				"q back\n"
				"x none\n" /* never bound: nothing */
				"j page-down\n"
				"q none\n"
				"[logs]\n"
				"k none\n"
				"j none\n"
				"j bottom\n",
				NULL, &p);
	assert_string_equal(buf_str(&p), "");
	/* later replaces earlier, in place */
	assert_int_equal(keymap_lookup(k, KEYCTX_GENERIC, 'j'), ACT_PAGE_DOWN);
	assert_int_equal(keymap_lookup(k, KEYCTX_GENERIC, 'q'), ACT_NONE);
	assert_int_equal(keymap_lookup(k, KEYCTX_PODS, 'q'), ACT_NONE);
	/* "none" in a view hides the generic binding there only */
	assert_int_equal(keymap_lookup(k, KEYCTX_LOGS, 'k'), ACT_NONE);
	assert_int_equal(keymap_lookup(k, KEYCTX_PODS, 'k'), ACT_UP);
	assert_int_equal(keymap_lookup(k, KEYCTX_LOGS, 'j'), ACT_BOTTOM);

	struct key_binding b[8];
	size_t n = keymap_bindings(k, KEYCTX_GENERIC, b, LEN(b));
	assert_int_equal(n, 2);
	assert_int_equal(b[0].key, 'j');
	assert_int_equal(b[0].action, ACT_PAGE_DOWN);
	assert_int_equal(b[0].ctx, KEYCTX_GENERIC);
	assert_int_equal(b[1].key, 'k');
	n = keymap_bindings(k, KEYCTX_LOGS, b, LEN(b));
	assert_int_equal(n, 1);
	assert_int_equal(b[0].key, 'j');
	assert_int_equal(b[0].action, ACT_BOTTOM);
	assert_int_equal(b[0].ctx, KEYCTX_LOGS);
	n = keymap_bindings(k, KEYCTX_PODS, b, LEN(b));
	assert_int_equal(n, 2);
	assert_int_equal(b[1].ctx, KEYCTX_GENERIC);

	/* by hand: the same rules */
	keymap_bind(k, KEYCTX_GENERIC, 'q', ACT_QUIT);
	assert_int_equal(keymap_lookup(k, KEYCTX_DIFF, 'q'), ACT_QUIT);
	keymap_bind(k, KEYCTX_DIFF, 'q', ACT_NONE);
	assert_int_equal(keymap_lookup(k, KEYCTX_DIFF, 'q'), ACT_NONE);
	assert_int_equal(keymap_lookup(k, KEYCTX_CELL, 'q'), ACT_QUIT);
	keymap_free(k);
	buf_free(&p);
}

static void test_bindings_order(void **state)
{
	(void)state;
	struct buf p = BUF_INIT;
	struct keymap *k = load("[generic]\n"
				"j down\nk up\nt view-tenants\nq back\n"
				"[logs]\n"
				"f follow\nt timestamps\nq none\n",
				NULL, &p);
	assert_string_equal(buf_str(&p), "");
	struct key_binding b[16];
	size_t n = keymap_bindings(k, KEYCTX_LOGS, b, LEN(b));
	/* the view's own first, then generic ones it does not override */
	static const struct key_binding want[] = {
	    {'f', ACT_FOLLOW, KEYCTX_LOGS},
	    {'t', ACT_TIMESTAMPS, KEYCTX_LOGS},
	    {'j', ACT_DOWN, KEYCTX_GENERIC},
	    {'k', ACT_UP, KEYCTX_GENERIC},
	};
	assert_int_equal(n, LEN(want));
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(b[i].key, want[i].key);
		assert_int_equal(b[i].action, want[i].action);
		assert_int_equal(b[i].ctx, want[i].ctx);
	}
	assert_int_equal(keymap_bindings(k, KEYCTX_LOGS, NULL, 0), 4);
	assert_int_equal(keymap_bindings(k, KEYCTX_LOGS, b, 3), 3);
	assert_int_equal(b[2].key, 'j');
	assert_int_equal(keymap_bindings(k, KEYCTX_LOGS, b, 0), 0);
	assert_int_equal(keymap_bindings(k, KEYCTX_GENERIC, NULL, 0), 4);
	assert_int_equal(keymap_bindings(k, KEYCTX_EVENTS, NULL, 0), 4);
	assert_int_equal(keymap_bindings(NULL, KEYCTX_EVENTS, b, 4), 0);
	keymap_free(k);

	/* Many keys: the hash grows and every key is still found. */
	k = keymap_new("many");
	for (int32_t c = 0x100; c < 0x100 + 5000; c++)
		keymap_bind(k, KEYCTX_PODS, c, (enum action)(1 + c % 30));
	for (int32_t c = 0x100; c < 0x100 + 5000; c++)
		assert_int_equal(keymap_lookup(k, KEYCTX_PODS, c), 1 + c % 30);
	assert_int_equal(keymap_lookup(k, KEYCTX_PODS, 0x100 + 5000), ACT_NONE);
	assert_int_equal(keymap_bindings(k, KEYCTX_PODS, NULL, 0), 5000);
	keymap_free(k);
	buf_free(&p);
}

/* ---- includes ---- */

static void test_include(void **state)
{
	(void)state;
	static const struct file files[] = {
	    {"base", "[generic]\nj down\nk up\nh view-history\n[logs]\n"
		     "f follow\n"},
	    {"mid", "# a comment first is fine\n\ninclude base\nk page-up\n"},
	    {"self", "# me\ninclude self\n"},
	    {"ping", "include pong\n"},
	    {"pong", "include ping\n"},
	    {"d1", "include d2\nj bottom\n"},
	    {"d2", "include d3\n"},
	    {"d3", "include d4\n"},
	    {"d4", "include d5\n"},
	    {"d5", "j top\n"},
	    {"bad", "[generic]\nx nothing\n"},
	};
	struct files fs = {files, LEN(files), 0};
	struct buf p = BUF_INIT;

	/* the include applies first; this file's lines win */
	struct keymap *k = load("include mid\n[generic]\nh left\n", &fs, &p);
	assert_string_equal(buf_str(&p), "");
	assert_int_equal(keymap_lookup(k, KEYCTX_PODS, 'j'), ACT_DOWN);
	assert_int_equal(keymap_lookup(k, KEYCTX_PODS, 'k'), ACT_PAGE_UP);
	assert_int_equal(keymap_lookup(k, KEYCTX_PODS, 'h'), ACT_LEFT);
	assert_int_equal(keymap_lookup(k, KEYCTX_LOGS, 'f'), ACT_FOLLOW);
	keymap_free(k);

	/* an included file's [logs] does not leak into the includer */
	k = load("include base\nx quit\n", &fs, &p);
	assert_string_equal(buf_str(&p), "");
	assert_int_equal(keymap_lookup(k, KEYCTX_PODS, 'x'), ACT_QUIT);
	keymap_free(k);

	static const struct {
		const char *text, *want;
	} rows[] = {
	    {"j down\ninclude base\n",
	     "t:2: include must be the first line (only comments before it)\n"},
	    {"[generic]\ninclude base\n",
	     "t:2: include must be the first line (only comments before it)\n"},
	    {"include base\ninclude base\n",
	     "t:2: include must be the first line (only comments before it)\n"},
	    {"include\n", "t:1: include needs one keymap name\n"},
	    {"include a b\n", "t:1: include needs one keymap name\n"},
	    {"include nowhere\nj down\n", "t:1: no keymap 'nowhere'\n"},
	    {"include self\n", "self:2: include loop: 'self' is already "
			       "being read\n"},
	    {"# top\ninclude ping\n", "pong:1: include loop: 'ping' is already "
				      "being read\n"},
	    {"include d1\n", "d4:1: includes nested too deeply (at most 4)\n"},
	    {"include bad\nq back\n", "bad:2: unknown action 'nothing'\n"},
	    {"include base # a comment\n", ""},
	};
	for (size_t i = 0; i < LEN(rows); i++) {
		buf_clear(&p);
		k = load(rows[i].text, &fs, &p);
		if (strcmp(buf_str(&p), rows[i].want))
			fail_msg("row %zu: \"%s\": got \"%s\"", i, rows[i].text,
				 buf_str(&p));
		keymap_free(k);
	}

	/* the good lines still apply around a bad include */
	buf_clear(&p);
	k = load("include bad\nq back\n", &fs, &p);
	assert_int_equal(keymap_lookup(k, KEYCTX_PODS, 'q'), ACT_BACK);
	keymap_free(k);

	/* A text that includes itself is caught before it is read twice. */
	static const struct file same[] = {{"again", "include again\n"}};
	struct files fs2 = {same, 1, 0};
	buf_clear(&p);
	k = load("include again\n", &fs2, &p);
	assert_string_equal(
	    buf_str(&p), "t:1: include loop: 'again' is already being read\n");
	assert_int_equal(fs2.calls, 1);
	keymap_free(k);

	/* No resolver: includes are errors. */
	buf_clear(&p);
	k = load("include base\nj down\n", NULL, &p);
	assert_string_equal(buf_str(&p), "t:1: include is not allowed here\n");
	assert_int_equal(keymap_lookup(k, KEYCTX_PODS, 'j'), ACT_DOWN);
	keymap_free(k);
	buf_free(&p);
}

/* ---- problems ---- */

static void test_errors(void **state)
{
	(void)state;
	static const struct {
		const char *text, *want;
	} rows[] = {
	    {"j dowm\n", "t:1: unknown action 'dowm' (did you mean 'down'?)\n"},
	    {"j page-donw\n",
	     "t:1: unknown action 'page-donw' (did you mean 'page-down'?)\n"},
	    {"j frobnicate\n", "t:1: unknown action 'frobnicate'\n"},
	    {"j Down\n", "t:1: unknown action 'Down' (did you mean 'down'?)\n"},
	    {"j nome\n", "t:1: unknown action 'nome' (did you mean 'none'?)\n"},
	    {"PgDown page-down\n",
	     "t:1: unknown key 'PgDown' (did you mean 'PgDn'?)\n"},
	    {"Entr enter\n",
	     "t:1: unknown key 'Entr' (did you mean 'Enter'?)\n"},
	    {"C-Up up\n", "t:1: unknown key 'C-Up'\n"},
	    {"jj down\n", "t:1: unknown key 'jj'\n"},
	    {"F13 help\n", "t:1: unknown key 'F13' (did you mean 'F1'?)\n"},
	    {"j\n", "t:1: key 'j' needs an action\n"},
	    {"j down up\n", "t:1: unexpected 'up' after the action\n"},
	    {"[log]\nf follow\n",
	     "t:1: unknown section 'log' (did you mean 'logs'?)\n"},
	    {"[Logs]\n",
	     "t:1: unknown section 'Logs' (did you mean 'logs'?)\n"},
	    {"[views]\n", "t:1: unknown section 'views'\n"},
	    {"[logs\n", "t:1: a section needs a closing ']'\n"},
	    {"[]\n", "t:1: a section needs a name\n"},
	    {"[ ]\n", "t:1: a section needs a name\n"},
	    {"[logs] f\n", "t:1: unexpected 'f' after ']'\n"},
	    {"[logs]]\n", "t:1: unexpected ']' after ']'\n"},
	    /* lines in an unknown section are checked, not bound */
	    {"[log]\nf folow\n",
	     "t:1: unknown section 'log' (did you mean 'logs'?)\n"
	     "t:2: unknown action 'folow' (did you mean 'follow'?)\n"},
	    {"\n\n# c\nj down\nk\n", "t:5: key 'k' needs an action\n"},
	    {"j down # trailing comment\n", ""},
	    {"[logs] # views\nf follow\n", ""},
	    {"\xef\xbb\xbfj down\r\n\tk  up \r\n", ""},
	    {"a b c d e f g h i j k l m n o p q\n",
	     "t:1: too many words (at most 16)\n"},
	};
	for (size_t i = 0; i < LEN(rows); i++) {
		struct buf p = BUF_INIT;
		struct keymap *k = load(rows[i].text, NULL, &p);
		if (strcmp(buf_str(&p), rows[i].want))
			fail_msg("row %zu: \"%s\": got \"%s\"", i, rows[i].text,
				 buf_str(&p));
		keymap_free(k);
		buf_free(&p);
	}

	/* the good lines still apply */
	struct buf p = BUF_INIT;
	struct keymap *k = load("j dowm\nk up\n[log]\nf follow\n", NULL, &p);
	assert_int_equal(keymap_lookup(k, KEYCTX_PODS, 'k'), ACT_UP);
	assert_int_equal(keymap_lookup(k, KEYCTX_PODS, 'j'), ACT_NONE);
	assert_int_equal(keymap_lookup(k, KEYCTX_LOGS, 'f'), ACT_NONE);
	keymap_free(k);

	/* no problems buffer: still false */
	k = keymap_new("t");
	assert_false(keymap_load(k, "t", "j dowm\n", 7, NULL, NULL, NULL));
	assert_true(keymap_load(k, "t", "j down\n", 7, NULL, NULL, NULL));
	assert_true(keymap_load(k, "t", NULL, 0, NULL, NULL, NULL));
	assert_true(keymap_load(k, "t", "", 0, NULL, NULL, &p));
	assert_false(keymap_load(NULL, "t", "", 0, NULL, NULL, &p));
	keymap_free(k);
	buf_free(&p);
}

static void test_hostile(void **state)
{
	(void)state;
	clock_t t0 = clock();

	/* control characters are shown, never sent */
	expect_problems("\x1b[31m down\n", "t:1: unknown key '^[[31m'\n");
	expect_problems("j \x1b]0;pwned\x07\n",
			"t:1: unknown action '^[]0;pwned^G'\n");
	expect_problems("[\x1b[2J]\n", "t:1: unknown section '^[[2J'\n");
	expect_problems(
	    "j down\x0b\n",
	    "t:1: unknown action 'down^K' (did you mean 'down'?)\n");
	expect_problems("j \xc2\x9b"
			"31m\n",
			"t:1: unknown action '\\u009B31m'\n");
	expect_problems("\xff\xfe down\n", "t:1: unknown key '\\xFF\\xFE'\n");
	expect_problems(
	    "j down\rk\n",
	    "t:1: unknown action 'down^Mk' (did you mean 'down'?)\n");

	/* a long word is cut in the message */
	struct buf text = BUF_INIT, p = BUF_INIT;
	buf_puts(&text, "j ");
	for (int i = 0; i < 100; i++)
		buf_puts(&text, "\xc3\xa9");
	buf_puts(&text, "\n");
	struct buf want = BUF_INIT;
	buf_puts(&want, "t:1: unknown action '");
	for (int i = 0; i < 24; i++)
		buf_puts(&want, "\xc3\xa9");
	buf_puts(&want, "...'\n");
	expect_problems(buf_str(&text), buf_str(&want));
	/* cut where it does not split a character */
	buf_clear(&text);
	buf_puts(&text, "j x");
	for (int i = 0; i < 100; i++)
		buf_puts(&text, "\xc3\xa9");
	buf_puts(&text, "\n");
	buf_clear(&want);
	buf_puts(&want, "t:1: unknown action 'x");
	for (int i = 0; i < 23; i++)
		buf_puts(&want, "\xc3\xa9");
	buf_puts(&want, "...'\n");
	expect_problems(buf_str(&text), buf_str(&want));

	/* a 1 MB line, then a good one */
	buf_clear(&text);
	buf_puts(&text, "k up\n");
	for (int i = 0; i < 1000 * 1000; i++)
		buf_putc(&text, 'x');
	buf_puts(&text, "\nj down\n");
	struct keymap *k = keymap_new("t");
	assert_false(keymap_load(k, "t", text.data, text.len, NULL, NULL, &p));
	assert_string_equal(
	    buf_str(&p), "t:2: line too long (1000000 bytes; at most 4096)\n");
	assert_int_equal(keymap_lookup(k, KEYCTX_PODS, 'j'), ACT_DOWN);
	assert_int_equal(keymap_lookup(k, KEYCTX_PODS, 'k'), ACT_UP);
	keymap_free(k);

	/* a 1 MB comment is only a comment */
	buf_clear(&text);
	buf_puts(&text, "# ");
	for (int i = 0; i < 1000 * 1000; i++)
		buf_putc(&text, '#');
	buf_puts(&text, "\nj down\n");
	buf_clear(&p);
	k = keymap_new("t");
	assert_true(keymap_load(k, "t", text.data, text.len, NULL, NULL, &p));
	keymap_free(k);

	/* NUL bytes: the line is refused, the rest applies */
	static const char nul[] = "j down\nk\0up\n# a \0 comment\nl left\n\0\n";
	buf_clear(&p);
	k = keymap_new("t");
	assert_false(keymap_load(k, "t", nul, sizeof nul - 1, NULL, NULL, &p));
	assert_string_equal(buf_str(&p),
			    "t:2: NUL byte in the line (not a text file?)\n"
			    "t:5: NUL byte in the line (not a text file?)\n");
	assert_int_equal(keymap_lookup(k, KEYCTX_PODS, 'j'), ACT_DOWN);
	assert_int_equal(keymap_lookup(k, KEYCTX_PODS, 'l'), ACT_LEFT);
	assert_int_equal(keymap_lookup(k, KEYCTX_PODS, 'k'), ACT_NONE);
	keymap_free(k);

	/* more than 1 MiB is refused whole */
	buf_clear(&text);
	while (text.len <= KEYFILE_MAX_BYTES)
		buf_puts(&text, "j down\n");
	buf_clear(&p);
	k = keymap_new("t");
	assert_false(keymap_load(k, "t", text.data, text.len, NULL, NULL, &p));
	char msg[128];
	snprintf(msg, sizeof msg, "t: too large (%zu bytes; at most 1048576)\n",
		 text.len);
	assert_string_equal(buf_str(&p), msg);
	assert_int_equal(keymap_lookup(k, KEYCTX_PODS, 'j'), ACT_NONE);
	keymap_free(k);

	/* a flood of bad lines: 50 problems, then one line */
	buf_clear(&text);
	for (int i = 0; i < 100000; i++)
		buf_puts(&text, "j dowm\n");
	buf_puts(&text, "k up\n");
	buf_clear(&p);
	k = keymap_new("t");
	assert_false(
	    keymap_load(k, "\x1b[1mfile", text.data, text.len, NULL, NULL, &p));
	assert_int_equal(count_lines(buf_str(&p)), 51);
	assert_non_null(strstr(buf_str(&p),
			       "^[[1mfile:50: unknown action 'dowm' (did you "
			       "mean 'down'?)\n^[[1mfile: more problems not "
			       "shown\n"));
	assert_safe_lines(buf_str(&p));
	assert_int_equal(keymap_lookup(k, KEYCTX_PODS, 'k'), ACT_UP);
	keymap_free(k);

	/* the file name is made safe and cut too */
	buf_clear(&text);
	for (int i = 0; i < 300; i++)
		buf_putc(&text, 'n');
	buf_clear(&p);
	k = keymap_new("t");
	assert_false(keymap_load(k, buf_str(&text), "x\n", 2, NULL, NULL, &p));
	assert_int_equal(p.len,
			 256 + strlen("...:1: key 'x' needs an action\n"));
	keymap_free(k);

	/* many distinct keys (every Unicode letter-ish code point) */
	buf_clear(&text);
	for (uint32_t c = 0x4e00; c < 0x4e00 + 20000; c++) {
		struct buf kn = BUF_INIT;
		keymap_key_name((int32_t)c, &kn);
		buf_printf(&text, "%s down\n", buf_str(&kn));
		buf_free(&kn);
	}
	buf_clear(&p);
	k = keymap_new("t");
	assert_true(keymap_load(k, "t", text.data, text.len, NULL, NULL, &p));
	assert_int_equal(keymap_bindings(k, KEYCTX_GENERIC, NULL, 0), 20000);
	assert_int_equal(keymap_lookup(k, KEYCTX_LOGS, 0x4e00 + 19999),
			 ACT_DOWN);
	keymap_free(k);

	buf_free(&text);
	buf_free(&want);
	buf_free(&p);
	double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	if (secs > 5)
		fail_msg("hostile inputs took %.1f s", secs);
}

/* ---- the shipped keymaps ---- */

/* The file's text; the test fails when it cannot be read. */
static char *read_all(const char *path, size_t *len)
{
	char *text = test_read_file(path, len);
	if (!text)
		fail_msg("%s: cannot open (run from the repository's root)",
			 path);
	return text;
}

static bool resolve_repo(void *arg, const char *name, struct buf *text)
{
	(void)arg;
	char path[256];
	snprintf(path, sizeof path, "keymaps/%s", name);
	size_t len = 0;
	char *s = read_all(path, &len);
	buf_append(text, s, len);
	free(s);
	return true;
}

static struct keymap *load_shipped(const char *name)
{
	char path[256];
	snprintf(path, sizeof path, "keymaps/%s", name);
	size_t len = 0;
	char *text = read_all(path, &len);
	struct buf p = BUF_INIT;
	struct keymap *k = keymap_new(name);
	bool ok = keymap_load(k, path, text, len, resolve_repo, NULL, &p);
	if (!ok || p.len)
		fail_msg("%s:\n%s", path, buf_str(&p));
	/* the built-in copy says the same */
	struct buf lp = BUF_INIT;
	struct keymap *b = looks_keymap(name, &lp);
	assert_string_equal(buf_str(&lp), "");
	for (int c = 0; c < KEYCTX__COUNT; c++) {
		struct key_binding x[256], y[256];
		size_t nx = keymap_bindings(k, (enum keyctx)c, x, LEN(x));
		size_t ny = keymap_bindings(b, (enum keyctx)c, y, LEN(y));
		assert_int_equal(nx, ny);
		assert_memory_equal(x, y, nx * sizeof x[0]);
	}
	keymap_free(b);
	buf_free(&lp);
	buf_free(&p);
	free(text);
	return k;
}

static void test_shipped(void **state)
{
	(void)state;
	char xdg[512];
	assert_int_equal(tmpdir_make(xdg, sizeof xdg, "keymaps"), 0);
	setenv("XDG_CONFIG_HOME", xdg, 1);

	struct keymap *d = load_shipped("default");
	/* the default keymap binds every action */
	bool bound[ACT__COUNT] = {false};
	for (int c = 0; c < KEYCTX__COUNT; c++) {
		struct key_binding b[256];
		size_t n = keymap_bindings(d, (enum keyctx)c, b, LEN(b));
		for (size_t i = 0; i < n; i++)
			bound[b[i].action] = true;
	}
	for (int a = ACT_NONE + 1; a < ACT__COUNT; a++)
		if (!bound[a])
			fail_msg("keymaps/default does not bind '%s'",
				 action_name((enum action)a));
	/* the conventions of PRODUCT.md 2.1 */
	static const struct {
		enum keyctx ctx;
		const char *key;
		enum action a;
	} conv[] = {
	    {KEYCTX_FLEET, ":", ACT_COMMAND},
	    {KEYCTX_FLEET, "/", ACT_SEARCH},
	    {KEYCTX_FLEET, "?", ACT_HELP},
	    {KEYCTX_FLEET, "Esc", ACT_BACK},
	    {KEYCTX_FLEET, "q", ACT_BACK},
	    {KEYCTX_FLEET, "Q", ACT_QUIT},
	    {KEYCTX_FLEET, "Enter", ACT_ENTER},
	    {KEYCTX_FLEET, "j", ACT_DOWN},
	    {KEYCTX_FLEET, "k", ACT_UP},
	    {KEYCTX_FLEET, "Down", ACT_DOWN},
	    {KEYCTX_FLEET, "Up", ACT_UP},
	    {KEYCTX_FLEET, "g", ACT_TOP},
	    {KEYCTX_FLEET, "G", ACT_BOTTOM},
	    {KEYCTX_FLEET, "PgUp", ACT_PAGE_UP},
	    {KEYCTX_FLEET, "PgDn", ACT_PAGE_DOWN},
	    {KEYCTX_FLEET, "C-l", ACT_REDRAW},
	    {KEYCTX_FLEET, "n", ACT_SEARCH_NEXT},
	    {KEYCTX_FLEET, "N", ACT_SEARCH_PREV},
	    {KEYCTX_FLEET, "|", ACT_FILTER},
	    {KEYCTX_CELL, "p", ACT_VIEW_PODS},
	    {KEYCTX_CELL, "l", ACT_VIEW_LOGS},
	    {KEYCTX_CELL, "e", ACT_VIEW_EVENTS},
	    {KEYCTX_CELL, "h", ACT_VIEW_HISTORY},
	    {KEYCTX_CELL, "d", ACT_VIEW_DIFF},
	    {KEYCTX_CELL, "D", ACT_VIEW_DIFF_ENV},
	    {KEYCTX_CELL, "r", ACT_VIEW_RUNBOOKS},
	    {KEYCTX_FLEET, "t", ACT_VIEW_TENANTS},
	    {KEYCTX_CELL, "F", ACT_VIEW_FLEET},
	    {KEYCTX_LOGS, "t", ACT_TIMESTAMPS},
	    {KEYCTX_LOGS, "f", ACT_FOLLOW},
	    {KEYCTX_LOGS, "w", ACT_WRAP},
	    {KEYCTX_LOGS, "P", ACT_PREVIOUS},
	    {KEYCTX_LOGS, "c", ACT_CONTAINER},
	    {KEYCTX_LOGS, "s", ACT_SAVE},
	    {KEYCTX_HISTORY, "m", ACT_MARK},
	    {KEYCTX_FLEET, "T", ACT_THEME_NEXT},
	};
	for (size_t i = 0; i < LEN(conv); i++)
		if (keymap_lookup(d, conv[i].ctx,
				  keymap_key_parse(conv[i].key)) != conv[i].a)
			fail_msg("default: %s in %s is not %s", conv[i].key,
				 keyctx_name(conv[i].ctx),
				 action_name(conv[i].a));

	/* vim: h/l move, history and logs on H/L, ? searches back */
	struct keymap *v = load_shipped("vim");
	assert_int_equal(keymap_lookup(v, KEYCTX_CELL, 'h'), ACT_LEFT);
	assert_int_equal(keymap_lookup(v, KEYCTX_CELL, 'l'), ACT_RIGHT);
	assert_int_equal(keymap_lookup(v, KEYCTX_CELL, 'H'), ACT_VIEW_HISTORY);
	assert_int_equal(keymap_lookup(v, KEYCTX_CELL, 'L'), ACT_VIEW_LOGS);
	assert_int_equal(keymap_lookup(v, KEYCTX_CELL, '?'), ACT_SEARCH_BACK);
	assert_int_equal(keymap_lookup(v, KEYCTX_CELL, UK_F1), ACT_HELP);
	assert_int_equal(keymap_lookup(v, KEYCTX_LOGS, 'f'), ACT_FOLLOW);
	assert_int_equal(keymap_lookup(v, KEYCTX_CELL, 'j'), ACT_DOWN);

	/* emacs: control keys, the letters still there */
	struct keymap *e = load_shipped("emacs");
	assert_int_equal(keymap_lookup(e, KEYCTX_PODS, UK_CTRL('n')), ACT_DOWN);
	assert_int_equal(keymap_lookup(e, KEYCTX_PODS, UK_CTRL('p')), ACT_UP);
	assert_int_equal(keymap_lookup(e, KEYCTX_PODS, UK_CTRL('f')),
			 ACT_RIGHT);
	assert_int_equal(keymap_lookup(e, KEYCTX_PODS, UK_CTRL('b')), ACT_LEFT);
	assert_int_equal(keymap_lookup(e, KEYCTX_PODS, UK_CTRL('v')),
			 ACT_PAGE_DOWN);
	assert_int_equal(keymap_lookup(e, KEYCTX_PODS, UK_CTRL('s')),
			 ACT_SEARCH);
	assert_int_equal(keymap_lookup(e, KEYCTX_PODS, UK_CTRL('r')),
			 ACT_SEARCH_BACK);
	assert_int_equal(keymap_lookup(e, KEYCTX_PODS, UK_CTRL('g')), ACT_BACK);
	assert_int_equal(keymap_lookup(e, KEYCTX_PODS, 'h'), ACT_VIEW_HISTORY);

	/* every action of vim and emacs too (they include default) */
	struct keymap *all[] = {v, e};
	for (size_t m = 0; m < LEN(all); m++) {
		bool seen[ACT__COUNT] = {false};
		for (int c = 0; c < KEYCTX__COUNT; c++) {
			struct key_binding b[256];
			size_t n =
			    keymap_bindings(all[m], (enum keyctx)c, b, LEN(b));
			for (size_t i = 0; i < n; i++)
				seen[b[i].action] = true;
		}
		for (int a = ACT_NONE + 1; a < ACT__COUNT; a++)
			if (!seen[a])
				fail_msg("%s does not bind '%s'",
					 keymap_name(all[m]),
					 action_name((enum action)a));
	}
	keymap_free(d);
	keymap_free(v);
	keymap_free(e);
	unsetenv("XDG_CONFIG_HOME");
	assert_int_equal(tmpdir_remove(xdg), 0);
}

/* ---- finding keymaps by name ---- */

static void write_file(const char *dir, const char *rel, const char *text)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", dir, rel);
	tmpdir_make_parents(path);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_looks(void **state)
{
	(void)state;
	char xdg[512], path[1024], want[2048];
	assert_int_equal(tmpdir_make(xdg, sizeof xdg, "looks"), 0);
	setenv("XDG_CONFIG_HOME", xdg, 1);
	struct buf p = BUF_INIT;

	/* nothing installed: the built-ins */
	struct keymap *k = looks_keymap(NULL, &p);
	assert_string_equal(buf_str(&p), "");
	assert_string_equal(keymap_name(k), "default");
	assert_int_equal(keymap_lookup(k, KEYCTX_PODS, 'j'), ACT_DOWN);
	keymap_free(k);
	k = looks_keymap("", &p);
	assert_string_equal(keymap_name(k), "default");
	keymap_free(k);

	/* a user's file, starting from a built-in */
	write_file(xdg, "opsdeck/keymaps/mine", "include vim\nx quit\n");
	k = looks_keymap("mine", &p);
	assert_string_equal(buf_str(&p), "");
	assert_string_equal(keymap_name(k), "mine");
	assert_int_equal(keymap_lookup(k, KEYCTX_PODS, 'x'), ACT_QUIT);
	assert_int_equal(keymap_lookup(k, KEYCTX_PODS, 'h'), ACT_LEFT);
	keymap_free(k);

	/* a user's "default" overrides the built-in and can start from it */
	write_file(xdg, "opsdeck/keymaps/default",
		   "include default\n[generic]\nj up\n");
	k = looks_keymap("default", &p);
	assert_string_equal(buf_str(&p), "");
	assert_int_equal(keymap_lookup(k, KEYCTX_PODS, 'j'), ACT_UP);
	assert_int_equal(keymap_lookup(k, KEYCTX_PODS, 'k'), ACT_UP);
	keymap_free(k);
	/* ... and includes of "default" elsewhere find the user's */
	write_file(xdg, "opsdeck/keymaps/mine", "include default\nx quit\n");
	k = looks_keymap("mine", &p);
	assert_string_equal(buf_str(&p), "");
	assert_int_equal(keymap_lookup(k, KEYCTX_PODS, 'j'), ACT_UP);
	keymap_free(k);

	/* a broken user file: its problems, then the built-in default */
	write_file(xdg, "opsdeck/keymaps/mine",
		   "[generic]\nj dowm\nx quit\n[log]\n");
	k = looks_keymap("mine", &p);
	snprintf(want, sizeof want,
		 "%s/opsdeck/keymaps/mine:2: unknown action 'dowm' (did you "
		 "mean 'down'?)\n"
		 "%s/opsdeck/keymaps/mine:4: unknown section 'log' (did you "
		 "mean 'logs'?)\n"
		 "opsdeck: using the built-in keymap 'default' instead of "
		 "'mine'\n",
		 xdg, xdg);
	assert_string_equal(buf_str(&p), want);
	assert_safe_lines(buf_str(&p));
	assert_string_equal(keymap_name(k), "default");
	assert_int_equal(keymap_lookup(k, KEYCTX_PODS, 'x'), ACT_NONE);
	/* the built-in default, not the user's */
	assert_int_equal(keymap_lookup(k, KEYCTX_PODS, 'j'), ACT_DOWN);
	keymap_free(k);

	/* a broken include */
	buf_clear(&p);
	write_file(xdg, "opsdeck/keymaps/mine", "include nothere\nx quit\n");
	k = looks_keymap("mine", &p);
	snprintf(want, sizeof want,
		 "%s/opsdeck/keymaps/mine:1: no keymap 'nothere'\n"
		 "opsdeck: using the built-in keymap 'default' instead of "
		 "'mine'\n",
		 xdg);
	assert_string_equal(buf_str(&p), want);
	keymap_free(k);

	/* a broken file someone includes is named by its keymap name */
	buf_clear(&p);
	write_file(xdg, "opsdeck/keymaps/mine", "include other\n");
	write_file(xdg, "opsdeck/keymaps/other", "j \x1b[2J\n");
	k = looks_keymap("mine", &p);
	assert_string_equal(buf_str(&p),
			    "other:1: unknown action '^[[2J'\n"
			    "opsdeck: using the built-in keymap 'default' "
			    "instead of 'mine'\n");
	keymap_free(k);

	/* a user file including itself (no built-in of that name) */
	buf_clear(&p);
	write_file(xdg, "opsdeck/keymaps/mine", "include mine\n");
	k = looks_keymap("mine", &p);
	snprintf(want, sizeof want,
		 "%s/opsdeck/keymaps/mine:1: include loop: 'mine' is already "
		 "being read\n"
		 "opsdeck: using the built-in keymap 'default' instead of "
		 "'mine'\n",
		 xdg);
	assert_string_equal(buf_str(&p), want);
	keymap_free(k);

	/* a broken user "default": the built-in one is still there */
	buf_clear(&p);
	write_file(xdg, "opsdeck/keymaps/default", "j dowm\n");
	k = looks_keymap(NULL, &p);
	snprintf(want, sizeof want,
		 "%s/opsdeck/keymaps/default:1: unknown action 'dowm' (did "
		 "you mean 'down'?)\n"
		 "opsdeck: using the built-in keymap 'default' instead of "
		 "'default'\n",
		 xdg);
	assert_string_equal(buf_str(&p), want);
	assert_int_equal(keymap_lookup(k, KEYCTX_PODS, 'j'), ACT_DOWN);
	keymap_free(k);

	/* no such keymap */
	buf_clear(&p);
	k = looks_keymap("vi", &p);
	snprintf(want, sizeof want,
		 "%s/opsdeck/keymaps/vi: no such file, and no built-in keymap "
		 "'vi' (did you mean 'vim'?)\n"
		 "opsdeck: using the built-in keymap 'default' instead of "
		 "'vi'\n",
		 xdg);
	assert_string_equal(buf_str(&p), want);
	assert_string_equal(keymap_name(k), "default");
	keymap_free(k);

	/* names that are not names */
	buf_clear(&p);
	k = looks_keymap("../../etc/passwd", &p);
	assert_string_equal(buf_str(&p),
			    "opsdeck: bad keymap name '../../etc/passwd' "
			    "(letters, digits, '-' and '_')\n"
			    "opsdeck: using the built-in keymap 'default' "
			    "instead of '../../etc/passwd'\n");
	keymap_free(k);
	buf_clear(&p);
	k = looks_keymap("\x1b[2J", &p);
	assert_safe_lines(buf_str(&p));
	keymap_free(k);
	assert_false(looks_valid_name(".hidden"));
	assert_false(looks_valid_name("README.md"));
	assert_false(looks_valid_name("mine~"));
	assert_false(looks_valid_name(""));
	assert_false(looks_valid_name(NULL));
	assert_true(looks_valid_name("high-contrast"));
	assert_true(looks_valid_name("my_keys2"));

	/* not a regular file, unreadable */
	buf_clear(&p);
	snprintf(path, sizeof path, "%s/opsdeck/keymaps/adir/x", xdg);
	tmpdir_make_parents(path);
	k = looks_keymap("adir", &p);
	snprintf(want, sizeof want,
		 "%s/opsdeck/keymaps/adir: not a regular file\n"
		 "opsdeck: using the built-in keymap 'default' instead of "
		 "'adir'\n",
		 xdg);
	assert_string_equal(buf_str(&p), want);
	keymap_free(k);

	/* too large: refused whole */
	buf_clear(&p);
	snprintf(path, sizeof path, "%s/opsdeck/keymaps/huge", xdg);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	for (int i = 0; i < 200000; i++)
		fputs("j down\n", f);
	fclose(f);
	k = looks_keymap("huge", &p);
	snprintf(want, sizeof want,
		 "%s/opsdeck/keymaps/huge: too large (1048577 bytes; at most "
		 "1048576)\n"
		 "opsdeck: using the built-in keymap 'default' instead of "
		 "'huge'\n",
		 xdg);
	assert_string_equal(buf_str(&p), want);
	keymap_free(k);

	/* names for completion: built-ins and the user's, sorted, once */
	write_file(xdg, "opsdeck/keymaps/README.md", "not a keymap\n");
	write_file(xdg, "opsdeck/keymaps/.hidden", "j down\n");
	write_file(xdg, "opsdeck/keymaps/mine~", "j down\n");
	struct vec names = VEC_INIT;
	looks_names(false, &names);
	static const char *const want_names[] = {"default", "emacs", "huge",
						 "mine",    "other", "vim"};
	assert_int_equal(names.len, LEN(want_names));
	for (size_t i = 0; i < names.len; i++)
		assert_string_equal(names.items[i], want_names[i]);
	vec_free(&names, free);

	/* HOME when XDG_CONFIG_HOME is unset or relative */
	char *home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
	setenv("HOME", xdg, 1);
	unsetenv("XDG_CONFIG_HOME");
	struct buf dir = BUF_INIT;
	looks_user_dir(false, &dir);
	snprintf(want, sizeof want, "%s/.config/opsdeck/keymaps", xdg);
	assert_string_equal(buf_str(&dir), want);
	write_file(xdg, ".config/opsdeck/keymaps/homely", "z quit\n");
	buf_clear(&p);
	k = looks_keymap("homely", &p);
	assert_string_equal(buf_str(&p), "");
	assert_int_equal(keymap_lookup(k, KEYCTX_PODS, 'z'), ACT_QUIT);
	keymap_free(k);
	setenv("XDG_CONFIG_HOME", "relative/dir", 1);
	buf_clear(&dir);
	looks_user_dir(false, &dir);
	assert_string_equal(buf_str(&dir), want);
	unsetenv("HOME");
	unsetenv("XDG_CONFIG_HOME");
	buf_clear(&dir);
	looks_user_dir(false, &dir);
	assert_string_equal(buf_str(&dir), "");
	buf_clear(&p);
	k = looks_keymap("nowhere", &p);
	assert_string_equal(buf_str(&p),
			    "nowhere: no such file, and no built-in keymap "
			    "'nowhere'\n"
			    "opsdeck: using the built-in keymap 'default' "
			    "instead of 'nowhere'\n");
	keymap_free(k);
	if (home) {
		setenv("HOME", home, 1);
		free(home);
	}
	buf_free(&dir);
	buf_free(&p);
	assert_int_equal(tmpdir_remove(xdg), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_key_parse),
	    cmocka_unit_test(test_key_names),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_lookup),
	    cmocka_unit_test(test_rebind_and_none),
	    cmocka_unit_test(test_bindings_order),
	    cmocka_unit_test(test_include),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_hostile),
	    cmocka_unit_test(test_shipped),
	    cmocka_unit_test(test_looks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
