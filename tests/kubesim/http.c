/*
 * kubesim's HTTP front: the Kubernetes REST API over libmicrohttpd.
 *
 * One thread per connection. A request's body is gathered first (bounded at
 * 3 MiB, as the apiserver does), then the request is routed: discovery,
 * the authentication and authorization reviews, the control endpoint for
 * fault injection, the service proxy, or a resource path, which becomes a
 * verb (get, list, watch, create, update, patch, delete) on a kind,
 * checked against the user's RBAC rules and run against the store with
 * the world's lock held.
 * Plain answers are built whole; watches and followed logs are streamed
 * with chunked encoding by a content callback that waits on world.changed
 * for news, so a streaming thread sleeps instead of polling.
 */
#include "kubesim.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <microhttpd.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "base/mem.h"
#include "base/str.h"

#define MAX_BODY (3u << 20)
#define WATCH_DEFAULT_TIMEOUT 1800
#define BOOKMARK_INTERVAL 5.0

struct req {
	struct buf body;
	bool too_big;
	bool started;
};

struct ctx {
	struct ks_world *w;
	struct MHD_Connection *conn;
	const char *method;
	const char *url;
	struct req *rq;
	const struct ks_user *user;
	bool want_table;
	int port;
};

static int g_port;

/* ---------- answers ---------- */

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned code,
				 const char *ctype, char *text, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		len, text, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(r, "Content-Type", ctype);
	MHD_add_response_header(r, "Cache-Control", "no-cache, private");
	enum MHD_Result ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result send_json(struct MHD_Connection *c, unsigned code,
				 json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	size_t len = strlen(s);
	return send_text(c, code, "application/json", s, len);
}

static const char *reason_for(unsigned code)
{
	switch (code) {
	case 400: return "BadRequest";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "NotFound";
	case 405: return "MethodNotAllowed";
	case 406: return "NotAcceptable";
	case 409: return "Conflict";
	case 410: return "Expired";
	case 413: return "RequestEntityTooLarge";
	case 415: return "UnsupportedMediaType";
	case 422: return "Invalid";
	case 429: return "TooManyRequests";
	case 500: return "InternalError";
	case 503: return "ServiceUnavailable";
	case 504: return "Timeout";
	default: return "Unknown";
	}
}

static json_t *status_obj(unsigned code, const char *reason,
			  const char *message, json_t *details)
{
	json_t *j = json_pack("{s:s,s:s,s:{},s:s,s:s,s:s,s:i}", "kind", "Status",
			      "apiVersion", "v1", "metadata", "status",
			      "Failure", "message", message, "reason",
			      reason ? reason : reason_for(code), "code", code);
	if (details)
		json_object_set_new(j, "details", details);
	return j;
}

static enum MHD_Result send_status(struct MHD_Connection *c, unsigned code,
				   const char *reason, const char *message,
				   json_t *details)
{
	return send_json(c, code, status_obj(code, reason, message, details));
}

static const char *group_suffix(enum ks_kind k)
{
	return ks_kinds[k].group[0] ? "." : "";
}

/* A store error as the apiserver would report it. */
static enum MHD_Result send_err(struct ctx *x, const struct err *e,
				enum ks_kind k, const char *name)
{
	unsigned code;
	const char *reason = NULL;
	switch (e->code) {
	case ST_ERR_NOTFOUND: code = 404; break;
	case ST_ERR_EXISTS: code = 409; reason = "AlreadyExists"; break;
	case ST_ERR_CONFLICT: code = 409; break;
	case ST_ERR_INVALID: code = 422; break;
	case ST_ERR_PARSE: code = 400; break;
	case ST_ERR_FORBIDDEN: code = 403; break;
	case ST_ERR_UNSUPPORTED: code = 415; break;
	case ST_ERR_GONE: code = 410; break;
	case ST_ERR_TOOBIG: code = 413; break;
	default: code = 500; break;
	}
	json_t *details = NULL;
	if (name)
		details = json_pack("{s:s,s:s,s:s}", "name", name, "group",
				    ks_kinds[k].group, "kind",
				    ks_kinds[k].resource);
	return send_status(x->conn, code, reason, e->msg, details);
}

static enum MHD_Result send_not_found(struct ctx *x, enum ks_kind k,
				      const char *name)
{
	struct err e;
	err_set(&e, ST_ERR_NOTFOUND, "%s%s%s \"%s\" not found",
		ks_kinds[k].resource, group_suffix(k), ks_kinds[k].group, name);
	return send_err(x, &e, k, name);
}

/* ---------- query parameters ---------- */

static const char *arg(struct ctx *x, const char *key)
{
	return MHD_lookup_connection_value(x->conn, MHD_GET_ARGUMENT_KIND, key);
}

static bool arg_bool(struct ctx *x, const char *key)
{
	const char *v = arg(x, key);
	return v && (!strcmp(v, "true") || !strcmp(v, "1"));
}

/* Integer argument: absent -> def; bad -> false. */
static bool arg_long(struct ctx *x, const char *key, long min, long max,
		     long def, long *out)
{
	const char *v = arg(x, key);
	if (!v || !*v) {
		*out = def;
		return true;
	}
	return str_to_long(v, min, max, out);
}

static bool parse_rv(const char *s, uint64_t *rv)
{
	if (!s || !*s) {
		*rv = 0;
		return true;
	}
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || *s == '-')
		return false;
	*rv = v;
	return true;
}

/* ---------- object rendering ---------- */

/* Serialise o without kind/apiVersion (list items of built-in kinds carry
 * none; the list does). */
static void append_item(struct buf *b, json_t *o)
{
	json_t *c = json_copy(o);
	json_object_del(c, "kind");
	json_object_del(c, "apiVersion");
	char *s = json_dumps(c, JSON_COMPACT);
	buf_puts(b, s);
	free(s);
	json_decref(c);
}

static json_t *row_for(enum ks_kind k, json_t *obj, const char *include)
{
	json_t *row = ks_table_row(k, obj, ks_clock());
	if (include && !strcmp(include, "Object"))
		json_object_set(row, "object", obj);
	else if (include && !strcmp(include, "None"))
		json_object_del(row, "object");
	return row;
}

/* ---------- discovery ---------- */

struct sub {
	const char *name, *group, *version, *kind, *verbs;
};

static json_t *verbs_json(const char *list)
{
	json_t *a = json_array();
	char tmp[128];
	str_copy(tmp, sizeof tmp, list);
	for (char *save, *t = strtok_r(tmp, " ", &save); t;
	     t = strtok_r(NULL, " ", &save))
		json_array_append_new(a, json_string(t));
	return a;
}

static json_t *resource_list(const char *group, const char *version)
{
	static const struct sub subs[] = {
		{"pods/log", "", "v1", "Pod", "get"},
		{"pods/status", "", "v1", "Pod", "get patch update"},
		{"namespaces/status", "", "v1", "Namespace", "get patch update"},
		{"deployments/scale", "autoscaling", "v1", "Scale", "get patch update"},
		{"deployments/status", "apps", "v1", "Deployment", "get patch update"},
		{"replicasets/scale", "autoscaling", "v1", "Scale", "get patch update"},
		{"replicasets/status", "apps", "v1", "ReplicaSet", "get patch update"},
		{"jobs/status", "batch", "v1", "Job", "get patch update"},
	};
	json_t *res = json_array();
	char gv[64];
	snprintf(gv, sizeof gv, "%s%s%s", group, *group ? "/" : "", version);
	for (int k = 0; k < KS_KIND_COUNT; k++) {
		const struct ks_kind_info *ki = &ks_kinds[k];
		if (strcmp(ki->group, group) || strcmp(ki->version, version))
			continue;
		json_t *r = json_pack(
			"{s:s,s:s,s:b,s:s,s:o}", "name", ki->resource,
			"singularName", ki->singular, "namespaced",
			ki->namespaced, "kind", ki->kind, "verbs",
			verbs_json("create delete deletecollection get list patch update watch"));
		if (ki->short_name[0])
			json_object_set_new(r, "shortNames",
					    json_pack("[s]", ki->short_name));
		if (k == KS_PODS || k == KS_SERVICES || k == KS_DEPLOYMENTS ||
		    k == KS_REPLICASETS || k == KS_JOBS)
			json_object_set_new(r, "categories", json_pack("[s]", "all"));
		json_array_append_new(res, r);
		for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
			size_t n = strlen(ki->resource);
			if (strncmp(subs[i].name, ki->resource, n) ||
			    subs[i].name[n] != '/')
				continue;
			json_t *s = json_pack("{s:s,s:s,s:b,s:s,s:o}", "name",
					      subs[i].name, "singularName", "",
					      "namespaced", ki->namespaced,
					      "kind", subs[i].kind, "verbs",
					      verbs_json(subs[i].verbs));
			if (strcmp(subs[i].group, group))
				json_object_set_new(s, "group", json_string(subs[i].group));
			if (strcmp(subs[i].group, group))
				json_object_set_new(s, "version", json_string(subs[i].version));
			json_array_append_new(res, s);
		}
	}
	if (!strcmp(group, "authorization.k8s.io"))
		json_array_append_new(
			res, json_pack("{s:s,s:s,s:b,s:s,s:[s]}", "name",
				       "selfsubjectaccessreviews", "singularName",
				       "selfsubjectaccessreview", "namespaced", 0,
				       "kind", "SelfSubjectAccessReview", "verbs",
				       "create"));
	if (!strcmp(group, "authentication.k8s.io"))
		json_array_append_new(
			res, json_pack("{s:s,s:s,s:b,s:s,s:[s]}", "name",
				       "selfsubjectreviews", "singularName",
				       "selfsubjectreview", "namespaced", 0,
				       "kind", "SelfSubjectReview", "verbs",
				       "create"));
	return json_pack("{s:s,s:s,s:s,s:o}", "kind", "APIResourceList",
			 "apiVersion", "v1", "groupVersion", gv, "resources",
			 res);
}

