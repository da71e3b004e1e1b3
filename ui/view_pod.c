/*
 * The pod view: everything about one pod in one searchable list — a
 * summary (status as kubectl prints it, phase, node, IP, start, QoS,
 * owner), its containers (image, state with reason and exit code, ready,
 * restarts, last state), its conditions, its events (newest first), and
 * the live manifest as YAML.
 *
 * Data flow: three sources, each owning one section of lines that is
 * rebuilt only when that source changes, never per frame.
 *   - The cell's pod watch (the one the pods view uses, so the reflector is
 *     shared): a change of this pod rebuilds the summary, containers and
 *     conditions from the compact object; a deletion keeps the last state
 *     and says so at the top.
 *   - The namespace's event watch (shared with the events view), kept to
 *     the events whose involved object is this pod, copied compactly.
 *   - The manifest, fetched with kube_get and written as YAML
 *     (base/yamlout.h). It is fetched again when the watch reports a
 *     resourceVersion the shown manifest does not have: at most one
 *     request is in flight, and a change seen meanwhile fetches once more
 *     after it, so the view stays live without polling.
 * Only pods are fetched (never a Secret the pod refers to); env values in
 * the manifest are shown as the API returns them. Ages are computed at
 * draw time, so they do not need a rebuild.
 *
 * Keys: l opens the logs of this pod — of the container under the cursor
 * when the cursor is in a container's lines (target()); c (the container
 * action) or Enter on a container opens that container's logs; Left and
 * Right scroll long lines sideways.
 */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/yamlout.h"
#include "kube/reflector.h"
#include "model/fleet.h"
#include "ui/app.h"
#include "ui/draw.h"
#include "ui/view.h"

#define MAX_EVENTS 200 /* newest kept per pod */
#define LABEL_W	   13  /* the summary's label column */
#define DETAIL_W   17  /* a container's details' label column */

enum { SEC_POD, SEC_EVENTS, SEC_YAML, NSEC };
enum { PL_TEXT, PL_HEADING };
enum { AGE_NONE, AGE_PREFIX, AGE_SUFFIX };

/* One line: up to three segments, each in its role; the ages are added
 * at draw time (before the text, or after it as " (5m ago)"). */
struct pline {
	char *text;
	size_t e1, e2; /* [0,e1) r0, [e1,e2) r1, [e2,len) r2 */
	unsigned char r0, r1, r2;
	unsigned char kind, age;
	int container; /* index into cnames, -1: none */
	int64_t t;     /* for the age */
};

/* An event of this pod, copied. */
struct pev {
	char *name; /* the Event object's name */
	char *type, *reason, *message;
	int32_t count;
	int64_t last, first;
};

struct pod_view {
	struct kube_client *client;
	const char *no_client;
	struct kube_watch *pw, *ew;
	bool seen, deleted;
	int64_t deleted_at;
	struct vec sec[NSEC]; /* struct pline * */
	struct vec cnames;    /* char *: the containers, for container lines */
	struct vec evs;	      /* struct pev *, newest first */
	/* the manifest */
	struct kube_req *req;
	struct loop_timer *kick; /* a fetch about to start */
	bool again;		 /* the pod changed while a fetch was out */
	char *want_rv, *have_rv;
	char *yaml_err;
	char *qos;
	int64_t fetched_at;
};

static struct pod_view *pv(struct view *v)
{
	return v->p;
}

/* ---- lines --------------------------------------------------------------- */

static void pline_free(void *x)
{
	struct pline *l = x;
	free(l->text);
	free(l);
}

static struct pline *add3(struct vec *sec, enum role r0, const char *a,
			  enum role r1, const char *b, enum role r2,
			  const char *c)
{
	struct pline *l = xcalloc(1, sizeof *l);
	struct buf t = BUF_INIT;
	buf_puts(&t, a ? a : "");
	l->e1 = t.len;
	buf_puts(&t, b ? b : "");
	l->e2 = t.len;
	buf_puts(&t, c ? c : "");
	l->text = buf_detach(&t);
	l->r0 = (unsigned char)r0;
	l->r1 = (unsigned char)r1;
	l->r2 = (unsigned char)r2;
	l->container = -1;
	vec_push(sec, l);
	return l;
}

static struct pline *add_text(struct vec *sec, enum role r, const char *s)
{
	return add3(sec, r, s, r, NULL, r, NULL);
}

static void add_heading(struct vec *sec, const char *s)
{
	add_text(sec, ROLE_TITLE, s)->kind = PL_HEADING;
}

/* "  Label        value" (the value in role r, then rest dimmed); the
 * label padded to width columns. */
