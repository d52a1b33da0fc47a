"""The purge's door on PostgreSQL: a SECURITY DEFINER function, and the privileges of the application's role.

The application's role may only INSERT and SELECT audit rows. The one way to delete them is
`trailproof_purge_batch`, owned by the migrating role, which reads the retention policy and the legal holds
itself (the caller cannot widen what it deletes), deletes one batch oldest first and writes its receipt in
the same transaction. `trailproof_drop_organization` removes a deleted organization once nothing is left to keep.
"""
from .guard import ERASURE_SETTING, PURGE_SETTING

PURGE_LOCK = "hashtext('trailproof.purge')"
EXPIRED = """e.organization_id = p_org AND e.occurred_at < v_cutoff AND e.action <> 'retention.purged'"""
HELD = """(v_org_held OR EXISTS (SELECT 1 FROM audit_legalhold h WHERE h.organization_id = p_org
           AND h.released_at IS NULL AND h.actor_id = e.actor_id))"""

FUNCTIONS = f"""
DROP FUNCTION IF EXISTS trailproof_purge_batch(bigint, timestamptz, integer);
-- p_after_at, p_after_seq: where the previous batch of this purge stopped (NULL for the first). Oldest first, each
-- batch starts its index scan after the rows the previous ones deleted instead of wading through their dead entries
-- (until vacuum removes them, every batch would scan all of them: quadratic in the backlog).
CREATE OR REPLACE FUNCTION trailproof_purge_batch(p_org bigint, p_now timestamptz, p_limit integer,
                                                  p_after_at timestamptz, p_after_seq bigint, OUT receipt_id bigint,
                                                  OUT resume_at timestamptz, OUT resume_seq bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public
-- Compiling this statement's plan to machine code (JIT) took a third of every batch (measured: 240 ms vs 135 ms),
-- and from the sixth batch on, the generic plan PL/pgSQL switches to took 500-600 ms (a custom one: 70-130).
SET jit = off SET plan_cache_mode = force_custom_plan AS $$
DECLARE
    v_now timestamptz := least(p_now, clock_timestamp());  -- the caller may purge less, never more
    v_days integer; v_cutoff timestamptz; v_org_held boolean;
    v_count bigint; v_digest text; v_ranges jsonb; v_held bigint := 0; v_tree bigint;
BEGIN
    PERFORM pg_advisory_xact_lock({PURGE_LOCK}, p_org::integer);
    -- The batch's commit does not wait for its WAL to reach the disk: the chain head (taken for the retention.purged
    -- event) is free sooner for concurrent writers. A crash can lose only the whole batch, deletions and receipt
    -- together (the next purge redoes it); any later durable commit makes it durable too.
    PERFORM set_config('synchronous_commit', 'off', true);
    SELECT greatest(retention_days, 365) INTO v_days FROM audit_organization WHERE id = p_org;
    IF v_days IS NULL THEN RAISE EXCEPTION 'no organization %', p_org; END IF;
    v_cutoff := v_now - make_interval(days => v_days);
    v_org_held := EXISTS (SELECT 1 FROM audit_legalhold WHERE organization_id = p_org AND actor_id IS NULL
                          AND released_at IS NULL);
    -- Only events the stored Merkle tree already holds: their leaves stay, so proofs of the others still work.
    SELECT coalesce(max(size), 0) INTO v_tree FROM audit_merkletree WHERE organization_id = p_org;
    PERFORM set_config('{PURGE_SETTING}', 'on', true);
    WITH doomed AS (
        SELECT e.ctid AS tid FROM audit_auditevent e WHERE {EXPIRED} AND NOT {HELD} AND e.seq <= v_tree
           AND (e.occurred_at, e.seq) > (coalesce(p_after_at, '-infinity'), coalesce(p_after_seq, 0))
        ORDER BY e.occurred_at, e.seq LIMIT p_limit),
    -- By the row's address (no index probe per row); a row changed meanwhile (a redaction) is left for the next purge.
    gone AS (DELETE FROM audit_auditevent e USING doomed d WHERE e.ctid = d.tid
             RETURNING e.id, e.seq, e.hash, e.occurred_at),
    gone_targets AS (DELETE FROM audit_eventtarget t USING gone g WHERE t.event_id = g.id),
    -- The deleted seqs' runs: each run's first and last row, paired from the few rows that start or end one.
    edges AS (SELECT * FROM (SELECT seq, hash, lag(seq) OVER w IS DISTINCT FROM seq - 1 AS starts,
                                    lead(seq) OVER w IS DISTINCT FROM seq + 1 AS ends
                               FROM gone WINDOW w AS (ORDER BY seq)) s
              WHERE starts OR ends),
    runs AS (SELECT seq AS first_seq, CASE WHEN ends THEN seq ELSE next_seq END AS last_seq,
                    CASE WHEN ends THEN hash ELSE next_hash END AS last_hash
               FROM (SELECT *, lead(seq) OVER o AS next_seq, lead(hash) OVER o AS next_hash
                       FROM edges WINDOW o AS (ORDER BY seq)) p WHERE starts)
    SELECT (SELECT count(*) FROM gone),
           (SELECT encode(sha256(coalesce(decode(string_agg(hash, '' ORDER BY seq), 'hex'), ''::bytea)), 'hex')
              FROM gone),
           (SELECT coalesce(jsonb_agg(jsonb_build_object('first_seq', first_seq, 'last_seq', last_seq,
                                                         'last_hash', last_hash) ORDER BY first_seq), '[]'::jsonb)
              FROM runs),
           last.occurred_at, last.seq
      FROM (SELECT 1) one LEFT JOIN LATERAL (SELECT g.occurred_at, g.seq FROM gone g
                                             ORDER BY g.occurred_at DESC, g.seq DESC LIMIT 1) last ON true
      INTO v_count, v_digest, v_ranges, resume_at, resume_seq;
    PERFORM set_config('{PURGE_SETTING}', 'off', true);
    IF v_count < p_limit THEN
        SELECT count(*) INTO v_held FROM audit_auditevent e WHERE {EXPIRED} AND {HELD};
    END IF;
    IF v_count = 0 AND v_held = 0 THEN RETURN; END IF;
    INSERT INTO audit_retentionreceipt (organization_id, policy_days, count, ranges, digest, purged_at, held_back)
        VALUES (p_org, v_days, v_count, v_ranges, v_digest, v_now, v_held) RETURNING id INTO receipt_id;
END $$;

CREATE OR REPLACE FUNCTION audit_receipt_sealed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.event_id IS NULL AND
       (NEW.id, NEW.organization_id, NEW.policy_days, NEW.count, NEW.ranges, NEW.digest, NEW.purged_at, NEW.held_back)
       IS NOT DISTINCT FROM
       (OLD.id, OLD.organization_id, OLD.policy_days, OLD.count, OLD.ranges, OLD.digest, OLD.purged_at, OLD.held_back)
    THEN
        RETURN NEW;  -- naming the receipt's retention.purged event, once
    END IF;
    IF TG_OP = 'DELETE' AND current_setting('{PURGE_SETTING}', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'deletion receipts are append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE OR REPLACE TRIGGER audit_receipt_sealed BEFORE UPDATE OR DELETE ON audit_retentionreceipt
    FOR EACH ROW EXECUTE FUNCTION audit_receipt_sealed();

CREATE OR REPLACE FUNCTION trailproof_redact_event(p_erasure bigint, p_event bigint, p_reason text,
                                                   p_targets jsonb, p_changes jsonb, p_metadata jsonb)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    v_org bigint; v_actor bigint; v_actor_id text; e audit_auditevent%ROWTYPE;
BEGIN
    SELECT er.organization_id, er.actor_id, a.external_id INTO v_org, v_actor, v_actor_id
      FROM audit_erasure er JOIN audit_actor a ON a.id = er.actor_id WHERE er.id = p_erasure;
    SELECT * INTO e FROM audit_auditevent WHERE id = p_event FOR UPDATE;
    IF v_org IS NULL OR e.id IS NULL OR e.organization_id <> v_org THEN
        RAISE EXCEPTION 'no such erasure or event in this organization';
    END IF;
    IF e.actor_id <> v_actor AND NOT e.targets @> jsonb_build_array(jsonb_build_object('id', v_actor_id)) THEN
        RAISE EXCEPTION 'event % neither is by nor names the erased person', p_event;
    END IF;
    -- Targets keep their type and id (what the event acted on); only a name may change.
    IF jsonb_array_length(coalesce(p_targets, '[]')) <> jsonb_array_length(coalesce(e.targets, '[]')) OR EXISTS (
        SELECT 1 FROM jsonb_array_elements(coalesce(e.targets, '[]')) WITH ORDINALITY o(t, i)
          JOIN jsonb_array_elements(coalesce(p_targets, '[]')) WITH ORDINALITY n(t, i) USING (i)
         WHERE (o.t - 'name') IS DISTINCT FROM (n.t - 'name')) THEN
        RAISE EXCEPTION 'a redaction may change only the names of targets';
    END IF;
    PERFORM set_config('{ERASURE_SETTING}', 'on', true);
    -- The source (IP, user agent) is the actor's: cleared only on the erased person's own events.
    UPDATE audit_auditevent SET source_ip = CASE WHEN e.actor_id = v_actor THEN NULL ELSE source_ip END,
                                user_agent = CASE WHEN e.actor_id = v_actor THEN NULL ELSE user_agent END,
                                reason = p_reason, targets = p_targets, changes = p_changes, metadata = p_metadata
     WHERE id = p_event;
    PERFORM set_config('{ERASURE_SETTING}', 'off', true);
END $$;

CREATE OR REPLACE FUNCTION trailproof_drop_organization(p_org bigint)
RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    v_round int; v_blocked int; v_table text; v_column text;
BEGIN
    PERFORM 1 FROM audit_organization WHERE id = p_org AND deleted_at IS NOT NULL FOR UPDATE;
    IF NOT FOUND THEN RAISE EXCEPTION 'organization % is not deleted', p_org; END IF;
    IF EXISTS (SELECT 1 FROM audit_auditevent WHERE organization_id = p_org AND action <> 'retention.purged') THEN
        RETURN false;  -- events still inside their retention period
    END IF;
    PERFORM set_config('{PURGE_SETTING}', 'on', true);
    DELETE FROM audit_retentionreceipt WHERE organization_id = p_org;
    DELETE FROM audit_eventtarget WHERE organization_id = p_org;
    DELETE FROM audit_auditevent WHERE organization_id = p_org;
    PERFORM set_config('{PURGE_SETTING}', 'off', true);
    DELETE FROM audit_redaction WHERE erasure_id IN (SELECT id FROM audit_erasure WHERE organization_id = p_org);
    -- Then every table that names the organization, whichever app added it (not a list to keep up to date),
    -- in rounds until the foreign keys between those tables let each delete through.
    FOR v_round IN 1..10 LOOP
        v_blocked := 0;
        FOR v_table, v_column IN
            SELECT c.conrelid::regclass::text, a.attname FROM pg_constraint c
              JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
             WHERE c.confrelid = 'audit_organization'::regclass AND c.contype = 'f'
               AND c.conrelid::regclass::text NOT IN ('audit_auditevent', 'audit_eventtarget', 'audit_retentionreceipt',
                                                      'audit_redaction')  -- emptied above, under the purge flag
        LOOP
            BEGIN
                EXECUTE format('DELETE FROM %s WHERE %I = $1', v_table, v_column) USING p_org;
            EXCEPTION WHEN foreign_key_violation THEN
                v_blocked := v_blocked + 1;
            END;
        END LOOP;
        EXIT WHEN v_blocked = 0;
    END LOOP;
    DELETE FROM audit_organization WHERE id = p_org;
    RETURN true;
END $$;
"""  # noqa: S608 (built from this module's constants only)

