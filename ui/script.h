/*
 * The console's deterministic test mode: keys come from a script instead
 * of the keyboard, and the screen's text can be dumped, so console tests
 * are exact snapshots rather than timing guesses (tig's pattern).
 *
 * A script is one command per line ('#' starts a comment):
 *
 *     key j j Enter        keys by their keymap names (C-d, PgDn, Esc...)
 *     type :logs           each character of the rest of the line as a key
 *     wait BackOff         until the screen shows this text (60 s at most)
 *     idle                 until nothing is loading (app_idle)
 *     resize 160x48        the screen's new size
 *     dump FILE            write the screen's text to FILE
 *     quit                 end (also the end of the script)
 *
 * A wait that times out ends the console with exit code 1 and the screen
 * on stderr. The frame is drawn after every command, so a dump shows the
 * effect of every key before it.
 */
#ifndef OPSDECK_UI_SCRIPT_H
#define OPSDECK_UI_SCRIPT_H

#include "base/status.h"

struct app;
struct script;

enum status script_load(const char *path, struct script **out,
			struct err *e);
void script_start(struct script *s, struct app *a);
void script_free(struct script *s);

#endif
