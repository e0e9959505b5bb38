"""``python -m framework``: the same as the ``framework`` command."""

import sys

from .cli import main

sys.exit(main())
