"""A libvirtd of its own, with QEMU: Debian's libvirt-daemon with its qemu
driver alone (LIBVIRT_DRIVER_DIR points at a directory holding only that
module), in session mode on a socket in a temporary directory, running
qemu-system-x86_64 under TCG.

Run by root, libvirtd is the system daemon: its qemu driver wants the
libvirt-qemu user and /etc/libvirt; so as root the daemon is started as
``nobody``, a session daemon whose every file is in the temporary
directory. Clients reach it as ``qemu+unix:///session?socket=...``; when a
QEMU process dies, libvirtd tells every client registered for events that
the domain stopped (STOPPED_FAILED), over libvirt's remote protocol.
"""

import dataclasses
import glob
import os
import pathlib
import shutil
import signal
import subprocess
import tempfile
import time

import libvirt

LIBVIRTD = '/usr/sbin/libvirtd'
QEMU = '/usr/bin/qemu-system-x86_64'
# The daemon logs this when a client registers for lifecycle events
# (VIR_DOMAIN_EVENT_ID_LIFECYCLE is 0).
_LIFECYCLE_LISTENER = 'virObjectEventCallbackListAddID'
_AS_NOBODY = ['setpriv', '--reuid=nobody', '--regid=nogroup',
              '--clear-groups']


@dataclasses.dataclass
class Libvirtd:
    directory: pathlib.Path
    process: subprocess.Popen

    @property
    def uri(self):
        return ('qemu+unix:///session?socket='
                f'{self.directory / "sock" / "libvirt-sock"}')

    @property
    def log_path(self):
        return self.directory / 'libvirtd.log'

    def domain_xml(self, name, domain_uuid):
        """A small guest with no disk: the firmware finds nothing to
        boot and waits, which is all a crash needs."""
        return (f"<domain type='qemu'><name>{name}</name>"
                f"<uuid>{domain_uuid}</uuid>"
                "<memory unit='MiB'>32</memory>"
                "<os><type arch='x86_64'>hvm</type></os>"
                f"<devices><emulator>{QEMU}</emulator></devices></domain>")

    def qemu_pid(self, name):
        return int(self._run_file(f'qemu/run/{name}.pid').read_text())

    def crash(self, name):
        """Kill the QEMU process of domain ``name``, as the OOM killer
        or a fault in QEMU would."""
        os.kill(self.qemu_pid(name), signal.SIGKILL)

    def lifecycle_listeners(self):
        """How many times a client registered for lifecycle events."""
        return sum(_LIFECYCLE_LISTENER in line and 'eventID=0 ' in line
                   for line in self.log_path.read_text().splitlines())

    def wait_for_lifecycle_listeners(self, count, timeout=30):
        deadline = time.monotonic() + timeout
        while self.lifecycle_listeners() < count:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f'{count} lifecycle listener(s) expected:\n'
                    f'{self.log_path.read_text()[-3000:]}')
            time.sleep(0.1)

    def answers(self):
        if not (self.directory / 'sock' / 'libvirt-sock').exists():
            return False
        try:
            libvirt.open(self.uri).close()
        except libvirt.libvirtError:
            return False
        return True

    def _run_file(self, name):
        return self.directory / 'home' / 'run' / 'libvirt' / name

    def stop(self):
        # libvirtd's QEMU processes and its virtlogd leave its session.
        for pid_file in [*self._run_file('qemu/run').glob('*.pid'),
                         self._run_file('virtlogd.pid')]:
            try:
                os.kill(int(pid_file.read_text()), signal.SIGKILL)
            except (OSError, ValueError):
                pass
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
        shutil.rmtree(self.directory, ignore_errors=True)


def _qemu_driver_only(directory):
    [module] = glob.glob(
        '/usr/lib/*/libvirt/connection-driver/libvirt_driver_qemu.so')
    (directory / 'drivers').mkdir()
    (directory / 'drivers' / os.path.basename(module)).symlink_to(module)
    return directory / 'drivers'


def start(timeout=60):
    """libvirtd serving QEMU from a new directory under /tmp (one that
    ``nobody`` may enter)."""
    directory = pathlib.Path(tempfile.mkdtemp(prefix='hahealer-libvirtd-'))
    home = directory / 'home'
    for sub in ('sock', 'home'):
        (directory / sub).mkdir()
    config = directory / 'libvirtd.conf'
    config.write_text(
        f'unix_sock_dir = "{directory / "sock"}"\n'
        'auth_unix_rw = "none"\nunix_sock_rw_perms = "0777"\n'
        'log_filters = "1:conf.object_event"\n'
        f'log_outputs = "1:file:{directory / "libvirtd.log"}"\n')
    (directory / 'libvirtd.log').touch()
    env = {'PATH': '/usr/sbin:/usr/bin:/bin', 'HOME': str(home),
           'XDG_RUNTIME_DIR': str(home / 'run'),
           'XDG_CONFIG_HOME': str(home / 'config'),
           'XDG_CACHE_HOME': str(home / 'cache'),
           'LIBVIRT_DRIVER_DIR': str(_qemu_driver_only(directory))}
    as_user = []
    if os.geteuid() == 0:
        as_user = _AS_NOBODY
        shutil.chown(directory, 'nobody', 'nogroup')
        for path in directory.rglob('*'):
            if not path.is_symlink():  # not the driver module it names
                shutil.chown(path, 'nobody', 'nogroup')
    with open(directory / 'stderr.log', 'wb') as stderr:
        process = subprocess.Popen(
            [*as_user, LIBVIRTD, '--config', str(config)], env=env,
            stdout=subprocess.DEVNULL, stderr=stderr,
            start_new_session=True)
    daemon = Libvirtd(directory, process)
    deadline = time.monotonic() + timeout
    while not daemon.answers():
        if process.poll() is not None or time.monotonic() > deadline:
            failure = (directory / 'stderr.log').read_text()[-3000:]
            daemon.stop()
            raise AssertionError(f'libvirtd did not start: {failure}')
        time.sleep(0.1)
    return daemon
