/*
 * Server-side Tables: what kubesim answers when a client asks for
 * "application/json;as=Table;g=meta.k8s.io" (every human `kubectl get`).
 *
 * kubectl prints the columns and cells it receives without looking at the
 * objects, so this file is where `kubectl get pods` gets its READY, STATUS,
 * RESTARTS and AGE. Each kind has a column list and a row function that
 * reads the stored JSON and computes the cells the way the real printers do
 * (k8s.io/kubernetes pkg/printers/internalversion/printers.go, as served by
 * the apiserver, which always generates the wide cells and lets kubectl drop
 * the priority-1 columns unless -o wide). Ages use apimachinery's
 * duration.HumanDuration. Nothing here touches the store: rows are pure
 * functions of an object and the time.
 */
#include "kubesim.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/mem.h"

/* ---- column definitions ---- */

struct col {
	const char *name, *type, *format, *desc;
	int priority;
};

/* The descriptions are the API's field docs, as the real printers use. */
static const char d_name[] =
    "Name must be unique within a namespace. Is required when creating "
    "resources, although some resources may allow a client to request the "
    "generation of an appropriate name automatically. Name is primarily "
    "intended for creation idempotence and configuration definition. "
    "Cannot be updated. More info: "
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/"
    "names#names";
static const char d_created[] =
    "CreationTimestamp is a timestamp representing the server time when "
    "this object was created. It is not guaranteed to be set in "
    "happens-before order across separate operations. Clients may not set "
    "this value. It is represented in RFC3339 form and is in UTC.\n\n"
    "Populated by the system. Read-only. Null for lists. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/"
    "api-conventions.md#metadata";
static const char d_containers[] = "Names of each container in the template.";
static const char d_images[] =
    "Images referenced by each container in the template.";

static const char d_pod_ready[] =
    "The aggregate readiness state of this pod for accepting traffic.";
static const char d_pod_status[] =
    "The aggregate status of the containers in this pod.";
static const char d_pod_restarts[] =
    "The number of times the containers in this pod have been restarted "
    "and when the last container in this pod has restarted.";
static const char d_pod_ip[] =
    "podIP address allocated to the pod. Routable at least within the "
    "cluster. Empty if not yet allocated.";
static const char d_pod_node[] =
    "NodeName indicates in which node this pod is scheduled. If empty, "
    "this pod is a candidate for scheduling by the scheduler defined in "
    "schedulerName. Once this field is set, the kubelet for this node "
    "becomes responsible for the lifecycle of this pod. This field should "
    "not be used to express a desire for the pod to be scheduled on a "
    "specific node. https://kubernetes.io/docs/concepts/"
    "scheduling-eviction/assign-pod-node/#nodename";
static const char d_pod_nominated[] =
    "nominatedNodeName is set only when this pod preempts other pods on "
    "the node, but it cannot be scheduled right away as preemption victims "
    "receive their graceful termination periods. This field does not "
    "guarantee that the pod will be scheduled on this node. Scheduler may "
    "decide to place the pod elsewhere if other nodes become available "
    "sooner. Scheduler may also decide to give the resources on this node "
    "to a higher priority pod that is created after preemption. As a "
    "result, this field may be different than PodSpec.nodeName when the "
    "pod is scheduled.";
static const char d_pod_gates[] =
    "If specified, all readiness gates will be evaluated for pod "
    "readiness. A pod is ready when all its containers are ready AND all "
    "conditions specified in the readiness gates have status equal to "
    "\"True\" More info: https://git.k8s.io/enhancements/keps/"
    "sig-network/580-pod-readiness-gates";

static const struct col pod_cols[] = {
    {"Name", "string", "name", d_name, 0},
    {"Ready", "string", "", d_pod_ready, 0},
    {"Status", "string", "", d_pod_status, 0},
    {"Restarts", "string", "", d_pod_restarts, 0},
    {"Age", "string", "", d_created, 0},
    {"IP", "string", "", d_pod_ip, 1},
    {"Node", "string", "", d_pod_node, 1},
    {"Nominated Node", "string", "", d_pod_nominated, 1},
    {"Readiness Gates", "string", "", d_pod_gates, 1},
};

static const char d_deploy_ready[] = "Number of the pod with ready state";
static const char d_deploy_updated[] =
    "Total number of non-terminated pods targeted by this deployment that "
    "have the desired template spec.";
static const char d_deploy_available[] =
    "Total number of available pods (ready for at least minReadySeconds) "
    "targeted by this deployment.";
static const char d_deploy_selector[] =
    "Label selector for pods. Existing ReplicaSets whose pods are selected "
    "by this will be the ones affected by this deployment.";

static const struct col deployment_cols[] = {
    {"Name", "string", "name", d_name, 0},
    {"Ready", "string", "", d_deploy_ready, 0},
    {"Up-to-date", "string", "", d_deploy_updated, 0},
    {"Available", "string", "", d_deploy_available, 0},
    {"Age", "string", "", d_created, 0},
    {"Containers", "string", "", d_containers, 1},
    {"Images", "string", "", d_images, 1},
    {"Selector", "string", "", d_deploy_selector, 1},
};

static const char d_rs_desired[] =
    "Replicas is the number of desired replicas. This is a pointer to "
    "distinguish between explicit zero and unspecified. Defaults to 1. "
    "More info: https://kubernetes.io/docs/concepts/workloads/controllers/"
    "replicationcontroller/#what-is-a-replicationcontroller";
static const char d_rs_current[] =
    "Replicas is the most recently observed number of replicas. More "
    "info: https://kubernetes.io/docs/concepts/workloads/controllers/"
    "replicationcontroller/#what-is-a-replicationcontroller";
static const char d_rs_ready[] =
    "The number of ready replicas for this replica set.";
static const char d_rs_selector[] =
    "Selector is a label query over pods that should match the replica "
    "count. Label keys and values that must match in order to be "
    "controlled by this replica set. More info: https://kubernetes.io/"
    "docs/concepts/overview/working-with-objects/labels/#label-selectors";

static const struct col replicaset_cols[] = {
    {"Name", "string", "name", d_name, 0},
    {"Desired", "integer", "", d_rs_desired, 0},
    {"Current", "integer", "", d_rs_current, 0},
    {"Ready", "integer", "", d_rs_ready, 0},
    {"Age", "string", "", d_created, 0},
    {"Containers", "string", "", d_containers, 1},
    {"Images", "string", "", d_images, 1},
    {"Selector", "string", "", d_rs_selector, 1},
};

