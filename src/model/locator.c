/*
 * Version locators (locator.h): parsing a path, following it through a
 * loaded YAML document, and turning the node found into a version.
 *
 * locator_parse turns the path text into an array of steps (a key, an
 * index or a selector), each remembering where it ends in the text, so
 * that a reason can name the part of the path that was reached ("no key
 * 'tag' in image"). Paths come from the config repo and are untrusted:
 * their length and number of steps are bounded before any work is done,
 * and every error names the byte where it starts.
 *
 * locator_find walks the steps over jansson values, one step per level,
 * and writes the yaml.h node path of every node it reaches with
 * yaml_path_key/yaml_path_index, so the caller can turn it into
 * file:line:col. Everything echoed into a reason is passed through
 * sanitize_append: keys and values come from the repo.
 *
 * Numbers become text the way Helm prints them (Go's %v): integers in
 * decimal, floats in the shortest form that reads back the same. The same
 * text is used when a selector compares a number with its value.
 */
#include "model/locator.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/sanitize.h"
#include "base/yaml.h"

#define PATH_MAX_BYTES 4096
#define PATH_MAX_STEPS 256
#define INDEX_MAX      1000000000L
/* Enough for any number printed by number_text. */
#define NUMBER_TEXT_MAX 40

enum step_kind { STEP_KEY, STEP_INDEX, STEP_SELECT };

struct step {
	enum step_kind kind;
	char *key;   /* KEY: the key; SELECT: the item key to compare */
	char *value; /* SELECT: the value it must have */
	size_t value_len;
	long index; /* INDEX */
	size_t end; /* where the step ends in the path text */
};

struct locator {
	char *text;
	struct step *steps;
	size_t n, cap;
};

/* ---- parsing ---- */

struct parser {
	const char *s;
	size_t i;
	struct locator *l;
	size_t *offset;
	struct err *e;
};

static bool is_key_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '/';
}

static void describe_char(char *dst, size_t n, unsigned char c)
{
	if (c > 0x20 && c < 0x7f && c != '\'')
		snprintf(dst, n, "'%c'", c);
	else if (c == ' ')
		snprintf(dst, n, "' ' (a space)");
	else
		snprintf(dst, n, "(byte 0x%02X)", c);
}

static enum status fail_at(struct parser *P, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum status fail_at(struct parser *P, size_t at, const char *fmt, ...)
{
	va_list ap;
	if (P->offset)
		*P->offset = at;
	va_start(ap, fmt);
	err_setv(P->e, ST_ERR_PARSE, fmt, ap);
	va_end(ap);
	return ST_ERR_PARSE;
}

static enum status fail_char(struct parser *P, size_t at, const char *where)
{
	char what[32];
	describe_char(what, sizeof what, (unsigned char)P->s[at]);
	return fail_at(P, at, "bad character %s in %s", what, where);
}

static enum status add_step(struct parser *P, size_t at, struct step st)
{
	struct locator *l = P->l;
	if (l->n == PATH_MAX_STEPS) {
		free(st.key);
		free(st.value);
		return fail_at(P, at, "more than %d steps in a path",
			       PATH_MAX_STEPS);
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 4;
		l->steps = xrealloc(l->steps, l->cap * sizeof *l->steps);
	}
	st.end = P->i;
	l->steps[l->n++] = st;
	return ST_OK;
}

/* A run of key characters at P->i (possibly empty); returns its length. */
static size_t key_run(const struct parser *P)
{
	size_t n = 0;
	while (is_key_char((unsigned char)P->s[P->i + n]))
		n++;
	return n;
}

/* A double-quoted string at P->i ('"'), unescaped into *out. */
static enum status quoted(struct parser *P, const char *what, char **out)
{
	size_t open = P->i++;
	struct buf b = BUF_INIT;
	for (;;) {
		unsigned char c = (unsigned char)P->s[P->i];
		if (!c) {
			buf_free(&b);
			return fail_at(P, open, "unterminated quote");
		}
		if (c == '"')
			break;
		if (c < 0x20 || c == 0x7f) {
			buf_free(&b);
			return fail_char(P, P->i, what);
		}
		if (c == '\\') {
			char n = P->s[P->i + 1];
			if (n != '"' && n != '\\') {
				buf_free(&b);
				return fail_at(
				    P, P->i,
				    "bad escape in %s (only \\\" and "
				    "\\\\ are known)",
				    what);
			}
			P->i++;
			c = (unsigned char)n;
		}
		buf_putc(&b, (char)c);
		P->i++;
	}
	P->i++;
	*out = buf_detach(&b);
	return ST_OK;
}

static enum status expect_close(struct parser *P)
{
	if (P->s[P->i] != ']')
		return fail_at(P, P->i, "']' expected");
	P->i++;
	return ST_OK;
}

/* "-?[0-9]+" as a whole run; false when it is not one. */
static bool parse_index(const char *s, size_t n, long *out, bool *range)
{
	size_t i = s[0] == '-';
	long v = 0;
	*range = false;
	if (i == n)
		return false;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		long d = s[i] - '0';
		if (v > (INDEX_MAX - d) / 10)
			*range = true;
		else
			v = v * 10 + d;
	}
	*out = s[0] == '-' ? -v : v;
	return true;
}

