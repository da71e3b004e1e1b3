/*
 * The run engine (run.h): a state machine on the loop that takes a run
 * from its plan to its final record.
 *
 * Every asynchronous question the engine asks (whoami, can-i, a store
 * call) holds a reference on the run, so a run freed while answers are on
 * their way is only marked; the last answer frees it. State changes go
 * through run_next's table and nothing else, so the rules a test checks
 * are the rules the engine follows.
 *
 * Record updates are serialised: one write to the cluster at a time, and
 * when the record changed meanwhile, one more with the latest state. The
 * run is settled when its final state is written (or could not be).
 */
#include "runbook/run.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/mem.h"
#include "base/str.h"
#include "kube/identity.h"
#include "kube/objects.h"
#include "kube/reflector.h"
#include "runbook/audit.h"
#include "runbook/step.h"
#include "runbook/store.h"

static const char *const run_state_names[] = {
#define RUN_STATE_NAME(e, name) name,
	RUN_STATES(RUN_STATE_NAME)
#undef RUN_STATE_NAME
};

static const char *const step_state_names[] = {
#define STEP_STATE_NAME(e, name) name,
	STEP_STATES(STEP_STATE_NAME)
#undef STEP_STATE_NAME
};

const char *run_state_name(enum run_state s)
{
	return (unsigned)s < RUN__STATE_COUNT ? run_state_names[s] : "?";
}

const char *step_state_name(enum step_state s)
{
	return (unsigned)s <= STEP_SKIPPED ? step_state_names[s] : "?";
}

bool run_state_final(enum run_state s)
{
	return s == RUN_REFUSED || s == RUN_SUCCEEDED || s == RUN_FAILED ||
	       s == RUN_ABORTED || s == RUN_REJECTED || s == RUN_EXPIRED;
}

bool run_next(enum run_state from, enum run_event ev, enum run_state *to)
{
	static const struct {
		enum run_state from;
		enum run_event ev;
		enum run_state to;
	} table[] = {
		{RUN_PREPARING, RUN_EV_PLANNED, RUN_CONFIRMING},
		{RUN_PREPARING, RUN_EV_REFUSE, RUN_REFUSED},
		{RUN_PREPARING, RUN_EV_ABORT, RUN_ABORTED},
		{RUN_CONFIRMING, RUN_EV_GATE_OK, RUN_CLAIMING},
		{RUN_CONFIRMING, RUN_EV_REFUSE, RUN_REFUSED},
		{RUN_CONFIRMING, RUN_EV_ABORT, RUN_ABORTED},
		{RUN_CLAIMING, RUN_EV_CLAIMED, RUN_RUNNING},
		{RUN_CLAIMING, RUN_EV_NEED_APPROVAL, RUN_WAITING},
		{RUN_CLAIMING, RUN_EV_REFUSE, RUN_REFUSED},
		{RUN_CLAIMING, RUN_EV_ABORT, RUN_ABORTED},
		{RUN_WAITING, RUN_EV_APPROVED, RUN_RUNNING},
		{RUN_WAITING, RUN_EV_REJECTED, RUN_REJECTED},
		{RUN_WAITING, RUN_EV_EXPIRED, RUN_EXPIRED},
		{RUN_WAITING, RUN_EV_ABORT, RUN_ABORTED},
		{RUN_RUNNING, RUN_EV_STEPS_OK, RUN_SUCCEEDED},
		{RUN_RUNNING, RUN_EV_STEP_FAILED, RUN_FAILED},
		{RUN_RUNNING, RUN_EV_ABORT, RUN_ABORTED},
	};
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
		if (table[i].from == from && table[i].ev == ev) {
			*to = table[i].to;
			return true;
		}
	return false;
}

struct touched {
	char *kind, *api_version, *ns, *name, *uid;
};

struct run {
	struct loop *loop;
	struct kube_client *client;
	const struct runbook *rb;
	char *commit;
	const struct model *model;
	const struct model_env *env;
	const struct model_cell *cell;
	const struct policy *policy;
	char *audit_path;
	struct run_ops ops;
	void *arg;

	enum run_state state;
	char run_id[48];
	struct buf message;
	struct rb_values values;
	struct plan *plan;
	char *operator_;
	struct vec groups; /* char * */
	char *approver;

	/* preparing */
	size_t asking;	     /* can-i questions out */
	struct buf missing;  /* missing permissions, one per line */
	struct vec live;     /* struct live_list *: live choices */
	size_t live_out;

	/* the record */
	json_t *record;
	bool record_made, writing, dirty, settled, claimed;
	bool once_busy; /* a once-key claim or give-back in flight */
	bool steps_started;

