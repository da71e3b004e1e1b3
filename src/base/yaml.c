/*
 * The YAML loader: libyaml events in, jansson values and positions out.
 *
 * yaml_load_ex runs libyaml's event parser over the whole input held in
 * memory and keeps a stack of open collections (struct frame). A scalar or
 * a finished collection is "attached" to the collection on top of the stack
 * (as the value of the pending key, or appended), or becomes the document's
 * root. Mapping keys arrive as ordinary events too: a scalar while a mapping
 * waits for a key is that key. Anchored nodes are remembered together with
 * their size and height, so an alias can be checked against the node and
 * depth limits before it is copied.
 *
 * Positions are kept as a tree rather than as full path strings (which a
 * hostile document with long keys could make quadratic): each recorded
 * node is an entry, found from its parent entry through a map keyed by
 * "<parent>:k<key>" or "<parent>:i<index>". Looking a path up walks it one
 * segment at a time, so the deepest existing parent falls out for free.
 */
#include "base/yaml.h"

#include "base/map.h"
#include "base/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

/* ---- positions ---- */

struct pos_ent {
	int line, col;	 /* where the node starts */
	int kline, kcol; /* where its key starts (the node itself if none) */
};

struct yaml_pos {
	char *name;
	struct pos_ent *ents;
	size_t len, cap;
	/* "<parent hex>:k<key>" / "<parent hex>:i<index>" -> entry index + 1 */
	struct map children;
};

static size_t pos_add(struct yaml_pos *p, int line, int col, int kline,
		      int kcol)
{
	if (p->len == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 64;
		p->ents = xrealloc(p->ents, p->cap * sizeof *p->ents);
	}
	p->ents[p->len] = (struct pos_ent){line, col, kline, kcol};
	return p->len++;
}

void yaml_pos_free(struct yaml_pos *p)
{
	if (!p)
		return;
	map_free(&p->children, NULL);
	free(p->ents);
	free(p->name);
	free(p);
}

const char *yaml_pos_name(const struct yaml_pos *p)
{
	return p ? p->name : "";
}

/*
 * Walk path from the root. Returns the entry of the deepest existing node
 * on the way (SIZE_MAX when nothing was recorded) and sets *exact when that
 * is the node of the whole path.
 */
static size_t pos_walk(const struct yaml_pos *p, const char *path, bool *exact)
{
	*exact = false;
	if (!p || !p->len)
		return SIZE_MAX;
	const char *s = path ? path : "";
	size_t cur = 0;
	struct buf key = BUF_INIT;
	while (*s) {
		buf_clear(&key);
		if (*s == '[') {
			size_t idx = 0;
			const char *d = ++s;
			while (*s >= '0' && *s <= '9') {
				if (idx > (SIZE_MAX - 9) / 10)
					break;
				idx = idx * 10 + (size_t)(*s++ - '0');
			}
			if (s == d || *s != ']')
				break; /* malformed: report the parent */
			s++;
			buf_printf(&key, "%zx:i%zu", cur, idx);
		} else {
			if (*s == '.')
				s++;
			buf_printf(&key, "%zx:k", cur);
			while (*s && *s != '.' && *s != '[') {
				if (*s == '\\' && s[1])
					s++;
				buf_putc(&key, *s++);
			}
		}
		void *v = map_get(&p->children, buf_str(&key));
		if (!v) {
			buf_free(&key);
			return cur;
		}
		cur = (size_t)(uintptr_t)v - 1;
	}
	buf_free(&key);
	*exact = !*s;
	return cur;
}

static bool pos_find(const struct yaml_pos *p, const char *path, bool key,
		     int *line, int *col)
{
	bool exact;
	size_t i = pos_walk(p, path, &exact);
	if (i == SIZE_MAX || !exact)
		return false;
	if (line)
		*line = key ? p->ents[i].kline : p->ents[i].line;
	if (col)
		*col = key ? p->ents[i].kcol : p->ents[i].col;
	return true;
}

bool yaml_pos_find(const struct yaml_pos *p, const char *path, int *line,
		   int *col)
{
	return pos_find(p, path, false, line, col);
}

bool yaml_pos_find_key(const struct yaml_pos *p, const char *path, int *line,
		       int *col)
{
	return pos_find(p, path, true, line, col);
}

void yaml_pos_vbprintf(struct buf *out, const struct yaml_pos *p,
		       const char *path, bool at_key, const char *fmt,
		       va_list ap)
{
	if (p) {
		bool exact;
		size_t i = pos_walk(p, path, &exact);
		if (i == SIZE_MAX) {
			buf_printf(out, "%s: ", p->name);
		} else {
			const struct pos_ent *pe = &p->ents[i];
			bool k = at_key && exact;
			buf_printf(out, "%s:%d:%d: ", p->name,
				   k ? pe->kline : pe->line,
				   k ? pe->kcol : pe->col);
		}
	}
	buf_vprintf(out, fmt, ap);
}

