/*
 * Unit tests for src/git/history: the first-parent walk by path and the
 * merge origin. Each test builds a small repository with the git command
 * in a temporary folder (fixed names and dates, so ids are the same on
 * every run), then checks every reported change against what git itself
 * says (`git rev-parse COMMIT:PATH`): the commits reported, and no others;
 * old and new blob ids; renames followed into older history; merges seen
 * once at the merge; stop conditions; bad input. The many-paths test
 * builds 2,000 files and 300 commits with git fast-import and bounds the
 * trees the walk looks up.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_tmp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/mem.h"
#include "base/status.h"
#include "base/str.h"
#include "git/history.h"
#include "git/repo.h"

#define T0 1700000000 /* the first commit's date; each next one +60 s */

struct fx {
	char dir[256];	/* temp folder, also $HOME */
	char repo[300]; /* dir/repo */
	int tick;	/* commits made so far */
	struct repo *r;
};

/* ---- building repositories ---- */

static void set_dates(struct fx *f)
{
	char d[64];
	snprintf(d, sizeof d, "@%d +0000", T0 + 60 * f->tick++);
	setenv("GIT_AUTHOR_DATE", d, 1);
	setenv("GIT_COMMITTER_DATE", d, 1);
}

/* Run "git ARGS" in the repository; it must succeed. */
static void git(struct fx *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void git(struct fx *f, const char *fmt, ...)
{
	struct buf cmd = BUF_INIT;
	buf_printf(&cmd, "cd '%s' && git -c init.defaultBranch=main ", f->repo);
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&cmd, fmt, ap);
	va_end(ap);
	buf_puts(&cmd, " >/dev/null");
	int rc = system(buf_str(&cmd));
	if (rc != 0)
		fail_msg("failed (%d): %s", rc, buf_str(&cmd));
	buf_free(&cmd);
}

/* `git rev-parse SPEC` (a commit, or COMMIT:PATH for a blob); zero when
 * git says there is none. */
static git_oid rev(struct fx *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static git_oid rev(struct fx *f, const char *fmt, ...)
{
	struct buf cmd = BUF_INIT;
	buf_printf(&cmd, "cd '%s' && git rev-parse -q --verify '", f->repo);
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&cmd, fmt, ap);
	va_end(ap);
	buf_puts(&cmd, "' 2>/dev/null");
	git_oid id;
	memset(&id, 0, sizeof id);
	FILE *p = popen(buf_str(&cmd), "r");
	assert_non_null(p);
	char hex[128] = "";
	if (fgets(hex, sizeof hex, p) && strlen(hex) >= GIT_OID_HEXSZ) {
		hex[GIT_OID_HEXSZ] = '\0';
		assert_int_equal(git_oid_fromstr(&id, hex), 0);
	}
	pclose(p);
	buf_free(&cmd);
	return id;
}

static void put(struct fx *f, const char *rel, const char *text)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", f->repo, rel);
	tmpdir_make_parents(path);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

/* A file big enough for similarity detection: 20 lines, one marked. */
static void put_lines(struct fx *f, const char *rel, int mark)
{
	struct buf b = BUF_INIT;
	for (int i = 0; i < 20; i++)
		buf_printf(&b, "key%02d: value %02d %s\n", i, i,
			   i == 7 && mark ? "marked" : "");
	buf_printf(&b, "mark: %d\n", mark);
	put(f, rel, buf_str(&b));
	buf_free(&b);
}

/* git mv, making the destination's folder first. */
static void move(struct fx *f, const char *from, const char *to)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", f->repo, to);
	tmpdir_make_parents(path);
	git(f, "mv %s %s", from, to);
}

/* Commit everything; returns the new commit. */
static git_oid commit(struct fx *f, const char *msg)
{
	set_dates(f);
	git(f, "add -A && git commit -q --allow-empty -m '%s'", msg);
	return rev(f, "HEAD");
}

static void open_repo(struct fx *f)
{
	struct err e;
	repo_free(f->r);
	f->r = NULL;
	if (repo_open(f->repo, &f->r, &e))
		fail_msg("repo_open: %s", e.msg);
}

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof *f);
	if (tmpdir_make(f->dir, sizeof f->dir, "githist"))
		return -1;
	snprintf(f->repo, sizeof f->repo, "%s/repo", f->dir);
	if (mkdir(f->repo, 0755))
		return -1;
	setenv("HOME", f->dir, 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_AUTHOR_NAME", "Test Author", 1);
	setenv("GIT_AUTHOR_EMAIL", "author@example.com", 1);
	setenv("GIT_COMMITTER_NAME", "Test Committer", 1);
	setenv("GIT_COMMITTER_EMAIL", "committer@example.com", 1);
	unsetenv("GIT_DIR");
	unsetenv("GIT_WORK_TREE");
	git(f, "init -q");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	repo_free(f->r);
	int rc = tmpdir_remove(f->dir);
	free(f);
	return rc;
}

