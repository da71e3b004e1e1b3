/*
 * Compact Kubernetes objects: only the fields opsdeck shows or reasons
 * about, extracted from the API's JSON once and kept as small structs.
 *
 * Flow: a list page or a watch event is parsed with jansson, each item goes
 * through kobj_decode() and the JSON tree is dropped at once. Every string
 * of one object lives in a single allocation owned by the object (freed by
 * kobj_free), so a store of 100,000 pods costs about one malloc per pod.
 * Strings are never NULL: a field the object lacks is "".
 * Times are Unix seconds (0 = unset).
 */
#ifndef OPSDECK_KUBE_OBJECTS_H
#define OPSDECK_KUBE_OBJECTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/status.h"

/* The kinds opsdeck keeps: enum suffix, resource (plural), Kind, group,
 * version, namespaced. */
#define KUBE_KINDS(X)                                                         \
	X(POD, "pods", "Pod", "", "v1", true)                                 \
	X(DEPLOYMENT, "deployments", "Deployment", "apps", "v1", true)        \
	X(REPLICASET, "replicasets", "ReplicaSet", "apps", "v1", true)       \
	X(STATEFULSET, "statefulsets", "StatefulSet", "apps", "v1", true)    \
	X(DAEMONSET, "daemonsets", "DaemonSet", "apps", "v1", true)          \
	X(JOB, "jobs", "Job", "batch", "v1", true)                           \
	X(NODE, "nodes", "Node", "", "v1", false)                             \
	X(EVENT, "events", "Event", "", "v1", true)                           \
	X(NAMESPACE, "namespaces", "Namespace", "", "v1", false)              \
	X(CONFIGMAP, "configmaps", "ConfigMap", "", "v1", true)

enum kube_kind {
#define KUBE_KIND_ENUM(e, res, kind, group, ver, nsd) KUBE_##e,
	KUBE_KINDS(KUBE_KIND_ENUM)
#undef KUBE_KIND_ENUM
	KUBE__KIND_COUNT
};

const char *kube_kind_resource(enum kube_kind k); /* "deployments" */
const char *kube_kind_name(enum kube_kind k);	  /* "Deployment" */
const char *kube_kind_group(enum kube_kind k);	  /* "apps", "" for core */
const char *kube_kind_version(enum kube_kind k);  /* "v1" */
bool kube_kind_namespaced(enum kube_kind k);
/* By resource ("pods"), Kind ("Pod"), singular ("pod") or short name
 * ("po", "deploy", "rs", "sts", "ds", "no", "ev", "ns"); false if none. */
bool kube_kind_parse(const char *s, enum kube_kind *out);
/* The API path of a collection: "/api/v1/namespaces/NS/pods",
 * "/apis/apps/v1/deployments" (ns NULL or "" = all namespaces / cluster). */
void kube_kind_path(struct buf *out, enum kube_kind k, const char *ns);

struct kube_label {
	const char *key;
	const char *value;
};

struct kube_condition {
	const char *type;   /* "Available", "Progressing", "Ready", ... */
	const char *status; /* "True", "False", "Unknown" */
	const char *reason;
	const char *message;
	int64_t last_transition;
};

enum kube_cstate {
	KUBE_CSTATE_UNKNOWN = 0,
	KUBE_CSTATE_WAITING,
	KUBE_CSTATE_RUNNING,
	KUBE_CSTATE_TERMINATED,
};

struct kube_container {
	const char *name;
	const char *image;	/* from spec (status image if spec lacks it) */
	bool init;		/* an init container */
	bool ready;
	bool started;
	bool sidecar;		/* an init container with restartPolicy Always */
	uint8_t status_pos;	/* 1 + its index in the pod's status list
				 * (kubectl walks that order); 0 = no status */
	int32_t restarts;
	enum kube_cstate state;
	const char *reason;	/* waiting or terminated reason */
	const char *message;
	int32_t exit_code;	/* terminated */
	int32_t signal;		/* terminated */
	int64_t started_at;	/* running or terminated */
	int64_t finished_at;	/* terminated */
	enum kube_cstate last_state; /* lastState: usually TERMINATED or 0 */
	const char *last_reason;
	int32_t last_exit_code;
	int64_t last_finished_at;
};

