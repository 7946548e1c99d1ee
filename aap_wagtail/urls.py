"""Include these URLs *before* Wagtail's own: ``path("", include("aap_wagtail.urls"))``."""

from django.urls import include, path, re_path

from .applications import dialogue
from .applications import views as applicant_views
from .calls import accessibility, alerts, calendar
from .funding import financial_views
from .funding import views as funding_views
from .winners import report_views

app_name = "aap_wagtail"

urlpatterns = [
    path("api/aap/v1/", include("aap_wagtail.api.urls")),
    path("aap/reprendre/<str:token>/", applicant_views.resume, name="resume"),
    path("aap/fichiers/<aap_id:pk>/", applicant_views.attachment_file, name="attachment"),
    path("aap/messages/<aap_id:pk>/fichier/", dialogue.message_file, name="message_file"),
    path("aap/alertes/confirmer/<str:token>/", alerts.confirm, name="call_alert_confirm"),
    path("aap/alertes/desinscrire/<str:token>/", alerts.unsubscribe, name="call_alert_unsubscribe"),
    path("aap/mes-dossiers/", applicant_views.my_applications, name="my_applications"),
    path("aap/bilan/<str:token>/", report_views.report_form, name="report"),
    path("aap/bilan-lien/", applicant_views.report_link_request, name="report_link_request"),
    path("aap/images/<aap_id:pk>/", report_views.report_image, name="report_image"),
    path("aap/convention/<str:token>/", funding_views.agreement_page, name="agreement"),
    path("aap/convention/<str:token>/pdf/", funding_views.agreement_pdf, name="agreement_pdf"),
    path(
        "aap/compte-rendu-financier/<str:token>/",
        financial_views.financial_report_page,
        name="financial_report",
    ),
    path(
        "aap/compte-rendu-financier/<str:token>/pdf/",
        financial_views.financial_report_pdf,
        name="financial_report_pdf",
    ),
    path(
        "aap/accessibilite/",
        accessibility.accessibility_statement,
        name="accessibility_statement",
    ),
    re_path(
        r"^(?P<page_path>(?:[\w\-]+/)+)calendar\.ics$", calendar.call_calendar, name="call_calendar"
    ),
]
