/*
 * `opsdeck events`: events of one or more contexts, oldest first so the
 * newest end up next to the prompt (as `kubectl get events` sorted by last
 * time); --warnings keeps only Warning events; -w keeps printing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/mem.h"
#include "base/str.h"
#include "cli/platform.h"

static const char usage[] =
	"opsdeck events [--context C ... | --all-contexts] [-n NS | -A] "
	"[--warnings] [--json] [-w]\n"
	"       opsdeck events --env E [--service S] [--tenant T] "
	"[--repo PATH|URL] [--warnings] [--json] [-w]";

struct events_cli {
	struct platform p;
	bool warnings;
};

static void event_cells(const struct kube_obj *o, char **cells)
{
	const struct kube_event *ev = &o->u.event;
	struct buf age = BUF_INIT;
	int64_t t = ev->last_time ? ev->last_time : o->created;
	if (t)
		kube_format_age(&age, (int64_t)time(NULL) - t);
	else
		buf_puts(&age, "<unknown>");
	cells[0] = buf_detach(&age);
	cells[1] = xstrdup(ev->type);
	cells[2] = xstrdup(ev->reason);
	cells[3] = str_printf("%s/%s", ev->obj_kind, ev->obj_name);
	cells[4] = str_printf("%d", (int)ev->count);
	cells[5] = xstrdup(ev->message);
}

static bool warnings_only(const struct kube_obj *o)
{
	return !strcmp(o->u.event.type, "Warning");
}

static int by_time(const struct kube_obj *a, const struct kube_obj *b)
{
	int64_t ta = a->u.event.last_time, tb = b->u.event.last_time;
	return ta < tb ? -1 : ta > tb;
}

static int extra(struct kubecli *k, int argc, char **argv, void *arg)
{
	struct events_cli *ev = arg;
	if (!strcmp(argv[0], "--warnings")) {
		ev->warnings = true;
		return 1;
	}
	return platform_option(&ev->p, k->cmd, argc, argv);
}

int cli_events(int argc, char **argv)
{
	struct kubecli k = {0};
	struct vec pos = VEC_INIT;
	struct events_cli ev = {0};
	int rc = kubecli_parse(&k, argc, argv, extra, &ev, &pos, usage);
	if (rc == CLI_OK && pos.len) {
		fprintf(stderr,
			"opsdeck events: unexpected argument %s\nusage: %s\n",
			(const char *)pos.items[0], usage);
		rc = CLI_USAGE;
	}
	vec_free(&pos, NULL);
	if (rc == CLI_OK)
		rc = platform_scope(&ev.p, &k);
	if (rc == CLI_OK)
		rc = kubecli_connect(&k, NULL);
	if (rc == CLI_OK) {
		struct listing_ops ops = {
			.kind = KUBE_EVENT,
			.ncols = 6,
			.headers = {"LAST SEEN", "TYPE", "REASON", "OBJECT",
				    ">COUNT", "MESSAGE"},
			.cells = event_cells,
			.keep = ev.warnings ? warnings_only : NULL,
			.cmp = by_time,
		};
		rc = listing_run(&k, &ops);
	}
	kubecli_free(&k);
	platform_free(&ev.p);
	return rc;
}
