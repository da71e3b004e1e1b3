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

/* Each line's record, in file order (the latest line of a run holds its
 * latest state); lines that do not parse (a half-written last line, one
 * over AUDIT_LINE_MAX) are skipped and counted in *bad. Returns
 * ERR_NOTFOUND when there is no log yet. */
enum status audit_log_read(const char *path,
			   void (*fn)(void *arg, const char *event,
				      const json_t *record),
			   void *arg, size_t *bad, struct err *e);

/* The log folded to one record per run: the record of the run's latest
 * line, newest run first (run ids sort by their start time), as a new
 * array in *out. A line whose record has no "id" counts in *bad with
 * those that do not parse. ERR_NOTFOUND (and *out NULL) when there is no
 * log yet. */
enum status audit_log_latest(const char *path, json_t **out, size_t *bad,
			     struct err *e);

#endif