static const char *const api_groups[] = {"apps", "batch",
					 "authorization.k8s.io",
					 "authentication.k8s.io"};

static json_t *api_group(const char *g)
{
	char gv[64];
	snprintf(gv, sizeof gv, "%s/v1", g);
	return json_pack("{s:s,s:s,s:s,s:[{s:s,s:s}],s:{s:s,s:s}}", "kind",
			 "APIGroup", "apiVersion", "v1", "name", g, "versions",
			 "groupVersion", gv, "version", "v1", "preferredVersion",
			 "groupVersion", gv, "version", "v1");
}

static bool known_group(const char *g)
{
	for (size_t i = 0; i < sizeof api_groups / sizeof api_groups[0]; i++)
		if (!strcmp(api_groups[i], g))
			return true;
	return false;
}

static enum MHD_Result serve_discovery(struct ctx *x, char **seg, int n,
				       bool core)
{
	if (core && n == 1) {
		char addr[64];
		snprintf(addr, sizeof addr, "127.0.0.1:%d", x->port);
		return send_json(x->conn, 200,
				 json_pack("{s:s,s:[s],s:[{s:s,s:s}]}", "kind",
					   "APIVersions", "versions", "v1",
					   "serverAddressByClientCIDRs",
					   "clientCIDR", "0.0.0.0/0",
					   "serverAddress", addr));
	}
	if (core && n == 2 && !strcmp(seg[1], "v1"))
		return send_json(x->conn, 200, resource_list("", "v1"));
	if (!core && n == 1) {
		json_t *groups = json_array();
		for (size_t i = 0; i < sizeof api_groups / sizeof api_groups[0]; i++) {
			json_t *g = api_group(api_groups[i]);
			json_object_del(g, "kind");
			json_object_del(g, "apiVersion");
			json_array_append_new(groups, g);
		}
		return send_json(x->conn, 200,
				 json_pack("{s:s,s:s,s:o}", "kind",
					   "APIGroupList", "apiVersion", "v1",
					   "groups", groups));
	}
	if (!core && n == 2 && known_group(seg[1]))
		return send_json(x->conn, 200, api_group(seg[1]));
	if (!core && n == 3 && known_group(seg[1]) && !strcmp(seg[2], "v1"))
		return send_json(x->conn, 200, resource_list(seg[1], "v1"));
	return send_status(x->conn, 404, NULL, "the server could not find the requested resource", NULL);
}

/* ---------- authorization ---------- */

static bool allowed(struct ctx *x, const char *verb, enum ks_kind k,
		    const char *sub, const char *ns)
{
	char res[96];
	snprintf(res, sizeof res, "%s%s%s", ks_kinds[k].resource, sub ? "/" : "",
		 sub ? sub : "");
	return ks_rbac_allows(x->user, verb, res, ks_kinds[k].namespaced ? ns : "");
}

static enum MHD_Result send_forbidden(struct ctx *x, const char *verb,
				      enum ks_kind k, const char *sub,
				      const char *ns, const char *name)
{
	struct buf m = BUF_INIT;
	buf_printf(&m, "%s%s%s", ks_kinds[k].resource, group_suffix(k),
		   ks_kinds[k].group);
	if (name)
		buf_printf(&m, " \"%s\"", name);
	buf_printf(&m, " is forbidden: User \"%s\" cannot %s resource \"%s%s%s\" in API group \"%s\"",
		   x->user->name, verb, ks_kinds[k].resource, sub ? "/" : "",
		   sub ? sub : "", ks_kinds[k].group);
	if (ks_kinds[k].namespaced && ns && *ns)
		buf_printf(&m, " in the namespace \"%s\"", ns);
	else
		buf_puts(&m, " at the cluster scope");
	json_t *details = json_pack("{s:s,s:s}", "group", ks_kinds[k].group,
				    "kind", ks_kinds[k].resource);
	if (name)
		json_object_set_new(details, "name", json_string(name));
	enum MHD_Result r = send_status(x->conn, 403, NULL, buf_str(&m), details);
	buf_free(&m);
	return r;
}

/*
 * kubectl's typed clients send the review objects as protobuf: the "k8s\0"
 * envelope around runtime.Unknown{typeMeta=1, raw=2}. Only the fields the
 * reviews need are read: SelfSubjectAccessReview.spec(2) with
 * resourceAttributes(1){namespace=1, verb=2, group=3, version=4,
 * resource=5, subresource=6, name=7} or nonResourceAttributes(2).
 */
struct pb {
	const unsigned char *p, *end;
};

static bool pb_varint(struct pb *b, uint64_t *v)
{
	*v = 0;
	for (int shift = 0; shift < 64 && b->p < b->end; shift += 7) {
		unsigned char c = *b->p++;
		*v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return true;
	}
	return false;
}

/* Next field: its number and, for length-delimited ones, the bytes. */
static bool pb_next(struct pb *b, unsigned *field, struct pb *sub)
{
	uint64_t key, v;
	if (b->p >= b->end || !pb_varint(b, &key))
		return false;
	*field = (unsigned)(key >> 3);
	switch (key & 7) {
	case 0:
		return pb_varint(b, &v) && (sub->p = sub->end = NULL, true);
	case 1:
		if (b->end - b->p < 8)
			return false;
		b->p += 8;
		sub->p = sub->end = NULL;
		return true;
	case 5:
		if (b->end - b->p < 4)
			return false;
		b->p += 4;
		sub->p = sub->end = NULL;
		return true;
	case 2:
		if (!pb_varint(b, &v) || v > (uint64_t)(b->end - b->p))
			return false;
		sub->p = b->p;
		sub->end = b->p + v;
		b->p += v;
		return true;
	default:
		return false;
	}
}

static json_t *pb_review(const char *data, size_t len, struct err *e)
{
	static const char *const attr_names[] = {NULL, "namespace", "verb", "group",
						 "version", "resource", "subresource", "name"};
	struct pb env = {(const unsigned char *)data + 4, (const unsigned char *)data + len};
	struct pb f, raw = {NULL, NULL};
	unsigned n;
	while (pb_next(&env, &n, &f))
		if (n == 2)
			raw = f;
	json_t *spec = json_object();
	json_t *j = json_pack("{s:o}", "spec", spec);
	struct pb top = raw, sp, attrs, val;
	while (raw.p && pb_next(&top, &n, &sp)) {
		if (n != 2 || !sp.p)
			continue;
		while (pb_next(&sp, &n, &attrs)) {
			if (!attrs.p || (n != 1 && n != 2))
				continue;
			json_t *a = json_object();
			json_object_set_new(spec, n == 1 ? "resourceAttributes"
							 : "nonResourceAttributes", a);
			unsigned an;
			while (pb_next(&attrs, &an, &val))
				if (val.p && an < sizeof attr_names / sizeof attr_names[0] &&
				    attr_names[an])
					json_object_set_new(a, attr_names[an],
							    json_stringn_nocheck((const char *)val.p,
										 (size_t)(val.end - val.p)));
		}
	}
	if (!raw.p) {
		json_decref(j);
		err_set(e, ST_ERR_PARSE, "the protobuf body has no object");
		return NULL;
	}
	return j;
}

