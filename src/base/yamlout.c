/*
 * JSON -> YAML text (yamlout.h): one recursive walk that writes block
 * mappings and sequences, and one decision per string — plain, literal
 * block or double-quoted — made by asking whether a reader would take the
 * plain text back as the same string. The rules for what reads as a
 * number, a boolean or null mirror base/yaml.c's loader (YAML 1.2 core),
 * widened with the YAML 1.1 forms other readers still apply, so a string
 * is never silently retyped by whoever reads the output.
 */
#include "base/yamlout.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- characters ---------------------------------------------------------- */

/* Decode one UTF-8 character of s[0..n); returns its length (1 for an
 * invalid byte, reported as U+FFFD: jansson strings are valid UTF-8, so
 * this only guards against strings made without its checks). */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned c = s[0];
	size_t len = c < 0x80	      ? 1
		     : (c >> 5) == 6  ? 2
		     : (c >> 4) == 14 ? 3
		     : (c >> 3) == 30 ? 4
				      : 0;
	if (!len || len > n) {
		*cp = 0xfffd;
		return 1;
	}
	uint32_t v = len == 1 ? c : c & (0x7f >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*cp = 0xfffd;
			return 1;
		}
		v = (v << 6) | (s[i] & 0x3f);
	}
	*cp = v;
	return len;
}

/* Characters written as escapes: what YAML does not allow raw (C0 and C1
 * controls, DEL, surrogates, U+FFFE/FFFF), what YAML readers take as line
 * breaks or a byte-order mark (U+2028/2029, U+FEFF), and the invisible
 * direction and width controls that would make the text read differently
 * from what it is (U+200B-200F, U+202A-202E, U+2066-2069). */
static bool needs_escape(uint32_t cp)
{
	return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) ||
	       (cp >= 0x200b && cp <= 0x200f) || cp == 0x2028 || cp == 0x2029 ||
	       (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069) ||
	       (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfeff || cp == 0xfffe ||
	       cp == 0xffff;
}

/* ---- what a plain scalar would read as ----------------------------------- */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool one_of(const char *s, size_t n, const char *const *words)
{
	for (; *words; words++)
		if (strlen(*words) == n && !memcmp(s, *words, n))
			return true;
	return false;
}

static bool digits(const char *s, size_t n, int base, bool underscores)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool ok = base == 16 ? is_digit(c) || (c >= 'a' && c <= 'f') ||
					   (c >= 'A' && c <= 'F')
			  : base == 8 ? c >= '0' && c <= '7'
			  : base == 2 ? c == '0' || c == '1'
				      : is_digit(c);
		if (!ok && !(underscores && c == '_'))
			return false;
	}
	return true;
}

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?, digits may carry
 * '_' (YAML 1.1) when underscores. */
static bool float_like(const char *s, size_t n, bool underscores)
{
	size_t i = 0, d1 = 0, d2 = 0;
	if (i < n && (s[i] == '-' || s[i] == '+'))
		i++;
	while (i < n && (is_digit(s[i]) || (underscores && s[i] == '_')))
		d1 += is_digit(s[i++]);
	if (i < n && s[i] == '.') {
		i++;
		while (i < n &&
		       (is_digit(s[i]) || (underscores && s[i] == '_')))
			d2 += is_digit(s[i++]);
	}
	if (!d1 && !d2)
		return false;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '-' || s[i] == '+'))
			i++;
		size_t d3 = 0;
		while (i < n && is_digit(s[i]))
			i++, d3++;
		if (!d3)
			return false;
	}
	return i == n;
}

