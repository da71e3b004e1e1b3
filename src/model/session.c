/*
 * The console's engine (session.h): bring-up in steps on the loop, Git
 * work on one worker thread at a time.
 */
#include "model/session.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/map.h"
#include "base/mem.h"
#include "base/str.h"
#include "git/sync.h"
#include "kube/identity.h"
#include "runbook/catalog.h"
#include "kube/kubeconfig.h"
#include "loop/work.h"
#include "model/load.h"
#include "model/userconf.h"

#define SYNC_TIMEOUT_MS 120000
#define DIFF_CONTEXT 3

enum job_kind { JOB_LOAD, JOB_RELEASES, JOB_DIFF_CELLS, JOB_DIFF_REVS };

struct session_job {
	struct session *s;
	enum job_kind kind;
	const struct model_cell *a, *b;
	char from[GIT_OID_HEXSZ + 1], to[GIT_OID_HEXSZ + 1];
	session_text_cb cb;
	void *arg;
	bool cancelled;
	/* results */
	enum status st;
	struct buf out;
	struct err e;
	enum model_load_result load;
	struct buf problems, notes;
	struct vec releases;
};

struct session {
	struct loop *l;
	struct session_ops ops;
	void *arg;
	char *repo_spec, *branch, *kubeconfig, *dir;
	struct kube_settings kube;
	struct userconf conf;
	enum session_state state;
	struct buf message, problems;
	struct repo_sync *sync;
	struct repo *repo;
	struct repo_tip tip;
	struct model *model;
	struct catalog *catalog;
	struct fleet *fleet;
	struct vec clusters; /* struct session_cluster * */
	int64_t updated;
	struct vec releases; /* struct release *, newest first */
	struct map by_cell;  /* cell key -> struct vec * of releases */
	bool releases_ready;
	struct vec queue;    /* struct session_job *, waiting */
	struct session_job *running;
	struct loop_work *work;
};

static void tell(struct session *s, unsigned what, struct model_cell *c)
{
	if (s->ops.changed)
		s->ops.changed(s->arg, what, c);
}

static void set_state(struct session *s, enum session_state st,
		      const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_state(struct session *s, enum session_state st,
		      const char *fmt, ...)
{
	s->state = st;
	buf_clear(&s->message);
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&s->message, fmt, ap);
	va_end(ap);
	tell(s, SESSION_CHANGED_STATE, NULL);
}

/* ---- the job queue ------------------------------------------------------ */

static void job_free(struct session_job *j)
{
	buf_free(&j->out);
	buf_free(&j->problems);
	buf_free(&j->notes);
	vec_free(&j->releases, release_free);
	free(j);
}

static void job_run(void *arg)
{
	struct session_job *j = arg;
	struct session *s = j->s;
	git_oid from, to;
	switch (j->kind) {
	case JOB_LOAD:
		if (!s->repo &&
		    (j->st = repo_open(s->dir, &s->repo, &j->e)) != ST_OK) {
			j->load = MODEL_NO_FILE;
			break;
		}
		j->load = model_load(s->repo, s->branch, &s->tip, &s->model,
				     &j->problems, &j->notes, &j->e);
		/* The runbooks at the same commit; a broken policy leaves
		 * none (nothing may run under an unreadable policy). */
		if (j->load == MODEL_LOADED) {
			struct err ce;
			enum status cst = catalog_load(
				s->repo, &s->tip.commit, s->model, &s->catalog,
				&j->problems, &ce);
			if (cst != ST_OK && cst != ST_ERR_PARSE)
				buf_printf(&j->problems, "runbooks: %s\n",
					   ce.msg);
		}
		break;
	case JOB_RELEASES: {
		struct release_query q = {0};
		j->st = releases_find(s->repo, &s->tip.commit,
				      &s->model->cells, &q, &j->releases,
				      NULL, &j->e);
		break;
	}
	case JOB_DIFF_CELLS:
		j->st = model_diff_cells(s->repo, &s->tip.commit, j->a, j->b,
					 DIFF_CONTEXT, &j->out, &j->e);
		break;
	case JOB_DIFF_REVS:
		if ((j->st = repo_rev(s->repo, j->to, &to, &j->e)) != ST_OK)
			break;
		if (*j->from) {
			j->st = repo_rev(s->repo, j->from, &from, &j->e);
		} else {
			struct repo_commit c = {0};
			j->st = repo_commit_get(s->repo, &to, &c, &j->e);
			if (j->st == ST_OK && c.nparents)
				from = c.parents[0];
			bool root = j->st == ST_OK && !c.nparents;
			repo_commit_clear(&c);
			if (root) {
				j->st = model_diff_revs(s->repo, j->a, NULL,
							&to, DIFF_CONTEXT,
							&j->out, &j->e);
				break;
			}
		}
		if (j->st == ST_OK)
			j->st = model_diff_revs(s->repo, j->a, &from, &to,
						DIFF_CONTEXT, &j->out, &j->e);
		break;
	}
}

