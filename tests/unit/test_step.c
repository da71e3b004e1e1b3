/*
 * The step executors (src/runbook/step.c) against an in-process kubesim
 * running the basic scenario with its controllers (plain HTTP on a free
 * loopback port, time four times faster): each test builds the plan step
 * by hand, starts it on a loop and checks what the engine would hear
 * (output lines, touched objects, exactly one done) and what the cluster
 * holds afterwards. Also: cancelling in the middle (no callback after it,
 * nothing left behind), answering a confirm from inside the question, and
 * a script whose environment value is full of shell syntax that must
 * arrive verbatim and run nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_json.h"
#include "test_proc.h"
#include "test_tmp.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/mem.h"
#include "base/str.h"
#include "kube/client.h"
#include "kube/objects.h"
#include "kube/reflector.h"
#include "kubesim/kubesim.h"
#include "runbook/plan.h"
#include "runbook/runbook.h"
#include "runbook/step.h"

#define SPEED 4

struct fx {
	struct ks_scenario sc;
	struct ks_world w;
	struct MHD_Daemon *d;
	pthread_t sim;
	int port;
	struct loop *loop;
	struct kube_client *c;
	char tmp[512];
};

/* What the engine heard from one step. */
struct rec {
	struct buf out; /* output lines, each followed by '\n' */
	int lines;
	int done;
	bool ok;
	char msg[1024];
	int touched;
	char touched_what[256];
	char touched_uid[64];
	int confirms;
	char instructions[256];
	struct step_exec *s;
	/* reactions */
	int cancel_at_line; /* step_cancel from inside output() at this line */
	int answer_inside;  /* 1 proceed, -1 abort, from inside confirm() */
	int after_cancel;   /* callbacks that came after a cancel */
	bool cancelled;
};

/* Seed as kubesim's main does: namespaces first, then the rest. */
static void seed(struct fx *f)
{
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < f->sc.objects.len; i++) {
			json_t *obj = f->sc.objects.items[i];
			const char *kind =
			    json_string_value(json_object_get(obj, "kind"));
			const char *api = json_string_value(
			    json_object_get(obj, "apiVersion"));
			if (str_eq(kind, "Namespace") != (pass == 0))
				continue;
			int k = -1;
			for (int j = 0; j < KS_KIND_COUNT; j++)
				if (str_eq(ks_kinds[j].kind, kind) &&
				    str_eq(ks_kinds[j].api_version, api))
					k = j;
			assert_true(k >= 0);
			const char *ns = json_string_value(json_object_get(
			    json_object_get(obj, "metadata"), "namespace"));
			struct err e;
			assert_int_equal(ks_create(&f->w, (enum ks_kind)k, ns,
						   json_deep_copy(obj), NULL,
						   &e),
					 ST_OK);
		}
}

static const char *token_of(struct fx *f, const char *user)
{
	for (size_t i = 0; i < f->sc.users.len; i++) {
		struct ks_user *u = f->sc.users.items[i];
		if (str_eq(u->name, user))
			return u->token;
	}
	fail_msg("no user %s in the scenario", user);
	return NULL;
}

static struct kube_client *client_as(struct fx *f, const char *user)
{
	struct kube_target *t = xcalloc(1, sizeof *t);
	t->context = xstrdup("test");
	t->cluster_name = xstrdup("test");
	t->user_name = xstrdup(user);
	t->namespace_ = xstrdup("default");
	t->server = str_printf("http://127.0.0.1:%d", f->port);
	t->source = xstrdup("test");
	t->token = xstrdup(token_of(f, user));
	struct kube_settings ks = {.page_size = 3, .max_retries = 1};
	return kube_client_new(f->loop, t, &ks);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	struct err e;
	assert_int_equal(ks_scenario_load("tests/kubesim/scenarios/basic.yaml",
					  1, &f->sc, &e),
			 ST_OK);
	f->sc.speed = SPEED;
	ks_world_init(&f->w, &f->sc, 1);
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	f->w.rv = f->w.compacted_rv =
	    (uint64_t)now.tv_sec * 1000000 + (uint64_t)now.tv_nsec / 1000;
	pthread_mutex_lock(&f->w.mu);
	assert_int_equal(sim_init(&f->w, &e), ST_OK);
	seed(f);
	pthread_mutex_unlock(&f->w.mu);
	assert_int_equal(pthread_create(&f->sim, NULL, sim_thread, &f->w), 0);
	f->d = ks_http_start(&f->w, "127.0.0.1", 0, NULL, &f->port, &e);
	assert_non_null(f->d);

