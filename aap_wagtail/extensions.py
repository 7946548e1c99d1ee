"""Extension points: behaviour a project can replace with its own class.

Each one is a dotted path in ``settings.AAP_WAGTAIL`` naming a subclass of a base class below:

- ``IDENTIFIER_CHECKER`` (an ``IdentifierChecker``): which organisation numbers the wizard
  accepts in its SIRET and RNA fields. Default: ``FrenchIdentifierChecker``.
- ``UPLOAD_SCANNER`` (an ``UploadScanner``): a last look at every uploaded file, e.g. an
  antivirus. Default: ``NoScanner``; ``ClamdScanner`` asks a ClamAV daemon. It is created with
  ``UPLOAD_SCANNER_OPTIONS`` as keyword arguments.
- ``ORGANISATION_DIRECTORY`` (an ``OrganisationDirectory``): where the organisation step looks a
  SIRET up to fill in the name and address. Default: ``NoDirectory`` (off);
  ``FrenchCompanyDirectory`` asks the public French company directory. It is created with
  ``ORGANISATION_DIRECTORY_OPTIONS``.

The class is imported once per dotted path and instantiated (without arguments, but for the
scanner's options); the settings are re-read when they change (``override_settings`` works in
tests). ``manage.py check`` reports a path that cannot be imported, a class without the method,
or options the scanner does not take (``aap_wagtail.E005``).
"""

from __future__ import annotations

import http.client
import inspect
import json
import logging
import socket
import struct
import urllib.parse
import urllib.request
from dataclasses import dataclass
from functools import lru_cache
from typing import IO, Any

from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from . import conf, rules

logger = logging.getLogger(__name__)


class IdentifierChecker:
    """Checks the numbers an organisation gives: its company number (the wizard's SIRET field)
    and its association number (the RNA field).

    Implement ``check()`` (both fields), or ``check_siret()`` and ``check_rna()`` each; override
    ``normalise()`` when the stored form differs from what the applicant types (spaces, dots,
    lower case…). Whether a number is required is the call's setting, not the checker's.
    """

    def check(self, value: str) -> str | None:
        """Return a message telling the applicant what is wrong with ``value``, or ``None`` when
        it is acceptable. An empty value means "not given": return ``None``."""
        raise NotImplementedError

    def check_siret(self, value: str) -> str | None:
        """The company number field; ``check()`` by default."""
        return self.check(value)

    def check_rna(self, value: str) -> str | None:
        """The association number field; ``check()`` by default."""
        return self.check(value)

    def normalise(self, value: str) -> str:
        """The form of an accepted ``value`` that is stored and compared between editions."""
        return (value or "").strip()


class FrenchIdentifierChecker(IdentifierChecker):
    """A SIRET (14 digits with a valid Luhn key) and an RNA number (W + 9 digits)."""

    def check(self, value: str) -> str | None:
        return rules.check_identifier(value)

    def check_siret(self, value: str) -> str | None:
        return rules.check_siret(value)

    def check_rna(self, value: str) -> str | None:
        return rules.check_rna(value)

    def normalise(self, value: str) -> str:
        return rules.normalise_identifier(value)


class UploadScanner:
    """Looks at every uploaded file after the package's own checks (size, type, content).

    Implement ``scan()``. It runs while the applicant waits, so keep it quick; when the scanner
    itself fails (daemon down…), returning a message refuses the file, returning ``None`` lets
    it through: choose what your site needs.
    """

    def scan(self, file_obj: IO[bytes], *, name: str) -> str | None:
        """Return a message shown next to the field when the file is refused (e.g. "A virus
        was found in this file."), or ``None`` to accept it. ``file_obj`` is at its start;
        ``name`` is the cleaned file name."""
        raise NotImplementedError


class NoScanner(UploadScanner):
    """Accepts every file (no antivirus)."""

    def scan(self, file_obj: IO[bytes], *, name: str) -> str | None:
        return None


class ScannerUnavailable(Exception):
    """The antivirus could not give a verdict (down, too slow, or it answered an error)."""


