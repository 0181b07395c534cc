"""The repair loop: run a step, harvest its denials, grant, apply, wait, retry.

Bounds: attempts per step, overall time, and no progress (a denial that is still there
after its grant is in force, or a failure with no denial at all). The loop knows the
account only through an executor (runs a step) and one grantor per principal; after
every step succeeded, a verifier replays the policy in a fresh account (`autofix.loop.verify`).

Modules: `contracts` (settings, files, the verify result, a strategy's hooks),
`repair_loop` (steps and attempts), `repair` (denials to grants), `finish` (the outcome).
A strategy's and the verify pass's hooks (`Planner`, `Verifier`, ...) are in `contracts`.
"""

from autofix.loop.contracts import LoopSettings, OutputFiles
from autofix.loop.repair_loop import RepairLoop

__all__ = ["LoopSettings", "OutputFiles", "RepairLoop"]
