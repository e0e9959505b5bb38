"""Validated input: json_as, form_as and query_as, in-process and over a real gunicorn."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from collections.abc import Iterator, Sequence
from typing import Annotated, Any, Optional

import pytest
from pydantic import AliasChoices, AliasPath, BaseModel, ConfigDict, Field, field_validator
from servers import ROOT, Server, request, run_gunicorn
from typing_extensions import NotRequired, TypedDict
from werkzeug.test import EnvironBuilder

from framework import App, Request, Response, ValidationFailed, redirect, render_string
from framework.validation import takes_many, target_for

JSON = {"Accept": "application/json"}


class Author(BaseModel):
    name: str = Field(min_length=1)


class Book(BaseModel):
    title: str
    year: int
    tags: list[str] = []
    author: Author | None = None


@dataclasses.dataclass
class BookData:
    title: str
    year: int
    tags: list[str] = dataclasses.field(default_factory=list)


class BookDict(TypedDict):
    title: str
    year: int
    tags: NotRequired[list[str]]


class Search(BaseModel):
    q: str
    tag: list[str] = []
    page: int = 1
    exact: bool = False


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")
    q: str


class Signup(BaseModel):
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    age: int = Field(ge=13)
    topics: set[str] = set()
    terms: bool

    @field_validator("terms")
    @classmethod
    def must_accept(cls, value: bool) -> bool:
        if not value:
            raise ValueError("accept the <terms> first")
        return value


def error_of(response: Any) -> dict[str, Any]:
    """The "error" object of a JSON error response, checked for the 422 shape."""
    assert response.status_code == 422, response.text
    assert response.content_type == "application/json"
    document = response.json
    assert set(document) == {"error"}
    error: dict[str, Any] = document["error"]
    assert (error["status"], error["reason"]) == (422, "Unprocessable Content")
    return error


@pytest.fixture
def book_app(app: App) -> App:
    """Routes that build each kind of model from the JSON body and say what they got."""
    for path, model in [("/model", Book), ("/dataclass", BookData), ("/typeddict", BookDict)]:

        def create(request: Request, model: Any = model) -> Response:
            book = request.json_as(model)
            kind = "dict" if isinstance(book, dict) else type(book).__name__
            if isinstance(book, BaseModel):
                fields = book.model_dump()
            else:
                fields = book if isinstance(book, dict) else dataclasses.asdict(book)
            return Response.json({"kind": kind, "book": fields}, status=201)

        app.post(path, name=path.strip("/"))(create)
    return app


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        pytest.param("/model", "Book", id="base-model"),
        pytest.param("/dataclass", "BookData", id="dataclass"),
        pytest.param("/typeddict", "dict", id="typeddict"),
    ],
)
def test_a_valid_json_body_reaches_the_view_as_the_model(
    book_app: App, path: str, kind: str
) -> None:
    sent = {"title": "Dune", "year": "1965", "tags": ["sf"]}
    response = book_app.test_client().post(path, json=sent)
    assert response.status_code == 201, response.text
    assert response.json["kind"] == kind
    # Lax mode: the text "1965" is the number 1965.
    assert {k: response.json["book"][k] for k in sent} == {**sent, "year": 1965}


@pytest.mark.parametrize("path", ["/model", "/dataclass", "/typeddict"])
def test_an_invalid_json_body_is_a_422_that_lists_each_field(book_app: App, path: str) -> None:
    sent = {"year": "soon", "tags": ["sf", 7]}
    error = error_of(book_app.test_client().post(path, json=sent, headers=JSON))
    assert error["detail"] == "the JSON body has 3 invalid fields"
    fields = {field["field"]: field["message"] for field in error["fields"]}
    assert set(fields) == {"title", "year", "tags.1"}
    assert fields["title"] == "Field required"
    assert "valid integer" in fields["year"]
    assert "valid string" in fields["tags.1"]


def test_nested_fields_are_named_by_their_path(book_app: App) -> None:
    sent = {"title": "Dune", "year": 1965, "author": {"name": ""}}
    error = error_of(book_app.test_client().post("/model", json=sent, headers=JSON))
    assert [field["field"] for field in error["fields"]] == ["author.name"]
    assert "at least 1 character" in error["fields"][0]["message"]


def test_json_that_is_not_an_object_is_a_422_about_the_whole_body(book_app: App) -> None:
    error = error_of(book_app.test_client().post("/model", json=["Dune"], headers=JSON))
    assert [field["field"] for field in error["fields"]] == [""]
    assert error["detail"].startswith("the JSON body is not what this URL accepts: ")


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        pytest.param("{", "application/json", 400, id="malformed"),
        pytest.param("", "application/json", 400, id="empty"),
        pytest.param("[NaN]", "application/json", 400, id="nan"),
        pytest.param('{"title": "Dune"}', "text/plain", 415, id="not-declared-json"),
    ],
)
def test_a_body_that_cannot_be_read_is_what_request_json_says(
    book_app: App, body: str, content_type: str, status: int
) -> None:
    # 400/415: the body could not be read at all; 422 is for content read but wrong.
    response = book_app.test_client().post(
        "/model", data=body, content_type=content_type, headers=JSON
    )
    assert response.status_code == status
    assert response.json["error"]["status"] == status
    assert "fields" not in response.json["error"]


def test_the_html_page_lists_each_field_and_message_escaped(app: App) -> None:
    app.post("/signup")(lambda request: repr(request.form_as(Signup)))
    sent = {"email": "ada", "age": "12", "terms": "off"}
    response = app.test_client().post("/signup", data=sent)
    assert response.status_code == 422
    assert response.content_type == "text/html; charset=utf-8"
    page = response.text
    assert "<h1>422 Unprocessable Content</h1>" in page
    assert "<p>the form has 3 invalid fields</p>" in page
    assert "<li><strong>email</strong>: String should match pattern" in page
    assert "<li><strong>age</strong>: Input should be greater than or equal to 13</li>" in page
    assert "accept the &lt;terms&gt; first" in page
    assert "<terms>" not in page


def test_a_list_field_takes_every_value_of_a_repeated_key(app: App) -> None:
    app.get("/search")(lambda request: request.query_as(Search).model_dump())
    client = app.test_client()
    found = client.get("/search?q=wsgi&tag=http&tag=python&page=3&exact=yes").json
    assert found == {"q": "wsgi", "tag": ["http", "python"], "page": 3, "exact": True}
    one_tag = client.get("/search?q=wsgi&tag=http").json
    assert one_tag == {"q": "wsgi", "tag": ["http"], "page": 1, "exact": False}


def test_a_scalar_field_given_twice_is_a_422_naming_it(app: App) -> None:
    app.get("/search")(lambda request: request.query_as(Search).model_dump())
    error = error_of(app.test_client().get("/search?q=a&q=b&page=x&page=y", headers=JSON))
    assert error["detail"] == "the query string has 2 invalid fields"
    assert error["fields"] == [
        {"field": "q", "message": "given 2 times; this field takes one value"},
        {"field": "page", "message": "given 2 times; this field takes one value"},
    ]


def test_a_repeated_field_and_other_problems_are_reported_together(app: App) -> None:
    app.get("/search")(lambda request: request.query_as(Search).model_dump())
    error = error_of(app.test_client().get("/search?page=1&page=2", headers=JSON))
    assert error["fields"] == [
        {"field": "page", "message": "given 2 times; this field takes one value"},
        {"field": "q", "message": "Field required"},
    ]


def test_unknown_keys_follow_the_models_config(app: App) -> None:
    app.get("/search")(lambda request: request.query_as(Search).model_dump())
    app.get("/strict", name="strict")(lambda request: request.query_as(Strict).model_dump())
    client = app.test_client()
    # Ignored by default, even when repeated: they are no field of the model.
    assert client.get("/search?q=a&utm=x&utm=y").json["q"] == "a"
    error = error_of(client.get("/strict?q=a&utm=x", headers=JSON))
    assert error["fields"] == [{"field": "utm", "message": "Extra inputs are not permitted"}]


def test_a_form_view_catches_the_failure_and_shows_the_messages(app: App) -> None:
    page = """<form method="post">
{% for name in ["email", "age", "terms"] %}
<input name="{{ name }}">
{%- if errors[name] %}<span class="error">{{ errors[name] }}</span>{% endif %}
{% endfor %}</form>"""

    @app.route("/signup", methods=["GET", "POST"])
    def signup(request: Request) -> Any:
        errors: dict[str, str] = {}
        if request.method == "POST":
            try:
                user = request.form_as(Signup)
            except ValidationFailed as failed:
                errors = {field["field"]: field["message"] for field in failed.fields}
            else:
                return redirect(f"/welcome?email={user.email}&topics={len(user.topics)}", 303)
        answer = render_string(request, page, errors=errors)
        answer.status = 422 if errors else 200
        return answer

    client = app.test_client()
    blank = client.get("/signup")
    assert (blank.status_code, blank.text.count('class="error"')) == (200, 0)
    refused = client.post("/signup", data={"email": "ada@example.org", "age": "twelve"})
    assert refused.status_code == 422
    assert '<input name="email">\n' in refused.text
    assert '<input name="age"><span class="error">Input should be a valid integer' in refused.text
    assert '<input name="terms"><span class="error">Field required</span>' in refused.text
    accepted = client.post(
        "/signup",
        data={"email": "ada@example.org", "age": "36", "terms": "on", "topics": ["a", "b", "a"]},
    )
    assert accepted.status_code == 303
    assert accepted.headers["Location"] == "/welcome?email=ada@example.org&topics=2"


def test_an_error_handler_for_validation_failed_shapes_the_answer(app: App) -> None:
    app.get("/search")(lambda request: request.query_as(Search).model_dump())

    @app.errorhandler(ValidationFailed)
    def invalid(request: Request, error: ValidationFailed) -> tuple[dict[str, Any], int]:
        return {"problems": [f"{f['field']}: {f['message']}" for f in error.fields]}, 400

    response = app.test_client().get("/search")
    assert (response.status_code, response.json) == (400, {"problems": ["q: Field required"]})


def test_a_view_may_raise_validation_failed_itself(app: App) -> None:
    @app.post("/users")
    def create(request: Request) -> Any:
        raise ValidationFailed([{"field": "email", "message": "is taken"}])

    error = error_of(app.test_client().post("/users", headers=JSON))
    assert error["detail"] == "the request has 1 invalid field"
    assert error["fields"] == [{"field": "email", "message": "is taken"}]


def test_aliases_and_optional_lists_are_read_from_the_query(app: App) -> None:
    class Filter(BaseModel):
        kind: str = Field(alias="type")
        ids: Annotated[Optional[list[int]], Field(max_length=3)] = None  # noqa: UP045

    app.get("/filter")(lambda request: request.query_as(Filter).model_dump())
    client = app.test_client()
    assert client.get("/filter?type=a&ids=1&ids=2").json == {"kind": "a", "ids": [1, 2]}
    error = error_of(client.get("/filter?type=a&type=b", headers=JSON))
    assert error["fields"][0]["field"] == "type"


def test_validation_aliases_are_read_from_the_query_as_their_fields(app: App) -> None:
    class Search(BaseModel):
        tags: list[str] = Field([], validation_alias="tag")
        page: int = Field(1, validation_alias=AliasChoices("page", "p"))
        sort: str = Field("new", validation_alias=AliasPath("order", 0))

    app.get("/search")(lambda request: request.query_as(Search).model_dump())
    client = app.test_client()
    assert client.get("/search?tag=a&tag=b&p=2").json == {
        "tags": ["a", "b"],
        "page": 2,
        "sort": "new",
    }
    assert client.get("/search?tag=a").json["tags"] == ["a"]
    error = error_of(client.get("/search?p=1&p=2", headers=JSON))
    assert error["fields"] == [
        {"field": "p", "message": "given 2 times; this field takes one value"}
    ]


def test_a_typing_typed_dict_pydantic_cannot_read_is_a_type_error_naming_it(app: App) -> None:
    import typing

    if sys.version_info >= (3, 12):
        pytest.skip("pydantic reads typing.TypedDict from Python 3.12 on")

    class Old(typing.TypedDict):
        title: str

    request = Request(EnvironBuilder(query_string="title=x").get_environ())
    with pytest.raises(TypeError, match=r"query_as\(.*Old\): .*typing_extensions.TypedDict"):
        request.query_as(Old)


def test_typed_dicts_and_dataclasses_read_forms_too(app: App) -> None:
    app.post("/dataclass")(lambda request: dataclasses.asdict(request.form_as(BookData)))
    app.post("/typeddict", name="typeddict")(lambda request: dict(request.form_as(BookDict)))
    client = app.test_client()
    form = {"title": "Dune", "year": "1965", "tags": ["sf", "classic"]}
    expected = {"title": "Dune", "year": 1965, "tags": ["sf", "classic"]}
    assert client.post("/dataclass", data=form).json == expected
    assert client.post("/typeddict", data=form).json == expected
    error = error_of(client.post("/typeddict", data={"title": ["a", "b"]}, headers=JSON))
    assert [field["field"] for field in error["fields"]] == ["title", "year"]


class Plain:
    title: str


@pytest.mark.parametrize("model", [Plain, int, dict[str, int]])
def test_a_model_of_another_kind_is_a_type_error_that_names_it(model: Any) -> None:
    environ = EnvironBuilder(json={"title": "x"}).get_environ()
    with pytest.raises(TypeError, match=r"json_as\((Plain|int|dict\[str, int\])\): .*BaseModel"):
        Request(environ).json_as(model)


@pytest.mark.parametrize(
    ("kind", "many"),
    [
        pytest.param(list[int], True, id="list"),
        pytest.param(set[str], True, id="set"),
        pytest.param(tuple[int, ...], True, id="tuple"),
        pytest.param(Sequence[str], True, id="sequence"),
        pytest.param(list, True, id="bare-list"),
        pytest.param(list[str] | None, True, id="optional-list"),
        pytest.param(Annotated[list[str], "x"], True, id="annotated-list"),
        pytest.param(str, False, id="str"),
        pytest.param(bytes, False, id="bytes"),
        pytest.param(int | None, False, id="optional-int"),
        pytest.param(dict[str, str], False, id="dict"),
        pytest.param(Any, False, id="any"),
    ],
)
def test_which_fields_take_several_values(kind: Any, many: bool) -> None:
    assert takes_many(kind) is many


def test_what_a_model_needs_is_worked_out_once() -> None:
    first = target_for(Search, "query_as")
    assert target_for(Search, "query_as") is first
    assert first.collections == {"tag"}


def run_python(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_importing_framework_does_not_import_pydantic() -> None:
    code = "import sys, framework; print('pydantic' in sys.modules)"
    assert run_python(code).strip() == "False"


def test_without_pydantic_the_error_says_what_to_install() -> None:
    code = """
