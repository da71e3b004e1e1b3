/*
 * Health and rollout status of compact objects (health.h).
 *
 * health_of() follows Argo CD's gitops-engine (pkg/health) rule by rule,
 * first match wins, with KUBE-API-NOTES.md as the tie-breaker where the two
 * differ; rollout_status() follows kubectl's polymorphichelpers
 * (rollout_status.go) and writes its messages word for word, minus the
 * trailing newline. Both read only the struct: no I/O, no allocation, so
 * every rule is one row of a table in tests/unit/test_health.c.
 */
#include "kube/health.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/str.h"

static const struct {
	const char *name, *glyph, *ascii;
} health_info[HEALTH__COUNT] = {
#define HEALTH_ROW(e, name, glyph, ascii) [HEALTH_##e] = {name, glyph, ascii},
	HEALTH_LIST(HEALTH_ROW)
#undef HEALTH_ROW
};

static enum health health_valid(enum health h)
{
	return (unsigned)h < HEALTH__COUNT ? h : HEALTH_UNKNOWN;
}

const char *health_name(enum health h)
{
	return health_info[health_valid(h)].name;
}

const char *health_glyph(enum health h, bool utf8)
{
	h = health_valid(h);
	return utf8 ? health_info[h].glyph : health_info[h].ascii;
}

bool health_parse(const char *s, enum health *out)
{
	for (int h = 0; s && h < HEALTH__COUNT; h++) {
		if (strcasecmp(s, health_info[h].name) == 0) {
			*out = (enum health)h;
			return true;
		}
	}
	return false;
}

enum health health_worst(enum health a, enum health b)
{
	a = health_valid(a);
	b = health_valid(b);
	return a > b ? a : b;
}

static void set(struct health_result *r, enum health h, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set(struct health_result *r, enum health h, const char *fmt, ...)
{
	va_list ap;
	r->health = h;
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof r->reason, fmt, ap);
	va_end(ap);
}

/* Counts come from the object as they are: a difference of two int32
 * must not overflow. */
static long long diff(int32_t a, int32_t b)
{
	return (long long)a - b;
}

static bool cond_true(const struct kube_obj *o, const char *type)
{
	const struct kube_condition *c = kobj_condition(o, type);
	return c && str_eq(c->status, "True");
}

/* The first non-empty of a condition's message and reason, else dflt. */
static const char *cond_text(const struct kube_condition *c, const char *dflt)
{
	if (c && *c->message)
		return c->message;
	if (c && *c->reason)
		return c->reason;
	return dflt;
}

static void deployment_health(const struct kube_obj *o,
			      struct health_result *r)
{
	const struct kube_deployment *d = &o->u.deploy;
	const struct kube_condition *prog = kobj_condition(o, "Progressing");
	if (d->paused)
		set(r, HEALTH_SUSPENDED, "paused");
	else if (o->generation > d->observed_generation)
		set(r, HEALTH_PROGRESSING,
		    "Waiting for rollout to finish: observed deployment "
		    "generation less than desired generation");
	else if (prog && str_eq(prog->reason, "ProgressDeadlineExceeded"))
		set(r, HEALTH_DEGRADED, "ProgressDeadlineExceeded");
	else if (d->updated < d->replicas)
		set(r, HEALTH_PROGRESSING,
		    "Waiting for rollout to finish: %d out of %d new replicas "
		    "have been updated...",
		    (int)d->updated, (int)d->replicas);
	else if (d->status_replicas > d->updated)
		set(r, HEALTH_PROGRESSING,
		    "Waiting for rollout to finish: %lld old replicas are "
		    "pending termination...",
		    diff(d->status_replicas, d->updated));
	else if (d->available < d->updated)
		set(r, HEALTH_PROGRESSING,
		    "Waiting for rollout to finish: %d of %d updated replicas "
		    "are available...",
		    (int)d->available, (int)d->updated);
	else
		set(r, HEALTH_HEALTHY, "%s", "");
}

