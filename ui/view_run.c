/*
 * The run view: one run started from this console, live. The head shows
 * the runbook, the environment (in the production role when it is
 * protected), the run id and state, the engine's message (what it waits
 * for: the gate, a second person and who may approve, or how it ended),
 * every step with a glyph for its state and its message, and what the run
 * waits for from its operator. Below, as a pager: the plan (plan_text:
 * what will be done, where, with which values, secrets masked) and the
 * steps' output (job logs, script output, health findings; the last
 * RUNS_OUTPUT_MAX lines, each drawn sanitised).
 *
 * Questions: at CONFIRMING the view asks on the prompt — for a `confirm`
 * gate the environment's name must be typed (a wrong name is said and
 * asked again; Esc declines and nothing runs), otherwise "Run it? (y/n)".
 * A confirm step shows its instructions and asks "proceed or abort" with a
 * note (Esc leaves the question open; Enter asks again). A question is
 * asked by itself once when the view is on screen, and again with Enter.
 * x asks "abort this run? (y/n)" and aborts it. Leaving the view leaves the
 * run running: it belongs to runs.c.
 *
 * Data flow: runs.c bumps the run's version and asks for a frame on every
 * change; lines() picks up the plan when it appears and moves the view's
 * indexes when old output lines are dropped.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/mem.h"
#include "base/str.h"
#include "ui/app.h"
#include "ui/draw.h"
#include "ui/prompt.h"
#include "ui/runs.h"
#include "ui/view.h"

#define MSG_ROWS	 3 /* the message, wrapped */
#define INSTRUCTION_ROWS 6 /* of a confirm step */

struct run_view {
	struct view *v;
	struct runs_run *rr;
	struct vec plan; /* char *: plan_text's lines */
	bool have_plan;
	uint64_t base; /* output seq of the first output line */
	bool moved;    /* the reader moved: stop following */
	bool was_running;
	/* questions asked by themselves (once each) */
	bool asked_gate;
	bool asked_confirm;
	size_t asked_step;
	bool prompting, closing;
	struct loop_timer *ask_timer;
	struct buf prompt;
	int name_w;
};

static struct run_view *rp(struct view *v)
{
	return v->p;
}

static struct run *the_run(struct view *v)
{
	return runs_run(rp(v)->rr);
}

/* ---- lines --------------------------------------------------------------- */

static void take_plan(struct run_view *p)
{
	const struct plan *pl = run_plan(runs_run(p->rr));
	if (p->have_plan || !pl)
		return;
	struct buf t = BUF_INIT;
	plan_text(pl, &t);
	for (const char *s = buf_str(&t); *s;) {
		size_t n = strcspn(s, "\n");
		vec_push(&p->plan, xstrndup(s, n));
		s += n + (s[n] == '\n');
	}
	buf_free(&t);
	p->have_plan = true;
	p->v->cursor = p->v->top = 0;
	view_refilter(p->v);
}

/* Plan lines, a blank, the OUTPUT heading, then output lines. */
static size_t out_start(const struct run_view *p)
{
	return p->plan.len + (p->plan.len ? 1 : 0) + 1;
}

static void sync_output(struct run_view *p)
{
	uint64_t first = runs_output_first(p->rr);
	if (first <= p->base)
		return;
	size_t n = (size_t)(first - p->base), at = out_start(p);
	struct view *v = p->v;
	p->base = first;
	if (v->filter) {
		view_refilter(v);
		return;
	}
	if (v->cursor > at)
		v->cursor = v->cursor - at > n ? v->cursor - n : at;
	if (v->top > at)
		v->top = v->top - at > n ? v->top - n : at;
}

static size_t run_lines(struct view *v)
{
	struct run_view *p = rp(v);
	take_plan(p);
	sync_output(p);
	size_t nout = (size_t)(runs_output_end(p->rr) - p->base);
	/* follow the output once the steps run, until the reader moves */
	enum run_state st = run_state(the_run(v));
	if (!p->was_running && st == RUN_RUNNING && !p->moved) {
		p->was_running = true;
		v->tail = true;
	}
	return out_start(p) + (nout ? nout : 1);
}

