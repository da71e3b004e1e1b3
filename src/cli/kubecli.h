/*
 * What the cluster subcommands share: their common options (kubeconfig,
 * contexts, namespace, selector, --json, -w), one loop with a client per
 * context, clean stops on SIGINT/SIGTERM/SIGHUP, and the mapping from what
 * went wrong to an exit code. Output helpers: aligned tables of sanitised
 * cells, and JSON lines.
 */
#ifndef OPSDECK_CLI_KUBECLI_H
#define OPSDECK_CLI_KUBECLI_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "base/buf.h"
#include "base/vec.h"
#include "cli/cli.h"
#include "kube/client.h"
#include "kube/objects.h"
#include "loop/loop.h"

struct kubecli {
	const char *cmd; /* for messages: "pods" */
	/* options */
	const char *kubeconfig;
	struct vec contexts; /* const char * (argv strings) */
	bool all_contexts;
	const char *namespace_; /* -n; NULL = the context's */
	bool all_namespaces;	/* -A */
	const char *selector;	/* -l */
	bool json;
	bool watch;
	/* Keep only the objects this accepts (NULL = all); set by --env
	 * scoping (platform.h). */
	bool (*filter)(void *arg, const struct kube_obj *o);
	void *filter_arg;
	/* after kubecli_connect */
	struct loop *loop;
	struct vec clients; /* struct kube_client *, in context order */
	int exit_code;	    /* the worst so far */
};

/*
 * Parse argv. Common options are consumed; anything else is offered to
 * extra(), which returns how many arguments it used (0 = unknown option,
 * a usage error; -1 = a bad value, already reported). Positional arguments
 * are collected into pos. Returns CLI_OK or CLI_USAGE (reported).
 */
int kubecli_parse(struct kubecli *k, int argc, char **argv,
		  int (*extra)(struct kubecli *k, int argc, char **argv,
			       void *arg),
		  void *arg, struct vec *pos, const char *usage);
/* Load the kubeconfig and make a client per selected context. Returns
 * CLI_OK or CLI_USAGE (reported). */
int kubecli_connect(struct kubecli *k, const struct kube_settings *s);
void kubecli_free(struct kubecli *k);
/* The namespace to use for client c ("" = all namespaces with -A). */
const char *kubecli_namespace(const struct kubecli *k,
			      const struct kube_client *c);
bool kubecli_many(const struct kubecli *k); /* several contexts */

/* Report a failure on c (sanitised) and fold its exit code in. */
void kubecli_fail(struct kubecli *k, const struct kube_client *c,
		  enum status code, const char *message);
int kubecli_exit_for(enum status code);
/* Print connection state changes of every client to stderr (for -w). */
void kubecli_report_state(struct kubecli *k);

/* ---- listing objects of one kind from every context ------------------- */

#include "kube/objects.h"
#include "kube/reflector.h"

#define LISTING_MAX_COLS 12

struct listing_ops {
	enum kube_kind kind;
	const char *field_selector;
	size_t ncols;
	const char *headers[LISTING_MAX_COLS]; /* '>' = right-aligned */
	/* Fill ncols cells (each a malloc'd string, or NULL for ""). */
	void (*cells)(const struct kube_obj *o, char **cells);
	/* Keep only what this says (NULL = all). */
	bool (*keep)(const struct kube_obj *o);
	/* Order of the first listing (NULL = namespace, name). */
	int (*cmp)(const struct kube_obj *a, const struct kube_obj *b);
};

/*
 * List (and with -w, watch) the kind on every context: wait until every
 * context has listed or failed, print the sorted table (or JSON), then with
 * -w print each change as it happens until interrupted. Returns the exit
 * code.
 */
int listing_run(struct kubecli *k, const struct listing_ops *ops);

/* ---- output -------------------------------------------------------------- */

struct table {
	size_t ncols;
	struct vec cells; /* char *, row-major, sanitised */
	size_t *width;
	bool *right; /* right-aligned columns */
};

void table_init(struct table *t, const char *const *headers, size_t ncols);
/* Columns whose header starts with '>' are right-aligned (the '>' is not
 * printed). */
void table_add(struct table *t, const char *const *cells);
void table_print(const struct table *t, FILE *out);
/* One row with the widths seen so far (for -w); widths grow as needed. */
void table_print_row(struct table *t, const char *const *cells, FILE *out);
void table_free(struct table *t);

/* One compact JSON document and a newline. */
void json_print_line(const json_t *j, FILE *out);

#endif
