#!/usr/bin/env python3
"""A bar chart of requests per second, as an SVG that a reader takes in at a
glance: one panel per server and load tool, one bar per manager with the
median of the runs and a whisker for their range. cluster_throughput.py
writes it from its own figures beside its raw output; run alone, this
reads those figures back from the raw output:

    python3 tests/bench/chart.py results/cluster_throughput.txt results/cluster_throughput.svg
"""

import re
import sys
from xml.sax.saxutils import escape

BAR_HEIGHT, GAP, LABEL_WIDTH, PLOT_WIDTH, PANEL_GAP = 18, 6, 190, 420, 34
COLOURS = {"pm": "#2f7d32", "PM2": "#1f5fa8", "node": "#9a9a9a"}


def colour(mode):
    if mode.startswith("pm"):
        return COLOURS["pm"]
    return COLOURS["PM2"] if mode.startswith("PM2") else COLOURS["node"]


def throughput_svg(rows, title):
    """rows: [(server, tool, mode, median, low, high)] in the order to draw."""
    panels = {}
    for server, tool, mode, median, low, high in rows:
        panels.setdefault((server, tool), []).append((mode, median, low, high))
    y = 40
    parts = []
    for (server, tool), bars in panels.items():
        top = max(high for _, _, _, high in bars) or 1
        parts.append(f'<text x="10" y="{y}" font-weight="bold">{escape(server)}, '
                     f'{escape(tool)} (requests/s; whisker: range of the runs)</text>')
        y += 10
        for mode, median, low, high in bars:
            width = PLOT_WIDTH * median / top
            mid = y + BAR_HEIGHT / 2
            parts.append(f'<text x="{LABEL_WIDTH - 8}" y="{mid + 4}" text-anchor="end">'
                         f'{escape(mode)}</text>')
            parts.append(f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width:.1f}" '
                         f'height="{BAR_HEIGHT}" fill="{colour(mode)}"/>')
            x_low = LABEL_WIDTH + PLOT_WIDTH * low / top
            x_high = LABEL_WIDTH + PLOT_WIDTH * high / top
            parts.append(f'<line x1="{x_low:.1f}" y1="{mid}" x2="{x_high:.1f}" y2="{mid}" '
                         'stroke="#222" stroke-width="1.5"/>')
            parts.append(f'<text x="{LABEL_WIDTH + PLOT_WIDTH + 8}" y="{mid + 4}">'
                         f'{median:,.0f}</text>')
            y += BAR_HEIGHT + GAP
        y += PANEL_GAP
    width = LABEL_WIDTH + PLOT_WIDTH + 90
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{y}" '
            f'viewBox="0 0 {width} {y}" font-family="sans-serif" font-size="12">\n'
            f'<rect width="100%" height="100%" fill="white"/>\n'
            f'<text x="10" y="20" font-size="14" font-weight="bold">{escape(title)}</text>\n'
            + "\n".join(parts) + "\n</svg>\n")


def rows_from_raw(text):
    """The req/s cells of cluster_throughput.py's table in its raw output."""
    rows = []
    pattern = re.compile(r"^(hello world|cpu-bound server\.js)\s+(.+?)\s+(ab|wrk)\s+"
                         r"(\d+) \((\d+)-(\d+)\)")
    for line in text.splitlines():
        match = pattern.match(line)
        if match:
            server, mode, tool = match.group(1), match.group(2).strip(), match.group(3)
            rows.append((server, tool, mode, *(int(match.group(i)) for i in (4, 5, 6))))
    rows.sort(key=lambda row: (row[0] != "hello world", row[1] != "ab"))
    return rows


def main():
    if len(sys.argv) != 3:
        raise SystemExit("usage: chart.py RAW_OUTPUT.txt CHART.svg")
    with open(sys.argv[1]) as f:
        rows = rows_from_raw(f.read())
    if not rows:
        raise SystemExit(f"{sys.argv[1]}: no req/s figures found")
    with open(sys.argv[2], "w") as f:
        f.write(throughput_svg(rows, "Requests per second, 2 instances (" + sys.argv[1].rsplit(
            "/", 1)[-1] + ")"))


if __name__ == "__main__":
    main()
