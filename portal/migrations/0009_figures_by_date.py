"""Indexes led by the date each figure counts by (portal/figures.py, ``_source_query``).

The figures now run one small query per source and period (the projects signed in the
period, started in it, …) instead of one pass over every project with conditional sums
for all periods: each query reads only the index entries dated in its period, and the
index holds every column the query groups by and adds up, so no project row is read.

- project_signed_figures: counted signing date, then the grouping columns and the values
  of the signed figures (supersedes project_counted_signed, its prefix, which the monthly
  trend read);
- project_started_figures, project_completed_figures, project_production_figures: the
  other counted milestone dates;
- project_clue_figures: new clues by clue date;
- project_start_rate: signing and start dates (projects that could start in a period);
- project_groups: the grouping columns by id, so capital in place (read by date from
  capital_entry_figures) finds its project's unit, industry and team without the row.

Dropped, no longer read: project_counted_figures (one pass over all projects, 0008) and
project_figures (the clue and start-rate pass, 0007).
"""
# Frozen: never edit a released migration.

GROUPS = ('responsible_unit_id', 'industry_code', 'source_team_id')
MILESTONE = ('archived', 'counted_repeats') + GROUPS
INDEXES = {
    'project_signed_figures': ('counted_signed_on',) + MILESTONE + (
        'total_investment', 'contracted_amount', 'foreign_capital', 'enterprise_id', 'clue_on', 'started_on'),
    'project_started_figures': ('counted_started_on',) + MILESTONE + ('signed_on',),
    'project_completed_figures': ('counted_completed_on',) + MILESTONE,
    'project_production_figures': ('counted_production_on',) + MILESTONE,
    'project_clue_figures': ('clue_on', 'archived') + GROUPS,
    'project_start_rate': ('signed_on', 'started_on', 'archived') + GROUPS,
    'project_groups': ('id', 'archived') + GROUPS,
}
COVERING_0008 = ('archived', 'responsible_unit_id', 'industry_code', 'source_team_id', 'counted_repeats',
                 'counted_signed_on', 'counted_started_on', 'counted_completed_on', 'counted_production_on',
                 'total_investment', 'contracted_amount', 'foreign_capital', 'enterprise_id', 'clue_on',
                 'signed_on', 'started_on')


def up(migrator, db):
    for name, columns in INDEXES.items():
        migrator.migrate(migrator.add_index('project', columns, name=name))
    migrator.migrate(migrator.drop_index('project', 'project_counted_signed'))
    migrator.migrate(migrator.drop_index('project', 'project_counted_figures'))
    migrator.migrate(migrator.drop_index('project', 'project_figures'))


def down(migrator, db):
    migrator.migrate(migrator.add_index('project', ('archived', 'responsible_unit_id', 'industry_code',
                                                    'source_team_id', 'clue_on', 'signed_on', 'started_on'),
                                        name='project_figures'))
    migrator.migrate(migrator.add_index('project', COVERING_0008, name='project_counted_figures'))
    migrator.migrate(migrator.add_index('project', ('counted_signed_on', 'archived', 'counted_repeats',
                                                    'responsible_unit_id', 'industry_code', 'source_team_id',
                                                    'total_investment'), name='project_counted_signed'))
    for name in reversed(INDEXES):
        migrator.migrate(migrator.drop_index('project', name))
