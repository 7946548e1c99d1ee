"""The steps of the online dossier, in order: the keys of ``Application.answers``.

One list, used by the wizard, the call page's extra questions, the review page, the receipt, the
JSON API and the submission's page-limit guard (``LONG_TEXT_FIELDS``)."""

from django.utils.translation import gettext_lazy as _

ELIGIBILITY = "eligibilite"
ORGANISATION = "organisation"
PROJECT = "projet"
OBJECTIVES = "objectifs"
BUDGET = "budget"
DOCUMENTS = "documents"
REPORT = "bilan"
REVIEW = "envoi"

STEPS = [
    (ELIGIBILITY, _("Eligibility")),
    (ORGANISATION, _("Organisation and contact")),
    (PROJECT, _("The project")),
    (OBJECTIVES, _("Objectives and audiences")),
    (BUDGET, _("Budget and calendar")),
    (DOCUMENTS, _("Documents")),
    (REPORT, _("Report on the previous project")),
    (REVIEW, _("Review and submit")),
]
STEP_LABELS = dict(STEPS)

#: Steps an editor may add extra questions to.
QUESTION_STEPS = [(name, label) for name, label in STEPS if name not in (ELIGIBILITY, REVIEW)]

#: The long answers of each step: they count towards the call's page limit (with the long
#: extra questions) and show the characters left.
LONG_TEXT_FIELDS = {
    ORGANISATION: ("presentation",),
    PROJECT: ("synthesis", "actions"),
    OBJECTIVES: ("objectives", "audiences", "facilitators"),
    BUDGET: ("key_stages",),
    REPORT: ("results", "next_steps"),
}
