"""A sample of the fault campaign (benchmarks/chaos.py): two engines on
PostgreSQL and Redis recover failed hosts while they are killed, frozen,
lied to and flooded; nothing may happen twice or be left behind."""

from benchmarks import chaos

SEED = 20261123
TRIALS = 20


def _explained(results):
    lines = []
    for result in results:
        if chaos.passed(result):
            continue
        lines.append(chaos.row(result))
        lines += [f'  notification: {reason}' for reason in result['reasons']]
        lines += [f'  {name}: {what}'
                  for name, found in result['findings'].items()
                  for what in found]
    return '\n'.join([chaos.header(), *lines])


def test_a_sample_of_trials_recovers_every_host_exactly_once(tmp_path):
    results, totals = chaos.run(TRIALS, SEED, 'postgresql',
                                workdir=str(tmp_path))
    assert len(results) == TRIALS
    assert all(result['settled'] for result in results), \
        _explained(results)
    assert totals['terminal'] == totals['notifications'] >= TRIALS, \
        _explained(results)
    assert {name: totals[name] for name in chaos.COUNTS} == dict.fromkeys(
        chaos.COUNTS, 0), _explained(results)
