"""Nova's scheduler, simplified: where a new or evacuated server goes."""

import collections

# Nova's NoValidHost, with no reason when Placement offers no host at all.
NO_VALID_HOST = 'No valid host was found. %s'
NOT_ENOUGH_HOSTS = 'There are not enough hosts available.'


class Scheduler:
    def __init__(self, inventory, services, promised):
        """``promised()``: the destinations of rebuilds in progress, which
        count as load although their servers are not there yet."""
        self._inventory = inventory
        self._services = services
        self._promised = promised

    def pick(self, exclude, only=None):
        """(host, None) or (None, why not).

        Placement offers the hosts (only the requested one, if any) whose
        provider lacks the COMPUTE_STATUS_DISABLED trait; the filters drop
        the ``exclude``d source, disabled services and services that are
        down; the least loaded host left wins. Why not is the fault message
        of Nova's NoValidHost, which names no reason when Placement offers
        nothing.
        """
        inventory = self._inventory
        offered = [
            h for h in inventory.hosts.values()
            if not h.vanished and (only is None or h.name == only)
            and not (h.compute.disabled if h.alive else h.disabled_trait)]
        if not offered:
            return None, NO_VALID_HOST % ''
        candidates = [
            h for h in offered
            if h.name != exclude and not h.compute.disabled
            and self._services.service_is_up(h.compute)]
        if not candidates:
            return None, NO_VALID_HOST % NOT_ENOUGH_HOSTS
        load = collections.Counter(
            i.host for i in inventory.instances.values())
        load.update(self._promised())
        return min(candidates, key=lambda h: load[h.name]), None
