/*
 * Unit tests for src/kube/objects.c: the kinds table, decoding realistic
 * objects of every kind, kubectl's pod STATUS column (one row per case of
 * printPod), hostile input (every value of real objects swapped for every
 * wrong type, huge arrays, deep junk, giant strings), --json output, times,
 * ages, and the memory one pod costs.
 *
 * JSON in this file is written with ' for " to stay readable; obj() and
 * jsq() swap them back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "kube/objects.h"
#include "test_json.h"

static json_t *jsq(const char *sq)
{
	char *text = strdup(sq);
	for (char *p = text; *p; p++)
		if (*p == '\'')
			*p = '"';
	json_t *j = J("%s", text);
	free(text);
	return j;
}

static struct kube_obj *obj(enum kube_kind k, const char *sq)
{
	json_t *j = jsq(sq);
	struct err e;
	struct kube_obj *o = kobj_decode(k, j, &e);
	json_decref(j);
	if (!o)
		fail_msg("decode failed: %s", e.msg);
	return o;
}

static const char *status_of(const struct kube_obj *o, struct buf *b)
{
	buf_clear(b);
	kobj_pod_status(b, o);
	return buf_str(b);
}

/* ---- realistic objects ---------------------------------------------------- */

static const char POD_JSON[] =
	"{'apiVersion':'v1','kind':'Pod','metadata':{'name':"
	"'payments-api-7d4b9c8f6d-x2x9k','generateName':"
	"'payments-api-7d4b9c8f6d-','namespace':'payments-prod','uid':"
	"'3f0c1a52-8d7e-4b8e-9a51-0c2f7d1e6b44','resourceVersion':'48213377',"
	"'creationTimestamp':'2026-11-20T09:14:02Z','labels':{'app':"
	"'payments-api','app.kubernetes.io/name':'payments-api',"
	"'app.kubernetes.io/instance':'payments-api-prod','pod-template-hash':"
	"'7d4b9c8f6d','tier':'backend'},'annotations':{'kubectl.kubernetes.io/"
	"default-container':'api'},'ownerReferences':[{'apiVersion':'apps/v1',"
	"'kind':'ReplicaSet','name':'payments-api-7d4b9c8f6d','uid':"
	"'9b1d','controller':true,'blockOwnerDeletion':true}]},"
	"'spec':{'initContainers':[{'name':'migrate','image':"
	"'registry.example.com/payments/migrate:2.14.3'},{'name':'mesh-proxy',"
	"'image':'envoyproxy/envoy:v1.31.2','restartPolicy':'Always'}],"
	"'containers':[{'name':'api','image':"
	"'registry.example.com/payments/api:2.14.3','ports':[{'containerPort':"
	"8080}]},{'name':'worker','image':''}],'restartPolicy':'Always',"
	"'nodeName':'ip-10-0-12-34.eu-west-1.compute.internal',"
	"'serviceAccountName':'payments'},"
	"'status':{'phase':'Running','conditions':[{'type':"
	"'PodReadyToStartContainers','status':'True','lastProbeTime':null,"
	"'lastTransitionTime':'2026-11-20T09:14:05Z'},{'type':'Initialized',"
	"'status':'True','lastTransitionTime':'2026-11-20T09:14:07Z'},{'type':"
	"'Ready','status':'True','lastTransitionTime':'2026-11-20T09:15:01Z'},"
	"{'type':'ContainersReady','status':'True','lastTransitionTime':"
	"'2026-11-20T09:15:01Z'},{'type':'PodScheduled','status':'True',"
	"'lastTransitionTime':'2026-11-20T09:14:02Z'}],'hostIP':'10.0.12.34',"
	"'podIP':'10.0.13.201','podIPs':[{'ip':'10.0.13.201'}],'startTime':"
	"'2026-11-20T09:14:02Z','initContainerStatuses':[{'name':'migrate',"
	"'state':{'terminated':{'exitCode':0,'reason':'Completed','startedAt':"
	"'2026-11-20T09:14:03Z','finishedAt':'2026-11-20T09:14:06Z'}},"
	"'lastState':{},'ready':true,'restartCount':0,'image':"
	"'registry.example.com/payments/migrate:2.14.3','started':false},"
	"{'name':'mesh-proxy','state':{'running':{'startedAt':"
	"'2026-11-20T09:14:07Z'}},'lastState':{},'ready':true,'restartCount':1,"
	"'image':'envoyproxy/envoy:v1.31.2','started':true}],"
	"'containerStatuses':[{'name':'api','state':{'running':{'startedAt':"
	"'2026-11-20T09:14:58Z'}},'lastState':{'terminated':{'exitCode':137,"
	"'reason':'OOMKilled','startedAt':'2026-11-20T09:14:08Z','finishedAt':"
	"'2026-11-20T09:14:57Z'}},'ready':true,'restartCount':2,'image':"
	"'registry.example.com/payments/api:2.14.3','started':true},"
	"{'name':'worker','state':{'waiting':{'reason':'CrashLoopBackOff',"
	"'message':'back-off 40s restarting failed container'}},'lastState':"
	"{'terminated':{'exitCode':1,'reason':'Error','finishedAt':"
	"'2026-11-20T09:15:30Z'}},'ready':false,'restartCount':3,'image':"
	"'registry.example.com/payments/worker:2.14.3','started':false}],"
	"'qosClass':'Burstable'}}";

static const char DEPLOY_JSON[] =
	"{'metadata':{'name':'web','namespace':'shop','uid':'u-1',"
	"'resourceVersion':'901','generation':4,'creationTimestamp':"
	"'2026-10-01T08:00:00Z','labels':{'app':'web'},'annotations':{"
	"'deployment.kubernetes.io/revision':'4'}},'spec':{'replicas':3,"
	"'selector':{'matchLabels':{'app':'web','tier':'front'}},'template':{"
	"'metadata':{'labels':{'app':'web','tier':'front'}},'spec':{"
	"'containers':[{'name':'web','image':'nginx:1.27.2'},{'name':'sidecar',"
	"'image':'busybox:1.36'}]}},'strategy':{'type':'RollingUpdate',"
	"'rollingUpdate':{'maxUnavailable':'25%','maxSurge':'25%'}},"
	"'revisionHistoryLimit':10,'progressDeadlineSeconds':300},'status':{"
	"'observedGeneration':4,'replicas':4,'updatedReplicas':2,"
	"'readyReplicas':3,'availableReplicas':3,'unavailableReplicas':1,"
	"'conditions':[{'type':'Available','status':'True','lastUpdateTime':"
	"'2026-11-01T08:00:00Z','lastTransitionTime':'2026-11-01T08:00:00Z',"
	"'reason':'MinimumReplicasAvailable','message':"
	"'Deployment has minimum availability.'},{'type':'Progressing',"
	"'status':'True','lastTransitionTime':'2026-11-23T09:59:00Z','reason':"
	"'ReplicaSetUpdated','message':'ReplicaSet \\'web-5d9c\\' is "
	"progressing.'}]}}";

static const char RS_JSON[] =
	"{'metadata':{'name':'web-5d9c','namespace':'shop','generation':1,"
	"'labels':{'app':'web','pod-template-hash':'5d9c'},'annotations':{"
	"'deployment.kubernetes.io/desired-replicas':'3',"
	"'deployment.kubernetes.io/revision':'7','kubernetes.io/change-cause':"
	"'kubectl set image deploy/web web=nginx:1.27.2'},'ownerReferences':[{"
	"'apiVersion':'apps/v1','kind':'Deployment','name':'web','controller':"
	"true}]},'spec':{'replicas':3,'template':{'spec':{'containers':[{"
	"'name':'web','image':'nginx:1.27.2'}]}}},'status':{'replicas':3,"
	"'fullyLabeledReplicas':3,'readyReplicas':2,'availableReplicas':2,"
	"'observedGeneration':1,'conditions':[{'type':'ReplicaFailure',"
	"'status':'True','reason':'FailedCreate','message':'quota'}]}}";

static const char STS_JSON[] =
	"{'metadata':{'name':'db','namespace':'data','generation':2},'spec':{"
	"'replicas':3,'serviceName':'db','selector':{'matchLabels':{'app':"
	"'db'}},'template':{'spec':{'containers':[{'name':'postgres','image':"
	"'postgres:16.4'}]}},'updateStrategy':{'type':'RollingUpdate',"
	"'rollingUpdate':{'partition':1}}},'status':{'observedGeneration':2,"
	"'replicas':3,'readyReplicas':3,'currentReplicas':1,'updatedReplicas':"
	"2,'availableReplicas':3,'currentRevision':'db-5f8b','updateRevision':"
	"'db-6c9d'}}";

