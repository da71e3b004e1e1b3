/*
 * Log text: the line splitter and the bounded log buffer (see loglines.h).
 *
 * Splitter: a chunk is searched for '\n' with memchr. A line that lies
 * wholly inside one chunk is handed to the callback straight from the
 * chunk, without a copy; only the unfinished tail of a chunk goes into
 * `partial`. A line longer than max_line is cut into segments while it
 * streams in, so `partial` never holds more than max_line + 3 bytes: the
 * 3 bytes of lookahead let a cut see a whole UTF-8 sequence and tell a
 * "\r\n" ending from a lone '\r' before anything is emitted.
 *
 * Log buffer: line text is copied into large blocks kept oldest-first in a
 * list; a ring of fixed-size records (text pointer, length, source, flags)
 * indexes the lines by sequence number, so get is O(1) arithmetic. The cap
 * counts each line's text plus its record; pushing past it drops the
 * oldest lines one by one, and a block is freed as soon as its last line
 * is gone.
 */
#include "kube/loglines.h"

#include <string.h>

#include "base/mem.h"
#include "base/sanitize.h"

/* Room for one whole UTF-8 sequence in a segment, so a cut always makes
 * progress. */
#define LOG_MIN_LINE 4

void linesplit_init(struct linesplit *s, size_t max_line)
{
	buf_init(&s->partial);
	s->max_line = max_line ? max_line : LOG_MAX_LINE_DEFAULT;
	if (s->max_line < LOG_MIN_LINE)
		s->max_line = LOG_MIN_LINE;
	/* Keeps max_line + 3 from overflowing. */
	if (s->max_line > SIZE_MAX / 2)
		s->max_line = SIZE_MAX / 2;
	s->cont = false;
}

void linesplit_free(struct linesplit *s)
{
	buf_free(&s->partial);
	s->cont = false;
}

/*
 * Where to cut s (avail bytes known, avail > max) so a segment holds at
 * most max bytes: at max, unless that falls inside a valid UTF-8 sequence,
 * then before its lead byte. Invalid bytes may be cut anywhere: they are
 * shown as escapes either way.
 */
static size_t cut_point(const unsigned char *s, size_t avail, size_t max)
{
	for (size_t j = max; j > 0 && max - j < 3;) {
		j--;
		if ((s[j] & 0xc0) == 0x80)
			continue;
		if (s[j] < 0x80)
			return max;
		uint32_t cp;
		size_t left = avail - j;
		size_t n = utf8_decode(s + j, left < 4 ? left : 4, &cp);
		return (n && j + n > max && j > 0) ? j : max;
	}
	return max;
}

static unsigned cont_flag(const struct linesplit *s)
{
	return s->cont ? LOGLINE_CONT : 0;
}

/*
 * A line still streaming in: emit the max_line segments that can be
 * decided now and return how many bytes were emitted. Keeping at least
 * 3 bytes back means a cut can see the whole UTF-8 sequence it might
 * split, and a trailing '\r' is never emitted before we know whether
 * '\n' follows it.
 */
static size_t emit_unfinished(struct linesplit *s, const char *data, size_t len,
			      logline_cb cb, void *arg)
{
	const unsigned char *u = (const unsigned char *)data;
	size_t off = 0;
	while (len - off > s->max_line + 2) {
		size_t n = cut_point(u + off, len - off, s->max_line);
		cb(data + off, n, LOGLINE_CUT | cont_flag(s), arg);
		s->cont = true;
		off += n;
	}
	return off;
}

/* A line whose end is known: its last segments, the final one with
 * last_flags. */
static void emit_finished(struct linesplit *s, const char *data, size_t len,
			  unsigned last_flags, logline_cb cb, void *arg)
{
	const unsigned char *u = (const unsigned char *)data;
	size_t off = 0;
	while (len - off > s->max_line) {
		size_t n = cut_point(u + off, len - off, s->max_line);
		cb(data + off, n, LOGLINE_CUT | cont_flag(s), arg);
		s->cont = true;
		off += n;
	}
	cb(data + off, len - off, last_flags | cont_flag(s), arg);
	s->cont = false;
}

