// Unikernels for tests without solo5 or albatross: a tiny 32-bit multiboot ELF kernel (built here with
// gcc -m32) that prints `slipway-test-kernel <version>` on COM1, booted by QEMU as TESTING.md describes; and
// stand-in `systemctl` / `albatross-client` programs that run it with the real programs' arguments.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { remoteCommand } from "@/lib/ssh/quote";

const execFileAsync = promisify(execFile);

export const QEMU = "/usr/bin/qemu-system-x86_64";
export const GCC = "/usr/bin/gcc";

/** "exit": prints its version and leaves QEMU through isa-debug-exit; "service": prints it and stays up. */
export type TestKernelVariant = "exit" | "service";

export interface TestKernelOptions {
  /** printed as `slipway-test-kernel <version>`: letters, digits, '.', '_', '+' and '-' */
  version: string;
  /** default "exit" */
  variant?: TestKernelVariant;
  /** the value the "exit" variant writes to port 0xf4; QEMU then exits with (code << 1) | 1. Default 0. */
  exitCode?: number;
}

const VERSION = /^[A-Za-z0-9._+-]{1,64}$/;
const CACHE_DIR = path.join(os.tmpdir(), "slipway-test-kernels");

// The multiboot header (magic, flags: page-align + memory info, checksum) goes into its own section, which the
// linker script puts first, at 1 MiB: it lands at file offset 0x1000, inside the first 8 KiB as multiboot wants.
function kernelSource(version: string, variant: TestKernelVariant, exitCode: number): string {
  const end =
    variant === "exit"
      ? `  outb(0xf4, ${exitCode});\n`
      : // interrupts are off: hlt sleeps for good, and QEMU idles until it is stopped
        "  for (;;) __asm__ volatile(\"cli; hlt\");\n";
  return `/* slipway test kernel: ${variant} */
__asm__(
  ".section .multiboot, \\"a\\"\\n"
  ".align 4\\n"
  ".long 0x1BADB002\\n"
  ".long 0x00000003\\n"
  ".long -(0x1BADB002 + 0x00000003)\\n"
  ".section .bss\\n"
  ".align 16\\n"
  "stack_bottom: .skip 16384\\n"
  "stack_top:\\n"
  ".section .text\\n"
  ".global _start\\n"
  "_start:\\n"
  "  mov $stack_top, %esp\\n"
  "  call kmain\\n"
  "1: cli\\n"
  "  hlt\\n"
  "  jmp 1b\\n");
static inline void outb(unsigned short port, unsigned char v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline unsigned char inb(unsigned short port) { unsigned char v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static void put(char c) { while (!(inb(0x3fd) & 0x20)) {} outb(0x3f8, (unsigned char)c); }
static void print(const char *s) { while (*s) put(*s++); }
void kmain(void) {
  print("slipway-test-kernel ${version}\\n");
${end}}
`;
}

const LINKER_SCRIPT = `ENTRY(_start)
SECTIONS {
  . = 1M;
  .text : { KEEP(*(.multiboot)) *(.text*) }
  .rodata : { *(.rodata*) }
  .data : { *(.data*) }
  .bss : { *(COMMON) *(.bss*) }
  /DISCARD/ : { *(.note*) *(.comment) *(.eh_frame*) }
}
`;

const GCC_ARGS = [
  "-m32",
  "-O2",
  "-ffreestanding",
  "-fno-pic",
  "-fno-pie",
  "-no-pie",
  "-fno-stack-protector",
  "-fno-asynchronous-unwind-tables",
  "-nostdlib",
  "-static",
  "-Wl,--build-id=none",
  "-Wl,-z,max-page-size=0x1000",
  "-Wl,--no-warn-rwx-segments",
];

/**
 * Builds the test kernel (once per source: kept in a cache directory under the system's temp dir) and returns
 * the path of the ELF file. Throws when gcc or the 32-bit libraries are missing, saying what to install.
 */
