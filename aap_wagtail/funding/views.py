"""The agreement's link: the legal representative reads the agreement and accepts it online
(name, capacity; the time and address are recorded), or downloads its PDF. The link is the only
key: it stops working when a newer version of the agreement is sent."""

from __future__ import annotations

from django import forms
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import conf, workflow
from ..models import AgreementStatus
from . import agreements


class AcceptForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Your first and last names"), max_length=255)
    capacity = forms.CharField(
        label=gettext_lazy("Your capacity"),
        max_length=255,
        help_text=gettext_lazy("For example: president of the association."),
    )
    accept = forms.BooleanField(
        label=gettext_lazy(
            "I am the organisation's legal representative (or hold its delegation), I have read "
            "the agreement and I accept it on the organisation's behalf."
        ),
        error_messages={"required": gettext_lazy("Tick this box to accept the agreement.")},
    )


def _private(response):
    patch_cache_control(response, private=True, no_store=True)
    response["X-Robots-Tag"] = "noindex"
    return response


def _render(request, template: str, status: int = 200, **context):
    context = {"aap_base_template": conf.get("BASE_TEMPLATE"), **context}
    return _private(TemplateResponse(request, template, context, status=status))


def _state(agreement, generation: int) -> str:
    if agreement.is_signed:
        return "signed"
    if agreement.status != AgreementStatus.SENT or generation != agreement.link_generation:
        return "replaced"
    return "to_sign"


def agreement_page(request, token: str):
    """``aap/convention/<token>/``: the agreement, and the form that accepts it."""
    agreement, generation = agreements.read_sign_token(token)
    if agreement is None:
        return _render(request, "aap_wagtail/funding/link_invalid.html", status=404)
    state = _state(agreement, generation)
    data = request.POST if request.method == "POST" else None
    form = AcceptForm(data) if state == "to_sign" else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            workflow.sign_agreement(
                agreement,
                generation=generation,
                name=form.cleaned_data["name"],
                capacity=form.cleaned_data["capacity"],
                ip=request.META.get("REMOTE_ADDR"),
            )
        except workflow.TransitionRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            return redirect(request.path)
    return _render(
        request,
        "aap_wagtail/funding/agreement.html",
        agreement=agreement,
        application=agreement.application,
        call=agreement.application.call,
        text=agreement.text,
        state=state,
        form=form,
        schedule=agreements.schedule_lines(agreement),
        status=409 if request.method == "POST" and state != "to_sign" else 200,
    )


def agreement_pdf(request, token: str):
    """``aap/convention/<token>/pdf/``: the agreement as a PDF, for the link's holder."""
    agreement, generation = agreements.read_sign_token(token)
    if agreement is None or _state(agreement, generation) == "replaced":
        return _render(request, "aap_wagtail/funding/link_invalid.html", status=404)
    response = HttpResponse(agreements.agreement_pdf(agreement), content_type="application/pdf")
    name = _("agreement-%(reference)s.pdf") % {"reference": agreement.application.reference}
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return _private(response)