/* ---- recording the walk ---- */

struct rchange {
	size_t path;
	git_oid old_blob, new_blob;
	char *old_path;
};

struct rstep {
	git_oid commit, parent;
	bool root;
	unsigned nparents;
	int64_t time;
	size_t n;
	struct rchange *c;
};

struct rec {
	struct rstep *s;
	size_t n, cap;
	size_t stop_after; /* return false after this many steps; 0 = never */
	size_t nchanges;
};

static bool record(void *arg, const struct githist_step *s)
{
	struct rec *r = arg;
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 16;
		r->s = xrealloc(r->s, r->cap * sizeof *r->s);
	}
	struct rstep *o = &r->s[r->n++];
	memset(o, 0, sizeof *o);
	o->commit = *s->commit;
	o->root = !s->parent;
	if (s->parent)
		o->parent = *s->parent;
	o->nparents = s->nparents;
	o->time = s->time;
	o->n = s->nchanges;
	o->c = xcalloc(s->nchanges, sizeof *o->c);
	assert_true(s->nchanges > 0);
	for (size_t i = 0; i < s->nchanges; i++) {
		const struct githist_change *c = &s->changes[i];
		o->c[i].path = c->path;
		o->c[i].old_blob = c->old_blob;
		o->c[i].new_blob = c->new_blob;
		o->c[i].old_path = c->old_path ? xstrdup(c->old_path) : NULL;
		/* Never a change that is not one. */
		assert_false(git_oid_equal(&c->old_blob, &c->new_blob) &&
			     !c->old_path);
	}
	r->nchanges += s->nchanges;
	return !r->stop_after || r->n < r->stop_after;
}

static void rec_free(struct rec *r)
{
	for (size_t i = 0; i < r->n; i++) {
		for (size_t j = 0; j < r->s[i].n; j++)
			free(r->s[i].c[j].old_path);
		free(r->s[i].c);
	}
	free(r->s);
	memset(r, 0, sizeof *r);
}

static struct githist_stats walk(struct fx *f, const git_oid *tip,
				 const char *const *paths, size_t npaths,
				 struct rec *out)
{
	struct githist_stats st;
	struct err e;
	open_repo(f);
	if (githist_walk(f->r, tip, paths, npaths, 0, 0, record, out, &st, &e))
		fail_msg("githist_walk: %s", e.msg);
	return st;
}

static void assert_oid(const git_oid *got, const git_oid *want)
{
	if (!git_oid_equal(got, want)) {
		char a[GIT_OID_HEXSZ + 1], b[GIT_OID_HEXSZ + 1];
		git_oid_tostr(a, sizeof a, got);
		git_oid_tostr(b, sizeof b, want);
		fail_msg("got %s, want %s", a, b);
	}
}

/* Step s is commit c, and its change i is path index idx with the blob
 * ids git gives for c^:old_name and c:name (old_name NULL = name). */
static void assert_change(struct fx *f, const struct rstep *s, size_t i,
			  const git_oid *c, size_t idx, const char *name,
			  const char *old_name)
{
	char hex[GIT_OID_HEXSZ + 1];
	git_oid_tostr(hex, sizeof hex, c);
	assert_oid(&s->commit, c);
	assert_true(i < s->n);
	assert_int_equal(s->c[i].path, idx);
	git_oid want_new = rev(f, "%s:%s", hex, name);
	git_oid want_old = rev(f, "%s^:%s", hex, old_name ? old_name : name);
	assert_oid(&s->c[i].new_blob, &want_new);
	assert_oid(&s->c[i].old_blob, &want_old);
	if (old_name) {
		assert_non_null(s->c[i].old_path);
		assert_string_equal(s->c[i].old_path, old_name);
	} else {
		assert_null(s->c[i].old_path);
	}
}

static bool is_zero(const git_oid *id)
{
	return git_oid_is_zero(id);
}

/* ---- tests ---- */

