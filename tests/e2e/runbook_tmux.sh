#!/usr/bin/env bash
# The restart of a service in staging, in the console, in a real terminal,
# as a new user would do it: the FinPay clusters and repo (finpay_start), a
# tmux window at 120x36 with fresh XDG folders, keys in with `tmux
# send-keys`, the screen read with `tmux capture-pane`. Every wait polls
# the pane with a timeout and prints the pane when it gives up.
#
#  1. the console opens on the fleet; U and L: no run is logged on this
#     machine yet, which the audit view says without an error;
#  2. payments-api in staging (Right, Enter) -> r: the runbooks that apply
#     there, restart-service among them with its gate;
#  3. Enter on restart-service: its variable (reason) is asked on the
#     prompt with its help; an empty answer is said and asked again; then
#     the run view with its plan (the reason among the values) and the gate
#     question (staging asks y/n, or the environment's name when the repo
#     has a confirm gate there); a wrong answer is said and asked again,
#     then the right one;
#  4. the live progress: the steps turn from pending to succeeded, the run
#     to SUCCEEDED;
#  5. U: the audit view shows the run (id, restart-service, staging,
#     payments-api, succeeded); Enter opens it again; the filter keeps it
#     or hides it;
#  6. the cluster agrees: `kubectl rollout status` is done, the pod
#     template has a new restartedAt annotation, `kubectl get events`
#     shows opsdeck's events naming the run, the run record is in the
#     opsdeck namespace, and the local audit log (0600) has it;
#  7. L in the audit view: this machine's log instead of the clusters. A
#     run only the log knows (junior's restart in production from the
#     command line, refused up front by policy.yaml, so no cluster has a
#     record of it) is absent from the clusters' list and present in the
#     log's, refused; with lines that cannot be read appended, the title
#     counts them; a record with control bytes in its runbook name has
#     them drawn as text; the filter and Enter (its record, read from the
#     log) work there; L goes back;
#  8. a production restart (Up recalls the reason given before) waits for
#     a second person; in the operator's approvals view (A) it is marked as
#     theirs and a refuses to approve it;
#  9. the approver, in a second console with their own kubeconfig and XDG
#     folders: A lists the run, Enter unfolds its plan, a and "yes"
#     approve it; meanwhile the operator's audit view, showing the local
#     log, follows the run to succeeded with the approver, without a key
#     pressed;
# 10. Q ends the console with status 0.
# The tmux server has its own socket (-L) and is killed on exit.
. "$(dirname "$0")/lib.sh"
command -v tmux >/dev/null || { echo "tmux is not installed"; exit 1; }
command -v kubectl >/dev/null || { echo "kubectl is not installed"; exit 1; }
for b in opsdeck kubesim; do
	[ -x "$ROOT/$BUILD/$b" ] || { echo "$ROOT/$BUILD/$b is not built"; exit 1; }
done
# The binary as it is now: a `make` elsewhere may relink it while this runs.
BIN="$T/bin"
mkdir -p "$BIN"
cp "$ROOT/$BUILD/opsdeck" "$BIN/" || exit 1
OPSDECK="$BIN/opsdeck"
"$OPSDECK" help >/dev/null 2>&1 || { echo "$ROOT/$BUILD/opsdeck does not run (being rebuilt?)"; exit 1; }
unset TMUX TMUX_PANE

TS="opsdeck-rb-$$-$RANDOM" # the tmux server's socket name
TS_PATH="${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$TS"
tm() { tmux -L "$TS" "$@"; }

rb_cleanup() {
	tm kill-server 2>/dev/null
	rm -f "$TS_PATH"
	[ -n "${PROD_PID:-}" ] && kill "$PROD_PID" 2>/dev/null
	ks_cleanup
}
trap rb_cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

note() { echo "# $* (at ${SECONDS}s)"; }

# ---- reading and waiting for the screen ---------------------------------------

