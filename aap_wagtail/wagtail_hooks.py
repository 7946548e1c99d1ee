from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from . import workflow


@hooks.register("register_log_actions")
def register_application_actions(actions):
    actions.register_action(workflow.SUBMIT_ACTION, _("Submit dossier"), _("Dossier submitted"))
    actions.register_action(workflow.WITHDRAW_ACTION, _("Withdraw dossier"), _("Dossier withdrawn"))
