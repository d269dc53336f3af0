"""`python -m cavatica_async.cli`."""

import sys

try:
    from cavatica_async.cli import main
except KeyboardInterrupt:  # Ctrl-C while the modules load: nothing has started yet
    sys.exit(130)

sys.exit(main())