static const char d_job_status[] = "Status of the job.";
static const char d_job_completions[] =
    "The number of pods which reached phase Succeeded. The value increases "
    "monotonically for a given spec. However, it may decrease in reaction "
    "to scale down of elastic indexed jobs.";
static const char d_job_duration[] = "Time required to complete the job.";
static const char d_job_selector[] =
    "A label query over pods that should match the pod count. Normally, "
    "the system sets this field for you. More info: https://kubernetes.io/"
    "docs/concepts/overview/working-with-objects/labels/#label-selectors";

static const struct col job_cols[] = {
    {"Name", "string", "name", d_name, 0},
    {"Status", "string", "", d_job_status, 0},
    {"Completions", "string", "", d_job_completions, 0},
    {"Duration", "string", "", d_job_duration, 0},
    {"Age", "string", "", d_created, 0},
    {"Containers", "string", "", d_containers, 1},
    {"Images", "string", "", d_images, 1},
    {"Selector", "string", "", d_job_selector, 1},
};

static const char d_ev_last[] =
    "The time at which the most recent occurrence of this event was "
    "recorded.";
static const char d_ev_type[] =
    "Type of this event (Normal, Warning), new types could be added in the "
    "future";
static const char d_ev_reason[] =
    "This should be a short, machine understandable string that gives the "
    "reason for the transition into the object's current status.";
static const char d_ev_object[] = "The object that this event is about.";
static const char d_ev_subobject[] =
    "If referring to a piece of an object instead of an entire object, "
    "this string should contain a valid JSON/Go field access statement, "
    "such as desiredState.manifest.containers[2]. For example, if the "
    "object reference is to a container within a pod, this would take on "
    "a value like: \"spec.containers{name}\" (where \"name\" refers to the "
    "name of the container that triggered the event) or if no container "
    "name is specified \"spec.containers[2]\" (container with index 2 in "
    "this pod). This syntax is chosen only to have some well-defined way "
    "of referencing a part of an object.";
static const char d_ev_source[] =
    "The component reporting this event. Should be a short machine "
    "understandable string.";
static const char d_ev_message[] =
    "A human-readable description of the status of this operation.";
static const char d_ev_first[] =
    "The time at which the event was first recorded. (Time of server "
    "receipt is in TypeMeta.)";
static const char d_ev_count[] = "The number of times this event has occurred.";

static const struct col event_cols[] = {
    {"Last Seen", "string", "", d_ev_last, 0},
    {"Type", "string", "", d_ev_type, 0},
    {"Reason", "string", "", d_ev_reason, 0},
    {"Object", "string", "", d_ev_object, 0},
    {"Subobject", "string", "", d_ev_subobject, 1},
    {"Source", "string", "", d_ev_source, 1},
    {"Message", "string", "", d_ev_message, 0},
    {"First Seen", "string", "", d_ev_first, 1},
    {"Count", "string", "", d_ev_count, 1},
    {"Name", "string", "name", d_name, 1},
};

static const char d_node_status[] = "The status of the node";
static const char d_node_roles[] = "The roles of the node";
static const char d_node_version[] = "Kubelet Version reported by the node.";
static const char d_node_addresses[] =
    "List of addresses reachable to the node. Queried from cloud provider, "
    "if available. More info: https://kubernetes.io/docs/reference/node/"
    "node-status/#addresses";
static const char d_node_os[] =
    "OS Image reported by the node from /etc/os-release (e.g. Debian "
    "GNU/Linux 7 (wheezy)).";
static const char d_node_kernel[] =
    "Kernel Version reported by the node from 'uname -r' (e.g. "
    "3.16.0-0.bpo.4-amd64).";
static const char d_node_runtime[] =
    "ContainerRuntime Version reported by the node through runtime remote "
    "API (e.g. containerd://1.4.2).";

static const struct col node_cols[] = {
    {"Name", "string", "name", d_name, 0},
    {"Status", "string", "", d_node_status, 0},
    {"Roles", "string", "", d_node_roles, 0},
    {"Age", "string", "", d_created, 0},
    {"Version", "string", "", d_node_version, 0},
    {"Internal-IP", "string", "", d_node_addresses, 1},
    {"External-IP", "string", "", d_node_addresses, 1},
    {"OS-Image", "string", "", d_node_os, 1},
    {"Kernel-Version", "string", "", d_node_kernel, 1},
    {"Container-Runtime", "string", "", d_node_runtime, 1},
};

static const char d_ns_status[] = "The status of the namespace";

static const struct col namespace_cols[] = {
    {"Name", "string", "name", d_name, 0},
    {"Status", "string", "", d_ns_status, 0},
    {"Age", "string", "", d_created, 0},
};

static const char d_svc_type[] =
    "type determines how the Service is exposed. Defaults to ClusterIP. "
    "Valid options are ExternalName, ClusterIP, NodePort, and "
    "LoadBalancer.";
static const char d_svc_ip[] =
    "clusterIP is the IP address of the service and is usually assigned "
    "randomly.";
static const char d_svc_external[] =
    "externalIPs is a list of IP addresses for which nodes in the cluster "
    "will also accept traffic for this service.";
static const char d_svc_ports[] =
    "The list of ports that are exposed by this service. More info: "
    "https://kubernetes.io/docs/concepts/services-networking/service/"
    "#virtual-ips-and-service-proxies";
static const char d_svc_selector[] =
    "Route service traffic to pods with label keys and values matching "
    "this selector. More info: https://kubernetes.io/docs/concepts/"
    "services-networking/service/";

static const struct col service_cols[] = {
    {"Name", "string", "name", d_name, 0},
    {"Type", "string", "", d_svc_type, 0},
    {"Cluster-IP", "string", "", d_svc_ip, 0},
    {"External-IP", "string", "", d_svc_external, 0},
    {"Port(s)", "string", "", d_svc_ports, 0},
    {"Age", "string", "", d_created, 0},
    {"Selector", "string", "", d_svc_selector, 1},
};

static const char d_cm_data[] =
    "Data contains the configuration data. Each key must consist of "
    "alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte "
    "sequences must use the BinaryData field. The keys stored in Data must "
    "not overlap with the keys in the BinaryData field, this is enforced "
    "during validation process.";

