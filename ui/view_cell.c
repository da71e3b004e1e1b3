/*
 * The cell view: one service in one environment (for one tenant) on one
 * page — what Git wants against what runs (desired and live version,
 * sync, health and why, image, replicas, where it runs), the cell's pods,
 * its recent events and its latest releases. Read-only.
 *
 * The page is a list of sections (a heading, then its lines), so the
 * generic list's cursor, search and filter work over all of it. Enter
 * opens what is under the cursor: a pod (the pod view), a release (its
 * diff), an event (the events view), a heading (that section's own
 * view). p/l/e/h/d go to the central dispatcher, which opens the pods,
 * logs, events, history or diff of the cell; D diffs the cell against
 * another environment.
 *
 * Data flow: the state section is read from the fleet's compact cell at
 * draw time (the fleet watches the workloads; changed() asks for a redraw
 * when this cell changes). Pods and events come from two watches of the
 * cell's namespace on its cluster, shared with any other view watching
 * the same (reflector.h): pods by the workload's label selector when the
 * fleet knows it, always kept only when owned by the cell's workload;
 * events kept when about the workload, its ReplicaSets or its pods (the
 * CLI's rule, src/cli/platform.c). A watch callback only marks its
 * section stale and asks for a frame; the section is rebuilt once, on the
 * next draw, by walking the watch's store and copying the few fields
 * shown. Releases are the session's (borrowed), re-read on
 * SESSION_CHANGED_RELEASES.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/str.h"
#include "kube/reflector.h"
#include "ui/app.h"
#include "ui/draw.h"
#include "ui/view.h"
#include "ui/view_diff.h"

#define EVENTS_SHOWN   5
#define RELEASES_SHOWN 5
#define LABEL_W	       16 /* the state section's labels */
#define GAP	       2

enum cl_kind {
	CL_HEADING, /* idx: enum cl_section */
	CL_FIELD,   /* idx: enum cl_field */
	CL_COLUMNS, /* column titles; idx: enum cl_section */
	CL_POD,	    /* idx into pods */
	CL_EVENT,   /* idx into events */
	CL_RELEASE, /* idx into rels */
	CL_NOTE,    /* idx: enum cl_note */
	CL_BLANK,
};

enum cl_section { SEC_STATE, SEC_PODS, SEC_EVENTS, SEC_RELEASES };

enum cl_field {
	F_DESIRED,
	F_LIVE,
	F_SYNC,
	F_HEALTH,
	F_IMAGE,
	F_REPLICAS,
	F_WORKLOAD, /* kind/name in namespace on cluster */
	F_TENANT,
	NFIELDS,
};

enum cl_note {
	N_NO_CLIENT,
	N_PODS_LISTING,
	N_PODS_ERROR,
	N_PODS_NONE,
	N_EVENTS_LISTING,
	N_EVENTS_ERROR,
	N_EVENTS_NONE,
	N_RELS_LOADING,
	N_RELS_FAILED,
	N_RELS_NONE,
};

struct cline {
	enum cl_kind kind;
	size_t idx;
};

/* What the page shows of a pod (copied: the watch's objects are only
 * valid during its callbacks). */
struct cpod {
	char *name, *status;
	int32_t ready, total, restarts;
	int64_t created, last_restart;
};

struct cevent {
	char *name, *type, *reason, *message;
	char *object;	/* "pod/…5746d64cb7-q4dnq": short, for the page */
	char *obj_name; /* in full, for search */
	int32_t count;
	int64_t when;
};

struct cell_view {
	struct kube_client *client;
	struct kube_watch *pods_w, *events_w;
	bool stale, rels_failed;
	struct vec pods;   /* struct cpod *, by name */
	struct vec events; /* struct cevent *, newest first, EVENTS_SHOWN */
	size_t nevents;	   /* the cell's events in all */
	struct vec rels;   /* struct release * (the session's), newest first */
	bool rels_in;
	struct cline *ln;
	size_t nln, cap;
	/* column widths, measured at each rebuild */
	int pod_name_w, pod_status_w, pod_restarts_w, ev_reason_w, ev_object_w,
	    rel_ver_w, rel_who_w;
};

static const char *const headings[] = {"STATE", "PODS", "EVENTS", "RELEASES"};
static const char *const pod_titles[] = {"NAME", "READY", "STATUS", "RESTARTS",
					 "AGE"};

/* ---- what belongs to the cell ------------------------------------ */

static bool my_pod(const struct model_cell *c, const struct kube_obj *o)
{
	if (!o || o->kind != KUBE_POD || strcmp(o->namespace_, c->namespace_))
		return false;
	struct buf name = BUF_INIT;
	enum kube_kind kind;
	bool mine = kobj_pod_workload(o, &kind, &name) &&
		    kind == c->service->kind &&
		    !strcmp(buf_str(&name), c->workload);
	buf_free(&name);
	return mine;
}

