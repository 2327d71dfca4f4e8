"""Host recovery on real Nova 34: hahealer's MTTR against Nova's floor.

Every measurement gets a fresh real Nova, as the integration tests run it
(one process, the fake virt driver, compute hosts host1..host4), with N
HA-enabled ACTIVE instances booted on host1; then host1 is killed.

- floor: Nova alone, through python-novaclient: force host1's compute
  service down, then send every evacuation at once (one thread each); from
  the force-down call to every instance ACTIVE on another host.
- hahealer: hahealer-engine as a service (RabbitMQ, SQLite, a segment of
  the 4 hosts, quick_evacuate_level 1, verify_interval 0.25 unless told,
  default options otherwise) gets one COMPUTE_HOST notification; from the
  create_notification call to every instance ACTIVE on another host.

The same poller sees both ends, through Nova's evacuation records. Floor
and hahealer alternate within each run, so that a change in the machine's
load hits both alike. A recovery that fails is reported, and the exit
status is then 1.
"""

import argparse
import collections
import contextlib
import datetime
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent import futures

from benchmarks import common
from hahealer import notifications
from hahealer import rpc
from hahealer.conf import default as default_opts
from tests.config_fixture import FAST_TIMINGS
from tests.integration import clouds
from tests.integration import real_nova

KINDS = ('floor', 'hahealer')
HOSTS = clouds.host_names(4)
FAILED = HOSTS[0]
FLAVOR = '1'  # m1.tiny
# Evacuated at 2.95 or later an instance arrives stopped; the floor, like
# hahealer for an active instance, asks at 2.94 so that it arrives ACTIVE.
EVACUATE_VERSION = '2.94'
# Seconds between two looks at the instances, for the floor and hahealer.
POLL = 0.1
RECOVERY_TIMEOUT = 600
TARGET = 1.2  # MTTR / floor
# The test configuration shortens these; the benchmark runs the defaults.
DEFAULT_TIMINGS = {opt.name: opt.default
                   for opt in default_opts.recovery_timing_opts
                   if opt.name in FAST_TIMINGS}
# The engine's progress messages that mark its steps, in order; 'last'
# takes the last such message, the others the first.
MILESTONES = (
    ('disable task', 'Disabling compute service on host'),
    ('forced down', 'Forced the compute service of host'),
    ('disabled', 'Disabled compute service on host'),
    ('listed', 'Instances to be evacuated are'),
    ('evacuate task', 'Start evacuation of instances'),
    ('first evacuate', 'Evacuation of instance started'),
    ('last evacuate', 'Evacuation of instance started'),
    ('first arrived', "Instance '[^']*' is on host"),
    ('done', 'Evacuation process completed!'),
)
# A compute API request in Nova's log (not Placement's, which Nova calls
# itself), and the ids in its paths.
REQUEST = re.compile(r'requestlog\] \S+ "(\w+) (/v2\.1[^ ?"]*)')
ID = re.compile(r'[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}')


def _cpu_seconds(pid):
    with open(f'/proc/{pid}/stat') as stat:
        fields = stat.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def _nova_pid():
    """The Nova server: the child of this process that runs server.py."""
    me = os.getpid()
    with open(f'/proc/{me}/task/{me}/children') as children:
        for pid in children.read().split():
            with open(f'/proc/{pid}/cmdline', 'rb') as cmdline:
                if real_nova.SERVER.encode() in cmdline.read():
                    return int(pid)
    raise RuntimeError('no Nova server among the children of this process')


class Meter:
    """Nova's CPU time and the requests it served (and the engine's CPU
    time), from now on."""

    def __init__(self, cloud, engine_pid=None):
        self.log_path = cloud.process.log_path
        self.pid, self.engine_pid = _nova_pid(), engine_pid
        self.cpu = _cpu_seconds(self.pid)
        self.engine_cpu = engine_pid and _cpu_seconds(engine_pid)
        self.offset = os.path.getsize(self.log_path)
        with open('/proc/loadavg') as loadavg:
            self.load = float(loadavg.read().split()[0])

    def read(self):
        counts = collections.Counter()
        with open(self.log_path, errors='replace') as log:
            log.seek(self.offset)
            for line in log:
                match = REQUEST.search(line)
                if match:
                    counts[f'{match[1]} {ID.sub("ID", match[2])}'] += 1
        usage = {'nova_cpu_s': _cpu_seconds(self.pid) - self.cpu,
                 'nova_requests': dict(counts.most_common()),
                 'load': self.load}
        if self.engine_pid:
            usage['engine_cpu_s'] = (_cpu_seconds(self.engine_pid)
                                     - self.engine_cpu)
        return usage


