/*
 * `opsdeck diff`: what differs for one service, as unified diffs of the
 * files that define its cells.
 *
 *   --against-env E2   this environment's files against E2's, both at the
 *                      branch's commit (staging against production)
 *   --from REV [--to REV]
 *                      the cell's files between two revisions (a release
 *                      against its parent: --from ID^ --to ID)
 *
 * A first line says which versions are compared. File contents come from
 * the repo, so every line is sanitised before it reaches the terminal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/sanitize.h"
#include "base/str.h"
#include "cli/platform.h"
#include "model/load.h"

struct diff_cli {
	struct platform p;
	const char *against;
	const char *from, *to;
	long context;
};

static const char usage[] =
	"opsdeck diff --service S --env E [--tenant T] (--against-env E2 | "
	"--from REV [--to REV]) [--context N] [--repo PATH|URL] [--branch B]";

static int extra(struct kubecli *k, int argc, char **argv, void *arg)
{
	struct diff_cli *d = arg;
	int used = platform_option(&d->p, k->cmd, argc, argv);
	if (used)
		return used;
	const char *a = argv[0], *v = argc > 1 ? argv[1] : NULL;
	const char **slot = !strcmp(a, "--against-env") ? &d->against
			    : !strcmp(a, "--from")	    ? &d->from
			    : !strcmp(a, "--to")	    ? &d->to
							    : NULL;
	if (!slot && strcmp(a, "--context"))
		return 0;
	if (!v) {
		fprintf(stderr, "opsdeck diff: %s needs a value\n", a);
		return -1;
	}
	if (slot)
		*slot = v;
	else if (!str_to_long(v, 0, 10000, &d->context)) {
		fprintf(stderr, "opsdeck diff: --context: a number: %s\n", v);
		return -1;
	}
	return 2;
}

static void print_sanitised(const struct buf *b)
{
	struct buf out = BUF_INIT;
	sanitize_append(&out, buf_str(b), b->len, SAN_KEEP_TAB | SAN_KEEP_NL);
	fputs(buf_str(&out), stdout);
	buf_free(&out);
}

static int against_env(struct diff_cli *d, const struct model_cell *a)
{
	struct platform *p = &d->p;
	struct model_env *e2 = model_env(p->model, d->against);
	if (!e2) {
		fprintf(stderr, "opsdeck diff: no environment '%s'\n",
			d->against);
		return CLI_USAGE;
	}
	const struct model_cell *b = model_cell_of(p->model, p->s, e2, p->t);
	if (!b) {
		fprintf(stderr, "opsdeck diff: %s does not run in %s\n",
			p->s->name, e2->name);
		return CLI_USAGE;
	}
	struct buf out = BUF_INIT;
	struct err e;
	if (model_diff_cells(p->repo, &p->tip.commit, a, b,
			     (unsigned)d->context, &out, &e) != ST_OK) {
		fprintf(stderr, "opsdeck diff: %s\n", e.msg);
		buf_free(&out);
		return CLI_UNREACHABLE;
	}
	print_sanitised(&out);
	buf_free(&out);
	return CLI_OK;
}

static int between(struct diff_cli *d, const struct model_cell *c)
{
	struct platform *p = &d->p;
	git_oid from, to;
	struct err e;
	if (repo_rev(p->repo, d->from, &from, &e) != ST_OK ||
	    (d->to && repo_rev(p->repo, d->to, &to, &e) != ST_OK)) {
		fprintf(stderr, "opsdeck diff: %s\n", e.msg);
		return CLI_USAGE;
	}
	if (!d->to)
		to = p->tip.commit;
	struct buf out = BUF_INIT;
	enum status st = model_diff_revs(p->repo, c, &from, &to,
					 (unsigned)d->context, &out, &e);
	if (st != ST_OK) {
		fprintf(stderr, "opsdeck diff: %s\n", e.msg);
		buf_free(&out);
		return CLI_UNREACHABLE;
	}
	print_sanitised(&out);
	buf_free(&out);
	return CLI_OK;
}

int cli_diff(int argc, char **argv)
{
	struct diff_cli d = {.context = 3};
	struct kubecli k = {0};
	struct vec pos = VEC_INIT, cells = VEC_INIT;
	int rc = kubecli_parse(&k, argc, argv, extra, &d, &pos, usage);
	const char *bad = NULL;
	if (rc == CLI_OK) {
		if (pos.len || k.contexts.len || k.watch || k.json)
			bad = "unexpected arguments";
		else if (!d.p.service || !d.p.env)
			bad = "--service and --env are needed";
		else if (!d.against == !d.from)
			bad = "give either --against-env or --from";
		else if (d.to && !d.from)
			bad = "--to goes with --from";
	}
	if (bad) {
		fprintf(stderr, "opsdeck diff: %s\nusage: %s\n", bad, usage);
		rc = CLI_USAGE;
	}
	if (rc == CLI_OK)
		rc = platform_open(&d.p, k.cmd, true);
	if (rc == CLI_OK) {
		platform_cells(&d.p, &cells);
		if (cells.len != 1) {
			fprintf(stderr, "opsdeck diff: %s is tenanted: say "
					"which tenant with --tenant\n",
				d.p.s->name);
			rc = CLI_USAGE;
		}
	}
	if (rc == CLI_OK)
		rc = d.against ? against_env(&d, cells.items[0])
			       : between(&d, cells.items[0]);
	vec_free(&cells, NULL);
	vec_free(&pos, NULL);
	kubecli_free(&k);
	platform_free(&d.p);
	return rc;
}
