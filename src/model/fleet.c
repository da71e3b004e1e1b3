/*
 * The fleet join (see fleet.h).
 *
 * Per cluster (kubeconfig context) a struct fcluster holds the watches
 * and the cells that live there. Watch events are routed by a key built
 * from the object — "context \n Kind \n namespace \n name" of the workload
 * itself, or of the workload that owns a pod — to the one cell they
 * concern, which is recomputed alone. Cluster-wide happenings (a list is
 * complete, refused, the client goes down) recompute that cluster's cells.
 */
#include "model/fleet.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/str.h"
#include "kube/reflector.h"

struct fcluster;

struct fwatch {
	struct fcluster *cl;
	enum kube_kind kind;
	char *ns; /* NULL = all namespaces */
	struct kube_watch *w;
	bool synced;
	bool replaced; /* fell back to per-namespace watches */
};

struct fcluster {
	struct fleet *f;
	char *context;
	struct kube_client *client; /* NULL: not in the kubeconfig */
	struct vec watches;	    /* struct fwatch * */
	struct vec cells;	    /* struct model_cell * */
	struct vec namespaces;	    /* char *, distinct */
	bool kinds[KUBE__KIND_COUNT];
	bool settled;
};

struct fleet {
	struct model *m;
	struct fleet_ops ops;
	void *arg;
	struct vec clusters; /* struct fcluster * */
	struct map by_key;   /* workload key -> struct model_cell * */
};

static const char *const sync_names[] = {
#define SYNC_NAME(e, name) name,
	SYNC_LIST(SYNC_NAME)
#undef SYNC_NAME
};

const char *sync_name(enum sync_state s)
{
	return sync_names[s];
}

const struct fleet_cell *fleet_cell(const struct model_cell *c)
{
	return c->live;
}

static void workload_key(struct buf *out, const char *context,
			 enum kube_kind kind, const char *ns, const char *name)
{
	buf_clear(out);
	buf_printf(out, "%s\n%s\n%s\n%s", context, kube_kind_name(kind), ns,
		   name);
}

