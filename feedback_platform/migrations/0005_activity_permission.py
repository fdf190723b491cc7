"""Admins read the activity log (a permission of the base layer, which the roles migration did not cover)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW_ACTIVITY = "view_activityentry"


def grant(apps, schema_editor):
    """Give the Admin group the activity page (idempotent; the tests call it after a flush)."""
    config = apps.get_app_config("feedback_platform")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(content_type__app_label="feedback_platform", codename=VIEW_ACTIVITY)
    group = Group.objects.filter(name="Admin").first()
    if group:
        group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [("feedback_platform", "0004_activity_entry")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
