/*
 * Unit tests for src/runbook/policy.c: loading policy.yaml (the defaults,
 * `rules: []` alone, an empty file, short environment names stored by
 * their full name) and every validation message with its position; then
 * decisions: allowed and refused by user and by group, the default for
 * identities no rule names, globs over environments and runbooks, several
 * rules naming one identity, and the exact text of every refusal
 * (terminal-safe even for hostile user names).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/status.h"
#include "kube/identity.h"
#include "model/model.h"
#include "runbook/policy.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

static const char model_yaml[] =
    "environments:\n"
    "  - {name: development, short: dev, cluster: c}\n"
    "  - {name: staging, short: stg, cluster: c}\n"
    "  - {name: production, short: prod, cluster: p}\n"
    "services:\n"
    "  - name: api\n"
    "    workload: deployment/api\n"
    "    namespace: \"api-{{ env.short }}\"\n"
    "    version: {file: v.yaml, path: tag}\n";

static struct model *model;

static int setup(void **state)
{
	(void)state;
	struct buf p = BUF_INIT;
	enum status st = model_parse("opsdeck.yaml", model_yaml,
				     strlen(model_yaml), &model, &p);
	buf_free(&p);
	return st == ST_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	model_free(model);
	return 0;
}

static struct policy *parse_ok(const char *text)
{
	struct policy *p = NULL;
	struct buf pr = BUF_INIT;
	enum status st =
	    policy_parse("policy.yaml", text, strlen(text), model, &p, &pr);
	if (st != ST_OK)
		fail_msg("status %s, problems:\n%s", status_name(st),
			 buf_str(&pr));
	assert_non_null(p);
	assert_int_equal(pr.len, 0);
	buf_free(&pr);
	return p;
}

static char *parse_fails(const char *text)
{
	struct policy *p = (struct policy *)1;
	struct buf pr = BUF_INIT;
	enum status st =
	    policy_parse("policy.yaml", text, strlen(text), model, &p, &pr);
	if (st != ST_ERR_PARSE)
		fail_msg("status %s for %s", status_name(st), text);
	assert_null(p);
	assert_true(pr.len > 0);
	return buf_detach(&pr);
}

static void test_defaults(void **state)
{
	(void)state;
	struct policy *p = parse_ok("rules: []\n");
	assert_true(p->default_allow);
	assert_int_equal(p->rules.len, 0);
	policy_free(p);
	p = parse_ok("# nothing yet\n");
	assert_true(p->default_allow);
	policy_free(p);
	p = parse_ok("default: deny\n");
	assert_false(p->default_allow);
	policy_free(p);
	p = policy_default();
	assert_true(p->default_allow);
	assert_int_equal(p->rules.len, 0);
	policy_free(p);
}

static void test_rules(void **state)
{
	(void)state;
	struct policy *p = parse_ok("default: allow\n"
				    "rules:\n"
				    "  - name: juniors-outside-production\n"
				    "    users: [junior]\n"
				    "    groups: [developers]\n"
				    "    environments: [dev, staging]\n"
				    "    runbooks: [\"*\"]\n"
				    "  - groups: [dba]\n"
				    "    environments: [\"prod*\"]\n");
	assert_int_equal(p->rules.len, 2);
	const struct policy_rule *r = p->rules.items[0];
	assert_string_equal(r->name, "juniors-outside-production");
	assert_int_equal(r->users.len, 1);
	assert_int_equal(r->groups.len, 1);
	/* short names are stored by the environment's name */
	assert_string_equal(r->environments.items[0], "development");
	assert_string_equal(r->environments.items[1], "staging");
	r = p->rules.items[1];
	assert_string_equal(r->name, "rule 2");
	assert_int_equal(r->users.len, 0);
	assert_string_equal(r->environments.items[0], "prod*");
	assert_int_equal(r->runbooks.len, 1);
	assert_string_equal(r->runbooks.items[0], "*");
	policy_free(p);
}

