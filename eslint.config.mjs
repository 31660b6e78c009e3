// ESLint: Next's rules, TypeScript's, and the dependency direction of DESIGN.md (docs/architecture.md):
// app → lib, workers → lib, components → lib/validation (+ types); lib never imports app, workers or components;
// the engine (lib/build, lib/deploy) is for workers only; target drivers do not import lib/services or lib/queries.
import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

const dbModules = ["@/lib/db", "@/lib/db/*", "@/lib/generated/*", "@/lib/services/*"];

const config = [
  ...nextVitals,
  ...nextTs,
  {
    ignores: [".next/**", "node_modules/**", "lib/generated/**", ".slipway/**", "test-results/**", "playwright-report/**", "next-env.d.ts"],
  },
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" }],
      "no-console": "off",
      "@next/next/no-html-link-for-pages": "off",
      "import/no-restricted-paths": [
        "error",
        {
          zones: [
            { target: "./lib", from: ["./app", "./workers", "./components", "./scripts", "./test", "./e2e"], message: "lib/ must not depend on app/, workers/, components/ or scripts/ (DESIGN.md: dependency direction)" },
            { target: "./components", from: ["./app", "./workers", "./lib/db.ts", "./lib/db", "./lib/services", "./lib/generated"], message: "components/ import types and lib/validation only; data comes from pages as props" },
            { target: "./workers", from: ["./app", "./components"], message: "workers/ use lib/, never the web app" },
            { target: ["./app", "./components"], from: ["./lib/deploy", "./lib/build"], message: "the engine (lib/build, lib/deploy) runs only in workers; routes and components reach it through lib/services (jobs) and lib/queries (its rows)" },
            {
              target: ["./cli", "./bin"],
              from: ["./app", "./workers", "./scripts", "./lib/db.ts", "./lib/db", "./lib/services", "./lib/queries", "./lib/generated", "./lib/env.ts", "./lib/build", "./lib/deploy", "./lib/auth"],
              message: "the command line is a client of /api/v1: it may share lib/validation, lib/api/v1/objects and pure helpers, never the server's database, services or engine",
            },
            {
              target: "./lib/deploy/targets",
              from: ["./lib/services", "./lib/queries"],
              message: "target drivers ask what they need of the inventory through the InventoryAccess they are given (lib/deploy/targets/driver.ts), never lib/services or lib/queries",
            },
          ],
        },
      ],
    },
  },
  {
    // app/ reaches the database only through lib/services and lib/queries
    files: ["app/**/*.{ts,tsx}"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: ["@/lib/db", "@/lib/db/*", "@/lib/generated/*"], message: "app/ calls lib/services (commands) and lib/queries (reads), never the database directly" }] }],
    },
  },
  {
    files: ["components/**/*.{ts,tsx}"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: dbModules, message: "components/ get data as props; they never import the database layer" },
            // the row types of the read models, yes (erased at build time); the queries themselves, no
            { group: ["@/lib/queries/*"], allowTypeImports: true, message: "components/ may import only types from lib/queries (import type ...); data comes from pages as props" },
          ],
        },
      ],
    },
  },
];

export default config;
