/*
 * Health and rollout rules, exactly as Argo CD's gitops-engine and
 * `kubectl rollout status` assess them (KUBE-API-NOTES.md, "Health").
 * Pure functions over compact objects, so each rule is one table row in
 * the tests.
 */
#ifndef OPSDECK_KUBE_HEALTH_H
#define OPSDECK_KUBE_HEALTH_H

#include <stdbool.h>

#include "kube/objects.h"

/* In roll-up severity order (later = worse): name, glyph (UTF-8), ASCII. */
#define HEALTH_LIST(X)                                                        \
	X(HEALTHY, "Healthy", "●", "+")                                       \
	X(SUSPENDED, "Suspended", "◐", "s")                                  \
	X(PROGRESSING, "Progressing", "◌", "~")                              \
	X(MISSING, "Missing", "○", "?")                                       \
	X(DEGRADED, "Degraded", "✖", "x")                                     \
	X(UNKNOWN, "Unknown", "·", ".")

enum health {
#define HEALTH_ENUM(e, name, glyph, ascii) HEALTH_##e,
	HEALTH_LIST(HEALTH_ENUM)
#undef HEALTH_ENUM
	HEALTH__COUNT
};

const char *health_name(enum health h);
const char *health_glyph(enum health h, bool utf8);
bool health_parse(const char *s, enum health *out);
/* The worse of two (severity order above). */
enum health health_worst(enum health a, enum health b);

struct health_result {
	enum health health;
	/* A short human reason: "CrashLoopBackOff (restarts 7)", "2/3 ready",
	 * "Waiting for rollout: 1 of 3 updated replicas are available",
	 * "ProgressDeadlineExceeded", "paused", "Completed", "NotReady". */
	char reason[160];
};

/* The health of any kept kind (events and namespaces: Healthy, reason ""). */
void health_of(const struct kube_obj *o, struct health_result *r);

/* Rollout status as `kubectl rollout status` prints it, for Deployment,
 * StatefulSet and DaemonSet. */
enum rollout_state {
	ROLLOUT_DONE,	 /* "successfully rolled out" */
	ROLLOUT_WAITING, /* message says what for */
	ROLLOUT_FAILED,	 /* e.g. progress deadline exceeded */
	ROLLOUT_UNSUPPORTED,
};

struct rollout_result {
	enum rollout_state state;
	/* kubectl's exact message, e.g. `Waiting for deployment "web" rollout
	 * to finish: 1 of 3 updated replicas are available...` or
	 * `deployment "web" successfully rolled out`. */
	char message[256];
};

void rollout_status(const struct kube_obj *o, struct rollout_result *r);

#endif
