/*
 * opsdeck.yaml: loading, validation and expansion into cells.
 *
 * The YAML loader (base/yaml.h) gives a JSON tree and node positions. One
 * pass walks the tree with the current node path in ctx.path, building the
 * environments, tenants and services and collecting every problem as a
 * "file:line:col: message" line rather than stopping at the first. Then
 * every service is expanded into its cells and every template rendered
 * for every cell, so a template that names something a cell does not have
 * is caught here, at load time, and reported at the template. Only a
 * model without problems leaves this file.
 */
#include "model/model.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/sanitize.h"
#include "base/str.h"
#include "base/yaml.h"
#include "model/template.h"

#define MODEL_MAX_BYTES ((size_t)4 << 20)
#define MODEL_MAX_NODES ((size_t)200000)
#define MODEL_MAX_CELLS ((size_t)200000)

static const char *const approval_names[] = {
#define APPROVAL_NAME(e, name) name,
	APPROVAL_LIST(APPROVAL_NAME)
#undef APPROVAL_NAME
	NULL,
};

const char *approval_name(enum approval a)
{
	return approval_names[a];
}

struct ctx {
	const char *name;
	struct yaml_pos *pos;
	struct buf *problems;
	struct buf path;
	struct map reported; /* messages already reported (templates) */
	struct map names;    /* "env:NAME", "tenant:NAME"... defined so far */
	size_t count;
	struct model *m;
};

