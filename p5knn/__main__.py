"""``python -m p5knn``: the ``p5knn`` command."""

import sys

from p5knn.tools._cli import main

sys.exit(main())