static json_t *parse_body(struct ctx *x, struct err *e)
{
	const char *ctype = MHD_lookup_connection_value(x->conn, MHD_HEADER_KIND, "Content-Type");
	if (ctype && strstr(ctype, "protobuf")) {
		/* Only the reviews are accepted as protobuf (kubectl sends
		 * them so); everything else must be JSON. */
		if (!strstr(x->url, "/selfsubject")) {
			err_set(e, ST_ERR_PARSE, "kubesim accepts JSON request bodies only");
			return NULL;
		}
		if (x->rq->body.len < 4 || memcmp(x->rq->body.data, "k8s", 4)) {
			err_set(e, ST_ERR_PARSE, "the protobuf body lacks the k8s envelope");
			return NULL;
		}
		return pb_review(x->rq->body.data, x->rq->body.len, e);
	}
	json_error_t je;
	json_t *j = json_loadb(x->rq->body.data ? x->rq->body.data : "",
			       x->rq->body.len, 0, &je);
	if (!j) {
		err_set(e, ST_ERR_PARSE, "couldn't get version/kind; json parse error: %s",
			je.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		err_set(e, ST_ERR_PARSE, "the request body must be a JSON object");
		return NULL;
	}
	return j;
}

static enum MHD_Result serve_review(struct ctx *x, const char *group,
				    const char *resource)
{
	if (strcmp(x->method, "POST"))
		return send_status(x->conn, 405, NULL, "the server does not allow this method on the requested resource", NULL);
	struct err e;
	json_t *body = parse_body(x, &e);
	if (!body)
		return send_status(x->conn, 400, NULL, e.msg, NULL);
	if (!strcmp(group, "authentication.k8s.io") &&
	    !strcmp(resource, "selfsubjectreviews")) {
		json_t *groups = json_array();
		for (size_t i = 0; i < x->user->groups.len; i++)
			json_array_append_new(groups, json_string(x->user->groups.items[i]));
		json_array_append_new(groups, json_string("system:authenticated"));
		json_decref(body);
		return send_json(x->conn, 201,
				 json_pack("{s:s,s:s,s:{s:n},s:{s:{s:s,s:s,s:o}}}",
					   "kind", "SelfSubjectReview", "apiVersion",
					   "authentication.k8s.io/v1", "metadata",
					   "creationTimestamp", "status", "userInfo",
					   "username", x->user->name, "uid",
					   x->user->uid ? x->user->uid : "", "groups", groups));
	}
	if (!strcmp(group, "authorization.k8s.io") &&
	    !strcmp(resource, "selfsubjectaccessreviews")) {
		json_t *spec = json_object_get(body, "spec");
		json_t *ra = json_object_get(spec, "resourceAttributes");
		bool ok = false;
		if (json_is_object(ra)) {
			const char *verb = json_string_value(json_object_get(ra, "verb"));
			const char *res = json_string_value(json_object_get(ra, "resource"));
			const char *sub = json_string_value(json_object_get(ra, "subresource"));
			const char *ns = json_string_value(json_object_get(ra, "namespace"));
			char full[160];
			snprintf(full, sizeof full, "%s%s%s", res ? res : "",
				 sub && *sub ? "/" : "", sub && *sub ? sub : "");
			ok = verb && res &&
			     ks_rbac_allows(x->user, verb, full, ns && *ns ? ns : NULL);
		} else if (json_is_object(json_object_get(spec, "nonResourceAttributes"))) {
			ok = ks_rbac_allows(x->user, "get", "*", NULL);
		} else {
			json_decref(body);
			return send_status(x->conn, 422, NULL,
					   "SelfSubjectAccessReview.authorization.k8s.io \"\" is invalid: spec: Invalid value: exactly one of nonResourceAttributes or resourceAttributes must be specified",
					   NULL);
		}
		json_object_set_new(body, "status",
				    ok ? json_pack("{s:b,s:s}", "allowed", 1, "reason",
						   "kubesim: allowed by the scenario's RBAC rules")
				       : json_pack("{s:b}", "allowed", 0));
		if (!ok)
			json_object_set_new(json_object_get(body, "status"), "denied", json_false());
		json_object_set_new(body, "kind", json_string("SelfSubjectAccessReview"));
		json_object_set_new(body, "apiVersion", json_string("authorization.k8s.io/v1"));
		return send_json(x->conn, 201, body);
	}
	json_decref(body);
	return send_status(x->conn, 404, NULL, "the server could not find the requested resource", NULL);
}

/* ---------- fault injection ---------- */

static json_t *faults_json(struct ks_world *w)
{
	return json_pack("{s:{s:I,s:i,s:I},s:I,s:I,s:I}", "failNext", "count",
			 (json_int_t)w->faults.fail_count, "code",
			 w->faults.fail_code, "retryAfterSeconds",
			 (json_int_t)w->faults.retry_after, "latencyMs",
			 (json_int_t)w->faults.latency_ms, "resourceVersion",
			 (json_int_t)w->rv, "watchEpoch",
			 (json_int_t)w->watch_epoch);
}

static enum MHD_Result serve_faults(struct ctx *x)
{
	struct ks_world *w = x->w;
	if (!x->user->admin)
		return send_status(x->conn, 403, NULL,
				   "the kubesim control endpoint is for the admin user only", NULL);
	if (!strcmp(x->method, "GET")) {
		pthread_mutex_lock(&w->mu);
		json_t *j = faults_json(w);
		pthread_mutex_unlock(&w->mu);
		return send_json(x->conn, 200, j);
	}
	if (strcmp(x->method, "POST") && strcmp(x->method, "DELETE"))
		return send_status(x->conn, 405, NULL, "use GET, POST or DELETE", NULL);
	struct err e;
	json_t *body = NULL;
	if (!strcmp(x->method, "POST") && !(body = parse_body(x, &e)))
		return send_status(x->conn, 400, NULL, e.msg, NULL);
	/* Validate everything before changing anything. */
	json_t *fail = body ? json_object_get(body, "failNext") : NULL;
	const char *key;
	json_t *val;
	if (body) {
		json_object_foreach(body, key, val) {
			if (strcmp(key, "dropWatches") && strcmp(key, "failNext") &&
			    strcmp(key, "latencyMs") &&
			    strcmp(key, "expireResourceVersions")) {
				json_decref(body);
				return send_status(x->conn, 400, NULL,
						   "unknown fault (known: dropWatches, failNext, latencyMs, expireResourceVersions)", NULL);
			}
		}
	}
	long count = 0, code = 500, retry = 1, latency = -1;
	if (fail) {
		json_t *c = json_object_get(fail, "count");
		json_t *cd = json_object_get(fail, "code");
		json_t *ra = json_object_get(fail, "retryAfterSeconds");
		count = json_is_integer(c) ? (long)json_integer_value(c) : -1;
		code = cd ? (json_is_integer(cd) ? (long)json_integer_value(cd) : -1) : 500;
		retry = ra ? (json_is_integer(ra) ? (long)json_integer_value(ra) : -1) : 1;
		if (count < 0 || count > 1000000 || (code != 500 && code != 429 && code != 503) ||
		    retry < 0 || retry > 3600) {
			json_decref(body);
			return send_status(x->conn, 400, NULL,
					   "failNext needs count (0..1000000), code 500, 503 or 429, retryAfterSeconds 0..3600", NULL);
		}
	}
	if (body && json_object_get(body, "latencyMs")) {
		json_t *l = json_object_get(body, "latencyMs");
		latency = json_is_integer(l) ? (long)json_integer_value(l) : -2;
		if (latency < 0 || latency > 60000) {
			json_decref(body);
			return send_status(x->conn, 400, NULL, "latencyMs must be 0..60000", NULL);
		}
	}
	pthread_mutex_lock(&w->mu);
	if (!body) {
		memset(&w->faults, 0, sizeof w->faults);
	} else {
		if (fail) {
			w->faults.fail_count = count;
			w->faults.fail_code = (int)code;
			w->faults.retry_after = retry;
		}
		if (latency >= 0)
			w->faults.latency_ms = latency;
		if (json_is_true(json_object_get(body, "expireResourceVersions")))
			ks_expire_all(w);
		if (json_is_true(json_object_get(body, "dropWatches"))) {
			w->watch_epoch++;
			pthread_cond_broadcast(&w->changed);
		}
	}
	json_t *j = faults_json(w);
	pthread_mutex_unlock(&w->mu);
	json_decref(body);
	return send_json(x->conn, 200, j);
}

/* Injected failures and latency, applied to every API request. */
static enum MHD_Result apply_faults(struct ctx *x, bool *answered)
{
	struct ks_world *w = x->w;
	pthread_mutex_lock(&w->mu);
	long latency = w->faults.latency_ms;
	int code = 0;
	long retry = 0;
	if (w->faults.fail_count > 0) {
		w->faults.fail_count--;
		code = w->faults.fail_code;
		retry = w->faults.retry_after;
	}
	pthread_mutex_unlock(&w->mu);
	if (latency > 0)
		usleep((useconds_t)latency * 1000);
	*answered = code != 0;
	if (!code)
		return MHD_YES;
	if (code == 429) {
		json_t *j = status_obj(429, NULL, "Too many requests, please try again later.",
				       json_pack("{s:I}", "retryAfterSeconds", (json_int_t)retry));
		char *s = json_dumps(j, JSON_COMPACT);
		json_decref(j);
		struct MHD_Response *r = MHD_create_response_from_buffer(
			strlen(s), s, MHD_RESPMEM_MUST_FREE);
		char ra[24];
		snprintf(ra, sizeof ra, "%ld", retry);
		MHD_add_response_header(r, "Content-Type", "application/json");
		MHD_add_response_header(r, "Retry-After", ra);
		enum MHD_Result ret = MHD_queue_response(x->conn, 429, r);
		MHD_destroy_response(r);
		return ret;
	}
	return send_status(x->conn, (unsigned)code, NULL,
			   code == 503 ? "kubesim: injected unavailability"
				       : "kubesim: injected internal error",
			   NULL);
}

/* ---------- streaming ---------- */

struct stream {
	struct ks_world *w;
	struct buf out;  /* bytes ready to send */
	size_t out_off;
	bool done;
	/* watch */
	enum ks_kind kind;
	char *ns; /* NULL: all namespaces */
	struct ks_selector *lsel, *fsel;
	bool table, bookmarks, columns_sent;
	char *include;
	uint64_t cursor;
	uint64_t epoch;
	double deadline, last_sent;
	struct vec initial; /* json_t*: synthetic ADDED events */
	size_t initial_pos;
	/* logs */
	struct sim_log *log;
};

static void stream_free(void *cls)
{
	struct stream *s = cls;
	buf_free(&s->out);
	free(s->ns);
	free(s->include);
	ks_selector_free(s->lsel);
	ks_selector_free(s->fsel);
	for (size_t i = s->initial_pos; i < s->initial.len; i++)
		json_decref(s->initial.items[i]);
	vec_free(&s->initial, NULL);
	if (s->log)
		sim_log_close(s->log);
	free(s);
}

static bool watch_matches(struct stream *s, enum ks_kind k, const char *ns,
			  json_t *obj)
{
	if (k != s->kind)
		return false;
	if (s->ns && strcmp(ns, s->ns))
		return false;
	if (s->lsel && !ks_label_selector_match(
			       s->lsel, json_object_get(json_object_get(obj, "metadata"), "labels")))
		return false;
	if (s->fsel && !ks_field_selector_match(s->fsel, obj))
		return false;
	return true;
}

static void watch_emit(struct stream *s, const char *type, json_t *obj)
{
	buf_printf(&s->out, "{\"type\":\"%s\",\"object\":", type);
	if (s->table) {
		json_t *t = json_pack("{s:s,s:s,s:{s:s?},s:o,s:[o]}", "kind", "Table",
				      "apiVersion", "meta.k8s.io/v1", "metadata",
				      "resourceVersion",
				      json_string_value(json_object_get(json_object_get(obj, "metadata"), "resourceVersion")),
				      "columnDefinitions",
				      s->columns_sent ? json_array() : ks_table_columns(s->kind),
				      "rows", row_for(s->kind, obj, s->include));
		s->columns_sent = true;
		char *txt = json_dumps(t, JSON_COMPACT);
		buf_puts(&s->out, txt);
		free(txt);
		json_decref(t);
	} else {
		char *txt = json_dumps(obj, JSON_COMPACT);
		buf_puts(&s->out, txt);
		free(txt);
	}
	buf_puts(&s->out, "}\n");
}

static void watch_expired(struct stream *s, uint64_t rv)
{
	buf_printf(&s->out,
		   "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"too old resource version: %llu (%llu)\",\"reason\":\"Expired\",\"code\":410}}\n",
		   (unsigned long long)rv, (unsigned long long)s->w->compacted_rv);
	s->done = true;
}

/* Fill s->out with whatever the watcher has not seen yet; lock held. */
static void watch_fill(struct stream *s)
{
	struct ks_world *w = s->w;
	while (s->initial_pos < s->initial.len && s->out.len < (256u << 10)) {
		json_t *o = s->initial.items[s->initial_pos++];
		watch_emit(s, "ADDED", o);
		json_decref(o);
	}
	if (s->out.len)
		return;
	size_t i;
	if (!ks_hist_from(w, s->cursor, &i)) {
		watch_expired(s, s->cursor);
		return;
	}
	for (; i < w->hist_len && s->out.len < (256u << 10); i++) {
		struct ks_wevent *ev = ks_hist_at(w, i);
		if (watch_matches(s, ev->kind, ev->ns, ev->json))
			watch_emit(s, ev->type, ev->json);
		s->cursor = ev->rv;
	}
	if (i == w->hist_len && w->rv > s->cursor)
		s->cursor = w->rv;
}

static ssize_t watch_read(void *cls, uint64_t pos, char *dst, size_t max)
{
	(void)pos;
	struct stream *s = cls;
	struct ks_world *w = s->w;
	if (s->out_off == s->out.len) {
		buf_clear(&s->out);
		s->out_off = 0;
		if (s->done)
			return MHD_CONTENT_READER_END_OF_STREAM;
		pthread_mutex_lock(&w->mu);
		while (!s->out.len && !s->done) {
			double now = ks_clock();
			if (w->stopping || w->watch_epoch != s->epoch ||
			    now >= s->deadline) {
				s->done = true;
				break;
			}
			watch_fill(s);
			if (s->out.len || s->done)
				break;
			if (s->bookmarks && now - s->last_sent >= BOOKMARK_INTERVAL) {
				buf_printf(&s->out,
					   "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"%s\",\"apiVersion\":\"%s\",\"metadata\":{\"resourceVersion\":\"%llu\"}}}\n",
					   ks_kinds[s->kind].kind,
					   ks_kinds[s->kind].api_version,
					   (unsigned long long)s->cursor);
				break;
			}
			double until = s->deadline;
			if (s->bookmarks && s->last_sent + BOOKMARK_INTERVAL < until)
				until = s->last_sent + BOOKMARK_INTERVAL;
			ks_wait_until(w, until);
		}
		pthread_mutex_unlock(&w->mu);
		if (!s->out.len)
			return MHD_CONTENT_READER_END_OF_STREAM;
		s->last_sent = ks_clock();
	}
	size_t n = s->out.len - s->out_off;
	if (n > max)
		n = max;
	memcpy(dst, s->out.data + s->out_off, n);
	s->out_off += n;
	return (ssize_t)n;
}

static ssize_t log_read(void *cls, uint64_t pos, char *dst, size_t max)
{
	(void)pos;
	struct stream *s = cls;
	struct ks_world *w = s->w;
	if (s->out_off == s->out.len) {
		buf_clear(&s->out);
		s->out_off = 0;
		if (s->done)
			return MHD_CONTENT_READER_END_OF_STREAM;
		pthread_mutex_lock(&w->mu);
		while (!s->out.len && !s->done) {
			if (w->stopping) {
				s->done = true;
				break;
			}
			double next = 0;
			if (!sim_log_read(w, s->log, &s->out, 64u << 10, &next))
				s->done = true;
			if (s->out.len || s->done)
				break;
			double until = ks_clock() + 1.0;
			if (next > 0 && next < until)
				until = next;
			ks_wait_until(w, until);
		}
		pthread_mutex_unlock(&w->mu);
		if (!s->out.len)
			return MHD_CONTENT_READER_END_OF_STREAM;
	}
	size_t n = s->out.len - s->out_off;
	if (n > max)
		n = max;
	memcpy(dst, s->out.data + s->out_off, n);
	s->out_off += n;
	return (ssize_t)n;
}

static enum MHD_Result send_stream(struct ctx *x, struct stream *s,
				   MHD_ContentReaderCallback cb,
				   const char *ctype)
{
	struct MHD_Response *r = MHD_create_response_from_callback(
		MHD_SIZE_UNKNOWN, 32 * 1024, cb, s, stream_free);
	MHD_add_response_header(r, "Content-Type", ctype);
	MHD_add_response_header(r, "Cache-Control", "no-cache, private");
	enum MHD_Result ret = MHD_queue_response(x->conn, 200, r);
	MHD_destroy_response(r);
	return ret;
}

/* ---------- resources ---------- */

struct rreq {
	enum ks_kind kind;
	const char *ns;   /* NULL: not in the path */
	const char *name; /* NULL: the collection */
	const char *sub;  /* NULL or "log", "scale", "status" */
};

static bool has_status(enum ks_kind k)
{
	return k == KS_PODS || k == KS_DEPLOYMENTS || k == KS_REPLICASETS ||
	       k == KS_JOBS || k == KS_NAMESPACES || k == KS_NODES ||
	       k == KS_SERVICES;
}

/* Continue tokens: base64 is not needed, only opacity and validation:
 * "<rv>:<last key>" in hex. */
/* Order of an object against a continue key "ns/name" (namespaces and
 * names never hold a '/'), matching ks_list's order. */
static int cmp_after(const struct ks_obj *o, const char *after)
{
	const char *slash = strchr(after, '/');
	size_t nl = slash ? (size_t)(slash - after) : strlen(after);
	int c = strncmp(o->ns, after, nl);
	if (c || o->ns[nl])
		return c ? c : 1;
	return strcmp(o->name, slash ? slash + 1 : "");
}

static char *continue_encode(uint64_t rv, const char *key)
{
	struct buf b = BUF_INIT;
	buf_printf(&b, "%llu:", (unsigned long long)rv);
	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		buf_printf(&b, "%02x", *p);
	return buf_detach(&b);
}

static bool continue_decode(const char *tok, uint64_t *rv, char *key,
			    size_t keycap)
{
	const char *colon = strchr(tok, ':');
	if (!colon || colon == tok || colon - tok > 20)
		return false;
	char num[24];
	memcpy(num, tok, (size_t)(colon - tok));
	num[colon - tok] = '\0';
	if (!parse_rv(num, rv))
		return false;
	const char *h = colon + 1;
	size_t n = strlen(h);
	if (n % 2 || n / 2 >= keycap)
		return false;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;
		if (sscanf(h + 2 * i, "%2x", &v) != 1 || !v)
			return false;
		key[i] = (char)v;
	}
	key[n / 2] = '\0';
	return true;
}

