/*
 * The logs view: one pod's log, or the logs of every pod of a cell merged,
 * each line behind a coloured prefix naming its pod.
 *
 * Data flow. One pod (t.pod set): a watch on that one pod (a field
 * selector) says which containers it has and what state they are in; one
 * kube_log_open stream (follow, the last LOGS_TAIL lines) pushes lines into
 * a logbuf the view owns. When the stream ends because the container
 * exited (a crash-loop), the view waits a second and then reopens as soon
 * as the pod watch shows a new instance of the container running, so a
 * crash-looping pod keeps showing each run; nothing is polled. A whole
 * cell (t.cell only): a pod watch on the cell's namespace with its
 * workload's selector (from the fleet; until the fleet knows it the view
 * says so and starts when the session reports the cell changed), and a
 * kube_log_group on that watch, which streams every container of every
 * pod into its own logbuf; new pods join as they appear.
 *
 * The view is a pager over the buffer: view line i is logbuf sequence
 * number base + i, one line per line received (a line the splitter cut at
 * 64 KiB is several, the continuations marked with a dim arrow). When the
 * buffer drops old lines for its cap, the view shifts its indexes
 * (view_shift) before they are next used, so the cursor and the filter
 * stay right. Paused, lines still arrive; the screen stays where it is.
 *
 * Cost: drawing touches only the visible lines (logbuf_get is O(1)),
 * scans at most LEVEL_SCAN bytes of each for its level and hands draw_*
 * only the bytes that can be visible, so neither the buffer's size nor a
 * line's length changes what a frame costs.
 *
 * Wrap: the generic list draws one row per line, so with wrap on the view
 * draws its body itself from head() (which then returns the whole height)
 * and handles the movement keys itself; lines() still counts log lines,
 * so search, the filter and the cursor (the top line) mean the same in
 * both modes.
 *
 * A line's colour is its level: a klog header ("E1123 ..."), a JSON
 * "level" key, else the first level word near its start (INFO, WARN,
 * ERROR, FATAL, DEBUG... in any case), so "INFO retried after error" is
 * not an error. Keys: f follow/pause, w wrap, t the server's timestamps,
 * P the previous container and c the next container (one pod), s save,
 * Enter (a cell) the top line's pod on its own; search and the filter are
 * the generic ones, on the source's name and the raw line.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "base/mem.h"
#include "base/str.h"
#include "kube/logs.h"
#include "ui/app.h"
#include "ui/draw.h"
#include "ui/list.h"
#include "ui/view.h"

#define LOGS_TAIL    500   /* lines of history a stream starts with */
#define LEVEL_SCAN   200   /* bytes of a line looked at for its level */
#define RETRY_MS     1000  /* after a stream ends, before reopening */
#define RETRY_MAX_MS 30000 /* reconnects of a broken stream back off */
#define SAVE_CHUNK   (64 << 10)

/* A source of the cell's log group (by its id): names worked out once. */
struct logs_src {
	char *full;  /* "pod" or "pod/container" when the pod has several */
	char *brief; /* the same without the "<workload>-" in front */
	int wfull, wbrief;
	bool running;
	char *error; /* why it stopped, NULL when it ended normally */
};

struct logs_view {
	struct view *v;
	struct kube_client *client;
	const char *ns; /* the cell's (the model outlives the view) */
	struct kube_watch *pods;
	bool timestamps, previous, wrap;
	bool following;	     /* what the title last said (v->tail decides) */
	uint64_t base;	     /* logbuf seq of view line 0 */
	uint64_t paused_end; /* logbuf end when following stopped */
	/* a whole cell */
	char *selector;
	struct kube_log_group *group;
	struct vec srcs; /* struct logs_src *, by source id */
	uint32_t last_stopped;
	bool any_stopped;
	int pw;	    /* prefix column width this frame */
	bool brief; /* prefixes in their short form this frame */
	/* one pod */
	struct logbuf *own;
	struct kube_log_stream *stream;
	char *container;
	bool opened;	  /* a stream was opened at least once */
	bool reconnected; /* the last open was a reconnect: lines may miss */
	bool pod_gone;
	char *end_error;   /* why the last stream ended, NULL: normally */
	int64_t inst;	   /* started_at of the instance read, -1: none */
	bool inst_unknown; /* opened before the pod watch knew the pod */
	struct loop_timer *retry;
	struct loop_timer *kick; /* act on a watch event, outside it */
	bool retry_ready;	 /* the delay after an end has passed */
	unsigned retry_ms;
	/* wrap mode, from the last frame */
	int body_h;
	uint64_t wrap_top; /* logbuf seq of the first line drawn */
	size_t wrap_shown; /* lines drawn whole */
	char *save_default;
	char *save_prompt; /* the prompt's text, kept while it is open */
};

static bool cell_check(struct logs_view *p);

static struct logs_view *lv(struct view *v)
{
	return v->p;
}

static bool one_pod(const struct logs_view *p)
{
	return p->v->t.pod != NULL;
}

static struct logbuf *lbuf(struct logs_view *p)
{
	if (p->group)
		return kube_log_group_buf(p->group);
	return p->own;
}

/* ---- the buffer and the view's indexes ----------------------------------- */

/* Old lines fell off the front: move the view's indexes with them.
 * Done in lines(), which the generic list calls before it reads the
 * cursor or the filter's index (and head() before drawing), so a burst
 * of lines costs one shift, not one per line. */
static void sync_drop(struct logs_view *p)
{
	struct logbuf *b = lbuf(p);
	if (!b)
		return;
	uint64_t first = logbuf_first(b);
	if (first > p->base) {
		size_t n = (size_t)(first - p->base);
		view_shift(p->v, n);
		p->base = first;
	}
}

/* The buffer was emptied or replaced: start the view over. */
static void reset_lines(struct logs_view *p)
{
	struct logbuf *b = lbuf(p);
	p->base = b ? logbuf_first(b) : 0;
	p->paused_end = b ? logbuf_end(b) : 0;
	p->wrap_top = p->base;
	view_refilter(p->v);
	p->v->cursor = p->v->top = 0;
}

static void got_lines(struct logs_view *p)
{
	app_dirty(p->v->app);
}

/* The generic list stops following on upward movement and searches; note
 * when that happened, for "paused, N new lines". */
static void follow_sync(struct logs_view *p)
{
	struct logbuf *b = lbuf(p);
	if (p->following && !p->v->tail) {
		p->following = false;
		p->paused_end = b ? logbuf_end(b) : 0;
	}
}

/* ---- levels -------------------------------------------------------------- */

