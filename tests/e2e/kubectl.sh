#!/usr/bin/env bash
# The real kubectl against kubesim (basic.yaml): reads, watches, rollouts,
# logs, events, scaling, identity, RBAC, the service proxy and creating a
# Job.
. "$(dirname "$0")/lib.sh"
command -v kubectl >/dev/null || { echo "kubectl is not installed"; exit 1; }
ks_start "$ROOT/tests/kubesim/scenarios/basic.yaml" || exit 1
k() { kubectl --request-timeout=20s "$@"; }

# --- reads ---
web_running() { k get deployment web -n demo --no-headers | grep -Eq '^web +3/3 '; }
wait_until 30 web_running
out=$(k get pods -n demo)
expect_match "get pods prints real columns" "$out" '^NAME +READY +STATUS +RESTARTS +AGE'
expect_eq "get pods: 3 web pods Running and ready" \
	"$(printf '%s\n' "$out" | grep -E '^web-[a-z0-9]+-[a-z0-9]{5} +1/1 +Running' -c)" 3
out=$(k get pods -A)
expect_match "get pods -A has a NAMESPACE column" "$out" '^NAMESPACE +NAME +READY +STATUS'
expect_match "get pods -A spans namespaces" "$out" '^payments-prod +api-'
expect_match "get pods -A shows demo" "$out" '^demo +web-'
out=$(k get deployments -n demo)
expect_match "get deployments columns" "$out" '^NAME +READY +UP-TO-DATE +AVAILABLE +AGE'
expect_match "web deployment 3/3" "$out" '^web +3/3 +3 +3 '
out=$(k get pods -n demo -o wide)
expect_match "-o wide shows node and IP" "$out" 'IP +NODE +NOMINATED NODE +READINESS GATES'
out=$(k get pod -n demo -l app=web -o json)
expect_match "get -o json returns a list" "$out" '"kind": "List"'
check "get nodes" k get nodes
expect_match "three Ready nodes" "$(k get nodes --no-headers | grep -c ' Ready ')" '^3$'
out=$(k get pods -n demo nosuchpod 2>&1)
expect_match "NotFound is reported as kubectl does" "$out" 'pods "nosuchpod" not found'

# --- a watch during a rollout restart ---
before=$(k get pods -n demo -l app=web -o name | sort)
k get pods -n demo -l app=web -w >"$T/watch.out" 2>&1 &
watch_pid=$!
sleep 1
out=$(k rollout restart deployment/web -n demo)
expect_match "rollout restart" "$out" 'deployment.apps/web restarted'
out=$(k rollout status deployment/web -n demo --timeout=90s 2>&1)
expect_match "rollout status completes" "$out" 'successfully rolled out'
sleep 1
kill "$watch_pid" 2>/dev/null
wait "$watch_pid" 2>/dev/null
after=$(k get pods -n demo -l app=web -o name | sort)
expect_eq "all web pods were replaced" "$(comm -12 <(echo "$before") <(echo "$after") | wc -l)" 0
w=$(cat "$T/watch.out")
expect_match "get -w saw new pods start" "$w" 'ContainerCreating|Pending'
expect_match "get -w saw old pods go" "$w" 'Terminating|Completed'
new_pod=$(echo "$after" | head -n 1 | sed 's|pod/||')
expect_match "get -w saw a new pod by name" "$w" "$new_pod"
out=$(k rollout history deployment/web -n demo 2>&1)
expect_match "rollout history lists two revisions" "$out" '^2 '

# --- logs ---
pod=$(k get pods -n demo -l app=web -o name | head -n 1)
sleep 2
out=$(k logs -n demo "$pod")
expect_match "logs returns lines" "$out" '.'
out=$(k logs -n demo "$pod" --tail=2)
expect_eq "logs --tail=2" "$(printf '%s\n' "$out" | wc -l)" 2
out=$(k logs -n demo "$pod" --tail=1 --timestamps)
expect_match "logs --timestamps" "$out" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]+\.[0-9]+Z '
k logs -n demo "$pod" -f --tail=0 >"$T/follow.out" 2>&1 &
follow_pid=$!
sleep 3.5
n1=$(wc -l <"$T/follow.out")
sleep 2.5
n2=$(wc -l <"$T/follow.out")
kill "$follow_pid" 2>/dev/null
wait "$follow_pid" 2>/dev/null
if [ "$n1" -ge 1 ] && [ "$n2" -gt "$n1" ]; then pass "logs -f keeps delivering ($n1 then $n2 lines)"; else fail "logs -f keeps delivering ($n1 then $n2 lines)"; fi

# --- a crash loop ---
crashy_restarted() { k get pods -n demo -l app=crashy --no-headers | awk '{print $4}' | grep -Eq '^[1-9]'; }
if wait_until 40 crashy_restarted; then pass "crashy restarts climb"; else fail "crashy restarts climb"; fi
out=$(k get pods -n demo -l app=crashy)
expect_match "crashy shows CrashLoopBackOff or Error" "$out" 'CrashLoopBackOff|Error|Running'
cpod=$(k get pods -n demo -l app=crashy -o name | head -n 1)
out=$(k logs -n demo "$cpod" --previous 2>&1)
expect_match "logs --previous on crashy" "$out" '.'
has_backoff() { k get events -n demo | grep -q 'BackOff'; }
wait_until 30 has_backoff
out=$(k get events -n demo)
expect_match "get events columns" "$out" '^LAST SEEN +TYPE +REASON +OBJECT +MESSAGE'
expect_match "get events shows BackOff warnings" "$out" 'Warning +BackOff +pod/crashy-'
out=$(k get events -n demo --field-selector type=Warning)
expect_no_match "field selector type=Warning drops Normal events" "$out" ' Normal '

