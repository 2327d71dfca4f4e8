"""Locks shared by every engine, through tooz.

One lock per failed host serialises the notifications of that host; one
lock guards the choice of reserved hosts. With a networked backend
(redis, etcd, ...) engines on several machines share them.
"""

import contextlib
import logging
import os

from oslo_utils import netutils
from tooz import coordination

from hahealer import exception

LOG = logging.getLogger(__name__)


def redacted(url):
    """The backend URL without its password, for log lines and errors."""
    parsed = netutils.urlsplit(url)
    if parsed.password:
        netloc = parsed.netloc.replace(f':{parsed.password}@', ':***@')
        return parsed._replace(netloc=netloc).geturl()
    return url


def check_shared(backend_url, networked_database):
    """Refuse locks that only this machine sees when engines on other
    machines may share the database."""
    if networked_database and backend_url.startswith('file://'):
        raise exception.ConfigurationError(
            reason='[coordination] backend_url is a file:// lock directory, '
                   'which locks one machine only, but [database] connection '
                   'is a networked database that engines on other machines '
                   'may share; set backend_url to a shared backend such as '
                   'redis://, etcd3+http:// or zookeeper://')


class Coordinator:
    def __init__(self, backend_url, member_id, lock_timeout):
        self._backend_url = backend_url
        self._member_id = member_id.encode()
        self._lock_timeout = lock_timeout
        self._coordinator = None

    def start(self):
        if self._backend_url.startswith('file://'):
            os.makedirs(self._backend_url[len('file://'):], exist_ok=True)
        self._coordinator = coordination.get_coordinator(
            self._backend_url, self._member_id)
        # The heartbeat keeps locks of networked backends alive.
        self._coordinator.start(start_heart=True)
        LOG.info('Shared locks through %s', redacted(self._backend_url))

    def stop(self):
        if self._coordinator is not None:
            self._coordinator.stop()
            self._coordinator = None

    @contextlib.contextmanager
    def lock(self, name, timeout=None):
        """Hold the shared lock ``name``; give up after ``timeout`` s."""
        timeout = self._lock_timeout if timeout is None else timeout
        lock = self._coordinator.get_lock(name.encode())
        if not lock.acquire(blocking=timeout):
            raise exception.RecoveryFailed(
                reason=f'could not get the shared lock {name} within '
                       f'{timeout:g} s; another engine holds it')
        try:
            yield
        finally:
            lock.release()
