/*
 * The bottom-line prompt: GNU readline driven through its callback
 * interface and drawn by us.
 *
 * readline never touches the terminal: its input comes from the keys the
 * console hands over (converted back to the bytes readline expects), its
 * display is our draw function reading rl_line_buffer and rl_point, its
 * own signal and SIGWINCH handling is off and it may not change LINES and
 * COLUMNS. Histories are kept per name ("command", "search", ...) and
 * saved in $XDG_STATE_HOME/opsdeck/ (default ~/.local/state/opsdeck/),
 * mode 0600, at most 500 lines each.
 */
#ifndef OPSDECK_UI_PROMPT_H
#define OPSDECK_UI_PROMPT_H

#include <stdbool.h>
#include <stdint.h>

#include "ui/app.h"

/* Once, before the first prompt. */
void prompt_setup(void);
/* Save the histories and let readline go. */
void prompt_teardown(void);

/* Start a prompt (one at a time: a prompt already open is cancelled,
 * its done called with NULL). */
void prompt_open(const struct prompt_req *r);
/* The same with a starting text or as a secret (x may be NULL). */
void prompt_open_with(const struct prompt_req *r,
		      const struct prompt_extra *x);
bool prompt_active(void);
/* A key for the open prompt (ui/keymap.h codes). Enter ends it with the
 * line (done(line)), Esc or C-g cancels (done(NULL)); done may open
 * another prompt. Tab completes through the request's complete(). */
void prompt_key(int32_t key);
/* Draw the prompt in row y, w columns wide, and put the terminal cursor
 * at the editing point. */
void prompt_draw(int y, int w);
/* Candidates of the last ambiguous Tab, space-separated ("" when none),
 * for the console to show above the prompt. */
const char *prompt_candidates(void);

#endif
