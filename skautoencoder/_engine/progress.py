"""Live training progress: epoch, loss, validation loss and time left."""

import sys
import time


def _format_seconds(seconds):
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    return f"{minutes}m{seconds:02d}s"


class TrainingProgress:
    """Report training progress on a text stream.

    Parameters
    ----------
    verbose : int
        0 prints nothing; 1 keeps one line up to date (a bar with the latest
        losses and the time left); 2 and above print one line per epoch.
    total_epochs : int
        The epoch budget, used for the bar and the time left.
    stream : file-like, default=None
        Where to write; ``sys.stdout`` when None.
    """

    _BAR_WIDTH = 20

    def __init__(self, verbose, total_epochs, stream=None):
        self.verbose = verbose
        self.total_epochs = total_epochs
        self.stream = stream if stream is not None else sys.stdout
        self._start = time.perf_counter()
        self._last_draw = 0.0
        self._last_width = 0

    def _line(self, epoch, loss, validation_loss):
        done = epoch / self.total_epochs
        elapsed = time.perf_counter() - self._start
        left = elapsed / epoch * (self.total_epochs - epoch)
        filled = int(round(done * self._BAR_WIDTH))
        bar = "#" * filled + "." * (self._BAR_WIDTH - filled)
        width = len(str(self.total_epochs))
        text = f"epoch {epoch:>{width}}/{self.total_epochs} [{bar}] loss {loss:.6f}"
        if validation_loss is not None:
            text += f"  val_loss {validation_loss:.6f}"
        return text + f"  {_format_seconds(elapsed)} elapsed, {_format_seconds(left)} left"

    def update(self, epoch, loss, validation_loss=None):
        """Report that ``epoch`` (1-based) ended with these losses."""
        if self.verbose <= 0:
            return
        if self.verbose >= 2:
            print(self._line(epoch, loss, validation_loss), file=self.stream, flush=True)
            return
        now = time.perf_counter()
        # Redrawing every epoch of a fast fit would cost more than the epoch.
        if now - self._last_draw >= 0.5 or epoch == self.total_epochs:
            self._last_draw = now
            line = self._line(epoch, loss, validation_loss)
            self.stream.write("\r" + line.ljust(self._last_width))
            self._last_width = len(line)
            self.stream.flush()

    def close(self, message=None):
        """End the progress line, optionally with a closing message."""
        if self.verbose <= 0:
            return
        if self.verbose == 1:
            self.stream.write("\n")
        if message:
            self.stream.write(message + "\n")
        self.stream.flush()
