"""Video wall benchmark: ``python -m benchmarks.video_wall --help`` (the code is in wall_bench.py,
wall_run.py and wall_rig.py).

This entry module imports nothing at the top on purpose: the capture helpers start through
multiprocessing, which imports the parent's main module in every helper, so anything imported
here (Qt, the wall) would be loaded again in each of the N helpers and distort their memory and
start-up figures.
"""

import sys

if __name__ == "__main__":
    from benchmarks.wall_bench import main

    sys.exit(main())
