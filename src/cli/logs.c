/*
 * `opsdeck logs`: one pod's log, or with -l every matching pod's logs
 * merged, each line prefixed with [pod/container]. Lines are sanitised
 * (escape sequences shown as ^[ and friends, tabs kept); output is flushed
 * once per burst, not per line, so following a fast log stays cheap.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/mem.h"
#include "base/sanitize.h"
#include "base/str.h"
#include "cli/platform.h"
#include "kube/logs.h"

static const char usage[] =
	"opsdeck logs [--context C] [-n NS] (POD | -l SELECTOR) [-c CONTAINER] "
	"[-f] [--previous] [--tail N] [--since DUR] [--timestamps] "
	"[--limit-memory BYTES]\n"
	"       opsdeck logs --env E --service S [--tenant T] [--pod P] "
	"[--repo PATH|URL] [-c CONTAINER] [-f] ...";

struct logs_cli {
	struct kubecli k;
	struct platform p;
	const char *pod_opt; /* --pod, with --env */
	struct buf selector; /* the cell's workload's, with --env */
	struct kube_log_opts o;
	const char *pod;
	size_t cap;
	struct kube_client *c;
	struct kube_log_stream *stream; /* one pod */
	struct loop_timer *flush;
	struct buf line;
	/* group mode */
	struct kube_watch *pods;
	struct kube_log_group *group;
	uint64_t printed; /* next logbuf seq to print */
	bool synced;
};

static int extra(struct kubecli *k, int argc, char **argv, void *arg)
{
	struct logs_cli *L = arg;
	const char *a = argv[0], *v = argc > 1 ? argv[1] : NULL;
	int used = platform_option(&L->p, k->cmd, argc, argv);
	if (used)
		return used;
	if (!strcmp(a, "--pod")) {
		if (!v) {
			fprintf(stderr, "opsdeck logs: --pod needs a value\n");
			return -1;
		}
		L->pod_opt = v;
		return 2;
	}
	if (!strcmp(a, "-f") || !strcmp(a, "--follow")) {
		L->o.follow = true;
		return 1;
	}
	if (!strcmp(a, "--previous") || !strcmp(a, "-p")) {
		L->o.previous = true;
		return 1;
	}
	if (!strcmp(a, "--timestamps")) {
		L->o.timestamps = true;
		return 1;
	}
	bool needs = !strcmp(a, "-c") || !strcmp(a, "--container") ||
		     !strcmp(a, "--tail") || !strcmp(a, "--since") ||
		     !strcmp(a, "--limit-memory");
	if (!needs)
		return 0;
	if (!v) {
		fprintf(stderr, "opsdeck logs: %s needs a value\n", a);
		return -1;
	}
	long n;
	if (!strcmp(a, "-c") || !strcmp(a, "--container")) {
		L->o.container = v;
	} else if (!strcmp(a, "--tail")) {
		if (!str_to_long(v, -1, 100000000, &n)) {
			fprintf(stderr, "opsdeck logs: --tail: not a number: "
					"%s\n", v);
			return -1;
		}
		L->o.tail_lines = n;
	} else if (!strcmp(a, "--since")) {
		if (!str_parse_duration(v, &n) || !n) {
			fprintf(stderr, "opsdeck logs: --since: not a duration "
					"(like 90s, 5m, 1h30m): %s\n", v);
			return -1;
		}
		L->o.since_seconds = n;
	} else {
		if (!str_to_long(v, 4096, (long)1 << 40, &n)) {
			fprintf(stderr, "opsdeck logs: --limit-memory: a number "
					"of bytes, at least 4096: %s\n", v);
			return -1;
		}
		L->cap = (size_t)n;
	}
	return 2;
}

static void flush_now(struct loop *l, void *arg)
{
	(void)l;
	struct logs_cli *L = arg;
	L->flush = NULL;
	fflush(stdout);
}

