/*
 * The object store: every object kubesim serves, with resource versions and
 * the watch history.
 *
 * Each kind has a map from "namespace/name" to a struct ks_obj. A write
 * (create, update, delete) takes the next resourceVersion from the world's
 * counter, stores a new immutable JSON document, appends an event to the
 * history ring that watches read from, tells the controller (sim_on_change)
 * and wakes every waiting reader. The ring is bounded: when it overflows,
 * its oldest resourceVersion becomes the compaction point, and watches or
 * list continuations from before it are answered 410 Expired, as a real
 * apiserver does after etcd compaction.
 */
#include "kubesim.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/mem.h"
#include "base/str.h"

const struct ks_kind_info ks_kinds[KS_KIND_COUNT] = {
#define KS_KIND_INFO(id, res, sing, kind, grp, ver, nsd, shortn)              \
	[KS_##id] = {res, sing, kind, grp, ver, nsd, shortn,                  \
		     sizeof(grp) > 1 ? grp "/" ver : ver},
	KS_KINDS(KS_KIND_INFO)
#undef KS_KIND_INFO
};

int ks_kind_find(const char *group, const char *resource)
{
	for (int k = 0; k < KS_KIND_COUNT; k++)
		if (!strcmp(ks_kinds[k].group, group) &&
		    !strcmp(ks_kinds[k].resource, resource))
			return k;
	return -1;
}

double ks_clock(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double ks_dur(const struct ks_world *w, double d)
{
	return w->speed > 0 ? d / w->speed : d;
}

void ks_time_format(double t, bool nano, char out[40])
{
	time_t sec = (time_t)t;
	struct tm tm;
	gmtime_r(&sec, &tm);
	size_t n = strftime(out, 40, "%Y-%m-%dT%H:%M:%S", &tm);
	if (nano) {
		long ns = (long)((t - (double)sec) * 1e9);
		if (ns < 0)
			ns = 0;
		if (ns > 999999999)
			ns = 999999999;
		snprintf(out + n, 40 - n, ".%09ldZ", ns);
	} else {
		snprintf(out + n, 40 - n, "Z");
	}
}

bool ks_time_parse(const char *s, double *t)
{
	struct tm tm = {0};
	const char *rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!rest)
		return false;
	double frac = 0;
	if (*rest == '.') {
		double scale = 0.1;
		rest++;
		if (*rest < '0' || *rest > '9')
			return false;
		while (*rest >= '0' && *rest <= '9') {
			frac += (*rest - '0') * scale;
			scale /= 10;
			rest++;
		}
	}
	long offset = 0;
	if (*rest == 'Z' || *rest == 'z') {
		rest++;
	} else if (*rest == '+' || *rest == '-') {
		int hh, mm;
		if (sscanf(rest + 1, "%2d:%2d", &hh, &mm) != 2)
			return false;
		offset = (hh * 3600L + mm * 60L) * (*rest == '+' ? 1 : -1);
		rest += 6;
	} else {
		return false;
	}
	if (*rest)
		return false;
	*t = (double)(timegm(&tm) - offset) + frac;
	return true;
}

