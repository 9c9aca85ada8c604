"""Files replaced atomically: written under a temporary name beside the destination, then renamed."""

import contextlib
import os
import secrets


def temporary_beside(destination, suffix):
    """A new hidden file name in ``destination``'s folder, ending in ``.<suffix>``.

    Beside the destination, so that :func:`os.replace` renames within one file
    system, which is atomic. Not :func:`tempfile.mkstemp`: its files are
    private (mode 0600), while an output should get the permissions any new
    file of the user's gets.
    """
    folder = os.path.dirname(os.path.abspath(destination))
    return os.path.join(folder, f".{os.path.basename(destination)}.{secrets.token_hex(6)}.{suffix}")


@contextlib.contextmanager
def replaced_atomically(path):
    """Write ``path`` through a temporary binary file that replaces it only if the block succeeds.

    Yields the open file. If the block raises (or is interrupted), the
    temporary file is removed and an existing ``path`` is left as it was.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "out.bin")
    >>> with replaced_atomically(path) as file:
    ...     _ = file.write(b"data")
    >>> open(path, "rb").read()
    b'data'
    """
    temporary = temporary_beside(path, "tmp")
    try:
        with open(temporary, "xb") as file:
            yield file
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
