/*
 * The audit view: every runbook run recorded on every cluster of the
 * config repo, newest first — run id, runbook, environment, service (and
 * tenant), operator, approver, state and when it started. The state is
 * the effective one: a run left waiting or running by an opsdeck that is
 * gone shows as interrupted. Roles: succeeded ok, failed, refused,
 * rejected, expired and interrupted error, aborted and waiting warning.
 * The generic search (/) and filter (|) work on every column (and the
 * cluster and the run's message), so |staging, |db-migration, |junior or
 * |failed narrow the list.
 *
 * L (audit-source) switches the list to this machine's local audit log
 * (runbook/audit.h) and back: the runs this machine's opsdeck logged,
 * those that never reached a cluster record included, as the same rows
 * with the same columns, search and filter. The title says which source
 * is shown and how many of the log's lines could not be read.
 *
 * Enter opens a run: one started from this console opens its live run
 * view; any other opens the run-detail view (view_audit_run, below), a
 * pager with every field of its record, each step with its state, times
 * and message, the approval decision, and the plan as its operator saw
 * it — kept live from the same watch.
 *
 * Data flow: both views join runs.c's shared watch of opsdeck's
 * ConfigMaps on every cluster; a watch event marks the view stale and the
 * next draw rebuilds its rows from the watches. The local log is read
 * (runs_local) when the list switches to it, and again at the next draw
 * after one of this console's runs wrote to it (runs_changes moved) —
 * never on a timer, never on a cluster's watch event. A local row's
 * detail is read from the log once, when it opens.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/mem.h"
#include "base/str.h"
#include "model/session.h"
#include "runbook/store.h"
#include "ui/app.h"
#include "ui/draw.h"
#include "ui/runs.h"
#include "ui/view.h"

#define TICK_MS 15000

struct audit_view {
	struct vec watches; /* struct kube_watch * per cluster, or NULL */
	bool stale;
	struct loop_timer *tick; /* states and ages age without events */
	struct vec recs;	 /* struct runs_rec *, newest first */
	int rb_w, env_w, svc_w, op_w, ap_w, st_w;
	/* the source: the clusters, or (local) this machine's log */
	bool local;
	bool switched;	    /* the rows changed source: read, refilter */
	uint64_t seen;	    /* runs_changes when the log was read */
	enum status log_st; /* how reading it went: OK, NOTFOUND, or... */
	struct err log_err; /* ...why it could not be read */
	size_t bad;	    /* its lines that could not be read */
};

static struct audit_view *au(struct view *v)
{
	return v->p;
}

/* ---- the watches (shared by both views: each keeps its own joins) -------- */

static void feed_touch(struct view *v, bool *stale)
{
	*stale = true;
	app_dirty(v->app);
}

static void list_touch(void *arg)
{
	struct view *v = arg;
	feed_touch(v, &au(v)->stale);
}

static void list_seen(void *arg, enum watch_type type,
		      const struct kube_obj *old, const struct kube_obj *obj)
{
	(void)type, (void)old, (void)obj;
	list_touch(arg);
}

static void list_failed(void *arg, const char *message)
{
	(void)message; /* read back with kube_watch_error */
	list_touch(arg);
}

static const struct kube_watch_ops list_ops = {list_seen, list_touch,
					       list_failed};

static void unjoin(struct vec *watches)
{
	for (size_t i = 0; i < watches->len; i++)
		if (watches->items[i])
			kube_unwatch(watches->items[i]);
	watches->len = 0;
}

/* The clusters' watch errors (or "listing"), one row each, at most max. */
static int watch_rows(struct view *v, const struct vec *watches, int y, int w,
		      int max)
{
	struct session *s = app_session(v->app);
	int used = 0;
	for (size_t i = 0; i < watches->len && used < max; i++) {
		const struct kube_watch *wt = watches->items[i];
		const struct session_cluster *sc = session_cluster(s, i);
		const char *err = wt ? kube_watch_error(wt) : sc->error;
		if (!err && wt && kube_watch_synced(wt))
			continue;
		draw_fill(y + used, 0, w, ROLE_NORMAL);
		if (err)
			draw_fmt(y + used, 1, w - 1, ROLE_ERROR, "%s: %s",
				 sc->context, err);
		else
			draw_fmt(y + used, 1, w - 1, ROLE_DIM,
				 "%s: listing the runs%s", sc->context,
				 draw_utf8() ? "…" : "...");
		used++;
	}
	return used;
}