static const char DS_JSON[] =
	"{'metadata':{'name':'node-agent','namespace':'kube-system',"
	"'generation':6},'spec':{'selector':{'matchLabels':{'k8s-app':"
	"'node-agent'}},'template':{'spec':{'containers':[{'name':'agent',"
	"'image':'agent:3.1'}]}},'updateStrategy':{'type':'OnDelete'}},"
	"'status':{'currentNumberScheduled':5,'desiredNumberScheduled':6,"
	"'numberAvailable':4,'numberMisscheduled':1,'numberReady':4,"
	"'numberUnavailable':2,'observedGeneration':6,"
	"'updatedNumberScheduled':3}}";

static const char JOB_JSON[] =
	"{'metadata':{'name':'migrate-42','namespace':'shop','labels':{"
	"'batch.kubernetes.io/job-name':'migrate-42'}},'spec':{'parallelism':2,"
	"'completions':4,'backoffLimit':2,'suspend':false,'template':{'spec':{"
	"'restartPolicy':'Never','containers':[{'name':'migrate','image':"
	"'shop/migrate:7'}]}}},'status':{'startTime':'2026-11-23T09:00:00Z',"
	"'completionTime':'2026-11-23T09:04:10Z','active':1,'succeeded':3,"
	"'failed':1,'conditions':[{'type':'Complete','status':'False'}]}}";

static const char NODE_JSON[] =
	"{'metadata':{'name':'ip-10-0-1-5','labels':{'kubernetes.io/hostname':"
	"'ip-10-0-1-5','node-role.kubernetes.io/worker':'',"
	"'node-role.kubernetes.io/control-plane':'','kubernetes.io/role':"
	"'worker'}},'spec':{'unschedulable':true,'taints':[{'key':"
	"'node.kubernetes.io/unschedulable','effect':'NoSchedule'}]},"
	"'status':{'addresses':[{'type':'Hostname','address':'ip-10-0-1-5'},"
	"{'type':'InternalIP','address':'10.0.1.5'}],'conditions':[{'type':"
	"'MemoryPressure','status':'False'},{'type':'Ready','status':'False',"
	"'reason':'KubeletNotReady','message':'container runtime network not "
	"ready'}],'nodeInfo':{'kubeletVersion':'v1.32.1'}}}";

static const char EVENT_JSON[] =
	"{'metadata':{'name':'web-5d9c-x.17f3','namespace':'shop'},"
	"'involvedObject':{'kind':'Pod','namespace':'shop','name':'web-5d9c-x',"
	"'uid':'p-1','apiVersion':'v1','fieldPath':'spec.containers{web}'},"
	"'reason':'BackOff','message':'Back-off restarting failed container',"
	"'source':{'component':'kubelet','host':'n1'},'firstTimestamp':"
	"'2026-11-23T09:00:00Z','lastTimestamp':'2026-11-23T09:30:00Z','count':"
	"14,'type':'Warning','eventTime':null,'reportingComponent':'',"
	"'reportingInstance':''}";

static const char NS_JSON[] =
	"{'metadata':{'name':'shop','labels':{'kubernetes.io/metadata.name':"
	"'shop'}},'spec':{'finalizers':['kubernetes']},'status':{'phase':"
	"'Active'}}";

static const struct sample {
	enum kube_kind kind;
	const char *json;
} samples[] = {
	{KUBE_POD, POD_JSON},	      {KUBE_DEPLOYMENT, DEPLOY_JSON},
	{KUBE_REPLICASET, RS_JSON},   {KUBE_STATEFULSET, STS_JSON},
	{KUBE_DAEMONSET, DS_JSON},    {KUBE_JOB, JOB_JSON},
	{KUBE_NODE, NODE_JSON},	      {KUBE_EVENT, EVENT_JSON},
	{KUBE_NAMESPACE, NS_JSON},
};

/* ---- kinds ----------------------------------------------------------------- */

static void test_kinds(void **state)
{
	(void)state;
	assert_string_equal(kube_kind_resource(KUBE_STATEFULSET), "statefulsets");
	assert_string_equal(kube_kind_name(KUBE_DAEMONSET), "DaemonSet");
	assert_string_equal(kube_kind_group(KUBE_JOB), "batch");
	assert_string_equal(kube_kind_group(KUBE_POD), "");
	assert_string_equal(kube_kind_version(KUBE_DEPLOYMENT), "v1");
	assert_true(kube_kind_namespaced(KUBE_EVENT));
	assert_false(kube_kind_namespaced(KUBE_NODE));
	assert_false(kube_kind_namespaced(KUBE_NAMESPACE));
	assert_string_equal(kube_kind_name(KUBE__KIND_COUNT), "");

	static const struct {
		const char *s;
		enum kube_kind k;
	} names[] = {
		{"po", KUBE_POD},	     {"pods", KUBE_POD},
		{"Pod", KUBE_POD},	     {"pod", KUBE_POD},
		{"PODS", KUBE_POD},	     {"deploy", KUBE_DEPLOYMENT},
		{"deployment", KUBE_DEPLOYMENT},
		{"Deployments", KUBE_DEPLOYMENT},
		{"rs", KUBE_REPLICASET},     {"replicaset", KUBE_REPLICASET},
		{"sts", KUBE_STATEFULSET},   {"statefulsets", KUBE_STATEFULSET},
		{"ds", KUBE_DAEMONSET},	     {"daemonset", KUBE_DAEMONSET},
		{"job", KUBE_JOB},	     {"jobs", KUBE_JOB},
		{"no", KUBE_NODE},	     {"node", KUBE_NODE},
		{"ev", KUBE_EVENT},	     {"events", KUBE_EVENT},
		{"ns", KUBE_NAMESPACE},	     {"Namespace", KUBE_NAMESPACE},
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		enum kube_kind k = KUBE__KIND_COUNT;
		if (!kube_kind_parse(names[i].s, &k) || k != names[i].k)
			fail_msg("kube_kind_parse(%s)", names[i].s);
	}
	enum kube_kind k;
	assert_false(kube_kind_parse("svc", &k));
	assert_false(kube_kind_parse("", &k));
	assert_false(kube_kind_parse(NULL, &k));
	assert_false(kube_kind_parse("pods ", &k));

	static const struct {
		enum kube_kind k;
		const char *ns, *path;
	} paths[] = {
		{KUBE_POD, "demo", "/api/v1/namespaces/demo/pods"},
		{KUBE_POD, NULL, "/api/v1/pods"},
		{KUBE_DEPLOYMENT, "", "/apis/apps/v1/deployments"},
		{KUBE_JOB, "ci", "/apis/batch/v1/namespaces/ci/jobs"},
		{KUBE_NODE, "demo", "/api/v1/nodes"},
		{KUBE_NAMESPACE, NULL, "/api/v1/namespaces"},
		{KUBE_EVENT, "a/b c", "/api/v1/namespaces/a%2Fb%20c/events"},
	};
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		buf_clear(&b);
		kube_kind_path(&b, paths[i].k, paths[i].ns);
		assert_string_equal(buf_str(&b), paths[i].path);
	}
	buf_free(&b);
}

/* ---- decoding realistic objects ------------------------------------------ */

static void test_decode_pod(void **state)
{
	(void)state;
	struct kube_obj *o = obj(KUBE_POD, POD_JSON);
	assert_int_equal(o->kind, KUBE_POD);
	assert_string_equal(o->name, "payments-api-7d4b9c8f6d-x2x9k");
	assert_string_equal(o->namespace_, "payments-prod");
	assert_string_equal(o->uid, "3f0c1a52-8d7e-4b8e-9a51-0c2f7d1e6b44");
	assert_string_equal(o->resource_version, "48213377");
	assert_int_equal(o->created, kube_parse_time("2026-11-20T09:14:02Z"));
	assert_int_equal(o->deleted, 0);
	assert_string_equal(o->owner_kind, "ReplicaSet");
	assert_string_equal(o->owner_name, "payments-api-7d4b9c8f6d");
	assert_int_equal(o->nlabels, 5);
	assert_string_equal(o->labels[0].key, "app");
	assert_string_equal(o->labels[4].key, "tier");
	assert_string_equal(kobj_label(o, "pod-template-hash"), "7d4b9c8f6d");

	const struct kube_pod *p = &o->u.pod;
	assert_string_equal(p->phase, "Running");
	assert_string_equal(p->reason, "");
	assert_string_equal(p->node, "ip-10-0-12-34.eu-west-1.compute.internal");
	assert_string_equal(p->ip, "10.0.13.201");
	assert_string_equal(p->restart_policy, "Always");
	assert_int_equal(p->start_time, kube_parse_time("2026-11-20T09:14:02Z"));
	assert_true(p->ready);
	assert_int_equal(p->nconditions, 5);
	assert_string_equal(p->conditions[2].type, "Ready");

	/* Init containers first, in spec order, then regular ones. */
	assert_int_equal(p->ncontainers, 4);
	const struct kube_container *mig = &p->containers[0];
	const struct kube_container *proxy = &p->containers[1];
	const struct kube_container *api = &p->containers[2];
	const struct kube_container *wrk = &p->containers[3];
	assert_string_equal(mig->name, "migrate");
	assert_true(mig->init);
	assert_false(mig->sidecar);
	assert_int_equal(mig->state, KUBE_CSTATE_TERMINATED);
	assert_string_equal(mig->reason, "Completed");
	assert_int_equal(mig->finished_at,
			 kube_parse_time("2026-11-20T09:14:06Z"));
	assert_true(proxy->init && proxy->sidecar && proxy->started);
	assert_int_equal(proxy->state, KUBE_CSTATE_RUNNING);
	assert_string_equal(api->name, "api");
	assert_false(api->init);
	assert_string_equal(api->image,
			    "registry.example.com/payments/api:2.14.3");
	assert_true(api->ready);
	assert_int_equal(api->restarts, 2);
	assert_int_equal(api->state, KUBE_CSTATE_RUNNING);
	assert_int_equal(api->started_at,
			 kube_parse_time("2026-11-20T09:14:58Z"));
	assert_int_equal(api->last_state, KUBE_CSTATE_TERMINATED);
	assert_string_equal(api->last_reason, "OOMKilled");
	assert_int_equal(api->last_exit_code, 137);
	/* The spec has no image: the status's is shown. */
	assert_string_equal(wrk->image,
			    "registry.example.com/payments/worker:2.14.3");
	assert_int_equal(wrk->state, KUBE_CSTATE_WAITING);
	assert_string_equal(wrk->reason, "CrashLoopBackOff");
	assert_string_equal(wrk->message,
			    "back-off 40s restarting failed container");
	assert_string_equal(wrk->last_reason, "Error");
	assert_int_equal(wrk->status_pos, 2);

	/* kubectl: READY counts the started sidecar, RESTARTS adds its
	 * restarts to the regular containers'. */
	assert_int_equal(p->ready_count, 2);
	assert_int_equal(p->total, 3);
	assert_int_equal(p->restarts, 6);
	struct buf b = BUF_INIT;
	assert_string_equal(status_of(o, &b), "CrashLoopBackOff");

	buf_clear(&b);
	kobj_key(&b, o);
	assert_string_equal(buf_str(&b), "payments-prod/payments-api-7d4b9c8f6d-x2x9k");
	buf_free(&b);
	kobj_free(o);
}