export async function buildTestKernel(opts: TestKernelOptions): Promise<string> {
  const variant = opts.variant ?? "exit";
  const exitCode = opts.exitCode ?? 0;
  if (!VERSION.test(opts.version)) throw new Error(`test kernel version "${opts.version}" must be 1-64 letters, digits, '.', '_', '+' or '-'`);
  if (!Number.isInteger(exitCode) || exitCode < 0 || exitCode > 255) throw new Error("the test kernel's exit code is a byte (0-255)");
  if (!existsSync(GCC)) throw new Error("gcc is not installed; run scripts/setup.sh (gcc, gcc-multilib)");
  const source = kernelSource(opts.version, variant, exitCode);
  const key = createHash("sha256").update(source).update(LINKER_SCRIPT).update(GCC_ARGS.join("\0")).digest("hex").slice(0, 24);
  const file = path.join(CACHE_DIR, `${key}-${variant}-${opts.version}.elf`);
  if (existsSync(file)) return file;

  await fs.mkdir(CACHE_DIR, { recursive: true });
  const work = await fs.mkdtemp(path.join(CACHE_DIR, "build-"));
  try {
    await fs.writeFile(path.join(work, "kernel.c"), source);
    await fs.writeFile(path.join(work, "link.ld"), LINKER_SCRIPT);
    const out = path.join(work, "kernel.elf");
    try {
      await execFileAsync(GCC, [...GCC_ARGS, "-Wl,-T,link.ld", "-o", out, "kernel.c"], { cwd: work, timeout: 60_000 });
    } catch (err) {
      const stderr = (err as { stderr?: string }).stderr ?? "";
      const hint = /gnu\/stubs-32|cannot find -lgcc|skipping incompatible/.test(stderr) ? " (install gcc-multilib: scripts/setup.sh)" : "";
      throw new Error(`building the test kernel failed${hint}:\n${stderr}`);
    }
    // a rename is atomic: tests building the same kernel at once each finish with a whole file
    await fs.rename(out, file);
    return file;
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

export interface ElfHeader {
  /** 32 or 64 */
  bits: 32 | 64;
  endian: "little" | "big";
  /** e_type: 2 is an executable */
  type: number;
  /** e_machine: 3 is i386, 62 x86-64 */
  machine: number;
}

/** The fields of an ELF header `file(1)` reports, or null when the bytes are not ELF. */
export function readElfHeader(bytes: Buffer): ElfHeader | null {
  if (bytes.length < 20 || bytes.readUInt32BE(0) !== 0x7f454c46) return null;
  const bits = bytes[4] === 1 ? 32 : bytes[4] === 2 ? 64 : null;
  const endian = bytes[5] === 1 ? "little" : bytes[5] === 2 ? "big" : null;
  if (!bits || !endian) return null;
  const u16 = (at: number) => (endian === "little" ? bytes.readUInt16LE(at) : bytes.readUInt16BE(at));
  return { bits, endian, type: u16(16), machine: u16(18) };
}

/** Where the multiboot header (magic 0x1BADB002, with its checksum) starts, or -1 when the first 8 KiB lack it. */
export function multibootHeaderOffset(bytes: Buffer): number {
  for (let at = 0; at + 12 <= Math.min(bytes.length, 8192); at += 4) {
    if (bytes.readUInt32LE(at) !== 0x1badb002) continue;
    const sum = (bytes.readUInt32LE(at) + bytes.readUInt32LE(at + 4) + bytes.readUInt32LE(at + 8)) >>> 0;
    if (sum === 0) return at;
  }
  return -1;
}

/** QEMU's arguments before `-kernel FILE` (TESTING.md): no display, no network, serial on stdout. */
export function qemuArgs(memoryMiB = 64): string[] {
  return ["-accel", "tcg", "-m", String(memoryMiB), "-nographic", "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-serial", "stdio", "-monitor", "none", "-net", "none"];
}

export interface BootResult {
  /** what the machine printed on its serial port (SeaBIOS's banner first, then the kernel) */
  output: string;
  /** QEMU's exit status: (code << 1) | 1 after isa-debug-exit; null when it was killed at the timeout */
  status: number | null;
  timedOut: boolean;
}

/** Boots `kernel` in QEMU and collects its serial output until QEMU exits, or until timeoutMs (then kills it). */
export function bootKernel(kernel: string, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<BootResult> {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  if (!existsSync(QEMU)) return Promise.reject(new Error("qemu-system-x86_64 is not installed; run scripts/setup.sh (qemu-system-x86)"));
  return new Promise((resolve, reject) => {
    const child = spawn(QEMU, [...qemuArgs(), "-kernel", kernel], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.on("data", (d: Buffer) => (output += d.toString("latin1")));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const stop = () => child.kill("SIGKILL");
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, timeoutMs);
    opts.signal?.addEventListener("abort", stop, { once: true });
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", stop);
      if (opts.signal?.aborted) return reject(opts.signal.reason instanceof Error ? opts.signal.reason : new Error("aborted"));
      if (!timedOut && code !== null && code !== 0 && output === "" && stderr !== "") return reject(new Error(`QEMU failed (${code}): ${stderr}`));
      resolve({ output, status: timedOut ? null : code, timedOut });
    });
  });
}

export interface RunningKernel {
  child: ChildProcess;
  /** serial output so far */
  output(): string;
  stop(): Promise<void>;
}

/** Starts `kernel` in QEMU and leaves it running (for the "service" variant); stop() kills it. */
export function startKernel(kernel: string): RunningKernel {
  const child = spawn("/usr/bin/setpriv", ["--pdeathsig", "SIGKILL", "--", QEMU, ...qemuArgs(), "-kernel", kernel], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output += d.toString("latin1")));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString("latin1")));
  return {
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGKILL");
      await gone;
    },
  };
}

