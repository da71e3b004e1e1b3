/*
 * Unit tests for src/kube/execcred: execcred_parse over a table of good and
 * bad ExecCredentials, then real plugin runs on a loop with
 * tests/unit/data/kubeconfig/plugin.sh: a token, a client certificate, the
 * environment and KUBERNETES_EXEC_INFO the plugin sees, an expired token
 * followed by a fresh one, a failing plugin's stderr, a missing command
 * with its installHint, a timeout, bad output, cancellation. The callback
 * must run exactly once and never inside execcred_start, and no message
 * may carry a token or an env value.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_tmp.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/status.h"
#include "base/str.h"
#include "kube/execcred.h"
#include "kube/kubeconfig.h"
#include "loop/loop.h"

#define V1  "client.authentication.k8s.io/v1"
#define V1B "client.authentication.k8s.io/v1beta1"

static char tmp[PATH_MAX];
static char data_dir[PATH_MAX]; /* tests/unit/data/kubeconfig, absolute */

static void assert_no_secret(const char *msg)
{
	const char *secrets[] = {"SECRET", "s3cr3t", "plugin-token", "BEGIN"};
	for (size_t i = 0; i < sizeof secrets / sizeof *secrets; i++)
		if (strstr(msg, secrets[i]))
			fail_msg("a secret in the message: %s", msg);
}

/* ---- execcred_parse ---- */

#define CRED(api, status)                                                      \
	"{\"apiVersion\":\"" api "\",\"kind\":\"ExecCredential\","             \
	"\"status\":" status "}"
#define PEM_C "-----BEGIN CERTIFICATE-----\\nC\\n-----END CERTIFICATE-----\\n"
#define PEM_K                                                                  \
	"-----BEGIN EC PRIVATE KEY-----\\nK\\n-----END EC PRIVATE KEY-----"

