/*
 * Unit tests for src/runbook/runbook.c: a full runbook parsed into the
 * right fields (defaults included: step names and timeouts per action,
 * health-check limits, http-check defaults), every validation rule with
 * its exact "file:line:col: message" (table-driven), all problems of a
 * file reported together, templates (names, secrets, cell-only names,
 * positions inside plain, quoted and literal-block scalars), run-job
 * manifests (good, quoted placeholders, not a Job, a placeholder that is
 * part of a value, a missing file, two documents, a secret), scripts,
 * where a runbook applies and the gate, and hostile input (truncated
 * YAML, a huge file, control characters, binary, alias bombs).
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
#include "base/str.h"
#include "model/model.h"
#include "runbook/runbook.h"
#include "runbook/vars.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

static const char model_yaml[] =
    "environments:\n"
    "  - name: development\n"
    "    short: dev\n"
    "    cluster: finpay-dev\n"
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
    "  - name: euroshop\n"
    "services:\n"
    "  - name: payments-api\n"
    "    workload: deployment/payments-api\n"
    "    namespace: \"payments-{{ env.short }}\"\n"
    "    version: {file: \"v-{{ env.name }}.yaml\", path: tag}\n"
    "  - name: merchant-portal\n"
    "    tenanted: true\n"
    "    workload: \"deployment/portal-{{ tenant.name }}\"\n"
    "    namespace: \"merchant-{{ tenant.name }}-{{ env.short }}\"\n"
    "    version: {file: v.yaml, path: tag}\n";

static struct model *model;

static int setup(void **state)
{
	(void)state;
	struct buf p = BUF_INIT;
	if (model_parse("opsdeck.yaml", model_yaml, strlen(model_yaml), &model,
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
	model_free(model);
	return 0;
}

/* The repo files the reader serves. */
static const struct {
	const char *path, *text;
} files[] = {
    {"runbooks/jobs/migrate.yaml",
     "apiVersion: batch/v1\n"
     "kind: Job\n"
     "metadata:\n"
     "  generateName: migrate-\n"
     "  # made by {{ run.operator }}\n"
     "spec:\n"
     "  template:\n"
     "    spec:\n"
     "      containers:\n"
     "        - name: m\n"
     "          args:\n"
     "            - {{ vars.migration }}\n"
     "          env:\n"
     "            - name: ENV\n"
     "              value: \"{{ env.name }}\"\n"
     "            - name: OP\n"
     "              value: '{{ run.operator }}'  # who\n"},
    {"runbooks/jobs/pod.yaml",
     "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n"},
    {"runbooks/jobs/deploy.yaml", "apiVersion: batch/v1\nkind: Deployment\n"},
    {"runbooks/jobs/partial.yaml",
     "apiVersion: batch/v1\n"
     "kind: Job\n"
     "spec:\n"
     "  template:\n"
     "    spec:\n"
     "      containers:\n"
     "        - name: m\n"
     "          command: [\"sh\", \"-c\", \"migrate {{ vars.migration }}\"]\n"
     "          image: \"reg/{{ env.name }}\"\n"},
    {"runbooks/jobs/two.yaml",
     "apiVersion: batch/v1\nkind: Job\n---\napiVersion: batch/v1\n"
     "kind: Job\n"},
    {"runbooks/jobs/broken.yaml", "apiVersion: batch/v1\nkind: [Job\n"},
    {"runbooks/jobs/secret.yaml",
     "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {{ vars.token }}\n"},
    {"runbooks/jobs/ns.yaml",
     "apiVersion: batch/v1\nkind: Job\nmetadata:\n  namespace: ops\n"},
    {"runbooks/jobs/syntax.yaml",
     "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {{ vars.x\n"},
    {"runbooks/jobs/comment.yaml", "# nothing here\n"},
    {"runbooks/scripts/notify.sh", "#!/bin/sh\necho \"$MIGRATION\"\n"},
    {"runbooks/scripts/empty.sh", ""},
};

static enum status reader(void *arg, const char *path, struct buf *out,
			  struct err *e)
{
	(void)arg;
	for (size_t i = 0; i < LEN(files); i++)
		if (!strcmp(files[i].path, path)) {
			buf_puts(out, files[i].text);
			return ST_OK;
		}
	return err_set(e, ST_ERR_NOTFOUND, "%s: not found", path);
}

/* One line a terminal shows as it is. */
static void assert_safe_line(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f ||
		    (c == 0xc2 && i + 1 < n &&
		     (unsigned char)s[i + 1] >= 0x80 &&
		     (unsigned char)s[i + 1] <= 0x9f))
			fail_msg("unsafe byte 0x%02X in \"%.*s\"", c, (int)n,
				 s);
	}
}

/* Every problem is "FILE:LINE:COL: message" and safe; returns how many. */
static size_t assert_located(const char *problems)
{
	size_t n = 0;
	for (const char *s = problems; *s; n++) {
		const char *nl = strchr(s, '\n');
		if (!nl)
			fail_msg("problems do not end with a newline: %s", s);
		const char *colon = memchr(s, ':', (size_t)(nl - s));
		int line = 0, col = 0, used = 0;
		if (!colon ||
		    sscanf(colon + 1, "%d:%d: %n", &line, &col, &used) != 2 ||
		    !used || line < 1 || col < 1)
			fail_msg("not located: \"%.*s\"", (int)(nl - s), s);
		assert_safe_line(s, (size_t)(nl - s));
		s = nl + 1;
	}
	return n;
}

static struct runbook *parse_as(const char *file, const char *text)
{
	struct runbook *rb = NULL;
	struct buf p = BUF_INIT;
	enum status st = runbook_parse(file, text, strlen(text), model, reader,
				       NULL, &rb, &p);
	if (st != ST_OK) {
		fprintf(stderr, "problems:\n%s", buf_str(&p));
		fail_msg("status %s for:\n%s", status_name(st), text);
	}
	assert_non_null(rb);
	assert_int_equal(p.len, 0);
	buf_free(&p);
	return rb;
}

static struct runbook *parse_ok(const char *text)
{
	return parse_as("runbooks/rb.yaml", text);
}

/* Parse text that must fail; returns the problems (free them). */
static char *parse_fails_as(const char *file, const char *text, size_t len)
{
	struct runbook *rb = (struct runbook *)1;
	struct buf p = BUF_INIT;
	enum status st =
	    runbook_parse(file, text, len, model, reader, NULL, &rb, &p);
	if (st != ST_ERR_PARSE)
		fail_msg("status %s for:\n%s\nproblems:\n%s", status_name(st),
			 text, buf_str(&p));
	assert_null(rb);
	assert_true(p.len > 0);
	assert_located(buf_str(&p));
	return buf_detach(&p);
}

static char *parse_fails(const char *text)
{
	return parse_fails_as("runbooks/rb.yaml", text, strlen(text));
}

static void assert_has(const char *problems, const char *want)
{
	if (!strstr(problems, want)) {
		fprintf(stderr, "expected \"%s\" in:\n%s", want, problems);
		fail_msg("expected \"%s\" in:\n%s", want, problems);
	}
}

/* ---- a good runbook ---- */

