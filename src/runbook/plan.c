/*
 * The plan of a run (plan.h): a runbook bound to an environment (and
 * cell), checked values and an operator, with every template rendered
 * once and every permission named.
 *
 * plan_build walks the steps in order. For each it renders the step's
 * fields through one lookup (struct ctx) that knows the names runbook.h
 * lists, then checks what the rendering produced: names that end up in
 * API paths must be Kubernetes names (a value holding "/" or ".." must
 * not be able to point a request somewhere else), a replica count must
 * be an integer, a Job manifest must still be one batch/v1 Job, header
 * values must not hold line breaks. Then it writes the permissions the
 * step needs, with a line saying what each is for. Problems are collected
 * rather than returned at the first: whoever fixes a runbook or a value
 * should see all of them at once.
 *
 * Secrets: the lookup hands out a secret variable's value only while a
 * script's env or an http-check's headers are rendered. Those two lists
 * are the only places a secret can be in a plan; they are wiped when the
 * plan is freed, plan_json and plan_text name the env variables but
 * never show their values, and no problem message echoes a value that
 * may hold a secret.
 *
 * In struct plan_access "" means "none" (subresource), "any" (name) and
 * "cluster-wide" (namespace_), so every field is a string.
 */
#include "runbook/plan.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "base/map.h"
#include "base/mem.h"
#include "base/sanitize.h"
#include "base/str.h"
#include "base/yaml.h"
#include "kube/objects.h"
#include "model/template.h"
#include "runbook/store.h"

#define REPLICAS_MAX 10000
/* Rendered values quoted in problem messages are cut to this many bytes. */
#define ECHO_MAX 80
/* How much of a confirm step's first line its summary shows. */
#define CONFIRM_LINE_MAX 100
#define LABEL_RUNBOOK	 "opsdeck.io/runbook"

/* ---- run ids ----------------------------------------------------------- */

static bool read_all(int fd, unsigned char *p, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, p + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		got += (size_t)r;
	}
	return true;
}

/* Random bytes from the kernel: getrandom, else /dev/urandom (an old
 * kernel, a seccomp filter). GRND_NONBLOCK: a machine so fresh that the
 * pool is not ready gets /dev/urandom rather than a hang. */
static bool random_bytes(unsigned char *p, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = getrandom(p + got, n - got, GRND_NONBLOCK);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	if (got == n)
		return true;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	bool ok = read_all(fd, p, n);
	close(fd);
	return ok;
}

void plan_new_run_id(char out[48])
{
	static const char hex[] = "0123456789abcdef";
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	time_t t = ts.tv_sec;
	gmtime_r(&t, &tm);
	size_t n = strftime(out, 48, "%Y%m%d-%H%M%S-", &tm);
	unsigned char r[3];
	if (!random_bytes(r, sizeof r)) {
		/* No kernel randomness at all: the id only has to differ
		 * from another bastion's in the same second, which the
		 * clock's nanoseconds and the pid still make likely. */
		unsigned long x =
		    (unsigned long)ts.tv_nsec ^ ((unsigned long)getpid() << 9);
		r[0] = (unsigned char)x;
		r[1] = (unsigned char)(x >> 8);
		r[2] = (unsigned char)(x >> 16);
	}
	for (size_t i = 0; i < sizeof r && n + 2 < 48; i++) {
		out[n++] = hex[r[i] >> 4];
		out[n++] = hex[r[i] & 15];
	}
	out[n] = '\0';
}

/* ---- checks on rendered values ----------------------------------------- */

/* A Service port: a number 1..65535 or a port name (IANA service name:
 * at most 15 lowercase letters, digits and '-', with a letter). */
static bool valid_port(const char *s)
{
	long n;
	if (str_to_long(s, 1, 65535, &n))
		return true;
	size_t len = strlen(s);
	if (len > 15 || !kube_valid_label(s, len))
		return false;
	for (size_t i = 0; i < len; i++)
		if (islower((unsigned char)s[i]))
			return true;
	return false;
}

/* An HTTP header name (RFC 9110 token). */
static bool valid_header_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) &&
		    !strchr("!#$%&'*+-.^_`|~", *s))
			return false;
	return true;
}

