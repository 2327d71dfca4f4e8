"""hahealer-notify against a broker that refuses it: exit 3 (send again),
one line naming the broker, never the password, no traceback."""

import os
import subprocess
import sys

from hahealer.cmd import notify as notify_command
from tests.functional.engine.test_service import notify

PROCESS_DOWN = ('process', 'host-nowhere', '--process-name', 'nova-compute',
                '--event', 'STOPPED', '--timeout', '3')


def _config(tmp_path, url):
    path = tmp_path / 'hahealer.conf'
    path.write_text(f'[DEFAULT]\ntransport_url = {url}\n'
                    f'engine_topic = nobody-listens-{os.getpid()}\n')
    return path


def test_a_refused_login_means_send_again(tmp_path):
    config = _config(tmp_path,
                     'rabbit://guest:N0T-THE-PASSWORD@127.0.0.1:5672/')
    code, out, err = notify(config, *PROCESS_DOWN)
    assert code == notify_command.EXIT_RETRY == 3
    assert err.splitlines() == [
        f'hahealer-notify: not delivered to the message broker '
        f'127.0.0.1:5672 (user guest), engine topic '
        f'nobody-listens-{os.getpid()}, config {config}: it refused the '
        f'login: check the user and password in transport_url. Send again.']
    assert 'N0T-THE-PASSWORD' not in out + err


def test_a_closed_port_means_send_again(tmp_path):
    config = _config(tmp_path, 'rabbit://guest:guest@127.0.0.1:1/')
    code, _, err = notify(config, *PROCESS_DOWN)
    assert code == 3
    [line] = err.splitlines()
    assert line.startswith('hahealer-notify: no answer within 3 s (the '
                           'message broker 127.0.0.1:1 (user guest)')
    assert line.endswith('the broker does not accept connections '
                         '(127.0.0.1:1: Connection refused). Send again.')


def test_no_engine_on_the_topic_means_send_again(tmp_path):
    config = _config(tmp_path, 'rabbit://guest:guest@127.0.0.1:5672/')
    code, _, err = notify(config, *PROCESS_DOWN)
    assert code == 3
    assert err.rstrip().endswith(
        'no engine answered on this topic (is one running?). Send again.')


def test_no_configuration_file_is_said_at_once(tmp_path):
    done = subprocess.run(
        [sys.executable, '-m', 'hahealer.cmd.notify', *PROCESS_DOWN],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
        env={**os.environ, 'HOME': str(tmp_path)})
    lines = done.stderr.splitlines()
    assert lines[0] == (
        'hahealer-notify: no configuration file found (give --config-file, '
        'or put one in /etc/hahealer/hahealer.conf); using the default '
        'broker and topic')
    # An engine of the default topic may answer (rejected, exit 1): the
    # point is that the command says what it used.
    assert done.returncode in (1, 3)
    assert 'config none' in done.stderr or 'rejected' in done.stderr
