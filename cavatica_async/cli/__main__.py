"""`python -m cavatica_async.cli`."""

import sys

from cavatica_async.cli import main

sys.exit(main())
