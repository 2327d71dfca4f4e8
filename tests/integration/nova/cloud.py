"""A small Nova deployment in one process, built from Nova's own fixtures.

Nova's functional-test machinery (shipped in the ``nova`` package) starts
the real API application, conductor, scheduler and nova-compute services
with the fake virt driver, Placement in-process, in-memory SQLite
databases and the in-process ``fake:`` message bus. This module drives it
outside a test runner and exposes what the harness needs: the compute API
WSGI application and a way to stop and restart a host's nova-compute.

Import it only after ``nova.monkey_patch`` has been told which concurrency
mode to use (server.py does this through the environment).
"""

import collections
import contextlib
import logging
import sys
import threading
import warnings
from unittest import mock

import fixtures
import webob.dec
import webob.exc
from nova.tests.functional import integrated_helpers

LOG = logging.getLogger(__name__)

ADMIN_PROJECT = "admin"
ADMIN_USER = "admin"
MEMBER_TOKEN_PREFIX = "member:"
# Identity headers that keystonemiddleware's auth_token sets; like it, the
# middleware drops any a client sent, so a client cannot forge them.
IDENTITY_HEADERS = (
    "X-Identity-Status",
    "X-Domain-Id",
    "X-Domain-Name",
    "X-Project-Id",
    "X-Project-Name",
    "X-Project-Domain-Id",
    "X-Project-Domain-Name",
    "X-User-Id",
    "X-User-Name",
    "X-User-Domain-Id",
    "X-User-Domain-Name",
    "X-Roles",
    "X-Is-Admin-Project",
    "X-Service-Catalog",
    "X-Service-Identity-Status",
    "X-Service-Roles",
)


class IdentityMiddleware:
    """Stands in for keystonemiddleware's auth_token in the API pipeline.

    Every request is authenticated. The token decides who is calling: a
    token ``member:NAME`` is a user with the member and reader roles in
    project NAME; any other token, or none, is the cloud administrator.
    """

    def __init__(self, app):
        self.app = app

    @classmethod
    def filter_factory(cls, global_conf, **local_conf):
        return cls

    @webob.dec.wsgify
    def __call__(self, req):
        for header in IDENTITY_HEADERS:
            req.headers.pop(header, None)
        token = req.headers.get("X-Auth-Token", "")
        if token.startswith(MEMBER_TOKEN_PREFIX):
            project = token[len(MEMBER_TOKEN_PREFIX) :]
            if not project:
                return webob.exc.HTTPUnauthorized(
                    explanation="member token without a project name"
                )
            user, roles, admin_project = f"{project}-member", "member", False
        else:
            project, user = ADMIN_PROJECT, ADMIN_USER
            roles, admin_project = "admin,member", True
        req.headers.update(
            {
                "X-Identity-Status": "Confirmed",
                "X-User-Id": user,
                "X-User-Name": user,
                "X-User-Domain-Id": "default",
                "X-User-Domain-Name": "Default",
                "X-Project-Id": project,
                "X-Project-Name": project,
                "X-Project-Domain-Id": "default",
                "X-Project-Domain-Name": "Default",
                "X-Roles": roles + ",reader",
                "X-Is-Admin-Project": str(admin_project),
            }
        )
        return req.get_response(self.app)


class ReaderPreferringLock:
    """A read/write lock whose readers never queue behind a waiting writer.

    Nova's cell database fixture keeps one process-wide "current cell": a
    thread working in a cell holds a read lock, and switching cells takes
    the write lock. Its stock lock makes new readers wait for a waiting
    writer, so a burst of API calls deadlocks: a thread inside a database
    transaction waits for a read lock behind a writer, the writer waits
    for a reader, and that reader waits for the transaction's database
    lock. Writers here only switch the pointer and never block while
    holding the lock, so letting readers pass them cannot deadlock.
    """

    def __init__(self):
        self._cond = threading.Condition()
        self._readers = collections.Counter()
        self._writer = None

    @contextlib.contextmanager
    def read_lock(self):
        me = threading.get_ident()
        with self._cond:
            while self._writer not in (None, me):
                self._cond.wait()
            self._readers[me] += 1
        try:
            yield self
        finally:
            with self._cond:
                self._readers[me] -= 1
                if not self._readers[me]:
                    del self._readers[me]
                self._cond.notify_all()

    @contextlib.contextmanager
    def write_lock(self):
        me = threading.get_ident()
        with self._cond:
            if me in self._readers:
                raise RuntimeError("a reader cannot take the write lock")
            while self._writer is not None or self._readers:
                self._cond.wait()
            self._writer = me
        try:
            yield self
        finally:
            with self._cond:
                self._writer = None
                self._cond.notify_all()


