/*
 * The events view: the events of one cell — its workload, its
 * ReplicaSets and its pods — newest first, as `kubectl get events` shows
 * them (LAST SEEN, TYPE, REASON, OBJECT, MESSAGE) plus the COUNT. Warnings
 * stand out: their type and reason are in the warning role.
 *
 * Data flow: one event watch on the cell's namespace (the reflector is
 * shared with the pod view and with anyone else watching that
 * namespace's events). The watch callback keeps the cell's events — those
 * whose object is named like the workload or starts with its name and a
 * '-', the rule of `opsdeck events --service` — as compact copies in a
 * list sorted newest first, at most MAX_ROWS of them (the oldest go).
 * Drawing reads only those copies and computes the ages; nothing is
 * rebuilt per frame. When the cluster is down the last events stay, with
 * the error above them.
 *
 * Filtering is the generic one (|): a line's text is "type reason
 * kind/name message", so |Warning, |BackOff or |pod/ narrow the list.
 * Keys: Enter on a pod's event opens that pod (other events show their
 * whole message below); Left and Right scroll the MESSAGE column.
 */
#include <stdlib.h>
#include <string.h>

#include "base/map.h"
#include "base/mem.h"
#include "kube/reflector.h"
#include "ui/app.h"
#include "ui/draw.h"
#include "ui/view.h"

#define MAX_ROWS 1000

struct erow {
	char *name; /* the Event object's name (its key in the namespace) */
	char *type, *reason, *message;
	char *object; /* "pod/NAME": kind in lower case, as kubectl writes it */
	const char *obj_name; /* inside object, after the '/' */
	bool is_pod;
	int32_t count;
	int64_t last, first;
};

struct events_view {
	struct kube_watch *w;
	const char *no_client;
	struct vec rows;    /* struct erow *, newest first */
	struct map by_name; /* name -> struct erow * */
	size_t warnings;
	int reason_w, object_w;
};

struct ecols {
	int seen, seen_w, type, reason, reason_w, object, object_w, count,
	    count_w, message;
	bool wide;
};

static struct events_view *ev_of(struct view *v)
{
	return v->p;
}

/* ---- the rows ------------------------------------------------------------ */

static void erow_free(void *x)
{
	struct erow *r = x;
	free(r->name);
	free(r->type);
	free(r->reason);
	free(r->message);
	free(r->object);
	free(r);
}

/* Newest first: by last time, then first time, then name (so every row
 * has one place). */
static int erow_cmp(const struct erow *a, const struct erow *b)
{
	if (a->last != b->last)
		return a->last > b->last ? -1 : 1;
	if (a->first != b->first)
		return a->first > b->first ? -1 : 1;
	return strcmp(a->name, b->name);
}

