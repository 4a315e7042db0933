"""Hazard page usability: the responsible person must belong to the responsible unit (server
refusal, narrowing data on the page), and at 待验收 the page shows the verify buttons to a
user who may verify and the reason to one who may not — from the rule the service uses."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from shouwang.core.models import CodeItem, Role, RoleGrant
from shouwang.core.records import RecordInvalid
from shouwang.core.scoping import forget_grants
from shouwang.forces.models import Member, Organisation
from shouwang.hazards import workflow
from shouwang.hazards.models import Hazard, HazardCategoryPolicy, HazardStatus, HazardTransition
from tests.hazards.helpers import new_hazard, office

S = HazardStatus


def other_unit(world: Any) -> Organisation:
    return Organisation.objects.create(
        name="栗子小学",
        kind=CodeItem.objects.get(pk=world.a.organisation.kind_id),
        jurisdiction=world.a.township,
    )


def member_of(world: Any, unit: Organisation | None, name: str = "李四") -> Member:
    return Member.objects.create(
        name=name, jurisdiction=world.a.village, employer=unit, phone="13900004444"
    )


def detail(world: Any, login: Any, user: Any, hazard: Hazard) -> str:
    page = login(user).get(reverse("record-detail", args=["hazards", hazard.pk]))
    assert page.status_code == 200
    return page.content.decode()


def page_language(login: Any, user: Any) -> str:
    page = login(user).get(reverse("record-list", args=["hazards"]))
    return str(page.headers.get("Content-Language") or "zh-hans")


# -- 1. the responsible person belongs to the responsible unit ----------------------------------


def test_person_of_another_unit_is_refused_and_nothing_is_saved(world: Any) -> None:
    school = other_unit(world)
    teacher = member_of(world, school)
    h = new_hazard(world)
    with pytest.raises(RecordInvalid) as exc:
        workflow.assign_hazard(
            h,
            actor=office(world),
            responsible_unit=world.a.organisation,
            responsible_person=teacher,
        )
    assert list(exc.value.errors) == ["responsible_person"]
    message = exc.value.errors["responsible_person"][0]
    assert teacher.name in message and world.a.organisation.name in message
    h.refresh_from_db()
    assert h.status == S.REPORTED
    assert h.responsible_unit_id is None and h.responsible_person_id is None
    assert not HazardTransition.objects.filter(hazard=h).exists()


def test_person_without_a_unit_is_refused(world: Any) -> None:
    loner = member_of(world, None, name="王五")
    with pytest.raises(RecordInvalid) as exc:
        workflow.assign_hazard(
            new_hazard(world),
            actor=office(world),
            responsible_unit=world.a.organisation,
            responsible_person=loner,
        )
    assert "responsible_person" in exc.value.errors


def test_person_of_the_chosen_unit_is_accepted(world: Any) -> None:
    school = other_unit(world)
    teacher = member_of(world, school)
    h = workflow.assign_hazard(
        new_hazard(world), actor=office(world), responsible_unit=school, responsible_person=teacher
    )
    assert h.status == S.ASSIGNED
    assert (h.responsible_unit_id, h.responsible_person_id) == (school.pk, teacher.pk)


def test_the_default_unit_counts_when_no_unit_is_chosen(world: Any) -> None:
    h = new_hazard(world)
    policy = workflow.policy_for(h)
    if policy is None:
        policy = HazardCategoryPolicy.objects.create(
            jurisdiction=world.a.township, category=h.category
        )
    HazardCategoryPolicy.objects.filter(pk=policy.pk).update(default_unit=world.a.organisation)
    teacher = member_of(world, other_unit(world))
    with pytest.raises(RecordInvalid) as exc:
        workflow.assign_hazard(h, actor=office(world), responsible_person=teacher)
    assert "responsible_person" in exc.value.errors
    h = workflow.assign_hazard(h, actor=office(world), responsible_person=world.a.member)
    assert h.responsible_unit_id == world.a.organisation.pk


def test_page_refuses_with_field_and_reason(world: Any, login: Any) -> None:
    teacher = member_of(world, other_unit(world))
    h = new_hazard(world)
    r = login("township_staff").post(
        reverse("hazard-transition", args=[h.pk, "assign"]),
        {"responsible_unit": world.a.organisation.pk, "responsible_person": teacher.pk},
        follow=True,
    )
    shown = [str(m) for m in r.context["messages"]]
    label = str(Hazard._meta.get_field("responsible_person").verbose_name)
    assert any(m.startswith(label) and teacher.name in m for m in shown), shown
    h.refresh_from_db()
    assert h.status == S.REPORTED and h.responsible_person_id is None


def test_page_gives_each_person_their_unit_for_narrowing(world: Any, login: Any) -> None:
    school = other_unit(world)
    teacher = member_of(world, school)
    loner = member_of(world, None, name="王五")
    h = new_hazard(world)
    html = detail(world, login, "township_staff", h)
    unit_select = re.search(r'<select name="responsible_unit"[^>]*>', html)
    assert unit_select is not None
    target = re.search(r'data-person-select="([^"]+)"', unit_select.group(0))
    assert target is not None
    assert f'<select name="responsible_person" id="{target.group(1)}">' in html
    assert f'<option value="{school.pk}">' in html
    assert f'<option value="{teacher.pk}" data-unit="{school.pk}">' in html
    assert f'<option value="{world.a.member.pk}" data-unit="{world.a.organisation.pk}">' in html
    assert f'<option value="{loner.pk}" data-unit="">' in html
    # Without the script, every person is still offered, with their unit in the label.
    assert f"{teacher.name}（{school.name}）" in html
    assert "hazards/assign.js" in html


# -- 2. verification at 待验收: buttons or the reason -------------------------------------------


def second_office_user(world: Any) -> Any:
    user = get_user_model().objects.create_user(username="office-two", password="x-Pass-123!")
    RoleGrant.objects.create(
        user=user, role=Role.objects.get(key="township_staff"), jurisdiction=world.a.township
    )
    forget_grants(user)
    return user


def rectified_by_office(world: Any) -> Hazard:
    h = workflow.assign_hazard(
        new_hazard(world), actor=office(world), responsible_unit=world.a.organisation
    )
    return workflow.report_rectified(h, actor=office(world), note="办公室自行整改")


def test_rectifier_sees_the_reason_not_the_buttons(world: Any, login: Any) -> None:
    h = rectified_by_office(world)
    assert h.status == S.AWAITING_VERIFICATION
    html = detail(world, login, office(world), h)
    verify_url = reverse("hazard-transition", args=[h.pk, "verify"])
    assert verify_url not in html
    assert 'class="help verify-refusal"' in html
    with translation.override(page_language(login, office(world))):
        refusal = workflow.verification_refusal(office(world), h)
    assert refusal is not None and not refusal.forbidden
    assert escape(refusal.reason) in html
    with translation.override("en"):
        refusal = workflow.verification_refusal(office(world), h)
    assert refusal is not None
    assert "rectified this hazard cannot verify it" in refusal.reason


def test_other_office_user_sees_the_buttons_not_the_reason(world: Any, login: Any) -> None:
    h = rectified_by_office(world)
    colleague = second_office_user(world)
    html = detail(world, login, colleague, h)
    assert reverse("hazard-transition", args=[h.pk, "verify"]) in html
    assert "verify-refusal" not in html
    h = workflow.verify_hazard(h, actor=colleague, passed=True)
    assert h.status == S.CLOSED


def test_page_and_service_ask_the_same_rule(
    world: Any, login: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page shows, and the service refuses with, whatever `verification_refusal` says."""
    h = rectified_by_office(world)
    colleague = second_office_user(world)
    reason = "TEST-REASON: the rule said no"
    monkeypatch.setattr(
        workflow,
        "verification_refusal",
        lambda user, hazard: workflow.VerifyRefusal(reason, forbidden=False),
    )
    html = detail(world, login, colleague, h)
    assert reverse("hazard-transition", args=[h.pk, "verify"]) not in html
    assert escape(reason) in html
    with pytest.raises(RecordInvalid) as exc:
        workflow.verify_hazard(h, actor=colleague, passed=True)
    assert exc.value.errors == {"verified_by": [reason]}
    h.refresh_from_db()
    assert h.status == S.AWAITING_VERIFICATION


def test_rectifier_posting_verify_is_refused_with_the_same_reason(world: Any) -> None:
    h = rectified_by_office(world)
    refusal = workflow.verification_refusal(office(world), h)
    assert refusal is not None
    with pytest.raises(RecordInvalid) as exc:
        workflow.verify_hazard(h, actor=office(world), passed=True)
    assert exc.value.errors == {"verified_by": [refusal.reason]}


def test_user_without_a_verifying_role_is_told_who_verifies(world: Any, login: Any) -> None:
    h = rectified_by_office(world)
    auditor = world.users["auditor"]
    refusal = workflow.verification_refusal(auditor, h)
    assert refusal is not None and refusal.forbidden
    html = detail(world, login, auditor, h)
    assert reverse("hazard-transition", args=[h.pk, "verify"]) not in html
    assert "verify-refusal" in html


def test_no_reason_outside_awaiting_verification(world: Any, login: Any) -> None:
    h = workflow.assign_hazard(
        new_hazard(world), actor=office(world), responsible_unit=world.a.organisation
    )
    assert "verify-refusal" not in detail(world, login, world.users["auditor"], h)
