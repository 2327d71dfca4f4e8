"""The engine at rest: time from start to ready, and memory when idle.

Start-to-ready is measured from the moment the process is started to the
moment its log says it is ready (its RPC server consumes). Memory is the
resident set size (RSS) and the proportional set size (PSS: shared library
pages divided among the processes sharing them) of the engine process.
"""

import argparse
import json
import statistics
import tempfile
import time

from benchmarks import common
from tests import engine_fixture

HOSTS = ('host1', 'host2', 'host3')


def measure_once(compute_url, idle_seconds):
    with tempfile.TemporaryDirectory(prefix='hahealer-bench-') as state:
        config = engine_fixture.prepare(state, compute_url, hosts=HOSTS)
        engine = engine_fixture.EngineProcess(config)
        began = time.monotonic()
        engine.start(timeout=60)
        ready = time.monotonic() - began
        try:
            time.sleep(idle_seconds)
            pid = engine.process.pid
            return {'start_to_ready_s': ready, 'pss_mib': common.pss_mib(pid),
                    'rss_mib': common.rss_mib(pid)}
        finally:
            engine.stop()


def main(argv):
    parser = argparse.ArgumentParser(prog='python -m benchmarks footprint',
                                     description=__doc__)
    parser.add_argument('--runs', type=int, default=5)
    parser.add_argument('--idle-seconds', type=float, default=5.0,
                        help='how long the engine idles before measuring')
    args = parser.parse_args(argv)
    with common.cloud('--hosts', '3') as sim:
        runs = [measure_once(sim.compute_url, args.idle_seconds)
                for _ in range(args.runs)]
    for run in runs:
        print(json.dumps(run))
    ready = [run['start_to_ready_s'] for run in runs]
    rss = [run['rss_mib'] for run in runs]
    pss = [run['pss_mib'] for run in runs]
    print(f'start to ready: median {statistics.median(ready):.2f} s, max '
          f'{max(ready):.2f} s; idle RSS: median '
          f'{statistics.median(rss):.0f} MiB, max {max(rss):.0f} MiB; idle '
          f'PSS: median {statistics.median(pss):.0f} MiB')
    return 0
