"""Prometheus metrics of the engine ([metrics] enabled, bind, port).

The metrics are always counted (it is cheap); the HTTP endpoint that serves
them only runs when enabled.
"""

import logging

import prometheus_client

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


def serve(bind, port):
    """Serve /metrics over HTTP; return the server (its port if 0 given)."""
    server, _ = prometheus_client.start_http_server(port, addr=bind,
                                                    registry=REGISTRY)
    LOG.info('Prometheus metrics on http://%s:%d/metrics', bind,
             server.server_port)
    return server
