"""The phone app's pages: the app shell, its service worker and its web manifest.

Thin views: the app itself is static JavaScript (static/patrols/app/) that talks to the field
sync API (/api/v1/field/, docs/field-sync.md); these views only hand it out. The service worker
and the manifest are served under /app/ (not /static/) so the worker's scope covers /app/.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

#: Every static file of the app, in the order the shell needs them. The service worker
#: caches exactly these (plus the shell page); the JavaScript modules import each other by
#: bare names mapped to these URLs in the shell's import map, so hashed names work too.
APP_MODULES = ("main", "db", "sync", "photos", "ui")
APP_ASSETS = (
    "patrols/app/app.css",
    *(f"patrols/app/{name}.js" for name in APP_MODULES),
    "patrols/app/icon-192.png",
    "patrols/app/icon-512.png",
    "patrols/app/icon-maskable-512.png",
)
NO_CACHE = "no-cache, no-store, must-revalidate"
TEMPLATES = Path(__file__).resolve().parent / "templates" / "patrols" / "app"


def strings() -> dict[str, str]:
    """The app's UI strings in the current language, {key: text}.

    They live in the template patrols/app/strings.txt as `key: {% translate "…" %}` lines, so
    the translation catalogue covers them like every other template string.
    """
    text = render_to_string("patrols/app/strings.txt")
    result: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() and not key.startswith("#"):
            result[key.strip()] = value.strip()
    return result


@cache
def assets_version() -> str:
    """A short digest of the app's files: a new version makes the worker refresh its cache."""
    digest = hashlib.sha256()
    paths: list[Any] = [finders.find(name) for name in APP_ASSETS]
    paths += [str(TEMPLATES / "sw.js"), str(TEMPLATES / "shell.html")]
    for found in paths:
        if isinstance(found, str):
            with open(found, "rb") as handle:
                digest.update(handle.read())
    return digest.hexdigest()[:12]


def asset_urls() -> dict[str, str]:
    return {name: static(name) for name in APP_ASSETS}


@require_GET
@login_required
@ensure_csrf_cookie
def shell(request: HttpRequest) -> HttpResponse:
    """The app shell: one page, the screens are drawn by main.js from the phone's own store."""
    import_map = {"imports": {name: static(f"patrols/app/{name}.js") for name in APP_MODULES}}
    config: dict[str, Any] = {
        "user": request.user.pk,
        "username": request.user.get_username(),
        "language": get_language(),
        "time_zone": settings.TIME_ZONE,
        "today_url": "/api/v1/field/today",
        "sync_url": "/api/v1/field/sync",
        "photo_url": "/api/v1/field/photos/",
        "login_url": f"{reverse('login')}?next={reverse('field-app')}",
        "sw_url": reverse("field-app-sw"),
        "office_url": reverse("home"),
        "version": assets_version(),
    }
    response = render(
        request,
        "patrols/app/shell.html",
        {
            "strings": strings(),
            "config": config,
            "import_map": json.dumps(import_map),
            "assets": asset_urls(),
        },
    )
    response["Cache-Control"] = NO_CACHE
    return response


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, from /app/ so that its scope may be /app/; never cached by HTTP."""
    body = render_to_string(
        "patrols/app/sw.js",
        {
            "version": assets_version(),
            "shell_url": reverse("field-app"),
            "precache": json.dumps([reverse("field-app"), *asset_urls().values()]),
            "static_prefix": static("patrols/app/"),
        },
    )
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = reverse("field-app")
    response["Cache-Control"] = NO_CACHE
    return response


@require_GET
def manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest (installable: name, icons, standalone, start URL and scope /app/).

    Not behind the login: browsers fetch manifests without the session cookie.
    """
    app_url = reverse("field-app")
    data = {
        "name": "守望",
        "short_name": "守望",
        "description": strings().get("app_description", ""),
        "lang": get_language() or "zh-hans",
        "start_url": app_url,
        "scope": app_url,
        "id": app_url,
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": "#0b3d91",
        "icons": [
            {"src": static("patrols/app/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("patrols/app/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static("patrols/app/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    response["Cache-Control"] = "no-cache"
    return response
