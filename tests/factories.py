"""Builders for the objects tests need: a site with a calls index, and calls."""

from __future__ import annotations

import datetime
from decimal import Decimal
from itertools import count

from django.utils import timezone
from wagtail.models import Page, Site

from aap_wagtail.models import (
    CallAxis,
    CallIndexPage,
    CallMilestone,
    CallPage,
    FundingSource,
    RequiredDocument,
    SelectionCriterion,
)

_numbers = count(1)


def make_index(parent: Page | None = None, **fields) -> CallIndexPage:
    parent = parent or Site.objects.get(is_default_site=True).root_page
    n = next(_numbers)
    index = CallIndexPage(title=fields.pop("title", f"Calls {n}"), slug=f"calls-{n}", **fields)
    parent.add_child(instance=index)
    index.save_revision().publish()
    return index


def make_call(index: CallIndexPage, *, publish: bool = True, **fields) -> CallPage:
    now = timezone.now()
    n = next(_numbers)
    values = {
        "title": f"Call {n}",
        "slug": f"call-{n}",
        "intro": "A call for tests.",
        "max_grant": Decimal("2300"),
        "cofunding_threshold": Decimal("800"),
        "cofunding_message": "Above 800 €, find other funding too.",
        "envelope": Decimal("9500"),
        "opens_at": now - datetime.timedelta(days=10),
        "closes_at": now + datetime.timedelta(days=10),
        "contact_email": "contact@example.org",
    }
    values.update(fields)
    call = CallPage(live=publish, **values)
    call.axes = [CallAxis(title="Digital inclusion"), CallAxis(title="Citizen expression")]
    call.criteria = [
        SelectionCriterion(label="Social value", weight=Decimal("2"), max_score=5),
        SelectionCriterion(label="Partnerships", weight=Decimal("1"), max_score=10),
    ]
    call.required_documents = [RequiredDocument(label="Bank details", accepted_types="pdf")]
    call.funding_sources = [FundingSource(label="City contract", amount=Decimal("9500"))]
    call.milestones = [
        CallMilestone(label="Jury meeting", week=42, week_year=2023),
        CallMilestone(
            label="Plenary", date=datetime.date(2023, 11, 15), display_text="mid-November"
        ),
    ]
    index.add_child(instance=call)
    if publish:
        call.save_revision().publish()
    return call


# --- review: people and dossiers past submission --------------------------------------------

_references = count(1)


def make_user(username: str, *groups: str, **fields):
    """A user in the named groups ("AAP managers", "AAP jury", created by a data migration)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user = get_user_model().objects.create_user(
        username=username,
        email=fields.pop("email", f"{username}@example.org"),
        password="x",
        **fields,
    )
    for name in groups:
        user.groups.add(Group.objects.get(name=name))
    return get_user_model().objects.get(pk=user.pk)  # fresh permission cache


def make_submitted(call: CallPage, *, status: str = "submitted", **fields):
    """Tests only: a dossier put straight into ``status`` (``workflow`` is what is under test).

    Uses a queryset update, so nothing here writes ``status`` the way the product does.
    """
    from aap_wagtail.models import Application

    number = next(_references)
    values = {
        "email": f"asso{number}@example.org",
        "organisation_name": f"Association {number}",
        "project_title": f"Project {number}",
        "requested_amount": Decimal("2000"),
        "total_amount": Decimal("4000"),
        "number": number,
        "reference": f"TEST-{number:03d}",
        "submitted_at": timezone.now(),
    }
    values.update(fields)
    application = Application.objects.create(call=call, **values)
    Application.objects.filter(pk=application.pk).update(status=status)
    application.refresh_from_db()
    return application


def make_other_site_manager(other_index=None, username: str = "elsewhere"):
    """``(manager, index)``: a manager whose group edits only another part of the page tree
    (another site), with admin access."""
    from django.contrib.auth.models import Group, Permission
    from wagtail.models import GroupPagePermission

    other_index = other_index or make_index(title="Other site")
    group = Group.objects.create(name=f"Managers of {other_index.title} ({other_index.pk})")
    group.permissions.add(
        Permission.objects.get(codename="manage_applications"),
        Permission.objects.get(codename="access_admin"),
    )
    for codename in ("add_page", "change_page", "publish_page"):
        GroupPagePermission.objects.create(
            group=group, page=other_index, permission=Permission.objects.get(codename=codename)
        )
    user = make_user(username)
    user.groups.add(group)
    return type(user).objects.get(pk=user.pk), other_index


def announce(application):
    """Tests only: mark the results as sent to the applicant (``workflow.send_results`` and its
    e-mail are tested elsewhere); a winner is public only from then on."""
    from aap_wagtail.models import Application

    Application.objects.filter(pk=application.pk).update(results_sent_at=timezone.now())
    application.refresh_from_db()
    return application
