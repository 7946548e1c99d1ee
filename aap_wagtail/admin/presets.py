"""Presets in the admin: download a call's configuration, import one into a site.

The download is for the call's managers only; anyone else gets a 404. The import ("Import a
preset", a button on the calls listing) is for managers, and only under a calls index where
Wagtail lets them add a page, so a manager of one site cannot import into another. It loads the
file with ``presets.load_preset``, as the ``aap_load_preset`` command does, and leaves the new
call unpublished for review (see docs/presets.md).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe
from wagtail.log_actions import log
from wagtail.models import Page, Revision

from .. import permissions, presets
from ..models import CallIndexPage, CallPage
from ..presets import export_preset

logger = logging.getLogger(__name__)

#: The largest preset file the import form reads (an exported call is a few dozen kB).
MAX_PRESET_SIZE = 1024 * 1024


@require_safe
def preset_export(request, call_pk: int):
    call = get_object_or_404(CallPage, pk=call_pk)
    allowed, _reason = permissions.can_manage_call(request.user, call)
    if not allowed:
        raise Http404
    response = HttpResponse(
        json.dumps(export_preset(call), ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{call.slug}.json"'
    return response


# --- import ----------------------------------------------------------------------------------


def import_parents(user) -> list[CallIndexPage]:
    """The calls indexes under which ``user`` may import a call: a manager who may add a page
    there (Wagtail's page permissions, hence by site)."""
    if not permissions.is_manager(user):
        return []
    return [
        index
        for index in CallIndexPage.objects.order_by("path")
        if index.permissions_for_user(user).can_add_subpage() and CallPage.can_create_at(index)
    ]


class ParentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        site = obj.get_site()
        if site is None:
            return obj.title
        return f"{obj.title} ({site.hostname})"


class PresetImportForm(forms.Form):
    """A preset (an uploaded file or one of the available presets) and where to put it."""

    preset_file = forms.FileField(
        label=gettext_lazy("Preset file"),
        required=False,
        help_text=gettext_lazy(
            "A .json file made with “Export as preset” (at most 1 MB). Leave empty to choose "
            "one of the available presets below."
        ),
    )
    bundled = forms.ChoiceField(
        label=gettext_lazy("Or an available preset"),
        required=False,
    )
    parent = ParentChoiceField(
        label=gettext_lazy("Calls index"),
        queryset=CallIndexPage.objects.none(),
        help_text=gettext_lazy("The new call goes under this page."),
    )
    slug = forms.SlugField(
        label=gettext_lazy("Address (slug)"),
        required=False,
        allow_unicode=True,
        max_length=255,
        help_text=gettext_lazy(
            "Leave empty to use the preset’s. Give another one when a call with the same "
            "address is already under this calls index."
        ),
    )

    def __init__(self, *args, parents: list[CallIndexPage], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = CallIndexPage.objects.filter(
            pk__in=[index.pk for index in parents]
        ).order_by("path")
        if len(parents) == 1:
            self.fields["parent"].initial = parents[0].pk
        self.fields["bundled"].choices = [("", "---------")] + [
            (name, name) for name in presets.available_presets()
        ]

    def clean_preset_file(self):
        upload = self.cleaned_data.get("preset_file")
        if upload is None:
            return None
        if upload.size > MAX_PRESET_SIZE:
            raise forms.ValidationError(
                _("This file is too big (%(size)s): a preset is at most %(max)s.")
                % {"size": filesizeformat(upload.size), "max": filesizeformat(MAX_PRESET_SIZE)},
                code="too_big",
            )
        try:
            data = json.loads(upload.read().decode("utf-8-sig"))
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                _(
                    "This file is not valid JSON (line %(line)s, column %(column)s). Use a file "
                    "made with “Export as preset”."
                )
                % {"line": exc.lineno, "column": exc.colno},
                code="not_json",
            ) from None
        except (UnicodeDecodeError, RecursionError):
            raise forms.ValidationError(
                _("This file is not valid JSON. Use a file made with “Export as preset”."),
                code="not_json",
            ) from None
        return data

    def clean(self):
        cleaned = super().clean()
        if "preset_file" in self.errors or "bundled" in self.errors:
            return cleaned
        data, name = cleaned.get("preset_file"), cleaned.get("bundled")
        if data is None and not name:
            self.add_error(
                "preset_file", _("Choose a preset file, or one of the available presets.")
            )
            return cleaned
        if data is not None and name:
            self.add_error(
                "preset_file",
                _("Choose a preset file or one of the available presets, not both."),
            )
            return cleaned
        if data is None:
            try:
                data = presets.read_preset(name)
            except presets.PresetError as exc:
                self.add_error("bundled", str(exc))
                return cleaned
        if not _looks_like_a_preset(data):
            self.add_error(
                self.source_field,
                _(
                    "This file is not a call preset: it needs a “page” section, and lists of "
                    "axes, criteria… Use a file made with “Export as preset”."
                ),
            )
            return cleaned
        cleaned["data"] = data
        return cleaned

    @property
    def source_field(self) -> str:
        """The field the preset came from, where its problems are shown."""
        return "bundled" if self.cleaned_data.get("bundled") else "preset_file"

    def import_call(self, user) -> CallPage | None:
        """Create the call as a draft under the chosen index, or add the reason to the form.

        Nothing is saved when the preset is refused: the load runs in one transaction.
        """
        parent = self.cleaned_data["parent"]
        try:
            with transaction.atomic():
                result = presets.load_preset(
                    self.cleaned_data["data"],
                    parent,
                    slug=self.cleaned_data["slug"] or None,
                    publish=False,
                )
                page = result.page
                taken = Page.objects.child_of(parent).filter(slug=page.slug).exclude(pk=page.pk)
                if not result.created or taken.exists():
                    # The loader would update the existing call; an import never touches one.
                    raise _AddressTaken(page.slug)
                # The loader saves no author: the importer is the page's owner and author.
                Page.objects.filter(pk=page.pk).update(owner=user)
                Revision.objects.filter(pk=page.latest_revision_id).update(user=user)
                log(
                    instance=page,
                    action="wagtail.create",
                    user=user,
                    revision=page.latest_revision,
                    content_changed=True,
                )
        except _AddressTaken as exc:
            self.add_error(
                "slug",
                _(
                    "A page with the address “%(slug)s” is already under “%(parent)s”. Give "
                    "another address here, or change the existing call instead."
                )
                % {"slug": exc.slug, "parent": parent.title},
            )
            return None
        except presets.PresetError as exc:
            self.add_error(
                self.source_field,
                _("This preset cannot be imported: %(problem)s") % {"problem": str(exc)},
            )
            return None
        except (TypeError, ValueError, AttributeError, DatabaseError) as exc:
            # A hand-edited file with a value of the wrong kind (a number for a date, a list
            # for a text…): the loader does not name it, but it is the file's fault, not a 500.
            logger.info("Preset refused by the import form: %r", exc, exc_info=True)
            self.add_error(
                self.source_field,
                _(
                    "This preset cannot be imported: a value is missing or of the wrong kind "
                    "(a number instead of a date, a list instead of a text…). Use a file made "
                    "with “Export as preset”, or check the file against the format in the "
                    "documentation."
                ),
            )
            return None
        return CallPage.objects.get(pk=page.pk)


class _AddressTaken(Exception):
    def __init__(self, slug: str):
        super().__init__(slug)
        self.slug = slug


def _looks_like_a_preset(data: Any) -> bool:
    if not isinstance(data, dict) or not isinstance(data.get("page"), dict):
        return False
    return all(
        isinstance(data.get(relation, []), list)
        and all(isinstance(item, dict) for item in data.get(relation, []))
        for relation in presets.CHILD_RELATIONS
    )


@require_http_methods(["GET", "HEAD", "POST"])
def preset_import(request):
    """GET: the form; POST: create the call as a draft and open it in the page editor."""
    if not permissions.is_manager(request.user):
        raise PermissionDenied
    parents = import_parents(request.user)
    if request.method == "POST":
        form = PresetImportForm(request.POST, request.FILES, parents=parents)
    else:
        form = PresetImportForm(parents=parents)
    if request.method == "POST" and form.is_valid():
        call = form.import_call(request.user)
        if call is not None:
            messages.success(
                request,
                _(
                    "“%(title)s” was imported as a draft. Check the texts, the amounts and the "
                    "dates, then publish it."
                )
                % {"title": call.title},
            )
            return redirect(reverse("wagtailadmin_pages:edit", args=[call.pk]))
    return TemplateResponse(
        request,
        "aap_wagtail/admin/preset_import.html",
        {
            "form": form,
            "parents": parents,
            "max_size": MAX_PRESET_SIZE,
            "page_title": _("Import a preset"),
        },
    )


def admin_urls():
    return [
        path("aap/presets/import/", preset_import, name="aap_import_preset"),
        path("aap/presets/<aap_id:call_pk>/export/", preset_export, name="aap_export_preset"),
    ]


def register() -> None:
    from wagtail import hooks

    from . import add_call_action

    hooks.register("register_admin_urls", admin_urls)
    add_call_action("aap_export_preset", gettext_lazy("Export as preset"))
