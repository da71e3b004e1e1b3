/*
 * Unit tests for src/kube/watchstream: the framer (values across every
 * chunk boundary, braces and quotes inside strings, garbage, the size
 * limit, truncation, linear cost) and the event decoder (each event type,
 * error Statuses, kind checks, rejects).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/mem.h"
#include "base/sanitize.h"
#include "kube/objects.h"
#include "kube/watchstream.h"

/* ---- collecting framed values ---- */

struct vals {
	struct buf *v;
	size_t n, cap;
};

static void collect(const char *json, size_t len, void *arg)
{
	struct vals *s = arg;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->v = xrealloc(s->v, s->cap * sizeof *s->v);
	}
	buf_init(&s->v[s->n]);
	buf_append(&s->v[s->n], json, len);
	s->n++;
}

static void vals_free(struct vals *s)
{
	for (size_t i = 0; i < s->n; i++)
		buf_free(&s->v[i]);
	free(s->v);
	memset(s, 0, sizeof *s);
}

/* The events of the stream below, each as it should come out. */
static const char *const events[] = {
    "{\"type\":\"ADDED\",\"object\":{\"kind\":\"Pod\",\"apiVersion\":\"v1\","
    "\"metadata\":{\"name\":\"web-1\",\"namespace\":\"demo\","
    "\"uid\":\"u1\",\"resourceVersion\":\"101\"},"
    "\"status\":{\"phase\":\"Running\"}}}",
    /* Braces, brackets, escaped quotes and backslashes inside strings. */
    "{\"type\":\"MODIFIED\",\"object\":{\"kind\":\"Pod\",\"apiVersion\":"
    "\"v1\",\"metadata\":{\"name\":\"web-2\",\"namespace\":\"demo\","
    "\"resourceVersion\":\"102\",\"annotations\":{\"note\":"
    "\"}}]] not the end {\\\"x\\\": \\\"}\\\"} \\\\\\\\\"}},"
    "\"status\":{\"message\":\"\\\\\\\"}{\\\\\",\"phase\":\"Pending\"}}}",
    "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"Pod\",\"apiVersion\":"
    "\"v1\",\"metadata\":{\"resourceVersion\":\"150\"}}}",
    "{\"type\":\"DELETED\",\"object\":{\"kind\":\"Pod\",\"apiVersion\":"
    "\"v1\",\"metadata\":{\"name\":\"web-1\",\"namespace\":\"demo\","
    "\"resourceVersion\":\"160\",\"labels\":{\"app\":\"web\"}},"
    "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx\"}]}}}",
    "{}",
    "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":"
    "\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"too old "
    "resource version: 123 (456)\",\"reason\":\"Expired\",\"code\":410}}",
};
#define NEVENTS (sizeof events / sizeof *events)

/* Events joined by varied whitespace, the way servers and proxies send
 * them: '\n' after each, sometimes none, sometimes more. */
static void build_stream(struct buf *out)
{
	static const char *const gaps[] = {"\n",      "", "  \r\n",
					   "\n\n\t ", "", "\n"};
	buf_clear(out);
	buf_puts(out, " \n");
	for (size_t i = 0; i < NEVENTS; i++) {
		buf_puts(out, events[i]);
		buf_puts(out, gaps[i]);
	}
}

static void assert_all_events(const struct vals *got)
{
	assert_int_equal(got->n, NEVENTS);
	for (size_t i = 0; i < NEVENTS; i++) {
		assert_int_equal(got->v[i].len, strlen(events[i]));
		assert_memory_equal(got->v[i].data, events[i], got->v[i].len);
	}
}

static void feed_ok(struct watch_framer *f, const char *data, size_t len,
		    struct vals *got)
{
	struct err e;
	err_clear(&e);
	enum status st = watch_framer_feed(f, data, len, collect, got, &e);
	if (st != ST_OK)
		fail_msg("feed failed: %s", e.msg);
}

/* ---- framer ---- */

static void test_framer_whole_stream(void **state)
{
	(void)state;
	struct buf in = BUF_INIT;
	build_stream(&in);
	struct watch_framer f;
	struct vals got = {0};
	watch_framer_init(&f, 0);
	assert_int_equal(f.max_event, WATCH_MAX_EVENT_DEFAULT);
	feed_ok(&f, in.data, in.len, &got);
	assert_all_events(&got);
	assert_false(watch_framer_truncated(&f));
	watch_framer_free(&f);
	vals_free(&got);
	buf_free(&in);
}

