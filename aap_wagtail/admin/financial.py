"""After the decision, in the Wagtail admin: a dossier's financial report (ask for it, read it,
approve it or send it back, its PDF) and its support in kind (equipment lent from the site's
catalogue, returns, coaching hours); the catalogue itself as a snippet.

These sections live on the dossier's "Agreement and payments" page (``admin.funding``), which
hands them its POST: ``forms`` builds their forms, ``apply`` runs the action that was sent."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from .. import permissions, workflow
from ..funding import financial
from ..models import (
    Agreement,
    EquipmentItem,
    EquipmentLoan,
    FinancialReport,
    FinancialReportStatus,
)
from . import managed_application

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
#: The actions of the sections of this module (the dossier's page sends them here).
ACTIONS = (
    "financial_request",
    "financial_approve",
    "financial_changes",
    "lend",
    "return",
    "coaching",
)
#: Those that need no agreement (support in kind only, no grant).
WITHOUT_AGREEMENT = ("lend", "return", "coaching")


class FinancialRequestForm(forms.Form):
    due_on = forms.DateField(
        label=gettext_lazy("Due on"),
        required=False,
        widget=DATE,
        help_text=gettext_lazy("Empty: the call's number of months after the project's end."),
    )


class ChangesForm(forms.Form):
    message = forms.CharField(
        label=gettext_lazy("What to change"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("The applicant reads it in the e-mail and on the report's page."),
    )


class LoanForm(forms.Form):
    item = forms.ModelChoiceField(label=gettext_lazy("Item"), queryset=EquipmentItem.objects.none())
    quantity = forms.IntegerField(label=gettext_lazy("Quantity"), min_value=1, initial=1)
    lent_on = forms.DateField(label=gettext_lazy("Lent on"), widget=DATE)
    return_by = forms.DateField(label=gettext_lazy("To return by"), widget=DATE)

    def __init__(self, *args, site=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = (
            EquipmentItem.objects.filter(site=site) if site else EquipmentItem.objects.none()
        )

    def clean(self):
        cleaned = super().clean()
        lent_on, return_by = cleaned.get("lent_on"), cleaned.get("return_by")
        if lent_on and return_by and return_by < lent_on:
            self.add_error("return_by", _("The return date must come after the loan date."))
        return cleaned


class ReturnForm(forms.Form):
    returned_on = forms.DateField(label=gettext_lazy("Returned on"), widget=DATE)


class CoachingForm(forms.Form):
    hours = forms.IntegerField(
        label=gettext_lazy("Coaching (hours)"), min_value=0, max_value=10000, required=False
    )


def forms_for(application, agreement, data=None, action: str = "", loan_pk: int = 0) -> dict:
    """The forms of these sections, bound to the POST for the action that was sent."""

    def bound(name: str):
        return data if action == name else None

    site = application.call.get_site()
    decision = getattr(application, "decision", None)
    report = FinancialReport.objects.filter(agreement=agreement).first() if agreement else None
    loans = list(application.loans.all())
    return {
        "report": report,
        "rows": financial.rows(report) if report else [],
        "request": FinancialRequestForm(bound("financial_request")),
        "changes": ChangesForm(bound("financial_changes"), prefix="fin"),
        "lend": LoanForm(bound("lend"), site=site, prefix="loan"),
        "catalogue_empty": not EquipmentItem.objects.filter(site=site).exists() if site else True,
        "loans": [
            {
                "loan": loan,
                "form": ReturnForm(
                    data if action == "return" and loan.pk == loan_pk else None,
                    prefix=f"ret-{loan.pk}",
                ),
            }
            for loan in loans
        ],
        "loans_value": sum((loan.value for loan in loans), start=0),
        "coaching": CoachingForm(
            bound("coaching"), initial={"hours": getattr(decision, "coaching_hours", None)}
        ),
    }


def apply(request, application, agreement, action: str, found: dict, loan_pk: int) -> bool:
    """Run ``action`` with its valid form; ``True`` when something changed."""
    user = request.user
    report = found["report"]
    if action == "financial_request":
        form = found["request"]
        if agreement is None or not form.is_valid():
            return False
        workflow.request_financial_report(agreement, user=user, due_on=form.cleaned_data["due_on"])
        messages.success(request, _("The financial report is asked for: the link is sent."))
    elif action == "financial_approve" and report is not None:
        workflow.approve_financial_report(report, user=user)
        messages.success(request, _("The financial report is approved."))
    elif action == "financial_changes" and report is not None:
        form = found["changes"]
        if not form.is_valid():
            return False
        workflow.request_financial_report_changes(
            report, user=user, message=form.cleaned_data["message"]
        )
        messages.success(request, _("The report is sent back with your message."))
    elif action == "lend":
        form = found["lend"]
        if not form.is_valid():
            return False
        workflow.lend_equipment(application, user=user, **form.cleaned_data)
        messages.success(request, _("The loan is recorded."))
    elif action == "return":
        row = next((r for r in found["loans"] if r["loan"].pk == loan_pk), None)
        if row is None or not row["form"].is_valid():
            return False
        workflow.record_return(row["loan"], user=user, **row["form"].cleaned_data)
        messages.success(request, _("The return is recorded."))
    elif action == "coaching":
        form = found["coaching"]
        if not form.is_valid():
            return False
        workflow.record_coaching(application, user=user, hours=form.cleaned_data["hours"])
        messages.success(request, _("The coaching hours are recorded."))
    else:
        return False
    return True


def overdue(call, today=None) -> dict:
    """What is late after the decision besides signatures and payments: financial reports past
    their due date and not sent, equipment past its return date and not returned."""
    today = today or timezone.localdate()
    return {
        "late_financial": list(
            FinancialReport.objects.filter(
                agreement__application__call=call,
                status__in=FinancialReportStatus.open_states(),
                due_on__lt=today,
            )
            .select_related("agreement__application")
            .order_by("due_on")
        ),
        "late_returns": list(
            EquipmentLoan.objects.filter(
                application__call=call, returned_on__isnull=True, return_by__lt=today
            )
            .select_related("application")
            .order_by("return_by")
        ),
    }


@require_safe
def financial_report_pdf(request, pk: int):
    application = managed_application(request.user, pk)
    agreement = get_object_or_404(Agreement, application=application)
    report = get_object_or_404(FinancialReport, agreement=agreement)
    response = HttpResponse(financial.report_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="{application.reference}-compte-rendu-financier.pdf"'
    )
    return response


def admin_urls():
    return [
        path(
            "aap/funding/dossier/<aap_id:pk>/financial-report/pdf/",
            financial_report_pdf,
            name="aap_financial_report_pdf",
        ),
    ]


def managed_site_ids(user) -> set[int]:
    """The sites whose calls ``user`` manages."""
    sites = set()
    for call in permissions.managed_calls(user).specific():
        site = call.get_site()
        if site is not None:
            sites.add(site.pk)
    return sites


def _catalogue_viewset():
    from wagtail.admin.forms import WagtailAdminModelForm
    from wagtail.admin.panels import ObjectList
    from wagtail.models import Site
    from wagtail.permission_policies import ModelPermissionPolicy
    from wagtail.snippets.views import snippets as snippet_views
    from wagtail.snippets.views.snippets import SnippetViewSet

    class CatalogueForm(WagtailAdminModelForm):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            user = self.for_user
            if user is not None and not user.is_superuser and "site" in self.fields:
                self.fields["site"].queryset = Site.objects.filter(pk__in=managed_site_ids(user))

    class SitePolicy(ModelPermissionPolicy):
        """The model's permissions, and for an item, that its site is one the user manages."""

        def _mine(self, user, instance) -> bool:
            return user.is_superuser or instance.site_id in managed_site_ids(user)

        def user_has_permission_for_instance(self, user, action, instance):
            return super().user_has_permission_for_instance(user, action, instance) and (
                self._mine(user, instance)
            )

        def user_has_any_permission_for_instance(self, user, actions, instance):
            return super().user_has_any_permission_for_instance(user, actions, instance) and (
                self._mine(user, instance)
            )

        def instances_user_has_any_permission_for(self, user, actions):
            found = super().instances_user_has_any_permission_for(user, actions)
            return found if user.is_superuser else found.filter(site__in=managed_site_ids(user))

    class OnlyMine:
        """An item of another site's catalogue is a 404, whatever the address."""

        def get_object(self, queryset=None):
            item = super().get_object(queryset)
            user = self.request.user
            if not user.is_superuser and item.site_id not in managed_site_ids(user):
                raise Http404
            return item

    def only_mine(view_class):
        return type(view_class.__name__, (OnlyMine, view_class), {})

    class MineInChooser:
        def get_object_list(self):
            items = super().get_object_list()
            user = self.request.user
            return items if user.is_superuser else items.filter(site__in=managed_site_ids(user))

    from wagtail.snippets.views import chooser as snippet_chooser

    class CatalogueChooser(snippet_chooser.SnippetChooserViewSet):
        choose_view_class = type("ChooseView", (MineInChooser, snippet_chooser.ChooseView), {})
        choose_results_view_class = type(
            "ChooseResultsView", (MineInChooser, snippet_chooser.ChooseResultsView), {}
        )

    class EquipmentViewSet(SnippetViewSet):
        """The catalogue of lent equipment: a manager sees and edits the items of the sites
        whose calls they manage (a superuser, all)."""

        model = EquipmentItem
        icon = "tablet-alt"
        menu_label = gettext_lazy("Lent equipment")
        add_to_admin_menu = False
        list_display = ["name", "site", "quantity", "unit_value"]

        site_policy = SitePolicy
        chooser_viewset_class = CatalogueChooser
        edit_view_class = only_mine(snippet_views.EditView)
        delete_view_class = only_mine(snippet_views.DeleteView)
        copy_view_class = only_mine(snippet_views.CopyView)
        usage_view_class = only_mine(snippet_views.UsageView)
        history_view_class = only_mine(snippet_views.HistoryView)
        inspect_view_class = only_mine(snippet_views.InspectView)

        edit_handler = ObjectList(EquipmentItem.panels, base_form_class=CatalogueForm)

        def get_queryset(self, request):
            items = EquipmentItem.objects.select_related("site")
            if request.user.is_superuser:
                return items
            return items.filter(site__in=managed_site_ids(request.user))

    return EquipmentViewSet


def refuse_deleting_lent_items(request, instances):
    """An item that was lent stays (its loans name it): a message instead of an error."""
    lent = [i for i in instances if isinstance(i, EquipmentItem) and i.loans.exists()]
    if lent:
        messages.error(
            request,
            _("%(items)s was lent to a project: it cannot be deleted. Set its quantity instead.")
            % {"items": ", ".join(item.name for item in lent)},
        )
        return redirect("wagtailsnippets_aap_wagtail_equipmentitem:list")
    return None


def register() -> None:
    from wagtail import hooks
    from wagtail.permissions import register_permission_policy
    from wagtail.snippets.models import register_snippet

    hooks.register("register_admin_urls", admin_urls)
    hooks.register("before_delete_snippet", refuse_deleting_lent_items)
    viewset = _catalogue_viewset()
    register_permission_policy(EquipmentItem, viewset.site_policy(EquipmentItem))
    register_snippet(viewset)
