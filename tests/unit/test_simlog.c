/*
 * Unit tests for kubesim's generated logs (tests/kubesim/simlog.c), with
 * the real store and controllers on a virtual clock: lines are due at the
 * right times and are the same whenever they are read, `--timestamps`,
 * `--tail`, `--since`, `--since-time` and `--limit-bytes` select what the
 * kubelet would, a follow ends with the container run, `--previous` shows
 * the run that crashed, requests the apiserver or the kubelet refuses
 * get their messages, and {env.NAME} shows the container's own
 * environment (what the FinPay migration Job logs).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kubesim/sim_internal.h"
#include "base/str.h"

struct fx {
	struct ks_scenario sc;
	struct ks_world w;
	double t;
};


static struct fx *fx_new(double speed)
{
	struct fx *f = calloc(1, sizeof *f);
	f->sc.speed = speed;
	f->sc.nodes = 2;
	ks_world_init(&f->w, &f->sc, 1234);
	struct err e;
	assert_int_equal(sim_init(&f->w, &e), ST_OK);
	assert_int_equal(ks_create(&f->w, KS_NAMESPACES, "",
				   J("{\"metadata\":{\"name\":\"demo\"}}"), NULL, &e),
			 ST_OK);
	/* a virtual clock ahead of the wall clock (see test_sim.c) */
	f->t = ks_clock() + 3600;
	sim_run_due(&f->w, f->t);
	return f;
}

static void fx_free(struct fx *f)
{
	sim_free(&f->w);
	ks_world_free(&f->w);
	free(f);
}

static void step(struct fx *f, double dt)
{
	f->t += dt;
	sim_run_due(&f->w, f->t);
}

/* A bare pod with sim annotations ann (JSON members) and containers. */
static struct ks_obj *mkpod(struct fx *f, const char *name, const char *ann,
			    const char *containers)
{
	json_t *p = J("{\"metadata\":{\"name\":\"%s\",\"annotations\":{%s}},"
		      "\"spec\":{\"containers\":[%s]}}",
		      name, ann ? ann : "",
		      containers ? containers : "{\"name\":\"app\",\"image\":\"app:1\"}");
	struct ks_obj *o;
	struct err e;
	assert_int_equal(ks_create(&f->w, KS_PODS, "demo", p, &o, &e), ST_OK);
	return o;
}

static struct ks_obj *pod(struct fx *f, const char *name)
{
	struct ks_obj *o = ks_get(&f->w, KS_PODS, "demo", name);
	assert_non_null(o);
	return o;
}

static struct ks_logq Q(void)
{
	return (struct ks_logq){.tail_lines = -1, .since_seconds = -1, .limit_bytes = -1};
}

/* The whole answer to a log request at time now (not following). */
static char *logs_at(struct fx *f, const char *name, struct ks_logq q, double now)
{
	struct sim_log *l;
	struct err e;
	if (sim_log_open_at(&f->w, pod(f, name), &q, now, &l, &e) != ST_OK)
		fail_msg("log open: %s", e.msg);
	struct buf b = BUF_INIT;
	double next;
	size_t before;
	do
		before = b.len;
	while (sim_log_read_at(&f->w, l, &b, 1 << 20, now, &next) && b.len > before);
	sim_log_close(l);
	return buf_detach(&b);
}

static const char *log_error(struct fx *f, const char *name, struct ks_logq q)
{
	static struct err e;
	struct sim_log *l = NULL;
	enum status st = sim_log_open_at(&f->w, pod(f, name), &q, f->t, &l, &e);
	if (st == ST_OK) {
		sim_log_close(l);
		return NULL;
	}
	assert_int_equal(st, ST_ERR_INVALID);
	return e.msg;
}

static size_t nlines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* Line i (0-based) of s, without its newline, in one of a few static
 * buffers (so two lines can be compared in one expression). */
static const char *line(const char *s, size_t i)
{
	static char bufs[4][4096];
	static unsigned next;
	char *out = bufs[next++ % 4];
	for (; i && s; i--) {
		s = strchr(s, '\n');
		if (s)
			s++;
	}
	if (!s)
		return "";
	size_t n = strcspn(s, "\n");
	if (n >= sizeof bufs[0])
		n = sizeof bufs[0] - 1;
	memcpy(out, s, n);
	out[n] = '\0';
	return out;
}

