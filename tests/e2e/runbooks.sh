#!/usr/bin/env bash
# The runbook commands (runbook, approve, audit) on the FinPay example: its
# generated config repo and its two kubesim clusters, with the scenarios'
# own identities (admin, approver, viewer, junior) as each cluster
# authenticates them. kubectl is the judge of what happened in the
# clusters: the restart it sees, the Job, the events, the records and
# once-keys in namespace opsdeck. Covered: the catalog as lint, list and
# show see it; a restart in staging as junior; the same in production
# refused up front by policy.yaml; a production migration that waits for a
# second person (the requester and a read-only user cannot approve, the
# approver can), runs its Job and leaves both identities in the audit; the
# same migration refused the second time and, started twice at once, run
# once; missing and bad variables and a wrong confirmation; a run killed
# with SIGKILL (interrupted: waiting, and in the middle of a step) and
# with SIGTERM (aborted); a read-only user refused up front with the
# missing permission; a rejection; shell metacharacters that reach a
# script verbatim and run nothing; a secret that reaches a script and
# nothing else; the local audit log.
. "$(dirname "$0")/lib.sh"
command -v kubectl >/dev/null || { echo "kubectl is not installed"; exit 1; }
OPSDECK="$ROOT/$BUILD/opsdeck"
[ -x "$OPSDECK" ] || { echo "$OPSDECK is not built"; exit 1; }
# Nothing is typed at a terminal here: a prompt must never wait.
exec </dev/null
finpay_start || exit 1

k() { kubectl --request-timeout=20s "$@"; }
# op ARGS...: opsdeck on the FinPay repo, never longer than a minute (a
# SIGTERM from timeout aborts a run cleanly, so a hang fails, not hangs).
op() { timeout 60 "$OPSDECK" "$@" --repo "$REPO"; }
# as USER COMMAND...: the command with a kubeconfig whose contexts
# finpay-dev and finpay-prod (the names the model's environments use) hold
# USER's credentials.
as() {
	local u=$1
	shift
	KUBECONFIG="$T/kubeconfig-$u" "$@"
}
section() { echo "# $1 (at ${SECONDS}s)"; }

BG_PIDS=()
# Only those still running as this shell's jobs: a pid that was waited for
# may belong to someone else by now.
rb_cleanup() {
	local p live
	live=" $(jobs -pr | tr '\n' ' ') "
	for p in "${BG_PIDS[@]}"; do
		case $live in *" $p "*) ;; *) continue ;; esac
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	kill "$PROD_PID" 2>/dev/null
	ks_cleanup
}
trap rb_cleanup EXIT
trap 'exit 130' INT TERM

# bg OUT ERR [STDIN] -- ARGS...: opsdeck in the background on the FinPay
# repo; sets BG (its pid, which is opsdeck's own, so that signals reach it).
bg() {
	local out=$1 err=$2 in=/dev/null
	shift 2
	if [ "$1" != -- ]; then
		in=$1
		shift
	fi
	shift
	"$OPSDECK" "$@" --repo "$REPO" <"$in" >"$out" 2>"$err" &
	BG=$!
	BG_PIDS+=("$BG")
}

# wait_exit PID SECONDS: its exit status; 124 (after SIGKILL) when it did
# not end in time.
wait_exit() {
	local deadline=$((SECONDS + $2))
	while kill -0 "$1" 2>/dev/null && [ $SECONDS -lt $deadline ]; do
		sleep 0.1
	done
	if kill -0 "$1" 2>/dev/null; then
		kill -KILL "$1" 2>/dev/null
		wait "$1" 2>/dev/null
		return 124
	fi
	wait "$1" 2>/dev/null
}

# The run id of the first "run ID: STATE:" line of a file.
run_id_in() {
	sed -n "s/^run \([0-9a-f-]*\): $2:.*/\1/p" "$1" | head -n 1
}

# The ConfigMap that is the claim of a once-key (store.h: "once-" and the
# Git blob hash of the key).
once_cm() { printf 'once-%s' "$(printf '%s' "$1" | git hash-object --stdin)"; }

# events CONTEXT NAMESPACE-ARGS...: kind, name, reason and message of every
# event, one a line.
events() {
	local ctx=$1
	shift
	k get events --context "$ctx" "$@" --no-headers \
		-o custom-columns=KIND:.involvedObject.kind,NAME:.involvedObject.name,REASON:.reason,MESSAGE:.message
}

# Records in the clusters, as the audit command gives them (JSON array).
audit_rows() { op audit --json | json_tsv doc "$@"; }

STATE="$XDG_STATE_HOME/opsdeck"
LOG="$STATE/audit.jsonl"

# ---- identities ------------------------------------------------------------------

