#!/usr/bin/env bash
# demo.sh [CONSOLE OPTIONS...] — the built-in demo (`make demo`): the FinPay
# example of examples/finpay/ on two local kubesim clusters, finpay-dev and
# finpay-prod, with the console (opsdeck with no subcommand) open on them.
#
#   * Needs build/opsdeck and build/kubesim (`make` builds them; BUILD
#     names another build folder, as for make); tests need kubesim only.
#   * Keeps its files in ${OPSDECK_DEMO_DIR:-build/demo} (relative to the
#     repo root): the generated config repo finpay-config (made again only
#     when make-repo.sh, lib.sh or repo/ changed: finpay-config.hash), each
#     cluster's TLS folder, kubeconfig and log.
#   * The console gets KUBECONFIG=kubeconfig-dev:kubeconfig-prod of that
#     folder: the user's own ~/.kube/config is neither read nor changed.
#     The script's status is the console's.
#   * The clusters stop when the console ends, however it ends: the script
#     stops them (SIGTERM, then SIGKILL after 5 s) on its way out, and
#     SIGTERM or SIGHUP to the script are passed to the console. Should the
#     script itself die without cleaning up (SIGKILL), the clusters still
#     stop: each runs with --stop-with-stdin, reading a pipe whose only
#     writer is this script (see "The safety net" below).
#
# For tests: OPSDECK_DEMO_NO_CONSOLE=1 starts everything, prints the lines
# KUBECONFIG=... and REPO=... on stdout instead of opening the console, and
# waits until the script gets SIGTERM (or SIGINT, unless started as a
# background job, which ignores it) or its standard input closes. Messages
# go to stderr.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
abs() { case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$ROOT/$1" ;; esac; }
BIN=$(abs "${BUILD:-build}")
OPSDECK=$BIN/opsdeck
KUBESIM=$BIN/kubesim
FINPAY=$ROOT/examples/finpay
DEMO=$(abs "${OPSDECK_DEMO_DIR:-build/demo}")
REPO=$DEMO/finpay-config
KUBECONFIGS=$DEMO/kubeconfig-dev:$DEMO/kubeconfig-prod

say() { printf 'demo: %s\n' "$*" >&2; }
die() {
	say "$*"
	exit 1
}

NO_CONSOLE=${OPSDECK_DEMO_NO_CONSOLE:-}
for b in "$KUBESIM" "$OPSDECK"; do
	[[ $b == "$OPSDECK" && $NO_CONSOLE == 1 ]] && continue
	[[ -x $b ]] || die "${b#"$ROOT"/} is not built; run 'make demo' (or 'make', then this script)"
done
mkdir -p "$DEMO"

# One demo per folder at a time: a second one would regenerate the repo
# and overwrite the kubeconfigs under the first.
if command -v flock >/dev/null; then
	exec {LOCK}>"$DEMO/.lock"
	flock -n "$LOCK" || die "another demo is running in $DEMO"
else
	exec {LOCK}>/dev/null
fi

PIDS=() # the clusters
CONSOLE_PID=""
STOP_W=""
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	set +e
	rm -rf "$REPO.new"
	if ((${#PIDS[@]})); then
		kill -TERM "${PIDS[@]}" 2>/dev/null
		local i pid alive
		for i in {1..50}; do
			alive=()
			for pid in "${PIDS[@]}"; do
				kill -0 "$pid" 2>/dev/null && alive+=("$pid")
			done
			((${#alive[@]})) || break
			sleep 0.1
		done
		if ((${#alive[@]})); then
			say "a cluster did not stop within 5 s; killing it"
			kill -KILL "${alive[@]}" 2>/dev/null
		fi
		wait "${PIDS[@]}" 2>/dev/null
		PIDS=()
	fi
	[[ -z $STOP_W ]] || exec {STOP_W}>&-
	STOP_W=""
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- the config repo, made once per version of its generator ----
repo_hash() {
	(cd "$FINPAY" && find make-repo.sh lib.sh repo -type f -print0 | LC_ALL=C sort -z |
		xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
}
want=$(repo_hash)
have=$(cat "$REPO.hash" 2>/dev/null || true)
if [[ ! -d $REPO/.git || $have != "$want" ]]; then
	say "Generating the FinPay config repo (about 10 s, once)..."
	rm -rf "$REPO" "$REPO.hash" "$REPO.new"
	if ! bash "$FINPAY/make-repo.sh" "$REPO.new" >"$DEMO/make-repo.log" 2>&1; then
		tail -n 20 "$DEMO/make-repo.log" >&2
		die "examples/finpay/make-repo.sh failed (all of it: $DEMO/make-repo.log)"
	fi
	mv "$REPO.new" "$REPO"
	printf '%s\n' "$want" >"$REPO.hash"
fi

# ---- The safety net ----
# Both clusters read their standard input from one pipe whose only writer
# is this script (fd STOP_W, never written to). However the script ends,
# even by SIGKILL, the kernel closes that fd, the clusters read end of file
# and stop (--stop-with-stdin). The pipe is a FIFO made in a private
# temporary folder, opened here read-write (which never blocks on Linux)
# and then read-only for the clusters (which does not block either, as a
# writer exists), and unlinked at once: nothing stays on disk and no other
# process can open it. No child gets the write end (each long-lived one
# closes it, {STOP_W}>&-): a child holding it would keep the clusters
# alive after the script. A coprocess or `exec {fd}> >(...)` would need
# one pipe per cluster and the same care, with fds that are harder to see.
fifo_dir=$(mktemp -d "${TMPDIR:-/tmp}/opsdeck-demo.XXXXXX")
mkfifo -m 600 "$fifo_dir/stop"
# shellcheck disable=SC2094 # both ends of the one FIFO, on purpose
exec {STOP_W}<>"$fifo_dir/stop" {STOP_R}<"$fifo_dir/stop"
rm -rf "$fifo_dir"

# Background jobs of a script ignore SIGINT and SIGQUIT, so a Ctrl-C in the
# console never reaches the clusters; this script stops them.
start_cluster() { # dev | prod
	local name=$1
	mkdir -p "$DEMO/tls-$name"
	"$KUBESIM" --scenario "$FINPAY/kubesim/finpay-$name.yaml" --context "finpay-$name" \
		--listen 127.0.0.1:0 --tls-dir "$DEMO/tls-$name" \
		--kubeconfig-out "$DEMO/kubeconfig-$name" --stop-with-stdin \
		<&"$STOP_R" {STOP_R}<&- {STOP_W}>&- {LOCK}>&- >"$DEMO/kubesim-$name.log" 2>&1 &
	PIDS+=("$!")
}
start_cluster dev
start_cluster prod
exec {STOP_R}<&-

deadline=$((SECONDS + 10))
i=0
for name in dev prod; do
	log=$DEMO/kubesim-$name.log
	until grep -q "^kubesim: listening on " "$log" 2>/dev/null; do
		if ! kill -0 "${PIDS[$i]}" 2>/dev/null || ((SECONDS > deadline)); then
			tail -n 20 "$log" >&2
			kill -0 "${PIDS[$i]}" 2>/dev/null &&
				die "the finpay-$name cluster did not start within 10 s (log: $log)"
			die "the finpay-$name cluster failed to start (log: $log; a stale build/kubesim? run make)"
		fi
		sleep 0.1
	done
	i=$((i + 1))
done

if [[ $NO_CONSOLE == 1 ]]; then
	printf 'KUBECONFIG=%s\nREPO=%s\n' "$KUBECONFIGS" "$REPO"
	while read -r _; do :; done # a trapped signal ends this too
	exit 0
fi

# ---- the console ----
# Run in the background (still in the terminal's foreground process group,
# so it owns the terminal as usual) so that this script can take SIGTERM
# and SIGHUP while it runs and pass them on; a foreground child would
# delay the traps until it ended. Background jobs start with SIGINT and
# SIGQUIT ignored and their input from /dev/null: env --default-signal
# (coreutils 8.31) and <&0 undo that.
console_env=(env)
if env --default-signal=INT true 2>/dev/null; then
	console_env=(env --default-signal=INT --default-signal=QUIT)
fi
KUBECONFIG=$KUBECONFIGS "${console_env[@]}" "$OPSDECK" --repo "$REPO" "$@" \
	<&0 {STOP_W}>&- {LOCK}>&- &
CONSOLE_PID=$!
# Ctrl-C and Ctrl-\ reach the console from the terminal; this script
# ignores them, so a console that handles them keeps running and one that
# dies of them ends the demo with its status.
trap '' INT QUIT
trap 'kill -HUP "$CONSOLE_PID" 2>/dev/null || true' HUP
trap 'kill -TERM "$CONSOLE_PID" 2>/dev/null || true' TERM
status=1
while kill -0 "$CONSOLE_PID" 2>/dev/null; do
	wait "$CONSOLE_PID" && status=0 || status=$? # a trap ends it early
done
# bash keeps the status of a job it has reaped, except when a trap
# interrupted the wait that reaped it: then that wait's 128+N stands.
if wait "$CONSOLE_PID" 2>/dev/null; then
	status=0
else
	r=$?
	((r < 0 || r == 127)) || status=$r
fi
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
trap - QUIT
exit "$status"
