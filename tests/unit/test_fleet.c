/*
 * The fleet join against an in-process kubesim (plain HTTP, no
 * controllers: the test writes every object and status itself): Synced,
 * OutOfSync, Missing, Unknown for a cluster that cannot be reached or is
 * not in the kubeconfig, Degraded from a crash-looping pod, incremental
 * updates that touch only the cell concerned, tenanted roll-ups, and the
 * per-namespace fallback for a user who may not list across namespaces.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_json.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/str.h"
#include "kube/client.h"
#include "kubesim/kubesim.h"
#include "model/fleet.h"

static const char platform[] =
	"environments:\n"
	"  - {name: development, short: dev, cluster: test}\n"
	"  - {name: production, short: prod, cluster: gone}\n"
	"  - {name: qa, cluster: nowhere}\n"
	"tenants:\n"
	"  - {name: a}\n"
	"  - {name: b}\n"
	"services:\n"
	"  - name: api\n"
	"    workload: deployment/api\n"
	"    namespace: \"app-{{ env.short }}\"\n"
	"    version: {file: v.yaml, path: api}\n"
	"  - name: portal\n"
	"    tenanted: true\n"
	"    workload: \"deployment/portal-{{ tenant.name }}\"\n"
	"    namespace: \"portal-{{ tenant.name }}-{{ env.short }}\"\n"
	"    version: {file: v.yaml, path: portal}\n";

struct fx {
	struct ks_scenario sc;
	struct ks_world w;
	struct MHD_Daemon *d;
	int port;
	struct loop *loop;
	struct model *m;
	struct vec clients;
	struct fleet *f;
	struct map changes; /* cell key -> count (as a pointer) */
	int clusters;
};

static struct kube_client *client(struct fx *f, const char *context,
				  int port, const char *token)
{
	struct kube_target *t = xcalloc(1, sizeof *t);
	t->context = xstrdup(context);
	t->cluster_name = xstrdup(context);
	t->user_name = xstrdup("u");
	t->namespace_ = xstrdup("default");
	t->server = str_printf("http://127.0.0.1:%d", port);
	t->source = xstrdup("test");
	t->token = xstrdup(token);
	struct kube_settings s = {.max_retries = -1, .connect_timeout_ms = 500};
	return kube_client_new(f->loop, t, &s);
}

static void create(struct fx *f, enum ks_kind k, const char *ns, json_t *j)
{
	struct err e;
	pthread_mutex_lock(&f->w.mu);
	if (ks_create(&f->w, k, ns, j, NULL, &e) != ST_OK)
		fail_msg("create: %s", e.msg);
	pthread_cond_broadcast(&f->w.changed);
	pthread_mutex_unlock(&f->w.mu);
}

static void add_ns(struct fx *f, const char *name)
{
	create(f, KS_NAMESPACES, "",
	       J("{\"metadata\":{\"name\":\"%s\"}}", name));
}

/* A deployment that has rolled out: every replica updated and ready. */
static void add_deploy(struct fx *f, const char *ns, const char *name,
		       const char *image)
{
	create(f, KS_DEPLOYMENTS, ns,
	       J("{\"metadata\":{\"name\":\"%s\",\"namespace\":\"%s\","
		 "\"generation\":1},"
		 "\"spec\":{\"replicas\":2,\"selector\":{\"matchLabels\":"
		 "{\"app\":\"%s\"}},\"template\":{\"metadata\":{\"labels\":"
		 "{\"app\":\"%s\"}},\"spec\":{\"containers\":[{\"name\":"
		 "\"sidecar\",\"image\":\"envoy:1.0\"},{\"name\":\"%s\","
		 "\"image\":\"%s\"}]}}},"
		 "\"status\":{\"observedGeneration\":1,\"replicas\":2,"
		 "\"updatedReplicas\":2,\"readyReplicas\":2,"
		 "\"availableReplicas\":2,\"conditions\":[{\"type\":"
		 "\"Available\",\"status\":\"True\"},{\"type\":"
		 "\"Progressing\",\"status\":\"True\",\"reason\":"
		 "\"NewReplicaSetAvailable\"}]}}",
		 name, ns, name, name, name, image));
}

