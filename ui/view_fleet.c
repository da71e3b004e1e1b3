/*
 * The fleet view (home): services down, environments across. Each cell
 * shows its health glyph, live version, ready/desired replicas and a
 * drift marker when the cluster differs from Git; a tenanted service is
 * one row summarising its tenants per environment. The cursor is one cell
 * of the grid (left/right between environments); Enter opens the cell,
 * or the tenants view of a tenanted service.
 *
 * Everything drawn comes from the fleet's compact per-cell state, read at
 * draw time; nothing is cached here, so a watch event costs one redraw of
 * the visible rows and nothing else.
 */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "ui/app.h"
#include "ui/draw.h"
#include "ui/view.h"

struct fleet_view {
	size_t col; /* the environment under the cursor */
};

static struct model *model_of(struct view *v)
{
	return app_model(v->app);
}

static bool fleet_open(struct view *v)
{
	v->p = xcalloc(1, sizeof(struct fleet_view));
	return true;
}

static void fleet_close(struct view *v)
{
	free(v->p);
}

static void fleet_title(struct view *v, struct buf *out)
{
	struct model *m = model_of(v);
	buf_puts(out, "fleet");
	if (m)
		buf_printf(out, " (%zu services, %zu environments)",
			   m->services.len, m->envs.len);
}

static size_t fleet_lines(struct view *v)
{
	struct model *m = model_of(v);
	return m ? m->services.len : 0;
}

static int name_width(struct model *m, int w)
{
	int nw = 8;
	for (size_t i = 0; i < m->services.len; i++) {
		const struct model_service *s = m->services.items[i];
		int l = (int)strlen(s->name) + (s->tenanted ? 2 : 0);
		if (l > nw)
			nw = l;
	}
	nw += 2;
	return nw > w / 3 ? w / 3 : nw;
}

static struct model_env *col_env(struct view *v)
{
	struct model *m = model_of(v);
	struct fleet_view *p = v->p;
	if (!m || !m->envs.len)
		return NULL;
	if (p->col >= m->envs.len)
		p->col = m->envs.len - 1;
	return m->envs.items[p->col];
}

static struct model_service *row_service(struct view *v)
{
	size_t i;
	struct model *m = model_of(v);
	return m && view_current(v, &i) ? m->services.items[i] : NULL;
}

/* The cell's summary into out; its role in *r. */
static void cell_summary(const struct model_cell *c, int room,
			 struct buf *out, enum role *r)
{
	const struct fleet_cell *fc = fleet_cell(c);
	if (!fc) {
		buf_puts(out, "·");
		*r = ROLE_UNKNOWN;
		return;
	}
	const char *drift = draw_sync_glyph(fc->sync);
	buf_printf(out, "%s %s", draw_health_glyph(fc->health),
		   fc->live_version ? fc->live_version
				    : fc->sync == SYNC_MISSING ? "missing"
							       : "?");
	if (room >= 18 && fc->present)
		buf_printf(out, " %d/%d", fc->ready, fc->desired);
	if (*drift)
		buf_printf(out, " %s", drift);
	*r = fc->sync == SYNC_OUTOFSYNC ? ROLE_DRIFT
				       : draw_health_role(fc->health);
}

static void rollup_summary(const struct model_service *s,
			   const struct model_env *e, int room,
			   struct buf *out, enum role *r)
{
	struct fleet_rollup ru;
	fleet_rollup(s, e, &ru);
	if (!ru.cells) {
		buf_puts(out, "-");
		*r = ROLE_DIM;
		return;
	}
	size_t ok = ru.healthy < ru.synced ? ru.healthy : ru.synced;
	buf_printf(out, "%s %s", draw_health_glyph(ru.worst),
		   ru.version ? ru.version : "mixed");
	if (room >= 18)
		buf_printf(out, " %zu/%zu ok", ok, ru.cells);
	if (ru.worst_sync != SYNC_SYNCED)
		buf_printf(out, " %s", draw_sync_glyph(ru.worst_sync));
	*r = ru.worst_sync == SYNC_OUTOFSYNC ? ROLE_DRIFT
					     : draw_health_role(ru.worst);
}

