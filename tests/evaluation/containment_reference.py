"""Figures contained in others, written figure by figure: the reference the builder is checked against.

This is how the builder found the pairs before it worked on arrays (evaluation.reports,
"Figures contained in others"): by the data, each atom's figures enumerated in Python, a
profile per figure, then every figure its profile says contains it; by definition, each
figure's `ancestors` looked up one by one. Slow at the movement's scale, plain to read;
the tests compare the builder's families with it.
"""

from collections import defaultdict

from django.conf import settings

from evaluation.models import Scope
from evaluation.reports import DEMOGRAPHIC, PEOPLE_SHARES, SKIPPED

MIXED = object()  # a profile's dimension on which the people of a figure differ
NOT_KEPT = object()


def ancestors(key):
    """The report figures that count everyone `key` counts, and maybe more (by definition, not by data)."""
    scope, scope_key, period, code, breakdown, breakdown_key, part = key
    scopes = [(scope, scope_key)] + ([(Scope.MOVEMENT, "")] if scope != Scope.MOVEMENT else [])
    breakdowns = [(breakdown, breakdown_key)] + ([("", "")] if breakdown else [])
    periods = [period] + ([period.split("-")[0]] if "-Q" in period else [])
    for wider_scope, wider_key in scopes:
        for wider_breakdown, wider_breakdown_key in breakdowns:
            for wider_period in periods:
                ancestor = (wider_scope, wider_key, wider_period, code, wider_breakdown, wider_breakdown_key, part)
                if ancestor != key:
                    yield ancestor


def profiles_of(atoms, year, codes, per_capacity_ids, keep):
    """(figure key, part) → profile [organization, region, method, emerging, quarter, capacities, outside capacities].

    A profile holds each dimension's one value, or MIXED when the figure's people
    differ on it; capacities is the set every one of its people's programs teaches, and
    the last entry whether all of them are counted outside capacity reports (the rows
    that capacity reports alone read are not). Only the (figure, part) pairs in `keep` are profiled.
    Every atom reaches the figures the GROUP BYs of `year_rows` put it in, by the same
    rules (dimensions, capacities through programs, rows without a region or method).
    """
    profiles = dict.fromkeys(keep)  # (figure, part) → its profile, None until its first atom
    scopes_of_kind = [scope for scope in Scope.values if scope != Scope.CATEGORY]
    for (
        organization,
        region,
        method,
        is_emerging,
        quarter,
        indicator_id,
        dimension,
        answer,
        category,
        program_categories,
        people,
        numerator,
        denominator,
    ) in atoms:
        code = codes[indicator_id]
        emerging = None if region is None else ("emerging" if is_emerging else "established")
        if category is not None:
            capacities = frozenset((category,))
        elif program_categories and indicator_id not in per_capacity_ids:
            capacities = frozenset(program_categories.split(","))
        else:
            capacities = frozenset()
        outside = category is None
        parts = [("", people or 0)]
        if code in PEOPLE_SHARES and denominator is not None:
            yes = int(numerator or 0)
            parts += [("yes", yes), ("no", int(denominator) - yes)]
        parts = [part for part, count in parts if count > 0]
        if not parts:
            continue
        values = {Scope.REGION: region, Scope.METHOD: method or None, Scope.ORGANIZATION: organization}
        scope_keys = [(Scope.MOVEMENT, "")]
        scope_keys += [(scope, values[scope]) for scope in scopes_of_kind if scope != Scope.MOVEMENT and values[scope]]
        if dimension:
            breakdowns = [(dimension, answer)] if answer else []
        else:
            breakdowns = [("", "")]
            breakdowns += [(name, value) for name, value in (("region", region), ("emerging", emerging)) if value]
            breakdowns += [("method", method)] if method else []
        periods = (f"{year}-Q{quarter}", str(year))
        profile = (organization, region, method or None, emerging, quarter, capacities, outside)
        figures = []
        if outside:
            for scope, scope_key in scope_keys:
                for breakdown, breakdown_key in breakdowns:
                    if breakdown not in SKIPPED.get(scope, ()):
                        figures.append((scope, scope_key, breakdown, breakdown_key))
        for capacity in capacities:
            for breakdown, breakdown_key in breakdowns:
                if breakdown not in SKIPPED[Scope.CATEGORY]:
                    figures.append((Scope.CATEGORY, capacity, breakdown, breakdown_key))
            if not dimension:
                for scope, scope_key in scope_keys:
                    figures.append((scope, scope_key, "category", capacity))
        head = list(profile[:5])
        for scope, scope_key, breakdown, breakdown_key in figures:
            for period in periods:
                key = (scope, scope_key, period, code, breakdown, breakdown_key)
                for part in parts:
                    current = profiles.get((key, part), NOT_KEPT)
                    if current is NOT_KEPT:
                        continue
                    if current is None:
                        profiles[(key, part)] = list(profile)
                        continue
                    if current[:5] != head:  # most atoms of a figure agree on every dimension
                        for index in range(5):
                            if current[index] is not MIXED and current[index] != head[index]:
                                current[index] = MIXED
                    if current[5]:
                        current[5] = current[5] & capacities
                    current[6] = current[6] and outside
    return {figure: profile for figure, profile in profiles.items() if profile is not None}


