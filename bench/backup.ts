// npm run bench:backup [-- --quick] — what `npm run backup` and `npm run restore` cost on a database of a known
// size: wall time, file size and the command's peak RSS (VmHWM), the median of BENCH_BACKUP_RUNS runs each, beside
// pg_dump -Fc / pg_restore --single-transaction of the same database when a pg_dump of the server's major version
// is on the PATH (Debian's is 15; the embedded server is 17 and has none).
// The database: BENCH_BACKUP_MB of build logs (random bytes, as incompressible as the stored gzip chunks are)
// and BENCH_BACKUP_EVENTS hash-chained audit events. DATABASE_URL (a scratch database on a server where its
// user may CREATE DATABASE), else an embedded PostgreSQL in a temp directory.
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { benchDatabase, loadNow, median, num, onCleanup, printTable, runBench, secs, type Row } from "@/bench/lib";

const MB = num("BENCH_BACKUP_MB", 256, 32, { integer: true });
const EVENTS = num("BENCH_BACKUP_EVENTS", 200_000, 20_000, { integer: true });
const RUNS = num("BENCH_BACKUP_RUNS", 3, 1, { integer: true });
const CHUNK = 64 * 1024;

interface Run {
  ms: number;
  peakRssMiB: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program, sampling its peak RSS (VmHWM) until it exits. */
function timed(cmd: string, args: string[], env: Record<string, string | undefined>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let hwm = 0;
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const sample = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
        if (m) hwm = Math.max(hwm, Number(m[1]) / 1024);
      } catch {
        // exited between two samples
      }
    }, 25);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearInterval(sample);
      resolve({ ms: performance.now() - t, peakRssMiB: hwm, code, stdout, stderr });
    });
  });
}

