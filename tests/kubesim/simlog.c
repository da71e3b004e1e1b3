/*
 * Generated container logs: `kubectl logs`, `-f`, `--previous`,
 * `--timestamps`, `--tail`, `--since`, `--limit-bytes`, without storing a
 * single line.
 *
 * A log is a pure function of the world's seed, the pod's uid, the
 * container name, the run (restartCount while the container ran), the line
 * index and time. A run that started at S produces line i at
 * S + i / (rate * speed) wall-clock seconds, until the run ends (sim.c
 * knows when: sim_log_run / sim_log_run_n). Line i's text comes from the
 * pod's log-lines templates (cycled in order) or from a built-in mix of
 * request, warning and error lines picked by a hash of i, with {n} {ms}
 * {id} {pod} {container} {run} {ts} filled in the same way, and {env.NAME}
 * from the container's own environment (the literal `value` of its env
 * entry NAME, so a Job's pod can log what it was started with), rendered
 * as text or, with log-format json, as {"ts","level","msg"} objects.
 *
 * So a stream only remembers where it is: the run's start and end, the
 * next line index, the byte budget. sim_log_open checks the request as the
 * apiserver and the kubelet would (container name, a run to show) and
 * picks the first line from sinceSeconds/sinceTime and tailLines;
 * sim_log_read appends the lines due by now and, when following, tells the
 * caller when the next one is due. Callers hold w->mu.
 */
#include "sim_internal.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/mem.h"
#include "base/str.h"

struct sim_log {
	char *ns, *name, *uid, *container;
	char *tpl_text; /* the log-lines annotation, split in place */
	char **tpls;
	size_t ntpl;
	/* the container's env entries with a literal value, for {env.NAME}:
	 * copied, as the pod's JSON may be replaced while a stream follows */
	char **env_names, **env_values;
	size_t nenv;
	uint64_t base; /* hash of seed, uid, container and run */
	double start, end; /* the run; end 0 while it runs */
	double rate;       /* lines per wall-clock second; 0: silent */
	unsigned run;
	uint64_t next; /* the next line to send */
	uint64_t stop; /* without follow: the first line not to send */
	long left;     /* bytes still allowed; -1: no limit */
	bool follow, timestamps, json, done;
};

/* The built-in mix: mostly requests, some warnings, few errors. */
static const struct {
	const char *level, *msg;
	unsigned weight; /* per 1000 */
} mix[] = {
	{"INFO", "http: GET /api/v1/orders/{id} 200 {ms}ms", 280},
	{"INFO", "http: POST /api/v1/payments 201 {ms}ms", 150},
	{"INFO", "http: GET /api/v1/accounts/{id}/balance 200 {ms}ms", 150},
	{"INFO", "http: GET /healthz 200 1ms", 120},
	{"INFO", "worker: processed batch {n} in {ms}ms", 80},
	{"INFO", "cache: refreshed {ms} keys", 60},
	{"WARN", "db: slow query on orders took {ms}ms (request {id})", 60},
	{"WARN", "http: client closed the connection before the response (request {id})", 40},
	{"WARN", "pool: 90% of database connections in use", 20},
	{"ERROR", "payments: upstream timeout after {ms}ms (request {id})", 25},
	{"ERROR", "db: connection reset by peer, retrying (attempt {n})", 15},
};
#define MIX_LEN (sizeof mix / sizeof mix[0])
#define MIX_STARTUP "server: {pod} listening on :8080"


static const char *jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* ---- lines ---- */

static double line_time(const struct sim_log *l, uint64_t i)
{
	return l->start + (double)i / l->rate;
}

/* How many lines are due by t (never past the run's end). */
static uint64_t lines_by(const struct sim_log *l, double t)
{
	if (l->rate <= 0)
		return 0;
	if (l->end > 0 && l->end < t)
		t = l->end;
	if (t < l->start)
		return 0;
	return (uint64_t)floor((t - l->start) * l->rate) + 1;
}

/* The first line at or after t. */
static uint64_t line_at(const struct sim_log *l, double t)
{
	if (l->rate <= 0 || t <= l->start)
		return 0;
	return (uint64_t)ceil((t - l->start) * l->rate - 1e-9);
}

