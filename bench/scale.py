"""Scale-out figures: the example app on 1 and 3 hosts, SQLite and PostgreSQL, driven by wrk.

The topology is the one of the multi-host tests (``tests/multihost.py``):
hosts in network namespaces on one bridge, each running the example app
under gunicorn with the shipped ``gunicorn.conf.py`` (2 workers of 4 threads
each), nginx in front with the shipped site configuration, and PostgreSQL
(a cluster in a temporary folder) or one SQLite file that every host opens
(possible only because the namespaces share this machine's file system).
For each set-up, wrk runs three workloads through nginx, one after another,
for ``--seconds`` each with ``--connections`` connections:

=========  ================================  ========
workload   request                           expected
=========  ================================  ========
redirect   GET /<code> (counts a visit)      302
create     POST /api/links (a JSON body)     201
form       POST / (the home page's form)     303
=========  ================================  ========

Reported: requests per second, p50 and p99 latency (wrk's ``--latency``), and
errors (wrk's socket errors and its "Non-2xx or 3xx responses", which for
these workloads are failures). Every host shares this machine's cores with
nginx, PostgreSQL and wrk, so three hosts cannot be three times one: the
figures compare set-ups on the same machine, not machines. Traffic goes only
to loopback and the namespaces' addresses, for a bounded time. Needs root,
``ip``, nginx, PostgreSQL and wrk (``.ci/run`` installs them)::

    python bench/scale.py                       # 5 s a workload, 32 connections
    python bench/scale.py --seconds 10 --json scale.json
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

TESTS = Path(__file__).resolve().parent.parent / "tests"
sys.path.insert(0, str(TESTS))

from multihost import Site, running_site  # noqa: E402

#: The set-ups: (hosts, database).
SETUPS = [(1, "sqlite"), (1, "postgres"), (3, "sqlite"), (3, "postgres")]

#: wrk scripts for the two POST workloads.
CREATE_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, "/api/links",
    nil, '{"url": "https://example.com/bench/' .. counter .. '"}')
end
"""
FORM_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, "/", nil, "url=https%3A%2F%2Fexample.com%2Fform%2F" .. counter)
end
"""


def parse_wrk(output: str) -> dict[str, Any]:
    """Take requests/s, p50, p99 (ms) and the error counts out of wrk's report."""

    def milliseconds(label: str) -> float | None:
        found = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        if found is None:
            return None
        value, unit = float(found[1]), found[2]
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "requests_per_second": float(rate[1]) if rate else 0.0,
        "p50_ms": milliseconds("50"),
        "p99_ms": milliseconds("99"),
        "socket_errors": sum(int(n) for n in socket_errors.groups()) if socket_errors else 0,
        "error_responses": int(non_2xx[1]) if non_2xx else 0,
    }


def run_wrk(
    site: Site, path: str, script: str | None, seconds: float, connections: int
) -> dict[str, Any]:
    wrk = shutil.which("wrk")
    if wrk is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk)")
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
        argv = [
            wrk,
            "-t2",
            f"-c{connections}",
            f"-d{round(seconds)}s",
            "--latency",
            "--timeout",
            "5s",
        ]
        if script is not None:
            lua.write(script)
            lua.flush()
            argv += ["-s", lua.name]
        argv.append(f"http://127.0.0.1:{site.port}{path}")
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=seconds + 30, check=False
        )
    return parse_wrk(done.stdout)


def measure(hosts: int, database: str, seconds: float, connections: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="framework-scale-") as folder:
        prefix = f"fb{hosts}{database[0]}"
        with running_site(
            Path(folder), postgres=database == "postgres", count=hosts, prefix=prefix
        ) as site:
            body = json.dumps({"url": "https://example.com/followed"}).encode()
            created = site.send("POST", "/api/links", body, {"Content-Type": "application/json"})
            code = created.json()["code"]
            return {
                "hosts": hosts,
                "database": database,
                "redirect": run_wrk(site, f"/{code}", None, seconds, connections),
                "create": run_wrk(site, "/api/links", CREATE_SCRIPT, seconds, connections),
                "form": run_wrk(site, "/", FORM_SCRIPT, seconds, connections),
            }


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| hosts | database | workload | req/s | p50 ms | p99 ms | errors |",
        "| ---: | --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for result in results:
        for workload in ("redirect", "create", "form"):
            figures = result[workload]
            errors = figures["socket_errors"] + figures["error_responses"]
            p50 = figures["p50_ms"]
            p99 = figures["p99_ms"]
            lines.append(
                f"| {result['hosts']} | {result['database']} | {workload} "
                f"| {figures['requests_per_second']:,.0f} "
                f"| {p50:.1f} | {p99:.1f} | {errors} |"
                if p50 is not None and p99 is not None
                else f"| {result['hosts']} | {result['database']} | {workload} | - | - | - | - |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=5, help="per workload (default 5)")
    parser.add_argument("--connections", type=int, default=32, help="wrk's -c (default 32)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    results = [
        measure(hosts, database, args.seconds, args.connections) for hosts, database in SETUPS
    ]
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
