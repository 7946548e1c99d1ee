"""The staff listing: a "Calls for projects" menu with the dossiers and the calls.

Managers see the dossiers of the calls they manage (their site's), jury members only the
dossiers assigned to them, sent to the jury and free of a declared conflict: the listing's
queryset comes from ``permissions.staff_applications`` and nothing here widens it. Nobody
creates, edits or deletes a dossier here: changes go through ``workflow`` (see ``inspect``).
"""

from __future__ import annotations

from django.contrib.admin import SimpleListFilter, display
from django.contrib.admin.filters import FieldListFilter
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import get_fields_from_path
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail_modeladmin.helpers import ButtonHelper, PermissionHelper
from wagtail_modeladmin.options import ModelAdmin, ModelAdminGroup, modeladmin_register
from wagtail_modeladmin.views import IndexView

from .. import permissions
from ..core.formatting import format_amount
from ..core.parsing import neutralise_formula, parse_id
from ..models import (
    AgreementStatus,
    Application,
    ApplicationStatus,
    CallAxis,
    CallPage,
    EnteredBy,
    Payment,
    PaymentStatus,
)
from ..models.applications import FOUND_ELIGIBLE, SUBMITTED
from . import inspect
from .inspect import ApplicationInspectView, format_score

S = ApplicationStatus
MENU_ICON = "folder-open-inverse"


def visible_calls(user):
    """The calls this user reaches from the staff menu: managed ones, or those judged."""
    if permissions.is_manager(user):
        return permissions.managed_calls(user)
    if permissions.is_jury_member(user):
        return CallPage.objects.filter(jury_assignments__member=user).distinct()
    return CallPage.objects.none()


# --- filters ---------------------------------------------------------------------------------


class CallFilter(SimpleListFilter):
    title = gettext_lazy("call")
    parameter_name = "call"

    def lookups(self, request, model_admin):
        calls = visible_calls(request.user).order_by("-opens_at", "title")
        return [(call.pk, call.title) for call in calls.only("pk", "title")]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        pk = parse_id(self.value())
        return queryset.filter(call_id=pk) if pk else queryset.none()


