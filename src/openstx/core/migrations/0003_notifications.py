# Notifications moved from the exchange to core: the table stays (exchange_notification), only
# the model's owner changes; preferences are new.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_job_requeue"),
        ("exchange", "0001_initial"),  # created the table this model now owns
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Notification",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("verb", models.CharField(max_length=32, verbose_name="what")),
                        ("title", models.CharField(max_length=300, verbose_name="title")),
                        ("body", models.TextField(blank=True, verbose_name="text")),
                        ("url", models.CharField(blank=True, max_length=300, verbose_name="link")),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="created")),
                        ("read_at", models.DateTimeField(blank=True, null=True, verbose_name="read")),
                        ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="notifications", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "verbose_name": "notification",
                        "verbose_name_plural": "notifications",
                        "db_table": "exchange_notification",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [models.Index(fields=["user", "read_at"], name="exchange_no_user_id_557a87_idx")],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.CreateModel(
            name="NotificationPreference",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("email", models.BooleanField(default=True, verbose_name="send notices by e-mail")),
                ("muted_verbs", models.JSONField(blank=True, default=list, verbose_name="kinds of notice not sent by e-mail")),
                ("user", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name="notification_preference", to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "verbose_name": "notification preference",
                "verbose_name_plural": "notification preferences",
            },
        ),
    ]
