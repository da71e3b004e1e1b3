/*
 * Unit tests for src/runbook/plan.c: plans of cell and environment
 * runbooks (every action's summary, target, namespace and rendered
 * fields), the run's Job (namespace forced, labels added, a generated
 * name, and hostile values that land in its env as exactly themselves
 * without changing its structure: the parsed JSON is compared with the
 * manifest loaded by hand), the permission list and its dedupe, secrets
 * that reach only a script's env and an http-check's headers and never
 * plan_json, plan_text or a problem message, every problem a plan can
 * have (a non-integer replica count, an unknown name, a secret where it
 * may not go, targets and paths that would point elsewhere...), plan_text
 * word for word, and the run id's format.
 *
 * Runbooks are built by hand here (struct runbook as runbook_parse would
 * leave it), so these tests say what the plan does with a runbook, not
 * what the parser accepts; the model comes from a small opsdeck.yaml.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/mem.h"
#include "base/status.h"
#include "base/str.h"
#include "base/yaml.h"
#include "model/model.h"
#include "runbook/plan.h"
#include "runbook/runbook.h"
#include "runbook/vars.h"
#include "test_tmp.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

#define COMMIT "abc123def4567890abc123def4567890abc12345"
#define RUN_ID "20240102-030405-abcdef"
#define SECRET "s3cr3t-Value!"

static const char model_yaml[] =
    "environments:\n"
    "  - name: staging\n"
    "    short: stg\n"
    "    cluster: finpay-dev\n"
    "    approval: confirm\n"
    "  - name: production\n"
    "    short: prod\n"
    "    cluster: finpay-prod\n"
    "    approval: second-person\n"
    "tenants:\n"
    "  - name: acme\n"
    "    title: Acme Corp\n"
    "services:\n"
    "  - name: payments-api\n"
    "    workload: deployment/payments-api\n"
    "    namespace: \"payments-{{ env.short }}\"\n"
    "    version: {file: \"values-{{ env.name }}.yaml\", path: image.tag}\n"
    "  - name: merchant-portal\n"
    "    tenanted: true\n"
    "    workload: \"deployment/merchant-portal-{{ tenant.name }}\"\n"
    "    namespace: \"merchant-{{ tenant.name }}-{{ env.short }}\"\n"
    "    version: {file: portal.yaml, path: image.tag}\n"
    "  - name: ledger\n"
    "    workload: statefulset/ledger\n"
    "    namespace: \"ledger-{{ env.short }}\"\n"
    "    version: {file: ledger.yaml, path: image.tag}\n";

static const char job_yaml[] = "apiVersion: batch/v1\n"
			       "kind: Job\n"
			       "metadata:\n"
			       "  name: db-migrate\n"
			       "  namespace: somewhere-else\n"
			       "  labels: {team: payments}\n"
			       "spec:\n"
			       "  backoffLimit: 0\n"
			       "  template:\n"
			       "    spec:\n"
			       "      restartPolicy: Never\n"
			       "      containers:\n"
			       "        - name: migrate\n"
			       "          image: flyway:10\n"
			       "          args: [migrate]\n"
			       "          env:\n"
			       "            - name: MIGRATION\n"
			       "              value: {{ vars.migration }}\n"
			       "            - name: ENVIRONMENT\n"
			       "              value: {{ env.name }}\n"
			       "            - name: OPERATOR\n"
			       "              value: {{ run.operator }}\n";

static struct model *model;

static int setup(void **state)
{
	(void)state;
	struct buf p = BUF_INIT;
	if (model_parse("opsdeck.yaml", model_yaml, strlen(model_yaml), &model,
			&p) != ST_OK) {
		fprintf(stderr, "model: %s\n", buf_str(&p));
		return -1;
	}
	buf_free(&p);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	model_free(model);
	return 0;
}

static const struct model_env *env_of(const char *name)
{
	const struct model_env *e = model_env(model, name);
	assert_non_null(e);
	return e;
}

static const struct model_cell *cell_of(const char *key)
{
	const struct model_cell *c = model_cell(model, key);
	if (!c)
		fail_msg("no cell %s", key);
	return c;
}

/* ---- runbooks by hand ---------------------------------------------------- */

static struct runbook *rb_new(const char *name, enum rb_scope scope)
{
	struct runbook *rb = xcalloc(1, sizeof *rb);
	rb->name = xstrdup(name);
	rb->title = xstrdup("Database migration");
	rb->file = str_printf("runbooks/%s.yaml", name);
	str_copy(rb->blob, sizeof rb->blob,
		 "1234abcd5678ef901234abcd5678ef9012345678");
	rb->scope = scope;
	rb->timeout_s = 3600;
	rb->approval_timeout_s = 3600;
	return rb;
}

static struct rb_var *rb_var_add(struct runbook *rb, const char *name,
				 enum rb_var_type type)
{
	struct rb_var *v = xcalloc(1, sizeof *v);
	v->name = xstrdup(name);
	v->title = xstrdup(name);
	v->type = type;
	v->where = str_printf("variables[%zu]", rb->vars.len);
	vec_push(&rb->vars, v);
	return v;
}

static struct rb_step *rb_step_add(struct runbook *rb, const char *name,
				   enum rb_action action)
{
	struct rb_step *s = xcalloc(1, sizeof *s);
	s->name = xstrdup(name);
	s->action = action;
	s->timeout_s = 60;
	s->max_warnings = -1;
	s->warnings_since_s = 900;
	s->expect_status = 200;
	s->where = str_printf("steps[%zu]", rb->steps.len);
	vec_push(&rb->steps, s);
	return s;
}

static void pair_add(struct vec *v, const char *name, const char *value)
{
	struct rb_pair *p = xcalloc(1, sizeof *p);
	p->name = xstrdup(name);
	p->value = xstrdup(value);
	vec_push(v, p);
}

static void set_content(struct rb_step *s, const char *path, const char *text)
{
	s->manifest = xstrdup(path);
	s->content = xstrdup(text);
	s->content_len = strlen(text);
}

static void pair_free(void *x)
{
	struct rb_pair *p = x;
	free(p->name);
	free(p->value);
	free(p);
}

static void step_destroy(void *x)
{
	struct rb_step *s = x;
	free(s->name);
	free(s->title);
	free(s->where);
	free(s->target);
	free(s->namespace_);
	free(s->replicas);
	free(s->manifest);
	free(s->content);
	free(s->url);
	free(s->service);
	free(s->port);
	free(s->path);
	vec_free(&s->headers, pair_free);
	free(s->expect_body);
	free(s->instructions);
	free(s->script);
	vec_free(&s->env, pair_free);
	free(s);
}

static void var_destroy(void *x)
{
	struct rb_var *v = x;
	free(v->name);
	free(v->title);
	free(v->where);
	free(v);
}

static void rb_destroy(struct runbook *rb)
{
	free(rb->name);
	free(rb->title);
	free(rb->file);
	free(rb->once_key);
	vec_free(&rb->vars, var_destroy);
	vec_free(&rb->steps, step_destroy);
	free(rb);
}

static const char *const op_groups[] = {"ops", "system:authenticated"};
static const struct kube_identity op_admin = {
    .username = "admin",
    .uid = "u-1",
    .groups = op_groups,
    .ngroups = 2,
    .from_server = true,
};

/* Build a plan that must succeed. */
static struct plan *plan_ok(const struct runbook *rb, const char *env,
			    const char *cell, struct rb_values *vals)
{
	struct plan *p = NULL;
	struct buf problems = BUF_INIT;
	enum status st =
	    plan_build(rb, COMMIT, env_of(env), cell ? cell_of(cell) : NULL,
		       vals, RUN_ID, &op_admin, &p, &problems);
	if (st != ST_OK)
		fail_msg("plan of %s failed: %s", rb->name, buf_str(&problems));
	assert_non_null(p);
	assert_int_equal(problems.len, 0);
	assert_int_equal(vals->items.len, 0); /* moved */
	buf_free(&problems);
	return p;
}

/* Build a plan that must fail; returns the problems (free them). Each
 * line names the runbook's file. */
static char *plan_fails(const struct runbook *rb, const char *env,
			const char *cell, struct rb_values *vals)
{
	struct plan *p = (struct plan *)1;
	struct buf problems = BUF_INIT;
	enum status st =
	    plan_build(rb, COMMIT, env_of(env), cell ? cell_of(cell) : NULL,
		       vals, RUN_ID, &op_admin, &p, &problems);
	assert_int_equal(st, ST_ERR_INVALID);
	assert_null(p);
	assert_int_equal(vals->items.len, 0); /* moved, and freed */
	assert_true(problems.len > 0);
	char *prefix = str_printf("%s: ", rb->file);
	for (const char *s = buf_str(&problems); *s;) {
		const char *nl = strchr(s, '\n');
		assert_non_null(nl);
		if (strncmp(s, prefix, strlen(prefix)))
			fail_msg("problem without the file: %.*s",
				 (int)(nl - s), s);
		for (const char *c = s; c < nl; c++)
			assert_true((unsigned char)*c >= 0x20 && *c != 0x7f);
		s = nl + 1;
	}
	free(prefix);
	return buf_detach(&problems);
}

