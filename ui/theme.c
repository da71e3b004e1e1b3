/*
 * Themes: role names and the theme file format.
 *
 * A theme file's text goes through the line reader shared with keymaps
 * (keyfile_* in ui/keymap.c), which hands each line's words to theme_line;
 * a good line replaces one role's style. When the whole file (with its
 * include) has been read, the roles no line gave take the "normal" role's
 * look, so a short theme still colours everything consistently.
 *
 * Nothing here prints, exits or knows ncurses: term.c turns the result
 * into curses attributes once per load.
 */
#include "ui/theme.h"

#include <string.h>

#include "base/str.h"
#include "ui/keymap.h"

static const char *const role_names[] = {
#define ROLE_NAME(e, name, help) name,
    ROLE_LIST(ROLE_NAME)
#undef ROLE_NAME
	NULL,
};

const char *role_name(enum role r)
{
	if ((int)r < 0 || (int)r >= ROLE__COUNT)
		return "?";
	return role_names[r];
}

/* Colour names in palette order: the eight ANSI colours, then their
 * bright forms (8..15), which is what 16-colour terminals have. */
static const char *const color_names[] = {
    "black",	    "red",
    "green",	    "yellow",
    "blue",	    "magenta",
    "cyan",	    "white",
    "bright-black", "bright-red",
    "bright-green", "bright-yellow",
    "bright-blue",  "bright-magenta",
    "bright-cyan",  "bright-white",
};

static const struct {
	const char *name;
	unsigned attr;
} attr_names[] = {
    {"bold", THEME_ATTR_BOLD},		 {"dim", THEME_ATTR_DIM},
    {"underline", THEME_ATTR_UNDERLINE}, {"reverse", THEME_ATTR_REVERSE},
    {"standout", THEME_ATTR_STANDOUT},	 {"blink", THEME_ATTR_BLINK},
    {"italic", THEME_ATTR_ITALIC},	 {"normal", 0},
};

/* For "did you mean": every word that may follow a role. */
static const char *const style_words[] = {
    "default",	     "black",	     "red",
    "green",	     "yellow",	     "blue",
    "magenta",	     "cyan",	     "white",
    "bright-black",  "bright-red",   "bright-green",
    "bright-yellow", "bright-blue",  "bright-magenta",
    "bright-cyan",   "bright-white", "bold",
    "dim",	     "underline",    "reverse",
    "standout",	     "blink",	     "italic",
    "normal",	     NULL,
};

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* A colour word: a name or 0..255 in decimal digits (no sign). */
static bool parse_color(const char *w, short *out)
{
	if (!strcmp(w, "default")) {
		*out = THEME_COLOR_DEFAULT;
		return true;
	}
	for (size_t i = 0; i < LEN(color_names); i++)
		if (!strcmp(w, color_names[i])) {
			*out = (short)i;
			return true;
		}
	size_t n = strspn(w, "0123456789");
	long v;
	if (n && !w[n] && str_to_long(w, 0, 255, &v)) {
		*out = (short)v;
		return true;
	}
	return false;
}

static bool parse_attr(const char *w, unsigned *out)
{
	for (size_t i = 0; i < LEN(attr_names); i++)
		if (!strcmp(w, attr_names[i].name)) {
			*out = attr_names[i].attr;
			return true;
		}
	return false;
}

void theme_init(struct theme *t, const char *name)
{
	memset(t, 0, sizeof *t);
	str_copy(t->name, sizeof t->name, name ? name : "");
	for (int r = 0; r < ROLE__COUNT; r++) {
		t->style[r].fg = THEME_COLOR_DEFAULT;
		t->style[r].bg = THEME_COLOR_DEFAULT;
	}
}

/* "role [fg [bg]] [attribute...]": colours come first, so "cursor reverse"
 * is a complete line for a theme without colours. */
static void theme_line(struct keyfile *f, void *arg, char **w, size_t n)
{
	struct theme *t = arg;
	int r = 0;
	while (role_names[r] && strcmp(role_names[r], w[0]))
		r++;
	if (!role_names[r]) {
		keyfile_problem(f, "unknown role %s%s", keyfile_quote(f, w[0]),
				keyfile_hint(f, w[0], role_names));
		return;
	}
	if (n < 2) {
		keyfile_problem(f, "role %s needs a colour or an attribute",
				keyfile_quote(f, w[0]));
		return;
	}
	struct theme_style st = {THEME_COLOR_DEFAULT, THEME_COLOR_DEFAULT, 0,
				 true};
	size_t colors = 0;
	bool attrs = false;
	for (size_t i = 1; i < n; i++) {
		short c;
		unsigned a;
		if (parse_color(w[i], &c)) {
			if (attrs) {
				keyfile_problem(
				    f,
				    "colour %s after the attributes "
				    "(colours come first)",
				    keyfile_quote(f, w[i]));
				return;
			}
			if (colors == 2) {
				keyfile_problem(
				    f,
				    "a third colour %s (a role has a "
				    "foreground and a background)",
				    keyfile_quote(f, w[i]));
				return;
			}
			if (colors++)
				st.bg = c;
			else
				st.fg = c;
		} else if (parse_attr(w[i], &a)) {
			attrs = true;
			st.attrs |= a;
		} else if (w[i][strspn(w[i], "0123456789")] == '\0') {
			keyfile_problem(f, "colour %s out of range (0 to 255)",
					keyfile_quote(f, w[i]));
			return;
		} else {
			keyfile_problem(f, "unknown colour or attribute %s%s",
					keyfile_quote(f, w[i]),
					keyfile_hint(f, w[i], style_words));
			return;
		}
	}
	/* Field by field, so the padding theme_init cleared stays clear and
	 * two themes compare with memcmp. */
	t->style[r].fg = st.fg;
	t->style[r].bg = st.bg;
	t->style[r].attrs = st.attrs;
	t->style[r].set = true;
}

bool theme_load(struct theme *t, const char *file, const char *text, size_t len,
		bool (*include)(void *arg, const char *name, struct buf *text),
		void *arg, struct buf *problems)
{
	if (!t)
		return false;
	bool ok = keyfile_read("theme", file, text, len, include, arg,
			       theme_line, t, problems);
	/* Only now, so that an include's roles and this file's "normal"
	 * both count whatever their order. */
	for (int r = 0; r < ROLE__COUNT; r++)
		if (r != ROLE_NORMAL && !t->style[r].set) {
			t->style[r].fg = t->style[ROLE_NORMAL].fg;
			t->style[r].bg = t->style[ROLE_NORMAL].bg;
			t->style[r].attrs = t->style[ROLE_NORMAL].attrs;
		}
	return ok;
}

bool theme_has_color(const struct theme *t)
{
	for (int r = 0; r < ROLE__COUNT; r++)
		if (t->style[r].fg != THEME_COLOR_DEFAULT ||
		    t->style[r].bg != THEME_COLOR_DEFAULT)
			return true;
	return false;
}