/* RFC 3339 with milliseconds, as application loggers write it. */
static void ts_ms(double t, char out[40])
{
	time_t sec = (time_t)t;
	struct tm tm;
	gmtime_r(&sec, &tm);
	size_t n = strftime(out, 40, "%Y-%m-%dT%H:%M:%S", &tm);
	long ms = (long)((t - (double)sec) * 1000);
	snprintf(out + n, 40 - n, ".%03ldZ", ms < 0 ? 0 : ms > 999 ? 999 : ms);
}

/* A leading level word ("ERROR", "[warn]", "Info:") -> its rank and where
 * the message after it starts. Rank 0 info, 1 warn, 2 error, -1 debug. */
static int level_of(const char *s, const char **rest)
{
	static const struct {
		const char *word;
		int rank;
	} words[] = {{"TRACE", -1}, {"DEBUG", -1}, {"INFO", 0}, {"WARNING", 1},
		     {"WARN", 1},   {"ERROR", 2},  {"ERR", 2},  {"FATAL", 2},
		     {"CRITICAL", 2}};
	const char *p = s;
	while (*p == ' ')
		p++;
	bool bracket = *p == '[';
	if (bracket)
		p++;
	size_t n = 0;
	while (isalpha((unsigned char)p[n]))
		n++;
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		if (n != strlen(words[i].word) || strncasecmp(p, words[i].word, n))
			continue;
		p += n;
		if (bracket && *p == ']')
			p++;
		if (*p == ':')
			p++;
		if (*p && *p != ' ')
			break; /* "Errors happen" is not a level */
		while (*p == ' ')
			p++;
		*rest = p;
		return words[i].rank;
	}
	*rest = s;
	return 0;
}

static const char *level_name(int rank, bool json)
{
	if (json)
		return rank < 0 ? "debug" : rank == 0 ? "info" : rank == 1 ? "warn" : "error";
	return rank < 0 ? "DEBUG" : rank == 0 ? "INFO " : rank == 1 ? "WARN " : "ERROR";
}

/* {env.NAME}: the value of the container's env entry NAME (the last one
 * wins, as in the kubelet); an unknown name, or one whose value comes
 * from elsewhere (valueFrom), is empty. A line break in the value becomes
 * a space: one template is one log line, which tailLines counts on. */
static void put_env(const struct sim_log *l, const char *name, size_t n,
		    struct buf *out)
{
	for (size_t k = l->nenv; k-- > 0;) {
		if (strlen(l->env_names[k]) != n ||
		    strncmp(l->env_names[k], name, n))
			continue;
		for (const char *v = l->env_values[k]; *v; v++)
			buf_putc(out, *v == '\n' || *v == '\r' ? ' ' : *v);
		return;
	}
}

/* Fill the placeholders of tpl for line i. */
static void expand(const struct sim_log *l, const char *tpl, uint64_t i,
		   uint64_t h, int rank, struct buf *out)
{
	uint64_t r = ks_mix64(h ^ 0x6c6f67736d730000ull);
	while (*tpl) {
		const char *open = strchr(tpl, '{');
		if (!open) {
			buf_puts(out, tpl);
			return;
		}
		buf_append(out, tpl, (size_t)(open - tpl));
		const char *close = strchr(open, '}');
		size_t n = close ? (size_t)(close - open - 1) : 0;
		const char *name = open + 1;
		char ts[40];
		if (close && n == 1 && *name == 'n') {
			buf_printf(out, "%llu", (unsigned long long)(i + 1));
		} else if (close && n == 2 && !strncmp(name, "ms", 2)) {
			/* Warnings and errors are about slow things. */
			unsigned long ms = rank > 0 ? 500 + (unsigned long)(r % 4500)
				: (r >> 32) % 20 == 0 ? 100 + (unsigned long)((r >> 8) % 900)
						      : 2 + (unsigned long)((r >> 8) % 60);
			buf_printf(out, "%lu", ms);
		} else if (close && n == 2 && !strncmp(name, "id", 2)) {
			buf_printf(out, "%08llx", (unsigned long long)(r >> 32));
		} else if (close && n == 3 && !strncmp(name, "pod", 3)) {
			buf_puts(out, l->name);
		} else if (close && n == 9 && !strncmp(name, "container", 9)) {
			buf_puts(out, l->container);
		} else if (close && n == 3 && !strncmp(name, "run", 3)) {
			buf_printf(out, "%u", l->run);
		} else if (close && n == 2 && !strncmp(name, "ts", 2)) {
			ts_ms(line_time(l, i), ts);
			buf_puts(out, ts);
		} else if (close && n > 4 && !strncmp(name, "env.", 4) &&
			   strcspn(name + 4, "{ \t") >= n - 4) {
			put_env(l, name + 4, n - 4, out);
		} else {
			/* not a placeholder: keep the brace */
			buf_putc(out, '{');
			tpl = open + 1;
			continue;
		}
		tpl = close + 1;
	}
}

