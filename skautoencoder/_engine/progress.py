"""Live training progress: epoch, loss, validation loss and time left.

Not ``keras.utils.Progbar``: it writes only to ``sys.stdout`` (or absl
logging), and it redraws with backspaces and carriage returns on every
POSIX system (its test is ``"posix" in sys.modules``), so a fit logged to a
file or a pipe fills it with control characters. This printer redraws in
place only on a terminal or in a notebook, and elsewhere writes a plain line
every :attr:`TrainingProgress.LOG_INTERVAL` seconds to the stream it is
given.
"""

import sys
import time


def _format_seconds(seconds):
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    return f"{minutes}m{seconds:02d}s"


def _redraws_in_place(stream):
    """Whether ``stream`` shows a carriage return as a redraw: a terminal or a notebook."""
    if type(stream).__module__.split(".")[0] == "ipykernel":
        return True
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class TrainingProgress:
    """Report training progress on a text stream.

    Parameters
    ----------
    verbose : int
        0 prints nothing; 1 keeps one line up to date on a terminal or in a
        notebook (a bar with the latest losses and the time left) and writes
        one line every :attr:`LOG_INTERVAL` seconds elsewhere (a log file, a
        pipe); 2 and above print one line per epoch.
    total_epochs : int
        The epoch budget, used for the bar and the time left.
    stream : file-like, default=None
        Where to write; ``sys.stdout`` when None.
    """

    _BAR_WIDTH = 20
    REDRAW_INTERVAL = 0.5
    LOG_INTERVAL = 10.0

    def __init__(self, verbose, total_epochs, stream=None):
        self.verbose = verbose
        self.total_epochs = total_epochs
        self.stream = stream if stream is not None else sys.stdout
        self._in_place = verbose == 1 and _redraws_in_place(self.stream)
        self._start = time.perf_counter()
        self._first_epoch_end = None
        self._last_draw = -float("inf")  # the first epoch is always shown
        self._last_width = 0
        self._undrawn = None  # the latest epoch's line, when not written yet

    def _line(self, epoch, loss, validation_loss, now):
        done = epoch / self.total_epochs
        elapsed = now - self._start
        # The first epoch includes the compilation: the estimate starts after it.
        if epoch > 1:
            left = _format_seconds((now - self._first_epoch_end) / (epoch - 1) * (self.total_epochs - epoch))
        else:
            left = "estimating time"
        filled = int(round(done * self._BAR_WIDTH))
        bar = "#" * filled + "." * (self._BAR_WIDTH - filled)
        width = len(str(self.total_epochs))
        text = f"epoch {epoch:>{width}}/{self.total_epochs} [{bar}] loss {loss:.6f}"
        if validation_loss is not None:
            text += f"  val_loss {validation_loss:.6f}"
        return text + f"  {_format_seconds(elapsed)} elapsed, {left} left"

    def update(self, epoch, loss, validation_loss=None):
        """Report that ``epoch`` (1-based) ended with these losses."""
        if self.verbose <= 0:
            return
        now = time.perf_counter()
        if self._first_epoch_end is None:
            self._first_epoch_end = now
        if self.verbose >= 2:
            print(self._line(epoch, loss, validation_loss, now), file=self.stream, flush=True)
            return
        # Redrawing every epoch of a fast fit would cost more than the epoch.
        interval = self.REDRAW_INTERVAL if self._in_place else self.LOG_INTERVAL
        line = self._line(epoch, loss, validation_loss, now)
        self._undrawn = line
        if now - self._last_draw >= interval or epoch == self.total_epochs:
            self._last_draw, self._undrawn = now, None
            if self._in_place:
                self.stream.write("\r" + line.ljust(self._last_width))
                self._last_width = len(line)
            else:
                self.stream.write(line + "\n")
            self.stream.flush()

    def close(self, ending=None):
        """End the progress line; then write ``ending``, a sentence saying why training ended, if given."""
        if self.verbose <= 0:
            return
        if self._in_place:
            self.stream.write("\n")
        elif self.verbose == 1 and self._undrawn is not None:
            self.stream.write(self._undrawn + "\n")  # where training stopped
        if ending:
            self.stream.write(ending + "\n")
        self.stream.flush()


def ending_line(epochs_run, epochs, *, stopped_early, patience=None, kept_epoch=None, kept_loss=None):
    """The sentence that ends a fit's progress: why training ended and which epoch was kept.

    Examples
    --------
    >>> ending_line(71, 300, stopped_early=True, patience=30, kept_epoch=41)
    'Early stopping ended training at epoch 71 of 300 (no improvement for 30 epochs); kept epoch 41.'
    >>> ending_line(5, 5, stopped_early=False, kept_epoch=0)
    'Training ran all 5 epochs; kept the state it started from (epoch 0).'
    """
    if stopped_early:
        text = f"Early stopping ended training at epoch {epochs_run} of {epochs} (no improvement for {patience} epochs)"
    else:
        text = f"Training ran all {epochs} epochs"
    if kept_epoch == 0:
        text += "; kept the state it started from (epoch 0)"
    elif kept_epoch is not None:
        text += f"; kept epoch {kept_epoch}" + ("" if kept_loss is None else f" (val_loss {kept_loss:.6f})")
    return text + "."
