"""Form fields that let people pick instead of typing JSON: a count per code-list item (e.g.
the minimum number of members per role) and ISO weekdays as checkboxes."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.dates import WEEKDAYS
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

#: ISO weekdays (1 = Monday … 7 = Sunday) with the user's names for them.
ISO_WEEKDAYS = [(day + 1, name) for day, name in sorted(WEEKDAYS.items())]


def weekday_field(**kwargs: Any) -> forms.TypedMultipleChoiceField:
    """ISO weekdays ticked as checkboxes, cleaned to a list of ints."""
    return forms.TypedMultipleChoiceField(
        choices=ISO_WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        **kwargs,
    )


class CodeCountsWidget(forms.Widget):
    """One number box per item of a code list; posted as `<name>__<code>`. API data (a JSON
    object) and JSON text are read as they are."""

    def __init__(self, code_list: str, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.code_list = code_list

    def items(self) -> list[tuple[str, str]]:
        from shouwang.core.models import CodeItem

        rows = CodeItem.objects.filter(code_list__key=self.code_list, active=True).order_by(
            "sort_order", "code"
        )
        return [(item.code, str(item)) for item in rows]  # str(): the user's language

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        if name in data:
            raw = data.get(name)
            if isinstance(raw, str) and raw.strip():
                try:
                    return json.loads(raw)
                except ValueError:
                    return raw
            return raw
        prefix = f"{name}__"
        return {key[len(prefix) :]: data.get(key) for key in data if key.startswith(prefix)}

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        prefix = f"{name}__"
        return name not in data and not any(key.startswith(prefix) for key in data)

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        counts = value if isinstance(value, Mapping) else {}
        boxes = format_html_join(
            "",
            '<label class="code-count">{} <input type="number" min="0" step="1" '
            'name="{}__{}" value="{}" inputmode="numeric"></label>',
            (
                (label, name, code, counts.get(code, "") if counts.get(code) else "")
                for code, label in self.items()
            ),
        )
        return format_html('<div class="code-counts" id="id_{}">{}</div>', name, boxes)


class CodeCountsField(forms.Field):
    """{code: count} from a CodeCountsWidget: empty boxes are left out; the model checks the
    codes and the counts (its messages name the unknown codes)."""

    default_error_messages = {"invalid": _("Each count must be a whole number ≥ 1.")}

    def __init__(self, code_list: str, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", CodeCountsWidget(code_list))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Any:
        if value in (None, "", {}):
            return {}
        if not isinstance(value, Mapping):
            return value  # the model refuses it with its own message
        counts: dict[str, Any] = {}
        for code, raw in value.items():
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                continue  # an empty box: no minimum for that item
            if isinstance(raw, bool):
                raise ValidationError(self.error_messages["invalid"], code="invalid")
            try:
                counts[str(code)] = int(str(raw).strip())
            except ValueError:
                raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        return counts
