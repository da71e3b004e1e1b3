/*
 * One cluster connection (see client.h for the contract).
 *
 * A request's life: kube_request copies what it needs, credentials are made
 * ready (an exec plugin may have to run first: the request then waits in
 * auth_waiters), a curl easy handle is built and handed to the loop. Body
 * bytes either collect in r->body or, for a stream with a 2xx answer, go to
 * the owner's data callback. When the transfer ends, the answer is
 * classified (success, retry after a delay, refresh credentials and resend,
 * or fail with a people's message) and done runs.
 *
 * libcurl forbids removing a transfer from inside its callbacks, so a
 * cancel that arrives while a data callback runs only marks the request;
 * the write callback then aborts it or a zero-delay timer removes it.
 */
#include "kube/client.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/buf.h"
#include "base/mem.h"
#include "base/sanitize.h"
#include "base/str.h"
#include "base/vec.h"
#include "kube/execcred.h"
#include "kube/identity.h"
#include "kube/reflector.h"

#define MAX_BODY ((size_t)1 << 30)
#define MAX_ERROR_BODY ((size_t)64 << 10)

struct listener {
	kube_state_cb cb;
	void *arg;
};

struct kube_client {
	struct loop *loop;
	struct kube_target *t;
	struct kube_settings s;
	char user_agent[64];
	char *base_url;		    /* scheme://host:port/path, no '/' end */
	struct curl_slist *connect_to; /* for tls-server-name */

	struct kube_conn_state state;
	struct vec listeners;

	struct kube_cred cred;
	bool have_cred;
	uint64_t cred_gen;
	struct execcred_run *exec_run;
	struct vec auth_waiters;

	struct vec reqs; /* every live request */
	struct reflector_registry *reflectors;
	struct identity_cache *identity;
};

struct kube_req {
	struct kube_client *c;
	char *method, *path, *content_type, *accept, *body;
	size_t body_len;
	bool stream, idempotent;
	long timeout_ms;
	kube_data_cb on_data;
	kube_done_cb done;
	void *arg;

	CURL *easy;
	struct curl_slist *headers; /* this attempt's */
	struct curl_slist *extra;   /* the caller's, for every attempt */
	char errbuf[CURL_ERROR_SIZE];
	struct buf resp;
	long http;
	double retry_after;
	bool passing; /* stream with a 2xx answer: data goes to on_data */
	bool stopped; /* on_data returned false */
	bool cancelled;
	int attempt;
	bool auth_retried;
	uint64_t cred_gen;
	struct loop_timer *timer; /* retry delay, or deferred cleanup */
	enum status fail_code;
	char fail_msg[ERR_MSG_MAX];
};

static int curl_depth; /* > 0 while a data callback runs inside libcurl */

const char *kube_conn_name(enum kube_conn s)
{
	switch (s) {
	case KUBE_CONN_CONNECTING:
		return "connecting";
	case KUBE_CONN_CONNECTED:
		return "connected";
	case KUBE_CONN_RECONNECTING:
		return "reconnecting";
	case KUBE_CONN_DOWN:
		return "down";
	}
	return "unknown";
}

uint64_t kube_backoff_ms(int attempt, uint64_t cap_ms)
{
	uint64_t base = 250;
	for (int i = 1; i < attempt && base < cap_ms; i++)
		base *= 2;
	if (base > cap_ms)
		base = cap_ms;
	return base / 2 + (uint64_t)random() % (base / 2 + 1);
}

/* ---- state ------------------------------------------------------------- */

static void notify(struct kube_client *c)
{
	for (size_t i = 0; i < c->listeners.len; i++) {
		struct listener *li = c->listeners.items[i];
		li->cb(c, li->arg);
	}
}

void kube_client_on_state(struct kube_client *c, kube_state_cb cb, void *arg)
{
	struct listener *li = xcalloc(1, sizeof *li);
	li->cb = cb;
	li->arg = arg;
	vec_push(&c->listeners, li);
}

void kube_client_off_state(struct kube_client *c, kube_state_cb cb, void *arg)
{
	for (size_t i = 0; i < c->listeners.len; i++) {
		struct listener *li = c->listeners.items[i];
		if (li->cb == cb && li->arg == arg) {
			free(vec_remove(&c->listeners, i));
			return;
		}
	}
}

