"""The investor's class at signing, kept on the project, so a closed period's figures stay as reported.

project.fortune_global_500_at_signing, china_500_at_signing, china_private_500_at_signing,
central_soe_at_signing, foreign_invested_at_signing, listed_at_signing: a copy of the investor's
class flags taken when the project's signing came to count (NULL while none counts: an unsigned
project follows its investor's current class). Kept by portal.stages.refresh_counted from then on;
filled here from each signed project's investor as it is now (the class at signing was not
recorded before).

The signed figures count Three-Category-500 and foreign-invested projects from these copies, so
project_signed_figures (0009) is rebuilt with them in place of enterprise_id: the query still
reads the index alone.
"""
# Frozen: never edit a released migration.
from peewee import BooleanField

CLASSES = ('fortune_global_500', 'china_500', 'china_private_500', 'central_soe', 'foreign_invested', 'listed')
MILESTONE = ('archived', 'counted_repeats', 'responsible_unit_id', 'industry_code', 'source_team_id')
VALUES = ('total_investment', 'contracted_amount', 'foreign_capital')
SIGNED_0009 = ('counted_signed_on',) + MILESTONE + VALUES + ('enterprise_id', 'clue_on', 'started_on')
SIGNED = ('counted_signed_on',) + MILESTONE + VALUES + (
    'fortune_global_500_at_signing', 'china_500_at_signing', 'china_private_500_at_signing',
    'foreign_invested_at_signing', 'clue_on', 'started_on')


def up(migrator, db):
    migrator.migrate(*[migrator.add_column('project', f'{flag}_at_signing', BooleanField(null=True))
                       for flag in CLASSES])
    sets = [f"{flag}_at_signing = COALESCE((SELECT e.{flag} FROM enterprise e WHERE e.id = project.enterprise_id),"
            f" FALSE)" for flag in CLASSES]
    db.execute_sql("UPDATE project SET " + ", ".join(sets) + " WHERE counted_signed_on IS NOT NULL")
    migrator.migrate(migrator.drop_index('project', 'project_signed_figures'))
    migrator.migrate(migrator.add_index('project', SIGNED, name='project_signed_figures'))


def down(migrator, db):
    migrator.migrate(migrator.drop_index('project', 'project_signed_figures'))
    migrator.migrate(migrator.add_index('project', SIGNED_0009, name='project_signed_figures'))
    migrator.migrate(*[migrator.drop_column('project', f'{flag}_at_signing') for flag in reversed(CLASSES)])
