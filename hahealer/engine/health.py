"""Whether the engine can do its work: Nova answering.

The engine starts even when Nova cannot be reached or refuses its
credentials (Nova may come back; notifications must still be taken in).
While it cannot be used, this says so in the log once a minute, and the
health endpoint beside the metrics answers 503. Host recoveries do not
fence meanwhile: the fencing task asks Nova before any power-off.
"""

import logging
import threading

from hahealer import exception

LOG = logging.getLogger(__name__)


class NovaHealth:
    """Probes Nova at start and every ``interval`` seconds."""

    def __init__(self, nova, stopping, interval=60.0):
        self._nova = nova
        self._stopping = stopping
        self._interval = interval
        self._lock = threading.Lock()
        self._problem = 'not checked yet'

    def start(self):
        thread = threading.Thread(target=self._run, name='hahealer-health',
                                  daemon=True)
        thread.start()
        return thread

    def _run(self):
        while True:
            self.check()
            if self._stopping.wait(self._interval):
                return

    def check(self):
        """Ask Nova now; log a change, and every problem."""
        try:
            version = self._nova.probe()
        except exception.ComputeError as exc:
            problem = exc.message
        else:
            problem = None
        with self._lock:
            was, self._problem = self._problem, problem
        if problem is not None:
            LOG.error('Unhealthy: Nova cannot be used (%s). Notifications '
                      'are taken in, but recoveries fail and hosts are '
                      'not fenced until it can; checked again in %g s',
                      problem, self._interval)
        elif was is not None:
            LOG.info('Healthy: Nova answers with microversion %s',
                     version.get_string())

    def state(self):
        """(healthy, a document for the health endpoint)."""
        with self._lock:
            problem = self._problem
        return problem is None, {
            'status': 'ok' if problem is None else 'unhealthy',
            'nova': problem or 'ok'}
