"""This process's memory, read from the kernel (Linux ``/proc``)."""

import threading


def status_mb(field):
    """A field of ``/proc/self/status`` (VmRSS, VmHWM, RssAnon, VmData...) in MiB."""
    with open("/proc/self/status") as file:
        for line in file:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise KeyError(field)


def reset_peak():
    """Make VmHWM, the peak resident size, restart from the current size."""
    with open("/proc/self/clear_refs", "w") as file:
        file.write("5")


class AnonymousPeak:
    """Peak anonymous resident memory (heap, not file pages), sampled.

    The kernel keeps no peak of ``RssAnon``; a thread reads it every
    ``interval`` seconds until :meth:`stop`, which returns the peak in MiB.
    """

    def __init__(self, interval=0.005):
        self.peak_mb = status_mb("RssAnon")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, args=(interval,), daemon=True)
        self._thread.start()

    def _sample(self, interval):
        while not self._stop.wait(interval):
            self.peak_mb = max(self.peak_mb, status_mb("RssAnon"))

    def stop(self):
        self._stop.set()
        self._thread.join()
        return self.peak_mb
