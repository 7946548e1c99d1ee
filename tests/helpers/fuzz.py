"""What the fuzzing runs share (the wizard's, ``tests/applications/test_wizard_fuzz.py``, and the
API's, ``tests/api/test_api_fuzz.py``): a call with an extra question of each kind, and the
hypothesis strategies for what a robot may type in a field."""

from __future__ import annotations

from hypothesis import strategies as st

from aap_wagtail.models import CallPage, EligibilityQuestion, RequiredDocument, steps

EXTRA_QUESTIONS = [
    ("yes_no", steps.ORGANISATION, {}, "yes"),
    ("short_text", steps.PROJECT, {}, "Bellevue"),
    ("long_text", steps.PROJECT, {}, "Un quartier en hauteur."),
    ("number", steps.OBJECTIVES, {}, "12"),
    ("single_choice", steps.OBJECTIVES, {"choices": ["Jeunes", "Seniors"]}, "Jeunes"),
    ("date", steps.BUDGET, {}, "2027-03-01"),
    ("file", steps.DOCUMENTS, {"accepted_types": "pdf", "max_size_mb": 1}, None),
    ("multiple_choice", steps.REPORT, {"choices": ["Oui", "Non", "Bof"]}, ["Oui", "Bof"]),
]


def fuzz_call(make_call) -> CallPage:
    """A call with an extra question of each kind on the steps, and three documents (the
    wizard's and the API's fuzzing share it)."""
    call = make_call(
        reference_prefix="FUZZ-2027",
        extra_questions=[
            (
                kind,
                {"step": step, "label": f"Question {kind}", "help_text": "", "required": True}
                | extra,
            )
            for kind, step, extra, _answer in EXTRA_QUESTIONS
        ],
    )
    call.eligibility_questions = [
        EligibilityQuestion(question="Association ?", qualifying_answer=True, explanation="Non."),
        EligibilityQuestion(
            question="Matériel seul ?", qualifying_answer=False, explanation="Non."
        ),
    ]
    call.required_documents = [
        RequiredDocument(label="RIB", accepted_types="pdf", max_size_mb=1),
        RequiredDocument(label="Accord", accepted_types="pdf, docx", required_when="if_partners"),
        RequiredDocument(label="Bilan", accepted_types="pdf", required_when="if_funded_before"),
    ]
    call.save_revision().publish()
    return CallPage.objects.get(pk=call.pk)


# --- what a robot may type ---------------------------------------------------------------------

ANY_CHARACTER = st.characters(blacklist_categories=["Cs"])  # all but lone surrogates
SHORT_TEXT = st.text(ANY_CHARACTER, max_size=40)
HUGE_TEXT = st.builds(
    lambda piece, times: (piece * times)[:20_000],
    st.text(ANY_CHARACTER, min_size=1, max_size=4),
    st.integers(1_000, 20_000),
)
CONTROL_TEXT = st.text(st.characters(max_codepoint=0x1F) | st.sampled_from("\x7f\u2028\ufeff"))
NUMBER_TEXT = st.one_of(
    st.integers(-(10**30), 10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["1e999", "-0", "0x1F", "٣٤", "1_000", " 7 ", "2 300,50", "9" * 40]),
)
DATE_TEXT = st.one_of(
    st.dates().map(str), st.sampled_from(["2027-02-30", "0000-01-01", "99999-12-31", "31/12/2027"])
)
EMAIL_TEXT = st.one_of(
    st.emails(),
    st.integers(1, 400).map(lambda n: "a" * n + "@example.org"),
    st.integers(1, 300).map(lambda n: "asso@" + "b" * n + ".org"),
)
CHOICE_TEXT = st.sampled_from(["yes", "no", "on", "off", "true", "1", "association", "group", ""])
ANY_VALUE = st.one_of(
    SHORT_TEXT, HUGE_TEXT, CONTROL_TEXT, NUMBER_TEXT, DATE_TEXT, EMAIL_TEXT, CHOICE_TEXT
)
FIELD_VALUE = st.one_of(ANY_VALUE, st.lists(ANY_VALUE, min_size=0, max_size=3))