	f->loop = loop_new();
	f->c = client_as(f, "admin");
	assert_int_equal(tmpdir_make(f->tmp, sizeof f->tmp, "step"), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	kube_client_free(f->c);
	loop_free(f->loop);
	pthread_mutex_lock(&f->w.mu);
	f->w.stopping = true;
	pthread_cond_broadcast(&f->w.changed);
	pthread_mutex_unlock(&f->w.mu);
	ks_http_stop(f->d);
	pthread_join(f->sim, NULL);
	sim_free(&f->w);
	ks_world_free(&f->w);
	ks_scenario_free(&f->sc);
	tmpdir_remove(f->tmp);
	free(f);
	return 0;
}

/* Run the loop until cond holds (or 20 s pass). */
#define RUN_UNTIL(f, cond)                                                     \
	do {                                                                   \
		uint64_t until_ = loop_now_ms() + 20000;                       \
		while (!(cond) && loop_now_ms() < until_)                      \
			loop_run_once((f)->loop, 50);                          \
		assert_true(cond);                                             \
	} while (0)

/* Run the loop for ms milliseconds whatever happens. */
static void run_for(struct fx *f, uint64_t ms)
{
	uint64_t until = loop_now_ms() + ms;
	while (loop_now_ms() < until)
		loop_run_once(f->loop, 20);
}

/* ---- the engine's side --------------------------------------------------- */

static void on_output(void *arg, const char *line, size_t len)
{
	struct rec *r = arg;
	if (r->cancelled) {
		r->after_cancel++;
		return;
	}
	assert_null(memchr(line, '\n', len));
	buf_append(&r->out, line, len);
	buf_putc(&r->out, '\n');
	r->lines++;
	if (r->cancel_at_line && r->lines == r->cancel_at_line) {
		r->cancelled = true;
		step_cancel(r->s);
	}
}

static void on_touched(void *arg, const char *kind, const char *api,
		       const char *ns, const char *name, const char *uid)
{
	struct rec *r = arg;
	if (r->cancelled)
		r->after_cancel++;
	r->touched++;
	snprintf(r->touched_what, sizeof r->touched_what, "%s %s %s/%s", kind,
		 api, ns, name);
	str_copy(r->touched_uid, sizeof r->touched_uid, uid);
}

static void on_confirm(void *arg, const char *instructions)
{
	struct rec *r = arg;
	if (r->cancelled)
		r->after_cancel++;
	r->confirms++;
	str_copy(r->instructions, sizeof r->instructions, instructions);
	if (r->answer_inside)
		step_answer(r->s, r->answer_inside > 0, "from inside");
}

static void on_done(void *arg, bool ok, const char *message)
{
	struct rec *r = arg;
	if (r->cancelled)
		r->after_cancel++;
	r->done++;
	r->ok = ok;
	str_copy(r->msg, sizeof r->msg, message);
	/* harmless from inside done(): the step is over already */
	step_cancel(r->s);
}

struct run {
	struct plan plan;
	struct rb_step st;
	struct plan_step ps;
	struct step_ctx ctx;
	struct rec rec;
};

static void run_init(struct fx *f, struct run *r, enum rb_action a,
		     const char *ns, const char *name)
{
	memset(r, 0, sizeof *r);
	str_copy(r->plan.run_id, sizeof r->plan.run_id,
		 "20261123-120000-abc123");
	r->st.action = a;
	r->st.name = (char *)"step";
	r->st.timeout_s = 60;
	r->st.max_warnings = -1;
	r->st.warnings_since_s = 900;
	r->st.expect_status = 200;
	r->ps.step = &r->st;
	r->ps.namespace_ = (char *)ns;
	r->ps.kind = (char *)"deployment";
	r->ps.name = (char *)name;
	r->ctx = (struct step_ctx){
	    .loop = f->loop,
	    .client = f->c,
	    .plan = &r->plan,
	    .ps = &r->ps,
	    .arg = &r->rec,
	    .output = on_output,
	    .touched = on_touched,
	    .confirm = on_confirm,
	    .done = on_done,
	};
}

static void run_start(struct run *r)
{
	r->rec.s = step_start(&r->ctx);
	assert_non_null(r->rec.s);
}

/* Start, run to done, check there was exactly one. */
static void run_to_end(struct fx *f, struct run *r)
{
	run_start(r);
	RUN_UNTIL(f, r->rec.done);
	run_for(f, 100);
	assert_int_equal(r->rec.done, 1);
}

static void run_free(struct run *r)
{
	if (getenv("TEST_STEP_VERBOSE"))
		print_message("%s=> %s %s\n", buf_str(&r->rec.out),
			      r->rec.done ? r->rec.ok ? "ok" : "failed" : "-",
			      r->rec.msg);
	buf_free(&r->rec.out);
}

static bool has(const struct run *r, const char *s)
{
	return strstr(buf_str(&r->rec.out), s) != NULL;
}

/* ---- looking at the world ------------------------------------------------ */

static json_t *jget(json_t *j, const char *path)
{
	char tmp[256];
	str_copy(tmp, sizeof tmp, path);
	for (char *save, *seg = strtok_r(tmp, ".", &save); seg && j;
	     seg = strtok_r(NULL, ".", &save))
		j = json_is_array(j) ? json_array_get(j, strtoul(seg, NULL, 10))
				     : json_object_get(j, seg);
	return j;
}

/* A copy of an object's field (NULL when absent). */
static json_t *world_field(struct fx *f, enum ks_kind k, const char *ns,
			   const char *name, const char *path)
{
	pthread_mutex_lock(&f->w.mu);
	struct ks_obj *o = ks_get(&f->w, k, ns, name);
	json_t *v = o ? json_deep_copy(jget(o->json, path)) : NULL;
	pthread_mutex_unlock(&f->w.mu);
	return v;
}

static void world_set_paused(struct fx *f, const char *name, bool paused)
{
	struct err e;
	pthread_mutex_lock(&f->w.mu);
	struct ks_obj *o = ks_get(&f->w, KS_DEPLOYMENTS, "demo", name);
	assert_non_null(o);
	json_t *m = ks_mutable(o);
	json_object_set_new(json_object_get(m, "spec"), "paused",
			    json_boolean(paused));
	assert_int_equal(ks_update(&f->w, o, m, NULL, &e), ST_OK);
	pthread_cond_broadcast(&f->w.changed);
	pthread_mutex_unlock(&f->w.mu);
}

static void world_set_template_annotation(struct fx *f, const char *name,
					  const char *key, const char *value)
{
	struct err e;
	pthread_mutex_lock(&f->w.mu);
	struct ks_obj *o = ks_get(&f->w, KS_DEPLOYMENTS, "demo", name);
	assert_non_null(o);
	json_t *m = ks_mutable(o);
	json_t *ann = jget(m, "spec.template.metadata.annotations");
	assert_non_null(ann);
	json_object_set_new(ann, key, json_string(value));
	assert_int_equal(ks_update(&f->w, o, m, NULL, &e), ST_OK);
	pthread_cond_broadcast(&f->w.changed);
	pthread_mutex_unlock(&f->w.mu);
}

/* A pod of the crashy deployment has restarted at least once. */
static bool crashy_crashed(struct fx *f)
{
	bool yes = false;
	pthread_mutex_lock(&f->w.mu);
	struct vec pods = VEC_INIT;
	ks_list(&f->w, KS_PODS, "demo", &pods);
	for (size_t i = 0; i < pods.len; i++) {
		struct ks_obj *o = pods.items[i];
		if (str_has_prefix(o->name, "crashy-") &&
		    json_integer_value(jget(
			o->json, "status.containerStatuses.0.restartCount")) >=
			1)
			yes = true;
	}
	vec_free(&pods, NULL);
	pthread_mutex_unlock(&f->w.mu);
	return yes;
}

static void wait_world(struct fx *f, bool (*cond)(struct fx *))
{
	uint64_t until = loop_now_ms() + 20000;
	while (!cond(f) && loop_now_ms() < until)
		usleep(20000);
	assert_true(cond(f));
}

static bool web_rolled_out(struct fx *f)
{
	json_t *gen = world_field(f, KS_DEPLOYMENTS, "demo", "web",
				  "metadata.generation");
	json_t *obs = world_field(f, KS_DEPLOYMENTS, "demo", "web",
				  "status.observedGeneration");
	json_t *avail = world_field(f, KS_DEPLOYMENTS, "demo", "web",
				    "status.availableReplicas");
	json_t *upd = world_field(f, KS_DEPLOYMENTS, "demo", "web",
				  "status.updatedReplicas");
	json_t *tot =
	    world_field(f, KS_DEPLOYMENTS, "demo", "web", "status.replicas");
	bool yes = json_integer_value(gen) == json_integer_value(obs) &&
		   json_integer_value(avail) == 3 &&
		   json_integer_value(upd) == 3 && json_integer_value(tot) == 3;
	json_decref(gen);
	json_decref(obs);
	json_decref(avail);
	json_decref(upd);
	json_decref(tot);
	return yes;
}

/* ---- rollout-restart, scale, wait-rollout -------------------------------- */

static void test_restart(void **state)
{
	struct fx *f = *state;
	struct run r;
	run_init(f, &r, RB_ACTION_ROLLOUT_RESTART, "demo", "web");
	run_to_end(f, &r);
	assert_true(r.rec.ok);
	assert_string_equal(r.rec.msg, "restarted deployment web");
	assert_int_equal(r.rec.touched, 1);
	assert_string_equal(r.rec.touched_what, "Deployment apps/v1 demo/web");
	json_t *uid =
	    world_field(f, KS_DEPLOYMENTS, "demo", "web", "metadata.uid");
	assert_string_equal(r.rec.touched_uid, json_string_value(uid));
	json_decref(uid);
	/* the annotation kubectl sets, as an RFC 3339 time of about now */
	json_t *at = world_field(f, KS_DEPLOYMENTS, "demo", "web",
				 "spec.template.metadata.annotations");
	const char *v = json_string_value(
	    json_object_get(at, "kubectl.kubernetes.io/restartedAt"));
	assert_non_null(v);
	int64_t t = kube_parse_time(v);
	assert_true(llabs((long long)(t - (int64_t)time(NULL))) < 30);
	/* the simulation's own annotations survive the strategic merge */
	assert_non_null(json_object_get(at, "sim.kubesim.io/ready-after"));
	json_decref(at);
	run_free(&r);
}

static void test_restart_refuses_paused(void **state)
{
	struct fx *f = *state;
	world_set_paused(f, "web", true);
	json_t *gen = world_field(f, KS_DEPLOYMENTS, "demo", "web",
				  "metadata.generation");
	struct run r;
	run_init(f, &r, RB_ACTION_ROLLOUT_RESTART, "demo", "web");
	run_to_end(f, &r);
	assert_false(r.rec.ok);
	assert_string_equal(r.rec.msg,
			    "deployment web is paused; resume it first");
	assert_int_equal(r.rec.touched, 0);
	json_t *ann = world_field(f, KS_DEPLOYMENTS, "demo", "web",
				  "spec.template.metadata.annotations."
				  "kubectl.kubernetes.io/restartedAt");
	assert_null(ann);
	json_t *gen2 = world_field(f, KS_DEPLOYMENTS, "demo", "web",
				   "metadata.generation");
	assert_int_equal(json_integer_value(gen), json_integer_value(gen2));
	json_decref(gen);
	json_decref(gen2);
	run_free(&r);
}

static void test_restart_missing(void **state)
{
	struct fx *f = *state;
	struct run r;
	run_init(f, &r, RB_ACTION_ROLLOUT_RESTART, "demo", "nope");
	run_to_end(f, &r);
	assert_false(r.rec.ok);
	assert_true(str_has_prefix(r.rec.msg, "cannot read deployment nope: "));
	assert_non_null(strstr(r.rec.msg, "not found"));
	run_free(&r);
}

/* The cluster's refusal, in its people's words. */
static void test_restart_forbidden(void **state)
{
	struct fx *f = *state;
	struct kube_client *junior = client_as(f, "junior");
	struct run r;
	run_init(f, &r, RB_ACTION_ROLLOUT_RESTART, "payments-prod", "api");
	r.ctx.client = junior;
	run_to_end(f, &r);
	assert_false(r.rec.ok);
	assert_true(str_has_prefix(r.rec.msg, "cannot read deployment api: "
					      "forbidden: "));
	assert_non_null(strstr(r.rec.msg, "junior"));
	assert_int_equal(r.rec.touched, 0);
	run_free(&r);

	/* a watch the cluster refuses ends the wait at once */
	run_init(f, &r, RB_ACTION_WAIT_ROLLOUT, "payments-prod", "api");
	r.ctx.client = junior;
	run_to_end(f, &r);
	assert_false(r.rec.ok);
	assert_non_null(strstr(r.rec.msg, "forbidden"));
	run_free(&r);
	kube_client_free(junior);
}

static void test_scale(void **state)
{
	struct fx *f = *state;
	struct run r;
	run_init(f, &r, RB_ACTION_SCALE, "demo", "web");
	r.ps.replicas = 5;
	run_to_end(f, &r);
	assert_true(r.rec.ok);
	assert_string_equal(r.rec.msg, "scaled deployment web from 3 to 5");
	assert_string_equal(r.rec.touched_what, "Deployment apps/v1 demo/web");
	json_t *n =
	    world_field(f, KS_DEPLOYMENTS, "demo", "web", "spec.replicas");
	assert_int_equal(json_integer_value(n), 5);
	json_decref(n);
	run_free(&r);

	/* and back down, from what it is now */
	run_init(f, &r, RB_ACTION_SCALE, "demo", "web");
	r.ps.replicas = 0;
	run_to_end(f, &r);
	assert_true(r.rec.ok);
	assert_string_equal(r.rec.msg, "scaled deployment web from 5 to 0");
	run_free(&r);
}

static void test_wait_rollout_after_restart(void **state)
{
	struct fx *f = *state;
	wait_world(f, web_rolled_out);
	struct run r;
	run_init(f, &r, RB_ACTION_ROLLOUT_RESTART, "demo", "web");
	run_to_end(f, &r);
	assert_true(r.rec.ok);
	run_free(&r);

	run_init(f, &r, RB_ACTION_WAIT_ROLLOUT, "demo", "web");
	run_to_end(f, &r);
	assert_true(r.rec.ok);
	assert_string_equal(r.rec.msg,
			    "deployment \"web\" successfully rolled out");
	/* it watched the rollout happen, each message once */
	assert_true(
	    has(&r, "Waiting for deployment \"web\" rollout to finish"));
	const char *out = buf_str(&r.rec.out);
	for (const char *l = out; *l;) {
		const char *nl = strchr(l, '\n');
		const char *next = nl + 1;
		if (*next)
			assert_false(strncmp(l, next, (size_t)(nl - l + 1)) ==
				     0);
		l = next;
	}
	assert_true(web_rolled_out(f));
	run_free(&r);

	/* already rolled out: done at once, nothing to wait for */
	run_init(f, &r, RB_ACTION_WAIT_ROLLOUT, "demo", "web");
	run_to_end(f, &r);
	assert_true(r.rec.ok);
	assert_int_equal(r.rec.lines, 0);
	run_free(&r);
}

static void test_wait_rollout_missing(void **state)
{
	struct fx *f = *state;
	struct run r;
	run_init(f, &r, RB_ACTION_WAIT_ROLLOUT, "demo", "nope");
	run_to_end(f, &r);
	assert_false(r.rec.ok);
	assert_string_equal(r.rec.msg, "deployment nope not found in demo");
	run_free(&r);
}

static void test_wait_rollout_cancel(void **state)
{
	struct fx *f = *state;
	wait_world(f, web_rolled_out);
	struct run r;
	run_init(f, &r, RB_ACTION_ROLLOUT_RESTART, "demo", "web");
	run_to_end(f, &r);
	run_free(&r);

	/* cancelled from inside its own first output line */
	run_init(f, &r, RB_ACTION_WAIT_ROLLOUT, "demo", "web");
	r.rec.cancel_at_line = 1;
	run_start(&r);
	RUN_UNTIL(f, r.rec.cancelled);
	wait_world(f, web_rolled_out);
	run_for(f, 500);
	assert_int_equal(r.rec.done, 0);
	assert_int_equal(r.rec.after_cancel, 0);
	assert_int_equal(r.rec.lines, 1);
	run_free(&r);

	/* and from outside, while it waits on a rollout that stalls */
	world_set_template_annotation(f, "web", "sim.kubesim.io/never-ready",
				      "true");
	run_init(f, &r, RB_ACTION_WAIT_ROLLOUT, "demo", "web");
	run_start(&r);
	run_for(f, 700);
	assert_int_equal(r.rec.done, 0);
	step_cancel(r.rec.s);
	r.rec.cancelled = true;
	run_for(f, 300);
	assert_int_equal(r.rec.done, 0);
	assert_int_equal(r.rec.after_cancel, 0);
	run_free(&r);

	/* cancelled before it even started */
	run_init(f, &r, RB_ACTION_WAIT_ROLLOUT, "demo", "web");
	run_start(&r);
	step_cancel(r.rec.s);
	r.rec.cancelled = true;
	run_for(f, 200);
	assert_int_equal(r.rec.done + r.rec.lines + r.rec.after_cancel, 0);
	run_free(&r);
}

/* ---- health-check -------------------------------------------------------- */

static void test_health_check(void **state)
{
	struct fx *f = *state;
	wait_world(f, crashy_crashed);
	wait_world(f, web_rolled_out);

	struct run r;
	/* web's 3 pods and the finished migrate-ok Job's are fine */
	run_init(f, &r, RB_ACTION_HEALTH_CHECK, "demo", "");
	run_to_end(f, &r);
	assert_false(r.rec.ok);
	assert_true(has(&r, "pod demo/crashy-"));
	assert_true(has(&r, " Degraded: "));
	assert_false(has(&r, "pod demo/web-"));
	assert_false(
	    has(&r, "node ")); /* a namespace's check leaves nodes be */
	assert_true(has(&r, "4 pods healthy, 1 unhealthy, "));
	assert_true(str_has_prefix(r.rec.msg,
				   "health check failed: 1 unhealthy "
				   "pod (at most 0 allowed)"));
	run_free(&r);

	/* a limit that allows it; warnings are reported but never fail */
	run_init(f, &r, RB_ACTION_HEALTH_CHECK, "demo", "");
	r.st.max_unhealthy_pods = 1;
	run_to_end(f, &r);
	assert_true(r.rec.ok);
	assert_true(has(&r, "warning demo/Pod/crashy-"));
	assert_true(has(&r, " BackOff: "));
	assert_true(str_has_prefix(r.rec.msg, "4 pods healthy, 1 unhealthy, "));
	run_free(&r);

	/* with a warnings limit */
	run_init(f, &r, RB_ACTION_HEALTH_CHECK, "demo", "");
	r.st.max_unhealthy_pods = 10;
	r.st.max_warnings = 0;
	run_to_end(f, &r);
	assert_false(r.rec.ok);
	assert_non_null(strstr(r.rec.msg, "recent warning"));
	assert_null(strstr(r.rec.msg, "unhealthy pod"));
	run_free(&r);

	/* the whole cluster: nodes too, every namespace, paged by 3 */
	run_init(f, &r, RB_ACTION_HEALTH_CHECK, "", "");
	r.st.cluster_wide = true;
	r.st.max_unhealthy_pods = 10;
	run_to_end(f, &r);
	assert_true(r.rec.ok);
	assert_true(str_has_prefix(r.rec.msg, "3 nodes Ready, 5 pods healthy, "
					      "1 unhealthy, "));
	run_free(&r);
}

/* The verdict on single pods, at a fixed now: a pod still starting is
 * fine for 5 minutes; an old pod being deleted after a rollout is never
 * unhealthy, however long it takes to go. */
static bool pod_bad(const char *created, const char *deleted,
		    const char *status, char *reason, size_t reason_size)
{
	json_t *j = J("{\"metadata\":{\"name\":\"web-1\",\"namespace\":\"demo\","
		      "\"creationTimestamp\":\"%s\"%s%s%s},"
		      "\"spec\":{\"containers\":[{\"name\":\"app\"}]},"
		      "\"status\":%s}",
		      created, *deleted ? ",\"deletionTimestamp\":\"" : "",
		      deleted, *deleted ? "\"" : "", status);
	struct err e;
	struct kube_obj *o = kobj_decode(KUBE_POD, j, &e);
	json_decref(j);
	assert_non_null(o);
	struct health_result hr;
	/* now = 2026-11-23T12:00:00Z */
	bool bad = step_pod_unhealthy(o, 1795435200, &hr);
	snprintf(reason, reason_size, "%s", hr.reason);
	kobj_free(o);
	return bad;
}

static void test_health_check_pod_verdict(void **state)
{
	(void)state;
	const char *running =
	    "{\"phase\":\"Running\",\"conditions\":[{\"type\":\"Ready\","
	    "\"status\":\"True\"}],\"containerStatuses\":[{\"name\":\"app\","
	    "\"ready\":true,\"state\":{\"running\":{}}}]}";
	const char *creating =
	    "{\"phase\":\"Pending\",\"containerStatuses\":[{\"name\":\"app\","
	    "\"state\":{\"waiting\":{\"reason\":\"ContainerCreating\"}}}]}";
	const char *crashing =
	    "{\"phase\":\"Running\",\"containerStatuses\":[{\"name\":\"app\","
	    "\"restartCount\":4,\"state\":{\"waiting\":{\"reason\":"
	    "\"CrashLoopBackOff\"}}}]}";
	char why[160];

	assert_false(pod_bad("2026-11-20T08:00:00Z", "", running, why,
			     sizeof why));
	/* starting: fine for 5 minutes, then a finding */
	assert_false(pod_bad("2026-11-23T11:56:00Z", "", creating, why,
			     sizeof why));
	assert_true(pod_bad("2026-11-23T11:54:00Z", "", creating, why,
			    sizeof why));
	assert_string_equal(why, "ContainerCreating");
	/* an old pod on its way out after a rollout: not a finding */
	assert_false(pod_bad("2026-11-20T08:00:00Z", "2026-11-23T11:59:30Z",
			     running, why, sizeof why));
	assert_string_equal(why, "Pending deletion");
	assert_false(pod_bad("2026-11-20T08:00:00Z", "2026-11-23T11:40:00Z",
			     creating, why, sizeof why));
	/* crash looping counts at any age */
	assert_true(pod_bad("2026-11-23T11:59:00Z", "", crashing, why,
			    sizeof why));
	assert_string_equal(why, "CrashLoopBackOff (restarts 4)");
}

/* ---- run-job ------------------------------------------------------------- */

static json_t *job(const char *exit_after, const char *exit_code)
{
	return J(
	    "{\"apiVersion\":\"batch/v1\",\"kind\":\"Job\","
	    "\"metadata\":{\"generateName\":\"migrate-\",\"namespace\":"
	    "\"demo\","
	    "\"labels\":{\"app.kubernetes.io/managed-by\":\"opsdeck\"}},"
	    "\"spec\":{\"backoffLimit\":0,\"template\":{\"metadata\":{"
	    "\"annotations\":{\"sim.kubesim.io/exit-after\":\"%s\","
	    "\"sim.kubesim.io/exit-code\":\"%s\","
	    "\"sim.kubesim.io/log-rate\":\"8\","
	    "\"sim.kubesim.io/log-lines\":\"applying V42__add_index line "
	    "{n}\"}},"
	    "\"spec\":{\"restartPolicy\":\"Never\",\"containers\":[{"
	    "\"name\":\"migrate\",\"image\":\"registry.local/migrate:1\"}]}}}}",
	    exit_after, exit_code);
}

static void test_run_job_succeeds(void **state)
{
	struct fx *f = *state;
	struct run r;
	run_init(f, &r, RB_ACTION_RUN_JOB, "demo", "");
	r.ps.kind = (char *)"job";
	r.ps.job = job("1", "0");
	run_to_end(f, &r);
	assert_true(r.rec.ok);
	assert_true(str_has_prefix(r.rec.msg, "job migrate-"));
	assert_true(str_has_suffix(r.rec.msg, " succeeded"));
	assert_true(
	    str_has_prefix(buf_str(&r.rec.out), "created job migrate-"));
	assert_true(
	    str_has_prefix(r.rec.touched_what, "Job batch/v1 demo/migrate-"));
	assert_true(*r.rec.touched_uid);
	/* every line of the pod's log, from the first, in order */
	assert_true(has(&r, "applying V42__add_index line 1\n"));
	assert_true(has(&r, "applying V42__add_index line 2\n"));
	const char *one = strstr(buf_str(&r.rec.out), "line 1\n");
	const char *two = strstr(buf_str(&r.rec.out), "line 2\n");
	assert_true(one < two);
	assert_true(r.rec.lines >= 4);
	json_decref(r.ps.job);
	run_free(&r);
}

static void test_run_job_fails(void **state)
{
	struct fx *f = *state;
	struct run r;
	run_init(f, &r, RB_ACTION_RUN_JOB, "demo", "");
	r.ps.job = job("1", "1");
	run_to_end(f, &r);
	assert_false(r.rec.ok);
	assert_true(str_has_prefix(r.rec.msg, "job migrate-"));
	assert_non_null(strstr(r.rec.msg, " failed: BackoffLimitExceeded: Job "
					  "has reached the specified backoff "
					  "limit"));
	assert_true(has(&r, "applying V42__add_index line 1\n"));
	json_decref(r.ps.job);
	run_free(&r);

	/* a Job the server refuses */
	run_init(f, &r, RB_ACTION_RUN_JOB, "nowhere", "");
	r.ps.job = job("1", "0");
	run_to_end(f, &r);
	assert_false(r.rec.ok);
	assert_true(str_has_prefix(r.rec.msg, "cannot create the job: "));
	assert_int_equal(r.rec.touched, 0);
	json_decref(r.ps.job);
	run_free(&r);
}

/* A quick pod: it may have ended before its log is opened. */
static void test_run_job_quick_pod(void **state)
{
	struct fx *f = *state;
	struct run r;
	run_init(f, &r, RB_ACTION_RUN_JOB, "demo", "");
	r.ps.job = job("0.2", "0");
	run_to_end(f, &r);
	assert_true(r.rec.ok);
	assert_true(has(&r, "applying V42__add_index line 1\n"));
	json_decref(r.ps.job);
	run_free(&r);
}

static void test_run_job_cancel(void **state)
{
	struct fx *f = *state;
	struct run r;
	run_init(f, &r, RB_ACTION_RUN_JOB, "demo", "");
	r.ps.job = job("3", "0");
	r.rec.cancel_at_line = 3; /* "created job", then two log lines */
	run_start(&r);
	RUN_UNTIL(f, r.rec.cancelled);
	run_for(f, 1500);
	assert_int_equal(r.rec.done, 0);
	assert_int_equal(r.rec.after_cancel, 0);
	assert_int_equal(r.rec.lines, 3);
	json_decref(r.ps.job);
	run_free(&r);
}

/* ---- http-check ---------------------------------------------------------- */

static char *healthz(struct fx *f, const char *scheme, int port,
		     const char *userinfo)
{
	(void)f;
	return str_printf("%s://%s127.0.0.1:%d/healthz", scheme, userinfo,
			  port);
}

static void test_http_check_direct(void **state)
{
	struct fx *f = *state;
	char *secret_header[] = {(char *)"X-Token: hunter2-secret", NULL};
	struct run r;
	run_init(f, &r, RB_ACTION_HTTP_CHECK, "", "");
	r.ps.url = healthz(f, "http", f->port, "ops:pw-secret@");
	r.ps.headers = secret_header;
	r.st.expect_body = (char *)"ok";
	run_to_end(f, &r);
	assert_true(r.rec.ok);
	char *want = str_printf(
	    "GET http://127.0.0.1:%d/healthz \xe2\x86\x92 200 (", f->port);
	assert_true(str_has_prefix(buf_str(&r.rec.out), want));
	free(want);
	assert_false(has(&r, "secret"));
	assert_null(strstr(r.rec.msg, "secret"));
	free(r.ps.url);
	run_free(&r);

	/* the wrong status */
	run_init(f, &r, RB_ACTION_HTTP_CHECK, "", "");
	r.ps.url = healthz(f, "http", f->port, "");
	r.st.expect_status = 503;
	run_to_end(f, &r);
	assert_false(r.rec.ok);
	assert_string_equal(r.rec.msg, "expected 503, got 200");
	free(r.ps.url);
	run_free(&r);

	/* the wrong body */
	run_init(f, &r, RB_ACTION_HTTP_CHECK, "", "");
	r.ps.url = healthz(f, "http", f->port, "");
	r.st.expect_body = (char *)"healthy";
	run_to_end(f, &r);
	assert_false(r.rec.ok);
	assert_string_equal(r.rec.msg, "body does not contain \"healthy\"");
	free(r.ps.url);
	run_free(&r);

	/* 401 without a token, and redirects are not followed (none here) */
	run_init(f, &r, RB_ACTION_HTTP_CHECK, "", "");
	r.ps.url = str_printf("http://127.0.0.1:%d/api/v1/pods", f->port);
	run_to_end(f, &r);
	assert_false(r.rec.ok);
	assert_string_equal(r.rec.msg, "expected 200, got 401");
	free(r.ps.url);
	run_free(&r);

	/* nobody listening */
	run_init(f, &r, RB_ACTION_HTTP_CHECK, "", "");
	r.ps.url = str_printf("http://127.0.0.1:1/healthz");
	run_to_end(f, &r);
	assert_false(r.rec.ok);
	assert_true(str_has_prefix(r.rec.msg, "no answer: "));
	free(r.ps.url);
	run_free(&r);

	/* other schemes are not fetched */
	run_init(f, &r, RB_ACTION_HTTP_CHECK, "", "");
	r.ps.url = str_printf("file:///etc/passwd");
	run_to_end(f, &r);
	assert_false(r.rec.ok);
	assert_false(has(&r, "root:"));
	free(r.ps.url);
	run_free(&r);
}

/* A one-connection HTTP server with a canned answer: head, body_len
 * bytes of fill, then tail. */
struct canned {
	int lfd, port;
	const char *head, *tail;
	size_t body_len;
	pthread_t th;
};

static int listen_local(int *port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(fd, 4), 0);
	socklen_t len = sizeof a;
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static void send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
		if (k <= 0)
			return; /* the client has had enough */
		p += k;
		n -= (size_t)k;
	}
}

