/*
 * The controllers that make kubesim's cluster live: what the deployment,
 * replica set, job and garbage-collector controllers, the scheduler and
 * the kubelet do, in one thread, closely enough that the real kubectl's
 * rollout status, get -w, scale, wait and logs behave as on a cluster.
 *
 * Data moves in one direction through the store. store.c calls
 * sim_on_change after every write (world locked); that hook only keeps two
 * small indexes current -- per-pod runtime state, and owner uid -> children
 * -- and queues the object's key, or its owner's, for a sync. The controller
 * thread (sim_thread -> sim_run_due) drains the queue and fires due timers:
 * a sync reads the current objects, decides as the real controller would,
 * and writes new objects with ks_create / ks_update / ks_delete, which queue
 * their dependants in turn -- a pod turning ready queues its ReplicaSet,
 * whose new status queues its Deployment. Syncs are idempotent and write
 * only when something changed, so every chain settles.
 *
 * Time-driven work (a container starting, turning ready, crashing, a back-
 * off ending, a terminating pod going away, a rollout's progress deadline)
 * lives in one binary heap of due times; nothing ever scans all pods. Pods
 * loaded by the scenario's `generate` section start in their final state
 * with no timer, sharing every JSON subtree they have in common, so
 * 100,000 of them load in a few seconds, cost under 200 bytes of
 * controller state each, and an idle tick costs a heap peek.
 *
 * Scenario durations are simulated seconds (ks_dur divides by the speed).
 * Times written into objects come from the sim clock: the wall clock in the
 * controller thread, a virtual one when tests call sim_run_due themselves.
 */
#include "sim_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/mem.h"
#include "base/str.h"

#define ANN_REVISION "deployment.kubernetes.io/revision"
#define ANN_REVISION_HISTORY "deployment.kubernetes.io/revision-history"
#define ANN_DESIRED "deployment.kubernetes.io/desired-replicas"
#define ANN_MAX "deployment.kubernetes.io/max-replicas"
#define LABEL_HASH "pod-template-hash"

#define BURST_REPLICAS 500   /* pods one sync creates at most, as upstream */
#define BACKOFF_BASE 10.0    /* kubelet's crash and image pull back-off */
#define BACKOFF_MAX 300.0
#define PULL_ERR_SHOW 2.0    /* ErrImagePull shows this long before back-off */
#define TERM_KILL 0.5        /* deletion -> containers exit */
#define TERM_GONE 1.0        /* deletion -> the pod is removed */
#define PROBE_PERIOD 10.0    /* never-ready pods report a failed probe */
#define JOB_DEFAULT_RUN 2.0  /* a Job pod without sim annotations */
#define DEFAULT_DEADLINE 600
#define NO_DEADLINE 2147483647L /* progressDeadlineSeconds = MaxInt32 */
#define MAX_ROUNDS 1000      /* queue drains per sim_run_due call */
#define MAX_FIRES 1000000    /* timers per sim_run_due call */

/* ---- runtime state ---- */

enum ent_kind { ENT_POD, ENT_RS, ENT_DELAY };

struct sim_owner;

/* The head of every tracked thing: its timer and its place among its
 * owner's children. */
struct sim_ent {
	double due;
	uint32_t heap_pos;  /* 1-based slot in the heap; 0: no timer */
	uint32_t owner_pos; /* slot in owner->kids */
	struct sim_owner *owner;
	uint8_t kind; /* enum ent_kind */
};

struct sim_owner {
	struct vec kids; /* struct sim_ent* */
	char uid[];
};

enum pod_stage {
	PS_NEW,          /* created; the scheduler has not seen it */
	PS_SCHEDULED,    /* bound to a node (shown for one write) */
	PS_CREATING,     /* sandbox up, pulling images */
	PS_PULL_ERR,     /* ErrImagePull */
	PS_PULL_BACKOFF, /* ImagePullBackOff */
	PS_RUNNING,
	PS_EXITED,  /* the run just ended (shown for one write) */
	PS_CRASHED, /* CrashLoopBackOff, waiting to restart */
	PS_DONE,    /* ended for good: Succeeded or Failed */
};

enum {
	PF_READY = 1,
	PF_PULLED = 2,      /* the image was pulled once */
	PF_TERMINATING = 4, /* deletion under way */
	PF_KILLED = 8,      /* ... and the containers have stopped */
	PF_COUNTED = 16,    /* the Job controller has counted its end */
};

/* Kept small on purpose: one per pod, 100,000 pods in a benchmark. */
struct sim_pod {
	struct sim_ent ent;
	double start, end;           /* the latest run; end 0 while it runs */
	double prev_start, prev_end; /* the run before it */
	uint32_t run;                /* the latest run's number */
	uint32_t restarts;           /* restartCount */
	int16_t exit, prev_exit;     /* exit codes of those runs */
	uint8_t stage, flags;
	uint8_t k; /* back-off or probe counter of the current stage */
	char key[]; /* "namespace/name" */
};

struct sim_rs {
	struct sim_ent ent;
	char key[];
};

/* A sync to run later (progress deadlines, minReadySeconds). */
struct sim_delay {
	struct sim_ent ent;
	uint8_t what; /* enum ks_kind */
	char key[];
};

struct ks_sim {
	struct map pods;   /* "ns/name" -> struct sim_pod* */
	struct map rsets;  /* "ns/name" -> struct sim_rs* */
	struct map delays; /* "kind:ns/name" -> struct sim_delay* */
	struct map owners; /* uid -> struct sim_owner* */
	struct sim_ent **heap;
	size_t heap_len, heap_cap;
	struct vec queue;  /* struct sim_work*, deduplicated by `queued` */
	struct map queued;
	struct vec gc;     /* char* uids of deleted owners */
	double now;        /* the sim clock: never goes back */
	uint64_t next_ip;
	long nodes;
	unsigned long next_node;
	bool quiet; /* sim_init's own writes: indexes are kept by hand */
};

struct sim_work {
	uint8_t kind;
	char key[];
};

static double sim_now(struct ks_world *w)
{
	double t = ks_clock();
	return w->sim && w->sim->now > t ? w->sim->now : t;
}

/* ---- small JSON helpers ---- */

static const char *jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static long jlong(const json_t *o, const char *k, long def)
{
	json_t *v = json_object_get(o, k);
	return json_is_integer(v) ? (long)json_integer_value(v) : def;
}

static json_t *jobj(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	if (!json_is_object(v)) {
		v = json_object();
		json_object_set_new(o, k, v);
	}
	return v;
}

static json_t *meta_of(const json_t *obj)
{
	return json_object_get(obj, "metadata");
}

static const char *ann_of(const json_t *obj, const char *k)
{
	return jstr(json_object_get(meta_of(obj), "annotations"), k);
}

static bool deleting(const json_t *obj)
{
	return json_object_get(meta_of(obj), "deletionTimestamp") != NULL;
}

static void set_nonzero(json_t *o, const char *k, long v)
{
	if (v)
		json_object_set_new(o, k, json_integer(v));
	else
		json_object_del(o, k);
}

static void set_time(json_t *o, const char *k, double t)
{
	char ts[40];
	ks_time_format(t, false, ts);
	json_object_set_new(o, k, json_string(ts));
}

static double obj_created(const json_t *obj)
{
	double t = 0;
	const char *s = jstr(meta_of(obj), "creationTimestamp");
	if (s)
		ks_time_parse(s, &t);
	return t;
}

static void set_ann_long(json_t *ann, const char *k, long v)
{
	char s[24];
	snprintf(s, sizeof s, "%ld", v);
	json_object_set_new(ann, k, json_string(s));
}

static long ann_long(const json_t *ann, const char *k)
{
	long v;
	return str_to_long(jstr(ann, k), 0, 1L << 40, &v) ? v : -1;
}

/* The controlling owner reference, as the garbage collector sees it. */
static const json_t *ctrl_ref(const json_t *obj)
{
	json_t *refs = json_object_get(meta_of(obj), "ownerReferences");
	size_t i;
	json_t *r;
	json_array_foreach(refs, i, r)
	{
		if (json_is_true(json_object_get(r, "controller")))
			return r;
	}
	return NULL;
}

static json_t *owner_ref(const char *api, const char *kind, const char *name,
			 const char *uid)
{
	return json_pack("[{s:s,s:s,s:s,s:s,s:b,s:b}]", "apiVersion", api,
			 "kind", kind, "name", name, "uid", uid, "controller", 1,
			 "blockOwnerDeletion", 1);
}

static void key_of(char *out, size_t n, const char *ns, const char *name)
{
	snprintf(out, n, "%s/%s", ns, name);
}

static struct ks_obj *obj_by_key(struct ks_world *w, enum ks_kind k,
				 const char *key)
{
	const char *slash = strchr(key, '/');
	char ns[256];
	if (!slash || (size_t)(slash - key) >= sizeof ns)
		return NULL;
	memcpy(ns, key, (size_t)(slash - key));
	ns[slash - key] = '\0';
	return ks_get(w, k, ns, slash + 1);
}


/* Go's time.Duration.String for whole and fractional seconds, as kubelet
 * messages print them ("1.5s", "500ms", "1m20s"). */
static void go_dur(double s, char *out, size_t n)
{
	if (s >= 60) {
		long t = lround(s);
		snprintf(out, n, "%ldm%lds", t / 60, t % 60);
		return;
	}
	bool ms = s < 1;
	snprintf(out, n, "%.3f", ms ? s * 1000 : s);
	char *dot = strchr(out, '.');
	if (dot) {
		char *end = out + strlen(out);
		while (end > dot + 1 && end[-1] == '0')
			*--end = '\0';
		if (end == dot + 1)
			*dot = '\0';
	}
	strncat(out, ms ? "ms" : "s", n - strlen(out) - 1);
}

/* ---- the timer heap ---- */

static void heap_place(struct ks_sim *s, size_t i, struct sim_ent *e)
{
	s->heap[i] = e;
	e->heap_pos = (uint32_t)(i + 1);
}

static void heap_up(struct ks_sim *s, size_t i)
{
	struct sim_ent *e = s->heap[i];
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (s->heap[parent]->due <= e->due)
			break;
		heap_place(s, i, s->heap[parent]);
		i = parent;
	}
	heap_place(s, i, e);
}

static void heap_down(struct ks_sim *s, size_t i)
{
	struct sim_ent *e = s->heap[i];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= s->heap_len)
			break;
		if (c + 1 < s->heap_len && s->heap[c + 1]->due < s->heap[c]->due)
			c++;
		if (e->due <= s->heap[c]->due)
			break;
		heap_place(s, i, s->heap[c]);
		i = c;
	}
	heap_place(s, i, e);
}

static void timer_set(struct ks_sim *s, struct sim_ent *e, double due)
{
	if (e->heap_pos) {
		double old = e->due;
		e->due = due;
		if (due < old)
			heap_up(s, e->heap_pos - 1);
		else
			heap_down(s, e->heap_pos - 1);
		return;
	}
	if (s->heap_len == s->heap_cap) {
		s->heap_cap = s->heap_cap ? s->heap_cap * 2 : 64;
		s->heap = xrealloc(s->heap, s->heap_cap * sizeof *s->heap);
	}
	e->due = due;
	s->heap[s->heap_len++] = e;
	heap_up(s, s->heap_len - 1);
}

static void timer_clear(struct ks_sim *s, struct sim_ent *e)
{
	if (!e->heap_pos)
		return;
	size_t i = e->heap_pos - 1;
	e->heap_pos = 0;
	struct sim_ent *last = s->heap[--s->heap_len];
	if (i < s->heap_len) {
		heap_place(s, i, last);
		heap_up(s, i);
		heap_down(s, last->heap_pos - 1);
	}
}

/* ---- owner uid -> children ---- */

static void kid_attach(struct ks_sim *s, struct sim_ent *e, const char *uid)
{
	if (!uid || !*uid)
		return;
	struct sim_owner *o = map_get(&s->owners, uid);
	if (!o) {
		size_t n = strlen(uid);
		o = xcalloc(1, sizeof *o + n + 1);
		memcpy(o->uid, uid, n + 1);
		map_put(&s->owners, uid, o);
	}
	e->owner = o;
	e->owner_pos = (uint32_t)o->kids.len;
	vec_push(&o->kids, e);
}

static void kid_detach(struct ks_sim *s, struct sim_ent *e)
{
	struct sim_owner *o = e->owner;
	if (!o)
		return;
	struct sim_ent *last = vec_pop(&o->kids);
	if (last != e) {
		o->kids.items[e->owner_pos] = last;
		last->owner_pos = e->owner_pos;
	}
	e->owner = NULL;
	if (!o->kids.len) {
		map_del(&s->owners, o->uid);
		vec_free(&o->kids, NULL);
		free(o);
	}
}

/* Keep e under the owner that obj's controller reference names. */
static void kid_follow(struct ks_sim *s, struct sim_ent *e, const json_t *obj)
{
	const char *uid = jstr(ctrl_ref(obj), "uid");
	if (e->owner && uid && !strcmp(e->owner->uid, uid))
		return;
	if (!e->owner && !uid)
		return;
	kid_detach(s, e);
	kid_attach(s, e, uid);
}

/* The children of owner uid of one kind, as keys (copies: acting on them
 * writes to the store, and those writes change the index). */
static void kids_of(struct ks_sim *s, const char *uid, enum ent_kind kind,
		    struct vec *out)
{
	struct sim_owner *o = uid ? map_get(&s->owners, uid) : NULL;
	for (size_t i = 0; o && i < o->kids.len; i++) {
		struct sim_ent *e = o->kids.items[i];
		if (e->kind != kind)
			continue;
		vec_push(out, xstrdup(kind == ENT_POD ? ((struct sim_pod *)e)->key
						      : ((struct sim_rs *)e)->key));
	}
}

/* ---- the work queue ---- */

static void enqueue(struct ks_sim *s, enum ks_kind k, const char *key)
{
	char dk[600];
	if ((size_t)snprintf(dk, sizeof dk, "%d:%s", (int)k, key) >= sizeof dk)
		return;
	if (map_has(&s->queued, dk))
		return;
	map_put(&s->queued, dk, s);
	size_t n = strlen(key);
	struct sim_work *wk = xmalloc(sizeof *wk + n + 1);
	wk->kind = (uint8_t)k;
	memcpy(wk->key, key, n + 1);
	vec_push(&s->queue, wk);
}

static void enqueue_owner(struct ks_sim *s, const json_t *obj, const char *ns)
{
	const json_t *r = ctrl_ref(obj);
	const char *kind = jstr(r, "kind"), *name = jstr(r, "name");
	if (!kind || !name)
		return;
	enum ks_kind k;
	if (!strcmp(kind, "ReplicaSet"))
		k = KS_REPLICASETS;
	else if (!strcmp(kind, "Deployment"))
		k = KS_DEPLOYMENTS;
	else if (!strcmp(kind, "Job"))
		k = KS_JOBS;
	else
		return;
	char key[600];
	key_of(key, sizeof key, ns, name);
	enqueue(s, k, key);
}

