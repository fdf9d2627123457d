"""The rates read counted milestone dates (portal/figures.py), so their indexes hold those.

The implementation rate counts the signed projects of a period with a *counted* start by its
end, and the start rate the projects waiting to start (a counted signing, no counted start);
both read ``counted_started_on`` / ``counted_signed_on``, never ``started_on`` / ``signed_on``
(set while a change still awaits verification).

- project_signed_counted_figures: project_signed_figures (0009, rebuilt by 0010 with the class at
  signing) with counted_started_on in place of started_on, so the signed figures and the implementation
  rate read no project row;
- project_waiting_to_start: counted signing and start dates with the grouping columns (the
  start rate's denominator), in place of project_start_rate (signed_on, started_on).
"""
# Frozen: never edit a released migration.

GROUPS = ('responsible_unit_id', 'industry_code', 'source_team_id')
MILESTONE = ('archived', 'counted_repeats') + GROUPS
# The signed figures' values as 0010 left them: the investor's class at signing in place of enterprise_id.
SIGNED_VALUES = ('total_investment', 'contracted_amount', 'foreign_capital', 'fortune_global_500_at_signing',
                 'china_500_at_signing', 'china_private_500_at_signing', 'foreign_invested_at_signing', 'clue_on')
NEW = {
    'project_signed_counted_figures': ('counted_signed_on',) + MILESTONE + SIGNED_VALUES + ('counted_started_on',),
    'project_waiting_to_start': ('counted_signed_on', 'counted_started_on') + MILESTONE,
}
OLD = {
    'project_signed_figures': ('counted_signed_on',) + MILESTONE + SIGNED_VALUES + ('started_on',),
    'project_start_rate': ('signed_on', 'started_on', 'archived') + GROUPS,
}


def up(migrator, db):
    for name, columns in NEW.items():
        migrator.migrate(migrator.add_index('project', columns, name=name))
    for name in OLD:
        migrator.migrate(migrator.drop_index('project', name))


def down(migrator, db):
    for name, columns in OLD.items():
        migrator.migrate(migrator.add_index('project', columns, name=name))
    for name in NEW:
        migrator.migrate(migrator.drop_index('project', name))