static void assert_has(const char *haystack, const char *needle)
{
	if (!strstr(haystack, needle))
		fail_msg("\"%s\" not in:\n%s", needle, haystack);
}

static void assert_lacks(const char *haystack, const char *needle)
{
	if (strstr(haystack, needle))
		fail_msg("\"%s\" must not be in:\n%s", needle, haystack);
}

static const struct plan_step *step_at(const struct plan *p, size_t i)
{
	assert_true(i < p->steps.len);
	const struct plan_step *ps = p->steps.items[i];
	assert_int_equal(ps->index, i);
	return ps;
}

static char *json_text(const json_t *j)
{
	char *s = json_dumps(j, JSON_SORT_KEYS);
	assert_non_null(s);
	return s;
}

/* ---- run ids ---------------------------------------------------------- */

static void test_run_id(void **state)
{
	(void)state;
	regex_t re;
	assert_int_equal(regcomp(&re, "^[0-9]{8}-[0-9]{6}-[0-9a-f]{6}$",
				 REG_EXTENDED | REG_NOSUB),
			 0);
	char seen[64][48];
	size_t distinct = 0;
	for (size_t i = 0; i < LEN(seen); i++) {
		time_t before = time(NULL);
		char id[48];
		memset(id, 'X', sizeof id);
		plan_new_run_id(id);
		time_t after = time(NULL);
		if (regexec(&re, id, 0, NULL, 0))
			fail_msg("bad run id \"%s\"", id);
		/* UTC, the time of the call */
		bool in_time = false;
		for (time_t t = before; t <= after; t++) {
			struct tm tm;
			char want[32];
			gmtime_r(&t, &tm);
			strftime(want, sizeof want, "%Y%m%d-%H%M%S", &tm);
			in_time |= !strncmp(id, want, 15);
		}
		if (!in_time)
			fail_msg("run id %s is not the UTC time", id);
		bool dup = false;
		for (size_t j = 0; j < distinct; j++)
			dup |= !strcmp(seen[j] + 16, id + 16);
		if (!dup)
			str_copy(seen[distinct++], sizeof seen[0], id);
	}
	/* 24 random bits: 64 ids are all but surely distinct */
	assert_true(distinct >= LEN(seen) - 1);
	regfree(&re);

	/* A plan without a run id gets a new one. */
	struct runbook *rb = rb_new("health", RB_SCOPE_ENV);
	struct rb_step *s =
	    rb_step_add(rb, "health-check", RB_ACTION_HEALTH_CHECK);
	s->cluster_wide = true;
	struct rb_values vals = RB_VALUES_INIT;
	struct plan *p = NULL;
	struct buf problems = BUF_INIT;
	assert_int_equal(plan_build(rb, COMMIT, env_of("production"), NULL,
				    &vals, NULL, &op_admin, &p, &problems),
			 ST_OK);
	assert_int_equal(strlen(p->run_id), 22);
	assert_int_equal(p->run_id[8], '-');
	assert_int_equal(p->run_id[15], '-');
	plan_free(p);

	/* A given one must be usable in an object name. */
	assert_int_equal(plan_build(rb, COMMIT, env_of("production"), NULL,
				    &vals, "Run/1", &op_admin, &p, &problems),
			 ST_ERR_INVALID);
	assert_null(p);
	assert_has(buf_str(&problems), "run id \"Run/1\"");
	buf_free(&problems);
	rb_destroy(rb);
}

/* ---- a cell runbook, every action ------------------------------------- */

/* Every action in one cell runbook: payments-api in staging. */
static struct runbook *cell_runbook(void)
{
	struct runbook *rb = rb_new("everything", RB_SCOPE_CELL);
	rb_var_add(rb, "replicas", RB_VAR_INTEGER);
	rb_var_add(rb, "migration", RB_VAR_STRING)->required = true;
	rb_var_add(rb, "token", RB_VAR_SECRET);
	rb_var_add(rb, "notes", RB_VAR_TEXT);
	rb_var_add(rb, "unset", RB_VAR_STRING);

	rb_step_add(rb, "rollout-restart", RB_ACTION_ROLLOUT_RESTART);
	struct rb_step *s = rb_step_add(rb, "scale", RB_ACTION_SCALE);
	s->replicas = xstrdup("{{ vars.replicas }}");
	s = rb_step_add(rb, "wait", RB_ACTION_WAIT_ROLLOUT);
	s->target = xstrdup("deployment/{{ cell.workload }}");
	s->namespace_ = xstrdup("{{ cell.namespace }}");
	s->title = xstrdup("Wait for the pods");
	rb_step_add(rb, "health", RB_ACTION_HEALTH_CHECK);
	s = rb_step_add(rb, "health-limits", RB_ACTION_HEALTH_CHECK);
	s->max_unhealthy_pods = 2;
	s->max_warnings = 5;
	s->warnings_since_s = 5400;
	s = rb_step_add(rb, "probe", RB_ACTION_HTTP_CHECK);
	s->service = xstrdup("{{ service.name }}");
	s->port = xstrdup("http");
	s->path = xstrdup("/healthz?from={{ run.id }}");
	pair_add(&s->headers, "X-Token", "Bearer {{ vars.token }}");
	pair_add(&s->headers, "X-Run", "{{ run.id }}");
	s->expect_body = xstrdup("ok");
	s = rb_step_add(rb, "status", RB_ACTION_HTTP_CHECK);
	s->url = xstrdup("https://status.finpay.example/{{ env.name }}/"
			 "{{ service.name }}");
	s->expect_status = 204;
	s->continue_on_failure = true;
	s = rb_step_add(rb, "confirm", RB_ACTION_CONFIRM);
	s->instructions = xstrdup("\n  Check the {{ service.name }} dashboard "
				  "in {{ env.name }}.  \nThen proceed.\n");
	s = rb_step_add(rb, "notify", RB_ACTION_SCRIPT);
	s->script = xstrdup("runbooks/scripts/notify.sh");
	pair_add(&s->env, "MIGRATION", "{{ vars.migration }}");
	pair_add(&s->env, "TOKEN", "{{ vars.token }}");
	pair_add(&s->env, "NOTES", "{{ vars.notes }}");
	pair_add(&s->env, "EMPTY", "[{{ vars.unset }}]");
	return rb;
}

static void cell_values(const struct runbook *rb, struct rb_values *vals)
{
	rb_values_set(vals, runbook_var(rb, "replicas"), "3");
	rb_values_set(vals, runbook_var(rb, "migration"), "V42__x");
	rb_values_set(vals, runbook_var(rb, "token"), SECRET);
	rb_values_set(vals, runbook_var(rb, "notes"), "line one\nline two");
}

