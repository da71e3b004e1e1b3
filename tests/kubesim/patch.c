/*
 * PATCH bodies for kubesim: JSON merge patch (RFC 7386), the subset of
 * Kubernetes' strategic merge patch that real clients send (kubectl edit,
 * rollout restart, set image, scale, client-go), and JSON patch (RFC 6902).
 *
 * Every patch works on a deep copy of the stored object, because stored
 * objects are shared with the watch history and never mutated. Bodies come
 * straight from the network, so nothing here trusts them: the body size,
 * its nesting depth, the number of JSON patch operations and the amount a
 * JSON patch may copy are all capped, and every recursion is bounded by the
 * depth of the body or of a document whose depth those caps keep bounded.
 *
 * The strategic merge patch has no OpenAPI schema to learn merge keys from;
 * it recognises the list fields of pods and their templates by name, which
 * is what the objects kubesim serves need.
 */
#include "kubesim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/mem.h"

/* Kubernetes' default limit on a request body. */
#define PATCH_MAX_BODY (3 * 1024 * 1024)
/* Far deeper than any Kubernetes object; keeps recursion cheap. */
#define PATCH_MAX_DEPTH 100
/* Kubernetes' limit (maxJSONPatchOperations). */
#define PATCH_MAX_OPS 10000
/* Values a JSON patch may copy in total, so that repeated copies of the
 * root cannot double the document until memory runs out. */
#define PATCH_MAX_COPY_NODES (1024 * 1024)

#define MT_JSON_PATCH "application/json-patch+json"
#define MT_MERGE_PATCH "application/merge-patch+json"
#define MT_STRATEGIC "application/strategic-merge-patch+json"
#define MT_APPLY "application/apply-patch+yaml"

/* ---- shared helpers ---- */

/*
 * The nesting depth of v (a scalar is 1, a container one more than its
 * deepest member), or limit + 1 as soon as it is known to exceed limit, so
 * the walk never goes deeper than limit + 1 however deep v is.
 */
static size_t json_depth(const json_t *v, size_t limit)
{
	size_t best = 0;

	if (limit == 0)
		return 1;
	if (json_is_object(v)) {
		const char *k;
		json_t *m;
		json_object_foreach((json_t *)v, k, m) {
			size_t d = json_depth(m, limit - 1);
			if (d > best)
				best = d;
			if (best >= limit)
				break;
		}
	} else if (json_is_array(v)) {
		size_t i;
		json_t *m;
		json_array_foreach(v, i, m) {
			size_t d = json_depth(m, limit - 1);
			if (d > best)
				best = d;
			if (best >= limit)
				break;
		}
	}
	return best + 1;
}

/* Count v's nodes, stopping once the count passes budget. */
static size_t json_nodes(const json_t *v, size_t budget, size_t depth)
{
	size_t n = 1;

	if (depth > PATCH_MAX_DEPTH)
		return budget + 1;
	if (json_is_object(v)) {
		const char *k;
		json_t *m;
		json_object_foreach((json_t *)v, k, m) {
			n += json_nodes(m, budget, depth + 1);
			if (n > budget)
				return n;
		}
	} else if (json_is_array(v)) {
		size_t i;
		json_t *m;
		json_array_foreach(v, i, m) {
			n += json_nodes(m, budget, depth + 1);
			if (n > budget)
				return n;
		}
	}
	return n;
}

/*
 * Structural equality as RFC 6902's "test" defines it. jansson's json_equal
 * would call 1 and 1.0 different; JSON (and Go's decoder) does not.
 */
