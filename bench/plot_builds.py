"""Plot instructions per request by framework and workload, from ``builds.py --json``.

    python bench/plot_builds.py build/builds.json docs/images/builds.png

One group of bars per workload, one bar per contender, each bar the
contender's instructions per request divided by Falcon's (Cython): below 1
is fewer instructions than Falcon. The absolute figures are in the JSON and in
docs/performance.md.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display: write the file only
import matplotlib.pyplot as plt
from builds import CONTENDERS, REFERENCE


def main(source: str, target: str) -> None:
    figures = json.loads(Path(source).read_text())["instructions"]
    workloads = [w for w, by in figures.items() if by.get(REFERENCE)]
    contenders = [c for c in CONTENDERS if any(figures[w].get(c) for w in workloads)]
    width = 0.8 / len(contenders)
    fig, axes = plt.subplots(figsize=(12, 4.8), dpi=120)
    for index, contender in enumerate(contenders):
        xs, ratios = [], []
        for position, workload in enumerate(workloads):
            value = figures[workload].get(contender)
            if value:
                xs.append(position + (index - (len(contenders) - 1) / 2) * width)
                ratios.append(value / figures[workload][REFERENCE])
        axes.bar(xs, ratios, width, label=contender)
    axes.axhline(1.0, color="black", linewidth=0.8)
    axes.axhline(0.8, color="gray", linewidth=0.8, linestyle="--")
    axes.set_xticks(range(len(workloads)), workloads, rotation=30, ha="right")
    axes.set_ylabel(f"instructions per request / {REFERENCE} (Cython)")
    axes.set_title("Instructions per request, relative to Falcon's Cython build (lower is better)")
    axes.legend(ncols=4, fontsize="small")
    fig.tight_layout()
    fig.savefig(target)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: python bench/plot_builds.py BUILDS.json OUT.png")
    main(sys.argv[1], sys.argv[2])
