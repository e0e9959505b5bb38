"""A WSGI app that says which host answered, for the multi-host infrastructure tests.

Each host's gunicorn is started with ``HOST_NAME`` in its environment;
``GET /`` answers it, with the address the request came from and the
network interfaces the server sees: inside a host's namespace only ``lo``
and ``eth0``, which proves it is not running in the root namespace.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable, Iterable
from typing import Any


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    body = json.dumps(
        {
            "host": os.environ.get("HOST_NAME", ""),
            "remote_addr": environ.get("REMOTE_ADDR", ""),
            "interfaces": sorted(name for _, name in socket.if_nameindex()),
            "pid": os.getpid(),
        }
    ).encode()
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]