static void test_cell_plan(void **state)
{
	(void)state;
	struct runbook *rb = cell_runbook();
	struct rb_values vals = RB_VALUES_INIT;
	cell_values(rb, &vals);
	struct plan *p = plan_ok(rb, "staging", "payments-api/staging", &vals);

	assert_string_equal(p->run_id, RUN_ID);
	assert_string_equal(p->commit, COMMIT);
	assert_string_equal(p->cluster, "finpay-dev");
	assert_string_equal(p->namespace_, "payments-stg");
	assert_string_equal(p->operator_, "admin");
	assert_int_equal(p->operator_groups.len, 2);
	assert_int_equal(p->gate, APPROVAL_CONFIRM); /* the environment's */
	assert_null(p->once_key);
	assert_int_equal(p->steps.len, rb->steps.len);

	static const struct {
		const char *summary, *ns, *kind, *name;
	} want[] = {
	    {"rollout-restart deployment/payments-api in payments-stg",
	     "payments-stg", "deployment", "payments-api"},
	    {"scale deployment/payments-api in payments-stg to 3",
	     "payments-stg", "deployment", "payments-api"},
	    {"wait-rollout deployment/payments-api in payments-stg",
	     "payments-stg", "deployment", "payments-api"},
	    {"health-check namespace payments-stg (unhealthy pods ≤ 0, "
	     "warnings since 15m)",
	     "payments-stg", "", ""},
	    {"health-check namespace payments-stg (unhealthy pods ≤ 2, "
	     "warnings ≤ 5 since 1h30m)",
	     "payments-stg", "", ""},
	    {"http-check GET service payments-api:http/healthz?from=" RUN_ID
	     " in payments-stg via the API proxy (expect 200, body "
	     "containing \"ok\")",
	     "payments-stg", "service", "payments-api"},
	    {"http-check GET https://status.finpay.example/staging/"
	     "payments-api (expect 204)",
	     "", "", ""},
	    {"confirm: Check the payments-api dashboard in staging. ...", "",
	     "", ""},
	    {"script runbooks/scripts/notify.sh (env MIGRATION, TOKEN, NOTES, "
	     "EMPTY)",
	     "", "", ""},
	};
	assert_int_equal(p->steps.len, LEN(want));
	for (size_t i = 0; i < LEN(want); i++) {
		const struct plan_step *ps = step_at(p, i);
		assert_ptr_equal(ps->step, rb->steps.items[i]);
		assert_string_equal(ps->summary, want[i].summary);
		assert_string_equal(ps->namespace_, want[i].ns);
		assert_string_equal(ps->kind, want[i].kind);
		assert_string_equal(ps->name, want[i].name);
		assert_null(ps->job);
	}
	assert_int_equal(step_at(p, 1)->replicas, 3);
	assert_int_equal(step_at(p, 0)->replicas, -1);

	const struct plan_step *probe = step_at(p, 5);
	assert_true(probe->via_proxy);
	assert_string_equal(probe->url,
			    "/api/v1/namespaces/payments-stg/services/"
			    "payments-api:http/proxy/healthz?from=" RUN_ID);
	assert_string_equal(probe->headers[0], "X-Token: Bearer " SECRET);
	assert_string_equal(probe->headers[1], "X-Run: " RUN_ID);
	assert_null(probe->headers[2]);

	const struct plan_step *status = step_at(p, 6);
	assert_false(status->via_proxy);
	assert_string_equal(
	    status->url, "https://status.finpay.example/staging/payments-api");
	assert_non_null(status->headers);
	assert_null(status->headers[0]);

	assert_string_equal(step_at(p, 7)->instructions,
			    "\n  Check the payments-api dashboard in staging.  "
			    "\nThen proceed.\n");

	char **env = step_at(p, 8)->env;
	assert_string_equal(env[0], "MIGRATION=V42__x");
	assert_string_equal(env[1], "TOKEN=" SECRET);
	assert_string_equal(env[2], "NOTES=line one\nline two");
	assert_string_equal(env[3], "EMPTY=[]"); /* declared, no value */
	assert_null(env[4]);

	/* plan_json: the facts, variables masked, no secret anywhere */
	json_t *j = plan_json(p);
	assert_string_equal(json_string_value(json_object_get(j, "runbook")),
			    "everything");
	assert_string_equal(json_string_value(json_object_get(j, "file")),
			    "runbooks/everything.yaml");
	assert_string_equal(json_string_value(json_object_get(j, "commit")),
			    COMMIT);
	assert_string_equal(json_string_value(json_object_get(j, "blob")),
			    rb->blob);
	assert_string_equal(
	    json_string_value(json_object_get(j, "environment")), "staging");
	assert_string_equal(json_string_value(json_object_get(j, "cluster")),
			    "finpay-dev");
	assert_string_equal(json_string_value(json_object_get(j, "namespace")),
			    "payments-stg");
	assert_string_equal(json_string_value(json_object_get(j, "service")),
			    "payments-api");
	assert_true(json_is_null(json_object_get(j, "tenant")));
	assert_true(json_is_null(json_object_get(j, "onceKey")));
	assert_string_equal(json_string_value(json_object_get(j, "gate")),
			    "confirm");
	assert_string_equal(json_string_value(json_object_get(j, "runId")),
			    RUN_ID);
	json_t *op = json_object_get(j, "operator");
	assert_string_equal(json_string_value(json_object_get(op, "username")),
			    "admin");
	json_t *groups = json_object_get(op, "groups");
	assert_int_equal(json_array_size(groups), 2);
	assert_string_equal(json_string_value(json_array_get(groups, 0)),
			    "ops");
	json_t *vars = json_object_get(j, "variables");
	assert_string_equal(json_string_value(json_object_get(vars, "token")),
			    "(secret)");
	assert_string_equal(
	    json_string_value(json_object_get(vars, "migration")), "V42__x");
	json_t *steps = json_object_get(j, "steps");
	assert_int_equal(json_array_size(steps), LEN(want));
	for (size_t i = 0; i < LEN(want); i++) {
		json_t *s = json_array_get(steps, i);
		const struct rb_step *rs = rb->steps.items[i];
		assert_string_equal(
		    json_string_value(json_object_get(s, "name")), rs->name);
		assert_string_equal(
		    json_string_value(json_object_get(s, "action")),
		    rb_action_name(rs->action));
		assert_string_equal(
		    json_string_value(json_object_get(s, "summary")),
		    want[i].summary);
	}
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(steps, 0), "target")),
			    "deployment/payments-api");
	char *dump = json_text(j);
	assert_lacks(dump, SECRET);
	free(dump);
	json_decref(j);

	struct buf text = BUF_INIT;
	plan_text(p, &text);
	assert_lacks(buf_str(&text), SECRET);
	assert_has(buf_str(&text), "\n  token = (secret)\n");
	assert_has(buf_str(&text), "\n  notes =\n    | line one\n"
				   "    | line two\n");
	assert_has(buf_str(&text), "\n  3. wait-rollout deployment/"
				   "payments-api in payments-stg — Wait for "
				   "the pods\n");
	assert_has(buf_str(&text), "(expect 204) (may fail)\n");
	assert_has(buf_str(&text), "\nservice   payments-api\n");
	assert_lacks(buf_str(&text), "\ntenant");
	buf_free(&text);

	plan_free(p);

	/* The runbook's approval tightens the environment's. */
	rb->has_approval = true;
	rb->approval = APPROVAL_SECOND_PERSON;
	cell_values(rb, &vals);
	p = plan_ok(rb, "staging", "payments-api/staging", &vals);
	assert_int_equal(p->gate, APPROVAL_SECOND_PERSON);
	plan_free(p);
	rb_destroy(rb);
}

/* A tenanted cell: tenant names render, the workload is the tenant's. */
static void test_tenant_cell(void **state)
{
	(void)state;
	struct runbook *rb = rb_new("restart-service", RB_SCOPE_CELL);
	rb_step_add(rb, "rollout-restart", RB_ACTION_ROLLOUT_RESTART);
	struct rb_step *s = rb_step_add(rb, "confirm", RB_ACTION_CONFIRM);
	s->instructions =
	    xstrdup("Tell {{ tenant.title }} ({{ tenant.name }}) about "
		    "{{ runbook.name }} {{ run.id }} by {{ run.operator }} "
		    "at {{ commit }} in {{ env.short }}/{{ env.cluster }}");
	struct rb_values vals = RB_VALUES_INIT;
	struct plan *p =
	    plan_ok(rb, "production", "merchant-portal/production/acme", &vals);
	assert_string_equal(step_at(p, 0)->summary,
			    "rollout-restart deployment/merchant-portal-acme "
			    "in merchant-acme-prod");
	assert_string_equal(
	    step_at(p, 1)->instructions,
	    "Tell Acme Corp (acme) about restart-service " RUN_ID
	    " by admin at " COMMIT " in prod/finpay-prod");
	assert_int_equal(p->gate, APPROVAL_SECOND_PERSON);
	json_t *j = plan_json(p);
	assert_string_equal(json_string_value(json_object_get(j, "tenant")),
			    "acme");
	json_decref(j);
	struct buf text = BUF_INIT;
	plan_text(p, &text);
	assert_has(buf_str(&text), "\ntenant    acme (Acme Corp)\n");
	buf_free(&text);
	plan_free(p);
	rb_destroy(rb);
}

/* ---- an environment runbook with a Job ------------------------------- */

static struct runbook *migration_runbook(void)
{
	struct runbook *rb = rb_new("db-migration", RB_SCOPE_ENV);
	struct rb_var *v = rb_var_add(rb, "migration", RB_VAR_STRING);
	v->required = true;
	v->title = (free(v->title), xstrdup("Migration to apply"));
	rb->has_approval = true;
	rb->approval = APPROVAL_CONFIRM;
	rb->once_key = xstrdup("migrate:{{ env.name }}:{{ vars.migration }}");
	struct rb_step *s = rb_step_add(rb, "migrate", RB_ACTION_RUN_JOB);
	s->namespace_ = xstrdup("payments-{{ env.short }}");
	set_content(s, "runbooks/jobs/db-migration.yaml", job_yaml);
	s = rb_step_add(rb, "health-check", RB_ACTION_HEALTH_CHECK);
	s->cluster_wide = true;
	return rb;
}

/* The Job the plan must make of job_yaml with migration = value: the
 * manifest loaded with the values put in by hand, then the namespace and
 * labels. */
