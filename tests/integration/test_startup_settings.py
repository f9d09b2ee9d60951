"""What building the application sets for the process it runs in."""

from __future__ import annotations

import gc

from bot import garbage_collection
from bot.bootstrap import App


async def test_the_app_runs_with_the_collector_set_for_a_long_running_service(app: App) -> None:
    assert gc.get_threshold() == garbage_collection.THRESHOLDS
