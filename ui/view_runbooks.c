/*
 * The runbooks view: the runbooks that apply here — to the cell in focus
 * (cell runbooks whose services, tenants and environments match it) and
 * to its environment (environment runbooks) — with their scope and the
 * approval gate they get in this environment; the runbook files or the
 * policy that failed to load, with the loader's messages; and the runs
 * started from this console, newest first (Enter opens one again).
 *
 * Enter on a runbook starts the prompt flow: each variable in the
 * runbook's order on the readline prompt, its title as the prompt and its
 * help above, the default already typed, a history per variable
 * ("var-RUNBOOK-NAME"), Tab completing its choices (the runbook's own
 * list, the model's services or tenants, or the cell's pods or the
 * namespace's deployments, listed once when the variable is reached), a
 * secret masked and kept in no history. Each value is checked with
 * rb_var_check as it is entered; a bad one is said and asked again. Then
 * the run starts (runs.h) and the run view opens on it. Esc ends the flow
 * and nothing runs.
 *
 * Data: runbooks come from the session's catalog (Git, the model's
 * commit), runs from runs.h; the page is rebuilt when either changes, on
 * the next draw. The flow's panel is drawn by head() above the list.
 */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/str.h"
#include "kube/client.h"
#include "kube/objects.h"
#include "model/session.h"
#include "runbook/catalog.h"
#include "runbook/vars.h"
#include "ui/app.h"
#include "ui/draw.h"
#include "ui/prompt.h"
#include "ui/runs.h"
#include "ui/view.h"

enum rb_kind {
	RK_HEADING, /* text */
	RK_COLUMNS,
	RK_RUNBOOK, /* idx into rbs */
	RK_NOTE,    /* text, role */
	RK_RUN,	    /* idx: runs_at() */
	RK_BLANK,
};

struct rbline {
	enum rb_kind kind;
	size_t idx;
	enum role role;
	char *text;
};

/* The prompt flow of one runbook. */
struct flow {
	const struct runbook *rb;
	size_t var; /* the variable being asked */
	struct rb_values vals;
	char *error;	 /* what was wrong with the last value */
	struct vec live; /* char *: the current variable's options */
	bool live_in;	 /* live holds the answer (or the model's) */
	char *live_error;
	struct kube_req *req; /* listing pods or deployments */
	struct kube_client *client;
	struct buf prompt; /* the prompt's text while it is open */
};

struct rb_view {
	struct model_env *env;
	struct model_cell *cell;
	const struct catalog *cat; /* what the page was built from */
	size_t nruns;
	struct vec rbs; /* const struct runbook *: shown */
	struct rbline *ln;
	size_t nln, cap;
	int name_w;
	struct flow *flow;
	bool closing;
};

static struct rb_view *rv(struct view *v)
{
	return v->p;
}

/* ---- the page ------------------------------------------------------------ */

static void add(struct rb_view *p, enum rb_kind kind, size_t idx,
		enum role role, const char *text)
{
	if (p->nln == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 32;
		p->ln = xrealloc(p->ln, p->cap * sizeof *p->ln);
	}
	p->ln[p->nln++] =
	    (struct rbline){kind, idx, role, text ? xstrdup(text) : NULL};
}

static void clear_lines(struct rb_view *p)
{
	for (size_t i = 0; i < p->nln; i++)
		free(p->ln[i].text);
	p->nln = 0;
}

/* The loader's messages about runbooks and the policy: the session's
 * problems that name a file of the runbooks folder or the policy file. */
static void add_problems(struct view *v, struct rb_view *p)
{
	struct model *m = app_model(v->app);
	const char *probs = session_problems(app_session(v->app));
	const char *folder = m && m->runbooks ? m->runbooks : "runbooks/";
	const char *policy = m && m->policy ? m->policy : "policy.yaml";
	for (const char *s = probs; s && *s;) {
		size_t n = strcspn(s, "\n");
		char *line = xstrndup(s, n);
		if (str_has_prefix(line, folder) ||
		    str_has_prefix(line, policy) ||
		    str_has_prefix(line, "runbooks: "))
			add(p, RK_NOTE, 0, ROLE_ERROR, line);
		free(line);
		s += n + (s[n] == '\n');
	}
}