class ClamdScanner(UploadScanner):
    """Asks a ClamAV daemon (``clamd``) with its ``INSTREAM`` command, over TCP or a Unix
    socket; nothing to install on the Python side.

    Options (``AAP_WAGTAIL["UPLOAD_SCANNER_OPTIONS"]``): ``host`` and ``port`` (default
    ``127.0.0.1:3310``) or ``unix_socket`` (a path, e.g. ``/run/clamav/clamd.ctl``);
    ``timeout`` in seconds (default 30); ``refuse_when_unavailable`` (default ``True``): a file
    that clamd could not look at is refused, so that no file gets in unchecked. Keep clamd's
    ``StreamMaxLength`` above the largest file a call accepts: clamd refuses longer streams.
    """

    CHUNK_BYTES = 64 * 1024

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 3310,
        unix_socket: str = "",
        timeout: float = 30.0,
        refuse_when_unavailable: bool = True,
    ):
        self.host = host
        self.port = int(port)
        self.unix_socket = unix_socket
        self.timeout = float(timeout)
        self.refuse_when_unavailable = refuse_when_unavailable

    def scan(self, file_obj: IO[bytes], *, name: str) -> str | None:
        try:
            found = self.signature(file_obj)
        except ScannerUnavailable as error:
            logger.warning("clamd could not scan %r: %s", name, error)
            if self.refuse_when_unavailable:
                return _(
                    "Files cannot be checked for viruses right now. Try again in a few minutes."
                )
            return None
        if found:
            logger.warning("clamd found %s in %r", found, name)
            return _("A virus was found in this file: it was not accepted. Send a clean copy.")
        return None

    def signature(self, file_obj: IO[bytes]) -> str | None:
        """The name of what clamd found in the file, or ``None`` when it is clean.

        Raises ``ScannerUnavailable`` when clamd cannot be reached or answers an error."""
        try:
            with self._connect() as connection:
                connection.sendall(b"zINSTREAM\0")
                while chunk := file_obj.read(self.CHUNK_BYTES):
                    connection.sendall(struct.pack("!L", len(chunk)) + chunk)
                connection.sendall(struct.pack("!L", 0))
                reply = b""
                while not reply.endswith(b"\0"):
                    received = connection.recv(4096)
                    if not received:
                        break
                    reply += received
        except OSError as error:  # refused, reset, timed out, no such socket…
            raise ScannerUnavailable(str(error) or type(error).__name__) from error
        # "stream: OK", "stream: Eicar-Signature FOUND", "INSTREAM size limit exceeded. ERROR"
        answer = reply.rstrip(b"\0").decode("utf-8", "replace").strip()
        verdict = answer.partition(": ")[2] if answer.startswith("stream: ") else answer
        if verdict == "OK":
            return None
        if verdict.endswith(" FOUND"):
            return verdict.removesuffix(" FOUND").strip() or "unknown"
        raise ScannerUnavailable(answer or "no answer")

    def _connect(self) -> socket.socket:
        if self.unix_socket:
            connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            connection.settimeout(self.timeout)
            try:
                connection.connect(self.unix_socket)
            except OSError:
                connection.close()
                raise
            return connection
        return socket.create_connection((self.host, self.port), timeout=self.timeout)


@dataclass(frozen=True)
class OrganisationFound:
    """What a directory knows of an establishment: enough to fill in the organisation step."""

    name: str
    address: str
    postcode: str
    city: str


class DirectoryUnavailable(Exception):
    """The directory did not answer in time, or answered something unreadable."""


class OrganisationDirectory:
    """Looks an organisation up by its SIRET. Implement ``look_up()``; ``enabled`` says
    whether the organisation step offers it."""

    enabled = True

    def look_up(self, siret: str) -> OrganisationFound | None:
        """The establishment with this (valid, normalised) SIRET, or ``None`` when the directory
        has none. Raise ``DirectoryUnavailable`` when it cannot tell."""
        raise NotImplementedError


class NoDirectory(OrganisationDirectory):
    """No look-up: the applicant types the name and address (the default)."""

    enabled = False

    def look_up(self, siret: str) -> OrganisationFound | None:
        return None