static void test_linear(void **state)
{
	struct fx *f = *state;
	const char *paths[] = {"a/app.yaml", "c/tr.yaml"};
	put(f, "a/app.yaml", "version: 1\n");
	put(f, "a/other.yaml", "x: 1\n");
	put(f, "b/x.yaml", "y: 1\n");
	git_oid c1 = commit(f, "root");
	put(f, "a/other.yaml", "x: 2\n");
	commit(f, "untracked file, same folder");
	put(f, "a/app.yaml", "version: 2\n");
	git_oid c3 = commit(f, "app 2");
	put(f, "b/x.yaml", "y: 2\n");
	commit(f, "other folder");
	put(f, "c/tr.yaml", "t: 1\n");
	git_oid c5 = commit(f, "add tr");
	put(f, "a/app.yaml", "version: 3\n");
	put(f, "c/tr.yaml", "t: 2\n");
	put(f, "a/other.yaml", "x: 3\n");
	git_oid c6 = commit(f, "both");
	commit(f, "empty");
	git(f, "update-index --chmod=+x a/app.yaml");
	set_dates(f);
	git(f, "commit -q -m 'mode only'");
	git_oid tip = rev(f, "HEAD");

	struct rec r = {0};
	struct githist_stats st = walk(f, &tip, paths, 2, &r);
	assert_int_equal(st.commits, 8);
	assert_int_equal(st.renames, 0);
	assert_int_equal(r.n, 4);
	assert_int_equal(r.s[0].n, 2);
	assert_change(f, &r.s[0], 0, &c6, 0, "a/app.yaml", NULL);
	assert_change(f, &r.s[0], 1, &c6, 1, "c/tr.yaml", NULL);
	assert_int_equal(r.s[1].n, 1);
	assert_change(f, &r.s[1], 0, &c5, 1, "c/tr.yaml", NULL);
	assert_true(is_zero(&r.s[1].c[0].old_blob));
	assert_int_equal(r.s[2].n, 1);
	assert_change(f, &r.s[2], 0, &c3, 0, "a/app.yaml", NULL);
	git_oid c2 = rev(f, "%s", "HEAD~6");
	assert_oid(&r.s[2].parent, &c2);
	assert_int_equal(r.s[2].nparents, 1);
	assert_int_equal(r.s[2].time, T0 + 120);
	/* The root commit: every tracked path that exists there. */
	assert_int_equal(r.s[3].n, 1);
	assert_oid(&r.s[3].commit, &c1);
	assert_true(r.s[3].root);
	assert_int_equal(r.s[3].nparents, 0);
	assert_int_equal(r.s[3].c[0].path, 0);
	assert_true(is_zero(&r.s[3].c[0].old_blob));
	git_oid b = rev(f, "HEAD~7:a/app.yaml");
	assert_oid(&r.s[3].c[0].new_blob, &b);
	rec_free(&r);
}

static void test_nested(void **state)
{
	struct fx *f = *state;
	const char *paths[] = {
	    "env/prod/eu/tenant-a/values.yaml",
	    "env/prod/eu/tenant-b/values.yaml",
	    "env/values.yaml",
	    "x/conf",
	    "x/conf/y.yaml",
	    "never/there.yaml",
	};
	put(f, "env/values.yaml", "v: 1\n");
	put(f, "env/prod/eu/tenant-a/values.yaml", "a: 1\n");
	put(f, "env/prod/eu/other.yaml", "o: 1\n");
	put(f, "env/prod/us/tenant-a/values.yaml", "us: 1\n");
	put(f, "x/conf", "a file first\n");
	git_oid c1 = commit(f, "root");
	put(f, "env/prod/eu/other.yaml", "o: 2\n");
	put(f, "env/prod/us/tenant-a/values.yaml", "us: 2\n");
	put(f, "env/prod/eu/tenant-a/notes.txt", "n\n");
	commit(f, "siblings only");
	put(f, "env/prod/eu/tenant-b/values.yaml", "b: 1\n");
	git_oid c3 = commit(f, "tenant b");
	put(f, "env/prod/eu/tenant-a/values.yaml", "a: 2\n");
	put(f, "env/values.yaml", "v: 2\n");
	git_oid c4 = commit(f, "deep and shallow");
	git(f, "rm -q x/conf");
	put(f, "x/conf/y.yaml", "now a folder\n");
	git_oid c5 = commit(f, "file becomes folder");
	git_oid tip = rev(f, "HEAD");

	struct rec r = {0};
	struct githist_stats st = walk(f, &tip, paths, 6, &r);
	assert_int_equal(st.commits, 5);
	assert_int_equal(r.n, 4);
	assert_int_equal(r.s[0].n, 2);
	/* x/conf is a folder now: as a file it is gone. */
	assert_oid(&r.s[0].commit, &c5);
	assert_int_equal(r.s[0].c[0].path, 3);
	git_oid was = rev(f, "HEAD^:x/conf");
	assert_oid(&r.s[0].c[0].old_blob, &was);
	assert_true(is_zero(&r.s[0].c[0].new_blob));
	assert_change(f, &r.s[0], 1, &c5, 4, "x/conf/y.yaml", NULL);
	assert_int_equal(r.s[1].n, 2);
	assert_change(f, &r.s[1], 0, &c4, 0, "env/prod/eu/tenant-a/values.yaml",
		      NULL);
	assert_change(f, &r.s[1], 1, &c4, 2, "env/values.yaml", NULL);
	assert_int_equal(r.s[2].n, 1);
	assert_change(f, &r.s[2], 0, &c3, 1, "env/prod/eu/tenant-b/values.yaml",
		      NULL);
	assert_int_equal(r.s[3].n, 3);
	assert_oid(&r.s[3].commit, &c1);
	assert_int_equal(r.s[3].c[0].path, 0);
	assert_int_equal(r.s[3].c[1].path, 2);
	assert_int_equal(r.s[3].c[2].path, 3);
	rec_free(&r);
}

