/*
 * `opsdeck runbook list|show|run`: the runbooks of the config repo at the
 * tracked branch's commit, and running one.
 *
 * run drives the same engine as the console (runbook/run.h): values are
 * resolved from --var (and, on a terminal, prompted for when missing),
 * the plan is printed, the gate is answered from standard input (the
 * environment's name for `confirm`; --yes only skips the "proceed?"
 * question, never a gate), then progress and step output follow until the
 * run is final. SIGINT, SIGTERM and SIGHUP abort the run, and the exit
 * waits until the aborted record is written. Exit: 0 succeeded, 1
 * refused/failed/rejected/expired/aborted, 2 usage, 3 unreachable, 130
 * stopped by one of those signals (recorded as aborted).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>
#include <unistd.h>

#include "base/mem.h"
#include "base/sanitize.h"
#include "base/str.h"
#include "cli/rbcli.h"
#include "runbook/run.h"
#include "runbook/store.h"

static const char usage[] =
	"opsdeck runbook list [--env E] [--json]\n"
	"       opsdeck runbook show NAME [--json]\n"
	"       opsdeck runbook run NAME --env E [--service S] [--tenant T] "
	"[--var K=V ...] [--var-file K=PATH ...] [--yes] [--json]";

/* A --var-file's value: the file's bytes, without one final newline. */
#define VAR_FILE_MAX (1024 * 1024)

struct opts {
	struct platform p;
	struct vec vars;      /* const char * "K=V" */
	struct vec var_files; /* const char * "K=PATH" */
	bool yes;
};

static int extra(struct kubecli *k, int argc, char **argv, void *arg)
{
	struct opts *o = arg;
	bool file = !strcmp(argv[0], "--var-file");
	if (file || !strcmp(argv[0], "--var")) {
		const char *eq = argc < 2 ? NULL : strchr(argv[1], '=');
		if (!eq || eq == argv[1] || (file && !eq[1])) {
			fprintf(stderr, "opsdeck %s: %s needs NAME=%s\n",
				k->cmd, argv[0], file ? "PATH" : "VALUE");
			return -1;
		}
		vec_push(file ? &o->var_files : &o->vars, argv[1]);
		return 2;
	}
	if (!strcmp(argv[0], "--yes") || !strcmp(argv[0], "-y")) {
		o->yes = true;
		return 1;
	}
	return platform_option(&o->p, k->cmd, argc, argv);
}

static void globs(struct buf *b, const struct vec *v)
{
	if (!v->len) {
		buf_puts(b, "all");
		return;
	}
	for (size_t i = 0; i < v->len; i++)
		buf_printf(b, "%s%s", i ? "," : "", (char *)v->items[i]);
}

static json_t *strings_json(const struct vec *v)
{
	json_t *a = json_array();
	for (size_t i = 0; i < v->len; i++)
		json_array_append_new(a, json_string(v->items[i]));
	return a;
}

