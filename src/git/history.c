/*
 * History by path (see history.h for the contract).
 *
 * The tracked paths are kept in a trie of path components: a node is a
 * folder or a file name, and a file node lists the indexes of the paths
 * that end there (several cells may track the same file). For each commit
 * on the first-parent line the walk compares the commit's root tree id
 * with its parent's; when they differ it finds, among a trie node's
 * children, the names whose entries differ between the two trees (by
 * looking each name up, or by one pass over both folders when the node
 * tracks many of their names). Equal entry ids end the descent there, so
 * only the folders a commit actually changed, and that hold tracked
 * paths, are loaded. A file node whose blob ids differ yields one change
 * per index.
 *
 * Each folder node keeps the tree it last loaded for the parent side.
 * Walking newest first, that tree is still the folder's content when the
 * folder next changes (it did not change in between), so each version of
 * a folder is read once. That is one tree per trie folder at most,
 * whatever the length of the history; every other tree is freed as soon
 * as its folder has been compared.
 *
 * Renames: when a commit adds a tracked path, the walk lists the files the
 * commit deleted (again descending only into changed folders), and if there
 * are any, runs libgit2's rename detection on a diff limited to those files
 * and the added paths. A rename found is reported with the old name, and
 * after the callback the path's indexes move to the old name's trie node,
 * so older commits are compared under the name the file had then.
 */
#include "git/history.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/mem.h"
#include "base/vec.h"

struct node {
	char *name; /* one path component; "" for the root */
	struct node *up;
	struct node **kids; /* sorted by name */
	size_t nkids, kcap;
	size_t *idx; /* paths ending here */
	size_t nidx, icap;
	git_tree *cache; /* this folder in the last parent compared, or NULL */
};

/* A rename found in the current commit, applied after the callback. */
struct rekey {
	char *from;	/* the new name */
	const char *to; /* the old name (in walk.names) */
};

struct walk {
	git_repository *g;
	struct node *root;
	const char **cur; /* each path's name at the commit being compared */
	size_t *pos;	  /* each path's change in ch, when it has one */
	size_t npaths;
	struct githist_change *ch;
	size_t nch, chcap;
	struct rekey *rk;
	size_t nrk, rkcap;
	struct vec names; /* char *: old names taken on through renames */
	struct githist_stats st;
	struct err *e;
};

static enum status git_fail(struct err *e, enum status code, const char *what,
			    const char *hex)
{
	return repo_fail_git(e, code, "%s %s", what, hex);
}

static void hex_of(const git_oid *id, char out[GIT_OID_HEXSZ + 1])
{
	git_oid_tostr(out, GIT_OID_HEXSZ + 1, id);
}

/* ---- the trie ---- */

static struct node *node_new(const char *name, size_t len, struct node *up)
{
	struct node *n = xcalloc(1, sizeof *n);
	n->name = xstrndup(name, len);
	n->up = up;
	return n;
}

static void node_free(struct node *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->nkids; i++)
		node_free(n->kids[i]);
	git_tree_free(n->cache);
	free(n->kids);
	free(n->idx);
	free(n->name);
	free(n);
}

