"""Route tables for the benchmarks: real APIs from ``../shared/bench-data``, and synthetic ones.

A table is a list of ``TableRoute(method, pattern, test_path)`` with patterns
written ``/repos/{owner}/{repo}`` (Falcon's and the data's syntax); each
contender's adapter rewrites them into its own syntax.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Where the route tables live; BENCH_DATA overrides it.
DATA = Path(os.environ.get("BENCH_DATA", ROOT.parent / "shared" / "bench-data")) / "routes"
REAL_TABLES = ("github", "gplus", "parse", "static")
SYNTHETIC_SIZES = (10, 100, 1000, 10000)


@dataclass(frozen=True)
class TableRoute:
    method: str
    pattern: str
    test_path: str

    @property
    def is_static(self) -> bool:
        return "{" not in self.pattern


def load(name: str) -> list[TableRoute]:
    """Load a real API's table: github, gplus, parse or static."""
    data = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    return [TableRoute(r["method"], r["path"], r["test_path"]) for r in data["routes"]]


def synthetic(size: int) -> list[TableRoute]:
    """A table of ``size`` routes: half static, half with one or two parameters.

    Route ``i`` is ``GET /resource{i}/{id}/sub{j}`` (one parameter),
    ``GET /static{i}/list`` (none) or ``PUT /resource{i}/{id}/{part}``
    (two), in turn, so the table grows in width as real APIs do.
    """
    routes = []
    for i in range(size):
        kind = i % 3
        if kind == 0:
            routes.append(
                TableRoute("GET", f"/resource{i}/{{id}}/sub{i % 7}", f"/resource{i}/42/sub{i % 7}")
            )
        elif kind == 1:
            routes.append(TableRoute("GET", f"/static{i}/list", f"/static{i}/list"))
        else:
            routes.append(
                TableRoute("PUT", f"/resource{i}/{{id}}/{{part}}", f"/resource{i}/42/abc")
            )
    return routes


def not_allowed(table: list[TableRoute]) -> tuple[str, str]:
    """A (method, path) whose path exists but not for that method: a 405."""
    methods_by_path: dict[str, set[str]] = {}
    for route in table:
        methods_by_path.setdefault(route.test_path, set()).add(route.method)
    for route in reversed(table):
        for method in ("PATCH", "DELETE", "PUT", "POST", "GET"):
            if method not in methods_by_path[route.test_path]:
                return method, route.test_path
    raise ValueError("every path takes every method")
