"""Group commit: concurrent callers share one transaction.

A caller that finds no transaction being written leads: it writes every
request waiting at that moment, its own included, in one transaction.
Callers that arrive meanwhile wait; when the leader's transaction ends it
hands the lead to the first of them, which writes all that gathered. Each
caller gets its own answer (or its own error) only once the transaction
that held its request has ended, so a committed answer is never given
early. A caller alone writes at once, with no thread in between.
"""

import threading


class _Request:
    __slots__ = ('item', 'answer', 'error', 'lead', 'done')

    def __init__(self, item):
        self.item = item
        self.answer = None
        self.error = None
        self.lead = False
        self.done = threading.Event()

    def outcome(self):
        if self.error is not None:
            raise self.error
        return self.answer


class GroupCommit:
    """Runs ``write(items)`` for batches of concurrent ``submit`` calls.

    ``write`` gets a list of items and returns a list of the same length
    whose entries are each an answer or an exception instance (that
    caller's error). An exception raised by ``write`` itself is every
    caller's error.
    """

    def __init__(self, write, max_batch=256):
        self._write = write
        self._max_batch = max_batch
        self._lock = threading.Lock()
        self._waiting = []
        self._writing = False

    def submit(self, item):
        request = _Request(item)
        with self._lock:
            self._waiting.append(request)
            lead = not self._writing
            self._writing = True
        if not lead:
            request.done.wait()
            if not request.lead:
                return request.outcome()
        self._lead()
        return request.outcome()

    def _lead(self):
        with self._lock:
            batch = self._waiting[:self._max_batch]
            del self._waiting[:self._max_batch]
        try:
            answers = self._write([request.item for request in batch])
            if len(answers) != len(batch):
                raise RuntimeError(f'{len(answers)} answers to '
                                   f'{len(batch)} requests')
        except BaseException as exc:
            answers = [exc] * len(batch)
        finally:
            with self._lock:
                successor = self._waiting[0] if self._waiting else None
                self._writing = successor is not None
            if successor is not None:
                successor.lead = True
                successor.done.set()
        for request, answer in zip(batch, answers, strict=True):
            if isinstance(answer, BaseException):
                request.error = answer
            else:
                request.answer = answer
            request.done.set()
