"""NovaAPI and the unit tests' fake Nova offer what compute.interface
declares, with the same parameters (mypy checks their types too)."""

import inspect

import pytest

from hahealer.compute import actions
from hahealer.compute import interface
from hahealer.compute import nova
from tests.unit import fakes

DECLARED = sorted(name for name, member in vars(interface.Compute).items()
                  if not name.startswith('_')
                  and (callable(member) or isinstance(member, property)))


def _parameters(function):
    return [(p.name, p.kind, p.default)
            for p in inspect.signature(function).parameters.values()]


def test_the_interface_declares_every_call_the_tasks_make():
    assert 'evacuate_server' in DECLARED
    assert set(actions.ACTIONS) <= set(DECLARED)


@pytest.mark.parametrize('name', [
    name for name in DECLARED
    if not isinstance(vars(interface.Compute)[name], property)])
@pytest.mark.parametrize('implementation', [nova.NovaAPI, fakes.FakeNova])
def test_implementations_take_the_declared_parameters(implementation, name):
    declared = getattr(interface.Compute, name)
    assert _parameters(getattr(implementation, name)) == _parameters(
        declared), f'{implementation.__name__}.{name}'


def test_both_implementations_say_whether_evacuees_arrive_stopped():
    assert isinstance(vars(nova.NovaAPI)['evacuate_keeps_stopped'], property)
    assert fakes.FakeNova().evacuate_keeps_stopped is True
