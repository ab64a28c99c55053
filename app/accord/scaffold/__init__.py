"""``accord init``: scaffold a data repository that validates against Accord.

It writes ``data/`` with one example file that conforms, ``sources/`` with the archived
article the example cites, ``coding/accord-coding.xlsx`` (the workbook of ``accord
template``, for coding in a spreadsheet), a ``README.md`` with the conventions, and a
GitHub Actions workflow that installs this version of Accord and runs ``accord validate`` (only what a
pull request changes, on pull requests).  It never overwrites a file.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import TextIO

from accord import __version__, resources

#: The example's source, archived beside the data.
EXAMPLE_SOURCE = "paris-summit-2026-01-06.txt"


def _workbook() -> bytes:
    """The coding workbook of ``accord template``."""
    import io

    from accord.sheets.commands import template_examples
    from accord.sheets.workbook import write_xlsx

    out = io.BytesIO()
    write_xlsx({}, out, template_examples())
    return out.getvalue()


def _templates() -> dict[str, bytes]:
    """The files to write: {path in the new repository: content}."""
    here = files(__name__)
    workflow = (here / "validate.yml").read_text("utf-8").replace("@VERSION@", __version__)
    return {
        "data/example.ttl": (here / "example.ttl").read_bytes(),
        "coding/accord-coding.xlsx": _workbook(),
        f"sources/{EXAMPLE_SOURCE}": (resources.SOURCES / EXAMPLE_SOURCE).read_bytes(),
        "README.md": (here / "README.md").read_bytes(),
        ".github/workflows/validate.yml": workflow.encode("utf-8"),
        ".gitignore": (here / "gitignore").read_bytes(),
    }


def run_init(folder: Path, out: TextIO, err: TextIO) -> int:
    """The ``accord init`` command: 0 when every file was written, 2 when none was (a
    file is there already, or the folder cannot be written)."""
    templates = _templates()
    present = [name for name in templates if (folder / name).exists()]
    if present:
        print(
            f"accord init: {folder / present[0]} exists already; nothing was written "
            "(accord init never overwrites a file: choose an empty folder)",
            file=err,
        )
        return 2
    try:
        for name, content in templates.items():
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
    except OSError as exc:
        print(f"accord init: cannot write in {folder}: {exc}", file=err)
        return 2
    print(f"accord init: a data repository in {folder}:", file=out)
    for name in templates:
        print(f"  {name}", file=out)
    where = "" if folder == Path(".") else f"cd {folder} && "
    print(f"next: {where}accord validate   (then replace data/example.ttl)", file=out)
    return 0