/* About the workload, its ReplicaSets or pods: NAME or NAME-... */
static bool my_event(const struct model_cell *c, const struct kube_obj *o)
{
	if (!o || o->kind != KUBE_EVENT)
		return false;
	const struct kube_event *ev = &o->u.event;
	if (*ev->obj_namespace && strcmp(ev->obj_namespace, c->namespace_))
		return false;
	size_t n = strlen(c->workload);
	return !strncmp(ev->obj_name, c->workload, n) &&
	       (ev->obj_name[n] == '\0' || ev->obj_name[n] == '-');
}

/* ---- the watches ------------------------------------------------- */

static void touch(struct view *v)
{
	struct cell_view *p = v->p;
	p->stale = true;
	app_dirty(v->app);
}

static void pods_changed(void *arg, enum watch_type type,
			 const struct kube_obj *old, const struct kube_obj *obj)
{
	(void)type;
	struct view *v = arg;
	if (my_pod(v->t.cell, obj) || my_pod(v->t.cell, old))
		touch(v);
}

static void events_changed(void *arg, enum watch_type type,
			   const struct kube_obj *old,
			   const struct kube_obj *obj)
{
	(void)type;
	struct view *v = arg;
	if (my_event(v->t.cell, obj) || my_event(v->t.cell, old))
		touch(v);
}

static void watch_synced(void *arg)
{
	touch(arg);
}

static void watch_error(void *arg, const char *message)
{
	(void)message; /* read back with kube_watch_error when drawn */
	touch(arg);
}

static const struct kube_watch_ops pods_ops = {pods_changed, watch_synced,
					       watch_error};
static const struct kube_watch_ops events_ops = {events_changed, watch_synced,
						 watch_error};

/* ---- building the page ------------------------------------------- */

static void cpod_free(void *x)
{
	struct cpod *c = x;
	free(c->name);
	free(c->status);
	free(c);
}

static void cevent_free(void *x)
{
	struct cevent *e = x;
	free(e->name);
	free(e->type);
	free(e->reason);
	free(e->object);
	free(e->obj_name);
	free(e->message);
	free(e);
}

static int by_name(const void *a, const void *b)
{
	const struct cpod *x = *(struct cpod *const *)a,
			  *y = *(struct cpod *const *)b;
	return strcmp(x->name, y->name);
}

static const char *arrow(void)
{
	return draw_utf8() ? "→" : "->";
}

static int width_of(const char *s, int cap)
{
	return draw_width(s, strlen(s), cap);
}

static void read_pods(struct view *v)
{
	struct cell_view *p = v->p;
	vec_free(&p->pods, cpod_free);
	p->pod_name_w = 4;
	p->pod_status_w = 6;
	p->pod_restarts_w = 8; /* "RESTARTS" */
	if (!p->pods_w)
		return;
	size_t pos = 0;
	const struct kube_obj *o;
	struct buf st = BUF_INIT;
	while (kube_watch_next(p->pods_w, &pos, &o)) {
		if (!my_pod(v->t.cell, o))
			continue;
		struct cpod *c = xcalloc(1, sizeof *c);
		c->name = xstrdup(o->name);
		buf_clear(&st);
		kobj_pod_status(&st, o);
		c->status = xstrdup(buf_str(&st));
		c->ready = o->u.pod.ready_count;
		c->total = o->u.pod.total;
		c->restarts = o->u.pod.restarts;
		c->created = o->created;
		/* kubectl's "RESTARTS 5 (2m ago)": the last container exit */
		for (uint32_t k = 0; k < o->u.pod.ncontainers; k++)
			if (o->u.pod.containers[k].last_finished_at >
			    c->last_restart)
				c->last_restart =
				    o->u.pod.containers[k].last_finished_at;
		vec_push(&p->pods, c);
		/* "5 (4m31s ago)": the count, and an age of up to 6 */
		int rw = (int)snprintf(NULL, 0, "%d", (int)c->restarts) +
			 (c->restarts && c->last_restart ? 13 : 0);
		if (rw > p->pod_restarts_w)
			p->pod_restarts_w = rw;
		int nw = width_of(c->name, 200), sw = width_of(c->status, 40);
		if (nw > p->pod_name_w)
			p->pod_name_w = nw;
		if (sw > p->pod_status_w)
			p->pod_status_w = sw;
	}
	buf_free(&st);
	vec_sort(&p->pods, by_name);
}

static int64_t event_time(const struct kube_obj *o)
{
	return o->u.event.last_time ? o->u.event.last_time : o->created;
}

