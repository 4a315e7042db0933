"""Forms of the office side of field work: checklists, a paper log, review actions."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.core.records import RecordForm
from shouwang.patrols.checklists import item_errors, normalise_items
from shouwang.patrols.models import Checklist

SEPARATOR = "|"


def items_to_lines(items: Any) -> str:
    """Items as the clerk edits them: one line per item, ``code | text | hint | English``."""
    if not isinstance(items, list):
        return "" if items is None else str(items)
    lines = []
    for item in items:
        if not isinstance(item, dict):
            continue
        parts = [str(item.get(k, "") or "") for k in ("code", "text", "hint")]
        if item.get("text_en"):
            parts.append(str(item["text_en"]))
        lines.append(f" {SEPARATOR} ".join(parts))
    return "\n".join(lines)


def lines_to_items(text: str) -> list[dict[str, str]]:
    """Parse the one-line-per-item text; empty lines are skipped."""
    items = []
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        parts = [p.strip() for p in line.split(SEPARATOR)]
        if len(parts) < 2 or len(parts) > 4:
            raise ValidationError(
                _(
                    "Line %(n)d: write “code | text | hint”, separated by “|” "
                    "(an English text may follow as a fourth part)."
                )
                % {"n": n}
            )
        item = {"code": parts[0], "text": parts[1], "hint": parts[2] if len(parts) > 2 else ""}
        if len(parts) == 4 and parts[3]:
            item["text_en"] = parts[3]
        items.append(item)
    return items


class ChecklistItemsField(forms.JSONField):
    """Checklist items, typed as one line per item (``po-01 | 公共场所有无聚众赌博 | 棋牌室``)
    on the page, or given as JSON (a list of objects) through the API or pasted."""

    widget = forms.Textarea(attrs={"rows": 12, "class": "mono"})

    def to_python(self, value: Any) -> Any:
        if isinstance(value, list | dict):
            return value
        if value is None:
            return []
        text = str(value).strip()
        if not text:
            return []
        if text.startswith("["):
            try:
                return json.loads(text)
            except json.JSONDecodeError as exc:
                raise ValidationError(_("Enter a valid JSON list of items.")) from exc
        return lines_to_items(text)

    def bound_data(self, data: Any, initial: Any) -> Any:
        return data  # re-show what the clerk typed

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                try:
                    return items_to_lines(json.loads(text))
                except json.JSONDecodeError:
                    return value
            return value
        return items_to_lines(value)

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return bool(self.to_python(data) != (initial or []))
        except ValidationError:
            return True


class ChecklistForm(RecordForm):
    items = ChecklistItemsField(
        label=gettext_lazy("items"),
        help_text=gettext_lazy(
            "One item per line: code | text | hint, e.g. “po-01 | 公共场所有无聚众赌博、涉黄现象 | "
            "棋牌室、茶馆”. Codes are short and never change once used (results refer to them). "
            "An English text may follow as a fourth part."
        ),
    )

    class Meta:
        model = Checklist
        fields = ["name", "category", "jurisdiction", "items", "active", "note"]

    def clean_items(self) -> list[dict[str, str]]:
        items = self.cleaned_data.get("items")
        errors = item_errors(items)
        if errors:
            raise ValidationError(errors)
        assert isinstance(items, list)
        return normalise_items(items)


# -- review actions ----------------------------------------------------------------------------


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class CorrectionForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("correction"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class LedgerForm(forms.Form):
    month = forms.DateField(
        label=gettext_lazy("month"),
        input_formats=["%Y-%m", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    team: forms.ModelChoiceField = forms.ModelChoiceField(
        label=gettext_lazy("team"),
        queryset=None,  # type: ignore[arg-type]
        required=False,
        empty_label=gettext_lazy("All teams"),
    )

    jurisdiction: forms.ModelChoiceField = forms.ModelChoiceField(
        label=gettext_lazy("jurisdiction"),
        queryset=None,  # type: ignore[arg-type]
        required=False,
        empty_label=gettext_lazy("All places"),
    )

    def __init__(self, *args: Any, actor: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from shouwang.core.models import Jurisdiction, JurisdictionLevel
        from shouwang.forces.models import Team

        self.fields["team"].queryset = Team.objects.visible_to(actor).order_by("name")  # type: ignore[attr-defined]
        self.fields["jurisdiction"].queryset = (  # type: ignore[attr-defined]
            Jurisdiction.objects.visible_to(actor)  # type: ignore[attr-defined]
            .exclude(level=JurisdictionLevel.GRID)
            .order_by("path")
        )
