/*
 * Unit tests for kubesim's PATCH bodies (tests/kubesim/patch.c): the
 * examples of RFC 7386 and RFC 6902, the strategic merge patches kubectl
 * and client-go send to a Deployment, and hostile bodies (malformed,
 * truncated, huge, deeply nested, random) that must give errors, never
 * crashes. Every application also checks that the input document is left
 * exactly as it was, because kubesim's stored objects are shared with its
 * watch history.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "kubesim/kubesim.h"

#define MERGE "application/merge-patch+json"
#define SMP "application/strategic-merge-patch+json"
#define JSONP "application/json-patch+json"

static json_t *parse(const char *s)
{
	json_error_t jerr;
	json_t *j = json_loads(s, JSON_DECODE_ANY, &jerr);

	if (!j)
		fail_msg("bad test JSON: %s: %s", jerr.text, s);
	return j;
}

static char *dump(const json_t *j)
{
	return json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}

/*
 * Apply body to doc and return the result (NULL on error, with *e filled).
 * Fails the test when doc changed, or when an error left no code/message.
 */
static json_t *apply_len(const char *ct, const json_t *doc, const char *body,
			 size_t len, struct err *e)
{
	char *before = dump(doc);
	json_t *out;

	err_clear(e);
	out = ks_patch_apply(ct, doc, body, len, e);
	char *after = dump(doc);
	assert_string_equal(before, after);
	if (!out) {
		assert_int_not_equal(e->code, ST_OK);
		assert_true(e->msg[0] != '\0');
	} else {
		assert_ptr_not_equal(out, doc);
	}
	free(before);
	free(after);
	return out;
}

static json_t *apply(const char *ct, const json_t *doc, const char *body,
		     struct err *e)
{
	return apply_len(ct, doc, body, strlen(body), e);
}

/* doc_s patched with body gives want_s. */
static void expect(const char *ct, const char *doc_s, const char *body,
		   const char *want_s)
{
	struct err e;
	json_t *doc = parse(doc_s), *want = parse(want_s);
	json_t *got = apply(ct, doc, body, &e);

	if (!got)
		fail_msg("patch %s failed: %s", body, e.msg);
	if (!json_equal(got, want)) {
		char *g = dump(got);
		fail_msg("patch %s on %s\n  got  %s\n  want %s", body, doc_s,
			 g, want_s);
	}
	json_decref(got);
	json_decref(want);
	json_decref(doc);
}

/* doc_s patched with body fails with code; the message contains sub. */
static void expect_err(const char *ct, const char *doc_s, const char *body,
		       enum status code, const char *sub)
{
	struct err e;
	json_t *doc = parse(doc_s);
	json_t *got = apply(ct, doc, body, &e);

	if (got) {
		char *g = dump(got);
		fail_msg("patch %s on %s should fail, gave %s", body, doc_s, g);
	}
	assert_int_equal(e.code, code);
	if (sub && !strstr(e.msg, sub))
		fail_msg("error \"%s\" does not mention \"%s\"", e.msg, sub);
	json_decref(doc);
}

/* ---- content types ---- */

static void test_content_types(void **state)
{
	(void)state;
	expect_err("text/plain", "{}", "{}", ST_ERR_UNSUPPORTED,
		   "the body of the request was in an unknown format - "
		   "accepted media types include: "
		   "application/json-patch+json, "
		   "application/merge-patch+json, "
		   "application/apply-patch+yaml, "
		   "application/strategic-merge-patch+json");
	expect_err("application/json", "{}", "{}", ST_ERR_UNSUPPORTED,
		   "unknown format");
	expect_err(NULL, "{}", "{}", ST_ERR_UNSUPPORTED, "unknown format");
	expect_err("", "{}", "{}", ST_ERR_UNSUPPORTED, "unknown format");
	expect_err("application/merge-patch+jsonx", "{}", "{}",
		   ST_ERR_UNSUPPORTED, "unknown format");
	expect_err("application/apply-patch+yaml", "{}", "a: 1",
		   ST_ERR_UNSUPPORTED, "apply");
	/* Case and parameters do not matter. */
	expect("Application/Merge-Patch+JSON; charset=utf-8", "{\"a\":1}",
	       "{\"b\":2}", "{\"a\":1,\"b\":2}");
	expect(" application/strategic-merge-patch+json ;charset=UTF-8",
	       "{\"a\":1}", "{\"a\":null}", "{}");
	expect("APPLICATION/JSON-PATCH+JSON", "{\"a\":1}",
	       "[{\"op\":\"remove\",\"path\":\"/a\"}]", "{}");
}

/* ---- RFC 7386 ---- */

