/*
 * Step executors (step.h): one struct step_exec per running step, driven
 * entirely by loop callbacks.
 *
 * step_start only allocates and arms a 0 ms timer; the action starts from
 * that timer, so the engine never hears from a step (done, confirm,
 * output) before step_start has returned its handle. From then on every
 * way back into the step (request answers, watch changes, log lines, the
 * child's exit, the operator's answer) enters through enter()/leave(),
 * which count how deep inside the step's own callbacks we are. The end of
 * a step, finish() or step_cancel(), first stops everything the step
 * started (requests, watches, log streams, the child, the temporary
 * folder) and marks the step over; the memory goes when the outermost
 * callback leaves, or at once when nothing of the step is on the stack.
 * So the engine may cancel from inside output() or done() (the latter is
 * a no-op), and code after a call into the engine only checks s->over.
 *
 * After done() has returned the handle is gone, as a kube_request's is
 * after its done callback: step_cancel is for steps still running.
 *
 * The direct http-check transfer lives in its own small struct: libcurl
 * refuses to remove a transfer from inside its callbacks (a watch event
 * is delivered from inside one), so a cancelled probe may have to outlive
 * its step by one loop turn.
 */
#include "runbook/step.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/mem.h"
#include "base/str.h"
#include "base/vec.h"
#include "kube/health.h"
#include "kube/logs.h"
#include "kube/objects.h"
#include "kube/reflector.h"

#define HTTP_BODY_MAX	    (1024 * 1024)
#define LOG_DRAIN_MS	    2000 /* after a Job ends, for its log streams */
#define LOG_OPEN_TRIES	    3	 /* per pod instance */
#define FINDINGS_MAX	    100	 /* lines per kind of health finding */
#define PROGRESSING_GRACE_S 300	 /* a pod still starting after this is not */
#define SCRIPT_LINE_MAX	    4096 /* a longer line is passed on in pieces */

struct job_pod {
	struct step_exec *s;
	char *name;
	struct kube_log_stream *stream;
	int32_t restarts; /* the container instance last opened */
	bool opened;
	int failures;
};

struct http_probe {
	struct step_exec *s; /* NULL once the step has let go of it */
	struct loop *loop;
	CURL *easy;
	struct curl_slist *headers;
	struct buf body;
	bool cut;
	char error[CURL_ERROR_SIZE]; /* libcurl's detail, e.g. which check */
	struct loop_timer *reap; /* removal put off out of curl's callbacks */
};

struct step_exec {
	struct step_ctx ctx;
	const struct plan_step *ps;
	const struct rb_step *st;
	struct loop_timer *kick;
	int depth; /* our own callbacks on the stack */
	bool over; /* done or cancelled: nothing more reaches the engine */

	struct kube_req *req;

	/* scale */
	int32_t from_replicas;

	/* wait-rollout; run-job's Job */
	struct kube_watch *watch;
	char last_msg[256];

	/* health-check */
	enum kube_kind kinds[3];
	size_t nkinds, kind_at;
	char *cont;
	int64_t now;
	long nodes_ready, nodes_bad, pods_ok, pods_bad, warnings;
	long shown_bad_pods, shown_warnings;

	/* run-job */
	char *job_ns, *job_name;
	struct kube_watch *pods;
	struct vec jpods; /* struct job_pod * */
	bool job_over, end_ok;
	char *end_msg;
	struct loop_timer *drain;

	/* http-check */
	struct http_probe *probe;
	uint64_t t0;

	/* confirm */
	bool asked;

	/* script */
	struct loop_child *child;
	char *tmpdir;
	struct buf partial[2]; /* stdout's, stderr's unfinished line */
};

/* ---- lifetime ----------------------------------------------------------- */

static void exec_free(struct step_exec *s)
{
	for (size_t i = 0; i < s->jpods.len; i++) {
		struct job_pod *jp = s->jpods.items[i];
		free(jp->name);
		free(jp);
	}
	vec_free(&s->jpods, NULL);
	free(s->cont);
	free(s->job_ns);
	free(s->job_name);
	free(s->end_msg);
	free(s->tmpdir);
	buf_free(&s->partial[0]);
	buf_free(&s->partial[1]);
	free(s);
}

static void enter(struct step_exec *s)
{
	s->depth++;
}

static void leave(struct step_exec *s)
{
	if (--s->depth == 0 && s->over)
		exec_free(s);
}

static int rm_one(const char *p, const struct stat *sb, int flag,
		  struct FTW *ftw)
{
	(void)sb, (void)ftw;
	/* a script may leave a folder it made unwritable: open it up */
	if (flag == FTW_DP)
		chmod(p, 0700);
	remove(p);
	return 0;
}