class FrenchCompanyDirectory(OrganisationDirectory):
    """The public French company directory (« API Recherche d'entreprises », open, without a
    key): ``GET <base_url>/search?q=<siret>``, then the establishment with that SIRET.

    Options (``AAP_WAGTAIL["ORGANISATION_DIRECTORY_OPTIONS"]``): ``base_url`` (default
    ``https://recherche-entreprises.api.gouv.fr``) and ``timeout`` in seconds (default 3: the
    applicant waits).
    """

    MAX_BYTES = 512 * 1024

    def __init__(
        self, *, base_url: str = "https://recherche-entreprises.api.gouv.fr", timeout: float = 3
    ):
        self.base_url = base_url.rstrip("/")
        self.timeout = float(timeout)

    def look_up(self, siret: str) -> OrganisationFound | None:
        query = urllib.parse.urlencode({"q": siret, "page": 1, "per_page": 5})
        request = urllib.request.Request(
            f"{self.base_url}/search?{query}",
            headers={"Accept": "application/json", "User-Agent": "aap_wagtail"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                payload = json.loads(response.read(self.MAX_BYTES))
        except (OSError, ValueError, http.client.HTTPException) as error:
            # refused, timed out, an HTTP error, a body cut short, not JSON…
            raise DirectoryUnavailable(str(error) or type(error).__name__) from error
        results = payload.get("results") if isinstance(payload, dict) else None
        if not isinstance(results, list):
            raise DirectoryUnavailable("unexpected answer")
        for result in results:
            if not isinstance(result, dict):
                continue
            matching = result.get("matching_etablissements")
            places = [*(matching if isinstance(matching, list) else []), result.get("siege")]
            for place in places:
                if isinstance(place, dict) and place.get("siret") == siret:
                    return self._found(result, place)
        return None

    @staticmethod
    def _found(result: dict, place: dict) -> OrganisationFound:
        postcode = str(place.get("code_postal") or "")
        city = str(place.get("libelle_commune") or "")
        parts = ("numero_voie", "indice_repetition", "type_voie", "libelle_voie")
        street = " ".join(str(place[k]) for k in parts if place.get(k))
        if not street:  # the full address, less its postcode and town
            street = str(place.get("adresse") or "").split(f" {postcode} ")[0] if postcode else ""
        name = result.get("nom_complet") or result.get("nom_raison_sociale") or ""
        return OrganisationFound(name=str(name), address=street, postcode=postcode, city=city)


#: setting -> (base class, method the class must have)
EXTENSION_POINTS: dict[str, tuple[type, str]] = {
    "IDENTIFIER_CHECKER": (IdentifierChecker, "check"),
    "UPLOAD_SCANNER": (UploadScanner, "scan"),
    "ORGANISATION_DIRECTORY": (OrganisationDirectory, "look_up"),
}

#: setting -> the setting holding the keyword arguments its class is created with
OPTIONS = {
    "UPLOAD_SCANNER": "UPLOAD_SCANNER_OPTIONS",
    "ORGANISATION_DIRECTORY": "ORGANISATION_DIRECTORY_OPTIONS",
}


def problem(setting: str) -> str | None:
    """Why the class named by ``setting`` cannot be used, or ``None`` when it can."""
    path = conf.get(setting)
    _base, method = EXTENSION_POINTS[setting]
    try:
        cls = import_string(path)
    except ImportError as exc:
        return f"AAP_WAGTAIL['{setting}'] is {path!r}, which cannot be imported: {exc}"
    if not callable(getattr(cls, method, None)):
        return f"AAP_WAGTAIL['{setting}'] is {path!r}, which has no {method}() method."
    options_setting = OPTIONS.get(setting)
    options = conf.get(options_setting) if options_setting else {}
    try:
        inspect.signature(cls).bind(**options)
    except TypeError as exc:
        return (
            f"AAP_WAGTAIL['{options_setting}'] does not suit {path!r}: {exc} "
            f"(options given: {', '.join(sorted(options)) or 'none'})."
        )
    except ValueError:  # no signature to read (a class implemented in C): let it be
        pass
    return None


@lru_cache(maxsize=16)
def _instance(path: str, options: str = "{}") -> Any:
    return import_string(path)(**json.loads(options))


def _configured(setting: str) -> Any:
    options_setting = OPTIONS.get(setting)
    options = conf.get(options_setting) if options_setting else {}
    return _instance(conf.get(setting), json.dumps(options, sort_keys=True, default=str))


def reset() -> None:
    """Forget the loaded classes (called when the settings change)."""
    _instance.cache_clear()


def reset_on_setting_changed(*, setting: str, **kwargs) -> None:
    """Connected in ``apps.ready``, so that ``override_settings`` loads the new classes."""
    if setting == conf.SETTING_NAME:
        reset()


def identifier_checker() -> IdentifierChecker:
    """The configured ``IDENTIFIER_CHECKER``."""
    return _instance(conf.get("IDENTIFIER_CHECKER"))


def upload_scanner() -> UploadScanner:
    """The configured ``UPLOAD_SCANNER``, created with ``UPLOAD_SCANNER_OPTIONS``."""
    return _configured("UPLOAD_SCANNER")


def organisation_directory() -> OrganisationDirectory:
    """The configured ``ORGANISATION_DIRECTORY``, created with its options."""
    return _configured("ORGANISATION_DIRECTORY")
