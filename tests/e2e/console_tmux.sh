#!/usr/bin/env bash
# The console in a real terminal, as a new user would work: `make demo`'s
# launcher (scripts/demo.sh) runs in a tmux window at 160x48 with fresh
# XDG folders, keys go in with `tmux send-keys` and the screen is read with
# `tmux capture-pane` (-e for colours). Every wait polls the pane with a
# timeout and prints the pane when it gives up (no bare sleeps).
#
#  1. the demo starts (generating the FinPay repo) and shows the fleet;
#  2. fleet -> fraud-detector/staging (arrows) -> cell -> pods -> that
#     pod's logs (search WARN: the match is drawn differently from the rest
#     of its line) -> back -> events (BackOff) -> history -> diff against
#     production; then the logs of payments-api/staging keep growing;
#  3. the window shrinks to 80x24 and grows back to 160x48: the console
#     redraws at each size;
#  4. `kubectl set image` on payments-api/staging shows on the fleet
#     (9.9.9 and the drift mark) within 2 s; the time is printed;
#  5. finpay-prod's kubesim is SIGKILLed: the status bar says so and the
#     production cells turn unknown; a new kubesim on the same address (same
#     TLS folder, so the kubeconfig stays valid) and the console recovers by
#     itself;
#  6. a second console on a tiny cluster whose pod logs "\e]0;pwned\a" and
#     "\e[2J": the pane's title does not change, the screen is not cleared,
#     the bytes are drawn as ^[]0;pwned^G and ^[[2J;
#  7. Q ends the demo with status 0 and none of its clusters is left.
# The tmux server has its own socket (-L) and is killed on exit.
. "$(dirname "$0")/lib.sh"
command -v tmux >/dev/null || { echo "tmux is not installed"; exit 1; }
command -v kubectl >/dev/null || { echo "kubectl is not installed"; exit 1; }
for b in opsdeck kubesim; do
	[ -x "$ROOT/$BUILD/$b" ] || { echo "$ROOT/$BUILD/$b is not built"; exit 1; }
done
# The binaries as they are now: a `make` elsewhere may relink them while
# this runs. The demo takes them from BUILD (an absolute path is kept).
BIN="$T/bin"
mkdir -p "$BIN"
cp "$ROOT/$BUILD/opsdeck" "$ROOT/$BUILD/kubesim" "$BIN/" || exit 1
OPSDECK="$BIN/opsdeck"
KUBESIM="$BIN/kubesim"
"$OPSDECK" help >/dev/null 2>&1 || { echo "$ROOT/$BUILD/opsdeck does not run (being rebuilt?)"; exit 1; }
"$KUBESIM" >/dev/null 2>&1
[ $? = 2 ] || { echo "$ROOT/$BUILD/kubesim does not run (being rebuilt?)"; exit 1; }
unset TMUX TMUX_PANE

TS="opsdeck-e2e-$$-$RANDOM" # the tmux server's socket name
TS_PATH="${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$TS"
DEMO_DIR="$T/demo"
DEMO_KC="$DEMO_DIR/kubeconfig-dev:$DEMO_DIR/kubeconfig-prod"
AGAIN_PID="" # the finpay-prod kubesim this test starts again
tm() { tmux -L "$TS" "$@"; }

console_cleanup() {
	tm kill-server 2>/dev/null # SIGHUP to the demo: it stops its clusters
	rm -f "$TS_PATH"
	if [ -n "$AGAIN_PID" ]; then
		kill -KILL "$AGAIN_PID" 2>/dev/null
		wait "$AGAIN_PID" 2>/dev/null
	fi
	# Let the demo's own cleanup finish before its folder goes.
	wait_until 8 demo_clusters_gone
	ks_cleanup
}
trap console_cleanup EXIT
# Signals end the script through its EXIT trap.
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
# Should the script die without its trap (SIGKILL), a watchdog still ends
# the tmux server (the demo then stops its clusters) and the kubesims this
# script started, and removes the folder; on a normal exit ks_cleanup
# stops the watchdog.
(
	exec </dev/null >/dev/null 2>&1
	while kill -0 $$ 2>/dev/null; do sleep 0.5; done
	tm kill-server
	rm -f "$TS_PATH"
	for f in "$T/again.pid" "$T/esc.pid"; do
		[ -f "$f" ] && kill -KILL "$(cat "$f")"
	done
	sleep 6
	rm -rf "$T"
) &