static enum MHD_Result parse_selectors(struct ctx *x, enum ks_kind k,
				       struct ks_selector **lsel,
				       struct ks_selector **fsel, bool *bad)
{
	struct err e;
	const char *ls = arg(x, "labelSelector"), *fs = arg(x, "fieldSelector");
	*lsel = *fsel = NULL;
	*bad = false;
	if (ls && *ls && ks_label_selector_parse(ls, lsel, &e) != ST_OK) {
		*bad = true;
		return send_status(x->conn, 400, NULL, e.msg, NULL);
	}
	if (fs && *fs && ks_field_selector_parse(k, fs, fsel, &e) != ST_OK) {
		ks_selector_free(*lsel);
		*lsel = NULL;
		*bad = true;
		return send_status(x->conn, 400, NULL, e.msg, NULL);
	}
	return MHD_YES;
}

static enum MHD_Result do_watch(struct ctx *x, struct rreq *r,
				struct ks_selector *lsel,
				struct ks_selector *fsel)
{
	struct ks_world *w = x->w;
	uint64_t rv;
	long timeout;
	if (!parse_rv(arg(x, "resourceVersion"), &rv) ||
	    !arg_long(x, "timeoutSeconds", 0, 86400, WATCH_DEFAULT_TIMEOUT, &timeout)) {
		ks_selector_free(lsel);
		ks_selector_free(fsel);
		return send_status(x->conn, 400, NULL,
				   "invalid resourceVersion or timeoutSeconds", NULL);
	}
	if (!timeout)
		timeout = WATCH_DEFAULT_TIMEOUT;
	struct stream *s = xcalloc(1, sizeof *s);
	s->w = w;
	s->kind = r->kind;
	s->ns = r->ns && ks_kinds[r->kind].namespaced ? xstrdup(r->ns) : NULL;
	s->lsel = lsel;
	s->fsel = fsel;
	s->table = x->want_table;
	s->bookmarks = arg_bool(x, "allowWatchBookmarks");
	const char *inc = arg(x, "includeObject");
	s->include = inc ? xstrdup(inc) : NULL;
	s->deadline = ks_clock() + (double)timeout;
	s->last_sent = ks_clock();
	pthread_mutex_lock(&w->mu);
	s->epoch = w->watch_epoch;
	if (rv == 0) {
		/* No resourceVersion: synthetic ADDED for what exists now. */
		struct vec v = VEC_INIT;
		ks_list(w, r->kind, s->ns, &v);
		for (size_t i = 0; i < v.len; i++) {
			struct ks_obj *o = v.items[i];
			if (watch_matches(s, o->kind, o->ns, o->json))
				vec_push(&s->initial, json_incref(o->json));
		}
		vec_free(&v, NULL);
		s->cursor = w->rv;
	} else {
		s->cursor = rv;
	}
	pthread_mutex_unlock(&w->mu);
	return send_stream(x, s, watch_read, "application/json");
}

