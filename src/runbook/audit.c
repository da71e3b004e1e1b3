/*
 * The local audit log (audit.h): one JSON line per record change, appended
 * with O_APPEND and fsync'ed before returning. The file is opened for each
 * line, so nothing is held open across a run and a crash between lines
 * loses nothing already written.
 *
 * Readers fold it to the latest record of each run (struct audit_fold): a
 * JSON object from run id to record, and the offset after the last whole
 * line taken. An update opens the file, checks it is still the one read
 * before (inode, size, the newline before the offset; otherwise the fold
 * starts over) and reads from the offset on with pread, in blocks, cutting
 * lines by hand; a line that cannot be read is counted, never fatal. The
 * console keeps one fold for its session (ui/runs.c); opsdeck audit
 * --local folds once (audit_log_latest).
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
	int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC |
				    O_NOFOLLOW, 0600);
	if (fd < 0) {
		st = err_set(e, ST_ERR_IO, "audit log %s: %s", path,
			     strerror(errno));
		goto out;
	}
	struct buf b = BUF_INIT;
	/* A line cut short by a crash must not swallow this one: end it
	 * first (it stays one unreadable line). */
	struct stat sb;
	char last = '\n';
	if (fstat(fd, &sb) == 0 && sb.st_size > 0 &&
	    pread(fd, &last, 1, sb.st_size - 1) == 1 && last != '\n')
		buf_putc(&b, '\n');
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

struct audit_fold {
	char *path;
	json_t *by_id; /* run id -> the record of its latest line */
	size_t bad;    /* unreadable lines taken */
	/* Bytes taken: just after the last whole line, or inside a line
	 * over AUDIT_LINE_MAX (skipping) up to where it was read. */
	uint64_t offset;
	bool skipping; /* the bytes from offset on end a line too long to
			* read, counted when its newline comes */
	bool known;    /* dev and ino are those of the file taken from */
	dev_t dev;
	ino_t ino;
};

struct audit_fold *audit_fold_new(const char *path)
{
	struct audit_fold *f = xcalloc(1, sizeof *f);
	struct buf def = BUF_INIT;
	if (!path) {
		audit_log_default_path(&def);
		path = buf_str(&def);
	}
	f->path = xstrdup(path);
	f->by_id = json_object();
	buf_free(&def);
	return f;
}

void audit_fold_free(struct audit_fold *f)
{
	if (!f)
		return;
	json_decref(f->by_id);
	free(f->path);
	free(f);
}

static void fold_reset(struct audit_fold *f)
{
	json_object_clear(f->by_id);
	f->bad = 0;
	f->offset = 0;
	f->skipping = f->known = false;
}

/* One whole line of the log (without its newline): its record becomes
 * its run's, or the line is one more unreadable one. */
static void fold_line(struct audit_fold *f, const char *line, size_t len)
{
	json_t *j = json_loadb(line, len, 0, NULL);
	json_t *rec = json_object_get(j, "record");
	const char *ev = json_string_value(json_object_get(j, "event"));
	const char *id = json_string_value(json_object_get(rec, "id"));
	if (json_is_object(rec) && ev && id && *id)
		json_object_set(f->by_id, id, rec);
	else
		f->bad++;
	json_decref(j);
}

/* Whether fd (st) is still the file the fold took its lines from, the
 * same or longer: its inode, at least offset bytes, and a newline as the
 * last byte taken (a file truncated and written again past the offset
 * has, most likely, something else there). */
static bool same_file(const struct audit_fold *f, int fd, const struct stat *st)
{
	if (!f->known || st->st_dev != f->dev || st->st_ino != f->ino ||
	    (uint64_t)st->st_size < f->offset)
		return false;
	if (f->offset == 0 || f->skipping)
		return true;
	char c;
	return pread(fd, &c, 1, (off_t)(f->offset - 1)) == 1 && c == '\n';
}

/* Take the lines after f->offset; to_end also takes a last line without
 * its newline (a reader that will not look again). */