void yaml_pos_bprintf(struct buf *out, const struct yaml_pos *p,
		      const char *path, bool at_key, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	yaml_pos_vbprintf(out, p, path, at_key, fmt, ap);
	va_end(ap);
}

enum status yaml_pos_err(struct err *e, enum status code,
			 const struct yaml_pos *p, const char *path,
			 const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	yaml_pos_vbprintf(&b, p, path, false, fmt, ap);
	va_end(ap);
	err_set(e, code, "%s", buf_str(&b));
	buf_free(&b);
	return code;
}

void yaml_path_key(struct buf *path, const char *key)
{
	if (path->len || !*key)
		buf_putc(path, '.');
	for (const char *s = key; *s; s++) {
		if (*s == '.' || *s == '[' || *s == ']' || *s == '\\')
			buf_putc(path, '\\');
		buf_putc(path, *s);
	}
}

void yaml_path_index(struct buf *path, size_t i)
{
	buf_printf(path, "[%zu]", i);
}

size_t yaml_path_enter_key(struct buf *path, const char *key)
{
	size_t mark = path->len;
	yaml_path_key(path, key);
	return mark;
}

size_t yaml_path_enter_index(struct buf *path, size_t i)
{
	size_t mark = path->len;
	yaml_path_index(path, i);
	return mark;
}

void yaml_path_leave(struct buf *path, size_t mark)
{
	path->len = mark;
	if (path->data)
		path->data[mark] = '\0';
}

const char *yaml_json_what(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "a mapping";
	case JSON_ARRAY:
		return "a list";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "empty";
	}
}

/* ---- the loader ---- */

struct anchor {
	json_t *node;
	size_t count; /* nodes a copy adds */
	int height;   /* nesting levels a copy adds */
};

struct frame {
	json_t *node; /* object or array being filled */
	bool is_map;
	char *key;	/* map: the key waiting for its value, or NULL */
	bool key_merge; /* that key is the merge key "<<" */
	bool has_merge;
	int kline, kcol;
	json_t *merges; /* map: the values of "<<", applied at the end */
	char *anchor;
	size_t nodes_at_start;
	int height;  /* 1 + the highest child's height */
	size_t pidx; /* position entry, SIZE_MAX when not recorded */
	yaml_mark_t mark;
};

struct loader {
	const char *name;
	const char *text;
	size_t len;
	size_t max_nodes;
	int max_depth;
	unsigned flags;
	struct yaml_pos *pos; /* NULL: positions not wanted */
	struct frame *stack;
	size_t depth, cap;
	struct map anchors; /* name -> struct anchor* */
	size_t nodes;
	size_t doc;   /* documents finished */
	json_t *root; /* the current document's root once built */
	json_t *docs; /* YAML_ALL: the documents */
	struct buf scratch;
	locale_t cloc; /* "C" numbers whatever the process locale is */
	struct err *e;
	enum status st; /* ST_OK until the first error */
	bool stop;
};

static int clamp_int(size_t v)
{
	return v >= INT_MAX ? INT_MAX : (int)v;
}

__attribute__((format(printf, 4, 5))) static void
fail(struct loader *L, enum status code, yaml_mark_t m, const char *fmt, ...)
{
	if (L->st != ST_OK)
		return;
	struct buf b = BUF_INIT;
	buf_printf(&b, "%s:%d:%d: ", L->name, clamp_int(m.line + 1),
		   clamp_int(m.column + 1));
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	err_set(L->e, code, "%s", buf_str(&b));
	buf_free(&b);
	L->st = code;
	L->stop = true;
}

/* The 0-based line and column of a byte offset (for reader errors, which
 * carry no mark, and the size limit). */
static yaml_mark_t mark_at(const struct loader *L, size_t off)
{
	yaml_mark_t m = {0, 0, 0};
	if (off > L->len)
		off = L->len;
	size_t bol = 0;
	for (size_t i = 0; i < off; i++) {
		if (L->text[i] == '\n') {
			m.line++;
			bol = i + 1;
		}
	}
	/* columns count characters, as libyaml's marks do */
	for (size_t i = bol; i < off; i++)
		if (((unsigned char)L->text[i] & 0xc0) != 0x80)
			m.column++;
	m.index = off;
	return m;
}

