/*
 * The bottom-line prompt (prompt.h): GNU readline run through its callback
 * interface, with every path to the terminal cut.
 *
 * Keys in: prompt_key turns one of our key codes back into the bytes a
 * terminal would have sent (a code point in the locale's encoding, "\r"
 * for Enter, "\033[D" for Left, ...), queues them, and calls
 * rl_callback_read_char until the queue is empty; readline reads the queue
 * through rl_getc_function and asks rl_input_available_hook whether more
 * bytes of a sequence are coming. Esc, C-g and C-c cancel the prompt here,
 * without readline, unless readline is in the middle of something that
 * wants the key (a quoted insert, an incremental search, a prefix key).
 *
 * Nothing out: readline's display is a no-op (prompt_draw paints the
 * prompt and rl_line_buffer through draw.h when the console redraws), its
 * streams are /dev/null, its terminal preparation, signal and SIGWINCH
 * handling are off, it may not touch LINES and COLUMNS, and stderr points
 * at /dev/null while readline runs (it reports ~/.inputrc mistakes there).
 * Because a redisplay function of our own is installed before readline
 * first initialises, it never calls tgetent, so ncurses' terminal stays
 * the only one.
 *
 * Lines out: readline hands the finished line to on_line, which records it
 * in the prompt's history, closes the prompt and only then calls the
 * request's done, so done may open the next prompt. A request may start
 * the line with text (a default), and may be a secret: then the line is
 * drawn as '*'s, goes into no history, and is wiped (with readline's undo
 * records of it) once done has had it.
 *
 * Histories: one list of lines per name, ours (readline's own list is
 * refilled from it whenever a prompt opens, so edits made to recalled
 * lines are forgotten when the prompt ends). Each is read lazily from
 * $XDG_STATE_HOME/opsdeck/history-NAME and written back (mode 0600,
 * through a temporary file and a rename) after every accepted line and at
 * teardown.
 */
#include "ui/prompt.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wchar.h>

#include <curses.h>
#include <readline/history.h>
#include <readline/readline.h>

#include "base/buf.h"
#include "base/vec.h"
#include "ui/draw.h"
#include "ui/keymap.h"

enum {
	HIST_MAX = 500,		 /* lines kept per history */
	HIST_READ_MAX = 1 << 20, /* bytes read from the end of a file */
	HIST_LINE_MAX = 8 << 10, /* longer lines are neither read nor saved */
	HIST_NAME_MAX = 64,
	CANDS_MAX = 4096, /* bytes of the candidate list kept */
	QUEUE_MAX = 16,	  /* the longest key's bytes */
	REOPEN_MAX = 8,	  /* done callbacks that keep reopening */
};

struct hist {
	char *name;
	struct vec lines; /* char *, oldest first */
	bool dirty;
};

static struct {
	bool ready, active;
	FILE *null_out, *null_in; /* opened once, readline keeps them */
	FILE *loud;		  /* stderr while readline runs quietly */
	/* the open request, its strings copied */
	char *prompt;
	struct hist *hist;
	void (*done)(void *arg, const char *line);
	void (*complete)(void *arg, const char *line, const char *word,
			 struct vec *out);
	void *arg;
	bool secret; /* drawn masked, kept in no history, wiped */
	bool in_line; /* on_line is running the request's done */
	char *initial; /* to type into a prompt opened from a done */
	/* bytes of the key being fed to readline */
	unsigned char queue[QUEUE_MAX];
	size_t qhead, qlen;
	bool quoting;	    /* a quoted-insert waits for its key */
	int scroll;	    /* columns of the line hidden on the left */
	struct buf cands;   /* the last ambiguous Tab's candidates */
	struct vec matches; /* candidates for the completion generator */
	size_t match_next;
	struct vec hists; /* struct hist * */
} P;

/* ---- quiet readline ---------------------------------------------------- */

/* readline writes its complaints about ~/.inputrc (read at the first
 * prompt, and again on C-x C-r) straight to stderr, which is the
 * console's screen: point stderr at /dev/null around every call into it. */
static FILE *quiet_begin(void)
{
	FILE *was = stderr;
#ifdef __GLIBC__ /* where stderr is a plain variable (musl's is const) */
	if (P.null_out)
		stderr = P.null_out;
#endif
	return was;
}

