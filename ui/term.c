/*
 * Terminal ownership (term.h). The only file that starts and ends
 * curses, turns a theme into colour pairs, reads keys and knows the
 * screen's size.
 */
#include "ui/term.h"

#include <curses.h>
#include <fcntl.h>
#include <langinfo.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <term.h>
#include <termios.h>
#include <unistd.h>
#include <wchar.h>

#include "ui/keymap.h"
#include "ui/ui.h"

static struct {
	bool active, test, utf8, colors;
	SCREEN *screen;
	FILE *out, *in;
	unsigned long attr[ROLE__COUNT];
	struct termios saved;
	bool saved_ok;
	/* written by the crash handler: leave the alternate screen, show
	 * the cursor, reset attributes */
	char reset[128];
	size_t reset_len;
} T;

const char *ui_curses_version(void)
{
	return curses_version();
}

static void add_reset(const char *cap)
{
	const char *s = tigetstr((char *)cap);
	if (!s || s == (char *)-1)
		return;
	size_t n = strlen(s);
	if (T.reset_len + n < sizeof T.reset) {
		memcpy(T.reset + T.reset_len, s, n);
		T.reset_len += n;
	}
}

static void on_crash(int signo)
{
	if (T.saved_ok)
		tcsetattr(STDIN_FILENO, TCSANOW, &T.saved);
	if (T.reset_len && write(STDOUT_FILENO, T.reset, T.reset_len) < 0) {
		/* nothing more can be done in a crash */
	}
	signal(signo, SIG_DFL);
	raise(signo);
}

enum status term_start(const struct term_opts *o, struct err *e)
{
	memset(&T, 0, sizeof T);
	T.test = o->test;
	const char *cs = nl_langinfo(CODESET);
	T.utf8 = cs && (!strcasecmp(cs, "UTF-8") || !strcasecmp(cs, "utf8"));
	if (o->test) {
		T.out = fopen("/dev/null", "w");
		T.in = fopen("/dev/null", "r");
		if (!T.out || !T.in)
			return err_set(e, ST_ERR_IO, "cannot open /dev/null");
		T.screen = newterm("xterm-256color", T.out, T.in);
		if (!T.screen)
			return err_set(e, ST_ERR_IO,
				       "no terminfo entry for xterm-256color");
		resize_term(o->rows, o->cols);
	} else {
		if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
			return err_set(e, ST_ERR_INVALID,
				       "the console needs a terminal (the "
				       "subcommands work without one: "
				       "opsdeck help)");
		T.saved_ok = tcgetattr(STDIN_FILENO, &T.saved) == 0;
		const char *term = getenv("TERM");
		T.screen = newterm(term && *term ? term : "vt100", stdout,
				   stdin);
		if (!T.screen)
			return err_set(e, ST_ERR_INVALID,
				       "the terminal type '%s' is unknown "
				       "(set TERM, e.g. TERM=xterm)",
				       term ? term : "");
		add_reset("rmcup");
		add_reset("cnorm");
		add_reset("sgr0");
		static const int crash[] = {SIGSEGV, SIGBUS, SIGABRT, SIGFPE,
					    SIGILL};
		for (size_t i = 0; i < sizeof crash / sizeof crash[0]; i++)
			signal(crash[i], on_crash);
	}
	T.active = true;
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	leaveok(stdscr, TRUE);
	T.colors = has_colors() && !o->no_color;
	if (T.colors) {
		start_color();
		if (use_default_colors() != OK)
			assume_default_colors(COLOR_WHITE, COLOR_BLACK);
	}
	return ST_OK;
}

void term_stop(void)
{
	if (!T.active)
		return;
	T.active = false;
	endwin();
	delscreen(T.screen);
	T.screen = NULL;
	if (T.out)
		fclose(T.out);
	if (T.in)
		fclose(T.in);
	T.out = T.in = NULL;
	if (!T.test) {
		static const int crash[] = {SIGSEGV, SIGBUS, SIGABRT, SIGFPE,
					    SIGILL};
		for (size_t i = 0; i < sizeof crash / sizeof crash[0]; i++)
			signal(crash[i], SIG_DFL);
	}
}

