"""`python -m bot` does what the `rosee-support` console script does."""

from bot.cli.main import main

raise SystemExit(main())
