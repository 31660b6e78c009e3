// Building with BuildKit through the Engine API (POST /build?version=2), for rules with build secrets. The
// secrets reach the build through a BuildKit session: POST /session is upgraded to HTTP/2 (h2c) and the
// daemon becomes the gRPC *client* of the connection, so Slipway serves on it, with @grpc/grpc-js:
//   moby.buildkit.secrets.v1.Secrets/GetSecret  the value of a `RUN --mount=type=secret,id=NAME` (unknown → NOT_FOUND)
//   grpc.health.v1.Health/Check                 BuildKit checks a session's health every few seconds and drops
//                                               a session whose checks fail twice (session/grpc.go monitorHealth)
// Each method served is announced in an X-Docker-Expose-Session-Grpc-Method header, as BuildKit's session
// client does (session/session.go), and the build names the session by its id (?session=).
// The daemon streams JSON lines: {"id":"moby.buildkit.trace","aux":"<base64 moby.buildkit.v1.StatusResponse>"}
// carries the progress (decoded here into lines like `docker build --progress=plain`), and
// {"id":"moby.image.id","aux":{"ID":...}} the image id. Aborting the signal closes the build request (the
// daemon cancels the solve) and asks /build/cancel for good measure; the session is closed at the end, always.
import { createHash, randomUUID } from "node:crypto";
import type { Duplex, Readable } from "node:stream";
import type Dockerode from "dockerode";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import protobuf from "protobufjs";
import { abortReason, DaemonError, readLines, type BuildImageInput } from "@/lib/build/docker";

export interface BuildKitImageInput extends BuildImageInput {
  /** build secrets by id (`RUN --mount=type=secret,id=...`) */
  secrets: ReadonlyMap<string, string>;
  /** --network for RUN steps; "none" on daemons without a default bridge */
  networkMode?: string;
}

const SECRETS_SERVICE = "moby.buildkit.secrets.v1.Secrets";
const HEALTH_SERVICE = "grpc.health.v1.Health";

// moby/buildkit session/secrets/secrets.proto and grpc's health/v1/health.proto (the method BuildKit calls)
const SECRETS_PROTO = `
syntax = "proto3";
package moby.buildkit.secrets.v1;
service Secrets {
  rpc GetSecret(GetSecretRequest) returns (GetSecretResponse);
}
message GetSecretRequest {
  string ID = 1;
  map<string, string> annotations = 2;
}
message GetSecretResponse {
  bytes data = 1;
}
`;
const HEALTH_PROTO = `
syntax = "proto3";
package grpc.health.v1;
message HealthCheckRequest {
  string service = 1;
}
message HealthCheckResponse {
  enum ServingStatus {
    UNKNOWN = 0;
    SERVING = 1;
    NOT_SERVING = 2;
    SERVICE_UNKNOWN = 3;
  }
  ServingStatus status = 1;
}
service Health {
  rpc Check(HealthCheckRequest) returns (HealthCheckResponse);
}
`;

// moby/buildkit api/services/control/control.proto: the parts of StatusResponse a log needs
const STATUS_PROTO = `
syntax = "proto3";
package moby.buildkit.v1;
message StatusResponse {
  repeated Vertex vertexes = 1;
  repeated VertexStatus statuses = 2;
  repeated VertexLog logs = 3;
  repeated VertexWarning warnings = 4;
}
message Vertex {
  string digest = 1;
  repeated string inputs = 2;
  string name = 3;
  bool cached = 4;
  Timestamp started = 5;
  Timestamp completed = 6;
  string error = 7;
}
message VertexStatus {
  string ID = 1;
  string vertex = 2;
  string name = 3;
  int64 current = 4;
  int64 total = 5;
  Timestamp timestamp = 6;
  Timestamp started = 7;
  Timestamp completed = 8;
}
message VertexLog {
  string vertex = 1;
  Timestamp timestamp = 2;
  int64 stream = 3;
  bytes msg = 4;
}
message VertexWarning {
  string vertex = 1;
  int64 level = 2;
  bytes short = 3;
  repeated bytes detail = 4;
  string url = 5;
}
// google.protobuf.Timestamp's wire format
message Timestamp {
  int64 seconds = 1;
  int32 nanos = 2;
}
`;