static json_t *expected_job(const char *value, const char *ns)
{
	struct buf text = BUF_INIT;
	const char *at = strstr(job_yaml, "{{ vars.migration }}");
	buf_append(&text, job_yaml, (size_t)(at - job_yaml));
	buf_puts(&text, "PLACEHOLDER");
	at += strlen("{{ vars.migration }}");
	const char *env = strstr(at, "{{ env.name }}");
	buf_append(&text, at, (size_t)(env - at));
	buf_puts(&text, "production");
	at = env + strlen("{{ env.name }}");
	const char *op = strstr(at, "{{ run.operator }}");
	buf_append(&text, at, (size_t)(op - at));
	buf_puts(&text, "admin");
	buf_puts(&text, op + strlen("{{ run.operator }}"));
	struct err e = {0};
	json_t *job = yaml_load_string("job", text.data, text.len, NULL, &e);
	if (!job)
		fail_msg("%s", e.msg);
	buf_free(&text);

	json_t *container = json_array_get(
	    json_object_get(
		json_object_get(
		    json_object_get(json_object_get(job, "spec"), "template"),
		    "spec"),
		"containers"),
	    0);
	json_t *envs = json_object_get(container, "env");
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(envs, 0), "value")),
			    "PLACEHOLDER");
	json_object_set_new(json_array_get(envs, 0), "value",
			    json_string(value));

	json_t *meta = json_object_get(job, "metadata");
	json_object_set_new(meta, "namespace", json_string(ns));
	json_t *labels[2] = {
	    json_object_get(meta, "labels"),
	    json_object(),
	};
	json_object_set_new(
	    json_object_get(json_object_get(job, "spec"), "template"),
	    "metadata", json_pack("{s:o}", "labels", labels[1]));
	for (size_t i = 0; i < 2; i++) {
		json_object_set_new(labels[i], "app.kubernetes.io/managed-by",
				    json_string("opsdeck"));
		json_object_set_new(labels[i], "opsdeck.io/run",
				    json_string(RUN_ID));
		json_object_set_new(labels[i], "opsdeck.io/runbook",
				    json_string("db-migration"));
	}
	return job;
}

static void test_env_plan_job(void **state)
{
	(void)state;
	struct runbook *rb = migration_runbook();
	struct rb_values vals = RB_VALUES_INIT;
	rb_values_set(&vals, runbook_var(rb, "migration"), "V42__x");
	struct plan *p = plan_ok(rb, "production", NULL, &vals);

	assert_null(p->cell);
	assert_string_equal(p->namespace_, "");
	assert_string_equal(p->cluster, "finpay-prod");
	/* production's second-person is stricter than the runbook's confirm */
	assert_int_equal(p->gate, APPROVAL_SECOND_PERSON);
	assert_string_equal(p->once_key, "migrate:production:V42__x");

	const struct plan_step *job = step_at(p, 0);
	assert_string_equal(job->summary,
			    "run-job from runbooks/jobs/db-migration.yaml in "
			    "payments-prod (job db-migrate)");
	assert_string_equal(job->namespace_, "payments-prod");
	assert_string_equal(job->kind, "job");
	assert_string_equal(job->name, "db-migrate");
	json_t *want = expected_job("V42__x", "payments-prod");
	if (!json_equal(job->job, want)) {
		char *a = json_text(job->job), *b = json_text(want);
		fail_msg("job:\n%s\nwant:\n%s", a, b);
	}
	json_decref(want);

	const struct plan_step *health = step_at(p, 1);
	assert_string_equal(health->summary,
			    "health-check cluster finpay-prod (not-ready nodes "
			    "≤ 0, unhealthy pods ≤ 0, warnings since 15m)");
	assert_string_equal(health->namespace_, "");

	json_t *j = plan_json(p);
	assert_string_equal(json_string_value(json_object_get(j, "onceKey")),
			    "migrate:production:V42__x");
	assert_true(json_is_null(json_object_get(j, "tenant")));
	assert_true(json_is_null(json_object_get(j, "service")));
	assert_true(json_is_null(json_object_get(j, "namespace")));
	assert_string_equal(json_string_value(json_object_get(j, "gate")),
			    "second-person");
	json_decref(j);

	/* plan_text, word for word */
	struct buf text = BUF_INIT;
	plan_text(p, &text);
	assert_string_equal(
	    buf_str(&text),
	    "runbook   db-migration — Database migration\n"
	    "commit    abc123def456 (runbooks/db-migration.yaml blob "
	    "1234abcd)\n"
	    "environment production (cluster finpay-prod)\n"
	    "run       " RUN_ID "\n"
	    "operator  admin (groups ops, system:authenticated)\n"
	    "approval  second-person\n"
	    "once-key  migrate:production:V42__x\n"
	    "variables\n"
	    "  migration = V42__x\n"
	    "steps\n"
	    "  1. run-job from runbooks/jobs/db-migration.yaml in "
	    "payments-prod (job db-migrate)\n"
	    "  2. health-check cluster finpay-prod (not-ready nodes ≤ 0, "
	    "unhealthy pods ≤ 0, warnings since 15m)\n");
	buf_free(&text);
	plan_free(p);
	rb_destroy(rb);
}

/* Values that would change a manifest's structure if spliced in as they
 * are land in the Job's env as exactly themselves, and the Job is
 * otherwise the manifest's. */
static void test_job_hostile_values(void **state)
{
	(void)state;
	static const char *const hostile[] = {
	    "x\"\n  hostPath: /",
	    "x\n  hostPath: /",
	    "'; rm -rf / #",
	    "a: b",
	    "- item",
	    "{{ vars.migration }}",
	    "}}{{",
	    "&anchor *alias",
	    "!!binary AAAA",
	    "x\n---\nkind: Pod",
	    "\"\\\"",
	    "null",
	    "123",
	    "true",
	    "",
	    "tab\there",
	    "\x1b[31mred\xe2\x80\xa8sep",
	    "emoji \xf0\x9f\x98\x80 and \xc3\xa9",
	};
	for (size_t i = 0; i < LEN(hostile); i++) {
		struct runbook *rb = migration_runbook();
		struct rb_values vals = RB_VALUES_INIT;
		rb_values_set(&vals, runbook_var(rb, "migration"), hostile[i]);
		struct plan *p = plan_ok(rb, "production", NULL, &vals);
		const struct plan_step *ps = step_at(p, 0);
		json_t *want = expected_job(hostile[i], "payments-prod");
		if (!json_equal(ps->job, want)) {
			char *a = json_text(ps->job), *b = json_text(want);
			fail_msg("value %zu: job:\n%s\nwant:\n%s", i, a, b);
		}
		json_decref(want);
		plan_free(p);
		rb_destroy(rb);
	}
}

/* A Job without a name gets generateName "<runbook>-"; one with
 * generateName keeps it; labels and namespace are added even when the
 * manifest has no metadata at all. */
static void test_job_names(void **state)
{
	(void)state;
	static const struct {
		const char *yaml, *gen, *name, *summary;
	} rows[] = {
	    {"apiVersion: batch/v1\nkind: Job\n"
	     "spec: {template: {spec: {containers: []} } }\n",
	     "db-migration-", "",
	     "run-job from runbooks/jobs/j.yaml in payments-stg"},
	    {"apiVersion: batch/v1\nkind: Job\n"
	     "metadata: {generateName: migrate-}\n"
	     "spec: {template: {metadata: {labels: {a: b} }, spec: {} } }\n",
	     "migrate-", "",
	     "run-job from runbooks/jobs/j.yaml in payments-stg"},
	    {"apiVersion: batch/v1\nkind: Job\n"
	     "metadata: {name: {{ run.id }}}\n"
	     "spec: {template: {spec: {} } }\n",
	     NULL, RUN_ID,
	     "run-job from runbooks/jobs/j.yaml in payments-stg (job " RUN_ID
	     ")"},
	};
	for (size_t i = 0; i < LEN(rows); i++) {
		struct runbook *rb = rb_new("db-migration", RB_SCOPE_CELL);
		struct rb_step *s = rb_step_add(rb, "job", RB_ACTION_RUN_JOB);
		set_content(s, "runbooks/jobs/j.yaml", rows[i].yaml);
		struct rb_values vals = RB_VALUES_INIT;
		struct plan *p =
		    plan_ok(rb, "staging", "payments-api/staging", &vals);
		const struct plan_step *ps = step_at(p, 0);
		json_t *meta = json_object_get(ps->job, "metadata");
		assert_string_equal(
		    json_string_value(json_object_get(meta, "namespace")),
		    "payments-stg");
		json_t *gen = json_object_get(meta, "generateName");
		if (rows[i].gen)
			assert_string_equal(json_string_value(gen),
					    rows[i].gen);
		else
			assert_null(gen);
		assert_string_equal(ps->name, rows[i].name);
		assert_string_equal(ps->summary, rows[i].summary);
		json_t *tl = json_object_get(
		    json_object_get(
			json_object_get(json_object_get(ps->job, "spec"),
					"template"),
			"metadata"),
		    "labels");
		json_t *l = json_object_get(meta, "labels");
		for (size_t k = 0; k < 2; k++) {
			json_t *m = k ? tl : l;
			assert_string_equal(
			    json_string_value(json_object_get(
				m, "app.kubernetes.io/managed-by")),
			    "opsdeck");
			assert_string_equal(json_string_value(json_object_get(
						m, "opsdeck.io/run")),
					    RUN_ID);
			assert_string_equal(json_string_value(json_object_get(
						m, "opsdeck.io/runbook")),
					    "db-migration");
		}
		if (i == 1)
			assert_string_equal(
			    json_string_value(json_object_get(tl, "a")), "b");
		plan_free(p);
		rb_destroy(rb);
	}
}

