/*
 * Variable values: checking what an operator typed or passed with --var
 * against the runbook's declarations, before anything runs.
 *
 * rb_var_check validates one value of one variable (type, regex, range,
 * choices) and says exactly what is wrong. rb_values_resolve takes every
 * given NAME=VALUE, fills defaults, and reports all problems at once:
 * unknown names, bad values, and every required variable still missing
 * (listed together, so a non-interactive run fails once, completely).
 *
 * Values are kept as text in their canonical form (integers without
 * leading zeros or '+', booleans "true"/"false"). Secret values live
 * only here: rb_values_masked gives the form that may be shown, logged or
 * recorded ("••••••" becomes "(secret)"), and they are wiped when freed.
 */
#ifndef OPSDECK_RUNBOOK_VARS_H
#define OPSDECK_RUNBOOK_VARS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/status.h"
#include "base/vec.h"
#include "runbook/runbook.h"

/* Variable values are at most this long (a text variable included). */
#define RB_VALUE_MAX 65536

struct rb_value {
	char *name;
	char *value; /* canonical text */
	bool secret;
};

struct rb_values {
	struct vec items; /* struct rb_value *, in the runbook's order */
};

#define RB_VALUES_INIT {VEC_INIT}

/* The live options of a choice variable (pods, deployments, services,
 * tenants), or NULL when the caller has none (then any value passes the
 * choice check and the step that uses it decides). */
typedef const struct vec *(*rb_choices_fn)(void *arg, const struct rb_var *v);

/*
 * Check one value. On success *canon (when not NULL) receives the
 * canonical form (malloc'd). The message in e names the variable and
 * what it expects: `migration: "v42" does not match
 * ^V[0-9]+(\.[0-9]+)*__[a-z0-9_]+$`, `replicas: 12000 is above the
 * maximum 100`, `confirm: "maybe" is not a boolean (true or false)`.
 * Control characters are refused except newlines and tabs in text.
 */
enum status rb_var_check(const struct rb_var *v, const char *value,
			 rb_choices_fn choices, void *arg, char **canon,
			 struct err *e);

/*
 * Resolve a run's values: given[] are "NAME=VALUE" strings (as from
 * --var; later ones win). Defaults fill what was not given. Appends one
 * line per problem to problems and returns ERR_INVALID when there is
 * any; the last line for missing required variables lists them all:
 * "missing required variables: migration, reason".
 */
enum status rb_values_resolve(const struct runbook *rb,
			      const char *const *given, size_t ngiven,
			      rb_choices_fn choices, void *arg,
			      struct rb_values *out, struct buf *problems);

/* Set one value (already checked), replacing any earlier one. */
void rb_values_set(struct rb_values *vals, const struct rb_var *v,
		   const char *canon);
const char *rb_values_get(const struct rb_values *vals, const char *name);
/* The variables still missing a required value, in order (borrowed). */
void rb_values_missing(const struct runbook *rb, const struct rb_values *vals,
		       struct vec *out);
/* {"NAME": "value" | "(secret)"}: safe to show, log and record. */
json_t *rb_values_masked(const struct rb_values *vals);
void rb_values_free(struct rb_values *vals);

#endif