static const char full[] =
    "name: rb\n"
    "title: Everything\n"
    "description: |\n"
    "  Two lines\n"
    "  of text.\n"
    "scope: cell\n"
    "applies-to:\n"
    "  environments: [staging, prod]\n"
    "  services: [payments-api, \"merchant-*\"]\n"
    "  tenants: [\"*\"]\n"
    "approval: second-person\n"
    "once-key: \"migrate:{{ env.name }}:{{ vars.migration }}\"\n"
    "timeout: 1h30m\n"
    "approval-timeout: 7200\n"
    "variables:\n"
    "  - name: migration\n"
    "    title: Migration to apply\n"
    "    help: \"e.g. V42__add_refund_index\"\n"
    "    required: true\n"
    "    pattern: '^V[0-9]+(\\.[0-9]+)*__[a-z0-9_]+$'\n"
    "  - name: notes\n"
    "    type: text\n"
    "  - name: color\n"
    "    type: choice\n"
    "    choices: [red, green]\n"
    "    default: green\n"
    "  - name: pod\n"
    "    type: choice\n"
    "    choices-from: pods\n"
    "  - name: replicas\n"
    "    type: integer\n"
    "    min: 1\n"
    "    max: 10\n"
    "    default: 003\n"
    "  - name: dry_run\n"
    "    type: boolean\n"
    "    default: \"Yes\"\n"
    "  - name: token\n"
    "    type: secret\n"
    "steps:\n"
    "  - action: rollout-restart\n"
    "  - name: scale-up\n"
    "    action: scale\n"
    "    target: \"deployment/{{ cell.workload }}\"\n"
    "    namespace: \"{{ cell.namespace }}\"\n"
    "    replicas: \"{{ vars.replicas }}\"\n"
    "    timeout: 90\n"
    "    continue-on-failure: true\n"
    "  - action: wait-rollout\n"
    "  - action: health-check\n"
    "    max-warnings: 5\n"
    "    warnings-since: 30m\n"
    "  - action: run-job\n"
    "    manifest: runbooks/jobs/migrate.yaml\n"
    "  - action: http-check\n"
    "    service: payments-api\n"
    "    port: 8080\n"
    "    headers: {X-Api-Key: \"{{ vars.token }}\"}\n"
    "  - action: http-check\n"
    "    url: \"https://status.example/{{ env.name }}\"\n"
    "    expect-status: 204\n"
    "    expect-body: ok\n"
    "  - action: confirm\n"
    "    title: Look at the dashboard\n"
    "    instructions: |\n"
    "      Check {{ service.name }} in {{ env.name }}.\n"
    "  - action: script\n"
    "    file: runbooks/scripts/notify.sh\n"
    "    env: {MIGRATION: \"{{ vars.migration }}\", TOKEN: \"{{ vars.token "
    "}}\","
    " N: 3}\n"
    "  - action: rollout-restart\n";

static const struct rb_step *step(const struct runbook *rb, size_t i)
{
	assert_true(i < rb->steps.len);
	return rb->steps.items[i];
}

static const struct rb_var *var(const struct runbook *rb, size_t i)
{
	assert_true(i < rb->vars.len);
	return rb->vars.items[i];
}

static void test_full(void **state)
{
	(void)state;
	struct runbook *rb = parse_ok(full);
	assert_string_equal(rb->name, "rb");
	assert_string_equal(rb->title, "Everything");
	assert_string_equal(rb->description, "Two lines\nof text.\n");
	assert_string_equal(rb->file, "runbooks/rb.yaml");
	assert_int_equal(rb->scope, RB_SCOPE_CELL);
	assert_int_equal(rb->environments.len, 2);
	assert_string_equal(rb->environments.items[1], "prod");
	assert_int_equal(rb->services.len, 2);
	assert_string_equal(rb->services.items[1], "merchant-*");
	assert_int_equal(rb->tenants.len, 1);
	assert_true(rb->has_approval);
	assert_int_equal(rb->approval, APPROVAL_SECOND_PERSON);
	assert_string_equal(rb->once_key,
			    "migrate:{{ env.name }}:{{ vars.migration }}");
	assert_int_equal(rb->timeout_s, 5400);
	assert_int_equal(rb->approval_timeout_s, 7200);

	/* variables, in order, with defaults in canonical form */
	assert_int_equal(rb->vars.len, 7);
	const struct rb_var *v = var(rb, 0);
	assert_string_equal(v->name, "migration");
	assert_string_equal(v->title, "Migration to apply");
	assert_string_equal(v->help, "e.g. V42__add_refund_index");
	assert_int_equal(v->type, RB_VAR_STRING);
	assert_true(v->required);
	assert_string_equal(v->pattern, "^V[0-9]+(\\.[0-9]+)*__[a-z0-9_]+$");
	assert_non_null(v->where);
	v = var(rb, 1);
	assert_int_equal(v->type, RB_VAR_TEXT);
	assert_string_equal(v->title, "notes"); /* default: the name */
	assert_false(v->required);
	assert_null(v->default_);
	v = var(rb, 2);
	assert_int_equal(v->type, RB_VAR_CHOICE);
	assert_int_equal(v->source, RB_CHOICES_STATIC);
	assert_int_equal(v->choices.len, 2);
	assert_string_equal(v->default_, "green");
	v = var(rb, 3);
	assert_int_equal(v->source, RB_CHOICES_PODS);
	v = var(rb, 4);
	assert_int_equal(v->type, RB_VAR_INTEGER);
	assert_true(v->has_min && v->has_max);
	assert_int_equal(v->min, 1);
	assert_int_equal(v->max, 10);
	assert_string_equal(v->default_, "3"); /* YAML 003 is the integer 3 */
	v = var(rb, 5);
	assert_string_equal(v->default_, "true");
	v = var(rb, 6);
	assert_int_equal(v->type, RB_VAR_SECRET);
	assert_ptr_equal(runbook_var(rb, "token"), v);
	assert_null(runbook_var(rb, "nope"));

	/* steps: names, defaults */
	assert_int_equal(rb->steps.len, 10);
	const struct rb_step *s = step(rb, 0);
	assert_string_equal(s->name, "rollout-restart");
	assert_int_equal(s->action, RB_ACTION_ROLLOUT_RESTART);
	assert_int_equal(s->timeout_s, 60);
	assert_null(s->target); /* the cell's workload */
	assert_null(s->namespace_);
	assert_false(s->continue_on_failure);
	s = step(rb, 1);
	assert_string_equal(s->name, "scale-up");
	assert_string_equal(s->target, "deployment/{{ cell.workload }}");
	assert_string_equal(s->namespace_, "{{ cell.namespace }}");
	assert_string_equal(s->replicas, "{{ vars.replicas }}");
	assert_int_equal(s->timeout_s, 90);
	assert_true(s->continue_on_failure);
	s = step(rb, 2);
	assert_string_equal(s->name, "wait-rollout");
	assert_int_equal(s->timeout_s, 600);
	s = step(rb, 3);
	assert_string_equal(s->name, "health-check");
	assert_false(s->cluster_wide); /* cell scope: the namespace */
	assert_int_equal(s->max_unhealthy_pods, 0);
	assert_int_equal(s->max_not_ready_nodes, 0);
	assert_int_equal(s->max_warnings, 5);
	assert_int_equal(s->warnings_since_s, 1800);
	assert_int_equal(s->timeout_s, 120);
	s = step(rb, 4);
	assert_string_equal(s->name, "run-job");
	assert_string_equal(s->manifest, "runbooks/jobs/migrate.yaml");
	assert_int_equal(s->timeout_s, 1800);
	assert_non_null(s->content);
	assert_int_equal(s->content_len, strlen(s->content));
	/* the quotes around whole-value placeholders are dropped: the
	 * rendering quotes each value itself */
	assert_non_null(strstr(s->content, "value: {{ env.name }}\n"));
	assert_non_null(strstr(s->content, "value: {{ run.operator }}  # who"));
	assert_non_null(strstr(s->content, "- {{ vars.migration }}\n"));
	s = step(rb, 5);
	assert_string_equal(s->name, "http-check");
	assert_string_equal(s->service, "payments-api");
	assert_string_equal(s->port, "8080");
	assert_string_equal(s->path, "/");
	assert_int_equal(s->expect_status, 200);
	assert_null(s->expect_body);
	assert_null(s->url);
	assert_int_equal(s->headers.len, 1);
	const struct rb_pair *pr = s->headers.items[0];
	assert_string_equal(pr->name, "X-Api-Key");
	assert_string_equal(pr->value, "{{ vars.token }}");
	s = step(rb, 6);
	assert_string_equal(s->name, "http-check-2");
	assert_string_equal(s->url, "https://status.example/{{ env.name }}");
	assert_int_equal(s->expect_status, 204);
	assert_string_equal(s->expect_body, "ok");
	s = step(rb, 7);
	assert_string_equal(s->name, "confirm");
	assert_string_equal(s->title, "Look at the dashboard");
	assert_string_equal(s->instructions,
			    "Check {{ service.name }} in {{ env.name }}.\n");
	assert_int_equal(s->timeout_s, 3600);
	s = step(rb, 8);
	assert_string_equal(s->name, "script");
	assert_string_equal(s->script, "runbooks/scripts/notify.sh");
	assert_string_equal(s->content, "#!/bin/sh\necho \"$MIGRATION\"\n");
	assert_int_equal(s->timeout_s, 600);
	assert_int_equal(s->env.len, 3);
	pr = s->env.items[2];
	assert_string_equal(pr->name, "N");
	assert_string_equal(pr->value, "3");
	s = step(rb, 9);
	assert_string_equal(s->name, "rollout-restart-2");
	runbook_free(rb);
}

