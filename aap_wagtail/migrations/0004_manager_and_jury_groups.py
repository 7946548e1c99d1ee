"""The two default groups: "AAP managers" and "AAP jury".

Managers get the dossier permissions and, on the root of the page tree, the right to edit pages
(which is what lets them see a call's dossiers). For a multi-site install, move that page
permission to the site's home page, or make one managers' group per site.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MANAGERS = "AAP managers"
JURY = "AAP jury"

# No model permission on Application itself: Wagtail would then show every dossier's history
# in Reports → Site history. Access to dossiers is decided by aap_wagtail.permissions.
MANAGER_PERMISSIONS = [
    ("wagtailadmin", "admin", "access_admin"),
    ("aap_wagtail", "callpage", "manage_applications"),
]
JURY_PERMISSIONS = [
    ("wagtailadmin", "admin", "access_admin"),
    ("aap_wagtail", "callpage", "score_application"),
]


def _permission(apps, app_label, model, codename):
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type, _created = ContentType.objects.get_or_create(app_label=app_label, model=model)
    permission, _created = Permission.objects.get_or_create(
        content_type=content_type, codename=codename, defaults={"name": codename}
    )
    return permission


def create_groups(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Page = apps.get_model("wagtailcore", "Page")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")

    managers, _created = Group.objects.get_or_create(name=MANAGERS)
    managers.permissions.add(*(_permission(apps, *p) for p in MANAGER_PERMISSIONS))
    root = Page.objects.filter(depth=1).order_by("path").first()
    if root is not None:
        for codename in ("add_page", "change_page", "publish_page"):
            GroupPagePermission.objects.get_or_create(
                group=managers, page=root, permission=_permission(apps, "wagtailcore", "page", codename)
            )
    jury, _created = Group.objects.get_or_create(name=JURY)
    jury.permissions.add(*(_permission(apps, *p) for p in JURY_PERMISSIONS))


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[MANAGERS, JURY]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("aap_wagtail", "0003_review_jury_decisions_exports"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("wagtailcore", "0098_apitoken"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
