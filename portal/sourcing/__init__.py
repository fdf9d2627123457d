"""Sourcing (招商): investors and their contacts, promotion events, stationed teams' workspaces."""
