/*
 * Unit tests for reading src/runbook/audit.c's local audit log: the fold
 * of its lines into the latest record of each run (audit_log_latest, what
 * `opsdeck audit --local` and the console's audit view show), newest run
 * first; lines that cannot be read (garbage, blank, JSON that is not a
 * line of the log, a record without a run id, a half-written last line,
 * a line over AUDIT_LINE_MAX) counted and skipped while every good line
 * around them still counts; a complete last line without its newline; no
 * log at all; a log that cannot be read; and a round trip through the
 * writer, audit_log_append.
 *
 * Then the fold kept between reads (struct audit_fold, what the console
 * keeps for its session): lines appended after an update are taken
 * without the old ones being read again; a last line without its
 * newline waits until it has one; a file truncated, truncated and
 * written again, replaced or gone starts the fold over; unreadable lines
 * (one over AUDIT_LINE_MAX across updates too) are counted once each.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/status.h"
#include "runbook/audit.h"
#include "test_tmp.h"

struct fx {
	char dir[512];
	char path[600];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	if (!f || tmpdir_make(f->dir, sizeof f->dir, "auditlog"))
		return -1;
	snprintf(f->path, sizeof f->path, "%s/audit.jsonl", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	tmpdir_remove(f->dir);
	free(f);
	return 0;
}

static void write_log(const struct fx *f, const char *text, size_t len)
{
	FILE *o = fopen(f->path, "wb");
	assert_non_null(o);
	assert_int_equal(fwrite(text, 1, len, o), len);
	assert_int_equal(fclose(o), 0);
}

static void append_log(const struct fx *f, const char *text, size_t len)
{
	FILE *o = fopen(f->path, "ab");
	assert_non_null(o);
	assert_int_equal(fwrite(text, 1, len, o), len);
	assert_int_equal(fclose(o), 0);
}

static size_t log_size(const struct fx *f)
{
	struct stat st;
	assert_int_equal(stat(f->path, &st), 0);
	return (size_t)st.st_size;
}

static const char *field(const json_t *rec, const char *key)
{
	const char *s = json_string_value(json_object_get(rec, key));
	return s ? s : "";
}

/* The ids of the folded records, space-separated, and their states. */
static void summary(const json_t *recs, struct buf *out)
{
	size_t i;
	const json_t *r;
	json_array_foreach(recs, i, r) buf_printf(out, "%s%s=%s", i ? " " : "",
						  field(r, "id"),
						  field(r, "state"));
}

static json_t *latest_ok(const struct fx *f, size_t *bad)
{
	json_t *out = NULL;
	struct err e = {0};
	assert_int_equal(audit_log_latest(f->path, &out, bad, &e), ST_OK);
	assert_true(json_is_array(out));
	return out;
}

#define LINE(ev, id, state)                                                   \
	"{\"time\":\"2026-11-12T10:00:00Z\",\"event\":\"" ev "\","           \
	"\"record\":{\"id\":\"" id "\",\"runbook\":\"restart-service\","     \
	"\"state\":\"" state "\"}}\n"

static void test_latest_per_run_newest_first(void **state)
{
	struct fx *f = *state;
	static const char log[] = LINE("started", "20261112-100000-aaaaaa",
				       "running")
	    LINE("started", "20261112-110000-bbbbbb", "waiting-approval")
		LINE("step", "20261112-100000-aaaaaa", "running")
		    LINE("finished", "20261112-100000-aaaaaa", "succeeded")
			LINE("finished", "20261112-090000-cccccc", "refused");
	write_log(f, log, strlen(log));
	size_t bad = 99;
	json_t *recs = latest_ok(f, &bad);
	assert_int_equal(bad, 0);
	struct buf b = BUF_INIT;
	summary(recs, &b);
	/* newest run first; each run as its last line has it */
	assert_string_equal(buf_str(&b),
			    "20261112-110000-bbbbbb=waiting-approval "
			    "20261112-100000-aaaaaa=succeeded "
			    "20261112-090000-cccccc=refused");
	/* the whole record is kept, not only the id and the state */
	assert_string_equal(field(json_array_get(recs, 0), "runbook"),
			    "restart-service");
	buf_free(&b);
	json_decref(recs);
}

