/*
 * Unit tests for src/kube/health.c: one table row per Argo CD health rule
 * and per `kubectl rollout status` message. Each row is an object's JSON
 * (single quotes stand for double quotes, to keep the tables readable),
 * decoded with kobj_decode, then judged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "kube/health.h"
#include "kube/objects.h"
#include "test_json.h"

/* Decode JSON written with ' for ". */
static struct kube_obj *obj(enum kube_kind k, const char *sq)
{
	char *text = strdup(sq);
	for (char *p = text; *p; p++)
		if (*p == '\'')
			*p = '"';
	json_t *j = J("%s", text);
	free(text);
	struct err e;
	struct kube_obj *o = kobj_decode(k, j, &e);
	json_decref(j);
	if (!o)
		fail_msg("decode failed: %s", e.msg);
	return o;
}

static void test_names_glyphs_order(void **state)
{
	(void)state;
	assert_string_equal(health_name(HEALTH_HEALTHY), "Healthy");
	assert_string_equal(health_name(HEALTH_DEGRADED), "Degraded");
	assert_string_equal(health_name((enum health)99), "Unknown");
	assert_string_equal(health_glyph(HEALTH_DEGRADED, true), "✖");
	assert_string_equal(health_glyph(HEALTH_DEGRADED, false), "x");
	assert_string_equal(health_glyph(HEALTH_PROGRESSING, false), "~");
	enum health h;
	assert_true(health_parse("progressing", &h));
	assert_int_equal(h, HEALTH_PROGRESSING);
	assert_true(health_parse("Missing", &h));
	assert_int_equal(h, HEALTH_MISSING);
	assert_false(health_parse("Sick", &h));
	assert_false(health_parse(NULL, &h));
	/* Healthy < Suspended < Progressing < Missing < Degraded < Unknown */
	static const enum health order[] = {
		HEALTH_HEALTHY,	 HEALTH_SUSPENDED, HEALTH_PROGRESSING,
		HEALTH_MISSING,	 HEALTH_DEGRADED,  HEALTH_UNKNOWN};
	for (size_t i = 0; i < 6; i++)
		for (size_t k = 0; k < 6; k++)
			assert_int_equal(health_worst(order[i], order[k]),
					 order[i > k ? i : k]);
}

struct health_row {
	const char *name;
	enum kube_kind kind;
	const char *json;
	enum health health;
	const char *reason;
};

#define META(extra) "'metadata':{'name':'web','namespace':'prod'" extra "}"