/* Show a user's text in a message: cut long values, escape odd bytes. */
static const char *quote(struct loader *L, const char *s, size_t n)
{
	buf_clear(&L->scratch);
	size_t max = n > 60 ? 57 : n;
	for (size_t i = 0; i < max; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			buf_printf(&L->scratch, "\\x%02x", c);
		else
			buf_putc(&L->scratch, (char)c);
	}
	if (max < n)
		buf_puts(&L->scratch, "...");
	return buf_str(&L->scratch);
}

static bool count_nodes(struct loader *L, size_t n, yaml_mark_t m)
{
	if (n > L->max_nodes - L->nodes) {
		fail(L, ST_ERR_TOOBIG, m,
		     "document has more than %zu nodes (counting alias "
		     "expansions); refusing to load it",
		     L->max_nodes);
		return false;
	}
	L->nodes += n;
	return true;
}

static void anchor_free(void *v)
{
	struct anchor *a = v;
	json_decref(a->node);
	free(a);
}

static void anchor_set(struct loader *L, const char *name, json_t *node,
		       size_t count, int height)
{
	struct anchor *a = xmalloc(sizeof *a);
	a->node = json_incref(node);
	a->count = count;
	a->height = height;
	struct anchor *old = map_put(&L->anchors, name, a);
	if (old)
		anchor_free(old);
}

static struct frame *top(struct loader *L)
{
	return L->depth ? &L->stack[L->depth - 1] : NULL;
}

/* Record the position of a node starting at m, as the child of the frame
 * on top (or as a document's root). */
static size_t record(struct loader *L, yaml_mark_t m)
{
	struct yaml_pos *p = L->pos;
	if (!p)
		return SIZE_MAX;
	int line = clamp_int(m.line + 1), col = clamp_int(m.column + 1);
	struct frame *f = top(L);
	if (!f && !(L->flags & YAML_ALL)) {
		if (p->len) /* a later document in first-document mode */
			return SIZE_MAX;
		return pos_add(p, line, col, line, col);
	}
	size_t parent = f ? f->pidx : 0;
	if (parent == SIZE_MAX)
		return SIZE_MAX;
	struct buf *k = &L->scratch;
	buf_clear(k);
	size_t idx;
	if (!f)
		buf_printf(k, "%zx:i%zu", parent, L->doc);
	else if (f->is_map)
		buf_printf(k, "%zx:k%s", parent, f->key ? f->key : "");
	else
		buf_printf(k, "%zx:i%zu", parent, json_array_size(f->node));
	if (f && f->is_map)
		idx = pos_add(p, line, col, f->kline, f->kcol);
	else
		idx = pos_add(p, line, col, line, col);
	map_put(&p->children, buf_str(k), (void *)(uintptr_t)(idx + 1));
	return idx;
}

static bool merge_source_ok(const json_t *v)
{
	if (json_is_object(v))
		return true;
	if (!json_is_array(v))
		return false;
	size_t i;
	json_t *it;
	json_array_foreach(v, i, it) if (!json_is_object(it)) return false;
	return true;
}

/* Give v (stolen) to the collection on top, or make it the root. */
static void attach(struct loader *L, json_t *v, int height, size_t count,
		   const char *anchor, yaml_mark_t m)
{
	if (anchor)
		anchor_set(L, anchor, v, count, height);
	struct frame *f = top(L);
	if (!f) {
		json_decref(L->root);
		L->root = v;
		return;
	}
	if (height + 1 > f->height)
		f->height = height + 1;
	if (!f->is_map) {
		if (json_array_append_new(f->node, v))
			fail(L, ST_ERR_NOMEM, m, "out of memory");
		return;
	}
	char *key = f->key;
	f->key = NULL;
	if (f->key_merge) {
		if (!merge_source_ok(v)) {
			json_decref(v);
			fail(L, ST_ERR_PARSE, m,
			     "the value of a merge key '<<' must be a mapping "
			     "or a list of mappings");
		} else {
			if (!f->merges)
				f->merges = json_array();
			if (!f->merges || json_array_append_new(f->merges, v))
				fail(L, ST_ERR_NOMEM, m, "out of memory");
		}
	} else if (json_object_set_new(f->node, key, v)) {
		fail(L, ST_ERR_NOMEM, m, "out of memory");
	}
	free(key);
}

static bool is_null_form(const char *s, size_t n)
{
	return n == 0 || !strcmp(s, "~") || !strcmp(s, "null") ||
	       !strcmp(s, "Null") || !strcmp(s, "NULL");
}

static int bool_form(const char *s)
{
	if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE"))
		return 1;
	if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE"))
		return 0;
	return -1;
}