static void read_events(struct view *v)
{
	struct cell_view *p = v->p;
	vec_free(&p->events, cevent_free);
	p->nevents = 0;
	p->ev_reason_w = 6;
	p->ev_object_w = 6;
	if (!p->events_w)
		return;
	/* the EVENTS_SHOWN newest, by insertion into a short sorted list */
	const struct kube_obj *top[EVENTS_SHOWN];
	size_t ntop = 0, pos = 0;
	const struct kube_obj *o;
	while (kube_watch_next(p->events_w, &pos, &o)) {
		if (!my_event(v->t.cell, o))
			continue;
		p->nevents++;
		int64_t t = event_time(o);
		size_t at = ntop;
		while (at > 0 && event_time(top[at - 1]) < t)
			at--;
		if (at >= EVENTS_SHOWN)
			continue;
		size_t last = ntop < EVENTS_SHOWN ? ntop : EVENTS_SHOWN - 1;
		memmove(&top[at + 1], &top[at], (last - at) * sizeof top[0]);
		top[at] = o;
		if (ntop < EVENTS_SHOWN)
			ntop++;
	}
	for (size_t i = 0; i < ntop; i++) {
		const struct kube_event *ev = &top[i]->u.event;
		struct cevent *e = xcalloc(1, sizeof *e);
		e->name = xstrdup(top[i]->name);
		e->type = xstrdup(ev->type);
		e->reason = xstrdup(ev->reason);
		/* "pod/NAME", as kubectl names objects */
		struct buf obj = BUF_INIT;
		for (const char *k = ev->obj_kind; *k; k++)
			buf_putc(&obj,
				 *k >= 'A' && *k <= 'Z' ? (char)(*k + 32) : *k);
		buf_putc(&obj, '/');
		/* the workload's name is the page's: its pods and
		 * ReplicaSets are told apart by what follows it */
		size_t wl = strlen(v->t.cell->workload);
		if (!strncmp(ev->obj_name, v->t.cell->workload, wl) &&
		    ev->obj_name[wl] == '-')
			buf_printf(&obj, "%s%s", draw_utf8() ? "…" : "~",
				   ev->obj_name + wl + 1);
		else
			buf_puts(&obj, ev->obj_name);
		e->object = buf_detach(&obj);
		e->obj_name = xstrdup(ev->obj_name);
		e->message = xstrdup(ev->message);
		e->count = ev->count;
		e->when = event_time(top[i]);
		vec_push(&p->events, e);
		int rw = width_of(e->reason, 24), ow = width_of(e->object, 60);
		if (rw > p->ev_reason_w)
			p->ev_reason_w = rw;
		if (ow > p->ev_object_w)
			p->ev_object_w = ow;
	}
}

static void read_releases(struct view *v)
{
	struct cell_view *p = v->p;
	p->rels.len = 0;
	p->rels_in = session_releases(app_session(v->app), v->t.cell, &p->rels);
	p->rel_ver_w = 7;
	p->rel_who_w = 3;
	for (size_t i = 0; i < p->rels.len && i < RELEASES_SHOWN; i++) {
		const struct release *r = p->rels.items[i];
		int vw = width_of(r->old_version ? r->old_version : "-", 40) +
			 width_of(r->new_version ? r->new_version : "-", 40) +
			 width_of(arrow(), 4) + 2;
		int aw = width_of(r->author, 24);
		if (vw > p->rel_ver_w)
			p->rel_ver_w = vw;
		if (aw > p->rel_who_w)
			p->rel_who_w = aw;
	}
}

static void add(struct cell_view *p, enum cl_kind kind, size_t idx)
{
	if (p->nln == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 64;
		p->ln = xrealloc(p->ln, p->cap * sizeof *p->ln);
	}
	p->ln[p->nln++] = (struct cline){kind, idx};
}

/* Where the cursor was, to find it again after a rebuild. */
struct anchor {
	enum cl_kind kind;
	size_t idx;
	char *name; /* a pod's or an event's */
	const void *release;
};

static void anchor_take(struct view *v, struct anchor *a)
{
	struct cell_view *p = v->p;
	memset(a, 0, sizeof *a);
	a->kind = CL_BLANK;
	if (v->filter || v->cursor >= p->nln)
		return;
	const struct cline *l = &p->ln[v->cursor];
	a->kind = l->kind;
	a->idx = l->idx;
	if (l->kind == CL_POD)
		a->name = xstrdup(((struct cpod *)p->pods.items[l->idx])->name);
	else if (l->kind == CL_EVENT)
		a->name =
		    xstrdup(((struct cevent *)p->events.items[l->idx])->name);
	else if (l->kind == CL_RELEASE)
		a->release = p->rels.items[l->idx];
}

