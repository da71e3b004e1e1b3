/*
 * Safe text drawing (draw.h). One routine walks the bytes: printable
 * characters are gathered into runs of one role and written with
 * mvaddnwstr; control bytes, C1 controls and invalid UTF-8 are written
 * as visible notation ("^[", "\u009b", "\xff") in the control role.
 * Widths come from wcwidth, so a wide character never overflows the room
 * given and zero-width ones (combining marks, bidi controls) are dropped.
 */
#include "ui/draw.h"

#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wchar.h>

#include "base/buf.h"
#include "base/sanitize.h"
#include "ui/term.h"

#define RUN_MAX 256

struct pen {
	int y, x, end; /* next column; end: one past the last usable */
	int col;       /* columns of the text passed, skipped ones too */
	int skip;      /* columns still to leave out */
	enum role cur;
	wchar_t run[RUN_MAX];
	int nrun;
	int run_x;
};

static void pen_flush(struct pen *p)
{
	if (!p->nrun)
		return;
	attrset((attr_t)term_attr(p->cur));
	mvaddnwstr(p->y, p->run_x, p->run, p->nrun);
	p->nrun = 0;
}

/* One character of width cw (1 or 2) in role r; false when full. */
static bool pen_put(struct pen *p, wchar_t ch, int cw, enum role r)
{
	p->col += cw;
	if (p->skip > 0) {
		p->skip -= cw;
		if (p->skip < 0) { /* half of a wide character: a blank */
			ch = L' ';
			cw = 1;
			p->skip = 0;
		} else {
			return true;
		}
	}
	if (p->x + cw > p->end)
		return false;
	if (r != p->cur || p->nrun == RUN_MAX) {
		pen_flush(p);
		p->cur = r;
	}
	if (!p->nrun)
		p->run_x = p->x;
	p->run[p->nrun++] = ch;
	p->x += cw;
	return true;
}

static bool pen_ascii(struct pen *p, const char *s, enum role r)
{
	for (; *s; s++)
		if (!pen_put(p, (wchar_t)(unsigned char)*s, 1, r))
			return false;
	return true;
}

/* Mark the bytes of s inside case-insensitive matches of pattern. */
static void find_matches(const char *s, size_t len, const char *pattern,
			 unsigned char *hit)
{
	size_t n = strlen(pattern);
	if (!n || n > len)
		return;
	for (size_t i = 0; i + n <= len; i++)
		if (!strncasecmp(s + i, pattern, n))
			memset(hit + i, 1, n);
}

static int draw_core(int y, int x, int w, enum role r, const char *s,
		     size_t len, const char *pattern, int skip)
{
	if (w <= 0 || !s)
		return 0;
	struct pen p = {.y = y, .x = x, .end = x + w, .skip = skip, .cur = r};
	unsigned char hitbuf[1024];
	unsigned char *hit = NULL;
	if (pattern && *pattern) {
		hit = len <= sizeof hitbuf ? hitbuf : calloc(len, 1);
		if (hit) {
			memset(hit, 0, len <= sizeof hitbuf ? len : 0);
			find_matches(s, len, pattern, hit);
		}
	}
	bool utf8 = term_utf8();
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < len;) {
		enum role role = hit && hit[i] ? ROLE_SEARCH : r;
		unsigned char c = u[i];
		char note[16];
		bool ok = true;
		if (c == '\t') {
			int to = 8 - p.col % 8;
			for (int k = 0; k < to && ok; k++)
				ok = pen_put(&p, L' ', 1, role);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(note, sizeof note, "^%c", c == 0x7f ? '?' : c + '@');
			ok = pen_ascii(&p, note, hit && hit[i] ? ROLE_SEARCH
							      : ROLE_CONTROL);
			i++;
		} else if (c < 0x80) {
			ok = pen_put(&p, (wchar_t)c, 1, role);
			i++;
		} else {
			uint32_t cp;
			size_t n = utf8_decode(u + i, len - i, &cp);
			if (!n) {
				snprintf(note, sizeof note, "\\x%02x", c);
				ok = pen_ascii(&p, note, ROLE_CONTROL);
				i++;
			} else if (cp < 0xa0) {
				snprintf(note, sizeof note, "\\u%04x", cp);
				ok = pen_ascii(&p, note, ROLE_CONTROL);
				i += n;
			} else if (!utf8) {
				ok = pen_put(&p, L'?', 1, role);
				i += n;
			} else {
				int cw = wcwidth((wchar_t)cp);
				if (cw > 0)
					ok = pen_put(&p, (wchar_t)cp, cw, role);
				else if (cw < 0)
					ok = pen_put(&p, L'?', 1, ROLE_CONTROL);
				i += n;
			}
		}
		if (!ok)
			break;
	}
	pen_flush(&p);
	if (hit && hit != hitbuf)
		free(hit);
	attrset((attr_t)term_attr(ROLE_NORMAL));
	return p.x - x;
}