# The demo's kubesims (finpay-dev, finpay-prod), by their arguments.
demo_clusters() { pgrep -f -- "--tls-dir $DEMO_DIR/" 2>/dev/null; }
demo_clusters_gone() { [ -z "$(demo_clusters)" ]; }

ms() { date +%s%3N; }
note() { echo "# $* (at ${SECONDS}s)"; }

# ---- reading and waiting for the screen ----------------------------------------

pane() { tm capture-pane -p -t "$1"; }
row() { pane "$1" | sed -n "${2}p"; } # row TARGET N (1-based)
show_pane() {
	echo "    --- the pane '$1' ---"
	tm capture-pane -p -t "$1" 2>&1 | sed -e 's/^/    |/'
}
pane_has() { pane "$1" | grep -Eq -- "$2"; }
row_has() { row "$1" "$2" | grep -Eq -- "$3"; }

# failed_on TARGET: shows the pane after a failed check; when the demo has
# ended there is nothing more to check.
failed_on() {
	show_pane "$1"
	if [ "$1" = demo ] && [ "$(tm display -p -t demo '#{pane_dead}' 2>/dev/null)" != 0 ]; then
		bail "the demo has ended (status '$(cat "$T/demo.rc" 2>/dev/null)')"
	fi
}

# expect_pane NAME TARGET REGEX [SECONDS]: some line of the pane matches
# the extended regex within SECONDS (10).
expect_pane() {
	if wait_until "${4:-10}" pane_has "$2" "$3"; then
		pass "$1"
		return 0
	fi
	fail "$1 (wanted /$3/ within ${4:-10} s)"
	failed_on "$2"
	return 1
}

# expect_row NAME TARGET ROW REGEX [SECONDS]: row ROW matches.
expect_row() {
	if wait_until "${5:-10}" row_has "$2" "$3" "$4"; then
		pass "$1"
		return 0
	fi
	fail "$1 (wanted row $3 /$4/ within ${5:-10} s)"
	failed_on "$2"
	return 1
}

# The widest line of the pane in columns (every glyph the console draws is
# one column wide; UTF-8 continuation bytes are not counted).
pane_width() {
	pane "$1" | LC_ALL=C sed $'s/[\x80-\xbf]//g' |
		LC_ALL=C awk '{ if (length > w) w = length } END { print w + 0 }'
}

# The "N lines" count on a logs view's second row.
log_count() { row "$1" 2 | sed -n 's/.* \([0-9][0-9]*\) lines · .*/\1/p'; }
log_grew() { # TARGET N: more than N lines, and the screen changed
	local n
	n=$(log_count "$1")
	[ -n "$n" ] && [ "$n" -gt "$2" ] && [ "$(pane "$1" | sed '1,2d')" != "$3" ]
}

keys() { tm send-keys -t "$1" "${@:2}"; } # key names: Down Enter Escape p
text() { tm send-keys -t "$1" -l "$2"; }  # literal text

# bail WHY: a failure the rest cannot be checked after.
bail() {
	fail "$*; giving up"
	show_pane demo
	ks_finish
	exit 1
}

# ---- a tiny cluster whose logs carry escape sequences (for step 6) ----------
# Started first, so that its pod has logged plenty by the time it is used.

cat >"$T/esc.yaml" <<'EOF'
speed: 1
nodes: 1
users:
  - name: admin
    admin: true
    rules:
      - verbs: ["*"]
        resources: ["*"]
namespaces:
  - name: esc
    deployments:
      - name: evil
        replicas: 1
        image: registry.local/esc/evil:1.0.0
        readyAfter: 1s
        logs:
          rate: 4
          lines:
            - "INFO before the escapes"
            - "title \e]0;pwned\a end"
            - "clear \e[2J end"
            - "INFO after the escapes"