// ─── stand-in host programs ──────────────────────────────────────────────────────────────────────

export interface UnikernelHost {
  /** put first on PATH (sshd: SetEnv PATH=…): holds `systemctl` and `albatross-client` */
  binDir: string;
  /** unikernel@<service> boots `<unikernelDir>/<service>/current` */
  unikernelDir: string;
  /** pid files, serial logs and albatross's copies of images */
  runDir: string;
  /** PATH with binDir first, for a session's environment */
  path: string;
  /** the serial output of the unit's current run (systemctl truncates it at every start) */
  unitLog(service: string): string;
  /** the serial output of the albatross VM's current run */
  vmLog(name: string): string;
  /** the pid of the unit's QEMU when it runs, else null */
  unitPid(service: string): number | null;
  vmPid(name: string): number | null;
  /** kills every QEMU the stand-ins started, removes the directories */
  cleanup(): Promise<void>;
}

// Names as ocurrent-deployer allows them (lib/validation: UNIKERNEL_SERVICE_NAME), checked again in bash.
const NAME_PATTERN_BASH = "^[A-Za-z][-0-9A-Za-z_]*$";

/** Bash lines shared by both stand-ins: QEMU's fixed arguments, and starting / stopping it by pid file. */
function commonBash(runDir: string): string {
  const fixed = qemuArgs().filter((_, i, a) => !(a[i - 1] === "-m" || a[i] === "-m"));
  return `set -u
QEMU=${remoteCommand([QEMU])}
QEMU_ARGS=(${remoteCommand(fixed)})
RUN_DIR=${remoteCommand([runDir])}

valid_name() { [[ "$1" =~ ${NAME_PATTERN_BASH} ]]; }

# whether process $1 runs QEMU (a zombie has an empty cmdline: its parent, pid 1 here, may reap it late)
is_qemu() { grep -qa qemu "/proc/$1/cmdline" 2>/dev/null; }

# the pid in file $1 when that process is alive (and is QEMU), else nothing
live_pid() {
  local pid
  [ -f "$1" ] || return 1
  pid=$(cat -- "$1") || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  is_qemu "$pid" || return 1
  printf '%s\\n' "$pid"
}

# start_qemu PIDFILE LOGFILE MEMORY KERNEL: QEMU detached from this session, serial output into LOGFILE
start_qemu() {
  local pidfile=$1 log=$2 mem=$3 kernel=$4
  : > "$log"
  rm -f -- "$pidfile"
  setsid sh -c 'echo $$ > "$0"; exec "$@"' "$pidfile" "$QEMU" "\${QEMU_ARGS[@]}" -m "$mem" -kernel "$kernel" </dev/null >>"$log" 2>&1 &
  for _ in $(seq 1 100); do [ -s "$pidfile" ] && return 0; sleep 0.02; done
  echo "QEMU did not start" >&2
  return 1
}

# stop_qemu PIDFILE: SIGTERM, then SIGKILL after 3 s
stop_qemu() {
  local pid
  pid=$(live_pid "$1") || { rm -f -- "$1"; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 150); do is_qemu "$pid" || break; sleep 0.02; done
  is_qemu "$pid" && kill -KILL "$pid" 2>/dev/null
  for _ in $(seq 1 50); do is_qemu "$pid" || break; sleep 0.02; done
  rm -f -- "$1"
}
`;
}

