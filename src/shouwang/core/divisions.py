"""China's administrative divisions down to township level (pure Python, no Django).

The data is the National Bureau of Statistics' 2023 statistical division codes (edition
2023-06-30), shipped as ``shouwang/core/data/divisions.csv.gz``; see
``DIVISIONS_SOURCE.md`` next to it for provenance and how to regenerate it.

Every division has a 12-digit ``code``: province ``PP0000000000``, prefecture
``PPCC00000000``, county ``PPCCDD000000``, township ``PPCCDDTTT000``. Functions that take a
code also accept the short 2/4/6/9-digit form and pad it.

Quirks kept from the source data:

* The municipalities (北京, 天津, 上海, 重庆) and the province-administered county-level
  units have placeholder prefectures such as ``市辖区``, ``县`` or
  ``省直辖县级行政区划``; :func:`full_name` leaves these out.
* 东莞市, 中山市 and 儋州市 have no counties: their townships' parent is the prefecture.
* Statistical-only units (economic development zones and the like) appear as counties.
* 金门县 has no townships; Hong Kong, Macao and Taiwan are not included.
"""

from __future__ import annotations

import csv
import functools
import gzip
import io
from dataclasses import dataclass
from importlib import resources

__all__ = [
    "EDITION",
    "LEVELS",
    "Division",
    "ancestors",
    "children",
    "edition",
    "full_name",
    "get",
    "search",
]

EDITION = "2023-06-30"
"""Reference date of the bundled division list."""

LEVELS: tuple[str, ...] = ("province", "prefecture", "county", "township")
"""Division levels, from the top down."""

_DATA_PACKAGE = "shouwang.core.data"
_DATA_FILE = "divisions.csv.gz"
_CODE_LENGTH = 12
_SHORT_CODE_LENGTHS = frozenset({2, 4, 6, 9, 12})
_PLACEHOLDER_NAMES = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})


@dataclass(frozen=True, slots=True)
class Division:
    """One administrative division.

    Attributes:
        code: 12-digit statistical division code.
        name: Official name, e.g. ``"丰都县"``.
        level: One of :data:`LEVELS`.
        parent_code: The parent's 12-digit code, or ``None`` for provinces.
    """

    code: str
    name: str
    level: str
    parent_code: str | None


@dataclass(frozen=True, slots=True)
class _Index:
    """In-memory lookup tables built once from the data file."""

    ordered: tuple[Division, ...]
    by_code: dict[str, Division]
    children: dict[str | None, tuple[Division, ...]]


@functools.cache
def _index() -> _Index:
    """Load and index the bundled data file (once per process)."""
    raw = resources.files(_DATA_PACKAGE).joinpath(_DATA_FILE).read_bytes()
    reader = csv.reader(io.StringIO(gzip.decompress(raw).decode("utf-8"), newline=""))
    header = next(reader)
    if header != ["code", "name", "level", "parent_code"]:
        raise ValueError(f"unexpected header in {_DATA_FILE}: {header!r}")
    ordered = tuple(
        Division(code, name, level, parent or None) for code, name, level, parent in reader
    )
    by_code = {d.code: d for d in ordered}
    grouped: dict[str | None, list[Division]] = {}
    for d in ordered:
        grouped.setdefault(d.parent_code, []).append(d)
    children = {parent: tuple(kids) for parent, kids in grouped.items()}
    return _Index(ordered=ordered, by_code=by_code, children=children)


def _normalize(code: str) -> str | None:
    """Return ``code`` as a 12-digit code, or ``None`` if it cannot be one."""
    code = code.strip()
    if not code.isascii() or not code.isdigit() or len(code) not in _SHORT_CODE_LENGTHS:
        return None
    return code.ljust(_CODE_LENGTH, "0")


def edition() -> str:
    """Return the reference date of the bundled data, ``"2023-06-30"``."""
    return EDITION


def get(code: str) -> Division | None:
    """Return the division with this code (12-digit or short form), or ``None``."""
    normalized = _normalize(code)
    if normalized is None:
        return None
    return _index().by_code.get(normalized)


def children(code: str | None) -> list[Division]:
    """Return the direct children of ``code`` in code order; ``None`` gives the provinces.

    An unknown code, or a township, gives an empty list.
    """
    if code is None:
        key: str | None = None
    else:
        key = _normalize(code)
        if key is None:
            return []
    return list(_index().children.get(key, ()))


def ancestors(code: str) -> list[Division]:
    """Return the ancestors of ``code``, province first, not including the division itself.

    An unknown code gives an empty list.
    """
    by_code = _index().by_code
    current = get(code)
    chain: list[Division] = []
    while current is not None and current.parent_code is not None:
        current = by_code[current.parent_code]
        chain.append(current)
    chain.reverse()
    return chain


def full_name(code: str) -> str:
    """Return the space-separated path name, e.g. ``"重庆市 丰都县 栗子乡"``.

    Placeholder prefectures (``市辖区``, ``县``, ``省直辖县级行政区划``, ...) are left out, and
    a name repeated by the level below (嘉峪关市 / 嘉峪关市) is given once.

    Raises:
        KeyError: if ``code`` is not a known division.
    """
    division = get(code)
    if division is None:
        raise KeyError(code)
    parts: list[str] = []
    for d in [*ancestors(division.code), division]:
        if d.level == "prefecture" and d.name in _PLACEHOLDER_NAMES:
            continue
        if parts and parts[-1] == d.name:
            continue
        parts.append(d.name)
    return " ".join(parts)


def search(query: str, level: str | None = None, limit: int = 20) -> list[Division]:
    """Find divisions whose name contains ``query`` or whose code starts with it.

    Results are ranked: exact name matches first, then names starting with ``query``, then
    the rest (including code-prefix matches); ties are in code order.

    Args:
        query: Name fragment or leading digits of a code; surrounding blanks are ignored.
        level: Restrict to one of :data:`LEVELS`; ``None`` searches all levels.
        limit: Maximum number of results.

    Raises:
        ValueError: if ``level`` is not ``None`` or one of :data:`LEVELS`.
    """
    if level is not None and level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; expected one of {LEVELS}")
    query = query.strip()
    if not query or limit <= 0:
        return []
    by_code = query.isascii() and query.isdigit()
    ranked: list[tuple[int, Division]] = []
    for d in _index().ordered:
        if level is not None and d.level != level:
            continue
        if d.name == query:
            ranked.append((0, d))
        elif d.name.startswith(query):
            ranked.append((1, d))
        elif query in d.name or (by_code and d.code.startswith(query)):
            ranked.append((2, d))
    ranked.sort(key=lambda item: item[0])  # stable: keeps code order within a rank
    return [d for _, d in ranked[:limit]]
