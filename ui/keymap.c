/*
 * Keymaps: key names, the keymap file format and the per-view lookup.
 *
 * A file's text goes through the shared line reader at the bottom of this
 * file (keyfile_*, also used by theme.c), which hands each line's words
 * to keymap_line; that turns them into keymap_bind calls. Each section
 * (generic and one per view) keeps its bindings in file order, for the
 * help view, plus a small open-addressing hash from key code to binding,
 * so that keymap_lookup, which runs on every key press, is one or two
 * probes and no string work.
 *
 * Nothing here prints, exits or knows ncurses: problems go into the
 * caller's buffer, and key codes are our own (see keymap.h).
 */
#include "ui/keymap.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/mem.h"
#include "base/sanitize.h"
#include "base/str.h"

/* ---- names ---- */

static const char *const ctx_names[] = {
#define KEYCTX_NAME(e, name) name,
    KEYCTX_LIST(KEYCTX_NAME)
#undef KEYCTX_NAME
	NULL,
};

/* For "did you mean": every action a file can name, "none" included. */
static const char *const action_words[] = {
#define ACTION_WORD(e, name, help) name,
    ACTION_LIST(ACTION_WORD)
#undef ACTION_WORD
	"none",
    NULL,
};

const char *keyctx_name(enum keyctx c)
{
	if ((int)c < 0 || (int)c >= KEYCTX__COUNT)
		return "?";
	return ctx_names[c];
}

/* ---- keys ---- */

/* The canonical names first (keymap_key_name uses the first match), then the
 * spellings people also type. Matching is case-insensitive. */
static const struct {
	const char *name;
	int32_t key;
} key_names[] = {
    {"Up", UK_UP},
    {"Down", UK_DOWN},
    {"Left", UK_LEFT},
    {"Right", UK_RIGHT},
    {"PgUp", UK_PGUP},
    {"PgDn", UK_PGDN},
    {"Home", UK_HOME},
    {"End", UK_END},
    {"Enter", UK_ENTER},
    {"Esc", UK_ESC},
    {"Tab", UK_TAB},
    {"BTab", UK_BTAB},
    {"Backspace", UK_BACKSPACE},
    {"Delete", UK_DELETE},
    {"Insert", UK_INSERT},
    {"Space", ' '},
    /* '#' starts a comment, so a file needs a name for it */
    {"Hash", '#'},
    {"PageUp", UK_PGUP},
    {"PageDown", UK_PGDN},
    {"Return", UK_ENTER},
    {"Escape", UK_ESC},
    {"BackTab", UK_BTAB},
    {"Del", UK_DELETE},
    {"Ins", UK_INSERT},
};

#define NKEY_NAMES (sizeof key_names / sizeof key_names[0])

/* For "did you mean" on an unknown key name. */
static const char *const key_words[] = {
    /* PgDn before Down, so "PgDown" gets the likelier answer */
    "PgUp",	 "PgDn",   "PageUp", "PageDown", "Up",	 "Down",   "Left",
    "Right",	 "Home",   "End",    "Enter",	 "Esc",	 "Tab",	   "BTab",
    "Backspace", "Delete", "Insert", "Space",	 "Hash", "Return", "Escape",
    "BackTab",	 "F1",	   "F2",     "F3",	 "F4",	 "F5",	   "F6",
    "F7",	 "F8",	   "F9",     "F10",	 "F11",	 "F12",	   NULL,
};

/*
 * One code per key: the control codes terminals send for Tab, Enter, Esc
 * and Backspace are those keys, whichever way term.c or a file spells
 * them, so bindings and lookups agree.
 */
static int32_t key_normalize(int32_t key)
{
	switch (key) {
	case 9:
		return UK_TAB;
	case 10:
	case 13:
		return UK_ENTER;
	case 27:
		return UK_ESC;
	case 127:
		return UK_BACKSPACE;
	default:
		return key;
	}
}

/* Whether key (normalised) is one a keymap can bind. */
static bool key_valid(int32_t key)
{
	if (key >= 1 && key <= 31)
		return true;
	if (key >= 0x20 && key < 0x7f)
		return true;
	if (key >= 0xa0 && key < 0x110000)
		return !(key >= 0xd800 && key <= 0xdfff);
	return key >= KEY_CODE_BASE && key < UK__END;
}

