"""The "AAP managers" group may keep the catalogue of lent equipment (snippet ``EquipmentItem``):
add, change, delete and view its items. Which items a manager sees is limited to the sites
whose calls they manage (``admin.financial``)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MANAGERS = "AAP managers"
ACTIONS = ("add", "change", "delete", "view")


def grant(apps, schema_editor):
    app_config = apps.get_app_config("aap_wagtail")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    managers = Group.objects.filter(name=MANAGERS).first()
    if managers is None:
        return
    managers.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="aap_wagtail",
            codename__in=[f"{action}_equipmentitem" for action in ACTIONS],
        )
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    managers = Group.objects.filter(name=MANAGERS).first()
    if managers is not None:
        managers.permissions.remove(
            *managers.permissions.filter(codename__endswith="_equipmentitem")
        )


class Migration(migrations.Migration):
    dependencies = [("aap_wagtail", "0014_financial_report_and_support_in_kind")]

    operations = [migrations.RunPython(grant, revoke)]