static bool json_same(const json_t *a, const json_t *b, size_t depth)
{
	if (depth > PATCH_MAX_DEPTH)
		return false;
	if (json_is_number(a) && json_is_number(b)) {
		if (json_is_integer(a) && json_is_integer(b))
			return json_integer_value(a) == json_integer_value(b);
		return json_number_value(a) == json_number_value(b);
	}
	if (json_typeof(a) != json_typeof(b))
		return false;
	if (json_is_object(a)) {
		const char *k;
		json_t *m;
		if (json_object_size(a) != json_object_size(b))
			return false;
		json_object_foreach((json_t *)a, k, m) {
			json_t *o = json_object_get(b, k);
			if (!o || !json_same(m, o, depth + 1))
				return false;
		}
		return true;
	}
	if (json_is_array(a)) {
		size_t n = json_array_size(a);
		if (n != json_array_size(b))
			return false;
		for (size_t i = 0; i < n; i++)
			if (!json_same(json_array_get(a, i),
				       json_array_get(b, i), depth + 1))
				return false;
		return true;
	}
	return json_equal(a, b);
}

/* A short rendering of v for error messages. */
static void json_brief(const json_t *v, char *out, size_t n)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

	if (!s) {
		snprintf(out, n, "?");
		return;
	}
	if (strlen(s) >= n && n > 4) {
		memcpy(out, s, n - 4);
		strcpy(out + n - 4, "...");
	} else {
		snprintf(out, n, "%s", s);
	}
	free(s);
}

/* ---- RFC 7386 JSON merge patch ---- */

/* Merge patch into target (stolen, may be NULL); returns the result. */
static json_t *merge7386(json_t *target, const json_t *patch)
{
	const char *k;
	json_t *v;

	if (!json_is_object(patch)) {
		json_decref(target);
		return json_deep_copy(patch);
	}
	if (!json_is_object(target)) {
		json_decref(target);
		target = json_object();
	}
	json_object_foreach((json_t *)patch, k, v) {
		if (json_is_null(v)) {
			json_object_del(target, k);
			continue;
		}
		json_t *cur = json_object_get(target, k);
		json_incref(cur);
		json_object_set_new(target, k, merge7386(cur, v));
	}
	return target;
}

/* ---- strategic merge patch ---- */

struct merge_key {
	const char *field, *key;
};

/*
 * List fields merged element by element, and the field naming an element.
 * Kubernetes names services' ports by "port" and containers' ports by
 * "containerPort"; merge_key_for picks between them by looking at the
 * elements.
 */
static const struct merge_key merge_keys[] = {
	{"containers", "name"},
	{"initContainers", "name"},
	{"ephemeralContainers", "name"},
	{"volumes", "name"},
	{"env", "name"},
	{"imagePullSecrets", "name"},
	{"ports", "containerPort"},
	{"volumeMounts", "mountPath"},
	{"conditions", "type"},
};

static bool list_has_key(const json_t *list, const char *key)
{
	size_t i;
	json_t *m;

	json_array_foreach(list, i, m)
		if (json_is_object(m) && json_object_get(m, key))
			return true;
	return false;
}

static const char *merge_key_for(const char *field, const json_t *orig,
				 const json_t *patch)
{
	for (size_t i = 0; i < sizeof merge_keys / sizeof merge_keys[0]; i++) {
		if (strcmp(merge_keys[i].field, field) != 0)
			continue;
		if (strcmp(field, "ports") == 0 &&
		    !list_has_key(patch, "containerPort") &&
		    !(json_is_array(orig) &&
		      list_has_key(orig, "containerPort")))
			return "port";
		return merge_keys[i].key;
	}
	return NULL;
}

static json_t *smp_value(json_t *orig, const char *field,
			 const json_t *patch, size_t depth, struct err *e);

/* The element of list whose merge key equals want, or -1. */
static long find_by_key(const json_t *list, const char *key,
			const json_t *want)
{
	size_t i;
	json_t *m;

	json_array_foreach(list, i, m) {
		json_t *v = json_is_object(m) ? json_object_get(m, key) : NULL;
		if (v && json_same(v, want, 0))
			return (long)i;
	}
	return -1;
}

/*
 * Merge a patch list into a list keyed by `key`. Elements carrying
 * "$patch: delete" remove their match, "$patch: replace" makes the rest of
 * the patch list the whole list, and every other element merges into the
 * element with the same key or is appended.
 */
