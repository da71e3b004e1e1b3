/*
 * Unit tests for ui/theme and ui/looks (themes): role names, every colour
 * and attribute form, roles left out looking like "normal", later lines
 * replacing earlier ones, includes, every problem with its exact
 * "FILE:LINE: message" text, hostile input (control characters, a 1 MB
 * line, NUL bytes), the shipped themes (no problems, every role given,
 * the default and light themes within the 16 basic colours, mono without
 * any colour), and finding themes by name with the fallback to the
 * built-in default.
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
#include "base/vec.h"
#include "test_tmp.h"
#include "ui/keymap.h"
#include "ui/looks.h"
#include "ui/theme.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))
#define DEF    THEME_COLOR_DEFAULT

static void assert_safe_lines(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	for (; *p; p++) {
		if ((*p < 0x20 && *p != '\n') || *p == 0x7f ||
		    (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
			fail_msg("unsafe byte 0x%02X in \"%s\"", *p, s);
	}
}

struct file {
	const char *name, *text;
};

struct files {
	const struct file *f;
	size_t n;
};

static bool resolve(void *arg, const char *name, struct buf *text)
{
	struct files *fs = arg;
	for (size_t i = 0; i < fs->n; i++)
		if (!strcmp(fs->f[i].name, name)) {
			buf_puts(text, fs->f[i].text);
			return true;
		}
	return false;
}

/* Load text as "t" into a fresh theme "test"; problems into p. */
static void load(struct theme *t, const char *text, struct files *fs,
		 struct buf *p)
{
	theme_init(t, "test");
	bool ok =
	    theme_load(t, "t", text, strlen(text), fs ? resolve : NULL, fs, p);
	assert_int_equal(ok, p->len == 0);
	assert_safe_lines(buf_str(p));
	assert_string_equal(t->name, "test");
}

static void assert_style(const struct theme *t, enum role r, int fg, int bg,
			 unsigned attrs, bool set)
{
	const struct theme_style *s = &t->style[r];
	if (s->fg != fg || s->bg != bg || s->attrs != attrs || s->set != set)
		fail_msg("%s: fg %d bg %d attrs 0x%x set %d; want %d %d 0x%x "
			 "%d",
			 role_name(r), s->fg, s->bg, s->attrs, s->set, fg, bg,
			 attrs, set);
}

