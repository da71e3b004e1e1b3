/*
 * kubesim's command line and life cycle.
 *
 *   kubesim --scenario FILE [--listen 127.0.0.1:0] [--kubeconfig-out FILE]
 *           [--context NAME] [--tls-dir DIR] [--plain-http] [--seed N]
 *           [--stop-with-stdin]
 *
 * Start-up: load the scenario, build the world and its generated objects,
 * create the scenario's objects through the store (so the controllers see
 * them as ordinary creates), set up TLS, start serving, write the
 * kubeconfig, and only then print the one "listening" line that tests and
 * scripts wait for. SIGTERM, SIGINT and SIGHUP stop it: open streams end,
 * threads are joined and everything is freed. With --stop-with-stdin, end
 * of file (or an error) on standard input stops it the same way: a
 * launcher that holds the write end of a pipe gets its clusters stopped
 * however it dies, even by SIGKILL.
 */
#include "kubesim.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/base64.h"
#include "base/mem.h"
#include "base/str.h"

struct opts {
	const char *scenario;
	const char *listen;
	const char *kubeconfig_out;
	const char *context;
	const char *tls_dir;
	bool plain;
	bool stop_with_stdin;
	uint64_t seed;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: kubesim --scenario FILE [--listen 127.0.0.1:0] [--kubeconfig-out FILE]\n"
		   "               [--context NAME] [--tls-dir DIR] [--plain-http] [--seed N]\n"
		   "               [--stop-with-stdin]\n");
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	*o = (struct opts){.listen = "127.0.0.1:0", .context = "kubesim", .seed = 1};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **target = NULL;
		if (!strcmp(a, "--scenario"))
			target = &o->scenario;
		else if (!strcmp(a, "--listen"))
			target = &o->listen;
		else if (!strcmp(a, "--kubeconfig-out"))
			target = &o->kubeconfig_out;
		else if (!strcmp(a, "--context"))
			target = &o->context;
		else if (!strcmp(a, "--tls-dir"))
			target = &o->tls_dir;
		else if (!strcmp(a, "--plain-http")) {
			o->plain = true;
			continue;
		} else if (!strcmp(a, "--stop-with-stdin")) {
			o->stop_with_stdin = true;
			continue;
		} else if (!strcmp(a, "--seed")) {
			long v;
			if (i + 1 >= argc || !str_to_long(argv[i + 1], 0, 0x7fffffffL, &v)) {
				fprintf(stderr, "kubesim: --seed needs a number from 0 to 2147483647\n");
				return 2;
			}
			o->seed = (uint64_t)v;
			i++;
			continue;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "kubesim: unknown option '%s'\n", a);
			usage(stderr);
			return 2;
		}
		if (i + 1 >= argc || !*argv[i + 1]) {
			fprintf(stderr, "kubesim: %s needs a value\n", a);
			return 2;
		}
		*target = argv[++i];
	}
	if (!o->scenario) {
		fprintf(stderr, "kubesim: --scenario FILE is required\n");
		usage(stderr);
		return 2;
	}
	for (const char *c = o->context; *c; c++)
		if (!(*c == '-' || *c == '_' || *c == '.' ||
		      (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9'))) {
			fprintf(stderr, "kubesim: --context may hold letters, digits, '-', '_' and '.' only\n");
			return 2;
		}
	return -1;
}

static bool split_listen(const char *s, char *host, size_t hostcap, int *port)
{
	const char *colon = strrchr(s, ':');
	long p;
	if (!colon || (size_t)(colon - s) >= hostcap || colon == s ||
	    !str_to_long(colon + 1, 0, 65535, &p))
		return false;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	*port = (int)p;
	return true;
}

/* Write the kubeconfig atomically with mode 0600: it holds tokens. */
static enum status write_kubeconfig(const struct opts *o, struct ks_scenario *sc,
				    const char *server, const struct ks_tls *tls,
				    struct err *e)
{
	struct buf b = BUF_INIT;
	buf_printf(&b, "apiVersion: v1\nkind: Config\nclusters:\n- name: %s\n  cluster:\n    server: %s\n",
		   o->context, server);
	if (tls) {
		buf_puts(&b, "    certificate-authority-data: ");
		base64_encode(&b, tls->ca_pem, strlen(tls->ca_pem));
		buf_putc(&b, '\n');
	}
	struct buf users = BUF_INIT, contexts = BUF_INIT;
	const char *admin_ctx = NULL;
	for (size_t i = 0; i < sc->users.len; i++) {
		struct ks_user *u = sc->users.items[i];
		buf_printf(&users, "- name: %s-%s\n  user:\n    token: %s\n", o->context,
			   u->name, u->token);
		if (u->admin) {
			buf_printf(&contexts, "- name: %s\n  context:\n    cluster: %s\n    user: %s-%s\n",
				   o->context, o->context, o->context, u->name);
			admin_ctx = o->context;
		} else {
			buf_printf(&contexts, "- name: %s-%s\n  context:\n    cluster: %s\n    user: %s-%s\n",
				   o->context, u->name, o->context, o->context, u->name);
		}
	}
	buf_printf(&b, "users:\n%scontexts:\n%scurrent-context: %s\n", buf_str(&users),
		   buf_str(&contexts), admin_ctx ? admin_ctx : o->context);
	buf_free(&users);
	buf_free(&contexts);

	struct buf tmp = BUF_INIT;
	buf_printf(&tmp, "%s.tmp.%d", o->kubeconfig_out, (int)getpid());
	enum status st = ST_OK;
	int fd = open(buf_str(&tmp), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, b.data, b.len) != (ssize_t)b.len || fsync(fd) ||
	    rename(buf_str(&tmp), o->kubeconfig_out)) {
		st = err_set(e, ST_ERR_IO, "cannot write %s: %s", o->kubeconfig_out,
			     strerror(errno));
		unlink(buf_str(&tmp));
	}
	if (fd >= 0)
		close(fd);
	buf_free(&tmp);
	buf_free(&b);
	return st;
}

