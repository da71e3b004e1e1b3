/*
 * Runbook files: the approved procedures opsdeck runs (docs/runbooks.md).
 *
 * A runbook is one YAML file in the config repo's runbooks folder, read
 * only from the tracked branch's commit (catalog.h). runbook_parse turns
 * its text into a struct runbook, validating all of it against the model
 * (environment, service and tenant names; template names; repo paths of
 * manifests and scripts) so that a run never meets a half-valid runbook.
 * Every problem is one "file:line:col: message" line in problems.
 *
 * Templates ({{ name }}, model/template.h) in step fields may name:
 *   env.name env.short env.cluster   tenant.name tenant.title
 *   service.name  cell.namespace cell.workload  (cell runbooks only)
 *   vars.NAME (a declared variable; a secret only where secrets may go:
 *   a script step's env and an http-check's headers)
 *   run.id run.operator runbook.name commit
 * A template landing in a YAML manifest is rendered with every value
 * quoted as a YAML scalar (TMPL_YAML_SCALAR).
 */
#ifndef OPSDECK_RUNBOOK_RUNBOOK_H
#define OPSDECK_RUNBOOK_RUNBOOK_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/status.h"
#include "base/vec.h"
#include "model/model.h"

#define RB_VAR_TYPES(X)                                                        \
	X(STRING, "string")                                                    \
	X(TEXT, "text")                                                        \
	X(CHOICE, "choice")                                                    \
	X(INTEGER, "integer")                                                  \
	X(BOOLEAN, "boolean")                                                  \
	X(SECRET, "secret")

enum rb_var_type {
#define RB_VAR_ENUM(e, name) RB_VAR_##e,
	RB_VAR_TYPES(RB_VAR_ENUM)
#undef RB_VAR_ENUM
};
const char *rb_var_type_name(enum rb_var_type t);

/* Where a choice's options come from. */
#define RB_CHOICE_SOURCES(X)                                                   \
	X(STATIC, "static")     /* the runbook's own list */                   \
	X(SERVICES, "services") /* the model's services in the environment */ \
	X(TENANTS, "tenants")   /* the model's tenants */                      \
	X(PODS, "pods")	        /* pods of the cell's workload, live */        \
	X(DEPLOYMENTS, "deployments") /* deployments in the namespace, live */

enum rb_choice_source {
#define RB_CHOICE_ENUM(e, name) RB_CHOICES_##e,
	RB_CHOICE_SOURCES(RB_CHOICE_ENUM)
#undef RB_CHOICE_ENUM
};
const char *rb_choice_source_name(enum rb_choice_source s);

struct rb_var {
	char *name;	     /* [A-Za-z_][A-Za-z0-9_]*, unique */
	char *title;	     /* the prompt; defaults to the name */
	char *help;	     /* or NULL */
	enum rb_var_type type;
	bool required;
	char *default_;	     /* as text ("true", "3"), or NULL; never for secrets */
	char *pattern;	     /* regex source (POSIX extended), or NULL */
	regex_t re;	     /* compiled when pattern is set */
	bool has_min, has_max;
	long long min, max;  /* integers */
	enum rb_choice_source source;
	struct vec choices;  /* char *, for RB_CHOICES_STATIC */
	char *where;	     /* node path in the file, for messages */
};

#define RB_ACTIONS(X)                                                          \
	X(ROLLOUT_RESTART, "rollout-restart")                                  \
	X(SCALE, "scale")                                                      \
	X(WAIT_ROLLOUT, "wait-rollout")                                        \
	X(HEALTH_CHECK, "health-check")                                        \
	X(RUN_JOB, "run-job")                                                  \
	X(HTTP_CHECK, "http-check")                                            \
	X(CONFIRM, "confirm")                                                  \
	X(SCRIPT, "script")

enum rb_action {
#define RB_ACTION_ENUM(e, name) RB_ACTION_##e,
	RB_ACTIONS(RB_ACTION_ENUM)
#undef RB_ACTION_ENUM
	RB__ACTION_COUNT
};
const char *rb_action_name(enum rb_action a);

/* A name=template pair (script env, http headers). */
struct rb_pair {
	char *name;
	char *value; /* template */
};