static json_t *smp_list(json_t *orig, const char *key, const json_t *patch,
			size_t depth, struct err *e)
{
	size_t i;
	json_t *m;
	bool replace = false;
	char brief[128];

	json_array_foreach(patch, i, m) {
		json_t *d = json_object_get(m, "$patch");
		if (!d)
			continue;
		if (json_is_string(d) &&
		    strcmp(json_string_value(d), "replace") == 0) {
			replace = true;
		} else if (!json_is_string(d) ||
			   strcmp(json_string_value(d), "delete") != 0) {
			json_brief(d, brief, sizeof brief);
			err_set(e, ST_ERR_INVALID,
				"unknown patch type: %s in list element", brief);
			goto fail;
		}
	}
	if (replace || !json_is_array(orig)) {
		json_decref(orig);
		orig = json_array();
	}
	json_array_foreach(patch, i, m) {
		json_t *d = json_object_get(m, "$patch");
		if (d && strcmp(json_string_value(d), "replace") == 0)
			continue;
		json_t *kv = json_object_get(m, key);
		if (!kv) {
			json_brief(m, brief, sizeof brief);
			err_set(e, ST_ERR_INVALID,
				"map: %s does not contain declared merge key: %s",
				brief, key);
			goto fail;
		}
		long at = find_by_key(orig, key, kv);
		if (d) {
			/* $patch: delete */
			if (at >= 0)
				json_array_remove(orig, (size_t)at);
			continue;
		}
		json_t *cur = at >= 0 ? json_array_get(orig, (size_t)at) : NULL;
		json_incref(cur);
		json_t *merged = smp_value(cur, NULL, m, depth + 1, e);
		if (!merged)
			goto fail;
		if (at >= 0)
			json_array_set_new(orig, (size_t)at, merged);
		else
			json_array_append_new(orig, merged);
	}
	return orig;
fail:
	json_decref(orig);
	return NULL;
}

/* Remove from orig[field] every value listed in del. */
static enum status smp_delete_primitives(json_t *orig, const char *field,
					 const json_t *del, struct err *e)
{
	if (!json_is_array(del))
		return err_set(e, ST_ERR_INVALID,
			       "$deleteFromPrimitiveList/%s must be a list",
			       field);
	json_t *list = json_object_get(orig, field);
	if (!json_is_array(list))
		return ST_OK;
	for (size_t i = 0; i < json_array_size(list);) {
		json_t *v = json_array_get(list, i);
		bool hit = false;
		size_t j;
		json_t *d;
		json_array_foreach(del, j, d)
			if (json_same(v, d, 0)) {
				hit = true;
				break;
			}
		if (hit)
			json_array_remove(list, i);
		else
			i++;
	}
	return ST_OK;
}

/* Drop the keys of orig that $retainKeys does not name. */
static enum status smp_retain(json_t *orig, const json_t *keys,
			      struct err *e)
{
	size_t i;
	json_t *k;
	const char *name;
	json_t *v, *tmp;

	if (!json_is_array(keys))
		return err_set(e, ST_ERR_INVALID, "$retainKeys must be a list");
	json_array_foreach(keys, i, k)
		if (!json_is_string(k))
			return err_set(e, ST_ERR_INVALID,
				       "$retainKeys must be a list of strings");
	json_object_foreach_safe(orig, tmp, name, v) {
		bool keep = false;
		json_array_foreach(keys, i, k)
			if (strcmp(json_string_value(k), name) == 0) {
				keep = true;
				break;
			}
		if (!keep)
			json_object_del(orig, name);
	}
	return ST_OK;
}

/* Merge patch (an object) into orig (stolen, may be NULL). */
static json_t *smp_map(json_t *orig, const json_t *patch, size_t depth,
		       struct err *e)
{
	const char *k;
	json_t *v;
	char brief[128];