int32_t keymap_key_parse(const char *name)
{
	if (!name || !*name)
		return -1;
	const unsigned char *s = (const unsigned char *)name;
	size_t len = strlen(name);
	if (len == 1)
		return s[0] > 0x20 && s[0] < 0x7f ? s[0] : -1;
	/* One non-ASCII character is a printable key ("é", "ß"). */
	uint32_t cp;
	size_t n = utf8_decode(s, len, &cp);
	if (n == len && cp >= 0x80)
		return cp >= 0xa0 ? (int32_t)cp : -1;
	if (len == 3 && (s[0] == 'C' || s[0] == 'c') && s[1] == '-') {
		unsigned char c = s[2];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '[' && c <= '_'))
			return key_normalize(UK_CTRL(c));
		return -1;
	}
	for (size_t i = 0; i < NKEY_NAMES; i++)
		if (!strcasecmp(name, key_names[i].name))
			return key_names[i].key;
	if ((s[0] == 'F' || s[0] == 'f') && len <= 3) {
		long f;
		if (s[1] != '0' && str_to_long(name + 1, 1, 12, &f) &&
		    s[1] != '+' && s[1] != '-')
			return UK_F1 + (int32_t)f - 1;
	}
	return -1;
}

void keymap_key_name(int32_t key, struct buf *out)
{
	key = key_normalize(key);
	if (!key_valid(key)) {
		buf_printf(out, "<0x%X>", (unsigned)key);
		return;
	}
	if (key < 0x20) {
		buf_printf(out, "C-%c", key < 27 ? 'a' + key - 1 : '@' + key);
		return;
	}
	if (key == ' ') {
		buf_puts(out, "Space");
		return;
	}
	if (key < 0x80) {
		buf_putc(out, (char)key);
		return;
	}
	if (key < KEY_CODE_BASE) {
		/* UTF-8 by hand: the code point is valid (key_valid). */
		uint32_t c = (uint32_t)key;
		char u[4];
		size_t n;
		if (c < 0x800) {
			u[0] = (char)(0xc0 | (c >> 6));
			n = 1;
		} else if (c < 0x10000) {
			u[0] = (char)(0xe0 | (c >> 12));
			u[1] = (char)(0x80 | ((c >> 6) & 0x3f));
			n = 2;
		} else {
			u[0] = (char)(0xf0 | (c >> 18));
			u[1] = (char)(0x80 | ((c >> 12) & 0x3f));
			u[2] = (char)(0x80 | ((c >> 6) & 0x3f));
			n = 3;
		}
		u[n++] = (char)(0x80 | (c & 0x3f));
		buf_append(out, u, n);
		return;
	}
	if (key >= UK_F1 && key < UK_F1 + 12) {
		buf_printf(out, "F%d", (int)(key - UK_F1 + 1));
		return;
	}
	if (key == UK_RESIZE) {
		buf_puts(out, "Resize");
		return;
	}
	for (size_t i = 0; i < NKEY_NAMES; i++)
		if (key_names[i].key == key) {
			buf_puts(out, key_names[i].name);
			return;
		}
	buf_printf(out, "<0x%X>", (unsigned)key);
}

/* ---- the keymap ---- */

struct binding {
	int32_t key;
	enum action action; /* ACT_NONE: unbound here (hides generic) */
};

struct section {
	struct binding *list; /* file order */
	size_t len, cap;
	uint32_t *slots; /* index into list + 1; 0 = empty */
	size_t nslots;	 /* power of two, or 0 */
};

struct keymap {
	char *name;
	struct section sect[KEYCTX__COUNT];
};

static size_t slot_of(int32_t key, size_t nslots)
{
	/* Multiplicative hashing spreads the dense runs of ASCII codes. */
	uint32_t h = (uint32_t)key * 2654435761u;
	return (size_t)(h ^ (h >> 16)) & (nslots - 1);
}

static const struct binding *sect_find(const struct section *s, int32_t key)
{
	if (!s->nslots)
		return NULL;
	for (size_t i = slot_of(key, s->nslots);;
	     i = (i + 1) & (s->nslots - 1)) {
		uint32_t v = s->slots[i];
		if (!v)
			return NULL;
		if (s->list[v - 1].key == key)
			return &s->list[v - 1];
	}
}

static void sect_rehash(struct section *s, size_t nslots)
{
	free(s->slots);
	s->slots = xcalloc(nslots, sizeof *s->slots);
	s->nslots = nslots;
	for (size_t j = 0; j < s->len; j++) {
		size_t i = slot_of(s->list[j].key, nslots);
		while (s->slots[i])
			i = (i + 1) & (nslots - 1);
		s->slots[i] = (uint32_t)(j + 1);
	}
}

