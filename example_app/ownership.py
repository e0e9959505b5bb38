"""Whose link is whose: delete tokens and owner ids, in sessions and Authorization headers.

Making a link makes a delete token, a random secret that only its maker
gets; the table keeps only its hash. Whoever holds the token, or the
browser that made the link, may delete it, and sees it listed; nobody else does.

- A program gets the token once, in the 201 of ``POST /api/links``, and
  sends it back as ``Authorization: Bearer <token>`` (RFC 6750).
- A browser gets an owner id in its session with its first link (through
  the form, or the API from a page that sends cookies); the table keeps its
  hash beside each link the browser makes. The home page lists the links
  of that hash, each with a button that deletes it, and the stream of new
  links (``GET /api/links/events``) sends a browser its own.
- The browser's session also keeps the codes and tokens of its newest
  links (``KEPT_IN_SESSION``): a session from before owner ids has only
  those, and its page lists and deletes those links by their tokens. The
  cookie is signed, not encrypted: its owner can read the tokens in it, and
  they are the owner's own.
"""

from __future__ import annotations

import secrets

from framework import Request

#: The session key of the browser's owner id.
OWNER_KEY = "owner"

#: The session key of the browser's own links: ``[[code, token], ...]``, newest first.
SESSION_KEY = "own_links"

#: The most links a session remembers, so that the cookie stays far below the
#: 4 KB browsers keep (a code and its token take about 75 bytes of cookie).
KEPT_IN_SESSION = 20

#: The most links the home page lists, the newest: the others stay, and work.
LISTED = 50


def remember(request: Request, code: str, token: str) -> None:
    """Keep a link the browser made, and its token, in the session (the newest first)."""
    kept = [[code, token], *_own(request)]
    request.session[SESSION_KEY] = kept[:KEPT_IN_SESSION]


def browser_owner(request: Request, *, make: bool = False) -> str | None:
    """The owner id of this browser, from its session; with ``make``, one is made if none is."""
    owner = request.session.get(OWNER_KEY)
    if isinstance(owner, str) and owner:
        return owner
    if not make:
        return None
    owner = request.session[OWNER_KEY] = secrets.token_urlsafe(16)
    return owner


def forget(request: Request, code: str) -> None:
    """Drop a link from the browser's own, after it was deleted."""
    request.session[SESSION_KEY] = [pair for pair in _own(request) if pair[0] != code]


def session_tokens(request: Request) -> list[str]:
    """The delete tokens that this browser's session holds, of its newest links."""
    return [token for _, token in _own(request)]


def session_token(request: Request, code: str) -> str | None:
    """The delete token this browser holds for ``code``, or None."""
    return next((token for own_code, token in _own(request) if own_code == code), None)


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, or None.

    The scheme's name is case-insensitive (RFC 9110, section 11.1); any
    other scheme (``Basic ...``) or an empty token is no token at all.
    """
    scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token


def _own(request: Request) -> list[list[str]]:
    # The cookie is signed, so it holds what this app wrote; still, a session
    # from an older version of the app may hold something else there.
    stored = request.session.get(SESSION_KEY)
    if not isinstance(stored, list):
        return []
    return [
        [pair[0], pair[1]]
        for pair in stored
        if isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair)
    ]
