"""Check a built documentation site for what ``sphinx-build -W`` does not catch.

Usage: ``python docs/check_site.py BUILD/html``; exits 1 and lists every
problem found:

- a public method of a public class (inherited ones included) with no
  reference entry;
- a code literal in the guide that names a public object and links nowhere;
- gallery output holding a warning or a path of the machine that built it.
"""

import html
import inspect
import pathlib
import re
import sys
import zlib

import skautoencoder

# What a reader of the gallery must never see: a warning, or a path of the build machine.
_BUILD_TRACES = re.compile(r"Warning\b|/tmp/|site-packages|/home/|/root/")
_SCRIPT_OUTPUT = re.compile(r'<div class="sphx-glr-script-out[^"]*">(.*?)</div>\s*</div>', re.S)
_CODE_LITERAL = re.compile(r'(<a [^>]*>\s*)?<code class="docutils literal[^"]*">(.*?)</code>', re.S)


def inventory_names(site):
    """The names the site's ``objects.inv`` documents."""
    data = (pathlib.Path(site) / "objects.inv").read_bytes()
    header_end = 0
    for _ in range(4):
        header_end = data.index(b"\n", header_end) + 1
    lines = zlib.decompress(data[header_end:]).decode().splitlines()
    return {line.split(" ", 1)[0] for line in lines if line}


def public_methods():
    """``skautoencoder.Class.method`` for every public method of every public class, inherited ones included."""
    names = set()
    for name in skautoencoder.__all__:
        cls = getattr(skautoencoder, name)
        if not inspect.isclass(cls) or issubclass(cls, BaseException):
            continue
        for member, value in inspect.getmembers(cls):
            if not member.startswith("_") and (inspect.isfunction(value) or inspect.ismethod(value)):
                names.add(f"skautoencoder.{name}.{member}")
    return names


def missing_reference_entries(site):
    """Public methods the reference leaves out."""
    return sorted(public_methods() - inventory_names(site))


def unlinked_public_names(site, public_names):
    """``(page, literal)`` for guide literals that name a public object and are not links."""
    found = []
    for page in sorted((pathlib.Path(site) / "user_guide").glob("*.html")):
        for link, inner in _CODE_LITERAL.findall(page.read_text()):
            text = html.unescape(re.sub(r"<[^>]+>", "", inner)).strip()
            name = re.match(r"^[A-Za-z_]\w*(?=$|[(.\[])", text)
            if not link and name and name.group(0) in public_names:
                found.append((page.name, text))
    return found


def gallery_output_problems(site):
    """``(page, line)`` for gallery output lines holding a warning or a build path."""
    found = []
    for page in sorted((pathlib.Path(site) / "auto_examples").glob("*.html")):
        for block in _SCRIPT_OUTPUT.findall(page.read_text()):
            for line in html.unescape(re.sub(r"<[^>]+>", "", block)).splitlines():
                if _BUILD_TRACES.search(line):
                    found.append((page.name, line.strip()))
    return found


def problems(site):
    """Every problem of the site at ``site``, one line each."""
    public_names = {name for name in skautoencoder.__all__ if not name.startswith("_")}
    lines = [f"no reference entry for {name}" for name in missing_reference_entries(site)]
    lines += [
        f"{page}: the literal `{text}` names a public object but links nowhere"
        for page, text in unlinked_public_names(site, public_names)
    ]
    lines += [f"{page}: gallery output shows {line!r}" for page, line in gallery_output_problems(site)]
    return lines


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python docs/check_site.py BUILD/html", file=sys.stderr)
        return 2
    found = problems(argv[0])
    for line in found:
        print(line)
    print(f"{len(found)} problem{'s' if len(found) != 1 else ''} in the site at {argv[0]}.")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
