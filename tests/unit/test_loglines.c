/*
 * Unit tests for src/kube/loglines: the line splitter (chunk boundaries,
 * "\r\n", cuts of long lines at UTF-8 boundaries, bytes passed through
 * exactly) and the bounded log buffer (order, O(1) lookup, the cap,
 * dropping, accounting).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/mem.h"
#include "base/sanitize.h"
#include "kube/loglines.h"

/* ---- collecting what the splitter emits ---- */

struct seg {
	char *text;
	size_t len;
	unsigned flags;
};

struct segs {
	struct seg *v;
	size_t n, cap;
};

static void collect(const char *line, size_t len, unsigned flags, void *arg)
{
	struct segs *s = arg;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->v = xrealloc(s->v, s->cap * sizeof *s->v);
	}
	s->v[s->n].text = xmalloc(len + 1);
	memcpy(s->v[s->n].text, line, len);
	s->v[s->n].text[len] = '\0';
	s->v[s->n].len = len;
	s->v[s->n].flags = flags;
	s->n++;
}

static void segs_free(struct segs *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].text);
	free(s->v);
	memset(s, 0, sizeof *s);
}

static void assert_segs_equal(const struct segs *a, const struct segs *b)
{
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		assert_int_equal(a->v[i].len, b->v[i].len);
		assert_memory_equal(a->v[i].text, b->v[i].text, a->v[i].len);
		assert_int_equal(a->v[i].flags, b->v[i].flags);
	}
}

static void assert_seg(const struct segs *s, size_t i, const char *text,
		       size_t len, unsigned flags)
{
	assert_true(i < s->n);
	assert_int_equal(s->v[i].len, len);
	assert_memory_equal(s->v[i].text, text, len);
	assert_int_equal(s->v[i].flags, flags);
}

/* Split all of data in one go (chunk 0) or in chunks of the given size. */
static void split(struct segs *out, size_t max_line, const char *data,
		  size_t len, size_t chunk, bool finish)
{
	struct linesplit s;
	linesplit_init(&s, max_line);
	if (!chunk)
		chunk = len ? len : 1;
	for (size_t off = 0; off < len; off += chunk)
		linesplit_feed(&s, data + off,
			       len - off < chunk ? len - off : chunk, collect,
			       out);
	if (finish)
		linesplit_finish(&s, collect, out);
	linesplit_free(&s);
}

/* True when every byte of s is part of a valid UTF-8 sequence. */
static bool valid_utf8(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	uint32_t cp;
	while (i < len) {
		size_t n = utf8_decode(u + i, len - i, &cp);
		if (!n)
			return false;
		i += n;
	}
	return true;
}

/* ---- splitter ---- */

static void test_split_basic(void **state)
{
	(void)state;
	struct segs s = {0};
	const char in[] = "first\nsecond line\n\nlast";
	split(&s, 0, in, sizeof in - 1, 0, false);
	assert_int_equal(s.n, 3);
	assert_seg(&s, 0, "first", 5, 0);
	assert_seg(&s, 1, "second line", 11, 0);
	assert_seg(&s, 2, "", 0, 0);
	segs_free(&s);

	split(&s, 0, in, sizeof in - 1, 0, true);
	assert_int_equal(s.n, 4);
	assert_seg(&s, 3, "last", 4, LOGLINE_PARTIAL);
	segs_free(&s);

	/* Ending with '\n': finish adds nothing. */
	split(&s, 0, "a\nb\n", 4, 0, true);
	assert_int_equal(s.n, 2);
	assert_seg(&s, 1, "b", 1, 0);
	segs_free(&s);

	/* Nothing at all. */
	split(&s, 0, "", 0, 0, true);
	assert_int_equal(s.n, 0);
	segs_free(&s);

	/* Only newlines: empty lines. */
	split(&s, 0, "\n\n\n", 3, 1, true);
	assert_int_equal(s.n, 3);
	for (size_t i = 0; i < 3; i++)
		assert_seg(&s, i, "", 0, 0);
	segs_free(&s);
}

