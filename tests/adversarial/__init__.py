"""Inputs an attacker or a careless user would send (issue 16): each test reproduces a failure."""
