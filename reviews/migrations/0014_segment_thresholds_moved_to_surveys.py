"""The admins' segment thresholds move to surveys (the answer page reads them too): copied, then dropped here."""

from django.db import migrations

FIELDS = ("kind", "scale_max", "detractor_max", "passive_max")


def copy_to_surveys(apps, schema_editor):
    old, new = apps.get_model("reviews", "SegmentThreshold"), apps.get_model("surveys", "SegmentThreshold")
    new.objects.bulk_create([new(**row) for row in old.objects.values(*FIELDS)])


def copy_back(apps, schema_editor):
    old, new = apps.get_model("reviews", "SegmentThreshold"), apps.get_model("surveys", "SegmentThreshold")
    old.objects.bulk_create([old(**row) for row in new.objects.values(*FIELDS)])
    new.objects.all().delete()  # moved back, so moving forward again finds the table as it left it


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0013_partial_indexes_for_bulk_imports"),
        ("surveys", "0010_segment_thresholds"),
    ]

    operations = [
        migrations.RunPython(copy_to_surveys, copy_back),
        migrations.DeleteModel(name="SegmentThreshold"),
    ]