/* An environment runbook's Job without a step namespace acts where its
 * manifest says; a cell runbook's Job goes to the cell's namespace
 * whatever the manifest says. */
static void test_job_namespace(void **state)
{
	(void)state;
	static const char yaml[] = "apiVersion: batch/v1\nkind: Job\n"
				   "metadata: {namespace: ledger-prod}\n"
				   "spec: {template: {spec: {} } }\n";
	struct runbook *rb = rb_new("db-migration", RB_SCOPE_ENV);
	struct rb_step *s = rb_step_add(rb, "job", RB_ACTION_RUN_JOB);
	set_content(s, "runbooks/jobs/j.yaml", yaml);
	struct rb_values vals = RB_VALUES_INIT;
	struct plan *p = plan_ok(rb, "production", NULL, &vals);
	const struct plan_step *ps = step_at(p, 0);
	assert_string_equal(ps->namespace_, "ledger-prod");
	assert_string_equal(ps->summary,
			    "run-job from runbooks/jobs/j.yaml in ledger-prod");
	plan_free(p);
	rb_destroy(rb);

	rb = rb_new("db-migration", RB_SCOPE_CELL);
	s = rb_step_add(rb, "job", RB_ACTION_RUN_JOB);
	set_content(s, "runbooks/jobs/j.yaml", yaml);
	p = plan_ok(rb, "production", "payments-api/production", &vals);
	ps = step_at(p, 0);
	assert_string_equal(ps->namespace_, "payments-prod");
	assert_string_equal(
	    json_string_value(json_object_get(
		json_object_get(ps->job, "metadata"), "namespace")),
	    "payments-prod");
	plan_free(p);
	rb_destroy(rb);
}

/* ---- permissions ------------------------------------------------------ */

struct want_access {
	const char *verb, *group, *resource, *sub, *ns, *name, *why;
};

static size_t count_access(const struct vec *perms, const struct want_access *w)
{
	size_t n = 0;
	for (size_t i = 0; i < perms->len; i++) {
		const struct plan_access *a = perms->items[i];
		if (!strcmp(a->verb, w->verb) && !strcmp(a->group, w->group) &&
		    !strcmp(a->resource, w->resource) &&
		    !strcmp(a->subresource, w->sub) &&
		    !strcmp(a->namespace_, w->ns) &&
		    !strcmp(a->name, w->name) &&
		    (!w->why || !strcmp(a->why, w->why)))
			n++;
	}
	return n;
}

static void assert_permissions(const struct plan *p,
			       const struct want_access *want, size_t nwant)
{
	struct vec perms = VEC_INIT;
	plan_permissions(p, &perms);
	for (size_t i = 0; i < nwant; i++) {
		if (count_access(&perms, &want[i]) != 1)
			fail_msg("%s %s/%s/%s in \"%s\" name \"%s\" (%s): "
				 "found %zu times",
				 want[i].verb, want[i].group, want[i].resource,
				 want[i].sub, want[i].ns, want[i].name,
				 want[i].why ? want[i].why : "any why",
				 count_access(&perms, &want[i]));
	}
	/* nothing else, and nothing twice */
	if (perms.len != nwant) {
		for (size_t i = 0; i < perms.len; i++) {
			const struct plan_access *a = perms.items[i];
			fprintf(stderr, "  %s %s/%s/%s ns=%s name=%s: %s\n",
				a->verb, a->group, a->resource, a->subresource,
				a->namespace_, a->name, a->why);
		}
		fail_msg("%zu permissions, want %zu", perms.len, nwant);
	}
	for (size_t i = 0; i < perms.len; i++) {
		const struct plan_access *a = perms.items[i];
		assert_true(*a->why);
	}
	vec_free(&perms, NULL);
}

static void test_permissions_cell(void **state)
{
	(void)state;
	struct runbook *rb = cell_runbook();
	struct rb_values vals = RB_VALUES_INIT;
	cell_values(rb, &vals);
	struct plan *p = plan_ok(rb, "staging", "payments-api/staging", &vals);
	static const struct want_access want[] = {
	    {"create", "", "configmaps", "", "opsdeck", "", "run record"},
	    {"patch", "", "configmaps", "", "opsdeck", "run-" RUN_ID,
	     "run record"},
	    {"get", "", "configmaps", "", "opsdeck", "run-" RUN_ID,
	     "run record"},
	    /* once: restart and scale both touch payments-stg */
	    {"create", "", "events", "", "payments-stg", "",
	     "audit events on the objects the steps touch"},
	    {"get", "apps", "deployments", "", "payments-stg", "payments-api",
	     "step rollout-restart: read the deployment (a paused one is "
	     "refused)"},
	    {"patch", "apps", "deployments", "", "payments-stg", "payments-api",
	     "step rollout-restart: set the deployment's restartedAt "
	     "annotation"},
	    {"patch", "apps", "deployments", "scale", "payments-stg",
	     "payments-api", "step scale: set the deployment's replicas"},
	    {"list", "apps", "deployments", "", "payments-stg", "payments-api",
	     "step wait: watch the rollout"},
	    {"watch", "apps", "deployments", "", "payments-stg", "payments-api",
	     "step wait: watch the rollout"},
	    {"list", "", "pods", "", "payments-stg", "",
	     "step health: find pods that are not healthy"},
	    {"list", "", "events", "", "payments-stg", "",
	     "step health: find recent Warning events"},
	    {"get", "", "services", "proxy", "payments-stg",
	     "payments-api:http", "step probe: GET through the service proxy"},
	};
	assert_permissions(p, want, LEN(want));

	/* The steps keep their own (undeduplicated) lists. */
	assert_int_equal(step_at(p, 1)->access.len, 2); /* get + patch scale */
	assert_int_equal(step_at(p, 4)->access.len, 2);
	assert_int_equal(step_at(p, 6)->access.len, 0); /* direct URL */
	assert_int_equal(step_at(p, 7)->access.len, 0); /* confirm */
	assert_int_equal(step_at(p, 8)->access.len, 0); /* script */
	plan_free(p);
	rb_destroy(rb);
}

static void test_permissions_env(void **state)
{
	(void)state;
	struct runbook *rb = migration_runbook();
	/* a second Job in the same namespace and one in another: the same
	 * permissions are asked once */
	struct rb_step *s = rb_step_add(rb, "again", RB_ACTION_RUN_JOB);
	s->namespace_ = xstrdup("payments-prod");
	set_content(s, "runbooks/jobs/db-migration.yaml", job_yaml);
	s = rb_step_add(rb, "ledger", RB_ACTION_RUN_JOB);
	s->namespace_ = xstrdup("ledger-prod");
	set_content(s, "runbooks/jobs/j.yaml",
		    "apiVersion: batch/v1\nkind: Job\n"
		    "spec: {template: {spec: {} } }\n");
	struct rb_values vals = RB_VALUES_INIT;
	rb_values_set(&vals, runbook_var(rb, "migration"), "V42__x");
	struct plan *p = plan_ok(rb, "production", NULL, &vals);
	static const struct want_access want[] = {
	    /* the once-key's create is the run record's */
	    {"create", "", "configmaps", "", "opsdeck", "", "run record"},
	    {"patch", "", "configmaps", "", "opsdeck", "run-" RUN_ID, NULL},
	    {"get", "", "configmaps", "", "opsdeck", "run-" RUN_ID, NULL},
	    /* production's second-person gate: the run watches for it */
	    {"list", "", "configmaps", "", "opsdeck", "", "waiting for the approval"},
	    {"watch", "", "configmaps", "", "opsdeck", "", "waiting for the approval"},
	    {"create", "", "events", "", "payments-prod", "", NULL},
	    {"create", "", "events", "", "ledger-prod", "", NULL},
	    {"create", "batch", "jobs", "", "payments-prod", "",
	     "step migrate: create the Job"},
	    {"get", "batch", "jobs", "", "payments-prod", "db-migrate",
	     "step migrate: follow the Job"},
	    {"list", "batch", "jobs", "", "payments-prod", "", NULL},
	    {"watch", "batch", "jobs", "", "payments-prod", "", NULL},
	    {"list", "", "pods", "", "payments-prod", "", NULL},
	    {"watch", "", "pods", "", "payments-prod", "", NULL},
	    {"get", "", "pods", "log", "payments-prod", "",
	     "step migrate: stream the Job's logs"},
	    {"create", "batch", "jobs", "", "ledger-prod", "", NULL},
	    {"get", "batch", "jobs", "", "ledger-prod", "", NULL},
	    {"list", "batch", "jobs", "", "ledger-prod", "", NULL},
	    {"watch", "batch", "jobs", "", "ledger-prod", "", NULL},
	    {"list", "", "pods", "", "ledger-prod", "", NULL},
	    {"watch", "", "pods", "", "ledger-prod", "", NULL},
	    {"get", "", "pods", "log", "ledger-prod", "", NULL},
	    /* the cluster-wide health check */
	    {"list", "", "nodes", "", "", "",
	     "step health-check: find nodes that are not Ready"},
	    {"list", "", "pods", "", "", "", NULL},
	    {"list", "", "events", "", "", "", NULL},
	};
	assert_permissions(p, want, LEN(want));
	/* the run's own come first */
	struct vec perms = VEC_INIT;
	plan_permissions(p, &perms);
	const struct plan_access *first = perms.items[0];
	assert_string_equal(first->why, "run record");
	vec_free(&perms, NULL);
	plan_free(p);
	rb_destroy(rb);
}