static void rebuild(struct view *v)
{
	struct rb_view *p = rv(v);
	struct session *s = app_session(v->app);
	struct runs *rs = app_runs(v->app);
	const struct catalog *cat = session_catalog(s);
	size_t was = p->nln;
	clear_lines(p);
	p->rbs.len = 0;
	p->cat = cat;
	p->nruns = runs_count(rs);
	p->name_w = 7; /* "RUNBOOK" */

	struct buf b = BUF_INIT;
	buf_puts(&b, "RUNBOOKS for ");
	if (p->cell) {
		buf_printf(&b, "%s", p->cell->service->name);
		if (p->cell->tenant)
			buf_printf(&b, " (%s)", p->cell->tenant->name);
		buf_puts(&b, " in ");
	}
	buf_puts(&b, p->env->name);
	add(p, RK_HEADING, 0, ROLE_TITLE, buf_str(&b));
	buf_free(&b);

	if (!cat) {
		enum session_state st = session_state(s);
		add(p, RK_NOTE, 0, st == SESSION_LIVE ? ROLE_ERROR : ROLE_DIM,
		    st == SESSION_LIVE
			? "no runbook may run: the policy could not be "
			  "read (below)"
			: "the config repo is loading");
		if (st == SESSION_LIVE)
			add_problems(v, p);
	} else {
		for (size_t i = 0; i < cat->runbooks.len; i++) {
			const struct runbook *rb = cat->runbooks.items[i];
			bool fits =
			    rb->scope == RB_SCOPE_CELL
				? p->cell && runbook_applies_cell(rb, p->cell)
				: runbook_applies_env(rb, p->env);
			if (!fits)
				continue;
			vec_push(&p->rbs, (void *)rb);
			int nw = draw_width(rb->name, strlen(rb->name), 40);
			if (nw > p->name_w)
				p->name_w = nw;
		}
		if (p->rbs.len)
			add(p, RK_COLUMNS, 0, ROLE_DIM, NULL);
		for (size_t i = 0; i < p->rbs.len; i++)
			add(p, RK_RUNBOOK, i, ROLE_NORMAL, NULL);
		if (!p->rbs.len)
			add(p, RK_NOTE, 0, ROLE_DIM,
			    cat->runbooks.len
				? "no runbook applies here"
				: "the config repo has no runbooks");
		if (!p->cell)
			add(p, RK_NOTE, 0, ROLE_DIM,
			    "runbooks for one service: open this from a cell");
		if (cat->broken) {
			add(p, RK_BLANK, 0, ROLE_NORMAL, NULL);
			add(p, RK_HEADING, 0, ROLE_ERROR,
			    cat->broken == 1
				? "1 RUNBOOK FILE DOES NOT LOAD"
				: "SOME RUNBOOK FILES DO NOT LOAD");
			add_problems(v, p);
		}
	}

	if (p->nruns) {
		add(p, RK_BLANK, 0, ROLE_NORMAL, NULL);
		add(p, RK_HEADING, 0, ROLE_TITLE,
		    "RUNS STARTED HERE (Enter opens one)");
		for (size_t i = p->nruns; i-- > 0;)
			add(p, RK_RUN, i, ROLE_NORMAL, NULL);
	}
	if (p->nln != was)
		view_refilter(v);
}

static bool stale(struct view *v)
{
	struct rb_view *p = rv(v);
	return p->cat != session_catalog(app_session(v->app)) ||
	       p->nruns != runs_count(app_runs(v->app));
}

/* ---- the prompt flow ----------------------------------------------------- */

static void flow_ask(struct view *v);

static void flow_free(struct flow *f)
{
	if (!f)
		return;
	if (f->req)
		kube_request_cancel(f->req);
	rb_values_free(&f->vals);
	vec_free(&f->live, free);
	free(f->error);
	free(f->live_error);
	buf_free(&f->prompt);
	free(f);
}

static void flow_end(struct view *v)
{
	struct rb_view *p = rv(v);
	flow_free(p->flow);
	p->flow = NULL;
	app_dirty(v->app);
}

static const struct rb_var *flow_var(const struct flow *f)
{
	return f->var < f->rb->vars.len ? f->rb->vars.items[f->var] : NULL;
}

static const struct vec *flow_choices(void *arg, const struct rb_var *var)
{
	struct flow *f = arg;
	if (var != flow_var(f) || var->type != RB_VAR_CHOICE)
		return NULL;
	if (var->source == RB_CHOICES_STATIC)
		return &var->choices;
	return f->live_in ? &f->live : NULL;
}

