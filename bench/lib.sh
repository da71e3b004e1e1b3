# Shared by the benchmark scripts (sourced): median of numbers on stdin, and
# starting kubesim on a scenario in $T, waiting for its "listening" line.
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# start_kubesim SCENARIO: sets KPID; kubeconfig in $T/kc, CA in $T/tls
start_kubesim() {
	"$BUILD/kubesim" --scenario "tests/kubesim/scenarios/$1.yaml" \
		--kubeconfig-out "$T/kc" --tls-dir "$T/tls" >"$T/out" 2>"$T/err" &
	KPID=$!
	until grep -q listening "$T/out" 2>/dev/null; do
		kill -0 $KPID || { cat "$T/err"; exit 1; }
		sleep 0.05
	done
}
