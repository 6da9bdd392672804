"""Backup and restore on the real database (SQLite or PostgreSQL): the round trip, and damaged
archives refused before anything of the current install is touched (issue #15 item 2)."""

import gzip
import io
import json
import os
import tarfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from openstx.core.backup import BackupError, restore, verify
from openstx.core.models import Job


@pytest.fixture
def install(tmp_path, settings):
    """A media directory of 16 incompressible files and a data directory of its own."""
    settings.MEDIA_ROOT = str(tmp_path / "site" / "media")
    settings.DATA_DIR = str(tmp_path / "site" / "data")
    media = tmp_path / "site" / "media"
    (media / "library").mkdir(parents=True)
    (tmp_path / "site" / "data").mkdir()
    (tmp_path / "site" / "data" / "secret_key").write_text("s3cret")
    (media / "tài liệu.txt").write_text("nội dung")
    for i in range(15):
        (media / "library" / f"file-{i:02d}.bin").write_bytes(os.urandom(8192))
    return media


def snapshot(media):
    return {
        str(p.relative_to(media)): p.read_bytes() for p in sorted(media.rglob("*")) if p.is_file()
    }


def rows():
    return sorted(Job.objects.values_list("kind", "title"))


@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_brings_back_the_same_rows(tmp_path, install):
    kept = [Job.objects.create(kind="kept", title=f"Công việc {i}") for i in range(3)]
    before = snapshot(install)
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", str(archive))
    manifest = verify(archive)
    assert len(manifest["members"]) == 16 + 2  # media files, the database, data/secret_key
    assert manifest["members"]["media/tài liệu.txt"]["size"] == len("nội dung".encode())

    Job.objects.filter(pk=kept[0].pk).delete()
    Job.objects.create(kind="after-backup")
    (install / "tài liệu.txt").unlink()
    (install / "new.txt").write_text("after the backup")

    call_command("restore", str(archive), "--no-reindex")
    assert rows() == sorted(("kept", f"Công việc {i}") for i in range(3))
    assert snapshot(install) == before
    assert not list((tmp_path / "site").glob(".openstx-restore-*"))


def assert_refused_and_untouched(tmp_path, install, archive, message):
    Job.objects.create(kind="current", title="after the backup")
    (install / "new.txt").write_text("after the backup")
    before_rows, before_media = rows(), snapshot(install)
    with pytest.raises(CommandError, match=message) as exc:
        call_command("restore", str(archive), "--no-reindex")
    assert "nothing was changed" in str(exc.value)
    assert rows() == before_rows
    assert snapshot(install) == before_media
    assert not list((tmp_path / "site").glob(".openstx-restore-*"))
    with pytest.raises(CommandError):
        call_command("restore", str(archive), "--check")


@pytest.mark.django_db(transaction=True)
def test_archive_with_1kb_zeroed_a_third_of_the_way_in_is_refused(tmp_path, install):
    Job.objects.create(kind="kept", title="in the backup")
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", str(archive))
    data = bytearray(archive.read_bytes())
    third = len(data) // 3
    while not any(data[third : third + 1024]):  # stored (uncompressed) zeros: zeroing is a no-op
        third += 1024
    data[third : third + 1024] = bytes(1024)
    assert bytes(data) != archive.read_bytes()
    archive.write_bytes(bytes(data))
    assert_refused_and_untouched(tmp_path, install, archive, "damaged")


@pytest.mark.django_db(transaction=True)
def test_truncated_archive_is_a_clear_error_not_a_traceback(tmp_path, install):
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", str(archive))
    data = archive.read_bytes()
    archive.write_bytes(data[: len(data) * 2 // 3])
    assert_refused_and_untouched(tmp_path, install, archive, "damaged or truncated")


@pytest.mark.django_db(transaction=True)
def test_member_that_fails_its_checksum_is_refused(tmp_path, install):
    """A well-formed gzip/tar whose media file differs from the manifest's checksum."""
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", str(archive))
    tampered = tmp_path / "tampered.tar.gz"
    with tarfile.open(archive, "r:gz") as src, tarfile.open(tampered, "w:gz") as dst:
        for member in src:
            body = src.extractfile(member).read() if member.isfile() else None
            if member.name == "media/library/file-07.bin":
                body = bytes(len(body))
            dst.addfile(member, io.BytesIO(body) if body is not None else None)
    assert_refused_and_untouched(tmp_path, install, tampered, "fail their checksum")


@pytest.mark.django_db(transaction=True)
def test_archive_without_manifest_is_refused(tmp_path, install):
    archive = tmp_path / "plain.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(install, "media")
    assert_refused_and_untouched(tmp_path, install, archive, "no manifest")
    # an old-format manifest without checksums is refused too
    with (
        gzip.open(tmp_path / "old.tar.gz", "wb") as raw,
        tarfile.open(fileobj=raw, mode="w") as tar,
    ):
        body = json.dumps({"format": 1, "engine": "sqlite"}).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(body)
        tar.addfile(info, io.BytesIO(body))
    with pytest.raises(BackupError, match="unsupported archive format 1"):
        verify(tmp_path / "old.tar.gz")


def test_restore_of_missing_archive_is_a_clear_error(tmp_path):
    with pytest.raises(BackupError, match="no such archive"):
        restore(tmp_path / "nope.tar.gz")
