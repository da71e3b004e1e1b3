/*
 * The config repo through libgit2 (see repo.h): opening, choosing the
 * commit the model is read from, reading blobs and commits, diffs.
 *
 * Everything is read from the object database at a commit; the working
 * tree is only looked at to count uncommitted changes. Every failure is
 * turned into a status and a one-line message here (fail, fail_git), with
 * libgit2's message appended where it helps; the whole message is
 * sanitised there, since branch names, paths and libgit2's text may come
 * from the repository or the remote.
 */
#include "git/repo.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "base/mem.h"
#include "base/sanitize.h"
#include "base/str.h"

/* At most this many branch names in a "branch not found" message. */
#define BRANCH_LIST_MAX 10

struct repo {
	git_repository *git;
	char *path;
};

/* ---- errors ------------------------------------------------------------ */

static void put_git_error(struct buf *b)
{
	const git_error *ge = git_error_last();
	if (!ge || !ge->message || !*ge->message)
		return;
	size_t n = strlen(ge->message);
	while (n && (ge->message[n - 1] == '\n' || ge->message[n - 1] == ' '))
		n--;
	buf_puts(b, ": ");
	buf_append(b, ge->message, n);
}

static enum status fail_v(struct err *e, enum status st, bool with_git,
			  const char *fmt, va_list ap)
{
	struct buf raw = BUF_INIT, safe = BUF_INIT;
	buf_vprintf(&raw, fmt, ap);
	if (with_git)
		put_git_error(&raw);
	sanitize_append(&safe, buf_str(&raw), raw.len, 0);
	err_set(e, st, "%s", buf_str(&safe));
	buf_free(&raw);
	buf_free(&safe);
	return st;
}

enum status repo_fail(struct err *e, enum status st, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fail_v(e, st, false, fmt, ap);
	va_end(ap);
	return st;
}

enum status repo_fail_git(struct err *e, enum status st, const char *fmt,
			  ...)
{
	va_list ap;
	va_start(ap, fmt);
	fail_v(e, st, true, fmt, ap);
	va_end(ap);
	return st;
}

/* A libgit2 return code as a status: "not found" stays one. */
static enum status git_status(int rc)
{
	switch (rc) {
	case GIT_ENOTFOUND:
		return ST_ERR_NOTFOUND;
	case GIT_EAMBIGUOUS:
	case GIT_EINVALIDSPEC:
		return ST_ERR_INVALID;
	default:
		return ST_ERR_IO;
	}
}

/* A short commit id for messages. */
struct short_id {
	char s[13];
};

static struct short_id short_id(const git_oid *id)
{
	struct short_id r;
	git_oid_tostr(r.s, sizeof r.s, id);
	return r;
}

/* ---- opening ----------------------------------------------------------- */

void repo_global_init(void)
{
	static bool done;
	if (!done) {
		git_libgit2_init();
		/* opsdeck reads each object once per walk (the history walk
		 * keeps the trees it needs itself), so libgit2's object cache
		 * only costs memory: 118 MB on a 5,000-commit history. */
		git_libgit2_opts(GIT_OPT_ENABLE_CACHING, 0);
		done = true;
	}
}

