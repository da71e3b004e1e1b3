/*
 * The console's engine: the config repo, the model, the clusters and the
 * fleet, brought up without ever stopping the loop, plus the Git work the
 * views ask for (release history, diffs) done off the loop.
 *
 * Bring-up: a URL (or a repo with an origin) is fetched by a child
 * process (git/sync.h); the model is then loaded on a worker thread
 * (model_load); back on the loop a client is made for each cluster the
 * model names, with the fleet watching them, and the release history of
 * every cell is read on a worker thread. Each step tells the console
 * through changed(), so the first frame never waits for any of it.
 *
 * Git work is serialised: one worker at a time owns the repository, and
 * the loop's thread never touches it while a job runs. Views ask for a
 * diff and get the text back in a callback.
 */
#ifndef OPSDECK_MODEL_SESSION_H
#define OPSDECK_MODEL_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/vec.h"
#include "git/repo.h"
#include "kube/client.h"
#include "loop/loop.h"
#include "model/fleet.h"
#include "model/model.h"
#include "model/releases.h"

struct session_opts {
	const char *repo_spec;	/* path or URL; NULL: $OPSDECK_REPO, the
				 * settings file's repo:, then "." */
	const char *branch;	/* NULL: the settings file's, or the default */
	const char *kubeconfig; /* NULL: the settings file's, $KUBECONFIG... */
	struct kube_settings kube;
};

enum session_state {
	SESSION_FETCHING, /* cloning or fetching the config repo */
	SESSION_LOADING,  /* reading opsdeck.yaml and the version files */
	SESSION_LIVE,	  /* the model is loaded and the fleet is watching */
	SESSION_FAILED,	  /* no model: message() says why */
};

enum {
	SESSION_CHANGED_STATE = 1 << 0,	   /* state() or message() */
	SESSION_CHANGED_CELL = 1 << 1,	   /* one cell's live state */
	SESSION_CHANGED_CLUSTER = 1 << 2,  /* a connection or identity */
	SESSION_CHANGED_RELEASES = 1 << 3, /* the release history is in */
};

struct session_ops {
	/* cell is set for SESSION_CHANGED_CELL. */
	void (*changed)(void *arg, unsigned what, struct model_cell *cell);
};

struct session;

struct session *session_new(struct loop *l, const struct session_opts *o,
			    const struct session_ops *ops, void *arg);
void session_free(struct session *s);

enum session_state session_state(const struct session *s);
/* What is happening or went wrong, for the status line ("" when live
 * and well). */
const char *session_message(const struct session *s);
/* Problems of opsdeck.yaml (when it failed) or of version files, and
 * notes (uncommitted changes), one per line ("" when none). */
const char *session_problems(const struct session *s);
/* The repo as the user named it. */
const char *session_repo_name(const struct session *s);

/* NULL until live. */
struct model *session_model(const struct session *s);
struct fleet *session_fleet(const struct session *s);
const struct repo_tip *session_tip(const struct session *s);

/* The runbooks and policy at the same commit (runbook/catalog.h), or
 * NULL until live or when the policy is broken (problems() says why). */
struct catalog;
const struct catalog *session_catalog(const struct session *s);
/* The clusters the model names, in environment order. */
struct session_cluster {
	const char *context;
	struct kube_client *client; /* NULL: not usable (error says why) */
	const char *error;
};
size_t session_nclusters(const struct session *s);
const struct session_cluster *session_cluster(const struct session *s,
					      size_t i);
struct kube_client *session_client(const struct session *s,
				   const char *context);
/* Wall-clock seconds of the last change seen (0 = none yet). */
int64_t session_updated(const struct session *s);

/* The releases of a cell, newest first (struct release *, borrowed);
 * false while the history is still being read or could not be. */
bool session_releases(const struct session *s, const struct model_cell *c,
		      struct vec *out);

/* Git work is running or waiting (the history, a diff). */
bool session_busy(const struct session *s);

/* ---- Git work off the loop ---------------------------------------------- */

struct session_job;
/* st ST_OK: text is the result (len bytes, unsanitised); otherwise error
 * says why. Runs on the loop. */
typedef void (*session_text_cb)(void *arg, enum status st, const char *text,
				size_t len, const char *error);

/* Cell a's files against cell b's (same service), at the tip. */
struct session_job *session_diff_cells(struct session *s,
				       const struct model_cell *a,
				       const struct model_cell *b,
				       session_text_cb cb, void *arg);
/* A cell's files between two commits (hex ids); from NULL: to's first
 * parent. */
struct session_job *session_diff_revs(struct session *s,
				      const struct model_cell *c,
				      const char *from, const char *to,
				      session_text_cb cb, void *arg);
/* cb will not run. */
void session_job_cancel(struct session_job *j);

#endif
