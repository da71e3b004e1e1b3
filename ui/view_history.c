/*
 * The history view: the releases of one cell, newest first — when each
 * landed, the version change, who made it (and who merged it), who
 * approved it, the commit and the change's message. A release is a commit
 * on the branch's first-parent line where the cell's desired version
 * changed (model/releases.h), so a merged pull request shows at its merge
 * with the author of the change inside it.
 *
 * Keys: Enter diffs the release under the cursor against its parent; m
 * marks (unmarks) a release, and with two marked d diffs one against the
 * other (otherwise d diffs the release under the cursor); D diffs the
 * cell against another environment. The line under the column titles
 * spells out the release under the cursor in full (date and time, merged
 * by, approvers, reviewers, the change's own commit), so columns can drop
 * on a narrow terminal without hiding anything.
 *
 * Data flow: the session reads every cell's history once, on its worker
 * thread; until it is in, one "reading the history…" line shows and the
 * view waits for SESSION_CHANGED_RELEASES. The releases are the session's
 * (borrowed, they live as long as it); the column widths are measured
 * once when they arrive, and each row is formatted only when drawn.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/mem.h"
#include "ui/app.h"
#include "ui/draw.h"
#include "ui/view.h"
#include "ui/view_diff.h"

#define GAP	    2
#define MESSAGE_MIN 20

enum hist_state { HIST_LOADING, HIST_IN, HIST_FAILED };

/* The columns, in order; MESSAGE takes what is left. */
enum hist_col {
	COL_WHEN,
	COL_VERSION,
	COL_WHO,
	COL_APPROVED,
	COL_COMMIT,
	COL_MESSAGE,
	NCOLS
};

struct history_view {
	enum hist_state state;
	struct vec rels;		/* struct release *, newest first */
	const struct release *marks[2]; /* marked, in the order marked */
	int width[NCOLS];		/* widest content (who: with merger) */
	int author_width;		/* widest author alone */
};

struct layout {
	int x[NCOLS], w[NCOLS]; /* w 0: the column is left out */
	bool long_when;		/* date and time */
	bool merger;		/* "author, merged by X" */
};

static const char *const col_title[NCOLS] = {
    "WHEN", "VERSION", "WHO", "APPROVED", "COMMIT", "MESSAGE",
};

static const char *arrow(void)
{
	return draw_utf8() ? "→" : "->";
}

static const char *dot(void)
{
	return draw_utf8() ? " · " : " - ";
}

/* "Name <mail>" trailers with key -> "Name, Name2". */
static void trailer_names(const struct release *r, const char *key,
			  struct buf *out)
{
	for (size_t i = 0; i < r->trailers.len; i++) {
		const struct repo_trailer *t = r->trailers.items[i];
		if (strcasecmp(t->key, key))
			continue;
		const char *lt = strchr(t->value, '<');
		size_t n = lt ? (size_t)(lt - t->value) : strlen(t->value);
		while (n && t->value[n - 1] == ' ')
			n--;
		if (out->len)
			buf_puts(out, ", ");
		buf_append(out, t->value, n);
	}
}

/* The summary without "service: " in front: the view is about that
 * service already, and the message column is the first to be cut. */
static const char *short_summary(const struct release *r)
{
	const char *name = r->cell->service->name;
	size_t n = strlen(name);
	if (!strncmp(r->summary, name, n) && r->summary[n] == ':' &&
	    r->summary[n + 1] == ' ' && r->summary[n + 2])
		return r->summary + n + 2;
	return r->summary;
}

/* A cell's name in titles: "payments-api · staging[ · acme]". */
static void cell_name(const struct model_cell *c, struct buf *out)
{
	buf_printf(out, "%s%s%s", c->service->name, dot(), c->env->name);
	if (c->tenant)
		buf_printf(out, "%s%s", dot(), c->tenant->name);
}

