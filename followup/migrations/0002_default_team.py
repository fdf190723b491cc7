from django.db import migrations


def create_default_team(apps, schema_editor):
    Team = apps.get_model("followup", "Team")
    if not Team.objects.filter(is_default=True).exists():
        Team.objects.get_or_create(name="Customer care", defaults={"is_default": True})


class Migration(migrations.Migration):
    dependencies = [("followup", "0001_initial")]
    operations = [migrations.RunPython(create_default_team, migrations.RunPython.noop)]
