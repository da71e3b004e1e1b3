#!/usr/bin/env python3
"""Render a terminal capture with colours as an SVG picture.

usage: tmux capture-pane -e -p -t PANE | screenshot.py COLS ROWS > out.svg

Reads the text with its SGR escape sequences (as `tmux capture-pane -e`
writes them: 8/16/256 colours, bold, dim, reverse, underline), lays the
cells out on a grid and writes one <text> per row with a <tspan> per run
of one look, over <rect>s for the backgrounds. Used for the README's
screenshot of the console, so the picture is made from a real run.
"""
import html
import re
import sys
import unicodedata

BASE = ["#1d1f21", "#cc6666", "#b5bd68", "#f0c674", "#81a2be", "#b294bb",
        "#8abeb7", "#c5c8c6", "#666666", "#d54e53", "#b9ca4a", "#e7c547",
        "#7aa6da", "#c397d8", "#70c0b1", "#eaeaea"]
FG, BG = "#c5c8c6", "#1d1f21"
CW, CH = 8.4, 17  # cell size in pixels


def color256(n):
    if n < 16:
        return BASE[n]
    if n >= 232:
        v = 8 + (n - 232) * 10
        return "#%02x%02x%02x" % (v, v, v)
    n -= 16
    steps = [0, 95, 135, 175, 215, 255]
    return "#%02x%02x%02x" % (steps[n // 36], steps[(n // 6) % 6], steps[n % 6])


def width(ch):
    return 2 if unicodedata.east_asian_width(ch) in "WF" else 1


def parse(lines, cols, rows):
    grid = []
    st = {"fg": None, "bg": None, "bold": False, "dim": False, "rev": False, "ul": False}
    for line in lines[:rows]:
        row = []
        i = 0
        while i < len(line):
            m = re.match(r"\x1b\[([0-9;]*)m", line[i:])
            if m:
                codes = [int(c) if c else 0 for c in m.group(1).split(";")]
                k = 0
                while k < len(codes):
                    c = codes[k]
                    if c == 0:
                        st = {"fg": None, "bg": None, "bold": False, "dim": False, "rev": False, "ul": False}
                    elif c == 1: st["bold"] = True
                    elif c == 2: st["dim"] = True
                    elif c == 4: st["ul"] = True
                    elif c == 7: st["rev"] = True
                    elif c == 22: st["bold"] = st["dim"] = False
                    elif c == 24: st["ul"] = False
                    elif c == 27: st["rev"] = False
                    elif 30 <= c <= 37: st["fg"] = BASE[c - 30]
                    elif 90 <= c <= 97: st["fg"] = BASE[c - 90 + 8]
                    elif 40 <= c <= 47: st["bg"] = BASE[c - 40]
                    elif 100 <= c <= 107: st["bg"] = BASE[c - 100 + 8]
                    elif c == 39: st["fg"] = None
                    elif c == 49: st["bg"] = None
                    elif c in (38, 48) and k + 2 < len(codes) and codes[k + 1] == 5:
                        st["fg" if c == 38 else "bg"] = color256(codes[k + 2])
                        k += 2
                    k += 1
                i += m.end()
                continue
            if line[i] == "\x1b":  # another sequence: skip it
                m = re.match(r"\x1b[\[\]][^a-zA-Z\x07]*[a-zA-Z\x07]?", line[i:])
                i += m.end() if m else 1
                continue
            row.append((line[i], dict(st)))
            if width(line[i]) == 2:
                row.append(("", dict(st)))
            i += 1
        grid.append(row[:cols])
    while len(grid) < rows:
        grid.append([])
    return grid


def look(st):
    fg, bg = st["fg"] or FG, st["bg"] or BG
    if st["bold"] and st["fg"] in BASE[:8]:
        fg = BASE[BASE.index(st["fg"]) + 8]
    if st["rev"]:
        fg, bg = bg, fg
    return fg, bg


def main():
    cols, rows = int(sys.argv[1]), int(sys.argv[2])
    grid = parse(sys.stdin.read().split("\n"), cols, rows)
    w, h = int(cols * CW) + 16, int(rows * CH) + 16
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
           f'viewBox="0 0 {w} {h}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="14">',
           f'<rect width="100%" height="100%" rx="6" fill="{BG}"/>']
    for y, row in enumerate(grid):
        x = 0
        for ch, st in row:
            _, bg = look(st)
            if bg != BG:
                out.append(f'<rect x="{8 + x * CW:.1f}" y="{8 + y * CH}" width="{CW + 0.6:.1f}" height="{CH}" fill="{bg}"/>')
            x += 1
    for y, row in enumerate(grid):
        x = 0
        for ch, st in row:
            if ch and ch != " ":
                fg, _ = look(st)
                attrs = ' font-weight="bold"' if st["bold"] else ""
                attrs += ' opacity="0.6"' if st["dim"] else ""
                attrs += ' text-decoration="underline"' if st["ul"] else ""
                out.append(f'<text x="{8 + x * CW:.1f}" y="{8 + y * CH + 13}" fill="{fg}"{attrs}>{html.escape(ch)}</text>')
            x += 1
    out.append("</svg>")
    print("\n".join(out))


if __name__ == "__main__":
    main()