static void json_escape(struct buf *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			buf_printf(out, "\\%c", c);
		else if (c == '\t')
			buf_puts(out, "\\t");
		else if (c < 0x20 || c == 0x7f)
			buf_printf(out, "\\u%04x", c);
		else
			buf_putc(out, (char)c);
	}
}

/* Line i, with its newline, appended to out. */
static void render_line(const struct sim_log *l, uint64_t i, struct buf *out)
{
	double t = line_time(l, i);
	char ts[40];
	if (l->timestamps) {
		ks_time_format(t, true, ts);
		buf_puts(out, ts);
		buf_putc(out, ' ');
	}
	uint64_t h = ks_mix64(l->base + i * 0x9e3779b97f4a7c15ull);
	struct buf msg = BUF_INIT;
	int rank = 0;
	bool prefixed = false; /* text lines get a time and level prefix */
	if (l->ntpl) {
		const char *rest;
		const char *tpl = l->tpls[i % l->ntpl];
		rank = level_of(tpl, &rest);
		expand(l, l->json ? rest : tpl, i, h, rank, &msg);
	} else {
		const char *tpl = MIX_STARTUP;
		if (i > 0) {
			unsigned pick = (unsigned)(h % 1000), acc = 0;
			size_t k = 0;
			for (; k < MIX_LEN - 1; k++) {
				acc += mix[k].weight;
				if (pick < acc)
					break;
			}
			tpl = mix[k].msg;
			rank = !strcmp(mix[k].level, "WARN") ? 1 : !strcmp(mix[k].level, "ERROR") ? 2 : 0;
		}
		expand(l, tpl, i, h, rank, &msg);
		prefixed = true;
	}
	if (l->json) {
		ts_ms(t, ts);
		buf_printf(out, "{\"ts\":\"%s\",\"level\":\"%s\",\"msg\":\"", ts,
			   level_name(rank, true));
		json_escape(out, msg.data ? msg.data : "", msg.len);
		buf_puts(out, "\"}");
	} else {
		if (prefixed) {
			ts_ms(t, ts);
			buf_printf(out, "%s %s ", ts, level_name(rank, false));
		}
		buf_append(out, msg.data ? msg.data : "", msg.len);
	}
	buf_putc(out, '\n');
	buf_free(&msg);
}

/* ---- streams ---- */

static const json_t *find_container(const json_t *list, const char *name)
{
	size_t i;
	json_t *c;
	json_array_foreach(list, i, c)
	{
		if (str_eq(jstr(c, "name"), name))
			return c;
	}
	return NULL;
}

static void names_of(const json_t *list, struct buf *out)
{
	size_t i;
	json_t *c;
	buf_putc(out, '[');
	json_array_foreach(list, i, c)
	{
		buf_printf(out, "%s%s", i ? " " : "", jstr(c, "name") ? jstr(c, "name") : "");
	}
	buf_putc(out, ']');
}

/* The apiserver's choice of container (ValidateContainer). */
static enum status pick_container(const struct ks_obj *pod, const char *want,
				  const char **out, bool *init, struct err *e)
{
	json_t *spec = json_object_get(pod->json, "spec");
	json_t *ctrs = json_object_get(spec, "containers");
	json_t *inits = json_object_get(spec, "initContainers");
	*init = false;
	if (!want) {
		if (json_array_size(ctrs) == 1) {
			*out = jstr(json_array_get(ctrs, 0), "name");
			return *out ? ST_OK : err_set(e, ST_ERR_INVALID, "a container name must be specified for pod %s", pod->name);
		}
		if (!json_array_size(ctrs))
			return err_set(e, ST_ERR_INVALID,
				       "a container name must be specified for pod %s",
				       pod->name);
		struct buf b = BUF_INIT;
		buf_printf(&b, "a container name must be specified for pod %s, choose one of: ",
			   pod->name);
		names_of(ctrs, &b);
		if (json_array_size(inits)) {
			buf_puts(&b, " or one of the init containers: ");
			names_of(inits, &b);
		}
		err_set(e, ST_ERR_INVALID, "%s", buf_str(&b));
		buf_free(&b);
		return ST_ERR_INVALID;
	}
	if (find_container(ctrs, want)) {
		*out = want;
		return ST_OK;
	}
	if (find_container(inits, want)) {
		*out = want;
		*init = true;
		return ST_OK;
	}
	return err_set(e, ST_ERR_INVALID, "container %s is not valid for pod %s",
		       want, pod->name);
}

