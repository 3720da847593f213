"""Request helpers shared by the handlers: the site, base URL, language, form pairs, body, HTML rendering."""

from __future__ import annotations

import sys
import time
import urllib.parse
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sco_kg.server.conneg import HTML, LANGS, negotiate, preferred_language
from sco_kg.server.errors import HttpError, plain_error
from sco_kg.server.links import Linker
from sco_kg.server.site import Site
from sco_kg.server.words import LANG_NAMES, UI

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

CORS_HEADERS = [
    (b"access-control-allow-origin", b"*"),
    (b"access-control-allow-methods", b"GET, POST, OPTIONS"),
    (b"access-control-allow-headers", b"Accept, Content-Type"),
    (b"access-control-expose-headers", b"Content-Location, Link, Vary, X-SCO-KG-Truncated"),
]
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    ),
]


def log_request(scope: dict[str, Any], status: int, start: float) -> None:
    """Write the request's log line to stderr: method, path, status and milliseconds since ``start``."""
    ms = (time.perf_counter() - start) * 1000
    print(f"{scope.get('method', '-')} {scope.get('path', '')} {status or '-'} {ms:.1f}ms", file=sys.stderr, flush=True)


TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"


def site_of(request: Request) -> Site:
    """Return the :class:`Site` of the app answering ``request``."""
    site: Site = request.app.state.site
    return site


def base_url(request: Request) -> str:
    """Return the public URL that ``https://w3id.org/sco-kg/`` maps onto (ends with ``/``)."""
    configured = site_of(request).config.base_url
    if configured:
        return configured if configured.endswith("/") else configured + "/"
    return str(request.base_url)


def request_lang(request: Request) -> tuple[str, bool]:
    """Return the page language and whether it was chosen explicitly with ``?lang=``."""
    chosen = request.query_params.get("lang", "")
    if chosen in LANGS:
        return chosen, True
    return preferred_language(request.headers.get("accept-language")), False


def linker_of(request: Request) -> tuple[Linker, str]:
    """Return the request's :class:`Linker` and page language."""
    lang, explicit = request_lang(request)
    return Linker(base_url(request), lang, explicit), lang


def query_pairs(raw: bytes | str) -> list[tuple[str, str]]:
    """Return the pairs of an ``application/x-www-form-urlencoded`` string.

    Raises:
        HttpError: 400 when a value is not valid percent-encoded UTF-8.
    """
    text = raw.decode("latin-1") if isinstance(raw, bytes) else raw
    try:
        return urllib.parse.parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except (UnicodeDecodeError, ValueError) as exc:
        raise HttpError(400, f"invalid percent-encoding or UTF-8 in the request parameters: {exc}") from None


def values(pairs: Sequence[tuple[str, str]], name: str) -> list[str]:
    """Return the values of parameter ``name`` in ``pairs``, in order."""
    return [v for k, v in pairs if k == name]


async def read_body(request: Request) -> bytes:
    """Return the request body, refusing more than the configured size with 413."""
    limit = site_of(request).config.max_body_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise HttpError(413, f"request body over {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HttpError(413, f"request body over {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


_jinja_env: Any = None


def _templates() -> Any:
    global _jinja_env
    if _jinja_env is None:
        import jinja2

        _jinja_env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
            autoescape=jinja2.select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
    return _jinja_env


def compile_templates() -> int:
    """Compile every page template now (``sco-kg serve`` does it once, before it forks its workers); return
    how many there are."""
    env = _templates()
    names = sorted(p.name for p in TEMPLATES_DIR.glob("*.html"))
    for name in names:
        env.get_template(name)
    return len(names)


def render(
    request: Request, template: str, status: int = 200, headers: dict[str, str] | None = None, **context: Any
) -> Response:
    """Return an HTML page rendered from ``templates/<template>`` in the request's language."""
    from markupsafe import Markup
    from starlette.responses import HTMLResponse

    link, lang = linker_of(request)
    here = request.url.path
    switch = []
    for code in LANGS:
        params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"] + [("lang", code)]
        switch.append((code, LANG_NAMES[code], here + "?" + urllib.parse.urlencode(params), code == lang))
    page = (
        _templates()
        .get_template(template)
        .render(ui=UI[lang], lang=lang, link=link, switch=switch, site=site_of(request), Markup=Markup, **context)
    )
    return HTMLResponse(page, status_code=status, headers={"Content-Language": lang, **(headers or {})})


def error_page(request: Request, status: int, title: str, message: str, **context: Any) -> Response:
    """Return an error as an HTML page when the client takes HTML, else as one line of text."""
    if negotiate(request.headers.get("accept"), [HTML, "text/plain"]) == HTML:
        return render(request, "error.html", status=status, title=title, message=message, **context)
    return plain_error(status, message)