/* Sync kind/key at `due` (or sooner, when already asked for sooner). */
static void delay(struct ks_sim *s, enum ks_kind k, const char *key, double due)
{
	char dk[600];
	if ((size_t)snprintf(dk, sizeof dk, "%d:%s", (int)k, key) >= sizeof dk)
		return;
	struct sim_delay *d = map_get(&s->delays, dk);
	if (d) {
		if (due < d->ent.due)
			timer_set(s, &d->ent, due);
		return;
	}
	size_t n = strlen(key);
	d = xcalloc(1, sizeof *d + n + 1);
	d->ent.kind = ENT_DELAY;
	d->what = (uint8_t)k;
	memcpy(d->key, key, n + 1);
	map_put(&s->delays, dk, d);
	timer_set(s, &d->ent, due);
}

static void delay_cancel(struct ks_sim *s, enum ks_kind k, const char *key)
{
	char dk[600];
	snprintf(dk, sizeof dk, "%d:%s", (int)k, key);
	struct sim_delay *d = map_del(&s->delays, dk);
	if (d) {
		timer_clear(s, &d->ent);
		free(d);
	}
}

static void delay_fire(struct ks_sim *s, struct sim_delay *d)
{
	char dk[600];
	snprintf(dk, sizeof dk, "%d:%s", (int)d->what, d->key);
	map_del(&s->delays, dk);
	enqueue(s, d->what, d->key);
	free(d);
}

/* ---- store hook ---- */

static struct sim_pod *pod_new(const char *key)
{
	size_t n = strlen(key);
	struct sim_pod *p = xcalloc(1, sizeof *p + n + 1);
	p->ent.kind = ENT_POD;
	memcpy(p->key, key, n + 1);
	return p;
}

static void pod_forget(struct ks_sim *s, struct sim_pod *p)
{
	map_del(&s->pods, p->key);
	timer_clear(s, &p->ent);
	kid_detach(s, &p->ent);
	free(p);
}

static void pod_changed(struct ks_world *w, const struct ks_obj *o,
			const char *key, bool added, bool gone)
{
	struct ks_sim *s = w->sim;
	struct sim_pod *p = map_get(&s->pods, key);
	if (gone) {
		if (p)
			pod_forget(s, p);
	} else if (added || !p) {
		/* A new pod under a reused name starts from scratch. */
		if (p)
			pod_forget(s, p);
		p = pod_new(key);
		map_put(&s->pods, key, p);
		kid_attach(s, &p->ent, jstr(ctrl_ref(o->json), "uid"));
		timer_set(s, &p->ent, sim_now(w));
	} else {
		kid_follow(s, &p->ent, o->json);
		/* Someone else asked for the pod's deletion: the kubelet
		 * stops it on its next step. */
		if (deleting(o->json) && !(p->flags & PF_TERMINATING))
			timer_set(s, &p->ent, sim_now(w));
	}
	enqueue_owner(s, o->json, o->ns);
	/* As upstream's deletePod handler: a Recreate rollout waits for
	 * its old pods to be gone, so their owner's owner looks again. */
	if (gone) {
		const char *rs = jstr(ctrl_ref(o->json), "name");
		struct ks_obj *r = rs && str_eq(jstr(ctrl_ref(o->json), "kind"), "ReplicaSet")
					   ? ks_get(w, KS_REPLICASETS, o->ns, rs)
					   : NULL;
		if (r)
			enqueue_owner(s, r->json, r->ns);
	}
}

static void rs_changed(struct ks_world *w, const struct ks_obj *o,
		       const char *key, bool gone)
{
	struct ks_sim *s = w->sim;
	struct sim_rs *r = map_get(&s->rsets, key);
	if (gone) {
		if (r) {
			map_del(&s->rsets, key);
			kid_detach(s, &r->ent);
			free(r);
		}
		vec_push(&s->gc, xstrdup(o->uid));
	} else {
		if (!r) {
			size_t n = strlen(key);
			r = xcalloc(1, sizeof *r + n + 1);
			r->ent.kind = ENT_RS;
			memcpy(r->key, key, n + 1);
			map_put(&s->rsets, key, r);
		}
		kid_follow(s, &r->ent, o->json);
		enqueue(s, KS_REPLICASETS, key);
	}
	enqueue_owner(s, o->json, o->ns);
}

void sim_on_change(struct ks_world *w, enum ks_kind k, const char *type,
		   const struct ks_obj *o)
{
	struct ks_sim *s = w->sim;
	if (!s || s->quiet)
		return;
	if (k != KS_PODS && k != KS_REPLICASETS && k != KS_DEPLOYMENTS &&
	    k != KS_JOBS)
		return;
	bool gone = !strcmp(type, "DELETED");
	char key[600];
	key_of(key, sizeof key, o->ns, o->name);
	switch (k) {
	case KS_PODS:
		pod_changed(w, o, key, !strcmp(type, "ADDED"), gone);
		break;
	case KS_REPLICASETS:
		rs_changed(w, o, key, gone);
		break;
	default: /* deployments and jobs */
		if (gone)
			vec_push(&s->gc, xstrdup(o->uid));
		else
			enqueue(s, k, key);
		break;
	}
}

/* ---- nodes ---- */

static void node_ip(long i, char *out, size_t n)
{
	snprintf(out, n, "10.0.%ld.%ld", (i - 1) / 240, 10 + (i - 1) % 240 + 1);
}

/* The InternalIP of a node sim made ("node-7"), or the address the Node
 * object lists. */
static void host_ip(struct ks_world *w, const char *node, char *out, size_t n)
{
	long i;
	if (node && str_has_prefix(node, "node-") &&
	    str_to_long(node + 5, 1, 1000000, &i)) {
		node_ip(i, out, n);
		return;
	}
	struct ks_obj *o = node ? ks_get(w, KS_NODES, "", node) : NULL;
	json_t *addrs = json_object_get(json_object_get(o ? o->json : NULL, "status"),
					"addresses");
	size_t j;
	json_t *a;
	json_array_foreach(addrs, j, a)
	{
		if (str_eq(jstr(a, "type"), "InternalIP") && jstr(a, "address")) {
			str_copy(out, n, jstr(a, "address"));
			return;
		}
	}
	str_copy(out, n, "10.0.0.2");
}

static enum status make_nodes(struct ks_world *w, struct err *e)
{
	struct ks_sim *s = w->sim;
	double now = s->now;
	char ts[40];
	ks_time_format(now, false, ts);
	for (long i = 1; i <= s->nodes; i++) {
		char name[32], ip[32], cidr[32], mid[40];
		snprintf(name, sizeof name, "node-%ld", i);
		node_ip(i, ip, sizeof ip);
		snprintf(cidr, sizeof cidr, "10.244.%ld.0/24", (i - 1) % 256);
		uint64_t h = ks_mix64(w->seed ^ (uint64_t)i);
		snprintf(mid, sizeof mid, "%016llx%016llx", (unsigned long long)h,
			 (unsigned long long)ks_mix64(h));
		json_t *conds = json_array();
		static const char *const pressure[][3] = {
			{"MemoryPressure", "KubeletHasSufficientMemory",
			 "kubelet has sufficient memory available"},
			{"DiskPressure", "KubeletHasNoDiskPressure",
			 "kubelet has no disk pressure"},
			{"PIDPressure", "KubeletHasSufficientPID",
			 "kubelet has sufficient PID available"},
		};
		for (size_t c = 0; c < 3; c++)
			json_array_append_new(
				conds, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "type",
						 pressure[c][0], "status", "False",
						 "lastHeartbeatTime", ts,
						 "lastTransitionTime", ts, "reason",
						 pressure[c][1], "message",
						 pressure[c][2]));
		json_array_append_new(
			conds, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "type", "Ready",
					 "status", "True", "lastHeartbeatTime", ts,
					 "lastTransitionTime", ts, "reason",
					 "KubeletReady", "message",
					 "kubelet is posting ready status"));
		json_t *res = json_pack("{s:s,s:s,s:s,s:s}", "cpu", "8",
					"ephemeral-storage", "101430960Ki",
					"memory", "32795036Ki", "pods", "110");
		json_t *node = json_pack(
			"{s:{s:s,s:{s:s,s:s,s:s,s:s}},"
			"s:{s:s,s:[s],s:s},"
			"s:{s:O,s:o,s:o,s:[{s:s,s:s},{s:s,s:s}],"
			"s:{s:{s:i}},"
			"s:{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}}}",
			"metadata", "name", name, "labels", "kubernetes.io/hostname",
			name, "kubernetes.io/os", "linux", "kubernetes.io/arch",
			"amd64", "beta.kubernetes.io/os", "linux",
			"spec", "podCIDR", cidr, "podCIDRs", cidr, "providerID",
			"kubesim://", "status", "capacity", res, "allocatable",
			json_deep_copy(res), "conditions", conds, "addresses",
			"type", "InternalIP", "address", ip, "type", "Hostname",
			"address", name, "daemonEndpoints", "kubeletEndpoint",
			"Port", 10250, "nodeInfo", "machineID", mid, "systemUUID",
			mid, "bootID", mid, "kernelVersion", "6.1.0-28-amd64",
			"osImage", "Debian GNU/Linux 12 (bookworm)",
			"containerRuntimeVersion", "containerd://1.7.24",
			"kubeletVersion", "v1.32.0", "kubeProxyVersion", "v1.32.0",
			"operatingSystem", "linux", "architecture", "amd64");
		json_decref(res);
		enum status st = ks_create(w, KS_NODES, "", node, NULL, e);
		if (st != ST_OK && st != ST_ERR_EXISTS)
			return st;
	}
	return ST_OK;
}

/* ---- pods: what the scenario asks of them ---- */

struct podcfg {
	double start_after, ready_after; /* simulated seconds */
	double crash_after, exit_after;  /* < 0: never */
	int exit_code;
	bool never_ready, pull_error;
	char restart; /* 'A'lways, 'O'nFailure, 'N'ever */
};

static double ann_num(const json_t *ann, const char *k, double def)
{
	json_t *v = json_object_get(ann, k);
	if (json_is_number(v))
		return json_number_value(v);
	const char *s = json_string_value(v);
	if (!s)
		return def;
	char *end;
	double d = strtod(s, &end);
	if (end == s || !isfinite(d) || d < 0)
		return def;
	if (!*end || !strcmp(end, "s"))
		return d;
	if (!strcmp(end, "ms"))
		return d / 1000;
	if (!strcmp(end, "m"))
		return d * 60;
	if (!strcmp(end, "h"))
		return d * 3600;
	return def;
}

static bool image_fails(struct ks_world *w, const json_t *pod,
			const char *image)
{
	if (str_eq(ann_of(pod, KS_ANN_PULL_ERROR), "true"))
		return true;
	if (!w->sc || !image)
		return false;
	for (size_t i = 0; i < w->sc->pull_errors.len; i++)
		if (str_glob(w->sc->pull_errors.items[i], image))
			return true;
	return false;
}

static void pod_cfg(struct ks_world *w, const json_t *pod, struct podcfg *c)
{
	const json_t *ann = json_object_get(meta_of(pod), "annotations");
	const json_t *spec = json_object_get(pod, "spec");
	c->start_after = ann_num(ann, KS_ANN_START_AFTER, 1);
	c->ready_after = ann_num(ann, KS_ANN_READY_AFTER, 0.5);
	c->crash_after = ann_num(ann, KS_ANN_CRASH_AFTER, -1);
	c->exit_after = ann_num(ann, KS_ANN_EXIT_AFTER, -1);
	c->exit_code = (int)ann_num(ann, KS_ANN_EXIT_CODE, 0);
	if (c->exit_code > 255)
		c->exit_code = 255;
	c->never_ready = str_eq(jstr(ann, KS_ANN_NEVER_READY), "true");
	const char *rp = jstr(spec, "restartPolicy");
	c->restart = str_eq(rp, "Never") ? 'N' : str_eq(rp, "OnFailure") ? 'O' : 'A';
	/* A Job's pod that says nothing runs a little while and succeeds,
	 * so `kubectl create -f job.yaml` completes. */
	if (c->crash_after < 0 && c->exit_after < 0 &&
	    str_eq(jstr(ctrl_ref(pod), "kind"), "Job"))
		c->exit_after = JOB_DEFAULT_RUN;
	c->pull_error = false;
	size_t i;
	json_t *ct;
	json_array_foreach(json_object_get(spec, "containers"), i, ct)
	{
		if (image_fails(w, pod, jstr(ct, "image")))
			c->pull_error = true;
	}
}

/* ---- pods: status as the kubelet reports it ---- */

static void hex_id(uint64_t h, char *out, size_t hexlen)
{
	static const char hx[] = "0123456789abcdef";
	for (size_t i = 0; i < hexlen; i++) {
		if (i % 16 == 0 && i)
			h = ks_mix64(h);
		out[i] = hx[(h >> ((i % 16) * 4)) & 15];
	}
	out[hexlen] = '\0';
}

/* Container IDs follow the pod's key and run: stable from the first
 * write on (generated pods have no uid yet when their status is made). */
static void container_id(struct ks_world *w, const char *key, const char *name,
			 unsigned run, char out[80])
{
	char hex[65];
	hex_id(ks_mix64(w->seed ^ ks_hash64(key) ^ ks_mix64(ks_hash64(name) + run)), hex, 64);
	snprintf(out, 80, "containerd://%s", hex);
}

/* "nginx:1.25" -> "docker.io/library/nginx@sha256:..." */
static void image_id(const char *image, char *out, size_t n)
{
	char repo[256];
	str_copy(repo, sizeof repo, image);
	char *at = strchr(repo, '@');
	if (at)
		*at = '\0';
	char *slash = strrchr(repo, '/');
	char *colon = strrchr(slash ? slash : repo, ':');
	if (colon)
		*colon = '\0';
	const char *first_end = strchr(repo, '/');
	bool has_host = first_end && (memchr(repo, '.', (size_t)(first_end - repo)) ||
				      memchr(repo, ':', (size_t)(first_end - repo)) ||
				      !strncmp(repo, "localhost/", 10));
	char hex[65];
	hex_id(ks_hash64(image), hex, 64);
	snprintf(out, n, "%s%s%s@sha256:%s", has_host ? "" : "docker.io/",
		 has_host || first_end ? "" : "library/", repo, hex);
}

static json_t *terminated(int code, double start, double end, const char *cid)
{
	char s[40], f[40];
	ks_time_format(start, false, s);
	ks_time_format(end, false, f);
	return json_pack("{s:{s:i,s:s,s:s,s:s,s:s}}", "terminated", "exitCode",
			 code, "reason", code ? "Error" : "Completed", "startedAt",
			 s, "finishedAt", f, "containerID", cid);
}

static double crash_backoff(unsigned restarts)
{
	double b = BACKOFF_BASE * pow(2, restarts > 0 ? restarts - 1 : 0);
	return b > BACKOFF_MAX ? BACKOFF_MAX : b;
}

static json_t *waiting(const char *reason, const char *msg)
{
	json_t *w = json_pack("{s:{s:s}}", "waiting", "reason", reason);
	if (msg)
		json_object_set_new(json_object_get(w, "waiting"), "message",
				    json_string(msg));
	return w;
}