static void listed(struct kube_client *c, const struct kube_response *r,
		   void *arg)
{
	(void)c;
	struct view *v = arg;
	struct flow *f = rv(v)->flow;
	f->req = NULL;
	if (r->code != ST_OK) {
		free(f->live_error);
		f->live_error = xstrdup(r->message ? r->message : "");
		app_dirty(v->app);
		return;
	}
	size_t i;
	json_t *it;
	json_array_foreach(json_object_get(r->json, "items"), i, it)
	{
		const char *n = json_string_value(
		    json_object_get(json_object_get(it, "metadata"), "name"));
		if (n)
			vec_push(&f->live, xstrdup(n));
	}
	f->live_in = true;
	app_dirty(v->app);
}

/* The live options of the variable about to be asked. */
static void flow_fill_live(struct view *v, const struct rb_var *var)
{
	struct rb_view *p = rv(v);
	struct flow *f = p->flow;
	struct model *m = app_model(v->app);
	vec_free(&f->live, free);
	f->live_in = false;
	free(f->live_error);
	f->live_error = NULL;
	if (f->req)
		kube_request_cancel(f->req);
	f->req = NULL;
	if (var->type != RB_VAR_CHOICE || var->source == RB_CHOICES_STATIC ||
	    !m)
		return;
	if (var->source == RB_CHOICES_SERVICES ||
	    var->source == RB_CHOICES_TENANTS) {
		const struct vec *src = var->source == RB_CHOICES_SERVICES
					    ? &m->services
					    : &m->tenants;
		for (size_t i = 0; i < src->len; i++)
			vec_push(
			    &f->live,
			    xstrdup(
				var->source == RB_CHOICES_SERVICES
				    ? ((struct model_service *)src->items[i])
					  ->name
				    : ((struct model_tenant *)src->items[i])
					  ->name));
		f->live_in = true;
		return;
	}
	/* pods of the cell's workload (its selector when the fleet knows
	 * it), deployments of the namespace: what the engine checks too */
	struct kube_client *c =
	    session_client(app_session(v->app), p->env->cluster);
	if (!c) {
		f->live_error = xstrdup("no connection to the cluster");
		return;
	}
	const char *ns = p->cell ? p->cell->namespace_ : NULL;
	struct buf path = BUF_INIT;
	bool pods = var->source == RB_CHOICES_PODS;
	kube_kind_path(&path, pods ? KUBE_POD : KUBE_DEPLOYMENT, ns);
	const struct fleet_cell *fc = p->cell ? fleet_cell(p->cell) : NULL;
	if (pods && fc && fc->selector && *fc->selector) {
		buf_puts(&path, "?labelSelector=");
		kube_query_escape(&path, fc->selector);
	}
	f->client = c;
	f->req = kube_get(c, buf_str(&path), listed, v);
	buf_free(&path);
}

static void flow_complete(void *arg, const char *line, const char *word,
			  struct vec *out)
{
	(void)line;
	struct view *v = arg;
	struct flow *f = rv(v)->flow;
	const struct rb_var *var = f ? flow_var(f) : NULL;
	if (!var)
		return;
	static const char *const bools[] = {"true", "false"};
	const struct vec *list = flow_choices(f, var);
	size_t n = var->type == RB_VAR_BOOLEAN ? 2 : list ? list->len : 0;
	for (size_t i = 0; i < n; i++) {
		const char *c =
		    var->type == RB_VAR_BOOLEAN ? bools[i] : list->items[i];
		if (str_has_prefix(c, word))
			vec_push(out, xstrdup(c));
	}
}

static void flow_start_run(struct view *v)
{
	struct rb_view *p = rv(v);
	struct flow *f = p->flow;
	struct buf why = BUF_INIT;
	const struct runbook *rb = f->rb;
	struct runs_run *rr = runs_start(
	    app_runs(v->app), rb, p->env,
	    rb->scope == RB_SCOPE_CELL ? p->cell : NULL, &f->vals, &why);
	flow_end(v);
	if (!rr) {
		app_message(v->app, ROLE_ERROR, "%s: %s", rb->name,
			    buf_str(&why));
		buf_free(&why);
		return;
	}
	buf_free(&why);
	struct view_target t = {
	    .cell = runs_cell(rr),
	    .service = p->cell ? p->cell->service : NULL,
	    .env = p->env,
	    .run_id = (char *)run_id(runs_run(rr)),
	};
	app_push(v->app, &view_run, &t);
}