static void test_merge_rfc7386(void **state)
{
	(void)state;
	/* Section 3's example. */
	expect(MERGE,
	       "{\"title\":\"Goodbye!\",\"author\":{\"givenName\":\"John\","
	       "\"familyName\":\"Doe\"},\"tags\":[\"example\",\"sample\"],"
	       "\"content\":\"This will be unchanged\"}",
	       "{\"title\":\"Hello!\",\"phoneNumber\":\"+01-123-456-7890\","
	       "\"author\":{\"familyName\":null},\"tags\":[\"example\"]}",
	       "{\"title\":\"Hello!\",\"author\":{\"givenName\":\"John\"},"
	       "\"tags\":[\"example\"],\"content\":\"This will be unchanged\","
	       "\"phoneNumber\":\"+01-123-456-7890\"}");
	/* Appendix A, the cases with an object patch. */
	expect(MERGE, "{\"a\":\"b\"}", "{\"a\":\"c\"}", "{\"a\":\"c\"}");
	expect(MERGE, "{\"a\":\"b\"}", "{\"b\":\"c\"}",
	       "{\"a\":\"b\",\"b\":\"c\"}");
	expect(MERGE, "{\"a\":\"b\"}", "{\"a\":null}", "{}");
	expect(MERGE, "{\"a\":\"b\",\"b\":\"c\"}", "{\"a\":null}",
	       "{\"b\":\"c\"}");
	expect(MERGE, "{\"a\":[\"b\"]}", "{\"a\":\"c\"}", "{\"a\":\"c\"}");
	expect(MERGE, "{\"a\":\"c\"}", "{\"a\":[\"b\"]}", "{\"a\":[\"b\"]}");
	expect(MERGE, "{\"a\":{\"b\":\"c\"}}", "{\"a\":{\"b\":\"d\",\"c\":null}}",
	       "{\"a\":{\"b\":\"d\"}}");
	expect(MERGE, "{\"a\":[{\"b\":\"c\"}]}", "{\"a\":[1]}", "{\"a\":[1]}");
	expect(MERGE, "{\"e\":null}", "{\"a\":1}", "{\"e\":null,\"a\":1}");
	expect(MERGE, "[1,2]", "{\"a\":\"b\",\"c\":null}", "{\"a\":\"b\"}");
	expect(MERGE, "{}", "{\"a\":{\"bb\":{\"ccc\":null}}}",
	       "{\"a\":{\"bb\":{}}}");
	/* Lists are replaced whole, nulls inside them are kept. */
	expect(MERGE, "{\"a\":[1,2,3]}", "{\"a\":[null,{\"x\":null}]}",
	       "{\"a\":[null,{\"x\":null}]}");
	/* Kubernetes objects are objects: other patches are rejected. */
	expect_err(MERGE, "{\"a\":\"b\"}", "[\"c\"]", ST_ERR_INVALID,
		   "object");
	expect_err(MERGE, "{\"a\":\"b\"}", "\"bar\"", ST_ERR_INVALID,
		   "error decoding patch");
	expect_err(MERGE, "{\"a\":\"b\"}", "null", ST_ERR_INVALID,
		   "error decoding patch");
}

/* ---- RFC 6902 ---- */

static void test_json_patch_rfc6902(void **state)
{
	(void)state;
	/* Appendix A.1 - A.16. */
	expect(JSONP, "{\"foo\":\"bar\"}",
	       "[{\"op\":\"add\",\"path\":\"/baz\",\"value\":\"qux\"}]",
	       "{\"baz\":\"qux\",\"foo\":\"bar\"}");
	expect(JSONP, "{\"foo\":[\"bar\",\"baz\"]}",
	       "[{\"op\":\"add\",\"path\":\"/foo/1\",\"value\":\"qux\"}]",
	       "{\"foo\":[\"bar\",\"qux\",\"baz\"]}");
	expect(JSONP, "{\"baz\":\"qux\",\"foo\":\"bar\"}",
	       "[{\"op\":\"remove\",\"path\":\"/baz\"}]", "{\"foo\":\"bar\"}");
	expect(JSONP, "{\"foo\":[\"bar\",\"qux\",\"baz\"]}",
	       "[{\"op\":\"remove\",\"path\":\"/foo/1\"}]",
	       "{\"foo\":[\"bar\",\"baz\"]}");
	expect(JSONP, "{\"baz\":\"qux\",\"foo\":\"bar\"}",
	       "[{\"op\":\"replace\",\"path\":\"/baz\",\"value\":\"boo\"}]",
	       "{\"baz\":\"boo\",\"foo\":\"bar\"}");
	expect(JSONP,
	       "{\"foo\":{\"bar\":\"baz\",\"waldo\":\"fred\"},"
	       "\"qux\":{\"corge\":\"grault\"}}",
	       "[{\"op\":\"move\",\"from\":\"/foo/waldo\","
	       "\"path\":\"/qux/thud\"}]",
	       "{\"foo\":{\"bar\":\"baz\"},"
	       "\"qux\":{\"corge\":\"grault\",\"thud\":\"fred\"}}");
	expect(JSONP, "{\"foo\":[\"all\",\"grass\",\"cows\",\"eat\"]}",
	       "[{\"op\":\"move\",\"from\":\"/foo/1\",\"path\":\"/foo/3\"}]",
	       "{\"foo\":[\"all\",\"cows\",\"eat\",\"grass\"]}");
	expect(JSONP, "{\"baz\":\"qux\",\"foo\":[\"a\",2,\"c\"]}",
	       "[{\"op\":\"test\",\"path\":\"/baz\",\"value\":\"qux\"},"
	       "{\"op\":\"test\",\"path\":\"/foo/1\",\"value\":2}]",
	       "{\"baz\":\"qux\",\"foo\":[\"a\",2,\"c\"]}");
	expect_err(JSONP, "{\"baz\":\"qux\"}",
		   "[{\"op\":\"test\",\"path\":\"/baz\",\"value\":\"bar\"}]",
		   ST_ERR_INVALID, "test failed");
	expect(JSONP, "{\"foo\":\"bar\"}",
	       "[{\"op\":\"add\",\"path\":\"/child\","
	       "\"value\":{\"grandchild\":{}}}]",
	       "{\"foo\":\"bar\",\"child\":{\"grandchild\":{}}}");
	expect(JSONP, "{\"foo\":\"bar\"}",
	       "[{\"op\":\"add\",\"path\":\"/baz\",\"value\":\"qux\","
	       "\"xyz\":123}]",
	       "{\"foo\":\"bar\",\"baz\":\"qux\"}");
	expect_err(JSONP, "{\"foo\":\"bar\"}",
		   "[{\"op\":\"add\",\"path\":\"/baz/bat\",\"value\":\"qux\"}]",
		   ST_ERR_INVALID, "/baz/bat");
	expect_err(JSONP, "{\"foo\":\"bar\"}",
		   "[{\"op\":\"add\",\"path\":\"/baz\",\"value\":\"qux\","
		   "\"op\":\"remove\"}]",
		   ST_ERR_INVALID, NULL);
	expect(JSONP, "{\"/\":9,\"~1\":10}",
	       "[{\"op\":\"test\",\"path\":\"/~01\",\"value\":10}]",
	       "{\"/\":9,\"~1\":10}");
	expect_err(JSONP, "{\"/\":9,\"~1\":10}",
		   "[{\"op\":\"test\",\"path\":\"/~01\",\"value\":\"10\"}]",
		   ST_ERR_INVALID, "test failed");
	expect(JSONP, "{\"foo\":[\"bar\"]}",
	       "[{\"op\":\"add\",\"path\":\"/foo/-\","
	       "\"value\":[\"abc\",\"def\"]}]",
	       "{\"foo\":[\"bar\",[\"abc\",\"def\"]]}");
}

