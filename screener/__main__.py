"""`python -m screener` runs the command line."""

import sys

from screener.cli import main

sys.exit(main())