/* Argo checks the generation first, as for Deployments. */
static void replicaset_health(const struct kube_obj *o,
			      struct health_result *r)
{
	const struct kube_replicaset *rs = &o->u.rs;
	const struct kube_condition *fail = kobj_condition(o, "ReplicaFailure");
	if (o->generation > rs->observed_generation)
		set(r, HEALTH_PROGRESSING,
		    "Waiting for rollout to finish: observed replica set "
		    "generation less than desired generation");
	else if (fail && str_eq(fail->status, "True"))
		set(r, HEALTH_DEGRADED, "%s", cond_text(fail, "ReplicaFailure"));
	else if (rs->available < rs->replicas)
		set(r, HEALTH_PROGRESSING, "%d/%d available", (int)rs->available,
		    (int)rs->replicas);
	else
		set(r, HEALTH_HEALTHY, "%s", "");
}

/* Argo's order: the RollingUpdate branch comes before OnDelete, and an
 * explicit RollingUpdate without a rollingUpdate block falls through to
 * the revision comparison, as in kubectl. */
static void statefulset_health(const struct kube_obj *o,
			       struct health_result *r)
{
	const struct kube_statefulset *s = &o->u.sts;
	if (s->observed_generation == 0 ||
	    o->generation > s->observed_generation)
		set(r, HEALTH_PROGRESSING,
		    "Waiting for statefulset spec update to be observed...");
	else if (s->ready_replicas < s->replicas)
		set(r, HEALTH_PROGRESSING, "%d/%d ready", (int)s->ready_replicas,
		    (int)s->replicas);
	else if (str_eq(s->update_strategy, "RollingUpdate") &&
		 s->rolling_update) {
		if (s->updated_replicas < diff(s->replicas, s->partition))
			set(r, HEALTH_PROGRESSING,
			    "Waiting for partitioned roll out to finish: %d out "
			    "of %lld new pods have been updated...",
			    (int)s->updated_replicas,
			    diff(s->replicas, s->partition));
		else
			set(r, HEALTH_HEALTHY, "%s", "");
	} else if (str_eq(s->update_strategy, "OnDelete"))
		set(r, HEALTH_HEALTHY, "%s", "");
	else if (!str_eq(s->update_revision, s->current_revision))
		set(r, HEALTH_PROGRESSING,
		    "waiting for statefulset rolling update to complete %d pods "
		    "at revision %s...",
		    (int)s->updated_replicas, s->update_revision);
	else
		set(r, HEALTH_HEALTHY, "%s", "");
}

static void daemonset_health(const struct kube_obj *o,
			     struct health_result *r)
{
	const struct kube_daemonset *d = &o->u.ds;
	if (o->generation > d->observed_generation)
		set(r, HEALTH_PROGRESSING,
		    "Waiting for rollout to finish: observed daemon set "
		    "generation less than desired generation");
	else if (str_eq(d->update_strategy, "OnDelete"))
		set(r, HEALTH_HEALTHY, "%s", "");
	else if (d->updated < d->desired)
		set(r, HEALTH_PROGRESSING,
		    "Waiting for daemon set \"%s\" rollout to finish: %d out of "
		    "%d new pods have been updated...",
		    o->name, (int)d->updated, (int)d->desired);
	else if (d->available < d->desired)
		set(r, HEALTH_PROGRESSING, "%d/%d available", (int)d->available,
		    (int)d->desired);
	else
		set(r, HEALTH_HEALTHY, "%s", "");
}

/* Argo's getFailMessage for one container. */
static bool container_failure(const struct kube_container *c, char *out,
			      size_t n)
{
	if (c->state != KUBE_CSTATE_TERMINATED)
		return false;
	if (*c->message)
		snprintf(out, n, "%s", c->message);
	else if (str_eq(c->reason, "OOMKilled"))
		snprintf(out, n, "OOMKilled");
	else if (c->exit_code != 0)
		snprintf(out, n, "container \"%s\" failed with exit code %d",
			 c->name, (int)c->exit_code);
	else
		return false;
	return true;
}

