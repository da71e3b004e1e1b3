/*
 * Unit tests for src/runbook/vars.c: rb_var_check for every type with its
 * edge cases and canonical forms (integers without '+' or leading zeros,
 * booleans as true/false), the exact messages, regex whole-string
 * matching, static and live choices, length and control-character limits;
 * rb_values_resolve (defaults, later --var wins, unknown variables with a
 * suggestion, every missing required variable listed once); and secrets,
 * which appear in no message and are masked in the JSON that is shown and
 * recorded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/status.h"
#include "base/str.h"
#include "model/model.h"
#include "runbook/runbook.h"
#include "runbook/vars.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

static const char model_yaml[] = "environments:\n"
				 "  - {name: staging, cluster: c}\n"
				 "services:\n"
				 "  - name: api\n"
				 "    workload: deployment/api\n"
				 "    namespace: ns\n"
				 "    version: {file: v.yaml, path: tag}\n";

static const char runbook_yaml[] =
    "name: rb\n"
    "title: T\n"
    "variables:\n"
    "  - {name: s, pattern: '[a-z]+'}\n"
    "  - {name: t, type: text}\n"
    "  - {name: c, type: choice, choices: [red, green, \"blue sky\"]}\n"
    "  - {name: pod, type: choice, choices-from: pods}\n"
    "  - {name: n, type: integer, min: -5, max: 100}\n"
    "  - {name: big, type: integer}\n"
    "  - {name: b, type: boolean}\n"
    "  - {name: pw, type: secret, pattern: '^[A-Za-z0-9]{8,}$'}\n"
    "  - {name: alt, pattern: 'a|ab'}\n"
    "  - {name: migration, required: true}\n"
    "  - {name: reason, required: true}\n"
    "  - {name: replicas, type: integer, required: true, default: 2}\n"
    "  - {name: opt, default: hello}\n"
    "steps:\n"
    "  - action: confirm\n"
    "    instructions: go\n";

static struct model *model;
static struct runbook *rb;

static int setup(void **state)
{
	(void)state;
	struct buf p = BUF_INIT;
	if (model_parse("opsdeck.yaml", model_yaml, strlen(model_yaml), &model,
			&p) != ST_OK ||
	    runbook_parse("runbooks/rb.yaml", runbook_yaml,
			  strlen(runbook_yaml), model, NULL, NULL, &rb,
			  &p) != ST_OK) {
		fprintf(stderr, "%s", buf_str(&p));
		return -1;
	}
	buf_free(&p);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	runbook_free(rb);
	model_free(model);
	return 0;
}

static const struct rb_var *v(const char *name)
{
	const struct rb_var *var = runbook_var(rb, name);
	if (!var)
		fail_msg("no variable %s", name);
	return var;
}

/* Check must pass with this canonical form. */
static void ok(const char *name, const char *value, const char *canon)
{
	char *out = NULL;
	struct err e = {ST_OK, ""};
	enum status st = rb_var_check(v(name), value, NULL, NULL, &out, &e);
	if (st != ST_OK)
		fail_msg("%s=%s refused: %s", name, value, e.msg);
	assert_string_equal(out, canon);
	/* the canonical form is a fixed point */
	char *again = NULL;
	assert_int_equal(rb_var_check(v(name), out, NULL, NULL, &again, &e),
			 ST_OK);
	assert_string_equal(again, out);
	free(again);
	free(out);
}

/* Check must fail with exactly this message. */
static void bad(const char *name, const char *value, const char *msg)
{
	char *out = (char *)1;
	struct err e = {ST_OK, ""};
	enum status st = rb_var_check(v(name), value, NULL, NULL, &out, &e);
	if (st != ST_ERR_INVALID)
		fail_msg("%s accepted for %s", value, name);
	assert_null(out);
	assert_string_equal(e.msg, msg);
	for (const char *p = e.msg; *p; p++)
		assert_true((unsigned char)*p >= 0x20 && *p != 0x7f);
}

