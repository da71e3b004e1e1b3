#!/usr/bin/env bash
# opsdeck's cluster client against kubectl on the same kubesim, in the same
# run: wall time and peak resident memory of `opsdeck pods -A --json` and
# `kubectl get pods -A -o json` (medians of RUNS), for the 10,000- and
# 100,000-pod scenarios. Both page through the list with limit=500.
#   bash bench/client.sh [RUNS]
set -euo pipefail
BUILD=${BUILD:-build}
RUNS=${1:-5}
cd "$(dirname "$0")/.."
T=$(mktemp -d)
KPID=""
trap '[ -n "$KPID" ] && kill $KPID 2>/dev/null; rm -rf "$T"' EXIT

. bench/lib.sh

# measure COMMAND...: RUNS lines of "seconds kilobytes"
measure() {
	for i in $(seq "$RUNS"); do
		/usr/bin/time -f '%e %M' -o "$T/time" "$@" >"$T/stdout" 2>/dev/null
		cat "$T/time"
	done
}

for scenario in bench-10k bench-100k; do
	start_kubesim "$scenario"
	export KUBECONFIG="$T/kc" KUBECACHEDIR="$T/cache"
	kubectl get ns >/dev/null # warm kubectl's discovery cache
	measure "$BUILD/opsdeck" pods -A --json >"$T/o"
	n=$(grep -c '"kind": *"Pod"\|"kind":"Pod"' "$T/stdout" || true)
	measure kubectl get pods -A -o json >"$T/k"
	ot=$(awk '{print $1}' "$T/o" | median)
	om=$(awk '{print $2}' "$T/o" | median)
	kt=$(awk '{print $1}' "$T/k" | median)
	km=$(awk '{print $2}' "$T/k" | median)
	printf '%s: %s pods; opsdeck pods -A --json %s s, %d MiB peak; kubectl get pods -A -o json %s s, %d MiB peak; time ratio %.1fx, memory ratio %.1fx\n' \
		"$scenario" "$n" "$ot" $((om / 1024)) "$kt" $((km / 1024)) \
		"$(echo "$kt / $ot" | bc -l)" "$(echo "$km / $om" | bc -l)"
	kill $KPID
	wait $KPID || true
	KPID=""
done