def _boot(cloud, count):
    """``count`` HA-enabled ACTIVE instances on the failed host; their ids."""
    client = cloud.admin_client()
    client.servers.create('ha', cloud.image, FLAVOR, min_count=count,
                          max_count=count, host=FAILED, nics='none',
                          meta={'HA_Enabled': 'True'})
    deadline = time.monotonic() + 60 + 5 * count
    while True:
        servers = client.servers.list(
            search_opts={'all_tenants': 1, 'host': FAILED}, limit=-1)
        states = [getattr(s, 'OS-EXT-STS:vm_state') for s in servers]
        if 'error' in states:
            raise RuntimeError('an instance went to error while booting')
        if len(servers) == count and set(states) == {'active'}:
            return {server.id for server in servers}
        if time.monotonic() > deadline:
            raise RuntimeError(f'{count} instances not ACTIVE in time')
        time.sleep(0.5)


def _moved(client, expected):
    """How many of ``expected`` Nova has moved: the destination marks an
    evacuation record done once the instance is ACTIVE on it.

    A migration list costs Nova about 15 ms of CPU, a detailed server list
    100 ms for 3 instances and 260 ms for 30: polled every POLL seconds, it
    would take from the evacuations the one core Nova runs on.
    """
    records = client.migrations.list(source_compute=FAILED,
                                     migration_type='evacuation')
    return len({record.instance_uuid for record in records
                if record.status in ('done', 'completed')} & expected)


class NotRecovered(Exception):
    """The instances did not all reach another host."""


def _wait_recovered(client, expected, began, check):
    """Seconds from ``began`` to every instance ACTIVE on another host;
    ``check()`` every second raises when the recovery went wrong."""
    last_check = began
    while _moved(client, expected) < len(expected):
        now = time.monotonic()
        if now - began > RECOVERY_TIMEOUT:
            raise NotRecovered(f'not recovered within {RECOVERY_TIMEOUT} s')
        if now - last_check >= 1:
            check()
            last_check = now
        time.sleep(POLL)
    elapsed = time.monotonic() - began
    servers = client.servers.list(search_opts={'all_tenants': 1}, limit=-1)
    if any(server.id in expected and (
            getattr(server, 'OS-EXT-SRV-ATTR:host') == FAILED
            or getattr(server, 'OS-EXT-STS:task_state') is not None
            or getattr(server, 'OS-EXT-STS:vm_state') != 'active')
           for server in servers):
        raise RuntimeError('evacuation records done, but not every '
                           'instance is ACTIVE on another host')
    return elapsed


def measure_floor(cloud, expected):
    client = cloud.admin_client()
    evacuating = cloud.process.admin_client(EVACUATE_VERSION)
    service = client.services.list(host=FAILED, binary='nova-compute')[0]
    cloud.kill_host(FAILED)
    meter = Meter(cloud)
    began = time.monotonic()
    client.services.force_down(service.id, True)
    forced = time.monotonic() - began

    def evacuate(server_id):
        evacuating.servers.evacuate(server_id)
        return time.monotonic() - began

    with futures.ThreadPoolExecutor(len(expected)) as pool:
        requests = [pool.submit(evacuate, server_id)
                    for server_id in expected]
        floor = _wait_recovered(
            client, expected, began,
            lambda: [request.result() for request in requests
                     if request.done()])
        answered = [request.result() for request in requests]
    return {'floor_s': floor, **meter.read(), 'steps': {
        'forced down': forced, 'first evacuate answered': min(answered),
        'last evacuate answered': max(answered)}}


