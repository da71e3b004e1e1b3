/*
 * Shared parts of the runbook subcommands (rbcli.h).
 *
 * Lines typed by the operator are read on the loop (the run keeps its
 * heartbeat and watches going while a prompt waits), from a terminal or a
 * pipe alike, so `echo production | opsdeck runbook run ...` answers a
 * confirm gate the same way typing does. What is read beyond a line is
 * kept for the next prompt.
 */
#include "cli/rbcli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "base/mem.h"
#include "base/sanitize.h"
#include "base/str.h"
#include "runbook/store.h"

int rbcli_open(struct platform *p, struct kubecli *k, struct catalog **cat)
{
	int rc = platform_open(p, k->cmd, true);
	if (rc != CLI_OK)
		return rc;
	struct buf problems = BUF_INIT;
	struct err e = {0};
	enum status st = catalog_load(p->repo, &p->tip.commit, p->model, cat,
				      &problems, &e);
	if (problems.len) {
		fprintf(stderr, "opsdeck %s: the runbooks at %.12s have "
				"problems (opsdeck lint):\n%s",
			k->cmd, p->tip.hex, buf_str(&problems));
	}
	buf_free(&problems);
	if (st == ST_ERR_PARSE)
		return CLI_USAGE;
	if (st != ST_OK) {
		fprintf(stderr, "opsdeck %s: %s\n", k->cmd, e.msg);
		return CLI_UNREACHABLE;
	}
	return CLI_OK;
}

int rbcli_connect(struct platform *p, struct kubecli *k,
		  const struct model_env *env)
{
	if (!k->kubeconfig)
		k->kubeconfig = p->conf.kubeconfig;
	for (size_t i = 0; i < p->model->envs.len; i++) {
		const struct model_env *e = p->model->envs.items[i];
		if (env && e != env)
			continue;
		bool seen = false;
		for (size_t j = 0; j < k->contexts.len && !seen; j++)
			seen = !strcmp(k->contexts.items[j], e->cluster);
		if (!seen)
			vec_push(&k->contexts, e->cluster);
	}
	return kubecli_connect(k, NULL);
}

struct kube_client *rbcli_client(struct kubecli *k, const char *context)
{
	for (size_t i = 0; i < k->clients.len; i++)
		if (str_eq(kube_client_context(k->clients.items[i]), context))
			return k->clients.items[i];
	return NULL;
}

/* ---- reading lines ----------------------------------------------------- */

static struct buf pending = BUF_INIT;
static bool input_ended;

struct reader {
	bool ready;
};

static void on_input(struct loop *l, int fd, unsigned events, void *arg)
{
	(void)l, (void)events;
	struct reader *rd = arg;
	char chunk[4096];
	ssize_t n = read(fd, chunk, sizeof chunk);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0)
		input_ended = true;
	else
		buf_append(&pending, chunk, (size_t)n);
	rd->ready = true;
}

char *rbcli_read_line(struct kubecli *k, const char *prompt, bool secret)
{
	bool tty = isatty(0);
	struct termios saved;
	bool echo_off = false;
	if (tty && prompt)
		fprintf(stderr, "%s", prompt);
	if (tty && secret && tcgetattr(0, &saved) == 0) {
		struct termios t = saved;
		t.c_lflag &= ~(tcflag_t)ECHO;
		echo_off = tcsetattr(0, TCSAFLUSH, &t) == 0;
	}
	char *line = NULL;
	while (!line) {
		char *nl = pending.len ? memchr(pending.data, '\n', pending.len)
				       : NULL;
		if (nl || (input_ended && pending.len)) {
			size_t n = nl ? (size_t)(nl - pending.data)
				      : pending.len;
			line = xstrndup(pending.data, n);
			buf_consume(&pending, nl ? n + 1 : n);
			if (n && line[n - 1] == '\r')
				line[n - 1] = '\0';
			break;
		}
		if (input_ended || loop_quitting(k->loop))
			break;
		struct reader rd = {false};
		struct loop_fd *h = loop_fd_add(k->loop, 0, LOOP_IN, on_input,
						&rd);
		while (!rd.ready && !loop_quitting(k->loop))
			loop_run_once(k->loop, 500);
		loop_fd_del(h);
	}
	if (echo_off) {
		tcsetattr(0, TCSAFLUSH, &saved);
		fputc('\n', stderr);
	}
	return line;
}

/* ---- records ------------------------------------------------------------- */

static const char *s(const json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));
	return v ? v : "";
}

static void put(FILE *out, const char *label, const char *value)
{
	char *v = sanitize_dup(value, 0);
	fprintf(out, "%-12s %s\n", label, v);
	free(v);
}

