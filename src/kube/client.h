/*
 * One cluster connection: a resolved kubeconfig target driven by the loop.
 *
 * Requests go out through libcurl's multi interface on the caller's loop
 * (HTTP/2 when the server offers it, gzip, TLS verified unless the
 * kubeconfig says otherwise). Credentials are attached per request: a
 * static token, a token file (re-read when it changes), basic auth, a
 * client certificate, or an exec plugin whose answer is cached until it
 * expires or the server answers 401 (requests wait, without blocking the
 * loop, while the plugin runs). Failures come back as one clear message:
 * Kubernetes Status errors are rewritten for people
 * (`forbidden: user "junior" cannot patch deployments in namespace "x"`),
 * and no credential ever appears in one.
 *
 * Retries: a request marked idempotent is retried on network errors, 5xx
 * and 429 with exponential backoff and full jitter (Retry-After honoured);
 * any request is retried on 429 and when the connection was refused before
 * anything was sent. Streams (watches, logs) are never retried here: their
 * owners resume them from where they were.
 *
 * The client also keeps the connection state the status bar shows.
 */
#ifndef OPSDECK_KUBE_CLIENT_H
#define OPSDECK_KUBE_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "kube/kubeconfig.h"
#include "loop/loop.h"

struct kube_settings {
	long connect_timeout_ms; /* 0 = 10 s */
	long request_timeout_ms; /* whole non-streaming request; 0 = 60 s */
	int max_retries;	 /* 0 = 4 (-1 = none) */
	int page_size;		 /* list pages; 0 = 500 */
	bool interactive;	 /* exec plugins may use the terminal */
	const char *user_agent;	 /* NULL = "opsdeck/VERSION" */
};

enum kube_conn {
	KUBE_CONN_CONNECTING,	/* nothing answered yet */
	KUBE_CONN_CONNECTED,
	KUBE_CONN_RECONNECTING, /* failed lately; retrying */
	KUBE_CONN_DOWN,		/* failed repeatedly; still retrying */
};

const char *kube_conn_name(enum kube_conn s); /* "connected", ... */

struct kube_conn_state {
	enum kube_conn state;
	int attempt;	      /* consecutive failures */
	uint64_t next_try_ms; /* loop_now_ms() of the next attempt, or 0 */
	char error[256];      /* the last failure (sanitised, no secrets) */
};

struct kube_client;

/* Takes ownership of t. */
struct kube_client *kube_client_new(struct loop *l, struct kube_target *t,
				    const struct kube_settings *s);
void kube_client_free(struct kube_client *c);
struct loop *kube_client_loop(const struct kube_client *c);
const struct kube_target *kube_client_target(const struct kube_client *c);
const struct kube_settings *kube_client_settings(const struct kube_client *c);
const char *kube_client_context(const struct kube_client *c);
const struct kube_conn_state *kube_client_state(const struct kube_client *c);

typedef void (*kube_state_cb)(struct kube_client *c, void *arg);
void kube_client_on_state(struct kube_client *c, kube_state_cb cb, void *arg);
void kube_client_off_state(struct kube_client *c, kube_state_cb cb, void *arg);
/* Whoever retries reports successes and failures (streams are not retried
 * here, so reflectors report theirs): attempt is the retrier's own count of
 * consecutive failures (the state shows the largest), next_try_ms when it
 * will try again (0 = no retry planned). */
void kube_client_note_ok(struct kube_client *c);
void kube_client_note_failure(struct kube_client *c, const char *error,
			      int attempt, uint64_t next_try_ms);
/* The delay before retry number attempt (1, 2, ...): exponential from
 * 250 ms, capped at cap_ms, with full jitter over its upper half. */
uint64_t kube_backoff_ms(int attempt, uint64_t cap_ms);

struct kube_response {
	long http;	    /* HTTP status, 0 when none came */
	enum status code;   /* ST_OK for 2xx */
	const char *reason; /* Status.reason ("Forbidden", "Expired"), or "" */
	const char *message; /* for people, when code != ST_OK */
	const char *body;   /* the whole body (non-streaming, or an error) */
	size_t body_len;
	json_t *json;	    /* the body parsed, when it is JSON; borrowed */
	double retry_after; /* seconds, from a 429/503, or 0 */
};

/* Streaming data; return false to stop the stream (done then runs with
 * code ST_OK). */
typedef bool (*kube_data_cb)(const char *data, size_t len, void *arg);
typedef void (*kube_done_cb)(struct kube_client *c,
			     const struct kube_response *r, void *arg);

struct kube_request_opts {
	const char *method;	  /* NULL = GET */
	const char *path;	  /* absolute API path with query string */
	const char *content_type; /* for the body */
	const char *body;
	size_t body_len;
	const char *accept;	  /* NULL = application/json */
	bool stream;		  /* deliver the body through on_data */
	bool idempotent;	  /* safe to retry on any failure */
	long timeout_ms;	  /* 0 = settings (streams: none) */
	/* More request headers, "Name: value", NULL-terminated (copied;
	 * wiped when the request ends, as they may hold a secret). Not
	 * Accept, Content-Type or Authorization: the fields above and the
	 * client's credentials set those. */
	const char *const *headers;
};

struct kube_req;

/* done runs exactly once on the loop, unless the request is cancelled. */
struct kube_req *kube_request(struct kube_client *c,
			      const struct kube_request_opts *o,
			      kube_data_cb on_data, kube_done_cb done,
			      void *arg);
/* Stop a request; done is not called. Safe from the request's own data
 * callback. */
void kube_request_cancel(struct kube_req *r);

/* Shorthands: GET (idempotent), POST, PATCH, DELETE with a JSON body. */
enum kube_patch {
	KUBE_PATCH_MERGE,     /* application/merge-patch+json */
	KUBE_PATCH_STRATEGIC, /* application/strategic-merge-patch+json */
	KUBE_PATCH_JSON,      /* application/json-patch+json */
};

struct kube_req *kube_get(struct kube_client *c, const char *path,
			  kube_done_cb done, void *arg);
struct kube_req *kube_create(struct kube_client *c, const char *path,
			     const json_t *body, kube_done_cb done, void *arg);
struct kube_req *kube_patch(struct kube_client *c, const char *path,
			    enum kube_patch type, const json_t *patch,
			    kube_done_cb done, void *arg);
struct kube_req *kube_delete(struct kube_client *c, const char *path,
			     kube_done_cb done, void *arg);

/* Append s to out percent-encoded for a query value. */
void kube_query_escape(struct buf *out, const char *s);

/*
 * The people's message for an error answer (exposed for tests): a Status
 * body is rewritten (Forbidden messages shortened to `forbidden: user "u"
 * cannot VERB RESOURCE in namespace "ns"`), anything else becomes
 * `HTTP 502: <first line>`. Sanitised; at most about 300 bytes.
 */
void kube_error_message(struct buf *out, long http, const json_t *status,
			const char *body, size_t body_len);
enum status kube_http_status(long http, const char *reason);

#endif
