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
    storage_error = _check_private_storage()
    if storage_error:
        return [storage_error]
    from .tasks import task_backends

    queue = conf.get("TASK_QUEUE")
    queues = getattr(task_backends[backend], "queues", None)
    if queues and queue not in queues:
        return [
            checks.Error(
                f"AAP_WAGTAIL['TASK_QUEUE'] is {queue!r}, which the {backend!r} task backend "
                f"does not serve ({', '.join(sorted(queues))}).",
                hint="Add the queue to the backend's QUEUES (and to RQ_QUEUES for RQ).",
                id="aap_wagtail.E003",
                obj="settings.AAP_WAGTAIL",
            )
        ]
    return []


def _check_private_storage():
    """Applicants' files must never land under MEDIA_ROOT, which the web server publishes."""
    from pathlib import Path

    from .core.storage import get_private_storage

    location = getattr(get_private_storage(), "location", None)
    media_root = getattr(settings, "MEDIA_ROOT", "")
    if not location or not media_root:
        return None
    private, media = Path(location).resolve(), Path(media_root).resolve()
    if private == media or media in private.parents:
        return checks.Error(
            f"The private storage for applicants' files ({private}) is inside MEDIA_ROOT "
            f"({media}), which is served publicly.",
            hint="Set AAP_WAGTAIL['PRIVATE_STORAGE']['OPTIONS']['location'] outside MEDIA_ROOT.",
            id="aap_wagtail.E004",
            obj="settings.AAP_WAGTAIL",
        )
    return None


@checks.register("aap_wagtail")
def check_extensions(app_configs, **kwargs):
    """Each extension point must name an importable class with the method it is called by."""
    from .extensions import EXTENSION_POINTS, problem

    errors = []
    for setting in EXTENSION_POINTS:
        try:
            message = problem(setting)
        except ImproperlyConfigured:
            return []  # a bad AAP_WAGTAIL is already reported by check_settings (E001)
        if message:
            base, method = EXTENSION_POINTS[setting]
            errors.append(
                checks.Error(
                    message,
                    hint=f"Name a subclass of {base.__module__}.{base.__name__} that "
                    f"implements {method}().",
                    id="aap_wagtail.E005",
                    obj="settings.AAP_WAGTAIL",
                )
            )
    return errors
