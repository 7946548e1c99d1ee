"""Blocks editors use to add extra questions to a step of the dossier."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks

from .. import rules
from .steps import QUESTION_STEPS


class QuestionBlock(blocks.StructBlock):
    step = blocks.ChoiceBlock(choices=QUESTION_STEPS, label=_("step"))
    label = blocks.CharBlock(label=_("question"), max_length=500)
    help_text = blocks.CharBlock(label=_("help"), required=False, max_length=500)
    required = blocks.BooleanBlock(label=_("answer required"), required=False, default=False)

    class Meta:
        icon = "help"


class ChoiceQuestionBlock(QuestionBlock):
    choices = blocks.ListBlock(blocks.CharBlock(label=_("choice"), max_length=255), min_num=2)


class FileQuestionBlock(QuestionBlock):
    def clean(self, value):
        value = super().clean(value)
        error = rules.check_extensions(value.get("accepted_types") or "")
        if error:
            raise blocks.StructBlockValidationError(
                block_errors={"accepted_types": ValidationError(error)}
            )
        return value

    accepted_types = blocks.CharBlock(label=_("accepted file types"), default="pdf")
    max_size_mb = blocks.IntegerBlock(
        label=_("maximum size (MB)"), default=5, min_value=1, max_value=100
    )


QUESTION_KINDS = [
    ("short_text", QuestionBlock(label=_("Short text"))),
    ("long_text", QuestionBlock(label=_("Long text"))),
    ("number", QuestionBlock(label=_("Number"))),
    ("single_choice", ChoiceQuestionBlock(label=_("Single choice"))),
    ("multiple_choice", ChoiceQuestionBlock(label=_("Multiple choice"))),
    ("date", QuestionBlock(label=_("Date"))),
    ("yes_no", QuestionBlock(label=_("Yes / no"))),
    ("file", FileQuestionBlock(label=_("File"))),
]