static void tmpdir_remove(struct step_exec *s)
{
	if (!s->tmpdir)
		return;
	chmod(s->tmpdir, 0700);
	/* FTW_PHYS: a symlink the script left behind is removed, never
	 * followed */
	nftw(s->tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(s->tmpdir);
	s->tmpdir = NULL;
}

static void probe_free(struct http_probe *p)
{
	loop_timer_cancel(p->reap);
	curl_slist_free_all(p->headers);
	buf_free(&p->body);
	free(p);
}

static void probe_reap(struct loop *l, void *arg)
{
	struct http_probe *p = arg;
	p->reap = NULL;
	loop_curl_remove(l, p->easy);
	curl_easy_cleanup(p->easy);
	probe_free(p);
}

/* Stop the transfer now, or on the next loop turn when libcurl says we
 * are inside one of its callbacks. */
static void probe_abandon(struct http_probe *p)
{
	p->s = NULL;
	CURLMcode rc =
	    curl_multi_remove_handle(loop_curl_multi(p->loop), p->easy);
	if (rc == CURLM_RECURSIVE_API_CALL) {
		p->reap = loop_timer_add(p->loop, 0, probe_reap, p);
		return;
	}
	loop_curl_remove(p->loop, p->easy);
	curl_easy_cleanup(p->easy);
	probe_free(p);
}

/* Stop everything the step started; safe to call more than once. */
static void stop_all(struct step_exec *s)
{
	loop_timer_cancel(s->kick);
	s->kick = NULL;
	loop_timer_cancel(s->drain);
	s->drain = NULL;
	kube_request_cancel(s->req);
	s->req = NULL;
	kube_unwatch(s->watch);
	s->watch = NULL;
	kube_unwatch(s->pods);
	s->pods = NULL;
	for (size_t i = 0; i < s->jpods.len; i++) {
		struct job_pod *jp = s->jpods.items[i];
		kube_log_close(jp->stream);
		jp->stream = NULL;
	}
	if (s->probe) {
		probe_abandon(s->probe);
		s->probe = NULL;
	}
	loop_child_cancel(s->child);
	s->child = NULL;
	tmpdir_remove(s);
}

/* The end: exactly once, never after a cancel. Called from inside one of
 * the step's callbacks (depth > 0), so s stays valid until leave(). */
static void finish(struct step_exec *s, bool ok, const char *message)
{
	if (s->over)
		return;
	s->over = true;
	stop_all(s);
	s->ctx.done(s->ctx.arg, ok, message);
}

static void finishf(struct step_exec *s, bool ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void finishf(struct step_exec *s, bool ok, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	finish(s, ok, buf_str(&b));
	buf_free(&b);
}

/* One output line; false when the engine cancelled the step meanwhile. */
static bool emit(struct step_exec *s, const char *line, size_t len)
{
	if (s->over)
		return false;
	s->ctx.output(s->ctx.arg, line, len);
	return !s->over;
}

static bool emitf(struct step_exec *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static bool emitf(struct step_exec *s, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	bool more = emit(s, buf_str(&b), b.len);
	buf_free(&b);
	return more;
}

static bool touched(struct step_exec *s, const char *kind, const char *api,
		    const char *ns, const char *name, const char *uid)
{
	if (s->over)
		return false;
	if (s->ctx.touched)
		s->ctx.touched(s->ctx.arg, kind, api, ns, name, uid ? uid : "");
	return !s->over;
}

/* The failure of a request, for people. */
static const char *why(const struct kube_response *r)
{
	if (r->message && *r->message)
		return r->message;
	return r->http ? "unexpected answer" : "no answer from the cluster";
}

static const char *jstr(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	return v ? v : "";
}

static void deploy_path(struct buf *b, const char *ns, const char *name)
{
	buf_puts(b, "/apis/apps/v1/namespaces/");
	kube_query_escape(b, ns);
	buf_puts(b, "/deployments/");
	kube_query_escape(b, name);
}

static const char *ns_of(const struct step_exec *s)
{
	return s->ps->namespace_ ? s->ps->namespace_ : "";
}

static const char *name_of(const struct step_exec *s)
{
	return s->ps->name ? s->ps->name : "";
}

/* ---- rollout-restart ---------------------------------------------------- */

static void restart_patched(struct kube_client *c,
			    const struct kube_response *r, void *arg)
{
	(void)c;
	struct step_exec *s = arg;
	s->req = NULL;
	enter(s);
	if (r->code != ST_OK) {
		finishf(s, false, "cannot restart deployment %s: %s",
			name_of(s), why(r));
	} else {
		const char *uid =
		    jstr(json_object_get(r->json, "metadata"), "uid");
		if (touched(s, "Deployment", "apps/v1", ns_of(s), name_of(s),
			    uid))
			finishf(s, true, "restarted deployment %s", name_of(s));
	}
	leave(s);
}

/* The deployment a GET answered, decoded; NULL (and the step finished)
 * when it cannot be read. */
static struct kube_obj *deploy_read(struct step_exec *s,
				    const struct kube_response *r)
{
	struct err e;
	struct kube_obj *o = NULL;
	if (r->code != ST_OK)
		finishf(s, false, "cannot read deployment %s: %s", name_of(s),
			why(r));
	else if (!(o = kobj_decode(KUBE_DEPLOYMENT, r->json, &e)))
		finishf(s, false, "cannot read deployment %s: %s", name_of(s),
			e.msg);
	return o;
}

static void restart_got(struct kube_client *c, const struct kube_response *r,
			void *arg)
{
	struct step_exec *s = arg;
	s->req = NULL;
	enter(s);
	struct kube_obj *o = deploy_read(s, r);
	if (!o) {
		/* said */
	} else if (o->u.deploy.paused) {
		/* kubectl refuses too: a paused deployment would not roll */
		finishf(s, false, "deployment %s is paused; resume it first",
			name_of(s));
	} else {
		struct buf now = BUF_INIT, path = BUF_INIT;
		kube_format_time(&now, (int64_t)time(NULL));
		json_t *patch = json_pack("{s:{s:{s:{s:{s:s}}}}}", "spec",
					  "template", "metadata", "annotations",
					  "kubectl.kubernetes.io/restartedAt",
					  buf_str(&now));
		deploy_path(&path, ns_of(s), name_of(s));
		buf_puts(&path, "?fieldManager=opsdeck");
		s->req = kube_patch(c, buf_str(&path), KUBE_PATCH_STRATEGIC,
				    patch, restart_patched, s);
		json_decref(patch);
		buf_free(&now);
		buf_free(&path);
	}
	kobj_free(o);
	leave(s);
}

static void start_restart(struct step_exec *s)
{
	struct buf path = BUF_INIT;
	deploy_path(&path, ns_of(s), name_of(s));
	s->req = kube_get(s->ctx.client, buf_str(&path), restart_got, s);
	buf_free(&path);
}

/* ---- scale -------------------------------------------------------------- */

static void scale_patched(struct kube_client *c, const struct kube_response *r,
			  void *arg)
{
	(void)c;
	struct step_exec *s = arg;
	s->req = NULL;
	enter(s);
	if (r->code != ST_OK) {
		finishf(s, false, "cannot scale deployment %s: %s", name_of(s),
			why(r));
	} else {
		/* the Scale object's uid is the deployment's */
		const char *uid =
		    jstr(json_object_get(r->json, "metadata"), "uid");
		if (touched(s, "Deployment", "apps/v1", ns_of(s), name_of(s),
			    uid))
			finishf(s, true, "scaled deployment %s from %d to %ld",
				name_of(s), (int)s->from_replicas,
				s->ps->replicas);
	}
	leave(s);
}

static void scale_got(struct kube_client *c, const struct kube_response *r,
		      void *arg)
{
	struct step_exec *s = arg;
	s->req = NULL;
	enter(s);
	struct kube_obj *o = deploy_read(s, r);
	if (o) {
		s->from_replicas = o->u.deploy.replicas;
		struct buf path = BUF_INIT;
		deploy_path(&path, ns_of(s), name_of(s));
		buf_puts(&path, "/scale");
		json_t *patch = json_pack("{s:{s:I}}", "spec", "replicas",
					  (json_int_t)s->ps->replicas);
		s->req = kube_patch(c, buf_str(&path), KUBE_PATCH_MERGE, patch,
				    scale_patched, s);
		json_decref(patch);
		buf_free(&path);
	}
	kobj_free(o);
	leave(s);
}

static void start_scale(struct step_exec *s)
{
	if (s->ps->replicas < 0) {
		finishf(s, false, "invalid replica count %ld", s->ps->replicas);
		return;
	}
	struct buf path = BUF_INIT;
	deploy_path(&path, ns_of(s), name_of(s));
	s->req = kube_get(s->ctx.client, buf_str(&path), scale_got, s);
	buf_free(&path);
}

/* ---- wait-rollout ------------------------------------------------------- */

/* A watch error that retrying will not cure ends the step. */
static bool watch_error_final(struct kube_watch *w)
{
	enum status code = kube_watch_error_code(w);
	return code == ST_ERR_FORBIDDEN || code == ST_ERR_AUTH ||
	       code == ST_ERR_INVALID;
}

static void rollout_changed(void *arg, enum watch_type type,
			    const struct kube_obj *old,
			    const struct kube_obj *obj)
{
	(void)old;
	struct step_exec *s = arg;
	enter(s);
	if (type == WATCH_DELETED) {
		finishf(s, false, "deployment %s was deleted", name_of(s));
	} else if (!s->over && str_eq(obj->name, name_of(s))) {
		struct rollout_result rr;
		rollout_status(obj, &rr);
		bool fresh = !str_eq(rr.message, s->last_msg);
		str_copy(s->last_msg, sizeof s->last_msg, rr.message);
		if (rr.state == ROLLOUT_DONE)
			finish(s, true, rr.message);
		else if (rr.state == ROLLOUT_FAILED)
			finish(s, false, rr.message);
		else if (rr.state == ROLLOUT_UNSUPPORTED)
			finish(s, false, rr.message);
		else if (fresh)
			emit(s, rr.message, strlen(rr.message));
	}
	leave(s);
}

static void rollout_synced(void *arg)
{
	struct step_exec *s = arg;
	enter(s);
	if (!s->over && !kube_watch_get(s->watch, ns_of(s), name_of(s)))
		finishf(s, false, "deployment %s not found in %s", name_of(s),
			ns_of(s));
	leave(s);
}

static void watch_failed(void *arg, const char *message)
{
	struct step_exec *s = arg;
	enter(s);
	struct kube_watch *w = s->watch;
	if (s->over) {
		/* nothing */
	} else if (w && watch_error_final(w)) {
		finishf(s, false, "%s", message);
	} else if (!str_eq(message, s->last_msg)) {
		/* the reflector retries; say so once per distinct failure */
		str_copy(s->last_msg, sizeof s->last_msg, message);
		emitf(s, "watch failed, retrying: %s", message);
	}
	leave(s);
}

static const struct kube_watch_ops rollout_ops = {
    .changed = rollout_changed,
    .synced = rollout_synced,
    .error = watch_failed,
};

static void start_wait_rollout(struct step_exec *s)
{
	struct buf sel = BUF_INIT;
	buf_printf(&sel, "metadata.name=%s", name_of(s));
	struct kube_watch_spec spec = {
	    .kind = KUBE_DEPLOYMENT,
	    .namespace_ = ns_of(s),
	    .field_selector = buf_str(&sel),
	};
	s->watch = kube_watch(s->ctx.client, &spec, &rollout_ops, s);
	buf_free(&sel);
}

/* ---- health-check ------------------------------------------------------- */

static bool hc_node(struct step_exec *s, const struct kube_obj *o)
{
	const struct kube_node *n = &o->u.node;
	if (str_eq(n->ready, "True")) {
		s->nodes_ready++;
		return true;
	}
	s->nodes_bad++;
	if (s->nodes_bad > FINDINGS_MAX)
		return true;
	const char *reason = *n->ready_reason	 ? n->ready_reason
			     : *n->ready_message ? n->ready_message
			     : *n->ready	 ? n->ready
						 : "no Ready condition";
	return emitf(s, "node %s not Ready: %s", o->name, reason);
}

bool step_pod_unhealthy(const struct kube_obj *o, int64_t now,
			struct health_result *hr)
{
	health_of(o, hr);
	switch (hr->health) {
	case HEALTH_DEGRADED:
	case HEALTH_MISSING:
	case HEALTH_UNKNOWN:
		return true;
	case HEALTH_PROGRESSING:
		/* Starting is fine, still starting after minutes is not; a
		 * pod on its way out (an old one after a rollout) is
		 * neither. */
		return !o->deleted && o->created &&
		       now - o->created > PROGRESSING_GRACE_S;
	default:
		return false;
	}
}

static bool hc_pod(struct step_exec *s, const struct kube_obj *o)
{
	struct health_result hr;
	bool bad = step_pod_unhealthy(o, s->now, &hr);
	if (!bad) {
		s->pods_ok++;
		return true;
	}
	s->pods_bad++;
	if (++s->shown_bad_pods > FINDINGS_MAX)
		return true;
	return emitf(s, "pod %s/%s %s%s%s", o->namespace_, o->name,
		     health_name(hr.health), *hr.reason ? ": " : "", hr.reason);
}

static bool hc_event(struct step_exec *s, const struct kube_obj *o)
{
	const struct kube_event *ev = &o->u.event;
	long since =
	    s->st->warnings_since_s > 0 ? s->st->warnings_since_s : 900;
	if (!str_eq(ev->type, "Warning") || !ev->last_time ||
	    ev->last_time < s->now - since)
		return true;
	s->warnings++;
	if (++s->shown_warnings > FINDINGS_MAX)
		return true;
	struct buf age = BUF_INIT;
	kube_format_age(&age, s->now - ev->last_time);
	const char *ns = *ev->obj_namespace ? ev->obj_namespace : o->namespace_;
	bool more =
	    emitf(s, "warning %s%s%s/%s %s: %s (\xc3\x97%d, %s ago)", ns,
		  *ns ? "/" : "", ev->obj_kind, ev->obj_name, ev->reason,
		  ev->message, (int)ev->count, buf_str(&age));
	buf_free(&age);
	return more;
}

static void plural(struct buf *b, long n, const char *one, const char *many)
{
	buf_printf(b, "%ld %s", n, n == 1 ? one : many);
}

static void hc_finish(struct step_exec *s)
{
	const struct rb_step *st = s->st;
	if (s->pods_bad > FINDINGS_MAX &&
	    !emitf(s, "... and %ld more unhealthy pods",
		   s->pods_bad - FINDINGS_MAX))
		return;
	if (s->warnings > FINDINGS_MAX &&
	    !emitf(s, "... and %ld more recent warnings",
		   s->warnings - FINDINGS_MAX))
		return;
	if (s->nodes_bad > FINDINGS_MAX &&
	    !emitf(s, "... and %ld more nodes not Ready",
		   s->nodes_bad - FINDINGS_MAX))
		return;

	struct buf sum = BUF_INIT;
	if (s->kinds[0] == KUBE_NODE) {
		plural(&sum, s->nodes_ready, "node Ready", "nodes Ready");
		if (s->nodes_bad)
			buf_printf(&sum, ", %ld not Ready", s->nodes_bad);
		buf_puts(&sum, ", ");
	}
	plural(&sum, s->pods_ok, "pod healthy", "pods healthy");
	buf_printf(&sum, ", %ld unhealthy, ", s->pods_bad);
	plural(&sum, s->warnings, "recent warning", "recent warnings");
	if (!emit(s, buf_str(&sum), sum.len)) {
		buf_free(&sum);
		return;
	}

	struct buf over = BUF_INIT;
	if (s->pods_bad > st->max_unhealthy_pods) {
		plural(&over, s->pods_bad, "unhealthy pod", "unhealthy pods");
		buf_printf(&over, " (at most %ld allowed)",
			   st->max_unhealthy_pods);
	}
	if (s->nodes_bad > st->max_not_ready_nodes) {
		buf_puts(&over, over.len ? ", " : "");
		plural(&over, s->nodes_bad, "node not Ready",
		       "nodes not Ready");
		buf_printf(&over, " (at most %ld allowed)",
			   st->max_not_ready_nodes);
	}
	if (st->max_warnings >= 0 && s->warnings > st->max_warnings) {
		buf_puts(&over, over.len ? ", " : "");
		plural(&over, s->warnings, "recent warning", "recent warnings");
		buf_printf(&over, " (at most %ld allowed)", st->max_warnings);
	}
	if (over.len)
		finishf(s, false, "health check failed: %s", buf_str(&over));
	else
		finish(s, true, buf_str(&sum));
	buf_free(&over);
	buf_free(&sum);
}

static void hc_list_next(struct step_exec *s);

static void hc_listed(struct kube_client *c, const struct kube_response *r,
		      void *arg)
{
	(void)c;
	struct step_exec *s = arg;
	s->req = NULL;
	enter(s);
	enum kube_kind k = s->kinds[s->kind_at];
	if (r->code != ST_OK) {
		finishf(s, false, "cannot list %s: %s", kube_kind_resource(k),
			why(r));
		leave(s);
		return;
	}
	size_t i;
	json_t *item;
	json_array_foreach(json_object_get(r->json, "items"), i, item)
	{
		struct err e;
		struct kube_obj *o = kobj_decode(k, item, &e);
		if (!o)
			continue; /* nameless junk: nothing to report on */
		bool more = k == KUBE_NODE  ? hc_node(s, o)
			    : k == KUBE_POD ? hc_pod(s, o)
					    : hc_event(s, o);
		kobj_free(o);
		if (!more)
			break;
	}
	if (!s->over) {
		const char *cont =
		    jstr(json_object_get(r->json, "metadata"), "continue");
		free(s->cont);
		s->cont = *cont ? xstrdup(cont) : NULL;
		if (!s->cont)
			s->kind_at++;
		if (s->kind_at < s->nkinds)
			hc_list_next(s);
		else
			hc_finish(s);
	}
	leave(s);
}

static void hc_list_next(struct step_exec *s)
{
	enum kube_kind k = s->kinds[s->kind_at];
	const struct kube_settings *ks = kube_client_settings(s->ctx.client);
	int limit = ks && ks->page_size > 0 ? ks->page_size : 500;
	struct buf path = BUF_INIT;
	kube_kind_path(&path, k, ns_of(s));
	buf_printf(&path, "?limit=%d", limit);
	if (s->cont) {
		buf_puts(&path, "&continue=");
		kube_query_escape(&path, s->cont);
	}
	s->req = kube_get(s->ctx.client, buf_str(&path), hc_listed, s);
	buf_free(&path);
}

static void start_health(struct step_exec *s)
{
	s->now = (int64_t)time(NULL);
	/* "" is the whole cluster: only then are nodes ours to judge */
	if (!*ns_of(s))
		s->kinds[s->nkinds++] = KUBE_NODE;
	s->kinds[s->nkinds++] = KUBE_POD;
	s->kinds[s->nkinds++] = KUBE_EVENT;
	hc_list_next(s);
}

/* ---- run-job ------------------------------------------------------------ */

static size_t open_streams(const struct step_exec *s)
{
	size_t n = 0;
	for (size_t i = 0; i < s->jpods.len; i++)
		if (((struct job_pod *)s->jpods.items[i])->stream)
			n++;
	return n;
}

static void job_log_line(void *arg, const char *line, size_t len,
			 unsigned flags)
{
	(void)flags;
	struct job_pod *jp = arg;
	struct step_exec *s = jp->s;
	enter(s);
	emit(s, line, len);
	leave(s);
}

static void job_log_end(void *arg, const struct kube_response *r)
{
	struct job_pod *jp = arg;
	struct step_exec *s = jp->s;
	jp->stream = NULL;
	enter(s);
	if (r->code != ST_OK && !s->over) {
		/* let the next change of the pod try again */
		jp->failures++;
		jp->opened = false;
		emitf(s, "cannot read the logs of pod %s: %s", jp->name,
		      why(r));
	}
	if (!s->over && s->job_over && !open_streams(s))
		finish(s, s->end_ok, s->end_msg);
	leave(s);
}

/* Follow the log of the pod's container once it has started (running or
 * already terminated: a quick pod's log is still there to read whole). */
static void job_consider_pod(struct step_exec *s, const struct kube_obj *pod)
{
	const struct kube_container *k = NULL;
	for (uint32_t i = 0; i < pod->u.pod.ncontainers && !k; i++)
		if (!pod->u.pod.containers[i].init)
			k = &pod->u.pod.containers[i];
	if (!k)
		return;
	struct job_pod *jp = NULL;
	for (size_t i = 0; i < s->jpods.len && !jp; i++)
		if (str_eq(((struct job_pod *)s->jpods.items[i])->name,
			   pod->name))
			jp = s->jpods.items[i];
	if (!jp) {
		jp = xcalloc(1, sizeof *jp);
		jp->s = s;
		jp->name = xstrdup(pod->name);
		jp->restarts = -1;
		vec_push(&s->jpods, jp);
	}
	bool started = k->state == KUBE_CSTATE_RUNNING ||
		       k->state == KUBE_CSTATE_TERMINATED;
	if (jp->stream || !started || jp->failures >= LOG_OPEN_TRIES)
		return;
	/* once per pod, and again for a new instance of its container
	 * (restartPolicy OnFailure) */
	if (jp->opened &&
	    !(k->restarts > jp->restarts && k->state == KUBE_CSTATE_RUNNING))
		return;
	jp->opened = true;
	jp->restarts = k->restarts;
	struct kube_log_opts o = {
	    .container = k->name,
	    .follow = true,
	    .tail_lines = -1,
	};
	jp->stream = kube_log_open(s->ctx.client, s->job_ns, pod->name, &o,
				   job_log_line, job_log_end, jp);
}

/* The Job has ended; its result waits for the logs (at most LOG_DRAIN_MS). */
static void job_drained(struct loop *l, void *arg)
{
	(void)l;
	struct step_exec *s = arg;
	s->drain = NULL;
	enter(s);
	finish(s, s->end_ok, s->end_msg);
	leave(s);
}

static void job_wait_logs(struct step_exec *s)
{
	if (s->over)
		return;
	if (!open_streams(s))
		finish(s, s->end_ok, s->end_msg);
	else if (!s->drain)
		s->drain =
		    loop_timer_add(s->ctx.loop, LOG_DRAIN_MS, job_drained, s);
}

/* A last look at the Job's pods: the pod watch may lag the Job's, and a
 * pod that ran and ended in between must still have its log read. */
static void job_swept(struct kube_client *c, const struct kube_response *r,
		      void *arg)
{
	(void)c;
	struct step_exec *s = arg;
	s->req = NULL;
	enter(s);
	size_t i;
	json_t *item;
	if (r->code == ST_OK)
		json_array_foreach(json_object_get(r->json, "items"), i, item)
		{
			struct err e;
			struct kube_obj *o = kobj_decode(KUBE_POD, item, &e);
			if (o && !s->over)
				job_consider_pod(s, o);
			kobj_free(o);
		}
	job_wait_logs(s);
	leave(s);
}

static void job_ended(struct step_exec *s, bool ok, const char *msg)
{
	if (s->job_over)
		return;
	s->job_over = true;
	s->end_ok = ok;
	s->end_msg = xstrdup(msg);
	kube_unwatch(s->watch);
	s->watch = NULL;
	struct buf path = BUF_INIT;
	kube_kind_path(&path, KUBE_POD, s->job_ns);
	buf_puts(&path, "?labelSelector=");
	struct buf sel = BUF_INIT;
	buf_printf(&sel, "job-name=%s", s->job_name);
	kube_query_escape(&path, buf_str(&sel));
	s->req = kube_get(s->ctx.client, buf_str(&path), job_swept, s);
	buf_free(&sel);
	buf_free(&path);
}

static void job_changed(void *arg, enum watch_type type,
			const struct kube_obj *old, const struct kube_obj *obj)
{
	(void)old;
	struct step_exec *s = arg;
	enter(s);
	if (s->over || s->job_over || !str_eq(obj->name, s->job_name)) {
		/* nothing */
	} else if (type == WATCH_DELETED) {
		/* its pods go with it: no logs to wait for */
		finishf(s, false, "job %s was deleted", s->job_name);
	} else {
		const struct kube_condition *done =
		    kobj_condition(obj, "Complete");
		const struct kube_condition *failed =
		    kobj_condition(obj, "Failed");
		struct buf msg = BUF_INIT;
		if (failed && str_eq(failed->status, "True")) {
			buf_printf(&msg, "job %s failed", s->job_name);
			if (*failed->reason)
				buf_printf(&msg, ": %s", failed->reason);
			if (*failed->message)
				buf_printf(&msg, ": %s", failed->message);
			job_ended(s, false, buf_str(&msg));
		} else if (done && str_eq(done->status, "True")) {
			buf_printf(&msg, "job %s succeeded", s->job_name);
			job_ended(s, true, buf_str(&msg));
		}
		buf_free(&msg);
	}
	leave(s);
}

static void job_synced(void *arg)
{
	struct step_exec *s = arg;
	enter(s);
	if (!s->over && !s->job_over && s->watch &&
	    !kube_watch_get(s->watch, s->job_ns, s->job_name))
		finishf(s, false, "job %s not found in %s", s->job_name,
			s->job_ns);
	leave(s);
}

static const struct kube_watch_ops job_ops = {
    .changed = job_changed,
    .synced = job_synced,
    .error = watch_failed,
};

static void pod_changed(void *arg, enum watch_type type,
			const struct kube_obj *old, const struct kube_obj *obj)
{
	(void)old;
	struct step_exec *s = arg;
	enter(s);
	if (!s->over && type != WATCH_DELETED)
		job_consider_pod(s, obj);
	leave(s);
}

/* Without the pods there are no logs, but the Job's result still counts:
 * say why once per distinct failure and carry on. */
static void pods_failed(void *arg, const char *message)
{
	struct step_exec *s = arg;
	enter(s);
	if (!s->over && !str_eq(message, s->last_msg)) {
		str_copy(s->last_msg, sizeof s->last_msg, message);
		emitf(s, "cannot follow the job's pods: %s", message);
	}
	leave(s);
}

static const struct kube_watch_ops pod_ops = {
    .changed = pod_changed,
    .error = pods_failed,
};

static void job_created(struct kube_client *c, const struct kube_response *r,
			void *arg)
{
	struct step_exec *s = arg;
	s->req = NULL;
	enter(s);
	const json_t *meta = json_object_get(r->json, "metadata");
	if (r->code != ST_OK) {
		finishf(s, false, "cannot create the job: %s", why(r));
	} else if (!*jstr(meta, "name")) {
		finish(s, false,
		       "cannot create the job: the answer names no job");
	} else {
		/* generateName: the server picked the name */
		s->job_name = xstrdup(jstr(meta, "name"));
		if (touched(s, "Job", "batch/v1", s->job_ns, s->job_name,
			    jstr(meta, "uid")) &&
		    emitf(s, "created job %s", s->job_name)) {
			struct buf fsel = BUF_INIT, lsel = BUF_INIT;
			buf_printf(&fsel, "metadata.name=%s", s->job_name);
			buf_printf(&lsel, "job-name=%s", s->job_name);
			struct kube_watch_spec js = {
			    .kind = KUBE_JOB,
			    .namespace_ = s->job_ns,
			    .field_selector = buf_str(&fsel),
			};
			struct kube_watch_spec ps = {
			    .kind = KUBE_POD,
			    .namespace_ = s->job_ns,
			    .label_selector = buf_str(&lsel),
			};
			s->pods = kube_watch(c, &ps, &pod_ops, s);
			s->watch = kube_watch(c, &js, &job_ops, s);
			buf_free(&fsel);
			buf_free(&lsel);
		}
	}
	leave(s);
}

static void start_job(struct step_exec *s)
{
	const json_t *job = s->ps->job;
	if (!json_is_object(job)) {
		finish(s, false, "the plan has no job to create");
		return;
	}
	const char *ns = ns_of(s);
	if (!*ns)
		ns = jstr(json_object_get(job, "metadata"), "namespace");
	if (!*ns) {
		finish(s, false, "the job has no namespace");
		return;
	}
	s->job_ns = xstrdup(ns);
	struct buf path = BUF_INIT;
	buf_puts(&path, "/apis/batch/v1/namespaces/");
	kube_query_escape(&path, ns);
	buf_puts(&path, "/jobs?fieldManager=opsdeck");
	s->req =
	    kube_create(s->ctx.client, buf_str(&path), job, job_created, s);
	buf_free(&path);
}

/* ---- http-check --------------------------------------------------------- */

/* The URL as shown: any user:password@ taken out. */
static void shown_url(struct buf *out, const char *url)
{
	const char *p = strstr(url, "://");
	const char *host = p ? p + 3 : url;
	const char *end = host + strcspn(host, "/?#");
	const char *at = memchr(host, '@', (size_t)(end - host));
	if (!at) {
		buf_puts(out, url);
		return;
	}
	buf_append(out, url, (size_t)(host - url));
	buf_puts(out, at + 1);
}

static void http_judge(struct step_exec *s, long status, const char *body,
		       size_t body_len, const char *error)
{
	const struct rb_step *st = s->st;
	struct buf url = BUF_INIT;
	shown_url(&url, s->ps->url);
	uint64_t ms = loop_now_ms() - s->t0;
	bool more;
	if (!status)
		more = emitf(s, "GET %s \xe2\x86\x92 %s (%llu ms)",
			     buf_str(&url), error, (unsigned long long)ms);
	else
		more = emitf(s, "GET %s \xe2\x86\x92 %ld (%llu ms)",
			     buf_str(&url), status, (unsigned long long)ms);
	buf_free(&url);
	if (!more)
		return;
	long want = st->expect_status > 0 ? st->expect_status : 200;
	const char *needle = st->expect_body;
	if (!status)
		finishf(s, false, "no answer: %s", error);
	else if (status != want)
		finishf(s, false, "expected %ld, got %ld", want, status);
	else if (needle && *needle &&
		 !memmem(body ? body : "", body_len, needle, strlen(needle)))
		finishf(s, false, "body does not contain \"%s\"", needle);
	else
		finishf(s, true, "GET returned %ld%s%s%s", status,
			needle && *needle ? " with \"" : "",
			needle && *needle ? needle : "",
			needle && *needle ? "\"" : "");
}

static void http_proxied(struct kube_client *c, const struct kube_response *r,
			 void *arg)
{
	(void)c;
	struct step_exec *s = arg;
	s->req = NULL;
	enter(s);
	http_judge(s, r->http, r->body, r->body_len, why(r));
	leave(s);
}

static size_t probe_write(char *data, size_t size, size_t n, void *arg)
{
	struct http_probe *p = arg;
	size_t len = size * n;
	if (!p->s)
		return 0; /* abandoned: stop the transfer */
	size_t room = HTTP_BODY_MAX - p->body.len;
	if (len > room) {
		/* enough to judge: keep the first MiB and stop */
		buf_append(&p->body, data, room);
		p->cut = true;
		return 0;
	}
	buf_append(&p->body, data, len);
	return len;
}

static void probe_done(CURL *easy, CURLcode res, void *arg)
{
	struct http_probe *p = arg;
	struct step_exec *s = p->s;
	if (!s) {
		/* abandoned while a removal was pending: it ended first */
		curl_easy_cleanup(easy);
		probe_free(p);
		return;
	}
	s->probe = NULL;
	enter(s);
	long status = 0;
	if (res == CURLE_OK || (res == CURLE_WRITE_ERROR && p->cut))
		curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
	http_judge(s, status, p->body.data, p->body.len,
		   *p->error ? p->error : curl_easy_strerror(res));
	curl_easy_cleanup(easy);
	probe_free(p);
	leave(s);
}

static void start_http(struct step_exec *s)
{
	const struct plan_step *ps = s->ps;
	long timeout_ms =
	    s->st->timeout_s > 0 ? s->st->timeout_s * 1000 : 60000;
	s->t0 = loop_now_ms();
	if (!ps->url || !*ps->url) {
		finish(s, false, "the plan has no URL to check");
		return;
	}
	if (ps->via_proxy) {
		struct kube_request_opts o = {
		    .path = ps->url,
		    .accept = "*/*",
		    .timeout_ms = timeout_ms,
		    .headers = (const char *const *)ps->headers,
		};
		s->req = kube_request(s->ctx.client, &o, NULL, http_proxied, s);
		return;
	}
	CURL *h = curl_easy_init();
	if (!h) {
		finish(s, false, "cannot start an HTTP request");
		return;
	}
	struct http_probe *p = xcalloc(1, sizeof *p);
	p->s = s;
	p->loop = s->ctx.loop;
	p->easy = h;
	for (char **hd = ps->headers; hd && *hd; hd++)
		p->headers = curl_slist_append(p->headers, *hd);
	curl_easy_setopt(h, CURLOPT_URL, ps->url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
			 timeout_ms < 10000 ? timeout_ms : 10000L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "opsdeck/" OPSDECK_VERSION);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, p->headers);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, probe_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, p);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, p->error);
	s->probe = p;
	loop_curl_add(s->ctx.loop, h, probe_done, p);
}

