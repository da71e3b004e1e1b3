#!/usr/bin/env bash
# The demo launcher (scripts/demo.sh) and what it relies on:
#  * kubesim --stop-with-stdin stops by itself when its standard input, a
#    pipe, is closed;
#  * the launcher (OPSDECK_DEMO_NO_CONSOLE=1) starts finpay-dev and
#    finpay-prod, which answer kubectl through the KUBECONFIG it prints,
#    and they stop within 5 s when the launcher is SIGKILLed (the safety
#    net) or gets SIGTERM (its trap); a second start reuses the repo;
#  * with a stand-in console: the console gets KUBECONFIG and --repo, can
#    reach both clusters, its exit status is the launcher's, SIGTERM to
#    the launcher reaches it, and the clusters stop after it.
. "$(dirname "$0")/lib.sh"
command -v kubectl >/dev/null || { echo "kubectl is not installed"; exit 1; }
[ -x "$KUBESIM" ] || { echo "$KUBESIM is not built"; exit 1; }
DEMO_SH="$ROOT/scripts/demo.sh"
k() { kubectl --request-timeout=20s "$@"; }
# all_gone PID...: none of them runs any more.
all_gone() {
	local p
	for p in "$@"; do
		kill -0 "$p" 2>/dev/null && return 1
	done
	return 0
}

# ---- kubesim --stop-with-stdin, its standard input a pipe from us ----
coproc KS1 { exec "$KUBESIM" --scenario "$ROOT/tests/kubesim/scenarios/basic.yaml" \
	--listen 127.0.0.1:0 --plain-http --stop-with-stdin >"$T/ks1.out" 2>"$T/ks1.err"; }
# shellcheck disable=SC2153 # set by coproc
ks1_pid=$KS1_PID
ks1_in=${KS1[1]}
if wait_until 10 grep -q '^kubesim: listening on ' "$T/ks1.out"; then
	pass "kubesim --stop-with-stdin starts and keeps running while the pipe is open"
else
	fail "kubesim --stop-with-stdin did not start"
	cat "$T/ks1.err"
fi
sleep 0.5
check "still running 0.5 s later" kill -0 "$ks1_pid"
exec {ks1_in}>&-
if wait_until 5 all_gone "$ks1_pid"; then
	pass "kubesim stops within 5 s of its standard input closing"
else
	fail "kubesim still runs 5 s after its standard input closed"
	kill -KILL "$ks1_pid" 2>/dev/null
fi
wait "$ks1_pid"
expect_eq "and exits with status 0" "$?" 0
expect_match "and says why" "$(cat "$T/ks1.err")" 'standard input closed; stopping'

# ---- the launcher without a console ----
DEMO_DIR="$T/demo"
# demo_start NAME: runs the launcher in the background with its standard
# input a FIFO that this script holds open; sets DEMO_PID, waits for the
# REPO= line on its stdout (the repo is generated on the first start).
mkfifo "$T/demo.in"
exec {demo_hold}<>"$T/demo.in"
demo_start() {
	OPSDECK_DEMO_DIR="$DEMO_DIR" OPSDECK_DEMO_NO_CONSOLE=1 BUILD="$BUILD" \
		bash "$DEMO_SH" <"$T/demo.in" >"$T/$1.out" 2>"$T/$1.err" {demo_hold}>&- &
	DEMO_PID=$!
	wait_until 60 demo_ready "$1"
	grep -q '^REPO=' "$T/$1.out"
}
demo_ready() { grep -q '^REPO=' "$T/$1.out" || ! kill -0 "$DEMO_PID" 2>/dev/null; }
# The clusters of this test's demo folder (nothing else has that path).
demo_kubesims() { pgrep -f -- "--tls-dir $DEMO_DIR/tls-" | tr '\n' ' '; }

start=$SECONDS
if demo_start demo1; then
	pass "the launcher starts (in $((SECONDS - start)) s, the repo generated)"
else
	fail "the launcher did not print REPO= within 60 s"
	cat "$T/demo1.out" "$T/demo1.err" "$DEMO_DIR"/kubesim-*.log 2>/dev/null | tail -n 30
fi
expect_match "it said it generates the repo" "$(cat "$T/demo1.err")" 'Generating the FinPay config repo'
kc=$(sed -n 's/^KUBECONFIG=//p' "$T/demo1.out")
expect_eq "KUBECONFIG names both kubeconfigs" "$kc" "$DEMO_DIR/kubeconfig-dev:$DEMO_DIR/kubeconfig-prod"
expect_eq "REPO is the demo folder's repo" "$(sed -n 's/^REPO=//p' "$T/demo1.out")" "$DEMO_DIR/finpay-config"
check "REPO is a Git repo with main checked out" \
	test "$(git -C "$DEMO_DIR/finpay-config" symbolic-ref --short HEAD)" = main
