from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AapWagtailConfig(AppConfig):
    name = "aap_wagtail"
    label = "aap_wagtail"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Calls for projects")

    def ready(self) -> None:
        from django.core.signals import request_finished, request_started, setting_changed

        from . import checks, conf, extensions  # noqa: F401  (checks registers itself)
        from .core import storage
        from .tasks import outbox

        # Each module that caches what the settings say forgets it when they change.
        setting_changed.connect(conf.reload_on_setting_changed)
        setting_changed.connect(storage.reset_on_setting_changed)
        setting_changed.connect(extensions.reset_on_setting_changed)
        # Tasks committed by a request leave after its response (tasks/outbox.py).
        request_started.connect(outbox.start_deferring, dispatch_uid="aap_outbox_start")
        request_finished.connect(outbox.run_deferred, dispatch_uid="aap_outbox_run")
