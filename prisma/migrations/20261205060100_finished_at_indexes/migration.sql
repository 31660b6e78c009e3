-- CreateIndex
CREATE INDEX "builds_finished_at_idx" ON "builds"("finished_at");

-- CreateIndex
CREATE INDEX "deployments_finished_at_idx" ON "deployments"("finished_at");

-- CreateIndex
CREATE INDEX "deployments_target_id_finished_at_idx" ON "deployments"("target_id", "finished_at");