void kube_client_note_ok(struct kube_client *c)
{
	if (c->state.state == KUBE_CONN_CONNECTED)
		return;
	c->state.state = KUBE_CONN_CONNECTED;
	c->state.attempt = 0;
	c->state.next_try_ms = 0;
	notify(c);
}

void kube_client_note_failure(struct kube_client *c, const char *error,
			      int attempt, uint64_t next_try_ms)
{
	if (attempt < 1)
		attempt = 1;
	if (c->state.state != KUBE_CONN_RECONNECTING &&
	    c->state.state != KUBE_CONN_DOWN)
		c->state.attempt = 0;
	if (attempt > c->state.attempt)
		c->state.attempt = attempt;
	c->state.state = c->state.attempt >= 4 ? KUBE_CONN_DOWN
					       : KUBE_CONN_RECONNECTING;
	c->state.next_try_ms = next_try_ms;
	str_copy(c->state.error, sizeof c->state.error, error);
	notify(c);
}

/* ---- the client -------------------------------------------------------- */

static bool parse_server(struct kube_client *c, struct err *e)
{
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL;
	bool ok = false;
	if (curl_url_set(u, CURLUPART_URL, c->t->server, 0) != CURLUE_OK) {
		err_set(e, ST_ERR_INVALID, "%s: cluster \"%s\": bad server URL",
			c->t->source ? c->t->source : "kubeconfig",
			c->t->cluster_name);
		goto out;
	}
	if (c->t->tls_server_name && *c->t->tls_server_name) {
		/* Connect to the server's address, but speak TLS (SNI and
		 * certificate check) for tls-server-name. */
		curl_url_get(u, CURLUPART_HOST, &host, 0);
		curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
		struct buf b = BUF_INIT;
		buf_printf(&b, "%s:%s:%s:%s", c->t->tls_server_name, port,
			   host, port);
		c->connect_to = curl_slist_append(NULL, buf_str(&b));
		buf_free(&b);
		curl_url_set(u, CURLUPART_HOST, c->t->tls_server_name, 0);
	}
	char *url = NULL;
	curl_url_get(u, CURLUPART_URL, &url, 0);
	size_t n = strlen(url);
	while (n && url[n - 1] == '/')
		n--;
	c->base_url = xstrndup(url, n);
	curl_free(url);
	ok = true;
out:
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return ok;
}

struct kube_client *kube_client_new(struct loop *l, struct kube_target *t,
				    const struct kube_settings *s)
{
	struct kube_client *c = xcalloc(1, sizeof *c);
	c->loop = l;
	c->t = t;
	if (s)
		c->s = *s;
	if (!c->s.connect_timeout_ms)
		c->s.connect_timeout_ms = 10000;
	if (!c->s.request_timeout_ms)
		c->s.request_timeout_ms = 60000;
	if (!c->s.max_retries)
		c->s.max_retries = 4;
	if (!c->s.page_size)
		c->s.page_size = 500;
	snprintf(c->user_agent, sizeof c->user_agent, "%s",
		 c->s.user_agent ? c->s.user_agent : "opsdeck/" OPSDECK_VERSION);
	c->s.user_agent = c->user_agent;
	struct err e;
	if (!parse_server(c, &e)) {
		/* Requests fail with the message; the client stays usable. */
		c->base_url = NULL;
		str_copy(c->state.error, sizeof c->state.error, e.msg);
		c->state.state = KUBE_CONN_DOWN;
	}
	return c;
}

static void req_free(struct kube_req *r);

void kube_client_free(struct kube_client *c)
{
	if (!c)
		return;
	reflector_registry_free(c);
	identity_cache_free(c);
	/* outside libcurl's callbacks: every request can go at once, also
	 * those whose cancel was deferred */
	while (c->reqs.len)
		req_free(c->reqs.items[c->reqs.len - 1]);
	vec_free(&c->auth_waiters, NULL);
	vec_free(&c->reqs, NULL);
	execcred_cancel(c->exec_run);
	kube_cred_free(&c->cred);
	vec_free(&c->listeners, free);
	curl_slist_free_all(c->connect_to);
	free(c->base_url);
	kube_target_free(c->t);
	free(c);
}

struct loop *kube_client_loop(const struct kube_client *c)
{
	return c->loop;
}

const struct kube_target *kube_client_target(const struct kube_client *c)
{
	return c->t;
}

const struct kube_settings *kube_client_settings(const struct kube_client *c)
{
	return &c->s;
}