static void test_decode_workloads(void **state)
{
	(void)state;
	struct kube_obj *o = obj(KUBE_DEPLOYMENT, DEPLOY_JSON);
	const struct kube_deployment *d = &o->u.deploy;
	assert_int_equal(o->generation, 4);
	assert_int_equal(d->replicas, 3);
	assert_false(d->paused);
	assert_string_equal(d->strategy, "RollingUpdate");
	assert_int_equal(d->progress_deadline, 300);
	assert_int_equal(d->status_replicas, 4);
	assert_int_equal(d->updated, 2);
	assert_int_equal(d->ready_replicas, 3);
	assert_int_equal(d->available, 3);
	assert_int_equal(d->unavailable, 1);
	assert_int_equal(d->observed_generation, 4);
	assert_int_equal(d->nimages, 2);
	assert_string_equal(d->images[1].container, "sidecar");
	assert_string_equal(d->images[1].image, "busybox:1.36");
	assert_int_equal(d->nselector, 2);
	assert_string_equal(d->selector[1].key, "tier");
	assert_string_equal(d->selector[1].value, "front");
	const struct kube_condition *c = kobj_condition(o, "Progressing");
	assert_non_null(c);
	assert_string_equal(c->reason, "ReplicaSetUpdated");
	assert_string_equal(c->message, "ReplicaSet \"web-5d9c\" is progressing.");
	assert_int_equal(c->last_transition,
			 kube_parse_time("2026-11-23T09:59:00Z"));
	assert_null(kobj_condition(o, "ReplicaFailure"));
	assert_string_equal(o->owner_kind, "");
	kobj_free(o);

	o = obj(KUBE_REPLICASET, RS_JSON);
	assert_int_equal(o->u.rs.replicas, 3);
	assert_int_equal(o->u.rs.ready_replicas, 2);
	assert_int_equal(o->u.rs.available, 2);
	assert_int_equal(o->u.rs.fully_labeled, 3);
	assert_int_equal(o->u.rs.revision, 7);
	assert_string_equal(o->u.rs.change_cause,
			    "kubectl set image deploy/web web=nginx:1.27.2");
	assert_string_equal(o->owner_kind, "Deployment");
	assert_string_equal(o->owner_name, "web");
	assert_string_equal(kobj_condition(o, "ReplicaFailure")->status, "True");
	kobj_free(o);

	o = obj(KUBE_STATEFULSET, STS_JSON);
	const struct kube_statefulset *s = &o->u.sts;
	assert_int_equal(s->replicas, 3);
	assert_string_equal(s->update_strategy, "RollingUpdate");
	assert_true(s->rolling_update);
	assert_int_equal(s->partition, 1);
	assert_int_equal(s->current_replicas, 1);
	assert_int_equal(s->updated_replicas, 2);
	assert_string_equal(s->current_revision, "db-5f8b");
	assert_string_equal(s->update_revision, "db-6c9d");
	assert_string_equal(s->images[0].image, "postgres:16.4");
	assert_string_equal(s->selector[0].value, "db");
	kobj_free(o);

	o = obj(KUBE_DAEMONSET, DS_JSON);
	const struct kube_daemonset *ds = &o->u.ds;
	assert_string_equal(ds->update_strategy, "OnDelete");
	assert_int_equal(ds->desired, 6);
	assert_int_equal(ds->current, 5);
	assert_int_equal(ds->ready_count, 4);
	assert_int_equal(ds->updated, 3);
	assert_int_equal(ds->available, 4);
	assert_int_equal(ds->unavailable, 2);
	assert_int_equal(ds->misscheduled, 1);
	assert_int_equal(ds->observed_generation, 6);
	kobj_free(o);

	o = obj(KUBE_JOB, JOB_JSON);
	const struct kube_job *jb = &o->u.job;
	assert_int_equal(jb->completions, 4);
	assert_int_equal(jb->parallelism, 2);
	assert_int_equal(jb->backoff_limit, 2);
	assert_false(jb->suspend);
	assert_int_equal(jb->active, 1);
	assert_int_equal(jb->succeeded, 3);
	assert_int_equal(jb->failed, 1);
	assert_int_equal(jb->completion_time - jb->start_time, 250);
	assert_string_equal(jb->images[0].container, "migrate");
	kobj_free(o);
}

/* What the API server would have filled in, when the JSON lacks it. */
static void test_decode_defaults(void **state)
{
	(void)state;
	struct kube_obj *o = obj(KUBE_DEPLOYMENT, "{'metadata':{'name':'d'}}");
	assert_int_equal(o->u.deploy.replicas, 1);
	assert_string_equal(o->u.deploy.strategy, "RollingUpdate");
	assert_int_equal(o->u.deploy.progress_deadline, 600);
	assert_null(o->u.deploy.images);
	assert_int_equal(o->u.deploy.nimages, 0);
	assert_string_equal(o->namespace_, "");
	assert_string_equal(o->uid, "");
	kobj_free(o);

	o = obj(KUBE_JOB, "{'metadata':{'name':'j'}}");
	assert_int_equal(o->u.job.completions, -1);
	assert_int_equal(o->u.job.parallelism, 1);
	assert_int_equal(o->u.job.backoff_limit, 6);
	kobj_free(o);

	o = obj(KUBE_POD, "{'metadata':{'name':'p'}}");
	assert_string_equal(o->u.pod.restart_policy, "Always");
	assert_string_equal(o->u.pod.phase, "");
	assert_int_equal(o->u.pod.ncontainers, 0);
	kobj_free(o);

	/* StatefulSet: no type = defaulted rollingUpdate (partition 0); an
	 * explicit RollingUpdate without the block stays without it. */
	o = obj(KUBE_STATEFULSET, "{'metadata':{'name':'s'}}");
	assert_int_equal(o->u.sts.replicas, 1);
	assert_string_equal(o->u.sts.update_strategy, "RollingUpdate");
	assert_true(o->u.sts.rolling_update);
	assert_int_equal(o->u.sts.partition, 0);
	kobj_free(o);
	o = obj(KUBE_STATEFULSET, "{'metadata':{'name':'s'},'spec':{"
				  "'updateStrategy':{'type':'RollingUpdate'}}}");
	assert_false(o->u.sts.rolling_update);
	kobj_free(o);
	o = obj(KUBE_DAEMONSET, "{'metadata':{'name':'d'}}");
	assert_string_equal(o->u.ds.update_strategy, "RollingUpdate");
	kobj_free(o);
}