static void test_json_patch_more(void **state)
{
	(void)state;
	/* ~1 is a slash in a key, as in annotation names. */
	expect(JSONP, "{\"metadata\":{\"annotations\":{}}}",
	       "[{\"op\":\"add\",\"path\":"
	       "\"/metadata/annotations/example.com~1x\",\"value\":\"1\"}]",
	       "{\"metadata\":{\"annotations\":{\"example.com/x\":\"1\"}}}");
	/* Copy, and operations applying in order on the result so far. */
	expect(JSONP, "{\"a\":{\"b\":1}}",
	       "[{\"op\":\"copy\",\"from\":\"/a\",\"path\":\"/c\"},"
	       "{\"op\":\"replace\",\"path\":\"/c/b\",\"value\":2}]",
	       "{\"a\":{\"b\":1},\"c\":{\"b\":2}}");
	/* Adding at the end index, inserting at 0, replacing the root. */
	expect(JSONP, "{\"l\":[1]}",
	       "[{\"op\":\"add\",\"path\":\"/l/1\",\"value\":2},"
	       "{\"op\":\"add\",\"path\":\"/l/0\",\"value\":0}]",
	       "{\"l\":[0,1,2]}");
	expect(JSONP, "{\"a\":1}",
	       "[{\"op\":\"replace\",\"path\":\"\",\"value\":{\"b\":2}}]",
	       "{\"b\":2}");
	/* add replaces an existing member; null is a value. */
	expect(JSONP, "{\"a\":1}",
	       "[{\"op\":\"add\",\"path\":\"/a\",\"value\":null}]",
	       "{\"a\":null}");
	/* Numbers compare by value. */
	expect(JSONP, "{\"a\":1}",
	       "[{\"op\":\"test\",\"path\":\"/a\",\"value\":1.0}]",
	       "{\"a\":1}");
	expect(JSONP, "{\"a\":{\"x\":[1,{\"y\":2}]}}",
	       "[{\"op\":\"test\",\"path\":\"/a\","
	       "\"value\":{\"x\":[1,{\"y\":2}]}}]",
	       "{\"a\":{\"x\":[1,{\"y\":2}]}}");
	/* Moving a value onto itself does nothing. */
	expect(JSONP, "{\"a\":1}",
	       "[{\"op\":\"move\",\"from\":\"/a\",\"path\":\"/a\"}]",
	       "{\"a\":1}");
	expect(JSONP, "{}", "[]", "{}");

	expect_err(JSONP, "{\"a\":[1,2]}",
		   "[{\"op\":\"remove\",\"path\":\"/a/2\"}]", ST_ERR_INVALID,
		   "does not exist");
	expect_err(JSONP, "{\"a\":[1,2]}",
		   "[{\"op\":\"add\",\"path\":\"/a/3\",\"value\":1}]",
		   ST_ERR_INVALID, "index");
	expect_err(JSONP, "{\"a\":[1,2]}",
		   "[{\"op\":\"replace\",\"path\":\"/a/01\",\"value\":1}]",
		   ST_ERR_INVALID, "does not exist");
	expect_err(JSONP, "{\"a\":[1,2]}",
		   "[{\"op\":\"replace\",\"path\":\"/a/-\",\"value\":1}]",
		   ST_ERR_INVALID, "does not exist");
	expect_err(JSONP, "{\"a\":[1,2]}",
		   "[{\"op\":\"remove\",\"path\":\"/a/-1\"}]", ST_ERR_INVALID,
		   NULL);
	expect_err(JSONP, "{\"a\":1}",
		   "[{\"op\":\"remove\",\"path\":\"a\"}]", ST_ERR_INVALID,
		   "pointer");
	expect_err(JSONP, "{\"a\":1}",
		   "[{\"op\":\"remove\",\"path\":\"/a~2\"}]", ST_ERR_INVALID,
		   "pointer");
	expect_err(JSONP, "{\"a\":1}",
		   "[{\"op\":\"remove\",\"path\":\"/a~\"}]", ST_ERR_INVALID,
		   "pointer");
	expect_err(JSONP, "{\"a\":1}", "[{\"op\":\"remove\",\"path\":\"\"}]",
		   ST_ERR_INVALID, "whole document");
	expect_err(JSONP, "{\"a\":{\"b\":1}}",
		   "[{\"op\":\"move\",\"from\":\"/a\",\"path\":\"/a/b/c\"}]",
		   ST_ERR_INVALID, "itself");
	expect_err(JSONP, "{\"a\":1}",
		   "[{\"op\":\"move\",\"from\":\"/x\",\"path\":\"/b\"}]",
		   ST_ERR_INVALID, "from");
	expect_err(JSONP, "{\"a\":1}",
		   "[{\"op\":\"copy\",\"path\":\"/b\"}]", ST_ERR_INVALID,
		   "from");
	expect_err(JSONP, "{\"a\":1}", "[{\"op\":\"add\",\"path\":\"/b\"}]",
		   ST_ERR_INVALID, "value");
	expect_err(JSONP, "{\"a\":1}", "[{\"op\":\"frobnicate\",\"path\":\"/a\"}]",
		   ST_ERR_INVALID, "unknown operation");
	expect_err(JSONP, "{\"a\":1}", "[{\"path\":\"/a\"}]", ST_ERR_INVALID,
		   "op");
	expect_err(JSONP, "{\"a\":1}", "[{\"op\":\"remove\"}]", ST_ERR_INVALID,
		   "path");
	expect_err(JSONP, "{\"a\":1}", "[{\"op\":\"remove\",\"path\":1}]",
		   ST_ERR_INVALID, "path");
	expect_err(JSONP, "{\"a\":1}", "[42]", ST_ERR_INVALID, "object");
	expect_err(JSONP, "{\"a\":1}", "{\"op\":\"remove\",\"path\":\"/a\"}",
		   ST_ERR_INVALID, "list");
	expect_err(JSONP, "{\"a\":\"s\"}",
		   "[{\"op\":\"add\",\"path\":\"/a/b\",\"value\":1}]",
		   ST_ERR_INVALID, NULL);
	/* The second operation fails: nothing of the first survives either,
	 * which the unchanged-doc check in apply() verifies. */
	expect_err(JSONP, "{\"a\":1}",
		   "[{\"op\":\"remove\",\"path\":\"/a\"},"
		   "{\"op\":\"remove\",\"path\":\"/a\"}]",
		   ST_ERR_INVALID, "operation 1");
}

