/*
 * The watch stream: framing JSON values out of chunks, and decoding one
 * value into a watch event (see watchstream.h).
 *
 * Framer: each chunk is scanned once, byte by byte, with a small state
 * machine (nesting depth, inside a string, after a backslash). A value
 * that begins and ends inside one chunk goes to the callback straight from
 * the chunk, with no copy; only the unfinished value at a chunk's end is
 * appended to `pending`, and since its bytes were already scanned, the next
 * chunk resumes where the scan stopped. Every byte is looked at once, so
 * the cost is linear however the stream is chunked.
 *
 * Decoder: jansson parses the value, the envelope's "type" picks what to
 * pull out of "object" (a compact object through kobj_decode, a bookmark's
 * resourceVersion, or an error Status), and the JSON tree is dropped.
 */
#include "kube/watchstream.h"

#include <string.h>

#include "base/mem.h"
#include "base/sanitize.h"

#define PENDING_KEEP ((size_t)1 << 20)

void watch_framer_init(struct watch_framer *f, size_t max_event)
{
	memset(f, 0, sizeof *f);
	buf_init(&f->pending);
	f->max_event = max_event ? max_event : WATCH_MAX_EVENT_DEFAULT;
}

void watch_framer_free(struct watch_framer *f)
{
	buf_free(&f->pending);
	f->scanned = 0;
	f->started = false;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

static enum status framer_fail(struct watch_framer *f, struct err *e,
			       enum status code, const char *what)
{
	f->broken = true;
	f->started = false;
	buf_free(&f->pending);
	f->scanned = 0;
	return err_set(e, code, "watch stream: %s", what);
}

/*
 * Scan data[*pos..limit) of the value being assembled. Returns true when
 * the value ended, with *pos just past its closing byte; otherwise *pos is
 * limit.
 */
static bool scan_value(struct watch_framer *f, const char *data, size_t *pos,
		       size_t limit)
{
	size_t i = *pos;
	while (i < limit) {
		char c = data[i++];
		if (f->in_string) {
			if (f->escaped) {
				f->escaped = false;
			} else if (c == '\\') {
				f->escaped = true;
			} else if (c == '"') {
				f->in_string = false;
			} else {
				/* Most of an event is string bytes: skip to
				 * the next byte that matters. */
				while (i < limit && data[i] != '"' &&
				       data[i] != '\\')
					i++;
			}
		} else if (c == '"') {
			f->in_string = true;
		} else if (c == '{' || c == '[') {
			f->depth++;
		} else if (c == '}' || c == ']') {
			if (--f->depth == 0) {
				*pos = i;
				return true;
			}
		}
	}
	*pos = limit;
	return false;
}

enum status watch_framer_feed(struct watch_framer *f, const char *data,
			      size_t len, watch_value_cb cb, void *arg,
			      struct err *e)
{
	if (f->broken)
		return err_set(e, ST_ERR_PARSE,
			       "watch stream: already failed, restart it");
	size_t pos = 0;
	while (pos < len) {
		if (!f->started) {
			while (pos < len && is_space(data[pos]))
				pos++;
			if (pos == len)
				break;
			if (data[pos] != '{')
				return framer_fail(f, e, ST_ERR_PARSE,
						   "unexpected data between "
						   "events");
			f->started = true;
			f->depth = 0;
			f->in_string = f->escaped = false;
		}
		/* Scan no further than max_event allows, so a runaway value
		 * is refused without being buffered. */
		size_t start = pos;
		size_t room = f->max_event - f->pending.len;
		size_t limit = len - pos > room ? pos + room : len;
		bool done = scan_value(f, data, &pos, limit);
		if (!done) {
			if (limit < len)
				return framer_fail(f, e, ST_ERR_TOOBIG,
						   "event larger than the "
						   "limit");
			/* The state (depth, string, escape) now covers all
			 * of pending: the next chunk continues from here. */
			buf_append(&f->pending, data + start, len - start);
			f->scanned = f->pending.len;
			break;
		}
		f->started = false;
		if (!f->pending.len) {
			if (cb)
				cb(data + start, pos - start, arg);
			continue;
		}
		buf_append(&f->pending, data + start, pos - start);
		if (cb)
			cb(f->pending.data, f->pending.len, arg);
		/* Do not keep a huge event's buffer for the whole watch. */
		if (f->pending.cap > PENDING_KEEP)
			buf_free(&f->pending);
		else
			buf_clear(&f->pending);
		f->scanned = 0;
	}
	return ST_OK;
}

bool watch_framer_truncated(const struct watch_framer *f)
{
	return f->started && !f->broken;
}

/* ---- decoding one event ---- */

static const char *const type_names[] = {
    [WATCH_ADDED] = "ADDED",	 [WATCH_MODIFIED] = "MODIFIED",
    [WATCH_DELETED] = "DELETED", [WATCH_BOOKMARK] = "BOOKMARK",
    [WATCH_ERROR] = "ERROR",
};

const char *watch_type_name(enum watch_type t)
{
	if ((unsigned)t >= sizeof type_names / sizeof *type_names)
		return "?";
	return type_names[t];
}

static bool parse_type(const char *s, enum watch_type *out)
{
	for (size_t i = 0; i < sizeof type_names / sizeof *type_names; i++) {
		if (!strcmp(s, type_names[i])) {
			*out = (enum watch_type)i;
			return true;
		}
	}
	return false;
}

/* Copy into a fixed buffer, cutting before a UTF-8 sequence that would not
 * fit whole (the input is sanitised, so its sequences are valid). */
static void copy_fixed(char *dst, size_t size, const char *src, size_t len)
{
	if (len >= size) {
		len = size - 1;
		while (len && ((unsigned char)src[len] & 0xc0) == 0x80)
			len--;
	}
	memcpy(dst, src, len);
	dst[len] = '\0';
}

static void copy_sanitised(char *dst, size_t size, const json_t *v)
{
	const char *s = json_string_value(v);
	if (!s) {
		dst[0] = '\0';
		return;
	}
	struct buf b = BUF_INIT;
	sanitize_append(&b, s, json_string_length(v), 0);
	copy_fixed(dst, size, buf_str(&b), b.len);
	buf_free(&b);
}

static void decode_status(const json_t *obj, struct watch_event *ev)
{
	json_t *code = json_object_get(obj, "code");
	if (json_is_integer(code)) {
		json_int_t c = json_integer_value(code);
		ev->code = c < 0 || c > 999 ? 0 : (int)c;
	}
	copy_sanitised(ev->reason, sizeof ev->reason,
		       json_object_get(obj, "reason"));
	copy_sanitised(ev->message, sizeof ev->message,
		       json_object_get(obj, "message"));
}

/* Watch objects carry their kind; one of another kind means the stream is
 * not the one we asked for. Absent is tolerated (list items lack it). */
static enum status check_kind(const json_t *obj, enum kube_kind k,
			      struct err *e)
{
	json_t *kind = json_object_get(obj, "kind");
	if (!kind)
		return ST_OK;
	const char *s = json_string_value(kind);
	if (!s)
		return err_set(e, ST_ERR_PARSE,
			       "watch event: kind is not a string");
	if (!strcmp(s, kube_kind_name(k)))
		return ST_OK;
	/* Error messages get shown: keep the server's bytes harmless. */
	char *safe = sanitize_dup(s, 0);
	err_set(e, ST_ERR_PARSE, "watch event: expected a %s, got a %.64s",
		kube_kind_name(k), safe);
	free(safe);
	return ST_ERR_PARSE;
}

enum status watch_event_decode(const char *json, size_t len, enum kube_kind k,
			       struct watch_event *ev, struct err *e)
{
	memset(ev, 0, sizeof *ev);
	json_error_t je;
	/* A "\u0000" in some message must not make the event, and with it
	 * the whole watch, fail. */
	json_t *root = json_loadb(json, len, JSON_ALLOW_NUL, &je);
	if (!root) {
		/* jansson quotes the offending input in its message. */
		char *safe = sanitize_dup(je.text, 0);
		err_set(e, ST_ERR_PARSE, "watch event: %s (at byte %d)", safe,
			je.position);
		free(safe);
		return ST_ERR_PARSE;
	}
	enum status st = ST_OK;
	const char *type = json_string_value(json_object_get(root, "type"));
	json_t *obj = json_object_get(root, "object");
	if (!type || !parse_type(type, &ev->type)) {
		st = err_set(e, ST_ERR_PARSE, "watch event: %s type",
			     type ? "unknown" : "missing");
		goto out;
	}
	if (!json_is_object(obj)) {
		st = err_set(e, ST_ERR_PARSE, "watch event: no object");
		goto out;
	}
	if (ev->type == WATCH_ERROR) {
		decode_status(obj, ev);
		goto out;
	}
	st = check_kind(obj, k, e);
	if (st != ST_OK)
		goto out;
	if (ev->type == WATCH_BOOKMARK) {
		const char *rv = json_string_value(json_object_get(
		    json_object_get(obj, "metadata"), "resourceVersion"));
		if (!rv) {
			st = err_set(e, ST_ERR_PARSE,
				     "watch event: bookmark without "
				     "resourceVersion");
			goto out;
		}
		ev->resource_version = xstrdup(rv);
		goto out;
	}
	struct err oe = {ST_OK, ""};
	ev->obj = kobj_decode(k, obj, &oe);
	if (!ev->obj) {
		st = err_set(e, ST_ERR_PARSE, "watch event: %s",
			     oe.msg[0] ? oe.msg : "bad object");
		goto out;
	}
	ev->resource_version = xstrdup(ev->obj->resource_version);
out:
	json_decref(root);
	return st;
}

void watch_event_clear(struct watch_event *ev)
{
	if (ev->obj)
		kobj_free(ev->obj);
	free(ev->resource_version);
	memset(ev, 0, sizeof *ev);
}
