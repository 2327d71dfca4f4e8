"""hahealer-api in this process with noauth, on a real database; Nova is
a fake that knows a fixed set of compute hosts. And hahealer-api with
Keystone and the Nova emulator as subprocesses, started once for every
module here that asks for it."""

import json

import pytest
import webob

from hahealer import exception
from hahealer.api import app as api_app
from hahealer.conf import CONF
from hahealer.db import api as db_api
from hahealer.db import migration
from tests.functional.api import openstack_stack

COMPUTE_HOSTS = ('compute-1', 'compute-2', 'compute-3')
ADMIN = 'admin,member,reader'


class FakeNova:
    def get_compute_service(self, host):
        if host not in COMPUTE_HOSTS:
            raise exception.ComputeNotFound(
                action='nova-compute service',
                reason=f'no nova-compute service is registered for host '
                       f'{host}')
        return object()


class Client:
    def __init__(self, app):
        self._app = app

    def request(self, method, path, body=None, version=None, roles=ADMIN,
                project='0123456789abcdef0123456789abcdef'):
        request = webob.Request.blank(path, method=method)
        request.headers['X-Roles'] = roles
        request.headers['X-Project-Id'] = project
        if version:
            request.headers['OpenStack-API-Version'] = f'instance-ha {version}'
        if body is not None:
            request.body = json.dumps(body).encode()
            request.content_type = 'application/json'
        response = request.get_response(self._app)
        return response.status_int, (json.loads(response.body)
                                     if response.body else None), response

    def get(self, path, **kwargs):
        return self.request('GET', path, **kwargs)

    def post(self, path, body, **kwargs):
        return self.request('POST', path, body, **kwargs)

    def put(self, path, body, **kwargs):
        return self.request('PUT', path, body, **kwargs)

    def delete(self, path, **kwargs):
        return self.request('DELETE', path, **kwargs)


@pytest.fixture(params=['sqlite', 'postgresql'])
def api(request, conf, database_url_factory):
    """(client, database) of an API with noauth over a fresh database."""
    conf.override(group='api', auth_strategy='noauth')
    database = db_api.Database(database_url_factory(request.param))
    migration.upgrade(database.engine)
    app = api_app.Application(CONF, database, nova_api=FakeNova())
    yield Client(app), database
    database.dispose()


@pytest.fixture(scope='package')
def stack(tmp_path_factory):
    """An openstack_stack.Stack; tests share it, each on its own hosts."""
    with openstack_stack.running(
            tmp_path_factory.mktemp('keystone-api')) as started:
        yield started