uint64_t ks_mix64(uint64_t z)
{
	/* splitmix64's finaliser: tiny, fast, good enough for names, log
	 * contents and jitter. */
	z += 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint64_t ks_hash64(const char *s)
{
	uint64_t h = 14695981039346656037ull; /* FNV-1a */
	for (; s && *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h;
}

uint64_t ks_rand(struct ks_world *w)
{
	uint64_t z = ks_mix64(w->rand_state);
	w->rand_state += 0x9e3779b97f4a7c15ull;
	return z;
}

void ks_wait_until(struct ks_world *w, double until)
{
	struct timespec ts;
	ts.tv_sec = (time_t)until;
	ts.tv_nsec = (long)((until - (double)ts.tv_sec) * 1e9);
	if (ts.tv_nsec < 0 || ts.tv_nsec > 999999999)
		ts.tv_nsec = 0;
	pthread_cond_timedwait(&w->changed, &w->mu, &ts);
}

void ks_rand_suffix(struct ks_world *w, char *out, size_t n)
{
	/* The alphabet Kubernetes uses for generated names (no vowels, no
	 * look-alikes). */
	static const char alnum[] = "bcdfghjklmnpqrstvwxz2456789";
	for (size_t i = 0; i < n; i++)
		out[i] = alnum[ks_rand(w) % (sizeof alnum - 1)];
	out[n] = '\0';
}

static void make_uid(struct ks_world *w, char out[37])
{
	uint64_t a = ks_rand(w), b = ks_rand(w);
	snprintf(out, 37, "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(a >> 32),
		 (unsigned)(a >> 16) & 0xffff, (unsigned)a & 0xfff,
		 (unsigned)(0x8000 | ((b >> 48) & 0x3fff)),
		 (unsigned long long)(b & 0xffffffffffffull));
}

void ks_world_init(struct ks_world *w, struct ks_scenario *sc, uint64_t seed)
{
	memset(w, 0, sizeof *w);
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->changed, NULL);
	w->seed = seed;
	w->rand_state = seed ^ 0x6b75626573696dull;
	w->sc = sc;
	w->speed = sc && sc->speed > 0 ? sc->speed : 1;
	w->hist_cap = sc && sc->history_window ? sc->history_window : 10000;
	w->hist = xcalloc(w->hist_cap, sizeof *w->hist);
	w->started = ks_clock();
}

static void obj_free(void *p)
{
	struct ks_obj *o = p;
	if (!o)
		return;
	json_decref(o->json);
	free(o->ns);
	free(o->name);
	free(o->uid);
	free(o);
}

static void hist_drop_oldest(struct ks_world *w)
{
	struct ks_wevent *ev = &w->hist[w->hist_head];
	w->compacted_rv = ev->rv;
	json_decref(ev->json);
	free(ev->ns);
	memset(ev, 0, sizeof *ev);
	w->hist_head = (w->hist_head + 1) % w->hist_cap;
	w->hist_len--;
}

void ks_world_free(struct ks_world *w)
{
	for (int k = 0; k < KS_KIND_COUNT; k++) {
		map_free(&w->objs[k], obj_free);
		vec_free(&w->sorted[k], NULL);
	}
	while (w->hist_len)
		hist_drop_oldest(w);
	free(w->hist);
	map_free(&w->event_index, free);
	pthread_cond_destroy(&w->changed);
	pthread_mutex_destroy(&w->mu);
}

static void key_of(char *out, size_t n, const char *ns, const char *name)
{
	snprintf(out, n, "%s/%s", ns ? ns : "", name);
}

struct ks_obj *ks_get(struct ks_world *w, enum ks_kind k, const char *ns,
		      const char *name)
{
	char key[512];
	if (strlen(name) + (ns ? strlen(ns) : 0) + 2 > sizeof key)
		return NULL;
	key_of(key, sizeof key, ks_kinds[k].namespaced ? ns : "", name);
	return map_get(&w->objs[k], key);
}

static int cmp_obj(const void *a, const void *b)
{
	const struct ks_obj *x = *(struct ks_obj *const *)a;
	const struct ks_obj *y = *(struct ks_obj *const *)b;
	int c = strcmp(x->ns, y->ns);
	return c ? c : strcmp(x->name, y->name);
}

void ks_list(struct ks_world *w, enum ks_kind k, const char *ns,
	     struct vec *out)
{
	struct vec *all = &w->sorted[k];
	if (!w->sorted_ok[k]) {
		all->len = 0;
		size_t pos = 0;
		void *v;
		while (map_next(&w->objs[k], &pos, NULL, &v))
			vec_push(all, v);
		vec_sort(all, cmp_obj);
		w->sorted_ok[k] = true;
	}
	for (size_t i = 0; i < all->len; i++) {
		struct ks_obj *o = all->items[i];
		if (ns && ks_kinds[k].namespaced && strcmp(o->ns, ns))
			continue;
		vec_push(out, o);
	}
}

static void set_rv(json_t *meta, uint64_t rv)
{
	char s[24];
	snprintf(s, sizeof s, "%llu", (unsigned long long)rv);
	json_object_set_new(meta, "resourceVersion", json_string(s));
}

static void record(struct ks_world *w, struct ks_obj *o, const char *type)
{
	if (w->hist_len == w->hist_cap)
		hist_drop_oldest(w);
	size_t i = (w->hist_head + w->hist_len) % w->hist_cap;
	w->hist[i] = (struct ks_wevent){
		.rv = o->rv,
		.kind = o->kind,
		.type = type,
		.ns = xstrdup(o->ns),
		.json = json_incref(o->json),
	};
	w->hist_len++;
	sim_on_change(w, o->kind, type, o);
	pthread_cond_broadcast(&w->changed);
}

static bool has_generation(enum ks_kind k)
{
	return k == KS_DEPLOYMENTS || k == KS_REPLICASETS || k == KS_JOBS;
}

enum status ks_create(struct ks_world *w, enum ks_kind k, const char *ns,
		      json_t *obj, struct ks_obj **out, struct err *e)
{
	enum status st;
	const struct ks_kind_info *ki = &ks_kinds[k];
	if (!json_is_object(obj)) {
		json_decref(obj);
		return err_set(e, ST_ERR_INVALID, "the object is not a JSON object");
	}
	json_t *meta = json_object_get(obj, "metadata");
	if (!meta) {
		meta = json_object();
		json_object_set_new(obj, "metadata", meta);
	}
	if (!json_is_object(meta)) {
		st = err_set(e, ST_ERR_INVALID, "metadata must be an object");
		goto fail;
	}
	if (!ki->namespaced) {
		ns = "";
	} else {
		const char *ons = json_string_value(json_object_get(meta, "namespace"));
		if (!ns || !*ns)
			ns = ons && *ons ? ons : "default";
		if (ons && *ons && strcmp(ons, ns)) {
			st = err_set(e, ST_ERR_INVALID,
				     "the namespace of the provided object does not match the namespace sent on the request");
			goto fail;
		}
		if (!ks_get(w, KS_NAMESPACES, "", ns)) {
			st = err_set(e, ST_ERR_NOTFOUND, "namespaces \"%s\" not found", ns);
			goto fail;
		}
		json_object_set_new(meta, "namespace", json_string(ns));
	}
	const char *name = json_string_value(json_object_get(meta, "name"));
	char genbuf[256];
	if (!name || !*name) {
		const char *gen = json_string_value(json_object_get(meta, "generateName"));
		if (!gen || !*gen || strlen(gen) > 200) {
			st = err_set(e, ST_ERR_INVALID,
				     "%s.%s \"\" is invalid: metadata.name: Required value: name or generateName is required",
				     ki->kind, ki->group[0] ? ki->group : "core");
			goto fail;
		}
		char suffix[6];
		ks_rand_suffix(w, suffix, 5);
		snprintf(genbuf, sizeof genbuf, "%s%s", gen, suffix);
		json_object_set_new(meta, "name", json_string(genbuf));
		name = genbuf;
	}
	if (strlen(name) > 253 || strchr(name, '/')) {
		st = err_set(e, ST_ERR_INVALID,
			     "%s \"%.60s\" is invalid: metadata.name: Invalid value",
			     ki->kind, name);
		goto fail;
	}
	if (ks_get(w, k, ns, name)) {
		st = err_set(e, ST_ERR_EXISTS, "%s%s%s \"%s\" already exists",
			     ki->resource, ki->group[0] ? "." : "", ki->group,
			     name);
		goto fail;
	}
	json_object_set_new(obj, "kind", json_string(ki->kind));
	json_object_set_new(obj, "apiVersion", json_string(ki->api_version));
	char uid[37], ts[40];
	make_uid(w, uid);
	ks_time_format(ks_clock(), false, ts);
	json_object_set_new(meta, "uid", json_string(uid));
	json_object_set_new(meta, "creationTimestamp", json_string(ts));
	if (has_generation(k))
		json_object_set_new(meta, "generation", json_integer(1));
	json_object_del(meta, "deletionTimestamp");
	if (k == KS_NAMESPACES)
		json_object_set_new(obj, "status", json_pack("{s:s}", "phase", "Active"));

	struct ks_obj *o = xcalloc(1, sizeof *o);
	o->kind = k;
	o->rv = ++w->rv;
	o->ns = xstrdup(ns);
	o->name = xstrdup(name);
	o->uid = xstrdup(uid);
	set_rv(meta, o->rv);
	o->json = obj;
	char key[512];
	key_of(key, sizeof key, ns, name);
	map_put(&w->objs[k], key, o);
	w->sorted_ok[k] = false;
	record(w, o, "ADDED");
	if (out)
		*out = o;
	return ST_OK;
fail:
	json_decref(obj);
	return st;
}

json_t *ks_mutable(const struct ks_obj *o)
{
	return json_deep_copy(o->json);
}

enum status ks_update(struct ks_world *w, struct ks_obj *o, json_t *obj,
		      struct ks_obj **out, struct err *e)
{
	if (!json_is_object(obj) || !json_is_object(json_object_get(obj, "metadata"))) {
		json_decref(obj);
		return err_set(e, ST_ERR_INVALID, "the object has no metadata");
	}
	json_t *meta = json_object_get(obj, "metadata");
	json_t *ometa = json_object_get(o->json, "metadata");
	static const char *const keep[] = {"uid", "creationTimestamp", "name",
					   "namespace", "generation"};
	for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
		json_t *v = json_object_get(ometa, keep[i]);
		if (v)
			json_object_set(meta, keep[i], v);
		else
			json_object_del(meta, keep[i]);
	}
	json_object_set_new(obj, "kind", json_string(ks_kinds[o->kind].kind));
	json_object_set_new(obj, "apiVersion",
			    json_string(ks_kinds[o->kind].api_version));
	if (has_generation(o->kind) &&
	    !json_equal(json_object_get(obj, "spec"),
			json_object_get(o->json, "spec"))) {
		json_int_t g = json_integer_value(json_object_get(ometa, "generation"));
		json_object_set_new(meta, "generation", json_integer(g + 1));
	}
	struct ks_obj *n = xcalloc(1, sizeof *n);
	n->kind = o->kind;
	n->rv = ++w->rv;
	n->ns = xstrdup(o->ns);
	n->name = xstrdup(o->name);
	n->uid = xstrdup(o->uid);
	set_rv(meta, n->rv);
	n->json = obj;
	char key[512];
	key_of(key, sizeof key, n->ns, n->name);
	map_put(&w->objs[o->kind], key, n);
	w->sorted_ok[o->kind] = false;
	obj_free(o);
	record(w, n, "MODIFIED");
	if (out)
		*out = n;
	return ST_OK;
}

