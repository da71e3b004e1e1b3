/*
 * The console's runs and the clusters' run records (runs.h).
 *
 * Runs: each run started here is a struct runs_run holding the engine's
 * struct run, a ring of its last output lines and the question it waits
 * for. The engine's callbacks land here, whatever view is on screen: they
 * record what happened, bump the run's version and ask for a frame; the
 * run view reads it all back when it draws. Runs live until the console
 * ends (a finished run is still worth opening from the runbooks view).
 *
 * Records: the first view that wants them starts one ConfigMap watch per
 * cluster (namespace RUN_NAMESPACE, opsdeck's label), kept for the rest
 * of the session with no callbacks of its own; views join it (one
 * reflector, one list and watch per cluster however many views look) and
 * turn its objects into struct runs_rec copies when they redraw. The
 * local audit log (runbook/audit.h) is folded to one record per run and
 * turned into the same rows by the same code (rec_new), read when a view
 * asks: runs_changes tells it when this console's runs wrote to it. The
 * fold is kept for the session, so each read parses only the lines
 * appended since the one before.
 */
#include "ui/runs.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/str.h"
#include "kube/objects.h"
#include "model/session.h"
#include "runbook/audit.h"
#include "runbook/catalog.h"
#include "runbook/plan.h"
#include "runbook/store.h"
#include "ui/app.h"

struct out_line {
	size_t step;
	char *text;
	size_t len;
};

struct runs_run {
	struct runs *rs;
	struct run *run;
	const struct runbook *rb;
	struct model_env *env;
	struct model_cell *cell;
	uint64_t version;
	enum run_state last; /* the state last seen, to tell changes */
	struct out_line ring[RUNS_OUTPUT_MAX];
	uint64_t first, end; /* sequence numbers of the kept lines */
	enum runs_ask ask;
	size_t ask_step;
	char *instructions;
};

struct runs {
	struct app *app;
	struct vec runs;    /* struct runs_run *, oldest first */
	struct vec watches; /* struct kube_watch * per cluster index, or NULL */
	struct vec asked;   /* struct kube_client *: whoami asked */
	uint64_t changes;   /* runs_changes */
	bool winding;	    /* runs_wind_down is waiting */
	struct loop_timer *wind_timer;
	/* the local audit log, folded for the session (runs_local) */
	struct audit_fold *local;
};

struct runs *runs_new(struct app *a)
{
	struct runs *rs = xcalloc(1, sizeof *rs);
	rs->app = a;
	return rs;
}

static void runs_run_free(void *p)
{
	struct runs_run *rr = p;
	run_free(rr->run);
	for (uint64_t s = rr->first; s < rr->end; s++)
		free(rr->ring[s % RUNS_OUTPUT_MAX].text);
	free(rr->instructions);
	free(rr);
}

void runs_free(struct runs *rs)
{
	if (!rs)
		return;
	vec_free(&rs->runs, runs_run_free);
	for (size_t i = 0; i < rs->watches.len; i++)
		if (rs->watches.items[i])
			kube_unwatch(rs->watches.items[i]);
	vec_free(&rs->watches, NULL);
	vec_free(&rs->asked, NULL);
	audit_fold_free(rs->local);
	free(rs);
}

/* ---- the engine's callbacks ---------------------------------------------- */

static bool all_settled(const struct runs *rs)
{
	for (size_t i = 0; i < rs->runs.len; i++) {
		const struct runs_run *rr = rs->runs.items[i];
		if (rr->run && !run_settled(rr->run))
			return false;
	}
	return true;
}

static void touched(struct runs_run *rr)
{
	rr->version++;
	app_dirty(rr->rs->app);
}

