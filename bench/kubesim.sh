#!/usr/bin/env bash
# kubesim's own numbers: start-up time, resident memory, and the time to
# serve a full pod list (median of RUNS requests over TLS), for the 10,000-
# and 100,000-pod scenarios. Also times `kubectl get pods -A -o json`
# against the same server in the same run, as a yardstick.
#   bash bench/kubesim.sh [RUNS]
set -euo pipefail
BUILD=${BUILD:-build}
RUNS=${1:-5}
cd "$(dirname "$0")/.."
T=$(mktemp -d)
KPID=""
trap 'kill $KPID 2>/dev/null || true; rm -rf "$T"' EXIT

. bench/lib.sh

for scenario in bench-10k bench-100k; do
	start=$(date +%s.%N)
	start_kubesim "$scenario"
	ready=$(echo "$(date +%s.%N) - $start" | bc)
	url=$(sed -n 's/^kubesim: listening on //p' "$T/out")
	tok=$(awk '/token:/ {print $2; exit}' "$T/kc")
	rss=$(awk '/VmRSS/ {print $2}' /proc/$KPID/status)
	list=$(for i in $(seq "$RUNS"); do
		curl -s --cacert "$T/tls/ca.crt" -o /dev/null -w '%{time_total}\n' \
			-H "Authorization: Bearer $tok" "$url/api/v1/pods"
	done | median)
	size=$(curl -s --cacert "$T/tls/ca.crt" -H "Authorization: Bearer $tok" "$url/api/v1/pods" | wc -c)
	page=$(for i in $(seq "$RUNS"); do
		curl -s --cacert "$T/tls/ca.crt" -o /dev/null -w '%{time_total}\n' \
			-H "Authorization: Bearer $tok" "$url/api/v1/pods?limit=500"
	done | median)
	kc=$(for i in $(seq 3); do
		s=$(date +%s.%N)
		KUBECONFIG="$T/kc" KUBECACHEDIR="$T/cache" kubectl get pods -A -o json >/dev/null
		echo "$(date +%s.%N) - $s" | bc
	done | median)
	printf '%s: ready in %.2f s, RSS %d MiB, full list %s s (%d MiB), page of 500 %s s, kubectl get pods -A -o json %.2f s\n' \
		"$scenario" "$ready" $((rss / 1024)) "$list" $((size / 1048576)) "$page" "$kc"
	kill $KPID
	wait $KPID || true
done
