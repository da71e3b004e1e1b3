/*
 * What the runbook subcommands (runbook, approve, audit) share: loading
 * the catalog next to the model, connecting to the clusters of some
 * environments, reading lines from the operator without blocking the
 * loop, and printing run records.
 */
#ifndef OPSDECK_CLI_RBCLI_H
#define OPSDECK_CLI_RBCLI_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "cli/kubecli.h"
#include "cli/platform.h"
#include "runbook/catalog.h"

/* platform_open, then the catalog at the same commit (problems printed
 * as warnings on stderr). Returns a CLI exit code. */
int rbcli_open(struct platform *p, struct kubecli *k, struct catalog **cat);

/* Connect to the clusters of env (NULL = every environment's). */
int rbcli_connect(struct platform *p, struct kubecli *k,
		  const struct model_env *env);

/* The client of a kubeconfig context among k's, or NULL. */
struct kube_client *rbcli_client(struct kubecli *k, const char *context);

/* Read one line from standard input on k's loop (prompt on stderr when
 * it is a terminal; echo off when secret). NULL at end of input or when
 * the loop is quitting. The result is malloc'd, without its newline. */
char *rbcli_read_line(struct kubecli *k, const char *prompt, bool secret);

/* Every run record of every connected cluster (newest first per
 * cluster), each with "context" set. Failures are printed; returns the
 * worst exit code (CLI_OK when all answered). */
int rbcli_records(struct kubecli *k, json_t **out);

/* A record for people: one line per fact, steps listed. */
void rbcli_print_record(const json_t *rec, FILE *out);

#endif
