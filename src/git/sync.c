/*
 * Keeping a local copy of a remote config repo (see sync.h).
 *
 * repo_sync_run does the work, blocking: open the bare cache (or make a
 * new one beside it and rename it into place once the first fetch
 * worked), point its origin at the URL, then one connection to origin
 * that reads its default branch, downloads what is new, updates and
 * prunes the refs/remotes/origin/ branches, and finally names the default
 * branch in refs/remotes/origin/HEAD (what repo_tip reads). Origin is
 * read from the configuration and fetched through an in-memory remote
 * with our own refspec, so a user's narrowed fetch refspec does not
 * matter.
 *
 * repo_sync_start runs the same in a child process (loop_spawn's fn mode).
 * The protocol between the two is the child's exit code and stderr: exit
 * 0 is success; SYNC_EXIT_BASE + status is a failure whose message is the
 * last line the child wrote to stderr. The base keeps our codes clear of
 * the small exit codes a crashing or sanitizer-killed child uses.
 *
 * Messages never contain a URL's password (redact_url) and every piece of
 * remote or libgit2 text in them is sanitised.
 */
#include "git/sync.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/mem.h"
#include "base/sanitize.h"
#include "base/str.h"
#include "git/repo.h"

#define SYNC_EXIT_BASE 100
#define SLUG_MAX       64
#define FETCH_REFSPEC  "+refs/heads/*:refs/remotes/origin/*"
#define ORIGIN_PREFIX  "refs/remotes/origin/"

/* url without a password: "https://user:secret@host/x" becomes
 * "https://user@host/x". A new string. */
static char *redact_url(const char *url)
{
	const char *scheme = strstr(url, "://");
	if (!scheme)
		return xstrdup(url);
	const char *auth = scheme + 3;
	size_t host_at = strcspn(auth, "/");
	const char *at = memchr(auth, '@', host_at);
	const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
	if (!colon)
		return xstrdup(url);
	struct buf b = BUF_INIT;
	buf_append(&b, url, (size_t)(colon - url));
	buf_puts(&b, at);
	return buf_detach(&b);
}

/* ---- URLs and the cache folder ----------------------------------------- */

static bool isalnum_ascii(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

bool repo_is_url(const char *spec)
{
	if (!spec || !*spec)
		return false;
	/* "scheme://": https, http, ssh, git, file, git+ssh, ... */
	size_t i = 0;
	if ((spec[0] >= 'a' && spec[0] <= 'z') ||
	    (spec[0] >= 'A' && spec[0] <= 'Z')) {
		while (spec[i] && (isalnum_ascii(spec[i]) || spec[i] == '+' ||
				   spec[i] == '-' || spec[i] == '.'))
			i++;
		if (strncmp(spec + i, "://", 3) == 0)
			return true;
	}
	/* scp-like "user@host:path": '@' then ':' before any '/' */
	size_t pre = strcspn(spec, "/");
	const char *at = memchr(spec, '@', pre);
	if (!at || at == spec)
		return false;
	const char *colon = memchr(at + 1, ':', pre - (size_t)(at + 1 - spec));
	return colon && colon > at + 1;
}

static uint64_t fnv1a64(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* The URL's last path component without ".git", made safe for a folder
 * name. */
static void url_slug(const char *url, struct buf *out)
{
	const char *end = url + strlen(url);
	while (end > url && end[-1] == '/')
		end--;
	const char *start = end;
	while (start > url && start[-1] != '/' && start[-1] != ':')
		start--;
	if (end - start > 4 && strncmp(end - 4, ".git", 4) == 0)
		end -= 4;
	size_t n = 0;
	for (const char *p = start; p < end && n < SLUG_MAX; p++, n++) {
		char c = *p;
		bool ok = isalnum_ascii(c) || c == '.' || c == '_' || c == '-';
		/* no hidden folders, no "." or ".." */
		if (!ok || (n == 0 && c == '.'))
			c = '_';
		buf_putc(out, c);
	}
	if (!n)
		buf_puts(out, "repo");
}

static const char *home_dir(void)
{
	const char *home = getenv("HOME");
	if (home && *home)
		return home;
	struct passwd *pw = getpwuid(getuid());
	return pw && pw->pw_dir ? pw->pw_dir : ".";
}

void repo_cache_dir(const char *url, struct buf *out)
{
	const char *xdg = getenv("XDG_CACHE_HOME");
	/* the XDG spec says relative values are to be ignored */
	if (xdg && xdg[0] == '/')
		buf_puts(out, xdg);
	else
		buf_printf(out, "%s/.cache", home_dir());
	buf_puts(out, "/opsdeck/repos/");
	url_slug(url, out);
	buf_printf(out, "-%016" PRIx64, fnv1a64(url));
}

/* ---- local folders ----------------------------------------------------- */

/* mkdir -p; what it creates is private (0700): a clone of a config repo
 * is nobody else's business. */
static enum status mkdir_p(const char *dir, struct err *e)
{
	char *p = xstrdup(dir);
	enum status st = ST_OK;
	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s)
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST) {
			st = repo_fail(e, ST_ERR_IO, "creating %s: %s", p,
				  strerror(errno));
			break;
		}
		*s = c;
		if (!c)
			break;
	}
	struct stat sb;
	if (st == ST_OK && (stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode)))
		st = repo_fail(e, ST_ERR_IO, "%s is not a folder", dir);
	free(p);
	return st;
}

