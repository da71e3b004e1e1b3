/*
 * The generic list every view is drawn through (view.h): the filter,
 * the cursor and scrolling, search with next/previous, and drawing the
 * visible lines with the cursor line painted over.
 */
#include "ui/view.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/mem.h"
#include "ui/app.h"
#include "ui/draw.h"
#include "ui/list.h"
#include "model/session.h"

static bool text_matches(struct view *v, size_t i, const char *pattern,
			 struct buf *tmp)
{
	buf_clear(tmp);
	v->ops->text(v, i, tmp);
	return strcasestr(buf_str(tmp), pattern) != NULL;
}

/* Bring the filtered index up to date: lines appended since the last
 * look are checked; anything else rebuilds it. */
static void update_filter(struct view *v)
{
	if (!v->filter)
		return;
	size_t n = v->ops->lines(v);
	size_t from = v->filtered_from;
	if (n < from) {
		v->shown.len = 0;
		from = 0;
	}
	struct buf tmp = BUF_INIT;
	for (size_t i = from; i < n; i++)
		if (text_matches(v, i, v->filter, &tmp))
			vec_push(&v->shown, (void *)(uintptr_t)i);
	buf_free(&tmp);
	v->filtered_from = n;
}

void view_refilter(struct view *v)
{
	v->shown.len = 0;
	v->filtered_from = 0;
}

size_t view_visible(struct view *v)
{
	if (!v->filter)
		return v->ops->lines(v);
	update_filter(v);
	return v->shown.len;
}

size_t view_line_at(const struct view *v, size_t i)
{
	return v->filter ? (size_t)(uintptr_t)v->shown.items[i] : i;
}

bool view_current(struct view *v, size_t *index)
{
	size_t n = view_visible(v);
	if (!n)
		return false;
	if (v->cursor >= n)
		v->cursor = n - 1;
	*index = view_line_at(v, v->cursor);
	return true;
}

void view_select(struct view *v, size_t index)
{
	size_t n = view_visible(v);
	for (size_t i = 0; i < n; i++) {
		if (view_line_at(v, i) == index) {
			v->cursor = i;
			return;
		}
	}
}

void view_shift(struct view *v, size_t n)
{
	if (!n)
		return;
	if (v->filter) {
		size_t j = 0;
		for (size_t i = 0; i < v->shown.len; i++) {
			size_t idx = (size_t)(uintptr_t)v->shown.items[i];
			if (idx >= n)
				v->shown.items[j++] = (void *)(uintptr_t)(idx - n);
			else {
				if (v->cursor)
					v->cursor--;
				if (v->top)
					v->top--;
			}
		}
		v->shown.len = j;
		v->filtered_from =
			v->filtered_from > n ? v->filtered_from - n : 0;
		return;
	}
	v->cursor = v->cursor > n ? v->cursor - n : 0;
	v->top = v->top > n ? v->top - n : 0;
}

void view_set_filter(struct view *v, const char *pattern)
{
	free(v->filter);
	v->filter = pattern && *pattern ? xstrdup(pattern) : NULL;
	view_refilter(v);
	v->cursor = v->top = 0;
}

void view_set_search(struct view *v, const char *pattern)
{
	free(v->search);
	v->search = pattern && *pattern ? xstrdup(pattern) : NULL;
}

bool view_find(struct view *v, bool backward)
{
	if (!v->search || !v->ops->text)
		return false;
	size_t n = view_visible(v);
	if (!n)
		return false;
	struct buf tmp = BUF_INIT;
	bool found = false;
	for (size_t k = 1; k <= n && !found; k++) {
		size_t i = backward ? (v->cursor + n - k) % n
				    : (v->cursor + k) % n;
		if (text_matches(v, view_line_at(v, i), v->search, &tmp)) {
			v->cursor = i;
			found = true;
		}
	}
	buf_free(&tmp);
	if (found && v->ops->pager)
		v->top = v->cursor;
	if (found)
		v->tail = false;
	return found;
}

static void move_by(struct view *v, long delta)
{
	size_t n = view_visible(v);
	if (!n)
		return;
	long at = (long)v->cursor + delta;
	if (at < 0)
		at = 0;
	if ((size_t)at >= n)
		at = (long)n - 1;
	v->cursor = (size_t)at;
	if (delta < 0)
		v->tail = false;
}

