"""Evacuation records: Nova's guard against a second evacuation, and the
migration list's change-time filters."""

import datetime
import time

import pytest
from novaclient import exceptions

from tests.functional.sim.common import attr
from tests.functional.sim.common import evacuation_record
from tests.functional.sim.common import servers_on
from tests.functional.sim.common import take_host_down
from tests.scenario import wait_for


def test_a_second_evacuation_is_refused_while_the_first_runs(
        nova_sim_factory):
    sim = nova_sim_factory(evacuate_seconds=1.0)
    nova = sim.admin_client()
    server = servers_on(nova, 'host1')[0]
    take_host_down(sim, nova, 'host1')
    nova.servers.evacuate(server)
    # Accepted means: the task is set and the record exists, on the source.
    accepted = nova.servers.get(server.id)
    assert (attr(accepted, 'OS-EXT-STS:task_state'),
            attr(accepted, 'OS-EXT-SRV-ATTR:host')) == ('rebuilding', 'host1')
    record = evacuation_record(nova, server.id)
    assert (record.status, record.source_compute, record.migration_type) == (
        'accepted', 'host1', 'evacuation')
    assert record.created_at and record.updated_at
    with pytest.raises(exceptions.Conflict) as refused:
        nova.servers.evacuate(server)
    assert refused.value.message == (
        "Cannot 'evacuate' instance %s while it is in task_state "
        "rebuilding" % server.id)
    wait_for(lambda: evacuation_record(nova, server.id).status == 'done',
             what='the evacuation to finish')
    assert len(nova.migrations.list(instance_uuid=server.id)) == 1


def _iso(moment):
    return moment.strftime('%Y-%m-%dT%H:%M:%S.%fZ')


def test_migrations_filter_by_change_time(nova_sim):
    nova = nova_sim.admin_client()
    first, second = servers_on(nova, 'host1')
    take_host_down(nova_sim, nova, 'host1')
    nova.servers.evacuate(first)
    wait_for(lambda: evacuation_record(nova, first.id).status == 'done',
             what='the first evacuation to finish')
    between = datetime.datetime.now(datetime.UTC)
    time.sleep(0.01)
    nova.servers.evacuate(second)
    assert [m.instance_uuid for m in nova.migrations.list(
        changes_since=_iso(between))] == [second.id]
    assert [m.instance_uuid for m in nova.migrations.list(
        changes_before=_iso(between))] == [first.id]
    # Before 2.59 Nova drops the filter (novaclient cannot send it).
    _, body = nova_sim.admin_client('2.58').client.get(
        '/os-migrations?changes-since=' + _iso(between))
    assert len(body['migrations']) == 2
    with pytest.raises(exceptions.BadRequest, match='not a .date-time.'):
        nova.migrations.list(changes_since='yesterday')
    with pytest.raises(exceptions.BadRequest,
                       match='changes-since must be less than or equal'):
        nova.migrations.list(changes_since=_iso(between),
                             changes_before='2000-01-01T00:00:00Z')
