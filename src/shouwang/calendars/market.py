"""Market days (赶集 / 赶场 / 逢场天) as data: patterns, a parser for the usual wording, the dates.

A :class:`MarketPattern` is one of six kinds (``calendar``):

``lunar`` / ``gregorian``
    旬 pattern by the last digit (尾数) of the day of the month, in the lunar or the Gregorian
    calendar.  ``days`` holds the digits 1–10, where 10 means "ends in 0" (逢十: the 10th, 20th
    and 30th).  So 逢三六九 is ``(3, 6, 9)`` and matches days 3, 6, 9, 13, 16, 19, 23, 26, 29; a
    Gregorian 逢一四七 also matches the 31st.  Leap months (闰月) follow the same pattern.  A
    lunar 小月 has no 30th: ``lunar_30_rule`` says whether that market is dropped (``skip``),
    held on the 29th (``move_to_29``) or on the 1st of the next month (``move_to_next_1``).  The
    rule applies to the lunar calendar only; a Gregorian "30th" in February simply does not
    happen.
``weekday``
    ``days`` holds ISO weekdays, 1 = Monday … 7 = Sunday (每周二、六 = ``(2, 6)``).
``odd_even``
    Odd or even Gregorian dates: ``days`` is ``("odd",)`` or ``("even",)``.  A 31-day month
    puts two odd dates (31st and 1st) next to each other, as in real life.  Lunar 逢单 is a
    ``lunar`` pattern with ``days = (1, 3, 5, 7, 9)``.
``interval``
    Every ``every_n`` days counted from ``anchor`` (a known market day), in both directions
    and across month and year ends (五天一场).
``branch``
    Days whose earthly branch (地支) is one of ``days``, a 12-day cycle (丑巳酉 = three markets
    every 12 days, 空三赶四).

Markets outside these rules (the 腊月 年集, a market cancelled for a flood) are the app's
per-date exceptions, not part of the pattern.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Literal

from shouwang.calendars.holidays import date_range
from shouwang.calendars.lunar import ANIMALS, BRANCH_ANIMALS_EN, BRANCHES, branch_days, lunar_days

MarketCalendar = Literal["lunar", "gregorian", "weekday", "odd_even", "interval", "branch"]
Lunar30Rule = Literal["skip", "move_to_29", "move_to_next_1"]
TailCalendar = Literal["lunar", "gregorian"]

_CALENDARS = ("lunar", "gregorian", "weekday", "odd_even", "interval", "branch")
_LUNAR_30_RULES = ("skip", "move_to_29", "move_to_next_1")
_CN_NUMERALS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_DIGIT_NAMES = "〇一二三四五六七八九十"
_WEEKDAY_NAMES = ("", "一", "二", "三", "四", "五", "六", "日")
_WEEKDAY_EN = ("", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class PatternError(ValueError):
    """A market pattern that cannot be read or is not valid, with a message in both languages."""

    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_zh = message_zh
        self.message_en = message_en


@dataclass(frozen=True)
class MarketPattern:
    """When a market is held; see the module documentation for the six kinds.

    The constructor checks the fields and normalises ``days`` (sorted, without repeats) so
    that equal patterns compare equal.
    """

    calendar: MarketCalendar
    days: tuple[int | str, ...] = ()
    anchor: date | None = None
    every_n: int | None = None
    lunar_30_rule: Lunar30Rule = "skip"

    def __post_init__(self) -> None:
        if self.calendar not in _CALENDARS:
            raise PatternError(
                f"未知的集期类型：{self.calendar!r}", f"unknown market calendar {self.calendar!r}"
            )
        if self.lunar_30_rule not in _LUNAR_30_RULES:
            raise PatternError(
                f"未知的小月逢十规则：{self.lunar_30_rule!r}",
                f"unknown lunar_30_rule {self.lunar_30_rule!r}",
            )
        object.__setattr__(self, "days", self._checked_days())
        if self.calendar == "interval":
            if self.every_n is None or self.every_n < 1:
                raise PatternError(
                    "“N天一场”需要大于0的间隔天数。", "an interval market needs every_n >= 1"
                )
            if self.anchor is None:
                raise PatternError(
                    "“N天一场”需要一个已知的赶集日作为起算日。",
                    "an interval market needs an anchor date (a known market day)",
                )

    def _checked_days(self) -> tuple[int | str, ...]:
        days = self.days
        if self.calendar == "interval":
            return ()
        if not days:
            raise PatternError("集期没有填写日子。", "the market pattern lists no days")
        if self.calendar == "branch":
            if any(not isinstance(x, str) or x not in BRANCHES for x in days):
                raise PatternError(
                    "地支集期只能填写子丑寅卯辰巳午未申酉戌亥。",
                    "branch market days must be earthly branches 子 … 亥",
                )
            return tuple(b for b in BRANCHES if b in days)
        if self.calendar == "odd_even":
            if any(x not in ("odd", "even") for x in days):
                raise PatternError(
                    "逢单/逢双集期只能是 odd 或 even。", "odd/even market days are 'odd' or 'even'"
                )
            return tuple(x for x in ("odd", "even") if x in days)
        top = 7 if self.calendar == "weekday" else 10
        if any(isinstance(x, bool) or not isinstance(x, int) or not 1 <= x <= top for x in days):
            if top == 7:
                raise PatternError(
                    "星期集期只能填写1（周一）到7（周日）。",
                    "weekday market days are 1 (Monday) … 7 (Sunday)",
                )
            raise PatternError(
                "逢几的尾数只能填写1到10（10即逢十：10、20、30日）。",
                "market day digits are 1 … 10 (10 = the 10th, 20th and 30th)",
            )
        return tuple(sorted({int(x) for x in days}))

    @property
    def tail_digits(self) -> frozenset[int]:
        """For ``lunar``/``gregorian`` patterns: day-of-month last digits, 0 for 逢十."""
        return frozenset(int(x) % 10 for x in self.days if isinstance(x, int))


def _lunar_market_days(pattern: MarketPattern, start: date, end: date) -> list[date]:
    tails = pattern.tail_digits
    has_30 = 0 in tails
    rule = pattern.lunar_30_rule
    result: list[date] = []
    # Start one day early so that the 1st of a month knows how long the month before was.
    previous_day: int | None = None
    for ld in lunar_days(date.fromordinal(start.toordinal() - 1), end):
        hit = ld.day % 10 in tails
        if has_30 and not hit:
            # A 29-day month has no 30th: hold that market on its 29th or the next 1st.
            moved_to_29 = rule == "move_to_29" and ld.month_days == 29 and ld.day == 29
            moved_to_1 = rule == "move_to_next_1" and ld.day == 1 and previous_day == 29
            hit = moved_to_29 or moved_to_1
        previous_day = ld.day
        if hit and ld.date >= start:
            result.append(ld.date)
    return result


def market_days(pattern: MarketPattern, start: date, end: date) -> list[date]:
    """The market days from ``start`` to ``end`` (both included), in order."""
    if end < start:
        return []
    kind = pattern.calendar
    if kind == "lunar":
        return _lunar_market_days(pattern, start, end)
    if kind == "branch":
        wanted = set(pattern.days)
        return [d for d, branch in branch_days(start, end) if branch in wanted]
    if kind == "gregorian":
        tails = pattern.tail_digits
        return [d for d in date_range(start, end) if d.day % 10 in tails]
    if kind == "weekday":
        weekdays = set(pattern.days)
        return [d for d in date_range(start, end) if d.isoweekday() in weekdays]
    if kind == "odd_even":
        parities = {1 if x == "odd" else 0 for x in pattern.days}
        return [d for d in date_range(start, end) if d.day % 2 in parities]
    # interval
    assert pattern.anchor is not None and pattern.every_n is not None
    n, anchor = pattern.every_n, pattern.anchor
    first = start.toordinal() + (anchor.toordinal() - start.toordinal()) % n
    return [date.fromordinal(o) for o in range(first, end.toordinal() + 1, n)]


def is_market_day(pattern: MarketPattern, d: date) -> bool:
    """Whether ``d`` is a market day of ``pattern``."""
    return bool(market_days(pattern, d, d))


# -- description ------------------------------------------------------------------------------


def _digit_zh(x: int) -> str:
    return _CN_DIGIT_NAMES[x]


def describe_pattern(pattern: MarketPattern) -> tuple[str, str]:
    """A plain-language description ``(Chinese, English)``, e.g. ``("农历逢三、六、九", …)``."""
    kind = pattern.calendar
    ints = [int(x) for x in pattern.days if isinstance(x, int)]
    if kind in ("lunar", "gregorian"):
        if kind == "lunar":
            zh = "农历逢" + "、".join(_digit_zh(x) for x in ints)
        else:
            zh = "公历逢" + "、".join(str(x) for x in ints)
        cal_en = "lunar" if kind == "lunar" else "Gregorian"
        en = f"{cal_en} dates ending in " + ", ".join(str(x % 10) for x in ints)
        if kind == "lunar" and 10 in ints and pattern.lunar_30_rule != "skip":
            if pattern.lunar_30_rule == "move_to_29":
                zh += "（小月的三十改在廿九）"
                en += " (the 30th moves to the 29th in a 29-day month)"
            else:
                zh += "（小月的三十改在下月初一）"
                en += " (the 30th moves to the next 1st after a 29-day month)"
        return zh, en
    if kind == "weekday":
        zh = "每周" + "、".join(_WEEKDAY_NAMES[x] for x in ints)
        en = "every " + ", ".join(_WEEKDAY_EN[x] for x in ints)
        return zh, en
    if kind == "odd_even":
        zh = "、".join("逢单日" if x == "odd" else "逢双日" for x in pattern.days)
        en = " and ".join("odd dates" if x == "odd" else "even dates" for x in pattern.days)
        return zh, en
    if kind == "branch":
        names = [str(x) for x in pattern.days]
        zh = "逢" + "、".join(names) + "日"
        en = "days of the branch " + ", ".join(f"{b} ({BRANCH_ANIMALS_EN[b]})" for b in names)
        return zh, en
    anchor = pattern.anchor.isoformat() if pattern.anchor else "?"
    return (
        f"每{pattern.every_n}天一场（以{anchor}起算）",
        f"every {pattern.every_n} days (counted from {anchor})",
    )


# -- parsing ----------------------------------------------------------------------------------

_SEPARATORS = re.compile(r"[\s、，,.．。·/;；:：\"'“”‘’「」『』()（）【】\[\]和及与]+")
_CALENDAR_WORDS: dict[str, TailCalendar] = {
    "农历": "lunar",
    "阴历": "lunar",
    "旧历": "lunar",
    "公历": "gregorian",
    "阳历": "gregorian",
    "新历": "gregorian",
}
_MARKET_WORDS = re.compile(r"逢场天|赶场天|赶集|赶场|赶街|赶圩|逢场|场期|集期|场天|开集|集日|场日")
_INTERVAL = re.compile(r"每?(\d+|[一二三四五六七八九十]+)天(?:一|1)?(?:场|集|街|圩|市)?")
_WEEK_WORDS = re.compile(r"星期|礼拜|周")


def _cn_number(text: str) -> int | None:
    """A number written in digits or Chinese numerals up to 99 (十二, 二十, 5); else ``None``."""
    if text.isdigit():
        return int(text)
    if text in _CN_NUMERALS:
        return _CN_NUMERALS[text]
    match = re.fullmatch(r"([二三四五六七八九]?)十([一二三四五六七八九]?)", text)
    if match is None:
        return None
    tens = _CN_NUMERALS[match.group(1)] if match.group(1) else 1
    ones = _CN_NUMERALS[match.group(2)] if match.group(2) else 0
    return tens * 10 + ones


def _unreadable(text: str) -> PatternError:
    return PatternError(
        f"无法识别集期“{text}”。可以写成：逢三六九、逢五逢十、公历逢1、4、7、逢单、每周二、六、"
        "五天一场（需起算日）或丑巳酉。",
        f"cannot read the market pattern {text!r}; examples: 逢三六九, 逢五逢十, 公历逢1、4、7, "
        "逢单, 每周二、六, 五天一场 (with an anchor date), 丑巳酉",
    )


def _tail_values(pieces: list[str], original: str) -> tuple[int, ...]:
    """Digits 1–10 from the pieces of a 逢X pattern (``逢4、7、10``, ``逢三六九``, ``逢五逢十``)."""
    pieces = [p for p in pieces if p]
    values: list[int] = []
    separated = len(pieces) > 1
    for piece in pieces:
        found: list[int] = []
        i = 0
        while i < len(piece):
            ch = piece[i]
            if ch == "十" or ch == "0":
                found.append(10)
            elif ch == "1" and piece[i + 1 : i + 2] == "0":
                found.append(10)
                i += 1
            elif ch in _CN_NUMERALS:
                found.append(_CN_NUMERALS[ch])
            elif ch.isdigit():
                found.append(int(ch))
            else:
                raise _unreadable(original)
            i += 1
        if separated and len(found) != 1:
            # "逢1、15" or "逢一、十五": exact days of the month, not last digits.
            raise PatternError(
                f"集期“{original}”像是每月固定日期，目前只支持按尾数逢几（如逢一四七）。",
                f"{original!r} looks like fixed days of the month; only last-digit patterns "
                "(such as 逢一四七) are supported",
            )
        values.extend(found)
    if not values:
        raise _unreadable(original)
    return tuple(values)


def parse_pattern(
    text: str,
    *,
    anchor: date | None = None,
    calendar: TailCalendar | None = None,
    lunar_30_rule: Lunar30Rule = "skip",
) -> MarketPattern:
    """Read a market pattern as offices write it; raises :class:`PatternError` if it cannot.

    Understood forms (full-width digits and punctuation are fine, quotes are ignored):

    * 逢一四七, 逢二五八, 逢三六九, 逢四七十, 逢五逢十, 逢"369"赶集, 逢1、4、7, 三六九 → ``lunar``
      (or ``gregorian`` when the text says 公历/阳历/新历, or ``calendar="gregorian"``);
    * 逢单 / 逢双 / 单日 / 双日 → ``odd_even`` (Gregorian dates); with 农历/阴历 (or
      ``calendar="lunar"``) a ``lunar`` pattern of odd or even last digits;
    * 每周二、六, 星期二、星期六, 周二周六, 礼拜三 → ``weekday``;
    * 五天一场, 每5天一集, 十天一场 → ``interval`` (``anchor`` required: a known market day);
    * 丑巳酉, 逢丑巳酉日, 空三赶四赶丑巳酉日, 逢牛蛇鸡 → ``branch``.

    A text that names the calendar wins over the ``calendar`` argument.  Some county tables
    write Gregorian 尾数 in Arabic digits and lunar ones in Chinese numerals (逢1 vs 逢一), but
    that is not a general rule, so both default to lunar: the form should ask which calendar.
    """
    original = text
    s = unicodedata.normalize("NFKC", text).strip()
    named: set[TailCalendar] = set()
    for word, cal in _CALENDAR_WORDS.items():
        if word in s:
            named.add(cal)
            s = s.replace(word, "")
    if len(named) > 1:
        raise PatternError(
            f"集期“{original}”同时写了农历和公历。",
            f"{original!r} names both the lunar and the Gregorian calendar",
        )
    tail_calendar: TailCalendar | None = next(iter(named)) if named else calendar
    pieces = [p for p in _SEPARATORS.split(s) if p]
    compact = "".join(pieces)
    if not compact:
        raise _unreadable(original)

    def make(kind: MarketCalendar, days: tuple[int | str, ...]) -> MarketPattern:
        return MarketPattern(kind, days, None, None, lunar_30_rule)

    # N 天一场
    interval = _INTERVAL.fullmatch(compact)
    if interval is not None:
        n = _cn_number(interval.group(1))
        if n is None:
            raise _unreadable(original)
        if anchor is None:
            raise PatternError(
                f"“{original}”需要一个起算日：请给出最近一次赶集的日期。",
                f"{original!r} needs an anchor date: give the date of a recent market day",
            )
        return MarketPattern("interval", (), anchor, n, lunar_30_rule)

    # 每周二、六
    if _WEEK_WORDS.search(compact):
        rest = _MARKET_WORDS.sub("", compact).removeprefix("每")
        rest = _WEEK_WORDS.sub("", rest)
        weekdays: list[int] = []
        for ch in rest:
            if ch in "日天":
                weekdays.append(7)
            elif ch in _CN_NUMERALS and _CN_NUMERALS[ch] <= 7:
                weekdays.append(_CN_NUMERALS[ch])
            elif ch in "1234567":
                weekdays.append(int(ch))
            else:
                raise _unreadable(original)
        if not weekdays:
            raise _unreadable(original)
        return make("weekday", tuple(weekdays))

    stripped = _MARKET_WORDS.sub("", compact)

    # 逢单 / 逢双
    parity = re.sub(r"[逢每日号]", "", stripped)
    if parity in ("单", "双", "单双"):
        odd_even: tuple[str, ...] = tuple(
            p for p, ch in (("odd", "单"), ("even", "双")) if ch in parity
        )
        if tail_calendar == "lunar":
            digits: list[int] = []
            for p in odd_even:
                digits.extend((1, 3, 5, 7, 9) if p == "odd" else (2, 4, 6, 8, 10))
            return make("lunar", tuple(digits))
        return make("odd_even", odd_even)

    # 丑巳酉
    branch_text = stripped.replace("空三赶四", "")
    branch_text = re.sub(r"[逢赶日场集]", "", branch_text)
    branch_text = "".join(ANIMALS.get(ch, ch) for ch in branch_text)
    if branch_text and all(ch in BRANCHES for ch in branch_text):
        return make("branch", tuple(branch_text))

    # 逢三六九
    tail_pieces = [re.sub(r"[逢日号]|尾数", "", _MARKET_WORDS.sub("", p)) for p in pieces]
    values = _tail_values(tail_pieces, original)
    return make(tail_calendar or "lunar", values)