static void test_unreadable_lines_counted(void **state)
{
	struct fx *f = *state;
	static const char log[] =
	    "this is not JSON\n"
	    "\n"
	    LINE("started", "20261112-100000-aaaaaa", "running")
	    "[1, 2, 3]\n"
	    "{\"event\":\"started\"}\n"			  /* no record */
	    "{\"event\":\"started\",\"record\":\"x\"}\n" /* not an object */
	    "{\"record\":{\"id\":\"20261112-120000-dddddd\"}}\n" /* no event */
	    "{\"event\":\"started\",\"record\":{\"state\":\"running\"}}\n"
	    "{\"event\":\"started\",\"record\":{\"id\":\"\"}}\n"
	    "{\"event\":\"started\",\"record\":{\"id\":7}}\n"
	    "\"\\u0000\"\n"
	    LINE("finished", "20261112-100000-aaaaaa", "failed")
	    /* a half-written last line */
	    "{\"time\":\"2026-11-12T10:05:00Z\",\"event\":\"fin";
	write_log(f, log, sizeof log - 1);
	size_t bad = 0;
	json_t *recs = latest_ok(f, &bad);
	assert_int_equal(bad, 11);
	struct buf b = BUF_INIT;
	summary(recs, &b);
	assert_string_equal(buf_str(&b), "20261112-100000-aaaaaa=failed");
	buf_free(&b);
	json_decref(recs);
}

static void test_last_line_without_newline(void **state)
{
	struct fx *f = *state;
	static const char log[] = LINE("started", "20261112-100000-aaaaaa",
				       "running")
	    LINE("finished", "20261112-100000-aaaaaa", "aborted");
	/* the last newline is missing, the line is whole */
	write_log(f, log, sizeof log - 2);
	size_t bad = 0;
	json_t *recs = latest_ok(f, &bad);
	assert_int_equal(bad, 0);
	assert_int_equal(json_array_size(recs), 1);
	assert_string_equal(field(json_array_get(recs, 0), "state"),
			    "aborted");
	json_decref(recs);
}

/* A line over AUDIT_LINE_MAX is skipped without being held; the lines
 * around it count, and so does a line just under the limit. */
static void test_huge_lines(void **state)
{
	struct fx *f = *state;
	struct buf b = BUF_INIT;
	buf_puts(&b, LINE("started", "20261112-100000-aaaaaa", "running"));
	/* over the limit, in the middle */
	size_t at = b.len;
	buf_reserve(&b, AUDIT_LINE_MAX + 64);
	memset(b.data + at, 'x', AUDIT_LINE_MAX + 1);
	b.len += AUDIT_LINE_MAX + 1;
	buf_putc(&b, '\n');
	/* just under it: a record with a long message */
	static const char head[] =
	    "{\"event\":\"finished\",\"record\":{\"id\":"
	    "\"20261112-100000-aaaaaa\",\"state\":\"succeeded\","
	    "\"message\":\"";
	static const char tail[] = "\"}}";
	buf_puts(&b, head);
	size_t fill = AUDIT_LINE_MAX - (sizeof head - 1) - (sizeof tail - 1);
	at = b.len;
	buf_reserve(&b, fill + 64);
	memset(b.data + at, 'm', fill);
	b.len += fill;
	buf_puts(&b, tail);
	buf_putc(&b, '\n');
	buf_puts(&b, LINE("started", "20261112-110000-bbbbbb", "running"));
	/* over the limit again, last, without a newline */
	at = b.len;
	buf_reserve(&b, AUDIT_LINE_MAX + 64);
	memset(b.data + at, '{', AUDIT_LINE_MAX + 10);
	b.len += AUDIT_LINE_MAX + 10;
	write_log(f, b.data, b.len);
	buf_free(&b);

	size_t bad = 0;
	json_t *recs = latest_ok(f, &bad);
	assert_int_equal(bad, 2);
	assert_int_equal(json_array_size(recs), 2);
	const json_t *a = json_array_get(recs, 1);
	assert_string_equal(field(a, "id"), "20261112-100000-aaaaaa");
	assert_string_equal(field(a, "state"), "succeeded");
	assert_int_equal(strlen(field(a, "message")), fill);
	json_decref(recs);
}

