/* The event loop: timers, fds, signals through the self-pipe, children. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <stdio.h>
#include <stdlib.h>

#include "base/str.h"
#include "loop/loop.h"
#include "test_proc.h"

static char order[16];
static size_t norder;

static void mark(struct loop *l, void *arg)
{
	(void)l;
	order[norder++] = *(const char *)arg;
}

static void test_timers_in_order(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	norder = 0;
	loop_timer_add(l, 30, mark, "c");
	loop_timer_add(l, 10, mark, "a");
	struct loop_timer *t = loop_timer_add(l, 20, mark, "x");
	loop_timer_add(l, 20, mark, "b");
	loop_timer_cancel(t);
	uint64_t start = loop_now_ms();
	assert_int_equal(loop_run(l), 0);
	assert_true(loop_now_ms() - start >= 30);
	assert_int_equal(norder, 3);
	assert_memory_equal(order, "abc", 3);
	loop_free(l);
}

static int fd_hits;

static void on_readable(struct loop *l, int fd, unsigned ev, void *arg)
{
	char b[16];
	assert_true(ev & LOOP_IN);
	ssize_t n = read(fd, b, sizeof b);
	assert_true(n > 0);
	fd_hits++;
	loop_fd_del(arg ? *(struct loop_fd **)arg : NULL);
	loop_quit(l, 7);
}

static void write_later(struct loop *l, void *arg)
{
	(void)l;
	assert_int_equal(write(*(int *)arg, "x", 1), 1);
}

static void test_fd_and_quit(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	int p[2];
	assert_int_equal(pipe(p), 0);
	static struct loop_fd *h;
	h = loop_fd_add(l, p[0], LOOP_IN, on_readable, &h);
	loop_timer_add(l, 5, write_later, &p[1]);
	fd_hits = 0;
	assert_int_equal(loop_run(l), 7);
	assert_int_equal(fd_hits, 1);
	/* the handle removed itself: nothing is left to wait for */
	assert_false(loop_run_once(l, 0));
	close(p[0]);
	close(p[1]);
	loop_free(l);
}

static int got_signal;

static void on_usr1(struct loop *l, int signo, void *arg)
{
	(void)arg;
	got_signal = signo;
	loop_quit(l, 0);
}

static void raise_usr1(struct loop *l, void *arg)
{
	(void)l;
	(void)arg;
	raise(SIGUSR1);
}

static void test_signal_through_pipe(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	got_signal = 0;
	assert_int_equal(loop_signal(l, SIGUSR1, on_usr1, NULL), 0);
	loop_timer_add(l, 1, raise_usr1, NULL);
	loop_timer_add(l, 5000, raise_usr1, NULL); /* keeps the loop alive */
	loop_run(l);
	assert_int_equal(got_signal, SIGUSR1);
	loop_signal(l, SIGUSR1, NULL, NULL);
	loop_free(l);
}

static struct loop_child_result last;
static int child_done;
static char last_out[256], last_err[256];

static void on_child(struct loop *l, const struct loop_child_result *r,
		     void *arg)
{
	(void)l;
	(void)arg;
	last = *r;
	snprintf(last_out, sizeof last_out, "%s", buf_str(&r->out));
	snprintf(last_err, sizeof last_err, "%s", buf_str(&r->err));
	memset(&last.out, 0, sizeof last.out);
	memset(&last.err, 0, sizeof last.err);
	child_done++;
}

static void run_child(const struct loop_spawn_opts *o)
{
	struct loop *l = loop_new();
	child_done = 0;
	assert_non_null(loop_spawn(l, o, on_child, NULL));
	assert_int_equal(child_done, 0); /* never from inside loop_spawn */
	loop_run(l);
	assert_int_equal(child_done, 1);
	loop_free(l);
}

static void test_spawn_output_and_status(void **state)
{
	(void)state;
	const char *argv[] = {"sh", "-c", "cat; echo out; echo err >&2; exit 3",
			      NULL};
	struct loop_spawn_opts o = {.argv = argv, .input = "in:", .input_len = 3};
	run_child(&o);
	assert_false(last.spawn_failed);
	assert_int_equal(last.exit_code, 3);
	assert_string_equal(last_out, "in:out\n");
	assert_string_equal(last_err, "err\n");
}

static void test_spawn_env_and_dir(void **state)
{
	(void)state;
	const char *argv[] = {"sh", "-c", "echo \"$OPSDECK_X\"; pwd", NULL};
	const char *envp[] = {"OPSDECK_X=hello world", "PATH=/usr/bin:/bin",
			      NULL};
	struct loop_spawn_opts o = {.argv = argv, .envp = envp, .dir = "/"};
	run_child(&o);
	assert_int_equal(last.exit_code, 0);
	assert_string_equal(last_out, "hello world\n/\n");
}

static void test_spawn_missing_command(void **state)
{
	(void)state;
	const char *argv[] = {"opsdeck-no-such-command-xyz", NULL};
	struct loop_spawn_opts o = {.argv = argv};
	run_child(&o);
	assert_true(last.spawn_failed);
	assert_int_equal(last.errno_spawn, ENOENT);
}

