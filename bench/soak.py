"""A soak: the example app under gunicorn, driven by wrk over a mix of routes.

The example app (a link shortener) is started under gunicorn with its own
``example_app/gunicorn.conf.py`` (gthread workers, threads as the conf file
says), ``--workers`` of them (default 2), on a free port of 127.0.0.1 and
with a fresh instance folder (``SHORTENER_INSTANCE``: database and secret
key) that is removed at the end. A few links are made through the API, then
wrk drives the app for ``--seconds`` (default 60) with ``--connections``
(default 64) over two threads, through ``bench/soak.lua``, which cycles over
a mix of routes:

=========  ===============================  ========
kind       request                          expected
=========  ===============================  ========
page       GET /                            200
about      GET /about                       200
static     GET /static/style.css            200
api_list   GET /api/links                   200
api_show   GET /api/links/<seeded code>     200
api_write  POST /api/links (JSON body)      201
redirect   GET /<seeded code>               302
not_found  GET /nosuch-<new every time>     404
inspect    GET /inspect                     200
=========  ===============================  ========

Reported:

- requests per second and latency percentiles (p50, p90, p99, max; wrk's);
- by route kind, the requests sent and the responses by status, and every
  response whose status is not the one expected for its kind (target: none).
  wrk does not tell which request a response answers, so the Lua script
  recognises responses by their content; the server's access log, where each
  line has the request and its status, is checked as well;
- wrk's socket errors, connect, read, write and timeout (target: none), and
  its "Non-2xx or 3xx responses" line (the 404s expected of ``not_found``);
- the resident memory (RSS) of each gunicorn worker at 20 s and at the end,
  and its growth in between (target: under 5%);
- errors in gunicorn's error log, and workers that were replaced.

Missed targets are said so plainly; the exit status is 0 all the same (it is
a measurement, not a test). Traffic goes to 127.0.0.1 only, for a bounded
time. Needs wrk (Debian: ``apt-get install wrk``) and gunicorn::

    python bench/soak.py                       # 60 s, 64 connections, 2 workers
    python bench/soak.py --seconds 30 --workers 4 --json soak.json
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import runpy
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from server import HOST, _children

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
CONF = ROOT / "example_app" / "gunicorn.conf.py"
LUA = BENCH / "soak.lua"
#: Sent by wrk with every request, so its lines can be told apart in the access log.
USER_AGENT = "soak-bench/1.0 (+https://example.invalid)"
#: The long URLs of the seeded links (and of the links the API writes make).
URL_PREFIX = "https://example.com/soak/"
SEEDED_LINKS = 5
MEMORY_GROWTH_TARGET = 5.0  # percent
#: gunicorn's default access log format, plus the time the request took (µs).
ACCESS_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(D)s'
#: Width of the windows in which the access log's requests per second are counted.
WINDOW_SECONDS = 10


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]
    access_log: Path
    error_log: Path


@dataclass
class MemorySample:
    at: float  # seconds since wrk started
    rss_kib: dict[int, int]  # worker pid -> VmRSS

    @property
    def total_kib(self) -> int:
        return sum(self.rss_kib.values())


@dataclass
class WrkResult:
    """What soak.lua's done() reported, and wrk's whole output."""

    output: str
    expected: dict[str, int] = field(default_factory=dict)
    sent: Counter[str] = field(default_factory=Counter)  # kind -> requests
    answered: Counter[tuple[str, int]] = field(default_factory=Counter)  # (kind, status)
    samples: list[str] = field(default_factory=list)  # unexpected responses, described
    summary: dict[str, int] = field(default_factory=dict)  # duration_us, requests, bytes
    errors: dict[str, int] = field(default_factory=dict)  # connect, read, write, status, timeout
    latency_us: dict[str, float] = field(default_factory=dict)  # "50", "99", "max", ...


@contextmanager
def gunicorn(folder: Path, workers: int) -> Iterator[Server]:
    """Serve the example app on a free loopback port; stop it however the block ends."""
    access_log, error_log = folder / "access.log", folder / "error.log"
    env = {
        **os.environ,
        "SHORTENER_INSTANCE": str(folder / "instance"),
        "PYTHONPATH": str(ROOT),
    }
    for name in ("GUNICORN_CMD_ARGS", "SHORTENER_DATABASE", "SHORTENER_TRUSTED_PROXY_IPS"):
        env.pop(name, None)
    with (
        socket.socket() as listener,
        access_log.open("wb") as stdout,
        error_log.open("wb") as stderr,
    ):
        listener.bind((HOST, 0))
        port = int(listener.getsockname()[1])
        # The conf file logs requests to stdout and errors to stderr: both go to files.
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--config",
                str(CONF),
                "--bind",
                f"fd://{listener.fileno()}",
                "--workers",
                str(workers),
                "--access-logformat",
                ACCESS_FORMAT,
                "example_app:app",
            ],
            cwd=ROOT,
            env=env,
            pass_fds=(listener.fileno(),),
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
        )
    try:
        _wait_until_ready(port, process, workers)
        yield Server(port, process, access_log, error_log)
    finally:
        stop(process)


def stop(process: subprocess.Popen[Any]) -> None:
    """SIGTERM the process (gunicorn: its master), then SIGKILL its whole group."""
    with suppress(ProcessLookupError):
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def _wait_until_ready(port: int, process: subprocess.Popen[bytes], workers: int) -> None:
    """Until /about answers 200 and every worker has been forked."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        with suppress(OSError):
            status, _ = call(port, "GET", "/about")
            if status == 200 and len(_children(process.pid)) == workers:
                return
        time.sleep(0.1)
    raise RuntimeError(f"the app did not answer on port {port} within 30 s")


