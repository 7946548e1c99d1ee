""" "Prepare the next edition" of a call: a form that asks how far to move the dates, then opens
the new draft in Wagtail's page editor.

The copy itself is ``editions.next_edition``. People who may not prepare the edition (jury
members, managers of another site) get a 404, as on the other per-call pages.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from wagtail.admin.ui.menus.pages import PageMenuItem
from wagtail.log_actions import LogFormatter

from ..calls import editions
from ..models import CallPage

BY_YEAR = "year"
BY_DAYS = "days"


class NextEditionForm(forms.Form):
    move_by = forms.ChoiceField(
        label=gettext_lazy("Move every date by"),
        choices=[
            (BY_YEAR, gettext_lazy("One year (same day and time next year)")),
            (BY_DAYS, gettext_lazy("A number of days")),
        ],
        initial=BY_YEAR,
        widget=forms.RadioSelect,
    )
    days = forms.IntegerField(
        label=gettext_lazy("Number of days"),
        required=False,
        min_value=1,
        max_value=3660,
        help_text=gettext_lazy("Only when you move the dates by a number of days, e.g. 364."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("move_by") == BY_DAYS and not cleaned.get("days"):
            self.add_error("days", _("Say by how many days to move the dates."))
        return cleaned

    def shift(self) -> dict:
        """The keyword arguments of ``editions.next_edition``."""
        if self.cleaned_data["move_by"] == BY_DAYS:
            return {"days": self.cleaned_data["days"]}
        return {"years": 1}


def _call_for(user, call_pk: int) -> CallPage:
    call = get_object_or_404(CallPage, pk=call_pk)
    if not editions.can_prepare_next_edition(user, call)[0]:
        raise Http404
    return call


@require_http_methods(["GET", "HEAD", "POST"])
def next_edition(request, call_pk: int):
    """GET: the form; POST: create the draft and open it in the page editor."""
    call = _call_for(request.user, call_pk)
    form = NextEditionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        new = editions.next_edition(call, user=request.user, **form.shift())
        messages.success(
            request,
            _("“%(title)s” is ready as a draft. Check the texts and the amounts, then publish it.")
            % {"title": new.title},
        )
        return redirect(reverse("wagtailadmin_pages:edit", args=[new.pk]))
    return TemplateResponse(
        request,
        "aap_wagtail/admin/next_edition.html",
        {"call": call, "form": form, "page_title": _("Prepare the next edition")},
    )


class NextEditionButton(PageMenuItem):
    label = gettext_lazy("Prepare the next edition")
    icon_name = "copy"
    url_name = "aap_next_edition"

    def is_shown(self, user) -> bool:
        return editions.can_prepare_next_edition(user, self.page.specific_deferred)[0]


def page_buttons(page, user, next_url=None, view_name=None):
    if issubclass(page.specific_class or type(page), CallPage):
        yield NextEditionButton(page=page, priority=25)


class NextEditionFormatter(LogFormatter):
    label = gettext_lazy("Prepare the next edition")

    def format_message(self, log_entry):
        try:
            return _("Prepared as the next edition of “%(title)s”") % {
                "title": log_entry.data["source"]["title"]
            }
        except (KeyError, TypeError):
            return _("Prepared as the next edition")


def register_log_actions(actions):
    actions.register_action(editions.NEXT_EDITION_ACTION)(NextEditionFormatter)


def admin_urls():
    return [path("aap/calls/<aap_id:call_pk>/next-edition/", next_edition, name="aap_next_edition")]


def register() -> None:
    from wagtail import hooks

    from . import add_call_action

    hooks.register("register_admin_urls", admin_urls)
    hooks.register("register_log_actions", register_log_actions)
    hooks.register("register_page_listing_more_buttons", page_buttons)
    hooks.register("register_page_header_buttons", page_buttons)
    add_call_action("aap_next_edition", gettext_lazy("Prepare the next edition"))
