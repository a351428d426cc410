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
   non-zero child is hidden too (ties: the first in the family's order); when no child
   is left to hide, the chain that recovers a hidden child is cut (see below), and only
   then is the parent hidden. "Known" covers shown cells and hidden cells that can be
   worked out exactly: a hidden cell that is the only unknown of a family is recovered
   by subtraction, so the gate follows such chains across families (a quarter hidden
   as a complement can be recovered from its year, then used to recover a region of
   that quarter) and hides one more cell of the chain when it ends on a small cell.
   What children leave out of their parent (people who did not answer a question)
   counts as an unpublished part of the family.
3. **Links**: the same figure printed in two places (the movement report's
   "region = X" cell and region X's own total) is one cell: shown or hidden together.

It repeats until nothing changes, each round looking again only at the families whose
members were hidden or recovered since the round before (and at those it had to fix).
Everything is in input order, so the same input gives the same output. It is greedy:
it does not look for the fewest cells to hide.
The gate works on people counts; a hidden cell's other figures (its sum of hours, its
costs) are withheld with it, and since they add up along the same families, what can
be subtracted out of them covers k people or more, as for the counts.

What it does not cover: bounds an attacker can derive by linear programming from
several families at once when no single family pins a cell down (the cells of a
2 × 2 block of a region × quarter table, each row and column holding two hidden cells,
are only bounded, not recovered), and figures published outside the families and
links the caller declares. Means and percentages are published only from
`publishable_mean(n)` people.
"""

from array import array
from collections import deque
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from operator import ne

import numpy as np
from django.conf import settings

from programs.models import DEMOGRAPHIC_DIMENSIONS

DEMOGRAPHIC_BREAKDOWNS = frozenset(DEMOGRAPHIC_DIMENSIONS)  # gender, age, newcomer
DEMOGRAPHIC_INDICATORS = frozenset({"newcomers"})
MOST_PEOPLE = 1 << 40  # a count the gate takes: families sum their children in 64 bits
MOST_FIGURES = 1 << 28  # cells, families and their members: numbered in 32 bits


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
    pairs: tuple[Sequence[int], Sequence[int]] = ((), ()),
) -> set[Hashable]:
    """The keys of `counts` that must not be published.

    counts: people per cell. families: (parent, children) additive relations between
    cells. k: the threshold per cell, as a function, a mapping or one number. links:
    sets of cells that print the same figure; they must hold the same count. Every key
    named in a family or a link must be in counts (ValueError otherwise). pairs: more
    families of one child each, as two equally long sequences of positions in counts'
    order (parents, children), weighed after `families`.
    Counts are numbers of people, at most MOST_PEOPLE.

    The same decisions as `gate_positions`, which takes every cell by its position.
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

    parents, ends, children = array("q"), array("q"), array("q")
    for parent_key, child_keys in families:
        parents.append(position(parent_key))
        children.extend(position(key) for key in child_keys)
        ends.append(len(children))
    # A link of several cells: each one linked to its first.
    firsts, others = array("q"), array("q")
    for link in links:
        members = [position(key) for key in link]
        for other in members[1:]:
            firsts.append(members[0])
            others.append(other)
    hidden = gate_positions(
        size=[counts[key] for key in keys],
        threshold=threshold,
        families=(parents, ends, children),
        links=(firsts, others),
        pairs=pairs,
    )
    return {keys[i] for i in np.flatnonzero(hidden).tolist()}


def _positions(values, count: int, what: str) -> np.ndarray:
    """A sequence of positions among `count` cells as a 64-bit array (ValueError if one is not a position)."""
    values = np.asarray(values)
    if values.ndim != 1 or (len(values) and values.dtype.kind not in "iu"):
        raise ValueError(f"{what}: positions are whole numbers, one list of them each")
    if len(values) and (values.min() < 0 or values.max() >= count):
        raise ValueError(f"{what}: a position outside counts")
    return values.astype(np.int64, copy=False)


def gate_positions(
    *,
    size: Sequence[int],
    threshold: Sequence[int],
    families: tuple[Sequence[int], Sequence[int], Sequence[int]] = ((), (), ()),
    links: tuple[Sequence[int], Sequence[int]] = ((), ()),
    pairs: tuple[Sequence[int], Sequence[int]] = ((), ()),
) -> np.ndarray:
    """Which cells must not be published (a boolean array), every cell named by its position.

    size: people per cell; threshold: each cell's k. families: (parents, ends, children),
    family f being parents[f] → children[ends[f - 1]:ends[f]] (ends[-1] read as 0).
    links: (a, b), cell a[i] printing the same figure as b[i]; they must hold the same
    count. pairs: more families of one child each, (parents, children), weighed after
    `families`. A large year weighs half a million cells and a million families: arrays
    hold them without a key, a tuple or a number object each.
    """
    count = len(size)
    if count >= MOST_FIGURES:
        raise ValueError(f"fewer than {MOST_FIGURES:,} counts at once")
    if len(threshold) != count:
        raise ValueError("a threshold for every count")
    size = size.tolist() if isinstance(size, np.ndarray) else [int(value) for value in size]
    threshold = threshold.tolist() if isinstance(threshold, np.ndarray) else [int(value) for value in threshold]
    if any(value < 0 for value in size):
        raise ValueError("counts must not be negative")
    if any(value > MOST_PEOPLE for value in size):  # families add them up in 64-bit arrays
        raise ValueError(f"counts must be numbers of people (at most {MOST_PEOPLE:,})")

    # Links: every cell of a linked set becomes one variable, its first cell.
    representative = array("i", range(count))

    def find(i: int) -> int:
        while representative[i] != i:
            representative[i] = representative[representative[i]]
            i = representative[i]
        return i

    firsts, others = (_positions(values, count, "links") for values in links)
    if len(firsts) != len(others):
        raise ValueError("links: as many cells on each side")
    for first, other in zip(firsts.tolist(), others.tolist(), strict=True):
        a, b = find(first), find(other)
        if size[a] != size[b]:
            raise ValueError(f"linked cells {a} and {b} hold different counts")
        if a != b:
            representative[max(a, b)] = min(a, b)
    rep = array("i", map(find, range(count)))
    for i, r in enumerate(rep):
        threshold[r] = max(threshold[r], threshold[i])

    # Families over variables, in flat arrays: a large year weighs a million families, and a
    # Python list per family (and per variable, of the families it is in) cost about 300 MB.
    # Family f: parent parents[f], children child_flat[child_start[f]:child_start[f + 1]],
    # its k, what its children add up to, and whether they leave part of the parent out.
    family_parents, family_ends, family_children = families
    family_parents = _positions(family_parents, count, "families")
    family_children = _positions(family_children, count, "families")
    family_ends = np.asarray(family_ends, dtype=np.int64)
    if len(family_ends) != len(family_parents) or (
        len(family_ends)
        and (np.any(np.diff(family_ends) < 0) or family_ends[0] < 0 or family_ends[-1] != len(family_children))
    ):
        raise ValueError("families: an end for every parent, in order, the last at the end of the children")
    pair_parents, pair_children = (_positions(values, count, "pairs") for values in pairs)
    if len(pair_parents) != len(pair_children):
        raise ValueError("pairs: as many parents as children")
    if len(family_parents) + len(family_children) + 2 * len(pair_parents) >= MOST_FIGURES:
        raise ValueError(f"fewer than {MOST_FIGURES:,} families and members at once")

    # Positions fit in 32 bits (MOST_FIGURES): the members as variables, parents and
    # children of both kinds, each in one 32-bit array (the largest thing made here).
    variable = np.frombuffer(rep, dtype=np.int32)
    p = np.empty(len(family_parents) + len(pair_parents), dtype=np.int32)
    c = np.empty(len(family_children) + len(pair_children), dtype=np.int32)
    single, in_families, paired = len(family_parents), len(family_children), len(pair_parents)
    for out, values in ((p[:single], family_parents), (p[single:], pair_parents)):
        np.take(variable, values, out=out, mode="clip")  # positions checked above; "clip" writes in place
    for out, values in ((c[:in_families], family_children), (c[in_families:], pair_children)):
        np.take(variable, values, out=out, mode="clip")
    del family_parents, family_children, pair_parents, pair_children
    threshold_of = np.array(threshold, dtype=np.int64)
    size_of = np.array(size, dtype=np.int64)
    family_c = c[:in_families]
    starts = np.concatenate(([0], family_ends[:-1])) if len(family_ends) else family_ends
    # Each family's largest k and its children's total; a family without children has its parent's k and 0.
    nonempty = family_ends > starts
    largest = threshold_of[p]
    total = np.zeros(len(p), dtype=np.int64)
    if nonempty.any():
        where = np.flatnonzero(nonempty)
        largest[where] = np.maximum(largest[where], np.maximum.reduceat(threshold_of[family_c], starts[where]))
        total[where] = np.add.reduceat(size_of[family_c], starts[where])
        del where
    largest[single:] = np.maximum(largest[single:], threshold_of[c[in_families:]])
    total[single:] = size_of[c[in_families:]]
    del threshold_of, size_of, family_c, starts, nonempty
    parents, child_flat = _as_array("i", p), _as_array("i", c)
    del p, c
    child_start = _as_array(
        "i", np.concatenate(([0], family_ends, in_families + np.arange(1, paired + 1))).astype(np.int32)
    )
    family_k, child_total = _as_array("i", largest.astype(np.int32)), _as_array("q", total)
    del largest, total

    leftover = bytearray(map(ne, map(size.__getitem__, parents), child_total))
    families_of_start, families_of_flat = _families_of(count, parents, child_start, child_flat)

    hidden = [False] * count
    # Per family, how many of its members are hidden (kept as cells are hidden, not recounted).
    hidden_members = array("i", bytes(parents.itemsize * len(parents)))
    hidden_view, leftover_view = np.frombuffer(hidden_members, dtype=np.int32), np.frombuffer(leftover, dtype=np.uint8)

    hidden_order: list[int] = []  # the hidden variables, in the order they were hidden
    # The families that start the chains of `recoverable`: one hidden member and nothing
    # left out, so that member is worked out (kept as cells are hidden). A family whose
    # one unknown is what its children leave out solves nothing (most families of one).
    starters: set[int] = set()

    def families_of(v: int) -> array:
        """The families v is in, once per occurrence, in the families' order."""
        return families_of_flat[families_of_start[v] : families_of_start[v + 1]]

    def children(f: int) -> array:
        return child_flat[child_start[f] : child_start[f + 1]]

    def hide(v: int) -> None:
        if hidden[v]:
            return
        hidden[v] = True
        hidden_order.append(v)
        for f in families_of_flat[families_of_start[v] : families_of_start[v + 1]]:
            hidden_members[f] += 1
            if not leftover[f]:
                if hidden_members[f] == 1:
                    starters.add(f)
                elif hidden_members[f] == 2:
                    starters.discard(f)
        memo.clear()

    memo: dict[int, bool] = {}
    for i in range(count):
        if 0 < size[i] < threshold[i]:
            hide(rep[i])

    def recoverable() -> dict[int, int]:
        """The hidden variables an attacker can pin down, each with the family it is solved from."""
        # Once per round over every family, on arrays, not in Python.
        unknowns = array("i", np.add(hidden_view, leftover_view, dtype=np.int32).tobytes())
        solved = [False] * count
        derived_by: dict[int, int] = {}
        queue = deque(sorted(starters))  # in the families' order, as a pass over all of them would take them
        while queue:
            f = queue.popleft()
            if unknowns[f] != 1:
                continue
            v = next(
                (
                    m
                    for m in (parents[f], *child_flat[child_start[f] : child_start[f + 1]])
                    if hidden[m] and not solved[m]
                ),
                None,
            )
            if v is None:  # the one unknown is what the children leave out
                continue
            solved[v] = True
            derived_by[v] = f
            for g in families_of(v):
                unknowns[g] -= 1
                if unknowns[g] == 1:
                    queue.append(g)
        return derived_by

    # Within a round, cells hidden since the round began may have cut a chain: `known`
    # checks a recovered cell's chain against the current hidden cells (memoized until
    # the next cell is hidden), so one fix is not made twice.
    derived_by: dict[int, int] = {}

    def members(f: int, besides: int) -> list[int]:
        return [m for m in (parents[f], *child_flat[child_start[f] : child_start[f + 1]]) if m != besides]

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
        for c in children(f):
            if c != besides and not hidden[c] and size[c] > 0 and (best is None or size[c] < size[best]):
                best = c
        return best

    def recovered_children(f: int, besides: int = -1) -> list[int]:
        found = [c for c in children(f) if c != besides and hidden[c] and size[c] > 0 and known(c)]
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
            dirty = _families_touching(moved, families_of_start, families_of_flat, fixed, len(parents))
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
                rest = size[p] - sum(
                    size[c] for c in child_flat[child_start[f] : child_start[f + 1]] if not hidden[c] or known(c)
                )
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

    result = np.frombuffer(bytes(hidden), dtype=bool)[np.frombuffer(rep, dtype=np.int32)]
    # conceal calls itself: a cycle through its closure that would keep every list above
    # alive until Python's cycle collector ran (a build pauses it). Broken, they go now.
    conceal = None
    return result


def _families_touching(variables: list[int], start: array, flat: array, more: set[int], families: int) -> array:
    """The families (of `families`) any of `variables` is in, and `more`, each once and in order.

    Marked in a byte per family: a set of them (a large year's first rounds touch
    300,000) held each as a number object, and arrays of every occurrence as much again.
    """
    touched = bytearray(families)
    for v in variables:
        for f in flat[start[v] : start[v + 1]]:
            touched[f] = 1
    for f in more:
        touched[f] = 1
    return _as_array("i", np.flatnonzero(np.frombuffer(touched, dtype=np.uint8)).astype(np.int32))


def _as_array(typecode: str, values: np.ndarray) -> array:
    """A numpy array's numbers as an array.array of the same item size, copied once."""
    copied = array(typecode)
    copied.frombytes(memoryview(np.ascontiguousarray(values)).cast("B"))
    return copied


def _families_of(count: int, parents: array, child_start: array, child_flat: array) -> tuple[array, array]:
    """Each variable's families, once per occurrence and in the families' order, as offsets into one array.

    Every member (a family's parent, each of its children) is one number, variable × F +
    family: sorted, they give each variable's families in order, with no index array.
    """
    families = len(parents)
    child_family = np.repeat(np.arange(families, dtype=np.int64), np.diff(np.frombuffer(child_start, dtype=np.int32)))
    member = np.empty(families + len(child_flat), dtype=np.int64)
    np.multiply(np.frombuffer(parents, dtype=np.int32), families, out=member[:families], dtype=np.int64)
    member[:families] += np.arange(families, dtype=np.int64)
    np.multiply(np.frombuffer(child_flat, dtype=np.int32), families, out=member[families:], dtype=np.int64)
    member[families:] += child_family
    del child_family
    member.sort()
    offsets = np.searchsorted(member, np.arange(count + 1, dtype=np.int64) * max(families, 1)).astype(np.int32)
    np.remainder(member, max(families, 1), out=member)
    return array("i", offsets.tobytes()), array("i", member.astype(np.int32).tobytes())
