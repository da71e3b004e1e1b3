/*
 * Unit tests for kubesim's controllers (tests/kubesim/sim.c), driven on a
 * virtual clock: each test builds a world with the real store, creates
 * objects as the HTTP layer would, and calls sim_run_due with a time that
 * only moves forward, then checks the objects, events and runtime state
 * the real kube-controller-manager and kubelet would have produced --
 * rollouts within maxSurge/maxUnavailable, scaling, pause, Recreate,
 * progress deadlines, crash loops with back-off, image pull errors, jobs,
 * garbage collection and the generated steady state. One test runs the
 * controller thread itself.
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
#include <unistd.h>

#include "kubesim/sim_internal.h"
#include "base/str.h"

struct fx {
	struct ks_scenario sc;
	struct ks_world w;
	double t; /* the virtual clock */
};

static struct fx *fx_new_clock(double speed, long nodes, bool virtual_clock)
{
	struct fx *f = calloc(1, sizeof *f);
	f->sc.speed = speed;
	f->sc.nodes = nodes;
	f->sc.history_window = 200000;
	ks_world_init(&f->w, &f->sc, 42);
	struct err e;
	pthread_mutex_lock(&f->w.mu);
	assert_int_equal(sim_init(&f->w, &e), ST_OK);
	assert_int_equal(ks_create(&f->w, KS_NAMESPACES, "",
				   J("{\"metadata\":{\"name\":\"demo\"}}"), NULL, &e),
			 ST_OK);
	/* The virtual clock runs ahead of the wall clock, so everything the
	 * controllers do happens at times the test chose. */
	f->t = ks_clock() + (virtual_clock ? 3600 : 0);
	sim_run_due(&f->w, f->t);
	pthread_mutex_unlock(&f->w.mu);
	return f;
}

static struct fx *fx_new(double speed, long nodes)
{
	return fx_new_clock(speed, nodes, true);
}

static void fx_free(struct fx *f)
{
	sim_free(&f->w);
	ks_world_free(&f->w);
	vec_free(&f->sc.pull_errors, NULL);
	free(f);
}

/* Move the virtual clock dt seconds on and let the controllers work. */
static void step(struct fx *f, double dt)
{
	f->t += dt;
	pthread_mutex_lock(&f->w.mu);
	sim_run_due(&f->w, f->t);
	pthread_mutex_unlock(&f->w.mu);
}

/* ---- looking at the world ---- */

/* A value by dotted path ("status.conditions.0.type"). */
static json_t *jp(json_t *j, const char *path)
{
	char buf[256];
	str_copy(buf, sizeof buf, path);
	for (char *seg = strtok(buf, "."); seg && j; seg = strtok(NULL, ".")) {
		long i;
		if (json_is_array(j) && str_to_long(seg, 0, 100000, &i))
			j = json_array_get(j, (size_t)i);
		else
			j = json_object_get(j, seg);
	}
	return j;
}

static long jl(json_t *j, const char *path)
{
	return (long)json_integer_value(jp(j, path));
}

static const char *js(json_t *j, const char *path)
{
	const char *s = json_string_value(jp(j, path));
	return s ? s : "";
}

static json_t *get(struct fx *f, enum ks_kind k, const char *name)
{
	struct ks_obj *o = ks_get(&f->w, k, "demo", name);
	return o ? o->json : NULL;
}

static json_t *cond(json_t *obj, const char *type)
{
	size_t i;
	json_t *c;
	json_array_foreach(jp(obj, "status.conditions"), i, c)
	{
		if (str_eq(js(c, "type"), type))
			return c;
	}
	return NULL;
}

/* Objects of kind k in demo whose controller is `owner` (NULL: all). */
static void owned(struct fx *f, enum ks_kind k, const char *owner, struct vec *out)
{
	struct vec all = VEC_INIT;
	ks_list(&f->w, k, "demo", &all);
	for (size_t i = 0; i < all.len; i++) {
		struct ks_obj *o = all.items[i];
		if (!owner || str_eq(js(o->json, "metadata.ownerReferences.0.name"), owner))
			vec_push(out, o);
	}
	vec_free(&all, NULL);
}

static size_t count_owned(struct fx *f, enum ks_kind k, const char *owner)
{
	struct vec v = VEC_INIT;
	owned(f, k, owner, &v);
	size_t n = v.len;
	vec_free(&v, NULL);
	return n;
}

/* The sum of `count` of the events with this reason whose message
 * contains `part` (NULL: any). */
static long events(struct fx *f, const char *reason, const char *part)
{
	struct vec v = VEC_INIT;
	ks_list(&f->w, KS_EVENTS, "demo", &v);
	long n = 0;
	for (size_t i = 0; i < v.len; i++) {
		struct ks_obj *o = v.items[i];
		if (str_eq(js(o->json, "reason"), reason) &&
		    (!part || strstr(js(o->json, "message"), part)))
			n += jl(o->json, "count");
	}
	vec_free(&v, NULL);
	return n;
}

/* kubectl rollout status's verdict: 0 waiting, 1 done, -1 deadline. */
static int rollout(json_t *d)
{
	long want = json_is_integer(jp(d, "spec.replicas")) ? jl(d, "spec.replicas") : 1;
	if (jl(d, "metadata.generation") > jl(d, "status.observedGeneration"))
		return 0;
	json_t *c = cond(d, "Progressing");
	if (c && str_eq(js(c, "reason"), "ProgressDeadlineExceeded"))
		return -1;
	if (jl(d, "status.updatedReplicas") < want)
		return 0;
	if (jl(d, "status.replicas") > jl(d, "status.updatedReplicas"))
		return 0;
	if (jl(d, "status.availableReplicas") < jl(d, "status.updatedReplicas"))
		return 0;
	return 1;
}

static void create(struct fx *f, enum ks_kind k, json_t *obj)
{
	struct err e;
	pthread_mutex_lock(&f->w.mu);
	enum status st = ks_create(&f->w, k, "demo", obj, NULL, &e);
	pthread_mutex_unlock(&f->w.mu);
	if (st != ST_OK)
		fail_msg("create: %s", e.msg);
}

/* Replace obj's value at `field` of `where` ("spec" or the template's
 * annotations), as a PATCH would. */
static void patch(struct fx *f, enum ks_kind k, const char *name,
		  const char *where, const char *field, json_t *v)
{
	pthread_mutex_lock(&f->w.mu);
	struct ks_obj *o = ks_get(&f->w, k, "demo", name);
	assert_non_null(o);
	json_t *j = ks_mutable(o);
	json_t *at = j;
	char buf[128];
	str_copy(buf, sizeof buf, where);
	for (char *seg = strtok(buf, "."); seg; seg = strtok(NULL, ".")) {
		json_t *n = json_object_get(at, seg);
		if (!n) {
			n = json_object();
			json_object_set_new(at, seg, n);
		}
		at = n;
	}
	json_object_set_new(at, field, v);
	assert_int_equal(ks_update(&f->w, o, j, NULL, NULL), ST_OK);
	pthread_mutex_unlock(&f->w.mu);
}