static struct pline *add_field_w(struct vec *sec, int width, const char *label,
				 enum role r, const char *value,
				 const char *rest)
{
	struct buf l = BUF_INIT;
	buf_printf(&l, "  %-*s ", width - 3, label);
	struct pline *pl =
	    add3(sec, ROLE_DIM, buf_str(&l), r, value, ROLE_DIM, rest);
	buf_free(&l);
	return pl;
}

static struct pline *add_field(struct vec *sec, const char *label, enum role r,
			       const char *value, const char *rest)
{
	return add_field_w(sec, LABEL_W, label, r, value, rest);
}

/* A line of container idx's details; t: a time to show the age of. */
static void add_detail(struct vec *sec, int idx, const char *label, enum role r,
		       const char *value, int64_t t)
{
	struct buf l = BUF_INIT;
	buf_printf(&l, "    %s", label);
	struct pline *pl =
	    add_field_w(sec, DETAIL_W, buf_str(&l), r, value, NULL);
	buf_free(&l);
	pl->container = idx;
	if (t) {
		pl->age = AGE_SUFFIX;
		pl->t = t;
	}
}

static size_t total_lines(struct pod_view *p)
{
	return p->sec[SEC_POD].len + p->sec[SEC_EVENTS].len +
	       p->sec[SEC_YAML].len;
}

static struct pline *line_at(struct pod_view *p, size_t i)
{
	for (int s = 0; s < NSEC; s++) {
		if (i < p->sec[s].len)
			return p->sec[s].items[i];
		i -= p->sec[s].len;
	}
	return NULL;
}

/* Put new lines in place of section s, keeping the cursor (and the top
 * line) on the same content when the section is above it. */
static void replace_section(struct view *v, int s, struct vec *lines)
{
	struct pod_view *p = pv(v);
	size_t start = 0;
	for (int k = 0; k < s; k++)
		start += p->sec[k].len;
	size_t old_len = p->sec[s].len, new_len = lines->len, cur = 0;
	bool had = view_current(v, &cur);
	vec_free(&p->sec[s], pline_free);
	p->sec[s] = *lines;
	*lines = (struct vec)VEC_INIT;
	if (v->filter)
		view_refilter(v);
	/* a cursor on the first line stays there: the sections fill in
	 * after the view opens */
	if (!had || cur == 0)
		return;
	size_t end = start + old_len;
	if (cur >= end) {
		if (!v->filter && v->top >= end)
			v->top = v->top - old_len + new_len;
		view_select(v, cur - old_len + new_len);
	} else if (cur >= start && new_len && cur >= start + new_len) {
		view_select(v, start + new_len - 1);
	} else if (v->filter) {
		view_select(v, cur);
	}
}

/* ---- the pod's sections -------------------------------------------------- */

static const char *cstate_name(enum kube_cstate s)
{
	switch (s) {
	case KUBE_CSTATE_WAITING:
		return "waiting";
	case KUBE_CSTATE_RUNNING:
		return "running";
	case KUBE_CSTATE_TERMINATED:
		return "terminated";
	default:
		return "unknown";
	}
}

static bool bad_reason(const char *r)
{
	return strstr(r, "BackOff") || strstr(r, "Err") ||
	       strstr(r, "Invalid") || strstr(r, "OOMKilled") ||
	       strstr(r, "CannotRun") || strstr(r, "Error");
}

static enum role status_role(const char *st, const struct kube_pod *pod)
{
	if (!strcmp(st, "Running"))
		return pod->ready_count < pod->total ? ROLE_PROGRESSING
						     : ROLE_OK;
	if (!strcmp(st, "Completed") || !strcmp(st, "Succeeded"))
		return ROLE_DIM;
	if (bad_reason(st) || strstr(st, "Evicted") || strstr(st, "Failed") ||
	    strstr(st, "NodeLost") || strstr(st, "Unknown") ||
	    strstr(st, "Signal:") || strstr(st, "ExitCode:") ||
	    strstr(st, "NotReady") || strstr(st, "DeadlineExceeded"))
		return ROLE_DEGRADED;
	return ROLE_PROGRESSING;
}

static enum role container_role(const struct kube_container *k)
{
	switch (k->state) {
	case KUBE_CSTATE_RUNNING:
		return k->ready || k->init ? ROLE_OK : ROLE_PROGRESSING;
	case KUBE_CSTATE_WAITING:
		return bad_reason(k->reason) ? ROLE_DEGRADED : ROLE_PROGRESSING;
	case KUBE_CSTATE_TERMINATED:
		return k->exit_code == 0 && !strcmp(k->reason, "Completed")
			   ? ROLE_DIM
		       : k->exit_code == 0 ? ROLE_NORMAL
					   : ROLE_DEGRADED;
	default:
		return ROLE_UNKNOWN;
	}
}

