// Settings → API tokens: everyone creates and revokes their own tokens for /api/v1; admins see and may
// revoke everyone's. A token is shown once, when it is created.
import type { Metadata } from "next";
import Link from "next/link";
import { requirePageUser } from "@/lib/auth/session";
import { atLeast, can } from "@/lib/auth/roles";
import { listApiTokens, tokenRepositoryChoices } from "@/lib/queries/api-tokens";
import { TOKEN_SCOPES, scopeRole } from "@/lib/validation/api-tokens";
import { PageHeader } from "@/components/ui/page-header";
import { EmptyState } from "@/components/ui/empty-state";
import { ApiTokenForm } from "@/components/settings/api-token-form";
import { ApiTokenList } from "@/components/settings/api-token-list";
import { createApiTokenAction, revokeApiTokenAction } from "./actions";

export const metadata: Metadata = { title: "API tokens" };

export default async function ApiTokensPage() {
  const user = await requirePageUser("console.view", "/settings/api-tokens");
  const all = can(user, "api_tokens.all");
  const [tokens, repositories] = await Promise.all([listApiTokens(all ? {} : { userId: user.id }), tokenRepositoryChoices()]);
  // widest first: the form starts with the most the user may give, narrower ones below
  const scopes = [...TOKEN_SCOPES].filter((s) => atLeast(user.role, scopeRole[s])).reverse();
  const now = new Date();
  return (
    <>
      <PageHeader
        title="API tokens"
        description={
          <>
            Tokens for the REST API (<Link href="/settings/api" className="underline underline-offset-2">reference</Link>) and the <code className="font-mono">slipway</code> command. A token acts as you, with at most its scope; everything it does is in the audit log as
            &ldquo;{user.login} via token &lt;name&gt;&rdquo;.
          </>
        }
      />
      <div className="mb-6 max-w-4xl rounded-lg border border-zinc-200 bg-white p-5 dark:border-zinc-800 dark:bg-zinc-900">
        <h2 className="mb-3 text-base font-semibold text-zinc-900 dark:text-zinc-100">New token</h2>
        <ApiTokenForm action={createApiTokenAction} scopes={scopes} repositories={repositories} />
      </div>
      <h2 className="mb-3 text-base font-semibold text-zinc-900 dark:text-zinc-100">{all ? "Everyone's tokens" : "Your tokens"}</h2>
      {tokens.length ? (
        <ApiTokenList tokens={tokens} now={now} showOwner={all} revokeAction={revokeApiTokenAction} />
      ) : (
        <EmptyState title="No API tokens yet">
          <p>Create one above for a CI job or a script; it is shown once, so copy it into the job&apos;s secrets right away.</p>
        </EmptyState>
      )}
    </>
  );
}
