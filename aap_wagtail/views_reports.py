"""The applicant's end-of-project report: the form behind the report link, and its images."""

from __future__ import annotations

from django.http import Http404


def report_form(request, token: str):
    raise Http404


def report_link_request(request):
    raise Http404


def report_image(request, pk: int):
    raise Http404