static void test_minimal_defaults(void **state)
{
	(void)state;
	struct runbook *rb =
	    parse_as("runbooks/x.yml", "name: x\ntitle: X\nsteps:\n"
				       "  - action: confirm\n"
				       "    instructions: go\n");
	assert_int_equal(rb->scope, RB_SCOPE_CELL);
	assert_false(rb->has_approval);
	assert_null(rb->description);
	assert_null(rb->once_key);
	assert_int_equal(rb->timeout_s, 3600);
	assert_int_equal(rb->approval_timeout_s, 3600);
	assert_int_equal(rb->environments.len, 0);
	assert_int_equal(rb->vars.len, 0);
	runbook_free(rb);
}

/* A step named like a default is never given again by default. */
static void test_step_names(void **state)
{
	(void)state;
	struct runbook *rb = parse_ok("name: rb\ntitle: T\nsteps:\n"
				      "  - action: scale\n    replicas: 1\n"
				      "  - action: scale\n    replicas: 2\n"
				      "  - name: scale-2\n    action: scale\n"
				      "    replicas: 0\n"
				      "  - name: scale\n    action: scale\n"
				      "    replicas: 3\n");
	assert_string_equal(step(rb, 0)->name, "scale-3");
	assert_string_equal(step(rb, 1)->name, "scale-4");
	assert_string_equal(step(rb, 2)->name, "scale-2");
	assert_string_equal(step(rb, 3)->name, "scale");
	assert_string_equal(step(rb, 0)->replicas, "1");
	runbook_free(rb);
}

static void test_default_timeouts(void **state)
{
	(void)state;
	static const struct {
		const char *step;
		long timeout;
	} cases[] = {
	    {"action: rollout-restart", 60},
	    {"action: scale\n    replicas: 1", 60},
	    {"action: wait-rollout", 600},
	    {"action: health-check", 120},
	    {"action: run-job\n    manifest: runbooks/jobs/migrate.yaml\n"
	     "    # a comment",
	     1800},
	    {"action: http-check\n    url: http://x", 60},
	    {"action: confirm\n    instructions: go", 3600},
	    {"action: script\n    file: runbooks/scripts/notify.sh", 600},
	};
	for (size_t i = 0; i < LEN(cases); i++) {
		char *text = str_printf("name: rb\ntitle: T\nvariables:\n"
					"  - {name: migration}\nsteps:\n"
					"  - %s\n",
					cases[i].step);
		struct runbook *rb = parse_ok(text);
		assert_int_equal(step(rb, 0)->timeout_s, cases[i].timeout);
		runbook_free(rb);
		free(text);
	}
}

static void test_environment_scope(void **state)
{
	(void)state;
	struct runbook *rb =
	    parse_ok("name: rb\ntitle: T\nscope: environment\n"
		     "steps:\n"
		     "  - action: health-check\n"
		     "  - action: health-check\n"
		     "    scope: namespace\n"
		     "    namespace: \"payments-{{ env.short }}\"\n"
		     "  - action: rollout-restart\n"
		     "    target: deployment/ledger\n"
		     "    namespace: payments-prod\n"
		     "  - action: run-job\n"
		     "    manifest: runbooks/jobs/ns.yaml\n");
	assert_int_equal(rb->scope, RB_SCOPE_ENV);
	assert_true(step(rb, 0)->cluster_wide);
	assert_false(step(rb, 1)->cluster_wide);
	assert_string_equal(step(rb, 1)->namespace_,
			    "payments-{{ env.short }}");
	runbook_free(rb);
}

/* ---- every rule, located ---- */