	if (depth > PATCH_MAX_DEPTH) {
		err_set(e, ST_ERR_INVALID, "patch is nested too deeply");
		goto fail;
	}
	json_t *d = json_object_get(patch, "$patch");
	if (d) {
		const char *s = json_string_value(d);
		if (s && strcmp(s, "delete") == 0) {
			json_decref(orig);
			return json_object();
		}
		if (s && strcmp(s, "replace") == 0) {
			json_decref(orig);
			orig = NULL;
		} else if (!s || strcmp(s, "merge") != 0) {
			json_brief(d, brief, sizeof brief);
			err_set(e, ST_ERR_INVALID, "unknown patch type: %s",
				brief);
			goto fail;
		}
	}
	if (!json_is_object(orig)) {
		json_decref(orig);
		orig = json_object();
	}
	/* Directives first: they speak about the original, not the result. */
	json_object_foreach((json_t *)patch, k, v) {
		if (strcmp(k, "$retainKeys") == 0) {
			if (smp_retain(orig, v, e) != ST_OK)
				goto fail;
		} else if (strncmp(k, "$deleteFromPrimitiveList/", 25) == 0) {
			if (smp_delete_primitives(orig, k + 25, v, e) != ST_OK)
				goto fail;
		}
	}
	json_object_foreach((json_t *)patch, k, v) {
		if (strcmp(k, "$patch") == 0 || strcmp(k, "$retainKeys") == 0 ||
		    strncmp(k, "$deleteFromPrimitiveList/", 25) == 0 ||
		    strncmp(k, "$setElementOrder/", 17) == 0)
			continue;
		if (json_is_null(v)) {
			json_object_del(orig, k);
			continue;
		}
		json_t *cur = json_object_get(orig, k);
		json_incref(cur);
		json_t *merged = smp_value(cur, k, v, depth + 1, e);
		if (!merged)
			goto fail;
		json_object_set_new(orig, k, merged);
	}
	return orig;
fail:
	json_decref(orig);
	return NULL;
}

/* The value of field (NULL in a list) after merging patch into orig
 * (stolen, may be NULL). */
static json_t *smp_value(json_t *orig, const char *field,
			 const json_t *patch, size_t depth, struct err *e)
{
	if (json_is_object(patch))
		return smp_map(orig, patch, depth, e);
	if (json_is_array(patch) && field) {
		const char *key = merge_key_for(field, orig, patch);
		size_t i;
		json_t *m;
		bool maps = true;
		json_array_foreach(patch, i, m)
			if (!json_is_object(m))
				maps = false;
		if (key && maps)
			return smp_list(orig, key, patch, depth, e);
	}
	json_decref(orig);
	return json_deep_copy(patch);
}

/* ---- RFC 6902 JSON patch ---- */

struct pointer {
	char **tok;
	size_t n;
};

static void pointer_free(struct pointer *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->tok[i]);
	free(p->tok);
	p->tok = NULL;
	p->n = 0;
}

/* Split an RFC 6901 pointer into unescaped reference tokens. */
static bool pointer_parse(const char *s, struct pointer *p)
{
	size_t cap = 0;

	p->tok = NULL;
	p->n = 0;
	if (*s == '\0')
		return true;
	if (*s != '/')
		return false;
	while (*s == '/') {
		const char *end = strchr(s + 1, '/');
		size_t len = end ? (size_t)(end - s - 1) : strlen(s + 1);
		char *t = xmalloc(len + 1), *o = t;
		for (size_t i = 0; i < len; i++) {
			char c = s[1 + i];
			if (c == '~') {
				char x = i + 1 < len ? s[2 + i] : '\0';
				if (x != '0' && x != '1') {
					free(t);
					pointer_free(p);
					return false;
				}
				c = x == '0' ? '~' : '/';
				i++;
			}
			*o++ = c;
		}
		*o = '\0';
		if (p->n == cap) {
			/* No document kubesim stores is this deep, and an
			 * absurd path must not cost a million allocations. */
			if (cap >= 4 * PATCH_MAX_DEPTH) {
				free(t);
				pointer_free(p);
				return false;
			}
			cap = cap ? cap * 2 : 8;
			p->tok = xrealloc(p->tok, cap * sizeof *p->tok);
		}
		p->tok[p->n++] = t;
		s += 1 + len;
	}
	return true;
}

