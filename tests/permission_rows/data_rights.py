"""Permission-matrix rows for the data_rights views, and the scenario objects they need.

The "me" pages act only on the signed-in person: there is no id to try someone else's.
A POST the page refuses (no consent, no confirmation, the last administrator of an
organization) is the page again with the reason: "400". The profile row tries a
person who has not made their page public: only they see it (a preview); whether
a public page shows to everyone is in tests/programs/test_public_profile.py.
"""

from tests.permission_rows import Row, get, only, post, signed_in

REFUSED = "400"

ROWS = {
    # An empty form: no password typed, box not ticked; nothing is deleted.
    "me:delete_account": Row(methods={**get(signed_in("ok")), **post(signed_in(REFUSED), data=lambda s: {})}),
    # Without the consent box nothing is stored.
    "me:demographics": Row(methods={**get(signed_in("ok")), **post(signed_in(REFUSED), data=lambda s: {})}),
    "me:recognition": Row(methods={**get(signed_in("ok")), **post(signed_in("ok"), data=lambda s: {})}),
    # Not public: a 404 for everyone but its person, as if there were no such person.
    "people:profile": Row(
        kwargs=lambda s: {"username": s.volunteer.username},
        methods=get(only({"volunteer"}, others="not_found", anonymous="not_found")),
    ),
}


def build(scenario):
    """Nothing to add: the rows use the scenario's volunteer, who has not made a profile page public."""
