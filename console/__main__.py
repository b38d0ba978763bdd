"""`python -m console` is the same as the `sentinel-console` command."""

import sys

from console.cli import main

sys.exit(main())