static void print_line(struct logs_cli *L, const char *prefix,
		       const char *text, size_t len, unsigned flags)
{
	buf_clear(&L->line);
	if (prefix && !(flags & LOGLINE_CONT)) {
		buf_printf(&L->line, "[");
		sanitize_append(&L->line, prefix, strlen(prefix), 0);
		buf_puts(&L->line, "] ");
	}
	sanitize_append(&L->line, text, len, SAN_KEEP_TAB);
	if (!(flags & LOGLINE_CUT))
		buf_putc(&L->line, '\n');
	fwrite(L->line.data, 1, L->line.len, stdout);
	if (!L->flush)
		L->flush = loop_timer_add(L->k.loop, 0, flush_now, L);
}

/* ---- one pod ---------------------------------------------------------- */

static void on_line(void *arg, const char *line, size_t len, unsigned flags)
{
	print_line(arg, NULL, line, len, flags);
}

static void on_end(void *arg, const struct kube_response *r)
{
	struct logs_cli *L = arg;
	L->stream = NULL;
	if (r->code != ST_OK)
		kubecli_fail(&L->k, L->c, r->code, r->message);
	loop_quit(L->k.loop, L->k.exit_code);
}

static void on_pod(struct kube_client *c, const struct kube_response *r,
		   void *arg)
{
	struct logs_cli *L = arg;
	if (r->code != ST_OK) {
		kubecli_fail(&L->k, c, r->code, r->message);
		loop_quit(L->k.loop, L->k.exit_code);
		return;
	}
	/* kubectl's choice: the default-container annotation, else the
	 * first container (saying so when there are several) */
	json_t *spec_c = json_object_get(json_object_get(r->json, "spec"),
					 "containers");
	const char *def = json_string_value(json_object_get(
		json_object_get(json_object_get(r->json, "metadata"),
				"annotations"),
		"kubectl.kubernetes.io/default-container"));
	const char *first = json_string_value(
		json_object_get(json_array_get(spec_c, 0), "name"));
	if (!def && json_array_size(spec_c) > 1 && first) {
		struct buf all = BUF_INIT;
		for (size_t i = 0; i < json_array_size(spec_c); i++) {
			const char *n = json_string_value(json_object_get(
				json_array_get(spec_c, i), "name"));
			if (i)
				buf_puts(&all, ", ");
			buf_puts(&all, n ? n : "?");
		}
		char *safe = sanitize_dup(buf_str(&all), 0);
		char *sfirst = sanitize_dup(first, 0);
		fprintf(stderr, "Defaulted container \"%s\" out of: %s\n",
			sfirst, safe);
		free(safe);
		free(sfirst);
		buf_free(&all);
	}
	char *container = xstrdup(def ? def : first ? first : "");
	L->o.container = container;
	L->stream = kube_log_open(c, kubecli_namespace(&L->k, c), L->pod,
				  &L->o, on_line, on_end, L);
	L->o.container = NULL;
	free(container);
}

/* ---- many pods ---------------------------------------------------------- */

static void print_group(struct logs_cli *L)
{
	struct logbuf *b = kube_log_group_buf(L->group);
	if (L->printed < logbuf_first(b))
		L->printed = logbuf_first(b);
	struct log_line ln;
	for (; L->printed < logbuf_end(b); L->printed++)
		if (logbuf_get(b, L->printed, &ln))
			print_line(L, kube_log_group_source(L->group, ln.source),
				   ln.text, ln.len, ln.flags);
}

static void maybe_done(struct logs_cli *L)
{
	if (!L->o.follow && L->synced &&
	    !kube_log_group_running(L->group))
		loop_quit(L->k.loop, L->k.exit_code);
}

static void on_lines(void *arg)
{
	print_group(arg);
}

static void on_source(void *arg, uint32_t source, bool running,
		      const char *message)
{
	struct logs_cli *L = arg;
	if (!running && message)
		fprintf(stderr, "opsdeck logs: %s: %s\n",
			kube_log_group_source(L->group, source), message);
	maybe_done(L);
}

static void on_pods_synced(void *arg)
{
	struct logs_cli *L = arg;
	L->synced = true;
	if (!kube_watch_count(L->pods))
		fprintf(stderr, "No resources found.\n");
	maybe_done(L);
}

