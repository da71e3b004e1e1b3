/*
 * Unit tests for kubesim's server-side Tables (tests/kubesim/table.c): the
 * exact cells the real apiserver's printers produce for the objects kubectl
 * users look at most, the column definitions and their priorities, and the
 * ages in duration.HumanDuration's format.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kubesim/kubesim.h"

/* All tests run at 2026-01-01T12:00:00Z. */
#define NOW 1767268800.0

/* An RFC 3339 time `ago` seconds before NOW. */
static const char *T(long ago)
{
	static char bufs[8][32];
	static int next;
	char *b = bufs[next++ % 8];
	time_t t = (time_t)NOW - ago;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(b, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return b;
}


static void assert_prefix(const char *s, const char *prefix)
{
	if (strncmp(s, prefix, strlen(prefix)))
		fail_msg("\"%s\" does not start with \"%s\"", s, prefix);
}

/* The row's cells as compact JSON, for exact comparisons. */
static char *cells_of(enum ks_kind k, json_t *obj)
{
	json_t *row = ks_table_row(k, obj, NOW);
	assert_non_null(row);
	char *s = json_dumps(json_object_get(row, "cells"), JSON_COMPACT);
	json_decref(row);
	json_decref(obj);
	return s;
}

static void assert_cells(enum ks_kind k, json_t *obj, const char *want)
{
	char *got = cells_of(k, obj);
	assert_string_equal(got, want);
	free(got);
}

/* The age a configmap created `ago` seconds before NOW shows. */
static void assert_age(long ago, const char *want)
{
	json_t *cm = J("{\"metadata\":{\"name\":\"c\",\"creationTimestamp\":"
		       "\"%s\"}}",
		       T(ago));
	json_t *row = ks_table_row(KS_CONFIGMAPS, cm, NOW);
	const char *age =
	    json_string_value(json_array_get(json_object_get(row, "cells"), 2));
	if (!age || strcmp(age, want))
		fail_msg("age of %lds: got %s, want %s", ago,
			 age ? age : "NULL", want);
	json_decref(row);
	json_decref(cm);
}

static void test_ages(void **state)
{
	(void)state;
	assert_age(0, "0s");
	assert_age(-1, "0s"); /* a second of clock skew */
	assert_age(-2, "<invalid>");
	assert_age(5, "5s");
	assert_age(59, "59s");
	assert_age(119, "119s");
	assert_age(120, "2m");
	assert_age(150, "2m30s");
	assert_age(599, "9m59s");
	assert_age(600, "10m");
	assert_age(3 * 3600 - 1, "179m");
	assert_age(3 * 3600, "3h");
	assert_age(3 * 3600 + 5 * 60 + 30, "3h5m");
	assert_age(8 * 3600 - 60, "7h59m");
	assert_age(8 * 3600, "8h");
	assert_age(47 * 3600 + 3599, "47h");
	assert_age(48 * 3600, "2d");
	assert_age(2 * 86400 + 5 * 3600, "2d5h");
	assert_age(8 * 86400 - 1, "7d23h");
	assert_age(8 * 86400, "8d");
	assert_age(729L * 86400, "729d");
	assert_age(730L * 86400, "2y");
	assert_age(740L * 86400, "2y10d");
	assert_age(8L * 365 * 86400, "8y");
	/* no or bad creationTimestamp */
	assert_cells(KS_CONFIGMAPS, J("{\"metadata\":{\"name\":\"c\"}}"),
		     "[\"c\",0,\"<unknown>\"]");
	assert_cells(KS_CONFIGMAPS,
		     J("{\"metadata\":{\"name\":\"c\",\"creationTimestamp\":"
		       "\"yesterday\"}}"),
		     "[\"c\",0,\"<unknown>\"]");
	/* fractions and offsets */
	assert_cells(KS_CONFIGMAPS,
		     J("{\"metadata\":{\"name\":\"c\",\"creationTimestamp\":"
		       "\"2026-01-01T13:59:00.5+02:00\"}}"),
		     "[\"c\",0,\"59s\"]");
}

static void test_pod_running_ready(void **state)
{
	(void)state;
	json_t *pod =
	    J("{\"metadata\":{\"name\":\"web-1\",\"namespace\":\"demo\","
	      "\"creationTimestamp\":\"%s\"},"
	      "\"spec\":{\"nodeName\":\"node-1\",\"containers\":[{\"name\":"
	      "\"app\",\"image\":\"nginx\"}]},"
	      "\"status\":{\"phase\":\"Running\",\"podIP\":\"10.0.0.5\","
	      "\"podIPs\":[{\"ip\":\"10.0.0.5\"}],"
	      "\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}],"
	      "\"containerStatuses\":[{\"name\":\"app\",\"ready\":true,"
	      "\"restartCount\":0,\"state\":{\"running\":{\"startedAt\":"
	      "\"%s\"}}}]}}",
	      T(300), T(290));
	assert_cells(KS_PODS, pod,
		     "[\"web-1\",\"1/1\",\"Running\",\"0\",\"5m\",\"10.0.0.5\","
		     "\"node-1\",\"<none>\",\"<none>\"]");
}

static void test_pod_crashloop(void **state)
{
	(void)state;
	json_t *pod =
	    J("{\"metadata\":{\"name\":\"web-2\",\"creationTimestamp\":\"%s\"},"
	      "\"spec\":{\"nodeName\":\"node-2\",\"containers\":[{\"name\":"
	      "\"app\"},{\"name\":\"side\"}]},"
	      "\"status\":{\"phase\":\"Running\",\"podIP\":\"10.0.0.6\","
	      "\"containerStatuses\":["
	      "{\"name\":\"app\",\"ready\":false,\"restartCount\":5,"
	      "\"state\":{\"waiting\":{\"reason\":\"CrashLoopBackOff\"}},"
	      "\"lastState\":{\"terminated\":{\"exitCode\":1,\"reason\":"
	      "\"Error\",\"finishedAt\":\"%s\"}}},"
	      "{\"name\":\"side\",\"ready\":true,\"restartCount\":1,"
	      "\"state\":{\"running\":{}},\"lastState\":{\"terminated\":"
	      "{\"exitCode\":0,\"finishedAt\":\"%s\"}}}]}}",
	      T(3600), T(30), T(1000));
	/* restarts add up; the newest restart gives the "ago" */
	assert_cells(KS_PODS, pod,
		     "[\"web-2\",\"1/2\",\"CrashLoopBackOff\",\"6 (30s ago)\","
		     "\"60m\",\"10.0.0.6\",\"node-2\",\"<none>\",\"<none>\"]");
}

static void test_pod_waiting_reasons(void **state)
{
	(void)state;
	const char *reasons[] = {"ErrImagePull", "ImagePullBackOff",
				 "ContainerCreating"};
	for (int i = 0; i < 3; i++) {
		json_t *pod =
		    J("{\"metadata\":{\"name\":\"p\",\"creationTimestamp\":"
		      "\"%s\"},\"spec\":{\"containers\":[{\"name\":\"a\"}]},"
		      "\"status\":{\"phase\":\"Pending\",\"containerStatuses\":"
		      "[{\"name\":\"a\",\"ready\":false,\"restartCount\":0,"
		      "\"state\":{\"waiting\":{\"reason\":\"%s\"}}}]}}",
		      T(10), reasons[i]);
		char want[256];
		snprintf(want, sizeof want,
			 "[\"p\",\"0/1\",\"%s\",\"0\",\"10s\",\"<none>\","
			 "\"<none>\",\"<none>\",\"<none>\"]",
			 reasons[i]);
		assert_cells(KS_PODS, pod, want);
	}
	/* no status yet: Pending, as a real server sets it on create */
	assert_cells(
	    KS_PODS,
	    J("{\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":"
	      "[{\"name\":\"a\"}]}}"),
	    "[\"p\",\"0/1\",\"Pending\",\"0\",\"<unknown>\",\"<none>\","
	    "\"<none>\",\"<none>\",\"<none>\"]");
}

static void test_pod_terminating(void **state)
{
	(void)state;
	json_t *pod =
	    J("{\"metadata\":{\"name\":\"web-3\",\"creationTimestamp\":\"%s\","
	      "\"deletionTimestamp\":\"%s\"},"
	      "\"spec\":{\"containers\":[{\"name\":\"app\"}]},"
	      "\"status\":{\"phase\":\"Running\",\"containerStatuses\":"
	      "[{\"name\":\"app\",\"ready\":true,\"restartCount\":0,"
	      "\"state\":{\"running\":{}}}]}}",
	      T(7200), T(0));
	assert_cells(KS_PODS, pod,
		     "[\"web-3\",\"1/1\",\"Terminating\",\"0\",\"120m\","
		     "\"<none>\",\"<none>\",\"<none>\",\"<none>\"]");
	/* a finished pod being deleted keeps its own status */
	pod = J("{\"metadata\":{\"name\":\"j\",\"deletionTimestamp\":\"%s\"},"
		"\"spec\":{\"containers\":[{\"name\":\"app\"}]},"
		"\"status\":{\"phase\":\"Succeeded\",\"containerStatuses\":"
		"[{\"name\":\"app\",\"ready\":false,\"restartCount\":0,"
		"\"state\":{\"terminated\":{\"exitCode\":0,\"reason\":"
		"\"Completed\"}}}]}}",
		T(0));
	char *got = cells_of(KS_PODS, pod);
	assert_non_null(strstr(got, "\"Completed\""));
	free(got);
}

static void test_pod_completed_and_errors(void **state)
{
	(void)state;
	json_t *pod =
	    J("{\"metadata\":{\"name\":\"job-x\"},"
	      "\"spec\":{\"containers\":[{\"name\":\"app\"}]},"
	      "\"status\":{\"phase\":\"Succeeded\",\"containerStatuses\":"
	      "[{\"name\":\"app\",\"ready\":false,\"restartCount\":0,"
	      "\"state\":{\"terminated\":{\"exitCode\":0,\"reason\":"
	      "\"Completed\"}}}]}}");
	json_t *row = ks_table_row(KS_PODS, pod, NOW);
	json_t *cells = json_object_get(row, "cells");
	assert_string_equal(json_string_value(json_array_get(cells, 2)),
			    "Completed");
	/* finished pods carry the Completed row condition */
	json_t *cond = json_array_get(json_object_get(row, "conditions"), 0);
	assert_string_equal(json_string_value(json_object_get(cond, "type")),
			    "Completed");
	assert_string_equal(json_string_value(json_object_get(cond, "reason")),
			    "Succeeded");
	json_decref(row);
	json_decref(pod);

	/* exit without a reason */
	pod = J("{\"metadata\":{\"name\":\"x\"},\"spec\":{\"containers\":"
		"[{\"name\":\"a\"}]},\"status\":{\"phase\":\"Failed\","
		"\"containerStatuses\":[{\"name\":\"a\",\"restartCount\":0,"
		"\"state\":{\"terminated\":{\"exitCode\":3}}}]}}");
	char *got = cells_of(KS_PODS, pod);
	assert_non_null(strstr(got, "\"ExitCode:3\""));
	free(got);
	pod =
	    J("{\"metadata\":{\"name\":\"x\"},\"spec\":{\"containers\":"
	      "[{\"name\":\"a\"}]},\"status\":{\"phase\":\"Failed\","
	      "\"containerStatuses\":[{\"name\":\"a\",\"restartCount\":0,"
	      "\"state\":{\"terminated\":{\"exitCode\":137,\"signal\":9}}}]}}");
	got = cells_of(KS_PODS, pod);
	assert_non_null(strstr(got, "\"Signal:9\""));
	free(got);
}

static void test_pod_init_containers(void **state)
{
	(void)state;
	/* the first init container still running */
	json_t *pod =
	    J("{\"metadata\":{\"name\":\"p\"},\"spec\":{\"initContainers\":"
	      "[{\"name\":\"init\"}],\"containers\":[{\"name\":\"a\"}]},"
	      "\"status\":{\"phase\":\"Pending\",\"initContainerStatuses\":"
	      "[{\"name\":\"init\",\"restartCount\":0,\"state\":{\"running\":"
	      "{}}}],\"containerStatuses\":[{\"name\":\"a\",\"state\":"
	      "{\"waiting\":{\"reason\":\"PodInitializing\"}}}]}}");
	char *got = cells_of(KS_PODS, pod);
	assert_prefix(got, "[\"p\",\"0/1\",\"Init:0/1\",\"0\"");
	free(got);
	/* a failing init container */
	pod =
	    J("{\"metadata\":{\"name\":\"p\"},\"spec\":{\"initContainers\":"
	      "[{\"name\":\"i1\"},{\"name\":\"i2\"}],\"containers\":"
	      "[{\"name\":\"a\"}]},\"status\":{\"phase\":\"Pending\","
	      "\"initContainerStatuses\":[{\"name\":\"i1\",\"restartCount\":0,"
	      "\"state\":{\"terminated\":{\"exitCode\":0}}},{\"name\":\"i2\","
	      "\"restartCount\":3,\"state\":{\"waiting\":{\"reason\":"
	      "\"CrashLoopBackOff\"}}}]}}");
	got = cells_of(KS_PODS, pod);
	assert_prefix(got, "[\"p\",\"0/1\",\"Init:CrashLoopBackOff\","
			   "\"3\"");
	free(got);
	/* a running sidecar counts towards READY */
	pod =
	    J("{\"metadata\":{\"name\":\"p\"},\"spec\":{\"initContainers\":"
	      "[{\"name\":\"proxy\",\"restartPolicy\":\"Always\"}],"
	      "\"containers\":[{\"name\":\"a\"}]},\"status\":{\"phase\":"
	      "\"Running\",\"conditions\":[{\"type\":\"Initialized\","
	      "\"status\":\"True\"}],\"initContainerStatuses\":[{\"name\":"
	      "\"proxy\",\"restartCount\":2,\"started\":true,\"ready\":true,"
	      "\"state\":{\"running\":{}}}],\"containerStatuses\":[{\"name\":"
	      "\"a\",\"ready\":true,\"restartCount\":0,\"state\":{\"running\":"
	      "{}}}]}}");
	got = cells_of(KS_PODS, pod);
	assert_prefix(got, "[\"p\",\"2/2\",\"Running\",\"2\"");
	free(got);
}

static void test_pod_wide_cells(void **state)
{
	(void)state;
	json_t *pod =
	    J("{\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[],"
	      "\"readinessGates\":[{\"conditionType\":\"lb/ready\"},"
	      "{\"conditionType\":\"other\"}]},\"status\":{\"phase\":"
	      "\"Running\",\"nominatedNodeName\":\"node-9\",\"conditions\":"
	      "[{\"type\":\"lb/ready\",\"status\":\"True\"}]}}");
	assert_cells(
	    KS_PODS, pod,
	    "[\"p\",\"0/0\",\"Running\",\"0\",\"<unknown>\",\"<none>\","
	    "\"<none>\",\"node-9\",\"1/2\"]");
}

static void test_deployment_mid_rollout(void **state)
{
	(void)state;
	json_t *d =
	    J("{\"metadata\":{\"name\":\"web\",\"namespace\":\"demo\","
	      "\"creationTimestamp\":\"%s\"},"
	      "\"spec\":{\"replicas\":3,\"selector\":{\"matchLabels\":"
	      "{\"tier\":\"front\",\"app\":\"web\"}},\"template\":{\"spec\":"
	      "{\"containers\":[{\"name\":\"app\",\"image\":\"nginx:1.27\"},"
	      "{\"name\":\"proxy\",\"image\":\"envoy:1.30\"}]}}},"
	      "\"status\":{\"replicas\":4,\"updatedReplicas\":1,"
	      "\"readyReplicas\":2,\"availableReplicas\":2}}",
	      T(600));
	assert_cells(KS_DEPLOYMENTS, d,
		     "[\"web\",\"2/3\",1,2,\"10m\",\"app,proxy\","
		     "\"nginx:1.27,envoy:1.30\",\"app=web,tier=front\"]");
	/* defaults: one replica, nothing ready, no selector */
	assert_cells(KS_DEPLOYMENTS, J("{\"metadata\":{\"name\":\"x\"}}"),
		     "[\"x\",\"0/1\",0,0,\"<unknown>\",\"\",\"\",\"\"]");
	/* expressions, sorted by key, values sorted */
	d = J(
	    "{\"metadata\":{\"name\":\"x\"},\"spec\":{\"replicas\":0,"
	    "\"selector\":{\"matchLabels\":{\"b\":\"1\"},\"matchExpressions\":"
	    "[{\"key\":\"env\",\"operator\":\"In\",\"values\":[\"prod\","
	    "\"dev\"]},{\"key\":\"a\",\"operator\":\"Exists\"},{\"key\":"
	    "\"z\",\"operator\":\"DoesNotExist\"},{\"key\":\"c\",\"operator\":"
	    "\"NotIn\",\"values\":[\"x\"]}]}}}");
	char *got = cells_of(KS_DEPLOYMENTS, d);
	assert_non_null(strstr(got, "\"a,b=1,c notin (x),env in (dev,prod),"
				    "!z\""));
	free(got);
}

static void test_replicaset_and_job(void **state)
{
	(void)state;
	json_t *rs =
	    J("{\"metadata\":{\"name\":\"web-5d4f\",\"creationTimestamp\":"
	      "\"%s\"},\"spec\":{\"replicas\":3,\"selector\":{\"matchLabels\":"
	      "{\"app\":\"web\"}},\"template\":{\"spec\":{\"containers\":"
	      "[{\"name\":\"app\",\"image\":\"nginx\"}]}}},"
	      "\"status\":{\"replicas\":3,\"readyReplicas\":1}}",
	      T(45));
	assert_cells(KS_REPLICASETS, rs,
		     "[\"web-5d4f\",3,3,1,\"45s\",\"app\",\"nginx\","
		     "\"app=web\"]");
	assert_cells(KS_REPLICASETS,
		     J("{\"metadata\":{\"name\":\"r\"},"
		       "\"spec\":{\"selector\":{}}}"),
		     "[\"r\",1,0,0,\"<unknown>\",\"\",\"\",\"<none>\"]");

	json_t *job = J(
	    "{\"metadata\":{\"name\":\"migrate\",\"creationTimestamp\":"
	    "\"%s\"},\"spec\":{\"completions\":1,\"selector\":"
	    "{\"matchLabels\":{\"job-name\":\"migrate\"}},\"template\":"
	    "{\"spec\":{\"containers\":[{\"name\":\"m\",\"image\":\"tool\"}]}}}"
	    ","
	    "\"status\":{\"succeeded\":1,\"startTime\":\"%s\","
	    "\"completionTime\":\"%s\",\"conditions\":[{\"type\":\"Complete\","
	    "\"status\":\"True\"}]}}",
	    T(600), T(590), T(560));
	assert_cells(KS_JOBS, job,
		     "[\"migrate\",\"Complete\",\"1/1\",\"30s\",\"10m\",\"m\","
		     "\"tool\",\"job-name=migrate\"]");
	job =
	    J("{\"metadata\":{\"name\":\"j\",\"creationTimestamp\":\"%s\"},"
	      "\"spec\":{\"parallelism\":2},\"status\":{\"startTime\":\"%s\"}}",
	      T(200), T(150));
	assert_cells(KS_JOBS, job,
		     "[\"j\",\"Running\",\"0/1 of 2\",\"2m30s\",\"3m20s\",\"\","
		     "\"\",\"<none>\"]");
	job = J("{\"metadata\":{\"name\":\"j\"},\"spec\":{\"completions\":3},"
		"\"status\":{\"succeeded\":1,\"conditions\":[{\"type\":"
		"\"Failed\",\"status\":\"True\"}]}}");
	assert_cells(KS_JOBS, job,
		     "[\"j\",\"Failed\",\"1/3\",\"\",\"<unknown>\",\"\",\"\","
		     "\"<none>\"]");
	job = J("{\"metadata\":{\"name\":\"j\"},\"status\":{\"conditions\":"
		"[{\"type\":\"Suspended\",\"status\":\"True\"}]}}");
	char *got = cells_of(KS_JOBS, job);
	assert_prefix(got, "[\"j\",\"Suspended\",\"0/1\"");
	free(got);
}

static void test_event(void **state)
{
	(void)state;
	json_t *ev =
	    J("{\"metadata\":{\"name\":\"web-1.17f3a\",\"namespace\":\"demo\"},"
	      "\"involvedObject\":{\"kind\":\"Pod\",\"name\":\"web-1\","
	      "\"namespace\":\"demo\",\"fieldPath\":\"spec.containers{app}\"},"
	      "\"reason\":\"BackOff\",\"message\":\"Back-off restarting failed "
	      "container app\\n\",\"type\":\"Warning\",\"count\":7,"
	      "\"source\":{\"component\":\"kubelet\",\"host\":\"node-1\"},"
	      "\"firstTimestamp\":\"%s\",\"lastTimestamp\":\"%s\","
	      "\"eventTime\":null}",
	      T(300), T(30));
	assert_cells(KS_EVENTS, ev,
		     "[\"30s\",\"Warning\",\"BackOff\",\"pod/web-1\","
		     "\"spec.containers{app}\",\"kubelet, node-1\",\"Back-off "
		     "restarting failed container app\",\"5m\",7,"
		     "\"web-1.17f3a\"]");
	/* new-style events: eventTime, reporting fields, series */
	ev = J("{\"metadata\":{\"name\":\"e\"},\"involvedObject\":{\"kind\":"
	       "\"Node\"},\"reason\":\"Rebooted\",\"type\":\"Normal\","
	       "\"eventTime\":\"2026-01-01T11:59:00.123456Z\","
	       "\"reportingComponent\":\"kubelet\",\"reportingInstance\":"
	       "\"node-2\",\"series\":{\"count\":4,\"lastObservedTime\":"
	       "\"2026-01-01T11:59:50.000000Z\"}}");
	assert_cells(KS_EVENTS, ev,
		     "[\"10s\",\"Normal\",\"Rebooted\",\"node\",\"\","
		     "\"kubelet, node-2\",\"\",\"59s\",4,\"e\"]");
	/* a singleton without lastTimestamp or count */
	ev = J("{\"metadata\":{\"name\":\"e\"},\"involvedObject\":{\"kind\":"
	       "\"Deployment\",\"name\":\"web\"},\"type\":\"Normal\","
	       "\"reason\":\"ScalingReplicaSet\",\"firstTimestamp\":\"%s\","
	       "\"source\":{\"component\":\"deployment-controller\"}}",
	       T(90));
	assert_cells(KS_EVENTS, ev,
		     "[\"90s\",\"Normal\",\"ScalingReplicaSet\","
		     "\"deployment/web\",\"\",\"deployment-controller\",\"\","
		     "\"90s\",1,\"e\"]");
}

static void test_node(void **state)
{
	(void)state;
	json_t *node = J(
	    "{\"metadata\":{\"name\":\"node-1\",\"creationTimestamp\":\"%s\","
	    "\"labels\":{\"node-role.kubernetes.io/control-plane\":\"\","
	    "\"kubernetes.io/role\":\"master\",\"kubernetes.io/os\":"
	    "\"linux\"}},\"spec\":{\"unschedulable\":true},"
	    "\"status\":{\"conditions\":[{\"type\":\"MemoryPressure\","
	    "\"status\":\"False\"},{\"type\":\"Ready\",\"status\":\"True\"}],"
	    "\"addresses\":[{\"type\":\"Hostname\",\"address\":\"node-1\"},"
	    "{\"type\":\"InternalIP\",\"address\":\"172.18.0.2\"}],"
	    "\"nodeInfo\":{\"kubeletVersion\":\"v1.32.0\",\"osImage\":"
	    "\"Debian GNU/Linux 12 (bookworm)\",\"kernelVersion\":"
	    "\"6.1.0\",\"containerRuntimeVersion\":\"containerd://1.7.22\"}}}",
	    T(10 * 86400));
	assert_cells(KS_NODES, node,
		     "[\"node-1\",\"Ready,SchedulingDisabled\","
		     "\"control-plane,master\",\"10d\",\"v1.32.0\","
		     "\"172.18.0.2\",\"<none>\",\"Debian GNU/Linux 12 "
		     "(bookworm)\",\"6.1.0\",\"containerd://1.7.22\"]");
	node =
	    J("{\"metadata\":{\"name\":\"node-2\"},\"status\":{\"conditions\":"
	      "[{\"type\":\"Ready\",\"status\":\"Unknown\"}]}}");
	assert_cells(KS_NODES, node,
		     "[\"node-2\",\"NotReady\",\"<none>\",\"<unknown>\",\"\","
		     "\"<none>\",\"<none>\",\"<unknown>\",\"<unknown>\","
		     "\"<unknown>\"]");
	node = J("{\"metadata\":{\"name\":\"node-3\"}}");
	char *got = cells_of(KS_NODES, node);
	assert_prefix(got, "[\"node-3\",\"Unknown\",");
	free(got);
}

static void test_namespace_service_config(void **state)
{
	(void)state;
	assert_cells(KS_NAMESPACES,
		     J("{\"metadata\":{\"name\":\"demo\",\"creationTimestamp\":"
		       "\"%s\"},\"status\":{\"phase\":\"Terminating\"}}",
		       T(3)),
		     "[\"demo\",\"Terminating\",\"3s\"]");
	assert_cells(KS_NAMESPACES, J("{\"metadata\":{\"name\":\"x\"}}"),
		     "[\"x\",\"Active\",\"<unknown>\"]");
	assert_cells(
	    KS_SERVICES,
	    J("{\"metadata\":{\"name\":\"web\",\"creationTimestamp\":"
	      "\"%s\"},\"spec\":{\"type\":\"NodePort\",\"clusterIP\":"
	      "\"10.96.0.10\",\"clusterIPs\":[\"10.96.0.10\"],"
	      "\"ports\":[{\"port\":80,\"protocol\":\"TCP\"},{\"port\":"
	      "443,\"nodePort\":30443}],\"selector\":{\"tier\":"
	      "\"front\",\"app\":\"web\"}}}",
	      T(60)),
	    "[\"web\",\"NodePort\",\"10.96.0.10\",\"<none>\","
	    "\"80/TCP,443:30443/TCP\",\"60s\",\"app=web,tier=front\"]");
	assert_cells(KS_SERVICES,
		     J("{\"metadata\":{\"name\":\"lb\"},\"spec\":{\"type\":"
		       "\"LoadBalancer\",\"clusterIP\":\"10.96.0.11\"}}"),
		     "[\"lb\",\"LoadBalancer\",\"10.96.0.11\",\"<pending>\","
		     "\"<none>\",\"<unknown>\",\"<none>\"]");
	assert_cells(KS_SERVICES,
		     J("{\"metadata\":{\"name\":\"lb\"},\"spec\":{\"type\":"
		       "\"LoadBalancer\",\"clusterIPs\":[\"None\"],"
		       "\"externalIPs\":[\"1.2.3.4\"]},\"status\":"
		       "{\"loadBalancer\":{\"ingress\":[{\"ip\":\"9.9.9.9\"},"
		       "{\"hostname\":\"a.example\"}]}}}"),
		     "[\"lb\",\"LoadBalancer\",\"None\",\"9.9.9.9,a.example,"
		     "1.2.3.4\",\"<none>\",\"<unknown>\",\"<none>\"]");
	assert_cells(KS_CONFIGMAPS,
		     J("{\"metadata\":{\"name\":\"cfg\",\"creationTimestamp\":"
		       "\"%s\"},\"data\":{\"a\":\"1\",\"b\":\"2\"},"
		       "\"binaryData\":{\"c\":\"AA==\"}}",
		       T(86400)),
		     "[\"cfg\",3,\"24h\"]");
	assert_cells(KS_SECRETS,
		     J("{\"metadata\":{\"name\":\"tls\"},\"type\":"
		       "\"kubernetes.io/tls\",\"data\":{\"tls.crt\":\"\","
		       "\"tls.key\":\"\"}}"),
		     "[\"tls\",\"kubernetes.io/tls\",2,\"<unknown>\"]");
	assert_cells(KS_SECRETS,
		     J("{\"metadata\":{\"name\":\"s\"},\"data\":{\"a\":\"\"},"
		       "\"stringData\":{\"a\":\"x\",\"b\":\"y\"}}"),
		     "[\"s\",\"Opaque\",2,\"<unknown>\"]");
}

/* name and priority of every column, as "Name:0,Ready:0,..." */
static char *column_summary(enum ks_kind k)
{
	json_t *cols = ks_table_columns(k);
	struct buf b = BUF_INIT;
	size_t i;
	json_t *c;
	json_array_foreach(cols, i, c) {
		const char *fmt =
		    json_string_value(json_object_get(c, "format"));
		const char *type =
		    json_string_value(json_object_get(c, "type"));
		assert_non_null(fmt);
		assert_non_null(type);
		assert_non_null(
		    json_string_value(json_object_get(c, "description")));
		/* Name columns carry the "name" format, nothing else does */
		assert_int_equal(
		    strcmp(fmt, "name") == 0,
		    strcmp(json_string_value(json_object_get(c, "name")),
			   "Name") == 0);
		buf_printf(&b, "%s%s:%lld", i ? "," : "",
			   json_string_value(json_object_get(c, "name")),
			   (long long)json_integer_value(
			       json_object_get(c, "priority")));
	}
	json_decref(cols);
	return buf_detach(&b);
}

static void assert_columns(enum ks_kind k, const char *want)
{
	char *got = column_summary(k);
	assert_string_equal(got, want);
	free(got);
}

static void test_columns(void **state)
{
	(void)state;
	assert_columns(KS_PODS, "Name:0,Ready:0,Status:0,Restarts:0,Age:0,IP:1,"
				"Node:1,Nominated Node:1,Readiness Gates:1");
	assert_columns(KS_DEPLOYMENTS,
		       "Name:0,Ready:0,Up-to-date:0,"
		       "Available:0,Age:0,Containers:1,Images:1,Selector:1");
	assert_columns(KS_REPLICASETS,
		       "Name:0,Desired:0,Current:0,Ready:0,"
		       "Age:0,Containers:1,Images:1,Selector:1");
	assert_columns(KS_JOBS, "Name:0,Status:0,Completions:0,Duration:0,"
				"Age:0,Containers:1,Images:1,Selector:1");
	assert_columns(KS_EVENTS,
		       "Last Seen:0,Type:0,Reason:0,Object:0,"
		       "Subobject:1,Source:1,Message:0,First Seen:1,Count:1,"
		       "Name:1");
	assert_columns(KS_NODES, "Name:0,Status:0,Roles:0,Age:0,Version:0,"
				 "Internal-IP:1,External-IP:1,OS-Image:1,"
				 "Kernel-Version:1,Container-Runtime:1");
	assert_columns(KS_NAMESPACES, "Name:0,Status:0,Age:0");
	assert_columns(KS_SERVICES, "Name:0,Type:0,Cluster-IP:0,External-IP:0,"
				    "Port(s):0,Age:0,Selector:1");
	assert_columns(KS_CONFIGMAPS, "Name:0,Data:0,Age:0");
	assert_columns(KS_SECRETS, "Name:0,Type:0,Data:0,Age:0");
	assert_columns(KS_KIND_COUNT, "Name:0,Created At:0");

	/* types follow the real printers */
	json_t *cols = ks_table_columns(KS_REPLICASETS);
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(cols, 1), "type")),
	    "integer");
	json_decref(cols);
	cols = ks_table_columns(KS_KIND_COUNT);
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(cols, 1), "type")),
	    "date");
	json_decref(cols);

	/* every kind's rows have one cell per column */
	for (int k = 0; k <= KS_KIND_COUNT; k++) {
		json_t *c = ks_table_columns((enum ks_kind)k);
		json_t *o = J("{\"metadata\":{\"name\":\"x\"}}");
		json_t *row = ks_table_row((enum ks_kind)k, o, NOW);
		assert_int_equal(
		    json_array_size(c),
		    json_array_size(json_object_get(row, "cells")));
		json_decref(c);
		json_decref(o);
		json_decref(row);
	}
}

