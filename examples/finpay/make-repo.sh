#!/usr/bin/env bash
# make-repo.sh DIR — generate the FinPay config repo: a real Git repository
# with six months of history (2026-05-04 .. 2026-11-12) by six people:
# releases promoted development -> staging -> production, production
# changes through merged pull requests with Reviewed-by/Approved-by
# trailers, a hotfix, a rollback by `git revert`, commits that touch
# version files without changing a version, and at the end opsdeck's
# runbooks and policy, merged like any other change.
#
# Deterministic: the same script gives the same commit ids on every
# machine (fixed dates, no user or system git configuration). Needs bash
# 4.4, git 2.31 and coreutils, nothing else. It runs about 200 git
# commands and few other processes: about 7 s on a busy 2-CPU machine
# (24 s when starting a process took 20 ms there).
#
# The final state of every cell is the table below; the script checks the
# repo it made against it, and check.sh checks the kubesim scenarios in
# kubesim/ against the repo. Change the story and the table, the
# scenarios and README.md's facts together (check.sh says what differs).
set -euo pipefail

# ---- the final state: every cell's desired version at the tip of main ----
FINAL_VERSIONS='
payments-api/development              2.15.0
payments-api/staging                  2.15.0
payments-api/production               2.14.1
ledger-service/development            3.4.0
ledger-service/staging                3.4.0
ledger-service/production             3.4.0
fraud-detector/development            1.9.1
fraud-detector/staging                1.9.0
fraud-detector/production             1.8.2
merchant-portal/development/acme      4.7.0
merchant-portal/development/euroshop  4.7.0
merchant-portal/staging/acme          4.7.0
merchant-portal/staging/euroshop      4.7.0
merchant-portal/production/acme       4.7.0
merchant-portal/production/euroshop   4.6.3
merchant-api/development              5.2.1
merchant-api/staging                  5.2.1
merchant-api/production               5.2.1
kyc-service/staging                   1.12.0
kyc-service/production                1.12.0
'

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TPL=$HERE/repo
# shellcheck source=lib.sh
source "$HERE/lib.sh"

die() { echo "make-repo.sh: $*" >&2; exit 1; }

