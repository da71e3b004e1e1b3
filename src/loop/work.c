/*
 * Worker threads for the loop (see work.h). The thread runs fn, then
 * writes one byte to a pipe the loop watches; the loop's callback joins
 * the thread and calls done.
 */
#include "loop/work.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/mem.h"

struct loop_work {
	struct loop *l;
	loop_work_fn fn;
	loop_work_done done;
	void *arg;
	pthread_t thread;
	int pipe[2];
	struct loop_fd *h;
};

static void *work_main(void *p)
{
	struct loop_work *w = p;
	w->fn(w->arg);
	char b = 1;
	while (write(w->pipe[1], &b, 1) < 0) {
		/* EINTR: try again; the loop waits for this byte */
	}
	return NULL;
}

static void work_free(struct loop_work *w)
{
	pthread_join(w->thread, NULL);
	loop_fd_del(w->h);
	close(w->pipe[0]);
	close(w->pipe[1]);
	free(w);
}

static void work_finished(struct loop *l, int fd, unsigned ev, void *arg)
{
	(void)fd;
	(void)ev;
	struct loop_work *w = arg;
	loop_work_done done = w->done;
	void *done_arg = w->arg;
	work_free(w);
	if (done)
		done(l, done_arg);
}

struct loop_work *loop_work_start(struct loop *l, loop_work_fn fn,
				  loop_work_done done, void *arg)
{
	struct loop_work *w = xcalloc(1, sizeof *w);
	w->l = l;
	w->fn = fn;
	w->done = done;
	w->arg = arg;
	if (pipe2(w->pipe, O_CLOEXEC) < 0) {
		free(w);
		return NULL;
	}
	w->h = loop_fd_add(l, w->pipe[0], LOOP_IN, work_finished, w);
	if (pthread_create(&w->thread, NULL, work_main, w) != 0) {
		loop_fd_del(w->h);
		close(w->pipe[0]);
		close(w->pipe[1]);
		free(w);
		return NULL;
	}
	return w;
}

void loop_work_cancel(struct loop_work *w)
{
	if (w)
		work_free(w);
}