static void test_whole_table(void **state)
{
	(void)state;
	json_t *objs[2] = {
	    J("{\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"a\","
	      "\"namespace\":\"demo\",\"creationTimestamp\":\"%s\","
	      "\"labels\":{\"x\":\"y\"}},\"data\":{\"k\":\"v\"}}",
	      T(5)),
	    J("{\"metadata\":{\"name\":\"b\",\"namespace\":\"other\"}}"),
	};
	json_t *t = ks_table(KS_CONFIGMAPS, objs, 2, "42", "tok", NOW);
	assert_string_equal(json_string_value(json_object_get(t, "kind")),
			    "Table");
	assert_string_equal(json_string_value(json_object_get(t, "apiVersion")),
			    "meta.k8s.io/v1");
	json_t *meta = json_object_get(t, "metadata");
	assert_string_equal(
	    json_string_value(json_object_get(meta, "resourceVersion")), "42");
	assert_string_equal(
	    json_string_value(json_object_get(meta, "continue")), "tok");
	assert_int_equal(
	    json_array_size(json_object_get(t, "columnDefinitions")), 3);
	json_t *rows = json_object_get(t, "rows");
	assert_int_equal(json_array_size(rows), 2);
	json_t *o = json_object_get(json_array_get(rows, 0), "object");
	assert_string_equal(json_string_value(json_object_get(o, "kind")),
			    "PartialObjectMetadata");
	assert_string_equal(json_string_value(json_object_get(o, "apiVersion")),
			    "meta.k8s.io/v1");
	/* kubectl -A reads the namespace from here */
	json_t *m = json_object_get(o, "metadata");
	assert_string_equal(json_string_value(json_object_get(m, "namespace")),
			    "demo");
	assert_string_equal(json_string_value(json_object_get(
				json_object_get(m, "labels"), "x")),
			    "y");
	/* the row's metadata is a copy: the stored object stays untouched */
	json_object_set_new(m, "name", json_string("changed"));
	assert_string_equal(json_string_value(json_object_get(
				json_object_get(objs[0], "metadata"), "name")),
			    "a");
	char *cells = json_dumps(
	    json_object_get(json_array_get(rows, 0), "cells"), JSON_COMPACT);
	assert_string_equal(cells, "[\"a\",1,\"5s\"]");
	free(cells);
	json_decref(t);

	/* no continue token, empty list */
	t = ks_table(KS_PODS, NULL, 0, "7", "", NOW);
	meta = json_object_get(t, "metadata");
	assert_null(json_object_get(meta, "continue"));
	assert_true(json_is_array(json_object_get(t, "rows")));
	assert_int_equal(json_array_size(json_object_get(t, "rows")), 0);
	json_decref(t);
	t = ks_table(KS_PODS, objs, 1, NULL, NULL, NOW);
	assert_null(
	    json_object_get(json_object_get(t, "metadata"), "resourceVersion"));
	json_decref(t);

	/* the default table prints the creation time itself */
	t = ks_table(KS_KIND_COUNT, objs, 2, "1", NULL, NOW);
	cells = json_dumps(json_object_get(t, "rows"), JSON_COMPACT);
	assert_non_null(
	    strstr(cells, "\"cells\":[\"b\",\"0001-01-01T00:00:00Z\"]"));
	assert_non_null(
	    strstr(cells, "\"cells\":[\"a\",\"2026-01-01T11:59:55Z\"]"));
	free(cells);
	json_decref(t);
	json_decref(objs[0]);
	json_decref(objs[1]);
}

