/*
 * Desired versions: each cell's version chain evaluated over the files of
 * one commit.
 *
 * Files are named by blob id, so the evaluation is the same at the branch
 * tip (model_read_desired) and at any older commit (the release history
 * feeds it the blob ids its walk found). Parsed files are cached by blob
 * id and path: a chart's values.yaml shared by forty tenants is parsed
 * once, and so is a file that did not change across a thousand commits.
 */
#include "model/model.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/sanitize.h"
#include "base/str.h"
#include "base/yaml.h"
#include "git/repo.h"

/* Version files are small; a big one is a mistake or an attack. */
#define VERSION_FILE_MAX ((size_t)4 << 20)

/* Parsed files kept at most: a long history walk would otherwise keep
 * every version of every file it ever looked at. */
#define FILES_CACHED 4096

struct parsed {
	json_t *docs;	      /* array of documents, or NULL */
	struct yaml_pos *pos; /* loaded only for an error message */
	char *error;	      /* why the file could not be read or parsed */
	git_oid blob;
	char *path;
};

struct model_files {
	struct model_source src;
	struct map cache; /* "oid:path" -> struct parsed */
};

struct model_files *model_files_new(const struct model_source *src)
{
	struct model_files *f = xcalloc(1, sizeof *f);
	f->src = *src;
	return f;
}

static void free_parsed(void *p)
{
	struct parsed *x = p;
	json_decref(x->docs);
	yaml_pos_free(x->pos);
	free(x->error);
	free(x->path);
	free(x);
}

void model_files_free(struct model_files *f)
{
	if (!f)
		return;
	map_free(&f->cache, free_parsed);
	free(f);
}

static struct parsed *parse_file(struct model_files *f, const git_oid *blob,
				 const char *path)
{
	char hex[GIT_OID_HEXSZ + 1];
	git_oid_tostr(hex, sizeof hex, blob);
	char *key = str_printf("%s:%s", hex, path);
	struct parsed *p = map_get(&f->cache, key);
	if (p) {
		free(key);
		return p;
	}
	if (f->cache.len >= FILES_CACHED) {
		map_free(&f->cache, free_parsed);
		memset(&f->cache, 0, sizeof f->cache);
	}
	p = xcalloc(1, sizeof *p);
	p->blob = *blob;
	p->path = xstrdup(path);
	struct buf content = BUF_INIT;
	struct err e;
	if (f->src.blob(f->src.arg, blob, &content, &e) != ST_OK)
		p->error = str_printf("%s: %s", path, e.msg);
	else if (content.len > VERSION_FILE_MAX)
		p->error = str_printf("%s: larger than %zu MiB", path,
				      VERSION_FILE_MAX >> 20);
	else {
		struct yaml_opts opts = {
			.max_bytes = VERSION_FILE_MAX,
			.flags = YAML_ALL,
		};
		/* Without positions: recording every node's path costs more
		 * than the parse, and they are only wanted for a message. */
		p->docs = yaml_load_ex(path, buf_str(&content), content.len,
				       &opts, NULL, &e);
		if (!p->docs)
			p->error = xstrdup(e.msg);
	}
	buf_free(&content);
	map_put(&f->cache, key, p);
	free(key);
	return p;
}

/* The node positions of a parsed file, loaded on first use. */
static const struct yaml_pos *positions(struct model_files *f,
					struct parsed *p)
{
	if (!p->pos) {
		struct buf content = BUF_INIT;
		struct err e;
		struct yaml_opts opts = {
			.max_bytes = VERSION_FILE_MAX,
			.flags = YAML_ALL,
		};
		if (f->src.blob(f->src.arg, &p->blob, &content, &e) == ST_OK) {
			json_t *docs = yaml_load_ex(p->path, buf_str(&content),
						    content.len, &opts, &p->pos,
						    &e);
			json_decref(docs);
		}
		buf_free(&content);
	}
	return p->pos;
}

/* "file:line:col: message" about the node at where; just "file:
 * message" when the positions cannot be had. */