/* ---- strategic merge patch ---- */

static const char *deployment =
	"{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\","
	"\"metadata\":{\"name\":\"web\",\"namespace\":\"default\","
	"\"labels\":{\"app\":\"web\",\"tier\":\"front\"},"
	"\"annotations\":{\"keep\":\"me\"},"
	"\"finalizers\":[\"a\",\"b\",\"c\"]},"
	"\"spec\":{\"replicas\":3,"
	"\"selector\":{\"matchLabels\":{\"app\":\"web\"}},"
	"\"strategy\":{\"type\":\"RollingUpdate\","
	"\"rollingUpdate\":{\"maxSurge\":1}},"
	"\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\"}},"
	"\"spec\":{\"containers\":["
	"{\"name\":\"app\",\"image\":\"web:1\",\"args\":[\"--a\",\"--b\"],"
	"\"env\":[{\"name\":\"A\",\"value\":\"1\"},{\"name\":\"B\",\"value\":\"2\"}],"
	"\"ports\":[{\"containerPort\":80,\"name\":\"http\"},"
	"{\"containerPort\":443,\"name\":\"https\"}],"
	"\"volumeMounts\":[{\"mountPath\":\"/data\",\"name\":\"data\"}],"
	"\"resources\":{\"limits\":{\"cpu\":\"1\"}}},"
	"{\"name\":\"sidecar\",\"image\":\"side:1\"}],"
	"\"tolerations\":[{\"key\":\"k1\",\"operator\":\"Exists\"}],"
	"\"volumes\":[{\"name\":\"data\",\"emptyDir\":{}}]}}},"
	"\"status\":{\"conditions\":["
	"{\"type\":\"Available\",\"status\":\"True\"},"
	"{\"type\":\"Progressing\",\"status\":\"True\",\"reason\":\"X\"}]}}";

/* The deployment with a change made by a JSON patch, to state expectations
 * as differences. */
static json_t *deployment_with(const char *ops)
{
	struct err e;
	json_t *d = parse(deployment);
	json_t *out = apply(JSONP, d, ops, &e);

	if (!out)
		fail_msg("bad test operations %s: %s", ops, e.msg);
	json_decref(d);
	return out;
}

static void expect_smp(const char *body, const char *ops)
{
	struct err e;
	json_t *doc = parse(deployment);
	json_t *want = deployment_with(ops);
	json_t *got = apply(SMP, doc, body, &e);

	if (!got)
		fail_msg("patch %s failed: %s", body, e.msg);
	if (!json_equal(got, want)) {
		char *g = dump(got), *w = dump(want);
		fail_msg("patch %s\n  got  %s\n  want %s", body, g, w);
	}
	json_decref(got);
	json_decref(want);
	json_decref(doc);
}

static void test_smp_rollout_restart(void **state)
{
	(void)state;
	expect_smp("{\"spec\":{\"template\":{\"metadata\":{\"annotations\":"
		   "{\"kubectl.kubernetes.io/restartedAt\":"
		   "\"2026-01-01T00:00:00Z\"}}}}}",
		   "[{\"op\":\"add\",\"path\":\"/spec/template/metadata/"
		   "annotations\",\"value\":{\"kubectl.kubernetes.io/"
		   "restartedAt\":\"2026-01-01T00:00:00Z\"}}]");
	/* kubectl scale. */
	expect_smp("{\"spec\":{\"replicas\":5}}",
		   "[{\"op\":\"replace\",\"path\":\"/spec/replicas\","
		   "\"value\":5}]");
}

