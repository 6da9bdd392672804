from django.db import migrations


def backfill(apps, schema_editor):
    from openstx.core.text import fold

    Organization = apps.get_model("directory", "Organization")
    Expert = apps.get_model("directory", "Expert")
    batch = []
    for org in Organization.objects.filter(search_folded="").only("pk", "name", "short_name", "tax_code"):
        org.search_folded = fold(" ".join(filter(None, [org.name, org.short_name, org.tax_code])))
        batch.append(org)
    Organization.objects.bulk_update(batch, ["search_folded"], batch_size=1000)
    batch = []
    for e in Expert.objects.filter(search_folded="").only("pk", "full_name", "keywords", "position"):
        e.search_folded = fold(" ".join(filter(None, [e.full_name, e.keywords, e.position])))
        batch.append(e)
    Expert.objects.bulk_update(batch, ["search_folded"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("directory", "0002_search_folded")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
