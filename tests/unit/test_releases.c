/*
 * Unit tests for src/model/releases: the release history of cells, read
 * from a real Git repository. Each test builds a config repo with the git
 * command in a temporary folder (fixed names and dates, so it is the same
 * on every run): an opsdeck.yaml with three environments, an untenanted
 * service whose version falls back from values-<env>.yaml to the chart's
 * values.yaml, and a tenanted one sharing a chart values.yaml. The model is
 * loaded from the repo's own opsdeck.yaml at the branch tip, as the
 * program does, and every release found is checked against what git says
 * (`git rev-parse`) and what the commits were made with: which commits
 * are releases and which are not (replicas changes, unrelated files,
 * equal fallbacks, reformatted values), old and new versions, authors,
 * times, summaries, merges with their trailers and the commit that made
 * the change, reverts, renames, limits, and the JSON form. Last, the
 * unified diff of two environments' values files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_json.h"
#include "test_tmp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/mem.h"
#include "base/status.h"
#include "base/str.h"
#include "base/vec.h"
#include "git/repo.h"
#include "model/model.h"
#include "model/releases.h"

#define T0	   1700000000 /* the first commit's date; each next one +60 s */
#define AUTHOR_LAG 30 /* author dates are this much before commit dates */

struct person {
	const char *name, *email;
};

static const struct person ALICE = {"Alice Able", "alice@finpay.example"};
static const struct person BOB = {"Bob Builder", "bob@finpay.example"};
static const struct person CAROL = {"Carol Merger", "carol@finpay.example"};

/* A commit made by the test, by name. */
struct label {
	char name[32];
	char hex[GIT_OID_HEXSZ + 1];
	int64_t time, author_time;
};

struct fx {
	char dir[256];	/* temp folder, also $HOME */
	char repo[300]; /* dir/repo */
	int tick;	/* commits made so far */
	struct label labels[64];
	size_t nlabels;
	struct repo *r;
	struct repo_tip tip;
	struct model *m;
	struct vec rels; /* struct release *, from the last find() */
	struct githist_stats stats;
};

/* ---- building repositories ---- */

#define G                                                                      \
	"git -c init.defaultBranch=main -c commit.gpgsign=false "              \
	"-c maintenance.auto=false -c gc.auto=0 "

/* Run "git ARGS" in the repository; it must succeed. */
static void git(struct fx *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void git(struct fx *f, const char *fmt, ...)
{
	struct buf cmd = BUF_INIT;
	buf_printf(&cmd, "cd '%s' && " G, f->repo);
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&cmd, fmt, ap);
	va_end(ap);
	buf_puts(&cmd, " >/dev/null 2>&1");
	int rc = system(buf_str(&cmd));
	if (rc != 0)
		fail_msg("failed (%d): %s", rc, buf_str(&cmd));
	buf_free(&cmd);
}

/* `git rev-parse SPEC` into hex; "" when git says there is none. */
static void rev(struct fx *f, const char *spec, char hex[GIT_OID_HEXSZ + 1])
{
	struct buf cmd = BUF_INIT;
	buf_printf(&cmd,
		   "cd '%s' && git rev-parse -q --verify '%s' 2>/dev/null",
		   f->repo, spec);
	FILE *p = popen(buf_str(&cmd), "r");
	assert_non_null(p);
	char line[128] = "";
	hex[0] = '\0';
	if (fgets(line, sizeof line, p) && strlen(line) >= GIT_OID_HEXSZ) {
		memcpy(hex, line, GIT_OID_HEXSZ);
		hex[GIT_OID_HEXSZ] = '\0';
	}
	pclose(p);
	buf_free(&cmd);
}

static void put(struct fx *f, const char *rel, const char *text)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", f->repo, rel);
	tmpdir_make_parents(path);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

/* A Helm values file; the tag is far enough from replicaCount that
 * changes to the two merge cleanly, and the file is long enough for
 * git's rename detection to pair it with a slightly edited copy. */
static void values_q(struct fx *f, const char *rel, const char *tag_yaml,
		     int replicas)
{
	struct buf b = BUF_INIT;
	buf_printf(&b,
		   "# Helm values\n"
		   "replicaCount: %d\n"
		   "labels:\n"
		   "  team: payments\n"
		   "  tier: backend\n"
		   "service:\n"
		   "  type: ClusterIP\n"
		   "  port: 8080\n"
		   "image:\n"
		   "  repository: registry.example.com/finpay/app\n"
		   "  tag: %s\n"
		   "  pullPolicy: IfNotPresent\n"
		   "resources:\n"
		   "  limits:\n"
		   "    cpu: 500m\n"
		   "    memory: 512Mi\n"
		   "  requests:\n"
		   "    cpu: 100m\n"
		   "    memory: 128Mi\n",
		   replicas, tag_yaml);
	put(f, rel, buf_str(&b));
	buf_free(&b);
}

static void values(struct fx *f, const char *rel, const char *tag, int replicas)
{
	char q[64];
	snprintf(q, sizeof q, "\"%s\"", tag);
	values_q(f, rel, q, replicas);
}

/*
 * opsdeck.yaml: development, staging, production; payments-api (every
 * environment; its own values file, else the chart's values.yaml, file
 * template given) and merchant-portal (tenanted: acme and euroshop; staging
 * and production; the tenant's values file, else the chart's).
 */
static void opsdeck_yaml(struct fx *f, const char *payments_file)
{
	struct buf b = BUF_INIT;
	buf_printf(
	    &b,
	    "environments:\n"
	    "  - name: development\n"
	    "    short: dev\n"
	    "    cluster: finpay-dev\n"
	    "  - name: staging\n"
	    "    short: stg\n"
	    "    cluster: finpay-dev\n"
	    "  - name: production\n"
	    "    short: prod\n"
	    "    cluster: finpay-prod\n"
	    "    approval: second-person\n"
	    "tenants:\n"
	    "  - name: acme\n"
	    "    title: Acme Corp\n"
	    "  - name: euroshop\n"
	    "services:\n"
	    "  - name: payments-api\n"
	    "    team: payments\n"
	    "    workload: deployment/payments-api\n"
	    "    namespace: \"payments-{{ env.short }}\"\n"
	    "    version:\n"
	    "      - file: \"%s\"\n"
	    "        path: image.tag\n"
	    "      - file: charts/payments-api/values.yaml\n"
	    "        path: image.tag\n"
	    "  - name: merchant-portal\n"
	    "    team: merchants\n"
	    "    tenanted: true\n"
	    "    environments: [staging, production]\n"
	    "    workload: \"deployment/merchant-portal-{{ tenant.name }}\"\n"
	    "    namespace: \"merchant-{{ tenant.name }}-{{ env.short }}\"\n"
	    "    version:\n"
	    "      - file: \"tenants/{{ tenant.name }}/merchant-portal/"
	    "values-{{ env.name }}.yaml\"\n"
	    "        path: image.tag\n"
	    "      - file: charts/merchant-portal/values.yaml\n"
	    "        path: image.tag\n",
	    payments_file);
	put(f, "opsdeck.yaml", buf_str(&b));
	buf_free(&b);
}

