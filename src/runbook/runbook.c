/*
 * Runbook files: loading and validation (runbook.h, docs/runbooks.md).
 *
 * The YAML loader gives a JSON tree and node positions. One pass walks the
 * tree with the current node path in ctx.path, in an order where what a
 * check needs is known before it runs (the scope before applies-to and
 * the step fields that depend on it, the variables before any template),
 * and collects every problem as a "file:line:col: message" line instead of
 * stopping at the first. Templates are checked name by name; a problem in
 * one points at the placeholder itself when the scalar's text can be
 * matched against the file (plain, quoted without escapes, or a literal
 * block), else at the scalar.
 *
 * run-job manifests and script files are read through the caller's
 * reader at the same commit and kept in the step, so that a run never
 * reads Git again and never meets a file that changed under it. A
 * manifest is checked the way it will be used: every placeholder must be
 * a whole YAML value (so that, rendered as a quoted scalar, it can only
 * ever be one string), and rendered with stand-in values it must be one
 * batch/v1 Job. Only a runbook without problems leaves this file.
 */
#include "runbook/runbook.h"

#include <ctype.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/map.h"
#include "base/mem.h"
#include "base/sanitize.h"
#include "base/str.h"
#include "base/yaml.h"
#include "model/template.h"
#include "runbook/vars.h"

#define RB_MAX_BYTES   ((size_t)1 << 20) /* a runbook file */
#define RB_MAX_NODES   ((size_t)100000)
#define RB_MAX_FILE    ((size_t)1 << 20) /* a manifest or a script */
#define RB_MAX_PATTERN 1024
/* Past this many problems, positions inside scalars are no longer looked
 * up (each costs a scan of the line): hostile files stay linear. */
#define RB_REFINE_MAX 100

/* ---- name tables ---- */

static const char *const var_type_names[] = {
#define RB_VAR_NAME(e, name) name,
    RB_VAR_TYPES(RB_VAR_NAME)
#undef RB_VAR_NAME
	NULL,
};

static const char *const choice_source_names[] = {
#define RB_CHOICE_NAME(e, name) name,
    RB_CHOICE_SOURCES(RB_CHOICE_NAME)
#undef RB_CHOICE_NAME
	NULL,
};

static const char *const action_names[] = {
#define RB_ACTION_NAME(e, name) name,
    RB_ACTIONS(RB_ACTION_NAME)
#undef RB_ACTION_NAME
	NULL,
};

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

const char *rb_var_type_name(enum rb_var_type t)
{
	return (size_t)t < LEN(var_type_names) - 1 ? var_type_names[t] : "?";
}

const char *rb_choice_source_name(enum rb_choice_source s)
{
	return (size_t)s < LEN(choice_source_names) - 1 ? choice_source_names[s]
							: "?";
}

const char *rb_action_name(enum rb_action a)
{
	return (size_t)a < RB__ACTION_COUNT ? action_names[a] : "?";
}

/* The index of word in a NULL-terminated list, or -1. */
static int index_of(const char *const *list, const char *word)
{
	for (int i = 0; list[i]; i++)
		if (!strcmp(list[i], word))
			return i;
	return -1;
}

/* ---- what each action takes ---- */

static const char *const step_common_keys[] = {
    "name", "title", "action", "timeout", "continue-on-failure", NULL,
};

struct action_info {
	const char *keys[10];
	long timeout; /* default, seconds */
};

static const struct action_info action_info[RB__ACTION_COUNT] = {
    [RB_ACTION_ROLLOUT_RESTART] = {{"target", "namespace"}, 60},
    [RB_ACTION_SCALE] = {{"target", "namespace", "replicas"}, 60},
    [RB_ACTION_WAIT_ROLLOUT] = {{"target", "namespace"}, 600},
    [RB_ACTION_HEALTH_CHECK] = {{"scope", "namespace", "max-unhealthy-pods",
				 "max-not-ready-nodes", "max-warnings",
				 "warnings-since"},
				120},
    [RB_ACTION_RUN_JOB] = {{"manifest", "namespace"}, 1800},
    [RB_ACTION_HTTP_CHECK] = {{"url", "service", "namespace", "port", "path",
			       "headers", "expect-status", "expect-body"},
			      60},
    [RB_ACTION_CONFIRM] = {{"instructions"}, 3600},
    [RB_ACTION_SCRIPT] = {{"file", "env"}, 600},
};

/* Template names every runbook may use, and those only a cell has. */
static const char *const base_names[] = {
    "env.name",	    "env.short",    "env.cluster", "run.id",
    "run.operator", "runbook.name", "commit",	   NULL,
};
static const char *const cell_names[] = {
    "tenant.name",    "tenant.title",  "service.name",
    "cell.namespace", "cell.workload", NULL,
};

/* ---- the walk ---- */

struct ctx {
	const char *file; /* sanitised, for messages */
	const char *text;
	size_t len;
	struct yaml_pos *pos;
	struct buf *problems;
	struct buf path;
	struct map reported;
	size_t count;
	const struct model *m;
	struct runbook *rb;
	rb_read_fn read;
	void *arg;
	struct vec lines; /* byte offset of each line start (lazy) */
	struct map step_names;
	struct vec tnames; /* template names known here (char *, owned),
			    * NULL-terminated, for "did you mean" */
};

/* One finished line into problems, each distinct line once. */
static void add_problem(struct ctx *c, const char *line)
{
	if (map_has(&c->reported, line))
		return;
	map_put(&c->reported, line, NULL);
	buf_puts(c->problems, line);
	buf_putc(c->problems, '\n');
	c->count++;
}