static bool anchor_is(struct cell_view *p, const struct anchor *a,
		      const struct cline *l)
{
	if (l->kind != a->kind)
		return false;
	switch (l->kind) {
	case CL_POD:
		return !strcmp(((struct cpod *)p->pods.items[l->idx])->name,
			       a->name);
	case CL_EVENT:
		return !strcmp(((struct cevent *)p->events.items[l->idx])->name,
			       a->name);
	case CL_RELEASE:
		return p->rels.items[l->idx] == a->release;
	default:
		return l->idx == a->idx;
	}
}

static void anchor_put(struct view *v, struct anchor *a)
{
	struct cell_view *p = v->p;
	if (a->kind != CL_BLANK)
		for (size_t i = 0; i < p->nln; i++)
			if (anchor_is(p, a, &p->ln[i])) {
				v->cursor = i;
				break;
			}
	free(a->name);
}

static void rebuild(struct view *v)
{
	struct cell_view *p = v->p;
	struct anchor a;
	anchor_take(v, &a);
	p->stale = false;
	read_pods(v);
	read_events(v);
	read_releases(v);
	p->nln = 0;

	add(p, CL_HEADING, SEC_STATE);
	for (size_t f = 0; f < NFIELDS; f++)
		if (f != F_TENANT || v->t.cell->tenant)
			add(p, CL_FIELD, f);

	add(p, CL_BLANK, 0);
	add(p, CL_HEADING, SEC_PODS);
	if (!p->client)
		add(p, CL_NOTE, N_NO_CLIENT);
	else if (kube_watch_error(p->pods_w))
		add(p, CL_NOTE, N_PODS_ERROR);
	if (p->client && !p->pods.len)
		add(p, CL_NOTE,
		    kube_watch_synced(p->pods_w) ? N_PODS_NONE
						 : N_PODS_LISTING);
	if (p->pods.len)
		add(p, CL_COLUMNS, SEC_PODS);
	for (size_t i = 0; i < p->pods.len; i++)
		add(p, CL_POD, i);

	add(p, CL_BLANK, 0);
	add(p, CL_HEADING, SEC_EVENTS);
	if (!p->client)
		add(p, CL_NOTE, N_NO_CLIENT);
	else if (kube_watch_error(p->events_w))
		add(p, CL_NOTE, N_EVENTS_ERROR);
	if (p->client && !p->events.len)
		add(p, CL_NOTE,
		    kube_watch_synced(p->events_w) ? N_EVENTS_NONE
						   : N_EVENTS_LISTING);
	for (size_t i = 0; i < p->events.len; i++)
		add(p, CL_EVENT, i);

	add(p, CL_BLANK, 0);
	add(p, CL_HEADING, SEC_RELEASES);
	if (!p->rels_in)
		add(p, CL_NOTE,
		    p->rels_failed ? N_RELS_FAILED : N_RELS_LOADING);
	else if (!p->rels.len)
		add(p, CL_NOTE, N_RELS_NONE);
	for (size_t i = 0; i < p->rels.len && i < RELEASES_SHOWN; i++)
		add(p, CL_RELEASE, i);

	anchor_put(v, &a);
	view_refilter(v);
}

/* ---- the view ---------------------------------------------------- */

static bool cell_open(struct view *v)
{
	struct model_cell *c = v->t.cell;
	if (!c) {
		app_message(v->app, ROLE_ERROR, "cell: choose a cell first");
		return false;
	}
	struct cell_view *p = xcalloc(1, sizeof *p);
	v->p = p;
	p->client = session_client(app_session(v->app), c->env->cluster);
	if (p->client) {
		/* the workload's selector narrows what the cluster sends;
		 * before the fleet knows it, the namespace's pods are
		 * watched and my_pod() keeps the cell's */
		const struct fleet_cell *fc = fleet_cell(c);
		struct kube_watch_spec ps = {
		    .kind = KUBE_POD,
		    .namespace_ = c->namespace_,
		    .label_selector = fc && fc->selector && *fc->selector
					  ? fc->selector
					  : NULL,
		};
		p->pods_w = kube_watch(p->client, &ps, &pods_ops, v);
		struct kube_watch_spec es = {.kind = KUBE_EVENT,
					     .namespace_ = c->namespace_};
		p->events_w = kube_watch(p->client, &es, &events_ops, v);
	}
	rebuild(v);
	return true;
}

static void cell_close(struct view *v)
{
	struct cell_view *p = v->p;
	kube_unwatch(p->pods_w);
	kube_unwatch(p->events_w);
	vec_free(&p->pods, cpod_free);
	vec_free(&p->events, cevent_free);
	vec_free(&p->rels, NULL);
	free(p->ln);
	free(p);
}

