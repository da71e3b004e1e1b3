/*
 * Unit tests for kubesim's scenario loader (tests/kubesim/scenario.c):
 * basic.yaml loads into the users, settings and Kubernetes objects other
 * tests rely on; every short form becomes the right object shape with its
 * sim.kubesim.io annotations; mistakes come back as file:line:col
 * problems; tokens are deterministic; RBAC decisions follow the rules.
 * Scenario files for the error cases are written to a mkdtemp directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_tmp.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/str.h"
#include "base/yaml.h"
#include "kubesim/kubesim.h"

static char tmpdir[64];
static int file_no;

/* basic.yaml from the repository root, or found next to this source. */
static const char *basic_path(void)
{
	static char path[1024];
	const char *rel = "tests/kubesim/scenarios/basic.yaml";
	if (access(rel, R_OK) == 0)
		return rel;
	snprintf(path, sizeof path, "%s", __FILE__);
	char *slash = strrchr(path, '/');
	if (slash)
		snprintf(slash, sizeof path - (size_t)(slash - path),
			 "/../kubesim/scenarios/basic.yaml");
	return path;
}

static const char *write_file(const char *text)
{
	static char path[128];
	snprintf(path, sizeof path, "%s/s%d.yaml", tmpdir, ++file_no);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static const char *const users_ok =
    "users:\n"
    "  - name: admin\n"
    "    rules: [{verbs: [\"*\"], resources: [\"*\"]}]\n";

/* Load text (followed by a valid users section unless it has its own)
 * that must fail; returns the message. */
static const char *fails(const char *text, struct err *e)
{
	struct buf b = BUF_INIT;
	buf_puts(&b, text);
	if (!strstr(text, "users:"))
		buf_puts(&b, users_ok);
	const char *path = write_file(buf_str(&b));
	buf_free(&b);
	struct ks_scenario sc;
	if (ks_scenario_load(path, 1, &sc, e) == ST_OK) {
		ks_scenario_free(&sc);
		fail_msg("expected problems with:\n%s", text);
	}
	assert_int_not_equal(e->code, ST_OK);
	return e->msg;
}

/* The message has a line starting with "file:" line_col_msg. */
static void assert_problem(const char *msg, const char *line_col_msg)
{
	char want[600];
	snprintf(want, sizeof want, "%s/s%d.yaml:%s", tmpdir, file_no,
		 line_col_msg);
	size_t n = strlen(want);
	for (const char *p = msg; p && *p;) {
		if (!strncmp(p, want, n))
			return;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	fail_msg("no problem \"%s\" in:\n%s", want, msg);
}

/* A bad scenario: text has a '^' right before the node the problem must
 * be reported at (the marker is removed before loading). */
struct bad_case {
	const char *text;
	const char *problem; /* the message (a prefix of it) */
};

static void check_cases(const struct bad_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char text[1024];
		int line = 1, col = 1, mline = 0, mcol = 0;
		size_t k = 0;
		for (const char *p = cases[i].text; *p && k < sizeof text - 1;
		     p++) {
			if (*p == '^') {
				mline = line, mcol = col;
				continue;
			}
			text[k++] = *p;
			if (*p == '\n')
				line++, col = 1;
			else
				col++;
		}
		text[k] = '\0';
		if (!mline)
			fail_msg("case %zu has no '^' marker", i);
		struct err e;
		const char *msg = fails(text, &e);
		assert_int_equal(e.code, ST_ERR_INVALID);
		char want[600];
		snprintf(want, sizeof want, "%d:%d: %s", mline, mcol,
			 cases[i].problem);
		assert_problem(msg, want);
	}
}

static json_t *find_obj(struct ks_scenario *sc, const char *kind,
			const char *name)
{
	for (size_t i = 0; i < sc->objects.len; i++) {
		json_t *o = sc->objects.items[i];
		json_t *meta = json_object_get(o, "metadata");
		if (str_eq(json_string_value(json_object_get(o, "kind")),
			   kind) &&
		    str_eq(json_string_value(json_object_get(meta, "name")),
			   name))
			return o;
	}
	return NULL;
}

/* A string at a JSON path of plain keys separated by '/'. */
static const char *str_at(json_t *o, const char *path)
{
	char buf[256];
	snprintf(buf, sizeof buf, "%s", path);
	for (char *k = strtok(buf, "/"); k && o; k = strtok(NULL, "/"))
		o = json_is_array(o) ? json_array_get(o, (size_t)atoi(k))
				     : json_object_get(o, k);
	return json_string_value(o);
}

static json_t *at(json_t *o, const char *path)
{
	char buf[256];
	snprintf(buf, sizeof buf, "%s", path);
	for (char *k = strtok(buf, "/"); k && o; k = strtok(NULL, "/"))
		o = json_is_array(o) ? json_array_get(o, (size_t)atoi(k))
				     : json_object_get(o, k);
	return o;
}

static struct ks_user *user(struct ks_scenario *sc, const char *name)
{
	for (size_t i = 0; i < sc->users.len; i++) {
		struct ks_user *u = sc->users.items[i];
		if (!strcmp(u->name, name))
			return u;
	}
	fail_msg("no user %s", name);
	return NULL;
}

static void test_basic_loads(void **state)
{
	(void)state;
	struct ks_scenario sc;
	struct err e = {0};
	const char *path = basic_path();
	if (ks_scenario_load(path, 1, &sc, &e) != ST_OK)
		fail_msg("%s", e.msg);
	assert_string_equal(sc.path, path);
	assert_true(sc.speed == 1);
	assert_int_equal(sc.history_window, 10000);
	assert_int_equal(sc.nodes, 3);
	assert_int_equal(sc.generate.namespaces, 0);
	assert_int_equal(sc.users.len, 4);
	assert_int_equal(sc.objects.len, 6);

	/* namespaces first */
	json_t *o0 = sc.objects.items[0], *o1 = sc.objects.items[1];
	assert_string_equal(str_at(o0, "kind"), "Namespace");
	assert_string_equal(str_at(o0, "metadata/name"), "demo");
	assert_string_equal(str_at(o1, "metadata/name"), "payments-prod");
	assert_string_equal(
	    json_string_value(json_object_get(at(o0, "metadata/labels"),
					      "kubernetes.io/metadata.name")),
	    "demo");
	for (size_t i = 2; i < sc.objects.len; i++)
		assert_string_not_equal(str_at(sc.objects.items[i], "kind"),
					"Namespace");

	json_t *web = find_obj(&sc, "Deployment", "web");
	assert_non_null(web);
	assert_string_equal(str_at(web, "apiVersion"), "apps/v1");
	assert_string_equal(str_at(web, "metadata/namespace"), "demo");
	assert_int_equal(json_integer_value(at(web, "spec/replicas")), 3);
	assert_string_equal(str_at(web, "spec/selector/matchLabels/app"),
			    "web");
	assert_string_equal(str_at(web, "spec/template/metadata/labels/app"),
			    "web");
	json_t *ctrs = at(web, "spec/template/spec/containers");
	assert_int_equal(json_array_size(ctrs), 1);
	assert_string_equal(str_at(ctrs, "0/name"), "web");
	assert_string_equal(str_at(ctrs, "0/image"),
			    "registry.local/demo/web:1.4.2");
	assert_null(at(ctrs, "0/resources"));
	assert_string_equal(str_at(web, "spec/strategy/type"), "RollingUpdate");
	json_t *ann = at(web, "spec/template/metadata/annotations");
	assert_string_equal(
	    json_string_value(json_object_get(ann, KS_ANN_READY_AFTER)), "1");
	assert_string_equal(
	    json_string_value(json_object_get(ann, KS_ANN_LOG_RATE)), "1");
	const char *lines =
	    json_string_value(json_object_get(ann, KS_ANN_LOG_LINES));
	assert_non_null(lines);
	assert_non_null(strstr(lines, "WARN"));
	assert_non_null(strstr(lines, "ERROR"));
	assert_non_null(strchr(lines, '\n'));
	assert_null(json_object_get(ann, KS_ANN_CRASH_AFTER));

	json_t *crashy = find_obj(&sc, "Deployment", "crashy");
	assert_int_equal(json_integer_value(at(crashy, "spec/replicas")), 1);
	assert_string_equal(
	    json_string_value(json_object_get(
		at(crashy, "spec/template/metadata/annotations"),
		KS_ANN_CRASH_AFTER)),
	    "2");

	json_t *job = find_obj(&sc, "Job", "migrate-ok");
	assert_non_null(job);
	assert_string_equal(str_at(job, "apiVersion"), "batch/v1");
	assert_string_equal(str_at(job, "spec/template/spec/restartPolicy"),
			    "Never");
	ann = at(job, "spec/template/metadata/annotations");
	assert_string_equal(
	    json_string_value(json_object_get(ann, KS_ANN_EXIT_AFTER)), "2");
	assert_string_equal(
	    json_string_value(json_object_get(ann, KS_ANN_EXIT_CODE)), "0");
	assert_int_equal(json_integer_value(at(job, "spec/backoffLimit")), 6);

	json_t *api = find_obj(&sc, "Deployment", "api");
	assert_string_equal(str_at(api, "metadata/namespace"), "payments-prod");
	assert_int_equal(json_integer_value(at(api, "spec/replicas")), 1);

	/* no objects the controller makes */
	assert_null(find_obj(&sc, "Pod", "web"));
	for (size_t i = 0; i < sc.objects.len; i++) {
		const char *k = str_at(sc.objects.items[i], "kind");
		assert_true(strcmp(k, "Node") && strcmp(k, "Pod") &&
			    strcmp(k, "ReplicaSet"));
	}

	assert_true(user(&sc, "admin")->admin);
	assert_false(user(&sc, "approver")->admin);
	assert_false(user(&sc, "viewer")->admin);
	assert_false(user(&sc, "junior")->admin);
	ks_scenario_free(&sc);
}

static void test_tokens(void **state)
{
	(void)state;
	struct ks_scenario a, b, c;
	struct err e;
	assert_int_equal(ks_scenario_load(basic_path(), 7, &a, &e), ST_OK);
	assert_int_equal(ks_scenario_load(basic_path(), 7, &b, &e), ST_OK);
	assert_int_equal(ks_scenario_load(basic_path(), 8, &c, &e), ST_OK);
	for (size_t i = 0; i < a.users.len; i++) {
		struct ks_user *ua = a.users.items[i], *ub = b.users.items[i],
			       *uc = c.users.items[i];
		assert_int_equal(strlen(ua->token), 35);
		assert_true(str_has_prefix(ua->token, "ks-"));
		for (const char *p = ua->token + 3; *p; p++)
			assert_non_null(strchr("0123456789abcdef", *p));
		assert_string_equal(ua->token, ub->token);
		assert_string_not_equal(ua->token, uc->token);
		assert_non_null(ua->uid);
		assert_string_equal(ua->uid, ub->uid);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(
			    ua->token,
			    ((struct ks_user *)a.users.items[j])->token);
		assert_ptr_equal(ks_scenario_user_by_token(&a, ua->token), ua);
	}
	assert_null(ks_scenario_user_by_token(&a, "ks-nope"));
	assert_null(ks_scenario_user_by_token(&a, ""));
	assert_null(ks_scenario_user_by_token(&a, NULL));
	ks_scenario_free(&a);
	ks_scenario_free(&b);
	ks_scenario_free(&c);

	/* a given token is kept */
	const char *path =
	    write_file("users:\n"
		       "  - name: a\n"
		       "    token: my-token.1\n"
		       "    rules: [{verbs: [get], resources: [pods]}]\n"
		       "  - name: b\n"
		       "    admin: true\n"
		       "    rules: [{verbs: [get], resources: [pods]}]\n");
	assert_int_equal(ks_scenario_load(path, 1, &a, &e), ST_OK);
	struct ks_user *u = ks_scenario_user_by_token(&a, "my-token.1");
	assert_non_null(u);
	assert_string_equal(u->name, "a");
	assert_false(u->admin);
	assert_true(((struct ks_user *)a.users.items[1])->admin);
	ks_scenario_free(&a);
}

static void test_rbac(void **state)
{
	(void)state;
	struct ks_scenario sc;
	struct err e;
	assert_int_equal(ks_scenario_load(basic_path(), 1, &sc, &e), ST_OK);
	const char *everyone[] = {"admin", "approver"};
	for (int i = 0; i < 2; i++) {
		struct ks_user *u = user(&sc, everyone[i]);
		assert_true(ks_rbac_allows(u, "delete", "pods", "demo"));
		assert_true(ks_rbac_allows(u, "patch", "deployments/scale",
					   "payments-prod"));
		assert_true(ks_rbac_allows(u, "list", "pods", NULL));
		assert_true(ks_rbac_allows(u, "create", "namespaces", ""));
	}
	struct ks_user *viewer = user(&sc, "viewer");
	assert_true(ks_rbac_allows(viewer, "get", "pods", "demo"));
	assert_true(
	    ks_rbac_allows(viewer, "watch", "deployments", "payments-prod"));
	assert_true(ks_rbac_allows(viewer, "list", "pods", NULL));
	assert_true(ks_rbac_allows(viewer, "list", "namespaces", ""));
	assert_true(ks_rbac_allows(viewer, "get", "pods/log", "demo"));
	assert_false(ks_rbac_allows(viewer, "delete", "pods", "demo"));
	assert_false(ks_rbac_allows(viewer, "patch", "deployments", "demo"));
	assert_false(
	    ks_rbac_allows(viewer, "update", "deployments/scale", "demo"));

	struct ks_user *junior = user(&sc, "junior");
	assert_true(ks_rbac_allows(junior, "delete", "pods", "demo"));
	assert_true(ks_rbac_allows(junior, "patch", "deployments", "demo"));
	assert_true(ks_rbac_allows(junior, "get", "pods/log", "demo"));
	assert_true(ks_rbac_allows(junior, "get", "pods", "prod"));
	assert_true(ks_rbac_allows(junior, "get", "pods", "prod-eu"));
	assert_false(ks_rbac_allows(junior, "get", "pods", "payments-prod"));
	assert_false(ks_rbac_allows(junior, "delete", "pods", "payments-prod"));
	assert_false(ks_rbac_allows(junior, "get", "pods", "x-prod"));
	/* not everywhere, so neither across all namespaces nor cluster
	 * scope */
	assert_false(ks_rbac_allows(junior, "list", "pods", NULL));
	assert_false(ks_rbac_allows(junior, "list", "namespaces", ""));

	assert_false(ks_rbac_allows(NULL, "get", "pods", "demo"));
	assert_false(ks_rbac_allows(viewer, NULL, "pods", "demo"));
	ks_scenario_free(&sc);
}

static void test_rbac_rules(void **state)
{
	(void)state;
	struct ks_scenario sc;
	struct err e;
	const char *path =
	    write_file("users:\n"
		       "  - name: dev\n"
		       "    rules:\n"
		       "      - verbs: [get, list]\n"
		       "        resources: [pods, \"pods/*\"]\n"
		       "        namespaces: [\"team-*\", demo]\n"
		       "      - verbs: [patch]\n"
		       "        resources: [deployments/scale]\n"
		       "        namespaces: [\"*\"]\n"
		       "        exceptNamespaces: [kube-system]\n"
		       "      - verbs: [list]\n"
		       "        resources: [nodes]\n");
	if (ks_scenario_load(path, 1, &sc, &e) != ST_OK)
		fail_msg("%s", e.msg);
	struct ks_user *u = sc.users.items[0];
	assert_true(u->admin); /* the first user when none is marked */
	assert_true(ks_rbac_allows(u, "get", "pods", "team-a"));
	assert_true(ks_rbac_allows(u, "get", "pods/log", "demo"));
	assert_false(ks_rbac_allows(u, "get", "pods", "other"));
	assert_false(ks_rbac_allows(u, "get", "pods", NULL));
	assert_false(ks_rbac_allows(u, "watch", "pods", "demo"));
	assert_false(ks_rbac_allows(u, "get", "deployments", "demo"));
	assert_true(ks_rbac_allows(u, "patch", "deployments/scale", "demo"));
	assert_false(ks_rbac_allows(u, "patch", "deployments", "demo"));
	assert_false(
	    ks_rbac_allows(u, "patch", "deployments/scale", "kube-system"));
	assert_false(ks_rbac_allows(u, "patch", "deployments/scale", NULL));
	assert_true(ks_rbac_allows(u, "list", "nodes", ""));
	assert_true(ks_rbac_allows(u, "list", "nodes", NULL));
	ks_scenario_free(&sc);
}

static void test_short_forms(void **state)
{
	(void)state;
	struct ks_scenario sc;
	struct err e;
	const char *path = write_file(
	    "speed: 2.5\n"
	    "historyWindow: 500\n"
	    "nodes: 7\n"
	    "pullErrors: [\"bad.io/*\"]\n"
	    "users:\n"
	    "  - name: a\n"
	    "    groups: [g1, g2]\n"
	    "    rules: [{verbs: [\"*\"], resources: [\"*\"]}]\n"
	    "namespaces:\n"
	    "  - name: ns1\n"
	    "    deployments:\n"
	    "      - name: multi\n"
	    "        labels: {tier: back, app: multi}\n"
	    "        containers:\n"
	    "          - {name: app, image: \"x/app:latest\"}\n"
	    "          - {name: side, image: x/side}\n"
	    "        strategy: Recreate\n"
	    "        paused: true\n"
	    "        progressDeadlineSeconds: 30\n"
	    "        startAfter: 500ms\n"
	    "        readyAfter: 1m30s\n"
	    "        neverReady: true\n"
	    "        pullError: true\n"
	    "        crashLoop: true\n"
	    "        logs: {rate: 0.5, format: json, lines: [a, b]}\n"
	    "      - name: roll\n"
	    "        image: x/roll:1\n"
	    "        replicas: 0\n"
	    "        maxSurge: 1\n"
	    "        maxUnavailable: 0\n"
	    "    jobs:\n"
	    "      - {name: bad-job, image: x/j:1, failAfter: 3, "
	    "backoffLimit: 2}\n"
	    "    configmaps:\n"
	    "      - {name: cfg.main, data: {a.b: \"1\", c: text}}\n"
	    "    secrets:\n"
	    "      - {name: sec, data: {password: hunter2}}\n"
	    "      - {name: tls, type: kubernetes.io/tls, data: {}}\n"
	    "    services:\n"
	    "      - {name: web, port: 80, targetPort: http}\n"
	    "      - {name: web2, port: 8080, selector: {app: multi}}\n"
	    "  - name: empty\n"
	    "    jobs:\n"
	    "manifests:\n"
	    "  - apiVersion: v1\n"
	    "    kind: ConfigMap\n"
	    "    metadata: {name: raw, namespace: extra}\n"
	    "    data: {k: v}\n"
	    "  - apiVersion: v1\n"
	    "    kind: Namespace\n"
	    "    metadata: {name: extra}\n"
	    "generate: {namespaces: 2, deploymentsPerNamespace: 3, "
	    "replicas: 4}\n");
	if (ks_scenario_load(path, 1, &sc, &e) != ST_OK)
		fail_msg("%s", e.msg);
	assert_true(sc.speed == 2.5);
	assert_int_equal(sc.history_window, 500);
	assert_int_equal(sc.nodes, 7);
	assert_int_equal(sc.pull_errors.len, 1);
	assert_string_equal(sc.pull_errors.items[0], "bad.io/*");
	assert_int_equal(sc.generate.namespaces, 2);
	assert_int_equal(sc.generate.deployments_per_ns, 3);
	assert_int_equal(sc.generate.replicas, 4);
	struct ks_user *u = sc.users.items[0];
	assert_int_equal(u->groups.len, 2);
	assert_string_equal(u->groups.items[1], "g2");

	/* order: namespaces (short, then manifests), objects, manifests */
	const char *order[][2] = {
	    {"Namespace", "ns1"},    {"Namespace", "empty"},
	    {"Namespace", "extra"},  {"ConfigMap", "cfg.main"},
	    {"Secret", "sec"},	     {"Secret", "tls"},
	    {"Service", "web"},	     {"Service", "web2"},
	    {"Deployment", "multi"}, {"Deployment", "roll"},
	    {"Job", "bad-job"},	     {"ConfigMap", "raw"},
	};
	assert_int_equal(sc.objects.len, sizeof order / sizeof order[0]);
	for (size_t i = 0; i < sc.objects.len; i++) {
		json_t *o = sc.objects.items[i];
		assert_string_equal(str_at(o, "kind"), order[i][0]);
		assert_string_equal(str_at(o, "metadata/name"), order[i][1]);
	}

	json_t *d = find_obj(&sc, "Deployment", "multi");
	assert_string_equal(str_at(d, "spec/strategy/type"), "Recreate");
	assert_null(at(d, "spec/strategy/rollingUpdate"));
	assert_true(json_is_true(at(d, "spec/paused")));
	assert_int_equal(
	    json_integer_value(at(d, "spec/progressDeadlineSeconds")), 30);
	assert_int_equal(json_integer_value(at(d, "spec/replicas")), 1);
	assert_string_equal(str_at(d, "metadata/labels/tier"), "back");
	assert_string_equal(str_at(d, "spec/template/metadata/labels/tier"),
			    "back");
	json_t *c = at(d, "spec/template/spec/containers");
	assert_int_equal(json_array_size(c), 2);
	assert_string_equal(str_at(c, "0/imagePullPolicy"), "Always");
	assert_string_equal(str_at(c, "1/name"), "side");
	assert_string_equal(str_at(c, "1/imagePullPolicy"), "Always");
	json_t *ann = at(d, "spec/template/metadata/annotations");
	struct {
		const char *key, *want;
	} anns[] = {{KS_ANN_START_AFTER, "0.5"},  {KS_ANN_READY_AFTER, "90"},
		    {KS_ANN_NEVER_READY, "true"}, {KS_ANN_PULL_ERROR, "true"},
		    {KS_ANN_CRASH_AFTER, "1"},	  {KS_ANN_LOG_RATE, "0.5"},
		    {KS_ANN_LOG_FORMAT, "json"},  {KS_ANN_LOG_LINES, "a\nb"}};
	for (size_t i = 0; i < sizeof anns / sizeof anns[0]; i++)
		assert_string_equal(
		    json_string_value(json_object_get(ann, anns[i].key)),
		    anns[i].want);

	d = find_obj(&sc, "Deployment", "roll");
	assert_int_equal(json_integer_value(at(d, "spec/replicas")), 0);
	assert_int_equal(
	    json_integer_value(at(d, "spec/strategy/rollingUpdate/maxSurge")),
	    1);
	assert_int_equal(json_integer_value(at(
			     d, "spec/strategy/rollingUpdate/maxUnavailable")),
			 0);
	assert_string_equal(str_at(d, "spec/template/spec/containers/0/"
				      "imagePullPolicy"),
			    "IfNotPresent");
	assert_null(at(d, "spec/template/metadata/annotations"));
	assert_null(at(d, "spec/paused"));

	json_t *j = find_obj(&sc, "Job", "bad-job");
	ann = at(j, "spec/template/metadata/annotations");
	assert_string_equal(
	    json_string_value(json_object_get(ann, KS_ANN_EXIT_AFTER)), "3");
	assert_string_equal(
	    json_string_value(json_object_get(ann, KS_ANN_EXIT_CODE)), "1");
	assert_int_equal(json_integer_value(at(j, "spec/backoffLimit")), 2);

	json_t *cm = find_obj(&sc, "ConfigMap", "cfg.main");
	assert_string_equal(str_at(cm, "data/c"), "text");
	assert_string_equal(json_string_value(json_object_get(
				json_object_get(cm, "data"), "a.b")),
			    "1");
	json_t *s = find_obj(&sc, "Secret", "sec");
	assert_string_equal(str_at(s, "type"), "Opaque");
	assert_string_equal(str_at(s, "data/password"), "aHVudGVyMg==");
	assert_string_equal(str_at(find_obj(&sc, "Secret", "tls"), "type"),
			    "kubernetes.io/tls");

	json_t *svc = find_obj(&sc, "Service", "web");
	assert_string_equal(str_at(svc, "spec/type"), "ClusterIP");
	assert_string_equal(str_at(svc, "spec/selector/app"), "web");
	assert_string_equal(str_at(svc, "spec/ports/0/targetPort"), "http");
	assert_int_equal(json_integer_value(at(svc, "spec/ports/0/port")), 80);
	const char *ip = str_at(svc, "spec/clusterIP");
	assert_true(str_has_prefix(ip, "10.96."));
	assert_string_not_equal(ip, "10.96.0.1");
	assert_string_equal(str_at(svc, "spec/clusterIPs/0"), ip);
	json_t *svc2 = find_obj(&sc, "Service", "web2");
	assert_string_not_equal(str_at(svc2, "spec/clusterIP"), ip);
	assert_string_equal(str_at(svc2, "spec/selector/app"), "multi");
	assert_int_equal(
	    json_integer_value(at(svc2, "spec/ports/0/targetPort")), 8080);

	/* the same seed gives the same addresses */
	struct ks_scenario again;
	assert_int_equal(ks_scenario_load(path, 1, &again, &e), ST_OK);
	assert_string_equal(
	    str_at(find_obj(&again, "Service", "web"), "spec/clusterIP"), ip);
	ks_scenario_free(&again);

	json_t *raw = find_obj(&sc, "ConfigMap", "raw");
	assert_string_equal(str_at(raw, "data/k"), "v");
	ks_scenario_free(&sc);
}

#define DEPLOY "namespaces:\n  - name: demo\n    deployments:\n"

static void test_problems_are_located(void **state)
{
	(void)state;
	static const struct bad_case cases[] = {
	    {DEPLOY "      - name: web\n        ^replica: 3\n"
		    "        image: x\n",
	     "unknown key 'replica' in a deployment (did you mean "
	     "'replicas'?)"},
	    {DEPLOY "      - name: web\n        replicas: ^three\n"
		    "        image: x\n",
	     "replicas must be a whole number, not a string"},
	    {DEPLOY "      - {name: web, image: x, readyAfter: ^5x}\n",
	     "readyAfter: bad duration '5x'; use seconds"},
	    {DEPLOY "      - {name: web, image: x, startAfter: ^-1}\n",
	     "startAfter must not be negative"},
	    {DEPLOY "      - {name: web, image: x, startAfter: ^[1]}\n",
	     "startAfter must be a duration"},
	    {DEPLOY "      - {name: web, image: x, replicas: ^-2}\n",
	     "replicas must be between 0 and 100000, not -2"},
	    {DEPLOY "      - {name: web, image: ^[x]}\n",
	     "image must be a string, not a list"},
	    {DEPLOY
	     "      - {name: web, image: x, crashLoop: {after: ^soon}}\n",
	     "after: bad duration 'soon'"},
	    {DEPLOY "      - {name: web, image: x, crashLoop: ^3}\n",
	     "crashLoop must be true, false or {after: <duration>}"},
	    {DEPLOY "      - {name: web, image: x}\n      - {name: ^web, "
		    "image: y}\n",
	     "there is already a Deployment named 'web' in namespace "
	     "'demo'"},
	    {DEPLOY "      - ^{name: web}\n", "a deployment needs 'image'"},
	    {DEPLOY "      - {name: web, ^image: x, containers: [{name: a, "
		    "image: b}]}\n",
	     "give either image or containers, not both"},
	    {DEPLOY "      - {name: web, containers: [{name: a, image: b}, "
		    "{name: ^a, image: c}]}\n",
	     "two containers named 'a'"},
	    {DEPLOY "      - {name: web, image: x, strategy: Recreate, "
		    "^maxSurge: 1}\n",
	     "maxSurge and maxUnavailable need strategy RollingUpdate"},
	    {DEPLOY "      - {name: web, image: x, maxSurge: 0, "
		    "maxUnavailable: ^0}\n",
	     "maxUnavailable and maxSurge cannot both be 0"},
	    {DEPLOY "      - {name: web, image: x, maxSurge: ^150%}\n",
	     "maxSurge must be a number of pods or a percentage"},
	    {DEPLOY "      - {name: web, image: x, strategy: ^Canary}\n",
	     "strategy must be RollingUpdate or Recreate"},
	    {DEPLOY "      - {name: web, image: x, labels: {app: ^other}}\n",
	     "label app is the selector"},
	    {DEPLOY "      - {name: web, image: x, logs: {rate: ^-1}}\n",
	     "rate must be a number of lines per second"},
	    {DEPLOY "      - {name: web, image: x, logs: {format: ^xml}}\n",
	     "format must be text or json"},
	    {DEPLOY "      - {name: web, image: x, logs: {lines: ^[]}}\n",
	     "lines must not be empty"},
	    {DEPLOY "      - {name: ^Web_1, image: x}\n",
	     "'Web_1' is not a valid deployment name"},
	    {DEPLOY "      - ^web\n",
	     "a deployment must be a mapping, not a string"},
	    {"speed: ^fast\n", "speed must be a number above 0"},
	    {"speed: ^0\n", "speed must be a number above 0"},
	    {"nodes: ^2.5\n", "nodes must be a whole number, not a number"},
	    {"historyWindow: ^0\n", "historyWindow must be between 1"},
	    {"pullErrors: ^bad.io\n", "pullErrors must be a list"},
	    {"^namespace: []\n", "unknown key 'namespace' in a scenario "
				 "(did you mean 'namespaces'?)"},
	    {"namespaces:\n  - name: ^Demo_1\n",
	     "'Demo_1' is not a valid namespace name"},
	    {"namespaces:\n  - name: a\n  - name: ^a\n",
	     "there is already a Namespace named 'a'"},
	    {"namespaces:\n  - name: a\n    labels: {^\"bad key!\": x}\n",
	     "'bad key!' is not a valid label key"},
	    {"namespaces:\n  - name: a\n    labels: {n: ^5}\n",
	     "labels values must be strings, not an integer (quote it"},
	    {"namespaces:\n  - name: a\n    jobs:\n      - ^{name: j, image: "
	     "i}\n",
	     "a job needs succeedAfter or failAfter"},
	    {"namespaces:\n  - name: a\n    jobs:\n      - {name: k, image: "
	     "i, succeedAfter: 1, ^failAfter: 2}\n",
	     "give either succeedAfter or failAfter, not both"},
	    {"namespaces:\n  - name: a\n    jobs:\n      - {name: k, image: "
	     "i, failAfter: 1, backoffLimit: ^-1}\n",
	     "backoffLimit must be between 0 and 1000"},
	    {"namespaces:\n  - name: a\n    services:\n      - {name: ^1svc, "
	     "port: 80}\n",
	     "'1svc' is not a valid service name"},
	    {"namespaces:\n  - name: a\n    services:\n      - {name: svc, "
	     "port: ^0}\n",
	     "port must be between 1 and 65535"},
	    {"namespaces:\n  - name: a\n    services:\n      - ^{name: svc}\n",
	     "a service needs 'port'"},
	    {"namespaces:\n  - name: a\n    configmaps:\n      - {name: c, "
	     "data: {a: ^1}}\n",
	     "data values must be strings"},
	    {"namespaces:\n  - name: a\n    secrets:\n      - {name: c, "
	     "data: {^\"a b\": x}}\n",
	     "'a b' is not a valid data key"},
	    {"namespaces:\n  - name: a\n    secrets:\n      - {name: c, "
	     "^kind: x}\n",
	     "unknown key 'kind' in a secret"},
	    {"manifests:\n  - apiVersion: v1\n    kind: Pod\n"
	     "    metadata: {name: p, namespace: ^nowhere}\n",
	     "namespace 'nowhere' is not declared"},
	    {"manifests:\n  - {apiVersion: v1, kind: ^Nodes, metadata: {name: "
	     "n}}\n",
	     "kubesim does not serve apiVersion v1 kind Nodes"},
	    {"manifests:\n  - {apiVersion: v1, kind: Node, metadata: {name: "
	     "n, namespace: ^x}}\n",
	     "a Node is not namespaced"},
	    {"manifests:\n  - {apiVersion: v1, kind: Pod, metadata: ^{name: "
	     "p}}\n",
	     "a Pod manifest needs metadata.namespace"},
	    {"manifests:\n  - ^{apiVersion: v1, kind: Pod}\n",
	     "a manifest needs metadata with a name"},
	    {"manifests:\n  - ^just a string\n",
	     "a manifest must be a mapping"},
	    {"namespaces: [{name: a}]\nmanifests:\n  - {apiVersion: v1, "
	     "kind: Namespace, metadata: {name: ^a}}\n",
	     "there is already a Namespace named 'a'"},
	    {"generate: ^{namespaces: 1000, deploymentsPerNamespace: 1000, "
	     "replicas: 10}\n",
	     "generate asks for 10000000 pods"},
	    {"generate: {namespaces: 1, ^extra: 1}\n",
	     "unknown key 'extra' in generate"},
	};
	check_cases(cases, sizeof cases / sizeof cases[0]);

	/* problems come in file order, whatever order they are found in */
	struct err e;
	const char *msg = fails(DEPLOY "      - name: Web\n"
				       "        imag: x\n",
				&e);
	assert_problem(msg, "4:15: 'Web' is not a valid");
	assert_problem(msg, "5:9: unknown key 'imag' in a deployment (did you "
			    "mean 'image'?)");
	assert_true(strstr(msg, ":4:15:") < strstr(msg, ":5:9:"));
}

static void test_user_problems(void **state)
{
	(void)state;
	static const struct bad_case cases[] = {
	    {"users:\n"
	     "  - name: two\n"
	     "    admin: true\n"
	     "    rules: [{verbs: [\"*\"], resources: [\"*\"]}]\n"
	     "  - name: three\n"
	     "    admin: ^true\n"
	     "    rules: [{verbs: [\"*\"], resources: [\"*\"]}]\n",
	     "only one user may be admin, and 'two' already is"},
	    {"users:\n  - name: a\n    rules: [{verbs: [get, ^lst], "
	     "resources: [pods]}]\n",
	     "unknown verb 'lst' (did you mean 'list'?)"},
	    {"users:\n  - name: a\n    rules: [{verbs: [get], resources: "
	     "[^pod]}]\n",
	     "unknown resource 'pod'"},
	    {"users:\n  - name: a\n    rules: [{verbs: [get], resources: "
	     "[pods], namespaces: ^[]}]\n",
	     "namespaces must not be empty"},
	    {"users:\n  - name: a\n    rules: [{verbs: ^[], resources: "
	     "[pods]}]\n",
	     "verbs must not be empty"},
	    {"users:\n  - name: a\n    rules: [^{resources: [pods]}]\n",
	     "a rule needs 'verbs'"},
	    {"users:\n  - name: a\n    rules: [{verbs: [get], resources: "
	     "[pods], ^verb: [x]}]\n",
	     "unknown key 'verb' in a rule (did you mean 'verbs'?)"},
	    {"users:\n  - ^name: a\n", "a user needs rules"},
	    {"users:\n  - name: a\n    rules: ^[]\n",
	     "rules must not be empty"},
	    {"users:\n  - name: a\n    rules: [{verbs: [get], resources: "
	     "[pods]}]\n  - name: ^a\n    rules: [{verbs: [get], "
	     "resources: [pods]}]\n",
	     "there is already a user named 'a'"},
	    {"users:\n  - name: a\n    token: tok-1\n    rules: [{verbs: "
	     "[get], resources: [pods]}]\n  - name: b\n    token: ^tok-1\n"
	     "    rules: [{verbs: [get], resources: [pods]}]\n",
	     "user 'b' has the same token as user 'a'"},
	    {"users:\n  - name: a\n    token: ^\"has space\"\n    rules: "
	     "[{verbs: [get], resources: [pods]}]\n",
	     "a token must be letters"},
	    {"users:\n  - name: ^\"a b\"\n    rules: [{verbs: [get], "
	     "resources: [pods]}]\n",
	     "'a b' is not a valid user name"},
	    {"users:\n  - name: a\n    admin: ^yes\n    rules: [{verbs: "
	     "[get], resources: [pods]}]\n",
	     "admin must be true or false, not a string"},
	    {"users:\n  - name: a\n    ^group: [x]\n    rules: [{verbs: "
	     "[get], resources: [pods]}]\n",
	     "unknown key 'group' in a user (did you mean 'groups'?)"},
	    {"users: ^[]\n", "users must not be empty"},
	    {"users: ^{}\n", "users must be a list, not a mapping"},
	};
	check_cases(cases, sizeof cases / sizeof cases[0]);

	/* no users at all */
	struct err e;
	const char *path = write_file("speed: 1\n");
	struct ks_scenario sc;
	assert_int_not_equal(ks_scenario_load(path, 1, &sc, &e), ST_OK);
	assert_non_null(strstr(e.msg, "a scenario needs users"));
	assert_true(str_has_prefix(e.msg, path));
}

static void test_many_problems_are_cut(void **state)
{
	(void)state;
	struct err e;
	struct buf b = BUF_INIT;
	buf_puts(&b, DEPLOY);
	for (int i = 0; i < 60; i++)
		buf_printf(&b, "      - {name: d%d, image: x, replicas: -%d}\n",
			   i, i + 1);
	const char *msg = fails(buf_str(&b), &e);
	buf_free(&b);
	assert_true(strlen(msg) < ERR_MSG_MAX);
	const char *more = strstr(msg, "\n(and ");
	assert_non_null(more);
	int shown = 1, rest = 0;
	for (const char *p = msg; p < more; p++)
		shown += *p == '\n';
	assert_int_equal(sscanf(more, "\n(and %d more)", &rest), 1);
	assert_int_equal(shown + rest, 60);
	/* every line shown is whole */
	assert_problem(msg, "4:40: replicas must be between 0 and 100000, "
			    "not -1\n");
}

static void test_file_problems(void **state)
{
	(void)state;
	struct err e;
	struct ks_scenario sc;
	char missing[128];
	snprintf(missing, sizeof missing, "%s/none.yaml", tmpdir);
	assert_int_equal(ks_scenario_load(missing, 1, &sc, &e),
			 ST_ERR_NOTFOUND);
	assert_true(str_has_prefix(e.msg, missing));
	assert_null(sc.path);
	assert_int_equal(sc.users.len, 0);
	ks_scenario_free(&sc); /* harmless after a failure */

	const char *path = write_file("users: [\n");
	assert_int_equal(ks_scenario_load(path, 1, &sc, &e), ST_ERR_PARSE);
	char want[200];
	snprintf(want, sizeof want, "%s:2:1: ", path);
	assert_true(str_has_prefix(e.msg, want));

	path = write_file("users: []\n---\nspeed: 1\n");
	assert_int_equal(ks_scenario_load(path, 1, &sc, &e), ST_ERR_PARSE);
	snprintf(want, sizeof want, "%s:2:1: expected a single YAML document",
		 path);
	assert_true(str_has_prefix(e.msg, want));

	path = write_file("- just\n- a list\n");
	assert_int_equal(ks_scenario_load(path, 1, &sc, &e), ST_ERR_INVALID);
	snprintf(want, sizeof want, "%s:1:1: a scenario is a mapping", path);
	assert_true(str_has_prefix(e.msg, want));

	path = write_file("");
	assert_int_equal(ks_scenario_load(path, 1, &sc, &e), ST_ERR_INVALID);
}

static void test_bench_scenarios(void **state)
{
	(void)state;
	char path[1024];
	const char *basic = basic_path();
	struct {
		const char *file;
		long ns, per, reps;
	} benches[] = {{"bench-10k.yaml", 10, 10, 100},
		       {"bench-100k.yaml", 100, 10, 100}};
	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof path, "%.*s%s",
			 (int)(strrchr(basic, '/') + 1 - basic), basic,
			 benches[i].file);
		struct ks_scenario sc;
		struct err e;
		if (ks_scenario_load(path, 1, &sc, &e) != ST_OK)
			fail_msg("%s", e.msg);
		assert_int_equal(sc.generate.namespaces, benches[i].ns);
		assert_int_equal(sc.generate.deployments_per_ns,
				 benches[i].per);
		assert_int_equal(sc.generate.replicas, benches[i].reps);
		assert_int_equal(sc.users.len, 1);
		assert_true(((struct ks_user *)sc.users.items[0])->admin);
		ks_scenario_free(&sc);
	}
}

static int setup(void **state)
{
	(void)state;
	return tmpdir_make(tmpdir, sizeof tmpdir, "scenario");
}

static int teardown(void **state)
{
	(void)state;
	return tmpdir_remove(tmpdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_basic_loads),
	    cmocka_unit_test(test_tokens),
	    cmocka_unit_test(test_rbac),
	    cmocka_unit_test(test_rbac_rules),
	    cmocka_unit_test(test_short_forms),
	    cmocka_unit_test(test_problems_are_located),
	    cmocka_unit_test(test_user_problems),
	    cmocka_unit_test(test_many_problems_are_cut),
	    cmocka_unit_test(test_file_problems),
	    cmocka_unit_test(test_bench_scenarios),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
