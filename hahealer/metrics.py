"""Prometheus metrics of the engine ([metrics] enabled, bind, port).

The metrics are always counted (it is cheap); the HTTP endpoint that serves
them only runs when enabled.
"""

import json
import logging
import socketserver
import threading
from wsgiref import simple_server

import prometheus_client
from prometheus_client import core as prometheus_core

LOG = logging.getLogger(__name__)

REGISTRY = prometheus_client.CollectorRegistry()

NOTIFICATIONS = prometheus_client.Counter(
    'hahealer_notifications_total',
    'Notifications whose processing ended, by type and final status.',
    ['type', 'status'], registry=REGISTRY)
RECOVERY_DURATION = prometheus_client.Histogram(
    'hahealer_recovery_duration_seconds',
    'Duration of recovery flow runs, by flow and outcome.',
    ['flow', 'outcome'], registry=REGISTRY,
    buckets=(1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 3600))
EVACUATIONS = prometheus_client.Counter(
    'hahealer_evacuations_total',
    'Instances evacuated from failed hosts, by result.',
    ['result'], registry=REGISTRY)
NOVA_REQUESTS = prometheus_client.Counter(
    'hahealer_nova_requests_total',
    'Compute API calls, by call and outcome (ok, or the error class).',
    ['call', 'outcome'], registry=REGISTRY)
NOVA_LATENCY = prometheus_client.Histogram(
    'hahealer_nova_request_duration_seconds',
    'Duration of compute API calls, retries included, by call.',
    ['call'], registry=REGISTRY,
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60))
FENCING = prometheus_client.Counter(
    'hahealer_fencing_attempts_total',
    'Attempts to power failed hosts off, by driver and result.',
    ['driver', 'result'], registry=REGISTRY)
STORM_HOLDS = prometheus_client.Counter(
    'hahealer_storm_protection_holds_total',
    'Host recoveries held back by storm protection.',
    registry=REGISTRY)


class QueueCollector:
    """Gauges of the notification queue, read from the database at each
    scrape: every engine of a deployment reports the same numbers."""

    def __init__(self, read_stats):
        self._read_stats = read_stats

    def collect(self):
        try:
            stats = self._read_stats()
        except Exception as exc:  # noqa: BLE001 - a scrape must not fail
            LOG.warning('Queue gauges left out of this scrape: %s', exc)
            return
        by_status = prometheus_core.GaugeMetricFamily(
            'hahealer_queue_notifications',
            'Notifications now in the database, by status.',
            labels=['status'])
        for status, count in stats.by_status.items():
            by_status.add_metric([status], count)
        yield by_status
        yield prometheus_core.GaugeMetricFamily(
            'hahealer_queue_held_notifications',
            'Host notifications held back by storm protection now.',
            value=stats.held)
        yield prometheus_core.GaugeMetricFamily(
            'hahealer_queue_oldest_running_age_seconds',
            'Age of the oldest running recovery (0 when none runs).',
            value=stats.oldest_running_seconds)

    def describe(self):
        return []


def serve(bind, port, health=None):
    """Serve /metrics, and /health when ``health`` (a callable returning
    (healthy, document)) is given; return the server (its port if 0 was
    given). /health answers 200 when healthy, 503 otherwise."""
    metrics_app = prometheus_client.make_wsgi_app(REGISTRY)

    def app(environ, start_response):
        if health is None or environ.get('PATH_INFO') != '/health':
            return metrics_app(environ, start_response)
        healthy, document = health()
        start_response('200 OK' if healthy else '503 Service Unavailable',
                       [('Content-Type', 'application/json')])
        return [json.dumps(document).encode()]

    server = simple_server.make_server(bind, port, app,
                                       server_class=_ThreadingServer,
                                       handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, name='hahealer-metrics',
                     daemon=True).start()
    LOG.info('Prometheus metrics on http://%s:%d/metrics', bind,
             server.server_port)
    return server


class _ThreadingServer(socketserver.ThreadingMixIn, simple_server.WSGIServer):
    daemon_threads = True


class _QuietHandler(simple_server.WSGIRequestHandler):
    def log_message(self, *args):
        """Scrapes every few seconds are not news."""
