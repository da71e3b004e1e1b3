/*
 * The runbooks of a config repo at one commit (catalog.h).
 *
 * Everything is read from the commit's tree through libgit2, never from a
 * working tree: the runbooks folder's *.yaml and *.yml blobs (not its
 * subfolders: manifests and scripts live there), each parsed against the
 * model with a reader that serves the manifests and scripts it names from
 * the same commit, and the policy file. Each runbook keeps its blob id,
 * which is what a run records as "the runbook that ran".
 *
 * A broken runbook is reported and left out; the others load. Two files
 * that would give the same runbook name (x.yaml and x.yml) are both left
 * out: which one is approved would be a guess. A policy that is named but
 * absent or broken fails the catalog, after every runbook problem has been
 * reported too, so that lint shows everything at once.
 */
#include "runbook/catalog.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/map.h"
#include "base/mem.h"
#include "base/sanitize.h"
#include "base/str.h"

/* Reads repo files at the catalog's commit for runbook_parse. */
struct reader {
	struct repo *r;
	const git_oid *commit;
};

static enum status read_at(void *arg, const char *path, struct buf *out,
			   struct err *e)
{
	struct reader *rd = arg;
	return repo_file(rd->r, rd->commit, path, NULL, out, e);
}

struct file {
	char *path;
	char *base; /* the name the runbook must have */
	git_oid blob;
};

static void free_file(void *p)
{
	struct file *f = p;
	free(f->path);
	free(f->base);
	free(f);
}

static int by_name(const void *a, const void *b)
{
	const struct runbook *x = *(const struct runbook *const *)a;
	const struct runbook *y = *(const struct runbook *const *)b;
	return strcmp(x->name, y->name);
}

static void put_line(struct buf *problems, const char *msg)
{
	sanitize_append(problems, msg, strlen(msg), 0);
	buf_putc(problems, '\n');
}

/* The runbook files directly in dir at the commit's tree (none when
 * there is no such folder). */
static enum status list_files(struct repo *r, git_tree *tree, const char *dir,
			      const char *hex, struct vec *files,
			      struct buf *problems, struct err *e)
{
	git_tree_entry *ent = NULL;
	int rc = git_tree_entry_bypath(&ent, tree, dir);
	if (rc == GIT_ENOTFOUND)
		return ST_OK;
	if (rc < 0)
		return repo_fail_git(e, ST_ERR_IO, "%s at commit %.12s", dir,
				     hex);
	if (git_tree_entry_type(ent) != GIT_OBJECT_TREE) {
		struct buf msg = BUF_INIT;
		buf_printf(&msg,
			   "opsdeck.yaml: runbooks: %s is not a folder at "
			   "commit %.12s",
			   dir, hex);
		put_line(problems, buf_str(&msg));
		buf_free(&msg);
		git_tree_entry_free(ent);
		return ST_OK;
	}
	git_tree *sub = NULL;
	rc = git_tree_lookup(&sub, repo_git(r), git_tree_entry_id(ent));
	git_tree_entry_free(ent);
	if (rc < 0)
		return repo_fail_git(e, ST_ERR_IO, "folder %s at commit %.12s",
				     dir, hex);
	size_t n = git_tree_entrycount(sub);
	for (size_t i = 0; i < n; i++) {
		const git_tree_entry *te = git_tree_entry_byindex(sub, i);
		const char *name = git_tree_entry_name(te);
		if (!str_has_suffix(name, ".yaml") &&
		    !str_has_suffix(name, ".yml"))
			continue;
		git_filemode_t mode = git_tree_entry_filemode(te);
		char *path = str_printf("%s/%s", dir, name);
		if (mode == GIT_FILEMODE_LINK) {
			struct buf msg = BUF_INIT;
			buf_printf(&msg,
				   "%s: a symbolic link; a runbook must be a "
				   "file",
				   path);
			put_line(problems, buf_str(&msg));
			buf_free(&msg);
			free(path);
			continue;
		}
		if (mode != GIT_FILEMODE_BLOB &&
		    mode != GIT_FILEMODE_BLOB_EXECUTABLE) {
			free(path); /* a folder or submodule named *.yaml */
			continue;
		}
		struct file *f = xcalloc(1, sizeof *f);
		f->path = path;
		const char *dot = strrchr(name, '.');
		f->base = xstrndup(name, (size_t)(dot - name));
		git_oid_cpy(&f->blob, git_tree_entry_id(te));
		vec_push(files, f);
	}
	git_tree_free(sub);
	return ST_OK;
}

