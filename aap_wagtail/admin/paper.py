"""Staff enter a dossier received by post, through the applicants' own wizard and rules."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from .. import permissions, rules
from ..applications import drafts
from ..models import CallPage
from . import add_call_action


class PaperDossierForm(forms.Form):
    received_on = forms.DateField(
        label=_("Received by post on"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The postmark or the date the dossier reached the city."),
    )
    email = forms.EmailField(
        label=_("Applicant's e-mail (optional)"),
        required=False,
        help_text=_("With an address, the applicant gets the receipt and the results by e-mail."),
    )

    def __init__(self, *args, call, **kwargs):
        super().__init__(*args, **kwargs)
        self.call = call

    def clean_received_on(self):
        received_on = self.cleaned_data["received_on"]
        problem = rules.check_paper_reception(self.call, received_on)
        if problem:
            raise forms.ValidationError(problem, code="reception")
        return received_on


def paper_dossier(request, call_pk: int):
    call = get_object_or_404(CallPage, pk=call_pk)
    if not permissions.can_manage_call(request.user, call)[0]:
        raise PermissionDenied
    form = PaperDossierForm(request.POST or None, call=call)
    if request.method == "POST" and form.is_valid():
        drafts.create_paper_draft(
            request,
            call,
            received_on=form.cleaned_data["received_on"],
            email=form.cleaned_data["email"],
        )
        return redirect(call.get_apply_url(request))
    return TemplateResponse(
        request, "aap_wagtail/admin/paper_dossier.html", {"call": call, "form": form}
    )


def register() -> None:
    hooks.register(
        "register_admin_urls",
        lambda: [path("aap/paper/<aap_id:call_pk>/", paper_dossier, name="aap_paper_dossier")],
    )
    add_call_action("aap_paper_dossier", _("Enter a paper dossier"))