/* Namespaces first, so objects can land in them whatever the order. */
static enum status seed_objects(struct ks_world *w, struct ks_scenario *sc,
				struct err *e)
{
	/* Every cluster has these; kubectl falls back to "default". */
	static const char *const builtin[] = {"default", "kube-system", "kube-public",
					      "kube-node-lease"};
	for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++) {
		if (ks_get(w, KS_NAMESPACES, "", builtin[i]))
			continue;
		json_t *ns = json_pack("{s:{s:s,s:{s:s}}}", "metadata", "name", builtin[i],
				       "labels", "kubernetes.io/metadata.name", builtin[i]);
		ks_create(w, KS_NAMESPACES, "", ns, NULL, NULL);
	}
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < sc->objects.len; i++) {
			json_t *obj = sc->objects.items[i];
			const char *kind = json_string_value(json_object_get(obj, "kind"));
			const char *api = json_string_value(json_object_get(obj, "apiVersion"));
			bool is_ns = kind && !strcmp(kind, "Namespace");
			if (is_ns != (pass == 0))
				continue;
			int k = -1;
			for (int j = 0; j < KS_KIND_COUNT && kind && api; j++)
				if (!strcmp(ks_kinds[j].kind, kind) &&
				    !strcmp(ks_kinds[j].api_version, api))
					k = j;
			if (k < 0)
				return err_set(e, ST_ERR_INVALID, "%s: object %zu: kubesim does not serve %s %s",
					       sc->path, i + 1, api ? api : "?", kind ? kind : "?");
			const char *ns = json_string_value(json_object_get(json_object_get(obj, "metadata"), "namespace"));
			struct err ce;
			if (ks_create(w, (enum ks_kind)k, ns, json_deep_copy(obj), NULL, &ce) != ST_OK)
				return err_set(e, ce.code, "%s: object %zu (%s): %s", sc->path, i + 1, kind, ce.msg);
		}
	}
	return ST_OK;
}

/*
 * --stop-with-stdin: a thread waits for end of file or an error on standard
 * input (anything read is discarded) and then sends SIGTERM to the main
 * thread, whose sigwait takes it like any other stop signal: one shutdown
 * path. The wake pipe lets main end the thread when it stops for another
 * reason, so the thread is always joined.
 */
struct stdin_watch {
	pthread_t main;
	pthread_t thread;
	int wake[2];
	bool started;
};

static void *stdin_watch_thread(void *arg)
{
	struct stdin_watch *sw = arg;
	char buf[4096];
	for (;;) {
		struct pollfd p[2] = {{.fd = STDIN_FILENO, .events = POLLIN},
				      {.fd = sw->wake[0], .events = POLLIN}};
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents)
			return NULL; /* main is stopping anyway */
		if (p[0].revents & POLLNVAL)
			break; /* no standard input at all */
		if (!p[0].revents)
			continue;
		ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
		if (n > 0 || (n < 0 && (errno == EINTR || errno == EAGAIN)))
			continue;
		break; /* end of file or an error */
	}
	fprintf(stderr, "kubesim: standard input closed; stopping\n");
	pthread_kill(sw->main, SIGTERM);
	return NULL;
}

