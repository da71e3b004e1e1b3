/*
 * kubesim's label and field selectors (the labelSelector and fieldSelector
 * query parameters of lists and watches).
 *
 * A selector is parsed once per request into a list of requirements and then
 * matched against every candidate object. The label grammar, its lexer and
 * its error messages follow k8s.io/apimachinery/pkg/labels/selector.go step
 * for step, because clients (kubectl among them) show the server's message
 * verbatim: "a b" must fail with the same words a real apiserver uses. Field
 * selectors follow k8s.io/apimachinery/pkg/fields/selector.go for the syntax
 * and the per-kind field label conversion functions of the real API groups
 * for which fields each kind can be selected by.
 */
#include "kubesim.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/sanitize.h"

enum op {
	OP_EQ,
	OP_DEQ,
	OP_NE,
	OP_IN,
	OP_NOTIN,
	OP_EXISTS,
	OP_NOTEXISTS,
	OP_GT,
	OP_LT,
};

/* How a selectable field is read from the object's JSON. */
enum ftype { F_STR, F_BOOL, F_INT };

struct fdef {
	const char *label; /* the name clients use */
	const char *path;  /* dotted JSON path; NULL: never set */
	enum ftype type;
	const char *dflt; /* the value the real server defaults to */
};

struct req {
	char *key;
	enum op op;
	char **vals;
	size_t nvals;
	const struct fdef *fd; /* field selectors only */
};

struct ks_selector {
	bool field;
	struct req *reqs;
	size_t n, cap;
};

/* ---- shared helpers ---- */

static void sel_push(struct ks_selector *sel, struct req *r)
{
	if (sel->n == sel->cap) {
		sel->cap = sel->cap ? sel->cap * 2 : 4;
		sel->reqs = xrealloc(sel->reqs, sel->cap * sizeof *sel->reqs);
	}
	sel->reqs[sel->n++] = *r;
}

static void req_free(struct req *r)
{
	free(r->key);
	for (size_t i = 0; i < r->nvals; i++)
		free(r->vals[i]);
	free(r->vals);
}

void ks_selector_free(struct ks_selector *sel)
{
	if (!sel)
		return;
	for (size_t i = 0; i < sel->n; i++)
		req_free(&sel->reqs[i]);
	free(sel->reqs);
	free(sel);
}

/*
 * Messages echo client input, and http.c puts them into JSON, which needs
 * valid UTF-8: invalid bytes become U+FFFD as Go's JSON encoder would make
 * them, and the cut to the size of struct err falls between characters.
 */
static enum status fail(struct err *e, const struct buf *m)
{
	const unsigned char *s = (const unsigned char *)buf_str(m);
	size_t len = m->len, i = 0;
	struct buf out = BUF_INIT;
	while (i < len) {
		uint32_t cp;
		size_t n = utf8_decode(s + i, len - i, &cp);
		const char *piece = (const char *)s + i;
		size_t plen = n;
		if (n == 0) {
			piece = "\xef\xbf\xbd";
			plen = 3;
			n = 1;
		}
		if (out.len + plen >= ERR_MSG_MAX)
			break;
		buf_append(&out, piece, plen);
		i += n;
	}
	enum status st = err_set(e, ST_ERR_INVALID, "%s", buf_str(&out));
	buf_free(&out);
	return st;
}

/* Client text inside a message; capped so a megabyte of garbage does not
 * build a megabyte of message that is cut to 512 bytes anyway. */
static void put_lit(struct buf *m, const char *s, size_t n)
{
	buf_append(m, s, n < 1024 ? n : 1024);
}

/* Go's %q (strconv.Quote) for the values in validation messages. */
static void put_quoted(struct buf *m, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	if (n > 1024)
		n = 1024;
	buf_putc(m, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"':
			buf_puts(m, "\\\"");
			break;
		case '\\':
			buf_puts(m, "\\\\");
			break;
		case '\a':
			buf_puts(m, "\\a");
			break;
		case '\b':
			buf_puts(m, "\\b");
			break;
		case '\f':
			buf_puts(m, "\\f");
			break;
		case '\n':
			buf_puts(m, "\\n");
			break;
		case '\r':
			buf_puts(m, "\\r");
			break;
		case '\t':
			buf_puts(m, "\\t");
			break;
		case '\v':
			buf_puts(m, "\\v");
			break;
		default:
			if (c < 0x20 || c == 0x7f) {
				char x[4] = {'\\', 'x', hex[c >> 4],
					     hex[c & 15]};
				buf_append(m, x, 4);
			} else {
				buf_putc(m, (char)c);
			}
		}
	}
	buf_putc(m, '"');
}