static void test_decode_node_event_namespace(void **state)
{
	(void)state;
	struct kube_obj *o = obj(KUBE_NODE, NODE_JSON);
	const struct kube_node *n = &o->u.node;
	assert_string_equal(n->ready, "False");
	assert_string_equal(n->ready_reason, "KubeletNotReady");
	assert_string_equal(n->ready_message,
			    "container runtime network not ready");
	assert_true(n->unschedulable);
	assert_string_equal(n->kubelet_version, "v1.32.1");
	assert_string_equal(n->internal_ip, "10.0.1.5");
	/* Sorted, each once, like kubectl's ROLES. */
	assert_string_equal(n->roles, "control-plane,worker");
	struct buf b = BUF_INIT;
	kobj_key(&b, o);
	assert_string_equal(buf_str(&b), "ip-10-0-1-5");
	kobj_free(o);

	o = obj(KUBE_NODE, "{'metadata':{'name':'bare'}}");
	assert_string_equal(o->u.node.ready, "");
	assert_string_equal(o->u.node.roles, "");
	assert_string_equal(o->u.node.internal_ip, "");
	kobj_free(o);

	o = obj(KUBE_EVENT, EVENT_JSON);
	const struct kube_event *ev = &o->u.event;
	assert_string_equal(ev->type, "Warning");
	assert_string_equal(ev->reason, "BackOff");
	assert_string_equal(ev->obj_kind, "Pod");
	assert_string_equal(ev->obj_namespace, "shop");
	assert_string_equal(ev->obj_name, "web-5d9c-x");
	assert_string_equal(ev->obj_uid, "p-1");
	assert_string_equal(ev->obj_field_path, "spec.containers{web}");
	assert_string_equal(ev->source, "kubelet");
	assert_int_equal(ev->count, 14);
	assert_int_equal(ev->first_time, kube_parse_time("2026-11-23T09:00:00Z"));
	assert_int_equal(ev->last_time, kube_parse_time("2026-11-23T09:30:00Z"));
	kobj_free(o);

	/* events.k8s.io-style: eventTime and series, no legacy fields. */
	o = obj(KUBE_EVENT,
		"{'metadata':{'name':'e'},'eventTime':"
		"'2026-11-23T09:00:00.123456Z','series':{'count':5,"
		"'lastObservedTime':'2026-11-23T09:10:00.000001Z'},"
		"'reportingComponent':'default-scheduler','firstTimestamp':null,"
		"'lastTimestamp':null}");
	assert_int_equal(o->u.event.first_time,
			 kube_parse_time("2026-11-23T09:00:00Z"));
	assert_int_equal(o->u.event.last_time,
			 kube_parse_time("2026-11-23T09:10:00Z"));
	assert_int_equal(o->u.event.count, 5);
	assert_string_equal(o->u.event.source, "default-scheduler");
	kobj_free(o);

	/* A singleton: count 1, last = first. */
	o = obj(KUBE_EVENT, "{'metadata':{'name':'e'},'eventTime':"
			    "'2026-11-23T09:00:00Z'}");
	assert_int_equal(o->u.event.count, 1);
	assert_int_equal(o->u.event.last_time, o->u.event.first_time);
	kobj_free(o);

	o = obj(KUBE_NAMESPACE, NS_JSON);
	assert_string_equal(o->u.ns.phase, "Active");
	buf_clear(&b);
	kobj_key(&b, o);
	assert_string_equal(buf_str(&b), "shop");
	buf_free(&b);
	kobj_free(o);
}

static void test_owner_label_matches(void **state)
{
	(void)state;
	/* The controller wins wherever it is; else the first. */
	struct kube_obj *o = obj(
		KUBE_POD, "{'metadata':{'name':'p','ownerReferences':[{'kind':"
			  "'Node','name':'n1'},{'kind':'DaemonSet','name':'ds',"
			  "'controller':true}]}}");
	assert_string_equal(o->owner_kind, "DaemonSet");
	assert_string_equal(o->owner_name, "ds");
	kobj_free(o);
	o = obj(KUBE_POD, "{'metadata':{'name':'p','ownerReferences':[7,{"
			  "'kind':'Job','name':'j1','controller':false},{'kind':"
			  "'Node','name':'n1'}]}}");
	assert_string_equal(o->owner_kind, "Job");
	kobj_free(o);

	o = obj(KUBE_POD, "{'metadata':{'name':'p','labels':{'app':'web',"
			  "'tier':'front','empty':''}}}");
	assert_string_equal(kobj_label(o, "app"), "web");
	assert_string_equal(kobj_label(o, "empty"), "");
	assert_null(kobj_label(o, "missing"));
	struct kube_label sel[] = {{"tier", "front"}, {"app", "web"}};
	assert_true(kobj_matches(o, sel, 2));
	assert_true(kobj_matches(o, sel, 0));
	struct kube_label bad[] = {{"app", "web"}, {"tier", "back"}};
	assert_false(kobj_matches(o, bad, 2));
	struct kube_label missing[] = {{"zone", ""}};
	assert_false(kobj_matches(o, missing, 1));
	struct kube_label empty[] = {{"empty", ""}};
	assert_true(kobj_matches(o, empty, 1));
	assert_null(kobj_condition(o, "Ready"));
	kobj_free(o);
}

/* ---- kubectl's STATUS column ------------------------------------------------ */

struct status_row {
	const char *name;
	const char *json; /* the pod minus {'metadata':{'name':'p' */
	const char *status;
	int ready, total, restarts;
};

#define ONE "'spec':{'containers':[{'name':'app'}]}"
#define TWO_INITS                                                             \
	"'spec':{'initContainers':[{'name':'i1'},{'name':'i2'}],"             \
	"'containers':[{'name':'app'}]}"
#define APP(state) "'containerStatuses':[{'name':'app'," state "}]"
#define INIT1(state) "'initContainerStatuses':[{'name':'i1'," state "}]"
#define DELETED ",'deletionTimestamp':'2026-11-23T10:00:00Z'"