EOF
ks_start "$T/esc.yaml" --context esc || exit 1
echo "$KS_PID" >"$T/esc.pid"
ESC_KC=$KUBECONFIG
unset KUBECONFIG
ESC_REPO="$T/esc-repo"
mkdir -p "$ESC_REPO/manifests"
cat >"$ESC_REPO/opsdeck.yaml" <<'EOF'
environments:
  - name: test
    cluster: esc
services:
  - name: evil
    workload: deployment/evil
    namespace: esc
    version:
      file: manifests/evil.yaml
      document: {kind: Deployment, name: evil}
      path: "spec.template.spec.containers[name=evil].image"
      image: true
EOF
cat >"$ESC_REPO/manifests/evil.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: evil
  namespace: esc
spec:
  replicas: 1
  selector:
    matchLabels: {app: evil}
  template:
    metadata:
      labels: {app: evil}
    spec:
      containers:
        - name: evil
          image: registry.local/esc/evil:1.0.0
EOF
git -C "$ESC_REPO" init -q -b main
git -C "$ESC_REPO" add -A
git -C "$ESC_REPO" -c user.name=t -c user.email=t@t commit -qm "evil: 1.0.0"
check "lint passes the escape test's repo" "$OPSDECK" lint --repo "$ESC_REPO"

# ---- 1. the demo in a 160x48 tmux window -----------------------------------------

mkdir -p "$T/config" "$T/state" "$T/cache"
cat >"$T/tmux.conf" <<'EOF'
set -g remain-on-exit on
set -g status off
EOF
# What a new user's terminal has: a UTF-8 locale, xterm-256color, and no
# opsdeck settings yet (XDG folders of its own).
console_env="env -u LC_ALL -u LC_CTYPE -u OPSDECK_REPO LANG=C.UTF-8 TERM=xterm-256color"
console_env="$console_env XDG_CONFIG_HOME=$T/config XDG_STATE_HOME=$T/state XDG_CACHE_HOME=$T/cache"
note "starting the demo"
tm -f "$T/tmux.conf" new-session -d -s demo -x 160 -y 48 \
	"$console_env OPSDECK_DEMO_DIR=$DEMO_DIR BUILD=$BIN bash $ROOT/scripts/demo.sh; echo \$? >$T/demo.rc" ||
	bail "tmux did not start"
expect_eq "the window is 160x48" "$(tm display -p -t demo '#{pane_width}x#{pane_height}')" 160x48
H=48

# The first run generates the FinPay repo (about 10 s; more on a busy machine).
expect_pane "the demo opens the fleet" demo '^ fraud-detector +' 60 || bail "no fleet"
expect_row "the header names the fleet" demo 1 '^ opsdeck › fleet \(6 services, 3 environments\)'
expect_row "the status bar shows both clusters connected" demo $((H - 1)) \
	'● finpay-dev as admin +● finpay-prod as admin' 20
note "fleet shown"

# ---- 2. the walk -----------------------------------------------------------------
# A view that does not open ends the walk (the later steps do not need it).

