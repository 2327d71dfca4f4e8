"""Fault campaign: does host recovery stay exactly-once when things break?

Two engines share one database, one lock service (Redis) and one Nova
emulator. Each trial fails one compute host of a fresh part of the cloud
(8 to 20 instances, active, stopped or in error, some locked by their
users with a reason), sends the host failure notification and breaks one
or more things at random:

- kill: kill -9 of the engine owning the recovery, at a random moment,
  then a restart;
- freeze: SIGSTOP of that engine for longer than its lease, then SIGCONT;
- lost_reply: Nova evacuates or locks, but the answer never arrives
  (the connection is closed at once, or held past the client's timeout);
- slow_rebuild: evacuations take longer than wait_period_after_evacuation,
  some with their record standing still for longer than it;
- flaky_nova: 10 % of Nova's answers are 5xx and 5 % come after the
  client's timeout (the action before or after the wait);
- duplicate: the same notification sent to both engines at once.

Once every notification of the host is terminal and nothing has changed
for a while (no request to Nova, no status change: an error retried by the
sweep is waited for), the trial counts what must never happen: instances
evacuated twice (more than one evacuation accepted by Nova), instances
left locked by hahealer, user locks lost (locked by their user before,
unlocked or with another reason after), and instances whose state changed
(active, stopped or error before, another vm_state after). The exit code
is 1 if any trial counts one, or ends with a notification not terminal.
"""

import argparse
import json
import random
import sys
import threading
import time

import oslo_messaging as messaging

from benchmarks import chaos_rig
from benchmarks.chaos_rig import EVACUATION_WAIT
from benchmarks.chaos_rig import LEASE
from benchmarks.chaos_rig import NOVA_TIMEOUT
from hahealer import notifications

FAULTS = ('kill', 'freeze', 'lost_reply', 'slow_rebuild', 'flaky_nova',
          'duplicate')
TERMINAL = ('finished', 'ignored', 'failed', 'error')
RECOVERABLE = ('active', 'stopped', 'error')
COUNTS = ('evacuated_twice', 'left_locked', 'user_locks_lost',
          'states_changed')
#: how long nothing may change before a trial is over
QUIET = 2.0
DEADLINE = 180.0
#: engine faults happen within this many seconds of the notification
FAULT_WINDOW = 2.5
HOST_DOWN = {'event': 'STOPPED', 'host_status': 'NORMAL'}


def pick_faults(rng):
    """One fault, sometimes two or three together."""
    chosen = rng.sample(FAULTS, rng.choices((1, 2, 3), (6, 3, 1))[0])
    return sorted(chosen, key=FAULTS.index)


def nova_faults(faults, rng):
    """The emulator's faults for this trial, and how to describe them."""
    settings, described = {}, []
    if 'lost_reply' in faults:
        action = rng.choice(['evacuate', 'lock'])
        hold = rng.choice([0.0, NOVA_TIMEOUT + 1])
        limit = rng.randint(1, 3)
        settings.update(lose_reply_action=f'^{action}$',
                        lose_reply_hold=hold, lose_reply_limit=limit)
        described.append(f"lost_reply({action} x{limit}, "
                         f"{'held' if hold else 'closed'})")
    if 'slow_rebuild' in faults:
        # Slower than the wait: either moving on all along (followed to
        # its end), or with its record standing still for longer than the
        # wait while it is scheduled (followed by the retry).
        seconds = rng.choice([EVACUATION_WAIT + 1.5, 2 * EVACUATION_WAIT + 1])
        settings['rebuild_seconds'] = seconds
        described.append(f'slow_rebuild({seconds:g}s)')
    if 'flaky_nova' in faults:
        status = rng.choice([500, 503])
        when = rng.choice(['before', 'after'])
        settings.update(error_status=status, error_fraction=0.1,
                        latency=NOVA_TIMEOUT + 1, latency_fraction=0.05,
                        latency_when=when)
        described.append(f'flaky_nova({status}, late {when})')
    return settings, described