static double run_start(struct fx *f, const char *name)
{
	struct sim_run r;
	assert_true(sim_log_run(&f->w, pod(f, name), false, &r));
	return r.start;
}

/* ---- tests ---- */

static void test_lines_due_and_stable(void **state)
{
	(void)state;
	struct fx *f = fx_new(1);
	mkpod(f, "web-1", "\"" KS_ANN_LOG_RATE "\":\"2\"", NULL);
	step(f, 0);
	step(f, 1.5);
	double s = run_start(f, "web-1");
	/* 2 lines a second from the start: 0, 0.5, 1, 1.5, 2 s. */
	char *a = logs_at(f, "web-1", Q(), s + 2.2);
	assert_int_equal(nlines(a), 5);
	assert_int_equal(a[strlen(a) - 1], '\n');
	assert_true(strstr(line(a, 0), "server: web-1 listening on :8080"));
	assert_true(strstr(line(a, 0), " INFO  "));
	/* The same request later, or again, gives the same lines. */
	char *b = logs_at(f, "web-1", Q(), s + 2.2);
	assert_string_equal(a, b);
	char *c = logs_at(f, "web-1", Q(), s + 3.1);
	assert_int_equal(nlines(c), 7);
	assert_memory_equal(a, c, strlen(a));
	/* Nothing before the start. */
	char *d = logs_at(f, "web-1", Q(), s - 0.1);
	assert_string_equal(d, "");
	free(a);
	free(b);
	free(c);
	free(d);
	fx_free(f);
}

static void test_timestamps(void **state)
{
	(void)state;
	struct fx *f = fx_new(1);
	mkpod(f, "web-1", "\"" KS_ANN_LOG_RATE "\":\"4\"", NULL);
	step(f, 0);
	step(f, 1.5);
	double s = run_start(f, "web-1");
	struct ks_logq q = Q();
	q.timestamps = true;
	char *a = logs_at(f, "web-1", q, s + 1.0);
	assert_int_equal(nlines(a), 5);
	for (size_t i = 0; i < 5; i++) {
		const char *l = line(a, i);
		/* 2026-11-23T12:00:00.250000000Z <text> */
		assert_true(strlen(l) > 31);
		assert_int_equal(l[29], 'Z');
		assert_int_equal(l[30], ' ');
		assert_int_equal(l[19], '.');
		char ts[32];
		memcpy(ts, l, 30);
		ts[30] = '\0';
		double t;
		assert_true(ks_time_parse(ts, &t));
		assert_true(fabs(t - (s + (double)i / 4)) < 1e-3);
	}
	/* Without timestamps the rest of each line is the same. */
	char *b = logs_at(f, "web-1", Q(), s + 1.0);
	assert_string_equal(line(b, 3), line(a, 3) + 31);
	free(a);
	free(b);
	fx_free(f);
}

static void test_tail_since_limit(void **state)
{
	(void)state;
	struct fx *f = fx_new(1);
	mkpod(f, "web-1", "\"" KS_ANN_LOG_RATE "\":\"2\"", NULL);
	step(f, 0);
	step(f, 1.5);
	double s = run_start(f, "web-1"), now = s + 2.2;
	char *all = logs_at(f, "web-1", Q(), now);
	assert_int_equal(nlines(all), 5);

	struct ks_logq q = Q();
	q.tail_lines = 2;
	char *tail = logs_at(f, "web-1", q, now);
	assert_int_equal(nlines(tail), 2);
	assert_string_equal(tail, all + strlen(all) - strlen(tail));
	char want[4096];
	snprintf(want, sizeof want, "%s\n%s\n", line(all, 3), line(all, 4));
	assert_string_equal(tail, want);
	q.tail_lines = 0;
	char *none = logs_at(f, "web-1", q, now);
	assert_string_equal(none, "");
	q.tail_lines = 100;
	char *more = logs_at(f, "web-1", q, now);
	assert_string_equal(more, all);

	/* sinceSeconds=1 at s+2.2: lines at 1.5 and 2.0 */
	q = Q();
	q.since_seconds = 1;
	char *since = logs_at(f, "web-1", q, now);
	assert_int_equal(nlines(since), 2);
	assert_string_equal(since, tail);
	/* sinceTime exactly at a line includes it: 1.0, 1.5, 2.0 */
	q = Q();
	q.since_time = s + 1.0;
	char *since_t = logs_at(f, "web-1", q, now);
	assert_int_equal(nlines(since_t), 3);
	/* since and tail together: the tail of what since leaves */
	q.tail_lines = 1;
	char *both = logs_at(f, "web-1", q, now);
	assert_int_equal(nlines(both), 1);
	assert_string_equal(line(both, 0), line(all, 4));

	q = Q();
	q.limit_bytes = 10;
	char *lim = logs_at(f, "web-1", q, now);
	assert_int_equal(strlen(lim), 10);
	assert_memory_equal(lim, all, 10);
	q.limit_bytes = (long)strlen(all) + 100;
	char *big = logs_at(f, "web-1", q, now);
	assert_string_equal(big, all);
	free(all);
	free(tail);
	free(none);
	free(more);
	free(since);
	free(since_t);
	free(both);
	free(lim);
	free(big);
	fx_free(f);
}

