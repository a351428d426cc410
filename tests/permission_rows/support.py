"""Permission-matrix rows for the support views, and the scenario objects they need."""

from tests.permission_rows import Row, everyone, get, only, post, signed_in  # noqa: F401

ROWS = {}


def build(scenario):
    """Add this area's objects to the shared scenario (a SimpleNamespace)."""
