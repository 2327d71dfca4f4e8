"""An in-memory Nova with NovaAPI's interface, for unit tests of tasks.

Actions complete at once; every call is recorded in ``calls``.
"""

import dataclasses
import threading
import typing

from hahealer import exception
from hahealer.compute import interface
from hahealer.compute import nova


class FakeNova:
    def __init__(self, hosts=('host1', 'host2', 'host3'),
                 evacuate_keeps_stopped=True):
        self.services = {host: dict(id=f'svc-{host}', host=host,
                                    binary='nova-compute', status='enabled',
                                    state='up', forced_down=False,
                                    disabled_reason=None)
                         for host in hosts}
        self.servers = {}
        self.migrations = []
        self.aggregates = []
        self.calls = []
        self.evacuate_keeps_stopped = evacuate_keeps_stopped
        #: server ids whose evacuation Nova refuses (HTTP 400)
        self.refuse_evacuation = set()
        self._lock = threading.Lock()

    def add_server(self, server_id, host, vm_state='active', metadata=None,
                   locked=False, locked_reason=None, task_state=None,
                   power_state=1):
        self.servers[server_id] = dict(
            id=server_id, name=server_id, host=host, vm_state=vm_state,
            task_state=task_state, power_state=power_state, locked=locked,
            locked_reason=locked_reason, metadata=dict(metadata or {}))

    def _record(self, *call):
        with self._lock:
            self.calls.append(call)

    def called(self, name):
        return [call for call in self.calls if call[0] == name]

    def _server(self, server_id):
        if server_id not in self.servers:
            raise exception.ComputeNotFound(
                action=f'looking up instance {server_id}',
                reason='no such instance')
        return self.servers[server_id]

    # --- NovaAPI interface ------------------------------------------------

    def get_compute_service(self, host: str) -> nova.ComputeService:
        if host not in self.services:
            raise exception.ComputeNotFound(
                action=f'looking up the nova-compute service of host {host}',
                reason=f'no host {host}')
        return nova.ComputeService(**self.services[host])

    def disable_service(self, host: str, reason: str,
                        retry: bool = True) -> None:
        self._record('disable_service', host, reason)
        self.services[host].update(status='disabled', disabled_reason=reason)

    def enable_service(self, host: str) -> None:
        self._record('enable_service', host)
        self.services[host].update(status='enabled', disabled_reason=None)

    def force_down_service(self, host: str, down: bool = True) -> None:
        self._record('force_down_service', host, down)
        self.services[host].update(forced_down=down,
                                   state='down' if down else 'up')

    def take_out_of_service(self, service: nova.ComputeService,
                            reason: str) -> None:
        self._record('take_out_of_service', service.host, reason)
        self.services[service.host].update(forced_down=True, state='down')
        if not service.disabled:
            self.services[service.host].update(status='disabled',
                                               disabled_reason=reason)

    def list_servers(self, host: str) -> list[nova.Server]:
        return [nova.Server(**server) for server in self.servers.values()
                if server['host'] == host]

    def get_server(self, server_id: str) -> nova.Server:
        return nova.Server(**self._server(server_id))

    def stop_server(self, server_id: str) -> None:
        self._record('stop_server', server_id)
        self._server(server_id).update(vm_state='stopped', power_state=4)

    def start_server(self, server_id: str) -> None:
        self._record('start_server', server_id)
        self._server(server_id).update(vm_state='active', power_state=1)

    def lock_server(self, server_id: str, reason: str) -> None:
        self._record('lock_server', server_id, reason)
        self._server(server_id).update(locked=True, locked_reason=reason)

    def unlock_server(self, server_id: str) -> None:
        self._record('unlock_server', server_id)
        self._server(server_id).update(locked=False, locked_reason=None)

    def reset_server_state(self, server_id: str, state: str = 'error',
                           retry: bool = True) -> None:
        self._record('reset_server_state', server_id, state)
        self._server(server_id).update(vm_state=state, task_state=None)

    def evacuate_server(self, server_id: str, target_host: str | None = None,
                        boot: bool = True) -> None:
        self._record('evacuate_server', server_id, target_host, boot)
        server = self._server(server_id)
        if server_id in self.refuse_evacuation:
            raise exception.ComputeBadRequest(
                action=f'evacuating instance {server_id}',
                reason='Compute service of host1 is still in use.')
        target = target_host or next(
            host for host, service in sorted(self.services.items())
            if host != server['host'] and service['status'] == 'enabled'
            and service['state'] == 'up')
        arrives = 'active'
        if server['vm_state'] == 'stopped' and not boot:
            arrives = 'stopped'
        if server['vm_state'] == 'error' and not boot:
            arrives = 'stopped'
        self.migrations.append(nova.Migration(
            id=len(self.migrations) + 1, instance_uuid=server_id,
            status='done', source_compute=server['host'],
            dest_compute=target, created_at='2999-01-01T00:00:00.000000',
            updated_at=None))
        server.update(host=target, vm_state=arrives, task_state=None)

    def evacuations(self, source_host: str,
                    instance_uuid: str | None = None) -> list[nova.Migration]:
        return [record for record in self.migrations
                if record.source_compute == source_host
                and instance_uuid in (None, record.instance_uuid)]

    def list_aggregates(self) -> list[nova.Aggregate]:
        return list(self.aggregates)

    def add_host_to_aggregate(self, aggregate: nova.Aggregate,
                              host: str) -> None:
        self._record('add_host_to_aggregate', aggregate.name, host)
        index = self.aggregates.index(aggregate)
        self.aggregates[index] = dataclasses.replace(
            aggregate, hosts=aggregate.hosts + (host,))


if typing.TYPE_CHECKING:
    # mypy holds the fake to the compute interface here.
    _IMPLEMENTATION: type[interface.Compute] = FakeNova