static const struct {
	const char *text, *want;
} errors[] = {
    {"defualt: deny\n",
     "policy.yaml:1:1: unknown key 'defualt' in the policy (did you mean "
     "'default'?)\n"},
    {"default: maybe\n",
     "policy.yaml:1:10: default must be allow or deny, not maybe\n"},
    {"default: true\n",
     "policy.yaml:1:10: default must be allow or deny, not a boolean\n"},
    {"rules: {a: 1}\n", "policy.yaml:1:8: rules must be a list, not a "
			"mapping\n"},
    {"rules:\n  - x\n", "policy.yaml:2:5: a rule must be a mapping, not a "
			"string\n"},
    {"rules:\n  - name: r\n    environments: [dev]\n",
     "policy.yaml:2:5: a rule needs users or groups (whom it is about)\n"},
    {"rules:\n  - users: [a]\n    environments: [qa]\n",
     "policy.yaml:3:20: no environment named 'qa' in opsdeck.yaml\n"},
    {"rules:\n  - users: [a]\n    environments: []\n",
     "policy.yaml:3:19: environments lists nothing, so the rule allows "
     "nothing (leave it out for all)\n"},
    {"rules:\n  - users: []\n",
     "policy.yaml:2:12: users lists nobody (leave it out instead)\n"},
    {"rules:\n  - users: junior\n",
     "policy.yaml:2:12: users must be a list, not a string\n"},
    {"rules:\n  - users: [1]\n",
     "policy.yaml:2:13: users entries must be strings, not a number\n"},
    {"rules:\n  - users: [\"a\\x1b[2Jb\"]\n",
     "policy.yaml:2:13: 'a^[[2Jb' is not a valid entry (one line of text, at "
     "most 253 characters)\n"},
    {"rules:\n  - users: [a]\n    runbook: [x]\n",
     "policy.yaml:3:5: unknown key 'runbook' in a rule (did you mean "
     "'runbooks'?)\n"},
    {"- a\n", "policy.yaml:1:1: a policy must be a mapping with default and "
	      "rules, not a list\n"},
    {"rules: [\n", "policy.yaml:2:1: "},
};

static void test_errors(void **state)
{
	(void)state;
	size_t bad = 0;
	for (size_t i = 0; i < LEN(errors); i++) {
		char *p = parse_fails(errors[i].text);
		if (!strstr(p, errors[i].want)) {
			fprintf(stderr, "case %zu: expected \"%s\" in:\n%s", i,
				errors[i].want, p);
			bad++;
		}
		free(p);
	}
	assert_int_equal(bad, 0);
	/* all problems, not the first */
	char *p = parse_fails("default: x\nrules:\n  - users: [a]\n"
			      "    environments: [qa, qb]\n  - 3\n");
	assert_non_null(strstr(p, "policy.yaml:1:10:"));
	assert_non_null(strstr(p, "policy.yaml:4:20:"));
	assert_non_null(strstr(p, "policy.yaml:4:24:"));
	assert_non_null(strstr(p, "policy.yaml:5:5:"));
	free(p);
}

static struct kube_identity who(const char *user, const char *const *groups,
				size_t n)
{
	struct kube_identity id = {.username = user,
				   .uid = "",
				   .groups = groups,
				   .ngroups = n,
				   .from_server = true};
	return id;
}

static void expect(const struct policy *p, const struct kube_identity *id,
		   const char *runbook, const char *env, const char *why)
{
	struct buf b = BUF_INIT;
	bool allowed = policy_allows(p, id, runbook, env, &b);
	if (!why) {
		if (!allowed)
			fail_msg("%s refused %s in %s: %s", id->username,
				 runbook, env, buf_str(&b));
		assert_int_equal(b.len, 0);
	} else {
		if (allowed)
			fail_msg("%s allowed %s in %s", id->username, runbook,
				 env);
		assert_string_equal(buf_str(&b), why);
	}
	buf_free(&b);
}

static const char finpay[] = "default: allow\n"
			     "rules:\n"
			     "  - name: juniors-outside-production\n"
			     "    users: [junior]\n"
			     "    groups: [developers]\n"
			     "    environments: [development, staging]\n"
			     "  - name: dba\n"
			     "    groups: [dba]\n"
			     "    runbooks: [\"db-*\"]\n";

