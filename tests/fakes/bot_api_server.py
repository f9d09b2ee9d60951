"""Compatibility name for the fake Bot API (the code lives in tests/fakes/bot_api/)."""

from tests.fakes.bot_api import *  # noqa: F403
from tests.fakes.bot_api import __all__  # noqa: F401
