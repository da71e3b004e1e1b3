/*
 * Reflectors and the client against an in-process kubesim (plain HTTP on a
 * free loopback port, no controllers): paged lists, watch events, a watch
 * that misses changes and then meets 410 Expired (the relist must emit
 * exactly the adds, updates and deletes), sharing one reflector between
 * consumers, Forbidden turned into the people's message, and a server that
 * goes away (connection state).
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
#include "kube/identity.h"
#include "kube/reflector.h"
#include "kubesim/kubesim.h"

struct fx {
	struct ks_scenario sc;
	struct ks_world w;
	struct MHD_Daemon *d;
	int port;
	struct loop *loop;
	struct kube_client *c;
};

static struct kube_client *client_for(struct fx *f, const char *token)
{
	struct kube_target *t = xcalloc(1, sizeof *t);
	t->context = xstrdup("test");
	t->cluster_name = xstrdup("test");
	t->user_name = xstrdup("admin");
	t->namespace_ = xstrdup("default");
	t->server = str_printf("http://127.0.0.1:%d", f->port);
	t->source = xstrdup("test");
	t->token = xstrdup(token);
	struct kube_settings s = {.page_size = 2, .max_retries = 1};
	return kube_client_new(f->loop, t, &s);
}

static void add_pod(struct fx *f, const char *ns, const char *name,
		    const char *phase)
{
	struct err e;
	char *j = str_printf("{\"metadata\":{\"name\":\"%s\",\"namespace\":"
			     "\"%s\",\"labels\":{\"app\":\"a\"}},"
			     "\"spec\":{\"containers\":[{\"name\":\"c\","
			     "\"image\":\"img:1\"}]},\"status\":{\"phase\":"
			     "\"%s\"}}",
			     name, ns, phase);
	assert_int_equal(ks_create(&f->w, KS_PODS, ns, J("%s", j), NULL, &e), ST_OK);
	free(j);
}

static void set_phase(struct fx *f, const char *ns, const char *name,
		      const char *phase)
{
	struct err e;
	struct ks_obj *o = ks_get(&f->w, KS_PODS, ns, name);
	assert_non_null(o);
	json_t *m = ks_mutable(o);
	json_object_set_new(json_object_get(m, "status"), "phase",
			    json_string(phase));
	assert_int_equal(ks_update(&f->w, o, m, NULL, &e), ST_OK);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	struct err e;
	assert_int_equal(ks_scenario_load("tests/unit/data/reflector.yaml", 1,
					  &f->sc, &e),
			 ST_OK);
	ks_world_init(&f->w, &f->sc, 1);
	pthread_mutex_lock(&f->w.mu);
	assert_int_equal(ks_create(&f->w, KS_NAMESPACES, "",
				   J("{\"metadata\":{\"name\":\"demo\"}}"),
				   NULL, &e),
			 ST_OK);
	for (int i = 0; i < 5; i++) {
		char n[16];
		snprintf(n, sizeof n, "p%d", i);
		add_pod(f, "demo", n, "Running");
	}
	pthread_mutex_unlock(&f->w.mu);
	f->d = ks_http_start(&f->w, "127.0.0.1", 0, NULL, &f->port, &e);
	assert_non_null(f->d);
	f->loop = loop_new();
	f->c = client_for(f, "reflector-test-token");
	*state = f;
	return 0;
}

static void stop_server(struct fx *f)
{
	if (!f->d)
		return;
	pthread_mutex_lock(&f->w.mu);
	f->w.stopping = true;
	pthread_cond_broadcast(&f->w.changed);
	pthread_mutex_unlock(&f->w.mu);
	ks_http_stop(f->d);
	f->d = NULL;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	kube_client_free(f->c);
	loop_free(f->loop);
	stop_server(f);
	ks_world_free(&f->w);
	ks_scenario_free(&f->sc);
	free(f);
	return 0;
}

/* What a consumer saw, as "TYPE ns/name phase" lines. */
struct seen {
	struct buf log;
	int synced;
	int errors;
	char error[512];
	struct kube_watch *w;
};

static void on_changed(void *arg, enum watch_type type,
		       const struct kube_obj *old, const struct kube_obj *obj)
{
	struct seen *s = arg;
	if (type == WATCH_MODIFIED)
		assert_non_null(old);
	buf_printf(&s->log, "%s %s/%s %s\n", watch_type_name(type),
		   obj->namespace_, obj->name, obj->u.pod.phase);
}

static void on_synced(void *arg)
{
	((struct seen *)arg)->synced++;
}

static void on_error(void *arg, const char *msg)
{
	struct seen *s = arg;
	s->errors++;
	str_copy(s->error, sizeof s->error, msg);
}

static const struct kube_watch_ops ops = {on_changed, on_synced, on_error};

/* Run the loop until cond holds (or 10 s pass). */
#define RUN_UNTIL(f, cond)                                                    \
	do {                                                                  \
		uint64_t until_ = loop_now_ms() + 10000;                      \
		while (!(cond) && loop_now_ms() < until_)                     \
			loop_run_once((f)->loop, 50);                         \
		assert_true(cond);                                            \
	} while (0)