static const struct col configmap_cols[] = {
    {"Name", "string", "name", d_name, 0},
    {"Data", "string", "", d_cm_data, 0},
    {"Age", "string", "", d_created, 0},
};

static const char d_secret_type[] =
    "Used to facilitate programmatic handling of secret data. More info: "
    "https://kubernetes.io/docs/concepts/configuration/secret/"
    "#secret-types";
static const char d_secret_data[] =
    "Data contains the secret data. Each key must consist of alphanumeric "
    "characters, '-', '_' or '.'. The serialized form of the secret data "
    "is a base64 encoded string, representing the arbitrary (possibly "
    "non-string) data value here. Described in "
    "https://tools.ietf.org/html/rfc4648#section-4";

static const struct col secret_cols[] = {
    {"Name", "string", "name", d_name, 0},
    {"Type", "string", "", d_secret_type, 0},
    {"Data", "string", "", d_secret_data, 0},
    {"Age", "string", "", d_created, 0},
};

/* The apiserver's default table for kinds without a printer. */
static const struct col default_cols[] = {
    {"Name", "string", "name", d_name, 0},
    {"Created At", "date", "", d_created, 0},
};

#define NCOLS(a) (sizeof(a) / sizeof((a)[0]))

static const struct col *kind_cols(enum ks_kind k, size_t *n)
{
	switch (k) {
	case KS_PODS:
		*n = NCOLS(pod_cols);
		return pod_cols;
	case KS_DEPLOYMENTS:
		*n = NCOLS(deployment_cols);
		return deployment_cols;
	case KS_REPLICASETS:
		*n = NCOLS(replicaset_cols);
		return replicaset_cols;
	case KS_JOBS:
		*n = NCOLS(job_cols);
		return job_cols;
	case KS_EVENTS:
		*n = NCOLS(event_cols);
		return event_cols;
	case KS_NODES:
		*n = NCOLS(node_cols);
		return node_cols;
	case KS_NAMESPACES:
		*n = NCOLS(namespace_cols);
		return namespace_cols;
	case KS_SERVICES:
		*n = NCOLS(service_cols);
		return service_cols;
	case KS_CONFIGMAPS:
		*n = NCOLS(configmap_cols);
		return configmap_cols;
	case KS_SECRETS:
		*n = NCOLS(secret_cols);
		return secret_cols;
	default:
		*n = NCOLS(default_cols);
		return default_cols;
	}
}

json_t *ks_table_columns(enum ks_kind k)
{
	size_t n;
	const struct col *c = kind_cols(k, &n);
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(
		    arr, json_pack("{s:s,s:s,s:s,s:s,s:i}", "name", c[i].name,
				   "type", c[i].type, "format", c[i].format,
				   "description", c[i].desc, "priority",
				   c[i].priority));
	return arr;
}

/* ---- reading the stored JSON ---- */

/* The value at a dotted path, or NULL. */
static const json_t *jget(const json_t *o, const char *path)
{
	while (o && *path) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);
		char seg[64];
		if (n >= sizeof seg || !json_is_object(o))
			return NULL;
		memcpy(seg, path, n);
		seg[n] = '\0';
		o = json_object_get(o, seg);
		path += n + (dot ? 1 : 0);
	}
	return o;
}

/* A string field, "" when missing (Go's zero value). */
static const char *jstr(const json_t *o, const char *path)
{
	const json_t *v = jget(o, path);
	return json_is_string(v) ? json_string_value(v) : "";
}

static long long jint(const json_t *o, const char *path, long long dflt)
{
	const json_t *v = jget(o, path);
	return json_is_integer(v) ? (long long)json_integer_value(v) : dflt;
}

static bool jtrue(const json_t *o, const char *path)
{
	return json_is_true(jget(o, path));
}

static size_t jsize(const json_t *o, const char *path)
{
	const json_t *v = jget(o, path);
	if (json_is_array(v))
		return json_array_size(v);
	if (json_is_object(v))
		return json_object_size(v);
	return 0;
}

static bool digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/*
 * RFC 3339 ("2026-11-23T12:00:00Z", fractions and offsets allowed) to Unix
 * seconds. store.c has ks_time_parse too, but the table must not depend on
 * the store to be tested alone.
 */
static bool parse_time(const char *s, double *t)
{
	int y, mo, d, h, mi, sec;
	if (strlen(s) < 20 || !digits(s, 4, &y) || s[4] != '-' ||
	    !digits(s + 5, 2, &mo) || s[7] != '-' || !digits(s + 8, 2, &d) ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) ||
	    s[16] != ':' || !digits(s + 17, 2, &sec))
		return false;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60)
		return false;
	const char *p = s + 19;
	double frac = 0, scale = 0.1;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return false;
		while (isdigit((unsigned char)*p)) {
			frac += (*p++ - '0') * scale;
			scale /= 10;
		}
	}
	long off = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om;
		if (!digits(p + 1, 2, &oh) || p[3] != ':' ||
		    !digits(p + 4, 2, &om))
			return false;
		off = (oh * 3600L + om * 60L) * (*p == '-' ? -1 : 1);
		p += 6;
	} else {
		return false;
	}
	if (*p)
		return false;
	struct tm tm = {0};
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*t = (double)timegm(&tm) - (double)off + frac;
	return true;
}

/* A metav1.Time field; false for a missing (zero) time. */
static bool jtime(const json_t *o, const char *path, double *t)
{
	const json_t *v = jget(o, path);
	return json_is_string(v) && parse_time(json_string_value(v), t);
}

/* ---- durations ---- */

/*
 * k8s.io/apimachinery/pkg/util/duration.HumanDuration: about two
 * significant figures, with up to two seconds of clock skew shown as "0s".
 */
