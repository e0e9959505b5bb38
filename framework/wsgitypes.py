"""The shapes of PEP 3333's callables, as type aliases.

A WSGI application is a callable ``app(environ, start_response)``:

- ``environ`` is a dict the server fills in for one request: CGI-style keys
  (``REQUEST_METHOD``, ``PATH_INFO``, ``HTTP_ACCEPT``, ...) and ``wsgi.*``
  keys (``wsgi.input``, the stream the body is read from);
- ``start_response(status, headers, exc_info=None)`` takes the status line
  (``"200 OK"``) and the headers as a list of ``(name, value)`` pairs; it
  returns a legacy ``write(bytes)`` function that new code does not use. An
  app that fails after starting the response calls it again with
  ``exc_info``, the ``sys.exc_info()`` triple, to say so;
- the app returns the body: an iterable of bytes, whose ``close()`` (if it
  has one) the server calls when it is done with it.

Every layer that speaks WSGI (the adapter, a session layer wrapping a WSGI
response) takes its names from here, so none of them imports another for
its types.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any

#: One request, as the server hands it over.
Environ = dict[str, Any]
#: The ``sys.exc_info()`` triple that ``start_response`` takes after a failure.
ExcInfo = tuple[type[BaseException], BaseException, TracebackType]
#: ``start_response(status, headers, exc_info=None)``, returning ``write(bytes)``.
StartResponse = Callable[..., Callable[[bytes], object]]
#: ``app(environ, start_response)``, returning the body as bytes chunks.
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]
