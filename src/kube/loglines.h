/*
 * Log text: cutting a byte stream into lines, and keeping the newest lines
 * within a memory cap.
 *
 * The splitter takes chunks as they arrive (a line may span many chunks;
 * one chunk may hold many lines), removes the '\n' (and a '\r' before it),
 * and cuts lines longer than max_line into segments so no single line can
 * exhaust memory. Bytes are passed on as they are, invalid UTF-8 included:
 * making them safe for a terminal is the presenter's job (base/sanitize),
 * but a segment cut never splits a valid UTF-8 sequence.
 *
 * The log buffer stores lines in large blocks (no allocation per line) and
 * drops the oldest lines when the cap is reached; lines are addressed by a
 * sequence number that keeps growing, so a view's position stays valid
 * while old lines fall off.
 */
#ifndef OPSDECK_KUBE_LOGLINES_H
#define OPSDECK_KUBE_LOGLINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

#define LOG_MAX_LINE_DEFAULT ((size_t)64 << 10) /* 64 KiB */

enum {
	LOGLINE_CUT = 1 << 0,  /* more of this line follows in the next one */
	LOGLINE_CONT = 1 << 1, /* this continues the previous (cut) line */
	LOGLINE_PARTIAL = 1 << 2, /* the stream ended without a '\n' */
};

typedef void (*logline_cb)(const char *line, size_t len, unsigned flags,
			   void *arg);

struct linesplit {
	struct buf partial;
	size_t max_line;
	bool cont; /* the next line continues a cut one */
};

/* max_line 0 = the default; at least 4, so a segment holds a character */
void linesplit_init(struct linesplit *s, size_t max_line);
void linesplit_free(struct linesplit *s);
void linesplit_feed(struct linesplit *s, const char *data, size_t len,
		    logline_cb cb, void *arg);
/* End of stream: emit what is left as a LOGLINE_PARTIAL line. */
void linesplit_finish(struct linesplit *s, logline_cb cb, void *arg);

struct logbuf;

struct log_line {
	uint64_t seq;
	uint32_t source; /* which stream (pod/container) it came from */
	unsigned flags;	 /* LOGLINE_* */
	const char *text; /* not NUL-terminated; valid until lines are dropped */
	size_t len;
};

/* max_bytes: the cap for text plus per-line bookkeeping (0 = 64 MiB). */
struct logbuf *logbuf_new(size_t max_bytes);
void logbuf_free(struct logbuf *b);
void logbuf_clear(struct logbuf *b);
/* Append a line (a line longer than the cap is truncated to fit). */
void logbuf_push(struct logbuf *b, uint32_t source, unsigned flags,
		 const char *text, size_t len);
/* Sequence numbers of the oldest kept line and one past the newest. */
uint64_t logbuf_first(const struct logbuf *b);
uint64_t logbuf_end(const struct logbuf *b);
/* Fetch line seq (first <= seq < end) in O(1); false when dropped/absent. */
bool logbuf_get(const struct logbuf *b, uint64_t seq, struct log_line *out);
/* Lines dropped for the cap so far, and the bytes currently held. */
uint64_t logbuf_dropped(const struct logbuf *b);
size_t logbuf_bytes(const struct logbuf *b);

#endif
