/*
 * Keeping a local copy of a remote config repo: a bare clone in a cache
 * folder, fetched again on start and on demand. Clone and fetch run in a
 * child process (loop_spawn's fn mode) so the event loop never waits on
 * the network; the result comes back through the loop.
 *
 * The cache for a URL is $XDG_CACHE_HOME/opsdeck/repos/SLUG-HASH (with
 * ~/.cache when XDG_CACHE_HOME is unset): SLUG is the URL's last path
 * component made safe, HASH 16 hex digits of a hash of the URL, so two
 * URLs never share a folder. The clone is bare; origin's branches are kept
 * as refs/remotes/origin/B and refs/remotes/origin/HEAD names origin's
 * default branch, which is what repo_tip reads.
 *
 * Credentials (libgit2 credential callback): for ssh URLs the ssh agent;
 * for https the URL's user and $OPSDECK_GIT_TOKEN (or the URL's password),
 * else none. Each kind is tried once, so a refusal is an error, not a
 * loop. TLS certificates are verified (libgit2's default).
 */
#ifndef OPSDECK_GIT_SYNC_H
#define OPSDECK_GIT_SYNC_H

#include <stdbool.h>

#include "base/buf.h"
#include "base/status.h"
#include "loop/loop.h"

/* "https://...", "ssh://...", "file://...", "git://..." (any
 * "scheme://"), or scp-like "user@host:path" (an '@' and then a ':'
 * before any '/'); anything else is a local path. */
bool repo_is_url(const char *spec);

/* The cache folder for url (rules above), appended to out. */
void repo_cache_dir(const char *url, struct buf *out);

/*
 * Bring dir up to date with url, in this process (blocking): clone into
 * dir (bare) when it holds no repository yet, else fetch origin; prune
 * branches origin deleted; set refs/remotes/origin/HEAD to origin's
 * default branch. Folders it creates are mode 0700. The first clone is
 * renamed into dir only once complete, so a failed one leaves nothing; a
 * dir holding other files but no repository is left alone (ERR_IO). When
 * the cache was made for another URL, origin is pointed at url.
 * url NULL: fetch the origin remote dir already has (a user's working
 * tree, or any folder inside one; ERR_NOTFOUND when there is no
 * repository or no origin). ERR_NET for network and auth failures
 * (message says which), ERR_IO for local ones. Messages never show a
 * password from the URL.
 */
enum status repo_sync_run(const char *dir, const char *url, struct err *e);

struct repo_sync;
typedef void (*repo_sync_cb)(void *arg, enum status st, const char *message);

/* The same in a child process; cb runs on the loop with the outcome
 * (message "" on success; ERR_TIMEOUT when timeout_ms passed, 0 = no
 * limit), never from inside this call. The handle is freed once cb has
 * run; cancel a sync that is still running before loop_free. */
struct repo_sync *repo_sync_start(struct loop *l, const char *dir,
				  const char *url, uint64_t timeout_ms,
				  repo_sync_cb cb, void *arg);
/* Stop it (the child is killed); cb is not called. */
void repo_sync_cancel(struct repo_sync *s);

#endif
