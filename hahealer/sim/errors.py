"""Errors the emulated Nova raises, each with Nova's HTTP status.

The messages are Nova's own wording, so clients (and the people reading
their logs) see what a real Nova would have said.
"""


class NovaError(Exception):
    """An error answered to the client as a Nova fault body."""

    status = 500

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class BadRequest(NovaError):
    status = 400


class Forbidden(NovaError):
    status = 403


class NotFound(NovaError):
    status = 404


class Conflict(NovaError):
    status = 409


class NotAcceptable(NovaError):
    status = 406


class UnexpectedError(NovaError):
    """Nova's answer to an exception its API code did not expect."""

    def __init__(self, exception_class):
        super().__init__(
            "Unexpected API Error. Please report this at "
            "http://bugs.launchpad.net/nova/ and attach the Nova API log "
            "if possible.\n<class '%s'>" % exception_class)


def policy_refused(policy):
    return Forbidden(
        "Policy doesn't allow %s to be performed." % policy)


def invalid_state(action, server_id, attr, state):
    return Conflict(
        "Cannot '%s' instance %s while it is in %s %s"
        % (action, server_id, attr, state))
