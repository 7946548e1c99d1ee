"""Personal data: how long dossiers keep it (``retention``), and the applicant's own copy
(``data``, downloaded from the dossier's page through ``views``). See docs/privacy.md."""


def __getattr__(name: str):
    # ``aap_wagtail.retention.<name>`` of 0.1 resolves here (``core.compat``): the purge's names
    # and the applicant's copy, as that module held them both.
    import importlib

    if not name.startswith("_"):
        for module in ("retention", "data"):
            found = importlib.import_module(f"{__name__}.{module}")
            if hasattr(found, name):
                return getattr(found, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
