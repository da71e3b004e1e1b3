/*
 * Exec credential plugins; see execcred.h.
 *
 * execcred_start turns a target's exec config into a child process: argv is
 * the command and its args, the environment is ours plus the kubeconfig's
 * env entries plus KUBERNETES_EXEC_INFO (built here from the target). The
 * loop runs it (loop_spawn) and collects stdout and stderr; when it has
 * exited, plugin_exited turns the result into either a credential, parsed
 * from stdout by execcred_parse, or one error message that names the user
 * and the command. Failures found before anything runs are delivered
 * through a zero-delay timer, so the callback never runs inside
 * execcred_start.
 *
 * Messages never carry an env value or the credential: of stdout only kind,
 * apiVersion or a bad expirationTimestamp may be quoted, of stderr the last
 * line, sanitised and cut short.
 */
#include "kube/execcred.h"

#include "base/base64.h"
#include "base/buf.h"
#include "base/mem.h"
#include "base/sanitize.h"
#include "base/str.h"
#include "kube/objects.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

#define DEFAULT_TIMEOUT_MS 60000
#define STDERR_SHOWN	   200 /* bytes of the plugin's stderr line in a message */

struct execcred_run {
	struct loop *l;
	struct loop_child *child;
	struct loop_timer *early; /* delivers a failure found at start */
	execcred_cb cb;
	void *arg;
	char *who; /* `exec plugin for user "u": command "c"` */
	char *api_version;
	char *install_hint;
	uint64_t timeout_ms;
	struct err e;
};

void kube_cred_free(struct kube_cred *c)
{
	if (!c)
		return;
	free(c->token);
	free(c->cert_pem);
	free(c->key_pem);
	memset(c, 0, sizeof *c);
}

/* ---- the plugin's output ---- */

/* Messages may quote what a plugin printed (kind, apiVersion): keep them
 * one terminal-safe line. */
__attribute__((format(printf, 3, 4))) static enum status
fail(struct err *e, enum status code, const char *fmt, ...)
{
	struct buf raw = BUF_INIT, clean = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&raw, fmt, ap);
	va_end(ap);
	sanitize_append(&clean, buf_str(&raw), raw.len, 0);
	err_set(e, code, "%s", buf_str(&clean));
	buf_free(&raw);
	buf_free(&clean);
	return code;
}

/* status.<key>: NULL when absent or null; *bad when it is not a string. */
static const char *status_str(const json_t *status, const char *key, bool *bad)
{
	json_t *v = json_object_get(status, key);
	if (v && !json_is_null(v) && !json_is_string(v))
		*bad = true;
	const char *s = json_string_value(v);
	return s && *s ? s : NULL;
}

/* The token goes into an HTTP header, where a control character would end
 * it early (or start another one). */
static bool header_safe(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < ' ' || *s == 0x7f)
			return false;
	return true;
}

enum status execcred_parse(const char *out, size_t len,
			   const char *expected_api_version,
			   struct kube_cred *cred, struct err *e)
{
	memset(cred, 0, sizeof *cred);
	if (!len)
		return fail(e, ST_ERR_PARSE, "the plugin printed nothing");
	json_error_t je;
	json_t *root = json_loadb(out, len, 0, &je);
	enum status st = ST_OK;
	/* jansson's message quotes the text near the error: not shown */
	if (!root)
		return fail(e, ST_ERR_PARSE,
			    "the plugin's output is not JSON (line %d)",
			    je.line);
	const char *kind = json_string_value(json_object_get(root, "kind"));
	const char *api =
	    json_string_value(json_object_get(root, "apiVersion"));
	json_t *status = json_object_get(root, "status");
	bool bad = false;
	const char *token = status_str(status, "token", &bad);
	const char *cert = status_str(status, "clientCertificateData", &bad);
	const char *key = status_str(status, "clientKeyData", &bad);
	const char *exp = status_str(status, "expirationTimestamp", &bad);
	int64_t expires = 0;
	if (!json_is_object(root))
		st = fail(e, ST_ERR_PARSE,
			  "the plugin's output is not a JSON object");
	else if (!str_eq(kind, "ExecCredential"))
		st = fail(e, ST_ERR_PARSE,
			  "the plugin's output has kind \"%.40s\", not "
			  "ExecCredential",
			  kind ? kind : "");
	else if (!str_eq(api, expected_api_version))
		st = fail(e, ST_ERR_PARSE,
			  "the plugin answered with apiVersion \"%.60s\", but "
			  "the kubeconfig asks for \"%s\"",
			  api ? api : "", expected_api_version);
	else if (!json_is_object(status))
		st = fail(e, ST_ERR_PARSE,
			  "the plugin's ExecCredential has no status");
	else if (bad)
		st = fail(e, ST_ERR_PARSE,
			  "the plugin's ExecCredential status has a field "
			  "that is not a string");
	else if (!cert != !key)
		st = fail(e, ST_ERR_PARSE, "the plugin returned %s without %s",
			  cert ? "clientCertificateData" : "clientKeyData",
			  cert ? "clientKeyData" : "clientCertificateData");
	else if (!token && !cert)
		st = fail(e, ST_ERR_PARSE,
			  "the plugin returned neither a token nor a client "
			  "certificate and key");
	else if (token && !header_safe(token))
		st = fail(e, ST_ERR_PARSE,
			  "the plugin's token contains a control character");
	else if (cert &&
		 (!strstr(cert, "-----BEGIN") || !strstr(key, "-----BEGIN")))
		st = fail(e, ST_ERR_PARSE,
			  "the plugin's client certificate or key is not PEM "
			  "text");
	else if (exp && !(expires = kube_parse_time(exp)))
		st = fail(e, ST_ERR_PARSE,
			  "the plugin's expirationTimestamp \"%.40s\" is not "
			  "an RFC 3339 time",
			  exp);
	if (!st) {
		cred->token = token ? xstrdup(token) : NULL;
		cred->cert_pem = cert ? xstrdup(cert) : NULL;
		cred->key_pem = key ? xstrdup(key) : NULL;
		/* 0 means "never expires": a time at or before the epoch has
		 * simply expired */
		cred->expires = exp && expires < 1 ? 1 : expires;
	}
	json_decref(root);
	return st;
}