static void pod_status_reason(const struct kube_obj *o,
			      struct health_result *r, enum health h)
{
	struct buf b = BUF_INIT;
	kobj_pod_status(&b, o);
	set(r, h, "%s", buf_str(&b));
	buf_free(&b);
}

/*
 * Argo's getCorev1PodHealth. Where Argo would give an empty message the
 * reason is kubectl's STATUS column, so the console always says something.
 * Argo's ignore-restart-policy annotation is not kept and not honoured.
 * Containers are looked at in spec order (Argo: status order); only which
 * of several failing containers is named can differ.
 */
static void pod_health(const struct kube_obj *o, struct health_result *r)
{
	const struct kube_pod *p = &o->u.pod;
	bool always = str_eq(p->restart_policy, "Always");

	/* Only for Always: hook pods (OnFailure/Never) waiting on an image
	 * must not fail a sync that may still succeed. */
	for (uint32_t i = 0; always && i < p->ncontainers; i++) {
		const struct kube_container *c = &p->containers[i];
		if (!c->init && c->state == KUBE_CSTATE_WAITING &&
		    (str_has_prefix(c->reason, "Err") ||
		     str_has_suffix(c->reason, "Error") ||
		     str_has_suffix(c->reason, "BackOff"))) {
			set(r, HEALTH_DEGRADED, "%s (restarts %d)", c->reason,
			    (int)c->restarts);
			return;
		}
	}

	if (str_eq(p->phase, "Pending")) {
		pod_status_reason(o, r, HEALTH_PROGRESSING);
	} else if (str_eq(p->phase, "Succeeded")) {
		set(r, HEALTH_HEALTHY, "Completed");
	} else if (str_eq(p->phase, "Failed")) {
		if (*p->message) {
			set(r, HEALTH_DEGRADED, "%s", p->message);
			return;
		}
		for (uint32_t i = 0; i < p->ncontainers; i++)
			if (container_failure(&p->containers[i], r->reason,
					      sizeof r->reason)) {
				r->health = HEALTH_DEGRADED;
				return;
			}
		pod_status_reason(o, r, HEALTH_DEGRADED);
	} else if (str_eq(p->phase, "Running") && always) {
		if (p->ready) {
			set(r, HEALTH_HEALTHY, "%s", p->message);
			return;
		}
		for (uint32_t i = 0; i < p->ncontainers; i++) {
			const struct kube_container *c = &p->containers[i];
			if (!c->init && c->last_state == KUBE_CSTATE_TERMINATED) {
				if (*p->message)
					set(r, HEALTH_DEGRADED, "%s", p->message);
				else
					set(r, HEALTH_DEGRADED,
					    "NotReady (restarts %d)",
					    (int)p->restarts);
				return;
			}
		}
		set(r, HEALTH_PROGRESSING, "%s", *p->message ? p->message
							     : "NotReady");
	} else if (str_eq(p->phase, "Running") &&
		   (str_eq(p->restart_policy, "OnFailure") ||
		    str_eq(p->restart_policy, "Never"))) {
		/* Finite pods (hooks, job pods) are on their way, not done. */
		set(r, HEALTH_PROGRESSING, "%s", *p->message ? p->message
							     : "Running");
	} else {
		pod_status_reason(o, r, HEALTH_UNKNOWN);
	}
}

/* kubectl's COMPLETIONS column: "1/3", or "0/1 of 4" for a work queue. */
static void job_progress(const struct kube_job *j, struct health_result *r)
{
	if (j->completions >= 0)
		set(r, HEALTH_PROGRESSING, "%d/%d succeeded", (int)j->succeeded,
		    (int)j->completions);
	else if (j->parallelism > 1)
		set(r, HEALTH_PROGRESSING, "%d/1 of %d succeeded",
		    (int)j->succeeded, (int)j->parallelism);
	else
		set(r, HEALTH_PROGRESSING, "%d/1 succeeded", (int)j->succeeded);
}

/* KUBE-API-NOTES order. Argo would also call a job whose Suspended
 * condition turned False (resumed) Healthy; the notes, and we, keep it
 * Progressing. Only True conditions count. */