static void test_garbage_objects(void **state)
{
	(void)state;
	/* wrong types everywhere: rows are still made, nothing crashes */
	const char *junk[] = {
	    "{}",
	    "{\"metadata\":7,\"spec\":[],\"status\":\"x\"}",
	    "{\"metadata\":{\"name\":3,\"labels\":[1]},\"spec\":{"
	    "\"containers\":"
	    "{\"a\":1},\"initContainers\":[7,null],\"selector\":{"
	    "\"matchLabels\":"
	    "[1],\"matchExpressions\":[{\"operator\":\"In\"},5]},\"ports\":"
	    "[1,{\"port\":\"x\"}],\"replicas\":\"3\"},\"status\":{"
	    "\"conditions\":"
	    "[1,{\"type\":5}],\"containerStatuses\":[null,{\"state\":5,"
	    "\"lastState\":{\"terminated\":{\"finishedAt\":\"bad\"}}}],"
	    "\"initContainerStatuses\":[3],\"addresses\":[4],\"loadBalancer\":"
	    "{\"ingress\":[1]}},\"involvedObject\":[],\"series\":{}}",
	};
	for (size_t j = 0; j < sizeof junk / sizeof *junk; j++) {
		for (int k = 0; k <= KS_KIND_COUNT; k++) {
			json_t *o = J("%s", junk[j]);
			json_t *row = ks_table_row((enum ks_kind)k, o, NOW);
			json_t *cells = json_object_get(row, "cells");
			assert_true(json_is_array(cells));
			/* no NULL cells: every json_string succeeded */
			for (size_t i = 0; i < json_array_size(cells); i++)
				assert_non_null(json_array_get(cells, i));
			json_decref(row);
			json_decref(o);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ages),
	    cmocka_unit_test(test_pod_running_ready),
	    cmocka_unit_test(test_pod_crashloop),
	    cmocka_unit_test(test_pod_waiting_reasons),
	    cmocka_unit_test(test_pod_terminating),
	    cmocka_unit_test(test_pod_completed_and_errors),
	    cmocka_unit_test(test_pod_init_containers),
	    cmocka_unit_test(test_pod_wide_cells),
	    cmocka_unit_test(test_deployment_mid_rollout),
	    cmocka_unit_test(test_replicaset_and_job),
	    cmocka_unit_test(test_event),
	    cmocka_unit_test(test_node),
	    cmocka_unit_test(test_namespace_service_config),
	    cmocka_unit_test(test_columns),
	    cmocka_unit_test(test_whole_table),
	    cmocka_unit_test(test_garbage_objects),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