static void test_shared_path(void **state)
{
	struct fx *f = *state;
	const char *paths[] = {"charts/web/values.yaml", "env/a.yaml",
			       "charts/web/values.yaml"};
	put(f, "charts/web/values.yaml", "image: 1\n");
	put(f, "env/a.yaml", "a: 1\n");
	git_oid c1 = commit(f, "root");
	put(f, "charts/web/values.yaml", "image: 2\n");
	git_oid c2 = commit(f, "chart");
	put(f, "env/a.yaml", "a: 2\n");
	git_oid c3 = commit(f, "env");
	struct rec r = {0};
	walk(f, &c3, paths, 3, &r);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.s[0].n, 1);
	assert_change(f, &r.s[0], 0, &c3, 1, "env/a.yaml", NULL);
	assert_int_equal(r.s[1].n, 2);
	assert_change(f, &r.s[1], 0, &c2, 0, "charts/web/values.yaml", NULL);
	assert_change(f, &r.s[1], 1, &c2, 2, "charts/web/values.yaml", NULL);
	assert_int_equal(r.s[2].n, 3);
	assert_oid(&r.s[2].commit, &c1);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(r.s[2].c[i].path, i);
	rec_free(&r);
}

static void test_delete_readd(void **state)
{
	struct fx *f = *state;
	const char *paths[] = {"svc/app.yaml"};
	put(f, "svc/app.yaml", "v: 1\n");
	put(f, "svc/keep.yaml", "k: 1\n");
	git_oid c1 = commit(f, "add");
	put(f, "svc/app.yaml", "v: 2\n");
	git_oid c2 = commit(f, "edit");
	git(f, "rm -q svc/app.yaml");
	git_oid c3 = commit(f, "delete");
	put(f, "svc/keep.yaml", "k: 2\n");
	commit(f, "unrelated");
	put(f, "svc/app.yaml", "v: 3\n");
	git_oid c5 = commit(f, "re-add");
	put(f, "svc/app.yaml", "v: 4\n");
	git_oid c6 = commit(f, "edit again");
	struct rec r = {0};
	struct githist_stats st = walk(f, &c6, paths, 1, &r);
	assert_int_equal(st.commits, 6);
	assert_int_equal(st.renames, 0);
	assert_int_equal(r.n, 5);
	assert_change(f, &r.s[0], 0, &c6, 0, "svc/app.yaml", NULL);
	assert_change(f, &r.s[1], 0, &c5, 0, "svc/app.yaml", NULL);
	assert_true(is_zero(&r.s[1].c[0].old_blob));
	assert_change(f, &r.s[2], 0, &c3, 0, "svc/app.yaml", NULL);
	assert_true(is_zero(&r.s[2].c[0].new_blob));
	assert_change(f, &r.s[3], 0, &c2, 0, "svc/app.yaml", NULL);
	assert_change(f, &r.s[4], 0, &c1, 0, "svc/app.yaml", NULL);
	rec_free(&r);
}

