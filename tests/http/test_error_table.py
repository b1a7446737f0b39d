"""Every app-level error has its place in the one status table (``app/http/errors.py``)."""

from __future__ import annotations

from app.core import errors
from app.http.errors import kind_of


def subclasses(cls: type[BaseException]) -> set[type[BaseException]]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= subclasses(sub)
    return found


def test_every_app_error_maps_to_a_client_status() -> None:
    mapped = {cls.__name__: kind_of(cls("x")) for cls in subclasses(errors.AppError)}
    # AuthError is answered by its own handler (401 with WWW-Authenticate natively, 403 with AWS's code).
    unmapped = sorted(name for name, kind in mapped.items() if kind is None and name != "AuthError")
    assert not unmapped, f"no status for {unmapped}: add them to STATUS_BY_CLASS"
    assert all(kind.status < 500 for kind in mapped.values() if kind is not None)


def test_every_app_error_is_defined_in_core_errors() -> None:
    assert {cls.__module__ for cls in subclasses(errors.AppError)} == {"app.core.errors"}
