/*
 * The approvals view: runs waiting for a second person's approval, on
 * every cluster of the config repo, newest first — run id, runbook,
 * environment, service, who asked and how long ago. A run I asked for
 * (the cluster's name for me, SelfSubjectReview, is its operator) is
 * shown dimmed: "yours: another person must approve".
 *
 * Enter unfolds a run's plan under it (data.plan of its record: what will
 * be done, where, with which values, secrets masked), so the approver
 * reads what they approve. a approves ("approve run ID? type yes"), R
 * rejects with a reason (required). The decision is an object in the
 * cluster (store_decide, as who the cluster says I am): the cluster's RBAC
 * decides whether I may make it, and its refusal is shown as it is; the
 * run's own opsdeck sees the decision and goes on or ends.
 *
 * Data flow: the view joins runs.c's shared watch of opsdeck's ConfigMaps
 * on every cluster; a watch event marks the list stale and the next draw
 * rebuilds it from the watches (runs_records).
 */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/str.h"
#include "model/session.h"
#include "ui/app.h"
#include "ui/draw.h"
#include "ui/runs.h"
#include "ui/view.h"

#define TICK_MS 15000

enum ap_kind { AP_RUN, AP_PLAN, AP_NOTE };

struct apline {
	enum ap_kind kind;
	size_t rec; /* into recs (AP_RUN, AP_PLAN) */
	char *text; /* AP_PLAN, AP_NOTE */
	enum role role;
};

struct ap_view {
	struct vec watches; /* struct kube_watch * per cluster, or NULL */
	bool stale;
	struct loop_timer *tick; /* states and ages age without events */
	struct vec recs;	 /* struct runs_rec *: waiting, newest first */
	struct vec open;	 /* char * "cluster/id": plans unfolded */
	struct apline *ln;
	size_t nln, cap;
	int rb_w, env_w, svc_w, op_w;
};

/* A decision being asked on the prompt (the list may change meanwhile). */
struct asking {
	struct app *app;
	const char *cluster;
	char *id;
	bool approve;
	struct buf prompt;
};

static struct ap_view *ap(struct view *v)
{
	return v->p;
}

/* ---- the watches --------------------------------------------------------- */

static void touch(void *arg)
{
	struct view *v = arg;
	ap(v)->stale = true;
	app_dirty(v->app);
}

static void seen(void *arg, enum watch_type type, const struct kube_obj *old,
		 const struct kube_obj *obj)
{
	(void)type, (void)old, (void)obj;
	touch(arg);
}

static void failed(void *arg, const char *message)
{
	(void)message; /* read back with kube_watch_error */
	touch(arg);
}

static const struct kube_watch_ops watch_ops = {seen, touch, failed};

static void unjoin(struct ap_view *p)
{
	for (size_t i = 0; i < p->watches.len; i++)
		if (p->watches.items[i])
			kube_unwatch(p->watches.items[i]);
	p->watches.len = 0;
}

static void join(struct view *v)
{
	struct ap_view *p = ap(v);
	unjoin(p);
	runs_join(app_runs(v->app), &watch_ops, v, &p->watches);
	p->stale = true;
}

/* ---- the list ------------------------------------------------------------ */

static void add(struct ap_view *p, enum ap_kind kind, size_t rec,
		const char *text, enum role role)
{
	if (p->nln == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 32;
		p->ln = xrealloc(p->ln, p->cap * sizeof *p->ln);
	}
	p->ln[p->nln++] =
	    (struct apline){kind, rec, text ? xstrdup(text) : NULL, role};
}

static void clear(struct ap_view *p)
{
	for (size_t i = 0; i < p->nln; i++)
		free(p->ln[i].text);
	p->nln = 0;
	vec_free(&p->recs, runs_rec_free);
}

static char *key_of(const struct runs_rec *r)
{
	return str_printf("%s/%s", r->cluster, r->id);
}

static bool is_open(struct ap_view *p, const struct runs_rec *r)
{
	char *k = key_of(r);
	bool found = false;
	for (size_t i = 0; i < p->open.len && !found; i++)
		found = !strcmp(p->open.items[i], k);
	free(k);
	return found;
}

static void toggle_open(struct ap_view *p, const struct runs_rec *r)
{
	char *k = key_of(r);
	for (size_t i = 0; i < p->open.len; i++)
		if (!strcmp(p->open.items[i], k)) {
			free(vec_remove(&p->open, i));
			free(k);
			return;
		}
	vec_push(&p->open, k);
}

static int cap_w(const char *s, int w, int cap)
{
	int n = draw_width(s, strlen(s), cap);
	return n > w ? n : w;
}

