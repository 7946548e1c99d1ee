"""An e-mail backend that writes each message to its own file, so that the e-mails sent by
several RQ worker processes can be counted after the burst."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend


class FolderBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        folder = Path(settings.AAP_BENCH_MAIL_DIR)
        for message in email_messages:
            (folder / f"{uuid.uuid4().hex}.eml").write_bytes(message.message().as_bytes())
        return len(email_messages)


def sent(folder: str | Path) -> list[str]:
    """The subjects of the e-mails written to ``folder``."""
    subjects = []
    for path in Path(folder).glob("*.eml"):
        for line in path.read_text(errors="replace").splitlines():
            if line.startswith("Subject: "):
                subjects.append(line[len("Subject: ") :])
                break
    return subjects