static void flow_next(struct view *v)
{
	struct flow *f = rv(v)->flow;
	f->var++;
	free(f->error);
	f->error = NULL;
	if (f->var >= f->rb->vars.len) {
		flow_start_run(v);
		return;
	}
	flow_fill_live(v, flow_var(f));
	flow_ask(v);
}

static void flow_take(struct view *v, struct flow *f, const struct rb_var *var,
		      const char *line);

static void flow_answer(void *arg, const char *line)
{
	struct view *v = arg;
	struct rb_view *p = rv(v);
	struct flow *f = p->flow;
	if (p->closing || !f)
		return;
	if (!line) {
		app_message(v->app, ROLE_MESSAGE, "%s: not started",
			    f->rb->name);
		flow_end(v);
		return;
	}
	const struct rb_var *var = flow_var(f);
	free(f->error);
	f->error = NULL;
	/* readline ends a completed word with a space: a choice, number or
	 * yes/no has no blanks of its own at either end */
	char *trimmed = NULL;
	if (var->type == RB_VAR_CHOICE || var->type == RB_VAR_INTEGER ||
	    var->type == RB_VAR_BOOLEAN) {
		trimmed = str_trim(xstrdup(line));
		line = trimmed;
	} else if (var->type == RB_VAR_TEXT && strchr(line, '\r')) {
		/* C-v Enter (readline's quoted insert) types a CR: in a
		 * text, that is a new line */
		trimmed = xstrdup(line);
		for (char *c = trimmed; *c; c++)
			if (*c == '\r')
				*c = '\n';
		line = trimmed;
	}
	flow_take(v, f, var, line);
	free(trimmed);
}

/* A value typed for the current variable: checked, then kept, or said
 * why not and asked again. */
static void flow_take(struct view *v, struct flow *f, const struct rb_var *var,
		      const char *line)
{
	if (!*line && !var->required && !var->default_) {
		flow_next(v); /* left out: optional, no default */
		return;
	}
	char *canon = NULL;
	struct err e = {0};
	if (rb_var_check(var, line, flow_choices, f, &canon, &e) != ST_OK) {
		f->error = xstrdup(e.msg);
		flow_ask(v);
		return;
	}
	rb_values_set(&f->vals, var, canon);
	if (canon) {
		/* a secret's canonical copy goes the way of its line */
		memset(canon, 0, strlen(canon));
		free(canon);
	}
	flow_next(v);
}

static void flow_ask(struct view *v)
{
	struct flow *f = rv(v)->flow;
	const struct rb_var *var = flow_var(f);
	buf_clear(&f->prompt);
	buf_puts(&f->prompt, var->title ? var->title : var->name);
	if (var->type == RB_VAR_BOOLEAN)
		buf_puts(&f->prompt, " (y/n)");
	buf_puts(&f->prompt, ": ");
	struct buf hist = BUF_INIT;
	buf_printf(&hist, "var-%s-%s", f->rb->name, var->name);
	/* a value typed before (and wrong) is offered again to fix, else
	 * the default */
	app_prompt_with(
	    v->app,
	    &(struct prompt_req){
		.prompt = buf_str(&f->prompt),
		.history = buf_str(&hist),
		.done = flow_answer,
		.complete = flow_complete,
		.arg = v,
	    },
	    &(struct prompt_extra){
		.initial = var->type == RB_VAR_SECRET ? NULL : var->default_,
		.secret = var->type == RB_VAR_SECRET,
	    });
	buf_free(&hist);
}

static void flow_begin(struct view *v, const struct runbook *rb)
{
	struct rb_view *p = rv(v);
	if (rb->scope == RB_SCOPE_CELL && !p->cell) {
		app_message(v->app, ROLE_MESSAGE,
			    "%s runs on one service: open it from a cell",
			    rb->name);
		return;
	}
	flow_free(p->flow);
	p->flow = xcalloc(1, sizeof *p->flow);
	p->flow->rb = rb;
	p->flow->vals = (struct rb_values)RB_VALUES_INIT;
	buf_init(&p->flow->prompt);
	if (!rb->vars.len) {
		flow_start_run(v);
		return;
	}
	p->flow->var = 0;
	flow_fill_live(v, flow_var(p->flow));
	flow_ask(v);
}