static const struct {
	const char *text;
	const char *want; /* a whole problem line, without the newline */
} errors[] = {
    /* the file */
    {"- a\n", "runbooks/rb.yaml:1:1: a runbook must be a mapping with name, "
	      "title and steps, not a list"},
    {"", "runbooks/rb.yaml:1:1: a runbook must be a mapping with name, "
	 "title and steps, not empty"},
    {"name: rb\ntitle: T\nstep:\n  - action: confirm\n",
     "runbooks/rb.yaml:3:1: unknown key 'step' in a runbook (did you mean "
     "'steps'?)"},
    {"title: T\nsteps: [{action: rollout-restart}]\n",
     "runbooks/rb.yaml:1:1: a runbook needs 'name'"},
    {"name: rb\nsteps: [{action: rollout-restart}]\n",
     "runbooks/rb.yaml:1:1: a runbook needs 'title'"},
    {"name: rb\ntitle: T\n", "runbooks/rb.yaml:1:1: a runbook needs 'steps' "
			     "(a list)"},
    {"name: rb\ntitle: T\nsteps: []\n",
     "runbooks/rb.yaml:3:8: steps must list at least one step"},
    {"name: rb\ntitle: T\nsteps: {a: 1}\n",
     "runbooks/rb.yaml:3:8: steps must be a list, not a mapping"},
    /* name, title, description */
    {"name: Rb\ntitle: T\nsteps: [{action: rollout-restart}]\n",
     "runbooks/rb.yaml:1:7: 'Rb' is not a valid runbook name: lowercase "
     "letters, digits and '-', starting and ending with a letter or digit, "
     "at most 53"},
    {"name: other\ntitle: T\nsteps: [{action: rollout-restart}]\n",
     "runbooks/rb.yaml:1:7: name 'other' must be the file's name ('rb')"},
    {"name: rb\ntitle: \"a\\nb\"\nsteps: [{action: rollout-restart}]\n",
     "runbooks/rb.yaml:2:8: title must be one line"},
    {"name: rb\ntitle: \"a\\x1b[2Jb\"\nsteps: [{action: rollout-restart}]\n",
     "runbooks/rb.yaml:2:8: title must not contain control characters"},
    {"name: rb\ntitle: 5\nsteps: [{action: rollout-restart}]\n",
     "runbooks/rb.yaml:2:8: title must be a string, not a number"},
    {"name: rb\ntitle: T\ndescription: \"x\\ry\"\n"
     "steps: [{action: rollout-restart}]\n",
     "runbooks/rb.yaml:3:14: description must not contain control "
     "characters"},
    /* scope, applies-to, approval */
    {"name: rb\ntitle: T\nscope: cel\nsteps: [{action: rollout-restart}]\n",
     "runbooks/rb.yaml:3:8: scope 'cel': use cell or environment (did you "
     "mean 'cell'?)"},
    {"name: rb\ntitle: T\napplies-to:\n  environments: [staging, prodd]\n"
     "steps: [{action: rollout-restart}]\n",
     "runbooks/rb.yaml:4:27: no environment named 'prodd' in opsdeck.yaml "
     "(did you mean 'prod'?)"},
    {"name: rb\ntitle: T\napplies-to:\n  services: [payments]\n"
     "steps: [{action: rollout-restart}]\n",
     "runbooks/rb.yaml:4:14: no service named 'payments' in opsdeck.yaml"},
    {"name: rb\ntitle: T\napplies-to:\n  tenants: [acmee]\n"
     "steps: [{action: rollout-restart}]\n",
     "runbooks/rb.yaml:4:13: no tenant named 'acmee' in opsdeck.yaml (did "
     "you mean 'acme'?)"},
    {"name: rb\ntitle: T\napplies-to:\n  environment: [staging]\n"
     "steps: [{action: rollout-restart}]\n",
     "runbooks/rb.yaml:4:3: unknown key 'environment' in applies-to (did "
     "you mean 'environments'?)"},
    {"name: rb\ntitle: T\nscope: environment\napplies-to:\n"
     "  services: [payments-api]\nsteps: [{action: health-check}]\n",
     "runbooks/rb.yaml:5:3: services is for cell runbooks (this one has "
     "scope: environment)"},
    {"name: rb\ntitle: T\napplies-to:\n  environments: [1]\n"
     "steps: [{action: rollout-restart}]\n",
     "runbooks/rb.yaml:4:18: environment names must be strings, not a "
     "number"},
    {"name: rb\ntitle: T\napproval: second\n"
     "steps: [{action: rollout-restart}]\n",
     "runbooks/rb.yaml:3:11: approval 'second': use none, confirm or "
     "second-person"},
    /* durations */
    {"name: rb\ntitle: T\ntimeout: 5x\nsteps: [{action: rollout-restart}]\n",
     "runbooks/rb.yaml:3:10: timeout: '5x' is not a duration (e.g. 90s, 5m, "
     "1h30m, or a number of seconds)"},
    {"name: rb\ntitle: T\ntimeout: 25h\nsteps: [{action: rollout-restart}]\n",
     "runbooks/rb.yaml:3:10: timeout must be at most 24h"},
    {"name: rb\ntitle: T\ntimeout: 0\nsteps: [{action: rollout-restart}]\n",
     "runbooks/rb.yaml:3:10: timeout must be longer than 0 seconds"},
    {"name: rb\ntitle: T\napproval-timeout: 8d\n"
     "steps: [{action: rollout-restart}]\n",
     "runbooks/rb.yaml:3:19: approval-timeout must be at most 7d"},
    /* variables */
    {"name: rb\ntitle: T\nvariables:\n  - name: 9x\n"
     "steps: [{action: rollout-restart}]\n",
     "runbooks/rb.yaml:4:11: '9x' is not a valid variable name: letters, "
     "digits and '_', not starting with a digit, at most 63"},
    {"name: rb\ntitle: T\nvariables:\n  - name: a\n  - name: a\n"
     "steps: [{action: rollout-restart}]\n",
     "runbooks/rb.yaml:5:11: variable 'a' is declared twice"},
    {"name: rb\ntitle: T\nvariables:\n  - name: a\n    type: strng\n"
     "steps: [{action: rollout-restart}]\n",
     "runbooks/rb.yaml:5:11: unknown type 'strng': use string, text, choice, "
     "integer, boolean, secret (did you mean 'string'?)"},
    {"name: rb\ntitle: T\nvariables:\n  - name: a\n    defualt: x\n"
     "steps: [{action: rollout-restart}]\n",
     "runbooks/rb.yaml:5:5: unknown key 'defualt' in a variable (did you "
     "mean 'default'?)"},
    {"name: rb\ntitle: T\nvariables:\n  - {type: string}\n"
     "steps: [{action: rollout-restart}]\n",
     "runbooks/rb.yaml:4:5: a variable needs 'name'"},
    {"name: rb\ntitle: T\nvariables:\n  - x\n"
     "steps: [{action: rollout-restart}]\n",
     "runbooks/rb.yaml:4:5: a variable must be a mapping, not a string"},
    {"name: rb\ntitle: T\nvariables:\n  - name: a\n    type: secret\n"
     "    default: x\nsteps: [{action: rollout-restart}]\n",
     "runbooks/rb.yaml:6:5: a secret variable cannot have a default"},
    {"name: rb\ntitle: T\nvariables:\n  - name: n\n    type: integer\n"
     "    max: 5\n    default: 7\nsteps: [{action: rollout-restart}]\n",
     "runbooks/rb.yaml:7:14: default: n: 7 is above the maximum 5"},
    {"name: rb\ntitle: T\nvariables:\n  - name: a\n    pattern: '^x$'\n"
     "    default: y\nsteps: [{action: rollout-restart}]\n",
     "runbooks/rb.yaml:6:14: default: a: \"y\" does not match ^x$"},
    {"name: rb\ntitle: T\nvariables:\n  - name: a\n    default: [x]\n"
     "steps: [{action: rollout-restart}]\n",
     "runbooks/rb.yaml:5:14: default must be a single value (a string, a "
     "whole number or true/false), not a list"},
    {"name: rb\ntitle: T\nvariables:\n  - name: a\n    pattern: '(x'\n"
     "steps: [{action: rollout-restart}]\n",
     "runbooks/rb.yaml:5:14: pattern is not a valid POSIX extended regular "
     "expression: "},
    {"name: rb\ntitle: T\nvariables:\n  - name: a\n    pattern: '(x)\\1'\n"
     "steps: [{action: rollout-restart}]\n",
     "runbooks/rb.yaml:5:14: pattern uses a back-reference (not "
     "supported)"},
    {"name: rb\ntitle: T\nvariables:\n  - name: a\n"
     "    pattern: '((a{99}){99}){99}'\nsteps: [{action: rollout-restart}]\n",
     "runbooks/rb.yaml:5:14: pattern is too complex (repetition counts "
     "multiply into a huge automaton)"},
    {"name: rb\ntitle: T\nvariables:\n  - name: a\n"
     "    pattern: '((((((((((((((((((((((((((((((((((x))))))))))))))))))))))"
     "))))))))))))'\nsteps: [{action: rollout-restart}]\n",
     "runbooks/rb.yaml:5:14: pattern is nested too deeply"},
    {"name: rb\ntitle: T\nvariables:\n  - name: a\n    type: integer\n"
     "    pattern: x\nsteps: [{action: rollout-restart}]\n",
     "runbooks/rb.yaml:6:5: pattern is for string, text and secret "
     "variables (this one is integer)"},
    {"name: rb\ntitle: T\nvariables:\n  - name: a\n    min: 1\n"
     "steps: [{action: rollout-restart}]\n",
     "runbooks/rb.yaml:5:5: min is for integer variables (this one is "
     "string)"},
    {"name: rb\ntitle: T\nvariables:\n  - name: a\n    type: integer\n"
     "    min: 5\n    max: 1\nsteps: [{action: rollout-restart}]\n",
     "runbooks/rb.yaml:7:10: max (1) is below min (5)"},
    {"name: rb\ntitle: T\nvariables:\n  - name: a\n    type: integer\n"
     "    min: 1.5\nsteps: [{action: rollout-restart}]\n",
     "runbooks/rb.yaml:6:10: min must be a whole number from"},
    {"name: rb\ntitle: T\nvariables:\n  - name: a\n    type: choice\n"
     "steps: [{action: rollout-restart}]\n",
     "runbooks/rb.yaml:4:5: a choice variable needs either choices (a list) "
     "or choices-from (services, tenants, pods or deployments)"},
    {"name: rb\ntitle: T\nvariables:\n  - name: a\n    type: choice\n"
     "    choices: [x]\n    choices-from: pods\n"
     "steps: [{action: rollout-restart}]\n",
     "runbooks/rb.yaml:4:5: a choice variable needs either choices"},
    {"name: rb\ntitle: T\nvariables:\n  - name: a\n    type: choice\n"
     "    choices: [x, y, x]\nsteps: [{action: rollout-restart}]\n",
     "runbooks/rb.yaml:6:21: choice 'x' is listed twice"},
    {"name: rb\ntitle: T\nvariables:\n  - name: a\n    type: choice\n"
     "    choices: []\nsteps: [{action: rollout-restart}]\n",
     "runbooks/rb.yaml:6:14: choices must list at least one value"},
    {"name: rb\ntitle: T\nvariables:\n  - name: a\n    type: choice\n"
     "    choices: [1]\nsteps: [{action: rollout-restart}]\n",
     "runbooks/rb.yaml:6:15: a choice must be a string, not a number (quote "
     "it)"},
    {"name: rb\ntitle: T\nvariables:\n  - name: a\n    type: choice\n"
     "    choices-from: pod\nsteps: [{action: rollout-restart}]\n",
     "runbooks/rb.yaml:6:19: choices-from 'pod': use services, tenants, pods "
     "or deployments (did you mean 'pods'?)"},
    {"name: rb\ntitle: T\nscope: environment\nvariables:\n  - name: a\n"
     "    type: choice\n    choices-from: pods\n"
     "steps: [{action: health-check}]\n",
     "runbooks/rb.yaml:7:19: choices-from: pods needs a cell (this runbook "
     "has scope: environment)"},
    {"name: rb\ntitle: T\nvariables:\n  - name: a\n    choices: [x]\n"
     "steps: [{action: rollout-restart}]\n",
     "runbooks/rb.yaml:5:5: choices is for choice variables (this one is "
     "string)"},
    {"name: rb\ntitle: T\nvariables:\n  - name: a\n    type: choice\n"
     "    choices: [x]\n    default: z\nsteps: [{action: rollout-restart}]\n",
     "runbooks/rb.yaml:7:14: default: a: \"z\" is not one of x"},
    {"name: rb\ntitle: T\nvariables:\n  - name: a\n    required: maybe\n"
     "steps: [{action: rollout-restart}]\n",
     "runbooks/rb.yaml:5:15: required must be true or false, not a string"},
    /* steps */
    {"name: rb\ntitle: T\nsteps:\n  - action: restart\n",
     "runbooks/rb.yaml:4:13: unknown action 'restart': use rollout-restart, "
     "scale, wait-rollout, health-check, run-job, http-check, confirm, "
     "script"},
    {"name: rb\ntitle: T\nsteps:\n  - action: scal\n",
     "runbooks/rb.yaml:4:13: unknown action 'scal' (did you mean "
     "'scale'?)"},
    {"name: rb\ntitle: T\nsteps:\n  - name: x\n",
     "runbooks/rb.yaml:4:5: a step needs 'action': one of rollout-restart, "
     "scale, wait-rollout, health-check, run-job, http-check, confirm, "
     "script"},
    {"name: rb\ntitle: T\nsteps:\n  - x\n",
     "runbooks/rb.yaml:4:5: a step must be a mapping, not a string"},
    {"name: rb\ntitle: T\nsteps:\n  - action: rollout-restart\n"
     "    replicas: 3\n",
     "runbooks/rb.yaml:5:5: 'replicas' is not used by a rollout-restart step "
     "(it is for scale)"},
    {"name: rb\ntitle: T\nsteps:\n  - action: rollout-restart\n"
     "    tagret: deployment/x\n",
     "runbooks/rb.yaml:5:5: unknown key 'tagret' in a step (did you mean "
     "'target'?)"},
    {"name: rb\ntitle: T\nsteps:\n  - name: Restart\n"
     "    action: rollout-restart\n",
     "runbooks/rb.yaml:4:11: 'Restart' is not a valid step name: lowercase "
     "letters, digits and '-', at most 63"},
    {"name: rb\ntitle: T\nsteps:\n  - {name: a, action: rollout-restart}\n"
     "  - {name: a, action: wait-rollout}\n",
     "runbooks/rb.yaml:5:12: step name 'a' is used twice"},
    {"name: rb\ntitle: T\nsteps:\n  - action: rollout-restart\n"
     "    timeout: 2d\n",
     "runbooks/rb.yaml:5:14: timeout must be at most 24h"},
    {"name: rb\ntitle: T\nsteps:\n  - action: rollout-restart\n"
     "    continue-on-failure: 1\n",
     "runbooks/rb.yaml:5:26: continue-on-failure must be true or false, not "
     "a number"},
    {"name: rb\ntitle: T\nsteps:\n  - action: rollout-restart\n"
     "    target: statefulset/x\n",
     "runbooks/rb.yaml:5:13: target 'statefulset/x' must be deployment/NAME "
     "(NAME may be a template)"},
    {"name: rb\ntitle: T\nsteps:\n  - action: rollout-restart\n"
     "    target: deployment/Bad_Name\n",
     "runbooks/rb.yaml:5:13: 'Bad_Name' is not a valid Kubernetes object "
     "name"},
    {"name: rb\ntitle: T\nsteps:\n  - action: wait-rollout\n"
     "    namespace: -x\n",
     "runbooks/rb.yaml:5:16: '-x' is not a valid namespace name"},
    {"name: rb\ntitle: T\nscope: environment\nsteps:\n"
     "  - action: rollout-restart\n    namespace: x\n",
     "runbooks/rb.yaml:5:5: a rollout-restart step in an environment "
     "runbook needs 'target' (there is no cell to take it from)"},
    {"name: rb\ntitle: T\nscope: environment\nsteps:\n"
     "  - action: wait-rollout\n    target: deployment/x\n",
     "runbooks/rb.yaml:5:5: a wait-rollout step in an environment runbook "
     "needs 'namespace' (there is no cell to take it from)"},
    {"name: rb\ntitle: T\nsteps:\n  - action: scale\n",
     "runbooks/rb.yaml:4:5: a scale step needs 'replicas'"},
    {"name: rb\ntitle: T\nsteps:\n  - action: scale\n    replicas: 10001\n",
     "runbooks/rb.yaml:5:15: replicas must be a whole number from 0 to "
     "10000"},
    {"name: rb\ntitle: T\nsteps:\n  - action: scale\n    replicas: \"x\"\n",
     "runbooks/rb.yaml:5:15: replicas must be a whole number from 0 to "
     "10000"},
    {"name: rb\ntitle: T\nsteps:\n  - action: health-check\n"
     "    scope: everything\n",
     "runbooks/rb.yaml:5:12: scope 'everything': use namespace or cluster"},
    {"name: rb\ntitle: T\nsteps:\n  - action: health-check\n"
     "    scope: cluster\n    namespace: x\n",
     "runbooks/rb.yaml:6:5: namespace is not used by a cluster-wide "
     "health-check (scope: cluster)"},
    {"name: rb\ntitle: T\nscope: environment\nsteps:\n"
     "  - action: health-check\n    scope: namespace\n",
     "runbooks/rb.yaml:5:5: a namespace health-check (scope: namespace) in "
     "an environment runbook needs 'namespace'"},
    {"name: rb\ntitle: T\nsteps:\n  - action: health-check\n"
     "    max-unhealthy-pods: -1\n",
     "runbooks/rb.yaml:5:25: max-unhealthy-pods must be a whole number from "
     "0 to 1000000"},
    {"name: rb\ntitle: T\nsteps:\n  - action: health-check\n"
     "    warnings-since: 8d\n",
     "runbooks/rb.yaml:5:21: warnings-since must be at most 7d"},
    /* run-job and script files */
    {"name: rb\ntitle: T\nsteps:\n  - action: run-job\n",
     "runbooks/rb.yaml:4:5: a run-job step needs 'manifest'"},
    {"name: rb\ntitle: T\nsteps:\n  - action: run-job\n"
     "    manifest: runbooks/jobs/nope.yaml\n",
     "runbooks/rb.yaml:5:15: manifest runbooks/jobs/nope.yaml is not in the "
     "repo at this commit"},
    {"name: rb\ntitle: T\nsteps:\n  - action: run-job\n"
     "    manifest: ../etc/passwd\n",
     "runbooks/rb.yaml:5:15: manifest '../etc/passwd' must be a file path "
     "inside the repo, from its root (no leading '/', no '..')"},
    {"name: rb\ntitle: T\nsteps:\n  - action: run-job\n"
     "    manifest: \"jobs/{{ env.name }}.yaml\"\n",
     "runbooks/rb.yaml:5:15: manifest is a path in the repo, not a "
     "template"},
    {"name: rb\ntitle: T\nsteps:\n  - action: run-job\n"
     "    manifest: runbooks/jobs/pod.yaml\n",
     "runbooks/jobs/pod.yaml:1:13: a run-job manifest must have apiVersion: "
     "batch/v1"},
    {"name: rb\ntitle: T\nsteps:\n  - action: run-job\n"
     "    manifest: runbooks/jobs/deploy.yaml\n",
     "runbooks/jobs/deploy.yaml:2:7: a run-job manifest must have kind: "
     "Job"},
    {"name: rb\ntitle: T\nvariables: [{name: migration}]\nsteps:\n"
     "  - action: run-job\n    manifest: runbooks/jobs/partial.yaml\n",
     "runbooks/jobs/partial.yaml:8:42: a placeholder must be a whole YAML "
     "value (key: {{ vars.migration }}), not part of one: values are quoted "
     "when the manifest is rendered"},
    {"name: rb\ntitle: T\nvariables: [{name: migration}]\nsteps:\n"
     "  - action: run-job\n    manifest: runbooks/jobs/partial.yaml\n",
     "runbooks/jobs/partial.yaml:9:23: a placeholder must be a whole YAML "
     "value (key: {{ env.name }})"},
    {"name: rb\ntitle: T\nsteps:\n  - action: run-job\n"
     "    manifest: runbooks/jobs/comment.yaml\n",
     "runbooks/jobs/comment.yaml:1:1: a run-job manifest must be one Job (a "
     "mapping)"},
    {"name: rb\ntitle: T\nsteps:\n  - action: run-job\n"
     "    manifest: runbooks/jobs/two.yaml\n",
     "runbooks/jobs/two.yaml:3:1: "},
    {"name: rb\ntitle: T\nsteps:\n  - action: run-job\n"
     "    manifest: runbooks/jobs/broken.yaml\n",
     "runbooks/jobs/broken.yaml:3:1: "},
    {"name: rb\ntitle: T\nvariables: [{name: token, type: secret}]\n"
     "steps:\n  - action: run-job\n    manifest: runbooks/jobs/secret.yaml\n",
     "runbooks/jobs/secret.yaml:4:9: secret variable 'token' may only be "
     "used in a script step's env or an http-check's headers"},
    {"name: rb\ntitle: T\nsteps:\n  - action: run-job\n"
     "    manifest: runbooks/jobs/syntax.yaml\n",
     "runbooks/jobs/syntax.yaml:4:9: template: unclosed '{{'"},
    {"name: rb\ntitle: T\nsteps:\n  - action: run-job\n"
     "    manifest: runbooks/jobs/migrate.yaml\n",
     "runbooks/jobs/migrate.yaml:12:15: no variable 'migration' is "
     "declared"},
    {"name: rb\ntitle: T\nscope: environment\nvariables: [{name: migration}]\n"
     "steps:\n  - action: run-job\n    manifest: runbooks/jobs/migrate.yaml\n",
     "runbooks/rb.yaml:6:5: a run-job step whose manifest sets no "
     "metadata.namespace in an environment runbook needs 'namespace'"},
    {"name: rb\ntitle: T\nsteps:\n  - action: script\n"
     "    file: runbooks/scripts/empty.sh\n",
     "runbooks/rb.yaml:5:11: script runbooks/scripts/empty.sh is empty"},
    {"name: rb\ntitle: T\nsteps:\n  - action: script\n"
     "    file: runbooks/scripts/gone.sh\n",
     "runbooks/rb.yaml:5:11: script runbooks/scripts/gone.sh is not in the "
     "repo at this commit"},
    {"name: rb\ntitle: T\nsteps:\n  - action: script\n"
     "    file: runbooks/scripts/notify.sh\n    env: {path: x}\n",
     "runbooks/rb.yaml:6:11: 'path' is not a valid name here: "
     "[A-Z_][A-Z0-9_]*, and not PATH, HOME or LANG (opsdeck sets those)"},
    {"name: rb\ntitle: T\nsteps:\n  - action: script\n"
     "    file: runbooks/scripts/notify.sh\n    env: {PATH: /tmp}\n",
     "runbooks/rb.yaml:6:11: 'PATH' is not a valid name here"},
    {"name: rb\ntitle: T\nsteps:\n  - action: script\n"
     "    file: runbooks/scripts/notify.sh\n    env: [A]\n",
     "runbooks/rb.yaml:6:10: env must be a mapping, not a list"},
    /* http-check */
    {"name: rb\ntitle: T\nsteps:\n  - action: http-check\n",
     "runbooks/rb.yaml:4:5: an http-check step needs either url or service "
     "(a Service in the namespace)"},
    {"name: rb\ntitle: T\nsteps:\n  - action: http-check\n"
     "    url: ftp://x\n",
     "runbooks/rb.yaml:5:10: url 'ftp://x' must start with http:// or "
     "https://"},
    {"name: rb\ntitle: T\nsteps:\n  - action: http-check\n"
     "    url: http://x\n    port: 80\n",
     "runbooks/rb.yaml:6:5: port is for service checks (with url, put it in "
     "the URL)"},
    {"name: rb\ntitle: T\nsteps:\n  - action: http-check\n"
     "    service: api\n    port: 70000\n",
     "runbooks/rb.yaml:6:11: port must be a port number (1 to 65535) or a "
     "port name"},
    {"name: rb\ntitle: T\nsteps:\n  - action: http-check\n"
     "    service: api\n    path: healthz\n",
     "runbooks/rb.yaml:6:11: path must start with '/' and have no blanks"},
    {"name: rb\ntitle: T\nsteps:\n  - action: http-check\n"
     "    url: http://x\n    expect-status: 99\n",
     "runbooks/rb.yaml:6:20: expect-status must be a whole number from 100 "
     "to 599"},
    {"name: rb\ntitle: T\nsteps:\n  - action: http-check\n"
     "    url: http://x\n    headers: {\"Bad Name\": x}\n",
     "runbooks/rb.yaml:6:15: 'Bad Name' is not a valid name here: an HTTP "
     "header name (not Host or Content-Length)"},
    {"name: rb\ntitle: T\nsteps:\n  - action: http-check\n"
     "    service: api\n    headers: {authorization: x}\n",
     "runbooks/rb.yaml:6:15: 'authorization' is not a valid name here: an "
     "HTTP header name (not Host, Content-Length, or, through the service "
     "proxy, Authorization or Impersonate-*)"},
    {"name: rb\ntitle: T\nsteps:\n  - action: http-check\n"
     "    service: api\n    headers: {Impersonate-User: admin}\n",
     "runbooks/rb.yaml:6:15: 'Impersonate-User' is not a valid name here: an "
     "HTTP header name (not Host, Content-Length, or, through the service "
     "proxy, Authorization or Impersonate-*)"},
    {"name: rb\ntitle: T\nscope: environment\nsteps:\n"
     "  - action: http-check\n    service: api\n",
     "runbooks/rb.yaml:5:5: an http-check of a service in an environment "
     "runbook needs 'namespace'"},
    /* confirm */
    {"name: rb\ntitle: T\nsteps:\n  - action: confirm\n",
     "runbooks/rb.yaml:4:5: a confirm step needs 'instructions'"},
    /* templates */
    {"name: rb\ntitle: T\nonce-key: \"m:{{ env.nmae }}\"\n"
     "steps: [{action: rollout-restart}]\n",
     "runbooks/rb.yaml:3:14: unknown name 'env.nmae' in template (did you "
     "mean 'env.name'?)"},
    {"name: rb\ntitle: T\nonce-key: m:{{ env.name }}:{{ vars.migraton }}\n",
     "runbooks/rb.yaml:3:28: no variable 'migraton' is declared"},
    {"name: rb\ntitle: T\nvariables: [{name: migration}]\n"
     "once-key: m:{{ vars.migraton }}\nsteps: [{action: rollout-restart}]\n",
     "runbooks/rb.yaml:4:13: no variable 'migraton' is declared (did you "
     "mean 'vars.migration'?)"},
    {"name: rb\ntitle: T\nvariables: [{name: pw, type: secret}]\n"
     "once-key: 'k-{{ vars.pw }}'\nsteps: [{action: rollout-restart}]\n",
     "runbooks/rb.yaml:4:14: secret variable 'pw' may only be used in a "
     "script step's env or an http-check's headers"},
    {"name: rb\ntitle: T\nvariables: [{name: pw, type: secret}]\n"
     "steps:\n  - action: http-check\n    url: \"http://x/{{ vars.pw }}\"\n",
     "runbooks/rb.yaml:6:20: secret variable 'pw' may only be used in"},
    {"name: rb\ntitle: T\nscope: environment\n"
     "once-key: \"{{ cell.namespace }}\"\nsteps: [{action: health-check}]\n",
     "runbooks/rb.yaml:4:12: 'cell.namespace' is only for cell runbooks "
     "(this one has scope: environment)"},
    {"name: rb\ntitle: T\nsteps:\n  - action: confirm\n    instructions: |\n"
     "      First line.\n      Then {{ tenant.nam }} here.\n",
     "runbooks/rb.yaml:7:12: unknown name 'tenant.nam' in template (did you "
     "mean 'tenant.name'?)"},
    {"name: rb\ntitle: T\nsteps:\n  - action: confirm\n"
     "    instructions: \"a {{ b\"\n",
     "runbooks/rb.yaml:5:22: template: unclosed '{{'"},
    {"name: rb\ntitle: T\nsteps:\n  - action: confirm\n"
     "    instructions: \"say \\\"{{ x }}\\\"\"\n",
     "runbooks/rb.yaml:5:19: unknown name 'x' in template"},
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
}

