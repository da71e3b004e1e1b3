/*
 * Local audit log benchmark: what the console pays to look at a big log
 * again after one of its runs wrote to it. Generates a log of TOTAL_MB of
 * runs shaped like real ones (a cell runbook with four steps; six lines a
 * run, started, one a step, finished, of 1-2 KB each), then times
 *
 *   full         audit_log_latest: the whole file read and folded, as
 *                every look did before the fold was kept (and as opsdeck
 *                audit --local still does, once);
 *   incremental  audit_fold_update + audit_fold_records on a fold of the
 *                same log after one more run's six lines were appended
 *                with audit_log_append: what the console does now (the
 *                two also shown apart: parsing the new lines, and the
 *                array of every run, newest first).
 *
 *   bench/auditlog [TOTAL_MB] [REPEATS]     (defaults: 50 and 5)
 *
 * Each is timed REPEATS times and the median printed. The log is written
 * in a temporary folder (TMPDIR or /tmp) and removed at the end; the file
 * is in the page cache for every timing, so they measure parsing, not
 * the disk.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/status.h"
#include "runbook/audit.h"

#define NSTEPS 4

static double now_sec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Run n's record after `done` steps (NSTEPS + 1: finished). */
static json_t *record(unsigned n, int done)
{
	static const char *const names[NSTEPS] = {"migrate", "wait", "health",
						  "healthz"};
	static const char *const actions[NSTEPS] = {
	    "run-job", "wait-rollout", "health-check", "http-check"};
	char id[64], stamp[32];
	snprintf(id, sizeof id, "2026%04u-%06u-%06x", 1000 + n / 100000,
		 n % 100000, n * 2654435761u & 0xffffff);
	snprintf(stamp, sizeof stamp, "2026-11-23T%02u:%02u:%02uZ",
		 n / 3600 % 24, n / 60 % 60, n % 60);
	json_t *steps = json_array();
	for (int i = 0; i < NSTEPS; i++) {
		const char *st = i < done    ? "succeeded"
				 : i == done ? "running"
					     : "pending";
		char summary[200], msg[200];
		snprintf(summary, sizeof summary,
			 "%s deployment/payments-api-%u in payments-prod "
			 "(unhealthy pods <= 0, warnings since 15m)",
			 actions[i], n % 97);
		msg[0] = '\0';
		if (i < done)
			snprintf(msg, sizeof msg,
				 "step %s of run %u succeeded: 6 pods healthy, "
				 "0 unhealthy, 0 recent warnings",
				 names[i], n);
		json_array_append_new(
		    steps, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
				     "name", names[i], "action", actions[i],
				     "summary", summary, "state", st, "started",
				     i <= done ? stamp : "", "ended",
				     i < done ? stamp : "", "message", msg));
	}
	const char *state = done > NSTEPS ? "succeeded" : "running";
	return json_pack(
	    "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:n, s:s, "
	    "s:{s:s, s:[s,s]}, s:s, s:s, s:{s:s}, s:o, s:s, s:s, s:i, s:n, "
	    "s:s, s:s, s:s}",
	    "runbook", "db-migration", "title",
	    "Database migration (payments-api)", "scope", "cell", "file",
	    "runbooks/db-migration.yaml", "blob",
	    "4c4800c5254dc1bf814436997bf8dc94307a337d", "commit",
	    "89184d81a2a2dfe04946e15616aa6b7bcc6df1e9", "environment",
	    "production", "cluster", "finpay-prod", "namespace",
	    "payments-prod", "tenant", "service", "payments-api", "operator",
	    "username", "admin", "groups", "ops", "system:authenticated",
	    "gate", "second-person", "onceKey", "migrate:production:V42",
	    "variables", "migration", "V42__add_refund_index", "steps", steps,
	    "id", id, "started", stamp, "pid", (int)(n % 30000), "approver",
	    "host", "vm", "state", state, "message",
	    done > NSTEPS ? "every step succeeded" : "running");
}

static const char *event_of(int done)
{
	return done == 0 ? "started" : done > NSTEPS ? "finished" : "step";
}

