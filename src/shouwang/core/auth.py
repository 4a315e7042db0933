"""Authentication: rate-limited password login, and hashed, revocable API tokens for phones."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from shouwang.core.models import ApiToken, LoginFailure


def client_address(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return str(request.META.get("REMOTE_ADDR", ""))[:64]


def too_many_failures(username: str, address: str) -> bool:
    since = timezone.now() - dt.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    recent = LoginFailure.objects.filter(at__gte=since)
    limit = settings.LOGIN_MAX_FAILURES
    by_name = recent.filter(username=username.lower()).count()
    by_address = recent.filter(address=address).count() if address else 0
    # An address may try a few names (a shared office PC), but not endlessly.
    return by_name >= limit or by_address >= limit * 4


class RateLimitedModelBackend(ModelBackend):
    """Django's password check, refusing after too many recent failures."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if username is None:
            return None
        address = client_address(request)
        if too_many_failures(username, address):
            # Refuse without checking the password, so guessing gains nothing.
            raise PermissionDenied("too many failed sign-ins")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            LoginFailure.objects.create(username=username.lower(), address=address)
            # Keep the table small: old rows have no further use.
            old = timezone.now() - dt.timedelta(days=1)
            LoginFailure.objects.filter(at__lt=old).delete()
        return user


class TokenAuth(HttpBearer):
    """`Authorization: Bearer sw_…` for the phone app; tokens are stored as SHA-256 digests."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        try:
            api_token = ApiToken.objects.select_related("user").get(
                digest=ApiToken.hash(token), revoked_at__isnull=True
            )
        except ApiToken.DoesNotExist:
            return None
        if not api_token.user.is_active:
            return None
        now = timezone.now()
        if api_token.last_used_at is None or now - api_token.last_used_at > dt.timedelta(minutes=5):
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        request.user = api_token.user
        return api_token.user
