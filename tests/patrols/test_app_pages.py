"""The phone app's pages (/app/): the shell, its service worker, its manifest and its strings.

The app itself is static JavaScript; these tests check what the server hands out: the shell
needs a login, the worker may control /app/ and is never cached by HTTP, the manifest makes the
app installable, every file the shell, the import map and the worker refer to exists, and the
UI strings come from the translation catalogue (Chinese by default, English on request).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from PIL import Image

from shouwang.patrols import app_views

APP = "/app/"
SW = "/app/sw.js"
MANIFEST = "/app/manifest.webmanifest"
STATIC = "/static/"
CJK = re.compile(r"[\u4e00-\u9fff]")
APP_JS = Path(app_views.__file__).parent / "static" / "patrols" / "app"
# UI string keys built at run time in main.js: prefix → the values it is completed with.
DYNAMIC_KEYS = {
    "att_": ["present", "late", "absent", "substitute"],
    "checkin_": ["start", "end", "checkpoint"],
    "finding_": ["hazard", "dispute", "person_met", "help_given", "other"],
    "kind_": ["patrol_log", "check_in", "track", "hazard", "photo"],
    "method_": ["foot", "vehicle"],
    "result_": ["pass", "fail", "na"],
    "severity_": ["general", "major"],
    "state_": ["waiting", "uploaded", "conflict", "rejected"],
}
# Strings that read the same in both languages.
SAME_IN_BOTH: set[str] = set()


def json_script(html: str, element_id: str) -> Any:
    match = re.search(
        rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S
    )
    assert match, f"no #{element_id} in the page"
    return json.loads(match.group(1))


def precache_of(worker: str) -> list[str]:
    match = re.search(r"const PRECACHE = (\[.*?\]);", worker)
    assert match, "no PRECACHE in the worker"
    return list(json.loads(match.group(1)))


def import_map_of(html: str) -> dict[str, Any]:
    match = re.search(r'<script type="importmap">(.*?)</script>', html, re.S)
    assert match, "no import map in the shell"
    return dict(json.loads(match.group(1)))


def shell_html(client: Client, **extra: Any) -> str:
    response = client.get(APP, **extra)
    assert response.status_code == 200
    return response.content.decode()


def used_keys() -> set[str]:
    source = (APP_JS / "main.js").read_text("utf-8")
    keys = set(re.findall(r'\bt\("([a-z_]+)"', source))
    for prefix in re.findall(r"\bt\(`([a-z_]+)\$\{", source):
        assert prefix in DYNAMIC_KEYS, f"t(`{prefix}…`) is not listed in DYNAMIC_KEYS"
        keys |= {prefix + value for value in DYNAMIC_KEYS[prefix]}
    return keys


def test_shell_needs_a_login(world: Any) -> None:
    response = Client().get(APP)
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/app/"


def test_shell_for_a_patrol_member(login: Any) -> None:
    client = login("patrol_member")
    response = client.get(APP)
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    # The CSRF cookie is set, so the app can send its uploads with the session.
    assert "csrftoken" in response.cookies
    html = response.content.decode()
    assert '<link rel="manifest" href="/app/manifest.webmanifest">' in html
    config = json_script(html, "app-config")
    assert config["sync_url"] == "/api/v1/field/sync"
    assert config["today_url"] == "/api/v1/field/today"
    assert config["photo_url"] == "/api/v1/field/photos/"
    assert config["sw_url"] == SW
    assert config["login_url"] == "/login/?next=/app/"
    assert config["user"] == response.wsgi_request.user.pk
    assert re.fullmatch(r"[0-9a-f]{12}", config["version"])
    # Always-visible status: online/offline, waiting to upload, sync now.
    for element_id in ("net", "waiting", "sync-now", "sync-msg", "screen"):
        assert f'id="{element_id}"' in html
    # No CDN: every script and stylesheet comes from this server.
    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_service_worker_headers_and_scope(world: Any) -> None:
    response = Client().get(SW)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/app/"
    cache_control = response["Cache-Control"]
    assert "no-cache" in cache_control and "no-store" in cache_control
    body = response.content.decode()
    version = re.search(r'const VERSION = "([0-9a-f]{12})";', body)
    assert version and version.group(1) == app_views.assets_version()
    precache = precache_of(body)
    assert precache[0] == APP
    assert set(precache[1:]) == set(app_views.asset_urls().values())
    assert 'const SHELL = "/app/";' in body
    # The template rendered completely: no Django syntax left in the JavaScript.
    assert "{{" not in body and "{%" not in body


def test_manifest_is_valid_and_installable(world: Any) -> None:
    response = Client().get(MANIFEST)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    data = json.loads(response.content)
    assert data["name"] == "守望"
    assert data["short_name"] == "守望"
    assert data["display"] == "standalone"
    assert data["start_url"] == APP
    assert data["scope"] == APP
    sizes = set()
    for icon in data["icons"]:
        assert icon["src"].startswith(STATIC)
        path = finders.find(icon["src"][len(STATIC) :])
        assert isinstance(path, str), icon["src"]
        with Image.open(path) as image:
            assert image.format == "PNG"
            assert f"{image.width}x{image.height}" == icon["sizes"]
        sizes.add(icon["sizes"])
    assert {"192x192", "512x512"} <= sizes
    assert any(icon.get("purpose") == "maskable" for icon in data["icons"])


def test_every_static_file_referenced_exists(login: Any) -> None:
    client = login("patrol_member")
    html = shell_html(client)
    referenced = set(re.findall(r'(?:src|href)="(/static/[^"]+)"', html))
    import_map = import_map_of(html)
    referenced |= set(import_map["imports"].values())
    worker = Client().get(SW).content.decode()
    referenced |= {url for url in precache_of(worker) if url.startswith(STATIC)}
    assert len(referenced) >= 9
    for url in sorted(referenced):
        assert finders.find(url[len(STATIC) :]), url
        response = client.get(url)
        assert response.status_code == 200, url
    # Every bare module name imported by a module is in the import map.
    for module in APP_JS.glob("*.js"):
        for name in re.findall(
            r'^import .*? from "([^"./][^"]*)";', module.read_text("utf-8"), re.M
        ):
            assert name in import_map["imports"], (module.name, name)


def test_strings_cover_every_key_the_app_uses(login: Any) -> None:
    strings = json_script(shell_html(login("patrol_member")), "app-strings")
    missing = used_keys() - set(strings)
    assert not missing, f"strings.txt lacks {sorted(missing)}"
    assert all(value.strip() for value in strings.values())


def test_strings_in_english_on_request(login: Any) -> None:
    client = login("patrol_member")
    client.cookies["django_language"] = "en"
    html = shell_html(client)
    assert '<html lang="en">' in html
    strings = json_script(html, "app-strings")
    assert strings["start_duty"] == "Start duty"
    assert strings["take_server"] == "Take the server's"
    assert strings["waiting"] == "{n} waiting to upload"


@pytest.mark.parametrize("header", [{}, {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9"}])
def test_strings_translated_in_chinese(login: Any, header: dict[str, str]) -> None:
    html = shell_html(login("patrol_member"), **header)
    assert '<html lang="zh-hans">' in html
    strings = json_script(html, "app-strings")
    untranslated = sorted(
        k for k, v in strings.items() if not CJK.search(v) and k not in SAME_IN_BOTH
    )
    assert not untranslated, f"not translated into Chinese: {untranslated}"
    # Placeholders survive translation.
    assert "{n}" in strings["waiting"]
    assert "{time}" in strings["last_sync"]
    assert "{accuracy}" in strings["position_found"]


def test_sync_engine_with_node() -> None:
    """The sync engine's queue rules (tests/patrols/js/sync_engine.mjs), where Node exists:
    batches of 200 and a cut between them resumes with what is left; saved/unchanged items go
    one by one, retry/conflict/rejected stay; an edit made during an upload is sent next on top
    of the new version; photo answers; signed-out and offline keep the queue."""
    node = shutil.which("node")
    if node is None:
        # .ci/run installs Debian's nodejs and sets SHOUWANG_REQUIRE_BROWSER: there it must run.
        if os.environ.get("SHOUWANG_REQUIRE_BROWSER") == "1":
            pytest.fail("node is not installed (apt-get install nodejs)")
        pytest.skip("node is not installed")
    script = Path(__file__).parent / "js" / "sync_engine.mjs"
    done = subprocess.run(
        [node, str(script), str(APP_JS / "sync.js")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr + done.stdout
    assert "6 checks passed" in done.stdout