/* A line ended by '\n' (not included in len): drop a '\r' before it. */
static void emit_line(struct linesplit *s, const char *data, size_t len,
		      logline_cb cb, void *arg)
{
	if (len && data[len - 1] == '\r')
		len--;
	emit_finished(s, data, len, 0, cb, arg);
}

void linesplit_feed(struct linesplit *s, const char *data, size_t len,
		    logline_cb cb, void *arg)
{
	while (len) {
		const char *nl = memchr(data, '\n', len);
		size_t upto = nl ? (size_t)(nl - data) : len;
		if (s->partial.len) {
			/* Top partial up to at most max_line + 3 bytes so it
			 * stays small even while a huge line streams in. */
			size_t room = s->max_line + 3 - s->partial.len;
			if (nl && upto <= room) {
				buf_append(&s->partial, data, upto);
				emit_line(s, s->partial.data, s->partial.len,
					  cb, arg);
				buf_clear(&s->partial);
				data += upto + 1;
				len -= upto + 1;
				continue;
			}
			size_t take = upto < room ? upto : room;
			buf_append(&s->partial, data, take);
			data += take;
			len -= take;
			size_t done = emit_unfinished(s, s->partial.data,
						      s->partial.len, cb, arg);
			buf_consume(&s->partial, done);
			continue;
		}
		if (nl) {
			emit_line(s, data, upto, cb, arg);
			data += upto + 1;
			len -= upto + 1;
			continue;
		}
		size_t done = emit_unfinished(s, data, len, cb, arg);
		buf_append(&s->partial, data + done, len - done);
		return;
	}
}

void linesplit_finish(struct linesplit *s, logline_cb cb, void *arg)
{
	/* A trailing '\r' here is a lone byte: no '\n' will ever follow. */
	if (s->partial.len || s->cont)
		emit_finished(s, buf_str(&s->partial), s->partial.len,
			      LOGLINE_PARTIAL, cb, arg);
	buf_clear(&s->partial);
	s->cont = false;
}

/* ---- the log buffer ---- */

#define LOGBUF_CAP_DEFAULT ((size_t)64 << 20)
#define LOGBUF_CAP_MIN	   ((size_t)1 << 10)
#define BLOCK_MAX	   ((size_t)64 << 10)
#define BLOCK_MIN	   ((size_t)1 << 10)

struct log_rec {
	const char *text;
	size_t len;
	uint32_t source;
	unsigned flags;
};

/* What a line costs against the cap beyond its text. */
#define LOG_REC_COST sizeof(struct log_rec)

struct log_block {
	struct log_block *next;
	size_t size, used;
	uint64_t end_seq; /* one past the newest line stored here */
	char data[];
};

struct logbuf {
	size_t max_bytes, bytes, block_size;
	uint64_t first, end, dropped;
	/* Ring of records: line first + i is at (head + i) & mask. */
	struct log_rec *ring;
	size_t ring_cap, head;
	struct log_block *oldest, *newest;
	struct log_block *spare; /* one freed standard block, reused */
};

struct logbuf *logbuf_new(size_t max_bytes)
{
	struct logbuf *b = xcalloc(1, sizeof *b);
	b->max_bytes = max_bytes ? max_bytes : LOGBUF_CAP_DEFAULT;
	if (b->max_bytes < LOGBUF_CAP_MIN)
		b->max_bytes = LOGBUF_CAP_MIN;
	/* Blocks scale with small caps so a block's slack stays a small
	 * fraction of what the cap allows. */
	b->block_size = b->max_bytes / 16;
	if (b->block_size > BLOCK_MAX)
		b->block_size = BLOCK_MAX;
	if (b->block_size < BLOCK_MIN)
		b->block_size = BLOCK_MIN;
	return b;
}

static void free_blocks(struct logbuf *b)
{
	struct log_block *k = b->oldest;
	while (k) {
		struct log_block *next = k->next;
		free(k);
		k = next;
	}
	b->oldest = b->newest = NULL;
}

