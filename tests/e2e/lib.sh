# Shared helpers for end-to-end tests (sourced, not run).
#
# ks_start SCENARIO [ARGS...] starts build/kubesim on a free loopback port
# with its own kubeconfig, TLS folder and kubectl cache in a temporary
# folder, waits for its "listening" line, and arranges for it to be stopped
# when the test exits. Assertions count passes and failures; ks_finish ends
# the script with a non-zero status when anything failed.
set -u
BUILD=${BUILD:-build}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
KUBESIM="$ROOT/$BUILD/kubesim"
T=$(mktemp -d "${TMPDIR:-/tmp}/opsdeck-e2e.XXXXXX")
export KUBECACHEDIR="$T/kubecache"
export HOME="$T/home"
mkdir -p "$HOME"
E2E_PASS=0
E2E_FAIL=0
KS_PID=""

ks_cleanup() {
	if [ -n "$KS_PID" ] && kill -0 "$KS_PID" 2>/dev/null; then
		kill -TERM "$KS_PID" 2>/dev/null
		wait "$KS_PID" 2>/dev/null
	fi
	jobs -p | xargs -r kill 2>/dev/null
	rm -rf "$T"
}
trap ks_cleanup EXIT

# ks_start SCENARIO [ARGS...]: sets KS_URL, KS_PID, KUBECONFIG, KS_CA
ks_start() {
	local scenario=$1
	shift
	mkdir -p "$T/tls"
	rm -f "$T/ks.out"
	"$KUBESIM" --scenario "$scenario" --listen "${KS_LISTEN:-127.0.0.1:0}" \
		--kubeconfig-out "$T/kubeconfig" --tls-dir "$T/tls" "$@" \
		>"$T/ks.out" 2>"$T/ks.err" &
	KS_PID=$!
	local i
	for i in $(seq 1 200); do
		if grep -q '^kubesim: listening on ' "$T/ks.out" 2>/dev/null; then
			KS_URL=$(sed -n 's/^kubesim: listening on //p' "$T/ks.out" | head -n 1)
			export KUBECONFIG="$T/kubeconfig"
			KS_CA="$T/tls/ca.crt"
			return 0
		fi
		if ! kill -0 "$KS_PID" 2>/dev/null; then
			echo "kubesim exited early:" >&2
			cat "$T/ks.err" >&2
			return 1
		fi
		sleep 0.05
	done
	echo "kubesim did not start within 10 s" >&2
	cat "$T/ks.err" >&2
	return 1
}

ks_stop() {
	if [ -n "$KS_PID" ]; then
		kill -TERM "$KS_PID" 2>/dev/null
		wait "$KS_PID"
		local rc=$?
		KS_PID=""
		return $rc
	fi
}

# The bearer token of a scenario user, from the written kubeconfig.
ks_token() {
	awk -v u="$1" '$0 ~ "^- name: .*-"u"$" {f=1; next} f && /token:/ {print $2; exit}' "$KUBECONFIG"
}