/* Every cluster listed (or failed: its error is shown). */
static bool synced(struct ap_view *p)
{
	for (size_t i = 0; i < p->watches.len; i++) {
		const struct kube_watch *w = p->watches.items[i];
		if (w && !kube_watch_synced(w) && !kube_watch_error(w))
			return false;
	}
	return true;
}

/* The row under the cursor's run, to find it again after a rebuild. */
static char *cursor_key(struct view *v)
{
	struct ap_view *p = ap(v);
	size_t i;
	if (!p->nln || !view_current(v, &i) || i >= p->nln ||
	    p->ln[i].kind == AP_NOTE)
		return NULL;
	return key_of(p->recs.items[p->ln[i].rec]);
}

static void rebuild(struct view *v)
{
	struct ap_view *p = ap(v);
	p->stale = false; /* first: cursor_key() reads the lines */
	char *keep = cursor_key(v);
	size_t was = p->nln;
	clear(p);
	struct vec all = VEC_INIT;
	runs_records(app_runs(v->app), &p->watches, &all);
	for (size_t i = 0; i < all.len; i++) {
		struct runs_rec *r = all.items[i];
		if (!strcmp(r->state, "waiting-approval"))
			vec_push(&p->recs, r);
		else
			runs_rec_free(r);
	}
	vec_free(&all, NULL);
	p->rb_w = 7;
	p->env_w = 11;
	p->svc_w = 7;
	p->op_w = 12;
	for (size_t i = 0; i < p->recs.len; i++) {
		const struct runs_rec *r = p->recs.items[i];
		p->rb_w = cap_w(r->runbook, p->rb_w, 24);
		p->env_w = cap_w(r->env, p->env_w, 16);
		p->svc_w = cap_w(r->service, p->svc_w, 24);
		p->op_w = cap_w(r->operator_, p->op_w, 16);
		add(p, AP_RUN, i, NULL, ROLE_NORMAL);
		if (!is_open(p, r))
			continue;
		const char *plan =
		    r->plan ? r->plan : "(this record has no plan text)";
		for (const char *s = plan; *s;) {
			size_t n = strcspn(s, "\n");
			char *line = xstrndup(s, n);
			add(p, AP_PLAN, i, line, ROLE_NORMAL);
			free(line);
			s += n + (s[n] == '\n');
		}
	}
	if (!p->recs.len && synced(p))
		add(p, AP_NOTE, 0, "no run waits for an approval", ROLE_DIM);
	if (p->nln != was)
		view_refilter(v);
	if (keep) {
		for (size_t i = 0; i < p->nln; i++)
			if (p->ln[i].kind == AP_RUN) {
				char *k = key_of(p->recs.items[p->ln[i].rec]);
				bool same = !strcmp(k, keep);
				free(k);
				if (same) {
					view_select(v, i);
					break;
				}
			}
		free(keep);
	}
}

/* ---- drawing ------------------------------------------------------------- */

struct acols {
	int id, rb, env, svc, op, age, note;
};

static void lay(struct ap_view *p, int w, struct acols *c)
{
	c->id = 2;
	c->rb = c->id + 22 + 2;
	if (w < 110) /* narrow: the id goes (the plan names it) */
		c->rb = 2;
	c->env = c->rb + p->rb_w + 2;
	c->svc = c->env + p->env_w + 2;
	c->op = c->svc + p->svc_w + 2;
	c->age = c->op + p->op_w + 2;
	c->note = c->age + 8 + 2;
}