/* The text of one column of release r. */
static void column(const struct release *r, enum hist_col col, bool full,
		   struct buf *out)
{
	switch (col) {
	case COL_WHEN: {
		struct buf t = BUF_INIT;
		kube_format_time(&t, r->time); /* 2026-09-14T14:02:03Z, UTC */
		if (t.len >= 16) {
			t.data[10] = ' ';
			buf_append(out, t.data, full ? 16 : 10);
		}
		buf_free(&t);
		break;
	}
	case COL_VERSION:
		buf_printf(out, "%s %s %s",
			   r->old_version ? r->old_version : "-", arrow(),
			   r->new_version ? r->new_version : "-");
		break;
	case COL_WHO:
		buf_puts(out, r->author);
		if (full && r->merged_by && strcmp(r->merged_by, r->author))
			buf_printf(out, ", merged by %s", r->merged_by);
		break;
	case COL_APPROVED:
		trailer_names(r, "Approved-by", out);
		break;
	case COL_COMMIT:
		buf_printf(out, "%.8s", r->hex);
		break;
	case COL_MESSAGE:
		buf_puts(out, full ? r->summary : short_summary(r));
		break;
	case NCOLS:
		break;
	}
}

static void measure(struct history_view *p)
{
	struct buf b = BUF_INIT;
	for (int c = 0; c < NCOLS; c++)
		p->width[c] = c == COL_APPROVED ? 0 : (int)strlen(col_title[c]);
	p->author_width = (int)strlen(col_title[COL_WHO]);
	for (size_t i = 0; i < p->rels.len; i++) {
		const struct release *r = p->rels.items[i];
		for (int c = 0; c < NCOLS; c++) {
			buf_clear(&b);
			column(r, (enum hist_col)c, true, &b);
			int w = draw_width(buf_str(&b), b.len, 200);
			if (c == COL_APPROVED && w && w < 8)
				w = 8; /* room for the title */
			if (w > p->width[c])
				p->width[c] = w;
		}
		int aw = draw_width(r->author, strlen(r->author), 200);
		if (aw > p->author_width)
			p->author_width = aw;
	}
	buf_free(&b);
	/* a long name or message must not starve the others */
	if (p->width[COL_WHO] > 40)
		p->width[COL_WHO] = 40;
	if (p->author_width > 24)
		p->author_width = 24;
	if (p->width[COL_APPROVED] > 24)
		p->width[COL_APPROVED] = 24;
}

/* The richest layout that leaves the message MESSAGE_MIN columns:
 * first the time of day goes, then the approvers, then who merged,
 * then the commit (the line above the list still says all of them). */
static void lay_out(const struct history_view *p, int w, struct layout *l)
{
	static const struct {
		bool long_when, approved, merger, commit;
	} tries[] = {
	    {true, true, true, true},	 {false, true, true, true},
	    {false, false, true, true},	 {false, true, false, true},
	    {false, false, false, true}, {false, false, false, false},
	};
	size_t n = sizeof tries / sizeof tries[0];
	for (size_t k = 0; k < n; k++) {
		int cw[NCOLS] = {0};
		cw[COL_WHEN] = tries[k].long_when ? 16 : 10;
		cw[COL_VERSION] = p->width[COL_VERSION];
		cw[COL_WHO] =
		    tries[k].merger ? p->width[COL_WHO] : p->author_width;
		cw[COL_APPROVED] =
		    tries[k].approved ? p->width[COL_APPROVED] : 0;
		cw[COL_COMMIT] = tries[k].commit ? 8 : 0;
		int x = 2; /* the mark */
		for (int c = 0; c < COL_MESSAGE; c++)
			if (cw[c])
				x += cw[c] + GAP;
		if (w - x >= MESSAGE_MIN || k + 1 == n) {
			x = 2;
			for (int c = 0; c < COL_MESSAGE; c++) {
				l->x[c] = x;
				l->w[c] = cw[c];
				if (cw[c])
					x += cw[c] + GAP;
			}
			if (x > w) /* tiny terminal: the version squeezes */
				l->w[COL_WHO] = 0;
			l->x[COL_MESSAGE] = x;
			l->w[COL_MESSAGE] = w > x ? w - x : 0;
			l->long_when = tries[k].long_when;
			l->merger = tries[k].merger;
			return;
		}
	}
}

static void load(struct view *v)
{
	struct history_view *p = v->p;
	p->rels.len = 0;
	if (session_releases(app_session(v->app), v->t.cell, &p->rels)) {
		p->state = HIST_IN;
		measure(p);
	}
	/* marks point at the session's releases: drop those not there */
	for (int k = 0; k < 2; k++) {
		bool found = false;
		for (size_t i = 0; i < p->rels.len && !found; i++)
			found = p->rels.items[i] == p->marks[k];
		if (!found)
			p->marks[k] = NULL;
	}
	view_refilter(v);
}