static void human_duration(double d, char *out, size_t size)
{
	/* Go truncates toward zero, as the cast does */
	long long secs = (long long)d;
	if (secs < -1) {
		snprintf(out, size, "<invalid>");
		return;
	}
	if (secs < 0) {
		snprintf(out, size, "0s");
		return;
	}
	if (secs < 60 * 2) {
		snprintf(out, size, "%llds", secs);
		return;
	}
	long long minutes = secs / 60;
	if (minutes < 10) {
		long long s = secs % 60;
		if (s == 0)
			snprintf(out, size, "%lldm", minutes);
		else
			snprintf(out, size, "%lldm%llds", minutes, s);
		return;
	}
	if (minutes < 60 * 3) {
		snprintf(out, size, "%lldm", minutes);
		return;
	}
	long long hours = secs / 3600;
	if (hours < 8) {
		long long m = minutes % 60;
		if (m == 0)
			snprintf(out, size, "%lldh", hours);
		else
			snprintf(out, size, "%lldh%lldm", hours, m);
	} else if (hours < 48) {
		snprintf(out, size, "%lldh", hours);
	} else if (hours < 24 * 8) {
		long long h = hours % 24;
		if (h == 0)
			snprintf(out, size, "%lldd", hours / 24);
		else
			snprintf(out, size, "%lldd%lldh", hours / 24, h);
	} else if (hours < 24 * 365 * 2) {
		snprintf(out, size, "%lldd", hours / 24);
	} else if (hours < 24 * 365 * 8) {
		long long dy = hours / 24 % 365;
		if (dy == 0)
			snprintf(out, size, "%lldy", hours / 24 / 365);
		else
			snprintf(out, size, "%lldy%lldd", hours / 24 / 365, dy);
	} else {
		snprintf(out, size, "%lldy", hours / 24 / 365);
	}
}

/* translateTimestampSince: the age of a timestamp, "<unknown>" if unset. */
static json_t *since(const json_t *o, const char *path, double now)
{
	double t;
	char buf[32];
	if (!jtime(o, path, &t))
		return json_string("<unknown>");
	human_duration(now - t, buf, sizeof buf);
	return json_string(buf);
}

static json_t *age(const json_t *obj, double now)
{
	return since(obj, "metadata.creationTimestamp", now);
}

/* ---- cell helpers ---- */

static void add(json_t *cells, json_t *v)
{
	json_array_append_new(cells, v);
}

static void add_s(json_t *cells, const char *s)
{
	json_array_append_new(cells, json_string(s));
}

static void add_i(json_t *cells, long long v)
{
	json_array_append_new(cells, json_integer(v));
}

/* the string, or dflt when it is empty */
static const char *either(const char *s, const char *dflt)
{
	return *s ? s : dflt;
}

/* layoutContainerCells: names and images, comma-separated */
static void add_containers(json_t *cells, const json_t *containers)
{
	struct buf names = BUF_INIT, images = BUF_INIT;
	size_t i;
	const json_t *c;
	json_array_foreach(containers, i, c) {
		if (i) {
			buf_putc(&names, ',');
			buf_putc(&images, ',');
		}
		buf_puts(&names, jstr(c, "name"));
		buf_puts(&images, jstr(c, "image"));
	}
	add_s(cells, buf_str(&names));
	add_s(cells, buf_str(&images));
	buf_free(&names);
	buf_free(&images);
}

/* A requirement of a label selector as labels.Requirement.String()
 * prints it, with its key to sort by. */
struct sreq {
	const char *key;
	struct buf text;
};

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* labels.Set.String / FormatLabels: sorted "k=v" pairs. */
static void format_labels(struct buf *out, const json_t *labels)
{
	size_t n = json_is_object(labels) ? json_object_size(labels) : 0;
	const char **keys = xcalloc(n ? n : 1, sizeof *keys);
	const char *k;
	const json_t *v;
	size_t i = 0;
	json_object_foreach((json_t *)labels, k, v)
		keys[i++] = k;
	qsort(keys, n, sizeof *keys, cmp_cstr);
	for (i = 0; i < n; i++) {
		const json_t *val = json_object_get(labels, keys[i]);
		if (i)
			buf_putc(out, ',');
		buf_printf(out, "%s=%s", keys[i],
			   json_is_string(val) ? json_string_value(val) : "");
	}
	free(keys);
}

/*
 * metav1.LabelSelectorAsSelector(...).String(): requirements sorted by key,
 * comma-separated; "" for an empty or missing selector. Values of in and
 * notin are sorted too.
 */
static bool format_selector(struct buf *out, const json_t *sel)
{
	size_t cap = 8, n = 0;
	struct sreq *reqs = xmalloc(cap * sizeof *reqs);
	const char *k;
	const json_t *v;
	bool ok = true;
	const json_t *ml = json_object_get(sel, "matchLabels");
	json_object_foreach((json_t *)ml, k, v) {
		if (n == cap)
			reqs = xrealloc(reqs, (cap *= 2) * sizeof *reqs);
		reqs[n].key = k;
		buf_init(&reqs[n].text);
		buf_printf(&reqs[n].text, "%s=%s", k,
			   json_is_string(v) ? json_string_value(v) : "");
		n++;
	}
	size_t i;
	const json_t *ex;
	json_array_foreach(json_object_get(sel, "matchExpressions"), i, ex) {
		const char *key = jstr(ex, "key"), *op = jstr(ex, "operator");
		const json_t *vals = json_object_get(ex, "values");
		if (n == cap)
			reqs = xrealloc(reqs, (cap *= 2) * sizeof *reqs);
		struct buf *t = &reqs[n].text;
		reqs[n].key = key;
		buf_init(t);
		if (!strcmp(op, "In") || !strcmp(op, "NotIn")) {
			size_t nv = json_array_size(vals), j;
			if (nv == 0)
				ok = false;
			const char **vs = xcalloc(nv ? nv : 1, sizeof *vs);
			const json_t *jv;
			json_array_foreach(vals, j, jv)
				vs[j] = json_is_string(jv)
					    ? json_string_value(jv)
					    : "";
			qsort(vs, nv, sizeof *vs, cmp_cstr);
			buf_printf(t, "%s %s (", key,
				   op[0] == 'I' ? "in" : "notin");
			for (j = 0; j < nv; j++)
				buf_printf(t, "%s%s", j ? "," : "", vs[j]);
			buf_putc(t, ')');
			free(vs);
		} else if (!strcmp(op, "Exists")) {
			buf_puts(t, key);
		} else if (!strcmp(op, "DoesNotExist")) {
			buf_printf(t, "!%s", key);
		} else {
			ok = false;
		}
		n++;
	}
	/* a stable insertion sort by key, as few requirements as there are */
	for (i = 1; i < n; i++) {
		struct sreq r = reqs[i];
		size_t j = i;
		while (j > 0 && strcmp(reqs[j - 1].key, r.key) > 0) {
			reqs[j] = reqs[j - 1];
			j--;
		}
		reqs[j] = r;
	}
	for (i = 0; i < n; i++) {
		if (i)
			buf_putc(out, ',');
		buf_append(out, buf_str(&reqs[i].text), reqs[i].text.len);
		buf_free(&reqs[i].text);
	}
	free(reqs);
	return ok;
}

