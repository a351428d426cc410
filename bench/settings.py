"""Settings for the benchmark: production's, plus a bare view to compare pages against.

Everything the product reads from the environment is read the same way (bench/run.py
sets DEBUG=false and the rest), so gunicorn serves with production's middleware,
templates, cache and database settings. Only the URLs and the static files directory differ.
"""

from capacity.settings import *  # noqa: F403
from capacity.settings import BASE_DIR

ROOT_URLCONF = "bench.urls"
# collectstatic for the bench writes here, not over a deployment's staticfiles/.
STATIC_ROOT = BASE_DIR / "var" / "bench-static"
