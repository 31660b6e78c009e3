// Field rules of the inventory, shared by the console's forms, the REST API and slipway.yml. Each rule
// accepts what a form sends (strings) as well as what YAML gives (numbers, booleans, lists), so one schema
// serves both. Messages say what is expected, with an example.
import { z } from "zod";
import { isSecureOrLoopbackUrl } from "@/lib/validation/loopback";
import { CONFIRM_LEVELS } from "@/lib/validation/deployment-states";
import { isIpv4, isIpv6, isLinkLocalOrMetadataHost, LINK_LOCAL_PROBLEM } from "@/lib/validation/ip-address";
import { NOTIFICATION_EVENTS } from "@/lib/validation/notification-events";
import { readDockerEndpoint } from "@/lib/docker/endpoint";
import { ARCHITECTURES, UNIKERNEL_TARGETS, argvText, formatDuration, parseDuration } from "@/lib/validation/inventory-constants";

// kept here for the schemas' users; the browser imports them from inventory-constants.ts (no zod)
export { ARCHITECTURES, UNIKERNEL_TARGETS, argvText, formatDuration };

// ─── form-friendly building blocks ──────────────────────────────────────────────────────────────

/** "" and whitespace-only become undefined (an empty form field means "not given"). */
function blankToUndefined(v: unknown): unknown {
  return typeof v === "string" && v.trim() === "" ? undefined : v;
}

/** A list: an array, or text with one item per line (or separated by commas). */
export function list<T extends z.ZodType>(item: T, opts: { commas?: boolean } = {}) {
  return z.preprocess((v) => {
    if (v === undefined || v === null) return [];
    if (typeof v === "string") {
      const parts = opts.commas === false ? v.split(/\r?\n/) : v.split(/\r?\n|,/);
      return parts.map((s) => s.trim()).filter((s) => s !== "");
    }
    return v;
  }, z.array(item, { error: "must be a list" }));
}

/** A whole number in [min, max]; numeric strings are accepted. */
export function int(min: number, max: number, what = "a whole number") {
  return z.preprocess(
    (v) => {
      const b = blankToUndefined(v);
      if (typeof b === "string" && /^-?\d+$/.test(b.trim())) return Number(b.trim());
      return b;
    },
    z
      .number({ error: (i) => (i.input === undefined ? "is required" : `must be ${what}`) })
      .int(`must be ${what}`)
      .min(min, `must be at least ${min}`)
      .max(max, `must be at most ${max}`),
  );
}

/** A checkbox or a YAML boolean. A missing checkbox is false. */
export const bool = z.preprocess((v) => {
  if (v === undefined || v === null || v === "") return false;
  if (typeof v === "string") {
    const s = v.trim().toLowerCase();
    if (["on", "true", "yes", "1"].includes(s)) return true;
    if (["off", "false", "no", "0"].includes(s)) return false;
  }
  return v;
}, z.boolean({ error: "must be true or false" }));

/** An optional text field: blank means absent. */
export function optional<T extends z.ZodType>(schema: T) {
  return z.preprocess(blankToUndefined, schema.optional());
}

/** A duration in seconds: 3000, "3000", "50m", "1h30m", "90s". */
export function duration(minSeconds: number, maxSeconds: number) {
  return z.preprocess(
    (v) => {
      const b = blankToUndefined(v);
      if (typeof b !== "string") return b;
      return parseDuration(b) ?? b.trim();
    },
    z
      .number({ error: (i) => (i.input === undefined ? "is required" : 'must be a duration such as 600, "10m" or "1h30m"') })
      .int('must be a whole number of seconds, or a duration such as "10m"')
      .min(minSeconds, `must be at least ${formatDuration(minSeconds)}`)
      .max(maxSeconds, `must be at most ${formatDuration(maxSeconds)}`),
  );
}

// ─── names ──────────────────────────────────────────────────────────────────────────────────────