def breakdown(details, began_wall):
    """When the engine reached each milestone, in seconds after the
    create_notification call, from its workflow details."""
    entries = sorted(
        (entry for task in details['recovery_workflow_details']
         for entry in task['progress_details']),
        key=lambda entry: entry['timestamp'])
    times = {'created_at': details['created_at']}
    for name, pattern in MILESTONES:
        found = [entry for entry in entries
                 if re.match(pattern, entry['message'])]
        if found:
            entry = found[-1] if name.startswith('last') else found[0]
            times[name] = entry['timestamp']
    times['finished_at'] = details['finished_at']
    return {name: datetime.datetime.fromisoformat(moment.rstrip('Z')).replace(
        tzinfo=datetime.UTC).timestamp() - began_wall
        for name, moment in times.items() if moment}


def measure_hahealer(cloud, expected, verify_interval, engine_log):
    with common.engine(
            cloud.compute_url, hosts=HOSTS,
            DEFAULT={**DEFAULT_TIMINGS, 'verify_interval': verify_interval,
                     'notification_lease_seconds': 60},
            nova={'timeout': 30},
            host_failure={'quick_evacuate_level': 1}) as (engine, config):
        engine_client = rpc.EngineClient.from_config_files([str(config)],
                                                           timeout=60)
        try:
            return _recover(cloud, expected, engine, engine_client)
        finally:
            engine_client.close()
            shutil.copyfile(engine.log_path, engine_log)


def _recover(cloud, expected, engine, engine_client):
    client = cloud.admin_client()
    cloud.kill_host(FAILED)
    meter = Meter(cloud, engine.process.pid)
    began_wall = time.time()
    began = time.monotonic()
    uuid = engine_client.create_notification(None, notifications.build(
        'COMPUTE_HOST', FAILED, {'event': 'STOPPED',
                                 'host_status': 'NORMAL'}))[
        'notification_uuid']

    def check():
        # An attempt that ends in error is retried by the engine: the
        # recovery goes on, and the attempts are reported.
        record = engine_client.get_notification(None, uuid)
        if record['status'] in ('failed', 'ignored'):
            raise NotRecovered(f"the recovery ended {record['status']}: "
                               f"{record['reason']}")
        return record['status']

    # A recovery that fails is a result too: it is reported, not raised.
    mttr = failure = usage = None
    try:
        mttr = _wait_recovered(client, expected, began, check)
        usage = meter.read()
        while check() != 'finished':
            time.sleep(POLL)
    except NotRecovered as exc:
        failure = str(exc)
    details = engine_client.get_notification_recovery_workflow_details(
        None, uuid)
    return {'mttr_s': mttr, 'failure': failure, **(usage or meter.read()),
            'attempts': details['attempts'],
            'steps': breakdown(details, began_wall)}


def one_run(instances, verify_interval, log_dir, number):
    """A floor and a hahealer measurement, each on a fresh cloud."""
    result = {}
    for kind in KINDS:
        name = os.path.join(log_dir, f'{instances}-{number}-{kind}')
        with clouds.started(clouds.NOVA, f'{name}-nova.log',
                            hosts=len(HOSTS)) as cloud:
            expected = _boot(cloud, instances)
            if kind == 'floor':
                result[kind] = measure_floor(cloud, expected)
            else:
                result[kind] = measure_hahealer(
                    cloud, expected, verify_interval, f'{name}-engine.log')
    return result


def _median(runs, kind, name):
    values = [run[kind][name] for run in runs
              if run[kind][name] is not None]
    return statistics.median(values) if values else None


def _medians(dicts, missing=None):
    """The median of each key over ``dicts``, a missing value counting as
    ``missing`` (None: left out)."""
    names = dict.fromkeys(name for values in dicts for name in values)
    return {name: statistics.median(
        value for values in dicts
        if (value := values.get(name, missing)) is not None)
        for name in names}


def summarize(instances, runs, verify_interval):
    floor = _median(runs, 'floor', 'floor_s')
    mttr = _median(runs, 'hahealer', 'mttr_s')
    return {
        'instances': instances, 'verify_interval': verify_interval,
        'floor_s': floor, 'mttr_s': mttr,
        'ratio': None if mttr is None else mttr / floor,
        'failed_runs': sum(1 for run in runs if run['hahealer']['failure']),
        'engine_cpu_s': _median(runs, 'hahealer', 'engine_cpu_s'),
        **{field: {kind: _medians([run[kind][source] for run in runs],
                                  missing)
                   for kind in KINDS}
           for field, source, missing in (
               ('steps_s', 'steps', None),
               ('nova_requests', 'nova_requests', 0))},
        'nova_cpu_s': {kind: _median(runs, kind, 'nova_cpu_s')
                       for kind in KINDS},
        'runs': runs,
    }


