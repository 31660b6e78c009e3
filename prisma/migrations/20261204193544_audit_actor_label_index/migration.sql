-- CreateIndex
CREATE INDEX "audit_events_actor_label_id_idx" ON "audit_events"("actor_label", "id" DESC);
