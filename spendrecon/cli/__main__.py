"""`python -m spendrecon.cli`: the same command as the `spendrecon` script (the tests run it this way)."""
import os

from spendrecon.cli import app

os.environ.setdefault("PYTHONUNBUFFERED", "1")
app()
