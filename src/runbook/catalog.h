/*
 * The runbooks of a config repo at one commit: every *.yaml / *.yml file
 * directly in the model's runbooks folder, parsed and validated, plus the
 * policy file. Read from the commit's tree only (approved = merged), so
 * uncommitted or unpushed edits never run; each runbook keeps its file's
 * blob id for the audit.
 *
 * A broken runbook does not hide the good ones: the catalog keeps the
 * valid runbooks and reports every problem; a broken policy fails the
 * whole catalog (nothing may run under a policy opsdeck cannot read).
 * Like model_load it reads Git, so the console calls it off the loop.
 */
#ifndef OPSDECK_RUNBOOK_CATALOG_H
#define OPSDECK_RUNBOOK_CATALOG_H

#include <git2.h>
#include <stdbool.h>

#include "base/buf.h"
#include "base/status.h"
#include "base/vec.h"
#include "git/repo.h"
#include "model/model.h"
#include "runbook/policy.h"
#include "runbook/runbook.h"

struct catalog {
	git_oid commit;
	char commit_hex[GIT_OID_HEXSZ + 1];
	struct vec runbooks; /* struct runbook *, sorted by name */
	struct policy *policy; /* never NULL after catalog_load succeeds */
	size_t broken;	       /* runbook files that failed to load */
};

/*
 * Load the catalog at commit. problems receives one line per problem in
 * any runbook or the policy. Returns ST_OK (even when some runbooks are
 * broken: see broken), ERR_PARSE when the policy is broken (*out NULL),
 * or the repo's error.
 */
enum status catalog_load(struct repo *r, const git_oid *commit,
			 const struct model *m, struct catalog **out,
			 struct buf *problems, struct err *e);
void catalog_free(struct catalog *c);

const struct runbook *catalog_find(const struct catalog *c, const char *name);

#endif