const char *kube_client_context(const struct kube_client *c)
{
	return c->t->context;
}

const struct kube_conn_state *kube_client_state(const struct kube_client *c)
{
	return &c->state;
}

struct reflector_registry **kube_client_registry(struct kube_client *c)
{
	return &c->reflectors;
}

struct identity_cache **kube_client_identity(struct kube_client *c)
{
	return &c->identity;
}

/* ---- error messages ---------------------------------------------------- */

enum status kube_http_status(long http, const char *reason)
{
	if (http >= 200 && http < 300)
		return ST_OK;
	switch (http) {
	case 401:
		return ST_ERR_AUTH;
	case 403:
		return ST_ERR_FORBIDDEN;
	case 404:
		return ST_ERR_NOTFOUND;
	case 409:
		return str_eq(reason, "AlreadyExists") ? ST_ERR_EXISTS
						       : ST_ERR_CONFLICT;
	case 410:
		return ST_ERR_GONE;
	case 400:
	case 422:
		return ST_ERR_INVALID;
	case 413:
		return ST_ERR_TOOBIG;
	case 415:
		return ST_ERR_UNSUPPORTED;
	case 408:
	case 504:
		return ST_ERR_TIMEOUT;
	default:
		return ST_ERR_NET;
	}
}

/* Copy the text between the quotes that follow `after` in s. */
static bool quoted_after(const char *s, const char *after, char *out,
			 size_t n)
{
	const char *p = strstr(s, after);
	if (!p)
		return false;
	p += strlen(after);
	const char *q = strchr(p, '"');
	if (!q || (size_t)(q - p) >= n)
		return false;
	memcpy(out, p, (size_t)(q - p));
	out[q - p] = '\0';
	return true;
}

/*
 * `pods "x" is forbidden: User "junior" cannot patch resource "deployments"
 * in API group "apps" in the namespace "payments-prod"` becomes
 * `forbidden: user "junior" cannot patch deployments in namespace
 * "payments-prod"`.
 */
static bool short_forbidden(struct buf *out, const char *msg)
{
	char user[128], verb[64], res[128], ns[128];
	const char *p = strstr(msg, "User \"");
	if (!p || !quoted_after(p, "User \"", user, sizeof user))
		return false;
	p = strstr(p, "\" cannot ");
	if (!p)
		return false;
	p += strlen("\" cannot ");
	size_t vl = strcspn(p, " ");
	if (!vl || vl >= sizeof verb)
		return false;
	memcpy(verb, p, vl);
	verb[vl] = '\0';
	if (!quoted_after(p, "resource \"", res, sizeof res))
		return false;
	buf_puts(out, "forbidden: user \"");
	sanitize_append(out, user, strlen(user), 0);
	buf_printf(out, "\" cannot %s ", verb);
	sanitize_append(out, res, strlen(res), 0);
	if (quoted_after(p, "in the namespace \"", ns, sizeof ns)) {
		buf_puts(out, " in namespace \"");
		sanitize_append(out, ns, strlen(ns), 0);
		buf_putc(out, '"');
	} else if (strstr(p, "at the cluster scope")) {
		buf_puts(out, " at the cluster scope");
	}
	return true;
}

void kube_error_message(struct buf *out, long http, const json_t *status,
			const char *body, size_t body_len)
{
	const char *msg = json_string_value(json_object_get(status, "message"));
	const char *reason =
		json_string_value(json_object_get(status, "reason"));
	if (http == 401) {
		buf_puts(out, "unauthorized: the cluster rejected the "
			      "credentials");
		return;
	}
	if (msg && *msg) {
		if (http == 403 && short_forbidden(out, msg))
			return;
		if (http == 403 && !strstr(msg, "forbidden"))
			buf_puts(out, "forbidden: ");
		size_t n = strlen(msg);
		sanitize_append(out, msg, n < 300 ? n : 300, 0);
		return;
	}
	if (reason && *reason) {
		sanitize_append(out, reason, strlen(reason), 0);
		buf_printf(out, " (HTTP %ld)", http);
		return;
	}
	buf_printf(out, "HTTP %ld", http);
	size_t n = 0;
	while (n < body_len && n < 200 && body[n] != '\n')
		n++;
	if (n) {
		buf_puts(out, ": ");
		sanitize_append(out, body, n, 0);
	}
}

/* ---- requests ---------------------------------------------------------- */

