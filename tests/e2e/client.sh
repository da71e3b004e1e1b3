#!/usr/bin/env bash
# opsdeck's cluster-client commands (pods, events, logs, whoami, can-i)
# against kubesim (basic.yaml), with the real kubectl as the judge: the same
# pods and fields, two clusters watched at once through a rollout, a watch
# that must converge after dropped watches, expired resourceVersions, 500s,
# 429s, a network blip and a server restart, RBAC answers, log following
# and sanitising, unreachable clusters and a wrong CA.
. "$(dirname "$0")/lib.sh"
command -v kubectl >/dev/null || { echo "kubectl is not installed"; exit 1; }
OPSDECK="$ROOT/$BUILD/opsdeck"
[ -x "$OPSDECK" ] || { echo "$OPSDECK is not built"; exit 1; }
SCENARIO="$ROOT/tests/kubesim/scenarios/basic.yaml"
k() { kubectl --request-timeout=20s "$@"; }
opsdeck() { "$OPSDECK" "$@"; }
ESC=$'\033'
BEL=$'\007'

# ---- helpers -----------------------------------------------------------------

# A loopback port nobody listens on.
free_port() {
	local p
	for _ in $(seq 1 100); do
		p=$((20000 + RANDOM % 30000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# stop_bg PID: SIGTERM, then wait; prints nothing, returns the exit status.
stop_bg() {
	kill -TERM "$1" 2>/dev/null
	for _ in $(seq 1 100); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# A progress line (tests/run.sh shows it when something failed).
section() { echo "# $1 (at ${SECONDS}s)"; }

# check_rc NAME GOT WANT
check_rc() { expect_eq "$1 exits $3" "$2" "$3"; }

# ---- a second cluster -------------------------------------------------------

# kubesim number two: its own TLS folder and kubeconfig whose cluster,
# users and contexts are named kubesim2, kubesim2-viewer, ... (kubesim's
# --context), so that KUBECONFIG=one:two reaches both.
KS2_PID=""
PROXY_PID=""
ks2_start() {
	mkdir -p "$T/ks2/tls"
	"$KUBESIM" --scenario "$SCENARIO" --listen 127.0.0.1:0 --context kubesim2 \
		--kubeconfig-out "$T/ks2/kubeconfig" --tls-dir "$T/ks2/tls" \
		>"$T/ks2/out" 2>"$T/ks2/err" &
	KS2_PID=$!
	if ! wait_until 10 grep -q '^kubesim: listening on ' "$T/ks2/out"; then
		echo "the second kubesim did not start:" >&2
		cat "$T/ks2/err" >&2
		return 1
	fi
	KS2_URL=$(sed -n 's/^kubesim: listening on //p' "$T/ks2/out" | head -n 1)
}
BG_PIDS=()
client_cleanup() {
	local p
	for p in "${BG_PIDS[@]}" $KS2_PID $PROXY_PID; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${BG_PIDS[@]}" $KS2_PID $PROXY_PID; do
		wait "$p" 2>/dev/null
	done
}
trap 'client_cleanup; ks_cleanup' EXIT

ks_start "$SCENARIO" || exit 1
KC1=$KUBECONFIG
ks2_start || exit 1
KC12="$KC1:$T/ks2/kubeconfig"
k2() { KUBECONFIG="$KC12" kubectl --request-timeout=20s --context kubesim2 "$@"; }

web_ready() { "$@" get deployment web -n demo --no-headers 2>/dev/null | grep -Eq '^web +3/3 '; }
job_done() { "$@" get pods -n demo -l job-name=migrate-ok --no-headers 2>/dev/null | grep -q Completed; }
wait_until 40 web_ready k || fail "cluster 1: web 3/3 in time"
wait_until 40 web_ready k2 || fail "cluster 2: web 3/3 in time"
wait_until 30 job_done k

# ---- the slow, independent checks start now and are judged later --------------

# 7. Unreachable clusters and a wrong CA, in the background.
dead_port=$(free_port)
sed "s#^\( *server:\).*#\1 https://127.0.0.1:$dead_port#" "$KC1" >"$T/dead.kc"
# The same kubeconfig, every name kubesim* renamed dead*, to merge with the
# live one.
sed -E 's/^(- name|    cluster|    user|current-context): kubesim/\1: dead/' "$T/dead.kc" >"$T/dead-named.kc"
# Cluster 2's address with cluster 1's CA: the server's certificate is
# signed by another CA.
sed "s#^\( *server:\).*#\1 $KS2_URL#" "$KC1" >"$T/badca.kc"
timed() { # OUT-PREFIX COMMAND...: stdout, stderr, exit code, seconds
	local p=$1 start=$SECONDS
	shift
	timeout 60 "$@" >"$p.out" 2>"$p.err"
	echo $? >"$p.rc"
	echo $((SECONDS - start)) >"$p.secs"
}
timed "$T/unreach" "$OPSDECK" pods --kubeconfig "$T/dead.kc" -n demo &
BG_PIDS+=($!)
timed "$T/badca" "$OPSDECK" pods --kubeconfig "$T/badca.kc" -n demo &
BG_PIDS+=($!)
KUBECONFIG="$KC1:$T/dead-named.kc" timed "$T/mixed" "$OPSDECK" pods -n demo \
	--context kubesim --context dead &
BG_PIDS+=($!)
timed "$T/badca-who" "$OPSDECK" whoami --kubeconfig "$T/badca.kc" &
BG_PIDS+=($!)

# ---- 1. pods -A --json against kubectl get pods -A -o json --------------------
section "1 pods --json vs kubectl"

# ns/name phase node ip restarts resourceVersion, as kubectl sees them.
kubectl_pods() {
	k get pods -A -o jsonpath='{range .items[*]}{.metadata.namespace}/{.metadata.name}{"\t"}{.status.phase}{"\t"}{.spec.nodeName}{"\t"}{.status.podIP}{"\t"}{.status.containerStatuses[*].restartCount}{"\t"}{.metadata.resourceVersion}{"\n"}{end}' |
		awk -F'\t' -v OFS='\t' '{n = split($5, a, " "); s = 0; for (i = 1; i <= n; i++) s += a[i]; $5 = s; print}' | sort
}
opsdeck_pods() {
	json_tsv doc namespace name phase node ip restarts resourceVersion |
		awk -F'\t' -v OFS='\t' '{print $1 "/" $2, $3, $4, $5, $6, $7}' | sort
}
# A live cluster moves (crashy restarts): compare opsdeck with kubectl at a
# moment when kubectl saw the same thing just before and just after.
stable=""
for _ in $(seq 1 10); do
	before=$(kubectl_pods)
	json=$(opsdeck pods -A --json)
	rc=$?
	after=$(kubectl_pods)
	if [ -n "$before" ] && [ "$before" = "$after" ]; then
		stable=1
		break
	fi
	sleep 1
done
expect_eq "kubectl saw a still moment to compare with" "$stable" 1
check_rc "pods -A --json" "$rc" 0
mine=$(printf '%s\n' "$json" | opsdeck_pods)
expect_eq "pods -A --json: the same namespace/name set as kubectl" \
	"$(printf '%s\n' "$mine" | cut -f1)" "$(printf '%s\n' "$after" | cut -f1)"
expect_eq "pods -A --json: same phase, node, IP, restarts and resourceVersion per pod" \
	"$mine" "$after"
[ "$mine" = "$after" ] || diff <(echo "$after") <(echo "$mine") | head -n 20 | sed 's/^/    /'
expect_eq "pods -A --json: at least 6 pods (web x3, crashy, migrate-ok, api)" \
	"$([ "$(printf '%s\n' "$mine" | grep -c .)" -ge 6 ] && echo yes)" yes
expect_eq "pods --json: every object is a Pod of context kubesim" \
	"$(printf '%s\n' "$json" | json_tsv doc kind context | sort -u)" "$(printf 'Pod\tkubesim')"
out=$(opsdeck pods -n demo -l app=web --json | json_tsv doc name | sort)
expect_eq "pods -l app=web: the same pods as kubectl -l app=web" "$out" \
	"$(k get pods -n demo -l app=web -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}' | sort)"
out=$(opsdeck pods -A)
expect_match "pods -A: a table with NAMESPACE, NODE and IP" "$out" \
	'^NAMESPACE +NAME +READY +STATUS +RESTARTS +AGE +NODE +IP'
expect_match "pods -A: web pods 1/1 Running on a node with an IP" "$out" \
	'demo +web-[a-z0-9]+-[a-z0-9]{5} +1/1 +Running +0 +[0-9smh]+ +node-[0-9] +10\.[0-9.]+'

# ---- 4. forbidden and unauthorized --------------------------------------------
section "4 forbidden"

out=$(opsdeck pods --context kubesim-junior -n payments-prod 2>"$T/err")
rc=$?
check_rc "pods as junior in payments-prod" "$rc" 2
expect_match "pods as junior in payments-prod: says who cannot do what where" "$(cat "$T/err")" \
	'forbidden: user "junior" cannot list pods in namespace "payments-prod"'
expect_eq "pods as junior in payments-prod: nothing on stdout" "$out" ""
opsdeck pods --context kubesim-junior -A >/dev/null 2>"$T/err"
check_rc "pods -A as junior" "$?" 2
expect_match "pods -A as junior: forbidden at the cluster scope" "$(cat "$T/err")" \
	'forbidden: user "junior" cannot list pods at the cluster scope'
out=$(opsdeck pods --context kubesim-junior -n demo)
check_rc "pods as junior in demo" "$?" 0
expect_match "pods as junior in demo lists web" "$out" '^web-'
sed -E '/^- name: kubesim-admin$/,/token:/ s/(token:).*/\1 not-a-token/' "$KC1" >"$T/badtoken.kc"
opsdeck pods --kubeconfig "$T/badtoken.kc" -n demo >/dev/null 2>"$T/err"
check_rc "pods with a token the cluster does not know" "$?" 2
expect_match "a bad token: unauthorized" "$(cat "$T/err")" 'unauthorized'

# ---- 6. whoami and can-i against kubectl auth -----------------------------------
section "6 whoami, can-i"

for ctx in kubesim kubesim-approver kubesim-viewer kubesim-junior; do
	mine=$(opsdeck whoami --context "$ctx" --json | json_tsv doc context username uid)
	theirs=$(k --context "$ctx" auth whoami -o jsonpath='{.status.userInfo.username}{"\t"}{.status.userInfo.uid}')
	expect_eq "whoami --context $ctx --json: user and uid as kubectl auth whoami" "$mine" "$ctx	$theirs"
	mine=$(opsdeck whoami --context "$ctx" | awk 'NR == 2 {print $2, $3}')
	theirs=$(k --context "$ctx" auth whoami -o jsonpath='{.status.userInfo.username} {.status.userInfo.groups[*]}' |
		awk '{printf "%s ", $1; for (i = 2; i <= NF; i++) printf "%s%s", $i, i < NF ? "," : "\n"}')
	expect_eq "whoami --context $ctx: table user and groups as kubectl" "$mine" "$theirs"
done
out=$(opsdeck whoami --all-contexts --json)
check_rc "whoami --all-contexts" "$?" 0
expect_eq "whoami --all-contexts: one answer per context" \
	"$(printf '%s\n' "$out" | json_tsv doc context username | sort)" \
	"$(printf 'kubesim\tadmin\nkubesim-approver\tapprover\nkubesim-junior\tjunior\nkubesim-viewer\tviewer')"

# context verb resource namespace(* = -A) expected
while read -r ctx verb res ns want; do
	if [ "$ns" = '*' ]; then nsarg=(-A); else nsarg=(-n "$ns"); fi
	a=$(opsdeck can-i --context "$ctx" "$verb" "$res" "${nsarg[@]}" 2>"$T/err")
	ra=$?
	b=$(k --context "$ctx" auth can-i "$verb" "$res" "${nsarg[@]}" 2>/dev/null)
	rb=$?
	code=0
	[ "$want" = no ] && code=1
	expect_eq "can-i as ${ctx#kubesim-} $verb $res in $ns: as kubectl ($want)" \
		"opsdeck $a/$ra kubectl $b/$rb" "opsdeck $want/$code kubectl $want/$code"
done <<'EOF'
kubesim-viewer list pods demo yes
kubesim-viewer delete pods demo no
kubesim-viewer watch deployments payments-prod yes
kubesim-viewer update deployments/scale demo no
kubesim-junior patch deployments demo yes
kubesim-junior patch deployments payments-prod no
kubesim-junior list pods payments-prod no
kubesim-junior get pods/log demo yes
kubesim-junior create deployments.apps payments-prod no
kubesim-junior list pods * no
kubesim-approver delete pods payments-prod yes
kubesim list pods * yes
EOF
out=$(opsdeck can-i --context kubesim-junior delete pods -n payments-prod --json)
rc=$?
check_rc "can-i --json, a no" "$rc" 1
expect_eq "can-i --json: context and allowed" "$(printf '%s\n' "$out" | json_tsv doc context allowed)" \
	"$(printf 'kubesim-junior\tfalse')"
out=$(opsdeck can-i --context kubesim-viewer --context kubesim-junior delete pods -n demo)
rc=$?
check_rc "can-i on two contexts, one no" "$rc" 1
expect_eq "can-i on two contexts: one answer each" "$out" "$(printf 'kubesim-viewer\tno\nkubesim-junior\tyes')"
opsdeck can-i list >/dev/null 2>&1
check_rc "can-i without a resource" "$?" 2

# ---- 8. events --warnings ------------------------------------------------------
section "8 events"

has_backoff() { opsdeck events -n demo --warnings | grep -Eq '^[0-9smhd]+ +Warning +BackOff +Pod/crashy-'; }
if wait_until 40 has_backoff; then pass "events --warnings shows BackOff for crashy"; else fail "events --warnings shows BackOff for crashy"; fi
theirs=$(k get events -n demo --field-selector type=Warning -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}' | sort)
out=$(opsdeck events -n demo --warnings)
rc=$?
check_rc "events --warnings" "$rc" 0
expect_match "events: kubectl-like columns" "$out" '^LAST SEEN +TYPE +REASON +OBJECT +COUNT +MESSAGE'
expect_no_match "events --warnings: no Normal rows" "$out" ' Normal '
expect_eq "events --warnings: every row is a Warning" \
	"$(printf '%s\n' "$out" | awk 'NR > 1 && $2 != "Warning"' | wc -l)" 0
mine=$(opsdeck events -n demo --warnings --json | json_tsv doc name | sort)
expect_eq "events --warnings --json: kubectl's Warning events are all there" \
	"$(comm -23 <(echo "$theirs") <(echo "$mine"))" ""
expect_eq "events --warnings --json: only Warnings" \
	"$(opsdeck events -n demo --warnings --json | json_tsv doc type | sort -u)" Warning
expect_match "events without --warnings has Normal rows" "$(opsdeck events -n demo)" ' Normal +Scheduled '

# ---- 5. logs -------------------------------------------------------------------
section "5 logs"

pod=$(k get pods -n demo -l app=web -o jsonpath='{.items[0].metadata.name}')
has_lines() { [ "$(k logs -n demo "$pod" | wc -l)" -ge "$1" ]; }
wait_until 20 has_lines 5
out=$(opsdeck logs -n demo "$pod" --tail 3)
check_rc "logs --tail 3" "$?" 0
expect_eq "logs --tail 3 prints exactly 3 lines" "$(printf '%s\n' "$out" | wc -l)" 3
mine=$(opsdeck logs -n demo "$pod" --timestamps)
theirs=$(k logs -n demo "$pod" --timestamps)
n=$(printf '%s\n' "$mine" | wc -l)
expect_eq "logs --timestamps: what kubectl says a moment later begins with it ($n lines)" \
	"$mine" "$(printf '%s\n' "$theirs" | head -n "$n")"
mine=$(opsdeck logs -n demo "$pod" --tail 3 --timestamps)
theirs=$(k logs -n demo "$pod" --timestamps)
expect_eq "logs --tail 3 --timestamps: 3 of kubectl's lines" \
	"$(printf '%s\n' "$theirs" | grep -Fxc -f <(printf '%s\n' "$mine"))" 3

"$OPSDECK" logs -n demo -f --timestamps "$pod" >"$T/follow.out" 2>"$T/follow.err" &
follow_pid=$!
BG_PIDS+=("$follow_pid")
lines_at_least() { [ "$(wc -l <"$1")" -ge "$2" ]; }
wait_until 15 lines_at_least "$T/follow.out" 1
n1=$(wc -l <"$T/follow.out")
last1=$(tail -n 1 "$T/follow.out" | cut -d' ' -f1)
if wait_until 20 lines_at_least "$T/follow.out" $((n1 + 3)); then
	pass "logs -f keeps streaming ($n1 lines, then $(wc -l <"$T/follow.out"))"
else
	fail "logs -f keeps streaming ($n1 lines, then $(wc -l <"$T/follow.out"))"
fi
check "logs -f is still running" kill -0 "$follow_pid"
stop_bg "$follow_pid"
check_rc "logs -f on SIGTERM" "$?" 0
newest=$(tail -n 1 "$T/follow.out" | cut -d' ' -f1)
expect_eq "logs -f: the new lines are newer than the first ones" \
	"$([[ "$newest" > "$last1" ]] && echo newer)" newer
expect_eq "logs -f: no line twice, in time order" \
	"$(cut -d' ' -f1 "$T/follow.out" | sort -c -u 2>&1 && echo sorted)" sorted
theirs=$(k logs -n demo "$pod" --timestamps)
expect_eq "logs -f: every followed line is one of kubectl's" \
	"$(grep -Fxvc -f <(printf '%s\n' "$theirs") "$T/follow.out")" 0

out=$(opsdeck logs -n demo -l app=web --tail 2)
check_rc "logs -l app=web --tail 2" "$?" 0
webs=$(k get pods -n demo -l app=web -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}' | sort)
expect_eq "logs -l: every line is prefixed [web-.../web]" \
	"$(printf '%s\n' "$out" | grep -Evc '^\[web-[a-z0-9]+-[a-z0-9]{5}/web\] ')" 0
expect_eq "logs -l --tail 2: two lines from every web pod" \
	"$(printf '%s\n' "$out" | sed -E 's|^\[([^/]+)/web\] .*|\1|' | sort | uniq -c | awk '{print $2, $1}')" \
	"$(printf '%s\n' "$webs" | sed 's/$/ 2/')"

# A container writing escape sequences (the log-lines annotation is the
# template of every line): they reach kubectl raw, never opsdeck's output.
cat >"$T/evil.json" <<'EOF'
{"apiVersion":"v1","kind":"Pod","metadata":{"name":"evil","namespace":"demo","labels":{"app":"evil"},
 "annotations":{"sim.kubesim.io/log-rate":"5",
  "sim.kubesim.io/log-lines":"EVIL \u001b[31mRED\u001b[0m \u001b]0;pwned\u0007 \u001b[2J done"}},
 "spec":{"containers":[{"name":"evil","image":"registry.local/demo/evil:1.0"}]}}
EOF
cat >"$T/evil-event.json" <<'EOF'
{"apiVersion":"v1","kind":"Event","metadata":{"name":"evil.1","namespace":"demo"},
 "involvedObject":{"kind":"Pod","name":"evil","namespace":"demo"},
 "reason":"Evil\u001b[31m","message":"boom \u001b]0;title\u0007 \u001b[2J done","type":"Warning","count":1}
EOF
check "create a pod that logs escape sequences" k create -f "$T/evil.json" --validate=false
check "create an event with escape sequences" k create -f "$T/evil-event.json" --validate=false
evil_logs() { k logs -n demo evil --tail 2 2>/dev/null | grep -q "$ESC"; }
if wait_until 30 evil_logs; then pass "kubectl sees the raw escape sequences"; else fail "kubectl sees the raw escape sequences"; fi
raw() { printf '%s' "$1" | grep -c "[$ESC$BEL]"; }
out=$(opsdeck logs -n demo evil --tail 3)
expect_eq "logs: no raw ESC/BEL in the output" "$(raw "$out")" 0
expect_match "logs: escapes are shown, not dropped" "$out" 'EVIL \^\[\[31mRED'
out=$(opsdeck logs -n demo -l app=evil --tail 3)
expect_eq "logs -l: no raw ESC/BEL" "$(raw "$out")" 0
expect_match "logs -l: the line is there" "$out" '^\[evil/evil\] EVIL '
"$OPSDECK" logs -n demo -f --tail 0 evil >"$T/evil.out" 2>&1 &
evil_pid=$!
BG_PIDS+=("$evil_pid")
wait_until 15 lines_at_least "$T/evil.out" 3
stop_bg "$evil_pid"
expect_match "logs -f on the evil pod prints lines" "$(cat "$T/evil.out")" 'EVIL .*RED'
expect_eq "logs -f: no raw ESC/BEL" "$(raw "$(cat "$T/evil.out")")" 0
out=$(opsdeck events -n demo --warnings)
expect_match "events: the hostile event is listed" "$out" 'Evil'
expect_eq "events: no raw ESC/BEL" "$(raw "$out")" 0

# ---- 7. (judged now) unreachable cluster, wrong CA -----------------------------
section "7 unreachable, wrong CA"

for p in "${BG_PIDS[@]}"; do wait "$p" 2>/dev/null; done
BG_PIDS=()
check_rc "pods on a closed port" "$(cat "$T/unreach.rc")" 3
expect_eq "pods on a closed port gives up within 15 s" \
	"$([ "$(cat "$T/unreach.secs")" -le 15 ] && echo quick)" quick
expect_match "pods on a closed port: cannot reach" "$(cat "$T/unreach.err")" \
	"cannot reach https://127\.0\.0\.1:$dead_port"
expect_eq "pods on a closed port: nothing on stdout" "$(cat "$T/unreach.out")" ""
check_rc "pods with a wrong CA" "$(cat "$T/badca.rc")" 3
expect_eq "pods with a wrong CA gives up within 15 s" \
	"$([ "$(cat "$T/badca.secs")" -le 15 ] && echo quick)" quick
expect_match "pods with a wrong CA: a certificate error" "$(cat "$T/badca.err")" \
	'opsdeck pods: kubesim: .*(certificate|SSL|TLS)'
expect_eq "pods with a wrong CA: nothing on stdout" "$(cat "$T/badca.out")" ""
check_rc "whoami with a wrong CA" "$(cat "$T/badca-who.rc")" 3
expect_match "whoami with a wrong CA: a certificate error" "$(cat "$T/badca-who.err")" 'certificate|SSL|TLS'
KUBECONFIG="$T/badca.kc" kubectl --request-timeout=10s get pods -n demo >/dev/null 2>&1
expect_eq "(judge) kubectl also refuses the wrong CA" "$?" 1
check_rc "pods on a live and a dead context" "$(cat "$T/mixed.rc")" 3
expect_match "pods on a live and a dead context: the live one's pods" "$(cat "$T/mixed.out")" \
	'^kubesim +web-'
expect_match "pods on a live and a dead context: names the dead one" "$(cat "$T/mixed.err")" \
	'opsdeck pods: dead: cannot reach'

# ---- 2. two clusters watched at once through a rollout --------------------------
section "2 two clusters"

KUBECONFIG="$KC12" "$OPSDECK" pods -A -w --context kubesim --context kubesim2 \
	>"$T/two.out" 2>"$T/two.err" &
two_pid=$!
BG_PIDS+=("$two_pid")
both_listed() {
	grep -Eq '^ADDED +kubesim +demo +web-' "$T/two.out" &&
		grep -Eq '^ADDED +kubesim2 +demo +web-' "$T/two.out"
}
if wait_until 30 both_listed; then pass "pods -w on two contexts: rows from both"; else fail "pods -w on two contexts: rows from both"; fi
expect_match "pods -w on two contexts: EVENT and CONTEXT columns" "$(head -n 1 "$T/two.out")" \
	'^EVENT +CONTEXT +NAMESPACE +NAME +READY +STATUS +RESTARTS +AGE +NODE +IP$'
# The live picture of one context from the table rows: ns/name.
table_state() {
	awk -v c="$2" 'NR > 1 && $2 == c {k = $3 "/" $4; if ($1 == "DELETED") delete m[k]; else m[k] = 1}
		END {for (k in m) print k}' "$1" | sort
}
names_of() { "$@" get pods -A -o jsonpath='{range .items[*]}{.metadata.namespace}/{.metadata.name}{"\n"}{end}' | sort; }
two_agree() { [ "$(table_state "$T/two.out" kubesim2)" = "$(names_of k2)" ]; }
wait_until 15 two_agree
expect_eq "pods -w: kubesim2's rows are kubesim2's pods" "$(table_state "$T/two.out" kubesim2)" "$(names_of k2)"
old=$(k get pods -n demo -l app=web -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}' | sort)
out=$(k rollout restart deployment/web -n demo)
expect_match "(judge) rollout restart on cluster 1" "$out" 'deployment.apps/web restarted'
out=$(k rollout status deployment/web -n demo --timeout=90s 2>&1)
expect_match "(judge) the rollout completes" "$out" 'successfully rolled out'
new=$(k get pods -n demo -l app=web -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}' | sort |
	comm -23 - <(echo "$old"))
expect_eq "(judge) the rollout made 3 new web pods" "$(printf '%s\n' "$new" | grep -c .)" 3
saw_new() {
	local p
	for p in $new; do grep -Eq "^(ADDED|MODIFIED) +kubesim +demo +$p " "$T/two.out" || return 1; done
}
saw_old_go() {
	local p
	for p in $old; do grep -Eq "^DELETED +kubesim +demo +$p " "$T/two.out" || return 1; done
}
if wait_until 30 saw_new; then pass "pods -w: the new web pods appear under kubesim"; else fail "pods -w: the new web pods appear under kubesim"; fi
if wait_until 60 saw_old_go; then pass "pods -w: the old web pods are DELETED under kubesim"; else fail "pods -w: the old web pods are DELETED under kubesim"; fi
# Both clusters run the same scenario with the same seed, so cluster 2 has
# pods with the very names cluster 1 just deleted: they must stay.
expect_eq "pods -w: nothing deleted under kubesim2" "$(grep -Ec '^DELETED +kubesim2 ' "$T/two.out")" 0
expect_eq "pods -w: cluster 1's new pods never show under kubesim2" \
	"$(for p in $new; do grep -E "^[A-Z]+ +kubesim2 +demo +$p " "$T/two.out"; done | wc -l)" 0
one_agrees() { [ "$(table_state "$T/two.out" kubesim)" = "$(names_of k)" ]; }
wait_until 30 one_agrees
expect_eq "pods -w: kubesim's rows end as kubectl's pods" "$(table_state "$T/two.out" kubesim)" "$(names_of k)"
expect_eq "pods -w: kubesim2 still as kubectl sees it" "$(table_state "$T/two.out" kubesim2)" "$(names_of k2)"
stop_bg "$two_pid"
check_rc "pods -w on SIGTERM" "$?" 0
BG_PIDS=()

# ---- 3. a watch that must converge through faults and a restart ----------------
section "3 faults and a restart"

"$OPSDECK" pods -A -w --json >"$T/w.out" 2>"$T/w.err" &
w_pid=$!
BG_PIDS+=("$w_pid")
# ns/name resourceVersion of the pods alive in the JSON-lines stream.
stream_state() {
	json_tsv lines type context object.namespace object.name object.resourceVersion <"$1" |
		awk -F'\t' -v c="$2" '$2 == c {k = $3 "/" $4; if ($1 == "DELETED") delete m[k]; else m[k] = $5}
			END {for (k in m) print k, m[k]}' | sort
}
kubectl_state() {
	k get pods -A -o jsonpath='{range .items[*]}{.metadata.namespace}/{.metadata.name} {.metadata.resourceVersion}{"\n"}{end}' | sort
}
converged() { # [FILE]
	local theirs
	theirs=$(kubectl_state) || return 1
	[ -n "$theirs" ] && [ "$(stream_state "${1:-$T/w.out}" kubesim)" = "$theirs" ]
}
# converge NAME [TIMEOUT [FILE]]: wait until the stream's picture is
# kubectl's.
converge() {
	local f=${3:-$T/w.out}
	if wait_until "${2:-30}" converged "$f"; then
		pass "$1"
	else
		fail "$1"
		diff <(kubectl_state) <(stream_state "$f" kubesim) | head -n 20 | sed 's/^/    /'
	fi
}
fault() { ks_curl admin -X POST -H 'Content-Type: application/json' -d "$1" /kubesim/v1/faults >/dev/null; }
fail_left() { ks_curl admin /kubesim/v1/faults | json_tsv doc failNext.count; }
consumed() { [ "$(fail_left)" = 0 ]; }
# A change opsdeck has to notice: delete a web pod (its ReplicaSet makes a
# new one).
bump() {
	local p
	p=$(k get pods -n demo -l app=web -o jsonpath='{.items[0].metadata.name}')
	k delete pod -n demo "$p" --wait=false >/dev/null
}

converge "watch --json: the first picture is kubectl's"
snap=$(head -n "$(wc -l <"$T/w.out")" "$T/w.out") # whole lines only
expect_eq "watch --json: every line is an ADDED/MODIFIED/DELETED event of context kubesim" \
	"$(printf '%s\n' "$snap" | json_tsv lines type context | grep -Evc $'^(ADDED|MODIFIED|DELETED)\tkubesim$')" 0
expect_eq "watch --json: every line parses" \
	"$(printf '%s\n' "$snap" | json_tsv lines type | wc -l)" "$(printf '%s\n' "$snap" | wc -l)"

fault '{"dropWatches":true}'
bump
converge "after dropped watches: converges"

fault '{"expireResourceVersions":true}'
bump
converge "after expired resourceVersions: converges"

# Changes made while opsdeck waits out a 429, then the history is
# forgotten: only a relist can tell it what it missed.
fault '{"dropWatches":true,"failNext":{"count":1,"code":429,"retryAfterSeconds":3}}'
wait_until 10 consumed
ks_curl admin -X DELETE /kubesim/v1/faults >/dev/null
bump
fault '{"expireResourceVersions":true}'
converge "after changes missed during a 429 and an expired history: converges"

fault '{"dropWatches":true,"failNext":{"count":3,"code":500}}'
if wait_until 20 consumed; then pass "opsdeck retries through three 500s"; else fail "opsdeck retries through three 500s"; fi
ks_curl admin -X DELETE /kubesim/v1/faults >/dev/null
bump
converge "after 500s: converges"
expect_match "500s while watching are reported as retried" "$(cat "$T/w.err")" 'injected internal error.*retrying'

fault '{"dropWatches":true,"failNext":{"count":2,"code":429,"retryAfterSeconds":1}}'
if wait_until 20 consumed; then pass "opsdeck retries through two 429s"; else fail "opsdeck retries through two 429s"; fi
ks_curl admin -X DELETE /kubesim/v1/faults >/dev/null
bump
converge "after 429s: converges"
check "the watch is still running" kill -0 "$w_pid"

# A network blip: the same kubesim behind a TCP proxy that goes away and
# comes back. Nothing is forgotten this time, so opsdeck resumes its watch
# where it was (no relist, no list request): the watch stream alone must
# bring "connected" back, and the change made meanwhile.
if command -v python3 >/dev/null; then
	cat >"$T/proxy.py" <<'EOF'
import asyncio, sys
listen, target = int(sys.argv[1]), int(sys.argv[2])
async def pipe(r, w):
    try:
        while True:
            data = await r.read(65536)
            if not data:
                break
            w.write(data)
            await w.drain()
    except Exception:
        pass
    finally:
        w.close()
async def handle(cr, cw):
    try:
        sr, sw = await asyncio.open_connection("127.0.0.1", target)
    except OSError:
        cw.close()
        return
    await asyncio.gather(pipe(cr, sw), pipe(sr, cw))
async def main():
    srv = await asyncio.start_server(handle, "127.0.0.1", listen, reuse_address=True)
    print("listening", flush=True)
    async with srv:
        await srv.serve_forever()
asyncio.run(main())
EOF
	proxy_port=$(free_port)
	proxy_start() {
		rm -f "$T/proxy.out"
		python3 "$T/proxy.py" "$proxy_port" "${KS_URL##*:}" >"$T/proxy.out" 2>&1 &
		PROXY_PID=$!
		wait_until 10 grep -q listening "$T/proxy.out"
	}
	proxy_stop() {
		kill -TERM "$PROXY_PID" 2>/dev/null
		wait "$PROXY_PID" 2>/dev/null
		PROXY_PID=""
	}
	sed "s#^\( *server:\).*#\1 https://127.0.0.1:$proxy_port#" "$KC1" >"$T/proxy.kc"
	proxy_start
	"$OPSDECK" pods -A -w --json --kubeconfig "$T/proxy.kc" >"$T/b.out" 2>"$T/b.err" &
	b_pid=$!
	BG_PIDS+=("$b_pid")
	converge "through a proxy: the first picture is kubectl's" 30 "$T/b.out"
	bmark=$(wc -l <"$T/b.err")
	proxy_stop
	b_reconnecting() { tail -n +$((bmark + 1)) "$T/b.err" | grep -q '^opsdeck: kubesim: reconnecting (attempt'; }
	if wait_until 20 b_reconnecting; then pass "network blip: stderr says reconnecting"; else fail "network blip: stderr says reconnecting"; fi
	bump
	proxy_start
	b_connected() {
		tail -n +$((bmark + 1)) "$T/b.err" |
			awk '/: reconnecting / {r = 1} r && /^opsdeck: kubesim: connected$/ {f = 1} END {exit !f}'
	}
	b_settled() { b_connected && converged "$T/b.out"; }
	wait_until 20 b_settled
	if b_connected; then
		pass "network blip: stderr says connected after reconnecting"
	else
		fail "network blip: stderr says connected after reconnecting"
		tail -n +$((bmark + 1)) "$T/b.err" | tail -n 5 | cut -c1-200 | sed 's/^/    /'
	fi
	converge "network blip: the change made meanwhile arrives" 3 "$T/b.out"
	stop_bg "$b_pid"
	proxy_stop
else
	echo "# skip: no python3 for the network blip proxy"
fi

# Restart kubesim on the same port and CA: a fresh world from the scenario,
# without the evil pod and the replaced web pods, with resourceVersions of
# its own. opsdeck must notice, relist and emit the difference.
mark=$(wc -l <"$T/w.err")
gone=$(stream_state "$T/w.out" kubesim | cut -d' ' -f1)
port=${KS_URL##*:}
ks_stop
# Down long enough for opsdeck to find the port closed.
down_reported() { tail -n +$((mark + 1)) "$T/w.err" | grep -q '^opsdeck: kubesim: \(reconnecting\|down\) (attempt'; }
wait_until 20 down_reported
after_err=$(tail -n +$((mark + 1)) "$T/w.err")
expect_match "while kubesim is down: stderr says reconnecting" "$after_err" \
	'^opsdeck: kubesim: reconnecting \(attempt [0-9]+(, next try in [0-9]+\.[0-9]s)?\): cannot reach https://127\.0\.0\.1:'"$port"
KS_LISTEN="127.0.0.1:$port" ks_start "$SCENARIO" || exit 1
# (the fresh world's controller needs a moment to make its pods)
wait_until 40 web_ready k
wait_until 30 job_done k
gone=$(comm -23 <(echo "$gone") <(kubectl_state | cut -d' ' -f1))
expect_match "(judge) the fresh world lacks pods the old one had" "$gone" 'demo/evil'
reconnected() { tail -n +$((mark + 1)) "$T/w.err" | grep -q '^opsdeck: kubesim: connected$'; }
restart_settled() { reconnected && converged; }
wait_until 15 restart_settled
after_err=$(tail -n +$((mark + 1)) "$T/w.err")
expect_eq "after the restart: stderr says connected after reconnecting" \
	"$(printf '%s\n' "$after_err" | awk '/: reconnecting / {r = 1} r && /^opsdeck: kubesim: connected$/ {print "yes"; exit}')" yes
converge "after the restart: the picture is kubectl's (names and resourceVersions)" 3
expect_eq "after the restart: pods of the old world are DELETED" \
	"$(for p in $gone; do json_tsv lines type object.namespace object.name <"$T/w.out" |
		grep -Fxq "$(printf 'DELETED\t%s\t%s' "${p%%/*}" "${p#*/}")" || echo "$p"; done)" ""
check "the watch survived the restart" kill -0 "$w_pid"
stop_bg "$w_pid"
check_rc "pods -w --json on SIGTERM" "$?" 0
BG_PIDS=()

ks_stop
expect_eq "kubesim stops cleanly" "$?" 0
kill -TERM "$KS2_PID" 2>/dev/null
wait "$KS2_PID"
expect_eq "the second kubesim stops cleanly" "$?" 0
KS2_PID=""
ks_finish
