"""The staff side in the Wagtail admin, one module per feature.

Each module has a ``register()`` that registers its hooks; ``wagtail_hooks`` calls them all once.
"""

from __future__ import annotations

import importlib

FEATURES = []


def register_all() -> None:
    for name in FEATURES:
        importlib.import_module(f"{__name__}.{name}").register()
