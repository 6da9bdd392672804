from django.db import migrations


class Migration(migrations.Migration):
    """The free-text task becomes ``task_reference``; 0003 adds the link to projects.Task."""

    dependencies = [("ipr", "0001_initial")]

    operations = [
        migrations.RenameField("iprecord", "task", "task_reference"),
        migrations.RenameField("historicaliprecord", "task", "task_reference"),
    ]
