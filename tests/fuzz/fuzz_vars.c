/*
 * libFuzzer target for variable values (runbook/vars.h).
 *
 * The input is a variable declaration and a value, split at the first NUL
 * byte: the declaration is YAML (one entry of a runbook's variables list,
 * e.g. "{name: n, type: integer, min: 1}"), the value is what an operator
 * typed. Without a NUL byte, one of a few fixed declarations is chosen by
 * the first byte and the rest is the value. The declaration is loaded
 * through runbook_parse (so patterns go through the loader's limits);
 * when it loads, the value is checked, and resolved as a --var. Live
 * choices get a fixed list, or none, by a bit of the input. Violations
 * trap:
 *   - a success gives a canonical form that checks again to itself (and
 *     booleans are "true"/"false", integers have no '+' or leading zeros);
 *   - a failure's message is one terminal-safe line starting "NAME: ";
 *   - a secret's message is one of the fixed forms, which hold nothing of
 *     the value;
 *   - resolving NAME=VALUE (plus an undeclared name) reports exactly the
 *     check's message and the unknown name, keeps the canonical value
 *     exactly when the check passes, and the masked JSON shows "(secret)"
 *     for a secret.
 *
 *   corpus: tests/fuzz/corpus/vars/
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/sanitize.h"
#include "base/status.h"
#include "model/model.h"
#include "runbook/runbook.h"
#include "runbook/vars.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c))                                                      \
			__builtin_trap();                                      \
	} while (0)

static const char model_yaml[] = "environments:\n"
				 "  - {name: staging, cluster: c}\n"
				 "services:\n"
				 "  - name: api\n"
				 "    workload: deployment/api\n"
				 "    namespace: api\n"
				 "    version: {file: v.yaml, path: tag}\n";

static const char *const fixed[] = {
    "{name: s}",
    "{name: t, type: text}",
    "{name: c, type: choice, choices: [red, green, blue]}",
    "{name: p, type: choice, choices-from: pods}",
    "{name: n, type: integer, min: -10, max: 1000}",
    "{name: b, type: boolean}",
    "{name: pw, type: secret, pattern: '^[A-Za-z0-9]{8,}$'}",
    "{name: m, required: true, pattern: '^V[0-9]+(\\.[0-9]+)*__[a-z0-9_]+$'}",
};

static struct model *model;
static struct vec pods;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	struct buf p = BUF_INIT;
	CHECK(model_parse("opsdeck.yaml", model_yaml, strlen(model_yaml),
			  &model, &p) == ST_OK);
	buf_free(&p);
	vec_push(&pods, "api-1");
	vec_push(&pods, "api-2");
	return 0;
}

static const struct vec *live(void *arg, const struct rb_var *v)
{
	(void)v;
	return arg;
}

static void check_safe(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n; i++) {
		CHECK(p[i] >= 0x20 && p[i] != 0x7f);
		CHECK(!(p[i] == 0xc2 && i + 1 < n && p[i + 1] >= 0x80 &&
			p[i + 1] <= 0x9f));
	}
}

/* A secret's message names the rule only. */
static void check_secret_message(const struct rb_var *v, const char *msg)
{
	static const char *const forms[] = {
	    "is missing",
	    "is longer than 65536 bytes",
	    "must be one line",
	    "contains a control character",
	    "is not valid UTF-8 text",
	    "is empty (a value is required)",
	};
	size_t n = strlen(v->name);
	CHECK(!strncmp(msg, v->name, n) &&
	      !strncmp(msg + n, ": the value ", 12));
	const char *rest = msg + n + 12;
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++)
		if (!strcmp(rest, forms[i]))
			return;
	CHECK(v->pattern && !strncmp(rest, "does not match ", 15));
	char *pat = sanitize_dup(v->pattern, 0);
	CHECK(!strcmp(rest + 15, pat));
	free(pat);
}

static void check_value(const struct rb_var *v, const char *value,
			const struct vec *list)
{
	char *canon = (char *)1;
	struct err e = {ST_OK, ""};
	enum status st = rb_var_check(v, value, list ? live : NULL,
				      (void *)list, &canon, &e);
	if (st == ST_OK) {
		CHECK(canon);
		char *again = NULL;
		CHECK(rb_var_check(v, canon, list ? live : NULL, (void *)list,
				   &again, &e) == ST_OK);
		CHECK(!strcmp(again, canon));
		if (v->type == RB_VAR_BOOLEAN)
			CHECK(!strcmp(canon, "true") ||
			      !strcmp(canon, "false"));
		if (v->type == RB_VAR_INTEGER) {
			const char *d = canon[0] == '-' ? canon + 1 : canon;
			CHECK(*d && (d[0] != '0' || !d[1]));
			CHECK(strcmp(canon, "-0"));
		}
		if (v->type != RB_VAR_BOOLEAN && v->type != RB_VAR_INTEGER)
			CHECK(!strcmp(canon, value));
		free(again);
		free(canon);
		return;
	}
	CHECK(st == ST_ERR_INVALID);
	CHECK(!canon);
	size_t n = strlen(e.msg);
	CHECK(n > strlen(v->name) + 2);
	check_safe(e.msg, n);
	CHECK(!strncmp(e.msg, v->name, strlen(v->name)) &&
	      e.msg[strlen(v->name)] == ':');
	if (v->type == RB_VAR_SECRET)
		check_secret_message(v, e.msg);
}

