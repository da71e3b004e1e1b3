/*
 * Unit tests for kubesim's service proxy (tests/kubesim/http.c), over
 * HTTP against a real kubesim front with a hand-made world: who answers
 * is decided as the apiserver decides it (a service, a port it has, a
 * Ready and not terminating pod its selector matches), /healthz and
 * /readyz say "ok", other paths name the service and the path, and
 * refusals carry the apiserver's codes and messages. The e2e test
 * (tests/e2e/kubectl.sh) checks the same through the real kubectl.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_json.h"
#include "test_tmp.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "kubesim/kubesim.h"

static const char scenario[] =
    "users:\n"
    "  - name: admin\n"
    "    token: admin-token\n"
    "    rules:\n"
    "      - verbs: [\"*\"]\n"
    "        resources: [\"*\"]\n"
    "  - name: lister\n"
    "    token: lister-token\n"
    "    rules:\n"
    "      - verbs: [get, list]\n"
    "        resources: [services, pods]\n";

struct fx {
	char dir[256];
	struct ks_scenario sc;
	struct ks_world w;
	struct MHD_Daemon *d;
	int port;
};

/* A pod in demo with labels (JSON members), Ready or not, maybe
 * terminating. */
static void add_pod(struct fx *f, const char *name, const char *labels,
		    bool ready, bool terminating)
{
	struct err e;
	json_t *p = J("{\"metadata\":{\"name\":\"%s\",\"labels\":{%s}},"
		      "\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"a:1\"}]},"
		      "\"status\":{\"phase\":\"Running\",\"conditions\":["
		      "{\"type\":\"PodScheduled\",\"status\":\"True\"},"
		      "{\"type\":\"Ready\",\"status\":\"%s\"}]}}",
		      name, labels, ready ? "True" : "False");
	struct ks_obj *o;
	assert_int_equal(ks_create(&f->w, KS_PODS, "demo", p, &o, &e), ST_OK);
	if (!terminating)
		return;
	/* A graceful delete in progress: create never takes one. */
	json_t *m = ks_mutable(o);
	json_object_set_new(json_object_get(m, "metadata"), "deletionTimestamp",
			    json_string("2026-01-01T00:00:00Z"));
	assert_int_equal(ks_update(&f->w, o, m, NULL, &e), ST_OK);
}

static void add_service(struct fx *f, const char *name, const char *selector,
			const char *ports)
{
	struct err e;
	json_t *s = J("{\"metadata\":{\"name\":\"%s\"},\"spec\":{%s%s\"ports\":[%s]}}",
		      name, selector ? selector : "", selector ? "," : "", ports);
	assert_int_equal(ks_create(&f->w, KS_SERVICES, "demo", s, NULL, &e), ST_OK);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	assert_int_equal(tmpdir_make(f->dir, sizeof f->dir, "ksproxy"), 0);
	char path[512];
	snprintf(path, sizeof path, "%s/scenario.yaml", f->dir);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(scenario, fp);
	fclose(fp);
	struct err e;
	if (ks_scenario_load(path, 1, &f->sc, &e) != ST_OK)
		fail_msg("%s", e.msg);
	ks_world_init(&f->w, &f->sc, 1);
	pthread_mutex_lock(&f->w.mu);
	assert_int_equal(ks_create(&f->w, KS_NAMESPACES, "",
				   J("{\"metadata\":{\"name\":\"demo\"}}"), NULL, &e),
			 ST_OK);
	add_pod(f, "web-1", "\"app\":\"web\",\"tier\":\"front\"", true, false);
	add_pod(f, "web-2", "\"app\":\"web\"", false, false);
	add_pod(f, "slow-1", "\"app\":\"slow\"", false, false);
	add_pod(f, "gone-1", "\"app\":\"gone\"", true, true);
	add_service(f, "web", "\"selector\":{\"app\":\"web\",\"tier\":\"front\"}",
		    "{\"name\":\"http\",\"port\":80,\"targetPort\":8080},"
		    "{\"name\":\"metrics\",\"port\":9090}");
	add_service(f, "slow", "\"selector\":{\"app\":\"slow\"}", "{\"port\":80}");
	add_service(f, "gone", "\"selector\":{\"app\":\"gone\"}", "{\"port\":80}");
	add_service(f, "other", "\"selector\":{\"app\":\"other\"}", "{\"port\":80}");
	add_service(f, "external", NULL, "{\"port\":443}");
	pthread_mutex_unlock(&f->w.mu);
	f->d = ks_http_start(&f->w, "127.0.0.1", 0, NULL, &f->port, &e);
	assert_non_null(f->d);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	pthread_mutex_lock(&f->w.mu);
	f->w.stopping = true;
	pthread_cond_broadcast(&f->w.changed);
	pthread_mutex_unlock(&f->w.mu);
	ks_http_stop(f->d);
	ks_world_free(&f->w);
	ks_scenario_free(&f->sc);
	tmpdir_remove(f->dir);
	free(f);
	return 0;
}

struct answer {
	long code;
	char ctype[128];
	struct buf body;
};

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	buf_append(arg, p, size * n);
	return size * n;
}

/* METHOD path as the user of token; the answer in a (body freed by the
 * caller). */
