/*
 * Themes: semantic roles (header, cursor, ok, warning, production, ...)
 * mapped to colours and attributes. Drawing code asks for a role, never a
 * colour; term.c turns a loaded theme into an attribute table once per
 * load.
 *
 * A theme file is plain text (docs/keymaps-and-themes.md):
 *
 *     # role        foreground   background   attributes...
 *     header        white        blue         bold
 *     ok            green        default
 *     production    bright-white red          bold
 *     include default             start from another theme (first line only)
 *
 * Colours: default, black, red, green, yellow, blue, magenta, cyan, white,
 * bright-black .. bright-white, or a number 0..255. Attributes: bold, dim,
 * underline, reverse, standout, blink, italic, normal. A role left out
 * keeps what it had (the "normal" role's look for a fresh theme).
 *
 * No ncurses here, so the parser can be fuzzed on its own.
 */
#ifndef OPSDECK_UI_THEME_H
#define OPSDECK_UI_THEME_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"

/* X(ENUM, "name", "what it colours") */
#define ROLE_LIST(X)                                                          \
	X(NORMAL, "normal", "ordinary text")                                 \
	X(DIM, "dim", "secondary text: ages, commits, hints")                \
	X(HEADER, "header", "the top line")                                  \
	X(TITLE, "title", "column titles")                                   \
	X(CURSOR, "cursor", "the line or cell under the cursor")             \
	X(STATUS, "status", "the status bar")                                \
	X(STATUS_OK, "status-ok", "a connected cluster in the status bar")   \
	X(STATUS_BAD, "status-bad", "a cluster that is down or reconnecting") \
	X(MESSAGE, "message", "messages on the bottom line")                 \
	X(ERROR, "error", "errors")                                          \
	X(OK, "ok", "Healthy and Synced")                                    \
	X(PROGRESSING, "progressing", "Progressing")                         \
	X(WARNING, "warning", "Warning events, Suspended, attention")         \
	X(DEGRADED, "degraded", "Degraded health")                           \
	X(UNKNOWN, "unknown", "Unknown or Missing")                          \
	X(DRIFT, "drift", "live differs from Git (OutOfSync)")               \
	X(PRODUCTION, "production", "the mark of a production or protected environment") \
	X(SEARCH, "search", "search matches")                                \
	X(MARKED, "marked", "marked lines")                                  \
	X(CONTROL, "control", "control characters shown as ^[")              \
	X(DIFF_ADD, "diff-add", "added lines")                               \
	X(DIFF_DEL, "diff-del", "removed lines")                             \
	X(DIFF_HUNK, "diff-hunk", "@@ hunk headers")                         \
	X(DIFF_FILE, "diff-file", "file headers")                            \
	X(LOG_ERROR, "log-error", "log lines at ERROR or worse")             \
	X(LOG_WARN, "log-warn", "log lines at WARN")                         \
	X(LOG_DEBUG, "log-debug", "log lines at DEBUG or TRACE")             \
	X(SOURCE1, "source-1", "the first log source's prefix")              \
	X(SOURCE2, "source-2", "the second log source's prefix")             \
	X(SOURCE3, "source-3", "the third log source's prefix")              \
	X(SOURCE4, "source-4", "the fourth log source's prefix")             \
	X(SOURCE5, "source-5", "the fifth log source's prefix")              \
	X(SOURCE6, "source-6", "the sixth log source's prefix")

enum role {
#define ROLE_ENUM(e, name, help) ROLE_##e,
	ROLE_LIST(ROLE_ENUM)
#undef ROLE_ENUM
	ROLE__COUNT
};
const char *role_name(enum role r);

enum {
	THEME_COLOR_DEFAULT = -1, /* the terminal's own colour */
	THEME_ATTR_BOLD = 1 << 0,
	THEME_ATTR_DIM = 1 << 1,
	THEME_ATTR_UNDERLINE = 1 << 2,
	THEME_ATTR_REVERSE = 1 << 3,
	THEME_ATTR_STANDOUT = 1 << 4,
	THEME_ATTR_BLINK = 1 << 5,
	THEME_ATTR_ITALIC = 1 << 6,
};

struct theme_style {
	short fg, bg;	/* 0..255 or THEME_COLOR_DEFAULT */
	unsigned attrs; /* THEME_ATTR_* */
	bool set;	/* the file gave this role */
};

struct theme {
	char name[64];
	struct theme_style style[ROLE__COUNT];
};

/* Every role default-on-default, no attributes. */
void theme_init(struct theme *t, const char *name);

/* Read a theme file's text into t (on top of what it holds); problems as
 * in keymap_load ("FILE:LINE: message"); false when there was any. */
bool theme_load(struct theme *t, const char *file, const char *text,
		size_t len,
		bool (*include)(void *arg, const char *name, struct buf *text),
		void *arg, struct buf *problems);

/* Whether any role uses a colour (a mono theme uses none). */
bool theme_has_color(const struct theme *t);

#endif
