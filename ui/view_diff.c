/*
 * The diff view: a coloured unified diff of the files that define a cell,
 * read like a pager (no cursor line: the top line is the position; Left/
 * Right scroll sideways; / searches with highlight). It compares one of:
 *
 *   t.release             that release against its parent commit
 *   t.release, release2   two releases of the cell (release2 the older)
 *   t.cell, t.other       the cell's files against another environment's
 *                         (staging against production), at the tip
 *   t.cell alone          the cell's last release against its parent
 *                         (key d from the fleet or the cell view)
 *
 * Data flow: open() asks the session for the text (session_diff_revs or
 * session_diff_cells: Git work on the session's worker thread); until the
 * callback a "computing the diff…" line shows. The text arrives once and
 * is split into lines once (an offset and a length each), so drawing and
 * searching a line are constant work. A cell-only diff whose history is
 * still being read waits for SESSION_CHANGED_RELEASES first. close()
 * cancels a job still running, so the callback never meets a freed view.
 *
 * The text comes from the repo: it is drawn with draw_text_hl only.
 */
#include "ui/view_diff.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/str.h"
#include "ui/app.h"
#include "ui/draw.h"
#include "ui/view.h"

enum diff_mode {
	DIFF_RELEASE, /* a release against its parent */
	DIFF_RANGE,   /* two releases */
	DIFF_ENVS,    /* two environments */
};

enum diff_state {
	DIFF_WAIT_HISTORY, /* a cell-only diff, its release not known yet */
	DIFF_COMPUTING,
	DIFF_DONE,
	DIFF_FAILED,
};

struct diff_line {
	size_t start, len;
};

struct diff_view {
	enum diff_mode mode;
	enum diff_state state;
	struct session_job *job;
	struct buf text; /* the diff, or why it failed */
	struct diff_line *lines;
	size_t n;
};

static const char *arrow(void)
{
	return draw_utf8() ? "→" : "->";
}

static const char *or_none(const char *s)
{
	return s ? s : "(none)";
}

/* Split the text into lines once. */
static void split_lines(struct diff_view *p)
{
	size_t cap = 64;
	p->lines = xcalloc(cap, sizeof *p->lines);
	p->n = 0;
	const char *s = buf_str(&p->text);
	size_t at = 0;
	while (at < p->text.len) {
		const char *nl = memchr(s + at, '\n', p->text.len - at);
		size_t len = nl ? (size_t)(nl - (s + at)) : p->text.len - at;
		if (p->n == cap) {
			cap *= 2;
			p->lines = xrealloc(p->lines, cap * sizeof *p->lines);
		}
		p->lines[p->n++] = (struct diff_line){at, len};
		at += len + 1;
	}
}

static void text_in(void *arg, enum status st, const char *text, size_t len,
		    const char *error)
{
	struct view *v = arg;
	struct diff_view *p = v->p;
	p->job = NULL;
	buf_clear(&p->text);
	if (st != ST_OK) {
		p->state = DIFF_FAILED;
		buf_printf(&p->text, "the diff could not be made: %s", error);
	} else {
		p->state = DIFF_DONE;
		buf_append(&p->text, text, len);
		/* only the "# versions" line: the files are the same */
		const char *nl = memchr(text, '\n', len);
		if (!nl || (size_t)(nl - text) + 1 >= len) {
			if (p->text.len &&
			    p->text.data[p->text.len - 1] != '\n')
				buf_putc(&p->text, '\n');
			buf_puts(&p->text,
				 "(no difference in the cell's files)\n");
		}
		split_lines(p);
	}
	app_dirty(v->app);
}

/* The release a cell-only diff shows: the cell's last. NULL with *known
 * false while the history is still being read. */
static const struct release *last_release(struct view *v, bool *known)
{
	const struct fleet_cell *fc = fleet_cell(v->t.cell);
	*known = true;
	if (fc && fc->last)
		return fc->last;
	struct vec rels = VEC_INIT;
	*known = session_releases(app_session(v->app), v->t.cell, &rels);
	const struct release *r = rels.len ? rels.items[0] : NULL;
	vec_free(&rels, NULL);
	return r;
}

static void start(struct view *v)
{
	struct diff_view *p = v->p;
	struct session *s = app_session(v->app);
	p->state = DIFF_COMPUTING;
	switch (p->mode) {
	case DIFF_RELEASE:
		p->job = session_diff_revs(s, v->t.release->cell, NULL,
					   v->t.release->hex, text_in, v);
		break;
	case DIFF_RANGE:
		p->job =
		    session_diff_revs(s, v->t.release->cell, v->t.release2->hex,
				      v->t.release->hex, text_in, v);
		break;
	case DIFF_ENVS:
		p->job =
		    session_diff_cells(s, v->t.cell, v->t.other, text_in, v);
		break;
	}
}

/* The history of a cell-only diff is in (or failed): pick its release.
 * False when there is nothing to show (said in a message). */