static void quiet_end(FILE *was)
{
#ifdef __GLIBC__
	stderr = was;
#else
	(void)was;
#endif
}

/* ---- readline's input and output hooks --------------------------------- */

static int read_byte(FILE *f)
{
	(void)f;
	/* Only reached with bytes queued (prompt_key checks, and readline's
	 * look-aheads ask have_bytes first); EOF ends a look-ahead loop
	 * rather than inventing a key. */
	if (!P.qlen)
		return EOF;
	unsigned char c = P.queue[P.qhead++];
	P.qlen--;
	return c;
}

static int have_bytes(void)
{
	return P.qlen > 0;
}

static void redisplay_nothing(void)
{
	/* the console draws the prompt when it redraws (prompt_draw) */
}

static void prep_nothing(int meta)
{
	(void)meta; /* the console owns the terminal's modes */
}

static void deprep_nothing(void)
{
}

/* ---- completion -------------------------------------------------------- */

static char *next_match(const char *text, int state)
{
	if (!state)
		P.match_next = 0;
	size_t n = strlen(text);
	while (P.match_next < P.matches.len) {
		const char *c = P.matches.items[P.match_next++];
		/* readline replaces the word with the candidates' common
		 * prefix, so one that does not extend the word would cut it */
		if (c && !strncmp(c, text, n))
			return strdup(c);
	}
	return NULL;
}

static char *no_entries(const char *text, int state)
{
	(void)text, (void)state;
	return NULL;
}

static char **attempt_completion(const char *text, int start, int end)
{
	(void)start;
	/* never readline's filename completion */
	rl_attempted_completion_over = 1;
	if (!P.complete)
		return NULL;
	/* the line up to the point, so the completer can count the words
	 * before the one being completed */
	char *line = strndup(rl_line_buffer, end > 0 ? (size_t)end : 0);
	if (!line)
		return NULL;
	P.complete(P.arg, line, text, &P.matches);
	free(line);
	char **m =
	    P.matches.len ? rl_completion_matches(text, next_match) : NULL;
	vec_free(&P.matches, free);
	return m;
}

/* readline would print the list under the line; the console shows it above
 * the prompt instead. */
static void show_matches(char **matches, int n, int max)
{
	(void)max;
	buf_clear(&P.cands);
	for (int i = 1; i <= n && matches[i]; i++) {
		size_t len = strlen(matches[i]);
		if (P.cands.len + len + 1 > CANDS_MAX) {
			buf_puts(&P.cands, " ...");
			break;
		}
		if (P.cands.len)
			buf_putc(&P.cands, ' ');
		buf_append(&P.cands, matches[i], len);
	}
}

/* ---- histories --------------------------------------------------------- */

static bool name_ok(const char *s)
{
	size_t n = strlen(s);
	if (!n || n > HIST_NAME_MAX || s[0] == '.')
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' ||
		      *s == '.'))
			return false;
	return true;
}

/* $XDG_STATE_HOME/opsdeck, or ~/.local/state/opsdeck; false when neither
 * is known (a relative XDG_STATE_HOME is ignored, as the spec says). */
static bool state_dir(struct buf *out)
{
	const char *x = getenv("XDG_STATE_HOME");
	if (x && x[0] == '/') {
		buf_printf(out, "%s/opsdeck", x);
		return true;
	}
	const char *h = getenv("HOME");
	if (h && h[0] == '/') {
		buf_printf(out, "%s/.local/state/opsdeck", h);
		return true;
	}
	return false;
}

static bool hist_path(const struct hist *h, struct buf *out)
{
	if (!name_ok(h->name) || !state_dir(out))
		return false;
	buf_printf(out, "/history-%s", h->name);
	return true;
}

/* Append line unless it is empty or repeats the last one; keeps the newest
 * HIST_MAX. */
static bool hist_push(struct hist *h, const char *line, size_t len)
{
	if (!len)
		return false;
	if (h->lines.len) {
		const char *last = h->lines.items[h->lines.len - 1];
		if (strlen(last) == len && !memcmp(last, line, len))
			return false;
	}
	char *copy = strndup(line, len);
	if (!copy)
		return false;
	vec_push(&h->lines, copy);
	while (h->lines.len > HIST_MAX)
		free(vec_remove(&h->lines, 0));
	return true;
}

