"""Several machines on one: network namespaces joined by a bridge, for the multi-host tests.

A *network namespace* is a separate copy of the kernel's network stack:
its own interfaces, addresses, routing table and ports. A process started
in one (``ip netns exec NAME command``) sees only that namespace's network,
so three gunicorns, each bound to port 8000 in a namespace of its own, are
three machines as far as TCP can tell. Files, processes and users stay
shared: a "host" here has its own network and nothing else, which is all
the tests need to cut, kill and restart one machine of several.

A new namespace holds only a loopback interface, and it is down. To connect
it, each host gets a *veth pair*: a virtual cable, two interfaces where what
goes into one comes out of the other. One end is created inside the
namespace, as its ``eth0``, with the host's address; the other end stays in
the root namespace (the one the tests, nginx and PostgreSQL run in).

The root-side ends are plugged into a *bridge*, a virtual Ethernet switch in
the root namespace. The bridge has an address of its own on the same /24
as the hosts (``.1``; the hosts are ``.11``, ``.12``, ...): the root
namespace reaches every host through it, and the hosts reach the root
namespace at the bridge's address, where PostgreSQL can listen. It is all
one Ethernet segment, so nothing is routed: IP forwarding, iptables and the
kernel's settings stay as they are, and no namespace has a default route,
so no traffic can leave for anywhere but these addresses.

Pulling a host's cable is ``ip link set VETH down`` on the root-side end
(``Host.link_down``): from then on frames to and from the host are dropped
without a word, so a connection to it times out instead of being refused,
as with a machine whose network is gone. ``Host.kill`` is the other kind of
failure: the host's server dies at once, and connections are refused.

The names carry the test process's pid (namespaces ``fwt-PID-N``, links
``fwtPIDhN`` and ``fwtPIDbr``; Linux allows 15 characters for a link), so
two runs at once cannot collide, and leftovers of a run that was killed
before it could clean up (its pid gone) are removed when the next starts.
"""

from __future__ import annotations

import http.client
import ipaddress
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO

import pytest
from servers import (
    IO_TIMEOUT,
    ROOT,
    START_TIMEOUT,
    Reply,
    gunicorn_command,
    gunicorn_env,
    stop,
    wait_for,
)

#: The first part of every name we give a namespace or a link.
PREFIX = "fwt"
#: The port the hosts' servers listen on: each namespace has all its ports free.
PORT = 8000
#: The /16 our /24 is taken from; the third number depends on the pid.
NETWORK = ipaddress.ip_network("10.231.0.0/16")
#: Seconds any one ``ip`` command, or a short command in a host, may take.
COMMAND_TIMEOUT = 10.0
#: Seconds a link change gets to show: a host unreachable, or reachable again.
LINK_TIMEOUT = 5.0


def require_namespaces() -> str:
    """Return the path of ``ip``, or skip the test (fail it under CI) when hosts can't be made."""
    ip = shutil.which("ip") or next(
        (path for path in ("/usr/sbin/ip", "/sbin/ip") if Path(path).exists()), None
    )
    problem = None
    if ip is None:
        problem = "ip is not installed (Debian: apt-get install iproute2)"
    elif os.geteuid() != 0:
        problem = "network namespaces need root: run the tests as root, as CI does"
    if problem is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{problem}; CI must run the multi-host tests")
        pytest.skip(problem)
    assert ip is not None
    return ip


def ip(*args: str, check: bool = True) -> str:
    """Run ``ip ARGS`` in the root namespace and return what it printed; raise if it fails."""
    result = subprocess.run(
        [require_namespaces(), *args],
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
        check=False,
    )
    if check and result.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout


def is_running(pid: int) -> bool:
    """True while process ``pid`` exists and is not a zombie.

    A zombie has exited and holds no port, file or memory; it only waits for
    its parent (or init, which on some machines never comes) to collect it.
    """
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    state = re.search(r"^State:\s+(\S)", status, re.MULTILINE)
    return state is not None and state.group(1) not in ("Z", "X")


def children(pid: int) -> list[int]:
    """The process ids of ``pid``'s children (a gunicorn master's are its workers)."""
    try:
        return sorted(int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split())
    except (FileNotFoundError, ProcessLookupError):
        return []


def ours(prefix: str = PREFIX) -> tuple[list[str], list[str]]:
    """The namespaces and links in the root namespace whose names we would have given."""
    namespaces = [
        line.split()[0]
        for line in ip("netns", "list").splitlines()
        if re.fullmatch(rf"{prefix}-\d+-\d+", line.split()[0] if line.split() else "")
    ]
    links = [
        name
        for name in re.findall(r"^\d+:\s+([^:@\s]+)", ip("-o", "link", "show"), re.MULTILINE)
        if re.fullmatch(rf"{prefix}\d+(h\d+|br)", name)
    ]
    return namespaces, links