interface Timestamp {
  seconds: number;
  nanos: number;
}
interface Vertex {
  digest: string;
  name?: string;
  cached?: boolean;
  started?: Timestamp;
  completed?: Timestamp;
  error?: string;
}
interface VertexStatus {
  ID: string;
  vertex: string;
  name?: string;
  current?: number;
  total?: number;
  completed?: Timestamp;
}
interface VertexLog {
  vertex: string;
  msg: Buffer;
}
interface VertexWarning {
  vertex: string;
  short?: Buffer;
}
export interface StatusResponse {
  vertexes?: Vertex[];
  statuses?: VertexStatus[];
  logs?: VertexLog[];
  warnings?: VertexWarning[];
}

let statusType: protobuf.Type | undefined;

/** Decodes the aux of a moby.buildkit.trace line. */
export function decodeStatus(base64: string): StatusResponse {
  statusType ??= protobuf.parse(STATUS_PROTO, { keepCase: true }).root.lookupType("moby.buildkit.v1.StatusResponse");
  if (!base64) return {};
  const msg = statusType.decode(Buffer.from(base64, "base64"));
  return statusType.toObject(msg, { longs: Number, bytes: Buffer, defaults: false, arrays: true }) as StatusResponse;
}

function seconds(t: Timestamp): number {
  return Number(t.seconds ?? 0) + (t.nanos ?? 0) / 1e9;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n}B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(2)}kB`;
  return `${(n / 1024 / 1024).toFixed(2)}MB`;
}

/**
 * Turns BuildKit's status stream into lines as `docker build --progress=plain` prints them: `#N name` when a
 * step starts, `#N <output line>` for what it prints, then `#N DONE 0.4s`, `#N CACHED` or `#N ERROR: ...`.
 * Output is split into whole lines per step, so a value printed in one write is never cut in two.
 */
export class StatusPrinter {
  private readonly steps = new Map<string, { n: number; name: string; announced: boolean; done: boolean; partial: string }>();
  private readonly statusDone = new Set<string>();

  constructor(private readonly out: (text: string) => void) {}

  private step(digest: string, name?: string) {
    let s = this.steps.get(digest);
    if (!s) {
      s = { n: this.steps.size + 1, name: name ?? digest, announced: false, done: false, partial: "" };
      this.steps.set(digest, s);
    } else if (name) s.name = name;
    return s;
  }

  private announce(s: { n: number; name: string; announced: boolean }): void {
    if (s.announced) return;
    s.announced = true;
    this.out(`#${s.n} ${s.name}\n`);
  }

  private flushPartial(s: { n: number; partial: string }): void {
    if (s.partial) this.out(`#${s.n} ${s.partial}\n`);
    s.partial = "";
  }

  handle(status: StatusResponse): void {
    for (const v of status.vertexes ?? []) {
      const s = this.step(v.digest, v.name);
      if (v.started || v.completed) this.announce(s);
      if (v.completed && !s.done) {
        s.done = true;
        this.flushPartial(s);
        if (v.error) this.out(`#${s.n} ERROR: ${v.error}\n`);
        else if (v.cached) this.out(`#${s.n} CACHED\n`);
        else this.out(v.started ? `#${s.n} DONE ${Math.max(0, seconds(v.completed) - seconds(v.started)).toFixed(1)}s\n` : `#${s.n} DONE\n`);
      }
    }
    for (const st of status.statuses ?? []) {
      if (!st.completed || this.statusDone.has(`${st.vertex} ${st.ID}`)) continue;
      this.statusDone.add(`${st.vertex} ${st.ID}`);
      const s = this.step(st.vertex);
      this.announce(s);
      const size = st.total ? `${formatBytes(st.current ?? 0)} / ${formatBytes(st.total)}` : st.current ? formatBytes(st.current) : "";
      this.out(`#${s.n} ${st.name || st.ID}${size ? ` ${size}` : ""} done\n`);
    }
    for (const l of status.logs ?? []) {
      const s = this.step(l.vertex);
      this.announce(s);
      const all = s.partial + Buffer.from(l.msg ?? []).toString("utf8").replace(/\r\n/g, "\n");
      const lines = all.split("\n");
      s.partial = lines.pop() ?? "";
      for (const line of lines) this.out(`#${s.n} ${line}\n`);
      if (s.partial.length > 16 * 1024) this.flushPartial(s);
    }
    for (const w of status.warnings ?? []) {
      const s = this.step(w.vertex);
      this.out(`#${s.n} WARNING: ${Buffer.from(w.short ?? []).toString("utf8")}\n`);
    }
  }

