"""autofix: find, by trial and error, the exact IAM permissions a deployment needs."""

__version__ = "0.1.0"