static struct kube_watch *watch_pods(struct fx *f, struct seen *s)
{
	struct kube_watch_spec spec = {KUBE_POD, "demo", NULL, NULL};
	return kube_watch(f->c, &spec, &ops, s);
}

static void test_list_pages_then_watch(void **state)
{
	struct fx *f = *state;
	struct seen s = {0};
	struct kube_watch *w = watch_pods(f, &s);
	RUN_UNTIL(f, s.synced == 1);
	assert_int_equal(kube_watch_count(w), 5);
	struct reflector_stats st;
	kube_watch_stats(w, &st);
	assert_int_equal(st.pages, 3); /* 5 pods, 2 per page */
	assert_int_equal(st.lists, 1);
	assert_non_null(strstr(buf_str(&s.log), "ADDED demo/p4 Running"));

	buf_clear(&s.log);
	pthread_mutex_lock(&f->w.mu);
	add_pod(f, "demo", "new", "Pending");
	set_phase(f, "demo", "p1", "Failed");
	ks_delete(&f->w, ks_get(&f->w, KS_PODS, "demo", "p2"));
	pthread_cond_broadcast(&f->w.changed);
	pthread_mutex_unlock(&f->w.mu);
	RUN_UNTIL(f, strstr(buf_str(&s.log), "DELETED"));
	assert_string_equal(buf_str(&s.log), "ADDED demo/new Pending\n"
					     "MODIFIED demo/p1 Failed\n"
					     "DELETED demo/p2 Running\n");
	assert_int_equal(kube_watch_count(w), 5);
	assert_null(kube_watch_get(w, "demo", "p2"));
	assert_string_equal(kube_watch_get(w, "demo", "p1")->u.pod.phase,
			    "Failed");
	kube_watch_stats(w, &st);
	assert_int_equal(st.watches, 1);
	kube_unwatch(w);
	buf_free(&s.log);
}

static void test_expired_relist_emits_difference(void **state)
{
	struct fx *f = *state;
	struct seen s = {0};
	struct kube_watch *w = watch_pods(f, &s);
	RUN_UNTIL(f, s.synced == 1);
	/* let the watch start */
	for (int i = 0; i < 5; i++)
		loop_run_once(f->loop, 20);
	buf_clear(&s.log);
	/* changes the open watch never delivers: the epoch ends it first,
	 * and the history it would resume from is gone */
	pthread_mutex_lock(&f->w.mu);
	add_pod(f, "demo", "late", "Running");
	set_phase(f, "demo", "p3", "Succeeded");
	ks_delete(&f->w, ks_get(&f->w, KS_PODS, "demo", "p0"));
	ks_expire_all(&f->w);
	f->w.watch_epoch++;
	pthread_cond_broadcast(&f->w.changed);
	pthread_mutex_unlock(&f->w.mu);
	struct reflector_stats st;
	RUN_UNTIL(f, (kube_watch_stats(w, &st), st.lists == 2));
	/* the relist diff, in any order */
	const char *log = buf_str(&s.log);
	assert_non_null(strstr(log, "ADDED demo/late Running\n"));
	assert_non_null(strstr(log, "MODIFIED demo/p3 Succeeded\n"));
	assert_non_null(strstr(log, "DELETED demo/p0 Running\n"));
	int lines = 0;
	for (const char *p = log; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 3);
	assert_true(st.expired >= 1);
	assert_int_equal(kube_watch_count(w), 5);
	assert_int_equal(s.synced, 1); /* synced is said once */
	kube_unwatch(w);
	buf_free(&s.log);
}

static void test_shared_reflector(void **state)
{
	struct fx *f = *state;
	struct seen a = {0}, b = {0};
	struct kube_watch *wa = watch_pods(f, &a);
	RUN_UNTIL(f, a.synced == 1);
	struct kube_watch *wb = watch_pods(f, &b);
	assert_int_equal(b.synced, 0); /* never from inside kube_watch */
	RUN_UNTIL(f, b.synced == 1);
	/* the late joiner was caught up, without a second list */
	assert_non_null(strstr(buf_str(&b.log), "ADDED demo/p0 Running"));
	struct reflector_stats st;
	kube_watch_stats(wb, &st);
	assert_int_equal(st.lists, 1);
	kube_unwatch(wa);
	pthread_mutex_lock(&f->w.mu);
	set_phase(f, "demo", "p4", "Failed");
	pthread_cond_broadcast(&f->w.changed);
	pthread_mutex_unlock(&f->w.mu);
	RUN_UNTIL(f, strstr(buf_str(&b.log), "MODIFIED demo/p4 Failed"));
	assert_null(strstr(buf_str(&a.log), "MODIFIED"));
	kube_unwatch(wb);
	buf_free(&a.log);
	buf_free(&b.log);
}

