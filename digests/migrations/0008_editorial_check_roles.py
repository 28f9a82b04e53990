"""The newsroom roles get the editorial check's tables: the lexicon and the protocol
tiers are kept by 编辑 (who keep the register); the allow-list by 终审."""

from django.db import migrations

ADDED_PERMISSIONS = {
    "记者": ["people.view_protocoltier", "people.view_expressionrule"],
    "编辑": [
        "people.add_protocoltier", "people.change_protocoltier",
        "people.view_protocoltier",
        "people.add_expressionrule", "people.change_expressionrule",
        "people.delete_expressionrule", "people.view_expressionrule",
        "articles.view_findingdismissal",
    ],
    "审核": [
        "people.view_protocoltier", "people.view_expressionrule",
        "people.view_organization", "people.view_position", "people.view_appointment",
        "articles.view_findingdismissal",
    ],
    "终审": [
        "people.view_protocoltier", "people.view_expressionrule",
        "people.view_organization", "people.view_position", "people.view_appointment",
        "articles.view_findingdismissal",
        "articles.add_allowedfinding", "articles.change_allowedfinding",
        "articles.delete_allowedfinding", "articles.view_allowedfinding",
    ],
}  # fmt: skip


def add_permissions(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codes in ADDED_PERMISSIONS.items():
        group = Group.objects.filter(name=name).first()
        if group is None:
            continue
        for code in codes:
            app_label, codename = code.split(".")
            group.permissions.add(
                Permission.objects.get(
                    content_type__app_label=app_label, codename=codename
                )
            )


class Migration(migrations.Migration):
    dependencies = [
        ("digests", "0007_page_import"),
        ("articles", "0005_editorial_dismissals_and_allow_list"),
        ("people", "0004_default_tiers_and_starter_lexicon"),
    ]

    operations = [migrations.RunPython(add_permissions, migrations.RunPython.noop)]
