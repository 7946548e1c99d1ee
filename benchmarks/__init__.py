"""Benchmarks of aap_wagtail against a bare Wagtail page: ``python benchmarks/run.py``.

Not part of the test suite (pytest's ``testpaths`` is ``tests/``); see docs/performance.md.
"""