class Campaign:
    def __init__(self, sim, engines, run_id, rng):
        self.sim = sim
        self.engines = engines
        self.run_id = run_id
        self.rng = rng

    # --- one trial ----------------------------------------------------

    def trial(self, number):
        rng = self.rng
        faults = pick_faults(rng)
        prefix = f'chaos{self.run_id}-t{number}'
        revived = self.engines.restart_dead()
        failed, ids = self._build(prefix)
        before = self.sim.instances(ids)
        self.sim.kill_host(failed)
        settings, described = nova_faults(faults, rng)
        self.sim.set_faults(**settings)
        started = time.monotonic()
        self._notify(failed, duplicate='duplicate' in faults)
        described += self._break_engines(faults, failed, started)
        if 'duplicate' in faults:
            described.append('duplicate')
        records, settled = self._settle(failed, started + DEADLINE)
        self.sim.set_faults()
        after = self.sim.instances(ids)
        result = {
            'trial': number, 'faults': described,
            'instances': len(ids),
            'user_locked': sum(i['locked_by'] == 'owner'
                               for i in before.values()),
            'notifications': len(records),
            'terminal': sum(r['status'] in TERMINAL for r in records),
            'settled': settled,
            'statuses': sorted(r['status'] for r in records),
            'reasons': sorted({r['reason'] for r in records
                               if r['status'] != 'finished'
                               and r['reason']}),
            'left_on_failed_host': sum(i['host'] == failed
                                       for i in after.values()),
            'engines_died': len(revived),
            'seconds': round(time.monotonic() - started, 1),
        }
        found = findings(before, after)
        result.update({name: len(found[name]) for name in COUNTS},
                      findings=found)
        return result

    def _build(self, prefix):
        """Four fresh hosts, the first with the instances; its name and
        their ids."""
        rng, sim = self.rng, self.sim
        hosts = [f'{prefix}-h{n}' for n in range(1, 5)]
        for host in hosts:
            sim.add_host(host)
        failed, ids = hosts[0], []
        states = rng.choices(RECOVERABLE, weights=(3, 1, 1),
                             k=rng.randint(8, 20))
        for n, state in enumerate(states, 1):
            ids += sim.add_instances(
                host=failed, name=f'{failed}-vm{n}', vm_state=state,
                metadata={'HA_Enabled': 'True'} if rng.random() < 0.5
                else {})
        owner = sim.member_client('demo')
        for server_id in rng.sample(ids, rng.randint(1, len(ids) // 4)):
            owner.servers.lock(server_id,
                               reason=f'user maintenance of {server_id}')
        self.engines.call('create_segment', name=prefix,
                          recovery_method='auto', description=None,
                          enabled=True)
        for host in hosts:
            self.engines.call('create_host', name=host, segment=prefix,
                              reserved=False, on_maintenance=False,
                              fencing_driver=None, fencing_params=None)
        return failed, ids

    def _notify(self, failed, duplicate):
        notification = notifications.build('COMPUTE_HOST', failed,
                                           HOST_DOWN)
        targets = (self.engines.processes if duplicate
                   else [self.rng.choice(self.engines.processes)])
        errors = []

        def send(engine):
            try:
                self.engines.call('create_notification', engine=engine,
                                  notification=notification)
            except Exception as exc:
                errors.append(exc)

        senders = [threading.Thread(target=send, args=(engine,))
                   for engine in targets]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join()
        if len(errors) == len(targets):
            raise RuntimeError(f'no engine stored the notification of '
                               f'{failed}: {errors[0]}')

    def _break_engines(self, faults, failed, started):
        """Kill or freeze the owning engine at random moments."""
        moments = sorted((self.rng.uniform(0.1, FAULT_WINDOW), fault)
                         for fault in faults if fault in ('kill', 'freeze'))
        described = []
        for at, fault in moments:
            time.sleep(max(0.0, started + at - time.monotonic()))
            victim = self._owner_of(failed)
            if fault == 'kill':
                victim.kill()
                self.engines.start(victim)
            else:
                self.engines.pause(victim)
                time.sleep(LEASE + 1)
                self.engines.resume(victim)
            described.append(f'{fault}@{at:.1f}s')
        return described

    def _owner_of(self, failed):
        """The engine running the host's recovery, or any engine."""
        try:
            records = self.engines.call('list_notifications',
                                        filters={'hostname': failed})
        except messaging.MessagingTimeout:
            records = []
        for record in records:
            engine = self.engines.owning(record.get('owner'))
            if record['status'] == 'running' and engine is not None:
                return engine
        return self.rng.choice(self.engines.processes)

    def _settle(self, failed, deadline):
        """Wait until the host's notifications are terminal and nothing
        changes; (records, whether that happened before the deadline)."""
        last, since, records = None, time.monotonic(), []
        while time.monotonic() < deadline:
            try:
                records = self.engines.call('list_notifications',
                                            filters={'hostname': failed})
            except messaging.MessagingTimeout:
                continue
            counters = self.sim.counters()
            state = (sorted((r['notification_uuid'], r['status'],
                             r['updated_at']) for r in records),
                     sum(counters['requests'].values()))
            busy = (counters['in_flight'] or not records
                    or any(r['status'] not in TERMINAL for r in records))
            now = time.monotonic()
            if busy or state != last:
                last, since = state, now
            elif now - since >= QUIET:
                return records, True
            time.sleep(0.2)
        return records, False


def findings(before, after):
    """What must never happen, per instance of one trial: {count: [what
    happened to which instance]}."""
    found = {name: [] for name in COUNTS}
    for server_id, was in before.items():
        now = after[server_id]
        if now['evacuations_accepted'] > 1:
            found['evacuated_twice'].append(
                f"{server_id}: {now['evacuation_statuses']}")
        if now['locked'] and (now['locked_reason'] or '').startswith(
                'hahealer'):
            found['left_locked'].append(
                f"{server_id}: {now['locked_reason']}")
        lock = (now['locked_by'], now['locked_reason'])
        if was['locked_by'] == 'owner' and lock != (
                'owner', was['locked_reason']):
            found['user_locks_lost'].append(f'{server_id}: {lock}')
        if (was['vm_state'] in RECOVERABLE
                and now['vm_state'] != was['vm_state']):
            found['states_changed'].append(
                f"{server_id}: {was['vm_state']} -> {now['vm_state']}")
    return found


def totals(results):
    summed = {name: sum(r[name] for r in results)
              for name in ('instances', 'notifications', 'terminal',
                           'left_on_failed_host', 'engines_died',
                           *COUNTS)}
    summed['trials'] = len(results)
    summed['trials_failing'] = sum(not passed(r) for r in results)
    return summed


def passed(result):
    return (result['settled']
            and result['terminal'] == result['notifications']
            and not any(result[name] for name in COUNTS))


def run(trials, seed, database, workdir=None, progress=None):
    """Run the campaign; (results per trial, totals)."""
    rng = random.Random(seed)
    results = []
    with chaos_rig.rig(database, seed, workdir) as (sim, engines, run_id):
        campaign = Campaign(sim, engines, run_id, rng)
        for number in range(1, trials + 1):
            results.append(campaign.trial(number))
            if progress:
                progress(results[-1])
    return results, totals(results)


_COLUMNS = (('trial', 5), ('inst', 4), ('terminal', 8), ('twice', 5),
            ('locked', 6), ('user-lost', 9), ('changed', 7), ('stayed', 6),
            ('secs', 5))


def header():
    return ' '.join(f'{name:>{width}}' for name, width in _COLUMNS) + \
        '  faults / notification statuses'


def row(result):
    values = (result['trial'], result['instances'],
              f"{result['terminal']}/{result['notifications']}",
              result['evacuated_twice'], result['left_locked'],
              result['user_locks_lost'], result['states_changed'],
              result['left_on_failed_host'], result['seconds'])
    cells = ' '.join(f'{value:>{width}}'
                     for value, (_, width) in zip(values, _COLUMNS,
                                                  strict=True))
    busy = '' if result['settled'] else ' (still busy at the deadline)'
    return (f"{cells}  {', '.join(result['faults'])} / "
            f"{','.join(result['statuses'])}{busy}")


def main(argv):
    parser = argparse.ArgumentParser(
        prog='python -m benchmarks chaos', description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--trials', type=int, default=200)
    parser.add_argument('--seed', type=int,
                        default=random.SystemRandom().randrange(1 << 32))
    parser.add_argument('--database', choices=('sqlite', 'postgresql'),
                        default='postgresql')
    parser.add_argument('--workdir', help='keep the engines\' config and '
                        'logs here (default: a temporary directory)')
    parser.add_argument('--json', action='store_true',
                        help='print the results as one JSON document')
    args = parser.parse_args(argv)
    out = sys.stderr if args.json else sys.stdout
    print(f'seed {args.seed}, {args.trials} trials, {args.database}',
          file=out, flush=True)
    print(header(), file=out, flush=True)
    results, summed = run(
        args.trials, args.seed, args.database, args.workdir,
        progress=lambda result: print(row(result), file=out, flush=True))
    if args.json:
        print(json.dumps({'seed': args.seed, 'trials': results,
                          'totals': summed}, indent=1))
    else:
        print(f"\ntotals: {summed['trials']} trials, "
              f"{summed['trials_failing']} failing; notifications "
              f"terminal {summed['terminal']}/{summed['notifications']}; "
              f"evacuated twice {summed['evacuated_twice']}, left locked "
              f"{summed['left_locked']}, user locks lost "
              f"{summed['user_locks_lost']}, states changed "
              f"{summed['states_changed']}; instances "
              f"{summed['instances']}, left on the failed host "
              f"{summed['left_on_failed_host']}", flush=True)
        for result in results:
            for reason in result['reasons']:
                print(f"trial {result['trial']}: notification: {reason}")
            for name, found in result['findings'].items():
                for what in found:
                    print(f"trial {result['trial']}: {name}: {what}")
    return 0 if summed['trials_failing'] == 0 else 1
