// Reading the token at `slipway login` when neither --token nor SLIPWAY_TOKEN gives it: from a terminal
// without echo; from a pipe (`printenv TOKEN | slipway login URL`), its first line.
import { CliError, EXIT } from "@/cli/exit-codes";
import { Interrupted } from "@/cli/http";

export async function readSecret(prompt: string, stdin: NodeJS.ReadStream = process.stdin, stderr: NodeJS.WriteStream = process.stderr): Promise<string> {
  if (!stdin.isTTY) {
    let text = "";
    for await (const chunk of stdin) {
      text += String(chunk);
      if (text.includes("\n")) break;
    }
    return text.split("\n")[0]!.trim();
  }
  stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.setEncoding("utf8");
  stdin.resume();
  try {
    return await new Promise<string>((resolve, reject) => {
      let value = "";
      const onData = (s: string) => {
        for (const ch of s) {
          if (ch === "\r" || ch === "\n" || ch === "\u0004") {
            stdin.off("data", onData);
            return resolve(value.trim());
          }
          if (ch === "\u0003") {
            stdin.off("data", onData);
            return reject(new Interrupted());
          }
          if (ch === "\u007f" || ch === "\b") value = value.slice(0, -1);
          else if (ch >= " ") value += ch;
        }
      };
      stdin.on("data", onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    stderr.write("\n");
  }
}

export function requireToken(token: string): string {
  if (!token) throw new CliError("no token given: paste one created in the console under Settings → API tokens, or pass --token / SLIPWAY_TOKEN", EXIT.usage);
  return token;
}