[[ $# == 1 && $1 != -* ]] || { echo "usage: make-repo.sh DIR" >&2; exit 2; }
DIR=$1
if [[ -e $DIR ]]; then
	[[ -d $DIR ]] || die "$DIR exists and is not a folder"
	[[ -z $(ls -A -- "$DIR") ]] || die "$DIR is not empty"
fi
mkdir -p -- "$DIR"
DIR=$(cd -- "$DIR" && pwd)
START=$(date +%s%N)

# ---- a git that no configuration can change ----
SCRATCH=$(mktemp -d)
trap 'rm -rf -- "$SCRATCH"' EXIT
export HOME=$SCRATCH XDG_CONFIG_HOME=$SCRATCH GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export LC_ALL=C TZ=UTC GIT_MERGE_AUTOEDIT=no GIT_TERMINAL_PROMPT=0
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES \
	GIT_NAMESPACE GIT_CONFIG GIT_CONFIG_PARAMETERS GIT_CONFIG_COUNT GIT_TEMPLATE_DIR \
	GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_AUTHOR_DATE GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL \
	GIT_COMMITTER_DATE GIT_EDITOR GIT_SEQUENCE_EDITOR GIT_DEFAULT_HASH GIT_REPLACE_REF_BASE
g() {
	git -c init.defaultBranch=main -c commit.gpgsign=false -c tag.gpgsign=false \
		-c core.hooksPath=/dev/null -c core.autocrlf=false -c core.fileMode=true \
		-c core.logAllRefUpdates=false -c gc.auto=0 -c maintenance.auto=false -c merge.log=false \
		-c rerere.enabled=false -c advice.detachedHead=false "$@"
}
cd "$DIR"
g init -q --template= --object-format=sha1 .

# Shell forks are slow on a loaded machine, so the helpers below run git
# and nothing else: no $(...), no sed or grep in the story.

# ---- people ----
declare -A NAME=([priya]="Priya Raman" [tomasz]="Tomasz Nowak" [lena]="Lena Fischer"
	[diego]="Diego Alvarez" [sam]="Sam Okafor" [mei]="Mei Tanaka")
declare -A EMAIL
for who in "${!NAME[@]}"; do
	n=${NAME[$who]} n=${n,,}
	EMAIL[$who]=${n// /.}@finpay.example
done

# ---- the clock: a day, then each commit a little later ----
CLOCK=0 NCOMMITS=0 NMERGES=0
# days since 1970-01-01 of Y M D (Howard Hinnant's days_from_civil)
civil_days() {
	local y=$1 m=$((10#$2)) d=$((10#$3))
	((y -= m <= 2))
	local era=$(((y >= 0 ? y : y - 399) / 400))
	local yoe=$((y - era * 400))
	local doy=$(((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1))
	REPLY=$((era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468))
}
day() {
	local head
	read -r head <.git/HEAD
	[[ $head == "ref: refs/heads/main" ]] || die "day $1: still on ${head#ref: refs/heads/}"
	[[ $1 =~ ^([0-9]{4})-([0-9]{2})-([0-9]{2})$ ]] || die "bad day $1"
	civil_days "${BASH_REMATCH[@]:1}"
	(((REPLY + 4) % 7 != 0 && (REPLY + 4) % 7 != 6)) || die "$1 is a weekend"
	local s=$((REPLY * 86400 + 9 * 3600 + 5 * 60))
	((s > CLOCK)) && CLOCK=$s
	return 0
}
tick() {
	NCOMMITS=$((NCOMMITS + 1))
	CLOCK=$((CLOCK + (17 + (NCOMMITS * 29) % 67) * 60))
	printf -v WHEN '%(%Y-%m-%dT%H:%M:%S+0000)T' "$CLOCK"
}
as() {
	export GIT_AUTHOR_NAME=${NAME[$1]} GIT_AUTHOR_EMAIL=${EMAIL[$1]} GIT_AUTHOR_DATE=$WHEN
	export GIT_COMMITTER_NAME=${NAME[$1]} GIT_COMMITTER_EMAIL=${EMAIL[$1]} GIT_COMMITTER_DATE=$WHEN
}

# ---- branches: main, or a pull request's ----
BRANCH=main
declare -A PRNUM PRTITLE PRAUTHORS
NEXT_PR=112 LAST_MERGE='' MERGED=()
# pr_open BRANCH: what `git checkout -b BRANCH main` does with main checked
# out and a clean work tree (the index stays as it is), without a process.
pr_open() {
	local head tip
	read -r head <.git/HEAD
	[[ $head == "ref: refs/heads/main" ]] || die "pr_open $1: on ${head#ref: refs/heads/}, not main"
	[[ ! -e .git/refs/heads/$1 ]] || die "pr_open $1: the branch exists"
	PRNUM[$1]=$NEXT_PR
	NEXT_PR=$((NEXT_PR + 1))
	read -r tip <.git/refs/heads/main
	mkparent ".git/refs/heads/$1"
	printf '%s\n' "$tip" >".git/refs/heads/$1"
	printf 'ref: refs/heads/%s\n' "$1" >.git/HEAD
	BRANCH=$1
}
onbranch() { g checkout -q "$1"; BRANCH=$1; }
onmain() { onbranch main; }

# commit WHO SUBJECT [BODY]: commit every change in the work tree.
NEWFILES=0
commit() {
	local who=$1 subject=$2 body=${3:-}
	tick
	as "$who"
	printf '%s\n' "$subject" >"$SCRATCH/msg"
	if [[ -n $body ]]; then printf '\n%s\n' "$body" >>"$SCRATCH/msg"; fi
	if ((NEWFILES)); then
		g add -A
		g commit -q --no-verify -F "$SCRATCH/msg" || die "cannot commit: $subject"
	else
		g commit -q --no-verify -a -F "$SCRATCH/msg" || die "cannot commit: $subject"
	fi
	NEWFILES=0
	if [[ $BRANCH != main ]]; then
		[[ -n ${PRTITLE[$BRANCH]:-} ]] || PRTITLE[$BRANCH]=$subject
		PRAUTHORS[$BRANCH]+=" $who "
	fi
}

# pr_merge BRANCH MERGER REVIEWER [TITLE]: merge a pull request as GitHub
# does (git merge --no-ff) with the approver as the one who merges, and
# the review trailers. The title defaults to the first commit's subject.
pr_merge() {
	local br=$1 merger=$2 reviewer=$3 title=${4:-${PRTITLE[$1]}}
	[[ ${PRAUTHORS[$br]} != *" $merger "* ]] || die "$br: $merger may not merge their own change"
	onmain
	tick
	as "$merger"
	printf 'Merge pull request #%s from finpay/%s\n\n%s\n\nReviewed-by: %s <%s>\nApproved-by: %s <%s>\n' \
		"${PRNUM[$br]}" "$br" "$title" "${NAME[$reviewer]}" "${EMAIL[$reviewer]}" \
		"${NAME[$merger]}" "${EMAIL[$merger]}" >"$SCRATCH/msg"
	g merge -q --no-ff --no-verify -F "$SCRATCH/msg" "$br" >/dev/null
	read -r LAST_MERGE <.git/refs/heads/main
	NMERGES=$((NMERGES + 1))
	MERGED+=("$br")
}

# ---- editing the files (bash only) ----
mkparent() { [[ $1 != */* || -d ${1%/*} ]] || mkdir -p "${1%/*}"; }
# write FILE < TEXT
write() {
	local text
	IFS='' read -r -d '' text || true
	mkparent "$1"
	printf '%s' "$text" >"$1"
	NEWFILES=1
}
# from_tpl FILE...: copy files from repo/ as they are
from_tpl() { local f; for f; do write "$f" <"$TPL/$f"; done; }
# edit FILE REGEX REPLACEMENT: in the one line that matches the (bash) ERE,
# replace the match; \1..\9 in REPLACEMENT are the groups.
edit() {
	local file=$1 re=$2 rep=$3 line out='' n=0 i new
	while IFS='' read -r line || [[ -n $line ]]; do
		if [[ $line =~ $re ]]; then
			n=$((n + 1))
			new=$rep
			for ((i = 1; i < ${#BASH_REMATCH[@]} && i < 10; i++)); do
				new=${new//\\$i/${BASH_REMATCH[i]}}
			done
			line=${line/"${BASH_REMATCH[0]}"/$new}
		fi
		out+=$line$'\n'
	done <"$file"
	[[ $n == 1 ]] || die "$file: $n lines match /$re/"
	printf '%s' "$out" >"$file"
}
# insert_after FILE REGEX < TEXT: TEXT goes after the one line matching.
insert_after() {
	local file=$1 re=$2 text line n=0 out=''
	IFS='' read -r -d '' text || true
	text=${text%$'\n'}
	while IFS='' read -r line || [[ -n $line ]]; do
		out+=$line$'\n'
		if [[ $line =~ $re ]]; then
			n=$((n + 1))
			out+=$text$'\n'
		fi
	done <"$file"
	[[ $n == 1 ]] || die "$file: $n lines match /$re/"
	printf '%s' "$out" >"$file"
}
# append FILE < TEXT
append() {
	local text
	IFS='' read -r -d '' text || true
	printf '%s' "$text" >>"$1"
}
# check CELL VERSION: the work tree gives the cell that version.
check() {
	fp_desired "$1" fp_load_dir || FP_VERSION=none
	[[ $FP_VERSION == "$2" ]] || die "$1 is $FP_VERSION in the work tree, expected $2"
}
# setv SERVICE ENV[/TENANT] VERSION: change a cell's desired version where
# it lives (ledger development: the chart's appVersion; EuroShop's portal
# in development: the chart's default tag).
setv() {
	local s=$1 e=${2%%/*} t='' v=$3
	[[ $2 == */* ]] && t=${2#*/}
	case $s/$e in
	ledger-service/development) edit charts/ledger-service/Chart.yaml '^appVersion: .*$' "appVersion: \"$v\"" ;;
	payments-api/* | ledger-service/*) edit "charts/$s/values-$e.yaml" '^  tag: .*$' "  tag: \"$v\"" ;;
	fraud-detector/* | merchant-api/*) edit "apps/$s/overlays/$e/kustomization.yaml" '^    newTag: .*$' "    newTag: \"$v\"" ;;
	kyc-service/*) edit "manifests/kyc-service/$e.yaml" '^(          image: registry\.finpay\.example/merchants/kyc-service):.*$' "\\1:$v" ;;
	merchant-portal/development)
		if [[ $t == euroshop ]]; then
			edit charts/merchant-portal/values.yaml '^  tag: .*$' "  tag: \"$v\""
		else
			edit "tenants/$t/merchant-portal/values-$e.yaml" '^  tag: .*$' "  tag: \"$v\""
		fi ;;
	merchant-portal/*) edit "tenants/$t/merchant-portal/values-$e.yaml" '^  tag: .*$' "  tag: \"$v\"" ;;
	*) die "setv: no cell $s/$2" ;;
	esac
	check "$s/$2" "$v"
}

# ---- the files as the teams first committed them ----
import_payments_api() {
	local v=$1
	from_tpl charts/payments-api/templates/deployment.yaml charts/payments-api/templates/service.yaml
	write charts/payments-api/Chart.yaml <<EOF
apiVersion: v2
name: payments-api
description: FinPay payments API (card and SEPA payment intents, captures, refunds)
type: application
version: 0.7.0
appVersion: "$v"
maintainers:
  - name: payments
    email: payments@finpay.example
EOF
	write charts/payments-api/values.yaml <<'EOF'
# Defaults for every environment; values-<env>.yaml overrides them.
image:
  repository: registry.finpay.example/payments/payments-api
  # The tag is pinned per environment in values-<env>.yaml
  # (without one, the chart's appVersion runs).
  pullPolicy: IfNotPresent

replicaCount: 1

resources:
  requests:
    cpu: 100m
    memory: 256Mi
  limits:
    memory: 512Mi

env:
  LOG_FORMAT: json
  LOG_LEVEL: info
EOF
	write charts/payments-api/values-development.yaml <<EOF
# payments-api in development (finpay-dev, namespace payments-dev)
image:
  repository: registry.finpay.example/payments/payments-api
  tag: "$v"

replicaCount: 1

env:
  LOG_LEVEL: debug
  PAYMENTS_PROVIDER: adyen-test
  DB_POOL_SIZE: "5"
EOF
	write charts/payments-api/values-staging.yaml <<EOF
# payments-api in staging (finpay-dev, namespace payments-stg)
image:
  repository: registry.finpay.example/payments/payments-api
  tag: "$v"

replicaCount: 2

resources:
  requests:
    cpu: 250m
    memory: 384Mi
  limits:
    memory: 512Mi

env:
  LOG_LEVEL: info
  PAYMENTS_PROVIDER: adyen-test
  DB_POOL_SIZE: "10"
EOF
	write charts/payments-api/values-production.yaml <<EOF
# payments-api in production (finpay-prod, namespace payments-prod)
image:
  repository: registry.finpay.example/payments/payments-api
  tag: "$v"

replicaCount: 2

resources:
  requests:
    cpu: 500m
    memory: 512Mi
  limits:
    memory: 768Mi

env:
  LOG_LEVEL: warn
  PAYMENTS_PROVIDER: adyen-live
  DB_POOL_SIZE: "20"
EOF
}

import_ledger_service() {
	local v=$1
	from_tpl charts/ledger-service/templates/deployment.yaml charts/ledger-service/templates/service.yaml
	write charts/ledger-service/Chart.yaml <<EOF
apiVersion: v2
name: ledger-service
description: FinPay double-entry ledger (journal, balances, settlement batches)
type: application
version: 0.8.0
appVersion: "$v"
maintainers:
  - name: payments
    email: payments@finpay.example
EOF
	write charts/ledger-service/values.yaml <<'EOF'
# Defaults for every environment; values-<env>.yaml overrides them.
image:
  repository: registry.finpay.example/payments/ledger-service
  # No tag here: environments that pin none run the chart's appVersion.
  pullPolicy: IfNotPresent

replicaCount: 1

resources:
  requests:
    cpu: 200m
    memory: 384Mi
  limits:
    memory: 768Mi

env:
  LOG_FORMAT: json
  LOG_LEVEL: info
EOF
	write charts/ledger-service/values-development.yaml <<'EOF'
# ledger-service in development (finpay-dev, namespace payments-dev)
# Development tracks the chart: no image tag here, so Chart.yaml's
# appVersion is what runs. Bump appVersion to release to development.
image:
  repository: registry.finpay.example/payments/ledger-service

replicaCount: 1

env:
  LOG_LEVEL: debug
  DB_HOST: ledger-db.payments-dev.svc
EOF
	write charts/ledger-service/values-staging.yaml <<EOF
# ledger-service in staging (finpay-dev, namespace payments-stg)
image:
  repository: registry.finpay.example/payments/ledger-service
  tag: "$v"

replicaCount: 1

env:
  DB_HOST: ledger-db.payments-stg.svc
EOF
	write charts/ledger-service/values-production.yaml <<EOF
# ledger-service in production (finpay-prod, namespace payments-prod)
image:
  repository: registry.finpay.example/payments/ledger-service
  tag: "$v"

replicaCount: 2

resources:
  requests:
    cpu: 500m
    memory: 1Gi
  limits:
    memory: 2Gi

env:
  LOG_LEVEL: warn
  DB_HOST: ledger-db.payments-prod.svc
  SETTLEMENT_CUTOFF: "16:00"
EOF
}

# kustomize_app SERVICE TEAM VERSION: base and three overlays. The tag is
# written as given (merchant-api's first overlays had it unquoted).
kustomize_overlay() {
	local s=$1 team=$2 e=$3 tag=$4 reps=$5 cpu=$6 mem=$7 extra=$8 ns
	fp_target "$s/$e"
	ns=$FP_NS
	write "apps/$s/overlays/$e/kustomization.yaml" <<EOF
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: $ns
resources:
  - ../../base
images:
  - name: registry.finpay.example/$team/$s
    newTag: $tag
replicas:
  - name: $s
    count: $reps
patches:
  - path: resources.yaml
EOF
	[[ -z $extra ]] || append "apps/$s/overlays/$e/kustomization.yaml" <<<"$extra"
	write "apps/$s/overlays/$e/resources.yaml" <<EOF
apiVersion: apps/v1
kind: Deployment
metadata:
  name: $s
spec:
  template:
    spec:
      containers:
        - name: $s
          resources:
            requests: {cpu: $cpu, memory: $mem}
            limits: {memory: $mem}
EOF
}
# env_patch SERVICE NAME VALUE: REPLY = a kustomize patch adding an env var
env_patch() {
	REPLY="  - target: {kind: Deployment, name: $1}
    patch: |-
      - op: add
        path: /spec/template/spec/containers/0/env/-
        value: {name: $2, value: \"$3\"}"
}
import_fraud_detector() {
	local v=\"$1\"
	from_tpl apps/fraud-detector/base/kustomization.yaml apps/fraud-detector/base/deployment.yaml \
		apps/fraud-detector/base/service.yaml
	env_patch fraud-detector SCORE_THRESHOLD 0.90
	kustomize_overlay fraud-detector payments development "$v" 1 100m 512Mi "$REPLY"
	env_patch fraud-detector SCORE_THRESHOLD 0.85
	kustomize_overlay fraud-detector payments staging "$v" 1 250m 1Gi "$REPLY"
	kustomize_overlay fraud-detector payments production "$v" 2 500m 2Gi "$REPLY"
}
import_merchant_api() {
	local v=$1 # unquoted on purpose: quoted later by "quote image tags"
	from_tpl apps/merchant-api/base/kustomization.yaml apps/merchant-api/base/deployment.yaml \
		apps/merchant-api/base/service.yaml
	kustomize_overlay merchant-api merchants development "$v" 1 100m 256Mi ""
	kustomize_overlay merchant-api merchants staging "$v" 1 200m 384Mi ""
	kustomize_overlay merchant-api merchants production "$v" 2 500m 768Mi ""
}

portal_values() {
	local t=$1 e=$2 v=$3 reps=$4 color region host
	case $t in
	acme) color='#FF6600' region=us-east-1 ;;
	euroshop) color='#003399' region=eu-west-1 ;;
	esac
	host=portal.$t.finpay.example
	[[ $e == production ]] || host=portal.$t.${FP_SHORT[$e]}.finpay.example
	local image="image:
  tag: \"$v\""
	[[ -n $v ]] || image="# No image tag: this release runs the chart's default
# (charts/merchant-portal/values.yaml)."
	write "tenants/$t/merchant-portal/values-$e.yaml" <<EOF
# merchant-portal for $t in $e (namespace merchant-$t-${FP_SHORT[$e]})
$image

replicaCount: $reps

branding:
  brandColor: "$color"
  logoUrl: https://cdn.finpay.example/tenants/$t/logo.svg

dataRegion: $region

ingress:
  host: $host
EOF
}
import_merchant_portal() {
	local v=$1
	from_tpl charts/merchant-portal/templates/deployment.yaml charts/merchant-portal/templates/service.yaml
	write charts/merchant-portal/Chart.yaml <<EOF
apiVersion: v2
name: merchant-portal
description: FinPay merchant portal, one release per tenant
type: application
version: 1.3.0
appVersion: "$v"
maintainers:
  - name: merchants
    email: merchants@finpay.example
EOF
	write charts/merchant-portal/values.yaml <<EOF
# Defaults for every tenant; tenants/<tenant>/merchant-portal/values-<env>.yaml
# overrides them. The tag here is what a tenant runs when its values pin none.
image:
  repository: registry.finpay.example/merchants/merchant-portal
  tag: "$v"
  pullPolicy: IfNotPresent

replicaCount: 1

resources:
  requests:
    cpu: 100m
    memory: 256Mi
  limits:
    memory: 384Mi

env:
  LOG_FORMAT: json
EOF
	portal_values acme development "$v" 1
	portal_values acme staging "$v" 1
	portal_values acme production "$v" 2
	portal_values euroshop development "" 1
	portal_values euroshop staging "$v" 1
	portal_values euroshop production "$v" 2
}

kyc_manifest() {
	local e=$1 v=$2 reps=$3 provider=$4 ns=kyc-${FP_SHORT[$1]}
	write "manifests/kyc-service/$e.yaml" <<EOF
# kyc-service in $e: applied as is by Argo CD (no Helm, no Kustomize).
apiVersion: v1
kind: Service
metadata:
  name: kyc-service
  namespace: $ns
spec:
  selector:
    app: kyc-service
  ports:
    - port: 80
      targetPort: 8080
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: kyc-service-config
  namespace: $ns
data:
  KYC_PROVIDER: $provider
  LOG_LEVEL: info
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: kyc-service
  namespace: $ns
  labels:
    app: kyc-service
spec:
  replicas: $reps
  selector:
    matchLabels:
      app: kyc-service
  template:
    metadata:
      labels:
        app: kyc-service
    spec:
      containers:
        - name: kyc-service
          image: registry.finpay.example/merchants/kyc-service:$v
          ports:
            - containerPort: 8080
          envFrom:
            - configMapRef:
                name: kyc-service-config
        - name: audit-shipper
          image: registry.finpay.example/platform/audit-shipper:0.4.2
          args: ["--source", "/var/log/kyc", "--sink", "audit.finpay.example:443"]
EOF
}

# =====================================================================
# The story
# =====================================================================

# ---- May: the repo is born; every team imports what it runs ----
day 2026-05-04
from_tpl README.md .github/CODEOWNERS
commit mei "Initial commit: FinPay platform config" \
	"Argo CD will sync this repository into finpay-dev and finpay-prod."
import_payments_api 2.10.0
commit tomasz "payments-api: import Helm chart and values (2.10.0)" \
	"Moved from the payments-api repository's deploy/ folder as is."
import_ledger_service 3.1.0
commit tomasz "ledger-service: import Helm chart and values (3.1.0)"

day 2026-05-05
import_fraud_detector 1.6.0
commit priya "fraud-detector: import Kustomize base and overlays (1.6.0)"
import_merchant_api 5.0.0
commit diego "merchant-api: import Kustomize base and overlays (5.0.0)"

day 2026-05-06
import_merchant_portal 4.4.0
commit diego "merchant-portal: import chart and tenant values for Acme and EuroShop (4.4.0)" \
	"EuroShop's development release follows the chart's default tag."
kyc_manifest staging 1.9.0 1 onfido-sandbox
kyc_manifest production 1.9.0 2 onfido-live
commit lena "kyc-service: import staging and production manifests (1.9.0)"

day 2026-05-07
# opsdeck.yaml as it was before the runbooks (see 2026-11-12): staging
# asked for confirmation, and no comment on the gates yet.
IFS='' read -r -d '' text <"$TPL/opsdeck.yaml" || true
gates=$'# Runbook runs (runbooks/) need no approval in development and staging,\n# unless a runbook asks for it (db-migration asks for confirmation), and a\n# second person\'s approval in production.\n'
stg=$'    short: stg\n    cluster: finpay-dev\n'
[[ $text == *"$gates"* && $text == *"$stg"* ]] || die "repo/opsdeck.yaml: no gates comment or staging entry"
text=${text/"$gates"/} text=${text/"$stg"/"$stg    approval: confirm"$'\n'}
write opsdeck.yaml <<<"${text%$'\n'}"
write policy.yaml <<'EOF'
# Who may run which runbook where. The rules' schema arrives with opsdeck's
# runbooks feature; until then there are none, and the environments'
# approval gates in opsdeck.yaml are all that applies.
rules: []
EOF
write runbooks/README.md <<'EOF'
# Runbooks

Approved runbooks for opsdeck live in this folder, one YAML file each
(restart, health check, database migration, ...). They arrive with
opsdeck's runbooks feature; this file keeps the folder in Git until then.
EOF
commit sam "Describe the platform for opsdeck" \
	"opsdeck.yaml lists the environments, tenants and services and where each
service's version lives; runbooks/ and policy.yaml are placeholders."

day 2026-05-08
edit .github/CODEOWNERS '^/opsdeck.yaml .*$' '/opsdeck.yaml                            @finpay/sre @finpay/platform'
commit sam "CODEOWNERS: platform owns opsdeck.yaml with SRE" \
	"From today main is protected: production changes go through pull requests."

# ---- the first release train ----
day 2026-05-11
setv payments-api development 2.11.0
commit tomasz "payments-api: 2.11.0 to development" "Refs: PAY-1041"

day 2026-05-12
pr_open chore/quote-image-tags
from_tpl .yamllint
for e in development staging production; do
	edit "apps/merchant-api/overlays/$e/kustomization.yaml" '^(    newTag: )([0-9.]+)$' '\1"\2"'
done
check merchant-api/production 5.0.0
commit diego "merchant-api: quote image tags in overlays (yamllint)" \
	"Unquoted, a tag like 5.10 would be the number 5.1. Same versions, quoted."
pr_merge chore/quote-image-tags lena sam

day 2026-05-13
setv payments-api staging 2.11.0
commit tomasz "payments-api: promote 2.11.0 to staging" "Refs: PAY-1041"

day 2026-05-14
edit apps/fraud-detector/overlays/staging/kustomization.yaml 'value: "0.85"' 'value: "0.82"'
commit priya "fraud-detector: lower the staging score threshold to 0.82" \
	"More reviews in staging while the new model is evaluated."

day 2026-05-18
pr_open promote/payments-api-2.11.0-production
setv payments-api production 2.11.0
commit tomasz "payments-api: promote 2.11.0 to production" \
	"Soaked in staging since 2026-05-13 without errors above baseline.

Refs: PAY-1041"
pr_merge promote/payments-api-2.11.0-production sam priya

day 2026-05-19
setv ledger-service development 3.2.0
commit tomasz "ledger-service: 3.2.0 to development (chart appVersion)" "Refs: PAY-1050"
pr_open feature/payments-api-idempotency-ttl
for e in development staging production; do
	insert_after "charts/payments-api/values-$e.yaml" '^  PAYMENTS_PROVIDER: ' <<<'  IDEMPOTENCY_TTL: 24h'
done
commit priya "payments-api: set IDEMPOTENCY_TTL in every environment" \
	"2.11 reads it; the default (1h) is too short for SEPA retries.

Refs: PAY-1047"
onmain

day 2026-05-20
setv payments-api development 2.11.1
commit tomasz "payments-api: 2.11.1 to development" "Refs: PAY-1052"
pr_merge feature/payments-api-idempotency-ttl sam tomasz

day 2026-05-21
setv fraud-detector development 1.7.0
commit priya "fraud-detector: 1.7.0 to development" "Refs: PAY-1055"

day 2026-05-25
setv ledger-service staging 3.2.0
commit tomasz "ledger-service: promote 3.2.0 to staging" "Refs: PAY-1050"
setv fraud-detector staging 1.7.0
commit priya "fraud-detector: promote 1.7.0 to staging" "Refs: PAY-1055"

day 2026-05-26
pr_open feature/merchant-portal-euroshop-sso
for e in development staging; do
	insert_after "tenants/euroshop/merchant-portal/values-$e.yaml" '^dataRegion: ' <<EOF

sso:
  issuer: https://login.${FP_SHORT[$e]}.euroshop.example
  clientId: finpay-portal-${FP_SHORT[$e]}
EOF
done
commit diego "merchant-portal: EuroShop SSO for development and staging" "Refs: MER-310"
onmain
edit charts/payments-api/values-staging.yaml '^  DB_POOL_SIZE: .*$' '  DB_POOL_SIZE: "15"'
commit tomasz "payments-api: 15 database connections per pod in staging" \
	"Load tests ran out of connections at 10."

day 2026-05-27
onbranch feature/merchant-portal-euroshop-sso
insert_after tenants/euroshop/merchant-portal/values-production.yaml '^dataRegion: ' <<'EOF'

sso:
  issuer: https://login.euroshop.example
  clientId: finpay-portal
EOF
commit diego "merchant-portal: EuroShop SSO for production" "Refs: MER-310"
pr_merge feature/merchant-portal-euroshop-sso lena mei "merchant-portal: EuroShop single sign-on"

day 2026-05-28
pr_open promote/ledger-service-3.2.0-production
setv ledger-service production 3.2.0
commit tomasz "ledger-service: promote 3.2.0 to production" \
	"The 3.2 migration adds an index concurrently; no lock on journal_entries.

Refs: PAY-1050"
pr_merge promote/ledger-service-3.2.0-production priya mei

# ---- June ----
day 2026-06-01
pr_open promote/fraud-detector-1.7.0-production
setv fraud-detector production 1.7.0
commit priya "fraud-detector: promote 1.7.0 to production" "Refs: PAY-1055"
pr_merge promote/fraud-detector-1.7.0-production sam tomasz
setv payments-api development 2.12.0
commit tomasz "payments-api: 2.12.0 to development" "Refs: PAY-1063"

day 2026-06-02
setv kyc-service staging 1.10.0
commit lena "kyc-service: 1.10.0 to staging" "Refs: MER-322"

day 2026-06-03
setv payments-api staging 2.12.0
commit tomasz "payments-api: promote 2.12.0 to staging" "Refs: PAY-1063"
setv merchant-api development 5.1.0
commit diego "merchant-api: 5.1.0 to development" "Refs: MER-318"

day 2026-06-04
setv merchant-portal development/acme 4.5.0
setv merchant-portal development/euroshop 4.5.0
edit charts/merchant-portal/Chart.yaml '^appVersion: .*$' 'appVersion: "4.5.0"'
commit diego "merchant-portal: 4.5.0 to development" \
	"Acme pins it; EuroShop follows the chart's default tag.

Refs: MER-325"

day 2026-06-05
setv merchant-api staging 5.1.0
commit diego "merchant-api: promote 5.1.0 to staging" "Refs: MER-318"

day 2026-06-08
pr_open promote/kyc-service-1.10.0-production
setv kyc-service production 1.10.0
commit lena "kyc-service: promote 1.10.0 to production" "Refs: MER-322"
onmain
pr_open promote/payments-api-2.12.0-production
setv payments-api production 2.12.0
commit priya "payments-api: promote 2.12.0 to production" \
	"Staging since 2026-06-03. Tomasz is out; I am driving this one.

Refs: PAY-1063"
pr_merge promote/payments-api-2.12.0-production sam tomasz
pr_merge promote/kyc-service-1.10.0-production sam diego

day 2026-06-09
setv merchant-portal staging/acme 4.5.0
setv merchant-portal staging/euroshop 4.5.0
commit diego "merchant-portal: promote 4.5.0 to staging (Acme, EuroShop)" "Refs: MER-325"

day 2026-06-10
pr_open promote/merchant-api-5.1.0-production
setv merchant-api production 5.1.0
commit diego "merchant-api: promote 5.1.0 to production" "Refs: MER-318"
pr_merge promote/merchant-api-5.1.0-production lena mei

day 2026-06-15
pr_open ops/payments-api-prod-replicas
edit charts/payments-api/values-production.yaml '^replicaCount: .*$' 'replicaCount: 3'
commit mei "payments-api: 3 replicas in production" \
	"Two pods left no headroom during the 2026-06-12 peak.

Refs: SRE-77"
pr_merge ops/payments-api-prod-replicas priya tomasz

day 2026-06-16
pr_open promote/merchant-portal-4.5.0-production-acme
setv merchant-portal production/acme 4.5.0
commit diego "merchant-portal: promote 4.5.0 to production for Acme" "Refs: MER-325"
pr_merge promote/merchant-portal-4.5.0-production-acme lena sam

day 2026-06-18
pr_open chore/ledger-migration-hook
from_tpl charts/ledger-service/templates/migration-job.yaml
edit charts/ledger-service/Chart.yaml '^version: .*$' 'version: 0.9.0'
commit tomasz "ledger-service: chart 0.9.0 runs migrations in a pre-upgrade hook" \
	"appVersion is unchanged: no new ledger release.

Refs: PAY-1071"
pr_merge chore/ledger-migration-hook priya mei

day 2026-06-22
pr_open promote/merchant-portal-4.5.0-production-euroshop
setv merchant-portal production/euroshop 4.5.0
commit diego "merchant-portal: promote 4.5.0 to production for EuroShop" \
	"A week after Acme, as agreed with EuroShop.

Refs: MER-325"
pr_merge promote/merchant-portal-4.5.0-production-euroshop lena sam

day 2026-06-23
setv payments-api development 2.12.1
commit tomasz "payments-api: 2.12.1 to development" "Refs: PAY-1075"

day 2026-06-24
append README.md <<'EOF'

## Tenants

merchant-portal runs once per tenant (`tenants/<tenant>/merchant-portal/`):
Acme Corp (`acme`, US) and EuroShop (`euroshop`, EU). Promote Acme first;
EuroShop follows a week later unless they ask otherwise.
EOF
commit lena "README: how tenant releases are rolled out"

day 2026-06-29
pr_open feature/fraud-detector-feature-store
insert_after apps/fraud-detector/base/deployment.yaml '^              value: json$' <<'EOF'
            - name: FEATURE_STORE_TIMEOUT_MS
              value: "50"
EOF
commit priya "fraud-detector: read features from the feature store" "Refs: PAY-1080"
onmain

day 2026-06-30
setv ledger-service development 3.3.0
commit tomasz "ledger-service: 3.3.0 to development (chart appVersion)" "Refs: PAY-1082"
onbranch feature/fraud-detector-feature-store
for e in development staging production; do
	append "apps/fraud-detector/overlays/$e/kustomization.yaml" <<EOF
  - target: {kind: Deployment, name: fraud-detector}
    patch: |-
      - op: add
        path: /spec/template/spec/containers/0/env/-
        value: {name: FEATURE_STORE_URL, value: "feature-store.fraud-${FP_SHORT[$e]}.svc:6566"}
EOF
done
commit priya "fraud-detector: feature store endpoint per environment" "Refs: PAY-1080"
onmain

day 2026-07-01
onbranch feature/fraud-detector-feature-store
edit apps/fraud-detector/overlays/staging/kustomization.yaml 'feature-store\.fraud-stg\.svc:6566' 'feature-store.fraud-stg.svc.cluster.local:6566'
commit priya "fraud-detector: staging feature store needs the full service name" "Refs: PAY-1080"
pr_merge feature/fraud-detector-feature-store sam tomasz "fraud-detector: feature store"

day 2026-07-02
insert_after manifests/kyc-service/staging.yaml '^  KYC_PROVIDER: ' <<<'  KYC_PROVIDER_TIMEOUT: 20s'
commit lena "kyc-service: KYC_PROVIDER_TIMEOUT in staging" \
	"The sandbox answers in up to 15 s; the default 10 s timed out.

Refs: MER-331"

# ---- July ----
day 2026-07-06
setv payments-api development 2.13.0
commit tomasz "payments-api: 2.13.0 to development" "Refs: PAY-1088"
setv ledger-service staging 3.3.0
commit tomasz "ledger-service: promote 3.3.0 to staging" "Refs: PAY-1082"

day 2026-07-08
setv payments-api staging 2.13.0
commit tomasz "payments-api: promote 2.13.0 to staging" "Refs: PAY-1088"

day 2026-07-09
pr_open ops/kyc-provider-timeout-production
insert_after manifests/kyc-service/production.yaml '^  KYC_PROVIDER: ' <<<'  KYC_PROVIDER_TIMEOUT: 20s'
commit lena "kyc-service: KYC_PROVIDER_TIMEOUT in production" "Refs: MER-331"
pr_merge ops/kyc-provider-timeout-production sam diego

day 2026-07-13
pr_open promote/payments-api-2.13.0-production
setv payments-api production 2.13.0
commit tomasz "payments-api: promote 2.13.0 to production" "Refs: PAY-1088"
pr_merge promote/payments-api-2.13.0-production sam priya

day 2026-07-15
pr_open promote/ledger-service-3.3.0-production
setv ledger-service production 3.3.0
commit tomasz "ledger-service: promote 3.3.0 to production" "Refs: PAY-1082"
pr_merge promote/ledger-service-3.3.0-production priya sam

day 2026-07-16
pr_open feature/merchant-api-rate-limits
insert_after apps/merchant-api/base/deployment.yaml '^              value: json$' <<'EOF'
            - name: RATE_LIMIT_ENABLED
              value: "false"
EOF
commit diego "merchant-api: per-merchant rate limits, off by default" "Refs: MER-340"
onmain

day 2026-07-20
setv fraud-detector development 1.8.0
commit priya "fraud-detector: 1.8.0 to development" "Refs: PAY-1093"
onbranch feature/merchant-api-rate-limits
rate_patch() { # FILE RPS
	append "$1" <<EOF
  - target: {kind: Deployment, name: merchant-api}
    patch: |-
      - op: replace
        path: /spec/template/spec/containers/0/env/1/value
        value: "true"
      - op: add
        path: /spec/template/spec/containers/0/env/-
        value: {name: RATE_LIMIT_RPS, value: "$2"}
EOF
}
rate_patch apps/merchant-api/overlays/development/kustomization.yaml 50
rate_patch apps/merchant-api/overlays/staging/kustomization.yaml 50
commit diego "merchant-api: rate limits on in development and staging" "Refs: MER-340"
onmain

day 2026-07-21
onbranch feature/merchant-api-rate-limits
rate_patch apps/merchant-api/overlays/production/kustomization.yaml 200
commit diego "merchant-api: rate limits on in production (200 rps per merchant)" "Refs: MER-340"
pr_merge feature/merchant-api-rate-limits lena sam "merchant-api: per-merchant rate limits"

day 2026-07-22
setv fraud-detector staging 1.8.0
commit priya "fraud-detector: promote 1.8.0 to staging" "Refs: PAY-1093"

day 2026-07-27
setv payments-api development 2.14.0
commit tomasz "payments-api: 2.14.0 to development" "Refs: PAY-1101"

day 2026-07-29
pr_open promote/fraud-detector-1.8.0-production
setv fraud-detector production 1.8.0
commit priya "fraud-detector: promote 1.8.0 to production" "Refs: PAY-1093"
pr_merge promote/fraud-detector-1.8.0-production sam tomasz

# ---- August: a hotfix, and a rollback ----
day 2026-08-03
setv merchant-portal development/acme 4.6.0
setv merchant-portal development/euroshop 4.6.0
edit charts/merchant-portal/Chart.yaml '^appVersion: .*$' 'appVersion: "4.6.0"'
commit diego "merchant-portal: 4.6.0 to development" "Refs: MER-352"

day 2026-08-05
pr_open hotfix/payments-api-2.13.1
setv payments-api production 2.13.1
commit mei "payments-api: hotfix 2.13.1 to production" \
	"Retried SEPA payments were captured twice (INC-2207). 2.13.1 is 2.13.0
plus the idempotency fix only; straight to production, back-port follows.

Refs: INC-2207"
pr_merge hotfix/payments-api-2.13.1 priya tomasz
setv payments-api staging 2.13.1
commit mei "payments-api: back-port hotfix 2.13.1 to staging" \
	"So staging runs what production runs until 2.14.0 is promoted
(2.14.0 already has the fix).

Refs: INC-2207"

day 2026-08-06
setv merchant-portal staging/acme 4.6.0
setv merchant-portal staging/euroshop 4.6.0
commit diego "merchant-portal: promote 4.6.0 to staging (Acme, EuroShop)" "Refs: MER-352"

day 2026-08-07
edit charts/ledger-service/values-staging.yaml '^replicaCount: .*$' 'replicaCount: 2'
commit tomasz "ledger-service: 2 replicas in staging" "Settlement batches need a second pod to fail over."

day 2026-08-10
setv kyc-service staging 1.11.0
commit lena "kyc-service: 1.11.0 to staging" "Refs: MER-356"

day 2026-08-13
pr_open promote/merchant-portal-4.6.0-production-acme
setv merchant-portal production/acme 4.6.0
commit diego "merchant-portal: promote 4.6.0 to production for Acme" "Refs: MER-352"
pr_merge promote/merchant-portal-4.6.0-production-acme lena sam

day 2026-08-17
setv payments-api staging 2.14.0
commit tomasz "payments-api: promote 2.14.0 to staging" "Refs: PAY-1101"

day 2026-08-18
pr_open promote/merchant-portal-4.6.0-production-euroshop
setv merchant-portal production/euroshop 4.6.0
commit diego "merchant-portal: promote 4.6.0 to production for EuroShop" "Refs: MER-352"
pr_merge promote/merchant-portal-4.6.0-production-euroshop lena mei

day 2026-08-19
setv merchant-api development 5.2.0
commit diego "merchant-api: 5.2.0 to development" "Refs: MER-360"

day 2026-08-20
pr_open promote/kyc-service-1.11.0-production
setv kyc-service production 1.11.0
commit lena "kyc-service: promote 1.11.0 to production" "Refs: MER-356"
pr_merge promote/kyc-service-1.11.0-production sam diego

day 2026-08-21
pr_open promote/merchant-api-5.2.0-staging
setv merchant-api staging 5.2.0
commit diego "merchant-api: promote 5.2.0 to staging" "Refs: MER-360"
pr_merge promote/merchant-api-5.2.0-staging lena mei

day 2026-08-24
pr_open promote/payments-api-2.14.0-production
BAD_PR=${PRNUM[promote/payments-api-2.14.0-production]}
setv payments-api production 2.14.0
commit tomasz "payments-api: promote 2.14.0 to production" \
	"Staging since 2026-08-17.

Refs: PAY-1101"
pr_merge promote/payments-api-2.14.0-production sam priya
BAD_MERGE=$LAST_MERGE

day 2026-08-25
pr_open "revert-$BAD_PR-promote/payments-api-2.14.0-production"
g revert --no-commit -m 1 "$BAD_MERGE"
check payments-api/production 2.13.1
commit mei 'Revert "payments-api: promote 2.14.0 to production"' \
	"This reverts commit $BAD_MERGE.

2.14.0 leaks database connections under load: the error rate of
POST /v1/payments reached 4% within the hour (INC-2291). Back to 2.13.1.

Refs: INC-2291"
pr_merge "revert-$BAD_PR-promote/payments-api-2.14.0-production" sam priya

day 2026-08-26
pr_open promote/merchant-api-5.2.0-production
setv merchant-api production 5.2.0
commit diego "merchant-api: promote 5.2.0 to production" "Refs: MER-360"
pr_merge promote/merchant-api-5.2.0-production lena sam

day 2026-08-31
setv fraud-detector development 1.8.2
commit priya "fraud-detector: 1.8.2 to development" "1.8.1 never left CI.

Refs: PAY-1110"

# ---- September ----
day 2026-09-02
setv fraud-detector staging 1.8.2
commit priya "fraud-detector: promote 1.8.2 to staging" "Refs: PAY-1110"

day 2026-09-07
setv payments-api development 2.14.1
commit tomasz "payments-api: 2.14.1 to development" \
	"Fixes the connection leak that made us roll 2.14.0 back.

Refs: INC-2291"

day 2026-09-09
setv payments-api staging 2.14.1
commit tomasz "payments-api: promote 2.14.1 to staging" "Refs: INC-2291"

day 2026-09-10
pr_open promote/fraud-detector-1.8.2-production
setv fraud-detector production 1.8.2
commit priya "fraud-detector: promote 1.8.2 to production" "Refs: PAY-1110"
pr_merge promote/fraud-detector-1.8.2-production sam mei

day 2026-09-14
pr_open promote/payments-api-2.14.1-production
setv payments-api production 2.14.1
commit priya "payments-api: promote 2.14.1 to production" \
	"Staging since 2026-09-09 under the load test that broke 2.14.0:
connections flat.

Refs: INC-2291"
pr_merge promote/payments-api-2.14.1-production sam tomasz

day 2026-09-15
setv merchant-portal development/acme 4.6.3
setv merchant-portal development/euroshop 4.6.3
edit charts/merchant-portal/Chart.yaml '^appVersion: .*$' 'appVersion: "4.6.3"'
commit diego "merchant-portal: 4.6.3 to development" "Refs: MER-371"

day 2026-09-16
setv merchant-portal staging/acme 4.6.3
setv merchant-portal staging/euroshop 4.6.3
commit diego "merchant-portal: promote 4.6.3 to staging (Acme, EuroShop)" "Refs: MER-371"

day 2026-09-17
pr_open chore/payments-api-chart-0.8.0
from_tpl charts/payments-api/templates/pdb.yaml
edit charts/payments-api/Chart.yaml '^version: .*$' 'version: 0.8.0'
edit charts/payments-api/Chart.yaml '^appVersion: .*$' 'appVersion: "2.14.1"'
append charts/payments-api/values-production.yaml <<'EOF'

podDisruptionBudget:
  minAvailable: 2
EOF
commit tomasz "payments-api: chart 0.8.0 with a PodDisruptionBudget" \
	"appVersion catches up with what production runs; every environment pins
its own tag, so no version changes anywhere.

Refs: PAY-1118"
pr_merge chore/payments-api-chart-0.8.0 priya mei

day 2026-09-21
setv ledger-service development 3.4.0
commit tomasz "ledger-service: 3.4.0 to development (chart appVersion)" "Refs: PAY-1121"

day 2026-09-22
pr_open promote/merchant-portal-4.6.3-production
setv merchant-portal production/acme 4.6.3
setv merchant-portal production/euroshop 4.6.3
commit diego "merchant-portal: promote 4.6.3 to production (Acme, EuroShop)" \
	"A security fix: both tenants at once.

Refs: MER-371"
pr_merge promote/merchant-portal-4.6.3-production lena sam

day 2026-09-23
setv merchant-api development 5.2.1
commit diego "merchant-api: 5.2.1 to development" "Refs: MER-375"

day 2026-09-24
pr_open promote/merchant-api-5.2.1-staging
setv merchant-api staging 5.2.1
commit diego "merchant-api: promote 5.2.1 to staging" "Refs: MER-375"
pr_merge promote/merchant-api-5.2.1-staging lena mei

day 2026-09-28
setv ledger-service staging 3.4.0
commit tomasz "ledger-service: promote 3.4.0 to staging" "Refs: PAY-1121"

day 2026-09-30
pr_open promote/merchant-api-5.2.1-production
setv merchant-api production 5.2.1
commit lena "merchant-api: promote 5.2.1 to production" "Diego is on leave; taking it over.

Refs: MER-375"
pr_merge promote/merchant-api-5.2.1-production sam diego

# ---- October ----
day 2026-10-05
pr_open promote/ledger-service-3.4.0-production
setv ledger-service production 3.4.0
commit priya "ledger-service: promote 3.4.0 to production" \
	"The 3.4 migration was rehearsed on a copy of production (PAY-1125).

Refs: PAY-1121"
pr_merge promote/ledger-service-3.4.0-production sam tomasz

day 2026-10-07
setv kyc-service staging 1.12.0
commit lena "kyc-service: 1.12.0 to staging" "Refs: MER-382"

day 2026-10-08
pr_open ops/fraud-detector-prod-replicas
edit apps/fraud-detector/overlays/production/kustomization.yaml '^    count: .*$' '    count: 3'
commit mei "fraud-detector: 3 replicas in production" \
	"Scoring p99 went over 80 ms at peak with two pods.

Refs: SRE-91"
pr_merge ops/fraud-detector-prod-replicas priya tomasz

day 2026-10-13
pr_open promote/kyc-service-1.12.0-production
setv kyc-service production 1.12.0
commit lena "kyc-service: promote 1.12.0 to production" "Refs: MER-382"
pr_merge promote/kyc-service-1.12.0-production sam diego

day 2026-10-14
pr_open ops/payments-api-prod-memory
edit charts/payments-api/values-production.yaml '^    memory: 768Mi$' '    memory: 1Gi'
commit tomasz "payments-api: 1Gi memory limit in production" \
	"Two OOM kills a day at 768Mi since 2.14.1's larger connection pool.

Refs: PAY-1130"
pr_merge ops/payments-api-prod-memory priya mei

day 2026-10-19
setv merchant-portal development/acme 4.7.0
setv merchant-portal development/euroshop 4.7.0
edit charts/merchant-portal/Chart.yaml '^appVersion: .*$' 'appVersion: "4.7.0"'
commit diego "merchant-portal: 4.7.0 to development" "Refs: MER-390"

day 2026-10-21
setv merchant-portal staging/acme 4.7.0
setv merchant-portal staging/euroshop 4.7.0
commit diego "merchant-portal: promote 4.7.0 to staging (Acme, EuroShop)" "Refs: MER-390"

day 2026-10-26
pr_open promote/merchant-portal-4.7.0-production-acme
setv merchant-portal production/acme 4.7.0
commit diego "merchant-portal: promote 4.7.0 to production for Acme" \
	"EuroShop stays on 4.6.3: change freeze until 2026-12-01.

Refs: MER-390"
pr_merge promote/merchant-portal-4.7.0-production-acme lena sam

day 2026-10-27
pr_open chore/euroshop-freeze-note
insert_after tenants/euroshop/merchant-portal/values-production.yaml '^# merchant-portal for euroshop' <<'EOF'
# CHANGE FREEZE until 2026-12-01 (EuroShop's peak season): no upgrades.
EOF
commit lena "merchant-portal: note EuroShop's change freeze in its production values" "Refs: MER-392"
pr_merge chore/euroshop-freeze-note sam diego

# ---- November: where the demo starts ----
day 2026-11-02
setv payments-api development 2.15.0
commit tomasz "payments-api: 2.15.0 to development" "Refs: PAY-1140"

day 2026-11-03
setv fraud-detector development 1.9.0
append apps/fraud-detector/overlays/development/kustomization.yaml <<'EOF'
  - target: {kind: Deployment, name: fraud-detector}
    patch: |-
      - op: add
        path: /spec/template/spec/containers/0/env/-
        value: {name: MODEL_REGISTRY_URL, value: "http://model-registry.fraud-dev.svc"}
EOF
commit priya "fraud-detector: 1.9.0 to development" \
	"1.9 loads its model from the model registry.

Refs: PAY-1144"

day 2026-11-04
append README.md <<'EOF'

## On call

opsdeck shows what runs where (`opsdeck matrix`) and what changed
(`opsdeck history --env production`). Production changes need a second
person: ask in #finpay-oncall.
EOF
commit mei "README: on-call pointers"

day 2026-11-09
setv payments-api staging 2.15.0
commit tomasz "payments-api: promote 2.15.0 to staging" "Refs: PAY-1140"

day 2026-11-10
setv fraud-detector staging 1.9.0
commit tomasz "fraud-detector: promote 1.9.0 to staging" "Refs: PAY-1144"

day 2026-11-11
setv fraud-detector development 1.9.1
commit priya "fraud-detector: 1.9.1 to development" \
	"Falls back to the bundled model when MODEL_REGISTRY_URL is unset
(1.9.0 crash-loops in staging without it).

Refs: PAY-1147"

day 2026-11-12
# An open pull request: on its branch, not on main.
pr_open promote/payments-api-2.15.0-production
setv payments-api production 2.15.0
commit tomasz "payments-api: promote 2.15.0 to production" \
	"Staging since 2026-11-09. Waiting for approval.

Refs: PAY-1140"
onmain

# The runbooks: approved like every other change here, by a merged pull
# request (the open one above stays behind main).
pr_open ops/opsdeck-runbooks
from_tpl opsdeck.yaml policy.yaml runbooks/README.md runbooks/restart-service.yaml \
	runbooks/health-check.yaml runbooks/db-migration.yaml runbooks/jobs/db-migration.yaml \
	runbooks/announce.yaml runbooks/scripts/announce.sh
chmod 0755 runbooks/scripts/announce.sh
commit mei "Add runbooks for restart, health check, database migration and announcements" \
	"opsdeck runs these and nothing else, as merged on main:

- restart-service: any service, any environment.
- health-check: nodes, unhealthy pods and recent warnings of an
  environment's cluster.
- db-migration: one Flyway migration of payments-api as a Job, never
  twice per environment; confirm in staging, a second person in
  production.
- announce: a chat announcement from a script.

Staging drops its confirm gate so that on call can restart a service
there without ceremony; db-migration still asks for confirmation.
policy.yaml keeps juniors to development and staging.

Refs: SRE-97"
pr_merge ops/opsdeck-runbooks sam priya

# =====================================================================
# Self-check: the tip of main is the table at the top, and the kubesim
# scenarios agree with it (check.sh --quick).
# =====================================================================
[[ -z $(g status --porcelain) ]] || die "work tree not clean at the end"
((${#MERGED[@]} == 0)) || g branch -q -D "${MERGED[@]}"
FP_ROOT=$DIR
bad=0
while read -r cell want; do
	[[ -n $cell ]] || continue
	fp_desired "$cell" fp_load_dir || FP_VERSION=none
	if [[ $FP_VERSION != "$want" ]]; then
		echo "make-repo.sh: $cell is $FP_VERSION at the tip of main; the table says $want" >&2
		bad=1
	fi
done <<<"$FINAL_VERSIONS"
for cell in "${FP_CELLS[@]}"; do
	[[ $FINAL_VERSIONS == *$'\n'"$cell "* ]] || { echo "make-repo.sh: $cell is not in the table" >&2; bad=1; }
done
((bad == 0)) || exit 1
((CLOCK < 1795132800)) || die "the history ends after 2026-11-19" # 2026-11-20T00:00:00Z
"$HERE/check.sh" --quick "$DIR" >"$SCRATCH/check" 2>&1 || {
	cat "$SCRATCH/check" >&2
	die "the kubesim scenarios do not match the repo"
}

read -r tip <.git/refs/heads/main
END=$(date +%s%N)
printf 'finpay config repo in %s: %d commits on main (%d merges), 1 open pull request branch, tip %s, %d.%02d s\n' \
	"$DIR" $((NCOMMITS - 1)) "$NMERGES" "$tip" \
	$(((END - START) / 1000000000)) $((((END - START) / 10000000) % 100))