bool term_active(void)
{
	return T.active;
}

bool term_colors(void)
{
	return T.colors;
}

bool term_utf8(void)
{
	return T.utf8;
}

/* A theme colour on this terminal: bright colours on an 8-colour terminal
 * become the plain one (bold is added by the caller), and a 256-colour
 * index on a 16-colour terminal becomes its nearest basic colour. */
static short fit_color(short c, bool *bold)
{
	if (c < 0)
		return -1;
	if (c < COLORS)
		return c;
	if (c >= 8 && c < 16) {
		*bold = true;
		return (short)(c - 8);
	}
	if (c >= 232) /* greys */
		return c >= 244 ? COLOR_WHITE : COLOR_BLACK;
	/* the 6x6x6 cube: the dominant channels */
	int i = c - 16, r = i / 36, g = (i / 6) % 6, b = i % 6;
	int hi = r > g ? (r > b ? r : b) : (g > b ? g : b);
	if (hi < 2)
		return COLOR_BLACK;
	return (short)((r >= hi ? 1 : 0) | (g >= hi ? 2 : 0) |
		       (b >= hi ? 4 : 0));
}

void term_theme(const struct theme *t)
{
	for (int r = 0; r < ROLE__COUNT; r++) {
		const struct theme_style *s = &t->style[r];
		unsigned long a = A_NORMAL;
		if (s->attrs & THEME_ATTR_BOLD)
			a |= A_BOLD;
		if (s->attrs & THEME_ATTR_DIM)
			a |= A_DIM;
		if (s->attrs & THEME_ATTR_UNDERLINE)
			a |= A_UNDERLINE;
		if (s->attrs & THEME_ATTR_REVERSE)
			a |= A_REVERSE;
		if (s->attrs & THEME_ATTR_STANDOUT)
			a |= A_STANDOUT;
		if (s->attrs & THEME_ATTR_BLINK)
			a |= A_BLINK;
#ifdef A_ITALIC
		if (s->attrs & THEME_ATTR_ITALIC)
			a |= A_ITALIC;
#endif
		if (T.colors && (s->fg >= 0 || s->bg >= 0)) {
			bool bold = false, ignored = false;
			short fg = fit_color(s->fg, &bold);
			short bg = fit_color(s->bg, &ignored);
			init_pair((short)(r + 1), fg, bg);
			a |= COLOR_PAIR(r + 1);
			if (bold)
				a |= A_BOLD;
		}
		T.attr[r] = a;
	}
	if (T.active)
		bkgdset((chtype)(' ' | T.attr[ROLE_NORMAL]));
}

unsigned long term_attr(enum role r)
{
	return T.attr[r];
}

int32_t term_key(void)
{
	if (!T.active || T.test)
		return -1;
	wint_t ch;
	int rc = get_wch(&ch);
	if (rc == ERR)
		return -1;
	if (rc == KEY_CODE_YES) {
		switch (ch) {
		case KEY_UP: return UK_UP;
		case KEY_DOWN: return UK_DOWN;
		case KEY_LEFT: return UK_LEFT;
		case KEY_RIGHT: return UK_RIGHT;
		case KEY_PPAGE: return UK_PGUP;
		case KEY_NPAGE: return UK_PGDN;
		case KEY_HOME: return UK_HOME;
		case KEY_END: return UK_END;
		case KEY_ENTER: return UK_ENTER;
		case KEY_BTAB: return UK_BTAB;
		case KEY_BACKSPACE: return UK_BACKSPACE;
		case KEY_DC: return UK_DELETE;
		case KEY_IC: return UK_INSERT;
		case KEY_RESIZE: return UK_RESIZE;
		default:
			if (ch >= KEY_F(1) && ch <= KEY_F(12))
				return UK_F1 + (int32_t)(ch - KEY_F(1));
			return -1;
		}
	}
	switch (ch) {
	case '\r':
	case '\n':
		return UK_ENTER;
	case 27:
		return UK_ESC;
	case '\t':
		return UK_TAB;
	case 127:
	case 8:
		return UK_BACKSPACE;
	default:
		return (int32_t)ch;
	}
}