# PANE: the console being driven (rb, the operator's; ap, the approver's)
PANE=rb
pane() { tm capture-pane -p -t "$PANE"; }
show_pane() {
	echo "    --- the pane ($PANE) ---"
	tm capture-pane -p -t "$PANE" 2>&1 | sed -e 's/^/    |/'
}
pane_has() { pane | grep -Eq -- "$1"; }
pane_lacks() { ! pane_has "$1"; }
last_row() { pane | sed -n "${H}p"; }
last_row_has() { last_row | grep -Eq -- "$1"; }

# expect_pane NAME REGEX [SECONDS]: some line of the pane matches.
expect_pane() {
	if wait_until "${3:-10}" pane_has "$2"; then
		pass "$1"
		return 0
	fi
	fail "$1 (wanted /$2/ within ${3:-10} s)"
	show_pane
	return 1
}

# expect_prompt NAME REGEX [SECONDS]: the bottom row (prompts, messages).
expect_prompt() {
	if wait_until "${3:-10}" last_row_has "$2"; then
		pass "$1"
		return 0
	fi
	fail "$1 (wanted the bottom row /$2/ within ${3:-10} s)"
	show_pane
	return 1
}

bail() {
	fail "$*; giving up"
	show_pane
	ks_finish
	exit 1
}

keys() { tm send-keys -t "$PANE" "$@"; }
text() { tm send-keys -t "$PANE" -l "$1"; }

# ---- the clusters and the repo -------------------------------------------------

note "starting the FinPay clusters"
finpay_start || bail "the FinPay example did not start"
# finpay_start sets its own EXIT trap (production's kubesim, then
# ks_cleanup): ours does both and also ends the tmux server
trap rb_cleanup EXIT
STARTED=$(date +%s)
# restart-service must be in the repo (runbooks/ at the tracked commit)
"$OPSDECK" runbook list --repo "$REPO" --env staging 2>&1 | grep -q '^restart-service ' ||
	bail "the FinPay repo has no restart-service runbook"
before=$(kubectl get deploy payments-api -n payments-stg --context finpay-dev \
	-o jsonpath='{.spec.template.metadata.annotations.kubectl\.kubernetes\.io/restartedAt}')

# ---- 1. the console --------------------------------------------------------------

cat >"$T/tmux.conf" <<'EOF'
set -g remain-on-exit on
set -g status off
EOF
H=36
console_env="env -u LC_ALL -u LC_CTYPE -u OPSDECK_REPO LANG=C.UTF-8 TERM=xterm-256color"
console_env="$console_env KUBECONFIG=$KUBECONFIG HOME=$HOME"
console_env="$console_env XDG_CONFIG_HOME=$XDG_CONFIG_HOME XDG_STATE_HOME=$XDG_STATE_HOME XDG_CACHE_HOME=$XDG_CACHE_HOME"
tm -f "$T/tmux.conf" new-session -d -s rb -x 120 -y $H \
	"$console_env $OPSDECK --repo $REPO; echo \$? >$T/console.rc" ||
	bail "tmux did not start"
expect_pane "the console opens the fleet" '^ payments-api +●' 30 || bail "no fleet"
expect_pane "both clusters are connected" '● finpay-dev as admin +● finpay-prod as admin' 20
# Nothing has run on this machine yet: the audit view's L says so.
keys U
expect_pane "U opens the audit view" '^ opsdeck › audit \(0 runs on 2 clusters\)' || bail "no audit view"
keys ?
expect_pane "its help lists L, from the keymap" "^ L +audit-source +switch between the clusters' runs and this machine's log"
keys Escape
keys L
expect_pane "L: no log on this machine yet is said as such, not as an error" \
	"^ opsdeck › audit \(0 runs in this machine's log\)"
expect_pane "in the list" '^ +no runs recorded on this machine yet'
keys L Escape
expect_pane "L and Esc: back on the fleet" '^ payments-api +●' || bail "not back on the fleet"

# ---- 2. the cell, and its runbooks -------------------------------------------------

note "payments-api in staging"
keys Right Enter
expect_pane "Enter opens the cell" '^ opsdeck › payments-api · staging' || bail "no cell"
keys r
expect_pane "r opens the runbooks of the cell" '^ opsdeck › runbooks · payments-api · staging' ||
	bail "no runbooks view"