/* ---- the view ------------------------------------------------------------ */

static bool rb_open(struct view *v)
{
	struct model_cell *c = v->t.cell;
	struct model_env *e = c ? c->env : v->t.env;
	if (!e) {
		app_message(v->app, ROLE_MESSAGE,
			    "runbooks: choose a cell or an environment first");
		return false;
	}
	struct rb_view *p = xcalloc(1, sizeof *p);
	v->p = p;
	p->env = e;
	p->cell = c;
	rebuild(v);
	/* the cursor starts on the first runbook */
	for (size_t i = 0; i < p->nln; i++)
		if (p->ln[i].kind == RK_RUNBOOK) {
			v->cursor = i;
			break;
		}
	return true;
}

static void rb_close(struct view *v)
{
	struct rb_view *p = rv(v);
	p->closing = true;
	/* a flow's prompt is open while the flow lives: end it first (its
	 * done sees closing and does nothing) */
	if (p->flow && prompt_active())
		prompt_open(NULL);
	flow_free(p->flow);
	clear_lines(p);
	free(p->ln);
	vec_free(&p->rbs, NULL);
	free(p);
}

static void rb_title(struct view *v, struct buf *out)
{
	struct rb_view *p = rv(v);
	const char *dot = draw_utf8() ? " · " : " - ";
	buf_puts(out, "runbooks");
	if (p->cell) {
		buf_printf(out, "%s%s", dot, p->cell->service->name);
		if (p->cell->tenant)
			buf_printf(out, "%s%s", dot, p->cell->tenant->name);
	}
	buf_printf(out, "%s%s", dot, p->env->name);
}

static size_t rb_lines(struct view *v)
{
	if (stale(v))
		rebuild(v);
	return rv(v)->nln;
}

static const char *scope_name(const struct runbook *rb)
{
	return rb->scope == RB_SCOPE_CELL ? "cell" : "environment";
}

static enum role gate_role(enum approval g)
{
	return g == APPROVAL_NONE ? ROLE_NORMAL : ROLE_WARNING;
}

/* Columns of a runbook row: mark, name, scope, gate, title. */
struct rcols {
	int name, scope, gate, title;
};

static void cols(struct rb_view *p, int w, struct rcols *c)
{
	int nw = p->name_w < w / 3 ? p->name_w : w / 3;
	c->name = 2;
	c->scope = c->name + nw + 2;
	c->gate = c->scope + 11 + 2;
	c->title = c->gate + 13 + 2;
	(void)w;
}

static void run_row_text(struct runs_run *rr, struct buf *out)
{
	struct run *r = runs_run(rr);
	buf_printf(out, "%s  %s  %s", run_id(r), runs_runbook(rr)->name,
		   runs_env(rr)->name);
	if (runs_cell(rr))
		buf_printf(out, "  %s", runs_cell(rr)->service->name);
	buf_printf(out, "  %s  %s", run_state_name(run_state(r)),
		   run_message(r));
}

static void rb_line(struct view *v, size_t i, int y, int w)
{
	struct rb_view *p = rv(v);
	const struct rbline *l = &p->ln[i];
	struct rcols c;
	cols(p, w, &c);
	switch (l->kind) {
	case RK_BLANK:
		break;
	case RK_HEADING:
		draw_text_hl(y, 1, w - 1, l->role, l->text, strlen(l->text),
			     v->search, 0);
		if (p->env->protected_ && i == 0) {
			int x = 1 + draw_width(l->text, strlen(l->text), w);
			draw_fmt(y, x + 2, w - x - 2, ROLE_PRODUCTION,
				 " %s protected ", draw_utf8() ? "▲" : "!!");
		}
		break;
	case RK_COLUMNS:
		draw_str(y, c.name, c.scope - c.name - 2, ROLE_DIM, "RUNBOOK");
		draw_str(y, c.scope, 11, ROLE_DIM, "SCOPE");
		draw_str(y, c.gate, 13, ROLE_DIM, "GATE");
		draw_str(y, c.title, w - c.title, ROLE_DIM, "TITLE");
		break;
	case RK_RUNBOOK: {
		const struct runbook *rb = p->rbs.items[l->idx];
		enum approval g = runbook_gate(rb, p->env);
		if (p->env->protected_)
			draw_str(y, 0, 2, ROLE_PRODUCTION,
				 draw_utf8() ? "▲" : "!");
		draw_text_hl(y, c.name, c.scope - c.name - 2, ROLE_NORMAL,
			     rb->name, strlen(rb->name), v->search, 0);
		draw_str(y, c.scope, 11, ROLE_DIM, scope_name(rb));
		draw_str(y, c.gate, 13, gate_role(g), approval_name(g));
		draw_text_hl(y, c.title, w - c.title, ROLE_NORMAL, rb->title,
			     strlen(rb->title), v->search, 0);
		break;
	}
	case RK_NOTE:
		draw_text_hl(y, 2, w - 2, l->role, l->text, strlen(l->text),
			     v->search, 0);
		break;
	case RK_RUN: {
		struct runs_run *rr = runs_at(app_runs(v->app), l->idx);
		struct buf b = BUF_INIT;
		run_row_text(rr, &b);
		enum run_state st = run_state(runs_run(rr));
		draw_text_hl(y, 2, w - 2, runs_state_role(run_state_name(st)),
			     b.data, b.len, v->search, 0);
		buf_free(&b);
		break;
	}
	}
}

