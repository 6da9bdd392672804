"""The links to the exchange and the IP registry become foreign keys.

``Task.source_demand_id`` and ``TaskOutput.offer_id`` were plain integers; they are renamed
out of the way, the foreign keys are added, the ids that still name an existing demand / offer
are copied and the others dropped (NULL), then the old columns go (0003 and 0004, one
transaction each: PostgreSQL will not alter a table with pending constraint checks). ``TaskOutput.ip_reference``
stays as the text written in the report and gains a link (``ip_record``) to the IP record whose
application or certificate number it gives, when there is exactly one.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("exchange", "0001_initial"),
        ("ipr", "0003_task_link"),
        ("projects", "0001_initial"),
    ]

    operations = [
        migrations.RenameField("task", "source_demand_id", "legacy_source_demand_id"),
        migrations.RenameField("historicaltask", "source_demand_id", "legacy_source_demand_id"),
        migrations.RenameField("taskoutput", "offer_id", "legacy_offer_id"),
        # the old index keeps its name after the rename; drop it so the new key's index can
        # take that name
        migrations.AlterField(
            "task", "legacy_source_demand_id", models.BigIntegerField(blank=True, null=True)
        ),
        migrations.AlterField(
            "historicaltask",
            "legacy_source_demand_id",
            models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="task",
            name="source_demand",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="ordered_tasks",
                to="exchange.demand",
                verbose_name="ordered from demand",
            ),
        ),
        migrations.AddField(
            model_name="historicaltask",
            name="source_demand",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="exchange.demand",
                verbose_name="ordered from demand",
            ),
        ),
        migrations.AddField(
            model_name="taskoutput",
            name="offer",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="task_outputs",
                to="exchange.offer",
                verbose_name="technology offer",
            ),
        ),
        migrations.AddField(
            model_name="taskoutput",
            name="ip_record",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="task_outputs",
                to="ipr.iprecord",
                verbose_name="IP record",
            ),
        ),
        migrations.AlterField(
            model_name="taskoutput",
            name="ip_reference",
            field=models.CharField(
                blank=True,
                help_text="Application or certificate number as given in the task's report.",
                max_length=300,
                verbose_name="IP reference as written",
            ),
        ),
    ]
