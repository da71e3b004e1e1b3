/*
 * whoami and can-i (see identity.h). Answers are cached per client;
 * questions asked while one is already in flight wait for the same answer
 * rather than asking again. Cached answers are delivered from a zero timer
 * so callbacks never run inside the call.
 */
#include "kube/identity.h"

#include <stdlib.h>
#include <string.h>

#include "base/map.h"
#include "base/mem.h"
#include "base/str.h"
#include "base/vec.h"

#define CAN_I_TTL_MS 30000

struct waiter {
	void *cb;
	void *arg;
};

struct answer {
	struct identity_cache *ic;
	char *key;
	bool done;
	bool allowed;
	char *reason;
	uint64_t at;
	struct vec waiters;
	struct kube_req *req;
	struct loop_timer *timer;
};

struct identity_cache {
	struct kube_client *c;
	struct kube_identity id;
	char *username, *uid;
	char **groups;
	bool known;
	struct vec who_waiters;
	struct kube_req *who_req;
	struct loop_timer *who_timer;
	bool tried_beta;
	struct map answers; /* key -> struct answer */
};

static struct identity_cache *cache(struct kube_client *c)
{
	struct identity_cache **ic = kube_client_identity(c);
	if (!*ic) {
		*ic = xcalloc(1, sizeof **ic);
		(*ic)->c = c;
	}
	return *ic;
}

/* ---- whoami ------------------------------------------------------------ */

static void who_deliver(struct identity_cache *ic,
			const struct kube_response *r)
{
	struct vec w = ic->who_waiters;
	memset(&ic->who_waiters, 0, sizeof ic->who_waiters);
	for (size_t i = 0; i < w.len; i++) {
		struct waiter *x = w.items[i];
		((kube_whoami_cb)x->cb)(x->arg, ic->known ? &ic->id : NULL, r);
	}
	vec_free(&w, free);
}

static void who_set(struct identity_cache *ic, const char *user,
		    const char *uid, json_t *groups, bool from_server)
{
	ic->username = xstrdup(user ? user : "");
	ic->uid = xstrdup(uid ? uid : "");
	size_t n = json_array_size(groups);
	ic->groups = xcalloc(n + 1, sizeof *ic->groups);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const char *g = json_string_value(json_array_get(groups, i));
		if (g)
			ic->groups[k++] = xstrdup(g);
	}
	ic->id.username = ic->username;
	ic->id.uid = ic->uid;
	ic->id.groups = (const char *const *)ic->groups;
	ic->id.ngroups = k;
	ic->id.from_server = from_server;
	ic->known = true;
}

static void ask_review(struct identity_cache *ic, const char *version);

static void on_review(struct kube_client *c, const struct kube_response *r,
		      void *arg)
{
	struct identity_cache *ic = arg;
	ic->who_req = NULL;
	if (r->code == ST_OK) {
		json_t *ui = json_object_get(json_object_get(r->json, "status"),
					     "userInfo");
		who_set(ic, json_string_value(json_object_get(ui, "username")),
			json_string_value(json_object_get(ui, "uid")),
			json_object_get(ui, "groups"), true);
	} else if (r->http == 404 && !ic->tried_beta) {
		/* older servers: try the beta API once before guessing */
		ic->tried_beta = true;
		ask_review(ic, "v1beta1");
		return;
	} else if (r->http == 404) {
		who_set(ic, kube_client_target(c)->user_name, "", NULL, false);
	}
	who_deliver(ic, r);
}

static void ask_review(struct identity_cache *ic, const char *version)
{
	struct buf path = BUF_INIT;
	buf_printf(&path,
		   "/apis/authentication.k8s.io/%s/selfsubjectreviews",
		   version);
	json_t *body = json_pack("{s:s, s:s, s:{}}", "apiVersion",
				 str_eq(version, "v1")
					 ? "authentication.k8s.io/v1"
					 : "authentication.k8s.io/v1beta1",
				 "kind", "SelfSubjectReview", "metadata");
	ic->who_req = kube_create(ic->c, buf_str(&path), body, on_review, ic);
	json_decref(body);
	buf_free(&path);
}

static void who_cached(struct loop *l, void *arg)
{
	(void)l;
	struct identity_cache *ic = arg;
	ic->who_timer = NULL;
	struct kube_response r = {.http = 200, .code = ST_OK, .reason = "",
				  .message = ""};
	who_deliver(ic, &r);
}