# --- scale ---
out=$(k scale deployment/web -n demo --replicas=5)
expect_match "scale to 5" "$out" 'deployment.apps/web scaled'
five_ready() { k get deployment web -n demo --no-headers | grep -Eq '^web +5/5 '; }
if wait_until 40 five_ready; then pass "5 replicas become ready"; else fail "5 replicas become ready"; fi
check "scale back to 3" k scale deployment/web -n demo --replicas=3
three_pods() { [ "$(k get pods -n demo -l app=web --no-headers | grep -c Running)" -eq 3 ] && k get deployment web -n demo --no-headers | grep -Eq '^web +3/3 '; }
if wait_until 40 three_pods; then pass "back to 3 pods"; else fail "back to 3 pods"; fi

# --- identity and RBAC ---
for u in admin approver viewer junior; do
	ctx=kubesim-$u
	[ "$u" = admin ] && ctx=kubesim
	out=$(k --context "$ctx" auth whoami)
	expect_match "auth whoami as $u" "$out" "Username +$u"
done
expect_eq "viewer can list pods" "$(k --context kubesim-viewer auth can-i list pods -n demo)" yes
expect_eq "viewer cannot delete pods" "$(k --context kubesim-viewer auth can-i delete pods -n demo 2>/dev/null)" no
expect_eq "junior can patch deployments in demo" "$(k --context kubesim-junior auth can-i patch deployments -n demo)" yes
expect_eq "junior cannot patch deployments in payments-prod" \
	"$(k --context kubesim-junior auth can-i patch deployments -n payments-prod 2>/dev/null)" no
out=$(k --context kubesim-viewer delete pod "${pod#pod/}" -n demo 2>&1)
expect_match "a forbidden request gets kubectl's Forbidden message" "$out" \
	"Error from server \(Forbidden\): pods \"${pod#pod/}\" is forbidden: User \"viewer\" cannot delete resource \"pods\" in API group \"\" in the namespace \"demo\""
out=$(k --context kubesim-junior scale deployment/api -n payments-prod --replicas=2 2>&1)
expect_match "junior cannot scale in production" "$out" 'forbidden: User "junior"'

# --- the service proxy (kubectl get --raw), as opsdeck's http-check uses it ---
cat >"$T/services.yaml" <<'YAML'
apiVersion: v1
kind: Service
metadata: {name: web, namespace: demo}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: nobody, namespace: demo}
spec:
  selector: {app: nobody}
  ports: [{port: 80}]
YAML
check "create services" k create -f "$T/services.yaml" --validate=false
raw() { k get --raw "/api/v1/namespaces/demo/services/$1" 2>&1; }
expect_eq "proxy to /healthz of a service with Ready pods" "$(raw web:80/proxy/healthz)" ok
expect_eq "proxy by port name to /readyz" "$(raw web:http/proxy/readyz)" ok
expect_eq "proxy without a port to another path" "$(raw web/proxy/api/orders)" "web: /api/orders"
expect_match "proxy: a port the service does not have" "$(raw web:81/proxy/healthz)" \
	'^Error from server \(ServiceUnavailable\): no service port 81 found for service "web"$'
expect_match "proxy: no Ready pod behind the service" "$(raw nobody:80/proxy/healthz)" \
	'^Error from server \(ServiceUnavailable\): no endpoints available for service "nobody"$'
expect_match "proxy: no such service" "$(raw nosuch:80/proxy/healthz)" \
	'^Error from server \(NotFound\): services "nosuch" not found$'
out=$(ks_curl viewer -i /api/v1/namespaces/demo/services/web:80/proxy/healthz)
expect_match "the proxy answers text/plain" "$out" '^Content-Type: text/plain'
out=$(k --context kubesim-junior get --raw /api/v1/namespaces/payments-prod/services/api:80/proxy/healthz 2>&1)
expect_match "the proxy is services/proxy to RBAC" "$out" \
	'services "api:80" is forbidden: User "junior" cannot get resource "services/proxy" in API group "" in the namespace "payments-prod"'

# --- create a Job and wait for it ---
cat >"$T/job.yaml" <<'YAML'
apiVersion: batch/v1
kind: Job
metadata:
  name: e2e-job
  namespace: demo
spec:
  backoffLimit: 1
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: task
        image: registry.local/tools/task:1.0
YAML
out=$(k create -f "$T/job.yaml" --validate=false)
expect_match "create -f a Job" "$out" 'job.batch/e2e-job created'
out=$(k wait --for=condition=complete job/e2e-job -n demo --timeout=60s 2>&1)
expect_match "the Job runs to completion" "$out" 'condition met'
out=$(k get jobs -n demo)
expect_match "jobs table" "$out" 'e2e-job +Complete +1/1'
out=$(k get job migrate-ok -n demo -o jsonpath='{.status.succeeded}')
expect_eq "the scenario's job migrate-ok succeeded" "$out" 1

ks_stop
expect_eq "kubesim stops cleanly on SIGTERM" "$?" 0
ks_finish