static json_t *runbook_json(const struct runbook *rb, const struct model *m)
{
	json_t *vars = json_array(), *steps = json_array(), *gates = json_object();
	for (size_t i = 0; i < rb->vars.len; i++) {
		const struct rb_var *v = rb->vars.items[i];
		json_t *j = json_pack("{s:s, s:s, s:s, s:b}", "name", v->name,
				      "title", v->title, "type",
				      rb_var_type_name(v->type), "required",
				      v->required);
		if (v->help)
			json_object_set_new(j, "help", json_string(v->help));
		if (v->default_)
			json_object_set_new(j, "default",
					    json_string(v->default_));
		if (v->pattern)
			json_object_set_new(j, "pattern",
					    json_string(v->pattern));
		if (v->has_min)
			json_object_set_new(j, "min", json_integer(v->min));
		if (v->has_max)
			json_object_set_new(j, "max", json_integer(v->max));
		if (v->type == RB_VAR_CHOICE)
			json_object_set_new(
				j, "choices",
				v->source == RB_CHOICES_STATIC
					? strings_json(&v->choices)
					: json_string(rb_choice_source_name(
						  v->source)));
		json_array_append_new(vars, j);
	}
	for (size_t i = 0; i < rb->steps.len; i++) {
		const struct rb_step *s = rb->steps.items[i];
		json_array_append_new(
			steps, json_pack("{s:s, s:s, s:s?, s:i, s:b}", "name",
					 s->name, "action",
					 rb_action_name(s->action), "title",
					 s->title, "timeoutSeconds",
					 (json_int_t)s->timeout_s,
					 "continueOnFailure",
					 s->continue_on_failure));
	}
	for (size_t i = 0; i < m->envs.len; i++) {
		const struct model_env *e = m->envs.items[i];
		if (runbook_applies_env(rb, e))
			json_object_set_new(
				gates, e->name,
				json_string(approval_name(runbook_gate(rb, e))));
	}
	return json_pack(
		"{s:s, s:s, s:s?, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:s?, "
		"s:i, s:i, s:o, s:o}",
		"name", rb->name, "title", rb->title, "description",
		rb->description, "file", rb->file, "blob", rb->blob, "scope",
		rb->scope == RB_SCOPE_CELL ? "cell" : "environment",
		"environments", strings_json(&rb->environments), "services",
		strings_json(&rb->services), "tenants",
		strings_json(&rb->tenants), "approval", gates, "onceKey",
		rb->once_key, "timeoutSeconds", (json_int_t)rb->timeout_s,
		"approvalTimeoutSeconds", (json_int_t)rb->approval_timeout_s,
		"variables", vars, "steps", steps);
}

static int do_list(struct kubecli *k, struct opts *o, struct catalog *cat)
{
	struct platform *p = &o->p;
	if (k->json) {
		json_t *a = json_array();
		for (size_t i = 0; i < cat->runbooks.len; i++) {
			const struct runbook *rb = cat->runbooks.items[i];
			if (!p->e || runbook_applies_env(rb, p->e))
				json_array_append_new(a, runbook_json(rb, p->model));
		}
		json_print_line(a, stdout);
		json_decref(a);
		return CLI_OK;
	}
	static const char *const heads[] = {"NAME", "SCOPE", "ENVIRONMENTS",
					    "APPROVAL", "TITLE"};
	struct table t;
	table_init(&t, heads, 5);
	for (size_t i = 0; i < cat->runbooks.len; i++) {
		const struct runbook *rb = cat->runbooks.items[i];
		if (p->e && !runbook_applies_env(rb, p->e))
			continue;
		struct buf envs = BUF_INIT, gates = BUF_INIT;
		for (size_t j = 0; j < p->model->envs.len; j++) {
			const struct model_env *e = p->model->envs.items[j];
			if (!runbook_applies_env(rb, e) || (p->e && e != p->e))
				continue;
			buf_printf(&envs, "%s%s", envs.len ? "," : "", e->name);
			buf_printf(&gates, "%s%s", gates.len ? "," : "",
				   approval_name(runbook_gate(rb, e)));
		}
		const char *cells[] = {
			rb->name,
			rb->scope == RB_SCOPE_CELL ? "cell" : "environment",
			buf_str(&envs), buf_str(&gates), rb->title};
		table_add(&t, cells);
		buf_free(&envs);
		buf_free(&gates);
	}
	table_print(&t, stdout);
	table_free(&t);
	return CLI_OK;
}

static void show_line(const char *label, const char *value)
{
	char *v = sanitize_dup(value ? value : "", 0);
	printf("%-13s %s\n", label, v);
	free(v);
}

