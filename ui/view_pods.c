/*
 * The pods view: the pods of one cell as `kubectl get pods` shows them —
 * NAME, READY, STATUS, RESTARTS, AGE — plus the node and the tag of the
 * cell's container image, sorted by name.
 *
 * Data flow: one pod watch (kube/reflector.h) on the cell's namespace,
 * narrowed by the workload's label selector when the fleet knows it, or
 * else the whole namespace with each pod kept when its owner is the
 * cell's workload. The watch callback keeps a compact sorted index of the
 * names shown (copies: reflector pointers live only during callbacks) and
 * marks the frame dirty; drawing looks each visible pod up by name in the
 * reflector's store, so a status change costs one lookup per visible row
 * and nothing is rebuilt per frame. When the cluster is down or the watch
 * fails, the reflector keeps its last picture and the error is shown
 * above the list.
 *
 * Keys: Enter opens the pod; l opens the logs of the pod under the cursor
 * (target() names it); e the cell's events.
 */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "kube/reflector.h"
#include "model/fleet.h"
#include "model/locator.h"
#include "ui/app.h"
#include "ui/draw.h"
#include "ui/view.h"

#define GAP 2

struct pods_view {
	struct kube_watch *w;  /* NULL: the cluster has no client */
	const char *no_client; /* why not (the session's words) */
	bool by_owner;	       /* no selector: keep the workload's pods */
	struct vec names;      /* char *, sorted: the pods shown */
	int name_w, node_w, tag_w, status_w; /* widest values seen */
	bool restarted; /* some pod has restarts: room for "(5m ago)" */
};

/* Where each column starts on a given width (0 width = not shown). */
struct pods_cols {
	int name, ready, status, restarts, age, node, tag;
	int name_w, node_w, tag_w;
};

enum { READY_W = 5, AGE_W = 5 };

static struct model_cell *cell_of(struct view *v)
{
	return v->t.cell;
}

/* ---- the index ----------------------------------------------------------- */