	/* steps */
	size_t nsteps, cur;
	enum step_state *sst;
	char **smsg;
	int64_t *sstart, *send;
	struct step_exec *exec;
	/* Two contexts taking turns: a step that ended may still read its
	 * own while the next one starts from its done(). */
	struct step_ctx ctx[2];
	struct vec touched; /* struct touched *, of the current step */
	bool step_failed_allowed;

	struct loop_timer *start_timer, *step_timer, *beat_timer,
		*wait_timer, *run_timer;
	struct kube_watch *approval;

	int refs;
	bool freed;
};

struct live_list {
	struct run *r;
	const struct rb_var *var;
	struct vec names; /* char * */
};

static void hold(struct run *r)
{
	r->refs++;
}

/* Drop a reference; false when the run is gone (freed, or being freed). */
static bool release(struct run *r)
{
	r->refs--;
	if (!r->freed)
		return true;
	if (r->refs == 0) {
		free(r);
	}
	return false;
}

static void changed(struct run *r)
{
	if (r->ops.changed && !r->freed)
		r->ops.changed(r->arg, r);
}

static int64_t now_s(void)
{
	return (int64_t)time(NULL);
}

static json_t *time_json(int64_t t)
{
	if (!t)
		return json_null();
	struct buf b = BUF_INIT;
	kube_format_time(&b, t);
	json_t *j = json_string(buf_str(&b));
	buf_free(&b);
	return j;
}

/* ---- the record ---------------------------------------------------------- */

static void record_refresh(struct run *r)
{
	json_t *rec = r->record;
	json_object_set_new(rec, "state",
			    json_string(run_state_name(r->state)));
	json_object_set_new(rec, "message", json_string(buf_str(&r->message)));
	json_object_set_new(rec, "heartbeat", time_json(now_s()));
	json_object_set_new(rec, "ended", run_state_final(r->state)
						  ? time_json(now_s())
						  : json_null());
	if (r->approver)
		json_object_set_new(rec, "approver",
				    json_string(r->approver));
	json_t *steps = json_array();
	for (size_t i = 0; i < r->nsteps; i++) {
		const struct plan_step *ps = r->plan->steps.items[i];
		json_array_append_new(
			steps,
			json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:s}", "name",
				  ps->step->name, "action",
				  rb_action_name(ps->step->action), "summary",
				  ps->summary, "state",
				  step_state_name(r->sst[i]), "started",
				  time_json(r->sstart[i]), "ended",
				  time_json(r->send[i]), "message",
				  r->smsg[i] ? r->smsg[i] : ""));
	}
	json_object_set_new(rec, "steps", steps);
}

static void write_record(struct run *r);
static void record_new(struct run *r);

static void wrote(void *arg, enum status st, const char *message,
		  const json_t *obj)
{
	(void)obj;
	struct run *r = arg;
	if (!release(r))
		return;
	r->writing = false;
	if (st != ST_OK && r->ops.output)
		r->ops.output(r->arg, r, r->cur, message, strlen(message));
	if (r->dirty) {
		write_record(r);
		return;
	}
	if (run_state_final(r->state) && !r->settled) {
		r->settled = true;
		changed(r);
	}
}

/* Log the record locally (unless event is NULL) and write it to the
 * cluster (serialised). */
static void save(struct run *r, const char *event)
{
	if (!r->record)
		return;
	record_refresh(r);
	struct err e = {0};
	if (event &&
	    audit_log_append(r->audit_path, event, r->record, &e) != ST_OK &&
	    r->ops.output)
		r->ops.output(r->arg, r, r->cur, e.msg, strlen(e.msg));
	if (!r->record_made)
		return;
	r->dirty = true;
	if (!r->writing)
		write_record(r);
}

static void write_record(struct run *r)
{
	r->dirty = false;
	r->writing = true;
	hold(r);
	store_record_update(r->client, r->record, wrote, r);
}

static void heartbeat(struct loop *l, void *arg)
{
	(void)l;
	struct run *r = arg;
	r->beat_timer = NULL;
	if (run_state_final(r->state))
		return;
	save(r, NULL);
	r->beat_timer = loop_timer_add(r->loop, STORE_HEARTBEAT_S * 1000,
				       heartbeat, r);
}

/* ---- ending -------------------------------------------------------------- */

static void stop_timers(struct run *r)
{
	struct loop_timer **ts[] = {&r->start_timer, &r->step_timer,
				    &r->beat_timer, &r->wait_timer,
				    &r->run_timer};
	for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++)
		if (*ts[i]) {
			loop_timer_cancel(*ts[i]);
			*ts[i] = NULL;
		}
	if (r->approval) {
		kube_unwatch(r->approval);
		r->approval = NULL;
	}
}

static void released_once(void *arg, enum status st, const char *message,
			  const json_t *obj)
{
	(void)st, (void)message, (void)obj;
	struct run *r = arg;
	if (!release(r))
		return;
	r->once_busy = false;
	if (run_settled(r))
		changed(r);
}