function must(r: Run, what: string): Run {
  if (r.code !== 0) throw new Error(`${what} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

async function fill(db: Awaited<ReturnType<typeof benchDatabase>>): Promise<void> {
  const { eventHash } = await import("@/lib/audit/hash");
  const now = new Date();
  await db.q(`INSERT INTO users (id, login, role, updated_at) VALUES ('u1', 'bench', 'admin', $1)`, [now]);
  await db.q(`INSERT INTO repositories (id, name, provider, url, updated_at) VALUES ('r1', 'bench/app', 'git', 'https://git.example.org/app.git', $1)`, [now]);
  await db.q(`INSERT INTO build_rules (id, repository_id, name, kind, updated_at) VALUES ('br1', 'r1', 'Dockerfile', 'docker', $1)`, [now]);
  const chunks = Math.ceil((MB * 1024 * 1024) / CHUNK);
  const perBuild = 16;
  const builds = Math.ceil(chunks / perBuild);
  await db.q(
    `INSERT INTO commits (id, repository_id, sha, message) SELECT 'c' || i, 'r1', lpad(to_hex(i), 40, '0'), 'change ' || i FROM generate_series(1, $1) i`,
    [builds],
  );
  await db.q(
    `INSERT INTO builds (id, build_rule_id, commit_id, state, trigger, log_bytes, updated_at)
     SELECT 'b' || i, 'br1', 'c' || i, 'succeeded', 'webhook', ${perBuild * CHUNK}, now() FROM generate_series(1, $1) i`,
    [builds],
  );
  for (let done = 0; done < chunks; ) {
    const n = Math.min(32, chunks - done);
    const ids: string[] = [];
    const seqs: number[] = [];
    const data: Buffer[] = [];
    for (let i = 0; i < n; i++) {
      const k = done + i;
      ids.push(`b${Math.floor(k / perBuild) + 1}`);
      seqs.push(k % perBuild);
      data.push(randomBytes(CHUNK));
    }
    await db.q(
      `INSERT INTO build_log_chunks (build_id, seq, data, length) SELECT b, s, d, ${CHUNK} FROM unnest($1::text[], $2::int[], $3::bytea[]) AS t(b, s, d)`,
      [ids, seqs, data],
    );
    done += n;
  }
  let prev = "";
  const start = Date.now() - EVENTS * 1000;
  for (let done = 0; done < EVENTS; ) {
    const n = Math.min(5000, EVENTS - done);
    const cols: unknown[][] = Array.from({ length: 7 }, () => []);
    for (let i = 0; i < n; i++) {
      const k = done + i;
      const e = {
        id: BigInt(k + 1),
        createdAt: new Date(start + k * 1000),
        actorType: "user",
        actorId: "u1",
        actorLabel: "bench",
        action: "build.requested",
        subjectType: "build",
        subjectId: `b${(k % builds) + 1}`,
        summary: `bench event ${k}`,
        before: null,
        after: { n: k },
        ip: "10.0.0.1",
        userAgent: "bench",
      };
      const hash = eventHash(prev, e);
      [e.id.toString(), e.createdAt, e.subjectId, e.summary, JSON.stringify(e.after), prev, hash].forEach((v, c) => cols[c]!.push(v));
      prev = hash;
    }
    await db.q(
      `INSERT INTO audit_events (id, created_at, actor_type, actor_id, actor_label, action, subject_type, subject_id, summary, before, after, ip, user_agent, prev_hash, hash)
       SELECT id::bigint, ca, 'user', 'u1', 'bench', 'build.requested', 'build', sid, sm, NULL, af::jsonb, '10.0.0.1', 'bench', ph, h
       FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) AS t(id, ca, sid, sm, af, ph, h)`,
      cols,
    );
    done += n;
  }
  await db.q(`SELECT setval(pg_get_serial_sequence('audit_events', 'id'), $1)`, [EVENTS]);
}

/** pg_dump of the server's major version, or null. */
function matchingPgDump(serverMajor: number): string | null {
  try {
    const v = execFileSync("pg_dump", ["--version"], { encoding: "utf8", timeout: 10_000 });
    const m = /(\d+)\.\d+/.exec(v);
    return m && Number(m[1]) === serverMajor ? "pg_dump" : null;
  } catch {
    return null;
  }
}

runBench(async () => {
  const db = await benchDatabase("SELECT count(*) AS n FROM builds");
  const dir = mkdtempSync(path.join(os.tmpdir(), "slipway-bench-backup-"));
  onCleanup("backup files", () => rmSync(dir, { recursive: true, force: true }));
  const version = (await db.q<{ v: string }>("SELECT current_setting('server_version') AS v"))[0]!.v;
  console.log(`backup benchmark: ${MB} MiB of build logs and ${EVENTS.toLocaleString("en")} audit events; PostgreSQL ${version}, ${os.cpus().length} cores${loadNow()}`);

  const tFill = performance.now();
  await fill(db);
  const size = (await db.q<{ s: string }>("SELECT pg_size_pretty(pg_database_size(current_database())) AS s"))[0]!.s;
  console.log(`filled in ${secs(performance.now() - tFill)}; database size ${size}${loadNow()}`);

  // empty databases to restore into, on the same server
  const base = new URL(db.url);
  const admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  onCleanup("admin connection", () => admin.end());
  const fresh = async (): Promise<string> => {
    const name = `slipway_bench_restore_${randomBytes(4).toString("hex")}`;
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
    onCleanup(`database ${name}`, () => admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`));
    const u = new URL(base);
    u.pathname = `/${name}`;
    return u.toString();
  };
  const script = (file: string) => ["--import", "tsx", file];
  const envFor = (url: string) => ({ DATABASE_URL: url, LOG_LEVEL: "silent" });

  const backups: Run[] = [];
  let file = "";
  for (let i = 0; i < RUNS; i++) {
    file = path.join(dir, `b${i}.gz`);
    backups.push(must(await timed(process.execPath, [...script("scripts/backup.ts"), "--out", file], envFor(db.url)), "npm run backup"));
    console.log(`backup ${i + 1}: ${secs(backups.at(-1)!.ms)}, peak RSS ${backups.at(-1)!.peakRssMiB.toFixed(0)} MiB${loadNow()}`);
  }
  const fileMiB = statSync(file).size / 1024 / 1024;
  const restores: Run[] = [];
  for (let i = 0; i < RUNS; i++) {
    restores.push(must(await timed(process.execPath, [...script("scripts/restore.ts"), file], envFor(await fresh())), "npm run restore"));
    console.log(`restore ${i + 1}: ${secs(restores.at(-1)!.ms)}, peak RSS ${restores.at(-1)!.peakRssMiB.toFixed(0)} MiB${loadNow()}`);
  }

  const rows: Row[] = [
    { figure: "npm run backup: time (median)", value: secs(median(backups.map((r) => r.ms))), goal: "" },
    { figure: "npm run backup: peak RSS (median)", value: `${median(backups.map((r) => r.peakRssMiB)).toFixed(0)} MiB`, goal: "flat in the database's size" },
    { figure: "backup file", value: `${fileMiB.toFixed(1)} MiB (database ${size})`, goal: "" },
    { figure: "npm run restore: time (median, audit chain verified)", value: secs(median(restores.map((r) => r.ms))), goal: "" },
    { figure: "npm run restore: peak RSS (median)", value: `${median(restores.map((r) => r.peakRssMiB)).toFixed(0)} MiB`, goal: "flat in the database's size" },
  ];

  const pgDump = matchingPgDump(Number(version.split(".")[0]));
  if (pgDump) {
    // the password goes in PGPASSWORD, never on a command line (ps shows those to every user)
    const bare = (url: string) => {
      const u = new URL(url);
      u.password = "";
      return u.toString();
    };
    const pgEnv = { PGPASSWORD: decodeURIComponent(new URL(db.url).password) || undefined };
    const dumps: Run[] = [];
    const restoresPg: Run[] = [];
    let dumpFile = "";
    for (let i = 0; i < RUNS; i++) {
      dumpFile = path.join(dir, `d${i}.dump`);
      dumps.push(must(await timed(pgDump, ["-Fc", "-f", dumpFile, "--dbname", bare(db.url)], pgEnv), "pg_dump"));
    }
    for (let i = 0; i < RUNS; i++) {
      restoresPg.push(must(await timed("pg_restore", ["--single-transaction", "--no-owner", "--dbname", bare(await fresh()), dumpFile], pgEnv), "pg_restore"));
    }
    const b = median(backups.map((r) => r.ms));
    const d = median(dumps.map((r) => r.ms));
    const r = median(restores.map((x) => x.ms));
    const p = median(restoresPg.map((x) => x.ms));
    rows.push(
      { figure: "pg_dump -Fc: time (median)", value: `${secs(d)} (backup / pg_dump = ${(b / d).toFixed(2)})`, goal: "" },
      { figure: "pg_dump -Fc file", value: `${(statSync(dumpFile).size / 1024 / 1024).toFixed(1)} MiB`, goal: "" },
      { figure: "pg_restore --single-transaction: time (median)", value: `${secs(p)} (restore / pg_restore = ${(r / p).toFixed(2)}; pg_restore verifies no chain)`, goal: "" },
    );
  } else {
    rows.push({ figure: "pg_dump baseline", value: `skipped: no pg_dump of PostgreSQL ${version.split(".")[0]} on the PATH`, goal: "" });
  }
  printTable(rows);
  console.log(loadNow());
});