/* The kubelet's answer for a container with no run to show. */
static enum status not_started(const struct ks_obj *pod, const char *name,
			       struct err *e)
{
	const char *reason = NULL;
	size_t i;
	json_t *cs;
	json_array_foreach(json_object_get(json_object_get(pod->json, "status"),
					   "containerStatuses"),
			   i, cs)
	{
		if (str_eq(jstr(cs, "name"), name))
			reason = jstr(json_object_get(json_object_get(cs, "state"), "waiting"),
				      "reason");
	}
	if (!reason)
		reason = "ContainerCreating";
	if (!strcmp(reason, "ErrImagePull"))
		return err_set(e, ST_ERR_INVALID,
			       "container \"%s\" in pod \"%s\" is waiting to start: image can't be pulled",
			       name, pod->name);
	if (!strcmp(reason, "ImagePullBackOff"))
		return err_set(e, ST_ERR_INVALID,
			       "container \"%s\" in pod \"%s\" is waiting to start: trying and failing to pull image",
			       name, pod->name);
	return err_set(e, ST_ERR_INVALID,
		       "container \"%s\" in pod \"%s\" is waiting to start: %s", name,
		       pod->name, reason);
}

static double ann_rate(const json_t *ann)
{
	json_t *v = json_object_get(ann, KS_ANN_LOG_RATE);
	if (json_is_number(v))
		return json_number_value(v) > 0 ? json_number_value(v) : 0;
	const char *s = json_string_value(v);
	if (!s)
		return 1;
	char *end;
	double r = strtod(s, &end);
	if (end == s || !isfinite(r) || r < 0)
		return 1;
	return r;
}

enum status sim_log_open_at(struct ks_world *w, const struct ks_obj *pod,
			    const struct ks_logq *q, double now,
			    struct sim_log **out, struct err *e)
{
	const char *name;
	bool init;
	enum status st = pick_container(pod, q->container, &name, &init, e);
	if (st != ST_OK)
		return st;
	struct sim_run run;
	bool have = sim_log_run(w, pod, q->previous, &run);
	if (!have && q->previous)
		return err_set(e, ST_ERR_INVALID,
			       "previous terminated container \"%s\" in pod \"%s\" not found",
			       name, pod->name);
	if (!have && init)
		return err_set(e, ST_ERR_INVALID,
			       "container \"%s\" in pod \"%s\" is waiting to start: PodInitializing",
			       name, pod->name);
	if (!have)
		return not_started(pod, name, e);