static void test_no_log(void **state)
{
	struct fx *f = *state;
	json_t *out = (json_t *)1;
	size_t bad = 5;
	struct err e = {0};
	assert_int_equal(audit_log_latest(f->path, &out, &bad, &e),
			 ST_ERR_NOTFOUND);
	assert_null(out);
	assert_int_equal(bad, 0);
	assert_non_null(strstr(e.msg, "audit.jsonl"));
}

static void test_unreadable_log(void **state)
{
	struct fx *f = *state;
	/* a folder where the file should be: it opens, but does not read */
	assert_int_equal(mkdir(f->path, 0700), 0);
	json_t *out = NULL;
	size_t bad = 0;
	struct err e = {0};
	enum status st = audit_log_latest(f->path, &out, &bad, &e);
	assert_int_not_equal(st, ST_OK);
	assert_int_not_equal(st, ST_ERR_NOTFOUND);
	assert_null(out);
	assert_true(e.msg[0] != '\0');
	rmdir(f->path);
}

/* What the writer writes, the reader folds. */
static void test_round_trip(void **state)
{
	struct fx *f = *state;
	static const char *const states[] = {"running", "running", "failed"};
	static const char *const events[] = {"started", "step", "finished"};
	for (size_t i = 0; i < 3; i++) {
		json_t *rec = json_pack("{s:s, s:s, s:s, s:{s:s}}", "id",
					"20261112-100000-aaaaaa", "state",
					states[i], "message", "line\none\x1b[2J",
					"operator", "username", "junior");
		struct err e = {0};
		assert_int_equal(audit_log_append(f->path, events[i], rec, &e),
				 ST_OK);
		json_decref(rec);
	}
	size_t bad = 0;
	json_t *recs = latest_ok(f, &bad);
	assert_int_equal(bad, 0);
	assert_int_equal(json_array_size(recs), 1);
	const json_t *r = json_array_get(recs, 0);
	assert_string_equal(field(r, "state"), "failed");
	/* text comes back as it was given: the console sanitises it when it
	 * draws, the log keeps it whole */
	assert_string_equal(field(r, "message"), "line\none\x1b[2J");
	json_decref(recs);
}

/* A line cut short by a crash does not swallow the next one appended. */
static void test_append_after_cut_line(void **state)
{
	struct fx *f = *state;
	static const char cut[] = "{\"time\":\"2026-11-12T10:00:00Z\",\"ev";
	append_log(f, cut, sizeof cut - 1);
	json_t *rec = json_pack("{s:s, s:s}", "id", "20261112-100000-aaaaaa",
				"state", "running");
	struct err e = {0};
	assert_int_equal(audit_log_append(f->path, "started", rec, &e), ST_OK);
	json_decref(rec);
	size_t bad = 0;
	json_t *recs = latest_ok(f, &bad);
	assert_int_equal(bad, 1); /* the cut line, alone */
	assert_int_equal(json_array_size(recs), 1);
	assert_string_equal(field(json_array_get(recs, 0), "state"), "running");
	json_decref(recs);
}

/* ---- the fold kept between reads ----------------------------------------- */

/* Update f and give its records as summary() does, and its bad count. */
static void fold_now(struct audit_fold *fo, struct buf *sum, size_t *bad)
{
	struct err e = {0};
	assert_int_equal(audit_fold_update(fo, &e), ST_OK);
	json_t *recs = audit_fold_records(fo);
	buf_clear(sum);
	summary(recs, sum);
	json_decref(recs);
	*bad = audit_fold_bad(fo);
}

