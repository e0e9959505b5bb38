"""A throwaway PostgreSQL cluster for the tests: made in a temporary folder, always removed.

A *cluster* is PostgreSQL's name for one server's data folder and the
server process that owns it. ``initdb`` makes the folder, ``pg_ctl start``
starts the server on it (``postgres``, which forks a process per
connection), ``pg_ctl stop`` stops it. We run Debian's binaries directly,
not the system service: nothing in /etc or /var is read or written, and
the port is a free one, so a system PostgreSQL, if any, is left alone.

PostgreSQL refuses to run as root. When the tests run as root, every
PostgreSQL command runs as the ``postgres`` user that Debian's package
creates, and the temporary folder is given to that user.

The server listens on the addresses it is given (loopback, and the test
hosts' bridge address so that the hosts can reach it; see hosts.py) and on
a unix socket inside the folder. Clients from those addresses' networks
(loopback and the bridge's /24) are trusted without a password: nothing
else can reach these addresses, and the data is thrown away at the end.
For the same reason ``fsync=True`` is not the default: with it off, the
server does not wait for the disk on every commit, which makes the tests
faster, and a crash of the machine (which would lose the data) does not
matter for a cluster that is deleted anyway.
"""

from __future__ import annotations

import glob
import ipaddress
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
from hosts import children, is_running

#: Seconds initdb, a start or a stop may take.
PG_TIMEOUT = 30.0
#: Seconds a fast stop (sessions cut, a clean shutdown) gets before an immediate one.
FAST_STOP_TIMEOUT = 10


def bindir() -> Path:
    """The folder of PostgreSQL's server binaries, or skip (fail under CI) if there is none.

    ``pg_config --bindir`` is asked first; on Debian it may belong to the
    client package only, so /usr/lib/postgresql/VERSION/bin (newest first)
    is where ``initdb`` is looked for next.
    """
    candidates = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        with suppress(subprocess.SubprocessError, OSError):
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=True
            )
            candidates.append(Path(out.stdout.strip()))
    versions = glob.glob("/usr/lib/postgresql/*/bin")
    candidates += [Path(p) for p in sorted(versions, key=_version, reverse=True)]
    for folder in candidates:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    message = "PostgreSQL is not installed (Debian: apt-get install postgresql)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}; CI must run the PostgreSQL tests")
    pytest.skip(message)


def _version(path: str) -> tuple[int, ...]:
    number = Path(path).parent.name
    return tuple(int(part) for part in number.split(".") if part.isdigit())