static void on_changed(void *arg, struct run *r)
{
	struct runs_run *rr = arg;
	enum run_state st = run_state(r);
	/* a question the run no longer waits for is gone */
	if (rr->ask == RUNS_ASK_GATE && st != RUN_CONFIRMING)
		rr->ask = RUNS_ASK_NONE;
	if (rr->ask == RUNS_ASK_CONFIRM &&
	    (st != RUN_RUNNING ||
	     run_step_state(r, rr->ask_step) != STEP_RUNNING))
		rr->ask = RUNS_ASK_NONE;
	if (st != rr->last && run_state_final(st))
		app_message(rr->rs->app, runs_state_role(run_state_name(st)),
			    "run %s (%s in %s) %s: %s", run_id(r), rr->rb->name,
			    rr->env->name, run_state_name(st), run_message(r));
	else if (st != rr->last && st == RUN_WAITING)
		app_message(rr->rs->app, ROLE_WARNING,
			    "run %s waits for a second person's approval",
			    run_id(r));
	rr->last = st;
	rr->rs->changes++;
	touched(rr);
	if (rr->rs->winding && all_settled(rr->rs))
		loop_quit(app_loop(rr->rs->app), 0);
}

static void on_output(void *arg, struct run *r, size_t step, const char *line,
		      size_t len)
{
	(void)r;
	struct runs_run *rr = arg;
	if (rr->end - rr->first == RUNS_OUTPUT_MAX) {
		free(rr->ring[rr->first % RUNS_OUTPUT_MAX].text);
		rr->first++;
	}
	struct out_line *o = &rr->ring[rr->end % RUNS_OUTPUT_MAX];
	size_t n = len;
	if (n > RUNS_LINE_MAX) {
		/* never cut inside a UTF-8 sequence */
		n = RUNS_LINE_MAX;
		while (n && ((unsigned char)line[n] & 0xc0) == 0x80)
			n--;
	}
	o->step = step;
	o->text = xstrndup(line ? line : "", n);
	o->len = strlen(o->text);
	rr->end++;
	touched(rr);
}

static void on_gate(void *arg, struct run *r)
{
	struct runs_run *rr = arg;
	rr->ask = RUNS_ASK_GATE;
	/* the run view asks when it is on screen; elsewhere, say so */
	app_message(rr->rs->app, ROLE_WARNING,
		    "run %s of %s waits for you to confirm it (its run view "
		    "asks)",
		    run_id(r), rr->rb->name);
	touched(rr);
}

static void on_confirm(void *arg, struct run *r, size_t step,
		       const char *instructions)
{
	struct runs_run *rr = arg;
	rr->ask = RUNS_ASK_CONFIRM;
	rr->ask_step = step;
	free(rr->instructions);
	rr->instructions = xstrdup(instructions ? instructions : "");
	app_message(rr->rs->app, ROLE_WARNING,
		    "run %s: step %zu waits for you (its run view asks)",
		    run_id(r), step + 1);
	touched(rr);
}

static const struct run_ops engine_ops = {
    .changed = on_changed,
    .output = on_output,
    .gate = on_gate,
    .confirm = on_confirm,
};

/* ---- runs of this console ------------------------------------------------ */

struct runs_run *runs_start(struct runs *rs, const struct runbook *rb,
			    struct model_env *env, struct model_cell *cell,
			    struct rb_values *vals, struct buf *why)
{
	struct session *s = app_session(rs->app);
	const struct catalog *cat = session_catalog(s);
	struct model *m = app_model(rs->app);
	if (!cat || !m) {
		buf_puts(why, "the runbooks are not loaded (the status line "
			      "says why)");
		rb_values_free(vals);
		return NULL;
	}
	struct kube_client *c = session_client(s, env->cluster);
	if (!c) {
		buf_printf(why, "no connection to cluster %s", env->cluster);
		rb_values_free(vals);
		return NULL;
	}
	struct runs_run *rr = xcalloc(1, sizeof *rr);
	rr->rs = rs;
	rr->rb = rb;
	rr->env = env;
	rr->cell = cell;
	rr->last = RUN_PREPARING;
	struct run_opts o = {
	    .loop = app_loop(rs->app),
	    .client = c,
	    .rb = rb,
	    .commit = cat->commit_hex,
	    .model = m,
	    .env = env,
	    .cell = cell,
	    .policy = cat->policy,
	    .values = vals,
	};
	rr->run = run_start(&o, &engine_ops, rr);
	vec_push(&rs->runs, rr);
	rs->changes++;
	return rr;
}

size_t runs_count(const struct runs *rs)
{
	return rs->runs.len;
}

