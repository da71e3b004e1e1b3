/*
 * The local audit log: every change of every run this machine's opsdeck
 * made, as JSON lines appended to $XDG_STATE_HOME/opsdeck/audit.jsonl
 * (~/.local/state/opsdeck/ without XDG_STATE_HOME).
 *
 * Append-only and durable: the file is opened with O_APPEND (never
 * truncated, never rewritten; a symlink is refused), created 0600 in a
 * 0700 folder, each line written whole and fsync'ed before the call
 * returns, so a run killed right after a step still has that step on
 * disk. Lines hold records as the cluster gets them (secrets masked).
 */
#ifndef OPSDECK_RUNBOOK_AUDIT_H
#define OPSDECK_RUNBOOK_AUDIT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/status.h"

/* The default path (XDG rules above). */
void audit_log_default_path(struct buf *out);

/* Append {"time": now, "event": event, "record": record} as one line.
 * path NULL = the default. */
enum status audit_log_append(const char *path, const char *event,
			     const json_t *record, struct err *e);

/* A line longer than this is not read (it is counted as unreadable) and
 * never held whole: lines are a record each, some kilobytes. */
#define AUDIT_LINE_MAX (16u << 20)

/*
 * The log folded to one record per run: the record of the run's latest
 * line. A fold is kept between reads and each audit_fold_update reads
 * only the lines appended since the last one, so a reader that looks
 * again after every change (the console) parses each line once however
 * big the log grows.
 *
 * A fold remembers the file it read (st_dev, st_ino) and the byte offset
 * after the last whole line it took. Only lines ended by a newline are
 * taken: a last line still being written is left for the next update. A
 * file replaced (another inode), truncated (shorter than the offset, or
 * no newline just before it) or gone starts the fold over. Lines that do
 * not parse (garbage, one over AUDIT_LINE_MAX, JSON that is not a line
 * of the log, a record without an "id") are skipped and counted, each
 * once.
 */
struct audit_fold;

/* A fold of the log at path (NULL = the default), empty until updated. */
struct audit_fold *audit_fold_new(const char *path);
void audit_fold_free(struct audit_fold *f);

/* Take the lines appended since the last update. ERR_NOTFOUND when there
 * is no log (the fold is then empty); another failure (e says why) when
 * it cannot be read, the lines taken before it kept. */
enum status audit_fold_update(struct audit_fold *f, struct err *e);

/* The records, newest run first (run ids sort by their start time), as a
 * new array. The records are the fold's own, shared: do not change them
 * (one the next update replaces stays valid as long as it is held). */
json_t *audit_fold_records(const struct audit_fold *f);
/* The unreadable lines taken so far, and the bytes taken (the offset the
 * next update reads from). */
size_t audit_fold_bad(const struct audit_fold *f);
uint64_t audit_fold_offset(const struct audit_fold *f);

/* The whole log folded once, for a reader that looks once (opsdeck audit
 * --local): audit_fold_records as *out, with a last line that has no
 * newline taken too (as a whole line when it parses, else unreadable).
 * *bad counts the unreadable lines. ERR_NOTFOUND (and *out NULL) when
 * there is no log yet. */
enum status audit_log_latest(const char *path, json_t **out, size_t *bad,
			     struct err *e);

#endif
