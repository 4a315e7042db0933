#!/usr/bin/env python3
"""Compile Shouwang's gettext catalogues (.po → .mo) in pure Python, without GNU gettext.

Usage (from the repository root; `dev.py test` runs the first form before the tests):

    .venv/bin/python scripts/compile_messages.py           compile what changed
    .venv/bin/python scripts/compile_messages.py --check   verify only, write nothing

Every ``src/shouwang/locale/*/LC_MESSAGES/*.po`` is compiled to the ``.mo`` next to it. A
``.mo`` is rewritten only when its bytes would change, so running the script twice is a no-op
and file times stay put. The output is deterministic (entries sorted, little-endian, no hash
table), so the committed ``.mo`` files can be compared byte for byte.

``--check`` exits 1 and prints every problem when any ``.mo`` is missing or out of date, or
any entry is untranslated, fuzzy, or uses ``%(name)s`` placeholders that its msgid does not
have (Django would raise KeyError when rendering it). The plain compile prints the same
problems as warnings but still exits 0, so a new untranslated string never blocks a test run
(tests/core/test_translations.py fails on it instead); entries with such problems are left out
of the .mo, so the page falls back to the English msgid rather than crashing.

Translations
------------
Source strings (msgids) are English and live in code and templates; Simplified Chinese
(zh_Hans) is the default UI language. Users and CI never need GNU gettext: the compiled
``.mo`` files are committed. After adding or changing translatable strings:

1. Extract (needs GNU gettext on the developer machine only), from the package directory::

       cd src/shouwang
       SHOUWANG_DATA_DIR=/tmp/swi18n DJANGO_SETTINGS_MODULE=shouwang.config.settings \\
           ../../.venv/bin/python -m django makemessages -l zh_Hans --no-obsolete \\
           --ignore "migrations/*" --ignore "static/*"

   This merges new msgids into ``src/shouwang/locale/zh_Hans/LC_MESSAGES/django.po``; old
   translations are kept, changed ones may come back marked ``#, fuzzy``.
2. Translate: fill every empty ``msgstr``, review and un-fuzzy the ``#, fuzzy`` entries
   (delete the flag and the ``#|`` lines once the text is right), keep every ``%(name)s``
   placeholder. Use the domain vocabulary of the glossary (docs/glossary.md) and the terms
   the catalogue already uses: jurisdiction 辖区, statistical division code 统计用区划代码,
   county/township/village/grid 区县/乡镇（街道）/村（社区）/网格, team 队伍, member 队员,
   organisation 成员单位, zone 巡防片区, key place 重点场所, segment 区段, post 岗位,
   kilometre post/chainage 公里标/里程, section chief 段长, audit event 审计日志. Field
   labels (lowercase verbose names) are translated as labels. Any PO editor works, or
   polib from the venv.
3. Compile and verify, then commit the .po and .mo together::

       .venv/bin/python scripts/compile_messages.py
       .venv/bin/python scripts/compile_messages.py --check

Only ``polib`` (a dev dependency) is needed.
"""

from __future__ import annotations

import argparse
import re
import struct
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = ROOT / "src" / "shouwang" / "locale"

#: printf-style placeholders as Python's % operator reads them (``%%`` is a literal %).
_PLACEHOLDER = re.compile(r"%(?:\((?P<name>[^)]*)\))?[#0 +-]*\d*(?:\.\d+)?[sdifrxXeEgGcoa%]")
_MO_MAGIC = 0x950412DE