static const struct health_row health_rows[] = {
	/* Deployment */
	{"deploy paused", KUBE_DEPLOYMENT,
	 "{" META(",'generation':2") ",'spec':{'paused':true,'replicas':3},"
	 "'status':{'observedGeneration':1}}",
	 HEALTH_SUSPENDED, "paused"},
	{"deploy generation not observed", KUBE_DEPLOYMENT,
	 "{" META(",'generation':2") ",'spec':{'replicas':3},"
	 "'status':{'observedGeneration':1,'replicas':3,'updatedReplicas':3,"
	 "'availableReplicas':3}}",
	 HEALTH_PROGRESSING,
	 "Waiting for rollout to finish: observed deployment generation less "
	 "than desired generation"},
	{"deploy progress deadline", KUBE_DEPLOYMENT,
	 "{" META(",'generation':2") ",'spec':{'replicas':3},"
	 "'status':{'observedGeneration':2,'updatedReplicas':1,'conditions':["
	 "{'type':'Available','status':'True'},{'type':'Progressing',"
	 "'status':'False','reason':'ProgressDeadlineExceeded'}]}}",
	 HEALTH_DEGRADED, "ProgressDeadlineExceeded"},
	{"deploy updating", KUBE_DEPLOYMENT,
	 "{" META(",'generation':2") ",'spec':{'replicas':3},"
	 "'status':{'observedGeneration':2,'replicas':4,'updatedReplicas':1}}",
	 HEALTH_PROGRESSING,
	 "Waiting for rollout to finish: 1 out of 3 new replicas have been "
	 "updated..."},
	{"deploy default replicas", KUBE_DEPLOYMENT, "{" META("") "}",
	 HEALTH_PROGRESSING,
	 "Waiting for rollout to finish: 0 out of 1 new replicas have been "
	 "updated..."},
	{"deploy old pending", KUBE_DEPLOYMENT,
	 "{" META(",'generation':2") ",'spec':{'replicas':3},"
	 "'status':{'observedGeneration':2,'replicas':4,'updatedReplicas':3}}",
	 HEALTH_PROGRESSING,
	 "Waiting for rollout to finish: 1 old replicas are pending "
	 "termination..."},
	{"deploy availability", KUBE_DEPLOYMENT,
	 "{" META(",'generation':2") ",'spec':{'replicas':3},"
	 "'status':{'observedGeneration':2,'replicas':3,'updatedReplicas':3,"
	 "'availableReplicas':2}}",
	 HEALTH_PROGRESSING,
	 "Waiting for rollout to finish: 2 of 3 updated replicas are "
	 "available..."},
	{"deploy healthy", KUBE_DEPLOYMENT,
	 "{" META(",'generation':2") ",'spec':{'replicas':3},"
	 "'status':{'observedGeneration':2,'replicas':3,'updatedReplicas':3,"
	 "'availableReplicas':3,'readyReplicas':3}}",
	 HEALTH_HEALTHY, ""},
	{"deploy being deleted", KUBE_DEPLOYMENT,
	 "{" META(",'deletionTimestamp':'2026-11-23T10:00:00Z'") "}",
	 HEALTH_PROGRESSING, "Pending deletion"},

	/* ReplicaSet */
	{"rs generation", KUBE_REPLICASET,
	 "{" META(",'generation':3") ",'status':{'observedGeneration':2}}",
	 HEALTH_PROGRESSING,
	 "Waiting for rollout to finish: observed replica set generation less "
	 "than desired generation"},
	{"rs replica failure", KUBE_REPLICASET,
	 "{" META("") ",'spec':{'replicas':2},'status':{'conditions':[{"
	 "'type':'ReplicaFailure','status':'True','reason':'FailedCreate',"
	 "'message':'pods \\'web-x\\' is forbidden: exceeded quota'}]}}",
	 HEALTH_DEGRADED, "pods \"web-x\" is forbidden: exceeded quota"},
	{"rs replica failure false", KUBE_REPLICASET,
	 "{" META("") ",'spec':{'replicas':2},'status':{'availableReplicas':2,"
	 "'conditions':[{'type':'ReplicaFailure','status':'False'}]}}",
	 HEALTH_HEALTHY, ""},
	{"rs available", KUBE_REPLICASET,
	 "{" META("") ",'spec':{'replicas':3},'status':{'replicas':3,"
	 "'availableReplicas':2}}",
	 HEALTH_PROGRESSING, "2/3 available"},
	{"rs healthy", KUBE_REPLICASET,
	 "{" META("") ",'spec':{'replicas':0}}", HEALTH_HEALTHY, ""},

	/* StatefulSet */
	{"sts never observed", KUBE_STATEFULSET,
	 "{" META("") ",'spec':{'replicas':1},'status':{'readyReplicas':1}}",
	 HEALTH_PROGRESSING,
	 "Waiting for statefulset spec update to be observed..."},
	{"sts generation", KUBE_STATEFULSET,
	 "{" META(",'generation':4") ",'status':{'observedGeneration':3}}",
	 HEALTH_PROGRESSING,
	 "Waiting for statefulset spec update to be observed..."},
	{"sts ready", KUBE_STATEFULSET,
	 "{" META(",'generation':1") ",'spec':{'replicas':3},"
	 "'status':{'observedGeneration':1,'readyReplicas':2}}",
	 HEALTH_PROGRESSING, "2/3 ready"},
	{"sts partition waiting", KUBE_STATEFULSET,
	 "{" META(",'generation':1") ",'spec':{'replicas':3,'updateStrategy':"
	 "{'type':'RollingUpdate','rollingUpdate':{'partition':1}}},"
	 "'status':{'observedGeneration':1,'readyReplicas':3,"
	 "'updatedReplicas':1}}",
	 HEALTH_PROGRESSING,
	 "Waiting for partitioned roll out to finish: 1 out of 2 new pods have "
	 "been updated..."},
	{"sts partition done", KUBE_STATEFULSET,
	 "{" META(",'generation':1") ",'spec':{'replicas':3,'updateStrategy':"
	 "{'type':'RollingUpdate','rollingUpdate':{'partition':1}}},"
	 "'status':{'observedGeneration':1,'readyReplicas':3,"
	 "'updatedReplicas':2,'currentRevision':'a','updateRevision':'b'}}",
	 HEALTH_HEALTHY, ""},
	{"sts defaulted strategy", KUBE_STATEFULSET,
	 "{" META(",'generation':1") ",'spec':{'replicas':2},"
	 "'status':{'observedGeneration':1,'readyReplicas':2,"
	 "'updatedReplicas':1}}",
	 HEALTH_PROGRESSING,
	 "Waiting for partitioned roll out to finish: 1 out of 2 new pods have "
	 "been updated..."},
	{"sts on delete", KUBE_STATEFULSET,
	 "{" META(",'generation':1") ",'spec':{'replicas':2,'updateStrategy':"
	 "{'type':'OnDelete'}},'status':{'observedGeneration':1,"
	 "'readyReplicas':2,'updatedReplicas':0,'currentRevision':'a',"
	 "'updateRevision':'b'}}",
	 HEALTH_HEALTHY, ""},
	{"sts revision differs", KUBE_STATEFULSET,
	 "{" META(",'generation':1") ",'spec':{'replicas':2,'updateStrategy':"
	 "{'type':'RollingUpdate'}},'status':{'observedGeneration':1,"
	 "'readyReplicas':2,'updatedReplicas':1,'currentRevision':'web-5f',"
	 "'updateRevision':'web-6c'}}",
	 HEALTH_PROGRESSING,
	 "waiting for statefulset rolling update to complete 1 pods at revision "
	 "web-6c..."},
	{"sts revision same", KUBE_STATEFULSET,
	 "{" META(",'generation':1") ",'spec':{'replicas':2,'updateStrategy':"
	 "{'type':'RollingUpdate'}},'status':{'observedGeneration':1,"
	 "'readyReplicas':2,'currentRevision':'web-6c',"
	 "'updateRevision':'web-6c'}}",
	 HEALTH_HEALTHY, ""},

	/* DaemonSet */
	{"ds generation", KUBE_DAEMONSET,
	 "{" META(",'generation':2") ",'status':{'observedGeneration':1}}",
	 HEALTH_PROGRESSING,
	 "Waiting for rollout to finish: observed daemon set generation less "
	 "than desired generation"},
	{"ds on delete", KUBE_DAEMONSET,
	 "{" META("") ",'spec':{'updateStrategy':{'type':'OnDelete'}},"
	 "'status':{'desiredNumberScheduled':3,'updatedNumberScheduled':1}}",
	 HEALTH_HEALTHY, ""},
	{"ds updating", KUBE_DAEMONSET,
	 "{" META("") ",'status':{'desiredNumberScheduled':3,"
	 "'updatedNumberScheduled':1,'numberAvailable':3}}",
	 HEALTH_PROGRESSING,
	 "Waiting for daemon set \"web\" rollout to finish: 1 out of 3 new pods "
	 "have been updated..."},
	{"ds available", KUBE_DAEMONSET,
	 "{" META("") ",'status':{'desiredNumberScheduled':3,"
	 "'updatedNumberScheduled':3,'numberAvailable':2}}",
	 HEALTH_PROGRESSING, "2/3 available"},
	{"ds healthy", KUBE_DAEMONSET,
	 "{" META("") ",'status':{'desiredNumberScheduled':3,"
	 "'updatedNumberScheduled':3,'numberAvailable':3}}",
	 HEALTH_HEALTHY, ""},

	/* Pod */
	{"pod crash loop", KUBE_POD,
	 "{" META("") ",'spec':{'containers':[{'name':'app'}]},'status':{"
	 "'phase':'Running','containerStatuses':[{'name':'app','restartCount':7,"
	 "'state':{'waiting':{'reason':'CrashLoopBackOff'}},"
	 "'lastState':{'terminated':{'exitCode':1}}}]}}",
	 HEALTH_DEGRADED, "CrashLoopBackOff (restarts 7)"},
	{"pod image pull", KUBE_POD,
	 "{" META("") ",'spec':{'containers':[{'name':'app'}]},'status':{"
	 "'phase':'Pending','containerStatuses':[{'name':'app',"
	 "'state':{'waiting':{'reason':'ErrImagePull'}}}]}}",
	 HEALTH_DEGRADED, "ErrImagePull (restarts 0)"},
	{"pod config error", KUBE_POD,
	 "{" META("") ",'spec':{'containers':[{'name':'app'}]},'status':{"
	 "'phase':'Pending','containerStatuses':[{'name':'app',"
	 "'state':{'waiting':{'reason':'CreateContainerConfigError'}}}]}}",
	 HEALTH_DEGRADED, "CreateContainerConfigError (restarts 0)"},
	{"pod hook crash not degraded", KUBE_POD,
	 "{" META("") ",'spec':{'restartPolicy':'Never','containers':[{'name':"
	 "'app'}]},'status':{'phase':'Running','containerStatuses':[{'name':"
	 "'app','state':{'waiting':{'reason':'CrashLoopBackOff'}}}]}}",
	 HEALTH_PROGRESSING, "Running"},
	{"pod init crash is pending", KUBE_POD,
	 "{" META("") ",'spec':{'initContainers':[{'name':'migrate'}],"
	 "'containers':[{'name':'app'}]},'status':{'phase':'Pending',"
	 "'initContainerStatuses':[{'name':'migrate','restartCount':2,"
	 "'state':{'waiting':{'reason':'CrashLoopBackOff'}}}]}}",
	 HEALTH_PROGRESSING, "Init:CrashLoopBackOff"},
	{"pod creating", KUBE_POD,
	 "{" META("") ",'spec':{'containers':[{'name':'app'}]},'status':{"
	 "'phase':'Pending','containerStatuses':[{'name':'app',"
	 "'state':{'waiting':{'reason':'ContainerCreating'}}}]}}",
	 HEALTH_PROGRESSING, "ContainerCreating"},
	{"pod succeeded", KUBE_POD,
	 "{" META("") ",'status':{'phase':'Succeeded'}}", HEALTH_HEALTHY,
	 "Completed"},
	{"pod failed message", KUBE_POD,
	 "{" META("") ",'status':{'phase':'Failed','reason':'Evicted',"
	 "'message':'The node was low on resource: memory.'}}",
	 HEALTH_DEGRADED, "The node was low on resource: memory."},
	{"pod failed terminated message", KUBE_POD,
	 "{" META("") ",'spec':{'restartPolicy':'Never','containers':[{'name':"
	 "'app'}]},'status':{'phase':'Failed','containerStatuses':[{'name':"
	 "'app','state':{'terminated':{'exitCode':1,'reason':'Error',"
	 "'message':'panic: no config'}}}]}}",
	 HEALTH_DEGRADED, "panic: no config"},
	{"pod failed oom", KUBE_POD,
	 "{" META("") ",'spec':{'restartPolicy':'Never','containers':[{'name':"
	 "'app'}]},'status':{'phase':'Failed','containerStatuses':[{'name':"
	 "'app','state':{'terminated':{'exitCode':137,"
	 "'reason':'OOMKilled'}}}]}}",
	 HEALTH_DEGRADED, "OOMKilled"},
	{"pod failed exit code", KUBE_POD,
	 "{" META("") ",'spec':{'restartPolicy':'Never','containers':[{'name':"
	 "'app'}]},'status':{'phase':'Failed','containerStatuses':[{'name':"
	 "'app','state':{'terminated':{'exitCode':2,'reason':'Error'}}}]}}",
	 HEALTH_DEGRADED, "container \"app\" failed with exit code 2"},
	{"pod failed nothing said", KUBE_POD,
	 "{" META("") ",'status':{'phase':'Failed'}}", HEALTH_DEGRADED,
	 "Failed"},
	{"pod running ready", KUBE_POD,
	 "{" META("") ",'spec':{'containers':[{'name':'app'}]},'status':{"
	 "'phase':'Running','conditions':[{'type':'Ready','status':'True'}],"
	 "'containerStatuses':[{'name':'app','ready':true,"
	 "'state':{'running':{}}}]}}",
	 HEALTH_HEALTHY, ""},
	{"pod running restarted not ready", KUBE_POD,
	 "{" META("") ",'spec':{'containers':[{'name':'app'}]},'status':{"
	 "'phase':'Running','conditions':[{'type':'Ready','status':'False'}],"
	 "'containerStatuses':[{'name':'app','restartCount':3,"
	 "'state':{'running':{}},'lastState':{'terminated':{'exitCode':1}}}]}}",
	 HEALTH_DEGRADED, "NotReady (restarts 3)"},
	{"pod running not ready", KUBE_POD,
	 "{" META("") ",'spec':{'containers':[{'name':'app'}]},'status':{"
	 "'phase':'Running','containerStatuses':[{'name':'app',"
	 "'state':{'running':{}}}]}}",
	 HEALTH_PROGRESSING, "NotReady"},
	{"pod running on failure", KUBE_POD,
	 "{" META("") ",'spec':{'restartPolicy':'OnFailure'},"
	 "'status':{'phase':'Running','conditions':[{'type':'Ready',"
	 "'status':'True'}]}}",
	 HEALTH_PROGRESSING, "Running"},
	{"pod unknown phase", KUBE_POD,
	 "{" META("") ",'status':{'phase':'Unknown'}}", HEALTH_UNKNOWN,
	 "Unknown"},
	{"pod odd restart policy", KUBE_POD,
	 "{" META("") ",'spec':{'restartPolicy':'Sometimes'},"
	 "'status':{'phase':'Running'}}",
	 HEALTH_UNKNOWN, "Running"},
	{"pod being deleted", KUBE_POD,
	 "{" META(",'deletionTimestamp':'2026-11-23T10:00:00Z'")
	 ",'status':{'phase':'Running'}}",
	 HEALTH_PROGRESSING, "Pending deletion"},

	/* Job */
	{"job failed", KUBE_JOB,
	 "{" META("") ",'status':{'failed':7,'conditions':[{'type':"
	 "'FailureTarget','status':'True'},{'type':'Failed','status':'True',"
	 "'reason':'BackoffLimitExceeded','message':'Job has reached the "
	 "specified backoff limit'}]}}",
	 HEALTH_DEGRADED, "Job has reached the specified backoff limit"},
	{"job suspended", KUBE_JOB,
	 "{" META("") ",'spec':{'suspend':true},'status':{'conditions':[{"
	 "'type':'Suspended','status':'True','reason':'JobSuspended'}]}}",
	 HEALTH_SUSPENDED, "suspended"},
	{"job resumed", KUBE_JOB,
	 "{" META("") ",'spec':{'completions':3},'status':{'active':1,"
	 "'succeeded':1,'conditions':[{'type':'Suspended','status':'False',"
	 "'reason':'JobResumed'}]}}",
	 HEALTH_PROGRESSING, "1/3 succeeded"},
	{"job complete", KUBE_JOB,
	 "{" META("") ",'status':{'succeeded':1,'conditions':[{'type':"
	 "'SuccessCriteriaMet','status':'True'},{'type':'Complete',"
	 "'status':'True'}]}}",
	 HEALTH_HEALTHY, "Completed"},
	{"job running", KUBE_JOB,
	 "{" META("") ",'spec':{'completions':1},'status':{'active':1}}",
	 HEALTH_PROGRESSING, "0/1 succeeded"},
	{"job work queue", KUBE_JOB,
	 "{" META("") ",'spec':{'parallelism':3},'status':{'active':3}}",
	 HEALTH_PROGRESSING, "0/1 of 3 succeeded"},

	/* Node */
	{"node ready", KUBE_NODE,
	 "{'metadata':{'name':'n1'},'status':{'conditions':[{'type':'Ready',"
	 "'status':'True','reason':'KubeletReady'}]}}",
	 HEALTH_HEALTHY, ""},
	{"node cordoned", KUBE_NODE,
	 "{'metadata':{'name':'n1'},'spec':{'unschedulable':true},'status':{"
	 "'conditions':[{'type':'Ready','status':'True'}]}}",
	 HEALTH_SUSPENDED, "SchedulingDisabled"},
	{"node not ready", KUBE_NODE,
	 "{'metadata':{'name':'n1'},'status':{'conditions':[{'type':"
	 "'MemoryPressure','status':'False'},{'type':'Ready','status':'False',"
	 "'reason':'KubeletNotReady'}]}}",
	 HEALTH_DEGRADED, "KubeletNotReady"},
	{"node unknown and cordoned", KUBE_NODE,
	 "{'metadata':{'name':'n1'},'spec':{'unschedulable':true},'status':{"
	 "'conditions':[{'type':'Ready','status':'Unknown',"
	 "'reason':'NodeStatusUnknown'}]}}",
	 HEALTH_DEGRADED, "NodeStatusUnknown"},
	{"node not ready no reason", KUBE_NODE,
	 "{'metadata':{'name':'n1'},'status':{'conditions':[{'type':'Ready',"
	 "'status':'False'}]}}",
	 HEALTH_DEGRADED, "NotReady"},
	{"node without ready condition", KUBE_NODE, "{'metadata':{'name':'n1'}}",
	 HEALTH_UNKNOWN, "no Ready condition"},

	/* Kinds without rules */
	{"event", KUBE_EVENT,
	 "{" META("") ",'type':'Warning','reason':'BackOff'}", HEALTH_HEALTHY,
	 ""},
	{"namespace terminating", KUBE_NAMESPACE,
	 "{'metadata':{'name':'prod','deletionTimestamp':"
	 "'2026-11-23T10:00:00Z'},'status':{'phase':'Terminating'}}",
	 HEALTH_HEALTHY, ""},
};

