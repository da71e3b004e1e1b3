/*
 * The local audit log (audit.h): one JSON line per record change, appended
 * with O_APPEND and fsync'ed before returning. The file is opened for each
 * line, so nothing is held open across a run and a crash between lines
 * loses nothing already written.
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
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, f)) > 0) {
		json_t *j = json_loadb(line, (size_t)n, 0, NULL);
		json_t *rec = json_object_get(j, "record");
		const char *ev = json_string_value(json_object_get(j, "event"));
		if (json_is_object(rec) && ev)
			fn(arg, ev, rec);
		else
			(*bad)++;
		json_decref(j);
	}
	free(line);
	fclose(f);
	buf_free(&def);
	return ST_OK;
}