struct runs_run *runs_at(const struct runs *rs, size_t i)
{
	return i < rs->runs.len ? rs->runs.items[i] : NULL;
}

struct runs_run *runs_find(const struct runs *rs, const char *id)
{
	for (size_t i = 0; id && i < rs->runs.len; i++) {
		struct runs_run *rr = rs->runs.items[i];
		if (!strcmp(run_id(rr->run), id))
			return rr;
	}
	return NULL;
}

size_t runs_active(const struct runs *rs)
{
	size_t n = 0;
	for (size_t i = 0; i < rs->runs.len; i++) {
		const struct runs_run *rr = rs->runs.items[i];
		if (!run_state_final(run_state(rr->run)))
			n++;
	}
	return n;
}

struct run *runs_run(const struct runs_run *rr)
{
	return rr->run;
}

const struct runbook *runs_runbook(const struct runs_run *rr)
{
	return rr->rb;
}

struct model_env *runs_env(const struct runs_run *rr)
{
	return rr->env;
}

struct model_cell *runs_cell(const struct runs_run *rr)
{
	return rr->cell;
}

uint64_t runs_version(const struct runs_run *rr)
{
	return rr->version;
}

uint64_t runs_changes(const struct runs *rs)
{
	return rs->changes;
}

uint64_t runs_output_first(const struct runs_run *rr)
{
	return rr->first;
}

uint64_t runs_output_end(const struct runs_run *rr)
{
	return rr->end;
}

bool runs_output_line(const struct runs_run *rr, uint64_t seq, size_t *step,
		      const char **text, size_t *len)
{
	if (seq < rr->first || seq >= rr->end)
		return false;
	const struct out_line *o = &rr->ring[seq % RUNS_OUTPUT_MAX];
	*step = o->step;
	*text = o->text;
	*len = o->len;
	return true;
}

enum runs_ask runs_asking(const struct runs_run *rr, size_t *step,
			  const char **instructions)
{
	if (step)
		*step = rr->ask_step;
	if (instructions)
		*instructions = rr->instructions ? rr->instructions : "";
	return rr->ask;
}

void runs_confirm(struct runs_run *rr, bool proceed, const char *note)
{
	if (rr->ask != RUNS_ASK_CONFIRM)
		return;
	rr->ask = RUNS_ASK_NONE;
	run_confirm_answer(rr->run, proceed, note);
	touched(rr);
}

static void wind_timeout(struct loop *l, void *arg)
{
	struct runs *rs = arg;
	rs->wind_timer = NULL;
	loop_quit(l, 0);
}

bool runs_wind_down(struct runs *rs, const char *reason, uint64_t max_ms)
{
	for (size_t i = 0; i < rs->runs.len; i++) {
		struct runs_run *rr = rs->runs.items[i];
		if (!run_state_final(run_state(rr->run)))
			run_abort(rr->run, reason);
	}
	if (all_settled(rs))
		return true;
	struct loop *l = app_loop(rs->app);
	rs->wind_timer = loop_timer_add(l, max_ms, wind_timeout, rs);
	rs->winding = true;
	app_message(rs->app, ROLE_WARNING,
		    "recording the aborted runs in their clusters "
		    "(Q again: do not wait)");
	app_frame_now(rs->app);
	loop_run(l);
	rs->winding = false;
	if (rs->wind_timer)
		loop_timer_cancel(rs->wind_timer);
	rs->wind_timer = NULL;
	return all_settled(rs);
}

/* ---- records in the clusters --------------------------------------------- */

static const struct kube_watch_ops no_ops = {0};

void runs_join(struct runs *rs, const struct kube_watch_ops *ops, void *arg,
	       struct vec *out)
{
	struct session *s = app_session(rs->app);
	size_t n = session_model(s) ? session_nclusters(s) : 0;
	while (rs->watches.len < n)
		vec_push(&rs->watches, NULL);
	for (size_t i = 0; i < n; i++) {
		const struct session_cluster *sc = session_cluster(s, i);
		if (!sc->client) {
			vec_push(out, NULL);
			continue;
		}
		if (!rs->watches.items[i]) {
			struct kube_watch_spec spec = {
			    .kind = KUBE_CONFIGMAP,
			    .namespace_ = RUN_NAMESPACE,
			    .label_selector = STORE_LABEL_MANAGED "=opsdeck",
			};
			rs->watches.items[i] =
			    kube_watch(sc->client, &spec, &no_ops, rs);
		}
		vec_push(out, kube_watch_join(rs->watches.items[i], ops, arg));
	}
}

