/*
 * The plan of one run: a runbook bound to an environment (and cell), its
 * checked values, the operator, and every step with its templates
 * rendered and its targets named, plus the permissions each step needs.
 *
 * It is what the operator (and a second-person approver) sees before
 * anything happens, what the run record stores (plan_json, secrets
 * masked), and what the step engine executes: steps never render
 * templates themselves. Rendering happens once, here; a value landing in
 * a YAML manifest is quoted as a YAML scalar, one landing in a script's
 * environment is passed as it is (never through a shell).
 */
#ifndef OPSDECK_RUNBOOK_PLAN_H
#define OPSDECK_RUNBOOK_PLAN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/status.h"
#include "base/vec.h"
#include "kube/identity.h"
#include "model/model.h"
#include "runbook/runbook.h"
#include "runbook/vars.h"

/* The namespace where opsdeck keeps run records, approvals and
 * once-keys in every cluster (an admin creates it; docs/runbooks.md). */
#define RUN_NAMESPACE "opsdeck"

/* One permission a step (or the run itself) needs, with what it is for.
 * Every field is a string: "" means no subresource, any name, and in
 * namespace_ cluster-wide (all namespaces); map "" to NULL for
 * struct kube_access. */
struct plan_access {
	char *verb, *group, *resource, *subresource, *namespace_, *name;
	char *why; /* "step restart: patch the deployment" */
};

struct plan_step {
	const struct rb_step *step;
	size_t index;
	char *summary;	  /* one line: "rollout-restart deployment/payments-api
			   * in payments-stg" */
	char *namespace_; /* where it acts ("" = cluster-wide) */
	char *kind;	  /* "deployment", "job", "" */
	char *name;	  /* the target object's name, or "" */
	long replicas;	  /* scale */
	json_t *job;	  /* run-job: the rendered Job (namespace and labels set) */
	char *url;	  /* http-check: the full URL, or the API proxy path */
	bool via_proxy;	  /* url is an API path through the service proxy */
	char **headers;	  /* http-check: "Name: value", NULL-terminated */
	char *instructions; /* confirm */
	char **env;	  /* script: "NAME=value", NULL-terminated (may hold
			   * secrets: never shown) */
	struct vec access; /* struct plan_access * */
};

struct plan {
	const struct runbook *rb;
	char commit[41];
	const struct model_env *env;
	const struct model_cell *cell; /* NULL for environment runbooks */
	const char *cluster;	       /* the env's kubeconfig context */
	char *namespace_;	       /* the cell's, or "" */
	char run_id[48];
	char *operator_;	       /* the cluster's name for the operator */
	struct vec operator_groups;    /* char * */
	enum approval gate;
	char *once_key;		       /* rendered, or NULL */
	struct rb_values values;       /* owned */
	struct vec steps;	       /* struct plan_step * */
	/* What the run itself needs: its record, the once-key, Events on
	 * the objects the steps touch (struct plan_access *). */
	struct vec access;
};

/* A new run id: "YYYYMMDD-HHMMSS-xxxxxx" (UTC, 6 random hex digits): a
 * valid Kubernetes name part that sorts by time. */
void plan_new_run_id(char out[48]);

/*
 * Bind rb to env (and cell: required for cell runbooks, NULL otherwise)
 * with values (moved into the plan, even on failure) for operator id.
 * Renders every template and builds the permission list (the steps' own
 * plus what the run record, once-key and Events need). On failure every
 * problem is appended to problems (e.g. a scale value that is not an
 * integer once rendered, a Job manifest that no longer parses).
 */
enum status plan_build(const struct runbook *rb, const char *commit,
		       const struct model_env *env,
		       const struct model_cell *cell,
		       struct rb_values *values, const char *run_id,
		       const struct kube_identity *op, struct plan **out,
		       struct buf *problems);
void plan_free(struct plan *p);

/* Every permission of the plan, each (verb, group, resource,
 * subresource, namespace, name) once, the run's own first: appended to
 * out as borrowed pointers into the plan (struct plan_access *). */
void plan_permissions(const struct plan *p, struct vec *out);

/* The plan as recorded and printed with --json: runbook, file, blob,
 * commit, environment, cluster, namespace, tenant, service, operator,
 * gate, onceKey, variables (masked), steps [{name, action, summary}]. */
json_t *plan_json(const struct plan *p);
/* The plan for people, one fact per line (secrets masked). */
void plan_text(const struct plan *p, struct buf *out);

#endif
