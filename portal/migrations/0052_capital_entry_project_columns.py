"""Each capital entry keeps a copy of its project's unit, stationed team, industry and archiving.

The dashboard's capital in place per unit, industry and team joined every capital entry of the
period to its project for those four columns: at 1,000,000 projects on PostgreSQL a read of the
whole project table (260 ms of a 710 ms page, 270 of 810 for a county). With the copies the
figure reads the period's entries alone, through an index holding all it needs.

The database keeps the copies with triggers, so no writer can leave them behind: a new entry (or
one moved to another project) copies its project's columns; a project whose columns change
passes them on to its entries.

SQLite: triggers in plain SQL. PostgreSQL: a row trigger before each entry is written, and
one after a project's copied columns change (PostgreSQL tests the condition without running a
function, so the other updates of projects cost nothing). MySQL/MariaDB: the
columns, empty and never read (no triggers: see migration 0051); its figures join the projects
as before.
"""
# Frozen: never edit a released migration.
import peewee

COPIES = ("project_responsible_unit_id", "project_source_team_id", "project_industry_code", "project_archived")
SOURCES = ("responsible_unit_id", "source_team_id", "industry_code", "archived")
INDEX = ("on_date", "project_archived", "project_responsible_unit_id", "project_industry_code",
         "project_source_team_id", "amount")


def _columns(db):
    boolean = "BOOLEAN" if isinstance(db, peewee.PostgresqlDatabase) else (
        "INTEGER" if isinstance(db, peewee.SqliteDatabase) else "BOOL")
    for name, kind in zip(COPIES, ("INTEGER", "INTEGER", "VARCHAR(40)", boolean)):
        db.execute_sql(f"ALTER TABLE capital_entry ADD COLUMN {name} {kind}")


def _sqlite(db):
    copies, sources = ", ".join(COPIES), ", ".join(SOURCES)
    from_project = f"UPDATE capital_entry SET ({copies}) = (SELECT {sources} FROM project WHERE id = new.project_id) "
    db.execute_sql(f"UPDATE capital_entry SET ({copies}) = "
                   f"(SELECT {sources} FROM project WHERE project.id = capital_entry.project_id)")
    db.execute_sql(f"CREATE TRIGGER capital_entry_copies_ai AFTER INSERT ON capital_entry "
                   f"BEGIN {from_project} WHERE id = new.id; END")
    db.execute_sql(f"CREATE TRIGGER capital_entry_copies_au AFTER UPDATE OF project_id ON capital_entry "
                   f"BEGIN {from_project} WHERE id = new.id; END")
    changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in SOURCES)
    new_values = ", ".join(f"new.{c}" for c in SOURCES)
    db.execute_sql(f"CREATE TRIGGER project_capital_copies_au AFTER UPDATE OF {sources} ON project WHEN {changed} "
                   f"BEGIN UPDATE capital_entry SET ({copies}) = ({new_values}) WHERE project_id = new.id; END")


POSTGRESQL = (
    f"""CREATE OR REPLACE FUNCTION portal_capital_entry_copies() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      SELECT {', '.join(SOURCES)} INTO {', '.join('NEW.' + c for c in COPIES)} FROM project WHERE id = NEW.project_id;
      RETURN NEW;
    END $$""",
    f"""CREATE OR REPLACE FUNCTION portal_project_capital_copies() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE capital_entry SET ({', '.join(COPIES)}) = ({', '.join('NEW.' + s for s in SOURCES)})
      WHERE project_id = NEW.id;
      RETURN NULL;
    END $$""",
    """CREATE TRIGGER capital_entry_copies BEFORE INSERT OR UPDATE ON capital_entry
    FOR EACH ROW EXECUTE FUNCTION portal_capital_entry_copies()""",
    # A row trigger whose condition PostgreSQL tests itself: an update that moves no project to
    # another unit, team or industry, nor archives one (nearly all) runs no function at all.
    f"""CREATE TRIGGER project_capital_copies AFTER UPDATE OF {', '.join(SOURCES)} ON project FOR EACH ROW
    WHEN (({', '.join('OLD.' + s for s in SOURCES)}) IS DISTINCT FROM ({', '.join('NEW.' + s for s in SOURCES)}))
    EXECUTE FUNCTION portal_project_capital_copies()""",
)


def up(migrator, db):
    _columns(db)
    if isinstance(db, peewee.SqliteDatabase):
        _sqlite(db)
    elif isinstance(db, peewee.PostgresqlDatabase):
        db.execute_sql(f"UPDATE capital_entry AS c SET ({', '.join(COPIES)}) = "
                       f"({', '.join('p.' + s for s in SOURCES)}) FROM project AS p WHERE p.id = c.project_id")
        for statement in POSTGRESQL:
            db.execute_sql(statement)
    else:
        return
    db.execute_sql(f"CREATE INDEX capital_entry_groups ON capital_entry ({', '.join(INDEX)})")


def down(migrator, db):
    if isinstance(db, peewee.SqliteDatabase):
        for name in ("capital_entry_copies_ai", "capital_entry_copies_au", "project_capital_copies_au"):
            db.execute_sql(f"DROP TRIGGER IF EXISTS {name}")
    elif isinstance(db, peewee.PostgresqlDatabase):
        db.execute_sql("DROP TRIGGER IF EXISTS capital_entry_copies ON capital_entry")
        db.execute_sql("DROP TRIGGER IF EXISTS project_capital_copies ON project")
        db.execute_sql("DROP FUNCTION IF EXISTS portal_capital_entry_copies()")
        db.execute_sql("DROP FUNCTION IF EXISTS portal_project_capital_copies()")
    if isinstance(db, (peewee.SqliteDatabase, peewee.PostgresqlDatabase)):
        db.execute_sql("DROP INDEX IF EXISTS capital_entry_groups")
    for name in COPIES:
        migrator.migrate(migrator.drop_column("capital_entry", name))