/* The file is only data: whatever it holds (a NUL cuts its line short,
 * control bytes are shown as ^X when recalled), the newest lines that fit
 * the limits are kept and nothing else is trusted. */
static void hist_load(struct hist *h)
{
	struct buf path = BUF_INIT;
	if (!hist_path(h, &path))
		goto out;
	/* O_NONBLOCK: a FIFO in its place must not hang the console */
	int fd = open(buf_str(&path), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		goto out;
	struct stat st;
	char *data = NULL;
	size_t len = 0;
	bool cut = false;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		goto close;
	if (st.st_size > HIST_READ_MAX) {
		cut = true;
		if (lseek(fd, st.st_size - HIST_READ_MAX, SEEK_SET) < 0)
			goto close;
	}
	data = malloc(HIST_READ_MAX);
	if (!data)
		goto close;
	while (len < HIST_READ_MAX) {
		ssize_t n = read(fd, data + len, HIST_READ_MAX - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	size_t start = 0;
	if (cut) { /* the first line is a tail: skip it */
		while (start < len && data[start] != '\n')
			start++;
		start++;
	}
	/* From the end back, so a file of a million short lines costs no
	 * more than the HIST_MAX lines kept. Skipping a line equal to the
	 * newer one just taken drops the same repeats as doing it forwards. */
	char *picked[HIST_MAX];
	size_t np = 0;
	for (size_t e = len; e > start && np < HIST_MAX;) {
		size_t b = e;
		while (b > start && data[b - 1] != '\n')
			b--;
		/* a NUL cuts its line short */
		size_t n =
		    e - b <= HIST_LINE_MAX ? strnlen(data + b, e - b) : 0;
		const char *newer = np ? picked[np - 1] : NULL;
		if (n && !(newer && strlen(newer) == n &&
			   !memcmp(newer, data + b, n))) {
			char *copy = strndup(data + b, n);
			if (copy)
				picked[np++] = copy;
		}
		if (b == start)
			break;
		e = b - 1; /* before the newline */
	}
	while (np)
		vec_push(&h->lines, picked[--np]);
close:
	free(data);
	close(fd);
out:
	buf_free(&path);
}

/* mkdir -p for dir, each new folder 0700 (the XDG spec's mode). */
static bool make_dirs(const char *dir)
{
	char *p = strdup(dir);
	if (!p)
		return false;
	bool ok = true;
	for (char *s = p + 1;; s++) {
		if (*s && *s != '/')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, 0700) && errno != EEXIST)
			ok = false;
		*s = c;
		if (!c || !ok)
			break;
	}
	free(p);
	return ok;
}

static bool write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		s += w;
		n -= (size_t)w;
	}
	return true;
}

/* Replace the file whole (a temporary file renamed over it), so a crash
 * mid-write or a second console leaves one complete history, never a
 * mixture. Failures are silent: the lines stay in memory. */