static enum role word_level(const char *w, size_t n, bool *known)
{
	static const struct {
		const char *word;
		enum role r;
		bool upper_only; /* abbreviations: as written, in capitals */
	} words[] = {
	    {"error", ROLE_LOG_ERROR, false},
	    {"fatal", ROLE_LOG_ERROR, false},
	    {"panic", ROLE_LOG_ERROR, false},
	    {"critical", ROLE_LOG_ERROR, false},
	    {"emerg", ROLE_LOG_ERROR, false},
	    {"ALERT", ROLE_LOG_ERROR, true},
	    {"ERR", ROLE_LOG_ERROR, true},
	    {"CRIT", ROLE_LOG_ERROR, true},
	    {"warn", ROLE_LOG_WARN, false},
	    {"warning", ROLE_LOG_WARN, false},
	    {"WRN", ROLE_LOG_WARN, true},
	    {"debug", ROLE_LOG_DEBUG, false},
	    {"trace", ROLE_LOG_DEBUG, false},
	    {"DBG", ROLE_LOG_DEBUG, true},
	    {"TRC", ROLE_LOG_DEBUG, true},
	    {"info", ROLE_NORMAL, false},
	    {"notice", ROLE_NORMAL, false},
	    {"INF", ROLE_NORMAL, true},
	};
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		const char *k = words[i].word;
		if (strlen(k) != n)
			continue;
		if (words[i].upper_only ? !strncmp(w, k, n)
					: !strncasecmp(w, k, n)) {
			*known = true;
			return words[i].r;
		}
	}
	*known = false;
	return ROLE_NORMAL;
}

/* The value of a JSON "level" (or "severity", "lvl") key, if the line is
 * a JSON object that has one near its start. */
static bool json_level(const char *s, size_t len, enum role *r)
{
	static const char *const keys[] = {"\"level\"", "\"severity\"",
					   "\"lvl\""};
	for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
		size_t kl = strlen(keys[k]);
		for (size_t i = 0; i + kl < len; i++) {
			if (strncasecmp(s + i, keys[k], kl))
				continue;
			size_t j = i + kl;
			while (j < len && (s[j] == ' ' || s[j] == ':'))
				j++;
			if (j < len && s[j] == '"')
				j++;
			size_t w = j;
			while (w < len && isalpha((unsigned char)s[w]))
				w++;
			bool known;
			*r = word_level(s + j, w - j, &known);
			if (known)
				return true;
		}
	}
	return false;
}

/* The role of a log line by its level: a klog header ("E1123 ..."), a
 * JSON level, or the first level word; only the first LEVEL_SCAN bytes
 * are looked at, so the cost per drawn line is bounded. */
static enum role level_role(const char *s, size_t len, bool timestamps)
{
	bool cut = len > LEVEL_SCAN;
	if (cut)
		len = LEVEL_SCAN;
	size_t i = 0;
	if (timestamps) { /* "2026-11-23T10:00:00.123Z " */
		const char *sp = memchr(s, ' ', len < 40 ? len : 40);
		if (sp)
			i = (size_t)(sp - s) + 1;
	}
	if (len - i >= 6 && s[i] && strchr("IWEF", s[i]) &&
	    isdigit((unsigned char)s[i + 1]) &&
	    isdigit((unsigned char)s[i + 2]) &&
	    isdigit((unsigned char)s[i + 3]) &&
	    isdigit((unsigned char)s[i + 4]) && s[i + 5] == ' ')
		return s[i] == 'E' || s[i] == 'F' ? ROLE_LOG_ERROR
		       : s[i] == 'W'		  ? ROLE_LOG_WARN
						  : ROLE_NORMAL;
	enum role r;
	if (i < len && s[i] == '{' && json_level(s + i, len - i, &r))
		return r;
	while (i < len) {
		while (i < len && !isalpha((unsigned char)s[i]))
			i++;
		size_t w = i;
		while (w < len && isalnum((unsigned char)s[w]))
			w++;
		if (w == len && cut)
			break; /* a word cut by the scan limit */
		bool known;
		r = word_level(s + i, w - i, &known);
		if (known)
			return r;
		i = w;
	}
	return ROLE_NORMAL;
}

/* A continuation of a cut line has the level of the line's start. */
static enum role line_role(struct logs_view *p, const struct log_line *ln)
{
	struct log_line first = *ln;
	for (int k = 0; k < 64 && (first.flags & LOGLINE_CONT); k++)
		if (!logbuf_get(lbuf(p), first.seq - 1, &first))
			break;
	if (first.flags & LOGLINE_CONT)
		return ROLE_NORMAL;
	return level_role(first.text, first.len, p->timestamps);
}

/* ---- drawing ------------------------------------------------------------- */

/* Bytes of s that can show in cols columns: a column takes at least one
 * byte of at most four, and a UTF-8 sequence is never split. */
