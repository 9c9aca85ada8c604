"""Files replaced atomically: written under a temporary name beside the destination, then renamed."""

import contextlib
import os
import re
import secrets


def temporary_beside(destination, suffix):
    """A new hidden file name in ``destination``'s folder, ending in ``.<suffix>``.

    Beside the destination, so that :func:`os.replace` renames within one file
    system, which is atomic. Not :func:`tempfile.mkstemp`: its files are
    private (mode 0600), while an output should get the permissions any new
    file of the user's gets. The name holds this process's id, so that
    :func:`remove_leftovers` can tell a file whose writer was killed.
    """
    folder = os.path.dirname(os.path.abspath(destination))
    return os.path.join(folder, f".{os.path.basename(destination)}.{os.getpid()}-{secrets.token_hex(6)}.{suffix}")


def remove_leftovers(destination):
    """Remove the temporary files a killed process left beside ``destination``.

    A ``.tmp`` or ``.partial`` file whose writer no longer runs is removed.
    A ``.previous`` file (an existing output set aside while outputs were
    moved into place) is put back when ``destination`` is missing, else
    removed. Files of processes still running are left alone.
    """
    folder = os.path.dirname(os.path.abspath(destination))
    if not os.path.isdir(folder):
        return
    pattern = re.compile(rf"\.{re.escape(os.path.basename(destination))}\.(\d+)-[0-9a-f]{{12}}\.(tmp|partial|previous)")
    for name in os.listdir(folder):
        match = pattern.fullmatch(name)
        if not match or _is_running(int(match.group(1))):
            continue
        path = os.path.join(folder, name)
        if match.group(2) == "previous" and not os.path.exists(destination):
            os.replace(path, destination)
        else:
            os.unlink(path)


def _is_running(pid):
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except OSError:  # another user's process, or a platform where this cannot be asked
        return True
    return True


@contextlib.contextmanager
def replaced_atomically(path):
    """Write ``path`` through a temporary binary file that replaces it only if the block succeeds.

    Yields the open file. If the block raises (or is interrupted), the
    temporary file is removed and an existing ``path`` is left as it was;
    what a killed earlier write left beside ``path`` is removed first.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "out.bin")
    >>> with replaced_atomically(path) as file:
    ...     _ = file.write(b"data")
    >>> open(path, "rb").read()
    b'data'
    """
    remove_leftovers(path)
    temporary = temporary_beside(path, "tmp")
    try:
        with _naming(path, temporary), open(temporary, "xb") as file:
            yield file
            file.flush()
            os.fsync(file.fileno())  # on disk before the rename makes it the file
        with _naming(path, temporary):
            os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


@contextlib.contextmanager
def _naming(path, temporary):
    """Let the system's refusals (a missing folder, a folder in the way) name ``path``, not the temporary file."""
    try:
        yield
    except OSError as error:
        if temporary not in (error.filename, error.filename2):
            raise
        raise type(error)(error.errno, error.strerror, os.fspath(path)) from None