#define PAYMENTS_FILE	"charts/payments-api/values-{{ env.name }}.yaml"
#define PAY(env)	"charts/payments-api/values-" env ".yaml"
#define PAY_CHART	"charts/payments-api/values.yaml"
#define MP(tenant, env) "tenants/" tenant "/merchant-portal/values-" env ".yaml"
#define MP_CHART	"charts/merchant-portal/values.yaml"

static const struct label *label_named(struct fx *f, const char *name)
{
	for (size_t i = 0; i < f->nlabels; i++)
		if (!strcmp(f->labels[i].name, name))
			return &f->labels[i];
	fail_msg("no commit labelled %s", name);
	return NULL;
}

static const char *label_of(struct fx *f, const char *hex)
{
	for (size_t i = 0; i < f->nlabels; i++)
		if (!strcmp(f->labels[i].hex, hex))
			return f->labels[i].name;
	return hex;
}

/* The author, committer and dates of the next commit. */
static void next_commit(struct fx *f, const struct person *author,
			const struct person *committer, int64_t *time,
			int64_t *author_time)
{
	char d[64];
	*time = T0 + 60 * f->tick++;
	*author_time = *time - AUTHOR_LAG;
	snprintf(d, sizeof d, "@%lld +0000", (long long)*author_time);
	setenv("GIT_AUTHOR_DATE", d, 1);
	snprintf(d, sizeof d, "@%lld +0000", (long long)*time);
	setenv("GIT_COMMITTER_DATE", d, 1);
	setenv("GIT_AUTHOR_NAME", author->name, 1);
	setenv("GIT_AUTHOR_EMAIL", author->email, 1);
	setenv("GIT_COMMITTER_NAME", committer->name, 1);
	setenv("GIT_COMMITTER_EMAIL", committer->email, 1);
}

/* Run the shell commands fmt in the repository (they must succeed), then
 * remember HEAD, as `git rev-parse` says, under name. One shell for all:
 * starting processes is most of what these tests cost. */
static void made(struct fx *f, const char *name, int64_t time,
		 int64_t author_time, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void made(struct fx *f, const char *name, int64_t time,
		 int64_t author_time, const char *fmt, ...)
{
	assert_true(f->nlabels < sizeof f->labels / sizeof f->labels[0]);
	struct label *l = &f->labels[f->nlabels++];
	snprintf(l->name, sizeof l->name, "%s", name);
	struct buf cmd = BUF_INIT;
	buf_printf(&cmd, "cd '%s' && { ", f->repo);
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&cmd, fmt, ap);
	va_end(ap);
	buf_puts(&cmd, "; } >/dev/null 2>&1 && git rev-parse HEAD");
	FILE *p = popen(buf_str(&cmd), "r");
	assert_non_null(p);
	char line[128] = "";
	if (!fgets(line, sizeof line, p))
		line[0] = '\0';
	int rc = pclose(p);
	if (rc != 0 || strlen(line) != GIT_OID_HEXSZ + 1)
		fail_msg("failed (%d): %s", rc, buf_str(&cmd));
	memcpy(l->hex, line, GIT_OID_HEXSZ);
	l->hex[GIT_OID_HEXSZ] = '\0';
	l->time = time;
	l->author_time = author_time;
	buf_free(&cmd);
}

static void message(struct fx *f, const char *msg)
{
	char path[400];
	snprintf(path, sizeof path, "%s/msg", f->dir);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(msg, fp);
	fclose(fp);
}

/* Commit everything as who, with msg (trailers and all). */
static void commit(struct fx *f, const struct person *who, const char *name,
		   const char *msg)
{
	int64_t t, at;
	next_commit(f, who, who, &t, &at);
	message(f, msg);
	made(f, name, t, at,
	     G "add -A && " G "commit -q --allow-empty -F '%s/msg'", f->dir);
}

/* git merge --no-ff branch, by who, with msg. */
static void merge(struct fx *f, const struct person *who, const char *name,
		  const char *branch, const char *msg)
{
	int64_t t, at;
	next_commit(f, who, who, &t, &at);
	message(f, msg);
	made(f, name, t, at, G "merge -q --no-ff -F '%s/msg' %s", f->dir,
	     branch);
}

/* git revert --no-edit HEAD, by who. */
static void revert(struct fx *f, const struct person *who, const char *name)
{
	int64_t t, at;
	next_commit(f, who, who, &t, &at);
	made(f, name, t, at, G "revert --no-edit HEAD");
}

static void move(struct fx *f, const char *from, const char *to)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", f->repo, to);
	tmpdir_make_parents(path);
	git(f, "mv %s %s", from, to);
}

/* ---- loading the model and finding releases ---- */

static void unload(struct fx *f)
{
	vec_free(&f->rels, release_free);
	model_free(f->m);
	f->m = NULL;
	repo_free(f->r);
	f->r = NULL;
}

/* Open the repo and load the model from its opsdeck.yaml at the tip, with
 * every cell's desired version, as the program does. */
static void load(struct fx *f)
{
	unload(f);
	struct err e;
	if (repo_open(f->repo, &f->r, &e))
		fail_msg("repo_open: %s", e.msg);
	if (repo_tip(f->r, NULL, &f->tip, &e))
		fail_msg("repo_tip: %s", e.msg);
	char main_hex[GIT_OID_HEXSZ + 1];
	rev(f, "main", main_hex);
	assert_string_equal(f->tip.hex, main_hex);
	struct buf text = BUF_INIT, problems = BUF_INIT;
	if (repo_file(f->r, &f->tip.commit, "opsdeck.yaml", NULL, &text, &e))
		fail_msg("opsdeck.yaml: %s", e.msg);
	if (model_parse("opsdeck.yaml", buf_str(&text), text.len, &f->m,
			&problems) != ST_OK)
		fail_msg("model_parse:\n%s", buf_str(&problems));
	struct model_git_source src;
	model_git_source(&src, f->r, &f->tip.commit);
	model_read_desired(f->m, &src.src, &problems);
	buf_free(&text);
	buf_free(&problems);
}