static void cell_title(struct view *v, struct buf *out)
{
	const struct model_cell *c = v->t.cell;
	const char *dot = draw_utf8() ? " · " : " - ";
	buf_printf(out, "%s%s%s", c->service->name, dot, c->env->name);
	if (c->tenant)
		buf_printf(out, "%s%s", dot, c->tenant->name);
}

static size_t cell_lines(struct view *v)
{
	struct cell_view *p = v->p;
	if (p->stale)
		rebuild(v);
	return p->nln;
}

static void age(struct view *v, int64_t t, struct buf *out)
{
	if (!t) {
		buf_puts(out, "-");
		return;
	}
	int64_t d = app_now(v->app) - t;
	kube_format_age(out, d > 0 ? d : 0);
}

/* The summary without "service: " in front: this page is about that
 * service already. */
static const char *short_summary(const struct release *r)
{
	const char *name = r->cell->service->name;
	size_t n = strlen(name);
	if (!strncmp(r->summary, name, n) && r->summary[n] == ':' &&
	    r->summary[n + 1] == ' ' && r->summary[n + 2])
		return r->summary + n + 2;
	return r->summary;
}

/* The text of a state line, and the role of its value. */
static void field_text(struct view *v, enum cl_field f, struct buf *out,
		       enum role *r)
{
	const struct model_cell *c = v->t.cell;
	const struct fleet_cell *fc = fleet_cell(c);
	*r = ROLE_NORMAL;
	switch (f) {
	case F_DESIRED:
		if (c->desired.version) {
			buf_puts(out, c->desired.version);
			if (c->desired.source >= 0)
				buf_printf(out, "  from %s",
					   c->files[c->desired.source]);
		} else {
			buf_puts(out, c->desired.error ? c->desired.error
						       : "(none in Git)");
			*r = ROLE_ERROR;
		}
		break;
	case F_LIVE:
		if (!fc || fc->sync == SYNC_UNKNOWN) {
			buf_puts(out, fc && *fc->reason ? fc->reason
							: "(not known yet)");
			*r = ROLE_UNKNOWN;
		} else if (fc->sync == SYNC_MISSING) {
			buf_printf(out, "(no %s/%s in %s)",
				   kube_kind_resource(c->service->kind),
				   c->workload, c->namespace_);
			*r = ROLE_UNKNOWN;
		} else {
			buf_puts(out, fc->live_version ? fc->live_version
						       : "(no version)");
			if (fc->sync == SYNC_OUTOFSYNC) {
				buf_printf(out, "  %s Git %s",
					   draw_sync_glyph(fc->sync),
					   c->desired.version
					       ? c->desired.version
					       : "(none)");
				*r = ROLE_DRIFT;
			}
		}
		break;
	case F_SYNC:
		if (fc) {
			buf_puts(out, sync_name(fc->sync));
			*r = draw_sync_role(fc->sync);
		}
		break;
	case F_HEALTH:
		if (fc) {
			buf_printf(out, "%s %s", draw_health_glyph(fc->health),
				   health_name(fc->health));
			if (*fc->reason)
				buf_printf(out, "  %s", fc->reason);
			*r = draw_health_role(fc->health);
		}
		break;
	case F_IMAGE:
		buf_puts(out, fc && fc->image ? fc->image : "-");
		break;
	case F_REPLICAS:
		if (fc && fc->present)
			buf_printf(out, "%d/%d ready", (int)fc->ready,
				   (int)fc->desired);
		else
			buf_puts(out, "-");
		if (fc && fc->present && fc->ready < fc->desired)
			*r = ROLE_WARNING;
		break;
	case F_WORKLOAD:
		for (const char *k = kube_kind_name(c->service->kind); *k; k++)
			buf_putc(out,
				 *k >= 'A' && *k <= 'Z' ? (char)(*k + 32) : *k);
		buf_printf(out, "/%s in %s on %s", c->workload, c->namespace_,
			   c->env->cluster);
		break;
	case F_TENANT:
		buf_printf(out, "%s (%s)", c->tenant->name, c->tenant->title);
		break;
	case NFIELDS:
		break;
	}
}

static const char *const field_label[NFIELDS] = {
    "Desired (Git)", "Live (cluster)", "Sync",	   "Health",
    "Image",	     "Replicas",       "Workload", "Tenant",
};

