"""The two identities: the operator (admin of the sandbox) and the deployer."""
