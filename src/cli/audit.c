/*
 * `opsdeck audit`: the runs recorded in the clusters of the config repo's
 * environments (every team member's runs), or with --local the ones this
 * machine's opsdeck logged, filtered by environment, runbook, person (as
 * operator or approver), state and age. A run whose opsdeck died is shown
 * as interrupted. With a RUN-ID: that run in full.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/mem.h"
#include "base/sanitize.h"
#include "base/str.h"
#include "cli/rbcli.h"
#include "kube/objects.h"
#include "runbook/audit.h"
#include "runbook/store.h"

static const char usage[] =
	"opsdeck audit [--env E] [--runbook R] [--user U] [--status S] "
	"[--since DUR] [--local] [--json] [RUN-ID]";

struct opts {
	struct platform p;
	const char *runbook, *user, *status, *since;
	bool local;
	long since_s;
};

static int extra(struct kubecli *k, int argc, char **argv, void *arg)
{
	struct opts *o = arg;
	static const char *const names[] = {"--runbook", "--user", "--status",
					    "--since"};
	const char **slots[] = {&o->runbook, &o->user, &o->status, &o->since};
	for (size_t i = 0; i < 4; i++) {
		if (strcmp(argv[0], names[i]))
			continue;
		if (argc < 2 || !*argv[1]) {
			fprintf(stderr, "opsdeck %s: %s needs a value\n",
				k->cmd, names[i]);
			return -1;
		}
		*slots[i] = argv[1];
		return 2;
	}
	if (!strcmp(argv[0], "--local")) {
		o->local = true;
		return 1;
	}
	return platform_option(&o->p, k->cmd, argc, argv);
}

static const char *s(const json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));
	return v ? v : "";
}

static const char *operator_of(const json_t *rec)
{
	return s(json_object_get(rec, "operator"), "username");
}

static const char *approver_of(const json_t *rec)
{
	const json_t *a = json_object_get(rec, "approval");
	if (json_is_object(a))
		return s(a, "approver");
	return s(rec, "approver");
}

static bool wanted(const struct opts *o, const json_t *rec, int64_t now,
		   const char *state)
{
	if (o->p.env && strcmp(s(rec, "environment"), o->p.env))
		return false;
	if (o->runbook && strcmp(s(rec, "runbook"), o->runbook))
		return false;
	if (o->user && strcmp(operator_of(rec), o->user) &&
	    strcmp(approver_of(rec), o->user))
		return false;
	if (o->status && strcmp(state, o->status))
		return false;
	if (o->since && kube_parse_time(s(rec, "started")) < now - o->since_s)
		return false;
	return true;
}

static int local_records(json_t **out)
{
	size_t bad = 0;
	struct err e = {0};
	enum status st = audit_log_latest(NULL, out, &bad, &e);
	if (st == ST_ERR_NOTFOUND) { /* no run on this machine yet */
		*out = json_array();
		return CLI_OK;
	}
	if (st != ST_OK) {
		fprintf(stderr, "opsdeck audit: %s\n", e.msg);
		return CLI_UNREACHABLE;
	}
	if (bad)
		fprintf(stderr, "opsdeck audit: %zu unreadable line%s in the "
				"local log skipped\n",
			bad, bad == 1 ? "" : "s");
	return CLI_OK;
}

static int cmp_started(const void *a, const void *b)
{
	/* newest first; run ids sort by time */
	return strcmp(s(*(json_t *const *)b, "id"), s(*(json_t *const *)a, "id"));
}

