"""One notifier for every area: per-recipient language, preferences, after-commit e-mail."""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils.translation import gettext_lazy

from openstx.core.models import Notification, NotificationPreference
from openstx.core.notifications import notify, officers
from openstx.core.permissions import VIEW, restrict
from tests.factories import OfficerFactory, UserFactory


@pytest.fixture(autouse=True)
def _mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.mark.django_db(transaction=True)
def test_each_recipient_reads_the_notice_in_their_own_language():
    vi = UserFactory(language="vi")
    en = UserFactory(language="en")
    sent = notify(
        [vi, en, vi, None],
        "listing_reject",
        gettext_lazy("Event cancelled: %(title)s"),  # in the exchange's catalogue
        gettext_lazy("Reasons for rejection"),
        "/exchange/offers/1/",
        params={"title": "Techmart Cần Thơ"},
    )
    assert sent == 2
    en_note = Notification.objects.get(user=en)
    assert (en_note.title, en_note.body) == (
        "Event cancelled: Techmart Cần Thơ",
        "Reasons for rejection",
    )
    vi_note = Notification.objects.get(user=vi)
    assert vi_note.title.endswith("Techmart Cần Thơ") and not vi_note.title.startswith("Event")
    assert vi_note.body == "Lý do từ chối"
    assert sorted(m.to[0] for m in mail.outbox) == sorted([vi.email, en.email])
    english_mail = next(m for m in mail.outbox if m.to == [en.email])
    assert "Event cancelled: Techmart Cần Thơ" in english_mail.subject
    assert "/exchange/offers/1/" in english_mail.body


@pytest.mark.django_db(transaction=True)
def test_preferences_stop_email_but_keep_the_in_app_notice():
    quiet = UserFactory()
    picky = UserFactory()
    NotificationPreference.objects.create(user=quiet, email=False)
    NotificationPreference.objects.create(user=picky, muted_verbs=["match_alert"])
    notify([quiet, picky], "match_alert", "Có kết quả mới")
    notify([picky], "connection_request", "Yêu cầu kết nối")
    assert Notification.objects.filter(user=quiet).count() == 1
    assert Notification.objects.filter(user=picky).count() == 2
    assert [m.to for m in mail.outbox] == [[picky.email]]
    assert mail.outbox[0].subject.endswith("Yêu cầu kết nối")


@pytest.mark.django_db(transaction=True)
def test_no_email_when_the_action_rolls_back():
    from django.db import transaction

    user = UserFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        notify([user], "x", "Thông báo")
        raise RuntimeError
    assert mail.outbox == [] and not Notification.objects.exists()


@pytest.mark.django_db
def test_a_notice_is_its_recipients_only_and_officers_are_found():
    owner, other = UserFactory(), UserFactory()
    officer = OfficerFactory()
    notify([owner], "x", "Riêng tư", email=False)
    assert restrict(Notification.objects.all(), owner, VIEW).count() == 1
    assert not restrict(Notification.objects.all(), other, VIEW).exists()
    assert not restrict(Notification.objects.all(), officer, VIEW).exists()
    assert officers() == [officer]


def test_the_exchange_import_path_still_names_the_same_model():
    from openstx.exchange import models as exchange_models
    from openstx.exchange import services as exchange_services

    assert exchange_models.Notification is Notification
    assert exchange_services.notify is notify


def test_notifications_kept_their_rows_when_the_model_moved(transactional_db):
    """Rows written while the exchange owned the table are read by core's model after."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from django.utils import timezone

    user = UserFactory()
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate([("exchange", "0002_event_publication"), ("core", "0002_job_requeue")])
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO exchange_notification (user_id, verb, title, body, url, created_at)"
                " VALUES (%s, 'old', 'Thông báo cũ', '', '', %s)",
                [user.pk, timezone.now()],
            )
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
    assert Notification.objects.get(user=user).title == "Thông báo cũ"
