#!/usr/bin/env bash
# The console's start-up and idle output on the FinPay demo, through a
# pseudo-terminal (bench/console.py). Part of `make bench`.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
echo "== console (FinPay demo, 120x40 pty) =="
python3 "$ROOT/bench/console.py" "$ROOT/$BUILD" "$T"
