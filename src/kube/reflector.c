/*
 * Reflectors (see reflector.h for the contract).
 *
 * States: LISTING (a page request in flight; items go into `next`),
 * WATCHING (a watch stream in flight; its bytes go through the framer and
 * each event is applied to `store` at once), WAITING (a backoff timer).
 * Every change reaches the consumers through dispatch(); a consumer may
 * leave during a callback, so leaving only marks it while dispatching and
 * the sweep afterwards removes it (and stops the reflector when none is
 * left).
 */
#include "kube/reflector.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/str.h"
#include "base/vec.h"
#include "base/map.h"

struct reflector_registry {
	struct map by_key; /* key -> struct reflector */
};

enum phase { PH_IDLE, PH_LISTING, PH_WATCHING, PH_WAITING };

struct reflector {
	struct kube_client *c;
	char *key;
	enum kube_kind kind;
	char *ns, *lsel, *fsel;
	struct map store; /* "ns/name" -> struct kube_obj */
	struct map next;  /* the list being read */
	struct vec watchers;
	bool synced;
	char *rv;
	char *cont;
	enum phase phase;
	bool relist_next; /* after the wait: list (true) or watch */
	struct kube_req *req;
	struct loop_timer *timer;
	struct watch_framer framer;
	bool stream_failed; /* framing or decoding broke the stream */
	bool stream_expired;
	int attempt;
	char error[ERR_MSG_MAX + 64];
	bool has_error;
	enum status error_code;
	int dispatching;
	bool sweep;
	struct reflector_stats stats;
};

struct kube_watch {
	struct reflector *r;
	struct kube_watch_ops ops;
	void *arg;
	bool dead;
	bool live;	 /* receives changes (late joiners: after catch-up) */
	bool told_synced;
	struct loop_timer *catchup;
};

static void start_list(struct reflector *r);
static void start_watch(struct reflector *r);

/* ---- consumers ----------------------------------------------------------- */

static void reflector_free(struct reflector *r);

static void sweep(struct reflector *r)
{
	if (r->dispatching || !r->sweep)
		return;
	r->sweep = false;
	size_t j = 0;
	for (size_t i = 0; i < r->watchers.len; i++) {
		struct kube_watch *w = r->watchers.items[i];
		if (w->dead)
			free(w);
		else
			r->watchers.items[j++] = w;
	}
	r->watchers.len = j;
	if (!j) {
		struct reflector_registry *reg = *kube_client_registry(r->c);
		map_del(&reg->by_key, r->key);
		reflector_free(r);
	}
}

static void dispatch_change(struct reflector *r, enum watch_type type,
			    const struct kube_obj *old,
			    const struct kube_obj *obj)
{
	r->dispatching++;
	size_t n = r->watchers.len;
	for (size_t i = 0; i < n; i++) {
		struct kube_watch *w = r->watchers.items[i];
		if (!w->dead && w->live && w->ops.changed)
			w->ops.changed(w->arg, type, old, obj);
	}
	r->dispatching--;
}

static void dispatch_synced(struct reflector *r)
{
	r->dispatching++;
	size_t n = r->watchers.len;
	for (size_t i = 0; i < n; i++) {
		struct kube_watch *w = r->watchers.items[i];
		if (w->dead || !w->live || w->told_synced)
			continue;
		w->told_synced = true;
		if (w->ops.synced)
			w->ops.synced(w->arg);
	}
	r->dispatching--;
}

static void dispatch_error(struct reflector *r)
{
	r->dispatching++;
	size_t n = r->watchers.len;
	for (size_t i = 0; i < n; i++) {
		struct kube_watch *w = r->watchers.items[i];
		if (!w->dead && w->ops.error)
			w->ops.error(w->arg, r->error);
	}
	r->dispatching--;
}

/* After any dispatch: true when the reflector is gone. */
static bool settle(struct reflector *r)
{
	if (r->dispatching || !r->sweep)
		return false;
	size_t live = 0;
	for (size_t i = 0; i < r->watchers.len; i++)
		live += !((struct kube_watch *)r->watchers.items[i])->dead;
	sweep(r);
	return live == 0;
}