section identities
for u in junior approver viewer; do
	kubectl config view --flatten >"$T/kubeconfig-$u" &&
		kubectl config set-context finpay-dev --user "finpay-dev-$u" \
			--kubeconfig "$T/kubeconfig-$u" >/dev/null &&
		kubectl config set-context finpay-prod --user "finpay-prod-$u" \
			--kubeconfig "$T/kubeconfig-$u" >/dev/null ||
		{ echo "cannot write $u's kubeconfig"; exit 1; }
	for ctx in finpay-dev finpay-prod; do
		expect_eq "the cluster knows $u on $ctx" \
			"$(as "$u" k auth whoami --context "$ctx" -o jsonpath='{.status.userInfo.username}' 2>&1)" "$u"
	done
done
expect_eq "and admin as admin" \
	"$(k auth whoami --context finpay-prod -o jsonpath='{.status.userInfo.username}' 2>&1)" admin

# ---- 1. the catalog ------------------------------------------------------------------

section catalog
out=$(op lint 2>&1)
expect_eq "lint passes the FinPay repo" $? 0
expect_match "lint counts the runbooks" "$out" ", 4 runbooks;"
expect_no_match "lint has nothing to say about them" "$out" "runbooks/.*:[0-9]+:[0-9]+:"

out=$(op runbook list 2>&1)
expect_eq "runbook list exits 0" $? 0
expect_match "list: restart-service everywhere, approval as the environments'" "$out" \
	"^restart-service +cell +development,staging,production +none,none,second-person +Restart a service"
expect_match "list: db-migration in staging and production" "$out" \
	"^db-migration +cell +staging,production +confirm,second-person +Database migration"
expect_match "list: health-check" "$out" "^health-check +environment +development,staging,production "
expect_match "list: announce" "$out" "^announce +environment +development,staging,production "
expect_eq "list --env development leaves db-migration out" \
	"$(op runbook list --env development | awk 'NR > 1 {print $1}' | sort | tr '\n' ' ')" \
	"announce health-check restart-service "

json=$(op runbook list --json)
expect_eq "list --json exits 0" $? 0
expect_eq "list --json: the gates per environment" \
	"$(printf '%s\n' "$json" | json_tsv doc name approval.development approval.staging approval.production | sort)" \
	"$(printf '%s\t%s\t%s\t%s\n' announce none none second-person \
		db-migration '' confirm second-person \
		health-check none none second-person \
		restart-service none none second-person)"
expect_eq "list --json: db-migration's variable and once-key" \
	"$(printf '%s\n' "$json" | json_tsv doc name onceKey variables | grep '^db-migration' | cut -f2)" \
	"migrate:{{ env.name }}:{{ vars.migration }}"

out=$(op runbook show db-migration 2>&1)
expect_eq "show exits 0" $? 0
expect_match "show: the gates" "$out" "^approval +staging: confirm, production: second-person$"
expect_match "show: where it applies" "$out" "^applies to +environments staging,production; services payments-api"
expect_match "show: the once-key" "$out" "^once-key +migrate:\{\{ env.name \}\}:\{\{ vars.migration \}\}$"
expect_match "show: the variable and its pattern" "$out" \
	"migration \(string, required\) matching \^V\[0-9\]\+"
expect_match "show: the steps in order" "$(printf '%s\n' "$out" | sed -n '/^steps:/,$p' | awk '{print $2}' | tr '\n' ' ')" \
	"^ migrate wait health healthz $"
out=$(op runbook show no-such-runbook 2>&1)
expect_eq "show of an unknown runbook is a usage error" $? 2
expect_match "and lists the ones there are" "$out" "there are: .*db-migration.*restart-service"

# ---- 2. restart in staging as junior --------------------------------------------------

section "restart in staging as junior"
rev_before=$(k get deploy payments-api -n payments-stg --context finpay-dev \
	-o jsonpath='{.metadata.annotations.deployment\.kubernetes\.io/revision}')
prod_restarted=$(k get deploy payments-api -n payments-prod --context finpay-prod \
	-o jsonpath='{.spec.template.metadata.annotations.kubectl\.kubernetes\.io/restartedAt}')
as junior op runbook run restart-service --env staging --service payments-api --var "reason=INC-4711 stale connections" --yes \
	>"$T/restart.out" 2>"$T/restart.err"
expect_eq "restart-service in staging as junior exits 0" $? 0
out=$(cat "$T/restart.out")
RID=$(run_id_in "$T/restart.out" succeeded)
expect_match "the plan names junior as the operator" "$out" "operator +junior \(groups developers"
expect_match "no approval in staging" "$out" "^  approval +none$"
expect_match "every step ran" "$out" "\[3/3\] succeeded: "
expect_match "the plan shows the reason" "$out" "^    reason = INC-4711 stale connections$"
[ -n "$RID" ] && pass "the run succeeded ($RID)" || { fail "no succeeded line"; sed 's/^/    /' "$T/restart.out" "$T/restart.err" | tail -n 20; }
check "kubectl rollout status sees the restart through" \
	k rollout status deploy/payments-api -n payments-stg --context finpay-dev --timeout=30s
