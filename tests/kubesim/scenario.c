/*
 * Scenario files: the YAML that seeds a kubesim world (format in
 * docs/kubesim.md, "Scenario files").
 *
 * ks_scenario_load reads the file with the base YAML loader (which keeps
 * every node's position), then walks the tree once, section by section:
 * settings, users with their RBAC rules, namespaces with the short forms of
 * their deployments, jobs, config maps, secrets and services, raw
 * manifests, and the generator's numbers. Each short form is checked key by
 * key (unknown keys, wrong types, bad names, durations and numbers are all
 * problems) and, when it has no problem, turned into the complete
 * Kubernetes object a client would have sent, with the simulation
 * behaviours as sim.kubesim.io pod template annotations. Objects go to
 * sc->objects in creation order: namespaces first, then the objects inside
 * them, then the other manifests.
 *
 * Problems are collected rather than returned at the first one, each as
 * "file:line:col: message" (the walk keeps the current node path, so every
 * message points at the node it is about), and come back joined by
 * newlines in struct err, cut to fit with "(and N more)".
 *
 * The rest is lookups for the HTTP front: the user of a bearer token and
 * the RBAC decision.
 */
#include "kubesim.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base64.h"
#include "base/mem.h"
#include "base/str.h"
#include "base/yaml.h"

#define MAX_PROBLEMS	   200
#define MAX_REPLICAS	   100000
#define MAX_DURATION	   (366.0 * 24 * 3600) /* a year of simulated time */
#define MAX_GENERATED_PODS 1000000

/* The kinds a manifest may have (KS_KINDS without store.c's table, so
 * this file links on its own in unit tests). */
static const struct {
	const char *resource, *kind, *api_version;
	bool namespaced;
} kinds[] = {
#define SCN_KIND(id, res, sing, kind, grp, ver, nsd, shortn)                   \
	{res, kind, sizeof(grp) > 1 ? grp "/" ver : ver, nsd},
    KS_KINDS(SCN_KIND)
#undef SCN_KIND
};
#define NKINDS (sizeof kinds / sizeof kinds[0])

/* ---- problems and node paths ---- */

struct problem {
	int line, col;
	size_t seq;
	char *msg; /* "file:line:col: message" */
};

struct ctx {
	const struct yaml_pos *pos;
	struct buf path;     /* of the node being checked */
	struct vec problems; /* struct problem*, sorted at the end */
	size_t nproblems;    /* including those not kept */
	uint64_t seed;
	struct ks_scenario *sc;
	struct map names; /* "Kind/ns/name" of every object */
	struct map ips;	  /* cluster IPs handed out */
	struct map nss;	  /* declared namespaces */
	struct vec later; /* json_t*: objects inside namespaces */
	struct vec tail;  /* json_t*: manifests other than namespaces */
};

__attribute__((format(printf, 3, 4))) static void
problem(struct ctx *c, bool at_key, const char *fmt, ...)
{
	c->nproblems++;
	if (c->problems.len >= MAX_PROBLEMS)
		return;
	struct problem *p = xcalloc(1, sizeof *p);
	p->seq = c->problems.len;
	const char *path = buf_str(&c->path);
	if (!(at_key && yaml_pos_find_key(c->pos, path, &p->line, &p->col)))
		yaml_pos_find(c->pos, path, &p->line, &p->col);
	struct buf b = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	yaml_pos_vbprintf(&b, c->pos, path, at_key, fmt, ap);
	va_end(ap);
	p->msg = buf_detach(&b);
	vec_push(&c->problems, p);
}

static void problem_free(void *v)
{
	struct problem *p = v;
	free(p->msg);
	free(p);
}

/* In file order; problems about a missing node (line 0) keep their turn
 * among the ones before them. */
static int problem_cmp(const void *a, const void *b)
{
	const struct problem *x = *(struct problem *const *)a;
	const struct problem *y = *(struct problem *const *)b;
	if (x->line && y->line && (x->line != y->line || x->col != y->col))
		return x->line != y->line ? (x->line < y->line ? -1 : 1)
					  : (x->col < y->col ? -1 : 1);
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static size_t enter_key(struct ctx *c, const char *key)
{
	size_t mark = c->path.len;
	yaml_path_key(&c->path, key);
	return mark;
}

static size_t enter_index(struct ctx *c, size_t i)
{
	size_t mark = c->path.len;
	yaml_path_index(&c->path, i);
	return mark;
}

static void leave(struct ctx *c, size_t mark)
{
	c->path.len = mark;
	if (c->path.data)
		c->path.data[mark] = '\0';
}

/* A user's text made short and printable for a message. */
static const char *clip(char out[64], const char *s)
{
	size_t n = 0;
	for (; *s && n < 56; s++)
		out[n++] = (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s;
	while (n && ((unsigned char)out[n - 1] & 0xc0) == 0x80 && *s)
		n--; /* do not cut a UTF-8 sequence */
	if (n && *s && ((unsigned char)out[n - 1] & 0xc0) == 0xc0)
		n--;
	if (*s) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
	return out;
}

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
		return "an integer";
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
	default:
		return "empty";
	}
}

static bool in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return true;
	return false;
}

/* Every key of obj must be one of allowed. */
static void check_keys(struct ctx *c, json_t *obj, const char *what,
		       const char *const *allowed)
{
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v)
	{
		if (in_list(key, allowed))
			continue;
		size_t m = enter_key(c, key);
		const char *s = str_closest(key, allowed);
		char k[64];
		if (s)
			problem(c, true,
				"unknown key '%s' in %s (did you mean "
				"'%s'?)",
				clip(k, key), what, s);
		else
			problem(c, true, "unknown key '%s' in %s", clip(k, key),
				what);
		leave(c, m);
	}
}

/* ---- values (the node at c->path is v) ---- */

static bool want_map(struct ctx *c, json_t *v, const char *what)
{
	if (json_is_object(v))
		return true;
	problem(c, false, "%s must be a mapping, not %s", what, type_name(v));
	return false;
}

static bool want_list(struct ctx *c, json_t *v, const char *what)
{
	if (json_is_array(v))
		return true;
	problem(c, false, "%s must be a list, not %s", what, type_name(v));
	return false;
}

static bool want_str(struct ctx *c, json_t *v, const char *what,
		     const char **out)
{
	if (!json_is_string(v)) {
		problem(c, false, "%s must be a string, not %s", what,
			type_name(v));
		return false;
	}
	if (!*json_string_value(v)) {
		problem(c, false, "%s must not be empty", what);
		return false;
	}
	*out = json_string_value(v);
	return true;
}

static bool want_long(struct ctx *c, json_t *v, const char *what, long min,
		      long max, long *out)
{
	if (!json_is_integer(v)) {
		problem(c, false, "%s must be a whole number, not %s", what,
			type_name(v));
		return false;
	}
	json_int_t i = json_integer_value(v);
	if (i < min || i > max) {
		problem(
		    c, false,
		    "%s must be between %ld and %ld, not %" JSON_INTEGER_FORMAT,
		    what, min, max, i);
		return false;
	}
	*out = (long)i;
	return true;
}

static bool want_bool(struct ctx *c, json_t *v, const char *what, bool *out)
{
	if (!json_is_boolean(v)) {
		problem(c, false, "%s must be true or false, not %s", what,
			type_name(v));
		return false;
	}
	*out = json_is_true(v);
	return true;
}

