"""Rendered parts of public pages, kept in the cache for a minute.

A fragment's key holds everything its HTML depends on: the page, the reader's language
and time zone, the query string, and a content version that the services move on after
every change to what it shows. Each kind of content keeps its own version: programs,
sessions and enrollments (and a session getting its report) move VERSION_KEY; the
exchange's profiles and the learning reports keep versions of their own (their apps name
the keys), so a new enrollment does not throw their fragments away. A change shows at
once; the minute bounds how long "upcoming" lags the clock and how stale an edit made
outside the services (the admin site, a bulk import) can leave a page.
"""

import hashlib
import json
import time

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone, translation

FRAGMENT_SECONDS = 60
VERSION_KEY = "programs:content-version"


def content_version(version_key=VERSION_KEY):
    version = cache.get(version_key)
    if version is None:
        # Evicted or never set: any fresh value makes every older fragment unreachable.
        cache.add(version_key, time.time_ns(), None)
        version = cache.get(version_key)
    return version


def _move_on(version_key):
    try:
        cache.incr(version_key)
    except ValueError:  # not there: a fresh version serves the same purpose
        cache.set(version_key, time.time_ns(), None)


def content_changed(version_key=VERSION_KEY):
    """Call inside the transaction that changed programs, sessions or enrollments.

    The version moves on at once and again after the commit: a page rendered in
    between, from rows not yet committed, must not be kept under the newest version.
    Another kind of content (the learning reports) keeps a version of its own under
    another version_key, so that its pages outlive changes to programs.
    """
    _move_on(version_key)
    transaction.on_commit(lambda: _move_on(version_key), robust=True)


def fragment_key(name, *parts, version_key=VERSION_KEY):
    context = [
        translation.get_language(),
        str(timezone.get_current_timezone()),
        content_version(version_key),
        parts,
    ]
    digest = hashlib.sha256(json.dumps(context, default=str).encode()).hexdigest()[:40]
    return f"programs:fragment:{name}:{digest}"


def get(key):
    return cache.get(key)


def put(key, html, seconds=FRAGMENT_SECONDS):
    cache.set(key, html, seconds)


def get_many(keys):
    """The fragments of these keys that are kept, by key (one round trip)."""
    return cache.get_many(keys) if keys else {}


def put_many(fragments_by_key, seconds=FRAGMENT_SECONDS):
    if fragments_by_key:
        cache.set_many(fragments_by_key, seconds)


def cards(name, ids, *, version_key, render):
    """The rendered card of each id, in order: kept ones from the cache in one round trip, the rest rendered.

    render(missing ids) returns {id: card} for those it can still show (a row may have
    gone since its id was listed); an id without a card is left out. A card must be the
    same for every reader allowed to see it: what differs per reader belongs around it.
    """
    keys = {pk: fragment_key(name, pk, version_key=version_key) for pk in ids}
    kept = get_many(list(keys.values()))
    missing = [pk for pk in ids if keys[pk] not in kept]
    if missing:
        fresh = {keys[pk]: card for pk, card in render(missing).items()}
        put_many(fresh)
        kept.update(fresh)
    return [kept[keys[pk]] for pk in ids if keys[pk] in kept]