/* metav1.FormatLabelSelector: "<none>" for empty, "<error>" if invalid */
static void add_label_selector(json_t *cells, const json_t *sel)
{
	struct buf b = BUF_INIT;
	if (!format_selector(&b, sel))
		add_s(cells, "<error>");
	else
		add_s(cells, b.len ? buf_str(&b) : "<none>");
	buf_free(&b);
}

/* ---- pods ---- */

static bool cond_true(const json_t *obj, const char *conds, const char *type)
{
	size_t i;
	const json_t *c;
	json_array_foreach(jget(obj, conds), i, c) {
		if (!strcmp(jstr(c, "type"), type))
			return !strcmp(jstr(c, "status"), "True");
	}
	return false;
}

/* hasPodReadyCondition: any Ready condition that is True */
static bool pod_ready_cond(const json_t *pod)
{
	size_t i;
	const json_t *c;
	json_array_foreach(jget(pod, "status.conditions"), i, c) {
		if (!strcmp(jstr(c, "type"), "Ready") &&
		    !strcmp(jstr(c, "status"), "True"))
			return true;
	}
	return false;
}

/* a sidecar: an init container with restartPolicy Always */
static bool restartable_init(const json_t *pod, const char *name)
{
	size_t i;
	const json_t *c;
	json_array_foreach(jget(pod, "spec.initContainers"), i, c) {
		if (!strcmp(jstr(c, "name"), name))
			return !strcmp(jstr(c, "restartPolicy"), "Always");
	}
	return false;
}

/* the latest lastState.terminated.finishedAt seen so far */
static void note_restart(const json_t *st, bool *has, double *last)
{
	double t;
	if (jtime(st, "lastState.terminated.finishedAt", &t) &&
	    (!*has || t > *last)) {
		*has = true;
		*last = t;
	}
}

/* The STATUS cell from a terminated state without a reason. */
static void exit_reason(char *out, size_t n, const char *prefix,
			const json_t *term)
{
	long long sig = jint(term, "signal", 0);
	if (sig != 0)
		snprintf(out, n, "%sSignal:%lld", prefix, sig);
	else
		snprintf(out, n, "%sExitCode:%lld", prefix,
			 jint(term, "exitCode", 0));
}

static void pod_row(json_t *cells, json_t *row, const json_t *pod, double now)
{
	long long restarts = 0, init_restarts = 0;
	size_t total = jsize(pod, "spec.containers");
	long long ready = 0;
	bool has_last = false, has_init_last = false;
	double last = 0, init_last = 0;
	/* A real apiserver sets Pending on create; kubesim's store may not
	 * before the controller has seen the pod. */
	const char *phase = either(jstr(pod, "status.phase"), "Pending");
	char reason[320];
	size_t i;
	const json_t *c;

	snprintf(reason, sizeof reason, "%s",
		 either(jstr(pod, "status.reason"), phase));
	json_array_foreach(jget(pod, "status.conditions"), i, c) {
		if (!strcmp(jstr(c, "type"), "PodScheduled") &&
		    !strcmp(jstr(c, "reason"), "SchedulingGated"))
			snprintf(reason, sizeof reason, "SchedulingGated");
	}
	if (!strcmp(phase, "Succeeded") || !strcmp(phase, "Failed")) {
		bool ok = phase[0] == 'S';
		json_object_set_new(
		    row, "conditions",
		    json_pack("[{s:s,s:s,s:s,s:s}]", "type", "Completed",
			      "status", "True", "reason", phase, "message",
			      ok ? "The pod has completed successfully."
				 : "The pod failed."));
	}
	json_array_foreach(jget(pod, "spec.initContainers"), i, c) {
		if (!strcmp(jstr(c, "restartPolicy"), "Always"))
			total++;
	}

	bool initializing = false;
	size_t n_init = jsize(pod, "spec.initContainers");
	json_array_foreach(jget(pod, "status.initContainerStatuses"), i, c) {
		bool sidecar = restartable_init(pod, jstr(c, "name"));
		const json_t *term = jget(c, "state.terminated");
		const json_t *wait = jget(c, "state.waiting");
		restarts += jint(c, "restartCount", 0);
		note_restart(c, &has_last, &last);
		if (sidecar) {
			init_restarts += jint(c, "restartCount", 0);
			note_restart(c, &has_init_last, &init_last);
		}
		if (json_is_object(term) && jint(term, "exitCode", 0) == 0)
			continue;
		if (sidecar && jtrue(c, "started")) {
			if (jtrue(c, "ready"))
				ready++;
			continue;
		}
		if (json_is_object(term)) {
			const char *r = jstr(term, "reason");
			if (*r)
				snprintf(reason, sizeof reason, "Init:%s", r);
			else
				exit_reason(reason, sizeof reason,
					    "Init:", term);
		} else if (json_is_object(wait) && *jstr(wait, "reason") &&
			   strcmp(jstr(wait, "reason"), "PodInitializing")) {
			snprintf(reason, sizeof reason, "Init:%s",
				 jstr(wait, "reason"));
		} else {
			snprintf(reason, sizeof reason, "Init:%zu/%zu", i,
				 n_init);
		}
		initializing = true;
		break;
	}

	if (!initializing ||
	    cond_true(pod, "status.conditions", "Initialized")) {
		const json_t *sts = jget(pod, "status.containerStatuses");
		bool running = false;
		restarts = init_restarts;
		has_last = has_init_last;
		last = init_last;
		for (i = json_array_size(sts); i-- > 0;) {
			c = json_array_get(sts, i);
			const json_t *term = jget(c, "state.terminated");
			const json_t *wait = jget(c, "state.waiting");
			restarts += jint(c, "restartCount", 0);
			note_restart(c, &has_last, &last);
			if (json_is_object(wait) && *jstr(wait, "reason")) {
				snprintf(reason, sizeof reason, "%s",
					 jstr(wait, "reason"));
			} else if (json_is_object(term) &&
				   *jstr(term, "reason")) {
				snprintf(reason, sizeof reason, "%s",
					 jstr(term, "reason"));
			} else if (json_is_object(term)) {
				exit_reason(reason, sizeof reason, "", term);
			} else if (jtrue(c, "ready") &&
				   json_is_object(jget(c, "state.running"))) {
				running = true;
				ready++;
			}
		}
		/* a finished sidecar does not make a running pod Completed */
		if (!strcmp(reason, "Completed") && running)
			snprintf(reason, sizeof reason, "%s",
				 pod_ready_cond(pod) ? "Running" : "NotReady");
	}

	if (jget(pod, "metadata.deletionTimestamp") &&
	    !json_is_null(jget(pod, "metadata.deletionTimestamp"))) {
		if (!strcmp(jstr(pod, "status.reason"), "NodeLost"))
			snprintf(reason, sizeof reason, "Unknown");
		else if (strcmp(phase, "Succeeded") && strcmp(phase, "Failed"))
			snprintf(reason, sizeof reason, "Terminating");
	}

	char restarts_s[64], ready_s[64];
	snprintf(restarts_s, sizeof restarts_s, "%lld", restarts);
	if (restarts != 0 && has_last) {
		char ago[32];
		human_duration(now - last, ago, sizeof ago);
		snprintf(restarts_s, sizeof restarts_s, "%lld (%s ago)",
			 restarts, ago);
	}
	snprintf(ready_s, sizeof ready_s, "%lld/%zu", ready, total);

	add_s(cells, jstr(pod, "metadata.name"));
	add_s(cells, ready_s);
	add_s(cells, reason);
	add_s(cells, restarts_s);
	add(cells, age(pod, now));

	/* the internal object's PodIPs[0], which v1 also carries as podIP */
	const char *ip =
	    jstr(json_array_get(jget(pod, "status.podIPs"), 0), "ip");
	if (!*ip)
		ip = jstr(pod, "status.podIP");
	add_s(cells, either(ip, "<none>"));
	add_s(cells, either(jstr(pod, "spec.nodeName"), "<none>"));
	add_s(cells, either(jstr(pod, "status.nominatedNodeName"), "<none>"));
	size_t ngates = jsize(pod, "spec.readinessGates");
	if (ngates == 0) {
		add_s(cells, "<none>");
	} else {
		size_t ok = 0;
		const json_t *g;
		json_array_foreach(jget(pod, "spec.readinessGates"), i, g) {
			const char *type = jstr(g, "conditionType");
			size_t j;
			json_array_foreach(jget(pod, "status.conditions"), j,
					   c) {
				if (!strcmp(jstr(c, "type"), type)) {
					if (!strcmp(jstr(c, "status"), "True"))
						ok++;
					break;
				}
			}
		}
		char gates[64];
		snprintf(gates, sizeof gates, "%zu/%zu", ok, ngates);
		add_s(cells, gates);
	}
}