static void test_framer_every_split_point(void **state)
{
	(void)state;
	struct buf in = BUF_INIT;
	build_stream(&in);
	struct vals got = {0};
	struct watch_framer f;
	for (size_t cut = 0; cut <= in.len; cut++) {
		watch_framer_init(&f, 0);
		feed_ok(&f, in.data, cut, &got);
		feed_ok(&f, in.data + cut, in.len - cut, &got);
		assert_all_events(&got);
		assert_false(watch_framer_truncated(&f));
		watch_framer_free(&f);
		vals_free(&got);
		/* Three chunks: every first cut with a spread of second
		 * cuts. */
		for (size_t cut2 = cut; cut2 <= in.len; cut2 += 13) {
			watch_framer_init(&f, 0);
			feed_ok(&f, in.data, cut, &got);
			feed_ok(&f, in.data + cut, cut2 - cut, &got);
			feed_ok(&f, in.data + cut2, in.len - cut2, &got);
			assert_all_events(&got);
			watch_framer_free(&f);
			vals_free(&got);
		}
	}
	/* Byte by byte, and other fixed chunk sizes. */
	for (size_t chunk = 1; chunk < 64; chunk++) {
		watch_framer_init(&f, 0);
		for (size_t off = 0; off < in.len; off += chunk) {
			size_t n = in.len - off < chunk ? in.len - off : chunk;
			feed_ok(&f, in.data + off, n, &got);
			/* What is buffered has been scanned already. */
			assert_int_equal(f.scanned, f.pending.len);
		}
		assert_all_events(&got);
		watch_framer_free(&f);
		vals_free(&got);
	}
	buf_free(&in);
}

static void test_framer_values_back_to_back(void **state)
{
	(void)state;
	struct watch_framer f;
	struct vals got = {0};
	watch_framer_init(&f, 0);
	const char in[] = "{}{\"a\":[1,{\"b\":\"{\"}]}{\"c\":\"\\\\\"}\n";
	feed_ok(&f, in, sizeof in - 1, &got);
	assert_int_equal(got.n, 3);
	assert_string_equal(got.v[0].data, "{}");
	assert_string_equal(got.v[1].data, "{\"a\":[1,{\"b\":\"{\"}]}");
	assert_string_equal(got.v[2].data, "{\"c\":\"\\\\\"}");
	/* Empty chunks and whitespace-only chunks deliver nothing. */
	feed_ok(&f, "", 0, &got);
	feed_ok(&f, " \r\n\t", 4, &got);
	assert_int_equal(got.n, 3);
	assert_false(watch_framer_truncated(&f));
	watch_framer_free(&f);
	vals_free(&got);
}

static void test_framer_garbage(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "{}x{}",   "{\"a\":1}}{}",	      "[1,2]",
	    "\"str\"", "HTTP/1.1 200 OK\r\n", "\xef\xbb\xbf{}",
	    "null",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct watch_framer f;
		struct vals got = {0};
		struct err e;
		watch_framer_init(&f, 0);
		enum status st = watch_framer_feed(&f, bad[i], strlen(bad[i]),
						   collect, &got, &e);
		assert_int_equal(st, ST_ERR_PARSE);
		assert_true(e.msg[0] != '\0');
		assert_true(f.broken);
		size_t n = got.n;
		/* Broken: nothing more is delivered. */
		st = watch_framer_feed(&f, "{}", 2, collect, &got, NULL);
		assert_int_not_equal(st, ST_OK);
		assert_int_equal(got.n, n);
		assert_false(watch_framer_truncated(&f));
		watch_framer_free(&f);
		vals_free(&got);
	}
	/* Values before the garbage still come out, in order. */
	struct watch_framer f;
	struct vals got = {0};
	watch_framer_init(&f, 0);
	feed_ok(&f, "{\"a\":1}\n{\"b\":", 13, &got);
	assert_int_equal(
	    watch_framer_feed(&f, "2}\n<html>", 9, collect, &got, NULL),
	    ST_ERR_PARSE);
	assert_int_equal(got.n, 2);
	assert_string_equal(got.v[1].data, "{\"b\":2}");
	watch_framer_free(&f);
	vals_free(&got);
}

