/*
 * kubesim: a simulated Kubernetes API server for opsdeck's tests, demo and
 * benchmarks. This header is the contract between its parts:
 *
 *   main.c      command line, start-up, kubeconfig output, signals
 *   scenario.c  scenario YAML -> users, settings and seed objects
 *   store.c     the object store: resource versions, watch history, events
 *   sim.c       the controllers: deployments -> replicasets -> pods, jobs,
 *               pod lifecycle (start, ready, crash loop, pull errors)
 *   simlog.c    generated container logs (no storage: a pure function of
 *               the pod, the container run and time)
 *   http.c      libmicrohttpd front: routing, auth, RBAC, verbs, watch and
 *               log streaming, fault injection
 *   table.c     server-side Tables (Accept: ...;as=Table;g=meta.k8s.io)
 *   selector.c  label and field selectors
 *   patch.c     merge, strategic-merge and JSON patches
 *   tls.c       CA and server certificate (GnuTLS), reused from --tls-dir
 *
 * Concurrency: one mutex (world.mu) guards the whole world. HTTP requests
 * run one thread per connection (libmicrohttpd) and the controller runs in
 * one more thread; every reader and writer holds world.mu while it touches
 * the store, and waits on world.changed for news. Stored objects are never
 * mutated: a change stores a new json_t, so the watch history can keep
 * references to old versions.
 */
#ifndef KUBESIM_H
#define KUBESIM_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/map.h"
#include "base/status.h"
#include "base/vec.h"

/* id, resource, singular, Kind, group, version, namespaced, short name */
#define KS_KINDS(X)                                                            \
	X(NAMESPACES, "namespaces", "namespace", "Namespace", "", "v1", false, "ns") \
	X(NODES, "nodes", "node", "Node", "", "v1", false, "no")                 \
	X(PODS, "pods", "pod", "Pod", "", "v1", true, "po")                      \
	X(SERVICES, "services", "service", "Service", "", "v1", true, "svc")     \
	X(CONFIGMAPS, "configmaps", "configmap", "ConfigMap", "", "v1", true, "cm") \
	X(SECRETS, "secrets", "secret", "Secret", "", "v1", true, "")            \
	X(EVENTS, "events", "event", "Event", "", "v1", true, "ev")              \
	X(DEPLOYMENTS, "deployments", "deployment", "Deployment", "apps", "v1", true, "deploy") \
	X(REPLICASETS, "replicasets", "replicaset", "ReplicaSet", "apps", "v1", true, "rs") \
	X(JOBS, "jobs", "job", "Job", "batch", "v1", true, "")

enum ks_kind {
#define KS_KIND_ENUM(id, res, sing, kind, grp, ver, nsd, shortn) KS_##id,
	KS_KINDS(KS_KIND_ENUM)
#undef KS_KIND_ENUM
	KS_KIND_COUNT
};

struct ks_kind_info {
	const char *resource, *singular, *kind, *group, *version;
	bool namespaced;
	const char *short_name;
	const char *api_version; /* "v1", "apps/v1" */
};
extern const struct ks_kind_info ks_kinds[KS_KIND_COUNT];
/* The kind served at group/resource, or -1. */
int ks_kind_find(const char *group, const char *resource);

/* Pod template annotations that steer the simulation (scenario.c writes
 * them from the scenario's short forms; sim.c and simlog.c read them). All
 * durations are seconds of simulated time (divided by the world's speed). */
#define KS_ANN_START_AFTER "sim.kubesim.io/start-after"   /* pull + start delay */
#define KS_ANN_READY_AFTER "sim.kubesim.io/ready-after"   /* after start */
#define KS_ANN_NEVER_READY "sim.kubesim.io/never-ready"   /* "true": rollout stalls */
#define KS_ANN_PULL_ERROR "sim.kubesim.io/pull-error"     /* "true": ErrImagePull */
#define KS_ANN_CRASH_AFTER "sim.kubesim.io/crash-after"   /* exit 1 after N s, restart */
#define KS_ANN_EXIT_AFTER "sim.kubesim.io/exit-after"     /* run to completion after N s */
#define KS_ANN_EXIT_CODE "sim.kubesim.io/exit-code"       /* with exit-after; default 0 */
#define KS_ANN_LOG_RATE "sim.kubesim.io/log-rate"         /* lines per second */
#define KS_ANN_LOG_FORMAT "sim.kubesim.io/log-format"     /* "text" or "json" */
#define KS_ANN_LOG_LINES "sim.kubesim.io/log-lines"       /* templates, one a line */

struct ks_obj {
	enum ks_kind kind;
	uint64_t rv;
	char *ns; /* "" for cluster-scoped kinds */
	char *name;
	char *uid;
	json_t *json; /* full object with kind/apiVersion; never mutated */
};

/* One entry of the watch history. */
struct ks_wevent {
	uint64_t rv;
	enum ks_kind kind;
	const char *type; /* "ADDED", "MODIFIED", "DELETED" (static) */
	char *ns;
	json_t *json; /* the object as of rv (a reference) */
};