def po_files(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Every catalogue below ``locale_dir``, in a stable order."""
    return sorted(locale_dir.glob("*/LC_MESSAGES/*.po"))


def _placeholders(text: str) -> set[str]:
    return {m.group(0) for m in _PLACEHOLDER.finditer(text) if m.group(0) != "%%"}


def _entries(po: polib.POFile) -> Iterable[polib.POEntry]:
    return (e for e in po if not e.obsolete and e.msgid)


def _label(entry: polib.POEntry) -> str:
    where = f" (line {entry.linenum})" if getattr(entry, "linenum", None) else ""
    context = f"[{entry.msgctxt}] " if entry.msgctxt else ""
    return f"{context}{entry.msgid!r}{where}"


def _translations(entry: polib.POEntry) -> list[str]:
    if entry.msgid_plural:
        return [entry.msgstr_plural[k] for k in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


def _placeholder_mismatch(entry: polib.POEntry) -> set[str]:
    """Placeholders a translation adds, or (singular entries) leaves out of its msgid."""
    if entry.msgid_plural:
        allowed = _placeholders(entry.msgid) | _placeholders(entry.msgid_plural)
    else:
        allowed = _placeholders(entry.msgid)
    if "python-format" not in entry.flags and not allowed:
        return set()
    wrong: set[str] = set()
    for text in _translations(entry):
        found = _placeholders(text)
        wrong |= found - allowed
        if not entry.msgid_plural:
            wrong |= allowed - found
    return wrong


def entry_problems(po_path: Path, po: polib.POFile | None = None) -> list[str]:
    """Untranslated, fuzzy and placeholder-mismatched entries of one catalogue."""
    po = po if po is not None else polib.pofile(str(po_path))
    problems = []
    if po.metadata_is_fuzzy:
        problems.append(f"fuzzy: {po_path}: the header entry (review it, then drop the flag)")
    for entry in _entries(po):
        where = f"{po_path}: {_label(entry)}"
        translations = _translations(entry)
        if not translations or not all(translations):
            problems.append(f"untranslated: {where}")
            continue
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {where}")
        wrong = _placeholder_mismatch(entry)
        if wrong:
            problems.append(f"placeholders differ ({', '.join(sorted(wrong))}): {where}")
    return problems


def mo_bytes(po: polib.POFile) -> bytes:
    """The GNU .mo image of ``po``: header plus the entries that are safe to use.

    Untranslated, fuzzy and placeholder-mismatched entries are left out (as msgfmt does
    with the first two), so Django falls back to the English msgid for them.

    Written here rather than with polib's ``to_binary`` so that the bytes do not depend on
    the machine's byte order (always little-endian) and stay reproducible.
    """
    pairs: list[tuple[bytes, bytes]] = []
    for entry in _entries(po):
        values = _translations(entry)
        if not values or not all(values) or "fuzzy" in entry.flags:
            continue
        if _placeholder_mismatch(entry):
            continue  # Rendering it could raise KeyError; the English msgid is shown instead.
        msgid = (entry.msgctxt + "\x04" if entry.msgctxt else "") + entry.msgid
        if entry.msgid_plural:
            msgid += "\x00" + entry.msgid_plural
        msgstr = "\x00".join(values)
        pairs.append((msgid.encode("utf-8"), msgstr.encode("utf-8")))
    pairs.sort()
    # Like msgfmt, leave out POT-Creation-Date: re-extracting alone must not change the .mo.
    header = "".join(
        f"{name}: {value}\n" for name, value in po.ordered_metadata() if name != "POT-Creation-Date"
    )
    pairs.insert(0, (b"", header.encode("utf-8")))

    count = len(pairs)
    keys_index = 7 * 4
    values_index = keys_index + 8 * count
    data_start = values_index + 8 * count
    key_table, value_table, data = [], [], bytearray()
    for key, _value in pairs:
        key_table.append((len(key), data_start + len(data)))
        data += key + b"\x00"
    for _key, value in pairs:
        value_table.append((len(value), data_start + len(data)))
        data += value + b"\x00"
    out = bytearray(struct.pack("<7I", _MO_MAGIC, 0, count, keys_index, values_index, 0, 0))
    for length, offset in key_table + value_table:
        out += struct.pack("<2I", length, offset)
    out += data
    return bytes(out)


def compile_catalogues(locale_dir: Path = LOCALE_DIR, *, write: bool = True) -> list[str]:
    """Compile every catalogue; return the problems found (stale .mo files included).

    With ``write=False`` nothing is written and a missing or outdated .mo is a problem;
    with ``write=True`` such a .mo is (re)written and reported on stdout instead.
    """
    problems: list[str] = []
    for po_path in po_files(locale_dir):
        try:
            po = polib.pofile(str(po_path))
        except (OSError, ValueError) as exc:
            problems.append(f"unreadable: {po_path}: {exc}")
            continue
        problems += entry_problems(po_path, po)
        mo_path = po_path.with_suffix(".mo")
        image = mo_bytes(po)
        current = mo_path.read_bytes() if mo_path.exists() else None
        if current == image:
            continue
        if write:
            mo_path.write_bytes(image)
            shown = mo_path.relative_to(ROOT) if mo_path.is_relative_to(ROOT) else mo_path
            print(f"compiled {shown}")
        else:
            state = "missing" if current is None else "out of date"
            problems.append(f"{state}: {mo_path} (run scripts/compile_messages.py)")
    return problems


def check(locale_dir: Path = LOCALE_DIR) -> list[str]:
    """Problems that ``--check`` reports; an empty list means all is well. Writes nothing."""
    problems = compile_catalogues(locale_dir, write=False)
    if not po_files(locale_dir):
        problems.append(f"no catalogues found under {locale_dir}")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Compile src/shouwang/locale/*/LC_MESSAGES/*.po to .mo (pure Python)."
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if a .mo is stale or an entry is untranslated or fuzzy",
    )
    parser.add_argument("--locale-dir", type=Path, default=LOCALE_DIR, help="default: %(default)s")
    args = parser.parse_args(argv)
    if args.check:
        problems = check(args.locale_dir)
        for problem in problems:
            print(problem)
        if problems:
            print(f"{len(problems)} translation problem(s); see scripts/compile_messages.py")
            return 1
        print(f"translations OK ({len(po_files(args.locale_dir))} catalogue(s))")
        return 0
    problems = compile_catalogues(args.locale_dir, write=True)
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    return 1 if any(p.startswith("unreadable:") for p in problems) else 0


if __name__ == "__main__":
    raise SystemExit(main())