static void test_string(void **state)
{
	(void)state;
	ok("s", "abc", "abc");
	bad("s", "abc1", "s: \"abc1\" does not match [a-z]+");
	/* the whole value must match, not a part of it */
	bad("s", "1abc", "s: \"1abc\" does not match [a-z]+");
	bad("s", "a\nb", "s: the value must be one line");
	bad("s", "a\tb", "s: the value contains a control character");
	bad("s", "a\x1b[2Jb", "s: the value contains a control character");
	bad("s",
	    "a\xc2\x9b"
	    "b",
	    "s: the value contains a control character");
	bad("s", "a\xff", "s: the value is not valid UTF-8 text");
	bad("s", "", "s: \"\" does not match [a-z]+");
	/* leftmost-longest: "a|ab" matches all of "ab" */
	ok("alt", "ab", "ab");
	ok("alt", "a", "a");
	bad("alt", "abab", "alt: \"abab\" does not match a|ab");
	/* an optional string without a pattern may be empty */
	ok("opt", "", "");
	ok("opt", "héllo wörld", "héllo wörld");
}

static void test_length(void **state)
{
	(void)state;
	char *big = malloc(RB_VALUE_MAX + 2);
	memset(big, 'a', RB_VALUE_MAX + 1);
	big[RB_VALUE_MAX + 1] = '\0';
	bad("s", big, "s: the value is longer than 65536 bytes");
	big[RB_VALUE_MAX] = '\0';
	ok("s", big, big);
	free(big);
	/* long values are clipped in messages */
	char *err_value = malloc(201);
	memset(err_value, 'Z', 200);
	err_value[200] = '\0';
	char *out = NULL;
	struct err e;
	assert_int_equal(rb_var_check(v("s"), err_value, NULL, NULL, &out, &e),
			 ST_ERR_INVALID);
	assert_true(strlen(e.msg) < 120);
	assert_non_null(strstr(e.msg, "ZZZ...\" does not match"));
	free(err_value);
}

static void test_text(void **state)
{
	(void)state;
	ok("t", "line one\n\tline two\n", "line one\n\tline two\n");
	bad("t", "a\r\nb", "t: the value contains a control character");
	bad("t", "a\x7f", "t: the value contains a control character");
	ok("t", "", "");
}

static void test_choice(void **state)
{
	(void)state;
	ok("c", "green", "green");
	ok("c", "blue sky", "blue sky");
	bad("c", "Green", "c: \"Green\" is not one of red, green, blue sky");
	bad("c", "", "c: the value is empty (a value is required)");
	/* a live choice without a list: any one-line value */
	ok("pod", "api-7d9f-x2x", "api-7d9f-x2x");
	bad("pod", "a\nb", "pod: the value must be one line");
}

static const struct vec *live(void *arg, const struct rb_var *var)
{
	assert_string_equal(var->name, "pod");
	return arg;
}

static void test_live_choice(void **state)
{
	(void)state;
	struct vec pods = VEC_INIT;
	vec_push(&pods, "api-1");
	vec_push(&pods, "api-2");
	char *out = NULL;
	struct err e;
	assert_int_equal(rb_var_check(v("pod"), "api-2", live, &pods, &out, &e),
			 ST_OK);
	assert_string_equal(out, "api-2");
	free(out);
	assert_int_equal(rb_var_check(v("pod"), "api-3", live, &pods, &out, &e),
			 ST_ERR_INVALID);
	assert_string_equal(e.msg, "pod: \"api-3\" is not one of api-1, api-2");
	struct vec none = VEC_INIT;
	assert_int_equal(rb_var_check(v("pod"), "x", live, &none, &out, &e),
			 ST_ERR_INVALID);
	assert_string_equal(e.msg,
			    "pod: \"x\" is not a choice: there are none");
	vec_free(&pods, NULL);
}

static void test_integer(void **state)
{
	(void)state;
	ok("n", "42", "42");
	ok("n", "007", "7");
	ok("n", "+5", "5");
	ok("n", "-5", "-5");
	ok("n", "-0", "0");
	ok("n", "100", "100");
	bad("n", "101", "n: 101 is above the maximum 100");
	bad("n", "-6", "n: -6 is below the minimum -5");
	bad("n", "1e3", "n: \"1e3\" is not a whole number");
	bad("n", " 5", "n: \" 5\" is not a whole number");
	bad("n", "5 ", "n: \"5 \" is not a whole number");
	bad("n", "0x10", "n: \"0x10\" is not a whole number");
	bad("n", "--5", "n: \"--5\" is not a whole number");
	bad("n", "-", "n: \"-\" is not a whole number");
	bad("n", "", "n: the value is empty (a value is required)");
	ok("big", "9223372036854775807", "9223372036854775807");
	ok("big", "-9223372036854775808", "-9223372036854775808");
	bad("big", "9223372036854775808",
	    "big: \"9223372036854775808\" is out of range");
	bad("big", "-99999999999999999999999",
	    "big: \"-99999999999999999999999\" is out of range");
}

