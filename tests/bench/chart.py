#!/usr/bin/env python3
"""Bar charts of the benchmarks' figures, as SVGs that a reader takes in at
a glance: one panel per measure, one bar per manager with the median of the
runs and a whisker for their range. The benchmark scripts write theirs from
their own figures beside their raw output; run alone, this reads the figures
back from a raw output (cluster_throughput or one of READERS, by the
file's name):

    python3 tests/bench/chart.py results/crashes.txt results/crashes.svg
"""

import os
import re
import sys
from xml.sax.saxutils import escape

BAR_HEIGHT, GAP, LABEL_WIDTH, PLOT_WIDTH, PANEL_GAP = 18, 6, 190, 420, 34
COLOURS = {"pm": "#2f7d32", "PM2": "#1f5fa8", "node": "#9a9a9a"}


def colour(mode):
    if mode.startswith("pm"):
        return COLOURS["pm"]
    return COLOURS["PM2"] if mode.startswith("PM2") else COLOURS["node"]


def number(value):
    return f"{value:,.0f}" if abs(value) >= 100 or value == int(value) else f"{value:.1f}"


def bars_svg(panels, title):
    """panels: [(heading, [(label, median, low, high)])], drawn in order."""
    y = 40
    parts = []
    for heading, bars in panels:
        top = max(high for _, _, _, high in bars) or 1
        parts.append(f'<text x="10" y="{y}" font-weight="bold">{escape(heading)}</text>')
        y += 10
        for label, median, low, high in bars:
            width = PLOT_WIDTH * median / top
            mid = y + BAR_HEIGHT / 2
            parts.append(f'<text x="{LABEL_WIDTH - 8}" y="{mid + 4}" text-anchor="end">'
                         f'{escape(label)}</text>')
            parts.append(f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width:.1f}" '
                         f'height="{BAR_HEIGHT}" fill="{colour(label)}"/>')
            x_low = LABEL_WIDTH + PLOT_WIDTH * low / top
            x_high = LABEL_WIDTH + PLOT_WIDTH * high / top
            parts.append(f'<line x1="{x_low:.1f}" y1="{mid}" x2="{x_high:.1f}" y2="{mid}" '
                         'stroke="#222" stroke-width="1.5"/>')
            parts.append(f'<text x="{LABEL_WIDTH + PLOT_WIDTH + 8}" y="{mid + 4}">'
                         f'{number(median)}</text>')
            y += BAR_HEIGHT + GAP
        y += PANEL_GAP
    width = LABEL_WIDTH + PLOT_WIDTH + 90
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{y}" '
            f'viewBox="0 0 {width} {y}" font-family="sans-serif" font-size="12">\n'
            f'<rect width="100%" height="100%" fill="white"/>\n'
            f'<text x="10" y="20" font-size="14" font-weight="bold">{escape(title)}</text>\n'
            + "\n".join(parts) + "\n</svg>\n")


def throughput_svg(rows, title):
    """rows: [(server, tool, mode, median, low, high)] in the order to draw."""
    panels = {}
    for server, tool, mode, median, low, high in rows:
        heading = f"{server}, {tool} (requests/s; whisker: range of the runs)"
        panels.setdefault(heading, []).append((mode, median, low, high))
    return bars_svg(list(panels.items()), title)


CELL = r"([\d.]+) \(([\d.]+)-([\d.]+)\)"


def cells(line):
    """Every "median (low-high)" figure of a line, as (median, low, high)."""
    return [tuple(float(x) for x in match) for match in re.findall(CELL, line)]


def crashes_panels(text):
    """crashes.py's table: failed requests per crash, per manager."""
    bars = []
    for line in text.splitlines():
        match = re.match(r"^(pm \S+|pm|PM2)\s+\d", line)
        figures = cells(line)
        if match and len(figures) == 4:
            bars.append((match.group(1), *figures[3]))
    return [("failed requests per crash (ab -c200, 2 instances crashing at random; "
             "1 is the floor)", bars)]


