"""`python -m trading.seal`: see cli.py."""

from trading.seal.cli import main

raise SystemExit(main())
