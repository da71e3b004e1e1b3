/*
 * The list-then-watch driver behind `opsdeck pods` and `opsdeck events`.
 *
 * One reflector per context (shared machinery with the console). Until
 * every context has listed or failed nothing is printed; then the objects
 * of all contexts are sorted and printed as one table (or JSON), and with
 * -w each later change is printed as one row (or one JSON line) at once.
 */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/str.h"
#include "cli/kubecli.h"

struct ctxwatch {
	struct listing *ls;
	struct kube_client *c;
	struct kube_watch *w;
	bool done; /* listed, or failed before listing */
	bool failed;
	char last_error[ERR_MSG_MAX];
};

struct listing {
	struct kubecli *k;
	const struct listing_ops *ops;
	struct ctxwatch *cw;
	size_t ncw;
	size_t pending;
	bool streaming;
	struct table t;
	size_t extra; /* EVENT/CONTEXT/NAMESPACE columns before the kind's */
};

static bool listing_keeps(const struct listing *ls, const struct kube_obj *o)
{
	return (!ls->ops->keep || ls->ops->keep(o)) &&
	       (!ls->k->filter || ls->k->filter(ls->k->filter_arg, o));
}

struct row {
	const struct ctxwatch *cw;
	const struct kube_obj *o;
};

static const struct listing_ops *sort_ops;

static int row_cmp(const void *pa, const void *pb)
{
	const struct row *a = *(const struct row *const *)pa;
	const struct row *b = *(const struct row *const *)pb;
	if (a->cw != b->cw)
		return a->cw < b->cw ? -1 : 1;
	if (sort_ops->cmp) {
		int c = sort_ops->cmp(a->o, b->o);
		if (c)
			return c;
	}
	int c = strcmp(a->o->namespace_, b->o->namespace_);
	return c ? c : strcmp(a->o->name, b->o->name);
}

static void fill_cells(struct listing *ls, const struct ctxwatch *cw,
		       const char *event, const struct kube_obj *o,
		       char **cells)
{
	size_t i = 0;
	if (ls->k->watch)
		cells[i++] = xstrdup(event ? event : "");
	if (kubecli_many(ls->k))
		cells[i++] = xstrdup(kube_client_context(cw->c));
	if (ls->k->all_namespaces && kube_kind_namespaced(ls->ops->kind))
		cells[i++] = xstrdup(o->namespace_);
	ls->ops->cells(o, cells + i);
}

static void emit(struct listing *ls, const struct ctxwatch *cw,
		 const char *event, const struct kube_obj *o)
{
	if (ls->k->json) {
		json_t *j = kobj_to_json(o);
		json_object_set_new(j, "context",
				    json_string(kube_client_context(cw->c)));
		if (event) {
			json_t *ev = json_pack("{s:s, s:s, s:o}", "type", event,
					       "context",
					       kube_client_context(cw->c),
					       "object", j);
			json_print_line(ev, stdout);
			json_decref(ev);
		} else {
			json_print_line(j, stdout);
			json_decref(j);
		}
		return;
	}
	size_t n = ls->t.ncols;
	char **cells = xcalloc(n, sizeof *cells);
	fill_cells(ls, cw, event, o, cells);
	if (event)
		table_print_row(&ls->t, (const char *const *)cells, stdout);
	else
		table_add(&ls->t, (const char *const *)cells);
	for (size_t i = 0; i < n; i++)
		free(cells[i]);
	free(cells);
}

static void print_initial(struct listing *ls)
{
	struct vec rows = VEC_INIT;
	for (size_t i = 0; i < ls->ncw; i++) {
		struct ctxwatch *cw = &ls->cw[i];
		if (!cw->w || cw->failed)
			continue;
		size_t pos = 0;
		const struct kube_obj *o;
		while (kube_watch_next(cw->w, &pos, &o)) {
			if (!listing_keeps(ls, o))
				continue;
			struct row *r = xmalloc(sizeof *r);
			r->cw = cw;
			r->o = o;
			vec_push(&rows, r);
		}
	}
	sort_ops = ls->ops;
	vec_sort(&rows, row_cmp);
	bool as_array = ls->k->json && !ls->k->watch;
	if (as_array) {
		/* one object at a time: no tree of the whole answer */
		fputs("[", stdout);
		for (size_t i = 0; i < rows.len; i++) {
			const struct row *r = rows.items[i];
			json_t *j = kobj_to_json(r->o);
			json_object_set_new(
				j, "context",
				json_string(kube_client_context(r->cw->c)));
			fputs(i ? ",\n  " : "\n  ", stdout);
			json_dumpf(j, stdout, JSON_COMPACT | JSON_ENSURE_ASCII);
			json_decref(j);
		}
		fputs(rows.len ? "\n]\n" : "]\n", stdout);
	} else {
		for (size_t i = 0; i < rows.len; i++) {
			const struct row *r = rows.items[i];
			emit(ls, r->cw, ls->k->watch ? "ADDED" : NULL, r->o);
		}
		if (!ls->k->watch && !ls->k->json && rows.len)
			table_print(&ls->t, stdout);
	}
	if (!rows.len && !ls->k->json && ls->k->exit_code == CLI_OK)
		fprintf(stderr, "No resources found.\n");
	fflush(stdout);
	vec_free(&rows, free);
}

