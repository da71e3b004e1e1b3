/*
 * The console application: the engine session, the view stack, the
 * keymap and theme in use, and the services views call.
 *
 * Data flow: the session (src/model/session.h) tells app.c when anything
 * changed; app.c asks the views on the stack whether they care and
 * schedules one coalesced redraw. Keys arrive from the terminal (term.c)
 * or, in test mode, from a script; each is mapped through the keymap to
 * an action and offered to the top view, then to the generic list, then
 * to the central dispatcher. Views never draw outside their turn: draw()
 * paints the header, the top view's body, the status bar and the bottom
 * line into ncurses' virtual screen, and one doupdate() sends only what
 * changed.
 */
#ifndef OPSDECK_UI_APP_H
#define OPSDECK_UI_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loop/loop.h"
#include "model/session.h"
#include "ui/theme.h"
#include "ui/view.h"

struct app;

struct loop *app_loop(struct app *a);
struct session *app_session(struct app *a);
/* NULL until the session is live. */
struct model *app_model(struct app *a);

/* Open a view on top (the target's strings are copied). False when the
 * view refused (it said why). */
bool app_push(struct app *a, const struct view_ops *ops,
	      const struct view_target *t);
/* Close the top view (the home view stays). */
void app_pop(struct app *a);
/* Redraw soon (coalesced: many calls, one frame). */
void app_dirty(struct app *a);
/* A message on the bottom line until the next key. */
void app_message(struct app *a, enum role r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Ask for a line on the bottom row (readline). done gets the line, or
 * NULL when cancelled. history: the name of its history list ("command",
 * "search", ...). complete (optional) offers candidates for word. */
struct prompt_req {
	const char *prompt;
	const char *history;
	void (*done)(void *arg, const char *line);
	void (*complete)(void *arg, const char *line, const char *word,
			 struct vec *out /* char *, malloc'd */);
	void *arg;
};
void app_prompt(struct app *a, const struct prompt_req *r);
/* More of a prompt (app_prompt_with; NULL: none of it). */
struct prompt_extra {
	/* The line starts with this text (a default to accept with Enter
	 * or edit), or NULL. */
	const char *initial;
	/* A secret: drawn masked, never added to a history (the request's
	 * history is ignored), the line wiped once done has had it. */
	bool secret;
};
void app_prompt_with(struct app *a, const struct prompt_req *r,
		     const struct prompt_extra *x);

/* The runs started from this console and the clusters' run records
 * (ui/runs.h). */
struct runs;
struct runs *app_runs(struct app *a);

/* The keymap in use, and its name (the help view lists it). */
const struct keymap *app_keymap(struct app *a);
const char *app_keymap_name(struct app *a);

/* Settings the views read. */
size_t app_log_cap(struct app *a); /* bytes for a log view's buffer */
/* Wall-clock seconds (the time ages are measured from). */
int64_t app_now(struct app *a);

/* ---- for the test-mode script runner (script.c) ---------------------- */

/* Handle a key as if typed. */
void app_key(struct app *a, int32_t key);
/* Draw the frame now. */
void app_frame_now(struct app *a);
/* End the console with this exit code. */
void app_finish(struct app *a, int code);
/* Nothing is loading: the model is in (or failed), every cluster has
 * listed or failed, no Git work is waiting. */
bool app_idle(struct app *a);

#endif