/* ---- failures and waiting ------------------------------------------------ */

static void wait_fired(struct loop *l, void *arg)
{
	(void)l;
	struct reflector *r = arg;
	r->timer = NULL;
	if (r->relist_next || !r->rv)
		start_list(r);
	else
		start_watch(r);
}

static void wait_then(struct reflector *r, bool relist, uint64_t ms)
{
	r->phase = PH_WAITING;
	r->relist_next = relist;
	loop_timer_cancel(r->timer);
	r->timer = loop_timer_add(kube_client_loop(r->c), ms, wait_fired, r);
}

/* Back off, then list or watch again. The reflector may be gone when this
 * returns (a consumer left in its error callback): return at once. */
static void fail(struct reflector *r, const char *why, bool relist,
		 bool network)
{
	r->attempt++;
	uint64_t d = kube_backoff_ms(r->attempt, 30000);
	str_copy(r->error, sizeof r->error, why);
	r->has_error = true;
	if (network)
		kube_client_note_failure(r->c, why, r->attempt,
					 loop_now_ms() + d);
	wait_then(r, relist, d);
	dispatch_error(r);
	settle(r);
}

static void clear_error(struct reflector *r)
{
	r->attempt = 0;
	r->has_error = false;
	r->error_code = ST_OK;
}

/* ---- listing -------------------------------------------------------------- */

static void add_selectors(struct reflector *r, struct buf *b)
{
	if (r->lsel) {
		buf_puts(b, "&labelSelector=");
		kube_query_escape(b, r->lsel);
	}
	if (r->fsel) {
		buf_puts(b, "&fieldSelector=");
		kube_query_escape(b, r->fsel);
	}
}

static void free_obj(void *o)
{
	kobj_free(o);
}

/* Replace the store with the finished list and tell consumers what
 * changed. Returns true when the reflector is gone. */
static bool finish_list(struct reflector *r)
{
	struct buf key = BUF_INIT;
	size_t pos = 0;
	const char *k;
	void *v;
	r->dispatching++;
	while (map_next(&r->next, &pos, &k, &v)) {
		struct kube_obj *o = v;
		struct kube_obj *old = map_get(&r->store, k);
		if (!old) {
			map_put(&r->store, k, o);
			dispatch_change(r, WATCH_ADDED, NULL, o);
		} else if (!str_eq(old->resource_version, o->resource_version)) {
			map_put(&r->store, k, o);
			dispatch_change(r, WATCH_MODIFIED, old, o);
			kobj_free(old);
		} else {
			kobj_free(o);
		}
	}
	/* What the list no longer has was deleted while we were away. */
	struct vec gone = VEC_INIT;
	pos = 0;
	while (map_next(&r->store, &pos, &k, &v))
		if (!map_has(&r->next, k))
			vec_push(&gone, v);
	for (size_t i = 0; i < gone.len; i++) {
		struct kube_obj *o = gone.items[i];
		buf_clear(&key);
		kobj_key(&key, o);
		map_del(&r->store, buf_str(&key));
		dispatch_change(r, WATCH_DELETED, o, o);
		kobj_free(o);
	}
	vec_free(&gone, NULL);
	buf_free(&key);
	map_free(&r->next, NULL);
	memset(&r->next, 0, sizeof r->next);
	r->stats.lists++;
	r->synced = true;
	r->dispatching--;
	dispatch_synced(r);
	return settle(r);
}

