#!/usr/bin/env bash
# Generates the large benchmark platform for `opsdeck matrix`: a config repo
# (docs/config-repo.md) with TENANTS x SERVICES x ENVS cells and a history of
# COMMITS commits, and the kubesim scenarios of its two clusters
# (docs/kubesim.md) whose workloads run the desired versions.
#   bash bench/make-platform.sh DIR [TENANTS SERVICES ENVS COMMITS]
# defaults 50 20 4 5000; SEED=N (default 1) picks another deterministic
# history. DIR must not exist or be empty. It gets:
#   DIR/repo/               the Git repo, branch main, built by one `git fast-import`
#   DIR/bench-nonprod.yaml  kubesim scenario: every environment but production
#   DIR/bench-prod.yaml     kubesim scenario: production
#   DIR/cells.tsv           the expected matrix: cell, cluster, namespace,
#                           workload, desired, live, releases after the first commit
# Same arguments and SEED, same commit ids. The generator is
# bench/make-platform.py (python3); the history is ~70% version bumps
# (promotion style), ~15% settings changes, ~10% docs, ~5% merged pull
# requests with Reviewed-by/Approved-by trailers, by 12 authors over two
# years ending 2026-11-19. About one cell in 500 per cluster (at least one)
# drifts: live is the previous version (even ones) or a hand-made hotfix
# one patch ahead (odd ones).
set -euo pipefail

usage() { echo "usage: bash bench/make-platform.sh DIR [TENANTS SERVICES ENVS COMMITS]" >&2; exit 2; }
if [ $# -lt 1 ] || [ $# -gt 5 ]; then usage; fi
DIR=$1
TENANTS=${2:-50} SERVICES=${3:-20} ENVS=${4:-4} COMMITS=${5:-5000} SEED=${SEED:-1}
for v in "$TENANTS" "$SERVICES" "$ENVS" "$COMMITS" "$SEED"; do
	[[ $v =~ ^[1-9][0-9]*$ ]] || { echo "make-platform: '$v' is not a positive integer" >&2; usage; }
done
[ "$ENVS" -le 20 ] || { echo "make-platform: at most 20 environments" >&2; exit 2; }
if [ "$TENANTS" -gt 9999 ] || [ "$SERVICES" -gt 9999 ]; then
	echo "make-platform: at most 9999 tenants and services" >&2
	exit 2
fi
if [ -e "$DIR" ] && [ -n "$(ls -A "$DIR")" ]; then
	echo "make-platform: $DIR exists and is not empty" >&2
	exit 2
fi
HERE=$(cd "$(dirname "$0")" && pwd)
start=$(date +%s.%N)

mkdir -p "$DIR/repo"
DIR=$(cd "$DIR" && pwd)
# Nothing from the user's or the system's Git configuration (templates,
# hooks, default branch, gc settings) changes what is generated.
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
git init -q -b main "$DIR/repo"
stats=$(mktemp)
trap 'rm -f "$stats"' EXIT
# GLIBC_TUNABLES: fast-import grows and trims the heap some thirty times per
# commit; with a 64 MiB top pad, 5,000 commits import in 0.6 s instead of 11 s.
if ! python3 "$HERE/make-platform.py" "$DIR" "$TENANTS" "$SERVICES" "$ENVS" "$COMMITS" "$SEED" 2>"$stats" |
	GLIBC_TUNABLES=glibc.malloc.top_pad=67108864 git -C "$DIR/repo" fast-import --quiet --done ||
	! grep -q '^stats:' "$stats"; then
	cat "$stats" >&2
	echo "make-platform: generating the repo failed" >&2
	exit 1
fi
git -C "$DIR/repo" update-ref -d refs/heads/pr 2>/dev/null || true
imported=$(date +%s.%N)
git -C "$DIR/repo" reset -q --hard main # check out the tip: a clean working tree
done_at=$(date +%s.%N)

# shellcheck disable=SC2034
read -r _ bumps promotions settings docs merges side np_cells np_drift p_cells p_drift first_files <"$stats"
commits=$(git -C "$DIR/repo" rev-list --count main)
tip_files=$(git -C "$DIR/repo" ls-tree -r --name-only main | wc -l)
cells=$((TENANTS * SERVICES * ENVS))
values=$(git -C "$DIR/repo" ls-tree -r --name-only main tenants/ | grep -c '/values-.*\.yaml$' || true)
fail=0
[ "$commits" -eq "$COMMITS" ] || { echo "make-platform: $commits commits, expected $COMMITS" >&2; fail=1; }
[ "$values" -eq "$cells" ] || { echo "make-platform: $values values files, expected $cells" >&2; fail=1; }
last=$(TZ=UTC git -C "$DIR/repo" log -1 --date=format-local:%FT%TZ --format=%cd main)
first=$(TZ=UTC git -C "$DIR/repo" log -1 --date=format-local:%FT%TZ --format=%cd "$(git -C "$DIR/repo" rev-list --max-parents=0 main)")
gitsize=$(du -sk "$DIR/repo/.git" | cut -f1)

printf 'platform %s (%s tenants x %s services x %s environments, seed %s)\n' "$DIR" "$TENANTS" "$SERVICES" "$ENVS" "$SEED"
printf '  repo      %s commits (%s on main: %s new versions, %s promotions,\n' \
	"$commits" "$((commits - side))" "$bumps" "$promotions"
printf '            %s settings, %s docs, %s merges of %s pull-request commits), %s .. %s\n' \
	"$settings" "$docs" "$merges" "$side" "$first" "$last"
printf '  files     %s at the tip (%s values files, one per cell); .git %s KiB\n' "$tip_files" "$values" "$gitsize"
printf '  cells     %s: bench-nonprod %s (%s drifted), bench-prod %s (%s drifted); see cells.tsv\n' \
	"$cells" "$np_cells" "$np_drift" "$p_cells" "$p_drift"
printf '  time      %.2f s (generate + fast-import %.2f s, checkout %.2f s)\n' \
	"$(echo "$done_at - $start" | bc)" "$(echo "$imported - $start" | bc)" "$(echo "$done_at - $imported" | bc)"
exit $fail
