/*
 * The run engine: one run of one runbook, from its plan to its final
 * record, on the loop (the command line and the console drive the same
 * engine).
 *
 * Flow (each arrow is a state change the caller hears about):
 *   PREPARING  who am I (SelfSubjectReview); live choices checked; the
 *              plan built; policy.yaml; every permission asked
 *              (SelfSubjectAccessReview)  -> REFUSED with the exact
 *              missing permission, or
 *   CONFIRMING the caller shows the plan and answers run_gate_answer():
 *              for a `confirm` gate the operator's typed environment name
 *   CLAIMING   the once-key is claimed (409 -> REFUSED: who, when, which
 *              run); the run record is created
 *   WAITING    (second-person) until a different identity approves or
 *              rejects (-> REJECTED) or approval-timeout (-> EXPIRED)
 *   RUNNING    the steps in order, each with its timeout; the record is
 *              updated after each; an Event is posted on every object a
 *              step touches; a failed step ends the run unless it may fail
 *   SUCCEEDED / FAILED / ABORTED (run_abort: Ctrl-C, the operator, a
 *              signal; recorded before the caller exits)
 *
 * Every record change also goes to the local audit log (audit.h). A run
 * that ends before its first step gives its once-key back.
 */
#ifndef OPSDECK_RUNBOOK_RUN_H
#define OPSDECK_RUNBOOK_RUN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "kube/client.h"
#include "loop/loop.h"
#include "model/model.h"
#include "runbook/plan.h"
#include "runbook/policy.h"
#include "runbook/runbook.h"
#include "runbook/vars.h"

#define RUN_STATES(X)                                                          \
	X(PREPARING, "preparing")                                              \
	X(REFUSED, "refused")                                                  \
	X(CONFIRMING, "confirming")                                            \
	X(CLAIMING, "claiming")                                                \
	X(WAITING, "waiting-approval")                                         \
	X(RUNNING, "running")                                                  \
	X(SUCCEEDED, "succeeded")                                              \
	X(FAILED, "failed")                                                    \
	X(ABORTED, "aborted")                                                  \
	X(REJECTED, "rejected")                                                \
	X(EXPIRED, "expired")

enum run_state {
#define RUN_STATE_ENUM(e, name) RUN_##e,
	RUN_STATES(RUN_STATE_ENUM)
#undef RUN_STATE_ENUM
	RUN__STATE_COUNT
};
const char *run_state_name(enum run_state s);
bool run_state_final(enum run_state s);

#define STEP_STATES(X)                                                         \
	X(PENDING, "pending")                                                  \
	X(RUNNING, "running")                                                  \
	X(SUCCEEDED, "succeeded")                                              \
	X(FAILED, "failed")                                                    \
	X(TIMED_OUT, "timed-out")                                              \
	X(ABORTED, "aborted")                                                  \
	X(SKIPPED, "skipped")

enum step_state {
#define STEP_STATE_ENUM(e, name) STEP_##e,
	STEP_STATES(STEP_STATE_ENUM)
#undef STEP_STATE_ENUM
};
const char *step_state_name(enum step_state s);

/* What can happen to a run; run_next is the engine's transition table
 * (exposed for tests): false when ev is not allowed in from. */
enum run_event {
	RUN_EV_PLANNED,	  /* plan built and allowed */
	RUN_EV_REFUSE,	  /* policy, permission, values, once-key */
	RUN_EV_GATE_OK,	  /* the operator confirmed */
	RUN_EV_CLAIMED,	  /* once-key and record in place */
	RUN_EV_NEED_APPROVAL,
	RUN_EV_APPROVED,
	RUN_EV_REJECTED,
	RUN_EV_EXPIRED,
	RUN_EV_STEPS_OK,  /* the last step ended, the run succeeded */
	RUN_EV_STEP_FAILED,
	RUN_EV_ABORT,
};
bool run_next(enum run_state from, enum run_event ev, enum run_state *to);

struct run_opts {
	struct loop *loop;
	struct kube_client *client; /* the environment's cluster */
	const struct runbook *rb;
	const char *commit;	    /* hex */
	const struct model *model;
	const struct model_env *env;
	const struct model_cell *cell; /* NULL for environment runbooks */
	const struct policy *policy;
	struct rb_values *values;   /* checked; moved into the run */
	/* Where the local audit log goes (NULL = audit_log_default_path). */
	const char *audit_path;
};

struct run;

struct run_ops {
	/* Anything changed: the state, a step, the message, the record. */
	void (*changed)(void *arg, struct run *r);
	/* A line of a step's output (unsanitised). */
	void (*output)(void *arg, struct run *r, size_t step, const char *line,
		       size_t len);
	/* CONFIRMING: show run_plan() and answer with run_gate_answer. */
	void (*gate)(void *arg, struct run *r);
	/* A confirm step: show the instructions, answer with
	 * run_confirm_answer. */
	void (*confirm)(void *arg, struct run *r, size_t step,
			const char *instructions);
};

struct run *run_start(const struct run_opts *o, const struct run_ops *ops,
		      void *arg);
/* Free a finished run (or abort-and-free an unfinished one: recorded as
 * aborted on a best-effort basis). */
void run_free(struct run *r);

enum run_state run_state(const struct run *r);
const char *run_id(const struct run *r);
/* One line: why it was refused, what it waits for, how it ended. */
const char *run_message(const struct run *r);
/* NULL before the plan is built. */
const struct plan *run_plan(const struct run *r);
size_t run_nsteps(const struct run *r);
enum step_state run_step_state(const struct run *r, size_t i);
const char *run_step_message(const struct run *r, size_t i);
/* The record as stored (secrets masked), or NULL before CLAIMING; a run
 * that ends before then with a plan has one in the local log only. */
const json_t *run_record(const struct run *r);
/* Everything the records say about the approver, or NULL. */
const char *run_approver(const struct run *r);

/*
 * The operator's answer at CONFIRMING. For a `confirm` gate typed must be
 * the environment's name; for the others any non-NULL typed proceeds.
 * typed NULL declines (the run ends aborted, nothing recorded in the
 * cluster). false with why when typed is wrong (the run still waits).
 */
bool run_gate_answer(struct run *r, const char *typed, struct buf *why);
/* The answer to a confirm step. */
void run_confirm_answer(struct run *r, bool proceed, const char *note);
/* Stop now: the running step is cancelled and the run recorded as
 * aborted with reason. changed() tells when the record is written. */
void run_abort(struct run *r, const char *reason);
/* The final record has been written (or could not be): safe to exit. */
bool run_settled(const struct run *r);

#endif
