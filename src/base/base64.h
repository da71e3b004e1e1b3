/*
 * Base64 (RFC 4648, standard alphabet) for kubeconfig *-data fields and
 * Kubernetes Secret data.
 */
#ifndef OPSDECK_BASE_BASE64_H
#define OPSDECK_BASE_BASE64_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"

void base64_encode(struct buf *out, const void *data, size_t len);
/* Decode, ignoring ASCII whitespace; false on any other bad input (out may
 * then hold a partial result). */
bool base64_decode(struct buf *out, const char *text, size_t len);

#endif
