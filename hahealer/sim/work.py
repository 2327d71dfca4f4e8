"""Work Nova does later: delayed effects and casts to compute services.

Every step runs under the inventory's lock, on the timer thread.
"""


class Work:
    def __init__(self, inventory, timers, rng):
        self._inventory = inventory
        self._timers = timers
        self._rng = rng

    def _jittered(self, seconds):
        jitter = self._inventory.rules.jitter
        if jitter:
            seconds *= 1 + self._rng.uniform(-jitter, jitter)
        return max(0.0, seconds)

    def later(self, seconds, step):
        """Run ``step`` under the lock ``seconds`` (jittered) from now, at
        once if that is zero."""
        delay = self._jittered(seconds)
        if delay <= 0:
            step()
            return
        lock = self._inventory.lock

        def locked_step():
            with lock:
                step()
        self._timers.call_later(delay, locked_step)

    def cast(self, host, seconds, step):
        """Send work to a compute service, as an RPC cast does.

        The step runs ``seconds`` later, or after the service starts again
        if it is down now.
        """
        if not host.alive:
            host.parked.append((seconds, step))
            return
        self.later(seconds, step)

    @staticmethod
    def on_live_compute(host, seconds, step):
        """A step a compute service redoes after a restart if it dies."""
        def guarded():
            if host.alive:
                step()
            else:
                host.parked.append((seconds, guarded))
        return guarded
