"""Downloads of the winners: CSV and JSON with a licence line, and the SCDL "subventions"."""

from __future__ import annotations

from django.http import Http404


def download(request, page, fmt: str):
    raise Http404
