"""The picture of `Benchmarks/compare --plot FILE.svg`: the comparison table as grouped bars on a
log scale, one group per workload (ParallelKit's bar first, then each peer's), each bar labelled
with its time and, for a peer, its ratio to ParallelKit. Standard library only; the SVG is
well-formed XML that a browser or `rsvg-convert` shows without a plug-in."""
import math
from xml.sax.saxutils import escape, quoteattr

PARALLELKIT_COLOR = "#1f77b4"
NAMES = {"parallelkit": "ParallelKit", "python-processes": "Python multiprocessing.Pool",
         "python-threads": "Python concurrent.futures", "joblib": "joblib", "pandas": "pandas", "rayon": "Rayon (Rust)",
         "run": "GNU parallel, xargs", "mpi": "mpi4py.futures"}
PEER_COLORS = {"python-processes": "#d62728", "python-threads": "#ff7f0e", "joblib": "#9467bd", "pandas": "#8c564b",
               "rayon": "#2ca02c", "run": "#7f7f7f", "mpi": "#17becf"}
BAR, GAP, LABELS, RIGHT, WIDTH = 16, 14, 330, 900, 1240
# The legend starts this far right of the axis's end: past the longest figure a bar there can have.
LEGEND = 110
TOP = 80


def unit(seconds):
    for scale, name in ((1, "s"), (1e-3, "ms"), (1e-6, "µs"), (1e-9, "ns")):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {name}"
    return f"{seconds * 1e9:.2g} ns"


def groups(rows):
    """Per workload, in table order: its bars as (label, seconds, color, ratio)."""
    order, bars = [], {}
    for row in rows:
        key = row["workload"] + (" (per item)" if row["per"] == "item" else "")
        if key not in bars:
            order.append(key)
            bars[key] = []
        mine = ("ParallelKit " + row["parallelkit_variant"], row["parallelkit_seconds"], PARALLELKIT_COLOR, None)
        if mine not in bars[key]:
            bars[key].append(mine)
        bars[key].append((row["peer"], row["peer_seconds"], PEER_COLORS.get(row["group"], "#bcbd22"), row["ratio"]))
    # ParallelKit's bars first in each group.
    return [(key, sorted(bars[key], key=lambda bar: bar[3] is not None)) for key in order]


def text(content, x, y, size=12, anchor="start", bold=False, extra=""):
    weight = ' font-weight="bold"' if bold else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}"{weight}{extra}>'
            f"{escape(content)}</text>")


def write(report, path):
    laid = groups(report["rows"])
    times = [bar[1] for _, bars in laid for bar in bars if bar[1] and bar[1] > 0]
    low = math.floor(math.log10(min(times))) if times else -6
    high = math.ceil(math.log10(max(times))) if times else 0
    high = max(high, low + 1)
    left, right = LABELS, RIGHT
    height = TOP + sum(len(bars) * BAR + GAP for _, bars in laid) + 90

    def x(seconds):
        return left + (math.log10(seconds) - low) / (high - low) * (right - left)

    machine = report.get("machine", {})
    load = " ".join(machine.get("load_average", []))
    subtitle = (f"{report.get('date', '')[:16].replace('T', ' ')} UTC, {machine.get('cores')} cores, load {load}"
                f"{', --quick' if report.get('quick') else ''}; ratio = peer's time ÷ ParallelKit's (above 1: ParallelKit is faster)")
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" '
           'font-family="DejaVu Sans, Helvetica, Arial, sans-serif">',
           f'<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="white"/>',
           text("ParallelKit and its peers: time per workload (log scale, shorter is faster)", WIDTH / 2, 28, 18, "middle",
                True, ' class="title"'),
           text(subtitle, WIDTH / 2, 50, 12, "middle")]
    bottom = height - 70
    for decade in range(low, high + 1):
        position = x(10.0 ** decade)
        out.append(f'<line x1="{position:.1f}" y1="{TOP - 8}" x2="{position:.1f}" y2="{bottom}" stroke="#dddddd"/>')
        out.append(text(unit(10.0 ** decade), position, bottom + 18, 12, "middle"))
    out.append(f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#333333"/>')
    out.append(text("time (median; log scale)", (left + right) / 2, bottom + 42, 14, "middle", extra=' class="x-label"'))
    out.append(text("workload and tool", 20, TOP - 14, 14, extra=' class="y-label"'))
    y = TOP
    for key, bars in laid:
        out.append(f'<g class="group"><title>{escape(key)}</title>')
        for index, (label, seconds, color, ratio) in enumerate(bars):
            top = y + index * BAR
            if index == 0:
                out.append(text(key, 20, top + BAR - 4, 12, bold=True))
            out.append(text(label, left - 8, top + BAR - 4, 11, "end"))
            if seconds and seconds > 0:
                out.append(f'<rect class="bar" x="{left}" y="{top + 2}" width="{max(1.0, x(seconds) - left):.1f}" '
                           f'height="{BAR - 4}" fill="{color}"/>')
                figure = unit(seconds) + ("" if ratio is None else f", {ratio:.2f}x")
                out.append(text(figure, x(seconds) + 5, top + BAR - 4, 11))
        out.append("</g>")
        y += len(bars) * BAR + GAP
        out.append(f'<line x1="20" y1="{y - GAP / 2:.1f}" x2="{right}" y2="{y - GAP / 2:.1f}" stroke="#eeeeee"/>')
    # The legend: ParallelKit and each peer group drawn.
    drawn = ["parallelkit"] + [g["name"] for g in report.get("groups", []) if g.get("status") == "ran"]
    legend_y = TOP
    out.append(text("legend", right + LEGEND, legend_y, 13, bold=True))
    for name in drawn:
        legend_y += 20
        color = PARALLELKIT_COLOR if name == "parallelkit" else PEER_COLORS.get(name, "#bcbd22")
        out.append(f'<rect x="{right + LEGEND}" y="{legend_y - 10}" width="14" height="12" fill="{color}"/>')
        out.append(text(NAMES.get(name, name), right + LEGEND + 20, legend_y, 12, extra=' class="legend"'))
    skipped = [g["name"] for g in report.get("groups", []) if g.get("status") != "ran"]
    if skipped:
        out.append(text("not run: " + ", ".join(skipped), 20, height - 12, 11, extra=f" fill={quoteattr('#555555')}"))
    out.append("</svg>")
    with open(path, "w") as svg:
        svg.write("\n".join(out) + "\n")