/* An array index token: digits without leading zeros, below max. "-" is
 * handled by the callers that allow it. */
static bool parse_index(const char *t, size_t max, size_t *out)
{
	size_t v = 0, len = strlen(t);

	if (len == 0 || len > 9 || (t[0] == '0' && len > 1))
		return false;
	for (size_t i = 0; i < len; i++) {
		if (t[i] < '0' || t[i] > '9')
			return false;
		v = v * 10 + (size_t)(t[i] - '0');
	}
	if (v >= max)
		return false;
	*out = v;
	return true;
}

/* The value at the first n tokens of p, or NULL. */
static json_t *pointer_walk(json_t *root, const struct pointer *p, size_t n)
{
	json_t *cur = root;

	for (size_t i = 0; i < n && cur; i++) {
		size_t idx;
		if (json_is_object(cur))
			cur = json_object_get(cur, p->tok[i]);
		else if (json_is_array(cur) &&
			 parse_index(p->tok[i], json_array_size(cur), &idx))
			cur = json_array_get(cur, idx);
		else
			cur = NULL;
	}
	return cur;
}

struct jp {
	json_t *root;
	size_t copied; /* nodes copied so far */
	size_t op;     /* 0-based index of the running operation */
	const char *name;
	const char *path;
	struct err *e;
};

static enum status jp_fail(struct jp *j, const char *what)
{
	return err_set(j->e, ST_ERR_INVALID,
		       "json patch operation %zu (%s \"%s\"): %s", j->op,
		       j->name, j->path, what);
}

/* Add v (stolen) at p, as the "add" operation does. */
static enum status jp_add(struct jp *j, const struct pointer *p, json_t *v)
{
	if (p->n + json_depth(v, PATCH_MAX_DEPTH) > PATCH_MAX_DEPTH) {
		json_decref(v);
		return jp_fail(j, "the document would be nested too deeply");
	}
	if (p->n == 0) {
		json_decref(j->root);
		j->root = v;
		return ST_OK;
	}
	json_t *parent = pointer_walk(j->root, p, p->n - 1);
	const char *last = p->tok[p->n - 1];
	size_t idx;

	if (json_is_object(parent)) {
		json_object_set_new(parent, last, v);
		return ST_OK;
	}
	if (json_is_array(parent)) {
		size_t len = json_array_size(parent);
		if (strcmp(last, "-") == 0) {
			json_array_append_new(parent, v);
			return ST_OK;
		}
		if (parse_index(last, len + 1, &idx)) {
			json_array_insert_new(parent, idx, v);
			return ST_OK;
		}
		json_decref(v);
		return jp_fail(j, "array index out of range or invalid");
	}
	json_decref(v);
	return jp_fail(j, parent ? "parent is not an object or array"
				 : "parent path does not exist");
}

/* Detach the value at p; returns a reference, or NULL when missing. */
static json_t *jp_take(struct jp *j, const struct pointer *p)
{
	if (p->n == 0) {
		json_t *v = j->root;
		j->root = json_null();
		return v;
	}
	json_t *parent = pointer_walk(j->root, p, p->n - 1);
	const char *last = p->tok[p->n - 1];
	size_t idx;

	if (json_is_object(parent)) {
		json_t *v = json_object_get(parent, last);
		if (!v)
			return NULL;
		json_incref(v);
		json_object_del(parent, last);
		return v;
	}
	if (json_is_array(parent) &&
	    parse_index(last, json_array_size(parent), &idx)) {
		json_t *v = json_incref(json_array_get(parent, idx));
		json_array_remove(parent, idx);
		return v;
	}
	return NULL;
}

static bool pointer_is_prefix(const struct pointer *a, const struct pointer *b)
{
	if (a->n > b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->tok[i], b->tok[i]) != 0)
			return false;
	return true;
}