static int do_show(struct kubecli *k, struct opts *o, const struct runbook *rb)
{
	if (k->json) {
		json_t *j = runbook_json(rb, o->p.model);
		json_print_line(j, stdout);
		json_decref(j);
		return CLI_OK;
	}
	struct buf b = BUF_INIT;
	show_line("name", rb->name);
	show_line("title", rb->title);
	buf_printf(&b, "%s (blob %.12s)", rb->file, rb->blob);
	show_line("file", buf_str(&b));
	show_line("scope", rb->scope == RB_SCOPE_CELL ? "cell" : "environment");
	buf_clear(&b);
	buf_puts(&b, "environments ");
	globs(&b, &rb->environments);
	if (rb->scope == RB_SCOPE_CELL) {
		buf_puts(&b, "; services ");
		globs(&b, &rb->services);
		buf_puts(&b, "; tenants ");
		globs(&b, &rb->tenants);
	}
	show_line("applies to", buf_str(&b));
	buf_clear(&b);
	for (size_t i = 0; i < o->p.model->envs.len; i++) {
		const struct model_env *e = o->p.model->envs.items[i];
		if (runbook_applies_env(rb, e))
			buf_printf(&b, "%s%s: %s", b.len ? ", " : "", e->name,
				   approval_name(runbook_gate(rb, e)));
	}
	show_line("approval", buf_str(&b));
	if (rb->once_key)
		show_line("once-key", rb->once_key);
	if (rb->description) {
		printf("\n");
		char *d = sanitize_dup(rb->description, SAN_KEEP_NL | SAN_KEEP_TAB);
		printf("%s%s", d, str_has_suffix(d, "\n") ? "" : "\n");
		free(d);
	}
	if (rb->vars.len)
		printf("\nvariables:\n");
	for (size_t i = 0; i < rb->vars.len; i++) {
		const struct rb_var *v = rb->vars.items[i];
		buf_clear(&b);
		buf_printf(&b, "%s (%s%s)", v->name, rb_var_type_name(v->type),
			   v->required ? ", required" : "");
		if (v->default_)
			buf_printf(&b, " default %s", v->default_);
		if (v->pattern)
			buf_printf(&b, " matching %s", v->pattern);
		if (v->has_min || v->has_max)
			buf_printf(&b, " in %lld..%lld", v->has_min ? v->min : 0,
				   v->has_max ? v->max : 0);
		if (v->type == RB_VAR_CHOICE) {
			buf_puts(&b, " one of ");
			if (v->source == RB_CHOICES_STATIC)
				globs(&b, &v->choices);
			else
				buf_printf(&b, "the live %s",
					   rb_choice_source_name(v->source));
		}
		if (v->help)
			buf_printf(&b, " — %s", v->help);
		show_line(" ", buf_str(&b));
	}
	printf("\nsteps:\n");
	for (size_t i = 0; i < rb->steps.len; i++) {
		const struct rb_step *s = rb->steps.items[i];
		buf_clear(&b);
		buf_printf(&b, "%zu. %s (%s, timeout %lds%s)%s%s", i + 1,
			   s->name, rb_action_name(s->action), s->timeout_s,
			   s->continue_on_failure ? ", may fail" : "",
			   s->title ? " " : "", s->title ? s->title : "");
		show_line(" ", buf_str(&b));
	}
	buf_free(&b);
	return CLI_OK;
}

/* ---- run -------------------------------------------------------------------- */

struct runcli {
	struct kubecli *k;
	struct opts *o;
	struct run *run;
	enum run_state shown;
	size_t step_shown;
	bool interrupted;
};

/* Progress goes out a line at a time even into a pipe or a file (tee, a CI
 * log, a test waiting for a step): stdout is block-buffered there. */
static void out_line(FILE *f, const char *prefix, const char *s, size_t len)
{
	struct buf b = BUF_INIT;
	sanitize_append(&b, s, len, 0);
	fprintf(f, "%s%s\n", prefix, buf_str(&b));
	fflush(f);
	buf_free(&b);
}

