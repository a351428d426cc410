"""Permission-matrix rows for the public funding pages: open figures, their CSV files, 360Giving, rates.

Everyone reads them, signed in or not; they show organizations' figures, never a person.
A POST is refused (405) for every persona.
"""

from tests.permission_rows import Row, everyone, get, post

NOT_ALLOWED = "405"

ROWS = {
    "funding:open": Row(methods={**get(everyone("ok")), **post(everyone(NOT_ALLOWED))}),
    "funding:open_csv": Row(kwargs=lambda s: {"table": "regions"}, methods=get(everyone("ok"))),
    "funding:open_360giving": Row(methods=get(everyone("ok"))),
    "funding:rates": Row(methods=get(everyone("ok"))),
}


def build(scenario):
    """Nothing to add: the pages read whatever allocations and rates exist."""