static void test_spawn_timeout_and_cap(void **state)
{
	(void)state;
	const char *argv[] = {"sh", "-c", "head -c 5000 /dev/zero; sleep 30",
			      NULL};
	struct loop_spawn_opts o = {.argv = argv, .timeout_ms = 100,
				    .max_output = 1000};
	uint64_t start = loop_now_ms();
	run_child(&o);
	assert_true(loop_now_ms() - start < 5000);
	assert_true(last.timed_out);
	assert_int_equal(last.signo, SIGKILL);
	assert_true(last.output_cut);
}

static void test_spawn_cancel(void **state)
{
	(void)state;
	struct loop *l = loop_new();
	const char *argv[] = {"sleep", "30", NULL};
	struct loop_spawn_opts o = {.argv = argv};
	child_done = 0;
	struct loop_child *c = loop_spawn(l, &o, on_child, NULL);
	loop_child_cancel(c);
	assert_false(loop_run_once(l, 0));
	assert_int_equal(child_done, 0);
	loop_free(l);
}

static struct buf streamed[2];
static struct loop_child *cancel_on_output;

static void on_output(void *arg, bool is_err, const char *data, size_t len)
{
	(void)arg;
	buf_append(&streamed[is_err], data, len);
	if (cancel_on_output) {
		loop_child_cancel(cancel_on_output);
		cancel_on_output = NULL;
	}
}

/* Output handed over as it comes instead of collected; a timeout kills
 * the whole process group, a background child of the child too. */
static void test_spawn_streamed_own_group(void **state)
{
	(void)state;
	const char *argv[] = {"sh", "-c",
			      "echo out; echo err >&2; sleep 30 & echo $!; wait",
			      NULL};
	struct loop_spawn_opts o = {.argv = argv, .timeout_ms = 300,
				    .output = on_output, .own_group = true};
	run_child(&o);
	assert_true(last.timed_out);
	assert_string_equal(last_out, ""); /* nothing collected */
	assert_string_equal(buf_str(&streamed[1]), "err\n");
	const char *out = buf_str(&streamed[0]);
	assert_true(str_has_prefix(out, "out\n"));
	pid_t bg = (pid_t)atoi(out + 4);
	assert_true(bg > 0);
	uint64_t until = loop_now_ms() + 5000;
	while (proc_alive(bg) && loop_now_ms() < until)
		usleep(10000);
	assert_false(proc_alive(bg));
	buf_free(&streamed[0]);
	buf_free(&streamed[1]);

	/* cancelled from inside the output callback: no result, no more
	 * output */
	struct loop *l = loop_new();
	const char *argv2[] = {"sh", "-c", "echo one; sleep 0.2; echo two; "
					   "sleep 30",
			       NULL};
	struct loop_spawn_opts o2 = {.argv = argv2, .output = on_output,
				     .own_group = true};
	child_done = 0;
	cancel_on_output = loop_spawn(l, &o2, on_child, NULL);
	loop_run(l);
	assert_int_equal(child_done, 0);
	assert_string_equal(buf_str(&streamed[0]), "one\n");
	loop_free(l);
	buf_free(&streamed[0]);
}

/* A callback that runs the loop itself, deleting a handle the outer
 * round has polled: the outer round must neither call it nor touch it
 * freed (the sanitizer build catches the latter). */
struct nest {
	struct loop *l;
	struct loop_fd *victim;
	int victim_calls, rounds;
};

static void nest_victim(struct loop *l, int fd, unsigned ev, void *arg)
{
	(void)l, (void)fd, (void)ev;
	((struct nest *)arg)->victim_calls++;
}

static void nest_timer_inner(struct loop *l, void *arg)
{
	(void)l, (void)arg;
}

static void nest_timer(struct loop *l, void *arg)
{
	struct nest *n = arg;
	loop_fd_del(n->victim);
	loop_timer_add(l, 0, nest_timer_inner, n);
	while (n->rounds < 3 && loop_run_once(l, 10))
		n->rounds++;
}

static void test_run_once_nested(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "x", 1), 1); /* readable at once */
	struct nest n = {.l = loop_new()};
	n.victim = loop_fd_add(n.l, p[0], LOOP_IN, nest_victim, &n);
	loop_timer_add(n.l, 0, nest_timer, &n);
	uint64_t until = loop_now_ms() + 50;
	assert_true(loop_run_once(n.l, 0)); /* polls the victim, runs the timer */
	while (loop_now_ms() < until)
		loop_run_once(n.l, 10);
	assert_int_equal(n.victim_calls, 0);
	assert_true(n.rounds > 0);
	loop_free(n.l);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timers_in_order),
		cmocka_unit_test(test_fd_and_quit),
		cmocka_unit_test(test_signal_through_pipe),
		cmocka_unit_test(test_spawn_output_and_status),
		cmocka_unit_test(test_spawn_env_and_dir),
		cmocka_unit_test(test_spawn_missing_command),
		cmocka_unit_test(test_spawn_timeout_and_cap),
		cmocka_unit_test(test_spawn_cancel),
		cmocka_unit_test(test_spawn_streamed_own_group),
		cmocka_unit_test(test_run_once_nested),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
