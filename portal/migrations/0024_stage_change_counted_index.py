"""An index for a project's counted stage changes: stage_change (project_id, to_stage,
verification, on_date).

``portal.stages.refresh_counted`` reads, for each project it refreshes, the latest counted
date of each milestone (a correlated subquery per project and milestone). With only
``stagechange_project_id`` and ``stage_change_figures`` (to_stage first) to choose from,
SQLite without statistics (a fresh import, ``portal seed``) read the subqueries through
``stage_change_figures``: every signed change of the city for each project, so importing or
seeding N projects cost N² (10,000 projects: seconds; 100,000: most of 44 minutes). This
index answers each subquery from the project's own few rows, on every database.
"""
# Frozen: never edit a released migration.


def up(migrator, db):
    migrator.migrate(migrator.add_index('stage_change', ('project_id', 'to_stage', 'verification', 'on_date'),
                                        name='stage_change_counted'))


def down(migrator, db):
    migrator.migrate(migrator.drop_index('stage_change', 'stage_change_counted'))
