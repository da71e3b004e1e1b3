#!/usr/bin/env bash
# Runs fuzz targets (all of $BUILD/fuzz, or those given) for FUZZ_SECONDS
# each, starting from tests/fuzz/corpus/NAME. New inputs go to a temporary
# folder, so the checked-in corpus only changes by hand; a crash leaves its
# input in $BUILD/fuzz/crashes/ and fails the run.
set -u
BUILD=${BUILD:-build}
SECONDS_EACH=${FUZZ_SECONDS:-300}
cd "$(dirname "$0")/../.."
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("$BUILD"/fuzz/fuzz_*)
mkdir -p "$BUILD/fuzz/crashes"
status=0
for bin in "${targets[@]}"; do
	[ -x "$bin" ] || continue
	name=$(basename "$bin")
	corpus="tests/fuzz/corpus/${name#fuzz_}"
	work=$(mktemp -d)
	if ! "$bin" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$BUILD/fuzz/crashes/$name-" \
		"$work" "$corpus" >"$work.log" 2>&1; then
		echo "$name: FAILED"
		tail -n 40 "$work.log"
		status=1
	else
		grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' "$work.log" |
			sed "s/^/$name: /"
	fi
	rm -rf "$work" "$work.log"
done
exit $status
