"""post_recovery_summary_task: tell a webhook what a recovery did.

Listed last in the post stage of a flow, the task POSTs a JSON summary of
the recovery to the URL in ``[example_webhook] url``: the notification, the
failed host and, looked up in Nova now, where each instance of a host
recovery went, the state of a recovered instance, or the compute service
of a host whose process failed.

The summary is a report, not part of the recovery: when the webhook stays
down or refuses it, the task records that in the recovery's progress, logs
a warning and lets the recovery end as it would have without it.
"""

import itertools
import logging
import urllib.parse

import requests
from oslo_config import cfg

from hahealer import exception
from hahealer.conf import CONF
from hahealer.tasks import base

LOG = logging.getLogger(__name__)

GROUP = 'example_webhook'

webhook_opts = [
    cfg.URIOpt(
        'url',
        schemes=['http', 'https'],
        secret=True,
        help="""
Where post_recovery_summary_task POSTs its JSON summary. Required when the
task is in a flow: the engine does not start without it. Secret, as the URL
may carry a token; the task names only its scheme, host and port.
"""),
    cfg.FloatOpt(
        'timeout',
        default=10.0,
        min=0.1,
        help="""
Seconds to wait for the webhook to answer one POST.
"""),
    cfg.FloatOpt(
        'retry_for',
        default=60.0,
        min=0.0,
        help="""
Seconds during which a summary that could not be delivered (no answer, HTTP
408, 429 or 5xx) is sent again; 0 makes one attempt. Any other answer
outside 2xx is final. The recovery's post stage waits this long at most,
plus one timeout.
"""),
    cfg.FloatOpt(
        'retry_interval',
        default=5.0,
        min=0.01,
        help="""
Seconds between two delivery attempts.
"""),
]

# The engine imports this module when it loads the task's entry point at
# start-up, before any of these options is read.
CONF.register_opts(webhook_opts, group=GROUP)

# Answers worth another attempt, besides 5xx; any other refusal of the
# same summary would be repeated.
RETRYABLE_STATUSES = frozenset({408, 429})


def list_opts():
    """The options of this package, for oslo-config-generator."""
    return [(GROUP, webhook_opts)]


def _where(url):
    """The webhook's scheme, host and port: no credentials, path or query."""
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


class PostRecoverySummaryTask(base.HealerTask):
    """POST a JSON summary of the recovery to ``[example_webhook] url``.

    Requires the failed host's name; uses whatever else the flow's store
    holds (instance_list, instance_uuid, process_name, ...), so it fits
    every flow. Provides ``summary_delivered`` for a task after it.
    """

    default_provides = 'summary_delivered'

    def __init__(self, context, resources, name=None, **kwargs):
        super().__init__(context, resources, name=name, **kwargs)
        # The engine builds every configured flow at start-up: a missing
        # URL stops it there rather than at the first recovery.
        if not CONF.example_webhook.url:
            raise exception.ConfigurationError(
                reason=f'[{GROUP}] url is not set; task {self.name} '
                       f'needs it')

    def execute(self, host_name, segment_name=None, reserved_host=None,
                instance_list=None, instance_uuid=None, process_name=None):
        options = CONF.example_webhook
        where = _where(options.url)
        summary = self._summary(host_name, segment_name, reserved_host,
                                instance_list, instance_uuid, process_name)
        self.update_details(
            f"Sending the summary of the {summary['recovery']} recovery "
            f"of host '{host_name}' to {where}", 0.5)
        attempts = itertools.count(1)
        try:
            self.wait_until(
                lambda: self._post(summary, next(attempts)),
                options.retry_for, f'the webhook at {where} to accept it',
                interval=options.retry_interval)
        except exception.RecoveryFailed as exc:
            # Failing here would turn a done recovery into an error and
            # have the engine run it again; the report is what was lost.
            message = f'Recovery summary not delivered: {exc.message}'
            LOG.warning('[%s] %s', self.context.notification_uuid, message)
            self.update_details(message, 1.0)
            return False
        self.update_details(f'Recovery summary delivered to {where}', 1.0)
        return True

    def _summary(self, host_name, segment_name, reserved_host,
                 instance_list, instance_uuid, process_name):
        """What happened, with what Nova shows now."""
        summary = {'notification_uuid': self.context.notification_uuid,
                   'host': host_name}
        if instance_uuid is not None:
            summary['recovery'] = 'instance_failure'
            summary['instance'] = self._instance(instance_uuid)
        elif process_name is not None:
            summary['recovery'] = 'process_failure'
            summary['process_name'] = process_name
            summary['compute_service'] = self._compute_service(host_name)
        else:
            summary['recovery'] = 'host_failure'
            summary['segment'] = segment_name
            summary['reserved_host'] = reserved_host
            summary['instances'] = [self._instance(server_id)
                                    for server_id in instance_list or ()]
        return summary

    def _instance(self, server_id):
        try:
            server = self.nova.get_server(server_id)
        except exception.ComputeError as exc:
            # The summary says what could be learnt; it is no reason to
            # fail a recovery that is done.
            return {'id': server_id, 'error': exc.message}
        return {'id': server.id, 'name': server.name, 'host': server.host,
                'vm_state': server.vm_state}

    def _compute_service(self, host_name):
        try:
            service = self.nova.get_compute_service(host_name)
        except exception.ComputeError as exc:
            return {'error': exc.message}
        return {'status': service.status, 'state': service.state,
                'forced_down': service.forced_down,
                'disabled_reason': service.disabled_reason}

    def _post(self, summary, attempt):
        """One delivery attempt: True once the webhook accepted it.

        The Idempotency-Key header lets the receiver drop a repeat: after an
        engine crash this task runs again and sends the same summary.
        """
        options = CONF.example_webhook
        try:
            response = requests.post(
                options.url, json=summary, timeout=options.timeout,
                headers={'Idempotency-Key': summary['notification_uuid']},
                allow_redirects=False)
        except requests.RequestException as exc:
            # Only the class: requests' messages quote the URL.
            problem = type(exc).__name__
        else:
            status = response.status_code
            if 200 <= status < 300:
                return True
            if status < 500 and status not in RETRYABLE_STATUSES:
                raise exception.RecoveryFailed(
                    reason=f'the webhook refused it with HTTP {status}')
            problem = f'HTTP {status}'
        self.update_details(
            f'Delivery attempt {attempt} of the recovery summary failed: '
            f'{problem}', 0.5)
        return False