static enum MHD_Result do_list(struct ctx *x, struct rreq *r)
{
	struct ks_world *w = x->w;
	struct ks_selector *lsel, *fsel;
	bool bad;
	enum MHD_Result ret = parse_selectors(x, r->kind, &lsel, &fsel, &bad);
	if (bad)
		return ret;
	if (arg_bool(x, "watch"))
		return do_watch(x, r, lsel, fsel);
	long limit;
	const char *cont = arg(x, "continue");
	if (!arg_long(x, "limit", 0, 1L << 40, 0, &limit)) {
		ks_selector_free(lsel);
		ks_selector_free(fsel);
		return send_status(x->conn, 400, NULL, "limit must be a non-negative integer", NULL);
	}
	char after[512] = "";
	uint64_t cont_rv = 0;
	if (cont && *cont && !continue_decode(cont, &cont_rv, after, sizeof after)) {
		ks_selector_free(lsel);
		ks_selector_free(fsel);
		return send_status(x->conn, 400, NULL, "continue key is not valid", NULL);
	}
	const char *ns = r->ns && ks_kinds[r->kind].namespaced ? r->ns : NULL;
	pthread_mutex_lock(&w->mu);
	if (cont_rv && cont_rv < w->compacted_rv) {
		pthread_mutex_unlock(&w->mu);
		ks_selector_free(lsel);
		ks_selector_free(fsel);
		return send_status(x->conn, 410, "Expired",
				   "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
				   NULL);
	}
	uint64_t list_rv = cont_rv ? cont_rv : w->rv;
	struct vec all = VEC_INIT, sel = VEC_INIT;
	ks_list(w, r->kind, ns, &all);
	char *next = NULL;
	char key[600];
	/* the list is sorted: start right after the continue key */
	size_t lo = 0, hi = all.len;
	while (after[0] && lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cmp_after(all.items[mid], after) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < all.len; i++) {
		struct ks_obj *o = all.items[i];
		if (lsel && !ks_label_selector_match(
				    lsel, json_object_get(json_object_get(o->json, "metadata"), "labels")))
			continue;
		if (fsel && !ks_field_selector_match(fsel, o->json))
			continue;
		if (limit && sel.len == (size_t)limit) {
			struct ks_obj *last = sel.items[sel.len - 1];
			snprintf(key, sizeof key, "%s/%s", last->ns, last->name);
			next = continue_encode(list_rv, key);
			break;
		}
		vec_push(&sel, o);
	}
	char rvs[24];
	snprintf(rvs, sizeof rvs, "%llu", (unsigned long long)list_rv);
	if (x->want_table) {
		json_t **objs = xcalloc(sel.len ? sel.len : 1, sizeof *objs);
		for (size_t i = 0; i < sel.len; i++)
			objs[i] = ((struct ks_obj *)sel.items[i])->json;
		json_t *t = ks_table(r->kind, objs, sel.len, rvs, next, ks_clock());
		const char *inc = arg(x, "includeObject");
		if (inc && strcmp(inc, "Metadata")) {
			json_t *rows = json_object_get(t, "rows");
			for (size_t i = 0; i < json_array_size(rows); i++) {
				json_t *row = json_array_get(rows, i);
				if (!strcmp(inc, "Object"))
					json_object_set(row, "object", objs[i]);
				else
					json_object_del(row, "object");
			}
		}
		free(objs);
		pthread_mutex_unlock(&w->mu);
		ret = send_json(x->conn, 200, t);
	} else {
		struct buf b = BUF_INIT;
		buf_reserve(&b, sel.len * 1024);
		buf_printf(&b, "{\"kind\":\"%sList\",\"apiVersion\":\"%s\",\"metadata\":{\"resourceVersion\":\"%s\"",
			   ks_kinds[r->kind].kind, ks_kinds[r->kind].api_version, rvs);
		if (next)
			buf_printf(&b, ",\"continue\":\"%s\"", next);
		buf_puts(&b, "},\"items\":[");
		for (size_t i = 0; i < sel.len; i++) {
			if (i)
				buf_putc(&b, ',');
			append_item(&b, ((struct ks_obj *)sel.items[i])->json);
		}
		buf_puts(&b, "]}");
		pthread_mutex_unlock(&w->mu);
		size_t len = b.len;
		ret = send_text(x->conn, 200, "application/json", buf_detach(&b), len);
	}
	free(next);
	vec_free(&all, NULL);
	vec_free(&sel, NULL);
	ks_selector_free(lsel);
	ks_selector_free(fsel);
	return ret;
}

static json_t *scale_of(const struct ks_obj *o)
{
	json_t *meta = json_object_get(o->json, "metadata");
	json_t *spec = json_object_get(o->json, "spec");
	json_t *ml = json_object_get(json_object_get(spec, "selector"), "matchLabels");
	struct buf sel = BUF_INIT;
	const char *k;
	json_t *v;
	json_object_foreach(ml, k, v) {
		buf_printf(&sel, "%s%s=%s", sel.len ? "," : "", k,
			   json_string_value(v) ? json_string_value(v) : "");
	}
	json_t *j = json_pack(
		"{s:s,s:s,s:{s:O,s:O,s:O,s:O,s:O},s:{s:I},s:{s:I,s:s}}", "kind",
		"Scale", "apiVersion", "autoscaling/v1", "metadata", "name",
		json_object_get(meta, "name"), "namespace",
		json_object_get(meta, "namespace"), "uid",
		json_object_get(meta, "uid"), "resourceVersion",
		json_object_get(meta, "resourceVersion"), "creationTimestamp",
		json_object_get(meta, "creationTimestamp"), "spec", "replicas",
		json_integer_value(json_object_get(spec, "replicas")), "status",
		"replicas",
		json_integer_value(json_object_get(json_object_get(o->json, "status"), "replicas")),
		"selector", buf_str(&sel));
	buf_free(&sel);
	return j;
}

static enum MHD_Result do_get(struct ctx *x, struct rreq *r)
{
	struct ks_world *w = x->w;
	pthread_mutex_lock(&w->mu);
	struct ks_obj *o = ks_get(w, r->kind, r->ns ? r->ns : "", r->name);
	if (!o) {
		pthread_mutex_unlock(&w->mu);
		return send_not_found(x, r->kind, r->name);
	}
	json_t *j;
	if (r->sub && !strcmp(r->sub, "scale")) {
		j = scale_of(o);
	} else if (x->want_table && !r->sub) {
		char rvs[24];
		snprintf(rvs, sizeof rvs, "%llu", (unsigned long long)o->rv);
		json_t *objs[1] = {o->json};
		j = ks_table(r->kind, objs, 1, rvs, NULL, ks_clock());
	} else {
		j = json_incref(o->json);
	}
	char *s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	pthread_mutex_unlock(&w->mu);
	return send_text(x->conn, 200, "application/json", s, strlen(s));
}