static void req_send(struct kube_req *r);
static void req_fail(struct kube_req *r, enum status code, const char *msg);
static void req_finish(struct kube_req *r, long http, enum status code,
		       const char *reason, const char *message, json_t *json);

/* Headers may hold a token or a secret: none is left in freed memory. */
static void headers_free(struct curl_slist *l)
{
	for (struct curl_slist *i = l; i; i = i->next)
		explicit_bzero(i->data, strlen(i->data));
	curl_slist_free_all(l);
}

static void req_detach_easy(struct kube_req *r)
{
	if (r->easy) {
		loop_curl_remove(r->c->loop, r->easy);
		curl_easy_cleanup(r->easy);
		r->easy = NULL;
	}
	headers_free(r->headers);
	r->headers = NULL;
}

static void req_free(struct kube_req *r)
{
	struct kube_client *c = r->c;
	req_detach_easy(r);
	headers_free(r->extra);
	loop_timer_cancel(r->timer);
	for (size_t i = 0; i < c->reqs.len; i++)
		if (c->reqs.items[i] == r) {
			vec_remove(&c->reqs, i);
			break;
		}
	for (size_t i = 0; i < c->auth_waiters.len; i++)
		if (c->auth_waiters.items[i] == r) {
			vec_remove(&c->auth_waiters, i);
			break;
		}
	buf_free(&r->resp);
	free(r->method);
	free(r->path);
	free(r->content_type);
	free(r->accept);
	free(r->body);
	free(r);
}

static void deferred_free(struct loop *l, void *arg)
{
	(void)l;
	struct kube_req *r = arg;
	r->timer = NULL;
	req_free(r);
}

void kube_request_cancel(struct kube_req *r)
{
	if (!r || r->cancelled)
		return;
	r->cancelled = true;
	if (curl_depth > 0 && r->easy) {
		loop_timer_cancel(r->timer);
		r->timer = loop_timer_add(r->c->loop, 0, deferred_free, r);
		return;
	}
	req_free(r);
}

static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
	struct kube_req *r = arg;
	size_t len = size * n;
	if (len <= 2 && r->stream && !r->http) {
		/* the end of the headers: a stream that got an answer is a
		 * connection that works, long before the stream ends */
		long http = 0;
		curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &http);
		if (http >= 200) {
			curl_depth++;
			kube_client_note_ok(r->c);
			curl_depth--;
		}
	}
	if (len > 12 && !strncasecmp(data, "Retry-After:", 12)) {
		char tmp[32];
		size_t k = len - 12 < sizeof tmp - 1 ? len - 12 : sizeof tmp - 1;
		memcpy(tmp, data + 12, k);
		tmp[k] = '\0';
		double v = strtod(tmp, NULL);
		if (v > 0 && v < 3600)
			r->retry_after = v;
	}
	return len;
}

static size_t on_write(char *data, size_t size, size_t n, void *arg)
{
	struct kube_req *r = arg;
	size_t len = size * n;
	if (r->cancelled || r->stopped)
		return 0;
	if (r->stream && !r->http) {
		curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &r->http);
		r->passing = r->http >= 200 && r->http < 300;
	}
	if (r->passing) {
		curl_depth++;
		bool go_on = r->on_data(data, len, r->arg);
		curl_depth--;
		if (r->cancelled)
			return 0;
		if (!go_on) {
			r->stopped = true;
			return 0;
		}
		return len;
	}
	size_t cap = r->stream ? MAX_ERROR_BODY : MAX_BODY;
	if (r->resp.len + len > cap)
		return 0;
	buf_append(&r->resp, data, len);
	return len;
}

static bool cred_valid(const struct kube_client *c)
{
	if (!c->have_cred)
		return false;
	return !c->cred.expires || (int64_t)time(NULL) + 10 < c->cred.expires;
}

static void on_exec_done(struct loop *l, struct kube_cred *cred,
			 const struct err *e, void *arg)
{
	(void)l;
	struct kube_client *c = arg;
	c->exec_run = NULL;
	struct vec waiters = c->auth_waiters;
	memset(&c->auth_waiters, 0, sizeof c->auth_waiters);
	if (cred) {
		kube_cred_free(&c->cred);
		c->cred = *cred;
		memset(cred, 0, sizeof *cred);
		c->have_cred = true;
		c->cred_gen++;
	} else {
		kube_client_note_failure(c, e->msg, 1, 0);
	}
	for (size_t i = 0; i < waiters.len; i++) {
		struct kube_req *r = waiters.items[i];
		if (cred)
			req_send(r);
		else
			req_finish(r, 0, ST_ERR_AUTH, "", e->msg, NULL);
	}
	vec_free(&waiters, NULL);
}