static json_t *ctr_status(struct ks_world *w, const struct sim_pod *p,
			  const struct ks_obj *o, const json_t *pod,
			  const json_t *ct)
{
	const char *name = jstr(ct, "name") ? jstr(ct, "name") : "";
	const char *image = jstr(ct, "image") ? jstr(ct, "image") : "";
	char cid[80], pcid[80], iid[400], msg[700];
	container_id(w, p->key, name, p->run, cid);
	container_id(w, p->key, name, p->run ? p->run - 1 : 0, pcid);
	image_id(image, iid, sizeof iid);
	bool ready = false, started = false, has_cid = true;
	json_t *state;
	switch (p->stage) {
	case PS_PULL_ERR:
	case PS_PULL_BACKOFF:
		has_cid = false;
		if (!image_fails(w, pod, image)) {
			/* the other containers wait for the failing one */
			state = waiting("ContainerCreating", NULL);
		} else if (p->stage == PS_PULL_ERR) {
			snprintf(msg, sizeof msg,
				 "rpc error: code = NotFound desc = failed to pull and unpack image \"%s\": failed to resolve reference \"%s\": not found",
				 image, image);
			state = waiting("ErrImagePull", msg);
		} else {
			snprintf(msg, sizeof msg, "Back-off pulling image \"%s\"", image);
			state = waiting("ImagePullBackOff", msg);
		}
		break;
	case PS_RUNNING:
		if (p->flags & PF_KILLED) {
			state = terminated(p->exit, p->start, p->end, cid);
		} else {
			char ts[40];
			ks_time_format(p->start, false, ts);
			state = json_pack("{s:{s:s}}", "running", "startedAt", ts);
			started = true;
			ready = p->flags & PF_READY;
		}
		break;
	case PS_EXITED:
	case PS_DONE:
		state = terminated(p->exit, p->start, p->end, cid);
		break;
	case PS_CRASHED: {
		char b[32];
		go_dur(crash_backoff(p->restarts), b, sizeof b);
		snprintf(msg, sizeof msg,
			 "back-off %s restarting failed container=%s pod=%s_%s(%s)", b,
			 name, o ? o->name : "", o ? o->ns : "", o ? o->uid : "");
		state = waiting("CrashLoopBackOff", msg);
		break;
	}
	default: /* new, scheduled, creating */
		has_cid = false;
		state = waiting("ContainerCreating", NULL);
		break;
	}
	/* lastState: the run before the one `state` shows (in a back-off,
	 * the run that just crashed). */
	json_t *last;
	if (p->stage == PS_CRASHED)
		last = terminated(p->exit, p->start, p->end, cid);
	else if (p->run > 0 && p->prev_end > 0 && p->stage >= PS_RUNNING)
		last = terminated(p->prev_exit, p->prev_start, p->prev_end, pcid);
	else
		last = json_object();
	json_t *cs = json_pack("{s:s,s:o,s:o,s:b,s:i,s:s,s:s}", "name", name,
			       "state", state, "lastState", last, "ready", ready,
			       "restartCount", (int)p->restarts, "image", image,
			       "imageID", p->stage >= PS_RUNNING ? iid : "");
	if (has_cid)
		json_object_set_new(cs, "containerID", json_string(cid));
	json_object_set_new(cs, "started", json_boolean(started));
	return cs;
}

/* Keep a condition's lastTransitionTime while its status holds. */
static json_t *pod_cond(const json_t *old, const char *type, bool ok,
			const char *reason, const char *msg, double t)
{
	const char *st = ok ? "True" : "False";
	char ts[40];
	ks_time_format(t, false, ts);
	const char *ltt = ts;
	size_t i;
	json_t *c;
	json_array_foreach(old, i, c)
	{
		if (str_eq(jstr(c, "type"), type) && str_eq(jstr(c, "status"), st) &&
		    jstr(c, "lastTransitionTime"))
			ltt = jstr(c, "lastTransitionTime");
	}
	json_t *n = json_pack("{s:s,s:s,s:n,s:s}", "type", type, "status", st,
			      "lastProbeTime", "lastTransitionTime", ltt);
	if (reason)
		json_object_set_new(n, "reason", json_string(reason));
	if (msg)
		json_object_set_new(n, "message", json_string(msg));
	return n;
}

static const char *qos_class(const json_t *spec)
{
	bool any = false, guaranteed = true;
	size_t i;
	json_t *ct;
	json_array_foreach(json_object_get(spec, "containers"), i, ct)
	{
		json_t *res = json_object_get(ct, "resources");
		json_t *req = json_object_get(res, "requests");
		json_t *lim = json_object_get(res, "limits");
		if (json_object_size(req) || json_object_size(lim))
			any = true;
		static const char *const rk[] = {"cpu", "memory"};
		for (size_t r = 0; r < 2; r++) {
			json_t *l = json_object_get(lim, rk[r]);
			json_t *q = json_object_get(req, rk[r]);
			if (!l || (q && !json_equal(q, l)))
				guaranteed = false;
		}
	}
	return !any ? "BestEffort" : guaranteed ? "Guaranteed" : "Burstable";
}

/* Rewrite pod's status from p's stage (pod is a mutable copy). */
static void pod_render(struct ks_world *w, const struct sim_pod *p,
		       const struct ks_obj *o, json_t *pod, double t)
{
	json_t *spec = json_object_get(pod, "spec");
	json_t *status = jobj(pod, "status");
	json_t *containers = json_object_get(spec, "containers");
	const char *phase = "Pending";
	if (p->stage == PS_RUNNING || p->stage == PS_EXITED || p->stage == PS_CRASHED)
		phase = "Running";
	else if (p->stage == PS_DONE)
		phase = p->exit ? "Failed" : "Succeeded";
	json_object_set_new(status, "phase", json_string(phase));

	json_t *old = json_incref(json_object_get(status, "conditions"));
	json_t *conds = json_array();
	if (p->stage >= PS_CREATING) {
		bool ready = p->stage == PS_RUNNING && (p->flags & PF_READY) &&
			     !(p->flags & PF_KILLED);
		const char *reason = NULL;
		struct buf msg = BUF_INIT;
		if (!ready && p->stage == PS_DONE) {
			reason = "PodCompleted";
		} else if (!ready) {
			reason = "ContainersNotReady";
			buf_puts(&msg, "containers with unready status: [");
			size_t i;
			json_t *ct;
			json_array_foreach(containers, i, ct)
			{
				buf_printf(&msg, "%s%s", i ? " " : "",
					   jstr(ct, "name") ? jstr(ct, "name") : "");
			}
			buf_putc(&msg, ']');
		}
		const char *m = msg.len ? buf_str(&msg) : NULL;
		json_array_append_new(conds, pod_cond(old, "PodReadyToStartContainers",
						      p->stage != PS_DONE, NULL, NULL, t));
		json_array_append_new(conds, pod_cond(old, "Initialized", true,
						      NULL, NULL, t));
		json_array_append_new(conds, pod_cond(old, "Ready", ready, reason, m, t));
		json_array_append_new(conds, pod_cond(old, "ContainersReady", ready,
						      reason, m, t));
		buf_free(&msg);
	}
	if (p->stage >= PS_SCHEDULED)
		json_array_append_new(conds, pod_cond(old, "PodScheduled", true,
						      NULL, NULL, t));
	json_decref(old);
	if (json_array_size(conds))
		json_object_set_new(status, "conditions", conds);
	else
		json_decref(conds);

	if (p->stage >= PS_CREATING) {
		char ip[32];
		host_ip(w, jstr(spec, "nodeName"), ip, sizeof ip);
		json_object_set_new(status, "hostIP", json_string(ip));
		json_object_set_new(status, "hostIPs", json_pack("[{s:s}]", "ip", ip));
		if (!json_object_get(status, "startTime"))
			set_time(status, "startTime", t);
		json_t *cs = json_array();
		size_t i;
		json_t *ct;
		json_array_foreach(containers, i, ct)
		{
			json_array_append_new(cs, ctr_status(w, p, o, pod, ct));
		}
		json_object_set_new(status, "containerStatuses", cs);
	}
	if (!json_object_get(status, "qosClass"))
		json_object_set_new(status, "qosClass", json_string(qos_class(spec)));
}

static void assign_ip(struct ks_world *w, json_t *pod)
{
	json_t *status = jobj(pod, "status");
	if (jstr(status, "podIP"))
		return;
	uint64_t n = ++w->sim->next_ip;
	char ip[32];
	snprintf(ip, sizeof ip, "10.%u.%u.%u", (unsigned)(244 + (n >> 16) % 12),
		 (unsigned)((n >> 8) & 255), (unsigned)(n & 255));
	json_object_set_new(status, "podIP", json_string(ip));
	json_object_set_new(status, "podIPs", json_pack("[{s:s}]", "ip", ip));
}

/* Store p's state; *o becomes the new object. */
static void pod_write(struct ks_world *w, struct sim_pod *p, struct ks_obj **o,
		      double t)
{
	json_t *j = ks_mutable(*o);
	pod_render(w, p, *o, j, t);
	if (json_equal(j, (*o)->json)) {
		json_decref(j);
		return;
	}
	ks_update(w, *o, j, o, NULL);
}

/* Events the kubelet records for each container. */
#define EACH_CONTAINER(o, ct, i)                                              \
	json_array_foreach(json_object_get(json_object_get((o)->json, "spec"),  \
					   "containers"),                     \
			   i, ct)

/* ---- pods: the lifecycle ---- */

static void pod_start(struct ks_world *w, struct sim_pod *p, struct ks_obj *o,
		      const struct podcfg *c, double t)
{
	if (p->start > 0) {
		p->prev_start = p->start;
		p->prev_end = p->end;
		p->prev_exit = p->exit;
	}
	p->run = p->restarts;
	p->start = t;
	p->end = 0;
	p->exit = 0;
	p->k = 0;
	p->stage = PS_RUNNING;
	p->flags &= ~PF_READY;
	if (!c->never_ready && c->ready_after <= 0)
		p->flags |= PF_READY;
	size_t i;
	json_t *ct;
	EACH_CONTAINER(o, ct, i)
	{
		const char *name = jstr(ct, "name") ? jstr(ct, "name") : "";
		const char *image = jstr(ct, "image") ? jstr(ct, "image") : "";
		if (!(p->flags & PF_PULLED)) {
			char d[32];
			go_dur(c->start_after > 0 ? c->start_after : 0.001, d, sizeof d);
			ks_event(w, o, "Normal", "Pulled", "kubelet",
				 "Successfully pulled image \"%s\" in %s (%s including waiting). Image size: %llu bytes.",
				 image, d, d,
				 (unsigned long long)(ks_hash64(image) % 200000000 + 5000000));
		} else {
			ks_event(w, o, "Normal", "Pulled", "kubelet",
				 "Container image \"%s\" already present on machine", image);
		}
		ks_event(w, o, "Normal", "Created", "kubelet", "Created container: %s", name);
		ks_event(w, o, "Normal", "Started", "kubelet", "Started container %s", name);
	}
	p->flags |= PF_PULLED;
	pod_write(w, p, &o, t);
}

enum { RN_NONE, RN_READY, RN_CRASH, RN_EXIT, RN_PROBE };

/* What happens next to a running pod, and when (real seconds). */
static double running_next(struct ks_world *w, const struct sim_pod *p,
			   const struct podcfg *c, int *what)
{
	double best = INFINITY;
	*what = RN_NONE;
	if (!(p->flags & PF_READY) && !c->never_ready) {
		best = p->start + ks_dur(w, c->ready_after);
		*what = RN_READY;
	}
	double end = -1;
	int how = RN_NONE;
	if (c->crash_after >= 0)
		end = c->crash_after, how = RN_CRASH;
	else if (c->exit_after >= 0)
		end = c->exit_after, how = RN_EXIT;
	if (how != RN_NONE && p->start + ks_dur(w, end) < best) {
		best = p->start + ks_dur(w, end);
		*what = how;
	}
	if (c->never_ready) {
		double probe = p->start + ks_dur(w, PROBE_PERIOD * (p->k + 1));
		if (probe < best) {
			best = probe;
			*what = RN_PROBE;
		}
	}
	return best;
}

static void pod_arm_running(struct ks_world *w, struct sim_pod *p,
			    const struct podcfg *c)
{
	int what;
	double due = running_next(w, p, c, &what);
	if (what == RN_NONE)
		timer_clear(w->sim, &p->ent);
	else
		timer_set(w->sim, &p->ent, due);
}

static void pod_exit(struct ks_world *w, struct sim_pod *p, struct ks_obj *o,
		     const struct podcfg *c, double t, int code)
{
	p->end = t;
	p->exit = (int16_t)code;
	p->flags &= ~PF_READY;
	bool restart = c->restart == 'A' || (c->restart == 'O' && code != 0);
	if (!restart) {
		p->stage = PS_DONE;
		pod_write(w, p, &o, t);
		return;
	}
	/* As `kubectl get pods -w` shows it: Error (or Completed), then
	 * CrashLoopBackOff with one more restart. */
	p->stage = PS_EXITED;
	pod_write(w, p, &o, t);
	p->restarts++;
	p->stage = PS_CRASHED;
	pod_write(w, p, &o, t);
	size_t i;
	json_t *ct;
	EACH_CONTAINER(o, ct, i)
	{
		ks_event(w, o, "Warning", "BackOff", "kubelet",
			 "Back-off restarting failed container %s in pod %s_%s(%s)",
			 jstr(ct, "name") ? jstr(ct, "name") : "", o->name, o->ns, o->uid);
	}
	timer_set(w->sim, &p->ent, t + ks_dur(w, crash_backoff(p->restarts)));
}

static void pull_failed(struct ks_world *w, struct sim_pod *p, struct ks_obj *o,
			double t)
{
	p->stage = PS_PULL_ERR;
	pod_write(w, p, &o, t);
	size_t i;
	json_t *ct;
	EACH_CONTAINER(o, ct, i)
	{
		const char *image = jstr(ct, "image");
		if (!image_fails(w, o->json, image))
			continue;
		ks_event(w, o, "Warning", "Failed", "kubelet",
			 "Failed to pull image \"%s\": rpc error: code = NotFound desc = failed to pull and unpack image \"%s\": failed to resolve reference \"%s\": not found",
			 image, image, image);
		ks_event(w, o, "Warning", "Failed", "kubelet", "Error: ErrImagePull");
	}
	timer_set(w->sim, &p->ent, t + ks_dur(w, PULL_ERR_SHOW));
}