/* An environment variable name as runbooks allow them. */
static bool valid_env_name(const char *s)
{
	if (!(isupper((unsigned char)*s) || *s == '_'))
		return false;
	for (; *s; s++)
		if (!isupper((unsigned char)*s) &&
		    !isdigit((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

/* A byte a URL or header value must not hold as it is. */
static bool is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/* Whether a path segment is "." or "..", also percent-encoded: curl (and
 * the API server) would resolve it and climb out of the service proxy's
 * path to some other API. */
static bool dot_segment(const char *s, size_t n)
{
	size_t dots = 0;
	for (size_t i = 0; i < n;) {
		if (s[i] == '.') {
			i++;
		} else if (i + 3 <= n && s[i] == '%' && s[i + 1] == '2' &&
			   (s[i + 2] == 'e' || s[i + 2] == 'E')) {
			i += 3;
		} else {
			return false;
		}
		dots++;
	}
	return dots == 1 || dots == 2;
}

/* ---- building ---------------------------------------------------------- */

struct ctx {
	struct plan *p;
	const struct runbook *rb;
	struct buf *problems;
	size_t nproblems;
	const struct rb_step *step; /* being built, or NULL */
	bool secrets_ok;	    /* rendering a script's env or a header */
	const char *why;	    /* why the lookup refused the last name */
};

static void problem(struct ctx *c, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void problem(struct ctx *c, const char *field, const char *fmt, ...)
{
	struct buf scratch = BUF_INIT;
	struct buf *out = c->problems ? c->problems : &scratch;
	va_list ap;
	buf_printf(out, "%s: ", c->rb->file ? c->rb->file : c->rb->name);
	if (c->step)
		buf_printf(out, "step %s: ", c->step->name);
	if (field)
		buf_printf(out, "%s: ", field);
	va_start(ap, fmt);
	buf_vprintf(out, fmt, ap);
	va_end(ap);
	buf_putc(out, '\n');
	buf_free(&scratch);
	c->nproblems++;
}

/* A rendered value for a message: quoted, one safe line, cut short. Only
 * for fields no secret can reach. */
static char *quoted(const char *s)
{
	struct buf b = BUF_INIT;
	size_t n = strlen(s), cut = n;
	if (cut > ECHO_MAX) {
		cut = ECHO_MAX;
		while (cut && ((unsigned char)s[cut] & 0xc0) == 0x80)
			cut--;
	}
	buf_putc(&b, '"');
	sanitize_append(&b, s, cut, 0);
	buf_puts(&b, cut < n ? "\"..." : "\"");
	return buf_detach(&b);
}

static const char *lookup_var(struct ctx *c, const char *name)
{
	const struct rb_var *v = runbook_var(c->rb, name);
	if (!v)
		return NULL;
	if (v->type == RB_VAR_SECRET && !c->secrets_ok) {
		c->why = "a secret may only go to a script step's env or an "
			 "http-check's headers";
		return NULL;
	}
	/* A declared variable nobody gave a value (not required, no
	 * default) is empty. */
	const char *value = rb_values_get(&c->p->values, name);
	return value ? value : "";
}

/* The names of runbook.h's list. */
static const char *lookup(void *arg, const char *name)
{
	struct ctx *c = arg;
	const struct plan *p = c->p;
	const struct model_cell *cell = p->cell;
	c->why = NULL;
	if (!strcmp(name, "env.name"))
		return p->env->name;
	if (!strcmp(name, "env.short"))
		return p->env->short_;
	if (!strcmp(name, "env.cluster"))
		return p->env->cluster;
	if (!strcmp(name, "run.id"))
		return p->run_id;
	if (!strcmp(name, "run.operator"))
		return p->operator_;
	if (!strcmp(name, "runbook.name"))
		return p->rb->name;
	if (!strcmp(name, "commit"))
		return p->commit;
	if (str_has_prefix(name, "vars."))
		return lookup_var(c, name + 5);

	bool of_tenant =
	    !strcmp(name, "tenant.name") || !strcmp(name, "tenant.title");
	bool of_cell = !strcmp(name, "service.name") ||
		       !strcmp(name, "cell.namespace") ||
		       !strcmp(name, "cell.workload");
	if (!of_tenant && !of_cell)
		return NULL;
	if (!cell) {
		c->why = "only cell runbooks have it";
		return NULL;
	}
	if (of_tenant && !cell->tenant) {
		c->why = "the service has no tenants";
		return NULL;
	}
	if (!strcmp(name, "tenant.name"))
		return cell->tenant->name;
	if (!strcmp(name, "tenant.title"))
		return cell->tenant->title ? cell->tenant->title
					   : cell->tenant->name;
	if (!strcmp(name, "service.name"))
		return cell->service->name;
	if (!strcmp(name, "cell.namespace"))
		return cell->namespace_;
	return cell->workload;
}

/* Render a template (NULL with a problem on failure). */
static char *render(struct ctx *c, const char *field, const char *tmpl,
		    unsigned flags, bool secrets_ok)
{
	struct buf out = BUF_SECRET;
	struct err e = {0};
	size_t off = 0;
	c->secrets_ok = secrets_ok;
	c->why = NULL;
	enum status st = tmpl_render(tmpl, lookup, c, flags, &out, &off, &e);
	c->secrets_ok = false;
	if (st != ST_OK) {
		if (c->why)
			problem(c, field, "%s: %s", e.msg, c->why);
		else
			problem(c, field, "%s", e.msg);
		return NULL;
	}
	return buf_detach(&out);
}

static void set_str(char **dst, const char *s)
{
	free(*dst);
	*dst = xstrdup(s);
}

static void access_add(struct vec *v, const char *verb, const char *group,
		       const char *resource, const char *sub, const char *ns,
		       const char *name, char *why)
{
	struct plan_access *a = xcalloc(1, sizeof *a);
	a->verb = xstrdup(verb);
	a->group = xstrdup(group);
	a->resource = xstrdup(resource);
	a->subresource = xstrdup(sub ? sub : "");
	a->namespace_ = xstrdup(ns ? ns : "");
	a->name = xstrdup(name ? name : "");
	a->why = why; /* taken */
	vec_push(v, a);
}

/* A permission of step ps: why = "step NAME: what". */
static void step_access(struct plan_step *ps, const char *verb,
			const char *group, const char *resource,
			const char *sub, const char *ns, const char *name,
			const char *what)
{
	access_add(&ps->access, verb, group, resource, sub, ns, name,
		   str_printf("step %s: %s", ps->step->name, what));
}

/* Take ns (malloc'd) as where the step acts, once it is checked. */
static bool set_namespace(struct ctx *c, struct plan_step *ps, char *ns)
{
	if (!kube_valid_label(ns, strlen(ns))) {
		char *q = quoted(ns);
		problem(c, "namespace",
			"%s is not a namespace name (lowercase letters, "
			"digits and '-', at most 63)",
			q);
		free(q);
		free(ns);
		return false;
	}
	free(ps->namespace_);
	ps->namespace_ = ns;
	return true;
}

/* Where the step acts: its namespace: template, else the cell's. */
static bool step_namespace(struct ctx *c, struct plan_step *ps)
{
	const struct rb_step *s = c->step;
	char *ns;
	if (s->namespace_) {
		ns = render(c, "namespace", s->namespace_, 0, false);
		if (!ns)
			return false;
	} else if (c->p->cell) {
		ns = xstrdup(c->p->cell->namespace_);
	} else {
		problem(c, "namespace", "required in an environment runbook");
		return false;
	}
	return set_namespace(c, ps, ns);
}

/* The deployment a rollout-restart, scale or wait-rollout step works on:
 * its target: "deployment/NAME", else the cell's workload. */
static bool step_deployment(struct ctx *c, struct plan_step *ps)
{
	const struct rb_step *s = c->step;
	const char *action = rb_action_name(s->action);
	const struct model_cell *cell = c->p->cell;
	char *name = NULL;
	if (!s->target) {
		if (!cell) {
			problem(c, "target",
				"required in an environment runbook");
			return false;
		}
		if (cell->service->kind != KUBE_DEPLOYMENT) {
			problem(c, "target",
				"the service's workload is a %s; %s works on "
				"deployments only",
				kube_kind_name(cell->service->kind), action);
			return false;
		}
		name = xstrdup(cell->workload);
	} else {
		char *t = render(c, "target", s->target, 0, false);
		if (!t)
			return false;
		const char *slash = strchr(t, '/');
		char *kind = slash ? xstrndup(t, (size_t)(slash - t)) : NULL;
		enum kube_kind k;
		char *q = quoted(t);
		if (!kind || !kube_kind_parse(kind, &k))
			problem(c, "target",
				"%s is not KIND/NAME (e.g. deployment/%s)", q,
				cell ? cell->workload : "NAME");
		else if (k != KUBE_DEPLOYMENT)
			problem(c, "target",
				"%s is a %s; %s works on deployments only", q,
				kube_kind_name(k), action);
		else
			name = xstrdup(slash + 1);
		free(q);
		free(kind);
		free(t);
		if (!name)
			return false;
	}
	if (!kube_valid_name(name)) {
		char *q = quoted(name);
		problem(c, "target",
			"%s is not a deployment name (lowercase letters, "
			"digits, '-' and '.')",
			q);
		free(q);
		free(name);
		return false;
	}
	set_str(&ps->kind, "deployment");
	free(ps->name);
	ps->name = name;
	return true;
}

/* "15m", "1h30m", "90s" -> "1m30s". */
static void put_duration(struct buf *b, long s)
{
	if (s <= 0) {
		buf_puts(b, "0s");
		return;
	}
	if (s >= 3600)
		buf_printf(b, "%ldh", s / 3600);
	if (s % 3600 >= 60)
		buf_printf(b, "%ldm", s % 3600 / 60);
	if (s % 60)
		buf_printf(b, "%lds", s % 60);
}

static void build_rollout(struct ctx *c, struct plan_step *ps)
{
	const struct rb_step *s = c->step;
	bool ok = step_namespace(c, ps);
	ok = step_deployment(c, ps) && ok;
	if (s->action == RB_ACTION_SCALE) {
		char *r = s->replicas
			      ? render(c, "replicas", s->replicas, 0, false)
			      : NULL;
		if (!s->replicas)
			problem(c, "replicas", "required");
		if (r && !str_to_long(r, 0, REPLICAS_MAX, &ps->replicas)) {
			char *q = quoted(r);
			problem(c, "replicas",
				"%s is not an integer from 0 to %d", q,
				REPLICAS_MAX);
			free(q);
			ok = false;
		}
		ok = ok && r != NULL;
		free(r);
	}
	if (!ok)
		return;

	const char *ns = ps->namespace_, *name = ps->name;
	struct buf b = BUF_INIT;
	buf_printf(&b, "%s deployment/%s in %s", rb_action_name(s->action),
		   name, ns);
	switch (s->action) {
	case RB_ACTION_ROLLOUT_RESTART:
		step_access(ps, "get", "apps", "deployments", NULL, ns, name,
			    "read the deployment (a paused one is refused)");
		step_access(ps, "patch", "apps", "deployments", NULL, ns, name,
			    "set the deployment's restartedAt annotation");
		break;
	case RB_ACTION_SCALE:
		buf_printf(&b, " to %ld", ps->replicas);
		step_access(ps, "get", "apps", "deployments", NULL, ns, name,
			    "read the deployment");
		step_access(ps, "patch", "apps", "deployments", "scale", ns,
			    name, "set the deployment's replicas");
		break;
	default: /* wait-rollout */
		step_access(ps, "get", "apps", "deployments", NULL, ns, name,
			    "read the rollout");
		step_access(ps, "list", "apps", "deployments", NULL, ns, name,
			    "watch the rollout");
		step_access(ps, "watch", "apps", "deployments", NULL, ns, name,
			    "watch the rollout");
		break;
	}
	ps->summary = buf_detach(&b);
}

static void build_health(struct ctx *c, struct plan_step *ps)
{
	const struct rb_step *s = c->step;
	if (!s->cluster_wide && !step_namespace(c, ps))
		return;
	const char *ns = ps->namespace_; /* "" = every namespace */
	struct buf b = BUF_INIT;
	if (s->cluster_wide)
		buf_printf(&b,
			   "health-check cluster %s (not-ready nodes ≤ %ld, ",
			   c->p->cluster, s->max_not_ready_nodes);
	else
		buf_printf(&b, "health-check namespace %s (", ns);
	buf_printf(&b, "unhealthy pods ≤ %ld, warnings ",
		   s->max_unhealthy_pods);
	if (s->max_warnings >= 0)
		buf_printf(&b, "≤ %ld ", s->max_warnings);
	buf_puts(&b, "since ");
	put_duration(&b, s->warnings_since_s);
	buf_putc(&b, ')');
	ps->summary = buf_detach(&b);

	if (s->cluster_wide)
		step_access(ps, "list", "", "nodes", NULL, "", NULL,
			    "find nodes that are not Ready");
	step_access(ps, "list", "", "pods", NULL, ns, NULL,
		    "find pods that are not healthy");
	step_access(ps, "list", "", "events", NULL, ns, NULL,
		    "find recent Warning events");
}

/* obj[key] as an object, added when absent; NULL (with a problem) when
 * it is something else. what names it in the message. */
static json_t *object_at(struct ctx *c, json_t *obj, const char *key,
			 const char *what)
{
	json_t *v = json_object_get(obj, key);
	if (!v) {
		v = json_object();
		json_object_set_new(obj, key, v);
	} else if (!json_is_object(v)) {
		problem(c, "manifest", "%s: the Job's %s is not a mapping",
			c->step->manifest, what);
		return NULL;
	}
	return v;
}

static void job_labels(json_t *labels, const char *run_id, const char *rb)
{
	json_object_set_new(labels, STORE_LABEL_MANAGED,
			    json_string("opsdeck"));
	json_object_set_new(labels, STORE_LABEL_RUN, json_string(run_id));
	json_object_set_new(labels, LABEL_RUNBOOK, json_string(rb));
}

/* Check the loaded manifest is one batch/v1 Job and make it the run's:
 * its namespace the step's, labels naming the run, a name. */
static bool job_prepare(struct ctx *c, struct plan_step *ps, json_t *job)
{
	const char *file = c->step->manifest;
	const char *api = json_string_value(json_object_get(job, "apiVersion"));
	const char *kind = json_string_value(json_object_get(job, "kind"));
	if (!json_is_object(job) || !api || !kind || strcmp(api, "batch/v1") ||
	    strcmp(kind, "Job")) {
		problem(c, "manifest", "%s is not a batch/v1 Job", file);
		return false;
	}
	json_t *meta = object_at(c, job, "metadata", "metadata");
	json_t *spec = object_at(c, job, "spec", "spec");
	json_t *tmpl = spec ? json_object_get(spec, "template") : NULL;
	if (spec && !json_is_object(tmpl)) {
		problem(c, "manifest", "%s: the Job has no spec.template",
			file);
		return false;
	}
	json_t *tmeta =
	    tmpl ? object_at(c, tmpl, "metadata", "spec.template.metadata")
		 : NULL;
	if (!meta || !tmeta)
		return false;
	json_t *labels = object_at(c, meta, "labels", "metadata.labels");
	json_t *tlabels =
	    object_at(c, tmeta, "labels", "spec.template.metadata.labels");
	if (!labels || !tlabels)
		return false;

	json_t *name = json_object_get(meta, "name");
	json_t *gen = json_object_get(meta, "generateName");
	if ((name && !json_is_string(name)) || (gen && !json_is_string(gen))) {
		problem(c, "manifest",
			"%s: the Job's metadata.name and generateName must be "
			"strings",
			file);
		return false;
	}
	if (name && !kube_valid_name(json_string_value(name))) {
		char *q = quoted(json_string_value(name));
		problem(c, "manifest",
			"%s: the Job's name %s is not an object name "
			"(lowercase letters, digits, '-' and '.')",
			file, q);
		free(q);
		return false;
	}
	if (!name && !gen) {
		char *g = str_printf("%s-", c->rb->name);
		json_object_set_new(meta, "generateName", json_string(g));
		free(g);
	}
	json_object_set_new(meta, "namespace", json_string(ps->namespace_));
	job_labels(labels, c->p->run_id, c->rb->name);
	job_labels(tlabels, c->p->run_id, c->rb->name);
	if (name)
		set_str(&ps->name, json_string_value(name));
	return true;
}

static void build_job(struct ctx *c, struct plan_step *ps)
{
	const struct rb_step *s = c->step;
	/* An environment runbook's Job may say its namespace itself
	 * (runbook.c allows leaving out the step's namespace: then). */
	bool ns_from_job = !s->namespace_ && !c->p->cell;
	bool ok = ns_from_job || step_namespace(c, ps);
	if (!s->manifest || !s->content) {
		problem(c, "manifest", "%s was not read",
			s->manifest ? s->manifest : "the manifest");
		return;
	}
	if (strlen(s->content) != s->content_len) {
		problem(c, "manifest", "%s holds a NUL byte", s->manifest);
		return;
	}
	char *text = render(c, "manifest", s->content, TMPL_YAML_SCALAR, false);
	if (!text || !ok) {
		free(text);
		return;
	}
	struct yaml_opts o = {.flags = YAML_ONE_DOC};
	struct err e = {0};
	json_t *job =
	    yaml_load_ex(s->manifest, text, strlen(text), &o, NULL, &e);
	free(text);
	if (!job) {
		char *msg = sanitize_dup(e.msg, 0);
		problem(c, "manifest", "%s", msg);
		free(msg);
		return;
	}
	if (ns_from_job) {
		const char *ns = json_string_value(json_object_get(
		    json_object_get(job, "metadata"), "namespace"));
		if (!ns)
			problem(c, "namespace",
				"required in an environment runbook when the "
				"Job's metadata.namespace is not set");
		if (!ns || !set_namespace(c, ps, xstrdup(ns))) {
			json_decref(job);
			return;
		}
	}
	if (!job_prepare(c, ps, job)) {
		json_decref(job);
		return;
	}
	ps->job = job;
	set_str(&ps->kind, "job");

	const char *ns = ps->namespace_, *name = ps->name;
	struct buf b = BUF_INIT;
	buf_printf(&b, "run-job from %s in %s", s->manifest, ns);
	if (*name)
		buf_printf(&b, " (job %s)", name);
	ps->summary = buf_detach(&b);

	step_access(ps, "create", "batch", "jobs", NULL, ns, NULL,
		    "create the Job");
	step_access(ps, "get", "batch", "jobs", NULL, ns, name,
		    "follow the Job");
	step_access(ps, "list", "batch", "jobs", NULL, ns, NULL,
		    "follow the Job");
	step_access(ps, "watch", "batch", "jobs", NULL, ns, NULL,
		    "follow the Job");
	step_access(ps, "list", "", "pods", NULL, ns, NULL,
		    "find the Job's pods");
	step_access(ps, "watch", "", "pods", NULL, ns, NULL,
		    "find the Job's pods");
	step_access(ps, "get", "", "pods", "log", ns, NULL,
		    "stream the Job's logs");
}

/* Render a pair list into "NAME<sep>value" strings (NULL-terminated),
 * secrets allowed. The values are never echoed: a header or env value
 * may be a secret. */
static char **render_pairs(struct ctx *c, const struct vec *pairs, bool headers)
{
	char **out = xcalloc(pairs->len + 1, sizeof *out);
	size_t n = 0;
	for (size_t i = 0; i < pairs->len; i++) {
		const struct rb_pair *pr = pairs->items[i];
		char *field =
		    str_printf("%s %s", headers ? "header" : "env", pr->name);
		bool name_ok = headers ? valid_header_name(pr->name)
				       : valid_env_name(pr->name);
		char *v = render(c, field, pr->value, 0, true);
		if (!name_ok)
			problem(c, field, "not a valid %s name",
				headers ? "header" : "environment variable");
		bool value_ok = true;
		for (const char *s = v; headers && s && *s; s++)
			if (is_ctl((unsigned char)*s) && *s != '\t')
				value_ok = false;
		if (!value_ok)
			problem(c, field,
				"the value holds a line break or another "
				"control character");
		if (v && name_ok && value_ok) {
			struct buf b = BUF_SECRET;
			buf_puts(&b, pr->name);
			buf_puts(&b, headers ? ": " : "=");
			buf_puts(&b, v);
			out[n++] = buf_detach(&b);
		}
		xfree_wiped(v);
		free(field);
	}
	return out;
}

static bool check_url(struct ctx *c, const char *url)
{
	const char *rest = NULL;
	if (!strncasecmp(url, "http://", 7))
		rest = url + 7;
	else if (!strncasecmp(url, "https://", 8))
		rest = url + 8;
	const char *bad = NULL;
	if (!rest)
		bad = "is not an http:// or https:// URL";
	else if (!*rest || *rest == '/' || *rest == '?' || *rest == '#')
		bad = "has no host";
	for (const char *s = url; !bad && *s; s++)
		if (is_ctl((unsigned char)*s) || *s == ' ')
			bad = "holds a space or a control character "
			      "(percent-encode it)";
	if (bad) {
		char *q = quoted(url);
		problem(c, "url", "%s %s", q, bad);
		free(q);
	}
	return !bad;
}

/* The path after the service proxy: starts with '/', no dot segments,
 * nothing a request line cannot carry. */
static bool check_proxy_path(struct ctx *c, const char *path)
{
	const char *bad = NULL;
	size_t end = strcspn(path, "?");
	for (const char *s = path; !bad && *s; s++)
		if (is_ctl((unsigned char)*s) || *s == ' ' || *s == '#')
			bad = "holds a space, '#' or a control character";
	for (size_t i = 0; !bad && i < end;) {
		size_t n = strcspn(path + i, "/?");
		if (n > end - i)
			n = end - i;
		if (dot_segment(path + i, n))
			bad = "has a '.' or '..' segment";
		i += n + 1;
	}
	if (bad) {
		char *q = quoted(path);
		problem(c, "path", "%s %s", q, bad);
		free(q);
	}
	return !bad;
}

static void build_http(struct ctx *c, struct plan_step *ps)
{
	const struct rb_step *s = c->step;
	struct buf b = BUF_INIT;
	bool ok = true;
	ps->headers = render_pairs(c, &s->headers, true);
	if (s->url) {
		char *url = render(c, "url", s->url, 0, false);
		if (url && check_url(c, url)) {
			ps->url = url;
			buf_printf(&b, "http-check GET %s", url);
		} else {
			free(url);
			ok = false;
		}
	} else if (s->service) {
		ok = step_namespace(c, ps);
		char *svc = render(c, "service", s->service, 0, false);
		char *port =
		    s->port ? render(c, "port", s->port, 0, false) : NULL;
		char *path = s->path ? render(c, "path", s->path, 0, false)
				     : xstrdup("/");
		if (svc && !kube_valid_label(svc, strlen(svc))) {
			char *q = quoted(svc);
			problem(c, "service", "%s is not a service name", q);
			free(q);
			ok = false;
		}
		if (port && !valid_port(port)) {
			char *q = quoted(port);
			problem(c, "port",
				"%s is not a port number or port name", q);
			free(q);
			ok = false;
		}
		ok = ok && svc && (port || !s->port) && path &&
		     check_proxy_path(c, path);
		if (ok) {
			/* The API server authorizes the proxy by the path's
			 * name segment, "NAME" or "NAME:PORT". */
			char *seg = port ? str_printf("%s:%s", svc, port)
					 : xstrdup(svc);
			const char *slash = path[0] == '/' ? "" : "/";
			ps->url = str_printf(
			    "/api/v1/namespaces/%s/services/%s/proxy%s%s",
			    ps->namespace_, seg, slash, path);
			ps->via_proxy = true;
			set_str(&ps->kind, "service");
			set_str(&ps->name, svc);
			buf_printf(&b,
				   "http-check GET service %s%s%s in %s via "
				   "the API proxy",
				   seg, slash, path, ps->namespace_);
			step_access(ps, "get", "", "services", "proxy",
				    ps->namespace_, seg,
				    "GET through the service proxy");
			free(seg);
		}
		free(svc);
		free(port);
		free(path);
	} else {
		problem(c, NULL, "an http-check needs a url or a service");
		ok = false;
	}
	if (!ok) {
		buf_free(&b);
		return;
	}
	buf_printf(&b, " (expect %ld", s->expect_status);
	if (s->expect_body) {
		buf_puts(&b, ", body containing \"");
		sanitize_append(&b, s->expect_body, strlen(s->expect_body), 0);
		buf_putc(&b, '"');
	}
	buf_putc(&b, ')');
	ps->summary = buf_detach(&b);
}

static void build_confirm(struct ctx *c, struct plan_step *ps)
{
	const struct rb_step *s = c->step;
	if (!s->instructions) {
		problem(c, "instructions", "required");
		return;
	}
	char *text = render(c, "instructions", s->instructions, 0, false);
	if (!text)
		return;
	ps->instructions = text;

	/* The summary shows the first line that says something. */
	const char *line = text;
	while (*line && isspace((unsigned char)*line))
		line++;
	size_t n = strcspn(line, "\r\n"), cut = n;
	while (cut && isspace((unsigned char)line[cut - 1]))
		cut--;
	if (cut > CONFIRM_LINE_MAX) {
		cut = CONFIRM_LINE_MAX;
		while (cut && ((unsigned char)line[cut] & 0xc0) == 0x80)
			cut--;
	}
	struct buf b = BUF_INIT;
	buf_puts(&b, "confirm: ");
	buf_append(&b, line, cut);
	if (cut < n || line[n])
		buf_puts(&b, " ...");
	ps->summary = buf_detach(&b);
}

static void build_script(struct ctx *c, struct plan_step *ps)
{
	const struct rb_step *s = c->step;
	if (!s->script) {
		problem(c, "file", "required");
		return;
	}
	ps->env = render_pairs(c, &s->env, false);
	struct buf b = BUF_INIT;
	buf_printf(&b, "script %s", s->script);
	/* Names only: a value may be a secret. */
	for (size_t i = 0; i < s->env.len; i++) {
		const struct rb_pair *pr = s->env.items[i];
		buf_puts(&b, i ? ", " : " (env ");
		buf_puts(&b, pr->name);
	}
	if (s->env.len)
		buf_putc(&b, ')');
	ps->summary = buf_detach(&b);
}

static void build_step(struct ctx *c, struct plan_step *ps)
{
	switch (c->step->action) {
	case RB_ACTION_ROLLOUT_RESTART:
	case RB_ACTION_SCALE:
	case RB_ACTION_WAIT_ROLLOUT:
		build_rollout(c, ps);
		break;
	case RB_ACTION_HEALTH_CHECK:
		build_health(c, ps);
		break;
	case RB_ACTION_RUN_JOB:
		build_job(c, ps);
		break;
	case RB_ACTION_HTTP_CHECK:
		build_http(c, ps);
		break;
	case RB_ACTION_CONFIRM:
		build_confirm(c, ps);
		break;
	case RB_ACTION_SCRIPT:
		build_script(c, ps);
		break;
	default:
		problem(c, "action", "unknown action %d", (int)c->step->action);
		break;
	}
}

/* The steps that change objects, on which the engine posts Events. */
static bool step_touches(enum rb_action a)
{
	return a == RB_ACTION_ROLLOUT_RESTART || a == RB_ACTION_SCALE ||
	       a == RB_ACTION_RUN_JOB;
}

/* What the run itself needs, beyond its steps. */
static void run_access(struct plan *p)
{
	char *rec = str_printf("run-%s", p->run_id);
	access_add(&p->access, "create", "", "configmaps", NULL, RUN_NAMESPACE,
		   NULL, xstrdup("run record"));
	access_add(&p->access, "patch", "", "configmaps", NULL, RUN_NAMESPACE,
		   rec, xstrdup("run record"));
	access_add(&p->access, "get", "", "configmaps", NULL, RUN_NAMESPACE,
		   rec, xstrdup("run record"));
	free(rec);
	if (p->once_key)
		access_add(&p->access, "create", "", "configmaps", NULL,
			   RUN_NAMESPACE, NULL, xstrdup("once-key"));
	if (p->gate == APPROVAL_SECOND_PERSON) {
		access_add(&p->access, "list", "", "configmaps", NULL,
			   RUN_NAMESPACE, NULL,
			   xstrdup("waiting for the approval"));
		access_add(&p->access, "watch", "", "configmaps", NULL,
			   RUN_NAMESPACE, NULL,
			   xstrdup("waiting for the approval"));
	}

	struct map seen = MAP_INIT;
	for (size_t i = 0; i < p->steps.len; i++) {
		const struct plan_step *ps = p->steps.items[i];
		if (!step_touches(ps->step->action) || !*ps->namespace_ ||
		    map_has(&seen, ps->namespace_))
			continue;
		map_put(&seen, ps->namespace_, (void *)ps);
		access_add(&p->access, "create", "", "events", NULL,
			   ps->namespace_, NULL,
			   xstrdup("audit events on the objects the steps "
				   "touch"));
	}
	map_free(&seen, NULL);
}

/* A run id given by the caller must be usable in object names. */
static bool valid_run_id(const char *s)
{
	size_t n = strlen(s);
	if (!n || n > 47)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!islower((unsigned char)s[i]) &&
		    !isdigit((unsigned char)s[i]) && s[i] != '-')
			return false;
	return true;
}

static void check_binding(struct ctx *c)
{
	const struct plan *p = c->p;
	const struct runbook *rb = c->rb;
	if (rb->scope == RB_SCOPE_CELL && !p->cell)
		problem(c, NULL,
			"%s runs on a service in an environment: no cell given",
			rb->name);
	if (rb->scope == RB_SCOPE_ENV && p->cell)
		problem(c, NULL,
			"%s runs on a whole environment, not on cell %s",
			rb->name, p->cell->key);
	if (p->cell && p->cell->env != p->env)
		problem(c, NULL, "cell %s is not in environment %s",
			p->cell->key, p->env->name);
	if (!runbook_applies_env(rb, p->env))
		problem(c, NULL, "%s does not apply to environment %s",
			rb->name, p->env->name);
	else if (rb->scope == RB_SCOPE_CELL && p->cell &&
		 !runbook_applies_cell(rb, p->cell))
		problem(c, NULL, "%s does not apply to %s", rb->name,
			p->cell->key);
	if (!*p->operator_)
		problem(c, NULL, "the operator's identity is not known");

	struct vec missing = VEC_INIT;
	rb_values_missing(rb, &p->values, &missing);
	if (missing.len) {
		struct buf b = BUF_INIT;
		for (size_t i = 0; i < missing.len; i++) {
			const struct rb_var *v = missing.items[i];
			buf_printf(&b, "%s%s", i ? ", " : "", v->name);
		}
		problem(c, NULL, "missing required variables: %s", buf_str(&b));
		buf_free(&b);
	}
	vec_free(&missing, NULL);
}

enum status plan_build(const struct runbook *rb, const char *commit,
		       const struct model_env *env,
		       const struct model_cell *cell, struct rb_values *values,
		       const char *run_id, const struct kube_identity *op,
		       struct plan **out, struct buf *problems)
{
	struct plan *p = xcalloc(1, sizeof *p);
	*out = NULL;
	if (values) {
		p->values = *values;
		memset(values, 0, sizeof *values);
	}
	if (!rb || !env) {
		if (problems)
			buf_puts(problems, "a plan needs a runbook and an "
					   "environment\n");
		plan_free(p);
		return ST_ERR_INVALID;
	}
	p->rb = rb;
	p->env = env;
	p->cell = cell;
	str_copy(p->commit, sizeof p->commit, commit ? commit : "");
	p->cluster = env->cluster;
	p->namespace_ = xstrdup(cell ? cell->namespace_ : "");
	p->operator_ = xstrdup(op && op->username ? op->username : "");
	for (size_t i = 0; op && op->groups && i < op->ngroups; i++)
		if (op->groups[i])
			vec_push(&p->operator_groups, xstrdup(op->groups[i]));
	p->gate = runbook_gate(rb, env);

	struct ctx c = {.p = p, .rb = rb, .problems = problems};
	if (run_id && *run_id) {
		if (valid_run_id(run_id)) {
			str_copy(p->run_id, sizeof p->run_id, run_id);
		} else {
			char *q = quoted(run_id);
			problem(&c, NULL,
				"run id %s is not lowercase letters, digits "
				"and '-' (at most 47)",
				q);
			free(q);
		}
	} else {
		plan_new_run_id(p->run_id);
	}
	check_binding(&c);

	if (rb->once_key) {
		p->once_key = render(&c, "once-key", rb->once_key, 0, false);
		if (p->once_key && !*p->once_key)
			problem(&c, "once-key", "renders as an empty string");
	}
	for (size_t i = 0; i < rb->steps.len; i++) {
		struct plan_step *ps = xcalloc(1, sizeof *ps);
		ps->step = rb->steps.items[i];
		ps->index = i;
		ps->replicas = -1;
		ps->namespace_ = xstrdup("");
		ps->kind = xstrdup("");
		ps->name = xstrdup("");
		vec_push(&p->steps, ps);
		c.step = ps->step;
		size_t before = c.nproblems;
		build_step(&c, ps);
		/* Every failure path says why; one that did not would leave
		 * a step without its summary, so say that much at least. */
		if (!ps->summary && c.nproblems == before)
			problem(&c, NULL, "could not be planned");
		if (!ps->summary)
			ps->summary = xstrdup(rb_action_name(ps->step->action));
		c.step = NULL;
	}
	if (!rb->steps.len)
		problem(&c, NULL, "the runbook has no steps");
	run_access(p);

	if (c.nproblems) {
		plan_free(p);
		return ST_ERR_INVALID;
	}
	*out = p;
	return ST_OK;
}

/* ---- freeing ------------------------------------------------------------ */

static void access_free(void *x)
{
	struct plan_access *a = x;
	free(a->verb);
	free(a->group);
	free(a->resource);
	free(a->subresource);
	free(a->namespace_);
	free(a->name);
	free(a->why);
	free(a);
}

/* Header and env lists may hold secrets: wiped, not only freed. */
static void wipe_list(char **l)
{
	for (char **s = l; s && *s; s++)
		xfree_wiped(*s);
	free(l);
}

static void step_free(void *x)
{
	struct plan_step *ps = x;
	free(ps->summary);
	free(ps->namespace_);
	free(ps->kind);
	free(ps->name);
	json_decref(ps->job);
	free(ps->url);
	wipe_list(ps->headers);
	free(ps->instructions);
	wipe_list(ps->env);
	vec_free(&ps->access, access_free);
	free(ps);
}

void plan_free(struct plan *p)
{
	if (!p)
		return;
	vec_free(&p->steps, step_free);
	vec_free(&p->access, access_free);
	vec_free(&p->operator_groups, free);
	free(p->namespace_);
	free(p->operator_);
	free(p->once_key);
	rb_values_free(&p->values);
	free(p);
}

/* ---- reading ------------------------------------------------------------ */

static void add_unique(struct map *seen, struct buf *key, struct vec *out,
		       const struct vec *from)
{
	for (size_t i = 0; i < from->len; i++) {
		struct plan_access *a = from->items[i];
		buf_clear(key);
		/* '\n' never occurs in any of the fields (all are names). */
		buf_printf(key, "%s\n%s\n%s\n%s\n%s\n%s", a->verb, a->group,
			   a->resource, a->subresource, a->namespace_, a->name);
		if (map_has(seen, buf_str(key)))
			continue;
		map_put(seen, buf_str(key), a);
		vec_push(out, a);
	}
}

void plan_permissions(const struct plan *p, struct vec *out)
{
	struct map seen = MAP_INIT;
	struct buf key = BUF_INIT;
	add_unique(&seen, &key, out, &p->access);
	for (size_t i = 0; i < p->steps.len; i++) {
		const struct plan_step *ps = p->steps.items[i];
		add_unique(&seen, &key, out, &ps->access);
	}
	buf_free(&key);
	map_free(&seen, NULL);
}

/* A JSON string that exists even for bytes that are not UTF-8 (they are
 * spelled out rather than the field silently dropped); null for NULL. */
static json_t *jstr(const char *s)
{
	if (!s)
		return json_null();
	json_t *v = json_string(s);
	if (v)
		return v;
	char *t = sanitize_dup(s, SAN_KEEP_TAB | SAN_KEEP_NL);
	v = json_string(t);
	free(t);
	return v ? v : json_string("");
}

/* "" as null. */
static json_t *jstr_opt(const char *s)
{
	return s && *s ? jstr(s) : json_null();
}

json_t *plan_json(const struct plan *p)
{
	const struct runbook *rb = p->rb;
	const struct model_cell *cell = p->cell;
	json_t *j = json_object();
	json_object_set_new(j, "runId", jstr(p->run_id));
	json_object_set_new(j, "runbook", jstr(rb->name));
	json_object_set_new(j, "title", jstr(rb->title));
	json_object_set_new(
	    j, "scope",
	    json_string(rb->scope == RB_SCOPE_CELL ? "cell" : "environment"));
	json_object_set_new(j, "file", jstr(rb->file));
	json_object_set_new(j, "blob", jstr_opt(rb->blob));
	json_object_set_new(j, "commit", jstr_opt(p->commit));
	json_object_set_new(j, "environment", jstr(p->env->name));
	json_object_set_new(j, "cluster", jstr(p->cluster));
	json_object_set_new(j, "namespace", jstr_opt(p->namespace_));
	json_object_set_new(
	    j, "tenant",
	    jstr(cell && cell->tenant ? cell->tenant->name : NULL));
	json_object_set_new(j, "service",
			    jstr(cell ? cell->service->name : NULL));

	json_t *op = json_object(), *groups = json_array();
	for (size_t i = 0; i < p->operator_groups.len; i++)
		json_array_append_new(groups,
				      jstr(p->operator_groups.items[i]));
	json_object_set_new(op, "username", jstr(p->operator_));
	json_object_set_new(op, "groups", groups);
	json_object_set_new(j, "operator", op);
	json_object_set_new(j, "gate", json_string(approval_name(p->gate)));
	json_object_set_new(j, "onceKey", jstr(p->once_key));
	json_object_set_new(j, "variables", rb_values_masked(&p->values));

	json_t *steps = json_array();
	for (size_t i = 0; i < p->steps.len; i++) {
		const struct plan_step *ps = p->steps.items[i];
		const struct rb_step *s = ps->step;
		json_t *o = json_object();
		json_object_set_new(o, "name", jstr(s->name));
		json_object_set_new(o, "action",
				    json_string(rb_action_name(s->action)));
		if (s->title)
			json_object_set_new(o, "title", jstr(s->title));
		json_object_set_new(o, "summary", jstr(ps->summary));
		if (*ps->namespace_)
			json_object_set_new(o, "namespace",
					    jstr(ps->namespace_));
		if (*ps->kind && *ps->name) {
			char *t = str_printf("%s/%s", ps->kind, ps->name);
			json_object_set_new(o, "target", jstr(t));
			free(t);
		}
		json_object_set_new(o, "timeout", json_integer(s->timeout_s));
		json_object_set_new(o, "continueOnFailure",
				    json_boolean(s->continue_on_failure));
		json_array_append_new(steps, o);
	}
	json_object_set_new(j, "steps", steps);
	return j;
}

static void text_line(struct buf *out, const char *label)
{
	buf_printf(out, "%-9s ", label);
}

/* A variable's value: one line, or a block of "| " lines for text. */
static void text_value(struct buf *out, const char *name, const char *value)
{
	if (!strchr(value, '\n')) {
		buf_printf(out, "  %s = %s\n", name, value);
		return;
	}
	buf_printf(out, "  %s =\n", name);
	for (const char *s = value; *s;) {
		size_t n = strcspn(s, "\n");
		buf_puts(out, "    | ");
		buf_append(out, s, n);
		buf_putc(out, '\n');
		s += n;
		if (*s)
			s++;
	}
}

void plan_text(const struct plan *p, struct buf *out)
{
	const struct runbook *rb = p->rb;
	const struct model_cell *cell = p->cell;

	text_line(out, "runbook");
	buf_printf(out, "%s — %s\n", rb->name, rb->title ? rb->title : "");
	text_line(out, "commit");
	buf_printf(out, "%.12s (%s", *p->commit ? p->commit : "unknown",
		   rb->file ? rb->file : rb->name);
	if (*rb->blob)
		buf_printf(out, " blob %.8s", rb->blob);
	buf_puts(out, ")\n");
	buf_printf(out, "environment %s (cluster %s", p->env->name, p->cluster);
	if (*p->namespace_)
		buf_printf(out, ", namespace %s", p->namespace_);
	buf_puts(out, ")\n");
	if (cell && cell->tenant) {
		text_line(out, "tenant");
		buf_puts(out, cell->tenant->name);
		if (cell->tenant->title)
			buf_printf(out, " (%s)", cell->tenant->title);
		buf_putc(out, '\n');
	}
	if (cell) {
		text_line(out, "service");
		buf_printf(out, "%s\n", cell->service->name);
	}
	text_line(out, "run");
	buf_printf(out, "%s\n", p->run_id);
	text_line(out, "operator");
	buf_puts(out, p->operator_);
	for (size_t i = 0; i < p->operator_groups.len; i++)
		buf_printf(out, "%s%s", i ? ", " : " (groups ",
			   (const char *)p->operator_groups.items[i]);
	buf_puts(out, p->operator_groups.len ? ")\n" : "\n");
	text_line(out, "approval");
	buf_printf(out, "%s\n", approval_name(p->gate));
	if (p->once_key) {
		/* One line even when a text variable is part of it. */
		text_line(out, "once-key");
		sanitize_append(out, p->once_key, strlen(p->once_key),
				SAN_KEEP_TAB);
		buf_putc(out, '\n');
	}

	json_t *vars = rb_values_masked(&p->values);
	if (json_object_size(vars)) {
		const char *name;
		json_t *v;
		buf_puts(out, "variables\n");
		json_object_foreach(vars, name, v)
		{
			const char *s = json_string_value(v);
			text_value(out, name, s ? s : "");
		}
	}
	json_decref(vars);

	buf_puts(out, "steps\n");
	for (size_t i = 0; i < p->steps.len; i++) {
		const struct plan_step *ps = p->steps.items[i];
		buf_printf(out, "  %zu. %s", i + 1, ps->summary);
		if (ps->step->title)
			buf_printf(out, " — %s", ps->step->title);
		if (ps->step->continue_on_failure)
			buf_puts(out, " (may fail)");
		buf_putc(out, '\n');
	}
}
