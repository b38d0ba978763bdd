"""`python -m console` is the same as the `sentinel-console` command."""

import sys

from console.cli import main

# The guard matters: capture helpers start through multiprocessing, which imports the parent's
# main module in each helper; without it every helper would start a console of its own.
if __name__ == "__main__":
    sys.exit(main())
