"""Preflight: contact everything the engine needs and say what to do.

Each check returns Results (OK, WARN or FAIL with what to do).
``hahealer-status`` prints them; the engine uses ``check_nova`` to say
whether Nova can be reached. Checks only read: a BMC is asked for its
power state, never told to act.
"""

import dataclasses
import os

import kombu
import oslo_messaging as messaging
import sqlalchemy as sa
from alembic import migration as alembic_migration
from alembic import script as alembic_script
from oslo_config import cfg
from taskflow.persistence.backends.sqlalchemy import migration as tf_migration
from tooz import coordination as tooz_coordination

from hahealer import exception
from hahealer import fencing
from hahealer import rpc
from hahealer.compute import nova
from hahealer.conf import audit
from hahealer.db import api as db_api
from hahealer.db import migration
from hahealer.engine import coordination

OK, WARN, FAIL = 'OK', 'WARN', 'FAIL'
_BROKER_TIMEOUT = 5


@dataclasses.dataclass(frozen=True)
class Result:
    check: str
    status: str
    details: str


def check_configuration(conf):
    bad = audit.bad_values(conf)
    if bad:
        return [Result('configuration', FAIL, line) for line in bad]
    findings = audit.audit(conf)
    results = [Result('configuration', FAIL, line)
               for line in findings.errors]
    results += [Result('configuration', WARN, line)
                for line in findings.warnings]
    return results or [Result('configuration', OK,
                              'every option is known and valid')]


def nova_api(conf):
    """The compute client of ``conf``, or a FAIL Result saying why not."""
    try:
        return nova.NovaAPI.from_conf(conf)
    except (ValueError, cfg.Error):
        return Result('nova', FAIL, 'an option of [nova] has a value that '
                                    'is not valid (see "configuration")')
    except Exception as exc:  # noqa: BLE001 - keystoneauth loading errors
        return Result('nova', FAIL, f'{type(exc).__name__}: {exc}. Check '
                                    f'the auth options in [nova]')


def check_nova(conf, api):
    """Authentication, endpoint and microversion range, in one Result."""
    if isinstance(api, Result):
        return api
    group = conf.nova
    accepted = (f'hahealer accepts microversions '
                f'{group.min_api_microversion} to '
                f'{group.max_api_microversion}')
    try:
        version = api.api_version
    except exception.ComputeError as exc:
        return Result('nova', FAIL, f'{exc.message}; {_nova_advice(exc)}')
    return Result('nova', OK, f'Nova answers with microversion '
                              f'{version.get_string()} ({accepted})')


def _nova_advice(exc):
    text = exc.message.lower()
    if '401' in text or 'unauthorized' in text or 'authenticat' in text:
        return ('Nova (or keystone) refused the credentials: check '
                'username, password, project and domains in [nova]')
    if 'microversion' in text:
        return ('set [nova] min_api_microversion and max_api_microversion '
                'to a range this Nova supports')
    if isinstance(exc, exception.ComputeUnavailable):
        return ('check [nova] auth_url or endpoint_override, '
                'region_name and interface, and that Nova runs')
    return 'check the [nova] section'


def check_broker(conf):
    """Log in to each broker of transport_url (RabbitMQ)."""
    # Making a transport registers transport_url; it connects on use only.
    rpc.get_transport(conf).cleanup()
    url = messaging.TransportURL.parse(conf, conf.transport_url)
    if url.transport not in ('rabbit', None):
        return [Result('broker', WARN, f'transport {url.transport} is not '
                                       f'checked; only rabbit is')]
    results = []
    for host in url.hosts or [messaging.TransportHost()]:
        where = (f'{host.hostname or "localhost"}:{host.port or 5672} '
                 f'(user {host.username or "guest"})')
        connection = kombu.Connection(
            hostname=host.hostname or 'localhost', port=host.port or 5672,
            userid=host.username or 'guest',
            password=host.password or 'guest',
            virtual_host=url.virtual_host or '/',
            connect_timeout=_BROKER_TIMEOUT)
        try:
            connection.connect()
            results.append(Result('broker', OK, f'logged in to {where}'))
        except Exception as exc:  # noqa: BLE001 - each is explained
            results.append(Result('broker', FAIL, _broker_advice(where,
                                                                 exc)))
        finally:
            connection.release()
    return results


def _broker_advice(where, exc):
    text = str(exc)
    if 'ACCESS_REFUSED' in text:
        return (f'{where} refused the login: check the user and password '
                f'in transport_url')
    if 'NOT_ALLOWED' in text or 'vhost' in text.lower():
        return f'{where} refused the virtual host: {text.splitlines()[0]}'
    return (f'cannot reach {where}: {type(exc).__name__}: '
            f'{text.splitlines()[0] if text else ""}; check transport_url '
            f'and that the broker runs')