static enum status jp_one(struct jp *j, const json_t *op)
{
	struct pointer path = {0}, from = {0};
	enum status st = ST_OK;
	char what[160];

	j->name = "?";
	j->path = "";
	if (!json_is_object(op))
		return jp_fail(j, "an operation must be an object");
	const char *name = json_string_value(json_object_get(op, "op"));
	const char *spath = json_string_value(json_object_get(op, "path"));
	const char *sfrom = json_string_value(json_object_get(op, "from"));
	json_t *value = json_object_get(op, "value");
	if (!name)
		return jp_fail(j, "missing \"op\"");
	j->name = name;
	if (!spath)
		return jp_fail(j, "missing \"path\"");
	j->path = spath;
	if (!pointer_parse(spath, &path))
		return jp_fail(j, "invalid JSON pointer in \"path\"");

	bool is_move = strcmp(name, "move") == 0;
	bool is_copy = strcmp(name, "copy") == 0;
	if (is_move || is_copy) {
		if (!sfrom) {
			st = jp_fail(j, "missing \"from\"");
			goto out;
		}
		if (!pointer_parse(sfrom, &from)) {
			st = jp_fail(j, "invalid JSON pointer in \"from\"");
			goto out;
		}
	}

	if (strcmp(name, "add") == 0 || strcmp(name, "replace") == 0 ||
	    strcmp(name, "test") == 0) {
		if (!value) {
			st = jp_fail(j, "missing \"value\"");
			goto out;
		}
	}

	if (strcmp(name, "add") == 0) {
		st = jp_add(j, &path, json_deep_copy(value));
	} else if (strcmp(name, "remove") == 0) {
		if (path.n == 0) {
			st = jp_fail(j, "cannot remove the whole document");
			goto out;
		}
		json_t *old = jp_take(j, &path);
		if (!old)
			st = jp_fail(j, "path does not exist");
		json_decref(old);
	} else if (strcmp(name, "replace") == 0) {
		if (!pointer_walk(j->root, &path, path.n)) {
			st = jp_fail(j, "path does not exist");
			goto out;
		}
		json_decref(jp_take(j, &path));
		st = jp_add(j, &path, json_deep_copy(value));
	} else if (is_move) {
		if (!pointer_walk(j->root, &from, from.n)) {
			snprintf(what, sizeof what,
				 "\"from\" path \"%s\" does not exist", sfrom);
			st = jp_fail(j, what);
			goto out;
		}
		if (pointer_is_prefix(&from, &path)) {
			if (from.n != path.n)
				st = jp_fail(j, "cannot move a value into "
						"itself");
			goto out;
		}
		st = jp_add(j, &path, jp_take(j, &from));
	} else if (is_copy) {
		json_t *src = pointer_walk(j->root, &from, from.n);
		if (!src) {
			snprintf(what, sizeof what,
				 "\"from\" path \"%s\" does not exist", sfrom);
			st = jp_fail(j, what);
			goto out;
		}
		j->copied += json_nodes(src, PATCH_MAX_COPY_NODES, 0);
		if (j->copied > PATCH_MAX_COPY_NODES) {
			st = jp_fail(j, "copies exceed the limit of the "
					"json patch");
			goto out;
		}
		st = jp_add(j, &path, json_deep_copy(src));
	} else if (strcmp(name, "test") == 0) {
		json_t *cur = pointer_walk(j->root, &path, path.n);
		if (!cur)
			st = jp_fail(j, "path does not exist");
		else if (!json_same(cur, value, 0))
			st = jp_fail(j, "test failed: the value differs");
	} else {
		st = jp_fail(j, "unknown operation");
	}
out:
	pointer_free(&path);
	pointer_free(&from);
	return st;
}