static void test_renames(void **state)
{
	struct fx *f = *state;
	/* Two cells share the file; a third path is untouched by renames. */
	const char *paths[] = {"svc/app.yaml", "extra.yaml", "svc/app.yaml"};
	put_lines(f, "old/app.yaml", 1);
	put(f, "junk.txt", "nothing like the others\n");
	git_oid c1 = commit(f, "add under the first name");
	put_lines(f, "old/app.yaml", 2);
	git_oid c2 = commit(f, "edit under the first name");
	move(f, "old/app.yaml", "new/app.yaml");
	git_oid c3 = commit(f, "exact rename");
	put_lines(f, "new/app.yaml", 3);
	git_oid c4 = commit(f, "edit under the second name");
	move(f, "new/app.yaml", "svc/app.yaml");
	put_lines(f, "svc/app.yaml", 4);
	git_oid c5 = commit(f, "rename with an edit");
	/* A deletion and an unrelated addition: not a rename. */
	git(f, "rm -q junk.txt");
	put(f, "extra.yaml", "e: 1\n");
	git_oid c6 = commit(f, "not a rename");
	/* A new file at the first name: must not be taken for the tracked
	 * file's history. */
	put(f, "old/app.yaml", "unrelated: true\n");
	commit(f, "reuse the first name");
	git_oid tip = rev(f, "HEAD");

	struct rec r = {0};
	struct githist_stats st = walk(f, &tip, paths, 3, &r);
	assert_int_equal(st.commits, 7);
	assert_int_equal(st.renames, 2);
	assert_int_equal(r.n, 6);
	assert_change(f, &r.s[0], 0, &c6, 1, "extra.yaml", NULL);
	assert_true(is_zero(&r.s[0].c[0].old_blob));
	for (size_t i = 0; i < 2; i++) {
		size_t idx = 2 * i;
		assert_int_equal(r.s[1].n, 2);
		assert_change(f, &r.s[1], i, &c5, idx, "svc/app.yaml",
			      "new/app.yaml");
		assert_int_equal(r.s[2].n, 2);
		assert_change(f, &r.s[2], i, &c4, idx, "new/app.yaml", NULL);
		assert_int_equal(r.s[3].n, 2);
		assert_change(f, &r.s[3], i, &c3, idx, "new/app.yaml",
			      "old/app.yaml");
		/* An exact rename: same content under both names. */
		assert_oid(&r.s[3].c[i].old_blob, &r.s[3].c[i].new_blob);
		assert_int_equal(r.s[4].n, 2);
		assert_change(f, &r.s[4], i, &c2, idx, "old/app.yaml", NULL);
		assert_int_equal(r.s[5].n, 2);
		assert_change(f, &r.s[5], i, &c1, idx, "old/app.yaml", NULL);
		assert_true(is_zero(&r.s[5].c[i].old_blob));
	}
	assert_false(
	    git_oid_equal(&r.s[1].c[0].old_blob, &r.s[1].c[0].new_blob));
	rec_free(&r);
}

static void test_merges(void **state)
{
	struct fx *f = *state;
	const char *paths[] = {"svc/app.yaml"};
	struct err e;
	put(f, "svc/app.yaml", "v: 1\n");
	put(f, "README", "r1\n");
	git_oid c1 = commit(f, "root");
	git(f, "checkout -q -b feature");
	put(f, "svc/app.yaml", "v: 2\n");
	git_oid f1 = commit(f, "feature 1");
	put(f, "svc/app.yaml", "v: 3\n");
	git_oid f2 = commit(f, "feature 2");
	put(f, "notes.txt", "n\n");
	git_oid f3 = commit(f, "feature 3, elsewhere");
	git(f, "checkout -q main");
	put(f, "README", "r2\n");
	commit(f, "main meanwhile");
	set_dates(f);
	git(f, "merge -q --no-ff -m 'merge feature' feature");
	git_oid m1 = rev(f, "HEAD");

	/* A merge whose side did not touch the path. */
	git(f, "checkout -q -b side");
	put(f, "README", "r3\n");
	commit(f, "side");
	git(f, "checkout -q main");
	put(f, "other.yaml", "o\n");
	commit(f, "main again");
	set_dates(f);
	git(f, "merge -q --no-ff -m 'merge side' side");
	git_oid m2 = rev(f, "HEAD");

	/* A merge that itself wrote the file (an evil merge). */
	git(f, "checkout -q -b evil");
	put(f, "README", "r4\n");
	commit(f, "evil side");
	git(f, "checkout -q main");
	set_dates(f);
	git(f, "merge -q --no-ff --no-commit evil 2>/dev/null");
	put(f, "svc/app.yaml", "v: merged\n");
	git(f, "add -A && git commit -q -m 'merge evil'");
	git_oid m3 = rev(f, "HEAD");

	/* Fast-forward: just a linear history. */
	git(f, "checkout -q -b ff");
	put(f, "svc/app.yaml", "v: 4\n");
	git_oid ff1 = commit(f, "ff 1");
	put(f, "svc/app.yaml", "v: 5\n");
	git_oid ff2 = commit(f, "ff 2");
	git(f, "checkout -q main && git merge -q --ff-only ff");
	git_oid tip = rev(f, "HEAD");
	assert_oid(&tip, &ff2);

	struct rec r = {0};
	struct githist_stats st = walk(f, &tip, paths, 1, &r);
	/* ff2 ff1 m3 m2 "main again" m1 "main meanwhile" c1 */
	assert_int_equal(st.commits, 8);
	assert_int_equal(r.n, 5);
	assert_change(f, &r.s[0], 0, &ff2, 0, "svc/app.yaml", NULL);
	assert_change(f, &r.s[1], 0, &ff1, 0, "svc/app.yaml", NULL);
	assert_change(f, &r.s[2], 0, &m3, 0, "svc/app.yaml", NULL);
	assert_int_equal(r.s[2].nparents, 2);
	assert_change(f, &r.s[3], 0, &m1, 0, "svc/app.yaml", NULL);
	assert_int_equal(r.s[3].nparents, 2);
	assert_change(f, &r.s[4], 0, &c1, 0, "svc/app.yaml", NULL);

	/* Where m1's content came from: f2 made it (f3 kept it). */
	git_oid out;
	assert_int_equal(githist_origin(f->r, &m1, "svc/app.yaml",
					&r.s[3].c[0].new_blob, &out, &e),
			 ST_OK);
	assert_oid(&out, &f2);
	/* An older content of the merged side: the commit that made it. */
	git_oid v2 = rev(f, "%s", "feature~2:svc/app.yaml");
	assert_int_equal(
	    githist_origin(f->r, &m1, "svc/app.yaml", &v2, &out, &e), ST_OK);
	assert_oid(&out, &f1);
	/* The side never touched it, or the merge itself wrote it. */
	char m2hex[GIT_OID_HEXSZ + 1];
	git_oid_tostr(m2hex, sizeof m2hex, &m2);
	git_oid b2 = rev(f, "%s:svc/app.yaml", m2hex);
	assert_int_equal(
	    githist_origin(f->r, &m2, "svc/app.yaml", &b2, &out, &e),
	    ST_ERR_NOTFOUND);
	assert_int_equal(githist_origin(f->r, &m3, "svc/app.yaml",
					&r.s[2].c[0].new_blob, &out, &e),
			 ST_ERR_NOTFOUND);
	assert_true(strlen(e.msg) > 0);
	/* Not a merge; a commit that does not exist; bad arguments. */
	assert_int_equal(
	    githist_origin(f->r, &f3, "svc/app.yaml", &v2, &out, &e),
	    ST_ERR_NOTFOUND);
	git_oid nowhere;
	git_oid_fromstr(&nowhere, "0123456789abcdef0123456789abcdef01234567");
	assert_int_equal(
	    githist_origin(f->r, &nowhere, "svc/app.yaml", &v2, &out, &e),
	    ST_ERR_NOTFOUND);
	assert_int_equal(githist_origin(f->r, &m1, "/abs", &v2, &out, &e),
			 ST_ERR_INVALID);
	rec_free(&r);
}

