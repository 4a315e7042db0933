"""Phone sign-in with revocable, hashed API tokens."""

from __future__ import annotations

import pytest
from django.test import Client

from shouwang.core.models import ApiToken, AuditEvent
from shouwang.core.services import create_user

pytestmark = pytest.mark.django_db

PASSWORD = "Patrol-route-2024!"


def test_token_issue_use_and_revoke() -> None:
    user = create_user(actor=None, username="phone_user", password=PASSWORD)
    client = Client()
    issued = client.post(
        "/api/v1/auth/tokens",
        {"username": "phone_user", "password": PASSWORD, "device_name": "Redmi"},
        content_type="application/json",
    )
    assert issued.status_code == 201
    raw = issued.json()["token"]
    stored = ApiToken.objects.get(pk=issued.json()["id"])
    assert stored.user == user
    assert raw not in (stored.digest, stored.prefix)
    assert stored.digest == ApiToken.hash(raw)
    assert AuditEvent.objects.filter(code="core.apitoken.created", actor=user).count() == 1

    me = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert me.status_code == 200
    assert me.json()["username"] == "phone_user"

    revoked = client.delete(f"/api/v1/auth/tokens/{stored.pk}", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert revoked.status_code == 204
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_wrong_password_gets_no_token() -> None:
    create_user(actor=None, username="phone_user2", password=PASSWORD)
    response = Client().post(
        "/api/v1/auth/tokens",
        {"username": "phone_user2", "password": "wrong-password"},
        content_type="application/json",
    )
    assert response.status_code == 401
    assert not ApiToken.objects.exists()


def test_token_sign_in_is_rate_limited(settings: object) -> None:
    create_user(actor=None, username="phone_user3", password=PASSWORD)
    client = Client()
    for _ in range(5):
        client.post(
            "/api/v1/auth/tokens",
            {"username": "phone_user3", "password": "guess"},
            content_type="application/json",
        )
    refused = client.post(
        "/api/v1/auth/tokens",
        {"username": "phone_user3", "password": PASSWORD},
        content_type="application/json",
    )
    assert refused.status_code == 429
    assert not ApiToken.objects.exists()