struct rb_step {
	char *name;	 /* unique in the runbook; default "ACTION" or "ACTION-N" */
	char *title;	 /* or NULL */
	enum rb_action action;
	long timeout_s;	 /* > 0; default per action (docs/runbooks.md) */
	bool continue_on_failure;
	char *where;	 /* node path, for messages */

	/* rollout-restart, scale, wait-rollout: "deployment/NAME" template;
	 * NULL = the cell's workload. namespace_: template, NULL = the
	 * cell's namespace (environment runbooks must say both). */
	char *target;
	char *namespace_;
	char *replicas;	 /* scale: template of an integer 0..10000 */

	/* health-check */
	bool cluster_wide;	 /* scope: cluster (else namespace) */
	long max_unhealthy_pods; /* findings allowed before failing; default 0 */
	long max_not_ready_nodes; /* default 0 */
	long max_warnings;	 /* -1 = any number (default) */
	long warnings_since_s;	 /* recent = newer than this; default 900 */

	/* run-job: repo path of a manifest template (one batch/v1 Job),
	 * relative to the repo root */
	char *manifest;
	/* run-job's manifest or script's file, read at the same commit when
	 * the runbook is parsed (so a run never reads Git) */
	char *content;
	size_t content_len;

	/* http-check: url template (http or https), or a service through the
	 * cluster's service proxy: service (template), port, path */
	char *url;
	char *service;
	char *port;
	char *path;
	struct vec headers;	 /* struct rb_pair * */
	long expect_status;	 /* default 200 */
	char *expect_body;	 /* substring the body must contain, or NULL */

	/* confirm */
	char *instructions;	 /* template */

	/* script: repo path of the file, and its environment */
	char *script;
	struct vec env;		 /* struct rb_pair * */
};

/* What a runbook runs on. */
enum rb_scope {
	RB_SCOPE_CELL, /* one service (and tenant) in one environment */
	RB_SCOPE_ENV,  /* one environment */
};

struct runbook {
	char *name;	   /* as declared; equals the file's base name */
	char *title;
	char *description; /* or NULL */
	char *file;	   /* repo path, e.g. "runbooks/restart-service.yaml" */
	char blob[41];	   /* the file's blob id at the commit (catalog.c) */
	enum rb_scope scope;
	struct vec environments; /* char * globs over env names; empty = all */
	struct vec services;	 /* char * globs; empty = all (cell scope) */
	struct vec tenants;	 /* char * globs; empty = all */
	struct vec vars;	 /* struct rb_var * */
	struct vec steps;	 /* struct rb_step * */
	bool has_approval;
	enum approval approval;	 /* tightens the environment's */
	char *once_key;		 /* template, or NULL */
	long timeout_s;		 /* the whole run; default 3600 */
	long approval_timeout_s; /* waiting for a second person; default 3600 */
};

/* Reads a repo file at the runbook's commit (ERR_NOTFOUND when absent). */
typedef enum status (*rb_read_fn)(void *arg, const char *path,
				  struct buf *out, struct err *e);

/*
 * Parse and validate one runbook file. file is its repo path (used in
 * messages and for the name check). m is the model the runbook must fit
 * (names of environments, services, tenants). read fetches the run-job
 * manifests and script files the steps name (a missing file is a
 * problem; a manifest must be one batch/v1 Job once rendered). On
 * failure (ERR_PARSE) every problem is appended to problems, one
 * "file:line:col: message" line each, and *out is NULL.
 */
enum status runbook_parse(const char *file, const char *text, size_t len,
			  const struct model *m, rb_read_fn read, void *arg,
			  struct runbook **out, struct buf *problems);
void runbook_free(struct runbook *rb);

const struct rb_var *runbook_var(const struct runbook *rb, const char *name);

/* Whether the runbook may run on this environment (and, for cell
 * runbooks, service and tenant; tenant NULL for untenanted services). */
bool runbook_applies_env(const struct runbook *rb, const struct model_env *e);
bool runbook_applies_cell(const struct runbook *rb, const struct model_cell *c);

/* The gate that applies: the environment's, tightened by the runbook's. */
enum approval runbook_gate(const struct runbook *rb, const struct model_env *e);

#endif