/* 1:30, -1_000:59:59.5 (YAML 1.1 base 60). */
static bool sexagesimal(const char *s, size_t n)
{
	size_t i = (n && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
	if (i >= n || !is_digit(s[i]))
		return false;
	while (i < n && (is_digit(s[i]) || s[i] == '_'))
		i++;
	size_t groups = 0;
	while (i < n && s[i] == ':') {
		i++;
		size_t d = 0;
		while (i < n && is_digit(s[i]) && d < 2)
			i++, d++;
		if (!d)
			return false;
		groups++;
	}
	if (!groups)
		return false;
	if (i < n && s[i] == '.') {
		i++;
		while (i < n && (is_digit(s[i]) || s[i] == '_'))
			i++;
	}
	return i == n;
}

/* Whether a plain scalar s would be read as something other than this
 * string: null, a boolean, a number, infinity/NaN, a timestamp, or a
 * merge key. */
static bool reads_as_other(const char *s, size_t n)
{
	static const char *const words[] = {
	    "~", "null", "Null", "NULL", "true", "True", "TRUE", "false",
	    "False", "FALSE",
	    /* YAML 1.1 booleans and the value key */
	    "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on",
	    "On", "ON", "off", "Off", "OFF", "=", "<<", NULL};
	if (one_of(s, n, words))
		return true;
	size_t i = (n && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
	const char *u = s + i;
	size_t m = n - i;
	/* .inf, .nan in any case */
	if (m == 4 && u[0] == '.' &&
	    (!strncasecmp(u + 1, "inf", 3) || !strncasecmp(u + 1, "nan", 3)))
		return true;
	/* integers: 0x, 0o, 0b and decimal, with YAML 1.1's underscores */
	if (m > 2 && u[0] == '0' && (u[1] == 'x' || u[1] == 'X') &&
	    digits(u + 2, m - 2, 16, true))
		return true;
	if (m > 2 && u[0] == '0' && (u[1] == 'o' || u[1] == 'O') &&
	    digits(u + 2, m - 2, 8, true))
		return true;
	if (m > 2 && u[0] == '0' && (u[1] == 'b' || u[1] == 'B') &&
	    digits(u + 2, m - 2, 2, true))
		return true;
	if (m && is_digit(u[0]) && digits(u, m, 10, true))
		return true;
	if (float_like(s, n, true) || sexagesimal(s, n))
		return true;
	/* a timestamp: YYYY-M-D at the start */
	if (n >= 8 && digits(s, 4, 10, false) && s[4] == '-' &&
	    is_digit(s[5])) {
		size_t j = is_digit(s[6]) ? 7 : 6;
		if (j + 1 < n && s[j] == '-' && is_digit(s[j + 1]))
			return true;
	}
	return false;
}

/* Whether s can be written as a plain scalar. */
static bool plain_ok(const char *s, size_t n)
{
	if (!n || s[0] == ' ' || s[n - 1] == ' ' || s[n - 1] == ':')
		return false;
	if (strchr(",[]{}#&*!|>'\"%@`", s[0]))
		return false;
	if ((s[0] == '-' || s[0] == '?' || s[0] == ':') &&
	    (n == 1 || s[1] == ' '))
		return false;
	if (n >= 3 && (!memcmp(s, "---", 3) || !memcmp(s, "...", 3)))
		return false;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		i += utf8_next((const unsigned char *)s + i, n - i, &cp);
		if (needs_escape(cp) || cp == 0xfffd)
			return false;
		if (cp == ':' && i < n && s[i] == ' ')
			return false;
		if (cp == ' ' && i < n && s[i] == '#')
			return false;
	}
	return !reads_as_other(s, n);
}

/* ---- writing scalars ----------------------------------------------------- */

static void indent(struct buf *out, int n)
{
	for (int i = 0; i < n; i++)
		buf_putc(out, ' ');
}

/* The escapes people know ("\e", "\n"), NULL for the rest. */
static const char *short_escape(uint32_t cp)
{
	static const struct {
		uint32_t cp;
		const char *esc;
	} table[] = {
	    {0, "\\0"},	   {'\a', "\\a"}, {'\b', "\\b"},  {'\t', "\\t"},
	    {'\n', "\\n"}, {'\v', "\\v"}, {'\f', "\\f"},  {'\r', "\\r"},
	    {0x1b, "\\e"}, {'"', "\\\""}, {'\\', "\\\\"},
	};
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
		if (table[i].cp == cp)
			return table[i].esc;
	return NULL;
}

static void put_quoted(struct buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	buf_putc(out, '"');
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t len =
		    utf8_next((const unsigned char *)s + i, n - i, &cp);
		const char *esc = short_escape(cp);
		if (esc) {
			buf_puts(out, esc);
		} else if (needs_escape(cp) && cp < 0x100) {
			buf_puts(out, "\\x");
			buf_putc(out, hex[cp >> 4]);
			buf_putc(out, hex[cp & 15]);
		} else if (needs_escape(cp) || (cp == 0xfffd && len == 1)) {
			buf_puts(out, "\\u");
			for (int k = 12; k >= 0; k -= 4)
				buf_putc(out, hex[(cp >> k) & 15]);
		} else {
			buf_append(out, s + i, len);
		}
		i += len;
	}
	buf_putc(out, '"');
}