int draw_text(int y, int x, int w, enum role r, const char *s, size_t len)
{
	return draw_core(y, x, w, r, s, len, NULL, 0);
}

int draw_str(int y, int x, int w, enum role r, const char *s)
{
	return s ? draw_core(y, x, w, r, s, strlen(s), NULL, 0) : 0;
}

int draw_fmt(int y, int x, int w, enum role r, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	int n = draw_core(y, x, w, r, buf_str(&b), b.len, NULL, 0);
	buf_free(&b);
	return n;
}

int draw_text_hl(int y, int x, int w, enum role r, const char *s,
		 size_t len, const char *pattern, int skip)
{
	return draw_core(y, x, w, r, s, len, pattern, skip);
}

int draw_width(const char *s, size_t len, int max)
{
	/* Measure by drawing nowhere: the same rules, no output. */
	int w = 0;
	bool utf8 = term_utf8();
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < len && w < max;) {
		unsigned char c = u[i];
		if (c == '\t') {
			w += 8 - w % 8;
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			w += 2;
			i++;
		} else if (c < 0x80) {
			w++;
			i++;
		} else {
			uint32_t cp;
			size_t n = utf8_decode(u + i, len - i, &cp);
			if (!n) {
				w += 4;
				i++;
				continue;
			}
			i += n;
			if (cp < 0xa0)
				w += 6;
			else if (!utf8)
				w++;
			else {
				int cw = wcwidth((wchar_t)cp);
				w += cw < 0 ? 1 : cw;
			}
		}
	}
	return w < max ? w : max;
}

int draw_str_right(int y, int x, int w, enum role r, const char *s)
{
	if (!s)
		return 0;
	int n = draw_width(s, strlen(s), w);
	return draw_str(y, x + w - n, n, r, s);
}

void draw_fill(int y, int x, int w, enum role r)
{
	if (w <= 0)
		return;
	attrset((attr_t)term_attr(r));
	mvhline(y, x, ' ', w);
	attrset((attr_t)term_attr(ROLE_NORMAL));
}

void draw_paint(int y, int x, int w, enum role r)
{
	if (w <= 0)
		return;
	attr_t a = (attr_t)term_attr(r);
	mvchgat(y, x, w, a & ~A_COLOR, (short)PAIR_NUMBER(a), NULL);
}

bool draw_utf8(void)
{
	return term_utf8();
}

static const char *const health_glyphs[][2] = {
#define HEALTH_GLYPH(e, name, glyph, ascii) {glyph, ascii},
	HEALTH_LIST(HEALTH_GLYPH)
#undef HEALTH_GLYPH
};

const char *draw_health_glyph(enum health h)
{
	return health_glyphs[h][term_utf8() ? 0 : 1];
}

const char *draw_sync_glyph(enum sync_state s)
{
	switch (s) {
	case SYNC_OUTOFSYNC:
		return term_utf8() ? "≠" : "!";
	case SYNC_MISSING:
		return term_utf8() ? "∅" : "-";
	case SYNC_UNKNOWN:
		return "?";
	default:
		return "";
	}
}

enum role draw_health_role(enum health h)
{
	switch (h) {
	case HEALTH_HEALTHY:
		return ROLE_OK;
	case HEALTH_PROGRESSING:
		return ROLE_PROGRESSING;
	case HEALTH_SUSPENDED:
		return ROLE_WARNING;
	case HEALTH_DEGRADED:
		return ROLE_DEGRADED;
	default:
		return ROLE_UNKNOWN;
	}
}

enum role draw_sync_role(enum sync_state s)
{
	switch (s) {
	case SYNC_SYNCED:
		return ROLE_OK;
	case SYNC_OUTOFSYNC:
		return ROLE_DRIFT;
	default:
		return ROLE_UNKNOWN;
	}
}

void draw_hline(int y, int x, int w, enum role r)
{
	for (int i = 0; i < w; i++)
		draw_str(y, x + i, 1, r, term_utf8() ? "─" : "-");
}