/* "waiting: CrashLoopBackOff", "terminated: Error (exit code 1)". */
static void state_text(struct buf *b, enum kube_cstate s, const char *reason,
		       int32_t exit_code, int32_t sig)
{
	buf_puts(b, cstate_name(s));
	if (*reason)
		buf_printf(b, ": %s", reason);
	if (s == KUBE_CSTATE_TERMINATED) {
		buf_printf(b, " (exit code %d", (int)exit_code);
		if (sig)
			buf_printf(b, ", signal %d", (int)sig);
		buf_putc(b, ')');
	}
}

static void build_containers(struct view *v, const struct kube_obj *o,
			     struct vec *sec)
{
	struct pod_view *p = pv(v);
	const struct kube_pod *pod = &o->u.pod;
	vec_free(&p->cnames, free);
	struct buf b = BUF_INIT, c = BUF_INIT;
	buf_printf(&b, "CONTAINERS (%u)", (unsigned)pod->ncontainers);
	add_heading(sec, buf_str(&b));
	int namew = 4;
	for (uint32_t i = 0; i < pod->ncontainers; i++) {
		int n = (int)strlen(pod->containers[i].name);
		namew = n > namew ? n : namew;
	}
	namew = namew > 30 ? 30 : namew;
	for (uint32_t i = 0; i < pod->ncontainers; i++) {
		const struct kube_container *k = &pod->containers[i];
		int idx = (int)p->cnames.len;
		vec_push(&p->cnames, xstrdup(k->name));
		buf_clear(&b);
		buf_printf(&b, "  %-*s  ", namew, k->name);
		buf_clear(&c);
		if (k->status_pos)
			state_text(&c, k->state, k->reason, k->exit_code,
				   k->signal);
		else
			buf_puts(&c, "no status yet");
		struct buf rest = BUF_INIT;
		buf_printf(&rest, "   %s   restarts %d%s%s",
			   k->ready ? "ready" : "not ready", (int)k->restarts,
			   k->sidecar ? "   (sidecar)"
			   : k->init  ? "   (init)"
				      : "",
			   "");
		struct pline *l =
		    add3(sec, ROLE_NORMAL, buf_str(&b), container_role(k),
			 buf_str(&c),
			 k->ready || !k->status_pos ? ROLE_DIM : ROLE_WARNING,
			 buf_str(&rest));
		l->container = idx;
		buf_free(&rest);
		/* the details, under the container (the cursor on any of
		 * them still means this container) */
		add_detail(sec, idx, "image", ROLE_NORMAL, k->image, 0);
		if ((k->state == KUBE_CSTATE_WAITING ||
		     k->state == KUBE_CSTATE_TERMINATED) &&
		    *k->message)
			add_detail(sec, idx, "message", ROLE_NORMAL, k->message,
				   0);
		if (k->started_at) {
			buf_clear(&c);
			kube_format_time(&c, k->started_at);
			add_detail(sec, idx, "started", ROLE_NORMAL,
				   buf_str(&c), k->started_at);
		}
		if (k->state == KUBE_CSTATE_TERMINATED && k->finished_at) {
			buf_clear(&c);
			kube_format_time(&c, k->finished_at);
			add_detail(sec, idx, "finished", ROLE_NORMAL,
				   buf_str(&c), k->finished_at);
		}
		if (k->last_state) {
			buf_clear(&c);
			state_text(&c, k->last_state, k->last_reason,
				   k->last_exit_code, 0);
			if (k->last_finished_at) {
				buf_puts(&c, ", finished ");
				kube_format_time(&c, k->last_finished_at);
			}
			add_detail(sec, idx, "last state",
				   k->last_exit_code ? ROLE_WARNING
						     : ROLE_NORMAL,
				   buf_str(&c), k->last_finished_at);
		}
	}
	buf_free(&b);
	buf_free(&c);
}

