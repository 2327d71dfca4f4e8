"""hahealer: the operator's command line (see hahealer.cli)."""

import sys

from hahealer.cli import app


def main(argv=None):
    return app.HahealerApp().run(sys.argv[1:] if argv is None else argv)


if __name__ == '__main__':
    sys.exit(main())