static void test_split_crlf(void **state)
{
	(void)state;
	struct segs s = {0};
	const char in[] = "dos\r\nlone\rcr\n\r\n\r\r\nend\r";
	for (size_t chunk = 0; chunk <= 3; chunk++) {
		split(&s, 0, in, sizeof in - 1, chunk, true);
		assert_int_equal(s.n, 5);
		assert_seg(&s, 0, "dos", 3, 0);
		assert_seg(&s, 1, "lone\rcr", 7, 0);
		assert_seg(&s, 2, "", 0, 0);
		assert_seg(&s, 3, "\r", 1, 0);
		/* A '\r' at the very end has no '\n': it is a lone byte. */
		assert_seg(&s, 4, "end\r", 4, LOGLINE_PARTIAL);
		segs_free(&s);
	}
}

static void test_split_partial_across_chunks(void **state)
{
	(void)state;
	struct linesplit ls;
	struct segs s = {0};
	linesplit_init(&ls, 0);
	linesplit_feed(&ls, "hel", 3, collect, &s);
	assert_int_equal(s.n, 0);
	linesplit_feed(&ls, "lo wo", 5, collect, &s);
	assert_int_equal(s.n, 0);
	linesplit_feed(&ls, "rld\r", 4, collect, &s);
	assert_int_equal(s.n, 0);
	linesplit_feed(&ls, "\nnext\nto", 8, collect, &s);
	assert_int_equal(s.n, 2);
	assert_seg(&s, 0, "hello world", 11, 0);
	assert_seg(&s, 1, "next", 4, 0);
	linesplit_feed(&ls, "", 0, collect, &s);
	linesplit_finish(&ls, collect, &s);
	assert_int_equal(s.n, 3);
	assert_seg(&s, 2, "to", 2, LOGLINE_PARTIAL);
	/* Usable again after finish. */
	linesplit_feed(&ls, "again\n", 6, collect, &s);
	assert_int_equal(s.n, 4);
	assert_seg(&s, 3, "again", 5, 0);
	linesplit_free(&ls);
	segs_free(&s);
}

/* Mixed stream: short and long lines, "\r\n", lone '\r', multibyte
 * characters near cuts, invalid bytes. */
static const char mixed[] =
    "short\n"
    "a somewhat longer line that is cut\r\n"
    "\n"
    "caf\xc3\xa9 \xe2\x82\xac\xe2\x82\xac\xe2\x82\xac \xf0\x9f\x98\x80"
    "\xf0\x9f\x98\x80\xf0\x9f\x98\x80 end\n"
    "bad \xff\xfe\xc0\xaf \xe2\x82 trunc \x80\x80\x80\x80\x80\x80\n"
    "exactly16bytes!!\r\n"
    "exactly16bytes!!\rX\n"
    "\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\n"
    "no newline at the end, and long enough to be cut \xc3\xa9";