static void test_health_rules(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof health_rows / sizeof health_rows[0]; i++) {
		const struct health_row *row = &health_rows[i];
		struct kube_obj *o = obj(row->kind, row->json);
		struct health_result r;
		health_of(o, &r);
		if (r.health != row->health || strcmp(r.reason, row->reason))
			fail_msg("%s: got %s \"%s\", want %s \"%s\"", row->name,
				 health_name(r.health), r.reason,
				 health_name(row->health), row->reason);
		kobj_free(o);
	}
}

struct rollout_row {
	const char *name;
	enum kube_kind kind;
	const char *json;
	enum rollout_state state;
	const char *message;
};

static const struct rollout_row rollout_rows[] = {
	{"deploy spec not observed", KUBE_DEPLOYMENT,
	 "{" META(",'generation':2") ",'status':{'observedGeneration':1}}",
	 ROLLOUT_WAITING, "Waiting for deployment spec update to be observed..."},
	{"deploy deadline", KUBE_DEPLOYMENT,
	 "{" META("") ",'status':{'conditions':[{'type':'Progressing',"
	 "'status':'False','reason':'ProgressDeadlineExceeded'}]}}",
	 ROLLOUT_FAILED, "deployment \"web\" exceeded its progress deadline"},
	{"deploy updating", KUBE_DEPLOYMENT,
	 "{" META("") ",'spec':{'replicas':3},'status':{'replicas':3,"
	 "'updatedReplicas':1}}",
	 ROLLOUT_WAITING,
	 "Waiting for deployment \"web\" rollout to finish: 1 out of 3 new "
	 "replicas have been updated..."},
	{"deploy old pending", KUBE_DEPLOYMENT,
	 "{" META("") ",'spec':{'replicas':3},'status':{'replicas':4,"
	 "'updatedReplicas':3}}",
	 ROLLOUT_WAITING,
	 "Waiting for deployment \"web\" rollout to finish: 1 old replicas are "
	 "pending termination..."},
	{"deploy available", KUBE_DEPLOYMENT,
	 "{" META("") ",'spec':{'replicas':3},'status':{'replicas':3,"
	 "'updatedReplicas':3,'availableReplicas':2}}",
	 ROLLOUT_WAITING,
	 "Waiting for deployment \"web\" rollout to finish: 2 of 3 updated "
	 "replicas are available..."},
	{"deploy done, paused or not", KUBE_DEPLOYMENT,
	 "{" META("") ",'spec':{'replicas':3,'paused':true},'status':{"
	 "'replicas':3,'updatedReplicas':3,'availableReplicas':3}}",
	 ROLLOUT_DONE, "deployment \"web\" successfully rolled out"},
	{"ds on delete", KUBE_DAEMONSET,
	 "{" META("") ",'spec':{'updateStrategy':{'type':'OnDelete'}}}",
	 ROLLOUT_UNSUPPORTED,
	 "rollout status is only available for RollingUpdate strategy type"},
	{"ds spec not observed", KUBE_DAEMONSET,
	 "{" META(",'generation':5") ",'status':{'observedGeneration':4}}",
	 ROLLOUT_WAITING, "Waiting for daemon set spec update to be observed..."},
	{"ds updating", KUBE_DAEMONSET,
	 "{" META("") ",'status':{'desiredNumberScheduled':5,"
	 "'updatedNumberScheduled':2}}",
	 ROLLOUT_WAITING,
	 "Waiting for daemon set \"web\" rollout to finish: 2 out of 5 new pods "
	 "have been updated..."},
	{"ds available", KUBE_DAEMONSET,
	 "{" META("") ",'status':{'desiredNumberScheduled':5,"
	 "'updatedNumberScheduled':5,'numberAvailable':4}}",
	 ROLLOUT_WAITING,
	 "Waiting for daemon set \"web\" rollout to finish: 4 of 5 updated pods "
	 "are available..."},
	{"ds done", KUBE_DAEMONSET,
	 "{" META("") ",'status':{'desiredNumberScheduled':5,"
	 "'updatedNumberScheduled':5,'numberAvailable':5}}",
	 ROLLOUT_DONE, "daemon set \"web\" successfully rolled out"},
	{"sts on delete", KUBE_STATEFULSET,
	 "{" META("") ",'spec':{'updateStrategy':{'type':'OnDelete'}}}",
	 ROLLOUT_UNSUPPORTED,
	 "rollout status is only available for RollingUpdate strategy type"},
	{"sts never observed", KUBE_STATEFULSET, "{" META("") "}",
	 ROLLOUT_WAITING, "Waiting for statefulset spec update to be observed..."},
	{"sts ready", KUBE_STATEFULSET,
	 "{" META(",'generation':1") ",'spec':{'replicas':3},'status':{"
	 "'observedGeneration':1,'readyReplicas':2}}",
	 ROLLOUT_WAITING, "Waiting for 1 pods to be ready..."},
	{"sts partition waiting", KUBE_STATEFULSET,
	 "{" META(",'generation':1") ",'spec':{'replicas':3,'updateStrategy':{"
	 "'type':'RollingUpdate','rollingUpdate':{'partition':2}}},'status':{"
	 "'observedGeneration':1,'readyReplicas':3,'updatedReplicas':0}}",
	 ROLLOUT_WAITING,
	 "Waiting for partitioned roll out to finish: 0 out of 1 new pods have "
	 "been updated..."},
	{"sts partition complete", KUBE_STATEFULSET,
	 "{" META(",'generation':1") ",'spec':{'replicas':3},'status':{"
	 "'observedGeneration':1,'readyReplicas':3,'updatedReplicas':3}}",
	 ROLLOUT_DONE,
	 "partitioned roll out complete: 3 new pods have been updated..."},
	{"sts revision waiting", KUBE_STATEFULSET,
	 "{" META(",'generation':1") ",'spec':{'replicas':3,'updateStrategy':{"
	 "'type':'RollingUpdate'}},'status':{'observedGeneration':1,"
	 "'readyReplicas':3,'updatedReplicas':1,'currentReplicas':2,"
	 "'currentRevision':'web-5f','updateRevision':'web-6c'}}",
	 ROLLOUT_WAITING,
	 "waiting for statefulset rolling update to complete 1 pods at revision "
	 "web-6c..."},
	{"sts revision done", KUBE_STATEFULSET,
	 "{" META(",'generation':1") ",'spec':{'replicas':3,'updateStrategy':{"
	 "'type':'RollingUpdate'}},'status':{'observedGeneration':1,"
	 "'readyReplicas':3,'updatedReplicas':3,'currentReplicas':3,"
	 "'currentRevision':'web-6c','updateRevision':'web-6c'}}",
	 ROLLOUT_DONE,
	 "statefulset rolling update complete 3 pods at revision web-6c..."},
	{"pod", KUBE_POD, "{" META("") "}", ROLLOUT_UNSUPPORTED,
	 "no status viewer has been implemented for Pod"},
	{"job", KUBE_JOB, "{" META("") "}", ROLLOUT_UNSUPPORTED,
	 "no status viewer has been implemented for Job.batch"},
	{"replicaset", KUBE_REPLICASET, "{" META("") "}", ROLLOUT_UNSUPPORTED,
	 "no status viewer has been implemented for ReplicaSet.apps"},
};