struct ks_rule {
	struct vec verbs;      /* char*, "*" matches all */
	struct vec resources;  /* char*, "pods", "pods/log", "*" */
	struct vec namespaces; /* char* globs; "*" also matches cluster scope */
	struct vec except_namespaces; /* char* globs */
};

struct ks_user {
	char *name;
	char *token;
	char *uid;
	bool admin; /* may use the fault-injection endpoint */
	struct vec groups; /* char* */
	struct vec rules;  /* struct ks_rule* */
};

struct ks_generate {
	long namespaces;           /* 0 = nothing generated */
	long deployments_per_ns;
	long replicas;
};

struct ks_scenario {
	char *path;
	double speed;          /* time multiplier, default 1 */
	size_t history_window; /* watch events kept, default 10000 */
	long nodes;            /* nodes node-1..node-N, default 3 */
	struct vec users;       /* struct ks_user* */
	struct vec objects;     /* json_t*, created in order */
	struct vec pull_errors; /* char* image globs that fail to pull */
	struct ks_generate generate;
};

struct ks_faults {
	long fail_count;     /* answer the next N API requests with fail_code */
	int fail_code;       /* 500 or 429 */
	long retry_after;    /* seconds, for 429 */
	long latency_ms;     /* added before every API answer */
};

struct ks_world {
	pthread_mutex_t mu;
	pthread_cond_t changed; /* broadcast on every write and every fault */
	uint64_t rv;
	uint64_t seed;
	uint64_t rand_state;
	struct map objs[KS_KIND_COUNT]; /* "ns/name" -> struct ks_obj* */
	/* objs sorted by namespace and name, rebuilt after a write to the
	 * kind: paging through 100,000 pods must not sort them per page */
	struct vec sorted[KS_KIND_COUNT];
	bool sorted_ok[KS_KIND_COUNT];
	/* watch history: a ring of the newest events */
	struct ks_wevent *hist;
	size_t hist_cap, hist_head, hist_len;
	uint64_t compacted_rv; /* a watch or continue from below this: 410 */
	uint64_t watch_epoch;  /* bumped to end every open watch */
	bool stopping;
	double speed;
	double started; /* ks_clock() at start */
	struct ks_scenario *sc;
	struct ks_faults faults;
	struct ks_sim *sim; /* controller state, owned by sim.c */
	struct map event_index; /* involved uid + reason + message -> event name */
};

/* ---- store.c (caller holds w->mu unless noted) ---- */

/* Wall-clock seconds (CLOCK_REALTIME). */
double ks_clock(void);
/* Real seconds for d seconds of simulated time. */
double ks_dur(const struct ks_world *w, double d);
/* RFC 3339 UTC ("2026-11-23T12:00:00Z"); nano adds nanoseconds. */
void ks_time_format(double t, bool nano, char out[40]);
/* Parse RFC 3339; returns false on bad input. */
bool ks_time_parse(const char *s, double *t);
/* Deterministic pseudo-random numbers from the seed. */
uint64_t ks_rand(struct ks_world *w);
/* A well-mixed 64-bit value of z, and a 64-bit hash of a string. */
uint64_t ks_mix64(uint64_t z);
uint64_t ks_hash64(const char *s);
/* Wait on w->changed (w->mu held) until woken or wall-clock time until. */
void ks_wait_until(struct ks_world *w, double until);
/* A random lowercase alphanumeric suffix like Kubernetes' (n chars). */
void ks_rand_suffix(struct ks_world *w, char *out, size_t n);

void ks_world_init(struct ks_world *w, struct ks_scenario *sc, uint64_t seed);
void ks_world_free(struct ks_world *w);

struct ks_obj *ks_get(struct ks_world *w, enum ks_kind k, const char *ns,
		      const char *name);
/* Objects of kind k in namespace ns (NULL = all), sorted by ns/name. */
void ks_list(struct ks_world *w, enum ks_kind k, const char *ns,
	     struct vec *out);
/*
 * Create: obj is stolen. Fills kind, apiVersion, metadata.namespace, uid,
 * creationTimestamp, resourceVersion, generation (kinds with spec), name
 * from generateName. ERR_EXISTS when present, ERR_NOTFOUND when the
 * namespace does not exist, ERR_INVALID for a missing name.
 */
enum status ks_create(struct ks_world *w, enum ks_kind k, const char *ns,
		      json_t *obj, struct ks_obj **out, struct err *e);
/*
 * Replace o with obj (stolen): keeps uid, creationTimestamp, namespace and
 * name; bumps generation when spec changed; new resourceVersion. o is freed;
 * the new object is returned in *out.
 */
enum status ks_update(struct ks_world *w, struct ks_obj *o, json_t *obj,
		      struct ks_obj **out, struct err *e);
/* A deep copy of o's JSON to change and pass to ks_update. */
json_t *ks_mutable(const struct ks_obj *o);
/* Remove o (freed) and record a DELETED event. */
void ks_delete(struct ks_world *w, struct ks_obj *o);
/*
 * Record a core/v1 Event about obj, as the real controllers do: an event
 * with the same object, reason and message raises count and lastTimestamp.
 */