enum status repo_open(const char *path, struct repo **out, struct err *e)
{
	*out = NULL;
	repo_global_init();
	if (!path || !*path)
		return repo_fail(e, ST_ERR_INVALID, "no repository path given");
	struct stat st;
	if (stat(path, &st) < 0)
		return repo_fail(e, errno == ENOENT ? ST_ERR_NOTFOUND : ST_ERR_IO,
			    "%s: %s", path, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return repo_fail(e, ST_ERR_NOTFOUND, "%s: not a folder", path);
	git_repository *g = NULL;
	/* flags 0: search upward from a subfolder, ignore $GIT_DIR & co. */
	int rc = git_repository_open_ext(&g, path, 0, NULL);
	if (rc == GIT_ENOTFOUND)
		return repo_fail(e, ST_ERR_NOTFOUND,
			    "no Git repository at %s (or any folder above it)",
			    path);
	if (rc < 0)
		return repo_fail_git(e, ST_ERR_IO, "opening the repository at %s",
				path);
	struct repo *r = xcalloc(1, sizeof *r);
	r->git = g;
	r->path = xstrdup(path);
	*out = r;
	return ST_OK;
}

void repo_free(struct repo *r)
{
	if (!r)
		return;
	git_repository_free(r->git);
	free(r->path);
	free(r);
}

git_repository *repo_git(struct repo *r)
{
	return r->git;
}

const char *repo_path(const struct repo *r)
{
	return r->path;
}

/* ---- which commit ------------------------------------------------------ */

/* Whether an "origin" remote is configured. Read from the configuration:
 * git_remote_lookup in libgit2 1.5 leaks a regex match block per call
 * (fixed upstream by libgit2 PR #6382), and this runs on every refresh. */
static bool has_origin(git_repository *g)
{
	git_config *cfg = NULL;
	if (git_repository_config_snapshot(&cfg, g) < 0)
		return false;
	const char *url = NULL;
	bool found = git_config_get_string(&url, cfg, "remote.origin.url") == 0;
	git_config_free(cfg);
	return found;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The branches there are, sorted, for a "not found" message: local ones,
 * or origin's (without the "origin/" and without HEAD). */
static void list_branches(git_repository *g, bool remote, struct buf *out)
{
	struct vec names = VEC_INIT;
	git_branch_iterator *it = NULL;
	if (git_branch_iterator_new(
		&it, g, remote ? GIT_BRANCH_REMOTE : GIT_BRANCH_LOCAL) == 0) {
		git_reference *ref;
		git_branch_t type;
		while (git_branch_next(&ref, &type, it) == 0) {
			const char *name = git_reference_shorthand(ref);
			if (remote) {
				if (str_has_prefix(name, "origin/") &&
				    strcmp(name, "origin/HEAD") != 0)
					vec_push(&names, xstrdup(name + 7));
			} else {
				vec_push(&names, xstrdup(name));
			}
			git_reference_free(ref);
		}
		git_branch_iterator_free(it);
	}
	if (!names.len) {
		buf_puts(out,
			 remote ? "origin has no branches" : "no branches");
	} else {
		vec_sort(&names, cmp_str);
		buf_puts(out, "branches: ");
		for (size_t i = 0; i < names.len && i < BRANCH_LIST_MAX; i++)
			buf_printf(out, "%s%s", i ? ", " : "",
				   (const char *)names.items[i]);
		if (names.len > BRANCH_LIST_MAX)
			buf_printf(out, " and %zu more",
				   names.len - BRANCH_LIST_MAX);
	}
	vec_free(&names, free);
}

static enum status branch_missing(struct repo *r, bool remote,
				  const char *branch, struct err *e)
{
	struct buf have = BUF_INIT;
	list_branches(r->git, remote, &have);
	repo_fail(e, ST_ERR_NOTFOUND, "branch \"%s\" not found%s (%s)", branch,
	     remote ? " on origin" : "", buf_str(&have));
	buf_free(&have);
	return ST_ERR_NOTFOUND;
}

/* Fill tip from a reference name that exists or is missing. */
static enum status tip_from_ref(struct repo *r, const char *refname,
				const char *branch, bool remote,
				struct repo_tip *tip, struct err *e)
{
	git_reference *ref = NULL;
	int rc = git_reference_lookup(&ref, r->git, refname);
	if (rc == GIT_ENOTFOUND || rc == GIT_EINVALIDSPEC)
		return branch_missing(r, remote, branch, e);
	if (rc < 0)
		return repo_fail_git(e, ST_ERR_IO, "reading %s", refname);
	git_object *obj = NULL;
	rc = git_reference_peel(&obj, ref, GIT_OBJECT_COMMIT);
	git_reference_free(ref);
	if (rc == GIT_ENOTFOUND)
		return repo_fail(e, ST_ERR_NOTFOUND, "%s names no commit", refname);
	if (rc < 0)
		return repo_fail_git(e, git_status(rc), "reading %s", refname);
	git_oid_cpy(&tip->commit, git_object_id(obj));
	git_object_free(obj);
	git_oid_tostr(tip->hex, sizeof tip->hex, &tip->commit);
	str_copy(tip->branch, sizeof tip->branch, branch);
	str_copy(tip->ref, sizeof tip->ref, refname);
	tip->remote = remote;
	return ST_OK;
}

static bool valid_branch(const char *branch)
{
	int ok = 0;
	return branch && *branch && strcmp(branch, "HEAD") != 0 &&
	       git_branch_name_is_valid(&ok, branch) == 0 && ok;
}

/* origin's default branch: what refs/remotes/origin/HEAD names, else
 * main, else master. */
static enum status origin_default(struct repo *r, struct repo_tip *tip,
				  struct err *e)
{
	static const char prefix[] = "refs/remotes/origin/";
	git_reference *head = NULL;
	int rc =
	    git_reference_lookup(&head, r->git, "refs/remotes/origin/HEAD");
	if (rc == 0 && git_reference_type(head) == GIT_REFERENCE_SYMBOLIC &&
	    str_has_prefix(git_reference_symbolic_target(head), prefix)) {
		char *target = xstrdup(git_reference_symbolic_target(head));
		git_reference_free(head);
		enum status st = tip_from_ref(
		    r, target, target + sizeof prefix - 1, true, tip, e);
		free(target);
		return st;
	}
	git_reference_free(head);
	if (rc < 0 && rc != GIT_ENOTFOUND)
		return repo_fail_git(e, ST_ERR_IO,
				"reading refs/remotes/origin/HEAD");
	static const char *const fallback[] = {"main", "master"};
	for (size_t i = 0; i < 2; i++) {
		char ref[64];
		snprintf(ref, sizeof ref, "%s%s", prefix, fallback[i]);
		git_reference *probe = NULL;
		if (git_reference_lookup(&probe, r->git, ref) == 0) {
			git_reference_free(probe);
			return tip_from_ref(r, ref, fallback[i], true, tip, e);
		}
	}
	struct buf have = BUF_INIT;
	list_branches(r->git, true, &have);
	repo_fail(e, ST_ERR_NOTFOUND,
	     "origin's default branch is unknown: no refs/remotes/origin/HEAD, "
	     "origin/main or origin/master (%s; fetch first?)",
	     buf_str(&have));
	buf_free(&have);
	return ST_ERR_NOTFOUND;
}

/* The local branch HEAD points at; a detached HEAD is used as it is. */
static enum status local_default(struct repo *r, struct repo_tip *tip,
				 struct err *e)
{
	git_reference *head = NULL;
	int rc = git_reference_lookup(&head, r->git, "HEAD");
	if (rc < 0)
		return repo_fail_git(e, git_status(rc), "reading HEAD");
	if (git_reference_type(head) == GIT_REFERENCE_DIRECT) {
		git_reference_free(head);
		return tip_from_ref(r, "HEAD", "HEAD", false, tip, e);
	}
	char *target = xstrdup(git_reference_symbolic_target(head));
	git_reference_free(head);
	enum status st;
	if (!str_has_prefix(target, "refs/heads/")) {
		st = repo_fail(e, ST_ERR_NOTFOUND, "HEAD names %s, not a branch",
			  target);
	} else {
		git_reference *ref = NULL;
		rc = git_reference_lookup(&ref, r->git, target);
		git_reference_free(ref);
		if (rc == GIT_ENOTFOUND)
			st = repo_fail(e, ST_ERR_NOTFOUND,
				  "branch \"%s\" has no commits yet",
				  target + 11);
		else
			st =
			    tip_from_ref(r, target, target + 11, false, tip, e);
	}
	free(target);
	return st;
}

enum status repo_tip(struct repo *r, const char *branch, struct repo_tip *tip,
		     struct err *e)
{
	memset(tip, 0, sizeof *tip);
	bool remote = has_origin(r->git);
	if (!branch)
		return remote ? origin_default(r, tip, e)
			      : local_default(r, tip, e);
	if (!valid_branch(branch))
		return repo_fail(e, ST_ERR_INVALID, "\"%s\" is not a branch name",
			    branch);
	char ref[sizeof tip->ref];
	int n =
	    snprintf(ref, sizeof ref, "%s%s",
		     remote ? "refs/remotes/origin/" : "refs/heads/", branch);
	if (n < 0 || (size_t)n >= sizeof ref ||
	    strlen(branch) >= sizeof tip->branch)
		return repo_fail(e, ST_ERR_INVALID, "branch name too long");
	return tip_from_ref(r, ref, branch, remote, tip, e);
}

enum status repo_rev(struct repo *r, const char *spec, git_oid *out,
		     struct err *e)
{
	if (!spec || !*spec)
		return repo_fail(e, ST_ERR_INVALID, "no revision given");
	git_object *obj = NULL, *commit = NULL;
	int rc = git_revparse_single(&obj, r->git, spec);
	if (rc == GIT_ENOTFOUND)
		return repo_fail(e, ST_ERR_NOTFOUND, "revision \"%s\" not found",
			    spec);
	if (rc == GIT_EAMBIGUOUS)
		return repo_fail(e, ST_ERR_INVALID,
			    "revision \"%s\" is ambiguous: give more digits",
			    spec);
	if (rc < 0)
		return repo_fail_git(e, git_status(rc), "revision \"%s\"", spec);
	rc = git_object_peel(&commit, obj, GIT_OBJECT_COMMIT);
	git_object_free(obj);
	if (rc < 0)
		return repo_fail(e, ST_ERR_INVALID, "\"%s\" is not a commit", spec);
	git_oid_cpy(out, git_object_id(commit));
	git_object_free(commit);
	return ST_OK;
}

/* ---- files at a commit ------------------------------------------------- */

static enum status commit_tree(struct repo *r, const git_oid *commit,
			       git_tree **tree, struct err *e)
{
	git_commit *c = NULL;
	int rc = git_commit_lookup(&c, r->git, commit);
	if (rc < 0)
		return repo_fail_git(e, git_status(rc), "commit %s",
				short_id(commit).s);
	rc = git_commit_tree(tree, c);
	git_commit_free(c);
	if (rc < 0)
		return repo_fail_git(e, ST_ERR_IO, "the tree of commit %s",
				short_id(commit).s);
	return ST_OK;
}

/* Read a blob of at most REPO_MAX_FILE bytes; name is for messages. */
static enum status read_blob(struct repo *r, const git_oid *id,
			     const char *name, struct buf *content,
			     struct err *e)
{
	git_odb *odb = NULL;
	int rc = git_repository_odb(&odb, r->git);
	if (rc < 0)
		return repo_fail_git(e, ST_ERR_IO, "opening the object database");
	size_t size = 0;
	git_object_t type = GIT_OBJECT_INVALID;
	rc = git_odb_read_header(&size, &type, odb, id);
	git_odb_free(odb);
	if (rc < 0)
		return repo_fail_git(e, git_status(rc), "%s", name);
	if (type != GIT_OBJECT_BLOB)
		return repo_fail(e, ST_ERR_NOTFOUND, "%s is not a file", name);
	if (size > REPO_MAX_FILE)
		return repo_fail(e, ST_ERR_TOOBIG,
			    "%s is too large (%zu bytes, at most %zu)", name,
			    size, REPO_MAX_FILE);
	if (!content)
		return ST_OK;
	git_blob *blob = NULL;
	rc = git_blob_lookup(&blob, r->git, id);
	if (rc < 0)
		return repo_fail_git(e, git_status(rc), "%s", name);
	buf_append(content, git_blob_rawcontent(blob),
		   (size_t)git_blob_rawsize(blob));
	git_blob_free(blob);
	return ST_OK;
}

enum status repo_file(struct repo *r, const git_oid *commit, const char *path,
		      git_oid *blob, struct buf *content, struct err *e)
{
	if (!path || !*path)
		return repo_fail(e, ST_ERR_INVALID, "no file path given");
	git_tree *tree = NULL;
	enum status st = commit_tree(r, commit, &tree, e);
	if (st != ST_OK)
		return st;
	git_tree_entry *ent = NULL;
	int rc = git_tree_entry_bypath(&ent, tree, path);
	git_tree_free(tree);
	if (rc == GIT_ENOTFOUND)
		return repo_fail(e, ST_ERR_NOTFOUND, "%s: not found at commit %s",
			    path, short_id(commit).s);
	if (rc < 0)
		return repo_fail_git(e, ST_ERR_IO, "%s at commit %s", path,
				short_id(commit).s);
	git_filemode_t mode = git_tree_entry_filemode(ent);
	git_oid id;
	git_oid_cpy(&id, git_tree_entry_id(ent));
	git_tree_entry_free(ent);
	const char *what = NULL;
	switch (mode) {
	case GIT_FILEMODE_BLOB:
	case GIT_FILEMODE_BLOB_EXECUTABLE:
		break;
	case GIT_FILEMODE_TREE:
		what = "a folder";
		break;
	case GIT_FILEMODE_LINK:
		what = "a symbolic link";
		break;
	case GIT_FILEMODE_COMMIT:
		what = "a submodule";
		break;
	default:
		what = "not a regular file";
		break;
	}
	if (what)
		return repo_fail(e, ST_ERR_NOTFOUND,
			    "%s is %s at commit %s, not a file", path, what,
			    short_id(commit).s);
	st = read_blob(r, &id, path, content, e);
	if (st == ST_OK && blob)
		git_oid_cpy(blob, &id);
	return st;
}

enum status repo_blob(struct repo *r, const git_oid *blob, struct buf *content,
		      struct err *e)
{
	char name[64];
	snprintf(name, sizeof name, "blob %s", short_id(blob).s);
	return read_blob(r, blob, name, content, e);
}

bool repo_path_exists(struct repo *r, const git_oid *commit, const char *path)
{
	if (!path || !*path)
		return false;
	git_tree *tree = NULL;
	if (commit_tree(r, commit, &tree, NULL) != ST_OK)
		return false;
	git_tree_entry *ent = NULL;
	int rc = git_tree_entry_bypath(&ent, tree, path);
	git_tree_entry_free(ent);
	git_tree_free(tree);
	return rc == 0;
}

/* ---- the working tree -------------------------------------------------- */

enum status repo_worktree_changes(struct repo *r, size_t *count, struct err *e)
{
	*count = 0;
	if (git_repository_is_bare(r->git))
		return ST_OK;
	git_status_options opts;
	git_status_options_init(&opts, GIT_STATUS_OPTIONS_VERSION);
	opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
	/* an untracked folder counts once, as in `git status` */
	opts.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED;
	git_status_list *list = NULL;
	int rc = git_status_list_new(&list, r->git, &opts);
	if (rc < 0)
		return repo_fail_git(e, ST_ERR_IO,
				"reading the working tree status");
	size_t n = git_status_list_entrycount(list);
	for (size_t i = 0; i < n; i++) {
		const git_status_entry *s = git_status_byindex(list, i);
		if (s && s->status != GIT_STATUS_CURRENT &&
		    !(s->status & GIT_STATUS_IGNORED))
			(*count)++;
	}
	git_status_list_free(list);
	return ST_OK;
}

/* ---- commits ----------------------------------------------------------- */

static void person_copy(struct repo_person *p, const git_signature *s)
{
	p->name = xstrdup(s && s->name ? s->name : "");
	p->email = xstrdup(s && s->email ? s->email : "");
	p->when = s ? (int64_t)s->when.time : 0;
	p->offset = s ? s->when.offset : 0;
}

enum status repo_commit_get(struct repo *r, const git_oid *id,
			    struct repo_commit *out, struct err *e)
{
	memset(out, 0, sizeof *out);
	git_commit *c = NULL;
	int rc = git_commit_lookup(&c, r->git, id);
	if (rc < 0)
		return repo_fail_git(e, git_status(rc), "commit %s", short_id(id).s);
	git_oid_cpy(&out->id, id);
	git_oid_tostr(out->hex, sizeof out->hex, id);
	person_copy(&out->author, git_commit_author(c));
	person_copy(&out->committer, git_commit_committer(c));
	const char *summary = git_commit_summary(c);
	const char *message = git_commit_message(c);
	out->summary = xstrdup(summary ? summary : "");
	out->message = xstrdup(message ? message : "");
	out->nparents = git_commit_parentcount(c);
	for (unsigned i = 0; i < out->nparents && i < 2; i++)
		git_oid_cpy(&out->parents[i], git_commit_parent_id(c, i));
	git_commit_free(c);

	git_message_trailer_array arr = {0};
	if (git_message_trailers(&arr, out->message) == 0) {
		for (size_t i = 0; i < arr.count; i++) {
			struct repo_trailer *t = xcalloc(1, sizeof *t);
			t->key = xstrdup(arr.trailers[i].key);
			t->value = xstrdup(arr.trailers[i].value);
			vec_push(&out->trailers, t);
		}
	}
	/* a message without trailers is not an error */
	git_message_trailer_array_free(&arr);
	return ST_OK;
}

static void trailer_free(void *p)
{
	struct repo_trailer *t = p;
	free(t->key);
	free(t->value);
	free(t);
}

void repo_commit_clear(struct repo_commit *c)
{
	if (!c)
		return;
	free(c->author.name);
	free(c->author.email);
	free(c->committer.name);
	free(c->committer.email);
	free(c->summary);
	free(c->message);
	vec_free(&c->trailers, trailer_free);
	memset(c, 0, sizeof *c);
}

const char *repo_commit_trailer(const struct repo_commit *c, const char *key)
{
	for (size_t i = 0; i < c->trailers.len; i++) {
		const struct repo_trailer *t = c->trailers.items[i];
		if (strcasecmp(t->key, key) == 0)
			return t->value;
	}
	return NULL;
}

/* ---- diffs ------------------------------------------------------------- */

static void diff_opts(git_diff_options *o, unsigned context)
{
	git_diff_options_init(o, GIT_DIFF_OPTIONS_VERSION);
	o->context_lines = context;
	o->old_prefix = "a";
	o->new_prefix = "b";
}

enum status repo_diff_text(const char *old_path, const char *old_text,
			   size_t old_len, const char *new_path,
			   const char *new_text, size_t new_len,
			   unsigned context, struct buf *out, struct err *e)
{
	repo_global_init();
	if (!old_text && !new_text)
		return ST_OK;
	if (old_text && new_text && old_len == new_len &&
	    memcmp(old_text, new_text, old_len) == 0)
		return ST_OK;
	if (!old_path)
		old_path = new_path;
	if (!new_path)
		new_path = old_path;
	if (!old_path)
		return repo_fail(e, ST_ERR_INVALID, "a diff needs a file name");
	git_diff_options o;
	diff_opts(&o, context);
	git_patch *patch = NULL;
	/* a NULL buffer is an absent file: "--- /dev/null" */
	int rc = git_patch_from_buffers(&patch, old_text, old_len, old_path,
					new_text, new_len, new_path, &o);
	if (rc < 0)
		return repo_fail_git(e, ST_ERR_IO, "diffing %s", new_path);
	git_buf gb = {0};
	rc = git_patch_to_buf(&gb, patch);
	git_patch_free(patch);
	if (rc < 0)
		return repo_fail_git(e, ST_ERR_IO, "diffing %s", new_path);
	buf_append(out, gb.ptr, gb.size);
	git_buf_dispose(&gb);
	return ST_OK;
}

enum status repo_diff_commits(struct repo *r, const git_oid *from,
			      const git_oid *to, const char *const *paths,
			      size_t npaths, unsigned context, struct buf *out,
			      struct err *e)
{
	git_tree *old_tree = NULL, *new_tree = NULL;
	git_diff *diff = NULL;
	git_buf gb = {0};
	enum status st;
	if (from && (st = commit_tree(r, from, &old_tree, e)) != ST_OK)
		return st;
	if ((st = commit_tree(r, to, &new_tree, e)) != ST_OK)
		goto done;

	git_diff_options o;
	diff_opts(&o, context);
	if (paths && npaths) {
		/* literal files or folders, not fnmatch patterns */
		o.pathspec.strings = (char **)paths;
		o.pathspec.count = npaths;
		o.flags |= GIT_DIFF_DISABLE_PATHSPEC_MATCH;
	}
	if (git_diff_tree_to_tree(&diff, r->git, old_tree, new_tree, &o) < 0) {
		st = repo_fail_git(e, ST_ERR_IO, "diffing commits");
		goto done;
	}
	git_diff_find_options fo;
	git_diff_find_options_init(&fo, GIT_DIFF_FIND_OPTIONS_VERSION);
	fo.flags = GIT_DIFF_FIND_RENAMES;
	if (git_diff_find_similar(diff, &fo) < 0) {
		st = repo_fail_git(e, ST_ERR_IO, "finding renames");
		goto done;
	}
	if (git_diff_to_buf(&gb, diff, GIT_DIFF_FORMAT_PATCH) < 0) {
		st = repo_fail_git(e, ST_ERR_IO, "formatting the diff");
		goto done;
	}
	buf_append(out, gb.ptr, gb.size);
	st = ST_OK;
done:
	git_buf_dispose(&gb);
	git_diff_free(diff);
	git_tree_free(old_tree);
	git_tree_free(new_tree);
	return st;
}

bool repo_has_origin(struct repo *r)
{
	/* Through the config: looking up a git_remote costs a leak in
	 * libgit2 1.5. */
	git_config *cfg = NULL;
	git_config_entry *url = NULL;
	bool has = git_repository_config_snapshot(&cfg, r->git) == 0 &&
		   git_config_get_entry(&url, cfg, "remote.origin.url") == 0;
	git_config_entry_free(url);
	git_config_free(cfg);
	return has;
}