walk() {
	# The second row tells the cell under the cursor; rows are services in
	# opsdeck.yaml's order, columns the environments.
	keys demo Down
	expect_row "Down moves to ledger-service" demo 3 '^ ledger-service/development: '
	keys demo Down
	expect_row "Down moves to fraud-detector" demo 3 '^ fraud-detector/development: '
	keys demo Right
	expect_row "Right moves to staging" demo 3 '^ fraud-detector/staging: ' || return
	keys demo Enter
	expect_row "Enter opens the cell" demo 1 '^ opsdeck › fraud-detector · staging *$' || return
	expect_pane "the cell shows the crash-loop" demo 'CrashLoopBackOff' 15

	keys demo p
	expect_row "p opens the pods" demo 1 '^ opsdeck › fraud-detector · staging · pods' || return
	expect_pane "the pod line says CrashLoopBackOff" demo \
		'^ fraud-detector-[a-z0-9]+-[a-z0-9]+ +0/1 +CrashLoopBackOff +[0-9]+' 15
	local pod
	pod=$(pane demo | sed -n 's/^ \(fraud-detector-[a-z0-9]*-[a-z0-9]*\) .*/\1/p' | head -n 1)

	keys demo l
	expect_row "l opens that pod's logs" demo 1 "^ opsdeck › logs · pod $pod/fraud-detector" || return
	expect_pane "the pod's log lines" demo '^INFO fraud-detector 1\.9\.0 starting \(pid 1\)$' 15
	expect_pane "its WARN line" demo '^WARN MODEL_REGISTRY_URL is not set' 15
	search_warn

	keys demo Escape
	expect_row "Esc goes back to the pods" demo 1 '^ opsdeck › fraud-detector · staging · pods' || return
	keys demo Escape
	expect_row "Esc goes back to the cell" demo 1 '^ opsdeck › fraud-detector · staging *$' || return
	keys demo e
	expect_row "e opens the events" demo 1 '^ opsdeck › fraud-detector · staging · events' || return
	expect_pane "the BackOff warning of fraud-detector" demo \
		'Warning +BackOff +pod/fraud-detector-[a-z0-9-]+ .*Back-off restarting failed container'
	keys demo h
	expect_row "h opens the history" demo 1 '^ opsdeck › fraud-detector · staging · history \(5 releases\)' || return
	expect_pane "the releases" demo '1\.8\.2 → 1\.9\.0 +Tomasz Nowak .*promote 1\.9\.0 to staging'
	expect_pane "down to the import" demo '- → 1\.6\.0 .*import Kustomize base and overlays'
	keys demo D
	expect_row "D asks for the other environment" demo $H 'against' || return
	text demo production
	keys demo Enter
	expect_row "Enter shows the diff against production" demo 1 '^ opsdeck › fraud-detector: staging vs production' || return
	expect_pane "a hunk" demo '^ @@ -[0-9]+(,[0-9]+)? \+[0-9]+(,[0-9]+)? @@'
	expect_pane "staging's line" demo '^ -    newTag: "1\.9\.0"$'
	expect_pane "production's line" demo '^ \+    newTag: "1\.8\.2"$'
}

# In the pod's log: / WARN Enter. tmux -e writes an SGR sequence wherever
# the look changes, so a match drawn unlike the rest of its line has one
# right after "WARN"; before the search there is none there.
warn_line() { tm capture-pane -p -e -t demo | grep -m 1 'WARN.*MODEL_REGISTRY_URL'; }
highlighted() { warn_line | grep -q $'WARN\e\\[[0-9;]*m'; }
search_warn() {
	local before
	before=$(warn_line)
	keys demo /
	expect_row "/ opens the search prompt" demo $H '^/' || return
	text demo WARN
	keys demo Enter
	if wait_until 10 highlighted; then
		pass "the match is drawn with another SGR than the rest of its line"
	else
		fail "the search did not highlight WARN"
		printf '    before: %q\n    after:  %q\n' "$before" "$(warn_line)"
	fi
	if [ "$before" != "$(warn_line)" ] && ! printf '%s' "$before" | grep -q $'WARN\e\\[[0-9;]*m'; then
		pass "and it is the search that draws it so"
	else
		fail "WARN looked the same before the search"
		printf '    before: %q\n' "$before"
	fi
	expect_pane "the WARN line is still visible" demo '^WARN MODEL_REGISTRY_URL'
}

WALKED=""
walk && WALKED=1
note "walked"

# ---- 3. resizing ----------------------------------------------------------------
# On the diff when the walk got there, else on whatever view is open.

