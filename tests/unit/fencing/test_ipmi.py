"""The ipmitool command line, environment and error handling.

A stand-in ``ipmitool`` script records what it was started with, so these
tests check exactly what another local user could see in ``ps``.
"""

import json
import os
import stat
import textwrap

import pytest

from hahealer import exception
from hahealer.fencing import base
from hahealer.fencing import ipmi

PASSWORD = 'Zx9-bmc-password'
PARAMS = {'address': '10.0.0.3', 'username': 'admin', 'password': PASSWORD}


def driver(timeout=5.0, **extra):
    return ipmi.IPMIDriver('compute-3', dict(PARAMS, **extra), timeout)


def install_fake_ipmitool(directory, monkeypatch, script):
    path = directory / 'ipmitool'
    path.write_text('#!/usr/bin/env python3\n' + textwrap.dedent(script))
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv('PATH', f"{directory}{os.pathsep}{os.environ['PATH']}")


RECORDING_IPMITOOL = """
    import json, os, sys
    with open(os.path.join(os.path.dirname(sys.argv[0]), 'call.json'),
              'w') as record:
        json.dump({'argv': sys.argv[1:], 'env': dict(os.environ)}, record)
    print('Chassis Power is off')
"""


def test_command_defaults():
    assert driver().command('chassis', 'power', 'status') == [
        'ipmitool', '-I', 'lanplus', '-H', '10.0.0.3', '-p', '623',
        '-U', 'admin', '-E', '-N', '1', '-R', '1',
        'chassis', 'power', 'status']


def test_command_options():
    argv = driver(port='6230', interface='lan', privilege_level='operator',
                  cipher_suite='17').command('chassis', 'power', 'off')
    assert argv[argv.index('-I') + 1] == 'lan'
    assert argv[argv.index('-p') + 1] == '6230'
    assert argv[argv.index('-L') + 1] == 'OPERATOR'
    assert argv[argv.index('-C') + 1] == '17'
    assert argv[-3:] == ['chassis', 'power', 'off']


def test_command_never_holds_the_password():
    argv = driver(port=623, cipher_suite=3,
                  privilege_level='ADMINISTRATOR').command(
        'chassis', 'power', 'off')
    assert not any(PASSWORD in arg for arg in argv)
    assert '-P' not in argv and '-f' not in argv
    assert '-E' in argv


def test_the_password_travels_in_the_environment_only(tmp_path, monkeypatch):
    install_fake_ipmitool(tmp_path, monkeypatch, RECORDING_IPMITOOL)
    assert driver().get_power_state() == base.POWER_OFF
    call = json.loads((tmp_path / 'call.json').read_text())
    assert not any(PASSWORD in arg for arg in call['argv'])
    assert call['env']['IPMI_PASSWORD'] == PASSWORD
    assert call['env']['LC_ALL'] == 'C'


@pytest.mark.parametrize('timeout, retries', [
    (1, 1), (2, 1), (5, 1), (6, 2), (11.9, 2), (12, 3), (30, 5)])
def test_retries_fit_in_the_timeout(timeout, retries):
    assert ipmi.ipmitool_retries(timeout) == retries
    assert driver(timeout=timeout).command()[-1] == str(retries)


def test_unparsable_status_is_a_fencing_failure(tmp_path, monkeypatch):
    install_fake_ipmitool(tmp_path, monkeypatch, "print('Chassis Power')")
    with pytest.raises(exception.FencingFailed, match='unexpected answer'):
        driver().get_power_state()


def test_tool_error_is_reported_without_the_password(tmp_path, monkeypatch):
    # Even if the tool echoed the password, it must not reach the message.
    install_fake_ipmitool(tmp_path, monkeypatch, """
        import os, sys
        print('Error: bad password ' + os.environ['IPMI_PASSWORD'],
              file=sys.stderr)
        sys.exit(1)
    """)
    with pytest.raises(exception.FencingFailed) as caught:
        driver().power_off()
    message = str(caught.value)
    assert 'compute-3' in message
    assert 'Error: bad password ***' in message
    assert PASSWORD not in message


def test_hung_tool_is_killed_at_the_timeout(tmp_path, monkeypatch):
    install_fake_ipmitool(tmp_path, monkeypatch,
                          "import time\ntime.sleep(30)\n")
    with pytest.raises(exception.FencingFailed,
                       match='did not complete chassis power off within'):
        driver(timeout=0.5).power_off()


def test_missing_ipmitool_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv('PATH', str(tmp_path))
    with pytest.raises(exception.FencingFailed,
                       match="install the 'ipmitool' package"):
        driver().get_power_state()


@pytest.mark.parametrize('params, problem', [
    ({'port': '70000'}, 'port must be an integer from 1 to 65535'),
    ({'port': 'ipmi'}, 'port must be an integer from 1 to 65535'),
    ({'interface': 'serial'}, 'interface must be one of lanplus, lan'),
    ({'privilege_level': 'root'}, 'privilege_level must be one of'),
    ({'cipher_suite': 'x'}, 'cipher_suite must be an integer'),
    ({'address': '-oProxy'}, 'address must be a host name'),
    ({'address': '10.0.0.3 -P x'}, 'address must be a host name'),
])
def test_malformed_values(params, problem):
    with pytest.raises(exception.Invalid) as caught:
        ipmi.IPMIDriver.validate_params(dict(PARAMS, **params))
    assert problem in str(caught.value)
    assert PASSWORD not in str(caught.value)


def test_required_params_are_named():
    with pytest.raises(exception.Invalid,
                       match='missing address, password, username'):
        ipmi.IPMIDriver.validate_params({'port': '623'})


def test_a_password_longer_than_ipmi_allows_is_refused():
    params = {'address': '192.0.2.1', 'username': 'admin',
              'password': 'p' * 21}
    try:
        ipmi.IPMIDriver.validate_params(params)
    except exception.Invalid as exc:
        assert 'password must be at most 20 bytes with interface lanplus' \
            in exc.message
        assert 'p' * 21 not in exc.message
    else:
        raise AssertionError('a 21-byte password was accepted')
    ipmi.IPMIDriver.validate_params({**params, 'password': 'p' * 20})