/* A merge that deleted the file on the merged side: origin with a zero
 * blob finds the deleting commit. */
static void test_merge_delete(void **state)
{
	struct fx *f = *state;
	const char *paths[] = {"a.yaml"};
	put(f, "a.yaml", "a\n");
	put(f, "b.yaml", "b\n");
	commit(f, "root");
	git(f, "checkout -q -b gone");
	git(f, "rm -q a.yaml");
	git_oid d = commit(f, "delete");
	put(f, "b.yaml", "b2\n");
	commit(f, "more");
	git(f, "checkout -q main");
	put(f, "c.yaml", "c\n");
	commit(f, "main");
	set_dates(f);
	git(f, "merge -q --no-ff -m 'merge' gone");
	git_oid m = rev(f, "HEAD");
	struct rec r = {0};
	walk(f, &m, paths, 1, &r);
	assert_int_equal(r.n, 2);
	assert_change(f, &r.s[0], 0, &m, 0, "a.yaml", NULL);
	assert_true(is_zero(&r.s[0].c[0].new_blob));
	git_oid out;
	struct err e;
	assert_int_equal(githist_origin(f->r, &m, "a.yaml", NULL, &out, &e),
			 ST_OK);
	assert_oid(&out, &d);
	rec_free(&r);
}

static void test_stops(void **state)
{
	struct fx *f = *state;
	const char *paths[] = {"v.yaml"};
	git_oid c[10];
	for (int i = 0; i < 10; i++) {
		char text[32];
		snprintf(text, sizeof text, "v: %d\n", i);
		put(f, "v.yaml", text);
		c[i] = commit(f, "step");
	}
	struct err e;
	struct githist_stats st;
	struct rec r = {0};
	open_repo(f);

	/* since: commits 6..9 are at or after c[6]'s time. */
	assert_int_equal(githist_walk(f->r, &c[9], paths, 1, T0 + 6 * 60, 0,
				      record, &r, &st, &e),
			 ST_OK);
	assert_int_equal(st.commits, 4);
	assert_int_equal(r.n, 4);
	assert_oid(&r.s[3].commit, &c[6]);
	rec_free(&r);

	assert_int_equal(
	    githist_walk(f->r, &c[9], paths, 1, 0, 3, record, &r, &st, &e),
	    ST_OK);
	assert_int_equal(st.commits, 3);
	assert_int_equal(r.n, 3);
	assert_oid(&r.s[2].commit, &c[7]);
	rec_free(&r);

	/* The callback says stop. */
	r.stop_after = 2;
	assert_int_equal(
	    githist_walk(f->r, &c[9], paths, 1, 0, 0, record, &r, &st, &e),
	    ST_OK);
	assert_int_equal(st.commits, 2);
	assert_int_equal(r.n, 2);
	rec_free(&r);

	/* No paths: every commit visited, nothing reported, no trees. */
	assert_int_equal(
	    githist_walk(f->r, &c[9], NULL, 0, 0, 0, record, &r, &st, &e),
	    ST_OK);
	assert_int_equal(st.commits, 10);
	assert_int_equal(st.trees, 0);
	assert_int_equal(r.n, 0);
}

