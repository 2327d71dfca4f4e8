"""RabbitMQ restarts while monitors send: nothing accepted is lost."""

import subprocess
import threading
import time

import oslo_messaging as messaging

from hahealer import notifications
from hahealer import rpc
from tests import engine_fixture
from tests import scenario

HOSTS = ('host1', 'host2', 'host3')
SENT = 30


def _restart_rabbitmq():
    subprocess.run(['rabbitmqctl', 'stop_app'], check=True,
                   capture_output=True, timeout=120)
    time.sleep(1)
    subprocess.run(['rabbitmqctl', 'start_app'], check=True,
                   capture_output=True, timeout=120)


def test_every_accepted_notification_is_processed(tmp_path, nova_sim,
                                                  engine_factory):
    config = engine_fixture.prepare(tmp_path, nova_sim.compute_url,
                                    hosts=HOSTS)
    engine_factory(config)
    client = rpc.EngineClient.from_config_files([str(config)], timeout=5)
    accepted = []
    restarted = threading.Event()

    def monitor():
        """Sends like a monitor: on no answer, the same id again."""
        for index in range(SENT):
            document = notifications.build(
                'PROCESS', HOSTS[index % 3],
                {'event': 'STOPPED', 'process_name': f'agent-{index}'},
                notification_uuid=f'00000000-0000-4000-8000-{index:012d}')
            deadline = time.monotonic() + 120
            while True:
                try:
                    accepted.append(client.create_notification(
                        None, document)['notification_uuid'])
                    break
                except (messaging.MessagingTimeout,
                        messaging.MessageDeliveryFailure):
                    assert time.monotonic() < deadline, 'never accepted'
            if index == SENT // 3:
                threading.Thread(target=lambda: (_restart_rabbitmq(),
                                                 restarted.set())).start()
            if index == 2 * SENT // 3:
                # The last third goes to the restarted broker.
                assert restarted.wait(120)

    sender = threading.Thread(target=monitor)
    sender.start()
    sender.join(300)
    assert not sender.is_alive()
    assert restarted.is_set()
    assert len(set(accepted)) == SENT
    database = engine_fixture.open_database(config)
    try:
        def all_finished():
            records = {r['notification_uuid']: r['status']
                       for r in database.list_notifications(limit=1000)}
            return all(records.get(uuid) == 'finished'
                       for uuid in accepted)

        scenario.wait_for(all_finished, 120,
                          what='every accepted notification to finish')
    finally:
        database.dispose()
        client.close()
