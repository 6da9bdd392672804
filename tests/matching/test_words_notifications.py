"""Match alerts are rendered in the subscriber's language (lazy texts with params)."""

from __future__ import annotations

import pytest
from django.utils import translation

from openstx.exchange.models import Notification
from openstx.matching import services

from .conftest import offer

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("lang", "prefix"), [("en", "New match: "), ("vi", "Kết quả ghép nối mới: ")]
)
def test_alert_title_in_the_subscribers_language(world, lang, prefix):
    world.owner.language = lang
    world.owner.save()
    services.subscribe(world.owner, world.need)
    new = offer(
        "Gói hấp thụ ethylene giữ xoài chậm chín 100% tự nhiên",
        world.institute,
        [world.f40107],
        8,
        keywords="chậm chín; xoài",
    )
    other = "vi" if lang == "en" else "en"
    with translation.override(other):  # the job runs in whatever language
        assert services.check_alerts(new) == 1
    note = Notification.objects.get(user=world.owner, verb="match_alert")
    assert note.title == prefix + new.title