static bool all_digits(const char *s, size_t n, int base)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		bool ok = base == 16 ? (c >= '0' && c <= '9') ||
					   (c >= 'a' && c <= 'f') ||
					   (c >= 'A' && c <= 'F')
			  : base == 8 ? c >= '0' && c <= '7'
				      : c >= '0' && c <= '9';
		if (!ok)
			return false;
	}
	return true;
}

/* 10 for [-+]?[0-9]+, 16 for 0x..., 8 for 0o..., 0 for no integer. */
static int int_form(const char *s, size_t n)
{
	if (n > 2 && s[0] == '0' && s[1] == 'x' && all_digits(s + 2, n - 2, 16))
		return 16;
	if (n > 2 && s[0] == '0' && s[1] == 'o' && all_digits(s + 2, n - 2, 8))
		return 8;
	size_t i = (n && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
	return all_digits(s + i, n - i, 10) ? 10 : 0;
}

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static bool float_form(const char *s, size_t n)
{
	size_t i = 0, d1 = 0, d2 = 0;
	if (i < n && (s[i] == '-' || s[i] == '+'))
		i++;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++, d1++;
	if (i < n && s[i] == '.') {
		i++;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++, d2++;
	}
	if (!d1 && !d2)
		return false;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '-' || s[i] == '+'))
			i++;
		size_t d3 = 0;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++, d3++;
		if (!d3)
			return false;
	}
	return i == n;
}

static bool inf_nan_form(const char *s)
{
	if (*s == '-' || *s == '+')
		s++;
	return !strcmp(s, ".inf") || !strcmp(s, ".Inf") || !strcmp(s, ".INF") ||
	       !strcmp(s, ".nan") || !strcmp(s, ".NaN") || !strcmp(s, ".NAN");
}

static double to_double(struct loader *L, const char *s)
{
	if (L->cloc)
		return strtod_l(s, NULL, L->cloc);
	return strtod(s, NULL);
}

/* An integer of the given form; false when it does not fit 64 bits. */
static bool parse_int(const char *s, size_t n, int base, json_int_t *out)
{
	if (base == 10) {
		char *end;
		errno = 0;
		long long v = strtoll(s, &end, 10);
		if (errno || end != s + n)
			return false;
		*out = v;
		return true;
	}
	unsigned long long v = 0;
	for (size_t i = 2; i < n; i++) {
		unsigned d = (unsigned char)s[i];
		d = d <= '9' ? d - '0' : (d | 0x20) - 'a' + 10;
		if (v > (ULLONG_MAX - d) / (unsigned)base)
			return false;
		v = v * (unsigned)base + d;
	}
	if (v > (unsigned long long)LLONG_MAX)
		return false;
	*out = (json_int_t)v;
	return true;
}

static json_t *make_number(struct loader *L, const char *s, size_t n,
			   bool want_real, yaml_mark_t m)
{
	int base = int_form(s, n);
	if (base) {
		json_int_t v;
		if (parse_int(s, n, base, &v))
			return want_real ? json_real((double)v)
					 : json_integer(v);
		if (base != 10) {
			fail(L, ST_ERR_PARSE, m, "integer '%s' is out of range",
			     quote(L, s, n));
			return NULL;
		}
		/* a decimal integer beyond 64 bits is a float, as in
		 * Kubernetes' YAML */
	}
	double d = to_double(L, s);
	if (!isfinite(d)) {
		fail(L, ST_ERR_PARSE, m, "number '%s' is out of range",
		     quote(L, s, n));
		return NULL;
	}
	return json_real(d);
}

static const char *std_tag(const char *tag)
{
	static const char pfx[] = "tag:yaml.org,2002:";
	if (tag && !strncmp(tag, pfx, sizeof pfx - 1))
		return tag + sizeof pfx - 1;
	return NULL;
}

