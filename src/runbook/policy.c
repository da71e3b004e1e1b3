/*
 * policy.yaml: who may run which runbooks where (policy.h).
 *
 * Loading follows the runbook loader: the YAML tree is walked once with
 * the node path at hand and every problem becomes a "file:line:col:
 * message" line. Environment names that are not patterns are checked
 * against the model and stored by their full name (a rule may say "prod"),
 * so that policy_allows can compare with the environment's name alone.
 *
 * The decision: the rules that name the identity (its user name or one of
 * its groups) are the ones that count; one of them must match both the
 * environment and the runbook. An identity no rule names gets the
 * default. A refusal says which rules named the identity and what they
 * would have allowed, so the operator knows whom to ask.
 */
#include "runbook/policy.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/map.h"
#include "base/mem.h"
#include "base/sanitize.h"
#include "base/str.h"
#include "base/yaml.h"

#define POLICY_MAX_BYTES ((size_t)1 << 20)
#define POLICY_MAX_NODES ((size_t)100000)

struct ctx {
	struct yaml_pos *pos;
	struct buf *problems;
	struct buf path;
	size_t count;
	const struct model *m;
};

static void problem(struct ctx *c, bool at_key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void problem(struct ctx *c, bool at_key, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	yaml_pos_vbprintf(c->problems, c->pos, buf_str(&c->path), at_key, fmt,
			  ap);
	va_end(ap);
	buf_putc(c->problems, '\n');
	c->count++;
}

/* One line of text without control characters. */
static bool plain_text(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	for (; *p; p++)
		if (*p < 0x20 || *p == 0x7f ||
		    (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
			return false;
	return true;
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
			s ? " (did you mean '" : "", s ? s : "",
			s ? "'?)" : "");
		yaml_path_leave(&c->path, mark);
	}
}

static bool has_glob(const char *s)
{
	return strpbrk(s, "*?") != NULL;
}

static void free_rule(void *p)
{
	struct policy_rule *r = p;
	if (!r)
		return;
	free(r->name);
	vec_free(&r->users, free);
	vec_free(&r->groups, free);
	vec_free(&r->environments, free);
	vec_free(&r->runbooks, free);
	free(r);
}

enum list_kind { L_NAMES, L_ENVS, L_RUNBOOKS };

/* A list of strings under key; absent: dflt_all adds "*". */
static void parse_list(struct ctx *c, json_t *rule, const char *key,
		       enum list_kind kind, struct vec *out)
{
	json_t *list = json_object_get(rule, key);
	if (!list) {
		if (kind != L_NAMES)
			vec_push(out, xstrdup("*"));
		return;
	}
	size_t mark = yaml_path_enter_key(&c->path, key), i;
	json_t *v;
	char k[64];
	if (!json_is_array(list)) {
		problem(c, false, "%s must be a list, not %s", key,
			yaml_json_what(list));
		yaml_path_leave(&c->path, mark);
		return;
	}
	if (!json_array_size(list)) {
		if (kind == L_NAMES)
			problem(c, false,
				"%s lists nobody (leave it out instead)", key);
		else
			problem(c, false,
				"%s lists nothing, so the rule allows nothing "
				"(leave it out for all)",
				key);
	}
	json_array_foreach(list, i, v)
	{
		size_t m2 = yaml_path_enter_index(&c->path, i);
		const char *s = json_string_value(v);
		if (!s) {
			problem(c, false, "%s entries must be strings, not %s",
				key, yaml_json_what(v));
		} else if (!*s || !plain_text(s) || strlen(s) > 253) {
			problem(c, false,
				"'%s' is not a valid entry (one line of text, "
				"at most 253 characters)",
				sanitize_clip(k, sizeof k, s));
		} else if (kind == L_ENVS && !has_glob(s)) {
			const struct model_env *e =
			    c->m ? model_env(c->m, s) : NULL;
			if (c->m && !e)
				problem(c, false,
					"no environment named '%s' in %s",
					sanitize_clip(k, sizeof k, s), c->m->name);
			else
				vec_push(out, xstrdup(e ? e->name : s));
		} else {
			vec_push(out, xstrdup(s));
		}
		yaml_path_leave(&c->path, m2);
	}
	yaml_path_leave(&c->path, mark);
}

static const char *const rule_keys[] = {
    "name", "users", "groups", "environments", "runbooks", NULL,
};

static void parse_rule(struct ctx *c, json_t *j, size_t index, struct policy *p)
{
	char k[64];
	if (!json_is_object(j)) {
		problem(c, false, "a rule must be a mapping, not %s",
			yaml_json_what(j));
		return;
	}
	check_keys(c, j, "a rule", rule_keys);
	struct policy_rule *r = xcalloc(1, sizeof *r);
	json_t *name = json_object_get(j, "name");
	if (name) {
		size_t mark = yaml_path_enter_key(&c->path, "name");
		const char *s = json_string_value(name);
		if (!s || !*s || !plain_text(s) || strlen(s) > 253)
			problem(c, false,
				"name must be one line of text, not %s",
				s ? sanitize_clip(k, sizeof k, s) : yaml_json_what(name));
		else
			r->name = xstrdup(s);
		yaml_path_leave(&c->path, mark);
	}
	if (!r->name)
		r->name = str_printf("rule %zu", index + 1);
	parse_list(c, j, "users", L_NAMES, &r->users);
	parse_list(c, j, "groups", L_NAMES, &r->groups);
	if (!json_object_get(j, "users") && !json_object_get(j, "groups"))
		problem(c, false,
			"a rule needs users or groups (whom it is about)");
	parse_list(c, j, "environments", L_ENVS, &r->environments);
	parse_list(c, j, "runbooks", L_RUNBOOKS, &r->runbooks);
	vec_push(&p->rules, r);
}

static const char *const root_keys[] = {"default", "rules", NULL};

struct policy *policy_default(void)
{
	struct policy *p = xcalloc(1, sizeof *p);
	p->default_allow = true;
	return p;
}

enum status policy_parse(const char *file, const char *text, size_t len,
			 const struct model *m, struct policy **out,
			 struct buf *problems)
{
	*out = NULL;
	char *shown = sanitize_dup(file ? file : "policy.yaml", 0);
	struct ctx c = {.problems = problems, .m = m};
	struct yaml_opts opts = {
	    .max_bytes = POLICY_MAX_BYTES,
	    .max_nodes = POLICY_MAX_NODES,
	    .flags = YAML_ONE_DOC,
	};
	struct err e;
	json_t *root = yaml_load_ex(shown, text ? text : "", text ? len : 0,
				    &opts, &c.pos, &e);
	if (!root) {
		sanitize_append(problems, e.msg, strlen(e.msg), SAN_ASCII);
		buf_putc(problems, '\n');
		free(shown);
		return e.code == ST_ERR_NOMEM ? e.code : ST_ERR_PARSE;
	}
	struct policy *p = policy_default();
	p->file = xstrdup(shown);
	if (json_is_null(root)) {
		/* An empty file: nothing restricted. */
	} else if (!json_is_object(root)) {
		problem(
		    &c, false,
		    "a policy must be a mapping with default and rules, not "
		    "%s",
		    yaml_json_what(root));
	} else {
		check_keys(&c, root, "the policy", root_keys);
		json_t *d = json_object_get(root, "default");
		if (d) {
			const char *s = json_string_value(d);
			char k[64];
			size_t mark = yaml_path_enter_key(&c.path, "default");
			if (str_eq(s, "deny"))
				p->default_allow = false;
			else if (!str_eq(s, "allow"))
				problem(&c, false,
					"default must be allow or deny, not %s",
					s ? sanitize_clip(k, sizeof k, s)
					  : yaml_json_what(d));
			yaml_path_leave(&c.path, mark);
		}
		json_t *rules = json_object_get(root, "rules");
		if (rules && !json_is_null(rules)) {
			size_t mark = yaml_path_enter_key(&c.path, "rules"), i;
			json_t *r;
			if (!json_is_array(rules))
				problem(&c, false,
					"rules must be a list, not %s",
					yaml_json_what(rules));
			json_array_foreach(rules, i, r)
			{
				size_t m2 = yaml_path_enter_index(&c.path, i);
				parse_rule(&c, r, i, p);
				yaml_path_leave(&c.path, m2);
			}
			yaml_path_leave(&c.path, mark);
		}
	}
	json_decref(root);
	yaml_pos_free(c.pos);
	buf_free(&c.path);
	free(shown);
	if (c.count) {
		policy_free(p);
		return ST_ERR_PARSE;
	}
	*out = p;
	return ST_OK;
}

void policy_free(struct policy *p)
{
	if (!p)
		return;
	vec_free(&p->rules, free_rule);
	free(p->file);
	free(p);
}

static bool any_glob(const struct vec *globs, const char *s)
{
	for (size_t i = 0; i < globs->len; i++)
		if (str_glob(globs->items[i], s))
			return true;
	return false;
}

static bool in(const struct vec *names, const char *s)
{
	for (size_t i = 0; i < names->len; i++)
		if (!strcmp(names->items[i], s))
			return true;
	return false;
}

/* Append s (from the cluster or the repo) made safe. */
static void put_safe(struct buf *b, const char *s)
{
	sanitize_append(b, s, strnlen(s, 200), 0);
}

bool policy_allows(const struct policy *p, const struct kube_identity *id,
		   const char *runbook, const char *env, struct buf *why)
{
	const char *user = id && id->username ? id->username : "";
	struct vec naming = VEC_INIT; /* rules that name the identity */
	struct vec groups = VEC_INIT; /* the identity's groups they name */
	for (size_t i = 0; i < p->rules.len; i++) {
		const struct policy_rule *r = p->rules.items[i];
		bool named = *user && in(&r->users, user);
		for (size_t g = 0; id && g < id->ngroups; g++) {
			const char *grp = id->groups[g];
			if (!grp || !in(&r->groups, grp))
				continue;
			named = true;
			bool listed = false;
			for (size_t k = 0; k < groups.len && !listed; k++)
				listed = !strcmp(groups.items[k], grp);
			if (!listed)
				vec_push(&groups, (void *)grp);
		}
		if (!named)
			continue;
		if (any_glob(&r->environments, env) &&
		    any_glob(&r->runbooks, runbook)) {
			vec_free(&naming, NULL);
			vec_free(&groups, NULL);
			return true;
		}
		vec_push(&naming, (void *)r);
	}
	const char *file = p->file ? p->file : "policy.yaml";
	bool allowed = !naming.len && p->default_allow;
	if (!allowed && why) {
		buf_printf(why, "%s: ", file);
		if (!naming.len) {
			buf_puts(why, "default: deny, and no rule names ");
			put_safe(why, *user ? user : "(unknown user)");
		} else {
			put_safe(why, *user ? user : "(unknown user)");
			/* in the identity's order */
			size_t shown = 0;
			for (size_t g = 0; id && g < id->ngroups; g++) {
				bool named = false;
				for (size_t k = 0; k < groups.len && !named;
				     k++)
					named =
					    groups.items[k] == id->groups[g];
				if (!named)
					continue;
				buf_puts(why, shown++ ? ", " : " (groups ");
				put_safe(why, id->groups[g]);
			}
			if (groups.len)
				buf_putc(why, ')');
			/* What the rules naming the identity allow for this
			 * runbook, if anything. */
			struct vec envs = VEC_INIT, rules = VEC_INIT;
			for (size_t i = 0; i < naming.len; i++) {
				const struct policy_rule *r = naming.items[i];
				if (!any_glob(&r->runbooks, runbook))
					continue;
				vec_push(&rules, (void *)r);
				for (size_t k = 0; k < r->environments.len; k++)
					if (!in(&envs,
						r->environments.items[k]))
						vec_push(
						    &envs,
						    r->environments.items[k]);
			}
			const struct vec *cite = rules.len ? &rules : &naming;
			buf_puts(why, " may ");
			if (rules.len) {
				buf_puts(why, "run ");
				put_safe(why, runbook);
				buf_puts(why, " only in ");
				for (size_t k = 0; k < envs.len; k++) {
					buf_puts(why, k ? ", " : "");
					put_safe(why, envs.items[k]);
				}
			} else {
				buf_puts(why, "not run ");
				put_safe(why, runbook);
			}
			buf_printf(why, " (rule%s ", cite->len > 1 ? "s" : "");
			for (size_t i = 0; i < cite->len; i++) {
				const struct policy_rule *r = cite->items[i];
				buf_puts(why, i ? ", \"" : "\"");
				put_safe(why, r->name);
				buf_putc(why, '"');
			}
			buf_putc(why, ')');
			vec_free(&envs, NULL);
			vec_free(&rules, NULL);
		}
	}
	vec_free(&naming, NULL);
	vec_free(&groups, NULL);
	return allowed;
}