static void job_health(const struct kube_obj *o, struct health_result *r)
{
	if (cond_true(o, "Failed"))
		set(r, HEALTH_DEGRADED, "%s",
		    cond_text(kobj_condition(o, "Failed"), "Failed"));
	else if (cond_true(o, "Suspended"))
		set(r, HEALTH_SUSPENDED, "suspended");
	else if (cond_true(o, "Complete"))
		set(r, HEALTH_HEALTHY, "Completed");
	else
		job_progress(&o->u.job, r);
}

/*
 * Argo has no rule for nodes; ours: a node that is not Ready is Degraded
 * even when cordoned, because a failure needs attention more than an
 * intent does; a Ready node that is cordoned (spec.unschedulable) is
 * Suspended — it runs what it has but takes nothing new, on purpose —
 * with kubectl's word for it; a node without a Ready condition has not
 * reported yet: Unknown.
 */
static void node_health(const struct kube_obj *o, struct health_result *r)
{
	const struct kube_node *n = &o->u.node;
	if (str_eq(n->ready, "False") || str_eq(n->ready, "Unknown"))
		set(r, HEALTH_DEGRADED, "%s", *n->ready_reason ? n->ready_reason
							       : "NotReady");
	else if (!str_eq(n->ready, "True"))
		set(r, HEALTH_UNKNOWN, "no Ready condition");
	else if (n->unschedulable)
		set(r, HEALTH_SUSPENDED, "SchedulingDisabled");
	else
		set(r, HEALTH_HEALTHY, "%s", "");
}

void health_of(const struct kube_obj *o, struct health_result *r)
{
	memset(r, 0, sizeof *r);
	r->health = HEALTH_HEALTHY;
	if (o->kind == KUBE_EVENT || o->kind == KUBE_NAMESPACE)
		return;
	/* Argo, before any kind rule: an object on its way out. */
	if (o->deleted) {
		set(r, HEALTH_PROGRESSING, "Pending deletion");
		return;
	}
	switch (o->kind) {
	case KUBE_POD:
		pod_health(o, r);
		break;
	case KUBE_DEPLOYMENT:
		deployment_health(o, r);
		break;
	case KUBE_REPLICASET:
		replicaset_health(o, r);
		break;
	case KUBE_STATEFULSET:
		statefulset_health(o, r);
		break;
	case KUBE_DAEMONSET:
		daemonset_health(o, r);
		break;
	case KUBE_JOB:
		job_health(o, r);
		break;
	case KUBE_NODE:
		node_health(o, r);
		break;
	default:
		set(r, HEALTH_UNKNOWN, "unknown kind");
		break;
	}
}

/* ---- kubectl rollout status ----------------------------------------------- */