static bool resolve(struct view *v)
{
	struct diff_view *p = v->p;
	bool known;
	const struct release *r = last_release(v, &known);
	if (r) {
		v->t.release = r;
		start(v);
		return true;
	}
	if (known) {
		app_message(v->app, ROLE_MESSAGE,
			    "%s has no release in the history", v->t.cell->key);
		return false;
	}
	p->state = DIFF_WAIT_HISTORY;
	return true;
}

static bool diff_open(struct view *v)
{
	if (v->t.release && !v->t.cell)
		v->t.cell = (struct model_cell *)v->t.release->cell;
	if (!v->t.cell) {
		app_message(v->app, ROLE_ERROR, "diff: choose a cell first");
		return false;
	}
	struct diff_view *p = xcalloc(1, sizeof *p);
	v->p = p;
	bool ok = true;
	if (v->t.other) {
		p->mode = DIFF_ENVS;
		start(v);
	} else if (v->t.release && v->t.release2) {
		p->mode = DIFF_RANGE;
		start(v);
	} else if (v->t.release) {
		p->mode = DIFF_RELEASE;
		start(v);
	} else {
		p->mode = DIFF_RELEASE;
		ok = resolve(v);
	}
	if (!ok) {
		free(p);
		v->p = NULL;
	}
	return ok;
}

static void diff_close(struct view *v)
{
	struct diff_view *p = v->p;
	session_job_cancel(p->job);
	buf_free(&p->text);
	free(p->lines);
	free(p);
}

static void diff_title(struct view *v, struct buf *out)
{
	struct diff_view *p = v->p;
	const struct release *r = v->t.release, *r2 = v->t.release2;
	const struct model_cell *c = v->t.cell;
	switch (p->mode) {
	case DIFF_ENVS:
		buf_puts(out, c->service->name);
		if (c->tenant)
			buf_printf(out, "/%s", c->tenant->name);
		buf_printf(out, ": %s vs %s", c->env->name,
			   v->t.other->env->name);
		break;
	case DIFF_RANGE:
		buf_printf(out, "%s: %s %s %s (%.8s..%.8s)", c->key,
			   or_none(r2->new_version), arrow(),
			   or_none(r->new_version), r2->hex, r->hex);
		break;
	case DIFF_RELEASE:
		if (!r)
			buf_printf(out, "%s: the last release", c->key);
		else
			buf_printf(out, "%s: %s %s %s (%.8s)", c->key,
				   or_none(r->old_version), arrow(),
				   or_none(r->new_version), r->hex);
		break;
	}
}

static size_t diff_lines(struct view *v)
{
	struct diff_view *p = v->p;
	return p->state == DIFF_DONE ? p->n : 1;
}

static enum role line_role(const char *s, size_t len, size_t i)
{
	if (i == 0 && len && s[0] == '#')
		return ROLE_TITLE;
	if ((len >= 3 && (!strncmp(s, "+++", 3) || !strncmp(s, "---", 3))) ||
	    (len >= 10 && !strncmp(s, "diff --git", 10)) ||
	    (len >= 5 && !strncmp(s, "index", 5)))
		return ROLE_DIFF_FILE;
	if (len >= 2 && !strncmp(s, "@@", 2))
		return ROLE_DIFF_HUNK;
	if (len && s[0] == '+')
		return ROLE_DIFF_ADD;
	if (len && s[0] == '-')
		return ROLE_DIFF_DEL;
	if (len && (s[0] == '\\' || s[0] == '('))
		return ROLE_DIM; /* "\ No newline at end of file", our notes */
	return ROLE_NORMAL;
}

static void diff_line(struct view *v, size_t i, int y, int w)
{
	struct diff_view *p = v->p;
	switch (p->state) {
	case DIFF_WAIT_HISTORY:
		draw_str(y, 1, w - 1, ROLE_DIM,
			 draw_utf8() ? "reading the history…"
				     : "reading the history...");
		return;
	case DIFF_COMPUTING:
		draw_str(y, 1, w - 1, ROLE_DIM,
			 draw_utf8() ? "computing the diff…"
				     : "computing the diff...");
		return;
	case DIFF_FAILED:
		draw_text(y, 1, w - 1, ROLE_ERROR, p->text.data, p->text.len);
		return;
	case DIFF_DONE:
		break;
	}
	const char *s = p->text.data + p->lines[i].start;
	size_t len = p->lines[i].len;
	draw_text_hl(y, 1, w - 1, line_role(s, len, i), s, len, v->search,
		     v->hscroll);
}

static void diff_text(struct view *v, size_t i, struct buf *out)
{
	struct diff_view *p = v->p;
	if (p->state == DIFF_DONE)
		buf_append(out, p->text.data + p->lines[i].start,
			   p->lines[i].len);
	else if (p->state == DIFF_FAILED)
		buf_append(out, p->text.data, p->text.len);
}

