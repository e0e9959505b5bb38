"""Plot µs per match against the number of routes, for every router.

Reads the JSON that ``python bench/routing.py --json FILE`` writes and draws
one line per router over the synthetic tables (10 to 10,000 routes), log
scales on both axes. Needs matplotlib (``pip install -e '.[bench]'``).

Run ``python bench/plot.py results.json docs/routing-scale.png``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit("usage: python bench/plot.py RESULTS.json OUTPUT.png")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    results = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    tables = sorted(
        (int(name.split("-")[1]), name) for name in results if name.startswith("synthetic-")
    )
    figure, axes = plt.subplots(figsize=(7, 4.5), dpi=100)
    routers = ["ours", "falcon", "werkzeug", "bottle"]
    for router in routers:
        points = [
            (size, results[name][router]["mean"])
            for size, name in tables
            if router in results[name]
        ]
        if points:
            sizes, means = zip(*points, strict=True)
            axes.plot(sizes, means, marker="o", label=router)
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("routes in the table")
    axes.set_ylabel("µs per match (mean over every route)")
    axes.set_title("Routing cost as the table grows (synthetic tables)")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(sys.argv[2])
    print(f"wrote {sys.argv[2]}")


if __name__ == "__main__":
    main()
