"""Permission-matrix rows for the practice pages, and the scenario objects they need.

Two practices of the scenario's organization: a draft (only its managers and stewards
find it; anyone else gets "not found", as its existence is not given away) and one
waiting for review (the stewards' decision). Anyone who is staff or admin of some
organization may write a practice for it: `other_staff` and `funder` too.
"""

from capacity.models import CapacityCategory, Language
from evaluation import practices
from tests.permission_rows import MANAGERS, Row, everyone, get, only, post, signed_in

# Staff or admins of some organization (their own, not the scenario's), and stewards.
WRITERS = {"staff", "admin", "other_staff", "funder", "steward"}


def build(scenario):
    """Add this area's objects to the shared scenario (a SimpleNamespace)."""
    data = {
        "original_language": Language.objects.get(code="en"),
        "original_title": "Mentoring circles",
        "original_context": "Few new admins stayed.",
        "original_what_was_done": "Monthly circles.",
        "original_evidence": "Eight of ten stayed.",
        "method": "mentoring",
        "report_scopes": ["method:mentoring"],
    }
    categories = CapacityCategory.objects.filter(slug="board-practices")
    staff = scenario.people["staff"]
    scenario.draft_practice = practices.practice_create(
        organization=scenario.organization, author=staff, data=data, categories=categories
    )
    waiting = practices.practice_create(
        organization=scenario.organization,
        author=staff,
        data={**data, "original_title": "Photo walks"},
        categories=categories,
    )
    scenario.waiting_practice = practices.practice_submit(practice=waiting)


def draft(s):
    return {"slug": s.draft_practice.slug}


def waiting(s):
    return {"slug": s.waiting_practice.slug}


ROWS = {
    "practices:list": Row(methods=get(everyone("ok"))),
    # An empty form comes back with its errors (200) and nothing is saved.
    "practices:new": Row(
        methods={
            **get(only(WRITERS, others="forbidden")),
            **post(only(WRITERS, others="forbidden"), data=lambda s: {}),
        }
    ),
    # Everyone signed in has a list of their organizations' practices, empty for most.
    "practices:mine": Row(methods=get(signed_in("ok"))),
    "practices:review_queue": Row(methods=get(only({"steward"}, others="forbidden"))),
    # A draft is not found for anyone but its organization's managers and stewards.
    "practices:detail": Row(kwargs=draft, methods=get(only(MANAGERS, others="not_found", anonymous="not_found"))),
    "practices:edit": Row(
        kwargs=draft,
        methods={
            **get(only(MANAGERS, others="not_found")),
            **post(only(MANAGERS, others="not_found"), data=lambda s: {}),
        },
    ),
    # An empty translation is valid: it removes the (absent) Korean translation.
    "practices:translate": Row(
        kwargs=lambda s: {**draft(s), "lang": "ko"},
        methods={
            **get(only(MANAGERS, others="not_found")),
            **post(only(MANAGERS, others="not_found"), data=lambda s: {}),
        },
    ),
    "practices:submit": Row(kwargs=draft, methods=post(only(MANAGERS, others="not_found"))),
    # Stewards decide; the organization's managers see the practice but may not publish it.
    "practices:review": Row(
        kwargs=waiting,
        methods=post(
            only({"steward"}, others="not_found", staff="forbidden", admin="forbidden"),
            data=lambda s: {"decision": "publish"},
        ),
    ),
}