static void test_framer_too_big(void **state)
{
	(void)state;
	/* A value of exactly max_event bytes passes; one more byte fails. */
	struct buf ok = BUF_INIT, big = BUF_INIT;
	buf_puts(&ok, "{\"k\":\"");
	while (ok.len < 98)
		buf_putc(&ok, 'x');
	buf_puts(&ok, "\"}");
	assert_int_equal(ok.len, 100);
	buf_puts(&big, "{\"k\":\"");
	while (big.len < 99)
		buf_putc(&big, 'x');
	buf_puts(&big, "\"}");
	for (size_t chunk = 1; chunk <= 101; chunk += 20) {
		struct watch_framer f;
		struct vals got = {0};
		struct err e;
		watch_framer_init(&f, 100);
		for (size_t off = 0; off < ok.len; off += chunk) {
			size_t n = ok.len - off < chunk ? ok.len - off : chunk;
			feed_ok(&f, ok.data + off, n, &got);
		}
		assert_int_equal(got.n, 1);
		enum status st = ST_OK;
		for (size_t off = 0; off < big.len && st == ST_OK;
		     off += chunk) {
			size_t n =
			    big.len - off < chunk ? big.len - off : chunk;
			st = watch_framer_feed(&f, big.data + off, n, collect,
					       &got, &e);
		}
		assert_int_equal(st, ST_ERR_TOOBIG);
		assert_int_equal(got.n, 1);
		assert_true(f.broken);
		/* Nothing of the refused value stays buffered. */
		assert_true(f.pending.len == 0);
		watch_framer_free(&f);
		vals_free(&got);
	}
	/* An endless value in one huge chunk is refused without being
	 * buffered past the limit. */
	struct buf endless = BUF_INIT;
	buf_putc(&endless, '{');
	for (int i = 0; i < 100000; i++)
		buf_puts(&endless, "[[[[");
	struct watch_framer f;
	watch_framer_init(&f, 1000);
	assert_int_equal(watch_framer_feed(&f, endless.data, endless.len,
					   collect, NULL, NULL),
			 ST_ERR_TOOBIG);
	watch_framer_free(&f);
	buf_free(&endless);
	buf_free(&ok);
	buf_free(&big);
}

static void test_framer_truncated(void **state)
{
	(void)state;
	struct watch_framer f;
	struct vals got = {0};
	watch_framer_init(&f, 0);
	assert_false(watch_framer_truncated(&f));
	const char head[] =
	    "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"na";
	feed_ok(&f, head, sizeof head - 1, &got);
	assert_true(watch_framer_truncated(&f));
	assert_int_equal(got.n, 0);
	feed_ok(&f, "me\":\"x\"}}}\n", 11, &got);
	assert_false(watch_framer_truncated(&f));
	assert_int_equal(got.n, 1);
	/* Cut inside a string right after a backslash. */
	feed_ok(&f, "{\"a\":\"\\", 7, &got);
	assert_true(watch_framer_truncated(&f));
	feed_ok(&f, "\"}\"}", 4, &got);
	assert_false(watch_framer_truncated(&f));
	assert_int_equal(got.n, 2);
	assert_string_equal(got.v[1].data, "{\"a\":\"\\\"}\"}");
	watch_framer_free(&f);
	vals_free(&got);
}

struct count {
	size_t n, len;
};

static void count_cb(const char *json, size_t len, void *arg)
{
	struct count *c = arg;
	(void)json;
	c->n++;
	c->len += len;
}

static double now_sec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A multi-MB event in tiny chunks: a framer that rescanned what it had
 * buffered would do ~10^13 steps here instead of ~10^7. */
