from .applications import (
    Application,
    ApplicationStatus,
    Attachment,
    EnteredBy,
    ReferenceCounter,
)
from .call_parts import (
    CallAxis,
    CallDownload,
    CallMilestone,
    CallSupportKind,
    DocumentRequirement,
    EligibilityQuestion,
    FundingSource,
    RequiredDocument,
    SelectionCriterion,
    SupportKind,
)
from .pages import CallIndexPage, CallPage, CallPageForm

__all__ = [
    "Application",
    "ApplicationStatus",
    "Attachment",
    "EnteredBy",
    "ReferenceCounter",
    "CallAxis",
    "CallDownload",
    "CallIndexPage",
    "CallMilestone",
    "CallPage",
    "CallPageForm",
    "CallSupportKind",
    "DocumentRequirement",
    "EligibilityQuestion",
    "FundingSource",
    "RequiredDocument",
    "SelectionCriterion",
    "SupportKind",
]
