"""Admins edit the retention setting (a model added after the roles migration granted followup's permissions)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant(apps, schema_editor):
    """Give the Admin group the retention policy's permissions (idempotent; the tests call it after a flush)."""
    config = apps.get_app_config("followup")
    # A migration's app registry has no models module (create_permissions skips such apps); the tests pass the
    # real registry, whose value must come back as it was or later flushes lose followup's permissions.
    models_module = getattr(config, "models_module", None)
    config.models_module = models_module or True
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="followup", codename__endswith="_retentionpolicy")
    group = Group.objects.filter(name="Admin").first()
    if group:
        group.permissions.add(*permissions)


class Migration(migrations.Migration):
    dependencies = [("followup", "0010_retention_policy"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
