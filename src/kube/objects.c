/*
 * Compact Kubernetes objects (objects.h): decoding from jansson, the kinds
 * table, lookups, kubectl's pod STATUS column, --json output and times.
 *
 * Flow: kobj_decode() runs the same decoder twice over one JSON object.
 * The first pass only measures how many bytes the arrays and strings need;
 * the second fills one block of exactly that size: the struct kube_obj,
 * then its arrays, then its strings. Every decision is taken from the JSON
 * alone, so both passes agree byte for byte (the fill pass still checks its
 * bounds). Frequent short strings ("True", "Running", "app", ...) point at
 * static copies instead of taking room in the block.
 *
 * Most fields are rows of a table: where the value sits in the API JSON,
 * its type, where it goes in the struct and its name in kobj_to_json's
 * output, so decoding and --json walk the same rows. Rows without a path
 * are filled by code (pod containers, owner, node conditions, ...) and
 * still get their defaults from the table first, so no string is ever NULL.
 */
#include "kube/objects.h"

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "base/mem.h"
#include "base/str.h"

/* Caps against hostile input: far beyond any real object, small enough
 * that one object can never cost much. */
enum {
	MAX_CONTAINERS = 64, /* init and regular together */
	MAX_LABELS = 256,
	MAX_CONDITIONS = 32,
	MAX_SCAN = 64, /* ownerReferences, addresses, statuses looked at */
};

/* ---- the kinds ---------------------------------------------------------- */

static const struct kind_info {
	const char *resource, *kind, *group, *version;
	bool namespaced;
} kinds[KUBE__KIND_COUNT] = {
#define KIND_ROW(e, res, kind, group, ver, nsd)                               \
	[KUBE_##e] = {res, kind, group, ver, nsd},
	KUBE_KINDS(KIND_ROW)
#undef KIND_ROW
};

/* kubectl's short names; the singular is the Kind in any case. */
static const char *const short_names[KUBE__KIND_COUNT] = {
	[KUBE_POD] = "po",	   [KUBE_DEPLOYMENT] = "deploy",
	[KUBE_REPLICASET] = "rs",  [KUBE_STATEFULSET] = "sts",
	[KUBE_DAEMONSET] = "ds",   [KUBE_NODE] = "no",
	[KUBE_EVENT] = "ev",	   [KUBE_NAMESPACE] = "ns",
	[KUBE_CONFIGMAP] = "cm",
};

static const struct kind_info no_kind = {"", "", "", "", false};

static const struct kind_info *kind_info(enum kube_kind k)
{
	return (unsigned)k < KUBE__KIND_COUNT ? &kinds[k] : &no_kind;
}

const char *kube_kind_resource(enum kube_kind k)
{
	return kind_info(k)->resource;
}

const char *kube_kind_name(enum kube_kind k)
{
	return kind_info(k)->kind;
}

const char *kube_kind_group(enum kube_kind k)
{
	return kind_info(k)->group;
}

const char *kube_kind_version(enum kube_kind k)
{
	return kind_info(k)->version;
}

bool kube_kind_namespaced(enum kube_kind k)
{
	return kind_info(k)->namespaced;
}

bool kube_kind_parse(const char *s, enum kube_kind *out)
{
	if (!s || !*s)
		return false;
	for (int k = 0; k < KUBE__KIND_COUNT; k++) {
		if (strcasecmp(s, kinds[k].resource) == 0 ||
		    strcasecmp(s, kinds[k].kind) == 0 ||
		    (short_names[k] && strcasecmp(s, short_names[k]) == 0)) {
			*out = (enum kube_kind)k;
			return true;
		}
	}
	return false;
}

/* A namespace is a DNS label, but the path must stay a path whatever the
 * caller passes in. */
static void path_escape(struct buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~", c)) {
			buf_putc(out, (char)c);
		} else {
			buf_putc(out, '%');
			buf_putc(out, hex[c >> 4]);
			buf_putc(out, hex[c & 15]);
		}
	}
}

void kube_kind_path(struct buf *out, enum kube_kind k, const char *ns)
{
	const struct kind_info *ki = kind_info(k);
	if (*ki->group)
		buf_printf(out, "/apis/%s/%s", ki->group, ki->version);
	else
		buf_printf(out, "/api/%s", ki->version);
	if (ki->namespaced && ns && *ns) {
		buf_puts(out, "/namespaces/");
		path_escape(out, ns);
	}
	buf_printf(out, "/%s", ki->resource);
}

/* ---- the block builder -------------------------------------------------- */

struct blk {
	char *mem;  /* NULL while measuring */
	size_t len; /* bytes used (or, measuring, needed) so far */
	size_t cap;
};

/* Values that thousands of objects share. Sorted (bsearch); a value
 * missing here is merely copied. */
static const char *const common_strings[] = {
	"Always",
	"Available",
	"BackoffLimitExceeded",
	"Complete",
	"Completed",
	"ContainerCreating",
	"ContainersNotReady",
	"ContainersReady",
	"CrashLoopBackOff",
	"DaemonSet",
	"Deployment",
	"ErrImagePull",
	"Error",
	"Failed",
	"False",
	"FoundNewReplicaSet",
	"ImagePullBackOff",
	"Initialized",
	"InternalIP",
	"Job",
	"KubeletReady",
	"MinimumReplicasAvailable",
	"Never",
	"NewReplicaSetAvailable",
	"Node",
	"Normal",
	"OOMKilled",
	"OnDelete",
	"OnFailure",
	"Pending",
	"Pod",
	"PodCompleted",
	"PodInitializing",
	"PodReadyToStartContainers",
	"PodScheduled",
	"Progressing",
	"Ready",
	"Recreate",
	"ReplicaSet",
	"ReplicaSetUpdated",
	"RollingUpdate",
	"Running",
	"StatefulSet",
	"Succeeded",
	"SuccessCriteriaMet",
	"Suspended",
	"True",
	"Unknown",
	"Warning",
	"app",
	"app.kubernetes.io/component",
	"app.kubernetes.io/instance",
	"app.kubernetes.io/managed-by",
	"app.kubernetes.io/name",
	"app.kubernetes.io/part-of",
	"app.kubernetes.io/version",
	"batch.kubernetes.io/controller-uid",
	"batch.kubernetes.io/job-name",
	"component",
	"controller-revision-hash",
	"controller-uid",
	"default",
	"env",
	"job-name",
	"k8s-app",
	"kube-system",
	"kubelet",
	"name",
	"pod-template-generation",
	"pod-template-hash",
	"release",
	"statefulset.kubernetes.io/pod-name",
	"tier",
	"version",
};