  /** Output of steps that ended without a final line break. */
  end(): void {
    for (const s of this.steps.values()) this.flushPartial(s);
  }
}

let sessionPackage: grpc.GrpcObject | undefined;

interface Session {
  id: string;
  close(): void;
}

/** Opens a BuildKit session on the daemon serving the secrets (and health checks) over it. */
async function openSession(docker: Dockerode, secrets: ReadonlyMap<string, string>, signal: AbortSignal): Promise<Session> {
  const id = randomUUID();
  if (!sessionPackage) {
    const root = new protobuf.Root();
    protobuf.parse(SECRETS_PROTO, root, { keepCase: true });
    protobuf.parse(HEALTH_PROTO, root, { keepCase: true });
    sessionPackage = grpc.loadPackageDefinition(protoLoader.fromJSON(root.toJSON(), { keepCase: true, defaults: true }));
  }
  const pkg = sessionPackage;
  const secretsService = ((pkg.moby as grpc.GrpcObject).buildkit as grpc.GrpcObject).secrets as grpc.GrpcObject;
  const healthService = ((pkg.grpc as grpc.GrpcObject).health as grpc.GrpcObject).v1 as grpc.GrpcObject;
  const Secrets = (secretsService.v1 as grpc.GrpcObject).Secrets as grpc.ServiceClientConstructor;
  const Health = healthService.Health as grpc.ServiceClientConstructor;

  const server = new grpc.Server();
  server.addService(Secrets.service, {
    GetSecret(call: grpc.ServerUnaryCall<{ ID: string }, { data: Buffer }>, callback: grpc.sendUnaryData<{ data: Buffer }>) {
      const value = secrets.get(call.request.ID);
      if (value === undefined) callback({ code: grpc.status.NOT_FOUND, details: `secret ${call.request.ID} not found` });
      else callback(null, { data: Buffer.from(value, "utf8") });
    },
  });
  server.addService(Health.service, {
    Check(_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<{ status: string }>) {
      callback(null, { status: "SERVING" });
    },
  });

  const methods = [`/${SECRETS_SERVICE}/GetSecret`, `/${HEALTH_SERVICE}/Check`];
  const socket = await new Promise<Duplex>((resolve, reject) => {
    docker.modem.dial(
      {
        method: "POST",
        path: "/session",
        hijack: true,
        abortSignal: signal,
        headers: {
          Upgrade: "h2c",
          Connection: "Upgrade",
          "X-Docker-Expose-Session-Uuid": id,
          "X-Docker-Expose-Session-Name": "slipway",
          // BuildKit keys the cache of contexts it syncs from the client by this; a tar context needs none, any value does
          "X-Docker-Expose-Session-Sharedkey": createHash("sha256").update(id).digest("hex"),
          "X-Docker-Expose-Session-Grpc-Method": methods,
        },
        statusCodes: { 101: true, 200: true, 400: "bad parameter", 404: "no session support", 500: "server error" },
      } as unknown as Parameters<typeof docker.modem.dial>[0],
      (err: unknown, sock: unknown) => {
        if (err) reject(signal.aborted ? abortReason(signal) : err instanceof Error ? new DaemonError(`could not open a BuildKit session: ${err.message}`) : err);
        else if (!sock || typeof (sock as Duplex).pipe !== "function") reject(new DaemonError("the daemon did not upgrade /session to a BuildKit session"));
        else resolve(sock as Duplex);
      },
    );
  });
  // the session is idle between the daemon's calls: no socket timeout applies to it
  (socket as Duplex & { setTimeout?: (ms: number) => void }).setTimeout?.(0);
  socket.on("error", () => undefined);
  const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  injector.injectConnection(socket);
  let closed = false;
  return {
    id,
    close() {
      if (closed) return;
      closed = true;
      injector.destroy();
      server.forceShutdown();
      socket.destroy();
    },
  };
}

interface TraceEvent {
  id?: string;
  stream?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: unknown;
}