class StatusFilter(SimpleListFilter):
    """Every status but drafts by default: a draft is not a dossier yet, pick it to see them."""

    title = gettext_lazy("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return S.choices

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset.exclude(status=S.DRAFT)
        return queryset.filter(status=value)

    def choices(self, changelist):
        choices = list(super().choices(changelist))
        choices[0]["display"] = _("All but drafts")
        return choices


class AxisFilter(SimpleListFilter):
    title = gettext_lazy("axis")
    parameter_name = "axis"

    def lookups(self, request, model_admin):
        calls = visible_calls(request.user)
        call = parse_id(request.GET.get(CallFilter.parameter_name))
        if call:
            calls = calls.filter(pk=call)
        axes = (
            CallAxis.objects.filter(page__in=calls.values("pk"))
            .select_related("page")
            .only("pk", "title", "page__title")
            .order_by("page__title", "sort_order")
        )
        several = len({axis.page_id for axis in axes}) > 1
        return [
            (axis.pk, f"{axis.title} ({axis.page.title})" if several else axis.title)
            for axis in axes
        ]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        pk = parse_id(self.value())
        return queryset.filter(axes=pk) if pk else queryset.none()


class YesNoFilter(SimpleListFilter):
    condition: Q

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(self.condition)
        if self.value() == "no":
            return queryset.exclude(self.condition)
        return queryset


class MediatorFilter(YesNoFilter):
    title = gettext_lazy("helped by a mediator")
    parameter_name = "mediator"
    condition = Q(entered_by=EnteredBy.MEDIATOR)


class ReceivedByPostFilter(YesNoFilter):
    title = gettext_lazy("received by post")
    parameter_name = "post"
    condition = Q(received_by_post_on__isnull=False)


class AgreementFilter(SimpleListFilter):
    """The grant agreement's state; "not prepared" lists the selected dossiers without one."""

    title = gettext_lazy("agreement")
    parameter_name = "agreement"
    NONE = "none"

    def lookups(self, request, model_admin):
        return [(self.NONE, _("Not prepared")), *AgreementStatus.choices]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if value == self.NONE:
            return queryset.filter(decision__outcome="selected", agreement__isnull=True)
        if value in AgreementStatus.values:
            return queryset.filter(agreement__status=value)
        return queryset.none()


class PaymentFilter(SimpleListFilter):
    """Where the payments stand: something left to pay, a payment late, or all paid."""

    title = gettext_lazy("payments")
    parameter_name = "payments"

    def lookups(self, request, model_admin):
        return [
            ("to_pay", _("Something left to pay")),
            ("late", _("A payment past its planned date")),
            ("paid", _("All paid")),
        ]

    def queryset(self, request, queryset):
        planned = Payment.objects.filter(status=PaymentStatus.PLANNED)
        value = self.value()
        if value is None:
            return queryset
        if value == "to_pay":
            return queryset.filter(agreement__in=planned.values("agreement"))
        if value == "late":
            late = planned.filter(planned_date__lt=timezone.localdate())
            return queryset.filter(agreement__in=late.values("agreement"))
        if value == "paid":
            paid = Payment.objects.filter(status=PaymentStatus.PAID).values("agreement")
            return queryset.filter(agreement__in=paid).exclude(
                agreement__in=planned.values("agreement")
            )
        return queryset.none()


# --- the dossiers ----------------------------------------------------------------------------


class ApplicationPermissionHelper(PermissionHelper):
    """Managers and jury members list and inspect (within their queryset); no one edits here."""

    def user_can_list(self, user):
        return permissions.is_manager(user) or permissions.is_jury_member(user)

    def user_can_inspect_obj(self, user, obj):
        queryset = Application.objects.filter(pk=obj.pk)
        return permissions.staff_applications(user, queryset).exists()

    def user_can_create(self, user):
        return False

    def user_can_edit_obj(self, user, obj):
        return False

    def user_can_delete_obj(self, user, obj):
        return False


class ApplicationButtonHelper(ButtonHelper):
    """Rows only offer "Inspect": the listing's queryset already is the permission check."""

    def get_buttons_for_obj(self, obj, exclude=None, classnames_add=None, classnames_exclude=None):
        if "inspect" in (exclude or []):
            return []
        return [self.inspect_button(obj.pk, classnames_add, classnames_exclude)]

    def get_primary_button(self, obj):
        return self.inspect_button(obj.pk)


class ApplicationIndexView(IndexView):
    """modeladmin's listing, minus its habit of turning any query-string parameter into a
    database lookup (``?reviews__member__password__startswith=`` would let a jury member count
    rows to read what they may not see): only the declared filters' parameters and modeladmin's
    own (search, sort, page, export) are read; any other one is ignored."""

    page_title = gettext_lazy("Dossiers")
    RESERVED_PARAMS = (
        *IndexView.IGNORED_PARAMS,
        IndexView.PAGE_VAR,
        IndexView.ERROR_FLAG,
        IndexView.EXPORT_VAR,
    )

    @property
    def export_headings(self):
        return {name: str(heading) for name, heading in EXPORT_HEADINGS.items()}

    def dispatch(self, request, *args, **kwargs):
        export = request.GET.get(self.EXPORT_VAR)
        if export and not self.model_admin.get_list_export(request):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def filter_parameter_names(self) -> set[str]:
        """The query-string parameters the declared list filters read."""
        names = set()
        for list_filter in self.list_filter:
            if isinstance(list_filter, type) and issubclass(list_filter, SimpleListFilter):
                names.add(list_filter.parameter_name)
                continue
            if isinstance(list_filter, (tuple, list)):
                path, filter_class = list_filter
            else:
                path, filter_class = list_filter, FieldListFilter.create
            field = get_fields_from_path(self.model, path)[-1]
            spec = filter_class(field, self.request, {}, self.model, self.model_admin, path)
            names.update(spec.expected_parameters())
        return names

    def allowed_params(self, params):
        """``params`` (a QueryDict) without the parameters this listing does not declare, and
        without NUL characters (PostgreSQL refuses them in text: a 500 otherwise)."""
        allowed = self.filter_parameter_names().union(self.RESERVED_PARAMS)
        kept = params.copy()
        for name in list(kept):
            if name not in allowed:
                del kept[name]
            elif isinstance(kept[name], str) and "\x00" in kept[name]:
                kept[name] = kept[name].replace("\x00", "")
        return kept

    def get_search_results(self, request, queryset, search_term):
        search_term = search_term.replace("\x00", "")[:255]
        return super().get_search_results(request, queryset, search_term)

    def get_filters_params(self, params=None):
        return super().get_filters_params(self.allowed_params(params or self.params))

    def get_queryset(self, request=None):
        # modeladmin builds it (and the filters' choices) twice per page otherwise.
        if getattr(self, "_filtered", None) is None:
            # Also out of the filters' links, which copy ``params``.
            self.params = self.allowed_params(self.params)
            try:
                self._filtered = super().get_queryset(request)
            except IncorrectLookupParameters:
                # A known filter with a value its field refuses (``?funded_before__exact=x``).
                self._filtered = self.get_base_queryset(request).none()
        return self._filtered

    def preprocess_field_value(self, field, value, export_format):
        value = super().preprocess_field_value(field, value, export_format)
        if (
            export_format == self.FORMAT_CSV
            and isinstance(value, str)
            and value != self.model_admin.get_empty_value_display(field)
        ):
            return neutralise_formula(value)
        return value


EXPORT_HEADINGS = {
    "reference": gettext_lazy("Reference"),
    "organisation_name": gettext_lazy("Organisation"),
    "project_title": gettext_lazy("Project"),
    "call": gettext_lazy("Call"),
    "email": gettext_lazy("E-mail"),
    "axes_list": gettext_lazy("Axes"),
    "requested_amount": gettext_lazy("Amount requested (€)"),
    "total_amount": gettext_lazy("Total budget (€)"),
    "score_value": gettext_lazy("Weighted score (/100)"),
    "status_label": gettext_lazy("Status"),
    "entered_by_label": gettext_lazy("Filled in by"),
    "funded_before_label": gettext_lazy("Funded before"),
    "received_by_post_on": gettext_lazy("Received by post on"),
    "submitted_on": gettext_lazy("Submitted"),
}


class ApplicationAdmin(ModelAdmin):
    model = Application
    menu_label = gettext_lazy("Dossiers")
    menu_icon = "doc-full"
    inspect_view_enabled = True
    # Its history page would show the log to anyone with admin access; inspect shows it to
    # the call's managers.
    history_view_enabled = False
    index_view_class = ApplicationIndexView
    inspect_view_class = ApplicationInspectView
    permission_helper_class = ApplicationPermissionHelper
    button_helper_class = ApplicationButtonHelper
    inspect_template_name = "aap_wagtail/admin/inspect.html"
    list_display_add_buttons = "reference"
    list_filter = (
        CallFilter,
        StatusFilter,
        AxisFilter,
        MediatorFilter,
        "funded_before",
        ReceivedByPostFilter,
        AgreementFilter,
        PaymentFilter,
    )
    search_fields = ("reference", "organisation_name", "project_title")
    ordering = ["reference"]
    list_per_page = 50
    export_filename = "dossiers"
    list_export = tuple(EXPORT_HEADINGS)

    def register_indexing(self):
        # modeladmin would add dossiers to Wagtail's reference index: a few more queries on
        # every save of a draft, for references a dossier does not have.
        pass

    def get_queryset(self, request):
        queryset = Application.objects.for_listing().with_weighted_score()
        return permissions.staff_applications(request.user, queryset)

    def get_list_display(self, request):
        columns = ["reference", "organisation_name", "project_title", "requested"]
        if permissions.is_manager(request.user):
            columns.append("score")  # an average of the jury's scores: not for the jury
        return [*columns, "status"]

    def get_list_export(self, request):
        return self.list_export if permissions.is_manager(request.user) else ()

    # --- columns (listing and export) ---------------------------------------------------------

    @display(description=gettext_lazy("requested"), ordering="requested_amount")
    def requested(self, obj):
        return format_amount(obj.requested_amount)

    @display(description=gettext_lazy("weighted score"), ordering="weighted_score")
    def score(self, obj):
        return format_score(obj.weighted_score)

    def score_value(self, obj):
        return obj.weighted_score

    def axes_list(self, obj):
        return ", ".join(axis.title for axis in obj.axes.all())

    def status_label(self, obj):
        return obj.get_status_display()

    def entered_by_label(self, obj):
        return obj.get_entered_by_display()

    def funded_before_label(self, obj):
        return _("Yes") if obj.funded_before else _("No")

    def submitted_on(self, obj):
        if obj.submitted_at is None:
            return None
        return timezone.make_naive(obj.submitted_at).replace(microsecond=0)


# --- the calls -------------------------------------------------------------------------------


def call_actions(user, call) -> list[tuple[str, str]]:
    """The buttons other features added for a call (``add_call_action``) this user may use.

    Jury members get the actions meant for them; an action whose view is not installed (its
    URL name does not reverse) is left out.
    """
    from . import CALL_ACTIONS

    manager = permissions.is_manager(user)
    buttons = []
    for action in CALL_ACTIONS:
        if not (manager or action.for_jury):
            continue
        try:
            buttons.append((reverse(action.url_name, args=[call.pk]), str(action.label)))
        except NoReverseMatch:
            continue
    return buttons


def calls_view(request):
    user = request.user
    if not (permissions.is_manager(user) or permissions.is_jury_member(user)):
        raise PermissionDenied
    calls = list(visible_calls(user).order_by("-opens_at", "title"))
    counts = {
        row["call"]: row
        for row in permissions.staff_applications(
            user, Application.objects.filter(call__in=[call.pk for call in calls])
        )
        .order_by()
        .values("call")
        .annotate(
            submitted=Count("pk", filter=SUBMITTED),
            eligible=Count("pk", filter=FOUND_ELIGIBLE),
            in_review=Count("pk", filter=Q(status=S.IN_REVIEW)),
            decided=Count("pk", filter=Q(decision__isnull=False)),
        )
    }
    index_url = reverse("aap_wagtail_application_modeladmin_index")
    rows = [
        {
            "call": call,
            "counts": counts.get(call.pk, {}),
            "dossiers_url": f"{index_url}?call={call.pk}",
            "actions": call_actions(user, call),
        }
        for call in calls
    ]
    return TemplateResponse(request, "aap_wagtail/admin/listing_calls.html", {"rows": rows})


class CallsMenuItem(MenuItem):
    def is_shown(self, request):
        return permissions.is_manager(request.user) or permissions.is_jury_member(request.user)


class CallsForProjects(ModelAdminGroup):
    menu_label = gettext_lazy("Calls for projects")
    menu_icon = MENU_ICON
    menu_order = 250
    items = (ApplicationAdmin,)

    def get_submenu_items(self):
        return [
            CallsMenuItem(
                gettext_lazy("Calls"), reverse("aap_calls"), icon_name="list-ul", order=0
            ),
            *super().get_submenu_items(),
        ]


def register() -> None:
    modeladmin_register(CallsForProjects)
    hooks.register(
        "register_admin_urls",
        lambda: [path("aap/calls/", calls_view, name="aap_calls"), *inspect.urls()],
    )