static void one_done(struct listing *ls)
{
	if (--ls->pending)
		return;
	print_initial(ls);
	ls->streaming = true;
	if (!ls->k->watch)
		loop_quit(ls->k->loop, ls->k->exit_code);
}

static void on_changed(void *arg, enum watch_type type,
		       const struct kube_obj *old, const struct kube_obj *obj)
{
	(void)old;
	struct ctxwatch *cw = arg;
	struct listing *ls = cw->ls;
	if (!ls->streaming || !ls->k->watch)
		return;
	if (!listing_keeps(ls, obj))
		return;
	emit(ls, cw, watch_type_name(type), obj);
}

static void on_synced(void *arg)
{
	struct ctxwatch *cw = arg;
	cw->last_error[0] = '\0';
	if (cw->done)
		return;
	cw->done = true;
	one_done(cw->ls);
}

static void on_error(void *arg, const char *message)
{
	struct ctxwatch *cw = arg;
	struct listing *ls = cw->ls;
	if (cw->done) {
		/* while watching: say it once per distinct error */
		if (ls->k->watch && strcmp(cw->last_error, message)) {
			str_copy(cw->last_error, sizeof cw->last_error,
				 message);
			fprintf(stderr, "opsdeck %s: %s: %s (retrying)\n",
				ls->k->cmd, kube_client_context(cw->c),
				message);
		}
		return;
	}
	/* The first listing failed. Without -w that is the answer; with -w
	 * the reflector keeps retrying and this context joins when it can. */
	const struct kube_conn_state *st = kube_client_state(cw->c);
	enum status code = st->state == KUBE_CONN_CONNECTED ||
					   st->state == KUBE_CONN_CONNECTING
				   ? ST_ERR_FORBIDDEN
				   : ST_ERR_NET;
	kubecli_fail(ls->k, cw->c, code, message);
	str_copy(cw->last_error, sizeof cw->last_error, message);
	cw->done = true;
	if (!ls->k->watch) {
		cw->failed = true;
		kube_unwatch(cw->w);
		cw->w = NULL;
	}
	one_done(ls);
}

int listing_run(struct kubecli *k, const struct listing_ops *ops)
{
	struct listing ls = {.k = k, .ops = ops};
	const char *headers[LISTING_MAX_COLS + 3];
	size_t n = 0;
	if (k->watch)
		headers[n++] = "EVENT";
	if (kubecli_many(k))
		headers[n++] = "CONTEXT";
	if (k->all_namespaces && kube_kind_namespaced(ops->kind))
		headers[n++] = "NAMESPACE";
	ls.extra = n;
	for (size_t i = 0; i < ops->ncols; i++)
		headers[n++] = ops->headers[i];
	table_init(&ls.t, headers, n);
	if (k->watch && !k->json)
		table_print(&ls.t, stdout); /* the header, widths grow later */

	ls.ncw = k->clients.len;
	ls.cw = xcalloc(ls.ncw, sizeof *ls.cw);
	ls.pending = ls.ncw;
	if (k->watch)
		kubecli_report_state(k);
	struct kube_watch_ops wops = {on_changed, on_synced, on_error};
	for (size_t i = 0; i < ls.ncw; i++) {
		struct ctxwatch *cw = &ls.cw[i];
		cw->ls = &ls;
		cw->c = k->clients.items[i];
		const char *ns = kubecli_namespace(k, cw->c);
		struct kube_watch_spec spec = {ops->kind, ns, k->selector,
					       ops->field_selector};
		cw->w = kube_watch(cw->c, &spec, &wops, cw);
	}
	int rc = loop_run(k->loop);
	if (!k->watch)
		rc = k->exit_code;
	for (size_t i = 0; i < ls.ncw; i++)
		kube_unwatch(ls.cw[i].w);
	free(ls.cw);
	table_free(&ls.t);
	return rc;
}