static const struct status_row status_rows[] = {
	{"pending", "}," ONE ",'status':{'phase':'Pending'}}", "Pending", 0, 1, 0},
	{"no phase at all", "}}", "", 0, 0, 0},
	{"scheduling gated",
	 "}," ONE ",'status':{'phase':'Pending','conditions':[{'type':"
	 "'PodScheduled','status':'False','reason':'SchedulingGated'}]}}",
	 "SchedulingGated", 0, 1, 0},
	{"creating",
	 "}," ONE ",'status':{'phase':'Pending'," APP(
		 "'state':{'waiting':{'reason':'ContainerCreating'}}") "}}",
	 "ContainerCreating", 0, 1, 0},
	{"waiting without reason",
	 "}," ONE ",'status':{'phase':'Pending'," APP("'state':{'waiting':{}}") "}}",
	 "Pending", 0, 1, 0},
	{"running",
	 "}," ONE ",'status':{'phase':'Running','conditions':[{'type':'Ready',"
	 "'status':'True'}]," APP("'ready':true,'state':{'running':{}}") "}}",
	 "Running", 1, 1, 0},
	{"running, not ready yet",
	 "}," ONE ",'status':{'phase':'Running'," APP(
		 "'ready':false,'state':{'running':{}}") "}}",
	 "Running", 0, 1, 0},
	{"crash loop",
	 "}," ONE ",'status':{'phase':'Running'," APP(
		 "'restartCount':7,'state':{'waiting':{'reason':"
		 "'CrashLoopBackOff'}},'lastState':{'terminated':{'exitCode':1}}")
	 "}}",
	 "CrashLoopBackOff", 0, 1, 7},
	{"completed",
	 "}," ONE ",'status':{'phase':'Succeeded'," APP(
		 "'state':{'terminated':{'exitCode':0,'reason':'Completed'}}") "}}",
	 "Completed", 0, 1, 0},
	{"error",
	 "}," ONE ",'status':{'phase':'Failed'," APP(
		 "'state':{'terminated':{'exitCode':1,'reason':'Error'}}") "}}",
	 "Error", 0, 1, 0},
	{"oom killed",
	 "}," ONE ",'status':{'phase':'Running'," APP(
		 "'restartCount':1,'state':{'terminated':{'exitCode':137,"
		 "'reason':'OOMKilled'}}") "}}",
	 "OOMKilled", 0, 1, 1},
	{"exit code",
	 "}," ONE ",'status':{'phase':'Failed'," APP(
		 "'state':{'terminated':{'exitCode':3}}") "}}",
	 "ExitCode:3", 0, 1, 0},
	{"signal",
	 "}," ONE ",'status':{'phase':'Failed'," APP(
		 "'state':{'terminated':{'exitCode':137,'signal':9}}") "}}",
	 "Signal:9", 0, 1, 0},
	{"evicted",
	 "}," ONE ",'status':{'phase':'Failed','reason':'Evicted','message':"
	 "'The node was low on resource: memory.'}}",
	 "Evicted", 0, 1, 0},
	{"init pending",
	 "}," TWO_INITS ",'status':{'phase':'Pending'," INIT1(
		 "'state':{'waiting':{'reason':'PodInitializing'}}") "}}",
	 "Init:0/2", 0, 1, 0},
	{"init second running",
	 "}," TWO_INITS ",'status':{'phase':'Pending','initContainerStatuses':["
	 "{'name':'i1','state':{'terminated':{'exitCode':0,'reason':"
	 "'Completed'}}},{'name':'i2','state':{'running':{}}}]," APP(
		 "'state':{'waiting':{'reason':'PodInitializing'}}") "}}",
	 "Init:1/2", 0, 1, 0},
	{"init crash loop",
	 "}," TWO_INITS ",'status':{'phase':'Pending'," INIT1(
		 "'restartCount':4,'state':{'waiting':{'reason':"
		 "'CrashLoopBackOff'}}") "," APP("'restartCount':9,'state':{"
						 "'waiting':{'reason':"
						 "'PodInitializing'}}") "}}",
	 "Init:CrashLoopBackOff", 0, 1, 4},
	{"init error",
	 "}," TWO_INITS ",'status':{'phase':'Failed'," INIT1(
		 "'state':{'terminated':{'exitCode':1,'reason':'Error'}}") "}}",
	 "Init:Error", 0, 1, 0},
	{"init exit code",
	 "}," TWO_INITS ",'status':{'phase':'Pending'," INIT1(
		 "'state':{'terminated':{'exitCode':2}}") "}}",
	 "Init:ExitCode:2", 0, 1, 0},
	{"init signal",
	 "}," TWO_INITS ",'status':{'phase':'Pending'," INIT1(
		 "'state':{'terminated':{'exitCode':143,'signal':15}}") "}}",
	 "Init:Signal:15", 0, 1, 0},
	{"init done, Initialized: the containers speak",
	 "}," TWO_INITS ",'status':{'phase':'Pending','conditions':[{'type':"
	 "'Initialized','status':'True'}]," INIT1(
		 "'state':{'waiting':{'reason':'PodInitializing'}}") "," APP(
		 "'state':{'waiting':{'reason':'ContainerCreating'}}") "}}",
	 "ContainerCreating", 0, 1, 0},
	{"sidecar running",
	 "},'spec':{'initContainers':[{'name':'proxy','restartPolicy':"
	 "'Always'}],'containers':[{'name':'app'}]},'status':{'phase':"
	 "'Running','conditions':[{'type':'Initialized','status':'True'},{"
	 "'type':'Ready','status':'True'}],'initContainerStatuses':[{'name':"
	 "'proxy','started':true,'ready':true,'restartCount':1,'state':{"
	 "'running':{}}}]," APP("'ready':true,'restartCount':2,'state':{"
				"'running':{}}") "}}",
	 "Running", 2, 2, 3},
	{"sidecar not started",
	 "},'spec':{'initContainers':[{'name':'proxy','restartPolicy':"
	 "'Always'}],'containers':[{'name':'app'}]},'status':{'phase':"
	 "'Pending','initContainerStatuses':[{'name':'proxy','started':false,"
	 "'state':{'running':{}}}]}}",
	 "Init:0/1", 0, 2, 0},
	{"completed but one still running, ready",
	 "},'spec':{'containers':[{'name':'a'},{'name':'b'}]},'status':{"
	 "'phase':'Running','conditions':[{'type':'Ready','status':'True'}],"
	 "'containerStatuses':[{'name':'a','state':{'terminated':{'exitCode':0,"
	 "'reason':'Completed'}}},{'name':'b','ready':true,'state':{'running':"
	 "{}}}]}}",
	 "Running", 1, 2, 0},
	{"completed but one still running, not ready",
	 "},'spec':{'containers':[{'name':'a'},{'name':'b'}]},'status':{"
	 "'phase':'Running','containerStatuses':[{'name':'a','state':{"
	 "'terminated':{'exitCode':0,'reason':'Completed'}}},{'name':'b',"
	 "'ready':true,'state':{'running':{}}}]}}",
	 "NotReady", 1, 2, 0},
	/* kubectl walks statuses (sorted by name by the kubelet) from last to
	 * first: the first status's reason is the one left standing. */
	{"status order, not spec order",
	 "},'spec':{'containers':[{'name':'zeta'},{'name':'alpha'}]},"
	 "'status':{'phase':'Pending','containerStatuses':[{'name':'alpha',"
	 "'state':{'waiting':{'reason':'ErrImagePull'}}},{'name':'zeta',"
	 "'state':{'waiting':{'reason':'CrashLoopBackOff'}}}]}}",
	 "ErrImagePull", 0, 2, 0},
	{"terminating",
	 DELETED "}," ONE ",'status':{'phase':'Running'," APP(
		 "'ready':true,'state':{'running':{}}") "}}",
	 "Terminating", 1, 1, 0},
	{"node lost",
	 DELETED "}," ONE ",'status':{'phase':'Running','reason':'NodeLost'}}",
	 "Unknown", 0, 1, 0},
	{"deleted after success",
	 DELETED "}," ONE ",'status':{'phase':'Succeeded'," APP(
		 "'state':{'terminated':{'exitCode':0,'reason':'Completed'}}") "}}",
	 "Completed", 0, 1, 0},
};

static void test_pod_status_column(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < sizeof status_rows / sizeof status_rows[0]; i++) {
		const struct status_row *r = &status_rows[i];
		char text[4096];
		snprintf(text, sizeof text, "{'metadata':{'name':'p'%s", r->json);
		struct kube_obj *o = obj(KUBE_POD, text);
		const char *got = status_of(o, &b);
		if (strcmp(got, r->status) || o->u.pod.ready_count != r->ready ||
		    o->u.pod.total != r->total ||
		    o->u.pod.restarts != r->restarts)
			fail_msg("%s: got %s %d/%d restarts %d, want %s %d/%d "
				 "restarts %d",
				 r->name, got, o->u.pod.ready_count, o->u.pod.total,
				 o->u.pod.restarts, r->status, r->ready, r->total,
				 r->restarts);
		kobj_free(o);
	}
	/* Not a pod: nothing. */
	struct kube_obj *o = obj(KUBE_NODE, "{'metadata':{'name':'n'}}");
	assert_string_equal(status_of(o, &b), "");
	kobj_free(o);
	buf_free(&b);
}

/* ---- --json ------------------------------------------------------------------ */

static void test_to_json(void **state)
{
	(void)state;
	struct kube_obj *o = obj(KUBE_DEPLOYMENT, DEPLOY_JSON);
	json_t *j = kobj_to_json(o);
	assert_string_equal(json_string_value(json_object_get(j, "kind")),
			    "Deployment");
	assert_string_equal(json_string_value(json_object_get(j, "name")), "web");
	assert_string_equal(json_string_value(json_object_get(j, "namespace")),
			    "shop");
	assert_string_equal(json_string_value(json_object_get(j, "created")),
			    "2026-10-01T08:00:00Z");
	assert_true(json_is_null(json_object_get(j, "deleted")));
	assert_true(json_is_null(json_object_get(j, "owner")));
	assert_int_equal(json_integer_value(json_object_get(j, "replicas")), 3);
	assert_int_equal(
		json_integer_value(json_object_get(j, "updatedReplicas")), 2);
	assert_true(json_is_false(json_object_get(j, "paused")));
	json_t *sel = json_object_get(j, "selector");
	assert_string_equal(json_string_value(json_object_get(sel, "tier")),
			    "front");
	json_t *img = json_array_get(json_object_get(j, "images"), 0);
	assert_string_equal(json_string_value(json_object_get(img, "image")),
			    "nginx:1.27.2");
	json_t *cond = json_array_get(json_object_get(j, "conditions"), 1);
	assert_string_equal(json_string_value(json_object_get(cond, "reason")),
			    "ReplicaSetUpdated");
	assert_string_equal(
		json_string_value(json_object_get(cond, "lastTransitionTime")),
		"2026-11-23T09:59:00Z");
	json_decref(j);
	kobj_free(o);

	o = obj(KUBE_POD, POD_JSON);
	j = kobj_to_json(o);
	assert_string_equal(json_string_value(json_object_get(j, "status")),
			    "CrashLoopBackOff");
	json_t *owner = json_object_get(j, "owner");
	assert_string_equal(json_string_value(json_object_get(owner, "kind")),
			    "ReplicaSet");
	assert_int_equal(json_integer_value(json_object_get(j, "restarts")), 6);
	assert_int_equal(
		json_integer_value(json_object_get(j, "readyContainers")), 2);
	json_t *labels = json_object_get(j, "labels");
	assert_int_equal(json_object_size(labels), 5);
	json_t *cs = json_object_get(j, "containers");
	assert_int_equal(json_array_size(cs), 4);
	json_t *api = json_array_get(cs, 2);
	assert_string_equal(json_string_value(json_object_get(api, "state")),
			    "running");
	assert_string_equal(json_string_value(json_object_get(api, "lastReason")),
			    "OOMKilled");
	assert_true(json_is_true(json_object_get(json_array_get(cs, 1),
						 "sidecar")));
	/* The whole thing serialises. */
	char *text = json_dumps(j, JSON_COMPACT);
	assert_non_null(text);
	free(text);
	json_decref(j);
	kobj_free(o);

	o = obj(KUBE_EVENT, EVENT_JSON);
	j = kobj_to_json(o);
	json_t *inv = json_object_get(j, "involvedObject");
	assert_string_equal(json_string_value(json_object_get(inv, "name")),
			    "web-5d9c-x");
	assert_string_equal(json_string_value(json_object_get(inv, "fieldPath")),
			    "spec.containers{web}");
	assert_string_equal(json_string_value(json_object_get(j, "lastTime")),
			    "2026-11-23T09:30:00Z");
	json_decref(j);
	kobj_free(o);

	o = obj(KUBE_JOB, "{'metadata':{'name':'j'}}");
	j = kobj_to_json(o);
	assert_int_equal(json_integer_value(json_object_get(j, "completions")), -1);
	assert_true(json_is_null(json_object_get(j, "startTime")));
	json_decref(j);
	kobj_free(o);

	o = obj(KUBE_NODE, NODE_JSON);
	j = kobj_to_json(o);
	assert_string_equal(json_string_value(json_object_get(j, "roles")),
			    "control-plane,worker");
	assert_string_equal(json_string_value(json_object_get(j, "ready")),
			    "False");
	assert_true(json_is_true(json_object_get(j, "unschedulable")));
	json_decref(j);
	kobj_free(o);
}

