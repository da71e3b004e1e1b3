/*
 * The fleet: desired (Git) joined with live (clusters), cell by cell.
 *
 * For every cluster the model names, the fleet watches its workloads
 * (deployments, and statefulsets and daemonsets when a service uses them)
 * and its pods, across all namespaces, sharing the client's reflectors.
 * When a user may not list across all namespaces, it falls back to one
 * watch per namespace the model uses. Each watch event touches only the
 * cell it belongs to: workloads are found by kind, namespace and name;
 * pods by their owner (ReplicaSet name minus the pod-template-hash, or the
 * StatefulSet/DaemonSet). Nothing is relisted or recomputed wholesale.
 *
 * A cell's state: the live version (the tag of the container image, found
 * as locators find the desired one), sync (Synced, OutOfSync, Missing when
 * the workload is absent, Unknown when the cluster cannot be read), health
 * (Argo CD's rules for the workload, made Degraded by a pod that is
 * crash-looping or cannot pull its image), ready/desired replicas, and the
 * desired version's last release when the caller provides it.
 */
#ifndef OPSDECK_MODEL_FLEET_H
#define OPSDECK_MODEL_FLEET_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/map.h"
#include "base/vec.h"
#include "kube/client.h"
#include "kube/health.h"
#include "model/model.h"
#include "model/releases.h"

#define SYNC_LIST(X)                                                           \
	X(SYNCED, "Synced")                                                    \
	X(OUTOFSYNC, "OutOfSync")                                              \
	X(MISSING, "Missing")                                                  \
	X(UNKNOWN, "Unknown")

enum sync_state {
#define SYNC_ENUM(e, name) SYNC_##e,
	SYNC_LIST(SYNC_ENUM)
#undef SYNC_ENUM
};
const char *sync_name(enum sync_state s);

struct fleet_cell {
	enum sync_state sync;
	enum health health;
	char reason[256];   /* why not Synced/Healthy, "" when all is well */
	char *live_version; /* NULL when unknown or missing */
	char *image;	    /* the full live image, or NULL */
	char *selector;	    /* the workload's pod selector "k=v,k2=v2", or
			     * NULL */
	int32_t ready, desired;
	const struct release *last; /* the desired version's last change */
	/* inside the fleet */
	struct health_result workload;
	struct map bad_pods; /* pod name -> struct health_result * */
	bool present;
};

struct fleet_ops {
	/* A cell's state changed (optional). */
	void (*changed)(void *arg, struct model_cell *c);
	/* A cluster finished its first lists, or gave up trying for now
	 * (optional). */
	void (*cluster)(void *arg, const char *context);
};

struct fleet;

/*
 * Start watching. clients are the kube clients, one per context the model
 * names (matched by kube_client_context); a context without a client
 * leaves its cells Unknown ("no context ... in the kubeconfig"). The
 * fleet keeps m's cells' live pointers for its lifetime.
 */
struct fleet *fleet_new(struct model *m, struct kube_client *const *clients,
			size_t nclients, const struct fleet_ops *ops,
			void *arg);
void fleet_free(struct fleet *f);

/* Every cluster has listed what the fleet needs, or cannot be read (its
 * client is down, or the lists were refused). */
bool fleet_settled(const struct fleet *f);

const struct fleet_cell *fleet_cell(const struct model_cell *c);

/* Attach the newest release of each cell (struct release *, borrowed;
 * they must outlive the fleet or be replaced). */
void fleet_set_releases(struct fleet *f, const struct vec *releases);

/* Tenanted services summarised per environment. */
struct fleet_rollup {
	size_t cells, healthy, synced;
	enum health worst;
	enum sync_state worst_sync;
	const char *version; /* the one live version, NULL when mixed */
};
void fleet_rollup(const struct model_service *s, const struct model_env *e,
		  struct fleet_rollup *out);

/* As documented in docs/cli-json.md. */
json_t *fleet_cell_to_json(const struct model_cell *c);

/* Whether a cell needs attention: not Synced, or Degraded/Missing/
 * Unknown health. */
bool fleet_cell_bad(const struct model_cell *c);

#endif