static void sect_set(struct section *s, int32_t key, enum action a)
{
	struct binding *b = (struct binding *)sect_find(s, key);
	if (b) {
		b->action = a;
		return;
	}
	if (s->len == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 32;
		s->list = xrealloc(s->list, s->cap * sizeof *s->list);
	}
	s->list[s->len++] = (struct binding){key, a};
	/* Keep the table at most half full so probes stay short. */
	if (s->len * 2 > s->nslots)
		sect_rehash(s, s->nslots ? s->nslots * 2 : 64);
	else {
		size_t i = slot_of(key, s->nslots);
		while (s->slots[i])
			i = (i + 1) & (s->nslots - 1);
		s->slots[i] = (uint32_t)s->len;
	}
}

struct keymap *keymap_new(const char *name)
{
	struct keymap *k = xcalloc(1, sizeof *k);
	k->name = xstrdup(name ? name : "");
	return k;
}

void keymap_free(struct keymap *k)
{
	if (!k)
		return;
	for (int c = 0; c < KEYCTX__COUNT; c++) {
		free(k->sect[c].list);
		free(k->sect[c].slots);
	}
	free(k->name);
	free(k);
}

const char *keymap_name(const struct keymap *k)
{
	return k ? k->name : "";
}

void keymap_bind(struct keymap *k, enum keyctx ctx, int32_t key, enum action a)
{
	key = key_normalize(key);
	if (!k || (int)ctx < 0 || (int)ctx >= KEYCTX__COUNT ||
	    !key_valid(key) || (int)a < 0 || (int)a >= ACT__COUNT)
		return;
	struct section *s = &k->sect[ctx];
	/* A generic "none" for a key never bound changes nothing; in a view
	 * it is kept, to hide the generic binding there. */
	if (a == ACT_NONE && ctx == KEYCTX_GENERIC && !sect_find(s, key))
		return;
	sect_set(s, key, a);
}

enum action keymap_lookup(const struct keymap *k, enum keyctx ctx, int32_t key)
{
	if (!k)
		return ACT_NONE;
	key = key_normalize(key);
	if ((int)ctx > KEYCTX_GENERIC && (int)ctx < KEYCTX__COUNT) {
		const struct binding *b = sect_find(&k->sect[ctx], key);
		if (b)
			return b->action;
	}
	const struct binding *b = sect_find(&k->sect[KEYCTX_GENERIC], key);
	return b ? b->action : ACT_NONE;
}

size_t keymap_bindings(const struct keymap *k, enum keyctx ctx,
		       struct key_binding *out, size_t max)
{
	if (!k)
		return 0;
	if ((int)ctx < 0 || (int)ctx >= KEYCTX__COUNT)
		ctx = KEYCTX_GENERIC;
	size_t n = 0;
	const struct section *view = &k->sect[ctx];
	const struct section *gen = &k->sect[KEYCTX_GENERIC];
	for (int pass = 0; pass < 2; pass++) {
		const struct section *s = pass ? gen : view;
		if (pass && ctx == KEYCTX_GENERIC)
			break;
		for (size_t i = 0; i < s->len; i++) {
			const struct binding *b = &s->list[i];
			if (b->action == ACT_NONE)
				continue;
			if (pass && sect_find(view, b->key))
				continue;
			if (out) {
				if (n == max)
					return n;
				out[n] = (struct key_binding){
				    b->key, b->action,
				    pass ? KEYCTX_GENERIC : ctx};
			}
			n++;
		}
	}
	return n;
}

/* ---- the keymap file format ---- */

/* "[ name ]" from the words of a section line; sets the section, or -1 to
 * skip the lines of an unknown one (they are still checked). */
static void keymap_section(struct keyfile *f, int *ctx, char **w, size_t n)
{
	struct buf line = BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_putc(&line, ' ');
		buf_puts(&line, w[i]);
	}
	char *s = line.data + 1;
	char *close = strchr(s, ']');
	*ctx = -1;
	if (!close) {
		keyfile_problem(f, "a section needs a closing ']'");
	} else if (close[1]) {
		keyfile_problem(f, "unexpected %s after ']'",
				keyfile_quote(f, str_trim(close + 1)));
	} else {
		*close = '\0';
		str_trim(s);
		int c = 0;
		while (ctx_names[c] && strcmp(ctx_names[c], s))
			c++;
		if (ctx_names[c]) {
			*ctx = c;
		} else if (!*s) {
			keyfile_problem(f, "a section needs a name");
		} else {
			keyfile_problem(f, "unknown section %s%s",
					keyfile_quote(f, s),
					keyfile_hint(f, s, ctx_names));
		}
	}
	buf_free(&line);
}