static const char *note_text(struct view *v, enum cl_note n, enum role *r)
{
	struct cell_view *p = v->p;
	*r = ROLE_DIM;
	switch (n) {
	case N_NO_CLIENT: {
		struct session *s = app_session(v->app);
		*r = ROLE_ERROR;
		for (size_t i = 0; i < session_nclusters(s); i++) {
			const struct session_cluster *sc =
			    session_cluster(s, i);
			if (!strcmp(sc->context, v->t.cell->env->cluster) &&
			    sc->error)
				return sc->error;
		}
		return "no connection to the cell's cluster";
	}
	case N_PODS_LISTING:
	case N_EVENTS_LISTING:
		return draw_utf8() ? "listing…" : "listing...";
	case N_PODS_ERROR:
	case N_EVENTS_ERROR: {
		/* the error may have cleared since the page was built */
		const char *e = kube_watch_error(
		    n == N_PODS_ERROR ? p->pods_w : p->events_w);
		*r = e ? ROLE_ERROR : ROLE_DIM;
		return e ? e : "reconnected";
	}
	case N_PODS_NONE:
		return "no pods";
	case N_EVENTS_NONE:
		return "no events (the cluster keeps them about an hour)";
	case N_RELS_LOADING:
		return draw_utf8() ? "loading history…" : "loading history...";
	case N_RELS_FAILED:
		*r = ROLE_ERROR;
		return "the history could not be read (the status line says "
		       "why)";
	case N_RELS_NONE:
		return "no release of this cell in the history";
	}
	return "";
}

static void heading_text(struct view *v, enum cl_section s, struct buf *out)
{
	struct cell_view *p = v->p;
	buf_puts(out, headings[s]);
	switch (s) {
	case SEC_STATE:
		buf_puts(out, "  desired (Git) vs live (cluster)");
		break;
	case SEC_PODS:
		if (p->client && kube_watch_synced(p->pods_w))
			buf_printf(out, "  %zu", p->pods.len);
		break;
	case SEC_EVENTS:
		if (p->nevents > p->events.len)
			buf_printf(out, "  newest %zu of %zu", p->events.len,
				   p->nevents);
		else if (p->nevents)
			buf_printf(out, "  %zu", p->nevents);
		break;
	case SEC_RELEASES:
		if (p->rels.len > RELEASES_SHOWN)
			buf_printf(out, "  newest %d of %zu (h: all)",
				   RELEASES_SHOWN, p->rels.len);
		else if (p->rels.len)
			buf_printf(out, "  %zu", p->rels.len);
		break;
	}
}

/* Columns of a row: each (x, width) left to right; the last takes what
 * is left. A width of 0 leaves the column out. */
struct cols {
	int x[6], w[6];
	int n;
};

static void lay(struct cols *c, int width, const int *want, int n, int indent)
{
	int x = indent;
	c->n = n;
	for (int i = 0; i < n; i++) {
		c->x[i] = x;
		int room = width - x;
		c->w[i] = i == n - 1 ? room : want[i] < room ? want[i] : room;
		if (c->w[i] < 0)
			c->w[i] = 0;
		if (c->w[i])
			x += c->w[i] + GAP;
	}
}

/* Pods: NAME READY STATUS RESTARTS AGE; the name gives way first. */
static void pod_cols(struct view *v, int w, struct cols *c, bool *ago)
{
	struct cell_view *p = v->p;
	int rw = p->pod_restarts_w;
	int fixed = 5 + p->pod_status_w + rw + 6 + 4 * GAP;
	/* narrow: "5" rather than "5 (2m ago)" before the name is cut */
	*ago = 2 + p->pod_name_w + GAP + fixed <= w || rw == 8;
	if (!*ago) {
		fixed -= rw - 8;
		rw = 8;
	}
	int nw = p->pod_name_w;
	if (2 + nw + GAP + fixed > w)
		nw = w - 2 - GAP - fixed;
	if (nw < 12)
		nw = 12;
	int want[] = {nw, 5, p->pod_status_w, rw, 6};
	lay(c, w, want, 5, 2);
}

/* Events: AGE [TYPE] REASON OBJECT MESSAGE; TYPE and OBJECT drop when
 * narrow (warnings keep their colour; the events view has it all). */
static void event_cols(struct view *v, int w, struct cols *c, bool *type,
		       bool *object)
{
	struct cell_view *p = v->p;
	*type = w >= 120;
	int cap = w / 4 > 22 ? w / 4 : 22;
	int ow = p->ev_object_w < cap ? p->ev_object_w : cap;
	*object = w >= 72;
	int want[5], n = 0;
	want[n++] = 6;
	if (*type)
		want[n++] = 7;
	want[n++] = p->ev_reason_w;
	if (*object)
		want[n++] = ow;
	want[n++] = 0;
	lay(c, w, want, n, 2);
}