function systemctlScript(unikernelDir: string, runDir: string): string {
  return `#!/bin/bash
# Stand-in for systemctl on a unikernel host (tests only): units unikernel@<service> boot
# <unikernel dir>/<service>/current in QEMU. Arguments are data: nothing here is evaluated.
${commonBash(runDir)}
UNIKERNEL_DIR=${remoteCommand([unikernelDir])}

usage() { echo "usage: systemctl restart|stop|is-active|cat unikernel@<service>" >&2; exit 2; }
[ $# -eq 2 ] || usage
verb=$1
unit=$2
unit=\${unit%.service}
case "$unit" in
  unikernel@*) service=\${unit#unikernel@} ;;
  *) [ "$verb" = cat ] && { echo "No files found for $2." >&2; exit 1; }; echo "Unit $2 not found." >&2; exit 5 ;;
esac
valid_name "$service" || { echo "Invalid unit name \\"$2\\"." >&2; exit 1; }
pidfile="$RUN_DIR/unit-$service.pid"
log="$RUN_DIR/unit-$service.log"

case "$verb" in
  restart|start)
    if [ "$verb" = start ] && live_pid "$pidfile" >/dev/null; then exit 0; fi
    stop_qemu "$pidfile"
    kernel="$UNIKERNEL_DIR/$service/current"
    if [ ! -f "$kernel" ]; then
      echo "Job for unikernel@$service.service failed: $kernel does not exist." >&2
      exit 1
    fi
    start_qemu "$pidfile" "$log" 64 "$kernel" || exit 1
    ;;
  stop)
    stop_qemu "$pidfile"
    ;;
  cat)
    printf '# /etc/systemd/system/unikernel@.service\\n[Unit]\\nDescription=Unikernel %%i (test stand-in)\\n\\n[Service]\\nExecStart=qemu %s/%%i/current\\n' "$UNIKERNEL_DIR"
    ;;
  is-active)
    if live_pid "$pidfile" >/dev/null; then echo active; exit 0; fi
    echo inactive
    exit 3
    ;;
  *) usage ;;
esac
`;
}

function albatrossScript(runDir: string): string {
  return `#!/bin/bash
# Stand-in for albatross-client (tests only): create / info / destroy of VMs run by QEMU, with the real
# program's arguments. Arguments are data: nothing here is evaluated.
${commonBash(runDir)}

fail() { echo "albatross-client: $*" >&2; exit 1; }
[ $# -ge 1 ] || fail "usage: albatross-client create|info|destroy ..."
cmd=$1
shift

case "$cmd" in
  create)
    force=0
    mem=64
    nets=()
    vmargs=()
    positional=()
    while [ $# -gt 0 ]; do
      case "$1" in
        --force) force=1 ;;
        --mem=*) mem=\${1#--mem=} ;;
        --net=*) nets+=("\${1#--net=}") ;;
        --arg=*) vmargs+=("\${1#--arg=}") ;;
        --) shift; positional+=("$@"); break ;;
        -*) fail "unknown option $1" ;;
        *) positional+=("$1") ;;
      esac
      shift
    done
    [ \${#positional[@]} -eq 2 ] || fail "create needs NAME and IMAGE (got \${#positional[@]} arguments)"
    name=\${positional[0]}
    image=\${positional[1]}
    valid_name "$name" || fail "invalid VM name $name"
    [[ "$mem" =~ ^[0-9]+$ ]] && [ "$mem" -ge 16 ] && [ "$mem" -le 4096 ] || fail "--mem must be a number of MiB (16-4096)"
    for n in "\${nets[@]}"; do
      [[ "$n" =~ ^[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+)?$ ]] || fail "invalid --net $n (NAME or NAME:BRIDGE)"
    done
    [ -f "$image" ] || fail "cannot read image $image"
    pidfile="$RUN_DIR/vm-$name.pid"
    if live_pid "$pidfile" >/dev/null; then
      [ "$force" = 1 ] || fail "VM $name already exists (use --force)"
      stop_qemu "$pidfile"
    fi
    # albatross keeps its own copy of the image: a later change of the file does not change the VM
    cp -- "$image" "$RUN_DIR/vm-$name.img.tmp" && mv -- "$RUN_DIR/vm-$name.img.tmp" "$RUN_DIR/vm-$name.img" || fail "cannot copy $image"
    {
      printf 'mem=%s\\n' "$mem"
      for n in "\${nets[@]}"; do printf 'net=%s\\n' "$n"; done
      for a in "\${vmargs[@]}"; do printf 'arg=%s\\n' "$a"; done
      printf 'image-sha256=%s\\n' "$(sha256sum < "$RUN_DIR/vm-$name.img" | cut -d' ' -f1)"
    } > "$RUN_DIR/vm-$name.info"
    start_qemu "$pidfile" "$RUN_DIR/vm-$name.log" "$mem" "$RUN_DIR/vm-$name.img" || fail "VM $name did not start"
    echo "created VM $name"
    ;;
  info)
    [ $# -eq 1 ] || fail "info needs NAME"
    valid_name "$1" || fail "invalid VM name $1"
    pid=$(live_pid "$RUN_DIR/vm-$1.pid") || fail "VM $1 not found"
    printf 'name=%s\\npid=%s\\n' "$1" "$pid"
    cat -- "$RUN_DIR/vm-$1.info"
    ;;
  destroy)
    [ $# -eq 1 ] || fail "destroy needs NAME"
    valid_name "$1" || fail "invalid VM name $1"
    live_pid "$RUN_DIR/vm-$1.pid" >/dev/null || fail "VM $1 not found"
    stop_qemu "$RUN_DIR/vm-$1.pid"
    rm -f -- "$RUN_DIR/vm-$1.img" "$RUN_DIR/vm-$1.info"
    echo "destroyed VM $1"
    ;;
  *) fail "unknown command $cmd (this stand-in knows create, info, destroy)" ;;
esac
`;
}

