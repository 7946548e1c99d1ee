"""Include these URLs *before* Wagtail's own: ``path("", include("aap_wagtail.urls"))``."""

from django.urls import include, path, re_path

from . import views, views_accessibility, views_reports

app_name = "aap_wagtail"

urlpatterns = [
    path("api/aap/v1/", include("aap_wagtail.api.urls")),
    path("aap/reprendre/<str:token>/", views.resume, name="resume"),
    path("aap/fichiers/<int:pk>/", views.attachment_file, name="attachment"),
    path("aap/mes-dossiers/", views.my_applications, name="my_applications"),
    path("aap/bilan/<str:token>/", views_reports.report_form, name="report"),
    path("aap/bilan-lien/", views_reports.report_link_request, name="report_link_request"),
    path("aap/images/<int:pk>/", views_reports.report_image, name="report_image"),
    path(
        "aap/accessibilite/",
        views_accessibility.accessibility_statement,
        name="accessibility_statement",
    ),
    re_path(
        r"^(?P<page_path>(?:[\w\-]+/)+)calendar\.ics$", views.call_calendar, name="call_calendar"
    ),
]
