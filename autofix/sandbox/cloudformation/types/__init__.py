"""Resource types moto's CloudFormation skips or builds differently from AWS: models for the
skipped ones, stand-ins for those moto cannot create, and mended IAM roles, Lambda versions
and aliases, ELBv2 clean-up and REST APIs from their Body."""