/** Names of apps, hosts, contexts, registries, channels and secrets. */
export const resourceName = z
  .string({ error: "is required" })
  .trim()
  .min(1, "is required")
  .max(63, "has at most 63 characters")
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "use letters, digits, '.', '_' and '-', starting with a letter or digit (e.g. toxis or docker-hub)");

/** Target names (GitHub deployment environments): may also hold '/', ':' and '@', e.g. "toxis/infra_deployer". */
export const targetName = z
  .string({ error: "is required" })
  .trim()
  .min(1, "is required")
  .max(127, "has at most 127 characters")
  .regex(/^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/, "use letters, digits and . _ / : @ -, starting with a letter or digit (e.g. toxis/infra_deployer)");

/** A GitHub owner/name. */
export const githubRepoName = z
  .string({ error: "is required" })
  .trim()
  .regex(
    /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}\/(?!\.\.?$)[A-Za-z0-9._-]{1,100}$/,
    "must be owner/name as on GitHub, e.g. ocurrent/ocurrent-deployer",
  );

/** The name of a repository that is not on GitHub: like owner/name, but any path-like name is fine. */
export const plainRepoName = z
  .string({ error: "is required" })
  .trim()
  .min(1, "is required")
  .max(140, "has at most 140 characters")
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*(?:\/[A-Za-z0-9._-]+)*$/, "use letters, digits, '.', '_', '-' and '/', e.g. infra/website");

/** A swarm or compose service name (Docker's service-name rule, roughly); unikernels have UNIKERNEL_SERVICE_NAME. */
export const SERVICE_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
export const SERVICE_NAME_PROBLEM = "use letters, digits, '_', '.' and '-', starting with a letter or digit (e.g. infra_deployer)";

/** ocurrent-deployer's rule for a unikernel service name: it becomes a file name, a systemd unit and a VM name. */
export const UNIKERNEL_SERVICE_NAME = /^[A-Za-z][-0-9A-Za-z_]*$/;

/** A unikernel service on a host (`www` → unikernel@www, /var/unikernels/www, albatross VM `www`). */
export const unikernelServiceName = z
  .string({ error: "is required" })
  .trim()
  .min(1, "is required")
  .max(63, "has at most 63 characters")
  .regex(UNIKERNEL_SERVICE_NAME, "use letters, digits, '-' and '_', starting with a letter (e.g. www or mirage_www); no dots, slashes or spaces");

/** A compose project name (docker compose: lowercase letters, digits, '_' and '-'). */
export const composeProject = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9_-]*$/, "a compose project name has lowercase letters, digits, '_' and '-' (e.g. website)")
  .max(63, "has at most 63 characters");

// ─── git ────────────────────────────────────────────────────────────────────────────────────────