static size_t visible_len(const char *s, size_t len, int cols)
{
	size_t n = (size_t)(cols > 0 ? cols : 0) * 4 + 16;
	if (n >= len)
		return len;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

/* The server's timestamp in front of a line: up to the first space. */
static size_t stamp_len(const struct logs_view *p, const struct log_line *ln,
			size_t len)
{
	if (!p->timestamps || (ln->flags & LOGLINE_CONT) || !len ||
	    !isdigit((unsigned char)ln->text[0]))
		return 0;
	const char *sp = memchr(ln->text, ' ', len < 40 ? len : 40);
	return sp ? (size_t)(sp - ln->text) + 1 : 0;
}

/* A line's text from column skip on, in w columns at (y, x): the
 * timestamp dim, the rest in the level's role, search matches lit. */
static void draw_body(struct logs_view *p, int y, int x, int w,
		      const struct log_line *ln, enum role r, int skip)
{
	const char *s = ln->text;
	size_t len = visible_len(s, ln->len, skip + w);
	size_t tl = stamp_len(p, ln, len);
	if (tl) {
		int tw = draw_width(s, tl, 64);
		if (skip < tw) {
			int used = draw_text_hl(y, x, w, ROLE_DIM, s, tl,
						p->v->search, skip);
			x += used;
			w -= used;
			skip = 0;
		} else {
			skip -= tw;
		}
		s += tl;
		len -= tl;
	}
	if (w > 0)
		draw_text_hl(y, x, w, r, s, len, p->v->search, skip);
}

static struct logs_src *src_at(struct logs_view *p, uint32_t id)
{
	return id < p->srcs.len ? p->srcs.items[id] : NULL;
}

/* The prefix column: a source's name in its colour, its end kept when it
 * must be cut (the end is what tells pods apart). */
static void draw_prefix(struct logs_view *p, int y, const struct log_line *ln)
{
	if (p->pw <= 0)
		return;
	enum role r = (enum role)(ROLE_SOURCE1 + ln->source % 6);
	if (ln->flags & LOGLINE_CONT) {
		draw_str(y, 0, p->pw, ROLE_DIM, draw_utf8() ? "↳" : ">");
		return;
	}
	struct logs_src *s = src_at(p, ln->source);
	const char *name = s ? (p->brief ? s->brief : s->full)
			     : kube_log_group_source(p->group, ln->source);
	int nw = s ? (p->brief ? s->wbrief : s->wfull)
		   : draw_width(name, strlen(name), 1000);
	if (nw <= p->pw) {
		draw_text_hl(y, 0, p->pw, r, name, strlen(name), p->v->search,
			     0);
		return;
	}
	/* names are DNS labels: cutting by bytes is cutting by columns */
	size_t len = strlen(name), keep = (size_t)(p->pw - 1);
	const char *tail = name + (len > keep ? len - keep : 0);
	while (*tail && ((unsigned char)*tail & 0xc0) == 0x80)
		tail++;
	int x = draw_str(y, 0, 1, ROLE_DIM, draw_utf8() ? "…" : "<");
	draw_text_hl(y, x, p->pw - x, r, tail, strlen(tail), p->v->search, 0);
}

/* Where a line's text starts, and the continuation marker of one pod's
 * cut lines (a cell's goes in the prefix column). */
static int text_x(struct logs_view *p, const struct log_line *ln, int y)
{
	if (!one_pod(p))
		return p->pw > 0 ? p->pw + 1 : 0;
	if (!(ln->flags & LOGLINE_CONT))
		return 0;
	draw_str(y, 0, 2, ROLE_DIM, draw_utf8() ? "↳" : ">");
	return 2;
}

static void logs_line(struct view *v, size_t i, int y, int w)
{
	struct logs_view *p = lv(v);
	struct log_line ln;
	struct logbuf *b = lbuf(p);
	if (!b || !logbuf_get(b, p->base + i, &ln))
		return;
	if (!one_pod(p))
		draw_prefix(p, y, &ln);
	int x = text_x(p, &ln, y);
	draw_body(p, y, x, w - x, &ln, line_role(p, &ln), v->hscroll);
}

/* The prefix column's width and form for this frame: whole pod names
 * when the longest fits in a third of the screen, else without the
 * workload's name in front, cut to that third. */
static void prefix_layout(struct logs_view *p, int w)
{
	if (one_pod(p)) {
		p->pw = 0;
		return;
	}
	int full = 0, brief = 0;
	for (size_t i = 0; i < p->srcs.len; i++) {
		struct logs_src *s = p->srcs.items[i];
		if (s->wfull > full)
			full = s->wfull;
		if (s->wbrief > brief)
			brief = s->wbrief;
	}
	int cap = w / 3;
	p->brief = full > cap;
	p->pw = p->brief ? (brief < cap ? brief : cap) : full;
}

/* ---- wrap mode: the view draws its own body ------------------------------ */

/* Rows line i (visible index) takes with text tw columns wide, at most
 * max. */
static int line_rows(struct logs_view *p, size_t i, int tw, int max)
{
	struct log_line ln;
	if (!logbuf_get(lbuf(p), p->base + view_line_at(p->v, i), &ln))
		return 1;
	if (one_pod(p) && (ln.flags & LOGLINE_CONT))
		tw -= 2;
	if (tw < 1)
		tw = 1;
	int cap = tw * max;
	int cw = draw_width(ln.text, visible_len(ln.text, ln.len, cap), cap);
	int rows = cw <= tw ? 1 : (cw + tw - 1) / tw;
	return rows < max ? rows : max;
}

static int wrap_text_w(struct logs_view *p, int w)
{
	int tw = w - (one_pod(p) ? 0 : (p->pw > 0 ? p->pw + 1 : 0));
	return tw > 1 ? tw : 1;
}

/* The first line to draw so that the last one ends on the bottom row;
 * *room: the rows left for that first line when it does not fit whole
 * (0: it does). */
static size_t bottom_top(struct logs_view *p, size_t n, int tw, int h,
			 int *room)
{
	size_t i = n;
	int used = 0;
	*room = 0;
	while (i > 0) {
		int r = line_rows(p, i - 1, tw, h);
		if (used + r > h) {
			if (used < h) { /* the start of the line above */
				*room = h - used;
				i--;
			}
			break;
		}
		used += r;
		i--;
	}
	return i == n ? n - 1 : i;
}

static void draw_wrapped(struct view *v, int y0, int w, int h)
{
	struct logs_view *p = lv(v);
	p->body_h = h;
	for (int k = 0; k < h; k++)
		draw_fill(y0 + k, 0, w, ROLE_NORMAL);
	size_t n = lbuf(p) ? view_visible(v) : 0;
	p->wrap_shown = 0;
	if (!n) {
		draw_str(y0, 1, w - 1, ROLE_DIM,
			 v->filter ? "(no line matches the filter)"
				   : "(nothing here yet)");
		return;
	}
	int tw = wrap_text_w(p, w), room = 0;
	size_t top = v->tail ? bottom_top(p, n, tw, h, &room)
			     : (v->cursor < n ? v->cursor : n - 1);
	p->wrap_top = p->base + view_line_at(v, top);
	int row = 0;
	for (size_t i = top; i < n && row < h; i++) {
		struct log_line ln;
		if (!logbuf_get(lbuf(p), p->base + view_line_at(v, i), &ln))
			break;
		int rows = line_rows(p, i, tw, h);
		if (i == top && room && rows > room)
			rows = room;
		enum role r = line_role(p, &ln);
		if (!one_pod(p))
			draw_prefix(p, y0 + row, &ln);
		int x = text_x(p, &ln, y0 + row);
		int lw = w - x, k = 0;
		for (; k < rows && row < h; k++, row++)
			draw_body(p, y0 + row, x, lw, &ln, r, k * lw);
		if (k == rows)
			p->wrap_shown++;
	}
}

/* The visible index of the line drawn first in the last frame, found in
 * the filter's (ascending) index by bisection. */
static size_t wrap_top_visible(struct logs_view *p)
{
	struct view *v = p->v;
	size_t n = view_visible(v);
	size_t own =
	    p->wrap_top > p->base ? (size_t)(p->wrap_top - p->base) : 0;
	size_t lo = 0, hi = n;
	if (!v->filter)
		lo = own;
	else
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (view_line_at(v, mid) < own)
				lo = mid + 1;
			else
				hi = mid;
		}
	return n && lo >= n ? n - 1 : lo;
}

