"""Backup and restore round trip on the real database (SQLite or PostgreSQL)."""

import pytest
from django.core.management import call_command

from openstx.core.backup import BackupError, restore
from openstx.core.models import Job


@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_brings_back_the_same_rows(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "tài liệu.txt").write_text("nội dung")
    kept = [Job.objects.create(kind="kept", title=f"Công việc {i}") for i in range(3)]
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", str(archive))
    assert archive.exists()

    Job.objects.filter(pk=kept[0].pk).delete()
    Job.objects.create(kind="after-backup")
    (tmp_path / "media" / "tài liệu.txt").unlink()

    call_command("restore", str(archive), "--no-reindex")
    rows = sorted(Job.objects.values_list("kind", "title"))
    assert rows == sorted(("kept", f"Công việc {i}") for i in range(3))
    assert (tmp_path / "media" / "tài liệu.txt").read_text() == "nội dung"


def test_restore_of_missing_archive_is_a_clear_error(tmp_path):
    with pytest.raises(BackupError, match="no such archive"):
        restore(tmp_path / "nope.tar.gz")