expect_pane "the runbooks view lists restart-service with its scope and gate" \
	'^ +restart-service +cell +(none|confirm) +Restart a service'
expect_pane "and the environment runbooks (health-check)" '^ +health-check +environment '

# The cursor starts on the first runbook: Down to restart-service.
first=$(pane | grep -nE '^ +RUNBOOK +SCOPE +GATE' | head -1 | cut -d: -f1)
target=$(pane | grep -nE '^ +restart-service +cell ' | head -1 | cut -d: -f1)
[ -n "$first" ] && [ -n "$target" ] || bail "cannot find restart-service's row"
for _ in $(seq $((target - first - 1))); do keys Down; done

# ---- 3. Enter: the plan and the gate -------------------------------------------------

note "restart-service"
keys Enter
expect_prompt "Enter asks for the runbook's variable on the prompt" '^ ?Why restart it:( |$)' ||
	bail "no prompt for the reason"
expect_pane "with its help above" 'recorded with the run, e.g. "INC-4711 stale database connections"'
keys Enter
expect_pane "an empty answer is said and asked again" 'reason: the value is empty \(a value is required\)'
expect_prompt "the same question again" '^ ?Why restart it:( |$)'
text "INC-4711 stale connections"
keys Enter
expect_pane "Enter starts the run: the run view opens" \
	'^ opsdeck › run · restart-service · staging · payments-api' || bail "no run view"
expect_pane "the run view shows the plan" '^ +runbook +restart-service' 15
expect_pane "with the reason among its values" '^ +reason = INC-4711 stale connections$' 
expect_pane "and the steps, pending" '○ restart +pending +rollout-restart deployment/payments-api in payments-stg'
RUN_ID=$(pane | sed -n 's/.* run \([0-9]\{8\}-[0-9]\{6\}-[0-9a-f]\{6\}\) *$/\1/p' | head -1)
expect_match "the header names the run" "$RUN_ID" '^[0-9]{8}-[0-9]{6}-[0-9a-f]{6}$'
expect_prompt "the gate asks on the prompt" "Run it\? \(y/n\)|Type the environment's name" 20 ||
	bail "no gate question"
if last_row_has "Type the environment's name"; then
	# an older FinPay repo: staging asks for its name
	text "stagin"
	keys Enter
	expect_prompt "a wrong name is said and asked again" "That is not the environment's name"
	text "staging"
else
	text "maybe"
	keys Enter
	expect_prompt "an answer that is not y or n is asked again" 'Answer y or n'
	text "y"
fi
keys Enter

# ---- 4. live progress ----------------------------------------------------------------

note "confirmed"
if wait_until 20 pane_has 'RUNNING|SUCCEEDED'; then
	pass "the run goes (RUNNING or done)"
else
	fail "the run does not start"
	show_pane
fi
expect_pane "the run succeeds" ' SUCCEEDED *$' 60 || bail "the run did not succeed"
expect_pane "the restart step succeeded" '✓ restart +succeeded +restarted deployment payments-api'
expect_pane "the wait step saw the rollout" '✓ wait +succeeded +deployment "payments-api" successfully rolled out'
expect_pane "the health step passed" '✓ health +succeeded '
expect_pane "the message says so" '^ every step succeeded'
expect_pane "the output holds the steps' lines" '^ (wait|health) +'
note "succeeded"

# ---- 5. the audit view ---------------------------------------------------------------

keys U
expect_pane "U opens the audit view" '^ opsdeck › audit \(' || bail "no audit view"
expect_pane "the audit view shows the run: runbook, staging, service, operator, succeeded" \
	"$RUN_ID +restart-service +staging +payments-api +admin +- +succeeded " 15
keys Enter
expect_pane "Enter on it opens its run view again" "run $RUN_ID *\$"
keys Escape
expect_pane "Esc goes back to the audit view" '^ opsdeck › audit \('
text "|admin"
keys Enter
expect_pane "the filter keeps it" "$RUN_ID +restart-service"
text "|db-migration"
keys Enter
expect_pane "a filter that matches no run hides it" 'no line matches the filter'