/* Movement in wrap mode: by lines, pages by what fits on the screen. */
static unsigned wrap_move(struct view *v, enum action a)
{
	struct logs_view *p = lv(v);
	size_t n = lbuf(p) ? view_visible(v) : 0;
	if (!n)
		return VIEW_HANDLED;
	int h = p->body_h > 0 ? p->body_h : 1;
	int tw = wrap_text_w(p, v->width);
	size_t cur = v->tail ? wrap_top_visible(p) : v->cursor;
	if (cur >= n)
		cur = n - 1;
	int room;
	size_t max = bottom_top(p, n, tw, h, &room);
	size_t shown = p->wrap_shown ? p->wrap_shown : 1;
	int back = a == ACT_HALF_UP ? (h + 1) / 2 : h;
	switch (a) {
	case ACT_UP:
		cur = cur ? cur - 1 : 0;
		break;
	case ACT_DOWN:
		cur++;
		break;
	case ACT_PAGE_DOWN:
		cur += shown;
		break;
	case ACT_HALF_DOWN:
		cur += (shown + 1) / 2;
		break;
	case ACT_PAGE_UP:
	case ACT_HALF_UP: {
		int used = 0;
		while (cur > 0) {
			int r = line_rows(p, cur - 1, tw, h);
			if (used + r > back && used)
				break;
			used += r;
			cur--;
		}
		break;
	}
	case ACT_TOP:
		cur = 0;
		break;
	case ACT_BOTTOM:
		cur = max;
		break;
	default: /* left and right: wrapped lines do not scroll sideways */
		return VIEW_HANDLED;
	}
	if (cur > max)
		cur = max;
	if (a == ACT_UP || a == ACT_PAGE_UP || a == ACT_HALF_UP || a == ACT_TOP)
		v->tail = false;
	v->cursor = v->top = cur;
	return VIEW_HANDLED | VIEW_REDRAW;
}

/* ---- the head row -------------------------------------------------------- */

static const struct kube_container *find_container(const struct kube_obj *pod,
						   const char *name)
{
	for (uint32_t i = 0; pod && name && i < pod->u.pod.ncontainers; i++)
		if (str_eq(pod->u.pod.containers[i].name, name))
			return &pod->u.pod.containers[i];
	return NULL;
}

static const struct kube_obj *the_pod(struct logs_view *p)
{
	return p->pods ? kube_watch_get(p->pods, p->ns, p->v->t.pod) : NULL;
}

/* What the one pod's stream is doing, for the head row. */
static enum role one_pod_state(struct logs_view *p, struct buf *out)
{
	const struct kube_obj *pod = the_pod(p);
	const struct kube_container *k = find_container(pod, p->container);
	if (p->pod_gone) {
		buf_printf(out, "pod %s was deleted", p->v->t.pod);
		return ROLE_WARNING;
	}
	if (!p->opened) {
		if (p->pods && kube_watch_error(p->pods)) {
			buf_puts(out, kube_watch_error(p->pods));
			return ROLE_ERROR;
		}
		if (p->pods && kube_watch_synced(p->pods) && !pod) {
			buf_printf(out, "no pod %s in %s", p->v->t.pod, p->ns);
			return ROLE_ERROR;
		}
		buf_puts(out, "waiting for the pod...");
		return ROLE_DIM;
	}
	enum role r = ROLE_DIM;
	if (p->stream)
		buf_puts(out, p->previous
				  ? "reading the previous container's log"
				  : "streaming");
	else if (p->previous && !p->end_error)
		buf_puts(out, "the previous container's log, complete");
	else if (p->end_error) {
		buf_printf(out, "ended: %s", p->end_error);
		r = ROLE_WARNING;
	} else {
		buf_puts(out, "ended");
		if (!p->previous)
			buf_puts(out, "; the next run follows");
	}
	if (k && k->restarts)
		buf_printf(out, " · %d restart%s", k->restarts,
			   k->restarts == 1 ? "" : "s");
	if (k && k->state == KUBE_CSTATE_WAITING && *k->reason)
		buf_printf(out, " · %s", k->reason);
	if (p->stream && p->reconnected)
		buf_puts(out,
			 " · reconnected (lines in between may be missing)");
	return r;
}

/* What the cell's streams are doing, for the head row. */
static enum role cell_state(struct logs_view *p, struct buf *out)
{
	const struct model_cell *c = p->v->t.cell;
	if (!p->pods) {
		buf_printf(out,
			   "waiting for %s's pod selector (the workload is "
			   "not seen in %s yet)",
			   c->workload, c->env->cluster);
		return ROLE_DIM;
	}
	if (kube_watch_error(p->pods)) {
		buf_puts(out, kube_watch_error(p->pods));
		return ROLE_ERROR;
	}
	if (!kube_watch_synced(p->pods)) {
		buf_puts(out, "listing the pods...");
		return ROLE_DIM;
	}
	if (!kube_watch_count(p->pods)) {
		buf_printf(out, "no pods match %s in %s", p->selector, p->ns);
		return ROLE_WARNING;
	}
	size_t running = kube_log_group_running(p->group);
	if (running == p->srcs.len)
		buf_printf(out, "%zu stream%s", running,
			   running == 1 ? "" : "s");
	else
		buf_printf(out, "%zu of %zu streams running", running,
			   p->srcs.len);
	struct logs_src *s = p->any_stopped ? src_at(p, p->last_stopped) : NULL;
	if (s && !s->running && s->error) {
		buf_printf(out, " · %s failed: %s", s->full, s->error);
		return ROLE_WARNING;
	}
	/* a container that is not running has nothing to stream until it
	 * starts (again): say why, the pods of a cell are few */
	size_t pos = 0;
	const struct kube_obj *o;
	while (kube_watch_next(p->pods, &pos, &o)) {
		for (uint32_t i = 0; i < o->u.pod.ncontainers; i++) {
			const struct kube_container *k =
			    &o->u.pod.containers[i];
			if (k->init || k->state != KUBE_CSTATE_WAITING ||
			    !*k->reason)
				continue;
			buf_printf(out, " · %s %s", o->name, k->reason);
			if (k->restarts)
				buf_printf(out, ", %d restart%s", k->restarts,
					   k->restarts == 1 ? "" : "s");
			return ROLE_WARNING;
		}
	}
	if (s && !s->running)
		buf_printf(out, " · %s ended", s->full);
	return ROLE_DIM;
}

