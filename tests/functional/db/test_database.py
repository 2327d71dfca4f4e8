"""The queries, on SQLite, PostgreSQL and MariaDB."""

import datetime
import threading

import pytest
import sqlalchemy as sa

from hahealer import exception
from hahealer.db import api as db_api
from hahealer.db import migration
from hahealer.db import models
from hahealer.db import queue
from hahealer.tasks import base
from tests.functional.db import helpers


def _values(hostname='compute-1', event='STOPPED', **extra):
    return {'type': 'COMPUTE_HOST', 'hostname': hostname,
            'generated_time': datetime.datetime(2026, 11, 21, 3),
            'payload': {'event': event, 'host_status': 'NORMAL'}, **extra}


def _segment_with_hosts(database, *names, method='auto'):
    database.create_segment('rack1', method)
    for name in names:
        database.create_host(name, 'rack1')


def test_schema_check_names_the_command(database_url_factory):
    db = db_api.Database(database_url_factory())
    with pytest.raises(exception.ConfigurationError) as caught:
        migration.check_current(db.engine)
    assert 'hahealer-manage db sync' in caught.value.message
    migration.upgrade(db.engine)
    migration.check_current(db.engine)
    migration.upgrade(db.engine)  # a second sync changes nothing


def test_duplicates_come_back_as_the_first_record(notifying):
    database = notifying
    first, created = database.create_notification(_values(), 60)
    assert created
    again, created = database.create_notification(_values(), 60)
    assert not created
    assert again['notification_uuid'] == first['notification_uuid']
    other, created = database.create_notification(
        _values(event='STARTED'), 60)
    assert created


def test_duplicate_window_ends(notifying):
    database = notifying
    database.create_notification(_values(), 60)
    helpers.expire_duplicate_windows(database)
    _, created = database.create_notification(_values(), 60)
    assert created


def test_same_notification_id_is_stored_once(notifying):
    database = notifying
    uuid = '8e0b6d5a-5f7c-4c61-9a0e-3f8f7c7e2b10'
    first, created = database.create_notification(
        _values(notification_uuid=uuid), 0)
    assert created and first['notification_uuid'] == uuid
    again, created = database.create_notification(
        _values(notification_uuid=uuid), 0)
    assert not created and again == first


def test_a_reused_id_with_other_content_is_refused(notifying):
    database = notifying
    uuid = '8e0b6d5a-5f7c-4c61-9a0e-3f8f7c7e2b10'
    database.create_notification(_values(notification_uuid=uuid), 0)
    with pytest.raises(exception.Conflict) as caught:
        database.create_notification(
            _values(notification_uuid=uuid, payload={'event': 'STARTED'}), 0)
    assert caught.value.message == (
        f'Conflict: notification_uuid {uuid} already names another '
        f'notification')
    assert len(database.list_notifications()) == 1


@pytest.mark.parametrize('with_id', [False, True])
def test_concurrent_duplicates_are_stored_once(notifying, with_id):
    database = notifying
    barrier = threading.Barrier(6)
    answers, errors = [], []

    def send(number):
        values = _values()
        if with_id:
            values['notification_uuid'] = (
                'aaaaaaaa-0000-4000-8000-00000000000' + str(number % 2))
        barrier.wait()
        try:
            answers.append(database.create_notification(values, 180))
        except exception.HahealerException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(database.list_notifications()) == 1
    assert sum(created for _, created in answers) == 1
    assert len({record['notification_uuid'] for record, _ in answers}) == 1


