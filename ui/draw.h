/*
 * Drawing text on the console, safely.
 *
 * Everything a view draws goes through here. Text from a cluster, a log or
 * the repo is untrusted: it is sanitised (base/sanitize.h: control bytes
 * become "^[" in the control role, invalid UTF-8 becomes "\xNN"), measured
 * in terminal columns (wide characters count two) and clipped to the room
 * given, so no byte of it can move the cursor or reach the terminal as a
 * sequence. In a non-UTF-8 locale every non-ASCII character is drawn as
 * '?'.
 *
 * Coordinates are screen rows and columns; nothing is drawn outside
 * [x, x + w). Functions return the columns used.
 */
#ifndef OPSDECK_UI_DRAW_H
#define OPSDECK_UI_DRAW_H

#include <stdbool.h>
#include <stddef.h>

#include "kube/health.h"
#include "model/fleet.h"
#include "ui/theme.h"

/* Untrusted text (len bytes). */
int draw_text(int y, int x, int w, enum role r, const char *s, size_t len);
/* The same for a NUL-terminated string (NULL draws nothing). */
int draw_str(int y, int x, int w, enum role r, const char *s);
/* printf-style; the result is treated as untrusted text. */
int draw_fmt(int y, int x, int w, enum role r, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Untrusted text with every case-insensitive occurrence of pattern drawn
 * in the search role (pattern NULL or "": plain draw_text). skip: columns
 * of the line to leave out first (horizontal scrolling). */
int draw_text_hl(int y, int x, int w, enum role r, const char *s,
		 size_t len, const char *pattern, int skip);
/* Right-aligned in [x, x + w). */
int draw_str_right(int y, int x, int w, enum role r, const char *s);
/* Blank cells in role r. */
void draw_fill(int y, int x, int w, enum role r);
/* Repaint the attributes of cells [x, x + w) of row y with role r, keeping
 * the characters (the cursor line). */
void draw_paint(int y, int x, int w, enum role r);
/* Columns the text would take (sanitised), capped at max. */
int draw_width(const char *s, size_t len, int max);

/* Glyphs: UTF-8 symbols, or ASCII when the locale is not UTF-8. */
const char *draw_health_glyph(enum health h);
const char *draw_sync_glyph(enum sync_state s); /* "" for Synced */
enum role draw_health_role(enum health h);
enum role draw_sync_role(enum sync_state s);
/* A horizontal line of w cells ("─" or "-"). */
void draw_hline(int y, int x, int w, enum role r);
bool draw_utf8(void);

#endif