static void test_smp_containers(void **state)
{
	(void)state;
	/* kubectl set image: one container by name, nothing else moves. */
	expect_smp("{\"spec\":{\"template\":{\"spec\":{\"containers\":"
		   "[{\"name\":\"sidecar\",\"image\":\"side:2\"}]}}}}",
		   "[{\"op\":\"replace\",\"path\":\"/spec/template/spec/"
		   "containers/1/image\",\"value\":\"side:2\"}]");
	expect_smp("{\"spec\":{\"template\":{\"spec\":{\"containers\":"
		   "[{\"name\":\"app\",\"image\":\"web:2\"}]}}}}",
		   "[{\"op\":\"replace\",\"path\":\"/spec/template/spec/"
		   "containers/0/image\",\"value\":\"web:2\"}]");
	/* A new name is appended. */
	expect_smp("{\"spec\":{\"template\":{\"spec\":{\"containers\":"
		   "[{\"name\":\"new\",\"image\":\"n:1\"}]}}}}",
		   "[{\"op\":\"add\",\"path\":\"/spec/template/spec/"
		   "containers/-\",\"value\":{\"name\":\"new\","
		   "\"image\":\"n:1\"}}]");
	/* $patch: delete removes one element. */
	expect_smp("{\"spec\":{\"template\":{\"spec\":{\"containers\":"
		   "[{\"name\":\"sidecar\",\"$patch\":\"delete\"}]}}}}",
		   "[{\"op\":\"remove\",\"path\":\"/spec/template/spec/"
		   "containers/1\"}]");
	/* Deleting a name that is not there is not an error. */
	expect_smp("{\"spec\":{\"template\":{\"spec\":{\"containers\":"
		   "[{\"name\":\"ghost\",\"$patch\":\"delete\"}]}}}}", "[]");
	/* $patch: replace makes the rest of the list the whole list. */
	expect_smp("{\"spec\":{\"template\":{\"spec\":{\"containers\":"
		   "[{\"$patch\":\"replace\"},{\"name\":\"only\","
		   "\"image\":\"o:1\"}]}}}}",
		   "[{\"op\":\"replace\",\"path\":\"/spec/template/spec/"
		   "containers\",\"value\":[{\"name\":\"only\","
		   "\"image\":\"o:1\"}]}]");
	/* Nested keyed lists: env by name, ports by containerPort,
	 * volumeMounts by mountPath; null deletes inside an element. */
	expect_smp("{\"spec\":{\"template\":{\"spec\":{\"containers\":"
		   "[{\"name\":\"app\",\"resources\":null,"
		   "\"env\":[{\"name\":\"B\",\"value\":\"two\"},"
		   "{\"name\":\"C\",\"value\":\"3\",\"valueFrom\":null}],"
		   "\"ports\":[{\"containerPort\":443,\"name\":\"tls\"}],"
		   "\"volumeMounts\":[{\"mountPath\":\"/data\","
		   "\"readOnly\":true}]}]}}}}",
		   "[{\"op\":\"remove\",\"path\":\"/spec/template/spec/"
		   "containers/0/resources\"},"
		   "{\"op\":\"replace\",\"path\":\"/spec/template/spec/"
		   "containers/0/env/1/value\",\"value\":\"two\"},"
		   "{\"op\":\"add\",\"path\":\"/spec/template/spec/"
		   "containers/0/env/-\",\"value\":{\"name\":\"C\","
		   "\"value\":\"3\"}},"
		   "{\"op\":\"replace\",\"path\":\"/spec/template/spec/"
		   "containers/0/ports/1/name\",\"value\":\"tls\"},"
		   "{\"op\":\"add\",\"path\":\"/spec/template/spec/"
		   "containers/0/volumeMounts/0/readOnly\",\"value\":true}]");
	/* Lists without a merge key are replaced. */
	expect_smp("{\"spec\":{\"template\":{\"spec\":{\"containers\":"
		   "[{\"name\":\"app\",\"args\":[\"--c\"]}],"
		   "\"tolerations\":[{\"key\":\"k2\"}]}}}}",
		   "[{\"op\":\"replace\",\"path\":\"/spec/template/spec/"
		   "containers/0/args\",\"value\":[\"--c\"]},"
		   "{\"op\":\"replace\",\"path\":\"/spec/template/spec/"
		   "tolerations\",\"value\":[{\"key\":\"k2\"}]}]");
	/* volumes by name; an element with a directive among others. */
	expect_smp("{\"spec\":{\"template\":{\"spec\":{\"volumes\":"
		   "[{\"name\":\"data\",\"$patch\":\"delete\"},"
		   "{\"name\":\"cfg\",\"configMap\":{\"name\":\"c\"}}]}}}}",
		   "[{\"op\":\"replace\",\"path\":\"/spec/template/spec/"
		   "volumes\",\"value\":[{\"name\":\"cfg\","
		   "\"configMap\":{\"name\":\"c\"}}]}]");
}