def test_claims_are_exclusive_under_contention(notifying):
    database = notifying
    record, _ = database.create_notification(_values(), 0)
    uuid = record['notification_uuid']
    winners = []
    barrier = threading.Barrier(8)

    def claim(owner):
        barrier.wait()
        if database.claim_notification(uuid, owner, 60):
            winners.append(owner)

    threads = [threading.Thread(target=claim, args=(f'engine-{n}',))
               for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(winners) == 1
    stored = database.get_notification(uuid)
    assert stored['status'] == 'running'
    assert stored['owner'] == winners[0]
    assert stored['attempts'] == 1


def test_expired_lease_is_taken_over_once(notifying):
    database = notifying
    record, _ = database.create_notification(_values(), 0)
    uuid = record['notification_uuid']
    assert database.claim_notification(uuid, 'dead-engine', 60)
    assert database.expired_leases() == []
    assert database.take_over_notification(uuid, 'other', 60, 3) is None
    with database.session() as session:
        session.execute(sa.update(models.Notification).values(
            lease_expires_at=models.utcnow() - datetime.timedelta(1)))
    assert database.expired_leases() == [uuid]
    assert database.take_over_notification(uuid, 'other', 60, 3) == (
        queue.Takeover(2))
    assert database.take_over_notification(uuid, 'third', 60, 3) is None
    stored = database.get_notification(uuid)
    assert (stored['owner'], stored['generation'],
            stored['takeovers']) == ('other', 2, 1)
    # The stale owner's renewal and finish match nothing.
    assert not database.renew_lease(uuid, 'dead-engine', 1, 60)
    assert not database.finish_notification(uuid, 'dead-engine', 1,
                                            'finished')
    assert not database.finish_notification(uuid, 'other', 1, 'finished')
    assert database.finish_notification(uuid, 'other', 2, 'finished')
    assert database.get_notification(uuid)['status'] == 'finished'


def _expire(database):
    with database.session() as session:
        session.execute(sa.update(models.Notification).values(
            lease_expires_at=models.utcnow() - datetime.timedelta(1)))


def test_takeovers_are_bounded(notifying):
    database = notifying
    record, _ = database.create_notification(_values(), 0)
    uuid = record['notification_uuid']
    database.claim_notification(uuid, 'engine-0', 60)
    for number in (1, 2):
        _expire(database)
        taken = database.take_over_notification(uuid, f'engine-{number}',
                                                60, 2)
        assert taken.exhausted is None
    _expire(database)
    # Past the bound the row is still taken, to clean up and end it.
    taken = database.take_over_notification(uuid, 'engine-3', 60, 2)
    assert taken.generation == 4
    assert taken.exhausted.startswith('given up after 2 takeovers')
    assert 'engine-2' in taken.exhausted
    assert database.get_notification(uuid)['owner'] == 'engine-3'


def test_a_takeover_waits_for_the_last_owner_s_requests_to_settle(
        notifying):
    database = notifying
    record, _ = database.create_notification(_values(), 0)
    uuid = record['notification_uuid']
    database.claim_notification(uuid, 'gone', 60)
    with database.session() as session:
        session.execute(sa.update(models.Notification).values(
            lease_expires_at=models.utcnow() - datetime.timedelta(
                seconds=5)))
    assert database.take_over_notification(uuid, 'next', 60, 3, 30) is None
    assert database.take_over_notification(uuid, 'next', 60, 3, 1) is not None


def test_abandoned_running_rows_end_failed(notifying):
    database = notifying
    record, _ = database.create_notification(_values(), 0)
    uuid = record['notification_uuid']
    database.claim_notification(uuid, 'gone', 60)
    assert database.fail_abandoned(3600) == []
    _expire(database)
    assert database.fail_abandoned(3600) == [uuid]
    stored = database.get_notification(uuid)
    assert stored['status'] == 'failed' and 'gone' in stored['reason']


def test_release_makes_it_resumable_at_once(notifying):
    database = notifying
    record, _ = database.create_notification(_values(), 0)
    uuid = record['notification_uuid']
    generation = database.claim_notification(uuid, 'stopping', 60)
    assert database.release_notification(uuid, 'stopping', generation)
    assert database.expired_leases() == [uuid]
    # A hand-over is not counted against the takeover bound.
    assert database.take_over_notification(uuid, 'next', 60, 0) is not None
    assert database.get_notification(uuid)['takeovers'] == 0


def test_error_is_retried_once_then_fails(notifying):
    database = notifying
    record, _ = database.create_notification(_values(), 0)
    uuid = record['notification_uuid']
    generation = database.claim_notification(uuid, 'e', 60)
    database.finish_notification(uuid, 'e', generation, 'error',
                                 'Nova said no')
    assert database.fail_exhausted_errors(2) == 0
    assert database.requeue_errors(2) == [uuid]
    generation = database.claim_notification(uuid, 'e', 60)
    database.finish_notification(uuid, 'e', generation, 'error',
                                 'Nova said no again')
    assert database.requeue_errors(2) == []
    assert database.fail_exhausted_errors(2) == 1
    assert database.get_notification(uuid)['status'] == 'failed'


def test_held_errors_wait_for_an_operator(notifying):
    database = notifying
    record, _ = database.create_notification(_values(), 0)
    uuid = record['notification_uuid']
    generation = database.claim_notification(uuid, 'e', 60)
    database.finish_notification(uuid, 'e', generation, 'error',
                                 'storm protection', held=True)
    assert database.requeue_errors(2) == []
    assert database.fail_exhausted_errors(2) == 0
    with pytest.raises(exception.Conflict) as caught:
        database.retry_notification(uuid)
    assert '--force' in caught.value.message
    released = database.retry_notification(uuid, force=True)
    assert released['status'] == 'new' and not released['held']
    assert not database.storm_decision_needed(uuid)


def test_only_error_and_failed_can_be_retried(notifying):
    database = notifying
    record, _ = database.create_notification(_values(), 0)
    with pytest.raises(exception.Conflict) as caught:
        database.retry_notification(record['notification_uuid'])
    assert 'is new' in caught.value.message


def test_old_open_notifications_expire(notifying):
    database = notifying
    record, _ = database.create_notification(_values(), 0)
    with database.session() as session:
        session.execute(sa.update(models.Notification).values(
            created_at=models.utcnow() - datetime.timedelta(hours=2)))
    assert database.expire_notifications(3600) == [
        record['notification_uuid']]
    stored = database.get_notification(record['notification_uuid'])
    assert stored['status'] == 'failed'
    assert stored['reason'].startswith('expired: still new')


def test_listing_filters_and_pages(notifying):
    database = notifying
    for index in range(5):
        database.create_notification(_values(hostname=f'compute-{index}'), 0)
    database.create_notification(
        {**_values(), 'type': 'PROCESS',
         'payload': {'event': 'STOPPED', 'process_name': 'x'}}, 0)
    assert len(database.list_notifications(type='COMPUTE_HOST')) == 5
    assert [n['hostname'] for n in database.list_notifications(
        hostname='compute-3')] == ['compute-3']
    first = database.list_notifications(limit=4)
    second = database.list_notifications(
        limit=4, marker=first[-1]['notification_uuid'])
    assert len(first) == 4 and len(second) == 2
    assert not {n['notification_uuid'] for n in first} & {
        n['notification_uuid'] for n in second}


def test_workflow_details_keep_execution_order(notifying):
    database = notifying
    record, _ = database.create_notification(_values(), 0)
    uuid = record['notification_uuid']
    # A host recovery may run the same task in two flows (auto_priority).
    for flow, name in (('auto', 'first'), ('auto', 'second'),
                       ('reserved', 'first')):
        database.record_task_state(uuid, flow, name, 'RUNNING')
        database.record_progress(uuid, flow, name, base.ProgressEntry(
            base.now_iso(), 0.0, f'{flow} {name} starts'))
        database.record_progress(uuid, flow, name, base.ProgressEntry(
            base.now_iso(), 1.0, f'{flow} {name} done'))
        database.record_task_state(uuid, flow, name, 'SUCCESS')
    details = database.workflow_details(uuid)
    assert [(t['flow'], t['name'], t['state']) for t in details] == [
        ('auto', 'first', 'SUCCESS'), ('auto', 'second', 'SUCCESS'),
        ('reserved', 'first', 'SUCCESS')]
    assert [e['message'] for e in details[2]['progress_details']] == [
        'reserved first starts', 'reserved first done']
    stamps = [e['timestamp'] for task in details
              for e in task['progress_details']]
    assert stamps == sorted(stamps)


def test_host_secrets_are_masked(database):
    database.create_segment('rack1', 'auto')
    shown = database.create_host(
        'host1', 'rack1', fencing_driver='ipmi',
        fencing_params={'address': '10.0.0.1', 'password': 's3cret'},
        mask=lambda driver, params: {
            key: '***' if key == 'password' else value
            for key, value in params.items()})
    assert shown['fencing_params'] == {'address': '10.0.0.1',
                                       'password': '***'}
    assert database.get_host('host1').fencing_params['password'] == 's3cret'
    assert database.show_host('host1')['fencing_params'] == {
        'address': '***', 'password': '***'}, 'masked unless told otherwise'


def test_notifications_need_a_known_host(database):
    with pytest.raises(exception.NotFound) as caught:
        database.create_notification(_values(hostname='stranger'), 0)
    assert 'stranger' in caught.value.message
    assert database.list_notifications() == []


def test_segment_rules(database):
    with pytest.raises(exception.Invalid) as caught:
        database.create_segment('rack1', 'sideways')
    assert "'sideways' is not one of auto, reserved_host" in (
        caught.value.message)
    _segment_with_hosts(database, 'host1')
    with pytest.raises(exception.Conflict):
        database.create_segment('rack1', 'auto')
    with pytest.raises(exception.Conflict) as caught:
        database.delete_segment('rack1')
    assert 'still has hosts: host1' in caught.value.message
    with pytest.raises(exception.NotFound):
        database.get_segment('rack9')


def test_host_recovery_starts_once(database):
    _segment_with_hosts(database, 'host1')
    database.update_host('host1', reserved=True)
    assert database.start_host_recovery('host1', 'n-1')
    assert database.start_host_recovery('host1', 'n-1'), 'resume is fine'
    assert not database.start_host_recovery('host1', 'n-2')
    host = database.get_host('host1')
    assert host.on_maintenance and not host.reserved


def test_reserved_hosts_are_claimed_once(database):
    _segment_with_hosts(database, 'host1', 'spare1', 'spare2')
    database.update_host('spare1', reserved=True)
    database.update_host('spare2', reserved=True, on_maintenance=True)
    assert database.reserved_hosts('rack1', exclude=['host1']) == ['spare1']
    assert database.claim_reserved_host('spare1', 'n-1')
    assert database.claim_reserved_host('spare1', 'n-1'), 'resume is fine'
    assert not database.claim_reserved_host('spare1', 'n-2')
    assert not database.claim_reserved_host('spare2', 'n-2')
    assert database.reserved_hosts('rack1') == []
