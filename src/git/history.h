/*
 * History by path: the walk that finds, along a branch's first-parent
 * line, the commits where any of a set of files changed.
 *
 * One walk serves every cell at once. The paths are kept in a tree shaped
 * like the repository's folders; at each commit the walk compares, folder
 * by folder, the tree ids of the commit and its first parent and descends
 * only where they differ, so a commit that touched none of the paths
 * costs a few id comparisons, whatever the number of paths. Blob ids are
 * reported; reading and parsing files is the caller's business (and only
 * needed when a blob id changed).
 *
 * Renames: when a tracked path appears in a commit (absent in its parent),
 * the walk looks in that commit's diff for a file deleted from the parent
 * with the same or similar content (git's rename detection); if there is
 * one the change says so, and from then on (older commits) the path is
 * followed under its old name.
 *
 * Merges: the walk follows first parents (the branch's own line), so a
 * change that arrived through a merge is reported at the merge commit;
 * githist_origin finds the commit on the merged side that made it.
 */
#ifndef OPSDECK_GIT_HISTORY_H
#define OPSDECK_GIT_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "git/repo.h"

/*
 * Blob ids are those of regular files (executable or not); a symbolic
 * link, a submodule or a folder at a path counts as absent, as for
 * repo_file.
 */
struct githist_change {
	size_t path;	  /* index into the paths given to githist_walk */
	git_oid old_blob; /* in the first parent (at old_path when that is
			   * set); zero = absent */
	git_oid new_blob; /* in the commit; zero = absent */
	/* When the file was renamed in this commit: its name in the parent
	 * (owned by the walk, valid during the callback); else NULL. An
	 * exact rename has old_blob equal to new_blob. */
	const char *old_path;
};

struct githist_step {
	const git_oid *commit;
	const git_oid *parent; /* first parent; NULL for a root commit */
	unsigned nparents;
	int64_t time;			      /* committer time */
	size_t nchanges;		      /* at least 1 */
	const struct githist_change *changes; /* by path index */
};

/* Return true to go on, false to stop the walk. */
typedef bool (*githist_cb)(void *arg, const struct githist_step *s);

struct githist_stats {
	size_t commits;	    /* visited */
	size_t trees;	    /* tree objects looked up */
	size_t renames;	    /* renames followed (once per file, however
			     * many indexes track it) */
};

/*
 * Walk from tip along first parents, newest first, calling cb for each
 * commit where at least one path's blob id differs from the first
 * parent's (for a root commit: where a path exists). since (Unix seconds,
 * 0 = no limit) stops at the first commit older than that; max_commits (0
 * = no limit) bounds the commits visited. stats may be NULL.
 *
 * paths are relative to the repository's top, '/'-separated, without
 * empty, "." or ".." components (else ERR_INVALID); the same path may be
 * given more than once. A tip that is not a commit is ERR_NOTFOUND. In a
 * shallow clone the walk ends at the first commit whose parent is
 * missing, without reporting it. On an error cb may already have been
 * called for newer commits; stats count what was done.
 */
enum status githist_walk(struct repo *r, const git_oid *tip,
			 const char *const *paths, size_t npaths,
			 int64_t since, size_t max_commits, githist_cb cb,
			 void *arg, struct githist_stats *stats,
			 struct err *e);

/*
 * For a merge commit m whose first parent had blob old (zero = absent) at
 * path and m has blob new: the commit on the merged side (reachable from
 * m's second parent, not from its first) that changed path to new — the
 * newest such commit whose own first parent had a different blob. new_blob
 * NULL or zero = the file is absent in m (a deletion merged). ERR_
 * NOTFOUND when there is none (the merge itself made the change), also
 * when m is not a merge or does not exist.
 */
enum status githist_origin(struct repo *r, const git_oid *m, const char *path,
			   const git_oid *new_blob, git_oid *out,
			   struct err *e);

#endif