static void test_split_every_split_point(void **state)
{
	(void)state;
	const size_t len = sizeof mixed - 1;
	struct segs want = {0}, got = {0};
	split(&want, 16, mixed, len, 0, true);

	/* The reference itself: segments fit, lines reassemble, flags. */
	struct buf all = BUF_INIT;
	for (size_t i = 0; i < want.n; i++) {
		assert_true(want.v[i].len <= 16);
		buf_append(&all, want.v[i].text, want.v[i].len);
		unsigned f = want.v[i].flags;
		if (i + 1 < want.n)
			assert_int_equal(
			    !!(f & LOGLINE_CUT),
			    !!(want.v[i + 1].flags & LOGLINE_CONT));
		if (!(f & LOGLINE_CUT) && !(f & LOGLINE_PARTIAL))
			buf_putc(&all, '\n');
	}
	assert_int_equal(want.v[0].flags, 0);
	assert_true(want.v[want.n - 1].flags & LOGLINE_PARTIAL);
	/* The reassembly equals the input with "\r\n" turned into "\n". */
	struct buf exp = BUF_INIT;
	for (size_t i = 0; i < len; i++)
		if (!(mixed[i] == '\r' && i + 1 < len && mixed[i + 1] == '\n'))
			buf_putc(&exp, mixed[i]);
	assert_int_equal(all.len, exp.len);
	assert_memory_equal(all.data, exp.data, exp.len);
	buf_free(&all);
	buf_free(&exp);

	/* Every two-chunk split, every three-chunk split at a few second
	 * points, and byte by byte give the same segments. */
	for (size_t cut = 0; cut <= len; cut++) {
		struct linesplit s;
		linesplit_init(&s, 16);
		linesplit_feed(&s, mixed, cut, collect, &got);
		linesplit_feed(&s, mixed + cut, len - cut, collect, &got);
		linesplit_finish(&s, collect, &got);
		linesplit_free(&s);
		assert_segs_equal(&want, &got);
		segs_free(&got);
		for (size_t cut2 = cut; cut2 <= len; cut2 += 7) {
			linesplit_init(&s, 16);
			linesplit_feed(&s, mixed, cut, collect, &got);
			linesplit_feed(&s, mixed + cut, cut2 - cut, collect,
				       &got);
			linesplit_feed(&s, mixed + cut2, len - cut2, collect,
				       &got);
			linesplit_finish(&s, collect, &got);
			linesplit_free(&s);
			assert_segs_equal(&want, &got);
			segs_free(&got);
		}
	}
	for (size_t chunk = 1; chunk < 40; chunk++) {
		split(&got, 16, mixed, len, chunk, true);
		assert_segs_equal(&want, &got);
		segs_free(&got);
	}
	segs_free(&want);
}

static void test_split_cut_at_utf8_boundary(void **state)
{
	(void)state;
	struct segs s = {0};
	/* The cut at 4 would fall inside the euro sign: cut before it. */
	split(&s, 4,
	      "abc\xe2\x82\xac"
	      "d\n",
	      8, 0, true);
	assert_int_equal(s.n, 2);
	assert_seg(&s, 0, "abc", 3, LOGLINE_CUT);
	assert_seg(&s, 1,
		   "\xe2\x82\xac"
		   "d",
		   4, LOGLINE_CONT);
	segs_free(&s);

	/* Same, the bytes arriving one at a time. */
	split(&s, 4,
	      "abc\xe2\x82\xac"
	      "d\n",
	      8, 1, true);
	assert_int_equal(s.n, 2);
	assert_seg(&s, 0, "abc", 3, LOGLINE_CUT);
	segs_free(&s);

	/* A 4-byte sequence starting at 1 with max 4: cut before it. */
	split(&s, 4, "a\xf0\x9f\x98\x80z\n", 7, 1, true);
	assert_int_equal(s.n, 3);
	assert_seg(&s, 0, "a", 1, LOGLINE_CUT);
	assert_seg(&s, 1, "\xf0\x9f\x98\x80", 4, LOGLINE_CUT | LOGLINE_CONT);
	assert_seg(&s, 2, "z", 1, LOGLINE_CONT);
	segs_free(&s);

	/* An invalid sequence may be cut anywhere: bytes stay exact. */
	split(&s, 4, "abc\xe2\x82X\n", 7, 0, true);
	assert_int_equal(s.n, 2);
	assert_seg(&s, 0, "abc\xe2", 4, LOGLINE_CUT);
	assert_seg(&s, 1, "\x82X", 2, LOGLINE_CONT);
	segs_free(&s);

	/* A sequence ending exactly at the cut is not split. */
	split(&s, 4,
	      "a\xe2\x82\xac"
	      "bc\n",
	      7, 0, true);
	assert_int_equal(s.n, 2);
	assert_seg(&s, 0, "a\xe2\x82\xac", 4, LOGLINE_CUT);
	assert_seg(&s, 1, "bc", 2, LOGLINE_CONT);
	segs_free(&s);

	/* A line of exactly max_line bytes, with "\r\n": no cut. */
	split(&s, 4, "abcd\r\n", 6, 1, true);
	assert_int_equal(s.n, 1);
	assert_seg(&s, 0, "abcd", 4, 0);
	segs_free(&s);
	/* A lone '\r' after max_line bytes is content. */
	split(&s, 4, "abcd\rx\n", 7, 1, true);
	assert_int_equal(s.n, 2);
	assert_seg(&s, 0, "abcd", 4, LOGLINE_CUT);
	assert_seg(&s, 1, "\rx", 2, LOGLINE_CONT);
	segs_free(&s);
	/* Cut line ending at finish: last segment CONT|PARTIAL. */
	split(&s, 4, "abcdefg", 7, 2, true);
	assert_int_equal(s.n, 2);
	assert_seg(&s, 0, "abcd", 4, LOGLINE_CUT);
	assert_seg(&s, 1, "efg", 3, LOGLINE_CONT | LOGLINE_PARTIAL);
	segs_free(&s);
	/* Exactly max_line + 1 bytes with a lone '\r' at the end. */
	split(&s, 4, "abcd\r", 5, 0, true);
	assert_int_equal(s.n, 2);
	assert_seg(&s, 0, "abcd", 4, LOGLINE_CUT);
	assert_seg(&s, 1, "\r", 1, LOGLINE_CONT | LOGLINE_PARTIAL);
	segs_free(&s);
}