static char *located(struct model_files *f, struct parsed *p,
		     const char *where, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static char *located(struct model_files *f, struct parsed *p,
		     const char *where, const char *fmt, ...)
{
	struct buf msg = BUF_INIT;
	const struct yaml_pos *pos = positions(f, p);
	if (!pos)
		buf_printf(&msg, "%s: ", p->path);
	va_list ap;
	va_start(ap, fmt);
	yaml_pos_vbprintf(&msg, pos, where, false, fmt, ap);
	va_end(ap);
	return buf_detach(&msg);
}

void model_desired_clear(struct model_desired *d)
{
	free(d->version);
	free(d->error);
	d->version = NULL;
	d->error = NULL;
	d->source = -1;
}

/* The document a locator means and its index (*di); NULL with *error
 * set, or NULL for "not there" (the chain goes on). The index, not the
 * node, says where the document is: jansson's null and booleans are
 * shared singletons, so two documents can be the same json_t. */
static const json_t *pick_document(const struct model_locator *l,
				   const struct parsed *p, const char *path,
				   const char *cell, size_t *di, char **error)
{
	size_t n = json_array_size(p->docs), nonnull = 0, last = 0;
	if (l->doc_index >= 0) {
		*di = (size_t)l->doc_index;
		return json_array_get(p->docs, *di);
	}
	if (l->doc_kind || l->doc_name) {
		long i = locator_document(p->docs, l->doc_kind, l->doc_name);
		if (i == -2) {
			char *kind = sanitize_dup(l->doc_kind ? l->doc_kind : "",
						  0);
			char *name = sanitize_dup(l->doc_name ? l->doc_name : "",
						  0);
			*error = str_printf(
				"%s: %s: more than one document is %s%s%s; "
				"name it in document:",
				path, cell, kind, *kind && *name ? " " : "",
				name);
			free(kind);
			free(name);
		}
		*di = i >= 0 ? (size_t)i : 0;
		return i >= 0 ? json_array_get(p->docs, (size_t)i) : NULL;
	}
	for (size_t i = 0; i < n; i++)
		if (!json_is_null(json_array_get(p->docs, i))) {
			nonnull++;
			last = i;
		}
	if (nonnull > 1)
		*error = str_printf("%s: %s: the file has %zu documents; say "
				    "which with document: {kind, name}",
				    path, cell, nonnull);
	*di = last;
	return nonnull == 1 ? json_array_get(p->docs, last) : NULL;
}

void model_eval(struct model_files *f, const struct model_cell *c,
		const git_oid *blobs, struct model_desired *d)
{
	model_desired_clear(d);
	struct buf tried = BUF_INIT;
	const struct vec *locs = &c->service->locators;
	for (size_t i = 0; i < locs->len && !d->version && !d->error; i++) {
		const struct model_locator *l = locs->items[i];
		const char *path = c->files[i];
		if (!path)
			continue;
		if (tried.len)
			buf_puts(&tried, ", ");
		if (git_oid_is_zero(&blobs[i])) {
			buf_printf(&tried, "%s does not exist", path);
			continue;
		}
		struct parsed *p = parse_file(f, &blobs[i], path);
		if (p->error) {
			d->error = xstrdup(p->error);
			break;
		}
		size_t di = 0;
		const json_t *doc = pick_document(l, p, path, c->key, &di,
						  &d->error);
		if (d->error)
			break;
		if (!doc) {
			buf_printf(&tried, "%s has no such document", path);
			continue;
		}
		/* Node paths of documents in a stream start with "[i]". */
		char *ltext = sanitize_dup(locator_text(l->path), 0);
		struct buf node_path = BUF_INIT, why = BUF_INIT, where = BUF_INIT;
		const json_t *node = NULL;
		enum locate_result r = locator_find(l->path, doc, &node,
						    &node_path, &why);
		yaml_path_index(&where, di);
		if (node_path.len && node_path.data[0] != '[')
			buf_putc(&where, '.');
		buf_puts(&where, buf_str(&node_path));
		if (r == LOCATE_FOUND &&
		    (json_is_null(node) ||
		     (json_is_string(node) && !*json_string_value(node)))) {
			/* Helm's "tag: \"\"" means "the chart's default":
			 * the chain goes on. */
			buf_printf(&tried, "%s: %s is empty", path, ltext);
		} else if (r == LOCATE_FOUND) {
			struct buf v = BUF_INIT;
			buf_clear(&why);
			if (locator_version(node, l->image, &v, &why)) {
				d->version = buf_detach(&v);
				d->source = (int)i;
			} else {
				d->error = located(f, p, buf_str(&where),
						   "%s: %s is %s, not a version",
						   c->key, ltext, buf_str(&why));
			}
			buf_free(&v);
		} else if (r == LOCATE_MISMATCH) {
			d->error = located(f, p, buf_str(&where), "%s: %s: %s",
					   c->key, ltext, buf_str(&why));
		} else
			buf_printf(&tried, "%s: %s", path, buf_str(&why));
		free(ltext);
		buf_free(&node_path);
		buf_free(&why);
		buf_free(&where);
	}
	if (!d->version && !d->error)
		d->error = str_printf("%s: no version (%s)", c->key,
				      buf_str(&tried));
	buf_free(&tried);
}

/* A cell's error with the cell's name taken out. */
static char *problem_key(const char *error, const char *cell)
{
	char *name = str_printf("%s: ", cell);
	const char *at = strstr(error, name);
	char *k = at ? str_printf("%.*s%s", (int)(at - error), error,
				  at + strlen(name))
		     : xstrdup(error);
	free(name);
	return k;
}

void model_read_desired(struct model *m, const struct model_source *src,
			struct buf *problems)
{
	struct model_files *f = model_files_new(src);
	struct map ids = MAP_INIT; /* path -> git_oid * (zero = absent) */
	struct map said = MAP_INIT;
	git_oid *blobs = NULL;
	size_t nblobs = 0;
	for (size_t i = 0; i < m->cells.len; i++) {
		struct model_cell *c = m->cells.items[i];
		size_t n = c->service->locators.len;
		if (n > nblobs) {
			blobs = xrealloc(blobs, n * sizeof *blobs);
			nblobs = n;
		}
		for (size_t li = 0; li < n; li++) {
			git_oid *id = map_get(&ids, c->files[li]);
			if (!id) {
				id = xcalloc(1, sizeof *id);
				struct err e;
				enum status st = src->blob_id(
					src->arg, c->files[li], id, &e);
				if (st != ST_OK) {
					memset(id, 0, sizeof *id);
					if (st != ST_ERR_NOTFOUND &&
					    !map_has(&said, e.msg)) {
						map_put(&said, e.msg, NULL);
						buf_printf(problems, "%s\n",
							   e.msg);
					}
				}
				map_put(&ids, c->files[li], id);
			}
			blobs[li] = *id;
		}
		model_eval(f, c, blobs, &c->desired);
		if (!c->desired.error)
			continue;
		/* Once per file and node: the message without the cell, so a
		 * bad values.yaml shared by forty cells is said once. */
		char *k = problem_key(c->desired.error, c->key);
		if (!map_has(&said, k)) {
			map_put(&said, k, NULL);
			buf_printf(problems, "%s\n", c->desired.error);
		}
		free(k);
	}
	free(blobs);
	map_free(&ids, free);
	map_free(&said, NULL);
	model_files_free(f);
}

static enum status src_blob_id(void *arg, const char *path, git_oid *out,
			       struct err *e)
{
	struct model_git_source *g = arg;
	return repo_file(g->repo, &g->commit, path, out, NULL, e);
}

static enum status src_blob(void *arg, const git_oid *id, struct buf *content,
			    struct err *e)
{
	struct model_git_source *g = arg;
	return repo_blob(g->repo, id, content, e);
}

void model_git_source(struct model_git_source *g, struct repo *r,
		      const git_oid *commit)
{
	g->src.blob_id = src_blob_id;
	g->src.blob = src_blob;
	g->src.arg = g;
	g->repo = r;
	g->commit = *commit;
}