static void hist_save(struct hist *h)
{
	if (!h->dirty)
		return;
	struct buf dir = BUF_INIT, path = BUF_INIT, tmp = BUF_INIT,
		   text = BUF_INIT;
	if (!name_ok(h->name) || !state_dir(&dir) || !make_dirs(buf_str(&dir)))
		goto out;
	buf_printf(&path, "%s/history-%s", buf_str(&dir), h->name);
	buf_printf(&tmp, "%s.%ld.tmp", buf_str(&path), (long)getpid());
	for (size_t i = 0; i < h->lines.len; i++) {
		const char *l = h->lines.items[i];
		size_t n = strlen(l);
		/* a line with a newline in it (C-v C-j) would come back as
		 * two; it is only kept for this session */
		if (n > HIST_LINE_MAX || memchr(l, '\n', n))
			continue;
		buf_append(&text, l, n);
		buf_putc(&text, '\n');
	}
	unlink(buf_str(&tmp));
	int fd =
	    open(buf_str(&tmp), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		goto out;
	/* exactly 0600 whatever the umask */
	bool ok = fchmod(fd, 0600) == 0 &&
		  write_all(fd, text.data ? text.data : "", text.len);
	if (close(fd))
		ok = false;
	if (ok && rename(buf_str(&tmp), buf_str(&path)) == 0)
		h->dirty = false;
	else
		unlink(buf_str(&tmp));
out:
	buf_free(&dir);
	buf_free(&path);
	buf_free(&tmp);
	buf_free(&text);
}

static struct hist *hist_get(const char *name)
{
	for (size_t i = 0; i < P.hists.len; i++) {
		struct hist *h = P.hists.items[i];
		if (!strcmp(h->name, name))
			return h;
	}
	struct hist *h = calloc(1, sizeof *h);
	if (!h)
		return NULL;
	h->name = strdup(name);
	if (!h->name) {
		free(h);
		return NULL;
	}
	hist_load(h);
	vec_push(&P.hists, h);
	return h;
}

static void hist_free(void *p)
{
	struct hist *h = p;
	vec_free(&h->lines, free);
	free(h->name);
	free(h);
}

/* Empty readline's list. Lines edited after being recalled keep their undo
 * lists in the entries' data, which clear_history does not free;
 * rl_free_undo_list frees the current one and forgets every entry's
 * reference to it, so each is handed to it in turn. */
static void rl_history_clear(void)
{
	if (rl_undo_list)
		rl_free_undo_list();
	HIST_ENTRY **list = history_list();
	for (int i = 0; list && list[i]; i++) {
		if (list[i]->data) {
			rl_undo_list = (UNDO_LIST *)list[i]->data;
			rl_free_undo_list();
		}
	}
	clear_history();
}

static void rl_history_fill(const struct hist *h)
{
	rl_history_clear();
	for (size_t i = 0; h && i < h->lines.len; i++)
		add_history(h->lines.items[i]);
}

/* ---- keys -------------------------------------------------------------- */

/* What a terminal sends for our named keys, and what readline should do
 * with them when ~/.inputrc has not said (NULL: nothing; such a key is
 * dropped unless bound, or readline would abort the unknown sequence
 * half-way and insert its tail as text). Up, Down, Left, Right, Home and
 * End are bound by readline itself without terminfo; Delete and Insert
 * only through terminfo, which it does not read here. */
static const struct {
	int32_t key;
	const char *seq;
	rl_command_func_t *fn;
} named[] = {
    {UK_UP, "\033[A", rl_get_previous_history},
    {UK_DOWN, "\033[B", rl_get_next_history},
    {UK_RIGHT, "\033[C", rl_forward_char},
    {UK_LEFT, "\033[D", rl_backward_char},
    {UK_HOME, "\033[H", rl_beg_of_line},
    {UK_END, "\033[F", rl_end_of_line},
    {UK_DELETE, "\033[3~", rl_delete},
    {UK_INSERT, "\033[2~", rl_overwrite_mode},
    {UK_PGUP, "\033[5~", NULL},
    {UK_PGDN, "\033[6~", NULL},
    {UK_BTAB, "\033[Z", NULL},
    {UK_F1 + 0, "\033OP", NULL},
    {UK_F1 + 1, "\033OQ", NULL},
    {UK_F1 + 2, "\033OR", NULL},
    {UK_F1 + 3, "\033OS", NULL},
    {UK_F1 + 4, "\033[15~", NULL},
    {UK_F1 + 5, "\033[17~", NULL},
    {UK_F1 + 6, "\033[18~", NULL},
    {UK_F1 + 7, "\033[19~", NULL},
    {UK_F1 + 8, "\033[20~", NULL},
    {UK_F1 + 9, "\033[21~", NULL},
    {UK_F1 + 10, "\033[23~", NULL},
    {UK_F1 + 11, "\033[24~", NULL},
};

/* quoted-insert (C-v) in callback mode leaves no trace in readline's public
 * state, yet the key after it must reach readline even when it is Esc or
 * C-g: every binding of it is pointed at this wrapper, which notes it. */
static int quoted_insert(int count, int key)
{
	P.quoting = true;
	return rl_quoted_insert(count, key);
}

static void wrap_quoted(Keymap map, int depth)
{
	if (!map || depth > 8)
		return;
	for (int i = 0; i < KEYMAP_SIZE; i++) {
		if (map[i].type == ISFUNC &&
		    map[i].function == rl_quoted_insert)
			map[i].function = quoted_insert;
		else if (map[i].type == ISKMAP)
			wrap_quoted((Keymap)map[i].function, depth + 1);
	}
}

/* After readline has read ~/.inputrc (again). */
static void adjust_keymaps(void)
{
	Keymap maps[] = {emacs_standard_keymap, vi_insertion_keymap,
			 vi_movement_keymap};
	for (size_t m = 0; m < sizeof maps / sizeof maps[0]; m++) {
		for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
			if (named[i].fn)
				rl_bind_keyseq_if_unbound_in_map(
				    named[i].seq, named[i].fn, maps[m]);
		wrap_quoted(maps[m], 0);
	}
}

static bool key_bound(const char *seq)
{
	int type = 0;
	rl_command_func_t *f = rl_function_of_keyseq(seq, NULL, &type);
	return f && (type == ISFUNC || type == ISMACR);
}

/* The bytes for key into out (at least QUEUE_MAX); 0 when it has none. */
static size_t key_bytes(int32_t key, char *out)
{
	if (key == UK_ENTER) {
		out[0] = '\r';
		return 1;
	}
	if (key == UK_TAB) {
		out[0] = '\t';
		return 1;
	}
	if (key == UK_BACKSPACE) {
		out[0] = 0x7f;
		return 1;
	}
	if (key == UK_ESC) {
		out[0] = 0x1b;
		return 1;
	}
	if (key >= 0 && key < 0x80) {
		out[0] = (char)key;
		return 1;
	}
	if (key >= KEY_CODE_BASE) {
		for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
			if (named[i].key != key)
				continue;
			size_t n = strlen(named[i].seq);
			if (n > QUEUE_MAX || !key_bound(named[i].seq))
				return 0;
			memcpy(out, named[i].seq, n);
			return n;
		}
		return 0; /* UK_RESIZE and the like: not for readline */
	}
	if (key < 0)
		return 0;
	/* A character: in the locale's encoding, which is what readline
	 * decodes (UTF-8 in a UTF-8 locale; in the C locale a non-ASCII
	 * character has no bytes and is dropped). */
	char mb[MB_LEN_MAX];
	mbstate_t st;
	memset(&st, 0, sizeof st);
	size_t n = wcrtomb(mb, (wchar_t)key, &st);
	if (n == (size_t)-1 || n == 0 || n > QUEUE_MAX)
		return 0;
	memcpy(out, mb, n);
	return n;
}