/* Every problem in a file, not just the first. */
static void test_all_problems(void **state)
{
	(void)state;
	char *p =
	    parse_fails("name: Bad\ntitle: \"\"\nscope: x\ntimeout: -1\n"
			"variables:\n  - name: a\n    type: nope\n"
			"steps:\n  - action: nope\n"
			"  - action: scale\n"
			"  - action: confirm\n    instructions: '{{ z }}'\n");
	assert_true(assert_located(p) >= 7);
	assert_has(p, "runbooks/rb.yaml:1:7: 'Bad' is not a valid");
	assert_has(p, "runbooks/rb.yaml:2:8: title must not be empty");
	assert_has(p, "runbooks/rb.yaml:3:8: scope 'x'");
	assert_has(p, "runbooks/rb.yaml:4:10: timeout: a number is not a "
		      "duration");
	assert_has(p, "runbooks/rb.yaml:7:11: unknown type 'nope'");
	assert_has(p, "runbooks/rb.yaml:9:13: unknown action 'nope'");
	assert_has(p, "runbooks/rb.yaml:10:5: a scale step needs 'replicas'");
	assert_has(p, "runbooks/rb.yaml:12:20: unknown name 'z'");
	free(p);
}

/* Secrets may go where they are handed only to the step that needs
 * them. */
