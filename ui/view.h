/*
 * The view interface and the view stack.
 *
 * Every view implements one small interface (a const table with
 * designated initialisers, as tig does): open, close, a title, its lines
 * and how to draw one, the plain text of a line (for search and filter),
 * and a request handler for the actions it understands. Everything else —
 * moving the cursor, paging, search with highlight and next/previous,
 * the filter that hides lines, help, back, quit, the : command line —
 * is done once, here and in app.c, for every view.
 *
 * A view's lines are indexed 0..lines()-1. When a filter is set, the
 * generic list shows only the lines whose text matches, and the indexes a
 * view sees (in line(), and v->cursor translated by view_line_at()) are
 * always the view's own.
 */
#ifndef OPSDECK_UI_VIEW_H
#define OPSDECK_UI_VIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/vec.h"
#include "model/model.h"
#include "model/releases.h"
#include "ui/action.h"
#include "ui/keymap.h"

struct app;
struct view;

/* What a view is opened on (all optional; each view says what it needs). */
struct view_target {
	struct model_cell *cell;       /* cell, pods, logs, events, history, diff */
	struct model_service *service; /* tenants */
	struct model_env *env;	       /* the environment in focus */
	char *pod;		       /* pod; logs of one pod */
	char *container;	       /* logs: the container (NULL = default) */
	const struct release *release; /* diff: this release against its parent */
	const struct release *release2; /* diff: release2 .. release */
	struct model_cell *other;      /* diff: cell against other (another env) */
	enum keyctx help_for;	       /* help: the view whose keys to list */
	char *run_id;		       /* run, run detail: the run (copied) */
	const char *cluster;	       /* run detail: the run's cluster (the
					* session's context name) */
};

/* What a request handler reports back (htop's pattern). */
enum {
	VIEW_UNHANDLED = 0,
	VIEW_HANDLED = 1 << 0,
	VIEW_REDRAW = 1 << 1,
};

struct view_ops {
	const char *name;  /* ":name", and the keymap section */
	enum keyctx keys;
	/* Set up v->p from v->t; false refuses (say why with app_message). */
	bool (*open)(struct view *v);
	void (*close)(struct view *v);
	/* The header's title: "payments-api · staging". */
	void (*title)(struct view *v, struct buf *out);
	size_t (*lines)(struct view *v);
	/* Optional: fixed rows above the list (column titles), drawn from row
	 * y, at most h rows; returns the rows used. */
	int (*head)(struct view *v, int y, int width, int h);
	/* Draw line i at row y, width columns (the cursor line is repainted
	 * afterwards by the list). */
	void (*line)(struct view *v, size_t i, int y, int width);
	/* The plain text of line i, for search and the filter. */
	void (*text)(struct view *v, size_t i, struct buf *out);
	/* An action the generic list did not take, or one the view wants
	 * first (ENTER, its own keys). */
	unsigned (*request)(struct view *v, enum action a);
	/* The environment in focus, for the production mark (NULL: none). */
	const struct model_env *(*focus)(struct view *v);
	/* The session changed (cell set for one cell's change): return true
	 * when the view must be redrawn. NULL: redraw on every change. */
	bool (*changed)(struct view *v, unsigned what, struct model_cell *cell);
	/* Optional: what a view opened from here by key or : command (pods,
	 * logs, history...) is about — the thing under the cursor. Default:
	 * this view's own target. */
	void (*target)(struct view *v, struct view_target *t);
	bool pager; /* no cursor line: the cursor is the top line (pagers) */
	bool own_cursor; /* the view draws its own cursor (a grid's cell) */
};

struct view {
	const struct view_ops *ops;
	struct app *app;
	struct view_target t;
	void *p; /* the view's own state */
	/* kept by the generic list */
	size_t cursor; /* a visible line's index (into the filtered list) */
	size_t top;    /* first visible line (filtered index) */
	bool tail;     /* stay on the last line as lines arrive */
	int height, width;
	int hscroll;   /* columns scrolled left (pagers) */
	char *search;  /* highlighted pattern, or NULL */
	char *filter;  /* only lines containing this, or NULL */
	struct vec shown; /* with a filter: the view's indexes shown */
	size_t filtered_from; /* lines() when shown was last built */
};

/* The view's own index of visible line i (through the filter). */
size_t view_line_at(const struct view *v, size_t i);
/* The number of visible lines. */
size_t view_visible(struct view *v);
/* The view's own index under the cursor; false when there are no lines. */
bool view_current(struct view *v, size_t *index);
/* Move the cursor to the view's own line index (if visible). */
void view_select(struct view *v, size_t index);
/* The filter must be recomputed (the view's lines changed wholesale). */
void view_refilter(struct view *v);

/* Shared parts of views. Watch callbacks for a view whose head() reads
 * the watch's state back when drawing: both only redraw (arg is the
 * struct view *). */
void view_watch_synced(void *arg);
void view_watch_error(void *arg, const char *message);
/* focus() of a view on one cell: the cell's environment. */
const struct model_env *view_cell_focus(struct view *v);
/* changed() of a view fed only by its own watches: clusters' state
 * changes redraw it (the status bar), cells and releases do not. */
bool view_changed_live_only(struct view *v, unsigned what,
			    struct model_cell *cell);

/* Every view, for :commands and completion. */
extern const struct view_ops view_fleet, view_tenants, view_cell, view_pods,
	view_pod, view_logs, view_events, view_history, view_diff, view_help,
	view_runbooks, view_run, view_approvals, view_audit, view_audit_run;

#endif
