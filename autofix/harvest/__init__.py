"""Harvesting denials from everything an attempt left behind."""