# ---- 6. what the cluster says ----------------------------------------------------------

check "kubectl rollout status sees payments-api rolled out" \
	kubectl rollout status deploy/payments-api -n payments-stg --context finpay-dev --timeout=30s
after=$(kubectl get deploy payments-api -n payments-stg --context finpay-dev \
	-o jsonpath='{.spec.template.metadata.annotations.kubectl\.kubernetes\.io/restartedAt}')
if [ -n "$after" ] && [ "$after" != "$before" ]; then
	pass "the pod template has a new restartedAt annotation ($after)"
else
	fail "the restartedAt annotation did not change ('$before' -> '$after')"
fi
at=$(date -d "$after" +%s 2>/dev/null || echo 0)
if [ "$at" -ge $((STARTED - 5)) ]; then
	pass "the restart happened during this test"
else
	fail "restartedAt $after is older than the test"
fi
events=$(kubectl get events -n payments-stg --context finpay-dev 2>&1)
expect_match "kubectl get events shows opsdeck's events on the deployment" \
	"$events" "OpsdeckRunbookStep.*deployment/payments-api"
expect_match "they name the runbook, the run and the operator" \
	"$events" "opsdeck runbook restart-service, run $RUN_ID, by admin"
record=$(kubectl get cm "run-$RUN_ID" -n opsdeck --context finpay-dev \
	-o jsonpath='{.metadata.labels.opsdeck\.io/state}' 2>&1)
expect_eq "the run record in the opsdeck namespace says succeeded" "$record" succeeded
log="$XDG_STATE_HOME/opsdeck/audit.jsonl"
if [ -f "$log" ] && grep -q "$RUN_ID" "$log"; then
	pass "the local audit log has the run"
else
	fail "the local audit log ($log) has no line about run $RUN_ID"
fi
expect_eq "the local audit log is 0600" "$(stat -c %a "$log" 2>/dev/null)" 600

# ---- 7. this machine's log --------------------------------------------------------------

note "this machine's log"
# kubeconfig_as USER: a kubeconfig whose contexts finpay-dev and
# finpay-prod hold USER's credentials
kubeconfig_as() {
	kubectl config view --flatten >"$T/kubeconfig-$1" &&
		kubectl config set-context finpay-dev --user "finpay-dev-$1" \
			--kubeconfig "$T/kubeconfig-$1" >/dev/null &&
		kubectl config set-context finpay-prod --user "finpay-prod-$1" \
			--kubeconfig "$T/kubeconfig-$1" >/dev/null
}
kubeconfig_as junior && kubeconfig_as approver || bail "cannot write the users' kubeconfigs"
# A run only this machine knows: junior's restart in production, refused
# up front by policy.yaml, from the command line on this machine (same
# XDG_STATE_HOME): nothing reaches a cluster, the local log has it.
KUBECONFIG="$T/kubeconfig-junior" timeout 60 "$OPSDECK" runbook run restart-service \
	--env production --service payments-api --var "reason=INC-4711" --yes --repo "$REPO" \
	>"$T/junior.out" 2>&1
expect_eq "junior's restart in production is refused (exit 1)" $? 1
REFUSED_ID=$(json_tsv lines record.id record.operator.username record.state <"$log" |
	awk -F'\t' '$2 == "junior" && $3 == "refused" { id = $1 } END { print id }')
expect_match "the local log has it, refused" "$REFUSED_ID" '^[0-9]{8}-[0-9]{6}-[0-9a-f]{6}$'
expect_eq "no cluster has a record of it" \
	"$(kubectl get cm -n opsdeck --context finpay-prod --no-headers 2>/dev/null | grep -c "$REFUSED_ID")" 0