static void on_pods_error(void *arg, const char *message)
{
	struct logs_cli *L = arg;
	if (L->synced) {
		fprintf(stderr, "opsdeck logs: %s (retrying)\n", message);
		return;
	}
	kubecli_fail(&L->k, L->c, ST_ERR_NET, message);
	loop_quit(L->k.loop, L->k.exit_code);
}

int cli_logs(int argc, char **argv)
{
	struct logs_cli L = {.o = {.tail_lines = -2}};
	struct vec pos = VEC_INIT;
	int rc = kubecli_parse(&L.k, argc, argv, extra, &L, &pos, usage);
	bool scoped = L.p.env || L.p.service || L.p.tenant || L.p.repo_spec;
	if (rc == CLI_OK && scoped) {
		if (pos.len || !L.p.service) {
			fprintf(stderr, "opsdeck logs: with --env give --service "
					"(and --pod), not a POD argument\n"
					"usage: %s\n", usage);
			rc = CLI_USAGE;
		}
		if (rc == CLI_OK)
			rc = platform_scope(&L.p, &L.k);
		if (rc == CLI_OK && L.p.cells.len != 1) {
			fprintf(stderr, "opsdeck logs: %s is tenanted: say "
					"which tenant with --tenant\n",
				L.p.s->name);
			rc = CLI_USAGE;
		}
		if (rc == CLI_OK && L.pod_opt)
			L.pod = L.pod_opt;
	} else if (rc == CLI_OK && L.pod_opt) {
		fprintf(stderr, "opsdeck logs: --pod goes with --env and "
				"--service\n");
		rc = CLI_USAGE;
	} else if (rc == CLI_OK) {
		if (L.k.selector ? pos.len != 0 : pos.len != 1) {
			fprintf(stderr, "opsdeck logs: give one POD or -l "
					"SELECTOR\nusage: %s\n", usage);
			rc = CLI_USAGE;
		} else if (L.k.all_contexts || L.k.contexts.len > 1 ||
			   L.k.all_namespaces) {
			fprintf(stderr, "opsdeck logs: one context and one "
					"namespace at a time\n");
			rc = CLI_USAGE;
		}
	}
	if (rc == CLI_OK && !scoped && !L.k.selector)
		L.pod = pos.items[0];
	vec_free(&pos, NULL);
	/* kubectl: all lines of one pod, 10 per pod of a selector */
	if (L.o.tail_lines == -2)
		L.o.tail_lines = L.pod ? -1 : 10;
	if (rc == CLI_OK)
		rc = kubecli_connect(&L.k, NULL);
	if (rc == CLI_OK && scoped && !L.pod) {
		rc = platform_selector(&L.p, &L.k, &L.selector);
		L.k.selector = buf_str(&L.selector);
	}
	if (rc != CLI_OK) {
		kubecli_free(&L.k);
		platform_free(&L.p);
		buf_free(&L.selector);
		return rc;
	}
	L.c = L.k.clients.items[0];
	const char *ns = kubecli_namespace(&L.k, L.c);
	if (L.pod && L.o.container) {
		L.stream = kube_log_open(L.c, ns, L.pod, &L.o, on_line, on_end,
					 &L);
	} else if (L.pod) {
		struct buf path = BUF_INIT;
		kube_kind_path(&path, KUBE_POD, ns);
		buf_putc(&path, '/');
		kube_query_escape(&path, L.pod);
		kube_get(L.c, buf_str(&path), on_pod, &L);
		buf_free(&path);
	} else {
		struct kube_watch_spec spec = {KUBE_POD, ns, L.k.selector,
					       NULL};
		struct kube_watch_ops wops = {.synced = on_pods_synced,
					      .error = on_pods_error};
		L.pods = kube_watch(L.c, &spec, &wops, &L);
		struct kube_log_group_ops gops = {on_lines, on_source};
		L.group = kube_log_group_new(L.pods, &L.o, L.cap, &gops, &L);
	}
	rc = loop_run(L.k.loop);
	fflush(stdout);
	kube_log_close(L.stream);
	kube_log_group_free(L.group);
	kube_unwatch(L.pods);
	loop_timer_cancel(L.flush);
	buf_free(&L.line);
	kubecli_free(&L.k);
	platform_free(&L.p);
	buf_free(&L.selector);
	return rc;
}
