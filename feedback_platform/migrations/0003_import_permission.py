"""Managers and admins may import review files (a permission added after the roles were made)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant(apps, schema_editor):
    config = apps.get_app_config("reviews")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(content_type__app_label="reviews", codename="import_reviews")
    for name in ("Manager", "Admin"):
        group = Group.objects.filter(name=name).first()
        if group:
            group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [("feedback_platform", "0002_profile"), ("reviews", "0011_import_jobs")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