/* ---- hostile input ------------------------------------------------------------ */

#define S(x) assert_non_null(x)

/* Every string of the object is there (never NULL), arrays match counts. */
static void check_strings(const struct kube_obj *o)
{
	S(o->name);
	S(o->namespace_);
	S(o->uid);
	S(o->resource_version);
	S(o->owner_kind);
	S(o->owner_name);
	assert_true(o->nlabels == 0 || o->labels);
	for (uint32_t i = 0; i < o->nlabels; i++) {
		S(o->labels[i].key);
		S(o->labels[i].value);
	}
	const struct kube_condition *conds = NULL;
	uint32_t nconds = 0;
	const struct kube_image *imgs = NULL;
	uint32_t nimgs = 0;
	switch (o->kind) {
	case KUBE_POD: {
		const struct kube_pod *p = &o->u.pod;
		S(p->phase), S(p->reason), S(p->message), S(p->node), S(p->ip);
		S(p->restart_policy);
		for (uint32_t i = 0; i < p->ncontainers; i++) {
			const struct kube_container *c = &p->containers[i];
			S(c->name), S(c->image), S(c->reason), S(c->message);
			S(c->last_reason);
		}
		conds = p->conditions, nconds = p->nconditions;
		break;
	}
	case KUBE_DEPLOYMENT:
		S(o->u.deploy.strategy);
		conds = o->u.deploy.conditions, nconds = o->u.deploy.nconditions;
		imgs = o->u.deploy.images, nimgs = o->u.deploy.nimages;
		for (uint32_t i = 0; i < o->u.deploy.nselector; i++)
			S(o->u.deploy.selector[i].value);
		break;
	case KUBE_REPLICASET:
		S(o->u.rs.change_cause);
		conds = o->u.rs.conditions, nconds = o->u.rs.nconditions;
		imgs = o->u.rs.images, nimgs = o->u.rs.nimages;
		break;
	case KUBE_STATEFULSET:
		S(o->u.sts.update_strategy), S(o->u.sts.current_revision);
		S(o->u.sts.update_revision);
		imgs = o->u.sts.images, nimgs = o->u.sts.nimages;
		break;
	case KUBE_DAEMONSET:
		S(o->u.ds.update_strategy);
		imgs = o->u.ds.images, nimgs = o->u.ds.nimages;
		break;
	case KUBE_JOB:
		conds = o->u.job.conditions, nconds = o->u.job.nconditions;
		imgs = o->u.job.images, nimgs = o->u.job.nimages;
		break;
	case KUBE_NODE:
		S(o->u.node.ready), S(o->u.node.ready_reason);
		S(o->u.node.ready_message), S(o->u.node.kubelet_version);
		S(o->u.node.internal_ip), S(o->u.node.roles);
		break;
	case KUBE_EVENT:
		S(o->u.event.type), S(o->u.event.reason), S(o->u.event.message);
		S(o->u.event.obj_kind), S(o->u.event.obj_namespace);
		S(o->u.event.obj_name), S(o->u.event.obj_uid);
		S(o->u.event.obj_field_path), S(o->u.event.source);
		assert_true(o->u.event.count >= 1);
		break;
	case KUBE_NAMESPACE:
		S(o->u.ns.phase);
		break;
	case KUBE_CONFIGMAP:
		for (uint32_t i = 0; i < o->u.cm.ndata; i++)
			S(o->u.cm.data[i].key), S(o->u.cm.data[i].value);
		break;
	default:
		fail();
	}
	for (uint32_t i = 0; i < nconds; i++) {
		S(conds[i].type), S(conds[i].status), S(conds[i].reason);
		S(conds[i].message);
	}
	for (uint32_t i = 0; i < nimgs; i++)
		S(imgs[i].container), S(imgs[i].image);
}

/* Decode, and use everything a view would use. */
static void decode_and_use(enum kube_kind k, const json_t *j, bool must_work)
{
	struct err e;
	err_clear(&e);
	struct kube_obj *o = kobj_decode(k, j, &e);
	if (!o) {
		if (must_work)
			fail_msg("%s: %s", kube_kind_name(k), e.msg);
		assert_int_equal(e.code, ST_ERR_PARSE);
		assert_true(strlen(e.msg) > 0);
		return;
	}
	check_strings(o);
	struct buf b = BUF_INIT;
	kobj_key(&b, o);
	kobj_pod_status(&b, o);
	buf_free(&b);
	json_t *out = kobj_to_json(o);
	char *text = json_dumps(out, JSON_COMPACT);
	assert_non_null(text);
	free(text);
	json_decref(out);
	kobj_free(o);
}

static const char *const junk_values[] = {
	"null", "7", "-1", "1.5", "\"x\"", "\"\"", "true", "[]", "{}",
	"[1,{\"a\":null}]", "{\"name\":5,\"type\":[]}", "99999999999999",
};

/* Swap every value in the tree (one at a time) for every junk value. */
static void swap_everything(json_t *root, json_t *node, enum kube_kind k,
			    int *decodes)
{
	if (json_is_object(node)) {
		size_t n = json_object_size(node), i = 0;
		const char **keys = calloc(n, sizeof *keys);
		const char *key;
		json_t *val;
		json_object_foreach(node, key, val) keys[i++] = key;
		for (i = 0; i < n; i++) {
			json_t *orig = json_incref(json_object_get(node, keys[i]));
			for (size_t v = 0; v < sizeof junk_values / sizeof junk_values[0];
			     v++) {
				json_object_set_new(node, keys[i],
						    json_loads(junk_values[v],
							       JSON_DECODE_ANY, NULL));
				decode_and_use(k, root, false);
				++*decodes;
			}
			json_object_set_new(node, keys[i], orig);
			/* json_object_set_new keeps the key; keys[] stays valid
			 * because the key was already present. */
			swap_everything(root, orig, k, decodes);
		}
		free(keys);
	} else if (json_is_array(node)) {
		for (size_t i = 0; i < json_array_size(node); i++) {
			json_t *orig = json_incref(json_array_get(node, i));
			for (size_t v = 0; v < sizeof junk_values / sizeof junk_values[0];
			     v++) {
				json_array_set_new(node, i,
						   json_loads(junk_values[v],
							      JSON_DECODE_ANY, NULL));
				decode_and_use(k, root, false);
				++*decodes;
			}
			json_array_set_new(node, i, orig);
			swap_everything(root, orig, k, decodes);
		}
	}
}

static void test_wrong_types_everywhere(void **state)
{
	(void)state;
	int decodes = 0;
	for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
		json_t *j = jsq(samples[i].json);
		decode_and_use(samples[i].kind, j, true);
		swap_everything(j, j, samples[i].kind, &decodes);
		/* The sample decodes to the same thing afterwards. */
		char *a = json_dumps(j, JSON_SORT_KEYS);
		json_t *fresh = jsq(samples[i].json);
		char *b = json_dumps(fresh, JSON_SORT_KEYS);
		assert_string_equal(a, b);
		free(a);
		free(b);
		json_decref(fresh);
		json_decref(j);
	}
	assert_true(decodes > 3000);

	/* Every kind from objects of another kind, and from bare names. */
	for (int k = 0; k < KUBE__KIND_COUNT; k++) {
		for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
			json_t *j = jsq(samples[i].json);
			decode_and_use((enum kube_kind)k, j, true);
			json_decref(j);
		}
		json_t *j = jsq("{'metadata':{'name':'x'},'spec':5,'status':'no'}");
		decode_and_use((enum kube_kind)k, j, true);
		json_decref(j);
	}
}

