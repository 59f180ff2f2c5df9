""""3 hours ago" is kept per unit, number and direction (forum_core.i18n._relative_text): the
kept text must be what Babel says for every moment, at every edge between units."""

from __future__ import annotations

import random

import pytest
from babel import Locale
from babel.dates import format_timedelta

from forum_core.i18n import _relative_text


@pytest.mark.parametrize("language", ["en", "nl", "ru"])
def test_kept_texts_are_babels_for_every_delta(language):
    locale = Locale.parse(language)
    rng = random.Random(5)
    # every 7 s over four days each way (the edges of minutes, hours and days, where the
    # rounding decides the unit), then moments up to two months away
    deltas = [*range(-4 * 86400, 4 * 86400, 7), -3059, -3060, -3061, -45, 45,
              *(rng.uniform(-60 * 86400, 60 * 86400) for _ in range(5000))]
    for seconds in deltas:
        assert _relative_text(seconds, locale) == format_timedelta(
            seconds, add_direction=True, locale=locale), seconds