static void set_tls(struct kube_req *r, CURL *h)
{
	const struct kube_target *t = r->c->t;
	if (t->ca_pem) {
		struct curl_blob b = {t->ca_pem, t->ca_len, CURL_BLOB_COPY};
		curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &b);
	}
	if (t->insecure) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	const char *cert = t->cert_pem, *key = t->key_pem;
	size_t cert_len = t->cert_len, key_len = t->key_len;
	if (t->exec && r->c->cred.cert_pem) {
		cert = r->c->cred.cert_pem;
		cert_len = strlen(cert);
		key = r->c->cred.key_pem;
		key_len = strlen(key);
	}
	if (cert && key) {
		struct curl_blob cb = {(void *)cert, cert_len, CURL_BLOB_COPY};
		struct curl_blob kb = {(void *)key, key_len, CURL_BLOB_COPY};
		curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &cb);
		curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
		curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &kb);
		curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
	}
	if (r->c->connect_to)
		curl_easy_setopt(h, CURLOPT_CONNECT_TO, r->c->connect_to);
	if (t->proxy_url)
		curl_easy_setopt(h, CURLOPT_PROXY, t->proxy_url);
}

static bool set_auth(struct kube_req *r, CURL *h, struct err *e)
{
	struct kube_target *t = r->c->t;
	const char *token = NULL;
	if (t->exec) {
		token = r->c->cred.token;
		r->cred_gen = r->c->cred_gen;
	} else if (kube_target_token(t, &token, e) != ST_OK) {
		return false;
	}
	if (token) {
		struct buf hdr = BUF_INIT;
		buf_printf(&hdr, "Authorization: Bearer %s", token);
		r->headers = curl_slist_append(r->headers, buf_str(&hdr));
		/* the header holds a secret: do not leave it in freed memory */
		memset(hdr.data, 0, hdr.len);
		buf_free(&hdr);
	} else if (t->username && t->password) {
		curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(h, CURLOPT_USERNAME, t->username);
		curl_easy_setopt(h, CURLOPT_PASSWORD, t->password);
	}
	return true;
}

static void on_done(CURL *easy, CURLcode res, void *arg);

static void req_send(struct kube_req *r)
{
	struct kube_client *c = r->c;
	if (!c->base_url) {
		req_fail(r, ST_ERR_INVALID, c->state.error);
		return;
	}
	if (c->t->exec && !cred_valid(c)) {
		vec_push(&c->auth_waiters, r);
		if (!c->exec_run)
			c->exec_run = execcred_start(c->loop, c->t,
						     c->s.interactive, 0,
						     on_exec_done, c);
		return;
	}
	CURL *h = curl_easy_init();
	r->easy = h;
	r->http = 0;
	r->passing = false;
	r->retry_after = 0;
	r->errbuf[0] = '\0';
	buf_clear(&r->resp);

	struct buf url = BUF_INIT;
	buf_puts(&url, c->base_url);
	buf_puts(&url, r->path);
	curl_easy_setopt(h, CURLOPT_URL, buf_str(&url));
	buf_free(&url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https,http");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, r->errbuf);
	curl_easy_setopt(h, CURLOPT_USERAGENT, c->user_agent);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->s.connect_timeout_ms);
	long timeout = r->timeout_ms ? r->timeout_ms
				     : (r->stream ? 0 : c->s.request_timeout_ms);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
	set_tls(r, h);

	struct buf tmp = BUF_INIT;
	buf_printf(&tmp, "Accept: %s", r->accept ? r->accept
						 : "application/json");
	r->headers = curl_slist_append(r->headers, buf_str(&tmp));
	if (r->content_type) {
		buf_clear(&tmp);
		buf_printf(&tmp, "Content-Type: %s", r->content_type);
		r->headers = curl_slist_append(r->headers, buf_str(&tmp));
	}
	buf_free(&tmp);
	for (const struct curl_slist *x = r->extra; x; x = x->next)
		r->headers = curl_slist_append(r->headers, x->data);
	struct err e;
	if (!set_auth(r, h, &e)) {
		req_fail(r, ST_ERR_AUTH, e.msg);
		return;
	}
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, r->headers);
	if (strcmp(r->method, "GET"))
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, r->method);
	if (r->body) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, r->body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)r->body_len);
	}
	loop_curl_add(c->loop, h, on_done, r);
}

