/*
 * The generic list's entry points for app.c and for views that need
 * them (view.h has the rest).
 */
#ifndef OPSDECK_UI_LIST_H
#define OPSDECK_UI_LIST_H

#include <stdbool.h>
#include <stddef.h>

#include "ui/view.h"

/* Movement actions; VIEW_UNHANDLED for anything else. */
unsigned view_list_request(struct view *v, enum action a);
/* Draw the view's head and lines in rows [y0, y0 + h). */
void view_draw(struct view *v, int y0, int h, int w);
/* n lines were dropped from the front (a bounded log): indexes move. */
void view_shift(struct view *v, size_t n);
void view_set_filter(struct view *v, const char *pattern);
void view_set_search(struct view *v, const char *pattern);
/* Move to the next (previous) line matching the search; false: none. */
bool view_find(struct view *v, bool backward);
void view_free_state(struct view *v);

#endif