static void test_rejects(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"[]",
		"\"pod\"",
		"null",
		"{}",
		"{'metadata':null}",
		"{'metadata':[]}",
		"{'metadata':{'namespace':'x'}}",
		"{'metadata':{'name':5}}",
		"{'metadata':{'name':''}}",
		"{'metadata':{'name':null}}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char text[256];
		snprintf(text, sizeof text, "%s", bad[i]);
		for (char *p = text; *p; p++)
			if (*p == '\'')
				*p = '"';
		json_t *j = json_loads(text, JSON_DECODE_ANY, NULL);
		assert_non_null(j);
		struct err e;
		err_clear(&e);
		assert_null(kobj_decode(KUBE_POD, j, &e));
		assert_int_equal(e.code, ST_ERR_PARSE);
		assert_non_null(strstr(e.msg, "Pod"));
		json_decref(j);
	}
	struct err e;
	assert_null(kobj_decode(KUBE_POD, NULL, &e));
	assert_int_equal(e.code, ST_ERR_PARSE);
	assert_null(kobj_decode(KUBE_POD, NULL, NULL)); /* no err: fine */
	json_t *j = jsq("{'metadata':{'name':'x'}}");
	assert_null(kobj_decode(KUBE__KIND_COUNT, j, &e));
	assert_int_equal(e.code, ST_ERR_INVALID);
	json_decref(j);
}

static void test_huge_arrays(void **state)
{
	(void)state;
	json_t *j = jsq("{'metadata':{'name':'big'},'spec':{},'status':{}}");
	json_t *meta = json_object_get(j, "metadata");
	json_t *labels = json_object();
	for (int i = 0; i < 10000; i++) {
		char k[32];
		snprintf(k, sizeof k, "k%d", i);
		json_object_set_new(labels, k, json_string("v"));
	}
	json_object_set_new(meta, "labels", labels);
	json_t *owners = json_array();
	for (int i = 0; i < 5000; i++)
		json_array_append_new(owners, json_pack("{s:s,s:s}", "kind", "RS",
							"name", "x"));
	json_object_set_new(meta, "ownerReferences", owners);
	json_t *containers = json_array(), *statuses = json_array();
	json_t *conds = json_array();
	for (int i = 0; i < 1000; i++) {
		char n[32];
		snprintf(n, sizeof n, "c%d", i);
		json_array_append_new(containers, json_pack("{s:s}", "name", n));
		json_array_append_new(statuses,
				      json_pack("{s:s,s:i}", "name", n,
						"restartCount", 1));
		json_array_append_new(conds, json_pack("{s:s}", "type", n));
	}
	json_object_set_new(json_object_get(j, "spec"), "containers", containers);
	json_object_set_new(json_object_get(j, "spec"), "initContainers",
			    json_deep_copy(containers));
	json_object_set_new(json_object_get(j, "status"), "containerStatuses",
			    statuses);
	json_object_set_new(json_object_get(j, "status"), "conditions", conds);

	struct kube_obj *o = kobj_decode(KUBE_POD, j, NULL);
	assert_non_null(o);
	check_strings(o);
	assert_int_equal(o->nlabels, 256);
	assert_string_equal(o->labels[0].key, "k0");
	assert_string_equal(o->labels[255].key, "k255");
	assert_int_equal(o->u.pod.ncontainers, 64);
	assert_int_equal(o->u.pod.nconditions, 32);
	/* Only statuses within reach are matched; none is made up. */
	assert_int_equal(o->u.pod.containers[63].status_pos, 64);
	assert_true(malloc_usable_size(o) < 64 * 1024);
	decode_and_use(KUBE_POD, j, true);
	kobj_free(o);

	/* Node roles from 10,000 role labels stay bounded too. */
	json_t *nl = json_object();
	for (int i = 0; i < 10000; i++) {
		char k[64];
		snprintf(k, sizeof k, "node-role.kubernetes.io/r%05d", i);
		json_object_set_new(nl, k, json_string(""));
	}
	json_object_set_new(meta, "labels", nl);
	o = kobj_decode(KUBE_NODE, j, NULL);
	assert_non_null(o);
	assert_true(strncmp(o->u.node.roles, "r00000,r00001,", 14) == 0);
	kobj_free(o);
	json_decref(j);
}

static json_t *nested(int depth)
{
	json_t *v = json_string("bottom");
	for (int i = 0; i < depth; i++) {
		json_t *a = i % 2 ? json_array() : json_object();
		if (json_is_array(a))
			json_array_append_new(a, v);
		else
			json_object_set_new(a, "status", v);
		v = a;
	}
	return v;
}

static void test_deep_junk_and_giant_strings(void **state)
{
	(void)state;
	json_t *j = jsq("{'metadata':{'name':'deep'}}");
	json_object_set_new(j, "spec", nested(1000));
	json_object_set_new(j, "status", nested(1001));
	json_object_set_new(json_object_get(j, "metadata"), "labels", nested(999));
	for (int k = 0; k < KUBE__KIND_COUNT; k++)
		decode_and_use((enum kube_kind)k, j, true);
	json_decref(j);

	size_t big = 1 << 20;
	char *s = malloc(big + 1);
	memset(s, 'n', big);
	s[big] = '\0';
	j = json_pack("{s:{s:s,s:{s:s}},s:{s:s}}", "metadata", "name", s,
		      "labels", "app", s, "status", "message", s);
	struct kube_obj *o = kobj_decode(KUBE_POD, j, NULL);
	assert_non_null(o);
	assert_int_equal(strlen(o->name), big);
	assert_int_equal(strlen(o->labels[0].value), big);
	assert_int_equal(strlen(o->u.pod.message), big);
	kobj_free(o);
	json_decref(j);
	free(s);

	/* A NUL inside a string ends it for C; nothing breaks. */
	j = json_loads("{\"metadata\":{\"name\":\"a\\u0000b\",\"labels\":{"
		       "\"k\":\"v\\u0000w\"}},\"status\":{\"phase\":"
		       "\"Run\\u0000ning\"}}",
		       JSON_ALLOW_NUL, NULL);
	assert_non_null(j);
	o = kobj_decode(KUBE_POD, j, NULL);
	assert_non_null(o);
	assert_string_equal(o->name, "a");
	assert_string_equal(kobj_label(o, "k"), "v");
	assert_string_equal(o->u.pod.phase, "Run");
	decode_and_use(KUBE_POD, j, true);
	kobj_free(o);
	json_decref(j);

	/* Numbers out of range clamp; reals and strings take the default. */
	o = obj(KUBE_DEPLOYMENT,
		"{'metadata':{'name':'d','generation':9007199254740993},"
		"'spec':{'replicas':99999999999},'status':{'replicas':-5,"
		"'updatedReplicas':2.5,'readyReplicas':'3'}}");
	assert_int_equal(o->generation, 9007199254740993LL);
	assert_int_equal(o->u.deploy.replicas, INT32_MAX);
	assert_int_equal(o->u.deploy.status_replicas, -5);
	assert_int_equal(o->u.deploy.updated, 0);
	assert_int_equal(o->u.deploy.ready_replicas, 0);
	kobj_free(o);
	o = obj(KUBE_REPLICASET, "{'metadata':{'name':'r','annotations':{"
				 "'deployment.kubernetes.io/revision':'7x'}}}");
	assert_int_equal(o->u.rs.revision, 0);
	kobj_free(o);
}

/* ---- memory -------------------------------------------------------------------- */

static const char TYPICAL_POD[] =
	"{'metadata':{'name':'web-7d4b9c8f6d-x2x9k','generateName':"
	"'web-7d4b9c8f6d-','namespace':'shop','uid':"
	"'3f0c1a52-8d7e-4b8e-9a51-0c2f7d1e6b44','resourceVersion':'4821337',"
	"'creationTimestamp':'2026-11-20T09:14:02Z','labels':{'app':'web',"
	"'app.kubernetes.io/instance':'web-prod','pod-template-hash':"
	"'7d4b9c8f6d','tier':'front','version':'2.14.3'},'ownerReferences':[{"
	"'apiVersion':'apps/v1','kind':'ReplicaSet','name':'web-7d4b9c8f6d',"
	"'uid':'9b1d','controller':true}]},'spec':{'containers':[{'name':'web',"
	"'image':'nginx:1.27.2'},{'name':'envoy','image':'envoy:v1.31.2'}],"
	"'restartPolicy':'Always','nodeName':'node-7'},'status':{'phase':"
	"'Running','conditions':[{'type':'PodReadyToStartContainers','status':"
	"'True','lastTransitionTime':'2026-11-20T09:14:05Z'},{'type':"
	"'Initialized','status':'True','lastTransitionTime':"
	"'2026-11-20T09:14:02Z'},{'type':'Ready','status':'True',"
	"'lastTransitionTime':'2026-11-20T09:14:09Z'},{'type':'ContainersReady',"
	"'status':'True','lastTransitionTime':'2026-11-20T09:14:09Z'},{'type':"
	"'PodScheduled','status':'True','lastTransitionTime':"
	"'2026-11-20T09:14:02Z'}],'podIP':'10.244.3.17','startTime':"
	"'2026-11-20T09:14:02Z','containerStatuses':[{'name':'envoy','state':{"
	"'running':{'startedAt':'2026-11-20T09:14:06Z'}},'lastState':{},"
	"'ready':true,'restartCount':0,'image':'envoy:v1.31.2','started':true},"
	"{'name':'web','state':{'running':{'startedAt':'2026-11-20T09:14:05Z'}},"
	"'lastState':{},'ready':true,'restartCount':0,'image':'nginx:1.27.2',"
	"'started':true}],'qosClass':'Burstable'}}";

