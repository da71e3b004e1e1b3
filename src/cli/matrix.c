/*
 * `opsdeck matrix` (services × environments, each cell "version health
 * sync") and `opsdeck status` (one cell in detail): the fleet join of the
 * repo's desired versions with the clusters' workloads, listed once.
 *
 * Both start the fleet's watches, walk the history for each cell's last
 * release meanwhile, run the loop until every cluster has listed (or
 * cannot be read), then print. Exit codes: 3 when a cluster could not be
 * read, else with --check 1 when any cell is OutOfSync, Missing or
 * Degraded, else 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/sanitize.h"
#include "base/str.h"
#include "cli/platform.h"
#include "model/fleet.h"
#include "model/releases.h"

#define SETTLE_TIMEOUT_MS 30000

struct matrix_cli {
	struct platform p;
	bool check;
	size_t releases; /* status: how many releases to show */
};

static int extra(struct kubecli *k, int argc, char **argv, void *arg)
{
	struct matrix_cli *m = arg;
	int used = platform_option(&m->p, k->cmd, argc, argv);
	if (used)
		return used;
	if (!strcmp(argv[0], "--check") && !strcmp(k->cmd, "matrix")) {
		m->check = true;
		return 1;
	}
	return 0;
}

/* The cluster options make no sense here: environments name them. */
static int no_cluster_options(const struct kubecli *k, const struct vec *pos,
			      const char *usage)
{
	const char *bad = k->contexts.len     ? "--context"
			  : k->all_contexts   ? "--all-contexts"
			  : k->namespace_     ? "-n"
			  : k->all_namespaces ? "-A"
			  : k->selector	      ? "-l"
			  : k->watch	      ? "-w"
			  : pos->len	      ? (const char *)pos->items[0]
					      : NULL;
	if (!bad)
		return CLI_OK;
	fprintf(stderr, "opsdeck %s: unexpected %s (cells are chosen with "
			"--env, --service and --tenant)\nusage: %s\n",
		k->cmd, bad, usage);
	return CLI_USAGE;
}

/* Start the fleet on the cells' clusters and wait until it has settled;
 * meanwhile find each cell's last `limit` releases. */
static int run_fleet(struct kubecli *k, struct platform *p, struct vec *cells,
		     size_t limit, struct fleet **fleet, struct vec *releases)
{
	platform_contexts(p, k, cells);
	int rc = kubecli_connect(k, NULL);
	if (rc != CLI_OK)
		return rc;
	*fleet = fleet_new(p->model, (struct kube_client *const *)k->clients.items,
			   k->clients.len, NULL, NULL);
	if (limit) {
		struct release_query q = {.limit = limit};
		struct err e;
		if (releases_find(p->repo, &p->tip.commit, cells, &q, releases,
				  NULL, &e) != ST_OK)
			fprintf(stderr, "opsdeck %s: history: %s\n", k->cmd,
				e.msg);
		fleet_set_releases(*fleet, releases);
	}
	uint64_t deadline = loop_now_ms() + SETTLE_TIMEOUT_MS;
	while (!fleet_settled(*fleet) && !loop_quitting(k->loop) &&
	       loop_now_ms() < deadline)
		loop_run_once(k->loop, 200);
	if (loop_quitting(k->loop))
		return 130;
	/* A cluster that could not be read is an unreachable one. */
	for (size_t i = 0; i < cells->len; i++) {
		const struct fleet_cell *fc = fleet_cell(cells->items[i]);
		if (fc->sync == SYNC_UNKNOWN && fc->health == HEALTH_UNKNOWN)
			return CLI_UNREACHABLE;
	}
	return CLI_OK;
}

static const char *short_health(enum health h)
{
	static const char *const names[] = {"ok",   "susp", "prog",
					    "miss", "degr", "?"};
	return names[h];
}

static const char *short_sync(enum sync_state s)
{
	static const char *const names[] = {"synced", "DRIFT", "missing",
					    "unknown"};
	return names[s];
}

static char *cell_text(const struct model_cell *c)
{
	const struct fleet_cell *fc = fleet_cell(c);
	const char *v = fc->live_version ? fc->live_version
		      : fc->sync == SYNC_MISSING ? "-"
						 : "?";
	return str_printf("%s %s %s", v, short_health(fc->health),
			  short_sync(fc->sync));
}

static char *rollup_text(const struct model_service *s,
			 const struct model_env *e)
{
	struct fleet_rollup r;
	fleet_rollup(s, e, &r);
	if (!r.cells)
		return xstrdup("");
	if (r.healthy == r.cells && r.synced == r.cells)
		return str_printf("%s %zu/%zu ok", r.version ? r.version : "mixed",
				  r.healthy, r.cells);
	return str_printf("%s %zu/%zu %s", r.version ? r.version : "mixed",
			  r.healthy, r.cells, short_health(r.worst));
}

