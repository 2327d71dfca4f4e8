"""The cloud to start with, from keyword arguments, flags or a file.

A scenario file is JSON or YAML with any of the ``Scenario`` fields, for
example::

    hosts: [compute-1, compute-2, {name: compute-3, alive: false}]
    aggregates:
      - {name: segment-1, hosts: [compute-1, compute-2],
         availability_zone: az1}
    instances:
      - {host: compute-1, count: 2, metadata: {HA_Enabled: "True"}}
      - {host: compute-2, name: db, vm_state: stopped, locked: true,
         project: billing}
    evacuate_seconds: 0.5
"""

import dataclasses
import json
import pathlib

import yaml

from hahealer.sim import errors
from hahealer.sim import model
from hahealer.sim import wire

# The newest microversion whose wire format the emulator speaks.
NEWEST_MICROVERSION = wire.APIVersion(2, 96)
DEFAULT_PROJECT = 'demo'
HA_METADATA = {'HA_Enabled': 'True'}

_INSTANCE_KEYS = {'host', 'name', 'count', 'metadata', 'vm_state', 'locked',
                  'project', 'flavor'}
_AGGREGATE_KEYS = {'name', 'hosts', 'availability_zone', 'metadata'}


@dataclasses.dataclass
class Scenario(model.Rules):
    """Inventory and behaviour of an emulated cloud.

    ``hosts`` is a count (host1..hostN) or a list of names, or of
    ``{"name": ..., "alive": ...}``. Each host also gets
    ``instances_per_host`` running, HA-enabled instances.
    """

    hosts: int | list = 3
    instances_per_host: int = 0
    instances: list = dataclasses.field(default_factory=list)
    aggregates: list = dataclasses.field(default_factory=list)
    controller: str = 'controller'
    max_microversion: str = str(NEWEST_MICROVERSION)
    # Nova's [api] max_limit: the most items one list response holds.
    max_limit: int = 1000
    # Seed for jitter and fault fractions, for repeatable runs.
    seed: int | None = None

    @classmethod
    def from_file(cls, path):
        """Read a JSON or YAML scenario; ValueError says what is wrong."""
        text = pathlib.Path(path).read_text()
        try:
            data = (json.loads(text) if str(path).endswith('.json')
                    else yaml.safe_load(text))
        except (ValueError, yaml.YAMLError) as exc:
            raise ValueError('%s is not valid JSON/YAML: %s'
                             % (path, exc)) from None
        if not isinstance(data, dict):
            raise ValueError('%s must hold a mapping of scenario fields'
                             % path)
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError('%s has unknown field(s) %s; known fields: %s'
                             % (path, ', '.join(unknown),
                                ', '.join(sorted(known))))
        return cls(**data)

    def host_specs(self):
        """[(name, alive)] for every compute host."""
        if isinstance(self.hosts, int) and not isinstance(self.hosts, bool):
            return [('host%d' % n, True) for n in range(1, self.hosts + 1)]
        if not isinstance(self.hosts, list):
            raise ValueError('hosts is a count or a list, not %r'
                             % (self.hosts,))
        specs = []
        for entry in self.hosts:
            if isinstance(entry, str):
                specs.append((entry, True))
            elif isinstance(entry, dict) and set(entry) <= {'name', 'alive'}:
                specs.append((entry['name'], bool(entry.get('alive', True))))
            else:
                raise ValueError('a host is a name or {"name": ..., '
                                 '"alive": ...}, not %r' % (entry,))
        return specs

    def microversion(self):
        try:
            version = wire.APIVersion.parse(self.max_microversion)
        except ValueError:
            raise ValueError('max_microversion %r is not of the form X.Y'
                             % self.max_microversion) from None
        if not wire.MIN_VERSION <= version <= NEWEST_MICROVERSION:
            raise ValueError('max_microversion must be from %s to %s'
                             % (wire.MIN_VERSION, NEWEST_MICROVERSION))
        return version

    def validate(self):
        """ValueError naming the first knob that makes no sense."""
        numbers = [f.name for f in dataclasses.fields(model.Rules)]
        for name in numbers + ['instances_per_host', 'max_limit']:
            value = getattr(self, name)
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise ValueError('%s must be a number, not %r'
                                 % (name, value))
        for name in ('evacuate_seconds', 'stop_seconds', 'start_seconds',
                     'build_seconds', 'rpc_timeout',
                     'initial_reporting_delay', 'report_interval'):
            if getattr(self, name) < 0:
                raise ValueError('%s must be >= 0' % name)
        if self.service_down_time <= 0:
            raise ValueError('service_down_time must be > 0')
        if not 0 <= self.jitter < 1:
            raise ValueError('jitter must be from 0 to less than 1')
        if self.max_concurrent_evacuations < 0:
            raise ValueError('max_concurrent_evacuations must be >= 0 '
                             '(0 means no limit)')
        if self.instances_per_host < 0:
            raise ValueError('instances_per_host must be >= 0')
        if self.max_limit < 1:
            raise ValueError('max_limit must be >= 1')
        self.microversion()


def populate(cloud, scenario):
    """Add the scenario's hosts, aggregates and servers to ``cloud``.

    ValueError says which part of the scenario is wrong.
    """
    scenario.validate()
    try:
        _populate(cloud, scenario)
    except errors.NovaError as exc:
        raise ValueError(exc.message) from None


def _populate(cloud, scenario):
    hosts = scenario.host_specs()
    for name, alive in hosts:
        cloud.add_host(name, alive=alive)
    for spec in scenario.aggregates:
        _check_keys('aggregate', spec, _AGGREGATE_KEYS, 'name')
        cloud.add_aggregate(spec['name'], spec.get('hosts', ()),
                            spec.get('availability_zone'),
                            spec.get('metadata'))
    for spec in scenario.instances:
        seed_instances(cloud, spec)
    for name, _ in hosts:
        for n in range(1, scenario.instances_per_host + 1):
            cloud.seed_server(name, '%s-ha-%d' % (name, n), DEFAULT_PROJECT,
                              metadata=HA_METADATA)


def seed_instances(cloud, spec):
    """Add the servers one instance entry describes; return them.

    ValueError or NovaError says what is wrong with the entry.
    """
    _check_keys('instance', spec, _INSTANCE_KEYS, 'host')
    count = spec.get('count', 1)
    base = spec.get('name', '%s-vm' % spec['host'])
    return [cloud.seed_server(
        spec['host'], base if count == 1 else '%s-%d' % (base, n),
        spec.get('project', DEFAULT_PROJECT),
        vm_state=spec.get('vm_state', model.ACTIVE),
        metadata=spec.get('metadata'), locked=spec.get('locked', False),
        flavor_id=str(spec.get('flavor', '1')))
        for n in range(1, count + 1)]


def _check_keys(kind, spec, allowed, required):
    if not isinstance(spec, dict) or required not in spec:
        raise ValueError('an %s needs a %s: %r' % (kind, required, spec))
    unknown = sorted(set(spec) - allowed)
    if unknown:
        raise ValueError('%s %r has unknown key(s) %s; known: %s'
                         % (kind, spec, ', '.join(unknown),
                            ', '.join(sorted(allowed))))