/* A shallow clone: the walk ends where the history does, quietly. */
static void test_shallow(void **state)
{
	struct fx *f = *state;
	const char *paths[] = {"v.yaml"};
	git_oid c[5];
	for (int i = 0; i < 5; i++) {
		char text[32];
		snprintf(text, sizeof text, "v: %d\n", i);
		put(f, "v.yaml", text);
		c[i] = commit(f, "step");
	}
	git(f, "clone -q --depth 2 'file://%s' '%s/shallow' 2>/dev/null",
	    f->repo, f->dir);
	char path[400];
	snprintf(path, sizeof path, "%s/shallow", f->dir);
	struct repo *sr = NULL;
	struct err e;
	assert_int_equal(repo_open(path, &sr, &e), ST_OK);
	struct rec r = {0};
	struct githist_stats st;
	assert_int_equal(
	    githist_walk(sr, &c[4], paths, 1, 0, 0, record, &r, &st, &e),
	    ST_OK);
	assert_int_equal(st.commits, 2);
	assert_int_equal(r.n, 1);
	assert_oid(&r.s[0].commit, &c[4]);
	rec_free(&r);
	repo_free(sr);
}

static void test_bad_input(void **state)
{
	struct fx *f = *state;
	put(f, "v.yaml", "v: 1\n");
	git_oid c1 = commit(f, "root");
	open_repo(f);
	const char *ok[] = {"v.yaml"};
	struct err e;
	struct githist_stats st;
	struct rec r = {0};

	git_oid nowhere;
	git_oid_fromstr(&nowhere, "0123456789abcdef0123456789abcdef01234567");
	assert_int_equal(
	    githist_walk(f->r, &nowhere, ok, 1, 0, 0, record, &r, &st, &e),
	    ST_ERR_NOTFOUND);
	assert_non_null(strstr(e.msg, "0123456789abcdef"));
	assert_int_equal(st.commits, 0);

	/* A blob is not a commit. */
	git_oid blob = rev(f, "HEAD:v.yaml");
	assert_int_not_equal(
	    githist_walk(f->r, &blob, ok, 1, 0, 0, record, &r, &st, &e), ST_OK);

	const char *bad[] = {"", "/abs", "a//b", "../x", "a/./b", "a/", NULL};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		const char *p[] = {"v.yaml", bad[i]};
		assert_int_equal(
		    githist_walk(f->r, &c1, p, 2, 0, 0, record, &r, &st, &e),
		    ST_ERR_INVALID);
	}
	assert_int_equal(
	    githist_walk(f->r, &c1, NULL, 1, 0, 0, record, &r, &st, &e),
	    ST_ERR_INVALID);
	assert_int_equal(
	    githist_walk(f->r, &c1, ok, 1, 0, 0, NULL, &r, &st, &e),
	    ST_ERR_INVALID);
	assert_int_equal(r.n, 0);
}

/* ---- many paths ---- */

#define NDIRS	 200
#define NFILES	 10 /* per folder */
#define NFILE	 (NDIRS * NFILES)
#define NCOMMITS 300

static void blob_of(int file, int version, git_oid *out)
{
	char text[64];
	int n =
	    snprintf(text, sizeof text, "folder: %d\nfile: %d\nversion: %d\n",
		     file / NFILES, file % NFILES, version);
	assert_int_equal(git_odb_hash(out, text, (size_t)n, GIT_OBJECT_BLOB),
			 0);
}

/* What the stream did: per commit the files rewritten, -1 = none. */
struct many {
	int touched[NCOMMITS + 1][3];
	int version[NCOMMITS + 1][3]; /* the new version */
	int before[NCOMMITS + 1][3];  /* the version in the parent */
};

/* Write the fast-import stream: the root adds every file, then each
 * commit rewrites one to three of them. */
