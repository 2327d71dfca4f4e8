"""hahealer-api: the REST API that speaks Masakari's v1, served by waitress.

    hahealer-api --config-file /etc/hahealer/hahealer.conf

Listens on [api] bind_host:bind_port with [api] threads; SIGTERM or SIGINT
stops it. Deployers who prefer uWSGI,
gunicorn or mod_wsgi serve hahealer.api.wsgi:application instead.
"""

import signal
import sys

import waitress
from oslo_log import log as logging

from hahealer import exception
from hahealer.api import app
from hahealer.conf import bootstrap

LOG = logging.getLogger(__name__)


def main(argv=None):
    conf = bootstrap.init(sys.argv[1:] if argv is None else argv)
    try:
        application = app.build(conf)
    except exception.HahealerException as exc:
        LOG.error('%s', exc.message)
        print(f'hahealer-api: {exc.message}', file=sys.stderr)
        return 1
    server = waitress.create_server(
        application, host=conf.api.bind_host, port=conf.api.bind_port,
        threads=conf.api.threads, ident='hahealer-api')
    # The address actually bound (bind_port 0 picks one), for supervisors
    # and tests.
    host, port = server.effective_host, server.effective_port
    LOG.info('hahealer-api listening on http://%s:%s/', host, port)
    print(f'hahealer-api listening on http://{host}:{port}/', flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0


if __name__ == '__main__':
    sys.exit(main())