static void test_follow_until_crash(void **state)
{
	(void)state;
	struct fx *f = fx_new(1);
	mkpod(f, "crash", "\"" KS_ANN_LOG_RATE "\":\"2\",\"" KS_ANN_CRASH_AFTER "\":\"3\"", NULL);
	step(f, 0);
	step(f, 1.2);
	double s = run_start(f, "crash");
	struct ks_logq q = Q();
	q.follow = true;
	struct sim_log *l;
	struct err e;
	assert_int_equal(sim_log_open_at(&f->w, pod(f, "crash"), &q, s + 0.2, &l, &e), ST_OK);
	struct buf b = BUF_INIT;
	double next = 0;
	assert_true(sim_log_read_at(&f->w, l, &b, 1 << 20, s + 0.2, &next));
	assert_int_equal(nlines(buf_str(&b)), 1);
	assert_true(fabs(next - (s + 0.5)) < 1e-6);
	/* Nothing new before the next line is due. */
	assert_true(sim_log_read_at(&f->w, l, &b, 1 << 20, s + 0.4, &next));
	assert_int_equal(nlines(buf_str(&b)), 1);
	assert_true(sim_log_read_at(&f->w, l, &b, 1 << 20, s + 1.1, &next));
	assert_int_equal(nlines(buf_str(&b)), 3);
	/* A small budget per read still moves on a whole line at a time. */
	f->t = s + 2.6;
	sim_run_due(&f->w, f->t);
	assert_true(sim_log_read_at(&f->w, l, &b, 1, s + 2.6, &next));
	assert_int_equal(nlines(buf_str(&b)), 4);
	assert_true(next <= s + 2.6);
	/* The container crashes at s+3: the follow ends with line 6 (3 s). */
	f->t = s + 3.5;
	sim_run_due(&f->w, f->t);
	while (sim_log_read_at(&f->w, l, &b, 1 << 20, s + 3.5, &next))
		;
	assert_int_equal(nlines(buf_str(&b)), 7);
	assert_false(sim_log_read_at(&f->w, l, &b, 1 << 20, s + 9, &next));
	assert_int_equal(nlines(buf_str(&b)), 7);
	/* The same lines as a plain read of the finished run. */
	char *plain = logs_at(f, "crash", Q(), s + 9);
	assert_string_equal(plain, buf_str(&b));
	free(plain);
	buf_free(&b);
	sim_log_close(l);
	fx_free(f);
}

static void test_previous(void **state)
{
	(void)state;
	struct fx *f = fx_new(1);
	mkpod(f, "crash", "\"" KS_ANN_LOG_RATE "\":\"2\",\"" KS_ANN_CRASH_AFTER "\":\"3\"", NULL);
	step(f, 0);
	struct ks_logq prev = Q();
	prev.previous = true;
	step(f, 1.2);
	assert_string_equal(log_error(f, "crash", prev),
			    "previous terminated container \"app\" in pod \"crash\" not found");
	double s = run_start(f, "crash");
	/* Crashed at s+3, restarting at s+13: both requests show run 0. */
	f->t = s + 5;
	sim_run_due(&f->w, f->t);
	char *p0 = logs_at(f, "crash", prev, f->t);
	char *c0 = logs_at(f, "crash", Q(), f->t);
	assert_int_equal(nlines(p0), 7);
	assert_string_equal(p0, c0);
	/* Running again: the current run is new text, previous is run 0. */
	f->t = s + 14;
	sim_run_due(&f->w, f->t);
	struct sim_run r;
	assert_true(sim_log_run(&f->w, pod(f, "crash"), false, &r));
	assert_int_equal(r.run, 1);
	assert_true(fabs(r.start - (s + 13)) < 1e-6);
	char *p1 = logs_at(f, "crash", prev, f->t);
	char *c1 = logs_at(f, "crash", Q(), f->t);
	assert_string_equal(p1, p0);
	assert_int_equal(nlines(c1), 3);
	assert_string_not_equal(line(c1, 1), line(p0, 1));
	free(p0);
	free(c0);
	free(p1);
	free(c1);
	fx_free(f);
}