static void retry_fired(struct loop *l, void *arg)
{
	(void)l;
	struct kube_req *r = arg;
	r->timer = NULL;
	req_send(r);
}

static void req_finish(struct kube_req *r, long http, enum status code,
		       const char *reason, const char *message, json_t *json)
{
	struct kube_response resp = {
		.http = http,
		.code = code,
		.reason = reason ? reason : "",
		.message = message ? message : "",
		.body = buf_str(&r->resp),
		.body_len = r->resp.len,
		.json = json,
		.retry_after = r->retry_after,
	};
	req_detach_easy(r);
	/* done may call kube_request_cancel on this request: a no-op now */
	r->cancelled = true;
	r->done(r->c, &resp, r->arg);
	json_decref(json);
	req_free(r);
}

static void failed_later(struct loop *l, void *arg)
{
	(void)l;
	struct kube_req *r = arg;
	r->timer = NULL;
	req_finish(r, 0, r->fail_code, "", r->fail_msg, NULL);
}

/* Fail from the loop, never from inside kube_request. */
static void req_fail(struct kube_req *r, enum status code, const char *msg)
{
	req_detach_easy(r);
	r->fail_code = code;
	str_copy(r->fail_msg, sizeof r->fail_msg, msg);
	r->timer = loop_timer_add(r->c->loop, 0, failed_later, r);
}

static bool should_retry(const struct kube_req *r, CURLcode res, long http)
{
	if (r->attempt >= r->c->s.max_retries || r->c->s.max_retries < 0)
		return false;
	if (http == 429)
		return true;
	if (http == 0 && (res == CURLE_COULDNT_CONNECT ||
			  res == CURLE_COULDNT_RESOLVE_HOST))
		return !r->stream;
	if (!r->idempotent || r->stream)
		return false;
	return http == 0 || http >= 500;
}

static void on_done(CURL *easy, CURLcode res, void *arg)
{
	struct kube_req *r = arg;
	struct kube_client *c = r->c;
	if (r->cancelled) {
		req_free(r);
		return;
	}
	long http = 0;
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &http);
	/* the transfer is over: the easy handle is no longer the loop's */
	curl_easy_cleanup(r->easy);
	r->easy = NULL;
	headers_free(r->headers);
	r->headers = NULL;

	if (r->stopped) {
		req_finish(r, http, ST_OK, "", "", NULL);
		return;
	}
	bool transport_failed = res != CURLE_OK;
	if (transport_failed && r->passing) {
		/* a stream that broke after a good start */
		struct buf m = BUF_INIT;
		buf_puts(&m, "stream interrupted: ");
		sanitize_append(&m, r->errbuf[0] ? r->errbuf
						  : curl_easy_strerror(res),
				strlen(r->errbuf[0] ? r->errbuf
						    : curl_easy_strerror(res)),
				0);
		req_finish(r, http, ST_ERR_NET, "", buf_str(&m), NULL);
		buf_free(&m);
		return;
	}
	if (transport_failed || http == 0) {
		const char *why = r->errbuf[0] ? r->errbuf
					       : curl_easy_strerror(res);
		struct buf m = BUF_INIT;
		if (res == CURLE_WRITE_ERROR)
			buf_puts(&m, "answer too large");
		else {
			buf_printf(&m, "cannot reach %s: ", c->base_url);
			sanitize_append(&m, why, strlen(why), 0);
		}
		enum status code = res == CURLE_OPERATION_TIMEDOUT
					   ? ST_ERR_TIMEOUT
					   : ST_ERR_NET;
		if (should_retry(r, res, 0)) {
			r->attempt++;
			uint64_t d = kube_backoff_ms(r->attempt, 10000);
			kube_client_note_failure(c, buf_str(&m), r->attempt,
						 loop_now_ms() + d);
			buf_free(&m);
			r->timer = loop_timer_add(c->loop, d, retry_fired, r);
			return;
		}
		kube_client_note_failure(c, buf_str(&m), r->attempt + 1, 0);
		req_finish(r, 0, code, "", buf_str(&m), NULL);
		buf_free(&m);
		return;
	}
	kube_client_note_ok(c);

	json_t *json = NULL;
	if (r->resp.len && !r->passing)
		json = json_loadb(r->resp.data, r->resp.len, 0, NULL);
	if (http >= 200 && http < 300) {
		req_finish(r, http, ST_OK, "", "", json);
		return;
	}
	if (http == 401 && c->t->exec && !r->auth_retried) {
		/* the plugin's credential was refused: get a fresh one */
		r->auth_retried = true;
		if (r->cred_gen == c->cred_gen)
			c->have_cred = false;
		json_decref(json);
		req_send(r);
		return;
	}
	if (should_retry(r, res, http)) {
		r->attempt++;
		uint64_t d = kube_backoff_ms(r->attempt, 10000);
		if (r->retry_after > 0)
			d = (uint64_t)(r->retry_after * 1000) > 60000
				    ? 60000
				    : (uint64_t)(r->retry_after * 1000);
		json_decref(json);
		r->timer = loop_timer_add(c->loop, d, retry_fired, r);
		return;
	}
	const char *reason = json_string_value(json_object_get(json, "reason"));
	struct buf m = BUF_INIT;
	kube_error_message(&m, http, json, r->resp.data, r->resp.len);
	req_finish(r, http, kube_http_status(http, reason), reason,
		   buf_str(&m), json);
	buf_free(&m);
}

