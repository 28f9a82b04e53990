"""The newsroom roles (三审) as permission groups. Safe to re-run: groups are synced."""

from django.db import migrations

ROLE_PERMISSIONS = {
    # Writes and submits; cannot review or publish.
    "记者": [
        "articles.view_column",
        "articles.add_article", "articles.change_article", "articles.view_article",
        "articles.add_articlephoto", "articles.change_articlephoto",
        "articles.delete_articlephoto", "articles.view_articlephoto",
        "media.add_photo", "media.change_photo", "media.view_photo",
        "people.view_person", "people.view_organization", "people.view_position",
        "people.view_appointment",
    ],
    # First review: edits any article in review, assembles digests, keeps the register.
    "编辑": [
        "articles.view_column",
        "articles.add_article", "articles.change_article", "articles.view_article",
        "articles.first_review_article",
        "articles.add_articlephoto", "articles.change_articlephoto",
        "articles.delete_articlephoto", "articles.view_articlephoto",
        "media.add_photo", "media.change_photo", "media.view_photo",
        "people.add_person", "people.change_person", "people.view_person",
        "people.add_organization", "people.change_organization",
        "people.view_organization",
        "people.add_position", "people.change_position", "people.view_position",
        "people.add_appointment", "people.change_appointment",
        "people.delete_appointment", "people.view_appointment",
        "digests.add_weeklydigest", "digests.change_weeklydigest",
        "digests.view_weeklydigest",
        "digests.add_digestitem", "digests.change_digestitem",
        "digests.delete_digestitem", "digests.view_digestitem",
        "digests.add_brief", "digests.change_brief", "digests.delete_brief",
        "digests.view_brief",
    ],
    # Second review: may edit and send back with a reason.
    "审核": [
        "articles.view_column",
        "articles.change_article", "articles.view_article", "articles.review_article",
        "articles.change_articlephoto", "articles.view_articlephoto",
        "media.change_photo", "media.view_photo",
        "people.view_person",
        "digests.view_weeklydigest", "digests.view_digestitem", "digests.view_brief",
    ],
    # Final sign-off: publishes and unpublishes articles and digests.
    "终审": [
        "articles.view_column",
        "articles.change_article", "articles.view_article", "articles.publish_article",
        "articles.delete_article",
        "articles.change_articlephoto", "articles.view_articlephoto",
        "media.change_photo", "media.view_photo", "media.delete_photo",
        "people.view_person",
        "digests.change_weeklydigest", "digests.view_weeklydigest",
        "digests.publish_weeklydigest", "digests.delete_weeklydigest",
        "digests.view_digestitem", "digests.view_brief",
    ],
    "导出": ["digests.view_weeklydigest", "digests.export_weeklydigest"],
}  # fmt: skip


def create_groups(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after migrate; groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codes in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = []
        for code in codes:
            app_label, codename = code.split(".")
            permissions.append(
                Permission.objects.get(
                    content_type__app_label=app_label, codename=codename
                )
            )
        group.permissions.set(permissions)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("digests", "0002_updated_by"),
        ("articles", "0002_review_workflow"),
        ("media", "0001_initial"),
        ("people", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