/* ---- problems --------------------------------------------------------- */

static void test_replicas_problems(void **state)
{
	(void)state;
	static const struct {
		const char *value, *msg;
	} rows[] = {
	    {"three", "step scale: replicas: \"three\" is not an integer "
		      "from 0 to 10000"},
	    {"10001", "\"10001\" is not an integer from 0 to 10000"},
	    {"-1", "\"-1\" is not an integer"},
	    {"3 ", "\"3 \" is not an integer"},
	    {"", "\"\" is not an integer"},
	    {"0x10", "\"0x10\" is not an integer"},
	    {"99999999999999999999999", "is not an integer"},
	};
	for (size_t i = 0; i < LEN(rows); i++) {
		struct runbook *rb = rb_new("scale", RB_SCOPE_CELL);
		struct rb_var *v = rb_var_add(rb, "count", RB_VAR_STRING);
		struct rb_step *s = rb_step_add(rb, "scale", RB_ACTION_SCALE);
		s->replicas = xstrdup("{{ vars.count }}");
		struct rb_values vals = RB_VALUES_INIT;
		rb_values_set(&vals, v, rows[i].value);
		char *problems =
		    plan_fails(rb, "staging", "payments-api/staging", &vals);
		assert_has(problems, rows[i].msg);
		free(problems);
		rb_destroy(rb);
	}
	/* 0 and 10000 are fine */
	for (size_t i = 0; i < 2; i++) {
		struct runbook *rb = rb_new("scale", RB_SCOPE_CELL);
		struct rb_step *s = rb_step_add(rb, "scale", RB_ACTION_SCALE);
		s->replicas = xstrdup(i ? "10000" : "0");
		struct rb_values vals = RB_VALUES_INIT;
		struct plan *p =
		    plan_ok(rb, "staging", "payments-api/staging", &vals);
		assert_int_equal(step_at(p, 0)->replicas, i ? 10000 : 0);
		plan_free(p);
		rb_destroy(rb);
	}
}

/* One step (or runbook setting) that cannot be planned, per row. */
enum fixture {
	FX_CELL,    /* payments-api in staging */
	FX_ENV,	    /* production */
	FX_LEDGER,  /* ledger (a statefulset) in staging */
	FX_NO_CELL, /* a cell runbook given no cell */
};

struct bad_row {
	const char *what;
	enum fixture fx;
	enum rb_action action;
	const char *field, *value; /* set on the step: see set_field */
	const char *msg;
};

static void set_field(struct runbook *rb, struct rb_step *s, const char *field,
		      const char *value)
{
	if (!field)
		return;
	char *v = xstrdup(value);
	if (!strcmp(field, "target"))
		s->target = v;
	else if (!strcmp(field, "namespace"))
		s->namespace_ = v;
	else if (!strcmp(field, "replicas"))
		s->replicas = v;
	else if (!strcmp(field, "url"))
		s->url = v;
	else if (!strcmp(field, "service"))
		s->service = v;
	else if (!strcmp(field, "port"))
		s->port = v, s->service = xstrdup("payments-api");
	else if (!strcmp(field, "path"))
		s->path = v, s->service = xstrdup("payments-api");
	else if (!strcmp(field, "header"))
		pair_add(&s->headers, "X-Token", v), free(v),
		    s->url = xstrdup("https://x.example/");
	else if (!strcmp(field, "header-name"))
		pair_add(&s->headers, v, "x"), free(v),
		    s->url = xstrdup("https://x.example/");
	else if (!strcmp(field, "instructions"))
		s->instructions = v;
	else if (!strcmp(field, "env"))
		pair_add(&s->env, "X", v), free(v),
		    s->script = xstrdup("runbooks/scripts/x.sh");
	else if (!strcmp(field, "env-name"))
		pair_add(&s->env, v, "x"), free(v),
		    s->script = xstrdup("runbooks/scripts/x.sh");
	else if (!strcmp(field, "manifest"))
		set_content(s, "runbooks/jobs/j.yaml", v), free(v);
	else if (!strcmp(field, "once-key"))
		rb->once_key = v;
	else
		fail_msg("no field %s", field);
}