void logbuf_free(struct logbuf *b)
{
	if (!b)
		return;
	free_blocks(b);
	free(b->spare);
	free(b->ring);
	free(b);
}

void logbuf_clear(struct logbuf *b)
{
	free_blocks(b);
	b->head = 0;
	b->first = b->end;
	b->bytes = 0;
}

static size_t line_count(const struct logbuf *b)
{
	return (size_t)(b->end - b->first);
}

static void release_block(struct logbuf *b, struct log_block *k)
{
	if (k->size == b->block_size && !b->spare) {
		b->spare = k;
		return;
	}
	free(k);
}

static void drop_oldest(struct logbuf *b)
{
	struct log_rec *r = &b->ring[b->head];
	b->bytes -= r->len + LOG_REC_COST;
	b->head = (b->head + 1) & (b->ring_cap - 1);
	b->first++;
	b->dropped++;
	while (b->oldest && b->oldest->end_seq <= b->first) {
		struct log_block *k = b->oldest;
		b->oldest = k->next;
		if (!b->oldest)
			b->newest = NULL;
		release_block(b, k);
	}
}

static void grow_ring(struct logbuf *b)
{
	size_t n = line_count(b);
	size_t cap = b->ring_cap ? b->ring_cap * 2 : 1024;
	struct log_rec *ring = xmalloc(cap * sizeof *ring);
	/* Unwrap into the new ring so head is 0 again. */
	for (size_t i = 0; i < n; i++)
		ring[i] = b->ring[(b->head + i) & (b->ring_cap - 1)];
	free(b->ring);
	b->ring = ring;
	b->ring_cap = cap;
	b->head = 0;
}

static char *store_text(struct logbuf *b, const char *text, size_t len)
{
	struct log_block *k = b->newest;
	if (!k || k->size - k->used < len) {
		/* A line bigger than a block gets a block of its own. */
		size_t size = len > b->block_size ? len : b->block_size;
		if (size == b->block_size && b->spare) {
			k = b->spare;
			b->spare = NULL;
		} else {
			k = xmalloc(sizeof *k + size);
		}
		k->next = NULL;
		k->size = size;
		k->used = 0;
		if (b->newest)
			b->newest->next = k;
		else
			b->oldest = k;
		b->newest = k;
	}
	char *p = k->data + k->used;
	memcpy(p, text, len);
	k->used += len;
	k->end_seq = b->end + 1;
	return p;
}

void logbuf_push(struct logbuf *b, uint32_t source, unsigned flags,
		 const char *text, size_t len)
{
	size_t room = b->max_bytes - LOG_REC_COST;
	if (len > room)
		len = cut_point((const unsigned char *)text, len, room);
	while (line_count(b) && b->bytes + len + LOG_REC_COST > b->max_bytes)
		drop_oldest(b);
	if (line_count(b) == b->ring_cap)
		grow_ring(b);
	struct log_rec *r =
	    &b->ring[(b->head + line_count(b)) & (b->ring_cap - 1)];
	/* Empty lines take no block space. */
	r->text = len ? store_text(b, text, len) : "";
	r->len = len;
	r->source = source;
	r->flags = flags;
	b->end++;
	b->bytes += len + LOG_REC_COST;
}

uint64_t logbuf_first(const struct logbuf *b)
{
	return b->first;
}

uint64_t logbuf_end(const struct logbuf *b)
{
	return b->end;
}

bool logbuf_get(const struct logbuf *b, uint64_t seq, struct log_line *out)
{
	if (seq < b->first || seq >= b->end)
		return false;
	const struct log_rec *r =
	    &b->ring[(b->head + (size_t)(seq - b->first)) & (b->ring_cap - 1)];
	out->seq = seq;
	out->source = r->source;
	out->flags = r->flags;
	out->text = r->text;
	out->len = r->len;
	return true;
}

uint64_t logbuf_dropped(const struct logbuf *b)
{
	return b->dropped;
}

size_t logbuf_bytes(const struct logbuf *b)
{
	return b->bytes;
}
