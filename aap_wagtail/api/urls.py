"""``/api/aap/v1/``: the applicant journey as JSON (included by ``aap_wagtail.urls``)."""

from django.urls import path, re_path

from . import dialogue, financial, organisations, views

app_name = "api"

urlpatterns = [
    path("openapi.json", views.OpenAPIView.as_view(), name="openapi"),
    path("calls/", views.CallListView.as_view(), name="calls"),
    path("calls/<aap_id:call_id>/", views.CallDetailView.as_view(), name="call"),
    path(
        "calls/<aap_id:call_id>/applications/",
        views.CreateApplicationView.as_view(),
        name="create_application",
    ),
    path(
        "calls/<aap_id:call_id>/link-request/", views.LinkRequestView.as_view(), name="link_request"
    ),
    path("report-link-request/", views.LinkRequestView.as_view(), name="report_link_request"),
    path(
        "organisations/<str:siret>/",
        organisations.OrganisationLookupView.as_view(),
        name="organisation_lookup",
    ),
    path("applications/<uuid:uuid>/", views.ApplicationView.as_view(), name="application"),
    path("applications/<uuid:uuid>/token/", views.TokenView.as_view(), name="token"),
    path("applications/<uuid:uuid>/data/", views.DataView.as_view(), name="data"),
    path("applications/<uuid:uuid>/steps/<str:step>/", views.StepView.as_view(), name="step"),
    path("applications/<uuid:uuid>/files/", views.FileListView.as_view(), name="files"),
    path(
        "applications/<uuid:uuid>/files/<aap_id:pk>/", views.FileDetailView.as_view(), name="file"
    ),
    path("applications/<uuid:uuid>/submit/", views.SubmitView.as_view(), name="submit"),
    path("applications/<uuid:uuid>/report/", views.ReportView.as_view(), name="report"),
    path("applications/<uuid:uuid>/messages/", dialogue.MessagesView.as_view(), name="messages"),
    path(
        "applications/<uuid:uuid>/financial-report/",
        financial.FinancialReportView.as_view(),
        name="financial_report",
    ),
    # Anything else under the API answers in JSON too, not with the site's HTML 404 page.
    re_path(r"^.*$", views.NotFoundView.as_view(), name="not_found"),
]