static int logs_head(struct view *v, int y, int w, int h)
{
	struct logs_view *p = lv(v);
	if (!one_pod(p))
		cell_check(p); /* in case the view was not on top when the
				* selector became known */
	follow_sync(p);
	prefix_layout(p, w);
	draw_fill(y, 0, w, ROLE_NORMAL);
	struct buf right = BUF_INIT, left = BUF_INIT;
	struct logbuf *b = lbuf(p);
	enum role r =
	    one_pod(p) ? one_pod_state(p, &left) : cell_state(p, &left);
	if (p->wrap)
		buf_puts(&right, "wrap · ");
	if (p->timestamps)
		buf_puts(&right, "time · ");
	if (b) {
		uint64_t all = logbuf_end(b) - logbuf_first(b);
		if (v->filter)
			buf_printf(&right, "%zu of ", view_visible(v));
		buf_printf(&right, "%llu line%s", (unsigned long long)all,
			   all == 1 ? "" : "s");
		if (logbuf_dropped(b))
			buf_printf(&right, " (%llu dropped)",
				   (unsigned long long)logbuf_dropped(b));
		/* the buffer's use, when the state leaves room for it */
		struct buf mib = BUF_INIT;
		buf_printf(&mib, " · %.1f/%zu MiB",
			   (double)logbuf_bytes(b) / (1 << 20),
			   app_log_cap(v->app) >> 20);
		int lw = draw_width(buf_str(&left), left.len, w);
		if (lw + (int)right.len + (int)mib.len + 4 <= w)
			buf_append(&right, mib.data, mib.len);
		buf_free(&mib);
		buf_putc(&right, ' ');
	}
	int rw = draw_width(buf_str(&right), right.len, w / 2);
	draw_str_right(y, 0, w, ROLE_DIM, buf_str(&right));
	draw_str(y, 1, w - rw - 3, r, buf_str(&left));
	buf_free(&right);
	buf_free(&left);
	if (!p->wrap || h < 2)
		return 1;
	draw_wrapped(v, y + 1, w, h - 1);
	return h;
}

/* ---- one pod: the stream ------------------------------------------------- */

static void one_line(void *arg, const char *line, size_t len, unsigned flags)
{
	struct logs_view *p = arg;
	logbuf_push(p->own, 0, flags, line, len);
	p->retry_ms = RETRY_MS; /* lines flow: the connection is good */
	got_lines(p);
}

static void retry_fired(struct loop *l, void *arg);

static void one_end(void *arg, const struct kube_response *r)
{
	struct logs_view *p = arg;
	p->stream = NULL;
	free(p->end_error);
	p->end_error = r->code == ST_OK ? NULL
					: xstrdup(r->message && *r->message
						      ? r->message
						      : "the stream failed");
	if (!p->previous) {
		/* give the pod watch time to catch up before deciding
		 * whether a new instance runs */
		loop_timer_cancel(p->retry);
		p->retry_ready = false;
		p->retry = loop_timer_add(app_loop(p->v->app), p->retry_ms,
					  retry_fired, p);
	}
	app_dirty(p->v->app);
}

/* Open the stream of the current container. tail: LOGS_TAIL for a first
 * look, -1 for all of a new instance, 0 to reconnect to the same one. */
static void one_open(struct logs_view *p, long tail)
{
	const struct kube_container *k =
	    find_container(the_pod(p), p->container);
	p->inst = k && k->state == KUBE_CSTATE_RUNNING ? k->started_at : -1;
	p->inst_unknown = !k;
	struct kube_log_opts o = {
	    .container = p->container,
	    .follow = !p->previous,
	    .previous = p->previous,
	    .timestamps = p->timestamps,
	    .tail_lines = tail,
	};
	kube_log_close(p->stream);
	loop_timer_cancel(p->retry);
	p->retry = NULL;
	p->retry_ready = false;
	free(p->end_error);
	p->end_error = NULL;
	p->opened = true;
	p->reconnected = tail == 0;
	p->stream = kube_log_open(p->client, p->ns, p->v->t.pod, &o, one_line,
				  one_end, p);
}

/* After an end: a new instance of the container running is read from
 * its start; the same instance still running means the stream broke,
 * and it is reconnected (backing off); anything else waits for the pod
 * watch to report a change. */
static void one_maybe_reopen(struct logs_view *p, const struct kube_obj *pod)
{
	if (p->stream || !p->retry_ready || p->previous || p->pod_gone)
		return;
	const struct kube_container *k = find_container(pod, p->container);
	if (!k || k->state != KUBE_CSTATE_RUNNING)
		return;
	if (k->started_at != p->inst) {
		p->retry_ms = RETRY_MS;
		one_open(p, -1);
	} else {
		p->retry_ms = p->retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS
							     : p->retry_ms * 2;
		one_open(p, 0);
	}
	app_dirty(p->v->app);
}

static void retry_fired(struct loop *l, void *arg)
{
	(void)l;
	struct logs_view *p = arg;
	p->retry = NULL;
	p->retry_ready = true;
	one_maybe_reopen(p, the_pod(p));
}

/* Streams and watches are not started from inside a watch's callback
 * (libcurl refuses a new transfer from inside another's callback): a
 * watch event or a session change schedules this, which runs on its own
 * turn of the loop. */
static void kick_fired(struct loop *l, void *arg)
{
	(void)l;
	struct logs_view *p = arg;
	p->kick = NULL;
	if (!one_pod(p)) {
		if (cell_check(p))
			app_dirty(p->v->app);
		return;
	}
	if (!p->opened && p->container)
		one_open(p, LOGS_TAIL);
	else
		one_maybe_reopen(p, the_pod(p));
	app_dirty(p->v->app);
}

static void kick(struct logs_view *p)
{
	if (!p->kick)
		p->kick = loop_timer_add(app_loop(p->v->app), 0, kick_fired, p);
}

/* kubectl's choice when none is named: the cell's container if the pod
 * has it, else the first one. */
static void choose_container(struct logs_view *p, const struct kube_obj *pod)
{
	const char *want = p->v->t.cell->container;
	const char *first = NULL;
	for (uint32_t i = 0; i < pod->u.pod.ncontainers; i++) {
		const struct kube_container *k = &pod->u.pod.containers[i];
		if (k->init && !k->sidecar)
			continue;
		if (!first && !k->init)
			first = k->name;
		if (want && str_eq(k->name, want)) {
			first = k->name;
			break;
		}
	}
	if (!first && pod->u.pod.ncontainers)
		first = pod->u.pod.containers[0].name;
	if (first)
		p->container = xstrdup(first);
}

