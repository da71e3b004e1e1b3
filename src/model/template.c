/*
 * Templates: "{{ name }}" placeholders (template.h).
 *
 * One scanner, next_piece(), cuts a template into literal runs and
 * placeholder names and finds every syntax error; tmpl_render and
 * tmpl_names are loops over it (a first loop only checks the syntax), so
 * they cannot disagree about what a template means. Each "{{" is closed
 * by the first "}}" after it and the scan goes on from there, so the time
 * is linear in the template, whatever it holds.
 *
 * tmpl_render builds the whole result in a buffer of its own and appends
 * it to the caller's only at the end: a template that fails halfway must
 * leave no half-rendered text behind. With TMPL_YAML_SCALAR each value is
 * written as a YAML double-quoted scalar that reads back as the value:
 * '"' and '\' are escaped, and so is every character a YAML reader would
 * not take literally inside quotes (C0 and C1 controls, DEL, the line and
 * paragraph separators, the byte order mark, U+FFFE and U+FFFF). A byte
 * that is not part of valid UTF-8 cannot be written in YAML at all (YAML
 * text is Unicode); it becomes "\xNN", which reads back as the character
 * U+00NN, so such a value changes, but it never changes the structure.
 */
#include "model/template.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/sanitize.h"

/* Names longer than this are shortened in messages. */
#define NAME_ECHO_MAX 80

enum piece_kind { PIECE_END, PIECE_TEXT, PIECE_NAME };

struct piece {
	enum piece_kind kind;
	size_t start, len; /* the text, or the name inside the braces */
	size_t at;	   /* where the placeholder's "{{" is */
};

static bool is_name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* The character as it can appear in a one-line message. */
static void describe_char(char *dst, size_t n, unsigned char c)
{
	if (c > 0x20 && c < 0x7f && c != '\'')
		snprintf(dst, n, "'%c'", c);
	else if (c == ' ')
		snprintf(dst, n, "' ' (a space)");
	else
		snprintf(dst, n, "(byte 0x%02X)", c);
}

static enum status syntax_error(size_t at, size_t *offset, struct err *e,
				const char *msg)
{
	if (offset)
		*offset = at;
	return err_set(e, ST_ERR_PARSE, "%s", msg);
}

/* The placeholder starting at src[at] ("{{"): its name, or an error. */
static enum status read_placeholder(const char *src, size_t at, struct piece *p,
				    size_t *next, size_t *offset, struct err *e)
{
	/* Not strstr: it may measure the whole rest of src on every call,
	 * which makes a template of many placeholders quadratic. */
	const char *close = src + at + 2;
	while (*close && !(close[0] == '}' && close[1] == '}'))
		close++;
	if (!*close)
		return syntax_error(at, offset, e, "unclosed '{{'");
	size_t start = at + 2, end = (size_t)(close - src);
	while (start < end && is_space(src[start]))
		start++;
	while (end > start && is_space(src[end - 1]))
		end--;
	if (start == end)
		return syntax_error(at, offset, e, "empty name in '{{ }}'");
	for (size_t i = start; i < end; i++) {
		unsigned char c = (unsigned char)src[i];
		if (!is_name_char(c)) {
			char what[32];
			describe_char(what, sizeof what, c);
			if (offset)
				*offset = at;
			return err_set(e, ST_ERR_PARSE,
				       "bad character %s in a placeholder name "
				       "(names are letters, digits, '_', '-', "
				       "'.')",
				       what);
		}
	}
	p->kind = PIECE_NAME;
	p->start = start;
	p->len = end - start;
	p->at = at;
	*next = (size_t)(close - src) + 2;
	return ST_OK;
}

/* The piece at src[*pos]; advances *pos past it. */
static enum status next_piece(const char *src, size_t *pos, struct piece *p,
			      size_t *offset, struct err *e)
{
	size_t i = *pos;
	if (!src[i]) {
		p->kind = PIECE_END;
		return ST_OK;
	}
	if (src[i] == '{' && src[i + 1] == '{')
		return read_placeholder(src, i, p, pos, offset, e);
	if (src[i] == '}' && src[i + 1] == '}')
		return syntax_error(i, offset, e, "stray '}}'");
	/* A literal run ends where the next "{{" or "}}" starts; a lone brace
	 * is text. */
	size_t end = i + 1;
	while (src[end] && !((src[end] == '{' && src[end + 1] == '{') ||
			     (src[end] == '}' && src[end + 1] == '}')))
		end++;
	p->kind = PIECE_TEXT;
	p->start = i;
	p->len = end - i;
	p->at = i;
	*pos = end;
	return ST_OK;
}

/* Copy the name of a placeholder into a C string for the caller. */
static const char *name_of(const char *src, const struct piece *p,
			   struct buf *name)
{
	buf_clear(name);
	buf_append(name, src + p->start, p->len);
	return buf_str(name);
}