static void test_framer_linear(void **state)
{
	(void)state;
	struct buf ev = BUF_INIT;
	buf_puts(&ev, "{\"type\":\"ADDED\",\"object\":{\"data\":[");
	for (int i = 0; ev.len < ((size_t)8 << 20); i++)
		buf_printf(&ev, "%s{\"k%d\":\"va}l{ue \\\" ]\",\"n\":[%d,{}]}",
			   i ? "," : "", i, i);
	buf_puts(&ev, "]}}\n");
	struct watch_framer f;
	struct count c = {0, 0};
	double t0 = now_sec();
	/* 1-byte chunks for the first 2 MiB, then 3-byte chunks. */
	watch_framer_init(&f, 0);
	size_t off = 0;
	for (; off < ((size_t)2 << 20); off++)
		assert_int_equal(
		    watch_framer_feed(&f, ev.data + off, 1, count_cb, &c, NULL),
		    ST_OK);
	for (; off < ev.len; off += 3) {
		size_t n = ev.len - off < 3 ? ev.len - off : 3;
		assert_int_equal(
		    watch_framer_feed(&f, ev.data + off, n, count_cb, &c, NULL),
		    ST_OK);
	}
	double dt = now_sec() - t0;
	assert_int_equal(c.n, 1);
	assert_int_equal(c.len, ev.len - 1);
	/* Linear is ~0.1 s even under sanitizers; quadratic never ends. */
	if (dt > 5.0)
		fail_msg("framing 8 MiB in small chunks took %.1f s", dt);
	/* The big buffer is not kept once the event is out. */
	assert_true(f.pending.cap <= ((size_t)1 << 20));
	watch_framer_free(&f);
	buf_free(&ev);
}

/* ---- decoder ---- */

static enum status decode(const char *json, enum kube_kind k,
			  struct watch_event *ev)
{
	struct err e;
	err_clear(&e);
	enum status st = watch_event_decode(json, strlen(json), k, ev, &e);
	if (st != ST_OK)
		assert_true(e.msg[0] != '\0');
	return st;
}

static void test_decode_types(void **state)
{
	(void)state;
	struct watch_event ev;
	assert_int_equal(decode(events[0], KUBE_POD, &ev), ST_OK);
	assert_int_equal(ev.type, WATCH_ADDED);
	assert_non_null(ev.obj);
	assert_int_equal(ev.obj->kind, KUBE_POD);
	assert_string_equal(ev.obj->name, "web-1");
	assert_string_equal(ev.obj->namespace_, "demo");
	assert_string_equal(ev.obj->u.pod.phase, "Running");
	assert_string_equal(ev.resource_version, "101");
	watch_event_clear(&ev);
	assert_null(ev.obj);
	assert_null(ev.resource_version);

	assert_int_equal(decode(events[1], KUBE_POD, &ev), ST_OK);
	assert_int_equal(ev.type, WATCH_MODIFIED);
	assert_string_equal(ev.obj->name, "web-2");
	assert_string_equal(ev.resource_version, "102");
	watch_event_clear(&ev);

	assert_int_equal(decode(events[2], KUBE_POD, &ev), ST_OK);
	assert_int_equal(ev.type, WATCH_BOOKMARK);
	assert_null(ev.obj);
	assert_string_equal(ev.resource_version, "150");
	watch_event_clear(&ev);

	assert_int_equal(decode(events[3], KUBE_POD, &ev), ST_OK);
	assert_int_equal(ev.type, WATCH_DELETED);
	assert_string_equal(ev.obj->name, "web-1");
	assert_string_equal(kobj_label(ev.obj, "app"), "web");
	assert_string_equal(ev.resource_version, "160");
	watch_event_clear(&ev);

	assert_int_equal(decode(events[5], KUBE_POD, &ev), ST_OK);
	assert_int_equal(ev.type, WATCH_ERROR);
	assert_null(ev.obj);
	assert_null(ev.resource_version);
	assert_int_equal(ev.code, 410);
	assert_string_equal(ev.reason, "Expired");
	assert_string_equal(ev.message, "too old resource version: 123 (456)");
	watch_event_clear(&ev);

	/* Other kinds; a list-style object without kind is accepted. */
	assert_int_equal(
	    decode("{\"type\":\"MODIFIED\",\"object\":{\"kind\":"
		   "\"Deployment\",\"apiVersion\":\"apps/v1\",\"metadata\":"
		   "{\"name\":\"api\",\"namespace\":\"prod\","
		   "\"resourceVersion\":\"9\",\"generation\":4},"
		   "\"spec\":{\"replicas\":3}}}",
		   KUBE_DEPLOYMENT, &ev),
	    ST_OK);
	assert_int_equal(ev.obj->kind, KUBE_DEPLOYMENT);
	assert_int_equal(ev.obj->u.deploy.replicas, 3);
	assert_string_equal(ev.resource_version, "9");
	watch_event_clear(&ev);
	assert_int_equal(decode("{\"object\":{\"metadata\":{\"name\":\"n1\"}},"
				"\"type\":\"ADDED\"}",
				KUBE_NODE, &ev),
			 ST_OK);
	assert_string_equal(ev.obj->name, "n1");
	assert_string_equal(ev.resource_version, "");
	watch_event_clear(&ev);

	assert_string_equal(watch_type_name(WATCH_ADDED), "ADDED");
	assert_string_equal(watch_type_name(WATCH_MODIFIED), "MODIFIED");
	assert_string_equal(watch_type_name(WATCH_DELETED), "DELETED");
	assert_string_equal(watch_type_name(WATCH_BOOKMARK), "BOOKMARK");
	assert_string_equal(watch_type_name(WATCH_ERROR), "ERROR");
	assert_string_equal(watch_type_name((enum watch_type)99), "?");
}

