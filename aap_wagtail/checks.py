from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from . import conf


@checks.register("aap_wagtail")
def check_settings(app_configs, **kwargs):
    """Report a bad ``AAP_WAGTAIL`` setting at startup (``manage.py check``), not mid-request."""
    conf.reload()
    try:
        backend = conf.get("TASK_BACKEND")
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="aap_wagtail.E001", obj="settings.AAP_WAGTAIL")]
    tasks_setting = getattr(settings, "TASKS", None) or {"default": {}}
    if backend not in tasks_setting:
        return [
            checks.Error(
                f"AAP_WAGTAIL['TASK_BACKEND'] is {backend!r}, which is not an alias of "
                f"settings.TASKS ({', '.join(tasks_setting)}).",
                hint="Add it to TASKS, or set TASK_BACKEND to one of its aliases.",
                id="aap_wagtail.E002",
                obj="settings.AAP_WAGTAIL",
            )
        ]
    return []