static void test_rollout_status(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof rollout_rows / sizeof rollout_rows[0];
	     i++) {
		const struct rollout_row *row = &rollout_rows[i];
		struct kube_obj *o = obj(row->kind, row->json);
		struct rollout_result r;
		rollout_status(o, &r);
		if (r.state != row->state || strcmp(r.message, row->message))
			fail_msg("%s: got %d \"%s\", want %d \"%s\"", row->name,
				 (int)r.state, r.message, (int)row->state,
				 row->message);
		kobj_free(o);
	}
}

/* A reason never overflows, whatever the object says. */
static void test_long_texts_truncate(void **state)
{
	(void)state;
	char big[2000];
	memset(big, 'm', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	json_t *j = J("{\"metadata\":{\"name\":\"%s\"},\"status\":{\"phase\":"
		      "\"Failed\",\"message\":\"%s\"}}",
		      "p", big);
	struct kube_obj *o = kobj_decode(KUBE_POD, j, NULL);
	assert_non_null(o);
	struct health_result r;
	health_of(o, &r);
	assert_int_equal(r.health, HEALTH_DEGRADED);
	assert_int_equal(strlen(r.reason), sizeof r.reason - 1);
	kobj_free(o);
	json_decref(j);

	j = J("{\"metadata\":{\"name\":\"%s\"},\"spec\":{\"replicas\":2}}", big);
	o = kobj_decode(KUBE_DEPLOYMENT, j, NULL);
	struct rollout_result rr;
	rollout_status(o, &rr);
	assert_int_equal(rr.state, ROLLOUT_WAITING);
	assert_int_equal(strlen(rr.message), sizeof rr.message - 1);
	assert_true(strncmp(rr.message, "Waiting for deployment \"mmm", 27) == 0);
	kobj_free(o);
	json_decref(j);
}

/* Counts at the ends of their range, in every pairing: no rule may
 * overflow (UBSan makes that fatal in `make check`). */
static void test_extreme_counts(void **state)
{
	(void)state;
	static const char *const vals[] = {"2147483647", "-2147483648", "0",
					   "99999999999", "-1"};
	const size_t nv = sizeof vals / sizeof vals[0];
	for (int k = 0; k < KUBE__KIND_COUNT; k++) {
		for (size_t a = 0; a < nv; a++) {
			for (size_t b = 0; b < nv; b++) {
				const char *x = vals[a], *y = vals[b];
				char text[2048];
				snprintf(
					text, sizeof text,
					"{'metadata':{'name':'x','generation':%s},"
					"'spec':{'replicas':%s,'completions':%s,"
					"'parallelism':%s,'updateStrategy':{"
					"'rollingUpdate':{'partition':%s}},"
					"'containers':[{'name':'a'}]},"
					"'status':{'phase':'Running','replicas':%s,"
					"'updatedReplicas':%s,'readyReplicas':%s,"
					"'availableReplicas':%s,"
					"'observedGeneration':%s,"
					"'desiredNumberScheduled':%s,"
					"'updatedNumberScheduled':%s,"
					"'numberAvailable':%s,'succeeded':%s,"
					"'containerStatuses':[{'name':'a',"
					"'restartCount':%s,'state':{'waiting':{"
					"'reason':'ErrImagePull'}}}]}}",
					x, x, y, x, y, y, x, y, x, y, x, y, x, y, x);
				struct kube_obj *o = obj((enum kube_kind)k, text);
				struct health_result r;
				health_of(o, &r);
				assert_true((unsigned)r.health < HEALTH__COUNT);
				struct rollout_result rr;
				rollout_status(o, &rr);
				assert_true(strlen(rr.message) > 0);
				kobj_free(o);
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_glyphs_order),
		cmocka_unit_test(test_health_rules),
		cmocka_unit_test(test_rollout_status),
		cmocka_unit_test(test_long_texts_truncate),
		cmocka_unit_test(test_extreme_counts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
