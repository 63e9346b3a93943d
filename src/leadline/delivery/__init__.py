"""Delivery: the DORA four keys and rework rate, from GitHub, GitLab, PagerDuty, git and CSV."""
