/*
 * The run engine and the cluster store against an in-process kubesim
 * (plain HTTP, no controllers; tests/unit/data/run.yaml): the transition
 * table, once-keys claimed atomically and given back, one decision per
 * person, and whole runs of a runbook whose only step is a `confirm`
 * (so the engine's own work is what is tested): a second-person run that
 * ignores the requester's own approval and proceeds on another person's,
 * a rejection, an abort while waiting (the key is given back), a second
 * run with a used once-key refused with who ran it, a run refused up
 * front for a missing permission, and the records in the cluster and the
 * local audit log (mode 0600, secrets masked).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_tmp.h"

#include "base/mem.h"
#include "base/str.h"
#include "kube/client.h"
#include "kubesim/kubesim.h"
#include "model/model.h"
#include "runbook/policy.h"
#include "runbook/run.h"
#include "runbook/runbook.h"
#include "runbook/store.h"
#include "runbook/vars.h"

static const char opsdeck_yaml[] =
	"environments:\n"
	"  - {name: staging, cluster: test}\n"
	"  - {name: production, short: prod, cluster: test, approval: second-person}\n"
	"services:\n"
	"  - name: api\n"
	"    workload: deployment/api\n"
	"    namespace: \"demo-{{ env.name }}\"\n"
	"    version: {file: \"v/{{ env.name }}.yaml\", path: tag}\n";

static const char runbook_yaml[] =
	"name: migrate\n"
	"title: Migrate\n"
	"scope: environment\n"
	"applies-to: {environments: [staging, production]}\n"
	"once-key: \"migrate:{{ env.name }}:{{ vars.migration }}\"\n"
	"variables:\n"
	"  - {name: migration, required: true, pattern: '^V[0-9]+__[a-z]+$'}\n"
	"  - {name: token, type: secret}\n"
	"steps:\n"
	"  - action: confirm\n"
	"    instructions: \"apply {{ vars.migration }} by hand\"\n";

struct fx {
	struct ks_scenario sc;
	struct ks_world w;
	struct MHD_Daemon *d;
	int port;
	struct loop *loop;
	struct kube_client *admin, *approver, *viewer;
	struct model *m;
	struct runbook *rb;
	struct policy *policy;
	char dir[64];
	char audit[128];
	/* what the run told us */
	int confirms;
	bool answer;
	int gates;
};