/* 0, or an errno value. */
static int stdin_watch_start(struct stdin_watch *sw)
{
	sw->main = pthread_self();
	if (pipe2(sw->wake, O_CLOEXEC))
		return errno;
	int err = pthread_create(&sw->thread, NULL, stdin_watch_thread, sw);
	if (err) {
		close(sw->wake[0]);
		close(sw->wake[1]);
		return err;
	}
	sw->started = true;
	return 0;
}

static void stdin_watch_stop(struct stdin_watch *sw)
{
	if (!sw->started)
		return;
	ssize_t n;
	do
		n = write(sw->wake[1], "x", 1);
	while (n < 0 && errno == EINTR);
	pthread_join(sw->thread, NULL);
	close(sw->wake[0]);
	close(sw->wake[1]);
	sw->started = false;
}

int main(int argc, char **argv)
{
	struct opts o;
	int rc = parse_opts(argc, argv, &o);
	if (rc >= 0)
		return rc;
	char host[64];
	int port;
	if (!split_listen(o.listen, host, sizeof host, &port)) {
		fprintf(stderr, "kubesim: --listen wants HOST:PORT, e.g. 127.0.0.1:0\n");
		return 2;
	}

	/* Signals are taken synchronously by this thread (sigwait); every
	 * other thread inherits the blocked mask. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* Started before the slow start-up, so a launcher that dies meanwhile
	 * still stops us: the SIGTERM stays pending until sigwait below. */
	struct stdin_watch sw = {0};
	int werr = o.stop_with_stdin ? stdin_watch_start(&sw) : 0;
	if (werr) {
		fprintf(stderr, "kubesim: cannot watch standard input: %s\n", strerror(werr));
		return 2;
	}

	struct ks_scenario sc;
	struct err e;
	if (ks_scenario_load(o.scenario, o.seed, &sc, &e) != ST_OK) {
		fprintf(stderr, "kubesim: %s\n", e.msg);
		stdin_watch_stop(&sw);
		return 2;
	}
	struct ks_world w;
	ks_world_init(&w, &sc, o.seed);
	/* resourceVersions start from the wall clock (microseconds), so a
	 * restarted kubesim never reuses its predecessor's: a client resuming
	 * a watch from before the restart gets 410 Expired and relists, as
	 * from an apiserver whose watch cache does not reach back that far. */
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	w.rv = w.compacted_rv = (uint64_t)now.tv_sec * 1000000 +
				(uint64_t)now.tv_nsec / 1000;
	struct ks_tls tls = {0};
	struct MHD_Daemon *d = NULL;
	pthread_t sim;
	bool sim_started = false;
	rc = 2;
	pthread_mutex_lock(&w.mu);
	enum status st = sim_init(&w, &e);
	if (st == ST_OK)
		st = seed_objects(&w, &sc, &e);
	pthread_mutex_unlock(&w.mu);
	if (st != ST_OK) {
		fprintf(stderr, "kubesim: %s\n", e.msg);
		goto out;
	}
	if (!o.plain && ks_tls_setup(o.tls_dir, host, &tls, &e) != ST_OK) {
		fprintf(stderr, "kubesim: %s\n", e.msg);
		goto out;
	}
	if (pthread_create(&sim, NULL, sim_thread, &w)) {
		fprintf(stderr, "kubesim: cannot start the controller thread\n");
		goto out;
	}
	sim_started = true;
	int bound;
	d = ks_http_start(&w, host, port, o.plain ? NULL : &tls, &bound, &e);
	if (!d) {
		fprintf(stderr, "kubesim: %s\n", e.msg);
		goto out;
	}
	char server[128];
	snprintf(server, sizeof server, "%s://%s:%d", o.plain ? "http" : "https", host, bound);
	if (o.kubeconfig_out &&
	    write_kubeconfig(&o, &sc, server, o.plain ? NULL : &tls, &e) != ST_OK) {
		fprintf(stderr, "kubesim: %s\n", e.msg);
		goto out;
	}
	printf("kubesim: listening on %s\n", server);
	fflush(stdout);

	int sig;
	sigwait(&stop, &sig);
	rc = 0;
out:
	stdin_watch_stop(&sw);
	pthread_mutex_lock(&w.mu);
	w.stopping = true;
	pthread_cond_broadcast(&w.changed);
	pthread_mutex_unlock(&w.mu);
	ks_http_stop(d);
	if (sim_started)
		pthread_join(sim, NULL);
	sim_free(&w);
	ks_world_free(&w);
	ks_tls_free(&tls);
	ks_scenario_free(&sc);
	return rc;
}
