/*
 * The platform subcommands' common ground (see platform.h): options, and
 * the path from "--repo X" to a model with desired versions.
 *
 * A URL is brought up to date in its cache folder by a child process
 * (git/sync.h) while this process waits on a loop, so the same code
 * serves the console, where the loop must not stop. A fetch that fails
 * leaves the cached copy in use, with a warning; a clone that fails is an
 * unreachable repo (exit 3).
 */
#include "cli/platform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/str.h"
#include "git/sync.h"
#include "model/load.h"

#define SYNC_TIMEOUT_MS 120000

int platform_option(struct platform *p, const char *cmd, int argc, char **argv)
{
	static const char *const names[] = {
		"--repo", "--branch", "--env", "--service", "--tenant",
	};
	const char **slots[] = {&p->repo_spec, &p->branch, &p->env,
				&p->service, &p->tenant};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strcmp(argv[0], names[i]))
			continue;
		if (argc < 2 || !*argv[1]) {
			fprintf(stderr, "opsdeck %s: %s needs a value\n", cmd,
				names[i]);
			return -1;
		}
		*slots[i] = argv[1];
		return 2;
	}
	return 0;
}

struct sync_wait {
	bool done;
	enum status st;
	char message[ERR_MSG_MAX];
};

static void sync_done(void *arg, enum status st, const char *message)
{
	struct sync_wait *w = arg;
	w->done = true;
	w->st = st;
	str_copy(w->message, sizeof w->message, message);
}

/* Clone or fetch in a child; wait for it on a loop of our own. */
static enum status sync_repo(const char *dir, const char *url, struct err *e)
{
	struct loop *l = loop_new();
	struct sync_wait w = {0};
	struct repo_sync *s =
		repo_sync_start(l, dir, url, SYNC_TIMEOUT_MS, sync_done, &w);
	while (s && !w.done)
		loop_run_once(l, 1000);
	loop_free(l);
	if (!s)
		return err_set(e, ST_ERR_IO, "could not start a fetch");
	return w.st == ST_OK ? ST_OK : err_set(e, w.st, "%s", w.message);
}

/* The folder to open for spec, fetching first where there is a remote. */
static int locate_repo(struct platform *p, const char *cmd, struct buf *dir)
{
	struct err e;
	if (repo_is_url(p->repo_spec)) {
		repo_cache_dir(p->repo_spec, dir);
		struct repo *existing = NULL;
		bool cached = repo_open(buf_str(dir), &existing, &e) == ST_OK;
		repo_free(existing);
		if (sync_repo(buf_str(dir), p->repo_spec, &e) != ST_OK) {
			if (!cached) {
				fprintf(stderr, "opsdeck %s: cannot clone %s: %s\n",
					cmd, p->repo_spec, e.msg);
				return CLI_UNREACHABLE;
			}
			fprintf(stderr,
				"opsdeck %s: warning: fetching %s failed (%s); "
				"using the copy fetched before\n",
				cmd, p->repo_spec, e.msg);
		}
		return CLI_OK;
	}
	buf_puts(dir, p->repo_spec);
	struct repo *r = NULL;
	if (repo_open(buf_str(dir), &r, &e) != ST_OK)
		return CLI_OK; /* reported when opened for real */
	bool has_origin = repo_has_origin(r);
	repo_free(r);
	if (has_origin && sync_repo(buf_str(dir), NULL, &e) != ST_OK)
		fprintf(stderr,
			"opsdeck %s: warning: fetching origin failed (%s); "
			"reading what was fetched before\n",
			cmd, e.msg);
	return CLI_OK;
}

static int pick_filters(struct platform *p, const char *cmd)
{
	struct model *m = p->model;
	if (p->env && !(p->e = model_env(m, p->env))) {
		fprintf(stderr, "opsdeck %s: no environment '%s' in %s\n", cmd,
			p->env, m->name);
		return CLI_USAGE;
	}
	if (p->service && !(p->s = model_service(m, p->service))) {
		fprintf(stderr, "opsdeck %s: no service '%s' in %s\n", cmd,
			p->service, m->name);
		return CLI_USAGE;
	}
	if (p->tenant && !(p->t = model_tenant(m, p->tenant))) {
		fprintf(stderr, "opsdeck %s: no tenant '%s' in %s\n", cmd,
			p->tenant, m->name);
		return CLI_USAGE;
	}
	if (p->s && p->t && !p->s->tenanted) {
		fprintf(stderr, "opsdeck %s: %s is not a tenanted service\n",
			cmd, p->s->name);
		return CLI_USAGE;
	}
	return CLI_OK;
}

