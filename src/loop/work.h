/*
 * Work off the loop: run a function on a thread of its own and hear about
 * it on the loop when it has finished.
 *
 * For work that would freeze the screen (reading a big config repo,
 * walking Git history) but needs no process of its own. fn runs on the
 * worker thread and must not touch the loop or anything the loop's
 * callbacks change; done runs on the loop afterwards, where the results
 * can be taken over. The thread reports through a pipe, so the loop never
 * waits on it.
 */
#ifndef OPSDECK_LOOP_WORK_H
#define OPSDECK_LOOP_WORK_H

#include "loop/loop.h"

struct loop_work;

typedef void (*loop_work_fn)(void *arg);
typedef void (*loop_work_done)(struct loop *l, void *arg);

/* NULL when no thread could be started (then nothing runs). */
struct loop_work *loop_work_start(struct loop *l, loop_work_fn fn,
				  loop_work_done done, void *arg);
/* Forget the work: done will not run; the thread is joined (waiting for
 * fn to end) so arg may be freed afterwards. */
void loop_work_cancel(struct loop_work *w);

#endif