static void test_decode_error_message_sanitised(void **state)
{
	(void)state;
	struct buf j = BUF_INIT;
	buf_puts(&j, "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\","
		     "\"code\":500,\"reason\":\"Internal\\u001b[2J\","
		     "\"message\":\"\\u001b]0;pwned\\u0007 x");
	/* Far more than fits, in 2-byte characters, so the cut must land on
	 * a character boundary. */
	for (int i = 0; i < 300; i++)
		buf_puts(&j, "\xc3\xa9");
	buf_puts(&j, "\"}}");
	struct watch_event ev;
	assert_int_equal(decode(j.data, KUBE_POD, &ev), ST_OK);
	assert_int_equal(ev.code, 500);
	assert_string_equal(ev.reason, "Internal^[[2J");
	assert_true(strncmp(ev.message, "^[]0;pwned^G x\xc3\xa9", 16) == 0);
	size_t len = strlen(ev.message);
	assert_true(len < sizeof ev.message && len > 200);
	assert_null(memchr(ev.message, 0x1b, len));
	const unsigned char *u = (const unsigned char *)ev.message;
	uint32_t cp;
	for (size_t i = 0; i < len;) {
		size_t n = utf8_decode(u + i, len - i, &cp);
		assert_true(n > 0);
		i += n;
	}
	watch_event_clear(&ev);

	/* A Status without the fields, or with odd types: zeros. */
	assert_int_equal(decode("{\"type\":\"ERROR\",\"object\":{\"code\":"
				"\"410\",\"message\":7}}",
				KUBE_POD, &ev),
			 ST_OK);
	assert_int_equal(ev.code, 0);
	assert_string_equal(ev.reason, "");
	assert_string_equal(ev.message, "");
	watch_event_clear(&ev);

	/* A NUL in a message does not sink the event. */
	assert_int_equal(decode("{\"type\":\"ERROR\",\"object\":{\"code\":410,"
				"\"message\":\"a\\u0000b\"}}",
				KUBE_POD, &ev),
			 ST_OK);
	assert_string_equal(ev.message, "a^@b");
	watch_event_clear(&ev);
	buf_free(&j);
}

