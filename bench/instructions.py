"""CPU instructions per request, counted by valgrind's callgrind: a figure noise can't move.

Wall-clock times on a shared machine wander by several percent from one run
to the next; the number of instructions a request costs hardly moves. So
this script runs a small harness under ``valgrind --tool=callgrind`` twice
per workload: once serving only the warm-up requests, once serving the
warm-up and then ``--requests`` more. The difference, divided by
``--requests``, is the cost of one request: interpreter start-up, imports,
building the app and the warm-up cancel out.

Workloads, each through the whole app, as a WSGI server would call it:

- ``hello``: bench/hello.py's request (GET /hello/584/test?limit=10&thing=ab);
- ``github-200``: every route of the GitHub table in turn, as in bench/apps.py;
- ``github-404``: a path no route has;
- ``github-405``: a path that exists, with a method it lacks.

And routing alone, ``Router.match`` called directly, as in bench/routing.py's
"mean" column: ``match-github``, ``match-gplus``, ``match-parse`` and
``match-static``, each every route of that table in turn.

``--tree`` names the checkout whose ``framework`` is measured (put first on
``sys.path``; the harness is always this one). Give it twice to compare two
checkouts in one command. Run ``python bench/instructions.py --help`` for
the options.
"""

from __future__ import annotations

import argparse
import itertools
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
WHOLE_APP = ("hello", "github-200", "github-404", "github-405")
MATCH_TABLES = ("github", "gplus", "parse", "static")
WORKLOADS = (*WHOLE_APP, *(f"match-{table}" for table in MATCH_TABLES))
WARM_UP = 300


def requests_for(workload: str) -> tuple[Callable[..., Iterable[bytes]], list[dict[str, Any]]]:
    """Build the app of a workload and the environs of its requests (in the child)."""
    import apps
    import hello
    import tables

    if workload == "hello":
        hello.check(hello.make_ours())  # the app answers the workload right
        return hello.make_ours(), [hello.ENVIRON_TEMPLATE]
    table = tables.load("github")
    app = apps.make_ours(table)
    if workload == "github-200":
        requests = [(route.method, route.test_path) for route in table]
    elif workload == "github-404":
        requests = [("GET", apps.NOT_FOUND)]
    else:
        requests = [tables.not_allowed(table)]
    expected = workload.split("-")[1]
    for method, path in requests:
        status = apps.serve(app, method, path)
        if not status.startswith(expected):
            raise SystemExit(f"{workload}: {method} {path} gave {status}, not {expected}")
    return app, [apps.environ(method, path) for method, path in requests]


def match_requests(table_name: str) -> tuple[Callable[[str, str], Any], list[tuple[str, str]]]:
    """Build our router for a table, and the (method, path) of each of its routes."""
    import routers
    import tables

    table = tables.load(table_name)
    ours = routers.Ours()
    ours.build(table)
    for route in table:  # each path must reach its own route, as bench/routing.py checks
        if not ours.outcome(route.method, route.test_path).startswith("200"):
            raise SystemExit(f"{table_name}: {route.method} {route.test_path} did not match")
    return ours.router.match, [(route.method, route.test_path) for route in table]


def passes_of(workload: str, requests: int) -> int:
    """Round ``requests`` up to whole passes over the workload's requests."""
    if workload != "github-200" and not workload.startswith("match-"):
        return requests
    sys.path.insert(0, str(BENCH))
    import tables

    size = len(tables.load(workload.removeprefix("match-").removesuffix("-200")))
    return -(-requests // size) * size


def _start_response(status: str, headers: list[Any], exc_info: Any = None) -> Any:
    return None


def serve(workload: str, count: int, tree: str) -> None:
    """Serve the warm-up and then ``count`` requests of ``workload`` (in the child)."""
    sys.path.insert(0, str(BENCH))
    import hello  # noqa: F401 - the bench modules first: apps.py puts its own root on sys.path

    sys.path.insert(0, tree)
    import framework

    if not Path(framework.__file__).resolve().is_relative_to(Path(tree).resolve()):
        raise SystemExit(f"framework came from {framework.__file__}, not from {tree}")
    if workload.startswith("match-"):
        match, paths = match_requests(workload.removeprefix("match-"))
        for method, path in itertools.islice(itertools.cycle(paths), WARM_UP + count):
            match(method, path)
        return
    app, templates = requests_for(workload)
    warm_up = itertools.islice(itertools.cycle(templates), WARM_UP)
    counted = itertools.islice(itertools.cycle(templates), count)
    import apps

    for template in itertools.chain(warm_up, counted):
        apps.consume(app, template.copy(), _start_response)


def count_instructions(workload: str, count: int, tree: str) -> int:
    """Run the harness under callgrind; return the instructions the whole process executed."""
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "callgrind.out")
        command = [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={out}",
            sys.executable,
            __file__,
            "--serve",
            workload,
            str(count),
            tree,
        ]
        # A fixed hash seed: the same dict and set layouts, so the same count, every run.
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        subprocess.run(command, check=True, env=env, capture_output=True)
        for line in Path(out).read_text().splitlines():
            if line.startswith("summary:"):
                return int(line.split()[1])
    raise RuntimeError("callgrind wrote no summary line")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workload", action="append", choices=WORKLOADS, help="default: all")
    parser.add_argument("--requests", type=int, default=2000, help="requests counted (2000)")
    parser.add_argument(
        "--tree",
        action="append",
        help="a checkout whose framework to measure (default: this one); twice to compare",
    )
    parser.add_argument("--jobs", type=int, default=os.cpu_count(), help="valgrinds at once")
    parser.add_argument("--serve", nargs=3, help=argparse.SUPPRESS)  # the child's own arguments
    args = parser.parse_args()
    if args.serve:
        workload, count, tree = args.serve
        serve(workload, int(count), tree)
        return

    workloads = args.workload or list(WORKLOADS)
    trees = [str(Path(tree).resolve()) for tree in args.tree or [BENCH.parent]]
    if args.requests < 1:
        parser.error("--requests must be positive")
    # github-200 serves whole passes over the table, so its figure is the mean over every route.
    sizes = {w: passes_of(w, args.requests) for w in workloads}
    runs = [(w, n, t) for w in workloads for t in trees for n in (0, sizes[w])]
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        counts = dict(zip(runs, pool.map(lambda run: count_instructions(*run), runs), strict=True))

    print(f"instructions per request, after {WARM_UP} requests of warm-up")
    for index, tree in enumerate(trees):
        print(f"  [{index}] {tree}")
    columns = [f"[{i}]" for i in range(len(trees))]
    columns += [f"[{i}] vs [0]" for i in range(1, len(trees))]
    print(f"{'workload':12s}{'requests':>9s}" + "".join(f"{column:>12s}" for column in columns))
    for workload in workloads:
        n = sizes[workload]
        figures = [(counts[workload, n, tree] - counts[workload, 0, tree]) / n for tree in trees]
        print(f"{workload:12s}{n:9d}" + "".join(f"{figure:12,.0f}" for figure in figures), end="")
        print("".join(f"{figure / figures[0] - 1:+12.1%}" for figure in figures[1:]))


if __name__ == "__main__":
    main()
