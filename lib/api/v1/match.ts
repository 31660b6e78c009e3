// Which registered operation a path and method name (the proxy's 404/405 for /api/v1, and the tests).
import { pathMatcher, type Operation } from "@/lib/api/operation";
import { operations } from "@/lib/api/v1/operations";

const compiled = operations.map((op) => ({ op, re: pathMatcher(op.path).re }));

/** The operation, or the methods the path takes when the method is not one of them, or null: no such path. */
export function matchOperation(path: string, method: string): { op: Operation } | { allowed: string[] } | null {
  const allowed: string[] = [];
  for (const { op, re } of compiled) {
    if (!re.test(path)) continue;
    if (op.method === method || (method === "HEAD" && op.method === "GET")) return { op };
    allowed.push(op.method);
  }
  return allowed.length ? { allowed } : null;
}