/* Every cluster listed (or failed: its error is shown). */
static bool all_synced(const struct vec *watches)
{
	for (size_t i = 0; i < watches->len; i++) {
		const struct kube_watch *wt = watches->items[i];
		if (wt && !kube_watch_synced(wt) && !kube_watch_error(wt))
			return false;
	}
	return true;
}

/* "2026-11-12 10:15" (local time), or the short "11-12 10:15". */
static void when(int64_t t, bool shortly, struct buf *out)
{
	if (!t) {
		buf_puts(out, "-");
		return;
	}
	time_t tt = (time_t)t;
	struct tm tm;
	localtime_r(&tt, &tm);
	if (shortly)
		buf_printf(out, "%02d-%02d %02d:%02d", tm.tm_mon + 1,
			   tm.tm_mday, tm.tm_hour, tm.tm_min);
	else
		buf_printf(out, "%04d-%02d-%02d %02d:%02d", tm.tm_year + 1900,
			   tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min);
}

static void svc_text(const struct runs_rec *r, struct buf *out)
{
	buf_puts(out, *r->service ? r->service : "-");
	if (*r->tenant)
		buf_printf(out, "/%s", r->tenant);
}

/* ---- the list ------------------------------------------------------------ */

static int cap_w(const char *s, int w, int cap)
{
	int n = draw_width(s, strlen(s), cap);
	return n > w ? n : w;
}

/* The rows from this machine's log, read now. */
static void read_local(struct view *v)
{
	struct audit_view *p = au(v);
	struct runs *rs = app_runs(v->app);
	p->bad = 0;
	err_clear(&p->log_err);
	p->log_st = runs_local(rs, &p->recs, &p->bad, &p->log_err);
}

static void rebuild(struct view *v)
{
	struct audit_view *p = au(v);
	uint64_t changes = runs_changes(app_runs(v->app));
	p->stale = false;
	if (p->local) {
		/* the log is read again only when it was written to; seen
		 * first, as what follows looks at the lines (fresh) */
		if (!p->switched && p->seen == changes)
			return;
		p->seen = changes;
	}
	/* keep the cursor on its run */
	size_t i;
	char *keep = NULL;
	if (p->recs.len && view_current(v, &i) && i < p->recs.len) {
		const struct runs_rec *r = p->recs.items[i];
		keep = str_printf("%s/%s", r->cluster, r->id);
	}
	vec_free(&p->recs, runs_rec_free);
	if (p->local)
		read_local(v);
	else
		runs_records(app_runs(v->app), &p->watches, &p->recs);
	p->rb_w = 7;
	p->env_w = 11;
	p->svc_w = 7;
	p->op_w = 8;
	p->ap_w = 8;
	p->st_w = 5;
	for (size_t k = 0; k < p->recs.len; k++) {
		const struct runs_rec *r = p->recs.items[k];
		struct buf b = BUF_INIT;
		svc_text(r, &b);
		p->rb_w = cap_w(r->runbook, p->rb_w, 24);
		p->env_w = cap_w(r->env, p->env_w, 16);
		p->svc_w = cap_w(buf_str(&b), p->svc_w, 28);
		p->op_w = cap_w(r->operator_, p->op_w, 16);
		p->ap_w = cap_w(r->approver, p->ap_w, 16);
		p->st_w = cap_w(r->state, p->st_w, 16);
		buf_free(&b);
	}
	/* the rows are new (a state may have changed under the filter) */
	view_refilter(v);
	bool found = false;
	if (keep) {
		for (size_t k = 0; k < p->recs.len; k++) {
			const struct runs_rec *r = p->recs.items[k];
			char *key = str_printf("%s/%s", r->cluster, r->id);
			bool same = !strcmp(key, keep);
			free(key);
			if (same) {
				view_select(v, k);
				found = true;
				break;
			}
		}
		free(keep);
	}
	if (p->switched && !found)
		v->cursor = v->top = 0;
	p->switched = false;
}

/* Rebuild the rows when they may have changed: a watch event or the tick
 * (stale), or, on the local log, a run of this console that wrote to it. */
static void fresh(struct view *v)
{
	struct audit_view *p = au(v);
	if (p->stale || (p->local && p->seen != runs_changes(app_runs(v->app))))
		rebuild(v);
}

/* The rows; with none, one line that says so once every cluster has
 * answered (until then the generic "nothing here yet"). */