static void problem(struct ctx *c, bool at_key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void problem(struct ctx *c, bool at_key, const char *fmt, ...)
{
	struct buf line = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	yaml_pos_vbprintf(&line, c->pos, buf_str(&c->path), at_key, fmt, ap);
	va_end(ap);
	/* The same problem found again for another cell is said once. */
	if (!map_has(&c->reported, buf_str(&line))) {
		map_put(&c->reported, buf_str(&line), NULL);
		buf_puts(c->problems, buf_str(&line));
		buf_putc(c->problems, '\n');
		c->count++;
	}
	buf_free(&line);
}

/* Whether what:name was defined before (then it is a duplicate); remembers
 * it. Names are remembered even when the rest of their entry is wrong, so
 * that a duplicate is found whatever else is wrong with the first one. */
static bool seen_before(struct ctx *c, const char *what, const char *name)
{
	char *k = str_printf("%s:%s", what, name);
	bool seen = map_has(&c->names, k);
	if (!seen)
		map_put(&c->names, k, NULL);
	free(k);
	return seen;
}

static void check_keys(struct ctx *c, json_t *obj, const char *what,
		       const char *const *allowed)
{
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v)
	{
		bool ok = false;
		for (const char *const *a = allowed; *a && !ok; a++)
			ok = !strcmp(key, *a);
		if (ok)
			continue;
		size_t mark = yaml_path_enter_key(&c->path, key);
		const char *s = str_closest(key, allowed);
		char k[64];
		problem(c, true, "unknown key '%s' in %s%s%s%s",
			sanitize_clip(k, sizeof k, key), what,
			s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
		yaml_path_leave(&c->path, mark);
	}
}

/* obj[key] when present; reports a missing required key at obj. */
static json_t *field(struct ctx *c, json_t *obj, const char *key,
		     bool required, const char *what)
{
	json_t *v = json_object_get(obj, key);
	if (!v && required)
		problem(c, false, "%s needs '%s'", what, key);
	return v;
}

static bool want(struct ctx *c, json_t *obj, const char *key, json_t *v,
		 json_type t, const char *what)
{
	if (json_typeof(v) == t ||
	    (t == JSON_TRUE && json_typeof(v) == JSON_FALSE))
		return true;
	size_t mark = yaml_path_enter_key(&c->path, key);
	problem(c, false, "%s must be %s, not %s", what,
		t == JSON_STRING	? "a string"
		: t == JSON_OBJECT	? "a mapping"
		: t == JSON_ARRAY	? "a list"
		: t == JSON_TRUE	? "true or false"
					: "a number",
		yaml_json_what(v));
	yaml_path_leave(&c->path, mark);
	(void)obj;
	return false;
}

/* A string field; NULL when absent or wrong (reported). */
static const char *get_str(struct ctx *c, json_t *obj, const char *key,
			   bool required, const char *what)
{
	json_t *v = field(c, obj, key, required, what);
	if (!v)
		return NULL;
	char label[96];
	snprintf(label, sizeof label, "%s", key);
	if (!want(c, obj, key, v, JSON_STRING, label))
		return NULL;
	if (required && !*json_string_value(v)) {
		size_t mark = yaml_path_enter_key(&c->path, key);
		problem(c, false, "%s must not be empty", key);
		yaml_path_leave(&c->path, mark);
		return NULL;
	}
	return json_string_value(v);
}

static bool get_bool(struct ctx *c, json_t *obj, const char *key, bool dflt)
{
	json_t *v = json_object_get(obj, key);
	if (!v || !want(c, obj, key, v, JSON_TRUE, key))
		return dflt;
	return json_is_true(v);
}

/* Lowercase letters, digits and '-', starting with a letter, ending with
 * a letter or digit, at most 63 (a DNS label, as Kubernetes names). */
static bool valid_name(const char *s)
{
	size_t n = strlen(s);
	if (!n || n > 63 || !islower((unsigned char)s[0]) || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!islower((unsigned char)s[i]) &&
		    !isdigit((unsigned char)s[i]) && s[i] != '-')
			return false;
	return true;
}

static const char *get_name(struct ctx *c, json_t *obj, const char *what)
{
	const char *s = get_str(c, obj, "name", true, what);
	if (s && !valid_name(s)) {
		char k[64];
		size_t mark = yaml_path_enter_key(&c->path, "name");
		problem(c, false,
			"'%s' is not a valid name: lowercase letters, digits "
			"and '-', starting with a letter, at most 63",
			sanitize_clip(k, sizeof k, s));
		yaml_path_leave(&c->path, mark);
		return NULL;
	}
	return s;
}

static void free_vars(struct vec *v)
{
	for (size_t i = 0; i < v->len; i++) {
		struct model_var *var = v->items[i];
		free(var->name);
		free(var->value);
		free(var);
	}
	vec_free(v, NULL);
}

static void parse_vars(struct ctx *c, json_t *obj, struct vec *out)
{
	json_t *vars = json_object_get(obj, "variables");
	if (!vars || !want(c, obj, "variables", vars, JSON_OBJECT, "variables"))
		return;
	size_t mark = yaml_path_enter_key(&c->path, "variables");
	const char *key;
	json_t *v;
	json_object_foreach(vars, key, v)
	{
		size_t m2 = yaml_path_enter_key(&c->path, key);
		char text[64];
		const char *val = NULL;
		if (json_is_string(v))
			val = json_string_value(v);
		else if (json_is_integer(v)) {
			snprintf(text, sizeof text, "%" JSON_INTEGER_FORMAT,
				 json_integer_value(v));
			val = text;
		} else if (json_is_boolean(v))
			val = json_is_true(v) ? "true" : "false";
		bool name_ok = *key && strlen(key) <= 63;
		for (const char *p = key; *p && name_ok; p++)
			name_ok = isalnum((unsigned char)*p) || *p == '_' ||
				  *p == '-';
		if (!name_ok)
			problem(c, true,
				"variable names are letters, digits, '_' and "
				"'-' (at most 63)");
		else if (!val)
			problem(c, false,
				"variable %s must be a string, not %s (quote "
				"it)",
				key, yaml_json_what(v));
		else {
			struct model_var *var = xcalloc(1, sizeof *var);
			var->name = xstrdup(key);
			var->value = xstrdup(val);
			vec_push(out, var);
		}
		yaml_path_leave(&c->path, m2);
	}
	yaml_path_leave(&c->path, mark);
}

/* ---- environments and tenants ---- */

/* The environments protected unless they say otherwise. */
static bool is_production(const char *name)
{
	return name && (!strcmp(name, "production") || !strcmp(name, "prod"));
}

static const char *const env_keys[] = {
	"name", "short", "cluster", "approval", "protected", "variables", NULL,
};

static void parse_env(struct ctx *c, json_t *j, size_t index)
{
	if (!json_is_object(j)) {
		problem(c, false, "an environment must be a mapping, not %s",
			yaml_json_what(j));
		return;
	}
	check_keys(c, j, "an environment", env_keys);
	const char *name = get_name(c, j, "an environment");
	const char *cluster = get_str(c, j, "cluster", true, "an environment");
	const char *short_ = get_str(c, j, "short", false, "an environment");
	if (short_ && !valid_name(short_)) {
		size_t mark = yaml_path_enter_key(&c->path, "short");
		problem(c, false,
			"short: lowercase letters, digits and '-', starting "
			"with a letter");
		yaml_path_leave(&c->path, mark);
		short_ = NULL;
	}
	enum approval approval = APPROVAL_NONE;
	const char *a = get_str(c, j, "approval", false, "an environment");
	if (a) {
		size_t i = 0;
		while (approval_names[i] && strcmp(approval_names[i], a))
			i++;
		if (approval_names[i])
			approval = (enum approval)i;
		else {
			char k[64];
			size_t mark = yaml_path_enter_key(&c->path, "approval");
			problem(c, false,
				"approval '%s': use none, confirm or "
				"second-person",
				sanitize_clip(k, sizeof k, a));
			yaml_path_leave(&c->path, mark);
		}
	}
	bool protected_ = get_bool(c, j, "protected",
				   is_production(name) || is_production(short_));
	struct vec vars = VEC_INIT;
	parse_vars(c, j, &vars);
	/* Names and short names share one space: model_env() finds either. */
	const char *twice = name && seen_before(c, "env", name) ? name : NULL;
	if (short_ && (!name || strcmp(short_, name)) &&
	    seen_before(c, "env", short_) && !twice)
		twice = short_;
	if (twice)
		problem(c, false,
			"environment '%s' is defined twice (name or short name)",
			twice);
	if (!name || !cluster || twice) {
		free_vars(&vars);
		return;
	}
	struct model_env *e = xcalloc(1, sizeof *e);
	e->index = index;
	e->name = xstrdup(name);
	e->short_ = xstrdup(short_ ? short_ : name);
	e->cluster = xstrdup(cluster);
	e->approval = approval;
	e->protected_ = protected_;
	e->vars = vars;
	vec_push(&c->m->envs, e);
}

static void free_tenant(void *p);

static const char *const tenant_keys[] = {
	"name", "title", "tags", "variables", NULL,
};

static void parse_tenant(struct ctx *c, json_t *j, size_t index)
{
	if (!json_is_object(j)) {
		problem(c, false, "a tenant must be a mapping, not %s",
			yaml_json_what(j));
		return;
	}
	check_keys(c, j, "a tenant", tenant_keys);
	const char *name = get_name(c, j, "a tenant");
	const char *title = get_str(c, j, "title", false, "a tenant");
	json_t *tags = json_object_get(j, "tags");
	if (tags && !want(c, j, "tags", tags, JSON_ARRAY, "tags"))
		tags = NULL;
	struct model_tenant *t = xcalloc(1, sizeof *t);
	t->index = index;
	size_t i;
	json_t *tag;
	json_array_foreach(tags, i, tag)
	{
		if (json_is_string(tag))
			vec_push(&t->tags, xstrdup(json_string_value(tag)));
		else {
			size_t mark = yaml_path_enter_key(&c->path, "tags");
			size_t m2 = yaml_path_enter_index(&c->path, i);
			problem(c, false, "a tag must be a string, not %s",
				yaml_json_what(tag));
			yaml_path_leave(&c->path, m2);
			yaml_path_leave(&c->path, mark);
		}
	}
	parse_vars(c, j, &t->vars);
	bool twice = name && seen_before(c, "tenant", name);
	if (twice)
		problem(c, false, "tenant '%s' is defined twice", name);
	if (!name || twice) {
		free_tenant(t);
		return;
	}
	t->name = xstrdup(name);
	t->title = xstrdup(title && *title ? title : name);
	vec_push(&c->m->tenants, t);
}

/* ---- templates ---- */

/* The names a template may use, as a message fragment. */
static const char vocabulary[] =
	"env.name, env.short, env.cluster, service.name, service.team, "
	"tenant.name, tenant.title, vars.NAME";

struct names_check {
	struct ctx *c;
	bool tenanted;
};

static enum status check_name(void *arg, const char *name, size_t offset)
{
	struct names_check *n = arg;
	static const char *const known[] = {
		"env.name",	"env.short",   "env.cluster",  "service.name",
		"service.team", "tenant.name", "tenant.title", NULL,
	};
	(void)offset;
	bool ok = str_has_prefix(name, "vars.") && name[5];
	for (const char *const *k = known; *k && !ok; k++)
		ok = !strcmp(name, *k);
	char k[64];
	if (!ok)
		problem(n->c, false, "unknown name '%s' in template (%s)",
			sanitize_clip(k, sizeof k, name), vocabulary);
	else if (!n->tenanted && str_has_prefix(name, "tenant."))
		problem(n->c, false,
			"'%s' in a service that is not tenanted",
			sanitize_clip(k, sizeof k, name));
	return ST_OK;
}

/* Check a template's syntax and names at the current path. */
static bool check_template(struct ctx *c, const char *src, bool tenanted)
{
	struct names_check n = {c, tenanted};
	struct err e;
	size_t before = c->count, offset = 0;
	if (tmpl_names(src, check_name, &n, &offset, &e) != ST_OK)
		problem(c, false, "template: %s (at character %zu)", e.msg,
			offset + 1);
	return c->count == before;
}

struct scope {
	const struct model_env *env;
	const struct model_tenant *tenant;
	const struct model_service *service;
};

static const char *var_of(const struct vec *vars, const char *name)
{
	for (size_t i = 0; i < vars->len; i++) {
		const struct model_var *v = vars->items[i];
		if (!strcmp(v->name, name))
			return v->value;
	}
	return NULL;
}

static const char *lookup(void *arg, const char *name)
{
	const struct scope *s = arg;
	if (!strcmp(name, "env.name"))
		return s->env->name;
	if (!strcmp(name, "env.short"))
		return s->env->short_;
	if (!strcmp(name, "env.cluster"))
		return s->env->cluster;
	if (!strcmp(name, "service.name"))
		return s->service->name;
	if (!strcmp(name, "service.team"))
		return s->service->team;
	if (s->tenant && !strcmp(name, "tenant.name"))
		return s->tenant->name;
	if (s->tenant && !strcmp(name, "tenant.title"))
		return s->tenant->title;
	if (str_has_prefix(name, "vars.")) {
		const char *v = s->tenant ? var_of(&s->tenant->vars, name + 5)
					  : NULL;
		return v ? v : var_of(&s->env->vars, name + 5);
	}
	return NULL;
}

/* A problem about the node at where (a path), not the current one. */
static void at_problem(struct ctx *c, const char *where, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void at_problem(struct ctx *c, const char *where, const char *fmt, ...)
{
	struct buf saved = c->path, msg = BUF_INIT;
	buf_init(&c->path);
	buf_puts(&c->path, where);
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	problem(c, false, "%s", buf_str(&msg));
	buf_free(&msg);
	buf_free(&c->path);
	c->path = saved;
}

/* A problem of one cell about the node at where. The same message at the
 * same node in other cells is said once, for the first: a variable that no
 * tenant has is one mistake, not one per tenant and environment. */
static void cell_problem(struct ctx *c, const char *where, const char *cell,
			 const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void cell_problem(struct ctx *c, const char *where, const char *cell,
			 const char *fmt, ...)
{
	struct buf msg = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	char *k = str_printf("%s\n%s", where, buf_str(&msg));
	if (!map_has(&c->reported, k)) {
		map_put(&c->reported, k, NULL);
		at_problem(c, where, "%s: %s", cell, buf_str(&msg));
	}
	free(k);
	buf_free(&msg);
}

/* Render a template for a cell; NULL on failure (reported at where). */
static char *render(struct ctx *c, const char *where, const char *src,
		    const struct scope *s, const char *cell)
{
	struct buf out = BUF_INIT;
	struct err e;
	if (tmpl_render(src, lookup, (void *)s, 0, &out, NULL, &e) == ST_OK)
		return buf_detach(&out);
	cell_problem(c, where, cell, "%s", e.msg);
	buf_free(&out);
	return NULL;
}

/* ---- services ---- */

static const char *const service_keys[] = {
	"name",	    "team",	 "tenanted",  "tenants", "environments",
	"workload", "namespace", "container", "version", NULL,
};
static const char *const locator_keys[] = {
	"file", "path", "document", "image", NULL,
};

static void free_locator(void *p)
{
	struct model_locator *l = p;
	free(l->file);
	locator_free(l->path);
	free(l->doc_kind);
	free(l->doc_name);
	free(l->where);
	free(l);
}

static bool valid_repo_path(const char *p)
{
	if (!*p || *p == '/' || strlen(p) > 1024)
		return false;
	if (strchr(p, '\\'))
		return false;
	/* Paths are shown in messages as they are: nothing a terminal would
	 * take as a control (C0, DEL, C1). */
	char *copy = sanitize_dup(p, 0);
	bool ok = !strcmp(copy, p);
	free(copy);
	copy = xstrdup(p);
	char *save = NULL;
	for (char *seg = strtok_r(copy, "/", &save); seg && ok;
	     seg = strtok_r(NULL, "/", &save))
		ok = strcmp(seg, "..") && strcmp(seg, ".");
	ok = ok && !strstr(p, "//") && p[strlen(p) - 1] != '/';
	free(copy);
	return ok;
}

static void parse_locator(struct ctx *c, json_t *j, struct model_service *s)
{
	if (!json_is_object(j)) {
		problem(c, false,
			"a version locator must be a mapping with file and "
			"path, not %s",
			yaml_json_what(j));
		return;
	}
	check_keys(c, j, "a version locator", locator_keys);
	const char *file = get_str(c, j, "file", true, "a version locator");
	const char *path = get_str(c, j, "path", true, "a version locator");
	if (file) {
		size_t mark = yaml_path_enter_key(&c->path, "file");
		if (check_template(c, file, s->tenanted) &&
		    tmpl_is_literal(file) && !valid_repo_path(file))
			problem(c, false,
				"file must be a path inside the repo (no "
				"leading '/', no '..')");
		yaml_path_leave(&c->path, mark);
	}
	struct locator *loc = NULL;
	if (path) {
		struct err e;
		size_t offset = 0;
		if (locator_parse(path, &loc, &offset, &e) != ST_OK) {
			size_t mark = yaml_path_enter_key(&c->path, "path");
			problem(c, false, "path: %s (at character %zu)", e.msg,
				offset + 1);
			yaml_path_leave(&c->path, mark);
		}
	}
	struct model_locator *l = xcalloc(1, sizeof *l);
	l->doc_index = -1;
	json_t *doc = json_object_get(j, "document");
	if (json_is_integer(doc) && json_integer_value(doc) >= 0 &&
	    json_integer_value(doc) < 100000)
		l->doc_index = (long)json_integer_value(doc);
	else if (json_is_object(doc)) {
		size_t mark = yaml_path_enter_key(&c->path, "document");
		static const char *const doc_keys[] = {"kind", "name", NULL};
		check_keys(c, doc, "document", doc_keys);
		const char *kind = get_str(c, doc, "kind", false, "document");
		const char *name = get_str(c, doc, "name", false, "document");
		if (!json_object_get(doc, "kind") &&
		    !json_object_get(doc, "name"))
			problem(c, false, "document needs kind or name");
		l->doc_kind = kind && *kind ? xstrdup(kind) : NULL;
		l->doc_name = name && *name ? xstrdup(name) : NULL;
		yaml_path_leave(&c->path, mark);
	} else if (doc) {
		size_t mark = yaml_path_enter_key(&c->path, "document");
		problem(c, false,
			"document must be {kind, name} or an index from 0, "
			"not %s",
			yaml_json_what(doc));
		yaml_path_leave(&c->path, mark);
	}
	l->image = get_bool(c, j, "image", false);
	l->file = file ? xstrdup(file) : NULL;
	l->path = loc;
	l->where = xstrdup(buf_str(&c->path));
	if (!file || !loc) {
		free_locator(l);
		return;
	}
	vec_push(&s->locators, l);
}

/* A list of names that must each be one of what exists. */
static bool parse_subset(struct ctx *c, json_t *obj, const char *key,
			 bool (*exists)(const struct model *, const char *),
			 const char *what, struct vec *out)
{
	json_t *list = json_object_get(obj, key);
	if (!list)
		return true;
	if (!want(c, obj, key, list, JSON_ARRAY, key))
		return false;
	size_t mark = yaml_path_enter_key(&c->path, key), i;
	json_t *v;
	bool ok = true;
	/* An empty list would mean "all" (in_subset); say it instead. */
	if (!json_array_size(list)) {
		problem(c, false, "%s lists no %s (leave it out for all)", key,
			what);
		ok = false;
	}
	json_array_foreach(list, i, v)
	{
		size_t m2 = yaml_path_enter_index(&c->path, i);
		char k[64];
		if (!json_is_string(v)) {
			problem(c, false, "%s names must be strings", what);
			ok = false;
		} else if (!exists(c->m, json_string_value(v))) {
			problem(c, false, "no %s named '%s'", what,
				sanitize_clip(k, sizeof k, json_string_value(v)));
			ok = false;
		} else
			vec_push(out, (void *)json_string_value(v));
		yaml_path_leave(&c->path, m2);
	}
	yaml_path_leave(&c->path, mark);
	return ok;
}

static bool env_exists(const struct model *m, const char *n)
{
	return model_env(m, n) != NULL;
}

static bool tenant_exists(const struct model *m, const char *n)
{
	return model_tenant(m, n) != NULL;
}

static bool in_subset(const struct vec *subset, const char *name)
{
	if (!subset->len)
		return true;
	for (size_t i = 0; i < subset->len; i++)
		if (!strcmp(subset->items[i], name))
			return true;
	return false;
}

static void free_cell(void *p)
{
	struct model_cell *cell = p;
	free(cell->key);
	free(cell->workload);
	free(cell->namespace_);
	free(cell->container);
	if (cell->files)
		for (size_t i = 0; i < cell->service->locators.len; i++)
			free(cell->files[i]);
	free(cell->files);
	model_desired_clear(&cell->desired);
	free(cell);
}

/* Expand a service into cells, rendering every template. */
static void expand(struct ctx *c, struct model_service *s, const char *where,
		   const struct vec *env_subset, const struct vec *tenant_subset)
{
	struct model *m = c->m;
	struct buf w = BUF_INIT, ns = BUF_INIT, ct = BUF_INIT;
	buf_printf(&w, "%s", where);
	yaml_path_key(&w, "workload");
	buf_printf(&ns, "%s", where);
	yaml_path_key(&ns, "namespace");
	buf_printf(&ct, "%s", where);
	yaml_path_key(&ct, "container");
	size_t ntenants = s->tenanted ? m->tenants.len : 1;
	char k[64];
	for (size_t ei = 0; ei < m->envs.len; ei++) {
		struct model_env *env = m->envs.items[ei];
		if (!in_subset(env_subset, env->name) &&
		    !in_subset(env_subset, env->short_))
			continue;
		for (size_t ti = 0; ti < ntenants; ti++) {
			struct model_tenant *t =
				s->tenanted ? m->tenants.items[ti] : NULL;
			if (t && !in_subset(tenant_subset, t->name))
				continue;
			if (m->cells.len >= MODEL_MAX_CELLS) {
				problem(c, false,
					"more than %zu cells; opsdeck stops "
					"here",
					(size_t)MODEL_MAX_CELLS);
				goto out;
			}
			struct model_cell *cell = xcalloc(1, sizeof *cell);
			cell->service = s;
			cell->env = env;
			cell->tenant = t;
			cell->key = t ? str_printf("%s/%s/%s", s->name,
						   env->name, t->name)
				      : str_printf("%s/%s", s->name, env->name);
			struct scope sc = {env, t, s};
			cell->workload = render(c, buf_str(&w), s->workload,
						&sc, cell->key);
			cell->namespace_ = render(c, buf_str(&ns),
						  s->namespace_, &sc, cell->key);
			if (s->container)
				cell->container = render(c, buf_str(&ct),
							 s->container, &sc,
							 cell->key);
			cell->files = xcalloc(s->locators.len + 1,
					      sizeof *cell->files);
			for (size_t li = 0; li < s->locators.len; li++) {
				struct model_locator *l = s->locators.items[li];
				struct buf fw = BUF_INIT;
				buf_printf(&fw, "%s", l->where);
				yaml_path_key(&fw, "file");
				cell->files[li] = render(c, buf_str(&fw),
							 l->file, &sc,
							 cell->key);
				if (cell->files[li] &&
				    !valid_repo_path(cell->files[li]))
					cell_problem(c, buf_str(&fw), cell->key,
						     "file '%s' is not a path "
						     "inside the repo",
						     sanitize_clip(k, sizeof k,
							  cell->files[li]));
				buf_free(&fw);
			}
			vec_push(&m->cells, cell);
			vec_push(&s->cells, cell);
			/* A bad name is said here, not again as a duplicate. */
			if (cell->workload && !kube_valid_name(cell->workload)) {
				cell_problem(c, buf_str(&w), cell->key,
					     "workload name '%s' is not a valid "
					     "Kubernetes name",
					     sanitize_clip(k, sizeof k, cell->workload));
				free(cell->workload);
				cell->workload = NULL;
			}
			if (cell->namespace_ &&
			    !kube_valid_label(cell->namespace_,
					 strlen(cell->namespace_))) {
				cell_problem(c, buf_str(&ns), cell->key,
					     "namespace '%s' is not a valid "
					     "namespace name",
					     sanitize_clip(k, sizeof k, cell->namespace_));
				free(cell->namespace_);
				cell->namespace_ = NULL;
			}
			if (cell->container &&
			    !kube_valid_label(cell->container,
					 strlen(cell->container)))
				cell_problem(c, buf_str(&ct), cell->key,
					     "container '%s' is not a valid "
					     "container name",
					     sanitize_clip(k, sizeof k, cell->container));
		}
	}
out:
	buf_free(&w);
	buf_free(&ns);
	buf_free(&ct);
}

static void free_service(void *p)
{
	struct model_service *s = p;
	free(s->name);
	free(s->team);
	free(s->workload);
	free(s->namespace_);
	free(s->container);
	vec_free(&s->locators, free_locator);
	vec_free(&s->cells, NULL);
	free(s);
}

/* "deployment/NAME" -> kind and the name template. */
static bool split_workload(struct ctx *c, const char *w, enum kube_kind *kind,
			   const char **name)
{
	const char *slash = strchr(w, '/');
	char k[64];
	if (!slash || !slash[1]) {
		problem(c, false,
			"workload must be KIND/NAME, e.g. deployment/%s",
			*w ? sanitize_clip(k, sizeof k, w) : "payments-api");
		return false;
	}
	char *kname = xstrndup(w, (size_t)(slash - w));
	bool ok = kube_kind_parse(kname, kind) &&
		  (*kind == KUBE_DEPLOYMENT || *kind == KUBE_STATEFULSET ||
		   *kind == KUBE_DAEMONSET);
	if (!ok)
		problem(c, false,
			"workload kind '%s': use deployment, statefulset or "
			"daemonset",
			sanitize_clip(k, sizeof k, kname));
	free(kname);
	*name = slash + 1;
	return ok;
}

static void parse_service(struct ctx *c, json_t *j, size_t index)
{
	if (!json_is_object(j)) {
		problem(c, false, "a service must be a mapping, not %s",
			yaml_json_what(j));
		return;
	}
	check_keys(c, j, "a service", service_keys);
	const char *name = get_name(c, j, "a service");
	const char *team = get_str(c, j, "team", false, "a service");
	bool tenanted = get_bool(c, j, "tenanted", false);
	const char *workload = get_str(c, j, "workload", true, "a service");
	const char *ns = get_str(c, j, "namespace", true, "a service");
	const char *container = get_str(c, j, "container", false, "a service");
	struct model_service *s = xcalloc(1, sizeof *s);
	s->index = index;
	s->name = xstrdup(name ? name : "");
	s->team = xstrdup(team ? team : "");
	s->tenanted = tenanted;
	bool ok = name != NULL;
	const char *wname = NULL;
	if (workload) {
		size_t mark = yaml_path_enter_key(&c->path, "workload");
		bool kind_ok = split_workload(c, workload, &s->kind, &wname);
		ok = wname && check_template(c, wname, tenanted) && kind_ok &&
		     ok;
		yaml_path_leave(&c->path, mark);
	} else
		ok = false;
	if (ns) {
		size_t mark = yaml_path_enter_key(&c->path, "namespace");
		ok = check_template(c, ns, tenanted) && ok;
		yaml_path_leave(&c->path, mark);
	} else
		ok = false;
	if (container && *container) {
		size_t mark = yaml_path_enter_key(&c->path, "container");
		ok = check_template(c, container, tenanted) && ok;
		yaml_path_leave(&c->path, mark);
	}
	s->workload = xstrdup(wname ? wname : "");
	s->namespace_ = xstrdup(ns ? ns : "");
	s->container = container && *container ? xstrdup(container) : NULL;

	json_t *version = field(c, j, "version", true, "a service");
	size_t before = c->count;
	if (version) {
		size_t mark = yaml_path_enter_key(&c->path, "version");
		if (json_is_array(version)) {
			size_t i;
			json_t *v;
			if (!json_array_size(version))
				problem(c, false,
					"version needs at least one locator");
			json_array_foreach(version, i, v)
			{
				size_t m2 = yaml_path_enter_index(&c->path, i);
				parse_locator(c, v, s);
				yaml_path_leave(&c->path, m2);
			}
		} else
			parse_locator(c, version, s);
		yaml_path_leave(&c->path, mark);
	}
	ok = ok && version && c->count == before && s->locators.len;

	struct vec envs = VEC_INIT, tenants = VEC_INIT;
	ok = parse_subset(c, j, "environments", env_exists, "environment",
			  &envs) &&
	     ok;
	if (json_object_get(j, "tenants") && !tenanted) {
		size_t mark = yaml_path_enter_key(&c->path, "tenants");
		problem(c, true, "tenants in a service that is not tenanted");
		yaml_path_leave(&c->path, mark);
		ok = false;
	}
	ok = parse_subset(c, j, "tenants", tenant_exists, "tenant", &tenants) &&
	     ok;
	if (tenanted && !c->m->tenants.len) {
		problem(c, false, "a tenanted service, but no tenants defined");
		ok = false;
	}
	if (name && seen_before(c, "service", name)) {
		problem(c, false, "service '%s' is defined twice", name);
		ok = false;
	}
	if (ok) {
		vec_push(&c->m->services, s);
		expand(c, s, buf_str(&c->path), &envs, &tenants);
	} else
		free_service(s);
	vec_free(&envs, NULL);
	vec_free(&tenants, NULL);
}

/* Each list item through fn, with the path following along. */
static void each_item(struct ctx *c, json_t *root, const char *key,
		      bool required,
		      void (*fn)(struct ctx *c, json_t *j, size_t index))
{
	json_t *list = json_object_get(root, key);
	if (!list) {
		if (required)
			problem(c, false, "%s needs '%s'", c->name, key);
		return;
	}
	if (!want(c, root, key, list, JSON_ARRAY, key))
		return;
	size_t mark = yaml_path_enter_key(&c->path, key), i;
	json_t *v;
	if (required && !json_array_size(list))
		problem(c, false, "%s must list at least one", key);
	json_array_foreach(list, i, v)
	{
		size_t m2 = yaml_path_enter_index(&c->path, i);
		fn(c, v, i);
		yaml_path_leave(&c->path, m2);
	}
	yaml_path_leave(&c->path, mark);
}

/* Two cells must never claim the same workload: the join would be
 * ambiguous. */
static void check_unique_workloads(struct ctx *c)
{
	struct map seen = MAP_INIT;
	for (size_t i = 0; i < c->m->cells.len; i++) {
		struct model_cell *cell = c->m->cells.items[i];
		if (!cell->workload || !cell->namespace_)
			continue;
		char *k = str_printf("%s\n%s\n%s\n%s", cell->env->cluster,
				     kube_kind_name(cell->service->kind),
				     cell->namespace_, cell->workload);
		struct model_cell *other = map_get(&seen, k);
		if (other) {
			/* At the workload of the second claim. */
			struct buf where = BUF_INIT;
			char cl[64];
			yaml_path_key(&where, "services");
			yaml_path_index(&where, cell->service->index);
			yaml_path_key(&where, "workload");
			at_problem(c, buf_str(&where),
				   "%s and %s are the same workload (%s %s/%s "
				   "on %s)",
				   other->key, cell->key,
				   kube_kind_name(cell->service->kind),
				   cell->namespace_, cell->workload,
				   sanitize_clip(cl, sizeof cl, cell->env->cluster));
			buf_free(&where);
		} else
			map_put(&seen, k, cell);
		free(k);
	}
	map_free(&seen, NULL);
}

static const char *const root_keys[] = {
	"environments", "tenants", "services", "runbooks", "policy", NULL,
};

enum status model_parse(const char *name, const char *text, size_t len,
			struct model **out, struct buf *problems)
{
	*out = NULL;
	struct ctx c = {.name = name, .problems = problems};
	struct yaml_opts opts = {
		.max_bytes = MODEL_MAX_BYTES,
		.max_nodes = MODEL_MAX_NODES,
		.flags = YAML_ONE_DOC,
	};
	struct err e;
	json_t *root = yaml_load_ex(name, text, len, &opts, &c.pos, &e);
	if (!root) {
		buf_printf(problems, "%s\n", e.msg);
		return e.code;
	}
	struct model *m = xcalloc(1, sizeof *m);
	m->name = xstrdup(name);
	c.m = m;
	int line, col;
	if (!json_is_object(root) && !yaml_pos_find(c.pos, "", &line, &col)) {
		/* An empty file has no node to point at: its start. */
		buf_printf(problems,
			   "%s:1:1: %s must be a mapping with environments and "
			   "services, not %s\n",
			   name, name, yaml_json_what(root));
		c.count++;
	} else if (!json_is_object(root)) {
		problem(&c, false,
			"%s must be a mapping with environments and services, "
			"not %s",
			name, yaml_json_what(root));
	} else {
		check_keys(&c, root, name, root_keys);
		each_item(&c, root, "environments", true, parse_env);
		each_item(&c, root, "tenants", false, parse_tenant);
		each_item(&c, root, "services", true, parse_service);
		const char *rb = get_str(&c, root, "runbooks", false, name);
		const char *policy = get_str(&c, root, "policy", false, name);
		struct buf dir = BUF_INIT;
		buf_puts(&dir, rb && *rb ? rb : "runbooks");
		while (dir.len > 1 && dir.data[dir.len - 1] == '/')
			dir.data[--dir.len] = '\0';
		if (!valid_repo_path(buf_str(&dir))) {
			size_t mark = yaml_path_enter_key(&c.path, "runbooks");
			problem(&c, false,
				"runbooks must be a folder inside the repo");
			yaml_path_leave(&c.path, mark);
		}
		buf_putc(&dir, '/');
		m->runbooks = buf_detach(&dir);
		if (policy && !valid_repo_path(policy)) {
			size_t mark = yaml_path_enter_key(&c.path, "policy");
			problem(&c, false,
				"policy must be a file inside the repo");
			yaml_path_leave(&c.path, mark);
		}
		m->policy = policy && *policy ? xstrdup(policy) : NULL;
		check_unique_workloads(&c);
		for (size_t i = 0; i < m->cells.len; i++) {
			struct model_cell *cell = m->cells.items[i];
			map_put(&m->cell_by_key, cell->key, cell);
		}
	}
	json_decref(root);
	yaml_pos_free(c.pos);
	buf_free(&c.path);
	map_free(&c.reported, NULL);
	map_free(&c.names, NULL);
	if (c.count) {
		model_free(m);
		return ST_ERR_PARSE;
	}
	*out = m;
	return ST_OK;
}

static void free_env(void *p)
{
	struct model_env *e = p;
	free(e->name);
	free(e->short_);
	free(e->cluster);
	free_vars(&e->vars);
	free(e);
}

static void free_tenant(void *p)
{
	struct model_tenant *t = p;
	free(t->name);
	free(t->title);
	vec_free(&t->tags, free);
	free_vars(&t->vars);
	free(t);
}

void model_free(struct model *m)
{
	if (!m)
		return;
	vec_free(&m->cells, free_cell);
	vec_free(&m->services, free_service);
	vec_free(&m->envs, free_env);
	vec_free(&m->tenants, free_tenant);
	map_free(&m->cell_by_key, NULL);
	free(m->name);
	free(m->runbooks);
	free(m->policy);
	free(m);
}

struct model_env *model_env(const struct model *m, const char *name)
{
	for (size_t i = 0; i < m->envs.len; i++) {
		struct model_env *e = m->envs.items[i];
		if (!strcmp(e->name, name) || !strcmp(e->short_, name))
			return e;
	}
	return NULL;
}

struct model_tenant *model_tenant(const struct model *m, const char *name)
{
	for (size_t i = 0; i < m->tenants.len; i++) {
		struct model_tenant *t = m->tenants.items[i];
		if (!strcmp(t->name, name))
			return t;
	}
	return NULL;
}

struct model_service *model_service(const struct model *m, const char *name)
{
	for (size_t i = 0; i < m->services.len; i++) {
		struct model_service *s = m->services.items[i];
		if (!strcmp(s->name, name))
			return s;
	}
	return NULL;
}

struct model_cell *model_cell(const struct model *m, const char *key)
{
	return map_get(&m->cell_by_key, key);
}

struct model_cell *model_cell_of(const struct model *m,
				 const struct model_service *s,
				 const struct model_env *env,
				 const struct model_tenant *t)
{
	char *key = t ? str_printf("%s/%s/%s", s->name, env->name, t->name)
		      : str_printf("%s/%s", s->name, env->name);
	struct model_cell *c = model_cell(m, key);
	free(key);
	return c;
}