static void delete(struct fx *f, enum ks_kind k, const char *name)
{
	pthread_mutex_lock(&f->w.mu);
	struct ks_obj *o = ks_get(&f->w, k, "demo", name);
	assert_non_null(o);
	ks_delete(&f->w, o);
	pthread_mutex_unlock(&f->w.mu);
}

static json_t *deployment(const char *name, long replicas, const char *ann,
			  const char *extra_spec)
{
	return J("{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\","
		 "\"metadata\":{\"name\":\"%s\",\"labels\":{\"app\":\"%s\"}},"
		 "\"spec\":{\"replicas\":%ld,\"selector\":{\"matchLabels\":{\"app\":\"%s\"}},"
		 "\"template\":{\"metadata\":{\"labels\":{\"app\":\"%s\"},\"annotations\":{%s}},"
		 "\"spec\":{\"containers\":[{\"name\":\"web\",\"image\":\"nginx:1.25\"}]}}%s%s}}",
		 name, name, replicas, name, name, ann ? ann : "",
		 extra_spec ? "," : "", extra_spec ? extra_spec : "");
}

static const char *ann(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(jp(obj, "metadata.annotations"), key));
	return s ? s : "";
}

/* The deployment's ReplicaSet with this revision. */
static json_t *rs_rev(struct fx *f, const char *deploy, long rev)
{
	struct vec v = VEC_INIT;
	owned(f, KS_REPLICASETS, deploy, &v);
	json_t *found = NULL;
	char want[24];
	snprintf(want, sizeof want, "%ld", rev);
	for (size_t i = 0; i < v.len; i++) {
		struct ks_obj *o = v.items[i];
		if (str_eq(ann(o->json, "deployment.kubernetes.io/revision"), want))
			found = o->json;
	}
	vec_free(&v, NULL);
	return found;
}

/* Pods of an RS that are not terminating / all of them. */
static size_t live_pods(struct fx *f, const char *rs, bool ready_only)
{
	struct vec v = VEC_INIT;
	owned(f, KS_PODS, rs, &v);
	size_t n = 0;
	for (size_t i = 0; i < v.len; i++) {
		struct ks_obj *o = v.items[i];
		if (jp(o->json, "metadata.deletionTimestamp"))
			continue;
		if (ready_only && !str_eq(js(cond(o->json, "Ready"), "status"), "True"))
			continue;
		n++;
	}
	vec_free(&v, NULL);
	return n;
}

/* ---- tests ---- */

static void test_nodes(void **state)
{
	(void)state;
	struct fx *f = fx_new(1, 4);
	struct vec v = VEC_INIT;
	ks_list(&f->w, KS_NODES, NULL, &v);
	assert_int_equal(v.len, 4);
	json_t *n = ((struct ks_obj *)v.items[0])->json;
	assert_string_equal(js(n, "metadata.name"), "node-1");
	assert_string_equal(js(n, "status.nodeInfo.kubeletVersion"), "v1.32.0");
	assert_string_equal(js(cond(n, "Ready"), "status"), "True");
	assert_string_equal(js(n, "status.addresses.0.type"), "InternalIP");
	assert_true(str_has_prefix(js(n, "status.addresses.0.address"), "10.0.0."));
	assert_true(*js(n, "status.nodeInfo.osImage"));
	assert_true(*js(n, "status.nodeInfo.containerRuntimeVersion"));
	assert_true(*js(n, "status.nodeInfo.kernelVersion"));
	vec_free(&v, NULL);
	fx_free(f);
}

static void test_no_nodes(void **state)
{
	(void)state;
	struct fx *f = fx_new(1, 0);
	assert_int_equal(f->w.objs[KS_NODES].len, 0);
	create(f, KS_DEPLOYMENTS, deployment("web", 2, NULL, NULL));
	step(f, 0);
	step(f, 30);
	struct vec v = VEC_INIT;
	owned(f, KS_PODS, NULL, &v);
	assert_int_equal(v.len, 2);
	json_t *p = ((struct ks_obj *)v.items[0])->json;
	assert_string_equal(js(p, "status.phase"), "Pending");
	assert_null(jp(p, "spec.nodeName"));
	assert_string_equal(js(cond(p, "PodScheduled"), "status"), "False");
	assert_string_equal(js(cond(p, "PodScheduled"), "reason"), "Unschedulable");
	vec_free(&v, NULL);
	assert_int_equal(events(f, "FailedScheduling", "no nodes available to schedule pods"), 2);
	assert_int_equal(rollout(get(f, KS_DEPLOYMENTS, "web")), 0);
	fx_free(f);
}

