/*
 * kubeconfig, read the way kubectl reads it.
 *
 * Where from: an explicit file (--kubeconfig: that file only, it must
 * exist), else the KUBECONFIG list (':'-separated; missing files skipped;
 * the first file that defines a cluster, user or context by name wins that
 * name whole; current-context is the first non-empty one), else
 * ~/.kube/config. Relative paths inside a file resolve against that file's
 * folder. A context is then *resolved* into a kube_target: everything one
 * cluster connection needs, files already read (certificates, keys), with
 * the contradictions kubectl rejects turned into errors.
 *
 * Secrets (tokens, passwords, keys, exec env values) are kept in memory
 * only; no error message built here ever contains one. Error messages name
 * the file, the entry (e.g. `user "admin"`) and the problem.
 */
#ifndef OPSDECK_KUBE_KUBECONFIG_H
#define OPSDECK_KUBE_KUBECONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "base/status.h"

struct kubeconfig; /* the merged files; opaque */

struct kube_env_var {
	char *name;
	char *value;
};

/* users[].user.exec */
struct kube_exec_cfg {
	char *api_version; /* client.authentication.k8s.io/v1 or v1beta1 */
	char *command;	   /* relative paths with a '/' resolved like files */
	char **args;
	size_t nargs;
	struct kube_env_var *env;
	size_t nenv;
	char *install_hint;	  /* may be NULL */
	bool provide_cluster_info;
	char *interactive_mode;	  /* Never, IfAvailable, Always; NULL=unset */
};

/* A resolved context: one cluster as one user. */
struct kube_target {
	char *context;	     /* the context's name */
	char *cluster_name;
	char *user_name;
	char *namespace_;    /* the context's namespace, or "default" */
	char *server;	     /* https://host:port[/path], no trailing '/' */
	char *source;	     /* the file that defined the context */

	/* TLS: PEM bytes read from *-data (base64-decoded) or the files. */
	char *ca_pem;	     /* NULL = the system's CAs */
	size_t ca_len;
	bool insecure;	     /* insecure-skip-tls-verify */
	char *tls_server_name;
	char *proxy_url;     /* NULL = the environment's proxy variables */
	char *cert_pem;	     /* client certificate and key, both or neither */
	size_t cert_len;
	char *key_pem;
	size_t key_len;

	/* Credentials: at most one of token/token_file, basic auth, exec. */
	char *token;
	char *token_file;    /* absolute path, re-read when it changes */
	char *username;
	char *password;
	struct kube_exec_cfg *exec; /* NULL when no plugin */

	/* tokenFile cache (kube_target_token) */
	char *file_token;
	struct timespec file_mtime;
	off_t file_size;
	ino_t file_ino;
};

/*
 * Load the kubeconfig: explicit (may be NULL) wins, then $KUBECONFIG, then
 * ~/.kube/config. No file at all is not an error here (an empty config:
 * kubeconfig_contexts returns 0); a file that exists but is unreadable or
 * malformed is (ERR_PARSE / ERR_IO with "file:line:col: ...").
 */
enum status kubeconfig_load(const char *explicit_path, struct kubeconfig **out,
			    struct err *e);
/* Parse one file's text; dir is the folder relative paths resolve against
 * (used by kubeconfig_load and the fuzz target). */
enum status kubeconfig_parse(const char *name, const char *text, size_t len,
			     const char *dir, struct kubeconfig **out,
			     struct err *e);
/* Merge src into dst with kubectl's first-wins rules; src is consumed. */
void kubeconfig_merge(struct kubeconfig *dst, struct kubeconfig *src);
void kubeconfig_free(struct kubeconfig *kc);

/* current-context, or NULL when unset. */
const char *kubeconfig_current(const struct kubeconfig *kc);
/* Context names in file order (merged: first file's first). */
size_t kubeconfig_contexts(const struct kubeconfig *kc, const char ***names);
/* The files actually read, in order (for messages). */
size_t kubeconfig_files(const struct kubeconfig *kc, const char ***paths);

/*
 * Resolve a context (NULL = current-context) into a target: reads the
 * certificate and key files, decodes the *-data fields, checks that the
 * context's cluster and user exist and that the entries do not contradict
 * (token plus username/password; a certificate without a key; a CA with
 * insecure-skip-tls-verify; a server URL that is not http(s)). ERR_NOTFOUND
 * for an unknown context, ERR_INVALID for contradictions, ERR_IO for a
 * referenced file that cannot be read, ERR_UNSUPPORTED for auth-provider
 * and impersonation (as, as-groups, ...), which opsdeck does not do rather
 * than silently act as someone else. A context without a user resolves
 * as anonymous, with user_name "".
 */
enum status kubeconfig_resolve(const struct kubeconfig *kc, const char *context,
			       struct kube_target **out, struct err *e);
void kube_target_free(struct kube_target *t);

/*
 * The bearer token to send now: token, or token_file's contents (trimmed;
 * re-read only when its mtime, size or inode changed). *token is NULL when
 * the target has neither. ERR_IO when the token file cannot be read.
 */
enum status kube_target_token(struct kube_target *t, const char **token,
			      struct err *e);

#endif
