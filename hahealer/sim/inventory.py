"""The records every part of the emulated cloud shares, and their lock.

Everything here is guarded by ``lock`` (re-entrant): the HTTP layer holds
it while it reads objects and formats them, and every delayed effect (a
timer callback) takes it before touching anything.
"""

import collections
import itertools
import threading
import uuid

from hahealer.sim import errors
from hahealer.sim import model


class Inventory:
    """Hosts, servers and their instance actions, with Nova's ids."""

    def __init__(self, rules, controller):
        self.lock = threading.RLock()
        self.rules = rules
        # Where nova-conductor and nova-scheduler run.
        self.controller = controller
        self.flavors = model.default_flavors()
        self.images = model.default_images()
        self.hosts = {}
        self.instances = {}
        self.actions = collections.defaultdict(list)
        self._ids = collections.defaultdict(lambda: itertools.count(1))

    def next_id(self, kind):
        """Nova's next integer id for a kind of record."""
        return next(self._ids[kind])

    def new_service(self, binary, host):
        return model.Service(self.next_id('service'), str(uuid.uuid4()),
                             binary, host)

    def known_host(self, name):
        try:
            return self.hosts[name]
        except KeyError:
            raise errors.NotFound(
                'Host %s is not known to the emulator.' % name) from None

    def compute_host(self, name):
        """The host as Nova sees it: one that has a compute service."""
        host = self.hosts.get(name)
        if host is None or host.vanished:
            raise errors.NotFound(
                'Compute host %s could not be found.' % name)
        return host