def call(port: int, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
    """One request, on a connection of its own; a JSON body if ``body`` is given."""
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    headers = {"User-Agent": "soak-bench-setup/1.0"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    try:
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def seed(port: int) -> list[str]:
    """Make a few links through the API; return their codes."""
    codes = []
    for number in range(1, SEEDED_LINKS + 1):
        status, body = call(port, "POST", "/api/links", {"url": f"{URL_PREFIX}{number}"})
        if status != 201:
            raise RuntimeError(f"POST /api/links answered {status}: {body[:200]!r}")
        codes.append(json.loads(body)["code"])
    return codes


def rss_kib(pid: int) -> int | None:
    """VmRSS of a process in KiB, or None if it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return None  # a zombie has no memory left


def sample_memory(master: int, started: float) -> MemorySample:
    sizes = {pid: rss_kib(pid) for pid in _children(master)}
    return MemorySample(
        round(time.monotonic() - started, 1),
        {pid: size for pid, size in sizes.items() if size is not None},
    )


def soak(
    server: Server, codes: list[str], args: argparse.Namespace
) -> tuple[WrkResult, list[MemorySample], float]:
    """Run wrk in the background while sampling the workers' memory.

    Return wrk's result, the memory samples (every 10 s, at ``--memory-at``
    and at the end), and the wall-clock time wrk started at.
    """
    command = [
        "wrk",
        "-t2",
        f"-c{args.connections}",
        f"-d{args.seconds}s",
        f"--timeout={args.timeout}s",
        "--latency",
        "-H",
        f"User-Agent: {USER_AGENT}",
        "-s",
        str(LUA),
        f"http://{HOST}:{server.port}/",
        "--",
        URL_PREFIX,
        *codes,
    ]
    moments = sorted({*range(10, args.seconds, 10), args.memory_at})
    samples = []
    wall_start = time.time()
    started = time.monotonic()
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        start_new_session=True,  # so that stop() may kill its whole group
    )
    try:
        for moment in moments:
            time.sleep(max(0.0, started + moment - time.monotonic()))
            if process.poll() is not None:
                break
            samples.append(sample_memory(server.process.pid, started))
        output, errors = process.communicate(timeout=args.seconds + 60)
    finally:
        if process.poll() is None:
            stop(process)
    samples.append(sample_memory(server.process.pid, started))
    if process.returncode != 0:
        raise RuntimeError(f"wrk exited with {process.returncode}:\n{output}{errors}")
    return parse_wrk(output + errors), samples, wall_start


def parse_wrk(output: str) -> WrkResult:
    """Read the "soak ..." lines that soak.lua's done() prints after wrk's report."""
    result = WrkResult(output)
    for line in output.splitlines():
        if not line.startswith("soak "):
            continue
        _, what, rest = line.split(" ", 2)
        if what == "sample":
            result.samples.append(rest)
            continue
        words = rest.split()
        if what == "expect":
            result.expected[words[0]] = int(words[1])
        elif what == "sent":
            result.sent[words[0]] = int(words[1])
        elif what == "answered":
            result.answered[words[0], int(words[1])] = int(words[2])
        elif what == "summary":
            result.summary[words[0]] = int(float(words[1]))
        elif what == "error":
            result.errors[words[0]] = int(float(words[1]))
        elif what == "latency_us":
            result.latency_us[words[0]] = float(words[1])
    if not result.expected or "requests" not in result.summary:
        raise RuntimeError(f"soak.lua reported nothing; wrk said:\n{output}")
    return result


ACCESS_LINE = re.compile(
    r'\[(?P<time>[^\]]+)\] "(?P<method>\S+) (?P<path>\S+) [^"]*" (?P<status>\d{3}) .*"'
    + re.escape(USER_AGENT)
    + r'" (?P<micros>\d+)$'
)


def route_kind(method: str, path: str) -> str:
    """The kind of a request of soak.lua's mix, from its method and path."""
    path = path.partition("?")[0]
    if method == "POST":
        return "api_write" if path == "/api/links" else "other"
    if method != "GET":
        return "other"
    fixed = {
        "/": "page",
        "/about": "about",
        "/static/style.css": "static",
        "/api/links": "api_list",
        "/inspect": "inspect",
    }
    if path in fixed:
        return fixed[path]
    if path.startswith("/api/links/"):
        return "api_show"
    if path.startswith("/nosuch-"):
        return "not_found"
    if re.fullmatch(r"/[A-Za-z0-9]+", path):
        return "redirect"
    return "other"


@dataclass
class AccessLog:
    """wrk's requests in gunicorn's access log."""

    by_kind: Counter[tuple[str, int]]  # (kind, status) -> requests
    by_second: dict[int, int]  # Unix time -> requests
    micros: dict[str, list[int]]  # kind -> the time each request took in the server


def read_access_log(path: Path) -> AccessLog:
    by_kind: Counter[tuple[str, int]] = Counter()
    micros: dict[str, list[int]] = {}
    by_stamp: Counter[str] = Counter()
    with path.open(encoding="utf-8", errors="replace") as log:
        for line in log:
            found = ACCESS_LINE.search(line.rstrip("\n"))
            if found is None:
                continue
            kind = route_kind(found["method"], found["path"])
            by_kind[kind, int(found["status"])] += 1
            micros.setdefault(kind, []).append(int(found["micros"]))
            by_stamp[found["time"]] += 1
    by_second: Counter[int] = Counter()
    for stamp, count in by_stamp.items():
        moment = datetime.strptime(stamp, "%d/%b/%Y:%H:%M:%S %z")
        by_second[int(moment.timestamp())] += count
    return AccessLog(by_kind, dict(by_second), micros)


def server_times(micros: list[int]) -> dict[str, float]:
    """p50, p99 and max, in ms, of the times requests took in the server."""
    ordered = sorted(micros)
    if not ordered:
        return {}

    def percentile(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] / 1000

    return {"p50": percentile(50), "p99": percentile(99), "max": ordered[-1] / 1000}


def windows(by_second: dict[int, int], start: float) -> list[float]:
    """Requests per second in consecutive windows of whole seconds after ``start``.

    The first and the last second, which wrk only partly covers, are left out.
    """
    seconds = sorted(second for second in by_second if second > start)[:-1]
    if not seconds:
        return []
    first = seconds[0]
    rates = []
    for begin in range(first, seconds[-1] + 1 - WINDOW_SECONDS + 1, WINDOW_SECONDS):
        total = sum(by_second.get(second, 0) for second in range(begin, begin + WINDOW_SECONDS))
        rates.append(total / WINDOW_SECONDS)
    return rates


ERROR_LINE = re.compile(r"\[(ERROR|CRITICAL|WARNING)\]|Traceback|WORKER TIMEOUT|Exception")


def read_error_log(path: Path) -> tuple[list[str], int]:
    """gunicorn's error log: the lines that report trouble, and how many workers booted."""
    trouble, booted = [], 0
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if "Booting worker with pid" in line:
            booted += 1
        elif ERROR_LINE.search(line):
            trouble.append(line)
    return trouble, booted


def growth(before: float, after: float) -> float:
    return (after - before) / before * 100 if before else 0.0


def analyse(
    wrk: WrkResult,
    memory: list[MemorySample],
    wall_start: float,
    server: Server,
    args: argparse.Namespace,
) -> dict[str, Any]:
    """Everything the report shows, as one JSON-able dictionary."""
    duration = wrk.summary["duration_us"] / 1e6
    requests = wrk.summary["requests"]
    log = read_access_log(server.access_log)
    routes: dict[str, dict[str, Any]] = {}
    for kind in [*wrk.expected, "unidentified"]:
        statuses = {status: n for (k, status), n in sorted(wrk.answered.items()) if k == kind}
        if kind == "unidentified" and not statuses:
            continue
        routes[kind] = {
            "expected": wrk.expected.get(kind),
            "sent": wrk.sent.get(kind, 0),
            "answered": sum(statuses.values()),
            "statuses": statuses,
            "server_ms": server_times(log.micros.get(kind, [])),
        }
    unexpected = {
        f"{kind} {status}": count
        for kind, route in routes.items()
        for status, count in route["statuses"].items()
        if status != route["expected"]
    }
    # Every request still in flight when wrk stops is sent but never answered.
    unanswered = {
        kind: route["sent"] - route["answered"]
        for kind, route in routes.items()
        if not 0 <= route["sent"] - route["answered"] <= args.connections
    }

    log_unexpected = {
        f"{kind} {status}": count
        for (kind, status), count in sorted(log.by_kind.items())
        if status != wrk.expected.get(kind)
    }
    trouble, booted = read_error_log(server.error_log)

    at_mark = next((s for s in memory if s.at >= args.memory_at), memory[0])
    end = memory[-1]
    workers = sorted(set(at_mark.rss_kib) | set(end.rss_kib))
    memory_report: dict[str, Any] = {
        "at_seconds": {"mark": at_mark.at, "end": end.at},
        "workers": {
            str(pid): {
                "mark_kib": at_mark.rss_kib.get(pid),
                "end_kib": end.rss_kib.get(pid),
                "growth_percent": (
                    growth(at_mark.rss_kib[pid], end.rss_kib[pid])
                    if pid in at_mark.rss_kib and pid in end.rss_kib
                    else None
                ),
            }
            for pid in workers
        },
        "total_mark_kib": at_mark.total_kib,
        "total_end_kib": end.total_kib,
        "growth_percent": growth(at_mark.total_kib, end.total_kib),
        "replaced_workers": set(at_mark.rss_kib) != set(end.rss_kib),
        "timeline": [{"at": s.at, "total_kib": s.total_kib} for s in memory],
    }

    socket_errors = {
        name: wrk.errors.get(name, 0) for name in ("connect", "read", "write", "timeout")
    }
    targets = {
        "no unexpected status": not unexpected and not log_unexpected,
        "no socket error": not any(socket_errors.values()),
        f"worker memory growth under {MEMORY_GROWTH_TARGET:g}%": (
            memory_report["growth_percent"] < MEMORY_GROWTH_TARGET
            and not memory_report["replaced_workers"]
        ),
    }
    wrk_lines = [
        line.strip()
        for line in wrk.output.splitlines()
        if line.strip().startswith(("Socket errors", "Non-2xx or 3xx responses"))
    ]
    return {
        "setup": {
            "workers": args.workers,
            "worker_class": args.conf["worker_class"],
            "threads": args.conf["threads"],
            "port": server.port,
            "seconds": args.seconds,
            "connections": args.connections,
            "wrk_threads": 2,
            "timeout_seconds": args.timeout,
        },
        "requests": requests,
        "duration_seconds": duration,
        "requests_per_second": requests / duration if duration else 0.0,
        "megabytes_per_second": wrk.summary["bytes"] / duration / 1e6 if duration else 0.0,
        "latency_ms": {key: value / 1000 for key, value in wrk.latency_us.items()},
        "routes": routes,
        "unexpected": unexpected,
        "unexpected_samples": wrk.samples,
        "sent_but_not_answered_beyond_in_flight": unanswered,
        "socket_errors": socket_errors,
        "wrk_status_errors": wrk.errors.get("status", 0),
        "wrk_error_lines": wrk_lines,
        "access_log": {
            "requests": sum(log.by_kind.values()),
            "by_kind": {
                f"{kind} {status}": n for (kind, status), n in sorted(log.by_kind.items())
            },
            "unexpected": log_unexpected,
            "requests_per_second_by_window": windows(log.by_second, wall_start),
        },
        "error_log": {"trouble": trouble, "workers_booted": booted},
        "memory": memory_report,
        "targets": targets,
    }


def report(results: dict[str, Any]) -> None:
    setup = results["setup"]
    print(
        f"example_app under gunicorn: {setup['workers']} {setup['worker_class']} workers x "
        f"{setup['threads']} threads on {HOST}:{setup['port']}; wrk -t{setup['wrk_threads']} "
        f"-c{setup['connections']} -d{setup['seconds']}s --timeout {setup['timeout_seconds']}s"
    )
    latency = results["latency_ms"]
    print(
        f"\nthroughput  {results['requests_per_second']:.0f} req/s "
        f"({results['requests']:,} requests in {results['duration_seconds']:.1f} s, "
        f"{results['megabytes_per_second']:.2f} MB/s)"
    )
    print(
        f"latency     p50 {latency['50']:.2f} ms  p90 {latency['90']:.2f} ms  "
        f"p99 {latency['99']:.2f} ms  max {latency['max']:.2f} ms  (mean {latency['mean']:.2f} ms)"
    )
    window_rates = results["access_log"]["requests_per_second_by_window"]
    if window_rates:
        rates = "  ".join(f"{rate:.0f}" for rate in window_rates)
        print(f"req/s by {WINDOW_SECONDS} s window (access log): {rates}")

    print(
        f"\n{'':40s}{'time in the server (ms)':>24s}\n"
        f"{'route kind':12s}{'expected':>9s}{'sent':>9s}{'answered':>10s}"
        f"{'p50':>8s}{'p99':>8s}{'max':>8s}  statuses"
    )
    for kind, route in results["routes"].items():
        statuses = ", ".join(f"{status}: {n:,}" for status, n in route["statuses"].items())
        expected = route["expected"] if route["expected"] is not None else "-"
        times = "".join(
            f"{route['server_ms'][key]:8.1f}" if route["server_ms"] else f"{'-':>8s}"
            for key in ("p50", "p99", "max")
        )
        print(
            f"{kind:12s}{expected!s:>9s}{route['sent']:>9,}{route['answered']:>10,}"
            f"{times}  {statuses}"
        )

    print("\nunexpected statuses (target: none):")
    _print_counts(results["unexpected"], "  as wrk saw them:  ")
    _print_counts(results["access_log"]["unexpected"], "  in the access log:")
    for sample in results["unexpected_samples"]:
        print(f"    e.g. {sample}")
    for kind, missing in results["sent_but_not_answered_beyond_in_flight"].items():
        print(f"  {kind}: {missing:,} more sent than answered (beyond what can be in flight)")
    print(
        f"  access log: {results['access_log']['requests']:,} of wrk's requests logged; "
        f"wrk's status errors (>= 400): {results['wrk_status_errors']:,}, "
        f"of which not_found's 404s: "
        f"{results['routes'].get('not_found', {}).get('statuses', {}).get(404, 0):,}"
    )

    errors = results["socket_errors"]
    listed = ", ".join(f"{name} {count}" for name, count in errors.items())
    verdict = "none" if not any(errors.values()) else "SOME"
    print(f"\nsocket errors (target: none): {verdict} ({listed})")
    for line in results["wrk_error_lines"]:
        print(f"  wrk: {line}")

    trouble = results["error_log"]["trouble"]
    print(
        f"\ngunicorn error log: {len(trouble)} line(s) of trouble, "
        f"{results['error_log']['workers_booted']} worker(s) booted"
    )
    for line in trouble[:10]:
        print(f"  {line}")

    memory = results["memory"]
    mark, end = memory["at_seconds"]["mark"], memory["at_seconds"]["end"]
    at_mark, at_end = f"at {mark:.0f} s", f"at {end:.0f} s"
    print(f"\nworker memory (RSS, MiB){at_mark:>14s}{at_end:>10s}{'growth':>9s}")
    for pid, worker in memory["workers"].items():
        print(
            f"  worker {pid:16s}{_mib(worker['mark_kib']):>14s}{_mib(worker['end_kib']):>10s}"
            f"{_percent(worker['growth_percent']):>9s}"
        )
    print(
        f"  {'all workers':23s}{_mib(memory['total_mark_kib']):>14s}"
        f"{_mib(memory['total_end_kib']):>10s}{_percent(memory['growth_percent']):>9s}"
        f"  (target: under {MEMORY_GROWTH_TARGET:g}%)"
    )
    timeline = ", ".join(f"{s['at']:.0f} s {_mib(s['total_kib'])}" for s in memory["timeline"])
    print(f"  all workers over time: {timeline}")
    if memory["replaced_workers"]:
        print("  workers were replaced during the run")

    print("\ntargets:")
    for target, met in results["targets"].items():
        print(f"  {target}: {'met' if met else 'MISSED'}")


def _print_counts(counts: dict[str, int], label: str) -> None:
    listed = ", ".join(f"{key}: {count:,}" for key, count in counts.items())
    print(f"{label} {listed or 'none'}")


def _mib(kib: int | None) -> str:
    return "-" if kib is None else f"{kib / 1024:.1f}"


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:+.1f}%"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=60, help="length of the wrk run")
    parser.add_argument("--connections", type=int, default=64, help="wrk's -c")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument(
        "--memory-at", type=int, default=20, help="second of the first memory reading"
    )
    parser.add_argument(
        "--timeout", type=int, default=2, help="wrk's --timeout: slower answers are errors"
    )
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args()
    if not 0 < args.memory_at < args.seconds:
        parser.error("--memory-at must be within the run: 0 < --memory-at < --seconds")
    if args.connections < 2:
        parser.error("wrk's two threads need at least two connections")
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk)")
    args.conf = runpy.run_path(str(CONF))  # for the report: worker class and threads

    folder = Path(tempfile.mkdtemp(prefix="soak-"))
    try:
        with gunicorn(folder, args.workers) as server:
            codes = seed(server.port)
            print(f"seeded {len(codes)} links: {' '.join(codes)}; running wrk ...", flush=True)
            wrk, memory, wall_start = soak(server, codes, args)
        # gunicorn has stopped: its logs are complete.
        results = analyse(wrk, memory, wall_start, server, args)
    except KeyboardInterrupt:
        sys.exit("interrupted: gunicorn and wrk are stopped")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    report(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