static void one_pod_changed(void *arg, enum watch_type type,
			    const struct kube_obj *old,
			    const struct kube_obj *obj)
{
	(void)old;
	struct logs_view *p = arg;
	if (type == WATCH_DELETED) {
		p->pod_gone = true;
		app_dirty(p->v->app);
		return;
	}
	p->pod_gone = false;
	if (!p->container)
		choose_container(p, obj);
	const struct kube_container *k = find_container(obj, p->container);
	if (p->stream && p->inst_unknown && k &&
	    k->state == KUBE_CSTATE_RUNNING) {
		/* the stream opened before the pod was known reads this
		 * instance: a later end must not read it again */
		p->inst = k->started_at;
		p->inst_unknown = false;
	}
	kick(p);
	app_dirty(p->v->app);
}

static void watch_news(void *arg)
{
	struct logs_view *p = arg;
	app_dirty(p->v->app);
}

static void watch_error(void *arg, const char *message)
{
	(void)message; /* kube_watch_error() has it for the head row */
	watch_news(arg);
}

static bool one_start(struct logs_view *p)
{
	struct buf fsel = BUF_INIT;
	buf_printf(&fsel, "metadata.name=%s", p->v->t.pod);
	struct kube_watch_spec spec = {
	    .kind = KUBE_POD,
	    .namespace_ = p->ns,
	    .field_selector = buf_str(&fsel),
	};
	struct kube_watch_ops ops = {
	    .changed = one_pod_changed,
	    .synced = watch_news,
	    .error = watch_error,
	};
	p->own = logbuf_new(app_log_cap(p->v->app));
	p->pods = kube_watch(p->client, &spec, &ops, p);
	buf_free(&fsel);
	if (p->v->t.container) { /* named: no need to wait for the pod */
		p->container = xstrdup(p->v->t.container);
		one_open(p, LOGS_TAIL);
	}
	return true;
}

/* ---- a cell: the group --------------------------------------------------- */

static void src_free(void *x)
{
	struct logs_src *s = x;
	free(s->full);
	free(s->brief);
	free(s->error);
	free(s);
}

static void group_lines(void *arg)
{
	got_lines(arg);
}

/* The names of a new source: "pod/container" from the group, shown as
 * "pod" when the pod has one container to log. */
static struct logs_src *src_new(struct logs_view *p, uint32_t id)
{
	struct logs_src *s = xcalloc(1, sizeof *s);
	const char *name = kube_log_group_source(p->group, id);
	const char *slash = strchr(name, '/');
	size_t podlen = slash ? (size_t)(slash - name) : strlen(name);
	char *pod = xstrndup(name, podlen);
	const struct kube_obj *o = kube_watch_get(p->pods, p->ns, pod);
	unsigned logged = 0;
	for (uint32_t i = 0; o && i < o->u.pod.ncontainers; i++)
		if (!o->u.pod.containers[i].init ||
		    o->u.pod.containers[i].sidecar)
			logged++;
	s->full = logged > 1 || !o ? xstrdup(name) : xstrdup(pod);
	const char *wl = p->v->t.cell->workload;
	size_t wn = strlen(wl);
	bool strip =
	    !strncmp(s->full, wl, wn) && s->full[wn] == '-' && s->full[wn + 1];
	s->brief = xstrdup(strip ? s->full + wn + 1 : s->full);
	s->wfull = draw_width(s->full, strlen(s->full), 1000);
	s->wbrief = draw_width(s->brief, strlen(s->brief), 1000);
	free(pod);
	return s;
}

static void group_source(void *arg, uint32_t id, bool running,
			 const char *message)
{
	struct logs_view *p = arg;
	while (p->srcs.len <= id)
		vec_push(&p->srcs, NULL);
	struct logs_src *s = p->srcs.items[id];
	if (!s)
		s = p->srcs.items[id] = src_new(p, id);
	s->running = running;
	free(s->error);
	s->error = !running && message ? xstrdup(message) : NULL;
	if (!running) {
		p->last_stopped = id;
		p->any_stopped = true;
	}
	app_dirty(p->v->app);
}

static void group_start(struct logs_view *p)
{
	struct kube_log_opts o = {
	    .follow = true,
	    .timestamps = p->timestamps,
	    .tail_lines = LOGS_TAIL,
	};
	struct kube_log_group_ops ops = {
	    .lines = group_lines,
	    .source = group_source,
	};
	p->group =
	    kube_log_group_new(p->pods, &o, app_log_cap(p->v->app), &ops, p);
	reset_lines(p);
}

static void group_stop(struct logs_view *p)
{
	kube_log_group_free(p->group);
	p->group = NULL;
	vec_free(&p->srcs, src_free);
	p->any_stopped = false;
}

static void cell_stop(struct logs_view *p)
{
	group_stop(p);
	kube_unwatch(p->pods);
	p->pods = NULL;
	free(p->selector);
	p->selector = NULL;
}

/* The title counts the pods; the head row says which one waits. */
static void cell_pod_changed(void *arg, enum watch_type type,
			     const struct kube_obj *old,
			     const struct kube_obj *obj)
{
	(void)type;
	(void)old;
	(void)obj;
	watch_news(arg);
}

/* Start (or restart, when the workload's selector changed) once the
 * fleet knows the selector. True when something was started. */
static bool cell_check(struct logs_view *p)
{
	const struct fleet_cell *fc = fleet_cell(p->v->t.cell);
	const char *sel = fc ? fc->selector : NULL;
	if (!sel || !*sel || str_eq(sel, p->selector))
		return false;
	cell_stop(p);
	p->selector = xstrdup(sel);
	struct kube_watch_spec spec = {
	    .kind = KUBE_POD,
	    .namespace_ = p->ns,
	    .label_selector = p->selector,
	};
	struct kube_watch_ops ops = {
	    .changed = cell_pod_changed,
	    .synced = watch_news,
	    .error = watch_error,
	};
	p->pods = kube_watch(p->client, &spec, &ops, p);
	group_start(p);
	return true;
}

/* ---- open and close ------------------------------------------------------ */

static bool logs_open(struct view *v)
{
	struct model_cell *c = v->t.cell;
	if (!c) {
		app_message(v->app, ROLE_MESSAGE,
			    "logs: choose a cell or a pod first");
		return false;
	}
	struct kube_client *client =
	    session_client(app_session(v->app), c->env->cluster);
	if (!client) {
		app_message(v->app, ROLE_ERROR,
			    "logs: no usable client for the context %s",
			    c->env->cluster);
		return false;
	}
	struct logs_view *p = xcalloc(1, sizeof *p);
	p->v = v;
	v->p = p;
	p->client = client;
	p->ns = c->namespace_;
	p->retry_ms = RETRY_MS;
	p->inst = -1;
	p->following = true;
	v->tail = true;
	if (one_pod(p))
		return one_start(p);
	cell_check(p);
	return true;
}

