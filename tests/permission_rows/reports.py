"""Permission-matrix rows for the learning reports: public pages and downloads, stewards' rebuilds and builds.

Everyone reads the reports and downloads them, signed in or not: they hold only the
figures the privacy gate published. Only stewards queue a rebuild (others: 403; a GET is
405 for everyone) and see a build's progress (others find nothing: 404).
"""

from tests.evaluation.factories_reports import ReportBuildFactory, figure
from tests.permission_rows import Row, everyone, get, only, post

NOT_ALLOWED = "405"
MOVEMENT = {"scope": "movement", "key": "all"}


def build(scenario):
    """A published movement figure and one of the scenario's organization, and a finished build."""
    figure("participants", 40, period="2026")
    figure("participants", 12, period="2026", scope="organization", scope_key=scenario.organization.slug)
    scenario.report_build = ReportBuildFactory(scope="movement")


ROWS = {
    "learning:index": Row(methods={**get(everyone("ok")), **post(everyone(NOT_ALLOWED))}),
    "learning:scope": Row(kwargs=lambda s: MOVEMENT, methods={**get(everyone("ok")), **post(everyone(NOT_ALLOWED))}),
    "learning:csv": Row(
        kwargs=lambda s: {"scope": "organization", "key": s.organization.slug, "period": "2026"},
        methods=get(everyone("ok")),
    ),
    "learning:json": Row(kwargs=lambda s: {**MOVEMENT, "period": "2026"}, methods=get(everyone("ok"))),
    # The rebuild is queued, then rolled back with the rest of the persona's request.
    "learning:rebuild": Row(
        methods={
            **post(only({"steward"}, others="forbidden"), data=lambda s: {"scope": "movement", "scope_key": ""}),
            **get(everyone(NOT_ALLOWED)),
        }
    ),
    "learning:build": Row(
        kwargs=lambda s: {"build_id": s.report_build.pk},
        methods=get(only({"steward"}, others="not_found")),
    ),
}
