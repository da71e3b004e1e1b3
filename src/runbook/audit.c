/*
 * The local audit log (audit.h): one JSON line per record change, appended
 * with O_APPEND and fsync'ed before returning. The file is opened for each
 * line, so nothing is held open across a run and a crash between lines
 * loses nothing already written. Readers (opsdeck audit --local, the
 * console's audit view) fold it to the latest record of each run
 * (audit_log_latest); a line that cannot be read is counted, never fatal.
 */
#include "runbook/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/mem.h"
#include "base/vec.h"
#include "kube/objects.h"

void audit_log_default_path(struct buf *out)
{
	const char *state = getenv("XDG_STATE_HOME");
	if (state && *state == '/')
		buf_printf(out, "%s/opsdeck/audit.jsonl", state);
	else
		buf_printf(out, "%s/.local/state/opsdeck/audit.jsonl",
			   getenv("HOME") ? getenv("HOME") : ".");
}

/* mkdir -p of path's folder, new folders 0700. */
static int make_parents(const char *path)
{
	char *dir = xstrdup(path);
	int rc = 0;
	for (char *p = dir + 1; *p && rc == 0; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST)
			rc = -1;
		*p = '/';
	}
	free(dir);
	return rc;
}

enum status audit_log_append(const char *path, const char *event,
			     const json_t *record, struct err *e)
{
	struct buf def = BUF_INIT, t = BUF_INIT;
	if (!path) {
		audit_log_default_path(&def);
		path = buf_str(&def);
	}
	enum status st = ST_OK;
	kube_format_time(&t, (int64_t)time(NULL));
	json_t *line = json_pack("{s:s, s:s, s:O}", "time", buf_str(&t),
				 "event", event, "record", record);
	char *text = line ? json_dumps(line, JSON_COMPACT) : NULL;
	json_decref(line);
	if (!text) {
		st = err_set(e, ST_ERR_INVALID, "audit: the record cannot be "
						"written as JSON");
		goto out;
	}
	make_parents(path);
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
				    O_NOFOLLOW, 0600);
	if (fd < 0) {
		st = err_set(e, ST_ERR_IO, "audit log %s: %s", path,
			     strerror(errno));
		goto out;
	}
	struct buf b = BUF_INIT;
	buf_puts(&b, text);
	buf_putc(&b, '\n');
	size_t off = 0;
	while (off < b.len) {
		ssize_t n = write(fd, b.data + off, b.len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			st = err_set(e, ST_ERR_IO, "audit log %s: %s", path,
				     strerror(errno));
			break;
		}
		off += (size_t)n;
	}
	if (st == ST_OK && fsync(fd) != 0)
		st = err_set(e, ST_ERR_IO, "audit log %s: fsync: %s", path,
			     strerror(errno));
	close(fd);
	buf_free(&b);
out:
	free(text);
	buf_free(&def);
	buf_free(&t);
	return st;
}

/* One line of the log (without its newline): its record to fn, or one
 * more unreadable line. */
static void read_line(const char *line, size_t len,
		      void (*fn)(void *arg, const char *event,
				 const json_t *record),
		      void *arg, size_t *bad)
{
	json_t *j = json_loadb(line, len, 0, NULL);
	json_t *rec = json_object_get(j, "record");
	const char *ev = json_string_value(json_object_get(j, "event"));
	if (json_is_object(rec) && ev)
		fn(arg, ev, rec);
	else
		(*bad)++;
	json_decref(j);
}

enum status audit_log_read(const char *path,
			   void (*fn)(void *arg, const char *event,
				      const json_t *record),
			   void *arg, size_t *bad, struct err *e)
{
	struct buf def = BUF_INIT;
	if (!path) {
		audit_log_default_path(&def);
		path = buf_str(&def);
	}
	*bad = 0;
	FILE *f = fopen(path, "re");
	if (!f) {
		enum status st = err_set(e, errno == ENOENT ? ST_ERR_NOTFOUND
							    : ST_ERR_IO,
					 "audit log %s: %s", path,
					 strerror(errno));
		buf_free(&def);
		return st;
	}
	/* Lines are cut out of blocks by hand rather than with getline, so
	 * that a line without end (a corrupt or hostile file) is skipped
	 * once it passes AUDIT_LINE_MAX instead of filling the memory. */
	enum { BLOCK = 1 << 16 };
	char *block = xmalloc(BLOCK);
	struct buf line = BUF_INIT;
	bool over = false, partial = false;
	size_t n;
	while ((n = fread(block, 1, BLOCK, f)) > 0) {
		for (size_t off = 0; off < n;) {
			const char *nl = memchr(block + off, '\n', n - off);
			size_t take =
			    nl ? (size_t)(nl - (block + off)) : n - off;
			if (!over && line.len + take > AUDIT_LINE_MAX) {
				over = true;
				buf_clear(&line);
			}
			if (!over)
				buf_append(&line, block + off, take);
			off += take;
			partial = true;
			if (!nl)
				continue;
			off++;
			if (over)
				(*bad)++;
			else
				read_line(line.data ? line.data : "", line.len,
					  fn, arg, bad);
			buf_clear(&line);
			over = partial = false;
		}
	}
	enum status st = ST_OK;
	if (ferror(f))
		st = err_set(e, ST_ERR_IO, "audit log %s: %s", path,
			     strerror(errno));
	else if (over)
		(*bad)++;
	else if (partial) /* a last line without its newline */
		read_line(line.data ? line.data : "", line.len, fn, arg, bad);
	buf_free(&line);
	free(block);
	fclose(f);
	buf_free(&def);
	return st;
}

struct fold {
	json_t *by_id; /* run id -> its latest record */
	size_t bad;    /* records without an id */
};

static void fold_line(void *arg, const char *event, const json_t *record)
{
	(void)event;
	struct fold *fd = arg;
	const char *id = json_string_value(json_object_get(record, "id"));
	if (id && *id)
		json_object_set(fd->by_id, id, (json_t *)record);
	else
		fd->bad++;
}

static int newest_first(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	return strcmp(y, x);
}

enum status audit_log_latest(const char *path, json_t **out, size_t *bad,
			     struct err *e)
{
	struct fold fd = {json_object(), 0};
	*out = NULL;
	enum status st = audit_log_read(path, fold_line, &fd, bad, e);
	*bad += fd.bad;
	if (st != ST_OK) {
		json_decref(fd.by_id);
		return st;
	}
	struct vec ids = VEC_INIT;
	const char *k;
	json_t *v;
	json_object_foreach(fd.by_id, k, v) vec_push(&ids, (void *)k);
	vec_sort(&ids, newest_first);
	*out = json_array();
	for (size_t i = 0; i < ids.len; i++)
		json_array_append(*out,
				  json_object_get(fd.by_id, ids.items[i]));
	vec_free(&ids, NULL);
	json_decref(fd.by_id);
	return ST_OK;
}
