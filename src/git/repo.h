/*
 * The config repo as libgit2 sees it: opening, choosing the commit the
 * model is read from, reading files and commits at that commit, diffs.
 *
 * The model is always read from a branch's commit, never from files in a
 * working tree: a repository opened from a working tree is read through its
 * object database only, and uncommitted changes are merely counted
 * (repo_worktree_changes) so the user can be told.
 *
 * Which commit (repo_tip): when the repository has an "origin" remote,
 * the branch is origin's (refs/remotes/origin/B; by default origin's
 * default branch, refs/remotes/origin/HEAD), so local unpushed commits are
 * never what runs; without a remote it is the local branch
 * (refs/heads/B; by default the branch HEAD points at).
 *
 * Every function returns a status and fills struct err with a message fit
 * for people (libgit2's own message included where it helps); nothing here
 * prints.
 */
#ifndef OPSDECK_GIT_REPO_H
#define OPSDECK_GIT_REPO_H

#include <git2.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/status.h"
#include "base/vec.h"

/* Files larger than this are refused (ERR_TOOBIG) when read. */
#define REPO_MAX_FILE ((size_t)16 << 20)

struct repo;

/* For the src/git modules: set e to the formatted message made safe for a
 * terminal (repo_fail_git appends ": " and libgit2's last message);
 * return st. */
enum status repo_fail(struct err *e, enum status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
enum status repo_fail_git(struct err *e, enum status st, const char *fmt,
			  ...) __attribute__((format(printf, 3, 4)));

/* Initialise libgit2 once per process (repo_open does it too). */
void repo_global_init(void);

/* Open a repository: a working tree (or any folder inside one) or a bare
 * repository. ERR_NOTFOUND when there is none at path. */
enum status repo_open(const char *path, struct repo **out, struct err *e);
void repo_free(struct repo *r);
git_repository *repo_git(struct repo *r);
/* The folder given to repo_open (as given). */
const char *repo_path(const struct repo *r);

/* Whether the repository has an "origin" remote (to fetch from). */
bool repo_has_origin(struct repo *r);

struct repo_tip {
	git_oid commit;
	char hex[GIT_OID_HEXSZ + 1];
	char branch[256]; /* "main" */
	char ref[512];	  /* "refs/remotes/origin/main" or "refs/heads/main" */
	bool remote;	  /* read from origin's branch */
};

/* The commit the model is read from (rules above). branch NULL = the
 * default; a detached HEAD (no origin) is used as it is, with branch and
 * ref "HEAD". ERR_NOTFOUND names the branch and what exists instead (or
 * says the branch has no commits yet); ERR_INVALID for a name that is
 * not a branch name. */
enum status repo_tip(struct repo *r, const char *branch, struct repo_tip *tip,
		     struct err *e);

/* Any revision git understands ("main", "v1.2", "HEAD~3", an abbreviated
 * id, "origin/main") peeled to a commit. */
enum status repo_rev(struct repo *r, const char *spec, git_oid *out,
		     struct err *e);

/*
 * A file at a commit: its blob id (when blob is not NULL) and its bytes
 * appended to content (when not NULL). ERR_NOTFOUND when the path does not
 * exist there or is not a regular file (a folder, a submodule, a link);
 * ERR_TOOBIG above REPO_MAX_FILE.
 */
enum status repo_file(struct repo *r, const git_oid *commit, const char *path,
		      git_oid *blob, struct buf *content, struct err *e);
/* The bytes of a blob. */
enum status repo_blob(struct repo *r, const git_oid *blob, struct buf *content,
		      struct err *e);
/* Whether a tree entry (file or folder) exists at a commit (false for an
 * empty path or an unknown commit). */
bool repo_path_exists(struct repo *r, const git_oid *commit, const char *path);

/* How many files in the working tree differ from HEAD or are untracked
 * (ignored files aside); 0 for a bare repository. */
enum status repo_worktree_changes(struct repo *r, size_t *count,
				  struct err *e);

struct repo_person {
	char *name;
	char *email;
	int64_t when;	/* Unix seconds */
	int offset;	/* minutes east of UTC */
};

struct repo_trailer {
	char *key;   /* "Reviewed-by" as written */
	char *value; /* "Dana Reviewer <dana@finpay.example>" */
};

struct repo_commit {
	git_oid id;
	char hex[GIT_OID_HEXSZ + 1];
	struct repo_person author, committer;
	char *summary;	/* the first line */
	char *message;	/* the whole message */
	unsigned nparents;
	git_oid parents[2]; /* the first two */
	struct vec trailers; /* struct repo_trailer * */
};

/* Read a commit's metadata; free with repo_commit_clear (out is zeroed
 * first, so clearing is safe after a failure too). */
enum status repo_commit_get(struct repo *r, const git_oid *id,
			    struct repo_commit *out, struct err *e);
void repo_commit_clear(struct repo_commit *c);
/* The first trailer with this key (case-insensitive), or NULL. */
const char *repo_commit_trailer(const struct repo_commit *c, const char *key);

/*
 * A unified diff (git's format: "diff --git" and "index" lines, then
 * "--- a/PATH", "+++ b/PATH", "@@" hunks, context lines) of two texts
 * appended to out. A NULL text is an absent file ("--- /dev/null"); an
 * empty one is an empty file. A NULL path is the other one. Nothing is
 * appended when they are equal.
 */
enum status repo_diff_text(const char *old_path, const char *old_text,
			   size_t old_len, const char *new_path,
			   const char *new_text, size_t new_len,
			   unsigned context, struct buf *out, struct err *e);
/*
 * The unified diff between two commits (from NULL = the empty tree),
 * limited to paths (files or folders, taken literally, not as patterns;
 * NULL/0 = everything), with renames detected, appended to out. Renames
 * are found among the paths kept: a file moved in from outside them is
 * an addition.
 */
enum status repo_diff_commits(struct repo *r, const git_oid *from,
			      const git_oid *to, const char *const *paths,
			      size_t npaths, unsigned context, struct buf *out,
			      struct err *e);

#endif