/* Why the cluster cannot tell us about this cell right now, or NULL. */
static bool unreadable(const struct fcluster *cl, const struct model_cell *c,
		       struct buf *why)
{
	if (!cl->client) {
		buf_printf(why, "no context '%s' in the kubeconfig",
			 cl->context);
		return true;
	}
	const struct kube_conn_state *st = kube_client_state(cl->client);
	if (st->state == KUBE_CONN_DOWN) {
		buf_printf(why, "%s unreachable: %s", cl->context, st->error);
		return true;
	}
	enum kube_kind kind = c->service->kind;
	for (size_t i = 0; i < cl->watches.len; i++) {
		const struct fwatch *fw = cl->watches.items[i];
		if (fw->replaced || fw->kind != kind ||
		    (fw->ns && strcmp(fw->ns, c->namespace_)))
			continue;
		if (fw->synced)
			return false;
		const char *e = kube_watch_error(fw->w);
		if (e)
			buf_printf(why, "%s: %s", cl->context, e);
		else
			buf_printf(why, "waiting for %s", cl->context);
		return true;
	}
	buf_printf(why, "waiting for %s", cl->context);
	return true;
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* moved: whether the workload's own numbers changed (ready, image) */
static void recompute(struct fcluster *cl, struct model_cell *c, bool moved)
{
	struct fleet_cell *fc = c->live;
	enum sync_state sync;
	enum health health;
	char reason[sizeof fc->reason] = "";
	struct buf why = BUF_INIT;
	if (unreadable(cl, c, &why)) {
		sync = SYNC_UNKNOWN;
		health = HEALTH_UNKNOWN;
		str_copy(reason, sizeof reason, buf_str(&why));
	} else if (!fc->present) {
		sync = SYNC_MISSING;
		health = HEALTH_MISSING;
		snprintf(reason, sizeof reason, "%s %s/%s not found on %s",
			 kube_kind_resource(c->service->kind), c->namespace_,
			 c->workload, cl->context);
	} else {
		health = fc->workload.health;
		str_copy(reason, sizeof reason, fc->workload.reason);
		size_t pos = 0;
		const char *pod;
		void *v;
		while (map_next(&fc->bad_pods, &pos, &pod, &v)) {
			const struct health_result *h = v;
			if (health_worst(health, h->health) == h->health) {
				health = health_worst(health, h->health);
				snprintf(reason, sizeof reason, "pod %s: %s",
					 pod, h->reason);
			}
		}
		if (!c->desired.version)
			sync = SYNC_UNKNOWN;
		else if (fc->live_version &&
			 !strcmp(fc->live_version, c->desired.version))
			sync = SYNC_SYNCED;
		else
			sync = SYNC_OUTOFSYNC;
		/* Drift first, then whatever else is wrong. */
		if (sync != SYNC_SYNCED) {
			char health_why[sizeof reason];
			str_copy(health_why, sizeof health_why, reason);
			if (sync == SYNC_UNKNOWN)
				snprintf(reason, sizeof reason,
					 "desired version unknown");
			else
				snprintf(reason, sizeof reason,
					 "live %.60s, Git %.60s",
					 fc->live_version ? fc->live_version
							  : "(none)",
					 c->desired.version);
			if (*health_why) {
				struct buf b = BUF_INIT;
				buf_printf(&b, "%s; %s", reason, health_why);
				str_copy(reason, sizeof reason, buf_str(&b));
				buf_free(&b);
			}
		}
	}
	buf_free(&why);
	bool changed = moved || sync != fc->sync || health != fc->health ||
		       strcmp(reason, fc->reason);
	fc->sync = sync;
	fc->health = health;
	str_copy(fc->reason, sizeof fc->reason, reason);
	if (changed && cl->f->ops.changed)
		cl->f->ops.changed(cl->f->arg, c);
}

/* The live image: the container the service names, else the one named
 * like the workload, else the first. */
static const char *pick_image(const struct model_cell *c,
			      const struct kube_image *imgs, uint32_t n)
{
	const char *want = c->container ? c->container : c->workload;
	for (uint32_t i = 0; i < n; i++)
		if (!strcmp(imgs[i].container, want))
			return imgs[i].image;
	return !c->container && n ? imgs[0].image : NULL;
}

/* Returns whether ready, desired or the image changed. */
static bool take_workload(struct model_cell *c, const struct kube_obj *o)
{
	struct fleet_cell *fc = c->live;
	int32_t ready = fc->ready, desired = fc->desired;
	bool moved = false;
	const struct kube_image *imgs = NULL;
	uint32_t n = 0, nsel = 0;
	const struct kube_label *sel = NULL;
	switch (o->kind) {
	case KUBE_DEPLOYMENT:
		imgs = o->u.deploy.images;
		n = o->u.deploy.nimages;
		sel = o->u.deploy.selector;
		nsel = o->u.deploy.nselector;
		fc->ready = o->u.deploy.ready_replicas;
		fc->desired = o->u.deploy.replicas;
		break;
	case KUBE_STATEFULSET:
		imgs = o->u.sts.images;
		n = o->u.sts.nimages;
		sel = o->u.sts.selector;
		nsel = o->u.sts.nselector;
		fc->ready = o->u.sts.ready_replicas;
		fc->desired = o->u.sts.replicas;
		break;
	case KUBE_DAEMONSET:
		imgs = o->u.ds.images;
		n = o->u.ds.nimages;
		sel = o->u.ds.selector;
		nsel = o->u.ds.nselector;
		fc->ready = o->u.ds.ready_count;
		fc->desired = o->u.ds.desired;
		break;
	default:
		return false;
	}
	const char *image = pick_image(c, imgs, n);
	if (!same_str(image, fc->image)) {
		moved = true;
		free(fc->image);
		free(fc->live_version);
		fc->image = image ? xstrdup(image) : NULL;
		fc->live_version = NULL;
		struct buf v = BUF_INIT;
		if (image && image_ref_version(image, &v))
			fc->live_version = buf_detach(&v);
		buf_free(&v);
	}
	struct buf selector = BUF_INIT;
	for (uint32_t i = 0; i < nsel; i++)
		buf_printf(&selector, "%s%s=%s", i ? "," : "", sel[i].key,
			   sel[i].value);
	if (!same_str(buf_str(&selector), fc->selector)) {
		free(fc->selector);
		fc->selector = buf_detach(&selector);
	}
	buf_free(&selector);
	health_of(o, &fc->workload);
	fc->present = true;
	return moved || ready != fc->ready || desired != fc->desired;
}

static void on_change(void *arg, enum watch_type type,
		      const struct kube_obj *old, const struct kube_obj *o)
{
	struct fwatch *fw = arg;
	struct fcluster *cl = fw->cl;
	(void)old;
	struct buf key = BUF_INIT, owner = BUF_INIT;
	enum kube_kind kind = o->kind;
	if (o->kind == KUBE_POD) {
		if (!kobj_pod_workload(o, &kind, &owner))
			goto out;
		workload_key(&key, cl->context, kind, o->namespace_,
			     buf_str(&owner));
	} else
		workload_key(&key, cl->context, kind, o->namespace_, o->name);
	struct model_cell *c = map_get(&cl->f->by_key, buf_str(&key));
	if (!c)
		goto out;
	struct fleet_cell *fc = c->live;
	bool moved = false;
	if (o->kind == KUBE_POD) {
		struct health_result h;
		health_of(o, &h);
		struct health_result *prev = map_get(&fc->bad_pods, o->name);
		if (type == WATCH_DELETED || h.health != HEALTH_DEGRADED) {
			if (!prev)
				goto out;
			free(map_del(&fc->bad_pods, o->name));
		} else if (prev)
			*prev = h;
		else {
			prev = xmalloc(sizeof *prev);
			*prev = h;
			map_put(&fc->bad_pods, o->name, prev);
		}
	} else if (type == WATCH_DELETED) {
		fc->present = false;
		free(fc->image);
		free(fc->live_version);
		free(fc->selector);
		fc->selector = NULL;
		fc->image = fc->live_version = NULL;
		fc->ready = fc->desired = 0;
	} else
		moved = take_workload(c, o);
	recompute(cl, c, moved);
out:
	buf_free(&key);
	buf_free(&owner);
}

static bool cluster_settled(const struct fcluster *cl)
{
	if (!cl->client)
		return true;
	if (kube_client_state(cl->client)->state == KUBE_CONN_DOWN)
		return true;
	for (size_t i = 0; i < cl->watches.len; i++) {
		const struct fwatch *fw = cl->watches.items[i];
		if (!fw->replaced && !fw->synced && !kube_watch_error(fw->w))
			return false;
	}
	return true;
}

static void refresh_cluster(struct fcluster *cl)
{
	for (size_t i = 0; i < cl->cells.len; i++)
		recompute(cl, cl->cells.items[i], false);
	bool s = cluster_settled(cl);
	if (s && !cl->settled && cl->f->ops.cluster)
		cl->f->ops.cluster(cl->f->arg, cl->context);
	cl->settled = s;
}

static void add_watch(struct fcluster *cl, enum kube_kind kind, const char *ns);

static void on_synced(void *arg)
{
	struct fwatch *fw = arg;
	fw->synced = true;
	refresh_cluster(fw->cl);
}

static void on_error(void *arg, const char *message)
{
	struct fwatch *fw = arg;
	struct fcluster *cl = fw->cl;
	(void)message;
	if (!fw->ns && !fw->replaced && !fw->synced &&
	    kube_watch_error_code(fw->w) == ST_ERR_FORBIDDEN) {
		/* Not allowed to list across namespaces: watch each
		 * namespace the model uses instead. */
		fw->replaced = true;
		kube_unwatch(fw->w);
		fw->w = NULL;
		for (size_t i = 0; i < cl->namespaces.len; i++)
			add_watch(cl, fw->kind, cl->namespaces.items[i]);
	}
	refresh_cluster(cl);
}

static const struct kube_watch_ops watch_ops = {
	.changed = on_change,
	.synced = on_synced,
	.error = on_error,
};

static void add_watch(struct fcluster *cl, enum kube_kind kind, const char *ns)
{
	struct fwatch *fw = xcalloc(1, sizeof *fw);
	fw->cl = cl;
	fw->kind = kind;
	fw->ns = ns ? xstrdup(ns) : NULL;
	vec_push(&cl->watches, fw);
	struct kube_watch_spec spec = {.kind = kind, .namespace_ = ns};
	fw->w = kube_watch(cl->client, &spec, &watch_ops, fw);
}

static void on_state(struct kube_client *c, void *arg)
{
	(void)c;
	refresh_cluster(arg);
}

static struct fcluster *cluster_for(struct fleet *f, const char *context,
				    struct kube_client *const *clients,
				    size_t nclients)
{
	for (size_t i = 0; i < f->clusters.len; i++) {
		struct fcluster *cl = f->clusters.items[i];
		if (!strcmp(cl->context, context))
			return cl;
	}
	struct fcluster *cl = xcalloc(1, sizeof *cl);
	cl->f = f;
	cl->context = xstrdup(context);
	for (size_t i = 0; i < nclients && !cl->client; i++)
		if (!strcmp(kube_client_context(clients[i]), context))
			cl->client = clients[i];
	vec_push(&f->clusters, cl);
	return cl;
}

struct fleet *fleet_new(struct model *m, struct kube_client *const *clients,
			size_t nclients, const struct fleet_ops *ops,
			void *arg)
{
	struct fleet *f = xcalloc(1, sizeof *f);
	f->m = m;
	if (ops)
		f->ops = *ops;
	f->arg = arg;
	struct buf key = BUF_INIT;
	struct map seen_ns = MAP_INIT;
	for (size_t i = 0; i < m->cells.len; i++) {
		struct model_cell *c = m->cells.items[i];
		struct fleet_cell *fc = xcalloc(1, sizeof *fc);
		fc->sync = SYNC_UNKNOWN;
		fc->health = HEALTH_UNKNOWN;
		c->live = fc;
		struct fcluster *cl =
			cluster_for(f, c->env->cluster, clients, nclients);
		vec_push(&cl->cells, c);
		cl->kinds[c->service->kind] = true;
		buf_clear(&key);
		buf_printf(&key, "%s\n%s", cl->context, c->namespace_);
		if (!map_has(&seen_ns, buf_str(&key))) {
			map_put(&seen_ns, buf_str(&key), NULL);
			vec_push(&cl->namespaces, xstrdup(c->namespace_));
		}
		workload_key(&key, cl->context, c->service->kind,
			     c->namespace_, c->workload);
		map_put(&f->by_key, buf_str(&key), c);
	}
	buf_free(&key);
	map_free(&seen_ns, NULL);
	for (size_t i = 0; i < f->clusters.len; i++) {
		struct fcluster *cl = f->clusters.items[i];
		if (cl->client) {
			kube_client_on_state(cl->client, on_state, cl);
			for (int k = 0; k < KUBE__KIND_COUNT; k++)
				if (cl->kinds[k])
					add_watch(cl, (enum kube_kind)k, NULL);
			add_watch(cl, KUBE_POD, NULL);
		}
		refresh_cluster(cl);
	}
	return f;
}

static void free_fwatch(void *p)
{
	struct fwatch *fw = p;
	if (fw->w)
		kube_unwatch(fw->w);
	free(fw->ns);
	free(fw);
}

void fleet_free(struct fleet *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->clusters.len; i++) {
		struct fcluster *cl = f->clusters.items[i];
		if (cl->client)
			kube_client_off_state(cl->client, on_state, cl);
		vec_free(&cl->watches, free_fwatch);
		vec_free(&cl->cells, NULL);
		vec_free(&cl->namespaces, free);
		free(cl->context);
		free(cl);
	}
	vec_free(&f->clusters, NULL);
	for (size_t i = 0; i < f->m->cells.len; i++) {
		struct model_cell *c = f->m->cells.items[i];
		struct fleet_cell *fc = c->live;
		if (!fc)
			continue;
		map_free(&fc->bad_pods, free);
		free(fc->selector);
		free(fc->image);
		free(fc->live_version);
		free(fc);
		c->live = NULL;
	}
	map_free(&f->by_key, NULL);
	free(f);
}