static void line_text(struct view *v, size_t i, struct buf *out, enum role *r,
		      const char **raw, size_t *rawlen)
{
	struct run_view *p = rp(v);
	*r = ROLE_NORMAL;
	*raw = NULL;
	size_t at = out_start(p);
	if (i < p->plan.len) {
		buf_puts(out, p->plan.items[i]);
		return;
	}
	if (i + 1 < at && p->plan.len) /* the blank */
		return;
	if (i + 1 == at) {
		*r = ROLE_TITLE;
		buf_puts(out, "OUTPUT");
		if (runs_output_first(p->rr))
			buf_printf(out, " (the last %d lines)",
				   RUNS_OUTPUT_MAX);
		return;
	}
	size_t step;
	const char *text;
	size_t len;
	if (!runs_output_line(p->rr, p->base + (i - at), &step, &text, &len)) {
		*r = ROLE_DIM;
		buf_puts(out, "(no output yet)");
		return;
	}
	const struct plan *pl = run_plan(the_run(v));
	const struct plan_step *ps =
	    pl && step < pl->steps.len ? pl->steps.items[step] : NULL;
	buf_printf(out, "%-*s ", p->name_w, ps ? ps->step->name : "run");
	*raw = text;
	*rawlen = len;
}

static void run_line(struct view *v, size_t i, int y, int w)
{
	enum role r;
	const char *raw;
	size_t rawlen = 0;
	struct buf b = BUF_INIT;
	line_text(v, i, &b, &r, &raw, &rawlen);
	int x = 1;
	if (raw) {
		x += draw_text(y, x, w - x, ROLE_DIM, b.data, b.len);
		draw_text_hl(y, x, w - x, ROLE_NORMAL, raw, rawlen, v->search,
			     v->hscroll);
	} else if (b.len) {
		draw_text_hl(y, x, w - x, r, b.data, b.len, v->search,
			     r == ROLE_TITLE ? 0 : v->hscroll);
	}
	buf_free(&b);
}

static void run_text(struct view *v, size_t i, struct buf *out)
{
	enum role r;
	const char *raw;
	size_t rawlen = 0;
	line_text(v, i, out, &r, &raw, &rawlen);
	if (raw)
		buf_append(out, raw, rawlen);
}

/* ---- the head ------------------------------------------------------------ */

static const char *step_glyph(enum step_state s)
{
	bool u = draw_utf8();
	switch (s) {
	case STEP_PENDING:
		return u ? "○" : ".";
	case STEP_RUNNING:
		return u ? "▶" : ">";
	case STEP_SUCCEEDED:
		return u ? "✓" : "+";
	case STEP_FAILED:
	case STEP_TIMED_OUT:
		return u ? "✗" : "x";
	case STEP_ABORTED:
		return u ? "■" : "!";
	case STEP_SKIPPED:
		return u ? "–" : "-";
	}
	return "?";
}

static enum role step_role(enum step_state s)
{
	switch (s) {
	case STEP_RUNNING:
		return ROLE_PROGRESSING;
	case STEP_SUCCEEDED:
		return ROLE_OK;
	case STEP_FAILED:
	case STEP_TIMED_OUT:
		return ROLE_ERROR;
	case STEP_ABORTED:
		return ROLE_WARNING;
	default:
		return ROLE_DIM;
	}
}