static void pod_schedule(struct ks_world *w, struct sim_pod *p, struct ks_obj *o,
			 const struct podcfg *c, double t)
{
	struct ks_sim *s = w->sim;
	json_t *spec = json_object_get(o->json, "spec");
	if ((!jstr(spec, "nodeName") || !*jstr(spec, "nodeName")) && !s->nodes) {
		/* Nowhere to go: Pending, as the scheduler reports it. */
		json_t *j = ks_mutable(o);
		json_t *st = jobj(j, "status");
		json_object_set_new(st, "conditions",
				    json_pack("[{s:s,s:s,s:n,s:s,s:s,s:s}]", "type",
					      "PodScheduled", "status", "False",
					      "lastProbeTime", "lastTransitionTime",
					      jstr(meta_of(o->json), "creationTimestamp")
						      ? jstr(meta_of(o->json), "creationTimestamp")
						      : "",
					      "reason", "Unschedulable", "message",
					      "no nodes available to schedule pods"));
		if (json_equal(j, o->json)) {
			json_decref(j);
			return;
		}
		ks_update(w, o, j, &o, NULL);
		ks_event(w, o, "Warning", "FailedScheduling", "default-scheduler",
			 "no nodes available to schedule pods");
		return;
	}
	json_t *j = ks_mutable(o);
	spec = jobj(j, "spec");
	if (!jstr(spec, "nodeName") || !*jstr(spec, "nodeName")) {
		char node[32];
		snprintf(node, sizeof node, "node-%lu", s->next_node++ % (unsigned long)s->nodes + 1);
		json_object_set_new(spec, "nodeName", json_string(node));
	}
	p->stage = PS_SCHEDULED;
	pod_render(w, p, o, j, t);
	ks_update(w, o, j, &o, NULL);
	const char *node = jstr(json_object_get(o->json, "spec"), "nodeName");
	ks_event(w, o, "Normal", "Scheduled", "default-scheduler",
		 "Successfully assigned %s/%s to %s", o->ns, o->name, node);

	/* The kubelet takes it: sandbox, IP, then the image pulls. */
	p->stage = PS_CREATING;
	j = ks_mutable(o);
	assign_ip(w, j);
	pod_render(w, p, o, j, t);
	ks_update(w, o, j, &o, NULL);
	size_t i;
	json_t *ct;
	EACH_CONTAINER(o, ct, i)
	{
		ks_event(w, o, "Normal", "Pulling", "kubelet", "Pulling image \"%s\"",
			 jstr(ct, "image") ? jstr(ct, "image") : "");
	}
	timer_set(s, &p->ent, t + ks_dur(w, c->start_after));
}

static void pod_begin_terminate(struct ks_world *w, struct sim_pod *p,
				struct ks_obj *o, double t)
{
	if (p->flags & PF_TERMINATING)
		return;
	p->flags |= PF_TERMINATING;
	if (!deleting(o->json)) {
		long grace = jlong(json_object_get(o->json, "spec"),
				   "terminationGracePeriodSeconds", 30);
		json_t *j = ks_mutable(o);
		json_t *meta = jobj(j, "metadata");
		set_time(meta, "deletionTimestamp", t + (double)grace);
		json_object_set_new(meta, "deletionGracePeriodSeconds",
				    json_integer(grace));
		ks_update(w, o, j, &o, NULL);
	}
	if (p->stage == PS_RUNNING) {
		size_t i;
		json_t *ct;
		EACH_CONTAINER(o, ct, i)
		{
			ks_event(w, o, "Normal", "Killing", "kubelet", "Stopping container %s",
				 jstr(ct, "name") ? jstr(ct, "name") : "");
		}
	}
	timer_set(w->sim, &p->ent, t + ks_dur(w, TERM_KILL));
}

static void pod_term_step(struct ks_world *w, struct sim_pod *p,
			  struct ks_obj *o, double t)
{
	if (!(p->flags & PF_KILLED)) {
		p->flags |= PF_KILLED;
		p->flags &= ~PF_READY;
		if (p->stage == PS_RUNNING) {
			p->end = t;
			p->exit = 0;
		}
		pod_write(w, p, &o, t);
		timer_set(w->sim, &p->ent, t + ks_dur(w, TERM_GONE - TERM_KILL));
		return;
	}
	ks_delete(w, o); /* sim_on_change frees p */
}

static void pod_step(struct ks_world *w, struct sim_pod *p, double t)
{
	struct ks_obj *o = obj_by_key(w, KS_PODS, p->key);
	if (!o)
		return;
	if (p->flags & PF_TERMINATING) {
		pod_term_step(w, p, o, t);
		return;
	}
	if (deleting(o->json)) {
		pod_begin_terminate(w, p, o, t);
		return;
	}
	struct podcfg c;
	pod_cfg(w, o->json, &c);
	switch (p->stage) {
	case PS_NEW:
	case PS_SCHEDULED:
		pod_schedule(w, p, o, &c, t);
		break;
	case PS_CREATING:
		if (c.pull_error) {
			p->k = 0;
			pull_failed(w, p, o, t);
		} else {
			pod_start(w, p, o, &c, t);
			pod_arm_running(w, p, &c);
		}
		break;
	case PS_PULL_ERR: {
		p->stage = PS_PULL_BACKOFF;
		pod_write(w, p, &o, t);
		size_t i;
		json_t *ct;
		EACH_CONTAINER(o, ct, i)
		{
			const char *image = jstr(ct, "image");
			if (!image_fails(w, o->json, image))
				continue;
			ks_event(w, o, "Normal", "BackOff", "kubelet",
				 "Back-off pulling image \"%s\"", image);
			ks_event(w, o, "Warning", "Failed", "kubelet", "Error: ImagePullBackOff");
		}
		double b = BACKOFF_BASE * pow(2, p->k);
		timer_set(w->sim, &p->ent, t + ks_dur(w, b > BACKOFF_MAX ? BACKOFF_MAX : b));
		break;
	}
	case PS_PULL_BACKOFF: {
		if (p->k < 250)
			p->k++;
		size_t i;
		json_t *ct;
		EACH_CONTAINER(o, ct, i)
		{
			ks_event(w, o, "Normal", "Pulling", "kubelet", "Pulling image \"%s\"",
				 jstr(ct, "image") ? jstr(ct, "image") : "");
		}
		if (c.pull_error) {
			pull_failed(w, p, o, t);
		} else {
			pod_start(w, p, o, &c, t);
			pod_arm_running(w, p, &c);
		}
		break;
	}
	case PS_RUNNING: {
		int what;
		double due = running_next(w, p, &c, &what);
		if (what == RN_NONE) {
			timer_clear(w->sim, &p->ent);
			break;
		}
		if (due > t + 1e-9) { /* an early or stale timer */
			timer_set(w->sim, &p->ent, due);
			break;
		}
		if (what == RN_READY) {
			p->flags |= PF_READY;
			pod_write(w, p, &o, t);
		} else if (what == RN_PROBE) {
			p->k = p->k < 250 ? p->k + 1 : p->k;
			ks_event(w, o, "Warning", "Unhealthy", "kubelet",
				 "Readiness probe failed: HTTP probe failed with statuscode: 503");
		} else {
			pod_exit(w, p, o, &c, t, what == RN_CRASH ? 1 : c.exit_code);
			break;
		}
		pod_arm_running(w, p, &c);
		break;
	}
	case PS_EXITED:
	case PS_CRASHED:
		pod_start(w, p, o, &c, t);
		pod_arm_running(w, p, &c);
		break;
	case PS_DONE:
		break;
	}
}

/* Controllers delete pods gracefully: Terminating for a moment, then gone. */
static void pod_terminate_key(struct ks_world *w, const char *key, double t)
{
	struct sim_pod *p = map_get(&w->sim->pods, key);
	struct ks_obj *o = obj_by_key(w, KS_PODS, key);
	if (p && o)
		pod_begin_terminate(w, p, o, t);
	else if (o)
		ks_delete(w, o);
}

/* ---- pods from templates ---- */

static void set_default(json_t *o, const char *k, json_t *v)
{
	if (!json_object_get(o, k))
		json_object_set(o, k, v);
	json_decref(v);
}

/*
 * A pod as a controller creates it from a template: labels, annotations
 * and spec from the template with the apiserver's defaults, an owner
 * reference, status Pending. lean leaves out the defaults nobody reads
 * (generated pods, where every field costs memory 100,000 times).
 */
static json_t *pod_from_template(const json_t *tmpl, const char *ns,
				 const char *name, const char *gen_name,
				 json_t *ownerrefs, const char *restart,
				 bool lean)
{
	json_t *tm = json_object_get(tmpl, "metadata");
	json_t *meta = json_pack("{s:s,s:s,s:s}", "name", name, "generateName",
				 gen_name, "namespace", ns);
	json_t *labels = json_object_get(tm, "labels");
	json_object_set_new(meta, "labels",
			    labels ? json_deep_copy(labels) : json_object());
	json_t *ann = json_object_get(tm, "annotations");
	if (json_object_size(ann))
		json_object_set_new(meta, "annotations", json_deep_copy(ann));
	json_object_set_new(meta, "ownerReferences", ownerrefs);
	json_t *spec = json_deep_copy(json_object_get(tmpl, "spec"));
	if (!json_is_object(spec)) {
		json_decref(spec);
		spec = json_object();
	}
	set_default(spec, "restartPolicy", json_string(restart));
	set_default(spec, "schedulerName", json_string("default-scheduler"));
	if (!lean) {
		set_default(spec, "terminationGracePeriodSeconds", json_integer(30));
		set_default(spec, "dnsPolicy", json_string("ClusterFirst"));
		set_default(spec, "serviceAccountName", json_string("default"));
		set_default(spec, "securityContext", json_object());
		size_t i;
		json_t *ct;
		json_array_foreach(json_object_get(spec, "containers"), i, ct)
		{
			const char *image = jstr(ct, "image") ? jstr(ct, "image") : "";
			const char *slash = strrchr(image, '/');
			const char *colon = strrchr(slash ? slash : image, ':');
			bool always = !strchr(image, '@') &&
				      (!colon || !strcmp(colon, ":latest"));
			set_default(ct, "imagePullPolicy",
				    json_string(always ? "Always" : "IfNotPresent"));
			set_default(ct, "terminationMessagePath",
				    json_string("/dev/termination-log"));
			set_default(ct, "terminationMessagePolicy", json_string("File"));
			set_default(ct, "resources", json_object());
		}
	}
	json_t *pod = json_pack("{s:o,s:o,s:{s:s}}", "metadata", meta, "spec",
				spec, "status", "phase", "Pending");
	json_object_set_new(json_object_get(pod, "status"), "qosClass",
			    json_string(qos_class(spec)));
	return pod;
}

/* "<prefix>-<5 random chars>" not yet taken in ns. */
static void fresh_name(struct ks_world *w, enum ks_kind k, const char *ns,
		       const char *prefix, char *out, size_t n)
{
	for (int tries = 0; tries < 100; tries++) {
		char suffix[6];
		ks_rand_suffix(w, suffix, 5);
		snprintf(out, n, "%.240s-%s", prefix, suffix);
		if (!ks_get(w, k, ns, out))
			return;
	}
}

/* Create a pod for owner o (a ReplicaSet or a Job); records the event the
 * owner's controller records. */
static bool create_owned_pod(struct ks_world *w, struct ks_obj *o,
			     const json_t *tmpl, json_t *extra_labels,
			     const char *restart, const char *component)
{
	char name[256], gen[256];
	fresh_name(w, KS_PODS, o->ns, o->name, name, sizeof name);
	snprintf(gen, sizeof gen, "%.240s-", o->name);
	json_t *pod = pod_from_template(
		tmpl, o->ns, name, gen,
		owner_ref(ks_kinds[o->kind].api_version, ks_kinds[o->kind].kind,
			  o->name, o->uid),
		restart, false);
	if (extra_labels)
		json_object_update(json_object_get(meta_of(pod), "labels"), extra_labels);
	struct err e;
	if (ks_create(w, KS_PODS, o->ns, pod, NULL, &e) != ST_OK) {
		ks_event(w, o, "Warning", "FailedCreate", component,
			 "Error creating: %s", e.msg);
		return false;
	}
	ks_event(w, o, "Normal", "SuccessfulCreate", component, "Created pod: %s", name);
	return true;
}

/* ---- pod facts the controllers count ---- */

static const json_t *pod_cond_get(const json_t *pod, const char *type)
{
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(json_object_get(pod, "status"),
					   "conditions"),
			   i, c)
	{
		if (str_eq(jstr(c, "type"), type))
			return c;
	}
	return NULL;
}

static bool pod_ready(const json_t *pod)
{
	return str_eq(jstr(pod_cond_get(pod, "Ready"), "status"), "True");
}

/* Ready for at least minReady (simulated) seconds by now. */
static bool pod_available(struct ks_world *w, const json_t *pod, long min_ready,
			  double now, double *when)
{
	if (!pod_ready(pod))
		return false;
	if (min_ready <= 0)
		return true;
	double since = 0;
	const char *ltt = jstr(pod_cond_get(pod, "Ready"), "lastTransitionTime");
	if (ltt)
		ks_time_parse(ltt, &since);
	double at = since + ks_dur(w, (double)min_ready);
	if (at <= now)
		return true;
	if (when && (*when == 0 || at < *when))
		*when = at;
	return false;
}

static bool pod_terminal(const json_t *pod)
{
	const char *ph = jstr(json_object_get(pod, "status"), "phase");
	return str_eq(ph, "Succeeded") || str_eq(ph, "Failed");
}

static long pod_restarts(const json_t *pod)
{
	long n = 0;
	size_t i;
	json_t *cs;
	json_array_foreach(json_object_get(json_object_get(pod, "status"),
					   "containerStatuses"),
			   i, cs)
	{
		n += jlong(cs, "restartCount", 0);
	}
	return n;
}

/* ---- ReplicaSet controller ---- */

struct podrank {
	char *key;
	int assigned, phase, ready;
	double ready_since, created;
	long restarts;
};

/* Which pods go first when scaling down (upstream's ActivePods order):
 * unscheduled, pending, not ready, ready for less time, more restarts,
 * newer. */
static int cmp_podrank(const void *a, const void *b)
{
	const struct podrank *x = *(struct podrank *const *)a;
	const struct podrank *y = *(struct podrank *const *)b;
	if (x->assigned != y->assigned)
		return x->assigned - y->assigned;
	if (x->phase != y->phase)
		return x->phase - y->phase;
	if (x->ready != y->ready)
		return x->ready - y->ready;
	if (x->ready && x->ready_since != y->ready_since)
		return x->ready_since > y->ready_since ? -1 : 1;
	if (x->restarts != y->restarts)
		return x->restarts > y->restarts ? -1 : 1;
	if (x->created != y->created)
		return x->created > y->created ? -1 : 1;
	return strcmp(x->key, y->key);
}

static void podrank_free(void *p)
{
	struct podrank *r = p;
	free(r->key);
	free(r);
}

static bool labels_subset(const json_t *want, const json_t *have)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)want, k, v)
	{
		if (!json_equal(v, json_object_get(have, k)))
			return false;
	}
	return true;
}