static json_t *json_patch(const json_t *doc, const json_t *ops, struct err *e)
{
	struct jp j = {.root = json_deep_copy(doc), .e = e};
	size_t i;
	json_t *op;

	if (!json_is_array(ops)) {
		err_set(e, ST_ERR_INVALID,
			"a json patch must be a list of operations");
		goto fail;
	}
	if (json_array_size(ops) > PATCH_MAX_OPS) {
		err_set(e, ST_ERR_INVALID,
			"the allowed maximum operations in a JSON patch is "
			"%d, got: %zu",
			PATCH_MAX_OPS, json_array_size(ops));
		goto fail;
	}
	json_array_foreach(ops, i, op) {
		j.op = i;
		if (jp_one(&j, op) != ST_OK)
			goto fail;
	}
	return j.root;
fail:
	json_decref(j.root);
	return NULL;
}

/* ---- entry point ---- */

/* Copy the media type of a Content-Type, without parameters or blanks. */
static void media_type(const char *ct, char *out, size_t n)
{
	size_t len = 0;

	if (!ct)
		ct = "";
	while (*ct == ' ' || *ct == '\t')
		ct++;
	while (ct[len] && ct[len] != ';')
		len++;
	while (len && (ct[len - 1] == ' ' || ct[len - 1] == '\t'))
		len--;
	if (len >= n)
		len = 0; /* too long to be any type we know */
	memcpy(out, ct, len);
	out[len] = '\0';
}

json_t *ks_patch_apply(const char *content_type, const json_t *doc,
		       const char *body, size_t len, struct err *e)
{
	enum { JSON_PATCH, MERGE, STRATEGIC } kind;
	char mt[96];
	json_error_t jerr;

	media_type(content_type, mt, sizeof mt);
	if (strcasecmp(mt, MT_JSON_PATCH) == 0) {
		kind = JSON_PATCH;
	} else if (strcasecmp(mt, MT_MERGE_PATCH) == 0) {
		kind = MERGE;
	} else if (strcasecmp(mt, MT_STRATEGIC) == 0) {
		kind = STRATEGIC;
	} else if (strcasecmp(mt, MT_APPLY) == 0) {
		err_set(e, ST_ERR_UNSUPPORTED,
			"server-side apply (%s) is not supported by kubesim",
			MT_APPLY);
		return NULL;
	} else {
		err_set(e, ST_ERR_UNSUPPORTED,
			"the body of the request was in an unknown format - "
			"accepted media types include: %s, %s, %s, %s",
			MT_JSON_PATCH, MT_MERGE_PATCH, MT_APPLY, MT_STRATEGIC);
		return NULL;
	}
	if (!doc) {
		err_set(e, ST_ERR_INVALID, "nothing to patch");
		return NULL;
	}
	if (!body && len) {
		err_set(e, ST_ERR_INVALID, "error decoding patch: no body");
		return NULL;
	}
	if (len > PATCH_MAX_BODY) {
		err_set(e, ST_ERR_INVALID,
			"patch body of %zu bytes is larger than the limit of "
			"%d bytes",
			len, PATCH_MAX_BODY);
		return NULL;
	}
	json_t *patch = json_loadb(body ? body : "", len, 0, &jerr);
	if (!patch) {
		err_set(e, ST_ERR_INVALID,
			"error decoding patch: %s (line %d, column %d)",
			jerr.text, jerr.line, jerr.column);
		return NULL;
	}
	if (json_depth(patch, PATCH_MAX_DEPTH) > PATCH_MAX_DEPTH) {
		err_set(e, ST_ERR_INVALID,
			"patch is nested more than %d levels deep",
			PATCH_MAX_DEPTH);
		json_decref(patch);
		return NULL;
	}

	json_t *out = NULL;
	if (kind == JSON_PATCH) {
		out = json_patch(doc, patch, e);
	} else if (!json_is_object(patch)) {
		err_set(e, ST_ERR_INVALID,
			"error decoding patch: a %s body must be a JSON object",
			kind == MERGE ? "merge patch" : "strategic merge patch");
	} else if (kind == MERGE) {
		out = merge7386(json_deep_copy(doc), patch);
	} else {
		out = smp_map(json_deep_copy(doc), patch, 0, e);
	}
	json_decref(patch);
	return out;
}