static void *canned_serve(void *arg)
{
	struct canned *c = arg;
	int fd = accept(c->lfd, NULL, NULL);
	if (fd < 0)
		return NULL;
	char req[4096];
	size_t got = 0;
	while (got < sizeof req - 1) {
		ssize_t k = recv(fd, req + got, sizeof req - 1 - got, 0);
		if (k <= 0)
			break;
		got += (size_t)k;
		req[got] = '\0';
		if (strstr(req, "\r\n\r\n"))
			break;
	}
	send_all(fd, c->head, strlen(c->head));
	char chunk[65536];
	memset(chunk, 'a', sizeof chunk);
	for (size_t left = c->body_len; left;) {
		size_t n = left < sizeof chunk ? left : sizeof chunk;
		send_all(fd, chunk, n);
		left -= n;
	}
	send_all(fd, c->tail, strlen(c->tail));
	close(fd);
	return NULL;
}

static void canned_start(struct canned *c, const char *head, size_t body_len,
			 const char *tail)
{
	c->lfd = listen_local(&c->port);
	c->head = head;
	c->body_len = body_len;
	c->tail = tail;
	assert_int_equal(pthread_create(&c->th, NULL, canned_serve, c), 0);
}

static void canned_stop(struct canned *c)
{
	pthread_join(c->th, NULL);
	close(c->lfd);
}

