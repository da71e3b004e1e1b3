/*
 * The event loop (see loop.h for what hangs off it).
 *
 * Each round builds a pollfd array from the live fd handles, waits until the
 * nearest timer, then runs due timers and ready fds. Handles removed during
 * a round are only marked dead and swept afterwards, so callbacks may remove
 * anything at any time. libcurl drives its sockets through the socket
 * callback (each curl socket becomes an fd handle) and its timeouts through
 * one loop timer; finished transfers are collected after every
 * curl_multi_socket_action and handed to their done callbacks outside of
 * libcurl. Signal handlers write the signal number to a self-pipe; SIGCHLD
 * reaps spawned children, whose stdout and stderr are read by fd handles.
 */
#include "loop/loop.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/mem.h"
#include "base/vec.h"

extern char **environ;

struct loop_fd {
	struct loop *l;
	int fd;
	unsigned events;
	loop_fd_cb cb;
	void *arg;
	bool dead;
};

struct loop_timer {
	struct loop *l;
	uint64_t due;
	loop_timer_cb cb;
	void *arg;
	bool dead;
};

struct transfer {
	loop_curl_done_cb done;
	void *arg;
	bool deferred; /* waiting in l->deferred to be added */
};

struct loop_child {
	struct loop *l;
	pid_t pid;
	struct loop_fd *out, *err, *in;
	int out_fd, err_fd, in_fd;
	const char *input;
	size_t input_len, input_off;
	size_t max_output;
	size_t seen[2]; /* bytes read from stdout, stderr */
	void (*output)(void *arg, bool is_err, const char *data, size_t len);
	bool own_group;
	struct loop_timer *timer;
	loop_child_cb cb;
	void *arg;
	bool reaped, dead;
	struct loop_child_result r;
};

#define NSIG_MAX 65

struct loop {
	struct vec fds;
	struct vec timers;
	struct vec children;
	CURLM *multi;
	/* Transfers started from inside a curl callback, where libcurl
	 * refuses to add a handle (CURLM_RECURSIVE_API_CALL): added from a
	 * 0 ms timer instead. */
	struct vec deferred; /* CURL * */
	struct loop_timer *deferred_timer;
	struct loop_timer *curl_timer;
	size_t transfers;
	int sigpipe[2];
	struct loop_fd *sig_fd;
	loop_signal_cb sig_cb[NSIG_MAX];
	void *sig_arg[NSIG_MAX];
	bool chld_installed;
	bool quit;
	int code;
	bool sweep;
	int depth; /* loop_run_once calls on the stack */
};

static int sig_write_fd = -1;

uint64_t loop_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* ---- fds and timers -------------------------------------------------- */

struct loop_fd *loop_fd_add(struct loop *l, int fd, unsigned events,
			    loop_fd_cb cb, void *arg)
{
	struct loop_fd *h = xcalloc(1, sizeof *h);
	h->l = l;
	h->fd = fd;
	h->events = events;
	h->cb = cb;
	h->arg = arg;
	vec_push(&l->fds, h);
	return h;
}

void loop_fd_set(struct loop_fd *h, unsigned events)
{
	h->events = events;
}

void loop_fd_del(struct loop_fd *h)
{
	if (!h)
		return;
	h->dead = true;
	h->l->sweep = true;
}

struct loop_timer *loop_timer_add(struct loop *l, uint64_t ms,
				  loop_timer_cb cb, void *arg)
{
	struct loop_timer *t = xcalloc(1, sizeof *t);
	t->l = l;
	t->due = loop_now_ms() + ms;
	t->cb = cb;
	t->arg = arg;
	vec_push(&l->timers, t);
	return t;
}

void loop_timer_cancel(struct loop_timer *t)
{
	if (!t)
		return;
	t->dead = true;
	t->l->sweep = true;
}

/* Free what was deleted, only from the outermost loop_run_once: an outer
 * call may still hold pointers into the lists (the handles it polled, the
 * timer it is running) while a callback runs the loop itself. */
