"""The example app on PostgreSQL (``SHORTENER_DATABASE_URL``): in-process, then two gunicorns.

A real cluster from postgres.py (skipped without PostgreSQL, failed under
CI). In-process, each test has a database of its own in one cluster; over
gunicorn, two instances with instance folders of their own share one
database, as two machines would: a link made on one resolves on the other,
a flash set by one is shown by the other (the session key is the
database's), and while the database is stopped both answer 503, then
recover by themselves once it is back. All on loopback.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import runpy
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import psycopg
import pytest
from postgres import Cluster, free_port, postgres_cluster
from servers import HOST, ROOT, Reply, Server, request, run_gunicorn, run_shortener, wait_for

import example_app
from example_app.ownership import KEPT_IN_SESSION
from example_app.storage_postgres import PostgresLinks
from framework import App
from framework.testing import TestClient

CONFIG = ROOT / "example_app" / "gunicorn.conf.py"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JSON = {"Content-Type": "application/json"}
_numbers = itertools.count()


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    with postgres_cluster() as pg:
        yield pg


def database_url(cluster: Cluster, name: str) -> str:
    return f"postgresql://{cluster.user}@{HOST}:{cluster.port}/{name}"


@pytest.fixture
def url(cluster: Cluster) -> str:
    """A new, empty database in the cluster, for one test."""
    name = f"test{next(_numbers)}"
    with psycopg.connect(cluster.dsn(), autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    return database_url(cluster, name)


@pytest.fixture
def links(url: str) -> Iterator[PostgresLinks]:
    storage = PostgresLinks(url, timeout=1.0)
    yield storage
    storage.close()


@pytest.fixture
def app(links: PostgresLinks, monkeypatch: pytest.MonkeyPatch) -> Iterator[App]:
    """The example app on the test's database, with its session key still to be read."""
    monkeypatch.setattr(example_app.app, "links", links)
    monkeypatch.setitem(example_app.app.config, "SECRET_KEY", None)
    yield example_app.app


def query(url: str, sql: str) -> list[tuple[object, ...]]:
    with psycopg.connect(url, autocommit=True) as connection:
        return connection.execute(sql).fetchall()


def run(url: str, sql: str) -> None:
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(sql)


def test_links_are_made_followed_counted_and_deleted_in_postgres(
    client: TestClient, url: str
) -> None:
    posted = client.post("/", data={"url": "https://example.com/in/postgres"})
    assert posted.status_code == 303
    page = client.get("/").text
    [code] = re.findall(r'Your short link: <a [^>]*href="http://localhost/(\w+)"', page)
    assert '<td class="target">https://example.com/in/postgres</td>' in page
    for _ in range(3):
        assert client.get(f"/{code}").headers["Location"] == "https://example.com/in/postgres"
    assert client.head(f"/{code}").status_code == 302  # counts nothing
    shown = client.get(f"/api/links/{code}").json
    assert shown["visits"] == 3
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", shown["created_at"])
    created = client.post("/api/links", json={"url": "https://b\u00fccher.de/"})
    other, token = created.json["code"], created.json["delete_token"]
    assert created.json["host_unicode"] == "b\u00fccher.de"
    mine = client.get("/api/links", headers={"Authorization": f"Bearer {token}"}).json
    assert [link["code"] for link in mine["links"]] == [other]
    assert (
        client.delete(f"/api/links/{other}", headers={"Authorization": "Bearer x"}).status_code
        == 403
    )
    assert (
        client.delete(
            f"/api/links/{other}", headers={"Authorization": f"Bearer {token}"}
        ).status_code
        == 204
    )
    assert client.get(f"/{other}").status_code == 404
    assert client.post(f"/{code}/delete").status_code == 303
    assert f"Deleted the short link http://localhost/{code}." in client.get("/").text
    assert query(url, "SELECT count(*) FROM links") == [(0,)]


