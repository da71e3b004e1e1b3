/*
 * Releases of cells from one history walk (see releases.h).
 *
 * State per cell: the blob ids of its locator files and its version "as
 * of the commit being looked at", starting at the tip. At each commit the
 * walk reports, the cells tracking a changed file take the parent's blob
 * ids for those files and are evaluated again; a different version there
 * is a release at this commit, and the parent's version becomes the
 * current one for older commits. Files are parsed only when their blob id
 * changed, and each parse is cached by blob id.
 */
#include "model/releases.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/map.h"
#include "base/mem.h"
#include "base/str.h"

struct cell_state {
	const struct model_cell *cell;
	git_oid *blobs; /* one per locator */
	struct model_desired cur;
	size_t found;	/* releases recorded */
	unsigned stamp; /* last step that touched it */
};

struct use {
	size_t cell;	/* index into states */
	size_t locator;
};

struct walk {
	struct repo *repo;
	const struct release_query *q;
	struct model_files *files;
	struct cell_state *states;
	size_t nstates, open; /* cells still wanting releases */
	struct vec paths;     /* char * (distinct) */
	struct vec names;     /* char *: each path's name at the commit being
			       * looked at (they differ after a rename) */
	struct vec uses;      /* per path: struct vec * of struct use * */
	struct map commits;   /* hex -> struct repo_commit * */
	struct vec *out;
	unsigned stamp;
	struct err *e;
	enum status st;
};

void release_free(void *p)
{
	struct release *rel = p;
	if (!rel)
		return;
	free(rel->old_version);
	free(rel->new_version);
	free(rel->author);
	free(rel->email);
	free(rel->summary);
	free(rel->merged_by);
	free(rel->merged_by_email);
	for (size_t i = 0; i < rel->trailers.len; i++) {
		struct repo_trailer *t = rel->trailers.items[i];
		free(t->key);
		free(t->value);
		free(t);
	}
	vec_free(&rel->trailers, NULL);
	free(rel);
}

const char *release_trailer(const struct release *rel, const char *key)
{
	for (size_t i = 0; i < rel->trailers.len; i++) {
		const struct repo_trailer *t = rel->trailers.items[i];
		if (!strcasecmp(t->key, key))
			return t->value;
	}
	return NULL;
}

static enum status src_blob(void *arg, const git_oid *id, struct buf *content,
			    struct err *e)
{
	return repo_blob(arg, id, content, e);
}

static enum status src_no_path(void *arg, const char *path, git_oid *out,
			       struct err *e)
{
	(void)arg, (void)out;
	return err_set(e, ST_ERR_NOTFOUND, "%s: not looked up by path", path);
}

/* A commit's metadata, read once per walk. */
static struct repo_commit *commit_of(struct walk *w, const git_oid *id)
{
	char hex[GIT_OID_HEXSZ + 1];
	git_oid_tostr(hex, sizeof hex, id);
	struct repo_commit *c = map_get(&w->commits, hex);
	if (c)
		return c;
	c = xcalloc(1, sizeof *c);
	struct err e;
	if (repo_commit_get(w->repo, id, c, &e) != ST_OK) {
		free(c);
		return NULL;
	}
	map_put(&w->commits, hex, c);
	return c;
}

static void free_commit(void *p)
{
	repo_commit_clear(p);
	free(p);
}