static void test_decode_rejects(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "",
	    "{",
	    "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\"}}"
	    "} trailing",
	    "[]",
	    "{\"object\":{\"metadata\":{\"name\":\"a\"}}}",
	    "{\"type\":\"added\",\"object\":{\"metadata\":{\"name\":\"a\"}}}",
	    "{\"type\":\"SYNC\",\"object\":{\"metadata\":{\"name\":\"a\"}}}",
	    "{\"type\":7,\"object\":{\"metadata\":{\"name\":\"a\"}}}",
	    "{\"type\":\"ADDED\"}",
	    "{\"type\":\"ADDED\",\"object\":null}",
	    "{\"type\":\"ADDED\",\"object\":[1]}",
	    "{\"type\":\"ERROR\",\"object\":\"gone\"}",
	    /* Another kind than the one watched. */
	    "{\"type\":\"ADDED\",\"object\":{\"kind\":\"Deployment\","
	    "\"metadata\":{\"name\":\"a\"}}}",
	    "{\"type\":\"DELETED\",\"object\":{\"kind\":\"Status\","
	    "\"metadata\":{\"name\":\"a\"}}}",
	    "{\"type\":\"ADDED\",\"object\":{\"kind\":1,"
	    "\"metadata\":{\"name\":\"a\"}}}",
	    "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"Node\","
	    "\"metadata\":{\"resourceVersion\":\"5\"}}}",
	    /* kobj_decode refuses an object without a name. */
	    "{\"type\":\"ADDED\",\"object\":{\"kind\":\"Pod\","
	    "\"metadata\":{\"namespace\":\"a\"}}}",
	    /* Terminal escapes in what ends up in the error message. */
	    "{\"type\":\"ADDED\",\"object\":{\"kind\":\"\\u001b[2J\","
	    "\"metadata\":{\"name\":\"a\"}}}",
	    "{\"type\":\x1b[2J\x1b]0;x\x07}",
	    /* A bookmark without its resourceVersion is useless. */
	    "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"Pod\","
	    "\"metadata\":{}}}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct watch_event ev;
		struct err e;
		err_clear(&e);
		enum status st = watch_event_decode(bad[i], strlen(bad[i]),
						    KUBE_POD, &ev, &e);
		if (st != ST_ERR_PARSE)
			fail_msg("accepted %s", bad[i]);
		assert_true(e.msg[0] != '\0');
		assert_null(strchr(e.msg, 0x1b));
		assert_null(strchr(e.msg, 0x07));
		assert_null(ev.obj);
		assert_null(ev.resource_version);
		watch_event_clear(&ev);
	}
	/* Not NUL-terminated input: only len bytes are read. */
	struct watch_event ev;
	const char two[] = "{\"type\":\"BOOKMARK\",\"object\":{\"metadata\":"
			   "{\"resourceVersion\":\"7\"}}}{garbage";
	assert_int_equal(
	    watch_event_decode(two, sizeof two - 1 - 8, KUBE_POD, &ev, NULL),
	    ST_OK);
	assert_string_equal(ev.resource_version, "7");
	watch_event_clear(&ev);
}

/* The framer and the decoder together, as the reflector uses them. */
struct decoded {
	enum kube_kind kind;
	size_t n[5];
	size_t failed;
	char last_rv[32];
};

static void decode_cb(const char *json, size_t len, void *arg)
{
	struct decoded *d = arg;
	struct watch_event ev;
	if (watch_event_decode(json, len, d->kind, &ev, NULL) != ST_OK) {
		d->failed++;
		return;
	}
	d->n[ev.type]++;
	if (ev.resource_version)
		snprintf(d->last_rv, sizeof d->last_rv, "%s",
			 ev.resource_version);
	watch_event_clear(&ev);
}

static void test_frame_and_decode(void **state)
{
	(void)state;
	struct buf in = BUF_INIT;
	build_stream(&in);
	for (size_t chunk = 1; chunk < 200; chunk += 37) {
		struct watch_framer f;
		struct decoded d = {KUBE_POD, {0}, 0, ""};
		watch_framer_init(&f, 0);
		for (size_t off = 0; off < in.len; off += chunk) {
			size_t n = in.len - off < chunk ? in.len - off : chunk;
			assert_int_equal(watch_framer_feed(&f, in.data + off, n,
							   decode_cb, &d, NULL),
					 ST_OK);
		}
		assert_int_equal(d.n[WATCH_ADDED], 1);
		assert_int_equal(d.n[WATCH_MODIFIED], 1);
		assert_int_equal(d.n[WATCH_DELETED], 1);
		assert_int_equal(d.n[WATCH_BOOKMARK], 1);
		assert_int_equal(d.n[WATCH_ERROR], 1);
		assert_int_equal(d.failed, 1); /* the "{}" */
		assert_string_equal(d.last_rv, "160");
		watch_framer_free(&f);
	}
	buf_free(&in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_framer_whole_stream),
	    cmocka_unit_test(test_framer_every_split_point),
	    cmocka_unit_test(test_framer_values_back_to_back),
	    cmocka_unit_test(test_framer_garbage),
	    cmocka_unit_test(test_framer_too_big),
	    cmocka_unit_test(test_framer_truncated),
	    cmocka_unit_test(test_framer_linear),
	    cmocka_unit_test(test_decode_types),
	    cmocka_unit_test(test_decode_error_message_sanitised),
	    cmocka_unit_test(test_decode_rejects),
	    cmocka_unit_test(test_frame_and_decode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