#define A_ID "20261112-100000-aaaaaa"
#define B_ID "20261112-110000-bbbbbb"
#define C_ID "20261112-120000-cccccc"

/* An update reads only what was appended: the first line, broken in
 * place after it was taken (same length, so the offset still holds),
 * is not read again — its run keeps the record it had. */
static void test_fold_takes_only_appended_lines(void **state)
{
	struct fx *f = *state;
	static const char log[] =
	    LINE("started", A_ID, "running") LINE("started", B_ID, "running");
	write_log(f, log, strlen(log));
	struct audit_fold *fo = audit_fold_new(f->path);
	struct buf b = BUF_INIT;
	size_t bad = 99;
	fold_now(fo, &b, &bad);
	assert_string_equal(buf_str(&b), B_ID "=running " A_ID "=running");
	assert_int_equal(bad, 0);
	assert_int_equal(audit_fold_offset(fo), strlen(log));

	/* nothing new: the same */
	fold_now(fo, &b, &bad);
	assert_string_equal(buf_str(&b), B_ID "=running " A_ID "=running");
	assert_int_equal(audit_fold_offset(fo), strlen(log));

	FILE *o = fopen(f->path, "r+b");
	assert_non_null(o);
	assert_int_equal(fputc('#', o), '#'); /* the first line's '{' */
	assert_int_equal(fclose(o), 0);
	static const char more[] = LINE("finished", B_ID, "succeeded")
	    LINE("started", C_ID, "running");
	append_log(f, more, strlen(more));
	fold_now(fo, &b, &bad);
	assert_string_equal(buf_str(&b), C_ID "=running " B_ID
					      "=succeeded " A_ID "=running");
	assert_int_equal(bad, 0);
	assert_int_equal(audit_fold_offset(fo), log_size(f));

	/* a reader from the start sees the broken line */
	size_t all_bad = 0;
	json_t *recs = latest_ok(f, &all_bad);
	assert_int_equal(all_bad, 1);
	assert_int_equal(json_array_size(recs), 2);
	json_decref(recs);
	buf_free(&b);
	audit_fold_free(fo);
}

/* A line still being written is not taken until its newline comes, and
 * is not counted as unreadable meanwhile, even when it would parse. */
static void test_fold_partial_line_waits(void **state)
{
	struct fx *f = *state;
	static const char first[] = LINE("started", A_ID, "running");
	static const char second[] = LINE("finished", A_ID, "failed");
	size_t half = strlen(second) / 2;
	write_log(f, first, strlen(first));
	append_log(f, second, half);
	struct audit_fold *fo = audit_fold_new(f->path);
	struct buf b = BUF_INIT;
	size_t bad = 99;
	fold_now(fo, &b, &bad);
	assert_string_equal(buf_str(&b), A_ID "=running");
	assert_int_equal(bad, 0);
	assert_int_equal(audit_fold_offset(fo), strlen(first));

	/* the rest but the newline: whole JSON, still not a whole line */
	append_log(f, second + half, strlen(second) - half - 1);
	fold_now(fo, &b, &bad);
	assert_string_equal(buf_str(&b), A_ID "=running");
	assert_int_equal(bad, 0);
	assert_int_equal(audit_fold_offset(fo), strlen(first));

	append_log(f, "\n", 1);
	fold_now(fo, &b, &bad);
	assert_string_equal(buf_str(&b), A_ID "=failed");
	assert_int_equal(bad, 0);
	assert_int_equal(audit_fold_offset(fo), log_size(f));
	buf_free(&b);
	audit_fold_free(fo);
}

/* Truncated (shorter than what was taken), or truncated and written
 * again past it (the same inode, longer): the fold starts over. */
