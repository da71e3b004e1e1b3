/*
 * Unit tests for ui/prompt: the readline bridge driven key by key and read
 * back from ncurses' virtual screen (term.c's test mode, 80x24, output to
 * /dev/null). Typing and Enter, the editing keys, cancelling, a done that
 * opens the next prompt, Tab with one and with several candidates,
 * histories per name and on disk (modes, reloading, hostile files), a
 * line that starts with a default, a secret drawn as *s and kept in no
 * history, wide and multibyte characters at the right columns, a
 * 2000-character line that scrolls with the point, control characters
 * shown as ^[, readline's own modes (incremental search) keeping Esc, and
 * readline writing nothing to stdout or stderr, not even about a broken
 * ~/.inputrc.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curses.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wchar.h>

#include "base/buf.h"
#include "base/sanitize.h"
#include "base/vec.h"
#include "test_tmp.h"
#include "ui/keymap.h"
#include "ui/prompt.h"
#include "ui/term.h"

#define ROW   23
#define COLS_ 80

static char tmp[PATH_MAX];
static char state[PATH_MAX + 32]; /* this test's XDG_STATE_HOME */
static int test_no;
static long setup_noise = -1; /* bytes written by the first setup */

/* What a done callback saw. */
struct rec {
	int calls;
	bool got_null;
	char *line;
};
static struct rec R, R2;

static void rec_reset(struct rec *r)
{
	free(r->line);
	memset(r, 0, sizeof *r);
}

static void on_done(void *arg, const char *line)
{
	struct rec *r = arg;
	r->calls++;
	r->got_null = line == NULL;
	free(r->line);
	r->line = line ? strdup(line) : NULL;
}

static void open_prompt(const char *prompt, const char *history,
			void (*complete)(void *, const char *, const char *,
					 struct vec *))
{
	prompt_open(
	    &(struct prompt_req){prompt, history, on_done, complete, &R});
	assert_true(prompt_active());
}

static void press(int32_t key)
{
	prompt_key(key);
}

static void press_n(int32_t key, int n)
{
	for (int i = 0; i < n; i++)
		prompt_key(key);
}

/* Each character of utf8 as one key. */
static void type(const char *utf8)
{
	const unsigned char *s = (const unsigned char *)utf8;
	size_t len = strlen(utf8);
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = utf8_decode(s + i, len - i, &cp);
		assert_true(n > 0);
		prompt_key((int32_t)cp);
		i += n;
	}
}

/* Draw the prompt on a blank screen; returns the cursor's column (read
 * before anything else moves it). */
static int draw(void)
{
	term_clear();
	prompt_draw(ROW, COLS_);
	int y, x;
	getyx(stdscr, y, x);
	assert_int_equal(y, ROW);
	return x;
}

/* The character in a cell (0 for the right half of a wide one). */
static wchar_t cell(int y, int x)
{
	cchar_t cc;
	wchar_t wch[CCHARW_MAX + 1] = {0};
	attr_t at;
	short pair;
	if (mvin_wch(y, x, &cc) == ERR)
		return 0;
	if (getcchar(&cc, wch, &at, &pair, NULL) == ERR)
		return 0;
	return wch[0];
}

/* A row's text in UTF-8, trailing blanks cut; fails on a control
 * character in any cell. */