static void sync_rs(struct ks_world *w, const char *key)
{
	struct ks_sim *s = w->sim;
	struct ks_obj *o = obj_by_key(w, KS_REPLICASETS, key);
	if (!o)
		return;
	double now = s->now;
	json_t *spec = json_object_get(o->json, "spec");
	json_t *tmpl = json_object_get(spec, "template");
	json_t *tlabels = json_object_get(json_object_get(tmpl, "metadata"), "labels");
	long want = jlong(spec, "replicas", 1);
	long min_ready = jlong(spec, "minReadySeconds", 0);

	struct vec keys = VEC_INIT, active = VEC_INIT;
	kids_of(s, o->uid, ENT_POD, &keys);
	long labeled = 0, ready = 0, avail = 0;
	double avail_at = 0;
	for (size_t i = 0; i < keys.len; i++) {
		struct ks_obj *po = obj_by_key(w, KS_PODS, keys.items[i]);
		struct sim_pod *p = map_get(&s->pods, keys.items[i]);
		if (!po || pod_terminal(po->json) || deleting(po->json) ||
		    (p && (p->flags & PF_TERMINATING)))
			continue;
		json_t *st = json_object_get(po->json, "status");
		struct podrank *r = xcalloc(1, sizeof *r);
		r->key = xstrdup(keys.items[i]);
		r->assigned = jstr(json_object_get(po->json, "spec"), "nodeName") != NULL;
		const char *ph = jstr(st, "phase");
		r->phase = str_eq(ph, "Running") ? 2 : str_eq(ph, "Pending") ? 0 : 1;
		r->ready = pod_ready(po->json);
		const char *ltt = jstr(pod_cond_get(po->json, "Ready"), "lastTransitionTime");
		if (ltt)
			ks_time_parse(ltt, &r->ready_since);
		r->restarts = pod_restarts(po->json);
		r->created = obj_created(po->json);
		vec_push(&active, r);
		if (labels_subset(tlabels, json_object_get(meta_of(po->json), "labels")))
			labeled++;
		if (r->ready) {
			ready++;
			if (pod_available(w, po->json, min_ready, now, &avail_at))
				avail++;
		}
	}
	vec_free(&keys, free);

	long have = (long)active.len;
	if (!deleting(o->json)) {
		if (have < want) {
			long n = want - have > BURST_REPLICAS ? BURST_REPLICAS : want - have;
			for (long i = 0; i < n; i++)
				if (!create_owned_pod(w, o, tmpl, NULL, "Always",
						      "replicaset-controller"))
					break;
		} else if (have > want) {
			vec_sort(&active, cmp_podrank);
			for (long i = 0; i < have - want; i++) {
				struct podrank *r = active.items[i];
				const char *slash = strchr(r->key, '/');
				ks_event(w, o, "Normal", "SuccessfulDelete",
					 "replicaset-controller", "Deleted pod: %s",
					 slash ? slash + 1 : r->key);
				pod_terminate_key(w, r->key, now);
			}
		}
	}
	vec_free(&active, podrank_free);

	/* The status counts the pods as they were when the sync began, as
	 * upstream does; creating and deleting them queues the next sync. */
	o = obj_by_key(w, KS_REPLICASETS, key);
	if (!o)
		return;
	json_t *status = json_deep_copy(json_object_get(o->json, "status"));
	if (!json_is_object(status)) {
		json_decref(status);
		status = json_object();
	}
	json_object_set_new(status, "replicas", json_integer(have));
	set_nonzero(status, "fullyLabeledReplicas", labeled);
	set_nonzero(status, "readyReplicas", ready);
	set_nonzero(status, "availableReplicas", avail);
	json_object_set_new(status, "observedGeneration",
			    json_integer(jlong(meta_of(o->json), "generation", 1)));
	if (!json_equal(status, json_object_get(o->json, "status"))) {
		json_t *j = ks_mutable(o);
		json_object_set_new(j, "status", status);
		ks_update(w, o, j, NULL, NULL);
	} else {
		json_decref(status);
	}
	if (avail_at > 0)
		delay(s, KS_REPLICASETS, key, avail_at);
}

/* ---- Deployment controller ---- */

/* What one sync knows about one of the deployment's ReplicaSets. */
struct rsv {
	char *name;
	long spec, replicas, ready, avail; /* spec.replicas and status */
	long revision, desired, maxr;      /* annotations; -1 when absent */
	long gen, observed;
	double created;
	bool match, dying;
};

struct dsync {
	struct ks_world *w;
	double now;
	char *ns, *name, *uid;
	long replicas, surge, unavail, deadline, history, min_ready;
	long generation, collision;
	bool paused, recreate, dying;
	json_t *tmpl, *selector;
	json_t *status; /* what d.Status is by now in this sync */
	json_t *ann;    /* the deployment's annotations, likewise */
	struct vec rs;  /* struct rsv*, every ReplicaSet it owns */
	struct rsv *newrs;
};

static void rsv_free(void *p)
{
	struct rsv *r = p;
	free(r->name);
	free(r);
}

/* A template without the pod-template-hash label and empty leftovers. */
static json_t *tmpl_norm(const json_t *t)
{
	json_t *c = json_is_object(t) ? json_deep_copy(t) : json_object();
	json_t *meta = json_object_get(c, "metadata");
	json_t *labels = json_object_get(meta, "labels");
	json_object_del(labels, LABEL_HASH);
	if (labels && !json_object_size(labels))
		json_object_del(meta, "labels");
	if (meta && !json_object_size(meta))
		json_object_del(c, "metadata");
	return c;
}

static bool tmpl_equal(const json_t *a, const json_t *b)
{
	json_t *x = tmpl_norm(a), *y = tmpl_norm(b);
	bool eq = json_equal(x, y);
	json_decref(x);
	json_decref(y);
	return eq;
}

/* pod-template-hash: FNV-32a of the template, its decimal digits spelt
 * with Kubernetes' safe alphabet, as upstream's ComputeHash does. */
static void template_hash(const json_t *tmpl, long collision, char out[11])
{
	static const char alnum[] = "bcdfghjklmnpqrstvwxz2456789";
	char *s = json_dumps(tmpl, JSON_COMPACT | JSON_SORT_KEYS);
	uint32_t h = 2166136261u;
	for (const char *c = s; c && *c; c++) {
		h ^= (unsigned char)*c;
		h *= 16777619u;
	}
	free(s);
	if (collision) {
		char cs[24];
		snprintf(cs, sizeof cs, "%ld", collision);
		for (const char *c = cs; *c; c++) {
			h ^= (unsigned char)*c;
			h *= 16777619u;
		}
	}
	char dec[16];
	snprintf(dec, sizeof dec, "%010u", h);
	for (int i = 0; i < 10; i++)
		out[i] = alnum[(unsigned char)dec[i] % (sizeof alnum - 1)];
	out[10] = '\0';
}

/* maxSurge / maxUnavailable: an int or "N%" of total. */
static long int_or_percent(const json_t *v, const char *def, long total, bool up)
{
	if (json_is_integer(v))
		return (long)json_integer_value(v);
	const char *s = json_is_string(v) ? json_string_value(v) : def;
	char *end;
	double pct = strtod(s, &end);
	if (end == s || strcmp(end, "%"))
		pct = strtod(def, NULL);
	double x = pct * (double)total / 100.0;
	return (long)(up ? ceil(x) : floor(x));
}

static long max_surge(const struct dsync *c)
{
	return c->recreate ? 0 : c->surge;
}

static long max_unavail(const struct dsync *c)
{
	if (c->recreate || c->replicas == 0)
		return 0;
	return c->unavail > c->replicas ? c->replicas : c->unavail;
}

static bool has_deadline(const struct dsync *c)
{
	return c->deadline != NO_DEADLINE;
}

static struct rsv *rsv_load(const struct ks_obj *o, const json_t *dtmpl)
{
	struct rsv *r = xcalloc(1, sizeof *r);
	json_t *spec = json_object_get(o->json, "spec");
	json_t *st = json_object_get(o->json, "status");
	json_t *ann = json_object_get(meta_of(o->json), "annotations");
	r->name = xstrdup(o->name);
	r->spec = jlong(spec, "replicas", 1);
	r->replicas = jlong(st, "replicas", 0);
	r->ready = jlong(st, "readyReplicas", 0);
	r->avail = jlong(st, "availableReplicas", 0);
	r->revision = ann_long(ann, ANN_REVISION);
	if (r->revision < 0)
		r->revision = 0;
	r->desired = ann_long(ann, ANN_DESIRED);
	r->maxr = ann_long(ann, ANN_MAX);
	r->gen = jlong(meta_of(o->json), "generation", 1);
	r->observed = jlong(st, "observedGeneration", 0);
	r->created = obj_created(o->json);
	r->dying = deleting(o->json);
	r->match = tmpl_equal(json_object_get(spec, "template"), dtmpl);
	return r;
}

static bool dsync_load(struct ks_world *w, const char *key, struct dsync *c)
{
	struct ks_obj *d = obj_by_key(w, KS_DEPLOYMENTS, key);
	if (!d)
		return false;
	memset(c, 0, sizeof *c);
	c->w = w;
	c->now = w->sim->now;
	c->ns = xstrdup(d->ns);
	c->name = xstrdup(d->name);
	c->uid = xstrdup(d->uid);
	json_t *spec = json_object_get(d->json, "spec");
	c->replicas = jlong(spec, "replicas", 1);
	c->paused = json_is_true(json_object_get(spec, "paused"));
	json_t *strat = json_object_get(spec, "strategy");
	c->recreate = str_eq(jstr(strat, "type"), "Recreate");
	json_t *ru = json_object_get(strat, "rollingUpdate");
	c->surge = int_or_percent(json_object_get(ru, "maxSurge"), "25%", c->replicas, true);
	c->unavail = int_or_percent(json_object_get(ru, "maxUnavailable"), "25%",
				    c->replicas, false);
	if (c->surge == 0 && c->unavail == 0)
		c->unavail = 1;
	c->deadline = jlong(spec, "progressDeadlineSeconds", DEFAULT_DEADLINE);
	c->history = jlong(spec, "revisionHistoryLimit", 10);
	c->min_ready = jlong(spec, "minReadySeconds", 0);
	c->generation = jlong(meta_of(d->json), "generation", 1);
	c->dying = deleting(d->json);
	json_t *t = json_object_get(spec, "template");
	c->tmpl = json_is_object(t) ? json_deep_copy(t) : json_object();
	json_t *sel = json_object_get(spec, "selector");
	c->selector = json_is_object(sel) ? json_deep_copy(sel) : json_object();
	json_t *st = json_object_get(d->json, "status");
	c->status = json_is_object(st) ? json_deep_copy(st) : json_object();
	c->collision = jlong(c->status, "collisionCount", 0);
	json_t *ann = json_object_get(meta_of(d->json), "annotations");
	c->ann = json_is_object(ann) ? json_deep_copy(ann) : json_object();

	struct vec keys = VEC_INIT;
	kids_of(w->sim, d->uid, ENT_RS, &keys);
	for (size_t i = 0; i < keys.len; i++) {
		struct ks_obj *o = obj_by_key(w, KS_REPLICASETS, keys.items[i]);
		if (o)
			vec_push(&c->rs, rsv_load(o, c->tmpl));
	}
	vec_free(&keys, free);
	return true;
}

static void dsync_free(struct dsync *c)
{
	free(c->ns);
	free(c->name);
	free(c->uid);
	json_decref(c->tmpl);
	json_decref(c->selector);
	json_decref(c->status);
	json_decref(c->ann);
	vec_free(&c->rs, rsv_free);
}

static int cmp_created(const struct rsv *x, const struct rsv *y)
{
	if (x->created != y->created)
		return x->created < y->created ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int cmp_oldest(const void *a, const void *b)
{
	return cmp_created(*(struct rsv *const *)a, *(struct rsv *const *)b);
}

static int cmp_newest(const void *a, const void *b)
{
	return -cmp_oldest(a, b);
}

static int cmp_size_newer(const void *a, const void *b)
{
	const struct rsv *x = *(struct rsv *const *)a, *y = *(struct rsv *const *)b;
	if (x->spec != y->spec)
		return x->spec > y->spec ? -1 : 1;
	return -cmp_created(x, y);
}

static int cmp_size_older(const void *a, const void *b)
{
	const struct rsv *x = *(struct rsv *const *)a, *y = *(struct rsv *const *)b;
	if (x->spec != y->spec)
		return x->spec > y->spec ? -1 : 1;
	return cmp_created(x, y);
}

static int cmp_revision(const void *a, const void *b)
{
	const struct rsv *x = *(struct rsv *const *)a, *y = *(struct rsv *const *)b;
	if (x->revision != y->revision)
		return x->revision < y->revision ? -1 : 1;
	return cmp_created(x, y);
}

/* The ReplicaSets other than the new one; active: only those with
 * replicas wanted. */
static void olds(const struct dsync *c, bool active, struct vec *out)
{
	for (size_t i = 0; i < c->rs.len; i++) {
		struct rsv *r = c->rs.items[i];
		if (r != c->newrs && (!active || r->spec > 0))
			vec_push(out, r);
	}
}

enum sumwhat { SUM_SPEC, SUM_REPLICAS, SUM_READY, SUM_AVAIL };

static long rs_sum(const struct vec *v, enum sumwhat what)
{
	long n = 0;
	for (size_t i = 0; i < v->len; i++) {
		const struct rsv *r = v->items[i];
		n += what == SUM_SPEC ? r->spec : what == SUM_REPLICAS ? r->replicas
				 : what == SUM_READY		  ? r->ready
								  : r->avail;
	}
	return n;
}

static long all_sum(const struct dsync *c, enum sumwhat what)
{
	return rs_sum(&c->rs, what);
}

static json_t *dcond_get(const json_t *status, const char *type)
{
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(status, "conditions"), i, c)
	{
		if (str_eq(jstr(c, "type"), type))
			return c;
	}
	return NULL;
}

static void dcond_remove(json_t *status, const char *type)
{
	json_t *conds = json_object_get(status, "conditions");
	for (size_t i = json_array_size(conds); i-- > 0;)
		if (str_eq(jstr(json_array_get(conds, i), "type"), type))
			json_array_remove(conds, i);
}

/* Upstream's SetDeploymentCondition: nothing when status and reason are
 * the same (unless !ignore_same: progress moves lastUpdateTime); the
 * transition time kept while the status holds; the changed condition
 * moves to the end, as kubectl describe shows it. */
static void dcond_set(json_t *status, double now, const char *type,
		      const char *st, const char *reason, const char *msg,
		      bool ignore_same)
{
	json_t *cur = dcond_get(status, type);
	if (ignore_same && cur && str_eq(jstr(cur, "status"), st) &&
	    str_eq(jstr(cur, "reason"), reason))
		return;
	char ts[40], ltt[40];
	ks_time_format(now, false, ts);
	str_copy(ltt, sizeof ltt, ts);
	if (cur && str_eq(jstr(cur, "status"), st) && jstr(cur, "lastTransitionTime"))
		str_copy(ltt, sizeof ltt, jstr(cur, "lastTransitionTime"));
	dcond_remove(status, type);
	json_t *conds = json_object_get(status, "conditions");
	if (!json_is_array(conds)) {
		conds = json_array();
		json_object_set_new(status, "conditions", conds);
	}
	json_array_append_new(conds,
			      json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "type", type,
					"status", st, "lastUpdateTime", ts,
					"lastTransitionTime", ltt, "reason", reason,
					"message", msg));
}

static struct ks_obj *dsync_obj(struct dsync *c)
{
	return ks_get(c->w, KS_DEPLOYMENTS, c->ns, c->name);
}

/* scaleReplicaSet: spec.replicas and the replicas annotations; an event
 * when the size changed. */
static bool scale_rs(struct dsync *c, struct rsv *r, long size)
{
	if (!r)
		return false;
	struct ks_obj *o = ks_get(c->w, KS_REPLICASETS, c->ns, r->name);
	if (!o)
		return false;
	long want_max = c->replicas + max_surge(c);
	bool size_needs = r->spec != size;
	if (!size_needs && r->desired == c->replicas && r->maxr == want_max)
		return false;
	json_t *j = ks_mutable(o);
	json_object_set_new(jobj(j, "spec"), "replicas", json_integer(size));
	json_t *ann = jobj(jobj(j, "metadata"), "annotations");
	set_ann_long(ann, ANN_DESIRED, c->replicas);
	set_ann_long(ann, ANN_MAX, want_max);
	ks_update(c->w, o, j, NULL, NULL);
	long old = r->spec;
	r->spec = size;
	r->desired = c->replicas;
	r->maxr = want_max;
	if (size_needs) {
		struct ks_obj *d = dsync_obj(c);
		if (d)
			ks_event(c->w, d, "Normal", "ScalingReplicaSet",
				 "deployment-controller",
				 "Scaled %s replica set %s from %ld to %ld",
				 old < size ? "up" : "down", r->name, old, size);
	}
	return size_needs;
}