static void test_http_check_answers(void **state)
{
	struct fx *f = *state;
	struct canned c;
	struct run r;

	/* a redirect is an answer, not something to follow */
	canned_start(&c,
		     "HTTP/1.1 302 Found\r\nLocation: /healthz\r\n"
		     "Content-Length: 0\r\nConnection: close\r\n\r\n",
		     0, "");
	run_init(f, &r, RB_ACTION_HTTP_CHECK, "", "");
	r.ps.url = str_printf("http://127.0.0.1:%d/", c.port);
	run_to_end(f, &r);
	canned_stop(&c);
	assert_false(r.rec.ok);
	assert_string_equal(r.rec.msg, "expected 200, got 302");
	free(r.ps.url);
	run_free(&r);

	/* a 3 MiB body: the first MiB is judged, the rest never read */
	char head[256];
	snprintf(head, sizeof head,
		 "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n"
		 "Connection: close\r\n\r\nstatus: ok\n",
		 3 << 20);
	canned_start(&c, head, (3 << 20) - 11 - 10, "TAILMARKER");
	run_init(f, &r, RB_ACTION_HTTP_CHECK, "", "");
	r.ps.url = str_printf("http://127.0.0.1:%d/", c.port);
	r.st.expect_body = (char *)"status: ok";
	run_to_end(f, &r);
	canned_stop(&c);
	assert_true(r.rec.ok);
	free(r.ps.url);
	run_free(&r);

	canned_start(&c, head, (3 << 20) - 11 - 10, "TAILMARKER");
	run_init(f, &r, RB_ACTION_HTTP_CHECK, "", "");
	r.ps.url = str_printf("http://127.0.0.1:%d/", c.port);
	r.st.expect_body = (char *)"TAILMARKER";
	run_to_end(f, &r);
	canned_stop(&c);
	assert_false(r.rec.ok);
	assert_string_equal(r.rec.msg, "body does not contain \"TAILMARKER\"");
	free(r.ps.url);
	run_free(&r);

	/* a server that never answers: the step's own timeout */
	int port;
	int lfd = listen_local(&port);
	run_init(f, &r, RB_ACTION_HTTP_CHECK, "", "");
	r.ps.url = str_printf("http://127.0.0.1:%d/", port);
	r.st.timeout_s = 1;
	run_to_end(f, &r);
	assert_false(r.rec.ok);
	assert_non_null(strstr(r.rec.msg, "timed out"));
	free(r.ps.url);
	run_free(&r);
	close(lfd);
}