static void test_boolean(void **state)
{
	(void)state;
	static const char *const yes[] = {"true", "TRUE", "True", "yes",
					  "YES",  "y",	  "Y",	  "1"};
	static const char *const no[] = {"false", "False", "no", "NO",
					 "n",	  "N",	   "0"};
	for (size_t i = 0; i < LEN(yes); i++)
		ok("b", yes[i], "true");
	for (size_t i = 0; i < LEN(no); i++)
		ok("b", no[i], "false");
	bad("b", "maybe", "b: \"maybe\" is not a boolean (true or false)");
	bad("b", "on", "b: \"on\" is not a boolean (true or false)");
	bad("b", "2", "b: \"2\" is not a boolean (true or false)");
}

static void test_secret(void **state)
{
	(void)state;
	ok("pw", "Hunter2Hunter2", "Hunter2Hunter2");
	/* messages never hold the value */
	bad("pw", "hunter!", "pw: the value does not match ^[A-Za-z0-9]{8,}$");
	bad("pw", "hunter\nsecret", "pw: the value must be one line");
	bad("pw", "", "pw: the value does not match ^[A-Za-z0-9]{8,}$");
}

/* ---- resolving a run's values ---- */

static char *resolve(const char *const *given, size_t n, enum status want,
		     struct rb_values *vals)
{
	struct buf p = BUF_INIT;
	enum status st = rb_values_resolve(rb, given, n, NULL, NULL, vals, &p);
	if (st != want)
		fail_msg("status %s, problems:\n%s", status_name(st),
			 buf_str(&p));
	return buf_detach(&p);
}

static void test_resolve(void **state)
{
	(void)state;
	struct rb_values vals = RB_VALUES_INIT;
	const char *given[] = {
	    "migration=V1__x",		 "reason=first", "n=007",
	    "reason=second=with=equals", "b=yes",
	};
	char *p = resolve(given, LEN(given), ST_OK, &vals);
	assert_string_equal(p, "");
	free(p);
	assert_string_equal(rb_values_get(&vals, "migration"), "V1__x");
	/* later wins; only the first '=' splits */
	assert_string_equal(rb_values_get(&vals, "reason"),
			    "second=with=equals");
	assert_string_equal(rb_values_get(&vals, "n"), "7");
	assert_string_equal(rb_values_get(&vals, "b"), "true");
	/* defaults fill the rest; no default, no value */
	assert_string_equal(rb_values_get(&vals, "replicas"), "2");
	assert_string_equal(rb_values_get(&vals, "opt"), "hello");
	assert_null(rb_values_get(&vals, "s"));
	/* in the runbook's order */
	const struct rb_value *first = vals.items.items[0];
	assert_string_equal(first->name, "n");
	struct vec missing = VEC_INIT;
	rb_values_missing(rb, &vals, &missing);
	assert_int_equal(missing.len, 0);
	vec_free(&missing, NULL);
	rb_values_free(&vals);

	/* a bad value given first and a good one later: the later wins */
	const char *fixed[] = {"migration=x", "reason=r", "n=500", "n=50"};
	p = resolve(fixed, LEN(fixed), ST_OK, &vals);
	assert_string_equal(rb_values_get(&vals, "n"), "50");
	free(p);
	rb_values_free(&vals);
}

static void test_resolve_problems(void **state)
{
	(void)state;
	struct rb_values vals = RB_VALUES_INIT;
	const char *given[] = {
	    "migratoin=V1", "n=abc", "noequals", "=x", "b=maybe", "\x1b[31m=1",
	};
	char *p = resolve(given, LEN(given), ST_ERR_INVALID, &vals);
	assert_string_equal(p,
			    "unknown variable 'migratoin' (did you mean "
			    "'migration'?)\n"
			    "--var number 3 is not NAME=VALUE\n"
			    "--var number 4 is not NAME=VALUE\n"
			    "unknown variable in --var number 6\n"
			    "n: \"abc\" is not a whole number\n"
			    "b: \"maybe\" is not a boolean (true or false)\n"
			    "missing required variables: migration, reason\n");
	free(p);
	rb_values_free(&vals);

	/* one missing */
	const char *one[] = {"migration=V1"};
	p = resolve(one, LEN(one), ST_ERR_INVALID, &vals);
	assert_string_equal(p, "missing required variables: reason\n");
	struct vec missing = VEC_INIT;
	rb_values_missing(rb, &vals, &missing);
	assert_int_equal(missing.len, 1);
	assert_string_equal(((const struct rb_var *)missing.items[0])->name,
			    "reason");
	vec_free(&missing, NULL);
	free(p);
	rb_values_free(&vals);

	/* a required variable given empty is not given */
	const char *empty[] = {"migration=", "reason=r"};
	p = resolve(empty, LEN(empty), ST_ERR_INVALID, &vals);
	assert_string_equal(p, "migration: the value is empty (a value is "
			       "required)\n");
	free(p);
	rb_values_free(&vals);
}

