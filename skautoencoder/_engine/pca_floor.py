"""The PCA floor: a trained state is kept only if held-out rows show, with confidence, that it is no worse than PCA.

A fit chooses among its states (the PCA start and each trained epoch) on
validation rows. On a few dozen rows a point ratio against PCA is noise:
a network that overfits can look 2% better than PCA on them and be 20%
worse on rows it never saw. :class:`PcaFloor` compares, row by row, a
state's reconstruction error with PCA's on the same rows and accepts the
state only where an upper confidence bound of the mean difference is
within the margin. Few or scattered rows widen the bound, so small data
keeps the PCA start unless the trained network is clearly better; large
data narrows it to the point comparison, at no extra cost.
"""

import math

import numpy as np

# The one-sided 95% normal quantile: a state the floor accepts has a mean
# error above the margin times PCA's with about 5% probability over draws
# of the rows it was checked on.
CONFIDENCE_Z = 1.645


def mean_upper_bound(differences):
    """The one-sided 95% upper confidence bound of the mean of ``differences`` (infinite for one value).

    Examples
    --------
    >>> round(mean_upper_bound([0.0, 1.0, 2.0, 3.0]), 3)
    2.562
    """
    differences = np.asarray(differences, dtype=np.float64)
    if len(differences) < 2:
        return math.inf
    return float(differences.mean() + CONFIDENCE_Z * differences.std(ddof=1) / math.sqrt(len(differences)))


class PcaFloor:
    """Whether a state's per-row errors are, with confidence, at most ``margin`` times PCA's.

    Parameters
    ----------
    reference_errors : ndarray of shape (n_rows,) or None
        PCA's mean squared reconstruction error of each checked row; None
        until :meth:`with_reference` gives them.
    margin : float, default=1.0
        How much worse than PCA a kept state may be on average: 1.0 for
        a fit that only reconstructs, above 1 when the loss trades some
        reconstruction for another term.
    tolerance : float, default=0.0
        An absolute allowance on the mean difference (float32 rounding on
        data that PCA reconstructs exactly).
    each_epoch : bool, default=False
        Whether every candidate epoch must hold the floor to be chosen
        (a loss that is not the reconstruction error alone), or only the
        state chosen by validation loss, checked once at the end.

    Examples
    --------
    >>> import numpy as np
    >>> floor = PcaFloor(np.ones(400))
    >>> floor.holds(np.full(400, 0.9)), floor.holds(np.full(400, 1.1))
    (True, False)
    """

    def __init__(self, reference_errors, margin=1.0, tolerance=0.0, each_epoch=False):
        self.reference_errors = None if reference_errors is None else np.asarray(reference_errors, dtype=np.float64)
        self.margin = margin
        self.tolerance = tolerance
        self.each_epoch = each_epoch

    def with_reference(self, reference_errors):
        """This floor over other reference errors (those of a state known to be PCA)."""
        return PcaFloor(reference_errors, self.margin, self.tolerance, self.each_epoch)

    def upper_bound(self, errors):
        """The upper confidence bound of the mean of ``errors - margin * reference_errors``."""
        difference = self._differences(errors)
        if len(difference) == 1:
            return float(difference[0])
        return mean_upper_bound(difference)

    def holds(self, errors):
        """Whether a state with these per-row errors may be kept.

        It may where the confidence bound is within the tolerance, or where
        no row is worse than the margin allows (the PCA start itself, whose
        rows a few large errors scatter too widely for the bound).
        """
        return self.upper_bound(errors) <= self.tolerance or bool(np.all(self._differences(errors) <= self.tolerance))

    def _differences(self, errors):
        return np.asarray(errors, dtype=np.float64) - self.margin * self.reference_errors

    def ratio(self, errors):
        """The mean of ``errors`` over PCA's: how the state compares on these rows, as a number."""
        return float(np.mean(errors) / max(float(np.mean(self.reference_errors)), 1e-30))