/* The engine may cancel from anywhere, also from inside a watch event,
 * which libcurl delivers from inside its own callbacks. */
struct cancel_on_event {
	struct run *r;
	bool synced;
	int events;
};

static void coe_changed(void *arg, enum watch_type type,
			const struct kube_obj *old, const struct kube_obj *obj)
{
	(void)old, (void)obj;
	struct cancel_on_event *c = arg;
	if (!c->synced || type != WATCH_MODIFIED || c->r->rec.cancelled)
		return;
	c->events++;
	c->r->rec.cancelled = true;
	step_cancel(c->r->rec.s);
}

static void coe_synced(void *arg)
{
	((struct cancel_on_event *)arg)->synced = true;
}

static void test_http_check_cancel(void **state)
{
	struct fx *f = *state;
	int port;
	int lfd = listen_local(&port);
	struct run r;

	/* from outside, while the request waits */
	run_init(f, &r, RB_ACTION_HTTP_CHECK, "", "");
	r.ps.url = str_printf("http://127.0.0.1:%d/", port);
	run_start(&r);
	run_for(f, 300);
	step_cancel(r.rec.s);
	r.rec.cancelled = true;
	run_for(f, 200);
	assert_int_equal(r.rec.done + r.rec.lines + r.rec.after_cancel, 0);
	free(r.ps.url);
	run_free(&r);

	/* from inside a watch event */
	run_init(f, &r, RB_ACTION_HTTP_CHECK, "", "");
	r.ps.url = str_printf("http://127.0.0.1:%d/", port);
	run_start(&r);
	struct cancel_on_event c = {.r = &r};
	struct kube_watch_ops ops = {.changed = coe_changed,
				     .synced = coe_synced};
	struct kube_watch_spec spec = {.kind = KUBE_DEPLOYMENT,
				       .namespace_ = "demo"};
	struct kube_watch *w = kube_watch(f->c, &spec, &ops, &c);
	RUN_UNTIL(f, c.synced);
	world_set_template_annotation(f, "web", "touch", "1");
	RUN_UNTIL(f, c.events == 1);
	run_for(f, 300);
	assert_int_equal(r.rec.done + r.rec.lines + r.rec.after_cancel, 0);
	kube_unwatch(w);
	free(r.ps.url);
	run_free(&r);
	close(lfd);
}

