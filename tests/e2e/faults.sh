#!/usr/bin/env bash
# kubesim's API seen through raw HTTP: authentication, watch semantics
# (bookmarks, dropped watches, 410 Expired), injected 500/429 answers,
# malformed requests, and a restart on the same address and CA.
. "$(dirname "$0")/lib.sh"
ks_start "$ROOT/tests/kubesim/scenarios/basic.yaml" || exit 1

# --- authentication ---
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$KS_CA" "$KS_URL/api/v1/pods")
expect_eq "no token: 401" "$code" 401
out=$(curl -s --cacert "$KS_CA" -H 'Authorization: Bearer nope' "$KS_URL/api/v1/pods")
expect_match "unknown token: 401 Status" "$out" '"reason":"Unauthorized".*"code":401'
code=$(curl -s -o /dev/null -w '%{http_code}' "${KS_URL/https:/https:}/version" -k)
expect_eq "/version is open" "$code" 200
out=$(curl -sS "$KS_URL/version" 2>&1)
expect_match "TLS is verified: an unknown CA is refused" "$out" 'certificate|SSL'

# --- lists and watches ---
list=$(ks_curl admin "/api/v1/namespaces/demo/pods")
expect_match "list items carry no kind" "$list" '"kind":"PodList","apiVersion":"v1","metadata":\{"resourceVersion":"[0-9]+"'
rv=$(printf '%s' "$list" | sed -E 's/.*"metadata":\{"resourceVersion":"([0-9]+)".*/\1/;q')
page=$(ks_curl admin "/api/v1/pods?limit=1")
expect_match "paging gives a continue token" "$page" '"continue":"'
tok=$(printf '%s' "$page" | sed -E 's/.*"continue":"([^"]+)".*/\1/')
page2=$(ks_curl admin "/api/v1/pods?limit=1&continue=$tok")
expect_match "the continue token gives the next page" "$page2" '"items":\[\{'
expect_eq "page two differs from page one" "$([ "$page" != "$page2" ] && echo differ)" differ

ks_curl admin -N --max-time 4 "/api/v1/namespaces/demo/pods?watch=true&resourceVersion=$rv&allowWatchBookmarks=true&timeoutSeconds=2" >"$T/w1" 2>/dev/null
code=$?
expect_eq "a watch ends at timeoutSeconds" "$code" 0
expect_match "watch events carry kind and a bookmark arrives" "$(cat "$T/w1")" '"type":"(ADDED|MODIFIED|BOOKMARK)","object":\{"'
w0=$(ks_curl admin -N --max-time 3 "/api/v1/namespaces/demo/pods?watch=1&timeoutSeconds=1")
expect_match "watch without resourceVersion starts with synthetic ADDED" "$(printf '%s\n' "$w0" | head -n 1)" '^\{"type":"ADDED","object":\{.*"kind":"Pod","apiVersion":"v1"\}\}$'

# A dropped watch: the stream ends long before its timeout.
ks_curl admin -N --max-time 30 "/api/v1/pods?watch=1&resourceVersion=$rv&timeoutSeconds=25" >"$T/w2" 2>/dev/null &
wpid=$!
sleep 1
ks_curl admin -X POST -H 'Content-Type: application/json' -d '{"dropWatches":true}' /kubesim/v1/faults >/dev/null
start=$SECONDS
wait "$wpid"
expect_eq "dropWatches ends open watches" "$([ $((SECONDS - start)) -lt 5 ] && echo quick)" quick

# 410: expire every resourceVersion, then watch from the old one.
ks_curl admin -X POST -d '{"expireResourceVersions":true}' /kubesim/v1/faults >/dev/null
out=$(ks_curl admin -N --max-time 5 "/api/v1/pods?watch=1&resourceVersion=$rv")
expect_match "watch from an expired resourceVersion: ERROR 410 Expired" "$out" \
	'^\{"type":"ERROR","object":\{"kind":"Status","apiVersion":"v1","metadata":\{\},"status":"Failure","message":"too old resource version: [0-9]+ \([0-9]+\)","reason":"Expired","code":410\}\}'
code=$(ks_curl admin -o /dev/null -w '%{http_code}' "/api/v1/pods?limit=1&continue=$tok")
expect_eq "an expired continue token: 410" "$code" 410

