// WWW-Authenticate challenges (RFC 7235) as registries send them on 401:
// `Basic realm="Registry Realm"` or `Bearer realm="https://auth.example/token",service="registry",scope="…"`.

export interface AuthChallenge {
  /** lower case: "basic", "bearer", … */
  scheme: string;
  /** parameter names in lower case */
  params: Record<string, string>;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/;

/**
 * Parses a WWW-Authenticate header into its challenges, in order. Unparseable remains are skipped, so a
 * header that is not a challenge at all gives an empty list.
 */
export function parseAuthChallenges(header: string): AuthChallenge[] {
  const challenges: AuthChallenge[] = [];
  let rest = header.trim();
  let current: AuthChallenge | undefined;

  while (rest.length > 0) {
    rest = rest.replace(/^[\s,]+/, "");
    const token = TOKEN.exec(rest)?.[0];
    if (!token) break;
    const afterToken = rest.slice(token.length);
    const param = /^\s*=\s*/.exec(afterToken);
    if (param && current && !/^=/.test(afterToken.slice(param[0].length))) {
      // name=value or name="quoted value" inside the current challenge
      let valueText = afterToken.slice(param[0].length);
      let value: string;
      if (valueText.startsWith('"')) {
        let i = 1;
        value = "";
        while (i < valueText.length && valueText[i] !== '"') {
          if (valueText[i] === "\\" && i + 1 < valueText.length) i++;
          value += valueText[i];
          i++;
        }
        valueText = valueText.slice(i + 1);
      } else {
        // RFC 7235 wants a token here; some registries send an unquoted URL: take everything up to ',' or space
        value = /^[^\s,]*/.exec(valueText)?.[0] ?? "";
        valueText = valueText.slice(value.length);
      }
      current.params[token.toLowerCase()] = value;
      rest = valueText;
    } else {
      // a new challenge's scheme (token68 forms, `Negotiate abc==`, carry no parameters Slipway needs)
      current = { scheme: token.toLowerCase(), params: {} };
      challenges.push(current);
      rest = afterToken.replace(/^\s+[A-Za-z0-9._~+/-]+=*(?=\s*(,|$))/, "");
    }
  }
  return challenges;
}
