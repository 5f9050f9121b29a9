-- DropForeignKey
ALTER TABLE "AuditTrailEntry" DROP CONSTRAINT "AuditTrailEntry_auditId_fkey";

-- AddForeignKey
ALTER TABLE "AuditTrailEntry" ADD CONSTRAINT "AuditTrailEntry_auditId_fkey" FOREIGN KEY ("auditId") REFERENCES "Audit"("id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- The audit trail and the access log are evidence: once written, no one (the service, a script, a person
-- at psql) may change or remove a row. Row triggers refuse UPDATE and DELETE; a statement trigger refuses
-- TRUNCATE, which row triggers do not see. Only someone allowed to alter the tables can get round this.
CREATE FUNCTION "refuse_rewrite"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '"%" is append-only: % refused', TG_TABLE_NAME, TG_OP
    USING HINT = 'The audit trail and the access log keep every row; add a new entry instead.';
END;
$$;

CREATE TRIGGER "AuditTrailEntry_append_only" BEFORE UPDATE OR DELETE ON "AuditTrailEntry"
  FOR EACH ROW EXECUTE FUNCTION "refuse_rewrite"();
CREATE TRIGGER "AuditTrailEntry_no_truncate" BEFORE TRUNCATE ON "AuditTrailEntry"
  FOR EACH STATEMENT EXECUTE FUNCTION "refuse_rewrite"();
CREATE TRIGGER "AccessLogEntry_append_only" BEFORE UPDATE OR DELETE ON "AccessLogEntry"
  FOR EACH ROW EXECUTE FUNCTION "refuse_rewrite"();
CREATE TRIGGER "AccessLogEntry_no_truncate" BEFORE TRUNCATE ON "AccessLogEntry"
  FOR EACH STATEMENT EXECUTE FUNCTION "refuse_rewrite"();