/* ---- running the plugin ---- */

/* KUBERNETES_EXEC_INFO: an ExecCredential with only a spec. */
static char *exec_info(const struct kube_target *t, bool interactive)
{
	json_t *spec = json_pack("{s:b}", "interactive", interactive);
	if (t->exec->provide_cluster_info) {
		json_t *c = json_pack("{s:s?}", "server", t->server);
		if (t->ca_pem) {
			struct buf b64 = BUF_INIT;
			base64_encode(&b64, t->ca_pem, t->ca_len);
			json_object_set_new(c, "certificate-authority-data",
					    json_string(buf_str(&b64)));
			buf_free(&b64);
		}
		if (t->insecure)
			json_object_set_new(c, "insecure-skip-tls-verify",
					    json_true());
		if (t->tls_server_name)
			json_object_set_new(c, "tls-server-name",
					    json_string(t->tls_server_name));
		if (t->proxy_url)
			json_object_set_new(c, "proxy-url",
					    json_string(t->proxy_url));
		json_object_set_new(spec, "cluster", c);
	}
	json_t *info =
	    json_pack("{s:s,s:s,s:o}", "apiVersion", t->exec->api_version,
		      "kind", "ExecCredential", "spec", spec);
	char *s = json_dumps(info, JSON_COMPACT);
	json_decref(info);
	if (!s)
		xalloc_fail(0);
	return s;
}

static bool env_is(const char *kv, const char *name)
{
	size_t n = strlen(name);
	return !strncmp(kv, name, n) && kv[n] == '=';
}

/* Whether kv is replaced by one of the kubeconfig's entries from index
 * `from` on, or by KUBERNETES_EXEC_INFO. */
static bool replaced(const struct kube_exec_cfg *x, size_t from, const char *kv)
{
	if (env_is(kv, "KUBERNETES_EXEC_INFO"))
		return true;
	for (size_t i = from; i < x->nenv; i++)
		if (env_is(kv, x->env[i].name))
			return true;
	return false;
}

/* Our environment, then the kubeconfig's entries (the last of a name wins,
 * as with kubectl), then KUBERNETES_EXEC_INFO. NULL-terminated. */
static char **build_env(const struct kube_target *t, bool interactive)
{
	const struct kube_exec_cfg *x = t->exec;
	size_t n = 0, len = 0;
	while (environ && environ[n])
		n++;
	char **env = xcalloc(n + x->nenv + 2, sizeof *env);
	for (size_t i = 0; i < n; i++)
		if (!replaced(x, 0, environ[i]))
			env[len++] = xstrdup(environ[i]);
	struct buf kv = BUF_INIT;
	for (size_t i = 0; i < x->nenv; i++) {
		buf_clear(&kv);
		buf_printf(&kv, "%s=%s", x->env[i].name, x->env[i].value);
		if (!replaced(x, i + 1, buf_str(&kv)))
			env[len++] = xstrdup(buf_str(&kv));
	}
	char *info = exec_info(t, interactive);
	buf_clear(&kv);
	buf_printf(&kv, "KUBERNETES_EXEC_INFO=%s", info);
	env[len++] = buf_detach(&kv);
	free(info);
	return env;
}

static void env_free(char **env)
{
	for (char **p = env; *p; p++)
		free(*p);
	free(env);
}

static void run_free(struct execcred_run *r)
{
	free(r->who);
	free(r->api_version);
	free(r->install_hint);
	free(r);
}

static void deliver(struct execcred_run *r, struct kube_cred *cred)
{
	r->cb(r->l, cred, cred ? NULL : &r->e, r->arg);
	kube_cred_free(cred);
	run_free(r);
}

__attribute__((format(printf, 3, 4))) static void
run_fail(struct execcred_run *r, enum status code, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	buf_printf(&b, "%s", r->who);
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	fail(&r->e, code, "%s", buf_str(&b));
	buf_free(&b);
}

