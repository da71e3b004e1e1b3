/*
 * The help view: every key of the view it was opened from, generated from
 * the active keymap (the view's own bindings, then the generic ones it
 * does not override), with each action's help text from ACTION_LIST.
 */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "ui/app.h"
#include "ui/draw.h"
#include "ui/view.h"

#define MAX_BINDINGS 512

struct help_view {
	struct key_binding b[MAX_BINDINGS];
	size_t n;
};

static bool help_open(struct view *v)
{
	struct help_view *h = xcalloc(1, sizeof *h);
	h->n = keymap_bindings(app_keymap(v->app), v->t.help_for, h->b,
			       MAX_BINDINGS);
	v->p = h;
	return true;
}

static void help_close(struct view *v)
{
	free(v->p);
}

static void help_title(struct view *v, struct buf *out)
{
	buf_printf(out, "help: keys of the %s view (keymap %s)",
		   keyctx_name(v->t.help_for), app_keymap_name(v->app));
}

static size_t help_lines(struct view *v)
{
	return ((struct help_view *)v->p)->n;
}

static int help_head(struct view *v, int y, int w, int h)
{
	(void)v;
	(void)h;
	draw_fill(y, 0, w, ROLE_TITLE);
	draw_str(y, 1, 14, ROLE_TITLE, "KEY");
	draw_str(y, 16, 18, ROLE_TITLE, "ACTION");
	draw_str(y, 36, w - 36, ROLE_TITLE, "WHAT IT DOES");
	return 1;
}

static void help_text(struct view *v, size_t i, struct buf *out)
{
	const struct key_binding *b = &((struct help_view *)v->p)->b[i];
	keymap_key_name(b->key, out);
	buf_printf(out, "  %s  %s", action_name(b->action),
		   action_help(b->action));
}

static void help_line(struct view *v, size_t i, int y, int w)
{
	const struct key_binding *b = &((struct help_view *)v->p)->b[i];
	struct buf k = BUF_INIT;
	keymap_key_name(b->key, &k);
	draw_text_hl(y, 1, 14, ROLE_NORMAL, k.data, k.len, v->search, 0);
	buf_free(&k);
	draw_str(y, 16, 18, b->ctx == KEYCTX_GENERIC ? ROLE_DIM : ROLE_NORMAL,
		 action_name(b->action));
	const char *help = action_help(b->action);
	draw_text_hl(y, 36, w - 36, ROLE_NORMAL, help, strlen(help),
		     v->search, 0);
}

const struct view_ops view_help = {
	.name = "help",
	.keys = KEYCTX_HELP,
	.open = help_open,
	.close = help_close,
	.title = help_title,
	.lines = help_lines,
	.head = help_head,
	.line = help_line,
	.text = help_text,
};
