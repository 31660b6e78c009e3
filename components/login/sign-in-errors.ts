// next-auth's ?error= codes (and the development login's) in words for the person signing in. Only these
// words are ever shown: nothing from the URL reaches the page, so a link cannot put its own text there.

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
  DevLogin: "The development login failed. Try again.",
  DevLoginInvalid: "The development login needs a GitHub-style login (letters, digits and single dashes, at most 39) and one of the roles listed.",
  DevLoginRefused: "The development login refused this sign-in: the development login is off, or that user is disabled (an admin can enable it under Settings → Users).",
  LoginLinkRefused:
    "That sign-in link did not work: each link works once, for 15 minutes, and only while the `npm start` that printed it runs. Press Enter in the terminal running `npm start` for a new one.",
  Default: "Signing in failed. Try again.",
};

/** The message for a ?error= code; an unknown code gets the default words. */
export function signInErrorMessage(code: string): string {
  return (Object.hasOwn(messages, code) ? messages[code] : undefined) ?? messages.Default!;
}
