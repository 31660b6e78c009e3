// The development login (SLIPWAY_DEV_LOGIN=1, never in production): a plain form to /api/auth/dev-login,
// which creates the session and redirects. Works without JavaScript.
import { roleDescriptions, roleLabels, roles } from "@/lib/auth/roles";

export function DevLoginForm({ callbackUrl }: { callbackUrl: string }) {
  return (
    <section aria-labelledby="dev-login-heading" className="rounded-lg border-2 border-dashed border-amber-400 bg-amber-50 p-4 dark:border-amber-600 dark:bg-amber-950/40">
      <h2 id="dev-login-heading" className="text-sm font-semibold text-amber-950 dark:text-amber-100">
        Development login — not for production
      </h2>
      <p className="mt-1 text-xs text-amber-900 dark:text-amber-200">
        Signs in as any login with any role, no password. It is on because <code className="font-mono">SLIPWAY_DEV_LOGIN=1</code> and refuses to
        run with <code className="font-mono">NODE_ENV=production</code>.
      </p>
      <form method="post" action="/api/auth/dev-login" className="mt-3 space-y-3">
        <input type="hidden" name="callbackUrl" value={callbackUrl} />
        <div className="grid grid-cols-[1fr_auto] gap-3">
          <div>
            <label htmlFor="dev-login" className="mb-1 block text-xs font-medium text-amber-950 dark:text-amber-100">
              Login
            </label>
            <input
              id="dev-login"
              name="login"
              type="text"
              required
              defaultValue="dev-admin"
              maxLength={39}
              pattern="[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9]))*"
              title="Letters, digits and single dashes, like a GitHub login"
              autoComplete="username"
              spellCheck={false}
              className="field"
            />
          </div>
          <div>
            <label htmlFor="dev-role" className="mb-1 block text-xs font-medium text-amber-950 dark:text-amber-100">
              Role
            </label>
            <select id="dev-role" name="role" defaultValue="admin" className="field w-32">
              {roles.map((r) => (
                <option key={r} value={r} title={roleDescriptions[r]}>
                  {roleLabels[r]}
                </option>
              ))}
            </select>
          </div>
        </div>
        <button type="submit" className="btn w-full bg-amber-600 text-white hover:bg-amber-700 dark:bg-amber-500 dark:text-amber-950 dark:hover:bg-amber-400">
          Sign in (development)
        </button>
      </form>
    </section>
  );
}