static void test_smp_maps_and_directives(void **state)
{
	(void)state;
	/* null deletes, at any depth. */
	expect_smp("{\"metadata\":{\"annotations\":{\"keep\":null},"
		   "\"labels\":{\"tier\":null,\"x\":\"y\"}},"
		   "\"spec\":{\"strategy\":{\"rollingUpdate\":null}}}",
		   "[{\"op\":\"remove\",\"path\":\"/metadata/annotations/"
		   "keep\"},"
		   "{\"op\":\"remove\",\"path\":\"/metadata/labels/tier\"},"
		   "{\"op\":\"add\",\"path\":\"/metadata/labels/x\","
		   "\"value\":\"y\"},"
		   "{\"op\":\"remove\",\"path\":\"/spec/strategy/"
		   "rollingUpdate\"}]");
	/* $patch: replace on a map. */
	expect_smp("{\"metadata\":{\"labels\":{\"$patch\":\"replace\","
		   "\"new\":\"1\"}}}",
		   "[{\"op\":\"replace\",\"path\":\"/metadata/labels\","
		   "\"value\":{\"new\":\"1\"}}]");
	/* $patch: delete on a map empties it, as Kubernetes does. */
	expect_smp("{\"spec\":{\"strategy\":{\"$patch\":\"delete\"}}}",
		   "[{\"op\":\"replace\",\"path\":\"/spec/strategy\","
		   "\"value\":{}}]");
	/* $setElementOrder is accepted and ignored. */
	expect_smp("{\"spec\":{\"template\":{\"spec\":{"
		   "\"$setElementOrder/containers\":[{\"name\":\"sidecar\"},"
		   "{\"name\":\"app\"}],\"containers\":[{\"name\":\"app\","
		   "\"image\":\"web:3\"}]}}}}",
		   "[{\"op\":\"replace\",\"path\":\"/spec/template/spec/"
		   "containers/0/image\",\"value\":\"web:3\"}]");
	/* $deleteFromPrimitiveList removes the listed values. */
	expect_smp("{\"metadata\":{\"$deleteFromPrimitiveList/finalizers\":"
		   "[\"b\",\"zzz\"]}}",
		   "[{\"op\":\"remove\",\"path\":\"/metadata/finalizers/1\"}]");
	/* $retainKeys keeps only the named keys of the original. */
	expect_smp("{\"spec\":{\"strategy\":{\"$retainKeys\":[\"type\"],"
		   "\"type\":\"Recreate\"}}}",
		   "[{\"op\":\"replace\",\"path\":\"/spec/strategy\","
		   "\"value\":{\"type\":\"Recreate\"}}]");
	/* status conditions by type. */
	expect_smp("{\"status\":{\"conditions\":[{\"type\":\"Progressing\","
		   "\"status\":\"False\",\"reason\":null}]}}",
		   "[{\"op\":\"replace\",\"path\":\"/status/conditions/1\","
		   "\"value\":{\"type\":\"Progressing\",\"status\":\"False\"}}]");
	/* A new key holding a keyed list with directives and nulls. */
	expect_smp("{\"spec\":{\"template\":{\"spec\":{\"initContainers\":"
		   "[{\"name\":\"i\",\"image\":\"i:1\",\"args\":null},"
		   "{\"name\":\"gone\",\"$patch\":\"delete\"}]}}}}",
		   "[{\"op\":\"add\",\"path\":\"/spec/template/spec/"
		   "initContainers\",\"value\":[{\"name\":\"i\","
		   "\"image\":\"i:1\"}]}]");

	/* A service's ports are keyed by port. */
	expect(SMP,
	       "{\"spec\":{\"ports\":[{\"port\":80,\"targetPort\":8080},"
	       "{\"port\":443,\"targetPort\":8443}]}}",
	       "{\"spec\":{\"ports\":[{\"port\":80,\"targetPort\":9090}]}}",
	       "{\"spec\":{\"ports\":[{\"port\":80,\"targetPort\":9090},"
	       "{\"port\":443,\"targetPort\":8443}]}}");
	/* A whole-object replace. */
	expect(SMP, "{\"a\":1,\"b\":2}", "{\"$patch\":\"replace\",\"c\":3}",
	       "{\"c\":3}");

	expect_err(SMP, deployment,
		   "{\"spec\":{\"template\":{\"spec\":{\"containers\":"
		   "[{\"image\":\"x:1\"}]}}}}",
		   ST_ERR_INVALID, "does not contain declared merge key: name");
	expect_err(SMP, deployment,
		   "{\"spec\":{\"template\":{\"spec\":{\"containers\":"
		   "[{\"name\":\"app\",\"$patch\":\"explode\"}]}}}}",
		   ST_ERR_INVALID, "unknown patch type");
	expect_err(SMP, deployment, "{\"spec\":{\"$patch\":\"explode\"}}",
		   ST_ERR_INVALID, "unknown patch type");
	expect_err(SMP, deployment, "{\"spec\":{\"$patch\":7}}",
		   ST_ERR_INVALID, "unknown patch type");
	expect_err(SMP, deployment,
		   "{\"metadata\":{\"$deleteFromPrimitiveList/finalizers\":1}}",
		   ST_ERR_INVALID, "must be a list");
	expect_err(SMP, deployment, "{\"spec\":{\"$retainKeys\":[1]}}",
		   ST_ERR_INVALID, "retainKeys");
	expect_err(SMP, deployment, "[]", ST_ERR_INVALID, "object");
}

/* ---- hostile bodies ---- */

static void test_malformed(void **state)
{
	static const char *const bodies[] = {
		"", " ", "{", "}", "{\"a\":}", "{\"a\" 1}", "{'a':1}",
		"{\"a\":1,}", "[", "[{]", "nul", "{\"a\":\"\\u\"}",
		"{\"a\":1} trailing", "\xff\xfe", "{\"a\":\"\xc3\"}",
	};
	static const char *const types[] = {MERGE, SMP, JSONP};
	json_t *doc = parse(deployment);
	struct err e;

	(void)state;
	for (size_t t = 0; t < 3; t++) {
		for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++) {
			json_t *out = apply(types[t], doc, bodies[i], &e);
			if (out)
				fail_msg("%s body \"%s\" was accepted",
					 types[t], bodies[i]);
			assert_int_equal(e.code, ST_ERR_INVALID);
			assert_non_null(strstr(e.msg, "error decoding patch"));
		}
	}
	/* jansson's own text reaches the message. */
	assert_null(apply(MERGE, doc, "{\"a\":}", &e));
	assert_non_null(strstr(e.msg, "line 1"));

	/* A NUL byte inside the body. */
	assert_null(apply_len(MERGE, doc, "{\"a\":1}\0}", 9, &e));
	assert_int_equal(e.code, ST_ERR_INVALID);
	/* A NULL body with a length. */
	assert_null(apply_len(MERGE, doc, NULL, 5, &e));
	assert_int_equal(e.code, ST_ERR_INVALID);
	json_decref(doc);
}

