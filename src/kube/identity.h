/*
 * Who am I on a cluster, and may I do this there.
 *
 * whoami asks SelfSubjectReview (authentication.k8s.io v1, then v1beta1 on
 * 404) once per client and remembers the answer; a server that has neither
 * gets the kubeconfig's user entry, marked as such. can-i asks
 * SelfSubjectAccessReview and remembers each answer for 30 seconds, so the
 * console can ask freely while drawing plans.
 */
#ifndef OPSDECK_KUBE_IDENTITY_H
#define OPSDECK_KUBE_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>

#include "kube/client.h"

struct kube_identity {
	const char *username;
	const char *uid;
	const char *const *groups;
	size_t ngroups;
	bool from_server; /* false: the kubeconfig's user name, a guess */
};

/* id NULL on failure (r says why). Runs on the loop, never inside the
 * call. */
typedef void (*kube_whoami_cb)(void *arg, const struct kube_identity *id,
			       const struct kube_response *r);
void kube_whoami(struct kube_client *c, kube_whoami_cb cb, void *arg);
/* The remembered identity, or NULL before the first answer. */
const struct kube_identity *kube_identity_known(struct kube_client *c);

struct kube_access {
	const char *verb;	 /* get, list, patch, create, ... */
	const char *group;	 /* "" for core, "apps", ... */
	const char *resource;	 /* "deployments" */
	const char *subresource; /* "scale", or NULL */
	const char *namespace_;	 /* NULL = cluster-wide */
	const char *name;	 /* NULL = any */
};

/* r is the failed request when the question could not be asked (then
 * allowed is false and reason NULL). */
typedef void (*kube_can_i_cb)(void *arg, bool allowed, const char *reason,
			      const struct kube_response *r);
void kube_can_i(struct kube_client *c, const struct kube_access *q,
		kube_can_i_cb cb, void *arg);

/* For client.c. */
struct identity_cache;
struct identity_cache **kube_client_identity(struct kube_client *c);
void identity_cache_free(struct kube_client *c);

#endif
