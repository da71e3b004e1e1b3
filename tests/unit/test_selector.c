/*
 * Unit tests for kubesim's label and field selectors (tests/kubesim/
 * selector.c): every operator, combinations, escapes, the apiserver's error
 * messages, and hostile input that must fail cleanly instead of crashing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kubesim/kubesim.h"

/* Labels from a compact JSON text. */
static json_t *J(const char *text)
{
	json_error_t je;
	json_t *v = json_loads(text, 0, &je);
	if (!v)
		fail_msg("bad test JSON %s: %s", text, je.text);
	return v;
}

/* Does selector s parse and match the labels (JSON text or NULL)? */
static bool lmatch(const char *s, const char *labels)
{
	struct ks_selector *sel = NULL;
	struct err e = {0};
	if (ks_label_selector_parse(s, &sel, &e) != ST_OK)
		fail_msg("selector %s: %s", s, e.msg);
	assert_non_null(sel);
	json_t *l = labels ? J(labels) : NULL;
	bool m = ks_label_selector_match(sel, l);
	json_decref(l);
	ks_selector_free(sel);
	return m;
}

/* The error message of a selector that must not parse. */
static const char *lerr(const char *s)
{
	static struct err e;
	static char dummy;
	/* a failed parse must leave NULL behind, whatever was there */
	struct ks_selector *sel = (struct ks_selector *)(void *)&dummy;
	memset(&e, 0, sizeof e);
	assert_int_equal(ks_label_selector_parse(s, &sel, &e), ST_ERR_INVALID);
	assert_null(sel);
	assert_int_equal(e.code, ST_ERR_INVALID);
	return e.msg;
}

static void test_label_empty_matches_everything(void **state)
{
	(void)state;
	assert_true(lmatch("", NULL));
	assert_true(lmatch("", "{\"app\":\"web\"}"));
	assert_true(lmatch("  \t\n ", "{}"));
	/* a NULL selector is "everything" too */
	assert_true(ks_label_selector_match(NULL, NULL));
}

static void test_label_equality(void **state)
{
	(void)state;
	const char *web = "{\"app\":\"web\",\"tier\":\"front\"}";
	assert_true(lmatch("app=web", web));
	assert_true(lmatch("app==web", web));
	assert_false(lmatch("app=db", web));
	assert_false(lmatch("app==db", web));
	assert_false(lmatch("app=web", NULL));
	assert_false(lmatch("app=web", "{}"));
	assert_true(lmatch("app!=db", web));
	assert_false(lmatch("app!=web", web));
	/* != matches objects without the label at all */
	assert_true(lmatch("app!=web", NULL));
	assert_true(lmatch("app!=web", "{\"other\":\"x\"}"));
	/* an empty value is a value */
	assert_true(lmatch("app=", "{\"app\":\"\"}"));
	assert_false(lmatch("app=", "{}"));
	assert_true(lmatch("app!=", "{\"app\":\"x\"}"));
	/* prefixed keys */
	assert_true(lmatch("app.kubernetes.io/name=web",
			   "{\"app.kubernetes.io/name\":\"web\"}"));
}

static void test_label_sets(void **state)
{
	(void)state;
	const char *web = "{\"env\":\"prod\"}";
	assert_true(lmatch("env in (prod,staging)", web));
	assert_true(lmatch("env in (staging, prod)", web));
	assert_false(lmatch("env in (dev)", web));
	assert_false(lmatch("env in (prod)", "{}"));
	assert_true(lmatch("env notin (dev,qa)", web));
	assert_false(lmatch("env notin (prod)", web));
	/* notin matches objects without the label */
	assert_true(lmatch("env notin (prod)", NULL));
	/* "()" and empty list members are the empty value */
	assert_true(lmatch("env in ()", "{\"env\":\"\"}"));
	assert_false(lmatch("env in ()", web));
	assert_true(lmatch("env in (,prod)", web));
	assert_true(lmatch("env in (x,,y)", "{\"env\":\"\"}"));
	assert_true(lmatch("env in (x,)", "{\"env\":\"\"}"));
	/* in and notin are ordinary words as values and keys */
	assert_true(lmatch("env in (in,notin)", "{\"env\":\"in\"}"));
	assert_true(lmatch("in=notin", "{\"in\":\"notin\"}"));
	assert_true(lmatch("in", "{\"in\":\"x\"}"));
}

