"""The steps of the online dossier, in order. One list, used by the wizard, the call page's
extra questions, the review page and (later) the JSON API."""

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
