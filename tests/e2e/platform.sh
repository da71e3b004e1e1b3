#!/usr/bin/env bash
# The platform commands on the FinPay example: the generated config repo
# (examples/finpay/make-repo.sh) and its two kubesim clusters, finpay-dev
# and finpay-prod. matrix must show the drift, the crash-loop and the
# version gap; history and diff must give the answers Git gives (checked
# against git itself, not eyeballed); `kubectl set image` must flip a cell
# to OutOfSync in the next matrix; lint must pass the example and locate
# a broken opsdeck.yaml; a URL is cloned into the cache and fetched again;
# an unreachable cluster is exit 3 with its cells Unknown.
. "$(dirname "$0")/lib.sh"
command -v kubectl >/dev/null || { echo "kubectl is not installed"; exit 1; }
OPSDECK="$ROOT/$BUILD/opsdeck"
[ -x "$OPSDECK" ] || { echo "$OPSDECK is not built"; exit 1; }
finpay_start || exit 1
k() { kubectl --request-timeout=20s "$@"; }
g() { git -C "$REPO" "$@"; }
op() { "$OPSDECK" "$@" --repo "$REPO"; }

# ---- lint ---------------------------------------------------------------------

out=$(op lint 2>&1)
rc=$?
expect_eq "lint passes the example" "$rc" 0
expect_match "lint counts the cells" "$out" "3 environments, 2 tenants, 6 services, 20 cells"

# ---- matrix -------------------------------------------------------------------

# Git's own answer: first-parent commits where the production tag changed.
git_releases() {
	local f=charts/payments-api/values-production.yaml c prev=""
	g rev-list --first-parent --reverse main -- "$f" | while read -r c; do
		v=$(g show "$c:$f" 2>/dev/null | sed -n 's/^  tag: "\(.*\)"/\1/p')
		[ "$v" != "$prev" ] && printf '%s %s\n' "$c" "$v"
		prev=$v
	done | tac
}

json=$(op matrix --json)
expect_eq "matrix --json exits 0" $? 0
row() { printf '%s\n' "$json" | json_tsv doc cell desired live sync health | awk -F'\t' -v c="$1" '$1 == c'; }
expect_eq "the drifted cell" "$(row ledger-service/development)" \
	"$(printf 'ledger-service/development\t3.4.0\t3.5.0-rc.1\tOutOfSync\tHealthy')"
expect_match "the crash-loop is Degraded (and in sync)" "$(row fraud-detector/staging)" \
	$'fraud-detector/staging\t1.9.0\t1.9.0\tSynced\tDegraded'
expect_match "the crash-loop's reason" "$(printf '%s\n' "$json" | json_tsv doc cell reason | grep '^fraud-detector/staging')" "CrashLoopBackOff"
expect_eq "staging ahead of production" \
	"$(row payments-api/staging | cut -f3),$(row payments-api/production | cut -f3)" "2.15.0,2.14.1"
expect_eq "every other cell is synced and healthy" \
	"$(printf '%s\n' "$json" | json_tsv doc cell sync health | grep -v -e '^ledger-service/development' -e '^fraud-detector/staging' | awk -F'\t' '$2 != "Synced" || $3 != "Healthy"')" ""
expect_eq "20 cells" "$(printf '%s\n' "$json" | json_tsv doc cell | wc -l)" 20
# Git's answer for each desired version: the version files at the tip.
expect_eq "desired payments-api/production is Git's" "$(row payments-api/production | cut -f2)" \
	"$(g show main:charts/payments-api/values-production.yaml | sed -n 's/^  tag: "\(.*\)"/\1/p')"
last=$(printf '%s\n' "$json" | json_tsv doc cell lastChange.commit lastChange.author | grep '^payments-api/production')
expect_eq "last change of payments-api/production" "$(printf '%s' "$last" | cut -f2)" \
	"$(git_releases | head -n 1 | cut -d' ' -f1)"