/* ---- label keys and values (apimachinery's util/validation) ---- */

#define QNAME_FMT "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
#define QNAME_MSG                                                              \
	"must consist of alphanumeric characters, '-', '_' or '.', and must "  \
	"start and end with an alphanumeric character (e.g. 'MyName',  or "    \
	"'my.name',  or '123-abc', regex used for validation is '" QNAME_FMT   \
	"')"
#define DNS1123_FMT                                                            \
	"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
#define DNS1123_MSG                                                            \
	"a lowercase RFC 1123 subdomain must consist of lower case "           \
	"alphanumeric characters, '-' or '.', and must start and end with an " \
	"alphanumeric character (e.g. 'example.com', regex used for "          \
	"validation is '" DNS1123_FMT "')"
#define LVALUE_MSG                                                             \
	"a valid label must be an empty string or consist of alphanumeric "    \
	"characters, '-', '_' or '.', and must start and end with an "         \
	"alphanumeric character (e.g. 'MyValue',  or 'my_value',  or "         \
	"'12345', regex used for validation is '(" QNAME_FMT ")?')"

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

/* ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9] */
static bool qname_ok(const char *s, size_t n)
{
	if (n == 0 || !is_alnum(s[0]) || !is_alnum(s[n - 1]))
		return false;
	for (size_t i = 1; i + 1 < n; i++)
		if (!is_alnum(s[i]) && s[i] != '-' && s[i] != '_' &&
		    s[i] != '.')
			return false;
	return true;
}

static bool lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* DNS1123_FMT: dot-separated labels, each [a-z0-9]([-a-z0-9]*[a-z0-9])? */
static bool dns1123_ok(const char *s, size_t n)
{
	size_t start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '.')
			continue;
		size_t len = i - start;
		if (len == 0 || !lower_alnum(s[start]) ||
		    !lower_alnum(s[i - 1]))
			return false;
		for (size_t j = start; j < i; j++)
			if (!lower_alnum(s[j]) && s[j] != '-')
				return false;
		start = i + 1;
	}
	return true;
}

static void add_err(struct buf *m, size_t *count, const char *msg)
{
	if ((*count)++)
		buf_puts(m, "; ");
	buf_puts(m, msg);
}

/* IsQualifiedName: the problems joined by "; ", or nothing. */
static size_t check_label_key(const char *k, size_t n, struct buf *m)
{
	size_t count = 0;
	const char *slash = memchr(k, '/', n);
	const char *name = k;
	size_t nlen = n;
	if (slash) {
		if (memchr(slash + 1, '/', n - (size_t)(slash + 1 - k))) {
			add_err(
			    m, &count,
			    "a qualified name " QNAME_MSG
			    " with an optional DNS subdomain prefix and '/' "
			    "(e.g. 'example.com/MyName')");
			return count;
		}
		size_t plen = (size_t)(slash - k);
		if (plen == 0) {
			add_err(m, &count, "prefix part must be non-empty");
		} else {
			if (plen > 253)
				add_err(m, &count,
					"prefix part must be no more "
					"than 253 characters");
			if (!dns1123_ok(k, plen))
				add_err(m, &count, "prefix part " DNS1123_MSG);
		}
		name = slash + 1;
		nlen = n - plen - 1;
	}
	if (nlen == 0)
		add_err(m, &count, "name part must be non-empty");
	else if (nlen > 63)
		add_err(m, &count,
			"name part must be no more than 63 characters");
	if (!qname_ok(name, nlen))
		add_err(m, &count, "name part " QNAME_MSG);
	return count;
}

/* IsValidLabelValue */
static size_t check_label_value(const char *v, size_t n, struct buf *m)
{
	size_t count = 0;
	if (n > 63)
		add_err(m, &count, "must be no more than 63 characters");
	if (n > 0 && !qname_ok(v, n))
		add_err(m, &count, LVALUE_MSG);
	return count;
}