static void sweep(struct loop *l)
{
	if (!l->sweep || l->depth > 1)
		return;
	l->sweep = false;
	size_t j = 0;
	for (size_t i = 0; i < l->fds.len; i++) {
		struct loop_fd *h = l->fds.items[i];
		if (h->dead)
			free(h);
		else
			l->fds.items[j++] = h;
	}
	l->fds.len = j;
	j = 0;
	for (size_t i = 0; i < l->timers.len; i++) {
		struct loop_timer *t = l->timers.items[i];
		if (t->dead)
			free(t);
		else
			l->timers.items[j++] = t;
	}
	l->timers.len = j;
	j = 0;
	for (size_t i = 0; i < l->children.len; i++) {
		struct loop_child *c = l->children.items[i];
		if (c->dead) {
			buf_free(&c->r.out);
			buf_free(&c->r.err);
			free(c);
		} else {
			l->children.items[j++] = c;
		}
	}
	l->children.len = j;
}

/* ---- signals ----------------------------------------------------------- */

static void on_signal(int signo)
{
	int saved = errno;
	unsigned char b = (unsigned char)signo;
	if (sig_write_fd >= 0 && write(sig_write_fd, &b, 1) < 0) {
		/* the pipe is full: the signal is already pending there */
	}
	errno = saved;
}

static void reap_children(struct loop *l);

static void sig_readable(struct loop *l, int fd, unsigned ev, void *arg)
{
	(void)ev;
	(void)arg;
	unsigned char b[64];
	ssize_t n;
	while ((n = read(fd, b, sizeof b)) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			int s = b[i];
			if (s == SIGCHLD)
				reap_children(l);
			if (s < NSIG_MAX && l->sig_cb[s])
				l->sig_cb[s](l, s, l->sig_arg[s]);
		}
	}
}

static int install(int signo, void (*handler)(int))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART | (signo == SIGCHLD ? SA_NOCLDSTOP : 0);
	return sigaction(signo, &sa, NULL);
}

int loop_signal(struct loop *l, int signo, loop_signal_cb cb, void *arg)
{
	if (signo <= 0 || signo >= NSIG_MAX)
		return -1;
	l->sig_cb[signo] = cb;
	l->sig_arg[signo] = arg;
	if (signo == SIGCHLD && l->chld_installed)
		return 0;
	return install(signo, cb ? on_signal : SIG_DFL);
}

/* ---- libcurl ----------------------------------------------------------- */

static void curl_collect(struct loop *l)
{
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(l->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		CURL *easy = m->easy_handle;
		CURLcode res = m->data.result;
		struct transfer *t = NULL;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&t);
		curl_multi_remove_handle(l->multi, easy);
		curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
		l->transfers--;
		if (t) {
			loop_curl_done_cb done = t->done;
			void *arg = t->arg;
			free(t);
			done(easy, res, arg);
		}
	}
}

static void curl_action(struct loop *l, curl_socket_t s, int ev)
{
	int running;
	curl_multi_socket_action(l->multi, s, ev, &running);
	curl_collect(l);
}

static void curl_fd_ready(struct loop *l, int fd, unsigned ev, void *arg)
{
	(void)arg;
	int cev = 0;
	if (ev & LOOP_IN)
		cev |= CURL_CSELECT_IN;
	if (ev & LOOP_OUT)
		cev |= CURL_CSELECT_OUT;
	if (ev & LOOP_ERR)
		cev |= CURL_CSELECT_ERR;
	curl_action(l, fd, cev);
}

static int curl_socket_cb(CURL *easy, curl_socket_t s, int what, void *userp,
			  void *socketp)
{
	(void)easy;
	struct loop *l = userp;
	struct loop_fd *h = socketp;
	if (what == CURL_POLL_REMOVE) {
		if (h) {
			loop_fd_del(h);
			curl_multi_assign(l->multi, s, NULL);
		}
		return 0;
	}
	unsigned ev = (what & CURL_POLL_IN ? LOOP_IN : 0) |
		      (what & CURL_POLL_OUT ? LOOP_OUT : 0);
	if (!h) {
		h = loop_fd_add(l, s, ev, curl_fd_ready, NULL);
		curl_multi_assign(l->multi, s, h);
	} else {
		loop_fd_set(h, ev);
	}
	return 0;
}

