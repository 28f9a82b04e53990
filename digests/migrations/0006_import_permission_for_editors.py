"""编辑 may import old pages (digests.import_pages); superusers have every permission."""

from django.db import migrations

# Added to the roles of 0003_editorial_groups.
ROLE_PERMISSIONS = {"编辑": ["digests.import_pages"]}


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after migrate; the group needs this one now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(
        content_type__app_label="digests", codename="import_pages"
    )
    group, _ = Group.objects.get_or_create(name="编辑")
    group.permissions.add(permission)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="编辑"):
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="digests", codename="import_pages"
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("digests", "0005_digest_import_fingerprint_and_permission"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