/* ---- workloads ---- */

static void deployment_row(json_t *cells, const json_t *d, double now)
{
	char ready[64];
	/* apps/v1 defaults spec.replicas to 1 */
	snprintf(ready, sizeof ready, "%lld/%lld",
		 jint(d, "status.readyReplicas", 0),
		 jint(d, "spec.replicas", 1));
	add_s(cells, jstr(d, "metadata.name"));
	add_s(cells, ready);
	add_i(cells, jint(d, "status.updatedReplicas", 0));
	add_i(cells, jint(d, "status.availableReplicas", 0));
	add(cells, age(d, now));
	add_containers(cells, jget(d, "spec.template.spec.containers"));
	/* printDeployment prints the selector itself: "" when empty */
	struct buf sel = BUF_INIT;
	bool ok = format_selector(&sel, jget(d, "spec.selector"));
	add_s(cells, ok ? buf_str(&sel) : "<invalid>");
	buf_free(&sel);
}

static void replicaset_row(json_t *cells, const json_t *rs, double now)
{
	add_s(cells, jstr(rs, "metadata.name"));
	add_i(cells, jint(rs, "spec.replicas", 1));
	add_i(cells, jint(rs, "status.replicas", 0));
	add_i(cells, jint(rs, "status.readyReplicas", 0));
	add(cells, age(rs, now));
	add_containers(cells, jget(rs, "spec.template.spec.containers"));
	add_label_selector(cells, jget(rs, "spec.selector"));
}

/* hasJobCondition: the first condition of the type decides */
static bool job_cond(const json_t *job, const char *type)
{
	return cond_true(job, "status.conditions", type);
}

static void job_row(json_t *cells, const json_t *job, double now)
{
	char comp[96], dur[32] = "";
	long long ok = jint(job, "status.succeeded", 0);
	const json_t *want = jget(job, "spec.completions");
	if (json_is_integer(want)) {
		snprintf(comp, sizeof comp, "%lld/%lld", ok,
			 (long long)json_integer_value(want));
	} else {
		long long par = jint(job, "spec.parallelism", 0);
		if (par > 1)
			snprintf(comp, sizeof comp, "%lld/1 of %lld", ok, par);
		else
			snprintf(comp, sizeof comp, "%lld/1", ok);
	}
	double start, end;
	if (jtime(job, "status.startTime", &start)) {
		if (!jtime(job, "status.completionTime", &end))
			end = now;
		human_duration(end - start, dur, sizeof dur);
	}
	const char *status = "Running";
	const json_t *del = jget(job, "metadata.deletionTimestamp");
	if (job_cond(job, "Complete"))
		status = "Complete";
	else if (job_cond(job, "Failed"))
		status = "Failed";
	else if (del && !json_is_null(del))
		status = "Terminating";
	else if (job_cond(job, "Suspended"))
		status = "Suspended";
	else if (job_cond(job, "FailureTarget"))
		status = "FailureTarget";

	add_s(cells, jstr(job, "metadata.name"));
	add_s(cells, status);
	add_s(cells, comp);
	add_s(cells, dur);
	add(cells, age(job, now));
	add_containers(cells, jget(job, "spec.template.spec.containers"));
	add_label_selector(cells, jget(job, "spec.selector"));
}

/* ---- events ---- */

