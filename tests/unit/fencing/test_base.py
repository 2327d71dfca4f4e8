import pytest

from hahealer import exception
from hahealer.fencing import base

PASSWORD = 'correct-horse-battery'


class PlugDriver(base.FencingDriver):
    """A driver for a smart plug, to exercise the base class alone."""

    required_params = frozenset({'address', 'token'})
    optional_params = frozenset({'outlet'})
    secret_params = frozenset({'token'})

    @classmethod
    def value_problems(cls, params):
        if 'outlet' in params and not str(params['outlet']).isdigit():
            return ["outlet must be a number"]
        return []

    def get_power_state(self):
        return base.POWER_ON

    def power_off(self):
        pass


def invalid_message(params):
    with pytest.raises(exception.Invalid) as caught:
        PlugDriver.validate_params(params)
    return str(caught.value)


def test_missing_keys_are_named():
    message = invalid_message({'outlet': '2'})
    assert 'missing address, token' in message
    assert 'PlugDriver' in message


def test_empty_value_counts_as_missing():
    message = invalid_message({'address': '10.0.0.9', 'token': ''})
    assert 'missing token' in message


def test_unknown_keys_are_named_with_the_accepted_ones():
    message = invalid_message(
        {'address': '10.0.0.9', 'token': PASSWORD, 'outelt': '2'})
    assert 'unknown outelt' in message
    assert 'accepted: address, outlet, token' in message


def test_malformed_value_is_named_by_key():
    message = invalid_message(
        {'address': '10.0.0.9', 'token': PASSWORD, 'outlet': 'two'})
    assert 'outlet must be a number' in message


def test_no_value_ever_appears_in_a_validation_message():
    # A secret typed under a wrong key is still a secret.
    message = invalid_message(
        {'address': '10.0.0.9', 'tokn': PASSWORD, 'outlet': PASSWORD})
    assert PASSWORD not in message
    assert 'missing token' in message
    assert 'unknown tokn' in message


def test_valid_params_pass_and_are_kept():
    driver = PlugDriver('compute-1', {'address': 'a', 'token': PASSWORD}, 5)
    assert driver.params == {'address': 'a', 'token': PASSWORD}
    assert driver.host_name == 'compute-1'
    assert driver.timeout == 5.0


@pytest.mark.parametrize('timeout', [0, -1])
def test_timeout_must_be_positive(timeout):
    with pytest.raises(exception.Invalid, match='timeout must be positive'):
        PlugDriver('compute-1', {'address': 'a', 'token': 't'}, timeout)


def test_redact_masks_secret_values_only():
    driver = PlugDriver('compute-1', {'address': 'a', 'token': PASSWORD}, 5)
    text = driver.redact(f"login to a with {PASSWORD} refused")
    assert text == f"login to a with {base.MASK} refused"


def test_mask_params_by_class_masks_declared_secrets():
    params = {'address': '10.0.0.9', 'token': PASSWORD, 'outlet': '2'}
    masked = base.mask_params(PlugDriver, params)
    assert masked == {'address': '10.0.0.9', 'token': '***', 'outlet': '2'}
    assert params['token'] == PASSWORD, 'the original must be untouched'


def test_mask_params_by_name():
    masked = base.mask_params(
        'ipmi', {'address': '10.0.0.3', 'username': 'admin',
                 'password': PASSWORD})
    assert masked == {'address': '10.0.0.3', 'username': 'admin',
                      'password': '***'}


def test_mask_params_of_an_unknown_driver_masks_everything():
    masked = base.mask_params('no-such-driver', {'password': PASSWORD,
                                                 'address': '10.0.0.3'})
    assert masked == {'password': '***', 'address': '***'}
