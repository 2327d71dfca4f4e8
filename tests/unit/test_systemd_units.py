"""The systemd units in etc/systemd run commands this package installs."""

import configparser
import pathlib
import shlex

REPO = pathlib.Path(__file__).resolve().parents[2]


def _console_scripts():
    setup = configparser.ConfigParser()
    setup.read(REPO / 'setup.cfg')
    lines = setup['options.entry_points']['console_scripts'].splitlines()
    return {line.split('=')[0].strip() for line in lines if '=' in line}


def test_units_run_installed_commands_with_the_system_config():
    units = sorted((REPO / 'etc' / 'systemd').glob('*.service'))
    assert units
    scripts = _console_scripts()
    for unit in units:
        parser = configparser.ConfigParser(strict=False,
                                           interpolation=None)
        parser.read(unit)
        commands = [value for key, value in parser['Service'].items()
                    if key.startswith('execstart')]
        assert commands, unit
        for command in commands:
            words = shlex.split(command)
            assert pathlib.PurePath(words[0]).name in scripts, command
            assert words[1:3] == ['--config-file',
                                  '/etc/hahealer/hahealer.conf'], command
