"""Admins manage webhooks (an app added after the roles migration granted the other apps' permissions)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant(apps, schema_editor):
    """Give the Admin group integrations' permissions (idempotent; the tests call it after a flush)."""
    config = apps.get_app_config("integrations")
    # As followup 0011: a migration's registry has no models module, and the tests' real one must be restored.
    models_module = getattr(config, "models_module", None)
    config.models_module = models_module or True
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Admin").first()
    if group:
        group.permissions.add(*Permission.objects.filter(content_type__app_label="integrations"))


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0001_webhooks"),
        ("feedback_platform", "0001_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
