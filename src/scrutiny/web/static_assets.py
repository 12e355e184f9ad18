"""/static/...: the site's own and vendored files under content-hashed names, compressed once, cached for a year.

Why: a page's scripts and styles change only when the code does, so a name that carries the file's hash
(`js/dashboard.js` → `/static/js/dashboard.3f2a9c1b.js`) can be cached by every browser and proxy for a year
(`Cache-Control: public, max-age=31536000, immutable`) and a new release still reaches everyone at once: its
pages name new files. Templates never spell a URL: `static('js/app.js')` (scrutiny.web.pages.common) asks
`url`, which knows every file's hash.

- The hashes: the first 8 hex digits of each file's SHA-256, from one scan of the folder when the app is built
  (`StaticAssets.scan`; the scan is reused while no file's size or mtime changes, so building many apps in
  one process hashes once).
- Compression: gzip and, when the `brotli` package is importable, brotli, chosen by the request's
  Accept-Encoding (q-values honoured, brotli preferred). Each file is read and compressed once per process,
  on its first request, in a worker thread, and kept in memory (`_BODIES`, ~4 MB for the whole folder);
  never again per request. A file that does not
  shrink by a tenth (a PNG) is always sent as it is. Answers vary by Accept-Encoding and carry an ETag per
  encoding, so If-None-Match answers 304.
- An unhashed name (`/static/js/dashboard.js`, as the API docs page and old bookmarks ask) still answers,
  with a short cache (`public, max-age=300`). A hashed name whose hash is not the file's (a page rendered
  before a release asking after it) answers the current file with `no-cache`, so a browser never keeps it
  under a name that promises other bytes. Anything else is a 404; only files found by the scan are ever
  served, so no path can reach outside the folder.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib
import mimetypes
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import anyio.to_thread
from starlette._utils import get_route_path
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocketClose


def _optional(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ImportError:  # pragma: no cover - brotli is installed where the tests run
        return None


brotli = _optional("brotli")  # optional: gzip alone when it is missing

MOUNT = "/static"
DIRECTORY = Path(__file__).resolve().parent / "static"
HASH_LENGTH = 8
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=300"
STALE = "no-cache"
IDENTITY = "identity"
MIN_SAVING = 0.9  # a compressed body is used only when it is under 90% of the file
CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
    "": "text/plain; charset=utf-8",  # LICENSE, VERSION, NOTICE
}
_HASHED = re.compile(rf"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{{{HASH_LENGTH}}})(?P<suffix>\.[^./]+)?$")


@dataclass(frozen=True)
class Asset:
    """One file under the static folder: `path` is relative, with forward slashes."""

    path: str
    file: Path
    digest: str  # the whole SHA-256, hex

    @property
    def hashed(self) -> str:
        """The name with the hash before the last suffix: `vendor/vega/vega.min.js` → `vendor/vega/vega.min.<h>.js`."""
        short = self.digest[:HASH_LENGTH]
        slash = self.path.rfind("/") + 1
        name = self.path[slash:]
        dot = name.rfind(".")
        if dot <= 0:  # no suffix (LICENSE), or a dotfile
            return f"{self.path}.{short}"
        return f"{self.path[:slash]}{name[:dot]}.{short}{name[dot:]}"

    @property
    def content_type(self) -> str:
        suffix = Path(self.path).suffix.lower()
        if suffix in CONTENT_TYPES:
            return CONTENT_TYPES[suffix]
        guessed, _ = mimetypes.guess_type(self.path)
        return guessed or "application/octet-stream"


def file_digest(file: Path) -> str:
    return hashlib.sha256(file.read_bytes()).hexdigest()


def hashed_name(path: str, digest: str) -> str:
    return Asset(path, Path(path), digest).hashed


class StaticAssets:
    """The ASGI app mounted at /static, and the map from a file's name to its hashed URL."""

    def __init__(self, directory: Path, assets: dict[str, Asset]) -> None:
        self.directory = directory
        self.by_path = assets
        self.by_hashed = {asset.hashed: asset for asset in assets.values()}

    @classmethod
    def scan(cls, directory: Path = DIRECTORY) -> StaticAssets:
        """Every regular file under `directory` (dotfiles and symlinks left out), hashed; reused while the
        folder's listing, sizes and mtimes are unchanged."""
        directory = directory.resolve()
        files = sorted(f for f in directory.rglob("*") if f.is_file() and not f.is_symlink()
                       and not any(part.startswith(".") for part in f.relative_to(directory).parts))
        signature = tuple((f.relative_to(directory).as_posix(), f.stat().st_size, f.stat().st_mtime_ns)
                          for f in files)
        with _LOCK:
            known = _SCANS.get(directory)
            if known is not None and known[0] == signature:
                return known[1]
        assets = {rel: Asset(rel, directory / rel, file_digest(directory / rel)) for rel, _, _ in signature}
        made = cls(directory, assets)
        with _LOCK:
            _SCANS[directory] = (signature, made)
        return made

    def url(self, path: str, root_path: str = "") -> str:
        """`/static/<hashed name>` for a file under the folder; an unknown name is a mistake in a template, so
        it raises (the page answers 500 and the crawl test in tests/web/test_static_assets.py catches it)."""
        asset = self.by_path.get(path)
        if asset is None:
            raise LookupError(f"no static file {path!r} under {self.directory}")
        return f"{root_path}{MOUNT}/{asset.hashed}"

    def find(self, name: str) -> tuple[Asset, str] | None:
        """The file a request's name means, and the Cache-Control its answer carries."""
        if name in self.by_hashed:
            return self.by_hashed[name], IMMUTABLE
        if name in self.by_path:
            return self.by_path[name], SHORT
        match = _HASHED.match(name)
        if match:
            plain = match["stem"] + (match["suffix"] or "")
            if plain in self.by_path:
                return self.by_path[plain], STALE
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # no websockets here
            await WebSocketClose()(scope, receive, send)
            return
        if scope["method"] not in ("GET", "HEAD"):
            raise HTTPException(status_code=405, headers={"Allow": "GET, HEAD"})
        found = self.find(get_route_path(scope).lstrip("/"))
        if found is None:
            raise HTTPException(status_code=404)
        response = await respond(found[0], found[1], Request(scope).headers)
        await response(scope, receive, send)


