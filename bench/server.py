"""A real server: each contender under gunicorn on 127.0.0.1, driven by wrk.

For each gunicorn set-up (1 sync worker; 2 gthread workers with 4 threads)
and each workload (the hello request answered with 13 bytes, and with
10 KiB), every contender (ours, ours-compiled, Falcon, Bottle, Flask, a
plain WSGI function, and the plain function sending our default headers too:
see wsgi_apps.py) is started under gunicorn on its own loopback port; then wrk
drives them in turn, round after round, so a drift of the machine's speed
hits all of them alike. Reported: requests per second (median of rounds),
p50 and p99 latency (wrk's, from the median round), and the ratio to the
plain function's requests per second.

``ours-compiled`` is the compiled build (mypyc), served by the Python of the
environment that bench/builds.py makes for it under ``build/bench-envs/``
(built on first use); every other contender runs in this Python.

``--memory`` measures instead the resident memory (RSS) of one sync worker
after 10,000 requests of the hello workload.

Needs ``wrk`` (Debian: ``apt-get install wrk``) and gunicorn. Traffic goes
to 127.0.0.1 only, for a bounded time. Run ``python bench/server.py --help``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import builds

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
HOST = "127.0.0.1"
TARGET = "/hello/584/test?limit=10&thing=ab"
USER_AGENT = "hello-bench/1.0 (+https://example.invalid)"
CONTENDERS = ["wsgi", "wsgi-our-headers", "ours", "ours-compiled", "falcon", "bottle", "flask"]
COMPILED = "ours-compiled"
WORKLOADS = {"hello": 13, "10KiB": 10240}
#: With --pin: the CPUs (taskset lists) of the servers and of wrk, kept apart.
SERVER_CPUS: str | None = None
CLIENT_CPUS: str | None = None
#: Short name (for --setups): the title in the results, and gunicorn's options.
SETUPS = {
    "sync": ("1 sync worker", ["--workers", "1", "--worker-class", "sync"]),
    "gthread": (
        "2 gthread workers",
        ["--workers", "2", "--worker-class", "gthread", "--threads", "4"],
    ),
}


@dataclass
class Server:
    contender: str
    port: int
    process: subprocess.Popen[bytes]


@contextmanager
def gunicorn(contender: str, body_bytes: int, setup: list[str]) -> Iterator[Server]:
    """Serve one contender on a free loopback port (the socket is handed over as fd://)."""
    python = sys.executable
    # The checkout's framework/ is on the path of the pure build, and kept off
    # that of the compiled one, which must import its installed extensions.
    path = [str(BENCH), str(ROOT)]
    if contender == COMPILED:
        python, path = str(builds.prepare("compiled")), [str(BENCH)]
    with socket.socket() as listener:
        listener.bind((HOST, 0))
        port = int(listener.getsockname()[1])
        env = {
            **os.environ,
            "BENCH_CONTENDER": contender,
            "BENCH_BODY_BYTES": str(body_bytes),
            "PYTHONPATH": os.pathsep.join(path),
        }
        env.pop("GUNICORN_CMD_ARGS", None)
        process = subprocess.Popen(
            [
                *_pinned(SERVER_CPUS),
                python,
                "-m",
                "gunicorn",
                "--bind",
                f"fd://{listener.fileno()}",
                *setup,
                "--no-control-socket",
                "--log-level",
                "warning",
                "wsgi_apps:app",
            ],
            cwd=BENCH,
            env=env,
            pass_fds=(listener.fileno(),),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        _wait_until_answering(port, process)
        yield Server(contender, port, process)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)


def _pinned(cpus: str | None) -> list[str]:
    """The ``taskset`` prefix that keeps a command on ``cpus``, when pinning is on."""
    return ["taskset", "--cpu-list", cpus] if cpus else []


def _wait_until_answering(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            status, _ = fetch(port)
            if status == 200:
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing answered on port {port}")


def fetch(port: int, connection: http.client.HTTPConnection | None = None) -> tuple[int, bytes]:
    conn = connection or http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        conn.request("GET", TARGET, headers={"User-Agent": USER_AGENT})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        if connection is None:
            conn.close()


def wrk(port: int, seconds: int, connections: int) -> dict[str, float]:
    """Run wrk once; return req/s and the p50 and p99 latencies in ms."""
    output = subprocess.run(
        [
            *_pinned(CLIENT_CPUS),
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-H",
            f"User-Agent: {USER_AGENT}",
            f"http://{HOST}:{port}{TARGET}",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 30,
    ).stdout
    if "Non-2xx or 3xx responses" in output or "Socket errors" in output:
        raise RuntimeError(f"wrk saw errors:\n{output}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    return {
        "rps": rate,
        "p50": _latency(output, "50%"),
        "p99": _latency(output, "99%"),
    }


def _latency(output: str, percentile: str) -> float:
    found = re.search(rf"^\s+{percentile}\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
    if found is None:
        raise RuntimeError(f"no {percentile} latency in wrk's output:\n{output}")
    value, unit = float(found.group(1)), found.group(2)
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def throughput(args: argparse.Namespace) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for setup_name, setup in (SETUPS[name] for name in args.setups):
        for workload, body_bytes in WORKLOADS.items():
            with _servers(args.only, body_bytes, setup) as servers:
                rounds: dict[str, list[dict[str, float]]] = {s.contender: [] for s in servers}
                for round_number in range(args.rounds):
                    shift = round_number % len(servers)
                    for server in servers[shift:] + servers[:shift]:
                        rounds[server.contender].append(
                            wrk(server.port, args.seconds, args.connections)
                        )
            table = {}
            for contender, samples in rounds.items():
                median_round = sorted(samples, key=lambda sample: sample["rps"])[len(samples) // 2]
                table[contender] = {
                    "rps": statistics.median(sample["rps"] for sample in samples),
                    "p50": median_round["p50"],
                    "p99": median_round["p99"],
                }
            results[f"{setup_name}, {workload}"] = table
            print_throughput(f"{setup_name}, {workload}", table)
    return results


@contextmanager
def _servers(names: list[str], body_bytes: int, setup: list[str]) -> Iterator[list[Server]]:
    servers: list[Server] = []
    stack: list[Any] = []
    try:
        for name in names:
            context = gunicorn(name, body_bytes, setup)
            servers.append(context.__enter__())
            stack.append(context)
        yield servers
    finally:
        for context in reversed(stack):
            context.__exit__(None, None, None)


def print_throughput(title: str, table: dict[str, dict[str, float]]) -> None:
    plain = table.get("wsgi", {}).get("rps")
    print(f"\n{title}")
    print(f"{'contender':18s}{'req/s':>10s}{'p50 ms':>9s}{'p99 ms':>9s}{'vs wsgi':>9s}")
    for contender, figures in table.items():
        ratio = f"{figures['rps'] / plain:8.1%}" if plain else "       -"
        print(
            f"{contender:18s}{figures['rps']:10.0f}{figures['p50']:9.2f}{figures['p99']:9.2f} "
            f"{ratio}"
        )


def memory(args: argparse.Namespace) -> dict[str, float]:
    """RSS of one sync worker, in MiB, after 10,000 hello requests."""
    results = {}
    for name in args.only:
        with gunicorn(name, WORKLOADS["hello"], SETUPS["sync"][1]) as server:
            connection = http.client.HTTPConnection(HOST, server.port, timeout=10)
            try:
                for _ in range(10_000):
                    status, _ = fetch(server.port, connection)
                    if status != 200:
                        raise RuntimeError(f"{name} answered {status}")
            finally:
                connection.close()
            [worker] = _children(server.process.pid)
            results[name] = _rss_mib(worker)
    print(f"\n{'contender':18s}{'worker RSS after 10,000 requests (MiB)':>42s}")
    for name, rss in results.items():
        print(f"{name:18s}{rss:42.1f}")
    return results


def _children(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in children]


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=5, help="length of one wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="wrk runs per contender")
    parser.add_argument("--connections", type=int, default=8, help="wrk's -c")
    parser.add_argument("--only", default=",".join(CONTENDERS), help="comma-separated")
    parser.add_argument(
        "--setups",
        default=",".join(SETUPS),
        help=f"comma-separated gunicorn set-ups (default: {','.join(SETUPS)})",
    )
    parser.add_argument(
        "--pin",
        action="store_true",
        help="run wrk on one CPU and the servers on the others (taskset)",
    )
    parser.add_argument("--memory", action="store_true", help="measure worker RSS instead")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args()
    args.only = args.only.split(",")
    args.setups = args.setups.split(",")
    unknown = sorted(set(args.setups) - set(SETUPS))
    if unknown:
        parser.error(f"unknown set-up {', '.join(unknown)}: choose from {', '.join(SETUPS)}")
    if not args.memory and shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk)")
    if args.pin:
        global SERVER_CPUS, CLIENT_CPUS
        cpus = sorted(os.sched_getaffinity(0))
        if len(cpus) < 2:
            parser.error("--pin needs at least two CPUs")
        CLIENT_CPUS = str(cpus[0])
        SERVER_CPUS = ",".join(str(cpu) for cpu in cpus[1:])
    results = memory(args) if args.memory else throughput(args)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
