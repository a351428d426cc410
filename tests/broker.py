"""The tests' way to point the Celery app at a broker."""


def use_broker(app, url):
    """Point the Celery app at `url`, dropping the connections it keeps: a test that pointed it at a
    closed port (monkeypatch puts the URL back, not the pool it opened) would leave them behind."""
    app.conf.broker_url = url
    app._pool = None  # not closed: a publisher may still hold it, and closing it under them fails
    app.amqp._producer_pool = None
