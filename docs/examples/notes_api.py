"""The app of docs/cors.md: a JSON API that a front end on another origin may call.

Run its commands from this folder, for instance
``framework trace notes_api OPTIONS /api/notes -H "Origin: http://127.0.0.1:9000"``.
"""

from framework import App, Router

api = Router(name="api")


@api.get("/notes")
def list_notes(request):
    return {"notes": ["buy tea"]}


@api.post("/notes")
def add_note(request):
    return {"added": request.json["text"]}, 201


# The front end, served from another port, may read the answers and send notes.
api.cors(["http://127.0.0.1:9000"], headers=["Authorization"], max_age=600)

app = App(__name__)
app.include(api, prefix="/api")


@app.post("/feedback")
def feedback(request):
    """A form of the site itself: other sites' pages may not post to it."""
    return "thanks"