static void build_conditions(const struct kube_obj *o, struct vec *sec)
{
	const struct kube_pod *pod = &o->u.pod;
	add_heading(sec, "CONDITIONS");
	if (!pod->nconditions) {
		add_text(sec, ROLE_DIM, "  (none reported)");
		return;
	}
	struct buf a = BUF_INIT, b = BUF_INIT, c = BUF_INIT;
	for (uint32_t i = 0; i < pod->nconditions; i++) {
		const struct kube_condition *k = &pod->conditions[i];
		buf_clear(&a);
		buf_clear(&b);
		buf_clear(&c);
		buf_printf(&a, "  %-26s ", k->type);
		buf_printf(&b, "%-7s", k->status);
		if (*k->reason)
			buf_printf(&c, " %s", k->reason);
		if (*k->message)
			buf_printf(&c, "%s%s", *k->reason ? ": " : " ",
				   k->message);
		enum role r = !strcmp(k->status, "True")    ? ROLE_OK
			      : !strcmp(k->status, "False") ? ROLE_WARNING
							    : ROLE_UNKNOWN;
		struct pline *l = add3(sec, ROLE_NORMAL, buf_str(&a), r,
				       buf_str(&b), ROLE_NORMAL, buf_str(&c));
		if (k->last_transition) {
			l->age = AGE_SUFFIX;
			l->t = k->last_transition;
		}
	}
	buf_free(&a);
	buf_free(&b);
	buf_free(&c);
}

static void build_pod(struct view *v, const struct kube_obj *o)
{
	struct pod_view *p = pv(v);
	struct vec sec = VEC_INIT;
	const struct kube_pod *pod = &o->u.pod;
	struct buf b = BUF_INIT;
	add_heading(&sec, "SUMMARY");
	kobj_pod_status(&b, o);
	add_field(&sec, "Status", status_role(buf_str(&b), pod), buf_str(&b),
		  NULL);
	if (o->deleted) {
		buf_clear(&b);
		kube_format_time(&b, o->deleted);
		struct pline *l = add_field(&sec, "Terminating", ROLE_WARNING,
					    "since ", buf_str(&b));
		l->age = AGE_SUFFIX;
		l->t = o->deleted;
	}
	add_field(&sec, "Phase", ROLE_NORMAL, pod->phase, NULL);
	if (*pod->reason || *pod->message) {
		buf_clear(&b);
		buf_printf(&b, "%s%s%s", pod->reason,
			   *pod->reason && *pod->message ? ": " : "",
			   pod->message);
		add_field(&sec, "Reason", ROLE_WARNING, buf_str(&b), NULL);
	}
	buf_clear(&b);
	buf_printf(&b, "%d/%d", (int)pod->ready_count, (int)pod->total);
	add_field(&sec, "Ready",
		  pod->ready_count < pod->total ? ROLE_WARNING : ROLE_OK,
		  buf_str(&b), NULL);
	buf_clear(&b);
	buf_printf(&b, "%d", (int)pod->restarts);
	struct pline *rl = add_field(&sec, "Restarts",
				     pod->restarts ? ROLE_WARNING : ROLE_NORMAL,
				     buf_str(&b), NULL);
	/* the latest restart, as kubectl's RESTARTS column dates it */
	for (uint32_t i = 0; pod->restarts && i < pod->ncontainers; i++) {
		const struct kube_container *k = &pod->containers[i];
		if (k->last_state == KUBE_CSTATE_TERMINATED &&
		    k->last_finished_at > rl->t) {
			rl->age = AGE_SUFFIX;
			rl->t = k->last_finished_at;
		}
	}
	add_field(&sec, "Node", ROLE_NORMAL, *pod->node ? pod->node : "<none>",
		  NULL);
	add_field(&sec, "IP", ROLE_NORMAL, *pod->ip ? pod->ip : "<none>", NULL);
	if (pod->start_time) {
		buf_clear(&b);
		kube_format_time(&b, pod->start_time);
		struct pline *l =
		    add_field(&sec, "Started", ROLE_NORMAL, buf_str(&b), NULL);
		l->age = AGE_SUFFIX;
		l->t = pod->start_time;
	}
	if (p->qos)
		add_field(&sec, "QoS", ROLE_NORMAL, p->qos, NULL);
	if (*o->owner_kind) {
		buf_clear(&b);
		buf_printf(&b, "%s/%s", o->owner_kind, o->owner_name);
		add_field(&sec, "Owner", ROLE_NORMAL, buf_str(&b), NULL);
	}
	if (*pod->restart_policy)
		add_field(&sec, "Restart", ROLE_NORMAL, pod->restart_policy,
			  " (restart policy)");
	buf_clear(&b);
	for (uint32_t i = 0; i < o->nlabels; i++)
		buf_printf(&b, "%s%s=%s", i ? ", " : "", o->labels[i].key,
			   o->labels[i].value);
	if (o->nlabels)
		add_field(&sec, "Labels", ROLE_NORMAL, buf_str(&b), NULL);
	add_text(&sec, ROLE_NORMAL, "");
	build_containers(v, o, &sec);
	add_text(&sec, ROLE_NORMAL, "");
	build_conditions(o, &sec);
	add_text(&sec, ROLE_NORMAL, "");
	buf_free(&b);
	replace_section(v, SEC_POD, &sec);
}