/*
 * Whether a multi-line string can be a literal block: printable (a tab
 * is a control character too, so it is escaped), with something besides
 * spaces, and whose first line with text neither starts with a space nor
 * follows blank lines holding spaces (a reader takes the block's
 * indentation from that line).
 */
static bool literal_ok(const char *s, size_t n)
{
	if (!memchr(s, '\n', n))
		return false;
	bool text = false, line_start = true, blank_line = true;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		i += utf8_next((const unsigned char *)s + i, n - i, &cp);
		if (cp == 0xfffd || (needs_escape(cp) && cp != '\n'))
			return false;
		if (cp == '\n') {
			if (!text && !blank_line)
				return false; /* blanks before the first text */
			line_start = blank_line = true;
			continue;
		}
		if (!text && cp != ' ') {
			if (!line_start)
				return false; /* the first text is indented */
			text = true;
		}
		line_start = false;
		blank_line = false;
	}
	return text;
}

/* A literal block: the header after "key:" or "-", then the lines at
 * indentation ind. */
static void put_literal(struct buf *out, const char *s, size_t n, int ind)
{
	size_t trail = 0;
	while (trail < n && s[n - 1 - trail] == '\n')
		trail++;
	buf_puts(out, trail == 0 ? "|-" : trail == 1 ? "|" : "|+");
	buf_putc(out, '\n');
	size_t end = n - trail;
	for (size_t i = 0; i <= end;) {
		const char *nl = memchr(s + i, '\n', end - i);
		size_t len = nl ? (size_t)(nl - (s + i)) : end - i;
		if (len)
			indent(out, ind);
		buf_append(out, s + i, len);
		buf_putc(out, '\n');
		i += len + 1;
	}
	/* the kept trailing newlines beyond the last line's own */
	for (size_t k = 1; k < trail; k++)
		buf_putc(out, '\n');
}

/* A reader takes at most 1024 characters as an implicit key ("key:");
 * a longer one is written as an explicit key ("? key" then ": value"). */
#define IMPLICIT_KEY_MAX 1000

/* The key and its ':' at column ind (already indented); returns whether
 * it was written explicitly (the value then starts on a ": " line). */
static bool put_key(struct buf *out, const char *s, size_t n, int ind)
{
	size_t mark = out->len;
	if (plain_ok(s, n))
		buf_append(out, s, n);
	else
		put_quoted(out, s, n);
	if (out->len - mark <= IMPLICIT_KEY_MAX) {
		buf_putc(out, ':');
		return false;
	}
	/* "? " before the key, then ":" on its own line */
	buf_reserve(out, 2);
	memmove(out->data + mark + 2, out->data + mark, out->len - mark);
	memcpy(out->data + mark, "? ", 2);
	out->len += 2;
	out->data[out->len] = '\0';
	buf_putc(out, '\n');
	indent(out, ind);
	buf_putc(out, ':');
	return true;
}

