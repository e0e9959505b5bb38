"""Both builds of framework against Falcon (Cython and pure), Bottle, Flask and plain WSGI.

One run, every contender, every workload, two figures each:

- instructions per request, counted by valgrind's callgrind (``--tool=callgrind``):
  a harness serves the warm-up requests, then ``--requests`` more; the
  difference between that run and one that stops after the warm-up, divided
  by ``--requests``, is the cost of one request (as in bench/instructions.py);
- wall-clock µs per request, the median of ``--rounds`` rounds; in each round
  every contender runs in turn, in an order that rotates from round to round.

The contenders need two virtual environments, made (once, and again when
``framework/`` changes) under ``build/bench-envs/``:

- ``pure``: framework as its source (``pip install -e .``), Falcon built with
  ``FALCON_DISABLE_CYTHON`` (pure Python), Bottle and Flask;
- ``compiled``: framework from ``FRAMEWORK_COMPILE=1 pip install .`` (mypyc),
  and Falcon from its wheel, with its Cython modules.

Workloads (the requests of bench/hello.py, bench/apps.py and bench/routing.py):
``hello``; ``github-200``, ``github-404``, ``github-405``, ``gplus-200``,
``parse-200`` and ``static-200`` through whole apps; ``match-<table>``, the
router alone; ``query``, parsing hello's query string alone.

    python bench/builds.py --json build/builds.json    # everything: about 15 minutes
    python bench/plot_builds.py build/builds.json docs/images/builds.png
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
ENVS = ROOT / "build" / "bench-envs"
TABLES = ("github", "gplus", "parse", "static")
WORKLOADS = (
    "hello",
    "github-200",
    "github-404",
    "github-405",
    *(f"{table}-200" for table in TABLES[1:]),
    *(f"match-{table}" for table in TABLES),
    "query",
)
#: contender: (environment, framework); Falcon's wheel is the Cython build.
CONTENDERS = {
    "ours-compiled": ("compiled", "ours"),
    "ours": ("pure", "ours"),
    "falcon": ("compiled", "falcon"),
    "falcon-pure": ("pure", "falcon"),
    "bottle": ("pure", "bottle"),
    "flask": ("pure", "flask"),
    "wsgi": ("pure", "wsgi"),
}
REFERENCE = "falcon"
#: Installed beside the compiled build: the peers, and gunicorn for bench/server.py.
COMPILED_ENV_EXTRAS = ("flask>=3", "bottle>=0.13", "falcon>=4", "gunicorn>=22")
WARM_UP = 300
QUERY = "limit=10&thing=ab"
NOT_SERVED = "not served"  # what the child prints for a workload its framework lacks


# --- the child: one contender, one workload --------------------------------------------


def calls_for(framework: str, workload: str) -> list[Callable[[], Any]] | None:
    """The calls that make one pass over the workload, or None if the framework has none."""
    sys.path.insert(0, str(BENCH))
    import apps
    import hello
    import routers
    import tables

    if workload == "query":
        return [_query_parser(framework)]
    if workload.startswith("match-"):
        router_name = {"flask": "werkzeug"}.get(framework, framework)
        if router_name not in routers.CONTENDERS:
            return None
        table = tables.load(workload.removeprefix("match-"))
        router = routers.CONTENDERS[router_name]()
        router.build(table)
        for route in table:
            if not router.outcome(route.method, route.test_path).startswith("200"):
                raise SystemExit(f"{framework}: {route.method} {route.test_path} did not match")
        return [router.matcher(route.method, route.test_path) for route in table]
    if workload == "hello":
        app = {**{name: make for name, (make, _) in hello.CONTENDERS.items()}}[framework]()
        hello.check(app)
        requests = [hello.ENVIRON_TEMPLATE]
    else:
        make = getattr(apps, f"make_{framework}", None)
        if make is None:
            return None
        table_name, expected = workload.split("-")
        table = tables.load(table_name)
        app = make(table)
        if expected == "200":
            pairs = [(route.method, route.test_path) for route in table]
        elif expected == "404":
            pairs = [("GET", apps.NOT_FOUND)]
        else:
            pairs = [tables.not_allowed(table)]
        for method, path in pairs:
            status = apps.serve(app, method, path)
            if not status.startswith(expected):
                raise SystemExit(f"{framework} {workload}: {method} {path} gave {status}")
        requests = [apps.environ(method, path) for method, path in pairs]
    return [_request(apps.consume, app, template) for template in requests]


def _request(consume: Any, app: Any, template: dict[str, Any]) -> Callable[[], Any]:
    return lambda: consume(app, template.copy(), _start_response)


def _start_response(status: str, headers: list[Any], exc_info: Any = None) -> Any:
    return None


def _query_parser(framework: str) -> Callable[[], Any]:
    """What each framework does to turn ``?limit=10&thing=ab`` into its query object."""
    if framework == "ours":
        from framework.environ import parse_query

        return lambda: parse_query(QUERY)
    if framework == "falcon":
        from falcon.util.uri import parse_query_string

        return lambda: parse_query_string(QUERY)
    if framework == "flask":  # request.args: werkzeug's MultiDict of urllib's pairs
        from urllib.parse import parse_qsl

        from werkzeug.datastructures import MultiDict

        return lambda: MultiDict(parse_qsl(QUERY, keep_blank_values=True))
    if framework == "bottle":
        import bottle

        def parse() -> Any:
            query = bottle.FormsDict()
            for key, value in bottle._parse_qsl(QUERY):
                query[key] = value
            return query

        return parse
    from urllib.parse import parse_qs

    return lambda: parse_qs(QUERY)


def check_build(environment: str, framework: str) -> None:
    """Refuse to measure the wrong build: a silent fallback must not pass for it."""
    if framework == "ours":
        import framework as ours

        if (environment == "compiled") != ours.COMPILED:
            raise SystemExit(f"framework.COMPILED is {ours.COMPILED} in the {environment} env")
    if framework == "falcon":
        import importlib.util

        cython = importlib.util.find_spec("falcon.cyutil.uri") is not None
        if cython != (environment == "compiled"):
            raise SystemExit(f"Falcon's Cython modules: {cython}, in the {environment} env")


def child(contender: str, workload: str, count: int, timed: bool) -> None:
    """Serve the warm-up, then ``count`` calls; with ``timed``, print µs per call."""
    environment, framework = CONTENDERS[contender]
    check_build(environment, framework)
    calls = calls_for(framework, workload)
    if calls is None:
        print(NOT_SERVED)
        return
    for call in itertools.islice(itertools.cycle(calls), WARM_UP):
        call()
    counted = list(itertools.islice(itertools.cycle(calls), count))
    start = time.perf_counter_ns()
    for call in counted:
        call()
    elapsed = time.perf_counter_ns() - start
    print(json.dumps(elapsed / count / 1000) if timed else "served")


# --- the parent: environments, runs, the table ----------------------------------------


def _source_stamp() -> str:
    digest = hashlib.sha256()
    build_files = [
        ROOT / "setup.py",
        ROOT / "pyproject.toml",
        *(ROOT / "build_backend").glob("*.py"),
    ]
    for path in sorted([*(ROOT / "framework").glob("*.py"), *build_files]):
        digest.update(path.read_bytes())
    digest.update(" ".join(COMPILED_ENV_EXTRAS).encode())
    return digest.hexdigest()


def _pip(python: Path, *args: str, env: dict[str, str] | None = None) -> None:
    command = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*command, *args], check=True, env={**os.environ, **(env or {})})


def prepare(environment: str) -> Path:
    """Make (or reuse) an environment; return its python."""
    folder = ENVS / environment
    python = folder / "bin" / "python"
    # The pure environment runs the source itself; the compiled one, a build of it.
    stamp = folder / "framework-source.sha256"
    wanted = _source_stamp() if environment == "compiled" else "editable"
    if stamp.exists() and stamp.read_text() == wanted:
        return python
    print(f"preparing the {environment} environment in {folder} ...", file=sys.stderr)
    venv.create(folder, with_pip=True, clear=True)
    if environment == "pure":
        _pip(python, "-e", f"{ROOT}[bench]")
        falcon_version = subprocess.run(
            [python, "-c", "import falcon; print(falcon.__version__)"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        _pip(
            python,
            "--force-reinstall",
            "--no-deps",
            "--no-binary",
            "falcon",
            f"falcon=={falcon_version}",
            env={"FALCON_DISABLE_CYTHON": "Y"},
        )
    else:
        _pip(python, str(ROOT), env={"FRAMEWORK_COMPILE": "1"})
        _pip(python, *COMPILED_ENV_EXTRAS)
    stamp.write_text(wanted)
    return python


def _child_command(
    python: Path, contender: str, workload: str, count: int, timed: bool
) -> list[str]:
    flag = ["--timed"] if timed else []
    # -P: the script's folder is not put first on sys.path, nor the checkout's
    # framework/ before the compiled one (the child adds bench/ itself).
    return [str(python), "-P", __file__, "--child", contender, workload, str(count), *flag]


def count_instructions(python: Path, contender: str, workload: str, count: int) -> int:
    """Run the child under callgrind; return the instructions the whole process executed."""
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "callgrind.out")
        command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"]
        command += _child_command(python, contender, workload, count, timed=False)
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        result = subprocess.run(command, check=True, env=env, capture_output=True, text=True)
        if result.stdout.strip() == NOT_SERVED:
            return -1
        for line in Path(out).read_text().splitlines():
            if line.startswith("summary:"):
                return int(line.split()[1])
    raise RuntimeError("callgrind wrote no summary line")


def time_once(python: Path, contender: str, workload: str, count: int) -> float | None:
    """µs per call of one timed run in a fresh process, or None if the contender has none."""
    command = _child_command(python, contender, workload, count, timed=True)
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()
    return None if out == NOT_SERVED else float(out)


def passes(workload: str, requests: int) -> int:
    """Round ``requests`` up to whole passes over a table, so every route counts alike."""
    sys.path.insert(0, str(BENCH))
    import tables

    name = workload.removeprefix("match-").removesuffix("-200")
    if name not in TABLES or workload.endswith(("-404", "-405")):
        return requests
    size = len(tables.load(name))
    return -(-requests // size) * size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workload", action="append", choices=WORKLOADS, help="default: all")
    parser.add_argument("--only", help="comma-separated contenders (default: all)")
    parser.add_argument("--requests", type=int, default=2000, help="counted per run (2000)")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds (5)")
    parser.add_argument("--timed-requests", type=int, default=20000, help="per round (20000)")
    parser.add_argument("--no-instructions", action="store_true", help="wall clock only")
    parser.add_argument("--jobs", type=int, default=os.cpu_count(), help="valgrinds at once")
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--timed", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        contender, workload, count = args.child
        child(contender, workload, int(count), args.timed)
        return

    workloads = args.workload or list(WORKLOADS)
    contenders = args.only.split(",") if args.only else list(CONTENDERS)
    pythons = {env: prepare(env) for env in {CONTENDERS[c][0] for c in contenders}}
    python_of = {c: pythons[CONTENDERS[c][0]] for c in contenders}

    instructions: dict[str, dict[str, float | None]] = {w: {} for w in workloads}
    if not args.no_instructions:
        sizes = {w: passes(w, args.requests) for w in workloads}
        runs = [(c, w, n) for w in workloads for c in contenders for n in (0, sizes[w])]
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            counted = pool.map(lambda run: count_instructions(python_of[run[0]], *run), runs)
            counts = dict(zip(runs, counted, strict=True))
        for w in workloads:
            for c in contenders:
                before, after = counts[c, w, 0], counts[c, w, sizes[w]]
                instructions[w][c] = None if before < 0 else (after - before) / sizes[w]

    samples: dict[str, dict[str, list[float]]] = {
        w: {c: [] for c in contenders} for w in workloads
    }
    for round_number in range(args.rounds):
        shift = round_number % len(contenders)
        for c in contenders[shift:] + contenders[:shift]:
            for w in workloads:
                figure = time_once(python_of[c], c, w, args.timed_requests)
                if figure is not None:
                    samples[w][c].append(figure)
    microseconds = {
        w: {c: statistics.median(s) if s else None for c, s in by.items()}
        for w, by in samples.items()
    }
    report(workloads, contenders, instructions, microseconds, not args.no_instructions)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(
            json.dumps({"instructions": instructions, "microseconds": microseconds}, indent=2)
            + "\n"
        )


def report(
    workloads: list[str],
    contenders: list[str],
    instructions: dict[str, dict[str, float | None]],
    microseconds: dict[str, dict[str, float | None]],
    counted: bool,
) -> None:
    """Print the two tables, each figure with its ratio to Falcon (Cython)."""
    tables = [("µs per request (median of rounds)", microseconds, "{:8.2f}")]
    if counted:
        tables.insert(0, ("instructions per request", instructions, "{:8,.0f}"))
    for title, figures, form in tables:
        print(f"\n{title}; in brackets, the ratio to {REFERENCE}")
        print(f"{'workload':12s}" + "".join(f"{c:>22s}" for c in contenders))
        for w in workloads:
            reference = figures[w].get(REFERENCE)
            cells = []
            for c in contenders:
                value = figures[w].get(c)
                if value is None:
                    cells.append(f"{'-':>22s}")
                    continue
                ratio = f"({value / reference:.2f}x)" if reference else ""
                cells.append(f"{form.format(value)} {ratio:>8s}".rjust(22))
            print(f"{w:12s}" + "".join(cells))


if __name__ == "__main__":
    main()