/* ---- confirm ------------------------------------------------------------ */

static void start_confirm(struct step_exec *s)
{
	if (!s->ctx.confirm) {
		finish(s, false, "nobody to confirm with");
		return;
	}
	s->asked = true;
	const char *text = s->ps->instructions ? s->ps->instructions : "";
	s->ctx.confirm(s->ctx.arg, text);
}

/* ---- script ------------------------------------------------------------- */

static bool env_has(char **env, const char *name)
{
	size_t n = strlen(name);
	for (; env && *env; env++)
		if (!strncmp(*env, name, n) && (*env)[n] == '=')
			return true;
	return false;
}

static void env_add(struct vec *v, char **own, const char *name,
		    const char *value)
{
	if (!value || env_has(own, name))
		return;
	vec_push(v, str_printf("%s=%s", name, value));
}

/* Pass on the finished lines of one stream (all of it at the end). */
static void script_lines(struct step_exec *s, struct buf *b, bool at_end)
{
	size_t at = 0;
	while (at < b->len && !s->over) {
		const char *p = b->data + at;
		const char *nl = memchr(p, '\n', b->len - at);
		size_t n = nl ? (size_t)(nl - p) : b->len - at;
		if (n > SCRIPT_LINE_MAX)
			n = SCRIPT_LINE_MAX;
		else if (!nl && !at_end && n < SCRIPT_LINE_MAX)
			break;
		emit(s, p, n);
		at += n + (nl == p + n);
	}
	buf_consume(b, at);
}

