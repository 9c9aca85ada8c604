"""Outputs a command writes, moved into place together only when it succeeds."""

import contextlib
import os
import signal
import threading

from .._atomic_files import remove_leftovers, temporary_beside


class CommandError(Exception):
    """Ends the command with this one-line message."""


class StagedOutputs:
    """Files a command writes, kept under temporary names until it succeeds.

    Used as a context manager: :meth:`path` hands out a temporary name in
    the destination's folder for each output; leaving the block normally
    moves them all into place, leaving it by an exception deletes them, so
    a failed command leaves no partial output and changes no existing file.

    Parameters
    ----------
    destinations : list of str
        Every file the command may write.
    force : bool
        Overwrite existing files; otherwise one that exists is refused
        before any work is done. What a killed earlier command left beside
        a destination is cleaned first (see
        :func:`~skautoencoder._atomic_files.remove_leftovers`).
    """

    def __init__(self, destinations, force):
        for path in destinations:  # what a killed earlier run left, an output it had set aside put back
            remove_leftovers(path)
        existing = [path for path in destinations if os.path.exists(path)]
        if existing and not force:
            raise CommandError(f"{existing[0]} exists; pass --force to overwrite it.")
        self._staged = {}
        self._created_folders = []

    def path(self, destination):
        """A temporary file name to write ``destination``'s content to."""
        folder = os.path.dirname(os.path.abspath(destination))
        if not os.path.isdir(folder):
            try:
                os.makedirs(folder)
            except OSError as error:
                raise CommandError(f"cannot create the folder {folder}: {error.strerror or error}.") from None
            self._created_folders.append(folder)
        temporary = temporary_beside(destination, "partial")
        self._staged[destination] = temporary
        return temporary

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if kind is None:
            self._commit()
        else:
            self._discard()
        return False

    def _commit(self):
        """Move every output into place, or none: a failed move puts the earlier files back.

        SIGINT and SIGTERM are held while files move: one that arrives then
        takes effect once every output is in place, so an existing file is
        never left set aside.
        """
        set_aside, placed = {}, []
        with _signals_held():
            try:
                for destination in self._staged:
                    if os.path.exists(destination):
                        previous = temporary_beside(destination, "previous")
                        os.replace(destination, previous)
                        set_aside[destination] = previous
                for destination, temporary in self._staged.items():
                    os.replace(temporary, destination)
                    placed.append(destination)
            except BaseException as failure:  # an OSError, or an interruption where signals are not held
                for placed_destination in placed:
                    os.unlink(placed_destination)
                for set_aside_destination, previous in set_aside.items():
                    os.replace(previous, set_aside_destination)
                self._discard()
                if not isinstance(failure, OSError):
                    raise
                raise CommandError(f"cannot write {destination}: {failure.strerror or failure}.") from None
            for previous in set_aside.values():
                os.unlink(previous)

    def _discard(self):
        for temporary in self._staged.values():
            if os.path.exists(temporary):
                os.unlink(temporary)
        for folder in reversed(self._created_folders):
            if os.path.isdir(folder) and not os.listdir(folder):
                os.rmdir(folder)


@contextlib.contextmanager
def _signals_held():
    """Hold SIGINT and SIGTERM until the block ends, then act on the first that came.

    Their handlers are swapped for one that notes the signal (Python runs
    handlers in the main thread, whichever thread the system gave the signal
    to); once the block ends, the previous handlers are put back and the
    noted signal is sent again. Outside the main thread, nothing is held.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = [signal.SIGINT] + ([signal.SIGTERM] if hasattr(signal, "SIGTERM") else [])
    arrived = []
    previous = {number: signal.signal(number, lambda number, frame: arrived.append(number)) for number in held}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        if arrived:
            signal.raise_signal(arrived[0])