/* The last line of the plugin's stderr that says something, made safe and
 * short: usually the reason ("error: SSO session expired"). */
static void last_line(struct buf *out, const struct buf *err)
{
	const char *s = buf_str(err);
	size_t end = err->len;
	while (end && strchr(" \t\r\n", s[end - 1]))
		end--;
	size_t start = end;
	while (start && s[start - 1] != '\n')
		start--;
	while (start < end && strchr(" \t\r", s[start]))
		start++;
	struct buf clean = BUF_INIT;
	sanitize_append(&clean, s + start, end - start, 0);
	size_t n = clean.len;
	if (n > STDERR_SHOWN) {
		n = STDERR_SHOWN;
		/* cut on a character boundary: sanitised text is UTF-8 */
		while (n && ((unsigned char)clean.data[n] & 0xc0) == 0x80)
			n--;
	}
	buf_append(out, buf_str(&clean), n);
	if (n < clean.len)
		buf_puts(out, "...");
	buf_free(&clean);
}

static void plugin_exited(struct loop *l, const struct loop_child_result *res,
			  void *arg)
{
	(void)l;
	struct execcred_run *r = arg;
	r->child = NULL;
	struct kube_cred cred;
	struct err pe;
	if (res->spawn_failed && res->errno_spawn == ENOENT) {
		run_fail(r, ST_ERR_NOTFOUND, " not found%s%s",
			 r->install_hint ? ": " : "",
			 r->install_hint ? r->install_hint : "");
	} else if (res->spawn_failed) {
		run_fail(r, ST_ERR_IO, " could not be started: %s",
			 strerror(res->errno_spawn));
	} else if (res->timed_out) {
		run_fail(r, ST_ERR_TIMEOUT, " did not finish within %g s",
			 (double)r->timeout_ms / 1000);
	} else if (res->exit_code != 0) {
		struct buf why = BUF_INIT;
		last_line(&why, &res->err);
		if (res->signo)
			run_fail(r, ST_ERR_IO, " was killed by signal %d%s%s",
				 res->signo, why.len ? ": " : "",
				 buf_str(&why));
		else
			run_fail(r, ST_ERR_IO, " exited with status %d%s%s",
				 res->exit_code, why.len ? ": " : "",
				 buf_str(&why));
		buf_free(&why);
	} else if (res->output_cut) {
		run_fail(r, ST_ERR_TOOBIG, " printed too much");
	} else if (execcred_parse(buf_str(&res->out), res->out.len,
				  r->api_version, &cred, &pe)) {
		run_fail(r, pe.code, ": %s", pe.msg);
	} else {
		deliver(r, &cred);
		return;
	}
	deliver(r, NULL);
}

static void on_early(struct loop *l, void *arg)
{
	(void)l;
	struct execcred_run *r = arg;
	r->early = NULL;
	deliver(r, NULL);
}

struct execcred_run *execcred_start(struct loop *l, const struct kube_target *t,
				    bool interactive, uint64_t timeout_ms,
				    execcred_cb cb, void *arg)
{
	struct execcred_run *r = xcalloc(1, sizeof *r);
	r->l = l;
	r->cb = cb;
	r->arg = arg;
	r->timeout_ms = timeout_ms ? timeout_ms : DEFAULT_TIMEOUT_MS;
	const struct kube_exec_cfg *x = t->exec;
	struct buf who = BUF_INIT;
	buf_printf(&who, "exec plugin for user \"%s\"",
		   t->user_name ? t->user_name : "");
	if (x)
		buf_printf(&who, ": command \"%s\"", x->command);
	r->who = buf_detach(&who);
	if (!x) {
		run_fail(r, ST_ERR_INVALID, ": the user has no exec plugin");
		r->early = loop_timer_add(l, 0, on_early, r);
		return r;
	}
	r->api_version = xstrdup(x->api_version);
	r->install_hint = x->install_hint ? xstrdup(x->install_hint) : NULL;
	/* without a terminal for the plugin, "Never" and "IfAvailable" both
	 * mean not interactive, and "Always" cannot be honoured */
	if (str_eq(x->interactive_mode, "Never"))
		interactive = false;
	if (str_eq(x->interactive_mode, "Always") && !interactive) {
		run_fail(r, ST_ERR_UNSUPPORTED,
			 " needs a terminal (interactiveMode: Always), and "
			 "none is available here");
		r->early = loop_timer_add(l, 0, on_early, r);
		return r;
	}

	char **env = build_env(t, interactive);
	const char **argv = xcalloc(x->nargs + 2, sizeof *argv);
	argv[0] = x->command;
	for (size_t i = 0; i < x->nargs; i++)
		argv[i + 1] = x->args[i];
	struct loop_spawn_opts o = {
	    .argv = argv,
	    .envp = (const char *const *)env,
	    .timeout_ms = r->timeout_ms,
	};
	r->child = loop_spawn(l, &o, plugin_exited, r);
	free(argv);
	env_free(env);
	return r;
}

void execcred_cancel(struct execcred_run *r)
{
	if (!r)
		return;
	loop_child_cancel(r->child);
	loop_timer_cancel(r->early);
	run_free(r);
}