int platform_open(struct platform *p, const char *cmd, bool quiet)
{
	struct err e;
	if (userconf_load(&p->conf, &e) != ST_OK) {
		fprintf(stderr, "opsdeck %s: %s\n", cmd, e.msg);
		return CLI_USAGE;
	}
	if (!p->repo_spec)
		p->repo_spec = getenv("OPSDECK_REPO");
	if (!p->repo_spec || !*p->repo_spec)
		p->repo_spec = p->conf.repo ? p->conf.repo : ".";
	if (!p->branch)
		p->branch = p->conf.branch;
	repo_global_init();
	struct buf dir = BUF_INIT;
	int rc = locate_repo(p, cmd, &dir);
	if (rc == CLI_OK && repo_open(buf_str(&dir), &p->repo, &e) != ST_OK) {
		fprintf(stderr,
			"opsdeck %s: %s (give the config repo with --repo, "
			"$OPSDECK_REPO or repo: in %s)\n",
			cmd, e.msg, "~/.config/opsdeck/config.yaml");
		rc = CLI_UNREACHABLE;
	}
	buf_free(&dir);
	if (rc != CLI_OK)
		return rc;
	struct buf problems = BUF_INIT, notes = BUF_INIT;
	switch (model_load(p->repo, p->branch, &p->tip, &p->model, &problems,
			   &notes, &e)) {
	case MODEL_LOADED:
		break;
	case MODEL_BROKEN:
		fputs(buf_str(&problems), stderr);
		p->model_broken = true;
		/* fall through */
	default:
		if (!p->model_broken)
			fprintf(stderr, "opsdeck %s: %s\n", cmd, e.msg);
		buf_free(&problems);
		buf_free(&notes);
		return CLI_USAGE;
	}
	if (notes.len)
		fprintf(stderr, "opsdeck %s: note: %s", cmd, buf_str(&notes));
	buf_free(&notes);
	buf_free(&p->problems);
	p->problems = problems;
	if (!quiet && p->problems.len)
		fputs(buf_str(&p->problems), stderr);
	return pick_filters(p, cmd);
}

void platform_free(struct platform *p)
{
	vec_free(&p->cells, NULL);
	map_free(&p->keys, NULL);
	model_free(p->model);
	repo_free(p->repo);
	buf_free(&p->problems);
	userconf_free(&p->conf);
}

bool platform_wants(const struct platform *p, const struct model_cell *c)
{
	return (!p->e || c->env == p->e) && (!p->s || c->service == p->s) &&
	       (!p->t || c->tenant == p->t);
}

void platform_cells(const struct platform *p, struct vec *out)
{
	for (size_t i = 0; i < p->model->cells.len; i++) {
		struct model_cell *c = p->model->cells.items[i];
		if (platform_wants(p, c))
			vec_push(out, c);
	}
}

void platform_contexts(struct platform *p, struct kubecli *k,
		       const struct vec *cells)
{
	if (!k->kubeconfig)
		k->kubeconfig = p->conf.kubeconfig;
	for (size_t i = 0; i < cells->len; i++) {
		const struct model_cell *c = cells->items[i];
		bool seen = false;
		for (size_t j = 0; j < k->contexts.len && !seen; j++)
			seen = !strcmp(k->contexts.items[j], c->env->cluster);
		if (!seen)
			vec_push(&k->contexts, c->env->cluster);
	}
}

static bool scope_filter(void *arg, const struct kube_obj *o)
{
	struct platform *p = arg;
	if (!map_has(&p->keys, o->namespace_))
		return false;
	if (!p->s)
		return true;
	struct buf key = BUF_INIT;
	bool keep = false;
	enum kube_kind kind;
	buf_printf(&key, "%s\n", o->namespace_);
	size_t mark = key.len;
	if (o->kind == KUBE_POD) {
		keep = kobj_pod_workload(o, &kind, &key) &&
		       map_has(&p->keys, buf_str(&key));
	} else if (o->kind == KUBE_EVENT) {
		/* the workload, its ReplicaSets and pods: NAME or NAME-... */
		const char *name = o->u.event.obj_name;
		for (size_t n = strlen(name); n && !keep; n--) {
			if (n < strlen(name) && name[n] != '-')
				continue;
			key.len = mark;
			buf_append(&key, name, n);
			keep = map_has(&p->keys, buf_str(&key));
		}
	} else {
		buf_puts(&key, o->name);
		keep = map_has(&p->keys, buf_str(&key));
	}
	buf_free(&key);
	return keep;
}

