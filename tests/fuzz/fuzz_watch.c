/*
 * libFuzzer target for the watch and log paths.
 *
 * The first input byte picks the watched kind (low nibble) and a chunking
 * pattern (high nibble); the rest is the stream. It goes through the
 * watch framer in chunks of that pattern, each framed value is decoded
 * with watch_event_decode and freed; then the same bytes go through the
 * line splitter into a small log buffer. Invariants the code promises are
 * checked, and a violation traps so the fuzzer reports it:
 *   - the splitter loses no bytes: segment lengths plus the removed '\n'
 *     and "\r" of "\r\n" add up to the input, and no segment exceeds
 *     max_line;
 *   - the log buffer stays within its cap and every kept line is readable.
 *
 *   corpus: tests/fuzz/corpus/watch/
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kube/loglines.h"
#include "kube/objects.h"
#include "kube/watchstream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c))                                                      \
			__builtin_trap();                                      \
	} while (0)

/* Chunk sizes: whole input, fixed small sizes, or a varying sequence. */
static size_t next_chunk(unsigned pattern, uint32_t *rng, size_t left)
{
	size_t n;
	if (pattern == 0)
		n = left;
	else if (pattern < 8)
		n = pattern;
	else {
		*rng = *rng * 1664525u + 1013904223u;
		n = 1 + (*rng >> 16) % ((size_t)1 << (pattern - 4));
	}
	return n < left ? n : left;
}

struct watch_ctx {
	enum kube_kind kind;
	size_t values;
};

static void on_value(const char *json, size_t len, void *arg)
{
	struct watch_ctx *c = arg;
	struct watch_event ev;
	struct err e;
	c->values++;
	if (watch_event_decode(json, len, c->kind, &ev, &e) == ST_OK) {
		CHECK(ev.type <= WATCH_ERROR);
		if (ev.type == WATCH_BOOKMARK)
			CHECK(ev.resource_version && !ev.obj);
		else if (ev.type != WATCH_ERROR)
			CHECK(ev.obj && ev.resource_version &&
			      ev.obj->kind == c->kind);
		CHECK(strlen(ev.message) < sizeof ev.message);
		CHECK(strlen(ev.reason) < sizeof ev.reason);
		watch_event_clear(&ev);
	} else {
		CHECK(!ev.obj && !ev.resource_version);
	}
}

struct log_ctx {
	struct logbuf *b;
	size_t max_line;
	size_t bytes;
};

static void on_line(const char *line, size_t len, unsigned flags, void *arg)
{
	struct log_ctx *c = arg;
	CHECK(len <= c->max_line);
	c->bytes += len;
	logbuf_push(c->b, (uint32_t)len, flags, line, len);
}

static void fuzz_watch(const uint8_t *data, size_t size, unsigned pattern,
		       enum kube_kind kind)
{
	struct watch_framer f;
	/* Half the patterns use a small limit so ERR_TOOBIG gets exercised. */
	watch_framer_init(&f, (pattern & 1) ? 4096 : 0);
	struct watch_ctx c = {kind, 0};
	uint32_t rng = pattern;
	size_t off = 0;
	enum status st = ST_OK;
	while (off < size) {
		size_t n = next_chunk(pattern, &rng, size - off);
		struct err e;
		st = watch_framer_feed(&f, (const char *)data + off, n,
				       on_value, &c, &e);
		off += n;
		if (st != ST_OK) {
			CHECK(st == ST_ERR_PARSE || st == ST_ERR_TOOBIG);
			CHECK(f.broken && !watch_framer_truncated(&f));
			break;
		}
		CHECK(f.scanned == f.pending.len);
		CHECK(f.pending.len <= f.max_event);
	}
	(void)watch_framer_truncated(&f);
	watch_framer_free(&f);
}

static volatile unsigned sink;

static void fuzz_logs(const uint8_t *data, size_t size, unsigned pattern)
{
	size_t max_line = 4 + pattern * 9;
	size_t cap = 1024 + pattern * 97;
	struct log_ctx c = {logbuf_new(cap), max_line, 0};
	struct linesplit s;
	linesplit_init(&s, max_line);
	uint32_t rng = pattern + 7;
	size_t off = 0;
	while (off < size) {
		size_t n = next_chunk(pattern, &rng, size - off);
		linesplit_feed(&s, (const char *)data + off, n, on_line, &c);
		off += n;
		CHECK(logbuf_bytes(c.b) <= cap);
	}
	linesplit_finish(&s, on_line, &c);
	linesplit_free(&s);

	/* Nothing lost: every byte is in a segment, or was a '\n', or the
	 * '\r' of a "\r\n". */
	size_t removed = 0;
	for (size_t i = 0; i < size; i++) {
		if (data[i] == '\n')
			removed += (i && data[i - 1] == '\r') ? 2 : 1;
	}
	CHECK(c.bytes + removed == size);

	CHECK(logbuf_bytes(c.b) <= cap);
	for (uint64_t q = logbuf_first(c.b); q < logbuf_end(c.b); q++) {
		struct log_line l;
		CHECK(logbuf_get(c.b, q, &l));
		/* The source was set to the pushed length. */
		CHECK(l.len <= l.source);
		/* Touch every byte so ASan sees a dangling text pointer. */
		unsigned sum = 0;
		for (size_t i = 0; i < l.len; i++)
			sum += (unsigned char)l.text[i];
		sink += sum;
	}
	struct log_line gone;
	if (logbuf_first(c.b))
		CHECK(!logbuf_get(c.b, logbuf_first(c.b) - 1, &gone));
	CHECK(!logbuf_get(c.b, logbuf_end(c.b), &gone));
	logbuf_free(c.b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	enum kube_kind kind =
	    (enum kube_kind)((data[0] & 15) % KUBE__KIND_COUNT);
	unsigned pattern = data[0] >> 4;
	fuzz_watch(data + 1, size - 1, pattern, kind);
	fuzz_logs(data + 1, size - 1, pattern);
	return 0;
}