def _seconds(value):
    return 'failed' if value is None else f'{value:.2f} s'


def print_table(results):
    print('instances  floor     hahealer  ratio  met  Nova requests  '
          'Nova CPU s    engine CPU s  attempts')
    for result in results:
        requests = {kind: sum(counts.values()) for kind, counts
                    in result['nova_requests'].items()}
        cpu, ratio = result['nova_cpu_s'], result['ratio']
        met = ratio is not None and ratio <= TARGET and (
            not result['failed_runs'])
        print(f"{result['instances']:>9}  {_seconds(result['floor_s']):<8}  "
              f"{_seconds(result['mttr_s']):<8}  "
              f"{'-' if ratio is None else f'{ratio:.2f}':>5}  "
              f"{'yes' if met else 'no':<3}  "
              f"{requests['floor']:>5.0f} / {requests['hahealer']:<5.0f}  "
              f"{cpu['floor']:>4.1f} / {cpu['hahealer']:<5.1f}  "
              f"{result['engine_cpu_s']:>12.1f}  " + ','.join(
                  str(run['hahealer']['attempts']) for run in result['runs']))
    print("(Nova's requests and CPU seconds: the floor's / hahealer's, "
          "the poller's in both)")
    for field, kind, title, spec in (
            ('steps_s', 'hahealer',
             'hahealer, seconds after the create_notification call', '.2f'),
            ('steps_s', 'floor', 'floor, seconds after the force-down call',
             '.2f'),
            ('nova_requests', 'hahealer',
             "hahealer's requests to Nova, the poller's included", '.0f')):
        print(f'\n{title} (medians):')
        for result in results:
            print(f"  {result['instances']:>3} instances: " + ', '.join(
                f'{name} {value:{spec}}'
                for name, value in result[field][kind].items()))


def main(argv):
    parser = argparse.ArgumentParser(
        prog='python -m benchmarks real_nova', description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--sizes', default='3,12,30',
                        help='instances on the failed host, comma-separated')
    parser.add_argument('--runs', type=int, default=3,
                        help='measurements of each size (medians reported)')
    parser.add_argument('--verify-interval', type=float, default=0.25,
                        help="the engine's [DEFAULT] verify_interval")
    parser.add_argument('--json', action='store_true',
                        help='print the results as JSON only')
    parser.add_argument('--logs', metavar='DIR',
                        help="keep Nova's and the engine's logs in DIR")
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(',')]
    # Builds .nova-venv on first use, as the integration tests do.
    subprocess.run([sys.executable, real_nova.ENSURE_VENV], check=True,
                   stdout=sys.stderr)
    results, unmeasured = [], []
    with contextlib.ExitStack() as stack:
        logs = args.logs or stack.enter_context(
            tempfile.TemporaryDirectory(prefix='hahealer-bench-'))
        os.makedirs(logs, exist_ok=True)
        for instances in sizes:
            runs = []
            for number in range(1, args.runs + 1):
                try:
                    run = one_run(instances, args.verify_interval, logs,
                                  number)
                except NotRecovered as exc:
                    # Nova alone failed: there is no floor to compare with.
                    print(f'{instances} instances, run {number}: Nova alone '
                          f'(the floor) {exc}; not measured',
                          file=sys.stderr, flush=True)
                    unmeasured.append(instances)
                    continue
                runs.append(run)
                failure = run['hahealer']['failure']
                print(f"{instances} instances, run {number}: floor "
                      f"{_seconds(run['floor']['floor_s'])}, hahealer "
                      f"{_seconds(run['hahealer']['mttr_s'])} "
                      f"{failure[:300] if failure else ''}",
                      file=sys.stderr, flush=True)
            if runs:
                results.append(summarize(instances, runs,
                                         args.verify_interval))
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print_table(results)
    return 1 if unmeasured or any(result['failed_runs']
                                  for result in results) else 0