/* "500ms", "5s", "2m", "1h", "1m30s", "1.5s". */
static bool parse_duration(const char *s, double *out)
{
	double total = 0;
	if (!*s)
		return false;
	while (*s) {
		double v = 0, scale = 1;
		int digits = 0;
		for (; isdigit((unsigned char)*s); s++, digits++)
			v = v * 10 + (*s - '0');
		if (*s == '.') {
			s++;
			while (isdigit((unsigned char)*s)) {
				scale /= 10;
				v += (*s++ - '0') * scale;
				digits++;
			}
		}
		if (!digits)
			return false;
		double unit;
		size_t len = 1;
		if (!strncmp(s, "ms", 2)) {
			unit = 0.001;
			len = 2;
		} else if (*s == 's') {
			unit = 1;
		} else if (*s == 'm') {
			unit = 60;
		} else if (*s == 'h') {
			unit = 3600;
		} else {
			return false;
		}
		s += len;
		total += v * unit;
	}
	*out = total;
	return isfinite(total);
}

static bool want_duration(struct ctx *c, json_t *v, const char *what,
			  double *out)
{
	double d;
	char shown[64];
	if (json_is_number(v)) {
		d = json_number_value(v);
		if (d < 0 || !isfinite(d)) {
			problem(c, false, "%s must not be negative", what);
			return false;
		}
	} else if (json_is_string(v)) {
		if (!parse_duration(json_string_value(v), &d)) {
			problem(c, false,
				"%s: bad duration '%s'; use seconds (2, 0.5) "
				"or a string like 500ms, 5s, 2m, 1h, 1m30s",
				what, clip(shown, json_string_value(v)));
			return false;
		}
	} else {
		problem(c, false,
			"%s must be a duration (seconds, or a string like "
			"500ms, 5s, 2m), not %s",
			what, type_name(v));
		return false;
	}
	if (d > MAX_DURATION) {
		problem(c, false, "%s is longer than a year", what);
		return false;
	}
	*out = d;
	return true;
}

/* Enter obj.key when it is there: returns its value with c->path at it,
 * or NULL with the path unchanged. */
static json_t *field(struct ctx *c, json_t *obj, const char *key, size_t *mark)
{
	json_t *v = json_object_get(obj, key);
	if (v)
		*mark = enter_key(c, key);
	return v;
}

static bool require(struct ctx *c, json_t *obj, const char *key,
		    const char *what)
{
	if (json_object_get(obj, key))
		return true;
	problem(c, false, "%s needs '%s'", what, key);
	return false;
}

/* The getters: true when obj.key is present and good (*out set). */
static bool get_str(struct ctx *c, json_t *obj, const char *key,
		    const char **out)
{
	size_t m;
	json_t *v = field(c, obj, key, &m);
	if (!v)
		return false;
	bool ok = want_str(c, v, key, out);
	leave(c, m);
	return ok;
}

static bool get_long(struct ctx *c, json_t *obj, const char *key, long min,
		     long max, long *out)
{
	size_t m;
	json_t *v = field(c, obj, key, &m);
	if (!v)
		return false;
	bool ok = want_long(c, v, key, min, max, out);
	leave(c, m);
	return ok;
}

static bool get_bool(struct ctx *c, json_t *obj, const char *key, bool *out)
{
	size_t m;
	json_t *v = field(c, obj, key, &m);
	if (!v)
		return false;
	bool ok = want_bool(c, v, key, out);
	leave(c, m);
	return ok;
}

static bool get_duration(struct ctx *c, json_t *obj, const char *key,
			 double *out)
{
	size_t m;
	json_t *v = field(c, obj, key, &m);
	if (!v)
		return false;
	bool ok = want_duration(c, v, key, out);
	leave(c, m);
	return ok;
}

/* A list of non-empty strings into out (char*, copied). */
static bool get_str_list(struct ctx *c, json_t *obj, const char *key,
			 struct vec *out)
{
	size_t m;
	json_t *v = field(c, obj, key, &m);
	if (!v)
		return false;
	bool ok = want_list(c, v, key);
	size_t i;
	json_t *it;
	if (ok) {
		json_array_foreach(v, i, it)
		{
			size_t mi = enter_index(c, i);
			const char *s;
			if (want_str(c, it, "each item", &s))
				vec_push(out, xstrdup(s));
			else
				ok = false;
			leave(c, mi);
		}
	}
	leave(c, m);
	return ok;
}

/* ---- names, labels, numbers ---- */

/* RFC 1123 label: [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most 63. */
static bool dns_label(const char *s, size_t n)
{
	if (!n || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!islower((unsigned char)s[i]) &&
		    !isdigit((unsigned char)s[i]) && s[i] != '-')
			return false;
	return true;
}

static bool dns_subdomain(const char *s)
{
	size_t n = strlen(s);
	if (!n || n > 253)
		return false;
	for (const char *p = s;;) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);
		if (!dns_label(p, l))
			return false;
		if (!dot)
			return true;
		p = dot + 1;
	}
}

enum name_rule { NAME_LABEL, NAME_SUBDOMAIN, NAME_1035 };

static bool get_name(struct ctx *c, json_t *obj, enum name_rule rule,
		     const char *what, const char **out)
{
	if (!require(c, obj, "name", what))
		return false;
	const char *s;
	if (!get_str(c, obj, "name", &s))
		return false;
	bool ok = rule == NAME_SUBDOMAIN ? dns_subdomain(s)
					 : dns_label(s, strlen(s)) &&
					       (rule == NAME_LABEL ||
						islower((unsigned char)s[0]));
	if (!ok) {
		size_t m = enter_key(c, "name");
		char shown[64];
		problem(c, false,
			"'%s' is not a valid %s name: use lowercase letters, "
			"digits and '-'%s, starting%s and ending with a letter "
			"or digit, at most %d characters",
			clip(shown, s), what,
			rule == NAME_SUBDOMAIN ? " (and '.')" : "",
			rule == NAME_1035 ? " with a letter" : "",
			rule == NAME_SUBDOMAIN ? 253 : 63);
		leave(c, m);
		return false;
	}
	*out = s;
	return true;
}