static size_t row_place(const struct vec *rows, const struct erow *r)
{
	size_t lo = 0, hi = rows->len;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (erow_cmp(rows->items[mid], r) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The cell's rule (src/cli/platform.c scope_filter): the workload itself,
 * or NAME-... (its ReplicaSets and their pods). */
static bool in_cell(const struct model_cell *c, const struct kube_obj *o)
{
	const char *name = o->u.event.obj_name, *wl = c->workload;
	size_t n = strlen(wl);
	return !strncmp(name, wl, n) && (name[n] == '\0' || name[n] == '-');
}

static struct erow *erow_new(const struct kube_obj *o)
{
	const struct kube_event *e = &o->u.event;
	struct erow *r = xcalloc(1, sizeof *r);
	r->name = xstrdup(o->name);
	r->type = xstrdup(e->type);
	r->reason = xstrdup(e->reason);
	r->message = xstrdup(e->message);
	struct buf ob = BUF_INIT;
	for (const char *k = e->obj_kind; *k; k++)
		buf_putc(&ob, *k >= 'A' && *k <= 'Z' ? (char)(*k + 32) : *k);
	buf_putc(&ob, '/');
	size_t at = ob.len;
	buf_puts(&ob, e->obj_name);
	r->object = buf_detach(&ob);
	r->obj_name = r->object + at;
	r->is_pod = !strcmp(e->obj_kind, "Pod");
	r->count = e->count;
	r->first = e->first_time ? e->first_time : o->created;
	r->last = e->last_time ? e->last_time : r->first;
	return r;
}

static bool is_warning(const struct erow *r)
{
	return !strcmp(r->type, "Warning");
}

static int text_width(const char *s)
{
	return draw_width(s, strlen(s), 200);
}

static void take_row(struct events_view *p, struct erow *r)
{
	vec_insert(&p->rows, row_place(&p->rows, r), r);
	map_put(&p->by_name, r->name, r);
	p->warnings += is_warning(r);
	int rw = text_width(r->reason), ow = text_width(r->object);
	p->reason_w = rw > p->reason_w ? rw : p->reason_w;
	p->object_w = ow > p->object_w ? ow : p->object_w;
}

static void drop_row(struct events_view *p, size_t i)
{
	struct erow *r = vec_remove(&p->rows, i);
	map_del(&p->by_name, r->name);
	p->warnings -= is_warning(r);
	erow_free(r);
}

static void events_changed(void *arg, enum watch_type type,
			   const struct kube_obj *old,
			   const struct kube_obj *obj)
{
	(void)old;
	struct view *v = arg;
	struct events_view *p = ev_of(v);
	if (!in_cell(v->t.cell, obj))
		return;
	/* the row under the cursor stays under it, unless the cursor is on
	 * the newest row: then it stays on the newest, to follow them */
	size_t cur = 0;
	bool had = view_current(v, &cur);
	bool follow = had && v->cursor == 0;
	char *keep = had && !follow
			 ? xstrdup(((struct erow *)p->rows.items[cur])->name)
			 : NULL;
	size_t before = had ? cur : 0, shift_at = p->rows.len;
	struct erow *r = map_get(&p->by_name, obj->name);
	if (r) {
		size_t i = row_place(&p->rows, r);
		shift_at = i;
		drop_row(p, i);
	}
	if (type != WATCH_DELETED) {
		r = erow_new(obj);
		size_t i = row_place(&p->rows, r);
		shift_at = i < shift_at ? i : shift_at;
		take_row(p, r);
		while (p->rows.len > MAX_ROWS)
			drop_row(p, p->rows.len - 1);
	}
	if (v->filter)
		view_refilter(v);
	if (keep) {
		struct erow *k = map_get(&p->by_name, keep);
		if (k) {
			size_t now = row_place(&p->rows, k);
			/* keep the screen still when rows come or go above
			 * it */
			if (!v->filter && v->top >= shift_at) {
				if (now > before)
					v->top += now - before;
				else if (v->top >= before - now)
					v->top -= before - now;
			}
			view_select(v, now);
		}
		free(keep);
	} else if (follow) {
		v->cursor = 0;
		v->top = 0;
	}
	app_dirty(v->app);
}

/* ---- open and close ------------------------------------------------------ */

static bool events_open(struct view *v)
{
	struct model_cell *c = v->t.cell;
	if (!c) {
		app_message(v->app, ROLE_MESSAGE,
			    "events: choose a cell first (Enter)");
		return false;
	}
	struct events_view *p = xcalloc(1, sizeof *p);
	v->p = p;
	struct session *s = app_session(v->app);
	struct kube_client *client = session_client(s, c->env->cluster);
	if (!client) {
		p->no_client = "no connection to this cluster";
		for (size_t i = 0; i < session_nclusters(s); i++) {
			const struct session_cluster *sc =
			    session_cluster(s, i);
			if (!strcmp(sc->context, c->env->cluster) && sc->error)
				p->no_client = sc->error;
		}
		return true;
	}
	struct kube_watch_spec spec = {.kind = KUBE_EVENT,
				       .namespace_ = c->namespace_};
	static const struct kube_watch_ops ops = {
	    .changed = events_changed,
	    .synced = view_watch_synced,
	    .error = view_watch_error,
	};
	p->w = kube_watch(client, &spec, &ops, v);
	return true;
}

static void events_close(struct view *v)
{
	struct events_view *p = ev_of(v);
	kube_unwatch(p->w);
	vec_free(&p->rows, erow_free);
	map_free(&p->by_name, NULL);
	free(p);
}

/* ---- drawing ------------------------------------------------------------- */

static void events_title(struct view *v, struct buf *out)
{
	struct events_view *p = ev_of(v);
	const struct model_cell *c = v->t.cell;
	buf_printf(out, "%s · %s", c->service->name, c->env->name);
	if (c->tenant)
		buf_printf(out, " · %s", c->tenant->name);
	buf_printf(out, " · events (%zu", p->rows.len);
	if (p->warnings)
		buf_printf(out, ", %zu warning%s", p->warnings,
			   p->warnings == 1 ? "" : "s");
	buf_putc(out, ')');
}

static size_t events_lines(struct view *v)
{
	return ev_of(v)->rows.len;
}

/* Columns for width w: the message keeps about 20 (narrow) or 33
 * columns by shortening the object names, then the reasons. */
static void layout(const struct events_view *p, int w, struct ecols *c)
{
	c->wide = w >= 120;
	int gap = w >= 100 ? 2 : 1;
	c->seen_w = c->wide ? 9 : 5;
	c->count_w = 5;
	int rw = p->reason_w < 6 ? 6 : p->reason_w > 24 ? 24 : p->reason_w;
	int ow = p->object_w < 6 ? 6 : p->object_w > 60 ? 60 : p->object_w;
	int fixed =
	    1 + c->seen_w + gap + 7 + gap + gap + gap + c->count_w + gap;
	int msg = w >= 100 ? 33 : 20, room = w - fixed - rw - msg;
	if (ow > room)
		ow = room > 16 ? room : 16;
	if (fixed + rw + ow + 16 > w) {
		room = w - fixed - ow - 16;
		rw = room > 8 ? room : 8;
	}
	c->seen = 1;
	c->type = c->seen + c->seen_w + gap;
	c->reason = c->type + 7 + gap;
	c->reason_w = rw;
	c->object = c->reason + rw + gap;
	c->object_w = ow;
	c->count = c->object + ow + gap;
	c->message = c->count + c->count_w + gap;
}

static int events_head(struct view *v, int y, int w, int h)
{
	struct events_view *p = ev_of(v);
	const struct model_cell *c = v->t.cell;
	int used = 0;
	const char *err = p->w ? kube_watch_error(p->w) : p->no_client;
	if (err && h > 2) {
		/* what is shown comes first: the error can be long */
		draw_fill(y, 0, w, ROLE_NORMAL);
		int x = draw_fmt(
		    y, 1, w - 1, ROLE_ERROR, "%s%s: ", c->env->cluster,
		    p->rows.len ? " (showing the last events seen)" : "");
		draw_str(y, 1 + x, w - 1 - x, ROLE_ERROR, err);
		used++;
	} else if (p->w && !kube_watch_synced(p->w) && h > 2) {
		draw_fill(y, 0, w, ROLE_NORMAL);
		draw_fmt(y, 1, w - 1, ROLE_DIM,
			 "listing the events of %s in %s…", c->namespace_,
			 c->env->cluster);
		used++;
	}
	if (h - used < 2)
		return used;
	struct ecols col;
	layout(p, w, &col);
	int r = y + used;
	draw_fill(r, 0, w, ROLE_TITLE);
	draw_str(r, col.seen, col.seen_w, ROLE_TITLE,
		 col.wide ? "LAST SEEN" : "SEEN");
	draw_str(r, col.type, 7, ROLE_TITLE, "TYPE");
	draw_str(r, col.reason, col.reason_w, ROLE_TITLE, "REASON");
	draw_str(r, col.object, col.object_w, ROLE_TITLE, "OBJECT");
	draw_str_right(r, col.count, col.count_w, ROLE_TITLE, "COUNT");
	draw_str(r, col.message, w - col.message, ROLE_TITLE,
		 v->hscroll ? "MESSAGE (scrolled: Left)" : "MESSAGE");
	return used + 1;
}

/* kubectl's short names, for narrow columns. */
static const char *short_kind(const char *kind)
{
	static const char *const names[][2] = {
	    {"deployment", "deploy"},
	    {"replicaset", "rs"},
	    {"statefulset", "sts"},
	    {"daemonset", "ds"},
	    {"horizontalpodautoscaler", "hpa"},
	    {"persistentvolumeclaim", "pvc"},
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!strcmp(kind, names[i][0]))
			return names[i][1];
	return kind;
}

/* The end of s[0..len) that fits in room columns (whole characters). */
static size_t fitting_tail(const char *s, size_t len, int room)
{
	size_t start = len;
	while (start > 0) {
		size_t k = start - 1;
		while (k > 0 && ((unsigned char)s[k] & 0xc0) == 0x80)
			k--;
		if (draw_width(s + k, len - k, room + 1) > room)
			break;
		start = k;
	}
	return start;
}

/* "pod/fraud-detector-5746d64cb7-q4dnq" in room columns, shortened as
 * needed: the kind's short name ("rs/..."), then the workload's name (the
 * same in every row of the view) as "…" so that the end of the name,
 * where pods differ, shows; another object keeps the start of its name. */
static void draw_object(struct view *v, int y, int x, int room,
			const struct erow *r)
{
	const char *search = v->search;
	size_t len = strlen(r->object);
	if (draw_width(r->object, len, room + 1) <= room) {
		draw_text_hl(y, x, room, ROLE_NORMAL, r->object, len, search,
			     0);
		return;
	}
	struct buf b = BUF_INIT;
	buf_append(&b, r->object, (size_t)(r->obj_name - r->object) - 1);
	char *kind = buf_detach(&b);
	buf_printf(&b, "%s/", short_kind(kind));
	free(kind);
	const char *name = r->obj_name, *wl = v->t.cell->workload;
	size_t nl = strlen(name), wn = strlen(wl);
	int hw = draw_width(b.data, b.len, room);
	const char *ell = draw_utf8() ? "…" : "~";
	if (hw + draw_width(name, nl, room + 1) <= room) {
		buf_puts(&b, name);
		draw_text_hl(y, x, room, ROLE_NORMAL, b.data, b.len, search, 0);
	} else if (!strncmp(name, wl, wn) && name[wn] == '-') {
		int used = draw_text_hl(y, x, room, ROLE_NORMAL, b.data, b.len,
					search, 0);
		used += draw_str(y, x + used, room - used, ROLE_DIM, ell);
		const char *rest = name + wn;
		size_t rl = nl - wn, from = fitting_tail(rest, rl, room - used);
		draw_text_hl(y, x + used, room - used, ROLE_NORMAL, rest + from,
			     rl - from, search, 0);
	} else {
		buf_puts(&b, name);
		int used = draw_text_hl(y, x, room - 1, ROLE_NORMAL, b.data,
					b.len, search, 0);
		draw_str(y, x + used, room - used, ROLE_DIM, ell);
	}
	buf_free(&b);
}

static void events_line(struct view *v, size_t i, int y, int w)
{
	struct events_view *p = ev_of(v);
	const struct erow *r = p->rows.items[i];
	struct ecols col;
	layout(p, w, &col);
	struct buf b = BUF_INIT;
	if (r->last)
		kube_format_age(&b, app_now(v->app) - r->last);
	else
		buf_puts(&b, "<unknown>");
	draw_str(y, col.seen, col.seen_w, ROLE_DIM, buf_str(&b));
	bool warn = is_warning(r);
	draw_text_hl(y, col.type, 7, warn ? ROLE_WARNING : ROLE_DIM, r->type,
		     strlen(r->type), v->search, 0);
	draw_text_hl(y, col.reason, col.reason_w,
		     warn ? ROLE_WARNING : ROLE_NORMAL, r->reason,
		     strlen(r->reason), v->search, 0);
	draw_object(v, y, col.object, col.object_w, r);
	buf_clear(&b);
	buf_printf(&b, "%d", (int)r->count);
	draw_str_right(y, col.count, col.count_w,
		       r->count > 1 && warn ? ROLE_WARNING : ROLE_NORMAL,
		       buf_str(&b));
	buf_free(&b);
	draw_text_hl(y, col.message, w - col.message, ROLE_NORMAL, r->message,
		     strlen(r->message), v->search, v->hscroll);
}

static void events_text(struct view *v, size_t i, struct buf *out)
{
	const struct erow *r = ev_of(v)->rows.items[i];
	buf_printf(out, "%s %s %s %s", r->type, r->reason, r->object,
		   r->message);
}

/* ---- keys ---------------------------------------------------------------- */

static unsigned events_request(struct view *v, enum action a)
{
	struct events_view *p = ev_of(v);
	size_t i;
	switch (a) {
	case ACT_LEFT:
		v->hscroll = v->hscroll > 16 ? v->hscroll - 16 : 0;
		return VIEW_HANDLED | VIEW_REDRAW;
	case ACT_RIGHT:
		v->hscroll += 16;
		return VIEW_HANDLED | VIEW_REDRAW;
	case ACT_ENTER: {
		if (!view_current(v, &i))
			return VIEW_HANDLED;
		const struct erow *r = p->rows.items[i];
		if (r->is_pod) {
			struct view_target t = {
			    .cell = v->t.cell,
			    .service = v->t.cell->service,
			    .env = v->t.cell->env,
			    .pod = (char *)r->obj_name, /* copied by app_push */
			};
			app_push(v->app, &view_pod, &t);
		} else {
			app_message(v->app, ROLE_MESSAGE, "%s %s: %s",
				    r->object, r->reason, r->message);
		}
		return VIEW_HANDLED;
	}
	default:
		return VIEW_UNHANDLED;
	}
}

const struct view_ops view_events = {
    .name = "events",
    .keys = KEYCTX_EVENTS,
    .open = events_open,
    .close = events_close,
    .title = events_title,
    .lines = events_lines,
    .head = events_head,
    .line = events_line,
    .text = events_text,
    .request = events_request,
    .focus = view_cell_focus,
    .changed = view_changed_live_only,
};
