/*
 * The tenants view: one tenanted service (merchant-portal), its tenants
 * down and the environments across. Each entry is a cell, shown as the
 * fleet shows cells: health glyph, live version, ready/desired replicas
 * and a drift marker when the cluster differs from Git. The cursor is one
 * entry of the grid (Left/Right between environments); Enter opens the
 * cell, and p/l/e/h/d open the pods, logs, events, history or diff of the
 * cell under the cursor through the central dispatcher (target()); D
 * diffs that cell against another environment.
 *
 * Data flow: the rows (the tenants that have a cell of the service) are
 * fixed for the model's life and found once at open; everything in an
 * entry is read from the fleet's compact per-cell state at draw time, so
 * a watch event of one of the service's cells costs one redraw of the
 * visible rows and nothing else (changed() ignores the other services).
 */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "ui/app.h"
#include "ui/draw.h"
#include "ui/view.h"
#include "ui/view_diff.h"

struct tenants_view {
	struct vec
	    tenants; /* struct model_tenant * with a cell of the service */
	size_t col;  /* the environment under the cursor */
};

static struct model *model_of(struct view *v)
{
	return app_model(v->app);
}

static bool tenants_open(struct view *v)
{
	struct model *m = model_of(v);
	struct model_service *s = v->t.service ? v->t.service
				  : v->t.cell  ? v->t.cell->service
					       : NULL;
	if (!m || !s) {
		app_message(v->app, ROLE_ERROR,
			    "tenants: choose a tenanted service first");
		return false;
	}
	if (!s->tenanted) {
		app_message(v->app, ROLE_MESSAGE, "%s has no tenants", s->name);
		return false;
	}
	v->t.service = s;
	struct tenants_view *p = xcalloc(1, sizeof *p);
	for (size_t i = 0; i < m->tenants.len; i++) {
		struct model_tenant *t = m->tenants.items[i];
		bool any = false;
		for (size_t k = 0; k < m->envs.len && !any; k++)
			any = model_cell_of(m, s, m->envs.items[k], t) != NULL;
		if (any)
			vec_push(&p->tenants, t);
	}
	/* start on the environment (and tenant) we came from */
	struct model_env *focus = v->t.env    ? v->t.env
				  : v->t.cell ? v->t.cell->env
					      : NULL;
	for (size_t k = 0; focus && k < m->envs.len; k++)
		if (m->envs.items[k] == focus)
			p->col = k;
	v->p = p;
	for (size_t i = 0; v->t.cell && i < p->tenants.len; i++)
		if (p->tenants.items[i] == v->t.cell->tenant)
			v->cursor = i;
	return true;
}

static void tenants_close(struct view *v)
{
	struct tenants_view *p = v->p;
	vec_free(&p->tenants, NULL);
	free(p);
}

static void tenants_title(struct view *v, struct buf *out)
{
	buf_printf(out, "%s%stenants", v->t.service->name,
		   draw_utf8() ? " · " : " - ");
}

static size_t tenants_lines(struct view *v)
{
	return ((struct tenants_view *)v->p)->tenants.len;
}

static struct model_env *col_env(struct view *v)
{
	struct model *m = model_of(v);
	struct tenants_view *p = v->p;
	if (!m->envs.len)
		return NULL;
	if (p->col >= m->envs.len)
		p->col = m->envs.len - 1;
	return m->envs.items[p->col];
}

static struct model_tenant *row_tenant(struct view *v)
{
	size_t i;
	struct tenants_view *p = v->p;
	return view_current(v, &i) ? p->tenants.items[i] : NULL;
}

/* The cell under the cursor, or NULL. */
static struct model_cell *cursor_cell(struct view *v)
{
	struct model_tenant *t = row_tenant(v);
	struct model_env *e = col_env(v);
	return t && e ? model_cell_of(model_of(v), v->t.service, e, t) : NULL;
}

