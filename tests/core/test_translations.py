"""The Simplified Chinese catalogue is complete, compiled, and used by default.

When a test here fails after new strings were added, follow the "Translations" section of
scripts/compile_messages.py: makemessages → translate → compile.
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import polib
import pytest
from django.test import Client
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "compile_messages.py"
LOCALE_DIR = ROOT / "src" / "shouwang" / "locale"
ZH_PO = LOCALE_DIR / "zh_Hans" / "LC_MESSAGES" / "django.po"
PASSWORD = "Shouwang-i18n-2024!"
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff]")
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]")
HOW_TO_FIX = "see the 'Translations' section of scripts/compile_messages.py"


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("compile_messages", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def _restore_language() -> Iterator[None]:
    """Requests activate a language for the thread; do not leak it into other tests."""
    before = translation.get_language()
    yield
    translation.activate(before)


# ---- the catalogue ---------------------------------------------------------------------------


def test_catalogue_exists() -> None:
    assert ZH_PO.is_file(), f"{ZH_PO} is missing; {HOW_TO_FIX}"
    assert ZH_PO.with_suffix(".mo").is_file(), f"compiled catalogue missing; {HOW_TO_FIX}"


def test_every_msgid_is_translated_and_not_fuzzy() -> None:
    po = polib.pofile(str(ZH_PO))
    entries = [e for e in po if not e.obsolete and e.msgid]
    assert len(entries) > 100
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert not untranslated, f"untranslated msgids ({HOW_TO_FIX}): {untranslated}"
    assert not fuzzy, f"fuzzy msgids, review them ({HOW_TO_FIX}): {fuzzy}"
    assert not po.metadata_is_fuzzy
    assert po.metadata.get("Plural-Forms", "").startswith("nplurals=1;")


def test_translations_are_chinese() -> None:
    po = polib.pofile(str(ZH_PO))
    not_chinese = [
        e.msgid
        for e in po.translated_entries()
        if not CJK.search(e.msgstr or "".join(e.msgstr_plural.values()))
        # Pure layout patterns ("%(first)s %(second)s") have no words to translate.
        and re.search(r"[A-Za-z]", PLACEHOLDER.sub("", e.msgid))
    ]
    assert not not_chinese, f"translations without any Chinese text: {not_chinese}"


def test_compiled_catalogue_is_up_to_date() -> None:
    problems = _load_script().check(LOCALE_DIR)
    assert not problems, "\n".join([f"run scripts/compile_messages.py ({HOW_TO_FIX}):", *problems])


def test_check_reports_untranslated_fuzzy_and_stale(tmp_path: Path) -> None:
    script = _load_script()
    folder = tmp_path / "zh_Hans" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    po = polib.POFile()
    po.metadata = {
        "Content-Type": "text/plain; charset=UTF-8",
        "Plural-Forms": "nplurals=1; plural=0;",
    }
    po.append(polib.POEntry(msgid="Sign in", msgstr="登录"))
    po.append(polib.POEntry(msgid="Home", msgstr=""))
    po.append(polib.POEntry(msgid="Map", msgstr="地图", flags=["fuzzy"]))
    po.append(polib.POEntry(msgid="Line %(line)d", msgstr="第%(lin)d条线", flags=["python-format"]))
    po.save(str(folder / "django.po"))

    problems = script.check(tmp_path)
    assert any(p.startswith("untranslated:") and "'Home'" in p for p in problems)
    assert any(p.startswith("fuzzy:") and "'Map'" in p for p in problems)
    assert any(p.startswith("placeholders differ") for p in problems)
    assert any(p.startswith("missing:") for p in problems)
    assert not (folder / "django.mo").exists(), "--check must not write"

    assert script.main(["--locale-dir", str(tmp_path)]) == 0
    mo = folder / "django.mo"
    written = mo.stat().st_mtime_ns
    assert not any(p.startswith("missing:") for p in script.check(tmp_path))
    assert script.main(["--locale-dir", str(tmp_path)]) == 0
    assert mo.stat().st_mtime_ns == written, "an unchanged .mo must not be rewritten"
    assert script.main(["--check", "--locale-dir", str(tmp_path)]) == 1

    catalogue = polib.mofile(str(mo))
    assert {e.msgid: e.msgstr for e in catalogue} == {"Sign in": "登录"}


# ---- what users see --------------------------------------------------------------------------


@pytest.mark.django_db
def test_pages_default_to_chinese() -> None:
    response = Client().get("/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "登录" in html
    assert "用户名" in html
    assert "Sign in" not in html


@pytest.mark.django_db
def test_language_cookie_switches_to_english() -> None:
    client = Client()
    client.cookies["django_language"] = "en"
    html = client.get("/login/").content.decode()
    assert "Sign in" in html
    assert "登录" not in html


@pytest.mark.django_db
def test_accept_language_english() -> None:
    html = Client().get("/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Sign in" in html
    assert "登录" not in html


def _bad_division_code(client: Client, **extra: Any) -> dict[str, Any]:
    response = client.post(
        "/api/v1/jurisdictions/",
        data=json.dumps({"name": "x", "level": "county", "stat_division_code": "12"}),
        content_type="application/json",
        **extra,
    )
    assert response.status_code == 422, response.content
    body = response.json()
    errors = [e for e in body["errors"] if e["field"] == "stat_division_code"]
    assert errors, body
    return {"detail": body["detail"], **errors[0]}


@pytest.fixture
def admin_client(db: Any) -> Client:
    from shouwang.core.services import grant_system_admin

    user = grant_system_admin(username="i18n_admin", password=PASSWORD)
    client = Client()
    client.force_login(user)
    return client


def test_api_errors_default_to_chinese(admin_client: Client) -> None:
    error = _bad_division_code(admin_client)
    assert CJK.search(error["message"]), error
    assert "12" in error["message"] and "2" in error["message"]
    assert error["label"] == "统计用区划代码"
    assert CJK.search(error["detail"]), error


def test_api_errors_in_english_on_request(admin_client: Client) -> None:
    error = _bad_division_code(admin_client, HTTP_ACCEPT_LANGUAGE="en")
    assert error["message"] == "A county code must be 12 digits long; got 2."
    assert error["label"].lower() == "statistical division code"
