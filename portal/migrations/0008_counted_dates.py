"""Counted milestone dates on the project, so the figures group projects instead of stage changes.

project.counted_signed_on, counted_started_on, counted_completed_on, counted_production_on: the
latest counted date of each milestone (a stage change to that stage whose verification is
"approved" or "not_required"); project.counted_repeats: some milestone has more than one counted
change (the figures read those few projects' stage changes; indexed). Filled from stage_change in
SQL; kept by portal.stages.refresh_counted from then on.

The dates are read through one covering index (project_counted_figures: the grouping columns,
the counted dates and every value the milestone figures add up), not an index per date: given
those, SQLite fetches the ~40 % of projects with a milestone in the periods through a multi-index
OR, slower than one pass over the projects (measured with 100,000 projects). The monthly signed
amounts read project_counted_signed (by counted signing date) in date order; the funnel (current
stages) reads project_funnel.
"""
# Frozen: never edit a released migration.
from peewee import BooleanField, DateField

MILESTONES = ("signed", "started", "completed", "production")
COUNTED = "('approved', 'not_required')"
COVERING = ('archived', 'responsible_unit_id', 'industry_code', 'source_team_id', 'counted_repeats',
            'counted_signed_on', 'counted_started_on', 'counted_completed_on', 'counted_production_on',
            'total_investment', 'contracted_amount', 'foreign_capital', 'enterprise_id', 'clue_on',
            'signed_on', 'started_on')


def up(migrator, db):
    migrator.migrate(*[migrator.add_column('project', f'counted_{m}_on', DateField(null=True)) for m in MILESTONES],
                     migrator.add_column('project', 'counted_repeats', BooleanField(default=False)))
    migrator.migrate(migrator.add_index('project', ('counted_repeats',), name='project_counted_repeats'))
    # Covering index of the milestone figures (portal.figures._milestone_sources): everything the
    # grouped query reads, in its grouping order, so it never reads the (wide) project rows.
    migrator.migrate(migrator.add_index('project', COVERING, name='project_counted_figures'))
    # The monthly signed amounts: projects by counted signing date, read in date order.
    migrator.migrate(migrator.add_index('project', ('counted_signed_on', 'archived', 'counted_repeats',
                                                    'responsible_unit_id', 'industry_code', 'source_team_id',
                                                    'total_investment'), name='project_counted_signed'))
    # The funnel (projects and investment by current stage), without reading the project rows.
    migrator.migrate(migrator.add_index('project', ('archived', 'stage', 'responsible_unit_id', 'industry_code',
                                                    'source_team_id', 'total_investment'), name='project_funnel'))
    sets = [f"counted_{m}_on = (SELECT MAX(sc.on_date) FROM stage_change sc WHERE sc.project_id = project.id"
            f" AND sc.to_stage = '{m}' AND sc.verification IN {COUNTED})" for m in MILESTONES]
    stages = "(" + ", ".join(f"'{m}'" for m in MILESTONES) + ")"
    sets.append(f"counted_repeats = EXISTS (SELECT sc.to_stage FROM stage_change sc WHERE sc.project_id = project.id"
                f" AND sc.to_stage IN {stages} AND sc.verification IN {COUNTED}"
                f" GROUP BY sc.to_stage HAVING COUNT(*) > 1)")
    db.execute_sql("UPDATE project SET " + ", ".join(sets))


def down(migrator, db):
    migrator.migrate(migrator.drop_index('project', 'project_funnel'))
    migrator.migrate(migrator.drop_index('project', 'project_counted_signed'))
    migrator.migrate(migrator.drop_index('project', 'project_counted_figures'))
    migrator.migrate(migrator.drop_index('project', 'project_counted_repeats'))
    migrator.migrate(migrator.drop_column('project', 'counted_repeats'),
                     *[migrator.drop_column('project', f'counted_{m}_on') for m in reversed(MILESTONES)])