static bool dir_is_empty(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return false;
	bool empty = true;
	struct dirent *de;
	while (empty && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			empty = false;
	closedir(d);
	return empty;
}

static int remove_one(const char *p, const struct stat *sb, int flag,
		      struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(p);
}

/* rm -r, for the partial clones this file made itself. */
static void remove_tree(const char *dir)
{
	nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* dir's parent (a new string; "." when it has none). */
static char *parent_of(const char *dir)
{
	const char *slash = strrchr(dir, '/');
	if (!slash)
		return xstrdup(".");
	if (slash == dir)
		return xstrdup("/");
	return xstrndup(dir, (size_t)(slash - dir));
}

/* Partial clones ("DIR.partial-PID") whose process is gone: a clone that
 * was killed (a timeout) or crashed. */
static void remove_stale_partials(const char *dir)
{
	char *parent = parent_of(dir);
	const char *slash = strrchr(dir, '/');
	char *prefix = str_printf("%s.partial-", slash ? slash + 1 : dir);
	DIR *d = opendir(parent);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		long pid;
		if (!str_has_prefix(de->d_name, prefix) ||
		    !str_to_long(de->d_name + strlen(prefix), 1, LONG_MAX,
				 &pid))
			continue;
		if (kill((pid_t)pid, 0) < 0 && errno == ESRCH) {
			char *p = str_printf("%s/%s", parent, de->d_name);
			remove_tree(p);
			free(p);
		}
	}
	if (d)
		closedir(d);
	free(prefix);
	free(parent);
}

/* origin's URL (a new string); GIT_ENOTFOUND when there is no origin.
 * The configuration is read directly rather than through
 * git_remote_lookup, which in libgit2 1.5 leaks a regex match block on
 * every call (fixed upstream by libgit2 PR #6382). */
static int origin_url(git_repository *g, char **out)
{
	*out = NULL;
	git_config *cfg = NULL;
	int rc = git_repository_config_snapshot(&cfg, g);
	if (rc < 0)
		return rc;
	const char *v = NULL;
	rc = git_config_get_string(&v, cfg, "remote.origin.url");
	if (rc == 0)
		*out = xstrdup(v);
	git_config_free(cfg);
	return rc;
}

/* Make the cache's origin point at url: added when missing, corrected
 * when the cache was made for another URL. */
static enum status cache_origin(git_repository *g, const char *url,
				const char *shown, struct err *e)
{
	char *cur = NULL;
	int rc = origin_url(g, &cur);
	if (rc < 0 && rc != GIT_ENOTFOUND)
		return repo_fail_git(e, ST_ERR_IO, "reading the origin remote");
	bool same = cur && strcmp(cur, url) == 0;
	free(cur);
	if (same)
		return ST_OK;
	git_config *cfg = NULL;
	if (git_repository_config(&cfg, g) < 0)
		return repo_fail_git(e, ST_ERR_IO, "opening the configuration");
	int set = git_config_set_string(cfg, "remote.origin.url", url);
	if (set == 0 && rc == GIT_ENOTFOUND)
		set = git_config_set_string(cfg, "remote.origin.fetch",
					    FETCH_REFSPEC);
	git_config_free(cfg);
	if (set < 0)
		return repo_fail_git(e, ST_ERR_IO, "setting origin's URL to %s",
				shown);
	return ST_OK;
}

/* ---- credentials ------------------------------------------------------- */

struct fetch_ctx {
	const char *shown; /* the URL as messages show it */
	unsigned tried_username, tried_agent, tried_userpass;
	bool auth_failed;  /* a kind was asked for again: it was refused */
	bool no_token;	   /* https wanted a password and there is none */
	bool url_password; /* libgit2 tried the URL's own password first */
};

/*
 * Each kind of credential is offered once: when libgit2 asks for the same
 * kind again the server refused it, and asking again would loop. A URL's
 * own password is tried by libgit2 itself before this is called.
 */
static int on_credentials(git_credential **out, const char *url,
			  const char *user_from_url, unsigned int allowed,
			  void *payload)
{
	(void)url;
	struct fetch_ctx *c = payload;
	const char *ssh_user =
	    user_from_url && *user_from_url ? user_from_url : "git";
	if ((allowed & GIT_CREDENTIAL_SSH_KEY) && !c->tried_agent++)
		return git_credential_ssh_key_from_agent(out, ssh_user);
	if ((allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) &&
	    !c->tried_userpass) {
		const char *token = getenv("OPSDECK_GIT_TOKEN");
		if (!token || !*token) {
			c->no_token = true;
			return GIT_EAUTH;
		}
		c->tried_userpass++;
		/* hosts take a token with any user name; GitHub documents
		 * this one for tokens of every kind */
		const char *user = user_from_url && *user_from_url
				       ? user_from_url
				       : "x-access-token";
		return git_credential_userpass_plaintext_new(out, user, token);
	}
	if ((allowed & GIT_CREDENTIAL_USERNAME) && !c->tried_username++)
		return git_credential_username_new(out, ssh_user);
	/* every kind on offer was tried and refused */
	c->auth_failed = true;
	return GIT_EAUTH;
}

/* A failure while talking to origin: the network's or ours? */
static enum status remote_fail(struct fetch_ctx *c, struct err *e,
			       const char *doing)
{
	if (c->auth_failed)
		return repo_fail(e, ST_ERR_NET, "authentication failed for %s",
			    c->shown);
	if (c->no_token && c->url_password)
		return repo_fail(e, ST_ERR_NET, "authentication failed for %s",
			    c->shown);
	if (c->no_token)
		return repo_fail(e, ST_ERR_NET,
			    "%s asks for credentials: set OPSDECK_GIT_TOKEN",
			    c->shown);
	const git_error *ge = git_error_last();
	int klass = ge ? ge->klass : GIT_ERROR_NONE;
	enum status st = klass == GIT_ERROR_ODB || klass == GIT_ERROR_INDEXER ||
				 klass == GIT_ERROR_FILESYSTEM
			     ? ST_ERR_IO
			     : ST_ERR_NET;
	return repo_fail_git(e, st, "%s %s", doing, c->shown);
}

/* ---- fetching ---------------------------------------------------------- */

/* Point refs/remotes/origin/HEAD at origin's default branch (a
 * "refs/heads/B" name), or remove it when origin has none. */
static enum status set_origin_head(git_repository *g, const char *def,
				   struct err *e)
{
	static const char head[] = ORIGIN_PREFIX "HEAD";
	git_reference *ref = NULL;
	if (def && str_has_prefix(def, "refs/heads/")) {
		char *target = str_printf(ORIGIN_PREFIX "%s", def + 11);
		int rc = git_reference_lookup(&ref, g, target);
		git_reference_free(ref);
		ref = NULL;
		if (rc == 0)
			rc = git_reference_symbolic_create(
			    &ref, g, head, target, 1,
			    "opsdeck: origin's default branch");
		else if (rc == GIT_ENOTFOUND)
			rc = 0; /* not fetched (odd refspec): leave HEAD */
		git_reference_free(ref);
		free(target);
		if (rc < 0)
			return repo_fail_git(e, ST_ERR_IO, "setting %s", head);
		return ST_OK;
	}
	if (git_reference_lookup(&ref, g, head) == 0) {
		int rc = git_reference_delete(ref);
		git_reference_free(ref);
		if (rc < 0)
			return repo_fail_git(e, ST_ERR_IO, "removing %s", head);
	}
	return ST_OK;
}

static enum status fetch_origin(git_repository *g, git_remote *remote,
				bool cache, const char *shown, struct err *e)
{
	struct fetch_ctx ctx = {.shown = shown};
	const char *url = git_remote_url(remote);
	if (url) {
		char *plain = redact_url(url);
		ctx.url_password = strcmp(plain, url) != 0;
		free(plain);
	}
	git_remote_callbacks cbs;
	git_remote_init_callbacks(&cbs, GIT_REMOTE_CALLBACKS_VERSION);
	cbs.credentials = on_credentials;
	cbs.payload = &ctx;
	/* no certificate_check: libgit2 verifies TLS certificates */

	git_remote_connect_options co;
	git_remote_connect_options_init(&co,
					GIT_REMOTE_CONNECT_OPTIONS_VERSION);
	co.callbacks = cbs;
	git_fetch_options fo;
	git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
	fo.callbacks = cbs;
	/* the cache keeps every tag so "v1.2" resolves; a user's working
	 * tree gets what `git fetch` would give it */
	fo.download_tags = cache ? GIT_REMOTE_DOWNLOAD_TAGS_ALL
				 : GIT_REMOTE_DOWNLOAD_TAGS_AUTO;
	fo.update_fetchhead = cache ? 0 : 1;
	char *spec = FETCH_REFSPEC;
	git_strarray specs = {&spec, 1};

	enum status st = ST_OK;
	char *def = NULL;
	if (git_remote_connect_ext(remote, GIT_DIRECTION_FETCH, &co) < 0)
		return remote_fail(&ctx, e, "connecting to");
	/* The default branch is read from the refs origin advertised, so it
	 * is asked for while the connection is open. */
	git_buf b = {0};
	if (git_remote_default_branch(&b, remote) == 0)
		def = xstrdup(b.ptr);
	git_buf_dispose(&b);
	if (git_remote_download(remote, &specs, &fo) < 0) {
		st = remote_fail(&ctx, e, "fetching");
		goto done;
	}
	if (git_remote_update_tips(remote, &cbs, fo.update_fetchhead,
				   fo.download_tags, "opsdeck: fetch") < 0) {
		st = repo_fail_git(e, ST_ERR_IO, "updating branches from %s", shown);
		goto done;
	}
	if (git_remote_prune(remote, &cbs) < 0) {
		st = repo_fail_git(e, ST_ERR_IO, "pruning branches origin deleted");
		goto done;
	}
	st = set_origin_head(g, def, e);
done:
	git_remote_disconnect(remote);
	free(def);
	return st;
}

/* Fetch origin (at from) into g. An in-memory remote for the URL
 * (url.*.insteadOf applies): the refspec is ours, whatever the
 * configuration says. */
static enum status sync_repo(git_repository *g, const char *from, bool cache,
			     const char *shown, struct err *e)
{
	git_remote *remote = NULL;
	if (git_remote_create_anonymous(&remote, g, from) < 0)
		return repo_fail_git(e, ST_ERR_INVALID, "the URL %s", shown);
	enum status st = fetch_origin(g, remote, cache, shown, e);
	git_remote_free(remote);
	return st;
}

/*
 * The first clone is made in "DIR.partial-PID" and renamed to dir once
 * complete, so the cache folder holds a whole clone or nothing: a first
 * fetch that fails (a wrong URL, no credentials, a timeout) leaves
 * nothing that looks like a copy fetched before.
 */
static enum status clone_fresh(const char *dir, const char *url,
			       const char *shown, struct err *e)
{
	remove_stale_partials(dir);
	char *tmp = str_printf("%s.partial-%ld", dir, (long)getpid());
	remove_tree(tmp);
	if (mkdir(tmp, 0700) < 0) {
		enum status st =
		    repo_fail(e, ST_ERR_IO, "creating %s: %s", tmp, strerror(errno));
		free(tmp);
		return st;
	}
	git_repository *g = NULL;
	enum status st;
	if (git_repository_init(&g, tmp, 1) < 0)
		st = repo_fail_git(e, ST_ERR_IO, "creating a repository in %s", tmp);
	else if ((st = cache_origin(g, url, shown, e)) == ST_OK)
		st = sync_repo(g, url, true, shown, e);
	git_repository_free(g);
	/* rename replaces an empty dir; a full one means another opsdeck
	 * finished the same clone first, which is as good */
	if (st == ST_OK && rename(tmp, dir) < 0 && errno != ENOTEMPTY &&
	    errno != EEXIST)
		st = repo_fail(e, ST_ERR_IO, "renaming %s to %s: %s", tmp, dir,
			  strerror(errno));
	remove_tree(tmp);
	free(tmp);
	return st;
}

/* The cache at dir: fetched into, or cloned when there is none yet. Never
 * a repository above dir (the cache may live inside someone's working
 * tree). */
static enum status sync_cache(const char *dir, const char *url,
			      const char *shown, struct err *e)
{
	char *parent = parent_of(dir);
	enum status st = mkdir_p(parent, e);
	free(parent);
	if (st != ST_OK)
		return st;
	git_repository *g = NULL;
	int rc = git_repository_open_ext(&g, dir, GIT_REPOSITORY_OPEN_NO_SEARCH,
					 NULL);
	if (rc == 0) {
		if ((st = cache_origin(g, url, shown, e)) == ST_OK)
			st = sync_repo(g, url, true, shown, e);
		git_repository_free(g);
		return st;
	}
	if (rc != GIT_ENOTFOUND)
		return repo_fail_git(e, ST_ERR_IO, "opening %s", dir);
	struct stat sb;
	if (stat(dir, &sb) == 0 && (!S_ISDIR(sb.st_mode) || !dir_is_empty(dir)))
		return repo_fail(e, ST_ERR_IO,
			    "%s is not empty and holds no Git repository", dir);
	return clone_fresh(dir, url, shown, e);
}

/* A user's working tree (or a folder in it): fetch its origin. */
static enum status sync_worktree(const char *dir, struct err *e)
{
	git_repository *g = NULL;
	int rc = git_repository_open_ext(&g, dir, 0, NULL);
	if (rc == GIT_ENOTFOUND)
		return repo_fail(e, ST_ERR_NOTFOUND, "no Git repository at %s", dir);
	if (rc < 0)
		return repo_fail_git(e, ST_ERR_IO, "opening %s", dir);
	char *from = NULL;
	enum status st;
	rc = origin_url(g, &from);
	if (rc == GIT_ENOTFOUND) {
		st = repo_fail(e, ST_ERR_NOTFOUND,
			  "the repository at %s has no origin remote", dir);
	} else if (rc < 0) {
		st = repo_fail_git(e, ST_ERR_IO, "reading origin of %s", dir);
	} else {
		char *shown = redact_url(from);
		st = sync_repo(g, from, false, shown, e);
		free(shown);
	}
	free(from);
	git_repository_free(g);
	return st;
}

enum status repo_sync_run(const char *dir, const char *url, struct err *e)
{
	repo_global_init();
	if (!dir || !*dir)
		return repo_fail(e, ST_ERR_INVALID, "no folder given for the clone");
	if (!url)
		return sync_worktree(dir, e);
	if (!*url)
		return repo_fail(e, ST_ERR_INVALID, "empty repository URL");
	char *shown = redact_url(url);
	enum status st = sync_cache(dir, url, shown, e);
	free(shown);
	return st;
}

/* ---- in a child process ------------------------------------------------ */

struct repo_sync {
	struct loop_child *child;
	char *dir;
	char *url;   /* NULL: the origin dir has */
	char *shown; /* for messages */
	uint64_t timeout_ms;
	repo_sync_cb cb;
	void *arg;
};

static void sync_free(struct repo_sync *s)
{
	free(s->dir);
	free(s->url);
	free(s->shown);
	free(s);
}

/* In the child: the work, and the outcome as exit code + stderr line. */
static int sync_child(void *arg)
{
	struct repo_sync *s = arg;
	struct err e;
	err_clear(&e);
	enum status st = repo_sync_run(s->dir, s->url, &e);
	if (st == ST_OK)
		return 0;
	dprintf(STDERR_FILENO, "%s\n", e.msg);
	return SYNC_EXIT_BASE + (int)st;
}

/* The last non-empty line of the child's stderr, made safe. */
static void last_line(const struct buf *b, struct buf *out)
{
	const char *s = buf_str(b);
	size_t end = b->len;
	while (end &&
	       (s[end - 1] == '\n' || s[end - 1] == '\r' || s[end - 1] == ' '))
		end--;
	size_t start = end;
	while (start && s[start - 1] != '\n')
		start--;
	sanitize_append(out, s + start, end - start, 0);
}

static void sync_done(struct loop *l, const struct loop_child_result *r,
		      void *arg)
{
	(void)l;
	struct repo_sync *s = arg;
	struct buf msg = BUF_INIT;
	enum status st;
	int code = r->exit_code - SYNC_EXIT_BASE;
	if (r->spawn_failed) {
		st = ST_ERR_IO;
		buf_printf(&msg, "could not start a process to fetch %s: %s",
			   s->shown, strerror(r->errno_spawn));
	} else if (r->timed_out) {
		st = ST_ERR_TIMEOUT;
		if (s->timeout_ms % 1000)
			buf_printf(
			    &msg, "fetching %s took longer than %" PRIu64 " ms",
			    s->shown, s->timeout_ms);
		else
			buf_printf(&msg,
				   "fetching %s took longer than %" PRIu64 " s",
				   s->shown, s->timeout_ms / 1000);
	} else if (r->exit_code == 0) {
		st = ST_OK;
	} else if (r->exit_code > 0 && code > 0 && code < ST__COUNT) {
		st = (enum status)code;
		last_line(&r->err, &msg);
		if (!msg.len)
			buf_printf(&msg, "fetching %s: %s", s->shown,
				   status_message(st));
	} else {
		st = ST_ERR_IO;
		if (r->signo)
			buf_printf(&msg,
				   "the process fetching %s died (signal %d)",
				   s->shown, r->signo);
		else
			buf_printf(&msg,
				   "the process fetching %s failed (exit %d)",
				   s->shown, r->exit_code);
	}
	repo_sync_cb cb = s->cb;
	void *cb_arg = s->arg;
	sync_free(s);
	cb(cb_arg, st, buf_str(&msg));
	buf_free(&msg);
}

struct repo_sync *repo_sync_start(struct loop *l, const char *dir,
				  const char *url, uint64_t timeout_ms,
				  repo_sync_cb cb, void *arg)
{
	/* libgit2 is set up once here, not in every child */
	repo_global_init();
	struct repo_sync *s = xcalloc(1, sizeof *s);
	s->dir = xstrdup(dir ? dir : "");
	s->url = url ? xstrdup(url) : NULL;
	s->shown = redact_url(url ? url : s->dir);
	s->timeout_ms = timeout_ms;
	s->cb = cb;
	s->arg = arg;
	struct loop_spawn_opts o = {
	    .fn = sync_child,
	    .fn_arg = s,
	    .timeout_ms = timeout_ms,
	};
	s->child = loop_spawn(l, &o, sync_done, s);
	return s;
}

void repo_sync_cancel(struct repo_sync *s)
{
	if (!s)
		return;
	loop_child_cancel(s->child);
	sync_free(s);
}
