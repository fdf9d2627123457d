"""Covering indexes for the figures (portal/figures.py): the dashboard aggregates 100,000 projects.

- stage_change (to_stage, on_date, verification, project_id): the counted milestones of a
  period are read from the index alone;
- project (archived, responsible_unit_id, industry_code, source_team_id, clue_on, signed_on,
  started_on): new clues and the start rate, grouped by unit, industry and team, without
  reading the (wide) project rows;
- capital_entry (on_date, project_id, amount): capital in place of a period;
- project (archived, flag, responsible_unit_id): this week's flag counts.
"""
# Frozen: never edit a released migration.


def up(migrator, db):
    migrator.migrate(migrator.add_index('stage_change', ('to_stage', 'on_date', 'verification', 'project_id'),
                                        name='stage_change_figures'))
    migrator.migrate(migrator.add_index('project', ('archived', 'responsible_unit_id', 'industry_code',
                                                    'source_team_id', 'clue_on', 'signed_on', 'started_on'),
                                        name='project_figures'))
    migrator.migrate(migrator.add_index('capital_entry', ('on_date', 'project_id', 'amount'),
                                        name='capital_entry_figures'))
    migrator.migrate(migrator.add_index('project', ('archived', 'flag', 'responsible_unit_id'),
                                        name='project_flag_counts'))


def down(migrator, db):
    migrator.migrate(migrator.drop_index('project', 'project_flag_counts'))
    migrator.migrate(migrator.drop_index('capital_entry', 'capital_entry_figures'))
    migrator.migrate(migrator.drop_index('project', 'project_figures'))
    migrator.migrate(migrator.drop_index('stage_change', 'stage_change_figures'))
