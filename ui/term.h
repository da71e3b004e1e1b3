/*
 * Terminal ownership (htop's rule: one module owns the terminal). Nothing
 * else calls initscr, newterm, endwin or the colour functions.
 *
 * A real terminal: the locale decides UTF-8 or the ASCII fallback; the
 * theme is turned into an attribute table once per load (mono when the
 * terminal has no colours or NO_COLOR is set); SIGWINCH, SIGTERM, SIGHUP
 * and SIGINT arrive through the loop (the handlers only write to a pipe),
 * and a crash (SIGSEGV, SIGBUS, SIGABRT, SIGFPE) restores the tty's modes
 * and leaves the alternate screen with async-signal-safe writes only.
 *
 * Test mode: ncurses draws into its virtual screen at a fixed size, with
 * output to /dev/null and no keyboard; the screen's text can be dumped.
 */
#ifndef OPSDECK_UI_TERM_H
#define OPSDECK_UI_TERM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/status.h"
#include "ui/theme.h"

struct term_opts {
	bool test;	/* virtual screen only */
	int cols, rows; /* test mode size */
	bool no_color;	/* NO_COLOR or --theme mono: attributes only */
};

enum status term_start(const struct term_opts *o, struct err *e);
/* Restore the terminal (idempotent). */
void term_stop(void);
bool term_active(void);

/* Build the attribute table from t (mono rules applied). Returns false
 * when colours are off (the mono theme should be used instead). */
bool term_colors(void);
void term_theme(const struct theme *t);
/* The curses attributes of a role (for draw.c). */
unsigned long term_attr(enum role r);
bool term_utf8(void);

/* The next key (ui/keymap.h codes), or -1 when none is waiting. */
int32_t term_key(void);
/* The terminal's size changed: ask the tty and resize (real mode), or
 * set it (test mode, cols/rows > 0). */
void term_resize(int cols, int rows);
int term_cols(void);
int term_rows(void);
/* Send the virtual screen to the terminal (one doupdate) with the
 * terminal cursor shown at (y, x), or hidden when y < 0. */
void term_flush(int cursor_y, int cursor_x);
/* Blank the virtual screen (the frame is drawn anew each time; doupdate
 * still sends only what differs). */
void term_clear(void);
/* Where the last drawing left the cursor. */
void term_cursor(int *y, int *x);
/* Clear and repaint everything on the next flush (C-l). */
void term_redraw_all(void);
/* The virtual screen's text, one line per row, trailing blanks cut. */
void term_dump(FILE *out);
/* Whether any row of the screen contains text. */
bool term_screen_has(const char *text);

#endif