/* Releases: WHEN VERSION WHO MESSAGE. */
static void release_cols(struct view *v, int w, struct cols *c)
{
	struct cell_view *p = v->p;
	int want[] = {10, p->rel_ver_w, p->rel_who_w, 0};
	lay(c, w, want, 4, 2);
}

static void put(struct view *v, int y, const struct cols *c, int i, enum role r,
		const char *s)
{
	if (i < c->n && c->w[i] > 0)
		draw_text_hl(y, c->x[i], c->w[i], r, s, strlen(s), v->search,
			     0);
}

static void pod_restarts(struct view *v, const struct cpod *pod, bool ago,
			 struct buf *out)
{
	buf_printf(out, "%d", (int)pod->restarts);
	if (ago && pod->restarts && pod->last_restart) {
		buf_puts(out, " (");
		age(v, pod->last_restart, out);
		buf_puts(out, " ago)");
	}
}

static enum role pod_role(const struct cpod *pod)
{
	if (!strcmp(pod->status, "Running"))
		return pod->ready < pod->total ? ROLE_PROGRESSING : ROLE_OK;
	if (!strcmp(pod->status, "Completed") ||
	    !strcmp(pod->status, "ContainerCreating") ||
	    !strcmp(pod->status, "Pending") ||
	    !strcmp(pod->status, "Terminating") ||
	    str_has_prefix(pod->status, "Init:") ||
	    !strcmp(pod->status, "PodInitializing"))
		return ROLE_PROGRESSING;
	return ROLE_DEGRADED;
}

static void cell_line(struct view *v, size_t i, int y, int w)
{
	struct cell_view *p = v->p;
	const struct cline *l = &p->ln[i];
	struct buf b = BUF_INIT, t = BUF_INIT;
	struct cols c;
	bool ago;
	switch (l->kind) {
	case CL_BLANK:
		break;
	case CL_HEADING:
		heading_text(v, (enum cl_section)l->idx, &b);
		draw_text_hl(y, 1, w - 1, ROLE_TITLE, b.data, b.len, v->search,
			     0);
		break;
	case CL_FIELD: {
		enum role r;
		field_text(v, (enum cl_field)l->idx, &b, &r);
		draw_str(y, 2, LABEL_W, ROLE_DIM, field_label[l->idx]);
		draw_text_hl(y, 2 + LABEL_W, w - 2 - LABEL_W, r, b.data, b.len,
			     v->search, 0);
		break;
	}
	case CL_COLUMNS:
		pod_cols(v, w, &c, &ago);
		for (int k = 0; k < 5; k++)
			put(v, y, &c, k, ROLE_DIM, pod_titles[k]);
		break;
	case CL_POD: {
		const struct cpod *pod = p->pods.items[l->idx];
		pod_cols(v, w, &c, &ago);
		put(v, y, &c, 0, ROLE_NORMAL, pod->name);
		buf_printf(&b, "%d/%d", (int)pod->ready, (int)pod->total);
		put(v, y, &c, 1,
		    pod->ready < pod->total ? ROLE_WARNING : ROLE_NORMAL,
		    buf_str(&b));
		put(v, y, &c, 2, pod_role(pod), pod->status);
		buf_clear(&b);
		pod_restarts(v, pod, ago, &b);
		put(v, y, &c, 3, pod->restarts ? ROLE_WARNING : ROLE_NORMAL,
		    buf_str(&b));
		buf_clear(&b);
		age(v, pod->created, &b);
		put(v, y, &c, 4, ROLE_DIM, buf_str(&b));
		break;
	}
	case CL_EVENT: {
		const struct cevent *e = p->events.items[l->idx];
		bool warn = !strcmp(e->type, "Warning"), type, object;
		enum role r = warn ? ROLE_WARNING : ROLE_NORMAL;
		event_cols(v, w, &c, &type, &object);
		int k = 0;
		age(v, e->when, &b);
		put(v, y, &c, k++, ROLE_DIM, buf_str(&b));
		if (type)
			put(v, y, &c, k++, r, e->type);
		put(v, y, &c, k++, r, e->reason);
		if (object)
			put(v, y, &c, k++, ROLE_DIM, e->object);
		buf_clear(&b);
		buf_puts(&b, e->message);
		if (e->count > 1)
			buf_printf(&b, " (x%d)", (int)e->count);
		put(v, y, &c, k, r, buf_str(&b));
		break;
	}
	case CL_RELEASE: {
		const struct release *r = p->rels.items[l->idx];
		release_cols(v, w, &c);
		kube_format_time(&t, r->time);
		if (t.len > 10)
			t.data[10] = '\0';
		put(v, y, &c, 0, ROLE_DIM, buf_str(&t));
		buf_printf(&b, "%s %s %s",
			   r->old_version ? r->old_version : "-", arrow(),
			   r->new_version ? r->new_version : "-");
		put(v, y, &c, 1, ROLE_NORMAL, buf_str(&b));
		put(v, y, &c, 2, ROLE_NORMAL, r->author);
		put(v, y, &c, 3, ROLE_NORMAL, short_summary(r));
		break;
	}
	case CL_NOTE: {
		enum role r;
		const char *s = note_text(v, (enum cl_note)l->idx, &r);
		draw_text(y, 2, w - 2, r, s, strlen(s));
		break;
	}
	}
	buf_free(&t);
	buf_free(&b);
}