static void test_problems(void **state)
{
	(void)state;
	static const struct bad_row rows[] = {
	    {"unknown var", FX_CELL, RB_ACTION_CONFIRM, "instructions",
	     "Apply {{ vars.nope }}",
	     "step s: instructions: unknown name 'vars.nope'"},
	    {"unknown name", FX_CELL, RB_ACTION_CONFIRM, "instructions",
	     "{{ env.nmae }}", "unknown name 'env.nmae'"},
	    {"template syntax", FX_CELL, RB_ACTION_CONFIRM, "instructions",
	     "{{ oops", "unclosed '{{'"},
	    {"secret in instructions", FX_CELL, RB_ACTION_CONFIRM,
	     "instructions", "{{ vars.token }}",
	     "unknown name 'vars.token': a secret may only go to a script "
	     "step's env or an http-check's headers"},
	    {"secret in url", FX_CELL, RB_ACTION_HTTP_CHECK, "url",
	     "https://x.example/?t={{ vars.token }}",
	     "url: unknown name "
	     "'vars.token': a secret"},
	    {"secret in once-key", FX_CELL, RB_ACTION_CONFIRM, "once-key",
	     "k:{{ vars.token }}", "once-key: unknown name 'vars.token'"},
	    {"secret in a manifest", FX_CELL, RB_ACTION_RUN_JOB, "manifest",
	     "apiVersion: batch/v1\nkind: Job\nmetadata: {name: "
	     "{{ vars.token }}}\nspec: {template: {} }\n",
	     "manifest: unknown name 'vars.token'"},
	    {"tenant of an untenanted service", FX_CELL, RB_ACTION_CONFIRM,
	     "instructions", "{{ tenant.name }}",
	     "unknown name 'tenant.name': the service has no tenants"},
	    {"cell names in an environment runbook", FX_ENV, RB_ACTION_CONFIRM,
	     "instructions", "{{ service.name }}",
	     "unknown name 'service.name': only cell runbooks have it"},
	    {"statefulset target", FX_CELL, RB_ACTION_ROLLOUT_RESTART, "target",
	     "statefulset/ledger",
	     "target: \"statefulset/ledger\" is a StatefulSet; "
	     "rollout-restart works on deployments only"},
	    {"statefulset workload", FX_LEDGER, RB_ACTION_WAIT_ROLLOUT, NULL,
	     NULL,
	     "target: the service's workload is a StatefulSet; wait-rollout "
	     "works on deployments only"},
	    {"no kind", FX_CELL, RB_ACTION_ROLLOUT_RESTART, "target",
	     "payments-api", "\"payments-api\" is not KIND/NAME"},
	    {"unknown kind", FX_CELL, RB_ACTION_ROLLOUT_RESTART, "target",
	     "widget/x", "\"widget/x\" is not KIND/NAME"},
	    {"path in a name", FX_CELL, RB_ACTION_SCALE, "target",
	     "deployment/../../secrets",
	     "\"../../secrets\" is not a deployment name"},
	    {"var in a name", FX_CELL, RB_ACTION_ROLLOUT_RESTART, "target",
	     "deployment/{{ vars.migration }}",
	     "\"V42__x\" is not a deployment name"},
	    {"bad namespace", FX_CELL, RB_ACTION_WAIT_ROLLOUT, "namespace",
	     "{{ vars.migration }}/x",
	     "namespace: \"V42__x/x\" is not a namespace name"},
	    {"env runbook without namespace", FX_ENV, RB_ACTION_ROLLOUT_RESTART,
	     "target", "deployment/x",
	     "step s: namespace: required in an environment runbook"},
	    {"env runbook without target", FX_ENV, RB_ACTION_WAIT_ROLLOUT,
	     "namespace", "payments-prod",
	     "step s: target: required in an environment runbook"},
	    {"env runbook namespace health check", FX_ENV,
	     RB_ACTION_HEALTH_CHECK, NULL, NULL,
	     "namespace: required in an environment runbook"},
	    {"scale without replicas", FX_CELL, RB_ACTION_SCALE, NULL, NULL,
	     "replicas: required"},
	    {"ftp url", FX_CELL, RB_ACTION_HTTP_CHECK, "url", "ftp://x/y",
	     "url: \"ftp://x/y\" is not an http:// or https:// URL"},
	    {"url without host", FX_CELL, RB_ACTION_HTTP_CHECK, "url",
	     "https:///x", "has no host"},
	    {"url with a space", FX_CELL, RB_ACTION_HTTP_CHECK, "url",
	     "https://x/{{ vars.notes }}", "holds a space"},
	    {"no url or service", FX_CELL, RB_ACTION_HTTP_CHECK, NULL, NULL,
	     "needs a url or a service"},
	    {"bad service", FX_CELL, RB_ACTION_HTTP_CHECK, "service",
	     "Payments/x", "\"Payments/x\" is not a service name"},
	    {"bad port", FX_CELL, RB_ACTION_HTTP_CHECK, "port", "80/../x",
	     "\"80/../x\" is not a port number or port name"},
	    {"port 0", FX_CELL, RB_ACTION_HTTP_CHECK, "port", "0",
	     "is not a port number"},
	    {"dot dot path", FX_CELL, RB_ACTION_HTTP_CHECK, "path",
	     "/../../../api/v1/secrets", "has a '.' or '..' segment"},
	    {"encoded dot dot path", FX_CELL, RB_ACTION_HTTP_CHECK, "path",
	     "/a/%2E%2e/b", "has a '.' or '..' segment"},
	    {"dot path", FX_CELL, RB_ACTION_HTTP_CHECK, "path", "./x",
	     "has a '.' or '..' segment"},
	    {"path with a newline", FX_CELL, RB_ACTION_HTTP_CHECK, "path",
	     "/x{{ vars.notes }}", "holds a space, '#' or a control"},
	    {"header line break", FX_CELL, RB_ACTION_HTTP_CHECK, "header",
	     "Bearer {{ vars.token }}",
	     "header X-Token: the value holds a line break"},
	    {"header name", FX_CELL, RB_ACTION_HTTP_CHECK, "header-name",
	     "X Token", "header X Token: not a valid header name"},
	    {"env name", FX_CELL, RB_ACTION_SCRIPT, "env-name", "path",
	     "env path: not a valid environment variable name"},
	    {"confirm without instructions", FX_CELL, RB_ACTION_CONFIRM, NULL,
	     NULL, "instructions: required"},
	    {"script without file", FX_CELL, RB_ACTION_SCRIPT, NULL, NULL,
	     "file: required"},
	    {"a Pod", FX_CELL, RB_ACTION_RUN_JOB, "manifest",
	     "apiVersion: v1\nkind: Pod\n", "j.yaml is not a batch/v1 Job"},
	    {"not a mapping", FX_CELL, RB_ACTION_RUN_JOB, "manifest",
	     "- a\n- b\n", "is not a batch/v1 Job"},
	    {"no template", FX_CELL, RB_ACTION_RUN_JOB, "manifest",
	     "apiVersion: batch/v1\nkind: Job\nspec: {}\n",
	     "the Job has no spec.template"},
	    {"labels not a mapping", FX_CELL, RB_ACTION_RUN_JOB, "manifest",
	     "apiVersion: batch/v1\nkind: Job\nmetadata: {labels: [a]}\n"
	     "spec: {template: {} }\n",
	     "the Job's metadata.labels is not a mapping"},
	    {"two documents", FX_CELL, RB_ACTION_RUN_JOB, "manifest",
	     "apiVersion: batch/v1\nkind: Job\nspec: {template: {} }\n---\n"
	     "kind: Pod\n",
	     "manifest: runbooks/jobs/j.yaml:"},
	    /* placeholders must be whole scalars: inside quotes the
	     * rendered quotes break the YAML, which is a problem, not a
	     * different manifest */
	    {"placeholder inside quotes", FX_CELL, RB_ACTION_RUN_JOB,
	     "manifest",
	     "apiVersion: batch/v1\nkind: Job\n"
	     "metadata: {name: \"m-{{ vars.migration }}\"}\n"
	     "spec: {template: {} }\n",
	     "manifest: runbooks/jobs/j.yaml:3:"},
	    {"bad job name", FX_CELL, RB_ACTION_RUN_JOB, "manifest",
	     "apiVersion: batch/v1\nkind: Job\n"
	     "metadata: {name: {{ vars.migration }}}\nspec: {template: {} }\n",
	     "the Job's name \"V42__x\" is not an object name"},
	    {"job name not a string", FX_CELL, RB_ACTION_RUN_JOB, "manifest",
	     "apiVersion: batch/v1\nkind: Job\nmetadata: {name: 12}\n"
	     "spec: {template: {} }\n",
	     "must be strings"},
	    {"env Job without a namespace", FX_ENV, RB_ACTION_RUN_JOB,
	     "manifest",
	     "apiVersion: batch/v1\nkind: Job\nspec: {template: {} }\n",
	     "namespace: required in an environment runbook when the Job's "
	     "metadata.namespace is not set"},
	    {"env Job with a bad namespace", FX_ENV, RB_ACTION_RUN_JOB,
	     "manifest",
	     "apiVersion: batch/v1\nkind: Job\n"
	     "metadata: {namespace: {{ vars.migration }} }\n"
	     "spec: {template: {} }\n",
	     "namespace: \"V42__x\" is not a namespace name"},
	    {"empty once-key", FX_CELL, RB_ACTION_CONFIRM, "once-key",
	     "{{ vars.unset }}", "once-key: renders as an empty string"},
	    {"no cell", FX_NO_CELL, RB_ACTION_CONFIRM, NULL, NULL,
	     "runs on a service in an environment: no cell given"},
	};
	for (size_t i = 0; i < LEN(rows); i++) {
		const struct bad_row *r = &rows[i];
		struct runbook *rb = rb_new(
		    "bad", r->fx == FX_ENV ? RB_SCOPE_ENV : RB_SCOPE_CELL);
		rb_var_add(rb, "migration", RB_VAR_STRING);
		rb_var_add(rb, "token", RB_VAR_SECRET);
		rb_var_add(rb, "notes", RB_VAR_TEXT);
		rb_var_add(rb, "unset", RB_VAR_STRING);
		struct rb_step *s = rb_step_add(rb, "s", r->action);
		if (r->action == RB_ACTION_CONFIRM &&
		    (!r->field || strcmp(r->field, "instructions")) &&
		    strcmp(r->what, "confirm without instructions"))
			s->instructions = xstrdup("ok");
		if (r->action == RB_ACTION_SCALE &&
		    strcmp(r->what, "scale without replicas"))
			s->replicas = xstrdup("1");
		set_field(rb, s, r->field, r->value);

		struct rb_values vals = RB_VALUES_INIT;
		rb_values_set(&vals, runbook_var(rb, "migration"), "V42__x");
		rb_values_set(&vals, runbook_var(rb, "token"),
			      "tok\r\nX-Evil: 1 " SECRET);
		rb_values_set(&vals, runbook_var(rb, "notes"), "a b\nc");
		const char *env = r->fx == FX_ENV ? "production" : "staging";
		const char *cell = r->fx == FX_CELL	? "payments-api/staging"
				   : r->fx == FX_LEDGER ? "ledger/staging"
							: NULL;
		char *problems = plan_fails(rb, env, cell, &vals);
		if (!strstr(problems, r->msg))
			fail_msg("%s: want \"%s\" in:\n%s", r->what, r->msg,
				 problems);
		/* the secret is never in a message */
		assert_lacks(problems, SECRET);
		free(problems);
		rb_destroy(rb);
	}
}

/* All problems are reported together, and the plan fails as a whole. */
static void test_problems_together(void **state)
{
	(void)state;
	struct runbook *rb = cell_runbook();
	struct rb_step *s = rb->steps.items[1];
	free(s->replicas);
	s->replicas = xstrdup("{{ vars.migration }}");
	s = rb->steps.items[2];
	free(s->target);
	s->target = xstrdup("deployment/{{ vars.missing }}");
	struct rb_values vals = RB_VALUES_INIT; /* migration is required */
	rb_values_set(&vals, runbook_var(rb, "token"), SECRET);
	char *problems =
	    plan_fails(rb, "staging", "payments-api/staging", &vals);
	assert_has(problems, "missing required variables: migration\n");
	assert_has(problems, "step scale: replicas: \"\" is not an integer");
	assert_has(problems, "step wait: target: unknown name 'vars.missing'");
	assert_lacks(problems, SECRET);
	free(problems);

	/* a runbook that does not apply to the environment */
	char *glob = xstrdup("prod*");
	vec_push(&rb->environments, glob);
	cell_values(rb, &vals);
	problems = plan_fails(rb, "staging", "payments-api/staging", &vals);
	assert_has(problems, "does not apply to environment staging");
	free(problems);
	vec_free(&rb->environments, free);

	/* a cell of another environment */
	cell_values(rb, &vals);
	struct plan *p = (struct plan *)1;
	struct buf b = BUF_INIT;
	assert_int_equal(plan_build(rb, COMMIT, env_of("production"),
				    cell_of("payments-api/staging"), &vals,
				    RUN_ID, &op_admin, &p, &b),
			 ST_ERR_INVALID);
	assert_null(p);
	assert_has(buf_str(&b), "cell payments-api/staging is not in "
				"environment production");
	buf_free(&b);

	/* no operator */
	cell_values(rb, &vals);
	struct kube_identity nobody = {0};
	assert_int_equal(plan_build(rb, COMMIT, env_of("staging"),
				    cell_of("payments-api/staging"), &vals,
				    RUN_ID, &nobody, &p, &b),
			 ST_ERR_INVALID);
	assert_has(buf_str(&b), "the operator's identity is not known");
	buf_free(&b);

	/* an environment runbook given a cell */
	struct runbook *env_rb = migration_runbook();
	rb_values_set(&vals, runbook_var(env_rb, "migration"), "V1__a");
	problems =
	    plan_fails(env_rb, "production", "payments-api/production", &vals);
	assert_has(problems, "runs on a whole environment, not on cell "
			     "payments-api/production");
	free(problems);
	rb_destroy(env_rb);
	rb_destroy(rb);
}