restarted=$(k get deploy payments-api -n payments-stg --context finpay-dev \
	-o jsonpath='{.spec.template.metadata.annotations.kubectl\.kubernetes\.io/restartedAt}')
expect_match "the pod template has a restartedAt annotation" "$restarted" "^20[0-9]{2}-[0-9]{2}-[0-9]{2}T"
rev_after=$(k get deploy payments-api -n payments-stg --context finpay-dev \
	-o jsonpath='{.metadata.annotations.deployment\.kubernetes\.io/revision}')
[ "${rev_after:-0}" -gt "${rev_before:-0}" ] && pass "a new revision rolled out ($rev_before -> $rev_after)" ||
	fail "the revision did not move ($rev_before -> $rev_after)"
evs() { k get events -n payments-stg --context finpay-dev; }
wait_until 10 sh -c "kubectl --request-timeout=20s get events -n payments-stg --context finpay-dev | grep -q 'run $RID'"
expect_match "kubectl get events: the runbook, the run and junior on the deployment" "$(evs)" \
	"OpsdeckRunbookStep[A-Za-z]* +deployment/payments-api +opsdeck runbook restart-service, run $RID, by junior"
expect_eq "the record in the cluster: junior, succeeded" \
	"$(audit_rows id operator.username state environment | awk -F'\t' -v id="$RID" '$1 == id' | cut -f2-)" \
	"$(printf 'junior\tsucceeded\tstaging')"

# ---- local audit log ---------------------------------------------------------------

section "local audit log"
if [ -f "$LOG" ]; then
	pass "the local log is in \$XDG_STATE_HOME/opsdeck"
	expect_eq "the log is 0600" "$(stat -c %a "$LOG")" 600
	expect_eq "its folder is 0700" "$(stat -c %a "$STATE")" 700
	expect_eq "the log has the run's final line" \
		"$(json_tsv lines event record.id record.state record.operator.username <"$LOG" | grep -c "^finished	$RID	succeeded	junior$")" 1
	FIRST_LINE=$(head -n 1 "$LOG")
else
	fail "no local log at $LOG"
	ls -laR "$XDG_STATE_HOME" 2>&1 | sed 's/^/    /'
	FIRST_LINE=""
fi

# ---- 3. the same in production as junior: refused up front ----------------------------

section "restart in production as junior"
records=$(k get cm -n opsdeck --context finpay-prod -l opsdeck.io/kind=run --no-headers 2>/dev/null | wc -l)
as junior op runbook run restart-service --env production --service payments-api --var "reason=INC-4711" --yes \
	>"$T/junior.out" 2>"$T/junior.err"
expect_eq "restart-service in production as junior exits 1" $? 1
out=$(cat "$T/junior.out" "$T/junior.err")
expect_match "refused by policy.yaml, naming the rule" "$out" \
	"policy.yaml: junior may run restart-service only in development, staging \(rule \"juniors-outside-production\"\)"
expect_no_match "refused before any step" "$out" "\[1/[0-9]\]"
expect_eq "the deployment's pod template is untouched" \
	"$(k get deploy payments-api -n payments-prod --context finpay-prod \
		-o jsonpath='{.spec.template.metadata.annotations.kubectl\.kubernetes\.io/restartedAt}')" "$prod_restarted"
expect_eq "no run record in production" \
	"$(k get cm -n opsdeck --context finpay-prod -l opsdeck.io/kind=run --no-headers 2>/dev/null | wc -l)" "$records"
expect_eq "the audit has no production run by junior" \
	"$(audit_rows operator.username environment | grep -c "^junior	production$")" 0

# ---- permissions first: a read-only user in staging -----------------------------------

section "restart in staging as viewer"
as viewer op runbook run restart-service --env staging --service payments-api --var "reason=INC-4711" --yes \
	>"$T/viewer-run.out" 2>"$T/viewer-run.err"
expect_eq "restart-service in staging as viewer exits 1" $? 1
out=$(cat "$T/viewer-run.out" "$T/viewer-run.err")
expect_match "refused up front with the exact missing permission" "$out" \
	"refused before anything ran: .*viewer may not patch deployments payments-api \(API group apps\) in namespace payments-stg"
expect_no_match "before any step" "$out" "\[1/[0-9]\]"
expect_eq "the deployment did not move" \
	"$(k get deploy payments-api -n payments-stg --context finpay-dev \
		-o jsonpath='{.metadata.annotations.deployment\.kubernetes\.io/revision}')" "$rev_after"

# ---- 4. db-migration in production: a second person approves ---------------------------