import dataclasses, sys
sys.modules["pydantic"] = None  # as if it were not installed
from werkzeug.test import EnvironBuilder
from framework import Request

@dataclasses.dataclass
class Note:
    title: str

try:
    Request(EnvironBuilder(json={"title": "x"}).get_environ()).json_as(Note)
except ImportError as error:
    print(error)
"""
    assert run_python(code).strip() == (
        "validating into Note needs pydantic, which is not installed: "
        "pip install 'framework[validation]'"
    )


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with run_gunicorn("validation_app:app") as srv:
        yield srv


def test_over_gunicorn_a_valid_body_is_created_and_an_invalid_one_listed(server: Server) -> None:
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    book = {"title": "Dune", "year": 1965, "author": {"name": "Frank Herbert"}}
    created = request(server, "POST", "/books", json.dumps(book).encode(), headers)
    assert (created.status, created.json()) == (201, {**book, "tags": []})

    wrong = {"title": "Dune", "year": "soon", "tags": ["sf", 1], "author": {"name": ""}}
    refused = request(server, "POST", "/books", json.dumps(wrong).encode(), headers)
    assert (refused.status, refused.reason) == (422, "Unprocessable Content")
    assert refused.headers.get_content_type() == "application/json"
    error = refused.json()["error"]
    assert error["detail"] == "the JSON body has 3 invalid fields"
    assert [field["field"] for field in error["fields"]] == ["year", "tags.1", "author.name"]

    unreadable = request(server, "POST", "/books", b"{", headers)
    assert unreadable.status == 400


def test_over_gunicorn_queries_take_lists_and_refuse_a_repeated_scalar(server: Server) -> None:
    found = request(server, "GET", "/search?q=wsgi&tag=a&tag=b&page=2")
    assert (found.status, found.json()) == (200, {"q": "wsgi", "tag": ["a", "b"], "page": 2})
    twice = request(server, "GET", "/search?q=a&q=b", headers={"Accept": "application/json"})
    assert twice.status == 422
    assert twice.json()["error"]["fields"] == [
        {"field": "q", "message": "given 2 times; this field takes one value"}
    ]
    page = request(server, "GET", "/search?q=a&q=b")
    assert page.status == 422
    assert "<li><strong>q</strong>: given 2 times; this field takes one value</li>" in page.text