static void test_decisions(void **state)
{
	(void)state;
	struct policy *p = parse_ok(finpay);
	static const char *const devs[] = {"developers",
					   "system:authenticated"};
	static const char *const dbas[] = {"dba"};
	static const char *const both[] = {"dba", "developers"};
	struct kube_identity junior = who("junior", NULL, 0);
	struct kube_identity dev = who("dana", devs, LEN(devs));
	struct kube_identity dba = who("bob", dbas, LEN(dbas));
	struct kube_identity mixed = who("mia", both, LEN(both));
	struct kube_identity admin = who("admin", NULL, 0);

	/* by user */
	expect(p, &junior, "restart-service", "staging", NULL);
	expect(p, &junior, "restart-service", "production",
	       "policy.yaml: junior may run restart-service only in "
	       "development, staging (rule \"juniors-outside-production\")");
	/* by group: only the groups a rule names are shown */
	expect(p, &dev, "db-migration", "development", NULL);
	expect(p, &dev, "db-migration", "production",
	       "policy.yaml: dana (groups developers) may run db-migration "
	       "only in development, staging (rule "
	       "\"juniors-outside-production\")");
	/* runbook globs */
	expect(p, &dba, "db-migration", "production", NULL);
	expect(p, &dba, "restart-service", "staging",
	       "policy.yaml: bob (groups dba) may not run restart-service "
	       "(rule \"dba\")");
	/* several rules naming one identity: any of them allowing is enough */
	expect(p, &mixed, "db-migration", "production", NULL);
	expect(p, &mixed, "restart-service", "staging", NULL);
	expect(p, &mixed, "restart-service", "production",
	       "policy.yaml: mia (groups dba, developers) may run "
	       "restart-service only in development, staging (rule "
	       "\"juniors-outside-production\")");
	/* nobody names admin: the default */
	expect(p, &admin, "db-migration", "production", NULL);
	/* no why buffer is fine */
	assert_false(policy_allows(p, &junior, "x", "production", NULL));
	policy_free(p);

	p = parse_ok("default: deny\nrules:\n  - users: [admin]\n"
		     "    environments: [\"*\"]\n");
	expect(p, &admin, "anything", "production", NULL);
	expect(p, &junior, "restart-service", "staging",
	       "policy.yaml: default: deny, and no rule names junior");
	expect(p, &dev, "restart-service", "staging",
	       "policy.yaml: default: deny, and no rule names dana");
	policy_free(p);

	/* environment globs; several rules allowing different places */
	p = parse_ok("rules:\n  - users: [ops]\n    environments: [\"stag*\"]\n"
		     "  - name: prod-restarts\n    users: [ops]\n"
		     "    environments: [prod]\n    runbooks: [restart-*]\n");
	struct kube_identity ops = who("ops", NULL, 0);
	expect(p, &ops, "db-migration", "staging", NULL);
	expect(p, &ops, "restart-service", "production", NULL);
	expect(p, &ops, "db-migration", "production",
	       "policy.yaml: ops may run db-migration only in stag* (rule "
	       "\"rule 1\")");
	expect(p, &ops, "restart-service", "development",
	       "policy.yaml: ops may run restart-service only in stag*, "
	       "production (rules \"rule 1\", \"prod-restarts\")");
	policy_free(p);
}

/* A user name from a cluster is shown safely. */
static void test_hostile_identity(void **state)
{
	(void)state;
	struct policy *p = parse_ok("default: deny\n");
	struct kube_identity evil = who("ev\x1b]0;x\x07il", NULL, 0);
	struct buf b = BUF_INIT;
	assert_false(policy_allows(p, &evil, "rb", "staging", &b));
	assert_string_equal(buf_str(&b), "policy.yaml: default: deny, and no "
					 "rule names ev^[]0;x^Gil");
	buf_free(&b);
	struct kube_identity nobody = who(NULL, NULL, 0);
	assert_false(policy_allows(p, &nobody, "rb", "staging", &b));
	assert_string_equal(buf_str(&b), "policy.yaml: default: deny, and no "
					 "rule names (unknown user)");
	buf_free(&b);
	policy_free(p);
	/* the file's name as opsdeck.yaml gives it */
	struct policy *q = NULL;
	struct buf pr = BUF_INIT;
	assert_int_equal(
	    policy_parse("ops/who.yaml", "default: deny\n", 14, model, &q, &pr),
	    ST_OK);
	assert_false(policy_allows(q, &evil, "rb", "staging", &b));
	assert_true(strncmp(buf_str(&b), "ops/who.yaml: ", 14) == 0);
	buf_free(&b);
	buf_free(&pr);
	policy_free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_rules),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_decisions),
	    cmocka_unit_test(test_hostile_identity),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
