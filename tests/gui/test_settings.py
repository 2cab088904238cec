"""Typed preferences in QSettings (the isolated_settings fixture gives each test an empty store)."""

from __future__ import annotations

from labeldesk.browse.review_session import QUEUE_REFRESH_EVERY
from labeldesk.gui import settings


def test_queue_refresh_every_defaults_then_remembers_the_choice(isolated_settings):
    assert settings.queue_refresh_every() == QUEUE_REFRESH_EVERY
    settings.set_queue_refresh_every(4)
    assert settings.queue_refresh_every() == 4
    settings.settings().sync()
    (ini,) = isolated_settings.rglob("*.ini")
    assert "queue_refresh_every=4" in ini.read_text()  # readable by a person


def test_queue_refresh_every_stays_in_range_and_survives_a_bad_value():
    low, high = settings.QUEUE_REFRESH_RANGE
    settings.set_queue_refresh_every(0)
    assert settings.queue_refresh_every() == low
    settings.set_queue_refresh_every(high + 5)
    assert settings.queue_refresh_every() == high
    settings.settings().setValue(settings.QUEUE_REFRESH_KEY, "often")
    assert settings.queue_refresh_every() == QUEUE_REFRESH_EVERY
