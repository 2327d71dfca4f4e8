"""Durable intake over RabbitMQ: accepted notifications per second and the
latency of create_notification, with concurrent senders, against a bare
oslo.messaging server measured in the same run by the same senders.

Each sender is a thread of one of several sender processes (so the senders'
own CPU does not bound the result), calling create_notification and timing
the call until the engine's reply, which comes only after the commit. The
bare server (benchmarks/bare_server.py) answers with its argument: what
the bus alone allows. Each round measures the bare server, then the engine.

``--kind ignored`` sends instance events that are stored but call for no
recovery (intake alone); ``--kind process`` sends process failures that the
engine then also recovers against the emulator while intake goes on.
``--rest`` also loads hahealer-api with Keystone tokens after the engine,
in the same round (benchmarks/rest_intake.py).
"""

import argparse
import contextlib
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
import uuid

from benchmarks import bare_server
from benchmarks import common
from benchmarks import rest_intake
from benchmarks import stacks
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


def rpc_sender(config, topic):
    """(send, close) for one sender process: create_notification over RPC
    to ``topic``, one client shared by the process's threads."""
    client = rpc.EngineClient(rpc.get_transport(rpc.client_conf([config])),
                              topic, timeout=30)
    return (lambda document: client.create_notification(None, document),
            client.close)


def _sender_process(connect, address, kind, threads, per_thread, start_at,
                    results):
    send, close = connect(*address)
    latencies = []
    lock = threading.Lock()

    def load():
        mine = []
        for index in range(per_thread):
            document = _document(kind, index)
            began = time.perf_counter()
            send(document)
            mine.append(time.perf_counter() - began)
        with lock:
            latencies.extend(mine)

    # Warm the connection pool so that set-up is not measured.
    send(_document(kind, 0))
    workers = [threading.Thread(target=load) for _ in range(threads)]
    time.sleep(max(0.0, start_at - time.time()))
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    close()
    results.put(latencies)


