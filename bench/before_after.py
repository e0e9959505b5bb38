"""Before and after a change: ours from two checkouts, timed in turn in one process.

On a shared machine the speed of a run wanders by more than the few percent
a change costs, so two runs of ``bench/routing.py`` an hour apart cannot say
whether a change cost 5% or 15%. Here both checkouts' ``framework/`` are
imported side by side, each under a name of its own, and every figure is
taken in rounds: in each round the same calls run on the "before" copy and
then on the "after" copy (the order alternates from round to round). What
slows the machine during a round slows both sides of it, so the figure is
the median over the rounds of after / before.

Figures, for each table asked for:

- ``bench/routing.py``'s columns, our ``Router`` alone: ``mean`` (every
  route's test path in turn), ``first``, ``last``, ``last static``
  (synthetic tables), ``404``, ``404 near`` and ``405``;
- with ``--apps``, ``bench/apps.py``'s whole app: ``app 200`` (every route
  in turn), ``app 404`` and ``app 405``.

Run ``python bench/before_after.py --before OLD_CHECKOUT`` (``--after``
defaults to this checkout; ``--help`` for the rest). A checkout can be made
from any commit with ``git worktree add /tmp/old <commit>``, or
``git archive <commit> framework | tar -x -C /tmp/old``.
"""

from __future__ import annotations

import argparse
import importlib
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import apps
from routers import Ours, to_angle
from routing import calibrate, check, repeat, scenarios
from tables import REAL_TABLES, SYNTHETIC_SIZES, TableRoute, load, not_allowed, synthetic

#: Rounds per figure, by default: each one times both checkouts.
ROUNDS = 21


def import_copy(checkout: Path, name: str, folder: Path) -> ModuleType:
    """Import ``checkout``'s ``framework/`` as the package ``name`` (its imports are relative)."""
    shutil.copytree(
        checkout / "framework",
        folder / name,
        ignore=shutil.ignore_patterns("__pycache__", "*.so"),
    )
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    return importlib.import_module(name)


class OursFrom(Ours):
    """Our router, from the copy of a checkout imported as ``package``."""

    def __init__(self, package: ModuleType) -> None:
        self.package = package

    def build(self, table: list[TableRoute]) -> None:
        self.router = self.package.Router()
        for index, route in enumerate(table):
            self.router.add_route(to_angle(route.pattern), _view, [route.method], name=f"r{index}")

    def outcome(self, method: str, path: str) -> str:
        routing = importlib.import_module(f"{self.package.__name__}.routing")
        result = self.router.match(method, path)
        if isinstance(result, routing.Match):
            return f"200 {result.route.name}"
        return "405" if isinstance(result, routing.MethodNotAllowed) else "404"


def _view(*args: Any, **kwargs: Any) -> None:
    return None


def make_app(package: ModuleType, table: list[TableRoute]) -> apps.WSGIApp:
    """bench/apps.py's app of ``table``, built with the copy imported as ``package``."""
    app = package.App(package.__name__)

    def view(request: Any, **params: Any) -> bytes:
        return apps.ANSWER

    for index, route in enumerate(table):
        app.router.add_route(to_angle(route.pattern), view, [route.method], name=f"r{index}")
    return app  # type: ignore[no-any-return]


def compare(
    before: Callable[[], Any], after: Callable[[], Any], calls: int, rounds: int
) -> tuple[float, ...]:
    """Time ``before`` and ``after`` in alternating rounds; return µs before, after, and the ratio.

    Each function makes ``calls`` calls; the times are medians over the
    rounds, the ratio the median of each round's after / before.
    """
    times: dict[str, list[float]] = {"before": [], "after": []}
    ratios = []
    for round_number in range(rounds):
        pair = [("before", before), ("after", after)]
        spent = {}
        for side, function in pair if round_number % 2 == 0 else reversed(pair):
            start = time.perf_counter()
            function()
            spent[side] = (time.perf_counter() - start) / calls * 1e6
            times[side].append(spent[side])
        ratios.append(spent["after"] / spent["before"])
    return (
        statistics.median(times["before"]),
        statistics.median(times["after"]),
        statistics.median(ratios),
    )