static void test_waiting_errors(void **state)
{
	(void)state;
	struct fx *f = fx_new(1);
	mkpod(f, "slow", "\"" KS_ANN_START_AFTER "\":\"5\"", NULL);
	mkpod(f, "bad", "\"" KS_ANN_PULL_ERROR "\":\"true\"", NULL);
	step(f, 0);
	assert_string_equal(log_error(f, "slow", Q()),
			    "container \"app\" in pod \"slow\" is waiting to start: ContainerCreating");
	step(f, 1.5);
	assert_string_equal(log_error(f, "bad", Q()),
			    "container \"app\" in pod \"bad\" is waiting to start: image can't be pulled");
	step(f, 2);
	assert_string_equal(log_error(f, "bad", Q()),
			    "container \"app\" in pod \"bad\" is waiting to start: trying and failing to pull image");
	fx_free(f);
}

static void test_container_choice(void **state)
{
	(void)state;
	struct fx *f = fx_new(1);
	mkpod(f, "multi", "\"kubectl.kubernetes.io/default-container\":\"b\"",
	      "{\"name\":\"a\",\"image\":\"a:1\"},{\"name\":\"b\",\"image\":\"b:1\"}");
	step(f, 0);
	step(f, 3);
	assert_string_equal(log_error(f, "multi", Q()),
			    "a container name must be specified for pod multi, choose one of: [a b]");
	struct ks_logq q = Q();
	q.container = "zzz";
	assert_string_equal(log_error(f, "multi", q), "container zzz is not valid for pod multi");
	q.container = "a";
	char *a = logs_at(f, "multi", q, f->t);
	q.container = "b";
	char *b = logs_at(f, "multi", q, f->t);
	assert_int_equal(nlines(a), nlines(b));
	assert_true(nlines(a) >= 2);
	assert_string_not_equal(line(a, 1), line(b, 1));
	free(a);
	free(b);
	fx_free(f);
}

static void test_templates_and_json(void **state)
{
	(void)state;
	struct fx *f = fx_new(1);
	mkpod(f, "tpl",
	      "\"" KS_ANN_LOG_RATE "\":\"10\",\"" KS_ANN_LOG_LINES
	      "\":\"ERROR db down {id}\\nreq {n} took {ms}ms on {pod} {unknown} {\"",
	      NULL);
	mkpod(f, "js",
	      "\"" KS_ANN_LOG_RATE "\":\"10\",\"" KS_ANN_LOG_FORMAT "\":\"json\",\""
	      KS_ANN_LOG_LINES "\":\"[warn] disk \\\"{n}\\\" at 90%\\nplain {pod}\"",
	      NULL);
	mkpod(f, "jsd", "\"" KS_ANN_LOG_RATE "\":\"10\",\"" KS_ANN_LOG_FORMAT "\":\"json\"", NULL);
	step(f, 0);
	step(f, 1.35);
	char *t = logs_at(f, "tpl", Q(), f->t);
	assert_true(nlines(t) >= 3);
	/* Templates in order, the level word kept in text. */
	assert_true(str_has_prefix(line(t, 0), "ERROR db down "));
	assert_int_equal(strlen(line(t, 0)), strlen("ERROR db down ") + 8);
	assert_true(str_has_prefix(line(t, 1), "req 2 took "));
	assert_true(strstr(line(t, 1), "ms on tpl {unknown} {"));
	assert_true(str_has_prefix(line(t, 2), "ERROR db down "));

	char *j = logs_at(f, "js", Q(), f->t);
	for (size_t i = 0; i < 2; i++) {
		json_error_t je;
		json_t *v = json_loads(line(j, i), 0, &je);
		if (!v)
			fail_msg("not JSON: %s", line(j, i));
		assert_int_equal(strlen(json_string_value(json_object_get(v, "ts"))), 24);
		if (i == 0) {
			assert_string_equal(json_string_value(json_object_get(v, "level")), "warn");
			assert_string_equal(json_string_value(json_object_get(v, "msg")),
					    "disk \"1\" at 90%");
		} else {
			assert_string_equal(json_string_value(json_object_get(v, "level")), "info");
			assert_string_equal(json_string_value(json_object_get(v, "msg")), "plain js");
		}
		json_decref(v);
	}
	char *d = logs_at(f, "jsd", Q(), f->t);
	json_t *v = json_loads(line(d, 0), 0, NULL);
	assert_non_null(v);
	assert_string_equal(json_string_value(json_object_get(v, "msg")),
			    "server: jsd listening on :8080");
	json_decref(v);
	free(t);
	free(j);
	free(d);
	fx_free(f);
}

