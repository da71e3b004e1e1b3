/*
 * Status codes and error reports shared by every module.
 *
 * Library code never prints and never exits: it returns a status and, when
 * the caller passed a struct err, fills a one-line human message there. The
 * code list is an X-macro so the enum, the names and the default messages
 * stay in one place.
 */
#ifndef OPSDECK_BASE_STATUS_H
#define OPSDECK_BASE_STATUS_H

#include <stdarg.h>

#define STATUS_LIST(X)                                                        \
	X(OK, "ok")                                                           \
	X(ERR_NOMEM, "out of memory")                                         \
	X(ERR_INVALID, "invalid argument")                                    \
	X(ERR_PARSE, "parse error")                                           \
	X(ERR_IO, "input/output error")                                       \
	X(ERR_NOTFOUND, "not found")                                          \
	X(ERR_EXISTS, "already exists")                                       \
	X(ERR_CONFLICT, "conflict")                                           \
	X(ERR_AUTH, "unauthorized")                                           \
	X(ERR_FORBIDDEN, "forbidden")                                         \
	X(ERR_GONE, "gone")                                                   \
	X(ERR_TIMEOUT, "timed out")                                           \
	X(ERR_NET, "network error")                                           \
	X(ERR_TOOBIG, "too large")                                            \
	X(ERR_UNSUPPORTED, "unsupported")

enum status {
#define STATUS_ENUM(name, msg) ST_##name,
	STATUS_LIST(STATUS_ENUM)
#undef STATUS_ENUM
	ST__COUNT
};

#define ERR_MSG_MAX 512

struct err {
	enum status code;
	char msg[ERR_MSG_MAX];
};

/* The identifier of a status, e.g. "ERR_PARSE". */
const char *status_name(enum status s);
/* The default message of a status, e.g. "parse error". */
const char *status_message(enum status s);

/* Fill e (when not NULL) and return code, so callers can write
 * `return err_set(e, ST_ERR_PARSE, "%s:%d: ...", ...);`. */
enum status err_set(struct err *e, enum status code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
enum status err_setv(struct err *e, enum status code, const char *fmt,
		     va_list ap);
void err_clear(struct err *e);

#endif
