"""One settings dict, validated with clear errors, re-read when settings change."""

import pytest
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from aap_wagtail import conf


def test_defaults_apply_when_the_setting_is_absent(settings):
    del settings.AAP_WAGTAIL
    assert conf.get("BASE_TEMPLATE") == "base.html"
    assert conf.get("TASK_BACKEND") == "default"


def test_override_settings_is_seen_at_once():
    assert conf.get("BASE_TEMPLATE") == "base.html"
    with override_settings(AAP_WAGTAIL={"BASE_TEMPLATE": "city/layout.html"}):
        assert conf.get("BASE_TEMPLATE") == "city/layout.html"
    assert conf.get("BASE_TEMPLATE") == "base.html"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            {"BASE_TEMPLATE": ""},
            "AAP_WAGTAIL['BASE_TEMPLATE'] must be a non-empty string (got '').",
        ),
        ({"BASE_TEMPLATE": 3}, "AAP_WAGTAIL['BASE_TEMPLATE'] must be a non-empty string (got 3)."),
        ({"PRESET_DIRS": "presets/"}, "AAP_WAGTAIL['PRESET_DIRS'] must be a list of folder paths"),
        ({"BASE_TEMPLAT": "x"}, "AAP_WAGTAIL has unknown key(s): BASE_TEMPLAT. Known keys:"),
        (["BASE_TEMPLATE"], "AAP_WAGTAIL must be a dict, got list."),
    ],
)
def test_a_bad_value_gives_a_clear_error(value, message):
    with override_settings(AAP_WAGTAIL=value):
        with pytest.raises(ImproperlyConfigured) as excinfo:
            conf.get("BASE_TEMPLATE")
        assert message in str(excinfo.value)
        errors = checks.run_checks(tags=["aap_wagtail"])
        assert [e.id for e in errors] == ["aap_wagtail.E001"]
        assert message in errors[0].msg


def test_a_queue_the_backend_does_not_serve_is_reported():
    with override_settings(AAP_WAGTAIL={"TASK_QUEUE": "aap"}):
        errors = checks.run_checks(tags=["aap_wagtail"])
    assert [e.id for e in errors] == ["aap_wagtail.E003"]
    assert "'aap'" in errors[0].msg


def test_private_files_under_media_root_are_refused(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    with override_settings(
        AAP_WAGTAIL={"PRIVATE_STORAGE": {"OPTIONS": {"location": str(tmp_path / "private")}}}
    ):
        errors = checks.run_checks(tags=["aap_wagtail"])
    assert [e.id for e in errors] == ["aap_wagtail.E004"]


def test_the_system_check_passes_with_good_settings():
    assert checks.run_checks(tags=["aap_wagtail"]) == []