static void test_default_mix(void **state)
{
	(void)state;
	struct fx *f = fx_new(1);
	mkpod(f, "busy", "\"" KS_ANN_LOG_RATE "\":\"1000\"", NULL);
	step(f, 0);
	step(f, 1.2);
	double s = run_start(f, "busy");
	char *a = logs_at(f, "busy", Q(), s + 4.999);
	assert_int_equal(nlines(a), 5000);
	size_t info = 0, warn = 0, error = 0;
	for (const char *p = a; *p; p = strchr(p, '\n') + 1) {
		info += !strncmp(p + 25, "INFO ", 5);
		warn += !strncmp(p + 25, "WARN ", 5);
		error += !strncmp(p + 25, "ERROR", 5);
	}
	assert_int_equal(info + warn + error, 5000);
	assert_true(info > 4000);
	assert_true(warn > 300 && warn < 900);
	assert_true(error > 100 && error < 400);
	free(a);
	fx_free(f);
}

static void test_silent_and_speed(void **state)
{
	(void)state;
	struct fx *f = fx_new(10);
	mkpod(f, "quiet", "\"" KS_ANN_LOG_RATE "\":\"0\"", NULL);
	mkpod(f, "fast", NULL, NULL);
	step(f, 0);
	step(f, 0.2);
	char *q = logs_at(f, "quiet", Q(), f->t + 100);
	assert_string_equal(q, "");
	/* One line a simulated second is ten a real second at speed 10. */
	double s = run_start(f, "fast");
	char *a = logs_at(f, "fast", Q(), s + 0.95);
	assert_int_equal(nlines(a), 10);
	/* A silent follow still ends when its pod goes. */
	struct ks_logq fq = Q();
	fq.follow = true;
	struct sim_log *l;
	struct err e;
	assert_int_equal(sim_log_open_at(&f->w, pod(f, "quiet"), &fq, f->t, &l, &e), ST_OK);
	struct buf b = BUF_INIT;
	double next;
	assert_true(sim_log_read_at(&f->w, l, &b, 1024, f->t, &next));
	assert_true(next > f->t);
	ks_delete(&f->w, pod(f, "quiet"));
	assert_false(sim_log_read_at(&f->w, l, &b, 1024, f->t + 1, &next));
	assert_int_equal(b.len, 0);
	sim_log_close(l);
	buf_free(&b);
	free(q);
	free(a);
	fx_free(f);
}

