"""Scoring in the admin: a jury member declares a conflict of interest (or none), then scores
each criterion with a comment, saves a draft and submits.

A jury member never learns that a dossier they may not score exists: the scoring URL answers
404 for it, like for a dossier that does not exist.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks

from .. import permissions, workflow
from ..models import Application, Review
from .jury import inspect_url


class ConflictForm(forms.Form):
    conflict = forms.TypedChoiceField(
        label=gettext_lazy("Do you have a conflict of interest with this organisation or project?"),
        help_text=gettext_lazy(
            "For example: you are a member, an employee or a partner, or close to someone who is."
        ),
        choices=[("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Answer yes or no.")},
    )
    note = forms.CharField(
        label=gettext_lazy("Note (optional)"),
        help_text=gettext_lazy("Seen by the call's managers only."),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ScoreForm(forms.Form):
    """A score (0 … the criterion's maximum) and a comment per criterion, an overall comment.

    The range is checked by ``workflow.save_review`` (``rules.check_score``), whose messages
    come back on the fields; the browser's min/max only help.
    """

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for criterion in self.criteria:
            help_parts = [
                _("Weight %(weight)s, from 0 to %(max)s.")
                % {"weight": f"{criterion.weight.normalize():f}", "max": criterion.max_score}
            ]
            if criterion.description:
                help_parts.insert(0, criterion.description)
            self.fields[self.score_name(criterion)] = forms.IntegerField(
                label=criterion.label,
                required=False,
                help_text=" ".join(help_parts),
                widget=forms.NumberInput(attrs={"min": 0, "max": criterion.max_score, "step": 1}),
            )
            self.fields[self.comment_name(criterion)] = forms.CharField(
                label=_("Comment on “%(criterion)s”") % {"criterion": criterion.label},
                required=False,
                max_length=5000,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        self.fields["overall_comment"] = forms.CharField(
            label=_("Overall comment"),
            required=False,
            max_length=10000,
            widget=forms.Textarea(attrs={"rows": 5}),
        )

    @staticmethod
    def score_name(criterion) -> str:
        return f"score_{criterion.pk}"

    @staticmethod
    def comment_name(criterion) -> str:
        return f"comment_{criterion.pk}"

    @classmethod
    def initial_for(cls, review: Review | None) -> dict:
        if review is None:
            return {}
        initial = {"overall_comment": review.overall_comment}
        for score in review.scores.all():
            initial[f"score_{score.criterion_id}"] = score.score
            initial[f"comment_{score.criterion_id}"] = score.comment
        return initial

    def rows(self):
        for criterion in self.criteria:
            yield criterion, self[self.score_name(criterion)], self[self.comment_name(criterion)]

    def scores(self) -> dict[int, tuple[int | None, str]]:
        data = getattr(self, "cleaned_data", {})
        return {
            criterion.pk: (
                data.get(self.score_name(criterion)),
                data.get(self.comment_name(criterion)) or "",
            )
            for criterion in self.criteria
        }


def _dossier_context(application: Application) -> dict:
    return {
        "application": application,
        "call": application.call,
        "axes": application.axes.all(),
        "inspect_url": inspect_url(application),
    }


def _scorable(request, application_pk: int) -> Application:
    application = get_object_or_404(Application.objects.select_related("call"), pk=application_pk)
    if not permissions.can_score(request.user, application)[0]:
        raise Http404
    return application


def score(request, application_pk: int):
    application = _scorable(request, application_pk)
    review = (
        Review.objects.filter(application=application, member=request.user)
        .prefetch_related("scores")
        .first()
    )
    if (
        review is None
        or review.conflict_of_interest is None
        or request.POST.get("step") == "conflict"
    ):
        return _conflict_step(request, application)
    return _scoring_step(request, application, review)


def _conflict_step(request, application: Application):
    form = ConflictForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        conflict = form.cleaned_data["conflict"]
        try:
            workflow.declare_conflict(
                application, user=request.user, conflict=conflict, note=form.cleaned_data["note"]
            )
        except workflow.TransitionRefused as refused:
            messages.error(request, str(refused))
            return redirect("aap_jury_score", application.pk)
        if conflict:
            messages.info(
                request,
                _(
                    "Conflict of interest noted: %(reference)s leaves your list and your score "
                    "will not count."
                )
                % {"reference": application.reference},
            )
            return redirect("aap_jury_progress", application.call_id)
        return redirect("aap_jury_score", application.pk)
    return TemplateResponse(
        request,
        "aap_wagtail/admin/jury_conflict.html",
        {**_dossier_context(application), "form": form},
    )


def _scoring_step(request, application: Application, review: Review):
    criteria = application.call.criteria.all()
    if request.method == "POST":
        form = ScoreForm(request.POST, criteria=criteria)
        submit = "submit" in request.POST
        if form.is_valid() or review.is_locked:
            try:
                workflow.save_review(
                    application,
                    user=request.user,
                    scores=form.scores(),
                    overall_comment=form.cleaned_data.get("overall_comment") or "",
                    submit=submit,
                )
            except workflow.ReviewInvalid as invalid:
                for criterion in form.criteria:
                    if criterion.pk in invalid.errors:
                        form.add_error(form.score_name(criterion), invalid.errors[criterion.pk])
                messages.error(request, str(invalid))
            except workflow.TransitionRefused as refused:
                messages.error(request, str(refused))
                return redirect("aap_jury_score", application.pk)
            else:
                if submit:
                    messages.success(request, _("Your review is submitted. Thank you."))
                    return redirect("aap_jury_progress", application.call_id)
                messages.success(request, _("Draft saved. You can come back to it later."))
                return redirect("aap_jury_score", application.pk)
        else:
            messages.error(request, _("Some scores need your attention."))
    else:
        form = ScoreForm(initial=ScoreForm.initial_for(review), criteria=criteria)
    return TemplateResponse(
        request,
        "aap_wagtail/admin/jury_score.html",
        {**_dossier_context(application), "review": review, "form": form},
    )


def admin_urls():
    return [path("aap/jury/score/<aap_id:application_pk>/", score, name="aap_jury_score")]


def register() -> None:
    hooks.register("register_admin_urls", admin_urls)