static void req(struct fx *f, const char *method, const char *token,
		const char *path, struct answer *a)
{
	CURL *h = curl_easy_init();
	assert_non_null(h);
	char url[1024], auth[256];
	snprintf(url, sizeof url, "http://127.0.0.1:%d%s", f->port, path);
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
	struct curl_slist *hdr = curl_slist_append(NULL, auth);
	memset(a, 0, sizeof *a);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &a->body);
	assert_int_equal(curl_easy_perform(h), CURLE_OK);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &a->code);
	char *ct = NULL;
	curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ct);
	snprintf(a->ctype, sizeof a->ctype, "%s", ct ? ct : "");
	curl_slist_free_all(hdr);
	curl_easy_cleanup(h);
}

/* GET path as admin: expect code and a plain body. */
static void expect_text(struct fx *f, const char *path, const char *body)
{
	struct answer a;
	req(f, "GET", "admin-token", path, &a);
	if (a.code != 200)
		fail_msg("GET %s: %ld %s", path, a.code, buf_str(&a.body));
	assert_true(!strncmp(a.ctype, "text/plain", 10));
	assert_string_equal(buf_str(&a.body), body);
	buf_free(&a.body);
}

/* A refusal: a Status with code, reason and message. */
static void expect_status(struct fx *f, const char *method, const char *token,
			  const char *path, long code, const char *reason,
			  const char *message)
{
	struct answer a;
	req(f, method, token, path, &a);
	if (a.code != code)
		fail_msg("%s %s: %ld %s, wanted %ld", method, path, a.code,
			 buf_str(&a.body), code);
	json_error_t je;
	json_t *s = json_loads(buf_str(&a.body), 0, &je);
	if (!s)
		fail_msg("%s %s: not JSON: %s", method, path, buf_str(&a.body));
	assert_string_equal(json_string_value(json_object_get(s, "kind")), "Status");
	assert_int_equal(json_integer_value(json_object_get(s, "code")), code);
	assert_string_equal(json_string_value(json_object_get(s, "reason")), reason);
	if (message)
		assert_string_equal(json_string_value(json_object_get(s, "message")), message);
	json_decref(s);
	buf_free(&a.body);
}

#define SVC "/api/v1/namespaces/demo/services/"

static void test_answers(void **state)
{
	struct fx *f = *state;
	expect_text(f, SVC "web:80/proxy/healthz", "ok\n");
	expect_text(f, SVC "web:80/proxy/readyz", "ok\n");
	expect_text(f, SVC "web/proxy/healthz", "ok\n");
	expect_text(f, SVC "web:http/proxy/healthz", "ok\n");
	expect_text(f, SVC "web:9090/proxy/metrics", "web: /metrics\n");
	expect_text(f, SVC "https:web:80/proxy/api/v1/orders", "web: /api/v1/orders\n");
	expect_text(f, SVC "web:80/proxy", "web: /\n");
	/* the request's X-* headers (this one sends none; test_step's
	 * http-check sends some) */
	expect_text(f, SVC "web:80/proxy/headers", "");
	expect_text(f, SVC "web:80/proxy/", "web: /\n");
	expect_text(f, SVC "web:80/proxy/healthz?verbose=1", "ok\n");
	/* A viewer-like user may read services but not proxy to them. */
	expect_status(f, "GET", "lister-token", SVC "web:80/proxy/healthz", 403,
		      "Forbidden",
		      "services \"web:80\" is forbidden: User \"lister\" cannot get "
		      "resource \"services/proxy\" in API group \"\" in the namespace \"demo\"");
}

static void test_nobody_to_answer(void **state)
{
	struct fx *f = *state;
	expect_status(f, "GET", "admin-token", SVC "nope:80/proxy/healthz", 404,
		      "NotFound", "services \"nope\" not found");
	expect_status(f, "GET", "admin-token", SVC "web:81/proxy/healthz", 503,
		      "ServiceUnavailable",
		      "no service port 81 found for service \"web\"");
	expect_status(f, "GET", "admin-token", SVC "web:grpc/proxy/healthz", 503,
		      "ServiceUnavailable",
		      "no endpoints available for service \"web\"");
	/* Pods that match but are not Ready, or are going away; a selector
	 * that matches nothing; no selector at all. */
	static const char *const none[] = {"slow", "gone", "other", "external"};
	for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
		char path[256], msg[256];
		snprintf(path, sizeof path, SVC "%s/proxy/healthz", none[i]);
		snprintf(msg, sizeof msg, "no endpoints available for service \"%s\"",
			 none[i]);
		expect_status(f, "GET", "admin-token", path, 503,
			      "ServiceUnavailable", msg);
	}
}

static void test_bad_requests(void **state)
{
	struct fx *f = *state;
	expect_status(f, "POST", "admin-token", SVC "web:80/proxy/healthz", 405,
		      "MethodNotAllowed", NULL);
	expect_status(f, "GET", "admin-token", SVC "a:b:c:d/proxy/", 400,
		      "BadRequest", "invalid service request");
	expect_status(f, "GET", "admin-token", SVC "ftp:web:80/proxy/", 400,
		      "BadRequest", NULL);
	expect_status(f, "GET", "admin-token", SVC ":80/proxy/", 400,
		      "BadRequest", NULL);
	expect_status(f, "GET", "nobody-token", SVC "web:80/proxy/healthz", 401,
		      "Unauthorized", NULL);
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_answers, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_nobody_to_answer, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_requests, setup, teardown),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