/* One malloc per object, and a typical pod (2 containers, 5 labels, 5
 * conditions) stays under 1 KiB including its strings. */
static void test_memory_per_pod(void **state)
{
	(void)state;
	struct kube_obj *o = obj(KUBE_POD, TYPICAL_POD);
	size_t bytes = malloc_usable_size(o);
	assert_true(bytes <= 1024);
	/* Everything lives inside that one block (or is a static string). */
	const char *lo = (const char *)o, *hi = lo + bytes;
	const struct kube_pod *p = &o->u.pod;
	assert_true((const char *)p->containers > lo &&
		    (const char *)p->containers < hi);
	assert_true(o->name > lo && o->name < hi);
	assert_true(p->containers[1].image > lo && p->containers[1].image < hi);
	assert_int_equal(p->ready_count, 2);
	kobj_free(o);
}

/* ---- times and ages ---------------------------------------------------------- */

/* opsdeck's own ConfigMaps (run records): data kept as pairs, a value
 * that is not a string is "", other kinds have no data. */
static void test_configmap_data(void **state)
{
	(void)state;
	json_t *j = json_loads(
		"{\"metadata\":{\"name\":\"run-1\",\"namespace\":\"opsdeck\"},"
		"\"data\":{\"record\":\"{\\\"id\\\":1}\",\"n\":7}}",
		0, NULL);
	assert_non_null(j);
	struct kube_obj *o = kobj_decode(KUBE_CONFIGMAP, j, NULL);
	assert_non_null(o);
	assert_string_equal(kobj_cm_data(o, "record"), "{\"id\":1}");
	assert_string_equal(kobj_cm_data(o, "n"), "");
	assert_null(kobj_cm_data(o, "missing"));
	kobj_free(o);
	o = kobj_decode(KUBE_NAMESPACE, j, NULL);
	assert_null(kobj_cm_data(o, "record"));
	kobj_free(o);
	json_decref(j);
}

static void test_names(void **state)
{
	(void)state;
	assert_true(kube_valid_name("payments-api"));
	assert_true(kube_valid_name("a.b-1.c"));
	assert_true(kube_valid_label("9lives", 6));
	assert_false(kube_valid_name("Payments"));
	assert_false(kube_valid_name("-a"));
	assert_false(kube_valid_name("a..b"));
	assert_false(kube_valid_name("../secrets"));
	assert_false(kube_valid_name(""));
	char big[70];
	memset(big, 'a', 64);
	big[64] = '\0';
	assert_false(kube_valid_label(big, 64));
	assert_true(kube_valid_label(big, 63));
}

static void test_parse_time(void **state)
{
	(void)state;
	const int64_t t = 1795428000; /* 2026-11-23T10:00:00Z */
	static const struct {
		const char *s;
		int64_t off; /* from t; INT64_MIN: garbage -> 0 */
	} rows[] = {
		{"2026-11-23T10:00:00Z", 0},
		{"2026-11-23T10:00:00.5Z", 0},
		{"2026-11-23T10:00:00.123456789Z", 0},
		{"2026-11-23T10:00:07.999999Z", 7},
		{"2026-11-23T12:00:00+02:00", 0},
		{"2026-11-23T05:30:00-04:30", 0},
		{"2026-11-24T00:30:00+14:30", 0},
		{"2026-11-23t10:00:00z", 0},
		{"2026-11-23T10:00:00.000+00:00", 0},
		{"2026-11-24T10:00:00Z", 86400},
		{"", INT64_MIN},
		{"garbage", INT64_MIN},
		{"2026-11-23", INT64_MIN},
		{"2026-11-23T10:00:00", INT64_MIN},
		{"2026-11-23 10:00:00Z", INT64_MIN},
		{"2026-11-23T10:00:00.Z", INT64_MIN},
		{"2026-11-23T10:00:00Zjunk", INT64_MIN},
		{"2026-11-23T10:00:00+0200", INT64_MIN},
		{"2026-11-23T24:00:00Z", INT64_MIN},
		{"2026-11-23T10:60:00Z", INT64_MIN},
		{"2026-11-23T10:00:60Z", INT64_MIN},
		{"2026-13-01T10:00:00Z", INT64_MIN},
		{"2026-00-01T10:00:00Z", INT64_MIN},
		{"2026-04-31T10:00:00Z", INT64_MIN},
		{"2023-02-29T10:00:00Z", INT64_MIN},
		{"2100-02-29T10:00:00Z", INT64_MIN},
		{"+2026-11-23T10:00:00Z", INT64_MIN},
		{"2026-1-23T10:00:00Z", INT64_MIN},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		int64_t want = rows[i].off == INT64_MIN ? 0 : t + rows[i].off;
		if (kube_parse_time(rows[i].s) != want)
			fail_msg("kube_parse_time(%s) = %lld", rows[i].s,
				 (long long)kube_parse_time(rows[i].s));
	}
	assert_int_equal(kube_parse_time(NULL), 0);
	assert_int_equal(kube_parse_time("1970-01-01T00:00:01Z"), 1);
	assert_int_equal(kube_parse_time("1969-12-31T23:59:59Z"), -1);
	assert_int_equal(kube_parse_time("2000-02-29T00:00:00Z"), 951782400);
	assert_int_equal(kube_parse_time("2024-02-29T00:00:00Z"), 1709164800);
	assert_int_equal(kube_parse_time("0001-01-01T00:00:00Z"),
			 -62135596800LL);
	assert_int_equal(kube_parse_time("9999-12-31T23:59:59Z"),
			 253402300799LL);
}

static void test_format_time(void **state)
{
	(void)state;
	static const char *const round[] = {
		"2026-11-23T10:00:00Z", "1970-01-01T00:00:01Z",
		"1969-12-31T23:59:59Z", "2000-02-29T12:34:56Z",
		"0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
		"1900-03-01T00:00:00Z",
	};
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < sizeof round / sizeof round[0]; i++) {
		buf_clear(&b);
		kube_format_time(&b, kube_parse_time(round[i]));
		assert_string_equal(buf_str(&b), round[i]);
	}
	buf_clear(&b);
	kube_format_time(&b, 0);
	assert_string_equal(buf_str(&b), "");
	buf_clear(&b);
	kube_format_time(&b, kube_parse_time("2026-11-23T12:00:00.75+02:00"));
	assert_string_equal(buf_str(&b), "2026-11-23T10:00:00Z");
	buf_free(&b);
}

static void test_format_age(void **state)
{
	(void)state;
	static const struct {
		int64_t s;
		const char *age;
	} rows[] = {
		{-100, "<invalid>"},
		{-2, "<invalid>"},
		{-1, "0s"},
		{0, "0s"},
		{1, "1s"},
		{59, "59s"},
		{60, "60s"},
		{119, "119s"},
		{120, "2m"},
		{125, "2m5s"},
		{303, "5m3s"},
		{599, "9m59s"},
		{600, "10m"},
		{659, "10m"},
		{10799, "179m"},
		{10800, "3h"},
		{3 * 3600 + 5 * 60 + 59, "3h5m"},
		{8 * 3600 - 1, "7h59m"},
		{8 * 3600, "8h"},
		{48 * 3600 - 1, "47h"},
		{48 * 3600, "2d"},
		{2 * 86400 + 4 * 3600, "2d4h"},
		{8 * 86400 - 1, "7d23h"},
		{8 * 86400, "8d"},
		{400 * 86400, "400d"},
		{730 * 86400 - 1, "729d"},
		{730 * 86400, "2y"},
		{731 * 86400, "2y1d"},
		{8 * 365 * 86400 - 1, "7y364d"},
		{8 * 365 * 86400, "8y"},
		{100LL * 365 * 86400 + 5 * 86400, "100y"},
	};
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		buf_clear(&b);
		kube_format_age(&b, rows[i].s);
		if (strcmp(buf_str(&b), rows[i].age))
			fail_msg("age(%lld) = %s, want %s", (long long)rows[i].s,
				 buf_str(&b), rows[i].age);
	}
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_decode_pod),
		cmocka_unit_test(test_decode_workloads),
		cmocka_unit_test(test_decode_defaults),
		cmocka_unit_test(test_decode_node_event_namespace),
		cmocka_unit_test(test_owner_label_matches),
		cmocka_unit_test(test_pod_status_column),
		cmocka_unit_test(test_to_json),
		cmocka_unit_test(test_wrong_types_everywhere),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_huge_arrays),
		cmocka_unit_test(test_deep_junk_and_giant_strings),
		cmocka_unit_test(test_memory_per_pod),
		cmocka_unit_test(test_configmap_data),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_parse_time),
		cmocka_unit_test(test_format_time),
		cmocka_unit_test(test_format_age),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