/* scaleReplicaSetAndRecordEvent: nothing at all when the size is right. */
static bool scale_rs_event(struct dsync *c, struct rsv *r, long size)
{
	if (!r || r->spec == size)
		return false;
	return scale_rs(c, r, size);
}

static void set_revision(struct dsync *c, long rev)
{
	char s[24];
	snprintf(s, sizeof s, "%ld", rev);
	if (!str_eq(jstr(c->ann, ANN_REVISION), s))
		json_object_set_new(c->ann, ANN_REVISION, json_string(s));
}

/* The deployment's annotations a ReplicaSet inherits. */
static bool copy_annotations(const struct dsync *c, json_t *rsann)
{
	static const char *const skip[] = {
		"kubectl.kubernetes.io/last-applied-configuration", ANN_REVISION,
		ANN_REVISION_HISTORY, ANN_DESIRED, ANN_MAX,
		"deprecated.deployment.rollback.to"};
	bool changed = false;
	const char *k;
	json_t *v;
	json_object_foreach(c->ann, k, v)
	{
		bool skipped = false;
		for (size_t i = 0; i < sizeof skip / sizeof skip[0]; i++)
			skipped |= !strcmp(k, skip[i]);
		if (skipped || json_equal(json_object_get(rsann, k), v))
			continue;
		json_object_set(rsann, k, v);
		changed = true;
	}
	return changed;
}

static long new_rs_new_replicas(const struct dsync *c, const struct rsv *nr)
{
	if (c->recreate)
		return c->replicas;
	long current = all_sum(c, SUM_SPEC);
	long max_total = c->replicas + c->surge;
	if (current >= max_total)
		return nr->spec;
	long up = max_total - current;
	if (up > c->replicas - nr->spec)
		up = c->replicas - nr->spec;
	return nr->spec + up;
}

/* Sync the revision annotations of the existing new ReplicaSet. */
static void existing_new_rs(struct dsync *c, struct rsv *r, long new_rev)
{
	struct ks_obj *o = ks_get(c->w, KS_REPLICASETS, c->ns, r->name);
	if (!o)
		return;
	json_t *j = ks_mutable(o);
	json_t *ann = jobj(jobj(j, "metadata"), "annotations");
	bool changed = copy_annotations(c, ann);
	long old = ann_long(ann, ANN_REVISION);
	if (old < new_rev) {
		set_ann_long(ann, ANN_REVISION, new_rev);
		/* A ReplicaSet taking a newer revision is a rollback to it:
		 * keep the revisions it had. */
		if (old >= 0) {
			const char *hist = jstr(ann, ANN_REVISION_HISTORY);
			char buf[512];
			if (hist && *hist)
				snprintf(buf, sizeof buf, "%s,%ld", hist, old);
			else
				snprintf(buf, sizeof buf, "%ld", old);
			json_object_set_new(ann, ANN_REVISION_HISTORY, json_string(buf));
		}
		r->revision = new_rev;
		changed = true;
	}
	json_t *spec = jobj(j, "spec");
	if (jlong(spec, "minReadySeconds", 0) != c->min_ready) {
		json_object_set_new(spec, "minReadySeconds", json_integer(c->min_ready));
		changed = true;
	}
	if (changed)
		ks_update(c->w, o, j, NULL, NULL);
	else
		json_decref(j);
}

/* getNewReplicaSet: find the ReplicaSet running the current template,
 * bring its revision up to date, or (create) make one. */
static struct rsv *get_new_rs(struct dsync *c, bool create)
{
	struct rsv *existing = NULL;
	for (size_t i = 0; i < c->rs.len; i++) {
		struct rsv *r = c->rs.items[i];
		if (r->match && (!existing || cmp_created(r, existing) < 0))
			existing = r;
	}
	long max_old = 0;
	for (size_t i = 0; i < c->rs.len; i++) {
		struct rsv *r = c->rs.items[i];
		if (r != existing && r->revision > max_old)
			max_old = r->revision;
	}
	long new_rev = max_old + 1;
	if (existing) {
		c->newrs = existing;
		existing_new_rs(c, existing, new_rev);
		set_revision(c, existing->revision);
		if (has_deadline(c) && !dcond_get(c->status, "Progressing")) {
			char msg[400];
			snprintf(msg, sizeof msg, "Found new replica set \"%s\"", existing->name);
			dcond_set(c->status, c->now, "Progressing", "True",
				  "FoundNewReplicaSet", msg, true);
		}
		return existing;
	}
	c->newrs = NULL;
	if (!create)
		return NULL;

	char hash[11], name[300];
	template_hash(c->tmpl, c->collision, hash);
	snprintf(name, sizeof name, "%.240s-%s", c->name, hash);
	json_t *tmpl = json_deep_copy(c->tmpl);
	json_object_set_new(jobj(jobj(tmpl, "metadata"), "labels"), LABEL_HASH,
			    json_string(hash));
	json_t *sel = json_deep_copy(c->selector);
	json_object_set_new(jobj(sel, "matchLabels"), LABEL_HASH, json_string(hash));

	struct rsv *nr = xcalloc(1, sizeof *nr);
	nr->name = xstrdup(name);
	nr->created = c->now;
	nr->revision = new_rev;
	nr->match = true;
	vec_push(&c->rs, nr);
	long count = new_rs_new_replicas(c, nr);
	nr->spec = count;
	nr->desired = c->replicas;
	nr->maxr = c->replicas + max_surge(c);

	json_t *ann = json_object();
	copy_annotations(c, ann);
	set_ann_long(ann, ANN_REVISION, new_rev);
	set_ann_long(ann, ANN_DESIRED, nr->desired);
	set_ann_long(ann, ANN_MAX, nr->maxr);
	json_t *rs = json_pack(
		"{s:{s:s,s:s,s:o,s:o,s:o},s:{s:I,s:I,s:o,s:o},s:{s:i}}", "metadata",
		"name", name, "namespace", c->ns, "labels",
		json_deep_copy(json_object_get(json_object_get(tmpl, "metadata"), "labels")),
		"annotations", ann, "ownerReferences",
		owner_ref("apps/v1", "Deployment", c->name, c->uid), "spec",
		"replicas", (json_int_t)count, "minReadySeconds",
		(json_int_t)c->min_ready, "selector", sel, "template", tmpl, "status",
		"replicas", 0);
	struct err e;
	enum status st = ks_create(c->w, KS_REPLICASETS, c->ns, rs, NULL, &e);
	if (st == ST_ERR_EXISTS) {
		/* Someone else's ReplicaSet has our name: try the next hash,
		 * as upstream does with status.collisionCount. */
		json_object_set_new(c->status, "collisionCount",
				    json_integer(c->collision + 1));
		c->collision++;
		vec_pop(&c->rs);
		rsv_free(nr);
		return NULL;
	}
	if (st != ST_OK) {
		vec_pop(&c->rs);
		rsv_free(nr);
		return NULL;
	}
	c->newrs = nr;
	struct ks_obj *d = dsync_obj(c);
	if (d && count > 0)
		ks_event(c->w, d, "Normal", "ScalingReplicaSet", "deployment-controller",
			 "Scaled up replica set %s from 0 to %ld", name, count);
	set_revision(c, new_rev);
	if (has_deadline(c)) {
		char msg[400];
		snprintf(msg, sizeof msg, "Created new replica set \"%s\"", name);
		dcond_set(c->status, c->now, "Progressing", "True",
			  "NewReplicaSetCreated", msg, true);
	}
	return nr;
}

static json_t *calculate_status(const struct dsync *c)
{
	long avail = all_sum(c, SUM_AVAIL), total = all_sum(c, SUM_SPEC);
	long unavail = total - avail > 0 ? total - avail : 0;
	json_t *st = json_object();
	json_object_set_new(st, "observedGeneration", json_integer(c->generation));
	set_nonzero(st, "replicas", all_sum(c, SUM_REPLICAS));
	set_nonzero(st, "updatedReplicas", c->newrs ? c->newrs->replicas : 0);
	set_nonzero(st, "readyReplicas", all_sum(c, SUM_READY));
	set_nonzero(st, "availableReplicas", avail);
	set_nonzero(st, "unavailableReplicas", unavail);
	json_t *conds = json_object_get(c->status, "conditions");
	json_object_set_new(st, "conditions",
			    json_is_array(conds) ? json_deep_copy(conds) : json_array());
	set_nonzero(st, "collisionCount", c->collision);
	if (avail >= c->replicas - max_unavail(c))
		dcond_set(st, c->now, "Available", "True", "MinimumReplicasAvailable",
			  "Deployment has minimum availability.", true);
	else
		dcond_set(st, c->now, "Available", "False", "MinimumReplicasUnavailable",
			  "Deployment does not have minimum availability.", true);
	return st;
}

static bool deployment_complete(const struct dsync *c, const json_t *st)
{
	return jlong(st, "updatedReplicas", 0) == c->replicas &&
	       jlong(st, "replicas", 0) == c->replicas &&
	       jlong(st, "availableReplicas", 0) == c->replicas &&
	       jlong(st, "observedGeneration", 0) >= c->generation;
}

static bool deployment_progressing(const json_t *old, const json_t *st)
{
	long old_old = jlong(old, "replicas", 0) - jlong(old, "updatedReplicas", 0);
	long new_old = jlong(st, "replicas", 0) - jlong(st, "updatedReplicas", 0);
	return jlong(st, "updatedReplicas", 0) > jlong(old, "updatedReplicas", 0) ||
	       new_old < old_old ||
	       jlong(st, "readyReplicas", 0) > jlong(old, "readyReplicas", 0) ||
	       jlong(st, "availableReplicas", 0) > jlong(old, "availableReplicas", 0);
}

static bool deployment_timed_out(const struct dsync *c, const json_t *st)
{
	if (!has_deadline(c))
		return false;
	json_t *cond = dcond_get(st, "Progressing");
	if (!cond)
		return false;
	const char *reason = jstr(cond, "reason");
	if (str_eq(reason, "NewReplicaSetAvailable"))
		return false;
	if (str_eq(reason, "ProgressDeadlineExceeded"))
		return true;
	double from = 0;
	if (!jstr(cond, "lastUpdateTime") || !ks_time_parse(jstr(cond, "lastUpdateTime"), &from))
		return false;
	return from + ks_dur(c->w, (double)c->deadline) < c->now;
}

/* syncRolloutStatus: the counts, and the Progressing condition. */
static void sync_rollout_status(struct dsync *c)
{
	json_t *st = calculate_status(c);
	if (!has_deadline(c))
		dcond_remove(st, "Progressing");
	json_t *cur = dcond_get(c->status, "Progressing");
	bool complete_before = jlong(st, "replicas", 0) == jlong(st, "updatedReplicas", 0) &&
			       cur && str_eq(jstr(cur, "reason"), "NewReplicaSetAvailable");
	if (has_deadline(c) && !complete_before) {
		char msg[400];
		if (deployment_complete(c, st)) {
			if (c->newrs)
				snprintf(msg, sizeof msg, "ReplicaSet \"%s\" has successfully progressed.", c->newrs->name);
			else
				snprintf(msg, sizeof msg, "Deployment \"%s\" has successfully progressed.", c->name);
			dcond_set(st, c->now, "Progressing", "True", "NewReplicaSetAvailable", msg, true);
		} else if (deployment_progressing(c->status, st)) {
			if (c->newrs)
				snprintf(msg, sizeof msg, "ReplicaSet \"%s\" is progressing.", c->newrs->name);
			else
				snprintf(msg, sizeof msg, "Deployment \"%s\" is progressing.", c->name);
			/* Progress moves lastUpdateTime even with the same reason;
			 * the transition time stays while it was True. */
			if (cur && !str_eq(jstr(cur, "status"), "True"))
				dcond_remove(st, "Progressing");
			dcond_set(st, c->now, "Progressing", "True", "ReplicaSetUpdated", msg, false);
		} else if (deployment_timed_out(c, st)) {
			if (c->newrs)
				snprintf(msg, sizeof msg, "ReplicaSet \"%s\" has timed out progressing.", c->newrs->name);
			else
				snprintf(msg, sizeof msg, "Deployment \"%s\" has timed out progressing.", c->name);
			dcond_set(st, c->now, "Progressing", "False", "ProgressDeadlineExceeded", msg, true);
		}
	}
	dcond_remove(st, "ReplicaFailure");
	json_decref(c->status);
	c->status = st;
}

/* syncDeploymentStatus: the counts only (scaling, paused). */
static void sync_status_only(struct dsync *c)
{
	json_t *st = calculate_status(c);
	json_decref(c->status);
	c->status = st;
}

static void cleanup_deployment(struct dsync *c)
{
	struct vec v = VEC_INIT;
	for (size_t i = 0; i < c->rs.len; i++) {
		struct rsv *r = c->rs.items[i];
		if (r != c->newrs && !r->dying)
			vec_push(&v, r);
	}
	long diff = (long)v.len - c->history;
	if (diff > 0) {
		vec_sort(&v, cmp_revision);
		for (long i = 0; i < diff; i++) {
			struct rsv *r = v.items[i];
			if (r->replicas || r->spec || r->gen > r->observed || r->dying)
				continue;
			struct ks_obj *o = ks_get(c->w, KS_REPLICASETS, c->ns, r->name);
			if (o) {
				r->dying = true;
				ks_delete(c->w, o);
			}
		}
	}
	vec_free(&v, NULL);
}

static long rs_fraction(const struct dsync *c, const struct rsv *r)
{
	if (c->replicas == 0)
		return -r->spec;
	long dep = c->replicas + max_surge(c);
	long annotated = r->maxr >= 0 ? r->maxr : jlong(c->status, "replicas", 0);
	if (annotated <= 0)
		return 0;
	double size = (double)(r->spec * dep) / (double)annotated;
	return lround(size) - r->spec;
}

static long proportion(const struct dsync *c, const struct rsv *r, long to_add,
		       long added)
{
	if (r->spec == 0 || to_add == 0 || to_add == added)
		return 0;
	long frac = rs_fraction(c, r);
	long allowed = to_add - added;
	if (to_add > 0)
		return frac < allowed ? frac : allowed;
	return frac > allowed ? frac : allowed;
}

