/*
 * Run records, approvals, once-keys and Events in the cluster (store.h).
 *
 * Each call builds one request on the client and turns its answer into a
 * store_cb: a status, a message for people, and the object that matters.
 * A claim or a decision that already exists (409) is read back so the
 * message can say who got there first. Records are JSON in a ConfigMap's
 * data; the state is also a label so `kubectl get cm -n opsdeck -l
 * opsdeck.io/state=running` works.
 */
#include "runbook/store.h"

#include <errno.h>
#include <git2.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/mem.h"
#include "base/str.h"
#include "runbook/plan.h"

#define CM_PATH "/api/v1/namespaces/" RUN_NAMESPACE "/configmaps"

struct call {
	struct kube_client *c;
	store_cb cb;
	void *arg;
	char *name;  /* the object asked about */
	char *key;   /* once-key, or the run id for decisions */
	int what;    /* which call */
	struct kube_req *req;
};

enum { C_PLAIN, C_CLAIM, C_CLAIM_READ, C_GET_RECORD, C_LIST, C_DECIDE,
       C_DECIDE_READ };

static void done(struct kube_client *c, const struct kube_response *r,
		 void *arg);

static struct call *call_new(struct kube_client *c, int what, store_cb cb,
			     void *arg)
{
	struct call *k = xcalloc(1, sizeof *k);
	k->c = c;
	k->what = what;
	k->cb = cb;
	k->arg = arg;
	return k;
}

static void call_free(struct call *k)
{
	free(k->name);
	free(k->key);
	free(k);
}

static void now_rfc3339(struct buf *out)
{
	kube_format_time(out, (int64_t)time(NULL));
}

static json_t *cm_new(const char *name, const char *kind)
{
	return json_pack("{s:s, s:s, s:{s:s, s:s, s:{s:s, s:s}}, s:{}}",
			 "apiVersion", "v1", "kind", "ConfigMap", "metadata",
			 "name", name, "namespace", RUN_NAMESPACE, "labels",
			 STORE_LABEL_MANAGED, "opsdeck", STORE_LABEL_KIND, kind,
			 "data");
}

static void set_label(json_t *cm, const char *k, const char *v)
{
	json_t *labels = json_object_get(json_object_get(cm, "metadata"),
					 "labels");
	/* Label values: 63 characters of [A-Za-z0-9._-]; records name
	 * things that fit (runbook and environment names, states). */
	json_object_set_new(labels, k, json_string(v ? v : ""));
}

static void set_data(json_t *cm, const char *k, const char *v)
{
	json_object_set_new(json_object_get(cm, "data"), k,
			    json_string(v ? v : ""));
}

