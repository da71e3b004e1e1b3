#!/usr/bin/env bash
# Runs every test: each unit test binary in $BUILD/tests, then each
# end-to-end script in tests/e2e. Prints every failure's output and ends with
# one summary line "N passed, N failed".
set -u
BUILD=${BUILD:-build}
export BUILD
cd "$(dirname "$0")/.."
passed=0
failed=0
failures=()
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

run_one() { # name, command...
	local name=$1
	shift
	local start=$SECONDS
	if "$@" >"$log/out" 2>&1; then
		passed=$((passed + 1))
		printf 'PASS %-40s %3ds\n' "$name" $((SECONDS - start))
	else
		failed=$((failed + 1))
		failures+=("$name")
		printf 'FAIL %-40s %3ds\n' "$name" $((SECONDS - start))
		sed 's/^/    | /' "$log/out" | tail -n 80
	fi
}

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	run_one "unit/$(basename "$t")" "$t"
done
# Every fuzz target, briefly (make fuzz runs them for longer).
for t in "$BUILD"/fuzz/fuzz_*; do
	[ -x "$t" ] || continue
	run_one "fuzz/$(basename "$t")" env FUZZ_SECONDS="${FUZZ_SECONDS:-10}" \
		bash tests/fuzz/run.sh "$t"
done
for t in tests/e2e/*.sh; do
	[ -f "$t" ] || continue
	case "$(basename "$t")" in lib.sh) continue ;; esac
	run_one "e2e/$(basename "$t" .sh)" bash "$t"
done

if [ ${#failures[@]} -gt 0 ]; then
	echo "failed: ${failures[*]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