/* dc.scale: spec.replicas changed while ReplicaSets run. */
static void do_scale(struct dsync *c)
{
	struct vec old = VEC_INIT, active = VEC_INIT;
	olds(c, false, &old);
	vec_sort(&old, cmp_newest);
	for (size_t i = 0; i < old.len; i++)
		if (((struct rsv *)old.items[i])->spec > 0)
			vec_push(&active, old.items[i]);
	if (c->newrs && c->newrs->spec > 0)
		vec_push(&active, c->newrs);
	struct rsv *target = NULL;
	bool single = active.len <= 1;
	if (active.len == 1)
		target = active.items[0];
	else if (!active.len)
		target = c->newrs ? c->newrs : old.len ? old.items[0] : NULL;
	if (single) {
		if (target && target->spec != c->replicas)
			scale_rs_event(c, target, c->replicas);
		goto out;
	}
	struct rsv *nr = c->newrs;
	if (nr && nr->desired == c->replicas && nr->spec == c->replicas &&
	    nr->avail == c->replicas) {
		for (size_t i = 0; i < active.len; i++)
			if (active.items[i] != nr)
				scale_rs_event(c, active.items[i], 0);
		goto out;
	}
	if (!c->recreate) {
		long all = rs_sum(&active, SUM_SPEC);
		long allowed = c->replicas > 0 ? c->replicas + max_surge(c) : 0;
		long to_add = allowed - all;
		if (to_add > 0)
			vec_sort(&active, cmp_size_newer);
		else if (to_add < 0)
			vec_sort(&active, cmp_size_older);
		long added = 0;
		long *size = xcalloc(active.len, sizeof *size);
		for (size_t i = 0; i < active.len; i++) {
			struct rsv *r = active.items[i];
			long p = to_add ? proportion(c, r, to_add, added) : 0;
			size[i] = r->spec + p;
			added += p;
		}
		for (size_t i = 0; i < active.len; i++) {
			if (i == 0 && to_add) {
				size[0] += to_add - added;
				if (size[0] < 0)
					size[0] = 0;
			}
			scale_rs(c, active.items[i], size[i]);
		}
		free(size);
	}
out:
	vec_free(&old, NULL);
	vec_free(&active, NULL);
}

static bool reconcile_new(struct dsync *c)
{
	struct rsv *nr = c->newrs;
	if (nr->spec == c->replicas)
		return false;
	if (nr->spec > c->replicas)
		return scale_rs_event(c, nr, c->replicas);
	return scale_rs_event(c, nr, new_rs_new_replicas(c, nr));
}

static bool reconcile_old(struct dsync *c)
{
	struct vec old = VEC_INIT;
	olds(c, true, &old);
	bool scaled = false;
	long old_pods = rs_sum(&old, SUM_SPEC);
	if (!old_pods)
		goto out;
	long all_pods = all_sum(c, SUM_SPEC);
	long min_avail = c->replicas - max_unavail(c);
	long new_unavail = c->newrs->spec - c->newrs->avail;
	long max_down = all_pods - min_avail - new_unavail;
	if (max_down <= 0)
		goto out;
	/* Unhealthy old replicas go first, oldest ReplicaSet first. */
	vec_sort(&old, cmp_oldest);
	long cleaned = 0;
	for (size_t i = 0; i < old.len && cleaned < max_down; i++) {
		struct rsv *r = old.items[i];
		if (r->spec <= r->avail) /* none unhealthy (or status behind) */
			continue;
		long down = max_down - cleaned;
		if (r->spec - r->avail < down)
			down = r->spec - r->avail;
		scale_rs(c, r, r->spec - down);
		cleaned += down;
	}
	/* Then as many available ones as minAvailable allows. */
	long avail = all_sum(c, SUM_AVAIL);
	long down_total = avail - min_avail, downed = 0;
	for (size_t i = 0; down_total > 0 && i < old.len && downed < down_total; i++) {
		struct rsv *r = old.items[i];
		if (r->spec == 0)
			continue;
		long down = down_total - downed;
		if (r->spec < down)
			down = r->spec;
		scale_rs(c, r, r->spec - down);
		downed += down;
	}
	scaled = cleaned + downed > 0;
out:
	vec_free(&old, NULL);
	return scaled;
}

static bool old_pods_running(struct dsync *c)
{
	struct vec old = VEC_INIT, keys = VEC_INIT;
	olds(c, false, &old);
	bool running = rs_sum(&old, SUM_REPLICAS) > 0;
	for (size_t i = 0; !running && i < old.len; i++) {
		struct rsv *r = old.items[i];
		struct ks_obj *o = ks_get(c->w, KS_REPLICASETS, c->ns, r->name);
		if (!o)
			continue;
		kids_of(c->w->sim, o->uid, ENT_POD, &keys);
		for (size_t j = 0; !running && j < keys.len; j++) {
			struct ks_obj *po = obj_by_key(c->w, KS_PODS, keys.items[j]);
			running = po && !pod_terminal(po->json);
		}
		vec_free(&keys, free);
	}
	vec_free(&old, NULL);
	return running;
}

static void rollout_rolling(struct dsync *c)
{
	if (!get_new_rs(c, true)) {
		sync_rollout_status(c);
		return;
	}
	if (reconcile_new(c) || reconcile_old(c)) {
		sync_rollout_status(c);
		return;
	}
	if (deployment_complete(c, c->status))
		cleanup_deployment(c);
	sync_rollout_status(c);
}

static void rollout_recreate(struct dsync *c)
{
	get_new_rs(c, false);
	struct vec old = VEC_INIT;
	olds(c, true, &old);
	bool scaled = false;
	for (size_t i = 0; i < old.len; i++)
		scaled |= scale_rs_event(c, old.items[i], 0);
	vec_free(&old, NULL);
	if (scaled || old_pods_running(c)) {
		sync_rollout_status(c);
		return;
	}
	if (!c->newrs)
		get_new_rs(c, true);
	if (c->newrs)
		scale_rs_event(c, c->newrs, c->replicas);
	if (deployment_complete(c, c->status))
		cleanup_deployment(c);
	sync_rollout_status(c);
}

static void check_paused(struct dsync *c)
{
	if (!has_deadline(c))
		return;
	json_t *cur = dcond_get(c->status, "Progressing");
	if (cur && str_eq(jstr(cur, "reason"), "ProgressDeadlineExceeded"))
		return;
	bool paused_cond = cur && str_eq(jstr(cur, "reason"), "DeploymentPaused");
	if (c->paused && !paused_cond)
		dcond_set(c->status, c->now, "Progressing", "Unknown",
			  "DeploymentPaused", "Deployment is paused", true);
	else if (!c->paused && paused_cond)
		dcond_set(c->status, c->now, "Progressing", "Unknown",
			  "DeploymentResumed", "Deployment is resumed", true);
}

static bool scaling_event(struct dsync *c)
{
	get_new_rs(c, false);
	for (size_t i = 0; i < c->rs.len; i++) {
		struct rsv *r = c->rs.items[i];
		if (r->spec > 0 && r->desired >= 0 && r->desired != c->replicas)
			return true;
	}
	return false;
}

static void dsync_write(struct dsync *c, const char *key)
{
	struct ks_obj *d = dsync_obj(c);
	if (!d)
		return;
	json_t *ann = json_object_get(meta_of(d->json), "annotations");
	bool ann_same = json_object_size(c->ann) ? json_equal(ann, c->ann) : !json_object_size(ann);
	if (!ann_same || !json_equal(json_object_get(d->json, "status"), c->status)) {
		json_t *j = ks_mutable(d);
		json_object_set(j, "status", c->status);
		if (!ann_same)
			json_object_set(jobj(j, "metadata"), "annotations", c->ann);
		ks_update(c->w, d, j, NULL, NULL);
	}
	/* A rollout that stops moving: look again at its deadline. */
	json_t *cur = dcond_get(c->status, "Progressing");
	const char *reason = jstr(cur, "reason");
	double from;
	if (!c->paused && has_deadline(c) && cur &&
	    !str_eq(reason, "NewReplicaSetAvailable") &&
	    !str_eq(reason, "ProgressDeadlineExceeded") &&
	    !deployment_complete(c, c->status) && jstr(cur, "lastUpdateTime") &&
	    ks_time_parse(jstr(cur, "lastUpdateTime"), &from))
		delay(c->w->sim, KS_DEPLOYMENTS, key,
		      from + ks_dur(c->w, (double)c->deadline) + 0.001);
	else
		delay_cancel(c->w->sim, KS_DEPLOYMENTS, key);
}

static void sync_deployment(struct ks_world *w, const char *key)
{
	struct dsync c;
	if (!dsync_load(w, key, &c))
		return;
	if (c.dying) {
		get_new_rs(&c, false);
		sync_status_only(&c);
	} else {
		check_paused(&c);
		if (c.paused || scaling_event(&c)) {
			get_new_rs(&c, false);
			do_scale(&c);
			if (c.paused)
				cleanup_deployment(&c);
			sync_status_only(&c);
		} else if (c.recreate) {
			rollout_recreate(&c);
		} else {
			rollout_rolling(&c);
		}
	}
	dsync_write(&c, key);
	dsync_free(&c);
}

/* ---- Job controller ---- */

static json_t *job_cond(const char *type, const char *reason, const char *msg,
			double now)
{
	char ts[40];
	ks_time_format(now, false, ts);
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "type", type, "status",
			 "True", "lastProbeTime", ts, "lastTransitionTime", ts,
			 "reason", reason, "message", msg);
}

static bool job_finished(const json_t *status)
{
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(status, "conditions"), i, c)
	{
		if ((str_eq(jstr(c, "type"), "Complete") || str_eq(jstr(c, "type"), "Failed")) &&
		    str_eq(jstr(c, "status"), "True"))
			return true;
	}
	return false;
}

static void sync_job(struct ks_world *w, const char *key)
{
	struct ks_sim *s = w->sim;
	struct ks_obj *o = obj_by_key(w, KS_JOBS, key);
	if (!o)
		return;
	double now = s->now;
	json_t *spec = json_object_get(o->json, "spec");
	json_t *tmpl = json_object_get(spec, "template");
	long parallelism = jlong(spec, "parallelism", 1);
	long completions = jlong(spec, "completions", 1);
	long backoff = jlong(spec, "backoffLimit", 6);
	bool suspend = json_is_true(json_object_get(spec, "suspend"));
	const char *restart = jstr(json_object_get(tmpl, "spec"), "restartPolicy");
	bool on_failure = str_eq(restart, "OnFailure");
	json_t *old = json_object_get(o->json, "status");
	bool finished = job_finished(old);

	struct vec keys = VEC_INIT, active = VEC_INIT;
	kids_of(s, o->uid, ENT_POD, &keys);
	long succeeded = jlong(old, "succeeded", 0), failed = jlong(old, "failed", 0);
	long ready = 0, terminating = 0, restarts = 0;
	for (size_t i = 0; i < keys.len; i++) {
		struct ks_obj *po = obj_by_key(w, KS_PODS, keys.items[i]);
		struct sim_pod *p = map_get(&s->pods, keys.items[i]);
		if (!po)
			continue;
		const char *ph = jstr(json_object_get(po->json, "status"), "phase");
		bool counted = p && (p->flags & PF_COUNTED);
		if (pod_terminal(po->json)) {
			if (!counted && !finished) {
				if (str_eq(ph, "Succeeded"))
					succeeded++;
				else
					failed++;
				if (p)
					p->flags |= PF_COUNTED;
			}
			continue;
		}
		if (deleting(po->json) || (p && (p->flags & PF_TERMINATING))) {
			terminating++;
			continue;
		}
		vec_push(&active, xstrdup(keys.items[i]));
		if (pod_ready(po->json))
			ready++;
		restarts += pod_restarts(po->json);
	}
	vec_free(&keys, free);

	json_t *conds = json_deep_copy(json_object_get(old, "conditions"));
	if (!json_is_array(conds)) {
		json_decref(conds);
		conds = json_array();
	}
	const char *start = jstr(old, "startTime");
	const char *done_at = jstr(old, "completionTime");
	char start_buf[40] = "", done_buf[40] = "";
	if (start)
		str_copy(start_buf, sizeof start_buf, start);
	if (done_at)
		str_copy(done_buf, sizeof done_buf, done_at);
	if (!finished && !suspend && !*start_buf)
		ks_time_format(now, false, start_buf);

	if (!finished) {
		bool past_on_failure = on_failure &&
				       (backoff == 0 ? restarts > 0 : restarts >= backoff);
		if (failed > backoff || past_on_failure) {
			static const char msg[] = "Job has reached the specified backoff limit";
			json_array_append_new(conds, job_cond("FailureTarget", "BackoffLimitExceeded", msg, now));
			json_array_append_new(conds, job_cond("Failed", "BackoffLimitExceeded", msg, now));
			for (size_t i = 0; i < active.len; i++)
				pod_terminate_key(w, active.items[i], now);
			terminating += (long)active.len;
			ready = 0;
			vec_free(&active, free);
			ks_event(w, o, "Warning", "BackoffLimitExceeded", "job-controller", "%s", msg);
		} else if (succeeded >= completions) {
			static const char msg[] = "Reached expected number of succeeded pods";
			json_array_append_new(conds, job_cond("SuccessCriteriaMet", "CompletionsReached", msg, now));
			json_array_append_new(conds, job_cond("Complete", "CompletionsReached", msg, now));
			ks_time_format(now, false, done_buf);
			for (size_t i = 0; i < active.len; i++)
				pod_terminate_key(w, active.items[i], now);
			terminating += (long)active.len;
			ready = 0;
			vec_free(&active, free);
			ks_event(w, o, "Normal", "Completed", "job-controller", "Job completed");
		} else if (!suspend) {
			long want = completions - succeeded < parallelism ? completions - succeeded : parallelism;
			json_t *labels = json_pack("{s:s,s:s,s:s,s:s}",
						   "batch.kubernetes.io/controller-uid", o->uid,
						   "batch.kubernetes.io/job-name", o->name,
						   "controller-uid", o->uid, "job-name", o->name);
			for (long n = (long)active.len; n < want && n - (long)active.len < BURST_REPLICAS; n++) {
				if (!create_owned_pod(w, o, tmpl, labels, restart ? restart : "Never",
						      "job-controller"))
					break;
				vec_push(&active, xstrdup(""));
			}
			json_decref(labels);
		}
	}

	/* In JobStatus order. */
	o = obj_by_key(w, KS_JOBS, key);
	if (!o) {
		json_decref(conds);
		vec_free(&active, free);
		return;
	}
	json_t *st = json_object();
	if (json_array_size(conds))
		json_object_set_new(st, "conditions", conds);
	else
		json_decref(conds);
	if (*start_buf)
		json_object_set_new(st, "startTime", json_string(start_buf));
	if (*done_buf)
		json_object_set_new(st, "completionTime", json_string(done_buf));
	set_nonzero(st, "active", (long)active.len);
	set_nonzero(st, "succeeded", succeeded);
	set_nonzero(st, "failed", failed);
	json_object_set_new(st, "terminating", json_integer(terminating));
	json_object_set_new(st, "uncountedTerminatedPods", json_object());
	json_object_set_new(st, "ready", json_integer(ready));
	vec_free(&active, free);
	if (!json_equal(st, json_object_get(o->json, "status"))) {
		json_t *j = ks_mutable(o);
		json_object_set_new(j, "status", st);
		ks_update(w, o, j, NULL, NULL);
	} else {
		json_decref(st);
	}
}

/* ---- garbage collection ---- */

/* The children of a deleted owner go too (background propagation):
 * ReplicaSets at once, pods gracefully. */