static void loaded(struct session *s, struct session_job *j);
static void releases_in(struct session *s, struct session_job *j);
static void run_next(struct session *s);

static void job_done(struct loop *l, void *arg)
{
	(void)l;
	struct session_job *j = arg;
	struct session *s = j->s;
	s->running = NULL;
	s->work = NULL;
	if (!j->cancelled) {
		if (j->kind == JOB_LOAD)
			loaded(s, j);
		else if (j->kind == JOB_RELEASES)
			releases_in(s, j);
		else if (j->cb)
			j->cb(j->arg, j->st, buf_str(&j->out), j->out.len,
			      j->st == ST_OK ? "" : j->e.msg);
	}
	job_free(j);
	run_next(s);
}

static void run_next(struct session *s)
{
	while (!s->running && s->queue.len) {
		struct session_job *j = vec_remove(&s->queue, 0);
		s->running = j;
		s->work = loop_work_start(s->l, job_run, job_done, j);
		if (!s->work) {
			s->running = NULL;
			j->st = err_set(&j->e, ST_ERR_IO,
					"could not start a worker thread");
			if (j->cb && !j->cancelled)
				j->cb(j->arg, j->st, "", 0, j->e.msg);
			job_free(j);
		}
	}
}

static struct session_job *job_new(struct session *s, enum job_kind kind)
{
	struct session_job *j = xcalloc(1, sizeof *j);
	j->s = s;
	j->kind = kind;
	return j;
}

static struct session_job *queue_job(struct session *s, struct session_job *j)
{
	vec_push(&s->queue, j);
	run_next(s);
	return j;
}

void session_job_cancel(struct session_job *j)
{
	if (!j)
		return;
	struct session *s = j->s;
	for (size_t i = 0; i < s->queue.len; i++) {
		if (s->queue.items[i] == j) {
			vec_remove(&s->queue, i);
			job_free(j);
			return;
		}
	}
	j->cancelled = true; /* running: freed when it ends */
}

/* ---- bring-up ----------------------------------------------------------- */

static void on_cell(void *arg, struct model_cell *c)
{
	struct session *s = arg;
	s->updated = time(NULL);
	tell(s, SESSION_CHANGED_CELL, c);
}

static void on_cluster(void *arg, const char *context)
{
	(void)context;
	struct session *s = arg;
	s->updated = time(NULL);
	tell(s, SESSION_CHANGED_CLUSTER, NULL);
}

static void on_client_state(struct kube_client *c, void *arg)
{
	on_cluster(arg, kube_client_context(c));
}

static void on_whoami(void *arg, const struct kube_identity *id,
		      const struct kube_response *r)
{
	(void)id;
	(void)r;
	tell(arg, SESSION_CHANGED_CLUSTER, NULL);
}

static void cluster_free(void *p)
{
	struct session_cluster *c = p;
	if (c->client)
		kube_client_free(c->client);
	free((char *)c->context);
	free((char *)c->error);
	free(c);
}

static bool known_cluster(const struct session *s, const char *context)
{
	for (size_t i = 0; i < s->clusters.len; i++) {
		const struct session_cluster *c = s->clusters.items[i];
		if (!strcmp(c->context, context))
			return true;
	}
	return false;
}

