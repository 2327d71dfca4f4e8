"""Mean time to recover failed hosts, against Nova's own floor.

The emulator plays a Nova that runs at most K evacuations at once, each
taking S seconds; every failed host has a simulated IPMI BMC that reports
power off F seconds after the power-off request. The engine fences each
host (quick_evacuate_level 2), forces its service down and evacuates its
instances. MTTR runs from the create_notification call to the moment every
instance of the failed hosts is on another host, settled in its former
state. The floor is what Nova alone needs: F + ceil(N / K) * S.
"""

import argparse
import json
import math
import tempfile
import threading
import time

from benchmarks import common
from hahealer import notifications
from hahealer import rpc
from hahealer.sim import bmc as simulated_bmc
from tests import engine_fixture

BMC_USER, BMC_PASSWORD = 'admin', 'bench-password'


def _settled(client, failed_hosts, expected):
    servers = client.servers.list(search_opts={'all_tenants': 1},
                                  limit=-1)
    done = 0
    for server in servers:
        if server.id not in expected:
            continue
        if (getattr(server, 'OS-EXT-SRV-ATTR:host') not in failed_hosts
                and getattr(server, 'OS-EXT-STS:task_state') is None
                and getattr(server, 'OS-EXT-STS:vm_state')
                == expected[server.id]):
            done += 1
    return done


def _fail_on_errors(engine_client, uuids):
    for record in engine_client.list_notifications(None, limit=len(uuids)):
        if record['status'] in ('error', 'failed'):
            raise RuntimeError(f"the recovery of {record['hostname']} "
                               f"ended {record['status']}: "
                               f"{record['reason']}")


def run(failed, instances, spare_hosts, evacuate_seconds, capacity,
        fencing_seconds, threads, verify_interval):
    failed_hosts = [f'failed{n}' for n in range(1, failed + 1)]
    spares = [f'spare{n}' for n in range(1, spare_hosts + 1)]
    hosts = failed_hosts + spares
    scenario_file = tempfile.NamedTemporaryFile(
        'w', suffix='.json', prefix='hahealer-bench-')
    json.dump({'hosts': hosts, 'instances': [
        {'host': host, 'count': instances,
         'metadata': {'HA_Enabled': 'True'}} for host in failed_hosts]},
        scenario_file)
    scenario_file.flush()
    with scenario_file, common.cloud(
            '--scenario', scenario_file.name,
            '--evacuate-seconds', str(evacuate_seconds),
                      '--max-concurrent-evacuations', str(capacity)) as sim, \
            simulated_bmc.BMCFarm(failed_hosts, BMC_USER, BMC_PASSWORD,
                                  power_off_delay=fencing_seconds) as bmcs, \
            common.engine(
                sim.compute_url, hosts=hosts,
                DEFAULT={'host_failure_recovery_threads': threads,
                         'verify_interval': verify_interval,
                         'max_concurrent_recoveries': max(32, failed)},
                host_failure={'quick_evacuate_level': 2,
                              'storm_window': 0},
                fencing={'power_off_timeout': 60}) as (engine, config):
        database = engine_fixture.open_database(config)
        for host in failed_hosts:
            database.update_host(host, fencing_driver='ipmi',
                                 fencing_params=bmcs[host].fencing_params())
        database.dispose()
        client = sim.admin_client()
        expected = {server.id: 'active' for host in failed_hosts
                    for server in client.servers.list(
                        search_opts={'host': host, 'all_tenants': 1},
                        limit=-1)}
        for host in failed_hosts:
            sim.kill_host(host)
        engine_client = rpc.EngineClient.from_config_files([str(config)],
                                                           timeout=60)
        peak_rss = [0.0]
        sampling = threading.Event()

        def sample_rss():
            while not sampling.wait(0.5):
                peak_rss[0] = max(peak_rss[0],
                                  common.rss_mib(engine.process.pid))

        sampler = threading.Thread(target=sample_rss, daemon=True)
        sampler.start()
        began = time.monotonic()
        uuids = [engine_client.create_notification(None, notifications.build(
            'COMPUTE_HOST', host, {'event': 'STOPPED',
                                   'host_status': 'NORMAL'}))[
            'notification_uuid'] for host in failed_hosts]
        while _settled(client, set(failed_hosts), expected) < len(expected):
            _fail_on_errors(engine_client, uuids)
            if time.monotonic() - began > 3600:
                raise RuntimeError('recovery did not end within an hour')
            time.sleep(0.1)
        mttr = time.monotonic() - began
        sampling.set()
        sampler.join()
        engine_client.close()
    total = failed * instances
    floor = fencing_seconds + math.ceil(total / capacity) * evacuate_seconds
    return {'failed_hosts': failed, 'instances': total,
            'evacuate_seconds': evacuate_seconds, 'capacity': capacity,
            'fencing_seconds': fencing_seconds, 'mttr_s': mttr,
            'floor_s': floor, 'ratio': mttr / floor,
            'engine_peak_rss_mib': peak_rss[0]}


def main(argv):
    parser = argparse.ArgumentParser(
        prog='python -m benchmarks host_recovery', description=__doc__)
    parser.add_argument('--failed-hosts', type=int, default=1)
    parser.add_argument('--instances', type=int, default=100,
                        help='instances on each failed host')
    parser.add_argument('--spare-hosts', type=int, default=4)
    parser.add_argument('--evacuate-seconds', type=float, default=5.0)
    parser.add_argument('--capacity', type=int, default=32,
                        help="evacuations Nova runs at once")
    parser.add_argument('--fencing-seconds', type=float, default=2.0)
    parser.add_argument('--threads', type=int, default=64,
                        help='host_failure_recovery_threads')
    parser.add_argument('--verify-interval', type=float, default=1.0)
    args = parser.parse_args(argv)
    result = run(args.failed_hosts, args.instances, args.spare_hosts,
                 args.evacuate_seconds, args.capacity, args.fencing_seconds,
                 args.threads, args.verify_interval)
    print(json.dumps(result))
    print(f"{result['failed_hosts']} failed host(s), "
          f"{result['instances']} instances: MTTR {result['mttr_s']:.1f} s,"
          f" Nova floor {result['floor_s']:.1f} s, ratio "
          f"{result['ratio']:.3f}, engine peak RSS "
          f"{result['engine_peak_rss_mib']:.0f} MiB", flush=True)
    return 0