def check_databases(conf):
    results = []
    database = db_api.Database(conf.database.connection)
    try:
        migration.check_current(database.engine)
        results.append(Result('database', OK, f'schema at revision '
                                              f'{migration.head_revision()}'))
    except exception.ConfigurationError as exc:
        results.append(Result('database', FAIL, exc.kwargs['reason']))
    except sa.exc.SQLAlchemyError as exc:
        results.append(Result('database', FAIL, _db_failure(exc)))
    finally:
        database.dispose()
    results.append(_check_taskflow(conf.taskflow.connection))
    return results


def _db_failure(exc):
    orig = getattr(exc, 'orig', None) or exc
    return (f'cannot read the database: {str(orig).strip().splitlines()[0]}'
            f'; check the connection URL')


def _check_taskflow(url):
    db_api.ensure_sqlite_directory(url)
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == 'sqlite':
                # taskflow makes SQLite schemas without alembic.
                ready = sa.inspect(connection).has_table('logbooks')
                head = 'its tables (SQLite)'
                current = head if ready else None
            else:
                current = alembic_migration.MigrationContext.configure(
                    connection).get_current_revision()
                head = alembic_script.ScriptDirectory(os.path.join(
                    os.path.dirname(tf_migration.__file__),
                    'alembic')).get_current_head()
    except sa.exc.SQLAlchemyError as exc:
        return Result('taskflow database', FAIL, _db_failure(exc))
    finally:
        engine.dispose()
    if current != head:
        return Result('taskflow database', FAIL,
                      f'taskflow schema at {current or "nothing"}, not '
                      f'{head}: run "hahealer-manage db sync"')
    return Result('taskflow database', OK, f'taskflow schema at {head}')


def check_locks(conf):
    url = conf.coordination.backend_url
    shown = coordination.redacted(url)
    try:
        if url.startswith('file://'):
            os.makedirs(url[len('file://'):], exist_ok=True)
        coordinator = tooz_coordination.get_coordinator(
            url, b'hahealer-status')
        coordinator.start()
        coordinator.stop()
    except Exception as exc:  # noqa: BLE001 - tooz raises many kinds
        return Result('locks', FAIL, f'cannot use the lock backend '
                                     f'{shown}: {type(exc).__name__}: {exc}'
                                     f'; check [coordination] backend_url')
    return Result('locks', OK, f'lock backend {shown} answers')


def check_hosts(conf, api=None):
    """Each host: known to Nova (unless ``api`` is None: Nova failed its
    own check), and its BMC's power state read."""
    database = db_api.Database(conf.database.connection)
    try:
        hosts = database.list_hosts()
        if not hosts:
            return [Result('hosts', WARN, 'no hosts yet: add them with '
                                          '"hahealer host create"')]
        results = []
        for host in hosts:
            if api is not None:
                results.append(_host_in_nova(api, host['name']))
            results.append(_bmc(conf, database, host))
        return results
    except sa.exc.SQLAlchemyError as exc:
        return [Result('hosts', FAIL, _db_failure(exc))]
    finally:
        database.dispose()


def _host_in_nova(api, name):
    check = f'host {name} in Nova'
    try:
        service = api.get_compute_service(name)
    except exception.ComputeNotFound:
        return Result(check, FAIL, f'Nova has no nova-compute service on '
                                   f'host {name}: rename the host to the '
                                   f'name Nova uses ("hahealer host update '
                                   f'{name} --name ...")')
    except exception.ComputeError as exc:
        return Result(check, FAIL, exc.message)
    state = f'nova-compute is {service.state} and {service.status}'
    if service.state != 'up' or service.disabled:
        return Result(check, WARN, f'{state}: its failure is already '
                                   f'known to Nova, or it takes no work')
    return Result(check, OK, state)


def _bmc(conf, database, host):
    check = f'host {host["name"]} BMC'
    if not host['fencing_driver']:
        level = conf.host_failure.quick_evacuate_level
        status = FAIL if level == 2 else WARN
        return Result(check, status, 'no fencing driver: the host is '
                                     'never powered off before its '
                                     'instances are rebuilt')
    row = database.get_host(host['name'])
    try:
        driver = fencing.load_driver(row.fencing_driver, row.name,
                                     row.fencing_params,
                                     conf.fencing.request_timeout)
        state = driver.get_power_state()
    except exception.HahealerException as exc:
        return Result(check, FAIL, f'{exc.message}; check the host\'s '
                                   f'fencing parameters')
    if not driver.fences:
        return Result(check, WARN, f'driver {row.fencing_driver} powers '
                                   f'nothing off')
    if state != fencing.POWER_ON:
        return Result(check, WARN, f'the BMC reports power {state}')
    return Result(check, OK, f'{row.fencing_driver}: power {state}')


def upgrade_checks(conf):
    """What an upgrade needs: a known configuration, schemas at head."""
    return check_configuration(conf) + check_databases(conf)


def all_checks(conf):
    """Everything, contacting every service."""
    api = nova_api(conf)
    nova_result = check_nova(conf, api)
    results = upgrade_checks(conf) + [nova_result]
    results += check_broker(conf) + [check_locks(conf)]
    return results + check_hosts(conf, api if nova_result.status == OK
                                 else None)