static json_t *scalar_value(struct loader *L, const yaml_event_t *ev)
{
	const char *s = (const char *)ev->data.scalar.value;
	size_t n = ev->data.scalar.length;
	const char *tag = (const char *)ev->data.scalar.tag;
	yaml_mark_t m = ev->start_mark;
	json_t *v = NULL;
	bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	const char *t = std_tag(tag);

	if (memchr(s, '\0', n)) {
		fail(L, ST_ERR_PARSE, m,
		     "a string may not contain a NUL character");
		return NULL;
	}
	if (t && !strcmp(t, "str")) {
		v = json_stringn(s, n);
	} else if (t && !strcmp(t, "null")) {
		if (!is_null_form(s, n))
			goto bad_tag;
		v = json_null();
	} else if (t && !strcmp(t, "bool")) {
		int b = bool_form(s);
		if (b < 0)
			goto bad_tag;
		v = json_boolean(b);
	} else if (t && !strcmp(t, "int")) {
		int base = int_form(s, n);
		json_int_t i;
		if (!base)
			goto bad_tag;
		if (!parse_int(s, n, base, &i)) {
			fail(L, ST_ERR_PARSE, m, "integer '%s' is out of range",
			     quote(L, s, n));
			return NULL;
		}
		v = json_integer(i);
	} else if (t && !strcmp(t, "float")) {
		if (inf_nan_form(s))
			goto inf_nan;
		if (!int_form(s, n) && !float_form(s, n))
			goto bad_tag;
		return make_number(L, s, n, true, m);
	} else if (t && (!strcmp(t, "map") || !strcmp(t, "seq"))) {
		fail(L, ST_ERR_PARSE, m, "tag !!%s does not fit a scalar", t);
		return NULL;
	} else if (!plain || (tag && !strcmp(tag, "!"))) {
		v = json_stringn(s, n);
	} else if (is_null_form(s, n)) {
		v = json_null();
	} else if (bool_form(s) >= 0) {
		v = json_boolean(bool_form(s));
	} else if (int_form(s, n) || float_form(s, n)) {
		return make_number(L, s, n, false, m);
	} else if (inf_nan_form(s)) {
		goto inf_nan;
	} else {
		v = json_stringn(s, n);
	}
	if (!v)
		fail(L, ST_ERR_PARSE, m, "string is not valid UTF-8");
	return v;

bad_tag:
	fail(L, ST_ERR_PARSE, m, "'%s' is not a valid !!%s", quote(L, s, n), t);
	return NULL;
inf_nan:
	fail(L, ST_ERR_PARSE, m,
	     "'%s' (infinity or NaN) cannot be represented in JSON; quote it "
	     "for a string",
	     quote(L, s, n));
	return NULL;
}

static struct anchor *find_anchor(struct loader *L, const char *name,
				  yaml_mark_t m)
{
	struct anchor *a = map_get(&L->anchors, name);
	if (!a)
		fail(L, ST_ERR_PARSE, m,
		     "alias *%s refers to an unknown anchor (or to a node "
		     "that contains the alias itself)",
		     quote(L, name, strlen(name)));
	return a;
}

/* A key arrived while the mapping on top waits for one. */
static void set_key(struct loader *L, struct frame *f, const char *key,
		    size_t n, bool merge, yaml_mark_t m)
{
	if (merge) {
		if (f->has_merge) {
			fail(L, ST_ERR_PARSE, m, "duplicate merge key '<<'");
			return;
		}
		f->has_merge = true;
	} else if (json_object_get(f->node, key)) {
		int line = 0, col = 0;
		if (L->pos && f->pidx != SIZE_MAX) {
			struct buf *k = &L->scratch;
			buf_clear(k);
			buf_printf(k, "%zx:k%s", f->pidx, key);
			void *v = map_get(&L->pos->children, buf_str(k));
			if (v) {
				line = L->pos->ents[(uintptr_t)v - 1].kline;
				col = L->pos->ents[(uintptr_t)v - 1].kcol;
			}
		}
		if (line)
			fail(L, ST_ERR_PARSE, m,
			     "duplicate key '%s' (first at line %d column %d)",
			     quote(L, key, n), line, col);
		else
			fail(L, ST_ERR_PARSE, m, "duplicate key '%s'",
			     quote(L, key, n));
		return;
	}
	f->key = xstrndup(key, n);
	f->key_merge = merge;
	f->kline = clamp_int(m.line + 1);
	f->kcol = clamp_int(m.column + 1);
}

static void on_key_scalar(struct loader *L, struct frame *f,
			  const yaml_event_t *ev)
{
	const char *s = (const char *)ev->data.scalar.value;
	size_t n = ev->data.scalar.length;
	if (!count_nodes(L, 1, ev->start_mark))
		return;
	if (memchr(s, '\0', n)) {
		fail(L, ST_ERR_PARSE, ev->start_mark,
		     "a key may not contain a NUL character");
		return;
	}
	bool merge = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
		     !ev->data.scalar.tag && !strcmp(s, "<<");
	set_key(L, f, s, n, merge, ev->start_mark);
	if (L->st == ST_OK && ev->data.scalar.anchor) {
		json_t *v = json_stringn(s, n);
		if (!v) {
			fail(L, ST_ERR_PARSE, ev->start_mark,
			     "string is not valid UTF-8");
			return;
		}
		anchor_set(L, (const char *)ev->data.scalar.anchor, v, 1, 0);
		json_decref(v);
	}
}