table=$(op matrix)
expect_match "the table names the drift" "$table" "ledger-service/development +OutOfSync +Healthy +live 3.5.0-rc.1, Git 3.4.0"
expect_match "the table shows the crash-loop" "$table" "fraud-detector/staging +Synced +Degraded +pod fraud-detector-"
expect_eq "tenants expand under their service" \
	"$(printf '%s\n' "$table" | grep -A2 '^merchant-portal ' | awk '{printf "%s ", $1}')" "merchant-portal acme euroshop "
expect_match "a tenant's row" "$table" "^  euroshop +4.7.0 ok synced +4.7.0 ok synced +4.6.3 ok synced"
width=$(printf '%s\n' "$table" | sed -n '1,/^$/p' | awk '{ if (length > w) w = length } END { print w }')
[ "$width" -le 80 ] && pass "the matrix fits 80 columns ($width)" || fail "the matrix is $width wide"
op matrix --check >/dev/null 2>"$T/check.err"
expect_eq "matrix --check finds bad news" $? 1
expect_match "and says what" "$(cat "$T/check.err")" "2 cells"
op matrix --check --service merchant-api >/dev/null 2>&1
expect_eq "matrix --check on a healthy service" $? 0

# kubectl set image: the next matrix sees the drift.
k --context finpay-dev -n payments-stg set image deployment/payments-api \
	payments-api=registry.finpay.example/payments/payments-api:9.9.9 >/dev/null
expect_eq "set image drifts payments-api/staging" \
	"$(op matrix --json --service payments-api --env staging | json_tsv doc sync live)" \
	"$(printf 'OutOfSync\t9.9.9')"

# ---- status, pods, events, logs by cell ----------------------------------------

out=$(op status --service fraud-detector --env staging)
expect_match "status: desired and where it comes from" "$out" "from: +apps/fraud-detector/overlays/staging/kustomization.yaml"
expect_match "status: health" "$out" "Health: +Degraded"
pods=$(op pods --env staging --service fraud-detector --json | json_tsv doc name | sort)
expect_eq "pods of a cell are kubectl's" "$pods" \
	"$(k --context finpay-dev -n fraud-stg get pods -l app=fraud-detector -o name | sed 's|^pod/||' | sort)"
expect_match "events of a cell: the BackOff warning" \
	"$(op events --env staging --service fraud-detector --warnings)" "BackOff"
expect_eq "events of another cell do not leak in" \
	"$(op events --env staging --service payments-api --json | json_tsv doc involvedObject.name name | grep -c fraud)" 0
logs=$(op logs --env staging --service payments-api --tail 3)
expect_match "logs of a cell" "$logs" "payments-api"

# ---- history ------------------------------------------------------------------

hist=$(op history --env production --service payments-api --json)
expect_eq "history = the commits where the value changed" \
	"$(printf '%s\n' "$hist" | json_tsv doc commit to | tr '\t' ' ')" "$(git_releases)"
touching=$(g rev-list --first-parent main -- charts/payments-api/values-production.yaml | wc -l)
releases=$(printf '%s\n' "$hist" | json_tsv doc commit | wc -l)
[ "$touching" -gt "$releases" ] && pass "commits that did not change the version are left out ($touching > $releases)" ||
	fail "history counts every commit that touched the file ($touching, $releases)"
merged=$(printf '%s\n' "$hist" | json_tsv doc commit mergedBy change | awk -F'\t' '$2 != ""' | head -n 1)
mc=$(printf '%s' "$merged" | cut -f1)
expect_eq "merged by = the merge's author" "$(printf '%s' "$merged" | cut -f2)" "$(g show -s --format=%an "$mc")"
expect_eq "the change commit is on the merged side" \
	"$(g merge-base --is-ancestor "$(printf '%s' "$merged" | cut -f3)" "$mc^2" && echo yes)" yes
expect_eq "Approved-by from the merge" \
	"$(printf '%s\n' "$hist" | python3 -c 'import json,sys; d=json.load(sys.stdin); r=[x for x in d if x["mergedBy"]][0]; print([t["value"] for t in r["trailers"] if t["key"]=="Approved-by"][0])')" \
	"$(g show -s --format='%(trailers:key=Approved-by,valueonly)' "$mc" | head -n 1)"
