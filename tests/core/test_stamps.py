"""Version stamps in the shared cache (page copies, fragments and counts are stored with them)."""

from __future__ import annotations

from django.core.cache import caches

from openstx.core import stamps


def test_a_stamp_is_stable_until_advanced_and_never_comes_back_earlier():
    first = stamps.read("test:a")[0]
    assert stamps.read("test:a") == [first]
    stamps.advance("test:a")
    second = stamps.read("test:a")[0]
    assert second != first
    caches["default"].delete("test:a")  # culled or evicted
    third = stamps.read("test:a")[0]
    assert third not in (first, second) and stamps.read("test:a") == [third]


def test_stamps_are_read_with_other_values_in_one_call():
    caches["default"].set("test:copy", ("v", "page"))
    values, others = stamps.read_with(["test:a", "test:b"], ["test:copy", "test:missing"])
    assert len(values) == 2
    assert values == stamps.read("test:a", "test:b")
    assert others == {"test:copy": ("v", "page")}