static int ap_head(struct view *v, int y, int w, int h)
{
	struct ap_view *p = ap(v);
	struct session *s = app_session(v->app);
	int used = 0;
	if (p->stale)
		rebuild(v);
	for (size_t i = 0; i < p->watches.len && used < h / 3; i++) {
		const struct kube_watch *wt = p->watches.items[i];
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
	if (h - used < 3 || !p->recs.len)
		return used;
	struct acols c;
	lay(p, w, &c);
	int r = y + used;
	draw_fill(r, 0, w, ROLE_TITLE);
	if (c.rb > c.id)
		draw_str(r, c.id, 22, ROLE_TITLE, "RUN");
	draw_str(r, c.rb, p->rb_w, ROLE_TITLE, "RUNBOOK");
	draw_str(r, c.env, p->env_w, ROLE_TITLE, "ENVIRONMENT");
	draw_str(r, c.svc, p->svc_w, ROLE_TITLE, "SERVICE");
	draw_str(r, c.op, p->op_w, ROLE_TITLE, "REQUESTED BY");
	draw_str(r, c.age, 8, ROLE_TITLE, "WAITING");
	return used + 1;
}

static void svc_text(const struct runs_rec *r, struct buf *out)
{
	buf_puts(out, *r->service ? r->service : "-");
	if (*r->tenant)
		buf_printf(out, "/%s", r->tenant);
}

static void ap_line(struct view *v, size_t i, int y, int w)
{
	struct ap_view *p = ap(v);
	const struct apline *l = &p->ln[i];
	if (l->kind == AP_NOTE) {
		draw_str(y, 2, w - 2, l->role, l->text);
		return;
	}
	const struct runs_rec *r = p->recs.items[l->rec];
	if (l->kind == AP_PLAN) {
		draw_text_hl(y, 6, w - 6, r->mine ? ROLE_DIM : ROLE_NORMAL,
			     l->text, strlen(l->text), v->search, 0);
		return;
	}
	struct acols c;
	lay(p, w, &c);
	enum role role = r->mine ? ROLE_DIM : ROLE_NORMAL;
	struct model *m = app_model(v->app);
	const struct model_env *env = m ? model_env(m, r->env) : NULL;
	bool loud = env && env->protected_;
	draw_str(y, 0, 2, loud ? ROLE_PRODUCTION : role,
		 is_open(p, r) ? (draw_utf8() ? "▾" : "v")
			       : (draw_utf8() ? "▸" : ">"));
	if (c.rb > c.id)
		draw_text_hl(y, c.id, 22, role, r->id, strlen(r->id), v->search,
			     0);
	draw_text_hl(y, c.rb, p->rb_w, role, r->runbook, strlen(r->runbook),
		     v->search, 0);
	draw_text_hl(y, c.env, p->env_w,
		     loud && !r->mine ? ROLE_PRODUCTION : role, r->env,
		     strlen(r->env), v->search, 0);
	struct buf b = BUF_INIT;
	svc_text(r, &b);
	draw_text_hl(y, c.svc, p->svc_w, role, b.data, b.len, v->search, 0);
	draw_text_hl(y, c.op, p->op_w, role, r->operator_, strlen(r->operator_),
		     v->search, 0);
	buf_clear(&b);
	if (r->started_at) {
		int64_t d = app_now(v->app) - r->started_at;
		kube_format_age(&b, d > 0 ? d : 0);
	}
	draw_str(y, c.age, 8, role, buf_str(&b));
	buf_free(&b);
	bool roomy = w - c.note >= 34;
	if (r->mine)
		draw_str(y, c.note, w - c.note, ROLE_DIM,
			 roomy ? "yours: another person must approve"
			       : "yours");
	else
		draw_str(y, c.note, w - c.note, ROLE_WARNING,
			 roomy ? "a approves, R rejects" : "a/R");
}

static void ap_text(struct view *v, size_t i, struct buf *out)
{
	struct ap_view *p = ap(v);
	const struct apline *l = &p->ln[i];
	if (l->kind != AP_RUN) {
		buf_puts(out, l->text);
		return;
	}
	const struct runs_rec *r = p->recs.items[l->rec];
	buf_printf(out, "%s %s %s ", r->id, r->runbook, r->env);
	svc_text(r, out);
	buf_printf(out, " %s %s%s", r->operator_, r->cluster,
		   r->mine ? " yours" : "");
}

static size_t ap_lines(struct view *v)
{
	struct ap_view *p = ap(v);
	if (p->stale)
		rebuild(v);
	return p->nln;
}

/* ---- deciding ------------------------------------------------------------ */

static void asking_free(struct asking *k)
{
	free(k->id);
	buf_free(&k->prompt);
	free(k);
}

static void decide_answer(void *arg, const char *line)
{
	struct asking *k = arg;
	if (!line) {
		asking_free(k);
		return;
	}
	if (k->approve) {
		if (!strcmp(line, "yes"))
			runs_decide(app_runs(k->app), k->cluster, k->id, true,
				    NULL);
		else
			app_message(k->app, ROLE_MESSAGE,
				    "not approved (type yes to approve)");
		asking_free(k);
		return;
	}
	const char *s = line;
	while (*s == ' ')
		s++;
	if (!*s) {
		buf_clear(&k->prompt);
		buf_printf(
		    &k->prompt,
		    "A reason is required. Reject run %s because: ", k->id);
		app_prompt(k->app,
			   &(struct prompt_req){buf_str(&k->prompt), "reason",
						decide_answer, NULL, k});
		return;
	}
	runs_decide(app_runs(k->app), k->cluster, k->id, false, s);
	asking_free(k);
}

static void ask_decision(struct view *v, const struct runs_rec *r, bool approve)
{
	if (r->mine) {
		app_message(v->app, ROLE_MESSAGE,
			    "you asked for run %s: another person must %s it",
			    r->id, approve ? "approve" : "decide on");
		return;
	}
	if (!session_client(app_session(v->app), r->cluster)) {
		app_message(v->app, ROLE_ERROR, "no connection to cluster %s",
			    r->cluster);
		return;
	}
	struct asking *k = xcalloc(1, sizeof *k);
	k->app = v->app;
	k->cluster = r->cluster;
	k->id = xstrdup(r->id);
	k->approve = approve;
	buf_init(&k->prompt);
	if (approve)
		buf_printf(&k->prompt,
			   "Approve run %s (%s in %s)? type yes: ", r->id,
			   r->runbook, r->env);
	else
		buf_printf(&k->prompt,
			   "Reject run %s (%s in %s) because: ", r->id,
			   r->runbook, r->env);
	app_prompt(v->app, &(struct prompt_req){buf_str(&k->prompt),
						approve ? NULL : "reason",
						decide_answer, NULL, k});
}

static unsigned ap_request(struct view *v, enum action a)
{
	struct ap_view *p = ap(v);
	size_t i;
	if (a != ACT_ENTER && a != ACT_APPROVE && a != ACT_REJECT)
		return VIEW_UNHANDLED;
	if (!view_current(v, &i) || i >= p->nln || p->ln[i].kind == AP_NOTE) {
		app_message(v->app, ROLE_MESSAGE, "no run waits for approval");
		return VIEW_HANDLED;
	}
	const struct runs_rec *r = p->recs.items[p->ln[i].rec];
	if (a == ACT_ENTER) {
		toggle_open(p, r);
		rebuild(v);
		return VIEW_HANDLED | VIEW_REDRAW;
	}
	ask_decision(v, r, a == ACT_APPROVE);
	return VIEW_HANDLED;
}

/* ---- the view ------------------------------------------------------------ */

/* A record left by an opsdeck that is gone turns interrupted, and ages
 * grow, without a watch event: look again now and then. */
static void tick(struct loop *l, void *arg)
{
	struct view *v = arg;
	ap(v)->tick = loop_timer_add(l, TICK_MS, tick, v);
	ap(v)->stale = true;
	app_dirty(v->app);
}

static bool ap_open(struct view *v)
{
	struct ap_view *p = xcalloc(1, sizeof *p);
	v->p = p;
	join(v);
	p->tick = loop_timer_add(app_loop(v->app), TICK_MS, tick, v);
	return true;
}

static void ap_close(struct view *v)
{
	struct ap_view *p = ap(v);
	if (p->tick)
		loop_timer_cancel(p->tick);
	unjoin(p);
	vec_free(&p->watches, NULL);
	clear(p);
	free(p->ln);
	vec_free(&p->open, free);
	free(p);
}

static void ap_title(struct view *v, struct buf *out)
{
	struct ap_view *p = ap(v);
	if (p->stale)
		rebuild(v);
	size_t mine = 0;
	for (size_t i = 0; i < p->recs.len; i++)
		mine += ((struct runs_rec *)p->recs.items[i])->mine;
	buf_printf(out, "approvals (%zu waiting", p->recs.len - mine);
	if (mine)
		buf_printf(out, ", %zu of them yours", mine);
	buf_puts(out, ")");
}

static const struct model_env *ap_focus(struct view *v)
{
	struct ap_view *p = ap(v);
	struct model *m = app_model(v->app);
	size_t i;
	if (!m || !p->nln || !view_current(v, &i) || i >= p->nln ||
	    p->ln[i].kind == AP_NOTE)
		return NULL;
	const struct runs_rec *r = p->recs.items[p->ln[i].rec];
	return model_env(m, r->env);
}

static bool ap_changed(struct view *v, unsigned what, struct model_cell *cell)
{
	(void)cell;
	struct ap_view *p = ap(v);
	/* the session went live: now there are clusters to watch */
	if ((what & SESSION_CHANGED_STATE) &&
	    p->watches.len != session_nclusters(app_session(v->app)))
		join(v);
	return view_changed_live_only(v, what, cell);
}

const struct view_ops view_approvals = {
    .name = "approvals",
    .keys = KEYCTX_APPROVALS,
    .open = ap_open,
    .close = ap_close,
    .title = ap_title,
    .lines = ap_lines,
    .head = ap_head,
    .line = ap_line,
    .text = ap_text,
    .request = ap_request,
    .focus = ap_focus,
    .changed = ap_changed,
};