void ks_delete(struct ks_world *w, struct ks_obj *o)
{
	if (o->kind == KS_NAMESPACES) {
		/* Namespace deletion takes everything in it along. */
		for (int k = 0; k < KS_KIND_COUNT; k++) {
			if (!ks_kinds[k].namespaced)
				continue;
			struct vec v = VEC_INIT;
			ks_list(w, k, o->name, &v);
			for (size_t i = 0; i < v.len; i++)
				ks_delete(w, v.items[i]);
			vec_free(&v, NULL);
		}
	}
	char key[512];
	key_of(key, sizeof key, o->ns, o->name);
	map_del(&w->objs[o->kind], key);
	w->sorted_ok[o->kind] = false;
	/* The DELETED event carries the last state with a new
	 * resourceVersion, as the apiserver's does. */
	json_t *last = json_deep_copy(o->json);
	o->rv = ++w->rv;
	set_rv(json_object_get(last, "metadata"), o->rv);
	json_decref(o->json);
	o->json = last;
	record(w, o, "DELETED");
	obj_free(o);
}

void ks_event(struct ks_world *w, const struct ks_obj *obj, const char *type,
	      const char *reason, const char *component, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	const char *ns = obj->ns[0] ? obj->ns : "default";
	if (!ks_get(w, KS_NAMESPACES, "", ns))
		return;
	char ts[40];
	ks_time_format(ks_clock(), false, ts);

	struct buf key = BUF_INIT;
	buf_printf(&key, "%s\n%s\n%s\n%s", obj->uid, type, reason, msg);
	const char *existing = map_get(&w->event_index, buf_str(&key));
	struct ks_obj *ev = existing ? ks_get(w, KS_EVENTS, ns, existing) : NULL;
	if (ev) {
		json_t *j = ks_mutable(ev);
		json_int_t count = json_integer_value(json_object_get(j, "count"));
		json_object_set_new(j, "count", json_integer(count + 1));
		json_object_set_new(j, "lastTimestamp", json_string(ts));
		ks_update(w, ev, j, NULL, NULL);
		buf_free(&key);
		return;
	}
	char name[320];
	snprintf(name, sizeof name, "%.250s.%016llx", obj->name,
		 (unsigned long long)ks_rand(w));
	const char *api = json_string_value(json_object_get(obj->json, "apiVersion"));
	json_t *j = json_pack(
		"{s:{s:s,s:s},s:{s:s,s:s,s:s,s:s,s:s,s:s},s:s,s:s,s:{s:s},"
		"s:s,s:s,s:i,s:s,s:n,s:s,s:s}",
		"metadata", "name", name, "namespace", ns,
		"involvedObject", "kind", ks_kinds[obj->kind].kind, "namespace",
		obj->ns, "name", obj->name, "uid", obj->uid, "apiVersion",
		api ? api : ks_kinds[obj->kind].api_version, "resourceVersion",
		json_string_value(json_object_get(json_object_get(obj->json, "metadata"),
						  "resourceVersion")) ?: "",
		"reason", reason, "message", msg, "source", "component", component,
		"firstTimestamp", ts, "lastTimestamp", ts, "count", 1, "type", type,
		"eventTime", "reportingComponent", component, "reportingInstance",
		"");
	if (!obj->ns[0])
		json_object_del(json_object_get(j, "involvedObject"), "namespace");
	if (ks_create(w, KS_EVENTS, ns, j, NULL, NULL) == ST_OK)
		free(map_put(&w->event_index, buf_str(&key), xstrdup(name)));
	buf_free(&key);
}

void ks_expire_all(struct ks_world *w)
{
	while (w->hist_len)
		hist_drop_oldest(w);
	w->compacted_rv = w->rv;
	pthread_cond_broadcast(&w->changed);
}

bool ks_hist_from(struct ks_world *w, uint64_t after, size_t *idx)
{
	if (after < w->compacted_rv)
		return false;
	/* Binary search: history resourceVersions only grow. */
	size_t lo = 0, hi = w->hist_len;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ks_hist_at(w, mid)->rv <= after)
			lo = mid + 1;
		else
			hi = mid;
	}
	*idx = lo;
	return true;
}

struct ks_wevent *ks_hist_at(struct ks_world *w, size_t idx)
{
	return &w->hist[(w->hist_head + idx) % w->hist_cap];
}