static void keymap_line(struct keyfile *f, void *arg, char **w, size_t n)
{
	struct keymap *k = arg;
	int *ctx = keyfile_state(f);
	/* "[logs]" and "[ logs ]" are sections; "[ page-up" binds '['. */
	const char *last = w[n - 1];
	if (w[0][0] == '[' && (w[0][1] || last[strlen(last) - 1] == ']')) {
		keymap_section(f, ctx, w, n);
		return;
	}
	int32_t key = keymap_key_parse(w[0]);
	if (key < 0) {
		/* one character is never a misspelt name */
		keyfile_problem(
		    f, "unknown key %s%s", keyfile_quote(f, w[0]),
		    strlen(w[0]) > 1 ? keyfile_hint(f, w[0], key_words) : "");
		return;
	}
	if (n < 2) {
		keyfile_problem(f, "key %s needs an action",
				keyfile_quote(f, w[0]));
		return;
	}
	if (n > 2) {
		keyfile_problem(f, "unexpected %s after the action",
				keyfile_quote(f, w[2]));
		return;
	}
	enum action a = action_parse(w[1]);
	if (a == ACT_NONE && strcmp(w[1], "none")) {
		keyfile_problem(f, "unknown action %s%s",
				keyfile_quote(f, w[1]),
				keyfile_hint(f, w[1], action_words));
		return;
	}
	if (*ctx >= 0)
		keymap_bind(k, (enum keyctx) * ctx, key, a);
}

bool keymap_load(struct keymap *k, const char *file, const char *text,
		 size_t len,
		 bool (*include)(void *arg, const char *name, struct buf *text),
		 void *arg, struct buf *problems)
{
	if (!k)
		return false;
	return keyfile_read("keymap", file, text, len, include, arg,
			    keymap_line, k, problems);
}

/* ---- the line reader keymaps and themes share ---- */

struct keyfile_root {
	const char *kind;
	const char *top; /* the top file's name, for "more problems" */
	bool (*include)(void *arg, const char *name, struct buf *text);
	void *include_arg;
	keyfile_line_fn line;
	void *line_arg;
	struct buf *problems;
	size_t count;
	bool ok;
};

struct keyfile {
	struct keyfile_root *root;
	const struct keyfile *parent; /* the file that included this one */
	const char *name;
	const char *text;
	size_t len;
	size_t lineno; /* 0 when a problem is about the whole file */
	int depth;
	int state;
	bool content; /* a line other than a comment was seen */
	struct buf quotes[3];
	unsigned nextq;
	struct buf hint;
};

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Where s cut to at most max bytes ends without splitting a character. */
static size_t clip_len(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	size_t n = max;
	for (int back = 0;
	     back < 3 && n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80; back++)
		n--;
	return n;
}

const char *keyfile_quote(struct keyfile *f, const char *word)
{
	struct buf *q = &f->quotes[f->nextq++ % 3];
	size_t len = strlen(word);
	size_t n = clip_len(word, len, KEYFILE_MAX_QUOTE);
	buf_clear(q);
	buf_putc(q, '\'');
	buf_append(q, word, n);
	if (n < len)
		buf_puts(q, "...");
	buf_putc(q, '\'');
	return buf_str(q);
}

const char *keyfile_hint(struct keyfile *f, const char *word,
			 const char *const *words)
{
	/* An edit distance per candidate is the dearest thing a bad line
	 * costs: skip it for problems nobody will see. */
	if (!f->root->problems || f->root->count >= KEYFILE_MAX_PROBLEMS)
		return "";
	const char *m = str_closest(word, words);
	if (!m)
		return "";
	buf_clear(&f->hint);
	buf_printf(&f->hint, " (did you mean '%s'?)", m);
	return buf_str(&f->hint);
}

int *keyfile_state(struct keyfile *f)
{
	return &f->state;
}

static void put_file(struct buf *out, const char *name)
{
	size_t len = strlen(name);
	sanitize_append(out, name, clip_len(name, len, 256), 0);
	if (len > 256)
		buf_puts(out, "...");
}

void keyfile_problem(struct keyfile *f, const char *fmt, ...)
{
	struct keyfile_root *r = f->root;
	r->ok = false;
	if (!r->problems || r->count++ > KEYFILE_MAX_PROBLEMS)
		return;
	if (r->count > KEYFILE_MAX_PROBLEMS) {
		put_file(r->problems, r->top);
		buf_puts(r->problems, ": more problems not shown\n");
		return;
	}
	put_file(r->problems, f->name);
	if (f->lineno)
		buf_printf(r->problems, ":%zu", f->lineno);
	buf_puts(r->problems, ": ");
	struct buf msg = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	/* The message quotes the file: make it one terminal-safe line. */
	sanitize_append(r->problems, buf_str(&msg), msg.len, 0);
	buf_putc(r->problems, '\n');
	buf_free(&msg);
}

