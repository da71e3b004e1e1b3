/*
 * Exec credential plugins (client.authentication.k8s.io v1 and v1beta1).
 *
 * The plugin runs as a child process on the loop (never blocking it) with
 * the kubeconfig's args and env plus KUBERNETES_EXEC_INFO (an ExecCredential
 * whose spec carries `interactive` and, with provideClusterInfo, the
 * cluster). Its stdout must be an ExecCredential of the same apiVersion whose
 * status holds a token or a client certificate and key (PEM), and maybe an
 * expirationTimestamp. Callers cache the result until it expires and run the
 * plugin again on expiry or on a 401.
 *
 * Errors name the user entry and the command and say what went wrong
 * (not found — with the installHint —, exit status and the last line of
 * stderr, bad output); never the credential itself.
 */
#ifndef OPSDECK_KUBE_EXECCRED_H
#define OPSDECK_KUBE_EXECCRED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "kube/kubeconfig.h"
#include "loop/loop.h"

struct kube_cred {
	char *token;	 /* NULL when a certificate is used */
	char *cert_pem;	 /* both or neither */
	char *key_pem;
	int64_t expires; /* Unix seconds; 0 = does not expire */
};

/* Frees the fields and zeroes the struct (not the struct itself). */
void kube_cred_free(struct kube_cred *c);

/* Parse the plugin's stdout. expected_api_version is the kubeconfig's. */
enum status execcred_parse(const char *out, size_t len,
			   const char *expected_api_version,
			   struct kube_cred *cred, struct err *e);

/* cred is NULL on failure (e filled); valid only during the call (move
 * what you keep). */
typedef void (*execcred_cb)(struct loop *l, struct kube_cred *cred,
			    const struct err *e, void *arg);

struct execcred_run;

/* Run t->exec's plugin. interactive: whether a terminal is available to the
 * plugin (the console says no). timeout_ms 0 = 60 s. cb always runs later
 * on the loop, exactly once, unless cancelled. */
struct execcred_run *execcred_start(struct loop *l, const struct kube_target *t,
				    bool interactive, uint64_t timeout_ms,
				    execcred_cb cb, void *arg);
/* Not from inside the callback or after it: the run is freed when the
 * callback returns. */
void execcred_cancel(struct execcred_run *r);

#endif