static void print_table(const struct platform *p, const struct vec *cells)
{
	const struct model *m = p->model;
	struct vec envs = VEC_INIT;
	for (size_t i = 0; i < m->envs.len; i++)
		if (!p->e || m->envs.items[i] == p->e)
			vec_push(&envs, m->envs.items[i]);
	size_t ncols = envs.len + 1;
	const char **headers = xcalloc(ncols, sizeof *headers);
	char **upper = xcalloc(ncols, sizeof *upper);
	headers[0] = "SERVICE";
	for (size_t i = 0; i < envs.len; i++) {
		const struct model_env *e = envs.items[i];
		upper[i + 1] = xstrdup(e->name);
		for (char *s = upper[i + 1]; *s; s++)
			*s = (char)(*s >= 'a' && *s <= 'z' ? *s - 32 : *s);
		headers[i + 1] = upper[i + 1];
	}
	struct table t;
	table_init(&t, headers, ncols);
	char **row = xcalloc(ncols, sizeof *row);
	for (size_t si = 0; si < m->services.len; si++) {
		const struct model_service *s = m->services.items[si];
		if (p->s && s != p->s)
			continue;
		size_t nrows = s->tenanted ? m->tenants.len : 1;
		/* A tenanted service: a summary row, then one per tenant. */
		if (s->tenanted && !p->t) {
			row[0] = xstrdup(s->name);
			for (size_t ei = 0; ei < envs.len; ei++)
				row[ei + 1] = rollup_text(s, envs.items[ei]);
			table_add(&t, (const char *const *)row);
			for (size_t c = 0; c < ncols; c++)
				free(row[c]);
		}
		for (size_t ti = 0; ti < nrows; ti++) {
			const struct model_tenant *tn =
				s->tenanted ? m->tenants.items[ti] : NULL;
			if (p->t && tn != p->t)
				continue;
			bool any = false;
			for (size_t ei = 0; ei < envs.len; ei++) {
				const struct model_cell *c =
					model_cell_of(m, s, envs.items[ei], tn);
				row[ei + 1] = c ? cell_text(c) : xstrdup("");
				any = any || c;
			}
			/* Tenants indented under their service's summary
			 * row (alone with --tenant: service/tenant). */
			row[0] = !tn ? xstrdup(s->name)
				 : p->t ? str_printf("%s/%s", s->name, tn->name)
					: str_printf("  %s", tn->name);
			if (any)
				table_add(&t, (const char *const *)row);
			for (size_t c = 0; c < ncols; c++)
				free(row[c]);
		}
	}
	table_print(&t, stdout);
	table_free(&t);
	/* What needs attention, in words. */
	struct table d;
	static const char *const dh[] = {"CELL", "SYNC", "HEALTH", "WHY"};
	table_init(&d, dh, 4);
	size_t bad = 0;
	for (size_t i = 0; i < cells->len; i++) {
		const struct model_cell *c = cells->items[i];
		const struct fleet_cell *fc = fleet_cell(c);
		if (!fleet_cell_bad(c) && fc->health == HEALTH_HEALTHY)
			continue;
		const char *cols[] = {c->key, sync_name(fc->sync),
				      health_name(fc->health), fc->reason};
		table_add(&d, cols);
		bad++;
	}
	if (bad) {
		fputc('\n', stdout);
		table_print(&d, stdout);
	}
	table_free(&d);
	for (size_t i = 0; i < ncols; i++)
		free(upper[i]);
	free(upper);
	free(headers);
	free(row);
	vec_free(&envs, NULL);
}

static void print_json(const struct vec *cells)
{
	json_t *a = json_array();
	for (size_t i = 0; i < cells->len; i++)
		json_array_append_new(a, fleet_cell_to_json(cells->items[i]));
	json_print_line(a, stdout);
	json_decref(a);
}

static const char matrix_usage[] =
	"opsdeck matrix [--repo PATH|URL] [--branch B] [--kubeconfig FILE] "
	"[--env E] [--service S] [--tenant T] [--json] [--check]";

int cli_matrix(int argc, char **argv)
{
	struct matrix_cli m = {0};
	struct kubecli k = {0};
	struct vec pos = VEC_INIT, cells = VEC_INIT, releases = VEC_INIT;
	struct fleet *fleet = NULL;
	int rc = kubecli_parse(&k, argc, argv, extra, &m, &pos, matrix_usage);
	if (rc == CLI_OK)
		rc = no_cluster_options(&k, &pos, matrix_usage);
	if (rc == CLI_OK)
		rc = platform_open(&m.p, k.cmd, false);
	if (rc == CLI_OK) {
		platform_cells(&m.p, &cells);
		rc = run_fleet(&k, &m.p, &cells, k.json ? 1 : 0, &fleet,
			       &releases);
	}
	if (fleet) {
		if (k.json)
			print_json(&cells);
		else
			print_table(&m.p, &cells);
		size_t bad = 0;
		for (size_t i = 0; i < cells.len; i++)
			bad += fleet_cell_bad(cells.items[i]);
		if (rc == CLI_OK && m.check && bad) {
			fprintf(stderr, "opsdeck matrix: %zu cell%s out of "
					"sync, missing or degraded\n",
				bad, bad == 1 ? "" : "s");
			rc = CLI_BAD_NEWS;
		}
	}
	fleet_free(fleet);
	vec_free(&releases, release_free);
	vec_free(&cells, NULL);
	vec_free(&pos, NULL);
	kubecli_free(&k);
	platform_free(&m.p);
	return rc;
}