/* TLS is verified: kubesim's own CA is not one the system trusts. */
static void test_http_check_tls_verified(void **state)
{
	struct fx *f = *state;
	struct ks_tls tls = {0};
	struct err e;
	assert_int_equal(ks_tls_setup(NULL, "127.0.0.1", &tls, &e), ST_OK);
	int port;
	struct MHD_Daemon *d =
	    ks_http_start(&f->w, "127.0.0.1", 0, &tls, &port, &e);
	assert_non_null(d);
	struct run r;
	run_init(f, &r, RB_ACTION_HTTP_CHECK, "", "");
	r.ps.url = healthz(f, "https", port, "");
	run_to_end(f, &r);
	assert_false(r.rec.ok);
	assert_true(str_has_prefix(r.rec.msg, "no answer: "));
	assert_non_null(strstr(r.rec.msg, "certificate"));
	free(r.ps.url);
	run_free(&r);
	ks_http_stop(d);
	ks_tls_free(&tls);
}

static void test_http_check_via_proxy(void **state)
{
	struct fx *f = *state;
	struct run r;
	run_init(f, &r, RB_ACTION_HTTP_CHECK, "demo", "");
	r.ps.via_proxy = true;
	r.ps.url = (char *)"/healthz";
	r.st.expect_body = (char *)"ok";
	run_to_end(f, &r);
	assert_true(r.rec.ok);
	assert_true(has(&r, "GET /healthz \xe2\x86\x92 200 ("));
	run_free(&r);

	run_init(f, &r, RB_ACTION_HTTP_CHECK, "demo", "");
	r.ps.via_proxy = true;
	r.ps.url =
	    (char *)"/api/v1/namespaces/demo/services/web:80/proxy/healthz";
	run_to_end(f, &r);
	assert_false(r.rec.ok);
	assert_true(str_has_prefix(r.rec.msg, "expected 200, got 4"));
	run_free(&r);

	/* headers go through the proxy to the service */
	wait_world(f, web_rolled_out);
	struct err e;
	pthread_mutex_lock(&f->w.mu);
	assert_int_equal(
	    ks_create(&f->w, KS_SERVICES, "demo",
		      J("{\"metadata\":{\"name\":\"web\"},\"spec\":{"
			"\"selector\":{\"app\":\"web\"},\"ports\":[{"
			"\"port\":80}]}}"),
		      NULL, &e),
	    ST_OK);
	pthread_mutex_unlock(&f->w.mu);
	char *headers[] = {(char *)"X-Check: opsdeck",
			   (char *)"X-Token: s3cr3t-value", NULL};
	run_init(f, &r, RB_ACTION_HTTP_CHECK, "demo", "");
	r.ps.via_proxy = true;
	r.ps.url =
	    (char *)"/api/v1/namespaces/demo/services/web:80/proxy/headers";
	r.ps.headers = headers;
	r.st.expect_body = (char *)"X-Token: s3cr3t-value";
	run_to_end(f, &r);
	assert_true(r.rec.ok);
	assert_false(has(&r, "s3cr3t")); /* never shown */
	run_free(&r);
}

