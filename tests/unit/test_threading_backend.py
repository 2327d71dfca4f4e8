import subprocess
import sys


def test_oslo_messaging_gets_the_threading_backend():
    probe = ('import hahealer, oslo_messaging, sys\n'
             'from oslo_service import backend\n'
             'print(backend.get_backend_type().value)\n'
             'print("eventlet.patcher" in sys.modules and '
             '__import__("eventlet.patcher").patcher.is_monkey_patched('
             '"thread"))\n')
    out = subprocess.run([sys.executable, '-c', probe], check=True,
                         capture_output=True, text=True).stdout.split()
    assert out == ['threading', 'False']
