"""``python -m movielens_tui``."""

from movielens_tui.cli import main

raise SystemExit(main())
