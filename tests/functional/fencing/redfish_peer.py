"""A one-system Redfish service on loopback that fails as tests choose.

sushy-tools' emulator is the reference peer, but it cannot refuse a reset,
keep the power on, or stop answering; this peer can. Its power changes
take effect at once.
"""

import base64
import http.server
import json
import logging
import threading

LOG = logging.getLogger(__name__)

ROOT = '/redfish/v1/'
SYSTEMS = '/redfish/v1/Systems'
SYSTEM = '/redfish/v1/Systems/peer-1'
RESET = SYSTEM + '/Actions/ComputerSystem.Reset'


class RedfishPeer:
    """Knobs (plain attributes, may change while it runs):

    - ``refuse``: resets are answered 400 with a Redfish error.
    - ``stuck_on``: resets are accepted (204) and nothing happens.
    - ``unresponsive``: requests are read and never answered.
    - ``garbage``: the system is answered 200 with a body that is not JSON.
    """

    def __init__(self, username, password, *, powered_on=True,
                 refuse=False, stuck_on=False, unresponsive=False,
                 garbage=False):
        self.username = username
        self.password = password
        self.power_state = 'On' if powered_on else 'Off'
        self.refuse = refuse
        self.stuck_on = stuck_on
        self.unresponsive = unresponsive
        self.garbage = garbage
        #: ResetType of every reset request received
        self.reset_requests = []
        self._released = threading.Event()
        self._server = None

    @property
    def url(self):
        host, port = self._server.server_address[:2]
        return f'http://{host}:{port}'

    def fencing_params(self):
        return {'address': self.url, 'username': self.username,
                'password': self.password}

    def start(self):
        handler = type('Handler', (_Handler,), {'peer': self})
        self._server = http.server.ThreadingHTTPServer(
            ('127.0.0.1', 0), handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever,
                         kwargs={'poll_interval': 0.05}, daemon=True).start()
        return self

    def stop(self):
        self._released.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    def hang(self):
        """Hold a request unanswered until the peer stops."""
        self._released.wait()

    def authorized(self, header):
        expected = base64.b64encode(
            f'{self.username}:{self.password}'.encode()).decode()
        return header == f'Basic {expected}'

    def system(self):
        return {
            '@odata.id': SYSTEM, 'Id': 'peer-1', 'Name': 'peer',
            'PowerState': self.power_state,
            'Actions': {'#ComputerSystem.Reset': {
                'target': RESET,
                'ResetType@Redfish.AllowableValues': ['On', 'ForceOff'],
            }},
        }

    def reset(self, reset_type):
        """Return the HTTP status and body for a reset request."""
        self.reset_requests.append(reset_type)
        if self.refuse:
            return 400, _error('Base.1.0.ActionNotSupported',
                               'The reset is not allowed now.')
        if not self.stuck_on:
            self.power_state = 'Off' if reset_type == 'ForceOff' else 'On'
        return 204, None


class _Handler(http.server.BaseHTTPRequestHandler):
    peer = None  # set on the subclass each peer builds

    def do_GET(self):
        if self._held_or_refused():
            return
        documents = {
            ROOT: {'@odata.id': ROOT, 'Id': 'RootService',
                   'RedfishVersion': '1.5.0',
                   'Systems': {'@odata.id': SYSTEMS}},
            SYSTEMS: {'@odata.id': SYSTEMS, 'Members@odata.count': 1,
                      'Members': [{'@odata.id': SYSTEM}]},
            SYSTEM: self.peer.system(),
        }
        document = documents.get(self.path.rstrip('/') or ROOT,
                                 documents.get(self.path))
        if self.peer.garbage and document is documents[SYSTEM]:
            self._answer_raw(200, b'<html>Service Temporarily Unavail')
        elif document is None:
            self._answer(404, _error('Base.1.0.ResourceMissingAtURI',
                                     f'{self.path} does not exist.'))
        else:
            self._answer(200, document)

    def do_POST(self):
        if self._held_or_refused():
            return
        length = int(self.headers.get('Content-Length', 0))
        body = json.loads(self.rfile.read(length) or b'{}')
        if self.path != RESET:
            self._answer(404, _error('Base.1.0.ResourceMissingAtURI',
                                     f'{self.path} does not exist.'))
            return
        self._answer(*self.peer.reset(body.get('ResetType')))

    def _held_or_refused(self):
        if self.peer.unresponsive:
            self.peer.hang()
            self.close_connection = True
            return True
        if self.path != ROOT and not self.peer.authorized(
                self.headers.get('Authorization')):
            self._answer(401, _error('Base.1.0.GeneralError',
                                     'Incorrect username or password'))
            return True
        return False

    def _answer(self, status, document):
        body = b'' if document is None else json.dumps(document).encode()
        self._answer_raw(status, body)

    def _answer_raw(self, status, body):
        self.send_response(status)
        if body:
            self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        LOG.debug("Redfish peer: " + format, *args)


def _error(code, message):
    return {'error': {'code': code, 'message': message,
                      '@Message.ExtendedInfo': [{'MessageId': code,
                                                 'Message': message}]}}