static void on_page(struct kube_client *c, const struct kube_response *resp,
		    void *arg)
{
	(void)c;
	struct reflector *r = arg;
	r->req = NULL;
	if (resp->code != ST_OK) {
		if (resp->http == 410 && r->cont) {
			/* the continue token expired: start over */
			free(r->cont);
			r->cont = NULL;
			map_free(&r->next, free_obj);
			memset(&r->next, 0, sizeof r->next);
			r->stats.expired++;
			start_list(r);
			return;
		}
		free(r->cont);
		r->cont = NULL;
		map_free(&r->next, free_obj);
		memset(&r->next, 0, sizeof r->next);
		r->error_code = resp->code;
		fail(r, resp->message, true, resp->http == 0);
		return;
	}
	json_t *items = json_object_get(resp->json, "items");
	json_t *meta = json_object_get(resp->json, "metadata");
	if (!json_is_array(items)) {
		r->error_code = ST_ERR_PARSE;
		fail(r, "list answer without items", true, false);
		return;
	}
	struct buf key = BUF_INIT;
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it) {
		struct err e;
		struct kube_obj *o = kobj_decode(r->kind, it, &e);
		if (!o) {
			r->stats.bad_objects++;
			continue;
		}
		buf_clear(&key);
		kobj_key(&key, o);
		struct kube_obj *dup = map_put(&r->next, buf_str(&key), o);
		if (dup)
			kobj_free(dup);
	}
	buf_free(&key);
	const char *rv = json_string_value(
		json_object_get(meta, "resourceVersion"));
	const char *cont = json_string_value(json_object_get(meta, "continue"));
	if (rv && *rv) {
		free(r->rv);
		r->rv = xstrdup(rv);
	}
	free(r->cont);
	r->cont = cont && *cont ? xstrdup(cont) : NULL;
	if (r->cont) {
		start_list(r);
		return;
	}
	clear_error(r);
	if (finish_list(r))
		return;
	start_watch(r);
}

static void start_list(struct reflector *r)
{
	r->phase = PH_LISTING;
	struct buf path = BUF_INIT;
	kube_kind_path(&path, r->kind, r->ns);
	buf_printf(&path, "?limit=%d",
		   kube_client_settings(r->c)->page_size);
	if (r->cont) {
		buf_puts(&path, "&continue=");
		kube_query_escape(&path, r->cont);
	}
	add_selectors(r, &path);
	r->stats.pages++;
	r->req = kube_get(r->c, buf_str(&path), on_page, r);
	buf_free(&path);
}

/* ---- watching ------------------------------------------------------------- */

static void store_rv(struct reflector *r, const char *rv)
{
	if (!rv || !*rv)
		return;
	free(r->rv);
	r->rv = xstrdup(rv);
}

static void apply_event(struct reflector *r, struct watch_event *ev)
{
	struct buf key = BUF_INIT;
	switch (ev->type) {
	case WATCH_BOOKMARK:
		r->stats.bookmarks++;
		store_rv(r, ev->resource_version);
		break;
	case WATCH_ADDED:
	case WATCH_MODIFIED: {
		kobj_key(&key, ev->obj);
		struct kube_obj *old = map_get(&r->store, buf_str(&key));
		if (old && str_eq(old->resource_version,
				  ev->obj->resource_version))
			break;
		struct kube_obj *o = ev->obj;
		ev->obj = NULL;
		map_put(&r->store, buf_str(&key), o);
		store_rv(r, o->resource_version);
		r->stats.events++;
		dispatch_change(r, old ? WATCH_MODIFIED : WATCH_ADDED, old, o);
		kobj_free(old);
		break;
	}
	case WATCH_DELETED: {
		kobj_key(&key, ev->obj);
		struct kube_obj *old = map_del(&r->store, buf_str(&key));
		store_rv(r, ev->obj->resource_version);
		r->stats.events++;
		if (old) {
			dispatch_change(r, WATCH_DELETED, old, ev->obj);
			kobj_free(old);
		}
		break;
	}
	case WATCH_ERROR:
		break;
	}
	buf_free(&key);
}

struct frame_ctx {
	struct reflector *r;
	bool stop;
};

static void on_value(const char *json, size_t len, void *arg)
{
	struct frame_ctx *fc = arg;
	struct reflector *r = fc->r;
	if (fc->stop)
		return;
	struct watch_event ev;
	struct err e;
	if (watch_event_decode(json, len, r->kind, &ev, &e) != ST_OK) {
		/* One undecodable object: skip it; the next relist will
		 * settle the truth. A broken frame stops the stream below. */
		r->stats.bad_objects++;
		return;
	}
	if (ev.type == WATCH_ERROR) {
		if (ev.code == 410) {
			r->stream_expired = true;
		} else {
			r->stream_failed = true;
			snprintf(r->error, sizeof r->error, "watch: %s",
				 ev.message);
		}
		fc->stop = true;
	} else {
		apply_event(r, &ev);
	}
	watch_event_clear(&ev);
}