void ks_event(struct ks_world *w, const struct ks_obj *obj, const char *type,
	      const char *reason, const char *component, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* Forget the whole watch history: every older resourceVersion expires. */
void ks_expire_all(struct ks_world *w);
/* Index of the first history event with rv > after; false when `after`
 * is older than the history (410 Expired). */
bool ks_hist_from(struct ks_world *w, uint64_t after, size_t *idx);
struct ks_wevent *ks_hist_at(struct ks_world *w, size_t idx);

/* ---- http.c ---- */
struct MHD_Daemon;
struct ks_tls;
/* Serve the API on host:port (port 0 picks a free one, returned in
 * *bound_port); tls NULL serves plain HTTP. */
struct MHD_Daemon *ks_http_start(struct ks_world *w, const char *host,
				 int port, const struct ks_tls *tls,
				 int *bound_port, struct err *e);
/* Stop serving; open streams end (w->stopping must be set first). */
void ks_http_stop(struct MHD_Daemon *d);

/* ---- sim.c ---- */
/* Create the controller state and the scenario's generated objects. */
enum status sim_init(struct ks_world *w, struct err *e);
void sim_free(struct ks_world *w);
/* The controller thread (arg: struct ks_world *); runs until w->stopping. */
void *sim_thread(void *arg);
/* Called by store.c after every create/update/delete (lock held). */
void sim_on_change(struct ks_world *w, enum ks_kind k, const char *type,
		   const struct ks_obj *o);

/* ---- simlog.c ---- */
struct ks_logq {
	const char *container; /* NULL: the default container */
	bool previous, follow, timestamps;
	long tail_lines;    /* -1: all */
	long since_seconds; /* -1: from the start */
	double since_time;  /* 0: unset */
	long limit_bytes;   /* -1: unlimited */
};
struct sim_log;
/* ERR_NOTFOUND / ERR_INVALID with Kubernetes' message (e.g. previous
 * terminated container "app" in pod "web-1" not found). */
enum status sim_log_open(struct ks_world *w, const struct ks_obj *pod,
			 const struct ks_logq *q, struct sim_log **out,
			 struct err *e);
/*
 * Append the lines due by now (at most about max bytes). Returns true while
 * more may come (follow and the container still running), false when the
 * stream is complete. *next_due is the wall-clock time of the next line.
 */
bool sim_log_read(struct ks_world *w, struct sim_log *l, struct buf *out,
		  size_t max, double *next_due);
void sim_log_close(struct sim_log *l);

/* ---- scenario.c ---- */
/* Load and validate; problems are reported as "file:line:col: message". */
enum status ks_scenario_load(const char *path, uint64_t seed,
			     struct ks_scenario *sc, struct err *e);
void ks_scenario_free(struct ks_scenario *sc);
/* The user owning a bearer token, or NULL. */
struct ks_user *ks_scenario_user_by_token(struct ks_scenario *sc,
					  const char *token);
/* RBAC: may user do verb on resource ("pods", "pods/log") in ns ("" for
 * cluster-scoped, NULL for all namespaces)? */
bool ks_rbac_allows(const struct ks_user *u, const char *verb,
		    const char *resource, const char *ns);

/* ---- selector.c ---- */
struct ks_selector;
enum status ks_label_selector_parse(const char *s, struct ks_selector **out,
				    struct err *e);
bool ks_label_selector_match(const struct ks_selector *sel,
			     const json_t *labels);
enum status ks_field_selector_parse(enum ks_kind k, const char *s,
				    struct ks_selector **out, struct err *e);
bool ks_field_selector_match(const struct ks_selector *sel,
			     const json_t *obj);
void ks_selector_free(struct ks_selector *sel);

/* ---- table.c ---- */
json_t *ks_table_columns(enum ks_kind k);
json_t *ks_table_row(enum ks_kind k, const json_t *obj, double now);
/* A whole meta.k8s.io/v1 Table for objs (rv and cont may be NULL). */
json_t *ks_table(enum ks_kind k, json_t *const *objs, size_t n,
		 const char *rv, const char *cont, double now);

/* ---- patch.c ---- */
/* Apply a PATCH body of the given Content-Type to doc (borrowed); returns a
 * new document, or NULL with ERR_UNSUPPORTED (415) or ERR_INVALID (400/422). */
json_t *ks_patch_apply(const char *content_type, const json_t *doc,
		       const char *body, size_t len, struct err *e);

/* ---- tls.c ---- */
struct ks_tls {
	char *ca_pem, *cert_pem, *key_pem;
};
/* Load CA and server certificate from dir when present there, else make
 * new ones (and save them in dir when dir is not NULL). The server
 * certificate names 127.0.0.1, ::1, localhost and host. */
enum status ks_tls_setup(const char *dir, const char *host,
			 struct ks_tls *out, struct err *e);
void ks_tls_free(struct ks_tls *t);

#endif
