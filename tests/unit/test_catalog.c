/*
 * Unit tests for src/runbook/catalog.c, on Git repositories built with the
 * git command: the runbooks folder's *.yaml and *.yml files at the commit
 * (README and subfolders ignored), sorted by name, each with its blob id;
 * manifests and scripts read at the same commit; uncommitted edits never
 * read; a broken runbook reported and left out while the others load; a
 * name given by two files (x.yaml and x.yml) leaving both out; no runbooks
 * folder; the policy (absent from opsdeck.yaml, named but missing, broken,
 * good).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_tmp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "base/buf.h"
#include "base/status.h"
#include "base/str.h"
#include "git/repo.h"
#include "model/model.h"
#include "runbook/catalog.h"

static char base[256];

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
	struct buf cmd = BUF_INIT;
	va_list ap;
	buf_puts(&cmd, "( ");
	va_start(ap, fmt);
	buf_vprintf(&cmd, fmt, ap);
	va_end(ap);
	buf_puts(&cmd, " ) >/dev/null 2>&1");
	int rc = system(buf_str(&cmd));
	if (rc == -1 || !WIFEXITED(rc) || WEXITSTATUS(rc) != 0)
		fail_msg("command failed: %s", buf_str(&cmd));
	buf_free(&cmd);
}

static char *sh_out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *sh_out(const char *fmt, ...)
{
	struct buf cmd = BUF_INIT, out = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&cmd, fmt, ap);
	va_end(ap);
	FILE *p = popen(buf_str(&cmd), "r");
	assert_non_null(p);
	char tmp[512];
	size_t n;
	while ((n = fread(tmp, 1, sizeof tmp, p)) > 0)
		buf_append(&out, tmp, n);
	assert_int_equal(pclose(p), 0);
	buf_free(&cmd);
	char *s = buf_detach(&out);
	str_trim(s);
	return s;
}

static void put(const char *dir, const char *rel, const char *text)
{
	char *p = str_printf("%s/%s", dir, rel);
	tmpdir_make_parents(p);
	FILE *f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
	free(p);
}

static const char model_yaml[] = "environments:\n"
				 "  - {name: staging, short: stg, cluster: c}\n"
				 "services:\n"
				 "  - name: api\n"
				 "    workload: deployment/api\n"
				 "    namespace: api\n"
				 "    version: {file: v.yaml, path: tag}\n"
				 "runbooks: ops/runbooks/\n"
				 "%s";

static const char restart[] =
    "name: restart\ntitle: Restart\nsteps: [{action: rollout-restart}]\n";
static const char migrate[] =
    "name: migrate\ntitle: Migrate\n"
    "steps:\n  - action: run-job\n    manifest: ops/runbooks/jobs/m.yaml\n"
    "  - action: script\n    file: ops/scripts/notify.sh\n";
static const char job[] = "apiVersion: batch/v1\nkind: Job\n";

struct fixture {
	char *dir;
	struct repo *r;
	struct model *m;
	git_oid head;
};

static void open_fixture(struct fixture *f, const char *policy_line)
{
	struct err e;
	if (repo_open(f->dir, &f->r, &e) != ST_OK)
		fail_msg("%s", e.msg);
	char *hex = sh_out("git -C '%s' rev-parse HEAD", f->dir);
	assert_int_equal(git_oid_fromstr(&f->head, hex), 0);
	free(hex);
	char *text = str_printf(model_yaml, policy_line);
	struct buf p = BUF_INIT;
	if (model_parse("opsdeck.yaml", text, strlen(text), &f->m, &p) != ST_OK)
		fail_msg("%s", buf_str(&p));
	buf_free(&p);
	free(text);
}

static void close_fixture(struct fixture *f)
{
	model_free(f->m);
	repo_free(f->r);
	free(f->dir);
}

static char *new_repo(const char *name)
{
	char *dir = str_printf("%s/%s", base, name);
	sh("git -c init.defaultBranch=main init -q '%s'", dir);
	return dir;
}

static void commit_all(const char *dir)
{
	sh("cd '%s' && git add -A && git commit -q --allow-empty -m c", dir);
}

static void assert_has(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("\"%s\" not in:\n%s", needle, hay);
}

static void test_catalog(void **state)
{
	(void)state;
	struct fixture f = {.dir = new_repo("full")};
	put(f.dir, "ops/runbooks/restart.yaml", restart);
	put(f.dir, "ops/runbooks/migrate.yml", migrate);
	put(f.dir, "ops/runbooks/jobs/m.yaml", job);
	put(f.dir, "ops/scripts/notify.sh", "#!/bin/sh\necho hi\n");
	put(f.dir, "ops/runbooks/README.md", "not a runbook\n");
	put(f.dir, "ops/runbooks/sub/deep.yaml", "not: [read\n");
	put(f.dir, "ops/runbooks/broken.yaml",
	    "name: broken\ntitle: B\nsteps:\n  - action: nope\n");
	put(f.dir, "ops/runbooks/twice.yaml", "name: twice\n");
	put(f.dir, "ops/runbooks/twice.yml", "name: twice\n");
	put(f.dir, "policy.yaml", "default: deny\n");
	commit_all(f.dir);
	/* edits after the commit are never read */
	put(f.dir, "ops/runbooks/restart.yaml", "name: [edited\n");
	put(f.dir, "ops/runbooks/new.yaml", restart);
	open_fixture(&f, "policy: policy.yaml\n");

	struct catalog *c = NULL;
	struct buf p = BUF_INIT;
	struct err e;
	assert_int_equal(catalog_load(f.r, &f.head, f.m, &c, &p, &e), ST_OK);
	assert_non_null(c);
	assert_int_equal(c->runbooks.len, 2);
	const struct runbook *m = c->runbooks.items[0];
	const struct runbook *r = c->runbooks.items[1];
	assert_string_equal(m->name, "migrate");
	assert_string_equal(m->file, "ops/runbooks/migrate.yml");
	assert_string_equal(r->name, "restart");
	char *blob = sh_out(
	    "git -C '%s' rev-parse HEAD:ops/runbooks/restart.yaml", f.dir);
	assert_string_equal(r->blob, blob);
	free(blob);
	/* the manifest and the script, read at the commit */
	const struct rb_step *s = m->steps.items[0];
	assert_string_equal(s->content, job);
	s = m->steps.items[1];
	assert_string_equal(s->content, "#!/bin/sh\necho hi\n");
	assert_ptr_equal(catalog_find(c, "restart"), r);
	assert_ptr_equal(catalog_find(c, "migrate"), m);
	assert_null(catalog_find(c, "broken"));
	assert_null(catalog_find(c, "new"));
	assert_int_equal(c->broken, 3);
	assert_non_null(c->policy);
	assert_false(c->policy->default_allow);
	char *hex = sh_out("git -C '%s' rev-parse HEAD", f.dir);
	assert_string_equal(c->commit_hex, hex);
	free(hex);
	assert_has(buf_str(&p), "ops/runbooks/broken.yaml:4:13: unknown action "
				"'nope'");
	assert_has(buf_str(&p), "ops/runbooks/twice.yaml:1:1: runbook 'twice' "
				"is also defined by ops/runbooks/twice.yml; "
				"neither is loaded until one is removed\n");
	assert_has(buf_str(&p),
		   "ops/runbooks/twice.yml:1:1: runbook 'twice' is "
		   "also defined by ops/runbooks/twice.yaml");
	assert_true(strstr(buf_str(&p), "deep.yaml") == NULL);
	assert_true(strstr(buf_str(&p), "README") == NULL);
	catalog_free(c);
	buf_free(&p);
	close_fixture(&f);
}