section "db-migration in production"
bg "$T/mig.out" "$T/mig.err" -- runbook run db-migration --env production --service payments-api \
	--var migration=V42__add_refund_index --yes --json
MIG_PID=$BG
if wait_until 30 grep -q '^run [0-9a-f-]*: waiting-approval:' "$T/mig.err"; then
	pass "the migration waits for approval"
else
	fail "the migration does not wait for approval"
	sed 's/^/    /' "$T/mig.err" | tail -n 20
fi
MID=$(run_id_in "$T/mig.err" waiting-approval)
expect_match "it says who may approve" "$(cat "$T/mig.err")" \
	"anyone but admin whom the cluster lets create ConfigMaps in namespace opsdeck runs \`opsdeck approve $MID\`"
expect_eq "the audit shows it waiting, by admin" \
	"$(audit_rows id state operator.username gate | awk -F'\t' -v id="$MID" '$1 == id' | cut -f2-)" \
	"$(printf 'waiting-approval\tadmin\tsecond-person')"
expect_eq "no Job before the approval" \
	"$(k get jobs -n payments-prod --context finpay-prod -l "opsdeck.io/run=$MID" -o name | wc -l)" 0

op approve "$MID" >"$T/self.out" 2>"$T/self.err"
expect_eq "admin cannot approve their own run (exit 1)" $? 1
expect_match "because a different person must" "$(cat "$T/self.err")" \
	"you \(admin\) requested run $MID; a different person must approve it"
as viewer op approve "$MID" >"$T/viewer.out" 2>"$T/viewer.err"
expect_eq "viewer cannot approve (exit 1)" $? 1
expect_match "because the cluster's RBAC says no" "$(cat "$T/viewer.err")" \
	"the cluster does not let you decide: forbidden: .*viewer.*"
as junior op approve "$MID" >/dev/null 2>"$T/junior-approve.err"
expect_eq "junior cannot approve in production either (exit 1)" $? 1
expect_match "forbidden too" "$(cat "$T/junior-approve.err")" "forbidden"
kill -0 "$MIG_PID" 2>/dev/null && pass "the run still waits" || fail "the run ended without an approval"
expect_eq "and still shows waiting" \
	"$(audit_rows id state | awk -F'\t' -v id="$MID" '$1 == id {print $2}')" waiting-approval

as approver op approve "$MID" >"$T/approve.out" 2>"$T/approve.err"
expect_eq "approver approves (exit 0)" $? 0
expect_match "as approver" "$(cat "$T/approve.out")" "^approved run $MID as approver$"
wait_exit "$MIG_PID" 60
expect_eq "the approved migration exits 0" $? 0
expect_eq "its JSON: succeeded, approved by approver, run by admin" \
	"$(json_tsv doc id state approver approval.approver operator.username <"$T/mig.out")" \
	"$(printf '%s\tsucceeded\tapprover\tapprover\tadmin' "$MID")"
expect_eq "every step succeeded" \
	"$(python3 -c 'import json,sys; print(" ".join(s["name"] + ":" + s["state"] for s in json.load(sys.stdin)["steps"]))' <"$T/mig.out" 2>&1)" \
	"migrate:succeeded wait:succeeded health:succeeded healthz:succeeded"
err=$(cat "$T/mig.err")
expect_match "the Job's log is in the run: run, operator, environment" "$err" \
	"^      \| INFO payments-db-migrate [0-9.]+: run $MID by admin in production$"
expect_match "the Job's log: the migration" "$err" \
	"^      \| INFO flyway: successfully applied 1 migration .* now at version V42__add_refund_index$"
expect_match "the health verification passed" "$err" "\[4/4\] succeeded: GET returned 200"
expect_match "the run says who approved" "$err" "^run $MID: running: approved by approver$"

rec=$(op audit "$MID" --json)
expect_eq "audit RUN-ID --json exits 0" $? 0
expect_eq "the audit shows both identities" \
	"$(printf '%s\n' "$rec" | json_tsv doc operator.username approval.approver approval.decision state)" \
	"$(printf 'admin\tapprover\tapproved\tsucceeded')"
expect_match "the approver's groups as the cluster says them" \
	"$(printf '%s\n' "$rec" | json_tsv doc approval.groups)" '"approvers"'
out=$(op audit "$MID")
expect_match "audit RUN-ID for people: the decision" "$out" "^decision +approved by approver at "
expect_match "audit RUN-ID for people: the operator" "$out" "^operator +admin$"
expect_match "the audit table: operator and approver" "$(op audit --runbook db-migration --env production)" \
	"^$MID +db-migration +production +payments-api +admin +approver +succeeded "
expect_eq "audit --user approver finds it" \
	"$(op audit --user approver --json | json_tsv doc id)" "$MID"

