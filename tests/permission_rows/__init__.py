"""The permission matrix's vocabulary: personas, expected outcomes and rows; area modules add their rows."""

from dataclasses import dataclass, field

PERSONAS = ("anonymous", "volunteer", "member", "staff", "admin", "other_staff", "funder", "steward")

# Packages whose views must all be in the matrix; anything else (the Django admin,
# allauth's account pages, static files) is someone else's and is left out.
OUR_PACKAGES = {"capacity", "programs", "stakeholders", "resources", "evaluation"}
THIRD_PARTY_NAMESPACES = {"admin"}
THIRD_PARTY_NAME_PREFIXES = ("account_", "socialaccount_", "mfa_")

LOGIN_PATH = "/accounts/login/"


def everyone(outcome):
    return dict.fromkeys(PERSONAS, outcome)


def signed_in(outcome, anonymous="login"):
    return {**dict.fromkeys(PERSONAS, outcome), "anonymous": anonymous}


def only(allowed, *, others, anonymous="login", **exceptions):
    """`allowed` personas get "ok", the other signed-in personas `others`."""
    outcomes = {persona: ("ok" if persona in allowed else others) for persona in PERSONAS}
    outcomes["anonymous"] = anonymous
    outcomes.update(exceptions)
    return outcomes


# The organization's managers: staff and admins, and stewards (superusers) everywhere.
# DESIGN: the roles table gives stewards "vocabulary, indicators, languages, publish
# reports, Django admin", not any organization's sessions and participant lists.
MANAGERS = {"staff", "admin", "steward"}
# Who sees the organization's members: every role in it, and stewards.
# DESIGN: the table lists no "member" role, and gives no role "see X's members".
MEMBERS_AND_STEWARDS = {"member", "staff", "admin", "steward"}
# Who changes the organization's profile and people: its admins, and stewards.
ADMINS = {"admin", "steward"}


@dataclass(frozen=True)
class Row:
    kwargs: object = None  # scenario -> kwargs for reverse(), or None
    methods: dict = field(default_factory=dict)  # method -> (data builder or None, {persona: outcome})


def get(outcomes, data=None):
    return {"GET": (data, outcomes)}


def post(outcomes, data=None):
    return {"POST": (data, outcomes)}