static void curl_timer_fired(struct loop *l, void *arg)
{
	(void)arg;
	l->curl_timer = NULL;
	curl_action(l, CURL_SOCKET_TIMEOUT, 0);
}

static int curl_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	(void)multi;
	struct loop *l = userp;
	loop_timer_cancel(l->curl_timer);
	l->curl_timer = NULL;
	if (timeout_ms >= 0)
		l->curl_timer = loop_timer_add(l, (uint64_t)timeout_ms,
					       curl_timer_fired, NULL);
	return 0;
}

CURLM *loop_curl_multi(struct loop *l)
{
	return l->multi;
}

static void add_deferred(struct loop *l, void *arg)
{
	(void)arg;
	l->deferred_timer = NULL;
	struct vec v = l->deferred;
	l->deferred = (struct vec)VEC_INIT;
	for (size_t i = 0; i < v.len; i++) {
		CURL *easy = v.items[i];
		struct transfer *t = NULL;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&t);
		t->deferred = false;
		curl_multi_add_handle(l->multi, easy);
	}
	vec_free(&v, NULL);
}

void loop_curl_add(struct loop *l, CURL *easy, loop_curl_done_cb done,
		   void *arg)
{
	struct transfer *t = xcalloc(1, sizeof *t);
	t->done = done;
	t->arg = arg;
	curl_easy_setopt(easy, CURLOPT_PRIVATE, (char *)t);
	l->transfers++;
	if (curl_multi_add_handle(l->multi, easy) == CURLM_RECURSIVE_API_CALL) {
		t->deferred = true;
		vec_push(&l->deferred, easy);
		if (!l->deferred_timer)
			l->deferred_timer =
				loop_timer_add(l, 0, add_deferred, NULL);
	}
}

void loop_curl_remove(struct loop *l, CURL *easy)
{
	struct transfer *t = NULL;
	curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&t);
	if (!t)
		return;
	if (t->deferred) {
		for (size_t i = 0; i < l->deferred.len; i++)
			if (l->deferred.items[i] == easy)
				vec_remove(&l->deferred, i--);
	} else {
		curl_multi_remove_handle(l->multi, easy);
	}
	curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
	free(t);
	l->transfers--;
}

void loop_curl_pause(struct loop *l, CURL *easy, bool paused)
{
	(void)l;
	curl_easy_pause(easy, paused ? CURLPAUSE_RECV : CURLPAUSE_CONT);
}

/* ---- children ---------------------------------------------------------- */

static void child_finish(struct loop_child *c)
{
	if (c->dead)
		return;
	if (!c->reaped || c->out || c->err)
		return;
	loop_fd_del(c->in);
	c->in = NULL;
	if (c->in_fd >= 0)
		close(c->in_fd);
	c->in_fd = -1;
	loop_timer_cancel(c->timer);
	c->timer = NULL;
	c->dead = true;
	c->l->sweep = true;
	c->cb(c->l, &c->r, c->arg);
}