# Rows of these tables are evidence: the application's role may add and read them, never change or remove them.
APPEND_ONLY_TABLES = ("audit_auditevent", "audit_eventtarget", "audit_retentionreceipt", "audit_redaction")


_SQLITE_RECEIPT_GUARD = [
    """CREATE TRIGGER IF NOT EXISTS audit_receipt_sealed BEFORE UPDATE ON audit_retentionreceipt
       WHEN OLD.event_id IS NOT NULL OR NEW.id IS NOT OLD.id OR NEW.organization_id IS NOT OLD.organization_id
         OR NEW.policy_days IS NOT OLD.policy_days OR NEW.count IS NOT OLD.count OR NEW.ranges IS NOT OLD.ranges
         OR NEW.digest IS NOT OLD.digest OR NEW.purged_at IS NOT OLD.purged_at OR NEW.held_back IS NOT OLD.held_back
       BEGIN SELECT RAISE(ABORT, 'deletion receipts are append-only: UPDATE refused'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_receipt_no_delete BEFORE DELETE ON audit_retentionreceipt
       WHEN trailproof_purge_allowed() = 0
       BEGIN SELECT RAISE(ABORT, 'deletion receipts are append-only: DELETE refused'); END""",
]


REDACT_SIGNATURE = "trailproof_redact_event(bigint, bigint, text, jsonb, jsonb, jsonb)"


