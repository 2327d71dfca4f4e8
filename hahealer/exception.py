"""hahealer's exceptions.

Every error names the thing that failed and why. The message is built from
the class's ``msg_fmt`` and keyword arguments, so callers pass facts, not
prose. Nothing here ever formats a secret: callers pass names and ids only.
"""


class HahealerException(Exception):
    """Base class; ``code`` is the HTTP-like meaning used in RPC replies."""

    msg_fmt = "An unknown error occurred."
    code = 500

    def __init__(self, message: object = None, **kwargs: object) -> None:
        self.kwargs = kwargs
        if message is None:
            message = self.msg_fmt % kwargs
        self.message = str(message)
        super().__init__(self.message)


# --- input -------------------------------------------------------------

class Invalid(HahealerException):
    msg_fmt = "Invalid input: %(reason)s"
    code = 400


class InvalidNotification(Invalid):
    msg_fmt = "Invalid notification: %(reason)s"


class MarkerNotFound(Invalid):
    msg_fmt = "Marker %(marker)s could not be found."


class NotFound(HahealerException):
    msg_fmt = "%(kind)s %(name)s could not be found."
    code = 404


class Forbidden(HahealerException):
    msg_fmt = "Forbidden: %(reason)s"
    code = 403


class Conflict(HahealerException):
    msg_fmt = "Conflict: %(reason)s"
    code = 409


# --- configuration -----------------------------------------------------

class ConfigurationError(HahealerException):
    """The engine cannot start with this configuration."""

    msg_fmt = "Invalid configuration: %(reason)s"


# --- the compute API ---------------------------------------------------

class ComputeError(HahealerException):
    """Nova answered with an error; ``code`` is Nova's HTTP status."""

    msg_fmt = "Nova refused %(action)s: %(reason)s"
    code = 502


class ComputeNotFound(ComputeError):
    msg_fmt = "Nova found nothing when %(action)s: %(reason)s"
    code = 404


class ComputeBadRequest(ComputeError):
    msg_fmt = "Nova rejected %(action)s: %(reason)s"
    code = 400


class ComputeConflict(ComputeError):
    msg_fmt = "Nova refused %(action)s (conflict): %(reason)s"
    code = 409


class ComputeUnavailable(ComputeError):
    """Nova could not be reached or failed internally: worth a retry."""

    msg_fmt = "Nova is unavailable for %(action)s: %(reason)s"
    code = 503


# --- recovery outcomes -------------------------------------------------

class RecoveryOutcome(HahealerException):
    """Raised by a task to end a recovery early without it being an error."""


class SkipRecovery(RecoveryOutcome):
    """Nothing needs doing; the notification ends ``finished``."""

    msg_fmt = "%(reason)s"


class IgnoreRecovery(RecoveryOutcome):
    """The recovery must not go on; the notification ends ``ignored``."""

    msg_fmt = "%(reason)s"


class RecoveryFailed(HahealerException):
    """A task could not do its job; the notification ends ``error``."""

    msg_fmt = "%(reason)s"


class FencingFailed(RecoveryFailed):
    msg_fmt = "Fencing of host %(host)s failed: %(reason)s"
