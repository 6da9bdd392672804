"""``khóm = dứa = thơm`` made every "thơm" (fragrant: "gạo thơm", "lúa thơm", "mùi thơm" — far
more common in a rice province than the Southern name of the pineapple) also mean pineapple.
The pineapple is now "trái thơm" / "quả thơm". An entry staff have edited is left as it is."""

from django.db import migrations

OLD = "khóm = dứa = thơm"
NEW = "khóm = dứa = trái thơm = quả thơm"


def forward(apps, schema_editor):
    apps.get_model("search", "Synonym").objects.filter(terms=OLD).update(terms=NEW)


def backward(apps, schema_editor):
    apps.get_model("search", "Synonym").objects.filter(terms=NEW).update(terms=OLD)


class Migration(migrations.Migration):
    dependencies = [("search", "0003_seed_domain_synonyms")]
    operations = [migrations.RunPython(forward, backward)]
