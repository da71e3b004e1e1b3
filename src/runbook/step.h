/*
 * Step executors: what each action does to the cluster (or the operator's
 * machine), asynchronously on the loop.
 *
 * The run engine (run.h) starts one step at a time with step_start and is
 * told through the context's callbacks: output lines (job logs, script
 * output, health findings), each object the step touches (the engine
 * posts a Kubernetes Event on it), and exactly one done() at the end,
 * unless the step is cancelled first. A step never renders templates (the
 * plan did) and never blocks: the script step runs its file in a child
 * process with the plan's environment and nothing else from the values.
 *
 *   rollout-restart  GET the deployment (refuse when paused), strategic
 *                    merge PATCH of the restartedAt annotation, as kubectl
 *   scale            merge PATCH of the scale subresource
 *   wait-rollout     watch the deployment until kubectl's rollout rules
 *                    say done (or failed)
 *   health-check     nodes not Ready, pods not healthy, Warning events
 *                    newer than warnings_since_s; fail above the limits
 *   run-job          create the Job, follow its pods' logs into the output,
 *                    succeed or fail by the Job's Complete/Failed condition
 *   http-check       GET the URL (or the service proxy path through the
 *                    cluster) and compare status and body
 *   confirm          ask the operator (ctx->confirm); proceed or abort,
 *                    with a note
 *   script           run the file (written 0700 to a private temp folder)
 *                    with env = the plan's NAME=value pairs plus PATH,
 *                    HOME, LANG; stdout/stderr lines into the output as
 *                    they come; success = exit 0; in a process group of
 *                    its own, killed whole on cancel or timeout
 *
 * The step's timeout is the engine's: it cancels the step and records it
 * as timed out.
 */
#ifndef OPSDECK_RUNBOOK_STEP_H
#define OPSDECK_RUNBOOK_STEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kube/client.h"
#include "kube/health.h"
#include "loop/loop.h"
#include "runbook/plan.h"

struct step_ctx {
	struct loop *loop;
	struct kube_client *client;
	const struct plan *plan;
	const struct plan_step *ps;
	void *arg; /* the engine's */
	/* One line of output (no newline; unsanitised: presenters sanitise). */
	void (*output)(void *arg, const char *line, size_t len);
	/* The step changed this object (kind "Deployment", "Job"...): the
	 * engine records an Event on it. uid may be "". */
	void (*touched)(void *arg, const char *kind, const char *api_version,
			const char *ns, const char *name, const char *uid);
	/* confirm steps: ask the operator; the answer comes back through
	 * step_answer(). */
	void (*confirm)(void *arg, const char *instructions);
	/* The end: ok, and a one-line message ("restarted deployment
	 * payments-api", "job db-migration-x7k2p failed: BackoffLimitExceeded"). */
	void (*done)(void *arg, bool ok, const char *message);
};

struct step_exec;

/* ctx must outlive the step (until done or step_cancel). */
struct step_exec *step_start(const struct step_ctx *ctx);
/* Stop at once: requests cancelled, a script's process killed; done()
 * is not called. A created Job is left to the cluster. */
void step_cancel(struct step_exec *s);
/* The operator's answer to a confirm step (note may be ""). */
void step_answer(struct step_exec *s, bool proceed, const char *note);

/* The health-check's verdict on one pod at time now (seconds): Degraded,
 * Missing and Unknown count, and so does a pod still starting more than 5
 * minutes after its creation, but not one that is being deleted (an old
 * pod after a rollout). hr gets the pod's health and reason. */
bool step_pod_unhealthy(const struct kube_obj *pod, int64_t now,
			struct health_result *hr);

#endif
