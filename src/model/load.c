/*
 * Loading the model from the config repo, and the cell diffs (load.h).
 */
#include "model/load.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/str.h"

enum model_load_result model_load(struct repo *r, const char *branch,
				  struct repo_tip *tip, struct model **out,
				  struct buf *problems, struct buf *notes,
				  struct err *e)
{
	*out = NULL;
	if (repo_tip(r, branch, tip, e) != ST_OK)
		return MODEL_NO_TIP;
	size_t changes = 0;
	struct err ignored;
	if (repo_worktree_changes(r, &changes, &ignored) == ST_OK && changes)
		buf_printf(notes,
			   "the working tree has %zu uncommitted change%s; "
			   "showing %s at %.12s\n",
			   changes, changes == 1 ? "" : "s", tip->ref, tip->hex);
	struct buf text = BUF_INIT;
	enum status st =
		repo_file(r, &tip->commit, "opsdeck.yaml", NULL, &text, e);
	if (st != ST_OK) {
		if (st == ST_ERR_NOTFOUND)
			err_set(e, st, "%s: no opsdeck.yaml at the repo's root "
				       "(see docs/config-repo.md)",
				tip->ref);
		buf_free(&text);
		return MODEL_NO_FILE;
	}
	st = model_parse("opsdeck.yaml", buf_str(&text), text.len, out,
			 problems);
	buf_free(&text);
	if (st != ST_OK) {
		err_set(e, st, "opsdeck.yaml has problems");
		return MODEL_BROKEN;
	}
	str_copy((*out)->commit, sizeof (*out)->commit, tip->hex);
	str_copy((*out)->branch, sizeof (*out)->branch, tip->branch);
	struct model_git_source src;
	model_git_source(&src, r, &tip->commit);
	model_read_desired(*out, &src.src, problems);
	return MODEL_LOADED;
}

char *model_version_at(struct repo *r, const struct model_cell *c,
		       const git_oid *commit)
{
	struct model_git_source src;
	model_git_source(&src, r, commit);
	struct model_files *f = model_files_new(&src.src);
	size_t n = c->service->locators.len;
	git_oid *blobs = xcalloc(n, sizeof *blobs);
	for (size_t i = 0; i < n; i++) {
		struct err e;
		if (repo_file(r, commit, c->files[i], &blobs[i], NULL, &e) !=
		    ST_OK)
			memset(&blobs[i], 0, sizeof blobs[i]);
	}
	struct model_desired d = {.source = -1};
	model_eval(f, c, blobs, &d);
	char *v = xstrdup(d.version ? d.version : "(none)");
	model_desired_clear(&d);
	free(blobs);
	model_files_free(f);
	return v;
}

enum status model_diff_cells(struct repo *r, const git_oid *commit,
			     const struct model_cell *a,
			     const struct model_cell *b, unsigned context,
			     struct buf *out, struct err *e)
{
	buf_printf(out, "# %s: %s %s -> %s %s\n", a->service->name,
		   a->env->name, a->desired.version ? a->desired.version
						    : "(none)",
		   b->env->name,
		   b->desired.version ? b->desired.version : "(none)");
	enum status st = ST_OK;
	for (size_t i = 0; i < a->service->locators.len && st == ST_OK; i++) {
		if (!strcmp(a->files[i], b->files[i]))
			continue;
		struct buf ta = BUF_INIT, tb = BUF_INIT;
		struct err ignored;
		bool ha = repo_file(r, commit, a->files[i], NULL, &ta,
				    &ignored) == ST_OK;
		bool hb = repo_file(r, commit, b->files[i], NULL, &tb,
				    &ignored) == ST_OK;
		if (ha || hb)
			st = repo_diff_text(a->files[i],
					    ha ? buf_str(&ta) : NULL, ta.len,
					    b->files[i],
					    hb ? buf_str(&tb) : NULL, tb.len,
					    context, out, e);
		buf_free(&ta);
		buf_free(&tb);
	}
	return st;
}

enum status model_diff_revs(struct repo *r, const struct model_cell *c,
			    const git_oid *from, const git_oid *to,
			    unsigned context, struct buf *out, struct err *e)
{
	char *va = from ? model_version_at(r, c, from) : xstrdup("(none)");
	char *vb = model_version_at(r, c, to);
	char ha[GIT_OID_HEXSZ + 1] = "empty", hb[GIT_OID_HEXSZ + 1];
	if (from)
		git_oid_tostr(ha, sizeof ha, from);
	git_oid_tostr(hb, sizeof hb, to);
	buf_printf(out, "# %s: %s at %.8s -> %s at %.8s\n", c->key, va, ha,
		   vb, hb);
	free(va);
	free(vb);
	return repo_diff_commits(r, from, to, (const char *const *)c->files,
				 c->service->locators.len, context, out, e);
}