static void test_deployment_creates_and_settles(void **state)
{
	(void)state;
	struct fx *f = fx_new(1, 3);
	create(f, KS_DEPLOYMENTS, deployment("web", 3, NULL, NULL));
	step(f, 0);

	struct vec v = VEC_INIT;
	owned(f, KS_REPLICASETS, "web", &v);
	assert_int_equal(v.len, 1);
	json_t *rs = ((struct ks_obj *)v.items[0])->json;
	vec_free(&v, NULL);
	const char *rsname = js(rs, "metadata.name");
	const char *hash = js(rs, "metadata.labels.pod-template-hash");
	assert_int_equal(strlen(hash), 10);
	assert_int_equal(strspn(hash, "bcdfghjklmnpqrstvwxz2456789"), 10);
	char want[64];
	snprintf(want, sizeof want, "web-%s", hash);
	assert_string_equal(rsname, want);
	assert_string_equal(js(rs, "spec.selector.matchLabels.pod-template-hash"), hash);
	assert_string_equal(js(rs, "spec.template.metadata.labels.pod-template-hash"), hash);
	assert_string_equal(ann(rs, "deployment.kubernetes.io/revision"), "1");
	assert_string_equal(ann(rs, "deployment.kubernetes.io/desired-replicas"), "3");
	assert_string_equal(ann(rs, "deployment.kubernetes.io/max-replicas"), "4");
	assert_true(json_is_true(jp(rs, "metadata.ownerReferences.0.controller")));
	assert_true(json_is_true(jp(rs, "metadata.ownerReferences.0.blockOwnerDeletion")));
	assert_string_equal(js(rs, "metadata.ownerReferences.0.kind"), "Deployment");

	char msg[128];
	snprintf(msg, sizeof msg, "Scaled up replica set %s from 0 to 3", want);
	assert_int_equal(events(f, "ScalingReplicaSet", msg), 1);
	assert_int_equal(events(f, "SuccessfulCreate", "Created pod: web-"), 3);
	assert_int_equal(count_owned(f, KS_PODS, want), 3);
	assert_int_equal(rollout(get(f, KS_DEPLOYMENTS, "web")), 0);

	/* The pods are scheduled round robin and wait for their images. */
	owned(f, KS_PODS, want, &v);
	json_t *pod = ((struct ks_obj *)v.items[0])->json;
	assert_string_equal(js(pod, "status.phase"), "Pending");
	assert_true(str_has_prefix(js(pod, "spec.nodeName"), "node-"));
	assert_string_equal(js(pod, "spec.schedulerName"), "default-scheduler");
	assert_string_equal(js(pod, "spec.restartPolicy"), "Always");
	assert_string_equal(js(pod, "metadata.labels.pod-template-hash"), hash);
	assert_string_equal(js(pod, "metadata.ownerReferences.0.name"), want);
	assert_string_equal(js(pod, "status.containerStatuses.0.state.waiting.reason"),
			    "ContainerCreating");
	assert_string_equal(js(cond(pod, "PodScheduled"), "status"), "True");
	char sched[128];
	snprintf(sched, sizeof sched, "Successfully assigned demo/%s to node-",
		 js(pod, "metadata.name"));
	assert_int_equal(events(f, "Scheduled", sched), 1);
	assert_int_equal(events(f, "Pulling", "Pulling image \"nginx:1.25\""), 3);
	vec_free(&v, NULL);

	/* After start-after (1 s) the containers run; ready 0.5 s later. */
	step(f, 1.2);
	owned(f, KS_PODS, want, &v);
	pod = ((struct ks_obj *)v.items[0])->json;
	assert_string_equal(js(pod, "status.phase"), "Running");
	assert_non_null(jp(pod, "status.containerStatuses.0.state.running.startedAt"));
	assert_true(json_is_true(jp(pod, "status.containerStatuses.0.started")));
	assert_false(json_is_true(jp(pod, "status.containerStatuses.0.ready")));
	assert_true(str_has_prefix(js(pod, "status.podIP"), "10.2"));
	assert_true(str_has_prefix(js(pod, "status.hostIP"), "10.0.0."));
	assert_non_null(jp(pod, "status.startTime"));
	assert_true(str_has_prefix(js(pod, "status.containerStatuses.0.containerID"), "containerd://"));
	vec_free(&v, NULL);
	assert_int_equal(events(f, "Pulled", "Successfully pulled image \"nginx:1.25\""), 3);
	assert_int_equal(events(f, "Created", "Created container: web"), 3);
	assert_int_equal(events(f, "Started", "Started container web"), 3);

	step(f, 0.5);
	owned(f, KS_PODS, want, &v);
	pod = ((struct ks_obj *)v.items[0])->json;
	assert_string_equal(js(cond(pod, "Ready"), "status"), "True");
	assert_string_equal(js(cond(pod, "ContainersReady"), "status"), "True");
	assert_true(json_is_true(jp(pod, "status.containerStatuses.0.ready")));
	vec_free(&v, NULL);

	json_t *d = get(f, KS_DEPLOYMENTS, "web");
	assert_int_equal(rollout(d), 1);
	assert_int_equal(jl(d, "status.observedGeneration"), 1);
	assert_int_equal(jl(d, "status.replicas"), 3);
	assert_int_equal(jl(d, "status.updatedReplicas"), 3);
	assert_int_equal(jl(d, "status.readyReplicas"), 3);
	assert_int_equal(jl(d, "status.availableReplicas"), 3);
	assert_null(jp(d, "status.unavailableReplicas"));
	assert_string_equal(ann(d, "deployment.kubernetes.io/revision"), "1");
	assert_string_equal(js(cond(d, "Available"), "reason"), "MinimumReplicasAvailable");
	json_t *pc = cond(d, "Progressing");
	assert_string_equal(js(pc, "reason"), "NewReplicaSetAvailable");
	assert_string_equal(js(pc, "status"), "True");
	snprintf(msg, sizeof msg, "ReplicaSet \"%s\" has successfully progressed.", want);
	assert_string_equal(js(pc, "message"), msg);
	/* Progressing changed last, so it comes last, as on a cluster. */
	assert_string_equal(js(d, "status.conditions.1.type"), "Progressing");
	rs = get(f, KS_REPLICASETS, want);
	assert_int_equal(jl(rs, "status.replicas"), 3);
	assert_int_equal(jl(rs, "status.readyReplicas"), 3);
	assert_int_equal(jl(rs, "status.availableReplicas"), 3);
	assert_int_equal(jl(rs, "status.fullyLabeledReplicas"), 3);
	assert_int_equal(jl(rs, "status.observedGeneration"), 1);

	/* Settled: no more writes, no timers. */
	uint64_t rv = f->w.rv;
	step(f, 30);
	assert_int_equal(f->w.rv, rv);
	struct sim_stats st;
	sim_stats(&f->w, &st);
	assert_int_equal(st.timers, 0);
	assert_int_equal(st.pods, 3);
	fx_free(f);
}

/* Roll web from its first template to a second one, stepping in small
 * time steps; at every step the rolling update's bounds hold. */
static void roll_and_check(struct fx *f, const char *name, long replicas,
			   long surge, long unavail, const char *old_rs)
{
	char stamp[64];
	snprintf(stamp, sizeof stamp, "2026-01-01T00:00:%02d Z", (int)(f->t) % 60);
	patch(f, KS_DEPLOYMENTS, name, "spec.template.metadata.annotations",
	      "kubectl.kubernetes.io/restartedAt", json_string(stamp));
	json_t *d = get(f, KS_DEPLOYMENTS, name);
	assert_int_equal(jl(d, "metadata.generation"), 2);
	assert_int_equal(rollout(d), 0);
	bool saw_terminating = false;
	for (int i = 0; i < 400 && rollout(get(f, KS_DEPLOYMENTS, name)) != 1; i++) {
		step(f, 0.1);
		struct vec rss = VEC_INIT;
		owned(f, KS_REPLICASETS, name, &rss);
		long spec_sum = 0, ready = 0, live = 0;
		for (size_t r = 0; r < rss.len; r++) {
			json_t *rs = ((struct ks_obj *)rss.items[r])->json;
			spec_sum += jl(rs, "spec.replicas");
			ready += (long)live_pods(f, js(rs, "metadata.name"), true);
			live += (long)live_pods(f, js(rs, "metadata.name"), false);
		}
		vec_free(&rss, NULL);
		assert_true(spec_sum <= replicas + surge);
		assert_true(live <= replicas + surge);
		assert_true(ready >= replicas - unavail);
		if (count_owned(f, KS_PODS, old_rs) > (size_t)live_pods(f, old_rs, false))
			saw_terminating = true;
	}
	d = get(f, KS_DEPLOYMENTS, name);
	assert_int_equal(rollout(d), 1);
	assert_true(saw_terminating);
	assert_string_equal(ann(d, "deployment.kubernetes.io/revision"), "2");
	json_t *nrs = rs_rev(f, name, 2);
	assert_non_null(nrs);
	assert_int_equal(jl(nrs, "spec.replicas"), replicas);
	assert_int_equal(jl(get(f, KS_REPLICASETS, old_rs), "spec.replicas"), 0);
	assert_string_equal(js(cond(d, "Progressing"), "reason"), "NewReplicaSetAvailable");
	/* The old pods go away a moment later. */
	step(f, 2);
	assert_int_equal(count_owned(f, KS_PODS, old_rs), 0);
}