def containing(key, profile):
    """Every figure key that counts all the people `key` counts, judged from its profile."""
    scope, scope_key, period, code, breakdown, breakdown_key = key
    organization, region, method, emerging, quarter, capacities, outside = profile
    single = {
        Scope.REGION: region,
        Scope.METHOD: method,
        Scope.ORGANIZATION: organization,
    }
    single = {name: value for name, value in single.items() if value is not MIXED and value is not None}
    scopes = [(Scope.MOVEMENT, "")] + list(single.items())
    scopes += [(Scope.CATEGORY, capacity) for capacity in sorted(capacities)]
    if breakdown in DEMOGRAPHIC:
        breakdowns = [(breakdown, breakdown_key)]
    else:
        breakdowns = [("", "")]
        for name, value in (("region", region), ("emerging", emerging), ("method", method)):
            if value is not MIXED and value is not None:
                breakdowns.append((name, value))
        breakdowns += [("category", capacity) for capacity in sorted(capacities)]
    year = period.split("-")[0]
    periods = [year] + ([f"{year}-Q{quarter}"] if quarter is not MIXED else [])
    for wider_scope, wider_key in scopes:
        for wider_breakdown, wider_breakdown_key in breakdowns:
            if wider_breakdown in SKIPPED.get(wider_scope, ()):
                continue
            uses_capacity = wider_scope == Scope.CATEGORY or wider_breakdown == "category"
            if not uses_capacity and not outside:
                continue  # it counts rows that only capacity reports read
            for wider_period in periods:
                yield (wider_scope, wider_key, wider_period, code, wider_breakdown, wider_breakdown_key)


def families_by_data(counts, atoms, year, codes, per_capacity_ids, k):
    """Families of one (A → [B]) for every two figures with B inside A by the data and 0 < A − B < k."""
    largest_k = max(settings.K_ANONYMITY_DEMOGRAPHIC, settings.K_ANONYMITY_ACTIVITY)
    smallest_k = min(settings.K_ANONYMITY_DEMOGRAPHIC, settings.K_ANONYMITY_ACTIVITY)
    keep = {(key[:6], key[6]) for key, count in counts.items() if count > 0}
    families = []
    for (key, part), profile in profiles_of(atoms, year, codes, per_capacity_ids, keep).items():
        inner = (*key, part)
        size = counts[inner]
        for wider in containing(key, profile):
            outer = (*wider, part)
            rest = counts.get(outer, 0) - size  # a figure not published is no outer
            if not 0 < rest < largest_k or (rest >= smallest_k and rest >= max(k(outer), k(inner))):
                continue
            if outer not in set(ancestors(inner)):
                families.append((outer, [inner]))
    return sorted(families)