	json_t *ann = json_object_get(json_object_get(pod->json, "metadata"), "annotations");
	struct sim_log *l = xcalloc(1, sizeof *l);
	l->ns = xstrdup(pod->ns);
	l->name = xstrdup(pod->name);
	l->uid = xstrdup(pod->uid);
	l->container = xstrdup(name);
	l->start = run.start;
	l->end = run.end;
	l->run = run.run;
	/* Init containers are not simulated: they finished, silently. */
	l->rate = init ? 0 : ann_rate(ann) * (w->speed > 0 ? w->speed : 1);
	l->json = str_eq(json_string_value(json_object_get(ann, KS_ANN_LOG_FORMAT)), "json");
	l->base = ks_mix64(w->seed ^ ks_hash64(pod->uid) ^ ks_mix64(ks_hash64(name)) ^
			ks_mix64((uint64_t)run.run + 0x72756eull));
	const char *lines = json_string_value(json_object_get(ann, KS_ANN_LOG_LINES));
	if (lines && *lines) {
		l->tpl_text = xstrdup(lines);
		for (char *p = l->tpl_text; p; p = strchr(p, '\n')) {
			if (*p == '\n')
				*p++ = '\0';
			l->tpls = xrealloc(l->tpls, (l->ntpl + 1) * sizeof *l->tpls);
			l->tpls[l->ntpl++] = p;
		}
	}
	const json_t *spec = json_object_get(pod->json, "spec");
	const json_t *ctr = find_container(json_object_get(spec, init ? "initContainers" : "containers"),
					   name);
	size_t k;
	json_t *ev;
	json_array_foreach(json_object_get(ctr, "env"), k, ev)
	{
		const char *en = jstr(ev, "name"), *val = jstr(ev, "value");
		if (!en || !val)
			continue;
		l->env_names = xrealloc(l->env_names, (l->nenv + 1) * sizeof *l->env_names);
		l->env_values = xrealloc(l->env_values, (l->nenv + 1) * sizeof *l->env_values);
		l->env_names[l->nenv] = xstrdup(en);
		l->env_values[l->nenv++] = xstrdup(val);
	}
	l->follow = q->follow;
	l->timestamps = q->timestamps;
	l->left = q->limit_bytes;

	/* sinceTime / sinceSeconds pick the first line, the later of the
	 * two; tailLines keeps the last lines of what is left. */
	double since = 0;
	if (q->since_seconds >= 0)
		since = now - (double)q->since_seconds;
	if (q->since_time > since)
		since = q->since_time;
	uint64_t due = lines_by(l, now);
	l->next = since > 0 ? line_at(l, since) : 0;
	if (q->tail_lines >= 0 && due > (uint64_t)q->tail_lines &&
	    due - (uint64_t)q->tail_lines > l->next)
		l->next = due - (uint64_t)q->tail_lines;
	l->stop = due;
	*out = l;
	return ST_OK;
}

enum status sim_log_open(struct ks_world *w, const struct ks_obj *pod,
			 const struct ks_logq *q, struct sim_log **out,
			 struct err *e)
{
	return sim_log_open_at(w, pod, q, ks_clock(), out, e);
}

bool sim_log_read_at(struct ks_world *w, struct sim_log *l, struct buf *out,
		     size_t max, double now, double *next_due)
{
	if (l->done)
		return false;
	if (l->follow && l->end <= 0) {
		struct sim_run r;
		if (sim_log_run_n(w, l->ns, l->name, l->uid, l->run, &r))
			l->end = r.end;
		else
			l->end = now; /* the pod is gone */
	}
	uint64_t avail = l->follow ? lines_by(l, now) : l->stop;
	size_t before = out->len;
	struct buf line = BUF_INIT;
	while (l->next < avail && (out->len == before || out->len - before < max)) {
		buf_clear(&line);
		render_line(l, l->next, &line);
		if (l->left >= 0 && (long)line.len >= l->left) {
			buf_append(out, line.data, (size_t)l->left);
			l->left = 0;
			l->done = true;
			break;
		}
		buf_append(out, line.data, line.len);
		if (l->left >= 0)
			l->left -= (long)line.len;
		l->next++;
	}
	buf_free(&line);
	if (!l->done) {
		if (!l->follow)
			l->done = l->next >= l->stop;
		else if (l->end > 0 && now >= l->end)
			l->done = l->next >= lines_by(l, l->end);
	}
	if (l->done)
		return false;
	double due = l->rate > 0 ? line_time(l, l->next) : now + 1;
	if (l->follow && l->end > 0 && due > l->end)
		due = l->end; /* nothing more comes: wake up to finish */
	*next_due = due < now ? now : due;
	return true;
}

bool sim_log_read(struct ks_world *w, struct sim_log *l, struct buf *out,
		  size_t max, double *next_due)
{
	return sim_log_read_at(w, l, out, max, ks_clock(), next_due);
}

void sim_log_close(struct sim_log *l)
{
	if (!l)
		return;
	free(l->ns);
	free(l->name);
	free(l->uid);
	free(l->container);
	free(l->tpl_text);
	free(l->tpls);
	for (size_t i = 0; i < l->nenv; i++) {
		free(l->env_names[i]);
		free(l->env_values[i]);
	}
	free(l->env_names);
	free(l->env_values);
	free(l);
}