/* Write a new version of o after PUT or PATCH on the object, its status or
 * its scale; newdoc is stolen. Lock held. */
static enum MHD_Result write_back(struct ctx *x, struct rreq *r,
				  struct ks_obj *o, json_t *newdoc,
				  bool check_rv)
{
	struct ks_world *w = x->w;
	struct err e;
	json_t *meta = json_object_get(newdoc, "metadata");
	const char *want_rv = json_string_value(json_object_get(meta, "resourceVersion"));
	char cur[24];
	snprintf(cur, sizeof cur, "%llu", (unsigned long long)o->rv);
	if (check_rv && want_rv && *want_rv && strcmp(want_rv, cur)) {
		json_decref(newdoc);
		pthread_mutex_unlock(&w->mu);
		err_set(&e, ST_ERR_CONFLICT,
			"Operation cannot be fulfilled on %s%s%s \"%s\": the object has been modified; please apply your changes to the latest version and try again",
			ks_kinds[r->kind].resource, group_suffix(r->kind),
			ks_kinds[r->kind].group, o->name);
		return send_err(x, &e, r->kind, o->name);
	}
	const char *nname = json_string_value(json_object_get(meta, "name"));
	if (nname && strcmp(nname, o->name) && !(r->sub && !strcmp(r->sub, "scale"))) {
		json_decref(newdoc);
		pthread_mutex_unlock(&w->mu);
		return send_status(x->conn, 400, NULL,
				   "the name of the object does not match the name on the URL", NULL);
	}
	json_t *next;
	bool is_scale = r->sub && !strcmp(r->sub, "scale");
	if (is_scale) {
		json_t *rep = json_object_get(json_object_get(newdoc, "spec"), "replicas");
		if (!json_is_integer(rep) || json_integer_value(rep) < 0 ||
		    json_integer_value(rep) > 100000) {
			json_decref(newdoc);
			pthread_mutex_unlock(&w->mu);
			err_set(&e, ST_ERR_INVALID,
				"Scale.autoscaling \"%s\" is invalid: spec.replicas: Invalid value: must be an integer between 0 and 100000",
				o->name);
			return send_err(x, &e, r->kind, o->name);
		}
		next = ks_mutable(o);
		json_object_set(json_object_get(next, "spec"), "replicas", rep);
		json_decref(newdoc);
	} else if (r->sub && !strcmp(r->sub, "status")) {
		next = ks_mutable(o);
		json_t *st = json_object_get(newdoc, "status");
		if (st)
			json_object_set(next, "status", st);
		json_decref(newdoc);
	} else {
		next = newdoc;
		if (has_status(r->kind)) {
			json_t *st = json_object_get(o->json, "status");
			if (st)
				json_object_set(next, "status", st);
			else
				json_object_del(next, "status");
		}
	}
	if (r->kind == KS_DEPLOYMENTS && !is_scale) {
		json_t *rep = json_object_get(json_object_get(next, "spec"), "replicas");
		if (rep && (!json_is_integer(rep) || json_integer_value(rep) < 0)) {
			json_decref(next);
			pthread_mutex_unlock(&w->mu);
			err_set(&e, ST_ERR_INVALID,
				"Deployment.apps \"%s\" is invalid: spec.replicas: Invalid value: must be greater than or equal to 0",
				o->name);
			return send_err(x, &e, r->kind, o->name);
		}
	}
	struct ks_obj *n;
	if (ks_update(w, o, next, &n, &e) != ST_OK) {
		pthread_mutex_unlock(&w->mu);
		return send_err(x, &e, r->kind, r->name);
	}
	json_t *answer = is_scale ? scale_of(n) : json_incref(n->json);
	char *s = json_dumps(answer, JSON_COMPACT);
	json_decref(answer);
	pthread_mutex_unlock(&w->mu);
	return send_text(x->conn, 200, "application/json", s, strlen(s));
}

static enum MHD_Result do_update(struct ctx *x, struct rreq *r, bool patch)
{
	struct ks_world *w = x->w;
	struct err e;
	json_t *body = NULL;
	if (!patch && !(body = parse_body(x, &e)))
		return send_status(x->conn, 400, NULL, e.msg, NULL);
	pthread_mutex_lock(&w->mu);
	struct ks_obj *o = ks_get(w, r->kind, r->ns ? r->ns : "", r->name);
	if (!o) {
		pthread_mutex_unlock(&w->mu);
		json_decref(body);
		return send_not_found(x, r->kind, r->name);
	}
	bool is_scale = r->sub && !strcmp(r->sub, "scale");
	if (patch) {
		const char *ct = MHD_lookup_connection_value(x->conn, MHD_HEADER_KIND, "Content-Type");
		json_t *base = is_scale ? scale_of(o) : json_incref(o->json);
		body = ks_patch_apply(ct ? ct : "", base,
				      x->rq->body.data ? x->rq->body.data : "",
				      x->rq->body.len, &e);
		json_decref(base);
		if (!body) {
			pthread_mutex_unlock(&w->mu);
			unsigned code = e.code == ST_ERR_UNSUPPORTED ? 415
					: e.code == ST_ERR_PARSE      ? 400
								      : 422;
			return send_status(x->conn, code, NULL, e.msg, NULL);
		}
		if (!json_is_object(json_object_get(body, "metadata"))) {
			pthread_mutex_unlock(&w->mu);
			json_decref(body);
			return send_status(x->conn, 422, NULL, "the patch removed the object's metadata", NULL);
		}
	} else if (!json_is_object(json_object_get(body, "metadata"))) {
		json_object_set_new(body, "metadata", json_object());
	}
	return write_back(x, r, o, body, !patch);
}

static enum MHD_Result do_create(struct ctx *x, struct rreq *r)
{
	struct ks_world *w = x->w;
	struct err e;
	json_t *body = parse_body(x, &e);
	if (!body)
		return send_status(x->conn, 400, NULL, e.msg, NULL);
	const char *kind = json_string_value(json_object_get(body, "kind"));
	const char *api = json_string_value(json_object_get(body, "apiVersion"));
	if ((kind && strcmp(kind, ks_kinds[r->kind].kind)) ||
	    (api && strcmp(api, ks_kinds[r->kind].api_version))) {
		struct buf m = BUF_INIT;
		buf_printf(&m, "the API version in the data (%s) does not match the expected API version (%s), or the kind (%s) is not %s",
			   api ? api : "", ks_kinds[r->kind].api_version,
			   kind ? kind : "", ks_kinds[r->kind].kind);
		json_decref(body);
		enum MHD_Result ret = send_status(x->conn, 400, NULL, buf_str(&m), NULL);
		buf_free(&m);
		return ret;
	}
	json_object_del(body, "status");
	pthread_mutex_lock(&w->mu);
	struct ks_obj *o;
	if (ks_create(w, r->kind, r->ns, body, &o, &e) != ST_OK) {
		pthread_mutex_unlock(&w->mu);
		return send_err(x, &e, r->kind, NULL);
	}
	char *s = json_dumps(o->json, JSON_COMPACT);
	pthread_mutex_unlock(&w->mu);
	return send_text(x->conn, 201, "application/json", s, strlen(s));
}

static enum MHD_Result do_delete(struct ctx *x, struct rreq *r)
{
	struct ks_world *w = x->w;
	pthread_mutex_lock(&w->mu);
	if (!r->name) {
		struct ks_selector *lsel, *fsel;
		bool bad;
		pthread_mutex_unlock(&w->mu);
		enum MHD_Result ret = parse_selectors(x, r->kind, &lsel, &fsel, &bad);
		if (bad)
			return ret;
		pthread_mutex_lock(&w->mu);
		struct vec v = VEC_INIT;
		ks_list(w, r->kind, r->ns, &v);
		json_t *items = json_array();
		for (size_t i = 0; i < v.len; i++) {
			struct ks_obj *o = v.items[i];
			if (lsel && !ks_label_selector_match(
					    lsel, json_object_get(json_object_get(o->json, "metadata"), "labels")))
				continue;
			if (fsel && !ks_field_selector_match(fsel, o->json))
				continue;
			json_array_append(items, o->json);
			ks_delete(w, o);
		}
		vec_free(&v, NULL);
		char rvs[24];
		snprintf(rvs, sizeof rvs, "%llu", (unsigned long long)w->rv);
		pthread_mutex_unlock(&w->mu);
		ks_selector_free(lsel);
		ks_selector_free(fsel);
		char lk[64];
		snprintf(lk, sizeof lk, "%sList", ks_kinds[r->kind].kind);
		return send_json(x->conn, 200,
				 json_pack("{s:s,s:s,s:{s:s},s:o}", "kind", lk,
					   "apiVersion", ks_kinds[r->kind].api_version,
					   "metadata", "resourceVersion", rvs, "items", items));
	}
	struct ks_obj *o = ks_get(w, r->kind, r->ns ? r->ns : "", r->name);
	if (!o) {
		pthread_mutex_unlock(&w->mu);
		return send_not_found(x, r->kind, r->name);
	}
	json_t *details = json_pack("{s:s,s:s,s:s,s:s}", "name", o->name, "group",
				    ks_kinds[r->kind].group, "kind",
				    ks_kinds[r->kind].resource, "uid", o->uid);
	json_t *last = json_incref(o->json);
	ks_delete(w, o);
	pthread_mutex_unlock(&w->mu);
	if (r->kind == KS_PODS) {
		json_decref(details);
		return send_json(x->conn, 200, last);
	}
	json_decref(last);
	return send_json(x->conn, 200,
			 json_pack("{s:s,s:s,s:{},s:s,s:o}", "kind", "Status",
				   "apiVersion", "v1", "metadata", "status",
				   "Success", "details", details));
}