static void assert_same_styles(const struct theme *a, const struct theme *b)
{
	for (int r = 0; r < ROLE__COUNT; r++)
		assert_style(a, (enum role)r, b->style[r].fg, b->style[r].bg,
			     b->style[r].attrs, b->style[r].set);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(role_name(ROLE_NORMAL), "normal");
	assert_string_equal(role_name(ROLE_STATUS_BAD), "status-bad");
	assert_string_equal(role_name(ROLE_DIFF_ADD), "diff-add");
	assert_string_equal(role_name(ROLE_SOURCE6), "source-6");
	assert_string_equal(role_name(ROLE__COUNT), "?");
	assert_string_equal(role_name((enum role) - 1), "?");

	struct theme t;
	theme_init(&t, "fresh");
	assert_string_equal(t.name, "fresh");
	for (int r = 0; r < ROLE__COUNT; r++)
		assert_style(&t, (enum role)r, DEF, DEF, 0, false);
	assert_false(theme_has_color(&t));
	char longname[200];
	memset(longname, 'n', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	theme_init(&t, longname);
	assert_int_equal(strlen(t.name), sizeof t.name - 1);
	theme_init(&t, NULL);
	assert_string_equal(t.name, "");
}

static void test_forms(void **state)
{
	(void)state;
	struct theme t;
	struct buf p = BUF_INIT;
	load(&t,
	     "# role fg bg attributes\n"
	     "header white blue bold\n"
	     "ok green\n"
	     "cursor reverse\n"
	     "warning 208 default bold underline\n"
	     "error bright-red 0\n"
	     "production bright-white red bold underline reverse standout "
	     "blink italic dim\n"
	     "diff-add default default normal\n"
	     "drift 255 255\n"
	     "search black yellow # trailing comment\n"
	     "\t marked\tbright-black\t \r\n",
	     NULL, &p);
	assert_string_equal(buf_str(&p), "");
	assert_style(&t, ROLE_HEADER, 7, 4, THEME_ATTR_BOLD, true);
	assert_style(&t, ROLE_OK, 2, DEF, 0, true);
	assert_style(&t, ROLE_CURSOR, DEF, DEF, THEME_ATTR_REVERSE, true);
	assert_style(&t, ROLE_WARNING, 208, DEF,
		     THEME_ATTR_BOLD | THEME_ATTR_UNDERLINE, true);
	assert_style(&t, ROLE_ERROR, 9, 0, 0, true);
	assert_style(&t, ROLE_PRODUCTION, 15, 1,
		     THEME_ATTR_BOLD | THEME_ATTR_UNDERLINE |
			 THEME_ATTR_REVERSE | THEME_ATTR_STANDOUT |
			 THEME_ATTR_BLINK | THEME_ATTR_ITALIC | THEME_ATTR_DIM,
		     true);
	assert_style(&t, ROLE_DIFF_ADD, DEF, DEF, 0, true);
	assert_style(&t, ROLE_DRIFT, 255, 255, 0, true);
	assert_style(&t, ROLE_SEARCH, 0, 3, 0, true);
	assert_style(&t, ROLE_MARKED, 8, DEF, 0, true);
	/* a role left out looks like normal (here: the terminal's own) */
	assert_style(&t, ROLE_DIM, DEF, DEF, 0, false);
	assert_true(theme_has_color(&t));

	/* every colour name, in palette order */
	static const char *const colors[] = {
	    "black",	    "red",
	    "green",	    "yellow",
	    "blue",	    "magenta",
	    "cyan",	    "white",
	    "bright-black", "bright-red",
	    "bright-green", "bright-yellow",
	    "bright-blue",  "bright-magenta",
	    "bright-cyan",  "bright-white",
	};
	for (size_t i = 0; i < LEN(colors); i++) {
		char line[64];
		snprintf(line, sizeof line, "title %s %s\n", colors[i],
			 colors[15 - i]);
		buf_clear(&p);
		load(&t, line, NULL, &p);
		assert_string_equal(buf_str(&p), "");
		assert_style(&t, ROLE_TITLE, (int)i, 15 - (int)i, 0, true);
	}

	/* roles left out take normal's look, whatever the order */
	buf_clear(&p);
	load(&t, "ok green\nnormal white black bold\n", NULL, &p);
	assert_string_equal(buf_str(&p), "");
	assert_style(&t, ROLE_NORMAL, 7, 0, THEME_ATTR_BOLD, true);
	assert_style(&t, ROLE_HEADER, 7, 0, THEME_ATTR_BOLD, false);
	assert_style(&t, ROLE_SOURCE6, 7, 0, THEME_ATTR_BOLD, false);
	assert_style(&t, ROLE_OK, 2, DEF, 0, true);

	/* a later line replaces the whole style */
	buf_clear(&p);
	load(&t, "ok green black bold\nok underline\n", NULL, &p);
	assert_style(&t, ROLE_OK, DEF, DEF, THEME_ATTR_UNDERLINE, true);

	/* on top of what the theme holds */
	buf_clear(&p);
	assert_true(theme_load(&t, "u", "error red\n", 10, NULL, NULL, &p));
	assert_style(&t, ROLE_OK, DEF, DEF, THEME_ATTR_UNDERLINE, true);
	assert_style(&t, ROLE_ERROR, 1, DEF, 0, true);

	/* attributes only: no colour */
	buf_clear(&p);
	load(&t, "normal normal\ncursor reverse\nheader bold underline\n", NULL,
	     &p);
	assert_false(theme_has_color(&t));
	buf_clear(&p);
	load(&t, "log-debug default 17\n", NULL, &p);
	assert_true(theme_has_color(&t));
	buf_free(&p);
}

static void test_include(void **state)
{
	(void)state;
	static const struct file files[] = {
	    {"base", "normal white black\nheader white blue bold\n"
		     "ok green\n"},
	    {"loop", "# a comment\ninclude loop\n"},
	    {"d1", "include d2\n"},
	    {"d2", "include d3\n"},
	    {"d3", "include d4\n"},
	    {"d4", "include d5\n"},
	    {"d5", "ok red\n"},
	    {"bad", "ok gren\n"},
	};
	struct files fs = {files, LEN(files)};
	struct theme t;
	struct buf p = BUF_INIT;
	load(&t, "# mine\ninclude base\nok bright-green\n", &fs, &p);
	assert_string_equal(buf_str(&p), "");
	assert_style(&t, ROLE_HEADER, 7, 4, THEME_ATTR_BOLD, true);
	assert_style(&t, ROLE_OK, 10, DEF, 0, true);
	assert_style(&t, ROLE_DIM, 7, 0, 0, false);

	static const struct {
		const char *text, *want;
	} rows[] = {
	    {"ok green\ninclude base\n",
	     "t:2: include must be the first line (only comments before it)\n"},
	    {"include\n", "t:1: include needs one theme name\n"},
	    {"include nowhere\n", "t:1: no theme 'nowhere'\n"},
	    {"include loop\n",
	     "loop:2: include loop: 'loop' is already being read\n"},
	    {"include d1\n", "d4:1: includes nested too deeply (at most 4)\n"},
	    {"include bad\n",
	     "bad:1: unknown colour or attribute 'gren' (did you mean "
	     "'green'?)\n"},
	};
	for (size_t i = 0; i < LEN(rows); i++) {
		buf_clear(&p);
		load(&t, rows[i].text, &fs, &p);
		if (strcmp(buf_str(&p), rows[i].want))
			fail_msg("row %zu: \"%s\": got \"%s\"", i, rows[i].text,
				 buf_str(&p));
	}
	buf_clear(&p);
	load(&t, "include base\n", NULL, &p);
	assert_string_equal(buf_str(&p), "t:1: include is not allowed here\n");
	buf_free(&p);
}

static void test_errors(void **state)
{
	(void)state;
	static const struct {
		const char *text, *want;
	} rows[] = {
	    {"headr white\n",
	     "t:1: unknown role 'headr' (did you mean 'header'?)\n"},
	    {"diff_add green\n",
	     "t:1: unknown role 'diff_add' (did you mean 'diff-add'?)\n"},
	    {"background black\n", "t:1: unknown role 'background'\n"},
	    {"header\n", "t:1: role 'header' needs a colour or an attribute\n"},
	    {"header whte\n", "t:1: unknown colour or attribute 'whte' (did "
			      "you mean 'white'?)\n"},
	    {"header bright-whit\n",
	     "t:1: unknown colour or attribute 'bright-whit' (did you mean "
	     "'bright-white'?)\n"},
	    {"header Bold\n", "t:1: unknown colour or attribute 'Bold' (did "
			      "you mean 'bold'?)\n"},
	    {"header grey\n", "t:1: unknown colour or attribute 'grey'\n"},
	    {"header 256\n", "t:1: colour '256' out of range (0 to 255)\n"},
	    {"header 99999999999999999999\n",
	     "t:1: colour '99999999999999999999' out of range (0 to 255)\n"},
	    {"header -1\n", "t:1: unknown colour or attribute '-1'\n"},
	    {"header +1\n", "t:1: unknown colour or attribute '+1'\n"},
	    {"header 0x10\n", "t:1: unknown colour or attribute '0x10'\n"},
	    {"header red blue green\n",
	     "t:1: a third colour 'green' (a role has a foreground and a "
	     "background)\n"},
	    {"header bold red\n",
	     "t:1: colour 'red' after the attributes (colours come first)\n"},
	    {"header red bold blue\n",
	     "t:1: colour 'blue' after the attributes (colours come first)\n"},
	    {"[generic]\n", "t:1: unknown role '[generic]'\n"},
	    {"ok green\nok\nok red\n",
	     "t:2: role 'ok' needs a colour or an attribute\n"},
	    {"header 007\n", ""},
	};
	for (size_t i = 0; i < LEN(rows); i++) {
		struct theme t;
		struct buf p = BUF_INIT;
		load(&t, rows[i].text, NULL, &p);
		if (strcmp(buf_str(&p), rows[i].want))
			fail_msg("row %zu: \"%s\": got \"%s\"", i, rows[i].text,
				 buf_str(&p));
		buf_free(&p);
	}

	/* a bad line changes nothing; the good ones apply */
	struct theme t;
	struct buf p = BUF_INIT;
	load(&t, "ok green\nok red blue green\nerror red\n", NULL, &p);
	assert_style(&t, ROLE_OK, 2, DEF, 0, true);
	assert_style(&t, ROLE_ERROR, 1, DEF, 0, true);
	assert_false(theme_load(&t, "t", "x y\n", 4, NULL, NULL, NULL));
	assert_false(theme_load(NULL, "t", "", 0, NULL, NULL, &p));
	buf_free(&p);
}

static void test_hostile(void **state)
{
	(void)state;
	clock_t t0 = clock();
	struct theme t;
	struct buf p = BUF_INIT, text = BUF_INIT;

	load(&t, "\x1b]52;c;cHduZWQ=\x07 red\n", NULL, &p);
	assert_string_equal(buf_str(&p),
			    "t:1: unknown role '^[]52;c;cHduZWQ=^G'\n");
	buf_clear(&p);
	load(&t,
	     "ok \xc2\x9b"
	     "1m\n",
	     NULL, &p);
	assert_string_equal(buf_str(&p),
			    "t:1: unknown colour or attribute '\\u009B1m'\n");
	buf_clear(&p);
	load(&t, "ok \xff\n", NULL, &p);
	assert_string_equal(buf_str(&p),
			    "t:1: unknown colour or attribute '\\xFF'\n");

	/* a 1 MB line, then a good one */
	buf_puts(&text, "ok green\nerror ");
	for (int i = 0; i < 1000 * 1000; i++)
		buf_putc(&text, 'r');
	buf_puts(&text, "\nwarning yellow\n");
	theme_init(&t, "test");
	buf_clear(&p);
	assert_false(theme_load(&t, "t", text.data, text.len, NULL, NULL, &p));
	assert_string_equal(
	    buf_str(&p), "t:2: line too long (1000006 bytes; at most 4096)\n");
	assert_style(&t, ROLE_OK, 2, DEF, 0, true);
	assert_style(&t, ROLE_WARNING, 3, DEF, 0, true);
	assert_style(&t, ROLE_ERROR, DEF, DEF, 0, false);

	/* NUL bytes */
	static const char nul[] = "ok green\nerror\0red\nwarning yellow\n";
	theme_init(&t, "test");
	buf_clear(&p);
	assert_false(theme_load(&t, "t", nul, sizeof nul - 1, NULL, NULL, &p));
	assert_string_equal(buf_str(&p),
			    "t:2: NUL byte in the line (not a text file?)\n");
	assert_style(&t, ROLE_WARNING, 3, DEF, 0, true);

	/* a flood: 50 problems and one line more */
	buf_clear(&text);
	for (int i = 0; i < 50000; i++)
		buf_puts(&text, "ok grene\n");
	theme_init(&t, "test");
	buf_clear(&p);
	assert_false(theme_load(&t, "t", text.data, text.len, NULL, NULL, &p));
	size_t lines = 0;
	for (const char *s = buf_str(&p); *s; s++)
		lines += *s == '\n';
	assert_int_equal(lines, KEYFILE_MAX_PROBLEMS + 1);
	assert_non_null(strstr(buf_str(&p), "\nt: more problems not shown\n"));

	buf_free(&text);
	buf_free(&p);
	double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	if (secs > 5)
		fail_msg("hostile inputs took %.1f s", secs);
}

/* ---- the shipped themes ---- */

/* The file's text; the test fails when it cannot be read. */
static char *read_all(const char *path, size_t *len)
{
	char *text = test_read_file(path, len);
	if (!text)
		fail_msg("%s: cannot open (run from the repository's root)",
			 path);
	return text;
}

static void load_shipped(const char *name, struct theme *t)
{
	char path[256];
	snprintf(path, sizeof path, "themes/%s", name);
	size_t len = 0;
	char *text = read_all(path, &len);
	struct buf p = BUF_INIT;
	theme_init(t, name);
	if (!theme_load(t, path, text, len, NULL, NULL, &p) || p.len)
		fail_msg("%s:\n%s", path, buf_str(&p));
	for (int r = 0; r < ROLE__COUNT; r++)
		if (!t->style[r].set)
			fail_msg("%s does not set '%s'", path,
				 role_name((enum role)r));
	/* the built-in copy is the same */
	struct theme b;
	looks_theme(name, &b, &p);
	assert_string_equal(buf_str(&p), "");
	assert_string_equal(b.name, name);
	for (int r = 0; r < ROLE__COUNT; r++) {
		assert_int_equal(b.style[r].fg, t->style[r].fg);
		assert_int_equal(b.style[r].bg, t->style[r].bg);
		assert_int_equal(b.style[r].attrs, t->style[r].attrs);
	}
	buf_free(&p);
	free(text);
}

static void test_shipped(void **state)
{
	(void)state;
	char xdg[512];
	assert_int_equal(tmpdir_make(xdg, sizeof xdg, "themes"), 0);
	setenv("XDG_CONFIG_HOME", xdg, 1);
	struct theme t;
	static const char *const basic16[] = {"default", "light"};
	for (size_t i = 0; i < LEN(basic16); i++) {
		load_shipped(basic16[i], &t);
		assert_true(theme_has_color(&t));
		/* right on 16-colour and default-background terminals */
		for (int r = 0; r < ROLE__COUNT; r++) {
			assert_in_range(t.style[r].fg + 1, 0, 16);
			assert_in_range(t.style[r].bg + 1, 0, 16);
		}
		assert_int_equal(t.style[ROLE_NORMAL].fg, DEF);
		assert_int_equal(t.style[ROLE_NORMAL].bg, DEF);
	}
	load_shipped("high-contrast", &t);
	assert_true(theme_has_color(&t));
	for (int r = 0; r < ROLE__COUNT; r++) {
		assert_in_range(t.style[r].fg, 0, 15);
		assert_in_range(t.style[r].bg, 0, 15);
	}
	load_shipped("mono", &t);
	assert_false(theme_has_color(&t));
	/* the cursor and production stand out without colour */
	assert_true(t.style[ROLE_CURSOR].attrs & THEME_ATTR_REVERSE);
	assert_true(t.style[ROLE_PRODUCTION].attrs & THEME_ATTR_REVERSE);
	unsetenv("XDG_CONFIG_HOME");
	assert_int_equal(tmpdir_remove(xdg), 0);
}

/* ---- finding themes by name ---- */

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
	char xdg[512], want[2048];
	assert_int_equal(tmpdir_make(xdg, sizeof xdg, "looks"), 0);
	setenv("XDG_CONFIG_HOME", xdg, 1);
	struct buf p = BUF_INIT;
	struct theme t, d;

	looks_theme(NULL, &d, &p);
	assert_string_equal(buf_str(&p), "");
	assert_string_equal(d.name, "default");
	assert_true(theme_has_color(&d));

	/* a user's theme on top of a built-in */
	write_file(xdg, "opsdeck/themes/mine",
		   "include mono\nproduction bright-white red bold\n");
	looks_theme("mine", &t, &p);
	assert_string_equal(buf_str(&p), "");
	assert_string_equal(t.name, "mine");
	assert_style(&t, ROLE_PRODUCTION, 15, 1, THEME_ATTR_BOLD, true);
	assert_style(&t, ROLE_CURSOR, DEF, DEF, THEME_ATTR_REVERSE, true);

	/* broken: its problems, then the built-in default */
	write_file(xdg, "opsdeck/themes/mine",
		   "include mono\nproduction bright-white red bld\n");
	looks_theme("mine", &t, &p);
	snprintf(want, sizeof want,
		 "%s/opsdeck/themes/mine:2: unknown colour or attribute 'bld' "
		 "(did you mean 'bold'?)\n"
		 "opsdeck: using the built-in theme 'default' instead of "
		 "'mine'\n",
		 xdg);
	assert_string_equal(buf_str(&p), want);
	assert_string_equal(t.name, "default");
	assert_same_styles(&t, &d);

	/* a user's "default" that starts from the built-in one */
	buf_clear(&p);
	write_file(xdg, "opsdeck/themes/default", "include default\nok red\n");
	looks_theme("default", &t, &p);
	assert_string_equal(buf_str(&p), "");
	assert_style(&t, ROLE_OK, 1, DEF, 0, true);
	assert_style(&t, ROLE_HEADER, d.style[ROLE_HEADER].fg,
		     d.style[ROLE_HEADER].bg, d.style[ROLE_HEADER].attrs, true);

	/* a broken user "default": the built-in one */
	write_file(xdg, "opsdeck/themes/default", "ok\n");
	looks_theme("default", &t, &p);
	snprintf(want, sizeof want,
		 "%s/opsdeck/themes/default:1: role 'ok' needs a colour or an "
		 "attribute\n"
		 "opsdeck: using the built-in theme 'default' instead of "
		 "'default'\n",
		 xdg);
	assert_string_equal(buf_str(&p), want);
	assert_same_styles(&t, &d);

	/* missing, and a bad name */
	buf_clear(&p);
	looks_theme("mnoo", &t, &p);
	snprintf(want, sizeof want,
		 "%s/opsdeck/themes/mnoo: no such file, and no built-in theme "
		 "'mnoo'\n"
		 "opsdeck: using the built-in theme 'default' instead of "
		 "'mnoo'\n",
		 xdg);
	assert_string_equal(buf_str(&p), want);
	buf_clear(&p);
	looks_theme("light ", &t, &p);
	assert_string_equal(
	    buf_str(&p), "opsdeck: bad theme name 'light ' (letters, digits, "
			 "'-' and '_')\n"
			 "opsdeck: using the built-in theme 'default' "
			 "instead of 'light '\n");
	assert_string_equal(t.name, "default");

	/* names for completion */
	write_file(xdg, "opsdeck/themes/solarized", "normal default default\n");
	write_file(xdg, "opsdeck/themes/README.md", "x\n");
	struct vec names = VEC_INIT;
	looks_names(true, &names);
	static const char *const want_names[] = {
	    "default", "high-contrast", "light", "mine", "mono", "solarized"};
	assert_int_equal(names.len, LEN(want_names));
	for (size_t i = 0; i < names.len; i++)
		assert_string_equal(names.items[i], want_names[i]);
	vec_free(&names, free);

	unsetenv("XDG_CONFIG_HOME");
	buf_free(&p);
	assert_int_equal(tmpdir_remove(xdg), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names),   cmocka_unit_test(test_forms),
	    cmocka_unit_test(test_include), cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_hostile), cmocka_unit_test(test_shipped),
	    cmocka_unit_test(test_looks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
