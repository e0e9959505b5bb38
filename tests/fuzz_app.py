"""A fuzz target: requests built from random bytes, through the whole app.

atheris (libFuzzer for Python) feeds ``one_input`` bytes; they become a
method, a path, a query string, headers, cookies and a body, in a WSGI
environ, and the app answers. The properties: every input ends as a
response with a status below 500 (or a 501 for a method HTTP does not
define), which carries the security headers; a
403 comes only from the cross-origin check (a method that changes things,
with Origin or Sec-Fetch-Site); a path holding a control character or a
dot segment never reaches a view. An exception out of the adapter, or a
broken property, is a crash, and libFuzzer saves the input that caused it.

Not part of the test run. Run it with::

    pip install -e '.[fuzz]'
    python tests/fuzz_app.py -max_total_time=60

(``.ci/run`` does, for 60 seconds).
"""

from __future__ import annotations

import re
import sys
from typing import Any

import atheris

with atheris.instrument_imports():
    from framework import App, Request, Router, flash, get_flashed_messages
    from framework.routes import STANDARD_METHODS

from wsgi_calls import call, environ_for

METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE", "X"]
CONTENT_TYPES = [
    "application/json",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=b",
    "multipart/form-data",
    "text/plain",
    "",
]


def make_app() -> App:
    app = App("fuzz_app", static_folder=None)
    app.config["SECRET_KEY"] = "fuzzing"
    app.config["MAX_BODY_SIZE"] = 64 * 1024
    app.config["CONTENT_SECURITY_POLICY"] = "script-src 'nonce-{nonce}'"
    app.config["HSTS_MAX_AGE"] = 600

    @app.route("/", methods=METHODS[:-2])
    def everything(request: Request) -> dict[str, Any]:
        """Read every part of the request, as an app might."""
        result: dict[str, Any] = {
            "query": dict(request.query),
            "headers": dict(request.headers.items()),
            "cookies": dict(request.cookies),
            "url": request.url,
            "host": request.host,
            "length": request.content_length,
            "session": dict(request.session),
        }
        if request.mimetype == "application/json":
            result["json"] = repr(request.json)
        else:
            result["form"] = {name: request.form.getlist(name) for name in request.form}
            result["files"] = [storage.filename for storage in request.files.values()]
        seen_paths.append(request.path)
        flash(request, "seen")
        result["flashes"] = get_flashed_messages(request)
        return result

    @app.get("/items/<int:number>/<name>.<ext>")
    def item(request: Request, number: int, name: str, ext: str) -> str:
        return f"{number} {name} {ext}"

    @app.get("/files/<path:rest>")
    def files(request: Request, rest: str) -> str:
        seen_paths.append(request.path)
        return rest

    @app.post("/hook", allow_cross_origin=True)
    def hook(request: Request) -> str:
        return "ok"

    strict = App("fuzz_strict", static_folder=None)
    strict.config["TRUSTED_HOSTS"] = ["example.com", ".example.org"]
    strict.get("/")(lambda request: request.host)
    app.mount("/strict", strict)

    api = Router(name="api")
    api.add_route("/things/<uuid:thing>", lambda request, thing: str(thing), ["GET"], "thing")
    app.include(api, prefix="/api")
    return app


#: The paths the views saw, for the clean-path property.
seen_paths: list[str] = []
APP = make_app()
PATHS = ["/", "/items/3/a.txt", "/files/a/b", "/api/things/", "/api", "/hook", "/strict/", "/"]
SITES = ["same-origin", "same-site", "cross-site", "none", ""]
UNCLEAN = re.compile(r"[\x00-\x1f]|(?:^|/)\.\.?(?:/|$)")


def environ_from(data: bytes) -> dict[str, Any]:
    fuzz = atheris.FuzzedDataProvider(data)
    path = fuzz.PickValueInList(PATHS)
    if fuzz.ConsumeBool():
        path += fuzz.ConsumeUnicodeNoSurrogates(40)
    body = fuzz.ConsumeBytes(fuzz.ConsumeIntInRange(0, 2048))
    content_length = str(len(body)) if fuzz.ConsumeBool() else fuzz.ConsumeBytes(4)
    headers = {
        "CONTENT_TYPE": fuzz.PickValueInList(CONTENT_TYPES) + latin1(fuzz.ConsumeBytes(8)),
        "CONTENT_LENGTH": content_length
        if isinstance(content_length, str)
        else latin1(content_length),
        "HTTP_HOST": latin1(fuzz.ConsumeBytes(20)),
        "HTTP_COOKIE": latin1(fuzz.ConsumeBytes(80)),
        "HTTP_ACCEPT": fuzz.PickValueInList(["application/json", "text/html", "*/*", ""]),
        "HTTP_X_ANY": latin1(fuzz.ConsumeBytes(30)),
    }
    if fuzz.ConsumeBool():
        headers["HTTP_ORIGIN"] = fuzz.PickValueInList(["http://", "null", ""]) + latin1(
            fuzz.ConsumeBytes(20)
        )
    if fuzz.ConsumeBool():
        headers["HTTP_SEC_FETCH_SITE"] = fuzz.PickValueInList(SITES)
    return environ_for(
        method=fuzz.PickValueInList(METHODS),
        # A WSGI server hands the path over as latin-1 text.
        path=path.encode("utf-8", "surrogatepass").decode("latin-1"),
        query=latin1(fuzz.ConsumeBytes(60)),
        body=body,
        headers=headers,
    )


def latin1(data: bytes) -> str:
    return data.decode("latin-1")


def one_input(data: bytes) -> None:
    environ = environ_from(data)
    seen_paths.clear()
    answer, _ = call(APP, environ)
    # A 501 is the right answer to a method no route takes and HTTP does not define.
    not_implemented = answer.code == 501 and environ["REQUEST_METHOD"] not in STANDARD_METHODS
    if answer.code >= 500 and not not_implemented:
        raise AssertionError(f"the app answered {answer.status}")
    if ("X-Content-Type-Options", "nosniff") not in answer.headers:
        raise AssertionError(f"{answer.status} without the security headers")
    browser = "HTTP_ORIGIN" in environ or "HTTP_SEC_FETCH_SITE" in environ
    if answer.code == 403 and (
        environ["REQUEST_METHOD"] in ("GET", "HEAD", "OPTIONS") or not browser
    ):
        raise AssertionError("a 403 that the cross-origin check should not have given")
    for path in seen_paths:
        if UNCLEAN.search(path):
            raise AssertionError(f"a view saw the path {path!r}")


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