void kube_whoami(struct kube_client *c, kube_whoami_cb cb, void *arg)
{
	struct identity_cache *ic = cache(c);
	struct waiter *w = xcalloc(1, sizeof *w);
	w->cb = (void *)cb;
	w->arg = arg;
	vec_push(&ic->who_waiters, w);
	if (ic->who_req || ic->who_timer)
		return;
	if (ic->known)
		ic->who_timer = loop_timer_add(kube_client_loop(c), 0,
					       who_cached, ic);
	else
		ask_review(ic, "v1");
}

const struct kube_identity *kube_identity_known(struct kube_client *c)
{
	struct identity_cache *ic = cache(c);
	return ic->known ? &ic->id : NULL;
}

/* ---- can-i ------------------------------------------------------------- */

static void answer_deliver(struct answer *a, const struct kube_response *r)
{
	struct vec w = a->waiters;
	memset(&a->waiters, 0, sizeof a->waiters);
	for (size_t i = 0; i < w.len; i++) {
		struct waiter *x = w.items[i];
		((kube_can_i_cb)x->cb)(x->arg, a->done && a->allowed,
				       a->done ? a->reason : NULL, r);
	}
	vec_free(&w, free);
}

static void on_access(struct kube_client *c, const struct kube_response *r,
		      void *arg)
{
	(void)c;
	struct answer *a = arg;
	a->req = NULL;
	if (r->code == ST_OK) {
		json_t *st = json_object_get(r->json, "status");
		a->done = true;
		a->allowed = json_is_true(json_object_get(st, "allowed"));
		const char *why =
			json_string_value(json_object_get(st, "reason"));
		free(a->reason);
		a->reason = xstrdup(why ? why : "");
		a->at = loop_now_ms();
	}
	answer_deliver(a, r);
}

static void answer_cached(struct loop *l, void *arg)
{
	(void)l;
	struct answer *a = arg;
	a->timer = NULL;
	struct kube_response r = {.http = 200, .code = ST_OK, .reason = "",
				  .message = ""};
	answer_deliver(a, &r);
}

void kube_can_i(struct kube_client *c, const struct kube_access *q,
		kube_can_i_cb cb, void *arg)
{
	struct identity_cache *ic = cache(c);
	struct buf key = BUF_INIT;
	buf_printf(&key, "%s|%s|%s|%s|%s|%s", q->verb, q->group ? q->group : "",
		   q->resource, q->subresource ? q->subresource : "",
		   q->namespace_ ? q->namespace_ : "", q->name ? q->name : "");
	struct answer *a = map_get(&ic->answers, buf_str(&key));
	if (!a) {
		a = xcalloc(1, sizeof *a);
		a->ic = ic;
		a->key = xstrdup(buf_str(&key));
		map_put(&ic->answers, a->key, a);
	}
	buf_free(&key);
	struct waiter *w = xcalloc(1, sizeof *w);
	w->cb = (void *)cb;
	w->arg = arg;
	vec_push(&a->waiters, w);
	if (a->req || a->timer)
		return;
	if (a->done && loop_now_ms() - a->at < CAN_I_TTL_MS) {
		a->timer = loop_timer_add(kube_client_loop(c), 0, answer_cached,
					  a);
		return;
	}
	a->done = false;
	json_t *ra = json_pack("{s:s, s:s, s:s}", "verb", q->verb, "group",
			       q->group ? q->group : "", "resource",
			       q->resource);
	if (q->subresource)
		json_object_set_new(ra, "subresource",
				    json_string(q->subresource));
	if (q->namespace_)
		json_object_set_new(ra, "namespace", json_string(q->namespace_));
	if (q->name)
		json_object_set_new(ra, "name", json_string(q->name));
	json_t *body = json_pack("{s:s, s:s, s:{}, s:{s:o}}", "apiVersion",
				 "authorization.k8s.io/v1", "kind",
				 "SelfSubjectAccessReview", "metadata", "spec",
				 "resourceAttributes", ra);
	a->req = kube_create(
		c, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
		body, on_access, a);
	json_decref(body);
}

static void answer_free(void *p)
{
	struct answer *a = p;
	kube_request_cancel(a->req);
	loop_timer_cancel(a->timer);
	vec_free(&a->waiters, free);
	free(a->reason);
	free(a->key);
	free(a);
}

void identity_cache_free(struct kube_client *c)
{
	struct identity_cache **icp = kube_client_identity(c);
	struct identity_cache *ic = *icp;
	if (!ic)
		return;
	kube_request_cancel(ic->who_req);
	loop_timer_cancel(ic->who_timer);
	vec_free(&ic->who_waiters, free);
	map_free(&ic->answers, answer_free);
	free(ic->username);
	free(ic->uid);
	for (char **g = ic->groups; g && *g; g++)
		free(*g);
	free(ic->groups);
	free(ic);
	*icp = NULL;
}
