"""Tests for shouwang.core.divisions (pure Python, no Django needed)."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from shouwang.core import divisions
from shouwang.core.divisions import Division

FENGDU = "500230000000"
CHONGQING = "500000000000"
CHONGQING_COUNTIES = "500200000000"  # the municipality's placeholder prefecture "县"
# Prefecture-level cities without counties: their townships hang under the prefecture.
CITIES_WITHOUT_COUNTIES = {"441900000000", "442000000000", "460400000000"}


def _all() -> tuple[Division, ...]:
    return divisions._index().ordered


def test_loads_fast_and_once() -> None:
    divisions._index.cache_clear()
    start = time.perf_counter()
    divisions._index()
    assert time.perf_counter() - start < 1.0
    assert divisions._index() is divisions._index()


def test_edition() -> None:
    assert divisions.edition() == "2023-06-30"


def test_row_counts_are_plausible() -> None:
    counts = Counter(d.level for d in _all())
    assert counts["province"] == 31
    assert 330 <= counts["prefecture"] <= 360
    # The NBS 2023 list has 2975 county-level rows (incl. statistical-only zones);
    # China has ~2,840 county-level divisions proper.
    assert 2900 < counts["county"] < 3200
    assert counts["township"] > 38000
    assert set(counts) == set(divisions.LEVELS)


def test_codes_are_well_formed_and_unique() -> None:
    rows = _all()
    assert len({d.code for d in rows}) == len(rows)
    tails = {"province": 10, "prefecture": 8, "county": 6, "township": 3}
    for d in rows:
        assert len(d.code) == 12 and d.code.isdigit(), d
        assert d.code.endswith("0" * tails[d.level]), d
        assert d.name and d.name == d.name.strip(), d


def test_fengdu_county() -> None:
    fengdu = divisions.get(FENGDU)
    assert fengdu == Division(FENGDU, "丰都县", "county", CHONGQING_COUNTIES)
    assert divisions.get("500230") == fengdu
    parent = divisions.get(CHONGQING_COUNTIES)
    assert parent is not None
    assert parent.level == "prefecture"
    assert parent.parent_code == CHONGQING


def test_lizi_township_under_fengdu() -> None:
    kids = divisions.children(FENGDU)
    assert kids and all(k.level == "township" and k.parent_code == FENGDU for k in kids)
    lizi = [k for k in kids if k.name == "栗子乡"]
    assert len(lizi) == 1
    code = lizi[0].code
    assert len(code) == 12 and code.isdigit() and code.startswith("500230")
    assert code == "500230209000"
    assert divisions.full_name(code) == "重庆市 丰都县 栗子乡"


def test_ancestors_order() -> None:
    chain = divisions.ancestors("500230209000")
    assert [d.code for d in chain] == [CHONGQING, CHONGQING_COUNTIES, FENGDU]
    assert [d.level for d in chain] == ["province", "prefecture", "county"]
    assert divisions.ancestors(CHONGQING) == []
    assert divisions.ancestors("999999999999") == []


def test_children_of_none_are_provinces() -> None:
    provinces = divisions.children(None)
    assert len(provinces) == 31
    assert all(p.level == "province" and p.parent_code is None for p in provinces)
    assert divisions.get(CHONGQING) in provinces
    assert divisions.children("not a code") == []
    assert divisions.children("500230209000") == []


def test_every_row_has_its_parent_one_level_up() -> None:
    by_code = {d.code: d for d in _all()}
    expected_parent = {"prefecture": "province", "county": "prefecture", "township": "county"}
    for d in _all():
        if d.level == "province":
            assert d.parent_code is None
            continue
        assert d.parent_code is not None
        parent = by_code[d.parent_code]
        assert d.code.startswith(parent.code.rstrip("0")[:2]), d
        if d.level == "township" and parent.code in CITIES_WITHOUT_COUNTIES:
            assert parent.level == "prefecture"
        else:
            assert parent.level == expected_parent[d.level], d


def test_every_township_parent_is_a_county_present() -> None:
    by_code = {d.code: d for d in _all()}
    odd = set()
    for d in _all():
        if d.level != "township":
            continue
        assert d.parent_code in by_code
        assert d.code[:6] == d.parent_code[:6]
        if by_code[d.parent_code].level != "county":
            odd.add(d.parent_code)
    assert odd == CITIES_WITHOUT_COUNTIES


def test_search_by_name() -> None:
    results = divisions.search("栗子乡")
    assert any(d.code == "500230209000" for d in results)
    assert all("栗子乡" in d.name for d in results)
    assert divisions.search("丰都")[0].code == FENGDU
    exact = divisions.search("丰都县", level="county")
    assert [d.code for d in exact] == [FENGDU]
    assert divisions.search("丰都县", level="township") == []


def test_search_by_code_prefix_and_limit() -> None:
    results = divisions.search("500230", limit=5)
    assert len(results) == 5
    assert results[0].code == FENGDU
    assert all(d.code.startswith("500230") for d in results)
    assert len(divisions.search("街道", level="township")) == 20
    assert divisions.search("") == []
    assert divisions.search("栗子", limit=0) == []


def test_search_rejects_unknown_level() -> None:
    with pytest.raises(ValueError):
        divisions.search("丰都", level="village")


def test_full_name_skips_placeholders() -> None:
    assert divisions.full_name("110101001000") == "北京市 东城区 东华门街道"
    assert divisions.full_name("441900003000") == "广东省 东莞市 东城街道"
    assert divisions.full_name("429004001000") == "湖北省 仙桃市 沙嘴街道"
    assert divisions.full_name("620201100000") == "甘肃省 嘉峪关市 新城镇"
    assert divisions.full_name(CHONGQING) == "重庆市"
    with pytest.raises(KeyError):
        divisions.full_name("999999999999")


def test_get_unknown_or_malformed() -> None:
    assert divisions.get("999999999999") is None
    assert divisions.get("abc") is None
    assert divisions.get("12345") is None
    assert divisions.get("５０") is None  # full-width digits are not codes
