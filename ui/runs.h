/*
 * The console's runs: the runbook runs started from this console, and the
 * run records every cluster holds, for the runbooks, run, approvals and
 * audit views.
 *
 * A run (run.h) belongs here, not to the view that shows it: leaving the
 * run view keeps the run going, and opening it again (from the runbooks
 * view's list of this console's runs, or the audit view) shows it where it
 * is. Each run keeps the last RUNS_OUTPUT_MAX lines of its steps' output
 * and what it waits for from its operator (the gate question or a confirm
 * step); the run view asks it when it is on screen. On quit, active runs
 * are aborted and the loop keeps turning until their final records are
 * written (runs_wind_down).
 *
 * The records: one watch per cluster on the ConfigMaps opsdeck keeps in
 * the RUN_NAMESPACE namespace (run records, approvals, once-keys),
 * started on first use and shared — views join it with kube_watch_join
 * and read it back with runs_records. Who I am on each cluster
 * (SelfSubjectReview) is asked once per client; decisions on runs
 * (approve, reject) are made here, so their answers find a home after
 * the view that asked is gone. This machine's local audit log gives the
 * same rows (runs_local), for the runs that never reached a cluster.
 */
#ifndef OPSDECK_UI_RUNS_H
#define OPSDECK_UI_RUNS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/status.h"
#include "base/vec.h"
#include "kube/identity.h"
#include "kube/reflector.h"
#include "model/model.h"
#include "runbook/run.h"
#include "runbook/runbook.h"
#include "ui/theme.h"

struct app;
struct runs;
struct runs_run;

/* Output lines a run keeps (older ones go), and the bytes of one line. */
#define RUNS_OUTPUT_MAX 2000
#define RUNS_LINE_MAX	4096

struct runs *runs_new(struct app *a);
/* Frees every run (an unfinished one is aborted on a best-effort basis:
 * call runs_wind_down first) and stops the watches. */
void runs_free(struct runs *rs);

/* ---- runs of this console ------------------------------------------------ */

/*
 * Start rb on env (and cell, for a cell runbook) with vals (checked;
 * moved). NULL with why when it cannot start at all (no catalog, no
 * client for the environment's cluster).
 */
struct runs_run *runs_start(struct runs *rs, const struct runbook *rb,
			    struct model_env *env, struct model_cell *cell,
			    struct rb_values *vals, struct buf *why);

/* This console's runs, oldest first. */
size_t runs_count(const struct runs *rs);
struct runs_run *runs_at(const struct runs *rs, size_t i);
struct runs_run *runs_find(const struct runs *rs, const char *run_id);
/* Runs not in a final state. */
size_t runs_active(const struct runs *rs);

struct run *runs_run(const struct runs_run *rr);
const struct runbook *runs_runbook(const struct runs_run *rr);
struct model_env *runs_env(const struct runs_run *rr);
struct model_cell *runs_cell(const struct runs_run *rr);
/* Bumped on every change of the run (state, step, output, question). */
uint64_t runs_version(const struct runs_run *rr);

/* Output: lines first..end-1 are kept (at most RUNS_OUTPUT_MAX);
 * runs_output_line gives one (unsanitised: draw.h sanitises) and the
 * index of the step it came from. */
uint64_t runs_output_first(const struct runs_run *rr);
uint64_t runs_output_end(const struct runs_run *rr);
bool runs_output_line(const struct runs_run *rr, uint64_t seq, size_t *step,
		      const char **text, size_t *len);

/* What the run waits for from its operator. */
enum runs_ask {
	RUNS_ASK_NONE,
	RUNS_ASK_GATE,	  /* CONFIRMING: run_gate_answer */
	RUNS_ASK_CONFIRM, /* a confirm step: runs_confirm */
};
enum runs_ask runs_asking(const struct runs_run *rr, size_t *step,
			  const char **instructions);
/* The answer to a confirm step. */
void runs_confirm(struct runs_run *rr, bool proceed, const char *note);

/*
 * Bumped whenever a run of this console starts or the engine reports a
 * change of one (its state or a step's; not output lines): the moments
 * the run's lines in the local audit log are written.
 */
uint64_t runs_changes(const struct runs *rs);

/*
 * Quit: abort every active run with reason and keep the loop running
 * until each has settled (its final record written or given up) or
 * max_ms pass. Returns true when all settled.
 */
bool runs_wind_down(struct runs *rs, const char *reason, uint64_t max_ms);

/* ---- records in the clusters --------------------------------------------- */

/* Join the shared record watch of every cluster of the session (each
 * started on first use): out receives one struct kube_watch * per
 * cluster, in session order, NULL for a cluster without a client.
 * kube_unwatch each when done. */
void runs_join(struct runs *rs, const struct kube_watch_ops *ops, void *arg,
	       struct vec *out);

/* One run as its record tells it (copied out of a watch, or read from
 * the local log). */
struct runs_rec {
	char *id, *runbook, *title, *env, *service, *tenant, *operator_,
	    *approver, *state, *started, *ended, *message, *gate;
	/* the session's context name; for a local record the record's
	 * "cluster" (the session's string when the session has it) */
	const char *cluster;
	char *plan;	  /* data.plan: the plan for people, or NULL */
	json_t *record;	  /* the whole record */
	json_t *decision; /* the deciding approval object, or NULL */
	int64_t started_at;
	bool mine;  /* the operator is who I am on that cluster */
	bool local; /* from this machine's local audit log */
};
void runs_rec_free(void *rec);

/* Every run record of the watches (from runs_join), newest first, as
 * struct runs_rec *; state is the effective state (an unfinished run
 * whose opsdeck is gone is "interrupted"). */
void runs_records(struct runs *rs, const struct vec *watches, struct vec *out);
/* The record of one run in one watch, or NULL (free with runs_rec_free). */
struct runs_rec *runs_record(struct runs *rs, const struct kube_watch *w,
			     const char *run_id);

/*
 * The runs this machine's opsdeck logged (runbook/audit.h, the default
 * path), as struct runs_rec * rows like runs_records' (local set; no
 * plan, the decision the record carries): the latest line of each run,
 * newest first, state the effective one. *bad counts the lines that
 * could not be read. ST_ERR_NOTFOUND when there is no log yet; another
 * failure (e says why) when it cannot be read. The log's fold is kept
 * for the session (struct audit_fold): a call reads and parses only the
 * lines appended since the last one (the whole file the first time, or
 * when it was replaced or truncated); the rows are made anew each call.
 */
enum status runs_local(struct runs *rs, struct vec *out, size_t *bad,
		       struct err *e);

/* A record state's role: succeeded ok, failed error, waiting warning... */
enum role runs_state_role(const char *state);

/* Who I am on the cluster of context (asked once; NULL until known). */
const struct kube_identity *runs_identity(struct runs *rs, const char *context);

/* Approve (reason NULL) or reject run_id on context's cluster, as who the
 * cluster says I am; the outcome is a message on the bottom line. */
void runs_decide(struct runs *rs, const char *context, const char *run_id,
		 bool approve, const char *reason);

#endif
