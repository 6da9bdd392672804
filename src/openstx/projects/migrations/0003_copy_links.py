"""Copy the old ids into the new foreign keys (see 0002)."""

from django.db import migrations, models

def _key(text):
    from openstx.ipr.models import application_key

    return application_key(text)


def copy_links(apps, schema_editor):
    Task = apps.get_model("projects", "Task")
    HistoricalTask = apps.get_model("projects", "HistoricalTask")
    TaskOutput = apps.get_model("projects", "TaskOutput")
    Demand = apps.get_model("exchange", "Demand")
    Offer = apps.get_model("exchange", "Offer")
    IPRecord = apps.get_model("ipr", "IPRecord")

    demand_ids = set(Demand.objects.values_list("pk", flat=True))
    for pk, legacy in Task.objects.filter(legacy_source_demand_id__isnull=False).values_list(
        "pk", "legacy_source_demand_id"
    ):
        if legacy in demand_ids:
            Task.objects.filter(pk=pk).update(source_demand_id=legacy)
    # history rows keep what was recorded (the history key has no database constraint)
    HistoricalTask.objects.filter(legacy_source_demand_id__isnull=False).update(
        source_demand_id=models.F("legacy_source_demand_id")
    )

    offer_ids = set(Offer.objects.values_list("pk", flat=True))
    for pk, legacy in TaskOutput.objects.filter(legacy_offer_id__isnull=False).values_list(
        "pk", "legacy_offer_id"
    ):
        if legacy in offer_ids:
            TaskOutput.objects.filter(pk=pk).update(offer_id=legacy)

    by_key: dict[str, set[int]] = {}
    for pk, app_key, certificate in IPRecord.objects.values_list(
        "pk", "application_key", "certificate_number"
    ):
        for key in (app_key, _key(certificate)):
            if key:
                by_key.setdefault(key, set()).add(pk)
    for pk, reference in TaskOutput.objects.exclude(ip_reference="").values_list(
        "pk", "ip_reference"
    ):
        found = by_key.get(_key(reference), set())
        if len(found) == 1:
            TaskOutput.objects.filter(pk=pk).update(ip_record_id=next(iter(found)))


def copy_back(apps, schema_editor):
    Task = apps.get_model("projects", "Task")
    HistoricalTask = apps.get_model("projects", "HistoricalTask")
    TaskOutput = apps.get_model("projects", "TaskOutput")
    Task.objects.update(legacy_source_demand_id=models.F("source_demand_id"))
    HistoricalTask.objects.update(legacy_source_demand_id=models.F("source_demand_id"))
    TaskOutput.objects.update(legacy_offer_id=models.F("offer_id"))



class Migration(migrations.Migration):
    dependencies = [("projects", "0002_exchange_and_ip_links")]

    operations = [migrations.RunPython(copy_links, copy_back)]
