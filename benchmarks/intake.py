"""Durable intake over RabbitMQ: accepted notifications per second and the
latency of create_notification, with concurrent senders.

Each sender is a thread of one of several sender processes (so the senders'
own CPU does not bound the result), calling create_notification and timing
the call until the engine's reply, which comes only after the commit.

``--kind ignored`` sends instance events that are stored but call for no
recovery (intake alone); ``--kind process`` sends process failures that the
engine then also recovers against the emulator while intake goes on.
"""

import argparse
import json
import multiprocessing
import threading
import time
import uuid

from benchmarks import common
from hahealer import notifications
from hahealer import rpc
from tests import database_fixture

HOSTS = ('host1', 'host2', 'host3')


def _document(kind, index):
    if kind == 'ignored':
        return notifications.build('VM', HOSTS[index % 3], {
            'event': 'LIFECYCLE', 'instance_uuid': str(uuid.uuid4()),
            'vir_domain_event': 'STARTED_BOOTED'})
    return notifications.build('PROCESS', HOSTS[index % 3], {
        'event': 'STOPPED', 'process_name': f'agent-{uuid.uuid4().hex}'})


def _sender_process(config, kind, threads, per_thread, start_at, results):
    client = rpc.EngineClient.from_config_files([config], timeout=30)
    latencies = []
    lock = threading.Lock()

    def send():
        mine = []
        for index in range(per_thread):
            document = _document(kind, index)
            began = time.perf_counter()
            client.create_notification(None, document)
            mine.append(time.perf_counter() - began)
        with lock:
            latencies.extend(mine)

    # Warm the connection pool so that set-up is not measured.
    client.create_notification(None, _document(kind, 0))
    workers = [threading.Thread(target=send) for _ in range(threads)]
    time.sleep(max(0.0, start_at - time.time()))
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    client.close()
    results.put(latencies)


def run(backend, kind, senders, processes, per_sender):
    with common.cloud('--hosts', '3') as sim:
        drop = None
        database_url = None
        if backend != 'sqlite':
            database_url, drop = database_fixture.create_database_url(
                backend, None)
        try:
            with common.engine(sim.compute_url, database_url,
                               hosts=HOSTS) as (engine, config):
                results = multiprocessing.Queue()
                start_at = time.time() + 3
                threads = senders // processes
                workers = [multiprocessing.Process(
                    target=_sender_process,
                    args=(str(config), kind, threads, per_sender, start_at,
                          results)) for _ in range(processes)]
                for worker in workers:
                    worker.start()
                latencies = []
                for _ in workers:
                    latencies.extend(results.get(timeout=600))
                elapsed = time.time() - start_at
                for worker in workers:
                    worker.join()
                rss = common.rss_mib(engine.process.pid)
        finally:
            if drop:
                drop()
    stats = common.summary(latencies)
    return {
        'backend': backend, 'kind': kind, 'senders': senders,
        'notifications': stats['count'],
        'per_second': stats['count'] / elapsed,
        'p50_ms': stats['p50'] * 1000, 'p99_ms': stats['p99'] * 1000,
        'max_ms': stats['max'] * 1000, 'engine_rss_mib': rss,
    }


def main(argv):
    parser = argparse.ArgumentParser(prog='python -m benchmarks intake',
                                     description=__doc__)
    parser.add_argument('--backend', action='append',
                        choices=('sqlite', 'postgresql', 'mysql'),
                        help='database (repeatable; default sqlite and '
                             'postgresql)')
    parser.add_argument('--kind', choices=('ignored', 'process'),
                        default='ignored')
    parser.add_argument('--senders', type=int, default=16)
    parser.add_argument('--processes', type=int, default=4,
                        help='sender processes sharing the senders')
    parser.add_argument('--per-sender', type=int, default=250,
                        help='notifications each sender sends')
    args = parser.parse_args(argv)
    for backend in args.backend or ('sqlite', 'postgresql'):
        result = run(backend, args.kind, args.senders, args.processes,
                     args.per_sender)
        print(json.dumps(result))
        print(f"{backend:10} {args.kind:8} {result['notifications']} "
              f"notifications from {args.senders} senders: "
              f"{result['per_second']:.0f}/s, p50 "
              f"{result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms "
              f"(max {result['max_ms']:.1f} ms)", flush=True)
    return 0