def families_within_k(counts, k):
    """Families of one (A → [B]) for every figure A that counts everyone B counts by definition and A − B < k."""
    largest_k = max(settings.K_ANONYMITY_DEMOGRAPHIC, settings.K_ANONYMITY_ACTIVITY)
    smallest_k = min(settings.K_ANONYMITY_DEMOGRAPHIC, settings.K_ANONYMITY_ACTIVITY)
    families = []
    for key, count in counts.items():
        for ancestor in ancestors(key):
            wider = counts.get(ancestor)
            if wider is None:
                continue
            rest = wider - count
            if rest < smallest_k or (rest < largest_k and rest < max(k(ancestor), k(key))):
                families.append((ancestor, [key]))
    return families


def keyed(figures, pairs):
    """The builder's families of one, given as positions in figures.keys, as (A, [B]) key tuples."""
    parents, children = pairs
    return [(figures.keys[parent], [figures.keys[child]]) for parent, child in zip(parents, children, strict=True)]


def families_and_links(cells, region_emerging):
    """The additive relations between figures, and figures published twice, as key tuples in lists.

    How the builder found them before it kept families as positions in arrays
    (evaluation.reports._families_and_links): the same families, in the same order.

    Keys are (scope, scope key, period, indicator, breakdown, breakdown key, part): part
    "" is the people counted, "yes"/"no" a people-share's numerator and the rest.
    """
    families = []
    links = []
    children = defaultdict(list)
    for key in cells:
        scope, scope_key, period, code, breakdown, breakdown_key, part = key
        if breakdown:
            if breakdown != "category":  # a program teaches several capacities: not parts of a whole
                children[(scope, scope_key, period, code, "", "", part, breakdown)].append(key)
            if breakdown == "region" and breakdown_key in region_emerging:
                group = "emerging" if region_emerging[breakdown_key] else "established"
                children[(scope, scope_key, period, code, "emerging", group, part, "region")].append(key)
        if "-Q" in period:
            children[(scope, scope_key, period.split("-")[0], code, breakdown, breakdown_key, part, "period")].append(
                key
            )
        # A report's cell is a part of the movement's same cell: the organizations (and
        # the regions and methods) split every movement figure between them.
        if scope in (Scope.ORGANIZATION, Scope.REGION, Scope.METHOD) and breakdown != "category":
            children[(Scope.MOVEMENT, "", period, code, breakdown, breakdown_key, part, f"scope:{scope}")].append(key)
        # The movement's "region = X" is region X's own total; the same for methods and
        # capacities, and for a region's "method = M" against method M's "region = X".
        if scope == Scope.MOVEMENT and breakdown in ("region", "method", "category"):
            twin = (breakdown, breakdown_key, period, code, "", "", part)
            if twin in cells:
                links.append((key, twin))
        if scope in (Scope.REGION, Scope.METHOD, Scope.CATEGORY) and breakdown in ("region", "method", "category"):
            twin = (breakdown, breakdown_key, period, code, scope, scope_key, part)
            if twin in cells and key < twin:
                links.append((key, twin))
        # Participants minus newcomers would be the people who are not new (k = 10).
        if code == "newcomers" and not part:
            parent = (scope, scope_key, period, "participants", breakdown, breakdown_key, "")
            if parent in cells:
                children[(*parent, "newcomers")].append(key)
        # The emerging share's numerator is the participants from emerging communities.
        if code == "emerging_share" and part == "yes" and not breakdown:
            twin = (scope, scope_key, period, "participants", "emerging", "emerging", "")
            if twin in cells and cells[twin] == cells[key]:
                links.append((key, twin))
    for family_key, members in children.items():
        parent = family_key[:7]
        if parent in cells:
            families.append((parent, members))
    return families, links