/* ---- events -------------------------------------------------------------- */

static void pev_free(void *x)
{
	struct pev *e = x;
	free(e->name);
	free(e->type);
	free(e->reason);
	free(e->message);
	free(e);
}

static int pev_cmp(const struct pev *a, const struct pev *b)
{
	if (a->last != b->last)
		return a->last > b->last ? -1 : 1;
	if (a->first != b->first)
		return a->first > b->first ? -1 : 1;
	return strcmp(a->name, b->name);
}

static void build_events(struct view *v)
{
	struct pod_view *p = pv(v);
	struct vec sec = VEC_INIT;
	struct buf b = BUF_INIT, c = BUF_INIT;
	buf_printf(&b, "EVENTS (%zu)", p->evs.len);
	const char *err = p->ew ? kube_watch_error(p->ew) : NULL;
	if (err)
		buf_printf(&b, " — %s", err);
	add_heading(&sec, buf_str(&b));
	if (!p->evs.len)
		add_text(&sec, ROLE_DIM,
			 p->ew && !kube_watch_synced(p->ew) ? "  (listing…)"
							    : "  (none)");
	for (size_t i = 0; i < p->evs.len; i++) {
		const struct pev *e = p->evs.items[i];
		bool warn = !strcmp(e->type, "Warning");
		buf_clear(&b);
		buf_clear(&c);
		buf_printf(&b, "%-8s %-20s ", e->type, e->reason);
		if (e->count > 1)
			buf_printf(&b, "x%-4d ", (int)e->count);
		else
			buf_puts(&b, "      ");
		buf_puts(&c, e->message);
		struct pline *l =
		    add3(&sec, ROLE_NORMAL, "", warn ? ROLE_WARNING : ROLE_DIM,
			 buf_str(&b), ROLE_NORMAL, buf_str(&c));
		l->age = AGE_PREFIX;
		l->t = e->last ? e->last : e->first;
	}
	add_text(&sec, ROLE_NORMAL, "");
	buf_free(&b);
	buf_free(&c);
	replace_section(v, SEC_EVENTS, &sec);
}

static bool about_pod(struct view *v, const struct kube_obj *o)
{
	return !strcmp(o->u.event.obj_name, v->t.pod) &&
	       (!*o->u.event.obj_kind || !strcmp(o->u.event.obj_kind, "Pod"));
}

static void events_changed(void *arg, enum watch_type type,
			   const struct kube_obj *old,
			   const struct kube_obj *obj)
{
	(void)old;
	struct view *v = arg;
	struct pod_view *p = pv(v);
	if (!about_pod(v, obj))
		return;
	for (size_t i = 0; i < p->evs.len; i++) {
		struct pev *e = p->evs.items[i];
		if (!strcmp(e->name, obj->name)) {
			pev_free(vec_remove(&p->evs, i));
			break;
		}
	}
	if (type != WATCH_DELETED) {
		const struct kube_event *ev = &obj->u.event;
		struct pev *e = xcalloc(1, sizeof *e);
		e->name = xstrdup(obj->name);
		e->type = xstrdup(ev->type);
		e->reason = xstrdup(ev->reason);
		e->message = xstrdup(ev->message);
		e->count = ev->count;
		e->first = ev->first_time ? ev->first_time : obj->created;
		e->last = ev->last_time ? ev->last_time : e->first;
		size_t at = 0;
		while (at < p->evs.len && pev_cmp(p->evs.items[at], e) < 0)
			at++;
		vec_insert(&p->evs, at, e);
		while (p->evs.len > MAX_EVENTS)
			pev_free(vec_pop(&p->evs));
	}
	build_events(v);
	app_dirty(v->app);
}

static void events_synced(void *arg)
{
	struct view *v = arg;
	build_events(v);
	app_dirty(v->app);
}

static void events_error(void *arg, const char *message)
{
	(void)message;
	struct view *v = arg;
	build_events(v);
	app_dirty(v->app);
}

/* ---- the manifest -------------------------------------------------------- */