static void test_split_invalid_utf8_exact(void **state)
{
	(void)state;
	struct segs s = {0};
	const char in[] = "\xff\xfe\x00\x01\x1b[31m\xc0\xaf\xed\xa0\x80\n"
			  "\x80\n";
	for (size_t chunk = 0; chunk < 4; chunk++) {
		split(&s, 0, in, sizeof in - 1, chunk, true);
		assert_int_equal(s.n, 2);
		assert_seg(&s, 0, in, 14, 0);
		assert_seg(&s, 1, "\x80", 1, 0);
		segs_free(&s);
	}
}

/* Counts segments of one huge line without keeping them. */
struct huge {
	struct buf joined;
	size_t n, max_seen;
	bool utf8_ok;
	size_t total;
};

static void huge_cb(const char *line, size_t len, unsigned flags, void *arg)
{
	struct huge *h = arg;
	(void)flags;
	if (len > h->max_seen)
		h->max_seen = len;
	if (!valid_utf8(line, len))
		h->utf8_ok = false;
	buf_append(&h->joined, line, len);
	h->n++;
	h->total += len;
}

static void test_split_huge_line(void **state)
{
	(void)state;
	const size_t mb = 1 << 20;
	/* 1 MiB of mixed 1-, 2-, 3- and 4-byte characters. */
	static const char *pieces[] = {"a", "\xc3\xa9", "\xe2\x82\xac",
				       "\xf0\x9f\x98\x80", "bc"};
	struct buf line = BUF_INIT;
	for (size_t i = 0; line.len < mb; i++)
		buf_puts(&line, pieces[(i * 7 + i / 3) % 5]);
	size_t chunks[] = {1, 3, 1000, 4096, 65536, mb + 2};
	for (size_t c = 0; c < sizeof chunks / sizeof *chunks; c++) {
		struct huge h = {BUF_INIT, 0, 0, true, 0};
		struct linesplit s;
		linesplit_init(&s, 4096);
		struct buf in = BUF_INIT;
		buf_append(&in, line.data, line.len);
		buf_puts(&in, "\r\nafter\n");
		for (size_t off = 0; off < in.len; off += chunks[c]) {
			size_t n =
			    in.len - off < chunks[c] ? in.len - off : chunks[c];
			linesplit_feed(&s, in.data + off, n, huge_cb, &h);
		}
		/* The big line and "after": the last two segments. */
		assert_true(h.n >= line.len / 4096 + 1);
		assert_true(h.max_seen <= 4096);
		assert_true(h.utf8_ok);
		assert_int_equal(h.total, line.len + 5);
		assert_memory_equal(h.joined.data, line.data, line.len);
		assert_memory_equal(h.joined.data + line.len, "after", 5);
		/* The splitter holds a few KiB, not the line. */
		assert_true(s.partial.cap <= 16384);
		linesplit_free(&s);
		buf_free(&in);
		buf_free(&h.joined);
	}

	/* Flags: CUT on all but the last segment, CONT on all but the first. */
	struct segs segs = {0};
	split(&segs, 4096, line.data, line.len, 777, true);
	assert_true(segs.n > 256);
	size_t total = 0;
	for (size_t i = 0; i < segs.n; i++) {
		unsigned want =
		    (i ? LOGLINE_CONT : 0) |
		    (i + 1 < segs.n ? LOGLINE_CUT : LOGLINE_PARTIAL);
		assert_int_equal(segs.v[i].flags, want);
		/* Cuts only move back for a multibyte sequence. */
		assert_true(segs.v[i].len > 4096 - 4 || i + 1 == segs.n);
		total += segs.v[i].len;
	}
	assert_int_equal(total, line.len);
	segs_free(&segs);
	buf_free(&line);
}