/* The value of a selector, after its '='. */
static enum status selector_value(struct parser *P, size_t open, char **out)
{
	if (P->s[P->i] == '"') {
		enum status st = quoted(P, "a selector value", out);
		if (st == ST_OK && (st = expect_close(P)) != ST_OK) {
			free(*out);
			*out = NULL;
		}
		return st;
	}
	size_t start = P->i;
	while (P->s[P->i] && P->s[P->i] != ']') {
		unsigned char c = (unsigned char)P->s[P->i];
		if (c < 0x20 || c == 0x7f)
			return fail_char(P, P->i, "a selector value");
		P->i++;
	}
	if (!P->s[P->i])
		return fail_at(P, P->i, "']' expected");
	if (P->i == start)
		return fail_at(P, open, "selector needs key=value");
	*out = xstrndup(P->s + start, P->i - start);
	P->i++;
	return ST_OK;
}

/* A step in brackets at P->i ('['): an index, a quoted key or a
 * selector. */
static enum status bracket(struct parser *P)
{
	size_t open = P->i++;
	struct step st = {0};
	enum status rc;
	if (P->s[P->i] == '"') {
		if ((rc = quoted(P, "a quoted key", &st.key)) != ST_OK)
			return rc;
	} else {
		size_t n = key_run(P);
		const char *run = P->s + P->i;
		P->i += n;
		if (P->s[P->i] == ']') {
			bool range;
			if (!n)
				return fail_at(P, open,
					       "empty '[]' (an index, a quoted "
					       "key or key=value expected)");
			if (!parse_index(run, n, &st.index, &range))
				return fail_at(P, open,
					       "selector needs key=value");
			if (range)
				return fail_at(P, open + 1,
					       "index out of range");
			P->i++;
			st.kind = STEP_INDEX;
			return add_step(P, open, st);
		}
		if (P->s[P->i] != '=') {
			if (!P->s[P->i] || n)
				return fail_at(P, P->i, "']' expected");
			return fail_char(P, P->i, "brackets");
		}
		if (!n)
			return fail_at(P, P->i, "empty key");
		st.key = xstrndup(run, n);
	}
	if (P->s[P->i] == ']') {
		P->i++;
		st.kind = STEP_KEY;
		return add_step(P, open, st);
	}
	if (P->s[P->i] != '=') {
		free(st.key);
		return fail_at(P, P->i, "']' expected");
	}
	P->i++;
	if ((rc = selector_value(P, open, &st.value)) != ST_OK) {
		free(st.key);
		return rc;
	}
	st.kind = STEP_SELECT;
	st.value_len = strlen(st.value);
	return add_step(P, open, st);
}

/* An unquoted key at P->i (after a '.' or at the start). */
static enum status plain_key(struct parser *P)
{
	size_t start = P->i, n = key_run(P);
	if (!n) {
		char c = P->s[start];
		if (!c || c == '.' || c == '[')
			return fail_at(P, start, "empty key");
		if (c == '"')
			return fail_at(P, start,
				       "a quoted key goes in brackets: "
				       "[\"...\"]");
		return fail_char(P, start, "a key");
	}
	P->i += n;
	struct step st = {.kind = STEP_KEY, .key = xstrndup(P->s + start, n)};
	return add_step(P, start, st);
}

static enum status parse_steps(struct parser *P)
{
	enum status st;
	if (!P->s[0])
		return fail_at(P, 0, "empty path");
	st = P->s[0] == '[' ? bracket(P) : plain_key(P);
	while (st == ST_OK && P->s[P->i]) {
		char c = P->s[P->i];
		if (c == '.') {
			P->i++;
			st = plain_key(P);
		} else if (c == '[') {
			st = bracket(P);
		} else if (P->i && P->s[P->i - 1] == ']') {
			st = fail_at(P, P->i, "'.' or '[' expected");
		} else {
			st = fail_char(P, P->i, "a key");
		}
	}
	return st;
}

