"""Pages specific to areas: printable QR checkpoint codes."""

from __future__ import annotations

import io

import segno
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from shouwang.areas.models import KeyPlace
from shouwang.core.scoping import get_for


@login_required
def keyplace_qr(request: HttpRequest, pk: int) -> HttpResponse:
    place = get_for(KeyPlace, request.user, pk)
    if not (place.is_checkpoint and place.checkpoint_token):
        raise Http404
    buffer = io.BytesIO()
    segno.make(place.checkpoint_payload(), error="m").save(
        buffer, kind="svg", scale=8, xmldecl=False, svgns=True
    )
    return render(
        request, "areas/qr_print.html", {"place": place, "svg": buffer.getvalue().decode()}
    )