static void test_no_folder(void **state)
{
	(void)state;
	struct fixture f = {.dir = new_repo("empty")};
	put(f.dir, "opsdeck.yaml", "x\n");
	commit_all(f.dir);
	open_fixture(&f, "");
	struct catalog *c = NULL;
	struct buf p = BUF_INIT;
	struct err e;
	assert_int_equal(catalog_load(f.r, &f.head, f.m, &c, &p, &e), ST_OK);
	assert_int_equal(c->runbooks.len, 0);
	assert_int_equal(c->broken, 0);
	assert_int_equal(p.len, 0);
	/* no policy file named: allow, no rules */
	assert_true(c->policy->default_allow);
	assert_int_equal(c->policy->rules.len, 0);
	catalog_free(c);
	close_fixture(&f);
}

static void test_policy_problems(void **state)
{
	(void)state;
	struct fixture f = {.dir = new_repo("policy")};
	put(f.dir, "ops/runbooks/restart.yaml", restart);
	put(f.dir, "ops/runbooks/bad.yaml", "name: bad\n");
	put(f.dir, "broken-policy.yaml",
	    "rules:\n  - users: [a]\n"
	    "    environments: [qa]\n");
	commit_all(f.dir);

	/* named but not in the repo */
	open_fixture(&f, "policy: nowhere.yaml\n");
	struct catalog *c = (struct catalog *)1;
	struct buf p = BUF_INIT;
	struct err e;
	assert_int_equal(catalog_load(f.r, &f.head, f.m, &c, &p, &e),
			 ST_ERR_PARSE);
	assert_null(c);
	char *want = str_printf("opsdeck.yaml: policy file nowhere.yaml is not "
				"in the repo at %.12s\n",
				git_oid_tostr_s(&f.head));
	assert_has(buf_str(&p), want);
	free(want);
	/* the runbooks' problems are reported too */
	assert_has(buf_str(&p), "ops/runbooks/bad.yaml:1:1: a runbook needs "
				"'title'");
	buf_free(&p);
	model_free(f.m);

	/* broken */
	char *text = str_printf(model_yaml, "policy: broken-policy.yaml\n");
	assert_int_equal(
	    model_parse("opsdeck.yaml", text, strlen(text), &f.m, &p), ST_OK);
	free(text);
	c = (struct catalog *)1;
	assert_int_equal(catalog_load(f.r, &f.head, f.m, &c, &p, &e),
			 ST_ERR_PARSE);
	assert_null(c);
	assert_has(buf_str(&p), "broken-policy.yaml:3:20: no environment named "
				"'qa' in opsdeck.yaml\n");
	buf_free(&p);

	/* an unknown commit is the repo's error */
	git_oid zero;
	memset(&zero, 0x11, sizeof zero);
	c = (struct catalog *)1;
	assert_int_equal(catalog_load(f.r, &zero, f.m, &c, &p, &e),
			 ST_ERR_NOTFOUND);
	assert_null(c);
	assert_has(e.msg, "1111111111");
	buf_free(&p);
	close_fixture(&f);
}

static int group_setup(void **state)
{
	(void)state;
	if (tmpdir_make(base, sizeof base, "catalog") != 0)
		return -1;
	setenv("HOME", base, 1);
	setenv("XDG_CONFIG_HOME", base, 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_AUTHOR_NAME", "A", 1);
	setenv("GIT_AUTHOR_EMAIL", "a@example.com", 1);
	setenv("GIT_COMMITTER_NAME", "C", 1);
	setenv("GIT_COMMITTER_EMAIL", "c@example.com", 1);
	unsetenv("GIT_DIR");
	unsetenv("GIT_WORK_TREE");
	unsetenv("GIT_INDEX_FILE");
	repo_global_init();
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	return tmpdir_remove(base) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_catalog),
	    cmocka_unit_test(test_no_folder),
	    cmocka_unit_test(test_policy_problems),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
