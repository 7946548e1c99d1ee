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