static void build_yaml(struct view *v, const char *yaml)
{
	struct pod_view *p = pv(v);
	struct vec sec = VEC_INIT;
	struct buf b = BUF_INIT;
	buf_puts(&b, "MANIFEST");
	if (p->fetched_at) {
		buf_puts(&b, " (as fetched ");
		kube_format_time(&b, p->fetched_at);
		buf_puts(&b,
			 p->deleted ? ", before the pod was deleted)" : ")");
	}
	if (p->yaml_err)
		buf_printf(&b, " — %s", p->yaml_err);
	else if ((p->req || p->kick) && !p->fetched_at)
		buf_puts(&b, " (fetching…)");
	add_heading(&sec, buf_str(&b));
	buf_free(&b);
	if (yaml) {
		for (const char *s = yaml; *s;) {
			const char *nl = strchr(s, '\n');
			size_t n = nl ? (size_t)(nl - s) : strlen(s);
			struct buf l = BUF_INIT;
			buf_puts(&l, "  ");
			buf_append(&l, s, n);
			add_text(&sec, ROLE_NORMAL, buf_str(&l));
			buf_free(&l);
			s += n + (nl ? 1 : 0);
		}
		replace_section(v, SEC_YAML, &sec);
		return;
	}
	/* a new heading over the lines already there */
	for (size_t i = 1; i < p->sec[SEC_YAML].len; i++) {
		struct pline *old = p->sec[SEC_YAML].items[i];
		add_text(&sec, ROLE_NORMAL, old->text);
	}
	replace_section(v, SEC_YAML, &sec);
}

static void fetch_soon(struct view *v);

static void got_manifest(struct kube_client *c, const struct kube_response *r,
			 void *arg)
{
	(void)c;
	struct view *v = arg;
	struct pod_view *p = pv(v);
	p->req = NULL;
	free(p->yaml_err);
	p->yaml_err = NULL;
	if (r->code == ST_OK && json_is_object(r->json)) {
		const char *rv = json_string_value(json_object_get(
		    json_object_get(r->json, "metadata"), "resourceVersion"));
		free(p->have_rv);
		p->have_rv = xstrdup(rv ? rv : "");
		const char *qos = json_string_value(json_object_get(
		    json_object_get(r->json, "status"), "qosClass"));
		bool new_qos = qos && (!p->qos || strcmp(p->qos, qos));
		if (new_qos) {
			free(p->qos);
			p->qos = xstrdup(qos);
		}
		p->fetched_at = app_now(v->app);
		struct buf y = BUF_INIT;
		yaml_emit(r->json, &y);
		build_yaml(v, buf_str(&y));
		buf_free(&y);
		if (new_qos && p->pw) {
			const struct kube_obj *o = kube_watch_get(
			    p->pw, v->t.cell->namespace_, v->t.pod);
			if (o)
				build_pod(v, o);
		}
	} else {
		p->yaml_err = xstrdup(r->message && *r->message
					  ? r->message
					  : "the manifest could not be read");
		build_yaml(v, NULL);
	}
	if (p->again) {
		p->again = false;
		if (p->want_rv &&
		    (!p->have_rv || strcmp(p->want_rv, p->have_rv)))
			fetch_soon(v);
	}
	app_dirty(v->app);
}

static void fetch(struct view *v)
{
	struct pod_view *p = pv(v);
	if (!p->client || p->req)
		return;
	struct buf path = BUF_INIT;
	buf_puts(&path, "/api/v1/namespaces/");
	kube_query_escape(&path, v->t.cell->namespace_);
	buf_puts(&path, "/pods/");
	kube_query_escape(&path, v->t.pod);
	p->req = kube_get(p->client, buf_str(&path), got_manifest, v);
	buf_free(&path);
}

static void fetch_due(struct loop *l, void *arg)
{
	(void)l;
	struct view *v = arg;
	pv(v)->kick = NULL;
	fetch(v);
}

/* Start the fetch from the loop rather than from inside a watch
 * callback: a transfer cannot be added to libcurl from within another
 * transfer's callback. */
static void fetch_soon(struct view *v)
{
	struct pod_view *p = pv(v);
	if (!p->kick && !p->req && p->client)
		p->kick = loop_timer_add(app_loop(v->app), 0, fetch_due, v);
}

/* The watch saw resourceVersion rv of the pod: fetch the manifest unless
 * it is the one shown, or once more after the fetch in flight. */
static void pod_moved(struct view *v, const char *rv)
{
	struct pod_view *p = pv(v);
	free(p->want_rv);
	p->want_rv = xstrdup(rv);
	if (p->req)
		p->again = true;
	else if (!p->have_rv || strcmp(p->want_rv, p->have_rv))
		fetch_soon(v);
}

/* ---- the pod watch ------------------------------------------------------- */

static void pod_changed(void *arg, enum watch_type type,
			const struct kube_obj *old, const struct kube_obj *obj)
{
	(void)old;
	struct view *v = arg;
	struct pod_view *p = pv(v);
	if (strcmp(obj->name, v->t.pod))
		return;
	if (type == WATCH_DELETED) {
		p->deleted = true;
		p->deleted_at = app_now(v->app);
		build_pod(v, obj);
		build_yaml(v, NULL);
	} else {
		bool back = p->deleted;
		p->deleted = false;
		p->seen = true;
		build_pod(v, obj);
		if (back)
			build_yaml(v, NULL);
		pod_moved(v, obj->resource_version);
	}
	app_dirty(v->app);
}