/* Run n's lines as audit_log_append writes them (without the fsync). */
static void put_run(FILE *o, unsigned n, size_t *bytes)
{
	for (int done = 0; done <= NSTEPS + 1; done++) {
		json_t *rec = record(n, done);
		json_t *line =
		    json_pack("{s:s, s:s, s:o}", "time", "2026-11-23T17:38:00Z",
			      "event", event_of(done), "record", rec);
		char *text = json_dumps(line, JSON_COMPACT);
		fputs(text, o);
		fputc('\n', o);
		*bytes += strlen(text) + 1;
		free(text);
		json_decref(line);
	}
}

int main(int argc, char **argv)
{
	size_t total_mb = argc > 1 ? strtoul(argv[1], NULL, 10) : 50;
	size_t reps = argc > 2 ? strtoul(argv[2], NULL, 10) : 5;
	if (!reps)
		reps = 1;
	const char *tmp =
	    getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char dir[512], path[600];
	snprintf(dir, sizeof dir, "%s/opsdeck-bench-auditlog.XXXXXX", tmp);
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof path, "%s/audit.jsonl", dir);

	FILE *o = fopen(path, "w");
	if (!o) {
		perror(path);
		return 1;
	}
	size_t bytes = 0;
	unsigned runs = 0;
	while (bytes < total_mb << 20)
		put_run(o, runs++, &bytes);
	fclose(o);

	double *full = calloc(reps, sizeof *full);
	double *incr = calloc(reps, sizeof *incr);
	double *upd = calloc(reps, sizeof *upd);
	size_t nrecs = 0, bad = 0;
	struct err e = {0};
	for (size_t r = 0; r < reps; r++) {
		json_t *recs = NULL;
		double t0 = now_sec();
		if (audit_log_latest(path, &recs, &bad, &e) != ST_OK) {
			fprintf(stderr, "auditlog: %s\n", e.msg);
			return 1;
		}
		full[r] = now_sec() - t0;
		nrecs = json_array_size(recs);
		json_decref(recs);
	}

	struct audit_fold *fold = audit_fold_new(path);
	size_t appended = 0;
	for (size_t r = 0; r < reps; r++) {
		if (audit_fold_update(fold, &e) != ST_OK) {
			fprintf(stderr, "auditlog: %s\n", e.msg);
			return 1;
		}
		uint64_t was = audit_fold_offset(fold);
		/* one more run, as the engine writes it */
		unsigned n = runs++;
		for (int done = 0; done <= NSTEPS + 1; done++) {
			json_t *rec = record(n, done);
			if (audit_log_append(path, event_of(done), rec, &e) !=
			    ST_OK) {
				fprintf(stderr, "auditlog: %s\n", e.msg);
				return 1;
			}
			json_decref(rec);
		}
		double t0 = now_sec();
		if (audit_fold_update(fold, &e) != ST_OK) {
			fprintf(stderr, "auditlog: %s\n", e.msg);
			return 1;
		}
		upd[r] = now_sec() - t0;
		json_t *recs = audit_fold_records(fold);
		incr[r] = now_sec() - t0;
		appended = (size_t)(audit_fold_offset(fold) - was);
		if (json_array_size(recs) != nrecs + r + 1) {
			fprintf(stderr, "auditlog: %zu runs, expected %zu\n",
				json_array_size(recs), nrecs + r + 1);
			return 1;
		}
		json_decref(recs);
	}
	audit_fold_free(fold);

	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double f = median(full, reps), i = median(incr, reps),
	       u = median(upd, reps);
	printf("auditlog: %.1f MB, %u runs, %zu unreadable; full fold %.1f ms "
	       "(%.0f MB/s); incremental after one run (%zu bytes) %.3f ms "
	       "(update %.3f ms + records %.3f ms); medians of %zu; "
	       "peak RSS %ld MiB\n",
	       (double)bytes / (1 << 20), runs - (unsigned)reps, bad, f * 1e3,
	       (double)bytes / (1 << 20) / f, appended, i * 1e3, u * 1e3,
	       (i - u) * 1e3, reps, ru.ru_maxrss / 1024);
	free(full);
	free(incr);
	free(upd);
	unlink(path);
	rmdir(dir);
	return 0;
}