static unsigned diff_request(struct view *v, enum action a)
{
	switch (a) {
	case ACT_VIEW_DIFF:
	case ACT_ENTER:
		return VIEW_HANDLED; /* this is the diff */
	case ACT_VIEW_DIFF_ENV:
		view_diff_ask_env(v->app, v->t.cell);
		return VIEW_HANDLED;
	default:
		return VIEW_UNHANDLED;
	}
}

static bool loud(const struct model_env *e)
{
	return e->protected_ || !strcmp(e->name, "production");
}

static const struct model_env *diff_focus(struct view *v)
{
	struct diff_view *p = v->p;
	if (p->mode == DIFF_ENVS && !loud(v->t.cell->env) &&
	    loud(v->t.other->env))
		return v->t.other->env;
	return v->t.cell->env;
}

static bool diff_changed(struct view *v, unsigned what, struct model_cell *cell)
{
	(void)cell;
	struct diff_view *p = v->p;
	if (!(what & SESSION_CHANGED_RELEASES) || p->state != DIFF_WAIT_HISTORY)
		return false;
	bool known;
	const struct release *r = last_release(v, &known);
	if (r) {
		v->t.release = r;
		start(v);
	} else {
		/* in, with no release of this cell, or the walk failed */
		p->state = DIFF_FAILED;
		buf_clear(&p->text);
		if (known)
			buf_printf(&p->text, "%s has no release in the history",
				   v->t.cell->key);
		else
			buf_puts(&p->text, "the history could not be read "
					   "(the status line says why)");
	}
	return true;
}

const struct view_ops view_diff = {
    .name = "diff",
    .keys = KEYCTX_DIFF,
    .open = diff_open,
    .close = diff_close,
    .title = diff_title,
    .lines = diff_lines,
    .line = diff_line,
    .text = diff_text,
    .request = diff_request,
    .focus = diff_focus,
    .changed = diff_changed,
    .pager = true,
};

/* ---- D: this environment against another ------------------------- */

/* One prompt is open at a time, so one slot holds what it is about. */
static struct {
	struct app *a;
	struct model_cell *cell;
	struct model_env *offer; /* taken on an empty answer */
} ask;

static struct model_cell *cell_in(struct model_env *e)
{
	struct model *m = app_model(ask.a);
	return m ? model_cell_of(m, ask.cell->service, e, ask.cell->tenant)
		 : NULL;
}

static void ask_complete(void *arg, const char *line, const char *word,
			 struct vec *out)
{
	(void)arg;
	(void)line;
	struct model *m = app_model(ask.a);
	for (size_t i = 0; m && i < m->envs.len; i++) {
		struct model_env *e = m->envs.items[i];
		if (e != ask.cell->env && cell_in(e) &&
		    str_has_prefix(e->name, word))
			vec_push(out, xstrdup(e->name));
	}
}

static void ask_done(void *arg, const char *line)
{
	(void)arg;
	struct model *m = app_model(ask.a);
	if (!line || !m)
		return;
	char *name = str_trim(xstrdup(line));
	struct model_env *e = *name ? model_env(m, name) : ask.offer;
	struct model_cell *other = e ? cell_in(e) : NULL;
	if (!e)
		app_message(ask.a, ROLE_ERROR, "no environment '%s'", name);
	else if (e == ask.cell->env)
		app_message(ask.a, ROLE_MESSAGE,
			    "that is %s's own environment: choose another",
			    ask.cell->key);
	else if (!other)
		app_message(ask.a, ROLE_MESSAGE, "%s does not run in %s",
			    ask.cell->service->name, e->name);
	else
		app_push(ask.a, &view_diff,
			 &(struct view_target){.cell = ask.cell,
					       .service = ask.cell->service,
					       .env = ask.cell->env,
					       .other = other});
	free(name);
}

void view_diff_ask_env(struct app *a, struct model_cell *cell)
{
	struct model *m = app_model(a);
	if (!m || !cell)
		return;
	ask.a = a;
	ask.cell = cell;
	ask.offer = NULL;
	/* offer the next environment in promotion order, else the one
	 * before: staging is compared with production, production with
	 * staging */
	size_t at = 0;
	while (at < m->envs.len && m->envs.items[at] != cell->env)
		at++;
	for (size_t i = at + 1; i < m->envs.len && !ask.offer; i++)
		if (cell_in(m->envs.items[i]))
			ask.offer = m->envs.items[i];
	for (size_t i = at; i-- > 0 && !ask.offer;)
		if (cell_in(m->envs.items[i]))
			ask.offer = m->envs.items[i];
	if (!ask.offer) {
		app_message(a, ROLE_MESSAGE, "%s runs in no other environment",
			    cell->service->name);
		return;
	}
	struct buf prompt = BUF_INIT;
	buf_printf(&prompt, "diff %s against [%s]: ", cell->key,
		   ask.offer->name);
	app_prompt(a, &(struct prompt_req){.prompt = buf_str(&prompt),
					   .history = "environment",
					   .done = ask_done,
					   .complete = ask_complete});
	buf_free(&prompt);
}