static struct model_cell *cell(struct fx *f, const char *key)
{
	struct model_cell *c = model_cell(f->m, key);
	if (!c)
		fail_msg("no cell %s", key);
	return c;
}

/*
 * releases_find for the cells keys (NULL-terminated; NULL = every cell),
 * into f->rels, checking what holds for every answer: newest first, the
 * newest release of a cell ends at its version at the tip, and each
 * release is of a cell asked for.
 */
static void find_q(struct fx *f, const struct release_query *q,
		   const char *const *keys)
{
	vec_free(&f->rels, release_free);
	struct vec cells = VEC_INIT;
	if (keys)
		for (size_t i = 0; keys[i]; i++)
			vec_push(&cells, cell(f, keys[i]));
	else
		for (size_t i = 0; i < f->m->cells.len; i++)
			vec_push(&cells, f->m->cells.items[i]);
	struct err e;
	if (releases_find(f->r, &f->tip.commit, &cells, q, &f->rels, &f->stats,
			  &e) != ST_OK)
		fail_msg("releases_find: %s", e.msg);
	for (size_t i = 0; i < f->rels.len; i++) {
		const struct release *r = f->rels.items[i];
		bool asked = false;
		for (size_t k = 0; k < cells.len; k++)
			asked |= cells.items[k] == r->cell;
		assert_true(asked);
		if (i)
			assert_true(
			    r->time <=
			    ((const struct release *)f->rels.items[i - 1])
				->time);
		assert_int_equal(strlen(r->hex), GIT_OID_HEXSZ);
		assert_int_equal(strlen(r->change_hex), GIT_OID_HEXSZ);
		assert_non_null(r->author);
		assert_non_null(r->email);
		assert_non_null(r->summary);
		/* a release is a change */
		assert_false(r->old_version && r->new_version &&
			     !strcmp(r->old_version, r->new_version));
		assert_false(!r->old_version && !r->new_version);
		bool newest = true;
		for (size_t k = 0; k < i; k++)
			newest &=
			    ((const struct release *)f->rels.items[k])->cell !=
			    r->cell;
		if (newest && !q->since && !q->max_commits) {
			const char *want = r->cell->desired.version;
			if (!want != !r->new_version ||
			    (want && strcmp(want, r->new_version)))
				fail_msg("%s: newest release to %s, tip has %s",
					 r->cell->key,
					 r->new_version ? r->new_version : "-",
					 want ? want : "-");
		}
	}
	vec_free(&cells, NULL);
}

static void find(struct fx *f, const char *const *keys)
{
	struct release_query q = {0};
	find_q(f, &q, keys);
}

static int by_key(const void *a, const void *b)
{
	const struct release *x = *(const struct release *const *)a;
	const struct release *y = *(const struct release *const *)b;
	return strcmp(x->cell->key, y->cell->key);
}

/*
 * The releases found, one a line: "@COMMIT CELL FROM>TO", with " via
 * @CHANGE" when the change was made by another commit (a merged one).
 * Commits by the names the test gave them. Releases at one commit are
 * listed by cell key (their order there is not part of the contract).
 */
static char *describe(struct fx *f)
{
	struct vec v = VEC_INIT;
	for (size_t i = 0; i < f->rels.len; i++)
		vec_push(&v, f->rels.items[i]);
	for (size_t i = 0; i < v.len;) {
		size_t j = i + 1;
		while (j < v.len &&
		       !strcmp(((struct release *)v.items[i])->hex,
			       ((struct release *)v.items[j])->hex))
			j++;
		qsort(v.items + i, j - i, sizeof *v.items, by_key);
		i = j;
	}
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < v.len; i++) {
		const struct release *r = v.items[i];
		buf_printf(&b, "@%s %s %s>%s", label_of(f, r->hex),
			   r->cell->key, r->old_version ? r->old_version : "-",
			   r->new_version ? r->new_version : "-");
		if (strcmp(r->hex, r->change_hex))
			buf_printf(&b, " via @%s", label_of(f, r->change_hex));
		buf_putc(&b, '\n');
	}
	vec_free(&v, NULL);
	return buf_detach(&b);
}

static void expect(struct fx *f, const char *want)
{
	char *got = describe(f);
	if (strcmp(got, want))
		fail_msg("releases:\n%s\nwanted:\n%s", got, want);
	free(got);
}

/* The release of cell key at commit label (which must be one). */
static const struct release *release_at(struct fx *f, const char *key,
					const char *label)
{
	const struct label *l = label_named(f, label);
	for (size_t i = 0; i < f->rels.len; i++) {
		const struct release *r = f->rels.items[i];
		if (!strcmp(r->cell->key, key) && !strcmp(r->hex, l->hex))
			return r;
	}
	fail_msg("no release of %s at %s", key, label);
	return NULL;
}

/* A release made directly on the branch by who at commit label. */
static void assert_direct(struct fx *f, const struct release *r,
			  const char *label, const struct person *who,
			  const char *summary)
{
	const struct label *l = label_named(f, label);
	assert_string_equal(r->hex, l->hex);
	assert_string_equal(r->change_hex, l->hex);
	assert_int_equal(r->time, l->time);
	assert_int_equal(r->author_time, l->author_time);
	assert_string_equal(r->author, who->name);
	assert_string_equal(r->email, who->email);
	assert_string_equal(r->summary, summary);
	assert_null(r->merged_by);
	assert_null(r->merged_by_email);
}

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof *f);
	if (tmpdir_make(f->dir, sizeof f->dir, "releases"))
		return -1;
	snprintf(f->repo, sizeof f->repo, "%s/repo", f->dir);
	if (mkdir(f->repo, 0755))
		return -1;
	setenv("HOME", f->dir, 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	unsetenv("GIT_DIR");
	unsetenv("GIT_WORK_TREE");
	unsetenv("GIT_INDEX_FILE");
	git(f, "init -q");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	unload(f);
	int rc = tmpdir_remove(f->dir);
	free(f);
	return rc;
}

/* ---- tests ---- */

static const char *const PAYMENTS[] = {
    "payments-api/development",
    "payments-api/staging",
    "payments-api/production",
    NULL,
};