def free_port(addresses: Sequence[str]) -> int:
    """A port that is free on every one of ``addresses`` (the OS picks it for the first)."""
    for _ in range(20):
        with socket.socket() as first:
            first.bind((addresses[0], 0))
            port = int(first.getsockname()[1])
            try:
                for address in addresses[1:]:
                    with socket.socket() as other:
                        other.bind((address, port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no port free on all of {list(addresses)}")


class Cluster:
    """A PostgreSQL server on ``port``, on the data in ``folder``; made by ``postgres_cluster``."""

    def __init__(
        self,
        folder: Path,
        *,
        listen_addresses: Sequence[str],
        networks: Sequence[str],
        user: str,
        database: str,
        fsync: bool,
    ) -> None:
        self.bin = bindir()
        self.folder = folder  #: everything: data, socket, log
        self.data = folder / "data"
        self.socket_dir = folder / "socket"
        self.log = folder / "postgres.log"
        self.listen_addresses = list(listen_addresses)
        self.networks = list(networks)
        self.user = user  #: the superuser the tests connect as
        self.database = database
        self.fsync = fsync
        self.port = free_port(self.listen_addresses)
        #: The postmaster's pid while it runs (it is not our child: pg_ctl lets it go).
        self.pid: int | None = None
        self._as = None if os.geteuid() != 0 else _postgres_user()

    def dsn(self, host: str | None = None) -> str:
        """``postgresql://user@host:port/database``, at the first listen address by default."""
        address = host or self.listen_addresses[0]
        return f"postgresql://{self.user}@{address}:{self.port}/{self.database}"

    def _run(self, *argv: str, timeout: float = PG_TIMEOUT) -> subprocess.CompletedProcess[str]:
        """Run one of PostgreSQL's programs, as the postgres user when we are root."""
        account = self._as
        result = subprocess.run(
            [str(self.bin / argv[0]), *argv[1:]],
            cwd=self.folder,
            env={**os.environ, "LC_ALL": "C", "PGTZ": "UTC"},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            user=account.pw_uid if account else None,
            group=account.pw_gid if account else None,
            extra_groups=[] if account else None,
        )
        return result

    def _check(self, *argv: str, timeout: float = PG_TIMEOUT) -> str:
        result = self._run(*argv, timeout=timeout)
        if result.returncode != 0:
            raise RuntimeError(
                f"{argv[0]} failed ({result.returncode}):\n{result.stdout}{result.stderr}"
                f"\n{self.output()}"
            )
        return result.stdout

    def output(self) -> str:
        """The server's log so far."""
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def create(self) -> None:
        """initdb, our settings and pg_hba.conf, a start, and the database."""
        self.socket_dir.mkdir()
        if self._as:
            for path in (self.folder, self.socket_dir):
                os.chown(path, self._as.pw_uid, self._as.pw_gid)
        self._check(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            self.user,
            "--auth=trust",
            "--no-locale",
            "--encoding=UTF8",
            "--no-sync",  # the folder is thrown away: don't wait for the disk
        )
        quoted = ",".join(self.listen_addresses)
        settings = [
            f"port = {self.port}",
            f"listen_addresses = '{quoted}'",
            f"unix_socket_directories = '{self.socket_dir}'",
            "max_connections = 100",
            "log_connections = off",
        ]
        if not self.fsync:
            settings += ["fsync = off", "synchronous_commit = off", "full_page_writes = off"]
        with (self.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write("\n# tests/postgres.py\n" + "\n".join(settings) + "\n")
        # Who may connect: the unix socket and the given networks, without a
        # password; any other address is refused ("reject" is the default).
        hba = ["local all all trust"]
        hba += [f"host all all {network} trust" for network in self.networks]
        (self.data / "pg_hba.conf").write_text("\n".join(hba) + "\n", encoding="utf-8")
        self.start()
        self._check(
            "createdb", "-h", str(self.socket_dir), "-p", str(self.port), "-U", self.user,
            self.database,
        )  # fmt: skip

    def running(self) -> bool:
        return self.pid is not None and is_running(self.pid)

    def start(self) -> None:
        """Start the server and wait until it accepts connections (``pg_ctl -w``)."""
        self._check(
            "pg_ctl", "start", "-D", str(self.data), "-l", str(self.log), "-w",
            "-t", str(int(PG_TIMEOUT)),
            timeout=PG_TIMEOUT + 5,
        )  # fmt: skip
        self.pid = int((self.data / "postmaster.pid").read_text().split()[0])

    def stop(self) -> None:
        """Stop the server: a fast stop (sessions cut, clean shutdown), else an immediate one.

        An immediate stop is PostgreSQL's own kill: no checkpoint, recovery
        on the next start. If even that does not end it, the postmaster and
        its processes get SIGKILL by pid.
        """
        if self.pid is None and (self.data / "postmaster.pid").exists():
            # A start that failed half-way (pg_ctl gave up waiting) may have left a server.
            with suppress(ValueError, IndexError, OSError):
                self.pid = int((self.data / "postmaster.pid").read_text().split()[0])
        if self.pid is None:
            return
        fast = self._run(
            "pg_ctl", "stop", "-D", str(self.data), "-m", "fast", "-w",
            "-t", str(FAST_STOP_TIMEOUT),
            timeout=FAST_STOP_TIMEOUT + 5,
        )  # fmt: skip
        if fast.returncode != 0 and self.running():
            self._run(
                "pg_ctl", "stop", "-D", str(self.data), "-m", "immediate", "-w", "-t", "10",
                timeout=15,
            )  # fmt: skip
        if self.running():
            for pid in [self.pid, *children(self.pid)]:
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        self.pid = None


def _postgres_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        message = (
            "PostgreSQL will not run as root, and there is no user postgres to run it as"
            " (Debian's postgresql package creates it)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


@contextmanager
def postgres_cluster(
    listen_addresses: Sequence[str] = ("127.0.0.1",),
    *,
    user: str = "app",
    database: str = "app",
    fsync: bool = False,
) -> Iterator[Cluster]:
    """Run a PostgreSQL cluster in a temporary folder; always stop it and remove the folder.

    ``listen_addresses`` are IPv4 addresses; the /24 of each (loopback: the
    address itself) may connect without a password. ``fsync=False`` trades
    crash safety, which a throwaway cluster doesn't need, for speed.

        with app_hosts(3) as hosts, postgres_cluster(["127.0.0.1", hosts.bridge_address]) as pg:
            pg.dsn()                        # postgresql://app@127.0.0.1:PORT/app
            pg.dsn(hosts.bridge_address)    # the same database, as the hosts reach it
            pg.stop(); pg.start()           # the database away, and back
    """
    networks = []
    for address in listen_addresses:
        parsed = ipaddress.ip_address(address)
        prefix = 32 if parsed.is_loopback else 24
        networks.append(str(ipaddress.ip_network(f"{address}/{prefix}", strict=False)))
    folder = Path(tempfile.mkdtemp(prefix="framework-pg-"))
    cluster: Cluster | None = None
    try:
        cluster = Cluster(
            folder,
            listen_addresses=listen_addresses,
            networks=networks,
            user=user,
            database=database,
            fsync=fsync,
        )
        cluster.create()
        yield cluster
    finally:
        try:
            if cluster is not None:
                cluster.stop()
        finally:
            shutil.rmtree(folder, ignore_errors=True)