static void rb_text(struct view *v, size_t i, struct buf *out)
{
	struct rb_view *p = rv(v);
	const struct rbline *l = &p->ln[i];
	switch (l->kind) {
	case RK_BLANK:
	case RK_COLUMNS:
		break;
	case RK_HEADING:
	case RK_NOTE:
		buf_puts(out, l->text);
		break;
	case RK_RUNBOOK: {
		const struct runbook *rb = p->rbs.items[l->idx];
		buf_printf(out, "%s %s %s %s", rb->name, scope_name(rb),
			   approval_name(runbook_gate(rb, p->env)), rb->title);
		break;
	}
	case RK_RUN:
		run_row_text(runs_at(app_runs(v->app), l->idx), out);
		break;
	}
}

/* The first paragraph of a text, its lines joined. */
static char *first_paragraph(const char *s)
{
	struct buf b = BUF_INIT;
	while (*s == '\n')
		s++;
	while (*s) {
		size_t n = strcspn(s, "\n");
		if (!n)
			break;
		if (b.len)
			buf_putc(&b, ' ');
		buf_append(&b, s, n);
		s += n;
		if (*s == '\n')
			s++;
		if (*s == '\n')
			break; /* a blank line ends it */
	}
	char *out = buf_detach(&b);
	return out ? out : xstrdup("");
}

/* Up to rows rows of s from column indent, broken at spaces; the rows
 * used. */
static int wrap_rows(int y, int w, int rows, enum role r, const char *s,
		     int indent)
{
	int used = 0, room = w - indent - 1;
	if (room < 10)
		return 0;
	while (*s && used < rows) {
		size_t len = strlen(s), n = len;
		if (draw_width(s, len, room + 1) > room) {
			size_t space = 0;
			n = 0;
			while (n < len &&
			       draw_width(s, n + 1, room + 1) <= room) {
				n++;
				if (s[n] == ' ')
					space = n;
			}
			if (space && used + 1 < rows)
				n = space;
		}
		draw_fill(y + used, 0, w, ROLE_NORMAL);
		draw_text(y + used, indent, room, r, s, n);
		used++;
		s += n;
		while (*s == ' ')
			s++;
	}
	return used;
}

/* The flow's panel: the runbook, each variable with its value so far,
 * the one being asked with its help, and what was wrong. */
