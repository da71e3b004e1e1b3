/*
 * Keymaps: which key runs which action, per view with a generic fallback.
 *
 * A keymap file is plain text (docs/keymaps-and-themes.md):
 *
 *     # comment
 *     [generic]            the section every view falls back to
 *     j        down
 *     C-d      half-page-down
 *     [logs]               keys for one view (names from KEYCTX_LIST)
 *     f        follow
 *     include default      start from another keymap (first line only)
 *
 * Keys are written as one character ("j", "G", "/", "?"), C-x (control),
 * or a name: Up Down Left Right PgUp PgDn Home End Enter Esc Tab BTab
 * Backspace Delete Insert Space F1..F12. A later binding of the same key in
 * the same section replaces the earlier one; "none" as the action unbinds.
 *
 * This file knows nothing of ncurses: keys are our own codes (ui/keys.h),
 * which term.c maps from ncurses' key codes, so the parser can be fuzzed on
 * its own.
 */
#ifndef OPSDECK_UI_KEYMAP_H
#define OPSDECK_UI_KEYMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "ui/action.h"

/* The sections of a keymap: the generic fallback and one per view. */
#define KEYCTX_LIST(X)                                                        \
	X(GENERIC, "generic")                                                \
	X(FLEET, "fleet")                                                    \
	X(TENANTS, "tenants")                                                \
	X(CELL, "cell")                                                      \
	X(PODS, "pods")                                                      \
	X(POD, "pod")                                                        \
	X(LOGS, "logs")                                                      \
	X(EVENTS, "events")                                                  \
	X(HISTORY, "history")                                                \
	X(DIFF, "diff")                                                      \
	X(HELP, "help")                                                      \
	X(RUNBOOKS, "runbooks")                                              \
	X(RUN, "run")                                                        \
	X(APPROVALS, "approvals")                                            \
	X(AUDIT, "audit")

enum keyctx {
#define KEYCTX_ENUM(e, name) KEYCTX_##e,
	KEYCTX_LIST(KEYCTX_ENUM)
#undef KEYCTX_ENUM
	KEYCTX__COUNT
};
const char *keyctx_name(enum keyctx c);

/*
 * Key codes: a Unicode code point for a printable key, 1..31 for control
 * keys (C-a is 1), and the named keys above the Unicode range.
 */
enum {
	KEY_CODE_BASE = 0x110000,
	UK_UP = KEY_CODE_BASE,
	UK_DOWN,
	UK_LEFT,
	UK_RIGHT,
	UK_PGUP,
	UK_PGDN,
	UK_HOME,
	UK_END,
	UK_ENTER, /* also C-m and C-j */
	UK_ESC,
	UK_TAB,	  /* also C-i */
	UK_BTAB,
	UK_BACKSPACE,
	UK_DELETE,
	UK_INSERT,
	UK_F1, /* .. UK_F1 + 11 */
	UK_RESIZE = UK_F1 + 12,
	UK__END,
};
#define UK_CTRL(c) ((c) & 0x1f)

/* "C-d" -> 4, "PgDn" -> UK_PGDN, "j" -> 'j'; -1 when not a key. */
int32_t keymap_key_parse(const char *name);
/* The name keymap files use for a key ("C-d", "PgDn", "j", "Space"). */
void keymap_key_name(int32_t key, struct buf *out);

struct keymap;

/* A keymap with no bindings (its name is what messages call it). */
struct keymap *keymap_new(const char *name);
void keymap_free(struct keymap *k);
const char *keymap_name(const struct keymap *k);

/*
 * Read a keymap file's text into k (on top of what it holds). Every
 * problem is appended to problems as "FILE:LINE: message" (file is the
 * name to show); the good lines still apply. include resolves an include
 * line's name to text (NULL: includes are errors); it returns false when
 * there is no such keymap. Returns false when there was any problem.
 */
bool keymap_load(struct keymap *k, const char *file, const char *text,
		 size_t len,
		 bool (*include)(void *arg, const char *name, struct buf *text),
		 void *arg, struct buf *problems);

/* Bind key in ctx, replacing what it had there. ACT_NONE unbinds; in a
 * view's section it also hides the generic binding of the key. The codes
 * terminals send for Tab (9), Enter (10, 13), Esc (27) and Backspace (127)
 * are the same keys as UK_TAB, UK_ENTER, UK_ESC and UK_BACKSPACE, here and
 * in keymap_lookup and keymap_key_name. */
void keymap_bind(struct keymap *k, enum keyctx ctx, int32_t key,
		 enum action a);
/* The action for key in ctx, falling back to the generic section. */
enum action keymap_lookup(const struct keymap *k, enum keyctx ctx,
			  int32_t key);

/* Every binding that applies in ctx (the view's own first, then the
 * generic ones it does not override), in file order, for the help view.
 * Returns how many were written to out (at most max); with out NULL, how
 * many there are. A rebound key keeps its first place. */
struct key_binding {
	int32_t key;
	enum action action;
	enum keyctx ctx; /* where the binding comes from */
};
size_t keymap_bindings(const struct keymap *k, enum keyctx ctx,
		       struct key_binding *out, size_t max);

/*
 * The reader keymap and theme files share (theme.c uses it too, which is
 * why it lives here and not in a file of its own): it splits the text
 * into lines and words, skips comments, handles the include line (first
 * line only, at most KEYFILE_MAX_DEPTH deep, loops reported), enforces the
 * size limits, and formats problems as bounded, terminal-safe
 * "FILE:LINE: message" lines. A file format only says what one line of
 * words means.
 */
enum {
	KEYFILE_MAX_BYTES = 1 << 20, /* a bigger file is refused whole */
	KEYFILE_MAX_LINE = 4096, /* a longer line (not a comment) is refused */
	KEYFILE_MAX_WORDS = 16,
	KEYFILE_MAX_DEPTH = 4,	   /* includes of includes */
	KEYFILE_MAX_PROBLEMS = 50, /* then one "more problems" line */
	KEYFILE_MAX_QUOTE = 48,	   /* bytes of a word quoted in a message */
};

struct keyfile;

/* One line that is not blank, a comment or an include: words[0..n) (n is
 * at least 1) are NUL-terminated, free of NUL bytes, and end before a
 * trailing "# comment". */
typedef void (*keyfile_line_fn)(struct keyfile *f, void *arg, char **words,
				size_t n);

/* Read text as file (kind names it in messages: "keymap", "theme"); line
 * is called for each line, also those of included files. Returns false
 * when there was any problem (problems may be NULL). */
bool keyfile_read(const char *kind, const char *file, const char *text,
		  size_t len,
		  bool (*include)(void *arg, const char *name,
				  struct buf *text),
		  void *include_arg, keyfile_line_fn line, void *line_arg,
		  struct buf *problems);
/* Report a problem on the current line; the message is sanitised. */
void keyfile_problem(struct keyfile *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* word as 'word', cut to KEYFILE_MAX_QUOTE bytes (with "..." when cut);
 * valid until three more calls. */
const char *keyfile_quote(struct keyfile *f, const char *word);
/* " (did you mean 'x'?)" when a word of the NULL-terminated list words
 * is close to word, else ""; valid until the next call. Costs nothing once
 * problems are no longer shown. */
const char *keyfile_hint(struct keyfile *f, const char *word,
			 const char *const *words);
/* A state for the file being read (0 at its start; an included file has
 * its own), e.g. the keymap's current section. */
int *keyfile_state(struct keyfile *f);

#endif