static struct kube_client *client_for(struct fx *f, const char *token)
{
	struct kube_target *t = xcalloc(1, sizeof *t);
	t->context = xstrdup("test");
	t->cluster_name = xstrdup("test");
	t->user_name = xstrdup("someone");
	t->namespace_ = xstrdup("default");
	t->server = str_printf("http://127.0.0.1:%d", f->port);
	t->source = xstrdup("test");
	t->token = xstrdup(token);
	struct kube_settings s = {.max_retries = 1};
	return kube_client_new(f->loop, t, &s);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	struct err e;
	assert_int_equal(ks_scenario_load("tests/unit/data/run.yaml", 1,
					  &f->sc, &e),
			 ST_OK);
	ks_world_init(&f->w, &f->sc, 1);
	pthread_mutex_lock(&f->w.mu);
	json_t *ns = json_pack("{s:{s:s}}", "metadata", "name", RUN_NAMESPACE);
	assert_int_equal(ks_create(&f->w, KS_NAMESPACES, "", ns, NULL, &e),
			 ST_OK);
	pthread_mutex_unlock(&f->w.mu);
	f->d = ks_http_start(&f->w, "127.0.0.1", 0, NULL, &f->port, &e);
	assert_non_null(f->d);
	f->loop = loop_new();
	f->admin = client_for(f, "admin-token");
	f->approver = client_for(f, "approver-token");
	f->viewer = client_for(f, "viewer-token");
	struct buf problems = BUF_INIT;
	if (model_parse("opsdeck.yaml", opsdeck_yaml, strlen(opsdeck_yaml),
			&f->m, &problems) != ST_OK)
		fail_msg("%s", buf_str(&problems));
	if (runbook_parse("runbooks/migrate.yaml", runbook_yaml,
			  strlen(runbook_yaml), f->m, NULL, NULL, &f->rb,
			  &problems) != ST_OK)
		fail_msg("%s", buf_str(&problems));
	buf_free(&problems);
	f->policy = policy_default();
	assert_int_equal(tmpdir_make(f->dir, sizeof f->dir, "run"), 0);
	snprintf(f->audit, sizeof f->audit, "%s/state/audit.jsonl", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	kube_client_free(f->admin);
	kube_client_free(f->approver);
	kube_client_free(f->viewer);
	loop_free(f->loop);
	pthread_mutex_lock(&f->w.mu);
	f->w.stopping = true;
	pthread_cond_broadcast(&f->w.changed);
	pthread_mutex_unlock(&f->w.mu);
	ks_http_stop(f->d);
	ks_world_free(&f->w);
	ks_scenario_free(&f->sc);
	runbook_free(f->rb);
	policy_free(f->policy);
	model_free(f->m);
	tmpdir_remove(f->dir);
	free(f);
	return 0;
}

/* Run the loop until cond holds (or 10 s pass). */
#define SPIN_UNTIL(f, cond)                                                    \
	do {                                                                   \
		uint64_t until_ = loop_now_ms() + 10000;                       \
		while (!(cond) && loop_now_ms() < until_)                      \
			loop_run_once((f)->loop, 50);                          \
		if (!(cond))                                                   \
			fail_msg("%s (run: %s)", #cond, last_message);         \
	} while (0)

static char last_message[1024];

static void spin_ms(struct fx *f, uint64_t ms)
{
	uint64_t until = loop_now_ms() + ms;
	while (loop_now_ms() < until)
		loop_run_once(f->loop, 20);
}

/* ---- the transition table --------------------------------------------- */

static void test_transitions(void **state)
{
	(void)state;
	enum run_state to;
	assert_true(run_next(RUN_PREPARING, RUN_EV_PLANNED, &to));
	assert_int_equal(to, RUN_CONFIRMING);
	assert_true(run_next(RUN_CONFIRMING, RUN_EV_GATE_OK, &to));
	assert_int_equal(to, RUN_CLAIMING);
	assert_true(run_next(RUN_CLAIMING, RUN_EV_NEED_APPROVAL, &to));
	assert_int_equal(to, RUN_WAITING);
	assert_true(run_next(RUN_WAITING, RUN_EV_APPROVED, &to));
	assert_int_equal(to, RUN_RUNNING);
	assert_true(run_next(RUN_RUNNING, RUN_EV_STEP_FAILED, &to));
	assert_int_equal(to, RUN_FAILED);
	assert_true(run_next(RUN_WAITING, RUN_EV_REJECTED, &to));
	assert_int_equal(to, RUN_REJECTED);
	/* No step before the gate, no approval skipped, nothing after the
	 * end. */
	assert_false(run_next(RUN_PREPARING, RUN_EV_STEPS_OK, &to));
	assert_false(run_next(RUN_CONFIRMING, RUN_EV_CLAIMED, &to));
	assert_false(run_next(RUN_CLAIMING, RUN_EV_APPROVED, &to));
	assert_false(run_next(RUN_WAITING, RUN_EV_STEPS_OK, &to));
	for (int s = 0; s < RUN__STATE_COUNT; s++)
		for (int ev = RUN_EV_PLANNED; ev <= RUN_EV_ABORT; ev++)
			if (run_state_final((enum run_state)s))
				assert_false(run_next((enum run_state)s,
						      (enum run_event)ev, &to));
	/* Every unfinished state can be aborted. */
	for (int s = 0; s < RUN__STATE_COUNT; s++)
		if (!run_state_final((enum run_state)s)) {
			assert_true(run_next((enum run_state)s, RUN_EV_ABORT,
					     &to));
			assert_int_equal(to, RUN_ABORTED);
		}
}

/* ---- the store ------------------------------------------------------------- */

struct answer {
	bool done;
	enum status st;
	char msg[512];
};

static void answered(void *arg, enum status st, const char *message,
		     const json_t *obj)
{
	(void)obj;
	struct answer *a = arg;
	a->done = true;
	a->st = st;
	str_copy(a->msg, sizeof a->msg, message);
}

static void test_once_key(void **state)
{
	struct fx *f = *state;
	struct answer a = {0}, b = {0}, c = {0}, d = {0};
	store_claim_once(f->admin, "migrate:prod:V1__x", "run-a", "migrate",
			 "admin", answered, &a);
	store_claim_once(f->approver, "migrate:prod:V1__x", "run-b",
			 "migrate", "approver", answered, &b);
	SPIN_UNTIL(f, a.done && b.done);
	if (a.st != ST_OK && b.st != ST_OK)
		fail_msg("%s / %s", a.msg, b.msg);
	/* Exactly one of two simultaneous claims wins. */
	assert_true((a.st == ST_OK) != (b.st == ST_OK));
	struct answer *lost = a.st == ST_OK ? &b : &a;
	assert_int_equal(lost->st, ST_ERR_EXISTS);
	assert_non_null(strstr(lost->msg, a.st == ST_OK ? "run run-a"
							 : "run run-b"));
	assert_non_null(strstr(lost->msg, "migrate:prod:V1__x"));
	/* Given back, it can be claimed again; a viewer cannot claim. */
	store_release_once(f->admin, "migrate:prod:V1__x", answered, &c);
	SPIN_UNTIL(f, c.done);
	assert_int_equal(c.st, ST_OK);
	store_claim_once(f->viewer, "migrate:prod:V1__x", "run-c", "migrate",
			 "viewer", answered, &d);
	SPIN_UNTIL(f, d.done);
	assert_int_equal(d.st, ST_ERR_FORBIDDEN);
	char n1[48], n2[48];
	store_once_name("a", n1);
	store_once_name("b", n2);
	assert_string_not_equal(n1, n2);
	assert_int_equal(strlen(n1), 45);
}

static void test_decide_once_per_person(void **state)
{
	struct fx *f = *state;
	struct kube_identity ap = {.username = "approver"};
	struct kube_identity ad = {.username = "admin"};
	struct answer a = {0}, b = {0}, c = {0};
	store_decide(f->approver, "r1", true, &ap, "", answered, &a);
	SPIN_UNTIL(f, a.done);
	assert_int_equal(a.st, ST_OK);
	store_decide(f->approver, "r1", false, &ap, "changed my mind",
		     answered, &b);
	store_decide(f->admin, "r1", true, &ad, "", answered, &c);
	SPIN_UNTIL(f, b.done && c.done);
	assert_int_equal(b.st, ST_ERR_EXISTS);
	assert_non_null(strstr(b.msg, "approver already approved run r1"));
	assert_int_equal(c.st, ST_OK); /* another person's own decision */
}

/* ---- whole runs ----------------------------------------------------------- */

static void on_changed(void *arg, struct run *r)
{
	(void)arg;
	snprintf(last_message, sizeof last_message, "%s: %s",
		 run_state_name(run_state(r)), run_message(r));
}

static void on_gate(void *arg, struct run *r)
{
	struct fx *f = arg;
	f->gates++;
	struct buf why = BUF_INIT;
	/* A confirm gate wants the name; the others any answer. */
	if (run_plan(r)->gate == APPROVAL_CONFIRM) {
		assert_false(run_gate_answer(r, "prod", &why));
		assert_non_null(strstr(buf_str(&why), "staging"));
	}
	assert_true(run_gate_answer(r, run_plan(r)->env->name, &why));
	buf_free(&why);
}

static void on_confirm(void *arg, struct run *r, size_t step,
		       const char *instructions)
{
	struct fx *f = arg;
	assert_int_equal(step, 0);
	assert_non_null(strstr(instructions, "apply V"));
	f->confirms++;
	run_confirm_answer(r, f->answer, "done by hand");
}

static const struct run_ops ops = {
	.changed = on_changed,
	.gate = on_gate,
	.confirm = on_confirm,
};

static struct run *start(struct fx *f, struct kube_client *c,
			 const char *env, const char *migration)
{
	struct rb_values vals = RB_VALUES_INIT;
	struct buf problems = BUF_INIT;
	char *given[2];
	given[0] = str_printf("migration=%s", migration);
	given[1] = xstrdup("token=s3cr3t-value");
	assert_int_equal(rb_values_resolve(f->rb, (const char *const *)given,
					   2, NULL, NULL, &vals, &problems),
			 ST_OK);
	free(given[0]);
	free(given[1]);
	buf_free(&problems);
	struct run_opts o = {
		.loop = f->loop,
		.client = c,
		.rb = f->rb,
		.commit = "0123456789abcdef0123456789abcdef01234567",
		.model = f->m,
		.env = model_env(f->m, env),
		.policy = f->policy,
		.values = &vals,
		.audit_path = f->audit,
	};
	return run_start(&o, &ops, f);
}

static json_t *cluster_record(struct fx *f, const char *id)
{
	struct ks_obj *o;
	struct buf name = BUF_INIT;
	buf_printf(&name, "run-%s", id);
	pthread_mutex_lock(&f->w.mu);
	o = ks_get(&f->w, KS_CONFIGMAPS, RUN_NAMESPACE, buf_str(&name));
	json_t *rec = o ? store_record_of_json(o->json) : NULL;
	pthread_mutex_unlock(&f->w.mu);
	buf_free(&name);
	return rec;
}

static void test_second_person(void **state)
{
	struct fx *f = *state;
	f->answer = true;
	struct run *r = start(f, f->admin, "production", "V7__index");
	SPIN_UNTIL(f, run_state(r) == RUN_WAITING);
	assert_int_equal(f->gates, 1);
	assert_non_null(strstr(run_message(r), "anyone but admin"));
	/* The requester's own approval is not one. */
	struct kube_identity ad = {.username = "admin"};
	struct kube_identity ap = {.username = "approver"};
	struct answer a = {0}, b = {0};
	store_decide(f->admin, run_id(r), true, &ad, "", answered, &a);
	SPIN_UNTIL(f, a.done);
	spin_ms(f, 500);
	assert_int_equal(run_state(r), RUN_WAITING);
	assert_int_equal(f->confirms, 0);
	/* Another person's is. */
	store_decide(f->approver, run_id(r), true, &ap, "", answered, &b);
	SPIN_UNTIL(f, run_state_final(run_state(r)) && run_settled(r));
	assert_int_equal(run_state(r), RUN_SUCCEEDED);
	assert_int_equal(f->confirms, 1);
	assert_string_equal(run_approver(r), "approver");

	json_t *rec = cluster_record(f, run_id(r));
	assert_non_null(rec);
	assert_string_equal(json_string_value(json_object_get(rec, "state")),
			    "succeeded");
	assert_string_equal(json_string_value(json_object_get(rec, "approver")),
			    "approver");
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(rec, "operator"), "username")),
			    "admin");
	char *text = json_dumps(rec, 0);
	assert_null(strstr(text, "s3cr3t"));
	assert_non_null(strstr(text, "V7__index"));
	free(text);
	json_decref(rec);

	/* The local log: 0600, every change, no secret. */
	struct stat st;
	assert_int_equal(stat(f->audit, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	size_t len;
	char *log = test_read_file(f->audit, &len);
	assert_non_null(log);
	assert_null(strstr(log, "s3cr3t"));
	assert_non_null(strstr(log, "\"event\":\"started\""));
	assert_non_null(strstr(log, "\"event\":\"finished\""));
	assert_non_null(strstr(log, "\"state\":\"succeeded\""));
	free(log);
	run_free(r);

	/* The same migration again: refused, naming the first run. */
	struct run *again = start(f, f->approver, "production", "V7__index");
	SPIN_UNTIL(f, run_state_final(run_state(again)));
	assert_int_equal(run_state(again), RUN_REFUSED);
	assert_non_null(strstr(run_message(again), "was used by run"));
	assert_non_null(strstr(run_message(again), "by admin"));
	run_free(again);
}

static void test_rejected_and_aborted(void **state)
{
	struct fx *f = *state;
	struct run *r = start(f, f->admin, "production", "V8__x");
	SPIN_UNTIL(f, run_state(r) == RUN_WAITING);
	struct kube_identity ap = {.username = "approver"};
	struct answer a = {0};
	store_decide(f->approver, run_id(r), false, &ap, "not during peak",
		     answered, &a);
	SPIN_UNTIL(f, run_state(r) == RUN_REJECTED && run_settled(r));
	assert_non_null(strstr(run_message(r), "not during peak"));
	run_free(r);
	/* A rejected run gave its key back: the migration can be asked
	 * for again, then abandoned while waiting. */
	struct run *r2 = start(f, f->admin, "production", "V8__x");
	SPIN_UNTIL(f, run_state(r2) == RUN_WAITING);
	run_abort(r2, "changed my mind");
	SPIN_UNTIL(f, run_settled(r2));
	assert_int_equal(run_state(r2), RUN_ABORTED);
	json_t *rec = cluster_record(f, run_id(r2));
	assert_string_equal(json_string_value(json_object_get(rec, "state")),
			    "aborted");
	json_decref(rec);
	run_free(r2);
	/* settled means the key is back already */
	struct answer c = {0};
	store_claim_once(f->admin, "migrate:production:V8__x", "x", "migrate",
			 "admin", answered, &c);
	SPIN_UNTIL(f, c.done);
	assert_int_equal(c.st, ST_OK);
}

static void test_confirm_gate_and_failed_step(void **state)
{
	struct fx *f = *state;
	f->answer = false; /* the confirm step is aborted by the operator */
	f->gates = 0;
	struct run *r = start(f, f->admin, "staging", "V9__y");
	SPIN_UNTIL(f, run_state_final(run_state(r)) && run_settled(r));
	assert_int_equal(f->gates, 1);
	assert_int_equal(run_state(r), RUN_FAILED);
	assert_int_equal(run_step_state(r, 0), STEP_FAILED);
	assert_non_null(strstr(run_step_message(r, 0), "done by hand"));
	run_free(r);
}

static void test_refused_up_front(void **state)
{
	struct fx *f = *state;
	f->gates = 0;
	struct run *r = start(f, f->viewer, "staging", "V10__z");
	SPIN_UNTIL(f, run_state_final(run_state(r)));
	assert_int_equal(run_state(r), RUN_REFUSED);
	assert_int_equal(f->gates, 0); /* never asked to confirm */
	assert_non_null(strstr(run_message(r), "viewer may not create "
						"configmaps"));
	/* nothing in the cluster; the attempt is in the local log */
	assert_null(cluster_record(f, run_id(r)));
	const json_t *rec = run_record(r);
	assert_non_null(rec);
	assert_string_equal(json_string_value(json_object_get(rec, "state")),
			    "refused");
	char *log = test_read_file(f->audit, NULL);
	assert_non_null(log);
	char *line = strstr(log, run_id(r));
	assert_non_null(line);
	assert_non_null(strstr(log, "\"event\":\"finished\""));
	assert_null(strstr(log, "\"event\":\"started\""));
	assert_non_null(strstr(line, "viewer may not create configmaps"));
	free(log);
	run_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transitions),
		cmocka_unit_test_setup_teardown(test_once_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decide_once_per_person,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_person, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rejected_and_aborted,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_confirm_gate_and_failed_step, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_up_front, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