static enum MHD_Result do_log(struct ctx *x, struct rreq *r)
{
	struct ks_world *w = x->w;
	struct ks_logq q = {.tail_lines = -1, .since_seconds = -1, .limit_bytes = -1};
	q.container = arg(x, "container");
	if (q.container && !*q.container)
		q.container = NULL;
	q.follow = arg_bool(x, "follow");
	q.previous = arg_bool(x, "previous");
	q.timestamps = arg_bool(x, "timestamps");
	const char *since_time = arg(x, "sinceTime");
	if (!arg_long(x, "tailLines", 0, 1L << 40, -1, &q.tail_lines) ||
	    !arg_long(x, "sinceSeconds", 1, 1L << 40, -1, &q.since_seconds) ||
	    !arg_long(x, "limitBytes", 1, 1L << 40, -1, &q.limit_bytes) ||
	    (since_time && !ks_time_parse(since_time, &q.since_time)))
		return send_status(x->conn, 400, NULL,
				   "invalid log options: tailLines >= 0, sinceSeconds >= 1, limitBytes >= 1, sinceTime RFC 3339",
				   NULL);
	pthread_mutex_lock(&w->mu);
	struct ks_obj *o = ks_get(w, KS_PODS, r->ns ? r->ns : "", r->name);
	if (!o) {
		pthread_mutex_unlock(&w->mu);
		return send_not_found(x, KS_PODS, r->name);
	}
	struct sim_log *l;
	struct err e;
	if (sim_log_open(w, o, &q, &l, &e) != ST_OK) {
		pthread_mutex_unlock(&w->mu);
		return send_status(x->conn, e.code == ST_ERR_NOTFOUND ? 404 : 400,
				   NULL, e.msg, NULL);
	}
	struct stream *s = xcalloc(1, sizeof *s);
	s->w = w;
	s->log = l;
	if (!q.follow) {
		double next;
		size_t before;
		do /* until complete, or a read that adds nothing */
			before = s->out.len;
		while (sim_log_read(w, l, &s->out, 1u << 20, &next) &&
		       s->out.len > before);
		pthread_mutex_unlock(&w->mu);
		size_t len = s->out.len;
		char *text = buf_detach(&s->out);
		stream_free(s);
		return send_text(x->conn, 200, "text/plain", text, len);
	}
	pthread_mutex_unlock(&w->mu);
	return send_stream(x, s, log_read, "text/plain");
}

/* ---------- the service proxy ---------- */

/* Whether pod would be an endpoint of a service selecting sel: every
 * selector label matches, the pod is Ready and not terminating (the
 * endpoints controller's rule). A service without a selector has no
 * endpoints kubesim could know of. */
static bool endpoint_of(const json_t *sel, const json_t *pod)
{
	if (!json_object_size(sel))
		return false;
	const json_t *meta = json_object_get(pod, "metadata");
	if (json_object_get(meta, "deletionTimestamp"))
		return false;
	const json_t *labels = json_object_get(meta, "labels");
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)sel, k, v)
	{
		if (!str_eq(json_string_value(json_object_get(labels, k)),
			    json_string_value(v)))
			return false;
	}
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(json_object_get(pod, "status"), "conditions"), i, c)
	{
		if (str_eq(json_string_value(json_object_get(c, "type")), "Ready"))
			return str_eq(json_string_value(json_object_get(c, "status")), "True");
	}
	return false;
}

/* The request's X-* headers, one "Name: value" line each, for /headers. */
static enum MHD_Result echo_header(void *cls, enum MHD_ValueKind kind,
				   const char *key, const char *value)
{
	(void)kind;
	if (!strncasecmp(key, "X-", 2))
		buf_printf(cls, "%s: %s\n", key, value ? value : "");
	return MHD_YES;
}

/*
 * GET /api/v1/namespaces/NS/services/[SCHEME:]NAME[:PORT]/proxy[/PATH]:
 * the apiserver's way to a service's pods. kubesim has no pods to forward
 * to, so it answers for them once it has decided as the apiserver would
 * whether there is anyone to answer: the service must exist (404), a port
 * given as a number must be one of its ports and some Ready pod must match
 * its selector (else 503, with the apiserver's messages). Then /healthz
 * and /readyz say "ok", /headers echoes the request's X-* headers and any
 * other path says which service and path it reached. RBAC: get on services/proxy, the segment as the name.
 */