def test_a_browser_lists_and_deletes_its_links_by_owner_in_postgres(app: App, url: str) -> None:
    browser, other = app.test_client(), app.test_client()
    codes = []
    for number in range(KEPT_IN_SESSION + 3):  # more than the session keeps
        assert browser.post("/", data={"url": f"https://example.com/{number}"}).status_code == 303
        codes.append(re.findall(r"localhost/(\w+)", browser.get("/").text)[0])
    listed = re.findall(r'<tr data-code="(\w+)">', browser.get("/").text)
    assert listed == codes[::-1]
    oldest = codes[0]
    assert other.post(f"/{oldest}/delete").status_code == 403
    assert browser.post(f"/{oldest}/delete").status_code == 303
    assert query(url, f"SELECT count(*) FROM links WHERE code = '{oldest}'") == [(0,)]
    # A link made before owner ids: its token, in the session, says whose it is.
    newest = codes[-1]
    run(url, f"UPDATE links SET owner_hash = NULL WHERE code = '{newest}'")
    assert re.findall(r'<tr data-code="(\w+)">', browser.get("/").text)[0] == newest
    assert other.post(f"/{newest}/delete").status_code == 403
    assert browser.post(f"/{newest}/delete").status_code == 303
    assert newest not in re.findall(r'<tr data-code="(\w+)">', browser.get("/").text)