JOB=$(k get jobs -n payments-prod --context finpay-prod -l "opsdeck.io/run=$MID" -o name)
expect_match "a Job in payments-prod with the opsdeck.io/run label" "$JOB" "^job.batch/db-migration-[a-z0-9]+$"
expect_eq "the Job succeeded" "$(k get "$JOB" -n payments-prod --context finpay-prod -o jsonpath='{.status.succeeded}')" 1
expect_eq "the Job got the migration as a value" \
	"$(k get "$JOB" -n payments-prod --context finpay-prod \
		-o jsonpath='{.spec.template.spec.containers[0].env[?(@.name=="MIGRATION")].value}')" V42__add_refund_index

# ---- 10. the migration's events ------------------------------------------------------

section "events in production"
JOBNAME=${JOB#job.batch/}
wait_until 10 sh -c "kubectl --request-timeout=20s get events -A --context finpay-prod | grep -q 'run $MID.*succeeded'"
ev=$(events finpay-prod -A)
expect_match "kubectl get events -A: the step started on the Job" "$ev" \
	"^Job +$JOBNAME +OpsdeckRunbookStep +opsdeck runbook db-migration, run $MID, by admin: step migrate \(run-job\) started"
expect_match "kubectl get events -A: the step succeeded on the Job" "$ev" \
	"^Job +$JOBNAME +OpsdeckRunbookStepSucceeded +opsdeck runbook db-migration, run $MID, by admin: step migrate \(run-job\) succeeded"
expect_match "plain kubectl get events tells it too" \
	"$(k get events -A --context finpay-prod)" "job/$JOBNAME +opsdeck runbook db-migration, run $MID, by admin"

# ---- 5. never twice -------------------------------------------------------------------------

section "the same migration again"
op runbook run db-migration --env production --service payments-api \
	--var migration=V42__add_refund_index --yes >"$T/again.out" 2>"$T/again.err"
expect_eq "the same migration again exits 1" $? 1
expect_match "refused naming the first run and who ran it" "$(cat "$T/again.err")" \
	"once-key \"migrate:production:V42__add_refund_index\" was used by run $MID \(runbook db-migration, by admin at "
expect_eq "no second Job" \
	"$(k get jobs -n payments-prod --context finpay-prod -l opsdeck.io/runbook=db-migration -o name | wc -l)" 1
expect_eq "the claim in the cluster names the run" \
	"$(k get cm "$(once_cm migrate:production:V42__add_refund_index)" -n opsdeck --context finpay-prod \
		-o jsonpath='{.data.run} {.data.operator}')" "$MID admin"

# ---- 6. two at once ----------------------------------------------------------------------------

section "two runs of one migration at once"
printf 'staging\n' >"$T/staging.in"
bg "$T/c1.out" "$T/c1.err" "$T/staging.in" -- runbook run db-migration --env staging \
	--service payments-api --var migration=V43__x
C1=$BG
bg "$T/c2.out" "$T/c2.err" "$T/staging.in" -- runbook run db-migration --env staging \
	--service payments-api --var migration=V43__x
C2=$BG
wait_exit "$C1" 60
rc1=$?
wait_exit "$C2" 60
rc2=$?
expect_eq "one exits 0, the other 1" "$(printf '%s\n' "$rc1" "$rc2" | sort | tr '\n' ' ')" "0 1 "
if [ "$rc1" = 0 ]; then win=c1 lose=c2; else win=c2 lose=c1; fi
WID=$(run_id_in "$T/$win.out" succeeded)
[ -n "$WID" ] && pass "the winner ran to the end ($WID)" ||
	{ fail "the winner did not succeed"; tail -n 20 "$T/$win.out" "$T/$win.err" | sed 's/^/    /'; }
expect_match "the other is refused with the once-key, naming the winner" "$(cat "$T/$lose.err")" \
	"once-key \"migrate:staging:V43__x\" was used by run $WID \(runbook db-migration, by admin at "
expect_no_match "the other ran no step" "$(cat "$T/$lose.out")" "\[1/4\]"
expect_eq "one Job in staging" \
	"$(k get jobs -n payments-stg --context finpay-dev -l opsdeck.io/runbook=db-migration -o name | wc -l)" 1
expect_eq "one record of V43__x" \
	"$(op audit --json --env staging | json_tsv doc variables.migration state | grep -c '^V43__x	')" 1

# ---- 7. variables and the confirm gate -----------------------------------------------------------

section "variables and confirmation"
op runbook run db-migration --env staging --service payments-api >"$T/novar.out" 2>"$T/novar.err"
expect_eq "a missing required variable is a usage error (2)" $? 2
expect_match "listing what is missing" "$(cat "$T/novar.err")" "missing required variables: migration"
op runbook run db-migration --env staging --service payments-api --var 'migration=v42; rm -rf /' \
	>"$T/badvar.out" 2>"$T/badvar.err"
expect_eq "a value that does not match the pattern is a usage error (2)" $? 2
expect_match "naming the value and the pattern" "$(cat "$T/badvar.err")" \
	'migration: "v42; rm -rf /" does not match \^V\[0-9\]\+'
expect_eq "neither printed a plan" "$(cat "$T/novar.out" "$T/badvar.out")" ""
echo production | op runbook run db-migration --env staging --service payments-api \
	--var migration=V45__z >"$T/wrong.out" 2>"$T/wrong.err"
expect_eq "typing the wrong environment's name declines (exit 1)" $? 1
expect_match "saying what to type" "$(cat "$T/wrong.err")" "type the environment's name \(staging\) to proceed"
expect_match "and that nothing was done" "$(cat "$T/wrong.out" "$T/wrong.err")" "not confirmed: nothing was done"
expect_eq "nothing recorded for V45__z" \
	"$(op audit --json | json_tsv doc variables.migration | grep -c '^V45__z$')" 0
expect_eq "its once-key is not claimed" \
	"$(k get cm "$(once_cm migrate:staging:V45__z)" -n opsdeck --context finpay-dev -o name 2>/dev/null)" ""
expect_eq "and no Job was made" \
	"$(k get jobs -n payments-stg --context finpay-dev -l opsdeck.io/runbook=db-migration -o name | wc -l)" 1

# ---- a rejection ------------------------------------------------------------------------------

section "a rejected migration"
bg "$T/rej.out" "$T/rej.err" -- runbook run db-migration --env production --service payments-api \
	--var migration=V47__r --yes --json
RPID=$BG
wait_until 30 grep -q '^run [0-9a-f-]*: waiting-approval:' "$T/rej.err" ||
	{ fail "V47__r does not wait for approval"; tail -n 20 "$T/rej.err" | sed 's/^/    /'; }
RJID=$(run_id_in "$T/rej.err" waiting-approval)
as approver op approve "$RJID" --reject >/dev/null 2>"$T/noreason.err"
expect_eq "a rejection needs a reason (exit 2)" $? 2
as approver op approve "$RJID" --reject --reason "not during the freeze" >"$T/reject.out" 2>&1
expect_eq "approver rejects (exit 0)" $? 0
expect_match "as approver" "$(cat "$T/reject.out")" "^rejected run $RJID as approver$"
wait_exit "$RPID" 30
expect_eq "the rejected run exits 1" $? 1
expect_eq "its JSON: rejected, with the reason" "$(json_tsv doc state message <"$T/rej.out")" \
	"$(printf 'rejected\trejected by approver: not during the freeze')"
expect_eq "the audit: rejected by approver, and why" \
	"$(op audit "$RJID" --json | json_tsv doc state approval.decision approval.approver approval.reason)" \
	"$(printf 'rejected\trejected\tapprover\tnot during the freeze')"
expect_eq "no Job for it" \
	"$(k get jobs -n payments-prod --context finpay-prod -l "opsdeck.io/run=$RJID" -o name | wc -l)" 0
expect_eq "a rejected run gave its once-key back" \
	"$(k get cm "$(once_cm migrate:production:V47__r)" -n opsdeck --context finpay-prod -o name 2>/dev/null)" ""

# ---- 8. killed and terminated ---------------------------------------------------------------------

section "a run killed with SIGKILL"
bg "$T/kill.out" "$T/kill.err" -- runbook run db-migration --env production --service payments-api \
	--var migration=V44__y --yes --json
KPID=$BG
wait_until 30 grep -q '^run [0-9a-f-]*: waiting-approval:' "$T/kill.err" ||
	{ fail "V44__y does not wait for approval"; tail -n 20 "$T/kill.err" | sed 's/^/    /'; }
KID=$(run_id_in "$T/kill.err" waiting-approval)
kill -KILL "$KPID"
wait "$KPID" 2>/dev/null
rec=$(op audit "$KID" --json)
expect_eq "audit: the killed run is interrupted" \
	"$(printf '%s\n' "$rec" | json_tsv doc state recordedState host)" \
	"$(printf 'interrupted\twaiting-approval\t%s' "$(uname -n)")"
expect_eq "audit --local: interrupted too" \
	"$(op audit "$KID" --json --local | json_tsv doc state recordedState)" \
	"$(printf 'interrupted\twaiting-approval')"
as approver op approve "$KID" >/dev/null 2>"$T/late.err"
expect_eq "an interrupted run cannot be approved (exit 1)" $? 1
expect_match "there is nothing to decide" "$(cat "$T/late.err")" "run $KID is interrupted; there is nothing to decide"

section "a run terminated with SIGTERM"
bg "$T/term.out" "$T/term.err" -- runbook run db-migration --env production --service payments-api \
	--var migration=V46__t --yes --json
TPID=$BG
wait_until 30 grep -q '^run [0-9a-f-]*: waiting-approval:' "$T/term.err" ||
	{ fail "V46__t does not wait for approval"; tail -n 20 "$T/term.err" | sed 's/^/    /'; }
TID=$(run_id_in "$T/term.err" waiting-approval)
kill -TERM "$TPID"
wait_exit "$TPID" 30
expect_eq "SIGTERM stops the run (exit 130)" $? 130
expect_eq "its JSON says aborted" "$(json_tsv doc id state <"$T/term.out")" "$(printf '%s\taborted' "$TID")"
expect_match "and why" "$(json_tsv doc message <"$T/term.out")" "SIGTERM"
expect_eq "audit: aborted, as recorded" \
	"$(op audit "$TID" --json | json_tsv doc state recordedState)" "$(printf 'aborted\t')"
expect_eq "audit --local: aborted" "$(op audit "$TID" --json --local | json_tsv doc state)" aborted
expect_eq "a run that ended before its first step gave its once-key back" \
	"$(k get cm "$(once_cm migrate:production:V46__t)" -n opsdeck --context finpay-prod -o name 2>/dev/null)" ""

section "a run killed in the middle of a step"
# Without --json: the progress on standard output must come a line at a
# time into a file, or there is nothing to wait for.
bg "$T/mid.out" "$T/mid.err" "$T/staging.in" -- runbook run db-migration --env staging \
	--service payments-api --var migration=V48__k
MPID=$BG
wait_until 30 grep -q '^      | created job db-migration-' "$T/mid.out" ||
	{ fail "no live progress from V48__k"; tail -n 20 "$T/mid.out" "$T/mid.err" | sed 's/^/    /'; }
kill -0 "$MPID" 2>/dev/null && pass "the run is in its Job step" || fail "the run ended before it could be killed"
kill -KILL "$MPID" 2>/dev/null
wait "$MPID" 2>/dev/null
MKID=$(run_id_in "$T/mid.out" running)
rec=$(op audit "$MKID" --json)
expect_eq "audit: killed in a step, the run is interrupted" \
	"$(printf '%s\n' "$rec" | json_tsv doc state recordedState)" "$(printf 'interrupted\trunning')"
expect_eq "with its first step recorded as started" \
	"$(printf '%s\n' "$rec" | python3 -c 'import json, sys; print(json.load(sys.stdin)["steps"][0]["state"])' 2>&1)" running
op runbook run db-migration --env staging --service payments-api --var migration=V48__k \
	<"$T/staging.in" >/dev/null 2>"$T/mid-again.err"
expect_eq "a half-run migration is not run again (exit 1)" $? 1
expect_match "naming the interrupted run" "$(cat "$T/mid-again.err")" \
	"once-key \"migrate:staging:V48__k\" was used by run $MKID "

# ---- 9. shell metacharacters reach a script verbatim ------------------------------------------------

section "a script gets values verbatim"
PW="$T/PWNED"
mkdir -p "$T/nothing"
MSG="\$(touch ${PW}_x); \`touch ${PW}_y\`; echo \"; rm -rf $T/nothing; x' && touch ${PW}_z | tee ${PW}_w > ${PW}_v; \${HOME} * ~ # \\ %s %n a=b"
as junior op runbook run announce --env development --var "message=$MSG" --var channel=payments --yes --json \
	>"$T/announce.out" 2>"$T/announce.err"
expect_eq "announce in development exits 0" $? 0
expect_eq "the script printed its heading from the environment" \
	"$(grep -c '^      | announce to #payments (development, by junior):$' "$T/announce.err")" 1
expect_eq "the message came out byte for byte" \
	"$(grep -cFx -- "      | $MSG" "$T/announce.err")" 1
# (json_tsv escapes backslashes: read the value itself)
expect_eq "the record holds the value as given" \
	"$(python3 -c 'import json, sys; sys.stdout.write(json.load(sys.stdin)["variables"]["message"])' <"$T/announce.out" 2>&1)" "$MSG"
expect_eq "nothing in it ran" "$(ls "$T" | grep -c '^PWNED')" 0
[ -d "$T/nothing" ] && pass "nothing was removed" || fail "$T/nothing was removed"

# ---- a secret --------------------------------------------------------------------------------------

section "a secret variable"
# A runbook of this test's own, merged into a clone of the repo: a secret
# reaches its script (which writes the secret's digest where it is told)
# and nothing else.
SREPO="$T/finpay-secret"
git clone -q "$REPO" "$SREPO" && git -C "$SREPO" remote remove origin
mkdir -p "$SREPO/runbooks/scripts"
cat >"$SREPO/runbooks/use-token.yaml" <<'EOF_RB'
name: use-token
title: Hand a token to a script
description: A secret reaches the script as an environment variable only.
scope: environment
variables:
  - name: token
    type: secret
    title: Token
    required: true
  - name: out
    type: string
    title: Where the script writes the token's digest
    required: true
steps:
  - name: use
    title: Use the token
    action: script
    file: runbooks/scripts/use-token.sh
    env:
      TOKEN: "{{ vars.token }}"
      OUT: "{{ vars.out }}"
EOF_RB
cat >"$SREPO/runbooks/scripts/use-token.sh" <<'EOF_SH'
#!/bin/sh
set -eu
printf '%s' "$TOKEN" | sha256sum | cut -d' ' -f1 >"$OUT"
echo "a token of ${#TOKEN} characters"
EOF_SH
chmod 0755 "$SREPO/runbooks/scripts/use-token.sh"
git -C "$SREPO" add -A && git -C "$SREPO" -c user.name=t -c user.email=t@t commit -qm "Add use-token"
SECRET="hunter2-$RANDOM-Xyzzy-$$"
timeout 60 "$OPSDECK" runbook run use-token --env development --var "token=$SECRET" \
	--var "out=$T/digest" --yes --json --repo "$SREPO" >"$T/secret.out" 2>"$T/secret.err"
expect_eq "a run with a secret exits 0" $? 0
expect_eq "the script got the secret" "$(cat "$T/digest" 2>&1)" \
	"$(printf '%s' "$SECRET" | sha256sum | cut -d' ' -f1)"
expect_match "the script ran" "$(cat "$T/secret.err")" "^      \| a token of ${#SECRET} characters$"
expect_eq "the record masks it" "$(json_tsv doc variables.token <"$T/secret.out")" "(secret)"
expect_eq "the plan masks it" "$(grep -c '^    token = (secret)$' "$T/secret.err")" 1
leaks=$( {
	cat "$T/secret.out" "$T/secret.err" "$LOG"
	k get cm -n opsdeck --context finpay-dev -o yaml
	k get events -A --context finpay-dev -o yaml
	timeout 60 "$OPSDECK" audit --json --repo "$SREPO"
} 2>&1 | grep -c -- "$SECRET")
expect_eq "the secret is nowhere: output, records, local log, events" "$leaks" 0
expect_match "a secret on the command line is warned about" "$(cat "$T/secret.err")" \
	"warning: the secret token was given on the command line, where other users of this machine can read it; use --var-file token=PATH"

# out of the process list: --var-file (one final newline is not the value's)
(umask 077 && printf '%s\n' "$SECRET" >"$T/token")
rm -f "$T/digest"
timeout 60 "$OPSDECK" runbook run use-token --env development --var-file "token=$T/token" \
	--var "out=$T/digest" --yes --repo "$SREPO" >/dev/null 2>"$T/secret2.err"
expect_eq "a secret from --var-file: exits 0" $? 0
expect_eq "the script got it without the newline" "$(cat "$T/digest" 2>&1)" \
	"$(printf '%s' "$SECRET" | sha256sum | cut -d' ' -f1)"
expect_eq "and no warning" "$(grep -c warning "$T/secret2.err")" 0
timeout 60 "$OPSDECK" runbook run use-token --env development --var-file "token=$T/no-such-file" \
	--var "out=$T/digest" --yes --repo "$SREPO" >/dev/null 2>"$T/secret3.err"
expect_eq "a --var-file that cannot be read: exit 2" $? 2
expect_eq "saying which and why" "$(cat "$T/secret3.err")" \
	"opsdeck runbook run: --var-file token: $T/no-such-file: No such file or directory"

# ---- the local log, at the end ---------------------------------------------------------------------

section "the local log again"
expect_eq "still 0600" "$(stat -c %a "$LOG" 2>&1)" 600
expect_eq "appended to, never rewritten" "$(head -n 1 "$LOG")" "$FIRST_LINE"
total=$(wc -l <"$LOG")
parsed=$(json_tsv lines event <"$LOG" | wc -l)
expect_eq "every line is JSON ($total lines)" "$parsed" "$total"
expect_eq "the migration's lines: waiting, approved, finished" \
	"$(json_tsv lines event record.id <"$LOG" | awk -F'\t' -v id="$MID" '$2 == id {print $1}' |
		grep -v '^step$' | tr '\n' ' ')" "started waiting approved finished "
expect_eq "its last line names the approver" \
	"$(json_tsv lines record.id record.state record.approver <"$LOG" | grep "^$MID	" | tail -n 1 | cut -f2-)" \
	"$(printf 'succeeded\tapprover')"
expect_eq "one line for the production run refused by the policy" \
	"$(json_tsv lines event record.operator.username record.environment record.state <"$LOG" |
		grep -c '^finished	junior	production	refused$')" 1

echo "# done in ${SECONDS}s"
ks_finish
