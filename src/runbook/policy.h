/*
 * The config repo's policy.yaml: who may run which runbooks where, on top
 * of what Kubernetes RBAC allows (docs/runbooks.md, "Policy").
 *
 *   default: allow            # allow | deny: for identities no rule names
 *   rules:
 *     - name: juniors-outside-production
 *       users: [junior]       # user names, as the cluster authenticates them
 *       groups: [developers]  # or any of these groups
 *       environments: [development, staging]   # globs; default ["*"]
 *       runbooks: ["*"]       # globs; default ["*"]
 *
 * An identity that some rule names (by user or group) may run a runbook
 * in an environment only when one of the rules naming it allows both. An
 * identity no rule names gets the default. The policy only restricts:
 * RBAC is asked as well (permission checks in plan.h).
 */
#ifndef OPSDECK_RUNBOOK_POLICY_H
#define OPSDECK_RUNBOOK_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/status.h"
#include "base/vec.h"
#include "kube/identity.h"
#include "model/model.h"

struct policy_rule {
	char *name;		 /* or "rule N" (1-based) */
	struct vec users;	 /* char * */
	struct vec groups;	 /* char * */
	struct vec environments; /* char * globs */
	struct vec runbooks;	 /* char * globs */
};

struct policy {
	bool default_allow;
	struct vec rules; /* struct policy_rule * */
	char *file;	  /* the file, for messages; NULL = "policy.yaml" */
};

/* The policy of a repo without a policy file: allow, no rules. */
struct policy *policy_default(void);
/*
 * Parse and validate policy.yaml (environment names are checked against
 * the model; unknown ones are problems). On failure (ERR_PARSE) the
 * problems are appended as "file:line:col: message" lines.
 */
enum status policy_parse(const char *file, const char *text, size_t len,
			 const struct model *m, struct policy **out,
			 struct buf *problems);
void policy_free(struct policy *p);

/*
 * May id run runbook in env? false with why filled:
 * `policy.yaml: junior (groups developers) may run restart-service only
 * in development, staging (rule "juniors-outside-production")`, or
 * `policy.yaml: default: deny, and no rule names junior`.
 */
bool policy_allows(const struct policy *p, const struct kube_identity *id,
		   const char *runbook, const char *env, struct buf *why);

#endif