static void check_resolve(const struct runbook *rb, const struct rb_var *v,
			  const char *value, const struct vec *list)
{
	struct buf given = BUF_INIT, problems = BUF_INIT;
	buf_printf(&given, "%s=%s", v->name, value);
	/* a name the runbook does not declare (its one variable may be
	 * called "undeclared") */
	const char *other = strcmp(v->name, "undeclared") ? "undeclared"
							  : "undeclared_2";
	struct buf extra = BUF_INIT, unknown = BUF_INIT;
	buf_printf(&extra, "%s=1", other);
	buf_printf(&unknown, "unknown variable '%s'", other);
	const char *g[] = {buf_str(&given), buf_str(&extra)};
	struct rb_values vals = RB_VALUES_INIT;
	enum status st = rb_values_resolve(rb, g, 2, list ? live : NULL,
					   (void *)list, &vals, &problems);
	CHECK(st == ST_ERR_INVALID); /* "undeclared" always is */
	/* Each line is the check's own message (verified above, for a
	 * secret to the letter) or the undeclared name (the variable is
	 * given, so never missing): nothing else can carry the value. */
	struct err e = {ST_OK, ""};
	char *canon = NULL;
	bool good = rb_var_check(v, value, list ? live : NULL, (void *)list,
				 &canon, &e) == ST_OK;
	const char *s = buf_str(&problems), *end = s + problems.len;
	CHECK(problems.len && end[-1] == '\n');
	bool saw_check = false;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		CHECK(nl && nl > s);
		size_t n = (size_t)(nl - s);
		check_safe(s, n);
		/* (with "did you mean" when the names are close) */
		if (n < unknown.len || memcmp(s, unknown.data, unknown.len)) {
			CHECK(!good && !saw_check && n == strlen(e.msg) &&
			      !memcmp(s, e.msg, n));
			saw_check = true;
		}
		s = nl + 1;
	}
	CHECK(good != saw_check);
	const char *got = rb_values_get(&vals, v->name);
	CHECK(good ? got && !strcmp(got, canon) : !got);
	free(canon);
	json_t *j = rb_values_masked(&vals);
	if (got && v->type == RB_VAR_SECRET)
		CHECK(!strcmp(json_string_value(json_object_get(j, v->name)),
			      "(secret)"));
	json_decref(j);
	rb_values_free(&vals);
	buf_free(&problems);
	buf_free(&given);
	buf_free(&extra);
	buf_free(&unknown);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	const char *text = (const char *)data;
	const char *nul = memchr(text, '\0', size);
	struct buf decl = BUF_INIT, value = BUF_INIT;
	bool with_list = size && (data[size - 1] & 1);
	if (nul) {
		buf_append(&decl, text, (size_t)(nul - text));
		size_t rest = size - (size_t)(nul - text) - 1;
		const char *v = nul + 1;
		buf_append(&value, v, strnlen(v, rest));
	} else {
		buf_puts(&decl,
			 fixed[data[0] % (sizeof fixed / sizeof fixed[0])]);
		buf_append(&value, text + 1, size - 1);
	}
	/* One variable, in a runbook the loader accepts. */
	struct buf rb_text = BUF_INIT;
	buf_puts(&rb_text, "name: fuzz\ntitle: F\n"
			   "steps: [{action: confirm, instructions: x}]\n"
			   "variables:\n  -\n");
	for (const char *s = buf_str(&decl); *s;) {
		size_t n = strcspn(s, "\n");
		buf_puts(&rb_text, "    ");
		buf_append(&rb_text, s, n);
		buf_putc(&rb_text, '\n');
		s += n + (s[n] == '\n');
	}
	struct runbook *rb = NULL;
	struct buf problems = BUF_INIT;
	if (runbook_parse("runbooks/fuzz.yaml", rb_text.data, rb_text.len,
			  model, NULL, NULL, &rb, &problems) == ST_OK) {
		CHECK(rb->vars.len == 1);
		const struct rb_var *v = rb->vars.items[0];
		const struct vec *list =
		    v->type == RB_VAR_CHOICE &&
			    v->source != RB_CHOICES_STATIC && with_list
			? &pods
			: NULL;
		check_value(v, buf_str(&value), list);
		check_resolve(rb, v, buf_str(&value), list);
		runbook_free(rb);
	}
	buf_free(&problems);
	buf_free(&rb_text);
	buf_free(&decl);
	buf_free(&value);
	return 0;
}