revert=$(printf '%s\n' "$hist" | json_tsv doc summary from to | grep '^Revert')
expect_match "the rollback is a release back" "$revert" "^Revert .*"
op history --env production --limit 1 --json | json_tsv doc cell | sort >"$T/cells"
expect_eq "history --env: one release per cell with --limit 1" "$(wc -l <"$T/cells")" 7
expect_eq "history --since keeps recent ones" \
	"$(op history --env production --since 1h --json | json_tsv doc cell | wc -l)" 0

# ---- diff -----------------------------------------------------------------------

d=$(op diff --service payments-api --env staging --against-env production)
expect_match "diff against production: staging's tag" "$d" '^-  tag: "2.15.0"$'
expect_match "diff against production: production's tag" "$d" '^\+  tag: "2.14.1"$'
expect_match "diff names both files" "$d" "\\+\\+\\+ b/charts/payments-api/values-production.yaml"
expect_match "diff says the versions" "$d" "^# payments-api: staging 2.15.0 -> production 2.14.1"
rev=$(printf '%s\n' "$hist" | json_tsv doc commit | head -n 1)
d=$(op diff --service payments-api --env production --from "$rev^" --to "$rev")
expect_eq "a release against its parent = git diff" \
	"$(printf '%s\n' "$d" | grep '^[-+]  tag')" \
	"$(g diff "$rev^" "$rev" -- charts/payments-api/values-production.yaml | grep '^[-+]  tag')"

# ---- the repo: dirty trees, broken files, URLs ------------------------------------

echo "junk" >>"$REPO/opsdeck.yaml"
out=$(op lint 2>&1)
expect_eq "uncommitted edits are not read" $? 0
expect_match "but they are reported" "$out" "1 uncommitted change"
g checkout -q -- opsdeck.yaml
BROKEN="$T/broken"
git clone -q "$REPO" "$BROKEN"
sed -i 's/^  - name: payments-api$/  - name: payments-api\n    teem: payments/' "$BROKEN/opsdeck.yaml"
git -C "$BROKEN" -c user.name=t -c user.email=t@t commit -qam "typo"
git -C "$BROKEN" remote remove origin
out=$("$OPSDECK" lint --repo "$BROKEN" 2>&1)
expect_eq "lint fails on a typo" $? 1
expect_match "with file:line:col and a suggestion" "$out" "opsdeck.yaml:[0-9]+:5: unknown key 'teem' in a service \\(did you mean 'team'\\?\\)"
"$OPSDECK" matrix --repo "$BROKEN" >/dev/null 2>&1
expect_eq "matrix refuses a broken model" $? 2

URL="file://$REPO"
out=$("$OPSDECK" lint --repo "$URL" 2>&1)
expect_eq "a URL is cloned" $? 0
expect_match "into the cache" "$(ls "$XDG_CACHE_HOME/opsdeck/repos/")" "^finpay-"
g -c user.name=t -c user.email=t@t commit -q --allow-empty -m "upstream moves on"
out=$("$OPSDECK" lint --repo "$URL" 2>&1)
expect_match "and fetched again" "$out" "at $(g rev-parse --short=12 main)"
"$OPSDECK" lint --repo "file://$T/nothing-here" >/dev/null 2>&1
expect_eq "an unreachable repo is exit 3" $? 3

# ---- an unreachable cluster -----------------------------------------------------------

kill $PROD_PID
wait $PROD_PID 2>/dev/null
json=$(op matrix --json)
expect_eq "a cluster down is exit 3" $? 3
expect_eq "its cells are Unknown" \
	"$(printf '%s\n' "$json" | json_tsv doc environment sync | awk -F'\t' '$1 == "production" && $2 != "Unknown"' | wc -l)" 0
expect_eq "the other cluster still answers" \
	"$(row payments-api/development | cut -f4)" "Synced"

ks_finish