static void on_key_alias(struct loader *L, struct frame *f,
			 const yaml_event_t *ev)
{
	yaml_mark_t m = ev->start_mark;
	struct anchor *a =
	    find_anchor(L, (const char *)ev->data.alias.anchor, m);
	if (!a || !count_nodes(L, a->count, m))
		return;
	const json_t *v = a->node;
	char num[64];
	const char *key;
	if (json_is_string(v)) {
		key = json_string_value(v);
	} else if (json_is_integer(v)) {
		snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT,
			 json_integer_value(v));
		key = num;
	} else if (json_is_real(v)) {
		snprintf(num, sizeof num, "%.17g", json_real_value(v));
		key = num;
	} else if (json_is_boolean(v)) {
		key = json_is_true(v) ? "true" : "false";
	} else if (json_is_null(v)) {
		key = "null";
	} else {
		fail(L, ST_ERR_PARSE, m,
		     "a mapping key must be a scalar, but alias *%s is a %s",
		     quote(L, (const char *)ev->data.alias.anchor,
			   strlen((const char *)ev->data.alias.anchor)),
		     json_is_object(v) ? "mapping" : "sequence");
		return;
	}
	set_key(L, f, key, strlen(key), false, m);
}

static void on_scalar(struct loader *L, const yaml_event_t *ev)
{
	struct frame *f = top(L);
	if (f && f->is_map && !f->key) {
		on_key_scalar(L, f, ev);
		return;
	}
	if (!count_nodes(L, 1, ev->start_mark))
		return;
	json_t *v = scalar_value(L, ev);
	if (!v)
		return;
	record(L, ev->start_mark);
	attach(L, v, 0, 1, (const char *)ev->data.scalar.anchor,
	       ev->start_mark);
}

static void on_alias(struct loader *L, const yaml_event_t *ev)
{
	struct frame *f = top(L);
	if (f && f->is_map && !f->key) {
		on_key_alias(L, f, ev);
		return;
	}
	yaml_mark_t m = ev->start_mark;
	struct anchor *a =
	    find_anchor(L, (const char *)ev->data.alias.anchor, m);
	if (!a)
		return;
	if ((size_t)a->height > (size_t)L->max_depth - L->depth) {
		fail(L, ST_ERR_TOOBIG, m,
		     "alias *%s nests deeper than %d levels",
		     quote(L, (const char *)ev->data.alias.anchor,
			   strlen((const char *)ev->data.alias.anchor)),
		     L->max_depth);
		return;
	}
	if (!count_nodes(L, a->count, m))
		return;
	json_t *copy = json_deep_copy(a->node);
	if (!copy) {
		fail(L, ST_ERR_NOMEM, m, "out of memory");
		return;
	}
	record(L, m);
	attach(L, copy, a->height, a->count, NULL, m);
}

static void on_start(struct loader *L, const yaml_event_t *ev, bool is_map)
{
	yaml_mark_t m = ev->start_mark;
	const char *what = is_map ? "mapping" : "sequence";
	const char *anchor =
	    (const char *)(is_map ? ev->data.mapping_start.anchor
				  : ev->data.sequence_start.anchor);
	const char *t =
	    std_tag((const char *)(is_map ? ev->data.mapping_start.tag
					  : ev->data.sequence_start.tag));
	struct frame *f = top(L);
	if (f && f->is_map && !f->key) {
		fail(L, ST_ERR_PARSE, m,
		     "a mapping key must be a scalar, not a %s", what);
		return;
	}
	if (t && (!strcmp(t, "str") || !strcmp(t, "int") ||
		  !strcmp(t, "float") || !strcmp(t, "bool") ||
		  !strcmp(t, "null") || !strcmp(t, is_map ? "seq" : "map"))) {
		fail(L, ST_ERR_PARSE, m, "tag !!%s does not fit a %s",
		     quote(L, t, strlen(t)), what);
		return;
	}
	if (L->depth >= (size_t)L->max_depth) {
		fail(L, ST_ERR_TOOBIG, m,
		     "nesting is deeper than %d levels; refusing to load it",
		     L->max_depth);
		return;
	}
	if (!count_nodes(L, 1, m))
		return;
	json_t *node = is_map ? json_object() : json_array();
	if (!node) {
		fail(L, ST_ERR_NOMEM, m, "out of memory");
		return;
	}
	size_t pidx = record(L, m);
	if (L->depth == L->cap) {
		L->cap = L->cap ? L->cap * 2 : 16;
		L->stack = xrealloc(L->stack, L->cap * sizeof *L->stack);
	}
	L->stack[L->depth++] = (struct frame){
	    .node = node,
	    .is_map = is_map,
	    .anchor = anchor ? xstrdup(anchor) : NULL,
	    .nodes_at_start = L->nodes - 1,
	    .height = 1,
	    .pidx = pidx,
	    .mark = m,
	};
}