/* Append value as a YAML double-quoted scalar; see the top of the file. */
static void yaml_quote(struct buf *out, const char *value)
{
	const unsigned char *s = (const unsigned char *)value;
	size_t len = strlen(value), i = 0;
	buf_reserve(out, len + 2);
	buf_putc(out, '"');
	while (i < len) {
		size_t run = i;
		while (run < len && s[run] >= 0x20 && s[run] < 0x7f &&
		       s[run] != '"' && s[run] != '\\')
			run++;
		if (run > i) {
			buf_append(out, s + i, run - i);
			i = run;
			continue;
		}
		unsigned char c = s[i];
		uint32_t cp;
		size_t n;
		switch (c) {
		case '"':
			buf_puts(out, "\\\"");
			i++;
			continue;
		case '\\':
			buf_puts(out, "\\\\");
			i++;
			continue;
		case '\n':
			buf_puts(out, "\\n");
			i++;
			continue;
		case '\t':
			buf_puts(out, "\\t");
			i++;
			continue;
		case '\r':
			buf_puts(out, "\\r");
			i++;
			continue;
		default:
			break;
		}
		if (c < 0x80) { /* the other C0 controls and DEL */
			buf_printf(out, "\\x%02X", c);
			i++;
			continue;
		}
		n = utf8_decode(s + i, len - i, &cp);
		if (!n) {
			buf_printf(out, "\\x%02X", c);
			i++;
		} else if (cp < 0xa0) {
			buf_printf(out, "\\x%02X", (unsigned)cp);
			i += n;
		} else if (cp == 0x2028 || cp == 0x2029 || cp == 0xfeff ||
			   cp == 0xfffe || cp == 0xffff) {
			buf_printf(out, "\\u%04X", (unsigned)cp);
			i += n;
		} else {
			buf_append(out, s + i, n);
			i += n;
		}
	}
	buf_putc(out, '"');
}

static enum status unknown_name(const char *name, size_t at, size_t *offset,
				struct err *e)
{
	/* Name characters are all printable ASCII: only the length needs
	 * bounding. */
	size_t n = strlen(name);
	if (offset)
		*offset = at;
	if (n > NAME_ECHO_MAX)
		return err_set(e, ST_ERR_NOTFOUND, "unknown name '%.*s...'",
			       NAME_ECHO_MAX, name);
	return err_set(e, ST_ERR_NOTFOUND, "unknown name '%s'", name);
}

/* Syntax errors come before names, wherever they are: a broken template
 * is broken whatever the lookup knows, and a validator should not report
 * names from a template it will reject anyway. */
static enum status check_syntax(const char *src, size_t *offset, struct err *e)
{
	enum status st;
	size_t pos = 0;
	struct piece p;
	while ((st = next_piece(src, &pos, &p, offset, e)) == ST_OK &&
	       p.kind != PIECE_END)
		;
	return st;
}

enum status tmpl_render(const char *src, tmpl_lookup_fn lookup, void *arg,
			unsigned flags, struct buf *out, size_t *offset,
			struct err *e)
{
	/* values may be secrets: the intermediate copy is wiped */
	struct buf res = BUF_SECRET, name = BUF_INIT;
	enum status st = check_syntax(src, offset, e);
	size_t pos = 0;
	struct piece p;
	if (st != ST_OK)
		return st;
	while ((st = next_piece(src, &pos, &p, offset, e)) == ST_OK &&
	       p.kind != PIECE_END) {
		if (p.kind == PIECE_TEXT) {
			buf_append(&res, src + p.start, p.len);
			continue;
		}
		const char *key = name_of(src, &p, &name);
		const char *value = lookup(arg, key);
		if (!value) {
			st = unknown_name(key, p.at, offset, e);
			break;
		}
		if (flags & TMPL_YAML_SCALAR)
			yaml_quote(&res, value);
		else
			buf_puts(&res, value);
	}
	if (st == ST_OK)
		buf_append(out, buf_str(&res), res.len);
	buf_free(&res);
	buf_free(&name);
	return st;
}

enum status tmpl_names(const char *src,
		       enum status (*fn)(void *arg, const char *name,
					 size_t offset),
		       void *arg, size_t *offset, struct err *e)
{
	struct buf name = BUF_INIT;
	enum status st = check_syntax(src, offset, e), last = ST_OK;
	size_t pos = 0;
	struct piece p;
	if (st != ST_OK)
		return st;
	while ((st = next_piece(src, &pos, &p, offset, e)) == ST_OK &&
	       p.kind != PIECE_END) {
		if (p.kind != PIECE_NAME)
			continue;
		last = fn(arg, name_of(src, &p, &name), p.at);
		if (last != ST_OK)
			break;
	}
	buf_free(&name);
	return st != ST_OK ? st : last;
}

bool tmpl_is_literal(const char *src)
{
	/* Any "{{" is a placeholder or an error, and any "}}" outside one is
	 * an error. */
	return !strstr(src, "{{") && !strstr(src, "}}");
}