static void many_stream(const char *path, struct many *m)
{
	static int version[NFILE];
	memset(version, 0, sizeof version);
	memset(m->touched, 0xff, sizeof m->touched);
	FILE *s = fopen(path, "w");
	assert_non_null(s);
	unsigned seed = 12345;
	for (int k = 0; k <= NCOMMITS; k++) {
		fprintf(s,
			"commit refs/heads/main\n"
			"committer T <t@example.com> %d +0000\n"
			"data 2\nc\n",
			T0 + 60 * k);
		seed = seed * 1103515245 + 12345;
		int n = k ? 1 + (int)(seed >> 16) % 3 : 0;
		for (int j = 0; j < n; j++) {
			seed = seed * 1103515245 + 12345;
			int file = (int)((seed >> 8) % NFILE);
			bool dup = false;
			for (int q = 0; q < j; q++)
				dup |= m->touched[k][q] == file;
			if (dup)
				continue;
			m->touched[k][j] = file;
			m->before[k][j] = version[file];
			m->version[k][j] = ++version[file];
		}
		for (int file = 0; file < NFILE; file++) {
			bool put_it = k == 0;
			for (int j = 0; j < 3 && !put_it; j++)
				put_it = m->touched[k][j] == file;
			if (!put_it)
				continue;
			char text[64];
			int len = snprintf(
			    text, sizeof text,
			    "folder: %d\nfile: %d\nversion: %d\n",
			    file / NFILES, file % NFILES, version[file]);
			fprintf(s,
				"M 100644 inline d%03d/f%d.yaml\ndata %d\n%s\n",
				file / NFILES, file % NFILES, len, text);
		}
		fputc('\n', s);
	}
	fclose(s);
}

/* Walk the files for which every % stride == 0 (plus two paths that
 * never exist) and check every change against the stream. */
static void many_walk(struct fx *f, const git_oid *tip, const struct many *m,
		      int stride)
{
	static size_t idx_of[NFILE];
	char **paths = xcalloc(NFILE + 2, sizeof *paths);
	size_t npaths = 0;
	for (int file = 0; file < NFILE; file++) {
		idx_of[file] = SIZE_MAX;
		if (file % stride)
			continue;
		idx_of[file] = npaths;
		paths[npaths++] =
		    str_printf("d%03d/f%d.yaml", file / NFILES, file % NFILES);
	}
	size_t ntracked = npaths;
	paths[npaths++] = xstrdup("d005/missing.yaml");
	paths[npaths++] = xstrdup("nope/x.yaml");

	struct rec r = {0};
	struct githist_stats st;
	struct err e;
	struct timespec t0, t1;
	open_repo(f);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (githist_walk(f->r, tip, (const char *const *)paths, npaths, 0, 0,
			 record, &r, &st, &e))
		fail_msg("githist_walk: %s", e.msg);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	print_message("many paths: %zu paths, %zu commits, %zu reported, "
		      "%zu changes, %zu trees looked up, %.1f ms\n",
		      npaths, st.commits, r.n, r.nchanges, st.trees, ms);
	assert_int_equal(st.commits, NCOMMITS + 1);

	/* Every commit that rewrote a tracked file is reported with
	 * exactly those changes; no other commit is. */
	size_t at = 0;
	for (int k = NCOMMITS; k >= 0; k--) {
		size_t want = 0;
		for (int j = 0; j < 3; j++)
			want += m->touched[k][j] >= 0 &&
				idx_of[m->touched[k][j]] != SIZE_MAX;
		if (k == 0)
			want = ntracked;
		if (!want)
			continue;
		assert_true(at < r.n);
		const struct rstep *sp = &r.s[at++];
		assert_int_equal(sp->time, T0 + 60 * k);
		assert_int_equal(sp->n, want);
		assert_true(sp->root == (k == 0));
		for (int j = 0; j < 3 && k; j++) {
			int file = m->touched[k][j];
			if (file < 0 || idx_of[file] == SIZE_MAX)
				continue;
			size_t c = 0;
			while (c < sp->n && sp->c[c].path != idx_of[file])
				c++;
			assert_true(c < sp->n);
			git_oid o, n;
			blob_of(file, m->before[k][j], &o);
			blob_of(file, m->version[k][j], &n);
			assert_oid(&sp->c[c].old_blob, &o);
			assert_oid(&sp->c[c].new_blob, &n);
		}
	}
	assert_int_equal(at, r.n);
	/* Each version of a touched folder is read once, plus the root
	 * per commit: a few trees a commit, against commits x paths
	 * (300,000 for the dense walk) for a lookup per path. */
	assert_true(st.trees <= 2 * (NDIRS + 1) + 4 * NCOMMITS);

	rec_free(&r);
	for (size_t i = 0; i < npaths; i++)
		free(paths[i]);
	free(paths);
}

static void test_many_paths(void **state)
{
	struct fx *f = *state;
	static struct many m;
	char path[400];
	snprintf(path, sizeof path, "%s/stream", f->dir);
	many_stream(path, &m);
	git(f, "fast-import --quiet < '%s'", path);
	git_oid tip = rev(f, "main");
	/* Every other file: folders compared entry by entry. */
	many_walk(f, &tip, &m, 2);
	/* A few: names looked up one by one. */
	many_walk(f, &tip, &m, 97);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_linear),	  T(test_nested),     T(test_shared_path),
	    T(test_delete_readd), T(test_renames),    T(test_merges),
	    T(test_merge_delete), T(test_stops),      T(test_shallow),
	    T(test_bad_input),	  T(test_many_paths),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