/* ---- status ---------------------------------------------------------------- */

static void line(const char *key, const char *value)
{
	struct buf b = BUF_INIT;
	sanitize_append(&b, value ? value : "", strlen(value ? value : ""), 0);
	printf("%-12s %s\n", key, buf_str(&b));
	buf_free(&b);
}

static void print_status(const struct model_cell *c, const struct vec *rels)
{
	const struct fleet_cell *fc = fleet_cell(c);
	char tmp[256];
	line("Cell:", c->key);
	snprintf(tmp, sizeof tmp, "%s (%s)", c->env->name, c->env->cluster);
	line("Environment:", tmp);
	if (c->tenant) {
		snprintf(tmp, sizeof tmp, "%s (%s)", c->tenant->name,
			 c->tenant->title);
		line("Tenant:", tmp);
	}
	snprintf(tmp, sizeof tmp, "%s %s/%s",
		 kube_kind_resource(c->service->kind), c->namespace_,
		 c->workload);
	line("Workload:", tmp);
	line("Desired:", c->desired.version ? c->desired.version
					    : c->desired.error);
	if (c->desired.source >= 0)
		line("  from:", c->files[c->desired.source]);
	line("Live:", fc->live_version ? fc->live_version : "-");
	if (fc->image)
		line("  image:", fc->image);
	line("Sync:", sync_name(fc->sync));
	line("Health:", health_name(fc->health));
	if (*fc->reason)
		line("  why:", fc->reason);
	snprintf(tmp, sizeof tmp, "%d/%d", (int)fc->ready, (int)fc->desired);
	line("Ready:", tmp);
	if (!rels->len)
		return;
	printf("\nReleases (newest first):\n");
	for (size_t i = 0; i < rels->len; i++) {
		const struct release *r = rels->items[i];
		struct buf when = BUF_INIT;
		kube_format_time(&when, r->time);
		const char *approved = release_trailer(r, "Approved-by");
		snprintf(tmp, sizeof tmp, "  %.10s  %s -> %s  %.8s  %s%s%s%s",
			 buf_str(&when),
			 r->old_version ? r->old_version : "(none)",
			 r->new_version ? r->new_version : "(none)", r->hex,
			 r->author, r->merged_by ? ", merged by " : "",
			 r->merged_by ? r->merged_by : "",
			 approved ? ", approved" : "");
		struct buf b = BUF_INIT;
		sanitize_append(&b, tmp, strlen(tmp), 0);
		printf("%s\n", buf_str(&b));
		buf_free(&b);
		buf_free(&when);
	}
}

static const char status_usage[] =
	"opsdeck status --service S --env E [--tenant T] [--repo PATH|URL] "
	"[--branch B] [--kubeconfig FILE] [--json]";

int cli_status(int argc, char **argv)
{
	struct matrix_cli m = {.releases = 5};
	struct kubecli k = {0};
	struct vec pos = VEC_INIT, cells = VEC_INIT, releases = VEC_INIT;
	struct fleet *fleet = NULL;
	int rc = kubecli_parse(&k, argc, argv, extra, &m, &pos, status_usage);
	if (rc == CLI_OK)
		rc = no_cluster_options(&k, &pos, status_usage);
	if (rc == CLI_OK && (!m.p.service || !m.p.env)) {
		fprintf(stderr, "opsdeck status: --service and --env are "
				"needed\nusage: %s\n",
			status_usage);
		rc = CLI_USAGE;
	}
	if (rc == CLI_OK)
		rc = platform_open(&m.p, k.cmd, false);
	if (rc == CLI_OK) {
		platform_cells(&m.p, &cells);
		if (cells.len != 1) {
			fprintf(stderr,
				"opsdeck status: %s is tenanted: say which "
				"tenant with --tenant\n",
				m.p.s->name);
			rc = CLI_USAGE;
		}
	}
	if (rc == CLI_OK)
		rc = run_fleet(&k, &m.p, &cells, m.releases, &fleet, &releases);
	if (fleet) {
		const struct model_cell *c = cells.items[0];
		if (k.json) {
			json_t *j = fleet_cell_to_json(c);
			json_t *a = json_array();
			for (size_t i = 0; i < releases.len; i++)
				json_array_append_new(
					a, release_to_json(releases.items[i]));
			json_object_set_new(j, "releases", a);
			json_print_line(j, stdout);
			json_decref(j);
		} else
			print_status(c, &releases);
	}
	fleet_free(fleet);
	vec_free(&releases, release_free);
	vec_free(&cells, NULL);
	vec_free(&pos, NULL);
	kubecli_free(&k);
	platform_free(&m.p);
	return rc;
}
