"""`python -m cli`, the same as the `recsvc` console script."""
import sys

from .main import main

sys.exit(main())
