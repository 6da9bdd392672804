"""Drop the old id columns (see 0002)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("projects", "0003_copy_links")]

    operations = [
        migrations.RemoveField("task", "legacy_source_demand_id"),
        migrations.RemoveField("historicaltask", "legacy_source_demand_id"),
        migrations.RemoveField("taskoutput", "legacy_offer_id"),
    ]
