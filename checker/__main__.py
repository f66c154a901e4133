"""``python -m checker`` runs the ``itaku`` command."""
import sys

from checker.cli import main

sys.exit(main())