static void entry(struct view *v, const struct model_service *s,
		  const struct model_env *e, int room, struct buf *out,
		  enum role *r)
{
	struct model *m = model_of(v);
	if (s->tenanted) {
		rollup_summary(s, e, room, out, r);
		return;
	}
	const struct model_cell *c = model_cell_of(m, s, e, NULL);
	if (!c) {
		buf_puts(out, "-");
		*r = ROLE_DIM;
	} else {
		cell_summary(c, room, out, r);
	}
}

static int fleet_head(struct view *v, int y, int w, int h)
{
	struct model *m = model_of(v);
	if (!m) {
		struct session *s = app_session(v->app);
		draw_str(y + 1, 2, w - 2,
			 session_state(s) == SESSION_FAILED ? ROLE_ERROR
							    : ROLE_DIM,
			 session_message(s));
		return 2;
	}
	if (h < 3)
		return 0;
	int nw = name_width(m, w);
	int cw = m->envs.len ? (w - nw) / (int)m->envs.len : 0;
	draw_fill(y, 0, w, ROLE_TITLE);
	draw_str(y, 1, nw - 1, ROLE_TITLE, "SERVICE");
	for (size_t i = 0; i < m->envs.len; i++) {
		const struct model_env *e = m->envs.items[i];
		bool loud = e->protected_ || !strcmp(e->name, "production");
		draw_str(y, nw + (int)i * cw, cw - 1,
			 loud ? ROLE_PRODUCTION : ROLE_TITLE, e->name);
	}
	/* the cell under the cursor, in words */
	struct model_service *s = row_service(v);
	struct model_env *e = col_env(v);
	draw_fill(y + 1, 0, w, ROLE_NORMAL);
	if (!s || !e)
		return 2;
	if (s->tenanted) {
		struct fleet_rollup ru;
		fleet_rollup(s, e, &ru);
		draw_fmt(y + 1, 1, w - 1, ROLE_DIM,
			 "%s in %s: %zu tenants, %zu healthy, %zu in sync "
			 "(Enter: tenants)",
			 s->name, e->name, ru.cells, ru.healthy, ru.synced);
		return 2;
	}
	const struct model_cell *c = model_cell_of(m, s, e, NULL);
	const struct fleet_cell *fc = c ? fleet_cell(c) : NULL;
	if (!fc) {
		draw_fmt(y + 1, 1, w - 1, ROLE_DIM, "%s does not run in %s",
			 s->name, e->name);
		return 2;
	}
	int x = 1;
	x += draw_fmt(y + 1, x, w - x, ROLE_NORMAL, "%s: ", c->key);
	x += draw_str(y + 1, x, w - x, draw_sync_role(fc->sync),
		      sync_name(fc->sync));
	x += draw_str(y + 1, x, w - x, ROLE_NORMAL, " ");
	x += draw_str(y + 1, x, w - x, draw_health_role(fc->health),
		      health_name(fc->health));
	x += draw_fmt(y + 1, x, w - x, ROLE_DIM, "  Git %s",
		      c->desired.version ? c->desired.version : "(none)");
	if (*fc->reason)
		draw_fmt(y + 1, x, w - x, ROLE_DIM, "  %s", fc->reason);
	return 2;
}