enum status locator_parse(const char *path, struct locator **out,
			  size_t *offset, struct err *e)
{
	*out = NULL;
	if (!path)
		path = "";
	/* strnlen: a huge path is refused without reading all of it */
	if (strnlen(path, PATH_MAX_BYTES + 1) > PATH_MAX_BYTES) {
		if (offset)
			*offset = PATH_MAX_BYTES;
		return err_set(e, ST_ERR_PARSE, "path longer than %d bytes",
			       PATH_MAX_BYTES);
	}
	struct locator *l = xcalloc(1, sizeof *l);
	struct parser P = {.s = path, .l = l, .offset = offset, .e = e};
	enum status st = parse_steps(&P);
	if (st != ST_OK) {
		locator_free(l);
		return st;
	}
	l->text = xstrdup(path);
	*out = l;
	return ST_OK;
}

void locator_free(struct locator *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++) {
		free(l->steps[i].key);
		free(l->steps[i].value);
	}
	free(l->steps);
	free(l->text);
	free(l);
}

const char *locator_text(const struct locator *l)
{
	return l->text;
}

/* ---- numbers as text ---- */

/*
 * Go's %v for a float64, which is what Helm prints: the shortest digits
 * that read back as the same double, written like %f when the decimal
 * exponent is in [-4, 6) and like %e otherwise: 1.10 is "1.1", 2.0 is
 * "2", 1000000.0 is "1e+06" and 0.00001 is "1e-05", as in Go.
 * false for infinities and NaN, which JSON has no text for.
 */
static bool real_text(double d, char *dst, size_t n)
{
	char e[48], digits[24];
	int p, exp10, nd = 0;
	if (!isfinite(d))
		return false;
	for (p = 1; p < 17; p++) {
		snprintf(e, sizeof e, "%.*e", p - 1, d);
		if (strtod(e, NULL) == d)
			break;
	}
	snprintf(e, sizeof e, "%.*e", p - 1, d);
	/* Collect the digits whatever the locale's decimal point is. */
	const char *s = e + (e[0] == '-'), *x = strchr(s, 'e');
	if (!x)
		return false;
	for (; s < x; s++)
		if (*s >= '0' && *s <= '9')
			digits[nd++] = *s;
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	exp10 = atoi(x + 1);
	struct buf b = BUF_INIT;
	if (d < 0 || (d == 0 && signbit(d)))
		buf_putc(&b, '-');
	if (exp10 < -4 || exp10 >= 6) {
		buf_putc(&b, digits[0]);
		if (nd > 1) {
			buf_putc(&b, '.');
			buf_append(&b, digits + 1, (size_t)nd - 1);
		}
		buf_printf(&b, "e%c%02d", exp10 < 0 ? '-' : '+', abs(exp10));
	} else if (exp10 < 0) {
		buf_puts(&b, "0.");
		for (int i = -1; i > exp10; i--)
			buf_putc(&b, '0');
		buf_append(&b, digits, (size_t)nd);
	} else {
		int dp = exp10 + 1;
		for (int i = 0; i < dp || i < nd; i++) {
			if (i == dp)
				buf_putc(&b, '.');
			buf_putc(&b, i < nd ? digits[i] : '0');
		}
	}
	bool fits = b.len < n;
	if (fits)
		memcpy(dst, buf_str(&b), b.len + 1);
	buf_free(&b);
	return fits;
}

/* The text of a number node; false for anything else. */
static bool number_text(const json_t *v, char *dst, size_t n)
{
	if (json_is_integer(v)) {
		snprintf(dst, n, "%lld", (long long)json_integer_value(v));
		return true;
	}
	if (json_is_real(v))
		return real_text(json_real_value(v), dst, n);
	return false;
}

/* ---- following a path ---- */

static const char *type_name(const json_t *v)
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
	case JSON_NULL:
	default:
		return "null";
	}
}

static void put_safe(struct buf *b, const char *s, size_t n)
{
	sanitize_append(b, s, n, 0);
}

/* The part of the path that leads to the node before step i, as the
 * user wrote it. */