struct kube_pod {
	const char *phase;	/* Pending, Running, Succeeded, Failed, Unknown */
	const char *reason;	/* status.reason, e.g. "Evicted" */
	const char *message;
	const char *node;
	const char *ip;
	const char *restart_policy; /* Always, OnFailure, Never */
	int64_t start_time;
	bool ready;		/* the Ready condition is True */
	/* READY and RESTARTS exactly as kubectl's printPod counts them: regular
	 * containers plus sidecars (restartable init containers); restarts
	 * include init containers while the pod is still initializing. */
	int32_t ready_count;
	int32_t total;
	int32_t restarts;
	uint32_t ncontainers;	/* init containers first, then regular */
	struct kube_container *containers;
	uint32_t nconditions;
	struct kube_condition *conditions;
};

/* A container of a pod template: its name and image. */
struct kube_image {
	const char *container;
	const char *image;
};

struct kube_deployment {
	int32_t replicas;	/* spec.replicas (default 1) */
	bool paused;
	const char *strategy;	/* RollingUpdate, Recreate */
	int64_t progress_deadline; /* seconds, default 600 */
	int32_t status_replicas, updated, ready_replicas, available, unavailable;
	int64_t observed_generation;
	uint32_t nimages;
	struct kube_image *images;
	uint32_t nselector;	/* spec.selector.matchLabels */
	struct kube_label *selector;
	uint32_t nconditions;
	struct kube_condition *conditions;
};

struct kube_replicaset {
	int32_t replicas; /* spec */
	int32_t status_replicas, ready_replicas, available, fully_labeled;
	int64_t observed_generation;
	int64_t revision; /* deployment.kubernetes.io/revision, 0 = none */
	const char *change_cause; /* kubernetes.io/change-cause */
	uint32_t nimages;
	struct kube_image *images;
	uint32_t nconditions;
	struct kube_condition *conditions;
};

struct kube_statefulset {
	int32_t replicas; /* spec, default 1 */
	const char *update_strategy; /* RollingUpdate (default), OnDelete */
	int32_t partition;	     /* rollingUpdate.partition, default 0 */
	bool rolling_update; /* rollingUpdate is set: kubectl's partition branch */
	int32_t status_replicas, ready_replicas, current_replicas,
		updated_replicas, available;
	const char *current_revision, *update_revision;
	int64_t observed_generation;
	uint32_t nimages;
	struct kube_image *images;
	uint32_t nselector;
	struct kube_label *selector;
};

struct kube_daemonset {
	const char *update_strategy; /* RollingUpdate (default), OnDelete */
	int32_t desired, current, ready_count, updated, available,
		unavailable, misscheduled;
	int64_t observed_generation;
	uint32_t nimages;
	struct kube_image *images;
	uint32_t nselector;
	struct kube_label *selector;
};

struct kube_job {
	int32_t completions;	/* spec, -1 = unset */
	int32_t parallelism;	/* spec, default 1 */
	int32_t backoff_limit;	/* default 6 */
	bool suspend;
	int32_t active, succeeded, failed;
	int64_t start_time, completion_time;
	uint32_t nimages;
	struct kube_image *images;
	uint32_t nconditions;
	struct kube_condition *conditions;
};

struct kube_node {
	const char *ready;	/* Ready condition status: True/False/Unknown, "" */
	const char *ready_reason;
	const char *ready_message;
	bool unschedulable;
	const char *kubelet_version;
	const char *internal_ip;
	const char *roles; /* comma list from node-role.kubernetes.io/ labels */
};

struct kube_event {
	const char *type;	/* Normal, Warning */
	const char *reason;
	const char *message;
	const char *obj_kind, *obj_namespace, *obj_name, *obj_uid,
		*obj_field_path;
	const char *source; /* source.component or reportingComponent */
	int32_t count;	    /* at least 1 */
	int64_t first_time, last_time; /* falling back to eventTime, series */
};

