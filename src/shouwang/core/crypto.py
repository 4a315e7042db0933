"""Encryption at rest for sensitive personal data, and blind indexes for lookups.

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under FIELD_ENCRYPTION_KEY.
A keyed HMAC digest of the normalised value allows uniqueness checks and exact search
without decrypting anything.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from functools import cache

from cryptography.fernet import Fernet
from django.conf import settings


@cache
def _keys(secret: str) -> tuple[Fernet, bytes]:
    material = hashlib.sha256(("fernet:" + secret).encode()).digest()
    fernet = Fernet(base64.urlsafe_b64encode(material))
    index_key = hashlib.sha256(("index:" + secret).encode()).digest()
    return fernet, index_key


def encrypt(value: str) -> str:
    fernet, _ = _keys(settings.FIELD_ENCRYPTION_KEY)
    return fernet.encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    fernet, _ = _keys(settings.FIELD_ENCRYPTION_KEY)
    return fernet.decrypt(token.encode()).decode()


def blind_index(value: str) -> str:
    _, index_key = _keys(settings.FIELD_ENCRYPTION_KEY)
    return hmac.new(index_key, value.encode(), hashlib.sha256).hexdigest()


def new_secret_token(prefix: str) -> str:
    """A bearer secret (API token, calendar-feed token); only its digest is ever stored."""
    return prefix + secrets.token_urlsafe(32)


def secret_digest(raw: str) -> str:
    """The stored form of a bearer secret: its SHA-256, so a database leak reveals no token."""
    return hashlib.sha256(raw.encode()).hexdigest()