static enum status fold_read(struct audit_fold *f, bool to_end, struct err *e)
{
	int fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		int errnum = errno;
		if (errnum == ENOENT)
			fold_reset(f);
		return err_set(e,
			       errnum == ENOENT ? ST_ERR_NOTFOUND : ST_ERR_IO,
			       "audit log %s: %s", f->path, strerror(errnum));
	}
	/* opened without blocking and refused unless a plain file: a fifo
	 * there would hold the console */
	struct stat st;
	const char *why = fstat(fd, &st) != 0	 ? strerror(errno)
			  : S_ISDIR(st.st_mode)	 ? strerror(EISDIR)
			  : !S_ISREG(st.st_mode) ? "not a plain file"
						 : NULL;
	if (why) {
		enum status rc =
		    err_set(e, ST_ERR_IO, "audit log %s: %s", f->path, why);
		close(fd);
		return rc;
	}
	if (!same_file(f, fd, &st)) {
		fold_reset(f);
		f->known = true;
		f->dev = st.st_dev;
		f->ino = st.st_ino;
	}
	/* Lines are cut out of blocks by hand rather than with getline, so
	 * that a line without end (a corrupt or hostile file) is skipped
	 * once it passes AUDIT_LINE_MAX instead of filling the memory. */
	enum { BLOCK = 1 << 16 };
	char *block = xmalloc(BLOCK);
	struct buf line = BUF_INIT;
	uint64_t pos = f->offset; /* where the next block starts */
	enum status rc = ST_OK;
	for (;;) {
		ssize_t n = pread(fd, block, BLOCK, (off_t)pos);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			rc = err_set(e, ST_ERR_IO, "audit log %s: %s", f->path,
				     strerror(errno));
		if (n <= 0)
			break;
		for (size_t off = 0; off < (size_t)n;) {
			const char *nl =
			    memchr(block + off, '\n', (size_t)n - off);
			size_t take =
			    nl ? (size_t)(nl - (block + off)) : (size_t)n - off;
			if (!f->skipping && line.len + take > AUDIT_LINE_MAX) {
				f->skipping = true;
				buf_clear(&line);
			}
			if (!f->skipping)
				buf_append(&line, block + off, take);
			off += take;
			if (!nl)
				continue;
			off++;
			if (f->skipping)
				f->bad++;
			else
				fold_line(f, line.data ? line.data : "",
					  line.len);
			buf_clear(&line);
			f->skipping = false;
			f->offset = pos + off;
		}
		pos += (uint64_t)n;
		/* what was read of a line too long to read is not read
		 * again; the rest of a shorter one is, from its start */
		if (f->skipping)
			f->offset = pos;
	}
	if (rc == ST_OK && to_end) {
		if (f->skipping)
			f->bad++;
		else if (line.len)
			fold_line(f, line.data, line.len);
		f->skipping = false;
		f->offset = pos;
	}
	buf_free(&line);
	free(block);
	close(fd);
	return rc;
}

enum status audit_fold_update(struct audit_fold *f, struct err *e)
{
	return fold_read(f, false, e);
}

struct run_rec {
	const char *id;
	json_t *rec;
};

static int newest_first(const void *a, const void *b)
{
	const struct run_rec *x = a, *y = b;
	return strcmp(y->id, x->id);
}

json_t *audit_fold_records(const struct audit_fold *f)
{
	size_t n = json_object_size(f->by_id), i = 0;
	struct run_rec *runs = xcalloc(n ? n : 1, sizeof *runs);
	const char *k;
	json_t *v;
	json_object_foreach(f->by_id, k, v)
	{
		runs[i].id = k;
		runs[i++].rec = v;
	}
	qsort(runs, n, sizeof *runs, newest_first);
	json_t *out = json_array();
	for (i = 0; i < n; i++)
		json_array_append(out, runs[i].rec);
	free(runs);
	return out;
}

size_t audit_fold_bad(const struct audit_fold *f)
{
	return f->bad;
}

uint64_t audit_fold_offset(const struct audit_fold *f)
{
	return f->offset;
}

enum status audit_log_latest(const char *path, json_t **out, size_t *bad,
			     struct err *e)
{
	struct audit_fold *f = audit_fold_new(path);
	enum status st = fold_read(f, true, e);
	*bad = f->bad;
	*out = st == ST_OK ? audit_fold_records(f) : NULL;
	audit_fold_free(f);
	return st;
}
