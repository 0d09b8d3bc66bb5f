"""The Celery app of the platform's workers, built from the DTM_* settings (``executor.py``).

``dtm worker`` runs it; so does ``celery -A dtm_platform.defs.automation.celery_worker worker``.
The Celery executor names this module in its ``include``, so every worker imports it.
"""

from dtm_platform.defs.automation.executor import worker_app
from dtm_platform.settings import load_settings

app = worker_app(load_settings())