/* ---- confirm ------------------------------------------------------------- */

static void test_confirm(void **state)
{
	struct fx *f = *state;
	struct run r;
	run_init(f, &r, RB_ACTION_CONFIRM, "", "");
	r.ps.instructions = (char *)"Check the dashboard, then proceed.";
	run_start(&r);
	step_answer(r.rec.s, true, "too early"); /* not asked yet: ignored */
	RUN_UNTIL(f, r.rec.confirms == 1);
	assert_string_equal(r.rec.instructions,
			    "Check the dashboard, then proceed.");
	run_for(f, 100);
	assert_int_equal(r.rec.done, 0);
	step_answer(r.rec.s, true, "dashboard is green");
	assert_int_equal(r.rec.done, 1);
	assert_true(r.rec.ok);
	assert_string_equal(r.rec.msg, "proceeded: dashboard is green");
	run_free(&r);

	run_init(f, &r, RB_ACTION_CONFIRM, "", "");
	r.ps.instructions = (char *)"Proceed?";
	run_start(&r);
	RUN_UNTIL(f, r.rec.confirms == 1);
	step_answer(r.rec.s, false, "error rate too high");
	assert_false(r.rec.ok);
	assert_string_equal(r.rec.msg,
			    "aborted by the operator: error rate too high");
	run_free(&r);

	run_init(f, &r, RB_ACTION_CONFIRM, "", "");
	r.ps.instructions = (char *)"Proceed?";
	run_start(&r);
	RUN_UNTIL(f, r.rec.confirms == 1);
	step_answer(r.rec.s, true, "");
	assert_string_equal(r.rec.msg, "proceeded");
	run_free(&r);

	/* answered from inside the question */
	run_init(f, &r, RB_ACTION_CONFIRM, "", "");
	r.ps.instructions = (char *)"Proceed?";
	r.rec.answer_inside = -1;
	run_to_end(f, &r);
	assert_false(r.rec.ok);
	assert_string_equal(r.rec.msg, "aborted by the operator: from inside");
	run_free(&r);

	/* cancelled while waiting for the operator */
	run_init(f, &r, RB_ACTION_CONFIRM, "", "");
	r.ps.instructions = (char *)"Proceed?";
	run_start(&r);
	RUN_UNTIL(f, r.rec.confirms == 1);
	step_cancel(r.rec.s);
	run_for(f, 100);
	assert_int_equal(r.rec.done, 0);
	run_free(&r);
}

/* ---- script -------------------------------------------------------------- */

static void script_run(struct fx *f, struct run *r, const char *content,
		       char **env)
{
	run_init(f, r, RB_ACTION_SCRIPT, "", "");
	r->st.content = (char *)content;
	r->st.content_len = strlen(content);
	r->ps.env = env;
}

static bool exists(const char *path)
{
	struct stat sb;
	return lstat(path, &sb) == 0;
}

