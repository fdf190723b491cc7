"""Topic rollups get the dimensions of the feedback rollups, so minefields and wow moments follow every filter.

The old rows have no dimensions: they are dropped and the watermark cleared, so the next refresh rebuilds them.
"""

from django.db import migrations, models


def forget_topic_rollups(apps, schema_editor):
    apps.get_model("reviews", "TopicRollup").objects.all().delete()
    apps.get_model("reviews", "RollupState").objects.filter(name="feedback").update(watermark=None)


class Migration(migrations.Migration):
    dependencies = [("reviews", "0014_segment_thresholds_moved_to_surveys")]

    operations = [
        migrations.RunPython(forget_topic_rollups, migrations.RunPython.noop),
        migrations.AddField(
            model_name="topicrollup",
            name="survey_id",
            field=models.BigIntegerField(default=0, help_text="0 when the feedback has no survey."),
        ),
        migrations.AddField(
            model_name="topicrollup",
            name="source",
            field=models.CharField(default="", max_length=10),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="topicrollup", name="language", field=models.CharField(blank=True, max_length=10)
        ),
        migrations.AddField(model_name="topicrollup", name="plan", field=models.CharField(blank=True, max_length=50)),
        migrations.AddField(model_name="topicrollup", name="region", field=models.CharField(blank=True, max_length=50)),
        migrations.AddField(
            model_name="topicrollup", name="product", field=models.CharField(blank=True, max_length=100)
        ),
        migrations.AddField(
            model_name="topicrollup", name="platform", field=models.CharField(blank=True, max_length=50)
        ),
        migrations.AddField(
            model_name="topicrollup", name="lifecycle_stage", field=models.CharField(blank=True, max_length=12)
        ),
    ]
