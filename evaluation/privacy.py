"""The privacy gate: the one function that decides which report figures may be published.

Every cell of a learning report has a number of people n. The gate hides:

1. **Small cells** (primary suppression): 0 < n < k, where k is
   settings.K_ANONYMITY_DEMOGRAPHIC (10) for anything touching demographics and
   settings.K_ANONYMITY_ACTIVITY (5) otherwise (see `k_for`). Empty cells (n = 0) stay:
   nobody is in them.
2. **Cells that would give a small cell away** (complementary suppression). A *family*
   is an additive relation parent = Σ children (+ whatever the children leave out):
   a total and its regions, an emerging/established group and its regions, a year and
   its quarters, a total and its gender answers. Whenever a family's parent is known,
   parent − Σ known children is published by subtraction; if that difference is in
   [1, k − 1] (k of the family = the largest k of its cells), the smallest shown
   non-zero child is hidden too (ties: the first in the family's order), or the parent
   when no child is left to hide. "Known" covers shown cells and hidden cells that can
   be worked out exactly: a hidden cell that is the only unknown of a family is
   recovered by subtraction, so the gate follows such chains across families (a
   quarter hidden as a complement can be recovered from its year, then used to recover
   a region of that quarter) and hides one more cell of the chain when it ends on a
   small cell. What children leave out of their parent (people who did not answer a
   question) counts as an unpublished part of the family.
3. **Links**: the same figure printed in two places (the movement report's
   "region = X" cell and region X's own total) is one cell: shown or hidden together.

It repeats until nothing changes. Everything is in input order, so the same input
gives the same output. The gate works on people counts; the caller applies the hidden
cells to every indicator's figure in those cells (a hidden group's hours or costs can
be recovered by subtraction exactly as its head count can).

What it does not cover: bounds an attacker can derive by linear programming from
several families at once when no single family pins a cell down (the cells of a
2 × 2 block of a region × quarter table, each row and column holding two hidden cells,
are only bounded, not recovered), and figures published outside the families and
links the caller declares. Means and percentages are published only from
`publishable_mean(n)` people.
"""

from collections import deque
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence

from django.conf import settings

DEMOGRAPHIC_BREAKDOWNS = frozenset({"gender", "age", "newcomer"})
DEMOGRAPHIC_INDICATORS = frozenset({"newcomers"})


def k_for(*, breakdown: str, indicator_code: str | None = None) -> int:
    """The k of one report cell: the demographic k for demographic breakdowns and indicators."""
    if breakdown in DEMOGRAPHIC_BREAKDOWNS or indicator_code in DEMOGRAPHIC_INDICATORS:
        return settings.K_ANONYMITY_DEMOGRAPHIC
    return settings.K_ANONYMITY_ACTIVITY


def minimum_sample() -> int:
    return getattr(settings, "REPORT_MINIMUM_SAMPLE", 10)


def publishable_mean(n: int) -> bool:
    """Whether a mean or a percentage over n people may be published (n ≥ REPORT_MINIMUM_SAMPLE)."""
    return n >= minimum_sample()