static size_t audit_lines(struct view *v)
{
	struct audit_view *p = au(v);
	fresh(v);
	if (!p->recs.len)
		return p->local || all_synced(&p->watches) ? 1 : 0;
	return p->recs.len;
}

static const char *empty_note(struct audit_view *p)
{
	if (p->local)
		return p->log_st == ST_ERR_NOTFOUND
			   ? "no runs recorded on this machine yet"
		       : p->log_st != ST_OK
			   ? "this machine's log cannot be read (above)"
			   : "no run in this machine's log";
	return p->watches.len ? "no run is recorded on any cluster"
			      : "no cluster to look at";
}

/* Columns by priority: when narrow, the start time shortens first, then
 * the approver and the run id go (the detail has them). 0 width: left
 * out. */
struct acols {
	int x[8], w[8];
};

enum { C_ID, C_RB, C_ENV, C_SVC, C_OP, C_AP, C_STATE, C_STARTED };

static void lay(struct audit_view *p, int w, struct acols *c, bool *shortly)
{
	int want[8] = {22,	p->rb_w, p->env_w, p->svc_w,
		       p->op_w, p->ap_w, p->st_w,  16};
	*shortly = false;
	int total = 1;
	for (int i = 0; i < 8; i++)
		total += want[i] + 2;
	if (total > w) {
		total -= 16 - 11;
		want[C_STARTED] = 11;
		*shortly = true;
	}
	if (total > w) {
		total -= want[C_AP] + 2;
		want[C_AP] = 0;
	}
	if (total > w) {
		total -= want[C_ID] + 2;
		want[C_ID] = 0;
	}
	int x = 1;
	for (int i = 0; i < 8; i++) {
		c->x[i] = x;
		int room = w - x;
		c->w[i] = want[i] < room ? want[i] : room > 0 ? room : 0;
		if (want[i])
			x += c->w[i] + 2;
		else
			c->w[i] = 0;
	}
}

static int audit_head(struct view *v, int y, int w, int h)
{
	struct audit_view *p = au(v);
	fresh(v);
	int used = 0;
	if (!p->local) {
		used = watch_rows(v, &p->watches, y, w, h / 3);
	} else if (p->log_st != ST_OK && p->log_st != ST_ERR_NOTFOUND &&
		   h > 3) {
		draw_fill(y, 0, w, ROLE_NORMAL);
		draw_str(y, 1, w - 1, ROLE_ERROR, p->log_err.msg);
		used = 1;
	}
	if (h - used < 3)
		return used;
	if (!p->recs.len)
		return used;
	struct acols c;
	bool shortly;
	lay(p, w, &c, &shortly);
	static const char *const titles[8] = {
	    "RUN",	"RUNBOOK",  "ENVIRONMENT", "SERVICE",
	    "OPERATOR", "APPROVER", "STATE",	   "STARTED"};
	int r = y + used;
	draw_fill(r, 0, w, ROLE_TITLE);
	for (int i = 0; i < 8; i++)
		if (c.w[i])
			draw_str(r, c.x[i], c.w[i], ROLE_TITLE, titles[i]);
	return used + 1;
}

static void audit_line(struct view *v, size_t i, int y, int w)
{
	struct audit_view *p = au(v);
	if (i >= p->recs.len) {
		draw_str(y, 1, w - 1, ROLE_DIM, empty_note(p));
		return;
	}
	const struct runs_rec *r = p->recs.items[i];
	struct acols c;
	bool shortly;
	lay(p, w, &c, &shortly);
	struct model *m = app_model(v->app);
	const struct model_env *env = m ? model_env(m, r->env) : NULL;
	struct buf svc = BUF_INIT, at = BUF_INIT;
	svc_text(r, &svc);
	when(r->started_at, shortly, &at);
	const char *cell[8] = {r->id,	     r->runbook,
			       r->env,	     buf_str(&svc),
			       r->operator_, *r->approver ? r->approver : "-",
			       r->state,     buf_str(&at)};
	for (int k = 0; k < 8; k++) {
		if (!c.w[k])
			continue;
		enum role role = k == C_STATE ? runs_state_role(r->state)
				 : k == C_ENV && env && env->protected_
				     ? ROLE_PRODUCTION
				 : k == C_ID || k == C_STARTED ? ROLE_DIM
							       : ROLE_NORMAL;
		draw_text_hl(y, c.x[k], c.w[k], role, cell[k], strlen(cell[k]),
			     v->search, 0);
	}
	buf_free(&svc);
	buf_free(&at);
}