expect_match "finpay-dev answers" "$(KUBECONFIG=$kc k get deploy -A --context finpay-dev 2>&1)" \
	'fraud-stg +fraud-detector'
expect_match "finpay-prod answers" "$(KUBECONFIG=$kc k get deploy -A --context finpay-prod 2>&1)" \
	'payments-prod +payments-api'
read -r -a pids <<<"$(demo_kubesims)"
expect_eq "two kubesims run" "${#pids[@]}" 2

kill -KILL "$DEMO_PID"
wait "$DEMO_PID" 2>/dev/null
if wait_until 5 all_gone "${pids[@]}"; then
	pass "SIGKILL to the launcher: both clusters stop within 5 s"
else
	fail "SIGKILL to the launcher: clusters still run after 5 s: $(demo_kubesims)"
	kill -KILL "${pids[@]}" 2>/dev/null
fi
for c in dev prod; do
	expect_match "finpay-$c stopped for its closed standard input" \
		"$(cat "$DEMO_DIR/kubesim-$c.log")" 'standard input closed'
done

# Second start: the repo is kept; SIGTERM stops the clusters by the trap.
demo_start demo2 || { fail "the second start did not print REPO="; cat "$T/demo2.err"; }
expect_no_match "the second start reuses the repo" "$(cat "$T/demo2.err")" 'Generating'
read -r -a pids <<<"$(demo_kubesims)"
expect_eq "two kubesims run again" "${#pids[@]}" 2
kill -TERM "$DEMO_PID"
wait "$DEMO_PID"
expect_eq "SIGTERM: the launcher exits 143" "$?" 143
check "and its clusters are gone when it has exited" all_gone "${pids[@]}"

# ---- with a console: a stand-in that checks what it gets ----
FAKE="$T/fakebuild"
mkdir -p "$FAKE"
ln -s "$KUBESIM" "$FAKE/kubesim"
cat >"$FAKE/opsdeck" <<'EOF'
#!/usr/bin/env bash
echo "console: KUBECONFIG=$KUBECONFIG args=$*"
echo "console: pid $$"
for c in finpay-dev finpay-prod; do
	kubectl --request-timeout=20s get ns --context "$c" -o name | grep -q namespace/default &&
		echo "console: $c reachable"
done
# No descriptor but 0, 1 and 2 may come from the launcher: a leaked write
# end of the clusters' pipe would keep them alive after it.
for f in /proc/$$/fd/*; do
	case $(readlink "$f") in *opsdeck-demo*|*/stop|*.lock) echo "console: leaked fd ${f##*/}" ;; esac
done
case $FAKE_MODE in
exit) exit 7 ;;
wait) echo "console: waiting"; exec sleep 30 ;;
esac
EOF
chmod +x "$FAKE/opsdeck"
FAKE_MODE=exit OPSDECK_DEMO_DIR="$DEMO_DIR" BUILD="$FAKE" bash "$DEMO_SH" --flag x \
	</dev/null >"$T/c1.out" 2>"$T/c1.err"
expect_eq "the launcher exits with the console's status" "$?" 7
out=$(cat "$T/c1.out")
expect_match "the console gets the demo's KUBECONFIG" "$out" \
	"KUBECONFIG=$DEMO_DIR/kubeconfig-dev:$DEMO_DIR/kubeconfig-prod "
expect_match "and --repo, then the launcher's arguments" "$out" \
	"args=--repo $DEMO_DIR/finpay-config --flag x\$"
expect_match "and reaches finpay-dev" "$out" 'finpay-dev reachable'
expect_match "and finpay-prod" "$out" 'finpay-prod reachable'
expect_no_match "and inherits no descriptor of the launcher's" "$out" 'leaked'
check "the clusters are gone when the launcher has exited" test -z "$(demo_kubesims)"

FAKE_MODE=wait OPSDECK_DEMO_DIR="$DEMO_DIR" BUILD="$FAKE" bash "$DEMO_SH" \
	</dev/null >"$T/c2.out" 2>"$T/c2.err" &
DEMO_PID=$!
wait_until 20 grep -q 'console: waiting' "$T/c2.out" || fail "the waiting console did not start"
read -r -a pids <<<"$(demo_kubesims)"
console_pid=$(sed -n 's/^console: pid //p' "$T/c2.out")
kill -TERM "$DEMO_PID"
wait "$DEMO_PID"
expect_eq "SIGTERM to the launcher ends the console (its status)" "$?" 143
check "and the console is gone" all_gone "$console_pid"
check "and the clusters are gone" all_gone "${pids[@]}"

ks_finish
