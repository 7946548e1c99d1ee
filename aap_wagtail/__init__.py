"""aap_wagtail: run a yearly call for projects ("appel à projets") in Wagtail."""

__version__ = "0.1.0"