static void apply_merges(struct loader *L, struct frame *f)
{
	size_t i, j;
	json_t *src, *it;
	json_array_foreach(f->merges, i, src)
	{
		if (json_is_object(src)) {
			if (json_object_update_missing(f->node, src))
				fail(L, ST_ERR_NOMEM, f->mark, "out of memory");
			continue;
		}
		json_array_foreach(src, j, it)
		{
			if (json_object_update_missing(f->node, it))
				fail(L, ST_ERR_NOMEM, f->mark, "out of memory");
		}
	}
}

static void frame_clear(struct frame *f)
{
	json_decref(f->node);
	json_decref(f->merges);
	free(f->key);
	free(f->anchor);
	memset(f, 0, sizeof *f);
}

static void on_end(struct loader *L)
{
	if (!L->depth)
		return; /* libyaml pairs them; be safe anyway */
	struct frame f = L->stack[--L->depth];
	if (f.merges)
		apply_merges(L, &f);
	json_t *node = f.node;
	f.node = NULL;
	if (L->st == ST_OK)
		attach(L, node, f.height, L->nodes - f.nodes_at_start, f.anchor,
		       f.mark);
	else
		json_decref(node);
	frame_clear(&f);
}

static void on_event(struct loader *L, const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_NO_EVENT:
	case YAML_STREAM_START_EVENT:
		break;
	case YAML_STREAM_END_EVENT:
		L->stop = true;
		break;
	case YAML_DOCUMENT_START_EVENT:
		if (L->doc && !(L->flags & YAML_ALL)) {
			fail(L, ST_ERR_PARSE, ev->start_mark,
			     "expected a single YAML document, but another "
			     "one starts here");
			break;
		}
		map_free(&L->anchors, anchor_free);
		json_decref(L->root);
		L->root = NULL;
		break;
	case YAML_DOCUMENT_END_EVENT:
		if (L->flags & YAML_ALL) {
			json_t *r = L->root ? L->root : json_null();
			L->root = NULL;
			if (json_array_append_new(L->docs, r))
				fail(L, ST_ERR_NOMEM, ev->start_mark,
				     "out of memory");
		} else if (!(L->flags & YAML_ONE_DOC)) {
			L->stop = true;
		}
		L->doc++;
		break;
	case YAML_ALIAS_EVENT:
		on_alias(L, ev);
		break;
	case YAML_SCALAR_EVENT:
		on_scalar(L, ev);
		break;
	case YAML_SEQUENCE_START_EVENT:
		on_start(L, ev, false);
		break;
	case YAML_MAPPING_START_EVENT:
		on_start(L, ev, true);
		break;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		on_end(L);
		break;
	}
}

static void parser_fail(struct loader *L, const yaml_parser_t *ps)
{
	const char *problem = ps->problem ? ps->problem : "syntax error";
	switch (ps->error) {
	case YAML_MEMORY_ERROR:
		fail(L, ST_ERR_NOMEM, ps->mark, "out of memory");
		break;
	case YAML_READER_ERROR:
		if (ps->problem_value != -1)
			fail(L, ST_ERR_PARSE, mark_at(L, ps->problem_offset),
			     "%s (#%X)", problem, (unsigned)ps->problem_value);
		else
			fail(L, ST_ERR_PARSE, mark_at(L, ps->problem_offset),
			     "%s", problem);
		break;
	default:
		if (ps->context)
			fail(L, ST_ERR_PARSE, ps->problem_mark,
			     "%s (%s at line %d column %d)", problem,
			     ps->context, clamp_int(ps->context_mark.line + 1),
			     clamp_int(ps->context_mark.column + 1));
		else
			fail(L, ST_ERR_PARSE, ps->problem_mark, "%s", problem);
		break;
	}
}