static void test_fold_truncated_starts_over(void **state)
{
	struct fx *f = *state;
	static const char log[] =
	    LINE("started", A_ID, "running") "garbage\n" LINE("finished", A_ID,
							      "succeeded");
	write_log(f, log, strlen(log));
	struct stat before;
	assert_int_equal(stat(f->path, &before), 0);
	struct audit_fold *fo = audit_fold_new(f->path);
	struct buf b = BUF_INIT;
	size_t bad = 0;
	fold_now(fo, &b, &bad);
	assert_string_equal(buf_str(&b), A_ID "=succeeded");
	assert_int_equal(bad, 1);

	/* shorter */
	static const char shorter[] = LINE("started", B_ID, "running");
	write_log(f, shorter, strlen(shorter));
	struct stat after;
	assert_int_equal(stat(f->path, &after), 0);
	assert_true(after.st_ino == before.st_ino); /* the same file */
	fold_now(fo, &b, &bad);
	assert_string_equal(buf_str(&b), B_ID "=running");
	assert_int_equal(bad, 0);
	assert_int_equal(audit_fold_offset(fo), strlen(shorter));

	/* written again longer: no newline where the last taken line
	 * ended */
	static const char longer[] =
	    "{\"event\":\"started\",\"record\":{\"id\":\"" C_ID "\","
	    "\"state\":\"running\",\"message\":\"a message long enough to "
	    "reach past the end of the line it replaces, and more\"}}\n";
	assert_true(strlen(longer) > strlen(shorter));
	assert_true(longer[strlen(shorter) - 1] != '\n');
	write_log(f, longer, strlen(longer));
	fold_now(fo, &b, &bad);
	assert_string_equal(buf_str(&b), C_ID "=running");
	assert_int_equal(bad, 0);
	assert_int_equal(audit_fold_offset(fo), strlen(longer));
	buf_free(&b);
	audit_fold_free(fo);
}

/* Another file renamed over the log — the same lines and more, the first
 * one broken: the fold reads it from the start (it would not see the
 * broken line if it went on from its offset). */
static void test_fold_replaced_starts_over(void **state)
{
	struct fx *f = *state;
	static const char log[] =
	    LINE("started", A_ID, "running") LINE("started", B_ID, "running");
	write_log(f, log, strlen(log));
	struct audit_fold *fo = audit_fold_new(f->path);
	struct buf b = BUF_INIT;
	size_t bad = 0;
	fold_now(fo, &b, &bad);
	assert_string_equal(buf_str(&b), B_ID "=running " A_ID "=running");

	char tmp[700];
	snprintf(tmp, sizeof tmp, "%s.new", f->path);
	FILE *o = fopen(tmp, "wb");
	assert_non_null(o);
	assert_int_equal(fputc('#', o), '#');
	assert_int_equal(fwrite(log + 1, 1, strlen(log) - 1, o),
			 strlen(log) - 1);
	static const char more[] = LINE("started", C_ID, "running");
	assert_int_equal(fwrite(more, 1, strlen(more), o), strlen(more));
	assert_int_equal(fclose(o), 0);
	assert_int_equal(rename(tmp, f->path), 0);

	fold_now(fo, &b, &bad);
	assert_string_equal(buf_str(&b), C_ID "=running " B_ID "=running");
	assert_int_equal(bad, 1);
	assert_int_equal(audit_fold_offset(fo), log_size(f));
	buf_free(&b);
	audit_fold_free(fo);
}

/* The log gone: the fold is empty and says NOTFOUND; a new log is read
 * from its start. */