/* ---- the prompt -------------------------------------------------------- */

static void request_clear(void)
{
	free(P.prompt);
	P.prompt = NULL;
	P.hist = NULL;
	P.secret = false;
	free(P.initial);
	P.initial = NULL;
	P.done = NULL;
	P.complete = NULL;
	P.arg = NULL;
}

/* Forget the open prompt and hand back its done and arg. */
static void close_prompt(void (**done)(void *, const char *), void **arg)
{
	*done = P.done;
	*arg = P.arg;
	request_clear();
	P.active = false;
	P.qlen = 0;
	P.quoting = false;
	buf_clear(&P.cands);
}

static void on_line(char *line)
{
	bool secret = P.secret;
	if (line && P.hist && !secret && hist_push(P.hist, line, strlen(line))) {
		P.hist->dirty = true;
		hist_save(P.hist);
	}
	rl_callback_handler_remove();
	void (*done)(void *, const char *);
	void *arg;
	close_prompt(&done, &arg);
	/* done is the console's code: it gets the real stderr */
	FILE *q = stderr;
	if (P.loud)
		quiet_end(P.loud);
	P.in_line = true;
	if (done)
		done(arg, line);
	P.in_line = false;
	quiet_end(q);
	if (line && secret) {
		/* what was typed stays nowhere: the line, and readline's
		 * undo records of it */
		volatile char *w = line;
		for (size_t i = 0; w[i]; i++)
			w[i] = 0;
		FILE *was = quiet_begin();
		if (rl_undo_list)
			rl_free_undo_list();
		quiet_end(was);
	}
	free(line);
}

/* Take the open prompt away from readline mid-line, leaving any search,
 * argument or prefix it was in; returns its done and arg. */
static void drop_prompt(void (**done)(void *, const char *), void **arg)
{
	FILE *was = quiet_begin();
	rl_callback_sigcleanup();
	rl_free_line_state();
	rl_callback_handler_remove();
	quiet_end(was);
	close_prompt(done, arg);
}

