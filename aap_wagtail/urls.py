"""Include these URLs *before* Wagtail's own: ``path("", include("aap_wagtail.urls"))``."""

from django.urls import re_path

from . import views

app_name = "aap_wagtail"

urlpatterns = [
    re_path(
        r"^(?P<page_path>(?:[\w\-]+/)+)calendar\.ics$", views.call_calendar, name="call_calendar"
    ),
]
