/*
 * Shared plumbing of the cluster subcommands (see kubecli.h).
 */
#include "cli/kubecli.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/sanitize.h"
#include "base/str.h"
#include "kube/kubeconfig.h"

static const char common_help[] =
	"common options:\n"
	"  --kubeconfig FILE   read this kubeconfig only\n"
	"  --context NAME      a kubeconfig context (repeat for several)\n"
	"  --all-contexts      every context of the kubeconfig\n"
	"  -n, --namespace NS  the namespace (default: the context's)\n"
	"  -A, --all-namespaces\n"
	"  -l, --selector SEL  label selector\n"
	"  --json              JSON instead of a table (see docs/cli-json.md)\n"
	"  -w, --watch         keep printing changes as they happen\n";

static int usage_error(const char *cmd, const char *usage, const char *fmt,
		       const char *what)
{
	fprintf(stderr, "opsdeck %s: ", cmd);
	fprintf(stderr, fmt, what);
	fprintf(stderr, "\nusage: %s\n", usage);
	return CLI_USAGE;
}

int kubecli_parse(struct kubecli *k, int argc, char **argv,
		  int (*extra)(struct kubecli *k, int argc, char **argv,
			       void *arg),
		  void *arg, struct vec *pos, const char *usage)
{
	k->cmd = argv[0];
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *next = i + 1 < argc ? argv[i + 1] : NULL;
#define VALUE()                                                              \
	do {                                                                 \
		if (!next)                                                   \
			return usage_error(k->cmd, usage,                    \
					   "%s needs a value", a);           \
		i++;                                                         \
	} while (0)
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			printf("usage: %s\n\n%s", usage, common_help);
			exit(CLI_OK);
		} else if (!strcmp(a, "--kubeconfig")) {
			VALUE();
			k->kubeconfig = next;
		} else if (!strcmp(a, "--context")) {
			VALUE();
			vec_push(&k->contexts, (void *)next);
		} else if (!strcmp(a, "--all-contexts")) {
			k->all_contexts = true;
		} else if (!strcmp(a, "-n") || !strcmp(a, "--namespace")) {
			VALUE();
			k->namespace_ = next;
		} else if (!strcmp(a, "-A") || !strcmp(a, "--all-namespaces")) {
			k->all_namespaces = true;
		} else if (!strcmp(a, "-l") || !strcmp(a, "--selector")) {
			VALUE();
			k->selector = next;
		} else if (!strcmp(a, "--json")) {
			k->json = true;
		} else if (!strcmp(a, "-w") || !strcmp(a, "--watch")) {
			k->watch = true;
		} else if (!strcmp(a, "--")) {
			for (i++; i < argc; i++)
				vec_push(pos, argv[i]);
		} else if (a[0] == '-' && a[1]) {
			int used = extra ? extra(k, argc - i, argv + i, arg) : 0;
			if (used < 0)
				return CLI_USAGE;
			if (!used)
				return usage_error(k->cmd, usage,
						   "unknown option %s", a);
			i += used - 1;
		} else {
			vec_push(pos, (void *)a);
		}
#undef VALUE
	}
	if (k->all_contexts && k->contexts.len)
		return usage_error(k->cmd, usage, "%s",
				   "--context and --all-contexts exclude each "
				   "other");
	if (k->all_namespaces && k->namespace_)
		return usage_error(k->cmd, usage, "%s",
				   "-n and -A exclude each other");
	return CLI_OK;
}

static void on_stop_signal(struct loop *l, int signo, void *arg)
{
	(void)signo;
	(void)arg;
	loop_quit(l, CLI_OK);
}

int kubecli_connect(struct kubecli *k, const struct kube_settings *s)
{
	struct kubeconfig *kc = NULL;
	struct err e;
	if (kubeconfig_load(k->kubeconfig, &kc, &e) != ST_OK) {
		fprintf(stderr, "opsdeck %s: %s\n", k->cmd, e.msg);
		return CLI_USAGE;
	}
	const char **names = NULL;
	size_t n = kubeconfig_contexts(kc, &names);
	struct vec want = VEC_INIT;
	if (k->all_contexts) {
		for (size_t i = 0; i < n; i++)
			vec_push(&want, (void *)names[i]);
	} else if (k->contexts.len) {
		for (size_t i = 0; i < k->contexts.len; i++)
			vec_push(&want, k->contexts.items[i]);
	} else {
		vec_push(&want, NULL); /* current-context */
	}
	if (!want.len) {
		fprintf(stderr, "opsdeck %s: the kubeconfig has no contexts\n",
			k->cmd);
		kubeconfig_free(kc);
		return CLI_USAGE;
	}
	k->loop = loop_new();
	loop_signal(k->loop, SIGINT, on_stop_signal, NULL);
	loop_signal(k->loop, SIGTERM, on_stop_signal, NULL);
	loop_signal(k->loop, SIGHUP, on_stop_signal, NULL);
	signal(SIGPIPE, SIG_IGN);
	int rc = CLI_OK;
	for (size_t i = 0; i < want.len; i++) {
		struct kube_target *t = NULL;
		if (kubeconfig_resolve(kc, want.items[i], &t, &e) != ST_OK) {
			fprintf(stderr, "opsdeck %s: %s\n", k->cmd, e.msg);
			rc = CLI_USAGE;
			break;
		}
		vec_push(&k->clients, kube_client_new(k->loop, t, s));
	}
	vec_free(&want, NULL);
	kubeconfig_free(kc);
	return rc;
}