def remove_leftovers(prefix: str = PREFIX) -> None:
    """Delete the namespaces and links of earlier runs whose test process is gone."""
    namespaces, links = ours(prefix)
    for name in namespaces:
        if not is_running(int(name.split("-")[1])):
            # Servers that run left behind in the namespace would keep it alive.
            for pid in ip("netns", "pids", name, check=False).split():
                with suppress(ProcessLookupError):
                    os.kill(int(pid), signal.SIGKILL)
            ip("netns", "delete", name, check=False)
    for name in links:
        pid = re.match(rf"{prefix}(\d+)", name)
        if pid is not None and not is_running(int(pid.group(1))):
            ip("link", "delete", name, check=False)


def networks_in_use() -> list[ipaddress.IPv4Network]:
    """The IPv4 networks of the root namespace's addresses and routes (not the default one)."""
    found = []
    for line in ip("-o", "-4", "addr", "show").splitlines():
        match = re.search(r"\binet\s+(\S+)", line)
        if match:
            found.append(ipaddress.ip_interface(match.group(1)).network)
    for line in ip("-4", "route", "show", "table", "all").splitlines():
        for word in line.split()[:2]:
            with suppress(ValueError):
                found.append(ipaddress.ip_network(word, strict=False))
                break
    return [network for network in found if isinstance(network, ipaddress.IPv4Network)]


class HostServer:
    """A gunicorn running inside a host's namespace, listening on ``address:port``."""

    def __init__(
        self, host: Host, port: int, process: subprocess.Popen[bytes], log: IO[bytes]
    ) -> None:
        self.host = host
        self.port = port
        self.process = process
        self.log = log  #: gunicorn's stdout and stderr

    @property
    def pid(self) -> int:
        """The master process's id (``ip netns exec`` becomes the command, it does not fork)."""
        return self.process.pid

    @property
    def address(self) -> str:
        return self.host.address

    def workers(self) -> list[int]:
        return children(self.pid)

    def output(self) -> str:
        """Everything gunicorn has logged so far."""
        # pread: gunicorn shares this file's offset, so seeking it would garble the log.
        fd = self.log.fileno()
        return os.pread(fd, os.fstat(fd).st_size, 0).decode("utf-8", errors="replace")

    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        """Stop gracefully (SIGTERM: gunicorn lets its workers finish), SIGKILL after a bound."""
        stop(self.process)

    def kill(self) -> None:
        """SIGKILL the master and its workers at once, as if the machine had died.

        Returns once all of them are gone (a signal reaches other processes a
        moment after it is sent).
        """
        workers = self.workers()
        with suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)  # started in a session (and group) of its own
        self.process.wait(timeout=COMMAND_TIMEOUT)
        wait_for(
            lambda: not any(is_running(pid) for pid in workers),
            f"the workers {workers} of {self.host.namespace} to die",
            COMMAND_TIMEOUT,
        )

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = IO_TIMEOUT,
    ) -> Reply:
        """One HTTP request from the root namespace; ``timeout`` bounds each step."""
        return http_request(self.address, self.port, method, path, body, headers, timeout)