static void on_changed(void *arg, struct run *r)
{
	struct runcli *rc = arg;
	FILE *f = rc->k->json ? stderr : stdout;
	enum run_state st = run_state(r);
	for (size_t i = 0; i < run_nsteps(r); i++) {
		enum step_state ss = run_step_state(r, i);
		if (ss == STEP_PENDING || ss == STEP_SKIPPED)
			continue;
		const struct plan_step *ps = run_plan(r)->steps.items[i];
		if (rc->step_shown <= i * 2 && ss == STEP_RUNNING) {
			struct buf b = BUF_INIT;
			buf_printf(&b, "[%zu/%zu] ", i + 1, run_nsteps(r));
			out_line(f, buf_str(&b), ps->summary,
				 strlen(ps->summary));
			buf_free(&b);
			rc->step_shown = i * 2 + 1;
		}
		if (rc->step_shown <= i * 2 + 1 && ss != STEP_RUNNING) {
			const char *m = run_step_message(r, i);
			struct buf b = BUF_INIT;
			buf_printf(&b, "[%zu/%zu] %s: ", i + 1, run_nsteps(r),
				   step_state_name(ss));
			out_line(f, buf_str(&b), m, strlen(m));
			buf_free(&b);
			rc->step_shown = i * 2 + 2;
		}
	}
	if (st != rc->shown && st != RUN_PREPARING && st != RUN_CONFIRMING &&
	    st != RUN_CLAIMING) {
		const char *m = run_message(r);
		struct buf b = BUF_INIT;
		/* A run refused before its plan was made was recorded
		 * nowhere: it has no id anyone could look up. */
		if (run_record(r))
			buf_printf(&b, "run %s: ", run_id(r));
		buf_printf(&b, "%s: ", run_state_name(st));
		/* Bad news goes where scripts look for it. */
		out_line(run_state_final(st) && st != RUN_SUCCEEDED ? stderr : f,
			 buf_str(&b), m, strlen(m));
		buf_free(&b);
	}
	rc->shown = st;
}

static void on_output(void *arg, struct run *r, size_t step, const char *line,
		      size_t len)
{
	(void)r, (void)step;
	struct runcli *rc = arg;
	out_line(rc->k->json ? stderr : stdout, "      | ", line, len);
}

static void on_gate(void *arg, struct run *r)
{
	struct runcli *rc = arg;
	const struct plan *p = run_plan(r);
	struct buf text = BUF_INIT;
	plan_text(p, &text);
	FILE *f = rc->k->json ? stderr : stdout;
	fprintf(f, "plan:\n");
	char *t = sanitize_dup(buf_str(&text), SAN_KEEP_NL | SAN_KEEP_TAB);
	for (char *line = strtok(t, "\n"); line; line = strtok(NULL, "\n"))
		fprintf(f, "  %s\n", line);
	free(t);
	buf_free(&text);
	fflush(f);
	if (p->gate == APPROVAL_CONFIRM) {
		struct buf prompt = BUF_INIT, why = BUF_INIT;
		buf_printf(&prompt, "This is %s. Type the environment's name "
				    "to proceed: ",
			   p->env->name);
		for (;;) {
			char *line = rbcli_read_line(rc->k, buf_str(&prompt),
						     false);
			buf_clear(&why);
			if (!line) {
				run_gate_answer(r, NULL, NULL);
				break;
			}
			char *typed = str_trim(line);
			bool ok = run_gate_answer(r, typed, &why);
			free(line);
			if (ok)
				break;
			fprintf(stderr, "opsdeck runbook: %s\n", buf_str(&why));
			if (!isatty(0)) {
				run_gate_answer(r, NULL, NULL);
				break;
			}
		}
		buf_free(&prompt);
		buf_free(&why);
		return;
	}
	if (rc->o->yes) {
		run_gate_answer(r, "yes", NULL);
		return;
	}
	if (!isatty(0)) {
		fprintf(stderr, "opsdeck runbook: not confirmed; pass --yes to "
				"run without the question (approval gates "
				"still apply)\n");
		run_gate_answer(r, NULL, NULL);
		return;
	}
	char *line = rbcli_read_line(rc->k, p->gate == APPROVAL_SECOND_PERSON
						    ? "Request approval and run? "
						      "[y/N] "
						    : "Run it? [y/N] ",
				     false);
	bool yes = line && (!strcasecmp(str_trim(line), "y") ||
			    !strcasecmp(str_trim(line), "yes"));
	free(line);
	run_gate_answer(r, yes ? "yes" : NULL, NULL);
}

