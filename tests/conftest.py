import atexit
import os
import sys

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# Figures are written to files in tests, never shown.
os.environ.setdefault("MPLBACKEND", "Agg")


def _threads_per_worker():
    """The cores of this machine each pytest-xdist worker may count as its own."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, cores // int(os.environ["PYTEST_XDIST_WORKER_COUNT"]))


if "PYTEST_XDIST_WORKER_COUNT" in os.environ:
    # Workers share the machine's cores: thread pools sized to every core in
    # each worker make the workers' threads contend. OpenBLAS's threads
    # (NumPy's and SciPy's linear algebra: the PCA of every fit) wait for
    # work by spinning, which took processor time from the other worker:
    # the fast loop on 2 cores and 2 workers took 1m58s-2m07s with two
    # BLAS threads a worker and 1m43s-1m55s with one. TensorFlow's pools
    # gain less (see the Development page). Processes the tests start
    # inherit the settings; this process's BLAS, loaded already, is limited
    # through threadpoolctl.
    _threads = _threads_per_worker()
    for variable in (
        "TF_NUM_INTRAOP_THREADS",
        "TF_NUM_INTEROP_THREADS",
        "OPENBLAS_NUM_THREADS",
        "OMP_NUM_THREADS",
        "MKL_NUM_THREADS",
    ):
        os.environ.setdefault(variable, str(_threads))
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=_threads)


def pytest_collection_modifyitems(config, items):
    """Mark as slow the items a test module's ``is_slow(item)`` names, and run the slow ones first.

    Slow tests first: pytest-xdist hands tests out in this order, so the
    long ones start early and the short ones even out the workers at the
    end, instead of one worker finishing a long test alone.
    """
    for item in items:
        is_slow = getattr(getattr(item, "module", None), "is_slow", None)
        if is_slow is not None and is_slow(item):
            item.add_marker(pytest.mark.slow)
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    """A pytest-xdist worker ends its process as soon as its session is over.

    By then the worker has sent every result to the main process. Tearing
    down its interpreter, which holds TensorFlow and the hundreds of models
    its tests built, took the workers several seconds at the end of every
    run (7.6 s of the fast loop's 135 s, measured) while nothing else ran;
    the exit handlers registered in the worker still run first. The worker
    processes of joblib's process pool (kept for later searches) are killed
    first: each would tear down its own TensorFlow at exit, which kept the
    main process waiting 4-5 s more (measured).
    """
    if "PYTEST_XDIST_WORKER" in os.environ:
        loky = sys.modules.get("joblib.externals.loky.reusable_executor")
        # joblib has no public way to reach its pool without making one.
        executor = getattr(loky, "_executor", None)
        if executor is not None:
            executor.shutdown(wait=True, kill_workers=True)
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