def test_without_a_secret_key_the_app_refuses_to_start_on_postgres(url: str) -> None:
    # Each machine would make a key of its own, and a flash set on one would
    # be lost on the others: the app says so, and does not start.
    env = {**os.environ, "SHORTENER_DATABASE_URL": url}
    env.pop("SHORTENER_SECRET_KEY", None)
    imported = subprocess.run(
        [sys.executable, "-c", "import example_app"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert imported.returncode != 0
    assert "SHORTENER_DATABASE_URL is set but SHORTENER_SECRET_KEY is not" in imported.stderr
    served = subprocess.run(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            str(CONFIG),
            "-b",
            f"{HOST}:0",
            "example_app:app",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert served.returncode != 0
    assert "SHORTENER_SECRET_KEY" in served.stdout + served.stderr


def test_servers_starting_at_once_create_the_schema(url: str) -> None:
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def start() -> None:
        storage = PostgresLinks(url)
        barrier.wait()
        try:
            storage.ensure_schema()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    tables = query(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
    assert tables == [("links",), ("settings",)]


def test_init_db_creates_the_schema_from_several_hosts_at_once(url: str) -> None:
    env = {**os.environ, "SHORTENER_DATABASE_URL": url, "SHORTENER_SECRET_KEY": "k" * 64}
    command = [sys.executable, "-m", "framework", "command", "example_app", "init-db"]
    running = [
        subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(4)
    ]
    for process in running:
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        assert out == f"database ready: {url}\n".encode()
    tables = query(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
    assert tables == [("links",), ("settings",)]
    columns = query(
        url,
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_name = 'links' ORDER BY ordinal_position",
    )
    assert [name for (name,) in columns] == [
        "id", "code", "url", "created_at", "visits", "delete_token_hash", "owner_hash"
    ]  # fmt: skip


def test_the_gunicorn_master_makes_the_schema_on_one_connection_and_closes_it(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHORTENER_DATABASE_URL", url)
    monkeypatch.setenv("SHORTENER_SECRET_KEY", "k" * 64)
    before = set(threading.enumerate())
    runpy.run_path(str(CONFIG))["on_starting"](None)
    assert set(threading.enumerate()) == before  # no pool: no pool threads
    name = url.rsplit("/", 1)[1]
    others = query(
        url,
        "SELECT count(*) FROM pg_stat_activity"
        f" WHERE datname = '{name}' AND pid <> pg_backend_pid()",
    )
    assert others == [(0,)]


def test_a_password_is_never_shown() -> None:
    storage = PostgresLinks("postgresql://app:s3cret@db.example:5432/links")
    assert storage.location == "postgresql://app:***@db.example:5432/links"


def test_link_numbers_grow_and_are_never_reused(links: PostgresLinks) -> None:
    first, _ = links.create("https://example.com/1", "owner")
    second, _ = links.create("https://example.com/2", "owner")
    [(n1, _), (n2, _)] = links.made_by("owner", 0)
    assert n1 < n2
    assert links.newest() == (n2, second.code)
    assert links.delete(second.code)
    third, _ = links.create("https://example.com/3", "owner")
    numbers = [number for number, _ in links.made_by("owner", 0)]
    assert numbers[0] == n1 and numbers[1] > n2  # SQLite would give n2 again
    assert [link.code for _, link in links.made_by("owner", n1)] == [first.code, third.code]
    assert links.made_by("someone else", 0) == []


def test_visits_from_many_threads_are_all_counted(client: TestClient, app: App) -> None:
    code = client.post("/api/links", json={"url": "https://example.com/"}).json["code"]

    def visit() -> None:
        browser = app.test_client()
        for _ in range(20):
            assert browser.get(f"/{code}").status_code == 302

    threads = [threading.Thread(target=visit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert client.get(f"/api/links/{code}").json["visits"] == 160


def test_a_table_locked_past_the_timeout_is_a_503(client: TestClient, url: str) -> None:
    code = client.post("/api/links", json={"url": "https://example.com/"}).json["code"]
    with psycopg.connect(url) as other:
        other.execute("LOCK TABLE links IN ACCESS EXCLUSIVE MODE")
        created = client.post("/api/links", json={"url": "https://example.com/"})
        assert (created.status_code, created.headers["Retry-After"]) == (503, "5")
        assert "the database is locked" in created.json["error"]["detail"]
        visited = client.get(f"/{code}")
        assert (visited.status_code, visited.headers["Retry-After"]) == (503, "5")
        assert client.get("/readyz").json == {
            "status": "unavailable",
            "reason": "the database is locked",
        }
        other.rollback()
    assert client.get(f"/{code}").status_code == 302


def test_a_read_only_database_is_a_503_for_writes(
    client: TestClient, links: PostgresLinks, url: str
) -> None:
    code = client.post("/api/links", json={"url": "https://example.com/"}).json["code"]
    links.close()  # the next connections are new ones, and read-only
    name = url.rsplit("/", 1)[1]
    run(url, f"ALTER DATABASE {name} SET default_transaction_read_only = on")
    created = client.post("/api/links", json={"url": "https://example.com/"})
    assert created.status_code == 503
    assert "the database is read-only" in created.json["error"]["detail"]
    assert client.get(f"/{code}").status_code == 503  # a visit is counted: a write
    assert client.get(f"/api/links/{code}").status_code == 200
    assert client.get("/readyz").json["reason"] == "the database is read-only"


def test_a_server_out_of_reach_from_the_start_is_a_503(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Nothing listens there: not even the schema or the session key can be had.
    nowhere = PostgresLinks(f"postgresql://app@{HOST}:{free_port([HOST])}/app", timeout=1.0)
    monkeypatch.setattr(example_app.app, "links", nowhere)
    monkeypatch.setitem(example_app.app.config, "SECRET_KEY", None)
    client = example_app.app.test_client()
    page = client.get("/")
    assert (page.status_code, page.headers["Retry-After"]) == (503, "5")
    assert "the database cannot be reached" in page.text
    created = client.post("/api/links", json={"url": "https://example.com/"})
    assert created.json["error"]["status"] == 503
    assert client.get("/readyz").json == {
        "status": "unavailable",
        "reason": "the database cannot be reached",
    }
    assert client.get("/healthz").status_code == 200
    nowhere.close()


def test_a_stale_pooled_connection_is_replaced(client: TestClient, url: str) -> None:
    code = client.post("/api/links", json={"url": "https://example.com/"}).json["code"]
    # The server ends every session of the pool, as a restart or an idle timeout would.
    name = url.rsplit("/", 1)[1]
    ended = query(
        url,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        f" WHERE datname = '{name}' AND pid <> pg_backend_pid()",
    )
    assert ended and all(done for (done,) in ended)
    assert client.get(f"/{code}").status_code == 302
    assert client.get("/readyz").status_code == 200


def test_a_pool_inherited_across_a_fork_is_not_used(links: PostgresLinks) -> None:
    mine = links._pool_here()
    assert links._pool_here() is mine
    links._pool_pid = os.getpid() + 1  # as a child process sees the pool its parent made
    fresh = links._pool_here()
    try:
        assert fresh is not mine
        assert not mine.closed  # the parent's: left alone
    finally:
        mine.close()


# Two gunicorn instances sharing one database


@pytest.fixture(scope="module")
def shared() -> Iterator[tuple[Cluster, Server, Server]]:
    """A cluster of its own (the outage test stops it) and two instances on it."""
    with postgres_cluster() as pg:
        env = {
            "SHORTENER_DATABASE_URL": pg.dsn(),
            "SHORTENER_DATABASE_TIMEOUT": "1",
            # One key for both, as every machine of a deployment must have.
            "SHORTENER_SECRET_KEY": "a-key-both-instances-share-" + "x" * 40,
        }
        with (
            TemporaryFolders(2) as (first_folder, second_folder),
            # The first as in production, through the config file (on_starting makes
            # the schema); the second as the tests start the app, its workers making it.
            run_gunicorn(
                "example_app:app",
                "-c",
                str(CONFIG),
                workers=None,
                env={
                    **env,
                    "SHORTENER_INSTANCE": str(first_folder),
                    "WEB_CONCURRENCY": "2",
                    "SHORTENER_THREADS": "2",
                },
            ) as first,
            run_shortener(second_folder, env=env) as second,
        ):
            yield pg, first, second


class TemporaryFolders:
    """``count`` temporary folders, removed at the end."""

    def __init__(self, count: int) -> None:
        import tempfile

        self._folders = [tempfile.TemporaryDirectory(prefix="shortener-") for _ in range(count)]

    def __enter__(self) -> list[Path]:
        return [Path(folder.name) for folder in self._folders]

    def __exit__(self, *exc: object) -> None:
        for folder in self._folders:
            folder.cleanup()


class Browser:
    """One cookie jar, sent to whichever server: the same browser, behind a load balancer."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def send(
        self,
        server: Server,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        reply = request(server, method, path, body, headers)
        for header in reply.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";")[0]
        return reply


def test_a_link_made_on_one_instance_resolves_on_the_other(
    shared: tuple[Cluster, Server, Server],
) -> None:
    _, first, second = shared
    body = json.dumps({"url": "https://example.com/across"}).encode()
    created = request(first, "POST", "/api/links", body, JSON)
    assert created.status == 201, created.text
    code = created.json()["code"]
    for server in [second, first, second]:
        reply = request(server, "GET", f"/{code}")
        assert (reply.status, reply.headers["Location"]) == (302, "https://example.com/across")
    assert request(second, "GET", f"/api/links/{code}").json()["visits"] == 3


def test_a_flash_set_by_one_instance_is_shown_by_the_other(
    shared: tuple[Cluster, Server, Server],
) -> None:
    _, first, second = shared
    browser = Browser()
    form = urlencode({"url": "https://example.com/flashed"}).encode()
    assert browser.send(first, "POST", "/", form, FORM).status == 303
    page = browser.send(second, "GET", "/").text  # signed by the first, read by the second
    [code] = re.findall(rf'Your short link: <a [^>]*href="http://{HOST}:{first.port}/(\w+)"', page)
    assert f'<tr data-code="{code}">' in page
    deleted = browser.send(first, "POST", f"/{code}/delete")
    assert deleted.status == 303
    shown = f"http://{HOST}:{first.port}/{code}"
    assert f"Deleted the short link {shown}." in browser.send(second, "GET", "/").text


def test_while_the_database_is_stopped_both_answer_503_and_recover_by_themselves(
    shared: tuple[Cluster, Server, Server],
) -> None:
    pg, first, second = shared
    body = json.dumps({"url": "https://example.com/before"}).encode()
    code = request(first, "POST", "/api/links", body, JSON).json()["code"]
    pg.stop()
    try:
        for server in (first, second):
            for _ in range(2):  # whichever worker answers
                ready = request(server, "GET", "/readyz")
                assert (ready.status, ready.headers["Retry-After"]) == (503, "5")
                assert ready.json() == {
                    "status": "unavailable",
                    "reason": "the database cannot be reached",
                }
                assert request(server, "GET", "/healthz").json() == {"status": "ok"}
            created = request(server, "POST", "/api/links", body, JSON)
            assert (created.status, created.headers["Retry-After"]) == (503, "5")
            assert created.headers.get_content_type() == "application/json"
            assert created.json()["error"]["status"] == 503
            form = urlencode({"url": "https://example.com/during"}).encode()
            page = request(server, "POST", "/", form, FORM)
            assert (page.status, page.headers["Retry-After"]) == (503, "5")
            assert page.headers.get_content_type() == "text/html"
            assert request(server, "GET", f"/{code}").status == 503
    finally:
        pg.start()

    def ready_everywhere() -> bool:
        # Several answers in a row from each, so that every worker has recovered.
        return all(
            request(server, "GET", "/readyz").status == 200
            for server in (first, second)
            for _ in range(4)
        )

    wait_for(ready_everywhere, "both instances ready again", timeout=30)
    for server in (first, second):
        assert request(server, "GET", f"/{code}").status == 302
        assert request(server, "POST", "/api/links", body, JSON).status == 201
    assert "Traceback" not in first.output() + second.output()
