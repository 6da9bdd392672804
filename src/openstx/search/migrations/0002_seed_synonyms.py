from django.db import migrations

from openstx.search.migrations._seed import seed_entries

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


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]
    operations = [seed_entries(SEED)]
