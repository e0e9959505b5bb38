"""Where the time goes: two pieces of the hello request, ours against Falcon's.

``bench/hello.py`` times whole requests. This script times the two pieces
where Falcon leaves us behind on that workload, in the same process:

- matching ``/hello/584/test`` against the route ``/hello/<account_id>/test``
  (Falcon's ``CompiledRouter`` turns its routing table into Python source at
  start-up and returns the resource with its method map; our ``Router`` walks
  a tree of segments and also picks the view for the method);
- parsing the query string ``limit=10&thing=ab`` (Falcon's parser is compiled
  with Cython; ours is plain Python).

Run: ``python bench/parts.py``. Prints the best of several timeit repeats, in ns.
"""

from __future__ import annotations

import timeit
from collections.abc import Callable
from typing import Any

NUMBER = 200_000
REPEAT = 7


def best_ns(function: Callable[[], Any]) -> float:
    """The fastest of REPEAT runs of NUMBER calls, in ns per call."""
    return min(timeit.repeat(function, number=NUMBER, repeat=REPEAT)) / NUMBER * 1e9


def main() -> None:
    from falcon.routing import CompiledRouter
    from falcon.util.uri import parse_query_string

    from framework.environ import parse_query
    from framework.routing import Router

    class Resource:
        def on_get(self, req: Any, resp: Any, account_id: str) -> None:
            """A Falcon responder; never called here."""

    falcon_router = CompiledRouter()
    falcon_router.add_route("/hello/{account_id}/test", Resource())
    falcon_router.find("/hello/1/test")  # compiles the routing table
    our_router = Router()
    our_router.add_route("/hello/<account_id>/test", lambda request, account_id: None, name="h")

    rows = [
        ("route match", "falcon", lambda: falcon_router.find("/hello/584/test")),
        ("route match", "ours", lambda: our_router.match("GET", "/hello/584/test")),
        ("query parse", "falcon", lambda: parse_query_string("limit=10&thing=ab")),
        ("query parse", "ours", lambda: parse_query("limit=10&thing=ab")),
    ]
    print(f"{'piece':12s} {'contender':10s} {'ns per call':>12s}")
    for piece, contender, function in rows:
        print(f"{piece:12s} {contender:10s} {best_ns(function):12.0f}")


if __name__ == "__main__":
    main()
