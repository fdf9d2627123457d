"""Weekly scheduling (周调度): progress reports, reversed schedules, wall chart, red and yellow
flags, weekly snapshots and the scheduling meeting page."""