void kubecli_free(struct kubecli *k)
{
	for (size_t i = 0; i < k->clients.len; i++)
		kube_client_free(k->clients.items[i]);
	vec_free(&k->clients, NULL);
	vec_free(&k->contexts, NULL);
	loop_free(k->loop);
}

const char *kubecli_namespace(const struct kubecli *k,
			      const struct kube_client *c)
{
	if (k->all_namespaces)
		return "";
	if (k->namespace_)
		return k->namespace_;
	return kube_client_target(c)->namespace_;
}

bool kubecli_many(const struct kubecli *k)
{
	return k->clients.len > 1;
}

int kubecli_exit_for(enum status code)
{
	switch (code) {
	case ST_OK:
		return CLI_OK;
	case ST_ERR_NET:
	case ST_ERR_TIMEOUT:
		return CLI_UNREACHABLE;
	default:
		return CLI_USAGE;
	}
}

void kubecli_fail(struct kubecli *k, const struct kube_client *c,
		  enum status code, const char *message)
{
	struct buf b = BUF_INIT;
	sanitize_append(&b, message, strlen(message), 0);
	fprintf(stderr, "opsdeck %s: %s: %s\n", k->cmd,
		kube_client_context(c), buf_str(&b));
	buf_free(&b);
	int x = kubecli_exit_for(code);
	/* unreachable outranks the rest: it is what a script retries on */
	if (x == CLI_UNREACHABLE || (x > k->exit_code &&
				     k->exit_code != CLI_UNREACHABLE))
		k->exit_code = x;
}

static void on_state(struct kube_client *c, void *arg)
{
	(void)arg;
	const struct kube_conn_state *s = kube_client_state(c);
	fprintf(stderr, "opsdeck: %s: %s", kube_client_context(c),
		kube_conn_name(s->state));
	if (s->state == KUBE_CONN_RECONNECTING || s->state == KUBE_CONN_DOWN) {
		fprintf(stderr, " (attempt %d", s->attempt);
		if (s->next_try_ms) {
			uint64_t now = loop_now_ms();
			double in = s->next_try_ms > now
					    ? (double)(s->next_try_ms - now) /
						      1000.0
					    : 0;
			fprintf(stderr, ", next try in %.1fs", in);
		}
		fprintf(stderr, "): %s", s->error);
	}
	fputc('\n', stderr);
}

void kubecli_report_state(struct kubecli *k)
{
	for (size_t i = 0; i < k->clients.len; i++)
		kube_client_on_state(k->clients.items[i], on_state, k);
}

/* ---- output ------------------------------------------------------------- */

static size_t display_width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		w += ((unsigned char)*s & 0xC0) != 0x80;
	return w;
}

void table_init(struct table *t, const char *const *headers, size_t ncols)
{
	memset(t, 0, sizeof *t);
	t->ncols = ncols;
	t->width = xcalloc(ncols, sizeof *t->width);
	t->right = xcalloc(ncols, sizeof *t->right);
	const char *h[16];
	for (size_t i = 0; i < ncols && i < 16; i++) {
		t->right[i] = headers[i][0] == '>';
		h[i] = headers[i] + t->right[i];
	}
	table_add(t, h);
}

void table_add(struct table *t, const char *const *cells)
{
	for (size_t i = 0; i < t->ncols; i++) {
		char *c = sanitize_dup(cells[i] ? cells[i] : "", 0);
		size_t w = display_width(c);
		if (w > t->width[i])
			t->width[i] = w;
		vec_push(&t->cells, c);
	}
}

static void print_cells(const struct table *t, char *const *cells, FILE *out)
{
	for (size_t i = 0; i < t->ncols; i++) {
		size_t pad = t->width[i] - display_width(cells[i]);
		bool last = i + 1 == t->ncols;
		if (t->right[i])
			fprintf(out, "%*s", (int)pad, "");
		fputs(cells[i], out);
		if (!last && !t->right[i])
			fprintf(out, "%*s", (int)pad, "");
		if (!last)
			fputs("   ", out);
	}
	fputc('\n', out);
}

void table_print(const struct table *t, FILE *out)
{
	for (size_t r = 0; r * t->ncols < t->cells.len; r++)
		print_cells(t, (char *const *)t->cells.items + r * t->ncols,
			    out);
}

void table_print_row(struct table *t, const char *const *cells, FILE *out)
{
	size_t first = t->cells.len;
	table_add(t, cells);
	print_cells(t, (char *const *)t->cells.items + first, out);
	for (size_t i = 0; i < t->ncols; i++)
		free(vec_pop(&t->cells));
	fflush(out);
}

void table_free(struct table *t)
{
	vec_free(&t->cells, free);
	free(t->width);
	free(t->right);
}

void json_print_line(const json_t *j, FILE *out)
{
	json_dumpf(j, out, JSON_COMPACT | JSON_ENSURE_ASCII);
	fputc('\n', out);
	fflush(out);
}
