"""Policy documents: what the deployer is granted, and how it is written."""