static void add_trailers(struct release *rel, const struct repo_commit *c)
{
	for (size_t i = 0; i < c->trailers.len; i++) {
		const struct repo_trailer *t = c->trailers.items[i];
		struct repo_trailer *copy = xcalloc(1, sizeof *copy);
		copy->key = xstrdup(t->key);
		copy->value = xstrdup(t->value);
		vec_push(&rel->trailers, copy);
	}
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static bool same(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* Whether locator li of the cell, read from blob alone, gives want. */
static bool gives(struct walk *w, const struct cell_state *cs, size_t li,
		  const git_oid *blob, const char *want)
{
	size_t n = cs->cell->service->locators.len;
	git_oid *blobs = xcalloc(n, sizeof *blobs);
	blobs[li] = *blob;
	struct model_desired d = {.source = -1};
	model_eval(w->files, cs->cell, blobs, &d);
	bool yes = same(d.version, want);
	model_desired_clear(&d);
	free(blobs);
	return yes;
}

/*
 * The commit on merge m's merged side that gave the cell's file path
 * (locator li, blob at m) the version want. githist_origin finds the
 * commit that made the file's blob what it is; that commit may have
 * changed something else in the file (replicas, after the version was
 * bumped), so while the version was already there in that commit's
 * parent, look for the commit that made the parent's blob, and so on.
 * When both sides edited the file, the merge's blob is on neither: start
 * from the merged side's blob when it has the version.
 */
static bool merge_origin(struct walk *w, const struct cell_state *cs, size_t li,
			 const struct repo_commit *m, const char *path,
			 const git_oid *blob, const char *want, git_oid *out)
{
	git_oid target = *blob;
	bool from_side = false;
	for (int guard = 0; guard < 64; guard++) {
		git_oid o, pb;
		struct err e;
		if (githist_origin(w->repo, &m->id, path, &target, &o, &e) !=
		    ST_OK) {
			git_oid side;
			if (from_side || m->nparents < 2 ||
			    repo_file(w->repo, &m->parents[1], path, &side,
				      NULL, &e) != ST_OK ||
			    git_oid_equal(&side, &target) ||
			    !gives(w, cs, li, &side, want))
				return false;
			from_side = true;
			target = side;
			continue;
		}
		from_side = true;
		const struct repo_commit *oc = commit_of(w, &o);
		memset(&pb, 0, sizeof pb);
		if (!oc || !oc->nparents ||
		    repo_file(w->repo, &oc->parents[0], path, &pb, NULL, &e) !=
			ST_OK ||
		    !gives(w, cs, li, &pb, want)) {
			*out = o;
			return true;
		}
		target = pb;
	}
	return false;
}

/* changed_path: the name at this commit of the file (locator src) that
 * gave the new version, when this commit changed it; else NULL. */
static void record(struct walk *w, struct cell_state *cs,
		   const struct githist_step *s, const char *old_version,
		   const git_oid *changed_path_blob, const char *changed_path,
		   int src)
{
	struct release *rel = xcalloc(1, sizeof *rel);
	rel->cell = cs->cell;
	rel->old_version = dup_or_null(old_version);
	rel->new_version = dup_or_null(cs->cur.version);
	git_oid_tostr(rel->hex, sizeof rel->hex, s->commit);
	rel->time = s->time;
	struct repo_commit *c = commit_of(w, s->commit);
	const struct repo_commit *change = c;
	if (c && s->nparents > 1) {
		rel->merged_by = xstrdup(c->author.name);
		rel->merged_by_email = xstrdup(c->author.email);
		add_trailers(rel, c);
		git_oid origin;
		if (changed_path && src >= 0 &&
		    merge_origin(w, cs, (size_t)src, c, changed_path,
				 changed_path_blob, cs->cur.version, &origin)) {
			const struct repo_commit *o = commit_of(w, &origin);
			if (o)
				change = o;
		}
	}
	if (change) {
		rel->author = xstrdup(change->author.name);
		rel->email = xstrdup(change->author.email);
		rel->author_time = change->author.when;
		rel->summary = xstrdup(change->summary);
		memcpy(rel->change_hex, change->hex, sizeof rel->change_hex);
		/* A merge's own trailers are in already. */
		if (change != c || s->nparents < 2)
			add_trailers(rel, change);
	} else {
		rel->author = xstrdup("");
		rel->email = xstrdup("");
		rel->summary = xstrdup("");
		memcpy(rel->change_hex, rel->hex, sizeof rel->change_hex);
	}
	vec_push(w->out, rel);
}

static bool on_step(void *arg, const struct githist_step *s)
{
	struct walk *w = arg;
	w->stamp++;
	struct vec touched = VEC_INIT;
	for (size_t i = 0; i < s->nchanges; i++) {
		const struct githist_change *ch = &s->changes[i];
		struct vec *uses = w->uses.items[ch->path];
		for (size_t u = 0; u < uses->len; u++) {
			struct use *use = uses->items[u];
			struct cell_state *cs = &w->states[use->cell];
			if (cs->found == SIZE_MAX)
				continue;
			cs->blobs[use->locator] = ch->old_blob;
			if (cs->stamp != w->stamp) {
				cs->stamp = w->stamp;
				vec_push(&touched, cs);
			}
		}
	}
	for (size_t i = 0; i < touched.len; i++) {
		struct cell_state *cs = touched.items[i];
		struct model_desired before = {.source = -1};
		model_eval(w->files, cs->cell, cs->blobs, &before);
		if (!same(before.version, cs->cur.version)) {
			/* The file that gave the new version, for finding
			 * the commit behind a merge. */
			const char *path = NULL;
			git_oid blob;
			int src = cs->cur.source;
			for (size_t k = 0; k < s->nchanges && src >= 0; k++) {
				const struct githist_change *ch =
					&s->changes[k];
				if (!strcmp(w->paths.items[ch->path],
					    cs->cell->files[src])) {
					path = w->names.items[ch->path];
					blob = ch->new_blob;
				}
			}
			record(w, cs, s, before.version, path ? &blob : NULL,
			       path, src);
			if (w->q->limit && ++cs->found >= w->q->limit) {
				cs->found = SIZE_MAX;
				w->open--;
			}
		}
		model_desired_clear(&cs->cur);
		cs->cur = before;
	}
	vec_free(&touched, NULL);
	/* Older commits have renamed files under their old names. */
	for (size_t i = 0; i < s->nchanges; i++) {
		const struct githist_change *ch = &s->changes[i];
		if (!ch->old_path)
			continue;
		free(w->names.items[ch->path]);
		w->names.items[ch->path] = xstrdup(ch->old_path);
	}
	return w->open > 0;
}

static void free_uses(void *p)
{
	vec_free(p, free);
	free(p);
}

enum status releases_find(struct repo *r, const git_oid *tip,
			  const struct vec *cells,
			  const struct release_query *q, struct vec *out,
			  struct githist_stats *stats, struct err *e)
{
	struct model_source src = {
		.blob_id = src_no_path, .blob = src_blob, .arg = r};
	struct walk w = {
		.repo = r,
		.q = q,
		.files = model_files_new(&src),
		.nstates = cells->len,
		.open = cells->len,
		.out = out,
		.e = e,
	};
	w.states = xcalloc(cells->len + 1, sizeof *w.states);
	struct map path_index = MAP_INIT; /* path -> index + 1 */
	enum status st = ST_OK;
	for (size_t i = 0; i < cells->len && st == ST_OK; i++) {
		struct cell_state *cs = &w.states[i];
		cs->cell = cells->items[i];
		cs->cur.source = -1;
		size_t n = cs->cell->service->locators.len;
		cs->blobs = xcalloc(n, sizeof *cs->blobs);
		for (size_t li = 0; li < n; li++) {
			const char *path = cs->cell->files[li];
			size_t pi = (size_t)(uintptr_t)map_get(&path_index,
							       path);
			if (!pi) {
				vec_push(&w.paths, xstrdup(path));
				vec_push(&w.names, xstrdup(path));
				vec_push(&w.uses,
					 xcalloc(1, sizeof(struct vec)));
				pi = w.paths.len;
				map_put(&path_index, path, (void *)(uintptr_t)pi);
			}
			struct use *use = xcalloc(1, sizeof *use);
			use->cell = i;
			use->locator = li;
			vec_push(w.uses.items[pi - 1], use);
			struct err fe;
			enum status fst = repo_file(r, tip, path, &cs->blobs[li],
						    NULL, &fe);
			if (fst == ST_ERR_NOTFOUND)
				memset(&cs->blobs[li], 0, sizeof cs->blobs[li]);
			else if (fst != ST_OK)
				st = err_set(e, fst, "%s", fe.msg);
		}
		model_eval(w.files, cs->cell, cs->blobs, &cs->cur);
	}
	if (st == ST_OK && w.open)
		st = githist_walk(r, tip, (const char *const *)w.paths.items,
				  w.paths.len, q->since, q->max_commits,
				  on_step, &w, stats, e);
	for (size_t i = 0; i < cells->len; i++) {
		free(w.states[i].blobs);
		model_desired_clear(&w.states[i].cur);
	}
	free(w.states);
	vec_free(&w.paths, free);
	vec_free(&w.names, free);
	vec_free(&w.uses, free_uses);
	map_free(&path_index, NULL);
	map_free(&w.commits, free_commit);
	model_files_free(w.files);
	return st;
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *release_to_json(const struct release *rel)
{
	json_t *j = json_object();
	const struct model_cell *c = rel->cell;
	json_object_set_new(j, "cell", json_string(c->key));
	json_object_set_new(j, "service", json_string(c->service->name));
	json_object_set_new(j, "environment", json_string(c->env->name));
	json_object_set_new(j, "tenant",
			    c->tenant ? json_string(c->tenant->name)
				      : json_null());
	json_object_set_new(j, "from", str_or_null(rel->old_version));
	json_object_set_new(j, "to", str_or_null(rel->new_version));
	json_object_set_new(j, "commit", json_string(rel->hex));
	struct buf t = BUF_INIT;
	kube_format_time(&t, rel->time);
	json_object_set_new(j, "time", json_string(buf_str(&t)));
	buf_clear(&t);
	kube_format_time(&t, rel->author_time);
	json_object_set_new(j, "author", json_string(rel->author));
	json_object_set_new(j, "authorEmail", json_string(rel->email));
	json_object_set_new(j, "authorTime", json_string(buf_str(&t)));
	buf_free(&t);
	json_object_set_new(j, "summary", json_string(rel->summary));
	json_object_set_new(j, "change", json_string(rel->change_hex));
	json_object_set_new(j, "mergedBy", str_or_null(rel->merged_by));
	json_object_set_new(j, "mergedByEmail",
			    str_or_null(rel->merged_by_email));
	json_t *tr = json_array();
	for (size_t i = 0; i < rel->trailers.len; i++) {
		const struct repo_trailer *x = rel->trailers.items[i];
		json_t *o = json_object();
		json_object_set_new(o, "key", json_string(x->key));
		json_object_set_new(o, "value", json_string(x->value));
		json_array_append_new(tr, o);
	}
	json_object_set_new(j, "trailers", tr);
	return j;
}
