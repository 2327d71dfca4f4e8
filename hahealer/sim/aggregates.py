"""Host aggregates, and the availability zones they give hosts."""

import uuid

from hahealer.sim import errors
from hahealer.sim import model


class Aggregates:
    def __init__(self, inventory):
        self._inventory = inventory
        self._aggregates = {}

    def add_aggregate(self, name, hosts=(), availability_zone=None,
                      metadata=None):
        inventory = self._inventory
        with inventory.lock:
            for host in hosts:
                inventory.compute_host(host)
            metadata = dict(metadata or {})
            if availability_zone:
                metadata['availability_zone'] = availability_zone
            aggregate = model.Aggregate(
                inventory.next_id('aggregate'), str(uuid.uuid4()), name,
                availability_zone, list(hosts), metadata, model.utcnow())
            self._aggregates[aggregate.id] = aggregate
            return aggregate

    def aggregates(self):
        with self._inventory.lock:
            return list(self._aggregates.values())

    def aggregate(self, aggregate_id):
        with self._inventory.lock:
            try:
                return self._aggregates[int(aggregate_id)]
            except (KeyError, ValueError):
                raise errors.NotFound('Aggregate %s could not be found.'
                                      % aggregate_id) from None

    def add_host_to_aggregate(self, aggregate_id, host_name):
        with self._inventory.lock:
            aggregate = self.aggregate(aggregate_id)
            self._inventory.compute_host(host_name)
            if host_name in aggregate.hosts:
                raise errors.Conflict('Aggregate %s already has host %s.'
                                      % (aggregate.id, host_name))
            aggregate.hosts.append(host_name)
            aggregate.updated_at = model.utcnow()
            return aggregate

    def zone_of(self, host_name):
        for aggregate in self._aggregates.values():
            if aggregate.availability_zone and host_name in aggregate.hosts:
                return aggregate.availability_zone
        return model.DEFAULT_ZONE