static void test_env_placeholders(void **state)
{
	(void)state;
	struct fx *f = fx_new(1);
	/* Two containers, each with its own environment; a valueFrom entry
	 * has no literal value; a repeated name: the last one wins. */
	mkpod(f, "job",
	      "\"" KS_ANN_LOG_RATE "\":\"10\",\"" KS_ANN_LOG_LINES
	      "\":\"INFO migrating to {env.MIGRATION} in {env.ENVIRONMENT}\\n"
	      "by [{env.OPERATOR}] [{env.SECRET}] [{env.NOPE}] {env.} {env.A {n}} {env.MIGRATION\"",
	      "{\"name\":\"migrate\",\"image\":\"m:1\",\"env\":["
	      "{\"name\":\"MIGRATION\",\"value\":\"V1__old\"},"
	      "{\"name\":\"ENVIRONMENT\",\"value\":\"staging\"},"
	      "{\"name\":\"OPERATOR\",\"value\":\"ann \\\"a\\\"\\nb\"},"
	      "{\"name\":\"SECRET\",\"valueFrom\":{\"secretKeyRef\":{\"name\":\"s\",\"key\":\"k\"}}},"
	      "{\"name\":\"MIGRATION\",\"value\":\"V42__add_refund_index\"}]},"
	      "{\"name\":\"side\",\"image\":\"s:1\",\"env\":["
	      "{\"name\":\"ENVIRONMENT\",\"value\":\"production\"}]}");
	mkpod(f, "js",
	      "\"" KS_ANN_LOG_RATE "\":\"10\",\"" KS_ANN_LOG_FORMAT "\":\"json\",\""
	      KS_ANN_LOG_LINES "\":\"INFO operator {env.OPERATOR}\"",
	      "{\"name\":\"app\",\"image\":\"a:1\",\"env\":["
	      "{\"name\":\"OPERATOR\",\"value\":\"ann \\\"a\\\"\\tb\"}]}");
	step(f, 0);
	step(f, 1.35);
	struct ks_logq q = Q();
	q.container = "migrate";
	char *m = logs_at(f, "job", q, f->t);
	assert_true(nlines(m) >= 3);
	assert_string_equal(line(m, 0),
			    "INFO migrating to V42__add_refund_index in staging");
	/* A line break in a value does not split the log line. */
	assert_string_equal(line(m, 1),
			    "by [ann \"a\" b] [] [] {env.} {env.A 2} {env.MIGRATION");
	assert_string_equal(line(m, 2), line(m, 0));
	q.container = "side";
	char *s = logs_at(f, "job", q, f->t);
	assert_string_equal(line(s, 0), "INFO migrating to  in production");
	assert_string_equal(line(s, 1), "by [] [] [] {env.} {env.A 2} {env.MIGRATION");
	/* In JSON the value is escaped like any other text. */
	char *j = logs_at(f, "js", Q(), f->t);
	json_error_t je;
	json_t *v = json_loads(line(j, 0), 0, &je);
	if (!v)
		fail_msg("not JSON: %s", line(j, 0));
	assert_string_equal(json_string_value(json_object_get(v, "msg")),
			    "operator ann \"a\"\tb");
	json_decref(v);
	free(m);
	free(s);
	free(j);
	fx_free(f);
}

/* A run-to-completion container with N log lines prints each exactly once
 * when rate * exit-after is a little under N (line i is due at i / rate,
 * and the last one due at the exit, inclusive, is printed): what the
 * FinPay migration Job's annotations rely on. */
static void test_lines_once_before_exit(void **state)
{
	(void)state;
	struct fx *f = fx_new(1);
	mkpod(f, "once",
	      "\"" KS_ANN_LOG_RATE "\":\"2\",\"" KS_ANN_EXIT_AFTER "\":\"1.25\",\""
	      KS_ANN_LOG_LINES "\":\"one {env.A}\\ntwo\\nthree {ts}\"",
	      "{\"name\":\"app\",\"image\":\"a:1\",\"env\":[{\"name\":\"A\",\"value\":\"x\"}]}");
	json_t *m = ks_mutable(pod(f, "once"));
	json_object_set_new(json_object_get(m, "spec"), "restartPolicy", json_string("Never"));
	struct err e;
	assert_int_equal(ks_update(&f->w, pod(f, "once"), m, NULL, &e), ST_OK);
	step(f, 0);
	step(f, 1.2);
	double s = run_start(f, "once");
	f->t = s + 10;
	sim_run_due(&f->w, f->t);
	struct sim_run r;
	assert_true(sim_log_run(&f->w, pod(f, "once"), false, &r));
	assert_true(r.end > 0);
	char *a = logs_at(f, "once", Q(), f->t);
	assert_int_equal(nlines(a), 3);
	assert_string_equal(line(a, 0), "one x");
	assert_string_equal(line(a, 1), "two");
	assert_true(str_has_prefix(line(a, 2), "three 20"));
	free(a);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lines_due_and_stable),
	    cmocka_unit_test(test_timestamps),
	    cmocka_unit_test(test_tail_since_limit),
	    cmocka_unit_test(test_follow_until_crash),
	    cmocka_unit_test(test_previous),
	    cmocka_unit_test(test_waiting_errors),
	    cmocka_unit_test(test_container_choice),
	    cmocka_unit_test(test_templates_and_json),
	    cmocka_unit_test(test_default_mix),
	    cmocka_unit_test(test_silent_and_speed),
	    cmocka_unit_test(test_env_placeholders),
	    cmocka_unit_test(test_lines_once_before_exit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