void runs_rec_free(void *p)
{
	struct runs_rec *r = p;
	if (!r)
		return;
	char **fields[] = {
	    &r->id,	&r->runbook,   &r->title,    &r->env,	&r->service,
	    &r->tenant, &r->operator_, &r->approver, &r->state, &r->started,
	    &r->ended,	&r->message,   &r->gate,     &r->plan};
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		free(*fields[i]);
	json_decref(r->record);
	json_decref(r->decision);
	free(r);
}

static char *jdup(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return xstrdup(s ? s : "");
}

/* The context name of watch w (the session's string). */
static const char *context_of(struct runs *rs, const struct kube_watch *w)
{
	struct session *s = app_session(rs->app);
	struct kube_client *c = kube_watch_client(w);
	for (size_t i = 0; i < session_nclusters(s); i++) {
		const struct session_cluster *sc = session_cluster(s, i);
		if (sc->client == c)
			return sc->context;
	}
	return "";
}

/* The decision that counts for run id in w: the first approval object by
 * someone other than the requester (a requester's own is no approval). */
static json_t *decision_of(const struct kube_watch *w, const char *id,
			   const char *operator_)
{
	size_t pos = 0;
	const struct kube_obj *o;
	while (kube_watch_next(w, &pos, &o)) {
		if (!str_eq(kobj_label(o, STORE_LABEL_KIND), "approval") ||
		    !str_eq(kobj_cm_data(o, "run"), id))
			continue;
		json_t *d = store_decision_obj(o);
		if (d &&
		    !str_eq(json_string_value(json_object_get(d, "approver")),
			    operator_))
			return d;
		json_decref(d);
	}
	return NULL;
}

static const char *operator_of(const json_t *rec)
{
	const char *s = json_string_value(
	    json_object_get(json_object_get(rec, "operator"), "username"));
	return s ? s : "";
}

static const char *id_of(const json_t *rec)
{
	const char *s = json_string_value(json_object_get(rec, "id"));
	if (!s || !*s)
		s = json_string_value(json_object_get(rec, "runId"));
	return s ? s : "";
}

/* The row of one record (taken), from either source: what the views show
 * of it, its effective state, the approver (the record's, else the
 * deciding one's: decision, taken, may be NULL) and whether it is mine. */
static struct runs_rec *rec_new(struct runs *rs, json_t *rec,
				const char *cluster, json_t *decision)
{
	struct runs_rec *r = xcalloc(1, sizeof *r);
	r->record = rec;
	r->cluster = cluster;
	r->decision = decision;
	r->id = xstrdup(id_of(rec));
	r->runbook = jdup(rec, "runbook");
	r->title = jdup(rec, "title");
	r->env = jdup(rec, "environment");
	r->service = jdup(rec, "service");
	r->tenant = jdup(rec, "tenant");
	r->operator_ = xstrdup(operator_of(rec));
	r->started = jdup(rec, "started");
	r->ended = jdup(rec, "ended");
	r->message = jdup(rec, "message");
	r->gate = jdup(rec, "gate");
	r->started_at = kube_parse_time(r->started);
	r->state = xstrdup(store_effective_state(rec, app_now(rs->app)));
	const char *ap = json_string_value(json_object_get(rec, "approver"));
	if ((!ap || !*ap) && decision)
		ap = json_string_value(json_object_get(decision, "approver"));
	r->approver = xstrdup(ap ? ap : "");
	const struct kube_identity *me = runs_identity(rs, r->cluster);
	r->mine = me && str_eq(me->username, r->operator_);
	return r;
}

static void set(char **field, const char *value)
{
	free(*field);
	*field = xstrdup(value ? value : "");
}

/* A record from a run ConfigMap; NULL when o is not one. A record that
 * does not parse still makes a row (an auditor must see it exists). */
