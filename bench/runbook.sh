#!/usr/bin/env bash
# The runbook engine against what an operator does with kubectl, in the
# same run, runs of the two alternating (medians of RUNS; wall time, peak
# resident memory, CPU time from /usr/bin/time):
#
#  1. health-check on bench-10k (10,000 pods on 100 nodes): a throwaway
#     config repo with one environment on the bench cluster and one
#     environment runbook, `health`, whose single health-check step looks
#     at the whole cluster (limits high enough that it passes);
#       opsdeck runbook run health --env bench --yes
#     against
#       kubectl get nodes -o json; kubectl get pods -A -o json;
#       kubectl get events -A -o json          (times summed, peak the max)
#     and, for the fixed cost of a run (repo, whoami, policy, permission
#     checks, run record, local log), the same runbook file with the check
#     on the empty namespace opsdeck (`health-empty`).
#  2. restart-service on the FinPay demo (tests/e2e/lib.sh's finpay_start:
#     the generated repo and both kubesim clusters), as junior:
#       opsdeck runbook run restart-service --env staging --service payments-api --var reason=bench --yes
#     against
#       kubectl rollout restart deployment/payments-api -n payments-stg
#       kubectl rollout status deployment/payments-api -n payments-stg --timeout=120s
#     Both wait until the rollout is complete; opsdeck then also checks the
#     namespace's pods (the runbook's third step).
#
#   BUILD=build bash bench/runbook.sh [RUNS]
set -euo pipefail
BUILD=${BUILD:-build}
RUNS=${1:-5}
cd "$(dirname "$0")/.."
OPSDECK=$BUILD/opsdeck
for b in "$OPSDECK" "$BUILD/kubesim"; do
	[ -x "$b" ] || { echo "$b is not built (make BUILD=$BUILD all)" >&2; exit 1; }
done
command -v kubectl >/dev/null || { echo "kubectl is not installed" >&2; exit 1; }