static void test_truncated(void **state)
{
	static const char *const cases[][2] = {
		{MERGE, "{\"spec\":{\"replicas\":5,\"template\":{\"metadata\":"
			"{\"labels\":{\"x\":\"y\"}}}}}"},
		{SMP, "{\"spec\":{\"template\":{\"spec\":{\"containers\":"
		      "[{\"name\":\"app\",\"image\":\"web:2\"}]}}}}"},
		{JSONP, "[{\"op\":\"replace\",\"path\":\"/spec/replicas\","
			"\"value\":5},{\"op\":\"test\",\"path\":\"/kind\","
			"\"value\":\"Deployment\"}]"},
	};
	json_t *doc = parse(deployment);
	struct err e;

	(void)state;
	for (size_t c = 0; c < 3; c++) {
		const char *body = cases[c][1];
		size_t len = strlen(body);
		/* The body is not NUL-terminated at len: a copy with more
		 * bytes after it shows only len bytes are read. */
		char *padded = malloc(len + 8);
		memcpy(padded, body, len);
		memcpy(padded + len, "garbage!", 8);
		for (size_t n = 0; n < len; n++) {
			json_t *out = apply_len(cases[c][0], doc, padded, n, &e);
			if (out)
				fail_msg("prefix %zu of %s accepted", n, body);
			assert_int_equal(e.code, ST_ERR_INVALID);
		}
		json_t *out = apply_len(cases[c][0], doc, padded, len, &e);
		if (!out)
			fail_msg("%s failed: %s", body, e.msg);
		json_decref(out);
		free(padded);
	}
	json_decref(doc);
}

static void test_huge(void **state)
{
	json_t *doc = parse("{\"a\":1}");
	struct buf b = BUF_INIT;
	struct err e;

	(void)state;
	/* Over Kubernetes' 3 MiB body limit. */
	buf_puts(&b, "{\"a\":\"");
	for (size_t i = 0; i < 3 * 1024 * 1024; i++)
		buf_putc(&b, 'x');
	buf_puts(&b, "\"}");
	assert_null(apply_len(MERGE, doc, b.data, b.len, &e));
	assert_int_equal(e.code, ST_ERR_INVALID);
	assert_non_null(strstr(e.msg, "limit"));

	/* Under it, a large value is fine. */
	buf_clear(&b);
	buf_puts(&b, "{\"a\":\"");
	for (size_t i = 0; i < 2 * 1024 * 1024; i++)
		buf_putc(&b, 'y');
	buf_puts(&b, "\"}");
	json_t *out = apply_len(MERGE, doc, b.data, b.len, &e);
	assert_non_null(out);
	assert_int_equal(strlen(json_string_value(json_object_get(out, "a"))),
			 2 * 1024 * 1024);
	json_decref(out);

	/* Too many JSON patch operations. */
	buf_clear(&b);
	buf_putc(&b, '[');
	for (int i = 0; i < 10001; i++)
		buf_printf(&b, "%s{\"op\":\"test\",\"path\":\"/a\",\"value\":1}",
			   i ? "," : "");
	buf_putc(&b, ']');
	assert_null(apply_len(JSONP, doc, b.data, b.len, &e));
	assert_int_equal(e.code, ST_ERR_INVALID);
	assert_non_null(strstr(e.msg, "10000"));

	/* Copies that double the document each time stop at a limit. */
	buf_clear(&b);
	buf_putc(&b, '[');
	for (int i = 0; i < 60; i++)
		buf_printf(&b, "%s{\"op\":\"copy\",\"from\":\"\",\"path\":\"/c%d\"}",
			   i ? "," : "", i);
	buf_putc(&b, ']');
	assert_null(apply_len(JSONP, doc, b.data, b.len, &e));
	assert_int_equal(e.code, ST_ERR_INVALID);
	assert_non_null(strstr(e.msg, "limit"));

	/* A pointer with thousands of tokens. */
	buf_clear(&b);
	buf_puts(&b, "[{\"op\":\"remove\",\"path\":\"");
	for (int i = 0; i < 100000; i++)
		buf_puts(&b, "/a");
	buf_puts(&b, "\"}]");
	assert_null(apply_len(JSONP, doc, b.data, b.len, &e));
	assert_int_equal(e.code, ST_ERR_INVALID);

	buf_free(&b);
	json_decref(doc);
}

static char *nested(const char *open, const char *leaf, const char *close,
		    int n)
{
	struct buf b = BUF_INIT;

	for (int i = 0; i < n; i++)
		buf_puts(&b, open);
	buf_puts(&b, leaf);
	for (int i = 0; i < n; i++)
		buf_puts(&b, close);
	return buf_detach(&b);
}

