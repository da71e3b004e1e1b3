/*
 * libFuzzer target for runbook files.
 *
 * The input is one runbook file, parsed as runbooks/fuzz.yaml against a
 * fixed small model (three environments, a tenanted and an untenanted
 * service) with a reader serving a few fixed files: a good Job manifest
 * with placeholders, one that is not a Job, a script, an empty script;
 * every other path does not exist. Invariants the code promises are
 * checked, and a violation traps so the fuzzer reports it:
 *   - the status and the runbook agree (non-NULL exactly on ST_OK), and a
 *     failure has problems;
 *   - every problem is one terminal-safe line (no C0/C1 control, no DEL)
 *     of the form "FILE:N:N: message" where FILE is the runbook or one of
 *     the served manifests;
 *   - a parsed runbook has a valid name equal to the file's, a title, at
 *     least one step, unique step names, positive timeouts, its declared
 *     variables found by runbook_var, and every default passes
 *     rb_var_check in its canonical form; run-job and script steps carry
 *     their file's content; where it applies and its gate are computed for
 *     every environment and cell without trouble.
 *
 *   corpus: tests/fuzz/corpus/runbook/
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/map.h"
#include "base/status.h"
#include "model/model.h"
#include "runbook/runbook.h"
#include "runbook/vars.h"

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
    "  - {name: staging, short: stg, cluster: dev, approval: confirm}\n"
    "  - {name: production, short: prod, cluster: prod,\n"
    "     approval: second-person}\n"
    "tenants:\n"
    "  - name: acme\n"
    "  - name: euroshop\n"
    "services:\n"
    "  - name: payments-api\n"
    "    workload: deployment/payments-api\n"
    "    namespace: \"payments-{{ env.short }}\"\n"
    "    version: {file: v.yaml, path: tag}\n"
    "  - name: merchant-portal\n"
    "    tenanted: true\n"
    "    workload: \"deployment/portal-{{ tenant.name }}\"\n"
    "    namespace: \"merchant-{{ tenant.name }}-{{ env.short }}\"\n"
    "    version: {file: v.yaml, path: tag}\n";

static const struct {
	const char *path, *text;
} files[] = {
    {"runbooks/jobs/db-migration.yaml",
     "apiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: m-\n"
     "spec:\n  template:\n    spec:\n      restartPolicy: Never\n"
     "      containers:\n        - name: m\n          image: x\n"
     "          env:\n            - name: MIGRATION\n"
     "              value: {{ vars.migration }}\n"
     "            - name: ENV\n              value: \"{{ env.name }}\"\n"},
    {"runbooks/jobs/pod.yaml", "apiVersion: v1\nkind: Pod\n"},
    {"runbooks/scripts/notify.sh", "#!/bin/sh\necho \"$MIGRATION\"\n"},
    {"runbooks/scripts/empty.sh", ""},
};
#define NFILES (sizeof files / sizeof files[0])

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

static enum status reader(void *arg, const char *path, struct buf *out,
			  struct err *e)
{
	(void)arg;
	for (size_t i = 0; i < NFILES; i++)
		if (!strcmp(files[i].path, path)) {
			buf_puts(out, files[i].text);
			return ST_OK;
		}
	return err_set(e, ST_ERR_NOTFOUND, "%s: not found", path);
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

/* "NAME:N:N: message" with NAME the runbook or a served manifest. */
static void check_located(const char *s, size_t n)
{
	static const char *const names[] = {
	    "runbooks/fuzz.yaml:", "runbooks/jobs/db-migration.yaml:",
	    "runbooks/jobs/pod.yaml:"};
	size_t k = 0;
	for (size_t i = 0; i < sizeof names / sizeof names[0] && !k; i++)
		if (n > strlen(names[i]) &&
		    !memcmp(s, names[i], strlen(names[i])))
			k = strlen(names[i]);
	CHECK(k);
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

static void check_runbook(const struct runbook *rb)
{
	CHECK(rb->name && !strcmp(rb->name, "fuzz"));
	CHECK(rb->title && *rb->title);
	check_safe(rb->title, strlen(rb->title));
	CHECK(!strcmp(rb->file, "runbooks/fuzz.yaml"));
	CHECK(rb->scope == RB_SCOPE_CELL || rb->scope == RB_SCOPE_ENV);
	CHECK(rb->timeout_s > 0 && rb->timeout_s <= 86400);
	CHECK(rb->approval_timeout_s > 0 &&
	      rb->approval_timeout_s <= 7 * 86400);
	CHECK(rb->approval <= APPROVAL_SECOND_PERSON);
	CHECK(rb->scope == RB_SCOPE_CELL ||
	      (!rb->services.len && !rb->tenants.len));
	for (size_t i = 0; i < rb->vars.len; i++) {
		const struct rb_var *v = rb->vars.items[i];
		CHECK(v->name && *v->name && v->title && *v->title);
		CHECK(runbook_var(rb, v->name) == v);
		CHECK(v->type <= RB_VAR_SECRET);
		CHECK(!v->default_ || v->type != RB_VAR_SECRET);
		CHECK(!v->has_min || !v->has_max || v->min <= v->max);
		CHECK(v->type == RB_VAR_CHOICE || !v->choices.len);
		if (v->default_) {
			char *canon = NULL;
			struct err e;
			CHECK(rb_var_check(v, v->default_, NULL, NULL, &canon,
					   &e) == ST_OK);
			CHECK(!strcmp(canon, v->default_));
			free(canon);
		}
	}
	CHECK(rb->steps.len > 0);
	struct map names = MAP_INIT;
	for (size_t i = 0; i < rb->steps.len; i++) {
		const struct rb_step *s = rb->steps.items[i];
		CHECK(s->name && *s->name && !map_has(&names, s->name));
		map_put(&names, s->name, NULL);
		CHECK(s->action < RB__ACTION_COUNT);
		CHECK(strcmp(rb_action_name(s->action), "?"));
		CHECK(s->timeout_s > 0 && s->timeout_s <= 86400);
		CHECK(s->where);
		switch (s->action) {
		case RB_ACTION_SCALE:
			CHECK(s->replicas && *s->replicas);
			break;
		case RB_ACTION_RUN_JOB:
			CHECK(s->manifest && s->content &&
			      s->content_len == strlen(s->content));
			break;
		case RB_ACTION_SCRIPT:
			CHECK(s->script && s->content && s->content_len > 0);
			break;
		case RB_ACTION_CONFIRM:
			CHECK(s->instructions);
			break;
		case RB_ACTION_HTTP_CHECK:
			CHECK(!s->url != !s->service);
			CHECK(s->expect_status >= 100 &&
			      s->expect_status <= 599);
			break;
		case RB_ACTION_HEALTH_CHECK:
			CHECK(s->max_warnings >= -1);
			CHECK(s->warnings_since_s > 0);
			break;
		default:
			break;
		}
		if (rb->scope == RB_SCOPE_ENV &&
		    (s->action == RB_ACTION_ROLLOUT_RESTART ||
		     s->action == RB_ACTION_SCALE ||
		     s->action == RB_ACTION_WAIT_ROLLOUT))
			CHECK(s->target && s->namespace_);
	}
	map_free(&names, NULL);
	for (size_t i = 0; i < model->envs.len; i++) {
		const struct model_env *e = model->envs.items[i];
		(void)runbook_applies_env(rb, e);
		enum approval g = runbook_gate(rb, e);
		CHECK(g >= e->approval && g <= APPROVAL_SECOND_PERSON);
		CHECK(!rb->has_approval || g >= rb->approval);
	}
	for (size_t i = 0; i < model->cells.len; i++) {
		const struct model_cell *c = model->cells.items[i];
		bool a = runbook_applies_cell(rb, c);
		CHECK(!a || (rb->scope == RB_SCOPE_CELL &&
			     runbook_applies_env(rb, c->env)));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct runbook *rb = (struct runbook *)1;
	struct buf problems = BUF_INIT;
	enum status st =
	    runbook_parse("runbooks/fuzz.yaml", (const char *)data, size, model,
			  reader, NULL, &rb, &problems);
	if (st != ST_OK) {
		CHECK(st == ST_ERR_PARSE);
		CHECK(!rb);
		check_problems(&problems);
	} else {
		CHECK(rb);
		CHECK(problems.len == 0);
		check_runbook(rb);
		runbook_free(rb);
	}
	buf_free(&problems);
	return 0;
}