static void fleet_line(struct view *v, size_t i, int y, int w)
{
	struct model *m = model_of(v);
	struct fleet_view *p = v->p;
	const struct model_service *s = m->services.items[i];
	int nw = name_width(m, w);
	int cw = m->envs.len ? (w - nw) / (int)m->envs.len : 0;
	bool cur_row = i == view_line_at(v, v->cursor);
	int x = draw_str(y, 1, nw - 1, ROLE_NORMAL, s->name);
	if (s->tenanted)
		draw_str(y, 1 + x, nw - 1 - x, ROLE_DIM, "*");
	struct buf b = BUF_INIT;
	for (size_t k = 0; k < m->envs.len; k++) {
		enum role r = ROLE_NORMAL;
		buf_clear(&b);
		entry(v, s, m->envs.items[k], cw, &b, &r);
		int cx = nw + (int)k * cw;
		if (cur_row && k == p->col) {
			draw_fill(y, cx - 1, cw, ROLE_CURSOR);
			draw_str(y, cx, cw - 2, ROLE_CURSOR, buf_str(&b));
		} else {
			draw_str(y, cx, cw - 2, r, buf_str(&b));
		}
	}
	buf_free(&b);
}

static void fleet_text(struct view *v, size_t i, struct buf *out)
{
	struct model *m = model_of(v);
	const struct model_service *s = m->services.items[i];
	buf_puts(out, s->name);
	for (size_t k = 0; k < m->envs.len; k++) {
		enum role r;
		buf_putc(out, ' ');
		entry(v, s, m->envs.items[k], 40, out, &r);
	}
}

static unsigned fleet_request(struct view *v, enum action a)
{
	struct fleet_view *p = v->p;
	struct model *m = model_of(v);
	if (!m)
		return VIEW_UNHANDLED;
	struct model_service *s = row_service(v);
	struct model_env *e = col_env(v);
	struct view_target t = {.service = s, .env = e};
	switch (a) {
	case ACT_LEFT:
		if (p->col)
			p->col--;
		return VIEW_HANDLED | VIEW_REDRAW;
	case ACT_RIGHT:
		if (p->col + 1 < m->envs.len)
			p->col++;
		return VIEW_HANDLED | VIEW_REDRAW;
	case ACT_ENTER:
	case ACT_VIEW_TENANTS:
		if (!s || !e)
			return VIEW_HANDLED;
		if (s->tenanted) {
			app_push(v->app, &view_tenants, &t);
			return VIEW_HANDLED;
		}
		if (a == ACT_VIEW_TENANTS) {
			app_message(v->app, ROLE_MESSAGE,
				    "%s has no tenants", s->name);
			return VIEW_HANDLED;
		}
		t.cell = model_cell_of(m, s, e, NULL);
		if (!t.cell)
			app_message(v->app, ROLE_MESSAGE,
				    "%s does not run in %s", s->name, e->name);
		else
			app_push(v->app, &view_cell, &t);
		return VIEW_HANDLED;
	case ACT_VIEW_PODS:
	case ACT_VIEW_LOGS:
	case ACT_VIEW_EVENTS:
	case ACT_VIEW_HISTORY:
	case ACT_VIEW_DIFF:
		/* the views of the cell under the cursor */
		if (!s || !e || s->tenanted) {
			app_message(v->app, ROLE_MESSAGE,
				    "choose a cell first (Enter)");
			return VIEW_HANDLED;
		}
		return model_cell_of(m, s, e, NULL) ? VIEW_UNHANDLED
						    : VIEW_HANDLED;
	default:
		return VIEW_UNHANDLED;
	}
}

static void fleet_target(struct view *v, struct view_target *t)
{
	struct model *m = model_of(v);
	t->service = row_service(v);
	t->env = col_env(v);
	if (m && t->service && t->env && !t->service->tenanted)
		t->cell = model_cell_of(m, t->service, t->env, NULL);
}

static const struct model_env *fleet_focus(struct view *v)
{
	return col_env(v);
}

const struct view_ops view_fleet = {
	.name = "fleet",
	.keys = KEYCTX_FLEET,
	.open = fleet_open,
	.close = fleet_close,
	.title = fleet_title,
	.lines = fleet_lines,
	.head = fleet_head,
	.line = fleet_line,
	.text = fleet_text,
	.request = fleet_request,
	.focus = fleet_focus,
	.target = fleet_target,
	.own_cursor = true,
};