/* ---- log buffer ---- */

static void test_logbuf_order_and_fields(void **state)
{
	(void)state;
	struct logbuf *b = logbuf_new(0);
	assert_int_equal(logbuf_first(b), 0);
	assert_int_equal(logbuf_end(b), 0);
	assert_int_equal(logbuf_bytes(b), 0);
	struct log_line l;
	assert_false(logbuf_get(b, 0, &l));
	char text[64];
	for (int i = 0; i < 5000; i++) {
		int n = snprintf(text, sizeof text, "line %d", i);
		logbuf_push(b, (uint32_t)(i % 3), (unsigned)(i % 8), text,
			    (size_t)n);
	}
	assert_int_equal(logbuf_first(b), 0);
	assert_int_equal(logbuf_end(b), 5000);
	assert_int_equal(logbuf_dropped(b), 0);
	for (int i = 0; i < 5000; i++) {
		assert_true(logbuf_get(b, (uint64_t)i, &l));
		int n = snprintf(text, sizeof text, "line %d", i);
		assert_int_equal(l.seq, i);
		assert_int_equal(l.len, n);
		assert_memory_equal(l.text, text, l.len);
		assert_int_equal(l.source, i % 3);
		assert_int_equal(l.flags, i % 8);
	}
	assert_false(logbuf_get(b, 5000, &l));
	assert_false(logbuf_get(b, UINT64_MAX, &l));
	logbuf_free(b);
	logbuf_free(NULL);
}

static void test_logbuf_accounting(void **state)
{
	(void)state;
	struct logbuf *b = logbuf_new(1 << 20);
	logbuf_push(b, 0, 0, "", 0);
	size_t per_line = logbuf_bytes(b);
	/* Bookkeeping is counted: an empty line is not free. */
	assert_true(per_line > 0);
	struct log_line l;
	assert_true(logbuf_get(b, 0, &l));
	assert_int_equal(l.len, 0);
	assert_non_null(l.text);
	logbuf_push(b, 0, 0, "0123456789", 10);
	assert_int_equal(logbuf_bytes(b), 2 * per_line + 10);
	logbuf_clear(b);
	assert_int_equal(logbuf_bytes(b), 0);
	/* Sequence numbers keep growing across a clear. */
	assert_int_equal(logbuf_first(b), 2);
	assert_int_equal(logbuf_end(b), 2);
	assert_false(logbuf_get(b, 1, &l));
	logbuf_push(b, 7, LOGLINE_PARTIAL, "x", 1);
	assert_true(logbuf_get(b, 2, &l));
	assert_int_equal(l.source, 7);
	assert_int_equal(l.flags, LOGLINE_PARTIAL);
	assert_memory_equal(l.text, "x", 1);
	assert_int_equal(logbuf_dropped(b), 0);
	logbuf_free(b);
}