static void test_secrets_hidden(void **state)
{
	(void)state;
	static const char secret[] = "S3cr3tValue!";
	struct rb_values vals = RB_VALUES_INIT;
	const char *given[] = {"pw=S3cr3tValue!", "migration=m", "reason=r"};
	char *p = resolve(given, LEN(given), ST_ERR_INVALID, &vals);
	assert_null(strstr(p, secret));
	assert_string_equal(p, "pw: the value does not match "
			       "^[A-Za-z0-9]{8,}$\n");
	free(p);
	rb_values_free(&vals);

	/* a secret given as a malformed --var is not echoed either */
	const char *wrong[] = {"S3cr3tValue!", "migration=m", "reason=r"};
	p = resolve(wrong, LEN(wrong), ST_ERR_INVALID, &vals);
	assert_null(strstr(p, secret));
	free(p);
	rb_values_free(&vals);

	const char *good[] = {"pw=GoodSecret99", "migration=m", "reason=r",
			      "s=abc"};
	p = resolve(good, LEN(good), ST_OK, &vals);
	free(p);
	assert_string_equal(rb_values_get(&vals, "pw"), "GoodSecret99");
	const struct rb_value *pw = NULL;
	for (size_t i = 0; i < vals.items.len; i++) {
		const struct rb_value *x = vals.items.items[i];
		if (!strcmp(x->name, "pw"))
			pw = x;
		else
			assert_false(x->secret);
	}
	assert_non_null(pw);
	assert_true(pw->secret);
	json_t *j = rb_values_masked(&vals);
	char *dump = json_dumps(j, JSON_SORT_KEYS);
	assert_null(strstr(dump, "GoodSecret99"));
	assert_string_equal(json_string_value(json_object_get(j, "pw")),
			    "(secret)");
	assert_string_equal(json_string_value(json_object_get(j, "s")), "abc");
	assert_string_equal(json_string_value(json_object_get(j, "replicas")),
			    "2");
	free(dump);
	json_decref(j);

	/* replacing keeps one entry */
	size_t before = vals.items.len;
	rb_values_set(&vals, v("pw"), "OtherSecret1");
	assert_int_equal(vals.items.len, before);
	assert_string_equal(rb_values_get(&vals, "pw"), "OtherSecret1");
	rb_values_free(&vals);
	assert_int_equal(vals.items.len, 0);
}

/* A runbook without variables refuses any --var. */
static void test_no_variables(void **state)
{
	(void)state;
	static const char text[] =
	    "name: x\ntitle: X\nsteps: [{action: confirm, instructions: go}]\n";
	struct runbook *plain = NULL;
	struct buf p = BUF_INIT;
	assert_int_equal(runbook_parse("runbooks/x.yaml", text, strlen(text),
				       model, NULL, NULL, &plain, &p),
			 ST_OK);
	struct rb_values vals = RB_VALUES_INIT;
	const char *given[] = {"a=1"};
	assert_int_equal(
	    rb_values_resolve(plain, given, 1, NULL, NULL, &vals, &p),
	    ST_ERR_INVALID);
	assert_string_equal(buf_str(&p), "unknown variable 'a': this runbook "
					 "has no variables\n");
	assert_int_equal(
	    rb_values_resolve(plain, NULL, 0, NULL, NULL, &vals, &p), ST_OK);
	buf_free(&p);
	rb_values_free(&vals);
	runbook_free(plain);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_string),
	    cmocka_unit_test(test_length),
	    cmocka_unit_test(test_text),
	    cmocka_unit_test(test_choice),
	    cmocka_unit_test(test_live_choice),
	    cmocka_unit_test(test_integer),
	    cmocka_unit_test(test_boolean),
	    cmocka_unit_test(test_secret),
	    cmocka_unit_test(test_resolve),
	    cmocka_unit_test(test_resolve_problems),
	    cmocka_unit_test(test_secrets_hidden),
	    cmocka_unit_test(test_no_variables),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