static int cmp_common(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

static const char *blk_str(struct blk *b, const char *s, size_t n)
{
	if (n == 0)
		return "";
	if (n < 40 && strlen(s) == n) {
		const char *const *c = bsearch(
			s, common_strings,
			sizeof common_strings / sizeof common_strings[0],
			sizeof common_strings[0], cmp_common);
		if (c)
			return *c;
	}
	if (!b->mem) {
		b->len += n + 1;
		return "";
	}
	if (b->cap - b->len < n + 1)
		return ""; /* cannot happen: the passes agree */
	char *d = b->mem + b->len;
	memcpy(d, s, n);
	d[n] = '\0';
	b->len += n + 1;
	return d;
}

/* A zeroed array of n elements, or NULL while measuring (or if n is 0). */
static void *blk_array(struct blk *b, size_t n, size_t size)
{
	if (n == 0)
		return NULL;
	size_t off = (b->len + 7) & ~(size_t)7;
	if (!b->mem) {
		b->len = off + n * size;
		return NULL;
	}
	if (off > b->cap || b->cap - off < n * size)
		return NULL; /* cannot happen: the passes agree */
	b->len = off + n * size;
	return memset(b->mem + off, 0, n * size);
}

/* ---- JSON access -------------------------------------------------------- */

static const json_t *jget(const json_t *j, const char *key)
{
	return json_is_object(j) ? json_object_get(j, key) : NULL;
}

static const json_t *jpath(const json_t *j, const char *const *path)
{
	for (; *path && j; path++)
		j = jget(j, *path);
	return j;
}

static const char *jstr(const json_t *j)
{
	return json_is_string(j) ? json_string_value(j) : "";
}

static const char *blk_json_str(struct blk *b, const json_t *v)
{
	return json_is_string(v)
		       ? blk_str(b, json_string_value(v), json_string_length(v))
		       : "";
}

/* ---- field tables ------------------------------------------------------ */

enum ftype {
	F_STR,
	F_I32,
	F_I64,
	F_BOOL,
	F_TIME,	  /* RFC 3339 string -> Unix seconds */
	F_NUMSTR, /* an integer written as a string (annotations) */
	F_LABELS, /* an object of strings -> struct kube_label[] */
	F_ARRAY,  /* an array of objects -> elem's struct[] */
	F_CSTATE, /* enum kube_cstate; filled by code */
};

/* Which JSON object a row reads, for structs that gather values from
 * several (containers: spec, status, state, lastState; nodes: the Ready
 * condition and the InternalIP address). 0 = the object being decoded. */
enum fsrc {
	S_MAIN,
	S_STATUS,
	S_STATE,
	S_LAST,
	S_READY,
	S_ADDR,
};

struct elem;

struct field {
	const char *json; /* name in --json output ("a.b" nests); NULL: none */
	enum ftype type;
	size_t off;	     /* in the destination struct */
	size_t noff;	     /* arrays: their uint32_t count */
	const struct elem *elem; /* F_ARRAY: what an element is */
	enum fsrc src;
	const char *path[5]; /* in the JSON; empty: filled by code */
	const char *alt[5];  /* tried when path yields nothing */
	int64_t def;
	const char *sdef;
};

struct elem {
	const struct field *fields;
	size_t nfields;
	size_t size;
	uint32_t cap;
};

#define P(...) {__VA_ARGS__, NULL}
#define ROWS(a) a, sizeof(a) / sizeof((a)[0])
/* The start of a row: its --json name, its type, where it goes. */
#define COL(name, t, off_) .json = name, .type = t, .off = off_
/* An array row: where the pointer and where the count go. */
#define ARR(name, t, ptr, cnt) COL(name, t, ptr), .noff = cnt

#define CD(m) offsetof(struct kube_condition, m)
static const struct field cond_fields[] = {
	{COL("type", F_STR, CD(type)), .path = P("type")},
	{COL("status", F_STR, CD(status)), .path = P("status")},
	{COL("reason", F_STR, CD(reason)), .path = P("reason")},
	{COL("message", F_STR, CD(message)), .path = P("message")},
	{COL("lastTransitionTime", F_TIME, CD(last_transition)),
	 .path = P("lastTransitionTime")},
};
#undef CD
static const struct elem cond_elem = {
	ROWS(cond_fields), sizeof(struct kube_condition), MAX_CONDITIONS};

static const struct field image_fields[] = {
	{COL("container", F_STR, offsetof(struct kube_image, container)),
	 .path = P("name")},
	{COL("image", F_STR, offsetof(struct kube_image, image)),
	 .path = P("image")},
};
static const struct elem image_elem = {
	ROWS(image_fields), sizeof(struct kube_image), MAX_CONTAINERS};

#define C(m) offsetof(struct kube_container, m)
/* Containers merge the spec entry (S_MAIN) with the status of the same
 * name, its current state and its last state. */
static const struct field container_fields[] = {
	{COL("name", F_STR, C(name)), .path = P("name")},
	{COL("image", F_STR, C(image))},
	{COL("init", F_BOOL, C(init))},
	{COL("sidecar", F_BOOL, C(sidecar))},
	{COL("ready", F_BOOL, C(ready)), .src = S_STATUS, .path = P("ready")},
	{COL("started", F_BOOL, C(started)), .src = S_STATUS,
	 .path = P("started")},
	{COL("restarts", F_I32, C(restarts)), .src = S_STATUS,
	 .path = P("restartCount")},
	{COL("state", F_CSTATE, C(state))},
	{COL("reason", F_STR, C(reason)), .src = S_STATE, .path = P("reason")},
	{COL("message", F_STR, C(message)), .src = S_STATE,
	 .path = P("message")},
	{COL("exitCode", F_I32, C(exit_code)), .src = S_STATE,
	 .path = P("exitCode")},
	{COL("signal", F_I32, C(signal)), .src = S_STATE, .path = P("signal")},
	{COL("startedAt", F_TIME, C(started_at)), .src = S_STATE,
	 .path = P("startedAt")},
	{COL("finishedAt", F_TIME, C(finished_at)), .src = S_STATE,
	 .path = P("finishedAt")},
	{COL("lastState", F_CSTATE, C(last_state))},
	{COL("lastReason", F_STR, C(last_reason)), .src = S_LAST,
	 .path = P("reason")},
	{COL("lastExitCode", F_I32, C(last_exit_code)), .src = S_LAST,
	 .path = P("exitCode")},
	{COL("lastFinishedAt", F_TIME, C(last_finished_at)), .src = S_LAST,
	 .path = P("finishedAt")},
};
#undef C

#define O(m) offsetof(struct kube_obj, m)
static const struct field meta_fields[] = {
	{COL("name", F_STR, O(name)), .path = P("metadata", "name")},
	{COL("namespace", F_STR, O(namespace_)),
	 .path = P("metadata", "namespace")},
	{COL("uid", F_STR, O(uid)), .path = P("metadata", "uid")},
	{COL("resourceVersion", F_STR, O(resource_version)),
	 .path = P("metadata", "resourceVersion")},
	{COL("generation", F_I64, O(generation)),
	 .path = P("metadata", "generation")},
	{COL("created", F_TIME, O(created)),
	 .path = P("metadata", "creationTimestamp")},
	{COL("deleted", F_TIME, O(deleted)),
	 .path = P("metadata", "deletionTimestamp")},
	{ARR("labels", F_LABELS, O(labels), O(nlabels)),
	 .path = P("metadata", "labels")},
	/* decode_owner() fills these, kobj_to_json() shows them */
	{COL(NULL, F_STR, O(owner_kind))},
	{COL(NULL, F_STR, O(owner_name))},
};

#define U(m) O(u.pod.m)
static const struct field pod_fields[] = {
	{COL("phase", F_STR, U(phase)), .path = P("status", "phase")},
	{COL("reason", F_STR, U(reason)), .path = P("status", "reason")},
	{COL("message", F_STR, U(message)), .path = P("status", "message")},
	{COL("node", F_STR, U(node)), .path = P("spec", "nodeName")},
	{COL("ip", F_STR, U(ip)), .path = P("status", "podIP")},
	{COL("restartPolicy", F_STR, U(restart_policy)), .sdef = "Always",
	 .path = P("spec", "restartPolicy")},
	{COL("startTime", F_TIME, U(start_time)),
	 .path = P("status", "startTime")},
	/* pod_custom() counts these as kubectl does */
	{COL("ready", F_BOOL, U(ready))},
	{COL("readyContainers", F_I32, U(ready_count))},
	{COL("totalContainers", F_I32, U(total))},
	{COL("restarts", F_I32, U(restarts))},
	{ARR("conditions", F_ARRAY, U(conditions), U(nconditions)),
	 .elem = &cond_elem, .path = P("status", "conditions")},
};
#undef U

#define TEMPLATE_CONTAINERS P("spec", "template", "spec", "containers")

#define U(m) O(u.deploy.m)
static const struct field deploy_fields[] = {
	{COL("replicas", F_I32, U(replicas)), .def = 1,
	 .path = P("spec", "replicas")},
	{COL("paused", F_BOOL, U(paused)), .path = P("spec", "paused")},
	{COL("strategy", F_STR, U(strategy)), .sdef = "RollingUpdate",
	 .path = P("spec", "strategy", "type")},
	{COL("progressDeadlineSeconds", F_I64, U(progress_deadline)),
	 .def = 600, .path = P("spec", "progressDeadlineSeconds")},
	{COL("statusReplicas", F_I32, U(status_replicas)),
	 .path = P("status", "replicas")},
	{COL("updatedReplicas", F_I32, U(updated)),
	 .path = P("status", "updatedReplicas")},
	{COL("readyReplicas", F_I32, U(ready_replicas)),
	 .path = P("status", "readyReplicas")},
	{COL("availableReplicas", F_I32, U(available)),
	 .path = P("status", "availableReplicas")},
	{COL("unavailableReplicas", F_I32, U(unavailable)),
	 .path = P("status", "unavailableReplicas")},
	{COL("observedGeneration", F_I64, U(observed_generation)),
	 .path = P("status", "observedGeneration")},
	{ARR("images", F_ARRAY, U(images), U(nimages)), .elem = &image_elem,
	 .path = TEMPLATE_CONTAINERS},
	{ARR("selector", F_LABELS, U(selector), U(nselector)),
	 .path = P("spec", "selector", "matchLabels")},
	{ARR("conditions", F_ARRAY, U(conditions), U(nconditions)),
	 .elem = &cond_elem, .path = P("status", "conditions")},
};
#undef U

#define U(m) O(u.rs.m)
static const struct field rs_fields[] = {
	{COL("replicas", F_I32, U(replicas)), .def = 1,
	 .path = P("spec", "replicas")},
	{COL("statusReplicas", F_I32, U(status_replicas)),
	 .path = P("status", "replicas")},
	{COL("readyReplicas", F_I32, U(ready_replicas)),
	 .path = P("status", "readyReplicas")},
	{COL("availableReplicas", F_I32, U(available)),
	 .path = P("status", "availableReplicas")},
	{COL("fullyLabeledReplicas", F_I32, U(fully_labeled)),
	 .path = P("status", "fullyLabeledReplicas")},
	{COL("observedGeneration", F_I64, U(observed_generation)),
	 .path = P("status", "observedGeneration")},
	{COL("revision", F_NUMSTR, U(revision)),
	 .path = P("metadata", "annotations",
		   "deployment.kubernetes.io/revision")},
	{COL("changeCause", F_STR, U(change_cause)),
	 .path = P("metadata", "annotations", "kubernetes.io/change-cause")},
	{ARR("images", F_ARRAY, U(images), U(nimages)), .elem = &image_elem,
	 .path = TEMPLATE_CONTAINERS},
	{ARR("conditions", F_ARRAY, U(conditions), U(nconditions)),
	 .elem = &cond_elem, .path = P("status", "conditions")},
};
#undef U

#define U(m) O(u.sts.m)
static const struct field sts_fields[] = {
	{COL("replicas", F_I32, U(replicas)), .def = 1,
	 .path = P("spec", "replicas")},
	{COL("updateStrategy", F_STR, U(update_strategy)),
	 .sdef = "RollingUpdate", .path = P("spec", "updateStrategy", "type")},
	{COL("partition", F_I32, U(partition)),
	 .path = P("spec", "updateStrategy", "rollingUpdate", "partition")},
	{COL(NULL, F_BOOL, U(rolling_update))}, /* sts_custom() */
	{COL("statusReplicas", F_I32, U(status_replicas)),
	 .path = P("status", "replicas")},
	{COL("readyReplicas", F_I32, U(ready_replicas)),
	 .path = P("status", "readyReplicas")},
	{COL("currentReplicas", F_I32, U(current_replicas)),
	 .path = P("status", "currentReplicas")},
	{COL("updatedReplicas", F_I32, U(updated_replicas)),
	 .path = P("status", "updatedReplicas")},
	{COL("availableReplicas", F_I32, U(available)),
	 .path = P("status", "availableReplicas")},
	{COL("currentRevision", F_STR, U(current_revision)),
	 .path = P("status", "currentRevision")},
	{COL("updateRevision", F_STR, U(update_revision)),
	 .path = P("status", "updateRevision")},
	{COL("observedGeneration", F_I64, U(observed_generation)),
	 .path = P("status", "observedGeneration")},
	{ARR("images", F_ARRAY, U(images), U(nimages)), .elem = &image_elem,
	 .path = TEMPLATE_CONTAINERS},
	{ARR("selector", F_LABELS, U(selector), U(nselector)),
	 .path = P("spec", "selector", "matchLabels")},
};
#undef U

#define U(m) O(u.ds.m)
static const struct field ds_fields[] = {
	{COL("updateStrategy", F_STR, U(update_strategy)),
	 .sdef = "RollingUpdate", .path = P("spec", "updateStrategy", "type")},
	{COL("desiredNumberScheduled", F_I32, U(desired)),
	 .path = P("status", "desiredNumberScheduled")},
	{COL("currentNumberScheduled", F_I32, U(current)),
	 .path = P("status", "currentNumberScheduled")},
	{COL("numberReady", F_I32, U(ready_count)),
	 .path = P("status", "numberReady")},
	{COL("updatedNumberScheduled", F_I32, U(updated)),
	 .path = P("status", "updatedNumberScheduled")},
	{COL("numberAvailable", F_I32, U(available)),
	 .path = P("status", "numberAvailable")},
	{COL("numberUnavailable", F_I32, U(unavailable)),
	 .path = P("status", "numberUnavailable")},
	{COL("numberMisscheduled", F_I32, U(misscheduled)),
	 .path = P("status", "numberMisscheduled")},
	{COL("observedGeneration", F_I64, U(observed_generation)),
	 .path = P("status", "observedGeneration")},
	{ARR("images", F_ARRAY, U(images), U(nimages)), .elem = &image_elem,
	 .path = TEMPLATE_CONTAINERS},
	{ARR("selector", F_LABELS, U(selector), U(nselector)),
	 .path = P("spec", "selector", "matchLabels")},
};
#undef U

#define U(m) O(u.job.m)
static const struct field job_fields[] = {
	{COL("completions", F_I32, U(completions)), .def = -1,
	 .path = P("spec", "completions")},
	{COL("parallelism", F_I32, U(parallelism)), .def = 1,
	 .path = P("spec", "parallelism")},
	{COL("backoffLimit", F_I32, U(backoff_limit)), .def = 6,
	 .path = P("spec", "backoffLimit")},
	{COL("suspend", F_BOOL, U(suspend)), .path = P("spec", "suspend")},
	{COL("active", F_I32, U(active)), .path = P("status", "active")},
	{COL("succeeded", F_I32, U(succeeded)),
	 .path = P("status", "succeeded")},
	{COL("failed", F_I32, U(failed)), .path = P("status", "failed")},
	{COL("startTime", F_TIME, U(start_time)),
	 .path = P("status", "startTime")},
	{COL("completionTime", F_TIME, U(completion_time)),
	 .path = P("status", "completionTime")},
	{ARR("images", F_ARRAY, U(images), U(nimages)), .elem = &image_elem,
	 .path = TEMPLATE_CONTAINERS},
	{ARR("conditions", F_ARRAY, U(conditions), U(nconditions)),
	 .elem = &cond_elem, .path = P("status", "conditions")},
};
#undef U

#define U(m) O(u.node.m)
/* S_READY rows read the Ready condition, S_ADDR the InternalIP entry. */
static const struct field node_fields[] = {
	{COL("ready", F_STR, U(ready)), .src = S_READY, .path = P("status")},
	{COL("readyReason", F_STR, U(ready_reason)), .src = S_READY,
	 .path = P("reason")},
	{COL("readyMessage", F_STR, U(ready_message)), .src = S_READY,
	 .path = P("message")},
	{COL("unschedulable", F_BOOL, U(unschedulable)),
	 .path = P("spec", "unschedulable")},
	{COL("kubeletVersion", F_STR, U(kubelet_version)),
	 .path = P("status", "nodeInfo", "kubeletVersion")},
	{COL("internalIP", F_STR, U(internal_ip)), .src = S_ADDR,
	 .path = P("address")},
	{COL("roles", F_STR, U(roles))}, /* node_roles() */
};
#undef U

#define U(m) O(u.event.m)
/* kubectl's event printer: the new events API leaves firstTimestamp,
 * lastTimestamp and count empty and fills eventTime and series. */
static const struct field event_fields[] = {
	{COL("type", F_STR, U(type)), .path = P("type")},
	{COL("reason", F_STR, U(reason)), .path = P("reason")},
	{COL("message", F_STR, U(message)), .path = P("message")},
	{COL("involvedObject.kind", F_STR, U(obj_kind)),
	 .path = P("involvedObject", "kind")},
	{COL("involvedObject.namespace", F_STR, U(obj_namespace)),
	 .path = P("involvedObject", "namespace")},
	{COL("involvedObject.name", F_STR, U(obj_name)),
	 .path = P("involvedObject", "name")},
	{COL("involvedObject.uid", F_STR, U(obj_uid)),
	 .path = P("involvedObject", "uid")},
	{COL("involvedObject.fieldPath", F_STR, U(obj_field_path)),
	 .path = P("involvedObject", "fieldPath")},
	{COL("source", F_STR, U(source)), .path = P("source", "component"),
	 .alt = P("reportingComponent")},
	{COL("count", F_I32, U(count)), .path = P("series", "count"),
	 .alt = P("count")},
	{COL("firstTime", F_TIME, U(first_time)), .path = P("firstTimestamp"),
	 .alt = P("eventTime")},
	{COL("lastTime", F_TIME, U(last_time)),
	 .path = P("series", "lastObservedTime"), .alt = P("lastTimestamp")},
};
#undef U

static const struct field ns_fields[] = {
	{COL("phase", F_STR, O(u.ns.phase)), .path = P("status", "phase")},
};

/* Does v give a value for a row of this type (else the alternative path
 * is tried)? */
static bool has_value(const json_t *v, enum ftype t)
{
	switch (t) {
	case F_STR:
		return json_is_string(v) && json_string_length(v) > 0;
	case F_TIME:
		return json_is_string(v) &&
		       kube_parse_time(json_string_value(v)) != 0;
	case F_I32:
	case F_I64:
		return json_is_integer(v);
	case F_BOOL:
		return json_is_boolean(v);
	default:
		return v != NULL;
	}
}

static bool parse_int_string(const char *s, int64_t *out)
{
	long v;
	if (!str_to_long(s, LONG_MIN, LONG_MAX, &v))
		return false;
	*out = v;
	return true;
}

static void decode_fields(struct blk *b, const struct field *f, size_t n,
			  const json_t *j, void *dst, enum fsrc src);

static void *decode_array(struct blk *b, const struct elem *el,
			  const json_t *v, uint32_t *count)
{
	size_t n = json_is_array(v) ? json_array_size(v) : 0;
	if (n > el->cap)
		n = el->cap;
	char *arr = blk_array(b, n, el->size);
	for (size_t i = 0; i < n; i++) {
		union {
			struct kube_condition c;
			struct kube_image i;
		} scratch;
		void *dst = arr ? arr + i * el->size : (void *)&scratch;
		decode_fields(b, el->fields, el->nfields, json_array_get(v, i),
			      dst, S_MAIN);
	}
	*count = arr ? (uint32_t)n : 0;
	return arr;
}

static struct kube_label *decode_labels(struct blk *b, const json_t *v,
					uint32_t *count)
{
	size_t n = json_is_object(v) ? json_object_size(v) : 0;
	if (n > MAX_LABELS)
		n = MAX_LABELS;
	struct kube_label *arr = blk_array(b, n, sizeof *arr);
	size_t i = 0;
	const char *key;
	json_t *val;
	if (n) {
		json_object_foreach((json_t *)v, key, val) {
			if (i == n)
				break;
			const char *k = blk_str(b, key, strlen(key));
			const char *s = blk_json_str(b, val);
			if (arr) {
				arr[i].key = k;
				arr[i].value = s;
			}
			i++;
		}
	}
	*count = arr ? (uint32_t)i : 0;
	return arr;
}

static int32_t clamp32(json_int_t v)
{
	if (v < INT32_MIN)
		return INT32_MIN;
	return v > INT32_MAX ? INT32_MAX : (int32_t)v;
}

/* Fill the rows of source src from j (NULL: every row takes its default). */
static void decode_fields(struct blk *b, const struct field *f, size_t n,
			  const json_t *j, void *dst, enum fsrc src)
{
	for (; n--; f++) {
		if (f->src != src)
			continue;
		char *p = (char *)dst + f->off;
		const json_t *v = f->path[0] ? jpath(j, f->path) : NULL;
		if (f->alt[0] && !has_value(v, f->type))
			v = jpath(j, f->alt);
		switch (f->type) {
		case F_STR: {
			const char *s = has_value(v, F_STR)
						? blk_json_str(b, v)
						: (f->sdef ? f->sdef : "");
			memcpy(p, &s, sizeof s);
			break;
		}
		case F_I32: {
			int32_t x = clamp32(json_is_integer(v)
						    ? json_integer_value(v)
						    : f->def);
			memcpy(p, &x, sizeof x);
			break;
		}
		case F_I64: {
			int64_t x = json_is_integer(v) ? json_integer_value(v)
						       : f->def;
			memcpy(p, &x, sizeof x);
			break;
		}
		case F_BOOL: {
			bool x = json_is_boolean(v) ? json_is_true(v) : f->def;
			memcpy(p, &x, sizeof x);
			break;
		}
		case F_TIME: {
			int64_t x = kube_parse_time(jstr(v));
			memcpy(p, &x, sizeof x);
			break;
		}
		case F_NUMSTR: {
			int64_t x = f->def;
			parse_int_string(jstr(v), &x);
			memcpy(p, &x, sizeof x);
			break;
		}
		case F_LABELS:
		case F_ARRAY: {
			uint32_t *cnt = (uint32_t *)((char *)dst + f->noff);
			void *a = f->type == F_LABELS
					  ? (void *)decode_labels(b, v, cnt)
					  : decode_array(b, f->elem, v, cnt);
			memcpy(p, &a, sizeof a);
			break;
		}
		case F_CSTATE:
			break; /* set by code */
		}
	}
}

/* ---- per-kind code ------------------------------------------------------ */

/* The controller ownerReference, else the first one. */
static void decode_owner(struct blk *b, struct kube_obj *o, const json_t *j)
{
	const json_t *refs = jget(jget(j, "metadata"), "ownerReferences");
	size_t n = json_is_array(refs) ? json_array_size(refs) : 0;
	const json_t *pick = NULL;
	for (size_t i = 0; i < n && i < MAX_SCAN; i++) {
		const json_t *r = json_array_get(refs, i);
		if (!json_is_object(r))
			continue;
		if (json_is_true(jget(r, "controller"))) {
			pick = r;
			break;
		}
		if (!pick)
			pick = r;
	}
	o->owner_kind = blk_json_str(b, jget(pick, "kind"));
	o->owner_name = blk_json_str(b, jget(pick, "name"));
}

/* The entry of a status list whose "name" equals name, within the first
 * MAX_SCAN entries. */
static const json_t *find_status(const json_t *list, const json_t *name,
				 size_t *pos)
{
	size_t n = json_is_array(list) ? json_array_size(list) : 0;
	if (!json_is_string(name))
		return NULL;
	for (size_t i = 0; i < n && i < MAX_SCAN; i++) {
		const json_t *s = json_array_get(list, i);
		if (json_equal((json_t *)jget(s, "name"), (json_t *)name)) {
			*pos = i;
			return s;
		}
	}
	return NULL;
}

/* The one state a ContainerState holds (waiting first, as kubectl reads
 * it) and its object. */
static enum kube_cstate container_state(const json_t *st, const json_t **sub)
{
	static const char *const names[] = {"waiting", "terminated", "running"};
	static const enum kube_cstate states[] = {KUBE_CSTATE_WAITING,
						  KUBE_CSTATE_TERMINATED,
						  KUBE_CSTATE_RUNNING};
	for (int i = 0; i < 3; i++) {
		const json_t *s = jget(st, names[i]);
		if (json_is_object(s)) {
			*sub = s;
			return states[i];
		}
	}
	*sub = NULL;
	return KUBE_CSTATE_UNKNOWN;
}

static void decode_container(struct blk *b, struct kube_container *c,
			     const json_t *spec, const json_t *statuses,
			     bool init)
{
	decode_fields(b, ROWS(container_fields), spec, c, S_MAIN);
	size_t pos = 0;
	const json_t *st = find_status(statuses, jget(spec, "name"), &pos);
	c->status_pos = st ? (uint8_t)(pos + 1) : 0;
	decode_fields(b, ROWS(container_fields), st, c, S_STATUS);
	const json_t *sub;
	c->state = container_state(jget(st, "state"), &sub);
	decode_fields(b, ROWS(container_fields), sub, c, S_STATE);
	c->last_state = container_state(jget(st, "lastState"), &sub);
	decode_fields(b, ROWS(container_fields), sub, c, S_LAST);

	const json_t *img = jget(spec, "image");
	c->image = blk_json_str(b, has_value(img, F_STR) ? img
							 : jget(st, "image"));
	c->init = init;
	c->sidecar = init &&
		     str_eq(jstr(jget(spec, "restartPolicy")), "Always");
}

static const struct kube_condition *find_condition(
	const struct kube_condition *c, uint32_t n, const char *type)
{
	for (uint32_t i = 0; i < n; i++)
		if (str_eq(c[i].type, type))
			return &c[i];
	return NULL;
}

static bool condition_true(const struct kube_condition *c, uint32_t n,
			   const char *type)
{
	const struct kube_condition *x = find_condition(c, n, type);
	return x && str_eq(x->status, "True");
}

/* kubectl's printPod, shared by kobj_pod_status and the READY/RESTARTS
 * counts stored at decode time. The STATUS text is prefix + text. */
struct pod_line {
	const char *prefix;
	const char *text;
	char num[48];
	int32_t ready, restarts;
};

/* A terminated container's word: its reason, else Signal:N or
 * ExitCode:N. */
static void pod_line_terminated(struct pod_line *pl, const char *prefix,
				const struct kube_container *c)
{
	pl->prefix = prefix;
	if (*c->reason) {
		pl->text = c->reason;
		return;
	}
	if (c->signal)
		snprintf(pl->num, sizeof pl->num, "Signal:%d", (int)c->signal);
	else
		snprintf(pl->num, sizeof pl->num, "ExitCode:%d",
			 (int)c->exit_code);
	pl->text = pl->num;
}

static void pod_line(const struct kube_obj *o, struct pod_line *pl)
{
	const struct kube_pod *p = &o->u.pod;
	pl->prefix = "";
	pl->text = *p->reason ? p->reason : p->phase;
	pl->ready = pl->restarts = 0;
	for (uint32_t i = 0; i < p->nconditions; i++)
		if (str_eq(p->conditions[i].type, "PodScheduled") &&
		    str_eq(p->conditions[i].reason, "SchedulingGated"))
			pl->text = "SchedulingGated";

	/* kubectl walks the status lists, whose order is not the spec's
	 * (the kubelet sorts regular containers by name). */
	const struct kube_container *by_pos[2][MAX_SCAN] = {{NULL}};
	const struct kube_container *const *init = by_pos[1];
	const struct kube_container *const *regular = by_pos[0];
	int ninit = 0;
	for (uint32_t i = 0; i < p->ncontainers; i++) {
		const struct kube_container *c = &p->containers[i];
		ninit += c->init;
		if (c->status_pos && c->status_pos <= MAX_SCAN)
			by_pos[c->init][c->status_pos - 1] = c;
	}

	int64_t restarts = 0, sidecar_restarts = 0; /* hostile counts add up */
	bool initializing = false;
	for (int i = 0; i < MAX_SCAN && !initializing; i++) {
		const struct kube_container *c = init[i];
		if (!c)
			continue;
		restarts += c->restarts;
		if (c->sidecar)
			sidecar_restarts += c->restarts;
		if (c->state == KUBE_CSTATE_TERMINATED && c->exit_code == 0)
			continue;
		if (c->sidecar && c->started) {
			pl->ready += c->ready;
			continue;
		}
		initializing = true;
		if (c->state == KUBE_CSTATE_TERMINATED) {
			pod_line_terminated(pl, "Init:", c);
		} else if (c->state == KUBE_CSTATE_WAITING && *c->reason &&
			   !str_eq(c->reason, "PodInitializing")) {
			pl->prefix = "Init:";
			pl->text = c->reason;
		} else {
			pl->prefix = "Init:";
			snprintf(pl->num, sizeof pl->num, "%d/%d", i, ninit);
			pl->text = pl->num;
		}
	}

	if (!initializing ||
	    condition_true(p->conditions, p->nconditions, "Initialized")) {
		restarts = sidecar_restarts;
		bool running = false;
		for (int i = MAX_SCAN - 1; i >= 0; i--) {
			const struct kube_container *c = regular[i];
			if (!c)
				continue;
			restarts += c->restarts;
			if (c->state == KUBE_CSTATE_WAITING && *c->reason) {
				pl->prefix = "";
				pl->text = c->reason;
			} else if (c->state == KUBE_CSTATE_TERMINATED) {
				pod_line_terminated(pl, "", c);
			} else if (c->ready &&
				   c->state == KUBE_CSTATE_RUNNING) {
				running = true;
				pl->ready++;
			}
		}
		/* One container done must not make a pod whose others still
		 * run look finished. */
		if (!*pl->prefix && str_eq(pl->text, "Completed") && running)
			pl->text = condition_true(p->conditions, p->nconditions,
						  "Ready")
					   ? "Running"
					   : "NotReady";
	}
	pl->restarts = restarts > INT32_MAX ? INT32_MAX
		       : restarts < INT32_MIN ? INT32_MIN
					    : (int32_t)restarts;

	if (o->deleted && str_eq(p->reason, "NodeLost")) {
		pl->prefix = "";
		pl->text = "Unknown";
	} else if (o->deleted && !str_eq(p->phase, "Failed") &&
		   !str_eq(p->phase, "Succeeded")) {
		pl->prefix = "";
		pl->text = "Terminating";
	}
}

static void pod_custom(struct blk *b, struct kube_obj *o, const json_t *j)
{
	struct kube_pod *p = &o->u.pod;
	const json_t *spec = jget(j, "spec"), *status = jget(j, "status");
	const json_t *ic = jget(spec, "initContainers");
	const json_t *rc = jget(spec, "containers");
	size_t nr = json_is_array(rc) ? json_array_size(rc) : 0;
	size_t ni = json_is_array(ic) ? json_array_size(ic) : 0;
	if (nr > MAX_CONTAINERS)
		nr = MAX_CONTAINERS;
	if (ni > MAX_CONTAINERS - nr)
		ni = MAX_CONTAINERS - nr;
	p->containers = blk_array(b, ni + nr, sizeof *p->containers);
	p->ncontainers = p->containers ? (uint32_t)(ni + nr) : 0;
	for (size_t i = 0; i < ni + nr; i++) {
		struct kube_container scratch;
		struct kube_container *c =
			p->containers ? &p->containers[i] : &scratch;
		bool init = i < ni;
		decode_container(b, c, json_array_get(init ? ic : rc,
						       init ? i : i - ni),
				 jget(status, init ? "initContainerStatuses"
						   : "containerStatuses"),
				 init);
	}
	if (!b->mem)
		return;
	p->ready = condition_true(p->conditions, p->nconditions, "Ready");
	p->total = 0;
	for (uint32_t i = 0; i < p->ncontainers; i++)
		p->total += !p->containers[i].init || p->containers[i].sidecar;
	struct pod_line pl;
	pod_line(o, &pl);
	p->ready_count = pl.ready;
	p->restarts = pl.restarts;
}

/* Without an explicit strategy type the API server defaults rollingUpdate
 * (partition 0); an explicit RollingUpdate without the block stays nil,
 * and kubectl then compares revisions instead of counting partitions. */
static void sts_custom(struct blk *b, struct kube_obj *o, const json_t *j)
{
	(void)b;
	const json_t *us = jget(jget(j, "spec"), "updateStrategy");
	o->u.sts.rolling_update = !has_value(jget(us, "type"), F_STR) ||
				  json_is_object(jget(us, "rollingUpdate"));
}

/* The first array entry whose "type" is type. */
static const json_t *find_typed(const json_t *list, const char *type)
{
	size_t n = json_is_array(list) ? json_array_size(list) : 0;
	for (size_t i = 0; i < n && i < MAX_SCAN; i++) {
		const json_t *e = json_array_get(list, i);
		if (str_eq(jstr(jget(e, "type")), type))
			return e;
	}
	return NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* ROLES as kubectl shows them: node-role.kubernetes.io/<role> keys and the
 * kubernetes.io/role value, sorted, without repeats, comma-separated. */
static const char *node_roles(struct blk *b, const json_t *labels)
{
	static const char prefix[] = "node-role.kubernetes.io/";
	const char *roles[MAX_LABELS];
	size_t n = 0;
	const char *key;
	json_t *val;
	if (!json_is_object(labels))
		return "";
	json_object_foreach((json_t *)labels, key, val) {
		const char *r = NULL;
		if (str_has_prefix(key, prefix))
			r = key + sizeof prefix - 1;
		else if (str_eq(key, "kubernetes.io/role"))
			r = jstr(val);
		if (r && *r && n < MAX_LABELS)
			roles[n++] = r;
	}
	qsort(roles, n, sizeof roles[0], cmp_str);
	struct buf out = BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		if (i && str_eq(roles[i], roles[i - 1]))
			continue;
		if (out.len)
			buf_putc(&out, ',');
		buf_puts(&out, roles[i]);
	}
	const char *s = blk_str(b, buf_str(&out), out.len);
	buf_free(&out);
	return s;
}

static void node_custom(struct blk *b, struct kube_obj *o, const json_t *j)
{
	const json_t *status = jget(j, "status");
	decode_fields(b, ROWS(node_fields),
		      find_typed(jget(status, "conditions"), "Ready"), o,
		      S_READY);
	decode_fields(b, ROWS(node_fields),
		      find_typed(jget(status, "addresses"), "InternalIP"), o,
		      S_ADDR);
	o->u.node.roles = node_roles(b, jget(jget(j, "metadata"), "labels"));
}

static void event_custom(struct blk *b, struct kube_obj *o, const json_t *j)
{
	(void)b;
	(void)j;
	struct kube_event *ev = &o->u.event;
	if (ev->count < 1)
		ev->count = 1; /* singleton events of the new API */
	if (!ev->last_time)
		ev->last_time = ev->first_time;
}

static void pod_json(json_t *out, const struct kube_obj *o);

static void cm_custom(struct blk *b, struct kube_obj *o, const json_t *j)
{
	o->u.cm.data = decode_labels(b, jget(j, "data"), &o->u.cm.ndata);
}

static const struct codec {
	const struct field *fields;
	size_t nfields;
	void (*custom)(struct blk *b, struct kube_obj *o, const json_t *j);
	void (*json)(json_t *out, const struct kube_obj *o);
} codecs[KUBE__KIND_COUNT] = {
	[KUBE_POD] = {ROWS(pod_fields), pod_custom, pod_json},
	[KUBE_DEPLOYMENT] = {ROWS(deploy_fields), NULL, NULL},
	[KUBE_REPLICASET] = {ROWS(rs_fields), NULL, NULL},
	[KUBE_STATEFULSET] = {ROWS(sts_fields), sts_custom, NULL},
	[KUBE_DAEMONSET] = {ROWS(ds_fields), NULL, NULL},
	[KUBE_JOB] = {ROWS(job_fields), NULL, NULL},
	[KUBE_NODE] = {ROWS(node_fields), node_custom, NULL},
	[KUBE_EVENT] = {ROWS(event_fields), event_custom, NULL},
	[KUBE_NAMESPACE] = {ROWS(ns_fields), NULL, NULL},
	[KUBE_CONFIGMAP] = {NULL, 0, cm_custom, NULL},
};

static void decode_obj(struct blk *b, struct kube_obj *o, enum kube_kind k,
		       const json_t *j)
{
	const struct codec *cd = &codecs[k];
	o->kind = k;
	decode_fields(b, ROWS(meta_fields), j, o, S_MAIN);
	decode_owner(b, o, j);
	decode_fields(b, cd->fields, cd->nfields, j, o, S_MAIN);
	if (cd->custom)
		cd->custom(b, o, j);
}

struct kube_obj *kobj_decode(enum kube_kind k, const json_t *j,
			     struct err *e)
{
	if ((unsigned)k >= KUBE__KIND_COUNT) {
		err_set(e, ST_ERR_INVALID, "unknown object kind %d", (int)k);
		return NULL;
	}
	if (!json_is_object(j)) {
		err_set(e, ST_ERR_PARSE, "%s: not a JSON object",
			kinds[k].kind);
		return NULL;
	}
	if (!has_value(jget(jget(j, "metadata"), "name"), F_STR)) {
		err_set(e, ST_ERR_PARSE,
			"%s: metadata.name missing or not a string",
			kinds[k].kind);
		return NULL;
	}
	size_t head = (sizeof(struct kube_obj) + 7) & ~(size_t)7;
	struct kube_obj scratch;
	memset(&scratch, 0, sizeof scratch);
	struct blk b = {NULL, head, 0};
	decode_obj(&b, &scratch, k, j);

	char *mem = xmalloc(b.len);
	memset(mem, 0, head);
	b = (struct blk){mem, head, b.len};
	struct kube_obj *o = (struct kube_obj *)mem;
	decode_obj(&b, o, k, j);
	return o;
}

void kobj_free(struct kube_obj *o)
{
	free(o);
}

/* ---- lookups ------------------------------------------------------------- */

void kobj_key(struct buf *out, const struct kube_obj *o)
{
	if (kube_kind_namespaced(o->kind) && *o->namespace_)
		buf_printf(out, "%s/%s", o->namespace_, o->name);
	else
		buf_puts(out, o->name);
}

const char *kobj_label(const struct kube_obj *o, const char *key)
{
	for (uint32_t i = 0; i < o->nlabels; i++)
		if (str_eq(o->labels[i].key, key))
			return o->labels[i].value;
	return NULL;
}

const char *kobj_cm_data(const struct kube_obj *o, const char *key)
{
	if (o->kind != KUBE_CONFIGMAP)
		return NULL;
	for (uint32_t i = 0; i < o->u.cm.ndata; i++)
		if (str_eq(o->u.cm.data[i].key, key))
			return o->u.cm.data[i].value;
	return NULL;
}

const struct kube_condition *kobj_condition(const struct kube_obj *o,
					    const char *type)
{
	switch (o->kind) {
	case KUBE_POD:
		return find_condition(o->u.pod.conditions, o->u.pod.nconditions,
				      type);
	case KUBE_DEPLOYMENT:
		return find_condition(o->u.deploy.conditions,
				      o->u.deploy.nconditions, type);
	case KUBE_REPLICASET:
		return find_condition(o->u.rs.conditions, o->u.rs.nconditions,
				      type);
	case KUBE_JOB:
		return find_condition(o->u.job.conditions, o->u.job.nconditions,
				      type);
	default:
		return NULL;
	}
}

bool kobj_matches(const struct kube_obj *o, const struct kube_label *sel,
		  uint32_t nsel)
{
	for (uint32_t i = 0; i < nsel; i++)
		if (!str_eq(kobj_label(o, sel[i].key), sel[i].value))
			return false;
	return true;
}

void kobj_pod_status(struct buf *out, const struct kube_obj *pod)
{
	if (pod->kind != KUBE_POD)
		return;
	struct pod_line pl;
	pod_line(pod, &pl);
	buf_puts(out, pl.prefix);
	buf_puts(out, pl.text);
}

/* ---- --json ------------------------------------------------------------- */

/* Strings from jansson are valid UTF-8 up to any embedded NUL, so this
 * never fails for decoded objects; "" keeps the output whole if it did. */
static json_t *jstring(const char *s)
{
	json_t *v = json_string(s);
	return v ? v : json_string("");
}

static json_t *jtime(int64_t t)
{
	if (!t)
		return json_null();
	struct buf b = BUF_INIT;
	kube_format_time(&b, t);
	json_t *v = jstring(buf_str(&b));
	buf_free(&b);
	return v;
}

/* Set name in out, where "a.b" goes into the object a (made if needed). */
static void jset(json_t *out, const char *name, json_t *v)
{
	const char *dot = strchr(name, '.');
	if (!dot) {
		json_object_set_new(out, name, v);
		return;
	}
	char head[64];
	size_t n = (size_t)(dot - name) < sizeof head - 1 ? (size_t)(dot - name)
							  : sizeof head - 1;
	memcpy(head, name, n);
	head[n] = '\0';
	json_t *sub = json_object_get(out, head);
	if (!json_is_object(sub)) {
		sub = json_object();
		json_object_set_new(out, head, sub);
	}
	jset(sub, dot + 1, v);
}

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

static json_t *labels_json(const struct kube_label *l, uint32_t n)
{
	json_t *o = json_object();
	for (uint32_t i = 0; i < n; i++)
		json_object_set_new(o, l[i].key, jstring(l[i].value));
	return o;
}

static void fields_json(json_t *out, const struct field *f, size_t n,
			const void *srcp)
{
	const char *src = srcp;
	for (; n--; f++) {
		if (!f->json)
			continue;
		const char *p = src + f->off;
		json_t *v = NULL;
		switch (f->type) {
		case F_STR: {
			const char *s;
			memcpy(&s, p, sizeof s);
			v = jstring(s);
			break;
		}
		case F_I32: {
			int32_t x;
			memcpy(&x, p, sizeof x);
			v = json_integer(x);
			break;
		}
		case F_I64:
		case F_NUMSTR: {
			int64_t x;
			memcpy(&x, p, sizeof x);
			v = json_integer(x);
			break;
		}
		case F_BOOL: {
			bool x;
			memcpy(&x, p, sizeof x);
			v = json_boolean(x);
			break;
		}
		case F_TIME: {
			int64_t x;
			memcpy(&x, p, sizeof x);
			v = jtime(x);
			break;
		}
		case F_CSTATE: {
			enum kube_cstate x;
			memcpy(&x, p, sizeof x);
			v = json_string(cstate_name(x));
			break;
		}
		case F_LABELS: {
			const struct kube_label *l;
			uint32_t cnt;
			memcpy(&l, p, sizeof l);
			memcpy(&cnt, src + f->noff, sizeof cnt);
			v = labels_json(l, cnt);
			break;
		}
		case F_ARRAY: {
			const char *a;
			uint32_t cnt;
			memcpy(&a, p, sizeof a);
			memcpy(&cnt, src + f->noff, sizeof cnt);
			v = json_array();
			for (uint32_t i = 0; i < cnt; i++) {
				json_t *e = json_object();
				fields_json(e, f->elem->fields,
					    f->elem->nfields,
					    a + i * f->elem->size);
				json_array_append_new(v, e);
			}
			break;
		}
		}
		jset(out, f->json, v);
	}
}

static void pod_json(json_t *out, const struct kube_obj *o)
{
	struct buf b = BUF_INIT;
	kobj_pod_status(&b, o);
	json_object_set_new(out, "status", jstring(buf_str(&b)));
	buf_free(&b);
	json_t *arr = json_array();
	for (uint32_t i = 0; i < o->u.pod.ncontainers; i++) {
		json_t *c = json_object();
		fields_json(c, ROWS(container_fields), &o->u.pod.containers[i]);
		json_array_append_new(arr, c);
	}
	json_object_set_new(out, "containers", arr);
}

json_t *kobj_to_json(const struct kube_obj *o)
{
	json_t *out = json_object();
	json_object_set_new(out, "kind", jstring(kube_kind_name(o->kind)));
	fields_json(out, ROWS(meta_fields), o);
	if (*o->owner_kind || *o->owner_name)
		json_object_set_new(out, "owner",
				    json_pack("{s:o,s:o}", "kind",
					      jstring(o->owner_kind), "name",
					      jstring(o->owner_name)));
	else
		json_object_set_new(out, "owner", json_null());
	if ((unsigned)o->kind < KUBE__KIND_COUNT) {
		const struct codec *cd = &codecs[o->kind];
		fields_json(out, cd->fields, cd->nfields, o);
		if (cd->json)
			cd->json(out, o);
	}
	return out;
}

/* ---- times ----------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil), so no time zone or libc quirk can get in the way. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* n decimal digits at *s, advancing it; -1 if they are not all digits. */
static int digits(const char **s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++, (*s)++) {
		if (**s < '0' || **s > '9')
			return -1;
		v = v * 10 + (**s - '0');
	}
	return v;
}