/* strings.TrimSpace, for the ASCII spaces events carry */
static json_t *trimmed(const char *s)
{
	size_t n = strlen(s);
	while (n && strchr(" \t\n\r\v\f", s[n - 1]))
		n--;
	while (n && strchr(" \t\n\r\v\f", *s)) {
		s++;
		n--;
	}
	return json_stringn(s, n);
}

static void event_row(json_t *cells, const json_t *ev, double now)
{
	json_t *first, *lastv;
	double t;
	if (jtime(ev, "firstTimestamp", &t))
		first = since(ev, "firstTimestamp", now);
	else
		first = since(ev, "eventTime", now);
	if (jtime(ev, "lastTimestamp", &t))
		lastv = since(ev, "lastTimestamp", now);
	else
		lastv = json_incref(first);
	long long count = jint(ev, "count", 0);
	const json_t *series = jget(ev, "series");
	if (json_is_object(series)) {
		json_decref(lastv);
		lastv = since(series, "lastObservedTime", now);
		count = jint(series, "count", 0);
	} else if (count == 0) {
		count = 1; /* singleton events of the new API carry none */
	}

	struct buf target = BUF_INIT;
	for (const char *k = jstr(ev, "involvedObject.kind"); *k; k++)
		buf_putc(&target, (char)tolower((unsigned char)*k));
	if (*jstr(ev, "involvedObject.name"))
		buf_printf(&target, "/%s", jstr(ev, "involvedObject.name"));

	/* formatEventSource: component, then ", host" when there is one */
	const char *comp = either(jstr(ev, "source.component"),
				  jstr(ev, "reportingComponent"));
	const char *host =
	    either(jstr(ev, "source.host"), jstr(ev, "reportingInstance"));
	struct buf src = BUF_INIT;
	buf_puts(&src, comp);
	if (*host)
		buf_printf(&src, ", %s", host);

	add(cells, lastv);
	add_s(cells, jstr(ev, "type"));
	add_s(cells, jstr(ev, "reason"));
	add_s(cells, buf_str(&target));
	add_s(cells, jstr(ev, "involvedObject.fieldPath"));
	add_s(cells, buf_str(&src));
	add(cells, trimmed(jstr(ev, "message")));
	add(cells, first);
	add_i(cells, count);
	add_s(cells, jstr(ev, "metadata.name"));
	buf_free(&target);
	buf_free(&src);
}

/* ---- cluster and configuration objects ---- */

static const char *node_address(const json_t *node, const char *type)
{
	size_t i;
	const json_t *a;
	json_array_foreach(jget(node, "status.addresses"), i, a) {
		if (!strcmp(jstr(a, "type"), type))
			return jstr(a, "address");
	}
	return "<none>";
}

static void node_row(json_t *cells, const json_t *node, double now)
{
	struct buf status = BUF_INIT, roles = BUF_INIT;
	size_t i;
	const json_t *c;
	/* the last Ready condition wins, as the printer's map keeps it */
	const json_t *rc = NULL;
	json_array_foreach(jget(node, "status.conditions"), i, c) {
		if (!strcmp(jstr(c, "type"), "Ready"))
			rc = c;
	}
	if (!rc)
		buf_puts(&status, "Unknown");
	else if (!strcmp(jstr(rc, "status"), "True"))
		buf_puts(&status, "Ready");
	else
		buf_puts(&status, "NotReady");
	if (jtrue(node, "spec.unschedulable"))
		buf_puts(&status, ",SchedulingDisabled");

	/* findNodeRoles: node-role.kubernetes.io/<role> and
	 * kubernetes.io/role=<role>, sorted and unique */
	const json_t *labels = jget(node, "metadata.labels");
	size_t n = json_is_object(labels) ? json_object_size(labels) : 0,
	       nr = 0;
	const char **rs = xcalloc(n ? n : 1, sizeof *rs);
	const char *k;
	const json_t *v;
	json_object_foreach((json_t *)labels, k, v) {
		static const char prefix[] = "node-role.kubernetes.io/";
		if (!strncmp(k, prefix, sizeof prefix - 1)) {
			if (k[sizeof prefix - 1])
				rs[nr++] = k + sizeof prefix - 1;
		} else if (!strcmp(k, "kubernetes.io/role") &&
			   json_is_string(v) && *json_string_value(v)) {
			rs[nr++] = json_string_value(v);
		}
	}
	qsort(rs, nr, sizeof *rs, cmp_cstr);
	for (i = 0; i < nr; i++) {
		if (i && !strcmp(rs[i], rs[i - 1]))
			continue;
		if (roles.len)
			buf_putc(&roles, ',');
		buf_puts(&roles, rs[i]);
	}
	free(rs);

	add_s(cells, jstr(node, "metadata.name"));
	add_s(cells, buf_str(&status));
	add_s(cells, roles.len ? buf_str(&roles) : "<none>");
	add(cells, age(node, now));
	add_s(cells, jstr(node, "status.nodeInfo.kubeletVersion"));
	add_s(cells, node_address(node, "InternalIP"));
	add_s(cells, node_address(node, "ExternalIP"));
	add_s(cells,
	      either(jstr(node, "status.nodeInfo.osImage"), "<unknown>"));
	add_s(cells,
	      either(jstr(node, "status.nodeInfo.kernelVersion"), "<unknown>"));
	add_s(cells,
	      either(jstr(node, "status.nodeInfo.containerRuntimeVersion"),
		     "<unknown>"));
	buf_free(&status);
	buf_free(&roles);
}

static void namespace_row(json_t *cells, const json_t *ns, double now)
{
	add_s(cells, jstr(ns, "metadata.name"));
	/* the v1 default for a namespace without a phase */
	add_s(cells, either(jstr(ns, "status.phase"), "Active"));
	add(cells, age(ns, now));
}

/* strings of a JSON array joined with commas */
static void join_strings(struct buf *out, const json_t *arr)
{
	size_t i;
	const json_t *v;
	json_array_foreach(arr, i, v) {
		if (out->len)
			buf_putc(out, ',');
		buf_puts(out, json_is_string(v) ? json_string_value(v) : "");
	}
}