function readText(file: string): string {
  try {
    return readFileSync(file, "latin1");
  } catch {
    return "";
  }
}

function livePid(pidFile: string): number | null {
  const pid = Number(readText(pidFile).trim());
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
  } catch {
    return null;
  }
  // a recycled pid is not ours
  return readText(`/proc/${pid}/cmdline`).includes("qemu") ? pid : null;
}

/**
 * Writes the stand-in `systemctl` and `albatross-client` into a new directory (mode 0755, readable by any
 * user, so a non-root SSH user can run them). `dir` defaults to a new temporary directory.
 */
export async function createUnikernelHost(opts: { dir?: string } = {}): Promise<UnikernelHost> {
  const root = opts.dir ?? (await fs.mkdtemp(path.join(os.tmpdir(), `slipway-ukhost-${randomBytes(3).toString("hex")}-`)));
  await fs.chmod(root, 0o755);
  const binDir = path.join(root, "bin");
  const unikernelDir = path.join(root, "unikernels");
  const runDir = path.join(root, "run");
  for (const d of [binDir, unikernelDir, runDir]) await fs.mkdir(d, { recursive: true, mode: 0o755 });
  // a non-root session runs the stand-ins too: it must be able to write pid files and logs
  await fs.chmod(runDir, 0o1777);
  await fs.writeFile(path.join(binDir, "systemctl"), systemctlScript(unikernelDir, runDir), { mode: 0o755 });
  await fs.writeFile(path.join(binDir, "albatross-client"), albatrossScript(runDir), { mode: 0o755 });

  return unikernelHostAt(root, { remove: !opts.dir });
}

/**
 * The stand-in host made by createUnikernelHost in `root` (perhaps by another process, such as the e2e
 * server): its directories, logs and QEMU pids. cleanup() kills its QEMUs; with `remove`, it deletes `root`.
 */
export function unikernelHostAt(root: string, opts: { remove?: boolean } = {}): UnikernelHost {
  const binDir = path.join(root, "bin");
  const unikernelDir = path.join(root, "unikernels");
  const runDir = path.join(root, "run");
  const pidFiles = async () => (await fs.readdir(runDir)).filter((f) => f.endsWith(".pid")).map((f) => path.join(runDir, f));
  return {
    binDir,
    unikernelDir,
    runDir,
    path: `${binDir}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
    unitLog: (service) => readText(path.join(runDir, `unit-${service}.log`)),
    vmLog: (name) => readText(path.join(runDir, `vm-${name}.log`)),
    unitPid: (service) => livePid(path.join(runDir, `unit-${service}.pid`)),
    vmPid: (name) => livePid(path.join(runDir, `vm-${name}.pid`)),
    async cleanup() {
      for (const file of await pidFiles().catch(() => [])) {
        const pid = livePid(file);
        if (pid !== null) process.kill(pid, "SIGKILL");
      }
      if (opts.remove) await fs.rm(root, { recursive: true, force: true });
    },
  };
}