class _Deployment(integrated_helpers._IntegratedTestBase):
    """Nova's integrated test base, set up once and never "run".

    The test base class wires every fixture a full deployment needs;
    setUp() builds it and doCleanups() tears it down.
    """

    # Casts stay asynchronous, as over a real message bus.
    CAST_AS_CALL = False
    # The auth_token filter is replaced by IdentityMiddleware instead.
    STUB_KEYSTONE = False

    def __init__(self, options):
        super().__init__("runTest")
        self.options = options

    def runTest(self):
        """Required by the test case machinery; never called."""

    def _setup_compute_service(self):
        """Computes are started per host in _setup_services()."""

    def _setup_services(self):
        opts = self.options
        # The wheel installs the paste file under sys.prefix, where Nova's
        # default (relative to the source tree) does not find it.
        self.flags(
            api_paste_config=f"{sys.prefix}/etc/nova/api-paste.ini",
            group="wsgi",
        )
        self.flags(
            # FakeDriver reports room for hundreds of small servers per
            # host, so a burst of evacuations fits on the survivors.
            compute_driver="fake.FakeDriver",
            service_down_time=opts.service_down_time,
            report_interval=opts.report_interval,
            rpc_response_timeout=opts.rpc_timeout,
            # Calls to a compute wait long_rpc_timeout (30 min) unless a
            # call monitor ends them sooner. RabbitMQ's does after
            # rpc_response_timeout; the fake bus has none, so cap both.
            long_rpc_timeout=opts.rpc_timeout,
        )
        # Tests boot dozens of servers in one project.
        self.flags(instances=-1, cores=-1, ram=-1, group="quota")
        self.useFixture(
            fixtures.MonkeyPatch(
                "keystonemiddleware.auth_token.filter_factory",
                IdentityMiddleware.filter_factory,
            )
        )
        super()._setup_services()
        for host in opts.hosts:
            self._start_compute(host)


class Cloud:
    """The running deployment: API application and compute hosts."""

    def __init__(self, options):
        self._deployment = _Deployment(options)
        self._hosts = list(options.hosts)
        self._dead = set()
        self._lock = threading.Lock()

    def start(self):
        filters = warnings.filters[:]
        with mock.patch(
            "nova.tests.fixtures.nova.ReaderWriterLock", ReaderPreferringLock
        ):
            self._deployment.setUp()
        # The test base turns some library warnings into errors; a long
        # running service must not die of a deprecation notice.
        warnings.filters[:] = filters

    @property
    def app(self):
        """The compute API WSGI application (paste's osapi_compute)."""
        return self._deployment.api_fixture.app()

    def hosts(self):
        with self._lock:
            return [
                {"name": name, "alive": name not in self._dead}
                for name in self._hosts
            ]

    def kill_host(self, name):
        """Stop the host's nova-compute: no heartbeat, no RPC server."""
        with self._lock:
            self._check_host(name)
            if name in self._dead:
                return
            self._deployment.computes[name].stop()
            self._dead.add(name)
        LOG.info("nova-compute on %s stopped", name)

    def revive_host(self, name):
        """Start a new nova-compute for the host, as after a reboot.

        The new service keeps the old fake hypervisor, so it still finds
        the guests it had; its start-up removes those evacuated meanwhile.
        """
        with self._lock:
            self._check_host(name)
            if name not in self._dead:
                return
            deployment = self._deployment
            driver = deployment.computes[name].manager.driver
            with mock.patch(
                "nova.virt.driver.load_compute_driver", return_value=driver
            ):
                deployment._start_compute(name)
            self._dead.discard(name)
        LOG.info("nova-compute on %s started again", name)

    def stop(self):
        # Stopped services are not stopped twice by the cleanups.
        with self._lock:
            for name in self._dead:
                self._deployment.computes.pop(name)
        self._deployment.doCleanups()

    def _check_host(self, name):
        if name not in self._hosts:
            raise KeyError(name)
