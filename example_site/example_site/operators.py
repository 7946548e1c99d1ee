"""The tools of those who run the site — django-rq's dashboard and Django's own admin — are for
superusers only: failed jobs show what the jobs were given, and staff (managers, jury members,
editors) have no business there."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.auth.decorators import user_passes_test
from django.urls import URLPattern, URLResolver, reverse_lazy


def is_operator(user) -> bool:
    return user.is_active and user.is_superuser


class OperatorsAdminSite(admin.AdminSite):
    """Django's admin, open to superusers only (its default lets every staff user in)."""

    def has_permission(self, request) -> bool:
        return is_operator(request.user)


class OperatorsAdminConfig(AdminConfig):
    default_site = "example_site.operators.OperatorsAdminSite"


def operators_only(patterns):
    """The URL patterns with each view behind the superuser check (others go to the login)."""
    guard = user_passes_test(is_operator, login_url=reverse_lazy("admin:login"))
    for entry in patterns:
        if isinstance(entry, URLResolver):
            operators_only(entry.url_patterns)
        elif isinstance(entry, URLPattern):
            entry.callback = guard(entry.callback)
    return patterns