async def respond(asset: Asset, cache_control: str, headers: Headers) -> Response:
    """The file in the best encoding the client accepts, or 304 when it already holds that version."""
    encoding = None
    body: bytes | None = None
    for name in accepted_encodings(headers.get("accept-encoding", "")):
        body = await _body(asset, name)
        if body is not None:
            encoding = name
            break
    etag = f'"{asset.digest[:16]}{"-" + encoding if encoding else ""}"'
    out = {"Cache-Control": cache_control, "ETag": etag, "Vary": "Accept-Encoding"}
    held = [tag.strip().removeprefix("W/") for tag in headers.get("if-none-match", "").split(",")]
    if etag in held or "*" in held:
        return Response(status_code=304, headers=out)
    if encoding:
        out["Content-Encoding"] = encoding
    if body is None:
        body = await _body(asset, IDENTITY)
    return Response(body, media_type=asset.content_type, headers=out)


async def _body(asset: Asset, encoding: str) -> bytes | None:
    """A kept body without leaving the event loop; the first time, made in a worker thread."""
    key = (asset.digest, encoding)
    if key in _BODIES:
        return _BODIES[key]
    return await anyio.to_thread.run_sync(_made, asset, encoding)


def accepted_encodings(header: str) -> list[str]:
    """The encodings this server can give that `Accept-Encoding: header` accepts, best first (br, then gzip);
    `q=0` refuses one, `*` accepts those not named."""
    weights: dict[str, float] = {}
    for item in header.split(","):
        name, _, params = item.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if name.strip():
            weights[name.strip().lower()] = q
    offered = (["br"] if brotli is not None else []) + ["gzip"]
    chosen = [(weights.get(name, weights.get("*", 0.0)), -rank, name) for rank, name in enumerate(offered)]
    return [name for q, _, name in sorted(chosen, reverse=True) if q > 0]


def _made(asset: Asset, encoding: str) -> bytes | None:
    """The file in `encoding` (IDENTITY: as it is), made once per process and kept; None when compression
    does not pay."""
    key = (asset.digest, encoding)
    with _LOCK:
        if key in _BODIES:
            return _BODIES[key]
        lock = _MAKING.setdefault(key, threading.Lock())
    with lock:  # concurrent first requests for one file wait for one compression
        with _LOCK:
            if key in _BODIES:
                return _BODIES[key]
        data = asset.file.read_bytes()
        result: bytes | None = data
        if encoding != IDENTITY:
            made = _compress(data, encoding)
            result = made if len(made) < MIN_SAVING * len(data) else None
        with _LOCK:
            _BODIES[key] = result
            _MAKING.pop(key, None)
        return result


def _compress(data: bytes, encoding: str) -> bytes:
    if encoding == "br" and brotli is not None:
        # quality 11 takes ~3.6 s for the 0.5 MB Vega and 13 s for Swagger UI; 9 gives 4-9% more bytes in a
        # twentieth of the time, so the big files get 9
        made: bytes = brotli.compress(data, quality=11 if len(data) <= 128_000 else 9)
        return made
    return gzip.compress(data, compresslevel=9, mtime=0)


_LOCK = threading.Lock()
_SCANS: dict[Path, tuple[tuple[tuple[str, int, int], ...], StaticAssets]] = {}
_BODIES: dict[tuple[str, str], bytes | None] = {}  # (digest, encoding): the bytes sent, bounded by the folder
_MAKING: dict[tuple[str, str], threading.Lock] = {}


def url(request: Request, path: str) -> str:
    """The URL a page names a static file by: through the app's scan (`app.state.static_assets`)."""
    assets = getattr(request.app.state, "static_assets", None)
    if not isinstance(assets, StaticAssets):
        assets = StaticAssets.scan()
    return assets.url(path, request.scope.get("root_path", ""))


__all__ = ["DIRECTORY", "IMMUTABLE", "MOUNT", "SHORT", "STALE", "Asset", "StaticAssets", "accepted_encodings",
           "file_digest", "hashed_name", "url"]
