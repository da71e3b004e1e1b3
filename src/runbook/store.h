/*
 * What runs leave in the cluster: run records, approvals, once-keys (all
 * ConfigMaps in the RUN_NAMESPACE namespace) and Kubernetes Events on the
 * objects steps touch. The cluster is the shared store every opsdeck of a
 * team sees, and Kubernetes RBAC on these objects decides who may run and
 * who may approve; opsdeck keeps no server of its own.
 *
 *   run-<id>       labels managed-by=opsdeck, opsdeck.io/kind=run,
 *                  opsdeck.io/runbook, opsdeck.io/environment,
 *                  opsdeck.io/state; data.record = the record (JSON),
 *                  data.plan = the plan for people. Created before the
 *                  first step, updated after each.
 *   approval-<id>-<who>  kind=approval, opsdeck.io/run=<id>;
 *                  data.decision (approved | rejected), approver,
 *                  groups, reason, time. One per person (<who> hashes the
 *                  user name): deciding twice gets 409, and a requester's
 *                  own decision, which runs ignore, blocks nobody.
 *   once-<hash>    kind=once; data.key, run, operator, time. Creating it
 *                  is the claim: 409 means the key was used.
 *
 * The record (JSON) is documented in docs/runbooks.md. Every call is
 * asynchronous on the client's loop and cb runs exactly once, from the
 * loop (a caller that goes away first must ignore the answer).
 */
#ifndef OPSDECK_RUNBOOK_STORE_H
#define OPSDECK_RUNBOOK_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "kube/client.h"
#include "kube/identity.h"
#include "kube/objects.h"

#define STORE_LABEL_MANAGED "app.kubernetes.io/managed-by"
#define STORE_LABEL_KIND "opsdeck.io/kind"
#define STORE_LABEL_RUN "opsdeck.io/run"
/* A run that holds its record refreshes record.heartbeat this often; a
 * record left waiting or running without a heartbeat for STORE_STALE_S is
 * shown as interrupted. */
#define STORE_HEARTBEAT_S 30
#define STORE_STALE_S 120

/* st ST_OK or the failure; message for people; obj depends on the call
 * (borrowed, may be NULL). */
typedef void (*store_cb)(void *arg, enum status st, const char *message,
			 const json_t *obj);

/* Claim a once-key for run_id. ERR_EXISTS when it was claimed before:
 * message `once-key "K" was used by run ID (runbook R, by U at T)`. */
void store_claim_once(struct kube_client *c, const char *key,
				  const char *run_id, const char *runbook,
				  const char *operator_, store_cb cb,
				  void *arg);
/* Give a key back (a run that ended before its first step). */
void store_release_once(struct kube_client *c, const char *key,
				    store_cb cb, void *arg);
/* The object name of a key's claim ("once-" + the 40 hex digits of
 * its Git object hash). */
void store_once_name(const char *key, char out[48]);

/* Create the run's record (obj: the ConfigMap as created). */
void store_record_create(struct kube_client *c,
				     const json_t *record,
				     const char *plan_text, store_cb cb,
				     void *arg);
/* Replace the record's data and state label. */
void store_record_update(struct kube_client *c,
				     const json_t *record, store_cb cb,
				     void *arg);
/* One record (obj: the record JSON); ERR_NOTFOUND when there is none. */
void store_record_get(struct kube_client *c, const char *run_id,
				  store_cb cb, void *arg);
/* Every record (obj: array of record JSON, newest first) and, in each,
 * "approval": the first decision by someone other than the requester. */
void store_records_list(struct kube_client *c, store_cb cb,
				    void *arg);

/* Decide on a run: ERR_EXISTS when who decided on it already. obj: the
 * approval ConfigMap. */
void store_decide(struct kube_client *c, const char *run_id,
			      bool approve, const struct kube_identity *who,
			      const char *reason, store_cb cb, void *arg);
/* The decision in an approval ConfigMap (JSON or compact object):
 * {"decision","approver","groups","reason","time"}, or NULL. New ref. */
json_t *store_decision_json(const json_t *configmap);
json_t *store_decision_obj(const struct kube_obj *configmap);

/* A Kubernetes Event (core/v1) on an object: type Normal or Warning,
 * reason CamelCase, message one line. */
void store_event(struct kube_client *c, const char *kind,
			     const char *api_version, const char *ns,
			     const char *name, const char *uid,
			     const char *type, const char *reason,
			     const char *message, store_cb cb, void *arg);

/* The record inside a run ConfigMap (JSON or compact object), or NULL.
 * New reference. */
json_t *store_record_of_json(const json_t *configmap);
json_t *store_record_of_obj(const struct kube_obj *configmap);

/* A record's state as people should see it: its own, or "interrupted"
 * when it is unfinished and its opsdeck is gone (same host and the pid is
 * not running, or no heartbeat for STORE_STALE_S). now: Unix seconds. */
const char *store_effective_state(const json_t *record, int64_t now);
/* Whether a state is final. */
bool store_state_final(const char *state);

#endif
