"""aap_wagtail: run a yearly call for projects ("appel à projets") in Wagtail."""

from .core import compat as _compat
from .core import parsing as _parsing

__version__ = "0.1.0"

_compat.install()  # old module paths (named in migrations and settings) keep importing
_parsing.register_converters()  # <aap_id:…> in every URL pattern of the package
