/*
 * What the platform subcommands (matrix, status, history, diff, lint, and
 * pods/events/logs with --env) share: the options that choose the config
 * repo and the cells (--repo, --branch, --env, --service, --tenant), and
 * opening the repo, loading opsdeck.yaml at the branch's commit and
 * reading the desired versions, with the messages and exit codes
 * PRODUCT.md asks for.
 */
#ifndef OPSDECK_CLI_PLATFORM_H
#define OPSDECK_CLI_PLATFORM_H

#include <stdbool.h>

#include "cli/kubecli.h"
#include "git/repo.h"
#include "model/model.h"
#include "model/userconf.h"

struct platform {
	/* options */
	const char *repo_spec;
	const char *branch;
	const char *env;
	const char *service;
	const char *tenant;
	/* after platform_open */
	struct userconf conf;
	struct repo *repo;
	struct repo_tip tip;
	struct model *model;
	struct buf problems; /* from reading desired versions */
	bool model_broken;   /* opsdeck.yaml has problems (printed) */
	struct model_env *e; /* --env, or NULL */
	struct model_service *s;
	struct model_tenant *t;
	struct vec cells;    /* platform_scope: the cells in scope */
	struct map keys;     /* "ns" and "ns\nworkload" of those cells */
};

/* Consume one of the shared options at argv[0] (kubecli_parse's extra
 * convention: arguments used, 0 = not ours, -1 = bad value, reported). */
int platform_option(struct platform *p, const char *cmd, int argc,
		    char **argv);

/*
 * Open the repo (cloning or fetching a URL's cache first), load the model
 * at the branch's commit and read every cell's desired version; check
 * --env/--service/--tenant. Returns CLI_OK, CLI_USAGE (bad options or a
 * broken opsdeck.yaml, every problem printed) or CLI_UNREACHABLE (the repo
 * cannot be read or cloned). Problems with version files are kept in
 * p->problems and printed as warnings unless quiet.
 */
int platform_open(struct platform *p, const char *cmd, bool quiet);
void platform_free(struct platform *p);

/* Whether a cell passes --env/--service/--tenant. */
bool platform_wants(const struct platform *p, const struct model_cell *c);
/* The cells that pass, in model order. */
void platform_cells(const struct platform *p, struct vec *out);
/* Put the contexts of the cells into k->contexts (each once) and the
 * kubeconfig from the user's settings when --kubeconfig was not given. */
void platform_contexts(struct platform *p, struct kubecli *k,
		       const struct vec *cells);

/*
 * For pods, events and logs: when --env (with --service, --tenant) was
 * given, open the platform and aim k at the cells' cluster and
 * namespaces, keeping only the objects of the cells' workloads (pods they
 * own; events about them, their ReplicaSets and pods). Without those
 * options nothing changes (the kubectl-like context/namespace options
 * apply). Returns CLI_OK or an exit code (reported).
 */
int platform_scope(struct platform *p, struct kubecli *k);
/* After kubecli_connect: the label selector of the one cell's workload
 * (its spec.selector.matchLabels as "k=v,k2=v2"), asked of the cluster. */
int platform_selector(struct platform *p, struct kubecli *k, struct buf *out);

#endif
