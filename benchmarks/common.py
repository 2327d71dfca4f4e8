"""What the benchmarks share: an emulated cloud, an engine, statistics."""

import contextlib
import resource
import statistics
import tempfile

from tests import engine_fixture
from tests import nova_sim


def percentile(values, fraction):
    ordered = sorted(values)
    index = min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))
    return ordered[index]


def summary(values):
    return {'count': len(values), 'mean': statistics.fmean(values),
            'p50': percentile(values, 0.50), 'p99': percentile(values, 0.99),
            'max': max(values)}


def _proc_kib_field(pid, name, field):
    with open(f'/proc/{pid}/{name}') as source:
        for line in source:
            if line.startswith(f'{field}:'):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f'no {field} in /proc/{pid}/{name}')


def rss_mib(pid):
    """Resident set size of a process."""
    return _proc_kib_field(pid, 'status', 'VmRSS')


def pss_mib(pid):
    """Proportional set size: shared pages divided among their users."""
    return _proc_kib_field(pid, 'smaps_rollup', 'Pss')


@contextlib.contextmanager
def cloud(*sim_args):
    """The Nova emulator as a separate process (its own CPU time)."""
    with nova_sim.NovaSimProcess(*sim_args) as sim:
        yield sim


@contextlib.contextmanager
def engine(compute_url, database_url=None, hosts=(), **sections):
    """A hahealer-engine on RabbitMQ in a fresh state directory."""
    with tempfile.TemporaryDirectory(prefix='hahealer-bench-') as state:
        config = engine_fixture.prepare(state, compute_url, database_url,
                                        hosts=hosts, **sections)
        process = engine_fixture.EngineProcess(config).start(timeout=60)
        try:
            yield process, config
        finally:
            process.stop()


def own_peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
