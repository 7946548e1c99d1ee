"""The house rules of the package layout (docs/architecture.md), checked as tests."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest
from django.core import mail
from django.utils.module_loading import import_string

import aap_wagtail
from aap_wagtail import tasks
from aap_wagtail.core import compat
from aap_wagtail.models import TaskOutbox, routes

from .factories import make_submitted

PACKAGE = pathlib.Path(aap_wagtail.__file__).parent
ROOT = PACKAGE.parent


def _modules():
    return [p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts]


def test_the_import_contracts_hold():
    """``lint-imports`` (pyproject.toml): the layers, no admin code in public code, pure rules,
    no import cycle between packages."""
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports())",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout and result.stdout.count("KEPT") >= 5


def test_no_module_is_over_600_lines():
    long = {
        str(p.relative_to(PACKAGE)): n
        for p in _modules()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 600
    }
    assert long == {}
    assert len(_modules()) > 60  # the whole package was read


def test_the_top_level_holds_at_most_15_python_modules():
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= 15, top
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    for capability in ("core", "models", "calls", "applications", "workflow", "winners"):
        assert capability in packages
    assert {"privacy", "admin", "api", "presets", "tasks"} <= packages


# --- nothing breaks for a site already installed ---------------------------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # named in migrations already applied
        ("aap_wagtail.storage.get_private_storage", "aap_wagtail.core.storage.get_private_storage"),
        # named in documented settings
        (
            "aap_wagtail.storage.PrivateFileSystemStorage",
            "aap_wagtail.core.storage.PrivateFileSystemStorage",
        ),
        (
            "aap_wagtail.uploadhandlers.SafeTemporaryFileUploadHandler",
            "aap_wagtail.core.uploadhandlers.SafeTemporaryFileUploadHandler",
        ),
        ("aap_wagtail.extensions.ClamdScanner", "aap_wagtail.extensions.ClamdScanner"),
        # named in the docs for a site's own code
        ("aap_wagtail.retention.applicant_data", "aap_wagtail.privacy.data.applicant_data"),
        ("aap_wagtail.retention.anonymise", "aap_wagtail.privacy.retention.anonymise"),
    ],
)
def test_an_old_dotted_path_still_gives_the_same_object(old, new):
    assert import_string(old) is import_string(new)


def test_every_moved_module_and_task_resolves():
    for new in compat.MOVED_MODULES.values():
        import_string(new.rsplit(".", 1)[0] if new.count(".") > 1 else new)
    for old, new in tasks.MOVED_TASKS.items():
        assert import_string(old) is import_string(new)
        assert import_string(new).module_path == new  # what a new outbox row stores
    with pytest.raises(ImportError):
        import_string("aap_wagtail.tasks.no_such_task")


def test_an_outbox_row_written_with_an_old_task_path_still_runs(
    make_call, db, django_capture_on_commit_callbacks
):
    """A row left in the outbox by 0.1 (queue down during the upgrade) names the old path."""
    from aap_wagtail.tasks import outbox

    call = make_call(notification_emails="equipe@example.org")
    application = make_submitted(call)
    row = TaskOutbox.objects.create(
        task_path="aap_wagtail.tasks.notify_managers_of_submission",
        args=[application.pk],
        kwargs={},
        backend="default",
        queue_name="default",
    )
    mail.outbox.clear()
    assert outbox.dispatch(row.pk) is True
    assert [m.to for m in mail.outbox] == [["equipe@example.org"]]
    assert not TaskOutbox.objects.filter(pk=row.pk).exists()


def test_every_route_of_the_page_models_names_a_view():
    for route, path in routes.VIEWS.items():
        assert callable(import_string(path)), route


def test_every_message_has_its_job():
    assert set(tasks.MESSAGE_JOBS) == set(tasks.Message)
    for message, path in tasks.MESSAGE_JOBS.items():
        job = import_string(path)
        assert job.module_path == path, message