/* Only commits that change a value are releases. */
static void test_value_changes(void **state)
{
	struct fx *f = *state;
	opsdeck_yaml(f, PAYMENTS_FILE);
	values(f, PAY_CHART, "0.9.0", 1);
	values(f, PAY("staging"), "1.0.0", 2);
	values(f, PAY("production"), "1.0.0", 3);
	values(f, MP_CHART, "2.0.0", 1);
	put(f, "README.md", "# platform config\n");
	commit(f, &ALICE, "c1", "Add payments-api and merchant-portal\n");

	values(f, PAY("staging"), "1.1.0", 2);
	commit(f, &BOB, "c2",
	       "payments-api: staging 1.1.0\n\nFixes the retry storm.\n\n"
	       "Reviewed-by: Dana Reviewer <dana@finpay.example>\n");
	values(f, PAY("staging"), "1.1.0", 4);
	commit(f, &ALICE, "c3", "payments-api: scale staging to 4\n");
	put(f, "README.md", "# platform config\n\nSee docs/.\n");
	put(f, "charts/payments-api/NOTES.txt", "notes\n");
	commit(f, &ALICE, "c4", "Document the layout\n");
	values(f, PAY("production"), "1.1.0", 3);
	commit(f, &BOB, "c5", "payments-api: production 1.1.0\n");
	values(f, PAY_CHART, "1.0.0", 1);
	commit(f, &ALICE, "c6", "payments-api: chart default 1.0.0\n");
	/* the same value written another way */
	values_q(f, PAY("staging"), "'1.1.0'", 4);
	commit(f, &ALICE, "c7", "payments-api: single quotes\n");
	commit(f, &ALICE, "c8", "Empty\n");

	load(f);
	assert_string_equal(
	    cell(f, "payments-api/development")->desired.version, "1.0.0");
	find(f, PAYMENTS);
	expect(f, "@c6 payments-api/development 0.9.0>1.0.0\n"
		  "@c5 payments-api/production 1.0.0>1.1.0\n"
		  "@c2 payments-api/staging 1.0.0>1.1.0\n"
		  "@c1 payments-api/development ->0.9.0\n"
		  "@c1 payments-api/production ->1.0.0\n"
		  "@c1 payments-api/staging ->1.0.0\n");
	assert_int_equal(f->stats.commits, 8);

	const struct release *r = release_at(f, "payments-api/staging", "c2");
	assert_direct(f, r, "c2", &BOB, "payments-api: staging 1.1.0");
	assert_string_equal(r->old_version, "1.0.0");
	assert_string_equal(r->new_version, "1.1.0");
	/* a commit's own trailers, also when it was not merged */
	assert_int_equal(r->trailers.len, 1);
	const char *rb = release_trailer(r, "reviewed-by");
	assert_non_null(rb);
	assert_string_equal(rb, "Dana Reviewer <dana@finpay.example>");
	assert_null(release_trailer(r, "Approved-by"));

	r = release_at(f, "payments-api/development", "c6");
	assert_direct(f, r, "c6", &ALICE, "payments-api: chart default 1.0.0");
	assert_int_equal(r->trailers.len, 0);

	/* the first appearance: no old version */
	r = release_at(f, "payments-api/production", "c1");
	assert_direct(f, r, "c1", &ALICE,
		      "Add payments-api and merchant-portal");
	assert_null(r->old_version);
	assert_string_equal(r->new_version, "1.0.0");

	/* one cell alone: the same releases of it */
	static const char *const one[] = {"payments-api/staging", NULL};
	find(f, one);
	expect(f, "@c2 payments-api/staging 1.0.0>1.1.0\n"
		  "@c1 payments-api/staging ->1.0.0\n");
}

/* A fallback chain: the environment's file, else the chart's. */
static void test_fallback(void **state)
{
	struct fx *f = *state;
	opsdeck_yaml(f, PAYMENTS_FILE);
	values(f, PAY_CHART, "1.0.0", 1);
	values(f, PAY("staging"), "1.1.0", 2);
	values(f, PAY("production"), "1.0.0", 3);
	values(f, MP_CHART, "2.0.0", 1);
	commit(f, &ALICE, "c1", "Start\n");
	git(f, "rm -q %s", PAY("staging"));
	commit(f, &BOB, "c2", "Drop the staging override\n");
	/* equal to the chart's: not a release */
	git(f, "rm -q %s", PAY("production"));
	commit(f, &BOB, "c3", "Drop the production override\n");
	values(f, PAY_CHART, "1.2.0", 1);
	commit(f, &ALICE, "c4", "Chart default 1.2.0\n");
	values(f, PAY("production"), "1.2.0", 3);
	commit(f, &ALICE, "c5", "Pin production at 1.2.0\n");
	values(f, PAY("staging"), "1.3.0", 2);
	commit(f, &ALICE, "c6", "Staging 1.3.0\n");
	/* development loses its only version; the others keep theirs */
	git(f, "rm -q %s", PAY_CHART);
	commit(f, &BOB, "c7", "Retire the chart default\n");

	load(f);
	assert_null(cell(f, "payments-api/development")->desired.version);
	find(f, PAYMENTS);
	expect(f, "@c7 payments-api/development 1.2.0>-\n"
		  "@c6 payments-api/staging 1.2.0>1.3.0\n"
		  "@c4 payments-api/development 1.0.0>1.2.0\n"
		  "@c4 payments-api/production 1.0.0>1.2.0\n"
		  "@c4 payments-api/staging 1.0.0>1.2.0\n"
		  "@c2 payments-api/staging 1.1.0>1.0.0\n"
		  "@c1 payments-api/development ->1.0.0\n"
		  "@c1 payments-api/production ->1.0.0\n"
		  "@c1 payments-api/staging ->1.1.0\n");
	const struct release *r = release_at(f, "payments-api/staging", "c2");
	assert_direct(f, r, "c2", &BOB, "Drop the staging override");
	r = release_at(f, "payments-api/development", "c7");
	assert_direct(f, r, "c7", &BOB, "Retire the chart default");
	assert_null(r->new_version);
}

static const char MERGE_MSG[] =
    "Merge branch 'feature'\n"
    "\n"
    "Production release 1.1.0.\n"
    "\n"
    "Reviewed-by: Dana Reviewer <dana@finpay.example>\n"
    "Approved-by: Erin Approver <erin@finpay.example>\n";

/* main: c1 (staging and production 1.0.0), c2 (README); feature: f1 (Bob:
 * production 1.1.0, signed off), f2 (Bob: production replicas); m (Carol
 * merges feature, with review trailers). */