# Raw HTTPS request as USER: ks_curl USER [curl args...] URL-PATH
ks_curl() {
	local user=$1
	shift
	local path=${*: -1}
	local n=$(($# - 1))
	curl -sS --cacert "$KS_CA" -H "Authorization: Bearer $(ks_token "$user")" \
		"${@:1:$n}" "$KS_URL$path"
}

pass() {
	E2E_PASS=$((E2E_PASS + 1))
	echo "ok - $*"
}

fail() {
	E2E_FAIL=$((E2E_FAIL + 1))
	echo "not ok - $*"
}

# check NAME COMMAND...: the command must succeed.
check() {
	local name=$1
	shift
	local out
	if out=$("$@" 2>&1); then
		pass "$name"
	else
		fail "$name"
		printf '%s\n' "$out" | head -n 20 | sed 's/^/    /'
	fi
}

# expect_match NAME TEXT REGEX: TEXT must match the extended regex.
expect_match() {
	if printf '%s' "$2" | grep -Eq -- "$3"; then
		pass "$1"
	else
		fail "$1 (wanted /$3/)"
		printf '%s\n' "$2" | head -n 20 | cut -c1-300 | sed 's/^/    /'
	fi
}

expect_no_match() {
	if printf '%s' "$2" | grep -Eq -- "$3"; then
		fail "$1 (did not want /$3/)"
		printf '%s\n' "$2" | head -n 20 | cut -c1-300 | sed 's/^/    /'
	else
		pass "$1"
	fi
}

expect_eq() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1 (got '$2', wanted '$3')"
	fi
}

# wait_until SECONDS COMMAND...: retry the command until it succeeds.
wait_until() {
	local deadline=$((SECONDS + $1))
	shift
	while [ $SECONDS -lt $deadline ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}

ks_finish() {
	echo "$E2E_PASS passed, $E2E_FAIL failed"
	[ "$E2E_FAIL" -eq 0 ]
}

# json_tsv doc|lines FIELD...: one tab-separated row per object of a JSON
# document (an object or an array of them) or of JSON lines (lines that do
# not parse, such as a half-written last line, are skipped). FIELD is a
# dotted path; strings as they are, null as "", anything else as JSON.
if command -v jq >/dev/null && [ "${E2E_NO_JQ:-}" != 1 ]; then
	json_tsv() {
		local mode=$1 prog='' f
		shift
		for f in "$@"; do
			prog="$prog${prog:+, }(.$f | if . == null then \"\" elif type == \"string\" then . else tojson end)"
		done
		if [ "$mode" = lines ]; then
			jq -rR "fromjson? | (if type == \"array\" then .[] else . end) | [$prog] | @tsv"
		else
			jq -r "(if type == \"array\" then .[] else . end) | [$prog] | @tsv"
		fi
	}
else
	json_tsv() {
		python3 -c '
import json, sys
mode, fields = sys.argv[1], sys.argv[2:]
def cell(o, path):
    for k in path.split("."):
        o = o.get(k) if isinstance(o, dict) else None
    if o is None:
        return ""
    s = o if isinstance(o, str) else json.dumps(o, separators=(",", ":"))
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
docs = []
if mode == "lines":
    for line in sys.stdin:
        try:
            docs.append(json.loads(line))
        except ValueError:
            pass
else:
    docs.append(json.load(sys.stdin))
for d in docs:
    for o in (d if isinstance(d, list) else [d]):
        print("\t".join(cell(o, f) for f in fields))
' "$@"
	}
fi

# finpay_start: the FinPay example as the demo has it — the generated
# config repo ($REPO) and its two kubesim clusters, finpay-dev (ks_start's,
# KS_PID) and finpay-prod ($PROD_PID, $PROD_DIR), with KUBECONFIG naming
# both; waits until everything that can roll out has (fraud-detector in
# staging crash-loops). The person's own settings are kept out.
finpay_start() {
	FINPAY="$ROOT/examples/finpay"
	REPO="$T/finpay"
	bash "$FINPAY/make-repo.sh" "$REPO" >"$T/make-repo.out" 2>&1 ||
		{ cat "$T/make-repo.out"; return 1; }
	ks_start "$FINPAY/kubesim/finpay-dev.yaml" --context finpay-dev || return 1
	DEV_KC="$T/kubeconfig"
	PROD_DIR="$T/prod"
	mkdir -p "$PROD_DIR/tls"
	"$KUBESIM" --scenario "$FINPAY/kubesim/finpay-prod.yaml" --listen 127.0.0.1:0 \
		--kubeconfig-out "$PROD_DIR/kubeconfig" --tls-dir "$PROD_DIR/tls" \
		--context finpay-prod >"$PROD_DIR/out" 2>"$PROD_DIR/err" &
	PROD_PID=$!
	trap 'kill $PROD_PID 2>/dev/null; ks_cleanup' EXIT
	wait_until 10 grep -q '^kubesim: listening' "$PROD_DIR/out" || { cat "$PROD_DIR/err"; return 1; }
	export KUBECONFIG="$DEV_KC:$PROD_DIR/kubeconfig"
	export XDG_CONFIG_HOME="$T/config" XDG_CACHE_HOME="$T/cache" XDG_STATE_HOME="$T/state"
	unset OPSDECK_REPO
	wait_until 30 finpay_rolled_out finpay-prod || { echo "production did not roll out"; return 1; }
	wait_until 30 finpay_rolled_out finpay-dev fraud-stg || { echo "development and staging did not roll out"; return 1; }
	wait_until 30 sh -c "kubectl --request-timeout=20s get pods -n fraud-stg --context finpay-dev | grep -q CrashLoopBackOff" ||
		{ echo "fraud-detector is not crash-looping"; return 1; }
}

# finpay_rolled_out CONTEXT [NAMESPACE-TO-SKIP]: every deployment ready.
finpay_rolled_out() {
	[ "$(kubectl --request-timeout=20s get deploy -A --context "$1" --no-headers 2>/dev/null |
		awk -v skip="${2:-}" '$1 != skip { split($3, r, "/"); if (r[1] != r[2]) n++ } END { print n + 0 }')" = 0 ]
}