static bool expect(const char **s, const char *any)
{
	if (**s && strchr(any, **s)) {
		(*s)++;
		return true;
	}
	return false;
}

int64_t kube_parse_time(const char *s)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31};
	if (!s)
		return 0;
	int y = digits(&s, 4), mo, d, h, mi, sec;
	if (y < 0 || !expect(&s, "-") || (mo = digits(&s, 2)) < 1 || mo > 12 ||
	    !expect(&s, "-") || (d = digits(&s, 2)) < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && (y % 4 || (y % 100 == 0 && y % 400))) ||
	    !expect(&s, "Tt") || (h = digits(&s, 2)) < 0 || h > 23 ||
	    !expect(&s, ":") || (mi = digits(&s, 2)) < 0 || mi > 59 ||
	    !expect(&s, ":") || (sec = digits(&s, 2)) < 0 || sec > 59)
		return 0;
	if (expect(&s, ".")) {
		if (*s < '0' || *s > '9')
			return 0;
		while (*s >= '0' && *s <= '9')
			s++; /* ages and sorting never need sub-seconds */
	}
	int64_t off = 0;
	if (!expect(&s, "Zz")) {
		int sign = *s == '-' ? -1 : 1, oh, om;
		if (!expect(&s, "+-") || (oh = digits(&s, 2)) < 0 || oh > 23 ||
		    !expect(&s, ":") || (om = digits(&s, 2)) < 0 || om > 59)
			return 0;
		off = sign * (oh * 3600 + om * 60);
	}
	if (*s)
		return 0;
	return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
	       off;
}