static void put_parent(struct buf *why, const struct locator *l, size_t i)
{
	if (!i) {
		buf_puts(why, "the document");
		return;
	}
	put_safe(why, l->text, l->steps[i - 1].end);
}

static bool str_value_is(const json_t *v, const char *s, size_t n)
{
	return json_is_string(v) && json_string_length(v) == n &&
	       !memcmp(json_string_value(v), s, n);
}

static bool item_matches(const json_t *item, const struct step *st)
{
	if (!json_is_object(item))
		return false;
	const json_t *v = json_object_get(item, st->key);
	char num[NUMBER_TEXT_MAX];
	if (json_is_string(v))
		return str_value_is(v, st->value, st->value_len);
	if (number_text(v, num, sizeof num))
		return !strcmp(num, st->value);
	return false;
}

static enum locate_result mismatch(const struct locator *l, size_t i,
				   const json_t *cur, const char *want,
				   struct buf *why)
{
	if (why) {
		put_parent(why, l, i);
		buf_printf(why, " is %s, not %s", type_name(cur), want);
	}
	return LOCATE_MISMATCH;
}

/* One step from cur; *next is NULL when it leads nowhere. */
static enum locate_result step_one(const struct locator *l, size_t i,
				   const json_t *cur, const json_t **next,
				   struct buf *node_path, struct buf *why)
{
	const struct step *st = &l->steps[i];
	*next = NULL;
	if (st->kind == STEP_KEY) {
		if (!json_is_object(cur))
			return mismatch(l, i, cur, "a mapping", why);
		*next = json_object_get(cur, st->key);
		if (*next) {
			if (node_path)
				yaml_path_key(node_path, st->key);
			return LOCATE_FOUND;
		}
		if (why) {
			buf_puts(why, "no key '");
			put_safe(why, st->key, strlen(st->key));
			buf_puts(why, "' in ");
			put_parent(why, l, i);
		}
		return LOCATE_MISSING;
	}
	if (!json_is_array(cur))
		return mismatch(l, i, cur, "a list", why);
	size_t size = json_array_size(cur), at = size;
	if (st->kind == STEP_INDEX) {
		if (st->index >= 0 && (size_t)st->index < size)
			at = (size_t)st->index;
		else if (st->index < 0 && (size_t)-st->index <= size)
			at = size - (size_t)-st->index;
		if (at == size && why) {
			buf_printf(why, "no item [%ld] in ", st->index);
			put_parent(why, l, i);
			buf_printf(why, " (%zu item%s)", size,
				   size == 1 ? "" : "s");
		}
	} else {
		for (at = 0; at < size; at++)
			if (item_matches(json_array_get(cur, at), st))
				break;
		if (at == size && why) {
			buf_puts(why, "no item with ");
			put_safe(why, st->key, strlen(st->key));
			buf_putc(why, '=');
			put_safe(why, st->value, strlen(st->value));
			buf_puts(why, " in ");
			put_parent(why, l, i);
		}
	}
	if (at == size)
		return LOCATE_MISSING;
	*next = json_array_get(cur, at);
	if (node_path)
		yaml_path_index(node_path, at);
	return LOCATE_FOUND;
}

enum locate_result locator_find(const struct locator *l, const json_t *root,
				const json_t **node, struct buf *node_path,
				struct buf *why)
{
	const json_t *cur = root;
	if (node)
		*node = NULL;
	if (!root || json_is_null(root)) {
		if (why)
			buf_puts(why, "the document is empty");
		return LOCATE_MISSING;
	}
	for (size_t i = 0; i < l->n; i++) {
		const json_t *next;
		enum locate_result r =
		    step_one(l, i, cur, &next, node_path, why);
		if (r != LOCATE_FOUND)
			return r;
		cur = next;
	}
	if (node)
		*node = cur;
	return LOCATE_FOUND;
}

/* ---- documents ---- */

static bool doc_matches(const json_t *doc, const char *kind, const char *name)
{
	if (!json_is_object(doc))
		return false;
	const json_t *meta = json_object_get(doc, "metadata");
	if (kind &&
	    !str_value_is(json_object_get(doc, "kind"), kind, strlen(kind)))
		return false;
	if (name &&
	    !str_value_is(json_object_get(meta, "name"), name, strlen(name)))
		return false;
	return true;
}

long locator_document(const json_t *docs, const char *kind, const char *name)
{
	long found = -1;
	size_t n = json_array_size(docs);
	for (size_t i = 0; i < n; i++) {
		if (!doc_matches(json_array_get(docs, i), kind, name))
			continue;
		if (found >= 0)
			return -2;
		found = (long)i;
	}
	return found;
}

