"""Fail when a module of the package grows past what a reader holds in mind.

    python tools/check_module_size.py [--max-lines N] [ROOT]

Prints every Python module under ROOT (default: hahealer) longer than N
lines (default 500) and exits 1 if there is one. Split such a module by
what it does rather than raising the limit.
"""

import argparse
import pathlib
import sys

DEFAULT_MAX_LINES = 500


def oversized(root, max_lines):
    """(path, lines) of every module under ``root`` over ``max_lines``."""
    found = []
    for path in sorted(pathlib.Path(root).rglob('*.py')):
        with path.open('rb') as source:
            lines = sum(1 for _ in source)
        if lines > max_lines:
            found.append((path, lines))
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('root', nargs='?', default='hahealer')
    parser.add_argument('--max-lines', type=int, default=DEFAULT_MAX_LINES)
    args = parser.parse_args(argv)
    if not pathlib.Path(args.root).is_dir():
        parser.error(f'{args.root} is not a directory')
    found = oversized(args.root, args.max_lines)
    for path, lines in found:
        print(f'{path}: {lines} lines, more than {args.max_lines}; split it '
              f'by what it does')
    return 1 if found else 0


if __name__ == '__main__':
    sys.exit(main())
