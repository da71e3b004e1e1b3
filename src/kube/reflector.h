/*
 * Reflectors: the live picture of one cluster × kind × namespace ×
 * selector, kept by list + watch and shared by every consumer that asks for
 * the same thing.
 *
 * A reflector lists (paged with limit/continue) into a fresh set, diffs it
 * against what it held (so a relist after 410 Expired emits exactly the
 * adds, updates and deletes that were missed), then watches from the list's
 * resourceVersion with bookmarks. A watch that ends (server timeout) or
 * breaks resumes from the last resourceVersion seen; 410 relists; failures
 * back off exponentially with jitter and are reported to the client's
 * connection state. Objects are compact structs (objects.h). Consumers get
 * change callbacks; a consumer that joins a reflector that has already
 * listed gets ADDED for everything it holds, then synced.
 */
#ifndef OPSDECK_KUBE_REFLECTOR_H
#define OPSDECK_KUBE_REFLECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kube/client.h"
#include "kube/objects.h"
#include "kube/watchstream.h"

struct kube_watch;

struct kube_watch_ops {
	/* ADDED: old NULL. MODIFIED: old is the previous state. DELETED: obj
	 * is the last state known, old the stored one (may be the same).
	 * Pointers are valid during the call only. */
	void (*changed)(void *arg, enum watch_type type,
			const struct kube_obj *old, const struct kube_obj *obj);
	/* The first complete list is in. */
	void (*synced)(void *arg);
	/* Listing or watching failed (it will be retried): why, for people.
	 * Optional. */
	void (*error)(void *arg, const char *message);
};

struct kube_watch_spec {
	enum kube_kind kind;
	const char *namespace_;	    /* NULL or "" = all namespaces */
	const char *label_selector; /* NULL = none */
	const char *field_selector; /* NULL = none */
};

struct kube_watch *kube_watch(struct kube_client *c,
			      const struct kube_watch_spec *spec,
			      const struct kube_watch_ops *ops, void *arg);
/* Another consumer of the same reflector as w. */
struct kube_watch *kube_watch_join(struct kube_watch *w,
				   const struct kube_watch_ops *ops, void *arg);
/* Safe from inside the watch's own callbacks. The reflector stops when its
 * last consumer leaves. */
void kube_unwatch(struct kube_watch *w);

bool kube_watch_synced(const struct kube_watch *w);
/* The last list/watch error, or NULL while all is well. */
const char *kube_watch_error(const struct kube_watch *w);
/* Its status (ST_ERR_FORBIDDEN...), ST_OK while all is well. */
enum status kube_watch_error_code(const struct kube_watch *w);
size_t kube_watch_count(const struct kube_watch *w);
/* Iterate the objects held: start with *pos = 0. */
bool kube_watch_next(const struct kube_watch *w, size_t *pos,
		     const struct kube_obj **o);
const struct kube_obj *kube_watch_get(const struct kube_watch *w,
				      const char *ns, const char *name);
struct kube_client *kube_watch_client(const struct kube_watch *w);

struct reflector_stats {
	uint64_t lists;	      /* complete lists (the first and relists) */
	uint64_t pages;	      /* list requests */
	uint64_t watches;     /* watch requests started */
	uint64_t events;      /* watch events applied */
	uint64_t bookmarks;
	uint64_t expired;     /* 410s that forced a relist */
	uint64_t bad_objects; /* items that could not be decoded */
};

void kube_watch_stats(const struct kube_watch *w, struct reflector_stats *s);

/* For client.c: the registry of a client's reflectors, and its teardown. */
struct reflector_registry;
struct reflector_registry **kube_client_registry(struct kube_client *c);
void reflector_registry_free(struct kube_client *c);

#endif
