/*
 * The platform model: what opsdeck.yaml says (environments, tenants,
 * services) expanded into cells, and each cell's desired version as the
 * config repo's committed files say it (docs/config-repo.md).
 *
 * Flow: model_parse() turns the text of opsdeck.yaml into a struct model,
 * validating all of it (every problem is one "file:line:col: message"
 * line) and rendering every template for every cell, so that nothing
 * half-valid reaches the rest of the program. model_read_desired() then
 * reads each cell's version files at one commit through a file reader
 * (the Git repo in the program, a table in tests) and locates the version.
 * The same evaluation, fed with blob ids from older commits, gives the
 * release history (releases.h).
 */
#ifndef OPSDECK_MODEL_MODEL_H
#define OPSDECK_MODEL_MODEL_H

#include <git2.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/map.h"
#include "base/status.h"
#include "base/vec.h"
#include "kube/objects.h"
#include "model/locator.h"

#define APPROVAL_LIST(X)                                                       \
	X(NONE, "none")                                                        \
	X(CONFIRM, "confirm")                                                  \
	X(SECOND_PERSON, "second-person")

enum approval {
#define APPROVAL_ENUM(e, name) APPROVAL_##e,
	APPROVAL_LIST(APPROVAL_ENUM)
#undef APPROVAL_ENUM
};
const char *approval_name(enum approval a);

struct model_var {
	char *name;
	char *value;
};

struct model_env {
	size_t index; /* promotion order */
	char *name;
	char *short_;
	char *cluster; /* kubeconfig context */
	enum approval approval;
	bool protected_;
	struct vec vars; /* struct model_var * */
};

struct model_tenant {
	size_t index;
	char *name;
	char *title;
	struct vec tags; /* char * */
	struct vec vars; /* struct model_var * */
};

/* One step of a version chain, as written (file is still a template). */
struct model_locator {
	char *file;	      /* template */
	struct locator *path;
	char *doc_kind;	      /* document selection, or NULL */
	char *doc_name;
	long doc_index;	      /* -1 = by kind/name or the only document */
	bool image;
	char *where;	      /* node path in opsdeck.yaml, for messages */
};

struct model_service {
	size_t index;
	char *name;
	char *team;
	bool tenanted;
	enum kube_kind kind; /* of the workload */
	char *workload;	     /* template of the name (after "kind/") */
	char *namespace_;    /* template */
	char *container;     /* template, or NULL = the default rule */
	struct vec locators; /* struct model_locator * */
	struct vec cells;    /* struct model_cell * (borrowed), env order */
};

/* The desired version of a cell, from its files at one commit. */
struct model_desired {
	char *version;	/* NULL when no locator gave one */
	char *error;	/* why not (file:line:col: ...), or NULL */
	int source;	/* index of the locator that gave it, -1 = none */
};

struct model_cell {
	char *key; /* "service/env" or "service/env/tenant" */
	struct model_service *service;
	struct model_env *env;
	struct model_tenant *tenant; /* NULL for an untenanted service */
	char *workload;		     /* rendered name */
	char *namespace_;
	char *container;	     /* rendered, or NULL */
	char **files;		     /* rendered locator files, one per locator */
	struct model_desired desired;
	void *live;		     /* the fleet's, per cell */
};

struct model {
	char *name; /* "opsdeck.yaml" as reported in messages */
	struct vec envs;     /* struct model_env * */
	struct vec tenants;  /* struct model_tenant * */
	struct vec services; /* struct model_service * */
	struct vec cells;    /* struct model_cell *: service, env, tenant order */
	struct map cell_by_key;
	char *runbooks; /* folder, with a trailing '/' */
	char *policy;	/* file, or NULL */
	/* Where the model was read from (set by the caller; "" = unknown). */
	char commit[GIT_OID_HEXSZ + 1];
	char branch[256];
};

/*
 * Parse and validate opsdeck.yaml. name is the file's name in messages.
 * On success *out is the model (free with model_free). On ERR_PARSE every
 * problem found was appended to problems, one line each, and *out is
 * NULL; other codes (ERR_TOOBIG...) likewise report in problems.
 */
enum status model_parse(const char *name, const char *text, size_t len,
			struct model **out, struct buf *problems);
void model_free(struct model *m);

struct model_env *model_env(const struct model *m, const char *name);
struct model_tenant *model_tenant(const struct model *m, const char *name);
struct model_service *model_service(const struct model *m, const char *name);
struct model_cell *model_cell(const struct model *m, const char *key);
/* The cell of service × env × tenant (tenant NULL for untenanted). */
struct model_cell *model_cell_of(const struct model *m,
				 const struct model_service *s,
				 const struct model_env *env,
				 const struct model_tenant *t);

/*
 * Where version files come from: the ids of the files at one commit, and
 * the bytes of a blob by id. In the program both come from Git
 * (model_git_source); tests can serve a table (ids from git_odb_hash).
 */
struct model_source {
	/* ERR_NOTFOUND when there is no such file. */
	enum status (*blob_id)(void *arg, const char *path, git_oid *out,
			       struct err *e);
	enum status (*blob)(void *arg, const git_oid *id, struct buf *content,
			    struct err *e);
	void *arg;
};

struct repo;
struct model_git_source {
	struct model_source src;
	struct repo *repo;
	git_oid commit;
};
/* A source reading the commit's files (set up in place). */
void model_git_source(struct model_git_source *g, struct repo *r,
		      const git_oid *commit);

/*
 * Parsed version files, cached by blob id, so that a file shared by many
 * cells (a chart's values.yaml) or unchanged across commits is parsed
 * once. Owned by the caller; free with model_files_free.
 */
struct model_files;
struct model_files *model_files_new(const struct model_source *src);
void model_files_free(struct model_files *f);

/*
 * The desired version of a cell given the blob ids of its locator files
 * (blobs[i] for cell->files[i]; a zero id = the file is absent). Fills d
 * (free with model_desired_clear).
 */
void model_eval(struct model_files *f, const struct model_cell *c,
		const git_oid *blobs, struct model_desired *d);
void model_desired_clear(struct model_desired *d);

/* Every cell's desired version from src; problems in version files (a
 * value that is not a version, a file that is not YAML) are appended to
 * problems, once per file and node. */
void model_read_desired(struct model *m, const struct model_source *src,
			struct buf *problems);

#endif