/** Why a branch name is not a valid `refs/heads/<name>` (git check-ref-format), or null when it is. */
export function branchNameProblem(name: string): string | null {
  if (name === "") return "is required";
  if (name.length > 255) return "has at most 255 characters";
  if (name.startsWith("-")) return "must not start with '-' (git would read it as an option)";
  if (name === "@") return "must not be '@'";
  if (name.startsWith("refs/")) return "is the branch name alone, without refs/heads/ (e.g. live)";
   
  if (/[\x00-\x20\x7f-\x9f~^:?*[\\]/.test(name)) return "must not contain spaces, control characters or any of ~ ^ : ? * [ \\";
  if (name.includes("..")) return "must not contain '..'";
  if (name.includes("@{")) return "must not contain '@{'";
  if (name.includes("//") || name.startsWith("/") || name.endsWith("/")) return "must not start or end with '/' or contain '//'";
  if (name.endsWith(".")) return "must not end with '.'";
  for (const part of name.split("/")) {
    if (part.startsWith(".")) return `must not have a part starting with '.' ('${part}')`;
    if (part.endsWith(".lock")) return `must not have a part ending with '.lock' ('${part}')`;
  }
  return null;
}

export const branchName = z
  .string({ error: "is required" })
  .trim()
  .superRefine((s, ctx) => {
    const problem = branchNameProblem(s);
    if (problem) ctx.addIssue({ code: "custom", message: `branch name ${problem}` });
  });

/** The transports Slipway fetches with. file:// only for a repository polled by URL, never one a webhook drives. */
export const GIT_URL_SCHEMES = ["https", "http", "ssh", "git", "file"] as const;

function decoded(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * Why `s` is not a git URL Slipway may fetch, or null when it is: https/http/ssh/git(/file) URLs or scp-like
 * user@host:path. Never a transport that runs a program (ext::, fd::), nor a user or host that git or ssh
 * would read as an option ("ssh://-oProxyCommand=…/x", "git@-oProxyCommand=…:x"), even percent-encoded.
 */
export function gitUrlProblem(s: string, opts: { allowFile?: boolean } = {}): string | null {
  const allowFile = opts.allowFile ?? true;
  if (/^[A-Za-z][A-Za-z0-9+.-]*::/.test(s)) return "remote-helper transports such as ext:: are refused: use https://, ssh:// or git://";
  if (s.startsWith("-")) return "must not start with '-'";
  if (/[\x00-\x20\x7f]/.test(s)) return "a git URL has no spaces or control characters";
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(s)?.[1]?.toLowerCase();
  if (scheme) {
    if (!(GIT_URL_SCHEMES as readonly string[]).includes(scheme)) return `the ${scheme}:// scheme is not supported: use https://, ssh://, git:// or file://`;
    if (scheme === "file" && !allowFile) return "file:// URLs are only for repositories polled by URL; a repository of a GitHub app is fetched over https://, ssh:// or git://";
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      return "is not a valid URL";
    }
    if (scheme === "file") return (u.hostname && u.hostname !== "localhost") || u.pathname.length < 2 ? "a file:// URL names an absolute path: file:///srv/git/app.git" : null;
    if (!u.hostname) return "names no host";
    if (decoded(u.hostname).startsWith("-")) return "the host must not start with '-' (ssh would read it as an option)";
    if (decoded(u.username).startsWith("-")) return "the user must not start with '-' (ssh would read it as an option)";
    if (u.pathname.startsWith("/-")) return "the path must not start with '-'";
    if (isLinkLocalOrMetadataHost(u.hostname)) return `the host ${LINK_LOCAL_PROBLEM}`;
    return null;
  }
  const scp = /^([A-Za-z0-9._-]+)@([A-Za-z0-9.-]+):(.+)$/.exec(s); // scp-like git@github.com:owner/name.git
  if (scp) {
    if (scp[1]!.startsWith("-")) return "the user must not start with '-' (ssh would read it as an option)";
    if (scp[2]!.startsWith("-")) return "the host must not start with '-' (ssh would read it as an option)";
    if (scp[3]!.startsWith("-") || scp[3] === "/") return "the path must not start with '-' or be '/' alone";
    if (isLinkLocalOrMetadataHost(scp[2]!)) return `the host ${LINK_LOCAL_PROBLEM}`;
    return null;
  }
  return "must be a URL such as https://github.com/owner/name.git, ssh://git@host/path.git or git@host:owner/name.git";
}

/** A git URL Slipway may fetch (gitUrlProblem says what is wrong). */
export const gitUrl = z
  .string({ error: "is required" })
  .trim()
  .min(1, "is required")
  .max(2048, "is too long")
  .superRefine((s, ctx) => {
    const problem = gitUrlProblem(s);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

// ─── paths ──────────────────────────────────────────────────────────────────────────────────────

/** Why a path inside the repository is unsafe (absolute, escaping with '..'), or null when fine. */
export function relativePathProblem(p: string): string | null {
  if (p.startsWith("/")) return "must be relative to the repository (no leading '/')";
  if (p.includes("\\")) return "uses '/' between directories, not '\\'";
   
  if (/[\x00-\x1f\x7f]/.test(p)) return "must not contain control characters";
  if (p.startsWith("-")) return "must not start with '-'";
  if (p.split("/").some((part) => part === "..")) return "must stay inside the repository (no '..')";
  if (p.length > 1024) return "is too long";
  return null;
}

/** "./docker//Dockerfile" → "docker/Dockerfile"; "." and "" → "". */
export function normalizeRelativePath(p: string): string {
  return p
    .split("/")
    .filter((part) => part !== "" && part !== ".")
    .join("/");
}

export const repoFilePath = z
  .string({ error: "is required" })
  .trim()
  .superRefine((s, ctx) => {
    const problem = relativePathProblem(s);
    if (problem) ctx.addIssue({ code: "custom", message: `path ${problem}` });
    else if (normalizeRelativePath(s) === "") ctx.addIssue({ code: "custom", message: "names no file (e.g. Dockerfile or docker/web.Dockerfile)" });
  })
  .transform(normalizeRelativePath);

export const repoDirPath = z
  .string()
  .trim()
  .superRefine((s, ctx) => {
    const problem = relativePathProblem(s);
    if (problem) ctx.addIssue({ code: "custom", message: `path ${problem}` });
  })
  .transform(normalizeRelativePath);

// ─── network ────────────────────────────────────────────────────────────────────────────────────

const dnsName = /^(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/** A host name, an IPv4 address, or an IPv6 address (brackets allowed and dropped). */
export function hostAddressProblem(s: string): string | null {
  if (s === "") return "is required";
  if (s.startsWith("-")) return "must not start with '-'";
  const bare = s.startsWith("[") && s.endsWith("]") ? s.slice(1, -1) : s;
  if (isIpv4(bare) || isIpv6(bare)) return null;
  if (/^[\d.]+$/.test(bare)) return "is not a valid IPv4 address";
  if (dnsName.test(bare)) return null;
  return "must be a host name (toxis.example.org) or an IP address (203.0.113.7, 2001:db8::1)";
}

export const hostAddress = z
  .string({ error: "is required" })
  .trim()
  .superRefine((s, ctx) => {
    const problem = hostAddressProblem(s);
    if (problem) ctx.addIssue({ code: "custom", message: `address ${problem}` });
  })
  .transform((s) => (s.startsWith("[") && s.endsWith("]") ? s.slice(1, -1) : s));

export const port = int(1, 65535, "a port number from 1 to 65535");

export const unixUser = z
  .string({ error: "is required" })
  .trim()
  .regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/, "must be a user name such as root or deploy (letters, digits, '_', '.', '-'; not starting with '-')");

export const dockerEndpoint = z
  .string({ error: "is required" })
  .trim()
  .superRefine((s, ctx) => {
    const r = readDockerEndpoint(s);
    if ("problem" in r) ctx.addIssue({ code: "custom", message: r.problem });
  });

export const httpUrl = z
  .string()
  .trim()
  .max(2048, "is too long")
  .superRefine((s, ctx) => {
    try {
      const u = new URL(s);
      if (u.protocol !== "http:" && u.protocol !== "https:") ctx.addIssue({ code: "custom", message: "must be an http:// or https:// URL" });
      if (u.username || u.password) ctx.addIssue({ code: "custom", message: "must not carry a user or password" });
      // the console's and the workers' own credentials answer there (an SSRF target), never a web service
      if (isLinkLocalOrMetadataHost(u.hostname)) ctx.addIssue({ code: "custom", message: LINK_LOCAL_PROBLEM });
    } catch {
      ctx.addIssue({ code: "custom", message: "must be a URL such as https://example.org/health" });
    }
  });

/**
 * A GitHub API base URL: the App's JWT and installation tokens are sent to it, so https:// only, except a
 * loopback address (a GitHub stand-in on the same machine) over http://.
 */
export const githubApiUrl = httpUrl.superRefine((s, ctx) => {
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return; // httpUrl said so already
  }
  if (u.protocol === "http:" && !isSecureOrLoopbackUrl(u)) {
    ctx.addIssue({ code: "custom", message: "must be an https:// URL: the app's credentials are sent to it (http:// only for a loopback address such as 127.0.0.1)" });
  }
});

// ─── images ─────────────────────────────────────────────────────────────────────────────────────

const pathComponent = "[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*";
const domainComponent = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const domainRe = new RegExp(`^(?:${domainComponent}(?:\\.${domainComponent})*|\\[[0-9A-Fa-f:]+\\])(?::[0-9]+)?$`);
const pathRe = new RegExp(`^${pathComponent}(?:/${pathComponent})*$`);
const tagRe = /^[\w][\w.-]{0,127}$/;

export interface ImageReference {
  /** registry host[:port]; docker.io when the reference names none */
  domain: string;
  /** repository path inside the registry */
  path: string;
  tag: string;
}

/**
 * Parses registry/repo:tag by the distribution reference grammar. A tag is required: Slipway publishes
 * to a named tag. Digests are refused here (a release is recorded by digest; the rule names the tag).
 */
export function parseImageReference(ref: string): ImageReference | { problem: string } {
  if (ref.includes("@")) return { problem: "names the tag to publish, not a digest: remove the @sha256:… part" };
  if (ref.length > 255 + 129) return { problem: "is too long" };
  // said first: a space or a ';' would otherwise be reported as a tag or a repository it is not part of
  const odd = /[^A-Za-z0-9._\-/:[\]]/.exec(ref);
  if (odd) return { problem: `must not contain ${odd[0] === " " ? "spaces" : `'${odd[0]}'`}: use letters, digits, '.', '_', '-', '/' and ':' (e.g. ocurrent/base-images:live)` };
  const lastSlash = ref.lastIndexOf("/");
  const colon = ref.lastIndexOf(":");
  if (colon <= lastSlash) return { problem: `needs a tag, e.g. ${ref || "ocurrent/base-images"}:live` };
  const name = ref.slice(0, colon);
  const tag = ref.slice(colon + 1);
  if (!tagRe.test(tag)) return { problem: `tag '${tag}' must be letters, digits, '_', '.' or '-' (at most 128, not starting with '.' or '-')` };
  if (name.length > 255) return { problem: "the repository name has at most 255 characters" };
  let domain = "docker.io";
  let path = name;
  const slash = name.indexOf("/");
  if (slash > 0) {
    const first = name.slice(0, slash);
    if (first.includes(".") || first.includes(":") || first === "localhost" || first.startsWith("[")) {
      if (!domainRe.test(first)) return { problem: `registry '${first}' is not a valid host[:port]` };
      domain = first;
      path = name.slice(slash + 1);
    }
  }
  if (!pathRe.test(path)) {
    return { problem: `repository '${path}' must be lowercase letters and digits, separated by '/', '.', '_' or '-' (e.g. ocurrent/base-images)` };
  }
  if (domain === "docker.io" && !path.includes("/")) path = `library/${path}`;
  return { domain, path, tag };
}

export const imageReference = z
  .string({ error: "is required" })
  .trim()
  .superRefine((s, ctx) => {
    const r = parseImageReference(s);
    if ("problem" in r) ctx.addIssue({ code: "custom", message: `image ${r.problem}` });
  });

/** A registry address: host[:port], optionally with http:// or https://. */
export const registryUrl = z
  .string({ error: "is required" })
  .trim()
  .superRefine((s, ctx) => {
    const m = /^(?:(https?):\/\/)?([^/]+)\/?$/.exec(s);
    if (!m || !domainRe.test(m[2]!)) {
      ctx.addIssue({ code: "custom", message: "must be a registry host[:port] such as ghcr.io or 127.0.0.1:5000 (http:// or https:// may precede it)" });
    } else if (isLinkLocalOrMetadataHost(new URL(`http://${m[2]}`).hostname)) {
      ctx.addIssue({ code: "custom", message: LINK_LOCAL_PROBLEM });
    }
  })
  .transform((s) => s.replace(/\/$/, ""));

/** The registry host[:port] a registry URL names (scheme dropped); docker.io's aliases become docker.io. */
export function registryDomain(url: string): string {
  const host = url.replace(/^https?:\/\//, "").replace(/\/$/, "").toLowerCase();
  return host === "index.docker.io" || host === "registry-1.docker.io" ? "docker.io" : host;
}

// ─── builds ─────────────────────────────────────────────────────────────────────────────────────


export const architecture = z.preprocess(
  (v) => (typeof v === "string" ? v.trim().replace(/^linux\//, "").replace(/^x86_64$/, "amd64").replace(/^aarch64$/, "arm64") : v),
  z.enum(ARCHITECTURES, { error: `must be one of ${ARCHITECTURES.join(", ")}` }),
);

export const buildArg = z
  .string()
  .superRefine((s, ctx) => {
    if (/[\r\n\0]/.test(s)) return ctx.addIssue({ code: "custom", message: "a build argument must be on one line" });
    if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(s)) ctx.addIssue({ code: "custom", message: "must be NAME=value, e.g. EXTRA_FLAGS=--tls=true" });
  });

export const unikernelTarget = z.enum(UNIKERNEL_TARGETS, { error: `must be one of ${UNIKERNEL_TARGETS.join(", ")}` });

export const confirmLevel = z.enum(CONFIRM_LEVELS, { error: `must be one of ${CONFIRM_LEVELS.join(", ")}` });

export const notificationEvent = z.enum(NOTIFICATION_EVENTS, { error: `must be one of ${NOTIFICATION_EVENTS.join(", ")}` });

// ─── unikernel hosts and artifact repositories ──────────────────────────────────────────────────

export const UNIKERNEL_SERVICE_PROBLEM =
  "a unikernel's service name starts with a letter and has only letters, digits, '-' and '_' (e.g. www): it names files, a systemd unit and a VM on the host";

/** Why a path on a host is unsafe, or null when fine. `home`: "~/relative" (the SSH user's home) is accepted too. */
export function hostPathProblem(p: string, opts: { home?: boolean; example: string }): string | null {
  if (p === "") return "is required";
  if (/[\x00-\x1f\x7f]/.test(p)) return "must not contain control characters";
  if (p.startsWith("~") && !p.startsWith("~/")) return opts.home ? "may start with ~/ (the SSH user's own home), not ~user" : `must be an absolute path, e.g. ${opts.example}`;
  if (!p.startsWith("/") && !(opts.home && p.startsWith("~/"))) {
    return opts.home ? `must be an absolute path (${opts.example}) or one under the SSH user's home (~/mirage-deployments.git)` : `must be an absolute path, e.g. ${opts.example}`;
  }
  if (p.split("/").includes("..")) return "must not contain '..'";
  if (p.length > 1024) return "has at most 1024 characters";
  if (normalizeHostPath(p) === "/" || normalizeHostPath(p) === "~") return `names the ${p.startsWith("~") ? "home directory" : "root directory"} itself; name a directory of its own, e.g. ${opts.example}`;
  return null;
}

/** "/var/lib//x/./" → "/var/lib/x"; "~/a/" → "~/a". */
export function normalizeHostPath(p: string): string {
  const [head, ...rest] = p.split("/");
  const parts = rest.filter((part) => part !== "" && part !== ".");
  return head === "~" ? ["~", ...parts].join("/") : `/${parts.join("/")}`;
}

function hostPath(opts: { home?: boolean; example: string }) {
  return z
    .string({ error: "is required" })
    .trim()
    .superRefine((s, ctx) => {
      const problem = hostPathProblem(s, opts);
      if (problem) ctx.addIssue({ code: "custom", message: `path ${problem}` });
    })
    .transform(normalizeHostPath);
}

/** The directory on a unikernel host under which each service keeps its files. */
export const unikernelDir = hostPath({ example: "/var/lib/slipway/unikernels" });

/** An artifact repository's path on its host: absolute, or ~/relative. */
export const artifactRepoPath = hostPath({ home: true, example: "/srv/git/mirage-deployments.git" });

export const RESTART_METHODS = ["systemd", "albatross", "command"] as const;
export const restartMethod = z.enum(RESTART_METHODS, { error: `must be one of ${RESTART_METHODS.join(", ")}` });

/** A systemd unit name (systemctl would read a leading '-' as an option): unikernel@www, mirage-www.service. */
export const systemdUnit = z
  .string()
  .trim()
  .max(255, "has at most 255 characters")
  .regex(
    /^[A-Za-z0-9_:][A-Za-z0-9_:.-]*(?:@[A-Za-z0-9_:.-]+)?$/,
    "must be a systemd unit name such as unikernel@www or mirage-www.service (letters, digits, ':', '_', '.', '-' and one '@' before an instance name; not starting with '-' or '.')",
  );

/** An albatross --net entry: the unikernel's network name, or name:bridge (the host's bridge interface). */
export const albatrossNetwork = z
  .string()
  .trim()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}(?::[A-Za-z0-9][A-Za-z0-9_.-]{0,14})?$/,
    "must be a network name, or name:bridge with the host's bridge interface (e.g. service or service:br0)",
  );

/** One argument on a command line Slipway runs without a shell: any text on one line. */
const oneArgument = z
  .string({ error: "must be text (quote it)" })
  .min(1, "is empty; remove it")
  .max(4096, "has at most 4096 characters")
  .regex(/^[^\r\n\0]*$/, "must be on one line (no newline or NUL character)");

/** An albatross --arg entry (a boot argument of the unikernel), e.g. --ipv4=10.0.0.2/24. */
export const bootArg = oneArgument;

/** What a command target's argv may name; each is replaced by one whole argument. */
export const RESTART_PLACEHOLDERS = ["service", "file", "sha256", "commit"] as const;
export const MAX_RESTART_ARGV = 32;
const placeholderList = RESTART_PLACEHOLDERS.map((p) => `{${p}}`).join(", ");

/** Why an argv entry is refused (beyond oneArgument), or null. `index` 0 is the program. */
export function argvEntryProblem(arg: string, index: number): string | null {
  const whole = /^\{([A-Za-z0-9_]+)\}$/.exec(arg);
  if (index === 0) {
    if (whole) return `the program is a command name or an absolute path, not a placeholder (${arg})`;
    if (!/^(?:[A-Za-z0-9_][A-Za-z0-9_.+-]*|\/[^\s]*)$/.test(arg) || arg.split("/").includes("..")) {
      return "the program must be a command name (mirage-redeploy) or an absolute path (/usr/local/bin/mirage-redeploy), without spaces or '..'";
    }
    return null;
  }
  if (whole) {
    return (RESTART_PLACEHOLDERS as readonly string[]).includes(whole[1]!) ? null : `unknown placeholder ${arg}: use ${placeholderList}`;
  }
  const inside = [...arg.matchAll(/\{([A-Za-z0-9_]+)\}/g)].find((m) => (RESTART_PLACEHOLDERS as readonly string[]).includes(m[1]!));
  if (inside) {
    return `placeholder ${inside[0]} must be a whole argument, never part of one: split "${arg}" into two arguments (e.g. "--file", "${inside[0]}")`;
  }
  return null;
}

/** A restart command: the program, then its arguments, with placeholders only as whole arguments. */
export const restartArgv = list(oneArgument, { commas: false }).superRefine((argv, ctx) => {
  if (argv.length > MAX_RESTART_ARGV) {
    ctx.addIssue({ code: "custom", message: `has at most ${MAX_RESTART_ARGV} entries (the program and ${MAX_RESTART_ARGV - 1} arguments)` });
  }
  argv.forEach((arg, i) => {
    const problem = argvEntryProblem(arg, i);
    if (problem) ctx.addIssue({ code: "custom", path: [i], message: problem });
  });
});