static void audit_text(struct view *v, size_t i, struct buf *out)
{
	struct audit_view *p = au(v);
	if (i >= p->recs.len) {
		buf_puts(out, empty_note(p));
		return;
	}
	const struct runs_rec *r = p->recs.items[i];
	buf_printf(out, "%s %s %s ", r->id, r->runbook, r->env);
	svc_text(r, out);
	buf_printf(out, " %s %s %s %s %s ", r->operator_, r->approver, r->state,
		   r->cluster, r->message);
	when(r->started_at, false, out);
}


static unsigned audit_request(struct view *v, enum action a)
{
	struct audit_view *p = au(v);
	size_t i;
	if (a == ACT_AUDIT_SOURCE) {
		p->local = !p->local;
		p->switched = p->stale = true;
		return VIEW_HANDLED;
	}
	if (a != ACT_ENTER)
		return VIEW_UNHANDLED;
	if (!view_current(v, &i) || i >= p->recs.len)
		return VIEW_HANDLED;
	const struct runs_rec *r = p->recs.items[i];
	struct runs_run *rr = runs_find(app_runs(v->app), r->id);
	/* a local row's cluster string may live in its record: the detail
	 * of a local row reads the log again and needs no cluster */
	struct view_target t = {.run_id = r->id,
				.cluster = r->local ? NULL : r->cluster};
	if (rr) {
		t.cell = runs_cell(rr);
		t.env = runs_env(rr);
	} else {
		struct model *m = app_model(v->app);
		t.env = m ? model_env(m, r->env) : NULL;
	}
	app_push(v->app, rr ? &view_run : &view_audit_run, &t);
	return VIEW_HANDLED;
}

static void join_all(struct view *v, struct vec *watches,
		     const struct kube_watch_ops *ops, bool *stale)
{
	unjoin(watches);
	runs_join(app_runs(v->app), ops, v, watches);
	*stale = true;
}

/* A record left by an opsdeck that is gone turns interrupted, and ages
 * grow, without a watch event: look again now and then. */
static void tick(struct loop *l, void *arg)
{
	struct view *v = arg;
	au(v)->tick = loop_timer_add(l, TICK_MS, tick, v);
	au(v)->stale = true;
	app_dirty(v->app);
}

static bool audit_open(struct view *v)
{
	struct audit_view *p = xcalloc(1, sizeof *p);
	v->p = p;
	join_all(v, &p->watches, &list_ops, &p->stale);
	p->tick = loop_timer_add(app_loop(v->app), TICK_MS, tick, v);
	return true;
}

static void audit_close(struct view *v)
{
	struct audit_view *p = au(v);
	if (p->tick)
		loop_timer_cancel(p->tick);
	unjoin(&p->watches);
	vec_free(&p->watches, NULL);
	vec_free(&p->recs, runs_rec_free);
	free(p);
}

static void audit_title(struct view *v, struct buf *out)
{
	struct audit_view *p = au(v);
	fresh(v);
	if (!p->local) {
		buf_printf(out, "audit (%zu runs on %zu clusters)", p->recs.len,
			   p->watches.len);
		return;
	}
	buf_printf(out, "audit (%zu runs in this machine's log", p->recs.len);
	if (p->bad)
		buf_printf(out, "; %zu line%s could not be read", p->bad,
			   p->bad == 1 ? "" : "s");
	buf_puts(out, ")");
}

static const struct model_env *audit_focus(struct view *v)
{
	struct audit_view *p = au(v);
	struct model *m = app_model(v->app);
	size_t i;
	if (!m || !p->recs.len || !view_current(v, &i) || i >= p->recs.len)
		return NULL;
	return model_env(m, ((struct runs_rec *)p->recs.items[i])->env);
}

static bool audit_changed(struct view *v, unsigned what,
			  struct model_cell *cell)
{
	struct audit_view *p = au(v);
	if ((what & SESSION_CHANGED_STATE) &&
	    p->watches.len != session_nclusters(app_session(v->app)))
		join_all(v, &p->watches, &list_ops, &p->stale);
	return view_changed_live_only(v, what, cell);
}