static void test_rollout_restart(void **state)
{
	(void)state;
	struct fx *f = fx_new(1, 3);
	create(f, KS_DEPLOYMENTS, deployment("web", 3, NULL, NULL));
	step(f, 0);
	step(f, 3);
	char old[64];
	str_copy(old, sizeof old, js(rs_rev(f, "web", 1), "metadata.name"));
	/* 3 replicas, 25 %: surge 1, unavailable 0. */
	roll_and_check(f, "web", 3, 1, 0, old);
	const char *nname = js(rs_rev(f, "web", 2), "metadata.name");
	char msg[128];
	snprintf(msg, sizeof msg, "Scaled up replica set %s from 0 to 1", nname);
	assert_int_equal(events(f, "ScalingReplicaSet", msg), 1);
	snprintf(msg, sizeof msg, "Scaled down replica set %s from 3 to 2", old);
	assert_int_equal(events(f, "ScalingReplicaSet", msg), 1);
	snprintf(msg, sizeof msg, "Scaled down replica set %s from 1 to 0", old);
	assert_int_equal(events(f, "ScalingReplicaSet", msg), 1);
	assert_int_equal(events(f, "Killing", "Stopping container web"), 3);
	assert_int_equal(events(f, "SuccessfulDelete", "Deleted pod: "), 3);
	/* The new ReplicaSet carries the restartedAt annotation in its
	 * template; the old one still exists for rollout history. */
	assert_non_null(jp(rs_rev(f, "web", 2), "spec.template.metadata.annotations"));
	assert_int_equal(count_owned(f, KS_REPLICASETS, "web"), 2);
	fx_free(f);
}

static void test_rollout_bigger_surge(void **state)
{
	(void)state;
	struct fx *f = fx_new(1, 3);
	/* 10 replicas, maxSurge 3, maxUnavailable 2 */
	create(f, KS_DEPLOYMENTS,
	       deployment("api", 10, NULL,
			  "\"strategy\":{\"type\":\"RollingUpdate\",\"rollingUpdate\":"
			  "{\"maxSurge\":3,\"maxUnavailable\":\"20%\"}}"));
	step(f, 0);
	step(f, 3);
	assert_int_equal(rollout(get(f, KS_DEPLOYMENTS, "api")), 1);
	char old[64];
	str_copy(old, sizeof old, js(rs_rev(f, "api", 1), "metadata.name"));
	roll_and_check(f, "api", 10, 3, 2, old);
	/* The first step takes the surge at once and the unavailable
	 * budget from the old set. */
	char msg[128];
	snprintf(msg, sizeof msg, "Scaled up replica set %s from 0 to 3",
		 js(rs_rev(f, "api", 2), "metadata.name"));
	assert_int_equal(events(f, "ScalingReplicaSet", msg), 1);
	snprintf(msg, sizeof msg, "Scaled down replica set %s from 10 to 8", old);
	assert_int_equal(events(f, "ScalingReplicaSet", msg), 1);
	fx_free(f);
}

static void test_scale(void **state)
{
	(void)state;
	struct fx *f = fx_new(1, 3);
	create(f, KS_DEPLOYMENTS, deployment("web", 2, NULL, NULL));
	step(f, 0);
	step(f, 3);
	json_t *rs = rs_rev(f, "web", 1);
	char name[64];
	str_copy(name, sizeof name, js(rs, "metadata.name"));

	patch(f, KS_DEPLOYMENTS, "web", "spec", "replicas", json_integer(5));
	step(f, 0);
	rs = get(f, KS_REPLICASETS, name);
	assert_int_equal(jl(rs, "spec.replicas"), 5);
	assert_string_equal(ann(rs, "deployment.kubernetes.io/desired-replicas"), "5");
	assert_string_equal(ann(rs, "deployment.kubernetes.io/max-replicas"), "7");
	char msg[128];
	snprintf(msg, sizeof msg, "Scaled up replica set %s from 2 to 5", name);
	assert_int_equal(events(f, "ScalingReplicaSet", msg), 1);
	assert_int_equal(count_owned(f, KS_PODS, name), 5);
	assert_int_equal(rollout(get(f, KS_DEPLOYMENTS, "web")), 0);
	step(f, 3);
	assert_int_equal(rollout(get(f, KS_DEPLOYMENTS, "web")), 1);
	assert_int_equal(jl(get(f, KS_DEPLOYMENTS, "web"), "status.availableReplicas"), 5);
	/* Scaling does not roll: still one ReplicaSet, revision 1. */
	assert_int_equal(count_owned(f, KS_REPLICASETS, "web"), 1);

	patch(f, KS_DEPLOYMENTS, "web", "spec", "replicas", json_integer(1));
	step(f, 0);
	snprintf(msg, sizeof msg, "Scaled down replica set %s from 5 to 1", name);
	assert_int_equal(events(f, "ScalingReplicaSet", msg), 1);
	assert_int_equal(live_pods(f, name, false), 1);
	assert_int_equal(count_owned(f, KS_PODS, name), 5); /* 4 terminating */
	assert_int_equal(jl(get(f, KS_REPLICASETS, name), "status.replicas"), 1);
	step(f, 2);
	assert_int_equal(count_owned(f, KS_PODS, name), 1);
	assert_int_equal(rollout(get(f, KS_DEPLOYMENTS, "web")), 1);

	/* Scale to zero: no pods, the deployment still complete. */
	patch(f, KS_DEPLOYMENTS, "web", "spec", "replicas", json_integer(0));
	step(f, 0);
	step(f, 2);
	assert_int_equal(count_owned(f, KS_PODS, name), 0);
	json_t *d = get(f, KS_DEPLOYMENTS, "web");
	assert_null(jp(d, "status.replicas"));
	assert_int_equal(rollout(d), 1);
	fx_free(f);
}

static void test_paused(void **state)
{
	(void)state;
	struct fx *f = fx_new(1, 3);
	create(f, KS_DEPLOYMENTS, deployment("web", 2, NULL, NULL));
	step(f, 0);
	step(f, 3);
	patch(f, KS_DEPLOYMENTS, "web", "spec", "paused", json_true());
	step(f, 0);
	json_t *d = get(f, KS_DEPLOYMENTS, "web");
	assert_string_equal(js(cond(d, "Progressing"), "reason"), "DeploymentPaused");
	assert_string_equal(js(cond(d, "Progressing"), "status"), "Unknown");
	patch(f, KS_DEPLOYMENTS, "web", "spec.template.metadata.annotations", "x",
	      json_string("y"));
	step(f, 5);
	assert_int_equal(count_owned(f, KS_REPLICASETS, "web"), 1);
	d = get(f, KS_DEPLOYMENTS, "web");
	assert_int_equal(jl(d, "status.observedGeneration"), jl(d, "metadata.generation"));
	/* Resuming rolls it. */
	patch(f, KS_DEPLOYMENTS, "web", "spec", "paused", json_false());
	step(f, 0);
	assert_int_equal(count_owned(f, KS_REPLICASETS, "web"), 2);
	for (int i = 0; i < 100 && rollout(get(f, KS_DEPLOYMENTS, "web")) != 1; i++)
		step(f, 0.25);
	assert_int_equal(rollout(get(f, KS_DEPLOYMENTS, "web")), 1);
	fx_free(f);
}

