"""Small-group suppression for counts shown beyond the people they count."""


def suppress_small_cells(cells, *, minimum):
    """Split counted answers into those safe to show and one lumped "other" count.

    `cells` is a list of (key, count). A count below `minimum` (but above zero) could
    single people out, so it joins "other"; and since the total is shown, a lone
    suppressed cell could be recovered by subtraction, so the smallest shown cells join
    "other" too until it holds nobody or at least `minimum` people (complementary
    suppression). Returns (shown cells in their order, other count or None). The caller
    shows nothing at all when the total is below `minimum`.
    """
    hidden = {key for key, count in cells if 0 < count < minimum}
    other = sum(count for key, count in cells if key in hidden)
    while 0 < other < minimum:
        candidates = [(count, index, key) for index, (key, count) in enumerate(cells) if key not in hidden and count]
        if not candidates:
            break
        count, _index, key = min(candidates)
        hidden.add(key)
        other += count
    shown = [(key, count) for key, count in cells if key not in hidden]
    return shown, (other if hidden else None)
