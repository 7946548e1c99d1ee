"""Who may open a dossier without an account: browser sessions, signed links and tokens.

No account is needed: a browser session holds the drafts it created or opened from a resume
link; a signed, expiring link sent by e-mail opens a draft in another browser, and the same
signed value is the applicant's bearer token in the JSON API. A report link opens the
end-of-project report. Revoking (``revoke_links``) raises the dossier's access generation, so
every link and token issued before stops working.
"""

from __future__ import annotations

from django.core import signing
from django.db.models import F
from django.urls import reverse

from .. import conf, permissions
from ..models import Application, ApplicationStatus

SESSION_KEY = "aap_wagtail_applications"
CURRENT_KEY = "aap_wagtail_current"
#: The dossiers whose report this browser opened through a report link (to see their images).
REPORT_SESSION_KEY = "aap_wagtail_reports"
RESUME_SALT = "aap_wagtail.resume"
REPORT_SALT = "aap_wagtail.report"
#: A report link is valid for a year: projects last months, and the link may be asked again.
REPORT_LINK_MAX_AGE = 366 * 24 * 3600
#: How many dossiers one browser session remembers.
SESSION_MEMORY = 20


# --- this browser's dossiers -------------------------------------------------------------------


def _entry(application: Application) -> str:
    # The access generation goes with the dossier: a revocation (raising it) ends this session's
    # access at its next request, like it ends every link and token issued before.
    return f"{application.uuid.hex}.{application.access_generation}"


def _granted(request, key: str, application: Application) -> bool:
    """This session opened ``application`` and nothing revoked that since."""
    for entry in request.session.get(key, []):
        uuid_hex, _dot, generation = str(entry).partition(".")
        if uuid_hex == application.uuid.hex:
            # An entry without a generation was written before 0.2: generation 0.
            return int(generation or 0) == application.access_generation
    return False


def _remember_in(request, key: str, application: Application) -> None:
    known = [
        k for k in request.session.get(key, []) if str(k).partition(".")[0] != application.uuid.hex
    ]
    request.session[key] = [*known, _entry(application)][-SESSION_MEMORY:]


def remember(request, application: Application) -> None:
    """Let this browser session open ``application`` (after creating it or from a link), and
    make it the dossier this browser works on for its call."""
    _remember_in(request, SESSION_KEY, application)
    current = dict(request.session.get(CURRENT_KEY, {}))
    current[str(application.call_id)] = application.uuid.hex
    request.session[CURRENT_KEY] = current


def remember_report(request, application: Application) -> None:
    """This browser opened the report link of ``application`` (it may see the report's images)."""
    _remember_in(request, REPORT_SESSION_KEY, application)


def opened_report(request, application: Application) -> bool:
    return _granted(request, REPORT_SESSION_KEY, application)


def current_application(request, call) -> Application | None:
    """The dossier this browser works on for ``call`` (the last one created or opened)."""
    key = request.session.get(CURRENT_KEY, {}).get(str(call.pk))
    if key:
        application = Application.objects.filter(call=call, uuid=key).first()
        if application is not None and _granted(request, SESSION_KEY, application):
            return application
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and CURRENT_KEY not in request.session:
        # A signed-in applicant on another device continues their latest draft.
        draft = (
            Application.objects.filter(call=call, user=user, status=ApplicationStatus.DRAFT)
            .order_by("-updated_at")
            .first()
        )
        if draft is not None:
            remember(request, draft)
        return draft
    return None


def start_another(request, call) -> None:
    """The next visit to the wizard starts a new dossier (e.g. a mediator helping several
    organisations); the earlier ones stay reachable from this browser."""
    current = dict(request.session.get(CURRENT_KEY, {}))
    current.pop(str(call.pk), None)
    request.session[CURRENT_KEY] = current


def can_open(request, application: Application) -> tuple[bool, str]:
    """(allowed, reason): the applicant's own browser session, or their account."""
    if _granted(request, SESSION_KEY, application):
        return True, "session"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and application.user_id == user.pk:
        return True, "account"
    return False, "not yours"


def can_view_application(request, application: Application) -> tuple[bool, str]:
    """(allowed, reason): the applicant (``can_open``), the call's managers, an assigned jury
    member without a conflict (``permissions``)."""
    allowed, reason = can_open(request, application)
    if allowed:
        return allowed, reason
    return permissions.can_see_as_staff(getattr(request, "user", None), application)


def can_view_attachment(request, attachment) -> tuple[bool, str]:
    return can_view_application(request, attachment.application)


# --- signed links and tokens -------------------------------------------------------------------


def _make_token(application: Application, *, salt: str, key: str) -> str:
    payload = {key: application.uuid.hex}
    if application.access_generation:
        payload["g"] = application.access_generation
    return signing.dumps(payload, salt=salt, compress=True)


def _read_token(token: str, *, salt: str, key: str, max_age: int) -> Application | None:
    try:
        payload = signing.loads(token, salt=salt, max_age=max_age)
    except signing.BadSignature:  # includes SignatureExpired
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get(key), str):
        return None
    application = Application.objects.select_related("call").filter(uuid=payload[key]).first()
    if application is None or payload.get("g", 0) != application.access_generation:
        return None  # revoked: issued before the last revocation
    return application


def make_resume_token(application: Application) -> str:
    """The secret of a resume link, also the applicant's bearer token in the JSON API."""
    return _make_token(application, salt=RESUME_SALT, key="a")


def read_resume_token(token: str) -> Application | None:
    """The application a resume link opens, or None if the link is forged, expired or revoked."""
    max_age = conf.get("RESUME_LINK_MAX_AGE_DAYS") * 24 * 3600
    return _read_token(token, salt=RESUME_SALT, key="a", max_age=max_age)


def make_report_token(application: Application) -> str:
    return _make_token(application, salt=REPORT_SALT, key="r")


def read_report_token(token: str) -> Application | None:
    """The dossier a report link opens, or None if the link is forged, expired or revoked."""
    return _read_token(token, salt=REPORT_SALT, key="r", max_age=REPORT_LINK_MAX_AGE)


def revoke_links(application: Application) -> None:
    """Every resume link, report link and API token issued so far stops working."""
    Application.objects.filter(pk=application.pk).update(
        access_generation=F("access_generation") + 1
    )
    application.refresh_from_db(fields=["access_generation"])


def _absolute(request, application: Application, path: str, base_url: str = "") -> str:
    if request is not None:
        return request.build_absolute_uri(path)
    if base_url:  # the address the applicant used, given to a background task
        return base_url.rstrip("/") + path
    site = application.call.get_site()  # from a background task: the call's own site
    return f"{site.root_url}{path}" if site else path


def resume_url(request, application: Application, *, base_url: str = "") -> str:
    """The resume link: on the request's address, else ``base_url`` (``https://host``), else
    the call's site."""
    token = make_resume_token(application)
    path = reverse("aap_wagtail:resume", kwargs={"token": token})
    return _absolute(request, application, path, base_url)


def report_url(request, application: Application) -> str:
    token = make_report_token(application)
    return _absolute(request, application, reverse("aap_wagtail:report", kwargs={"token": token}))
