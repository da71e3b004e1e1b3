/*
 * Variable values: checking and resolving what operators give (vars.h).
 *
 * rb_var_check is the one place that decides whether a value fits a
 * variable; the runbook loader uses it for defaults, the command line for
 * --var and the console for what was typed, so they cannot disagree. It
 * works on the text in three passes: what every value must be (bounded,
 * valid UTF-8, no control characters but newlines and tabs in text), what
 * the type makes of it (with the canonical form), then the runbook's own
 * rules (pattern, range, choices).
 *
 * A secret's value never reaches a message: every message about a secret
 * names the variable and the rule, never the value, and values are wiped
 * from memory when freed.
 */
#include "runbook/vars.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/mem.h"
#include "base/sanitize.h"
#include "base/str.h"

/* How much of a value a message shows. */
#define ECHO_MAX 60

/* value, quoted and made safe for a message ("...", clipped). */
static void echo(struct buf *b, const char *value)
{
	size_t n = strlen(value);
	buf_putc(b, '"');
	/* Never cut inside a UTF-8 sequence. */
	size_t cut = n > ECHO_MAX ? ECHO_MAX : n;
	while (cut < n && cut && ((unsigned char)value[cut] & 0xc0) == 0x80)
		cut--;
	sanitize_append(b, value, cut, 0);
	if (cut < n)
		buf_puts(b, "...");
	buf_putc(b, '"');
}

/* A message about v's value: "NAME: " then either the value quoted and
 * what follows, or for a secret "the value" and what follows. */
static enum status bad_value(const struct rb_var *v, const char *value,
			     struct err *e, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static enum status bad_value(const struct rb_var *v, const char *value,
			     struct err *e, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	buf_printf(&b, "%s: ", v->name);
	if (v->type == RB_VAR_SECRET || !value)
		buf_puts(&b, "the value");
	else
		echo(&b, value);
	buf_putc(&b, ' ');
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	err_set(e, ST_ERR_INVALID, "%s", buf_str(&b));
	buf_free(&b);
	return ST_ERR_INVALID;
}

/* Why the text itself is refused, or NULL. */
static const char *text_problem(const char *s, size_t n, bool multiline)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		if (p[i] < 0x80) {
			if (p[i] == '\n' && !multiline)
				return "must be one line";
			if (p[i] < 0x20 || p[i] == 0x7f) {
				if (!(multiline &&
				      (p[i] == '\n' || p[i] == '\t')))
					return "contains a control character";
			}
			i++;
			continue;
		}
		uint32_t cp;
		size_t k = utf8_decode(p + i, n - i, &cp);
		if (!k)
			return "is not valid UTF-8 text";
		if (cp >= 0x80 && cp < 0xa0)
			return "contains a control character";
		i += k;
	}
	return NULL;
}