static void test_recreate(void **state)
{
	(void)state;
	struct fx *f = fx_new(1, 3);
	create(f, KS_DEPLOYMENTS, deployment("db", 2, NULL, "\"strategy\":{\"type\":\"Recreate\"}"));
	step(f, 0);
	step(f, 3);
	char old[64];
	str_copy(old, sizeof old, js(rs_rev(f, "db", 1), "metadata.name"));
	patch(f, KS_DEPLOYMENTS, "db", "spec.template.metadata.annotations", "v",
	      json_string("2"));
	step(f, 0);
	/* Old pods first, all of them; no new ReplicaSet while they live. */
	assert_int_equal(jl(get(f, KS_REPLICASETS, old), "spec.replicas"), 0);
	assert_int_equal(count_owned(f, KS_REPLICASETS, "db"), 1);
	assert_int_equal(count_owned(f, KS_PODS, old), 2);
	step(f, 0.6);
	assert_int_equal(count_owned(f, KS_REPLICASETS, "db"), 1);
	step(f, 0.6);
	assert_int_equal(count_owned(f, KS_PODS, old), 0);
	assert_int_equal(count_owned(f, KS_REPLICASETS, "db"), 2);
	json_t *nrs = rs_rev(f, "db", 2);
	assert_int_equal(jl(nrs, "spec.replicas"), 2);
	step(f, 3);
	assert_int_equal(rollout(get(f, KS_DEPLOYMENTS, "db")), 1);
	fx_free(f);
}

static void test_never_ready_deadline(void **state)
{
	(void)state;
	struct fx *f = fx_new(1, 3);
	create(f, KS_DEPLOYMENTS,
	       deployment("web", 2, "\"" KS_ANN_NEVER_READY "\":\"true\"",
			  "\"progressDeadlineSeconds\":30"));
	step(f, 0);
	step(f, 5);
	json_t *d = get(f, KS_DEPLOYMENTS, "web");
	assert_int_equal(rollout(d), 0);
	assert_string_equal(js(cond(d, "Available"), "status"), "False");
	assert_string_equal(js(cond(d, "Available"), "reason"), "MinimumReplicasUnavailable");
	assert_int_equal(jl(d, "status.unavailableReplicas"), 2);
	assert_string_equal(js(cond(d, "Progressing"), "status"), "True");
	step(f, 20);
	assert_int_equal(rollout(get(f, KS_DEPLOYMENTS, "web")), 0);
	assert_true(events(f, "Unhealthy", "Readiness probe failed") >= 2);
	step(f, 10);
	d = get(f, KS_DEPLOYMENTS, "web");
	assert_int_equal(rollout(d), -1);
	json_t *pc = cond(d, "Progressing");
	assert_string_equal(js(pc, "status"), "False");
	assert_string_equal(js(pc, "reason"), "ProgressDeadlineExceeded");
	assert_true(strstr(js(pc, "message"), "has timed out progressing."));
	/* Fixing the template rolls on and completes. */
	patch(f, KS_DEPLOYMENTS, "web", "spec.template.metadata", "annotations", json_object());
	for (int i = 0; i < 100 && rollout(get(f, KS_DEPLOYMENTS, "web")) != 1; i++)
		step(f, 0.25);
	d = get(f, KS_DEPLOYMENTS, "web");
	assert_int_equal(rollout(d), 1);
	assert_string_equal(js(cond(d, "Progressing"), "reason"), "NewReplicaSetAvailable");
	fx_free(f);
}

static void test_stalled_rollout_keeps_old(void **state)
{
	(void)state;
	struct fx *f = fx_new(1, 3);
	create(f, KS_DEPLOYMENTS, deployment("web", 4, NULL, NULL));
	step(f, 0);
	step(f, 3);
	char old[64];
	str_copy(old, sizeof old, js(rs_rev(f, "web", 1), "metadata.name"));
	patch(f, KS_DEPLOYMENTS, "web", "spec.template.metadata.annotations",
	      KS_ANN_PULL_ERROR, json_string("true"));
	step(f, 0);
	step(f, 60);
	/* 4 replicas: surge 1, unavailable 1; the new pods never pull, so
	 * 3 old ones keep serving. */
	assert_int_equal(live_pods(f, old, true), 3);
	json_t *nrs = rs_rev(f, "web", 2);
	assert_int_equal(jl(nrs, "spec.replicas"), 2);
	assert_int_equal(rollout(get(f, KS_DEPLOYMENTS, "web")), 0);
	struct vec v = VEC_INIT;
	owned(f, KS_PODS, js(nrs, "metadata.name"), &v);
	assert_int_equal(v.len, 2);
	const char *reason = js(((struct ks_obj *)v.items[0])->json,
				"status.containerStatuses.0.state.waiting.reason");
	assert_true(!strcmp(reason, "ErrImagePull") || !strcmp(reason, "ImagePullBackOff"));
	vec_free(&v, NULL);
	step(f, 600);
	assert_int_equal(rollout(get(f, KS_DEPLOYMENTS, "web")), -1);
	fx_free(f);
}

static json_t *pod(const char *name, const char *ann, const char *restart,
		   const char *image)
{
	return J("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"%s\","
		 "\"annotations\":{%s}},\"spec\":{\"restartPolicy\":\"%s\","
		 "\"containers\":[{\"name\":\"app\",\"image\":\"%s\"}]}}",
		 name, ann ? ann : "", restart, image);
}

