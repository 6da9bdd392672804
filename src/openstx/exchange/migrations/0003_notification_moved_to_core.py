# The Notification model now belongs to core (core.0003 takes over the same table).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("exchange", "0002_event_publication"),
        ("core", "0003_notifications"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Notification")],
            database_operations=[],
        ),
    ]
