from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AapWagtailConfig(AppConfig):
    name = "aap_wagtail"
    label = "aap_wagtail"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Calls for projects")

    def ready(self) -> None:
        from django.core.signals import setting_changed

        from . import checks, conf  # noqa: F401  (checks registers itself)

        setting_changed.connect(conf.reload_on_setting_changed)