static void build_merge(struct fx *f)
{
	opsdeck_yaml(f, PAYMENTS_FILE);
	values(f, PAY("staging"), "1.0.0", 2);
	values(f, PAY("production"), "1.0.0", 3);
	values(f, MP_CHART, "2.0.0", 1);
	values(f, MP("acme", "production"), "2.0.1", 1);
	commit(f, &ALICE, "c1", "Start\n");
	git(f, "checkout -q -b feature");
	values(f, PAY("production"), "1.1.0", 3);
	commit(f, &BOB, "f1",
	       "payments-api: production 1.1.0\n\n"
	       "Signed-off-by: Bob Builder <bob@finpay.example>\n");
	values(f, PAY("production"), "1.1.0", 5);
	commit(f, &BOB, "f2", "payments-api: production replicas 5\n");
	git(f, "checkout -q main");
	put(f, "README.md", "# platform config\n");
	commit(f, &ALICE, "c2", "README\n");
	merge(f, &CAROL, "m", "feature", MERGE_MSG);
}

static void test_merge(void **state)
{
	struct fx *f = *state;
	build_merge(f);

	load(f);
	static const char *const keys[] = {"payments-api/staging",
					   "payments-api/production", NULL};
	find(f, keys);
	/* once, at the merge: the feature's own commits are not on the
	 * branch's first-parent line */
	expect(f, "@m payments-api/production 1.0.0>1.1.0 via @f1\n"
		  "@c1 payments-api/production ->1.0.0\n"
		  "@c1 payments-api/staging ->1.0.0\n");
	const struct release *r = release_at(f, "payments-api/production", "m");
	const struct label *m = label_named(f, "m"), *f1 = label_named(f, "f1");
	assert_int_equal(r->time, m->time);
	assert_non_null(r->merged_by);
	assert_string_equal(r->merged_by, CAROL.name);
	assert_string_equal(r->merged_by_email, CAROL.email);
	/* who made the change, when, and what they said */
	assert_string_equal(r->author, BOB.name);
	assert_string_equal(r->email, BOB.email);
	assert_int_equal(r->author_time, f1->author_time);
	assert_string_equal(r->summary, "payments-api: production 1.1.0");
	assert_string_equal(r->change_hex, f1->hex);
	/* the merge's trailers, then the change's */
	assert_int_equal(r->trailers.len, 3);
	const struct repo_trailer *t0 = r->trailers.items[0],
				  *t1 = r->trailers.items[1],
				  *t2 = r->trailers.items[2];
	assert_string_equal(t0->key, "Reviewed-by");
	assert_string_equal(t0->value, "Dana Reviewer <dana@finpay.example>");
	assert_string_equal(t1->key, "Approved-by");
	assert_string_equal(t1->value, "Erin Approver <erin@finpay.example>");
	assert_string_equal(t2->key, "Signed-off-by");
	assert_string_equal(t2->value, "Bob Builder <bob@finpay.example>");
	assert_string_equal(release_trailer(r, "Approved-by"),
			    "Erin Approver <erin@finpay.example>");
	assert_string_equal(release_trailer(r, "APPROVED-BY"),
			    "Erin Approver <erin@finpay.example>");
	assert_null(release_trailer(r, "Tested-by"));

	/* A second feature, while main changed the same file elsewhere:
	 * the merged file is a blob neither side had. */
	git(f, "checkout -q -b feature2");
	values(f, PAY("staging"), "1.2.0", 2);
	commit(f, &BOB, "g1", "payments-api: staging 1.2.0\n");
	git(f, "checkout -q main");
	values(f, PAY("staging"), "1.0.0", 6);
	commit(f, &ALICE, "c3", "payments-api: staging replicas 6\n");
	merge(f, &CAROL, "m2", "feature2",
	      "Merge branch 'feature2'\n\nApproved-by: Erin Approver "
	      "<erin@finpay.example>\n");
	load(f);
	find(f, keys);
	expect(f, "@m2 payments-api/staging 1.0.0>1.2.0 via @g1\n"
		  "@m payments-api/production 1.0.0>1.1.0 via @f1\n"
		  "@c1 payments-api/production ->1.0.0\n"
		  "@c1 payments-api/staging ->1.0.0\n");
	r = release_at(f, "payments-api/staging", "m2");
	assert_string_equal(r->merged_by, CAROL.name);
	assert_string_equal(r->author, BOB.name);
	assert_string_equal(r->summary, "payments-api: staging 1.2.0");
	assert_int_equal(r->trailers.len, 1);
	assert_string_equal(release_trailer(r, "Approved-by"),
			    "Erin Approver <erin@finpay.example>");

	/* A merge that itself sets the value (an "evil" merge): the merge
	 * made the change. */
	git(f, "checkout -q -b feature3");
	put(f, "docs.txt", "docs\n");
	commit(f, &BOB, "h1", "Docs\n");
	git(f, "checkout -q main");
	int64_t t, at;
	next_commit(f, &CAROL, &CAROL, &t, &at);
	git(f, "merge -q --no-ff --no-commit feature3");
	values(f, PAY("staging"), "1.3.0", 6);
	made(f, "m3", t, at,
	     G "add -A && " G "commit -q -m 'Merge feature3, staging 1.3.0'");
	load(f);
	static const char *const staging[] = {"payments-api/staging", NULL};
	find(f, staging);
	expect(f, "@m3 payments-api/staging 1.2.0>1.3.0\n"
		  "@m2 payments-api/staging 1.0.0>1.2.0 via @g1\n"
		  "@c1 payments-api/staging ->1.0.0\n");
	r = release_at(f, "payments-api/staging", "m3");
	assert_string_equal(r->merged_by, CAROL.name);
	assert_string_equal(r->author, CAROL.name);
	assert_string_equal(r->summary, "Merge feature3, staging 1.3.0");
	assert_int_equal(r->trailers.len, 0);
}

static void test_revert(void **state)
{
	struct fx *f = *state;
	opsdeck_yaml(f, PAYMENTS_FILE);
	values(f, PAY("production"), "1.0.0", 3);
	values(f, PAY_CHART, "1.0.0", 1);
	values(f, MP_CHART, "2.0.0", 1);
	commit(f, &ALICE, "c1", "Start\n");
	values(f, PAY("production"), "1.1.0", 3);
	commit(f, &BOB, "c2", "payments-api: production 1.1.0\n");
	revert(f, &ALICE, "c3");
	/* reverting a replicas change is no release */
	values(f, PAY("production"), "1.0.0", 9);
	commit(f, &BOB, "c4", "payments-api: production replicas 9\n");
	revert(f, &ALICE, "c5");

	load(f);
	static const char *const prod[] = {"payments-api/production", NULL};
	find(f, prod);
	expect(f, "@c3 payments-api/production 1.1.0>1.0.0\n"
		  "@c2 payments-api/production 1.0.0>1.1.0\n"
		  "@c1 payments-api/production ->1.0.0\n");
	const struct release *r =
	    release_at(f, "payments-api/production", "c3");
	assert_direct(f, r, "c3", &ALICE,
		      "Revert \"payments-api: production 1.1.0\"");
}

