"""``python -m rasl_data``: the command-line interface (see ``rasl_data.cli``)."""

import sys

from rasl_data.cli import main

sys.exit(main())
