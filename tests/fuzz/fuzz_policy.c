/*
 * libFuzzer target for policy.yaml.
 *
 * The input is one policy file, parsed against a fixed small model. When
 * it loads, every decision is asked for a set of identities (users and
 * groups the rules name, and someone nobody names), runbooks and
 * environments, and compared with the rule the policy promises (policy.h):
 * an identity some rule names may run a runbook in an environment exactly
 * when one of the rules naming it matches both; anyone else gets the
 * default. Violations trap:
 *   - the status and the policy agree, a failure has problems, and every
 *     problem is one terminal-safe "policy.yaml:N:N: ..." line;
 *   - a loaded policy's rules each name someone and have environments and
 *     runbooks (defaulting to "*"), and environment names that are not
 *     patterns are the model's full names;
 *   - each decision matches the oracle; a refusal says why in one safe
 *     line starting "policy.yaml: ", an allowance says nothing.
 *
 *   corpus: tests/fuzz/corpus/policy/
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/status.h"
#include "base/str.h"
#include "kube/identity.h"
#include "model/model.h"
#include "runbook/policy.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c))                                                      \
			__builtin_trap();                                      \
	} while (0)

static const char model_yaml[] =
    "environments:\n"
    "  - {name: development, short: dev, cluster: dev}\n"
    "  - {name: staging, short: stg, cluster: dev}\n"
    "  - {name: production, short: prod, cluster: prod}\n"
    "services:\n"
    "  - name: api\n"
    "    workload: deployment/api\n"
    "    namespace: \"api-{{ env.short }}\"\n"
    "    version: {file: v.yaml, path: tag}\n";

static struct model *model;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	struct buf p = BUF_INIT;
	CHECK(model_parse("opsdeck.yaml", model_yaml, strlen(model_yaml),
			  &model, &p) == ST_OK);
	buf_free(&p);
	return 0;
}

static void check_safe(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	CHECK(n > 0);
	for (size_t i = 0; i < n; i++) {
		CHECK(p[i] >= 0x20 && p[i] != 0x7f);
		CHECK(!(p[i] == 0xc2 && i + 1 < n && p[i + 1] >= 0x80 &&
			p[i + 1] <= 0x9f));
	}
}

static void check_located(const char *s, size_t n)
{
	static const char name[] = "policy.yaml:";
	size_t k = sizeof name - 1;
	CHECK(n > k && !memcmp(s, name, k));
	for (int field = 0; field < 2; field++) {
		size_t start = k;
		while (k < n && s[k] >= '0' && s[k] <= '9')
			k++;
		CHECK(k > start && s[start] != '0' && k < n && s[k] == ':');
		k++;
	}
	CHECK(k + 1 < n && s[k] == ' ');
}

static void check_problems(const struct buf *b)
{
	const char *s = buf_str(b), *end = s + b->len;
	CHECK(b->len && end[-1] == '\n');
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		CHECK(nl);
		check_safe(s, (size_t)(nl - s));
		check_located(s, (size_t)(nl - s));
		s = nl + 1;
	}
}

static bool in(const struct vec *v, const char *s)
{
	for (size_t i = 0; i < v->len; i++)
		if (!strcmp(v->items[i], s))
			return true;
	return false;
}

static bool any_glob(const struct vec *v, const char *s)
{
	for (size_t i = 0; i < v->len; i++)
		if (str_glob(v->items[i], s))
			return true;
	return false;
}

/* The rule policy.h states, written out plainly. */
static bool oracle(const struct policy *p, const char *user,
		   const char *const *groups, size_t ngroups,
		   const char *runbook, const char *env)
{
	bool named = false;
	for (size_t i = 0; i < p->rules.len; i++) {
		const struct policy_rule *r = p->rules.items[i];
		bool names = *user && in(&r->users, user);
		for (size_t g = 0; g < ngroups; g++)
			names = names || in(&r->groups, groups[g]);
		if (!names)
			continue;
		named = true;
		if (any_glob(&r->environments, env) &&
		    any_glob(&r->runbooks, runbook))
			return true;
	}
	return !named && p->default_allow;
}

static void check_policy(const struct policy *p)
{
	for (size_t i = 0; i < p->rules.len; i++) {
		const struct policy_rule *r = p->rules.items[i];
		CHECK(r->name && *r->name);
		CHECK(r->users.len || r->groups.len);
		CHECK(r->environments.len && r->runbooks.len);
		for (size_t k = 0; k < r->environments.len; k++) {
			const char *e = r->environments.items[k];
			if (!strpbrk(e, "*?"))
				CHECK(model_env(model, e) &&
				      !strcmp(model_env(model, e)->name, e));
		}
	}
	/* identities: the first user and group of each rule, and nobody */
	const char *users[8] = {"nobody", ""};
	const char *groups[8] = {"system:authenticated"};
	size_t nu = 2, ng = 1;
	const char *runbooks[8] = {"restart-service", "db-migration"};
	size_t nr = 2;
	for (size_t i = 0; i < p->rules.len && i < 5; i++) {
		const struct policy_rule *r = p->rules.items[i];
		if (r->users.len && nu < 8)
			users[nu++] = r->users.items[0];
		if (r->groups.len && ng < 8)
			groups[ng++] = r->groups.items[0];
		if (nr < 8)
			runbooks[nr++] = r->runbooks.items[0];
	}
	for (size_t u = 0; u < nu; u++)
		for (size_t gi = 0; gi <= ng; gi++) {
			/* no groups, one group, or all of them */
			const char *const *gs = gi < ng ? &groups[gi] : groups;
			size_t n = gi == ng ? ng : (u % 2 ? 1 : 0);
			struct kube_identity id = {
			    .username = users[u], .groups = gs, .ngroups = n};
			for (size_t r = 0; r < nr; r++)
				for (size_t e = 0; e < model->envs.len; e++) {
					const char *env =
					    ((const struct model_env *)
						 model->envs.items[e])
						->name;
					struct buf why = BUF_INIT;
					bool ok = policy_allows(
					    p, &id, runbooks[r], env, &why);
					CHECK(ok == oracle(p, users[u], gs, n,
							   runbooks[r], env));
					if (ok) {
						CHECK(why.len == 0);
					} else {
						check_safe(why.data, why.len);
						CHECK(!strncmp(
						    why.data,
						    "policy.yaml: ", 13));
					}
					buf_free(&why);
				}
		}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy *p = (struct policy *)1;
	struct buf problems = BUF_INIT;
	enum status st = policy_parse("policy.yaml", (const char *)data, size,
				      model, &p, &problems);
	if (st != ST_OK) {
		CHECK(st == ST_ERR_PARSE);
		CHECK(!p);
		check_problems(&problems);
	} else {
		CHECK(p && problems.len == 0);
		check_policy(p);
		policy_free(p);
	}
	buf_free(&problems);
	return 0;
}
