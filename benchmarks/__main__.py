"""python -m benchmarks NAME [options]

NAME: intake, footprint, host_recovery, chaos or real_nova.
"""

import importlib
import signal
import sys

NAMES = ('intake', 'footprint', 'host_recovery', 'chaos', 'real_nova')


def _exit_on_sigterm(signum, frame):
    # Leaves through the context managers, which stop the emulator, the
    # engine and the BMCs that a benchmark started.
    raise SystemExit(128 + signum)


def main():
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    if len(sys.argv) < 2 or sys.argv[1] not in NAMES:
        print(f'usage: python -m benchmarks {{{",".join(NAMES)}}} '
              f'[options]', file=sys.stderr)
        return 2
    module = importlib.import_module(f'benchmarks.{sys.argv[1]}')
    return module.main(sys.argv[2:])


if __name__ == '__main__':
    sys.exit(main())
