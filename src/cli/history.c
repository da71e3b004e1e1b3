/*
 * `opsdeck history`: the releases of one cell, or of every cell of an
 * environment, newest first — version change, who made it, who merged and
 * approved it, when, and the commit. Read from Git only; no cluster is
 * asked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/mem.h"
#include "base/str.h"
#include "cli/platform.h"
#include "model/releases.h"

struct history_cli {
	struct platform p;
	long since; /* seconds back, 0 = no limit */
	long limit; /* per cell, 0 = all */
};

static const char usage[] =
	"opsdeck history --env E [--service S] [--tenant T] [--since DUR] "
	"[--limit N] [--repo PATH|URL] [--branch B] [--json]";

static int extra(struct kubecli *k, int argc, char **argv, void *arg)
{
	struct history_cli *h = arg;
	int used = platform_option(&h->p, k->cmd, argc, argv);
	if (used)
		return used;
	const char *a = argv[0], *v = argc > 1 ? argv[1] : NULL;
	if (strcmp(a, "--since") && strcmp(a, "--limit"))
		return 0;
	if (!v) {
		fprintf(stderr, "opsdeck history: %s needs a value\n", a);
		return -1;
	}
	if (!strcmp(a, "--since") && (!str_parse_duration(v, &h->since) ||
				       !h->since)) {
		fprintf(stderr, "opsdeck history: --since: not a duration "
				"(like 12h, 30d, 2h30m): %s\n", v);
		return -1;
	}
	if (!strcmp(a, "--limit") && !str_to_long(v, 1, 1000000, &h->limit)) {
		fprintf(stderr, "opsdeck history: --limit: a number from 1: "
				"%s\n", v);
		return -1;
	}
	return 2;
}

static char *trailer_names(const struct release *r, const char *key)
{
	/* "Name <mail>" -> "Name", several joined by ", " */
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < r->trailers.len; i++) {
		const struct repo_trailer *t = r->trailers.items[i];
		if (strcasecmp(t->key, key))
			continue;
		const char *lt = strchr(t->value, '<');
		size_t n = lt ? (size_t)(lt - t->value) : strlen(t->value);
		while (n && t->value[n - 1] == ' ')
			n--;
		if (b.len)
			buf_puts(&b, ", ");
		buf_append(&b, t->value, n);
	}
	return buf_detach(&b);
}

int cli_history(int argc, char **argv)
{
	struct history_cli h = {0};
	struct kubecli k = {0};
	struct vec pos = VEC_INIT, cells = VEC_INIT, rels = VEC_INIT;
	int rc = kubecli_parse(&k, argc, argv, extra, &h, &pos, usage);
	if (rc == CLI_OK && (pos.len || k.contexts.len || k.watch)) {
		fprintf(stderr, "opsdeck history: unexpected arguments\n"
				"usage: %s\n", usage);
		rc = CLI_USAGE;
	}
	if (rc == CLI_OK && !h.p.env) {
		fprintf(stderr, "opsdeck history: --env is needed\nusage: %s\n",
			usage);
		rc = CLI_USAGE;
	}
	if (rc == CLI_OK)
		rc = platform_open(&h.p, k.cmd, false);
	if (rc == CLI_OK) {
		platform_cells(&h.p, &cells);
		struct release_query q = {
			.since = h.since ? (int64_t)time(NULL) - h.since : 0,
			.limit = (size_t)h.limit,
		};
		struct err e;
		if (releases_find(h.p.repo, &h.p.tip.commit, &cells, &q, &rels,
				  NULL, &e) != ST_OK) {
			fprintf(stderr, "opsdeck history: %s\n", e.msg);
			rc = CLI_UNREACHABLE;
		}
	}
	if (rc == CLI_OK && k.json) {
		json_t *a = json_array();
		for (size_t i = 0; i < rels.len; i++)
			json_array_append_new(a, release_to_json(rels.items[i]));
		json_print_line(a, stdout);
		json_decref(a);
	} else if (rc == CLI_OK) {
		static const char *const headers[] = {
			"DATE",	     "CELL",	    "FROM",    "TO",
			"AUTHOR",    "MERGED BY",   "APPROVED BY", "COMMIT",
			"MESSAGE",
		};
		struct table t;
		table_init(&t, headers, 9);
		for (size_t i = 0; i < rels.len; i++) {
			const struct release *r = rels.items[i];
			struct buf when = BUF_INIT;
			kube_format_time(&when, r->time);
			when.data[10 < when.len ? 10 : when.len] = '\0';
			char *approved = trailer_names(r, "Approved-by");
			char commit[9];
			str_copy(commit, sizeof commit, r->hex);
			const char *row[] = {
				buf_str(&when),
				r->cell->key,
				r->old_version ? r->old_version : "-",
				r->new_version ? r->new_version : "-",
				r->author,
				r->merged_by ? r->merged_by : "",
				approved,
				commit,
				r->summary,
			};
			table_add(&t, row);
			free(approved);
			buf_free(&when);
		}
		table_print(&t, stdout);
		table_free(&t);
		if (!rels.len)
			fprintf(stderr, "opsdeck history: no releases%s\n",
				h.since ? " in that time" : "");
	}
	vec_free(&rels, release_free);
	vec_free(&cells, NULL);
	vec_free(&pos, NULL);
	kubecli_free(&k);
	platform_free(&h.p);
	return rc;
}