# Lines that cannot be read (not JSON; a half-written one), and a record
# whose runbook name carries terminal control sequences.
now_t=$(date -u +%Y-%m-%dT%H:%M:%SZ)
HOSTILE_ID="$(date -u +%Y%m%d-%H%M%S)-000fff"
{
	echo 'not a line of the audit log'
	printf '{"time":"%s","event":"finished","record":{"id":"%s","runbook":"evil\\u001b[7mname\\u0007","environment":"staging","cluster":"finpay-dev","service":"payments-api","operator":{"username":"mallory"},"state":"failed","message":"\\u001b[2J","started":"%s"}}\n' \
		"$now_t" "$HOSTILE_ID" "$now_t"
	printf '{"time":"%s","event":"fin\n' "$now_t"
} >>"$log"

text "|"
keys Enter
expect_pane "an empty filter shows the clusters' runs again" "$RUN_ID +restart-service +staging"
expect_no_match "the run only the log knows is not in the clusters' list" "$(pane)" "$REFUSED_ID"
keys L
expect_pane "L shows this machine's log: the title says so and counts the lines it could not read" \
	"^ opsdeck › audit \([0-9]+ runs in this machine's log; 2 lines could not be read\)" ||
	bail "no local audit list"
expect_pane "the refused run is there: restart-service, production, junior, refused" \
	"$REFUSED_ID +restart-service +production +payments-api +junior +- +refused "
expect_pane "and this console's run, as the log's last line of it has it" \
	"$RUN_ID +restart-service +staging +payments-api +admin +- +succeeded "
expect_pane "control bytes from the log are drawn as text" \
	"$HOSTILE_ID +evil\^\[\[7mname\^G +staging"
text "|junior"
keys Enter
if wait_until 10 pane_lacks "$RUN_ID"; then
	pass "the filter works on the log's rows: |junior hides admin's run"
else
	fail "|junior did not hide $RUN_ID in the log's list"
	show_pane
fi
expect_pane "and keeps junior's" "$REFUSED_ID +restart-service"
keys g Enter
expect_pane "Enter opens its record, read from the log" \
	"^ opsdeck › run $REFUSED_ID in this machine's log" || bail "no record from the log"
expect_pane "its state" '^ state +refused'
expect_pane "why" '^ message +policy.yaml: junior may run restart-service only in development, staging \(rule "juniors-outside-production'
expect_pane "who" '^ operator +junior \(groups developers'
expect_pane "each step, skipped" '^ +1\. restart +rollout-restart +skipped'
keys G
expect_pane "and that the log keeps no plan" "the local log keeps no plan text"
keys Escape
expect_pane "Esc goes back to the log's list" "^ opsdeck › audit \([0-9]+ runs in this machine's log"
text "|"
keys Enter
keys L
expect_pane "L again: the clusters' runs" '^ opsdeck › audit \([0-9]+ runs on 2 clusters\)'
expect_pane "with this console's run" "$RUN_ID +restart-service +staging +payments-api +admin "
if wait_until 10 pane_lacks "$REFUSED_ID"; then
	pass "and without the run only the log knows"
else
	fail "$REFUSED_ID is in the clusters' list"
	show_pane
fi

# ---- 8. the log follows this console's runs ------------------------------------------------

note "a production restart, watched in the log"
keys :
text "runbooks payments-api production"
keys Enter
expect_pane ":runbooks opens the runbooks of payments-api in production" \
	'^ opsdeck › runbooks · payments-api · production' || bail "no runbooks view"
# rows in production wear its mark (▲)
expect_pane "restart-service needs a second person there" '^(▲)? +restart-service +cell +second-person '
first=$(pane | grep -nE '^ +RUNBOOK +SCOPE +GATE' | head -1 | cut -d: -f1)
target=$(pane | grep -nE '^(▲)? +restart-service +cell ' | head -1 | cut -d: -f1)
[ -n "$first" ] && [ -n "$target" ] || bail "cannot find restart-service's row"
for _ in $(seq $((target - first - 1))); do keys Down; done
keys Enter
expect_prompt "the reason is asked" '^ ?Why restart it:( |$)' || bail "no prompt for the reason"
keys Up
expect_prompt "Up brings back the reason given before (a history per variable)" \
	'^ ?Why restart it: INC-4711 stale connections'
keys Enter
expect_pane "Enter starts the run" '^ opsdeck › run · restart-service · production · payments-api' ||
	bail "no run view"