static void logs_close(struct view *v)
{
	struct logs_view *p = lv(v);
	if (!p)
		return;
	kube_log_close(p->stream);
	loop_timer_cancel(p->retry);
	loop_timer_cancel(p->kick);
	cell_stop(p); /* also the one pod's watch */
	logbuf_free(p->own);
	free(p->container);
	free(p->end_error);
	free(p->save_default);
	free(p->save_prompt);
	free(p);
	v->p = NULL;
}

/* ---- the interface ------------------------------------------------------- */

static void logs_title(struct view *v, struct buf *out)
{
	struct logs_view *p = lv(v);
	const struct model_cell *c = v->t.cell;
	follow_sync(p);
	if (one_pod(p)) {
		buf_printf(out, "logs · pod %s/%s", v->t.pod,
			   p->container ? p->container : "...");
	} else {
		buf_printf(out, "logs · %s · %s", c->service->name,
			   c->env->name);
		if (c->tenant)
			buf_printf(out, " · %s", c->tenant->name);
		if (p->pods && kube_watch_synced(p->pods)) {
			size_t n = kube_watch_count(p->pods);
			buf_printf(out, " · %zu pod%s", n, n == 1 ? "" : "s");
		}
	}
	if (p->previous)
		buf_puts(out, " · previous container");
	struct logbuf *b = lbuf(p);
	uint64_t fresh = b && logbuf_end(b) > p->paused_end
			     ? logbuf_end(b) - p->paused_end
			     : 0;
	if (v->tail)
		buf_puts(out, " (following)");
	else if (fresh)
		buf_printf(out, " (paused, %llu new line%s)",
			   (unsigned long long)fresh, fresh == 1 ? "" : "s");
	else
		buf_puts(out, " (paused)");
}

static size_t logs_lines(struct view *v)
{
	struct logs_view *p = lv(v);
	struct logbuf *b = lbuf(p);
	sync_drop(p);
	return b ? (size_t)(logbuf_end(b) - p->base) : 0;
}

/* Search and the filter see the source's whole name and the raw line. */
static void logs_text(struct view *v, size_t i, struct buf *out)
{
	struct logs_view *p = lv(v);
	struct log_line ln;
	struct logbuf *b = lbuf(p);
	if (!b || !logbuf_get(b, p->base + i, &ln))
		return;
	if (p->group) {
		buf_puts(out, kube_log_group_source(p->group, ln.source));
		buf_putc(out, ' ');
	}
	buf_append(out, ln.text, ln.len);
}

/* The visible index of the line at the top of the screen. */
static bool top_line(struct view *v, size_t *own)
{
	struct logs_view *p = lv(v);
	size_t n = lbuf(p) ? view_visible(v) : 0;
	if (!n)
		return false;
	if (p->wrap && v->tail) {
		*own = view_line_at(v, wrap_top_visible(p));
		return true;
	}
	return view_current(v, own);
}

/* ---- keys ---------------------------------------------------------------- */

static void toggle_follow(struct view *v)
{
	struct logs_view *p = lv(v);
	struct logbuf *b = lbuf(p);
	follow_sync(p);
	if (v->tail) {
		if (p->wrap && view_visible(v))
			v->cursor = v->top = wrap_top_visible(p);
		v->tail = false;
		p->following = false;
		p->paused_end = b ? logbuf_end(b) : 0;
	} else {
		v->tail = true;
		p->following = true;
	}
}

/* Reopen what is read with the current options, from an empty buffer. */
static void reopen(struct logs_view *p)
{
	if (one_pod(p)) {
		logbuf_clear(p->own);
		reset_lines(p);
		p->retry_ms = RETRY_MS;
		if (p->container)
			one_open(p, LOGS_TAIL);
		return;
	}
	if (p->pods) {
		group_stop(p);
		group_start(p);
	}
}

static void next_container(struct view *v)
{
	struct logs_view *p = lv(v);
	const struct kube_obj *pod = the_pod(p);
	if (!pod || !p->container) {
		app_message(v->app, ROLE_MESSAGE, "the pod is not known yet");
		return;
	}
	uint32_t n = pod->u.pod.ncontainers, at = 0;
	for (uint32_t i = 0; i < n; i++)
		if (str_eq(pod->u.pod.containers[i].name, p->container))
			at = i;
	for (uint32_t k = 1; k <= n; k++) {
		const struct kube_container *c =
		    &pod->u.pod.containers[(at + k) % n];
		if ((c->init && !c->sidecar) || str_eq(c->name, p->container))
			continue;
		free(p->container);
		p->container = xstrdup(c->name);
		reopen(p);
		app_message(v->app, ROLE_MESSAGE, "container %s", c->name);
		return;
	}
	app_message(v->app, ROLE_MESSAGE, "%s has one container", v->t.pod);
}

static void write_all(int fd, const char *s, size_t n, int *err)
{
	while (n && !*err) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			*err = w < 0 ? errno : EIO;
			return;
		}
		s += w;
		n -= (size_t)w;
	}
}

/* The kept lines as received, one per line (a cut line joined again),
 * each of a cell's behind "[pod/container] " as kubectl --prefix does.
 * Never through a symlink, never over an existing file. */
static bool save_lines(struct logs_view *p, const char *path,
		       unsigned long long *count, int *err)
{
	int fd = open(
	    path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		*err = errno;
		return false;
	}
	*err = 0;
	*count = 0;
	struct logbuf *b = lbuf(p);
	struct buf out = BUF_INIT;
	struct log_line ln;
	for (uint64_t s = b ? logbuf_first(b) : 0;
	     b && s < logbuf_end(b) && !*err; s++) {
		if (!logbuf_get(b, s, &ln))
			continue;
		if (!(ln.flags & LOGLINE_CONT)) {
			(*count)++;
			if (p->group)
				buf_printf(
				    &out, "[%s] ",
				    kube_log_group_source(p->group, ln.source));
		}
		buf_append(&out, ln.text, ln.len);
		if (!(ln.flags & LOGLINE_CUT))
			buf_putc(&out, '\n');
		if (out.len >= SAVE_CHUNK) {
			write_all(fd, out.data, out.len, err);
			buf_clear(&out);
		}
	}
	write_all(fd, out.data, out.len, err);
	buf_free(&out);
	if (close(fd) && !*err)
		*err = errno;
	return !*err;
}

