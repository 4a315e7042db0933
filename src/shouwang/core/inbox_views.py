"""The "my tasks" inbox (/tasks/): what the signed-in user has to do on cases — rectify,
verify, assign, decide, mediate, visit … — overdue first, from every registered provider
(shouwang.core.cases). Each row links to the page where the task is done."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from shouwang.core.cases import kind_label, tasks_for


@login_required
def my_tasks(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    tasks = tasks_for(request.user, today)
    counts = Counter(t.kind for t in tasks)
    kind = request.GET.get("kind", "")
    shown = [t for t in tasks if t.kind == kind] if kind in counts else tasks
    rows: list[dict[str, Any]] = [{"task": t, "kind_label": kind_label(t.kind)} for t in shown]
    return render(
        request,
        "core/inbox.html",
        {
            "today": today,
            "overdue_rows": [r for r in rows if r["task"].overdue],
            "other_rows": [r for r in rows if not r["task"].overdue],
            "total": len(tasks),
            "kinds": [
                {"kind": k, "label": kind_label(k), "count": n, "active": k == kind}
                for k, n in sorted(counts.items(), key=lambda kv: kind_label(kv[0]))
            ],
            "kind": kind if kind in counts else "",
        },
    )


def task_badge(request: HttpRequest) -> HttpResponse:
    """The header's count of open tasks, fetched by base.html's script once the page is shown
    (so no page pays for every case kind's query); empty when signed out, so an expired session
    never puts a login page into the header."""
    user = request.user
    count = len(tasks_for(user, timezone.localdate())) if user.is_authenticated else 0
    html = f' <span class="badge" id="task-count">{count}</span>' if count else ""
    response = HttpResponse(html)
    response["Cache-Control"] = "no-store"
    return response
