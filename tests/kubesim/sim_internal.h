/*
 * What sim.c shares with simlog.c and with the unit tests, beyond the
 * contract in kubesim.h.
 *
 * simlog.c generates a container's log from the container run alone (its
 * start and end), so it asks sim.c which run a log request refers to and,
 * while following, whether that run has ended yet. The tests drive the
 * controllers on a virtual clock instead of the controller thread: every
 * timer and queued sync due by `now` runs, in time order, so one call can
 * play a whole rollout out in simulated time. All of these expect the
 * caller to hold w->mu.
 */
#ifndef KUBESIM_SIM_INTERNAL_H
#define KUBESIM_SIM_INTERNAL_H

#include "kubesim.h"

/* One run of a pod's containers (every container of a pod shares its
 * runs: they start, crash and restart together). */
struct sim_run {
	double start;  /* wall-clock start of the run */
	double end;    /* when it ended; 0 while it runs */
	unsigned run;  /* its number: the restartCount while it ran */
};

/*
 * The run `kubectl logs` shows for pod (previous = false: the running or
 * the last terminated run; true: the one lastState.terminated names).
 * False when there is none: the container never started, or no earlier
 * run ended.
 */
bool sim_log_run(struct ks_world *w, const struct ks_obj *pod, bool previous,
		 struct sim_run *out);
/* Run number n of pod ns/name as long as it is the pod with this uid and
 * sim still remembers the run (the latest one or the one before). */
bool sim_log_run_n(struct ks_world *w, const char *ns, const char *name,
		   const char *uid, unsigned n, struct sim_run *out);

/* Run every timer and queued sync due by now (a wall-clock or virtual
 * time; the controller thread passes ks_clock()). */
void sim_run_due(struct ks_world *w, double now);

/* Counters for tests and benchmarks. */
struct sim_stats {
	size_t pods;        /* pods with runtime state */
	size_t timers;      /* pending timers */
	size_t queued;      /* syncs waiting */
	size_t owners;      /* owner uids with children */
	size_t pod_bytes;   /* heap bytes of one pod's state (approximate) */
	double next_due;    /* the earliest timer, 0 when none */
};
void sim_stats(struct ks_world *w, struct sim_stats *out);

/* simlog.c at an explicit time (sim_log_open / sim_log_read use ks_clock). */
enum status sim_log_open_at(struct ks_world *w, const struct ks_obj *pod,
			    const struct ks_logq *q, double now,
			    struct sim_log **out, struct err *e);
bool sim_log_read_at(struct ks_world *w, struct sim_log *l, struct buf *out,
		     size_t max, double now, double *next_due);

#endif