static void put_real(struct buf *out, double d)
{
	/* the shortest of 15 and 17 significant digits that reads back the
	 * same; jansson's printing is locale-independent */
	json_t *r = json_real(d);
	char *text = NULL;
	for (int prec = 15; prec <= 17 && !text; prec += 2) {
		char *t =
		    json_dumps(r, JSON_ENCODE_ANY | JSON_REAL_PRECISION(prec));
		json_t *back = t ? json_loads(t, JSON_DECODE_ANY, NULL) : NULL;
		if (t && (prec == 17 || (back && json_real_value(back) == d)))
			text = t;
		else
			free(t);
		json_decref(back);
	}
	json_decref(r);
	buf_puts(out, text ? text : "0.0");
	free(text);
}

/* A scalar or empty collection on the current line, then the newline;
 * ind is where a literal block's lines go. */
static void put_scalar(struct buf *out, const json_t *j, int ind)
{
	switch (json_typeof(j)) {
	case JSON_STRING: {
		const char *s = json_string_value(j);
		size_t n = json_string_length(j);
		if (plain_ok(s, n))
			buf_append(out, s, n);
		else if (literal_ok(s, n)) {
			put_literal(out, s, n, ind);
			return;
		} else
			put_quoted(out, s, n);
		break;
	}
	case JSON_INTEGER:
		buf_printf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(j));
		break;
	case JSON_REAL:
		put_real(out, json_real_value(j));
		break;
	case JSON_TRUE:
		buf_puts(out, "true");
		break;
	case JSON_FALSE:
		buf_puts(out, "false");
		break;
	case JSON_OBJECT:
		buf_puts(out, "{}");
		break;
	case JSON_ARRAY:
		buf_puts(out, "[]");
		break;
	default:
		buf_puts(out, "null");
		break;
	}
	buf_putc(out, '\n');
}

/* ---- collections --------------------------------------------------------- */

static bool nonempty_map(const json_t *j)
{
	return json_is_object(j) && json_object_size(j);
}

static bool nonempty_seq(const json_t *j)
{
	return json_is_array(j) && json_array_size(j);
}

static void put_seq(struct buf *out, const json_t *a, int ind,
		    bool inline_first);

/* A mapping whose keys sit at column ind; the first key continues the
 * current line when inline_first (a sequence item's "- "). */
static void put_map(struct buf *out, const json_t *o, int ind,
		    bool inline_first)
{
	json_t *obj = (json_t *)o; /* iteration does not modify */
	bool first = true;
	for (void *it = json_object_iter(obj); it;
	     it = json_object_iter_next(obj, it)) {
		const char *k = json_object_iter_key(it);
		size_t kn = json_object_iter_key_len(it);
		const json_t *v = json_object_iter_value(it);
		if (!first || !inline_first)
			indent(out, ind);
		first = false;
		bool explicit_key = put_key(out, k, kn, ind);
		if (nonempty_map(v)) {
			buf_putc(out, '\n');
			put_map(out, v, ind + 2, false);
		} else if (nonempty_seq(v)) {
			/* kubectl's style: the dashes under the key (indented
			 * after an explicit key, where that would be ambiguous)
			 */
			buf_putc(out, '\n');
			put_seq(out, v, explicit_key ? ind + 2 : ind, false);
		} else {
			buf_putc(out, ' ');
			put_scalar(out, v, ind + 2);
		}
	}
}

/* A sequence whose dashes sit at column ind. */
static void put_seq(struct buf *out, const json_t *a, int ind,
		    bool inline_first)
{
	for (size_t i = 0; i < json_array_size(a); i++) {
		const json_t *v = json_array_get(a, i);
		if (i || !inline_first)
			indent(out, ind);
		buf_puts(out, "- ");
		if (nonempty_map(v))
			put_map(out, v, ind + 2, true);
		else if (nonempty_seq(v))
			put_seq(out, v, ind + 2, true);
		else
			put_scalar(out, v, ind + 2);
	}
}

void yaml_emit(const json_t *j, struct buf *out)
{
	if (nonempty_map(j))
		put_map(out, j, 0, false);
	else if (nonempty_seq(j))
		put_seq(out, j, 0, false);
	else
		put_scalar(out, j, 2);
}