static void rollout(struct rollout_result *r, enum rollout_state s,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void rollout(struct rollout_result *r, enum rollout_state s,
		    const char *fmt, ...)
{
	va_list ap;
	r->state = s;
	va_start(ap, fmt);
	vsnprintf(r->message, sizeof r->message, fmt, ap);
	va_end(ap);
}

static void deployment_rollout(const struct kube_obj *o,
			       struct rollout_result *r)
{
	const struct kube_deployment *d = &o->u.deploy;
	const struct kube_condition *prog = kobj_condition(o, "Progressing");
	if (o->generation > d->observed_generation)
		rollout(r, ROLLOUT_WAITING,
			"Waiting for deployment spec update to be observed...");
	else if (prog && str_eq(prog->reason, "ProgressDeadlineExceeded"))
		rollout(r, ROLLOUT_FAILED,
			"deployment \"%s\" exceeded its progress deadline",
			o->name);
	else if (d->updated < d->replicas)
		rollout(r, ROLLOUT_WAITING,
			"Waiting for deployment \"%s\" rollout to finish: %d out "
			"of %d new replicas have been updated...",
			o->name, (int)d->updated, (int)d->replicas);
	else if (d->status_replicas > d->updated)
		rollout(r, ROLLOUT_WAITING,
			"Waiting for deployment \"%s\" rollout to finish: %lld old "
			"replicas are pending termination...",
			o->name, diff(d->status_replicas, d->updated));
	else if (d->available < d->updated)
		rollout(r, ROLLOUT_WAITING,
			"Waiting for deployment \"%s\" rollout to finish: %d of "
			"%d updated replicas are available...",
			o->name, (int)d->available, (int)d->updated);
	else
		rollout(r, ROLLOUT_DONE, "deployment \"%s\" successfully rolled out",
			o->name);
}

static void daemonset_rollout(const struct kube_obj *o,
			      struct rollout_result *r)
{
	const struct kube_daemonset *d = &o->u.ds;
	if (!str_eq(d->update_strategy, "RollingUpdate"))
		rollout(r, ROLLOUT_UNSUPPORTED,
			"rollout status is only available for RollingUpdate "
			"strategy type");
	else if (o->generation > d->observed_generation)
		rollout(r, ROLLOUT_WAITING,
			"Waiting for daemon set spec update to be observed...");
	else if (d->updated < d->desired)
		rollout(r, ROLLOUT_WAITING,
			"Waiting for daemon set \"%s\" rollout to finish: %d out "
			"of %d new pods have been updated...",
			o->name, (int)d->updated, (int)d->desired);
	else if (d->available < d->desired)
		rollout(r, ROLLOUT_WAITING,
			"Waiting for daemon set \"%s\" rollout to finish: %d of "
			"%d updated pods are available...",
			o->name, (int)d->available, (int)d->desired);
	else
		rollout(r, ROLLOUT_DONE, "daemon set \"%s\" successfully rolled out",
			o->name);
}

static void statefulset_rollout(const struct kube_obj *o,
				struct rollout_result *r)
{
	const struct kube_statefulset *s = &o->u.sts;
	if (!str_eq(s->update_strategy, "RollingUpdate"))
		rollout(r, ROLLOUT_UNSUPPORTED,
			"rollout status is only available for RollingUpdate "
			"strategy type");
	else if (s->observed_generation == 0 ||
		 o->generation > s->observed_generation)
		rollout(r, ROLLOUT_WAITING,
			"Waiting for statefulset spec update to be observed...");
	else if (s->ready_replicas < s->replicas)
		rollout(r, ROLLOUT_WAITING, "Waiting for %lld pods to be ready...",
			diff(s->replicas, s->ready_replicas));
	else if (s->rolling_update &&
		 s->updated_replicas < diff(s->replicas, s->partition))
		rollout(r, ROLLOUT_WAITING,
			"Waiting for partitioned roll out to finish: %d out of "
			"%lld new pods have been updated...",
			(int)s->updated_replicas,
			diff(s->replicas, s->partition));
	else if (s->rolling_update)
		rollout(r, ROLLOUT_DONE,
			"partitioned roll out complete: %d new pods have been "
			"updated...",
			(int)s->updated_replicas);
	else if (!str_eq(s->update_revision, s->current_revision))
		rollout(r, ROLLOUT_WAITING,
			"waiting for statefulset rolling update to complete %d "
			"pods at revision %s...",
			(int)s->updated_replicas, s->update_revision);
	else
		rollout(r, ROLLOUT_DONE,
			"statefulset rolling update complete %d pods at revision "
			"%s...",
			(int)s->current_replicas, s->current_revision);
}

void rollout_status(const struct kube_obj *o, struct rollout_result *r)
{
	memset(r, 0, sizeof *r);
	switch (o->kind) {
	case KUBE_DEPLOYMENT:
		deployment_rollout(o, r);
		break;
	case KUBE_DAEMONSET:
		daemonset_rollout(o, r);
		break;
	case KUBE_STATEFULSET:
		statefulset_rollout(o, r);
		break;
	default: /* kubectl names the GroupKind: "Pod", "Job.batch" */
		rollout(r, ROLLOUT_UNSUPPORTED,
			"no status viewer has been implemented for %s%s%s",
			kube_kind_name(o->kind),
			*kube_kind_group(o->kind) ? "." : "",
			kube_kind_group(o->kind));
		break;
	}
}
