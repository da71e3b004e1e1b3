/*
 * Finding keymaps and themes by name. A user's file
 * $XDG_CONFIG_HOME/opsdeck/keymaps/NAME (or themes/NAME; with
 * XDG_CONFIG_HOME unset, ~/.config/opsdeck/...) overrides the built-in one
 * of the same name; the built-ins are compiled in (ui/builtin.h), so the
 * console works with nothing installed. An include line resolves the same
 * way, except that a user's file that includes its own name starts from
 * the built-in of that name (a user's "default" can say "include default").
 *
 * A missing name or any problem in a file (or what it includes) is
 * reported in problems, one "FILE:LINE: message" line each, and the
 * built-in "default" is used instead: the console always starts with a
 * working keymap and theme. No ncurses here.
 */
#ifndef OPSDECK_UI_LOOKS_H
#define OPSDECK_UI_LOOKS_H

#include <stdbool.h>

#include "base/buf.h"
#include "base/vec.h"
#include "ui/keymap.h"
#include "ui/theme.h"

/* The keymap called name (NULL or "": "default"); never NULL. */
struct keymap *looks_keymap(const char *name, struct buf *problems);
/* The theme called name into out (NULL or "": "default"). */
void looks_theme(const char *name, struct theme *out, struct buf *problems);
/* The names there are, built in or the user's, sorted and without
 * duplicates, pushed to out as malloc'd strings (free with
 * vec_free(out, free)); for tab completion. */
void looks_names(bool themes, struct vec *out);
/* The folder the user's files go in ("" when neither XDG_CONFIG_HOME nor
 * HOME is set), appended to out without a trailing '/'. */
void looks_user_dir(bool themes, struct buf *out);
/* Whether name can name a keymap or theme: 1 to 63 letters, digits, '-'
 * and '_' (so README.md and editors' backup files are never one). */
bool looks_valid_name(const char *name);

#endif
