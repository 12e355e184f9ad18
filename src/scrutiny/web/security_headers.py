"""Security headers on every response the app gives: pages, the JSON API, static files, errors and refusals.

Why each one:

- `Content-Security-Policy`: scripts and styles only from this site's own files (no inline script, no
  `eval`; the charts use Vega's CSP-safe expression interpreter), nothing loaded from another host, no
  `<object>`, forms post only here, and `frame-ancestors 'none'`: no other page may frame the workspace (a
  page on another local port framed `/workspace/panels/2` logged in, with its delete buttons, before this).
- `X-Frame-Options: DENY`: the same refusal for browsers that predate `frame-ancestors`.
- `X-Content-Type-Options: nosniff`: an uploaded CSV or a JSON answer is never run as a script or a page.
- `Referrer-Policy: no-referrer`: addresses can carry secrets (an invitation link's token, a report's
  reference); no other site is told which page a reader came from.
- `Cross-Origin-Opener-Policy: same-origin`, `Permissions-Policy`: a page opened from another site cannot
  script this one's window; only the report form may ask for the phone's location, nothing for a camera.
- `Strict-Transport-Security`, only on a request that came over HTTPS (directly, or as `--proxy-headers`
  reports it from a trusted proxy): browsers then never try plain HTTP for a year.

A route that sets one of these itself keeps its own. The wrapper sits outside Starlette's error middleware
(`install` wraps the built stack), so even an unexpected 500 carries the headers.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",  # Swagger UI's icons and Vega's legends are data: images
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
HEADERS: dict[str, str] = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), payment=(), usb=(), geolocation=(self)",
}
HSTS = ("Strict-Transport-Security", "max-age=31536000")


class SecurityHeaders:
    """ASGI middleware: add `HEADERS` (and HSTS over HTTPS) to every HTTP response that lacks them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = dict(HEADERS)
        if scope.get("scheme") == "https":
            extra[HSTS[0]] = HSTS[1]
        wanted = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in extra.items()]

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in wanted if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


def install(app: FastAPI) -> None:
    """Wrap the whole middleware stack, Starlette's error middleware included, when the app builds it."""
    build = app.build_middleware_stack
    app.build_middleware_stack = lambda: SecurityHeaders(build())  # type: ignore[method-assign]


__all__ = ["CSP", "HEADERS", "SecurityHeaders", "install"]