tm resize-window -t demo -x 80 -y 24
expect_row "at 80x24 the status bar is on row 23" demo 23 '● finpay-dev as admin'
expect_eq "and the pane is 24 rows" "$(pane demo | wc -l)" 24
fits80() {
	[ "$(pane_width demo)" -le 80 ] &&
		{ [ -z "$WALKED" ] || row_has demo 3 '^ diff --git a/apps/fraud-detector/overlays/staging/kus'; }
}
if wait_until 10 fits80; then
	pass "no line is longer than 80 columns ($(pane_width demo))"
else
	fail "a line is $(pane_width demo) columns wide at 80x24"
	failed_on demo
fi
expect_row "the header is on row 1" demo 1 '^ opsdeck › '
tm resize-window -t demo -x 160 -y 48
expect_row "back at 160x48 the status bar is on row 47" demo 47 '● finpay-dev as admin'
expect_eq "the pane is 48 rows again" "$(pane demo | wc -l)" 48
if [ -n "$WALKED" ]; then
	expect_pane "the long lines are whole again" demo \
		'^ diff --git a/apps/fraud-detector/overlays/staging/kustomization.yaml b/apps/fraud-detector/overlays/production/kustomization.yaml$'
	expect_pane "and the diff fills the taller screen" demo 'FEATURE_STORE_URL, value: "feature-store.fraud-prod.svc:6566"'
fi

# ---- logs keep arriving (payments-api/staging logs a line a second a pod) --------

to_fleet() {
	keys demo F
	expect_row "$1" demo 1 '^ opsdeck › fleet' || bail "no fleet"
}

logs_arrive() {
	keys demo g # the first row, payments-api (a no-op when there already)
	expect_row "the cursor on payments-api/staging" demo 3 '^ payments-api/staging: ' || return
	keys demo l
	expect_row "l opens the cell's logs" demo 1 '^ opsdeck › logs · payments-api · staging' || return
	expect_pane "its lines" demo '^payments-api-[a-z0-9-]+ INFO ' 15 || return
	# Three times in a row the count grows and the screen changes (the
	# view follows).
	local counts n body i grown=0 t1=$SECONDS
	counts=$(log_count demo)
	for i in 1 2 3; do
		n=$(log_count demo)
		body=$(pane demo | sed '1,2d')
		if [ -z "$n" ] || ! wait_until 10 log_grew demo "$n" "$body"; then
			break
		fi
		grown=$i
		counts="$counts -> $(log_count demo)"
	done
	if [ "$grown" = 3 ]; then
		pass "new lines keep arriving ($counts lines over $((SECONDS - t1)) s)"
	else
		fail "no new log lines (count $counts)"
		failed_on demo
	fi
}

to_fleet "F goes to the fleet"
if [ -n "$WALKED" ]; then
	expect_row "the cursor is where it was" demo 3 '^ fraud-detector/staging: '
fi
logs_arrive

# ---- 4. drift on the screen within 2 s -------------------------------------------

to_fleet "F goes back to the fleet"
cell_re='^ payments-api +[^ ]+ 2\.15\.0 1/1 +[^ ]+ '
expect_pane "payments-api/staging runs 2.15.0, in sync" demo "$cell_re"'2\.15\.0 2/2 +[^ ]+ 2\.14\.1'
note "kubectl set image"
KUBECONFIG=$DEMO_KC kubectl --request-timeout=20s --context finpay-dev -n payments-stg set image \
	deployment/payments-api payments-api=registry.finpay.example/payments/payments-api:9.9.9 >"$T/set-image.out" 2>&1 ||
	{ fail "kubectl set image"; cat "$T/set-image.out"; }
# The clock starts when the API server has the change (kubectl returned);
# the screen is read every 100 ms.
t0=$(ms)
elapsed=""
while [ $(($(ms) - t0)) -lt 10000 ]; do
	if pane_has demo "$cell_re"'9\.9\.9 [0-9]+/[0-9]+ ≠'; then
		elapsed=$(($(ms) - t0))
		break
	fi
	sleep 0.1
done
if [ -z "$elapsed" ]; then
	fail "the drift did not show within 10 s"
	failed_on demo
elif [ "$elapsed" -le 2000 ]; then
	pass "the fleet shows 9.9.9 and ≠ ${elapsed} ms after kubectl set image"