json_t *yaml_load_ex(const char *name, const char *text, size_t len,
		     const struct yaml_opts *opts, struct yaml_pos **pos,
		     struct err *e)
{
	struct yaml_opts o = opts ? *opts : (struct yaml_opts){0};
	struct loader L = {
	    .name = name ? name : "<string>",
	    .text = text ? text : "",
	    .len = text ? len : 0,
	    .max_nodes = o.max_nodes ? o.max_nodes : YAML_DEFAULT_MAX_NODES,
	    .max_depth = o.max_depth > 0 ? o.max_depth : YAML_DEFAULT_MAX_DEPTH,
	    .flags = o.flags,
	    .e = e,
	};
	size_t max_bytes = o.max_bytes ? o.max_bytes : YAML_DEFAULT_MAX_BYTES;
	if (pos)
		*pos = NULL;
	if (L.len > max_bytes) {
		fail(&L, ST_ERR_TOOBIG, mark_at(&L, max_bytes),
		     "input is larger than %zu bytes; refusing to load it",
		     max_bytes);
		return NULL;
	}
	if (pos) {
		L.pos = xcalloc(1, sizeof *L.pos);
		L.pos->name = xstrdup(L.name);
		if (L.flags & YAML_ALL)
			pos_add(L.pos, 1, 1, 1, 1);
	}
	if (L.flags & YAML_ALL) {
		L.docs = json_array();
		if (!L.docs) {
			yaml_pos_free(L.pos);
			err_set(e, ST_ERR_NOMEM, "%s: out of memory", L.name);
			return NULL;
		}
	}
	L.cloc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);

	yaml_parser_t ps;
	if (!yaml_parser_initialize(&ps)) {
		fail(&L, ST_ERR_NOMEM, (yaml_mark_t){0, 0, 0}, "out of memory");
	} else {
		yaml_parser_set_input_string(&ps, (const unsigned char *)L.text,
					     L.len);
		/* UTF-8 only: byte offsets and columns stay simple, and
		 * nothing opsdeck reads is UTF-16 */
		yaml_parser_set_encoding(&ps, YAML_UTF8_ENCODING);
		while (!L.stop) {
			yaml_event_t ev;
			if (!yaml_parser_parse(&ps, &ev)) {
				parser_fail(&L, &ps);
				break;
			}
			on_event(&L, &ev);
			yaml_event_delete(&ev);
		}
		yaml_parser_delete(&ps);
	}

	while (L.depth)
		frame_clear(&L.stack[--L.depth]);
	free(L.stack);
	map_free(&L.anchors, anchor_free);
	buf_free(&L.scratch);
	if (L.cloc)
		freelocale(L.cloc);

	json_t *out;
	if (L.st != ST_OK) {
		json_decref(L.root);
		json_decref(L.docs);
		yaml_pos_free(L.pos);
		return NULL;
	}
	if (L.flags & YAML_ALL) {
		json_decref(L.root);
		out = L.docs;
	} else {
		out = L.root ? L.root : json_null();
	}
	if (pos)
		*pos = L.pos;
	return out;
}

json_t *yaml_load_string(const char *name, const char *text, size_t len,
			 struct yaml_pos **pos, struct err *e)
{
	return yaml_load_ex(name, text, len, NULL, pos, e);
}

json_t *yaml_load_all(const char *name, const char *text, size_t len,
		      struct yaml_pos **pos, struct err *e)
{
	struct yaml_opts o = {.flags = YAML_ALL};
	return yaml_load_ex(name, text, len, &o, pos, e);
}

/* Read at most max + 1 bytes, so an oversized file is seen as such without
 * reading all of it. */
static char *read_file(const char *path, size_t max, size_t *len, struct err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int errnum = errno;
		err_set(e, errnum == ENOENT ? ST_ERR_NOTFOUND : ST_ERR_IO,
			"%s: %s", path, strerror(errnum));
		return NULL;
	}
	struct buf b = BUF_INIT;
	size_t want = max < SIZE_MAX ? max + 1 : max;
	while (b.len < want) {
		size_t chunk = want - b.len < 65536 ? want - b.len : 65536;
		buf_reserve(&b, chunk);
		ssize_t n = read(fd, b.data + b.len, chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int errnum = errno;
			err_set(e, ST_ERR_IO, "%s: %s", path, strerror(errnum));
			close(fd);
			buf_free(&b);
			return NULL;
		}
		if (n == 0)
			break;
		b.len += (size_t)n;
		b.data[b.len] = '\0';
	}
	close(fd);
	*len = b.len;
	return buf_detach(&b);
}

json_t *yaml_load_file_ex(const char *path, const struct yaml_opts *opts,
			  struct yaml_pos **pos, struct err *e)
{
	if (pos)
		*pos = NULL;
	size_t max =
	    opts && opts->max_bytes ? opts->max_bytes : YAML_DEFAULT_MAX_BYTES;
	size_t len;
	char *text = read_file(path, max, &len, e);
	if (!text)
		return NULL;
	json_t *v = yaml_load_ex(path, text, len, opts, pos, e);
	free(text);
	return v;
}

json_t *yaml_load_file(const char *path, struct yaml_pos **pos, struct err *e)
{
	return yaml_load_file_ex(path, NULL, pos, e);
}

json_t *yaml_load_all_file(const char *path, struct yaml_pos **pos,
			   struct err *e)
{
	struct yaml_opts o = {.flags = YAML_ALL};
	return yaml_load_file_ex(path, &o, pos, e);
}
