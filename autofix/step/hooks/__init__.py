"""Step hooks: what happens around each attempt of a step (`executor.StepHook`)."""