/* strconv.ParseInt(s, 10, 64) succeeds */
static bool parse_int64(const char *s, long long *out)
{
	const char *p = s;
	bool neg = false;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if (!*p)
		return false;
	unsigned long long v = 0;
	unsigned long long lim = neg ? (unsigned long long)LLONG_MAX + 1
				     : (unsigned long long)LLONG_MAX;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		unsigned d = (unsigned)(*p - '0');
		if (v > (lim - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = neg ? (long long)(0 - v) : (long long)v;
	return true;
}

/* ---- the label selector lexer ---- */

enum tk {
	T_ERROR,
	T_EOS,
	T_CLOSE,
	T_COMMA,
	T_NOT,
	T_DEQ,
	T_EQ,
	T_GT,
	T_IDENT,
	T_IN,
	T_LT,
	T_NE,
	T_NOTIN,
	T_OPEN,
};

struct tok {
	enum tk t;
	const char *s;
	size_t n;
};

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_special(char c)
{
	return c == '=' || c == '!' || c == '(' || c == ')' || c == ',' ||
	       c == '>' || c == '<';
}

static enum tk special_tok(const char *s, size_t n)
{
	if (n == 2 && s[1] == '=' && (s[0] == '!' || s[0] == '='))
		return s[0] == '!' ? T_NE : T_DEQ;
	if (n != 1)
		return T_ERROR;
	switch (s[0]) {
	case '=':
		return T_EQ;
	case '!':
		return T_NOT;
	case '(':
		return T_OPEN;
	case ')':
		return T_CLOSE;
	case ',':
		return T_COMMA;
	case '>':
		return T_GT;
	case '<':
		return T_LT;
	}
	return T_ERROR;
}

/* The whole input as tokens, ending with T_EOS (Parser.scan). */
static struct tok *lex_all(const char *s, size_t *count)
{
	size_t cap = 8, n = 0, pos = 0;
	struct tok *toks = xmalloc(cap * sizeof *toks);
	for (;;) {
		struct tok t;
		while (is_ws(s[pos]))
			pos++;
		t.s = s + pos;
		if (!s[pos]) {
			t.t = T_EOS;
			t.n = 0;
		} else if (is_special(s[pos])) {
			/* Longest operator: every single symbol is a token, so
			 * only "!=" and "==" can extend one. */
			t.n = 1;
			if (is_special(s[pos + 1]) &&
			    special_tok(s + pos, 2) != T_ERROR)
				t.n = 2;
			t.t = special_tok(t.s, t.n);
			pos += t.n;
		} else {
			size_t start = pos;
			while (s[pos] && !is_special(s[pos]) && !is_ws(s[pos]))
				pos++;
			t.n = pos - start;
			t.t = T_IDENT;
			if (t.n == 2 && !memcmp(t.s, "in", 2))
				t.t = T_IN;
			else if (t.n == 5 && !memcmp(t.s, "notin", 5))
				t.t = T_NOTIN;
		}
		if (n == cap) {
			cap *= 2;
			toks = xrealloc(toks, cap * sizeof *toks);
		}
		toks[n++] = t;
		if (t.t == T_EOS)
			break;
	}
	*count = n;
	return toks;
}

/* ---- the label selector parser ---- */

/* In a value position "in" and "notin" are plain words: "a in (in)". */
enum ctx { C_KEY_OP, C_VALUES };

struct parser {
	struct tok *toks;
	size_t n, pos;
	struct buf *m; /* the error, when a step fails */
};

static enum tk map_ctx(enum tk t, enum ctx c)
{
	if (c == C_VALUES && (t == T_IN || t == T_NOTIN))
		return T_IDENT;
	return t;
}

static const struct tok *look(struct parser *p, enum ctx c, enum tk *t)
{
	const struct tok *k = &p->toks[p->pos];
	*t = map_ctx(k->t, c);
	return k;
}

static const struct tok *consume(struct parser *p, enum ctx c, enum tk *t)
{
	const struct tok *k = look(p, c, t);
	if (p->pos + 1 < p->n) /* never past T_EOS */
		p->pos++;
	return k;
}

static bool found(struct parser *p, const struct tok *k, const char *expected)
{
	buf_puts(p->m, "found '");
	put_lit(p->m, k->s, k->n);
	buf_puts(p->m, expected);
	return false;
}

/* The values of a requirement; vals_set() makes them the sorted set that
 * Go's sets.String.List() returns. */
struct vals {
	char **v;
	size_t n, cap;
};

static void vals_add(struct vals *vs, const char *s, size_t n)
{
	if (vs->n == vs->cap) {
		vs->cap = vs->cap ? vs->cap * 2 : 4;
		vs->v = xrealloc(vs->v, vs->cap * sizeof *vs->v);
	}
	vs->v[vs->n++] = xstrndup(s, n);
}

static void vals_free(struct vals *vs)
{
	for (size_t i = 0; i < vs->n; i++)
		free(vs->v[i]);
	free(vs->v);
	vs->v = NULL;
	vs->n = vs->cap = 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void vals_set(struct vals *vs)
{
	size_t out = 0;
	if (!vs->n)
		return;
	qsort(vs->v, vs->n, sizeof *vs->v, cmp_str);
	for (size_t i = 0; i < vs->n; i++) {
		if (out && !strcmp(vs->v[out - 1], vs->v[i]))
			free(vs->v[i]);
		else
			vs->v[out++] = vs->v[i];
	}
	vs->n = out;
}

static bool parse_values(struct parser *p, struct vals *vs)
{
	enum tk t;
	const struct tok *k = consume(p, C_VALUES, &t);
	if (t != T_OPEN)
		return found(p, k, "' expected: '('");
	k = look(p, C_VALUES, &t);
	if (t == T_CLOSE) { /* "()" is the empty value */
		consume(p, C_VALUES, &t);
		vals_add(vs, "", 0);
		return true;
	}
	if (t != T_IDENT && t != T_COMMA)
		return found(p, k, "', expected: ',', ')' or identifier");
	for (;;) { /* parseIdentifiersList */
		k = consume(p, C_VALUES, &t);
		if (t == T_IDENT) {
			vals_add(vs, k->s, k->n);
			enum tk t2;
			const struct tok *k2 = look(p, C_VALUES, &t2);
			if (t2 == T_COMMA)
				continue;
			if (t2 == T_CLOSE)
				break;
			return found(p, k2, "', expected: ',' or ')'");
		} else if (t == T_COMMA) {
			/* "(,", ",)" and ",," each hold an empty value */
			if (vs->n == 0)
				vals_add(vs, "", 0);
			enum tk t2;
			look(p, C_VALUES, &t2);
			if (t2 == T_CLOSE) {
				vals_add(vs, "", 0);
				break;
			}
			if (t2 == T_COMMA)
				vals_add(vs, "", 0);
		} else {
			return found(p, k, "', expected: ',', or identifier");
		}
	}
	consume(p, C_VALUES, &t); /* the ')' seen above */
	return true;
}

static bool parse_exact_value(struct parser *p, struct vals *vs)
{
	enum tk t;
	look(p, C_VALUES, &t);
	if (t == T_EOS || t == T_COMMA) {
		vals_add(vs, "", 0);
		return true;
	}
	const struct tok *k = consume(p, C_VALUES, &t);
	if (t == T_IDENT) {
		vals_add(vs, k->s, k->n);
		return true;
	}
	return found(p, k, "', expected: identifier");
}

/* One validation error in an aggregate: "[a, b]" when several differ. */
static void agg_add(struct buf *agg, size_t *count, const struct buf *one)
{
	if ((*count)++)
		buf_puts(agg, ", ");
	buf_append(agg, buf_str(one), one->len);
}

/* NewRequirement's checks of the values (the key was checked already). */
static bool check_req(struct parser *p, const char *key, enum op op,
		      struct vals *vs)
{
	struct buf agg = BUF_INIT, one = BUF_INIT;
	size_t count = 0;
	if (op == OP_GT || op == OP_LT) {
		for (size_t i = 0; i < vs->n; i++) {
			long long v;
			if (parse_int64(vs->v[i], &v))
				continue;
			buf_clear(&one);
			buf_printf(&one, "values[%zu]: Invalid value: ", i);
			put_quoted(&one, vs->v[i], strlen(vs->v[i]));
			buf_puts(&one, ": for 'Gt', 'Lt' operators, the value "
				       "must be an integer");
			agg_add(&agg, &count, &one);
		}
	}
	for (size_t i = 0; i < vs->n; i++) {
		struct buf why = BUF_INIT;
		if (check_label_value(vs->v[i], strlen(vs->v[i]), &why)) {
			buf_clear(&one);
			buf_printf(&one, "values[%zu][", i);
			put_lit(&one, key, strlen(key));
			buf_puts(&one, "]: Invalid value: ");
			put_quoted(&one, vs->v[i], strlen(vs->v[i]));
			buf_puts(&one, ": ");
			buf_append(&one, buf_str(&why), why.len);
			agg_add(&agg, &count, &one);
		}
		buf_free(&why);
	}
	if (count > 1)
		buf_putc(p->m, '[');
	buf_append(p->m, buf_str(&agg), agg.len);
	if (count > 1)
		buf_putc(p->m, ']');
	buf_free(&agg);
	buf_free(&one);
	return count == 0;
}

static bool parse_requirement(struct parser *p, struct req *out)
{
	enum tk t;
	enum op op = OP_EQ;
	bool have_op = false;
	/* parseKeyAndInferOperator */
	const struct tok *k = consume(p, C_VALUES, &t);
	if (t == T_NOT) {
		op = OP_NOTEXISTS;
		have_op = true;
		k = consume(p, C_VALUES, &t);
	}
	if (t != T_IDENT)
		return found(p, k, "', expected: identifier");
	struct buf why = BUF_INIT;
	if (check_label_key(k->s, k->n, &why)) {
		buf_puts(p->m, "<nil>: Invalid value: ");
		put_quoted(p->m, k->s, k->n);
		buf_puts(p->m, ": ");
		buf_append(p->m, buf_str(&why), why.len);
		buf_free(&why);
		return false;
	}
	buf_free(&why);
	char *key = xstrndup(k->s, k->n);
	look(p, C_VALUES, &t);
	if ((t == T_EOS || t == T_COMMA) && !have_op) {
		op = OP_EXISTS;
		have_op = true;
	}
	struct vals vs = {NULL, 0, 0};
	if (!have_op) {
		const struct tok *ko = consume(p, C_KEY_OP, &t);
		switch (t) {
		case T_IN:
			op = OP_IN;
			break;
		case T_EQ:
			op = OP_EQ;
			break;
		case T_DEQ:
			op = OP_DEQ;
			break;
		case T_GT:
			op = OP_GT;
			break;
		case T_LT:
			op = OP_LT;
			break;
		case T_NOTIN:
			op = OP_NOTIN;
			break;
		case T_NE:
			op = OP_NE;
			break;
		default:
			free(key);
			return found(p, ko,
				     "', expected: in, notin, =, ==, "
				     "!=, gt, lt");
		}
		bool ok = (op == OP_IN || op == OP_NOTIN)
			      ? parse_values(p, &vs)
			      : parse_exact_value(p, &vs);
		if (!ok) {
			free(key);
			vals_free(&vs);
			return false;
		}
		vals_set(&vs);
		if (!check_req(p, key, op, &vs)) {
			free(key);
			vals_free(&vs);
			return false;
		}
	}
	out->key = key;
	out->op = op;
	out->vals = vs.v;
	out->nvals = vs.n;
	out->fd = NULL;
	return true;
}

enum status ks_label_selector_parse(const char *s, struct ks_selector **out,
				    struct err *e)
{
	struct ks_selector *sel = xcalloc(1, sizeof *sel);
	struct buf m = BUF_INIT;
	struct parser p = {NULL, 0, 0, &m};
	bool ok = true;
	*out = NULL;
	p.toks = lex_all(s ? s : "", &p.n);
	for (;;) {
		enum tk t;
		const struct tok *k = look(&p, C_VALUES, &t);
		if (t == T_EOS)
			break;
		if (t != T_IDENT && t != T_NOT) {
			ok = found(&p, k,
				   "', expected: !, identifier, or 'end "
				   "of string'");
			break;
		}
		struct req r;
		if (!parse_requirement(&p, &r)) {
			struct buf w = BUF_INIT;
			buf_puts(&w, "unable to parse requirement: ");
			buf_append(&w, buf_str(&m), m.len);
			buf_free(&m);
			m = w;
			ok = false;
			break;
		}
		sel_push(sel, &r);
		k = consume(&p, C_VALUES, &t);
		if (t == T_EOS)
			break;
		if (t != T_COMMA) {
			ok = found(&p, k,
				   "', expected: ',' or 'end of "
				   "string'");
			break;
		}
		enum tk t2;
		const struct tok *k2 = look(&p, C_VALUES, &t2);
		if (t2 != T_IDENT && t2 != T_NOT) {
			ok = found(&p, k2, "', expected: identifier after ','");
			break;
		}
	}
	free(p.toks);
	if (!ok) {
		enum status st = fail(e, &m);
		buf_free(&m);
		ks_selector_free(sel);
		return st;
	}
	buf_free(&m);
	*out = sel;
	return ST_OK;
}

static bool has_value(const struct req *r, const char *v)
{
	for (size_t i = 0; i < r->nvals; i++)
		if (!strcmp(r->vals[i], v))
			return true;
	return false;
}

static bool req_match(const struct req *r, const json_t *labels)
{
	const json_t *lv =
	    json_is_object(labels) ? json_object_get(labels, r->key) : NULL;
	const char *v = json_is_string(lv) ? json_string_value(lv) : "";
	long long a, b;
	switch (r->op) {
	case OP_EQ:
	case OP_DEQ:
	case OP_IN:
		return lv && has_value(r, v);
	case OP_NE:
	case OP_NOTIN:
		return !lv || !has_value(r, v);
	case OP_EXISTS:
		return lv != NULL;
	case OP_NOTEXISTS:
		return lv == NULL;
	case OP_GT:
	case OP_LT:
		if (!lv || r->nvals != 1 || !parse_int64(v, &a) ||
		    !parse_int64(r->vals[0], &b))
			return false;
		return r->op == OP_GT ? a > b : a < b;
	}
	return false;
}

bool ks_label_selector_match(const struct ks_selector *sel,
			     const json_t *labels)
{
	if (!sel)
		return true;
	for (size_t i = 0; i < sel->n; i++)
		if (!req_match(&sel->reqs[i], labels))
			return false;
	return true;
}

/* ---- field selectors ---- */

#define META_NAME                                                              \
	{                                                                      \
		"metadata.name", "metadata.name", F_STR, ""                    \
	}
#define META_NS                                                                \
	{                                                                      \
		"metadata.namespace", "metadata.namespace", F_STR, ""          \
	}
#define FEND                                                                   \
	{                                                                      \
		NULL, NULL, F_STR, NULL                                        \
	}

/* pkg/apis/core/v1/conversion.go and pkg/registry/core/pod/strategy.go; the
 * defaults are what a real server fills in before anything can be listed */
static const struct fdef pod_fields[] = {
    META_NAME,
    META_NS,
    {"spec.nodeName", "spec.nodeName", F_STR, ""},
    {"spec.restartPolicy", "spec.restartPolicy", F_STR, "Always"},
    {"spec.schedulerName", "spec.schedulerName", F_STR, "default-scheduler"},
    {"spec.serviceAccountName", "spec.serviceAccountName", F_STR, "default"},
    {"spec.hostNetwork", "spec.hostNetwork", F_BOOL, "false"},
    {"status.phase", "status.phase", F_STR, "Pending"},
    {"status.podIP", "status.podIP", F_STR, ""},
    /* accepted but not in the selectable set: always empty */
    {"status.podIPs", NULL, F_STR, ""},
    {"status.nominatedNodeName", "status.nominatedNodeName", F_STR, ""},
    FEND,
};

static const struct fdef event_fields[] = {
    {"involvedObject.kind", "involvedObject.kind", F_STR, ""},
    {"involvedObject.namespace", "involvedObject.namespace", F_STR, ""},
    {"involvedObject.name", "involvedObject.name", F_STR, ""},
    {"involvedObject.uid", "involvedObject.uid", F_STR, ""},
    {"involvedObject.apiVersion", "involvedObject.apiVersion", F_STR, ""},
    {"involvedObject.resourceVersion", "involvedObject.resourceVersion", F_STR,
     ""},
    {"involvedObject.fieldPath", "involvedObject.fieldPath", F_STR, ""},
    {"reason", "reason", F_STR, ""},
    {"reportingComponent", "reportingComponent", F_STR, ""},
    {"source", "source.component", F_STR, ""},
    {"type", "type", F_STR, ""},
    META_NS,
    META_NAME,
    FEND,
};

static const struct fdef namespace_fields[] = {
    {"status.phase", "status.phase", F_STR, "Active"},
    META_NAME,
    FEND,
};

static const struct fdef node_fields[] = {
    META_NAME,
    {"spec.unschedulable", "spec.unschedulable", F_BOOL, "false"},
    FEND,
};

static const struct fdef secret_fields[] = {
    {"type", "type", F_STR, "Opaque"},
    META_NS,
    META_NAME,
    FEND,
};

static const struct fdef service_fields[] = {
    META_NS,
    META_NAME,
    {"spec.clusterIP", "spec.clusterIP", F_STR, ""},
    {"spec.type", "spec.type", F_STR, "ClusterIP"},
    FEND,
};

static const struct fdef job_fields[] = {
    META_NAME,
    META_NS,
    {"status.successful", "status.succeeded", F_INT, "0"},
    FEND,
};

/* runtime.DefaultMetaV1FieldSelectorConversion */
static const struct fdef meta_fields[] = {
    META_NAME,
    META_NS,
    FEND,
};

enum unknown_msg { U_PLAIN, U_JOB, U_DEFAULT };

static const struct fdef *kind_fields(enum ks_kind k, enum unknown_msg *um)
{
	*um = U_PLAIN;
	switch (k) {
	case KS_PODS:
		return pod_fields;
	case KS_EVENTS:
		return event_fields;
	case KS_NAMESPACES:
		return namespace_fields;
	case KS_NODES:
		return node_fields;
	case KS_SECRETS:
		return secret_fields;
	case KS_SERVICES:
		return service_fields;
	case KS_JOBS:
		*um = U_JOB;
		return job_fields;
	default:
		*um = U_DEFAULT;
		return meta_fields;
	}
}

/* One term of a field selector before its field is checked. */
struct fterm {
	const char *s; /* the raw term, escapes and all */
	size_t n;
};

static int cmp_term(const void *a, const void *b)
{
	const struct fterm *x = a, *y = b;
	size_t n = x->n < y->n ? x->n : y->n;
	int c = memcmp(x->s, y->s, n);
	if (c)
		return c;
	return x->n < y->n ? -1 : x->n > y->n;
}

/* fields.UnescapeValue; the message goes to m on failure. */
static bool unescape(const char *s, size_t n, struct buf *out, struct buf *m)
{
	bool slash = false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (slash) {
			slash = false;
			if (c == '\\' || c == ',' || c == '=') {
				buf_putc(out, c);
				continue;
			}
			uint32_t cp;
			size_t len = utf8_decode((const unsigned char *)s + i,
						 n - i, &cp);
			buf_puts(m, "invalid field selector: invalid escape "
				    "sequence: \\");
			if (len)
				buf_append(m, s + i, len);
			else
				buf_puts(m, "\xef\xbf\xbd");
			return false;
		}
		if (c == '\\') {
			slash = true;
		} else if (c == ',' || c == '=') {
			/* Go formats the rune with %v: its number */
			buf_printf(m,
				   "invalid field selector: unescaped "
				   "character in value: %d",
				   c);
			return false;
		} else {
			buf_putc(out, c);
		}
	}
	if (slash) {
		buf_puts(m,
			 "invalid field selector: invalid escape sequence: \\");
		return false;
	}
	return true;
}

/* Go's %q for the field names in two of the messages. */
static void field_unknown(struct buf *m, enum unknown_msg um, const char *f)
{
	switch (um) {
	case U_PLAIN:
		buf_puts(m, "field label not supported: ");
		put_lit(m, f, strlen(f));
		break;
	case U_JOB:
		buf_puts(m, "field label ");
		put_quoted(m, f, strlen(f));
		buf_puts(m, " not supported for batchv1.Job");
		break;
	case U_DEFAULT:
		put_quoted(m, f, strlen(f));
		buf_puts(m, " is not a known field selector: only "
			    "\"metadata.name\", \"metadata.namespace\"");
		break;
	}
}

enum status ks_field_selector_parse(enum ks_kind k, const char *s,
				    struct ks_selector **out, struct err *e)
{
	struct ks_selector *sel = xcalloc(1, sizeof *sel);
	struct buf m = BUF_INIT;
	struct fterm *terms = NULL;
	size_t nterms = 0, cap = 0;
	bool ok = true;
	sel->field = true;
	*out = NULL;
	if (!s)
		s = "";
	size_t len = strlen(s);

	/* splitTerms: commas after a backslash are data */
	if (len) {
		size_t start = 0;
		bool slash = false;
		for (size_t i = 0; i <= len; i++) {
			if (i < len && slash) {
				slash = false;
				continue;
			}
			if (i < len && s[i] == '\\') {
				slash = true;
				continue;
			}
			if (i < len && s[i] != ',')
				continue;
			if (nterms == cap) {
				cap = cap ? cap * 2 : 4;
				terms = xrealloc(terms, cap * sizeof *terms);
			}
			terms[nterms].s = s + start;
			terms[nterms].n = i - start;
			nterms++;
			start = i + 1;
		}
	}
	/* the real parser sorts the terms, which decides which error wins */
	if (nterms)
		qsort(terms, nterms, sizeof *terms, cmp_term);

	for (size_t i = 0; ok && i < nterms; i++) {
		const char *t = terms[i].s;
		size_t n = terms[i].n, at = n;
		enum op op = OP_EQ;
		size_t oplen = 0;
		if (n == 0)
			continue;
		/* splitTerm: the first "!=", "==" or "=" from the left */
		for (size_t j = 0; j < n && at == n; j++) {
			if (j + 1 < n && t[j] == '!' && t[j + 1] == '=') {
				op = OP_NE;
				oplen = 2;
				at = j;
			} else if (j + 1 < n && t[j] == '=' &&
				   t[j + 1] == '=') {
				op = OP_DEQ;
				oplen = 2;
				at = j;
			} else if (t[j] == '=') {
				op = OP_EQ;
				oplen = 1;
				at = j;
			}
		}
		if (at == n) {
			buf_puts(&m, "invalid selector: '");
			put_lit(&m, s, len);
			buf_puts(&m, "'; can't understand '");
			put_lit(&m, t, n);
			buf_putc(&m, '\'');
			ok = false;
			break;
		}
		struct buf val = BUF_INIT;
		if (!unescape(t + at + oplen, n - at - oplen, &val, &m)) {
			buf_free(&val);
			ok = false;
			break;
		}
		struct req r = {0};
		r.key = xstrndup(t, at);
		r.op = op;
		r.vals = xmalloc(sizeof *r.vals);
		r.vals[0] = buf_detach(&val);
		r.nvals = 1;
		sel_push(sel, &r);
	}
	free(terms);

	/* the field label conversion runs after the whole parse */
	enum unknown_msg um;
	const struct fdef *fields = kind_fields(k, &um);
	for (size_t i = 0; ok && i < sel->n; i++) {
		struct req *r = &sel->reqs[i];
		const char *label = r->key;
		/* old v1 clients say spec.host */
		if (k == KS_PODS && !strcmp(label, "spec.host"))
			label = "spec.nodeName";
		for (const struct fdef *f = fields; f->label; f++) {
			if (!strcmp(f->label, label)) {
				r->fd = f;
				break;
			}
		}
		if (!r->fd) {
			field_unknown(&m, um, r->key);
			ok = false;
		}
	}

	if (!ok) {
		enum status st = fail(e, &m);
		buf_free(&m);
		ks_selector_free(sel);
		return st;
	}
	buf_free(&m);
	*out = sel;
	return ST_OK;
}

/* The field's value as the real server's selectable field set has it. */
static const char *field_value(const struct fdef *f, const json_t *obj,
			       char tmp[32])
{
	const json_t *v = obj;
	if (!f->path)
		return f->dflt;
	const char *p = f->path;
	while (v && *p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		char seg[64];
		if (n >= sizeof seg || !json_is_object(v))
			return f->dflt;
		memcpy(seg, p, n);
		seg[n] = '\0';
		v = json_object_get(v, seg);
		p += n + (dot ? 1 : 0);
	}
	switch (f->type) {
	case F_STR:
		if (json_is_string(v) && json_string_length(v) > 0)
			return json_string_value(v);
		break;
	case F_BOOL:
		if (json_is_boolean(v))
			return json_is_true(v) ? "true" : "false";
		break;
	case F_INT:
		if (json_is_integer(v)) {
			snprintf(tmp, 32, "%lld",
				 (long long)json_integer_value(v));
			return tmp;
		}
		break;
	}
	return f->dflt;
}

bool ks_field_selector_match(const struct ks_selector *sel, const json_t *obj)
{
	if (!sel)
		return true;
	for (size_t i = 0; i < sel->n; i++) {
		const struct req *r = &sel->reqs[i];
		char tmp[32];
		const char *v = r->fd ? field_value(r->fd, obj, tmp) : "";
		bool eq = !strcmp(v, r->vals[0]);
		if (r->op == OP_NE ? eq : !eq)
			return false;
	}
	return true;
}