static void test_secret_places(void **state)
{
	(void)state;
	struct runbook *rb = parse_ok(
	    "name: rb\ntitle: T\nvariables:\n  - {name: pw, type: secret}\n"
	    "steps:\n"
	    "  - action: script\n    file: runbooks/scripts/notify.sh\n"
	    "    env: {PASSWORD: \"{{ vars.pw }}\"}\n"
	    "  - action: http-check\n    url: http://x/\n"
	    "    headers: {X-Token: \"{{ vars.pw }}\"}\n");
	assert_int_equal(rb->steps.len, 2);
	runbook_free(rb);
}

/* ---- where it applies, and the gate ---- */

static struct runbook *with_applies(const char *scope, const char *applies,
				    const char *approval)
{
	char *text =
	    str_printf("name: rb\ntitle: T\nscope: %s\n%s%s%s"
		       "steps: [{action: health-check}]\n",
		       scope, applies ? "applies-to:\n" : "",
		       applies ? applies : "", approval ? approval : "");
	struct runbook *rb = parse_ok(text);
	free(text);
	return rb;
}

static void test_applies(void **state)
{
	(void)state;
	struct model_env *dev = model_env(model, "development");
	struct model_env *stg = model_env(model, "staging");
	struct model_env *prod = model_env(model, "production");
	struct model_service *pay = model_service(model, "payments-api");
	struct model_service *portal = model_service(model, "merchant-portal");
	struct model_tenant *acme = model_tenant(model, "acme");
	struct model_tenant *euro = model_tenant(model, "euroshop");

	struct runbook *rb = with_applies("cell", NULL, NULL);
	assert_true(runbook_applies_env(rb, dev));
	assert_true(
	    runbook_applies_cell(rb, model_cell_of(model, pay, dev, NULL)));
	assert_true(
	    runbook_applies_cell(rb, model_cell_of(model, portal, prod, acme)));
	runbook_free(rb);

	/* short names and globs; services and tenants */
	rb = with_applies("cell",
			  "  environments: [stg, \"prod*\"]\n"
			  "  services: [\"merchant-*\"]\n  tenants: [acme]\n",
			  NULL);
	assert_false(runbook_applies_env(rb, dev));
	assert_true(runbook_applies_env(rb, stg));
	assert_true(runbook_applies_env(rb, prod));
	assert_true(
	    runbook_applies_cell(rb, model_cell_of(model, portal, stg, acme)));
	assert_false(
	    runbook_applies_cell(rb, model_cell_of(model, portal, stg, euro)));
	assert_false(
	    runbook_applies_cell(rb, model_cell_of(model, portal, dev, acme)));
	assert_false(
	    runbook_applies_cell(rb, model_cell_of(model, pay, stg, NULL)));
	runbook_free(rb);

	/* an untenanted cell has tenant "": only "*"-like patterns match */
	rb = with_applies("cell", "  tenants: [\"*\"]\n", NULL);
	assert_true(
	    runbook_applies_cell(rb, model_cell_of(model, pay, stg, NULL)));
	runbook_free(rb);
	rb = with_applies("cell", "  tenants: [\"a*\"]\n", NULL);
	assert_false(
	    runbook_applies_cell(rb, model_cell_of(model, pay, stg, NULL)));
	runbook_free(rb);

	/* environment runbooks never apply to a cell */
	rb =
	    with_applies("environment", "  environments: [production]\n", NULL);
	assert_true(runbook_applies_env(rb, prod));
	assert_false(runbook_applies_env(rb, stg));
	assert_false(
	    runbook_applies_cell(rb, model_cell_of(model, pay, prod, NULL)));
	runbook_free(rb);
}