static const char *row(int y)
{
	static char out[COLS_ * MB_LEN_MAX + 1];
	size_t n = 0;
	for (int x = 0; x < COLS_; x++) {
		cchar_t cc;
		wchar_t wch[CCHARW_MAX + 1] = {0};
		attr_t at;
		short pair;
		if (mvin_wch(y, x, &cc) == ERR ||
		    getcchar(&cc, wch, &at, &pair, NULL) == ERR)
			continue;
		/* a wide character's right half repeats it */
		if (wch[0] && wcwidth(wch[0]) == 2)
			x++;
		for (int k = 0; wch[k]; k++) {
			if (wch[k] < 0x20 || (wch[k] >= 0x7f && wch[k] < 0xa0))
				fail_msg("control character %#x at column %d",
					 (unsigned)wch[k], x);
			mbstate_t st;
			memset(&st, 0, sizeof st);
			size_t m = wcrtomb(out + n, wch[k], &st);
			if (m != (size_t)-1)
				n += m;
		}
	}
	while (n && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
	return out;
}

/* The prompt row after drawing. */
static const char *shown(void)
{
	draw();
	return row(ROW);
}

static void write_file(const char *path, const char *data, size_t len)
{
	tmpdir_make_parents(path);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void history_path(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/opsdeck/history-%s", state, name);
}

/* stdout and stderr into a file (the terminal, for readline). */
struct capture {
	int saved_out, saved_err, fd;
	char path[PATH_MAX + 16];
};

static void capture_start(struct capture *c)
{
	fflush(stdout);
	fflush(stderr);
	snprintf(c->path, sizeof c->path, "%s/captured", tmp);
	c->fd = open(c->path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(c->fd >= 0);
	c->saved_out = dup(1);
	c->saved_err = dup(2);
	dup2(c->fd, 1);
	dup2(c->fd, 2);
}

/* Bytes written meanwhile. */
static long capture_end(struct capture *c)
{
	fflush(stdout);
	fflush(stderr);
	dup2(c->saved_out, 1);
	dup2(c->saved_err, 2);
	close(c->saved_out);
	close(c->saved_err);
	struct stat st;
	long n = fstat(c->fd, &st) == 0 ? (long)st.st_size : -1;
	close(c->fd);
	return n;
}

static int group_setup(void **st)
{
	(void)st;
	if (tmpdir_make(tmp, sizeof tmp, "prompt"))
		return -1;
	/* The multibyte tests need a UTF-8 locale; C.UTF-8 is built into
	 * glibc. readline takes LC_CTYPE from the environment, too. */
	setenv("LC_ALL", "C.UTF-8", 1);
	if (!setlocale(LC_ALL, ""))
		return -1;
	setenv("HOME", tmp, 1);
	unsetenv("LINES");
	unsetenv("COLUMNS");
	/* An inputrc with a mistake readline complains about on stderr,
	 * and a binding only for programs named "opsdeck". */
	char path[PATH_MAX + 16];
	snprintf(path, sizeof path, "%s/inputrc", tmp);
	static const char rc[] = "set no-such-variable on\n"
				 "$if opsdeck\n"
				 "\"\\C-xq\": \"from-inputrc\"\n"
				 "$endif\n"
				 "$if bash\n"
				 "\"\\C-xw\": \"from-bash\"\n"
				 "$endif\n";
	FILE *f = fopen(path, "w");
	if (!f || fwrite(rc, 1, sizeof rc - 1, f) != sizeof rc - 1)
		return -1;
	fclose(f);
	setenv("INPUTRC", path, 1);
	snprintf(state, sizeof state, "%s/state-first", tmp);
	setenv("XDG_STATE_HOME", state, 1);
	struct err e;
	if (term_start(
		&(struct term_opts){.test = true, .cols = COLS_, .rows = 24},
		&e) != ST_OK)
		return -1;
	if (!term_utf8())
		return -1;
	/* readline's first initialisation (terminal, ~/.inputrc): it must
	 * not write a byte */
	struct capture c;
	fflush(stdout);
	snprintf(c.path, sizeof c.path, "%s/captured-setup", tmp);
	c.fd = open(c.path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (c.fd < 0)
		return -1;
	c.saved_out = dup(1);
	c.saved_err = dup(2);
	dup2(c.fd, 1);
	dup2(c.fd, 2);
	prompt_setup();
	prompt_open(&(struct prompt_req){":", "command", on_done, NULL, &R});
	prompt_key('x');
	prompt_key(UK_ESC);
	prompt_teardown();
	setup_noise = capture_end(&c);
	rec_reset(&R);
	return 0;
}

static int group_teardown(void **st)
{
	(void)st;
	term_stop();
	rec_reset(&R);
	rec_reset(&R2);
	tmpdir_remove(tmp);
	return 0;
}

static int setup(void **st)
{
	(void)st;
	snprintf(state, sizeof state, "%s/state-%d", tmp, ++test_no);
	setenv("XDG_STATE_HOME", state, 1);
	rec_reset(&R);
	rec_reset(&R2);
	prompt_setup();
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	prompt_teardown();
	assert_false(prompt_active());
	return 0;
}

static void test_type_enter(void **st)
{
	(void)st;
	open_prompt(":", NULL, NULL);
	assert_string_equal(shown(), ":");
	assert_int_equal(draw(), 1);
	type("logs payments");
	assert_string_equal(shown(), ":logs payments");
	assert_int_equal(draw(), 14);
	assert_string_equal(prompt_candidates(), "");
	press(UK_ENTER);
	assert_int_equal(R.calls, 1);
	assert_string_equal(R.line, "logs payments");
	assert_false(prompt_active());

	/* an empty line is a line */
	open_prompt("/", NULL, NULL);
	press(UK_ENTER);
	assert_int_equal(R.calls, 2);
	assert_false(R.got_null);
	assert_string_equal(R.line, "");
	/* keys without a prompt are ignored */
	press('a');
	assert_int_equal(R.calls, 2);
}

static void test_editing(void **st)
{
	(void)st;
	open_prompt(":", NULL, NULL);
	type("hello world");
	press_n(UK_LEFT, 5);
	assert_int_equal(draw(), 7);
	type("big ");
	assert_string_equal(shown(), ":hello big world");
	assert_int_equal(draw(), 11);
	press(UK_HOME);
	assert_int_equal(draw(), 1);
	type("X");
	assert_string_equal(shown(), ":Xhello big world");
	press(UK_END);
	assert_int_equal(draw(), 17);
	press(UK_BACKSPACE);
	assert_string_equal(shown(), ":Xhello big worl");
	press(UK_HOME);
	press(UK_DELETE);
	assert_string_equal(shown(), ":hello big worl");
	assert_int_equal(draw(), 1);
	press(UK_RIGHT);
	assert_int_equal(draw(), 2);
	press(UK_CTRL('e'));
	assert_int_equal(draw(), 15);
	press(UK_CTRL('w'));
	assert_string_equal(shown(), ":hello big");
	press(UK_CTRL('a'));
	assert_int_equal(draw(), 1);
	press(UK_CTRL('e'));
	press(UK_CTRL('u'));
	assert_string_equal(shown(), ":");
	/* Delete at the end and Backspace at the start do nothing */
	press(UK_DELETE);
	press(UK_BACKSPACE);
	/* keys readline has no binding for leave no trace */
	press(UK_PGUP);
	press(UK_PGDN);
	press(UK_F1 + 4);
	press(UK_BTAB);
	press(UK_RESIZE);
	assert_string_equal(shown(), ":");
	type("ok");
	press(UK_ENTER);
	assert_int_equal(R.calls, 1);
	assert_string_equal(R.line, "ok");
}

static void test_cancel(void **st)
{
	(void)st;
	static const int32_t cancels[] = {UK_ESC, UK_CTRL('g'), UK_CTRL('c')};
	for (size_t i = 0; i < sizeof cancels / sizeof cancels[0]; i++) {
		open_prompt(":", "command", NULL);
		type("abc");
		press(cancels[i]);
		assert_int_equal(R.calls, (int)i + 1);
		assert_true(R.got_null);
		assert_false(prompt_active());
	}
	/* C-d on an empty line ends it like a shell's */
	open_prompt(":", "command", NULL);
	press(UK_CTRL('d'));
	assert_int_equal(R.calls, 4);
	assert_true(R.got_null);
	/* nothing cancelled went into the history */
	open_prompt(":", "command", NULL);
	press(UK_UP);
	assert_string_equal(shown(), ":");
	press(UK_ESC);
}

/* The first line opens a second prompt from inside done. */
static void done_then_open(void *arg, const char *line)
{
	on_done(arg, line);
	if (line)
		prompt_open(&(struct prompt_req){"second: ", "search", on_done,
						 NULL, &R2});
}

/* Cancelled, it opens another prompt that reopens nothing. */
static void done_reopen_on_cancel(void *arg, const char *line)
{
	on_done(arg, line);
	if (!line)
		prompt_open(
		    &(struct prompt_req){"again: ", NULL, on_done, NULL, &R2});
}

/* Cancelled, it opens itself again (up to 30 times): a loop the bridge
 * must cut. */
static void done_always_reopen(void *arg, const char *line)
{
	on_done(arg, line);
	if (((struct rec *)arg)->calls < 30)
		prompt_open(&(struct prompt_req){
		    "loop: ", NULL, done_always_reopen, NULL, arg});
}

static void test_done_opens_prompt(void **st)
{
	(void)st;
	prompt_open(
	    &(struct prompt_req){":", "command", done_then_open, NULL, &R});
	type("one");
	press(UK_ENTER);
	assert_int_equal(R.calls, 1);
	assert_string_equal(R.line, "one");
	assert_true(prompt_active());
	assert_string_equal(shown(), "second:");
	type("two");
	assert_string_equal(shown(), "second: two");
	press(UK_ENTER);
	assert_int_equal(R2.calls, 1);
	assert_string_equal(R2.line, "two");
	assert_false(prompt_active());
	assert_int_equal(R.calls, 1);

	/* opening over an open prompt cancels it */
	open_prompt(":", NULL, NULL);
	type("x");
	prompt_open(&(struct prompt_req){"/", NULL, on_done, NULL, &R2});
	assert_int_equal(R.calls, 2);
	assert_true(R.got_null);
	assert_true(prompt_active());
	assert_string_equal(shown(), "/");
	press(UK_ESC);
	assert_int_equal(R2.calls, 2);
	assert_true(R2.got_null);

	/* the cancelled one's done opens a prompt: the new request still
	 * wins, and everybody hears of it */
	rec_reset(&R);
	rec_reset(&R2);
	prompt_open(
	    &(struct prompt_req){":", NULL, done_reopen_on_cancel, NULL, &R});
	prompt_open(&(struct prompt_req){"last: ", NULL, on_done, NULL, &R});
	assert_true(prompt_active());
	assert_string_equal(shown(), "last:");
	assert_int_equal(R2.calls, 1); /* "again: " was cancelled too */
	assert_true(R2.got_null);
	press(UK_ESC);

	/* a done that reopens itself for ever is not followed for ever */
	rec_reset(&R);
	prompt_open(
	    &(struct prompt_req){"loop: ", NULL, done_always_reopen, NULL, &R});
	rec_reset(&R2);
	prompt_open(&(struct prompt_req){"/", NULL, on_done, NULL, &R2});
	assert_int_equal(R.calls, 8);
	/* the loop is still open and the new request was turned down */
	assert_int_equal(R2.calls, 1);
	assert_true(R2.got_null);
	assert_true(prompt_active());
	assert_string_equal(shown(), "loop:");
	for (int i = 0; i < 40 && prompt_active(); i++)
		press(UK_ESC);
	assert_false(prompt_active());
	assert_int_equal(R.calls, 30);
}

static char last_line[256], last_word[256];

static void push_matching(struct vec *out, const char *word,
			  const char *const *names, size_t n)
{
	(void)word; /* everything: the bridge keeps those that fit */
	for (size_t i = 0; i < n; i++)
		vec_push(out, strdup(names[i]));
}

static void complete_views(void *arg, const char *line, const char *word,
			   struct vec *out)
{
	(void)arg;
	snprintf(last_line, sizeof last_line, "%s", line);
	snprintf(last_word, sizeof last_word, "%s", word);
	static const char *const views[] = {"logs", "fleet", "pods", "pod-logs",
					    "events"};
	static const char *const services[] = {"payments", "ledger"};
	if (strchr(line, ' '))
		push_matching(out, word, services, 2);
	else
		push_matching(out, word, views, 5);
}

static void test_complete_one(void **st)
{
	(void)st;
	open_prompt(":", "command", complete_views);
	type("fl");
	press(UK_TAB);
	assert_string_equal(last_line, "fl");
	assert_string_equal(last_word, "fl");
	assert_string_equal(shown(), ":fleet");
	assert_int_equal(draw(), 7); /* after the space Tab appended */
	assert_string_equal(prompt_candidates(), "");
	press(UK_CTRL('u'));
	type("logs pa");
	press(UK_TAB);
	assert_string_equal(last_line, "logs pa");
	assert_string_equal(last_word, "pa");
	assert_string_equal(shown(), ":logs payments");
	/* completion in the middle of the line sees the line up to there */
	press(UK_HOME);
	press_n(UK_RIGHT, 2);
	press(UK_TAB);
	assert_string_equal(last_line, "lo");
	assert_string_equal(last_word, "lo");
	press(UK_CTRL('e'));
	press(UK_CTRL('u'));
	type("logs payments ");
	/* nothing fits: nothing happens, nothing is listed */
	type("zz");
	press(UK_TAB);
	assert_string_equal(prompt_candidates(), "");
	press(UK_ENTER);
	assert_int_equal(R.calls, 1);
	assert_string_equal(R.line, "logs payments zz");
}

static void test_complete_many(void **st)
{
	(void)st;
	open_prompt(":", "command", complete_views);
	type("po");
	press(UK_TAB);
	/* the common part is inserted and the candidates listed */
	assert_string_equal(shown(), ":pod");
	assert_string_equal(prompt_candidates(), "pod-logs pods");
	/* until the next key */
	type("s");
	assert_string_equal(prompt_candidates(), "");
	assert_string_equal(shown(), ":pods");
	press(UK_CTRL('u'));
	/* Tab on nothing lists everything */
	press(UK_TAB);
	assert_string_equal(prompt_candidates(),
			    "events fleet logs pod-logs pods");
	press(UK_ESC);
	assert_string_equal(prompt_candidates(), "");

	/* no completer: Tab does nothing (no tab, no file names) */
	open_prompt("/", "search", NULL);
	type("po");
	press(UK_TAB);
	press(UK_TAB);
	assert_string_equal(shown(), "/po");
	assert_string_equal(prompt_candidates(), "");
	press(UK_ESC);
}

static void enter_line(const char *prompt, const char *history,
		       const char *line)
{
	open_prompt(prompt, history, NULL);
	type(line);
	press(UK_ENTER);
	assert_false(prompt_active());
}

static void test_history(void **st)
{
	(void)st;
	enter_line(":", "command", "one");
	enter_line(":", "command", "two");
	enter_line(":", "command", "three");
	enter_line(":", "command", "three"); /* repeated: kept once */
	enter_line(":", "command", "");	     /* empty: not kept */
	open_prompt(":", "command", NULL);
	press(UK_UP);
	assert_string_equal(shown(), ":three");
	assert_int_equal(draw(), 6);
	press(UK_UP);
	assert_string_equal(shown(), ":two");
	press(UK_UP);
	assert_string_equal(shown(), ":one");
	press(UK_UP);
	assert_string_equal(shown(), ":one");
	press(UK_DOWN);
	assert_string_equal(shown(), ":two");
	press(UK_DOWN);
	assert_string_equal(shown(), ":three");
	press(UK_DOWN);
	assert_string_equal(shown(), ":");
	/* a line being typed comes back after a look at the history */
	type("new");
	press(UK_UP);
	press(UK_DOWN);
	assert_string_equal(shown(), ":new");
	press(UK_ESC);

	/* another name, another list */
	open_prompt("/", "search", NULL);
	press(UK_UP);
	assert_string_equal(shown(), "/");
	press(UK_ESC);
	enter_line("/", "search", "needle");
	open_prompt(":", "command", NULL);
	press(UK_UP);
	assert_string_equal(shown(), ":three");
	/* an edited recall is forgotten when the prompt ends */
	press(UK_BACKSPACE);
	assert_string_equal(shown(), ":thre");
	press(UK_ESC);
	open_prompt(":", "command", NULL);
	press(UK_UP);
	assert_string_equal(shown(), ":three");
	press(UK_ESC);
	open_prompt("/", "search", NULL);
	press(UK_UP);
	assert_string_equal(shown(), "/needle");
	press(UK_UP);
	assert_string_equal(shown(), "/needle");
	press(UK_ESC);
	/* no history at all */
	open_prompt(":", NULL, NULL);
	press(UK_UP);
	assert_string_equal(shown(), ":");
	press(UK_ESC);
	/* a line recalled and sent is sent as it was edited */
	open_prompt(":", "command", NULL);
	press(UK_UP);
	press(UK_UP);
	type("s");
	press(UK_ENTER);
	assert_string_equal(R.line, "twos");
	open_prompt(":", "command", NULL);
	press(UK_UP);
	assert_string_equal(shown(), ":twos");
	press(UK_UP);
	assert_string_equal(shown(), ":three");
	press(UK_UP);
	assert_string_equal(shown(), ":two"); /* not "twos" */
	press(UK_ESC);
}

static void open_with_default(void *arg, const char *line)
{
	on_done(arg, line);
	prompt_open_with(&(struct prompt_req){"Second: ", NULL, on_done, NULL,
					      &R2},
			 &(struct prompt_extra){.initial = "42"});
}

/* A prompt that starts with a default, and a secret one: drawn as '*'s,
 * the line handed over whole, nothing of it in any history (in memory or
 * on disk), the history it names left alone. */
static void test_initial_and_secret(void **st)
{
	(void)st;
	prompt_open_with(&(struct prompt_req){"Channel: ", "var-x-channel",
					      on_done, NULL, &R},
			 &(struct prompt_extra){.initial = "ops"});
	assert_string_equal(shown(), "Channel: ops");
	assert_int_equal(draw(), 12);
	press(UK_ENTER);
	assert_string_equal(R.line, "ops");
	prompt_open_with(&(struct prompt_req){"Channel: ", "var-x-channel",
					      on_done, NULL, &R},
			 &(struct prompt_extra){.initial = "ops"});
	press(UK_BACKSPACE);
	press(UK_BACKSPACE);
	type("nline");
	assert_string_equal(shown(), "Channel: online");
	press(UK_ENTER);
	assert_string_equal(R.line, "online");
	/* a done that opens the next prompt with a default: it is there
	 * (readline empties the line after the handler returns) */
	prompt_open(&(struct prompt_req){"First: ", NULL, open_with_default,
					 NULL, &R});
	type("a");
	press(UK_ENTER);
	assert_string_equal(R2.line ? R2.line : "", "");
	assert_true(prompt_active());
	assert_string_equal(shown(), "Second: 42");
	type("7");
	press(UK_ENTER);
	assert_string_equal(R2.line, "427");
	/* no extra is a plain prompt */
	prompt_open_with(&(struct prompt_req){":", NULL, on_done, NULL, &R},
			 NULL);
	assert_string_equal(shown(), ":");
	press(UK_ESC);
	assert_true(R.got_null);

	enter_line("Token: ", "var-x-token", "old-visible");
	const struct prompt_extra secret = {.secret = true,
					    .initial = NULL};
	prompt_open_with(&(struct prompt_req){"Token: ", "var-x-token",
					      on_done, NULL, &R},
			 &secret);
	/* the name's history is not offered to a secret */
	press(UK_UP);
	assert_string_equal(shown(), "Token:");
	type("s3cr\xc3\xa9t!");
	assert_string_equal(shown(), "Token: *******");
	assert_int_equal(draw(), 14);
	press(UK_LEFT);
	press(UK_LEFT);
	assert_int_equal(draw(), 12);
	assert_null(strstr(row(ROW), "s3cr"));
	press(UK_ENTER);
	assert_string_equal(R.line, "s3cr\xc3\xa9t!");
	/* not kept: the history has what it had, on disk too */
	open_prompt("Token: ", "var-x-token", NULL);
	press(UK_UP);
	assert_string_equal(shown(), "Token: old-visible");
	press(UK_UP);
	assert_string_equal(shown(), "Token: old-visible");
	press(UK_ESC);
	prompt_teardown();
	char path[PATH_MAX + 64];
	history_path(path, sizeof path, "var-x-token");
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char buf[256] = "";
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	assert_null(strstr(buf, "s3cr"));
	assert_non_null(strstr(buf, "old-visible"));
	prompt_setup();
	/* cancelled, a secret is gone as well */
	prompt_open_with(&(struct prompt_req){"Token: ", NULL, on_done, NULL,
					      &R},
			 &secret);
	type("abc");
	assert_string_equal(shown(), "Token: ***");
	press(UK_ESC);
	assert_true(R.got_null);
	open_prompt(":", NULL, NULL);
	assert_string_equal(shown(), ":");
	press(UK_ESC);
}

static void assert_mode(const char *path, mode_t want)
{
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, want);
}

static void test_history_file(void **st)
{
	(void)st;
	mode_t old = umask(0);
	enter_line(":", "command", "alpha");
	umask(old);
	enter_line(":", "command", "beta");
	enter_line("/", "search", "needle");
	char path[PATH_MAX + 128];
	history_path(path, sizeof path, "command");
	/* written after each line, mode 0600 whatever the umask */
	char *text = test_read_file(path, NULL);
	assert_non_null(text);
	assert_string_equal(text, "alpha\nbeta\n");
	free(text);
	assert_mode(path, 0600);
	char dir[PATH_MAX + 64];
	snprintf(dir, sizeof dir, "%s/opsdeck", state);
	assert_mode(dir, 0700);
	assert_mode(state, 0700);

	/* a new session reads them back */
	prompt_teardown();
	prompt_setup();
	open_prompt(":", "command", NULL);
	press(UK_UP);
	assert_string_equal(shown(), ":beta");
	press(UK_UP);
	assert_string_equal(shown(), ":alpha");
	press(UK_ESC);
	open_prompt("/", "search", NULL);
	press(UK_UP);
	assert_string_equal(shown(), "/needle");
	press(UK_ESC);
	enter_line(":", "command", "gamma");
	prompt_teardown();
	text = test_read_file(path, NULL);
	assert_string_equal(text, "alpha\nbeta\ngamma\n");
	free(text);
	/* no temporary file left behind */
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *de;
	int files = 0;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			files++;
	closedir(d);
	assert_int_equal(files, 2);

	/* without XDG_STATE_HOME (or with a relative one): ~/.local/state */
	prompt_setup();
	setenv("XDG_STATE_HOME", "relative/state", 1);
	enter_line(":", "other", "at-home");
	snprintf(path, sizeof path, "%s/.local/state/opsdeck/history-other",
		 tmp);
	text = test_read_file(path, NULL);
	assert_non_null(text);
	assert_string_equal(text, "at-home\n");
	free(text);
	unsetenv("XDG_STATE_HOME");
	enter_line(":", "other", "again");
	text = test_read_file(path, NULL);
	assert_string_equal(text, "at-home\nagain\n");
	free(text);
	assert_int_equal(access("relative", F_OK), -1);
	setenv("XDG_STATE_HOME", state, 1);
}

static void test_history_file_hostile(void **st)
{
	(void)st;
	char path[PATH_MAX + 128];
	history_path(path, sizeof path, "command");
	struct buf b = BUF_INIT;
	for (int i = 0; i < 1000; i++)
		buf_printf(&b, "l%04d\n", i);
	buf_puts(&b, "\033[31mred\007\n");
	buf_append(&b, "nul\0after\n", 10);
	buf_puts(&b, "\xff\xfe bytes\n");
	for (int i = 0; i < 100000; i++) /* one line too long to keep */
		buf_putc(&b, 'x');
	buf_puts(&b, "\n\n\n\r\nlast");
	write_file(path, b.data, b.len);
	buf_free(&b);

	open_prompt(":", "command", NULL);
	press(UK_UP);
	assert_string_equal(shown(), ":last");
	press(UK_UP);
	assert_string_equal(shown(), ":^M"); /* "\r" is a line too */
	press(UK_UP);
	assert_string_equal(shown(), ":\\xff\\xfe bytes");
	press(UK_UP);
	assert_string_equal(shown(), ":nul");
	press(UK_UP);
	assert_string_equal(shown(), ":^[[31mred^G");
	press(UK_UP);
	assert_string_equal(shown(), ":l0999");
	/* 500 kept: the oldest is the 500th newest */
	press_n(UK_UP, 600);
	assert_string_equal(shown(), ":l0505");
	press(UK_ESC);
	/* a file only read is left as it was; with a new line, the newest
	 * 500 are written back */
	enter_line(":", "command", "newest");
	prompt_teardown();
	size_t len = 0;
	char *text = test_read_file(path, &len);
	assert_non_null(text);
	int lines = 0;
	for (size_t i = 0; i < len; i++)
		lines += text[i] == '\n';
	assert_int_equal(lines, 500);
	assert_true(!strncmp(text, "l0506\n", 6));
	assert_true(len > 7 && !strcmp(text + len - 7, "newest\n"));
	/* the odd lines as they were read: data, not text to fix */
	static const char odd[] = "\033[31mred\a\nnul\n\xff\xfe bytes\n\r\n";
	assert_non_null(memmem(text, len, odd, sizeof odd - 1));
	free(text);
	prompt_setup();

	/* a huge file: only its end is read */
	history_path(path, sizeof path, "huge");
	b = (struct buf)BUF_INIT;
	while (b.len < (3u << 20))
		buf_puts(&b, "0123456789abcdef0123456789abcdef\n");
	buf_puts(&b, "tail-line\n");
	write_file(path, b.data, b.len);
	buf_free(&b);
	open_prompt(":", "huge", NULL);
	press(UK_UP);
	assert_string_equal(shown(), ":tail-line");
	press(UK_ESC);

	/* repeats in a file go the way typed ones do */
	history_path(path, sizeof path, "dups");
	static const char dups[] = "dup\ndup\nsolo\ndup\ndup\n";
	write_file(path, dups, sizeof dups - 1);
	open_prompt(":", "dups", NULL);
	press(UK_UP);
	assert_string_equal(shown(), ":dup");
	press(UK_UP);
	assert_string_equal(shown(), ":solo");
	press(UK_UP);
	assert_string_equal(shown(), ":dup");
	press(UK_UP);
	assert_string_equal(shown(), ":dup");
	press(UK_DOWN);
	assert_string_equal(shown(), ":solo");
	press(UK_ESC);

	/* a megabyte of tiny lines: the newest 500 */
	history_path(path, sizeof path, "many");
	b = (struct buf)BUF_INIT;
	int k = 0;
	while (b.len < (1u << 20))
		buf_printf(&b, "%d\n", k++);
	write_file(path, b.data, b.len);
	buf_free(&b);
	open_prompt(":", "many", NULL);
	press(UK_UP);
	char want[32];
	snprintf(want, sizeof want, ":%d", k - 1);
	assert_string_equal(shown(), want);
	press_n(UK_UP, 600);
	snprintf(want, sizeof want, ":%d", k - 500);
	assert_string_equal(shown(), want);
	press(UK_ESC);

	/* not a file: a folder, a FIFO (opening it must not hang) */
	history_path(path, sizeof path, "folder");
	assert_int_equal(mkdir(path, 0700), 0);
	open_prompt(":", "folder", NULL);
	press(UK_UP);
	assert_string_equal(shown(), ":");
	press(UK_ESC);
	history_path(path, sizeof path, "fifo");
	assert_int_equal(mkfifo(path, 0600), 0);
	open_prompt(":", "fifo", NULL);
	press(UK_UP);
	assert_string_equal(shown(), ":");
	press(UK_ESC);

	/* a name that is no file name keeps its lines in memory only */
	enter_line(":", "../escape", "kept");
	open_prompt(":", "../escape", NULL);
	press(UK_UP);
	assert_string_equal(shown(), ":kept");
	press(UK_ESC);
	char esc[PATH_MAX + 64];
	snprintf(esc, sizeof esc, "%s/history-", state);
	assert_int_equal(access(esc, F_OK), -1);
}

static void test_utf8(void **st)
{
	(void)st;
	open_prompt(":", NULL, NULL);
	type("é");
	type("日本");
	assert_int_equal(draw(), 6);
	assert_string_equal(row(ROW), ":é日本");
	assert_int_equal(cell(ROW, 1), L'é');
	assert_int_equal(cell(ROW, 2), L'日');
	assert_int_equal(cell(ROW, 4), L'本');
	press(UK_LEFT);
	assert_int_equal(draw(), 4);
	press(UK_LEFT);
	assert_int_equal(draw(), 2);
	press(UK_LEFT);
	assert_int_equal(draw(), 1);
	press(UK_DELETE);
	assert_string_equal(shown(), ":日本");
	press(UK_END);
	press(UK_BACKSPACE);
	assert_string_equal(shown(), ":日");
	assert_int_equal(draw(), 3);
	type("é");
	press(UK_ENTER);
	assert_string_equal(R.line, "日é");

	/* a prompt in UTF-8 too */
	open_prompt("→ ", NULL, NULL);
	type("x");
	assert_string_equal(shown(), "→ x");
	assert_int_equal(draw(), 3);
	press(UK_ESC);
}

static void test_long_line(void **st)
{
	(void)st;
	char s[2001];
	for (int i = 0; i < 2000; i++)
		s[i] = (char)('a' + (i * 7) % 26);
	s[2000] = '\0';
	open_prompt(":", NULL, NULL);
	type(s);
	/* the point at the end: the end of the line fills the window */
	int x = draw();
	assert_int_equal(x, 79);
	assert_string_equal(row(ROW) + 1, s + 2000 - 78);
	/* at the start: the start shows */
	press(UK_HOME);
	assert_int_equal(draw(), 1);
	char want[80];
	memcpy(want, s, 79);
	want[79] = '\0';
	assert_string_equal(row(ROW) + 1, want);
	/* wherever the point goes, it stays in the window, on its
	 * character */
	int point = 0;
	for (int i = 0; i < 300; i++, point++) {
		press(UK_RIGHT);
		x = draw();
		assert_true(x >= 1 && x < 80);
		assert_int_equal(cell(ROW, x), s[point + 1]);
	}
	for (int i = 0; i < 150; i++, point--) {
		press(UK_LEFT);
		x = draw();
		assert_true(x >= 1 && x < 80);
		assert_int_equal(cell(ROW, x), s[point - 1]);
	}
	press(UK_END);
	assert_int_equal(draw(), 79);
	press(UK_ENTER);
	assert_string_equal(R.line, s);

	/* a narrow window and a long prompt still leave the line room */
	open_prompt("(a prompt far longer than the window is wide): ", NULL,
		    NULL);
	type("abc");
	term_clear();
	prompt_draw(ROW, 20);
	int y;
	getyx(stdscr, y, x);
	assert_int_equal(y, ROW);
	assert_int_equal(x, 15);
	assert_int_equal(cell(ROW, 12), 'a');
	press(UK_ESC);
}

static void test_control_chars(void **st)
{
	(void)st;
	open_prompt(":", NULL, NULL);
	press(UK_CTRL('v'));
	press(UK_ESC); /* quoted: inserted, not a cancel */
	assert_true(prompt_active());
	press(UK_CTRL('v'));
	press(UK_CTRL('g'));
	type("[2J");
	/* row() fails on any control character in a cell */
	assert_string_equal(shown(), ":^[^G[2J");
	assert_int_equal(draw(), 8);
	press(UK_ENTER);
	assert_string_equal(R.line, "\033\a[2J");

	/* control characters in the prompt are shown, not sent */
	open_prompt("\033[31m:", NULL, NULL);
	assert_string_equal(shown(), "^[[31m:");
	press(UK_ESC);
}

static void test_isearch(void **st)
{
	(void)st;
	enter_line(":", "command", "kubectl get pods");
	enter_line(":", "command", "other");
	open_prompt(":", "command", NULL);
	press(UK_CTRL('r'));
	type("kub");
	const char *r = shown();
	assert_non_null(strstr(r, "kub"));
	assert_non_null(strstr(r, "kubectl get pods"));
	/* Esc ends the search, not the prompt */
	press(UK_ESC);
	assert_true(prompt_active());
	assert_string_equal(shown(), ":kubectl get pods");
	press(UK_ESC);
	assert_false(prompt_active());
	assert_true(R.got_null);
	/* C-g gives up the search and keeps the prompt */
	open_prompt(":", "command", NULL);
	type("ab");
	press(UK_CTRL('r'));
	type("oth");
	press(UK_CTRL('g'));
	assert_true(prompt_active());
	assert_string_equal(shown(), ":ab");
	/* Esc in the middle of a prefix key ends the prefix */
	press(UK_CTRL('x'));
	press(UK_ESC);
	assert_true(prompt_active());
	press(UK_CTRL('x'));
	press(UK_LEFT); /* an unbound sequence: nothing inserted */
	assert_string_equal(shown(), ":ab");
	press(UK_ESC);
	assert_false(prompt_active());
}

static void test_quiet(void **st)
{
	(void)st;
	/* the first setup read the broken inputrc without a word */
	assert_int_equal(setup_noise, 0);
	struct capture c;
	capture_start(&c);
	open_prompt(":", "command", complete_views);
	press(UK_LEFT);	     /* at the start: readline rings its bell */
	press(UK_UP);	     /* no history: the bell again */
	press(UK_TAB);	     /* candidates: never printed */
	press(UK_CTRL('x')); /* C-x C-r: the inputrc again, broken */
	press(UK_CTRL('r'));
	press(UK_CTRL('l')); /* clear-screen */
	press(UK_CTRL('x'));
	press('q'); /* the binding in "$if opsdeck" */
	press(UK_CTRL('x'));
	press('w'); /* the one in "$if bash" is not ours */
	char got[128], got_after[128];
	snprintf(got, sizeof got, "%s", shown());
	press(UK_CTRL('v')); /* still quoting after C-x C-r */
	press(UK_ESC);
	bool active = prompt_active();
	snprintf(got_after, sizeof got_after, "%s", shown());
	press(UK_ESC);
	long noise = capture_end(&c);
	if (noise) {
		char *text = test_read_file(c.path, NULL);
		fail_msg("readline wrote %ld bytes: %s", noise, text);
	}
	assert_string_equal(got, ":from-inputrc");
	assert_true(active);
	assert_string_equal(got_after, ":from-inputrc^[");
	/* and did not export the screen size */
	assert_null(getenv("LINES"));
	assert_null(getenv("COLUMNS"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_type_enter, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_editing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_done_opens_prompt, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_complete_one, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_complete_many, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_history, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_initial_and_secret, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_history_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_history_file_hostile, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_utf8, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_long_line, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_control_chars, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_isearch, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_quiet, setup, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