/* ---- open and close ------------------------------------------------------ */

static bool pod_open(struct view *v)
{
	struct model_cell *c = v->t.cell;
	if (!c || !v->t.pod) {
		app_message(v->app, ROLE_MESSAGE, "pod: choose a pod first");
		return false;
	}
	struct pod_view *p = xcalloc(1, sizeof *p);
	v->p = p;
	struct session *s = app_session(v->app);
	p->client = session_client(s, c->env->cluster);
	if (!p->client) {
		p->no_client = "no connection to this cluster";
		for (size_t i = 0; i < session_nclusters(s); i++) {
			const struct session_cluster *sc =
			    session_cluster(s, i);
			if (!strcmp(sc->context, c->env->cluster) && sc->error)
				p->no_client = sc->error;
		}
		return true;
	}
	/* the pods view's watch, so that the reflector is shared */
	const struct fleet_cell *fc = fleet_cell(c);
	struct kube_watch_spec ps = {
	    .kind = KUBE_POD,
	    .namespace_ = c->namespace_,
	    .label_selector =
		fc && fc->selector && *fc->selector ? fc->selector : NULL,
	};
	static const struct kube_watch_ops pops = {
	    .changed = pod_changed,
	    .synced = view_watch_synced,
	    .error = view_watch_error,
	};
	p->pw = kube_watch(p->client, &ps, &pops, v);
	struct kube_watch_spec es = {.kind = KUBE_EVENT,
				     .namespace_ = c->namespace_};
	static const struct kube_watch_ops eops = {
	    .changed = events_changed,
	    .synced = events_synced,
	    .error = events_error,
	};
	p->ew = kube_watch(p->client, &es, &eops, v);
	/* a reflector that is already listed shows the pod at once; its
	 * catch-up arrives a moment later */
	const struct kube_obj *o =
	    kube_watch_get(p->pw, c->namespace_, v->t.pod);
	if (o) {
		p->seen = true;
		build_pod(v, o);
	}
	build_events(v);
	fetch_soon(v);
	build_yaml(v, NULL);
	return true;
}

static void pod_close(struct view *v)
{
	struct pod_view *p = pv(v);
	kube_unwatch(p->pw);
	kube_unwatch(p->ew);
	if (p->req)
		kube_request_cancel(p->req);
	loop_timer_cancel(p->kick);
	for (int s = 0; s < NSEC; s++)
		vec_free(&p->sec[s], pline_free);
	vec_free(&p->cnames, free);
	vec_free(&p->evs, pev_free);
	free(p->want_rv);
	free(p->have_rv);
	free(p->yaml_err);
	free(p->qos);
	free(p);
}

/* ---- drawing ------------------------------------------------------------- */

/* "fraud-detector-7d9f…-abcde": a Deployment's pod with the template hash
 * cut to its first four characters (the full name is in the summary). */
static void short_name(const struct view *v, struct buf *out)
{
	const char *name = v->t.pod, *wl = v->t.cell->workload;
	size_t wn = strlen(wl);
	const char *hash = NULL, *tail = NULL;
	if (!strncmp(name, wl, wn) && name[wn] == '-') {
		hash = name + wn + 1;
		tail = strrchr(hash, '-');
	}
	if (!tail || tail - hash <= 5) {
		buf_puts(out, name);
		return;
	}
	buf_append(out, name, (size_t)(hash - name) + 4);
	buf_puts(out, draw_utf8() ? "…" : "~");
	buf_puts(out, tail);
}

static void pod_title(struct view *v, struct buf *out)
{
	buf_puts(out, "pod ");
	short_name(v, out);
	buf_printf(out, " · %s", v->t.cell->env->name);
	if (v->t.cell->tenant)
		buf_printf(out, " · %s", v->t.cell->tenant->name);
}

static size_t pod_lines(struct view *v)
{
	return total_lines(pv(v));
}

