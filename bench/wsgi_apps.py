"""The hello workload's apps for a real server: ``gunicorn wsgi_apps:app``.

Which contender, and how large a body, come from the environment:
``BENCH_CONTENDER`` (ours, ours-compiled, falcon, bottle, flask, wsgi,
wsgi-our-headers) and ``BENCH_BODY_BYTES`` (default 10240).
``bench/server.py`` sets both.

``ours-compiled`` is our app, refused unless the compiled build is the one
imported: a silent fallback to pure Python must not pass for it.
``wsgi-our-headers`` is the plain function sending, beside its own three
headers, the five that our responses carry by default (the security headers
and ``X-Request-ID``): the server's cost of writing them, without a framework.
"""

import os
from collections.abc import Iterable
from typing import Any

import builds
import hello


def with_our_headers(app: Any) -> Any:
    """Wrap a WSGI app so that every response also carries our default headers."""
    from framework.requestids import REQUEST_ID_HEADER
    from framework.security import DEFAULT_SECURITY_HEADERS

    extra = [(name, value) for name, value in DEFAULT_SECURITY_HEADERS.items() if value]
    extra.append((REQUEST_ID_HEADER, "0" * 32))  # as long as the ids we make

    def wrapped(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            return start_response(status, [*headers, *extra], exc_info)

        body: Iterable[bytes] = app(environ, start)
        return body

    return wrapped


hello.BODY = (hello.BODY * 100)[: int(os.environ.get("BENCH_BODY_BYTES", "10240"))]

contender = os.environ.get("BENCH_CONTENDER", "ours")
if contender == "ours-compiled":
    builds.check_build("compiled", "ours")
    app = hello.CONTENDERS["ours"][0]()
elif contender == "wsgi-our-headers":
    app = with_our_headers(hello.CONTENDERS["wsgi"][0]())
else:
    app = hello.CONTENDERS[contender][0]()