static void test_fold_vanished(void **state)
{
	struct fx *f = *state;
	static const char log[] = "garbage\n" LINE("started", A_ID, "running");
	write_log(f, log, strlen(log));
	struct audit_fold *fo = audit_fold_new(f->path);
	struct buf b = BUF_INIT;
	size_t bad = 0;
	fold_now(fo, &b, &bad);
	assert_string_equal(buf_str(&b), A_ID "=running");
	assert_int_equal(bad, 1);

	assert_int_equal(unlink(f->path), 0);
	struct err e = {0};
	assert_int_equal(audit_fold_update(fo, &e), ST_ERR_NOTFOUND);
	assert_non_null(strstr(e.msg, "audit.jsonl"));
	json_t *recs = audit_fold_records(fo);
	assert_int_equal(json_array_size(recs), 0);
	json_decref(recs);
	assert_int_equal(audit_fold_bad(fo), 0);
	assert_int_equal(audit_fold_offset(fo), 0);

	static const char again[] = LINE("started", B_ID, "running");
	write_log(f, again, strlen(again));
	fold_now(fo, &b, &bad);
	assert_string_equal(buf_str(&b), B_ID "=running");
	assert_int_equal(bad, 0);
	buf_free(&b);
	audit_fold_free(fo);
}

/* Unreadable lines add up across updates, each counted once: those
 * taken are not counted again, a half-written one not before its
 * newline, one over AUDIT_LINE_MAX once when its newline comes however
 * many updates it spans (and what was read of it is not read again). */
static void test_fold_bad_counted_once(void **state)
{
	struct fx *f = *state;
	static const char log[] = "garbage\n" LINE("started", A_ID, "running");
	write_log(f, log, strlen(log));
	struct audit_fold *fo = audit_fold_new(f->path);
	struct buf b = BUF_INIT;
	size_t bad = 0;
	fold_now(fo, &b, &bad);
	assert_int_equal(bad, 1);
	fold_now(fo, &b, &bad);
	assert_int_equal(bad, 1);

	/* one more bad line, and the start of one */
	static const char more[] = "[1, 2]\n{\"event\":\"fin";
	append_log(f, more, strlen(more));
	fold_now(fo, &b, &bad);
	assert_int_equal(bad, 2);
	fold_now(fo, &b, &bad);
	assert_int_equal(bad, 2);
	/* ...which ends unreadable, with a blank line after it */
	append_log(f, "ished\"}\n\n", 9);
	fold_now(fo, &b, &bad);
	assert_int_equal(bad, 4);
	assert_string_equal(buf_str(&b), A_ID "=running");

	/* a line over the limit, written over two updates */
	struct buf big = BUF_INIT;
	buf_reserve(&big, AUDIT_LINE_MAX + 64);
	memset(big.data, 'x', AUDIT_LINE_MAX + 1);
	big.len = AUDIT_LINE_MAX + 1;
	append_log(f, big.data, big.len);
	fold_now(fo, &b, &bad);
	assert_int_equal(bad, 4);
	/* what was read of it is behind the offset: not read again */
	assert_int_equal(audit_fold_offset(fo), log_size(f));
	append_log(f, big.data, 1000);
	fold_now(fo, &b, &bad);
	assert_int_equal(bad, 4);
	static const char end[] = "xx\n" LINE("finished", A_ID, "aborted");
	append_log(f, end, strlen(end));
	fold_now(fo, &b, &bad);
	assert_int_equal(bad, 5);
	assert_string_equal(buf_str(&b), A_ID "=aborted");
	fold_now(fo, &b, &bad);
	assert_int_equal(bad, 5);
	assert_int_equal(audit_fold_offset(fo), log_size(f));

	/* a reader from the start counts the same */
	size_t all_bad = 0;
	json_t *recs = latest_ok(f, &all_bad);
	assert_int_equal(all_bad, 5);
	json_decref(recs);
	buf_free(&big);
	buf_free(&b);
	audit_fold_free(fo);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_latest_per_run_newest_first,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unreadable_lines_counted,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_last_line_without_newline,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_huge_lines, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_log, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unreadable_log, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_append_after_cut_line, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_fold_takes_only_appended_lines,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fold_partial_line_waits, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_fold_truncated_starts_over,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fold_replaced_starts_over,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fold_vanished, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fold_bad_counted_once, setup,
					    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