static void connect_clusters(struct session *s)
{
	struct kubeconfig *kc = NULL;
	struct err kc_err;
	const char *path = s->kubeconfig ? s->kubeconfig : s->conf.kubeconfig;
	bool have_kc = kubeconfig_load(path, &kc, &kc_err) == ST_OK;
	for (size_t i = 0; i < s->model->envs.len; i++) {
		const struct model_env *env = s->model->envs.items[i];
		if (known_cluster(s, env->cluster))
			continue;
		struct session_cluster *c = xcalloc(1, sizeof *c);
		c->context = xstrdup(env->cluster);
		struct kube_target *t = NULL;
		struct err e;
		if (!have_kc)
			c->error = xstrdup(kc_err.msg);
		else if (kubeconfig_resolve(kc, env->cluster, &t, &e) != ST_OK)
			c->error = xstrdup(e.msg);
		else
			c->client = kube_client_new(s->l, t, &s->kube);
		vec_push(&s->clusters, c);
	}
	kubeconfig_free(kc);
	struct vec clients = VEC_INIT;
	for (size_t i = 0; i < s->clusters.len; i++) {
		struct session_cluster *c = s->clusters.items[i];
		if (!c->client)
			continue;
		vec_push(&clients, c->client);
		kube_client_on_state(c->client, on_client_state, s);
		kube_whoami(c->client, on_whoami, s);
	}
	static const struct fleet_ops fops = {on_cell, on_cluster};
	s->fleet = fleet_new(s->model, (struct kube_client *const *)clients.items,
			     clients.len, &fops, s);
	vec_free(&clients, NULL);
}

static void loaded(struct session *s, struct session_job *j)
{
	buf_append(&s->problems, j->notes.data, j->notes.len);
	buf_append(&s->problems, j->problems.data, j->problems.len);
	if (j->load != MODEL_LOADED) {
		set_state(s, SESSION_FAILED, "%s", j->e.msg);
		return;
	}
	connect_clusters(s);
	s->updated = time(NULL);
	set_state(s, SESSION_LIVE, "%s", "");
	queue_job(s, job_new(s, JOB_RELEASES));
}

static void releases_in(struct session *s, struct session_job *j)
{
	if (j->st != ST_OK) {
		buf_printf(&s->problems, "history: %s\n", j->e.msg);
		tell(s, SESSION_CHANGED_RELEASES, NULL);
		return;
	}
	s->releases = j->releases;
	j->releases = (struct vec)VEC_INIT;
	for (size_t i = 0; i < s->releases.len; i++) {
		struct release *r = s->releases.items[i];
		struct vec *v = map_get(&s->by_cell, r->cell->key);
		if (!v) {
			v = xcalloc(1, sizeof *v);
			map_put(&s->by_cell, r->cell->key, v);
		}
		vec_push(v, r);
	}
	fleet_set_releases(s->fleet, &s->releases);
	s->releases_ready = true;
	tell(s, SESSION_CHANGED_RELEASES, NULL);
}

static void synced(void *arg, enum status st, const char *message)
{
	struct session *s = arg;
	s->sync = NULL;
	if (st != ST_OK) {
		struct repo *existing = NULL;
		struct err e;
		bool cached = repo_open(s->dir, &existing, &e) == ST_OK;
		repo_free(existing);
		if (!cached) {
			set_state(s, SESSION_FAILED, "cannot clone %s: %s",
				  s->repo_spec, message);
			return;
		}
		buf_printf(&s->problems,
			   "fetching %s failed (%s); using the copy fetched "
			   "before\n",
			   s->repo_spec, message);
	}
	set_state(s, SESSION_LOADING, "reading opsdeck.yaml");
	queue_job(s, job_new(s, JOB_LOAD));
}

struct session *session_new(struct loop *l, const struct session_opts *o,
			    const struct session_ops *ops, void *arg)
{
	struct session *s = xcalloc(1, sizeof *s);
	s->l = l;
	if (ops)
		s->ops = *ops;
	s->arg = arg;
	s->kube = o->kube;
	struct err e;
	if (userconf_load(&s->conf, &e) != ST_OK) {
		s->repo_spec = xstrdup(o->repo_spec ? o->repo_spec : "?");
		s->state = SESSION_FAILED;
		buf_puts(&s->message, e.msg);
		return s;
	}
	const char *spec = o->repo_spec;
	if (!spec || !*spec)
		spec = getenv("OPSDECK_REPO");
	if (!spec || !*spec)
		spec = s->conf.repo ? s->conf.repo : ".";
	s->repo_spec = xstrdup(spec);
	const char *branch = o->branch ? o->branch : s->conf.branch;
	s->branch = branch ? xstrdup(branch) : NULL;
	s->kubeconfig = o->kubeconfig ? xstrdup(o->kubeconfig) : NULL;
	repo_global_init();
	struct buf dir = BUF_INIT;
	const char *url = NULL;
	bool fetch = false;
	if (repo_is_url(spec)) {
		repo_cache_dir(spec, &dir);
		url = spec;
		fetch = true;
	} else {
		buf_puts(&dir, spec);
		fetch = repo_open(spec, &s->repo, &e) == ST_OK &&
			repo_has_origin(s->repo);
		/* The repo is opened again, on the worker, after a fetch. */
		repo_free(s->repo);
		s->repo = NULL;
	}
	s->dir = buf_detach(&dir);
	if (fetch) {
		s->state = SESSION_FETCHING;
		buf_printf(&s->message, "fetching %s", spec);
		s->sync = repo_sync_start(l, s->dir, url, SYNC_TIMEOUT_MS,
					  synced, s);
		if (!s->sync)
			synced(s, ST_ERR_IO, "could not start a fetch");
	} else {
		s->state = SESSION_LOADING;
		buf_puts(&s->message, "reading opsdeck.yaml");
		queue_job(s, job_new(s, JOB_LOAD));
	}
	return s;
}