def _cpu_seconds(pid):
    """User and system CPU time of a process so far."""
    with open(f'/proc/{pid}/stat') as source:
        fields = source.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def _profiler(pid, output):
    """py-spy sampling process ``pid`` into ``output`` until interrupted:
    collapsed stacks of the thread holding the interpreter lock, that is
    where the engine's one core goes."""
    return subprocess.Popen(
        [os.path.join(os.path.dirname(sys.executable), 'py-spy'), 'record',
         '--pid', str(pid), '--rate', '250', '--nonblocking', '--gil',
         '--format', 'raw', '--output', str(output)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _measure(connect, address, pid, kind, senders, processes, per_sender,
             profile=None):
    """One load of ``senders``, each process sending through
    ``connect(*address)``; ``pid`` is the server's, sampled by py-spy into
    the file ``profile`` if given."""
    results = multiprocessing.Queue()
    start_at = time.time() + 3
    threads = senders // processes
    workers = [multiprocessing.Process(
        target=_sender_process,
        args=(connect, address, kind, threads, per_sender, start_at,
              results)) for _ in range(processes)]
    for worker in workers:
        worker.start()
    # The senders' warm-up calls land before start_at.
    time.sleep(max(0.0, start_at - time.time()))
    cpu_before = _cpu_seconds(pid)
    sampler = profile and _profiler(pid, profile)
    latencies = []
    for _ in workers:
        latencies.extend(results.get(timeout=600))
    elapsed = time.time() - start_at
    cpu = _cpu_seconds(pid) - cpu_before
    if sampler:
        sampler.send_signal(signal.SIGINT)
        sampler.wait(60)
    for worker in workers:
        worker.join()
    stats = common.summary(latencies)
    return {'calls': stats['count'],
            'per_second': stats['count'] / elapsed,
            'p50_ms': stats['p50'] * 1000, 'p99_ms': stats['p99'] * 1000,
            'max_ms': stats['max'] * 1000,
            'cpu_ms_per_call': cpu / stats['count'] * 1000}


def _round(servers, load, profile_dir, prefix):
    """Each server in turn under the same load; ``servers`` maps a name to
    (connect, address, pid)."""
    measured = {'profiles': dict.fromkeys(servers)}
    if profile_dir:
        measured['profiles'] = {
            name: os.path.join(profile_dir, f'{prefix}-{name}.txt')
            for name in servers}
    for name, (connect, address, pid) in servers.items():
        measured[name] = _measure(connect, address, pid, *load,
                                  measured['profiles'][name])
    ours, bare = measured['engine'], measured['bare']
    measured['per_second_ratio'] = ours['per_second'] / bare['per_second']
    measured['p99_ratio'] = ours['p99_ms'] / bare['p99_ms']
    if 'rest' in measured:
        rest = measured['rest']
        measured['rest_per_second_ratio'] = (rest['per_second']
                                             / ours['per_second'])
        measured['rest_p99_ratio'] = rest['p99_ms'] / ours['p99_ms']
    return measured


def run(backend, kind, senders, processes, per_sender, rounds=1,
        profile_dir=None, executor_threads=None, rest=False):
    """Rounds of the bare server, then the engine, then (``rest``)
    hahealer-api, on one backend."""
    if profile_dir:
        os.makedirs(profile_dir, exist_ok=True)
    options = {}
    if executor_threads:
        options['DEFAULT'] = {'executor_thread_pool_size': executor_threads}
    with common.cloud('--hosts', '3') as sim:
        drop = None
        database_url = None
        if backend != 'sqlite':
            database_url, drop = database_fixture.create_database_url(
                backend, None)
        try:
            with common.engine(sim.compute_url, database_url, hosts=HOSTS,
                               **options) as (engine, config), \
                    bare_server.running(config) as (bare_topic, bare_pid), \
                    (rest_intake.running(config) if rest
                     else contextlib.nullcontext()) as api:
                engine_topic = rpc.client_conf([str(config)]).engine_topic
                servers = {
                    'bare': (rpc_sender, (str(config), bare_topic), bare_pid),
                    'engine': (rpc_sender, (str(config), engine_topic),
                               engine.process.pid)}
                if rest:
                    api_url, token, api_pid = api
                    servers['rest'] = (rest_intake.sender, (api_url, token),
                                       api_pid)
                load = (kind, senders, processes, per_sender)
                measured = [_round(servers, load, profile_dir,
                                   f'{backend}-{number}')
                            for number in range(rounds)]
                rss = common.rss_mib(engine.process.pid)
        finally:
            if drop:
                drop()
    return {'backend': backend, 'kind': kind, 'senders': senders,
            'processes': processes, 'rounds': measured,
            'engine_rss_mib': rss}


def _line(name, result):
    return (f"{name:6} {result['calls']} calls: "
            f"{result['per_second']:.0f}/s, p50 {result['p50_ms']:.1f} ms, "
            f"p99 {result['p99_ms']:.1f} ms (max {result['max_ms']:.1f} "
            f"ms), {result['cpu_ms_per_call']:.2f} ms CPU a call")


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
    parser.add_argument('--rounds', type=int, default=1,
                        help='bare server then engine, this many times')
    parser.add_argument('--profile', metavar='DIR',
                        help='sample the bare server and the engine with '
                             'py-spy under load; collapsed stacks in DIR')
    parser.add_argument('--rest', action='store_true',
                        help='also load hahealer-api with Keystone tokens '
                             '(monitor user, validated tokens cached)')
    parser.add_argument('--executor-threads', type=int,
                        help="the engine's executor_thread_pool_size")
    args = parser.parse_args(argv)
    for backend in args.backend or ('sqlite', 'postgresql'):
        result = run(backend, args.kind, args.senders, args.processes,
                     args.per_sender, args.rounds, args.profile,
                     args.executor_threads, args.rest)
        print(json.dumps(result))
        print(f'{backend}, {args.kind}, {args.senders} senders '
              f'({args.processes} processes):')
        for measured in result['rounds']:
            print(f"  {_line('bare', measured['bare'])}\n"
                  f"  {_line('engine', measured['engine'])}\n"
                  f"  engine / bare: calls/s "
                  f"{measured['per_second_ratio']:.2f} (target >= 0.8), "
                  f"p99 {measured['p99_ratio']:.2f} (target <= 1.5)",
                  flush=True)
            if 'rest' in measured:
                print(f"  {_line('rest', measured['rest'])}\n"
                      f"  rest / engine over RPC: calls/s "
                      f"{measured['rest_per_second_ratio']:.2f}, p99 "
                      f"{measured['rest_p99_ratio']:.2f}", flush=True)
            for name, profile in measured['profiles'].items():
                if profile:
                    cpu = measured[name]['cpu_ms_per_call']
                    print(f'  {name} CPU by part, ms a call: ' + ', '.join(
                        f'{part} {share * cpu:.2f}' for part, share
                        in stacks.shares(profile).items()))
    return 0