static void test_script_env_verbatim(void **state)
{
	struct fx *f = *state;
	char *c1 = str_printf("%s/canary1", f->tmp);
	char *c2 = str_printf("%s/canary2", f->tmp);
	char *c3 = str_printf("%s/canary3", f->tmp);
	char *value = str_printf("$(touch %s); touch %s \"'`touch %s` && "
				 "echo pwned\n  hostPath: / ${HOME} * ~",
				 c1, c2, c3);
	char *out = str_printf("%s/out", f->tmp);
	char *pwdf = str_printf("%s/pwd", f->tmp);
	char *env[] = {str_printf("VALUE=%s", value), str_printf("OUT=%s", out),
		       str_printf("PWDFILE=%s", pwdf), NULL};
	setenv("OPSDECK_STEP_TEST_LEAK", "leaked", 1);
	const char *script = "#!/bin/sh\n"
			     "printf '%s' \"$VALUE\" > \"$OUT\"\n"
			     "pwd > \"$PWDFILE\"\n"
			     "echo \"hello from $OPSDECK_RUN_ID\"\n"
			     "echo \"leak=${OPSDECK_STEP_TEST_LEAK-none}\"\n"
			     "echo \"args=$#\"\n"
			     "ls -l \"$0\" | cut -c1-10\n"
			     "echo oops >&2\n";
	struct run r;
	script_run(f, &r, script, env);
	run_to_end(f, &r);
	unsetenv("OPSDECK_STEP_TEST_LEAK");
	assert_true(r.rec.ok);
	assert_string_equal(r.rec.msg, "script exited 0");
	char *got = test_read_file(out, NULL);
	assert_non_null(got);
	assert_string_equal(got, value);
	free(got);
	assert_false(exists(c1));
	assert_false(exists(c2));
	assert_false(exists(c3));
	assert_false(has(&r, "pwned"));
	assert_true(has(&r, "hello from 20261123-120000-abc123\n"));
	assert_true(has(&r, "leak=none\n"));
	assert_true(has(&r, "args=0\n"));
	assert_true(has(&r, "-rwx------\n"));
	assert_true(has(&r, "oops\n"));
	/* its private folder is gone */
	char *pwd = test_read_file(pwdf, NULL);
	assert_non_null(pwd);
	pwd[strcspn(pwd, "\n")] = '\0';
	assert_non_null(strstr(pwd, "opsdeck-script-"));
	assert_false(exists(pwd));
	free(pwd);
	run_free(&r);
	for (char **e = env; *e; e++)
		free(*e);
	free(c1), free(c2), free(c3), free(value), free(out), free(pwdf);
}

static void test_script_fails(void **state)
{
	struct fx *f = *state;
	struct run r;
	script_run(
	    f, &r,
	    "#!/bin/sh\necho 'about to fail'\nmkdir sub\nchmod 0 sub\nexit 3\n",
	    NULL);
	run_to_end(f, &r);
	assert_false(r.rec.ok);
	assert_string_equal(r.rec.msg, "script exited 3");
	assert_string_equal(buf_str(&r.rec.out), "about to fail\n");
	run_free(&r);

	script_run(f, &r, "#!/bin/sh\nkill -9 $$\n", NULL);
	run_to_end(f, &r);
	assert_false(r.rec.ok);
	assert_string_equal(r.rec.msg, "script killed by signal 9");
	run_free(&r);

	/* no interpreter line: exec cannot run it as it is */
	script_run(f, &r, "#!/nonexistent/interpreter\n", NULL);
	run_to_end(f, &r);
	assert_false(r.rec.ok);
	assert_true(str_has_prefix(r.rec.msg, "cannot run the script: "));
	run_free(&r);

	/* its own timeout */
	script_run(f, &r, "#!/bin/sh\nsleep 30\n", NULL);
	r.st.timeout_s = 1;
	run_to_end(f, &r);
	assert_false(r.rec.ok);
	assert_string_equal(r.rec.msg, "script timed out after 1s");
	run_free(&r);
}

/* Lines reach the engine while the script still runs, stderr's too; a
 * line without its newline comes at the end, a very long one in pieces. */
static void test_script_streams(void **state)
{
	struct fx *f = *state;
	char *go = str_printf("%s/go", f->tmp);
	char *env[] = {str_printf("GO=%s", go), NULL};
	struct run r;
	script_run(f, &r,
		   "#!/bin/sh\necho first\necho warning >&2\n"
		   "while [ ! -e \"$GO\" ]; do sleep 0.05; done\n"
		   "head -c 5000 /dev/zero | tr '\\0' x; echo\n"
		   "printf 'no newline'\n",
		   env);
	run_start(&r);
	RUN_UNTIL(f, r.rec.lines == 2);
	run_for(f, 100);
	assert_int_equal(r.rec.done, 0); /* still waiting for go */
	assert_true(has(&r, "first\n"));
	assert_true(has(&r, "warning\n"));
	FILE *g = fopen(go, "w");
	assert_non_null(g);
	fclose(g);
	RUN_UNTIL(f, r.rec.done);
	assert_true(r.rec.ok);
	assert_int_equal(r.rec.lines, 5);
	const char *out = buf_str(&r.rec.out);
	const char *xs = strchr(out, 'x');
	assert_non_null(xs);
	assert_int_equal(strspn(xs, "x"), 4096);
	assert_int_equal(xs[4096], '\n');
	assert_int_equal(strspn(xs + 4097, "x"), 5000 - 4096);
	assert_true(str_has_suffix(out, "\nno newline\n"));
	run_free(&r);
	free(env[0]);
	free(go);
}

static void test_script_cancel(void **state)
{
	struct fx *f = *state;
	char *pwdf = str_printf("%s/pwd", f->tmp);
	char *env[] = {str_printf("PWDFILE=%s", pwdf), NULL};
	struct run r;
	script_run(f, &r,
		   "#!/bin/sh\nsleep 30 &\necho $! > \"$PWDFILE.bg\"\n"
		   "pwd > \"$PWDFILE.tmp\"\nmv \"$PWDFILE.tmp\" "
		   "\"$PWDFILE\"\nexec sleep 30\n",
		   env);
	run_start(&r);
	uint64_t t0 = loop_now_ms();
	RUN_UNTIL(f, exists(pwdf));
	char *pwd = test_read_file(pwdf, NULL);
	pwd[strcspn(pwd, "\n")] = '\0';
	assert_true(exists(pwd));
	char *bgf = str_printf("%s.bg", pwdf);
	char *bgpid = test_read_file(bgf, NULL);
	assert_non_null(bgpid);
	pid_t bg = (pid_t)atoi(bgpid);
	assert_true(bg > 0 && proc_alive(bg));
	step_cancel(r.rec.s);
	assert_false(exists(pwd)); /* removed at once */
	run_for(f, 200);
	/* what the script started in the background went with it */
	RUN_UNTIL(f, !proc_alive(bg));
	free(bgpid);
	free(bgf);
	assert_int_equal(r.rec.done, 0);
	assert_int_equal(r.rec.lines, 0);
	assert_true(loop_now_ms() - t0 < 10000);
	free(pwd);
	free(pwdf);
	free(env[0]);
	run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	    T(test_restart),
	    T(test_restart_refuses_paused),
	    T(test_restart_missing),
	    T(test_restart_forbidden),
	    T(test_scale),
	    T(test_wait_rollout_after_restart),
	    T(test_wait_rollout_missing),
	    T(test_wait_rollout_cancel),
	    T(test_health_check),
	    T(test_run_job_succeeds),
	    T(test_run_job_fails),
	    T(test_run_job_quick_pod),
	    T(test_run_job_cancel),
	    T(test_http_check_direct),
	    T(test_http_check_answers),
	    T(test_http_check_cancel),
	    T(test_http_check_tls_verified),
	    T(test_http_check_via_proxy),
	    T(test_confirm),
	    T(test_script_env_verbatim),
	    T(test_script_fails),
	    T(test_script_streams),
	    T(test_script_cancel),
#undef T
	    cmocka_unit_test(test_health_check_pod_verdict),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
