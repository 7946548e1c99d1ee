"""Old dotted paths keep working after the move to packages by capability (0.2).

Sites name some of the package's modules in places we must not break: migrations already
applied (``aap_wagtail.storage.get_private_storage``), documented settings
(``aap_wagtail.uploadhandlers...``) and their own code
following the docs (``aap_wagtail.retention.applicant_data``). ``MOVED_MODULES`` maps each old
module to its new home; importing the old name gives the very same module object, so classes
and functions compare equal and ``makemigrations`` sees no change. Old *task* paths stored in the
outbox or in a queue are mapped by ``aap_wagtail.tasks.MOVED_TASKS``.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys

#: old module -> the module that holds the same names now
MOVED_MODULES: dict[str, str] = {
    "aap_wagtail.storage": "aap_wagtail.core.storage",
    "aap_wagtail.uploadhandlers": "aap_wagtail.core.uploadhandlers",
    "aap_wagtail.retention": "aap_wagtail.privacy",
    "aap_wagtail.exports": "aap_wagtail.applications.exports",
}


class _Alias(importlib.abc.Loader):
    def __init__(self, target: str) -> None:
        self.target = target

    def create_module(self, spec):
        return importlib.import_module(self.target)

    def exec_module(self, module) -> None:
        """Nothing to run: the module is the target, already imported."""


class MovedModuleFinder(importlib.abc.MetaPathFinder):
    """Resolves the names of ``MOVED_MODULES`` to their new modules."""

    def find_spec(self, fullname, path=None, target=None):
        new = MOVED_MODULES.get(fullname)
        if new is None:
            return None
        return importlib.util.spec_from_loader(fullname, _Alias(new))


def install() -> None:
    if not any(isinstance(finder, MovedModuleFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, MovedModuleFinder())