# --- injected failures ---
ks_curl admin -X POST -d '{"failNext":{"count":2,"code":500}}' /kubesim/v1/faults >/dev/null
c1=$(ks_curl admin -o /dev/null -w '%{http_code}' /api/v1/namespaces)
c2=$(ks_curl admin -o /dev/null -w '%{http_code}' /api/v1/namespaces)
c3=$(ks_curl admin -o /dev/null -w '%{http_code}' /api/v1/namespaces)
expect_eq "failNext 500 answers the next two requests with 500" "$c1 $c2 $c3" "500 500 200"
ks_curl admin -X POST -d '{"failNext":{"count":1,"code":429,"retryAfterSeconds":3}}' /kubesim/v1/faults >/dev/null
out=$(ks_curl admin -i /api/v1/namespaces)
expect_match "429 carries Retry-After" "$out" '[Rr]etry-[Aa]fter: 3'
expect_match "429 Status names retryAfterSeconds" "$out" '"reason":"TooManyRequests".*"retryAfterSeconds":3'
ks_curl admin -X POST -d '{"latencyMs":400}' /kubesim/v1/faults >/dev/null
t=$(ks_curl admin -o /dev/null -w '%{time_total}' /api/v1/namespaces)
expect_match "latency is added" "$t" '^(0\.[4-9]|[1-9])'
ks_curl admin -X DELETE /kubesim/v1/faults >/dev/null
code=$(ks_curl viewer -o /dev/null -w '%{http_code}' -X POST -d '{"dropWatches":true}' /kubesim/v1/faults)
expect_eq "only the admin may inject faults" "$code" 403
code=$(ks_curl admin -o /dev/null -w '%{http_code}' -X POST -d '{"bogus":1}' /kubesim/v1/faults)
expect_eq "unknown faults are refused" "$code" 400

# --- malformed requests: Status errors, never a crash ---
out=$(ks_curl admin -X POST -H 'Content-Type: application/json' -d '{"kind":' /api/v1/namespaces/demo/configmaps)
expect_match "bad JSON body: 400 Status" "$out" '"kind":"Status".*"code":400'
out=$(ks_curl admin /api/v1/namespaces/demo/widgets)
expect_match "unknown resource: 404" "$out" '"code":404'
out=$(ks_curl admin "/api/v1/pods?limit=-5")
expect_match "negative limit: 400" "$out" '"code":400'
out=$(ks_curl admin "/api/v1/pods?labelSelector=a%20in%20(b")
expect_match "bad label selector: 400" "$out" '"code":400'
out=$(ks_curl admin "/api/v1/pods?fieldSelector=spec.bogus=1")
expect_match "unsupported field selector: 400" "$out" 'field label not supported'
out=$(ks_curl admin "/api/v1/pods?watch=1&resourceVersion=abc")
expect_match "bad resourceVersion: 400" "$out" '"code":400'
out=$(ks_curl admin "/api/v1/namespaces/demo/pods/nope/log?tailLines=-1")
expect_match "bad tailLines: 400" "$out" '"code":400'
head -c 4000000 /dev/zero | tr '\0' 'a' >"$T/huge"
code=$(ks_curl admin -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data-binary @"$T/huge" /api/v1/namespaces/demo/configmaps)
expect_eq "huge body: 413" "$code" 413
out=$(ks_curl admin -X PATCH -H 'Content-Type: application/json-patch+json' -d '[{"op":"explode"}]' /apis/apps/v1/namespaces/demo/deployments/web)
expect_match "bad JSON patch: Status error" "$out" '"kind":"Status".*"code":4[0-9][0-9]'
out=$(ks_curl admin -X PATCH -H 'Content-Type: text/plain' -d 'x' /apis/apps/v1/namespaces/demo/deployments/web)
expect_match "unknown patch type: 415" "$out" '"code":415'
out=$(ks_curl admin -X PUT -H 'Content-Type: application/json' -d '{"metadata":{"name":"web","resourceVersion":"1"},"spec":{}}' /apis/apps/v1/namespaces/demo/deployments/web)
expect_match "stale resourceVersion on update: 409 Conflict" "$out" '"reason":"Conflict".*"code":409'
out=$(ks_curl admin -X POST -H 'Content-Type: application/json' -d '{"metadata":{"name":"web"}}' /apis/apps/v1/namespaces/demo/deployments)
expect_match "create an existing name: 409 AlreadyExists" "$out" '"reason":"AlreadyExists"'
long=$(head -c 3000 /dev/zero | tr '\0' 'x')
code=$(ks_curl admin -o /dev/null -w '%{http_code}' "/api/v1/namespaces/demo/pods/$long")
expect_match "absurdly long name: an error code" "$code" '^4'
check "kubesim is still alive" kill -0 "$KS_PID"

# --- restart on the same address with the same CA ---
port=${KS_URL##*:}
ks_stop
expect_eq "stops cleanly" "$?" 0
KS_LISTEN="127.0.0.1:$port" ks_start "$ROOT/tests/kubesim/scenarios/basic.yaml" || exit 1
out=$(curl -sS --cacert "$T/tls/ca.crt" -H "Authorization: Bearer $(ks_token admin)" "$KS_URL/api/v1/namespaces")
expect_match "the restarted server is trusted with the saved CA" "$out" '"kind":"NamespaceList"'

# --- bad command lines and scenarios: exit 2 with a message ---
"$KUBESIM" --bogus >/dev/null 2>"$T/err"
expect_eq "unknown flag exits 2" "$?" 2
printf 'users:\n  - name: a\n    rulez: []\n' >"$T/bad.yaml"
"$KUBESIM" --scenario "$T/bad.yaml" >/dev/null 2>"$T/err"
expect_eq "bad scenario exits 2" "$?" 2
expect_match "bad scenario names file:line" "$(cat "$T/err")" 'bad.yaml:[0-9]+'
ks_finish