# tests/e2e/lib.sh: $T (a temporary folder, removed at exit), HOME and
# KUBECACHEDIR inside it, ks_cleanup, finpay_start, wait_until.
# bench/lib.sh: median, start_kubesim (files in $T: kc, tls, out, err).
. tests/e2e/lib.sh
. bench/lib.sh
KPID=""
PROD_PID=""
# shellcheck disable=SC2317 # run by the traps
cleanup() {
	set +e
	if [ -n "$KPID" ]; then
		kill "$KPID" 2>/dev/null
		wait "$KPID" 2>/dev/null
	fi
	[ -n "$PROD_PID" ] && kill "$PROD_PID" 2>/dev/null
	ks_cleanup # the FinPay clusters, any other job, then rm -rf $T
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
exec </dev/null # nothing here may wait for a terminal
export XDG_CONFIG_HOME="$T/config" XDG_CACHE_HOME="$T/cache" XDG_STATE_HOME="$T/state"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
unset OPSDECK_REPO

echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

# timed FILE COMMAND...: appends "seconds kilobytes cpu-seconds" to FILE;
# the command's output is in $T/stdout; a failure ends the benchmark.
timed() {
	local f=$1
	shift
	if ! /usr/bin/time -f '%e %M %U %S' -o "$T/time" "$@" >"$T/stdout" 2>&1; then
		echo "failed: $*" >&2
		tail -n 20 "$T/stdout" >&2
		exit 1
	fi
	awk '{ printf "%s %s %.2f\n", $1, $2, $3 + $4 }' "$T/time" >>"$f"
}
# sum_of F1 F2...: one line per run, times and CPU summed, peak the max.
sum_of() {
	paste -d' ' "$@" | awk '{ t = 0; m = 0; c = 0
		for (i = 1; i <= NF; i += 3) { t += $i; if ($(i+1) > m) m = $(i+1); c += $(i+2) }
		printf "%.2f %d %.2f\n", t, m, c }'
}
# timed_run FILE PHASES COMMAND...: timed, with each line of the
# command's output stamped with the milliseconds since it started, and
# appends to PHASES, in seconds: the time before the first step (start-up,
# repo, identity, policy, permission checks, run record), each step's, and
# from the last step's end to the run's final line (the final record).
timed_run() {
	local f=$1 p=$2 t0 l rc=0
	shift 2
	t0=${EPOCHREALTIME//[!0-9]/}
	/usr/bin/time -f '%e %M %U %S' -o "$T/time" "$@" 2>&1 |
		while IFS= read -r l; do
			printf '%d %s\n' $(((${EPOCHREALTIME//[!0-9]/} - t0) / 1000)) "$l"
		done >"$T/stdout" || rc=$? # pipefail: the command's status
	if [ "$rc" != 0 ]; then
		echo "failed: $*" >&2
		tail -n 20 "$T/stdout" >&2
		exit 1
	fi
	awk '{ printf "%s %s %.2f\n", $1, $2, $3 + $4 }' "$T/time" >>"$f"
	awk '{ t = $1 / 1000 }
	$2 ~ /^\[[0-9]+\/[0-9]+\]$/ {
		split(substr($2, 2, length($2) - 2), a, "/"); k = a[1]; n = a[2]
		if ($3 ~ /^(succeeded|failed|timed-out|aborted):$/) e[k] = t
		else if (!(k in s)) s[k] = t
	}
	$2 == "run" && $4 == "succeeded:" { fin = t }
	END { printf "%.3f", s[1]; for (k = 1; k <= n; k++) printf " %.3f", e[k] - s[k]
	      printf " %.3f\n", fin - e[n] }' "$T/stdout" >>"$p"
	sed -i 's/^[0-9]* //' "$T/stdout"
}
# phases FILE: the medians of its columns, as text
phases() {
	local n i out=""
	n=$(awk '{print NF; exit}' "$1")
	for i in $(seq "$n"); do
		if [ "$i" = 1 ]; then out="before the first step $(col "$1" 1) s"
		elif [ "$i" = "$n" ]; then out="$out, to the end $(col "$1" "$i") s"
		else out="$out, step $((i - 1)) $(col "$1" "$i") s"; fi
	done
	printf '%s\n' "$out"
}
col() { awk -v c="$2" '{print $c}' "$1" | median; } # FILE COLUMN: its median
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }

# ---- 1. health-check on bench-10k ------------------------------------------------

start_kubesim bench-10k
export KUBECONFIG="$T/kc" # context kubesim, user admin: every verb on everything
kubectl get ns >/dev/null # warm kubectl's discovery cache
# every deployment rolled out, so that each run sees the same 10,000 pods
unready() { kubectl get deploy -A --no-headers | awk '{ split($3, r, "/"); if (r[1] != r[2]) n++ } END { print n + 0 }'; }
until [ "$(unready)" = 0 ]; do sleep 1; done
# the namespace of opsdeck's run records (kubesim takes JSON bodies only,
# which `kubectl create namespace` does not send)
kubectl get ns opsdeck >/dev/null 2>&1 ||
	echo '{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "opsdeck"}}' |
	kubectl create --validate=false -f - >/dev/null

R=$T/hc-repo
mkdir -p "$R/runbooks" "$R/versions"
git init -q -b main "$R"
cat >"$R/opsdeck.yaml" <<'EOF'
environments:
  - name: bench
    cluster: kubesim
services:
  - name: app
    workload: deployment/app-000
    namespace: gen-000
    version:
      file: versions/app.yaml
      path: image.tag
runbooks: runbooks/
EOF
echo 'image: {tag: "1.0"}' >"$R/versions/app.yaml"
# health: the whole cluster; health-empty: the same on an empty namespace
for rb in health health-empty; do
	scope="scope: cluster"
	[ $rb = health-empty ] && scope=$'scope: namespace\n    namespace: opsdeck'
	cat >"$R/runbooks/$rb.yaml" <<EOF
name: $rb
title: Health check ($rb)
scope: environment
steps:
  - name: health
    action: health-check
    $scope
    max-not-ready-nodes: 10000
    max-unhealthy-pods: 1000000
    timeout: 10m
EOF
done
git -C "$R" add -A
git -C "$R" -c user.name=bench -c user.email=bench@example.invalid commit -q -m "bench repo"
"$OPSDECK" lint --repo "$R" >"$T/lint" 2>&1 || { cat "$T/lint" >&2; exit 1; }

: >"$T/hc-o"
: >"$T/hc-phases"
: >"$T/hc-e"
for f in nodes pods events; do : >"$T/hc-$f"; done
for _ in $(seq "$RUNS"); do
	timed_run "$T/hc-o" "$T/hc-phases" "$OPSDECK" runbook run health --env bench --yes --repo "$R"
	summary=$(sed -n 's/^\[1\/1\] succeeded: //p' "$T/stdout")
	[ -n "$summary" ] || { echo "no summary line:" >&2; cat "$T/stdout" >&2; exit 1; }
	timed "$T/hc-e" "$OPSDECK" runbook run health-empty --env bench --yes --repo "$R"
	timed "$T/hc-nodes" kubectl get nodes -o json
	timed "$T/hc-pods" kubectl get pods -A -o json
	kpods=$(grep -c '"kind": "Pod"' "$T/stdout" || true)
	timed "$T/hc-events" kubectl get events -A -o json
done
sum_of "$T/hc-nodes" "$T/hc-pods" "$T/hc-events" >"$T/hc-k"
pods=$(printf '%s\n' "$summary" | sed -n 's/.* \([0-9][0-9]*\) pods\{0,1\} healthy.*/\1/p')
ot=$(col "$T/hc-o" 1) om=$(col "$T/hc-o" 2) oc=$(col "$T/hc-o" 3)
kt=$(col "$T/hc-k" 1) km=$(col "$T/hc-k" 2) kc=$(col "$T/hc-k" 3)
printf 'health-check (bench-10k, %s pods): "%s"; kubectl listed %s pods; opsdeck runbook run health %s s, %s MiB peak, %s s CPU; kubectl get nodes+pods+events -o json %s s (%s + %s + %s), %s MiB peak, %s s CPU; time ratio %sx, memory ratio %sx; fixed cost of a run (health-empty) %s s, %s MiB peak\n' \
	"$pods" "$summary" "$kpods" "$ot" "$(mib "$om")" "$oc" \
	"$kt" "$(col "$T/hc-nodes" 1)" "$(col "$T/hc-pods" 1)" "$(col "$T/hc-events" 1)" \
	"$(mib "$km")" "$kc" "$(ratio "$kt" "$ot")" "$(ratio "$km" "$om")" \
	"$(col "$T/hc-e" 1)" "$(mib "$(col "$T/hc-e" 2)")"
echo "  opsdeck's phases (medians): $(phases "$T/hc-phases")"
kill "$KPID"
wait "$KPID" || true
KPID=""
rm -rf "$T/tls" # ks_start's TLS folder is the same path

# ---- 2. restart-service on the FinPay demo --------------------------------------------

# finpay_start replaces the EXIT trap with its own (which stops both
# clusters and removes $T); errexit stays off while it may run.
set +e
finpay_start
rc=$?
set -e
trap cleanup EXIT
[ $rc = 0 ] || { echo "the FinPay clusters did not start" >&2; exit 1; }
# junior's credentials under the contexts opsdeck.yaml names, as the
# e2e test does it
JKC=$T/kubeconfig-junior
kubectl config view --flatten >"$JKC"
kubectl config set-context finpay-dev --user finpay-dev-junior --kubeconfig "$JKC" >/dev/null
kubectl config set-context finpay-prod --user finpay-prod-junior --kubeconfig "$JKC" >/dev/null
export KUBECONFIG=$JKC
who=$(kubectl auth whoami --context finpay-dev -o jsonpath='{.status.userInfo.username}')
[ "$who" = junior ] || { echo "finpay-dev says the user is '$who', not junior" >&2; exit 1; }
D=(deployment/payments-api -n payments-stg --context finpay-dev)
kubectl get "${D[@]}" >/dev/null # warm kubectl's discovery cache
replicas=$(kubectl get "${D[@]}" -o jsonpath='{.spec.replicas}')
rev0=$(kubectl get "${D[@]}" -o jsonpath='{.metadata.annotations.deployment\.kubernetes\.io/revision}')
# only the rollout's own pods: none left over from the previous restart
settled() {
	[ "$(kubectl get pods -n payments-stg --context finpay-dev -l app=payments-api --no-headers | wc -l)" = "$replicas" ]
}

: >"$T/rs-o"
: >"$T/rs-phases"
: >"$T/rs-restart"
: >"$T/rs-status"
for _ in $(seq "$RUNS"); do
	wait_until 60 settled || { echo "payments-api did not settle" >&2; exit 1; }
	timed_run "$T/rs-o" "$T/rs-phases" "$OPSDECK" runbook run restart-service --env staging --service payments-api \
		--var reason=bench --yes --repo "$REPO"
	grep -q '^run .*: succeeded: ' "$T/stdout" || { cat "$T/stdout" >&2; exit 1; }
	wait_until 60 settled || { echo "payments-api did not settle" >&2; exit 1; }
	timed "$T/rs-restart" kubectl rollout restart "${D[@]}"
	timed "$T/rs-status" kubectl rollout status "${D[@]}" --timeout=120s
done
sum_of "$T/rs-restart" "$T/rs-status" >"$T/rs-k"
rev1=$(kubectl get "${D[@]}" -o jsonpath='{.metadata.annotations.deployment\.kubernetes\.io/revision}')
ot=$(col "$T/rs-o" 1) om=$(col "$T/rs-o" 2) oc=$(col "$T/rs-o" 3)
kt=$(col "$T/rs-k" 1) km=$(col "$T/rs-k" 2) kc=$(col "$T/rs-k" 3)
printf 'restart-service (FinPay staging, payments-api, %s replicas, as junior; revision %s -> %s): opsdeck runbook run restart-service %s s, %s MiB peak, %s s CPU; kubectl rollout restart + rollout status %s s (%s + %s), %s MiB peak, %s s CPU; time ratio %sx, memory ratio %sx\n' \
	"$replicas" "$rev0" "$rev1" "$ot" "$(mib "$om")" "$oc" \
	"$kt" "$(col "$T/rs-restart" 1)" "$(col "$T/rs-status" 1)" "$(mib "$km")" "$kc" \
	"$(ratio "$kt" "$ot")" "$(ratio "$km" "$om")"
echo "  opsdeck's phases (medians): $(phases "$T/rs-phases")"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