static void save_done(void *arg, const char *line)
{
	if (!line) /* cancelled */
		return;
	struct logs_view *p = arg;
	struct buf path = BUF_INIT;
	const char *want = *line ? line : p->save_default;
	const char *home = getenv("HOME");
	if (!strncmp(want, "~/", 2) && home && *home)
		buf_printf(&path, "%s/%s", home, want + 2);
	else
		buf_puts(&path, want);
	unsigned long long n = 0;
	int err = 0;
	if (save_lines(p, buf_str(&path), &n, &err))
		app_message(p->v->app, ROLE_MESSAGE, "saved %llu line%s to %s",
			    n, n == 1 ? "" : "s", buf_str(&path));
	else
		app_message(p->v->app, ROLE_ERROR, "cannot save to %s: %s",
			    buf_str(&path), strerror(err));
	buf_free(&path);
}

/* ~/opsdeck-<pod or service-env>-<time>.log, in characters safe in a
 * file name. */
static void save_prompt(struct view *v)
{
	struct logs_view *p = lv(v);
	const struct model_cell *c = v->t.cell;
	struct buf name = BUF_INIT;
	if (one_pod(p))
		buf_puts(&name, v->t.pod);
	else
		buf_printf(&name, "%s-%s%s%s", c->service->name, c->env->name,
			   c->tenant ? "-" : "",
			   c->tenant ? c->tenant->name : "");
	for (size_t i = 0; i < name.len; i++)
		if (!isalnum((unsigned char)name.data[i]) &&
		    !strchr("-_.", name.data[i]))
			name.data[i] = '_';
	time_t now = (time_t)app_now(v->app);
	struct tm tm;
	localtime_r(&now, &tm);
	char stamp[32];
	strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
	struct buf def = BUF_INIT;
	buf_printf(&def, "~/opsdeck-%s-%s.log", buf_str(&name), stamp);
	free(p->save_default);
	p->save_default = buf_detach(&def);
	buf_free(&name);
	struct buf prompt = BUF_INIT;
	buf_printf(&prompt, "save to (Enter: %s): ", p->save_default);
	free(p->save_prompt);
	p->save_prompt = buf_detach(&prompt);
	app_prompt(v->app, &(struct prompt_req){p->save_prompt, "file",
						save_done, NULL, p});
}

/* Enter on a cell's line: the logs of that line's pod and container. */
static void open_pod_of_top(struct view *v)
{
	struct logs_view *p = lv(v);
	size_t own;
	struct log_line ln;
	if (!top_line(v, &own) || !logbuf_get(lbuf(p), p->base + own, &ln))
		return;
	const char *name = kube_log_group_source(p->group, ln.source);
	const char *slash = strchr(name, '/');
	if (!slash)
		return;
	char *pod = xstrndup(name, (size_t)(slash - name));
	struct view_target t = {
	    .cell = v->t.cell,
	    .service = v->t.cell->service,
	    .env = v->t.cell->env,
	    .pod = pod,
	    .container = (char *)(slash + 1),
	};
	app_push(v->app, &view_logs, &t);
	free(pod);
}

static unsigned logs_request(struct view *v, enum action a)
{
	struct logs_view *p = lv(v);
	switch (a) {
	case ACT_FOLLOW:
		toggle_follow(v);
		return VIEW_HANDLED | VIEW_REDRAW;
	case ACT_WRAP:
		/* paused, the cursor is the top line in both modes, so the
		 * screen starts at the same line */
		p->wrap = !p->wrap;
		v->hscroll = 0;
		app_message(v->app, ROLE_MESSAGE, "wrap %s",
			    p->wrap ? "on" : "off");
		return VIEW_HANDLED | VIEW_REDRAW;
	case ACT_TIMESTAMPS:
		p->timestamps = !p->timestamps;
		reopen(p);
		app_message(v->app, ROLE_MESSAGE, "timestamps %s",
			    p->timestamps ? "on" : "off");
		return VIEW_HANDLED | VIEW_REDRAW;
	case ACT_PREVIOUS:
		if (!one_pod(p)) {
			app_message(
			    v->app, ROLE_MESSAGE,
			    "the previous container's log is one pod's: "
			    "Enter opens the top line's pod");
			return VIEW_HANDLED;
		}
		p->previous = !p->previous;
		reopen(p);
		app_message(v->app, ROLE_MESSAGE, "%s",
			    p->previous ? "the previous container's log"
					: "the current container's log");
		return VIEW_HANDLED | VIEW_REDRAW;
	case ACT_CONTAINER:
		if (!one_pod(p)) {
			app_message(v->app, ROLE_MESSAGE,
				    "every container is shown here: Enter "
				    "opens the top line's pod");
			return VIEW_HANDLED;
		}
		next_container(v);
		return VIEW_HANDLED | VIEW_REDRAW;
	case ACT_SAVE:
		save_prompt(v);
		return VIEW_HANDLED;
	case ACT_ENTER:
		if (one_pod(p))
			return VIEW_HANDLED;
		open_pod_of_top(v);
		return VIEW_HANDLED;
	case ACT_UP:
	case ACT_DOWN:
	case ACT_PAGE_UP:
	case ACT_PAGE_DOWN:
	case ACT_HALF_UP:
	case ACT_HALF_DOWN:
	case ACT_TOP:
	case ACT_BOTTOM:
	case ACT_LEFT:
	case ACT_RIGHT:
		return p->wrap ? wrap_move(v, a) : VIEW_UNHANDLED;
	default:
		return VIEW_UNHANDLED;
	}
}

static const struct model_env *logs_focus(struct view *v)
{
	return v->t.cell ? v->t.cell->env : NULL;
}

static bool logs_changed(struct view *v, unsigned what, struct model_cell *cell)
{
	struct logs_view *p = lv(v);
	if (one_pod(p) || !(what & SESSION_CHANGED_CELL) || cell != v->t.cell)
		return false;
	const struct fleet_cell *fc = fleet_cell(cell);
	if (fc && fc->selector && *fc->selector &&
	    !str_eq(fc->selector, p->selector))
		kick(p);
	return false;
}

static void logs_target(struct view *v, struct view_target *t)
{
	struct logs_view *p = lv(v);
	t->cell = v->t.cell;
	t->service = v->t.cell ? v->t.cell->service : NULL;
	t->env = v->t.cell ? v->t.cell->env : NULL;
	if (one_pod(p)) {
		t->pod = v->t.pod;
		t->container = p->container;
	}
}

const struct view_ops view_logs = {
    .name = "logs",
    .keys = KEYCTX_LOGS,
    .open = logs_open,
    .close = logs_close,
    .title = logs_title,
    .lines = logs_lines,
    .head = logs_head,
    .line = logs_line,
    .text = logs_text,
    .request = logs_request,
    .focus = logs_focus,
    .changed = logs_changed,
    .target = logs_target,
    .pager = true,
};
