"""The dashboard: the city's investment figures at a glance, year on year, drillable (portal.figures)."""