static struct runs_rec *rec_of(struct runs *rs, const struct kube_watch *w,
			       const struct kube_obj *o)
{
	if (!str_eq(kobj_label(o, STORE_LABEL_KIND), "run"))
		return NULL;
	json_t *rec = store_record_of_obj(o);
	struct runs_rec *r;
	if (rec) {
		r = rec_new(rs, rec, context_of(rs, w),
			    decision_of(w, id_of(rec), operator_of(rec)));
	} else {
		/* what the labels tell */
		r = rec_new(rs, json_object(), context_of(rs, w), NULL);
		const char *id = kobj_label(o, STORE_LABEL_RUN);
		if (!id)
			id = str_has_prefix(o->name, "run-") ? o->name + 4
							     : o->name;
		set(&r->id, id);
		set(&r->runbook, kobj_label(o, "opsdeck.io/runbook"));
		set(&r->env, kobj_label(o, "opsdeck.io/environment"));
		set(&r->state, "unreadable");
		set(&r->message, "the record in the cluster does not parse");
	}
	const char *plan = kobj_cm_data(o, "plan");
	r->plan = plan ? xstrdup(plan) : NULL;
	return r;
}

static int newest_first(const void *a, const void *b)
{
	const struct runs_rec *x = *(struct runs_rec *const *)a,
			      *y = *(struct runs_rec *const *)b;
	int c = strcmp(y->id, x->id); /* ids sort by their start time */
	return c ? c : strcmp(x->cluster, y->cluster);
}

void runs_records(struct runs *rs, const struct vec *watches, struct vec *out)
{
	for (size_t i = 0; i < watches->len; i++) {
		const struct kube_watch *w = watches->items[i];
		if (!w)
			continue;
		size_t pos = 0;
		const struct kube_obj *o;
		while (kube_watch_next(w, &pos, &o)) {
			struct runs_rec *r = rec_of(rs, w, o);
			if (r)
				vec_push(out, r);
		}
	}
	vec_sort(out, newest_first);
}

struct runs_rec *runs_record(struct runs *rs, const struct kube_watch *w,
			     const char *run_id)
{
	if (!w || !run_id)
		return NULL;
	struct buf name = BUF_INIT;
	buf_printf(&name, "run-%s", run_id);
	const struct kube_obj *o =
	    kube_watch_get(w, RUN_NAMESPACE, buf_str(&name));
	buf_free(&name);
	return o ? rec_of(rs, w, o) : NULL;
}

/* The context a local record names, as the session's string (a view may
 * keep it after the row is gone); the record's own, valid while the row
 * is, when the session has no such context (a cluster this repo no
 * longer names). */
static const char *local_context(struct runs *rs, const json_t *rec)
{
	const char *name = json_string_value(json_object_get(rec, "cluster"));
	struct session *s = app_session(rs->app);
	for (size_t i = 0; name && i < session_nclusters(s); i++) {
		const struct session_cluster *sc = session_cluster(s, i);
		if (str_eq(sc->context, name))
			return sc->context;
	}
	return name ? name : "";
}

enum status runs_local(struct runs *rs, struct vec *out, size_t *bad,
		       struct err *e)
{
	/* one fold for the session: each look parses only the lines
	 * written since the last */
	if (!rs->local)
		rs->local = audit_fold_new(NULL);
	enum status st = audit_fold_update(rs->local, e);
	*bad = audit_fold_bad(rs->local);
	if (st != ST_OK)
		return st;
	json_t *recs = audit_fold_records(rs->local);
	size_t i;
	json_t *rec;
	json_array_foreach(recs, i, rec)
	{
		/* a run that reached its approval carries the decision */
		json_t *d = json_object_get(rec, "approval");
		struct runs_rec *r =
		    rec_new(rs, json_incref(rec), local_context(rs, rec),
			    json_is_object(d) ? json_incref(d) : NULL);
		r->local = true;
		vec_push(out, r);
	}
	json_decref(recs);
	vec_sort(out, newest_first);
	return ST_OK;
}

