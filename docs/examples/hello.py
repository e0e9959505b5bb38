"""The app of docs/how-http-works.md: a page, a JSON answer and a streamed body.

Run its commands from this folder, for instance ``framework trace hello GET /``.
"""

from framework import App, Response

app = App(__name__)


@app.get("/")
def index(request):
    return "<h1>Hello</h1>\n"


@app.post("/greetings")
def greet(request):
    name = request.json["name"]
    return {"greeting": f"Hello, {name}!"}, 201


@app.get("/countdown")
def countdown(request):
    # A generator: the length is not known before the body is sent.
    lines = (f"{number}...\n".encode() for number in (3, 2, 1))
    return Response(lines, content_type="text/plain; charset=utf-8")