static enum MHD_Result serve_proxy(struct ctx *x, const char *ns,
				   const char *id, char **rest, int nrest)
{
	if (strcmp(x->method, "GET") && strcmp(x->method, "HEAD"))
		return send_status(x->conn, 405, NULL,
				   "the server does not allow this method on the requested resource", NULL);
	if (!allowed(x, "get", KS_SERVICES, "proxy", ns))
		return send_forbidden(x, "get", KS_SERVICES, "proxy", ns, id);
	/* [scheme:]name[:port], as net.SplitSchemeNamePort reads it */
	char idb[256];
	if (str_copy(idb, sizeof idb, id) >= sizeof idb)
		return send_not_found(x, KS_SERVICES, id);
	char *c1 = strchr(idb, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	const char *scheme = "", *name = idb, *port = "";
	if (c2) {
		*c1 = *c2 = '\0';
		scheme = idb;
		name = c1 + 1;
		port = c2 + 1;
	} else if (c1) {
		*c1 = '\0';
		port = c1 + 1;
	}
	if (!*name || strchr(port, ':') ||
	    (*scheme && strcmp(scheme, "http") && strcmp(scheme, "https")))
		return send_status(x->conn, 400, NULL, "invalid service request", NULL);

	struct buf path = BUF_INIT;
	for (int i = 0; i < nrest; i++)
		buf_printf(&path, "/%s", rest[i]);
	if (!path.len)
		buf_putc(&path, '/');

	struct ks_world *w = x->w;
	pthread_mutex_lock(&w->mu);
	struct ks_obj *svc = ks_get(w, KS_SERVICES, ns, name);
	if (!svc) {
		pthread_mutex_unlock(&w->mu);
		buf_free(&path);
		return send_not_found(x, KS_SERVICES, name);
	}
	const json_t *spec = json_object_get(svc->json, "spec");
	struct buf why = BUF_INIT;
	long num;
	if (*port && str_to_long(port, LONG_MIN, LONG_MAX, &num)) {
		bool found = false;
		size_t i;
		json_t *sp;
		json_array_foreach(json_object_get(spec, "ports"), i, sp)
		{
			if (json_integer_value(json_object_get(sp, "port")) == num)
				found = true;
		}
		if (!found)
			buf_printf(&why, "no service port %ld found for service \"%s\"", num, name);
	} else if (*port) {
		bool found = false;
		size_t i;
		json_t *sp;
		json_array_foreach(json_object_get(spec, "ports"), i, sp)
		{
			if (str_eq(json_string_value(json_object_get(sp, "name")), port))
				found = true;
		}
		if (!found)
			buf_printf(&why, "no endpoints available for service \"%s\"", name);
	}
	if (!why.len) {
		struct vec pods = VEC_INIT;
		ks_list(w, KS_PODS, ns, &pods);
		bool any = false;
		const json_t *sel = json_object_get(spec, "selector");
		for (size_t i = 0; i < pods.len && !any; i++)
			any = endpoint_of(sel, ((struct ks_obj *)pods.items[i])->json);
		vec_free(&pods, NULL);
		if (!any)
			buf_printf(&why, "no endpoints available for service \"%s\"", name);
	}
	pthread_mutex_unlock(&w->mu);
	enum MHD_Result r;
	if (why.len) {
		r = send_status(x->conn, 503, NULL, buf_str(&why), NULL);
	} else {
		struct buf body = BUF_INIT;
		if (!strcmp(buf_str(&path), "/healthz") || !strcmp(buf_str(&path), "/readyz"))
			buf_puts(&body, "ok\n");
		else if (!strcmp(buf_str(&path), "/headers"))
			MHD_get_connection_values(x->conn, MHD_HEADER_KIND, echo_header, &body);
		else
			buf_printf(&body, "%s: %s\n", name, buf_str(&path));
		size_t len = body.len;
		r = send_text(x->conn, 200, "text/plain; charset=utf-8", buf_detach(&body), len);
	}
	buf_free(&why);
	buf_free(&path);
	return r;
}

/* ---------- routing ---------- */

static const char *verb_of(const char *method, const struct rreq *r,
			   bool watch)
{
	if (!strcmp(method, "GET") || !strcmp(method, "HEAD"))
		return r->name ? "get" : watch ? "watch" : "list";
	if (!strcmp(method, "POST"))
		return "create";
	if (!strcmp(method, "PUT"))
		return "update";
	if (!strcmp(method, "PATCH"))
		return "patch";
	if (!strcmp(method, "DELETE"))
		return r->name ? "delete" : "deletecollection";
	return NULL;
}

static enum MHD_Result serve_resource(struct ctx *x, const char *group,
				      char **seg, int n)
{
	/* seg: the path after /api/v1 or /apis/G/V. */
	struct rreq r = {0};
	int k;
	if (n >= 5 && !*group && !strcmp(seg[0], "namespaces") &&
	    !strcmp(seg[2], "services") && !strcmp(seg[4], "proxy"))
		return serve_proxy(x, seg[1], seg[3], seg + 5, n - 5);
	if (n >= 3 && !strcmp(seg[0], "namespaces") &&
	    (k = ks_kind_find(group, seg[2])) >= 0 && ks_kinds[k].namespaced) {
		r.ns = seg[1];
		r.kind = (enum ks_kind)k;
		r.name = n >= 4 ? seg[3] : NULL;
		r.sub = n >= 5 ? seg[4] : NULL;
		if (n > 5)
			goto notfound;
	} else if (n >= 1 && (k = ks_kind_find(group, seg[0])) >= 0) {
		r.kind = (enum ks_kind)k;
		r.name = n >= 2 ? seg[1] : NULL;
		r.sub = n >= 3 ? seg[2] : NULL;
		if (n > 3)
			goto notfound;
		/* A named namespaced object needs its namespace. */
		if (ks_kinds[k].namespaced && r.name)
			goto notfound;
	} else {
		goto notfound;
	}
	if (r.sub) {
		bool ok = (!strcmp(r.sub, "status") && has_status(r.kind)) ||
			  (!strcmp(r.sub, "scale") &&
			   (r.kind == KS_DEPLOYMENTS || r.kind == KS_REPLICASETS)) ||
			  (!strcmp(r.sub, "log") && r.kind == KS_PODS);
		if (!ok)
			goto notfound;
	}
	bool watch = arg_bool(x, "watch");
	const char *verb = verb_of(x->method, &r, watch);
	if (!verb || (r.sub && !strcmp(r.sub, "log") && strcmp(verb, "get")) ||
	    (!r.name && (!strcmp(verb, "update") || !strcmp(verb, "patch"))) ||
	    (r.name && !strcmp(verb, "create")))
		return send_status(x->conn, 405, NULL,
				   "the server does not allow this method on the requested resource", NULL);
	const char *ns_for_rbac = ks_kinds[r.kind].namespaced ? r.ns : "";
	if (!allowed(x, verb, r.kind, r.sub, ns_for_rbac))
		return send_forbidden(x, verb, r.kind, r.sub, ns_for_rbac, r.name);
	if (r.sub && !strcmp(r.sub, "log"))
		return do_log(x, &r);
	if (!strcmp(verb, "get"))
		return do_get(x, &r);
	if (!strcmp(verb, "list") || !strcmp(verb, "watch"))
		return do_list(x, &r);
	if (!strcmp(verb, "create")) {
		if (ks_kinds[r.kind].namespaced && !r.ns)
			goto notfound;
		return do_create(x, &r);
	}
	if (!strcmp(verb, "update"))
		return do_update(x, &r, false);
	if (!strcmp(verb, "patch"))
		return do_update(x, &r, true);
	return do_delete(x, &r);
notfound:
	return send_status(x->conn, 404, NULL, "the server could not find the requested resource", NULL);
}

static bool accepts_table(struct MHD_Connection *c)
{
	const char *acc = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept");
	return acc && strstr(acc, "as=Table") && strstr(acc, "g=meta.k8s.io");
}

static enum MHD_Result route(struct ctx *x)
{
	char path[2048];
	if (str_copy(path, sizeof path, x->url) >= sizeof path)
		return send_status(x->conn, 414, "RequestURITooLong", "the request URI is too long", NULL);
	char *seg[16];
	int n = 0;
	for (char *save, *t = strtok_r(path, "/", &save); t;
	     t = strtok_r(NULL, "/", &save)) {
		if (n == 16)
			return send_status(x->conn, 404, NULL, "the server could not find the requested resource", NULL);
		seg[n++] = t;
	}
	if (n == 1 && (!strcmp(seg[0], "healthz") || !strcmp(seg[0], "livez") ||
		       !strcmp(seg[0], "readyz")))
		return send_text(x->conn, 200, "text/plain", xstrdup("ok"), 2);
	if (n == 1 && !strcmp(seg[0], "version"))
		return send_json(x->conn, 200,
				 json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}",
					   "major", "1", "minor", "32", "gitVersion",
					   "v1.32.0-kubesim", "gitCommit", "kubesim",
					   "gitTreeState", "clean", "buildDate",
					   "2026-01-01T00:00:00Z", "goVersion", "n/a",
					   "compiler", "c11", "platform", "linux/amd64"));

	const char *auth = MHD_lookup_connection_value(x->conn, MHD_HEADER_KIND, "Authorization");
	if (auth && !strncasecmp(auth, "Bearer ", 7))
		x->user = ks_scenario_user_by_token(x->w->sc, auth + 7);
	if (!x->user)
		return send_status(x->conn, 401, NULL, "Unauthorized", NULL);

	if (n == 3 && !strcmp(seg[0], "kubesim") && !strcmp(seg[1], "v1") &&
	    !strcmp(seg[2], "faults"))
		return serve_faults(x);

	bool answered;
	enum MHD_Result fr = apply_faults(x, &answered);
	if (answered)
		return fr;
	x->want_table = accepts_table(x->conn);

	if (n >= 1 && !strcmp(seg[0], "api")) {
		if (n <= 2)
			return serve_discovery(x, seg, n, true);
		if (strcmp(seg[1], "v1"))
			goto notfound;
		return serve_resource(x, "", seg + 2, n - 2);
	}
	if (n >= 1 && !strcmp(seg[0], "apis")) {
		if (n <= 3)
			return serve_discovery(x, seg, n, false);
		if (!known_group(seg[1]) || strcmp(seg[2], "v1"))
			goto notfound;
		if (n == 4 && (!strcmp(seg[3], "selfsubjectaccessreviews") ||
			       !strcmp(seg[3], "selfsubjectreviews")))
			return serve_review(x, seg[1], seg[3]);
		return serve_resource(x, seg[1], seg + 3, n - 3);
	}
notfound:
	return send_status(x->conn, 404, NULL, "the server could not find the requested resource", NULL);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	(void)version;
	struct ks_world *w = cls;
	struct req *rq = *con_cls;
	if (!rq) {
		rq = xcalloc(1, sizeof *rq);
		*con_cls = rq;
		return MHD_YES;
	}
	if (*upload_size) {
		if (rq->body.len + *upload_size > MAX_BODY)
			rq->too_big = true;
		else
			buf_append(&rq->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (rq->started)
		return MHD_YES;
	rq->started = true;
	if (rq->too_big)
		return send_status(conn, 413, NULL, "Request entity too large: limit is 3145728", NULL);
	struct ctx x = {.w = w, .conn = conn, .method = method, .url = url,
			.rq = rq, .port = g_port};
	return route(&x);
}

static void on_completed(void *cls, struct MHD_Connection *conn,
			 void **con_cls, enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	(void)toe;
	struct req *rq = *con_cls;
	if (rq) {
		buf_free(&rq->body);
		free(rq);
		*con_cls = NULL;
	}
}

struct MHD_Daemon *ks_http_start(struct ks_world *w, const char *host,
				 int port, const struct ks_tls *tls,
				 int *bound_port, struct err *e)
{
	struct sockaddr_in sa = {0};
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		err_set(e, ST_ERR_INVALID, "--listen: '%s' is not an IPv4 address", host);
		return NULL;
	}
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
			 MHD_USE_POLL;
	if (tls)
		flags |= MHD_USE_TLS;
	struct MHD_Daemon *d;
	if (tls)
		d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, w,
				     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
				     MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
				     MHD_OPTION_CONNECTION_LIMIT, (unsigned)4000,
				     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)300,
				     MHD_OPTION_HTTPS_MEM_KEY, tls->key_pem,
				     MHD_OPTION_HTTPS_MEM_CERT, tls->cert_pem,
				     MHD_OPTION_END);
	else
		d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, w,
				     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
				     MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
				     MHD_OPTION_CONNECTION_LIMIT, (unsigned)4000,
				     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)300,
				     MHD_OPTION_END);
	if (!d) {
		err_set(e, ST_ERR_IO, "cannot listen on %s:%d (%s)", host, port,
			strerror(errno));
		return NULL;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	*bound_port = info ? info->port : port;
	g_port = *bound_port;
	return d;
}

void ks_http_stop(struct MHD_Daemon *d)
{
	if (d)
		MHD_stop_daemon(d);
}