static void test_deep(void **state)
{
	json_t *doc = parse("{\"a\":{\"b\":1}}");
	struct err e;
	char *s;

	(void)state;
	/* Far beyond any parser: jansson refuses it. */
	s = nested("{\"a\":", "1", "}", 200000);
	assert_null(apply(MERGE, doc, s, &e));
	assert_int_equal(e.code, ST_ERR_INVALID);
	assert_null(apply(SMP, doc, s, &e));
	assert_int_equal(e.code, ST_ERR_INVALID);
	free(s);
	s = nested("[", "1", "]", 200000);
	assert_null(apply(JSONP, doc, s, &e));
	assert_int_equal(e.code, ST_ERR_INVALID);
	free(s);

	/* Parseable, but deeper than kubesim accepts. */
	s = nested("{\"a\":", "1", "}", 500);
	assert_null(apply(MERGE, doc, s, &e));
	assert_int_equal(e.code, ST_ERR_INVALID);
	assert_non_null(strstr(e.msg, "nested"));
	assert_null(apply(SMP, doc, s, &e));
	assert_int_equal(e.code, ST_ERR_INVALID);
	free(s);
	s = nested("[", "1", "]", 500);
	char *body = NULL;
	assert_true(asprintf(&body, "[{\"op\":\"add\",\"path\":\"/x\","
				    "\"value\":%s}]", s) > 0);
	assert_null(apply(JSONP, doc, body, &e));
	assert_int_equal(e.code, ST_ERR_INVALID);
	free(body);
	free(s);

	/* Fifty levels is fine, and merges all the way down. */
	s = nested("{\"a\":", "{\"z\":2}", "}", 50);
	json_t *out = apply(MERGE, doc, s, &e);
	assert_non_null(out);
	json_t *cur = out;
	for (int i = 0; i < 50; i++)
		cur = json_object_get(cur, "a");
	assert_int_equal(json_integer_value(json_object_get(cur, "z")), 2);
	/* The original "b" survived the merge at level 1 only. */
	assert_non_null(json_object_get(json_object_get(out, "a"), "b"));
	json_decref(out);
	out = apply(SMP, doc, s, &e);
	assert_non_null(out);
	json_decref(out);
	free(s);

	/* Moves cannot build a document deeper than the limit either. */
	struct buf b = BUF_INIT;
	s = nested("{\"a\":", "1", "}", 60);
	buf_printf(&b, "[{\"op\":\"add\",\"path\":\"/x\",\"value\":%s},"
		       "{\"op\":\"add\",\"path\":\"/y\",\"value\":%s},",
		   s, s);
	buf_puts(&b, "{\"op\":\"move\",\"from\":\"/y\",\"path\":\"/x");
	for (int i = 0; i < 59; i++)
		buf_puts(&b, "/a");
	buf_puts(&b, "/a\"}]");
	assert_null(apply_len(JSONP, doc, b.data, b.len, &e));
	assert_int_equal(e.code, ST_ERR_INVALID);
	assert_non_null(strstr(e.msg, "nested"));
	buf_free(&b);
	free(s);
	json_decref(doc);
}

/* xorshift64*: deterministic, so a failure reproduces. */
static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * 2685821657736338717ull;
}

static void test_random_mutations(void **state)
{
	static const char *const seeds[][2] = {
		{MERGE, "{\"metadata\":{\"labels\":{\"a\":null,\"b\":\"c\"}},"
			"\"spec\":{\"replicas\":2}}"},
		{SMP, "{\"spec\":{\"template\":{\"spec\":{\"containers\":"
		      "[{\"name\":\"app\",\"$patch\":\"delete\"},{\"name\":"
		      "\"x\",\"env\":[{\"name\":\"E\",\"value\":null}]}],"
		      "\"$setElementOrder/containers\":[{\"name\":\"x\"}]}}},"
		      "\"metadata\":{\"$deleteFromPrimitiveList/finalizers\":"
		      "[\"a\"],\"$patch\":\"replace\"}}"},
		{JSONP, "[{\"op\":\"move\",\"from\":\"/spec/replicas\","
			"\"path\":\"/spec/template/spec/containers/0/r\"},"
			"{\"op\":\"copy\",\"from\":\"/metadata\","
			"\"path\":\"/spec/m\"},{\"op\":\"test\",\"path\":"
			"\"/kind\",\"value\":\"Deployment\"},{\"op\":\"add\","
			"\"path\":\"/status/conditions/-\",\"value\":{}}]"},
	};
	static const char alphabet[] = "{}[]\",:0123456789-/~$ nulltrueabc\\";
	json_t *doc = parse(deployment);
	struct err e;
	int ok = 0, bad = 0;

	(void)state;
	for (int iter = 0; iter < 6000; iter++) {
		const char *ct = seeds[iter % 3][0];
		const char *seed = seeds[iter % 3][1];
		size_t len = strlen(seed);
		char *m = malloc(len + 1);
		memcpy(m, seed, len + 1);
		int edits = 1 + (int)(rnd() % 4);
		for (int k = 0; k < edits; k++) {
			size_t at = rnd() % len;
			switch (rnd() % 3) {
			case 0: /* replace a byte */
				m[at] = alphabet[rnd() % (sizeof alphabet - 1)];
				break;
			case 1: /* any byte at all */
				m[at] = (char)(rnd() & 0xff);
				break;
			default: /* cut */
				len = at;
				break;
			}
			if (len == 0)
				break;
		}
		json_t *out = apply_len(ct, doc, m, len, &e);
		if (out) {
			ok++;
			json_decref(out);
		} else {
			bad++;
			assert_int_equal(e.code, ST_ERR_INVALID);
		}
		free(m);
	}
	/* The mutations must exercise both outcomes. */
	assert_true(ok > 100);
	assert_true(bad > 100);
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_content_types),
		cmocka_unit_test(test_merge_rfc7386),
		cmocka_unit_test(test_json_patch_rfc6902),
		cmocka_unit_test(test_json_patch_more),
		cmocka_unit_test(test_smp_rollout_restart),
		cmocka_unit_test(test_smp_containers),
		cmocka_unit_test(test_smp_maps_and_directives),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_huge),
		cmocka_unit_test(test_deep),
		cmocka_unit_test(test_random_mutations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