static void on_confirm(void *arg, struct run *r, size_t step,
		       const char *instructions)
{
	(void)step;
	struct runcli *rc = arg;
	FILE *f = rc->k->json ? stderr : stdout;
	char *t = sanitize_dup(instructions, SAN_KEEP_NL | SAN_KEEP_TAB);
	fprintf(f, "%s%s", t, str_has_suffix(t, "\n") ? "" : "\n");
	free(t);
	fflush(f);
	for (;;) {
		char *line = rbcli_read_line(
			rc->k, "Type proceed or abort, then a note: ", false);
		if (!line) {
			run_confirm_answer(r, false,
					   "no answer (end of input)");
			return;
		}
		char *s = str_trim(line);
		bool proceed = str_has_prefix(s, "proceed");
		bool abort_ = str_has_prefix(s, "abort");
		if (proceed || abort_) {
			char *note = str_trim(s + (proceed ? 7 : 5));
			run_confirm_answer(r, proceed, note);
			free(line);
			return;
		}
		free(line);
		if (!isatty(0)) {
			run_confirm_answer(r, false, "no valid answer");
			return;
		}
	}
}

static void on_interrupt(struct loop *l, int signo, void *arg)
{
	(void)l;
	struct runcli *rc = arg;
	rc->interrupted = true;
	run_abort(rc->run, signo == SIGINT	? "interrupted (Ctrl-C)"
			   : signo == SIGHUP ? "the terminal went away (SIGHUP)"
					     : "terminated (SIGTERM)");
}

/* Read each --var-file NAME=PATH into given (and owned) as NAME=VALUE.
 * False, having said why, when a file cannot be used. */
static bool read_var_files(const struct opts *o, struct vec *given,
			   struct vec *owned)
{
	for (size_t i = 0; i < o->var_files.len; i++) {
		const char *arg = o->var_files.items[i];
		const char *path = strchr(arg, '=') + 1;
		int namelen = (int)(path - 1 - arg);
		struct buf b = BUF_SECRET;
		const char *why = NULL;
		FILE *f = fopen(path, "rbe");
		if (!f)
			why = strerror(errno);
		while (f && !why) {
			char chunk[4096];
			size_t n = fread(chunk, 1, sizeof chunk, f);
			buf_append(&b, chunk, n);
			explicit_bzero(chunk, sizeof chunk);
			if (b.len > VAR_FILE_MAX)
				why = "larger than 1 MiB";
			else if (ferror(f))
				why = strerror(errno);
			else if (n < sizeof chunk)
				break;
		}
		if (f)
			fclose(f);
		if (!why && memchr(buf_str(&b), '\0', b.len))
			why = "holds a NUL byte; values are text";
		if (why) {
			char *shown = sanitize_dup(path, 0);
			fprintf(stderr,
				"opsdeck runbook run: --var-file %.*s: %s: "
				"%s\n",
				namelen, arg, shown, why);
			free(shown);
			buf_free(&b);
			return false;
		}
		if (b.len && b.data[b.len - 1] == '\n')
			b.len--;
		if (b.len && b.data[b.len - 1] == '\r')
			b.len--;
		char *kv = str_printf("%.*s=%.*s", namelen, arg, (int)b.len,
				      buf_str(&b));
		buf_free(&b);
		vec_push(given, kv);
		vec_push(owned, kv);
	}
	return true;
}

/* A secret given with --var is in the process list for anyone on the
 * machine to read: say so (the run still goes on; the value is out). */
static void warn_secret_args(const struct opts *o, const struct runbook *rb)
{
	for (size_t i = 0; i < o->vars.len; i++) {
		const char *kv = o->vars.items[i];
		size_t n = (size_t)(strchr(kv, '=') - kv);
		for (size_t j = 0; j < rb->vars.len; j++) {
			const struct rb_var *v = rb->vars.items[j];
			if (v->type == RB_VAR_SECRET &&
			    strlen(v->name) == n && !strncmp(v->name, kv, n))
				fprintf(stderr,
					"opsdeck runbook run: warning: the "
					"secret %s was given on the command "
					"line, where other users of this "
					"machine can read it; use --var-file "
					"%s=PATH\n",
					v->name, v->name);
		}
	}
}