/* The values files move; opsdeck.yaml follows a commit later. */
static void test_rename(void **state)
{
	struct fx *f = *state;
	opsdeck_yaml(f, PAYMENTS_FILE);
	values(f, PAY("staging"), "1.0.0", 2);
	values(f, PAY("production"), "1.0.0", 3);
	values(f, PAY_CHART, "0.1.0", 1);
	values(f, MP_CHART, "2.0.0", 1);
	commit(f, &ALICE, "c1", "Start\n");
	values(f, PAY("production"), "1.1.0", 3);
	commit(f, &BOB, "c2", "payments-api: production 1.1.0\n");
	move(f, PAY("production"), "deploy/production/payments-api.yaml");
	move(f, PAY("staging"), "deploy/staging/payments-api.yaml");
	commit(f, &ALICE, "c3", "Move the values files to deploy/\n");
	opsdeck_yaml(f, "deploy/{{ env.name }}/payments-api.yaml");
	commit(f, &ALICE, "c4", "opsdeck.yaml: the new layout\n");
	values(f, "deploy/production/payments-api.yaml", "1.2.0", 3);
	commit(f, &BOB, "c5", "payments-api: production 1.2.0\n");

	load(f);
	assert_string_equal(cell(f, "payments-api/production")->files[0],
			    "deploy/production/payments-api.yaml");
	find(f, PAYMENTS);
	expect(f, "@c5 payments-api/production 1.1.0>1.2.0\n"
		  "@c2 payments-api/production 1.0.0>1.1.0\n"
		  "@c1 payments-api/development ->0.1.0\n"
		  "@c1 payments-api/production ->1.0.0\n"
		  "@c1 payments-api/staging ->1.0.0\n");
	assert_true(f->stats.renames >= 2);
	const struct release *r =
	    release_at(f, "payments-api/production", "c2");
	assert_direct(f, r, "c2", &BOB, "payments-api: production 1.1.0");
}

/* Moved, edited and opsdeck.yaml updated, all in one commit; and a merge
 * from before the move keeps its attribution. */
static void test_rename_same_commit(void **state)
{
	struct fx *f = *state;
	opsdeck_yaml(f, PAYMENTS_FILE);
	values(f, PAY("staging"), "1.0.0", 2);
	values(f, PAY("production"), "1.0.0", 3);
	values(f, PAY_CHART, "0.1.0", 1);
	values(f, MP_CHART, "2.0.0", 1);
	commit(f, &ALICE, "c1", "Start\n");
	git(f, "checkout -q -b feature");
	values(f, PAY("production"), "1.1.0", 3);
	commit(f, &BOB, "f1", "payments-api: production 1.1.0\n");
	git(f, "checkout -q main");
	put(f, "README.md", "# platform config\n");
	commit(f, &ALICE, "c2", "README\n");
	merge(f, &CAROL, "m", "feature", MERGE_MSG);
	move(f, PAY("production"), "deploy/production/payments-api.yaml");
	move(f, PAY("staging"), "deploy/staging/payments-api.yaml");
	values(f, "deploy/staging/payments-api.yaml", "1.0.1", 2);
	opsdeck_yaml(f, "deploy/{{ env.name }}/payments-api.yaml");
	commit(f, &ALICE, "c3", "New layout; staging 1.0.1\n");

	load(f);
	find(f, PAYMENTS);
	expect(f, "@c3 payments-api/staging 1.0.0>1.0.1\n"
		  "@m payments-api/production 1.0.0>1.1.0 via @f1\n"
		  "@c1 payments-api/development ->0.1.0\n"
		  "@c1 payments-api/production ->1.0.0\n"
		  "@c1 payments-api/staging ->1.0.0\n");
	const struct release *r = release_at(f, "payments-api/production", "m");
	assert_string_equal(r->author, BOB.name);
	assert_string_equal(r->merged_by, CAROL.name);
	assert_string_equal(r->summary, "payments-api: production 1.1.0");
	assert_string_equal(release_trailer(r, "Approved-by"),
			    "Erin Approver <erin@finpay.example>");
}

/* limit (per cell), since and max_commits stop the walk early. */
static void test_limits(void **state)
{
	struct fx *f = *state;
	opsdeck_yaml(f, PAYMENTS_FILE);
	values(f, PAY("staging"), "1.0.0", 2);
	values(f, PAY("production"), "1.0.0", 3);
	values(f, PAY_CHART, "0.1.0", 1);
	values(f, MP_CHART, "2.0.0", 1);
	commit(f, &ALICE, "c1", "Start\n");
	values(f, PAY("staging"), "1.1.0", 2);
	commit(f, &ALICE, "c2", "staging 1.1.0\n");
	values(f, PAY("production"), "1.1.0", 3);
	commit(f, &ALICE, "c3", "production 1.1.0\n");
	values(f, PAY("staging"), "1.2.0", 2);
	commit(f, &ALICE, "c4", "staging 1.2.0\n");
	put(f, "README.md", "1\n");
	commit(f, &ALICE, "c5", "README\n");
	values(f, PAY("staging"), "1.3.0", 2);
	commit(f, &ALICE, "c6", "staging 1.3.0\n");
	put(f, "README.md", "2\n");
	commit(f, &ALICE, "c7", "README\n");
	put(f, "README.md", "3\n");
	commit(f, &ALICE, "c8", "README\n");
	load(f);
	static const char *const keys[] = {"payments-api/staging",
					   "payments-api/production", NULL};

	find(f, keys);
	expect(f, "@c6 payments-api/staging 1.2.0>1.3.0\n"
		  "@c4 payments-api/staging 1.1.0>1.2.0\n"
		  "@c3 payments-api/production 1.0.0>1.1.0\n"
		  "@c2 payments-api/staging 1.0.0>1.1.0\n"
		  "@c1 payments-api/production ->1.0.0\n"
		  "@c1 payments-api/staging ->1.0.0\n");
	assert_int_equal(f->stats.commits, 8);

	struct release_query q = {.limit = 1};
	find_q(f, &q, keys);
	expect(f, "@c6 payments-api/staging 1.2.0>1.3.0\n"
		  "@c3 payments-api/production 1.0.0>1.1.0\n");
	/* every cell had its one at c3: c2 and c1 were never read */
	assert_int_equal(f->stats.commits, 6);

	q.limit = 2;
	find_q(f, &q, keys);
	expect(f, "@c6 payments-api/staging 1.2.0>1.3.0\n"
		  "@c4 payments-api/staging 1.1.0>1.2.0\n"
		  "@c3 payments-api/production 1.0.0>1.1.0\n"
		  "@c1 payments-api/production ->1.0.0\n");
	assert_int_equal(f->stats.commits, 8);

	q = (struct release_query){.since = label_named(f, "c4")->time};
	find_q(f, &q, keys);
	expect(f, "@c6 payments-api/staging 1.2.0>1.3.0\n"
		  "@c4 payments-api/staging 1.1.0>1.2.0\n");
	assert_int_equal(f->stats.commits, 5);

	q = (struct release_query){.since = label_named(f, "c4")->time + 1};
	find_q(f, &q, keys);
	expect(f, "@c6 payments-api/staging 1.2.0>1.3.0\n");
	assert_int_equal(f->stats.commits, 4);

	q = (struct release_query){.since = label_named(f, "c2")->time,
				   .limit = 1};
	find_q(f, &q, keys);
	expect(f, "@c6 payments-api/staging 1.2.0>1.3.0\n"
		  "@c3 payments-api/production 1.0.0>1.1.0\n");
	assert_int_equal(f->stats.commits, 6);

	q = (struct release_query){.max_commits = 3};
	find_q(f, &q, keys);
	expect(f, "@c6 payments-api/staging 1.2.0>1.3.0\n");
	assert_int_equal(f->stats.commits, 3);

	/* since after the tip: nothing, and nothing walked */
	q = (struct release_query){.since = label_named(f, "c8")->time + 1};
	find_q(f, &q, keys);
	expect(f, "");
	assert_int_equal(f->stats.commits, 0);

	/* no cells: nothing */
	static const char *const none[] = {NULL};
	find(f, none);
	expect(f, "");
}