static void test_gate(void **state)
{
	(void)state;
	struct model_env *dev = model_env(model, "development");
	struct model_env *stg = model_env(model, "staging");
	struct model_env *prod = model_env(model, "production");
	struct runbook *rb = with_applies("cell", NULL, NULL);
	assert_int_equal(runbook_gate(rb, dev), APPROVAL_NONE);
	assert_int_equal(runbook_gate(rb, stg), APPROVAL_CONFIRM);
	assert_int_equal(runbook_gate(rb, prod), APPROVAL_SECOND_PERSON);
	runbook_free(rb);
	rb = with_applies("cell", NULL, "approval: confirm\n");
	assert_int_equal(runbook_gate(rb, dev), APPROVAL_CONFIRM);
	assert_int_equal(runbook_gate(rb, stg), APPROVAL_CONFIRM);
	assert_int_equal(runbook_gate(rb, prod), APPROVAL_SECOND_PERSON);
	runbook_free(rb);
	/* a runbook can only tighten */
	rb = with_applies("cell", NULL, "approval: none\n");
	assert_int_equal(runbook_gate(rb, prod), APPROVAL_SECOND_PERSON);
	assert_int_equal(runbook_gate(rb, stg), APPROVAL_CONFIRM);
	runbook_free(rb);
	rb = with_applies("cell", NULL, "approval: second-person\n");
	assert_int_equal(runbook_gate(rb, dev), APPROVAL_SECOND_PERSON);
	runbook_free(rb);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(rb_action_name(RB_ACTION_RUN_JOB), "run-job");
	assert_string_equal(rb_action_name(RB_ACTION_SCRIPT), "script");
	assert_string_equal(rb_action_name(RB__ACTION_COUNT), "?");
	assert_string_equal(rb_var_type_name(RB_VAR_SECRET), "secret");
	assert_string_equal(rb_var_type_name(RB_VAR_STRING), "string");
	assert_string_equal(rb_choice_source_name(RB_CHOICES_DEPLOYMENTS),
			    "deployments");
	assert_string_equal(rb_choice_source_name(RB_CHOICES_STATIC), "static");
}