int platform_scope(struct platform *p, struct kubecli *k)
{
	if (!p->env && !p->service && !p->tenant && !p->repo_spec)
		return CLI_OK;
	if (!p->env) {
		fprintf(stderr, "opsdeck %s: --env is needed with --service, "
				"--tenant and --repo\n", k->cmd);
		return CLI_USAGE;
	}
	if (k->contexts.len || k->all_contexts || k->namespace_ ||
	    k->all_namespaces || k->selector) {
		fprintf(stderr, "opsdeck %s: --env chooses the cluster and "
				"namespaces; leave out --context, -n, -A "
				"and -l\n", k->cmd);
		return CLI_USAGE;
	}
	int rc = platform_open(p, k->cmd, true);
	if (rc != CLI_OK)
		return rc;
	platform_cells(p, &p->cells);
	if (!p->cells.len) {
		fprintf(stderr, "opsdeck %s: no cell of %s%s%s in %s\n",
			k->cmd, p->s ? p->s->name : "any service",
			p->t ? " for " : "", p->t ? p->t->name : "",
			p->e->name);
		return CLI_USAGE;
	}
	for (size_t i = 0; i < p->cells.len; i++) {
		const struct model_cell *c = p->cells.items[i];
		map_put(&p->keys, c->namespace_, NULL);
		char *key = str_printf("%s\n%s", c->namespace_, c->workload);
		map_put(&p->keys, key, NULL);
		free(key);
	}
	vec_push(&k->contexts, p->e->cluster);
	if (!k->kubeconfig)
		k->kubeconfig = p->conf.kubeconfig;
	/* One namespace: ask for it alone (a user who may not list across
	 * namespaces can still see it). */
	const char *ns = ((struct model_cell *)p->cells.items[0])->namespace_;
	for (size_t i = 1; i < p->cells.len && ns; i++)
		if (strcmp(ns, ((struct model_cell *)p->cells.items[i])
				       ->namespace_))
			ns = NULL;
	if (ns)
		k->namespace_ = ns;
	else
		k->all_namespaces = true;
	k->filter = scope_filter;
	k->filter_arg = p;
	return CLI_OK;
}

struct get_wait {
	bool done;
	enum status st;
	char message[ERR_MSG_MAX];
	json_t *json;
};

static void got(struct kube_client *c, const struct kube_response *r,
		void *arg)
{
	struct get_wait *w = arg;
	(void)c;
	w->done = true;
	w->st = r->code;
	str_copy(w->message, sizeof w->message, r->message ? r->message : "");
	w->json = r->json ? json_incref(r->json) : NULL;
}

int platform_selector(struct platform *p, struct kubecli *k, struct buf *out)
{
	const struct model_cell *c = p->cells.items[0];
	struct buf path = BUF_INIT;
	kube_kind_path(&path, c->service->kind, c->namespace_);
	buf_putc(&path, '/');
	kube_query_escape(&path, c->workload);
	struct get_wait w = {0};
	kube_get(k->clients.items[0], buf_str(&path), got, &w);
	buf_free(&path);
	while (!w.done && !loop_quitting(k->loop))
		loop_run_once(k->loop, 1000);
	if (w.st != ST_OK) {
		fprintf(stderr, "opsdeck %s: %s: %s\n", k->cmd, c->key,
			w.message);
		json_decref(w.json);
		return kubecli_exit_for(w.st);
	}
	json_t *labels = json_object_get(
		json_object_get(json_object_get(w.json, "spec"), "selector"),
		"matchLabels");
	const char *key;
	json_t *v;
	json_object_foreach(labels, key, v)
	{
		if (!json_is_string(v))
			continue;
		if (out->len)
			buf_putc(out, ',');
		buf_printf(out, "%s=%s", key, json_string_value(v));
	}
	json_decref(w.json);
	if (!out->len) {
		fprintf(stderr, "opsdeck %s: %s: the workload has no "
				"matchLabels selector\n", k->cmd, c->key);
		return CLI_USAGE;
	}
	return CLI_OK;
}