/* ---- versions ---- */

bool locator_version(const json_t *node, bool image, struct buf *out,
		     struct buf *why)
{
	const char *what = NULL;
	char num[NUMBER_TEXT_MAX];
	if (json_is_string(node)) {
		const char *s = json_string_value(node);
		size_t n = json_string_length(node);
		if (!n)
			what = "an empty string";
		else if (memchr(s, '\0', n))
			what = "a string with a NUL byte";
		else if (!image)
			buf_append(out, s, n);
		else if (!image_ref_version(s, out))
			what = "not an image reference";
	} else if (json_is_number(node)) {
		if (image)
			what = "a number, not an image reference";
		else if (!number_text(node, num, sizeof num))
			what = "a number without a finite value";
		else
			buf_puts(out, num);
	} else if (!node) {
		what = "null";
	} else {
		what = type_name(node);
	}
	if (what && why)
		buf_puts(why, what);
	return !what;
}

/* ---- image references ---- */

static bool is_tag_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

/* "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}" */
static bool valid_tag(const char *s, size_t n)
{
	if (!n || n > 128 || s[0] == '.' || s[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_tag_char(s[i]))
			return false;
	return true;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_lower_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f');
}

/*
 * "algorithm:hex" as OCI image-spec digests are: the algorithm is
 * components of [a-z0-9] joined by one of "+._-", the encoded part is at
 * least 32 lowercase hex digits, and exactly as many as the algorithm
 * makes for the registered ones.
 */
static bool valid_digest(const char *s)
{
	const char *colon = strchr(s, ':');
	if (!colon || colon == s)
		return false;
	bool sep_ok = false;
	for (const char *p = s; p < colon; p++) {
		if ((*p >= 'a' && *p <= 'z') || is_digit(*p)) {
			sep_ok = true;
		} else if (strchr("+._-", *p) && sep_ok) {
			sep_ok = false;
		} else {
			return false;
		}
	}
	if (!sep_ok)
		return false;
	const char *hex = colon + 1;
	size_t n = 0;
	for (; hex[n]; n++)
		if (!is_lower_hex(hex[n]))
			return false;
	size_t alg = (size_t)(colon - s);
	if (alg == 6 && !memcmp(s, "sha256", 6))
		return n == 64;
	if (alg == 6 && !memcmp(s, "sha384", 6))
		return n == 96;
	if (alg == 6 && !memcmp(s, "sha512", 6))
		return n == 128;
	return n >= 32;
}

/*
 * The name before the tag: components separated by '/', none empty; the
 * first may carry a ":port" when more follow (a registry host).
 */
static bool valid_name(const char *s, size_t n)
{
	size_t start = 0;
	bool first = true;
	if (!n)
		return false;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '/')
			continue;
		const char *c = s + start;
		size_t len = i - start;
		const char *colon = memchr(c, ':', len);
		if (!len)
			return false;
		if (colon) {
			if (!first || i == n || colon == c)
				return false;
			size_t port = len - (size_t)(colon - c) - 1;
			if (!port || port > 5)
				return false;
			for (size_t k = 1; k <= port; k++)
				if (!is_digit(colon[k]))
					return false;
		}
		first = false;
		start = i + 1;
	}
	return true;
}

bool image_ref_version(const char *ref, struct buf *out)
{
	if (!ref || !*ref)
		return false;
	for (const unsigned char *p = (const unsigned char *)ref; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f)
			return false;
	const char *at = strchr(ref, '@');
	size_t name_len = at ? (size_t)(at - ref) : strlen(ref);
	if (at && !valid_digest(at + 1))
		return false;
	/* The tag is after the last ':' that follows the last '/'; a ':'
	 * before a '/' is a registry's port. */
	const char *tag = NULL;
	for (size_t i = name_len; i-- > 0 && ref[i] != '/';) {
		if (ref[i] == ':') {
			tag = ref + i + 1;
			break;
		}
	}
	size_t tag_len = tag ? name_len - (size_t)(tag - ref) : 0;
	if (tag && !valid_tag(tag, tag_len))
		return false;
	if (!valid_name(ref, tag ? (size_t)(tag - ref) - 1 : name_len))
		return false;
	if (tag)
		buf_append(out, tag, tag_len);
	else if (at)
		buf_puts(out, at + 1);
	else
		buf_puts(out, "latest");
	return true;
}