static void test_label_existence(void **state)
{
	(void)state;
	assert_true(lmatch("app", "{\"app\":\"\"}"));
	assert_false(lmatch("app", "{\"other\":\"x\"}"));
	assert_false(lmatch("app", NULL));
	assert_true(lmatch("!app", NULL));
	assert_true(lmatch("!app", "{\"other\":\"x\"}"));
	assert_false(lmatch("!app", "{\"app\":\"web\"}"));
	assert_true(lmatch(" ! app ", "{}"));
}

static void test_label_numeric(void **state)
{
	(void)state;
	assert_true(lmatch("gen>3", "{\"gen\":\"4\"}"));
	assert_false(lmatch("gen>3", "{\"gen\":\"3\"}"));
	assert_true(lmatch("gen<3", "{\"gen\":\"2\"}"));
	assert_false(lmatch("gen<3", "{\"gen\":\"x\"}"));
	assert_false(lmatch("gen<3", NULL));
}

static void test_label_combinations(void **state)
{
	(void)state;
	const char *l = "{\"app\":\"web\",\"env\":\"prod\",\"canary\":\"\"}";
	assert_true(lmatch("app=web,env in (prod),canary,!legacy", l));
	assert_true(lmatch("  app = web ,  env notin ( dev , qa ) ", l));
	assert_false(lmatch("app=web,env=dev", l));
	assert_false(lmatch("app=web,!canary", l));
	assert_true(lmatch("app\t==\tweb\n,\nenv!=dev", l));
}

static void test_label_errors(void **state)
{
	(void)state;
	assert_string_equal(lerr("app=web extra"),
			    "found 'extra', expected: ',' or 'end of string'");
	assert_string_equal(lerr("app=web,"),
			    "found '', expected: identifier after ','");
	assert_string_equal(lerr(",app"),
			    "found ',', expected: !, identifier, or 'end of "
			    "string'");
	assert_string_equal(lerr("=web"),
			    "found '=', expected: !, identifier, or 'end of "
			    "string'");
	assert_string_equal(lerr("app web"),
			    "unable to parse requirement: found 'web', "
			    "expected: in, notin, =, ==, !=, gt, lt");
	assert_string_equal(lerr("app in (a"),
			    "unable to parse requirement: found '', expected: "
			    "',' or ')'");
	assert_string_equal(lerr("app in a"),
			    "unable to parse requirement: found 'a' expected: "
			    "'('");
	assert_string_equal(lerr("app in (=)"),
			    "unable to parse requirement: found '=', expected: "
			    "',', ')' or identifier");
	assert_string_equal(lerr("app in (a,=)"),
			    "unable to parse requirement: found '=', expected: "
			    "',', or identifier");
	assert_string_equal(lerr("app=(x)"),
			    "unable to parse requirement: found '(', expected: "
			    "identifier");
	assert_string_equal(lerr("!"),
			    "unable to parse requirement: found '', expected: "
			    "identifier");
	assert_string_equal(lerr("!app=x"),
			    "found '=', expected: ',' or 'end of string'");
	assert_string_equal(lerr("app in (a))"),
			    "found ')', expected: ',' or 'end of string'");
}

