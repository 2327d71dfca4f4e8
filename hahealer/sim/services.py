"""Compute hosts, their services and heartbeats, and hypervisors.

Time has two clocks: ``time.monotonic()`` decides when a service is down;
UTC wall time is what the API shows.
"""

import datetime
import time
import uuid

from hahealer.sim import errors
from hahealer.sim import model


class Services:
    def __init__(self, inventory, work, migrations, aggregates):
        self._inventory = inventory
        self._work = work
        self._migrations = migrations
        self._aggregates = aggregates
        # Nova's control-plane services, always up, never updatable.
        self._controller_services = [
            inventory.new_service(binary, inventory.controller)
            for binary in ('nova-conductor', 'nova-scheduler')]

    def add_host(self, name, alive=True):
        inventory = self._inventory
        with inventory.lock:
            if name in inventory.hosts:
                raise errors.Conflict('Host %s already exists.' % name)
            number = inventory.next_id('hypervisor')
            host = model.Host(name,
                              inventory.new_service('nova-compute', name),
                              number, str(uuid.uuid4()),
                              '192.0.2.%d' % (number % 254 + 1))
            inventory.hosts[name] = host
            if not alive:
                self._stop_heartbeat(host)
            return host

    def hosts(self):
        with self._inventory.lock:
            return list(self._inventory.hosts.values())

    # --- heartbeats ----------------------------------------------------------

    def _reporting(self, host):
        """Whether the host's compute service sends heartbeats now."""
        return host.alive and time.monotonic() >= host.first_heartbeat_at

    def _beat_age(self, host):
        """Seconds since a reporting service's latest heartbeat."""
        interval = self._inventory.rules.report_interval
        if interval <= 0:
            return 0.0
        return (time.monotonic() - host.first_heartbeat_at) % interval

    def _stop_heartbeat(self, host):
        # Killed before its first heartbeat, the last one is older still.
        if self._reporting(host):
            age = self._beat_age(host)
            host.silent_since = time.monotonic() - age
            host.last_heartbeat = model.utcnow() - datetime.timedelta(
                seconds=age)
        host.alive = False
        host.disabled_trait = host.compute.disabled

    def kill_host(self, name):
        """The compute service stops; its instances stay where they are."""
        with self._inventory.lock:
            host = self._inventory.known_host(name)
            if host.alive:
                self._stop_heartbeat(host)

    def revive_host(self, name):
        """The compute service starts again, as nova-compute does."""
        with self._inventory.lock:
            host = self._inventory.known_host(name)
            host.vanished = False
            if host.alive:
                return
            host.alive = True
            # Nova shows the service down until this first heartbeat,
            # unless the last one before it died is recent enough.
            host.first_heartbeat_at = (
                time.monotonic()
                + self._inventory.rules.initial_reporting_delay)
            # What nova-compute does at start-up: remove the guests of
            # instances evacuated away and complete their records.
            host.leftover_guests.clear()
            self._migrations.complete_at_start(host.name)
            parked, host.parked = host.parked, []
            for seconds, step in parked:
                self._work.cast(host, seconds, step)

    def vanish_host(self, name):
        """The host's services disappear from Nova's service records."""
        with self._inventory.lock:
            self._inventory.known_host(name).vanished = True

    def service_is_up(self, service):
        if service.forced_down:
            return False
        if service.binary != 'nova-compute':
            return True
        host = self._inventory.hosts[service.host]
        if self._reporting(host):
            return True
        return (time.monotonic() - host.silent_since
                <= self._inventory.rules.service_down_time)

    def host_status(self, instance):
        """Nova's host_status of a server: UP, DOWN, MAINTENANCE, UNKNOWN.

        Empty when the server has no host Nova knows.
        """
        host = self._inventory.hosts.get(instance.host)
        if host is None or host.vanished:
            return ''
        if host.compute.forced_down:
            return 'DOWN'
        if host.compute.disabled:
            return 'MAINTENANCE'
        return 'UP' if self.service_is_up(host.compute) else 'UNKNOWN'

    def last_heartbeat(self, service):
        if service.binary == 'nova-compute':
            host = self._inventory.hosts[service.host]
            if not self._reporting(host):
                return host.last_heartbeat
            return model.utcnow() - datetime.timedelta(
                seconds=self._beat_age(host))
        return model.utcnow()

    def service_zone(self, service):
        if service.binary == 'nova-compute':
            return self._aggregates.zone_of(service.host)
        return model.INTERNAL_ZONE

    # --- services ------------------------------------------------------------

    def services(self, host=None, binary=None):
        inventory = self._inventory
        with inventory.lock:
            found = self._controller_services + [
                h.compute for h in inventory.hosts.values() if not h.vanished]
            found.sort(key=lambda s: s.id)
            return [s for s in found
                    if (not host or s.host == host)
                    and (not binary or s.binary == binary)]

    def service_by_host_and_binary(self, host, binary):
        with self._inventory.lock:
            found = self.services(host=host, binary=binary)
            if not found:
                raise errors.NotFound('Could not find binary %s on host %s.'
                                      % (binary, host))
            return found[0]

    def service_by_uuid(self, service_uuid):
        with self._inventory.lock:
            for service in self.services():
                if service.uuid == service_uuid:
                    return service
            raise errors.NotFound(
                'Service %s could not be found.' % service_uuid)

    def set_service_status(self, service, disabled, reason=None):
        """Enable or disable; returns the seconds the API call blocks.

        Like Nova, a change reaches the compute host over RPC when the
        service looks up; if that host is in fact dead the call only
        returns after the RPC timeout.
        """
        inventory = self._inventory
        with inventory.lock:
            service.disabled = disabled
            service.disabled_reason = reason if disabled else None
            if (service.binary == 'nova-compute'
                    and self.service_is_up(service)
                    and not inventory.hosts[service.host].alive):
                return inventory.rules.rpc_timeout
            return 0.0

    def set_forced_down(self, service, forced_down):
        with self._inventory.lock:
            if service.binary == 'nova-compute' and not forced_down:
                self._migrations.refuse_force_up(service.host)
            service.forced_down = forced_down

    # --- hypervisors ---------------------------------------------------------

    def hypervisors(self, pattern=None):
        with self._inventory.lock:
            return [h for h in self._inventory.hosts.values()
                    if not h.vanished and (not pattern or pattern in h.name)]

    def hypervisor(self, hypervisor_id):
        with self._inventory.lock:
            for host in self.hypervisors():
                if hypervisor_id in (str(host.hypervisor_id),
                                     host.hypervisor_uuid):
                    return host
            raise errors.NotFound(
                'Hypervisor with ID %s could not be found.' % hypervisor_id)
