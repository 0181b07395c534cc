"""The embedded sandbox account: a moto server with IAM enforced."""