expect_prompt "the gate asks" "Run it\? \(y/n\)|Type the environment's name" 20 || bail "no gate question"
if last_row_has "Type the environment's name"; then
	text "production"
else
	text "y"
fi
keys Enter
expect_pane "the run waits for a second person" 'WAITING' 30 || bail "the run does not wait for approval"
PROD_ID=$(pane | sed -n 's/.* run \([0-9]\{8\}-[0-9]\{6\}-[0-9a-f]\{6\}\) *$/\1/p' | head -1)
expect_match "the header names the run" "$PROD_ID" '^[0-9]{8}-[0-9]{6}-[0-9a-f]{6}$'
keys U
expect_pane "U opens the audit view" '^ opsdeck › audit \([0-9]+ runs on 2 clusters\)'
keys L
expect_pane "in the log, the run waits for approval" \
	"$PROD_ID +restart-service +production +payments-api +admin +- +waiting-approval "
keys A
expect_pane "A: the approvals view has the run" "^(▸|>) +$PROD_ID +restart-service +production +payments-api +admin "
expect_pane "marked as the operator's own" "$PROD_ID .* admin +[0-9]+s +yours"
keys a
expect_pane "the operator cannot approve it" "you asked for run $PROD_ID: another person must approve it"
keys Escape
expect_pane "Esc: back to the audit view (the log)" "^ opsdeck › audit \([0-9]+ runs in this machine's log"

# ---- 9. the approver, in a console of their own ----------------------------------------------

note "the approver's console"
mkdir -p "$T/ap/config" "$T/ap/state" "$T/ap/cache"
ap_env="env -u LC_ALL -u LC_CTYPE -u OPSDECK_REPO LANG=C.UTF-8 TERM=xterm-256color"
ap_env="$ap_env KUBECONFIG=$T/kubeconfig-approver HOME=$HOME"
ap_env="$ap_env XDG_CONFIG_HOME=$T/ap/config XDG_STATE_HOME=$T/ap/state XDG_CACHE_HOME=$T/ap/cache"
tm new-session -d -s ap -x 120 -y $H "$ap_env $OPSDECK --repo $REPO; echo \$? >$T/approver.rc" ||
	bail "tmux did not start the approver's console"
PANE=ap
expect_pane "the approver's console opens" '● finpay-dev as approver +● finpay-prod as approver' 30 ||
	bail "no approver console"
keys A
expect_pane "A: the run waits for the approver" \
	"^(▸|>) +$PROD_ID +restart-service +production +payments-api +admin +[0-9]+s +a/R" 20 ||
	bail "the run is not in the approver's approvals view"
keys Enter
expect_pane "Enter unfolds its plan: what the approver approves" '^ +reason = INC-4711 stale connections$'
expect_pane "with its steps" 'rollout-restart deployment/payments-api in payments-prod'
keys a
expect_prompt "a asks to type yes" "Approve run $PROD_ID \(restart-service in production\)\? type yes:" ||
	bail "no approval question"
text "yes"
keys Enter
expect_prompt "the decision is said" "approved run $PROD_ID: it starts on its operator's opsdeck" 20
expect_pane "and the run leaves the approver's list" '^ opsdeck › approvals \(0 waiting\)' 20
keys Q
wait_until 10 test -s "$T/approver.rc" && expect_eq "the approver's console ends with status 0" \
	"$(cat "$T/approver.rc")" 0
PANE=rb
expect_pane "with no key pressed, the log's list follows the run to its end" \
	"$PROD_ID +restart-service +production +payments-api +admin +approver +succeeded " 120
expect_pane "still the log's list" "^ opsdeck › audit \([0-9]+ runs in this machine's log; 2 lines could not be read\)"

# ---- 10. Q --------------------------------------------------------------------------------

keys Q
if wait_until 10 test -s "$T/console.rc"; then
	expect_eq "Q ends the console with status 0" "$(cat "$T/console.rc")" 0
else
	fail "the console did not end on Q"
	show_pane
fi
note "done"
ks_finish
