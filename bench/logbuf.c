/*
 * Log ingest benchmark: pushes a stream of typical log lines (100-200
 * bytes, timestamped, some JSON-ish) through the line splitter into a log
 * buffer with a 64 MiB cap, in 64 KiB chunks the way libcurl hands them
 * over, and prints the throughput and the peak resident memory.
 *
 *   bench/logbuf [TOTAL_MB] [CAP_MB]      (defaults: 1024 and 64)
 *
 * The text is generated once (4 MiB) and fed over and over, so the time
 * measured is the splitter and the buffer, not the generator.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "base/buf.h"
#include "kube/loglines.h"

#define CHUNK	   (64 << 10)
#define TEXT_BYTES (4 << 20)

static void push_cb(const char *line, size_t len, unsigned flags, void *arg)
{
	logbuf_push(arg, 1, flags, line, len);
}

static double now_sec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void make_text(struct buf *out)
{
	static const char *const msgs[] = {
	    "GET /api/v1/orders/%u 200 in %ums user=svc-checkout",
	    ("{\"level\":\"info\",\"msg\":\"reconciled\",\"object\":\"web-%u\","
	     "\"took_ms\":%u}"),
	    "WARN connection pool nearly exhausted (%u of %u in use)",
	    "processed batch id=%u items=%u, queue depth steady",
	};
	unsigned r = 1;
	while (out->len < TEXT_BYTES) {
		r = r * 1103515245 + 12345;
		unsigned a = r >> 16, b = (r >> 4) & 0xfff;
		buf_printf(out, "2026-11-23T10:%02u:%02u.%09uZ ", a % 60,
			   b % 60, r % 1000000000);
		buf_printf(out, msgs[a % 4], a, b);
		/* Pad to the 100-200 byte range typical of service logs. */
		size_t pad = (r >> 8) % 80;
		for (size_t i = 0; i < pad; i++)
			buf_putc(out, (char)('a' + (i % 26)));
		buf_puts(out, (a & 7) ? "\n" : "\r\n");
	}
}

int main(int argc, char **argv)
{
	size_t total_mb = argc > 1 ? strtoul(argv[1], NULL, 10) : 1024;
	size_t cap_mb = argc > 2 ? strtoul(argv[2], NULL, 10) : 64;
	struct buf text = BUF_INIT;
	make_text(&text);

	struct logbuf *lb = logbuf_new(cap_mb << 20);
	struct linesplit ls;
	linesplit_init(&ls, 0);
	size_t total = total_mb << 20, fed = 0, off = 0;
	double t0 = now_sec();
	while (fed < total) {
		size_t n = text.len - off < CHUNK ? text.len - off : CHUNK;
		linesplit_feed(&ls, text.data + off, n, push_cb, lb);
		fed += n;
		off = off + n == text.len ? 0 : off + n;
	}
	linesplit_finish(&ls, push_cb, lb);
	double dt = now_sec() - t0;

	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	uint64_t lines = logbuf_end(lb);
	printf("logbuf: %zu MB in %.3f s = %.0f MB/s, %.1f M lines/s; "
	       "kept %llu lines, %zu bytes (cap %zu MiB), dropped %llu; "
	       "peak RSS %ld MiB\n",
	       fed >> 20, dt, (double)fed / (1 << 20) / dt,
	       (double)lines / dt / 1e6,
	       (unsigned long long)(lines - logbuf_first(lb)), logbuf_bytes(lb),
	       cap_mb, (unsigned long long)logbuf_dropped(lb),
	       ru.ru_maxrss / 1024);
	linesplit_free(&ls);
	logbuf_free(lb);
	buf_free(&text);
	return 0;
}
