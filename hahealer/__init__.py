"""hahealer: a recovery engine for instance high availability in OpenStack.

hahealer runs on native threads: oslo.service's threading backend is made
the default here, before anything imports oslo.messaging (which would
otherwise select eventlet's). The backend itself is loaded on first use,
so commands that never touch oslo.messaging (the Nova emulator) start fast.
"""

import importlib.metadata
import warnings

from oslo_service import backend as _service_backend

# eventlet comes in as a dependency of oslo.service only; libraries that
# probe for it (futurist) import it and it announces its deprecation.
warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')

__version__ = importlib.metadata.version('hahealer')

_service_backend.register_backend_default_hook(
    lambda: _service_backend.BackendType.THREADING)