/* Ask on a terminal for required variables --var did not give. */
static void prompt_missing(struct kubecli *k, const struct runbook *rb,
			   struct vec *given, struct vec *owned)
{
	if (!isatty(0))
		return;
	for (size_t i = 0; i < rb->vars.len; i++) {
		const struct rb_var *v = rb->vars.items[i];
		bool have = false;
		size_t n = strlen(v->name);
		for (size_t j = 0; j < given->len && !have; j++)
			have = !strncmp(given->items[j], v->name, n) &&
			       ((char *)given->items[j])[n] == '=';
		if (have || !v->required || v->default_)
			continue;
		struct buf prompt = BUF_INIT;
		buf_printf(&prompt, "%s%s%s%s: ", v->title,
			   v->help ? " (" : "", v->help ? v->help : "",
			   v->help ? ")" : "");
		char *p = sanitize_dup(buf_str(&prompt), 0);
		char *line = rbcli_read_line(k, p, v->type == RB_VAR_SECRET);
		free(p);
		buf_free(&prompt);
		if (!line)
			return;
		char *kv = str_printf("%s=%s", v->name, line);
		explicit_bzero(line, strlen(line));
		free(line);
		vec_push(given, kv);
		vec_push(owned, kv);
	}
}

static int do_run(struct kubecli *k, struct opts *o, struct catalog *cat,
		  const struct runbook *rb)
{
	struct platform *p = &o->p;
	if (!p->e) {
		fprintf(stderr, "opsdeck runbook run: --env is required\n");
		return CLI_USAGE;
	}
	const struct model_cell *cell = NULL;
	if (rb->scope == RB_SCOPE_CELL) {
		if (!p->s) {
			fprintf(stderr, "opsdeck runbook run: %s runs on one "
					"service: give --service\n",
				rb->name);
			return CLI_USAGE;
		}
		if (p->s->tenanted && !p->t) {
			fprintf(stderr, "opsdeck runbook run: %s has tenants: "
					"give --tenant\n",
				p->s->name);
			return CLI_USAGE;
		}
		cell = model_cell_of(p->model, p->s, p->e,
				     p->s->tenanted ? p->t : NULL);
		if (!cell) {
			fprintf(stderr, "opsdeck runbook run: %s does not run "
					"in %s\n",
				p->s->name, p->e->name);
			return CLI_USAGE;
		}
		if (!runbook_applies_cell(rb, cell)) {
			fprintf(stderr, "opsdeck runbook run: %s does not "
					"apply to %s\n",
				rb->name, cell->key);
			return CLI_USAGE;
		}
	} else if (!runbook_applies_env(rb, p->e)) {
		fprintf(stderr, "opsdeck runbook run: %s does not apply to "
				"environment %s\n",
			rb->name, p->e->name);
		return CLI_USAGE;
	}
	int rc = rbcli_connect(p, k, p->e);
	if (rc != CLI_OK)
		return rc;
	struct kube_client *c = rbcli_client(k, p->e->cluster);
	struct vec given = VEC_INIT, owned = VEC_INIT;
	for (size_t i = 0; i < o->vars.len; i++)
		vec_push(&given, o->vars.items[i]);
	warn_secret_args(o, rb);
	if (!read_var_files(o, &given, &owned)) {
		vec_free(&given, NULL);
		vec_free(&owned, xfree_wiped);
		return CLI_USAGE;
	}
	prompt_missing(k, rb, &given, &owned);
	struct rb_values vals = RB_VALUES_INIT;
	struct buf problems = BUF_INIT;
	enum status st = rb_values_resolve(rb, (const char *const *)given.items,
					   given.len, NULL, NULL, &vals,
					   &problems);
	vec_free(&given, NULL);
	vec_free(&owned, xfree_wiped);
	if (st != ST_OK) {
		char *t = sanitize_dup(buf_str(&problems),
				       SAN_KEEP_NL | SAN_KEEP_TAB);
		fprintf(stderr, "opsdeck runbook run: %s: the variables are "
				"not right:\n%s",
			rb->name, t);
		free(t);
		buf_free(&problems);
		rb_values_free(&vals);
		return CLI_USAGE;
	}
	buf_free(&problems);

	struct runcli rcl = {.k = k, .o = o};
	struct run_opts ro = {
		.loop = k->loop,
		.client = c,
		.rb = rb,
		.commit = cat->commit_hex,
		.model = p->model,
		.env = p->e,
		.cell = cell,
		.policy = cat->policy,
		.values = &vals,
	};
	static const struct run_ops ops = {
		.changed = on_changed,
		.output = on_output,
		.gate = on_gate,
		.confirm = on_confirm,
	};
	rcl.run = run_start(&ro, &ops, &rcl);
	loop_signal(k->loop, SIGINT, on_interrupt, &rcl);
	loop_signal(k->loop, SIGTERM, on_interrupt, &rcl);
	loop_signal(k->loop, SIGHUP, on_interrupt, &rcl);
	/* Until final and written; an abort's record is written too. */
	while (!run_settled(rcl.run))
		loop_run_once(k->loop, 1000);
	enum run_state fin = run_state(rcl.run);
	if (k->json) {
		const json_t *rec = run_record(rcl.run);
		json_t *j = rec ? json_deep_copy(rec)
				: (run_plan(rcl.run) ? plan_json(run_plan(rcl.run))
						     : json_object());
		json_object_del(j, "runId");
		json_object_set_new(j, "id", json_string(run_id(rcl.run)));
		json_object_set_new(j, "state",
				    json_string(run_state_name(fin)));
		json_object_set_new(j, "message",
				    json_string(run_message(rcl.run)));
		json_print_line(j, stdout);
		json_decref(j);
	}
	bool unreachable = fin == RUN_REFUSED &&
			   kube_client_state(c)->state == KUBE_CONN_DOWN;
	run_free(rcl.run);
	if (unreachable)
		return CLI_UNREACHABLE;
	if (rcl.interrupted)
		return 130;
	return fin == RUN_SUCCEEDED ? CLI_OK : CLI_BAD_NEWS;
}