static enum status load_policy(struct repo *r, const git_oid *commit,
			       const char *hex, const struct model *m,
			       struct policy **out, struct buf *problems,
			       struct err *e)
{
	if (!m->policy) {
		*out = policy_default();
		return ST_OK;
	}
	struct buf text = BUF_INIT;
	struct err fe;
	enum status st = repo_file(r, commit, m->policy, NULL, &text, &fe);
	if (st == ST_ERR_NOTFOUND) {
		struct buf msg = BUF_INIT;
		buf_printf(&msg,
			   "opsdeck.yaml: policy file %s is not in the repo at "
			   "%.12s",
			   m->policy, hex);
		put_line(problems, buf_str(&msg));
		buf_free(&msg);
		st = ST_ERR_PARSE;
	} else if (st == ST_ERR_TOOBIG) {
		put_line(problems, fe.msg);
		st = ST_ERR_PARSE;
	} else if (st != ST_OK) {
		err_set(e, st, "%s", fe.msg);
	} else {
		st = policy_parse(m->policy, text.data, text.len, m, out,
				  problems);
		if (st != ST_OK && st != ST_ERR_NOMEM)
			st = ST_ERR_PARSE;
	}
	buf_free(&text);
	return st;
}

enum status catalog_load(struct repo *r, const git_oid *commit,
			 const struct model *m, struct catalog **out,
			 struct buf *problems, struct err *e)
{
	*out = NULL;
	char hex[GIT_OID_HEXSZ + 1];
	git_oid_tostr(hex, sizeof hex, commit);
	git_commit *cm = NULL;
	git_tree *tree = NULL;
	int rc = git_commit_lookup(&cm, repo_git(r), commit);
	if (rc < 0)
		return repo_fail_git(
		    e, rc == GIT_ENOTFOUND ? ST_ERR_NOTFOUND : ST_ERR_IO,
		    "commit %.12s", hex);
	rc = git_commit_tree(&tree, cm);
	git_commit_free(cm);
	if (rc < 0)
		return repo_fail_git(e, ST_ERR_IO, "the tree of commit %.12s",
				     hex);

	struct catalog *c = xcalloc(1, sizeof *c);
	git_oid_cpy(&c->commit, commit);
	memcpy(c->commit_hex, hex, sizeof hex);
	struct vec files = VEC_INIT;
	struct buf dir = BUF_INIT;
	buf_puts(&dir, m->runbooks ? m->runbooks : "runbooks/");
	while (dir.len > 1 && dir.data[dir.len - 1] == '/')
		dir.data[--dir.len] = '\0';
	enum status st =
	    list_files(r, tree, buf_str(&dir), hex, &files, problems, e);
	git_tree_free(tree);
	buf_free(&dir);
	if (st != ST_OK)
		goto fail;

	/* Names two files would give: both are left out. */
	struct map count = MAP_INIT;
	for (size_t i = 0; i < files.len; i++) {
		struct file *f = files.items[i];
		size_t n = (size_t)(uintptr_t)map_get(&count, f->base);
		map_put(&count, f->base, (void *)(uintptr_t)(n + 1));
	}
	struct reader rd = {r, commit};
	for (size_t i = 0; i < files.len; i++) {
		struct file *f = files.items[i];
		struct buf text = BUF_INIT;
		struct err fe;
		st = repo_file(r, commit, f->path, NULL, &text, &fe);
		if (st == ST_ERR_NOTFOUND || st == ST_ERR_TOOBIG) {
			put_line(problems, fe.msg);
			c->broken++;
			buf_free(&text);
			continue;
		}
		if (st != ST_OK) {
			err_set(e, st, "%s", fe.msg);
			buf_free(&text);
			map_free(&count, NULL);
			goto fail;
		}
		struct runbook *rb = NULL;
		st = runbook_parse(f->path, text.data, text.len, m, read_at,
				   &rd, &rb, problems);
		buf_free(&text);
		if ((size_t)(uintptr_t)map_get(&count, f->base) > 1) {
			struct buf msg = BUF_INIT;
			for (size_t k = 0; k < files.len; k++) {
				struct file *o = files.items[k];
				if (k != i && !strcmp(o->base, f->base))
					buf_printf(&msg, "%s%s",
						   msg.len ? ", " : "",
						   o->path);
			}
			struct buf line = BUF_INIT;
			buf_printf(
			    &line,
			    "%s:1:1: runbook '%s' is also defined by %s; "
			    "neither is loaded until one is removed",
			    f->path, f->base, buf_str(&msg));
			put_line(problems, buf_str(&line));
			buf_free(&line);
			buf_free(&msg);
			runbook_free(rb);
			c->broken++;
			continue;
		}
		if (st != ST_OK) {
			c->broken++;
			continue;
		}
		git_oid_tostr(rb->blob, sizeof rb->blob, &f->blob);
		vec_push(&c->runbooks, rb);
	}
	map_free(&count, NULL);
	vec_sort(&c->runbooks, by_name);

	st = load_policy(r, commit, hex, m, &c->policy, problems, e);
	if (st != ST_OK)
		goto fail;
	vec_free(&files, free_file);
	*out = c;
	return ST_OK;
fail:
	vec_free(&files, free_file);
	catalog_free(c);
	return st;
}

void catalog_free(struct catalog *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->runbooks.len; i++)
		runbook_free(c->runbooks.items[i]);
	vec_free(&c->runbooks, NULL);
	policy_free(c->policy);
	free(c);
}

const struct runbook *catalog_find(const struct catalog *c, const char *name)
{
	size_t lo = 0, hi = c->runbooks.len;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct runbook *rb = c->runbooks.items[mid];
		int d = strcmp(rb->name, name);
		if (!d)
			return rb;
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}
