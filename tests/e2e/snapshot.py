#!/usr/bin/env python3
"""Compare console screen dumps with their snapshots.

usage: snapshot.py DUMP-DIR SNAPSHOT-DIR
Every DUMP-DIR/*.txt (the console's test-mode `dump`: the screen's text,
then "--- attributes ---" and one character per cell for its look) is
compared with SNAPSHOT-DIR/<same name>. With UPDATE_SNAPSHOTS=1 the
snapshots are written instead.

What changes from run to run on a live cluster is masked in both the text
and the attributes before comparing, so that a snapshot is exact about
everything else: clock times (12:03:04), ages and durations (5s, 3m12s,
2d4h), timestamps, a live log's line count, and the columns they stand
in. A masked token takes the blanks
around it, so a right- or left-aligned column compares equal whatever the
width of its number. Rows of events are compared in sorted order, as the
cluster gives events of the same second in no fixed order.
"""
import os
import re
import sys

VOLATILE = re.compile(
    r" *(?:\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z"  # timestamps
    r"|\b\d{2}:\d{2}:\d{2}\b"                    # clock times
    r"|\b\d+(?: new)? lines?\b"                  # a live log's line count
    r"|\b\d+\.\d+/\d+ MiB\b"                    # and its buffer
    r"|(?<![\w./-])\d+(?:ms|[smhdy])(?:\d+[smh])?(?![\w./])"  # ages
    r") *")


# Rows of events: events of one second come in no fixed order, so these
# rows are compared as a set (sorted), wherever they are on the screen.
EVENT_ROW = re.compile(r" (?:pod|rs|deploy)/\S")


def masked(dump):
    text, _, attrs = dump.partition("--- attributes ---\n")
    tl = text.split("\n")
    al = attrs.split("\n")
    out_t, out_a = [], []
    for i, line in enumerate(tl):
        a = al[i] if i < len(al) else ""
        a = a.ljust(len(line), ".")
        chars, achars = list(line), list(a)
        for m in VOLATILE.finditer(line):
            for k in range(m.start(), m.end()):
                chars[k] = "~"
                achars[k] = "~"
        out_t.append("".join(chars).rstrip())
        out_a.append("".join(achars).rstrip(".").rstrip())
    rows = [i for i, t in enumerate(out_t) if EVENT_ROW.search(t)]
    ordered = sorted((out_t[i], out_a[i]) for i in rows)
    for i, (t, a) in zip(rows, ordered):
        out_t[i], out_a[i] = t, a
    return "\n".join(out_t) + "--- attributes ---\n" + "\n".join(out_a)


def main():
    dumps, snaps = sys.argv[1], sys.argv[2]
    update = os.environ.get("UPDATE_SNAPSHOTS") == "1"
    bad = 0
    names = sorted(n for n in os.listdir(dumps) if n.endswith(".txt"))
    if not names:
        print("no dumps in", dumps)
        return 1
    for name in names:
        with open(os.path.join(dumps, name), encoding="utf-8") as f:
            got = f.read()
        path = os.path.join(snaps, name)
        if update:
            os.makedirs(snaps, exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.write(got)
            print("wrote", path)
            continue
        if not os.path.exists(path):
            print(f"FAIL {name}: no snapshot {path} (UPDATE_SNAPSHOTS=1 makes it)")
            bad += 1
            continue
        with open(path, encoding="utf-8") as f:
            want = f.read()
        if masked(got) == masked(want):
            print(f"ok - {name}")
            continue
        bad += 1
        print(f"FAIL {name}: the screen differs from {path}")
        gl, wl = masked(got).split("\n"), masked(want).split("\n")
        for i in range(max(len(gl), len(wl))):
            g = gl[i] if i < len(gl) else "<none>"
            w = wl[i] if i < len(wl) else "<none>"
            if g != w:
                print(f"  row {i}:\n    want: {w}\n    got:  {g}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
