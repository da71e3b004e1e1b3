/*
 * `opsdeck approve RUN-ID [--reject --reason TEXT]`: the second person's
 * side of a `second-person` gate.
 *
 * The run is found in the clusters of the config repo's environments (or
 * --env's). The approver is whoever the run's cluster says they are
 * (SelfSubjectReview); the requester may not decide on their own run.
 * The decision is an object in the cluster, so RBAC decides who may make
 * one at all: a refusal from the cluster is reported as it is.
 * Exit: 0 decided, 1 refused (own run, not waiting, decided already,
 * forbidden), 2 usage, 3 unreachable.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/mem.h"
#include "base/sanitize.h"
#include "base/str.h"
#include "cli/rbcli.h"
#include "kube/identity.h"
#include "runbook/store.h"

static const char usage[] =
	"opsdeck approve RUN-ID [--reject --reason TEXT] [--env E] "
	"[--repo PATH|URL] [--branch B]";

struct opts {
	struct platform p;
	bool reject;
	const char *reason;
};

static int extra(struct kubecli *k, int argc, char **argv, void *arg)
{
	struct opts *o = arg;
	if (!strcmp(argv[0], "--reject")) {
		o->reject = true;
		return 1;
	}
	if (!strcmp(argv[0], "--reason")) {
		if (argc < 2) {
			fprintf(stderr, "opsdeck %s: --reason needs a text\n",
				k->cmd);
			return -1;
		}
		o->reason = argv[1];
		return 2;
	}
	return platform_option(&o->p, k->cmd, argc, argv);
}

struct wait {
	bool done;
	enum status st;
	char *message;
	struct kube_identity id;
	char *user;
	char **groups;
	size_t ngroups;
};

static void whoami_done(void *arg, const struct kube_identity *id,
			const struct kube_response *r)
{
	struct wait *w = arg;
	w->done = true;
	if (!id) {
		w->st = r ? r->code : ST_ERR_NET;
		w->message = xstrdup(r && r->message ? r->message
							: "no answer");
		return;
	}
	w->st = ST_OK;
	w->user = xstrdup(id->username);
	w->groups = xcalloc(id->ngroups + 1, sizeof *w->groups);
	for (size_t i = 0; i < id->ngroups; i++)
		w->groups[i] = xstrdup(id->groups[i]);
	w->ngroups = id->ngroups;
}

static void decided(void *arg, enum status st, const char *message,
		    const json_t *obj)
{
	(void)obj;
	struct wait *w = arg;
	w->done = true;
	w->st = st;
	w->message = xstrdup(message ? message : "");
}

static int decide(struct kubecli *k, struct opts *o, const json_t *rec)
{
	const char *id = json_string_value(json_object_get(rec, "id"));
	const char *ctx = json_string_value(json_object_get(rec, "context"));
	struct kube_client *c = rbcli_client(k, ctx);
	const char *state = store_effective_state(rec, (int64_t)time(NULL));
	if (strcmp(state, "waiting-approval")) {
		fprintf(stderr, "opsdeck approve: run %s is %s; there is "
				"nothing to decide\n",
			id, state);
		return CLI_BAD_NEWS;
	}
	struct wait w = {0};
	kube_whoami(c, whoami_done, &w);
	while (!w.done && !loop_quitting(k->loop))
		loop_run_once(k->loop, 500);
	if (w.st != ST_OK) {
		fprintf(stderr, "opsdeck approve: cannot tell who you are on "
				"%s: %s\n",
			ctx, w.message ? w.message : "interrupted");
		free(w.message);
		return kubecli_exit_for(w.st);
	}
	const char *requester = json_string_value(json_object_get(
		json_object_get(rec, "operator"), "username"));
	int rc = CLI_OK;
	if (str_eq(requester, w.user)) {
		fprintf(stderr, "opsdeck approve: you (%s) requested run %s; "
				"a different person must %s it\n",
			w.user, id, o->reject ? "reject" : "approve");
		rc = CLI_BAD_NEWS;
		goto out;
	}
	rbcli_print_record(rec, stdout);
	struct kube_identity me = {
		.username = w.user,
		.groups = (const char *const *)w.groups,
		.ngroups = w.ngroups,
		.from_server = true,
	};
	struct wait d = {0};
	store_decide(c, id, !o->reject, &me, o->reason, decided, &d);
	while (!d.done && !loop_quitting(k->loop))
		loop_run_once(k->loop, 500);
	if (!d.done) {
		rc = 130;
	} else if (d.st != ST_OK) {
		char *m = sanitize_dup(d.message, 0);
		fprintf(stderr, "opsdeck approve: %s%s\n",
			d.st == ST_ERR_FORBIDDEN ? "the cluster does not let "
						   "you decide: "
						 : "",
			m);
		free(m);
		rc = d.st == ST_ERR_EXISTS || d.st == ST_ERR_FORBIDDEN
			     ? CLI_BAD_NEWS
			     : kubecli_exit_for(d.st);
	} else {
		printf("%s run %s as %s\n", o->reject ? "rejected" : "approved",
		       id, w.user);
	}
	free(d.message);
out:
	free(w.user);
	for (size_t i = 0; i < w.ngroups; i++)
		free(w.groups[i]);
	free(w.groups);
	return rc;
}

int cli_approve(int argc, char **argv)
{
	struct kubecli k = {0};
	struct opts o = {0};
	struct vec pos = VEC_INIT;
	int rc = kubecli_parse(&k, argc, argv, extra, &o, &pos, usage);
	if (rc == CLI_OK && pos.len != 1) {
		fprintf(stderr, "usage: %s\n", usage);
		rc = CLI_USAGE;
	}
	if (rc == CLI_OK && o.reject && (!o.reason || !*str_trim((char *)o.reason))) {
		fprintf(stderr, "opsdeck approve: --reject needs --reason "
				"TEXT (the requester sees it)\n");
		rc = CLI_USAGE;
	}
	if (rc == CLI_OK && o.reason && !o.reject) {
		fprintf(stderr, "opsdeck approve: --reason goes with "
				"--reject\n");
		rc = CLI_USAGE;
	}
	if (rc == CLI_OK)
		rc = platform_open(&o.p, k.cmd, true);
	if (rc == CLI_OK)
		rc = rbcli_connect(&o.p, &k, o.p.e);
	json_t *all = NULL;
	if (rc == CLI_OK) {
		int lrc = rbcli_records(&k, &all);
		const json_t *found = NULL;
		size_t i;
		json_t *rec;
		json_array_foreach(all, i, rec) {
			if (str_eq(json_string_value(json_object_get(rec, "id")),
				   pos.items[0]))
				found = rec;
		}
		if (found) {
			rc = decide(&k, &o, found);
		} else {
			fprintf(stderr, "opsdeck approve: no run %s in the "
					"clusters%s\n",
				(char *)pos.items[0],
				lrc != CLI_OK ? " that answered" : "");
			rc = lrc != CLI_OK ? lrc : CLI_BAD_NEWS;
		}
	}
	json_decref(all);
	vec_free(&pos, NULL);
	kubecli_free(&k);
	platform_free(&o.p);
	return rc;
}