/* Whole decimal integer: optional sign, digits. Canonical text in out. */
static bool parse_integer(const char *s, long long *out)
{
	const char *p = s;
	if (*p == '-' || *p == '+')
		p++;
	if (!*p || strspn(p, "0123456789") != strlen(p))
		return false;
	errno = 0;
	char *end;
	long long v = strtoll(s, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

static bool all_digits_signed(const char *s)
{
	const char *p = s;
	if (*p == '-' || *p == '+')
		p++;
	return *p && strspn(p, "0123456789") == strlen(p);
}

static void list_choices(struct buf *b, const struct vec *choices)
{
	size_t shown = 0;
	for (size_t i = 0; i < choices->len; i++) {
		if (b->len > 200) {
			buf_printf(b, ", ... (%zu in all)", choices->len);
			return;
		}
		const char *c = choices->items[i];
		buf_puts(b, shown++ ? ", " : "");
		sanitize_append(b, c, strnlen(c, ECHO_MAX), 0);
	}
}

static bool in_list(const struct vec *list, const char *value)
{
	for (size_t i = 0; i < list->len; i++)
		if (!strcmp(list->items[i], value))
			return true;
	return false;
}

/* Overwrite s before it is freed: a secret must not linger in freed
 * memory. The volatile pointer keeps the compiler from dropping it. */
static void wipe(char *s)
{
	if (!s)
		return;
	volatile char *p = s;
	while (*p)
		*p++ = '\0';
}

enum status rb_var_check(const struct rb_var *v, const char *value,
			 rb_choices_fn choices, void *arg, char **canon,
			 struct err *e)
{
	if (canon)
		*canon = NULL;
	if (!value)
		return bad_value(v, NULL, e, "is missing");
	size_t n = strnlen(value, RB_VALUE_MAX + 1);
	if (n > RB_VALUE_MAX)
		return bad_value(v, NULL, e, "is longer than %d bytes",
				 RB_VALUE_MAX);
	bool multiline = v->type == RB_VAR_TEXT;
	const char *why = text_problem(value, n, multiline);
	if (why)
		/* Not echoed: it is what cannot be shown. */
		return bad_value(v, NULL, e, "%s", why);
	if (!n && (v->required || v->type == RB_VAR_CHOICE ||
		   v->type == RB_VAR_INTEGER || v->type == RB_VAR_BOOLEAN))
		return bad_value(v, NULL, e, "is empty (a value is required)");

	char *out = NULL;
	switch (v->type) {
	case RB_VAR_INTEGER: {
		long long x;
		if (!parse_integer(value, &x)) {
			if (all_digits_signed(value))
				return bad_value(v, value, e,
						 "is out of range");
			return bad_value(v, value, e, "is not a whole number");
		}
		if (v->has_min && x < v->min)
			return err_set(e, ST_ERR_INVALID,
				       "%s: %lld is below the minimum %lld",
				       v->name, x, v->min);
		if (v->has_max && x > v->max)
			return err_set(e, ST_ERR_INVALID,
				       "%s: %lld is above the maximum %lld",
				       v->name, x, v->max);
		out = str_printf("%lld", x);
		break;
	}
	case RB_VAR_BOOLEAN: {
		static const char *const yes[] = {"true", "yes", "y", "1"};
		static const char *const no[] = {"false", "no", "n", "0"};
		for (size_t i = 0; i < 4 && !out; i++) {
			if (!strcasecmp(value, yes[i]))
				out = xstrdup("true");
			else if (!strcasecmp(value, no[i]))
				out = xstrdup("false");
		}
		if (!out)
			return bad_value(v, value, e,
					 "is not a boolean (true or false)");
		break;
	}
	case RB_VAR_CHOICE: {
		const struct vec *list = v->source == RB_CHOICES_STATIC
					     ? &v->choices
					 : choices ? choices(arg, v)
						   : NULL;
		if (list && !in_list(list, value)) {
			struct buf b = BUF_INIT;
			if (!list->len)
				buf_puts(&b, "is not a choice: there are none");
			else {
				buf_puts(&b, "is not one of ");
				list_choices(&b, list);
			}
			enum status st =
			    bad_value(v, value, e, "%s", buf_str(&b));
			buf_free(&b);
			return st;
		}
		out = xstrdup(value);
		break;
	}
	default: /* string, text, secret */
		if (v->pattern) {
			regmatch_t m;
			if (regexec(&v->re, value, 1, &m, 0) != 0 ||
			    m.rm_so != 0 || (size_t)m.rm_eo != n) {
				struct buf b = BUF_INIT;
				buf_puts(&b, "does not match ");
				sanitize_append(&b, v->pattern,
						strlen(v->pattern), 0);
				enum status st =
				    bad_value(v, value, e, "%s", buf_str(&b));
				buf_free(&b);
				return st;
			}
		}
		out = xstrdup(value);
		break;
	}
	if (canon) {
		*canon = out;
	} else {
		if (v->type == RB_VAR_SECRET)
			wipe(out);
		free(out);
	}
	return ST_OK;
}

/* ---- a run's values ---- */

static void free_value(void *p)
{
	struct rb_value *val = p;
	if (!val)
		return;
	if (val->secret)
		wipe(val->value);
	free(val->value);
	free(val->name);
	free(val);
}

static struct rb_value *find(const struct rb_values *vals, const char *name)
{
	for (size_t i = 0; i < vals->items.len; i++) {
		struct rb_value *val = vals->items.items[i];
		if (!strcmp(val->name, name))
			return val;
	}
	return NULL;
}

void rb_values_set(struct rb_values *vals, const struct rb_var *v,
		   const char *canon)
{
	if (!canon)
		return;
	struct rb_value *val = find(vals, v->name);
	if (!val) {
		val = xcalloc(1, sizeof *val);
		val->name = xstrdup(v->name);
		vec_push(&vals->items, val);
	} else {
		if (val->secret)
			wipe(val->value);
		free(val->value);
	}
	val->value = xstrdup(canon);
	val->secret = v->type == RB_VAR_SECRET;
}

const char *rb_values_get(const struct rb_values *vals, const char *name)
{
	const struct rb_value *val = find(vals, name);
	return val ? val->value : NULL;
}

void rb_values_missing(const struct runbook *rb, const struct rb_values *vals,
		       struct vec *out)
{
	for (size_t i = 0; i < rb->vars.len; i++) {
		const struct rb_var *v = rb->vars.items[i];
		if (v->required && !v->default_ &&
		    !rb_values_get(vals, v->name))
			vec_push(out, (void *)v);
	}
}

static bool valid_name_text(const char *s, size_t n)
{
	if (!n || n > 63)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return false;
	return true;
}

enum status rb_values_resolve(const struct runbook *rb,
			      const char *const *given, size_t ngiven,
			      rb_choices_fn choices, void *arg,
			      struct rb_values *out, struct buf *problems)
{
	size_t count = 0;
	/* The last NAME=VALUE for each variable, by index into given. */
	size_t *last = xcalloc(rb->vars.len + 1, sizeof *last);
	for (size_t i = 0; i < ngiven; i++) {
		const char *g = given[i] ? given[i] : "";
		const char *eq = strchr(g, '=');
		if (!eq || eq == g) {
			/* Not echoed: it may be a secret given wrongly. */
			buf_printf(problems,
				   "--var number %zu is not NAME=VALUE\n",
				   i + 1);
			count++;
			continue;
		}
		size_t n = (size_t)(eq - g), k;
		for (k = 0; k < rb->vars.len; k++) {
			const struct rb_var *v = rb->vars.items[k];
			if (strlen(v->name) == n && !memcmp(v->name, g, n))
				break;
		}
		if (k < rb->vars.len) {
			last[k] = i + 1;
			continue;
		}
		buf_puts(problems, "unknown variable ");
		if (valid_name_text(g, n)) {
			char *name = xstrndup(g, n);
			buf_printf(problems, "'%s'", name);
			const char **names =
			    xcalloc(rb->vars.len + 1, sizeof *names);
			for (size_t j = 0; j < rb->vars.len; j++)
				names[j] =
				    ((const struct rb_var *)rb->vars.items[j])
					->name;
			const char *s = str_closest(name, names);
			if (s)
				buf_printf(problems, " (did you mean '%s'?)",
					   s);
			free(names);
			free(name);
		} else {
			buf_printf(problems, "in --var number %zu", i + 1);
		}
		if (!rb->vars.len)
			buf_puts(problems, ": this runbook has no variables");
		buf_putc(problems, '\n');
		count++;
	}
	struct buf missing = BUF_INIT;
	for (size_t k = 0; k < rb->vars.len; k++) {
		const struct rb_var *v = rb->vars.items[k];
		if (last[k]) {
			const char *value = strchr(given[last[k] - 1], '=') + 1;
			struct err e;
			char *canon = NULL;
			if (rb_var_check(v, value, choices, arg, &canon, &e) ==
			    ST_OK) {
				rb_values_set(out, v, canon);
				if (v->type == RB_VAR_SECRET)
					wipe(canon);
				free(canon);
			} else {
				buf_printf(problems, "%s\n", e.msg);
				count++;
			}
		} else if (v->default_) {
			if (!rb_values_get(out, v->name))
				rb_values_set(out, v, v->default_);
		} else if (v->required && !rb_values_get(out, v->name)) {
			buf_printf(&missing, "%s%s", missing.len ? ", " : "",
				   v->name);
		}
	}
	if (missing.len) {
		buf_printf(problems, "missing required variables: %s\n",
			   buf_str(&missing));
		count++;
	}
	buf_free(&missing);
	free(last);
	return count ? ST_ERR_INVALID : ST_OK;
}

json_t *rb_values_masked(const struct rb_values *vals)
{
	json_t *o = json_object();
	for (size_t i = 0; i < vals->items.len; i++) {
		const struct rb_value *val = vals->items.items[i];
		json_object_set_new(
		    o, val->name,
		    json_string(val->secret ? "(secret)" : val->value));
	}
	return o;
}

void rb_values_free(struct rb_values *vals)
{
	vec_free(&vals->items, free_value);
}
