"""``python -m ragflow_integrations demo``."""

import sys

from ._demo import main

sys.exit(main())
