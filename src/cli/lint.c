/*
 * `opsdeck lint`: validate the config repo at the branch's commit —
 * opsdeck.yaml, every cell's version files, the runbooks folder and the
 * policy file — and print every problem as file:line:col: message. Exit 1
 * when there is any, 2 when the repo cannot be read.
 */
#include <stdio.h>
#include <string.h>

#include "cli/platform.h"
#include "runbook/catalog.h"

static const char usage[] = "opsdeck lint [--repo PATH|URL] [--branch B]";

static int extra(struct kubecli *k, int argc, char **argv, void *arg)
{
	return platform_option(arg, k->cmd, argc, argv);
}

int cli_lint(int argc, char **argv)
{
	struct platform p = {0};
	struct kubecli k = {0};
	struct vec pos = VEC_INIT;
	int rc = kubecli_parse(&k, argc, argv, extra, &p, &pos, usage);
	if (rc == CLI_OK && (pos.len || p.env || p.service || p.tenant ||
			     k.contexts.len || k.json || k.watch)) {
		fprintf(stderr, "opsdeck lint: unexpected arguments\nusage: "
				"%s\n", usage);
		rc = CLI_USAGE;
	}
	if (rc == CLI_OK) {
		rc = platform_open(&p, k.cmd, true);
		if (rc == CLI_USAGE && p.model_broken)
			rc = CLI_BAD_NEWS;
	}
	if (rc == CLI_OK) {
		struct model *m = p.model;
		size_t problems = 0;
		for (const char *s = buf_str(&p.problems); *s; s++)
			problems += *s == '\n';
		fputs(buf_str(&p.problems), stdout);
		/* The runbooks and the policy at the same commit. */
		struct catalog *cat = NULL;
		struct buf cp = BUF_INIT;
		struct err e = {ST_OK, ""};
		enum status st = catalog_load(p.repo, &p.tip.commit, m, &cat,
					      &cp, &e);
		fputs(buf_str(&cp), stdout);
		for (const char *s = buf_str(&cp); *s; s++)
			problems += *s == '\n';
		if (st != ST_OK && st != ST_ERR_PARSE) {
			printf("%s: runbooks: %s\n", p.tip.ref, e.msg);
			problems++;
		}
		size_t nrunbooks = cat ? cat->runbooks.len : 0;
		catalog_free(cat);
		buf_free(&cp);
		struct buf dir = BUF_INIT;
		buf_append(&dir, m->runbooks, strlen(m->runbooks) - 1);
		if (!repo_path_exists(p.repo, &p.tip.commit, buf_str(&dir)))
			fprintf(stderr,
				"opsdeck lint: note: no runbooks folder "
				"(%s) in the repo\n",
				m->runbooks);
		buf_free(&dir);
		if (problems) {
			fprintf(stderr, "opsdeck lint: %zu problem%s\n",
				problems, problems == 1 ? "" : "s");
			rc = CLI_BAD_NEWS;
		} else
			printf("%s at %.12s: %zu environments, %zu tenants, "
			       "%zu services, %zu cells, %zu runbook%s; every "
			       "desired version found\n",
			       p.tip.ref, p.tip.hex, m->envs.len,
			       m->tenants.len, m->services.len, m->cells.len,
			       nrunbooks, nrunbooks == 1 ? "" : "s");
	}
	vec_free(&pos, NULL);
	kubecli_free(&k);
	platform_free(&p);
	return rc;
}