/* Output as it comes: the operator watches a long script work, stdout
 * and stderr lines in the order they were read. */
static void script_output(void *arg, bool is_err, const char *data,
			  size_t len)
{
	struct step_exec *s = arg;
	enter(s);
	buf_append(&s->partial[is_err], data, len);
	script_lines(s, &s->partial[is_err], false);
	leave(s);
}

static void script_exited(struct loop *l, const struct loop_child_result *r,
			  void *arg)
{
	(void)l;
	struct step_exec *s = arg;
	s->child = NULL;
	enter(s);
	script_lines(s, &s->partial[0], true);
	script_lines(s, &s->partial[1], true);
	if (r->output_cut)
		emitf(s, "(output cut after 1 MiB)");
	tmpdir_remove(s);
	if (s->over) {
		/* cancelled from inside output() */
	} else if (r->spawn_failed) {
		finishf(s, false, "cannot run the script: %s",
			strerror(r->errno_spawn));
	} else if (r->timed_out) {
		finishf(s, false, "script timed out after %lds",
			s->st->timeout_s);
	} else if (r->signo) {
		finishf(s, false, "script killed by signal %d", r->signo);
	} else {
		finishf(s, r->exit_code == 0, "script exited %d", r->exit_code);
	}
	leave(s);
}

static void start_script(struct step_exec *s)
{
	const struct rb_step *st = s->st;
	if (!st->content) {
		finish(s, false, "the script's content was not loaded");
		return;
	}
	const char *base = getenv("TMPDIR");
	struct buf dir = BUF_INIT, path = BUF_INIT;
	buf_printf(&dir, "%s/opsdeck-script-XXXXXX",
		   base && *base == '/' ? base : "/tmp");
	if (!mkdtemp(dir.data)) {
		finishf(s, false, "cannot make a folder for the script: %s",
			strerror(errno));
		buf_free(&dir);
		return;
	}
	s->tmpdir = buf_detach(&dir);
	chmod(s->tmpdir, 0700);
	/* a script may echo a secret it was given */
	s->partial[0].secret = s->partial[1].secret = true;
	buf_printf(&path, "%s/script", s->tmpdir);
	int fd =
	    open(buf_str(&path),
		 O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0700);
	bool ok = fd >= 0 && fchmod(fd, 0700) == 0;
	for (size_t off = 0; ok && off < st->content_len;) {
		ssize_t n = write(fd, st->content + off, st->content_len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ok = false;
			break;
		}
		off += (size_t)n;
	}
	int saved = errno;
	if (fd >= 0 && close(fd) < 0 && ok) {
		ok = false;
		saved = errno;
	}
	if (!ok) {
		finishf(s, false, "cannot write the script: %s",
			strerror(saved));
		buf_free(&path);
		return;
	}

	/* The whole environment: the plan's values and a few basics, never
	 * the operator's other variables (tokens, kubeconfig paths). */
	char **own = s->ps->env;
	struct vec env = VEC_INIT;
	for (char **e = own; e && *e; e++)
		vec_push(&env, xstrdup(*e));
	const char *p = getenv("PATH");
	env_add(&env, own, "PATH", p && *p ? p : "/usr/bin:/bin");
	env_add(&env, own, "HOME", getenv("HOME"));
	env_add(&env, own, "LANG", getenv("LANG"));
	env_add(&env, own, "LC_ALL", getenv("LC_ALL"));
	env_add(&env, own, "OPSDECK_RUN_ID",
		s->ctx.plan ? s->ctx.plan->run_id : "");
	vec_push(&env, NULL);

	const char *argv[] = {buf_str(&path), NULL};
	struct loop_spawn_opts o = {
	    .argv = argv,
	    .envp = (const char *const *)env.items,
	    .dir = s->tmpdir,
	    .timeout_ms =
		st->timeout_s > 0 ? (uint64_t)st->timeout_s * 1000 : 0,
	    .output = script_output,
	    .own_group = true,
	};
	s->child = loop_spawn(s->ctx.loop, &o, script_exited, s);
	vec_free(&env, xfree_wiped);
	buf_free(&path);
}