/* Up to rows rows of text from s, broken at spaces, in role r. */
static int wrap_rows(int y, int w, int rows, enum role r, const char *s,
		     int indent)
{
	int used = 0;
	int room = w - indent - 1;
	if (room < 10)
		return 0;
	while (*s && used < rows) {
		size_t len = strlen(s), n = len;
		/* the bytes that fit in room columns, ended at a space */
		if (draw_width(s, len, room + 1) > room) {
			n = 0;
			size_t last_space = 0;
			while (n < len &&
			       draw_width(s, n + 1, room + 1) <= room) {
				n++;
				if (s[n] == ' ')
					last_space = n;
			}
			if (last_space && used + 1 < rows)
				n = last_space;
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

static void ask_later(struct run_view *p);

static int run_head(struct view *v, int y, int w, int h)
{
	struct run_view *p = rp(v);
	struct run *r = the_run(v);
	const struct runbook *rb = runs_runbook(p->rr);
	const struct model_env *env = runs_env(p->rr);
	const struct model_cell *cell = runs_cell(p->rr);
	enum run_state st = run_state(r);
	int used = 0, max = h - 3;
	if (max < 3)
		return 0;
	const char *dot = draw_utf8() ? " · " : " - ";

	/* runbook, title, run id */
	draw_fill(y, 0, w, ROLE_NORMAL);
	int x = 1 + draw_str(y, 1, w - 1, ROLE_TITLE, rb->name);
	x += draw_fmt(y, x, w - x, ROLE_NORMAL, "%s%s", dot, rb->title);
	struct buf right = BUF_INIT;
	buf_printf(&right, "run %s ", run_id(r));
	draw_str_right(y, 0, w, ROLE_DIM, buf_str(&right));
	buf_free(&right);
	used++;

	/* where, and the state */
	draw_fill(y + used, 0, w, ROLE_NORMAL);
	if (env->protected_)
		x = 1 + draw_fmt(y + used, 1, w - 1, ROLE_PRODUCTION, "%s %s ",
				 draw_utf8() ? "▲" : "!!", env->name);
	else
		x = 1 + draw_str(y + used, 1, w - 1, ROLE_NORMAL, env->name);
	if (cell) {
		x += draw_fmt(y + used, x, w - x, ROLE_NORMAL, "%s%s", dot,
			      cell->service->name);
		if (cell->tenant)
			x += draw_fmt(y + used, x, w - x, ROLE_NORMAL, "%s%s",
				      dot, cell->tenant->name);
		x += draw_fmt(y + used, x, w - x, ROLE_DIM, "  %s on %s",
			      cell->namespace_, env->cluster);
	} else {
		x += draw_fmt(y + used, x, w - x, ROLE_DIM, "  on %s",
			      env->cluster);
	}
	struct buf state = BUF_INIT;
	buf_printf(&state, " %s ", run_state_name(st));
	for (char *c = state.data; c && *c; c++)
		*c = (char)toupper((unsigned char)*c);
	draw_str_right(y + used, 0, w, runs_state_role(run_state_name(st)),
		       buf_str(&state));
	buf_free(&state);
	used++;

	/* the engine's message: what it waits for, or how it ended */
	enum role mr = st == RUN_WAITING ? ROLE_WARNING
		       : runs_state_role(run_state_name(st)) == ROLE_ERROR
			   ? ROLE_ERROR
			   : ROLE_NORMAL;
	used += wrap_rows(y + used, w,
			  MSG_ROWS < max - used ? MSG_ROWS : max - used, mr,
			  run_message(r), 1);

	/* the steps */
	const struct plan *pl = run_plan(r);
	p->name_w = 3;
	for (size_t i = 0; pl && i < pl->steps.len; i++) {
		const struct plan_step *ps = pl->steps.items[i];
		int nw = draw_width(ps->step->name, strlen(ps->step->name), 24);
		if (nw > p->name_w)
			p->name_w = nw;
	}
	size_t n = run_nsteps(r);
	for (size_t i = 0; pl && i < n && used < max - 1; i++) {
		const struct plan_step *ps = pl->steps.items[i];
		enum step_state ss = run_step_state(r, i);
		const char *msg = run_step_message(r, i);
		int yy = y + used;
		draw_fill(yy, 0, w, ROLE_NORMAL);
		x = 2 + draw_str(yy, 2, 2, step_role(ss), step_glyph(ss));
		x++;
		draw_str(yy, x, p->name_w, ROLE_NORMAL, ps->step->name);
		x += p->name_w + 2;
		x += draw_str(yy, x, 10, step_role(ss), step_state_name(ss));
		x = x < 2 + 3 + p->name_w + 2 + 11 ? 2 + 3 + p->name_w + 2 + 11
						   : x + 1;
		draw_str(yy, x, w - x,
			 ss == STEP_PENDING ? ROLE_DIM : ROLE_NORMAL,
			 *msg ? msg : ps->summary);
		used++;
	}

	/* what the run waits for from me */
	size_t step;
	const char *instr;
	enum runs_ask ask = runs_asking(p->rr, &step, &instr);
	if (ask != RUNS_ASK_NONE && used < max - 1) {
		draw_fill(y + used, 0, w, ROLE_NORMAL);
		const char *what =
		    ask == RUNS_ASK_CONFIRM
			? "ACTION NEEDED: step %zu asks you to proceed "
			  "or abort (Enter answers)"
		    : pl && pl->gate == APPROVAL_CONFIRM
			? "ACTION NEEDED: read the plan, then type the "
			  "environment's name to run it (Enter answers)"
		    : pl && pl->gate == APPROVAL_SECOND_PERSON
			? "ACTION NEEDED: read the plan, then say whether "
			  "to ask a second person to approve it (Enter "
			  "answers)"
			: "ACTION NEEDED: read the plan, then say whether "
			  "to run it (Enter answers)";
		draw_fmt(y + used, 1, w - 1, ROLE_WARNING, what, step + 1);
		used++;
		int shown = 0;
		for (const char *s = ask == RUNS_ASK_CONFIRM ? instr : "";
		     *s && used < max - 1 && shown++ < INSTRUCTION_ROWS;) {
			size_t len = strcspn(s, "\n");
			draw_fill(y + used, 0, w, ROLE_NORMAL);
			draw_text(y + used, 3, w - 3, ROLE_NORMAL, s, len);
			used++;
			s += len + (s[len] == '\n');
		}
		ask_later(p);
	}
	draw_hline(y + used, 0, w, ROLE_DIM);
	return used + 1;
}

/* ---- questions ----------------------------------------------------------- */

static void ask(struct run_view *p);

static void gate_answer(void *arg, const char *line)
{
	struct run_view *p = arg;
	p->prompting = false;
	if (p->closing)
		return;
	struct run *r = runs_run(p->rr);
	if (run_state(r) != RUN_CONFIRMING)
		return;
	const struct plan *pl = run_plan(r);
	bool typed_name = pl && pl->gate == APPROVAL_CONFIRM;
	if (!line) {
		run_gate_answer(r, NULL, NULL);
		return;
	}
	struct buf why = BUF_INIT;
	if (typed_name) {
		if (!run_gate_answer(r, line, &why)) {
			buf_clear(&p->prompt);
			buf_printf(&p->prompt,
				   "That is not the environment's name. Type "
				   "it to proceed (Esc declines): ");
			app_prompt(p->v->app, &(struct prompt_req){
						  buf_str(&p->prompt), NULL,
						  gate_answer, NULL, p});
			p->prompting = true;
		}
		buf_free(&why);
		return;
	}
	if (!strcasecmp(line, "y") || !strcasecmp(line, "yes"))
		run_gate_answer(r, "yes", &why);
	else if (!strcasecmp(line, "n") || !strcasecmp(line, "no"))
		run_gate_answer(r, NULL, NULL);
	else {
		app_prompt(
		    p->v->app,
		    &(struct prompt_req){"Answer y or n. Run it? (y/n): ", NULL,
					 gate_answer, NULL, p});
		p->prompting = true;
	}
	buf_free(&why);
}

static void confirm_complete(void *arg, const char *line, const char *word,
			     struct vec *out)
{
	(void)arg;
	if (strchr(line, ' '))
		return; /* the note is free text */
	static const char *const words[] = {"proceed", "abort"};
	for (size_t i = 0; i < 2; i++)
		if (str_has_prefix(words[i], word))
			vec_push(out, xstrdup(words[i]));
}

static void confirm_answer(void *arg, const char *line)
{
	struct run_view *p = arg;
	p->prompting = false;
	if (p->closing || !line)
		return; /* Esc: still open; Enter asks again */
	size_t step;
	if (runs_asking(p->rr, &step, NULL) != RUNS_ASK_CONFIRM)
		return;
	while (*line == ' ')
		line++;
	size_t n = strcspn(line, " ");
	const char *note = line + n;
	while (*note == ' ')
		note++;
	bool proceed = (n == 7 && !strncasecmp(line, "proceed", 7)) ||
		       (n == 1 && (*line == 'p' || *line == 'P'));
	bool stop = (n == 5 && !strncasecmp(line, "abort", 5)) ||
		    (n == 1 && (*line == 'a' || *line == 'A'));
	if (!proceed && !stop) {
		app_prompt(p->v->app,
			   &(struct prompt_req){
			       "Start with proceed or abort, then a note: ",
			       NULL, confirm_answer, confirm_complete, p});
		p->prompting = true;
		return;
	}
	runs_confirm(p->rr, proceed, note);
}

/* Ask what the run waits for, now. */
static void ask(struct run_view *p)
{
	size_t step;
	enum runs_ask what = runs_asking(p->rr, &step, NULL);
	struct run *r = runs_run(p->rr);
	if (what == RUNS_ASK_NONE || prompt_active())
		return;
	if (what == RUNS_ASK_GATE) {
		const struct plan *pl = run_plan(r);
		p->asked_gate = true;
		app_prompt(
		    p->v->app,
		    &(struct prompt_req){pl && pl->gate == APPROVAL_CONFIRM
					     ? "Type the environment's name to "
					       "proceed (Esc declines): "
					     : "Run it? (y/n): ",
					 NULL, gate_answer, NULL, p});
	} else {
		p->asked_confirm = true;
		p->asked_step = step;
		app_prompt(p->v->app, &(struct prompt_req){
					  "proceed or abort, then a note: ",
					  "confirm-note", confirm_answer,
					  confirm_complete, p});
	}
	p->prompting = true;
}

static void ask_fired(struct loop *l, void *arg)
{
	(void)l;
	struct run_view *p = arg;
	p->ask_timer = NULL;
	ask(p);
}

/* From head(), which is drawn only when the view is on screen: ask a
 * question the first time it is seen, just after this frame. */
static void ask_later(struct run_view *p)
{
	size_t step;
	enum runs_ask what = runs_asking(p->rr, &step, NULL);
	bool fresh = (what == RUNS_ASK_GATE && !p->asked_gate) ||
		     (what == RUNS_ASK_CONFIRM &&
		      (!p->asked_confirm || p->asked_step != step));
	if (!fresh || p->ask_timer || prompt_active())
		return;
	p->ask_timer = loop_timer_add(app_loop(p->v->app), 0, ask_fired, p);
}

static void abort_answer(void *arg, const char *line)
{
	struct run_view *p = arg;
	p->prompting = false;
	if (p->closing || !line)
		return;
	if (!strcasecmp(line, "y") || !strcasecmp(line, "yes"))
		run_abort(runs_run(p->rr), "by the operator, in the console");
	else if (strcasecmp(line, "n") && strcasecmp(line, "no")) {
		app_prompt(p->v->app,
			   &(struct prompt_req){"Answer y or n. Abort this "
						"run? (y/n): ",
						NULL, abort_answer, NULL, p});
		p->prompting = true;
	}
}

/* ---- the view ------------------------------------------------------------ */

static bool run_open(struct view *v)
{
	struct runs_run *rr = runs_find(app_runs(v->app), v->t.run_id);
	if (!rr) {
		app_message(v->app, ROLE_ERROR,
			    "run: no run %s in this console",
			    v->t.run_id ? v->t.run_id : "");
		return false;
	}
	struct run_view *p = xcalloc(1, sizeof *p);
	v->p = p;
	p->v = v;
	p->rr = rr;
	p->base = runs_output_first(rr);
	buf_init(&p->prompt);
	return true;
}

static void run_close(struct view *v)
{
	struct run_view *p = rp(v);
	p->closing = true;
	if (p->prompting && prompt_active())
		prompt_open(NULL); /* its done sees closing */
	if (p->ask_timer)
		loop_timer_cancel(p->ask_timer);
	vec_free(&p->plan, free);
	buf_free(&p->prompt);
	free(p);
}

static void run_title(struct view *v, struct buf *out)
{
	struct run_view *p = rp(v);
	const char *dot = draw_utf8() ? " · " : " - ";
	buf_printf(out, "run%s%s%s%s", dot, runs_runbook(p->rr)->name, dot,
		   runs_env(p->rr)->name);
	if (runs_cell(p->rr))
		buf_printf(out, "%s%s", dot, runs_cell(p->rr)->service->name);
}

static unsigned run_request(struct view *v, enum action a)
{
	struct run_view *p = rp(v);
	struct run *r = the_run(v);
	switch (a) {
	case ACT_ENTER:
		if (runs_asking(p->rr, NULL, NULL) == RUNS_ASK_NONE)
			app_message(v->app, ROLE_MESSAGE,
				    "the run asks nothing now");
		ask(p);
		return VIEW_HANDLED;
	case ACT_RUN_ABORT:
		if (run_state_final(run_state(r))) {
			app_message(v->app, ROLE_MESSAGE,
				    "the run has ended (%s)",
				    run_state_name(run_state(r)));
			return VIEW_HANDLED;
		}
		buf_clear(&p->prompt);
		buf_printf(&p->prompt, "Abort run %s? (y/n): ", run_id(r));
		app_prompt(v->app,
			   &(struct prompt_req){buf_str(&p->prompt), NULL,
						abort_answer, NULL, p});
		p->prompting = true;
		return VIEW_HANDLED;
	case ACT_UP:
	case ACT_PAGE_UP:
	case ACT_HALF_UP:
	case ACT_TOP:
	case ACT_SEARCH:
	case ACT_SEARCH_BACK:
		p->moved = true;
		return VIEW_UNHANDLED; /* the generic list moves */
	default:
		return VIEW_UNHANDLED;
	}
}

static const struct model_env *run_focus(struct view *v)
{
	return runs_env(rp(v)->rr);
}

static void run_target(struct view *v, struct view_target *t)
{
	struct run_view *p = rp(v);
	t->cell = runs_cell(p->rr);
	t->service = t->cell ? t->cell->service : NULL;
	t->env = runs_env(p->rr);
}

const struct view_ops view_run = {
    .name = "run",
    .keys = KEYCTX_RUN,
    .open = run_open,
    .close = run_close,
    .title = run_title,
    .lines = run_lines,
    .head = run_head,
    .line = run_line,
    .text = run_text,
    .request = run_request,
    .focus = run_focus,
    .changed = view_changed_live_only,
    .target = run_target,
    .pager = true,
};