/* getServiceExternalIP (wide: the apiserver never clips) */
static void service_external_ip(struct buf *out, const json_t *svc,
				const char *type)
{
	const json_t *ext = jget(svc, "spec.externalIPs");
	if (!strcmp(type, "ClusterIP") || !strcmp(type, "NodePort")) {
		join_strings(out, ext);
		if (!out->len)
			buf_puts(out, "<none>");
	} else if (!strcmp(type, "LoadBalancer")) {
		/* the load balancer's addresses as a sorted set */
		const json_t *ing = jget(svc, "status.loadBalancer.ingress");
		size_t n = json_array_size(ing), m = 0, i;
		const char **ips = xcalloc(n ? n : 1, sizeof *ips);
		const json_t *e;
		json_array_foreach(ing, i, e) {
			const char *a =
			    either(jstr(e, "ip"), jstr(e, "hostname"));
			if (*a)
				ips[m++] = a;
		}
		qsort(ips, m, sizeof *ips, cmp_cstr);
		for (i = 0; i < m; i++) {
			if (i && !strcmp(ips[i], ips[i - 1]))
				continue;
			if (out->len)
				buf_putc(out, ',');
			buf_puts(out, ips[i]);
		}
		free(ips);
		join_strings(out, ext);
		if (!out->len)
			buf_puts(out, "<pending>");
	} else if (!strcmp(type, "ExternalName")) {
		buf_puts(out, jstr(svc, "spec.externalName"));
	} else {
		buf_puts(out, "<unknown>");
	}
}

static void service_row(json_t *cells, const json_t *svc, double now)
{
	const char *type = either(jstr(svc, "spec.type"), "ClusterIP");
	/* the server fills clusterIPs from clusterIP; the store may not */
	const json_t *ipv = json_array_get(jget(svc, "spec.clusterIPs"), 0);
	const char *ip = json_is_string(ipv) ? json_string_value(ipv)
					     : jstr(svc, "spec.clusterIP");
	struct buf ext = BUF_INIT, ports = BUF_INIT, sel = BUF_INIT;
	service_external_ip(&ext, svc, type);
	size_t i;
	const json_t *p;
	json_array_foreach(jget(svc, "spec.ports"), i, p) {
		const char *proto = either(jstr(p, "protocol"), "TCP");
		long long nodeport = jint(p, "nodePort", 0);
		if (i)
			buf_putc(&ports, ',');
		if (nodeport > 0)
			buf_printf(&ports, "%lld:%lld/%s", jint(p, "port", 0),
				   nodeport, proto);
		else
			buf_printf(&ports, "%lld/%s", jint(p, "port", 0),
				   proto);
	}
	format_labels(&sel, jget(svc, "spec.selector"));

	add_s(cells, jstr(svc, "metadata.name"));
	add_s(cells, type);
	add_s(cells, either(ip, "<none>"));
	add_s(cells, buf_str(&ext));
	add_s(cells, ports.len ? buf_str(&ports) : "<none>");
	add(cells, age(svc, now));
	add_s(cells, sel.len ? buf_str(&sel) : "<none>");
	buf_free(&ext);
	buf_free(&ports);
	buf_free(&sel);
}

static void configmap_row(json_t *cells, const json_t *cm, double now)
{
	add_s(cells, jstr(cm, "metadata.name"));
	add_i(cells, (long long)(jsize(cm, "data") + jsize(cm, "binaryData")));
	add(cells, age(cm, now));
}

static void secret_row(json_t *cells, const json_t *s, double now)
{
	/* stringData is merged into data on write; count a key once */
	size_t n = jsize(s, "data");
	const json_t *sd = jget(s, "stringData"), *data = jget(s, "data");
	const char *k;
	const json_t *v;
	json_object_foreach((json_t *)sd, k, v) {
		if (!json_is_object(data) || !json_object_get(data, k))
			n++;
	}
	add_s(cells, jstr(s, "metadata.name"));
	add_s(cells, either(jstr(s, "type"), "Opaque"));
	add_i(cells, (long long)n);
	add(cells, age(s, now));
}

static void default_row(json_t *cells, const json_t *o)
{
	add_s(cells, jstr(o, "metadata.name"));
	double t;
	char out[40];
	if (jtime(o, "metadata.creationTimestamp", &t)) {
		time_t secs = (time_t)floor(t);
		struct tm tm;
		gmtime_r(&secs, &tm);
		strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &tm);
		add_s(cells, out);
	} else {
		/* Go's zero time, as the default table prints it */
		add_s(cells, "0001-01-01T00:00:00Z");
	}
}

/* ---- rows and tables ---- */

json_t *ks_table_row(enum ks_kind k, const json_t *obj, double now)
{
	json_t *row = json_object();
	json_t *cells = json_array();
	switch (k) {
	case KS_PODS:
		pod_row(cells, row, obj, now);
		break;
	case KS_DEPLOYMENTS:
		deployment_row(cells, obj, now);
		break;
	case KS_REPLICASETS:
		replicaset_row(cells, obj, now);
		break;
	case KS_JOBS:
		job_row(cells, obj, now);
		break;
	case KS_EVENTS:
		event_row(cells, obj, now);
		break;
	case KS_NODES:
		node_row(cells, obj, now);
		break;
	case KS_NAMESPACES:
		namespace_row(cells, obj, now);
		break;
	case KS_SERVICES:
		service_row(cells, obj, now);
		break;
	case KS_CONFIGMAPS:
		configmap_row(cells, obj, now);
		break;
	case KS_SECRETS:
		secret_row(cells, obj, now);
		break;
	default:
		default_row(cells, obj);
		break;
	}
	json_object_set_new(row, "cells", cells);
	const json_t *meta = jget(obj, "metadata");
	json_object_set_new(
	    row, "object",
	    json_pack("{s:s,s:s,s:o}", "kind", "PartialObjectMetadata",
		      "apiVersion", "meta.k8s.io/v1", "metadata",
		      json_is_object(meta) ? json_deep_copy(meta)
					   : json_object()));
	return row;
}

json_t *ks_table(enum ks_kind k, json_t *const *objs, size_t n, const char *rv,
		 const char *cont, double now)
{
	json_t *meta = json_object();
	if (rv)
		json_object_set_new(meta, "resourceVersion", json_string(rv));
	if (cont && *cont)
		json_object_set_new(meta, "continue", json_string(cont));
	json_t *rows = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(rows, ks_table_row(k, objs[i], now));
	return json_pack("{s:s,s:s,s:o,s:o,s:o}", "kind", "Table", "apiVersion",
			 "meta.k8s.io/v1", "metadata", meta,
			 "columnDefinitions", ks_table_columns(k), "rows",
			 rows);
}