static bool on_watch_data(const char *data, size_t len, void *arg)
{
	struct reflector *r = arg;
	struct frame_ctx fc = {r, false};
	struct err e;
	r->dispatching++;
	enum status st = watch_framer_feed(&r->framer, data, len, on_value,
					   &fc, &e);
	r->dispatching--;
	if (st != ST_OK) {
		r->stream_failed = true;
		snprintf(r->error, sizeof r->error, "watch stream: %s", e.msg);
		return false;
	}
	if (r->attempt && !fc.stop)
		clear_error(r);
	for (size_t i = 0; i < r->watchers.len; i++)
		if (!((struct kube_watch *)r->watchers.items[i])->dead)
			return !fc.stop;
	return false; /* everyone left: on_watch_done frees the reflector */
}

static void on_watch_done(struct kube_client *c,
			  const struct kube_response *resp, void *arg)
{
	(void)c;
	struct reflector *r = arg;
	r->req = NULL;
	if (settle(r))
		return;
	if (r->stream_expired || resp->http == 410) {
		r->stats.expired++;
		free(r->rv);
		r->rv = NULL;
		start_list(r);
		return;
	}
	if (r->stream_failed) {
		char why[sizeof r->error];
		str_copy(why, sizeof why, r->error);
		r->error_code = ST_ERR_PARSE;
		fail(r, why, false, false);
		return;
	}
	if (resp->code != ST_OK) {
		/* Like client-go: a broken connection resumes the watch where
		 * it was; an error answer (e.g. a resourceVersion the server
		 * does not know) starts over with a list. */
		r->error_code = resp->code;
		fail(r, resp->message, resp->http != 0, resp->http == 0);
		return;
	}
	/* the server closed the watch (timeoutSeconds): carry on */
	start_watch(r);
}

static void start_watch(struct reflector *r)
{
	r->phase = PH_WATCHING;
	r->stream_failed = r->stream_expired = false;
	watch_framer_free(&r->framer);
	watch_framer_init(&r->framer, 0);
	struct buf path = BUF_INIT;
	kube_kind_path(&path, r->kind, r->ns);
	buf_puts(&path, "?watch=1&allowWatchBookmarks=true&resourceVersion=");
	kube_query_escape(&path, r->rv ? r->rv : "");
	/* like client-go: a random timeout spreads the re-watches */
	buf_printf(&path, "&timeoutSeconds=%d", 300 + (int)(random() % 300));
	add_selectors(r, &path);
	struct kube_request_opts o = {.path = buf_str(&path), .stream = true};
	r->stats.watches++;
	r->req = kube_request(r->c, &o, on_watch_data, on_watch_done, r);
	buf_free(&path);
}

/* ---- the registry ---------------------------------------------------------- */

static void reflector_free(struct reflector *r)
{
	kube_request_cancel(r->req);
	loop_timer_cancel(r->timer);
	watch_framer_free(&r->framer);
	map_free(&r->store, free_obj);
	map_free(&r->next, free_obj);
	for (size_t i = 0; i < r->watchers.len; i++)
		loop_timer_cancel(
			((struct kube_watch *)r->watchers.items[i])->catchup);
	vec_free(&r->watchers, free);
	free(r->key);
	free(r->ns);
	free(r->lsel);
	free(r->fsel);
	free(r->rv);
	free(r->cont);
	free(r);
}

void reflector_registry_free(struct kube_client *c)
{
	struct reflector_registry **reg = kube_client_registry(c);
	if (!*reg)
		return;
	size_t pos = 0;
	const char *k;
	void *v;
	while (map_next(&(*reg)->by_key, &pos, &k, &v))
		reflector_free(v);
	map_free(&(*reg)->by_key, NULL);
	free(*reg);
	*reg = NULL;
}

/* A consumer joining a reflector that has listed already gets what it holds
 * as ADDED, from the loop rather than from inside kube_watch. */