bool fleet_settled(const struct fleet *f)
{
	for (size_t i = 0; i < f->clusters.len; i++)
		if (!cluster_settled(f->clusters.items[i]))
			return false;
	return true;
}

void fleet_set_releases(struct fleet *f, const struct vec *releases)
{
	/* Newest first: the first release seen for a cell is its last. */
	for (size_t i = 0; i < f->m->cells.len; i++) {
		struct model_cell *c = f->m->cells.items[i];
		((struct fleet_cell *)c->live)->last = NULL;
	}
	for (size_t i = 0; i < releases->len; i++) {
		const struct release *r = releases->items[i];
		struct fleet_cell *fc = r->cell->live;
		if (fc && !fc->last)
			fc->last = r;
	}
}

void fleet_rollup(const struct model_service *s, const struct model_env *e,
		  struct fleet_rollup *out)
{
	memset(out, 0, sizeof *out);
	out->worst = HEALTH_HEALTHY;
	out->worst_sync = SYNC_SYNCED;
	bool mixed = false;
	for (size_t i = 0; i < s->cells.len; i++) {
		const struct model_cell *c = s->cells.items[i];
		const struct fleet_cell *fc = c->live;
		if (c->env != e || !fc)
			continue;
		out->cells++;
		out->healthy += fc->health == HEALTH_HEALTHY;
		out->synced += fc->sync == SYNC_SYNCED;
		out->worst = health_worst(out->worst, fc->health);
		if (fc->sync > out->worst_sync)
			out->worst_sync = fc->sync;
		if (!out->version && !mixed)
			out->version = fc->live_version;
		else if (!same_str(out->version, fc->live_version)) {
			mixed = true;
			out->version = NULL;
		}
	}
}