/* A chart's values.yaml shared by tenants: a change is a release of each
 * cell that takes its version from it, and of no other. */
static void test_shared_file(void **state)
{
	struct fx *f = *state;
	opsdeck_yaml(f, PAYMENTS_FILE);
	values(f, PAY_CHART, "1.0.0", 1);
	values(f, MP_CHART, "2.0.0", 1);
	values(f, MP("acme", "production"), "2.0.1", 2);
	commit(f, &ALICE, "c1", "Start\n");
	values(f, MP_CHART, "2.1.0", 1);
	commit(f, &BOB, "c2", "merchant-portal: chart 2.1.0\n");
	values(f, MP_CHART, "2.1.0", 3);
	commit(f, &BOB, "c3", "merchant-portal: chart replicas 3\n");
	values(f, MP("acme", "production"), "2.1.0", 2);
	commit(f, &BOB, "c4", "merchant-portal: acme production 2.1.0\n");
	values(f, MP("euroshop", "staging"), "2.1.0", 2);
	commit(f, &BOB, "c5", "merchant-portal: pin euroshop staging\n");
	values(f, MP_CHART, "2.2.0", 3);
	commit(f, &BOB, "c6", "merchant-portal: chart 2.2.0\n");

	load(f);
	find(f, NULL);
	expect(f, "@c6 merchant-portal/production/euroshop 2.1.0>2.2.0\n"
		  "@c6 merchant-portal/staging/acme 2.1.0>2.2.0\n"
		  "@c4 merchant-portal/production/acme 2.0.1>2.1.0\n"
		  "@c2 merchant-portal/production/euroshop 2.0.0>2.1.0\n"
		  "@c2 merchant-portal/staging/acme 2.0.0>2.1.0\n"
		  "@c2 merchant-portal/staging/euroshop 2.0.0>2.1.0\n"
		  "@c1 merchant-portal/production/acme ->2.0.1\n"
		  "@c1 merchant-portal/production/euroshop ->2.0.0\n"
		  "@c1 merchant-portal/staging/acme ->2.0.0\n"
		  "@c1 merchant-portal/staging/euroshop ->2.0.0\n"
		  "@c1 payments-api/development ->1.0.0\n"
		  "@c1 payments-api/production ->1.0.0\n"
		  "@c1 payments-api/staging ->1.0.0\n");
	const struct release *r =
	    release_at(f, "merchant-portal/staging/acme", "c6");
	assert_direct(f, r, "c6", &BOB, "merchant-portal: chart 2.2.0");
	assert_ptr_equal(r->cell->tenant, model_tenant(f->m, "acme"));

	/* limit 1 over every cell: the walk ends when each has one */
	struct release_query q = {.limit = 1};
	find_q(f, &q, NULL);
	expect(f, "@c6 merchant-portal/production/euroshop 2.1.0>2.2.0\n"
		  "@c6 merchant-portal/staging/acme 2.1.0>2.2.0\n"
		  "@c4 merchant-portal/production/acme 2.0.1>2.1.0\n"
		  "@c2 merchant-portal/staging/euroshop 2.0.0>2.1.0\n"
		  "@c1 payments-api/development ->1.0.0\n"
		  "@c1 payments-api/production ->1.0.0\n"
		  "@c1 payments-api/staging ->1.0.0\n");
}

static char *iso(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	char s[64];
	strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return xstrdup(s);
}

static void assert_json(json_t *got, json_t *want)
{
	if (!json_equal(got, want)) {
		char *a = json_dumps(got, JSON_SORT_KEYS | JSON_INDENT(1));
		char *b = json_dumps(want, JSON_SORT_KEYS | JSON_INDENT(1));
		fail_msg("JSON:\n%s\nwanted:\n%s", a, b);
	}
	json_decref(got);
	json_decref(want);
}