/* Position of the child called name[0..len), or where it would go. */
static size_t kid_pos(const struct node *n, const char *name, size_t len,
		      bool *found)
{
	size_t lo = 0, hi = n->nkids;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *k = n->kids[mid]->name;
		int c = strncmp(k, name, len);
		if (c == 0 && k[len])
			c = 1;
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

/* A relative path of non-empty components, none "." or "..". */
static bool path_ok(const char *p)
{
	if (!p || !*p)
		return false;
	for (;;) {
		const char *s = strchr(p, '/');
		size_t len = s ? (size_t)(s - p) : strlen(p);
		if (len == 0 || (len == 1 && p[0] == '.') ||
		    (len == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		if (!s)
			return true;
		p = s + 1;
	}
}

/* The node for path, created when create is set (else NULL if absent). */
static struct node *trie_at(struct node *root, const char *path, bool create)
{
	struct node *n = root;
	for (const char *p = path;;) {
		const char *s = strchr(p, '/');
		size_t len = s ? (size_t)(s - p) : strlen(p);
		bool found;
		size_t i = kid_pos(n, p, len, &found);
		if (!found) {
			if (!create)
				return NULL;
			if (n->nkids == n->kcap) {
				n->kcap = n->kcap ? 2 * n->kcap : 4;
				n->kids = xrealloc(n->kids,
						   n->kcap * sizeof *n->kids);
			}
			memmove(n->kids + i + 1, n->kids + i,
				(n->nkids - i) * sizeof *n->kids);
			n->kids[i] = node_new(p, len, n);
			n->nkids++;
		}
		n = n->kids[i];
		if (!s)
			return n;
		p = s + 1;
	}
}

static void node_add_idx(struct node *n, size_t idx)
{
	if (n->nidx == n->icap) {
		n->icap = n->icap ? 2 * n->icap : 2;
		n->idx = xrealloc(n->idx, n->icap * sizeof *n->idx);
	}
	n->idx[n->nidx++] = idx;
}

/* Drop n and its ancestors while they track nothing. */
static void trie_prune(struct node *n)
{
	while (n->up && !n->nidx && !n->nkids) {
		struct node *up = n->up;
		bool found;
		size_t i = kid_pos(up, n->name, strlen(n->name), &found);
		if (found) {
			memmove(up->kids + i, up->kids + i + 1,
				(up->nkids - i - 1) * sizeof *up->kids);
			up->nkids--;
		}
		node_free(n);
		n = up;
	}
}

/* ---- comparing one commit with its first parent ---- */

/* A regular file's blob id, else zero (absent, folder, link, submodule):
 * the files repo_file can read. */
static void entry_blob(const git_tree_entry *en, git_oid *out)
{
	git_filemode_t m = en ? git_tree_entry_filemode(en) : 0;
	if (m == GIT_FILEMODE_BLOB || m == GIT_FILEMODE_BLOB_EXECUTABLE)
		git_oid_cpy(out, git_tree_entry_id(en));
	else
		memset(out, 0, sizeof *out);
}

static const git_oid *entry_tree(const git_tree_entry *en)
{
	return en && git_tree_entry_type(en) == GIT_OBJECT_TREE
		   ? git_tree_entry_id(en)
		   : NULL;
}

static enum status tree_get(struct walk *w, const git_oid *id, git_tree **out)
{
	w->st.trees++;
	if (git_tree_lookup(out, w->g, id) == 0)
		return ST_OK;
	char hex[GIT_OID_HEXSZ + 1];
	hex_of(id, hex);
	*out = NULL;
	return git_fail(w->e, ST_ERR_IO, "reading tree", hex);
}

/* The tree id in the commit's side: n's cached tree when it is that one
 * (handed over), else looked up. */
static enum status tree_take(struct walk *w, struct node *n, const git_oid *id,
			     git_tree **out)
{
	if (n->cache && git_oid_equal(git_tree_id(n->cache), id)) {
		*out = n->cache;
		n->cache = NULL;
		return ST_OK;
	}
	return tree_get(w, id, out);
}

static void change_add(struct walk *w, size_t idx, const git_oid *old,
		       const git_oid *new)
{
	if (w->nch == w->chcap) {
		w->chcap = w->chcap ? 2 * w->chcap : 16;
		w->ch = xrealloc(w->ch, w->chcap * sizeof *w->ch);
	}
	w->pos[idx] = w->nch;
	struct githist_change *c = &w->ch[w->nch++];
	c->path = idx;
	c->old_blob = *old;
	c->new_blob = *new;
	c->old_path = NULL;
}

static enum status compare(struct walk *w, struct node *n, git_tree *tc,
			   git_tree *tp);

/* Descend into folder node k whose entries differ (either may be absent
 * or not a folder). */
static enum status compare_folder(struct walk *w, struct node *k,
				  const git_tree_entry *ec,
				  const git_tree_entry *ep)
{
	const git_oid *ic = entry_tree(ec), *ip = entry_tree(ep);
	if (!ic && !ip)
		return ST_OK;
	git_tree *sc = NULL, *sp = NULL;
	enum status st = ST_OK;
	if (ic)
		st = tree_take(w, k, ic, &sc);
	if (!st && ip)
		st = tree_get(w, ip, &sp);
	if (!st)
		st = compare(w, k, sc, sp);
	git_tree_free(sc);
	git_tree_free(k->cache);
	k->cache = sp;
	return st;
}

static bool entries_equal(const git_tree_entry *a, const git_tree_entry *b)
{
	return git_tree_entry_filemode(a) == git_tree_entry_filemode(b) &&
	       git_oid_equal(git_tree_entry_id(a), git_tree_entry_id(b));
}

/* Trie child k, with its entries in the commit's and the parent's trees
 * (either may be NULL). */
static enum status compare_kid(struct walk *w, struct node *k,
			       const git_tree_entry *ec,
			       const git_tree_entry *ep)
{
	if ((!ec && !ep) || (ec && ep && entries_equal(ec, ep)))
		return ST_OK;
	if (k->nidx) {
		git_oid bc, bp;
		entry_blob(ec, &bc);
		entry_blob(ep, &bp);
		if (!git_oid_equal(&bc, &bp))
			for (size_t j = 0; j < k->nidx; j++)
				change_add(w, k->idx[j], &bp, &bc);
	}
	return k->nkids ? compare_folder(w, k, ec, ep) : ST_OK;
}

/*
 * Collect the changes under n between the commit's tree tc and the
 * parent's tp (either NULL = absent). When n tracks few of a folder's
 * names, each is looked up in both trees (a binary search); otherwise one
 * pass over both trees' entries, which git keeps sorted the same way,
 * finds the names that differ with an id comparison each.
 */
static enum status compare(struct walk *w, struct node *n, git_tree *tc,
			   git_tree *tp)
{
	size_t nc = tc ? git_tree_entrycount(tc) : 0;
	size_t np = tp ? git_tree_entrycount(tp) : 0;
	enum status st = ST_OK;
	if (nc + np > 4 * n->nkids) {
		for (size_t i = 0; i < n->nkids && !st; i++) {
			struct node *k = n->kids[i];
			st = compare_kid(
			    w, k,
			    tc ? git_tree_entry_byname(tc, k->name) : NULL,
			    tp ? git_tree_entry_byname(tp, k->name) : NULL);
		}
		return st;
	}
	size_t i = 0, j = 0;
	while (!st && (i < nc || j < np)) {
		const git_tree_entry *ec =
		    i < nc ? git_tree_entry_byindex(tc, i) : NULL;
		const git_tree_entry *ep =
		    j < np ? git_tree_entry_byindex(tp, j) : NULL;
		/* git's order: a folder sorts as if its name ended in '/',
		 * so a file and a folder of one name come apart, each
		 * compared with nothing, which is what they are. */
		int c = !ec ? 1 : !ep ? -1 : git_tree_entry_cmp(ec, ep);
		if (c <= 0)
			i++;
		if (c >= 0)
			j++;
		if (c < 0)
			ep = NULL;
		else if (c > 0)
			ec = NULL;
		else if (entries_equal(ec, ep))
			continue;
		const char *name = git_tree_entry_name(ec ? ec : ep);
		bool found;
		size_t at = kid_pos(n, name, strlen(name), &found);
		if (found)
			st = compare_kid(w, n->kids[at], ec, ep);
	}
	return st;
}

/* ---- renames ---- */

/* Append to out the paths of the regular files in tp that are not regular
 * files in tc, descending only into folders that differ. */
static enum status deleted_files(struct walk *w, git_tree *tc, git_tree *tp,
				 struct buf *prefix, struct vec *out)
{
	size_t n = git_tree_entrycount(tp);
	for (size_t i = 0; i < n; i++) {
		const git_tree_entry *ep = git_tree_entry_byindex(tp, i);
		const char *name = git_tree_entry_name(ep);
		const git_tree_entry *ec =
		    tc ? git_tree_entry_byname(tc, name) : NULL;
		if (ec &&
		    git_oid_equal(git_tree_entry_id(ec), git_tree_entry_id(ep)))
			continue;
		size_t mark = prefix->len;
		buf_puts(prefix, name);
		git_oid bp, bc;
		entry_blob(ep, &bp);
		entry_blob(ec, &bc);
		if (!git_oid_is_zero(&bp) && git_oid_is_zero(&bc))
			vec_push(out, xstrdup(buf_str(prefix)));
		const git_oid *ip = entry_tree(ep), *ic = entry_tree(ec);
		enum status st = ST_OK;
		if (ip) {
			git_tree *sp = NULL, *sc = NULL;
			buf_putc(prefix, '/');
			st = tree_get(w, ip, &sp);
			if (!st && ic)
				st = tree_get(w, ic, &sc);
			if (!st)
				st = deleted_files(w, sc, sp, prefix, out);
			git_tree_free(sp);
			git_tree_free(sc);
		}
		prefix->len = mark;
		prefix->data[mark] = '\0';
		if (st)
			return st;
	}
	return ST_OK;
}

static bool is_added(const struct githist_change *c)
{
	return git_oid_is_zero(&c->old_blob) && !git_oid_is_zero(&c->new_blob);
}

static void rekey_add(struct walk *w, const char *from, const char *to)
{
	if (w->nrk == w->rkcap) {
		w->rkcap = w->rkcap ? 2 * w->rkcap : 4;
		w->rk = xrealloc(w->rk, w->rkcap * sizeof *w->rk);
	}
	w->rk[w->nrk++] = (struct rekey){xstrdup(from), to};
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The commit added tracked paths: find which of them were renamed from a
 * file the commit deleted, fill old_path and old_blob of their changes
 * and queue the re-keying. */
static enum status find_renames(struct walk *w, git_tree *tc, git_tree *tp)
{
	struct vec want = VEC_INIT; /* const char *: added tracked paths */
	struct vec gone = VEC_INIT; /* char *: deleted files */
	struct buf prefix = BUF_INIT;
	git_diff *diff = NULL;
	enum status st = ST_OK;

	for (size_t i = 0; i < w->nch; i++)
		if (is_added(&w->ch[i]))
			vec_push(&want, (void *)w->cur[w->ch[i].path]);
	/* Several indexes may track one path: once is enough. */
	vec_sort(&want, str_cmp);
	size_t u = 0;
	for (size_t i = 0; i < want.len; i++)
		if (!u || strcmp(want.items[u - 1], want.items[i]))
			want.items[u++] = want.items[i];
	want.len = u;
	st = deleted_files(w, tc, tp, &prefix, &gone);
	if (st || !gone.len)
		goto out;

	/* Only the deleted files and the added paths: rename detection
	 * pairs deletions with additions, nothing else matters here. */
	size_t np = gone.len + want.len;
	char **specs = xmalloc(np * sizeof *specs);
	for (size_t i = 0; i < gone.len; i++)
		specs[i] = gone.items[i];
	for (size_t i = 0; i < want.len; i++)
		specs[gone.len + i] = want.items[i];
	git_diff_options dopts;
	git_diff_options_init(&dopts, GIT_DIFF_OPTIONS_VERSION);
	dopts.flags =
	    GIT_DIFF_DISABLE_PATHSPEC_MATCH | GIT_DIFF_IGNORE_SUBMODULES;
	dopts.pathspec.strings = specs;
	dopts.pathspec.count = np;
	int rc = git_diff_tree_to_tree(&diff, w->g, tp, tc, &dopts);
	free(specs);
	git_diff_find_options fopts;
	git_diff_find_options_init(&fopts, GIT_DIFF_FIND_OPTIONS_VERSION);
	fopts.flags = GIT_DIFF_FIND_RENAMES;
	if (!rc)
		rc = git_diff_find_similar(diff, &fopts);
	if (rc) {
		char hex[GIT_OID_HEXSZ + 1];
		hex_of(git_tree_id(tc), hex);
		st = git_fail(w->e, ST_ERR_IO, "finding renames in tree", hex);
		goto out;
	}

	size_t nd = git_diff_num_deltas(diff);
	for (size_t d = 0; d < nd; d++) {
		const git_diff_delta *dl = git_diff_get_delta(diff, d);
		if (dl->status != GIT_DELTA_RENAMED)
			continue;
		struct node *from = trie_at(w->root, dl->new_file.path, false);
		if (!from || !from->nidx)
			continue;
		char *old = xstrdup(dl->old_file.path);
		vec_push(&w->names, old);
		/* The diff holds only added tracked paths and deleted files,
		 * so each index here has its "added" change in ch. */
		for (size_t i = 0; i < from->nidx; i++) {
			size_t at = w->pos[from->idx[i]];
			if (at >= w->nch)
				continue;
			struct githist_change *c = &w->ch[at];
			if (c->path != from->idx[i] || !is_added(c))
				continue;
			c->old_path = old;
			c->old_blob = dl->old_file.id;
		}
		rekey_add(w, dl->new_file.path, old);
		w->st.renames++;
	}
out:
	git_diff_free(diff);
	buf_free(&prefix);
	vec_free(&want, NULL);
	vec_free(&gone, free);
	return st;
}

/* Move each renamed path's indexes to its old name. */
static void apply_rekeys(struct walk *w)
{
	for (size_t i = 0; i < w->nrk; i++) {
		struct node *from = trie_at(w->root, w->rk[i].from, false);
		struct node *to = trie_at(w->root, w->rk[i].to, true);
		if (!from || to == from)
			continue;
		for (size_t j = 0; j < from->nidx; j++) {
			node_add_idx(to, from->idx[j]);
			w->cur[from->idx[j]] = w->rk[i].to;
		}
		from->nidx = 0;
	}
	/* Pruning last, each node found again by name: pruning one may
	 * free another's emptied ancestors. */
	for (size_t i = 0; i < w->nrk; i++) {
		struct node *from = trie_at(w->root, w->rk[i].from, false);
		if (from && !from->nidx)
			trie_prune(from);
		free(w->rk[i].from);
	}
	w->nrk = 0;
}

/* ---- the walk ---- */

static int change_cmp(const void *a, const void *b)
{
	const struct githist_change *x = a, *y = b;
	return (x->path > y->path) - (x->path < y->path);
}

/* Compare commit c with its first parent p (NULL for a root commit),
 * filling w->ch (and queueing renames). */
static enum status compare_commit(struct walk *w, git_commit *c, git_commit *p)
{
	const git_oid *ic = git_commit_tree_id(c);
	const git_oid *ip = p ? git_commit_tree_id(p) : NULL;
	w->nch = 0;
	if (!w->root->nkids || (ip && git_oid_equal(ic, ip)))
		return ST_OK;
	git_tree *tc = NULL, *tp = NULL;
	enum status st = tree_take(w, w->root, ic, &tc);
	if (!st && ip)
		st = tree_get(w, ip, &tp);
	if (!st)
		st = compare(w, w->root, tc, tp);
	if (!st && tp) {
		bool added = false;
		for (size_t i = 0; i < w->nch && !added; i++)
			added = is_added(&w->ch[i]);
		if (added)
			st = find_renames(w, tc, tp);
	}
	git_tree_free(tc);
	git_tree_free(w->root->cache);
	w->root->cache = tp;
	if (!st && w->nch > 1)
		qsort(w->ch, w->nch, sizeof *w->ch, change_cmp);
	return st;
}

static void walk_clear(struct walk *w)
{
	node_free(w->root);
	free(w->cur);
	free(w->pos);
	free(w->ch);
	for (size_t i = 0; i < w->nrk; i++)
		free(w->rk[i].from);
	free(w->rk);
	vec_free(&w->names, free);
}

enum status githist_walk(struct repo *r, const git_oid *tip,
			 const char *const *paths, size_t npaths, int64_t since,
			 size_t max_commits, githist_cb cb, void *arg,
			 struct githist_stats *stats, struct err *e)
{
	if (stats)
		*stats = (struct githist_stats){0};
	if (!r || !tip || !cb || (npaths && !paths))
		return err_set(e, ST_ERR_INVALID,
			       "history walk: bad arguments");
	for (size_t i = 0; i < npaths; i++)
		if (!path_ok(paths[i]))
			return err_set(e, ST_ERR_INVALID,
				       "history walk: bad path \"%s\"",
				       paths[i] ? paths[i] : "(null)");

	struct walk w = {.g = repo_git(r), .npaths = npaths, .e = e};
	w.root = node_new("", 0, NULL);
	w.cur = xcalloc(npaths ? npaths : 1, sizeof *w.cur);
	w.pos = xcalloc(npaths ? npaths : 1, sizeof *w.pos);
	for (size_t i = 0; i < npaths; i++) {
		w.cur[i] = paths[i];
		node_add_idx(trie_at(w.root, paths[i], true), i);
	}

	enum status st = ST_OK;
	git_commit *c = NULL, *p = NULL;
	char hex[GIT_OID_HEXSZ + 1];
	if (git_commit_lookup(&c, w.g, tip)) {
		hex_of(tip, hex);
		st = git_fail(e, ST_ERR_NOTFOUND, "no commit", hex);
		goto out;
	}
	while (c) {
		if (max_commits && w.st.commits >= max_commits)
			break;
		int64_t when = (int64_t)git_commit_time(c);
		if (since && when < since)
			break;
		w.st.commits++;
		unsigned np = git_commit_parentcount(c);
		if (np && git_commit_parent(&p, c, 0)) {
			/* A shallow clone ends here: what this commit
			 * changed cannot be known. */
			if (git_repository_is_shallow(w.g) == 1)
				break;
			hex_of(git_commit_parent_id(c, 0), hex);
			st = git_fail(e, ST_ERR_IO, "reading commit", hex);
			goto out;
		}
		st = compare_commit(&w, c, p);
		if (st)
			goto out;
		if (w.nch) {
			struct githist_step s = {
			    .commit = git_commit_id(c),
			    .parent = p ? git_commit_id(p) : NULL,
			    .nparents = np,
			    .time = when,
			    .nchanges = w.nch,
			    .changes = w.ch,
			};
			bool go = cb(arg, &s);
			apply_rekeys(&w);
			if (!go)
				break;
		}
		git_commit_free(c);
		c = p;
		p = NULL;
	}
out:
	git_commit_free(p);
	git_commit_free(c);
	if (stats)
		*stats = w.st;
	walk_clear(&w);
	return st;
}

/* ---- where a merged change came from ---- */

/* The regular file's blob at path in commit id, zero when absent. */
static enum status blob_at(git_repository *g, const git_oid *id,
			   const char *path, git_oid *out, struct err *e)
{
	git_commit *c = NULL;
	git_tree *t = NULL;
	git_tree_entry *en = NULL;
	char hex[GIT_OID_HEXSZ + 1];
	memset(out, 0, sizeof *out);
	if (git_commit_lookup(&c, g, id) || git_commit_tree(&t, c)) {
		git_commit_free(c);
		hex_of(id, hex);
		return git_fail(e, ST_ERR_IO, "reading commit", hex);
	}
	int rc = git_tree_entry_bypath(&en, t, path);
	if (rc == 0)
		entry_blob(en, out);
	git_tree_entry_free(en);
	git_tree_free(t);
	git_commit_free(c);
	if (rc && rc != GIT_ENOTFOUND) {
		hex_of(id, hex);
		return git_fail(e, ST_ERR_IO, "reading tree of", hex);
	}
	return ST_OK;
}

enum status githist_origin(struct repo *r, const git_oid *m, const char *path,
			   const git_oid *new_blob, git_oid *out, struct err *e)
{
	if (!r || !m || !out || !path_ok(path))
		return err_set(e, ST_ERR_INVALID,
			       "merge origin: bad arguments");
	git_repository *g = repo_git(r);
	git_oid want = {{0}};
	if (new_blob)
		want = *new_blob;
	char hex[GIT_OID_HEXSZ + 1];
	hex_of(m, hex);

	git_commit *mc = NULL;
	if (git_commit_lookup(&mc, g, m))
		return git_fail(e, ST_ERR_NOTFOUND, "no commit", hex);
	if (git_commit_parentcount(mc) < 2) {
		git_commit_free(mc);
		return err_set(e, ST_ERR_NOTFOUND, "commit %s is not a merge",
			       hex);
	}
	git_oid p1 = *git_commit_parent_id(mc, 0);
	git_oid p2 = *git_commit_parent_id(mc, 1);
	git_commit_free(mc);

	git_revwalk *rw = NULL;
	enum status st = ST_ERR_NOTFOUND;
	if (git_revwalk_new(&rw, g) ||
	    git_revwalk_sorting(rw, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME) ||
	    git_revwalk_push(rw, &p2) || git_revwalk_hide(rw, &p1)) {
		st = git_fail(e, ST_ERR_IO, "walking the merged side of", hex);
		goto out;
	}
	git_oid id;
	int rc;
	while ((rc = git_revwalk_next(&id, rw)) == 0) {
		git_oid b, pb = {{0}};
		if ((st = blob_at(g, &id, path, &b, e)))
			goto out;
		if (!git_oid_equal(&b, &want))
			continue;
		git_commit *c = NULL;
		if (git_commit_lookup(&c, g, &id)) {
			hex_of(&id, hex);
			st = git_fail(e, ST_ERR_IO, "reading commit", hex);
			goto out;
		}
		git_oid parent = {{0}};
		bool has_parent = git_commit_parentcount(c) > 0;
		if (has_parent)
			parent = *git_commit_parent_id(c, 0);
		git_commit_free(c);
		if (has_parent && (st = blob_at(g, &parent, path, &pb, e)))
			goto out;
		if (!git_oid_equal(&pb, &want)) {
			*out = id;
			st = ST_OK;
			goto out;
		}
	}
	if (rc != GIT_ITEROVER)
		st = git_fail(e, ST_ERR_IO, "walking the merged side of", hex);
	else
		st = err_set(e, ST_ERR_NOTFOUND,
			     "no commit on the merged side of %s changed %s",
			     hex, path);
out:
	git_revwalk_free(rw);
	return st;
}
