"""The app ``test_validation.py`` serves with a real gunicorn: validated JSON and queries.

gunicorn imports it as ``validation_app:app`` (with this directory on ``PYTHONPATH``).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from framework import App, Request

app = App("validation_app", static_folder=None)


class Author(BaseModel):
    name: str = Field(min_length=1)


class Book(BaseModel):
    title: str
    year: int
    tags: list[str] = []
    author: Author


class Search(BaseModel):
    q: str
    tag: list[str] = []
    page: int = 1


@app.post("/books")
def create_book(request: Request) -> tuple[dict[str, Any], int]:
    book = request.json_as(Book)
    return book.model_dump(), 201


@app.get("/search")
def search(request: Request) -> dict[str, Any]:
    return request.query_as(Search).model_dump()