void kube_format_time(struct buf *out, int64_t t)
{
	if (!t)
		return; /* 0 means unset everywhere in opsdeck */
	int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	int64_t rem = t - days * 86400, y;
	int m, d;
	civil_from_days(days, &y, &m, &d);
	buf_printf(out, "%04lld-%02d-%02dT%02d:%02d:%02dZ", (long long)y, m, d,
		   (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
}

/* apimachinery's duration.HumanDuration, step for step. */
void kube_format_age(struct buf *out, int64_t s)
{
	if (s < -1) {
		buf_puts(out, "<invalid>");
		return;
	}
	if (s < 0)
		s = 0;
	if (s < 120) {
		buf_printf(out, "%llds", (long long)s);
		return;
	}
	long long min = s / 60, hours = s / 3600, days = hours / 24;
	if (min < 10) {
		if (s % 60)
			buf_printf(out, "%lldm%llds", min, (long long)(s % 60));
		else
			buf_printf(out, "%lldm", min);
	} else if (min < 180) {
		buf_printf(out, "%lldm", min);
	} else if (hours < 8) {
		if (min % 60)
			buf_printf(out, "%lldh%lldm", hours, min % 60);
		else
			buf_printf(out, "%lldh", hours);
	} else if (hours < 48) {
		buf_printf(out, "%lldh", hours);
	} else if (hours < 24 * 8) {
		if (hours % 24)
			buf_printf(out, "%lldd%lldh", days, hours % 24);
		else
			buf_printf(out, "%lldd", days);
	} else if (hours < 24 * 365 * 2) {
		buf_printf(out, "%lldd", days);
	} else if (hours < 24 * 365 * 8) {
		if (days % 365)
			buf_printf(out, "%lldy%lldd", days / 365, days % 365);
		else
			buf_printf(out, "%lldy", days / 365);
	} else {
		buf_printf(out, "%lldy", days / 365);
	}
}

/* The workload a pod belongs to: its controller owner, with a
 * ReplicaSet's pod-template-hash taken off to name the Deployment. */
bool kobj_pod_workload(const struct kube_obj *pod, enum kube_kind *kind,
		       struct buf *name)
{
	if (!strcmp(pod->owner_kind, "ReplicaSet")) {
		const char *hash = kobj_label(pod, "pod-template-hash");
		size_t n = strlen(pod->owner_name), h = hash ? strlen(hash) : 0;
		if (!h || n <= h + 1 || pod->owner_name[n - h - 1] != '-' ||
		    strcmp(pod->owner_name + n - h, hash))
			return false;
		buf_append(name, pod->owner_name, n - h - 1);
		*kind = KUBE_DEPLOYMENT;
		return true;
	}
	if (!strcmp(pod->owner_kind, "StatefulSet"))
		*kind = KUBE_STATEFULSET;
	else if (!strcmp(pod->owner_kind, "DaemonSet"))
		*kind = KUBE_DAEMONSET;
	else
		return false;
	buf_puts(name, pod->owner_name);
	return true;
}

/* ---- names -------------------------------------------------------------- */

bool kube_valid_label(const char *s, size_t n)
{
	if (!n || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!islower((unsigned char)s[i]) &&
		    !isdigit((unsigned char)s[i]) && s[i] != '-')
			return false;
	return true;
}

bool kube_valid_name(const char *s)
{
	if (strlen(s) > 253)
		return false;
	for (;;) {
		size_t n = strcspn(s, ".");
		if (!kube_valid_label(s, n))
			return false;
		if (!s[n])
			return true;
		s += n + 1;
	}
}
