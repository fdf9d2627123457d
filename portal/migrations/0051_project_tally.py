"""The projects counted by unit, team, industry, stage, flag and archiving (``project_tally``).

The dashboard's funnel and flag counts grouped every project of the city by its stage or flag:
at 1,000,000 projects on PostgreSQL that read the whole table (184 ms and 44 ms of a 1.06 s
page). The database now keeps the counts itself: every insert, update and delete of a project
adds rows of +1 / -1 (and the investment in cents) to ``project_tally``, so a count reads a few
thousand rows, and any client writing the database (an import in SQL, a script) keeps it right.

The rows are only ever added, never updated, so two writers never wait for the same row (a
counter updated in place made concurrent edits of projects in one group queue for it and could
deadlock); ``portal.figures.tally`` folds them into one row per group when they grow many.

SQLite: row triggers in plain SQL, on an update only when a counted column changed. (An INSERT OR
REPLACE that replaces a project fires no delete trigger unless recursive triggers are on; the
portal never writes one, and ``portal db upgrade`` finds and repairs what a script's might.)
PostgreSQL: statement triggers over the transition tables, so an update of 100,000 projects
adds one grouped row per group, not 200,000 rows.
MySQL/MariaDB: the table, no triggers (creating them needs privileges a portal account often
lacks): the counts are read from the projects as before.
"""
# Frozen: never edit a released migration.
import peewee

GROUP = "responsible_unit_id, source_team_id, industry_code, stage, flag, archived"
COLUMNS = GROUP + ", projects, investment_cents"


def _table(db):
    if isinstance(db, peewee.PostgresqlDatabase):
        key, boolean = "BIGSERIAL PRIMARY KEY", "BOOLEAN"
    elif isinstance(db, peewee.SqliteDatabase):
        key, boolean = "INTEGER NOT NULL PRIMARY KEY", "INTEGER"
    else:
        key, boolean = "BIGINT AUTO_INCREMENT PRIMARY KEY", "BOOL"
    db.execute_sql(
        f"CREATE TABLE project_tally (id {key}, responsible_unit_id INTEGER NOT NULL, source_team_id INTEGER, "
        f"industry_code VARCHAR(40) NOT NULL, stage VARCHAR(20) NOT NULL, flag VARCHAR(10) NOT NULL, "
        f"archived {boolean} NOT NULL, projects INTEGER NOT NULL, investment_cents BIGINT NOT NULL)")


def _sqlite(db):
    def row(side, sign):
        return (f"INSERT INTO project_tally ({COLUMNS}) VALUES ({side}.responsible_unit_id, {side}.source_team_id, "
                f"{side}.industry_code, {side}.stage, {side}.flag, {side}.archived, {sign}1, "
                f"{sign}CAST(round({side}.total_investment * 100) AS INTEGER))")
    counted = GROUP.split(", ") + ["total_investment"]
    changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in counted)
    db.execute_sql(f"CREATE TRIGGER project_tally_ai AFTER INSERT ON project BEGIN {row('new', '')}; END")
    db.execute_sql(f"CREATE TRIGGER project_tally_ad AFTER DELETE ON project BEGIN {row('old', '-')}; END")
    db.execute_sql(f"CREATE TRIGGER project_tally_au AFTER UPDATE OF {', '.join(counted)} ON project "
                   f"WHEN {changed} BEGIN {row('old', '-')}; {row('new', '')}; END")


def _grouped(rows: str, sign: str) -> str:
    return (f"SELECT {GROUP}, {sign}count(*), {sign}sum(round(total_investment * 100))::bigint "
            f"FROM {rows} GROUP BY {GROUP}")


POSTGRESQL = (
    f"""CREATE OR REPLACE FUNCTION portal_project_tally_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO project_tally ({COLUMNS}) {_grouped('new_rows', '')};
      RETURN NULL;
    END $$""",
    f"""CREATE OR REPLACE FUNCTION portal_project_tally_delete() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO project_tally ({COLUMNS}) {_grouped('old_rows', '-')};
      RETURN NULL;
    END $$""",
    # The old rows counted out, the new counted in: a group whose projects did not change sums to
    # nothing and adds no row.
    f"""CREATE OR REPLACE FUNCTION portal_project_tally_update() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO project_tally ({COLUMNS})
      SELECT {GROUP}, sum(projects), sum(investment_cents) FROM (
        {_grouped('old_rows', '-')} UNION ALL {_grouped('new_rows', '')}) AS d ({COLUMNS})
      GROUP BY {GROUP} HAVING sum(projects) <> 0 OR sum(investment_cents) <> 0;
      RETURN NULL;
    END $$""",
    """CREATE TRIGGER project_tally_ai AFTER INSERT ON project REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_project_tally_insert()""",
    """CREATE TRIGGER project_tally_ad AFTER DELETE ON project REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_project_tally_delete()""",
    """CREATE TRIGGER project_tally_au AFTER UPDATE ON project REFERENCING OLD TABLE AS old_rows
    NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION portal_project_tally_update()""",
)


def _fill(db):
    """The projects already there, one row per group."""
    cents = ("CAST(round(total_investment * 100) AS INTEGER)" if isinstance(db, peewee.SqliteDatabase)
             else "round(total_investment * 100)")
    db.execute_sql(f"INSERT INTO project_tally ({COLUMNS}) SELECT {GROUP}, count(*), sum({cents}) "
                   f"FROM project GROUP BY {GROUP}")


def up(migrator, db):
    _table(db)
    if isinstance(db, peewee.SqliteDatabase):
        _sqlite(db)
    elif isinstance(db, peewee.PostgresqlDatabase):
        for statement in POSTGRESQL:
            db.execute_sql(statement)
    else:
        return
    _fill(db)


def down(migrator, db):
    if isinstance(db, (peewee.SqliteDatabase, peewee.PostgresqlDatabase)):
        for suffix in ("ai", "ad", "au"):
            db.execute_sql(f"DROP TRIGGER IF EXISTS project_tally_{suffix}"
                           + (" ON project" if isinstance(db, peewee.PostgresqlDatabase) else ""))
    if isinstance(db, peewee.PostgresqlDatabase):
        for name in ("insert", "delete", "update"):
            db.execute_sql(f"DROP FUNCTION IF EXISTS portal_project_tally_{name}()")
    db.execute_sql("DROP TABLE IF EXISTS project_tally")
