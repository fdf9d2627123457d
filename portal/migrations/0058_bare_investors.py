"""The bare investors (no project, no contact), kept by the database (``bare_investor``).

Every user may open a bare target's page. A department, which reads few projects, had its
/investors page find them by testing every investor in name order for a project or a contact
(at 5,037 investors on PostgreSQL, 12 ms of its 30): a cost that grew with the investors' table,
not with the page. The database now lists the bare investors' ids itself, so the page reads its
own investors and this short list.

The list is a hint the portal checks, never a grant: the rule still asks each listed investor for
a project or a contact, so a row left behind opens nothing. (A project removed from an investor
while another transaction adds one can leave such a row on PostgreSQL; a missing row only hides a
bare target from a department until ``portal db upgrade`` repairs the list.)

SQLite: row triggers in plain SQL. PostgreSQL: statement triggers over the transition tables for
inserts and deletes (an import of 100,000 projects runs one per statement, not per row), and a row
trigger on a change of investor, whose condition PostgreSQL tests without running a function.
MySQL/MariaDB: the table, empty and never read (no triggers: see migration 0051); the rule tests
every investor there as before.
"""
# Frozen: never edit a released migration.
import peewee

USERS = ("project", "contact")  # the tables whose rows make an investor not bare


def _bare(investor: str) -> str:
    """SQL: ``investor`` (an id) if it is an investor with neither projects nor contacts."""
    unused = " AND ".join(f"NOT EXISTS (SELECT 1 FROM {table} WHERE enterprise_id = {investor})" for table in USERS)
    return f"EXISTS (SELECT 1 FROM enterprise WHERE id = {investor}) AND {unused}"


def _sqlite(db):
    def became_bare(investor):
        return f"INSERT OR IGNORE INTO bare_investor (enterprise_id) SELECT {investor} WHERE {_bare(investor)};"

    def not_bare(investor):
        return f"DELETE FROM bare_investor WHERE enterprise_id = {investor};"

    db.execute_sql("CREATE TRIGGER bare_investor_enterprise_ai AFTER INSERT ON enterprise "
                   "BEGIN INSERT OR IGNORE INTO bare_investor (enterprise_id) VALUES (new.id); END")
    db.execute_sql(f"CREATE TRIGGER bare_investor_enterprise_ad AFTER DELETE ON enterprise "
                   f"BEGIN {not_bare('old.id')} END")
    for table in USERS:
        db.execute_sql(f"CREATE TRIGGER bare_investor_{table}_ai AFTER INSERT ON {table} "
                       f"WHEN new.enterprise_id IS NOT NULL BEGIN {not_bare('new.enterprise_id')} END")
        db.execute_sql(f"CREATE TRIGGER bare_investor_{table}_ad AFTER DELETE ON {table} "
                       f"WHEN old.enterprise_id IS NOT NULL BEGIN {became_bare('old.enterprise_id')} END")
        db.execute_sql(f"CREATE TRIGGER bare_investor_{table}_au AFTER UPDATE OF enterprise_id ON {table} "
                       f"WHEN old.enterprise_id IS NOT new.enterprise_id "
                       f"BEGIN {not_bare('new.enterprise_id')} {became_bare('old.enterprise_id')} END")


POSTGRESQL = (
    """CREATE OR REPLACE FUNCTION portal_bare_investor_created() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO bare_investor (enterprise_id) SELECT id FROM new_rows ON CONFLICT DO NOTHING;
      RETURN NULL;
    END $$""",
    """CREATE OR REPLACE FUNCTION portal_bare_investor_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      DELETE FROM bare_investor AS b USING old_rows AS o WHERE b.enterprise_id = o.id;
      RETURN NULL;
    END $$""",
    # For project and contact alike: both name their investor in enterprise_id.
    """CREATE OR REPLACE FUNCTION portal_bare_investor_used() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      DELETE FROM bare_investor AS b USING new_rows AS n WHERE b.enterprise_id = n.enterprise_id;
      RETURN NULL;
    END $$""",
    f"""CREATE OR REPLACE FUNCTION portal_bare_investor_unused() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO bare_investor (enterprise_id)
      SELECT DISTINCT o.enterprise_id FROM old_rows AS o
      WHERE o.enterprise_id IS NOT NULL AND {_bare('o.enterprise_id')}
      ON CONFLICT DO NOTHING;
      RETURN NULL;
    END $$""",
    f"""CREATE OR REPLACE FUNCTION portal_bare_investor_moved() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      DELETE FROM bare_investor WHERE enterprise_id = NEW.enterprise_id;
      INSERT INTO bare_investor (enterprise_id) SELECT OLD.enterprise_id
      WHERE OLD.enterprise_id IS NOT NULL AND {_bare('OLD.enterprise_id')}
      ON CONFLICT DO NOTHING;
      RETURN NULL;
    END $$""",
    """CREATE TRIGGER bare_investor_enterprise_ai AFTER INSERT ON enterprise REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_bare_investor_created()""",
    """CREATE TRIGGER bare_investor_enterprise_ad AFTER DELETE ON enterprise REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_bare_investor_deleted()""",
    *(statement for table in USERS for statement in (
        f"""CREATE TRIGGER bare_investor_{table}_ai AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION portal_bare_investor_used()""",
        f"""CREATE TRIGGER bare_investor_{table}_ad AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION portal_bare_investor_unused()""",
        f"""CREATE TRIGGER bare_investor_{table}_au AFTER UPDATE OF enterprise_id ON {table} FOR EACH ROW
        WHEN (OLD.enterprise_id IS DISTINCT FROM NEW.enterprise_id)
        EXECUTE FUNCTION portal_bare_investor_moved()""")),
)

TRIGGERS = ("bare_investor_enterprise_ai", "bare_investor_enterprise_ad",
            *(f"bare_investor_{table}_{suffix}" for table in USERS for suffix in ("ai", "ad", "au")))
FUNCTIONS = ("created", "deleted", "used", "unused", "moved")


def up(migrator, db):
    db.execute_sql("CREATE TABLE bare_investor (enterprise_id INTEGER NOT NULL PRIMARY KEY)")
    if isinstance(db, peewee.SqliteDatabase):
        _sqlite(db)
    elif isinstance(db, peewee.PostgresqlDatabase):
        for statement in POSTGRESQL:
            db.execute_sql(statement)
    else:
        return
    db.execute_sql(f"INSERT INTO bare_investor (enterprise_id) SELECT e.id FROM enterprise AS e WHERE {_bare('e.id')}")


def down(migrator, db):
    if isinstance(db, (peewee.SqliteDatabase, peewee.PostgresqlDatabase)):
        postgresql = isinstance(db, peewee.PostgresqlDatabase)
        for name in TRIGGERS:
            table = name.removeprefix("bare_investor_").rsplit("_", 1)[0]
            db.execute_sql(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if postgresql else ""))
        if postgresql:
            for name in FUNCTIONS:
                db.execute_sql(f"DROP FUNCTION IF EXISTS portal_bare_investor_{name}()")
    db.execute_sql("DROP TABLE IF EXISTS bare_investor")
