"""HTTP below the routes: HEAD answered as GET is, and what one request may cost the server
(its body's size, and the size of the error it gets back).

Why: FastAPI routes answer GET only, so HEAD (feed readers, uptime checks, link checkers) got
405 on every page and feed. And FastAPI reads a request body whole before validating it, and
its 422 answer quotes the invalid input whole: a 180 MB POST to /api/related was read, parsed
(the server grew by 1 GB) and answered with 60 MB quoting it back, for a text field that may
hold 200,000 characters.
"""

from __future__ import annotations

import json

from fastapi import HTTPException

__all__ = ["BodyLimit", "HeadAsGet", "MAX_BODY_BYTES", "short_errors"]

# The largest body the API takes: POST /api/related's 200,000-character text, each character
# escaped in JSON (\uXXXX, 6 bytes), with room for the title.
MAX_BODY_BYTES = 2_000_000
QUOTED_INPUT = 200  # characters of an invalid input a 422 answer quotes back


class HeadAsGet:
    """ASGI middleware: a HEAD request is answered as its GET would be (status and headers,
    Content-Length included), without the body."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message):
            if message["type"] == "http.response.body":
                if not message.get("more_body", False):
                    await send({"type": "http.response.body", "body": b""})
                return
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


class _TooLarge(HTTPException):
    """Raised while the body is read: FastAPI lets an HTTPException through as it is (another
    error there becomes "400 There was an error parsing the body")."""

    def __init__(self, max_bytes: int):
        super().__init__(status_code=413, detail=_too_large(max_bytes))


def _too_large(max_bytes: int) -> str:
    return f"request body too large (at most {max_bytes} bytes)"


class BodyLimit:
    """ASGI middleware: a request body past ``max_bytes`` is answered 413 without being read
    whole: at once when its Content-Length says so, else as soon as the bytes received pass it."""

    def __init__(self, app, max_bytes: int = MAX_BODY_BYTES):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        received = 0
        started = False

        async def counted_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge(self.max_bytes)
            return message

        async def tracked_send(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except _TooLarge:
            if started:  # a handler that answered before reading all of its body: nothing to add
                return
            await self._refuse(send)

    async def _refuse(self, send) -> None:
        body = json.dumps({"detail": _too_large(self.max_bytes)}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


def short_errors(errors) -> list[dict]:
    """Validation errors with each invalid input quoted to ``QUOTED_INPUT`` characters at most
    (a string cut, anything else as the start of its JSON)."""
    out = []
    for error in errors:
        error = dict(error)
        value = error.get("input")
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
        if len(text) > QUOTED_INPUT:
            error["input"] = text[:QUOTED_INPUT] + "…"
        out.append(error)
    return out
