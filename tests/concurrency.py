"""Run functions at the same moment in threads of their own, as two workers or two requests would."""

import threading

from django.db import connections


def race(*functions, catch=(), timeout=30):
    """Call every function in its own thread, released together; what each returned, in the functions' order.

    An exception of a type in `catch` is returned in its function's place (a refusal
    that is the outcome a test looks for); any other is raised once all threads end.
    Each thread closes its database connections, as a worker's would be at its end.
    """
    barrier = threading.Barrier(len(functions))
    outcomes = [None] * len(functions)
    failures = []

    def run(index, function):
        try:
            barrier.wait(timeout=timeout)
            outcomes[index] = function()
        except catch as error:
            outcomes[index] = error
        except BaseException as error:  # noqa: BLE001 - raised in the test's thread below
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index, function)) for index, function in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    if any(thread.is_alive() for thread in threads):
        raise TimeoutError(f"a racing thread was still running after {timeout} s")
    if failures:
        raise failures[0]
    return outcomes