struct kube_namespace {
	const char *phase;
};

/* Kept only for opsdeck's own objects (run records, approvals): data as
 * key/value pairs. */
struct kube_configmap {
	uint32_t ndata;
	struct kube_label *data;
};

struct kube_obj {
	enum kube_kind kind;
	const char *name;
	const char *namespace_; /* "" for cluster-scoped */
	const char *uid;
	const char *resource_version;
	int64_t generation;
	int64_t created;
	int64_t deleted;	 /* deletionTimestamp, 0 = not being deleted */
	const char *owner_kind;	 /* the controller ownerReference, or "" */
	const char *owner_name;
	uint32_t nlabels;
	struct kube_label *labels; /* all labels, in the object's order */
	union {
		struct kube_pod pod;
		struct kube_deployment deploy;
		struct kube_replicaset rs;
		struct kube_statefulset sts;
		struct kube_daemonset ds;
		struct kube_job job;
		struct kube_node node;
		struct kube_event event;
		struct kube_namespace ns;
		struct kube_configmap cm;
	} u;
};

/*
 * Decode one object of kind k from its JSON (a list item or a watch event's
 * object). Missing or mistyped fields take their Kubernetes defaults; only
 * a non-object or a missing metadata.name is an error (ERR_PARSE).
 * Strings are copied as they are (sanitising is the presenter's job).
 */
struct kube_obj *kobj_decode(enum kube_kind k, const json_t *j,
			     struct err *e);
void kobj_free(struct kube_obj *o);
/* "namespace/name", or "name" for cluster-scoped objects. */
void kobj_key(struct buf *out, const struct kube_obj *o);
const char *kobj_label(const struct kube_obj *o, const char *key);
/* A ConfigMap's data value, or NULL. */
const char *kobj_cm_data(const struct kube_obj *o, const char *key);
const struct kube_condition *kobj_condition(const struct kube_obj *o,
					    const char *type);
/* True when the object's labels satisfy every selector entry. */
bool kobj_matches(const struct kube_obj *o, const struct kube_label *sel,
		  uint32_t nsel);

/*
 * The pod's STATUS column exactly as `kubectl get pods` prints it
 * (printPod in kubectl: Init:N/M, Init:CrashLoopBackOff, CrashLoopBackOff,
 * Completed, Error, ContainerCreating, Terminating, NodeLost, Evicted, ...)
 * written into out.
 */
void kobj_pod_status(struct buf *out, const struct kube_obj *pod);

/*
 * The workload a pod belongs to: its controller owner, with a ReplicaSet's
 * pod-template-hash taken off to name the Deployment (StatefulSet and
 * DaemonSet owners are the workload). Appends the name; false for a pod
 * without such an owner.
 */
bool kobj_pod_workload(const struct kube_obj *pod, enum kube_kind *kind,
		       struct buf *name);

/*
 * The object as the JSON opsdeck documents for --json (docs/cli-json.md):
 * {"kind","name","namespace","uid","resourceVersion","created" (RFC 3339),
 *  "labels", "owner": {"kind","name"}, ...kind-specific fields}.
 * Returns a new reference.
 */
json_t *kobj_to_json(const struct kube_obj *o);

/* Kubernetes names: a DNS label (namespaces, containers, services:
 * lowercase letters, digits and '-', starting and ending with a letter or
 * digit, at most 63; s need not end at n) and an object name (DNS
 * subdomain: labels joined by '.', at most 253). */
bool kube_valid_label(const char *s, size_t n);
bool kube_valid_name(const char *s);

/* "2026-11-23T10:00:00Z" <-> Unix seconds; 0 for "" or garbage. */
int64_t kube_parse_time(const char *s);
void kube_format_time(struct buf *out, int64_t t);
/* kubectl's age: "12s", "5m3s", "3h", "2d4h", "400d" (the duration
 * printing of k8s.io/apimachinery HumanDuration). */
void kube_format_age(struct buf *out, int64_t seconds);

#endif