static void gc_owner(struct ks_world *w, const char *uid)
{
	struct ks_sim *s = w->sim;
	struct vec keys = VEC_INIT;
	kids_of(s, uid, ENT_RS, &keys);
	for (size_t i = 0; i < keys.len; i++) {
		struct ks_obj *o = obj_by_key(w, KS_REPLICASETS, keys.items[i]);
		if (o && str_eq(jstr(ctrl_ref(o->json), "uid"), uid))
			ks_delete(w, o);
	}
	vec_free(&keys, free);
	kids_of(s, uid, ENT_POD, &keys);
	for (size_t i = 0; i < keys.len; i++)
		pod_terminate_key(w, keys.items[i], s->now);
	vec_free(&keys, free);
}

/* ---- the loop ---- */

static void drain(struct ks_world *w)
{
	struct ks_sim *s = w->sim;
	for (int round = 0; round < MAX_ROUNDS && (s->queue.len || s->gc.len); round++) {
		struct vec gc = s->gc;
		s->gc = (struct vec)VEC_INIT;
		for (size_t i = 0; i < gc.len; i++)
			gc_owner(w, gc.items[i]);
		vec_free(&gc, free);

		struct vec q = s->queue;
		s->queue = (struct vec)VEC_INIT;
		map_free(&s->queued, NULL);
		for (size_t i = 0; i < q.len; i++) {
			struct sim_work *wk = q.items[i];
			if (wk->kind == KS_REPLICASETS)
				sync_rs(w, wk->key);
			else if (wk->kind == KS_DEPLOYMENTS)
				sync_deployment(w, wk->key);
			else if (wk->kind == KS_JOBS)
				sync_job(w, wk->key);
		}
		vec_free(&q, free);
	}
}

void sim_run_due(struct ks_world *w, double now)
{
	struct ks_sim *s = w->sim;
	if (!s)
		return;
	drain(w);
	/* Timers fire in time order with the clock at their due time, so a
	 * test that jumps ahead sees the same history as a live run. */
	for (long fired = 0; s->heap_len && s->heap[0]->due <= now && fired < MAX_FIRES;
	     fired++) {
		struct sim_ent *e = s->heap[0];
		if (e->due > s->now)
			s->now = e->due;
		timer_clear(s, e);
		if (e->kind == ENT_POD)
			pod_step(w, (struct sim_pod *)e, s->now);
		else if (e->kind == ENT_DELAY)
			delay_fire(s, (struct sim_delay *)e);
		drain(w);
	}
	if (now > s->now)
		s->now = now;
	drain(w);
}

void *sim_thread(void *arg)
{
	struct ks_world *w = arg;
	pthread_mutex_lock(&w->mu);
	while (!w->stopping) {
		double now = ks_clock();
		sim_run_due(w, now);
		double until = now + 0.1;
		struct ks_sim *s = w->sim;
		if (s && s->heap_len && s->heap[0]->due < until)
			until = s->heap[0]->due;
		if (s && (s->queue.len || s->gc.len))
			until = now; /* a storm cut short: go on at once */
		if (until <= ks_clock())
			continue;
		ks_wait_until(w, until);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* ---- generated objects ---- */

/* A deployment of `replicas` pods in its final, settled state: no events,
 * no timers, just objects and index entries. */
static enum status gen_deployment(struct ks_world *w, const char *ns, long di,
				  long replicas, struct err *e)
{
	struct ks_sim *s = w->sim;
	double now = s->now;
	char name[32], image[96], hash[11], rsname[64], ts[40];
	snprintf(name, sizeof name, "app-%03ld", di);
	snprintf(image, sizeof image, "registry.example.com/gen/app-%03ld:1.%ld.0",
		 di, di % 7);
	ks_time_format(now, false, ts);
	json_t *tmpl = json_pack(
		"{s:{s:{s:s}},s:{s:[{s:s,s:s,s:[{s:i,s:s}]}]}}", "metadata",
		"labels", "app", name, "spec", "containers", "name", "app", "image",
		image, "ports", "containerPort", 8080, "protocol", "TCP");
	template_hash(tmpl, 0, hash);
	snprintf(rsname, sizeof rsname, "%s-%s", name, hash);
	char msg[160];
	snprintf(msg, sizeof msg, "ReplicaSet \"%s\" has successfully progressed.", rsname);
	long surge = (long)ceil(replicas * 0.25);
	json_t *dstatus = json_pack("{s:i}", "observedGeneration", 1);
	set_nonzero(dstatus, "replicas", replicas);
	set_nonzero(dstatus, "updatedReplicas", replicas);
	set_nonzero(dstatus, "readyReplicas", replicas);
	set_nonzero(dstatus, "availableReplicas", replicas);
	json_object_set_new(
		dstatus, "conditions",
		json_pack("[{s:s,s:s,s:s,s:s,s:s,s:s},{s:s,s:s,s:s,s:s,s:s,s:s}]",
			  "type", "Available", "status", "True", "lastUpdateTime",
			  ts, "lastTransitionTime", ts, "reason",
			  "MinimumReplicasAvailable", "message",
			  "Deployment has minimum availability.", "type",
			  "Progressing", "status", "True", "lastUpdateTime", ts,
			  "lastTransitionTime", ts, "reason",
			  "NewReplicaSetAvailable", "message", msg));
	json_t *dep = json_pack(
		"{s:{s:s,s:{s:s},s:{s:s}},"
		"s:{s:I,s:{s:{s:s}},s:O,s:{s:s,s:{s:s,s:s}},s:i,s:i},s:o}",
		"metadata", "name", name, "labels", "app", name, "annotations",
		ANN_REVISION, "1", "spec", "replicas", (json_int_t)replicas,
		"selector", "matchLabels", "app", name, "template", tmpl,
		"strategy", "type", "RollingUpdate", "rollingUpdate", "maxSurge",
		"25%", "maxUnavailable", "25%", "revisionHistoryLimit", 10,
		"progressDeadlineSeconds", DEFAULT_DEADLINE, "status", dstatus);
	struct ks_obj *d;
	enum status st = ks_create(w, KS_DEPLOYMENTS, ns, dep, &d, e);
	if (st != ST_OK) {
		json_decref(tmpl);
		return st;
	}

	json_t *rtmpl = json_deep_copy(tmpl);
	json_object_set_new(json_object_get(json_object_get(rtmpl, "metadata"), "labels"),
			    LABEL_HASH, json_string(hash));
	json_t *ann = json_object();
	set_ann_long(ann, ANN_REVISION, 1);
	set_ann_long(ann, ANN_DESIRED, replicas);
	set_ann_long(ann, ANN_MAX, replicas + surge);
	json_t *rstatus = json_pack("{s:I}", "replicas", (json_int_t)replicas);
	set_nonzero(rstatus, "fullyLabeledReplicas", replicas);
	set_nonzero(rstatus, "readyReplicas", replicas);
	set_nonzero(rstatus, "availableReplicas", replicas);
	json_object_set_new(rstatus, "observedGeneration", json_integer(1));
	json_t *rs = json_pack(
		"{s:{s:s,s:{s:s,s:s},s:o,s:o},s:{s:I,s:{s:{s:s,s:s}},s:O},s:o}",
		"metadata", "name", rsname, "labels", "app", name, LABEL_HASH,
		hash, "annotations", ann, "ownerReferences",
		owner_ref("apps/v1", "Deployment", name, d->uid), "spec",
		"replicas", (json_int_t)replicas, "selector", "matchLabels", "app",
		name, LABEL_HASH, hash, "template", rtmpl, "status", rstatus);
	json_decref(tmpl);
	struct ks_obj *r;
	st = ks_create(w, KS_REPLICASETS, ns, rs, &r, e);
	if (st != ST_OK) {
		json_decref(rtmpl);
		return st;
	}
	char key[128];
	key_of(key, sizeof key, ns, rsname);
	struct sim_rs *sr = xcalloc(1, sizeof *sr + strlen(key) + 1);
	sr->ent.kind = ENT_RS;
	strcpy(sr->key, key);
	map_put(&s->rsets, key, sr);
	kid_attach(s, &sr->ent, d->uid);
	char rsuid[64];
	str_copy(rsuid, sizeof rsuid, r->uid);

	/* Every pod of the set is the same but for its name, node, IPs and
	 * container IDs; stored objects are never mutated (ks_mutable copies
	 * before any change), so the rest is shared by reference. That keeps
	 * 100,000 pods to a few seconds and a fraction of the memory. */
	char gen[80];
	snprintf(gen, sizeof gen, "%s-", rsname);
	json_t *proto = pod_from_template(rtmpl, ns, "", gen,
					  owner_ref("apps/v1", "ReplicaSet", rsname, rsuid),
					  "Always", true);
	struct sim_pod *pp = pod_new("");
	pp->stage = PS_RUNNING;
	pp->flags = PF_READY | PF_PULLED;
	pp->start = now;
	pod_render(w, pp, NULL, proto, now);
	free(pp);
	json_t *pmeta = json_object_get(proto, "metadata");
	json_t *pspec = json_object_get(proto, "spec");
	json_t *pstatus = json_object_get(proto, "status");
	json_t *pcs = json_object_get(pstatus, "containerStatuses");
	for (long i = 0; i < replicas && st == ST_OK; i++) {
		char pname[96], node[32], ip[32], cid[80];
		fresh_name(w, KS_PODS, ns, rsname, pname, sizeof pname);
		/* (with no nodes at all, generated pods still claim node-1) */
		snprintf(node, sizeof node, "node-%lu",
			 s->nodes ? s->next_node++ % (unsigned long)s->nodes + 1 : 1);
		key_of(key, sizeof key, ns, pname);
		json_t *meta = json_object(), *spec = json_object(), *status = json_object();
		json_object_update(meta, pmeta);
		json_object_update(spec, pspec);
		json_object_update(status, pstatus);
		json_object_set_new(meta, "name", json_string(pname));
		json_object_set_new(spec, "nodeName", json_string(node));
		host_ip(w, node, ip, sizeof ip);
		json_object_set_new(status, "hostIP", json_string(ip));
		json_object_set_new(status, "hostIPs", json_pack("[{s:s}]", "ip", ip));
		json_t *cs = json_array();
		size_t ci;
		json_t *c;
		json_array_foreach(pcs, ci, c)
		{
			json_t *mine = json_object();
			json_object_update(mine, c);
			container_id(w, key, jstr(c, "name") ? jstr(c, "name") : "", 0, cid);
			json_object_set_new(mine, "containerID", json_string(cid));
			json_array_append_new(cs, mine);
		}
		json_object_set_new(status, "containerStatuses", cs);
		json_t *pod = json_pack("{s:o,s:o,s:o}", "metadata", meta, "spec", spec,
					"status", status);
		assign_ip(w, pod);
		st = ks_create(w, KS_PODS, ns, pod, NULL, e);
		if (st != ST_OK)
			break;
		struct sim_pod *p = pod_new(key);
		p->stage = PS_RUNNING;
		p->flags = PF_READY | PF_PULLED;
		p->start = now;
		map_put(&s->pods, key, p);
		kid_attach(s, &p->ent, rsuid);
	}
	json_decref(proto);
	json_decref(rtmpl);
	return st;
}

static enum status generate(struct ks_world *w, struct err *e)
{
	const struct ks_generate *g = w->sc ? &w->sc->generate : NULL;
	if (!g || g->namespaces <= 0)
		return ST_OK;
	for (long ni = 0; ni < g->namespaces; ni++) {
		char ns[32];
		snprintf(ns, sizeof ns, "gen-%03ld", ni);
		json_t *nso = json_pack("{s:{s:s,s:{s:s}}}", "metadata", "name", ns,
					"labels", "kubernetes.io/metadata.name", ns);
		enum status st = ks_create(w, KS_NAMESPACES, "", nso, NULL, e);
		if (st != ST_OK)
			return st;
		for (long di = 0; di < g->deployments_per_ns; di++) {
			st = gen_deployment(w, ns, di, g->replicas, e);
			if (st != ST_OK)
				return st;
		}
	}
	return ST_OK;
}

/* ---- life cycle and accessors ---- */

enum status sim_init(struct ks_world *w, struct err *e)
{
	struct ks_sim *s = xcalloc(1, sizeof *s);
	w->sim = s;
	s->now = ks_clock();
	/* 0 nodes is a choice (nothing schedules); no scenario at all gets
	 * the scenario format's default. */
	s->nodes = !w->sc ? 3 : w->sc->nodes > 0 ? w->sc->nodes : 0;
	s->quiet = true;
	enum status st = make_nodes(w, e);
	if (st == ST_OK)
		st = generate(w, e);
	s->quiet = false;
	return st;
}

static void owner_free(void *p)
{
	struct sim_owner *o = p;
	vec_free(&o->kids, NULL);
	free(o);
}

void sim_free(struct ks_world *w)
{
	struct ks_sim *s = w->sim;
	if (!s)
		return;
	map_free(&s->pods, free);
	map_free(&s->rsets, free);
	map_free(&s->delays, free);
	map_free(&s->owners, owner_free);
	free(s->heap);
	vec_free(&s->queue, free);
	map_free(&s->queued, NULL);
	vec_free(&s->gc, free);
	free(s);
	w->sim = NULL;
}

static struct sim_pod *pod_of(struct ks_world *w, const char *ns,
			      const char *name)
{
	if (!w->sim)
		return NULL;
	char key[600];
	key_of(key, sizeof key, ns, name);
	return map_get(&w->sim->pods, key);
}

bool sim_log_run(struct ks_world *w, const struct ks_obj *pod, bool previous,
		 struct sim_run *out)
{
	struct sim_pod *p = pod_of(w, pod->ns, pod->name);
	if (!p || p->start <= 0)
		return false;
	if (!previous || p->stage == PS_CRASHED) {
		/* A container waiting to restart shows its last run. */
		if (previous && p->end <= 0)
			return false;
		*out = (struct sim_run){p->start, p->end, p->run};
		return true;
	}
	if (p->run == 0 || p->prev_start <= 0)
		return false;
	*out = (struct sim_run){p->prev_start, p->prev_end, p->run - 1};
	return true;
}

bool sim_log_run_n(struct ks_world *w, const char *ns, const char *name,
		   const char *uid, unsigned n, struct sim_run *out)
{
	struct ks_obj *o = ks_get(w, KS_PODS, ns, name);
	struct sim_pod *p = pod_of(w, ns, name);
	if (!o || !p || !str_eq(o->uid, uid) || p->start <= 0)
		return false;
	if (n == p->run) {
		*out = (struct sim_run){p->start, p->end, p->run};
		return true;
	}
	if (n + 1 == p->run && p->prev_start > 0) {
		*out = (struct sim_run){p->prev_start, p->prev_end, n};
		return true;
	}
	return false;
}

void sim_stats(struct ks_world *w, struct sim_stats *out)
{
	memset(out, 0, sizeof *out);
	struct ks_sim *s = w->sim;
	if (!s)
		return;
	out->pods = s->pods.len;
	out->timers = s->heap_len;
	out->queued = s->queue.len;
	out->owners = s->owners.len;
	/* struct + "gen-000/app-000-xxxxxxxxxx-xxxxx", a map slot at the
	 * map's load and its key copy, an owner vector slot. */
	out->pod_bytes = sizeof(struct sim_pod) + 33 +
			 (s->pods.len ? s->pods.cap * sizeof(struct map_slot) / s->pods.len : 0) +
			 33 + sizeof(void *);
	out->next_due = s->heap_len ? s->heap[0]->due : 0;
}