static void cancel(void)
{
	if (!P.active)
		return;
	void (*done)(void *, const char *);
	void *arg;
	drop_prompt(&done, &arg);
	if (done)
		done(arg, NULL);
}

void prompt_setup(void)
{
	if (P.ready)
		return;
	if (!P.null_out)
		P.null_out = fopen("/dev/null", "w");
	if (!P.null_in)
		P.null_in = fopen("/dev/null", "r");
	/* Everything that keeps readline off the terminal, set before it
	 * first initialises (that is when it would call tgetent, read the
	 * tty's modes and size, and export LINES and COLUMNS). */
	rl_instream = P.null_in;
	rl_outstream = P.null_out;
	rl_getc_function = read_byte;
	rl_input_available_hook = have_bytes;
	rl_redisplay_function = redisplay_nothing;
	rl_prep_term_function = prep_nothing;
	rl_deprep_term_function = deprep_nothing;
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	rl_change_environment = 0;
	rl_readline_name = "opsdeck";
	rl_inhibit_completion = 0;
	rl_attempted_completion_function = attempt_completion;
	rl_completion_entry_function = no_entries;
	rl_completion_display_matches_hook = show_matches;
	/* words are what the completers see: separated by blanks only, so
	 * "env=prod" or "a/b" complete as one */
	rl_completer_word_break_characters = " \t";
	rl_completer_quote_characters = NULL;
	/* candidates on the first Tab (the console has room to show them);
	 * set before ~/.inputrc is read, so it can say otherwise */
	rl_variable_bind("show-all-if-ambiguous", "on");
	if (P.null_out && P.null_in) {
		FILE *was = quiet_begin();
		rl_initialize(); /* reads ~/.inputrc */
		adjust_keymaps();
		quiet_end(was);
	}
	using_history();
	P.ready = true;
}

void prompt_teardown(void)
{
	if (!P.ready)
		return;
	if (P.active) {
		/* the console is going away: the open prompt is dropped
		 * without calling its done, whose world is being freed */
		void (*done)(void *, const char *);
		void *arg;
		drop_prompt(&done, &arg);
	}
	for (size_t i = 0; i < P.hists.len; i++)
		hist_save(P.hists.items[i]);
	vec_free(&P.hists, hist_free);
	rl_history_clear();
	vec_free(&P.matches, free);
	buf_free(&P.cands);
	P.ready = false;
}

void prompt_open(const struct prompt_req *r)
{
	prompt_open_with(r, NULL);
}

void prompt_open_with(const struct prompt_req *r,
		      const struct prompt_extra *x)
{
	bool secret = x && x->secret;
	/* one prompt at a time; a done that opens yet another one each time
	 * it is cancelled is not followed for ever */
	for (int i = 0; P.active && i < REOPEN_MAX; i++)
		cancel();
	if (!r)
		return;
	if (!P.ready)
		prompt_setup();
	/* refused (as if cancelled at once): a done that kept reopening
	 * still holds the line, or readline cannot be kept off the terminal
	 * (no /dev/null), or no memory */
	char *prompt = P.active || !P.null_out || !P.null_in
			   ? NULL
			   : strdup(r->prompt ? r->prompt : "");
	if (!prompt) {
		if (r->done)
			r->done(r->arg, NULL);
		return;
	}
	P.prompt = prompt;
	P.secret = secret;
	P.hist = r->history && !secret ? hist_get(r->history) : NULL;
	P.done = r->done;
	P.complete = r->complete;
	P.arg = r->arg;
	P.scroll = 0;
	P.qlen = 0;
	P.quoting = false;
	buf_clear(&P.cands);
	rl_history_fill(P.hist);
	P.active = true;
	FILE *was = quiet_begin();
	rl_callback_handler_install(P.prompt, on_line);
	free(P.initial);
	P.initial = NULL;
	/* readline empties the line once the handler that opened this
	 * prompt returns: then (prompt_key) the text goes in */
	if (x && x->initial && *x->initial && P.in_line)
		P.initial = strdup(x->initial);
	else if (x && x->initial && *x->initial)
		rl_insert_text(x->initial);
	quiet_end(was);
}

bool prompt_active(void)
{
	return P.active;
}

