#!/usr/bin/env bash
# Console snapshots: the console's deterministic test mode (keys from a
# script, the screen's text and looks dumped) walks every view on the
# FinPay demo at 80x24 and 160x48, with the default and the mono theme,
# and each screen is compared with its snapshot in tests/e2e/snapshots/
# (tests/e2e/snapshot.py masks clock times and ages, which change from
# run to run). UPDATE_SNAPSHOTS=1 writes the snapshots instead.
. "$(dirname "$0")/lib.sh"
command -v kubectl >/dev/null || { echo "kubectl is not installed"; exit 1; }
OPSDECK="$ROOT/$BUILD/opsdeck"
[ -x "$OPSDECK" ] || { echo "$OPSDECK is not built"; exit 1; }
finpay_start || exit 1
export LANG=C.UTF-8 LC_ALL=C.UTF-8
unset NO_COLOR

for size in 80x24 160x48; do
	for theme in default mono; do
		out="$T/out/$size-$theme"
		mkdir -p "$out"
		if (cd "$out" && "$OPSDECK" --repo "$REPO" --theme "$theme" \
			--test-size "$size" --test-script "$ROOT/tests/e2e/console/walk.script") \
			>"$T/console.out" 2>&1; then
			pass "the walk at $size with $theme"
		else
			fail "the walk at $size with $theme"
			cat "$T/console.out"
		fi
		if python3 "$ROOT/tests/e2e/snapshot.py" "$out" \
			"$ROOT/tests/e2e/snapshots/$size-$theme" >"$T/snap.out" 2>&1; then
			pass "every view at $size with $theme is as its snapshot"
		else
			fail "views at $size with $theme differ from their snapshots"
			cat "$T/snap.out"
		fi
	done
done
ks_finish
