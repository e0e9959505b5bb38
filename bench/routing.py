"""Routing at scale: our router against werkzeug's Map, Bottle's and Falcon's CompiledRouter.

For each real table (GitHub, Parse, Google+, static; see ``../shared/bench-data``)
and each synthetic table (10 to 10,000 routes), every router is built from the
same routes, checked (every route's test path must reach that route, the 404s
must be 404s and the 405 a 405), then timed in the same run:

- ``mean``: µs per match, averaged over every route's test path;
- ``first`` / ``last``: the first and the last route registered;
- ``last static``: the last route without parameters (synthetic tables);
- ``404`` (a path no route has) and ``404 near`` (a route's path with one
  more segment), and ``405`` (a path that exists, with a method it lacks);
- ``build``: seconds to register every route and compile the table.

Each figure is the median of several rounds. Run ``python bench/routing.py``
(``--help`` for options); ``--json FILE`` keeps the results for the plot
(``bench/plot.py``) and for ``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
if importlib.util.find_spec("framework") is None:  # a checkout, not installed: its source
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from routers import CONTENDERS
from tables import REAL_TABLES, SYNTHETIC_SIZES, TableRoute, load, not_allowed, synthetic

NOT_FOUND = "/this/path/does/not/exist/anywhere"
#: Rough time to spend timing one figure, in seconds.
BUDGET = 0.05


def time_per_call(function: Callable[[], Any], calls: int, rounds: int) -> float:
    """Median over ``rounds`` of the µs per call, for a function making ``calls`` calls."""
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) / calls * 1e6)
    return statistics.median(samples)


def repeat(matcher: Callable[[], Any], count: int) -> Callable[[], None]:
    def run() -> None:
        for _ in range(count):
            matcher()

    return run


def calibrate(function: Callable[[], Any]) -> int:
    """How many calls of ``function`` fill the time budget (at least 10)."""
    start = time.perf_counter()
    function()
    once = max(time.perf_counter() - start, 1e-7)
    return max(10, int(BUDGET / once))


def scenarios(table: list[TableRoute], synthetic_table: bool) -> dict[str, tuple[str, str]]:
    first, last = table[0], table[-1]
    cases = {
        "first": (first.method, first.test_path),
        "last": (last.method, last.test_path),
        "404": ("GET", NOT_FOUND),
        "404 near": (last.method, last.test_path + "/more"),
        "405": not_allowed(table),
    }
    if synthetic_table:
        last_static = next(route for route in reversed(table) if route.is_static)
        cases["last static"] = (last_static.method, last_static.test_path)
    return cases


def check(contender: Any, table: list[TableRoute], cases: dict[str, tuple[str, str]]) -> None:
    """Every route's test path reaches it; the 404 and 405 cases are what they say."""
    for index, route in enumerate(table):
        outcome = contender.outcome(route.method, route.test_path)
        if outcome != f"200 r{index}":
            raise AssertionError(f"{route.method} {route.test_path}: {outcome}, not r{index}")
    for name, (method, path) in cases.items():
        if name.startswith("404") or name == "405":
            outcome = contender.outcome(method, path)
            if outcome != name[:3]:
                raise AssertionError(f"{name} {method} {path}: got {outcome}")


def measure(
    name: str,
    table: list[TableRoute],
    contender_names: list[str],
    rounds: int,
    synthetic_table: bool,
) -> dict[str, dict[str, float]]:
    cases = scenarios(table, synthetic_table)
    results: dict[str, dict[str, float]] = {}
    for contender_name in contender_names:
        contender = CONTENDERS[contender_name]()
        gc.collect()
        start = time.perf_counter()
        contender.build(table)
        build = time.perf_counter() - start
        try:
            check(contender, table, cases)
        except AssertionError as error:
            print(f"  {contender_name}: skipped, wrong answer: {error}", file=sys.stderr)
            continue
        figures = {"build": build}
        matchers = [contender.matcher(route.method, route.test_path) for route in table]

        def all_routes(matchers: list[Callable[[], Any]] = matchers) -> None:
            for matcher in matchers:
                matcher()

        passes = max(1, calibrate(all_routes) // 1)
        figures["mean"] = time_per_call(repeat(all_routes, passes), passes * len(table), rounds)
        for case, (method, path) in cases.items():
            matcher = contender.matcher(method, path)
            count = calibrate(repeat(matcher, 100)) * 100
            figures[case] = time_per_call(repeat(matcher, count), count, rounds)
        results[contender_name] = figures
    return results


def print_table(title: str, results: dict[str, dict[str, float]]) -> None:
    columns = ["mean", "first", "last", "last static", "404", "404 near", "405", "build"]
    columns = [c for c in columns if any(c in figures for figures in results.values())]
    print(f"\n{title}")
    print(f"{'router':10s}" + "".join(f"{c:>12s}" for c in columns))
    for contender, figures in results.items():
        cells = []
        for column in columns:
            value = figures.get(column)
            if value is None:
                cells.append(f"{'-':>12s}")
            elif column == "build":
                cells.append(f"{value:>11.3f}s")
            else:
                cells.append(f"{value:>12.2f}")
        print(f"{contender:10s}" + "".join(cells))


def versions() -> str:
    names = {"ours": "framework", "falcon": "falcon", "werkzeug": "werkzeug", "bottle": "bottle"}
    found = []
    for label, package in names.items():
        try:
            found.append(f"{label} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            found.append(f"{label} (not installed)")
    return ", ".join(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds per figure (median)")
    parser.add_argument("--only", help="comma-separated contenders (ours,falcon,werkzeug,bottle)")
    parser.add_argument("--tables", help="comma-separated tables (github,...,synthetic-1000)")
    parser.add_argument(
        "--bottle-max", type=int, default=1000, help="skip Bottle on synthetic tables above this"
    )
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args()
    contender_names = args.only.split(",") if args.only else list(CONTENDERS)
    tables: list[tuple[str, list[TableRoute], bool]] = [
        (name, load(name), False) for name in REAL_TABLES
    ]
    tables += [(f"synthetic-{size}", synthetic(size), True) for size in SYNTHETIC_SIZES]
    if args.tables:
        wanted = set(args.tables.split(","))
        tables = [entry for entry in tables if entry[0] in wanted]
    python = f"{platform.python_implementation()} {platform.python_version()}"
    print(f"Python {python} on {platform.platform()}")
    print(f"versions: {versions()}")
    print("µs per match (median of rounds); build in seconds")
    everything: dict[str, Any] = {"python": platform.python_version(), "versions": versions()}
    for name, table, synthetic_table in tables:
        names = contender_names
        if synthetic_table and len(table) > args.bottle_max:
            names = [n for n in names if n != "bottle"]
        results = measure(name, table, names, args.rounds, synthetic_table)
        print_table(f"{name} ({len(table)} routes)", results)
        everything[name] = results
    if args.json:
        args.json.write_text(json.dumps(everything, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
