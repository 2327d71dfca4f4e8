"""A clean hahealer configuration per test, with fast timings."""

import pytest

from hahealer.conf import CONF

#: polling and waiting in tests: fractions of a second, bounded
FAST_TIMINGS = {
    'verify_interval': 0.02,
    'wait_period_after_service_update': 5.0,
    'wait_period_after_evacuation': 10.0,
    'wait_period_after_power_off': 5.0,
    'wait_period_after_power_on': 5.0,
}


class Config:
    """Overrides of CONF for one test; all cleared afterwards."""

    def __init__(self):
        self._overrides = []

    def override(self, group=None, **values):
        for name, value in values.items():
            CONF.set_override(name, value, group)
            self._overrides.append((name, group))

    def clear(self):
        for name, group in reversed(self._overrides):
            CONF.clear_override(name, group)
        self._overrides.clear()


@pytest.fixture
def conf(tmp_path):
    """CONF parsed with no files, state under tmp_path, fast timings."""
    CONF([], project='hahealer', default_config_files=[],
         default_config_dirs=[])
    config = Config()
    config.override(state_path=str(tmp_path), **FAST_TIMINGS)
    # The start-up checks refuse a [nova] that cannot authenticate.
    config.override('nova', auth_type='none')
    yield config
    config.clear()
    CONF.reset()
