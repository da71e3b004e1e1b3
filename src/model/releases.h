/*
 * Releases: the commits where a cell's desired version changed.
 *
 * One walk (git/history.h) over the branch's first-parent line serves
 * every cell asked for. The walk reports only commits where one of the
 * tracked files' blob ids changed; for those, the cells that track the
 * file are evaluated at the parent's blobs (model_eval, cached parses) and
 * compared with their version at the commit. A release is recorded only
 * when the version is different: a commit that changed replicas in the
 * same file is not a release.
 *
 * A change that arrived through a merge is reported at the merge (that is
 * when it reached the branch) with who merged it, and the author, message
 * and trailers of the commit on the merged side that made the change.
 */
#ifndef OPSDECK_MODEL_RELEASES_H
#define OPSDECK_MODEL_RELEASES_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/vec.h"
#include "git/history.h"
#include "git/repo.h"
#include "model/model.h"

struct release {
	const struct model_cell *cell;
	char *old_version; /* NULL: the cell had no version before */
	char *new_version; /* NULL: the version went away */
	char hex[GIT_OID_HEXSZ + 1];	    /* the commit on the branch */
	int64_t time;			    /* when it landed (committer time) */
	char *author, *email;		    /* who made the change */
	int64_t author_time;
	char *summary;			    /* the change's message, first line */
	char *merged_by, *merged_by_email;  /* NULL unless merged */
	char change_hex[GIT_OID_HEXSZ + 1]; /* the commit that made it */
	struct vec trailers; /* struct repo_trailer *: the merge's, then the
			      * change's (Reviewed-by, Approved-by, ...) */
};

struct release_query {
	int64_t since;	    /* Unix seconds; 0 = no limit */
	size_t limit;	    /* per cell; 0 = every release */
	size_t max_commits; /* 0 = the whole history */
};

/*
 * The releases of cells (struct model_cell *, from m) on the first-parent
 * line from tip, newest first, appended to out (struct release *; free
 * with release_free). stats may be NULL.
 */
enum status releases_find(struct repo *r, const git_oid *tip,
			  const struct vec *cells,
			  const struct release_query *q, struct vec *out,
			  struct githist_stats *stats, struct err *e);
void release_free(void *p);

/* The first trailer with key (case-insensitive), or NULL. */
const char *release_trailer(const struct release *rel, const char *key);

/* As documented in docs/cli-json.md. */
json_t *release_to_json(const struct release *rel);

#endif