static void child_close_stream(struct loop_child *c, bool is_out)
{
	struct loop_fd **h = is_out ? &c->out : &c->err;
	int *fd = is_out ? &c->out_fd : &c->err_fd;
	loop_fd_del(*h);
	*h = NULL;
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Read what is there; returns false at end of file or error. */
static bool child_drain(struct loop_child *c, bool is_out)
{
	int fd = is_out ? c->out_fd : c->err_fd;
	size_t *seen = &c->seen[is_out ? 0 : 1];
	char tmp[8192];
	for (;;) {
		ssize_t n = read(fd, tmp, sizeof tmp);
		if (n > 0) {
			size_t room = *seen < c->max_output
					      ? c->max_output - *seen
					      : 0;
			size_t take = (size_t)n < room ? (size_t)n : room;
			if ((size_t)n > room)
				c->r.output_cut = true;
			*seen += take;
			if (!take)
				continue;
			if (!c->output) {
				buf_append(is_out ? &c->r.out : &c->r.err, tmp,
					   take);
				continue;
			}
			c->output(c->arg, !is_out, tmp, take);
			if (c->dead)
				return false; /* cancelled from inside */
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return true;
		return false;
	}
}

static void child_readable(struct loop *l, int fd, unsigned ev, void *arg)
{
	(void)l;
	(void)ev;
	struct loop_child *c = arg;
	bool is_out = fd == c->out_fd;
	if (!child_drain(c, is_out))
		child_close_stream(c, is_out);
	child_finish(c);
}

static void child_writable(struct loop *l, int fd, unsigned ev, void *arg)
{
	(void)l;
	struct loop_child *c = arg;
	while (!(ev & LOOP_ERR) && c->input_off < c->input_len) {
		ssize_t n = write(fd, c->input + c->input_off,
				  c->input_len - c->input_off);
		if (n > 0) {
			c->input_off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		break;
	}
	loop_fd_del(c->in);
	c->in = NULL;
	close(c->in_fd);
	c->in_fd = -1;
}

static void reap_children(struct loop *l)
{
	for (size_t i = 0; i < l->children.len; i++) {
		struct loop_child *c = l->children.items[i];
		if (c->dead || c->reaped || c->pid <= 0)
			continue;
		int st;
		pid_t p = waitpid(c->pid, &st, WNOHANG);
		if (p != c->pid)
			continue;
		c->reaped = true;
		c->r.status = st;
		c->r.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		c->r.signo = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
		/* A grandchild may keep the pipes open: take what the child
		 * wrote and stop listening. */
		if (c->out) {
			child_drain(c, true);
			child_close_stream(c, true);
		}
		if (c->err) {
			child_drain(c, false);
			child_close_stream(c, false);
		}
		child_finish(c);
	}
}

static void child_timeout(struct loop *l, void *arg)
{
	(void)l;
	struct loop_child *c = arg;
	c->timer = NULL;
	if (!c->reaped && c->pid > 0) {
		c->r.timed_out = true;
		kill(c->own_group ? -c->pid : c->pid, SIGKILL);
	}
}

static void child_spawn_failed(struct loop *l, void *arg)
{
	(void)l;
	struct loop_child *c = arg;
	c->timer = NULL;
	c->reaped = true;
	child_finish(c);
}

static int pipe_cloexec(int p[2])
{
	return pipe2(p, O_CLOEXEC);
}

struct loop_child *loop_spawn(struct loop *l, const struct loop_spawn_opts *o,
			      loop_child_cb cb, void *arg)
{
	struct loop_child *c = xcalloc(1, sizeof *c);
	c->l = l;
	c->cb = cb;
	c->arg = arg;
	c->out_fd = c->err_fd = c->in_fd = -1;
	c->max_output = o->max_output ? o->max_output : (size_t)1 << 20;
	c->output = o->output;
	c->own_group = o->own_group;
	c->r.exit_code = -1;
	vec_push(&l->children, c);
	if (!l->chld_installed) {
		install(SIGCHLD, on_signal);
		l->chld_installed = true;
	}

	int pout[2] = {-1, -1}, perr[2] = {-1, -1}, pin[2] = {-1, -1};
	int pexec[2] = {-1, -1};
	if (pipe_cloexec(pout) || pipe_cloexec(perr) || pipe_cloexec(pexec) ||
	    (o->input && pipe_cloexec(pin))) {
		c->r.errno_spawn = errno;
		goto failed;
	}
	/* Nothing buffered in this process may be written twice by a child
	 * that runs fn and flushes its stdio on the way out. */
	if (o->fn)
		fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		c->r.errno_spawn = errno;
		goto failed;
	}
	if (pid == 0) {
		if (o->own_group)
			setpgid(0, 0);
		int devnull = open("/dev/null", O_RDONLY);
		dup2(o->input ? pin[0] : devnull, 0);
		dup2(pout[1], 1);
		dup2(perr[1], 2);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		for (int s = 1; s < NSIG_MAX; s++)
			if (s != SIGKILL && s != SIGSTOP)
				signal(s, SIG_DFL);
		int err = 0;
		if (o->dir && chdir(o->dir) < 0)
			err = errno;
		if (!err && o->fn) {
			close(pexec[1]); /* "started": the parent reads EOF */
			int rc = o->fn(o->fn_arg);
			fflush(NULL);
			_exit(rc & 0xff);
		}
		if (!err) {
			char *const *env = o->envp ? (char *const *)o->envp
						   : environ;
			execvpe(o->argv[0], (char *const *)o->argv, env);
			err = errno;
		}
		if (write(pexec[1], &err, sizeof err) < 0) {
			/* nothing left to tell anyone */
		}
		_exit(127);
	}
	c->pid = pid;
	c->r.pid = pid;
	if (o->own_group)
		setpgid(pid, pid); /* as the child does: whoever is first */
	close(pexec[1]);
	pexec[1] = -1;
	int exec_err = 0;
	ssize_t n;
	do
		n = read(pexec[0], &exec_err, sizeof exec_err);
	while (n < 0 && errno == EINTR);
	close(pexec[0]);
	pexec[0] = -1;
	close(pout[1]);
	close(perr[1]);
	if (o->input)
		close(pin[0]);
	c->out_fd = pout[0];
	c->err_fd = perr[0];
	set_nonblock(c->out_fd);
	set_nonblock(c->err_fd);
	if (n == (ssize_t)sizeof exec_err) {
		/* exec failed: the child exits at once; reap it with the
		 * others and report the error */
		c->r.spawn_failed = true;
		c->r.errno_spawn = exec_err;
	}
	c->out = loop_fd_add(l, c->out_fd, LOOP_IN, child_readable, c);
	c->err = loop_fd_add(l, c->err_fd, LOOP_IN, child_readable, c);
	if (o->input) {
		c->in_fd = pin[1];
		set_nonblock(c->in_fd);
		c->input = o->input;
		c->input_len = o->input_len;
		c->in = loop_fd_add(l, c->in_fd, LOOP_OUT, child_writable, c);
	}
	if (o->timeout_ms)
		c->timer = loop_timer_add(l, o->timeout_ms, child_timeout, c);
	/* SIGCHLD was routed to the pipe before the fork, so the exit is
	 * seen on the loop whenever it happens. */
	return c;

failed:
	for (int i = 0; i < 2; i++) {
		if (pout[i] >= 0)
			close(pout[i]);
		if (perr[i] >= 0)
			close(perr[i]);
		if (pin[i] >= 0)
			close(pin[i]);
		if (pexec[i] >= 0)
			close(pexec[i]);
	}
	c->r.spawn_failed = true;
	c->timer = loop_timer_add(l, 0, child_spawn_failed, c);
	return c;
}

void loop_child_cancel(struct loop_child *c)
{
	if (!c || c->dead)
		return;
	if (!c->reaped && c->pid > 0) {
		kill(c->own_group ? -c->pid : c->pid, SIGKILL);
		/* SIGKILL cannot be caught: the wait is short */
		waitpid(c->pid, NULL, 0);
	}
	if (c->out)
		child_close_stream(c, true);
	if (c->err)
		child_close_stream(c, false);
	loop_fd_del(c->in);
	if (c->in_fd >= 0)
		close(c->in_fd);
	loop_timer_cancel(c->timer);
	c->dead = true;
	c->l->sweep = true;
}

/* ---- the loop ---------------------------------------------------------- */

struct loop *loop_new(void)
{
	static bool curl_ready;
	if (!curl_ready) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		curl_ready = true;
	}
	struct loop *l = xcalloc(1, sizeof *l);
	if (pipe2(l->sigpipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		free(l);
		return NULL;
	}
	sig_write_fd = l->sigpipe[1];
	l->sig_fd = loop_fd_add(l, l->sigpipe[0], LOOP_IN, sig_readable, NULL);
	l->multi = curl_multi_init();
	curl_multi_setopt(l->multi, CURLMOPT_SOCKETFUNCTION, curl_socket_cb);
	curl_multi_setopt(l->multi, CURLMOPT_SOCKETDATA, l);
	curl_multi_setopt(l->multi, CURLMOPT_TIMERFUNCTION, curl_timer_cb);
	curl_multi_setopt(l->multi, CURLMOPT_TIMERDATA, l);
	curl_multi_setopt(l->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
	return l;
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->children.len; i++)
		loop_child_cancel(l->children.items[i]);
	for (int s = 1; s < NSIG_MAX; s++)
		if (l->sig_cb[s] || (s == SIGCHLD && l->chld_installed))
			install(s, SIG_DFL);
	curl_multi_cleanup(l->multi);
	vec_free(&l->deferred, NULL);
	l->sweep = true;
	for (size_t i = 0; i < l->fds.len; i++)
		((struct loop_fd *)l->fds.items[i])->dead = true;
	for (size_t i = 0; i < l->timers.len; i++)
		((struct loop_timer *)l->timers.items[i])->dead = true;
	sweep(l);
	vec_free(&l->fds, NULL);
	vec_free(&l->timers, NULL);
	vec_free(&l->children, NULL);
	if (sig_write_fd == l->sigpipe[1])
		sig_write_fd = -1;
	close(l->sigpipe[0]);
	close(l->sigpipe[1]);
	free(l);
}

void loop_quit(struct loop *l, int code)
{
	l->quit = true;
	l->code = code;
}

bool loop_quitting(const struct loop *l)
{
	return l->quit;
}

static bool has_work(const struct loop *l)
{
	if (l->transfers || l->children.len)
		return true;
	for (size_t i = 0; i < l->timers.len; i++)
		if (!((struct loop_timer *)l->timers.items[i])->dead)
			return true;
	for (size_t i = 0; i < l->fds.len; i++) {
		const struct loop_fd *h = l->fds.items[i];
		if (!h->dead && h != l->sig_fd)
			return true;
	}
	return false;
}

static void run_timers(struct loop *l)
{
	uint64_t now = loop_now_ms();
	/* Timers added by a callback wait for the next round. */
	size_t n = l->timers.len;
	for (size_t i = 0; i < n; i++) {
		struct loop_timer *t = l->timers.items[i];
		if (t->dead || t->due > now)
			continue;
		t->dead = true;
		l->sweep = true;
		t->cb(l, t->arg);
	}
}

static bool run_once(struct loop *l, int timeout_ms);

bool loop_run_once(struct loop *l, int timeout_ms)
{
	l->depth++;
	bool worked = run_once(l, timeout_ms);
	l->depth--;
	return worked;
}

static bool run_once(struct loop *l, int timeout_ms)
{
	sweep(l);
	if (!has_work(l))
		return false;
	uint64_t now = loop_now_ms();
	for (size_t i = 0; i < l->timers.len; i++) {
		const struct loop_timer *t = l->timers.items[i];
		if (t->dead)
			continue;
		int wait = t->due <= now ? 0 : (int)(t->due - now);
		if (timeout_ms < 0 || wait < timeout_ms)
			timeout_ms = wait;
	}
	size_t n = l->fds.len;
	struct pollfd *pfd = xcalloc(n ? n : 1, sizeof *pfd);
	struct loop_fd **hs = xcalloc(n ? n : 1, sizeof *hs);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		struct loop_fd *h = l->fds.items[i];
		if (h->dead)
			continue;
		pfd[k].fd = h->fd;
		pfd[k].events = (short)((h->events & LOOP_IN ? POLLIN : 0) |
					(h->events & LOOP_OUT ? POLLOUT : 0));
		hs[k++] = h;
	}
	int rc = poll(pfd, k, timeout_ms);
	run_timers(l);
	for (size_t i = 0; rc > 0 && i < k; i++) {
		if (!pfd[i].revents || hs[i]->dead)
			continue;
		unsigned ev = 0;
		if (pfd[i].revents & POLLIN)
			ev |= LOOP_IN;
		if (pfd[i].revents & POLLOUT)
			ev |= LOOP_OUT;
		if (pfd[i].revents & (POLLERR | POLLHUP | POLLNVAL))
			ev |= LOOP_ERR;
		hs[i]->cb(l, hs[i]->fd, ev, hs[i]->arg);
	}
	free(pfd);
	free(hs);
	sweep(l);
	return true;
}

int loop_run(struct loop *l)
{
	l->quit = false;
	l->code = 0;
	while (!l->quit && loop_run_once(l, -1)) {
	}
	return l->code;
}