static bool history_open(struct view *v)
{
	if (!v->t.cell) {
		app_message(v->app, ROLE_ERROR, "history: choose a cell first");
		return false;
	}
	v->p = xcalloc(1, sizeof(struct history_view));
	load(v);
	return true;
}

static void history_close(struct view *v)
{
	struct history_view *p = v->p;
	vec_free(&p->rels, NULL);
	free(p);
}

static void history_title(struct view *v, struct buf *out)
{
	struct history_view *p = v->p;
	cell_name(v->t.cell, out);
	buf_printf(out, "%shistory", dot());
	if (p->state == HIST_IN)
		buf_printf(out, " (%zu release%s)", p->rels.len,
			   p->rels.len == 1 ? "" : "s");
}

static size_t history_lines(struct view *v)
{
	struct history_view *p = v->p;
	return p->state == HIST_IN && p->rels.len ? p->rels.len : 1;
}

static const struct release *release_at(struct view *v, size_t i)
{
	struct history_view *p = v->p;
	return p->state == HIST_IN && i < p->rels.len ? p->rels.items[i] : NULL;
}

static const struct release *cursor_release(struct view *v)
{
	size_t i;
	return view_current(v, &i) ? release_at(v, i) : NULL;
}

static bool marked(const struct history_view *p, const struct release *r)
{
	return r && (p->marks[0] == r || p->marks[1] == r);
}

static int history_head(struct view *v, int y, int w, int h)
{
	struct history_view *p = v->p;
	if (h < 3 || p->state != HIST_IN || !p->rels.len)
		return 0;
	struct layout l;
	lay_out(p, w, &l);
	draw_fill(y, 0, w, ROLE_TITLE);
	for (int c = 0; c < NCOLS; c++)
		if (l.w[c])
			draw_str(y, l.x[c], l.w[c], ROLE_TITLE, col_title[c]);
	/* the release under the cursor, in full */
	draw_fill(y + 1, 0, w, ROLE_NORMAL);
	const struct release *r = cursor_release(v);
	if (!r)
		return 2;
	struct buf b = BUF_INIT, names = BUF_INIT;
	column(r, COL_WHEN, true, &b);
	buf_printf(&b, " UTC  %.8s  %s", r->hex, r->author);
	if (r->merged_by)
		buf_printf(&b, ", merged by %s", r->merged_by);
	trailer_names(r, "Approved-by", &names);
	if (names.len)
		buf_printf(&b, "; approved by %s", buf_str(&names));
	buf_clear(&names);
	trailer_names(r, "Reviewed-by", &names);
	if (names.len)
		buf_printf(&b, "; reviewed by %s", buf_str(&names));
	if (r->merged_by && strcmp(r->change_hex, r->hex))
		buf_printf(&b, "; change %.8s", r->change_hex);
	draw_text(y + 1, 1, w - 1, ROLE_DIM, b.data, b.len);
	buf_free(&names);
	buf_free(&b);
	return 2;
}

static void history_line(struct view *v, size_t i, int y, int w)
{
	struct history_view *p = v->p;
	const struct release *r = release_at(v, i);
	if (!r) {
		const char *note =
		    p->state == HIST_LOADING
			? (draw_utf8() ? "reading the history…"
				       : "reading the history...")
		    : p->state == HIST_FAILED
			? "the history could not be read (the status "
			  "line says why)"
			: "no release of this cell in the history";
		draw_str(y, 1, w - 1,
			 p->state == HIST_FAILED ? ROLE_ERROR : ROLE_DIM, note);
		return;
	}
	struct layout l;
	lay_out(p, w, &l);
	bool m = marked(p, r);
	if (m) {
		draw_fill(y, 0, w, ROLE_MARKED);
		draw_str(y, 0, 2, ROLE_MARKED, draw_utf8() ? "▶" : ">");
	}
	struct buf b = BUF_INIT;
	for (int c = 0; c < NCOLS; c++) {
		if (!l.w[c])
			continue;
		buf_clear(&b);
		bool full = c == COL_WHEN      ? l.long_when
			    : c == COL_WHO     ? l.merger
			    : c == COL_MESSAGE ? false
					       : true;
		column(r, (enum hist_col)c, full, &b);
		enum role role = m ? ROLE_MARKED
				 : c == COL_WHEN || c == COL_COMMIT
				     ? ROLE_DIM
				     : ROLE_NORMAL;
		draw_text_hl(y, l.x[c], l.w[c], role, b.data, b.len, v->search,
			     0);
	}
	buf_free(&b);
}

