"""Running one deploy step: its command under `sh` with the deployer's credentials
(`runner`), pointed at the sandbox (`endpoints`), harvested and recovered (`executor`), with
hooks around each attempt (`hooks/`); no process outlives the run (`reaper`, `signals`);
failures explained (`diagnose`); the operator's setup steps (`setup`)."""