/* ---- the handle --------------------------------------------------------- */

static void kick(struct loop *l, void *arg)
{
	(void)l;
	struct step_exec *s = arg;
	s->kick = NULL;
	enter(s);
	enum rb_action a = s->st->action;
	bool local = a == RB_ACTION_CONFIRM || a == RB_ACTION_SCRIPT ||
		     (a == RB_ACTION_HTTP_CHECK && !s->ps->via_proxy);
	if (!local && !s->ctx.client) {
		finish(s, false, "no connection to the cluster");
		leave(s);
		return;
	}
	switch (a) {
	case RB_ACTION_ROLLOUT_RESTART:
		start_restart(s);
		break;
	case RB_ACTION_SCALE:
		start_scale(s);
		break;
	case RB_ACTION_WAIT_ROLLOUT:
		start_wait_rollout(s);
		break;
	case RB_ACTION_HEALTH_CHECK:
		start_health(s);
		break;
	case RB_ACTION_RUN_JOB:
		start_job(s);
		break;
	case RB_ACTION_HTTP_CHECK:
		start_http(s);
		break;
	case RB_ACTION_CONFIRM:
		start_confirm(s);
		break;
	case RB_ACTION_SCRIPT:
		start_script(s);
		break;
	default:
		finish(s, false, "unknown action");
	}
	leave(s);
}

struct step_exec *step_start(const struct step_ctx *ctx)
{
	/* without these there is nobody to tell: a caller's bug */
	if (!ctx || !ctx->loop || !ctx->ps || !ctx->ps->step || !ctx->done ||
	    !ctx->output)
		return NULL;
	struct step_exec *s = xcalloc(1, sizeof *s);
	s->ctx = *ctx;
	s->ps = ctx->ps;
	s->st = ctx->ps->step;
	/* never call the engine back before it holds the handle */
	s->kick = loop_timer_add(ctx->loop, 0, kick, s);
	return s;
}

void step_cancel(struct step_exec *s)
{
	if (!s || s->over)
		return;
	s->over = true;
	stop_all(s);
	if (s->depth == 0)
		exec_free(s);
}

void step_answer(struct step_exec *s, bool proceed, const char *note)
{
	if (!s || s->over || s->st->action != RB_ACTION_CONFIRM || !s->asked)
		return;
	enter(s);
	bool has_note = note && *note;
	if (proceed)
		finishf(s, true, "proceeded%s%s", has_note ? ": " : "",
			has_note ? note : "");
	else
		finishf(s, false, "aborted by the operator%s%s",
			has_note ? ": " : "", has_note ? note : "");
	leave(s);
}
