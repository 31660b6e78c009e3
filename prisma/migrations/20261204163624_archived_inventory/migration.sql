-- AlterTable
ALTER TABLE "repositories" ADD COLUMN     "archived_at" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "build_rules" ADD COLUMN     "archived_at" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "deployment_rules" ADD COLUMN     "archived_at" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "targets" ADD COLUMN     "archived_at" TIMESTAMPTZ(3);