/* The tenant column: "name  Title" (the title only when it says more). */
static int name_width(struct view *v, int w)
{
	struct tenants_view *p = v->p;
	int nw = 8;
	for (size_t i = 0; i < p->tenants.len; i++) {
		const struct model_tenant *t = p->tenants.items[i];
		int l = (int)strlen(t->name);
		if (strcmp(t->title, t->name))
			l += 2 + (int)strlen(t->title);
		if (l > nw)
			nw = l;
	}
	nw += 2;
	return nw > w / 3 ? w / 3 : nw;
}

/* A cell as the fleet shows it; its role in *r. */
static void entry(const struct model_cell *c, int room, struct buf *out,
		  enum role *r)
{
	const struct fleet_cell *fc = c ? fleet_cell(c) : NULL;
	if (!c) {
		buf_puts(out, "-");
		*r = ROLE_DIM;
		return;
	}
	if (!fc) {
		buf_puts(out, draw_health_glyph(HEALTH_UNKNOWN));
		*r = ROLE_UNKNOWN;
		return;
	}
	const char *drift = draw_sync_glyph(fc->sync);
	buf_printf(out, "%s %s", draw_health_glyph(fc->health),
		   fc->live_version	      ? fc->live_version
		   : fc->sync == SYNC_MISSING ? "missing"
					      : "?");
	if (room >= 18 && fc->present)
		buf_printf(out, " %d/%d", fc->ready, fc->desired);
	if (*drift)
		buf_printf(out, " %s", drift);
	*r = fc->sync == SYNC_OUTOFSYNC ? ROLE_DRIFT
					: draw_health_role(fc->health);
}

static int tenants_head(struct view *v, int y, int w, int h)
{
	struct model *m = model_of(v);
	if (h < 3)
		return 0;
	int nw = name_width(v, w);
	int cw = m->envs.len ? (w - nw) / (int)m->envs.len : 0;
	draw_fill(y, 0, w, ROLE_TITLE);
	draw_str(y, 1, nw - 1, ROLE_TITLE, "TENANT");
	for (size_t i = 0; i < m->envs.len; i++) {
		const struct model_env *e = m->envs.items[i];
		bool loud = e->protected_ || !strcmp(e->name, "production");
		draw_str(y, nw + (int)i * cw, cw - 1,
			 loud ? ROLE_PRODUCTION : ROLE_TITLE, e->name);
	}
	/* the cell under the cursor, in words */
	draw_fill(y + 1, 0, w, ROLE_NORMAL);
	struct model_tenant *t = row_tenant(v);
	struct model_env *e = col_env(v);
	if (!t || !e)
		return 2;
	const struct model_cell *c = cursor_cell(v);
	const struct fleet_cell *fc = c ? fleet_cell(c) : NULL;
	if (!c) {
		draw_fmt(y + 1, 1, w - 1, ROLE_DIM,
			 "%s does not run for %s in %s", v->t.service->name,
			 t->name, e->name);
		return 2;
	}
	int x = 1;
	x += draw_fmt(y + 1, x, w - x, ROLE_NORMAL, "%s: ", c->key);
	if (fc) {
		x += draw_str(y + 1, x, w - x, draw_sync_role(fc->sync),
			      sync_name(fc->sync));
		x += draw_str(y + 1, x, w - x, ROLE_NORMAL, " ");
		x += draw_str(y + 1, x, w - x, draw_health_role(fc->health),
			      health_name(fc->health));
	}
	x += draw_fmt(y + 1, x, w - x, ROLE_DIM, "  Git %s",
		      c->desired.version ? c->desired.version : "(none)");
	if (fc && *fc->reason)
		draw_fmt(y + 1, x, w - x, ROLE_DIM, "  %s", fc->reason);
	return 2;
}