static void set_image(struct fx *f, const char *ns, const char *name,
		      const char *image)
{
	struct err e;
	pthread_mutex_lock(&f->w.mu);
	struct ks_obj *o = ks_get(&f->w, KS_DEPLOYMENTS, ns, name);
	assert_non_null(o);
	json_t *m = ks_mutable(o);
	json_t *c = json_array_get(
		json_object_get(json_object_get(json_object_get(
					json_object_get(m, "spec"), "template"),
				"spec"),
			"containers"),
		1);
	json_object_set_new(c, "image", json_string(image));
	assert_int_equal(ks_update(&f->w, o, m, NULL, &e), ST_OK);
	pthread_cond_broadcast(&f->w.changed);
	pthread_mutex_unlock(&f->w.mu);
}

static void set_ready(struct fx *f, const char *ns, const char *name, int n)
{
	struct err e;
	pthread_mutex_lock(&f->w.mu);
	struct ks_obj *o = ks_get(&f->w, KS_DEPLOYMENTS, ns, name);
	assert_non_null(o);
	json_t *m = ks_mutable(o);
	json_object_set_new(json_object_get(m, "status"), "readyReplicas",
			    json_integer(n));
	assert_int_equal(ks_update(&f->w, o, m, NULL, &e), ST_OK);
	pthread_cond_broadcast(&f->w.changed);
	pthread_mutex_unlock(&f->w.mu);
}

static void delete(struct fx *f, enum ks_kind k, const char *ns,
		   const char *name)
{
	pthread_mutex_lock(&f->w.mu);
	struct ks_obj *o = ks_get(&f->w, k, ns, name);
	assert_non_null(o);
	ks_delete(&f->w, o);
	pthread_cond_broadcast(&f->w.changed);
	pthread_mutex_unlock(&f->w.mu);
}

/* A pod of deployment dep (through ReplicaSet dep-5d8f9), running, or
 * waiting in CrashLoopBackOff. */
static void add_pod(struct fx *f, const char *ns, const char *dep,
		    const char *name, bool crashing)
{
	create(f, KS_PODS, ns,
	       J("{\"metadata\":{\"name\":\"%s\",\"namespace\":\"%s\","
		 "\"labels\":{\"app\":\"%s\",\"pod-template-hash\":\"5d8f9\"},"
		 "\"ownerReferences\":[{\"apiVersion\":\"apps/v1\",\"kind\":"
		 "\"ReplicaSet\",\"name\":\"%s-5d8f9\",\"uid\":\"u1\","
		 "\"controller\":true}]},"
		 "\"spec\":{\"containers\":[{\"name\":\"%s\",\"image\":\"x\"}]},"
		 "\"status\":{\"phase\":\"Running\",\"containerStatuses\":[{"
		 "\"name\":\"%s\",\"ready\":%s,\"restartCount\":%d,\"state\":"
		 "%s}]}}",
		 name, ns, dep, dep, dep, dep, crashing ? "false" : "true",
		 crashing ? 7 : 0,
		 crashing ? "{\"waiting\":{\"reason\":\"CrashLoopBackOff\"}}"
			  : "{\"running\":{}}"));
}

static void on_cell(void *arg, struct model_cell *c)
{
	struct fx *f = arg;
	uintptr_t n = (uintptr_t)map_get(&f->changes, c->key);
	map_put(&f->changes, c->key, (void *)(n + 1));
}

static void on_cluster(void *arg, const char *context)
{
	(void)context;
	((struct fx *)arg)->clusters++;
}

static const struct fleet_ops ops = {on_cell, on_cluster};

#define RUN_UNTIL(f, cond)                                                    \
	do {                                                                  \
		uint64_t until_ = loop_now_ms() + 15000;                      \
		while (!(cond) && loop_now_ms() < until_)                     \
			loop_run_once((f)->loop, 50);                         \
		assert_true(cond);                                            \
	} while (0)

static void set_desired(struct model *m, const char *key, const char *v)
{
	struct model_cell *c = model_cell(m, key);
	assert_non_null(c);
	model_desired_clear(&c->desired);
	c->desired.version = v ? xstrdup(v) : NULL;
	c->desired.source = v ? 0 : -1;
}

