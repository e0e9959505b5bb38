"""The example app on three machines behind the shipped nginx, with one PostgreSQL.

The machines are network namespaces, each running the example app under
gunicorn with the shipped ``gunicorn.conf.py`` and an instance folder of its
own; PostgreSQL and nginx, with the shipped site configuration, run in the
root namespace (``tests/multihost.py`` starts it all). Then one
machine at a time is made to fail, as machines do, while a load of short
link visits, API creations and form posts goes through nginx:

- ``kill -9`` of a host: its connections are refused;
- its network cable pulled: its connections time out;
- a rolling restart: each host drained and restarted in turn;
- the database stopped, and started again.

The same scenarios run with SQLite on one host where they make sense, so the
embedded default stays covered. Every test is bounded in time and in the
number of requests it sends, and everything is stopped by pid at the end.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from multihost import Site, is_ready, running_site
from servers import wait_for

#: How long a load runs, in seconds, and at most how many requests it sends.
LOAD_SECONDS = 4.0
LOAD_MOST = 3000
#: Clients sending requests at once.
LOAD_CLIENTS = 6
#: The longest any request through nginx may take while a host fails: nginx's
#: 1.5 s proxy_read_timeout for the host that went away, then the same request
#: again on a host that is up, under load, on a machine of 2 CPUs running all
#: three hosts (2.0 s was passed by 0.01 s in 2 of 3 CI runs).
ANSWER_WITHIN = 2.5
#: How soon after the database is back every worker serves again: its pool's
#: longest wait between two attempts (2 s, plus 10% jitter: psycopg_pool
#: doubles from 1 s but never waits past its 5 s reconnect_timeout), a
#: request's own 0.5 s wait for a connection, and the test's requests on a
#: loaded machine.
RECOVERY_SECONDS = 8.0
#: Visits sent straight to each host (two workers of four threads) to find a
#: worker that has not reconnected yet.
VISITS_PER_HOST = 12


@pytest.fixture(scope="module")
def three_hosts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("three-hosts")
    with running_site(folder, postgres=True, count=3, prefix="fwt") as site:
        yield site


@pytest.fixture(scope="module")
def one_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("one-host")
    # Another prefix: both sites' namespaces exist at once, in one process.
    with running_site(folder, postgres=False, count=1, prefix="fws") as site:
        yield site


def create(site: Site, url: str) -> str:
    body = json.dumps({"url": url}).encode()
    reply = site.send("POST", "/api/links", body, {"Content-Type": "application/json"})
    assert reply.status == 201, reply.body
    return str(reply.json()["code"])


# A short link made anywhere resolves everywhere


def test_a_link_made_through_nginx_resolves_through_every_host(three_hosts: Site) -> None:
    code = create(three_hosts, "https://example.com/everywhere")
    for server in three_hosts.servers:
        answers = [server.request("GET", f"/{code}") for _ in range(30)]
        assert [reply.status for reply in answers] == [302] * 30, server.address
        assert {reply.headers["Location"] for reply in answers} == {
            "https://example.com/everywhere"
        }
    # Every visit was counted once, whichever host took it.
    reply = three_hosts.servers[0].request("GET", f"/api/links/{code}")
    assert reply.json()["visits"] == 90


def test_a_flash_set_on_one_host_shows_on_another(three_hosts: Site) -> None:
    first, second = three_hosts.servers[0], three_hosts.servers[1]
    form = b"url=https%3A%2F%2Fexample.com%2Fflashed"
    posted = first.request(
        "POST", "/", body=form, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert posted.status == 303
    cookie = posted.headers["Set-Cookie"].split(";")[0]
    # The other host signs and reads sessions with the same key, kept in the database.
    page = second.request("GET", "/", headers={"Cookie": cookie})
    assert "Your short link:" in page.text
    assert "example.com/flashed" in page.text


# Failures under load


@dataclass
class Load:
    """Clients sending requests through nginx, and what each request got."""

    site: Site
    codes: list[str]
    #: (kind, status or error, seconds it took, seconds after the start it was sent).
    outcomes: list[tuple[str, int | str, float, float]] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _client(self, number: int) -> None:
        sent = 0
        while not self._stop.is_set() and len(self.outcomes) < LOAD_MOST:
            kind = "post" if sent % 5 == 4 else "get"
            start = time.monotonic()
            try:
                if kind == "get":
                    code = self.codes[(number + sent) % len(self.codes)]
                    reply = self.site.send("GET", f"/{code}", timeout=ANSWER_WITHIN + 3)
                    result: int | str = reply.status
                else:
                    body = json.dumps({"url": f"https://example.com/load/{number}/{sent}"})
                    reply = self.site.send(
                        "POST",
                        "/api/links",
                        body.encode(),
                        {"Content-Type": "application/json"},
                        timeout=ANSWER_WITHIN + 3,
                    )
                    result = reply.status
            except (OSError, http.client.HTTPException) as error:
                result = type(error).__name__
            with self._lock:
                self.outcomes.append(
                    (kind, result, time.monotonic() - start, start - self.started)
                )
            sent += 1

    @contextmanager
    def running(self) -> Iterator[Load]:
        threads = [
            threading.Thread(target=self._client, args=(number,), daemon=True)
            for number in range(LOAD_CLIENTS)
        ]
        for thread in threads:
            thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            for thread in threads:
                thread.join(ANSWER_WITHIN + 5)

    def failed(self, kind: str) -> list[tuple[str, int | str, float, float]]:
        good = {"get": 302, "post": 201}[kind]
        return [o for o in self.outcomes if o[0] == kind and o[1] != good]

    def slowest(self, kind: str) -> float:
        return max((o[2] for o in self.outcomes if o[0] == kind), default=0.0)


def load_for(site: Site, seconds: float, during: Callable[[], None]) -> Load:
    codes = [create(site, f"https://example.com/loaded/{n}") for n in range(5)]
    load = Load(site, codes)
    with load.running():
        time.sleep(seconds / 4)
        during()
        time.sleep(seconds * 3 / 4)
    assert load.outcomes, "the load sent nothing"
    return load


def test_a_host_killed_under_load_loses_only_answers_under_way(three_hosts: Site) -> None:
    victim = three_hosts.servers[2]
    load = load_for(three_hosts, LOAD_SECONDS, victim.kill)
    try:
        # Every GET is answered, except one whose answer was already on its
        # way: gunicorn writes the status line and headers, then the body,
        # and a host killed between the two leaves nginx holding a started
        # response it cannot resend. The client sees it cut short (at most
        # one a connection the host held); nothing else fails.
        cut_short = [o for o in load.failed("get") if o[1] == "IncompleteRead"]
        assert [o for o in load.failed("get") if o not in cut_short] == []
        assert len(cut_short) <= LOAD_CLIENTS, cut_short
        # A POST nginx had sent to the killed host is lost with it (it is not
        # resent: it may have been acted on); no other POST fails.
        assert len(load.failed("post")) <= LOAD_CLIENTS
        counts = Counter(outcome[0] for outcome in load.outcomes)
        assert counts["get"] > 50 and counts["post"] > 10
    finally:
        three_hosts.restart(2)


def test_a_host_whose_link_is_cut_under_load_leaves_the_site_answering(three_hosts: Site) -> None:
    cut = three_hosts.hosts[1]
    load = load_for(three_hosts, LOAD_SECONDS, cut.link_down)
    try:
        # Every request is answered, none waits 2.5 s for a machine that is gone.
        assert load.slowest("get") < ANSWER_WITHIN
        # A response on its way through the cable when it is pulled is lost
        # with it (nginx has sent its start on): at most one a client.
        lost = [outcome for outcome in load.failed("get") if outcome[1] != 503]
        assert len(lost) <= LOAD_CLIENTS, lost
        # A visit the lost machine had counted but not committed holds that
        # link's row until PostgreSQL ends its transaction (2 s idle): until
        # then, visits to that link are a 503 with Retry-After, and no later.
        cut_at = LOAD_SECONDS / 4
        locked = [outcome for outcome in load.failed("get") if outcome[1] == 503]
        assert all(outcome[3] < cut_at + 3.0 for outcome in locked), locked
        assert len(load.failed("post")) <= LOAD_CLIENTS
    finally:
        cut.link_up()
        wait_for(
            lambda: three_hosts.servers[1].request("GET", "/healthz").status == 200,
            "the host back on its link",
        )


def test_a_rolling_restart_under_load_fails_nothing(three_hosts: Site) -> None:
    def roll() -> None:
        # docs/deployment.md's rolling restart, one host at a time: drain it
        # from nginx, stop it (SIGTERM: it finishes what it holds), start it,
        # wait until it is ready, and put it back.
        for index in range(len(three_hosts.servers)):
            three_hosts.drain(index)
            three_hosts.servers[index].stop()
            three_hosts.restart(index)
            wait_for(lambda i=index: is_ready(three_hosts.servers[i]), "the restarted host")
            three_hosts.drain(None)

    load = load_for(three_hosts, LOAD_SECONDS * 3, roll)
    assert load.failed("get") == []
    assert load.failed("post") == []


def test_the_database_stopped_makes_every_host_unready_and_the_site_recovers(
    three_hosts: Site,
) -> None:
    assert three_hosts.database is not None
    code = create(three_hosts, "https://example.com/before/the/outage")
    three_hosts.database.stop()
    try:
        for server in three_hosts.servers:
            assert server.request("GET", "/healthz").status == 200  # the process answers
            assert server.request("GET", "/readyz", timeout=10.0).status == 503
        outage = three_hosts.send("GET", f"/api/links/{code}", timeout=15.0)
        assert outage.status == 503
        assert outage.headers["Retry-After"]
    finally:
        three_hosts.database.start()
    back = time.monotonic()
    for server in three_hosts.servers:
        wait_for(lambda s=server: is_ready(s), f"{server.address} ready again", 15.0)
    # /readyz reached one worker of each host; another may answer 503 until
    # its pool's next attempt (RECOVERY_SECONDS), then every visit goes through.
    wait_for(
        lambda: all(
            server.request("GET", f"/{code}").status == 302
            for server in three_hosts.servers
            for _ in range(VISITS_PER_HOST)
        ),
        f"every worker of every host to serve again within {RECOVERY_SECONDS}s of the restart",
        back + RECOVERY_SECONDS - time.monotonic(),
    )
    assert three_hosts.send("GET", f"/{code}").status == 302


# The same on one host with SQLite, where they apply


def test_with_sqlite_on_one_host_links_resolve_and_a_restart_fails_no_get(one_host: Site) -> None:
    code = create(one_host, "https://example.com/sqlite")
    answers = [one_host.send("GET", f"/{code}") for _ in range(30)]
    assert [reply.status for reply in answers] == [302] * 30
    assert one_host.send("GET", "/readyz").status == 200
    assert one_host.send("GET", "/healthz").status == 200

    def restart() -> None:
        # One host has nowhere else to send requests: nginx queues none, so a
        # restart is a stop and a start, and GETs in between may fail. What
        # must hold: the site is back at once, and nothing is lost.
        one_host.servers[0].stop()
        one_host.restart(0)

    load_for(one_host, LOAD_SECONDS, restart)
    assert one_host.send("GET", f"/{code}").status == 302