bool fleet_cell_bad(const struct model_cell *c)
{
	const struct fleet_cell *fc = c->live;
	return !fc || fc->sync != SYNC_SYNCED ||
	       fc->health == HEALTH_DEGRADED || fc->health == HEALTH_MISSING ||
	       fc->health == HEALTH_UNKNOWN;
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *fleet_cell_to_json(const struct model_cell *c)
{
	const struct fleet_cell *fc = c->live;
	json_t *j = json_object();
	json_object_set_new(j, "cell", json_string(c->key));
	json_object_set_new(j, "service", json_string(c->service->name));
	json_object_set_new(j, "team", json_string(c->service->team));
	json_object_set_new(j, "environment", json_string(c->env->name));
	json_object_set_new(j, "tenant",
			    c->tenant ? json_string(c->tenant->name)
				      : json_null());
	json_object_set_new(j, "cluster", json_string(c->env->cluster));
	json_object_set_new(j, "namespace", json_string(c->namespace_));
	json_object_set_new(
		j, "workload",
		json_pack("{s:s,s:s}", "kind",
			  kube_kind_name(c->service->kind), "name",
			  c->workload));
	json_object_set_new(j, "desired", str_or_null(c->desired.version));
	json_object_set_new(j, "desiredError", str_or_null(c->desired.error));
	if (!fc)
		return j;
	json_object_set_new(j, "live", str_or_null(fc->live_version));
	json_object_set_new(j, "image", str_or_null(fc->image));
	json_object_set_new(j, "sync", json_string(sync_name(fc->sync)));
	json_object_set_new(j, "health", json_string(health_name(fc->health)));
	json_object_set_new(j, "reason", json_string(fc->reason));
	json_object_set_new(j, "ready", json_integer(fc->ready));
	json_object_set_new(j, "replicas", json_integer(fc->desired));
	json_object_set_new(j, "lastChange",
			    fc->last ? release_to_json(fc->last) : json_null());
	return j;
}