const struct view_ops view_audit = {
    .name = "audit",
    .keys = KEYCTX_AUDIT,
    .open = audit_open,
    .close = audit_close,
    .title = audit_title,
    .lines = audit_lines,
    .head = audit_head,
    .line = audit_line,
    .text = audit_text,
    .request = audit_request,
    .focus = audit_focus,
    .changed = audit_changed,
};

/* ---- one run's record ---------------------------------------------------- */

struct dline {
	char *text;
	enum role role;
};

struct detail_view {
	struct vec watches;
	bool stale;
	bool local; /* the record is read from this machine's log */
	const char *cluster;
	char *env;	  /* the record's, for the production mark */
	struct vec lines; /* struct dline * */
};

static struct detail_view *dv(struct view *v)
{
	return v->p;
}

static void dline_free(void *x)
{
	struct dline *d = x;
	free(d->text);
	free(d);
}

static void put(struct detail_view *p, enum role r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void put(struct detail_view *p, enum role r, const char *fmt, ...)
{
	struct dline *d = xcalloc(1, sizeof *d);
	struct buf b = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	d->text = buf_detach(&b);
	if (!d->text)
		d->text = xstrdup("");
	d->role = r;
	vec_push(&p->lines, d);
}

/* Several lines of text, each indented. */
static void put_block(struct detail_view *p, enum role r, const char *indent,
		      const char *text)
{
	for (const char *s = text; *s;) {
		size_t n = strcspn(s, "\n");
		put(p, r, "%s%.*s", indent, (int)n, s);
		s += n + (s[n] == '\n');
	}
}

static const char *js(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s && *s ? s : "-";
}

static void field(struct detail_view *p, const char *label, const char *value,
		  enum role r)
{
	put(p, r, "%-12s %s", label, value && *value ? value : "-");
}

/* Every field of the record, the known ones in a readable order, then
 * any other (an engine newer than this console may add some). */
static void detail_build(struct view *v, const struct runs_rec *rec)
{
	struct detail_view *p = dv(v);
	const json_t *j = rec->record;
	struct buf b = BUF_INIT;
	free(p->env);
	p->env = xstrdup(rec->env);
	put(p, ROLE_TITLE, "RUN %s", rec->id);
	field(p, "runbook", rec->runbook, ROLE_NORMAL);
	field(p, "title", rec->title, ROLE_NORMAL);
	field(p, "state", rec->state, runs_state_role(rec->state));
	if (strcmp(rec->state, js(j, "state")) && json_object_get(j, "state"))
		field(p, "recorded", js(j, "state"), ROLE_DIM);
	field(p, "message", rec->message, ROLE_NORMAL);
	field(p, "environment", rec->env, ROLE_NORMAL);
	field(p, "cluster", js(j, "cluster"), ROLE_NORMAL);
	field(p, "namespace", js(j, "namespace"), ROLE_NORMAL);
	field(p, "service", rec->service, ROLE_NORMAL);
	field(p, "tenant", rec->tenant, ROLE_NORMAL);
	const json_t *op = json_object_get(j, "operator");
	buf_puts(&b, rec->operator_);
	const json_t *g = json_object_get(op, "groups");
	if (json_array_size(g)) {
		buf_puts(&b, " (groups ");
		size_t i;
		const json_t *x;
		json_array_foreach(g, i, x) buf_printf(
		    &b, "%s%s", i ? ", " : "",
		    json_string_value(x) ? json_string_value(x) : "?");
		buf_puts(&b, ")");
	}
	field(p, "operator", buf_str(&b), ROLE_NORMAL);
	field(p, "approver", rec->approver, ROLE_NORMAL);
	field(p, "gate", rec->gate, ROLE_NORMAL);
	field(p, "once-key", js(j, "onceKey"), ROLE_NORMAL);
	field(p, "started", js(j, "started"), ROLE_NORMAL);
	field(p, "ended", js(j, "ended"), ROLE_NORMAL);
	field(p, "heartbeat", js(j, "heartbeat"), ROLE_DIM);
	buf_clear(&b);
	buf_puts(&b, js(j, "host"));
	if (json_integer_value(json_object_get(j, "pid")))
		buf_printf(
		    &b, " (pid %lld)",
		    (long long)json_integer_value(json_object_get(j, "pid")));
	field(p, "host", buf_str(&b), ROLE_DIM);
	field(p, "file", js(j, "file"), ROLE_DIM);
	field(p, "blob", js(j, "blob"), ROLE_DIM);
	field(p, "commit", js(j, "commit"), ROLE_DIM);

	const json_t *vars = json_object_get(j, "variables");
	put(p, ROLE_NORMAL, "%s", "");
	put(p, ROLE_TITLE, "VARIABLES%s",
	    json_object_size(vars) ? "" : "  (none)");
	const char *k;
	const json_t *x;
	json_object_foreach((json_t *)vars, k, x)
	{
		char *val = json_is_string(x)
				? NULL
				: json_dumps(x, JSON_ENCODE_ANY | JSON_COMPACT);
		const char *s = json_is_string(x) ? json_string_value(x) : val;
		if (s && strchr(s, '\n')) {
			put(p, ROLE_NORMAL, "  %s =", k);
			put_block(p, ROLE_NORMAL, "    | ", s);
		} else {
			put(p, ROLE_NORMAL, "  %s = %s", k, s ? s : "");
		}
		free(val);
	}

	const json_t *steps = json_object_get(j, "steps");
	put(p, ROLE_NORMAL, "%s", "");
	put(p, ROLE_TITLE, "STEPS%s", json_array_size(steps) ? "" : "  (none)");
	size_t i;
	json_array_foreach(steps, i, x)
	{
		const char *st = js(x, "state");
		enum role r =
		    !strcmp(st, "succeeded") ? ROLE_OK
		    : !strcmp(st, "failed") || !strcmp(st, "timed-out")
			? ROLE_ERROR
		    : !strcmp(st, "aborted") ? ROLE_WARNING
					     : ROLE_NORMAL;
		put(p, r, "  %zu. %s  %s  %s", i + 1, js(x, "name"),
		    js(x, "action"), st);
		put(p, ROLE_NORMAL, "       %s", js(x, "summary"));
		if (json_string_length(json_object_get(x, "started")))
			put(p, ROLE_DIM, "       %s .. %s", js(x, "started"),
			    js(x, "ended"));
		if (json_string_length(json_object_get(x, "message")))
			put(p, ROLE_NORMAL, "       %s", js(x, "message"));
	}

	if (rec->decision) {
		const json_t *d = rec->decision;
		put(p, ROLE_NORMAL, "%s", "");
		put(p, ROLE_TITLE, "DECISION");
		put(p, ROLE_NORMAL, "  %s by %s at %s", js(d, "decision"),
		    js(d, "approver"), js(d, "time"));
		if (json_string_length(json_object_get(d, "reason")))
			put(p, ROLE_NORMAL, "  reason: %s", js(d, "reason"));
	}

	/* whatever else the record holds */
	static const char *const known[] = {
	    "id",	 "runId",     "runbook",  "title",	 "scope",
	    "file",	 "blob",      "commit",	  "environment", "cluster",
	    "namespace", "tenant",    "service",  "operator",	 "gate",
	    "onceKey",	 "variables", "steps",	  "state",	 "message",
	    "heartbeat", "ended",     "approver", "started",	 "host",
	    "pid",	 "approval",  NULL};
	bool any = false;
	json_object_foreach((json_t *)j, k, x)
	{
		bool seen = false;
		for (size_t n = 0; known[n] && !seen; n++)
			seen = !strcmp(known[n], k);
		if (seen)
			continue;
		if (!any) {
			put(p, ROLE_NORMAL, "%s", "");
			put(p, ROLE_TITLE, "MORE");
			any = true;
		}
		char *s = json_dumps(x, JSON_ENCODE_ANY | JSON_COMPACT);
		put(p, ROLE_NORMAL, "  %s = %s", k, s ? s : "");
		free(s);
	}

	put(p, ROLE_NORMAL, "%s", "");
	put(p, ROLE_TITLE, "PLAN (as its operator saw it)");
	put_block(p, ROLE_NORMAL, "  ",
		  rec->plan    ? rec->plan
		  : rec->local ? "(the local log keeps no plan text; the "
				 "steps above are the plan's)"
			       : "(no plan text in the record)");
	buf_free(&b);
}

static void detail_touch(void *arg)
{
	struct view *v = arg;
	feed_touch(v, &dv(v)->stale);
}

static void detail_seen(void *arg, enum watch_type type,
			const struct kube_obj *old, const struct kube_obj *obj)
{
	(void)type, (void)old;
	struct view *v = arg;
	/* only this run's record and decisions matter */
	const char *run = obj ? kobj_label(obj, STORE_LABEL_RUN) : NULL;
	if (!run || str_eq(run, v->t.run_id))
		detail_touch(arg);
}

static void detail_failed(void *arg, const char *message)
{
	(void)message;
	detail_touch(arg);
}

static const struct kube_watch_ops detail_ops = {detail_seen, detail_touch,
						 detail_failed};

/* The run's row in this machine's log (NULL: said why in p). */
static struct runs_rec *local_record(struct view *v)
{
	struct detail_view *p = dv(v);
	struct vec recs = VEC_INIT;
	size_t bad = 0;
	struct err e = {0};
	struct runs_rec *rec = NULL;
	enum status st = runs_local(app_runs(v->app), &recs, &bad, &e);
	for (size_t i = 0; i < recs.len && !rec; i++) {
		struct runs_rec *r = recs.items[i];
		if (str_eq(r->id, v->t.run_id))
			rec = vec_remove(&recs, i);
	}
	vec_free(&recs, runs_rec_free);
	if (!rec && st != ST_OK && st != ST_ERR_NOTFOUND)
		put(p, ROLE_ERROR, "%s", e.msg);
	else if (!rec)
		put(p, ROLE_DIM, "run %s: not in this machine's log",
		    v->t.run_id);
	return rec;
}

static void detail_rebuild(struct view *v)
{
	struct detail_view *p = dv(v);
	p->stale = false;
	size_t was = p->lines.len;
	vec_free(&p->lines, dline_free);
	struct runs_rec *rec = NULL;
	struct session *s = app_session(v->app);
	if (p->local)
		rec = local_record(v);
	for (size_t i = 0; i < p->watches.len && !rec; i++) {
		const struct kube_watch *w = p->watches.items[i];
		if (w && str_eq(session_cluster(s, i)->context, p->cluster))
			rec = runs_record(app_runs(v->app), w, v->t.run_id);
	}
	if (rec)
		detail_build(v, rec);
	else if (!p->local)
		put(p, ROLE_DIM, "run %s: no record of it on %s (yet)",
		    v->t.run_id, p->cluster);
	runs_rec_free(rec);
	if (p->lines.len != was)
		view_refilter(v);
}

/* A run on a cluster (t.cluster), followed through the watches; or,
 * without a cluster, a local row's record, read once from this machine's
 * log when it opens (the log has no events to tell). */
static bool detail_open(struct view *v)
{
	if (!v->t.run_id) {
		app_message(v->app, ROLE_MESSAGE,
			    "run detail: open a run from the audit view");
		return false;
	}
	struct detail_view *p = xcalloc(1, sizeof *p);
	v->p = p;
	p->cluster = v->t.cluster;
	p->local = !p->cluster;
	if (p->local)
		p->stale = true;
	else
		join_all(v, &p->watches, &detail_ops, &p->stale);
	return true;
}

static void detail_close(struct view *v)
{
	struct detail_view *p = dv(v);
	unjoin(&p->watches);
	vec_free(&p->watches, NULL);
	vec_free(&p->lines, dline_free);
	free(p->env);
	free(p);
}

static void detail_title(struct view *v, struct buf *out)
{
	if (dv(v)->local)
		buf_printf(out, "run %s in this machine's log", v->t.run_id);
	else
		buf_printf(out, "run %s on %s", v->t.run_id, v->t.cluster);
}

static size_t detail_lines(struct view *v)
{
	struct detail_view *p = dv(v);
	if (p->stale)
		detail_rebuild(v);
	return p->lines.len;
}

static void detail_line(struct view *v, size_t i, int y, int w)
{
	const struct dline *d = dv(v)->lines.items[i];
	draw_text_hl(y, 1, w - 1, d->role, d->text, strlen(d->text), v->search,
		     v->hscroll);
}

static void detail_text(struct view *v, size_t i, struct buf *out)
{
	const struct dline *d = dv(v)->lines.items[i];
	buf_puts(out, d->text);
}

static const struct model_env *detail_focus(struct view *v)
{
	struct detail_view *p = dv(v);
	struct model *m = app_model(v->app);
	return m && p->env ? model_env(m, p->env) : NULL;
}

const struct view_ops view_audit_run = {
    .name = "run-detail",
    .keys = KEYCTX_AUDIT,
    .open = detail_open,
    .close = detail_close,
    .title = detail_title,
    .lines = detail_lines,
    .line = detail_line,
    .text = detail_text,
    .focus = detail_focus,
    .changed = view_changed_live_only,
    .pager = true,
};
