"""The solver's findings and explanations in the user's language.

The solver is pure and speaks English; next to each text it gives a stable ``code`` and
``params`` (plain values: labels, dates, counts, rule names, qualification codes).  This
module turns code + params into gettext msgids (English; the catalogue makes them Chinese),
at display time, so a stored roster renders in whichever language the reader uses.  Stored
items without a code we know (rosters planned before codes existed) fall back to the
English text they carry.

Dates in params are ISO strings (shown as they are) or 1-based day numbers; qualifications
are member-role codes, shown by their code-list label when the code list has them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from shouwang.rostering.solver import model as sm

Params = Mapping[str, Any]

#: Hard-rule names → labels (the same English as ``model.HARD_RULE_LABELS``).
HARD_RULE_TEXT: Mapping[str, Any] = {
    sm.ONE_DUTY_PER_DAY: gettext_lazy("already on another duty that day"),
    sm.DAY_OFF: gettext_lazy("day off, leave or unavailable"),
    sm.PINNED: gettext_lazy("a fixed assignment says otherwise"),
    sm.NOT_QUALIFIED: gettext_lazy("not qualified for this duty"),
    sm.KIND_CAP: gettext_lazy("cap for this duty kind reached"),
    sm.MAX_DUTIES: gettext_lazy("maximum duties in the period reached"),
    sm.MAX_DUTIES_PER_WEEK: gettext_lazy("maximum duties in that week reached"),
    sm.MIN_MINUTES: gettext_lazy("minimum duty hours in the period not reached"),
    sm.MAX_MINUTES: gettext_lazy("maximum duty hours in the period reached"),
    sm.MAX_CONSECUTIVE_DAYS: gettext_lazy("too many consecutive duty days"),
    sm.MIN_CONSECUTIVE_DAYS: gettext_lazy("a run of duty days shorter than the minimum"),
    sm.MIN_CONSECUTIVE_DAYS_OFF: gettext_lazy("a run of days off shorter than the minimum"),
    sm.MAX_WEEKENDS: gettext_lazy("maximum weekends worked reached"),
    sm.FORBIDDEN_SUCCESSION: gettext_lazy("forbidden succession of duties on consecutive days"),
    sm.DEMAND_MAXIMUM: gettext_lazy("more members on a duty than its hard maximum"),
}


class _Context:
    """Formatting helpers for one rendering pass (role labels are looked up once)."""

    def __init__(self, role_labels: Mapping[str, str] | None = None) -> None:
        self.role_labels = dict(role_labels or {})

    def sep(self) -> str:
        return pgettext("list separator", ", ")

    def date(self, value: Any) -> str:
        if isinstance(value, int) and not isinstance(value, bool):
            return _("day %(n)s") % {"n": value}
        return str(value)

    def dates(self, params: Params) -> str:
        shown = self.sep().join(self.date(d) for d in params.get("dates") or ())
        more = int(params.get("more") or 0)
        if more:
            return ngettext("%(dates)s and %(n)s more", "%(dates)s and %(n)s more", more) % {
                "dates": shown,
                "n": more,
            }
        return shown

    def role(self, code: Any) -> str:
        return self.role_labels.get(str(code), str(code))

    def roles(self, codes: Any) -> str:
        return self.sep().join(self.role(c) for c in codes or ())

    @staticmethod
    def number(value: Any) -> str:
        # The solver writes hours with ":g" (8, 7.5); so do we.
        if isinstance(value, float):
            return f"{value:g}"
        return str(value)


_Renderer = Callable[[Params, _Context], str]


def _kind_without_members(params: Params, ctx: _Context) -> str:
    values = {"kind": params["kind"], "dates": ctx.dates(params)}
    if params.get("qualifications"):
        values["qualifications"] = ctx.roles(params["qualifications"])
        return (
            _(
                "Nobody may work %(kind)s (it requires %(qualifications)s): no member is "
                "qualified or every member's cap for it is 0. It is needed on %(dates)s and "
                "cannot be covered."
            )
            % values
        )
    return (
        _(
            "Nobody may work %(kind)s: no member is qualified or every member's cap for it is "
            "0. It is needed on %(dates)s and cannot be covered."
        )
        % values
    )


def _infeasible(params: Params, ctx: _Context) -> str:
    if params.get("reason") == "pinned_not_allowed":
        return _(
            "%(member)s is fixed to %(kind)s on %(date)s but may not work it; the hard rules "
            "cannot all hold."
        ) % {"member": params["member"], "kind": params["kind"], "date": ctx.date(params["date"])}
    return _(
        "A consecutive-day rule cannot hold across the start of the month (see the end of the "
        "previous month)."
    )


# Msgids are written out in full (not built) so that makemessages finds them.
FINDINGS: Mapping[str, _Renderer] = {
    "demand_above_maximum": lambda p, c: (
        _("%(kind)s on %(date)s asks for %(required)s members but allows at most %(maximum)s.")
        % {
            "kind": p["kind"],
            "date": c.date(p["date"]),
            "required": p["required"],
            "maximum": p["maximum"],
        }
    ),
    "kind_without_members": _kind_without_members,
    "composition_larger_than_team": lambda p, c: (
        _(
            "%(kind)s needs up to %(need)s members on %(dates)s, but only %(team)s members may "
            "work it at all."
        )
        % {"kind": p["kind"], "need": p["need"], "dates": c.dates(p), "team": p["team"]}
    ),
    "role_larger_than_team": lambda p, c: (
        _(
            "%(kind)s needs more members with %(role)s than the team has who may work it "
            "(%(dates)s)."
        )
        % {"kind": p["kind"], "role": c.role(p["role"]), "dates": c.dates(p)}
    ),
    "everyone_off": lambda p, c: (
        _("Every member qualified for %(kind)s is off on %(dates)s; it cannot be covered then.")
        % {"kind": p["kind"], "dates": c.dates(p)}
    ),
    "too_few_available": lambda p, c: (
        _("Fewer members qualified for %(kind)s are available than needed on %(dates)s.")
        % {"kind": p["kind"], "dates": c.dates(p)}
    ),
    "pinned_on_day_off": lambda p, c: (
        _("%(member)s is fixed to %(kind)s on %(date)s, which is a day off.")
        % {"member": p["member"], "kind": p["kind"], "date": c.date(p["date"])}
    ),
    "pinned_not_qualified": lambda p, c: (
        _("%(member)s is fixed to %(kind)s on %(date)s but may not work it.")
        % {"member": p["member"], "kind": p["kind"], "date": c.date(p["date"])}
    ),
    "min_hours_above_max": lambda p, c: (
        _("%(member)s must work at least %(min_hours)s h but at most %(max_hours)s h.")
        % {
            "member": p["member"],
            "min_hours": c.number(p["min_hours"]),
            "max_hours": c.number(p["max_hours"]),
        }
    ),
    "min_hours_unreachable": lambda p, c: (
        _(
            "%(member)s must work at least %(min_hours)s h, but with the days off, qualifications "
            "and caps at most %(reachable_hours)s h are possible."
        )
        % {
            "member": p["member"],
            "min_hours": c.number(p["min_hours"]),
            "reachable_hours": c.number(p["reachable_hours"]),
        }
    ),
    "min_run_above_max_run": lambda p, c: (
        _(
            "%(member)s's minimum run of duty days (%(min_run)s) is longer than the maximum "
            "(%(max_run)s); only runs at the start or end of the month are possible."
        )
        % {"member": p["member"], "min_run": p["min_run"], "max_run": p["max_run"]}
    ),
    "request_not_possible": lambda p, c: (
        _(
            "%(member)s asked to work %(kind)s on %(date)s but may not work it; the wish cannot be "
            "granted."
        )
        % {"member": p["member"], "kind": p["kind"], "date": c.date(p["date"])}
    ),
    "infeasible": _infeasible,
}


def _pinned(params: Params, ctx: _Context) -> str:
    if params.get("kind"):
        return _("fixed to %(kind)s that day") % {"kind": params["kind"]}
    return _("fixed to a day off that day")


def _hard_rules(params: Params, ctx: _Context) -> str:
    return "; ".join(str(HARD_RULE_TEXT.get(r, r)) for r in params.get("rules") or ())


REASONS: Mapping[str, _Renderer] = {
    "role_missing": lambda p, c: _("does not hold %(role)s") % {"role": c.role(p["role"])},
    "already_on_duty": lambda p, c: _("already on this duty"),
    "day_off": lambda p, c: _("day off, leave or unavailable"),
    "lacks_qualifications": lambda p, c: (
        _("lacks %(qualifications)s") % {"qualifications": c.roles(p["qualifications"])}
    ),
    "kind_cap_zero": lambda p, c: _("may not work %(kind)s (cap 0)") % {"kind": p["kind"]},
    "pinned": _pinned,
    "other_duty": lambda p, c: _("already on %(kind)s that day") % {"kind": p["kind"]},
    "demand_maximum": lambda p, c: (
        _("the duty already has its maximum of %(maximum)s") % {"maximum": p["maximum"]}
    ),
    "hard_rules": _hard_rules,
    "not_chosen": lambda p, c: _(
        "no hard rule blocks this member; adding them costs more penalty elsewhere"
    ),
    "search_stopped": lambda p, c: _(
        "no hard rule blocks this member; the search stopped before it could place them"
    ),
}

NEEDS: Mapping[str, _Renderer] = {
    "head_count_short": lambda p, c: (
        _("%(kind)s on %(date)s: %(missing)s of %(required)s member(s) missing.")
        % {
            "kind": p["kind"],
            "date": c.date(p["date"]),
            "missing": p["missing"],
            "required": p["required"],
        }
    ),
    "role_short": lambda p, c: (
        _("%(kind)s on %(date)s: %(missing)s member(s) with %(role)s missing.")
        % {
            "kind": p["kind"],
            "date": c.date(p["date"]),
            "missing": p["missing"],
            "role": c.role(p["role"]),
        }
    ),
}


def _render(
    table: Mapping[str, _Renderer], code: Any, params: Any, fallback: Any, ctx: _Context
) -> str:
    renderer = table.get(str(code or ""))
    if renderer is not None and isinstance(params, Mapping):
        try:
            return renderer(params, ctx)
        except (KeyError, TypeError, ValueError):
            pass  # params from another version: the stored English text is better than nothing
    return str(fallback or "")


def finding_text(
    code: str, params: Params, fallback: str = "", *, role_labels: Mapping[str, str] | None = None
) -> str:
    """A presolve finding in the active language (``fallback`` for unknown codes)."""
    return _render(FINDINGS, code, params, fallback, _Context(role_labels))


def reason_text(
    code: str, params: Params, fallback: str = "", *, role_labels: Mapping[str, str] | None = None
) -> str:
    """Why a member does not fill an uncovered need, in the active language."""
    return _render(REASONS, code, params, fallback, _Context(role_labels))


def need_text(
    code: str,
    params: Params,
    reasons: Iterable[Mapping[str, Any]] = (),
    fallback: str = "",
    *,
    role_labels: Mapping[str, str] | None = None,
) -> str:
    """An uncovered need's summary: what is missing, then a tally of the other members' reasons.

    ``reasons`` are stored reasons (dicts with ``code``, ``params`` and ``text``).
    """
    ctx = _Context(role_labels)
    head = _render(NEEDS, code, params, "", ctx)
    if not head:
        return str(fallback or "")
    tally = Counter(
        _render(REASONS, r.get("code"), r.get("params"), r.get("text"), ctx) for r in reasons
    )
    if not tally:
        return _two_sentences(head, _("The whole team is already on it."))
    listed = "; ".join(
        _("%(n)s × %(reason)s") % {"n": n, "reason": text} for text, n in tally.most_common()
    )
    return _two_sentences(head, _("Other members: %(reasons)s.") % {"reasons": listed})


def _two_sentences(first: str, second: str) -> str:
    # English puts a space between sentences, Chinese runs them together: the catalogue decides.
    return _("%(first)s %(second)s") % {"first": first, "second": second}


def role_labels(codes: Iterable[str] | None = None) -> dict[str, str]:
    """Member-role code → label in the active language (from the ``member_role`` code list)."""
    from shouwang.core.models import CodeItem

    items = CodeItem.objects.filter(code_list__key="member_role")
    if codes is not None:
        items = items.filter(code__in=set(codes))
    return {item.code: str(item) for item in items}


def _codes_in(items: Iterable[Mapping[str, Any]]) -> set[str]:
    """Qualification codes named in stored params (to look their labels up at once)."""
    codes: set[str] = set()

    def take(params: Any) -> None:
        if not isinstance(params, Mapping):
            return
        if params.get("role"):
            codes.add(str(params["role"]))
        for code in params.get("qualifications") or ():
            codes.add(str(code))

    for item in items:
        take(item.get("params"))
        for reason in item.get("reasons") or ():
            if isinstance(reason, Mapping):
                take(reason.get("params"))
    return codes


def plain_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """Solver params as JSON values (tuples become lists), for storing."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()}


def render_findings(items: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Stored findings with ``display``, the text in the active language, (re)set."""
    items = [i for i in items if isinstance(i, Mapping)]
    labels = role_labels(_codes_in(items))
    return [
        {
            **item,
            "display": finding_text(
                item.get("code", ""),
                item.get("params") or {},
                item.get("message", ""),
                role_labels=labels,
            ),
        }
        for item in items
    ]


def render_uncovered(items: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Stored uncovered needs with ``display`` (the summary, and each reason's text) in the
    active language (re)set."""
    items = [i for i in items if isinstance(i, Mapping)]
    labels = role_labels(_codes_in(items))
    out = []
    for item in items:
        reasons = [r for r in item.get("reasons") or () if isinstance(r, Mapping)]
        shown = [
            {
                **r,
                "display": reason_text(
                    r.get("code", ""), r.get("params") or {}, r.get("text", ""), role_labels=labels
                ),
            }
            for r in reasons
        ]
        out.append(
            {
                **item,
                "reasons": shown,
                "display": need_text(
                    item.get("code", ""),
                    item.get("params") or {},
                    reasons,
                    item.get("summary", ""),
                    role_labels=labels,
                ),
            }
        )
    return out
