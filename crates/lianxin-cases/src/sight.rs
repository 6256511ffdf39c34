//! Which units see a case through the units it concerns (`case_sight`): one row per (unit,
//! case) for every unit whose subtree holds a unit the case is about (its subject unit, its
//! lead, the unit it was escalated to, the units assigned to it, its enterprise's unit and
//! stationed team), `direct` when the unit itself is one of them. A limited scope then finds
//! the cases it sees through units by one range of this table's key (`scope::visible_case_ids`)
//! instead of one lookup per relation joined to the unit tree and the union of them all: a
//! sub-district sees 29,000 of 100,000 cases through its firms and as their subject unit, twice
//! over, and PostgreSQL spent more time gathering and de-duplicating those ids than reading
//! their facts.
//!
//! Kept by three writers, each from the relations as they are (`fill_sql`), never by a
//! count: the engine, for a case whose units change (`refresh`); a trigger on `enterprises`,
//! for the cases of a firm moved to another unit or team (whatever writes it: the form, an
//! import, a station); and triggers on `unit_closure`, for a unit moved in the tree (a closure
//! row added lends its ancestor the direct sight of its descendant; one removed takes it back
//! unless another unit of the case still lies below that ancestor). `scope::cases_condition`
//! stays the definition: tests hold the two to the same cases after moves of each kind.

use sea_orm::{ConnectionTrait, DbBackend, DbErr};

/// The (case, unit) pairs of the cases matching `filter` (a condition on `c`, the case), one
/// per relation of a case to a unit (a unit may come more than once).
fn relations(filter: &str) -> String {
    format!(
        "SELECT c.id AS case_id, c.subject_unit_id AS unit_id FROM cases c \
           WHERE {filter} AND c.subject_unit_id IS NOT NULL \
         UNION ALL SELECT c.id, c.lead_unit_id FROM cases c \
           WHERE {filter} AND c.lead_unit_id IS NOT NULL \
         UNION ALL SELECT c.id, c.escalated_unit_id FROM cases c \
           WHERE {filter} AND c.escalated_unit_id IS NOT NULL \
         UNION ALL SELECT c.id, a.unit_id FROM cases c \
           JOIN case_assignments a ON a.case_id = c.id WHERE {filter} \
         UNION ALL SELECT c.id, e.unit_id FROM cases c \
           JOIN enterprises e ON e.id = c.enterprise_id WHERE {filter} \
         UNION ALL SELECT c.id, e.service_team_id FROM cases c \
           JOIN enterprises e ON e.id = c.enterprise_id \
           WHERE {filter} AND e.service_team_id IS NOT NULL"
    )
}

/// Writes the sight rows of the cases matching `filter` (a condition on `c`), which must have
/// none: every ancestor of every unit they concern, `direct` for the units themselves.
pub fn fill_sql(filter: &str) -> String {
    format!(
        "INSERT INTO case_sight (unit_id, case_id, direct) \
         SELECT uc.ancestor_id, r.case_id, MAX(CASE WHEN uc.depth = 0 THEN 1 ELSE 0 END) \
         FROM ({}) r JOIN unit_closure uc ON uc.descendant_id = r.unit_id \
         GROUP BY uc.ancestor_id, r.case_id",
        relations(filter)
    )
}

/// Writes case `case_id`'s sight again from its relations (inside the engine's transaction).
pub async fn refresh(db: &impl ConnectionTrait, case_id: i64) -> Result<(), DbErr> {
    db.execute_unprepared(&format!("DELETE FROM case_sight WHERE case_id = {case_id}"))
        .await?;
    db.execute_unprepared(&fill_sql(&format!("c.id = {case_id}")))
        .await?;
    Ok(())
}

