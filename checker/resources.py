"""Where the data folders (rules/, reports/, profiles/) are, installed or in a checkout."""
from __future__ import annotations

from pathlib import Path

_PACKAGES = {"rules": "checker.rules", "reports": "checker.reports", "profiles": "checker.profiles"}


def data_dir(name: str) -> Path:
    """The folder ``name`` ("rules", "reports" or "profiles").

    In a source checkout (or an editable install) the top-level folder beside ``checker/``
    is used; in an installed wheel, the copy shipped as ``checker.<name>``.
    """
    if name not in _PACKAGES:
        raise ValueError(f"unknown data folder {name!r}")
    here = Path(__file__).resolve().parent
    checkout = here.parent / name
    if checkout.is_dir() and (here.parent / "pyproject.toml").is_file():
        return checkout
    installed = here / name
    if installed.is_dir():
        return installed
    from importlib import resources

    return Path(str(resources.files(_PACKAGES[name])))