static void test_parse(void **state)
{
	(void)state;
	static const struct {
		const char *out, *api;
		enum status code;
		const char *token; /* or the message's expected text */
		bool cert;
		int64_t expires;
	} cases[] = {
	    {CRED(V1, "{\"token\":\"tok-1\"}") "\n", V1, ST_OK, "tok-1", false,
	     0},
	    {CRED(V1B, "{\"token\":\"tok-b\",\"expirationTimestamp\":"
		       "\"2999-01-02T03:04:05Z\"}"),
	     V1B, ST_OK, "tok-b", false, 32472241445},
	    {CRED(V1, "{\"clientCertificateData\":\"" PEM_C
		      "\",\"clientKeyData\":\"" PEM_K "\"}"),
	     V1, ST_OK, NULL, true, 0},
	    {CRED(V1, "{\"token\":\"t\",\"clientCertificateData\":\"" PEM_C
		      "\",\"clientKeyData\":\"" PEM_K "\"}"),
	     V1, ST_OK, "t", true, 0},
	    {CRED(V1, "{\"token\":\"t\",\"expirationTimestamp\":"
		      "\"2024-05-01T12:00:00.123+02:00\"}"),
	     V1, ST_OK, "t", false, 1714557600},
	    {CRED(V1, "{\"token\":\"t\",\"expirationTimestamp\":"
		      "\"2024-02-29t00:00:00z\"}"),
	     V1, ST_OK, "t", false, 1709164800},
	    /* at or before the epoch: expired, not "never expires" */
	    {CRED(V1, "{\"token\":\"t\",\"expirationTimestamp\":"
		      "\"1969-12-31T23:59:59Z\"}"),
	     V1, ST_OK, "t", false, 1},
	    {CRED(V1, "{\"token\":\"t\",\"expirationTimestamp\":null}"), V1,
	     ST_OK, "t", false, 0},

	    {CRED(V1B, "{\"token\":\"SECRET-TOKEN-123\"}"), V1, ST_ERR_PARSE,
	     "apiVersion \"" V1B "\", but the kubeconfig asks for \"" V1 "\"",
	     false, 0},
	    {"{\"apiVersion\":\"" V1 "\",\"kind\":\"Secret\",\"status\":"
	     "{\"token\":\"SECRET-TOKEN-123\"}}",
	     V1, ST_ERR_PARSE, "kind \"Secret\", not ExecCredential", false, 0},
	    {"Welcome! token=SECRET-TOKEN-123\n", V1, ST_ERR_PARSE, "not JSON",
	     false, 0},
	    {"{\"token\": SECRET-TOKEN-123}", V1, ST_ERR_PARSE, "not JSON",
	     false, 0},
	    {"", V1, ST_ERR_PARSE, "printed nothing", false, 0},
	    {"[\"SECRET\"]", V1, ST_ERR_PARSE, "not a JSON object", false, 0},
	    {"{\"apiVersion\":\"" V1 "\",\"kind\":\"ExecCredential\"}", V1,
	     ST_ERR_PARSE, "has no status", false, 0},
	    {CRED(V1, "{}"), V1, ST_ERR_PARSE,
	     "neither a token nor a client certificate and key", false, 0},
	    {CRED(V1, "{\"token\":\"\"}"), V1, ST_ERR_PARSE, "neither", false,
	     0},
	    {CRED(V1, "{\"token\":\"SECRET\\r\\nX-Evil: 1\"}"), V1,
	     ST_ERR_PARSE, "token contains a control character", false, 0},
	    {CRED(V1, "{\"token\":12345}"), V1, ST_ERR_PARSE, "not a string",
	     false, 0},
	    {CRED(V1, "{\"clientCertificateData\":\"" PEM_C "\"}"), V1,
	     ST_ERR_PARSE, "clientCertificateData without clientKeyData", false,
	     0},
	    {CRED(V1, "{\"clientKeyData\":\"SECRET\"}"), V1, ST_ERR_PARSE,
	     "clientKeyData without clientCertificateData", false, 0},
	    {CRED(V1, "{\"clientCertificateData\":\"U0VDUkVU\","
		      "\"clientKeyData\":\"SECRET\"}"),
	     V1, ST_ERR_PARSE, "not PEM", false, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct kube_cred c;
		struct err e;
		const char *out = cases[i].out;
		enum status st =
		    execcred_parse(out, strlen(out), cases[i].api, &c, &e);
		if (st != cases[i].code)
			fail_msg("case %zu: %s (%s)", i, status_name(st),
				 st ? e.msg : "");
		if (st) {
			if (!strstr(e.msg, cases[i].token))
				fail_msg("case %zu: want \"%s\" in \"%s\"", i,
					 cases[i].token, e.msg);
			assert_no_secret(e.msg);
			assert_null(c.token);
			assert_null(c.cert_pem);
			continue;
		}
		if (cases[i].token)
			assert_string_equal(c.token, cases[i].token);
		else
			assert_null(c.token);
		if (cases[i].cert) {
			assert_string_equal(c.cert_pem, "-----BEGIN CERTIFICATE"
							"-----\nC\n-----END "
							"CERTIFICATE-----\n");
			assert_non_null(strstr(c.key_pem, "EC PRIVATE KEY"));
		} else {
			assert_null(c.cert_pem);
			assert_null(c.key_pem);
		}
		assert_int_equal(c.expires, cases[i].expires);
		kube_cred_free(&c);
		assert_null(c.token);
	}
}

static void test_bad_timestamps(void **state)
{
	(void)state;
	const char *bad[] = {
	    "2024-02-30T00:00:00Z",	"2023-02-29T00:00:00Z",
	    "2024-05-01 12:00:00Z",	"2024-05-01T12:00:00",
	    "2024-05-01T24:00:00Z",	"2024-13-01T00:00:00Z",
	    "2024-05-01T12:00:00.Z",	"2024-05-01T12:00:00+0200",
	    "2024-05-01T12:00:00Zjunk", "yesterday",
	    "24-05-01T12:00:00Z",	"",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char out[512];
		snprintf(out, sizeof out,
			 CRED(V1, "{\"token\":\"SECRET\","
				  "\"expirationTimestamp\":\"%s\"}"),
			 bad[i]);
		struct kube_cred c;
		struct err e;
		enum status st = execcred_parse(out, strlen(out), V1, &c, &e);
		if (!*bad[i]) { /* empty is unset */
			assert_int_equal(st, ST_OK);
			assert_int_equal(c.expires, 0);
			kube_cred_free(&c);
			continue;
		}
		if (st != ST_ERR_PARSE)
			fail_msg("%s accepted", bad[i]);
		assert_non_null(strstr(e.msg, "RFC 3339"));
		assert_no_secret(e.msg);
	}
}

/* ---- plugin runs ---- */

struct outcome {
	int calls;
	enum status code;
	char msg[ERR_MSG_MAX];
	struct kube_cred cred;
};

static void on_cred(struct loop *l, struct kube_cred *cred, const struct err *e,
		    void *arg)
{
	(void)l;
	struct outcome *o = arg;
	o->calls++;
	if (cred) {
		/* move it out: the run frees what is left */
		o->cred = *cred;
		memset(cred, 0, sizeof *cred);
		o->code = ST_OK;
	} else {
		assert_non_null(e);
		o->code = e->code;
		snprintf(o->msg, sizeof o->msg, "%s", e->msg);
	}
}

/* A target for user "alice" whose exec block is exec (6-space indented
 * lines), with relative commands resolved in the data folder. */
static struct kube_target *alice(const char *exec)
{
	char text[4 * PATH_MAX];
	snprintf(text, sizeof text,
		 "current-context: c\n"
		 "contexts:\n- name: c\n  context: {cluster: k, user: alice}\n"
		 "clusters:\n- name: k\n  cluster:\n"
		 "    server: https://k.example:6443/\n"
		 "    certificate-authority-data: Q0EtUEVNCg==\n"
		 "    tls-server-name: api.internal\n"
		 "users:\n- name: alice\n  user:\n    exec:\n%s",
		 exec);
	struct kubeconfig *kc;
	struct kube_target *t;
	struct err e;
	if (kubeconfig_parse("t.yaml", text, strlen(text), data_dir, &kc, &e))
		fail_msg("%s", e.msg);
	if (kubeconfig_resolve(kc, NULL, &t, &e))
		fail_msg("%s", e.msg);
	kubeconfig_free(kc);
	return t;
}

/* Run t's plugin on a fresh loop until it is done. */
static void run_target(struct kube_target *t, bool interactive,
		       uint64_t timeout_ms, struct outcome *o)
{
	memset(o, 0, sizeof *o);
	struct loop *l = loop_new();
	assert_non_null(l);
	execcred_start(l, t, interactive, timeout_ms, on_cred, o);
	assert_int_equal(o->calls, 0); /* never from inside the start */
	loop_run(l);
	assert_int_equal(o->calls, 1);
	loop_free(l);
	if (o->code)
		assert_no_secret(o->msg);
}

/* "./plugin.sh <mode>" with the given extra exec lines. */
static void run_mode(const char *mode, const char *extra, bool interactive,
		     uint64_t timeout_ms, struct outcome *o)
{
	char exec[2 * PATH_MAX];
	snprintf(exec, sizeof exec,
		 "      apiVersion: " V1 "\n"
		 "      interactiveMode: IfAvailable\n"
		 "      command: ./plugin.sh\n"
		 "      args: [%s]\n"
		 "      env:\n"
		 "      - {name: STATE_DIR, value: \"%s\"}\n"
		 "      - {name: PLUGIN_SECRET, value: SECRET-replaced}\n"
		 "      - {name: PLUGIN_SECRET, value: s3cr3t}\n%s",
		 mode, tmp, extra ? extra : "");
	struct kube_target *t = alice(exec);
	run_target(t, interactive, timeout_ms, o);
	kube_target_free(t);
}

static void test_plugin_token(void **state)
{
	(void)state;
	struct outcome o;
	run_mode("token", NULL, false, 0, &o);
	assert_int_equal(o.code, ST_OK);
	assert_string_equal(o.cred.token, "plugin-token");
	assert_null(o.cred.cert_pem);
	assert_int_equal(o.cred.expires, 0);
	kube_cred_free(&o.cred);

	run_mode("cert", NULL, false, 0, &o);
	assert_int_equal(o.code, ST_OK);
	assert_null(o.cred.token);
	assert_true(strstr(o.cred.cert_pem, "BEGIN CERTIFICATE"));
	assert_true(strstr(o.cred.key_pem, "BEGIN PRIVATE KEY"));
	kube_cred_free(&o.cred);

	/* v1beta1, without interactiveMode, a bare command found in PATH */
	char exec[2 * PATH_MAX];
	snprintf(exec, sizeof exec,
		 "      apiVersion: " V1B "\n"
		 "      command: sh\n"
		 "      args: [\"%s/plugin.sh\", beta]\n",
		 data_dir);
	struct kube_target *t = alice(exec);
	run_target(t, true, 0, &o);
	kube_target_free(t);
	assert_int_equal(o.code, ST_OK);
	assert_string_equal(o.cred.token, "beta-token");
	assert_int_equal(o.cred.expires, 32472241445);
	kube_cred_free(&o.cred);
}

static char *slurp(const char *name)
{
	char path[PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/%s", tmp, name);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	static char text[8192];
	size_t n = fread(text, 1, sizeof text - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

static void test_plugin_environment(void **state)
{
	(void)state;
	setenv("OPSDECK_TEST_INHERITED", "from-parent", 1);
	setenv("PLUGIN_SECRET", "parent-value", 1);
	setenv("KUBERNETES_EXEC_INFO", "stale", 1);
	struct outcome o;
	run_mode("dump, --flag=1", "      provideClusterInfo: true\n", true, 0,
		 &o);
	assert_int_equal(o.code, ST_OK);
	/* the kubeconfig's value wins over ours */
	assert_string_equal(o.cred.token, "from-env-s3cr3t");
	kube_cred_free(&o.cred);
	assert_string_equal(slurp("inherited"), "from-parent");
	/* one of each, though both were in our environment too */
	assert_string_equal(slurp("dups"), "2\n");
	assert_string_equal(slurp("args"), "dump\n--flag=1\n");

	json_error_t je;
	json_t *info = json_loads(slurp("info.json"), 0, &je);
	if (!info)
		fail_msg("KUBERNETES_EXEC_INFO is not JSON: %s", je.text);
	json_t *want = json_pack(
	    "{s:s,s:s,s:{s:b,s:{s:s,s:s,s:s}}}", "apiVersion", V1, "kind",
	    "ExecCredential", "spec", "interactive", 1, "cluster", "server",
	    "https://k.example:6443", "certificate-authority-data",
	    "Q0EtUEVNCg==", "tls-server-name", "api.internal");
	if (!json_equal(info, want))
		fail_msg("KUBERNETES_EXEC_INFO: %s", slurp("info.json"));
	json_decref(info);
	json_decref(want);

	/* Never: not interactive whatever the caller says; no cluster
	 * without provideClusterInfo */
	char exec[2 * PATH_MAX];
	snprintf(exec, sizeof exec,
		 "      apiVersion: " V1 "\n"
		 "      interactiveMode: Never\n"
		 "      command: ./plugin.sh\n"
		 "      args: [dump]\n"
		 "      env: [{name: STATE_DIR, value: \"%s\"}]\n",
		 tmp);
	struct kube_target *t = alice(exec);
	run_target(t, true, 0, &o);
	kube_target_free(t);
	assert_int_equal(o.code, ST_OK);
	/* not set by the kubeconfig this time: ours is inherited */
	assert_string_equal(o.cred.token, "from-env-parent-value");
	kube_cred_free(&o.cred);
	info = json_loads(slurp("info.json"), 0, &je);
	want = json_pack("{s:s,s:s,s:{s:b}}", "apiVersion", V1, "kind",
			 "ExecCredential", "spec", "interactive", 0);
	if (!json_equal(info, want))
		fail_msg("KUBERNETES_EXEC_INFO: %s", slurp("info.json"));
	json_decref(info);
	json_decref(want);
	unsetenv("OPSDECK_TEST_INHERITED");
	unsetenv("PLUGIN_SECRET");
	unsetenv("KUBERNETES_EXEC_INFO");
}

static void test_plugin_refresh_after_expiry(void **state)
{
	(void)state;
	struct outcome o;
	run_mode("expiring", NULL, false, 0, &o);
	assert_int_equal(o.code, ST_OK);
	assert_string_equal(o.cred.token, "token-1");
	assert_int_equal(o.cred.expires, 981173106);
	assert_true(o.cred.expires < (int64_t)time(NULL));
	kube_cred_free(&o.cred);

	/* expired, so the caller runs it again and gets a fresh one */
	run_mode("expiring", NULL, false, 0, &o);
	assert_int_equal(o.code, ST_OK);
	assert_string_equal(o.cred.token, "token-2");
	assert_int_equal(o.cred.expires, 32503676399);
	assert_true(o.cred.expires > (int64_t)time(NULL));
	kube_cred_free(&o.cred);
}

static void test_plugin_fails(void **state)
{
	(void)state;
	struct outcome o;
	run_mode("fail", NULL, false, 0, &o);
	assert_int_equal(o.code, ST_ERR_IO);
	char want[PATH_MAX + 256];
	snprintf(want, sizeof want,
		 "exec plugin for user \"alice\": command \"%s/plugin.sh\" "
		 "exited with status 3: error: SSO session expired; run 'sso "
		 "login'",
		 data_dir);
	assert_string_equal(o.msg, want);

	/* a long, hostile line: made safe and cut */
	run_mode("longfail", NULL, false, 0, &o);
	assert_int_equal(o.code, ST_ERR_IO);
	assert_null(strchr(o.msg, '\033'));
	const char *why =
	    strstr(o.msg, "exited with status 1: bad ^[[31m red 000");
	assert_non_null(why);
	assert_true(strlen(why) < 260);
	assert_true(strlen(o.msg) > 3 &&
		    !strcmp(o.msg + strlen(o.msg) - 3, "..."));

	run_mode("garbage", NULL, false, 0, &o);
	assert_int_equal(o.code, ST_ERR_PARSE);
	assert_non_null(strstr(o.msg, "exec plugin for user \"alice\""));
	assert_non_null(strstr(o.msg, "not JSON"));

	run_mode("wrongapi", NULL, false, 0, &o);
	assert_int_equal(o.code, ST_ERR_PARSE);
	assert_non_null(strstr(o.msg, "apiVersion \"" V1B "\""));
}

static void test_plugin_not_found(void **state)
{
	(void)state;
	struct kube_target *t = alice(
	    "      apiVersion: " V1 "\n"
	    "      interactiveMode: Never\n"
	    "      command: opsdeck-no-such-plugin\n"
	    "      installHint: \"Install it with: apt install opsdeck-auth\"\n"
	    "      env: [{name: X, value: SECRET-TOKEN-123}]\n");
	struct outcome o;
	run_target(t, false, 0, &o);
	kube_target_free(t);
	assert_int_equal(o.code, ST_ERR_NOTFOUND);
	assert_string_equal(o.msg,
			    "exec plugin for user \"alice\": command "
			    "\"opsdeck-no-such-plugin\" not found: Install it "
			    "with: apt install opsdeck-auth");

	t = alice("      apiVersion: " V1 "\n"
		  "      interactiveMode: Never\n"
		  "      command: ./no-such-plugin.sh\n");
	run_target(t, false, 0, &o);
	kube_target_free(t);
	assert_int_equal(o.code, ST_ERR_NOTFOUND);
	assert_true(str_has_suffix(o.msg, "/no-such-plugin.sh\" not found"));

	/* there, but not executable */
	char path[PATH_MAX + 32], exec[PATH_MAX + 256];
	snprintf(path, sizeof path, "%s/not-exec.sh", tmp);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("#!/bin/sh\necho hi\n", f);
	fclose(f);
	chmod(path, 0600);
	snprintf(exec, sizeof exec,
		 "      apiVersion: " V1 "\n"
		 "      interactiveMode: Never\n"
		 "      command: %s\n",
		 path);
	t = alice(exec);
	run_target(t, false, 0, &o);
	kube_target_free(t);
	assert_int_equal(o.code, ST_ERR_IO);
	assert_non_null(strstr(o.msg, "could not be started: Permission "
				      "denied"));
}

static void test_plugin_timeout(void **state)
{
	(void)state;
	uint64_t start = loop_now_ms();
	struct outcome o;
	run_mode("slow", NULL, false, 200, &o);
	uint64_t took = loop_now_ms() - start;
	assert_int_equal(o.code, ST_ERR_TIMEOUT);
	assert_non_null(strstr(o.msg, "did not finish within 0.2 s"));
	/* the plugin's own child (sleep 5) must not hold us up */
	assert_true(took >= 200 && took < 3000);
}

static void test_plugin_needs_terminal(void **state)
{
	(void)state;
	struct kube_target *t = alice("      apiVersion: " V1 "\n"
				      "      interactiveMode: Always\n"
				      "      command: ./plugin.sh\n"
				      "      args: [token]\n");
	struct outcome o;
	run_target(t, false, 0, &o);
	assert_int_equal(o.code, ST_ERR_UNSUPPORTED);
	assert_non_null(strstr(o.msg, "needs a terminal"));
	/* with one, it runs */
	run_target(t, true, 0, &o);
	assert_int_equal(o.code, ST_OK);
	kube_cred_free(&o.cred);
	kube_target_free(t);

	/* a target without a plugin */
	struct kube_target bare = {.user_name = "bob"};
	run_target(&bare, false, 0, &o);
	assert_int_equal(o.code, ST_ERR_INVALID);
	assert_non_null(strstr(o.msg, "user \"bob\""));
}

static void test_cancel(void **state)
{
	(void)state;
	struct kube_target *t = alice("      apiVersion: " V1 "\n"
				      "      interactiveMode: Never\n"
				      "      command: ./plugin.sh\n"
				      "      args: [slow]\n");
	struct kube_target *early = alice("      apiVersion: " V1 "\n"
					  "      interactiveMode: Always\n"
					  "      command: ./plugin.sh\n");
	struct outcome o = {0};
	struct loop *l = loop_new();
	uint64_t start = loop_now_ms();
	execcred_cancel(execcred_start(l, t, false, 0, on_cred, &o));
	execcred_cancel(execcred_start(l, early, false, 0, on_cred, &o));
	execcred_cancel(NULL);
	loop_run(l); /* nothing left to wait for */
	assert_true(loop_now_ms() - start < 3000);
	assert_int_equal(o.calls, 0);
	loop_free(l);
	kube_target_free(t);
	kube_target_free(early);
}

static int setup(void **state)
{
	(void)state;
	return tmpdir_make(tmp, sizeof tmp, "execcred");
}

static int teardown(void **state)
{
	(void)state;
	return tmpdir_remove(tmp);
}

/* The data folder from the repository root, or next to this source. */
static int find_data(void **state)
{
	(void)state;
	char guess[PATH_MAX];
	const char *rel = "tests/unit/data/kubeconfig";
	if (access(rel, X_OK) != 0) {
		snprintf(guess, sizeof guess, "%s", __FILE__);
		char *slash = strrchr(guess, '/');
		snprintf(slash ? slash + 1 : guess,
			 sizeof guess - (size_t)(slash ? slash + 1 - guess : 0),
			 "data/kubeconfig");
		rel = guess;
	}
	return realpath(rel, data_dir) ? 0 : -1;
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_bad_timestamps),
	    T(test_plugin_token),
	    T(test_plugin_environment),
	    T(test_plugin_refresh_after_expiry),
	    T(test_plugin_fails),
	    T(test_plugin_not_found),
	    T(test_plugin_timeout),
	    T(test_plugin_needs_terminal),
	    T(test_cancel),
	};
#undef T
	return cmocka_run_group_tests(tests, find_data, NULL);
}
