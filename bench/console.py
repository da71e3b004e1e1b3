#!/usr/bin/env python3
"""Console benchmark: start-up and what an idle console sends to the
terminal, measured through a real pseudo-terminal on the FinPay demo.

usage: console.py BUILD-DIR   (run by bench/console.sh)

* start-up, RUNS times: the console is started in a 120x40 pty; we take
  the time to its first byte of output, and (from OPSDECK_TRACE) the
  time its first frame was drawn and the time of the first frame with
  every cluster listed (the fleet fully populated); `kubectl get deploy
  -A` on both clusters is timed in the same runs for scale.
* idle output: with the fleet on screen, one pod of payments-api in
  staging is changed once a second (an annotation, a MODIFIED watch
  event) for IDLE_SECONDS; every byte the console writes to the pty in
  that time is counted. Then the same with nothing changing.
Medians are printed as one line per measure, ready for
docs/performance.md.
"""
import os
import pty
import select
import signal
import statistics
import struct
import subprocess
import sys
import fcntl
import termios
import time

RUNS = int(os.environ.get("RUNS", "5"))
IDLE_SECONDS = int(os.environ.get("IDLE_SECONDS", "20"))
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def start_demo(build, tmp):
    env = dict(os.environ, OPSDECK_DEMO_NO_CONSOLE="1",
               OPSDECK_DEMO_DIR=os.path.join(tmp, "demo"), BUILD=build)
    p = subprocess.Popen(["bash", os.path.join(ROOT, "scripts/demo.sh")],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         env=env, text=True)
    info = {}
    while len(info) < 2:
        line = p.stdout.readline()
        if not line:
            sys.exit("the demo did not start")
        k, _, v = line.strip().partition("=")
        info[k] = v
    return p, info["KUBECONFIG"], info["REPO"]


def spawn(build, repo, env, trace):
    pid, fd = pty.fork()
    if pid == 0:
        os.environ.update(env)
        os.environ["OPSDECK_TRACE"] = trace
        os.execv(os.path.join(build, "opsdeck"), ["opsdeck", "--repo", repo])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    return pid, fd


def read_for(fd, seconds):
    """Bytes the console writes in the next `seconds`."""
    n, end = 0, time.monotonic() + seconds
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return n
        r, _, _ = select.select([fd], [], [], left)
        if r:
            try:
                n += len(os.read(fd, 65536))
            except OSError:
                return n


def trace_times(path):
    t = {}
    if os.path.exists(path):
        for line in open(path):
            k, v = line.split()
            t[k] = int(v)
    return t


def quit_console(pid, fd):
    os.write(fd, b"Q")
    for _ in range(50):
        if os.waitpid(pid, os.WNOHANG)[0]:
            break
        time.sleep(0.1)
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    os.close(fd)


def main():
    build = os.path.abspath(sys.argv[1])
    tmp = sys.argv[2]
    demo, kubeconfig, repo = start_demo(build, tmp)
    env = {"KUBECONFIG": kubeconfig, "TERM": "xterm-256color",
           "LANG": "C.UTF-8", "XDG_CONFIG_HOME": os.path.join(tmp, "cfg"),
           "XDG_STATE_HOME": os.path.join(tmp, "state")}
    kenv = dict(os.environ, KUBECONFIG=kubeconfig)
    first_byte, first_frame, populated, kubectl = [], [], [], []
    # let every deployment roll out first
    time.sleep(8)
    for i in range(RUNS):
        trace = os.path.join(tmp, f"trace{i}")
        t0 = time.monotonic()
        pid, fd = spawn(build, repo, env, trace)
        r, _, _ = select.select([fd], [], [], 10)
        first_byte.append((time.monotonic() - t0) * 1000)
        deadline = time.monotonic() + 30
        while "fleet-populated" not in trace_times(trace) and time.monotonic() < deadline:
            read_for(fd, 0.05)
        t = trace_times(trace)
        first_frame.append(t.get("first-frame", -1))
        populated.append(t.get("fleet-populated", -1))
        quit_console(pid, fd)
        t0 = time.monotonic()
        for ctx in ("finpay-dev", "finpay-prod"):
            subprocess.run(["kubectl", "--context", ctx, "get", "deploy", "-A"],
                           env=kenv, stdout=subprocess.DEVNULL, check=True)
        kubectl.append((time.monotonic() - t0) * 1000)

    pid, fd = spawn(build, repo, env, os.path.join(tmp, "trace-idle"))
    read_for(fd, 5)
    pod = subprocess.run(["kubectl", "--context", "finpay-dev", "-n", "payments-stg",
                          "get", "pods", "-o", "name"], env=kenv, check=True,
                         capture_output=True, text=True).stdout.split()[0]
    quiet = read_for(fd, IDLE_SECONDS)
    changing = 0
    for i in range(IDLE_SECONDS):
        t0 = time.monotonic()
        subprocess.run(["kubectl", "--context", "finpay-dev", "-n", "payments-stg",
                        "annotate", "--overwrite", pod, f"bench/tick={i}"],
                       env=kenv, stdout=subprocess.DEVNULL, check=True)
        changing += read_for(fd, max(0.0, 1 - (time.monotonic() - t0)))
    quit_console(pid, fd)
    demo.terminate()
    demo.wait()

    med = statistics.median
    print(f"first byte on the terminal        median {med(first_byte):6.1f} ms  (runs: {', '.join(f'{x:.0f}' for x in first_byte)})")
    print(f"first frame drawn (trace)          median {med(first_frame):6.1f} ms")
    print(f"fleet fully populated (trace)      median {med(populated):6.1f} ms")
    print(f"kubectl get deploy -A, 2 clusters  median {med(kubectl):6.1f} ms  (ratio populated/kubectl {med(populated) / med(kubectl):.2f})")
    print(f"idle, nothing changing             {quiet / IDLE_SECONDS:6.1f} bytes/s")
    print(f"idle, one pod changing per second  {changing / IDLE_SECONDS:6.1f} bytes/s")


if __name__ == "__main__":
    main()
