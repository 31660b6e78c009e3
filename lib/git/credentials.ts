// An installation token for an https URL, handed to git as an http.extraHeader through GIT_CONFIG_* variables:
// it never appears in argv (visible in ps), in the URL or in an error message.
export interface GitCredentials {
  env: Record<string, string>;
  secrets: string[];
}

export function tokenCredentials(url: string, token: string | undefined): GitCredentials {
  if (!token) return { env: {}, secrets: [] };
  if (!/^https:\/\//i.test(url)) {
    throw new Error(`a token is only sent over https; ${maskUrl(url)} is not an https URL (use https://github.com/OWNER/REPO.git)`);
  }
  const basic = Buffer.from(`x-access-token:${token}`, "utf8").toString("base64");
  return {
    env: {
      GIT_CONFIG_COUNT: "1",
      GIT_CONFIG_KEY_0: "http.extraHeader",
      GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
    },
    secrets: [token, basic],
  };
}

/** The URL with any user:password part hidden, for messages. */
export function maskUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, "$1***@");
}

/** Secrets embedded in the URL itself (user:password@), masked like a token. */
export function urlSecrets(url: string): string[] {
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/@]*)@/i.exec(url);
  if (!m?.[1]) return [];
  return [m[1], ...m[1].split(":").filter((p) => p.length >= 4)];
}