static uint32_t rng_next(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void test_logbuf_cap_millions(void **state)
{
	(void)state;
	const size_t cap = 1 << 20;
	struct logbuf *b = logbuf_new(cap);
	char text[400];
	uint32_t r = 12345;
	const uint64_t n = 3000000;
	struct log_line l;
	for (uint64_t i = 0; i < n; i++) {
		/* Lines carry their number so content can be checked. */
		size_t len = 20 + rng_next(&r) % 300;
		int h =
		    snprintf(text, sizeof text, "%llu:", (unsigned long long)i);
		memset(text + h, 'a' + (int)(i % 26), len - (size_t)h);
		logbuf_push(b, (uint32_t)i, 0, text, len);
		if (logbuf_bytes(b) > cap)
			fail_msg("bytes %zu over cap after push %llu",
				 logbuf_bytes(b), (unsigned long long)i);
	}
	assert_int_equal(logbuf_end(b), n);
	uint64_t first = logbuf_first(b);
	assert_int_equal(logbuf_dropped(b), first);
	assert_true(first > n - 10000);
	/* Dropped whole lines only: the survivors are the newest, intact. */
	assert_false(logbuf_get(b, first - 1, &l));
	assert_false(logbuf_get(b, 0, &l));
	size_t sum = 0;
	for (uint64_t s = first; s < n; s++) {
		assert_true(logbuf_get(b, s, &l));
		char head[32];
		int h =
		    snprintf(head, sizeof head, "%llu:", (unsigned long long)s);
		assert_memory_equal(l.text, head, (size_t)h);
		assert_int_equal(l.text[l.len - 1], 'a' + (int)(s % 26));
		assert_int_equal(l.source, (uint32_t)s);
		sum += l.len;
	}
	assert_true(sum < logbuf_bytes(b));
	/* Not too eager either: the cap is nearly used. */
	assert_true(logbuf_bytes(b) > cap - 400);
	logbuf_free(b);
}

static void test_logbuf_line_bigger_than_cap(void **state)
{
	(void)state;
	const size_t cap = 4096;
	struct logbuf *b = logbuf_new(cap);
	logbuf_push(b, 1, 0, "small", 5);
	struct buf big = BUF_INIT;
	for (int i = 0; big.len < 10000; i++)
		buf_puts(&big, i % 2 ? "x" : "\xe2\x82\xac");
	logbuf_push(b, 2, LOGLINE_CUT, big.data, big.len);
	assert_true(logbuf_bytes(b) <= cap);
	assert_int_equal(logbuf_first(b), 1);
	assert_int_equal(logbuf_dropped(b), 1);
	struct log_line l;
	assert_false(logbuf_get(b, 0, &l));
	assert_true(logbuf_get(b, 1, &l));
	assert_true(l.len < cap && l.len > cap - 100);
	assert_memory_equal(l.text, big.data, l.len);
	assert_true(valid_utf8(l.text, l.len));
	assert_int_equal(l.source, 2);
	assert_int_equal(l.flags, LOGLINE_CUT);
	/* And the buffer goes on normally after it. */
	logbuf_push(b, 3, 0, "after", 5);
	assert_true(logbuf_bytes(b) <= cap);
	assert_int_equal(logbuf_first(b), 2);
	assert_true(logbuf_get(b, 2, &l));
	assert_memory_equal(l.text, "after", 5);
	buf_free(&big);
	logbuf_free(b);
}

static void test_logbuf_big_lines_own_blocks(void **state)
{
	(void)state;
	struct logbuf *b = logbuf_new(4 << 20);
	struct buf big = BUF_INIT;
	for (int i = 0; big.len < 300000; i++)
		buf_printf(&big, "%d,", i);
	for (int round = 0; round < 20; round++) {
		logbuf_push(b, 0, 0, "before", 6);
		logbuf_push(b, 1, 0, big.data, big.len);
		logbuf_push(b, 2, 0, "after", 5);
		assert_true(logbuf_bytes(b) <= (size_t)4 << 20);
	}
	struct log_line l;
	uint64_t end = logbuf_end(b);
	assert_true(logbuf_get(b, end - 1, &l));
	assert_memory_equal(l.text, "after", 5);
	assert_true(logbuf_get(b, end - 2, &l));
	assert_int_equal(l.len, big.len);
	assert_memory_equal(l.text, big.data, big.len);
	assert_true(logbuf_get(b, end - 3, &l));
	assert_memory_equal(l.text, "before", 6);
	/* 20 rounds of 300 KB do not fit in 4 MiB: old rounds went. */
	assert_true(logbuf_dropped(b) > 0);
	for (uint64_t s = logbuf_first(b); s < end; s++) {
		assert_true(logbuf_get(b, s, &l));
		if (l.source == 1)
			assert_memory_equal(l.text, big.data, big.len);
	}
	buf_free(&big);
	logbuf_free(b);
}

struct sink {
	struct logbuf *b;
	uint32_t source;
};

static void sink_cb(const char *line, size_t len, unsigned flags, void *arg)
{
	struct sink *k = arg;
	logbuf_push(k->b, k->source, flags, line, len);
}

static void test_split_into_logbuf(void **state)
{
	(void)state;
	struct logbuf *b = logbuf_new(0);
	struct linesplit s1, s2;
	linesplit_init(&s1, 8);
	linesplit_init(&s2, 8);
	struct sink k1 = {b, 1}, k2 = {b, 2};
	linesplit_feed(&s1, "one\ntwo is long\nthr", 19, sink_cb, &k1);
	linesplit_feed(&s2, "other\n", 6, sink_cb, &k2);
	linesplit_feed(&s1, "ee\n", 3, sink_cb, &k1);
	linesplit_finish(&s1, sink_cb, &k1);
	linesplit_finish(&s2, sink_cb, &k2);
	struct {
		const char *text;
		uint32_t source;
		unsigned flags;
	} want[] = {
	    {"one", 1, 0},
	    {"two is l", 1, LOGLINE_CUT},
	    {"ong", 1, LOGLINE_CONT},
	    {"other", 2, 0},
	    {"three", 1, 0},
	};
	assert_int_equal(logbuf_end(b), 5);
	for (size_t i = 0; i < 5; i++) {
		struct log_line l;
		assert_true(logbuf_get(b, i, &l));
		assert_int_equal(l.len, strlen(want[i].text));
		assert_memory_equal(l.text, want[i].text, l.len);
		assert_int_equal(l.source, want[i].source);
		assert_int_equal(l.flags, want[i].flags);
	}
	linesplit_free(&s1);
	linesplit_free(&s2);
	logbuf_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_split_basic),
	    cmocka_unit_test(test_split_crlf),
	    cmocka_unit_test(test_split_partial_across_chunks),
	    cmocka_unit_test(test_split_every_split_point),
	    cmocka_unit_test(test_split_cut_at_utf8_boundary),
	    cmocka_unit_test(test_split_invalid_utf8_exact),
	    cmocka_unit_test(test_split_huge_line),
	    cmocka_unit_test(test_logbuf_order_and_fields),
	    cmocka_unit_test(test_logbuf_accounting),
	    cmocka_unit_test(test_logbuf_cap_millions),
	    cmocka_unit_test(test_logbuf_line_bigger_than_cap),
	    cmocka_unit_test(test_logbuf_big_lines_own_blocks),
	    cmocka_unit_test(test_split_into_logbuf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