void rbcli_print_record(const json_t *rec, FILE *out)
{
	struct buf b = BUF_INIT;
	const char *state = store_effective_state(rec, (int64_t)time(NULL));
	put(out, "run", s(rec, "id"));
	buf_printf(&b, "%s — %s", s(rec, "runbook"), s(rec, "title"));
	put(out, "runbook", buf_str(&b));
	buf_clear(&b);
	buf_printf(&b, "%.12s (%s blob %.12s)", s(rec, "commit"), s(rec, "file"),
		   s(rec, "blob"));
	put(out, "commit", buf_str(&b));
	buf_clear(&b);
	buf_printf(&b, "%s (cluster %s%s%s)", s(rec, "environment"),
		   s(rec, "cluster"), *s(rec, "namespace") ? ", namespace " : "",
		   s(rec, "namespace"));
	put(out, "environment", buf_str(&b));
	if (*s(rec, "service")) {
		buf_clear(&b);
		buf_printf(&b, "%s%s%s", s(rec, "service"),
			   *s(rec, "tenant") ? " / tenant " : "",
			   s(rec, "tenant"));
		put(out, "service", buf_str(&b));
	}
	const json_t *op = json_object_get(rec, "operator");
	put(out, "operator", json_is_object(op) ? s(op, "username") : s(rec, "operator"));
	put(out, "approval", s(rec, "gate"));
	const json_t *ap = json_object_get(rec, "approval");
	if (json_is_object(ap)) {
		buf_clear(&b);
		buf_printf(&b, "%s by %s at %s%s%s", s(ap, "decision"),
			   s(ap, "approver"), s(ap, "time"),
			   *s(ap, "reason") ? ": " : "", s(ap, "reason"));
		put(out, "decision", buf_str(&b));
	}
	if (*s(rec, "onceKey"))
		put(out, "once-key", s(rec, "onceKey"));
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)json_object_get(rec, "variables"), k, v) {
		buf_clear(&b);
		buf_printf(&b, "%s = %s", k,
			   json_is_string(v) ? json_string_value(v) : "?");
		put(out, "variable", buf_str(&b));
	}
	buf_clear(&b);
	buf_printf(&b, "%s%s%s", state, *s(rec, "message") ? ": " : "",
		   s(rec, "message"));
	put(out, "state", buf_str(&b));
	buf_clear(&b);
	buf_printf(&b, "%s%s%s", s(rec, "started"),
		   *s(rec, "ended") ? " → " : "", s(rec, "ended"));
	put(out, "time", buf_str(&b));
	size_t i;
	json_t *st;
	json_array_foreach(json_object_get(rec, "steps"), i, st) {
		buf_clear(&b);
		buf_printf(&b, "%zu. %-10s %s%s%s", i + 1, s(st, "state"),
			   s(st, "summary"), *s(st, "message") ? ": " : "",
			   s(st, "message"));
		put(out, i ? "" : "steps", buf_str(&b));
	}
	buf_free(&b);
}

/* ---- records from every cluster ------------------------------------------ */

struct gather {
	struct kubecli *k;
	struct kube_client *c;
	json_t *all;
	size_t *left;
	int *rc;
};

static void gathered(void *arg, enum status st, const char *message,
		     const json_t *obj)
{
	struct gather *g = arg;
	if (st == ST_OK) {
		size_t i;
		json_t *rec;
		json_array_foreach((json_t *)obj, i, rec) {
			json_object_set_new(rec, "context",
					    json_string(kube_client_context(g->c)));
			json_array_append(g->all, rec);
		}
	} else {
		char *m = sanitize_dup(message, 0);
		fprintf(stderr, "opsdeck %s: %s: %s\n", g->k->cmd,
			kube_client_context(g->c), m);
		free(m);
		int code = kubecli_exit_for(st);
		if (code > *g->rc)
			*g->rc = code;
	}
	(*g->left)--;
	free(g);
}

int rbcli_records(struct kubecli *k, json_t **out)
{
	size_t left = k->clients.len;
	int rc = CLI_OK;
	*out = json_array();
	for (size_t i = 0; i < k->clients.len; i++) {
		struct gather *g = xcalloc(1, sizeof *g);
		*g = (struct gather){k, k->clients.items[i], *out, &left, &rc};
		store_records_list(g->c, gathered, g);
	}
	while (left && !loop_quitting(k->loop))
		loop_run_once(k->loop, 500);
	if (loop_quitting(k->loop))
		return 130;
	return rc;
}
