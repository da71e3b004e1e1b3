#!/bin/sh
# Announce a message in a chat channel (runbooks/announce.yaml).
#
# opsdeck passes every value as an environment variable and nothing on the
# command line: MESSAGE (any text, several lines, quotes and $(...)
# included), CHANNEL, ENVIRONMENT and OPERATOR. Use them only quoted, as
# data: never in eval, sh -c or an unquoted expansion.
#
# A real team would post to its chat's webhook here, e.g.
#   curl -fsS --data-urlencode "text=$MESSAGE" "$WEBHOOK_URL"
# This example prints the announcement.
set -eu

printf 'announce to #%s (%s, by %s):\n%s\n' "$CHANNEL" "$ENVIRONMENT" "$OPERATOR" "$MESSAGE"