static void tenants_line(struct view *v, size_t i, int y, int w)
{
	struct model *m = model_of(v);
	struct tenants_view *p = v->p;
	const struct model_tenant *t = p->tenants.items[i];
	int nw = name_width(v, w);
	int cw = m->envs.len ? (w - nw) / (int)m->envs.len : 0;
	bool cur_row = i == view_line_at(v, v->cursor);
	int x = 1 + draw_text_hl(y, 1, nw - 2, ROLE_NORMAL, t->name,
				 strlen(t->name), v->search, 0);
	if (strcmp(t->title, t->name) && x + 2 < nw - 1)
		draw_text_hl(y, x + 2, nw - 1 - (x + 2), ROLE_DIM, t->title,
			     strlen(t->title), v->search, 0);
	struct buf b = BUF_INIT;
	for (size_t k = 0; k < m->envs.len; k++) {
		enum role r = ROLE_NORMAL;
		buf_clear(&b);
		entry(model_cell_of(m, v->t.service, m->envs.items[k], t), cw,
		      &b, &r);
		int cx = nw + (int)k * cw;
		if (cur_row && k == p->col) {
			draw_fill(y, cx - 1, cw, ROLE_CURSOR);
			draw_str(y, cx, cw - 2, ROLE_CURSOR, buf_str(&b));
		} else {
			draw_text_hl(y, cx, cw - 2, r, b.data, b.len, v->search,
				     0);
		}
	}
	buf_free(&b);
}

static void tenants_text(struct view *v, size_t i, struct buf *out)
{
	struct model *m = model_of(v);
	struct tenants_view *p = v->p;
	const struct model_tenant *t = p->tenants.items[i];
	buf_printf(out, "%s %s", t->name, t->title);
	for (size_t k = 0; k < m->envs.len; k++) {
		enum role r;
		buf_putc(out, ' ');
		entry(model_cell_of(m, v->t.service, m->envs.items[k], t), 40,
		      out, &r);
	}
}

static unsigned tenants_request(struct view *v, enum action a)
{
	struct tenants_view *p = v->p;
	struct model *m = model_of(v);
	struct model_cell *c = cursor_cell(v);
	switch (a) {
	case ACT_LEFT:
		if (p->col)
			p->col--;
		return VIEW_HANDLED | VIEW_REDRAW;
	case ACT_RIGHT:
		if (p->col + 1 < m->envs.len)
			p->col++;
		return VIEW_HANDLED | VIEW_REDRAW;
	case ACT_VIEW_TENANTS:
		return VIEW_HANDLED; /* already here */
	case ACT_VIEW_DIFF_ENV:
		if (c)
			view_diff_ask_env(v->app, c);
		return VIEW_HANDLED;
	case ACT_ENTER:
	case ACT_VIEW_PODS:
	case ACT_VIEW_LOGS:
	case ACT_VIEW_EVENTS:
	case ACT_VIEW_HISTORY:
	case ACT_VIEW_DIFF:
		if (!c) {
			struct model_tenant *t = row_tenant(v);
			struct model_env *e = col_env(v);
			if (t && e)
				app_message(v->app, ROLE_MESSAGE,
					    "%s does not run for %s in %s",
					    v->t.service->name, t->name,
					    e->name);
			return VIEW_HANDLED;
		}
		if (a != ACT_ENTER)
			return VIEW_UNHANDLED; /* the dispatcher, on target() */
		app_push(v->app, &view_cell,
			 &(struct view_target){
			     .cell = c, .service = c->service, .env = c->env});
		return VIEW_HANDLED;
	default:
		return VIEW_UNHANDLED;
	}
}

static void tenants_target(struct view *v, struct view_target *t)
{
	t->service = v->t.service;
	t->env = col_env(v);
	t->cell = cursor_cell(v);
}

static const struct model_env *tenants_focus(struct view *v)
{
	return col_env(v);
}

static bool tenants_changed(struct view *v, unsigned what,
			    struct model_cell *cell)
{
	if (what & SESSION_CHANGED_CELL)
		return cell && cell->service == v->t.service;
	return true;
}

const struct view_ops view_tenants = {
    .name = "tenants",
    .keys = KEYCTX_TENANTS,
    .open = tenants_open,
    .close = tenants_close,
    .title = tenants_title,
    .lines = tenants_lines,
    .head = tenants_head,
    .line = tenants_line,
    .text = tenants_text,
    .request = tenants_request,
    .focus = tenants_focus,
    .changed = tenants_changed,
    .target = tenants_target,
    .own_cursor = true,
};
