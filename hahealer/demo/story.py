"""The demo's story: three failures, each recovery shown as it happens.

A host dies, then an instance, then a process. Each is reported to the
engine through its RPC API, as a monitor would report it, and followed
live. The run ends with a summary and a verdict: a recovery that did not
end as expected makes the exit code 1.
"""

import contextlib
import dataclasses
import logging
import pathlib
import shutil
import tempfile

from hahealer import notifications
from hahealer.cli import render
from hahealer.demo import cloud as cloud_mod
from hahealer.demo import engine as engine_mod

LOG = logging.getLogger(__name__)

SEGMENT = 'demo-segment'
# Failed hosts' instances go to the reserved host first, to hosts Nova's
# scheduler picks if that fails.
RECOVERY_METHOD = 'rh_priority'
FOLLOW_INTERVAL = 0.2
EXPECTED_STATUS = 'finished'

NOOP_NOTE = (
    'Note: ipmitool is not installed, so hosts are fenced with the noop '
    'driver, which powers nothing off. Install ipmitool (e.g. apt-get '
    'install ipmitool) to see fencing through the simulated IPMI BMCs.')
LEVEL_NOTES = {
    1: 'Quick evacuate level 1: failed hosts are forced down in Nova '
       'without fencing.',
    2: 'Quick evacuate level 2: a failed host is powered off through its '
       'BMC, then forced down in Nova.',
    3: f'Quick evacuate level 3: the engine waits until Nova notices the '
       f'failed host down ({cloud_mod.SERVICE_DOWN_SECONDS:g} s in the '
       f'emulator).',
}


@dataclasses.dataclass(frozen=True)
class Settings:
    hosts: int = 4
    instances: int = 12
    evacuate_seconds: float = 1.0
    quick_evacuate_level: int = 2
    #: keep the state directory even when everything went well
    keep: bool = False


def run(settings, out):
    """Play the demo, writing to ``out``; return the exit code."""
    workdir = pathlib.Path(tempfile.mkdtemp(prefix='hahealer-demo-'))
    problems = ['the demo stopped before its end']
    try:
        problems = Demo(settings, workdir, out).play()
    except Exception as exc:
        # The engine's logging owns this process's log: the traceback
        # goes to engine.log, one line to the screen.
        LOG.exception('The demo failed')
        out.write(f'\nThe demo failed: {type(exc).__name__}: {exc}\n')
    finally:
        if settings.keep or problems:
            out.write(f'\nThe state directory is kept: {workdir} (engine '
                      f'log: {workdir / "engine.log"})\n')
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 1 if problems else 0


def fencing_driver(quick_evacuate_level):
    """The fencing driver the demo's hosts get, None when not needed."""
    if quick_evacuate_level != 2:
        return None
    return 'ipmi' if shutil.which('ipmitool') else 'noop'


