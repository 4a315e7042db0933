"""Authentication: Argon2 password hashes, rate-limited sign-in, CSRF on page posts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from conftest import PASSWORD, make_payload, page_url
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.hashers import check_password
from django.test import Client
from django.utils import timezone

from shouwang.core.models import LoginFailure
from shouwang.forces.models import Organisation


def test_passwords_are_hashed_with_argon2(world: Any) -> None:
    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    for user in world.all_users():
        user.refresh_from_db()
        assert user.password.startswith("argon2$argon2id$"), user.username
        assert PASSWORD not in user.password
    # One real check is enough (each Argon2 check deliberately costs ~0.3 s).
    assert check_password(PASSWORD, world.users["auditor"].password)
    assert not check_password("wrong", world.users["auditor"].password)


def test_login_with_the_right_password_works(world: Any) -> None:
    client = Client()
    response = client.post("/login/", {"username": "u_township_staff", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(world.users["township_staff"].pk)


def test_wrong_password_is_refused_and_counted(world: Any) -> None:
    client = Client()
    response = client.post("/login/", {"username": "u_township_staff", "password": "wrong"})
    assert response.status_code == 200
    assert SESSION_KEY not in client.session
    assert LoginFailure.objects.filter(username="u_township_staff").count() == 1


def test_login_is_rate_limited(world: Any) -> None:
    client = Client()
    limit = settings.LOGIN_MAX_FAILURES
    assert limit >= 1
    for _ in range(limit):
        response = client.post("/login/", {"username": "u_auditor", "password": "wrong"})
        assert response.status_code == 200
        assert SESSION_KEY not in client.session
    # Now even the right password is refused, with 429, and nothing is signed in.
    response = client.post("/login/", {"username": "u_auditor", "password": PASSWORD})
    assert response.status_code == 429
    assert SESSION_KEY not in client.session
    # Case does not help: the limit is per lower-cased name.
    response = client.post("/login/", {"username": "U_AUDITOR", "password": PASSWORD})
    assert response.status_code in (200, 429)
    assert SESSION_KEY not in client.session
    # Another account from another address is not affected.
    other = Client(REMOTE_ADDR="10.0.0.9")
    response = other.post("/login/", {"username": "u_grid_worker", "password": PASSWORD})
    assert response.status_code == 302


def test_rate_limit_per_address_covers_many_names(world: Any) -> None:
    client = Client(REMOTE_ADDR="10.1.2.3")
    limit = settings.LOGIN_MAX_FAILURES
    # Recent failures for many names from one address (posting them all would cost one
    # Argon2 hash each; test_login_is_rate_limited proves failures are recorded).
    LoginFailure.objects.bulk_create(
        LoginFailure(username=f"nobody{i}", address="10.1.2.3") for i in range(limit * 4)
    )
    response = client.post("/login/", {"username": "u_team_leader", "password": PASSWORD})
    assert response.status_code == 429
    assert SESSION_KEY not in client.session
    # Old failures (outside the window) no longer count.
    LoginFailure.objects.update(at=timezone.now() - timedelta(hours=2))
    response = client.post("/login/", {"username": "u_team_leader", "password": PASSWORD})
    assert response.status_code == 302


def test_csrf_is_enforced_on_page_posts(world: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["township_staff"])
    before = Organisation.objects.count()
    data = {k: v for k, v in make_payload("organisations", world, "A").items() if v is not None}
    response = client.post(page_url("organisations", action="new"), data)
    assert response.status_code == 403
    assert Organisation.objects.count() == before
    org = world.a.organisation
    response = client.post(page_url("organisations", org.pk, "delete"))
    assert response.status_code == 403
    assert Organisation.objects.filter(pk=org.pk).exists()
    # With the token from the form, the same post goes through.
    page = client.get(page_url("organisations", action="new"))
    token = page.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post(
        page_url("organisations", action="new"), {**data, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert Organisation.objects.count() == before + 1


def test_csrf_is_enforced_on_login(world: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "u_township_staff", "password": PASSWORD})
    assert response.status_code == 403
    assert SESSION_KEY not in client.session


def test_pages_require_login(world: Any) -> None:
    client = Client()
    for url in ("/", "/map/", page_url("members"), page_url("members", world.a.member.pk)):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/"), url


def test_patrol_members_land_in_the_phone_app(world: Any) -> None:
    """A login whose only role is patrol member lands in the phone app; others on the home
    page; an explicit ?next= wins for everyone."""
    client = Client()
    response = client.post("/login/", {"username": "u_patrol_member", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/app/"
    office = Client()
    response = office.post("/login/", {"username": "u_township_staff", "password": PASSWORD})
    assert response["Location"] == "/"
    again = Client()
    response = again.post(
        "/login/?next=/rostering/my-duties/",
        {"username": "u_patrol_member", "password": PASSWORD},
    )
    assert response["Location"] == "/rostering/my-duties/"