void prompt_key(int32_t key)
{
	if (!P.active)
		return;
	buf_clear(&P.cands);
	bool quoted = P.quoting;
	/* readline is in the middle of something that takes the next key */
	bool busy =
	    quoted || RL_ISSTATE(RL_STATE_ISEARCH | RL_STATE_NSEARCH |
				 RL_STATE_NUMERICARG | RL_STATE_MULTIKEY |
				 RL_STATE_VIMOTION | RL_STATE_CHARSEARCH);
	if (!busy && (key == UK_ESC || key == 0x1b || key == UK_CTRL('g') ||
		      key == UK_CTRL('c'))) {
		cancel();
		return;
	}
	char bytes[QUEUE_MAX];
	size_t n = key_bytes(key, bytes);
	if (!n)
		return;
	size_t at = 0;
	/* A named key after a prefix (C-x Left) would be an unknown sequence
	 * whose tail readline inserts as text: end the prefix first. */
	if (!quoted && n > 1 && RL_ISSTATE(RL_STATE_MULTIKEY))
		P.queue[at++] = UK_CTRL('g');
	memcpy(P.queue + at, bytes, n);
	P.qhead = 0;
	P.qlen = at + n;
	P.quoting = false;
	FILE *was = quiet_begin();
	FILE *loud = P.loud;
	P.loud = was;
	/* on_line may end this prompt and done open another: stop feeding
	 * when the bytes are gone or the prompt that had them is */
	while (P.qlen && P.active)
		rl_callback_read_char();
	if (P.active && P.initial) {
		rl_insert_text(P.initial);
		free(P.initial);
		P.initial = NULL;
	}
	P.loud = loud;
	quiet_end(was);
	if (!P.active)
		return;
	P.qlen = 0;
	if (rl_last_func == rl_re_read_init_file) {
		/* C-x C-r bound the defaults again */
		was = quiet_begin();
		adjust_keymaps();
		quiet_end(was);
	}
}

void prompt_draw(int y, int w)
{
	if (!P.active || w <= 0)
		return;
	/* readline's own messages (an incremental search, an argument)
	 * replace the prompt for a while */
	const char *pr = rl_display_prompt ? rl_display_prompt : P.prompt;
	size_t plen = strlen(pr);
	/* the line keeps a few columns however long the prompt */
	int line_min = w < 16 ? (w + 1) / 2 : 8;
	int px = draw_width(pr, plen, w);
	if (px > w - line_min)
		px = w - line_min;
	draw_fill(y, 0, w, ROLE_NORMAL);
	draw_text(y, 0, px, ROLE_NORMAL, pr, plen);
	int lw = w - px;

	const char *line = rl_line_buffer ? rl_line_buffer : "";
	size_t end = rl_end > 0 ? (size_t)rl_end : 0;
	size_t point = rl_point > 0 ? (size_t)rl_point : 0;
	if (point > end)
		point = end;
	/* a secret is drawn as one '*' per character typed */
	char *masked = NULL;
	if (P.secret) {
		masked = malloc(end + 1);
		if (!masked)
			return;
		size_t n = 0, at = 0;
		for (size_t i = 0; i < end; i++) {
			if (i == point)
				at = n;
			if (((unsigned char)line[i] & 0xc0) != 0x80)
				masked[n++] = '*';
		}
		if (point == end)
			at = n;
		masked[n] = '\0';
		line = masked;
		end = n;
		point = at;
	}
	/* columns as draw.c will lay them out (a control byte is two,
	 * a wide character two, a tab to the next stop) */
	int pcol = draw_width(line, point, INT_MAX);
	int tcol = draw_width(line, end, INT_MAX);
	/* Scroll only when the point leaves the window, by half of it; and
	 * never leave blank room on the right while text is hidden on the
	 * left. */
	int s = P.scroll;
	if (pcol < s || pcol >= s + lw)
		s = pcol - lw / 2;
	if (s > tcol + 1 - lw)
		s = tcol + 1 - lw;
	if (s < 0)
		s = 0;
	P.scroll = s;
	draw_text_hl(y, px, lw, ROLE_NORMAL, line, end, NULL, s);
	move(y, px + pcol - s);
	curs_set(1);
	free(masked);
}

const char *prompt_candidates(void)
{
	return buf_str(&P.cands);
}
