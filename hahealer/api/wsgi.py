"""The WSGI entry point for uWSGI, gunicorn or mod_wsgi.

    gunicorn 'hahealer.api.wsgi:application'
    uwsgi --module hahealer.api.wsgi:application ...

The configuration is read from oslo.config's standard places
(/etc/hahealer/hahealer.conf, ...), or from the files named by
HAHEALER_CONFIG_FILES (separated by commas), when the module is imported.
"""

import os

from hahealer.api import app
from hahealer.conf import bootstrap


def init_application():
    files = os.environ.get('HAHEALER_CONFIG_FILES')
    conf = bootstrap.init(
        [], default_config_files=files.split(',') if files else None)
    return app.build(conf)


application = init_application()
