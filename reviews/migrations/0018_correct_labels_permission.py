"""Every role may correct the labels of the feedback it sees (agents: their teams' customers')."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = ["Agent", "Manager", "Admin"]


def grant(apps, schema_editor):
    """Idempotent; the tests call it after a flush."""
    config = apps.get_app_config("reviews")
    models_module = getattr(config, "models_module", None)
    config.models_module = models_module or True
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(content_type__app_label="reviews", codename="correct_labels")
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0017_label_corrections"),
        ("feedback_platform", "0010_role_grants"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="labelcorrection",
            options={
                "ordering": ["-corrected_at", "-pk"],
                "permissions": [("correct_labels", "Can correct the labels of the feedback they see")],
            },
        ),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
