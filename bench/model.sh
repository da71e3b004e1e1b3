#!/usr/bin/env bash
# The platform commands on a generated platform of 50 tenants x 20
# services x 4 environments (4,000 cells on two kubesim clusters) with a
# 5,000-commit history (bench/make-platform.sh): wall time and peak
# resident memory, medians of RUNS, of
#   opsdeck lint            (opsdeck.yaml + 4,000 version files)
#   opsdeck matrix          (+ both clusters' deployments and pods)
#   opsdeck matrix --json   (+ each cell's last release: the history walk)
#   opsdeck history --env production   (every release of 1,000 cells)
# and, in the same run, kubectl reading the live half of the same question
# (deployments of both clusters, -o json).
#   bash bench/model.sh [RUNS]
set -euo pipefail
BUILD=${BUILD:-build}
RUNS=${1:-5}
cd "$(dirname "$0")/.."
T=$(mktemp -d)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$T"' EXIT

. bench/lib.sh

measure() { # COMMAND...: RUNS lines of "seconds kilobytes"
	for i in $(seq "$RUNS"); do
		/usr/bin/time -f '%e %M' -o "$T/time" "$@" >"$T/stdout" 2>/dev/null || true
		cat "$T/time"
	done
}
report() { # NAME FILE
	printf '%-34s %6s s %5d MiB\n' "$1" "$(awk '{print $1}' "$2" | median)" \
		$(($(awk '{print $2}' "$2" | median) / 1024))
}

bash bench/make-platform.sh "$T/p" >/dev/null
for c in bench-nonprod bench-prod; do
	mkdir -p "$T/$c"
	"$BUILD/kubesim" --scenario "$T/p/$c.yaml" --context "$c" \
		--kubeconfig-out "$T/$c/kc" --tls-dir "$T/$c" >"$T/$c/out" 2>&1 &
	PIDS+=($!)
done
for c in bench-nonprod bench-prod; do
	until grep -q listening "$T/$c/out" 2>/dev/null; do sleep 0.1; done
done
export KUBECONFIG="$T/bench-nonprod/kc:$T/bench-prod/kc" KUBECACHEDIR="$T/cache"
export XDG_CONFIG_HOME="$T/config"
# wait until every deployment has rolled out, so each run sees the same
unready() { kubectl get deploy -A --context "$1" --no-headers | awk '{ split($3, r, "/"); if (r[1] != r[2]) n++ } END { print n + 0 }'; }
for c in bench-prod bench-nonprod; do
	until [ "$(unready $c)" = 0 ]; do sleep 1; done
done
R="$T/p/repo"
measure "$BUILD/opsdeck" lint --repo "$R" >"$T/lint"
measure "$BUILD/opsdeck" matrix --repo "$R" >"$T/matrix"
cells=$(grep -c 'OutOfSync' "$T/stdout" || true)
measure "$BUILD/opsdeck" matrix --json --repo "$R" >"$T/json"
measure "$BUILD/opsdeck" history --env production --json --repo "$R" >"$T/hist"
releases=$(grep -o '"commit"' "$T/stdout" | wc -l)
kget() { kubectl get deploy -A -o json --context bench-nonprod && kubectl get deploy -A -o json --context bench-prod; }
export -f kget
measure bash -c kget >"$T/kubectl"
echo "platform: 4000 cells, 5000 commits; $cells cells out of sync; $releases production releases"
report "opsdeck lint" "$T/lint"
report "opsdeck matrix" "$T/matrix"
report "opsdeck matrix --json (+ releases)" "$T/json"
report "opsdeck history --env production" "$T/hist"
report "kubectl get deploy -A -o json x2" "$T/kubectl"
printf 'matrix / kubectl time ratio: %.2f\n' \
	"$(echo "$(awk '{print $1}' "$T/matrix" | median) / $(awk '{print $1}' "$T/kubectl" | median)" | bc -l)"
