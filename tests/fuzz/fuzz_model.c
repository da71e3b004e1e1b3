/*
 * libFuzzer target for opsdeck.yaml.
 *
 * The input is one opsdeck.yaml. It is parsed and validated; a model that
 * loads has every cell's desired version read through a source serving a
 * few fixed version files (a Helm values file, a Chart.yaml, a Kustomize
 * overlay, a multi-document manifest, a file that is not YAML, and one
 * whose tag is a mapping); every other path does not exist. Everything is
 * freed. Invariants the code promises are checked, and a violation traps
 * so the fuzzer reports it:
 *   - a status and the model agree (non-NULL exactly on ST_OK), and a
 *     failure has problems;
 *   - every problem is one terminal-safe line (no C0/C1 control, no DEL),
 *     and the problems of opsdeck.yaml are each "opsdeck.yaml:N:N: ..."
 *     (or the loader's "opsdeck.yaml: ..." for limits);
 *   - on success every cell has a key, workload, namespace and one file
 *     per locator, the lookups find it (model_cell, model_cell_of) and no
 *     two cells share a key; the services' cells add up to the model's;
 *   - after model_read_desired every cell has a version or an error (not
 *     both), and a version came from one of its locators.
 *
 *   corpus: tests/fuzz/corpus/model/
 */
#include <git2.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/status.h"
#include "model/model.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c))                                                      \
			__builtin_trap();                                      \
	} while (0)

static const struct {
	const char *path, *text;
} files[] = {
    {"v.yaml", "image:\n  repository: app\n  tag: 1.2.3\n"},
    {"values.yaml", "image: {tag: \"2.0\"}\nreplicas: 3\n"},
    {"Chart.yaml", "apiVersion: v2\nname: app\nappVersion: 1.10\n"},
    {"kustomization.yaml",
     "images:\n  - name: app\n    newTag: \"3.1\"\n  - name: other\n"
     "    newTag: [x]\n"},
    {"m.yaml", "kind: Service\nmetadata: {name: app}\n---\n"
	       "kind: Deployment\nmetadata: {name: app}\n"
	       "spec: {template: {spec: {containers: "
	       "[{name: app, image: \"reg:5000/app:4.0@sha256:abc\"}]}}}\n"
	       "---\n"
	       "kind: Deployment\nmetadata: {name: app}\n"},
    {"bad.yaml", "image: {tag: [1.0\n"},
    {"map.yaml", "image:\n  tag:\n    nested: 1\n"},
};
#define NFILES (sizeof files / sizeof files[0])
static git_oid ids[NFILES];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	git_libgit2_init();
	for (size_t i = 0; i < NFILES; i++)
		CHECK(git_odb_hash(&ids[i], files[i].text,
				   strlen(files[i].text),
				   GIT_OBJECT_BLOB) == 0);
	return 0;
}

static enum status src_blob_id(void *arg, const char *path, git_oid *out,
			       struct err *e)
{
	(void)arg;
	for (size_t i = 0; i < NFILES; i++)
		if (!strcmp(files[i].path, path)) {
			*out = ids[i];
			return ST_OK;
		}
	return err_set(e, ST_ERR_NOTFOUND, "no such file");
}

static enum status src_blob(void *arg, const git_oid *id, struct buf *content,
			    struct err *e)
{
	(void)arg;
	for (size_t i = 0; i < NFILES; i++)
		if (git_oid_equal(&ids[i], id)) {
			buf_puts(content, files[i].text);
			return ST_OK;
		}
	return err_set(e, ST_ERR_NOTFOUND, "no such blob");
}

/* One line a terminal shows as it is. */
static void check_safe(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	CHECK(n > 0);
	for (size_t i = 0; i < n; i++) {
		CHECK(p[i] >= 0x20 && p[i] != 0x7f);
		CHECK(!(p[i] == 0xc2 && i + 1 < n && p[i + 1] >= 0x80 &&
			p[i + 1] <= 0x9f));
	}
}

