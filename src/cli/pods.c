/*
 * `opsdeck pods`: pods of one or more contexts as kubectl shows them
 * (READY, STATUS, RESTARTS, AGE) plus node and IP; -w keeps printing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "base/buf.h"
#include "base/mem.h"
#include "base/str.h"
#include "cli/platform.h"

static const char usage[] =
	"opsdeck pods [--context C ... | --all-contexts] [-n NS | -A] "
	"[-l SELECTOR] [--json] [-w]\n"
	"       opsdeck pods --env E [--service S] [--tenant T] "
	"[--repo PATH|URL] [--json] [-w]";

static int extra(struct kubecli *k, int argc, char **argv, void *arg)
{
	return platform_option(arg, k->cmd, argc, argv);
}

static void pod_cells(const struct kube_obj *o, char **cells)
{
	const struct kube_pod *p = &o->u.pod;
	struct buf status = BUF_INIT, age = BUF_INIT;
	kobj_pod_status(&status, o);
	kube_format_age(&age, o->created ? (int64_t)time(NULL) - o->created
					  : 0);
	cells[0] = xstrdup(o->name);
	cells[1] = str_printf("%d/%d", (int)p->ready_count, (int)p->total);
	cells[2] = buf_detach(&status);
	cells[3] = str_printf("%d", (int)p->restarts);
	cells[4] = o->created ? buf_detach(&age) : xstrdup("<unknown>");
	cells[5] = xstrdup(*p->node ? p->node : "<none>");
	cells[6] = xstrdup(*p->ip ? p->ip : "<none>");
	buf_free(&age);
}

int cli_pods(int argc, char **argv)
{
	struct kubecli k = {0};
	struct platform p = {0};
	struct vec pos = VEC_INIT;
	int rc = kubecli_parse(&k, argc, argv, extra, &p, &pos, usage);
	if (rc == CLI_OK && pos.len) {
		fprintf(stderr, "opsdeck pods: unexpected argument %s\nusage: %s\n",
			(const char *)pos.items[0], usage);
		rc = CLI_USAGE;
	}
	vec_free(&pos, NULL);
	if (rc == CLI_OK)
		rc = platform_scope(&p, &k);
	if (rc == CLI_OK)
		rc = kubecli_connect(&k, NULL);
	if (rc == CLI_OK) {
		static const struct listing_ops ops = {
			.kind = KUBE_POD,
			.ncols = 7,
			.headers = {"NAME", "READY", "STATUS", ">RESTARTS",
				    "AGE", "NODE", "IP"},
			.cells = pod_cells,
		};
		rc = listing_run(&k, &ops);
	}
	kubecli_free(&k);
	platform_free(&p);
	return rc;
}