static bool find_name(const struct vec *names, const char *name, size_t *at)
{
	size_t lo = 0, hi = names->len;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(names->items[mid], name);
		if (!c) {
			*at = mid;
			return true;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = lo;
	return false;
}

static bool wanted(struct view *v, const struct kube_obj *o)
{
	struct pods_view *p = v->p;
	if (!p->by_owner)
		return true;
	struct buf name = BUF_INIT;
	enum kube_kind kind;
	const struct model_cell *c = cell_of(v);
	bool keep = kobj_pod_workload(o, &kind, &name) &&
		    kind == c->service->kind &&
		    !strcmp(buf_str(&name), c->workload);
	buf_free(&name);
	return keep;
}

static int text_width(const char *s)
{
	return draw_width(s, strlen(s), 200);
}

/* The container that carries the cell's version: the one the service
 * names, else the one named like the workload, else the first (the
 * fleet's rule for the live version). */
static const struct kube_container *main_container(const struct model_cell *c,
						   const struct kube_obj *o)
{
	const struct kube_pod *p = &o->u.pod;
	const char *want = c->container ? c->container : c->workload;
	const struct kube_container *first = NULL;
	for (uint32_t i = 0; i < p->ncontainers; i++) {
		const struct kube_container *k = &p->containers[i];
		if (k->init)
			continue;
		if (!strcmp(k->name, want))
			return k;
		if (!first)
			first = k;
	}
	return c->container ? NULL : first;
}

static void image_tag(const struct model_cell *c, const struct kube_obj *o,
		      struct buf *out)
{
	const struct kube_container *k = main_container(c, o);
	if (!k || !*k->image || !image_ref_version(k->image, out))
		buf_puts(out, "-");
}

static void pods_changed(void *arg, enum watch_type type,
			 const struct kube_obj *old, const struct kube_obj *obj)
{
	(void)old;
	struct view *v = arg;
	struct pods_view *p = v->p;
	bool want = type != WATCH_DELETED && wanted(v, obj);
	size_t at;
	bool have = find_name(&p->names, obj->name, &at);
	/* the pod under the cursor stays under it as lines come and go (and
	 * as a filter's matches change with the pods' status) */
	char *keep = NULL;
	size_t cur;
	if ((want != have || v->filter) && view_current(v, &cur))
		keep = xstrdup(p->names.items[cur]);
	if (want && !have)
		vec_insert(&p->names, at, xstrdup(obj->name));
	else if (!want && have)
		free(vec_remove(&p->names, at));
	if (want) {
		struct buf tag = BUF_INIT, st = BUF_INIT;
		image_tag(cell_of(v), obj, &tag);
		kobj_pod_status(&st, obj);
		int nw = text_width(obj->name),
		    dw = text_width(obj->u.pod.node),
		    tw = text_width(buf_str(&tag)),
		    sw = text_width(buf_str(&st));
		p->name_w = nw > p->name_w ? nw : p->name_w;
		p->node_w = dw > p->node_w ? dw : p->node_w;
		p->tag_w = tw > p->tag_w ? tw : p->tag_w;
		p->status_w = sw > p->status_w ? sw : p->status_w;
		p->restarted |= obj->u.pod.restarts > 0;
		buf_free(&tag);
		buf_free(&st);
	} else if (have) {
		p->name_w = 0;
		for (size_t i = 0; i < p->names.len; i++) {
			int nw = text_width(p->names.items[i]);
			p->name_w = nw > p->name_w ? nw : p->name_w;
		}
	}
	if (v->filter)
		view_refilter(v);
	if (keep && find_name(&p->names, keep, &at))
		view_select(v, at);
	free(keep);
	app_dirty(v->app);
}

/* ---- open and close ------------------------------------------------------ */

static bool pods_open(struct view *v)
{
	struct model_cell *c = cell_of(v);
	if (!c) {
		app_message(v->app, ROLE_MESSAGE, "pods: choose a cell first");
		return false;
	}
	struct pods_view *p = xcalloc(1, sizeof *p);
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
	const struct fleet_cell *fc = fleet_cell(c);
	const char *sel =
	    fc && fc->selector && *fc->selector ? fc->selector : NULL;
	p->by_owner = !sel;
	struct kube_watch_spec spec = {
	    .kind = KUBE_POD,
	    .namespace_ = c->namespace_,
	    .label_selector = sel,
	};
	static const struct kube_watch_ops ops = {
	    .changed = pods_changed,
	    .synced = view_watch_synced,
	    .error = view_watch_error,
	};
	p->w = kube_watch(client, &spec, &ops, v);
	return true;
}

static void pods_close(struct view *v)
{
	struct pods_view *p = v->p;
	kube_unwatch(p->w);
	vec_free(&p->names, free);
	free(p);
}

/* ---- drawing ------------------------------------------------------------- */

static void pods_title(struct view *v, struct buf *out)
{
	struct pods_view *p = v->p;
	const struct model_cell *c = cell_of(v);
	buf_printf(out, "%s · %s", c->service->name, c->env->name);
	if (c->tenant)
		buf_printf(out, " · %s", c->tenant->name);
	buf_printf(out, " · pods (%zu)", p->names.len);
}

static size_t pods_lines(struct view *v)
{
	return ((struct pods_view *)v->p)->names.len;
}

/* Lay the columns out on width w: NODE goes first when room is short,
 * then IMAGE TAG, then NAME is cut. */
static void layout(const struct pods_view *p, int w, struct pods_cols *c)
{
	int status_w = p->status_w > 6 ? p->status_w : 6;
	/* "12 (3m10s ago)" when any pod restarted, else "RESTARTS" */
	int restarts_w = p->restarted ? 14 : 8;
	int name_w = p->name_w > 4 ? p->name_w : 4;
	int node_w = p->node_w > 4 ? p->node_w : 4;
	int tag_w = p->tag_w > 9 ? p->tag_w : 9;
	int fixed = 1 + READY_W + status_w + restarts_w + AGE_W + 4 * GAP;
	bool node = fixed + name_w + GAP + node_w + GAP + tag_w <= w;
	bool tag = fixed + name_w + GAP + tag_w <= w || node;
	int room =
	    w - fixed - (node ? node_w + GAP : 0) - (tag ? tag_w + GAP : 0);
	if (name_w > room)
		name_w = room > 8 ? room : 8;
	c->name = 1;
	c->name_w = name_w;
	c->ready = c->name + name_w + GAP;
	c->status = c->ready + READY_W + GAP;
	c->restarts = c->status + status_w + GAP;
	c->age = c->restarts + restarts_w + GAP;
	c->node = node ? c->age + AGE_W + GAP : 0;
	c->node_w = node ? node_w : 0;
	c->tag = tag ? (node ? c->node + node_w : c->age + AGE_W) + GAP : 0;
	c->tag_w = tag ? tag_w : 0;
}

static int pods_head(struct view *v, int y, int w, int h)
{
	struct pods_view *p = v->p;
	const struct model_cell *c = cell_of(v);
	int used = 0;
	const char *err = p->w ? kube_watch_error(p->w) : p->no_client;
	if (err && h > 2) {
		/* what is shown comes first: the error can be long */
		draw_fill(y, 0, w, ROLE_NORMAL);
		int x = draw_fmt(
		    y, 1, w - 1, ROLE_ERROR, "%s%s: ", c->env->cluster,
		    p->names.len ? " (showing the last pods seen)" : "");
		draw_str(y, 1 + x, w - 1 - x, ROLE_ERROR, err);
		used++;
	} else if (p->w && !kube_watch_synced(p->w) && h > 2) {
		draw_fill(y, 0, w, ROLE_NORMAL);
		draw_fmt(y, 1, w - 1, ROLE_DIM, "listing the pods of %s in %s…",
			 c->namespace_, c->env->cluster);
		used++;
	}
	if (h - used < 2)
		return used;
	struct pods_cols col;
	layout(p, w, &col);
	int r = y + used;
	draw_fill(r, 0, w, ROLE_TITLE);
	draw_str(r, col.name, col.name_w, ROLE_TITLE, "NAME");
	draw_str(r, col.ready, col.status - col.ready, ROLE_TITLE, "READY");
	draw_str(r, col.status, col.restarts - col.status, ROLE_TITLE,
		 "STATUS");
	draw_str(r, col.restarts, col.age - col.restarts, ROLE_TITLE,
		 "RESTARTS");
	draw_str(r, col.age, w - col.age, ROLE_TITLE, "AGE");
	if (col.node_w)
		draw_str(r, col.node, col.node_w, ROLE_TITLE, "NODE");
	if (col.tag_w)
		draw_str(r, col.tag, w - col.tag, ROLE_TITLE, "IMAGE TAG");
	return used + 1;
}

/* kubectl's colours for the STATUS column, as roles: running and ready is
 * fine, anything failing is degraded, anything on its way is
 * progressing. */
static enum role status_role(const char *st, const struct kube_pod *pod)
{
	if (!strcmp(st, "Running"))
		return pod->ready_count < pod->total ? ROLE_PROGRESSING
						     : ROLE_OK;
	if (!strcmp(st, "Completed") || !strcmp(st, "Succeeded"))
		return ROLE_DIM;
	static const char *const bad[] = {"BackOff",   "Err",
					  "OOMKilled", "Evicted",
					  "Failed",    "NodeLost",
					  "Unknown",   "Invalid",
					  "CannotRun", "DeadlineExceeded",
					  "Signal:",   "ExitCode:",
					  "NotReady",  "Preempt",
					  "Shutdown",  NULL};
	for (const char *const *b = bad; *b; b++)
		if (strstr(st, *b))
			return ROLE_DEGRADED;
	return ROLE_PROGRESSING;
}

/* kubectl's RESTARTS: "3" or "3 (25s ago)" from the latest termination
 * of a container that counts (init containers only while initialising,
 * as in printPod). */
static void restarts_text(struct view *v, const struct kube_obj *o,
			  const char *status, struct buf *out)
{
	const struct kube_pod *pod = &o->u.pod;
	bool initializing = !strncmp(status, "Init:", 5);
	int64_t last = 0;
	for (uint32_t i = 0; i < pod->ncontainers; i++) {
		const struct kube_container *k = &pod->containers[i];
		if (k->init && !k->sidecar && !initializing)
			continue;
		if (k->last_state == KUBE_CSTATE_TERMINATED &&
		    k->last_finished_at > last)
			last = k->last_finished_at;
	}
	buf_printf(out, "%d", (int)pod->restarts);
	if (pod->restarts && last) {
		buf_puts(out, " (");
		kube_format_age(out, app_now(v->app) - last);
		buf_puts(out, " ago)");
	}
}

static void age_text(struct view *v, int64_t t, struct buf *out)
{
	if (t)
		kube_format_age(out, app_now(v->app) - t);
	else
		buf_puts(out, "<unknown>");
}

/* A pod's name in room columns: when it is too long, its start and its
 * end (where a Deployment's pods differ) around a "…". */
static void draw_name(int y, int x, int room, const char *name,
		      const char *search)
{
	size_t len = strlen(name);
	if (draw_width(name, len, room + 1) <= room || room < 8) {
		draw_text_hl(y, x, room, ROLE_NORMAL, name, len, search, 0);
		return;
	}
	int tail = room / 2;
	size_t start = len;
	while (start > 0) {
		size_t s = start - 1;
		while (s > 0 && ((unsigned char)name[s] & 0xc0) == 0x80)
			s--;
		if (draw_width(name + s, len - s, room) > tail)
			break;
		start = s;
	}
	int used = draw_text_hl(y, x, room - tail - 1, ROLE_NORMAL, name, start,
				search, 0);
	used += draw_str(y, x + used, 1, ROLE_DIM, draw_utf8() ? "…" : "~");
	draw_text_hl(y, x + used, room - used, ROLE_NORMAL, name + start,
		     len - start, search, 0);
}

static void pods_line(struct view *v, size_t i, int y, int w)
{
	struct pods_view *p = v->p;
	const struct model_cell *c = cell_of(v);
	const char *name = p->names.items[i];
	struct pods_cols col;
	layout(p, w, &col);
	draw_name(y, col.name, col.name_w, name, v->search);
	const struct kube_obj *o =
	    p->w ? kube_watch_get(p->w, c->namespace_, name) : NULL;
	if (!o)
		return;
	const struct kube_pod *pod = &o->u.pod;
	struct buf b = BUF_INIT;
	buf_printf(&b, "%d/%d", (int)pod->ready_count, (int)pod->total);
	draw_str(y, col.ready, col.status - col.ready - 1,
		 pod->ready_count < pod->total ? ROLE_WARNING : ROLE_NORMAL,
		 buf_str(&b));
	buf_clear(&b);
	kobj_pod_status(&b, o);
	draw_text_hl(y, col.status, col.restarts - col.status - 1,
		     status_role(buf_str(&b), pod), b.data, b.len, v->search,
		     0);
	struct buf r = BUF_INIT;
	restarts_text(v, o, buf_str(&b), &r);
	draw_str(y, col.restarts, col.age - col.restarts - 1,
		 pod->restarts ? ROLE_WARNING : ROLE_NORMAL, buf_str(&r));
	buf_clear(&b);
	age_text(v, o->created, &b);
	draw_str(y, col.age,
		 col.node  ? col.node - col.age - 1
		 : col.tag ? col.tag - col.age - 1
			   : w - col.age,
		 ROLE_DIM, buf_str(&b));
	if (col.node_w)
		draw_text_hl(y, col.node, col.node_w, ROLE_NORMAL,
			     *pod->node ? pod->node : "<none>",
			     strlen(*pod->node ? pod->node : "<none>"),
			     v->search, 0);
	if (col.tag_w) {
		buf_clear(&b);
		image_tag(c, o, &b);
		const struct fleet_cell *fc = fleet_cell(c);
		/* a pod still on another version than the workload's stands
		 * out (a rollout in progress, or a stuck old pod) */
		bool other = fc && fc->live_version &&
			     strcmp(fc->live_version, buf_str(&b));
		draw_text_hl(y, col.tag, w - col.tag,
			     other ? ROLE_DRIFT : ROLE_NORMAL, b.data, b.len,
			     v->search, 0);
	}
	buf_free(&r);
	buf_free(&b);
}

static void pods_text(struct view *v, size_t i, struct buf *out)
{
	struct pods_view *p = v->p;
	const struct model_cell *c = cell_of(v);
	const char *name = p->names.items[i];
	buf_puts(out, name);
	const struct kube_obj *o =
	    p->w ? kube_watch_get(p->w, c->namespace_, name) : NULL;
	if (!o)
		return;
	buf_printf(out, " %d/%d ", (int)o->u.pod.ready_count,
		   (int)o->u.pod.total);
	kobj_pod_status(out, o);
	buf_printf(out, " %d %s ", (int)o->u.pod.restarts, o->u.pod.node);
	image_tag(c, o, out);
}

/* ---- keys ---------------------------------------------------------------- */

static const char *current_pod(struct view *v)
{
	struct pods_view *p = v->p;
	size_t i;
	return view_current(v, &i) ? p->names.items[i] : NULL;
}

static void pods_target(struct view *v, struct view_target *t)
{
	struct model_cell *c = cell_of(v);
	t->cell = c;
	t->service = c->service;
	t->env = c->env;
	/* borrowed: app_push copies it before the index can change */
	t->pod = (char *)current_pod(v);
}

static unsigned pods_request(struct view *v, enum action a)
{
	if (a != ACT_ENTER)
		return VIEW_UNHANDLED;
	struct view_target t = {0};
	pods_target(v, &t);
	if (t.pod)
		app_push(v->app, &view_pod, &t);
	return VIEW_HANDLED;
}

static const struct model_env *pods_focus(struct view *v)
{
	return cell_of(v)->env;
}

static bool pods_changed_session(struct view *v, unsigned what,
				 struct model_cell *cell)
{
	/* the image tag is compared with the cell's live version */
	return !(what & SESSION_CHANGED_CELL) || cell == cell_of(v);
}

const struct view_ops view_pods = {
    .name = "pods",
    .keys = KEYCTX_PODS,
    .open = pods_open,
    .close = pods_close,
    .title = pods_title,
    .lines = pods_lines,
    .head = pods_head,
    .line = pods_line,
    .text = pods_text,
    .request = pods_request,
    .focus = pods_focus,
    .changed = pods_changed_session,
    .target = pods_target,
};