static int setup_as(void **state, const char *token)
{
	struct fx *f = calloc(1, sizeof *f);
	struct err e;
	assert_int_equal(
		ks_scenario_load("tests/unit/data/fleet.yaml", 1, &f->sc, &e),
		ST_OK);
	ks_world_init(&f->w, &f->sc, 1);
	f->d = ks_http_start(&f->w, "127.0.0.1", 0, NULL, &f->port, &e);
	assert_non_null(f->d);
	add_ns(f, "app-dev");
	add_ns(f, "portal-a-dev");
	add_ns(f, "portal-b-dev");
	add_ns(f, "elsewhere");
	add_deploy(f, "app-dev", "api", "registry.example:5000/team/api:1.2.0");
	add_pod(f, "app-dev", "api", "api-5d8f9-aaaaa", false);
	add_deploy(f, "portal-a-dev", "portal-a", "portal:2.0.0");
	/* the same name elsewhere must not be mistaken for a cell */
	add_deploy(f, "elsewhere", "api", "api:9.9.9");

	struct buf problems = BUF_INIT;
	assert_int_equal(model_parse("opsdeck.yaml", platform,
				     strlen(platform), &f->m, &problems),
			 ST_OK);
	buf_free(&problems);
	set_desired(f->m, "api/development", "1.2.0");
	set_desired(f->m, "api/production", "1.2.0");
	set_desired(f->m, "portal/development/a", "2.1.0");
	set_desired(f->m, "portal/development/b", "2.1.0");

	f->loop = loop_new();
	vec_push(&f->clients, client(f, "test", f->port, token));
	vec_push(&f->clients, client(f, "gone", 1, "x")); /* nothing there */
	f->f = fleet_new(f->m, (struct kube_client *const *)f->clients.items,
			 f->clients.len, &ops, f);
	RUN_UNTIL(f, fleet_settled(f->f));
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_as(state, "fleet-admin-token");
}

static int setup_nsonly(void **state)
{
	return setup_as(state, "fleet-nsonly-token");
}

static void free_client(void *c)
{
	kube_client_free(c);
}

static int teardown(void **state)
{
	struct fx *f = *state;
	fleet_free(f->f);
	vec_free(&f->clients, free_client);
	loop_free(f->loop);
	model_free(f->m);
	map_free(&f->changes, NULL);
	pthread_mutex_lock(&f->w.mu);
	f->w.stopping = true;
	pthread_cond_broadcast(&f->w.changed);
	pthread_mutex_unlock(&f->w.mu);
	ks_http_stop(f->d);
	ks_world_free(&f->w);
	ks_scenario_free(&f->sc);
	free(f);
	return 0;
}

static const struct fleet_cell *cell(struct fx *f, const char *key)
{
	struct model_cell *c = model_cell(f->m, key);
	assert_non_null(c);
	return fleet_cell(c);
}

static void test_join(void **state)
{
	struct fx *f = *state;
	const struct fleet_cell *api = cell(f, "api/development");
	assert_int_equal(api->sync, SYNC_SYNCED);
	assert_int_equal(api->health, HEALTH_HEALTHY);
	/* the container named like the workload, not the first (sidecar) */
	assert_string_equal(api->live_version, "1.2.0");
	assert_string_equal(api->image, "registry.example:5000/team/api:1.2.0");
	assert_int_equal(api->ready, 2);
	assert_int_equal(api->desired, 2);
	assert_string_equal(api->reason, "");
	assert_false(fleet_cell_bad(model_cell(f->m, "api/development")));

	const struct fleet_cell *pa = cell(f, "portal/development/a");
	assert_int_equal(pa->sync, SYNC_OUTOFSYNC);
	assert_int_equal(pa->health, HEALTH_HEALTHY);
	assert_string_equal(pa->reason, "live 2.0.0, Git 2.1.0");
	assert_true(fleet_cell_bad(model_cell(f->m, "portal/development/a")));

	const struct fleet_cell *pb = cell(f, "portal/development/b");
	assert_int_equal(pb->sync, SYNC_MISSING);
	assert_int_equal(pb->health, HEALTH_MISSING);
	assert_non_null(strstr(pb->reason, "portal-b-dev/portal-b not found"));

	/* a cluster that does not answer */
	const struct fleet_cell *prod = cell(f, "api/production");
	assert_int_equal(prod->sync, SYNC_UNKNOWN);
	assert_int_equal(prod->health, HEALTH_UNKNOWN);
	assert_non_null(strstr(prod->reason, "gone"));
	/* a context the kubeconfig does not have */
	const struct fleet_cell *qa = cell(f, "api/qa");
	assert_int_equal(qa->sync, SYNC_UNKNOWN);
	assert_string_equal(qa->reason, "no context 'nowhere' in the kubeconfig");
	assert_true(f->clusters >= 3);

	json_t *j = fleet_cell_to_json(model_cell(f->m, "portal/development/a"));
	assert_string_equal(json_string_value(json_object_get(j, "sync")),
			    "OutOfSync");
	assert_string_equal(json_string_value(json_object_get(j, "live")),
			    "2.0.0");
	assert_string_equal(json_string_value(json_object_get(j, "desired")),
			    "2.1.0");
	assert_string_equal(json_string_value(json_object_get(j, "tenant")),
			    "a");
	assert_true(json_is_null(json_object_get(j, "lastChange")));
	json_decref(j);
}