static void history_text(struct view *v, size_t i, struct buf *out)
{
	const struct release *r = release_at(v, i);
	if (!r)
		return;
	for (int c = 0; c < NCOLS; c++) {
		if (c)
			buf_putc(out, ' ');
		column(r, (enum hist_col)c, true, out);
	}
}

static void open_diff(struct view *v, const struct release *newer,
		      const struct release *older)
{
	app_push(v->app, &view_diff,
		 &(struct view_target){.cell = v->t.cell,
				       .service = v->t.cell->service,
				       .env = v->t.cell->env,
				       .release = newer,
				       .release2 = older});
}

static void toggle_mark(struct view *v, const struct release *r)
{
	struct history_view *p = v->p;
	if (p->marks[0] == r || p->marks[1] == r) {
		if (p->marks[0] == r)
			p->marks[0] = p->marks[1];
		p->marks[1] = NULL;
		return;
	}
	if (p->marks[1]) { /* a third: the first marked gives way */
		app_message(v->app, ROLE_MESSAGE,
			    "two releases can be marked: %.8s unmarked",
			    p->marks[0]->hex);
		p->marks[0] = p->marks[1];
		p->marks[1] = NULL;
	}
	p->marks[p->marks[0] ? 1 : 0] = r;
	if (p->marks[1])
		app_message(v->app, ROLE_MESSAGE,
			    "two releases marked: d diffs them");
}

static size_t index_of(const struct history_view *p, const struct release *r)
{
	for (size_t i = 0; i < p->rels.len; i++)
		if (p->rels.items[i] == r)
			return i;
	return p->rels.len;
}

static unsigned history_request(struct view *v, enum action a)
{
	struct history_view *p = v->p;
	const struct release *r = cursor_release(v);
	switch (a) {
	case ACT_ENTER:
		if (r)
			open_diff(v, r, NULL);
		return VIEW_HANDLED;
	case ACT_MARK:
		if (r)
			toggle_mark(v, r);
		return VIEW_HANDLED | VIEW_REDRAW;
	case ACT_VIEW_DIFF:
		if (p->marks[0] && p->marks[1]) {
			/* newest first: the smaller index is the newer */
			bool first_newer =
			    index_of(p, p->marks[0]) < index_of(p, p->marks[1]);
			open_diff(v, first_newer ? p->marks[0] : p->marks[1],
				  first_newer ? p->marks[1] : p->marks[0]);
		} else if (r) {
			open_diff(v, r, NULL);
		} else {
			app_message(v->app, ROLE_MESSAGE,
				    p->state == HIST_LOADING
					? "the history is still being read"
					: "no release to diff");
		}
		return VIEW_HANDLED;
	case ACT_VIEW_DIFF_ENV:
		view_diff_ask_env(v->app, v->t.cell);
		return VIEW_HANDLED;
	case ACT_VIEW_HISTORY:
		return VIEW_HANDLED; /* this is it */
	default:
		return VIEW_UNHANDLED;
	}
}

static bool history_changed(struct view *v, unsigned what,
			    struct model_cell *cell)
{
	(void)cell;
	struct history_view *p = v->p;
	if (!(what & SESSION_CHANGED_RELEASES))
		return false;
	load(v);
	if (p->state != HIST_IN)
		p->state = HIST_FAILED; /* told, and still nothing: it failed */
	return true;
}

const struct view_ops view_history = {
    .name = "history",
    .keys = KEYCTX_HISTORY,
    .open = history_open,
    .close = history_close,
    .title = history_title,
    .lines = history_lines,
    .head = history_head,
    .line = history_line,
    .text = history_text,
    .request = history_request,
    .focus = view_cell_focus,
    .changed = history_changed,
};
