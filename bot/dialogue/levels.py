"""A flow that needs the chat user at a level: verification first, then back to where the flow was.

    identity = await require_level(turn, Level.LINKED, flow=self.name, reason="orders", show=code)
    if identity is None:
        return  # verification has started; `OrderFlow.resume(turn, show=code)` runs once it is reached

| the chat user is            | require_level                                                      |
|-----------------------------|--------------------------------------------------------------------|
| at the level or above       | returns their `Identity` (the flow goes on)                        |
| below it                    | hands over to `verify` with a `Goal` and returns None               |

The `Goal` (the level, the flow to resume, what it kept of where it was, and why it asked) travels
in the dialogue state of `verify` and `email_code` across as many turns as the factors take, and
survives restarts like any state. Once `identify` says the level is reached, `verify` calls
`Flow.resume(turn, **point)` of the flow that asked. A flow asks again at every step that needs the
level, so a strong level that expired between two steps (15 minutes by default) is asked for again
and the step resumes after it, with nothing the flow collected lost.

The check that decides is still the service's: data at a level is handed out by services that take
the `Identity` (`Identity.customer_at`), never because a flow believed the level was reached.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.dialogue.turn import Turn
from bot.services.identity import Identity, Level, identify


@dataclass(frozen=True)
class Goal:
    """What verification is for: reach `level`, then resume `flow` at `point`."""

    level: Level = Level.LINKED
    flow: str | None = None
    point: dict[str, Any] = field(default_factory=dict)
    #: why the flow asked (a key of `verify.REASONS`: "orders", "personal_data"); empty: nothing is said
    reason: str = ""

    def to_data(self) -> dict[str, Any]:
        return {"level": self.level.label, "flow": self.flow, "point": dict(self.point),
                "reason": self.reason}

    @classmethod
    def from_data(cls, data: object, *, then: object = None) -> Goal:
        """The goal kept in a dialogue state; `then` is how a release before goals named the flow."""
        if not isinstance(data, dict):
            return cls(flow=str(then) if isinstance(then, str) and then else None)
        point = data.get("point")
        flow = data.get("flow")
        return cls(
            level=Level.named(str(data.get("level") or "linked")),
            flow=flow if isinstance(flow, str) and flow else None,
            point=dict(point) if isinstance(point, dict) else {},
            reason=str(data.get("reason") or ""),
        )


async def current_identity(turn: Turn) -> Identity:
    return await identify(turn.uow, turn.clock, turn.settings, turn.user)


async def require_level(
    turn: Turn, level: Level, *, flow: str, reason: str = "", **point: Any
) -> Identity | None:
    """The chat user's identity if they are at `level`; else verification starts and None is returned.

    `point` must be JSON-safe: it is kept in the dialogue state until `Flow.resume` gets it back.
    """
    identity = await current_identity(turn)
    if identity.at_least(level):
        return identity
    turn.hand_over("verify", goal=Goal(level, flow, point, reason).to_data())
    return None


def resume_goal(turn: Turn, goal: Goal) -> None:
    """The level is reached: carry on with the flow that asked, if any."""
    if goal.flow:
        turn.resume_flow(goal.flow, **goal.point)
