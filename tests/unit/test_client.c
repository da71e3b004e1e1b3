/*
 * The client's pure parts: Kubernetes errors rewritten for people, the
 * backoff schedule, query escaping, log paths and CLI durations.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_json.h"

#include <string.h>

#include "base/str.h"
#include "cli/kubecli.h"
#include "kube/client.h"
#include "kube/logs.h"

static void expect_message(long http, const char *status_json,
			   const char *body, const char *want)
{
	struct buf b = BUF_INIT;
	json_t *st = status_json ? J("%s", status_json) : NULL;
	kube_error_message(&b, http, st, body, body ? strlen(body) : 0);
	assert_string_equal(buf_str(&b), want);
	buf_free(&b);
	json_decref(st);
}

static void test_error_messages(void **state)
{
	(void)state;
	expect_message(
		403,
		"{\"kind\":\"Status\",\"reason\":\"Forbidden\",\"code\":403,"
		"\"message\":\"deployments.apps \\\"api\\\" is forbidden: User "
		"\\\"junior\\\" cannot patch resource \\\"deployments\\\" in API "
		"group \\\"apps\\\" in the namespace \\\"payments-prod\\\"\"}",
		NULL,
		"forbidden: user \"junior\" cannot patch deployments in "
		"namespace \"payments-prod\"");
	expect_message(403,
		       "{\"message\":\"nodes is forbidden: User \\\"viewer\\\" "
		       "cannot list resource \\\"nodes\\\" in API group \\\"\\\" "
		       "at the cluster scope\"}",
		       NULL,
		       "forbidden: user \"viewer\" cannot list nodes at the "
		       "cluster scope");
	/* a Forbidden message of another shape is kept, marked */
	expect_message(403, "{\"message\":\"denied by policy\"}", NULL,
		       "forbidden: denied by policy");
	expect_message(404,
		       "{\"reason\":\"NotFound\",\"message\":\"pods \\\"x\\\" "
		       "not found\"}",
		       NULL, "pods \"x\" not found");
	/* never echo what the server says about credentials */
	expect_message(401, "{\"message\":\"token abc123 is bad\"}", NULL,
		       "unauthorized: the cluster rejected the credentials");
	expect_message(503, "{\"reason\":\"ServiceUnavailable\"}", NULL,
		       "ServiceUnavailable (HTTP 503)");
	expect_message(502, NULL, "<html>Bad gateway</html>\nmore", "HTTP 502: "
		       "<html>Bad gateway</html>");
	/* control characters from the server are made visible */
	expect_message(500, "{\"message\":\"boom \\u001b[2J\"}", NULL,
		       "boom ^[[2J");
}

static void test_http_status(void **state)
{
	(void)state;
	assert_int_equal(kube_http_status(200, NULL), ST_OK);
	assert_int_equal(kube_http_status(403, NULL), ST_ERR_FORBIDDEN);
	assert_int_equal(kube_http_status(409, "AlreadyExists"), ST_ERR_EXISTS);
	assert_int_equal(kube_http_status(409, "Conflict"), ST_ERR_CONFLICT);
	assert_int_equal(kube_http_status(410, "Expired"), ST_ERR_GONE);
	assert_int_equal(kube_http_status(500, NULL), ST_ERR_NET);
}

static void test_backoff(void **state)
{
	(void)state;
	for (int i = 0; i < 200; i++) {
		uint64_t a = kube_backoff_ms(1, 30000);
		assert_true(a >= 125 && a <= 250);
		uint64_t c = kube_backoff_ms(3, 30000);
		assert_true(c >= 500 && c <= 1000);
		uint64_t z = kube_backoff_ms(40, 30000);
		assert_true(z >= 15000 && z <= 30000);
	}
}

static void test_escape_and_log_path(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	kube_query_escape(&b, "app in (a,b)&x=1");
	assert_string_equal(buf_str(&b), "app%20in%20%28a%2Cb%29%26x%3D1");
	buf_clear(&b);
	struct kube_log_opts o = {.container = "app", .follow = true,
				  .timestamps = true, .tail_lines = 10,
				  .since_seconds = 300};
	kube_log_path(&b, "demo", "web-1", &o);
	assert_string_equal(buf_str(&b),
			    "/api/v1/namespaces/demo/pods/web-1/log?container="
			    "app&follow=true&timestamps=true&tailLines=10&"
			    "sinceSeconds=300");
	buf_clear(&b);
	struct kube_log_opts plain = {.tail_lines = -1};
	kube_log_path(&b, "demo", "web-1", &plain);
	assert_string_equal(buf_str(&b),
			    "/api/v1/namespaces/demo/pods/web-1/log");
	buf_free(&b);
}

static void test_durations(void **state)
{
	(void)state;
	long s;
	assert_true(str_parse_duration("90s", &s));
	assert_int_equal(s, 90);
	assert_true(str_parse_duration("1h30m", &s));
	assert_int_equal(s, 5400);
	assert_true(str_parse_duration("2d", &s));
	assert_int_equal(s, 172800);
	const char *bad[] = {"", "5", "m", "5x", "-5s", "1h-3m", "99999999999d"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_false(str_parse_duration(bad[i], &s));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_messages),
		cmocka_unit_test(test_http_status),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_escape_and_log_path),
		cmocka_unit_test(test_durations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