def router_figures(
    packages: tuple[ModuleType, ModuleType],
    table: list[TableRoute],
    synthetic_table: bool,
    rounds: int,
) -> dict[str, tuple[float, ...]]:
    """bench/routing.py's columns for our Router, before and after."""
    cases = scenarios(table, synthetic_table)
    routers = []
    for package in packages:
        router = OursFrom(package)
        router.build(table)
        check(router, table, cases)
        routers.append(router)
    figures = {}

    def every_route(router: OursFrom) -> Callable[[], None]:
        matchers = [router.matcher(route.method, route.test_path) for route in table]

        def run() -> None:
            for matcher in matchers:
                matcher()

        return run

    passes = calibrate(every_route(routers[1]))
    before, after = (repeat(every_route(router), passes) for router in routers)
    figures["mean"] = compare(before, after, passes * len(table), rounds)
    for case, (method, path) in cases.items():
        matchers = [router.matcher(method, path) for router in routers]
        count = calibrate(repeat(matchers[1], 100)) * 100
        before, after = (repeat(matcher, count) for matcher in matchers)
        figures[case] = compare(before, after, count, rounds)
    return figures


def app_figures(
    packages: tuple[ModuleType, ModuleType], table: list[TableRoute], rounds: int
) -> dict[str, tuple[float, ...]]:
    """bench/apps.py's figures for the whole app, before and after."""
    requests = {
        "app 200": [(route.method, route.test_path) for route in table],
        "app 404": [("GET", apps.NOT_FOUND)],
        "app 405": [not_allowed(table)],
    }
    built = [make_app(package, table) for package in packages]
    figures = {}
    for figure, wanted in requests.items():
        environs = [apps.environ(method, path) for method, path in wanted]
        for app in built:
            for method, path in wanted:
                status = apps.serve(app, method, path)
                if not status.startswith(figure[-3:]):
                    raise SystemExit(f"{figure}: {method} {path} gave {status}")
        runs = [_serving(app, environs) for app in built]
        passes = calibrate(runs[1])
        before, after = (repeat(run, passes) for run in runs)
        figures[figure] = compare(before, after, passes * len(environs), rounds)
    return figures


def _serving(app: apps.WSGIApp, environs: list[dict[str, Any]]) -> Callable[[], None]:
    def run() -> None:
        for template in environs:
            apps.consume(app, template.copy(), _start_response)

    return run


def _start_response(status: str, headers: list[Any], exc_info: Any = None) -> Any:
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, required=True, help="the checkout before")
    parser.add_argument(
        "--after",
        type=Path,
        default=Path(__file__).resolve().parent.parent,
        help="the checkout after (default: this one)",
    )
    parser.add_argument("--tables", help="comma-separated tables (default: every one)")
    parser.add_argument("--apps", action="store_true", help="the whole app's figures too")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="rounds per figure")
    args = parser.parse_args()
    names = [*REAL_TABLES, *(f"synthetic-{size}" for size in SYNTHETIC_SIZES)]
    if args.tables:
        names = args.tables.split(",")
    with tempfile.TemporaryDirectory() as folder:
        packages = (
            import_copy(args.before, "framework_before", Path(folder)),
            import_copy(args.after, "framework_after", Path(folder)),
        )
        print(f"before: {args.before}\nafter:  {args.after}")
        print(f"µs per call, medians of {args.rounds} alternating rounds; change: median ratio")
        worst = 0.0
        for name in names:
            synthetic_table = name.startswith("synthetic-")
            table = synthetic(int(name.split("-")[1])) if synthetic_table else load(name)
            figures = router_figures(packages, table, synthetic_table, args.rounds)
            if args.apps:
                figures.update(app_figures(packages, table, args.rounds))
            print(f"\n{name} ({len(table)} routes)")
            for figure, (before, after, ratio) in figures.items():
                print(f"  {figure:12s} {before:8.3f} > {after:8.3f}   {ratio - 1:+7.1%}")
                worst = max(worst, ratio - 1)
        print(f"\nlargest change: {worst:+.1%}")


if __name__ == "__main__":
    main()