unsigned view_list_request(struct view *v, enum action a)
{
	long page = v->height > 1 ? v->height - 1 : 1;
	size_t n = view_visible(v);
	switch (a) {
	case ACT_UP:
		move_by(v, -1);
		break;
	case ACT_DOWN:
		move_by(v, 1);
		break;
	case ACT_PAGE_UP:
		move_by(v, -page);
		break;
	case ACT_PAGE_DOWN:
		move_by(v, page);
		break;
	case ACT_HALF_UP:
		move_by(v, -(page + 1) / 2);
		break;
	case ACT_HALF_DOWN:
		move_by(v, (page + 1) / 2);
		break;
	case ACT_TOP:
		v->cursor = 0;
		v->tail = false;
		break;
	case ACT_BOTTOM:
		v->cursor = n ? n - 1 : 0;
		break;
	case ACT_LEFT:
		if (!v->ops->pager)
			return VIEW_UNHANDLED;
		v->hscroll = v->hscroll > 8 ? v->hscroll - 8 : 0;
		break;
	case ACT_RIGHT:
		if (!v->ops->pager)
			return VIEW_UNHANDLED;
		v->hscroll += 8;
		break;
	default:
		return VIEW_UNHANDLED;
	}
	if (v->ops->pager) {
		/* a pager's cursor is its top line */
		size_t max = n > (size_t)v->height ? n - (size_t)v->height : 0;
		if (a == ACT_BOTTOM)
			v->cursor = max;
		if (v->cursor > max && (a == ACT_DOWN || a == ACT_PAGE_DOWN ||
					a == ACT_HALF_DOWN))
			v->cursor = max;
		v->top = v->cursor;
	}
	return VIEW_HANDLED | VIEW_REDRAW;
}

void view_draw(struct view *v, int y0, int h, int w)
{
	int hh = v->ops->head ? v->ops->head(v, y0, w, h) : 0;
	int rows = h - hh;
	v->height = rows > 0 ? rows : 0;
	v->width = w;
	size_t n = view_visible(v);
	if (v->tail && n)
		v->cursor = v->ops->pager && n > (size_t)rows
				    ? n - (size_t)rows
				    : n - 1;
	if (v->cursor >= n)
		v->cursor = n ? n - 1 : 0;
	if (v->ops->pager) {
		size_t max = n > (size_t)rows ? n - (size_t)rows : 0;
		if (v->cursor > max)
			v->cursor = max;
		v->top = v->cursor;
	} else {
		if (v->cursor < v->top)
			v->top = v->cursor;
		if (rows > 0 && v->cursor >= v->top + (size_t)rows)
			v->top = v->cursor - (size_t)rows + 1;
		if (v->top + (size_t)rows > n)
			v->top = n > (size_t)rows ? n - (size_t)rows : 0;
	}
	for (int k = 0; k < rows; k++) {
		int y = y0 + hh + k;
		draw_fill(y, 0, w, ROLE_NORMAL);
		size_t i = v->top + (size_t)k;
		if (i >= n) {
			if (!n && !k)
				draw_str(y, 1, w - 1, ROLE_DIM,
					 v->filter ? "(no line matches the filter)"
						   : "(nothing here yet)");
			continue;
		}
		v->ops->line(v, view_line_at(v, i), y, w);
		if (!v->ops->pager && !v->ops->own_cursor && i == v->cursor)
			draw_paint(y, 0, w, ROLE_CURSOR);
	}
}

void view_free_state(struct view *v)
{
	free(v->search);
	free(v->filter);
	vec_free(&v->shown, NULL);
	free(v->t.pod);
	free(v->t.container);
}

void view_watch_synced(void *arg)
{
	struct view *v = arg;
	app_dirty(v->app);
}

void view_watch_error(void *arg, const char *message)
{
	(void)message; /* head() reads it back with kube_watch_error */
	view_watch_synced(arg);
}

const struct model_env *view_cell_focus(struct view *v)
{
	return v->t.cell ? v->t.cell->env : NULL;
}

bool view_changed_live_only(struct view *v, unsigned what,
			    struct model_cell *cell)
{
	(void)v;
	(void)cell;
	return !(what & (SESSION_CHANGED_CELL | SESSION_CHANGED_RELEASES));
}
