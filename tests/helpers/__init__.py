"""Helpers shared by several test modules (and by ``benchmarks/``), one module per theme.

A test module imports them from here, never from another test module; shared fixtures live in
the ``conftest.py`` of the narrowest folder that covers their users.
"""
