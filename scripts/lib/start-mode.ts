// Imported first by scripts/start.ts, before Next.js, React or Prisma load and read NODE_ENV: `npm start`
// runs the production build unless NODE_ENV says otherwise, `npm run dev` (start.ts --dev) development mode.
const procEnv = process.env as Record<string, string | undefined>;
if (process.argv.includes("--dev")) procEnv.NODE_ENV = "development";
else if (!procEnv.NODE_ENV) procEnv.NODE_ENV = "production";
