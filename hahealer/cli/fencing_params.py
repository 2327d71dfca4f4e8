"""Fencing parameters from the command line, a file, an environment
variable or standard input.

A BMC password given as ``--fencing-param password=...`` lands in shell
history and in the process list; the other sources keep it out of both:

    --fencing-param-file password=/etc/hahealer/bmc-compute-1.pw
    --fencing-param-env password=BMC_PASSWORD
    --fencing-param-stdin password        (the first line of stdin)
"""

import argparse
import os
import sys

from hahealer.cli import app


def key_value(text):
    """An argparse type: ``KEY=VALUE`` as a (key, value) pair."""
    key, sep, value = text.partition('=')
    if not (sep and key):
        # Never echo the text: it may be a password given without its key.
        raise argparse.ArgumentTypeError('expected KEY=VALUE')
    return key, value


def add_arguments(parser, help_text):
    parser.add_argument('--fencing-param', dest='fencing_params',
                        type=key_value, action='append',
                        metavar='KEY=VALUE', help=help_text)
    parser.add_argument('--fencing-param-file', dest='fencing_param_files',
                        type=key_value, action='append', metavar='KEY=PATH',
                        help='a fencing parameter read from a file (its '
                             'first line), e.g. password=/etc/bmc.pw')
    parser.add_argument('--fencing-param-env', dest='fencing_param_envs',
                        type=key_value, action='append',
                        metavar='KEY=VARIABLE',
                        help='a fencing parameter read from an environment '
                             'variable, e.g. password=BMC_PASSWORD')
    parser.add_argument('--fencing-param-stdin', metavar='KEY',
                        help='a fencing parameter read from the first line '
                             'of standard input, e.g. password')


def collect(args):
    """The fencing parameters given, from every source; None if none was
    given. A key given twice, a file that cannot be read or a variable
    that is not set is an error naming the key, never the value."""
    pairs = list(args.fencing_params or ())
    for key, path in args.fencing_param_files or ():
        try:
            with open(path) as stream:
                pairs.append((key, _first_line(stream.read())))
        except OSError as exc:
            raise app.CommandError(
                f'fencing parameter {key}: cannot read {path}: '
                f'{exc.strerror}') from None
    for key, variable in args.fencing_param_envs or ():
        if variable not in os.environ:
            raise app.CommandError(
                f'fencing parameter {key}: environment variable {variable} '
                f'is not set')
        pairs.append((key, os.environ[variable]))
    if args.fencing_param_stdin:
        pairs.append((args.fencing_param_stdin,
                      _first_line(sys.stdin.readline())))
    if not pairs and args.fencing_params is None:
        return None
    params = {}
    for key, value in pairs:
        if key in params:
            raise app.CommandError(f'fencing parameter {key} is given twice')
        params[key] = value
    return params


def _first_line(text):
    return text.splitlines()[0] if text else ''