static void read_file(struct keyfile *f);

/* Identical text under the same resolver would include itself forever;
 * comparing texts (not names) lets a user's file "default" start from the
 * built-in "default". */
static bool in_chain(const struct keyfile *f, const char *text, size_t len)
{
	for (; f; f = f->parent)
		if (f->len == len && (!len || !memcmp(f->text, text, len)))
			return true;
	return false;
}

static void include_line(struct keyfile *f, char **w, size_t n)
{
	struct keyfile_root *r = f->root;
	if (f->content) {
		keyfile_problem(f, "include must be the first line "
				   "(only comments before it)");
		return;
	}
	if (n != 2) {
		keyfile_problem(f, "include needs one %s name", r->kind);
		return;
	}
	if (!r->include) {
		keyfile_problem(f, "include is not allowed here");
		return;
	}
	if (f->depth >= KEYFILE_MAX_DEPTH) {
		keyfile_problem(f, "includes nested too deeply (at most %d)",
				KEYFILE_MAX_DEPTH);
		return;
	}
	struct buf text = BUF_INIT;
	if (!r->include(r->include_arg, w[1], &text)) {
		keyfile_problem(f, "no %s %s", r->kind, keyfile_quote(f, w[1]));
	} else if (in_chain(f, buf_str(&text), text.len)) {
		keyfile_problem(f, "include loop: %s is already being read",
				keyfile_quote(f, w[1]));
	} else {
		struct keyfile sub = {
		    .root = r,
		    .parent = f,
		    .name = w[1],
		    .text = buf_str(&text),
		    .len = text.len,
		    .depth = f->depth + 1,
		};
		read_file(&sub);
	}
	buf_free(&text);
}

static void read_line(struct keyfile *f, const char *p, size_t len)
{
	if (len && p[len - 1] == '\r')
		len--;
	while (len && blank(*p))
		p++, len--;
	if (!len || *p == '#')
		return;
	bool was_content = f->content;
	f->content = true;
	if (len > KEYFILE_MAX_LINE) {
		keyfile_problem(f, "line too long (%zu bytes; at most %d)", len,
				KEYFILE_MAX_LINE);
		return;
	}
	if (memchr(p, '\0', len)) {
		keyfile_problem(f, "NUL byte in the line (not a text file?)");
		return;
	}
	char line[KEYFILE_MAX_LINE + 1];
	memcpy(line, p, len);
	line[len] = '\0';
	char *w[KEYFILE_MAX_WORDS];
	size_t n = 0;
	for (char *s = line; *s;) {
		while (blank(*s))
			s++;
		if (!*s || (*s == '#' && n))
			break;
		if (n == KEYFILE_MAX_WORDS) {
			keyfile_problem(f, "too many words (at most %d)",
					KEYFILE_MAX_WORDS);
			return;
		}
		w[n++] = s;
		while (*s && !blank(*s))
			s++;
		if (*s)
			*s++ = '\0';
	}
	if (!strcmp(w[0], "include")) {
		f->content = was_content;
		include_line(f, w, n);
		f->content = true;
		return;
	}
	f->root->line(f, f->root->line_arg, w, n);
}

static void read_file(struct keyfile *f)
{
	if (f->len > KEYFILE_MAX_BYTES) {
		keyfile_problem(f, "too large (%zu bytes; at most %d)", f->len,
				KEYFILE_MAX_BYTES);
	} else {
		const char *p = f->text, *end = p + f->len;
		if (f->len >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
			p += 3; /* a byte order mark some editors write */
		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			const char *le = nl ? nl : end;
			f->lineno++;
			read_line(f, p, (size_t)(le - p));
			p = nl ? nl + 1 : end;
		}
	}
	for (int i = 0; i < 3; i++)
		buf_free(&f->quotes[i]);
	buf_free(&f->hint);
}

bool keyfile_read(const char *kind, const char *file, const char *text,
		  size_t len,
		  bool (*include)(void *arg, const char *name,
				  struct buf *text),
		  void *include_arg, keyfile_line_fn line, void *line_arg,
		  struct buf *problems)
{
	struct keyfile_root r = {
	    .kind = kind ? kind : "file",
	    .top = file ? file : "",
	    .include = include,
	    .include_arg = include_arg,
	    .line = line,
	    .line_arg = line_arg,
	    .problems = problems,
	    .ok = true,
	};
	struct keyfile f = {
	    .root = &r,
	    .name = r.top,
	    .text = text ? text : "",
	    .len = text ? len : 0,
	};
	read_file(&f);
	return r.ok;
}
