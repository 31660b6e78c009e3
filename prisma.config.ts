// Prisma CLI configuration. Only `prisma generate` is used here: migrations are applied by
// `npm run db:migrate` (lib/db/migrate.ts), which records them exactly as `prisma migrate deploy` does.
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost/slipway" },
});