/**
 * BuildKit runs RUN steps on the daemon's "bridge" network unless told otherwise, and fails with "network
 * bridge not found" on a daemon started with --bridge=none, where the classic builder's RUN steps simply
 * get no network. Such daemons build with networkmode=none; others keep the default.
 */
async function defaultNetworkMode(docker: Dockerode, signal: AbortSignal): Promise<string | undefined> {
  const status = await new Promise<number | undefined>((resolve) => {
    docker.modem.dial(
      { method: "GET", path: "/networks/bridge", abortSignal: signal, statusCodes: { 200: true, 404: "no such network", 500: "server error" } } as unknown as Parameters<typeof docker.modem.dial>[0],
      (err: unknown) => resolve(err ? (err as { statusCode?: number }).statusCode : 200),
    );
  });
  if (signal.aborted) throw abortReason(signal);
  return status === 404 ? "none" : undefined;
}

/** Builds with BuildKit, serving `input.secrets` to the build; returns the image id. */
export async function buildImageBuildKit(docker: Dockerode, input: BuildKitImageInput): Promise<string> {
  const { signal } = input;
  if (signal.aborted) throw abortReason(signal);
  const networkMode = input.networkMode ?? (await defaultNetworkMode(docker, signal));
  if (networkMode === "none" && !input.networkMode) input.onOutput("this daemon has no bridge network (dockerd --bridge=none): RUN steps get no network, as with the classic builder\n");
  const session = await openSession(docker, input.secrets, signal);
  const buildId = randomUUID();
  const onAbort = () => {
    session.close();
    // closing the request is what stops the build; this says so explicitly (best effort)
    docker.modem.dial({ method: "POST", path: "/build/cancel?", options: { id: buildId }, statusCodes: { 200: true, 404: true, 500: true } } as unknown as Parameters<typeof docker.modem.dial>[0], () => undefined);
  };
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    const stream = await new Promise<Readable>((resolve, reject) => {
      docker.modem.dial(
        {
          method: "POST",
          path: "/build?",
          options: {
            version: "2",
            session: session.id,
            buildid: buildId,
            t: input.tag,
            dockerfile: input.dockerfile,
            buildargs: input.buildArgs,
            labels: input.labels,
            ...(input.platform ? { platform: input.platform } : {}),
            ...(networkMode ? { networkmode: networkMode } : {}),
          },
          file: input.context,
          isStream: true,
          abortSignal: signal,
          statusCodes: { 200: true, 400: "bad parameter", 500: "server error" },
        } as unknown as Parameters<typeof docker.modem.dial>[0],
        (err: unknown, res: unknown) => {
          if (err) reject(signal.aborted ? abortReason(signal) : err instanceof Error ? new DaemonError(err.message) : err);
          else resolve(res as Readable);
        },
      );
    });

    const printer = new StatusPrinter(input.onOutput);
    let imageId: string | undefined;
    let failed: string | undefined;
    const handle = (line: string) => {
      if (!line.trim()) return;
      let e: TraceEvent;
      try {
        e = JSON.parse(line) as TraceEvent;
      } catch {
        input.onOutput(`${line}\n`);
        return;
      }
      if (e.id === "moby.buildkit.trace") {
        if (typeof e.aux === "string") printer.handle(decodeStatus(e.aux));
      } else if (e.id === "moby.image.id") {
        const aux = e.aux as { ID?: string } | undefined;
        if (aux?.ID) imageId = aux.ID;
      } else if (e.error || e.errorDetail) {
        failed ??= e.errorDetail?.message ?? e.error;
      } else if (e.stream) {
        input.onOutput(e.stream);
      }
    };
    await readLines(stream, signal, handle);
    printer.end();
    if (failed) {
      const missing = /\bsecret (\S+) not found\b/.exec(failed)?.[1];
      const message = missing && !input.secrets.has(missing) ? `${failed} (the Dockerfile mounts the build secret "${missing}", which this build does not provide: name it in the rule's build secrets)` : failed;
      input.onOutput(`ERROR: ${message}\n`);
      throw new DaemonError(message);
    }
    if (!imageId) {
      const info = await docker.getImage(input.tag).inspect({ abortSignal: signal } as object);
      imageId = info.Id;
    }
    return imageId;
  } finally {
    signal.removeEventListener("abort", onAbort);
    session.close();
  }
}
