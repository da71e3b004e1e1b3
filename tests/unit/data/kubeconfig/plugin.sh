#!/bin/sh
# A fake exec credential plugin for tests/unit/test_execcred.c; $1 says
# how to behave. STATE_DIR (from the kubeconfig's env) is a scratch folder.
v1=client.authentication.k8s.io/v1
cred() { # apiVersion, status JSON
	printf '{"apiVersion":"%s","kind":"ExecCredential","status":%s}\n' "$1" "$2"
}
case "$1" in
token) cred $v1 '{"token":"plugin-token"}' ;;
beta) cred ${v1}beta1 '{"token":"beta-token","expirationTimestamp":"2999-01-02T03:04:05Z"}' ;;
cert) cred $v1 '{"clientCertificateData":"-----BEGIN CERTIFICATE-----\nC\n-----END CERTIFICATE-----\n","clientKeyData":"-----BEGIN PRIVATE KEY-----\nK\n-----END PRIVATE KEY-----\n"}' ;;
dump) # show the test what we were given
	printf '%s' "$KUBERNETES_EXEC_INFO" >"$STATE_DIR/info.json"
	printf '%s\n' "$@" >"$STATE_DIR/args"
	printf '%s' "$OPSDECK_TEST_INHERITED" >"$STATE_DIR/inherited"
	# the environment exactly as exec'd (a shell would merge duplicates)
	tr '\0' '\n' </proc/$$/environ | grep -c -e ^PLUGIN_SECRET= \
		-e ^KUBERNETES_EXEC_INFO= >"$STATE_DIR/dups"
	cred $v1 "{\"token\":\"from-env-$PLUGIN_SECRET\"}" ;;
expiring) # expired the first time, fresh afterwards
	n=$(cat "$STATE_DIR/count" 2>/dev/null || echo 0)
	n=$((n + 1))
	echo $n >"$STATE_DIR/count"
	if [ $n -eq 1 ]; then exp=2001-02-03T04:05:06Z; else exp=2999-12-31T23:59:59+01:00; fi
	cred $v1 "{\"token\":\"token-$n\",\"expirationTimestamp\":\"$exp\"}" ;;
fail)
	echo "refreshing the SSO session..." >&2
	echo "error: SSO session expired; run 'sso login'" >&2
	printf '\n  \n' >&2
	exit 3 ;;
longfail)
	printf 'bad \033[31m red %0300d\n' 0 >&2
	exit 1 ;;
wrongapi) cred ${v1}beta1 '{"token":"plugin-token"}' ;;
garbage) echo 'Welcome! token=SECRET-TOKEN-123' ;;
slow) sleep 5; cred $v1 '{"token":"late"}' ;;
*) echo "unknown mode $1" >&2; exit 2 ;;
esac