static void catch_up(struct loop *l, void *arg)
{
	(void)l;
	struct kube_watch *w = arg;
	struct reflector *r = w->r;
	w->catchup = NULL;
	w->live = true;
	r->dispatching++;
	size_t pos = 0;
	const char *k;
	void *v;
	while (!w->dead && map_next(&r->store, &pos, &k, &v))
		if (w->ops.changed)
			w->ops.changed(w->arg, WATCH_ADDED, NULL, v);
	r->dispatching--;
	dispatch_synced(r);
	settle(r);
}

static char *opt_dup(const char *s)
{
	return s && *s ? xstrdup(s) : NULL;
}

struct kube_watch *kube_watch(struct kube_client *c,
			      const struct kube_watch_spec *spec,
			      const struct kube_watch_ops *ops, void *arg)
{
	struct reflector_registry **reg = kube_client_registry(c);
	if (!*reg)
		*reg = xcalloc(1, sizeof **reg);
	const char *ns = kube_kind_namespaced(spec->kind) ? spec->namespace_
							  : NULL;
	struct buf key = BUF_INIT;
	buf_printf(&key, "%s|%s|%s|%s", kube_kind_resource(spec->kind),
		   ns ? ns : "", spec->label_selector ? spec->label_selector : "",
		   spec->field_selector ? spec->field_selector : "");
	struct reflector *r = map_get(&(*reg)->by_key, buf_str(&key));
	bool fresh = !r;
	if (fresh) {
		r = xcalloc(1, sizeof *r);
		r->c = c;
		r->key = buf_detach(&key);
		r->kind = spec->kind;
		r->ns = opt_dup(ns);
		r->lsel = opt_dup(spec->label_selector);
		r->fsel = opt_dup(spec->field_selector);
		watch_framer_init(&r->framer, 0);
		map_put(&(*reg)->by_key, r->key, r);
	}
	buf_free(&key);
	struct kube_watch *w = xcalloc(1, sizeof *w);
	w->r = r;
	w->ops = *ops;
	w->arg = arg;
	vec_push(&r->watchers, w);
	if (fresh)
		start_list(r);
	if (fresh || !r->synced)
		w->live = true; /* the list's outcome reaches it like everyone */
	else
		w->catchup = loop_timer_add(kube_client_loop(c), 0, catch_up, w);
	return w;
}

struct kube_watch *kube_watch_join(struct kube_watch *w,
				   const struct kube_watch_ops *ops, void *arg)
{
	struct reflector *r = w->r;
	struct kube_watch_spec spec = {r->kind, r->ns, r->lsel, r->fsel};
	return kube_watch(r->c, &spec, ops, arg);
}

void kube_unwatch(struct kube_watch *w)
{
	if (!w || w->dead)
		return;
	struct reflector *r = w->r;
	w->dead = true;
	loop_timer_cancel(w->catchup);
	w->catchup = NULL;
	r->sweep = true;
	settle(r);
}

bool kube_watch_synced(const struct kube_watch *w)
{
	return w->r->synced;
}

const char *kube_watch_error(const struct kube_watch *w)
{
	return w->r->has_error ? w->r->error : NULL;
}

enum status kube_watch_error_code(const struct kube_watch *w)
{
	return w->r->has_error ? w->r->error_code : ST_OK;
}

size_t kube_watch_count(const struct kube_watch *w)
{
	return w->r->store.len;
}

bool kube_watch_next(const struct kube_watch *w, size_t *pos,
		     const struct kube_obj **o)
{
	const char *k;
	void *v;
	if (!map_next(&w->r->store, pos, &k, &v))
		return false;
	*o = v;
	return true;
}

const struct kube_obj *kube_watch_get(const struct kube_watch *w,
				      const char *ns, const char *name)
{
	struct buf key = BUF_INIT;
	if (ns && *ns)
		buf_printf(&key, "%s/", ns);
	buf_puts(&key, name);
	const struct kube_obj *o = map_get(&w->r->store, buf_str(&key));
	buf_free(&key);
	return o;
}

struct kube_client *kube_watch_client(const struct kube_watch *w)
{
	return w->r->c;
}

void kube_watch_stats(const struct kube_watch *w, struct reflector_stats *s)
{
	*s = w->r->stats;
}
