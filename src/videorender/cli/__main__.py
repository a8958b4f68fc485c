"""`python -m videorender.cli`, as the console script `videorender`."""

from videorender.cli.main import main

raise SystemExit(main())
