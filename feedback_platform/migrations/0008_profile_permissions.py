"""Admins edit staff users' display names and signatures in the admin."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = ["view_profile", "change_profile", "add_profile"]


def grant(apps, schema_editor):
    """Give the Admin group the profile admin (idempotent; the tests call it after a flush)."""
    config = apps.get_app_config("feedback_platform")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Admin").first()
    if group:
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="feedback_platform", codename__in=CODENAMES)
        )


class Migration(migrations.Migration):
    dependencies = [("feedback_platform", "0007_profile_display_name_and_signatures")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