def reload_panels(text):
    """reload_servers.py's table: ab's failed requests and wrk's errors over
    two reloads, one panel per server and load."""
    ab, wrk = {}, {}
    for line in text.splitlines():
        match = re.match(r"^(node|gunicorn|uvicorn|nginx|puma)\s+(.+?)\s+\d+ \(", line)
        figures = cells(line)
        if match and len(figures) == 6:
            server, way = match.groups()
            ab.setdefault(server, []).append((way, *figures[2]))
            wrk.setdefault(server, []).append((way, *figures[5]))
    panels = []
    for server in ab:
        panels.append((f"{server}: ab failed requests over two reloads", ab[server]))
        panels.append((f"{server}: wrk errors over two reloads (keep-alive)", wrk[server]))
    return panels


def list_panels(text):
    """list_and_memory.py's table: pm against PM2 per measure."""
    panels = []
    for line in text.splitlines():
        match = re.match(r"^(list, ms|daemon RSS, MB|daemon RssAnon, MB)\s", line)
        figures = cells(line)
        if match and len(figures) >= 2:
            panels.append((match.group(1).replace("list", "pm list / pm2 list"),
                           [("pm", *figures[0]), ("PM2", *figures[1])]))
    return panels


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


def log_panels(text):
    """log_throughput.py's table: MB/s reaching the log and daemon CPU."""
    rates, cpu = [], []
    for line in text.splitlines():
        match = re.match(r"^(pm|PM2)\s", line)
        figures = cells(line)
        if match and len(figures) == 2:
            rates.append((match.group(1), *figures[0]))
            cpu.append((match.group(1), *figures[1]))
    return [("MB/s of an app's output reaching its log file", rates),
             ("the daemon's CPU meanwhile, % of one core", cpu)]


def many_panels(text):
    """many_instances.py's table, per measure, each manager at each count."""
    online, listing, memory = [], [], []
    for line in text.splitlines():
        match = re.match(r"^(pm|PM2)\s+(\d+)\s", line)
        figures = cells(line)
        if match and len(figures) == 3:
            label = f"{match.group(1)}, {match.group(2)} instances"
            online.append((label, *figures[0]))
            listing.append((label, *figures[1]))
            memory.append((label, *figures[2]))
    return [("seconds until every instance is online", online), ("list, ms", listing),
            ("daemon RSS, MB", memory)]


def reload_load_panels(text):
    """reload_under_load.py's table: failed requests over two reloads or
    restarts, per load."""
    panels = {}
    for line in text.splitlines():
        match = re.match(r"^(pm|PM2)\s+(reload|restart)\s+(ab|wrk)\s", line)
        figures = cells(line)
        if match and len(figures) == 2:
            manager, action, tool = match.groups()
            heading = (f"{tool}: failed requests over two {action}s" if tool == "ab"
                       else f"{tool}: errors over two {action}s (keep-alive)")
            panels.setdefault(heading, []).append((manager, *figures[1]))
    return list(panels.items())


READERS = {"crashes": (crashes_panels, "Random crashes under load"),
           "reload_servers": (reload_panels, "Reloads under load, real servers"),
           "list_and_memory": (list_panels, "CLI latency and daemon memory"),
           "log_throughput": (log_panels, "Log throughput"),
           "many_instances": (many_panels, "Many instances"),
           "reload_under_load": (reload_load_panels, "Reloads and restarts under load, Node")}


def chart_of(name, text):
    """The SVG of benchmark `name` (a READERS key) from its printed table."""
    if name.startswith("cluster_throughput"):
        return throughput_svg(rows_from_raw(text), "Requests per second, 2 instances")
    key = next((key for key in READERS if name.startswith(key)), None)
    if not key:
        raise SystemExit(f"{name}: no chart for this benchmark")
    reader, title = READERS[key]
    panels = [panel for panel in reader(text) if panel[1]]
    if not panels:
        raise SystemExit(f"{name}: no figures found")
    return bars_svg(panels, title)


def save_chart(name, table):
    """Writes results/NAME.svg from the table a benchmark printed."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", name + ".svg")
    with open(path, "w") as f:
        f.write(chart_of(name, table))


def main():
    if len(sys.argv) != 3:
        raise SystemExit("usage: chart.py RAW_OUTPUT.txt CHART.svg")
    with open(sys.argv[1]) as f:
        svg = chart_of(sys.argv[1].rsplit("/", 1)[-1], f.read())
    with open(sys.argv[2], "w") as f:
        f.write(svg)


if __name__ == "__main__":
    main()