else
	fail "the fleet showed the drift only after ${elapsed} ms (more than 2000)"
	show_pane demo
fi
echo "# drift-to-screen: ${elapsed:-none} ms"

# ---- 5. a cluster dies and comes back ----------------------------------------------

prod_port=$(sed -n 's|^ *server: https://127\.0\.0\.1:\([0-9][0-9]*\).*|\1|p' "$DEMO_DIR/kubeconfig-prod" | head -n 1)
prod_pid=$(pgrep -f -- "--kubeconfig-out $DEMO_DIR/kubeconfig-prod")
if [ -z "$prod_port" ] || [ -z "$prod_pid" ] || [ "$(printf '%s\n' "$prod_pid" | wc -l)" != 1 ]; then
	bail "cannot find finpay-prod's kubesim (pid '$prod_pid', port '$prod_port')"
fi
note "SIGKILL to finpay-prod (pid $prod_pid, port $prod_port)"
kill -KILL "$prod_pid"
expect_row "the status bar: finpay-prod is down or reconnecting, with the error" demo $((H - 1)) \
	'● finpay-dev as admin +(✖ finpay-prod down|↻ finpay-prod reconnecting): [^ ]' 15
expect_pane "production cells turn unknown" demo "$cell_re"'9\.9\.9 [0-9]+/[0-9]+ ≠ +[^ ]+ 2\.14\.1 [0-9]+/[0-9]+ \?$' 15
expect_row "and the status bar says it is down" demo $((H - 1)) '✖ finpay-prod down: ' 15

# The same address, scenario and TLS folder: the kubeconfig stays valid.
again_up() { grep -q '^kubesim: listening on ' "$T/again.out" || ! kill -0 "$AGAIN_PID"; }
start_again() {
	local i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		"$KUBESIM" --scenario "$ROOT/examples/finpay/kubesim/finpay-prod.yaml" --context finpay-prod \
			--listen "127.0.0.1:$prod_port" --tls-dir "$DEMO_DIR/tls-prod" \
			--kubeconfig-out "$T/kubeconfig-prod-again" </dev/null >"$T/again.out" 2>"$T/again.err" &
		AGAIN_PID=$!
		echo "$AGAIN_PID" >"$T/again.pid"
		wait_until 10 again_up && grep -q '^kubesim: listening on ' "$T/again.out" && return 0
		kill "$AGAIN_PID" 2>/dev/null
		wait "$AGAIN_PID" 2>/dev/null
		AGAIN_PID=""
		sleep 0.5 # the port may still be held a moment; try again
	done
	cat "$T/again.err"
	return 1
}
note "finpay-prod again on port $prod_port"
start_again || bail "kubesim did not start again on 127.0.0.1:$prod_port"
recovered=$SECONDS
expect_eq "the restarted cluster writes the same kubeconfig" \
	"$(cmp -s "$T/kubeconfig-prod-again" "$DEMO_DIR/kubeconfig-prod" && echo same)" same
expect_row "the status bar: finpay-prod connected again" demo $((H - 1)) \
	'● finpay-dev as admin +● finpay-prod as admin' 30
prod_filled() {
	pane demo | sed -n '4,9p' >"$T/fleet-rows"
	grep -Eq "$cell_re"'9\.9\.9 2/2 ≠ +● 2\.14\.1 3/3$' "$T/fleet-rows" && ! grep -q '?$' "$T/fleet-rows"
}
if wait_until 30 prod_filled; then
	pass "the production column fills again by itself ($((SECONDS - recovered)) s after the restart)"
else
	fail "the production column did not recover"
	failed_on demo
fi
note "recovered"

# ---- 6. escape sequences from a log never reach the terminal ------------------------

title() { tm display -p -t "$1" '#{pane_title}'; }

# A control first: tmux does take a pane's title from OSC 0.
tm new-session -d -s probe -x 80 -y 24 "printf '\\033]0;probe-title\\007'; exec sleep 30"
probe_title() { [ "$(title probe)" = probe-title ]; }
check "tmux sets a pane's title from OSC 0 (the control)" wait_until 10 probe_title
tm kill-session -t probe