int cli_audit(int argc, char **argv)
{
	struct kubecli k = {0};
	struct opts o = {0};
	struct vec pos = VEC_INIT;
	json_t *all = NULL;
	int rc = kubecli_parse(&k, argc, argv, extra, &o, &pos, usage);
	if (rc == CLI_OK && pos.len > 1) {
		fprintf(stderr, "usage: %s\n", usage);
		rc = CLI_USAGE;
	}
	if (rc == CLI_OK && o.since && !str_parse_duration(o.since, &o.since_s)) {
		fprintf(stderr, "opsdeck audit: --since %s: use a duration "
				"like 90s, 30m, 12h, 7d\n",
			o.since);
		rc = CLI_USAGE;
	}
	int fetch_rc = CLI_OK;
	if (rc == CLI_OK && o.local) {
		rc = local_records(&all);
	} else if (rc == CLI_OK) {
		rc = platform_open(&o.p, k.cmd, true);
		if (rc == CLI_OK)
			rc = rbcli_connect(&o.p, &k, o.p.e);
		if (rc == CLI_OK) {
			fetch_rc = rbcli_records(&k, &all);
			if (fetch_rc == 130)
				rc = 130;
		}
	}
	if (rc != CLI_OK)
		goto out;
	int64_t now = (int64_t)time(NULL);
	struct vec keep = VEC_INIT;
	size_t i;
	json_t *rec;
	json_array_foreach(all, i, rec) {
		const char *state = store_effective_state(rec, now);
		if (strcmp(state, s(rec, "state")))
			json_object_set_new(rec, "recordedState",
					    json_string(s(rec, "state")));
		json_object_set_new(rec, "state", json_string(state));
		if (pos.len ? str_eq(s(rec, "id"), pos.items[0])
			    : wanted(&o, rec, now, state))
			vec_push(&keep, rec);
	}
	vec_sort(&keep, cmp_started);
	if (pos.len) {
		if (!keep.len) {
			fprintf(stderr, "opsdeck audit: no run %s%s\n",
				(char *)pos.items[0],
				fetch_rc != CLI_OK ? " in the clusters that "
						     "answered"
						   : "");
			rc = fetch_rc != CLI_OK ? fetch_rc : CLI_BAD_NEWS;
		} else if (k.json) {
			json_print_line(keep.items[0], stdout);
		} else {
			rbcli_print_record(keep.items[0], stdout);
		}
	} else if (k.json) {
		json_t *a = json_array();
		for (size_t j = 0; j < keep.len; j++)
			json_array_append(a, keep.items[j]);
		json_print_line(a, stdout);
		json_decref(a);
	} else {
		static const char *const heads[] = {
			"RUN", "RUNBOOK", "ENVIRONMENT", "TARGET", "OPERATOR",
			"APPROVER", "STATE", "STARTED"};
		struct table t;
		table_init(&t, heads, 8);
		for (size_t j = 0; j < keep.len; j++) {
			const json_t *r = keep.items[j];
			struct buf target = BUF_INIT, age = BUF_INIT;
			buf_printf(&target, "%s%s%s", s(r, "service"),
				   *s(r, "tenant") ? "/" : "", s(r, "tenant"));
			int64_t started = kube_parse_time(s(r, "started"));
			if (started) {
				kube_format_age(&age, now - started);
				buf_puts(&age, " ago");
			}
			const char *cells[] = {
				s(r, "id"),	    s(r, "runbook"),
				s(r, "environment"), target.len ? buf_str(&target) : "-",
				operator_of(r),	    *approver_of(r) ? approver_of(r) : "-",
				s(r, "state"),	    buf_str(&age)};
			table_add(&t, cells);
			buf_free(&target);
			buf_free(&age);
		}
		if (keep.len)
			table_print(&t, stdout);
		else
			fprintf(stderr, "opsdeck audit: no runs%s\n",
				o.p.env || o.runbook || o.user || o.status ||
						o.since
					? " match"
					: " recorded yet");
		table_free(&t);
	}
	if (rc == CLI_OK && fetch_rc != CLI_OK)
		rc = fetch_rc;
	vec_free(&keep, NULL);
out:
	json_decref(all);
	vec_free(&pos, NULL);
	kubecli_free(&k);
	platform_free(&o.p);
	return rc;
}