static void test_label_validation_messages(void **state)
{
	(void)state;
	assert_string_equal(
	    lerr("a$=b"),
	    "unable to parse requirement: <nil>: Invalid value: \"a$\": "
	    "name part must consist of alphanumeric characters, '-', '_' "
	    "or '.', and must start and end with an alphanumeric character "
	    "(e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
	    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')");
	assert_string_equal(
	    lerr("app=b$"),
	    "unable to parse requirement: values[0][app]: Invalid value: "
	    "\"b$\": a valid label must be an empty string or consist of "
	    "alphanumeric characters, '-', '_' or '.', and must start and "
	    "end with an alphanumeric character (e.g. 'MyValue',  or "
	    "'my_value',  or '12345', regex used for validation is "
	    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
	/* values are a sorted set: the index is the sorted one */
	const char *m = lerr("app in (zz, b$)");
	assert_non_null(strstr(m, "values[0][app]: Invalid value: \"b$\""));
	/* several problems make an aggregate in brackets */
	m = lerr("app notin (a$,b$)");
	assert_true(strncmp(m, "unable to parse requirement: [values[0][app]",
			    44) == 0);
	assert_non_null(strstr(m, ", values[1][app]: Invalid value: \"b$\""));
	assert_string_equal(
	    lerr("gen>x"),
	    "unable to parse requirement: values[0]: Invalid value: \"x\": "
	    "for 'Gt', 'Lt' operators, the value must be an integer");
	assert_non_null(strstr(lerr("a/b/c"),
			       "<nil>: Invalid value: "
			       "\"a/b/c\": a qualified name must consist"));
	assert_non_null(strstr(lerr("/a"), "prefix part must be non-empty"));
	assert_non_null(strstr(lerr("Example.com/a"),
			       "prefix part a lowercase "
			       "RFC 1123 subdomain must consist"));
	m = lerr("example.com/");
	assert_non_null(strstr(m, "name part must be non-empty; name part "
				  "must consist"));
	char longkey[80];
	memset(longkey, 'k', 64);
	longkey[64] = '\0';
	assert_non_null(strstr(lerr(longkey),
			       "name part must be no more than 63 characters"));
	char longval[100];
	snprintf(longval, sizeof longval, "a=%0*d", 64, 7);
	assert_non_null(strstr(lerr(longval), "must be no more than 63 "
					      "characters"));
	/* quoting of the bad value follows Go's %q */
	assert_non_null(strstr(lerr("a=x\"y"), "Invalid value: \"x\\\"y\""));
}

static void test_label_hostile_input(void **state)
{
	(void)state;
	/* a huge key fails validation */
	size_t n = 1 << 20;
	char *big = malloc(n + 1);
	memset(big, 'a', n);
	big[n] = '\0';
	struct err e = {0};
	struct ks_selector *sel = NULL;
	assert_int_equal(ks_label_selector_parse(big, &sel, &e),
			 ST_ERR_INVALID);
	assert_null(sel);
	assert_true(strlen(e.msg) < ERR_MSG_MAX);
	/* many requirements parse and match */
	size_t off = 0;
	for (int i = 0; off + 16 < n && i < 20000; i++)
		off += (size_t)sprintf(big + off, "%sk%d!=v", i ? "," : "", i);
	assert_int_equal(ks_label_selector_parse(big, &sel, &e), ST_OK);
	json_t *l = J("{\"k5\":\"v\"}");
	assert_false(ks_label_selector_match(sel, l));
	json_decref(l);
	ks_selector_free(sel);
	/* a long list of values */
	off = (size_t)sprintf(big, "a in (");
	for (int i = 0; i < 20000; i++)
		off += (size_t)sprintf(big + off, "%sv%d", i ? "," : "", i);
	strcpy(big + off, ")");
	assert_int_equal(ks_label_selector_parse(big, &sel, &e), ST_OK);
	l = J("{\"a\":\"v19999\"}");
	assert_true(ks_label_selector_match(sel, l));
	json_decref(l);
	ks_selector_free(sel);
	/* unbalanced and repeated punctuation */
	const char *bad[] = {"(",	")",	"a in ((b))", "a in (b",
			     "a in b)", "a==",	"a===b",      "a!==b",
			     "!!a",	"a,,b", "a!",	      "a<",
			     "a>>1",	"a in", "a notin",    "a in (",
			     ",",	"==",	"a=b=c",      "a in (b c)",
			     NULL};
	for (const char **b = bad; *b; b++) {
		int st = ks_label_selector_parse(*b, &sel, &e);
		if (st == ST_OK) {
			ks_selector_free(sel);
			/* "a==" is the empty value; "a in (b c)" is not ok */
			assert_string_equal(*b, "a==");
		} else {
			assert_int_equal(st, ST_ERR_INVALID);
			assert_null(sel);
		}
	}
	/* pseudo-random bytes: never a crash, only OK or ERR_INVALID, and the
	 * message is valid UTF-8 */
	unsigned seed = 12345;
	for (int round = 0; round < 3000; round++) {
		char s[64];
		size_t len = (size_t)(round % 60);
		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			unsigned c = (seed >> 16) % 255 + 1;
			/* bias towards the grammar's own characters */
			if (c % 3 == 0)
				c = (unsigned char)"a=!(), in\tnotin<>b/."[c %
									   20];
			s[i] = (char)c;
		}
		s[len] = '\0';
		memset(&e, 0, sizeof e);
		int st = ks_label_selector_parse(s, &sel, &e);
		assert_true(st == ST_OK || st == ST_ERR_INVALID);
		if (st == ST_OK) {
			ks_selector_free(sel);
		} else {
			json_t *js = json_string(e.msg);
			assert_non_null(js);
			json_decref(js);
		}
	}
	free(big);
}

/* ---- field selectors ---- */

static bool fmatch(enum ks_kind k, const char *s, const char *obj)
{
	struct ks_selector *sel = NULL;
	struct err e = {0};
	if (ks_field_selector_parse(k, s, &sel, &e) != ST_OK)
		fail_msg("field selector %s: %s", s, e.msg);
	json_t *o = J(obj);
	bool m = ks_field_selector_match(sel, o);
	json_decref(o);
	ks_selector_free(sel);
	return m;
}

static const char *ferr(enum ks_kind k, const char *s)
{
	static struct err e;
	struct ks_selector *sel = NULL;
	memset(&e, 0, sizeof e);
	assert_int_equal(ks_field_selector_parse(k, s, &sel, &e),
			 ST_ERR_INVALID);
	assert_null(sel);
	return e.msg;
}

static const char *const POD =
    "{\"metadata\":{\"name\":\"web-1\",\"namespace\":\"demo\"},"
    "\"spec\":{\"nodeName\":\"node-1\",\"restartPolicy\":\"Always\"},"
    "\"status\":{\"phase\":\"Running\",\"podIP\":\"10.0.0.5\"}}";

static void test_field_operators(void **state)
{
	(void)state;
	assert_true(fmatch(KS_PODS, "", POD));
	assert_true(fmatch(KS_PODS, "metadata.name=web-1", POD));
	assert_true(fmatch(KS_PODS, "metadata.name==web-1", POD));
	assert_false(fmatch(KS_PODS, "metadata.name=web-2", POD));
	assert_true(fmatch(KS_PODS, "metadata.name!=web-2", POD));
	assert_false(fmatch(KS_PODS, "metadata.name!=web-1", POD));
	assert_true(
	    fmatch(KS_PODS, "status.phase=Running,spec.nodeName=node-1", POD));
	assert_false(
	    fmatch(KS_PODS, "status.phase=Running,spec.nodeName=node-2", POD));
	assert_true(fmatch(KS_PODS, "metadata.namespace=demo,", POD));
	assert_true(fmatch(KS_PODS, "status.podIP=10.0.0.5", POD));
	/* old clients' spec.host means spec.nodeName */
	assert_true(fmatch(KS_PODS, "spec.host=node-1", POD));
	/* a missing field is the empty string, or the server's default */
	assert_true(fmatch(KS_PODS, "status.nominatedNodeName=", POD));
	assert_true(
	    fmatch(KS_PODS, "spec.schedulerName=default-scheduler", POD));
	assert_true(fmatch(KS_PODS, "spec.hostNetwork=false", POD));
	assert_true(fmatch(KS_PODS, "spec.nodeName=", "{}"));
	assert_true(fmatch(KS_PODS, "spec.nodeName!=node-1", "{}"));
	assert_true(fmatch(KS_PODS, "status.phase=Pending", "{}"));
	assert_false(
	    fmatch(KS_PODS, "spec.nodeName=x", "{\"spec\":{\"nodeName\":7}}"));
}

static void test_field_escapes(void **state)
{
	(void)state;
	const char *odd = "{\"metadata\":{\"name\":\"a,b=c\\\\d\"}}";
	assert_true(fmatch(KS_CONFIGMAPS, "metadata.name=a\\,b\\=c\\\\d", odd));
	assert_false(fmatch(KS_CONFIGMAPS, "metadata.name=a\\,b", odd));
	assert_string_equal(ferr(KS_CONFIGMAPS, "metadata.name=a\\x"),
			    "invalid field selector: invalid escape sequence: "
			    "\\x");
	assert_string_equal(ferr(KS_CONFIGMAPS, "metadata.name=a\\"),
			    "invalid field selector: invalid escape sequence: "
			    "\\");
	/* Go prints the rune with %v: its number */
	assert_string_equal(ferr(KS_CONFIGMAPS, "metadata.name=a=b"),
			    "invalid field selector: unescaped character in "
			    "value: 61");
	/* an escaped comma does not split terms */
	assert_true(fmatch(KS_CONFIGMAPS,
			   "metadata.name!=x\\,y,metadata.name="
			   "a\\,b\\=c\\\\d",
			   odd));
}

static void test_field_kinds(void **state)
{
	(void)state;
	const char *ev =
	    "{\"metadata\":{\"name\":\"web-1.1\",\"namespace\":\"demo\"},"
	    "\"involvedObject\":{\"kind\":\"Pod\",\"name\":\"web-1\","
	    "\"namespace\":\"demo\",\"uid\":\"u1\",\"fieldPath\":"
	    "\"spec.containers{app}\"},\"reason\":\"BackOff\",\"type\":"
	    "\"Warning\",\"source\":{\"component\":\"kubelet\"},"
	    "\"reportingComponent\":\"kubelet\"}";
	assert_true(fmatch(KS_EVENTS,
			   "involvedObject.kind=Pod,"
			   "involvedObject.name=web-1,involvedObject.uid=u1",
			   ev));
	assert_true(fmatch(KS_EVENTS,
			   "involvedObject.fieldPath=spec.containers"
			   "{app}",
			   ev));
	assert_true(fmatch(KS_EVENTS,
			   "source=kubelet,type=Warning,reason="
			   "BackOff,reportingComponent=kubelet",
			   ev));
	assert_false(fmatch(KS_EVENTS, "type=Normal", ev));

	const char *node = "{\"metadata\":{\"name\":\"node-1\"},"
			   "\"spec\":{\"unschedulable\":true}}";
	assert_true(fmatch(KS_NODES, "spec.unschedulable=true", node));
	assert_true(fmatch(KS_NODES, "spec.unschedulable=false", "{}"));
	assert_true(fmatch(KS_NODES, "metadata.name=node-1", node));

	assert_true(fmatch(KS_JOBS, "status.successful=2",
			   "{\"status\":{\"succeeded\":2}}"));
	assert_true(fmatch(KS_JOBS, "status.successful=0", "{}"));
	assert_true(fmatch(KS_SECRETS, "type=Opaque", "{}"));
	assert_true(fmatch(KS_SECRETS, "type=kubernetes.io/tls",
			   "{\"type\":\"kubernetes.io/tls\"}"));
	assert_true(fmatch(KS_NAMESPACES, "status.phase=Active", "{}"));
	assert_true(fmatch(KS_SERVICES, "spec.type=ClusterIP", "{}"));
	assert_true(fmatch(KS_DEPLOYMENTS, "metadata.namespace=demo",
			   "{\"metadata\":{\"namespace\":\"demo\"}}"));
}

static void test_field_errors(void **state)
{
	(void)state;
	assert_string_equal(ferr(KS_PODS, "spec.containers=x"),
			    "field label not supported: spec.containers");
	assert_string_equal(ferr(KS_EVENTS, "message=x"),
			    "field label not supported: message");
	/* nodes and namespaces have no metadata.namespace */
	assert_string_equal(ferr(KS_NODES, "metadata.namespace=x"),
			    "field label not supported: metadata.namespace");
	assert_string_equal(ferr(KS_NAMESPACES, "metadata.namespace=x"),
			    "field label not supported: metadata.namespace");
	assert_string_equal(ferr(KS_JOBS, "spec.x=1"),
			    "field label \"spec.x\" not supported for "
			    "batchv1.Job");
	assert_string_equal(ferr(KS_CONFIGMAPS, "data=x"),
			    "\"data\" is not a known field selector: only "
			    "\"metadata.name\", \"metadata.namespace\"");
	assert_string_equal(ferr(KS_DEPLOYMENTS, "status.replicas=1"),
			    "\"status.replicas\" is not a known field "
			    "selector: only \"metadata.name\", "
			    "\"metadata.namespace\"");
	assert_string_equal(ferr(KS_PODS, "status.phase"),
			    "invalid selector: 'status.phase'; can't "
			    "understand 'status.phase'");
	/* terms are sorted before they are checked, as the real parser does */
	assert_string_equal(ferr(KS_PODS, "zz=1,aa=1"),
			    "field label not supported: aa");
	assert_string_equal(ferr(KS_PODS, "zz,metadata.name=a=b"),
			    "invalid field selector: unescaped character in "
			    "value: 61");
	/* syntax errors come before unknown fields */
	assert_string_equal(ferr(KS_PODS, "aa=1,zz"),
			    "invalid selector: 'aa=1,zz'; can't understand "
			    "'zz'");
	/* whitespace is not trimmed */
	assert_string_equal(ferr(KS_PODS, " metadata.name=x"),
			    "field label not supported:  metadata.name");
}

static void test_field_hostile_input(void **state)
{
	(void)state;
	unsigned seed = 99;
	for (int round = 0; round < 3000; round++) {
		char s[48];
		size_t len = (size_t)(round % 44);
		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			unsigned c = (seed >> 16) % 255 + 1;
			if (c % 2)
				c = (unsigned char)"metadata.name=\\,!x"[c %
									 18];
			s[i] = (char)c;
		}
		s[len] = '\0';
		struct ks_selector *sel = NULL;
		struct err e = {0};
		int st = ks_field_selector_parse(KS_PODS, s, &sel, &e);
		assert_true(st == ST_OK || st == ST_ERR_INVALID);
		if (st == ST_OK) {
			json_t *o = J(POD);
			(void)ks_field_selector_match(sel, o);
			json_decref(o);
			ks_selector_free(sel);
		} else {
			json_t *js = json_string(e.msg);
			assert_non_null(js);
			json_decref(js);
		}
	}
	/* invalid UTF-8 after a backslash still yields a UTF-8 message */
	const char *m = ferr(KS_PODS, "metadata.name=\\\xff");
	assert_string_equal(m, "invalid field selector: invalid escape "
			       "sequence: \\\xef\xbf\xbd");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_label_empty_matches_everything),
	    cmocka_unit_test(test_label_equality),
	    cmocka_unit_test(test_label_sets),
	    cmocka_unit_test(test_label_existence),
	    cmocka_unit_test(test_label_numeric),
	    cmocka_unit_test(test_label_combinations),
	    cmocka_unit_test(test_label_errors),
	    cmocka_unit_test(test_label_validation_messages),
	    cmocka_unit_test(test_label_hostile_input),
	    cmocka_unit_test(test_field_operators),
	    cmocka_unit_test(test_field_escapes),
	    cmocka_unit_test(test_field_kinds),
	    cmocka_unit_test(test_field_errors),
	    cmocka_unit_test(test_field_hostile_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
