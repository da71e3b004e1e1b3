/*
 * Unit tests for src/kube/kubeconfig: KUBECONFIG merging (first definition
 * wins whole, first non-empty current-context, missing files skipped),
 * --kubeconfig and ~/.kube/config, every credential form, relative paths,
 * *-data over files, token over tokenFile, tokenFile re-reading, every
 * contradiction kubectl rejects, malformed files reported as
 * "file:line:col", and no secret in any message. Files live in a mkdtemp
 * directory per test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_tmp.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/status.h"
#include "kube/kubeconfig.h"

static char tmp[PATH_MAX];

/* A path inside the test's directory (a few may be alive at once). */
static const char *P(const char *rel)
{
	static char bufs[8][PATH_MAX + 64];
	static unsigned n;
	char *b = bufs[n++ % 8];
	snprintf(b, sizeof bufs[0], "%s/%s", tmp, rel);
	return b;
}

/* Write a file under the test's directory, creating its folders. */
static void put(const char *rel, const char *text)
{
	char path[PATH_MAX + 64];
	snprintf(path, sizeof path, "%s", P(rel));
	for (char *s = path + strlen(tmp) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		mkdir(path, 0700);
		*s = '/';
	}
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static int setup(void **state)
{
	(void)state;
	unsetenv("KUBECONFIG");
	return tmpdir_make(tmp, sizeof tmp, "kubeconfig");
}

static int teardown(void **state)
{
	(void)state;
	return tmpdir_remove(tmp);
}

static struct kubeconfig *parse(const char *text)
{
	struct kubeconfig *kc = NULL;
	struct err e;
	if (kubeconfig_parse("t.yaml", text, strlen(text), tmp, &kc, &e))
		fail_msg("parse: %s", e.msg);
	assert_non_null(kc);
	return kc;
}

static struct kube_target *resolve(const struct kubeconfig *kc, const char *ctx)
{
	struct kube_target *t = NULL;
	struct err e;
	if (kubeconfig_resolve(kc, ctx, &t, &e))
		fail_msg("resolve %s: %s", ctx ? ctx : "(current)", e.msg);
	assert_non_null(t);
	return t;
}

/* Parse text and resolve its current context. */
static struct kube_target *target(const char *text)
{
	struct kubeconfig *kc = parse(text);
	struct kube_target *t = resolve(kc, NULL);
	kubeconfig_free(kc);
	return t;
}

static struct kubeconfig *load(const char *explicit_path)
{
	struct kubeconfig *kc = NULL;
	struct err e;
	if (kubeconfig_load(explicit_path, &kc, &e))
		fail_msg("load: %s", e.msg);
	assert_non_null(kc);
	return kc;
}

/* No secret of the fixtures, plain or base64, in a message. */
static void assert_no_secret(const char *msg)
{
	const char *secrets[] = {"SECRET", "U0VDUkVU", "FFFFFFFF", "pa55"};
	for (size_t i = 0; i < sizeof secrets / sizeof *secrets; i++)
		if (strstr(msg, secrets[i]))
			fail_msg("a secret in the message: %s", msg);
}

/* The 1-based line of the first occurrence of needle in text. */
static int line_of(const char *text, const char *needle)
{
	const char *at = strstr(text, needle);
	if (!at)
		fail_msg("test bug: \"%s\" not in the fixture", needle);
	int line = 1;
	for (const char *s = text; s < at; s++)
		line += *s == '\n';
	return line;
}

/* msg is "t.yaml:<line>:<col>: ..." and contains says. */
static void assert_msg(const char *msg, int line, const char *says)
{
	int l = 0, c = 0;
	if (line &&
	    (sscanf(msg, "t.yaml:%d:%d: ", &l, &c) != 2 || l != line || c < 1))
		fail_msg("expected t.yaml:%d:col: in \"%s\"", line, msg);
	if (says && !strstr(msg, says))
		fail_msg("expected \"%s\" in \"%s\"", says, msg);
	assert_no_secret(msg);
}

static void assert_list(const char **got, size_t n, const char *const *want)
{
	size_t i = 0;
	for (; want[i]; i++) {
		if (i >= n)
			fail_msg("missing [%zu] %s", i, want[i]);
		assert_string_equal(got[i], want[i]);
	}
	assert_int_equal(n, i);
}

static void assert_files(const struct kubeconfig *kc, const char *const *want)
{
	const char **got;
	size_t n = kubeconfig_files(kc, &got);
	assert_list(got, n, want);
}

static void assert_contexts(const struct kubeconfig *kc,
			    const char *const *want)
{
	const char **got;
	size_t n = kubeconfig_contexts(kc, &got);
	assert_list(got, n, want);
}

#define CA64   "Q0EtUEVNCg==" /* "CA-PEM\n" */
#define CERT64 "Q0VSVC1QRU0K" /* "CERT-PEM\n" */
#define KEY64  "S0VZLVBFTQo=" /* "KEY-PEM\n" */

/* A context "c" on cluster "k" as user "u"; append the cluster's and the
 * user's fields (4-space indented) after KB and US. */
#define CX                                                                     \
	"current-context: c\n"                                                 \
	"contexts:\n"                                                          \
	"- name: c\n"                                                          \
	"  context: {cluster: k, user: u}\n"
#define KB                                                                     \
	"clusters:\n"                                                          \
	"- name: k\n"                                                          \
	"  cluster:\n"                                                         \
	"    server: https://k.example:6443\n"
#define US                                                                     \
	"users:\n"                                                             \
	"- name: u\n"                                                          \
	"  user:\n"

/* ---- where the kubeconfig comes from ---- */

static const char A_YAML[] = "current-context: \"\"\n"
			     "clusters:\n"
			     "- name: shared\n"
			     "  cluster: {server: \"https://a.example/\"}\n"
			     "contexts:\n"
			     "- name: ctx-a\n"
			     "  context: {cluster: shared, user: ua}\n"
			     "- name: shared-ctx\n"
			     "  context: {cluster: shared, user: ua, "
			     "namespace: from-a}\n"
			     "users:\n"
			     "- name: ua\n"
			     "  user: {token: token-a}\n";

static const char B_YAML[] = "current-context: shared-ctx\n"
			     "clusters:\n"
			     "- name: shared\n"
			     "  cluster:\n"
			     "    server: https://b.example\n"
			     "    certificate-authority-data: " CA64 "\n"
			     "- name: only-b\n"
			     "  cluster: {server: \"https://only-b.example\"}\n"
			     "contexts:\n"
			     "- name: shared-ctx\n"
			     "  context: {cluster: only-b, user: ub}\n"
			     "- name: ctx-b\n"
			     "  context: {cluster: shared, user: ub}\n"
			     "users:\n"
			     "- name: ua\n"
			     "  user: {token: token-b}\n"
			     "- name: ub\n"
			     "  user: {username: bob, password: pa55}\n";

static const char C_YAML[] = "current-context: ctx-c\n"
			     "contexts:\n"
			     "- name: ctx-c\n"
			     "  context: {cluster: only-b}\n";

static void test_kubeconfig_list_merging(void **state)
{
	(void)state;
	put("a.yaml", A_YAML);
	put("b.yaml", B_YAML);
	put("c.yaml", C_YAML);
	char list[4 * PATH_MAX];
	snprintf(list, sizeof list, "%s:%s::%s:%s:%s", P("a.yaml"),
		 P("missing.yaml"), P("b.yaml"), P("c.yaml"), P("a.yaml"));
	setenv("KUBECONFIG", list, 1);
	struct kubeconfig *kc = load(NULL);

	const char *want_files[] = {P("a.yaml"), P("b.yaml"), P("c.yaml"),
				    NULL};
	assert_files(kc, want_files);
	const char *want_ctx[] = {"ctx-a", "shared-ctx", "ctx-b", "ctx-c",
				  NULL};
	assert_contexts(kc, want_ctx);
	/* a.yaml's is empty, so b.yaml's counts */
	assert_string_equal(kubeconfig_current(kc), "shared-ctx");

	/* shared-ctx, cluster shared and user ua all come from a.yaml, whole:
	 * b.yaml's CA for "shared" is not mixed in */
	struct kube_target *t = resolve(kc, NULL);
	assert_string_equal(t->context, "shared-ctx");
	assert_string_equal(t->source, P("a.yaml"));
	assert_string_equal(t->server, "https://a.example");
	assert_null(t->ca_pem);
	assert_string_equal(t->namespace_, "from-a");
	assert_string_equal(t->user_name, "ua");
	assert_string_equal(t->token, "token-a");
	kube_target_free(t);

	/* a context from b.yaml uses a.yaml's cluster of the same name */
	t = resolve(kc, "ctx-b");
	assert_string_equal(t->source, P("b.yaml"));
	assert_string_equal(t->server, "https://a.example");
	assert_string_equal(t->username, "bob");
	assert_string_equal(t->password, "pa55");
	assert_null(t->token);
	kube_target_free(t);

	/* no user: anonymous */
	t = resolve(kc, "ctx-c");
	assert_string_equal(t->server, "https://only-b.example");
	assert_string_equal(t->namespace_, "default");
	assert_string_equal(t->user_name, "");
	assert_null(t->token);
	assert_null(t->username);
	assert_null(t->exec);
	kube_target_free(t);

	struct err e;
	assert_int_equal(kubeconfig_resolve(kc, "nope", &t, &e),
			 ST_ERR_NOTFOUND);
	assert_null(t);
	assert_non_null(strstr(e.msg, "context \"nope\" not found"));
	kubeconfig_free(kc);
}

static void test_merge_by_hand(void **state)
{
	(void)state;
	struct kubeconfig *a = parse(A_YAML), *c = parse(C_YAML);
	assert_null(kubeconfig_current(a));
	kubeconfig_merge(a, c);
	assert_string_equal(kubeconfig_current(a), "ctx-c");
	const char *want[] = {"ctx-a", "shared-ctx", "ctx-c", NULL};
	assert_contexts(a, want);
	/* ctx-c's cluster is in no file */
	struct kube_target *t = NULL;
	struct err e;
	assert_int_equal(kubeconfig_resolve(a, NULL, &t, &e), ST_ERR_INVALID);
	assert_msg(e.msg, 4,
		   "context \"ctx-c\": cluster \"only-b\" is not "
		   "defined");
	kubeconfig_free(a);
}

static void test_explicit_file(void **state)
{
	(void)state;
	put("a.yaml", A_YAML);
	put("c.yaml", C_YAML);
	setenv("KUBECONFIG", P("a.yaml"), 1);
	/* --kubeconfig: that file only, no merging with KUBECONFIG */
	struct kubeconfig *kc = load(P("c.yaml"));
	const char *want[] = {P("c.yaml"), NULL};
	assert_files(kc, want);
	kubeconfig_free(kc);

	struct err e;
	assert_int_equal(kubeconfig_load(P("missing.yaml"), &kc, &e),
			 ST_ERR_NOTFOUND);
	assert_null(kc);
	assert_non_null(strstr(e.msg, "missing.yaml"));
}

static void test_home_fallback(void **state)
{
	(void)state;
	char *home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
	setenv("HOME", tmp, 1);

	/* no file anywhere: an empty config, and resolving says why */
	struct kubeconfig *kc = load(NULL);
	const char **p;
	assert_int_equal(kubeconfig_files(kc, &p), 0);
	assert_int_equal(kubeconfig_contexts(kc, &p), 0);
	assert_null(kubeconfig_current(kc));
	struct kube_target *t;
	struct err e;
	assert_int_equal(kubeconfig_resolve(kc, NULL, &t, &e), ST_ERR_NOTFOUND);
	assert_non_null(strstr(e.msg, "no current-context"));
	kubeconfig_free(kc);

	put(".kube/config", C_YAML);
	kc = load(NULL);
	const char *want[] = {P(".kube/config"), NULL};
	assert_files(kc, want);
	assert_string_equal(kubeconfig_current(kc), "ctx-c");
	kubeconfig_free(kc);

	/* an empty KUBECONFIG is unset */
	setenv("KUBECONFIG", "", 1);
	kc = load(NULL);
	assert_int_equal(kubeconfig_files(kc, &p), 1);
	kubeconfig_free(kc);

	if (home)
		setenv("HOME", home, 1);
	free(home);
}

static void test_broken_file_in_list(void **state)
{
	(void)state;
	put("a.yaml", A_YAML);
	put("bad.yaml", "clusters:\n- name: x\n  cluster: [1]\n");
	char list[2 * PATH_MAX];
	snprintf(list, sizeof list, "%s:%s", P("a.yaml"), P("bad.yaml"));
	setenv("KUBECONFIG", list, 1);
	struct kubeconfig *kc;
	struct err e;
	assert_int_equal(kubeconfig_load(NULL, &kc, &e), ST_ERR_PARSE);
	assert_null(kc);
	char want[PATH_MAX + 16];
	snprintf(want, sizeof want, "%s:3:", P("bad.yaml"));
	assert_true(strncmp(e.msg, want, strlen(want)) == 0);

	/* a quote in the path does not upset hiding the value */
	put("it's.yaml", "users:\n- name: u\n  user:\n"
			 "    token: !!int SECRET-TOKEN-123\n");
	setenv("KUBECONFIG", P("it's.yaml"), 1);
	assert_int_equal(kubeconfig_load(NULL, &kc, &e), ST_ERR_PARSE);
	snprintf(want, sizeof want, "%s:4:", P("it's.yaml"));
	if (strncmp(e.msg, want, strlen(want)))
		fail_msg("%s", e.msg);
	assert_no_secret(e.msg);
	assert_non_null(strstr(e.msg, "'***' is not a valid !!int"));

	/* a folder is not a missing file */
	mkdir(P("dir"), 0700);
	setenv("KUBECONFIG", P("dir"), 1);
	assert_int_equal(kubeconfig_load(NULL, &kc, &e), ST_ERR_IO);
}

/* ---- credentials and TLS ---- */

static void test_auth_forms(void **state)
{
	(void)state;
	put("ca.pem", "CA-FILE\n");
	put("tok", "  file-token\n\n");

	struct kube_target *t = target(CX KB US "    token: tok-1\n");
	assert_string_equal(t->token, "tok-1");
	assert_null(t->token_file);
	const char *tok;
	assert_int_equal(kube_target_token(t, &tok, NULL), ST_OK);
	assert_string_equal(tok, "tok-1");
	assert_null(t->cert_pem);
	assert_null(t->ca_pem);
	assert_false(t->insecure);
	assert_null(t->tls_server_name);
	assert_null(t->proxy_url);
	kube_target_free(t);

	t = target(CX KB US "    tokenFile: tok\n");
	assert_null(t->token);
	assert_string_equal(t->token_file, P("tok"));
	assert_int_equal(kube_target_token(t, &tok, NULL), ST_OK);
	assert_string_equal(tok, "file-token");
	kube_target_free(t);

	t = target(CX KB US "    username: admin\n    password: pa55\n");
	assert_string_equal(t->username, "admin");
	assert_string_equal(t->password, "pa55");
	assert_int_equal(kube_target_token(t, &tok, NULL), ST_OK);
	assert_null(tok);
	kube_target_free(t);

	t = target(CX KB "    certificate-authority-data: " CA64 "\n"
			 "    tls-server-name: api.internal\n"
			 "    proxy-url: socks5://127.0.0.1:1080\n" US
			 "    client-certificate-data: " CERT64 "\n"
			 "    client-key-data: " KEY64 "\n");
	assert_int_equal(t->ca_len, 7);
	assert_memory_equal(t->ca_pem, "CA-PEM\n", 8); /* NUL-terminated */
	assert_int_equal(t->cert_len, 9);
	assert_string_equal(t->cert_pem, "CERT-PEM\n");
	assert_int_equal(t->key_len, 8);
	assert_string_equal(t->key_pem, "KEY-PEM\n");
	assert_string_equal(t->tls_server_name, "api.internal");
	assert_string_equal(t->proxy_url, "socks5://127.0.0.1:1080");
	kube_target_free(t);

	t = target(CX "clusters:\n- name: k\n  cluster:\n"
		      "    server: http://localhost:8080///\n"
		      "    insecure-skip-tls-verify: true\n" US);
	assert_string_equal(t->server, "http://localhost:8080");
	assert_true(t->insecure);
	assert_null(t->ca_pem);
	kube_target_free(t);

	t = target(CX "clusters:\n- name: k\n  cluster:\n"
		      "    server: https://h.example/k8s/clusters/c-1/\n"
		      "    certificate-authority: ca.pem\n" US);
	assert_string_equal(t->server, "https://h.example/k8s/clusters/c-1");
	assert_string_equal(t->ca_pem, "CA-FILE\n");
	kube_target_free(t);
}

static void test_exec_config(void **state)
{
	(void)state;
	struct kube_target *t = target(
	    CX KB US "    exec:\n"
		     "      apiVersion: client.authentication.k8s.io/v1\n"
		     "      command: ./bin/get-token\n"
		     "      args: [--cluster, prod, \"\"]\n"
		     "      env:\n"
		     "      - {name: AWS_PROFILE, value: SECRET-TOKEN-123}\n"
		     "      - {name: EMPTY}\n"
		     "      installHint: brew install get-token\n"
		     "      provideClusterInfo: true\n"
		     "      interactiveMode: Never\n");
	struct kube_exec_cfg *x = t->exec;
	assert_non_null(x);
	assert_string_equal(x->api_version, "client.authentication.k8s.io/v1");
	assert_string_equal(x->command, P("bin/get-token"));
	assert_int_equal(x->nargs, 3);
	assert_string_equal(x->args[0], "--cluster");
	assert_string_equal(x->args[1], "prod");
	assert_string_equal(x->args[2], "");
	assert_int_equal(x->nenv, 2);
	assert_string_equal(x->env[0].name, "AWS_PROFILE");
	assert_string_equal(x->env[0].value, "SECRET-TOKEN-123");
	assert_string_equal(x->env[1].name, "EMPTY");
	assert_string_equal(x->env[1].value, "");
	assert_string_equal(x->install_hint, "brew install get-token");
	assert_true(x->provide_cluster_info);
	assert_string_equal(x->interactive_mode, "Never");
	assert_null(t->token);
	kube_target_free(t);

	/* v1beta1 may leave interactiveMode out; a bare command is looked up
	 * in PATH later, an absolute one stays */
	const char *cmds[][2] = {{"aws", "aws"},
				 {"/usr/bin/aws", "/usr/bin/aws"}};
	for (size_t i = 0; i < 2; i++) {
		char text[1024];
		snprintf(text, sizeof text,
			 CX KB US "    exec:\n"
				  "      apiVersion: "
				  "client.authentication.k8s.io/v1beta1\n"
				  "      command: %s\n",
			 cmds[i][0]);
		t = target(text);
		assert_string_equal(t->exec->command, cmds[i][1]);
		assert_null(t->exec->interactive_mode);
		assert_int_equal(t->exec->nargs, 0);
		assert_int_equal(t->exec->nenv, 0);
		assert_null(t->exec->install_hint);
		assert_false(t->exec->provide_cluster_info);
		kube_target_free(t);
	}
}

static void test_relative_paths(void **state)
{
	(void)state;
	put("sub/ca.pem", "CA-REL\n");
	put("certs/c.pem", "CERT-REL\n");
	put("k.pem", "KEY-ABS\n");
	put("sub/tok", "tok-rel\n");
	char text[2048];
	snprintf(text, sizeof text,
		 "current-context: c\n"
		 "contexts:\n- name: c\n  context: {cluster: k, user: u}\n"
		 "- name: x\n  context: {cluster: k, user: x}\n"
		 "clusters:\n- name: k\n  cluster:\n"
		 "    server: https://k.example\n"
		 "    certificate-authority: ca.pem\n"
		 "users:\n- name: u\n  user:\n"
		 "    client-certificate: ../certs/c.pem\n"
		 "    client-key: %s\n"
		 "    tokenFile: tok\n"
		 "- name: x\n  user:\n    exec:\n"
		 "      apiVersion: client.authentication.k8s.io/v1beta1\n"
		 "      command: bin/plugin\n",
		 P("k.pem"));
	put("sub/conf.yaml", text);

	/* through KUBECONFIG with a path relative to the working directory:
	 * the target's paths must still be absolute */
	char cwd[PATH_MAX];
	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(chdir(tmp), 0);
	setenv("KUBECONFIG", "sub/conf.yaml", 1);
	struct kubeconfig *kc = load(NULL);
	assert_int_equal(chdir("/"), 0);
	struct kube_target *t = resolve(kc, NULL);
	assert_string_equal(t->ca_pem, "CA-REL\n");
	assert_string_equal(t->cert_pem, "CERT-REL\n");
	assert_string_equal(t->key_pem, "KEY-ABS\n");
	assert_true(t->token_file[0] == '/');
	const char *tok;
	assert_int_equal(kube_target_token(t, &tok, NULL), ST_OK);
	assert_string_equal(tok, "tok-rel");
	kube_target_free(t);
	t = resolve(kc, "x");
	assert_true(t->exec->command[0] == '/');
	assert_true(strstr(t->exec->command, "/sub/bin/plugin"));
	kube_target_free(t);
	kubeconfig_free(kc);
	assert_int_equal(chdir(cwd), 0);
}

static void test_data_beats_file(void **state)
{
	(void)state;
	/* the files do not exist: with the data present they are not read */
	struct kube_target *t =
	    target(CX KB "    certificate-authority: nope/ca.pem\n"
			 "    certificate-authority-data: " CA64 "\n" US
			 "    client-certificate: nope/c.pem\n"
			 "    client-certificate-data: " CERT64 "\n"
			 "    client-key: nope/k.pem\n"
			 "    client-key-data: " KEY64 "\n");
	assert_string_equal(t->ca_pem, "CA-PEM\n");
	assert_string_equal(t->cert_pem, "CERT-PEM\n");
	assert_string_equal(t->key_pem, "KEY-PEM\n");
	kube_target_free(t);

	/* an empty -data falls back to the file */
	put("ca.pem", "CA-FILE\n");
	t = target(CX KB "    certificate-authority: ca.pem\n"
			 "    certificate-authority-data: \"\"\n" US);
	assert_string_equal(t->ca_pem, "CA-FILE\n");
	kube_target_free(t);
}

static void test_token_beats_token_file(void **state)
{
	(void)state;
	struct kube_target *t =
	    target(CX KB US "    token: inline\n    tokenFile: nope/tok\n");
	assert_string_equal(t->token, "inline");
	assert_null(t->token_file);
	const char *tok;
	assert_int_equal(kube_target_token(t, &tok, NULL), ST_OK);
	assert_string_equal(tok, "inline");
	kube_target_free(t);
}

/* Give a file the modification time recorded in st. */
static void keep_mtime(const char *rel, const struct stat *st)
{
	struct timespec ts[2] = {st->st_atim, st->st_mtim};
	assert_int_equal(utimensat(AT_FDCWD, P(rel), ts, 0), 0);
}

static void test_token_file_reread(void **state)
{
	(void)state;
	put("tok", "first\n");
	struct kube_target *t = target(CX KB US "    tokenFile: tok\n");
	const char *tok, *again;
	struct err e;
	assert_int_equal(kube_target_token(t, &tok, &e), ST_OK);
	assert_string_equal(tok, "first");
	/* unchanged: the cached copy, not a new read */
	assert_int_equal(kube_target_token(t, &again, &e), ST_OK);
	assert_ptr_equal(tok, again);

	put("tok", "second-token\n");
	assert_int_equal(kube_target_token(t, &tok, &e), ST_OK);
	assert_string_equal(tok, "second-token");

	/* an mtime that did not move (coarse clocks, tools that keep it):
	 * the size still tells */
	struct stat st;
	assert_int_equal(stat(P("tok"), &st), 0);
	put("tok", "fourth\n");
	keep_mtime("tok", &st);
	assert_int_equal(kube_target_token(t, &tok, &e), ST_OK);
	assert_string_equal(tok, "fourth");

	/* replaced by rename (a new inode, as kubelet does), with the same
	 * size and mtime */
	put("tok.new", "fifth!\n");
	keep_mtime("tok.new", &st);
	assert_int_equal(rename(P("tok.new"), P("tok")), 0);
	assert_int_equal(kube_target_token(t, &tok, &e), ST_OK);
	assert_string_equal(tok, "fifth!");

	put("tok", "two\nlines\n");
	assert_int_equal(kube_target_token(t, &tok, &e), ST_ERR_IO);
	assert_non_null(strstr(e.msg, "control character"));
	assert_no_secret(e.msg);

	put("tok", " \n\t\n");
	assert_int_equal(kube_target_token(t, &tok, &e), ST_ERR_IO);
	assert_non_null(strstr(e.msg, "empty"));
	assert_non_null(strstr(e.msg, "user \"u\""));

	unlink(P("tok"));
	assert_int_equal(kube_target_token(t, &tok, &e), ST_ERR_IO);
	assert_non_null(strstr(e.msg, P("tok")));
	kube_target_free(t);

	/* resolving reads it once, so a missing file shows up there */
	const char *y = CX KB US "    tokenFile: tok\n";
	struct kubeconfig *kc = parse(y);
	assert_int_equal(kubeconfig_resolve(kc, NULL, &t, &e), ST_ERR_IO);
	assert_null(t);
	assert_msg(e.msg, line_of(y, "tokenFile"), "user \"u\": tokenFile ");
	assert_non_null(strstr(e.msg, "No such file"));
	kubeconfig_free(kc);
}

/* ---- what resolving rejects ---- */

static void test_contradictions(void **state)
{
	(void)state;
	put("ca.pem", "CA-FILE\n");
	put("c.pem", "CERT\n");
	put("empty.pem", "");
	static const struct {
		const char *yaml;
		enum status code;
		const char *at; /* the line the message must point at */
		const char *says;
	} cases[] = {
	    {CX KB US "    token: SECRET-TOKEN-123\n    username: admin\n",
	     ST_ERR_INVALID,
	     "token:", "user \"u\": token and username/password are both set"},
	    {CX KB US "    token: \"SECRET\\r\\nX-Evil: 1\"\n", ST_ERR_INVALID,
	     "token:", "user \"u\": the token contains a control character"},
	    {CX KB US "    tokenFile: tok\n    password: SECRET-TOKEN-123\n",
	     ST_ERR_INVALID,
	     "tokenFile:", "tokenFile and username/password are both set"},
	    {CX KB "    insecure-skip-tls-verify: true\n"
		   "    certificate-authority-data: " CA64 "\n" US,
	     ST_ERR_INVALID, "insecure-skip",
	     "cluster \"k\": insecure-skip-tls-verify cannot be used together "
	     "with a certificate authority"},
	    {CX KB "    certificate-authority: ca.pem\n"
		   "    insecure-skip-tls-verify: true\n" US,
	     ST_ERR_INVALID, "insecure-skip", "insecure-skip-tls-verify"},
	    {CX KB US "    client-certificate: c.pem\n", ST_ERR_INVALID,
	     "client-certificate:",
	     "client-certificate is set without client-key"},
	    {CX KB US "    client-key-data: U0VDUkVULVRPS0VOLTEyMw==\n",
	     ST_ERR_INVALID, "client-key-data",
	     "client-key is set without client-certificate"},
	    {CX KB US "    client-certificate-data: " CERT64 "\n"
		      "    client-key-data: SECRET-TOKEN-123\n",
	     ST_ERR_INVALID, "client-key-data",
	     "client-key-data is not valid base64"},
	    {CX KB "    certificate-authority-data: '-----BEGIN'\n" US,
	     ST_ERR_INVALID, "certificate-authority-data",
	     "certificate-authority-data is not valid base64"},
	    {CX KB "    certificate-authority: nope.pem\n" US, ST_ERR_IO,
	     "certificate-authority:", "nope.pem: No such file"},
	    {CX KB US "    client-certificate: c.pem\n"
		      "    client-key: gone/key.pem\n",
	     ST_ERR_IO, "client-key:", "key.pem: No such file"},
	    {CX KB US "    client-certificate: empty.pem\n"
		      "    client-key-data: " KEY64 "\n",
	     ST_ERR_IO, "client-certificate:", "empty.pem: empty"},
	    {CX KB "    certificate-authority: .\n" US, ST_ERR_IO,
	     "certificate-authority:", "Is a directory"},
	    {CX "clusters:\n- name: k\n  cluster:\n    server: ftp://k\n" US,
	     ST_ERR_INVALID, "server:",
	     "cluster \"k\": server must be an http:// or https:// URL"},
	    {CX "clusters:\n- name: k\n  cluster:\n    server: "
		"k.example:6443\n" US,
	     ST_ERR_INVALID, "server:", "server must be"},
	    {CX "clusters:\n- name: k\n  cluster:\n    server: https://\n" US,
	     ST_ERR_INVALID, "server:", "server must be"},
	    {CX "clusters:\n- name: k\n  cluster:\n"
		"    server: \"https://h/ SECRET-TOKEN-123\"\n" US,
	     ST_ERR_INVALID, "server:", "server must be"},
	    {CX "clusters:\n- name: k\n  cluster:\n"
		"    insecure-skip-tls-verify: true\n" US,
	     ST_ERR_INVALID, "  cluster:", "cluster \"k\": has no server"},
	    {CX KB "    proxy-url: ftp://SECRET-TOKEN-123@proxy\n" US,
	     ST_ERR_INVALID, "proxy-url", "proxy-url must be"},
	    {CX KB US "    token: SECRET-TOKEN-123\n    exec:\n"
		      "      apiVersion: client.authentication.k8s.io/v1\n"
		      "      command: x\n      interactiveMode: Never\n",
	     ST_ERR_INVALID, "exec:", "exec and a token are both set"},
	    {CX KB US "    exec:\n      command: x\n", ST_ERR_INVALID,
	     "exec:", "exec has no apiVersion"},
	    {CX KB US
	     "    exec:\n"
	     "      apiVersion: client.authentication.k8s.io/v1alpha1\n"
	     "      command: x\n",
	     ST_ERR_INVALID, "apiVersion:",
	     "apiVersion \"client.authentication.k8s.io/v1alpha1\" is not "
	     "supported"},
	    {CX KB US "    exec:\n"
		      "      apiVersion: client.authentication.k8s.io/v1\n"
		      "      command: x\n",
	     ST_ERR_INVALID, "exec:", "exec needs interactiveMode"},
	    {CX KB US "    exec:\n"
		      "      apiVersion: client.authentication.k8s.io/v1\n"
		      "      command: x\n      interactiveMode: Sometimes\n",
	     ST_ERR_INVALID,
	     "interactiveMode:", "interactiveMode \"Sometimes\" is not"},
	    {CX KB US "    exec:\n"
		      "      apiVersion: client.authentication.k8s.io/v1\n"
		      "      interactiveMode: Never\n",
	     ST_ERR_INVALID, "exec:", "exec has no command"},
	    {CX KB US "    auth-provider: {name: oidc, config: "
		      "{id-token: SECRET-TOKEN-123}}\n",
	     ST_ERR_UNSUPPORTED, "auth-provider",
	     "auth-provider is not supported"},
	    {CX KB US "    token: t\n    as: system:admin\n",
	     ST_ERR_UNSUPPORTED, "as:", "as is not supported (impersonation)"},
	    {"current-context: c\ncontexts:\n- name: c\n  context: {user: "
	     "u}\n" KB US,
	     ST_ERR_INVALID, "context: {", "context \"c\": has no cluster"},
	    {"current-context: c\ncontexts:\n- name: c\n  context:\n"
	     "    cluster: nope\n" KB US,
	     ST_ERR_INVALID, "cluster: nope",
	     "context \"c\": cluster \"nope\" is not defined"},
	    {"current-context: c\ncontexts:\n- name: c\n  context:\n"
	     "    cluster: k\n    user: nobody\n" KB US,
	     ST_ERR_INVALID, "user: nobody", "user \"nobody\" is not defined"},
	    {"current-context: gone\n" KB, ST_ERR_NOTFOUND, "current-context",
	     "current-context \"gone\" is not a defined context"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct kubeconfig *kc = parse(cases[i].yaml);
		struct kube_target *t = (struct kube_target *)1;
		struct err e;
		enum status st = kubeconfig_resolve(kc, NULL, &t, &e);
		if (st != cases[i].code)
			fail_msg("case %zu: %s, want %s (%s)", i,
				 status_name(st), status_name(cases[i].code),
				 st ? e.msg : "");
		assert_null(t);
		assert_msg(e.msg, line_of(cases[i].yaml, cases[i].at),
			   cases[i].says);
		kubeconfig_free(kc);
	}
}

/* ---- what parsing rejects ---- */

static void test_malformed(void **state)
{
	(void)state;
	static const struct {
		const char *yaml;
		const char *at; /* NULL: any line */
		const char *says;
	} cases[] = {
	    {"- a\n- b\n", "- a", "a kubeconfig must be a mapping"},
	    {"kind: Pod\n", "kind", "kind must be Config"},
	    {"apiVersion: v2\n", "apiVersion", "apiVersion must be v1"},
	    {"current-context: [a]\n", "current", "current-context must be"},
	    {"clusters: {}\n", "clusters", "clusters must be a list"},
	    {"clusters:\n- server: https://x\n", "- server",
	     "clusters[0] has no name"},
	    {"clusters:\n- name: \"\"\n", "- name", "clusters[0] has no name"},
	    {"users:\n- just-a-string\n", "- just",
	     "users[0] must be a mapping"},
	    {"users:\n- name: u\n  user: {}\n- name: v\n- name: u\n"
	     "  user: {token: SECRET-TOKEN-123}\n",
	     "- name: u\n  user: {token",
	     "user \"u\" is defined twice (first "
	     "at line 2)"},
	    {"contexts:\n- name: c\n  context: [x]\n", "context: [",
	     "context \"c\": context must be a mapping"},
	    {KB "    insecure-skip-tls-verify: \"yes\"\n", "insecure",
	     "cluster \"k\": insecure-skip-tls-verify must be true or false"},
	    {"clusters:\n- name: k\n  cluster:\n    server: 6443\n", "server",
	     "server must be a string"},
	    {US "    token: [SECRET-TOKEN-123]\n", "token",
	     "user \"u\": token must be a string"},
	    {US "    password: {p: SECRET-TOKEN-123}\n", "password",
	     "password must be a string"},
	    {US "    exec: [x]\n", "exec", "exec must be a mapping"},
	    {US "    exec:\n      args: [a, 1]\n", "args",
	     "exec.args must be a list of strings"},
	    {US "    exec:\n      env:\n      - value: SECRET-TOKEN-123\n",
	     "- value", "exec.env[0] has no name"},
	    {US "    exec:\n      env:\n      - name: A\n        value: x\n"
		"      - name: B\n        value: [SECRET-TOKEN-123]\n",
	     "- name: B", "exec.env[1].value must be a string"},
	    {US "    exec:\n      env: [{name: \"A=SECRET\", value: x}]\n",
	     "env", "exec.env[0].name contains '='"},
	    {US "    exec:\n      env: [SECRET-TOKEN-123]\n", "env",
	     "exec.env[0] must be a mapping"},
	    {US "    exec: {provideClusterInfo: 1}\n", "exec",
	     "exec.provideClusterInfo must be true or false"},
	    /* the YAML loader's own messages must not show the value */
	    {US "    token: !!int SECRET-TOKEN-123\n", "token",
	     "is not a valid !!int"},
	    {US "    password: 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF\n",
	     "password", "out of range"},
	    {US "    token: a\n    token: b\n", "    token: b",
	     "duplicate key 'token'"},
	    {"clusters:\n- name: k\n   bad: indent\n", NULL, NULL},
	    {"users:\n- name: u\n  user: {token: \"SECRET-TOKEN-123\n", NULL,
	     NULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct kubeconfig *kc = (struct kubeconfig *)1;
		struct err e;
		const char *y = cases[i].yaml;
		enum status st =
		    kubeconfig_parse("t.yaml", y, strlen(y), tmp, &kc, &e);
		if (st != ST_ERR_PARSE)
			fail_msg("case %zu: %s, want ERR_PARSE", i,
				 status_name(st));
		assert_null(kc);
		int l, c;
		if (sscanf(e.msg, "t.yaml:%d:%d: ", &l, &c) != 2)
			fail_msg("case %zu: not located: %s", i, e.msg);
		assert_msg(e.msg, cases[i].at ? line_of(y, cases[i].at) : 0,
			   cases[i].says);
	}
}

/* An alias bomb well under YAML's general limit is still refused: a
 * kubeconfig never needs that many nodes. */
static void test_alias_bomb(void **state)
{
	(void)state;
	const char *y = "a: &a [x, x, x, x, x, x, x, x, x]\n"
			"b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
			"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
			"d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
			"e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
			"clusters: [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n";
	struct kubeconfig *kc;
	struct err e;
	assert_int_equal(kubeconfig_parse("t.yaml", y, strlen(y), tmp, &kc, &e),
			 ST_ERR_TOOBIG);
	assert_null(kc);
	assert_msg(e.msg, 6, "200000 nodes");
}

static void test_tolerated(void **state)
{
	(void)state;
	/* empty files, comments, nulls and fields opsdeck does not use */
	const char *texts[] = {
	    "",
	    "# only a comment\n",
	    "---\n",
	    ("apiVersion: v1\nkind: Config\npreferences: {}\nclusters:\n"
	     "users: ~\ncontexts: []\ncurrent-context:\nextensions: []\n"),
	};
	for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
		struct kubeconfig *kc = parse(texts[i]);
		const char **p;
		assert_int_equal(kubeconfig_contexts(kc, &p), 0);
		assert_int_equal(kubeconfig_files(kc, &p), 1);
		assert_null(kubeconfig_current(kc));
		kubeconfig_free(kc);
	}
	struct kube_target *t =
	    target(CX "clusters:\n- name: k\n  cluster:\n"
		      "    server: https://k\n    disable-compression: true\n"
		      "    extensions: [{name: x, extension: {a: 1}}]\n"
		      "    future-field: {x: 1}\n" US "    token: ~\n"
		      "    username: \"\"\n    as: \"\"\n");
	assert_null(t->token);
	assert_null(t->username);
	kube_target_free(t);
}

static void test_names_are_sanitised(void **state)
{
	(void)state;
	const char *y = "contexts:\n- name: \"evil\\e[31m\"\n"
			"  context: {cluster: \"no\\u009bpe\"}\n";
	struct kubeconfig *kc = parse(y);
	struct kube_target *t;
	struct err e;
	assert_int_equal(kubeconfig_resolve(kc, "evil\033[31m", &t, &e),
			 ST_ERR_INVALID);
	assert_null(strchr(e.msg, '\033'));
	assert_non_null(strstr(e.msg, "context \"evil^[[31m\""));
	assert_null(strstr(e.msg, "\xc2\x9b"));
	assert_int_equal(kubeconfig_resolve(kc, "\n\033", &t, &e),
			 ST_ERR_NOTFOUND);
	assert_null(strchr(e.msg, '\033'));
	assert_null(strchr(e.msg, '\n'));
	kubeconfig_free(kc);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_kubeconfig_list_merging),
	    T(test_merge_by_hand),
	    T(test_explicit_file),
	    T(test_home_fallback),
	    T(test_broken_file_in_list),
	    T(test_auth_forms),
	    T(test_exec_config),
	    T(test_relative_paths),
	    T(test_data_beats_file),
	    T(test_token_beats_token_file),
	    T(test_token_file_reread),
	    T(test_contradictions),
	    T(test_malformed),
	    T(test_alias_bomb),
	    T(test_tolerated),
	    T(test_names_are_sanitised),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