def install_purge_functions(connection) -> None:
    """Idempotent, run after every migrate: the purge functions (PostgreSQL) and the receipts' guard."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(FUNCTIONS)
        elif connection.vendor == "sqlite":
            for statement in _SQLITE_RECEIPT_GUARD:
                cursor.execute(statement)


def grant_application_role(connection, role: str) -> None:
    """Gives `role` (the role DATABASE_URL connects as) what the application needs, and no way around the guard."""
    quoted = connection.ops.quote_name(role)
    purge = "trailproof_purge_batch(bigint, timestamptz, integer, timestamptz, bigint)"
    statements = [
        f"GRANT USAGE ON SCHEMA public TO {quoted}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {quoted}",
        *(f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {table} FROM {quoted}"
          for table in APPEND_ONLY_TABLES),
        # The purge names its receipt's event once, after recording it (see audit/services/retention.py).
        f"GRANT UPDATE (event_id) ON audit_retentionreceipt TO {quoted}",
        f"REVOKE ALL ON FUNCTION {purge} FROM PUBLIC",
        "REVOKE ALL ON FUNCTION trailproof_drop_organization(bigint) FROM PUBLIC",
        f"GRANT EXECUTE ON FUNCTION {purge} TO {quoted}",
        f"GRANT EXECUTE ON FUNCTION trailproof_drop_organization(bigint) TO {quoted}",
    ]
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
