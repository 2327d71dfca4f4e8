"""Group commit of notifications, on SQLite, PostgreSQL and MariaDB."""

import datetime
import threading

from hahealer import exception
from hahealer.db import api as db_api
from hahealer.db import group_commit
from hahealer.db import models
from tests.functional.db import helpers

ID = 'aaaaaaaa-0000-4000-8000-000000000001'
OTHER_ID = 'aaaaaaaa-0000-4000-8000-000000000002'


def _values(hostname='compute-1', process='nova-compute', **extra):
    return {'type': 'PROCESS', 'hostname': hostname,
            'generated_time': datetime.datetime(2026, 11, 21, 3),
            'payload': {'event': 'STOPPED', 'process_name': process},
            **extra}


def _stored(database):
    return sorted((record['hostname'], record['payload']['process_name'])
                  for record in database.list_notifications())


def test_each_notification_of_a_batch_is_judged_alone(notifying):
    database = notifying
    earlier, _ = database.create_notification(
        _values(process='libvirtd', notification_uuid=OTHER_ID), 60)
    answers = database.store_notifications([
        (_values(), 60),                                    # 0 new
        (_values(), 60),                                    # 1 dup of 0
        (_values(process='sshd', notification_uuid=ID), 60),  # 2 new, id
        (_values(process='sshd', notification_uuid=ID), 60),  # 3 dup of 2
        (_values(process='ovs', notification_uuid=ID), 60),   # 4 id reused
        (_values(hostname='nowhere'), 60),                  # 5 no host
        (_values(process='ovs', notification_uuid=OTHER_ID), 60),  # 6 reused
        (_values(process='libvirtd', notification_uuid=OTHER_ID), 60),  # 7
        (_values(hostname='compute-2'), 60),                # 8 new
    ])
    (first, created0), (dup, created1) = answers[0], answers[1]
    assert created0 and not created1
    assert dup == first
    assert answers[2][1] and answers[2][0]['notification_uuid'] == ID
    assert answers[3] == (answers[2][0], False)
    assert isinstance(answers[4], exception.Conflict)
    assert answers[4].message == (
        f'Conflict: notification_uuid {ID} already names another '
        f'notification')
    assert isinstance(answers[5], exception.NotFound)
    assert 'nowhere' in answers[5].message
    assert isinstance(answers[6], exception.Conflict)
    assert answers[7] == (earlier, False)
    assert answers[8][1] and answers[8][0]['hostname'] == 'compute-2'
    assert _stored(database) == [('compute-1', 'libvirtd'),
                                 ('compute-1', 'nova-compute'),
                                 ('compute-1', 'sshd'),
                                 ('compute-2', 'nova-compute')]
    assert all(database.get_notification(uuid) for uuid in (
        first['notification_uuid'], ID, answers[8][0]['notification_uuid']))


def test_a_batch_takes_over_an_expired_key_once(notifying):
    database = notifying
    old, _ = database.create_notification(_values(), 60)
    helpers.expire_duplicate_windows(database)
    (new, created), (again, created_again) = database.store_notifications(
        [(_values(), 60), (_values(), 60)])
    assert created and not created_again
    assert new['notification_uuid'] != old['notification_uuid']
    assert again == new


def test_concurrent_callers_share_one_commit(notifying):
    """Callers that arrive while a transaction is written are stored by
    the next one together; each is answered only once its row is
    committed, and a conflicting or unknown one fails alone."""
    database = notifying
    database.create_notification(_values(process='libvirtd',
                                          notification_uuid=ID), 60)
    batches = []
    leading = threading.Event()
    gate = threading.Event()

    def write(requests):
        batches.append(len(requests))
        if len(batches) == 1:
            leading.set()
            gate.wait(30)
        return database.store_notifications(requests)

    group = group_commit.GroupCommit(write)
    reader = db_api.Database(str(database.engine.url.render_as_string(
        hide_password=False)))
    answers = {}

    def send(name, values):
        try:
            record, created = group.submit((values, 60))
        except Exception as exc:
            answers[name] = exc
            return
        # Another connection sees the row as soon as the answer is given.
        seen = reader.get_notification(record['notification_uuid'])
        answers[name] = (seen['notification_uuid'] == record[
            'notification_uuid'], created)

    senders = {
        'leader': _values(hostname='compute-0'),
        'a': _values(process='a'), 'b': _values(process='b'),
        'b again': _values(process='b'),
        'reused id': _values(process='ovs', notification_uuid=ID),
        'no host': _values(hostname='nowhere'),
        'c': _values(hostname='compute-2', process='c'),
    }
    threads = {name: threading.Thread(target=send, args=(name, values))
               for name, values in senders.items()}
    threads['leader'].start()
    assert leading.wait(30)
    for name, thread in threads.items():
        if name != 'leader':
            thread.start()
    # Whitebox: open the leader's transaction once all others are queued.
    while len(group._waiting) < len(senders) - 1:
        threading.Event().wait(0.01)
    gate.set()
    for thread in threads.values():
        thread.join(60)
    reader.dispose()
    assert batches == [1, 6]
    assert isinstance(answers.pop('reused id'), exception.Conflict)
    assert isinstance(answers.pop('no host'), exception.NotFound)
    created = {name: answer[1] for name, answer in answers.items()}
    assert all(answer[0] for answer in answers.values())
    assert sum(created[name] for name in ('b', 'b again')) == 1
    assert [created[name] for name in ('leader', 'a', 'c')] == [True] * 3
    assert len(database.list_notifications()) == 5


def test_concurrent_engines_store_a_failure_once(notifying):
    """Two engines' batches with the same failures: the one that loses
    on the unique key stores its batch again one by one."""
    database = notifying
    url = database.engine.url.render_as_string(hide_password=False)
    engines = [db_api.Database(url) for _ in range(2)]
    barrier = threading.Barrier(2)
    answers = []

    def send(engine):
        barrier.wait()
        answers.extend(engine.store_notifications(
            [(_values(process=name), 60) for name in 'abcdef']))

    threads = [threading.Thread(target=send, args=(engine,))
               for engine in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for engine in engines:
        engine.dispose()
    assert [answer for answer in answers
            if isinstance(answer, Exception)] == []
    assert sum(created for _, created in answers) == 6
    assert _stored(database) == [('compute-1', name) for name in 'abcdef']


def test_without_a_window_each_repeat_is_stored(notifying):
    database = notifying
    answers = database.store_notifications([(_values(), 0)] * 3)
    assert [created for _, created in answers] == [True] * 3
    assert len({record['notification_uuid'] for record, _ in answers}) == 3
    # The key names the last of them.
    with database.session() as session:
        key = session.get(models.NotificationKey, db_api.fingerprint(
            'PROCESS', 'compute-1', answers[0][0]['payload']))
        assert key.notification_uuid == answers[2][0]['notification_uuid']
