// next-auth's ?error= codes (and the development login's) in words for the person signing in.

const messages: Record<string, string> = {
  OAuthSignin:
    "Signing in with GitHub could not start: Slipway could not reach GitHub, or its GitHub OAuth App settings are wrong. Try again; if it keeps failing, tell whoever runs Slipway (the server log says why).",
  OAuthCallback:
    "GitHub sent you back, but Slipway could not finish signing you in with GitHub's answer. Try again; if it keeps failing, tell whoever runs Slipway (the server log says why).",
  OAuthCreateAccount: "Slipway could not create your user from your GitHub account. Try again; if it keeps failing, tell whoever runs Slipway.",
  OAuthAccountNotLinked: "This GitHub account is not the one linked to your Slipway user. Sign in with the GitHub account you used before.",
  Callback: "Signing in failed while Slipway handled GitHub's answer. Try again; if it keeps failing, tell whoever runs Slipway.",
  AccessDenied: "You cannot sign in: your account is disabled. Ask an admin to enable it under Settings → Users.",
  SessionRequired: "Sign in to see that page.",
  Configuration: "Sign-in is misconfigured on the server. Tell whoever runs Slipway; the server log has the details.",
  Verification: "That sign-in link has expired or was already used. Sign in again.",
  Default: "Signing in failed. Try again.",
};

/** The message for a ?error= code; DevLogin carries the route's own message in ?message=. */
export function signInErrorMessage(code: string, message?: string): string {
  if (code === "DevLogin") {
    const detail = (message ?? "").trim().slice(0, 300);
    return detail ? `The development login failed: ${detail}` : "The development login failed. Try again.";
  }
  return messages[code] ?? messages.Default!;
}
