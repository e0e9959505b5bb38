"""Shared fixtures: ``app`` here; ``client`` comes from framework's own pytest plugin."""

from __future__ import annotations

import pytest

from framework import App


@pytest.fixture
def app() -> App:
    """A fresh app with no routes; tests add the routes they need."""
    return App(__name__)
