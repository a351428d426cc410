"""The privacy gate as it was before its families went into flat arrays (2026-11-29): a reference.

tests/evaluation/test_privacy_gate.py checks that `evaluation.privacy.gate` decides exactly
as this one on generated trees and tables (with families of one by position too): the
arrays save memory, they must not change a decision. Kept as it was, Python lists of lists.
"""

from collections import deque
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from operator import add, not_


def reference_gate(
    *,
    counts: Mapping[Hashable, int],
    families: Iterable[tuple[Hashable, Sequence[Hashable]]] = (),
    k: Callable[[Hashable], int] | Mapping[Hashable, int] | int,
    links: Iterable[Collection[Hashable]] = (),
    pairs: tuple[Sequence[int], Sequence[int]] = ((), ()),
) -> set[Hashable]:
    """The keys of `counts` that must not be published.

    counts: people per cell. families: (parent, children) additive relations between
    cells. k: the threshold per cell, as a function, a mapping or one number. links:
    sets of cells that print the same figure; they must hold the same count. Every key
    named in a family or a link must be in counts (ValueError otherwise). pairs: more
    families of one child each, as two equally long sequences of positions in counts'
    order (parents, children), weighed after `families`: a large year has a million of
    them, which cost no key tuple each this way.
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
    child_total: list[int] = []
    families_of: list[list[int]] = [[] for _ in keys]  # variable → families it is in (once per occurrence)

    def new_family(p: int, cs: list[int], largest: int, total: int) -> None:
        """One more family: parent p, children cs, its k and what its children add up to."""
        f = len(parents)
        parents.append(p)
        children.append(cs)
        family_k.append(largest)
        child_total.append(total)
        leftover.append(size[p] != total)
        families_of[p].append(f)
        for c in cs:
            families_of[c].append(f)

    # A large year weighs hundreds of thousands of families, most of them of one child: one
    # pass over each family's members, no generator per family.
    number_of = index.get
    for parent_key, child_keys in families:
        i = number_of(parent_key)
        p = rep[position(parent_key) if i is None else i]
        cs = []
        largest = threshold[p]
        total = 0
        for key in child_keys:
            i = number_of(key)
            c = rep[position(key) if i is None else i]
            cs.append(c)
            largest = max(largest, threshold[c])
            total += size[c]
        new_family(p, cs, largest, total)

    pair_parents, pair_children = pairs
    if len(pair_parents) != len(pair_children):
        raise ValueError("pairs: as many parents as children")
    for positions in pairs:
        if len(positions) and (min(positions) < 0 or max(positions) >= len(keys)):
            raise ValueError("pairs: a position outside counts")
    for i, j in zip(pair_parents, pair_children, strict=True):
        p, c = rep[i], rep[j]
        new_family(p, [c], max(threshold[p], threshold[c]), size[c])

    hidden = [False] * len(keys)
    # Per family, how many of its members are hidden (kept as cells are hidden, not recounted).
    hidden_members = [0] * len(parents)

    hidden_order: list[int] = []  # the hidden variables, in the order they were hidden
    # The families that start the chains of `recoverable`: one hidden member and nothing
    # left out, so that member is worked out (kept as cells are hidden). A family whose
    # one unknown is what its children leave out solves nothing (most families of one).
    whole = list(map(not_, leftover))
    starters: set[int] = set()

    def hide(v: int) -> None:
        if hidden[v]:
            return
        hidden[v] = True
        hidden_order.append(v)
        for f in families_of[v]:
            hidden_members[f] += 1
            if whole[f]:
                if hidden_members[f] == 1:
                    starters.add(f)
                elif hidden_members[f] == 2:
                    starters.discard(f)
        memo.clear()

    memo: dict[int, bool] = {}
    for i in range(len(keys)):
        if 0 < size[i] < threshold[i]:
            hide(rep[i])

    def recoverable() -> dict[int, int]:
        """The hidden variables an attacker can pin down, each with the family it is solved from."""
        # Once per round over every family, in C (map), not in Python.
        unknowns = list(map(add, hidden_members, leftover))
        solved = [False] * len(keys)
        derived_by: dict[int, int] = {}
        queue = deque(sorted(starters))  # in the families' order, as a pass over all of them would take them
        while queue:
            f = queue.popleft()
            if unknowns[f] != 1:
                continue
            v = next((m for m in (parents[f], *children[f]) if hidden[m] and not solved[m]), None)
            if v is None:  # the one unknown is what the children leave out
                continue
            solved[v] = True
            derived_by[v] = f
            for g in families_of[v]:
                unknowns[g] -= 1
                if unknowns[g] == 1:
                    queue.append(g)
        return derived_by

    # Within a round, cells hidden since the round began may have cut a chain: `known`
    # checks a recovered cell's chain against the current hidden cells (memoized until
    # the next cell is hidden), so one fix is not made twice.
    derived_by: dict[int, int] = {}

    def members(f: int, besides: int) -> list[int]:
        return [m for m in (parents[f], *children[f]) if m != besides]

    def known(v: int) -> bool:
        if not hidden[v]:
            return True
        if v not in derived_by:
            return False
        stack = [v]
        while stack:
            x = stack[-1]
            if x in memo:
                stack.pop()
                continue
            result, pending = True, False
            for m in members(derived_by[x], x):
                if not hidden[m]:
                    continue
                if m not in derived_by or memo.get(m) is False:
                    result = False
                    break
                if m not in memo:
                    stack.append(m)
                    pending = True
            if not result or not pending:
                memo[x] = result
                stack.pop()
        return memo[v]

    def smallest_shown_child(f: int, besides: int = -1) -> int | None:
        best = None
        for c in children[f]:
            if c != besides and not hidden[c] and size[c] > 0 and (best is None or size[c] < size[best]):
                best = c
        return best

    def recovered_children(f: int, besides: int = -1) -> list[int]:
        found = [c for c in children[f] if c != besides and hidden[c] and size[c] > 0 and known(c)]
        return sorted(found, key=lambda c: size[c])

    def conceal(v: int, seen: set[int]) -> bool:
        """Make the known v unknown: hide it, or cut the family it is solved from. True if a cell was hidden.

        A family is cut at its smallest shown child, else at the chain that recovers one
        of its hidden children, and only then at its parent: totals are the figures
        readers need most.
        """
        if not hidden[v]:
            hide(v)
            return True
        f = derived_by[v]
        if f in seen:
            return False
        seen.add(f)
        c = smallest_shown_child(f, besides=v)
        if c is not None:
            hide(c)
            return True
        if any(conceal(c, seen) for c in recovered_children(f, besides=v)):
            return True
        p = parents[f]
        return p != v and size[p] > 0 and conceal(p, seen)

    # Each round looks again only at the families that may have changed: those with a
    # member hidden, recovered or no longer recovered (or recovered another way) since the
    # round before, and those that needed a fix last time. What a family publishes by
    # subtraction depends on its members alone, so a family left out would decide as it did
    # when last looked at; the rounds end when none of them needs anything, as before.
    # A hidden variable's state is (known, the family it is solved from); one that is not
    # recovered is (False, None), so only the recovered ones are kept, with how many
    # variables were hidden at the time: those hidden since have moved too.
    state: dict[int, tuple[bool, int]] = {}
    hidden_before = 0
    fixed: set[int] = set()  # families that needed a fix in the round before
    first = True
    changed = True
    while changed:
        changed = False
        derived_by = recoverable()
        memo.clear()
        now = {v: (known(v), f) for v, f in derived_by.items()}
        if first:
            dirty: Iterable[int] = range(len(parents))
            first = False
        else:
            moved = [v for v, value in now.items() if state.get(v) != value]
            moved += [v for v in state if v not in now]
            moved += hidden_order[hidden_before:]
            dirty = sorted({f for v in moved for f in families_of[v]}.union(fixed))
        state, fixed, hidden_before = now, set(), len(hidden_order)
        # A small cell recovered by subtraction along a chain of families.
        for v in sorted(derived_by):
            if 0 < size[v] < threshold[v] and known(v):
                changed |= conceal(v, set())
        # A family whose known parent minus its known children is a small group.
        for f in dirty:
            p = parents[f]
            if hidden[p] and not known(p):
                continue
            if hidden_members[f] == hidden[p]:  # no child hidden: the sum is the one worked out at the start
                rest = size[p] - child_total[f]
            else:
                rest = size[p] - sum(size[c] for c in children[f] if not hidden[c] or known(c))
            if 0 < rest < family_k[f]:
                fixed.add(f)
                c = smallest_shown_child(f)
                if c is not None:
                    hide(c)
                    changed = True
                    continue
                seen: set[int] = set()
                if any(conceal(c, seen) for c in recovered_children(f)):
                    changed = True
                else:
                    changed |= conceal(p, seen)

    result = {key for i, key in enumerate(keys) if hidden[rep[i]]}
    # conceal calls itself: a cycle through its closure that would keep every list above
    # alive until Python's cycle collector ran (a build pauses it). Broken, they go now.
    conceal = None
    return result