/* A label name or value: [A-Za-z0-9._-], alphanumeric at both ends. */
static bool label_part(const char *s, size_t n, bool empty_ok)
{
	if (!n)
		return empty_ok;
	if (n > 63 || !isalnum((unsigned char)s[0]) ||
	    !isalnum((unsigned char)s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
			return false;
	return true;
}

static bool label_key(const char *k)
{
	const char *slash = strchr(k, '/');
	if (!slash)
		return label_part(k, strlen(k), false);
	char prefix[254];
	size_t pl = (size_t)(slash - k);
	if (pl == 0 || pl > 253)
		return false;
	memcpy(prefix, k, pl);
	prefix[pl] = '\0';
	return dns_subdomain(prefix) &&
	       label_part(slash + 1, strlen(slash + 1), false);
}

/*
 * A mapping of strings (labels, selectors, data): a new object, or NULL
 * when absent or bad. kind: 'l' labels (label syntax), 'd' config data
 * (keys [-._a-zA-Z0-9]).
 */
static json_t *get_str_map(struct ctx *c, json_t *obj, const char *key,
			   char kind)
{
	size_t m;
	json_t *v = field(c, obj, key, &m);
	if (!v)
		return NULL;
	json_t *out = NULL;
	if (want_map(c, v, key)) {
		out = json_object();
		const char *k;
		json_t *val;
		json_object_foreach(v, k, val)
		{
			size_t mk = enter_key(c, k);
			char shown[64];
			bool key_ok = kind == 'l' ? label_key(k) : *k != '\0';
			for (const char *p = k; kind == 'd' && *p; p++)
				if (!isalnum((unsigned char)*p) &&
				    !strchr("-._", *p))
					key_ok = false;
			if (!key_ok)
				problem(c, true, "'%s' is not a valid %s key",
					clip(shown, k),
					kind == 'l' ? "label" : "data");
			if (!json_is_string(val))
				problem(c, false,
					"%s values must be strings, not %s "
					"(quote it: \"...\")",
					key, type_name(val));
			else if (kind == 'l' &&
				 !label_part(json_string_value(val),
					     strlen(json_string_value(val)),
					     true))
				problem(
				    c, false,
				    "'%s' is not a valid label value "
				    "(at most 63 letters, digits, '-', '_', "
				    "'.')",
				    clip(shown, json_string_value(val)));
			else if (key_ok)
				json_object_set(out, k, val);
			leave(c, mk);
		}
	}
	leave(c, m);
	return out;
}

/* An IntOrString like maxSurge: a count or "N%". */
static json_t *get_int_or_percent(struct ctx *c, json_t *obj, const char *key)
{
	size_t m;
	json_t *v = field(c, obj, key, &m);
	if (!v)
		return NULL;
	json_t *out = NULL;
	long n;
	if (json_is_integer(v)) {
		if (want_long(c, v, key, 0, MAX_REPLICAS, &n))
			out = json_integer(n);
	} else if (json_is_string(v)) {
		const char *s = json_string_value(v);
		size_t len = strlen(s);
		char num[16];
		if (len >= 2 && len < sizeof num && s[len - 1] == '%') {
			memcpy(num, s, len - 1);
			num[len - 1] = '\0';
		} else {
			num[0] = '\0';
		}
		if (str_to_long(num, 0, 100, &n) &&
		    isdigit((unsigned char)num[0]))
			out = json_string(s);
		else
			problem(c, false,
				"%s must be a number of pods or a percentage "
				"like \"25%%\"",
				key);
	} else {
		problem(c, false,
			"%s must be a number of pods or a percentage like "
			"\"25%%\", not %s",
			key, type_name(v));
	}
	leave(c, m);
	return out;
}

/* A number as an annotation value: "2", "0.5", "0.125". */
static json_t *num_str(double d)
{
	char s[64];
	snprintf(s, sizeof s, "%.3f", d);
	char *end = s + strlen(s);
	while (end[-1] == '0')
		*--end = '\0';
	if (end[-1] == '.')
		*--end = '\0';
	return json_string(s);
}

/* ---- deterministic ids ---- */

static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15u;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
	return x ^ (x >> 31);
}

static uint64_t hash_of(uint64_t seed, const char *what, const char *s)
{
	uint64_t h = 0xcbf29ce484222325u;
	for (const char *p = what; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3u;
	h = (h ^ 0xff) * 0x100000001b3u;
	for (const char *p = s; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3u;
	return mix64(mix64(seed) ^ h);
}

/* "ks-" and 32 hex digits. */
static char *derived_token(uint64_t seed, const char *user)
{
	uint64_t a = hash_of(seed, "token", user), b = mix64(a ^ 0x5bd1e995u);
	char out[40];
	snprintf(out, sizeof out, "ks-%016" PRIx64 "%016" PRIx64, a, b);
	return xstrdup(out);
}

static char *derived_uid(uint64_t seed, const char *what, const char *name)
{
	uint64_t a = hash_of(seed, what, name), b = mix64(a);
	char out[40];
	snprintf(out, sizeof out,
		 "%08" PRIx64 "-%04" PRIx64 "-4%03" PRIx64 "-%04" PRIx64
		 "-%012" PRIx64,
		 a >> 32, (a >> 16) & 0xffff, a & 0xfff,
		 ((b >> 48) & 0x3fff) | 0x8000, b & 0xffffffffffffu);
	return xstrdup(out);
}

/* ---- objects ---- */

static json_t *new_object(const char *api, const char *kind, const char *ns,
			  const char *name, json_t *labels)
{
	json_t *meta = json_object();
	json_object_set_new(meta, "name", json_string(name));
	if (ns)
		json_object_set_new(meta, "namespace", json_string(ns));
	if (labels && json_object_size(labels))
		json_object_set(meta, "labels", labels);
	json_t *o = json_object();
	json_object_set_new(o, "apiVersion", json_string(api));
	json_object_set_new(o, "kind", json_string(kind));
	json_object_set_new(o, "metadata", meta);
	return o;
}

/* Record kind/ns/name (c->path at the name); false for a duplicate. */
static bool claim(struct ctx *c, const char *kind, const char *ns,
		  const char *name)
{
	struct buf k = BUF_INIT;
	buf_printf(&k, "%s/%s/%s", kind, ns ? ns : "", name);
	bool dup = map_has(&c->names, buf_str(&k));
	if (!dup)
		map_put(&c->names, buf_str(&k), (void *)1);
	buf_free(&k);
	if (dup) {
		char shown[64];
		size_t m = enter_key(c, "name");
		if (ns)
			problem(c, false,
				"there is already a %s named '%s' in namespace "
				"'%s'",
				kind, clip(shown, name), ns);
		else
			problem(c, false, "there is already a %s named '%s'",
				kind, clip(shown, name));
		leave(c, m);
	}
	return !dup;
}

/* Kubernetes' default: Always for :latest or an untagged image. */
static const char *pull_policy(const char *image)
{
	if (strchr(image, '@'))
		return "IfNotPresent";
	const char *slash = strrchr(image, '/');
	const char *colon = strrchr(slash ? slash : image, ':');
	return !colon || !strcmp(colon, ":latest") ? "Always" : "IfNotPresent";
}

static json_t *container(const char *name, const char *image)
{
	return json_pack("{s:s, s:s, s:s}", "name", name, "image", image,
			 "imagePullPolicy", pull_policy(image));
}

/* logs: {rate, format, lines} -> log-* annotations. */
static const char *const log_keys[] = {"rate", "format", "lines", NULL};

static void load_logs(struct ctx *c, json_t *owner, json_t *ann)
{
	size_t m;
	json_t *logs = field(c, owner, "logs", &m);
	if (!logs)
		return;
	if (!want_map(c, logs, "logs"))
		goto out;
	check_keys(c, logs, "logs", log_keys);
	size_t mk;
	json_t *v = field(c, logs, "rate", &mk);
	if (v) {
		if (!json_is_number(v) || json_number_value(v) < 0 ||
		    json_number_value(v) > 100000)
			problem(c, false,
				"rate must be a number of lines per second "
				"between 0 and 100000");
		else
			json_object_set_new(ann, KS_ANN_LOG_RATE,
					    num_str(json_number_value(v)));
		leave(c, mk);
	}
	const char *fmt;
	if (get_str(c, logs, "format", &fmt)) {
		if (strcmp(fmt, "text") && strcmp(fmt, "json")) {
			mk = enter_key(c, "format");
			problem(c, false, "format must be text or json");
			leave(c, mk);
		} else {
			json_object_set_new(ann, KS_ANN_LOG_FORMAT,
					    json_string(fmt));
		}
	}
	v = field(c, logs, "lines", &mk);
	if (v) {
		struct buf lines = BUF_INIT;
		if (want_list(c, v, "lines")) {
			size_t i;
			json_t *it;
			json_array_foreach(v, i, it)
			{
				size_t mi = enter_index(c, i);
				const char *s;
				if (want_str(c, it, "a log line", &s)) {
					if (strchr(s, '\n'))
						problem(c, false,
							"a log line template "
							"must be one line");
					if (lines.len)
						buf_putc(&lines, '\n');
					buf_puts(&lines, s);
				}
				leave(c, mi);
			}
			if (!json_array_size(v))
				problem(c, false, "lines must not be empty");
		}
		if (lines.len)
			json_object_set_new(ann, KS_ANN_LOG_LINES,
					    json_string(buf_str(&lines)));
		buf_free(&lines);
		leave(c, mk);
	}
out:
	leave(c, m);
}

static json_t *pod_template(json_t *labels, json_t *ann, json_t *containers,
			    const char *restart)
{
	json_t *meta = json_object();
	json_object_set(meta, "labels", labels);
	if (json_object_size(ann))
		json_object_set(meta, "annotations", ann);
	json_t *spec =
	    json_pack("{s:o, s:s, s:i, s:s}", "containers", containers,
		      "restartPolicy", restart, "terminationGracePeriodSeconds",
		      30, "dnsPolicy", "ClusterFirst");
	return json_pack("{s:o, s:o}", "metadata", meta, "spec", spec);
}

/* labels.app would break the selector {app: name}. */
static void check_app_label(struct ctx *c, json_t *labels, const char *name)
{
	const char *app = json_string_value(json_object_get(labels, "app"));
	if (app && strcmp(app, name)) {
		size_t m = enter_key(c, "labels");
		size_t m2 = enter_key(c, "app");
		problem(c, false,
			"label app is the selector and must be the "
			"deployment's name '%s' (or left out)",
			name);
		leave(c, m2);
		leave(c, m);
	}
}

static const char *const container_keys[] = {"name", "image", NULL};

/* containers: [{name, image}] -> a new array, or NULL. */
static json_t *load_containers(struct ctx *c, json_t *v)
{
	if (!want_list(c, v, "containers"))
		return NULL;
	if (!json_array_size(v)) {
		problem(c, false, "containers must not be empty");
		return NULL;
	}
	json_t *out = json_array();
	struct map seen = MAP_INIT;
	size_t i;
	json_t *it;
	json_array_foreach(v, i, it)
	{
		size_t m = enter_index(c, i);
		const char *name = NULL, *image = NULL;
		if (want_map(c, it, "a container")) {
			check_keys(c, it, "a container", container_keys);
			get_name(c, it, NAME_LABEL, "container", &name);
			if (require(c, it, "image", "a container"))
				get_str(c, it, "image", &image);
			if (name && map_has(&seen, name)) {
				size_t mn = enter_key(c, "name");
				problem(c, false, "two containers named '%s'",
					name);
				leave(c, mn);
			} else if (name) {
				map_put(&seen, name, (void *)1);
			}
			if (name && image)
				json_array_append_new(out,
						      container(name, image));
		}
		leave(c, m);
	}
	map_free(&seen, NULL);
	return out;
}

static const char *const deployment_keys[] = {
    "name",	  "replicas",
    "image",	  "labels",
    "containers", "strategy",
    "maxSurge",	  "maxUnavailable",
    "paused",	  "progressDeadlineSeconds",
    "startAfter", "readyAfter",
    "neverReady", "pullError",
    "crashLoop",  "logs",
    NULL};

static void load_deployment(struct ctx *c, json_t *d, const char *ns)
{
	size_t before = c->nproblems;
	if (!want_map(c, d, "a deployment"))
		return;
	check_keys(c, d, "a deployment", deployment_keys);
	const char *name = NULL, *image = NULL, *strategy = "RollingUpdate";
	long replicas = 1, deadline = 600;
	bool flag;
	double secs;
	json_t *ann = json_object(), *containers = NULL, *v;
	size_t m;

	if (get_name(c, d, NAME_LABEL, "deployment", &name))
		claim(c, "Deployment", ns, name);
	get_long(c, d, "replicas", 0, MAX_REPLICAS, &replicas);
	json_t *labels = get_str_map(c, d, "labels", 'l');
	if ((v = field(c, d, "containers", &m))) {
		containers = load_containers(c, v);
		leave(c, m);
		if (json_object_get(d, "image")) {
			m = enter_key(c, "image");
			problem(c, true,
				"give either image or containers, not both");
			leave(c, m);
		}
	} else if (require(c, d, "image", "a deployment") &&
		   get_str(c, d, "image", &image) && name) {
		containers = json_pack("[o]", container(name, image));
	}
	if (get_str(c, d, "strategy", &strategy) &&
	    strcmp(strategy, "RollingUpdate") && strcmp(strategy, "Recreate")) {
		m = enter_key(c, "strategy");
		problem(c, false, "strategy must be RollingUpdate or Recreate");
		leave(c, m);
	}
	json_t *surge = get_int_or_percent(c, d, "maxSurge");
	json_t *unavail = get_int_or_percent(c, d, "maxUnavailable");
	if (!strcmp(strategy, "Recreate") && (surge || unavail)) {
		m = enter_key(c, surge ? "maxSurge" : "maxUnavailable");
		problem(c, true,
			"maxSurge and maxUnavailable need strategy "
			"RollingUpdate");
		leave(c, m);
	}
	if (surge && unavail && json_is_integer(surge) &&
	    json_is_integer(unavail) && !json_integer_value(surge) &&
	    !json_integer_value(unavail)) {
		m = enter_key(c, "maxUnavailable");
		problem(c, false,
			"maxUnavailable and maxSurge cannot both be 0");
		leave(c, m);
	}
	get_long(c, d, "progressDeadlineSeconds", 1, INT32_MAX, &deadline);
	bool paused = false;
	get_bool(c, d, "paused", &paused);
	if (get_duration(c, d, "startAfter", &secs))
		json_object_set_new(ann, KS_ANN_START_AFTER, num_str(secs));
	if (get_duration(c, d, "readyAfter", &secs))
		json_object_set_new(ann, KS_ANN_READY_AFTER, num_str(secs));
	if (get_bool(c, d, "neverReady", &flag) && flag)
		json_object_set_new(ann, KS_ANN_NEVER_READY,
				    json_string("true"));
	if (get_bool(c, d, "pullError", &flag) && flag)
		json_object_set_new(ann, KS_ANN_PULL_ERROR,
				    json_string("true"));
	if ((v = field(c, d, "crashLoop", &m))) {
		if (json_is_boolean(v)) {
			if (json_is_true(v))
				json_object_set_new(ann, KS_ANN_CRASH_AFTER,
						    json_string("1"));
		} else if (json_is_object(v)) {
			static const char *const crash_keys[] = {"after", NULL};
			check_keys(c, v, "crashLoop", crash_keys);
			if (require(c, v, "after", "crashLoop") &&
			    get_duration(c, v, "after", &secs))
				json_object_set_new(ann, KS_ANN_CRASH_AFTER,
						    num_str(secs));
		} else {
			problem(c, false,
				"crashLoop must be true, false or {after: "
				"<duration>}, not %s",
				type_name(v));
		}
		leave(c, m);
	}
	load_logs(c, d, ann);

	if (labels && name)
		check_app_label(c, labels, name);
	if (c->nproblems == before && name && ns && containers) {
		json_t *all = json_pack("{s:s}", "app", name);
		if (labels)
			json_object_update(all, labels);
		json_t *strat = json_pack("{s:s}", "type", strategy);
		if (!strcmp(strategy, "RollingUpdate")) {
			json_t *ru = json_object();
			json_object_set_new(ru, "maxSurge",
					    surge ? json_incref(surge)
						  : json_string("25%"));
			json_object_set_new(ru, "maxUnavailable",
					    unavail ? json_incref(unavail)
						    : json_string("25%"));
			json_object_set_new(strat, "rollingUpdate", ru);
		}
		json_t *spec = json_pack(
		    "{s:I, s:{s:{s:s}}, s:o, s:o, s:i, s:I}", "replicas",
		    (json_int_t)replicas, "selector", "matchLabels", "app",
		    name, "template",
		    pod_template(all, ann, json_incref(containers), "Always"),
		    "strategy", strat, "revisionHistoryLimit", 10,
		    "progressDeadlineSeconds", (json_int_t)deadline);
		if (paused)
			json_object_set_new(spec, "paused", json_true());
		json_t *o = new_object("apps/v1", "Deployment", ns, name, all);
		json_object_set_new(o, "spec", spec);
		vec_push(&c->later, o);
		json_decref(all);
	}
	json_decref(surge);
	json_decref(unavail);
	json_decref(containers);
	json_decref(labels);
	json_decref(ann);
}

static const char *const job_keys[] = {
    "name",	    "image",	 "labels",
    "succeedAfter", "failAfter", "backoffLimit",
    "startAfter",   "logs",	 NULL};

static void load_job(struct ctx *c, json_t *j, const char *ns)
{
	size_t before = c->nproblems;
	if (!want_map(c, j, "a job"))
		return;
	check_keys(c, j, "a job", job_keys);
	const char *name = NULL, *image = NULL;
	long backoff = 6;
	double secs, after = 0;
	int code = -1;
	json_t *ann = json_object();

	if (get_name(c, j, NAME_LABEL, "job", &name))
		claim(c, "Job", ns, name);
	if (require(c, j, "image", "a job"))
		get_str(c, j, "image", &image);
	json_t *labels = get_str_map(c, j, "labels", 'l');
	if (get_duration(c, j, "succeedAfter", &secs)) {
		after = secs;
		code = 0;
	}
	if (get_duration(c, j, "failAfter", &secs)) {
		if (code == 0) {
			size_t m = enter_key(c, "failAfter");
			problem(c, true,
				"give either succeedAfter or failAfter, not "
				"both");
			leave(c, m);
		}
		after = secs;
		code = 1;
	}
	if (!json_object_get(j, "succeedAfter") &&
	    !json_object_get(j, "failAfter"))
		problem(c, false,
			"a job needs succeedAfter or failAfter (how long it "
			"runs and how it ends)");
	get_long(c, j, "backoffLimit", 0, 1000, &backoff);
	if (get_duration(c, j, "startAfter", &secs))
		json_object_set_new(ann, KS_ANN_START_AFTER, num_str(secs));
	load_logs(c, j, ann);

	if (c->nproblems == before && name && ns && image && code >= 0) {
		json_object_set_new(ann, KS_ANN_EXIT_AFTER, num_str(after));
		json_object_set_new(ann, KS_ANN_EXIT_CODE,
				    json_string(code ? "1" : "0"));
		json_t *all =
		    json_pack("{s:s, s:s}", "batch.kubernetes.io/job-name",
			      name, "job-name", name);
		if (labels)
			json_object_update(all, labels);
		json_t *spec = json_pack(
		    "{s:I, s:i, s:i, s:o}", "backoffLimit", (json_int_t)backoff,
		    "completions", 1, "parallelism", 1, "template",
		    pod_template(all, ann,
				 json_pack("[o]", container(name, image)),
				 "Never"));
		json_t *o = new_object("batch/v1", "Job", ns, name, all);
		json_object_set_new(o, "spec", spec);
		vec_push(&c->later, o);
		json_decref(all);
	}
	json_decref(labels);
	json_decref(ann);
}

static const char *const configmap_keys[] = {"name", "labels", "data", NULL};
static const char *const secret_keys[] = {"name", "labels", "type", "data",
					  NULL};

/* A ConfigMap (secret false) or a Secret. */
static void load_config(struct ctx *c, json_t *x, const char *ns, bool secret)
{
	size_t before = c->nproblems;
	const char *what = secret ? "a secret" : "a config map";
	if (!want_map(c, x, what))
		return;
	check_keys(c, x, what, secret ? secret_keys : configmap_keys);
	const char *name = NULL, *type = "Opaque";
	if (get_name(c, x, NAME_SUBDOMAIN, secret ? "secret" : "config map",
		     &name))
		claim(c, secret ? "Secret" : "ConfigMap", ns, name);
	json_t *labels = get_str_map(c, x, "labels", 'l');
	json_t *data = get_str_map(c, x, "data", 'd');
	if (secret)
		get_str(c, x, "type", &type);
	if (c->nproblems == before && name && ns) {
		json_t *o = new_object("v1", secret ? "Secret" : "ConfigMap",
				       ns, name, labels);
		if (secret) {
			json_t *enc = json_object();
			const char *k;
			json_t *v;
			json_object_foreach(data, k, v)
			{
				struct buf b = BUF_INIT;
				const char *s = json_string_value(v);
				base64_encode(&b, s, strlen(s));
				json_object_set_new(enc, k,
						    json_string(buf_str(&b)));
				buf_free(&b);
			}
			json_object_set_new(o, "type", json_string(type));
			json_object_set_new(o, "data", enc);
		} else {
			json_object_set_new(o, "data",
					    data ? json_incref(data)
						 : json_object());
		}
		vec_push(&c->later, o);
	}
	json_decref(labels);
	json_decref(data);
}

/* 10.96.x.y from the seed, avoiding .0.0, .0.1 (the kubernetes service)
 * and addresses already given. */
static char *cluster_ip(struct ctx *c, const char *ns, const char *name)
{
	struct buf key = BUF_INIT;
	buf_printf(&key, "%s/%s", ns, name);
	uint64_t h = hash_of(c->seed, "clusterIP", buf_str(&key));
	buf_free(&key);
	char ip[32];
	for (unsigned n = 0; n < 65536; n++, h++) {
		unsigned x = (unsigned)(h >> 8) & 0xff, y = (unsigned)h & 0xff;
		if ((x == 0 && y < 2) || y == 0 || y == 255)
			continue;
		snprintf(ip, sizeof ip, "10.96.%u.%u", x, y);
		if (!map_has(&c->ips, ip)) {
			map_put(&c->ips, ip, (void *)1);
			return xstrdup(ip);
		}
	}
	return NULL;
}

static const char *const service_keys[] = {"name",	 "labels",   "port",
					   "targetPort", "selector", NULL};

static void load_service(struct ctx *c, json_t *s, const char *ns)
{
	size_t before = c->nproblems;
	if (!want_map(c, s, "a service"))
		return;
	check_keys(c, s, "a service", service_keys);
	const char *name = NULL;
	long port = 0, target = 0;
	json_t *target_name = NULL;
	if (get_name(c, s, NAME_1035, "service", &name))
		claim(c, "Service", ns, name);
	json_t *labels = get_str_map(c, s, "labels", 'l');
	if (require(c, s, "port", "a service"))
		get_long(c, s, "port", 1, 65535, &port);
	size_t m;
	json_t *v = field(c, s, "targetPort", &m);
	if (v) {
		if (json_is_string(v) &&
		    dns_label(json_string_value(v),
			      strlen(json_string_value(v))) &&
		    strlen(json_string_value(v)) <= 15)
			target_name = json_incref(v);
		else if (json_is_string(v) || !json_is_integer(v))
			problem(c, false,
				"targetPort must be a port number or a port "
				"name (at most 15 characters)");
		else
			want_long(c, v, "targetPort", 1, 65535, &target);
		leave(c, m);
	}
	json_t *selector = get_str_map(c, s, "selector", 'l');
	if (c->nproblems == before && name && ns && port) {
		char *ip = cluster_ip(c, ns, name);
		if (!ip) {
			problem(c, false, "no cluster IP left in 10.96.0.0/16");
		} else {
			json_t *tp = target_name
					 ? json_incref(target_name)
					 : json_integer(target ? target : port);
			json_t *spec = json_pack(
			    "{s:s, s:s, s:[s], s:[s], s:s, s:[{s:s, s:I, "
			    "s:o}], s:o, s:s, s:s}",
			    "type", "ClusterIP", "clusterIP", ip, "clusterIPs",
			    ip, "ipFamilies", "IPv4", "ipFamilyPolicy",
			    "SingleStack", "ports", "protocol", "TCP", "port",
			    (json_int_t)port, "targetPort", tp, "selector",
			    selector ? json_incref(selector)
				     : json_pack("{s:s}", "app", name),
			    "sessionAffinity", "None", "internalTrafficPolicy",
			    "Cluster");
			json_t *o =
			    new_object("v1", "Service", ns, name, labels);
			json_object_set_new(o, "spec", spec);
			json_object_set_new(
			    o, "status", json_pack("{s:{}}", "loadBalancer"));
			vec_push(&c->later, o);
			free(ip);
		}
	}
	json_decref(target_name);
	json_decref(selector);
	json_decref(labels);
}

/* ---- sections ---- */

typedef void (*item_loader)(struct ctx *c, json_t *item, const char *ns);

static void load_secret(struct ctx *c, json_t *x, const char *ns)
{
	load_config(c, x, ns, true);
}

static void load_configmap(struct ctx *c, json_t *x, const char *ns)
{
	load_config(c, x, ns, false);
}

/* Run load on every item of the list obj.key. */
static void each(struct ctx *c, json_t *obj, const char *key, const char *ns,
		 item_loader load)
{
	size_t m;
	json_t *list = field(c, obj, key, &m);
	if (!list)
		return;
	/* "jobs:" with every item commented out is an empty list */
	if (json_is_null(list) || want_list(c, list, key)) {
		size_t i;
		json_t *it;
		json_array_foreach(list, i, it)
		{
			size_t mi = enter_index(c, i);
			load(c, it, ns);
			leave(c, mi);
		}
	}
	leave(c, m);
}

static const char *const namespace_keys[] = {
    "name",	  "labels",  "deployments", "jobs",
    "configmaps", "secrets", "services",    NULL};

static void load_namespace(struct ctx *c, json_t *n, const char *unused)
{
	(void)unused;
	size_t before = c->nproblems;
	if (!want_map(c, n, "a namespace"))
		return;
	check_keys(c, n, "a namespace", namespace_keys);
	const char *name = NULL;
	if (get_name(c, n, NAME_LABEL, "namespace", &name)) {
		if (claim(c, "Namespace", NULL, name))
			map_put(&c->nss, name, (void *)1);
	}
	json_t *labels = get_str_map(c, n, "labels", 'l');
	if (c->nproblems == before && name) {
		json_t *all =
		    json_pack("{s:s}", "kubernetes.io/metadata.name", name);
		if (labels)
			json_object_update(all, labels);
		json_t *o = new_object("v1", "Namespace", NULL, name, all);
		json_object_set_new(
		    o, "spec",
		    json_pack("{s:[s]}", "finalizers", "kubernetes"));
		json_object_set_new(o, "status",
				    json_pack("{s:s}", "phase", "Active"));
		vec_push(&c->sc->objects, o);
		json_decref(all);
	}
	json_decref(labels);
	/* objects inside are checked even when the namespace is bad, but
	 * built only into a good one */
	const char *ns = c->nproblems == before ? name : NULL;
	each(c, n, "configmaps", ns, load_configmap);
	each(c, n, "secrets", ns, load_secret);
	each(c, n, "services", ns, load_service);
	each(c, n, "deployments", ns, load_deployment);
	each(c, n, "jobs", ns, load_job);
}

static int kind_of(const char *api, const char *kind)
{
	for (size_t i = 0; i < NKINDS; i++)
		if (!strcmp(kinds[i].api_version, api) &&
		    !strcmp(kinds[i].kind, kind))
			return (int)i;
	return -1;
}

/* A raw manifest; namespaces_only picks the pass. */
static void load_manifest(struct ctx *c, json_t *m, bool namespaces_only)
{
	const char *api = json_string_value(json_object_get(m, "apiVersion"));
	const char *kind = json_string_value(json_object_get(m, "kind"));
	bool is_ns =
	    api && kind && !strcmp(api, "v1") && !strcmp(kind, "Namespace");
	if (is_ns != namespaces_only)
		return;
	size_t before = c->nproblems;
	char shown[64], shown2[64];
	if (!api || !kind) {
		problem(c, false,
			"a manifest needs apiVersion and kind strings");
		return;
	}
	int k = kind_of(api, kind);
	if (k < 0) {
		struct buf served = BUF_INIT;
		for (size_t i = 0; i < NKINDS; i++)
			buf_printf(&served, "%s%s %s", i ? ", " : "",
				   kinds[i].api_version, kinds[i].kind);
		size_t mk = enter_key(c, "kind");
		problem(c, false,
			"kubesim does not serve apiVersion %s kind %s (it "
			"serves %s)",
			clip(shown, api), clip(shown2, kind), buf_str(&served));
		leave(c, mk);
		buf_free(&served);
		return;
	}
	size_t mm;
	json_t *meta = field(c, m, "metadata", &mm);
	if (!meta) {
		problem(c, false, "a manifest needs metadata with a name");
		return;
	}
	if (!want_map(c, meta, "metadata")) {
		leave(c, mm);
		return;
	}
	const char *name = NULL, *ns = NULL;
	if (json_object_get(meta, "name"))
		get_str(c, meta, "name", &name);
	else if (json_object_get(meta, "generateName") && !is_ns)
		get_str(c, meta, "generateName", &name);
	else
		problem(c, false, "metadata needs a name");
	if (json_object_get(meta, "namespace")) {
		size_t mn = enter_key(c, "namespace");
		if (!kinds[k].namespaced)
			problem(c, false,
				"a %s is not namespaced; leave namespace out",
				kinds[k].kind);
		else if (want_str(c, json_object_get(meta, "namespace"),
				  "namespace", &ns) &&
			 !map_has(&c->nss, ns))
			problem(c, false,
				"namespace '%s' is not declared: add it under "
				"namespaces or as a Namespace manifest",
				clip(shown, ns));
		leave(c, mn);
	} else if (kinds[k].namespaced) {
		problem(c, false, "a %s manifest needs metadata.namespace",
			kinds[k].kind);
	}
	if (name && json_object_get(meta, "name") &&
	    claim(c, kinds[k].kind, ns, name) && is_ns)
		map_put(&c->nss, name, (void *)1);
	leave(c, mm);
	if (c->nproblems == before)
		vec_push(is_ns ? &c->sc->objects : &c->tail, json_deep_copy(m));
}

static void load_manifests(struct ctx *c, json_t *root)
{
	size_t m;
	json_t *list = field(c, root, "manifests", &m);
	if (!list)
		return;
	if (want_list(c, list, "manifests")) {
		for (int pass = 0; pass < 2; pass++) {
			size_t i;
			json_t *it;
			json_array_foreach(list, i, it)
			{
				size_t mi = enter_index(c, i);
				if (pass == 0 && !json_is_object(it))
					want_map(c, it, "a manifest");
				else if (json_is_object(it))
					load_manifest(c, it, pass == 0);
				leave(c, mi);
			}
		}
	}
	leave(c, m);
}

static const char *const rule_keys[] = {"verbs", "resources", "namespaces",
					"exceptNamespaces", NULL};
static const char *const verbs[] = {
    "get",    "list",  "watch",	 "create",
    "update", "patch", "delete", "deletecollection",
    "*",      NULL};

static bool is_glob(const char *s)
{
	return strpbrk(s, "*?") != NULL;
}

static bool known_resource(const char *r)
{
	if (is_glob(r))
		return true;
	const char *slash = strchr(r, '/');
	size_t n = slash ? (size_t)(slash - r) : strlen(r);
	if (slash) {
		if (!slash[1])
			return false;
		for (const char *p = slash + 1; *p; p++)
			if (!islower((unsigned char)*p))
				return false;
	}
	static const char *const extra[] = {"selfsubjectaccessreviews",
					    "selfsubjectreviews"};
	for (size_t i = 0; i < NKINDS; i++)
		if (strlen(kinds[i].resource) == n &&
		    !strncmp(kinds[i].resource, r, n))
			return true;
	for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
		if (strlen(extra[i]) == n && !strncmp(extra[i], r, n))
			return true;
	return false;
}

static void rule_free(void *p)
{
	struct ks_rule *r = p;
	vec_free(&r->verbs, free);
	vec_free(&r->resources, free);
	vec_free(&r->namespaces, free);
	vec_free(&r->except_namespaces, free);
	free(r);
}

/* Check the items of a rule's list (c->path at the rule). */
static void check_rule_list(struct ctx *c, const char *key,
			    const struct vec *items, bool is_verbs)
{
	for (size_t i = 0; i < items->len; i++) {
		const char *s = items->items[i];
		bool ok = is_verbs ? in_list(s, verbs) : known_resource(s);
		if (ok)
			continue;
		size_t m = enter_key(c, key);
		size_t mi = enter_index(c, i);
		char shown[64];
		if (is_verbs) {
			const char *sug = str_closest(s, verbs);
			problem(c, false, "unknown verb '%s'%s%s%s",
				clip(shown, s), sug ? " (did you mean '" : "",
				sug ? sug : "", sug ? "'?)" : "");
		} else {
			problem(c, false,
				"unknown resource '%s' (use a plural like "
				"pods, deployments, pods/log, or a glob)",
				clip(shown, s));
		}
		leave(c, mi);
		leave(c, m);
	}
}

static struct ks_rule *load_rule(struct ctx *c, json_t *r)
{
	if (!want_map(c, r, "a rule"))
		return NULL;
	check_keys(c, r, "a rule", rule_keys);
	struct ks_rule *rule = xcalloc(1, sizeof *rule);
	static const char *const lists[] = {"verbs", "resources"};
	for (int i = 0; i < 2; i++) {
		struct vec *v = i ? &rule->resources : &rule->verbs;
		if (require(c, r, lists[i], "a rule") &&
		    get_str_list(c, r, lists[i], v)) {
			check_rule_list(c, lists[i], v, i == 0);
			if (!v->len) {
				size_t m = enter_key(c, lists[i]);
				problem(c, false, "%s must not be empty",
					lists[i]);
				leave(c, m);
			}
		}
	}
	if (json_object_get(r, "namespaces")) {
		get_str_list(c, r, "namespaces", &rule->namespaces);
		if (!rule->namespaces.len) {
			size_t m = enter_key(c, "namespaces");
			problem(c, false,
				"namespaces must not be empty (leave it out "
				"for all namespaces)");
			leave(c, m);
		}
	} else {
		vec_push(&rule->namespaces, xstrdup("*"));
	}
	get_str_list(c, r, "exceptNamespaces", &rule->except_namespaces);
	return rule;
}

static void user_free(void *p)
{
	struct ks_user *u = p;
	if (!u)
		return;
	free(u->name);
	free(u->token);
	free(u->uid);
	vec_free(&u->groups, free);
	vec_free(&u->rules, rule_free);
	free(u);
}

static const char *const user_keys[] = {"name",	  "token", "admin",
					"groups", "rules", NULL};

/* A user name goes into kubeconfig names and messages: keep it plain. */
static bool user_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (!n || n > 63)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._@:-", *s))
			return false;
	return true;
}

/* RFC 6750 b64token. */
static bool token_ok(const char *s)
{
	size_t n = strlen(s);
	if (!n || n > 512)
		return false;
	size_t i = 0;
	while (i < n &&
	       (isalnum((unsigned char)s[i]) || strchr("-._~+/", s[i])))
		i++;
	while (i < n && s[i] == '=')
		i++;
	return i == n;
}

static struct ks_user *load_user(struct ctx *c, json_t *u, bool *admin_set)
{
	*admin_set = false;
	if (!want_map(c, u, "a user"))
		return NULL;
	check_keys(c, u, "a user", user_keys);
	struct ks_user *user = xcalloc(1, sizeof *user);
	const char *s;
	char shown[64];
	size_t m;
	if (require(c, u, "name", "a user") && get_str(c, u, "name", &s)) {
		if (user_name_ok(s)) {
			user->name = xstrdup(s);
		} else {
			m = enter_key(c, "name");
			problem(c, false,
				"'%s' is not a valid user name (letters, "
				"digits, '.', '_', '@', ':', '-'; at most 63)",
				clip(shown, s));
			leave(c, m);
		}
	}
	if (get_str(c, u, "token", &s)) {
		if (token_ok(s)) {
			user->token = xstrdup(s);
		} else {
			m = enter_key(c, "token");
			problem(c, false,
				"a token must be letters, digits and "
				"-._~+/ (then optional '='), at most 512");
			leave(c, m);
		}
	}
	if (get_bool(c, u, "admin", &user->admin) && user->admin)
		*admin_set = true;
	get_str_list(c, u, "groups", &user->groups);
	json_t *rules = field(c, u, "rules", &m);
	if (!rules) {
		problem(c, false,
			"a user needs rules (e.g. rules: [{verbs: [get, list, "
			"watch], resources: [\"*\"]}])");
	} else {
		if (want_list(c, rules, "rules")) {
			if (!json_array_size(rules))
				problem(
				    c, false,
				    "rules must not be empty: a user without "
				    "rules can do nothing");
			size_t i;
			json_t *it;
			json_array_foreach(rules, i, it)
			{
				size_t mi = enter_index(c, i);
				struct ks_rule *r = load_rule(c, it);
				if (r)
					vec_push(&user->rules, r);
				leave(c, mi);
			}
		}
		leave(c, m);
	}
	return user;
}

static void load_users(struct ctx *c, json_t *root)
{
	size_t m;
	json_t *list = field(c, root, "users", &m);
	if (!list) {
		problem(c, false,
			"a scenario needs users (at least one, with rules)");
		return;
	}
	struct ks_scenario *sc = c->sc;
	size_t admin_at = SIZE_MAX;
	if (!want_list(c, list, "users"))
		goto out;
	if (!json_array_size(list))
		problem(c, false, "users must not be empty");
	size_t i;
	json_t *it;
	json_array_foreach(list, i, it)
	{
		size_t mi = enter_index(c, i);
		bool admin;
		struct ks_user *u = load_user(c, it, &admin);
		/* keep the list aligned with the file for the checks below */
		vec_push(&sc->users, u);
		if (u && u->name) {
			for (size_t j = 0; j < i; j++) {
				struct ks_user *o = sc->users.items[j];
				if (o && o->name && !strcmp(o->name, u->name)) {
					size_t mk = enter_key(c, "name");
					problem(c, false,
						"there is already a user named "
						"'%s'",
						u->name);
					leave(c, mk);
					break;
				}
			}
		}
		if (admin && admin_at != SIZE_MAX) {
			struct ks_user *first = sc->users.items[admin_at];
			size_t mk = enter_key(c, "admin");
			problem(c, false,
				"only one user may be admin, and '%s' already "
				"is",
				first && first->name ? first->name : "?");
			leave(c, mk);
		} else if (admin) {
			admin_at = i;
		}
		leave(c, mi);
	}
	if (admin_at == SIZE_MAX && sc->users.len && sc->users.items[0])
		((struct ks_user *)sc->users.items[0])->admin = true;

	/* tokens: given ones first, so a derived one can never take a
	 * given one's place silently */
	struct map tokens = MAP_INIT;
	for (int pass = 0; pass < 2; pass++) {
		for (i = 0; i < sc->users.len; i++) {
			struct ks_user *u = sc->users.items[i];
			if (!u || !u->name)
				continue;
			bool given = json_object_get(json_array_get(list, i),
						     "token") != NULL;
			if (given != (pass == 0) || (given && !u->token))
				continue;
			if (!given)
				u->token = derived_token(c->seed, u->name);
			u->uid = derived_uid(c->seed, "user", u->name);
			struct ks_user *o = map_get(&tokens, u->token);
			if (o && !given && !strcmp(o->name, u->name)) {
				/* a duplicate name, already reported */
			} else if (o) {
				size_t mi = enter_index(c, i);
				size_t mk = given ? enter_key(c, "token")
						  : enter_key(c, "name");
				problem(c, false,
					"user '%s' has the same token as user "
					"'%s'",
					u->name, o->name);
				leave(c, mk);
				leave(c, mi);
			} else {
				map_put(&tokens, u->token, u);
			}
		}
	}
	map_free(&tokens, NULL);
out:
	leave(c, m);
}

static const char *const generate_keys[] = {
    "namespaces", "deploymentsPerNamespace", "replicas", NULL};

static void load_generate(struct ctx *c, json_t *root)
{
	size_t m;
	json_t *g = field(c, root, "generate", &m);
	if (!g)
		return;
	struct ks_generate *gen = &c->sc->generate;
	if (want_map(c, g, "generate")) {
		check_keys(c, g, "generate", generate_keys);
		long ns = 0, per = 1, reps = 1;
		if (require(c, g, "namespaces", "generate"))
			get_long(c, g, "namespaces", 0, 10000, &ns);
		get_long(c, g, "deploymentsPerNamespace", 1, 10000, &per);
		get_long(c, g, "replicas", 0, MAX_REPLICAS, &reps);
		if ((double)ns * (double)per * (double)reps >
		    MAX_GENERATED_PODS)
			problem(c, false,
				"generate asks for %.0f pods; the limit is %d",
				(double)ns * (double)per * (double)reps,
				MAX_GENERATED_PODS);
		gen->namespaces = ns;
		gen->deployments_per_ns = per;
		gen->replicas = reps;
	}
	leave(c, m);
}

static const char *const top_keys[] = {
    "speed",	  "historyWindow", "nodes",    "pullErrors", "users",
    "namespaces", "manifests",	   "generate", NULL};

static void load_settings(struct ctx *c, json_t *root)
{
	struct ks_scenario *sc = c->sc;
	size_t m;
	json_t *v = field(c, root, "speed", &m);
	if (v) {
		if (!json_is_number(v) || !(json_number_value(v) > 0) ||
		    json_number_value(v) > 10000)
			problem(c, false,
				"speed must be a number above 0 and at most "
				"10000 (2 = time runs twice as fast)");
		else
			sc->speed = json_number_value(v);
		leave(c, m);
	}
	long n;
	if (get_long(c, root, "historyWindow", 1, 10000000, &n))
		sc->history_window = (size_t)n;
	get_long(c, root, "nodes", 0, 10000, &sc->nodes);
	get_str_list(c, root, "pullErrors", &sc->pull_errors);
}

/* All problems into e, as many whole lines as fit. */
static enum status report(struct ctx *c, struct err *e)
{
	vec_sort(&c->problems, problem_cmp);
	struct buf b = BUF_INIT;
	size_t shown = 0;
	const size_t room = ERR_MSG_MAX - 24; /* for "\n(and N more)" */
	for (; shown < c->problems.len; shown++) {
		const char *p =
		    ((struct problem *)c->problems.items[shown])->msg;
		size_t need = strlen(p) + (b.len ? 1 : 0);
		bool last = shown + 1 == c->nproblems;
		if (b.len + need >= (last ? ERR_MSG_MAX : room)) {
			if (shown == 0) { /* one long line: cut it */
				buf_append(&b, p, room - 4);
				buf_puts(&b, "...");
				shown++;
			}
			break;
		}
		if (b.len)
			buf_putc(&b, '\n');
		buf_puts(&b, p);
	}
	if (shown < c->nproblems)
		buf_printf(&b, "\n(and %zu more)", c->nproblems - shown);
	err_set(e, ST_ERR_INVALID, "%s", buf_str(&b));
	buf_free(&b);
	return ST_ERR_INVALID;
}

static void json_free(void *p)
{
	json_decref(p);
}

enum status ks_scenario_load(const char *path, uint64_t seed,
			     struct ks_scenario *sc, struct err *e)
{
	memset(sc, 0, sizeof *sc);
	sc->path = xstrdup(path);
	sc->speed = 1;
	sc->history_window = 10000;
	sc->nodes = 3;

	struct yaml_pos *pos = NULL;
	struct yaml_opts opts = {.flags = YAML_ONE_DOC};
	json_t *root = yaml_load_file_ex(path, &opts, &pos, e);
	if (!root) {
		ks_scenario_free(sc);
		return e ? e->code : ST_ERR_PARSE;
	}
	struct ctx c = {.pos = pos, .seed = seed, .sc = sc};
	if (!json_is_object(root)) {
		problem(&c, false,
			"a scenario is a mapping with at least users (see "
			"docs/kubesim.md), not %s",
			type_name(root));
	} else {
		check_keys(&c, root, "a scenario", top_keys);
		load_settings(&c, root);
		load_users(&c, root);
		each(&c, root, "namespaces", NULL, load_namespace);
		load_manifests(&c, root);
		load_generate(&c, root);
	}
	for (size_t i = 0; i < c.later.len; i++)
		vec_push(&sc->objects, c.later.items[i]);
	for (size_t i = 0; i < c.tail.len; i++)
		vec_push(&sc->objects, c.tail.items[i]);
	vec_free(&c.later, NULL);
	vec_free(&c.tail, NULL);

	enum status st = ST_OK;
	if (c.nproblems) {
		st = report(&c, e);
		ks_scenario_free(sc);
	}
	vec_free(&c.problems, problem_free);
	buf_free(&c.path);
	map_free(&c.names, NULL);
	map_free(&c.ips, NULL);
	map_free(&c.nss, NULL);
	json_decref(root);
	yaml_pos_free(pos);
	return st;
}

void ks_scenario_free(struct ks_scenario *sc)
{
	if (!sc)
		return;
	free(sc->path);
	vec_free(&sc->users, user_free);
	vec_free(&sc->objects, json_free);
	vec_free(&sc->pull_errors, free);
	memset(sc, 0, sizeof *sc);
}

struct ks_user *ks_scenario_user_by_token(struct ks_scenario *sc,
					  const char *token)
{
	if (!sc || !token || !*token)
		return NULL;
	for (size_t i = 0; i < sc->users.len; i++) {
		struct ks_user *u = sc->users.items[i];
		if (u->token && !strcmp(u->token, token))
			return u;
	}
	return NULL;
}

static bool any_glob(const struct vec *globs, const char *s)
{
	for (size_t i = 0; i < globs->len; i++)
		if (str_glob(globs->items[i], s))
			return true;
	return false;
}

/* Cluster scope and "all namespaces" need a rule for every namespace:
 * namespaces ["*"] and no exceptions. */
static bool rule_covers_all(const struct ks_rule *r)
{
	if (r->except_namespaces.len)
		return false;
	for (size_t i = 0; i < r->namespaces.len; i++)
		if (!strcmp(r->namespaces.items[i], "*"))
			return true;
	return false;
}

static bool rule_allows(const struct ks_rule *r, const char *verb,
			const char *resource, const char *ns)
{
	bool verb_ok = false;
	for (size_t i = 0; i < r->verbs.len && !verb_ok; i++) {
		const char *v = r->verbs.items[i];
		verb_ok = !strcmp(v, "*") || !strcmp(v, verb);
	}
	if (!verb_ok || !any_glob(&r->resources, resource))
		return false;
	if (!ns || !*ns)
		return rule_covers_all(r);
	return any_glob(&r->namespaces, ns) &&
	       !any_glob(&r->except_namespaces, ns);
}

bool ks_rbac_allows(const struct ks_user *u, const char *verb,
		    const char *resource, const char *ns)
{
	if (!u || !verb || !resource)
		return false;
	for (size_t i = 0; i < u->rules.len; i++)
		if (rule_allows(u->rules.items[i], verb, resource, ns))
			return true;
	return false;
}