/// The triggers that keep the sight when the registries move a firm or a unit, per backend:
/// statements to run in order (PostgreSQL's trigger functions first).
pub fn trigger_statements(backend: DbBackend) -> Vec<String> {
    let refill = fill_sql("c.enterprise_id = NEW.id");
    let forget = "DELETE FROM case_sight WHERE case_id IN \
                  (SELECT id FROM cases WHERE enterprise_id = NEW.id)";
    // A closure row (A, D) added: the cases D concerns directly are seen from A too.
    let lend = |insert: &str, conflict: &str| {
        format!(
            "{insert} INTO case_sight (unit_id, case_id, direct) \
             SELECT NEW.ancestor_id, s.case_id, 0 FROM case_sight s \
             WHERE s.unit_id = NEW.descendant_id AND s.direct = 1{conflict}"
        )
    };
    // A closure row (A, D) removed: A stops seeing the cases D concerns directly, unless the
    // case concerns A itself (a direct row, kept) or another unit still below A.
    let take_back = "DELETE FROM case_sight \
         WHERE unit_id = OLD.ancestor_id AND direct = 0 \
           AND case_id IN (SELECT s.case_id FROM case_sight s \
                           WHERE s.unit_id = OLD.descendant_id AND s.direct = 1) \
           AND NOT EXISTS (SELECT 1 FROM case_sight d \
                           JOIN unit_closure uc ON uc.descendant_id = d.unit_id \
                           WHERE d.case_id = case_sight.case_id AND d.direct = 1 \
                             AND uc.ancestor_id = OLD.ancestor_id)";
    match backend {
        DbBackend::Postgres => vec![
            format!(
                "CREATE OR REPLACE FUNCTION case_sight_enterprise_moved() RETURNS trigger \
                 LANGUAGE plpgsql AS $fn$ BEGIN {forget}; {refill}; RETURN NULL; END $fn$"
            ),
            "CREATE TRIGGER case_sight_enterprise_moved \
             AFTER UPDATE OF unit_id, service_team_id ON enterprises FOR EACH ROW \
             WHEN (OLD.unit_id IS DISTINCT FROM NEW.unit_id \
                   OR OLD.service_team_id IS DISTINCT FROM NEW.service_team_id) \
             EXECUTE FUNCTION case_sight_enterprise_moved()"
                .into(),
            format!(
                "CREATE OR REPLACE FUNCTION case_sight_closure_added() RETURNS trigger \
                 LANGUAGE plpgsql AS $fn$ BEGIN {}; RETURN NULL; END $fn$",
                lend("INSERT", " ON CONFLICT DO NOTHING")
            ),
            "CREATE TRIGGER case_sight_closure_added AFTER INSERT ON unit_closure \
             FOR EACH ROW WHEN (NEW.ancestor_id <> NEW.descendant_id) \
             EXECUTE FUNCTION case_sight_closure_added()"
                .into(),
            format!(
                "CREATE OR REPLACE FUNCTION case_sight_closure_removed() RETURNS trigger \
                 LANGUAGE plpgsql AS $fn$ BEGIN {take_back}; RETURN NULL; END $fn$"
            ),
            "CREATE TRIGGER case_sight_closure_removed AFTER DELETE ON unit_closure \
             FOR EACH ROW WHEN (OLD.ancestor_id <> OLD.descendant_id) \
             EXECUTE FUNCTION case_sight_closure_removed()"
                .into(),
        ],
        _ => vec![
            format!(
                "CREATE TRIGGER case_sight_enterprise_moved \
                 AFTER UPDATE OF unit_id, service_team_id ON enterprises \
                 WHEN OLD.unit_id IS NOT NEW.unit_id \
                   OR OLD.service_team_id IS NOT NEW.service_team_id \
                 BEGIN {forget}; {refill}; END"
            ),
            format!(
                "CREATE TRIGGER case_sight_closure_added AFTER INSERT ON unit_closure \
                 WHEN NEW.ancestor_id <> NEW.descendant_id BEGIN {}; END",
                lend("INSERT OR IGNORE", "")
            ),
            format!(
                "CREATE TRIGGER case_sight_closure_removed AFTER DELETE ON unit_closure \
                 WHEN OLD.ancestor_id <> OLD.descendant_id BEGIN {take_back}; END"
            ),
        ],
    }
}