class Demo:
    def __init__(self, settings, workdir, out):
        self._settings = settings
        self._workdir = workdir
        self._out = out
        self._client = None

    def play(self):
        """Run the three recoveries; return what did not go as expected."""
        settings = self._settings
        fencing = fencing_driver(settings.quick_evacuate_level)
        with contextlib.ExitStack() as stack:
            cloud = cloud_mod.DemoCloud(settings.hosts, settings.instances,
                                        settings.evacuate_seconds, fencing)
            stack.callback(cloud.stop)
            cloud.start()
            engine = engine_mod.InProcessEngine(engine_mod.configure(
                self._workdir, cloud.compute_url,
                settings.quick_evacuate_level))
            stack.callback(engine.stop)
            warnings = engine.start()
            self._client = engine.client
            self._introduce(cloud, warnings)
            self._register(cloud)
            return self._fail_and_recover(cloud)

    def _fail_and_recover(self, cloud):
        before = cloud.instances()
        dead_host = cloud.workload_hosts[0]
        host_record = self._host_failure(cloud, dead_host, before)
        crashed = _first_running_ha_instance(before, cloud.workload_hosts[1])
        instance_record = self._instance_failure(crashed)
        process_host = cloud.workload_hosts[-1]
        process_record = self._process_failure(process_host)
        after = cloud.instances()
        records = [host_record, instance_record, process_record]
        self._summarise(records, before, after, dead_host, crashed)
        problems = [f"{record['type']} notification on "
                    f"{record['hostname']} ended {record['status']}"
                    for record in records
                    if record['status'] != EXPECTED_STATUS]
        problems += _instance_problems(before, after, dead_host, crashed)
        if not cloud.service_disabled(process_host):
            problems.append(f'nova-compute on {process_host} is not '
                            f'disabled')
        self._verdict(problems)
        return problems

    # --- telling ----------------------------------------------------------

    def _say(self, text=''):
        self._out.write(f'{text}\n')
        self._out.flush()

    def _introduce(self, cloud, warnings):
        instances = cloud.instances().values()
        self._say('hahealer demo: an emulated cloud, the engine, three '
                  'failures')
        self._say(f'  Cloud: {len(cloud.hosts)} compute hosts in the Nova '
                  f'emulator ({cloud.compute_url}), {len(instances)} '
                  f'instances ({sum(i.ha_enabled for i in instances)} '
                  f'HA-enabled, '
                  f'{sum(i.vm_state == "stopped" for i in instances)} '
                  f'stopped); {cloud.reserved_host} is the reserved host.')
        self._say(f'  Engine: in this process, state and log in '
                  f'{self._workdir}')
        self._say(f'  {LEVEL_NOTES[self._settings.quick_evacuate_level]}')
        if cloud.fencing_driver == 'noop':
            self._say(f'  {NOOP_NOTE}')
        for warning in warnings:
            self._say(f'  warning: {warning}')

    def _register(self, cloud):
        self._say()
        self._say(f'Registering segment {SEGMENT} (recovery method '
                  f'{RECOVERY_METHOD}) and its hosts through the engine\'s '
                  f'RPC API')
        self._client.create_segment(None, SEGMENT, RECOVERY_METHOD)
        counts = {}
        for instance in cloud.instances().values():
            counts[instance.host] = counts.get(instance.host, 0) + 1
        rows = []
        for host in cloud.hosts:
            reserved = host == cloud.reserved_host
            record = self._client.create_host(
                None, host, SEGMENT, reserved=reserved,
                fencing_driver=cloud.fencing_driver,
                fencing_params=cloud.fencing_params(host))
            rows.append((record['name'],
                         'reserved' if reserved else 'compute',
                         counts.get(host, 0),
                         record['fencing_driver'] or '-'))
        self._table(('host', 'role', 'instances', 'fencing'), rows)

    def _host_failure(self, cloud, host, before):
        self._say()
        self._say(f'1. Host failure: {host} dies')
        power = cloud.power_state(host)
        self._say('   Its nova-compute stops heartbeating'
                  + (f' (its BMC still reports power {power})'
                     if power else '')
                  + '; a monitor reports COMPUTE_HOST STOPPED.')
        cloud.kill_host(host)
        record = self._report(notifications.COMPUTE_HOST, host, {
            'event': notifications.STOPPED, 'host_status': 'NORMAL',
            'cluster_status': 'OFFLINE'})
        after = cloud.instances()
        self._say()
        self._say(f'   Where the instances of {host} went'
                  + (f' (its BMC now reports power '
                     f'{cloud.power_state(host)}):' if power else ':'))
        self._table(('instance', 'HA', 'state before', 'host after',
                     'state after'),
                    [(i.name, _yes_no(i.ha_enabled), i.vm_state,
                      after[i.id].host, after[i.id].vm_state)
                     for i in _on_host(before, host)], indent='   ')
        return record

    def _instance_failure(self, instance):
        self._say()
        self._say(f'2. Instance failure: {instance.name} on {instance.host}')
        self._say('   A monitor reports its guest stopped unexpectedly '
                  '(LIFECYCLE STOPPED_FAILED).')
        return self._report(notifications.VM, instance.host, {
            'event': 'LIFECYCLE', 'instance_uuid': instance.id,
            'vir_domain_event': 'STOPPED_FAILED'})

    def _process_failure(self, host):
        self._say()
        self._say(f'3. Process failure: nova-compute on {host}')
        self._say('   A monitor reports the process stopped; nothing new '
                  'must land on the host.')
        return self._report(notifications.PROCESS, host, {
            'event': notifications.STOPPED, 'process_name': 'nova-compute'})

    def _report(self, notification_type, host, payload):
        """Send a notification as a monitor does; follow its recovery."""
        record = self._client.create_notification(
            None, notifications.build(notification_type, host, payload))
        uuid = record['notification_uuid']
        view = render.LiveView(self._out, render.is_terminal(self._out))
        return render.follow(
            lambda: self._client.get_notification_recovery_workflow_details(
                None, uuid),
            view, FOLLOW_INTERVAL)

    def _summarise(self, records, before, after, dead_host, crashed):
        self._say()
        self._say('Summary')
        self._say('  Notifications:')
        self._table(('type', 'host', 'status', 'duration', 'notification'),
                    [(r['type'], r['hostname'], r['status'],
                      _seconds(render.duration(r)), r['notification_uuid'])
                     for r in records])
        self._say('  Instances:')
        rows = []
        for instance in sorted(before.values(), key=lambda i: i.name):
            now = after.get(instance.id)
            recovery = ('evacuated' if instance.host == dead_host
                        else 'restarted' if instance.id == crashed.id
                        else '-')
            rows.append((instance.name, _yes_no(instance.ha_enabled),
                         instance.host, instance.vm_state,
                         now.host if now else 'gone',
                         now.vm_state if now else 'gone', recovery))
        self._table(('instance', 'HA', 'host before', 'state before',
                     'host after', 'state after', 'recovery'), rows)

    def _verdict(self, problems):
        self._say()
        if not problems:
            self._say('Every recovery ended as expected.')
            return
        self._say('Not every recovery ended as expected:')
        for problem in problems:
            self._say(f'  - {problem}')

    def _table(self, headers, rows, indent='  '):
        for line in render.table(headers, rows).splitlines():
            self._say(f'{indent}{line}')


def _on_host(instances, host):
    return sorted((i for i in instances.values() if i.host == host),
                  key=lambda i: i.name)


def _first_running_ha_instance(instances, host):
    return next(i for i in _on_host(instances, host)
                if i.ha_enabled and i.vm_state == 'active')


def _instance_problems(before, after, dead_host, crashed):
    """Evacuated instances elsewhere in their former state; the crashed
    one active; every other one where it was."""
    problems = []
    for instance in before.values():
        now = after.get(instance.id)
        if now is None:
            problems.append(f'{instance.name} is gone')
        elif instance.host == dead_host and (
                now.host == dead_host or now.vm_state != instance.vm_state):
            problems.append(
                f'{instance.name} was not evacuated from {dead_host} in its '
                f'state: it is {now.vm_state} on {now.host}')
        elif instance.id == crashed.id and now.vm_state != 'active':
            problems.append(f'{instance.name} is {now.vm_state} after its '
                            f'restart')
        elif instance.host != dead_host and now.host != instance.host:
            problems.append(f'{instance.name} moved from {instance.host} to '
                            f'{now.host} although its host did not fail')
    return problems


def _yes_no(flag):
    return 'yes' if flag else 'no'


def _seconds(value):
    return f'{value:.1f} s' if value is not None else '-'