struct kube_req *kube_request(struct kube_client *c,
			      const struct kube_request_opts *o,
			      kube_data_cb on_data, kube_done_cb done,
			      void *arg)
{
	struct kube_req *r = xcalloc(1, sizeof *r);
	r->c = c;
	r->method = xstrdup(o->method ? o->method : "GET");
	r->path = xstrdup(o->path);
	r->content_type = o->content_type ? xstrdup(o->content_type) : NULL;
	r->accept = o->accept ? xstrdup(o->accept) : NULL;
	if (o->body) {
		r->body = xmalloc(o->body_len + 1);
		memcpy(r->body, o->body, o->body_len);
		r->body[o->body_len] = '\0';
		r->body_len = o->body_len;
	}
	r->stream = o->stream;
	r->idempotent = o->idempotent;
	r->timeout_ms = o->timeout_ms;
	for (const char *const *hd = o->headers; hd && *hd; hd++)
		r->extra = curl_slist_append(r->extra, *hd);
	r->on_data = on_data;
	r->done = done;
	r->arg = arg;
	vec_push(&c->reqs, r);
	req_send(r);
	return r;
}

struct kube_req *kube_get(struct kube_client *c, const char *path,
			  kube_done_cb done, void *arg)
{
	struct kube_request_opts o = {.path = path, .idempotent = true};
	return kube_request(c, &o, NULL, done, arg);
}

static struct kube_req *with_body(struct kube_client *c, const char *method,
				  const char *path, const char *type,
				  const json_t *body, kube_done_cb done,
				  void *arg)
{
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	struct kube_request_opts o = {
		.method = method,
		.path = path,
		.content_type = text ? type : NULL,
		.body = text,
		.body_len = text ? strlen(text) : 0,
	};
	struct kube_req *r = kube_request(c, &o, NULL, done, arg);
	free(text);
	return r;
}

struct kube_req *kube_create(struct kube_client *c, const char *path,
			     const json_t *body, kube_done_cb done, void *arg)
{
	return with_body(c, "POST", path, "application/json", body, done, arg);
}

struct kube_req *kube_patch(struct kube_client *c, const char *path,
			    enum kube_patch type, const json_t *patch,
			    kube_done_cb done, void *arg)
{
	static const char *const types[] = {
		[KUBE_PATCH_MERGE] = "application/merge-patch+json",
		[KUBE_PATCH_STRATEGIC] = "application/strategic-merge-patch+json",
		[KUBE_PATCH_JSON] = "application/json-patch+json",
	};
	return with_body(c, "PATCH", path, types[type], patch, done, arg);
}

struct kube_req *kube_delete(struct kube_client *c, const char *path,
			     kube_done_cb done, void *arg)
{
	return with_body(c, "DELETE", path, NULL, NULL, done, arg);
}

void kube_query_escape(struct buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (isalnum(ch) || strchr("-._~", ch))
			buf_putc(out, (char)ch);
		else {
			buf_putc(out, '%');
			buf_putc(out, hex[ch >> 4]);
			buf_putc(out, hex[ch & 15]);
		}
	}
}
