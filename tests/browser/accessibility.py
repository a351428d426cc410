"""The accessibility check every page test calls: axe-core, no serious or critical issue."""

from axe_playwright_python.sync_playwright import Axe

_axe = Axe()


def serious_violations(page):
    results = _axe.run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + "; ".join(
            node["target"][0] if isinstance(node["target"][0], str) else str(node["target"])
            for node in violation["nodes"][:5]
        )
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def assert_accessible(page):
    problems = serious_violations(page)
    assert not problems, "axe-core found:\n" + "\n".join(problems)
