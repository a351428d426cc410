"""Rendered parts of public pages, kept in the cache for a minute.

A fragment's key holds what its HTML depends on: the page, the reader's language and time
zone, the query string. Beside the HTML is kept the content version it was rendered
under, which the services move on after every change to what it shows; get() reads the
version and the fragment in one round trip and serves the fragment only under the
current version (a list card, cards(), has the version in its key). Each kind of content
keeps its own version: programs, sessions and enrollments (and a session getting its
report) move VERSION_KEY; the exchange's profiles, the support requests and the learning
reports keep versions of their own (their apps name the keys), so a new enrollment does
not throw their fragments away. A change shows at once; the minute bounds how long
"upcoming" lags the clock and how stale an edit made outside the services (the admin
site, a bulk import) can leave a page.
"""

import hashlib
import json
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone, translation

from capacity.cache import asking_anyway, is_down, mark_down

FRAGMENT_SECONDS = 60
VERSION_KEY = "programs:content-version"


def content_version(version_key=VERSION_KEY):
    """The version fragments are kept under, or None when the cache does not answer: render without it."""
    if is_down():
        return None
    version = cache.get(version_key)
    if version is None and not is_down():
        # Evicted or never set: any fresh value makes every older fragment unreachable.
        cache.add(version_key, time.time_ns(), None)
        version = cache.get(version_key)
    # None when the cache did not answer (capacity.cache then stops asking it for a while).
    return version


def _move_on(version_key):
    # Asked even while this process has marked the cache down: the mark is this process's
    # alone, and other processes reading Redis would go on serving pages from before the
    # change under a version that did not move. A change costs a timeout while Redis is down.
    with asking_anyway():
        try:
            moved = cache.incr(version_key) is not None
        except ValueError:
            # Not there: nothing kept under an older version can be reached any more (the next
            # reader starts a fresh one), so the version has moved on whether this set lands or not.
            cache.set(version_key, time.time_ns(), None)
            moved = True
    if not moved:
        # The cache did not answer (django-redis gives None instead of raising): what is kept
        # under the old version is stale, so read nothing kept for a while.
        mark_down()


def content_changed(*version_keys):
    """Call inside the transaction that changed what fragments show; VERSION_KEY (programs) when none is named.

    Each version moves on at once and again after the commit: a page rendered in between,
    from rows not yet committed, must not be kept under the newest version.
    """
    version_keys = version_keys or (VERSION_KEY,)
    for version_key in version_keys:
        _move_on(version_key)
    transaction.on_commit(lambda: [_move_on(version_key) for version_key in version_keys], robust=True)


@dataclass(slots=True)
class Key:
    """Where a fragment is kept, and under which content version its last get() found it."""

    name: str  # the cache key: the page, language, time zone and parts, not the version
    version_key: str
    version: object = None  # what put() keeps the fragment with; None: put() keeps nothing


def fragment_key(name, *parts, version_key=VERSION_KEY):
    """The key of a fragment, or None when the cache does not answer (get and put then do nothing).

    It asks the cache nothing: get() reads the content version and the fragment in one
    round trip, and a fragment kept with an older version is not served.
    """
    if is_down():
        return None
    return Key(_key(name, parts, None), version_key)


def _key(name, parts, version):
    """The cache key of a fragment: the page, the reader's language and time zone, the parts (and a card's version)."""
    context = [translation.get_language(), str(timezone.get_current_timezone()), version, parts]
    digest = hashlib.sha256(json.dumps(context, default=str).encode()).hexdigest()[:40]
    return f"fragment:{name}:{digest}"


def get(key):
    """The fragment kept under `key` with the current content version, or None.

    One round trip for both when the version is there (a page served from the cache waited
    for two before; a version evicted or never set costs three more, as it did). The
    version found is remembered on the key for put(): a page rendered from rows a change
    moved the version past is kept with the old version, so it is never served as new.
    """
    if key is None:
        return None
    found = cache.get_many([key.version_key, key.name])
    version = found.get(key.version_key)
    if version is None:  # evicted or never set (a fresh one is made), or the cache did not answer
        version = content_version(key.version_key)
    key.version = version
    kept = found.get(key.name)
    if version is None or not isinstance(kept, tuple) or len(kept) != 2 or kept[0] != version:
        return None
    return kept[1]


def put(key, html, seconds=FRAGMENT_SECONDS):
    """Keep `html` under `key` with the version get(key) found: call get() on this key first.

    Without a version found (get() not called, or the cache not answering) nothing is kept.
    A slow reader's page, kept with an older version after a newer one was kept, replaces
    it: nothing stale is served, and the next reader renders the page again.
    """
    if key is not None and key.version is not None:
        cache.set(key.name, (key.version, html), seconds)


def cards(name, ids, *, version_key, render):
    """The rendered card of each id, in order: kept ones from the cache in one round trip, the rest rendered.

    render(missing ids) returns {id: card} for those it can still show (a row may have
    gone since its id was listed); an id without a card is left out. A card must be the
    same for every reader allowed to see it: what differs per reader belongs around it.
    """
    version = content_version(version_key)
    if version is None:  # the cache does not answer: render them all
        rendered = render(list(ids))
        return [rendered[pk] for pk in ids if pk in rendered]
    keys = {pk: _key(name, (pk,), version) for pk in ids}
    kept = cache.get_many(list(keys.values())) if keys else {}
    missing = [pk for pk in ids if keys[pk] not in kept]
    if missing:
        fresh = {keys[pk]: card for pk, card in render(missing).items()}
        if fresh:
            cache.set_many(fresh, FRAGMENT_SECONDS)
        kept.update(fresh)
    return [kept[keys[pk]] for pk in ids if keys[pk] in kept]