static void test_json(void **state)
{
	struct fx *f = *state;
	build_merge(f);
	load(f);
	find(f, NULL);
	const struct label *m = label_named(f, "m"), *f1 = label_named(f, "f1"),
			   *c1 = label_named(f, "c1");
	char *mt = iso(m->time), *f1t = iso(f1->author_time),
	     *c1t = iso(c1->time), *c1at = iso(c1->author_time);
	assert_string_equal(mt, "2023-11-14T22:17:20Z");

	const struct release *r = release_at(f, "payments-api/production", "m");
	assert_json(
	    release_to_json(r),
	    J("{\"cell\": \"payments-api/production\","
	      " \"service\": \"payments-api\", \"environment\": \"production\","
	      " \"tenant\": null, \"from\": \"1.0.0\", \"to\": \"1.1.0\","
	      " \"commit\": \"%s\", \"time\": \"%s\","
	      " \"author\": \"Bob Builder\","
	      " \"authorEmail\": \"bob@finpay.example\","
	      " \"authorTime\": \"%s\","
	      " \"summary\": \"payments-api: production 1.1.0\","
	      " \"change\": \"%s\", \"mergedBy\": \"Carol Merger\","
	      " \"mergedByEmail\": \"carol@finpay.example\","
	      " \"trailers\": ["
	      "  {\"key\": \"Reviewed-by\","
	      "   \"value\": \"Dana Reviewer <dana@finpay.example>\"},"
	      "  {\"key\": \"Approved-by\","
	      "   \"value\": \"Erin Approver <erin@finpay.example>\"},"
	      "  {\"key\": \"Signed-off-by\","
	      "   \"value\": \"Bob Builder <bob@finpay.example>\"}]}",
	      m->hex, mt, f1t, f1->hex));

	r = release_at(f, "merchant-portal/production/acme", "c1");
	assert_json(
	    release_to_json(r),
	    J("{\"cell\": \"merchant-portal/production/acme\","
	      " \"service\": \"merchant-portal\","
	      " \"environment\": \"production\","
	      " \"tenant\": \"acme\", \"from\": null, \"to\": \"2.0.1\","
	      " \"commit\": \"%s\", \"time\": \"%s\","
	      " \"author\": \"Alice Able\","
	      " \"authorEmail\": \"alice@finpay.example\","
	      " \"authorTime\": \"%s\", \"summary\": \"Start\","
	      " \"change\": \"%s\", \"mergedBy\": null,"
	      " \"mergedByEmail\": null, \"trailers\": []}",
	      c1->hex, c1t, c1at, c1->hex));
	free(mt);
	free(f1t);
	free(c1t);
	free(c1at);
}

static void test_bad_input(void **state)
{
	struct fx *f = *state;
	opsdeck_yaml(f, PAYMENTS_FILE);
	values(f, PAY_CHART, "1.0.0", 1);
	values(f, MP_CHART, "2.0.0", 1);
	commit(f, &ALICE, "c1", "Start\n");
	load(f);
	struct vec cells = VEC_INIT, out = VEC_INIT;
	vec_push(&cells, cell(f, "payments-api/staging"));
	struct release_query q = {0};
	struct err e;
	/* not a commit: the tree's id, and an id that is nothing */
	char tree_hex[GIT_OID_HEXSZ + 1];
	rev(f, "HEAD^{tree}", tree_hex);
	git_oid bad[2];
	assert_int_equal(git_oid_fromstr(&bad[0], tree_hex), 0);
	assert_int_equal(
	    git_oid_fromstr(&bad[1],
			    "0123456789abcdef0123456789abcdef01234567"),
	    0);
	for (size_t i = 0; i < 2; i++) {
		e.msg[0] = '\0';
		assert_int_not_equal(
		    releases_find(f->r, &bad[i], &cells, &q, &out, NULL, &e),
		    ST_OK);
		assert_true(e.msg[0] != '\0');
		assert_int_equal(out.len, 0);
	}
	vec_free(&cells, NULL);
	vec_free(&out, release_free);
}

/* The environment diff: two environments' values files as a unified
 * diff, as `opsdeck diff --against-env` prints it. */
static void test_env_diff(void **state)
{
	struct fx *f = *state;
	opsdeck_yaml(f, PAYMENTS_FILE);
	values(f, PAY("staging"), "1.2.0", 2);
	values(f, PAY("production"), "1.1.0", 2);
	values(f, MP_CHART, "2.0.0", 1);
	commit(f, &ALICE, "c1", "Start\n");
	load(f);
	const struct model_cell *a = cell(f, "payments-api/staging"),
				*b = cell(f, "payments-api/production");
	assert_string_equal(a->desired.version, "1.2.0");
	assert_string_equal(b->desired.version, "1.1.0");
	struct buf ta = BUF_INIT, tb = BUF_INIT, out = BUF_INIT;
	struct err e;
	assert_int_equal(
	    repo_file(f->r, &f->tip.commit, a->files[0], NULL, &ta, &e), ST_OK);
	assert_int_equal(
	    repo_file(f->r, &f->tip.commit, b->files[0], NULL, &tb, &e), ST_OK);
	assert_int_equal(repo_diff_text(a->files[0], buf_str(&ta), ta.len,
					b->files[0], buf_str(&tb), tb.len, 3,
					&out, &e),
			 ST_OK);
	const char *d = buf_str(&out);
	const char *hunk = strstr(d, "--- a/");
	if (!hunk)
		fail_msg("no --- line in:\n%s", d);
	assert_string_equal(hunk,
			    "--- a/charts/payments-api/values-staging.yaml\n"
			    "+++ b/charts/payments-api/values-production.yaml\n"
			    "@@ -8,7 +8,7 @@ service:\n"
			    "   port: 8080\n"
			    " image:\n"
			    "   repository: registry.example.com/finpay/app\n"
			    "-  tag: \"1.2.0\"\n"
			    "+  tag: \"1.1.0\"\n"
			    "   pullPolicy: IfNotPresent\n"
			    " resources:\n"
			    "   limits:\n");
	/* what precedes is git's header, nothing else */
	assert_true(!strncmp(d,
			     "diff --git a/charts/payments-api/"
			     "values-staging.yaml b/charts/payments-api/"
			     "values-production.yaml\n",
			     strlen("diff --git a/charts/payments-api/"
				    "values-staging.yaml b/charts/"
				    "payments-api/values-production.yaml\n")));

	/* equal files: nothing */
	buf_clear(&out);
	assert_int_equal(repo_diff_text(a->files[0], buf_str(&ta), ta.len,
					"x.yaml", buf_str(&ta), ta.len, 3, &out,
					&e),
			 ST_OK);
	assert_int_equal(out.len, 0);

	/* one side absent (production has no file of its own) */
	buf_clear(&out);
	assert_int_equal(repo_diff_text(a->files[0], buf_str(&ta), ta.len,
					b->files[0], NULL, 0, 0, &out, &e),
			 ST_OK);
	assert_non_null(strstr(buf_str(&out),
			       "--- a/charts/payments-api/values-staging.yaml\n"
			       "+++ /dev/null\n"));
	assert_non_null(strstr(buf_str(&out), "\n-  tag: \"1.2.0\"\n"));
	/* every line removed, none added */
	const char *at = strstr(buf_str(&out), "\n@@ -1,19 +0,0 @@");
	assert_non_null(at);
	assert_null(strstr(at, "\n+"));
	buf_free(&ta);
	buf_free(&tb);
	buf_free(&out);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_value_changes), T(test_fallback),
	    T(test_merge),	   T(test_revert),
	    T(test_rename),	   T(test_rename_same_commit),
	    T(test_limits),	   T(test_shared_file),
	    T(test_json),	   T(test_bad_input),
	    T(test_env_diff),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