/* ---- hostile input ---- */

static void test_hostile(void **state)
{
	(void)state;
	/* truncated in the middle of a flow mapping */
	char *p = parse_fails("name: rb\ntitle: T\nsteps: [{action: ro");
	assert_has(p, "runbooks/rb.yaml:4:1: ");
	free(p);
	p = parse_fails("name: \"rb\ntitle");
	assert_has(p, "runbooks/rb.yaml:");
	free(p);

	/* a huge file is refused before it is parsed */
	size_t n = ((size_t)1 << 20) + 10;
	char *big = malloc(n + 1);
	memset(big, '#', n);
	big[n] = '\0';
	p = parse_fails_as("runbooks/rb.yaml", big, n);
	assert_has(p, "larger than");
	free(p);
	free(big);

	/* control characters in names and keys become visible */
	p = parse_fails(
	    "name: \"r\\x1b]0;pwned\\x07b\"\ntitle: T\n"
	    "\"\\x1b[31mkey\": 1\nsteps: [{action: rollout-restart}]\n");
	assert_has(p, "'r^[]0;pwned^Gb' is not a valid runbook name");
	assert_has(p, "unknown key '^[[31mkey' in a runbook");
	free(p);
	p = parse_fails(
	    "name: rb\ntitle: T\nsteps:\n  - action: \"\\u009b31m\"\n");
	assert_has(p, "unknown action '");
	free(p);

	/* binary, a second document, an alias bomb, deep nesting */
	static const char bin[] = "\x00\xff\xfe\x01name: rb";
	p = parse_fails_as("runbooks/rb.yaml", bin, sizeof bin - 1);
	free(p);
	p = parse_fails("name: rb\ntitle: T\nsteps: [{action: health-check}]\n"
			"---\nname: x\n");
	assert_has(p, "runbooks/rb.yaml:4:");
	free(p);
	struct buf bomb = BUF_INIT;
	buf_puts(&bomb, "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
	for (int i = 1; i < 10; i++)
		buf_printf(&bomb,
			   "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, "
			   "*a%d, *a%d, *a%d, *a%d]\n",
			   i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1,
			   i - 1, i - 1, i - 1, i - 1);
	p = parse_fails(buf_str(&bomb));
	free(p);
	buf_free(&bomb);
	struct buf deep = BUF_INIT;
	for (int i = 0; i < 200; i++)
		buf_puts(&deep, "[");
	p = parse_fails(buf_str(&deep));
	free(p);
	buf_free(&deep);

	/* a file name with control characters is shown safely */
	p = parse_fails_as("runbooks/\x1b[2Jx.yaml", "- a\n", 4);
	assert_has(p, "runbooks/^[[2Jx.yaml:1:1: ");
	free(p);

	/* a NULL reader: every file is missing, nothing crashes */
	struct runbook *rb = (struct runbook *)1;
	struct buf pb = BUF_INIT;
	static const char script[] =
	    "name: rb\ntitle: T\nsteps:\n  - action: script\n"
	    "    file: runbooks/scripts/notify.sh\n";
	assert_int_equal(runbook_parse("runbooks/rb.yaml", script,
				       strlen(script), model, NULL, NULL, &rb,
				       &pb),
			 ST_ERR_PARSE);
	assert_null(rb);
	assert_has(buf_str(&pb), "is not in the repo");
	buf_free(&pb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_full),
	    cmocka_unit_test(test_minimal_defaults),
	    cmocka_unit_test(test_step_names),
	    cmocka_unit_test(test_default_timeouts),
	    cmocka_unit_test(test_environment_scope),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_all_problems),
	    cmocka_unit_test(test_secret_places),
	    cmocka_unit_test(test_applies),
	    cmocka_unit_test(test_gate),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_hostile),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