/* Give the claimed once-key back (nothing was done under it); the run is
 * not settled until the cluster has answered. */
static void give_back_once(struct run *r)
{
	hold(r);
	r->once_busy = true;
	r->claimed = false;
	store_release_once(r->client, r->plan->once_key, released_once, r);
}

static void set_message(struct run *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void set_message(struct run *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_clear(&r->message);
	buf_vprintf(&r->message, fmt, ap);
	va_end(ap);
}

/* Move to the state ev leads to; false when ev is not allowed now. */
static bool go(struct run *r, enum run_event ev)
{
	enum run_state to;
	if (!run_next(r->state, ev, &to))
		return false;
	r->state = to;
	if (run_state_final(to)) {
		stop_timers(r);
		for (size_t i = 0; i < r->nsteps; i++)
			if (r->sst[i] == STEP_PENDING)
				r->sst[i] = STEP_SKIPPED;
		/* A key claimed by a run that never reached a step is
		 * given back: nothing was done under it. */
		if (r->claimed && !r->steps_started && r->plan->once_key)
			give_back_once(r);
		/* A run that ends before its record exists (refused by the
		 * policy, a permission or a once-key; not confirmed) is
		 * still written to the local log: the attempt is part of
		 * the story. It never reaches the cluster. */
		if (!r->record && r->plan)
			record_new(r);
		save(r, "finished");
		r->settled = !r->writing;
	}
	changed(r);
	return true;
}

static void refuse(struct run *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void refuse(struct run *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_clear(&r->message);
	buf_vprintf(&r->message, fmt, ap);
	va_end(ap);
	go(r, RUN_EV_REFUSE);
}

/* ---- steps ----------------------------------------------------------------- */

static void start_step(struct run *r, size_t i);
static void run_timeout(struct loop *l, void *arg);

static void event_done(void *arg, enum status st, const char *message,
		       const json_t *obj)
{
	(void)obj;
	struct run *r = arg;
	if (!release(r))
		return;
	if (st != ST_OK && r->ops.output) {
		struct buf b = BUF_INIT;
		buf_printf(&b, "could not record an Event: %s", message);
		r->ops.output(r->arg, r, r->cur, buf_str(&b), b.len);
		buf_free(&b);
	}
}

static void post_event(struct run *r, const struct touched *t,
		       const char *type, const char *reason, const char *what)
{
	const struct plan_step *ps = r->plan->steps.items[r->cur];
	struct buf msg = BUF_INIT;
	buf_printf(&msg, "opsdeck runbook %s, run %s, by %s: step %s (%s) %s",
		   r->rb->name, r->run_id, r->operator_, ps->step->name,
		   rb_action_name(ps->step->action), what);
	hold(r);
	store_event(r->client, t->kind, t->api_version, t->ns, t->name,
		    t->uid, type, reason, buf_str(&msg), event_done, r);
	buf_free(&msg);
}

static void touched_free(void *p)
{
	struct touched *t = p;
	free(t->kind);
	free(t->api_version);
	free(t->ns);
	free(t->name);
	free(t->uid);
	free(t);
}

static void on_touched(void *arg, const char *kind, const char *api_version,
		       const char *ns, const char *name, const char *uid)
{
	struct run *r = arg;
	struct touched *t = xcalloc(1, sizeof *t);
	t->kind = xstrdup(kind);
	t->api_version = xstrdup(api_version);
	t->ns = xstrdup(ns);
	t->name = xstrdup(name);
	t->uid = xstrdup(uid ? uid : "");
	vec_push(&r->touched, t);
	post_event(r, t, "Normal", "OpsdeckRunbookStep", "started");
}

/* A step's output with the run's secret values (4 characters or more:
 * shorter ones would hide ordinary text) replaced by "(secret)": a
 * script that echoes one must not show it. */
static void on_output(void *arg, const char *line, size_t len)
{
	struct run *r = arg;
	if (!r->ops.output)
		return;
	struct buf b = BUF_SECRET;
	buf_append(&b, line, len);
	for (size_t i = 0; i < r->plan->values.items.len; i++) {
		const struct rb_value *v = r->plan->values.items.items[i];
		size_t n = v->secret && v->value ? strlen(v->value) : 0;
		if (n < 4)
			continue;
		struct buf out = BUF_INIT;
		const char *p = buf_str(&b), *hit;
		while ((hit = memmem(p, b.len - (size_t)(p - b.data), v->value,
				     n))) {
			buf_append(&out, p, (size_t)(hit - p));
			buf_puts(&out, "(secret)");
			p = hit + n;
		}
		buf_append(&out, p, b.len - (size_t)(p - b.data));
		buf_free(&b);
		b = out;
	}
	r->ops.output(r->arg, r, r->cur, buf_str(&b), b.len);
	buf_free(&b);
}

static void on_confirm(void *arg, const char *instructions)
{
	struct run *r = arg;
	if (r->ops.confirm)
		r->ops.confirm(r->arg, r, r->cur, instructions);
}

/* The current step ended with st; go on or stop. */
static void step_ended(struct run *r, enum step_state st, const char *msg)
{
	size_t i = r->cur;
	if (r->step_timer) {
		loop_timer_cancel(r->step_timer);
		r->step_timer = NULL;
	}
	r->exec = NULL;
	r->sst[i] = st;
	free(r->smsg[i]);
	r->smsg[i] = xstrdup(msg ? msg : "");
	r->send[i] = now_s();
	bool ok = st == STEP_SUCCEEDED;
	for (size_t k = 0; k < r->touched.len; k++)
		post_event(r, r->touched.items[k], ok ? "Normal" : "Warning",
			   ok ? "OpsdeckRunbookStepSucceeded"
			      : "OpsdeckRunbookStepFailed",
			   ok ? "succeeded" : step_state_name(st));
	vec_free(&r->touched, touched_free);
	const struct plan_step *ps = r->plan->steps.items[i];
	if (st == STEP_ABORTED)
		return; /* run_abort goes on */
	if (!ok && !ps->step->continue_on_failure) {
		set_message(r, "step %s %s: %s", ps->step->name,
			    step_state_name(st), r->smsg[i]);
		go(r, RUN_EV_STEP_FAILED);
		return;
	}
	if (!ok)
		r->step_failed_allowed = true;
	save(r, "step");
	changed(r);
	start_step(r, i + 1);
}

static void on_done(void *arg, bool ok, const char *message)
{
	struct run *r = arg;
	step_ended(r, ok ? STEP_SUCCEEDED : STEP_FAILED, message);
}

static void step_timeout(struct loop *l, void *arg)
{
	(void)l;
	struct run *r = arg;
	r->step_timer = NULL;
	const struct plan_step *ps = r->plan->steps.items[r->cur];
	if (r->exec)
		step_cancel(r->exec);
	r->exec = NULL;
	struct buf b = BUF_INIT;
	buf_printf(&b, "no result after %lds", ps->step->timeout_s);
	step_ended(r, STEP_TIMED_OUT, buf_str(&b));
	buf_free(&b);
}

static void start_step(struct run *r, size_t i)
{
	if (i >= r->nsteps) {
		set_message(r, "%s", r->step_failed_allowed
					     ? "finished; a step that may fail "
					       "failed"
					     : "every step succeeded");
		go(r, RUN_EV_STEPS_OK);
		return;
	}
	if (!r->steps_started)
		r->run_timer = loop_timer_add(
			r->loop, (uint64_t)r->rb->timeout_s * 1000, run_timeout,
			r);
	r->steps_started = true;
	r->cur = i;
	const struct plan_step *ps = r->plan->steps.items[i];
	r->sst[i] = STEP_RUNNING;
	r->sstart[i] = now_s();
	set_message(r, "step %zu of %zu: %s", i + 1, r->nsteps, ps->summary);
	save(r, "step");
	changed(r);
	struct step_ctx *ctx = &r->ctx[i % 2];
	*ctx = (struct step_ctx){
		.loop = r->loop,
		.client = r->client,
		.plan = r->plan,
		.ps = ps,
		.arg = r,
		.output = on_output,
		.touched = on_touched,
		.confirm = on_confirm,
		.done = on_done,
	};
	r->step_timer = loop_timer_add(r->loop,
				       (uint64_t)ps->step->timeout_s * 1000,
				       step_timeout, r);
	r->exec = step_start(ctx);
}

void run_confirm_answer(struct run *r, bool proceed, const char *note)
{
	if (r->state == RUN_RUNNING && r->exec)
		step_answer(r->exec, proceed, note ? note : "");
}

/* ---- approval ---------------------------------------------------------------- */

static void begin_steps(struct loop *l, void *arg)
{
	(void)l;
	struct run *r = arg;
	r->start_timer = NULL;
	start_step(r, 0);
}

static void approval_seen(void *arg, enum watch_type type,
			  const struct kube_obj *old,
			  const struct kube_obj *obj)
{
	(void)old;
	struct run *r = arg;
	if (r->state != RUN_WAITING || type == WATCH_DELETED)
		return;
	json_t *d = store_decision_obj(obj);
	if (!d)
		return;
	const char *who = json_string_value(json_object_get(d, "approver"));
	const char *dec = json_string_value(json_object_get(d, "decision"));
	const char *reason = json_string_value(json_object_get(d, "reason"));
	if (str_eq(who, r->operator_)) {
		/* opsdeck approve refuses this; the record says so too. */
		const char *m = "a decision by the requester is not an "
				"approval; waiting for another person";
		if (r->ops.output)
			r->ops.output(r->arg, r, 0, m, strlen(m));
		json_decref(d);
		return;
	}
	r->approver = xstrdup(who ? who : "");
	json_object_set(r->record, "approval", d);
	if (str_eq(dec, "approved")) {
		set_message(r, "approved by %s", who);
		go(r, RUN_EV_APPROVED);
		save(r, "approved");
		/* Not from inside the watch's callback: the steps may
		 * stop the watch. */
		if (r->approval) {
			kube_unwatch(r->approval);
			r->approval = NULL;
		}
		r->start_timer = loop_timer_add(r->loop, 0, begin_steps, r);
	} else {
		set_message(r, "rejected by %s: %s", who,
			    reason && *reason ? reason : "(no reason given)");
		go(r, RUN_EV_REJECTED);
	}
	json_decref(d);
}

static void approval_error(void *arg, const char *message)
{
	struct run *r = arg;
	if (r->ops.output) {
		struct buf b = BUF_INIT;
		buf_printf(&b, "watching for the approval: %s", message);
		r->ops.output(r->arg, r, 0, buf_str(&b), b.len);
		buf_free(&b);
	}
}

static void approval_expired(struct loop *l, void *arg)
{
	(void)l;
	struct run *r = arg;
	r->wait_timer = NULL;
	set_message(r, "no approval within %lds", r->rb->approval_timeout_s);
	go(r, RUN_EV_EXPIRED);
}

static void wait_for_approval(struct run *r)
{
	static const struct kube_watch_ops ops = {
		.changed = approval_seen,
		.error = approval_error,
	};
	struct buf sel = BUF_INIT;
	buf_printf(&sel, STORE_LABEL_KIND "=approval," STORE_LABEL_RUN "=%s",
		   r->run_id);
	struct kube_watch_spec spec = {
		.kind = KUBE_CONFIGMAP,
		.namespace_ = RUN_NAMESPACE,
		.label_selector = buf_str(&sel),
	};
	set_message(r,
		    "waiting for a second person to approve: anyone but %s "
		    "whom the cluster lets create ConfigMaps in namespace "
		    "%s runs `opsdeck approve %s` (or uses the approvals view)",
		    r->operator_, RUN_NAMESPACE, r->run_id);
	go(r, RUN_EV_NEED_APPROVAL);
	save(r, "waiting");
	r->approval = kube_watch(r->client, &spec, &ops, r);
	r->wait_timer = loop_timer_add(
		r->loop, (uint64_t)r->rb->approval_timeout_s * 1000,
		approval_expired, r);
	buf_free(&sel);
}

/* ---- claiming ---------------------------------------------------------------- */

static void record_created(void *arg, enum status st, const char *message,
			   const json_t *obj)
{
	(void)obj;
	struct run *r = arg;
	if (!release(r))
		return;
	if (r->state != RUN_CLAIMING) { /* aborted meanwhile */
		if (st == ST_OK) {
			r->record_made = true;
			save(r, "finished");
		}
		return;
	}
	if (st != ST_OK) {
		refuse(r, "the run record could not be written: %s", message);
		return;
	}
	r->record_made = true;
	r->beat_timer = loop_timer_add(r->loop, STORE_HEARTBEAT_S * 1000,
				       heartbeat, r);
	if (r->plan->gate == APPROVAL_SECOND_PERSON) {
		wait_for_approval(r);
		return;
	}
	set_message(r, "running");
	go(r, RUN_EV_CLAIMED);
	start_step(r, 0);
}

/* The record's fixed part: the plan and who, where, when. */
static void record_new(struct run *r)
{
	json_t *rec = plan_json(r->plan);
	char host[256] = "";
	gethostname(host, sizeof host - 1);
	json_object_del(rec, "runId");
	json_object_set_new(rec, "id", json_string(r->run_id));
	json_object_set_new(rec, "started", time_json(now_s()));
	json_object_set_new(rec, "host", json_string(host));
	json_object_set_new(rec, "pid", json_integer((json_int_t)getpid()));
	json_object_set_new(rec, "approver", json_null());
	r->record = rec;
}

static void make_record(struct run *r)
{
	record_new(r);
	/* The state written first is where the run is going. */
	enum run_state keep = r->state;
	r->state = r->plan->gate == APPROVAL_SECOND_PERSON ? RUN_WAITING
							   : RUN_RUNNING;
	record_refresh(r);
	r->state = keep;
	struct buf text = BUF_INIT;
	plan_text(r->plan, &text);
	hold(r);
	store_record_create(r->client, r->record, buf_str(&text),
			    record_created, r);
	buf_free(&text);
	struct err e = {0};
	if (audit_log_append(r->audit_path, "started", r->record, &e) !=
		    ST_OK &&
	    r->ops.output)
		r->ops.output(r->arg, r, 0, e.msg, strlen(e.msg));
}

static void claimed(void *arg, enum status st, const char *message,
		    const json_t *obj)
{
	(void)obj;
	struct run *r = arg;
	if (!release(r))
		return;
	r->once_busy = false;
	if (st == ST_OK)
		r->claimed = true;
	if (r->state != RUN_CLAIMING) { /* aborted meanwhile */
		if (r->claimed)
			give_back_once(r);
		else if (run_settled(r))
			changed(r);
		return;
	}
	if (st != ST_OK) {
		refuse(r, "%s", message);
		return;
	}
	make_record(r);
}

bool run_gate_answer(struct run *r, const char *typed, struct buf *why)
{
	if (r->state != RUN_CONFIRMING) {
		if (why)
			buf_printf(why, "the run is %s, not waiting for a "
					"confirmation",
				   run_state_name(r->state));
		return false;
	}
	if (!typed) {
		set_message(r, "not confirmed: nothing was done");
		go(r, RUN_EV_ABORT);
		return true;
	}
	if (r->plan->gate == APPROVAL_CONFIRM && strcmp(typed, r->env->name)) {
		if (why)
			buf_printf(why, "type the environment's name (%s) to "
					"proceed",
				   r->env->name);
		return false;
	}
	go(r, RUN_EV_GATE_OK);
	if (r->plan->once_key) {
		hold(r);
		r->once_busy = true; /* until the claim's answer: maybe a
					key to give back */
		store_claim_once(r->client, r->plan->once_key, r->run_id,
				 r->rb->name, r->operator_, claimed, r);
	} else {
		make_record(r);
	}
	return true;
}

/* ---- preparing ----------------------------------------------------------------- */

static void planned(struct run *r)
{
	if (r->missing.len) {
		refuse(r, "refused before anything ran: %s",
		       buf_str(&r->missing));
		return;
	}
	set_message(r, "%s", r->plan->gate == APPROVAL_CONFIRM
				     ? "confirm: type the environment's name"
				     : "ready");
	go(r, RUN_EV_PLANNED);
	if (r->ops.gate && r->state == RUN_CONFIRMING)
		r->ops.gate(r->arg, r);
}

struct question {
	struct run *r;
	const struct plan_access *a;
};

static void can_i_done(void *arg, bool allowed, const char *reason,
		       const struct kube_response *resp)
{
	struct question *q = arg;
	struct run *r = q->r;
	const struct plan_access *a = q->a;
	free(q);
	if (!release(r))
		return;
	if (!allowed) {
		if (r->missing.len)
			buf_puts(&r->missing, "; ");
		if (resp && resp->code != ST_OK)
			buf_printf(&r->missing, "could not ask whether %s may "
						"%s %s: %s",
				   r->operator_, a->verb, a->resource,
				   resp->message ? resp->message : "");
		else {
			buf_printf(&r->missing, "%s may not %s %s%s%s%s%s",
				   r->operator_, a->verb, a->resource,
				   a->subresource && *a->subresource ? "/" : "",
				   a->subresource ? a->subresource : "",
				   a->name && *a->name ? " " : "",
				   a->name ? a->name : "");
			if (a->group && *a->group)
				buf_printf(&r->missing, " (API group %s)",
					   a->group);
			buf_printf(&r->missing, " %s%s (%s)",
				   a->namespace_ && *a->namespace_
					   ? "in namespace "
					   : "cluster-wide",
				   a->namespace_ ? a->namespace_ : "", a->why);
		}
		(void)reason;
	}
	if (--r->asking == 0 && r->state == RUN_PREPARING)
		planned(r);
}

static void ask_permissions(struct run *r)
{
	struct vec all = VEC_INIT;
	plan_permissions(r->plan, &all);
	r->asking = all.len;
	if (!all.len) {
		vec_free(&all, NULL);
		planned(r);
		return;
	}
	/* Count first, then ask: answers may come back at once. */
	hold(r);
	for (size_t i = 0; i < all.len; i++) {
		const struct plan_access *a = all.items[i];
		struct kube_access q = {
			.verb = a->verb,
			.group = a->group ? a->group : "",
			.resource = a->resource,
			.subresource = a->subresource && *a->subresource
					       ? a->subresource
					       : NULL,
			.namespace_ = a->namespace_ && *a->namespace_
					      ? a->namespace_
					      : NULL,
			.name = a->name && *a->name ? a->name : NULL,
		};
		struct question *qq = xcalloc(1, sizeof *qq);
		qq->r = r;
		qq->a = a;
		hold(r);
		kube_can_i(r->client, &q, can_i_done, qq);
	}
	vec_free(&all, NULL);
	release(r);
}

static const struct vec *live_choices(void *arg, const struct rb_var *v)
{
	struct run *r = arg;
	for (size_t i = 0; i < r->live.len; i++) {
		struct live_list *ll = r->live.items[i];
		if (ll->var == v)
			return &ll->names;
	}
	return NULL;
}

static void build_plan(struct run *r)
{
	struct buf problems = BUF_INIT;
	/* Live choices: each given value must be one of the options now. */
	for (size_t i = 0; i < r->rb->vars.len; i++) {
		const struct rb_var *v = r->rb->vars.items[i];
		const char *val = rb_values_get(&r->values, v->name);
		if (v->type != RB_VAR_CHOICE || v->source == RB_CHOICES_STATIC ||
		    !val)
			continue;
		struct err e = {0};
		char *canon = NULL;
		if (rb_var_check(v, val, live_choices, r, &canon, &e) != ST_OK)
			buf_printf(&problems, "%s%s", problems.len ? "; " : "",
				   e.msg);
		free(canon);
	}
	if (problems.len) {
		refuse(r, "%s", buf_str(&problems));
		buf_free(&problems);
		return;
	}
	struct kube_identity op = {
		.username = r->operator_,
		.groups = (const char *const *)r->groups.items,
		.ngroups = r->groups.len,
		.from_server = true,
	};
	if (plan_build(r->rb, r->commit, r->env, r->cell, &r->values,
		       r->run_id, &op, &r->plan, &problems) != ST_OK) {
		refuse(r, "the plan cannot be made: %s", buf_str(&problems));
		buf_free(&problems);
		return;
	}
	buf_free(&problems);
	r->nsteps = r->plan->steps.len;
	r->sst = xcalloc(r->nsteps ? r->nsteps : 1, sizeof *r->sst);
	r->smsg = xcalloc(r->nsteps ? r->nsteps : 1, sizeof *r->smsg);
	r->sstart = xcalloc(r->nsteps ? r->nsteps : 1, sizeof *r->sstart);
	r->send = xcalloc(r->nsteps ? r->nsteps : 1, sizeof *r->send);
	changed(r);
	struct buf why = BUF_INIT;
	if (!policy_allows(r->policy, &op, r->rb->name, r->env->name, &why)) {
		refuse(r, "%s", buf_str(&why));
		buf_free(&why);
		return;
	}
	buf_free(&why);
	ask_permissions(r);
}

static void listed(struct kube_client *c, const struct kube_response *resp,
		   void *arg)
{
	(void)c;
	struct live_list *ll = arg;
	struct run *r = ll->r;
	if (!release(r))
		return;
	if (resp->code == ST_OK) {
		size_t i;
		json_t *it;
		json_array_foreach(json_object_get(resp->json, "items"), i,
				   it) {
			const char *n = json_string_value(json_object_get(
				json_object_get(it, "metadata"), "name"));
			if (n)
				vec_push(&ll->names, xstrdup(n));
		}
	} else if (r->state == RUN_PREPARING) {
		refuse(r, "the options of %s cannot be listed: %s",
		       ll->var->name, resp->message);
		return;
	}
	if (--r->live_out == 0 && r->state == RUN_PREPARING)
		build_plan(r);
}

static void fill_live(struct run *r)
{
	const char *ns = r->cell ? r->cell->namespace_ : NULL;
	struct vec asks = VEC_INIT;
	for (size_t i = 0; i < r->rb->vars.len; i++) {
		const struct rb_var *v = r->rb->vars.items[i];
		if (v->type != RB_VAR_CHOICE || v->source == RB_CHOICES_STATIC)
			continue;
		struct live_list *ll = xcalloc(1, sizeof *ll);
		ll->r = r;
		ll->var = v;
		vec_push(&r->live, ll);
		if (v->source == RB_CHOICES_SERVICES) {
			for (size_t k = 0; k < r->model->services.len; k++) {
				const struct model_service *s =
					r->model->services.items[k];
				vec_push(&ll->names, xstrdup(s->name));
			}
		} else if (v->source == RB_CHOICES_TENANTS) {
			for (size_t k = 0; k < r->model->tenants.len; k++) {
				const struct model_tenant *t =
					r->model->tenants.items[k];
				vec_push(&ll->names, xstrdup(t->name));
			}
		} else {
			vec_push(&asks, ll);
		}
	}
	r->live_out = asks.len;
	if (!asks.len) {
		vec_free(&asks, NULL);
		build_plan(r);
		return;
	}
	hold(r);
	for (size_t i = 0; i < asks.len; i++) {
		struct live_list *ll = asks.items[i];
		struct buf path = BUF_INIT;
		kube_kind_path(&path,
			       ll->var->source == RB_CHOICES_PODS
				       ? KUBE_POD
				       : KUBE_DEPLOYMENT,
			       ns);
		hold(r);
		kube_get(r->client, buf_str(&path), listed, ll);
		buf_free(&path);
	}
	vec_free(&asks, NULL);
	release(r);
}

static void whoami_done(void *arg, const struct kube_identity *id,
			const struct kube_response *resp)
{
	struct run *r = arg;
	if (!release(r))
		return;
	if (r->state != RUN_PREPARING)
		return;
	if (!id) {
		refuse(r, "cannot tell who you are on %s: %s",
		       r->env->cluster, resp && resp->message ? resp->message
							      : "no answer");
		return;
	}
	r->operator_ = xstrdup(id->username);
	for (size_t i = 0; i < id->ngroups; i++)
		vec_push(&r->groups, xstrdup(id->groups[i]));
	fill_live(r);
}

static void begin(struct loop *l, void *arg)
{
	(void)l;
	struct run *r = arg;
	r->start_timer = NULL;
	hold(r);
	kube_whoami(r->client, whoami_done, r);
}

static void run_timeout(struct loop *l, void *arg)
{
	(void)l;
	struct run *r = arg;
	r->run_timer = NULL;
	struct buf b = BUF_INIT;
	buf_printf(&b, "the run took longer than its timeout (%lds)",
		   r->rb->timeout_s);
	run_abort(r, buf_str(&b));
	buf_free(&b);
}

struct run *run_start(const struct run_opts *o, const struct run_ops *ops,
		      void *arg)
{
	struct run *r = xcalloc(1, sizeof *r);
	r->loop = o->loop;
	r->client = o->client;
	r->rb = o->rb;
	r->commit = xstrdup(o->commit ? o->commit : "");
	r->model = o->model;
	r->env = o->env;
	r->cell = o->cell;
	r->policy = o->policy;
	r->audit_path = o->audit_path ? xstrdup(o->audit_path) : NULL;
	r->ops = *ops;
	r->arg = arg;
	r->state = RUN_PREPARING;
	if (o->values) {
		r->values = *o->values;
		*o->values = (struct rb_values)RB_VALUES_INIT;
	}
	plan_new_run_id(r->run_id);
	set_message(r, "checking who you are, the policy and your "
		       "permissions");
	r->start_timer = loop_timer_add(r->loop, 0, begin, r);
	return r;
}

void run_abort(struct run *r, const char *reason)
{
	if (run_state_final(r->state))
		return;
	set_message(r, "%s", reason ? reason : "by the operator");
	if (r->state == RUN_RUNNING && r->exec) {
		step_cancel(r->exec);
		r->exec = NULL;
		step_ended(r, STEP_ABORTED, reason ? reason : "aborted");
		set_message(r, "%s", reason ? reason : "by the operator");
	}
	go(r, RUN_EV_ABORT);
}

static void live_free(void *p)
{
	struct live_list *ll = p;
	vec_free(&ll->names, free);
	free(ll);
}

void run_free(struct run *r)
{
	if (!r)
		return;
	if (!run_state_final(r->state))
		run_abort(r, "opsdeck closed the run");
	stop_timers(r);
	if (r->exec)
		step_cancel(r->exec);
	r->exec = NULL;
	vec_free(&r->touched, touched_free);
	plan_free(r->plan);
	r->plan = NULL;
	rb_values_free(&r->values);
	json_decref(r->record);
	r->record = NULL;
	buf_free(&r->message);
	buf_free(&r->missing);
	vec_free(&r->groups, free);
	vec_free(&r->live, live_free);
	for (size_t i = 0; i < r->nsteps; i++)
		free(r->smsg[i]);
	free(r->smsg);
	free(r->sst);
	free(r->sstart);
	free(r->send);
	free(r->operator_);
	free(r->approver);
	free(r->commit);
	free(r->audit_path);
	r->freed = true;
	if (r->refs == 0)
		free(r);
}

enum run_state run_state(const struct run *r)
{
	return r->state;
}

const char *run_id(const struct run *r)
{
	return r->run_id;
}

const char *run_message(const struct run *r)
{
	return buf_str(&r->message);
}

const struct plan *run_plan(const struct run *r)
{
	return r->plan;
}

size_t run_nsteps(const struct run *r)
{
	return r->nsteps;
}

enum step_state run_step_state(const struct run *r, size_t i)
{
	return i < r->nsteps ? r->sst[i] : STEP_PENDING;
}

const char *run_step_message(const struct run *r, size_t i)
{
	return i < r->nsteps && r->smsg[i] ? r->smsg[i] : "";
}

const json_t *run_record(const struct run *r)
{
	return r->record;
}

const char *run_approver(const struct run *r)
{
	return r->approver;
}

bool run_settled(const struct run *r)
{
	return run_state_final(r->state) && (r->settled || !r->writing) &&
	       !r->once_busy;
}