static void test_crash_loop(void **state)
{
	(void)state;
	struct fx *f = fx_new(1, 3);
	create(f, KS_PODS, pod("fraud", "\"" KS_ANN_CRASH_AFTER "\":\"2\"", "Always", "fraud:2"));
	double t0 = f->t;
	step(f, 0);
	step(f, 1.5);
	json_t *p = get(f, KS_PODS, "fraud");
	assert_string_equal(js(p, "status.phase"), "Running");
	assert_int_equal(jl(p, "status.containerStatuses.0.restartCount"), 0);
	/* Started at t0+1, crashes at t0+3. */
	f->t = t0 + 3.01;
	step(f, 0);
	p = get(f, KS_PODS, "fraud");
	assert_int_equal(jl(p, "status.containerStatuses.0.restartCount"), 1);
	assert_string_equal(js(p, "status.containerStatuses.0.state.waiting.reason"),
			    "CrashLoopBackOff");
	assert_true(strstr(js(p, "status.containerStatuses.0.state.waiting.message"),
			   "back-off 10s restarting failed container=app pod=fraud_demo("));
	assert_int_equal(jl(p, "status.containerStatuses.0.lastState.terminated.exitCode"), 1);
	assert_string_equal(js(p, "status.containerStatuses.0.lastState.terminated.reason"), "Error");
	assert_non_null(jp(p, "status.containerStatuses.0.lastState.terminated.startedAt"));
	assert_non_null(jp(p, "status.containerStatuses.0.lastState.terminated.finishedAt"));
	assert_false(json_is_true(jp(p, "status.containerStatuses.0.ready")));
	assert_string_equal(js(cond(p, "Ready"), "status"), "False");
	char msg[160];
	snprintf(msg, sizeof msg, "Back-off restarting failed container app in pod fraud_demo(%s)",
		 js(p, "metadata.uid"));
	assert_int_equal(events(f, "BackOff", msg), 1);

	/* Back-off 10 s: restarts at t0+13, crashes at t0+15, then 20 s. */
	f->t = t0 + 12.9;
	step(f, 0);
	assert_string_equal(js(get(f, KS_PODS, "fraud"), "status.containerStatuses.0.state.waiting.reason"),
			    "CrashLoopBackOff");
	f->t = t0 + 13.1;
	step(f, 0);
	p = get(f, KS_PODS, "fraud");
	assert_non_null(jp(p, "status.containerStatuses.0.state.running"));
	assert_int_equal(jl(p, "status.containerStatuses.0.restartCount"), 1);
	assert_int_equal(events(f, "Pulled", "already present on machine"), 1);
	f->t = t0 + 15.1;
	step(f, 0);
	p = get(f, KS_PODS, "fraud");
	assert_int_equal(jl(p, "status.containerStatuses.0.restartCount"), 2);
	assert_true(strstr(js(p, "status.containerStatuses.0.state.waiting.message"), "back-off 20s"));
	assert_int_equal(events(f, "BackOff", msg), 2);
	f->t = t0 + 34.9;
	step(f, 0);
	assert_string_equal(js(get(f, KS_PODS, "fraud"), "status.containerStatuses.0.state.waiting.reason"),
			    "CrashLoopBackOff");
	f->t = t0 + 35.2;
	step(f, 0);
	assert_non_null(jp(get(f, KS_PODS, "fraud"), "status.containerStatuses.0.state.running"));
	/* Capped at 5 minutes. */
	step(f, 3600);
	p = get(f, KS_PODS, "fraud");
	assert_true(jl(p, "status.containerStatuses.0.restartCount") >= 10);
	assert_true(jl(p, "status.containerStatuses.0.restartCount") <= 20);
	assert_true(events(f, "BackOff", msg) >= 10);
	fx_free(f);
}

static void test_pull_errors(void **state)
{
	(void)state;
	struct fx *f = fx_new(1, 3);
	vec_push(&f->sc.pull_errors, "registry.bad/*");
	create(f, KS_PODS, pod("p1", NULL, "Always", "registry.bad/app:1"));
	create(f, KS_PODS, pod("p2", "\"" KS_ANN_PULL_ERROR "\":\"true\"", "Always", "nginx"));
	create(f, KS_PODS, pod("p3", NULL, "Always", "registry.good/app:1"));
	step(f, 0);
	step(f, 1.1);
	for (int i = 0; i < 2; i++) {
		json_t *p = get(f, KS_PODS, i ? "p2" : "p1");
		assert_string_equal(js(p, "status.phase"), "Pending");
		assert_string_equal(js(p, "status.containerStatuses.0.state.waiting.reason"), "ErrImagePull");
	}
	assert_string_equal(js(get(f, KS_PODS, "p3"), "status.phase"), "Running");
	assert_int_equal(events(f, "Failed", "Failed to pull image \"registry.bad/app:1\""), 1);
	assert_int_equal(events(f, "Failed", "Error: ErrImagePull"), 2);
	step(f, 2);
	json_t *p = get(f, KS_PODS, "p1");
	assert_string_equal(js(p, "status.containerStatuses.0.state.waiting.reason"), "ImagePullBackOff");
	assert_int_equal(events(f, "BackOff", "Back-off pulling image \"registry.bad/app:1\""), 1);
	assert_int_equal(events(f, "Failed", "Error: ImagePullBackOff"), 2);
	/* Retries after the back-off: ErrImagePull again, counts rise. */
	step(f, 10);
	assert_string_equal(js(get(f, KS_PODS, "p1"), "status.containerStatuses.0.state.waiting.reason"),
			    "ErrImagePull");
	assert_int_equal(events(f, "Failed", "Failed to pull image \"registry.bad/app:1\""), 2);
	step(f, 120);
	assert_string_equal(js(get(f, KS_PODS, "p1"), "status.phase"), "Pending");
	fx_free(f);
}

static json_t *job(const char *name, const char *ann, long backoff)
{
	char bl[40] = "";
	if (backoff >= 0)
		snprintf(bl, sizeof bl, "\"backoffLimit\":%ld,", backoff);
	return J("{\"apiVersion\":\"batch/v1\",\"kind\":\"Job\",\"metadata\":{\"name\":\"%s\"},"
		 "\"spec\":{%s\"template\":{\"metadata\":{\"annotations\":{%s}},\"spec\":{"
		 "\"restartPolicy\":\"Never\",\"containers\":[{\"name\":\"%s\",\"image\":\"busybox\"}]}}}}",
		 name, bl, ann ? ann : "", name);
}

static void test_job_completes(void **state)
{
	(void)state;
	struct fx *f = fx_new(1, 3);
	/* As `kubectl create -f job.yaml`: no sim annotations. */
	create(f, KS_JOBS, job("migrate", NULL, -1));
	step(f, 0);
	struct vec v = VEC_INIT;
	owned(f, KS_PODS, "migrate", &v);
	assert_int_equal(v.len, 1);
	json_t *p = ((struct ks_obj *)v.items[0])->json;
	char pname[64];
	str_copy(pname, sizeof pname, js(p, "metadata.name"));
	vec_free(&v, NULL);
	assert_true(str_has_prefix(pname, "migrate-"));
	assert_int_equal(strlen(pname), strlen("migrate-") + 5);
	assert_string_equal(js(p, "metadata.labels.job-name"), "migrate");
	assert_string_equal(json_string_value(json_object_get(jp(p, "metadata.labels"),
							      "batch.kubernetes.io/job-name")),
			    "migrate");
	assert_non_null(json_object_get(jp(p, "metadata.labels"), "controller-uid"));
	assert_string_equal(js(p, "spec.restartPolicy"), "Never");
	json_t *j = get(f, KS_JOBS, "migrate");
	assert_int_equal(jl(j, "status.active"), 1);
	assert_non_null(jp(j, "status.startTime"));
	assert_null(cond(j, "Complete"));
	char msg[80];
	snprintf(msg, sizeof msg, "Created pod: %s", pname);
	assert_int_equal(events(f, "SuccessfulCreate", msg), 1);

	step(f, 2);
	assert_null(cond(get(f, KS_JOBS, "migrate"), "Complete"));
	step(f, 1.5); /* start 1 s + run 2 s */
	p = get(f, KS_PODS, pname);
	assert_string_equal(js(p, "status.phase"), "Succeeded");
	assert_string_equal(js(p, "status.containerStatuses.0.state.terminated.reason"), "Completed");
	assert_int_equal(jl(p, "status.containerStatuses.0.state.terminated.exitCode"), 0);
	j = get(f, KS_JOBS, "migrate");
	assert_string_equal(js(cond(j, "Complete"), "status"), "True");
	assert_string_equal(js(cond(j, "SuccessCriteriaMet"), "status"), "True");
	assert_string_equal(js(j, "status.conditions.0.type"), "SuccessCriteriaMet");
	assert_int_equal(jl(j, "status.succeeded"), 1);
	assert_null(jp(j, "status.active"));
	assert_non_null(jp(j, "status.completionTime"));
	assert_int_equal(events(f, "Completed", "Job completed"), 1);
	/* Done is done. */
	uint64_t rv = f->w.rv;
	step(f, 60);
	assert_int_equal(f->w.rv, rv);
	assert_int_equal(count_owned(f, KS_PODS, "migrate"), 1);
	fx_free(f);
}