int cli_runbook(int argc, char **argv)
{
	struct kubecli k = {0};
	struct opts o = {0};
	struct vec pos = VEC_INIT;
	struct catalog *cat = NULL;
	int rc = kubecli_parse(&k, argc, argv, extra, &o, &pos, usage);
	const char *verb = pos.len ? pos.items[0] : NULL;
	if (rc == CLI_OK &&
	    (!verb || (strcmp(verb, "list") && strcmp(verb, "show") &&
		       strcmp(verb, "run")) ||
	     (!strcmp(verb, "list") && pos.len != 1) ||
	     (strcmp(verb, "list") && pos.len != 2))) {
		fprintf(stderr, "usage: %s\n", usage);
		rc = CLI_USAGE;
	}
	if (rc == CLI_OK)
		rc = rbcli_open(&o.p, &k, &cat);
	if (rc == CLI_OK && !strcmp(verb, "list")) {
		rc = do_list(&k, &o, cat);
	} else if (rc == CLI_OK) {
		const struct runbook *rb = catalog_find(cat, pos.items[1]);
		if (!rb) {
			fprintf(stderr, "opsdeck runbook: no runbook named "
					"\"%s\" at %.12s; there are:",
				(char *)pos.items[1], cat->commit_hex);
			for (size_t i = 0; i < cat->runbooks.len; i++)
				fprintf(stderr, " %s",
					((struct runbook *)cat->runbooks.items[i])
						->name);
			fprintf(stderr, "\n");
			rc = CLI_USAGE;
		} else if (!strcmp(verb, "show")) {
			rc = do_show(&k, &o, rb);
		} else {
			rc = do_run(&k, &o, cat, rb);
		}
	}
	catalog_free(cat);
	vec_free(&pos, NULL);
	vec_free(&o.vars, NULL);
	vec_free(&o.var_files, NULL);
	kubecli_free(&k);
	platform_free(&o.p);
	return rc;
}