def gate(
    *,
    counts: Mapping[Hashable, int],
    families: Iterable[tuple[Hashable, Sequence[Hashable]]] = (),
    k: Callable[[Hashable], int] | Mapping[Hashable, int] | int,
    links: Iterable[Collection[Hashable]] = (),
) -> set[Hashable]:
    """The keys of `counts` that must not be published.

    counts: people per cell. families: (parent, children) additive relations between
    cells. k: the threshold per cell, as a function, a mapping or one number. links:
    sets of cells that print the same figure; they must hold the same count. Every key
    named in a family or a link must be in counts (ValueError otherwise).
    """
    keys = list(counts)
    index = {key: i for i, key in enumerate(keys)}
    if callable(k):
        threshold = [int(k(key)) for key in keys]
    elif isinstance(k, Mapping):
        threshold = [int(k[key]) for key in keys]
    else:
        threshold = [int(k)] * len(keys)

    def position(key) -> int:
        try:
            return index[key]
        except KeyError:
            raise ValueError(f"{key!r} is in a family or a link but has no count") from None

    # Links: every cell of a link set becomes one variable, its first cell.
    representative = list(range(len(keys)))

    def find(i: int) -> int:
        while representative[i] != i:
            representative[i] = representative[representative[i]]
            i = representative[i]
        return i

    for link in links:
        members = [position(key) for key in link]
        for other in members[1:]:
            a, b = find(members[0]), find(other)
            if counts[keys[a]] != counts[keys[b]]:
                raise ValueError(f"linked cells {keys[a]!r} and {keys[b]!r} hold different counts")
            if a != b:
                representative[max(a, b)] = min(a, b)
    rep = [find(i) for i in range(len(keys))]
    size = [int(counts[key]) for key in keys]
    if any(value < 0 for value in size):
        raise ValueError("counts must not be negative")
    for i, r in enumerate(rep):
        threshold[r] = max(threshold[r], threshold[i])

    # Families over variables, each with its k and the part its children leave out.
    parents: list[int] = []
    children: list[list[int]] = []
    family_k: list[int] = []
    leftover: list[bool] = []
    families_of: list[list[int]] = [[] for _ in keys]  # variable → families it is in (once per occurrence)
    for parent_key, child_keys in families:
        p = rep[position(parent_key)]
        cs = [rep[position(key)] for key in child_keys]
        f = len(parents)
        parents.append(p)
        children.append(cs)
        family_k.append(max([threshold[p], *(threshold[c] for c in cs)]))
        leftover.append(size[p] != sum(size[c] for c in cs))
        families_of[p].append(f)
        for c in cs:
            families_of[c].append(f)

    hidden = [False] * len(keys)
    for i in range(len(keys)):
        if 0 < size[i] < threshold[i]:
            hidden[rep[i]] = True

    def recoverable() -> tuple[list[bool], dict[int, int]]:
        """Which variables an attacker knows: shown ones, and hidden ones pinned down by a family."""
        known = [not h for h in hidden]
        unknowns = [
            (not known[parents[f]]) + sum(not known[c] for c in children[f]) + leftover[f] for f in range(len(parents))
        ]
        derived_by: dict[int, int] = {}
        queue = deque(f for f in range(len(parents)) if unknowns[f] == 1)
        while queue:
            f = queue.popleft()
            if unknowns[f] != 1:
                continue
            members = [parents[f], *children[f]]
            v = next((m for m in members if not known[m]), None)
            if v is None:  # the one unknown is what the children leave out
                continue
            known[v] = True
            derived_by[v] = f
            for g in families_of[v]:
                unknowns[g] -= 1
                if unknowns[g] == 1:
                    queue.append(g)
        return known, derived_by

    def hide(v: int, known: list[bool]) -> None:
        hidden[v] = True
        known[v] = False

    def smallest_shown_child(f: int, besides: int = -1) -> int | None:
        best = None
        for c in children[f]:
            if c != besides and not hidden[c] and size[c] > 0 and (best is None or size[c] < size[best]):
                best = c
        return best

    def conceal(v: int, known: list[bool], derived_by: dict[int, int], seen: set[int]) -> bool:
        """Make v unknown: hide it, or break the family it is recovered from. True if something was hidden."""
        if not hidden[v]:
            hide(v, known)
            return True
        f = derived_by.get(v)
        if f is None or f in seen:
            return False
        seen.add(f)
        c = smallest_shown_child(f, besides=v)
        if c is not None:
            hide(c, known)
            return True
        others = sorted(
            (m for m in [*children[f], parents[f]] if m != v and size[m] > 0), key=lambda m: (hidden[m], size[m])
        )
        return any(conceal(m, known, derived_by, seen) for m in others)

    changed = True
    while changed:
        changed = False
        known, derived_by = recoverable()
        # A small cell recovered by subtraction along a chain of families.
        for v in sorted(derived_by):
            if hidden[v] and known[v] and 0 < size[v] < threshold[v]:
                changed |= conceal(v, known, derived_by, set())
        # A family whose known parent minus its known children is a small group.
        for f in range(len(parents)):
            p = parents[f]
            if not known[p]:
                continue
            rest = size[p] - sum(size[c] for c in children[f] if known[c])
            if 0 < rest < family_k[f]:
                c = smallest_shown_child(f)
                if c is not None:
                    hide(c, known)
                    changed = True
                else:
                    changed |= conceal(p, known, derived_by, set())

    return {key for i, key in enumerate(keys) if hidden[rep[i]]}