static void test_job_fails(void **state)
{
	(void)state;
	struct fx *f = fx_new(1, 3);
	create(f, KS_JOBS, job("bad", "\"" KS_ANN_EXIT_AFTER "\":\"1\",\"" KS_ANN_EXIT_CODE "\":\"1\"", 2));
	step(f, 0);
	for (int i = 0; i < 40 && !cond(get(f, KS_JOBS, "bad"), "Failed"); i++)
		step(f, 0.5);
	json_t *j = get(f, KS_JOBS, "bad");
	assert_string_equal(js(cond(j, "Failed"), "status"), "True");
	assert_string_equal(js(cond(j, "Failed"), "reason"), "BackoffLimitExceeded");
	assert_string_equal(js(cond(j, "FailureTarget"), "reason"), "BackoffLimitExceeded");
	assert_string_equal(js(cond(j, "Failed"), "message"), "Job has reached the specified backoff limit");
	assert_int_equal(jl(j, "status.failed"), 3);
	assert_int_equal(count_owned(f, KS_PODS, "bad"), 3);
	struct vec v = VEC_INIT;
	owned(f, KS_PODS, "bad", &v);
	for (size_t i = 0; i < v.len; i++) {
		json_t *p = ((struct ks_obj *)v.items[i])->json;
		assert_string_equal(js(p, "status.phase"), "Failed");
		assert_string_equal(js(p, "status.containerStatuses.0.state.terminated.reason"), "Error");
	}
	vec_free(&v, NULL);
	assert_int_equal(events(f, "BackoffLimitExceeded", "Job has reached the specified backoff limit"), 1);
	step(f, 30);
	assert_int_equal(count_owned(f, KS_PODS, "bad"), 3);
	fx_free(f);
}

static void test_garbage_collection(void **state)
{
	(void)state;
	struct fx *f = fx_new(1, 3);
	create(f, KS_DEPLOYMENTS, deployment("web", 3, NULL, NULL));
	create(f, KS_JOBS, job("once", NULL, -1));
	step(f, 0);
	step(f, 3);
	char rs[64];
	str_copy(rs, sizeof rs, js(rs_rev(f, "web", 1), "metadata.name"));
	delete(f, KS_DEPLOYMENTS, "web");
	delete(f, KS_JOBS, "once");
	step(f, 0);
	assert_null(get(f, KS_REPLICASETS, rs));
	/* The pods terminate gracefully, then go. */
	struct vec v = VEC_INIT;
	owned(f, KS_PODS, rs, &v);
	assert_int_equal(v.len, 3);
	for (size_t i = 0; i < v.len; i++)
		assert_non_null(jp(((struct ks_obj *)v.items[i])->json, "metadata.deletionTimestamp"));
	vec_free(&v, NULL);
	step(f, 1.5);
	assert_int_equal(count_owned(f, KS_PODS, NULL), 0);
	struct sim_stats st;
	sim_stats(&f->w, &st);
	assert_int_equal(st.pods, 0);
	assert_int_equal(st.owners, 0);
	fx_free(f);
}

static void test_pod_deleted_is_replaced(void **state)
{
	(void)state;
	struct fx *f = fx_new(1, 3);
	create(f, KS_DEPLOYMENTS, deployment("web", 2, NULL, NULL));
	step(f, 0);
	step(f, 3);
	char rs[64];
	str_copy(rs, sizeof rs, js(rs_rev(f, "web", 1), "metadata.name"));
	struct vec v = VEC_INIT;
	owned(f, KS_PODS, rs, &v);
	char victim[80];
	str_copy(victim, sizeof victim, ((struct ks_obj *)v.items[0])->name);
	vec_free(&v, NULL);
	/* kubectl delete pod: the HTTP layer removes it at once. */
	delete(f, KS_PODS, victim);
	step(f, 0);
	assert_int_equal(count_owned(f, KS_PODS, rs), 2);
	assert_null(get(f, KS_PODS, victim));
	/* kubectl rollout status would wait for the replacement. */
	assert_int_equal(rollout(get(f, KS_DEPLOYMENTS, "web")), 0);
	assert_int_equal(jl(get(f, KS_DEPLOYMENTS, "web"), "status.availableReplicas"), 1);
	step(f, 2);
	assert_int_equal(rollout(get(f, KS_DEPLOYMENTS, "web")), 1);
	assert_int_equal(jl(get(f, KS_DEPLOYMENTS, "web"), "status.availableReplicas"), 2);

	/* Someone sets deletionTimestamp: the kubelet stops it. */
	owned(f, KS_PODS, rs, &v);
	str_copy(victim, sizeof victim, ((struct ks_obj *)v.items[0])->name);
	vec_free(&v, NULL);
	patch(f, KS_PODS, victim, "metadata", "deletionTimestamp",
	      json_string("2030-01-01T00:00:00Z"));
	step(f, 0);
	assert_int_equal(events(f, "Killing", "Stopping container web"), 1);
	assert_non_null(get(f, KS_PODS, victim));
	step(f, 1.1);
	assert_null(get(f, KS_PODS, victim));
	step(f, 2);
	assert_int_equal(live_pods(f, rs, true), 2);
	fx_free(f);
}

