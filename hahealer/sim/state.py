"""The emulated cloud: one object over the parts that model Nova.

Each part keeps its own rules: ``services`` (hosts, compute services,
heartbeats, hypervisors), ``servers`` (servers and the actions users and
admins take on them), ``evacuations`` (the pipeline from an accepted
evacuation to a rebuilt server), ``migrations`` (the records evacuations
leave), ``aggregates`` and ``scheduler``. They share the records and the
lock of ``inventory``; ``Cloud`` wires them together and is what the
HTTP layer, the control API and scenarios use.
"""

import dataclasses
import datetime

from hahealer.sim import aggregates as aggregates_mod
from hahealer.sim import evacuations as evacuations_mod
from hahealer.sim import inventory as inventory_mod
from hahealer.sim import migrations as migrations_mod
from hahealer.sim import model
from hahealer.sim import scheduler as scheduler_mod
from hahealer.sim import servers as servers_mod
from hahealer.sim import services as services_mod
from hahealer.sim import work as work_mod


class Cloud:
    """Hosts, services, servers and migrations, with Nova's rules."""

    def __init__(self, rules, timers, counters, faults, rng,
                 controller='controller'):
        inventory = inventory_mod.Inventory(rules, controller)
        work = work_mod.Work(inventory, timers, rng)
        migrations = migrations_mod.Migrations(inventory)
        aggregates = aggregates_mod.Aggregates(inventory)
        services = services_mod.Services(inventory, work, migrations,
                                         aggregates)
        # Destinations of rebuilds in progress count as load.
        scheduler = scheduler_mod.Scheduler(
            inventory, services, lambda: evacuations.destinations())
        servers = servers_mod.Servers(inventory, work, scheduler)
        evacuations = evacuations_mod.Evacuations(
            inventory, work, services, servers, scheduler, migrations,
            counters, faults)
        self._inventory = inventory
        self._services = services
        self._servers = servers
        self._evacuations = evacuations
        self.lock = inventory.lock
        self.rules = rules
        self.controller = controller
        self.flavors = inventory.flavors
        self.images = inventory.images

        # Hosts, services and heartbeats.
        self.add_host = services.add_host
        self.hosts = services.hosts
        self.kill_host = services.kill_host
        self.revive_host = services.revive_host
        self.vanish_host = services.vanish_host
        self.service_is_up = services.service_is_up
        self.host_status = services.host_status
        self.last_heartbeat = services.last_heartbeat
        self.service_zone = services.service_zone
        self.services = services.services
        self.service_by_host_and_binary = services.service_by_host_and_binary
        self.service_by_uuid = services.service_by_uuid
        self.set_service_status = services.set_service_status
        self.set_forced_down = services.set_forced_down
        self.hypervisors = services.hypervisors
        self.hypervisor = services.hypervisor
        # Aggregates and zones.
        self.add_aggregate = aggregates.add_aggregate
        self.aggregates = aggregates.aggregates
        self.aggregate = aggregates.aggregate
        self.add_host_to_aggregate = aggregates.add_host_to_aggregate
        self.zone_of = aggregates.zone_of
        # Servers and their actions.
        self.seed_server = servers.seed_server
        self.get_server = servers.get_server
        self.servers = servers.servers
        self.instances_on = servers.instances_on
        self.running_guests = servers.running_guests
        self.actions = servers.actions
        self.action = servers.action
        self.create_server = servers.create_server
        self.stop_server = servers.stop_server
        self.start_server = servers.start_server
        self.reset_state = servers.reset_state
        self.lock_server = servers.lock_server
        self.unlock_server = servers.unlock_server
        self.update_metadata = servers.update_metadata
        self.delete_metadata_item = servers.delete_metadata_item
        # Evacuations and the records they leave.
        self.evacuate = evacuations.evacuate
        self.migrations = migrations.all

    def dump(self):
        """Everything, as JSON-friendly data, for humans debugging."""
        def plain(obj):
            data = dataclasses.asdict(obj)
            return {k: (v.isoformat() if isinstance(v, datetime.datetime)
                        else v) for k, v in data.items()}
        with self.lock:
            hosts = []
            for host in self.hosts():
                hosts.append({
                    'name': host.name, 'alive': host.alive,
                    'vanished': host.vanished,
                    'service_state': ('up' if self.service_is_up(host.compute)
                                      else 'down'),
                    'disabled': host.compute.disabled,
                    'forced_down': host.compute.forced_down,
                    'leftover_guests': sorted(host.leftover_guests),
                    'parked_work': len(host.parked),
                    'instances': len(self.instances_on(host.name)),
                })
            queued, in_progress = self._evacuations.sizes()
            return {
                'rules': dataclasses.asdict(self.rules),
                'hosts': hosts,
                'evacuations': {'queued': queued,
                                'in_progress': in_progress},
                'servers': [
                    {'id': i.uuid, 'name': i.name, 'project_id': i.project_id,
                     'host': i.host, 'vm_state': i.vm_state,
                     'task_state': i.task_state,
                     'status': model.status_of(i.vm_state, i.task_state),
                     'locked_by': i.locked_by, 'metadata': i.metadata}
                    for i in self._inventory.instances.values()],
                'migrations': [plain(m) for m in self.migrations()],
                'aggregates': [plain(a) for a in self.aggregates()],
            }