static int rb_head(struct view *v, int y, int w, int h)
{
	struct rb_view *p = rv(v);
	struct flow *f = p->flow;
	if (!f || h < 6)
		return 0;
	int max = h / 2, used = 0;
	const struct runbook *rb = f->rb;
#define ROW(role, ...)                                                         \
	do {                                                                   \
		if (used < max - 1) {                                          \
			draw_fill(y + used, 0, w, ROLE_NORMAL);                \
			draw_fmt(y + used, 1, w - 1, role, __VA_ARGS__);       \
			used++;                                                \
		}                                                              \
	} while (0)
	ROW(ROLE_TITLE, "%s (%s) on %s%s%s", rb->title, rb->name,
	    rb->scope == RB_SCOPE_CELL && p->cell ? p->cell->service->name : "",
	    rb->scope == RB_SCOPE_CELL && p->cell ? " in " : "", p->env->name);
	if (rb->description && used < max - 1) {
		/* its first paragraph, on up to two rows */
		char *para = first_paragraph(rb->description);
		used += wrap_rows(y + used, w,
				  max - 1 - used < 2 ? max - 1 - used : 2,
				  ROLE_DIM, para, 1);
		free(para);
	}
	/* the variable being asked always shows, with its help and what
	 * was wrong: the values so far get the rows left over, the latest
	 * first */
	int reserve = 2 + (flow_var(f)->help ? 3 : 0) + (f->error ? 3 : 0);
	int room = max - 1 - used - reserve;
	size_t first_done = f->var > (size_t)(room > 0 ? room : 0)
				? f->var - (size_t)(room > 0 ? room : 0)
				: 0;
	for (size_t i = first_done; i < rb->vars.len; i++) {
		const struct rb_var *var = rb->vars.items[i];
		const char *t = var->title ? var->title : var->name;
		if (i < f->var) {
			const char *val = rb_values_get(&f->vals, var->name);
			ROW(ROLE_NORMAL, "  %s = %s", t,
			    !val			 ? "(left out)"
			    : var->type == RB_VAR_SECRET ? "(secret)"
							 : val);
		} else if (i == f->var) {
			ROW(ROLE_CURSOR, "%s %s (%s%s)",
			    draw_utf8() ? "›" : ">", t,
			    rb_var_type_name(var->type),
			    var->required ? ", required" : "");
			if (var->help && used < max - 1)
				used += wrap_rows(
				    y + used, w,
				    max - 1 - used < 3 ? max - 1 - used : 3,
				    ROLE_NORMAL, var->help, 5);
			if (var->type == RB_VAR_CHOICE) {
				const struct vec *ch = flow_choices(f, var);
				if (f->live_error)
					ROW(ROLE_ERROR,
					    "    the options could not be "
					    "listed: %s",
					    f->live_error);
				else if (!ch)
					ROW(ROLE_DIM,
					    "    listing the options%s",
					    draw_utf8() ? "…" : "...");
				else
					ROW(ROLE_DIM,
					    "    %zu options: Tab completes",
					    ch->len);
			} else if (var->type == RB_VAR_TEXT) {
				ROW(ROLE_DIM,
				    "    C-v Enter starts a new line");
			}
			if (f->error && used < max - 1)
				used += wrap_rows(
				    y + used, w,
				    max - 1 - used < 3 ? max - 1 - used : 3,
				    ROLE_ERROR, f->error, 5);
		} else {
			ROW(ROLE_DIM, "  %s", t);
		}
	}
#undef ROW
	draw_hline(y + used, 0, w, ROLE_DIM);
	return used + 1;
}

static unsigned rb_request(struct view *v, enum action a)
{
	struct rb_view *p = rv(v);
	size_t i;
	if (a != ACT_ENTER)
		return VIEW_UNHANDLED;
	if (!view_current(v, &i) || i >= p->nln)
		return VIEW_HANDLED;
	const struct rbline *l = &p->ln[i];
	if (l->kind == RK_RUNBOOK) {
		flow_begin(v, p->rbs.items[l->idx]);
	} else if (l->kind == RK_RUN) {
		struct runs_run *rr = runs_at(app_runs(v->app), l->idx);
		struct view_target t = {
		    .cell = runs_cell(rr),
		    .env = runs_env(rr),
		    .run_id = (char *)run_id(runs_run(rr)),
		};
		app_push(v->app, &view_run, &t);
	}
	return VIEW_HANDLED;
}

static const struct model_env *rb_focus(struct view *v)
{
	return rv(v)->env;
}

static void rb_target(struct view *v, struct view_target *t)
{
	struct rb_view *p = rv(v);
	t->cell = p->cell;
	t->service = p->cell ? p->cell->service : NULL;
	t->env = p->env;
}

const struct view_ops view_runbooks = {
    .name = "runbooks",
    .keys = KEYCTX_RUNBOOKS,
    .open = rb_open,
    .close = rb_close,
    .title = rb_title,
    .lines = rb_lines,
    .head = rb_head,
    .line = rb_line,
    .text = rb_text,
    .request = rb_request,
    .focus = rb_focus,
    .changed = view_changed_live_only,
    .target = rb_target,
};
