"""GET /api/v1/docs: the interactive API documentation (Swagger UI), served from vendored files only.

scripts/vendor_web.sh puts swagger-ui-dist under static/vendor/swagger-ui/; nothing is loaded from a CDN,
and the online spec validator Swagger UI would otherwise call is switched off. The page carries no inline
script (the Content-Security-Policy forbids it, scrutiny.web.security_headers): Swagger UI's settings are a
JSON data block that static/js/api-docs.js reads and starts Swagger UI with.
"""

from __future__ import annotations

import json
from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)
VENDOR = "/static/vendor/swagger-ui"
PAGE = """<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Scrutiny API</title>
<link rel="stylesheet" href="{vendor}/swagger-ui.css">
<link rel="icon" href="{vendor}/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script type="application/json" id="swagger-settings">{settings}</script>
<script src="{vendor}/swagger-ui-bundle.js"></script>
<script src="{start}"></script>
</body>
</html>
"""


@router.get("/docs")
async def api_docs(request: Request) -> HTMLResponse:
    root = request.scope.get("root_path", "")
    settings = {"url": f"{root}{request.app.openapi_url}", "dom_id": "#swagger-ui", "layout": "BaseLayout",
                "deepLinking": True, "showExtensions": True, "showCommonExtensions": True, "validatorUrl": None}
    # "<" escaped, so no value can close the data block early
    data = json.dumps(settings).replace("<", "\\u003c")
    return HTMLResponse(PAGE.format(vendor=escape(f"{root}{VENDOR}"), settings=data,
                                    start=escape(f"{root}/static/js/api-docs.js")))