static void test_forbidden_message(void **state)
{
	struct fx *f = *state;
	struct kube_client *nobody = client_for(f, "nobody-token");
	struct seen s = {0};
	struct kube_watch_spec spec = {KUBE_POD, "demo", NULL, NULL};
	struct kube_watch *w = kube_watch(nobody, &spec, &ops, &s);
	RUN_UNTIL(f, s.errors >= 1);
	assert_string_equal(s.error, "forbidden: user \"nobody\" cannot list "
				     "pods in namespace \"demo\"");
	assert_int_equal(s.synced, 0);
	assert_int_equal(kube_client_state(nobody)->state,
			 KUBE_CONN_CONNECTED);
	kube_unwatch(w);
	kube_client_free(nobody);
}

static void on_who(void *arg, const struct kube_identity *id,
		   const struct kube_response *r)
{
	(void)r;
	str_copy(arg, 64, id ? id->username : "?");
}

static void test_whoami(void **state)
{
	struct fx *f = *state;
	char who[64] = "";
	kube_whoami(f->c, on_who, who);
	assert_string_equal(who, "");
	RUN_UNTIL(f, who[0]);
	assert_string_equal(who, "admin");
	assert_string_equal(kube_identity_known(f->c)->username, "admin");
}

struct answer {
	bool done;
	long http;
	enum status code;
	char message[512];
	char label[64];
};

static void on_answer(struct kube_client *c, const struct kube_response *r,
		      void *arg)
{
	(void)c;
	struct answer *a = arg;
	a->done = true;
	a->http = r->http;
	a->code = r->code;
	str_copy(a->message, sizeof a->message, r->message);
	json_t *labels = json_object_get(json_object_get(r->json, "metadata"),
					 "labels");
	const char *tier = json_string_value(json_object_get(labels, "tier"));
	str_copy(a->label, sizeof a->label, tier ? tier : "");
}

static void test_writes(void **state)
{
	struct fx *f = *state;
	const char *path = "/api/v1/namespaces/demo/pods/p1";
	const enum kube_patch types[] = {KUBE_PATCH_MERGE, KUBE_PATCH_STRATEGIC};
	const char *const tiers[] = {"merge", "strategic"};
	for (int i = 0; i < 2; i++) {
		struct answer a = {0};
		json_t *p = json_pack("{s:{s:{s:s}}}", "metadata", "labels",
				      "tier", tiers[i]);
		kube_patch(f->c, path, types[i], p, on_answer, &a);
		json_decref(p);
		RUN_UNTIL(f, a.done);
		assert_int_equal(a.code, ST_OK);
		assert_string_equal(a.label, tiers[i]);
	}
	struct answer a = {0};
	json_t *jp = J("[{\"op\":\"replace\",\"path\":\"/metadata/labels/tier\","
		       "\"value\":\"json\"}]");
	kube_patch(f->c, path, KUBE_PATCH_JSON, jp, on_answer, &a);
	json_decref(jp);
	RUN_UNTIL(f, a.done);
	assert_string_equal(a.label, "json");

	/* creating what exists: 409 AlreadyExists, said plainly */
	struct answer dup = {0};
	json_t *pod = J("{\"metadata\":{\"name\":\"p1\"},\"spec\":{"
			"\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}}");
	kube_create(f->c, "/api/v1/namespaces/demo/pods", pod, on_answer, &dup);
	json_decref(pod);
	RUN_UNTIL(f, dup.done);
	assert_int_equal(dup.http, 409);
	assert_int_equal(dup.code, ST_ERR_EXISTS);
	assert_non_null(strstr(dup.message, "already exists"));

	struct answer del = {0}, gone = {0};
	kube_delete(f->c, path, on_answer, &del);
	RUN_UNTIL(f, del.done);
	assert_int_equal(del.code, ST_OK);
	kube_get(f->c, path, on_answer, &gone);
	RUN_UNTIL(f, gone.done);
	assert_int_equal(gone.code, ST_ERR_NOTFOUND);
	assert_string_equal(gone.message, "pods \"p1\" not found");
}

static void test_server_gone(void **state)
{
	struct fx *f = *state;
	struct seen s = {0};
	struct kube_watch *w = watch_pods(f, &s);
	RUN_UNTIL(f, s.synced == 1);
	assert_int_equal(kube_client_state(f->c)->state, KUBE_CONN_CONNECTED);
	stop_server(f);
	RUN_UNTIL(f, kube_client_state(f->c)->state == KUBE_CONN_RECONNECTING ||
			     kube_client_state(f->c)->state == KUBE_CONN_DOWN);
	const struct kube_conn_state *cs = kube_client_state(f->c);
	assert_true(cs->attempt >= 1);
	assert_non_null(strstr(cs->error, "cannot reach"));
	/* what it knew stays until it knows better */
	assert_int_equal(kube_watch_count(w), 5);
	kube_unwatch(w);
	buf_free(&s.log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_list_pages_then_watch,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_expired_relist_emits_difference, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shared_reflector, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_forbidden_message, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_whoami, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_server_gone, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