/* ---- the FinPay example, parsed ------------------------------------------ */

#define FINPAY "examples/finpay/repo/"

static enum status read_example(void *arg, const char *path, struct buf *out,
				struct err *e)
{
	(void)arg;
	char *full = str_printf(FINPAY "%s", path);
	size_t len;
	char *text = test_read_file(full, &len);
	free(full);
	if (!text)
		return err_set(e, ST_ERR_NOTFOUND, "%s: not found", path);
	buf_append(out, text, len);
	free(text);
	return ST_OK;
}

/* The example's db-migration, parsed by runbook_parse against the
 * example's opsdeck.yaml, plans as the docs say: the Job in the cell's
 * namespace with the run's labels and the migration as a string. */
static void test_finpay_db_migration(void **state)
{
	(void)state;
	size_t len;
	char *text = test_read_file(FINPAY "opsdeck.yaml", &len);
	assert_non_null(text);
	struct model *m = NULL;
	struct buf problems = BUF_INIT;
	if (model_parse("opsdeck.yaml", text, len, &m, &problems) != ST_OK)
		fail_msg("%s", buf_str(&problems));
	free(text);
	text = test_read_file(FINPAY "runbooks/db-migration.yaml", &len);
	assert_non_null(text);
	struct runbook *rb = NULL;
	if (runbook_parse("runbooks/db-migration.yaml", text, len, m,
			  read_example, NULL, &rb, &problems) != ST_OK)
		fail_msg("%s", buf_str(&problems));
	free(text);

	struct rb_values vals = RB_VALUES_INIT;
	const char *given[] = {"migration=V42__x"};
	assert_int_equal(
	    rb_values_resolve(rb, given, 1, NULL, NULL, &vals, &problems),
	    ST_OK);
	const struct model_cell *cell =
	    model_cell(m, "payments-api/production");
	assert_non_null(cell);
	struct plan *p = NULL;
	if (plan_build(rb, COMMIT, cell->env, cell, &vals, RUN_ID, &op_admin,
		       &p, &problems) != ST_OK)
		fail_msg("%s", buf_str(&problems));
	assert_int_equal(p->gate, APPROVAL_SECOND_PERSON);
	assert_string_equal(p->once_key, "migrate:production:V42__x");
	static const char *const want[] = {
	    "run-job from runbooks/jobs/db-migration.yaml in payments-prod",
	    "wait-rollout deployment/payments-api in payments-prod",
	    "health-check namespace payments-prod (unhealthy pods ≤ 0, "
	    "warnings since 15m)",
	    "http-check GET service payments-api:80/healthz in payments-prod "
	    "via the API proxy (expect 200, body containing \"ok\")",
	};
	assert_int_equal(p->steps.len, LEN(want));
	for (size_t i = 0; i < LEN(want); i++)
		assert_string_equal(step_at(p, i)->summary, want[i]);

	const json_t *job = step_at(p, 0)->job;
	json_t *meta = json_object_get(job, "metadata");
	assert_string_equal(
	    json_string_value(json_object_get(meta, "namespace")),
	    "payments-prod");
	assert_string_equal(
	    json_string_value(json_object_get(meta, "generateName")),
	    "db-migration-");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(meta, "labels"),
					      "opsdeck.io/run")),
	    RUN_ID);
	json_t *envs = json_object_get(
	    json_array_get(json_object_get(
			       json_object_get(
				   json_object_get(json_object_get(job, "spec"),
						   "template"),
				   "spec"),
			       "containers"),
			   0),
	    "env");
	static const char *const env_want[][2] = {
	    {"MIGRATION", "V42__x"},
	    {"ENVIRONMENT", "production"},
	    {"OPERATOR", "admin"},
	    {"RUN_ID", RUN_ID},
	};
	for (size_t i = 0; i < LEN(env_want); i++) {
		json_t *e = json_array_get(envs, i);
		assert_string_equal(
		    json_string_value(json_object_get(e, "name")),
		    env_want[i][0]);
		assert_string_equal(
		    json_string_value(json_object_get(e, "value")),
		    env_want[i][1]);
	}
	plan_free(p);
	runbook_free(rb);
	model_free(m);
	buf_free(&problems);
}

/* Every example runbook plans where it applies. */
static void test_finpay_all(void **state)
{
	(void)state;
	static const struct {
		const char *file, *env, *cell, *var, *first;
	} rows[] = {
	    {"restart-service", "staging", "payments-api/staging",
	     "reason=INC-4711 stale connections",
	     "rollout-restart deployment/payments-api in payments-stg"},
	    {"restart-service", "production",
	     "merchant-portal/production/euroshop", "reason=INC-4712",
	     "rollout-restart deployment/merchant-portal-euroshop in "
	     "merchant-euroshop-prod"},
	    {"health-check", "production", NULL, NULL,
	     "health-check cluster finpay-prod"},
	    {"announce", "staging", NULL, "message=hi; $(rm -rf /)\nbye",
	     "script runbooks/scripts/announce.sh (env MESSAGE, CHANNEL, "
	     "ENVIRONMENT, OPERATOR)"},
	};
	size_t len;
	char *text = test_read_file(FINPAY "opsdeck.yaml", &len);
	assert_non_null(text);
	struct model *m = NULL;
	struct buf problems = BUF_INIT;
	if (model_parse("opsdeck.yaml", text, len, &m, &problems) != ST_OK)
		fail_msg("%s", buf_str(&problems));
	free(text);
	for (size_t i = 0; i < LEN(rows); i++) {
		char *file = str_printf("runbooks/%s.yaml", rows[i].file);
		char *full = str_printf(FINPAY "%s", file);
		text = test_read_file(full, &len);
		assert_non_null(text);
		struct runbook *rb = NULL;
		if (runbook_parse(file, text, len, m, read_example, NULL, &rb,
				  &problems) != ST_OK)
			fail_msg("%s", buf_str(&problems));
		free(text);
		struct rb_values vals = RB_VALUES_INIT;
		const char *given[] = {rows[i].var};
		assert_int_equal(rb_values_resolve(rb, given,
						   rows[i].var ? 1 : 0, NULL,
						   NULL, &vals, &problems),
				 ST_OK);
		struct plan *p = NULL;
		if (plan_build(
			rb, COMMIT, model_env(m, rows[i].env),
			rows[i].cell ? model_cell(m, rows[i].cell) : NULL,
			&vals, RUN_ID, &op_admin, &p, &problems) != ST_OK)
			fail_msg("%s: %s", file, buf_str(&problems));
		if (!str_has_prefix(step_at(p, 0)->summary, rows[i].first))
			fail_msg("%s: first step \"%s\"", file,
				 step_at(p, 0)->summary);
		if (step_at(p, 0)->env) {
			/* a value reaches the script as it is */
			assert_string_equal(step_at(p, 0)->env[0],
					    "MESSAGE=hi; $(rm -rf /)\nbye");
		}
		plan_free(p);
		runbook_free(rb);
		free(full);
		free(file);
	}
	model_free(m);
	buf_free(&problems);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_run_id),
	    cmocka_unit_test(test_cell_plan),
	    cmocka_unit_test(test_tenant_cell),
	    cmocka_unit_test(test_env_plan_job),
	    cmocka_unit_test(test_job_hostile_values),
	    cmocka_unit_test(test_job_names),
	    cmocka_unit_test(test_job_namespace),
	    cmocka_unit_test(test_permissions_cell),
	    cmocka_unit_test(test_permissions_env),
	    cmocka_unit_test(test_replicas_problems),
	    cmocka_unit_test(test_problems),
	    cmocka_unit_test(test_problems_together),
	    cmocka_unit_test(test_finpay_db_migration),
	    cmocka_unit_test(test_finpay_all),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
