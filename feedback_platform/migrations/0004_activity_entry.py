import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("feedback_platform", "0003_import_permission"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ActivityEntry",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "actor_kind",
                    models.CharField(
                        choices=[
                            ("user", "User"),
                            ("token", "API token"),
                            ("system", "System"),
                            ("customer", "Customer"),
                        ],
                        max_length=8,
                    ),
                ),
                ("actor_label", models.CharField(blank=True, max_length=150)),
                (
                    "action",
                    models.CharField(
                        help_text="Namespaced: app.object.verb, e.g. surveys.survey.archived", max_length=100
                    ),
                ),
                ("target_id", models.CharField(blank=True, max_length=64)),
                ("target_label", models.CharField(blank=True, max_length=200)),
                ("payload", models.JSONField(blank=True, default=dict, encoder=DjangoJSONEncoder)),
                ("redacted_at", models.DateTimeField(blank=True, null=True)),
                (
                    "actor_user",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "target_type",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="contenttypes.contenttype",
                    ),
                ),
            ],
            options={
                "verbose_name": "activity entry",
                "verbose_name_plural": "activity entries",
                "ordering": ["-created_at", "-pk"],
                "indexes": [
                    models.Index(fields=["-created_at"], name="activity_created_idx"),
                    models.Index(fields=["actor_user", "-created_at"], name="activity_actor_idx"),
                    models.Index(fields=["actor_kind", "-created_at"], name="activity_actor_kind_idx"),
                    models.Index(fields=["target_type", "target_id", "-created_at"], name="activity_target_idx"),
                    models.Index(fields=["action"], name="activity_action_idx", opclasses=["varchar_pattern_ops"]),
                ],
            },
        ),
    ]
