from django.db import migrations

SEED = [
    ("KH&CN = KHCN = khoa học và công nghệ = khoa học công nghệ", "abbreviation"),
    ("ĐBSCL = đồng bằng sông Cửu Long", "abbreviation"),
    ("TP. = TP = thành phố", "abbreviation"),
    ("CNTT = công nghệ thông tin", "abbreviation"),
    ("SHTT = sở hữu trí tuệ", "abbreviation"),
    ("UBND = ủy ban nhân dân", "abbreviation"),
    ("ĐMST = đổi mới sáng tạo", "abbreviation"),
    ("TCVN = tiêu chuẩn Việt Nam", "abbreviation"),
    ("NTTS = nuôi trồng thủy sản", "abbreviation"),
    ("khóm = dứa = thơm", "synonym"),
    ("da xanh = bưởi da xanh = bưởi", "synonym"),
    ("lúa gạo = lúa", "synonym"),
]


def seed(apps, schema_editor):
    Synonym = apps.get_model("search", "Synonym")
    for terms, kind in SEED:
        Synonym.objects.get_or_create(terms=terms, defaults={"kind": kind})


def unseed(apps, schema_editor):
    Synonym = apps.get_model("search", "Synonym")
    Synonym.objects.filter(terms__in=[t for t, _ in SEED]).delete()


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