/* "opsdeck.yaml:N:N: message" (or "opsdeck.yaml: message"). */
static void check_located(const char *s, size_t n)
{
	static const char name[] = "opsdeck.yaml:";
	size_t k = sizeof name - 1;
	CHECK(n > k && !memcmp(s, name, k));
	if (s[k] == ' ')
		return;
	for (int field = 0; field < 2; field++) {
		size_t start = k;
		while (k < n && s[k] >= '0' && s[k] <= '9')
			k++;
		CHECK(k > start && s[start] != '0' && k < n && s[k] == ':');
		k++;
	}
	CHECK(k + 1 < n && s[k] == ' ');
}

static void check_lines(const struct buf *b, bool located)
{
	const char *s = buf_str(b), *end = s + b->len;
	CHECK(!b->len || end[-1] == '\n');
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		CHECK(nl);
		check_safe(s, (size_t)(nl - s));
		if (located)
			check_located(s, (size_t)(nl - s));
		s = nl + 1;
	}
}

static void check_model(const struct model *m)
{
	size_t total = 0;
	for (size_t i = 0; i < m->services.len; i++) {
		const struct model_service *s = m->services.items[i];
		CHECK(s->index == i && model_service(m, s->name) == s);
		CHECK(s->locators.len > 0);
		total += s->cells.len;
	}
	CHECK(total == m->cells.len);
	CHECK(m->envs.len > 0);
	for (size_t i = 0; i < m->envs.len; i++) {
		const struct model_env *e = m->envs.items[i];
		CHECK(e->index == i);
		CHECK(model_env(m, e->name) == e);
		CHECK(model_env(m, e->short_) == e);
	}
	for (size_t i = 0; i < m->tenants.len; i++) {
		const struct model_tenant *t = m->tenants.items[i];
		CHECK(t->index == i && model_tenant(m, t->name) == t);
		CHECK(t->title && *t->title);
	}
	for (size_t i = 0; i < m->cells.len; i++) {
		const struct model_cell *c = m->cells.items[i];
		CHECK(c->key && c->workload && c->namespace_ && c->files);
		CHECK(*c->workload && *c->namespace_);
		CHECK(c->service && c->env);
		CHECK(!c->tenant == !c->service->tenanted);
		for (size_t li = 0; li < c->service->locators.len; li++)
			CHECK(c->files[li] && c->files[li][0] &&
			      c->files[li][0] != '/');
		CHECK(model_cell(m, c->key) == c);
		CHECK(model_cell_of(m, c->service, c->env, c->tenant) == c);
	}
	CHECK(m->cell_by_key.len == m->cells.len);
	CHECK(m->runbooks && m->runbooks[strlen(m->runbooks) - 1] == '/');
}

static void check_desired(const struct model *m)
{
	for (size_t i = 0; i < m->cells.len; i++) {
		const struct model_cell *c = m->cells.items[i];
		const struct model_desired *d = &c->desired;
		CHECK(!d->version != !d->error);
		if (d->version) {
			CHECK(d->source >= 0 &&
			      (size_t)d->source < c->service->locators.len);
			check_safe(d->version, strlen(d->version));
		} else {
			CHECK(d->source == -1);
			check_safe(d->error, strlen(d->error));
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct model *m = (struct model *)1;
	struct buf problems = BUF_INIT;
	enum status st = model_parse("opsdeck.yaml", (const char *)data, size,
				     &m, &problems);
	if (st != ST_OK) {
		CHECK(!m);
		CHECK(problems.len > 0);
		check_lines(&problems, true);
		buf_free(&problems);
		return 0;
	}
	CHECK(m);
	CHECK(problems.len == 0);
	check_model(m);
	struct model_source src = {src_blob_id, src_blob, NULL};
	model_read_desired(m, &src, &problems);
	check_lines(&problems, false);
	check_desired(m);
	buf_free(&problems);
	model_free(m);
	return 0;
}