escapes() {
	tm new-session -d -s esc -x 120 -y 30 \
		"$console_env KUBECONFIG=$ESC_KC $OPSDECK --repo $ESC_REPO; echo \$? >$T/esc.rc"
	local title0 n1
	title0=$(title esc)
	expect_pane "the console on the escape cluster" esc '^ evil +● 1\.0\.0 1/1' 20 || return
	keys esc p
	expect_pane "its pod" esc '^ evil-[a-z0-9]+-[a-z0-9]+ +1/1 +Running' || return
	keys esc l
	expect_row "that pod's logs" esc 1 '^ opsdeck › logs · pod evil-' || return
	expect_pane "OSC 0 is drawn as ^[]0;pwned^G" esc '^title \^\[\]0;pwned\^G end$'
	expect_pane "CSI 2J is drawn as ^[[2J" esc '^clear \^\[\[2J end$'
	n1=$(log_count esc)
	if [ -n "$n1" ] && wait_until 10 log_grew esc $((n1 + 8)) ""; then
		pass "more of them arrive ($n1 -> $(log_count esc) lines)"
	else
		fail "the escape lines stopped ($n1 -> $(log_count esc))"
		show_pane esc
	fi
	expect_eq "the pane's title is unchanged" "$(title esc)" "$title0"
	expect_no_match "and is not pwned" "$(title esc)" pwned
	expect_row "the screen was not cleared: the header" esc 1 '^ opsdeck › logs · pod evil-'
	expect_row "the screen was not cleared: the status bar" esc 29 '● esc as admin'
	expect_no_match "no raw escape byte in the pane's text" "$(pane esc)" $'\e'
	# The pod view's live manifest has the lines in an annotation.
	keys esc Escape
	expect_row "back to the pods" esc 1 '^ opsdeck › evil · test · pods' || return
	keys esc Enter
	expect_row "Enter opens the pod" esc 1 '^ opsdeck › pod evil-' || return
	keys esc /
	expect_row "/ opens the search prompt" esc 30 '^/' || return
	text esc log-lines
	keys esc Enter
	expect_pane "the search finds the log-lines annotation" esc 'sim\.kubesim\.io/log-lines'
	# YAML's own escapes there (a double-quoted scalar): no raw byte either.
	expect_pane "with the escapes written as YAML escapes" esc \
		'log-lines: ".*title \\e\]0;pwned\\a end\\nclear \\e\[2J end'
	expect_no_match "no raw escape byte in the pod view" "$(pane esc)" $'\e'
	expect_eq "the title is still unchanged" "$(title esc)" "$title0"
	expect_row "and the status bar is there" esc 29 '● esc as admin'
	keys esc Q
	# The status from a file: tmux 3.3 sometimes reaps a pane's process
	# only at its next SIGCHLD, so #{pane_dead_status} may stay empty.
	if wait_until 10 test -s "$T/esc.rc"; then
		pass "Q ends that console"
		expect_eq "with status 0" "$(cat "$T/esc.rc")" 0
	else
		fail "Q did not end that console"
		show_pane esc
	fi
}
note "a console on the escape cluster"
escapes
tm kill-session -t esc 2>/dev/null

# ---- 7. Q ends the demo and its clusters --------------------------------------------

keys demo Q
if wait_until 15 test -s "$T/demo.rc"; then
	expect_eq "Q ends the demo with status 0" "$(cat "$T/demo.rc")" 0
else
	fail "the demo did not end within 15 s of Q"
	show_pane demo
fi
kill -TERM "$AGAIN_PID" 2>/dev/null
wait "$AGAIN_PID" 2>/dev/null
AGAIN_PID=""
if demo_clusters_gone; then
	pass "no kubesim of the demo is left"
else
	fail "kubesims of the demo still run: $(demo_clusters | tr '\n' ' ')"
fi
tm kill-server 2>/dev/null
note "done"
ks_finish