static void free_vec(void *p)
{
	vec_free(p, NULL);
	free(p);
}

void session_free(struct session *s)
{
	if (!s)
		return;
	repo_sync_cancel(s->sync);
	if (s->running) {
		loop_work_cancel(s->work);
		job_free(s->running);
	}
	vec_free(&s->queue, (void (*)(void *))job_free);
	fleet_free(s->fleet);
	for (size_t i = 0; i < s->clusters.len; i++) {
		struct session_cluster *c = s->clusters.items[i];
		if (c->client)
			kube_client_off_state(c->client, on_client_state, s);
	}
	vec_free(&s->clusters, cluster_free);
	map_free(&s->by_cell, free_vec);
	vec_free(&s->releases, release_free);
	catalog_free(s->catalog);
	model_free(s->model);
	repo_free(s->repo);
	userconf_free(&s->conf);
	buf_free(&s->message);
	buf_free(&s->problems);
	free(s->repo_spec);
	free(s->branch);
	free(s->kubeconfig);
	free(s->dir);
	free(s);
}

/* ---- reading ------------------------------------------------------------ */

enum session_state session_state(const struct session *s)
{
	return s->state;
}

const char *session_message(const struct session *s)
{
	return buf_str(&s->message);
}

const char *session_problems(const struct session *s)
{
	return buf_str(&s->problems);
}

const char *session_repo_name(const struct session *s)
{
	return s->repo_spec;
}

struct model *session_model(const struct session *s)
{
	return s->state == SESSION_LIVE ? s->model : NULL;
}

struct fleet *session_fleet(const struct session *s)
{
	return s->fleet;
}

const struct repo_tip *session_tip(const struct session *s)
{
	return s->state == SESSION_LIVE ? &s->tip : NULL;
}

size_t session_nclusters(const struct session *s)
{
	return s->clusters.len;
}

const struct session_cluster *session_cluster(const struct session *s,
					      size_t i)
{
	return i < s->clusters.len ? s->clusters.items[i] : NULL;
}

struct kube_client *session_client(const struct session *s,
				   const char *context)
{
	for (size_t i = 0; i < s->clusters.len; i++) {
		const struct session_cluster *c = s->clusters.items[i];
		if (!strcmp(c->context, context))
			return c->client;
	}
	return NULL;
}

int64_t session_updated(const struct session *s)
{
	return s->updated;
}

bool session_releases(const struct session *s, const struct model_cell *c,
		      struct vec *out)
{
	if (!s->releases_ready)
		return false;
	const struct vec *v = map_get(&s->by_cell, c->key);
	for (size_t i = 0; v && i < v->len; i++)
		vec_push(out, v->items[i]);
	return true;
}

bool session_busy(const struct session *s)
{
	return s->running || s->queue.len;
}

struct session_job *session_diff_cells(struct session *s,
				       const struct model_cell *a,
				       const struct model_cell *b,
				       session_text_cb cb, void *arg)
{
	struct session_job *j = job_new(s, JOB_DIFF_CELLS);
	j->a = a;
	j->b = b;
	j->cb = cb;
	j->arg = arg;
	return queue_job(s, j);
}

struct session_job *session_diff_revs(struct session *s,
				      const struct model_cell *c,
				      const char *from, const char *to,
				      session_text_cb cb, void *arg)
{
	struct session_job *j = job_new(s, JOB_DIFF_REVS);
	j->a = c;
	str_copy(j->from, sizeof j->from, from ? from : "");
	str_copy(j->to, sizeof j->to, to);
	j->cb = cb;
	j->arg = arg;
	return queue_job(s, j);
}

const struct catalog *session_catalog(const struct session *s)
{
	return s->state == SESSION_LIVE ? s->catalog : NULL;
}