static int pod_head(struct view *v, int y, int w, int h)
{
	struct pod_view *p = pv(v);
	const struct model_cell *c = v->t.cell;
	if (h < 3)
		return 0;
	int used = 0;
	struct buf b = BUF_INIT;
	const char *err = p->pw ? kube_watch_error(p->pw) : p->no_client;
	if (p->deleted) {
		buf_printf(&b, "pod %s was deleted ", v->t.pod);
		kube_format_age(&b, app_now(v->app) - p->deleted_at);
		buf_puts(&b, " ago: this is its last known state");
	} else if (err) {
		/* what is shown comes first: the error can be long */
		buf_printf(&b, "%s%s: %s", c->env->cluster,
			   p->seen ? " (showing the last state seen)" : "",
			   err);
	} else if (!p->seen && p->pw && kube_watch_synced(p->pw)) {
		buf_printf(&b, "no pod %s in namespace %s (deleted?)", v->t.pod,
			   c->namespace_);
	}
	if (b.len) {
		draw_fill(y, 0, w, ROLE_NORMAL);
		draw_str(y, 1, w - 1, ROLE_ERROR, buf_str(&b));
		used++;
	}
	buf_free(&b);
	return used;
}

/* Draw s[0..n) in role r at *x, after skipping *skip columns of it. */
static void seg(struct view *v, int y, int *x, int w, int *skip, enum role r,
		const char *s, size_t n)
{
	if (!n || *x >= w)
		return;
	int sw = draw_width(s, n, 1 << 20);
	if (*skip >= sw) {
		*skip -= sw;
		return;
	}
	*x += draw_text_hl(y, *x, w - *x, r, s, n, v->search, *skip);
	*skip = 0;
}

static void pod_line(struct view *v, size_t i, int y, int w)
{
	struct pod_view *p = pv(v);
	const struct pline *l = line_at(p, i);
	if (!l)
		return;
	if (l->kind == PL_HEADING)
		draw_fill(y, 0, w, ROLE_TITLE);
	int x = 1, skip = v->hscroll;
	struct buf age = BUF_INIT;
	if (l->age != AGE_NONE && l->t)
		kube_format_age(&age, app_now(v->app) - l->t);
	if (l->age == AGE_PREFIX) {
		struct buf pre = BUF_INIT;
		buf_printf(&pre, "  %-6s ", buf_str(&age));
		seg(v, y, &x, w, &skip, ROLE_DIM, pre.data, pre.len);
		buf_free(&pre);
	}
	size_t len = strlen(l->text);
	seg(v, y, &x, w, &skip, l->r0, l->text, l->e1);
	seg(v, y, &x, w, &skip, l->r1, l->text + l->e1, l->e2 - l->e1);
	seg(v, y, &x, w, &skip, l->r2, l->text + l->e2, len - l->e2);
	if (l->age == AGE_SUFFIX && age.len) {
		struct buf suf = BUF_INIT;
		buf_printf(&suf, " (%s ago)", buf_str(&age));
		seg(v, y, &x, w, &skip, ROLE_DIM, suf.data, suf.len);
		buf_free(&suf);
	}
	buf_free(&age);
}

static void pod_text(struct view *v, size_t i, struct buf *out)
{
	const struct pline *l = line_at(pv(v), i);
	if (l)
		buf_puts(out, l->text);
}

/* ---- keys ---------------------------------------------------------------- */

static const char *current_container(struct view *v)
{
	struct pod_view *p = pv(v);
	size_t i;
	if (!view_current(v, &i))
		return NULL;
	const struct pline *l = line_at(p, i);
	return l && l->container >= 0 && (size_t)l->container < p->cnames.len
		   ? p->cnames.items[l->container]
		   : NULL;
}

static void pod_target(struct view *v, struct view_target *t)
{
	t->cell = v->t.cell;
	t->service = v->t.cell->service;
	t->env = v->t.cell->env;
	t->pod = v->t.pod;
	/* borrowed: app_push copies both */
	t->container = (char *)current_container(v);
}

static unsigned pod_request(struct view *v, enum action a)
{
	switch (a) {
	case ACT_LEFT:
		v->hscroll = v->hscroll > 8 ? v->hscroll - 8 : 0;
		return VIEW_HANDLED | VIEW_REDRAW;
	case ACT_RIGHT:
		v->hscroll += 8;
		return VIEW_HANDLED | VIEW_REDRAW;
	case ACT_ENTER:
	case ACT_CONTAINER: {
		struct view_target t = {0};
		pod_target(v, &t);
		if (t.container)
			app_push(v->app, &view_logs, &t);
		else if (a == ACT_CONTAINER)
			app_message(v->app, ROLE_MESSAGE,
				    "move to a container's lines first");
		return VIEW_HANDLED;
	}
	default:
		return VIEW_UNHANDLED;
	}
}

const struct view_ops view_pod = {
    .name = "pod",
    .keys = KEYCTX_POD,
    .open = pod_open,
    .close = pod_close,
    .title = pod_title,
    .lines = pod_lines,
    .head = pod_head,
    .line = pod_line,
    .text = pod_text,
    .request = pod_request,
    .focus = view_cell_focus,
    .changed = view_changed_live_only,
    .target = pod_target,
};
