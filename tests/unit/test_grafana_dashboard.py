"""Every metric the Grafana dashboard in etc/grafana queries exists."""

import json
import pathlib
import re

from prometheus_client import exposition

from hahealer import metrics
from hahealer.db import stats

DASHBOARD = (pathlib.Path(__file__).resolve().parents[2] / 'etc' /
             'grafana' / 'hahealer.json')


def _exposed_names():
    """Sample names the engine serves, its queue gauges included."""
    gauges = metrics.QueueCollector(lambda: stats.QueueStats(
        by_status={'new': 0}, held=0, oldest_running_seconds=0.0))
    metrics.REGISTRY.register(gauges)
    try:
        metrics.EVACUATIONS.labels('succeeded')
        text = exposition.generate_latest(metrics.REGISTRY).decode()
    finally:
        metrics.REGISTRY.unregister(gauges)
    names = set()
    for line in text.splitlines():
        if line.startswith('# TYPE '):
            name, kind = line.split()[2:4]
            names.add(name)
            suffixes = {'counter': ['_total'],
                        'histogram': ['_bucket', '_sum', '_count']}
            names.update(name + suffix for suffix in suffixes.get(kind, []))
    return names


def test_every_queried_metric_is_served():
    dashboard = json.loads(DASHBOARD.read_text())
    queried = {name for panel in dashboard['panels']
               for target in panel['targets']
               for name in re.findall(r'\bhahealer_[a-z_]+', target['expr'])}
    assert len(queried) >= 10
    assert queried <= _exposed_names(), queried - _exposed_names()
