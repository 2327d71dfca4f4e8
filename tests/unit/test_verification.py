"""The recovery protocol, model-checked: verification/check.sh under spin.

The check needs spin and gcc (.ci/run installs both); without them these
tests fail rather than skip, so a CI run never passes without the check.
"""

import pathlib
import shutil
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
CHECK = REPO / 'verification' / 'check.sh'

#: (configuration, property) that must hold, exhaustively
HOLDS = [(config, prop)
         for config in ('-', 'MAXATT=2')
         for prop in ('end-states', 'safe', 'live', 'clean')] + [
    ('ONE_ENGINE', 'safe')]
#: (mutant, property spin must refute)
MUTANTS = [
    ('MUTANT_NO_GENERATION_CHECK,ONE_ENGINE', 'safe'),
    ('MUTANT_NO_GENERATION_CHECK', 'clean'),
    ('MUTANT_NO_READ_BEFORE_EVACUATE', 'safe'),
    ('MUTANT_RESET_REBUILDING', 'safe'),
    ('MUTANT_UNLOCK_ANY', 'clean'),
    ('MUTANT_NO_SWEEP', 'live'),
    ('DESCRIBED_NO_SETTLE', 'safe'),
    ('DESCRIBED_NO_SETTLE,MAXF=0,MAXLOSS=2', 'safe'),
    ('DESCRIBED_NO_SETTLE', 'clean'),
    ('DESCRIBED_FAILED,MAXATT=2', 'clean'),
]


def _missing_tools():
    missing = [tool for tool in ('spin', 'gcc') if shutil.which(tool) is None]
    return (f'{", ".join(missing)} not installed: the protocol model cannot '
            f'be checked (apt-get install spin gcc)') if missing else None


def test_spin_and_gcc_are_installed():
    assert _missing_tools() is None, _missing_tools()


@pytest.fixture(scope='module')
def summary():
    assert _missing_tools() is None, _missing_tools()
    result = subprocess.run(['bash', str(CHECK)], capture_output=True,
                            text=True, timeout=1800)
    assert result.returncode == 0, (
        f'verification/check.sh failed ({result.returncode}):\n'
        f'{result.stdout[-6000:]}\n{result.stderr[-3000:]}')
    rows = {}
    for line in result.stdout.splitlines()[1:-1]:
        fields = line.split()
        if len(fields) == 6:
            config, prop, expected, verdict = fields[:4]
            rows[config, prop] = (expected, verdict)
    return rows


def test_every_property_holds_on_the_protocol(summary):
    for check in HOLDS:
        assert summary.get(check) == ('holds', 'holds'), check


def test_every_mutant_is_refuted(summary):
    for check in MUTANTS:
        assert summary.get(check) == ('refuted', 'refuted'), check


def test_every_witness_is_reached(summary):
    witnesses = {check: result for check, result in summary.items()
                 if check[1].startswith('reach_')}
    assert len(witnesses) >= 5
    assert set(witnesses.values()) == {('witness', 'refuted')}