static void test_rollback_and_history(void **state)
{
	(void)state;
	struct fx *f = fx_new(1, 3);
	create(f, KS_DEPLOYMENTS, deployment("web", 1, NULL, "\"revisionHistoryLimit\":1"));
	step(f, 0);
	step(f, 3);
	char first[64];
	str_copy(first, sizeof first, js(rs_rev(f, "web", 1), "metadata.name"));
	for (int rev = 2; rev <= 3; rev++) {
		patch(f, KS_DEPLOYMENTS, "web", "spec.template.metadata.annotations", "v",
		      json_integer(rev));
		for (int i = 0; i < 100 && rollout(get(f, KS_DEPLOYMENTS, "web")) != 1; i++)
			step(f, 0.25);
		step(f, 2);
	}
	/* History limit 1: the newest old one stays, the first is gone. */
	assert_null(get(f, KS_REPLICASETS, first));
	assert_int_equal(count_owned(f, KS_REPLICASETS, "web"), 2);
	assert_non_null(rs_rev(f, "web", 2));
	assert_non_null(rs_rev(f, "web", 3));
	/* Back to revision 2's template: its ReplicaSet comes back as 4. */
	char second[64];
	str_copy(second, sizeof second, js(rs_rev(f, "web", 2), "metadata.name"));
	patch(f, KS_DEPLOYMENTS, "web", "spec.template.metadata.annotations", "v",
	      json_integer(2));
	step(f, 0);
	json_t *rs = get(f, KS_REPLICASETS, second);
	assert_string_equal(ann(rs, "deployment.kubernetes.io/revision"), "4");
	assert_string_equal(ann(rs, "deployment.kubernetes.io/revision-history"), "2");
	for (int i = 0; i < 100 && rollout(get(f, KS_DEPLOYMENTS, "web")) != 1; i++)
		step(f, 0.25);
	assert_string_equal(ann(get(f, KS_DEPLOYMENTS, "web"), "deployment.kubernetes.io/revision"), "4");
	assert_int_equal(jl(get(f, KS_REPLICASETS, second), "spec.replicas"), 1);
	fx_free(f);
}

static void test_generate(void **state)
{
	(void)state;
	struct fx *f = calloc(1, sizeof *f);
	f->sc.speed = 1;
	f->sc.nodes = 5;
	f->sc.generate = (struct ks_generate){.namespaces = 10,
					      .deployments_per_ns = 10,
					      .replicas = 100};
	ks_world_init(&f->w, &f->sc, 7);
	struct err e;
	double t0 = ks_clock();
	pthread_mutex_lock(&f->w.mu);
	assert_int_equal(sim_init(&f->w, &e), ST_OK);
	pthread_mutex_unlock(&f->w.mu);
	double took = ks_clock() - t0;
	print_message("generated 10,000 pods in %.2f s\n", took);
	assert_int_equal(f->w.objs[KS_PODS].len, 10000);
	assert_int_equal(f->w.objs[KS_DEPLOYMENTS].len, 100);
	assert_int_equal(f->w.objs[KS_REPLICASETS].len, 100);
	assert_int_equal(f->w.objs[KS_EVENTS].len, 0);
	struct sim_stats st;
	sim_stats(&f->w, &st);
	assert_int_equal(st.pods, 10000);
	assert_int_equal(st.timers, 0);
	assert_int_equal(st.queued, 0);
	print_message("sim state per pod: ~%zu bytes\n", st.pod_bytes);
	assert_true(st.pod_bytes < 260);

	struct ks_obj *d = ks_get(&f->w, KS_DEPLOYMENTS, "gen-003", "app-007");
	assert_non_null(d);
	assert_int_equal(rollout(d->json), 1);
	assert_string_equal(js(cond(d->json, "Progressing"), "reason"), "NewReplicaSetAvailable");
	struct vec v = VEC_INIT;
	ks_list(&f->w, KS_PODS, "gen-003", &v);
	json_t *p = ((struct ks_obj *)v.items[0])->json;
	assert_string_equal(js(p, "status.phase"), "Running");
	assert_string_equal(js(cond(p, "Ready"), "status"), "True");
	assert_true(str_has_prefix(js(p, "spec.nodeName"), "node-"));
	assert_true(*js(p, "status.podIP"));
	assert_non_null(jp(p, "status.containerStatuses.0.state.running.startedAt"));
	assert_string_equal(js(p, "metadata.ownerReferences.0.kind"), "ReplicaSet");
	vec_free(&v, NULL);

	/* An idle tick is cheap and writes nothing. */
	uint64_t rv = f->w.rv;
	pthread_mutex_lock(&f->w.mu);
	t0 = ks_clock();
	for (int i = 0; i < 1000; i++)
		sim_run_due(&f->w, ks_clock());
	took = ks_clock() - t0;
	pthread_mutex_unlock(&f->w.mu);
	print_message("idle tick: %.2f us\n", took * 1e3);
	assert_true(took < 0.05);
	assert_int_equal(f->w.rv, rv);

	/* A generated deployment behaves like any other: scale it. */
	pthread_mutex_lock(&f->w.mu);
	json_t *j = ks_mutable(d);
	json_object_set_new(json_object_get(j, "spec"), "replicas", json_integer(102));
	ks_update(&f->w, d, j, NULL, NULL);
	double t = ks_clock();
	sim_run_due(&f->w, t);
	sim_run_due(&f->w, t + 3);
	d = ks_get(&f->w, KS_DEPLOYMENTS, "gen-003", "app-007");
	assert_int_equal(jl(d->json, "status.availableReplicas"), 102);
	assert_int_equal(rollout(d->json), 1);
	pthread_mutex_unlock(&f->w.mu);
	sim_free(&f->w);
	ks_world_free(&f->w);
	free(f);
}

static void test_thread(void **state)
{
	(void)state;
	/* Speed 20: a second of simulated time is 50 ms. */
	struct fx *f = fx_new_clock(20, 3, false);
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, sim_thread, &f->w), 0);
	create(f, KS_DEPLOYMENTS, deployment("web", 3, NULL, NULL));
	bool done = false;
	for (int i = 0; i < 200 && !done; i++) {
		usleep(10000);
		pthread_mutex_lock(&f->w.mu);
		done = rollout(get(f, KS_DEPLOYMENTS, "web")) == 1;
		pthread_mutex_unlock(&f->w.mu);
	}
	assert_true(done);
	pthread_mutex_lock(&f->w.mu);
	f->w.stopping = true;
	pthread_cond_broadcast(&f->w.changed);
	pthread_mutex_unlock(&f->w.mu);
	pthread_join(th, NULL);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_nodes),
	    cmocka_unit_test(test_no_nodes),
	    cmocka_unit_test(test_deployment_creates_and_settles),
	    cmocka_unit_test(test_rollout_restart),
	    cmocka_unit_test(test_rollout_bigger_surge),
	    cmocka_unit_test(test_scale),
	    cmocka_unit_test(test_paused),
	    cmocka_unit_test(test_recreate),
	    cmocka_unit_test(test_never_ready_deadline),
	    cmocka_unit_test(test_stalled_rollout_keeps_old),
	    cmocka_unit_test(test_crash_loop),
	    cmocka_unit_test(test_pull_errors),
	    cmocka_unit_test(test_job_completes),
	    cmocka_unit_test(test_job_fails),
	    cmocka_unit_test(test_garbage_collection),
	    cmocka_unit_test(test_pod_deleted_is_replaced),
	    cmocka_unit_test(test_rollback_and_history),
	    cmocka_unit_test(test_generate),
	    cmocka_unit_test(test_thread),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
