-- DropIndex
DROP INDEX "repositories_name_key";

-- DropIndex
DROP INDEX "repositories_app_id_idx";

-- CreateIndex
CREATE UNIQUE INDEX "repositories_app_id_name_key" ON "repositories"("app_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "repositories_name_without_app_key" ON "repositories"("name") WHERE (app_id IS NULL);
