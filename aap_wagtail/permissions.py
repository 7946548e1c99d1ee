"""Who may see and do what. Functions named ``can_*`` return ``(allowed, reason)``.

Three kinds of people reach a dossier:

- the applicant, through the browser session or signed link that owns it
  (``applications.access.can_open``, which asks ``can_see_as_staff`` for everyone else);
- **managers**: ``aap_wagtail.manage_applications`` plus an edit permission on the call page in
  Wagtail's page tree, so that managers of one site only see their site's calls (superusers see
  everything);
- **jury members**: ``aap_wagtail.score_application`` plus an assignment (to the whole call or
  to the dossier), only once the dossier has gone to the jury, and never after declaring a
  conflict of interest on it.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from .models import Application, ApplicationStatus, CallPage, JuryAssignment, Review

MANAGE_PERMISSION = "aap_wagtail.manage_applications"
SCORE_PERMISSION = "aap_wagtail.score_application"


def _active(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def is_manager(user) -> bool:
    return _active(user) and (user.is_superuser or user.has_perm(MANAGE_PERMISSION))


def is_jury_member(user) -> bool:
    return _active(user) and user.has_perm(SCORE_PERMISSION)


def managed_calls(user) -> QuerySet[CallPage]:
    """The calls whose dossiers this user manages (by page permissions, hence by site)."""
    if not is_manager(user):
        return CallPage.objects.none()
    if user.is_superuser:
        return CallPage.objects.all()
    from wagtail.permission_policies.pages import PagePermissionPolicy

    pages = PagePermissionPolicy().instances_user_has_any_permission_for(
        user, {"change", "publish"}
    )
    return CallPage.objects.filter(pk__in=pages.values("pk"))


def can_manage_call(user, call) -> tuple[bool, str]:
    if not is_manager(user):
        return False, "not a manager"
    if user.is_superuser or managed_calls(user).filter(pk=call.pk).exists():
        return True, "manager"
    return False, "another site's call"


def jury_applications(user, queryset: QuerySet[Application] | None = None):
    """The dossiers a jury member may list and open: assigned, sent to the jury, no conflict."""
    queryset = Application.objects.all() if queryset is None else queryset
    if not is_jury_member(user):
        return queryset.none()
    whole_call = JuryAssignment.objects.filter(
        call=OuterRef("call"), application__isnull=True, member=user
    )
    this_dossier = JuryAssignment.objects.filter(application=OuterRef("pk"), member=user)
    conflict = Review.objects.filter(
        application=OuterRef("pk"), member=user, conflict_of_interest=True
    )
    return (
        queryset.filter(status__in=ApplicationStatus.JURY_VISIBLE)
        .filter(Exists(whole_call) | Exists(this_dossier))
        .exclude(Exists(conflict))
    )


def staff_applications(user, queryset: QuerySet[Application] | None = None):
    """What the staff listing shows this user: a manager's calls, or a jury member's dossiers."""
    queryset = Application.objects.all() if queryset is None else queryset
    if is_manager(user):
        if user.is_superuser:
            return queryset
        return queryset.filter(call__in=managed_calls(user).values("pk"))
    return jury_applications(user, queryset)


def can_manage_application(user, application) -> tuple[bool, str]:
    return can_manage_call(user, application.call)


def is_assigned(user, application) -> bool:
    return jury_applications(user, Application.objects.filter(pk=application.pk)).exists()


def can_see_as_staff(user, application) -> tuple[bool, str]:
    """(allowed, reason): the call's managers, or an assigned jury member without a conflict."""
    if not _active(user):
        return False, "not allowed"
    allowed, reason = can_manage_application(user, application)
    if allowed:
        return allowed, reason
    if is_jury_member(user) and is_assigned(user, application):
        return True, "jury"
    return False, "not allowed"


def can_score(user, application) -> tuple[bool, str]:
    """Whether a jury member may declare a conflict on and score this dossier now."""
    if not is_jury_member(user) or not is_assigned(user, application):
        return False, "not assigned"
    if application.status != ApplicationStatus.IN_REVIEW:
        return False, "not in review"
    return True, "jury"
