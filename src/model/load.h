/*
 * From a config repo to a model: the one path every caller takes (the
 * platform subcommands and the console).
 *
 * Pick the branch's commit (repo_tip's rules), read opsdeck.yaml there,
 * validate it, and read every cell's desired version at that commit.
 * Nothing here prints: problems and notes come back in buffers, and a
 * caller decides how to show them. It may take a while on a big repo, so
 * the console calls it from a worker thread (loop/work.h).
 *
 * Cell diffs: the unified diffs the diff subcommand and the console's diff
 * view show (one service's files between two environments, or one cell's
 * files between two commits), with a first line naming the versions
 * compared. The text is as Git has it: sanitising is the presenter's job.
 */
#ifndef OPSDECK_MODEL_LOAD_H
#define OPSDECK_MODEL_LOAD_H

#include "base/buf.h"
#include "base/status.h"
#include "git/repo.h"
#include "model/model.h"

enum model_load_result {
	MODEL_LOADED,	     /* *out is the model */
	MODEL_NO_TIP,	     /* the branch cannot be found (e says why) */
	MODEL_NO_FILE,	     /* no opsdeck.yaml, or it cannot be read */
	MODEL_BROKEN,	     /* opsdeck.yaml has problems (in problems) */
};

/*
 * Load the model at branch's tip (branch NULL = the default). On
 * MODEL_LOADED, problems holds the version files' problems (the model is
 * still usable) and notes a line about uncommitted changes, if any.
 */
enum model_load_result model_load(struct repo *r, const char *branch,
				  struct repo_tip *tip, struct model **out,
				  struct buf *problems, struct buf *notes,
				  struct err *e);

/* The cell's desired version at a commit (malloc'd; "(none)" when there
 * is none). */
char *model_version_at(struct repo *r, const struct model_cell *c,
		       const git_oid *commit);

/* One service's files in environment a against b (cells of the same
 * service and tenant) at commit. */
enum status model_diff_cells(struct repo *r, const git_oid *commit,
			     const struct model_cell *a,
			     const struct model_cell *b, unsigned context,
			     struct buf *out, struct err *e);

/* A cell's files between two commits (from NULL = the empty tree). */
enum status model_diff_revs(struct repo *r, const struct model_cell *c,
			    const git_oid *from, const git_oid *to,
			    unsigned context, struct buf *out, struct err *e);

#endif