static void test_rollup(void **state)
{
	struct fx *f = *state;
	struct fleet_rollup r;
	fleet_rollup(model_service(f->m, "portal"),
		     model_env(f->m, "development"), &r);
	assert_int_equal(r.cells, 2);
	assert_int_equal(r.healthy, 1);
	assert_int_equal(r.synced, 0);
	assert_int_equal(r.worst, HEALTH_MISSING);
	assert_int_equal(r.worst_sync, SYNC_MISSING);
	assert_null(r.version); /* 2.0.0 and none: mixed */
}

static uintptr_t changes(struct fx *f, const char *key)
{
	return (uintptr_t)map_get(&f->changes, key);
}

static void test_incremental(void **state)
{
	struct fx *f = *state;
	map_free(&f->changes, NULL);
	memset(&f->changes, 0, sizeof f->changes);

	/* a crash-looping pod makes the cell Degraded, with the pod's why */
	add_pod(f, "app-dev", "api", "api-5d8f9-bbbbb", true);
	RUN_UNTIL(f, cell(f, "api/development")->health == HEALTH_DEGRADED);
	const struct fleet_cell *api = cell(f, "api/development");
	assert_int_equal(api->sync, SYNC_SYNCED);
	assert_non_null(strstr(api->reason, "pod api-5d8f9-bbbbb: "
					    "CrashLoopBackOff"));
	delete(f, KS_PODS, "app-dev", "api-5d8f9-bbbbb");
	RUN_UNTIL(f, cell(f, "api/development")->health == HEALTH_HEALTHY);

	/* kubectl set image: drift */
	set_image(f, "app-dev", "api", "registry.example:5000/team/api:1.3.0");
	RUN_UNTIL(f, cell(f, "api/development")->sync == SYNC_OUTOFSYNC);
	assert_string_equal(cell(f, "api/development")->live_version, "1.3.0");
	/* kubesim raised the generation: the new template is rolling out */
	assert_true(str_has_prefix(cell(f, "api/development")->reason,
				   "live 1.3.0, Git 1.2.0; Waiting for "
				   "rollout"));
	/* the look-alike in another namespace changes nothing */
	set_image(f, "elsewhere", "api", "api:1.2.0");
	/* the workload appears: Missing -> OutOfSync */
	add_deploy(f, "portal-b-dev", "portal-b", "portal:2.1.0");
	RUN_UNTIL(f, cell(f, "portal/development/b")->sync == SYNC_SYNCED);
	/* and goes */
	delete(f, KS_DEPLOYMENTS, "app-dev", "api");
	RUN_UNTIL(f, cell(f, "api/development")->sync == SYNC_MISSING);
	assert_null(cell(f, "api/development")->live_version);

	/* only the cells concerned were recomputed into something new */
	assert_int_equal(changes(f, "api/development"), 4);
	assert_int_equal(changes(f, "portal/development/b"), 1);
	/* ready replicas alone are news too */
	set_ready(f, "portal-b-dev", "portal-b", 1);
	RUN_UNTIL(f, changes(f, "portal/development/b") == 2);
	assert_int_equal(cell(f, "portal/development/b")->ready, 1);
	assert_int_equal(changes(f, "portal/development/a"), 0);
	assert_int_equal(changes(f, "api/production"), 0);
}

/* A user who may not list across namespaces still gets every cell. */
static void test_namespace_fallback(void **state)
{
	struct fx *f = *state;
	assert_int_equal(cell(f, "api/development")->sync, SYNC_SYNCED);
	assert_int_equal(cell(f, "portal/development/a")->sync,
			 SYNC_OUTOFSYNC);
	assert_int_equal(cell(f, "portal/development/b")->sync, SYNC_MISSING);
	set_image(f, "app-dev", "api", "api:1.4.0");
	RUN_UNTIL(f, cell(f, "api/development")->sync == SYNC_OUTOFSYNC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_join, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_incremental, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_namespace_fallback,
						setup_nsonly, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