static const char *jstr(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

static const json_t *cm_data(const json_t *cm)
{
	return json_object_get(cm, "data");
}

/* ---- once-keys ------------------------------------------------------------ */

void store_once_name(const char *key, char out[48])
{
	git_oid id;
	char hex[GIT_OID_HEXSZ + 1];
	/* Git's object hash: stable, and keeps the name a valid object
	 * name whatever the key holds. */
	git_odb_hash(&id, key, strlen(key), GIT_OBJECT_BLOB);
	git_oid_tostr(hex, sizeof hex, &id);
	snprintf(out, 48, "once-%.40s", hex);
}

void store_claim_once(struct kube_client *c, const char *key,
				  const char *run_id, const char *runbook,
				  const char *operator_, store_cb cb,
				  void *arg)
{
	char name[48];
	store_once_name(key, name);
	json_t *cm = cm_new(name, "once");
	set_label(cm, "opsdeck.io/runbook", runbook);
	set_label(cm, STORE_LABEL_RUN, run_id);
	set_data(cm, "key", key);
	set_data(cm, "run", run_id);
	set_data(cm, "runbook", runbook);
	set_data(cm, "operator", operator_);
	struct buf t = BUF_INIT;
	now_rfc3339(&t);
	set_data(cm, "time", buf_str(&t));
	buf_free(&t);
	struct call *k = call_new(c, C_CLAIM, cb, arg);
	k->name = xstrdup(name);
	k->key = xstrdup(key);
	k->req = kube_create(c, CM_PATH, cm, done, k);
	json_decref(cm);
}

void store_release_once(struct kube_client *c, const char *key,
				    store_cb cb, void *arg)
{
	char name[48];
	store_once_name(key, name);
	struct buf path = BUF_INIT;
	buf_printf(&path, CM_PATH "/%s", name);
	struct call *k = call_new(c, C_PLAIN, cb, arg);
	k->req = kube_delete(c, buf_str(&path), done, k);
	buf_free(&path);
}

/* ---- records -------------------------------------------------------------- */

static void record_name(const char *run_id, struct buf *out)
{
	buf_printf(out, "run-%s", run_id);
}

void store_record_create(struct kube_client *c,
				     const json_t *record,
				     const char *plan_text, store_cb cb,
				     void *arg)
{
	struct buf name = BUF_INIT;
	record_name(jstr(record, "id"), &name);
	json_t *cm = cm_new(buf_str(&name), "run");
	set_label(cm, "opsdeck.io/runbook", jstr(record, "runbook"));
	set_label(cm, "opsdeck.io/environment", jstr(record, "environment"));
	set_label(cm, "opsdeck.io/state", jstr(record, "state"));
	set_label(cm, STORE_LABEL_RUN, jstr(record, "id"));
	char *text = json_dumps(record, JSON_COMPACT);
	set_data(cm, "record", text);
	set_data(cm, "plan", plan_text);
	free(text);
	struct call *k = call_new(c, C_PLAIN, cb, arg);
	k->req = kube_create(c, CM_PATH, cm, done, k);
	json_decref(cm);
	buf_free(&name);
}

void store_record_update(struct kube_client *c,
				     const json_t *record, store_cb cb,
				     void *arg)
{
	struct buf path = BUF_INIT;
	buf_puts(&path, CM_PATH "/");
	record_name(jstr(record, "id"), &path);
	char *text = json_dumps(record, JSON_COMPACT);
	json_t *patch = json_pack("{s:{s:{s:s}}, s:{s:s}}", "metadata",
				  "labels", "opsdeck.io/state",
				  jstr(record, "state"), "data", "record",
				  text);
	free(text);
	struct call *k = call_new(c, C_PLAIN, cb, arg);
	k->req = kube_patch(c, buf_str(&path), KUBE_PATCH_MERGE, patch, done,
			    k);
	json_decref(patch);
	buf_free(&path);
}

void store_record_get(struct kube_client *c, const char *run_id,
				  store_cb cb, void *arg)
{
	struct buf path = BUF_INIT;
	buf_puts(&path, CM_PATH "/");
	record_name(run_id, &path);
	struct call *k = call_new(c, C_GET_RECORD, cb, arg);
	k->name = xstrdup(run_id);
	k->req = kube_get(c, buf_str(&path), done, k);
	buf_free(&path);
}

void store_records_list(struct kube_client *c, store_cb cb,
				    void *arg)
{
	struct buf path = BUF_INIT;
	buf_puts(&path, CM_PATH "?labelSelector=");
	kube_query_escape(&path, STORE_LABEL_MANAGED "=opsdeck");
	struct call *k = call_new(c, C_LIST, cb, arg);
	k->req = kube_get(c, buf_str(&path), done, k);
	buf_free(&path);
}

json_t *store_record_of_json(const json_t *configmap)
{
	const char *text = json_string_value(
		json_object_get(cm_data(configmap), "record"));
	if (!text)
		return NULL;
	json_t *r = json_loads(text, 0, NULL);
	if (r && !json_is_object(r)) {
		json_decref(r);
		r = NULL;
	}
	return r;
}

json_t *store_record_of_obj(const struct kube_obj *configmap)
{
	const char *text = kobj_cm_data(configmap, "record");
	if (!text)
		return NULL;
	json_t *r = json_loads(text, 0, NULL);
	if (r && !json_is_object(r)) {
		json_decref(r);
		r = NULL;
	}
	return r;
}

/* ---- decisions ------------------------------------------------------------ */

void store_decide(struct kube_client *c, const char *run_id,
			      bool approve, const struct kube_identity *who,
			      const char *reason, store_cb cb, void *arg)
{
	struct buf name = BUF_INIT, t = BUF_INIT, groups = BUF_INIT;
	/* One decision per person: the requester's own (which runs
	 * ignore) cannot block anyone else's. */
	git_oid h;
	char hex[GIT_OID_HEXSZ + 1];
	git_odb_hash(&h, who->username, strlen(who->username),
		     GIT_OBJECT_BLOB);
	git_oid_tostr(hex, sizeof hex, &h);
	buf_printf(&name, "approval-%s-%.10s", run_id, hex);
	json_t *cm = cm_new(buf_str(&name), "approval");
	set_label(cm, STORE_LABEL_RUN, run_id);
	set_data(cm, "run", run_id);
	set_data(cm, "decision", approve ? "approved" : "rejected");
	set_data(cm, "approver", who->username);
	for (size_t i = 0; i < who->ngroups; i++)
		buf_printf(&groups, "%s%s", i ? "," : "", who->groups[i]);
	set_data(cm, "groups", buf_str(&groups));
	set_data(cm, "reason", reason ? reason : "");
	now_rfc3339(&t);
	set_data(cm, "time", buf_str(&t));
	struct call *k = call_new(c, C_DECIDE, cb, arg);
	k->name = buf_detach(&name);
	k->key = xstrdup(run_id);
	k->req = kube_create(c, CM_PATH, cm, done, k);
	json_decref(cm);
	buf_free(&t);
	buf_free(&groups);
}

static json_t *decision(const char *dec, const char *approver,
			const char *groups, const char *reason,
			const char *when)
{
	if (!dec || (strcmp(dec, "approved") && strcmp(dec, "rejected")))
		return NULL;
	json_t *g = json_array();
	for (const char *p = groups ? groups : ""; *p;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		if (n)
			json_array_append_new(g, json_stringn(p, n));
		p += n + (comma != NULL);
	}
	return json_pack("{s:s, s:s, s:o, s:s, s:s}", "decision", dec,
			 "approver", approver ? approver : "", "groups", g,
			 "reason", reason ? reason : "", "time",
			 when ? when : "");
}

json_t *store_decision_json(const json_t *configmap)
{
	const json_t *d = cm_data(configmap);
	return decision(json_string_value(json_object_get(d, "decision")),
			jstr(d, "approver"), jstr(d, "groups"),
			jstr(d, "reason"), jstr(d, "time"));
}

json_t *store_decision_obj(const struct kube_obj *o)
{
	return decision(kobj_cm_data(o, "decision"),
			kobj_cm_data(o, "approver"), kobj_cm_data(o, "groups"),
			kobj_cm_data(o, "reason"), kobj_cm_data(o, "time"));
}

/* ---- events ---------------------------------------------------------------- */

void store_event(struct kube_client *c, const char *kind,
			     const char *api_version, const char *ns,
			     const char *name, const char *uid,
			     const char *type, const char *reason,
			     const char *message, store_cb cb, void *arg)
{
	struct buf t = BUF_INIT, path = BUF_INIT, ename = BUF_INIT;
	now_rfc3339(&t);
	char host[256] = "";
	gethostname(host, sizeof host - 1);
	/* kubectl's naming: the object's name and a unique suffix. */
	buf_printf(&ename, "%.200s.opsdeck-%lx%04lx", name,
		   (unsigned long)time(NULL), (unsigned long)(random() & 0xffff));
	json_t *ev = json_pack(
		"{s:s, s:s, s:{s:s, s:s}, s:{s:s, s:s, s:s, s:s, s:s}, s:s, "
		"s:s, s:s, s:{s:s, s:s}, s:s, s:s, s:i, s:s, s:s}",
		"apiVersion", "v1", "kind", "Event", "metadata", "name",
		buf_str(&ename), "namespace", ns, "involvedObject", "kind",
		kind, "apiVersion", api_version, "namespace", ns, "name", name,
		"uid", uid ? uid : "", "type", type, "reason", reason,
		"message", message, "source", "component", "opsdeck", "host",
		host, "firstTimestamp", buf_str(&t), "lastTimestamp",
		buf_str(&t), "count", 1, "reportingComponent", "opsdeck",
		"reportingInstance", host);
	buf_printf(&path, "/api/v1/namespaces/%s/events", ns);
	struct call *k = call_new(c, C_PLAIN, cb, arg);
	k->req = kube_create(c, buf_str(&path), ev, done, k);
	json_decref(ev);
	buf_free(&t);
	buf_free(&path);
	buf_free(&ename);
}

/* ---- states ---------------------------------------------------------------- */

bool store_state_final(const char *s)
{
	static const char *const finals[] = {
		"succeeded", "failed", "aborted", "rejected",
		"expired",   "refused", "interrupted", NULL};
	for (size_t i = 0; finals[i]; i++)
		if (str_eq(s, finals[i]))
			return true;
	return false;
}

const char *store_effective_state(const json_t *record, int64_t now)
{
	const char *state = jstr(record, "state");
	if (store_state_final(state) || !*state)
		return *state ? state : "unknown";
	char host[256] = "";
	gethostname(host, sizeof host - 1);
	json_int_t pid = json_integer_value(json_object_get(record, "pid"));
	if (str_eq(jstr(record, "host"), host) && pid > 0 &&
	    kill((pid_t)pid, 0) != 0 && errno == ESRCH)
		return "interrupted";
	int64_t beat = kube_parse_time(jstr(record, "heartbeat"));
	if (beat > 0 && now - beat > STORE_STALE_S)
		return "interrupted";
	return state;
}

/* ---- answers ------------------------------------------------------------------ */

static void read_back(struct call *k, int what, const char *name)
{
	struct buf path = BUF_INIT;
	buf_printf(&path, CM_PATH "/%s", name);
	k->what = what;
	k->req = kube_get(k->c, buf_str(&path), done, k);
	buf_free(&path);
}

static void done(struct kube_client *c, const struct kube_response *r,
		 void *arg)
{
	(void)c;
	struct call *k = arg;
	struct buf msg = BUF_INIT;
	enum status st = r->code;
	json_t *own = NULL;
	const json_t *obj = r->json;

	switch (k->what) {
	case C_CLAIM:
		if (r->http == 409) {
			read_back(k, C_CLAIM_READ, k->name);
			return;
		}
		break;
	case C_CLAIM_READ: {
		const json_t *d = cm_data(r->json);
		st = ST_ERR_EXISTS;
		if (r->code == ST_OK)
			buf_printf(&msg,
				   "once-key \"%s\" was used by run %s "
				   "(runbook %s, by %s at %s); only deleting "
				   "configmap %s in namespace " RUN_NAMESPACE
				   " allows another run",
				   k->key, jstr(d, "run"), jstr(d, "runbook"),
				   jstr(d, "operator"), jstr(d, "time"),
				   k->name);
		else
			buf_printf(&msg, "once-key \"%s\" was used before",
				   k->key);
		obj = NULL;
		break;
	}
	case C_DECIDE:
		if (r->http == 409) {
			read_back(k, C_DECIDE_READ, k->name);
			return;
		}
		break;
	case C_DECIDE_READ: {
		const json_t *d = cm_data(r->json);
		st = ST_ERR_EXISTS;
		buf_printf(&msg, "%s already %s run %s at %s",
			   jstr(d, "approver"), jstr(d, "decision"), k->key,
			   jstr(d, "time"));
		break;
	}
	case C_GET_RECORD:
		if (r->http == 404) {
			buf_printf(&msg, "no run %s in namespace " RUN_NAMESPACE,
				   k->name);
			break;
		}
		if (st == ST_OK) {
			own = store_record_of_json(r->json);
			if (!own) {
				st = ST_ERR_PARSE;
				buf_printf(&msg, "run %s: the record is not "
						 "readable", k->name);
			}
			obj = own;
		}
		break;
	case C_LIST:
		if (st == ST_OK) {
			/* Records, each with its decision. */
			json_t *by_run = json_object();
			own = json_array();
			size_t i;
			json_t *cm;
			json_array_foreach(json_object_get(r->json, "items"),
					   i, cm) {
				const char *kind = jstr(
					json_object_get(json_object_get(cm, "metadata"),
							"labels"),
					STORE_LABEL_KIND);
				json_t *dec = store_decision_json(cm);
				if (!str_eq(kind, "approval") || !dec) {
					json_decref(dec);
					continue;
				}
				const char *run = jstr(cm_data(cm), "run");
				json_t *list = json_object_get(by_run, run);
				if (!list) {
					list = json_array();
					json_object_set_new(by_run, run, list);
				}
				json_array_append_new(list, dec);
			}
			json_array_foreach(json_object_get(r->json, "items"),
					   i, cm) {
				json_t *rec = store_record_of_json(cm);
				if (!rec)
					continue;
				/* The decision that counts: the first by
				 * someone other than the requester. */
				const char *op = jstr(json_object_get(rec, "operator"),
						      "username");
				size_t d;
				json_t *dec;
				json_array_foreach(json_object_get(by_run, jstr(rec, "id")),
						   d, dec) {
					if (!str_eq(jstr(dec, "approver"), op)) {
						json_object_set(rec, "approval", dec);
						break;
					}
				}
				json_array_append_new(own, rec);
			}
			json_decref(by_run);
			/* Newest first: ids sort by time. */
			size_t n = json_array_size(own);
			for (size_t a = 1; a < n; a++)
				for (size_t b = a; b > 0; b--) {
					json_t *x = json_array_get(own, b - 1);
					json_t *y = json_array_get(own, b);
					if (strcmp(jstr(x, "id"), jstr(y, "id")) >= 0)
						break;
					json_incref(x);
					json_array_set(own, b - 1, y);
					json_array_set_new(own, b, x);
				}
			obj = own;
		}
		break;
	}
	if (st != ST_OK && !msg.len) {
		if (r->http == 404 && k->what != C_GET_RECORD &&
		    strstr(r->message ? r->message : "", "namespace"))
			buf_printf(&msg, "%s (is there a namespace \"%s\"? an "
					 "administrator creates it: kubectl "
					 "create namespace %s)",
				   r->message, RUN_NAMESPACE, RUN_NAMESPACE);
		else
			buf_puts(&msg, r->message ? r->message
						  : status_message(st));
	}
	k->cb(k->arg, st, buf_str(&msg), obj);
	json_decref(own);
	buf_free(&msg);
	call_free(k);
}
