"""The policy sample in etc/ is what the defaults in code generate."""

import filecmp
import pathlib
import subprocess
import sys

REPO = pathlib.Path(__file__).resolve().parents[2]


def test_policy_sample_is_current(tmp_path):
    generated = tmp_path / 'policy.yaml.sample'
    subprocess.run(
        [sys.executable, '-c',
         'from oslo_policy import generator; generator.generate_sample()',
         '--config-file',
         str(REPO / 'etc/oslo-policy-generator/hahealer.conf'),
         '--output-file', str(generated)], check=True, cwd=REPO)
    assert filecmp.cmp(generated, REPO / 'etc/hahealer/policy.yaml.sample',
                       shallow=False), (
        'etc/hahealer/policy.yaml.sample is stale: run tox -e genconfig')