enum role runs_state_role(const char *state)
{
	static const struct {
		const char *state;
		enum role role;
	} roles[] = {
	    {"succeeded", ROLE_OK},
	    {"failed", ROLE_ERROR},
	    {"refused", ROLE_ERROR},
	    {"rejected", ROLE_ERROR},
	    {"expired", ROLE_ERROR},
	    {"interrupted", ROLE_ERROR},
	    {"unreadable", ROLE_ERROR},
	    {"aborted", ROLE_WARNING},
	    {"waiting-approval", ROLE_WARNING},
	    {"confirming", ROLE_WARNING},
	    {"preparing", ROLE_PROGRESSING},
	    {"claiming", ROLE_PROGRESSING},
	    {"running", ROLE_PROGRESSING},
	};
	for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
		if (str_eq(state, roles[i].state))
			return roles[i].role;
	return ROLE_UNKNOWN;
}

/* ---- who I am, and decisions --------------------------------------------- */

static void whoami_known(void *arg, const struct kube_identity *id,
			 const struct kube_response *r)
{
	(void)id, (void)r;
	struct runs *rs = arg;
	app_dirty(rs->app); /* "yours" marks may change */
}

const struct kube_identity *runs_identity(struct runs *rs, const char *context)
{
	struct kube_client *c =
	    context ? session_client(app_session(rs->app), context) : NULL;
	if (!c)
		return NULL;
	const struct kube_identity *id = kube_identity_known(c);
	if (id)
		return id;
	for (size_t i = 0; i < rs->asked.len; i++)
		if (rs->asked.items[i] == c)
			return NULL;
	vec_push(&rs->asked, c);
	kube_whoami(c, whoami_known, rs);
	return NULL;
}

struct decision {
	struct runs *rs;
	struct kube_client *c;
	char *run_id, *reason;
	bool approve;
};

static void decision_free(struct decision *d)
{
	free(d->run_id);
	free(d->reason);
	free(d);
}

static void decided(void *arg, enum status st, const char *message,
		    const json_t *obj)
{
	(void)obj;
	struct decision *d = arg;
	struct app *a = d->rs->app;
	if (st == ST_OK)
		app_message(a, ROLE_OK, "%s run %s%s",
			    d->approve ? "approved" : "rejected", d->run_id,
			    d->approve ? ": it starts on its operator's opsdeck"
				       : "");
	else if (st == ST_ERR_FORBIDDEN)
		app_message(a, ROLE_ERROR,
			    "the cluster does not let you %s: %s",
			    d->approve ? "approve" : "reject", message);
	else if (st == ST_ERR_EXISTS)
		app_message(a, ROLE_ERROR, "%s", message);
	else
		app_message(a, ROLE_ERROR, "could not %s run %s: %s",
			    d->approve ? "approve" : "reject", d->run_id,
			    message);
	decision_free(d);
}

static void decide_as(struct decision *d, const struct kube_identity *id)
{
	store_decide(d->c, d->run_id, d->approve, id, d->reason, decided, d);
}

static void decide_whoami(void *arg, const struct kube_identity *id,
			  const struct kube_response *r)
{
	struct decision *d = arg;
	if (!id) {
		app_message(d->rs->app, ROLE_ERROR,
			    "cannot tell who you are on the run's cluster: %s",
			    r && r->message ? r->message : "no answer");
		decision_free(d);
		return;
	}
	decide_as(d, id);
}

void runs_decide(struct runs *rs, const char *context, const char *run_id,
		 bool approve, const char *reason)
{
	struct kube_client *c = session_client(app_session(rs->app), context);
	if (!c) {
		app_message(rs->app, ROLE_ERROR, "no connection to cluster %s",
			    context);
		return;
	}
	struct decision *d = xcalloc(1, sizeof *d);
	d->rs = rs;
	d->c = c;
	d->run_id = xstrdup(run_id);
	d->reason = reason ? xstrdup(reason) : NULL;
	d->approve = approve;
	app_message(rs->app, ROLE_MESSAGE, "%s run %s...",
		    approve ? "approving" : "rejecting", run_id);
	const struct kube_identity *id = kube_identity_known(c);
	if (id)
		decide_as(d, id);
	else
		kube_whoami(c, decide_whoami, d);
}