void term_resize(int cols, int rows)
{
	if (T.test) {
		if (cols > 0 && rows > 0)
			resize_term(rows, cols);
		return;
	}
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row &&
	    ws.ws_col)
		resize_term(ws.ws_row, ws.ws_col);
	clearok(curscr, TRUE);
}

int term_cols(void)
{
	return COLS;
}

int term_rows(void)
{
	return LINES;
}

void term_flush(int cursor_y, int cursor_x)
{
	if (cursor_y >= 0) {
		leaveok(stdscr, FALSE);
		move(cursor_y, cursor_x);
		curs_set(1);
	} else {
		leaveok(stdscr, TRUE);
		curs_set(0);
	}
	wnoutrefresh(stdscr);
	doupdate();
}

void term_redraw_all(void)
{
	clearok(curscr, TRUE);
}

static void row_text(int y, char *out, size_t cap)
{
	size_t n = 0;
	for (int x = 0; x < COLS && n + MB_LEN_MAX < cap; x++) {
		cchar_t cc;
		if (mvin_wch(y, x, &cc) == ERR)
			break;
		wchar_t wch[CCHARW_MAX + 1];
		attr_t at;
		short pair;
		if (getcchar(&cc, wch, &at, &pair, NULL) == ERR)
			continue;
		for (int k = 0; wch[k] && n + MB_LEN_MAX < cap; k++) {
			mbstate_t st = {0};
			size_t m = wcrtomb(out + n, wch[k], &st);
			if (m != (size_t)-1)
				n += m;
		}
		/* a wide character fills two cells; ncurses repeats it in
		 * the second */
		if (wch[0] && wcwidth(wch[0]) == 2)
			x++;
	}
	while (n && out[n - 1] == ' ')
		n--;
	out[n] = 0;
}

/* One character per cell for its look: '.' plain, a letter for a colour
 * pair (one per role, so a letter is a role), or for a colourless theme a
 * digit/letter of the attribute bits (bold 1, reverse 2, underline 4,
 * dim 8, standout 16). */
static char attr_code(attr_t at, short pair)
{
	static const char pairs[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
	static const char bits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUV";
	if (pair > 0)
		return pair <= (short)sizeof pairs - 1 ? pairs[pair - 1] : '*';
	unsigned b = ((at & A_BOLD) ? 1u : 0) | ((at & A_REVERSE) ? 2u : 0) |
		     ((at & A_UNDERLINE) ? 4u : 0) | ((at & A_DIM) ? 8u : 0) |
		     ((at & A_STANDOUT) ? 16u : 0);
	return b ? bits[b] : '.';
}

void term_dump(FILE *out)
{
	char line[4096];
	for (int y = 0; y < LINES; y++) {
		row_text(y, line, sizeof line);
		fprintf(out, "%s\n", line);
	}
	fputs("--- attributes ---\n", out);
	for (int y = 0; y < LINES; y++) {
		int n = 0;
		for (int x = 0; x < COLS && n < (int)sizeof line - 1; x++) {
			cchar_t cc;
			wchar_t wch[CCHARW_MAX + 1];
			attr_t at = 0;
			short pair = 0;
			if (mvin_wch(y, x, &cc) == ERR ||
			    getcchar(&cc, wch, &at, &pair, NULL) == ERR)
				break;
			line[n++] = attr_code(at, pair);
		}
		while (n && line[n - 1] == '.')
			n--;
		line[n] = 0;
		fprintf(out, "%s\n", line);
	}
}

bool term_screen_has(const char *text)
{
	char line[4096];
	for (int y = 0; y < LINES; y++) {
		row_text(y, line, sizeof line);
		if (strstr(line, text))
			return true;
	}
	return false;
}

void term_clear(void)
{
	erase();
}

void term_cursor(int *y, int *x)
{
	getyx(stdscr, *y, *x);
}
