"""gunicorn's configuration hooks, run as gunicorn runs them in each worker."""
import gc
import runpy
from pathlib import Path

CONF = Path(__file__).resolve().parents[2] / "auditproject" / "gunicorn.conf.py"


def test_each_worker_freezes_what_the_application_loaded():
    hooks = runpy.run_path(str(CONF))
    gc.unfreeze()
    try:
        hooks["post_worker_init"](None)
        assert gc.get_freeze_count() > 10_000  # Django, the apps and their modules: kept out of every collection
    finally:
        gc.unfreeze()
