"""The configuration audit's tables stay in step with the docs and the
sample generator."""

import pathlib

from hahealer.conf import audit
from hahealer.conf import masakari

REPO = pathlib.Path(__file__).resolve().parents[2]


def test_every_masakari_option_is_in_the_operators_guide():
    guide = (REPO / 'docs' / 'operators.md').read_text()
    for section, option in masakari.OPTIONS:
        assert f'| `{option}` in `[{section}]` |' in guide
    for section in masakari.SECTIONS:
        assert f'| `[{section}]` | none |' in guide


def test_known_options_come_from_the_sample_generators_namespaces():
    text = (REPO / 'etc' / 'oslo-config-generator' /
            'hahealer.conf').read_text()
    namespaces = [line.split('=', 1)[1].strip() for line in
                  text.splitlines() if line.startswith('namespace')]
    assert tuple(namespaces) == audit.NAMESPACES


def test_a_masakari_option_is_explained_with_hahealers_name():
    assert masakari.explain('DEFAULT', 'os_privileged_user_password') == (
        'os_privileged_user_password in [DEFAULT] is a Masakari option; '
        'hahealer reads password in [nova]')
    assert masakari.explain('DEFAULT', 'quick_evacuate_level') is None
