"""autofix fleet: many services at once on one machine, and a CI matrix past it (docs/fleet.md)."""
