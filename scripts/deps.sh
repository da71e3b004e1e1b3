#!/usr/bin/env bash
# Installs the Debian packages opsdeck's build and tests need, only those
# missing, and says what each is for. Safe to run again: it does nothing
# when everything is there.
set -euo pipefail

packages=(
	"gcc:the C compiler"
	"make:the build"
	"pkg-config:finding the libraries below"
	"libncurses-dev:the console (ncurses)"
	"libcurl4-openssl-dev:talking to Kubernetes API servers (libcurl)"
	"libjansson-dev:JSON (jansson)"
	"libyaml-dev:YAML: kubeconfig, opsdeck.yaml, runbooks, scenarios (libyaml)"
	"libgit2-dev:reading the config repo (libgit2)"
	"libreadline-dev:line editing in prompts (readline)"
	"libcmocka-dev:unit tests (cmocka)"
	"libmicrohttpd-dev:kubesim, the simulated cluster (libmicrohttpd)"
	"libgnutls28-dev:kubesim's TLS certificates (GnuTLS)"
	"curl:raw HTTP checks in the end-to-end tests"
	"tmux:console tests in a real terminal"
	"procps:process checks in the tests"
	"clang:fuzz targets (libFuzzer) for the parsers"
	"time:peak memory in the benchmarks (/usr/bin/time)"
	"bc:arithmetic in the benchmark scripts"
	"git:the FinPay example repo and the Git tests build real repositories"
	"python3:JSON checks in the end-to-end tests, the benchmark platform generator"
)

missing=()
for entry in "${packages[@]}"; do
	name=${entry%%:*}
	if ! dpkg-query -W -f='${Status}' "$name" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$name")
		echo "deps: $name is missing — needed for ${entry#*:}" >&2
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null; then
		sudo="sudo"
	else
		echo "deps: please install as root: apt-get install ${missing[*]}" >&2
		exit 1
	fi
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >&2
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
echo "deps: done" >&2