static void problem(struct ctx *c, bool at_key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void problem(struct ctx *c, bool at_key, const char *fmt, ...)
{
	struct buf line = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	yaml_pos_vbprintf(&line, c->pos, buf_str(&c->path), at_key, fmt, ap);
	va_end(ap);
	add_problem(c, buf_str(&line));
	buf_free(&line);
}

/* A problem at an exact place in a file (this one or a manifest). */
static void problem_at(struct ctx *c, const char *file, int line, int col,
		       const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void problem_at(struct ctx *c, const char *file, int line, int col,
		       const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	buf_printf(&b, "%s:%d:%d: ", file, line, col);
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	add_problem(c, buf_str(&b));
	buf_free(&b);
}

/* ", did you mean 'x'?" style suffix for a word not in list. */
static void did_you_mean(struct buf *b, const char *word,
			 const char *const *list)
{
	const char *s = str_closest(word, list);
	if (s)
		buf_printf(b, " (did you mean '%s'?)", s);
}

static void join(struct buf *b, const char *const *list)
{
	for (size_t i = 0; list[i]; i++)
		buf_printf(b, "%s%s", i ? ", " : "", list[i]);
}

/* The action that has key, other than a (for "it is for scale"). */
static int action_with_key(const char *key, int a)
{
	for (int i = 0; i < RB__ACTION_COUNT; i++) {
		if (i == a)
			continue;
		for (const char *const *k = action_info[i].keys; *k; k++)
			if (!strcmp(*k, key))
				return i;
	}
	return -1;
}

/* Unknown keys of obj; action >= 0 for a step of that action, -2 for a
 * step whose action is unknown (every step key is then accepted). */
static void check_keys(struct ctx *c, json_t *obj, const char *what,
		       const char *const *allowed, int action)
{
	const char *key;
	json_t *v;
	const char *merged[LEN(step_common_keys) + 10];
	if (action >= 0) {
		size_t n = 0;
		for (const char *const *k = step_common_keys; *k; k++)
			merged[n++] = *k;
		for (const char *const *k = action_info[action].keys; *k; k++)
			merged[n++] = *k;
		merged[n] = NULL;
		allowed = merged;
	}
	json_object_foreach(obj, key, v)
	{
		if (index_of(allowed, key) >= 0 ||
		    (action == -2 && action_with_key(key, -1) >= 0))
			continue;
		size_t mark = yaml_path_enter_key(&c->path, key);
		char k[64];
		int other = action >= 0 ? action_with_key(key, action) : -1;
		if (other >= 0) {
			problem(c, true,
				"'%s' is not used by a %s step (it is for %s)",
				key, action_names[action], action_names[other]);
		} else {
			struct buf msg = BUF_INIT;
			buf_printf(&msg, "unknown key '%s' in %s",
				   sanitize_clip(k, sizeof k, key), what);
			did_you_mean(&msg, key, allowed);
			problem(c, true, "%s", buf_str(&msg));
			buf_free(&msg);
		}
		yaml_path_leave(&c->path, mark);
	}
}

static bool want(struct ctx *c, const char *key, json_t *v, json_type t)
{
	if (json_typeof(v) == t ||
	    (t == JSON_TRUE && json_typeof(v) == JSON_FALSE))
		return true;
	size_t mark = yaml_path_enter_key(&c->path, key);
	problem(c, false, "%s must be %s, not %s", key,
		t == JSON_STRING   ? "a string"
		: t == JSON_OBJECT ? "a mapping"
		: t == JSON_ARRAY  ? "a list"
		: t == JSON_TRUE   ? "true or false"
				   : "a number",
		yaml_json_what(v));
	yaml_path_leave(&c->path, mark);
	return false;
}

/* Why s cannot be shown as it is, or NULL: no control characters (C0,
 * DEL, C1), and one line unless multiline (which also allows tabs). */
static const char *text_problem(const char *s, bool multiline)
{
	const unsigned char *p = (const unsigned char *)s;
	for (; *p; p++) {
		if (*p == '\n' && !multiline)
			return "must be one line";
		if (multiline && (*p == '\n' || *p == '\t'))
			continue;
		if (*p < 0x20 || *p == 0x7f ||
		    (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
			return "must not contain control characters";
	}
	return NULL;
}

/* A string field; NULL when absent or wrong (reported). */
static const char *get_str(struct ctx *c, json_t *obj, const char *key,
			   bool required, const char *what)
{
	json_t *v = json_object_get(obj, key);
	if (!v) {
		if (required)
			problem(c, false, "%s needs '%s'", what, key);
		return NULL;
	}
	if (!want(c, key, v, JSON_STRING))
		return NULL;
	if (required && !*json_string_value(v)) {
		size_t mark = yaml_path_enter_key(&c->path, key);
		problem(c, false, "%s must not be empty", key);
		yaml_path_leave(&c->path, mark);
		return NULL;
	}
	return json_string_value(v);
}

/* A string that is shown to people: checked for control characters. */
static const char *get_text(struct ctx *c, json_t *obj, const char *key,
			    bool required, const char *what, bool multiline)
{
	const char *s = get_str(c, obj, key, required, what);
	const char *why = s ? text_problem(s, multiline) : NULL;
	if (why) {
		size_t mark = yaml_path_enter_key(&c->path, key);
		problem(c, false, "%s %s", key, why);
		yaml_path_leave(&c->path, mark);
		return NULL;
	}
	return s;
}

static bool get_bool(struct ctx *c, json_t *obj, const char *key, bool dflt)
{
	json_t *v = json_object_get(obj, key);
	if (!v || !want(c, key, v, JSON_TRUE))
		return dflt;
	return json_is_true(v);
}

/* A whole number in [min, max]; false when absent or wrong (reported). */
static bool get_long(struct ctx *c, json_t *obj, const char *key, long min,
		     long max, long *out)
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		return false;
	if (!json_is_integer(v) || json_integer_value(v) < min ||
	    json_integer_value(v) > max) {
		size_t mark = yaml_path_enter_key(&c->path, key);
		problem(c, false, "%s must be a whole number from %ld to %ld",
			key, min, max);
		yaml_path_leave(&c->path, mark);
		return false;
	}
	*out = (long)json_integer_value(v);
	return true;
}

/*
 * A duration: a number of seconds (YAML integer or digits), or "90s",
 * "5m", "1h30m". Absent: dflt. Wrong, zero or above max: reported, dflt.
 */
static long get_duration(struct ctx *c, json_t *obj, const char *key, long dflt,
			 long max, const char *max_text)
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		return dflt;
	long s = -1;
	if (json_is_integer(v)) {
		if (json_integer_value(v) >= 0 &&
		    json_integer_value(v) <= 100L * 365 * 86400)
			s = (long)json_integer_value(v);
	} else if (json_is_string(v)) {
		const char *t = json_string_value(v);
		if (!(*t && strspn(t, "0123456789") == strlen(t) &&
		      str_to_long(t, 0, 100L * 365 * 86400, &s)) &&
		    !str_parse_duration(t, &s))
			s = -1;
	}
	size_t mark = yaml_path_enter_key(&c->path, key);
	char k[64];
	if (s < 0)
		problem(c, false,
			"%s: %s%s%s is not a duration (e.g. 90s, 5m, 1h30m, or "
			"a number of seconds)",
			key, json_is_string(v) ? "'" : "",
			json_is_string(v)
			    ? sanitize_clip(k, sizeof k, json_string_value(v))
			    : yaml_json_what(v),
			json_is_string(v) ? "'" : "");
	else if (s == 0)
		problem(c, false, "%s must be longer than 0 seconds", key);
	else if (s > max)
		problem(c, false, "%s must be at most %s", key, max_text);
	yaml_path_leave(&c->path, mark);
	return s > 0 && s <= max ? s : dflt;
}

/* ---- names ---- */

/* [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most max. */
static bool valid_dns_name(const char *s, size_t max)
{
	size_t n = strlen(s);
	return n <= max && kube_valid_label(s, n);
}

/* first: a set of allowed first characters; rest: the others. */
static bool valid_ident(const char *s, size_t max, int (*first)(int),
			int (*rest)(int))
{
	size_t n = strlen(s);
	if (!n || n > max || !first((unsigned char)s[0]))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!rest((unsigned char)s[i]))
			return false;
	return true;
}

static int var_first(int ch)
{
	return isalpha(ch) || ch == '_';
}

static int var_rest(int ch)
{
	return isalnum(ch) || ch == '_';
}

static int env_first(int ch)
{
	return isupper(ch) || ch == '_';
}

static int env_rest(int ch)
{
	return isupper(ch) || isdigit(ch) || ch == '_';
}

static int step_char(int ch)
{
	return islower(ch) || isdigit(ch) || ch == '-';
}

/* An HTTP header name (RFC 9110 token). */
static int token_char(int ch)
{
	return ch > 0x20 && ch < 0x7f && !strchr("\"(),/:;<=>?@[\\]{}", ch);
}

static bool valid_repo_path(const char *p)
{
	if (!*p || *p == '/' || strlen(p) > 1024 || strchr(p, '\\'))
		return false;
	/* Paths are shown in messages as they are. */
	if (text_problem(p, false))
		return false;
	char *copy = xstrdup(p), *save = NULL;
	bool ok = true;
	for (char *seg = strtok_r(copy, "/", &save); seg && ok;
	     seg = strtok_r(NULL, "/", &save))
		ok = strcmp(seg, "..") && strcmp(seg, ".");
	ok = ok && !strstr(p, "//") && p[strlen(p) - 1] != '/';
	free(copy);
	return ok;
}

static bool has_glob(const char *s)
{
	return strpbrk(s, "*?") != NULL;
}

/* The file's name without folder and .yaml/.yml. */
static char *base_name(const char *file)
{
	const char *slash = strrchr(file, '/');
	const char *b = slash ? slash + 1 : file;
	size_t n = strlen(b);
	if (str_has_suffix(b, ".yaml"))
		n -= 5;
	else if (str_has_suffix(b, ".yml"))
		n -= 4;
	return xstrndup(b, n);
}

/* ---- positions inside scalars ---- */

/* Byte offset of the start of 1-based line n, or SIZE_MAX. */
static size_t line_start(struct ctx *c, int n)
{
	if (!c->lines.len) {
		vec_push(&c->lines, (void *)(uintptr_t)0);
		for (size_t i = 0; i < c->len; i++)
			if (c->text[i] == '\n')
				vec_push(&c->lines, (void *)(uintptr_t)(i + 1));
	}
	if (n < 1 || (size_t)n > c->lines.len)
		return SIZE_MAX;
	return (size_t)(uintptr_t)c->lines.items[n - 1];
}

/* Characters (as libyaml counts columns) in the first n bytes of s. */
static int chars(const char *s, size_t n)
{
	int k = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			k++;
	return k;
}

/* Byte offset of line:col (col in characters), or SIZE_MAX. */
static size_t text_offset(struct ctx *c, int line, int col)
{
	size_t i = line_start(c, line);
	if (i == SIZE_MAX)
		return i;
	for (int k = 1; k < col; k++) {
		if (i >= c->len || c->text[i] == '\n')
			return SIZE_MAX;
		i++;
		while (i < c->len && ((unsigned char)c->text[i] & 0xc0) == 0x80)
			i++;
	}
	return i;
}

/*
 * Where byte off of the string value of the current node is in the file.
 * Exact when the scalar's text can be matched with its value (plain or
 * quoted on one line without escapes, or a literal block); else the
 * scalar's start. False when the node has no position of its own.
 */
static bool locate(struct ctx *c, const char *value, size_t off, int *line,
		   int *col)
{
	if (!yaml_pos_find(c->pos, buf_str(&c->path), line, col))
		return false;
	if (c->count >= RB_REFINE_MAX)
		return true;
	size_t b = text_offset(c, *line, *col);
	size_t vlen = strlen(value);
	/* The text is not NUL-terminated: every read below stays in it. */
	if (b == SIZE_MAX || b >= c->len || off > vlen)
		return true;
	const char *t = c->text + b;
	size_t rest = c->len - b;
	char q = *t;
	bool one_line = !memchr(value, '\n', vlen);
	if (q == '"' || q == '\'') {
		if (one_line && !strchr(value, q) &&
		    !(q == '"' && strchr(value, '\\')) && rest > vlen + 1 &&
		    !memcmp(t + 1, value, vlen) && t[vlen + 1] == q)
			*col += 1 + chars(value, off);
	} else if (q == '|') {
		/* A literal block: value line k is source line line+1+k,
		 * after the indentation. */
		size_t k = 0, ls = 0;
		for (size_t i = 0; i < off; i++)
			if (value[i] == '\n') {
				k++;
				ls = i + 1;
			}
		size_t vl = strcspn(value + ls, "\n");
		if (k > (size_t)(INT32_MAX - *line - 1))
			return true;
		size_t s = line_start(c, *line + 1 + (int)k);
		if (s == SIZE_MAX)
			return true;
		const char *nl = memchr(c->text + s, '\n', c->len - s);
		size_t sl = nl ? (size_t)(nl - c->text) - s : c->len - s;
		size_t indent = 0;
		while (indent < sl && c->text[s + indent] == ' ')
			indent++;
		if (sl > vl && indent >= sl - vl &&
		    !memcmp(c->text + s + sl - vl, value + ls, vl)) {
			*line += 1 + (int)k;
			*col = (int)(sl - vl) + 1 + chars(value + ls, off - ls);
		}
	} else if (one_line && q != '>' && rest >= vlen &&
		   !memcmp(t, value, vlen)) {
		*col += chars(value, off);
	}
	return true;
}

/* ---- templates ---- */

struct tcheck {
	struct ctx *c;
	const char *src;
	bool secrets_ok;
	/* a manifest: problems are located in that file's text */
	const char *mfile;
	const char *mtext;
	struct vec *quotes; /* manifest: offsets of quotes to drop */
};

/* 1-based line and column of byte off in text. */
static void offset_pos(const char *text, size_t off, int *line, int *col)
{
	int l = 1;
	size_t bol = 0;
	for (size_t i = 0; i < off; i++)
		if (text[i] == '\n') {
			l++;
			bol = i + 1;
		}
	*line = l;
	*col = 1 + chars(text + bol, off - bol);
}

static void tmpl_problem(struct tcheck *t, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void tmpl_problem(struct tcheck *t, size_t off, const char *fmt, ...)
{
	struct buf msg = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	int line, col;
	if (t->mfile) {
		offset_pos(t->mtext, off, &line, &col);
		problem_at(t->c, t->mfile, line, col, "%s", buf_str(&msg));
	} else if (locate(t->c, t->src, off, &line, &col))
		problem_at(t->c, t->c->file, line, col, "%s", buf_str(&msg));
	else
		problem(t->c, false, "%s", buf_str(&msg));
	buf_free(&msg);
}

/*
 * In a manifest, the placeholder at [at, end) must be a whole YAML value:
 * all that follows "key:" or "- " on its line, optionally in quotes (which
 * are dropped: the rendering quotes the value itself), up to a comment.
 * A placeholder in a comment line is harmless (its value is rendered
 * quoted, so it cannot end the comment).
 */
static bool whole_scalar(const char *text, size_t at, size_t end,
			 struct vec *quotes)
{
	size_t bol = at;
	while (bol && text[bol - 1] != '\n')
		bol--;
	size_t first = bol;
	while (text[first] == ' ' || text[first] == '\t')
		first++;
	if (text[first] == '#')
		return true;
	size_t b = at, e = end;
	char q = 0;
	if (b > bol && (text[b - 1] == '"' || text[b - 1] == '\'')) {
		q = text[b - 1];
		if (text[e] != q)
			return false;
		b--;
		e++;
	}
	/* after: blanks, then the end of the line or a comment */
	size_t a = e;
	while (text[a] == ' ' || text[a] == '\t')
		a++;
	if (text[a] && text[a] != '\n' && text[a] != '\r' &&
	    !(text[a] == '#' && a > e))
		return false;
	/* before: "key:" or "-" then at least one blank */
	if (b == bol || (text[b - 1] != ' ' && text[b - 1] != '\t'))
		return false;
	while (b > bol && (text[b - 1] == ' ' || text[b - 1] == '\t'))
		b--;
	if (b == bol)
		return false;
	if (text[b - 1] != ':') {
		/* "- ", "- - ": dashes and blanks back to the indentation */
		for (size_t i = first; i < b; i++)
			if (text[i] != '-' && text[i] != ' ' && text[i] != '\t')
				return false;
		if (text[b - 1] != '-')
			return false;
	}
	if (q) {
		vec_push(quotes, (void *)(uintptr_t)(at - 1));
		vec_push(quotes, (void *)(uintptr_t)end);
	}
	return true;
}

static enum status check_name(void *arg, const char *name, size_t off)
{
	struct tcheck *t = arg;
	struct ctx *c = t->c;
	struct runbook *rb = c->rb;
	char k[64];
	if (index_of(base_names, name) >= 0) {
		/* fine everywhere */
	} else if (index_of(cell_names, name) >= 0) {
		if (rb->scope == RB_SCOPE_ENV)
			tmpl_problem(t, off,
				     "'%s' is only for cell runbooks (this one "
				     "has scope: environment)",
				     name);
	} else if (str_has_prefix(name, "vars.")) {
		const struct rb_var *v = runbook_var(rb, name + 5);
		if (!v) {
			struct buf msg = BUF_INIT;
			buf_printf(&msg, "no variable '%s' is declared",
				   sanitize_clip(k, sizeof k, name + 5));
			did_you_mean(&msg, name,
				     (const char *const *)c->tnames.items);
			tmpl_problem(t, off, "%s", buf_str(&msg));
			buf_free(&msg);
		} else if (v->type == RB_VAR_SECRET && !t->secrets_ok) {
			tmpl_problem(t, off,
				     "secret variable '%s' may only be used in "
				     "a script step's env or an http-check's "
				     "headers",
				     v->name);
		}
	} else {
		struct buf msg = BUF_INIT;
		buf_printf(&msg, "unknown name '%s' in template",
			   sanitize_clip(k, sizeof k, name));
		did_you_mean(&msg, name, (const char *const *)c->tnames.items);
		tmpl_problem(t, off, "%s", buf_str(&msg));
		buf_free(&msg);
	}
	if (t->mfile) {
		/* the placeholder ends at the first "}}" after it */
		const char *close = strstr(t->src + off + 2, "}}");
		size_t end = close ? (size_t)(close - t->src) + 2 : off + 2;
		if (!whole_scalar(t->src, off, end, t->quotes))
			tmpl_problem(t, off,
				     "a placeholder must be a whole YAML value "
				     "(key: {{ %s }}), not part of one: values "
				     "are quoted when the manifest is rendered",
				     name);
	}
	return ST_OK;
}

/* Check a template at the current path; true when it is fine. */
static bool check_template(struct ctx *c, const char *src, bool secrets_ok)
{
	struct tcheck t = {.c = c, .src = src, .secrets_ok = secrets_ok};
	struct err e;
	size_t before = c->count, off = 0;
	if (tmpl_names(src, check_name, &t, &off, &e) != ST_OK)
		tmpl_problem(&t, off, "template: %s", e.msg);
	return c->count == before;
}

/* A string field holding a template; NULL when absent or wrong. */
static const char *get_template(struct ctx *c, json_t *obj, const char *key,
				bool required, const char *what, bool multiline,
				bool secrets_ok)
{
	const char *s = get_text(c, obj, key, required, what, multiline);
	if (!s)
		return NULL;
	size_t mark = yaml_path_enter_key(&c->path, key);
	bool ok = check_template(c, s, secrets_ok);
	yaml_path_leave(&c->path, mark);
	return ok ? s : NULL;
}

/* ---- applies-to ---- */

static const char *const applies_keys[] = {
    "environments",
    "services",
    "tenants",
    NULL,
};

enum kind { K_ENV, K_SERVICE, K_TENANT };

static bool exists(const struct model *m, enum kind k, const char *n)
{
	switch (k) {
	case K_ENV:
		return model_env(m, n) != NULL;
	case K_SERVICE:
		return model_service(m, n) != NULL;
	default:
		return model_tenant(m, n) != NULL;
	}
}

/* The names of kind k, NULL-terminated (borrowed strings). */
static const char **names_of(const struct model *m, enum kind k)
{
	const struct vec *v = k == K_ENV       ? &m->envs
			      : k == K_SERVICE ? &m->services
					       : &m->tenants;
	const char **out = xcalloc(v->len * 2 + 1, sizeof *out);
	size_t n = 0;
	for (size_t i = 0; i < v->len; i++) {
		if (k == K_ENV) {
			const struct model_env *e = v->items[i];
			out[n++] = e->name;
			out[n++] = e->short_;
		} else if (k == K_SERVICE)
			out[n++] =
			    ((const struct model_service *)v->items[i])->name;
		else
			out[n++] =
			    ((const struct model_tenant *)v->items[i])->name;
	}
	return out;
}

static void parse_globs(struct ctx *c, json_t *obj, const char *key,
			enum kind k, const char *what, struct vec *out)
{
	json_t *list = json_object_get(obj, key);
	if (!list || !want(c, key, list, JSON_ARRAY))
		return;
	size_t mark = yaml_path_enter_key(&c->path, key), i;
	json_t *v;
	const char **names = names_of(c->m, k);
	json_array_foreach(list, i, v)
	{
		size_t m2 = yaml_path_enter_index(&c->path, i);
		char b[64];
		const char *s = json_is_string(v) ? json_string_value(v) : NULL;
		if (!s) {
			problem(c, false, "%s names must be strings, not %s",
				what, yaml_json_what(v));
		} else if (!*s || text_problem(s, false)) {
			problem(c, false, "'%s' is not a %s name or pattern",
				sanitize_clip(b, sizeof b, s), what);
		} else if (!has_glob(s) && !exists(c->m, k, s)) {
			struct buf msg = BUF_INIT;
			buf_printf(&msg, "no %s named '%s' in %s", what,
				   sanitize_clip(b, sizeof b, s), c->m->name);
			did_you_mean(&msg, s, names);
			problem(c, false, "%s", buf_str(&msg));
			buf_free(&msg);
		} else {
			vec_push(out, xstrdup(s));
		}
		yaml_path_leave(&c->path, m2);
	}
	free(names);
	yaml_path_leave(&c->path, mark);
}

static void parse_applies(struct ctx *c, json_t *root)
{
	json_t *a = json_object_get(root, "applies-to");
	if (!a || json_is_null(a) || !want(c, "applies-to", a, JSON_OBJECT))
		return;
	struct runbook *rb = c->rb;
	size_t mark = yaml_path_enter_key(&c->path, "applies-to");
	check_keys(c, a, "applies-to", applies_keys, -1);
	parse_globs(c, a, "environments", K_ENV, "environment",
		    &rb->environments);
	static const char *const cell_only[] = {"services", "tenants"};
	for (size_t i = 0; i < LEN(cell_only); i++) {
		if (rb->scope != RB_SCOPE_ENV ||
		    !json_object_get(a, cell_only[i]))
			continue;
		size_t m2 = yaml_path_enter_key(&c->path, cell_only[i]);
		problem(c, true,
			"%s is for cell runbooks (this one has scope: "
			"environment)",
			cell_only[i]);
		yaml_path_leave(&c->path, m2);
	}
	if (rb->scope == RB_SCOPE_CELL) {
		parse_globs(c, a, "services", K_SERVICE, "service",
			    &rb->services);
		parse_globs(c, a, "tenants", K_TENANT, "tenant", &rb->tenants);
	}
	yaml_path_leave(&c->path, mark);
}

/* ---- variables ---- */

static const char *const var_keys[] = {
    "name",    "type", "title", "help",	   "required",	   "default",
    "pattern", "min",  "max",	"choices", "choices-from", NULL,
};

static void free_var(void *p)
{
	struct rb_var *v = p;
	if (!v)
		return;
	free(v->name);
	free(v->title);
	free(v->help);
	free(v->default_);
	if (v->pattern)
		regfree(&v->re);
	free(v->pattern);
	vec_free(&v->choices, free);
	free(v->where);
	free(v);
}

/*
 * What glibc's regex engine handles badly is refused before regcomp sees
 * it: back-references (matching them is exponential) and repetition
 * counts that multiply into a huge automaton ("((a{99}){99}){99}"). The
 * scan estimates the size of the expanded expression; it follows the ERE
 * grammar loosely and leaves real syntax errors to regcomp.
 */
#define RX_MAX_WEIGHT 20000UL
#define RX_MAX_DEPTH  32

struct rx {
	const char *s;
	int depth;
	const char *why;
};

static unsigned long rx_alt(struct rx *r);

static unsigned long sat_mul(unsigned long a, unsigned long b)
{
	return a && b > RX_MAX_WEIGHT * 4 / a ? RX_MAX_WEIGHT * 4 : a * b;
}

static unsigned long sat_add(unsigned long a, unsigned long b)
{
	return a + b > RX_MAX_WEIGHT * 4 ? RX_MAX_WEIGHT * 4 : a + b;
}

static unsigned long rx_count(const char **s)
{
	unsigned long n = 0;
	while (isdigit((unsigned char)**s)) {
		n = n > 100000 ? n : n * 10 + (unsigned long)(**s - '0');
		(*s)++;
	}
	return n;
}

static unsigned long rx_atom(struct rx *r)
{
	const char *s = r->s;
	switch (*s) {
	case '(': {
		if (r->depth >= RX_MAX_DEPTH) {
			r->why = "is nested too deeply";
			r->s = s + strlen(s); /* the scan ends here */
			return RX_MAX_WEIGHT * 4;
		}
		r->depth++;
		r->s = s + 1;
		unsigned long w = rx_alt(r);
		r->depth--;
		if (*r->s == ')')
			r->s++;
		return sat_add(w, 1);
	}
	case '[':
		s++;
		if (*s == '^')
			s++;
		if (*s == ']')
			s++;
		while (*s && *s != ']') {
			if (*s == '[' &&
			    (s[1] == ':' || s[1] == '=' || s[1] == '.')) {
				char end = s[1];
				s += 2;
				while (*s && !(s[0] == end && s[1] == ']'))
					s++;
				if (*s)
					s += 2;
			} else
				s++;
		}
		if (*s)
			s++;
		r->s = s;
		return 1;
	case '\\':
		if (s[1] >= '1' && s[1] <= '9')
			r->why = "uses a back-reference (not supported)";
		r->s = s + (s[1] ? 2 : 1);
		return 1;
	default:
		r->s = s + 1;
		return 1;
	}
}

static unsigned long rx_seq(struct rx *r)
{
	unsigned long total = 0;
	while (*r->s && !r->why && *r->s != '|' &&
	       !(*r->s == ')' && r->depth)) {
		unsigned long w = rx_atom(r);
		for (;;) {
			const char *s = r->s;
			if (*s == '*' || *s == '+' || *s == '?') {
				w = sat_mul(w, 2);
				r->s++;
			} else if (*s == '{' && isdigit((unsigned char)s[1])) {
				s++;
				unsigned long lo = rx_count(&s), hi = lo;
				if (*s == ',') {
					s++;
					hi = isdigit((unsigned char)*s)
						 ? rx_count(&s)
						 : lo + 1;
				}
				if (*s == '}')
					s++;
				w = sat_mul(w, (hi > lo ? hi : lo) + 1);
				r->s = s;
			} else
				break;
		}
		total = sat_add(total, w);
	}
	return total;
}

static unsigned long rx_alt(struct rx *r)
{
	unsigned long total = rx_seq(r);
	while (*r->s == '|') {
		r->s++;
		total = sat_add(total, rx_seq(r));
	}
	return total;
}

/* Why pattern is refused before compiling, or NULL. */
static const char *pattern_problem(const char *pattern)
{
	if (strlen(pattern) > RB_MAX_PATTERN)
		return "is longer than 1024 characters";
	struct rx r = {pattern, 0, NULL};
	unsigned long w = 0;
	while (*r.s && !r.why) {
		w = sat_add(w, rx_alt(&r));
		if (*r.s) /* a stray ')' at the top: a literal for us */
			r.s++;
	}
	if (r.why)
		return r.why;
	return w > RX_MAX_WEIGHT ? "is too complex (repetition counts multiply "
				   "into a huge automaton)"
				 : NULL;
}

static void parse_pattern(struct ctx *c, json_t *j, struct rb_var *v)
{
	const char *p = get_str(c, j, "pattern", false, "a variable");
	if (!p)
		return;
	size_t mark = yaml_path_enter_key(&c->path, "pattern");
	const char *why = text_problem(p, false);
	if (v->type != RB_VAR_STRING && v->type != RB_VAR_TEXT &&
	    v->type != RB_VAR_SECRET) {
		problem(
		    c, true,
		    "pattern is for string, text and secret variables (this "
		    "one is %s)",
		    var_type_names[v->type]);
	} else if (!*p) {
		problem(c, false, "pattern must not be empty");
	} else if (why || (why = pattern_problem(p))) {
		problem(c, false, "pattern %s", why);
	} else {
		int rc = regcomp(&v->re, p, REG_EXTENDED);
		if (rc) {
			char msg[128];
			regerror(rc, &v->re, msg, sizeof msg);
			problem(c, false,
				"pattern is not a valid POSIX extended regular "
				"expression: %s",
				msg);
		} else
			v->pattern = xstrdup(p);
	}
	yaml_path_leave(&c->path, mark);
}

static void parse_choices(struct ctx *c, json_t *j, struct rb_var *v)
{
	json_t *list = json_object_get(j, "choices");
	json_t *from = json_object_get(j, "choices-from");
	if (v->type != RB_VAR_CHOICE) {
		static const char *const keys[] = {"choices", "choices-from"};
		for (size_t i = 0; i < LEN(keys); i++) {
			if (!json_object_get(j, keys[i]))
				continue;
			size_t mark = yaml_path_enter_key(&c->path, keys[i]);
			problem(c, true,
				"%s is for choice variables (this one is %s)",
				keys[i], var_type_names[v->type]);
			yaml_path_leave(&c->path, mark);
		}
		return;
	}
	if (!list == !from) {
		problem(
		    c, false,
		    "a choice variable needs either choices (a list) or "
		    "choices-from (services, tenants, pods or deployments)");
		return;
	}
	if (from) {
		const char *s =
		    get_str(c, j, "choices-from", true, "a variable");
		if (!s)
			return;
		size_t mark = yaml_path_enter_key(&c->path, "choices-from");
		int i = index_of(choice_source_names, s);
		char k[64];
		if (i <= RB_CHOICES_STATIC) {
			struct buf msg = BUF_INIT;
			buf_printf(&msg,
				   "choices-from '%s': use services, tenants, "
				   "pods or deployments",
				   sanitize_clip(k, sizeof k, s));
			did_you_mean(&msg, s, choice_source_names + 1);
			problem(c, false, "%s", buf_str(&msg));
			buf_free(&msg);
		} else if ((i == RB_CHOICES_PODS ||
			    i == RB_CHOICES_DEPLOYMENTS) &&
			   c->rb->scope == RB_SCOPE_ENV) {
			problem(c, false,
				"choices-from: %s needs a cell (this runbook "
				"has scope: environment)",
				s);
		} else
			v->source = (enum rb_choice_source)i;
		yaml_path_leave(&c->path, mark);
		return;
	}
	v->source = RB_CHOICES_STATIC;
	if (!want(c, "choices", list, JSON_ARRAY))
		return;
	size_t mark = yaml_path_enter_key(&c->path, "choices"), i;
	json_t *item;
	if (!json_array_size(list))
		problem(c, false, "choices must list at least one value");
	struct map seen = MAP_INIT;
	json_array_foreach(list, i, item)
	{
		size_t m2 = yaml_path_enter_index(&c->path, i);
		const char *s = json_string_value(item);
		char k[64];
		if (!s)
			problem(c, false,
				"a choice must be a string, not %s (quote it)",
				yaml_json_what(item));
		else if (!*s || text_problem(s, false))
			problem(c, false,
				"a choice must be one line of text without "
				"control characters");
		else if (strlen(s) > RB_VALUE_MAX)
			problem(c, false, "a choice is at most %d bytes",
				RB_VALUE_MAX);
		else if (map_has(&seen, s))
			problem(c, false, "choice '%s' is listed twice",
				sanitize_clip(k, sizeof k, s));
		else {
			map_put(&seen, s, NULL);
			vec_push(&v->choices, xstrdup(s));
		}
		yaml_path_leave(&c->path, m2);
	}
	map_free(&seen, NULL);
	yaml_path_leave(&c->path, mark);
}

static void parse_default(struct ctx *c, json_t *j, struct rb_var *v)
{
	json_t *d = json_object_get(j, "default");
	if (!d)
		return;
	size_t mark = yaml_path_enter_key(&c->path, "default");
	char text[64];
	const char *s = NULL;
	if (json_is_string(d))
		s = json_string_value(d);
	else if (json_is_integer(d)) {
		snprintf(text, sizeof text, "%" JSON_INTEGER_FORMAT,
			 json_integer_value(d));
		s = text;
	} else if (json_is_boolean(d))
		s = json_is_true(d) ? "true" : "false";
	if (v->type == RB_VAR_SECRET) {
		problem(c, true, "a secret variable cannot have a default");
	} else if (!s) {
		problem(c, false,
			"default must be a single value (a string, a whole "
			"number or true/false), not %s",
			yaml_json_what(d));
	} else {
		struct err e;
		char *canon = NULL;
		/* Live choices are not known yet: the run checks them. */
		if (rb_var_check(v, s, NULL, NULL, &canon, &e) != ST_OK)
			problem(c, false, "default: %s", e.msg);
		else
			v->default_ = canon;
	}
	yaml_path_leave(&c->path, mark);
}

static void parse_var(struct ctx *c, json_t *j, struct map *seen)
{
	if (!json_is_object(j)) {
		problem(c, false, "a variable must be a mapping, not %s",
			yaml_json_what(j));
		return;
	}
	check_keys(c, j, "a variable", var_keys, -1);
	const char *name = get_str(c, j, "name", true, "a variable");
	char k[64];
	if (name && !valid_ident(name, 63, var_first, var_rest)) {
		size_t mark = yaml_path_enter_key(&c->path, "name");
		problem(
		    c, false,
		    "'%s' is not a valid variable name: letters, digits and "
		    "'_', not starting with a digit, at most 63",
		    sanitize_clip(k, sizeof k, name));
		yaml_path_leave(&c->path, mark);
		name = NULL;
	} else if (name && map_has(seen, name)) {
		size_t mark = yaml_path_enter_key(&c->path, "name");
		problem(c, false, "variable '%s' is declared twice", name);
		yaml_path_leave(&c->path, mark);
		name = NULL;
	}
	struct rb_var *v = xcalloc(1, sizeof *v);
	v->type = RB_VAR_STRING;
	/* Messages about the default name the variable. */
	v->name = xstrdup(name ? name : "variable");
	const char *type = get_str(c, j, "type", false, "a variable");
	if (type) {
		int i = index_of(var_type_names, type);
		if (i >= 0)
			v->type = (enum rb_var_type)i;
		else {
			struct buf msg = BUF_INIT;
			size_t mark = yaml_path_enter_key(&c->path, "type");
			buf_printf(&msg, "unknown type '%s': use ",
				   sanitize_clip(k, sizeof k, type));
			join(&msg, var_type_names);
			did_you_mean(&msg, type, var_type_names);
			problem(c, false, "%s", buf_str(&msg));
			buf_free(&msg);
			yaml_path_leave(&c->path, mark);
		}
	}
	const char *title = get_text(c, j, "title", false, "a variable", false);
	const char *help = get_text(c, j, "help", false, "a variable", true);
	v->required = get_bool(c, j, "required", false);
	parse_pattern(c, j, v);
	long min = 0, max = 0;
	bool has_min = false, has_max = false;
	static const char *const range_keys[] = {"min", "max"};
	for (size_t i = 0; i < LEN(range_keys); i++) {
		json_t *r = json_object_get(j, range_keys[i]);
		if (!r)
			continue;
		if (v->type != RB_VAR_INTEGER) {
			size_t mark = yaml_path_enter_key(&c->path, range_keys[i]);
			problem(c, true,
				"%s is for integer variables (this one is %s)",
				range_keys[i], var_type_names[v->type]);
			yaml_path_leave(&c->path, mark);
		} else if (i == 0)
			has_min =
			    get_long(c, j, "min", LONG_MIN, LONG_MAX, &min);
		else
			has_max =
			    get_long(c, j, "max", LONG_MIN, LONG_MAX, &max);
	}
	if (has_min && has_max && min > max) {
		size_t mark = yaml_path_enter_key(&c->path, "max");
		problem(c, false, "max (%ld) is below min (%ld)", max, min);
		yaml_path_leave(&c->path, mark);
	} else {
		v->has_min = has_min;
		v->has_max = has_max;
		v->min = min;
		v->max = max;
	}
	parse_choices(c, j, v);
	/* The default is checked against all of the above. */
	parse_default(c, j, v);
	if (!name) {
		free_var(v);
		return;
	}
	map_put(seen, name, NULL);
	v->title = xstrdup(title && *title ? title : name);
	v->help = help && *help ? xstrdup(help) : NULL;
	v->where = xstrdup(buf_str(&c->path));
	vec_push(&c->rb->vars, v);
}

static void parse_vars(struct ctx *c, json_t *root)
{
	json_t *list = json_object_get(root, "variables");
	if (!list || json_is_null(list) ||
	    !want(c, "variables", list, JSON_ARRAY))
		return;
	size_t mark = yaml_path_enter_key(&c->path, "variables"), i;
	json_t *v;
	struct map seen = MAP_INIT;
	json_array_foreach(list, i, v)
	{
		size_t m2 = yaml_path_enter_index(&c->path, i);
		parse_var(c, v, &seen);
		yaml_path_leave(&c->path, m2);
	}
	map_free(&seen, NULL);
	yaml_path_leave(&c->path, mark);
}

/* ---- steps ---- */

static void free_pair(void *p)
{
	struct rb_pair *pr = p;
	free(pr->name);
	free(pr->value);
	free(pr);
}

static void free_step(void *p)
{
	struct rb_step *s = p;
	if (!s)
		return;
	free(s->name);
	free(s->title);
	free(s->where);
	free(s->target);
	free(s->namespace_);
	free(s->replicas);
	free(s->manifest);
	free(s->content);
	free(s->url);
	free(s->service);
	free(s->port);
	free(s->path);
	vec_free(&s->headers, free_pair);
	free(s->expect_body);
	free(s->instructions);
	free(s->script);
	vec_free(&s->env, free_pair);
	free(s);
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* Blanks in a template's own text (placeholders aside). */
static bool has_blanks(const char *tmpl);

/* "deployment/NAME" with NAME a template. */
static void parse_target(struct ctx *c, json_t *j, struct rb_step *s)
{
	const char *t = get_text(c, j, "target", false, "a step", false);
	if (!t)
		return;
	size_t mark = yaml_path_enter_key(&c->path, "target");
	char k[64];
	if (!str_has_prefix(t, "deployment/") || !t[11]) {
		problem(c, false,
			"target '%s' must be deployment/NAME (NAME may be a "
			"template)",
			sanitize_clip(k, sizeof k, t));
	} else if (check_template(c, t, false)) {
		if (tmpl_is_literal(t) && !kube_valid_name(t + 11))
			problem(c, false,
				"'%s' is not a valid Kubernetes object name",
				sanitize_clip(k, sizeof k, t + 11));
		else
			s->target = xstrdup(t);
	}
	yaml_path_leave(&c->path, mark);
}

static void parse_namespace(struct ctx *c, json_t *j, struct rb_step *s)
{
	const char *ns = get_text(c, j, "namespace", false, "a step", false);
	if (!ns)
		return;
	size_t mark = yaml_path_enter_key(&c->path, "namespace");
	char k[64];
	if (check_template(c, ns, false)) {
		if (tmpl_is_literal(ns) && !valid_dns_name(ns, 63))
			problem(c, false, "'%s' is not a valid namespace name",
				sanitize_clip(k, sizeof k, ns));
		else
			s->namespace_ = xstrdup(ns);
	}
	yaml_path_leave(&c->path, mark);
}

/* Environment runbooks have no cell to default to. */
static void need_for_env(struct ctx *c, json_t *j, const char *key,
			 const char *what)
{
	if (c->rb->scope == RB_SCOPE_ENV && !json_object_get(j, key))
		problem(c, false,
			"%s in an environment runbook needs '%s' (there is no "
			"cell to take it from)",
			what, key);
}

static void parse_workload_step(struct ctx *c, json_t *j, struct rb_step *s)
{
	char what[48];
	snprintf(what, sizeof what, "a %s step", action_names[s->action]);
	parse_target(c, j, s);
	parse_namespace(c, j, s);
	need_for_env(c, j, "target", what);
	need_for_env(c, j, "namespace", what);
	if (s->action != RB_ACTION_SCALE)
		return;
	json_t *r = json_object_get(j, "replicas");
	if (!r) {
		problem(c, false, "a scale step needs 'replicas'");
		return;
	}
	size_t mark = yaml_path_enter_key(&c->path, "replicas");
	long n;
	if (json_is_integer(r)) {
		if (json_integer_value(r) < 0 || json_integer_value(r) > 10000)
			problem(c, false,
				"replicas must be a whole number from 0 to "
				"10000");
		else
			s->replicas = str_printf("%" JSON_INTEGER_FORMAT,
						 json_integer_value(r));
	} else if (!json_is_string(r)) {
		problem(c, false,
			"replicas must be a whole number or a template, not %s",
			yaml_json_what(r));
	} else {
		const char *t = json_string_value(r);
		if (text_problem(t, false) || !*t)
			problem(
			    c, false,
			    "replicas must be a whole number or a template");
		else if (check_template(c, t, false)) {
			if (tmpl_is_literal(t) && !str_to_long(t, 0, 10000, &n))
				problem(
				    c, false,
				    "replicas must be a whole number from 0 "
				    "to 10000");
			else
				s->replicas = xstrdup(t);
		}
	}
	yaml_path_leave(&c->path, mark);
}

static void parse_health(struct ctx *c, json_t *j, struct rb_step *s)
{
	s->cluster_wide = c->rb->scope == RB_SCOPE_ENV;
	const char *scope = get_str(c, j, "scope", false, "a step");
	char k[64];
	if (scope && !strcmp(scope, "cluster"))
		s->cluster_wide = true;
	else if (scope && !strcmp(scope, "namespace"))
		s->cluster_wide = false;
	else if (scope) {
		size_t mark = yaml_path_enter_key(&c->path, "scope");
		problem(c, false, "scope '%s': use namespace or cluster",
			sanitize_clip(k, sizeof k, scope));
		yaml_path_leave(&c->path, mark);
	}
	parse_namespace(c, j, s);
	if (s->cluster_wide && json_object_get(j, "namespace")) {
		size_t mark = yaml_path_enter_key(&c->path, "namespace");
		problem(c, true,
			"namespace is not used by a cluster-wide health-check "
			"(scope: cluster)");
		yaml_path_leave(&c->path, mark);
	} else if (!s->cluster_wide)
		need_for_env(c, j, "namespace",
			     "a namespace health-check (scope: namespace)");
	get_long(c, j, "max-unhealthy-pods", 0, 1000000,
		 &s->max_unhealthy_pods);
	get_long(c, j, "max-not-ready-nodes", 0, 1000000,
		 &s->max_not_ready_nodes);
	get_long(c, j, "max-warnings", 0, 1000000, &s->max_warnings);
	s->warnings_since_s =
	    get_duration(c, j, "warnings-since", 900, 7 * 86400, "7d");
}

/* A repo path field (not a template). */
static const char *get_repo_path(struct ctx *c, json_t *obj, const char *key,
				 const char *what)
{
	const char *p = get_str(c, obj, key, true, what);
	if (!p)
		return NULL;
	size_t mark = yaml_path_enter_key(&c->path, key);
	char k[64];
	if (!tmpl_is_literal(p)) {
		problem(c, false, "%s is a path in the repo, not a template",
			key);
		p = NULL;
	} else if (!valid_repo_path(p)) {
		problem(c, false,
			"%s '%s' must be a file path inside the repo, from its "
			"root (no leading '/', no '..')",
			key, sanitize_clip(k, sizeof k, p));
		p = NULL;
	}
	yaml_path_leave(&c->path, mark);
	return p;
}

/* Read a repo file for the step at the current path; false (reported)
 * when it cannot be had. */
static bool read_file(struct ctx *c, const char *key, const char *path,
		      const char *what, struct buf *out)
{
	struct err e = {ST_OK, ""};
	enum status st = c->read ? c->read(c->arg, path, out, &e)
				 : err_set(&e, ST_ERR_NOTFOUND, "no reader");
	size_t mark = yaml_path_enter_key(&c->path, key);
	char k[64];
	bool ok = false;
	if (st == ST_ERR_NOTFOUND)
		problem(c, false, "%s %s is not in the repo at this commit",
			what, sanitize_clip(k, sizeof k, path));
	else if (st != ST_OK) {
		struct buf msg = BUF_INIT;
		sanitize_append(&msg, e.msg, strlen(e.msg), SAN_ASCII);
		problem(c, false, "%s %s cannot be read: %s", what,
			sanitize_clip(k, sizeof k, path), buf_str(&msg));
		buf_free(&msg);
	} else if (out->len > RB_MAX_FILE)
		problem(c, false, "%s %s is larger than %zu bytes", what,
			sanitize_clip(k, sizeof k, path), RB_MAX_FILE);
	else if (!out->len)
		problem(c, false, "%s %s is empty", what,
			sanitize_clip(k, sizeof k, path));
	else if (memchr(out->data, '\0', out->len) && !strcmp(what, "manifest"))
		problem(c, false,
			"manifest %s is not text (it holds a NUL byte)",
			sanitize_clip(k, sizeof k, path));
	else
		ok = true;
	yaml_path_leave(&c->path, mark);
	return ok;
}

/* Stand-in values for rendering a manifest at load time. */
static const char *dummy(void *arg, const char *name)
{
	(void)arg, (void)name;
	return "opsdeck-check";
}

static bool has_blanks(const char *tmpl)
{
	struct buf out = BUF_INIT;
	bool blanks =
	    tmpl_render(tmpl, dummy, NULL, 0, &out, NULL, NULL) != ST_OK ||
	    strpbrk(buf_str(&out), " \t") != NULL;
	buf_free(&out);
	return blanks;
}

/*
 * A run-job manifest: placeholders checked, then rendered with stand-in
 * values and loaded: one batch/v1 Job. The step keeps the template with
 * the quotes around whole-value placeholders dropped (rendering quotes).
 */
static void check_manifest(struct ctx *c, json_t *j, struct rb_step *s,
			   const char *path, struct buf *text)
{
	char *mfile = sanitize_dup(path, 0);
	struct vec quotes = VEC_INIT;
	struct tcheck t = {.c = c,
			   .src = buf_str(text),
			   .mfile = mfile,
			   .mtext = buf_str(text),
			   .quotes = &quotes};
	struct err e;
	size_t before = c->count, off = 0;
	if (tmpl_names(t.src, check_name, &t, &off, &e) != ST_OK)
		tmpl_problem(&t, off, "template: %s", e.msg);
	if (c->count != before)
		goto out;
	/* Drop the quotes (offsets ascending, in pairs). */
	struct buf norm = BUF_INIT;
	size_t from = 0;
	for (size_t i = 0; i < quotes.len; i++) {
		size_t q = (size_t)(uintptr_t)quotes.items[i];
		buf_append(&norm, text->data + from, q - from);
		from = q + 1;
	}
	buf_append(&norm, text->data + from, text->len - from);
	struct buf rendered = BUF_INIT;
	enum status st = tmpl_render(buf_str(&norm), dummy, NULL,
				     TMPL_YAML_SCALAR, &rendered, NULL, &e);
	struct yaml_pos *pos = NULL;
	struct yaml_opts opts = {.max_bytes = RB_MAX_FILE * 4,
				 .max_nodes = RB_MAX_NODES,
				 .flags = YAML_ONE_DOC};
	json_t *job = st == ST_OK ? yaml_load_ex(mfile, rendered.data,
						 rendered.len, &opts, &pos, &e)
				  : NULL;
	if (!job) {
		struct buf msg = BUF_INIT;
		sanitize_append(&msg, e.msg, strlen(e.msg), SAN_ASCII);
		add_problem(c, buf_str(&msg));
		buf_free(&msg);
	} else {
		const char *av =
		    json_string_value(json_object_get(job, "apiVersion"));
		const char *kind =
		    json_string_value(json_object_get(job, "kind"));
		const char *at = NULL, *msg = NULL;
		if (!json_is_object(job))
			at = "", msg = "a run-job manifest must be one Job (a "
				       "mapping)";
		else if (!str_eq(av, "batch/v1"))
			at = "apiVersion", msg = "a run-job manifest must have "
						 "apiVersion: batch/v1";
		else if (!str_eq(kind, "Job"))
			at = "kind", msg = "a run-job manifest must have kind: "
					   "Job";
		else if (c->rb->scope == RB_SCOPE_ENV &&
			 !json_object_get(j, "namespace") &&
			 !json_is_string(json_object_get(
			     json_object_get(job, "metadata"), "namespace")))
			need_for_env(c, j, "namespace",
				     "a run-job step whose manifest sets no "
				     "metadata.namespace");
		struct buf line = BUF_INIT;
		int l, col;
		if (msg && yaml_pos_find(pos, "", &l, &col)) {
			yaml_pos_bprintf(&line, pos, at, false, "%s", msg);
			add_problem(c, buf_str(&line));
		} else if (msg) /* an empty document: no node to point at */
			problem_at(c, mfile, 1, 1, "%s", msg);
		buf_free(&line);
		json_decref(job);
	}
	yaml_pos_free(pos);
	buf_free(&rendered);
	if (c->count == before) {
		s->content_len = norm.len;
		s->content = buf_detach(&norm);
	}
	buf_free(&norm);
out:
	vec_free(&quotes, NULL);
	free(mfile);
}

static void parse_run_job(struct ctx *c, json_t *j, struct rb_step *s)
{
	const char *path = get_repo_path(c, j, "manifest", "a run-job step");
	parse_namespace(c, j, s);
	if (!path)
		return;
	s->manifest = xstrdup(path);
	struct buf text = BUF_INIT;
	if (read_file(c, "manifest", path, "manifest", &text))
		check_manifest(c, j, s, path, &text);
	buf_free(&text);
}

/* A NAME: template mapping (script env, http headers). */
static void parse_pairs(struct ctx *c, json_t *j, const char *key,
			bool (*valid)(const char *), const char *rule,
			struct vec *out)
{
	json_t *map = json_object_get(j, key);
	if (!map || !want(c, key, map, JSON_OBJECT))
		return;
	size_t mark = yaml_path_enter_key(&c->path, key);
	const char *name;
	json_t *v;
	json_object_foreach(map, name, v)
	{
		size_t m2 = yaml_path_enter_key(&c->path, name);
		char k[64], text[64];
		const char *val = json_string_value(v);
		if (json_is_integer(v)) {
			snprintf(text, sizeof text, "%" JSON_INTEGER_FORMAT,
				 json_integer_value(v));
			val = text;
		} else if (json_is_boolean(v))
			val = json_is_true(v) ? "true" : "false";
		if (!valid(name)) {
			problem(c, true, "'%s' is not a valid name here: %s",
				sanitize_clip(k, sizeof k, name), rule);
		} else if (!val) {
			problem(c, false,
				"%s must be a string or a template, not %s",
				name, yaml_json_what(v));
		} else if (text_problem(val, false)) {
			problem(c, false, "%s must be one line of text", name);
		} else if (check_template(c, val, true)) {
			struct rb_pair *p = xcalloc(1, sizeof *p);
			p->name = xstrdup(name);
			p->value = xstrdup(val);
			vec_push(out, p);
		}
		yaml_path_leave(&c->path, m2);
	}
	yaml_path_leave(&c->path, mark);
}

static bool env_name_ok(const char *s)
{
	/* step.h: scripts get PATH, HOME and LANG from opsdeck. */
	return valid_ident(s, 128, env_first, env_rest) && strcmp(s, "PATH") &&
	       strcmp(s, "HOME") && strcmp(s, "LANG");
}

static bool header_name_ok(const char *s)
{
	return valid_ident(s, 128, token_char, token_char) &&
	       strcasecmp(s, "Host") && strcasecmp(s, "Content-Length");
}

/* Through the service proxy the API server reads these itself: the
 * operator's credentials, impersonation. */
static bool proxy_header_name_ok(const char *s)
{
	return header_name_ok(s) && strcasecmp(s, "Authorization") &&
	       strncasecmp(s, "Impersonate-", 12);
}

static void parse_script(struct ctx *c, json_t *j, struct rb_step *s)
{
	const char *path = get_repo_path(c, j, "file", "a script step");
	parse_pairs(c, j, "env", env_name_ok,
		    "[A-Z_][A-Z0-9_]*, and not PATH, HOME or LANG (opsdeck "
		    "sets those)",
		    &s->env);
	if (!path)
		return;
	s->script = xstrdup(path);
	struct buf text = BUF_INIT;
	if (read_file(c, "file", path, "script", &text)) {
		s->content_len = text.len;
		s->content = buf_detach(&text);
	}
	buf_free(&text);
}

static void parse_http(struct ctx *c, json_t *j, struct rb_step *s)
{
	json_t *url = json_object_get(j, "url");
	json_t *svc = json_object_get(j, "service");
	char k[64];
	if (!url == !svc) {
		problem(c, false,
			"an http-check step needs either url or service (a "
			"Service in the namespace)");
	}
	if (url) {
		const char *u = get_template(c, j, "url", true, "an http-check",
					     false, false);
		size_t mark = yaml_path_enter_key(&c->path, "url");
		if (u && !str_has_prefix(u, "http://") &&
		    !str_has_prefix(u, "https://"))
			problem(c, false,
				"url '%s' must start with http:// or https://",
				sanitize_clip(k, sizeof k, u));
		else if (u && has_blanks(u))
			problem(c, false, "url must not contain blanks");
		else
			s->url = dup_or_null(u);
		yaml_path_leave(&c->path, mark);
		static const char *const svc_only[] = {"port", "path",
						       "namespace"};
		for (size_t i = 0; i < LEN(svc_only); i++) {
			if (!json_object_get(j, svc_only[i]))
				continue;
			size_t m2 = yaml_path_enter_key(&c->path, svc_only[i]);
			problem(c, true,
				"%s is for service checks (with url, put it in "
				"the URL)",
				svc_only[i]);
			yaml_path_leave(&c->path, m2);
		}
	}
	if (svc) {
		const char *n = get_template(c, j, "service", true,
					     "an http-check", false, false);
		size_t mark = yaml_path_enter_key(&c->path, "service");
		if (n && tmpl_is_literal(n) && !valid_dns_name(n, 63))
			problem(c, false, "'%s' is not a valid Service name",
				sanitize_clip(k, sizeof k, n));
		else
			s->service = dup_or_null(n);
		yaml_path_leave(&c->path, mark);
		parse_namespace(c, j, s);
		need_for_env(c, j, "namespace", "an http-check of a service");
		json_t *port = json_object_get(j, "port");
		long pn;
		if (json_is_integer(port) && json_integer_value(port) >= 1 &&
		    json_integer_value(port) <= 65535)
			s->port = str_printf("%" JSON_INTEGER_FORMAT,
					     json_integer_value(port));
		else if (json_is_string(port) &&
			 (valid_dns_name(json_string_value(port), 15) ||
			  str_to_long(json_string_value(port), 1, 65535, &pn)))
			s->port = xstrdup(json_string_value(port));
		else if (port) {
			size_t m2 = yaml_path_enter_key(&c->path, "port");
			problem(c, false,
				"port must be a port number (1 to 65535) or a "
				"port name");
			yaml_path_leave(&c->path, m2);
		}
		const char *p = get_template(c, j, "path", false,
					     "an http-check", false, false);
		if (p && (*p != '/' || has_blanks(p))) {
			size_t m2 = yaml_path_enter_key(&c->path, "path");
			problem(c, false,
				"path must start with '/' and have no blanks");
			yaml_path_leave(&c->path, m2);
		} else
			s->path = xstrdup(p ? p : "/");
	}
	if (svc)
		parse_pairs(c, j, "headers", proxy_header_name_ok,
			    "an HTTP header name (not Host, Content-Length, "
			    "or, through the service proxy, Authorization "
			    "or Impersonate-*)",
			    &s->headers);
	else
		parse_pairs(c, j, "headers", header_name_ok,
			    "an HTTP header name (not Host or Content-Length)",
			    &s->headers);
	get_long(c, j, "expect-status", 100, 599, &s->expect_status);
	const char *body =
	    get_text(c, j, "expect-body", false, "an http-check", true);
	s->expect_body = body && *body ? xstrdup(body) : NULL;
}

static void parse_step(struct ctx *c, json_t *j, size_t index)
{
	(void)index;
	if (!json_is_object(j)) {
		problem(c, false, "a step must be a mapping, not %s",
			yaml_json_what(j));
		return;
	}
	char k[64];
	int action = -2;
	const char *a = json_string_value(json_object_get(j, "action"));
	if (a && index_of(action_names, a) >= 0)
		action = index_of(action_names, a);
	check_keys(c, j, "a step", step_common_keys, action);
	if (!json_object_get(j, "action")) {
		struct buf msg = BUF_INIT;
		buf_puts(&msg, "a step needs 'action': one of ");
		join(&msg, action_names);
		problem(c, false, "%s", buf_str(&msg));
		buf_free(&msg);
		return;
	}
	a = get_str(c, j, "action", true, "a step");
	if (!a)
		return;
	if (action < 0) {
		size_t mark = yaml_path_enter_key(&c->path, "action");
		struct buf msg = BUF_INIT;
		buf_printf(&msg, "unknown action '%s'", sanitize_clip(k, sizeof k, a));
		did_you_mean(&msg, a, action_names);
		if (!str_closest(a, action_names)) {
			buf_puts(&msg, ": use ");
			join(&msg, action_names);
		}
		problem(c, false, "%s", buf_str(&msg));
		buf_free(&msg);
		yaml_path_leave(&c->path, mark);
		return;
	}
	struct rb_step *s = xcalloc(1, sizeof *s);
	s->action = (enum rb_action)action;
	s->max_warnings = -1;
	s->warnings_since_s = 900;
	s->expect_status = 200;
	s->where = xstrdup(buf_str(&c->path));
	const char *name = get_str(c, j, "name", false, "a step");
	if (name &&
	    (!valid_ident(name, 63, step_char, step_char) || name[0] == '-')) {
		size_t mark = yaml_path_enter_key(&c->path, "name");
		problem(c, false,
			"'%s' is not a valid step name: lowercase letters, "
			"digits and '-', at most 63",
			sanitize_clip(k, sizeof k, name));
		yaml_path_leave(&c->path, mark);
	} else if (name && map_has(&c->step_names, name)) {
		size_t mark = yaml_path_enter_key(&c->path, "name");
		problem(c, false, "step name '%s' is used twice", name);
		yaml_path_leave(&c->path, mark);
	} else if (name) {
		s->name = xstrdup(name);
		map_put(&c->step_names, name, NULL);
	}
	const char *title = get_text(c, j, "title", false, "a step", false);
	s->title = title && *title ? xstrdup(title) : NULL;
	s->timeout_s = get_duration(c, j, "timeout",
				    action_info[action].timeout, 86400, "24h");
	s->continue_on_failure = get_bool(c, j, "continue-on-failure", false);
	switch (s->action) {
	case RB_ACTION_ROLLOUT_RESTART:
	case RB_ACTION_SCALE:
	case RB_ACTION_WAIT_ROLLOUT:
		parse_workload_step(c, j, s);
		break;
	case RB_ACTION_HEALTH_CHECK:
		parse_health(c, j, s);
		break;
	case RB_ACTION_RUN_JOB:
		parse_run_job(c, j, s);
		break;
	case RB_ACTION_HTTP_CHECK:
		parse_http(c, j, s);
		break;
	case RB_ACTION_CONFIRM: {
		const char *in = get_template(c, j, "instructions", true,
					      "a confirm step", true, false);
		s->instructions = dup_or_null(in);
		break;
	}
	case RB_ACTION_SCRIPT:
		parse_script(c, j, s);
		break;
	default:
		break;
	}
	vec_push(&c->rb->steps, s);
}

/* Unnamed steps are named after their action: "scale", "scale-2"... never
 * taking a name another step was given. */
static void name_steps(struct ctx *c)
{
	for (size_t i = 0; i < c->rb->steps.len; i++) {
		struct rb_step *s = c->rb->steps.items[i];
		if (s->name)
			continue;
		const char *base = action_names[s->action];
		char *n = xstrdup(base);
		for (unsigned k = 2; map_has(&c->step_names, n); k++) {
			free(n);
			n = str_printf("%s-%u", base, k);
		}
		map_put(&c->step_names, n, NULL);
		s->name = n;
	}
}

static void parse_steps(struct ctx *c, json_t *root)
{
	json_t *list = json_object_get(root, "steps");
	if (!list) {
		problem(c, false, "a runbook needs 'steps' (a list)");
		return;
	}
	if (!want(c, "steps", list, JSON_ARRAY))
		return;
	size_t mark = yaml_path_enter_key(&c->path, "steps"), i;
	json_t *v;
	if (!json_array_size(list))
		problem(c, false, "steps must list at least one step");
	json_array_foreach(list, i, v)
	{
		size_t m2 = yaml_path_enter_index(&c->path, i);
		parse_step(c, v, i);
		yaml_path_leave(&c->path, m2);
	}
	yaml_path_leave(&c->path, mark);
	name_steps(c);
}

/* ---- the runbook ---- */

static const char *const root_keys[] = {
    "name",	 "title",      "description",
    "scope",	 "applies-to", "approval",
    "once-key",	 "timeout",    "approval-timeout",
    "variables", "steps",      NULL,
};

static const char *const scope_names[] = {"cell", "environment", NULL};

static const char *const approval_names[] = {
#define RB_APPROVAL_NAME(e, name) name,
    APPROVAL_LIST(RB_APPROVAL_NAME)
#undef RB_APPROVAL_NAME
	NULL,
};

/* A word from a fixed list, with "did you mean"; -1 when wrong. */
static int get_word(struct ctx *c, json_t *obj, const char *key,
		    const char *const *words)
{
	const char *s = get_str(c, obj, key, false, "a runbook");
	if (!s)
		return -1;
	int i = index_of(words, s);
	if (i < 0) {
		char k[64];
		struct buf msg = BUF_INIT;
		size_t mark = yaml_path_enter_key(&c->path, key);
		buf_printf(&msg, "%s '%s': use ", key, sanitize_clip(k, sizeof k, s));
		for (size_t n = 0; words[n]; n++)
			buf_printf(&msg, "%s%s",
				   n ? (words[n + 1] ? ", " : " or ") : "",
				   words[n]);
		did_you_mean(&msg, s, words);
		problem(c, false, "%s", buf_str(&msg));
		buf_free(&msg);
		yaml_path_leave(&c->path, mark);
	}
	return i;
}

/* The names templates may use here, for "did you mean". */
static void template_vocabulary(struct ctx *c)
{
	for (const char *const *n = base_names; *n; n++)
		vec_push(&c->tnames, xstrdup(*n));
	if (c->rb->scope == RB_SCOPE_CELL)
		for (const char *const *n = cell_names; *n; n++)
			vec_push(&c->tnames, xstrdup(*n));
	for (size_t i = 0; i < c->rb->vars.len; i++) {
		const struct rb_var *v = c->rb->vars.items[i];
		vec_push(&c->tnames, str_printf("vars.%s", v->name));
	}
	vec_push(&c->tnames, NULL);
}

static void parse_root(struct ctx *c, json_t *root, const char *file)
{
	struct runbook *rb = c->rb;
	char k[64], k2[64];
	check_keys(c, root, "a runbook", root_keys, -1);
	const char *name = get_str(c, root, "name", true, "a runbook");
	if (name) {
		size_t mark = yaml_path_enter_key(&c->path, "name");
		char *base = base_name(file);
		if (!valid_dns_name(name, 53))
			problem(c, false,
				"'%s' is not a valid runbook name: lowercase "
				"letters, digits and '-', starting and ending "
				"with a letter or digit, at most 53",
				sanitize_clip(k, sizeof k, name));
		else if (strcmp(name, base))
			problem(c, false,
				"name '%s' must be the file's name ('%s')",
				name, sanitize_clip(k2, sizeof k2, base));
		else
			rb->name = xstrdup(name);
		free(base);
		yaml_path_leave(&c->path, mark);
	}
	const char *title =
	    get_text(c, root, "title", true, "a runbook", false);
	rb->title = dup_or_null(title);
	const char *desc =
	    get_text(c, root, "description", false, "a runbook", true);
	rb->description = desc && *desc ? xstrdup(desc) : NULL;
	int scope = get_word(c, root, "scope", scope_names);
	rb->scope = scope == 1 ? RB_SCOPE_ENV : RB_SCOPE_CELL;
	parse_applies(c, root);
	int approval = get_word(c, root, "approval", approval_names);
	if (approval >= 0) {
		rb->has_approval = true;
		rb->approval = (enum approval)approval;
	}
	rb->timeout_s = get_duration(c, root, "timeout", 3600, 86400, "24h");
	rb->approval_timeout_s =
	    get_duration(c, root, "approval-timeout", 3600, 7 * 86400, "7d");
	parse_vars(c, root);
	template_vocabulary(c);
	const char *once =
	    get_template(c, root, "once-key", false, "a runbook", false, false);
	if (once && !*once) {
		size_t mark = yaml_path_enter_key(&c->path, "once-key");
		problem(c, false, "once-key must not be empty");
		yaml_path_leave(&c->path, mark);
	} else
		rb->once_key = dup_or_null(once);
	parse_steps(c, root);
}

enum status runbook_parse(const char *file, const char *text, size_t len,
			  const struct model *m, rb_read_fn read, void *arg,
			  struct runbook **out, struct buf *problems)
{
	*out = NULL;
	char *shown = sanitize_dup(file ? file : "runbook", 0);
	struct ctx c = {.file = shown,
			.text = text ? text : "",
			.len = text ? len : 0,
			.problems = problems,
			.m = m,
			.read = read,
			.arg = arg};
	struct yaml_opts opts = {
	    .max_bytes = RB_MAX_BYTES,
	    .max_nodes = RB_MAX_NODES,
	    .flags = YAML_ONE_DOC,
	};
	struct err e;
	json_t *root = yaml_load_ex(shown, c.text, c.len, &opts, &c.pos, &e);
	if (!root) {
		struct buf msg = BUF_INIT;
		sanitize_append(&msg, e.msg, strlen(e.msg), SAN_ASCII);
		buf_printf(problems, "%s\n", buf_str(&msg));
		buf_free(&msg);
		free(shown);
		/* The file is broken whatever the reason (a limit too). */
		return e.code == ST_ERR_NOMEM ? e.code : ST_ERR_PARSE;
	}
	struct runbook *rb = xcalloc(1, sizeof *rb);
	rb->file = xstrdup(file ? file : "");
	rb->timeout_s = 3600;
	rb->approval_timeout_s = 3600;
	c.rb = rb;
	int line, col;
	if (!json_is_object(root)) {
		if (yaml_pos_find(c.pos, "", &line, &col))
			problem(&c, false,
				"a runbook must be a mapping with name, title "
				"and steps, not %s",
				yaml_json_what(root));
		else
			problem_at(&c, shown, 1, 1,
				   "a runbook must be a mapping with name, "
				   "title and steps, not %s",
				   yaml_json_what(root));
	} else {
		parse_root(&c, root, file ? file : "");
	}
	json_decref(root);
	yaml_pos_free(c.pos);
	buf_free(&c.path);
	map_free(&c.reported, NULL);
	map_free(&c.step_names, NULL);
	vec_free(&c.lines, NULL);
	vec_free(&c.tnames, free);
	free(shown);
	if (c.count) {
		runbook_free(rb);
		return ST_ERR_PARSE;
	}
	*out = rb;
	return ST_OK;
}

void runbook_free(struct runbook *rb)
{
	if (!rb)
		return;
	free(rb->name);
	free(rb->title);
	free(rb->description);
	free(rb->file);
	vec_free(&rb->environments, free);
	vec_free(&rb->services, free);
	vec_free(&rb->tenants, free);
	vec_free(&rb->vars, free_var);
	vec_free(&rb->steps, free_step);
	free(rb->once_key);
	free(rb);
}

const struct rb_var *runbook_var(const struct runbook *rb, const char *name)
{
	for (size_t i = 0; i < rb->vars.len; i++) {
		const struct rb_var *v = rb->vars.items[i];
		if (!strcmp(v->name, name))
			return v;
	}
	return NULL;
}

/* An empty list matches everything. */
static bool any_glob(const struct vec *globs, const char *a, const char *b)
{
	if (!globs->len)
		return true;
	for (size_t i = 0; i < globs->len; i++)
		if (str_glob(globs->items[i], a) ||
		    (b && str_glob(globs->items[i], b)))
			return true;
	return false;
}

bool runbook_applies_env(const struct runbook *rb, const struct model_env *e)
{
	return any_glob(&rb->environments, e->name, e->short_);
}

bool runbook_applies_cell(const struct runbook *rb, const struct model_cell *c)
{
	/* An untenanted cell's tenant is "": a tenants list applies to it
	 * only through a pattern that matches nothing, like "*". */
	return rb->scope == RB_SCOPE_CELL && runbook_applies_env(rb, c->env) &&
	       any_glob(&rb->services, c->service->name, NULL) &&
	       any_glob(&rb->tenants, c->tenant ? c->tenant->name : "", NULL);
}

enum approval runbook_gate(const struct runbook *rb, const struct model_env *e)
{
	enum approval g = e->approval;
	if (rb->has_approval && rb->approval > g)
		g = rb->approval;
	return g;
}