static void cell_text(struct view *v, size_t i, struct buf *out)
{
	struct cell_view *p = v->p;
	const struct cline *l = &p->ln[i];
	switch (l->kind) {
	case CL_BLANK:
	case CL_COLUMNS:
		break;
	case CL_HEADING:
		heading_text(v, (enum cl_section)l->idx, out);
		break;
	case CL_FIELD: {
		enum role r;
		buf_printf(out, "%s ", field_label[l->idx]);
		field_text(v, (enum cl_field)l->idx, out, &r);
		break;
	}
	case CL_POD: {
		const struct cpod *pod = p->pods.items[l->idx];
		buf_printf(out, "%s %d/%d %s ", pod->name, (int)pod->ready,
			   (int)pod->total, pod->status);
		pod_restarts(v, pod, true, out);
		break;
	}
	case CL_EVENT: {
		const struct cevent *e = p->events.items[l->idx];
		buf_printf(out, "%s %s %s %s %s", e->type, e->reason, e->object,
			   e->obj_name, e->message);
		break;
	}
	case CL_RELEASE: {
		const struct release *r = p->rels.items[l->idx];
		kube_format_time(out, r->time);
		buf_printf(out, " %s %s %s %s %s",
			   r->old_version ? r->old_version : "-", arrow(),
			   r->new_version ? r->new_version : "-", r->author,
			   r->summary);
		break;
	}
	case CL_NOTE: {
		enum role r;
		buf_puts(out, note_text(v, (enum cl_note)l->idx, &r));
		break;
	}
	}
}

/* Enter on a section's heading (or its column titles): its own view. */
static const struct view_ops *section_view(enum cl_section s)
{
	switch (s) {
	case SEC_PODS:
		return &view_pods;
	case SEC_EVENTS:
		return &view_events;
	case SEC_RELEASES:
		return &view_history;
	default:
		return NULL;
	}
}

static unsigned cell_request(struct view *v, enum action a)
{
	struct cell_view *p = v->p;
	struct model_cell *c = v->t.cell;
	struct view_target t = {
	    .cell = c, .service = c->service, .env = c->env};
	size_t i;
	switch (a) {
	case ACT_ENTER: {
		if (!view_current(v, &i) || i >= p->nln)
			return VIEW_HANDLED;
		const struct cline *l = &p->ln[i];
		const struct view_ops *ops = NULL;
		if (l->kind == CL_POD) {
			t.pod = ((struct cpod *)p->pods.items[l->idx])->name;
			ops = &view_pod;
		} else if (l->kind == CL_RELEASE) {
			t.release = p->rels.items[l->idx];
			ops = &view_diff;
		} else if (l->kind == CL_EVENT) {
			ops = &view_events;
		} else if (l->kind == CL_HEADING || l->kind == CL_COLUMNS) {
			ops = section_view((enum cl_section)l->idx);
		}
		if (ops)
			app_push(v->app, ops, &t); /* copies t.pod */
		return VIEW_HANDLED;
	}
	case ACT_VIEW_DIFF_ENV:
		view_diff_ask_env(v->app, c);
		return VIEW_HANDLED;
	default:
		return VIEW_UNHANDLED; /* p/l/e/h/d: the dispatcher */
	}
}

static bool cell_changed(struct view *v, unsigned what, struct model_cell *cell)
{
	struct cell_view *p = v->p;
	if (what & SESSION_CHANGED_RELEASES) {
		/* told, and still nothing: the walk failed */
		struct vec rels = VEC_INIT;
		p->rels_failed =
		    !session_releases(app_session(v->app), v->t.cell, &rels);
		vec_free(&rels, NULL);
		p->stale = true;
		return true;
	}
	return cell == v->t.cell;
}

const struct view_ops view_cell = {
    .name = "cell",
    .keys = KEYCTX_CELL,
    .open = cell_open,
    .close = cell_close,
    .title = cell_title,
    .lines = cell_lines,
    .line = cell_line,
    .text = cell_text,
    .request = cell_request,
    .focus = view_cell_focus,
    .changed = cell_changed,
};
