"""One random stage history for synthetic projects: the demo city and ``portal seed`` both walk
their projects from the clue to a final stage through ``random_history``."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from portal.stages import LINE, OFF_RAMPS


@dataclass
class History:
    began: dt.date
    steps: list  # [(main-line stage, date)], from the clue, each stage reached by ``today``
    off_ramp: tuple | None = None  # (stalled or dropped, date), when taken by ``today``

    @property
    def last(self) -> str:
        """The last main-line stage reached."""
        return self.steps[-1][0]


def random_history(rng, final: str, today: dt.date, began_within: tuple[int, int], gaps: tuple[int, int],
                   off_ramp_after: tuple[int, int] | None = None) -> History:
    """Walk a project from a clue ``began_within`` days (a ``randrange``) before ``today``
    towards ``final``, ``gaps`` days between stages, stopping at today. A stalled or dropped
    project first reaches one of the first four stages; with ``off_ramp_after`` it then takes
    the off-ramp that many days later (when that is not after today)."""
    began = today - dt.timedelta(days=rng.randrange(*began_within))
    target = final if final in LINE else rng.choice(LINE[:4])
    steps = [("clue", began)]
    day = began
    for stage in LINE[1:LINE.index(target) + 1]:
        day = day + dt.timedelta(days=rng.randrange(*gaps))
        if day > today:
            break
        steps.append((stage, day))
    off_ramp = None
    if final in OFF_RAMPS and off_ramp_after:
        off_day = steps[-1][1] + dt.timedelta(days=rng.randrange(*off_ramp_after))
        if off_day <= today:
            off_ramp = (final, off_day)
    return History(began, steps, off_ramp)
