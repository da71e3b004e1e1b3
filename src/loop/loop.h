/*
 * The event loop: one thread, one poll(), everything else hangs off it.
 *
 * File descriptors, one-shot timers, signals (delivered through a self-pipe,
 * so handlers only write a byte), child processes (spawned with pipes whose
 * output is collected on the loop) and libcurl's multi interface (socket and
 * timer callbacks) all wait in the same poll(). Callbacks run on the loop's
 * thread, one at a time; a callback may add or remove any handle, including
 * its own.
 */
#ifndef OPSDECK_LOOP_LOOP_H
#define OPSDECK_LOOP_LOOP_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/buf.h"

struct loop;
struct loop_fd;
struct loop_timer;
struct loop_child;

enum { LOOP_IN = 1, LOOP_OUT = 2, LOOP_ERR = 4 };

typedef void (*loop_fd_cb)(struct loop *l, int fd, unsigned events, void *arg);
typedef void (*loop_timer_cb)(struct loop *l, void *arg);
typedef void (*loop_signal_cb)(struct loop *l, int signo, void *arg);

struct loop *loop_new(void);
/* Frees the loop and every handle still registered (curl transfers are
 * removed from the multi handle but not cleaned up: their owners do that). */
void loop_free(struct loop *l);

/* Watch fd for LOOP_IN/LOOP_OUT; LOOP_ERR (hang-up, error) is always
 * reported. The fd stays the caller's. */
struct loop_fd *loop_fd_add(struct loop *l, int fd, unsigned events,
			    loop_fd_cb cb, void *arg);
void loop_fd_set(struct loop_fd *h, unsigned events);
void loop_fd_del(struct loop_fd *h);

/* A one-shot timer after ms milliseconds; the handle is invalid once it has
 * fired or been cancelled. */
struct loop_timer *loop_timer_add(struct loop *l, uint64_t ms,
				  loop_timer_cb cb, void *arg);
void loop_timer_cancel(struct loop_timer *t);

/* Deliver signo to cb on the loop (the handler only writes to a pipe).
 * One callback per signal; cb NULL restores the default disposition. */
int loop_signal(struct loop *l, int signo, loop_signal_cb cb, void *arg);

/* Monotonic milliseconds, and wall-clock seconds (both readable in tests). */
uint64_t loop_now_ms(void);

/* Run until loop_quit or until nothing is left that could make progress
 * (no fds, timers, children or transfers). Returns loop_quit's code or 0. */
int loop_run(struct loop *l);
/* One round: wait at most timeout_ms (-1 forever) and dispatch what is
 * ready. Returns false when there was nothing to wait for. A callback may
 * call it too (the command line waits for a typed answer this way): what
 * is deleted meanwhile is freed when the outermost call returns. */
bool loop_run_once(struct loop *l, int timeout_ms);
void loop_quit(struct loop *l, int code);
bool loop_quitting(const struct loop *l);

/* ---- libcurl ---------------------------------------------------------- */

typedef void (*loop_curl_done_cb)(CURL *easy, CURLcode result, void *arg);

/* The loop's multi handle (HTTP/2 multiplexing on). */
CURLM *loop_curl_multi(struct loop *l);
/* Start a transfer; done runs on the loop when it ends. The easy handle
 * stays the caller's. */
void loop_curl_add(struct loop *l, CURL *easy, loop_curl_done_cb done,
		   void *arg);
/* Stop a transfer early; done is not called. */
void loop_curl_remove(struct loop *l, CURL *easy);
/* Pause or resume receiving on a running transfer. */
void loop_curl_pause(struct loop *l, CURL *easy, bool paused);

/* ---- child processes -------------------------------------------------- */

struct loop_child_result {
	pid_t pid;
	int status;	     /* from waitpid; see exit_code/signo */
	int exit_code;	     /* -1 when it did not exit normally */
	int signo;	     /* the signal that ended it, or 0 */
	bool spawn_failed;   /* could not be started (errno_spawn says why) */
	int errno_spawn;     /* e.g. ENOENT: the command does not exist */
	bool timed_out;	     /* killed after timeout_ms */
	bool output_cut;     /* stdout or stderr exceeded max_output */
	struct buf out;	     /* everything written to stdout */
	struct buf err;	     /* everything written to stderr */
};

struct loop_spawn_opts {
	const char *const *argv; /* argv[0] searched in PATH when no '/' */
	/* Instead of argv: run fn(fn_arg) in the forked child and exit with
	 * what it returns (0..255). For work that would block the loop (a
	 * Git clone or fetch); the child must not touch the loop. */
	int (*fn)(void *fn_arg);
	void *fn_arg;
	const char *const *envp; /* the whole environment; NULL = inherit */
	const char *dir;	 /* working directory; NULL = inherit */
	const char *input;	 /* written to stdin, then closed; NULL = none */
	size_t input_len;
	uint64_t timeout_ms;	 /* 0 = no limit; SIGKILL after it */
	size_t max_output;	 /* per stream; 0 = 1 MiB */
	/* When set, output is handed over as it arrives, in the chunks
	 * read (stdout and stderr apart, with the callback's arg), instead
	 * of being collected in the result's out and err; max_output still
	 * bounds each stream. It may cancel the child. */
	void (*output)(void *arg, bool is_err, const char *data, size_t len);
	/* The child leads a process group of its own, and a timeout or a
	 * cancel kills the whole group: whatever it started goes too. */
	bool own_group;
};

typedef void (*loop_child_cb)(struct loop *l,
			      const struct loop_child_result *r, void *arg);

/* Start a child; cb runs once it has exited and its output is read. Never
 * blocks the loop. When the program cannot be started, cb still runs (from
 * the loop, not from inside this call) with spawn_failed set. */
struct loop_child *loop_spawn(struct loop *l, const struct loop_spawn_opts *o,
			      loop_child_cb cb, void *arg);
/* Kill (SIGKILL) and forget a child; cb is not called. */
void loop_child_cancel(struct loop_child *c);

#endif