def http_request(
    address: str,
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = IO_TIMEOUT,
) -> Reply:
    conn = http.client.HTTPConnection(address, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return Reply(resp.status, resp.reason, resp.headers, resp.read())
    finally:
        conn.close()


def answers(address: str, port: int, path: str = "/", timeout: float = 1.0) -> bool:
    """True if an HTTP server at ``address:port`` answers a GET within ``timeout``."""
    try:
        http_request(address, port, "GET", path, timeout=timeout)
    except (OSError, http.client.HTTPException):
        return False
    return True


def connects(address: str, port: int, timeout: float = 0.5) -> bool:
    """True if a TCP connection to ``address:port`` is accepted within ``timeout``."""
    try:
        with socket.create_connection((address, port), timeout=timeout):
            return True
    except OSError:
        return False


class Host:
    """One machine: a network namespace, with ``eth0`` at ``address`` on the bridge."""

    def __init__(self, hosts: Hosts, index: int, namespace: str, veth: str, address: str) -> None:
        self.hosts = hosts
        self.index = index
        self.namespace = namespace  #: the namespace's name, for ``ip netns exec``
        self.veth = veth  #: the root-side end of the host's cable, on the bridge
        self.address = address  #: the host's address, on eth0 inside the namespace

    def __repr__(self) -> str:
        return f"<Host {self.namespace} {self.address}>"

    def run(
        self,
        argv: Sequence[str],
        *,
        env: dict[str, str] | None = None,
        stdout: int | IO[bytes] = subprocess.DEVNULL,
        stderr: int | IO[bytes] = subprocess.STDOUT,
    ) -> subprocess.Popen[bytes]:
        """Start ``argv`` inside the namespace, in a session of its own; stopped at the end.

        ``env`` adds to the environment that servers.py gives gunicorn (the
        repository and tests/ on PYTHONPATH). The process is stopped when the
        hosts are (SIGTERM, then SIGKILL to its whole group after a bound),
        unless it has ended before.
        """
        process = subprocess.Popen(
            [require_namespaces(), "netns", "exec", self.namespace, *argv],
            cwd=ROOT,
            env=gunicorn_env(env),
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
        )
        self.hosts.processes.append(process)
        return process

    def call(
        self,
        argv: Sequence[str],
        *,
        env: dict[str, str] | None = None,
        timeout: float = COMMAND_TIMEOUT,
    ) -> subprocess.CompletedProcess[bytes]:
        """Run ``argv`` inside the namespace to its end, within ``timeout`` seconds, or fail."""
        process = self.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            stop(process, signal.SIGKILL)
            pytest.fail(f"{list(argv)} in {self.namespace} did not end within {timeout}s")
        return subprocess.CompletedProcess(list(argv), process.returncode, out, err)

    def start_gunicorn(
        self,
        app_spec: str,
        *extra_args: str,
        port: int = PORT,
        workers: int | None = 1,
        env: dict[str, str] | None = None,
        probe_path: str = "/",
    ) -> HostServer:
        """Serve ``app_spec`` with gunicorn inside the namespace on ``address:port``.

        Returns once the server answers ``GET probe_path`` from the root
        namespace (any status), within START_TIMEOUT; fails with its log if it
        exits or does not answer. ``workers=None`` leaves the number and kind
        of workers to a config file in ``extra_args`` (``-c FILE``), as
        ``servers.run_gunicorn`` does. The server is stopped with the hosts,
        or before by ``stop()`` or ``kill()``; starting another on the same
        port after that is a restart.
        """
        log = tempfile.TemporaryFile()  # noqa: SIM115 (closed with the hosts)
        self.hosts.logs.append(log)
        process = self.run(
            gunicorn_command(f"{self.address}:{port}", app_spec, *extra_args, workers=workers),
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        server = HostServer(self, port, process, log)
        deadline = time.monotonic() + START_TIMEOUT
        while not answers(self.address, port, probe_path, timeout=2.0):
            if process.poll() is not None:
                pytest.fail(
                    f"gunicorn in {self.namespace} exited with status {process.returncode}:\n"
                    f"{server.output()}"
                )
            if time.monotonic() > deadline:
                server.stop()
                pytest.fail(
                    f"gunicorn in {self.namespace} did not answer on {self.address}:{port}"
                    f" within {START_TIMEOUT}s:\n{server.output()}"
                )
            time.sleep(0.05)
        return server

    def link_down(self) -> None:
        """Pull the host's cable: its frames are dropped, connections to it time out."""
        ip("link", "set", self.veth, "down")

    def link_up(self) -> None:
        """Plug the cable back in: the host is on the bridge again."""
        ip("link", "set", self.veth, "up")


class Hosts:
    """``count`` hosts on one bridge; build with ``app_hosts``, which also tears it down."""

    def __init__(self, count: int, prefix: str = PREFIX) -> None:
        if not 1 <= count <= 200:
            raise ValueError(f"app_hosts({count}): from 1 to 200 hosts fit on one /24 here")
        self.count = count
        self.prefix = prefix
        tag = f"{prefix}{os.getpid()}"
        self.bridge = f"{tag}br"  #: the bridge's name in the root namespace
        self.subnet = ipaddress.ip_network("10.231.0.0/24")  #: chosen by create()
        self.hosts: list[Host] = []
        self.processes: list[subprocess.Popen[bytes]] = []  #: everything run() started
        self.logs: list[IO[bytes]] = []
        self._namespaces: list[str] = []  # made so far, for destroy()
        self._links: list[str] = []

    def __getitem__(self, index: int) -> Host:
        return self.hosts[index]

    def __iter__(self) -> Iterator[Host]:
        return iter(self.hosts)

    def __len__(self) -> int:
        return len(self.hosts)

    @property
    def bridge_address(self) -> str:
        """The root namespace's address on the bridge: the hosts reach it there."""
        return str(self.subnet[1])

    def addresses(self) -> list[str]:
        return [host.address for host in self.hosts]

    def create(self) -> None:
        """Make the bridge, then each host's namespace and cable; see the module's docstring."""
        self._make_bridge()
        for index in range(self.count):
            namespace = f"{self.prefix}-{os.getpid()}-{index}"
            veth = f"{self.prefix}{os.getpid()}h{index}"
            address = str(self.subnet[11 + index])
            ip("netns", "add", namespace)
            self._namespaces.append(namespace)
            # Both ends at once: "eth0" is made right inside the namespace.
            ip("link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", namespace)
            self._links.append(veth)
            ip("link", "set", veth, "master", self.bridge)
            ip("link", "set", veth, "up")
            ip("-n", namespace, "link", "set", "lo", "up")
            ip("-n", namespace, "addr", "add", f"{address}/{self.subnet.prefixlen}", "dev", "eth0")
            ip("-n", namespace, "link", "set", "eth0", "up")
            self.hosts.append(Host(self, index, namespace, veth, address))

    def _make_bridge(self) -> None:
        """Make the bridge with ``.1`` of a /24 that no address or route here overlaps.

        The /24 is picked from the pid, then the next free one. After taking
        it, we look again: if another run took the same one at the same
        moment, we let it go and take the next.
        """
        start = os.getpid() % 256
        for step in range(256):
            third = (start + step) % 256
            subnet = ipaddress.ip_network(f"{NETWORK.network_address + third * 256}/24")
            if any(subnet.overlaps(used) for used in networks_in_use()):
                continue
            self.subnet = subnet
            if self.bridge not in self._links:
                ip("link", "add", self.bridge, "type", "bridge")
                self._links.append(self.bridge)
            ip("addr", "add", f"{self.bridge_address}/24", "dev", self.bridge)
            others = [
                line
                for line in ip("-o", "-4", "addr", "show").splitlines()
                if f" {self.bridge} " not in line
                and any(
                    ipaddress.ip_address(a) in subnet for a in re.findall(r"inet ([\d.]+)", line)
                )
            ]
            if not others:
                ip("link", "set", self.bridge, "up")
                return
            ip("addr", "flush", "dev", self.bridge)
        raise RuntimeError(f"no free /24 in {NETWORK} for the test hosts")

    def destroy(self) -> None:
        """Stop every process run() started, delete the cables, namespaces and bridge.

        Each step is tried even when an earlier one failed; what could not be
        undone is reported at the end.
        """
        problems = []
        for process in reversed(self.processes):
            try:
                stop(process)
            except Exception as error:  # keep going: the rest must still be torn down
                problems.append(f"process {process.pid}: {error!r}")
        for log in self.logs:
            log.close()
        # Cables first: deleting one end deletes both, at once. Deleting a
        # namespace would take its end too, but later, when the kernel gets
        # to it: the name goes at once, the namespace and its links after.
        for link in reversed(self._links):
            ip("link", "delete", link, check=False)
            if ip("link", "show", link, check=False):
                problems.append(f"could not delete link {link}")
        for namespace in reversed(self._namespaces):
            try:
                ip("netns", "delete", namespace)
            except RuntimeError as error:
                problems.append(str(error))
        namespaces, links = ours(self.prefix)
        tag = f"{self.prefix}-{os.getpid()}-"
        left = [n for n in namespaces if n.startswith(tag)] + [
            link for link in links if link.startswith(f"{self.prefix}{os.getpid()}")
        ]
        if left:
            problems.append(f"still there: {left}")
        if problems:
            raise RuntimeError("tearing down the test hosts: " + "; ".join(problems))


@contextmanager
def app_hosts(count: int = 3, *, prefix: str = PREFIX) -> Iterator[Hosts]:
    """Make ``count`` hosts (namespaces on one bridge); always tear them down.

    Skips the test when this is not root or ``ip`` is missing (fails it under
    ``CI=true``). Everything is undone at the end, also when the body fails:
    processes the hosts started, then namespaces, cables and the bridge.

        with app_hosts(3) as hosts:
            server = hosts[0].start_gunicorn("host_app:app", env={"HOST_NAME": "a"})
            server.request("GET", "/").status   # from the root namespace
            hosts[0].link_down()                # hosts[0].address stops answering
    """
    require_namespaces()
    remove_leftovers(prefix)
    hosts = Hosts(count, prefix)
    try:
        hosts.create()
        yield hosts
    finally:
        hosts.destroy()
