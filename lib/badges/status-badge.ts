// README status badges: "build | passing" in the shields.io "flat" look, as a standalone SVG. Only fixed
// words are ever drawn, so a badge reveals a branch's state and nothing else.

export const badgeStatuses = ["passing", "failing", "running", "cancelled", "unknown"] as const;
export type BadgeStatus = (typeof badgeStatuses)[number];

const colours: Record<BadgeStatus, string> = {
  passing: "#4c1",
  failing: "#e05d44",
  running: "#dfb317",
  cancelled: "#9f9f9f",
  unknown: "#9f9f9f",
};

// Verdana 11px advance widths (what shields.io measures with), for the characters the words use
const widths: Record<string, number> = {
  a: 6.7, b: 6.9, c: 5.8, d: 6.9, e: 6.7, f: 3.9, g: 6.9, h: 7, i: 3, j: 3.8, k: 6.5, l: 3, m: 10.7,
  n: 7, o: 6.7, p: 6.9, q: 6.9, r: 4.7, s: 5.7, t: 4.3, u: 7, v: 6.5, w: 9, x: 6.5, y: 6.5, z: 5.8, " ": 3.5,
};

function textWidth(text: string): number {
  let w = 0;
  for (const c of text) w += widths[c] ?? 7;
  return Math.round(w);
}

function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The badge for a status, e.g. statusBadgeSvg("build", "passing"). */
export function statusBadgeSvg(label: string, status: BadgeStatus): string {
  const pad = 10;
  const left = textWidth(label) + pad;
  const right = textWidth(status) + pad;
  const width = left + right;
  const l = escapeXml(label);
  const s = escapeXml(status);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="20" role="img" aria-label="${l}: ${s}">
<title>${l}: ${s}</title>
<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>
<clipPath id="r"><rect width="${width}" height="20" rx="3" fill="#fff"/></clipPath>
<g clip-path="url(#r)"><rect width="${left}" height="20" fill="#555"/><rect x="${left}" width="${right}" height="20" fill="${colours[status]}"/><rect width="${width}" height="20" fill="url(#s)"/></g>
<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">
<text x="${left / 2}" y="15" fill="#010101" fill-opacity=".3">${l}</text><text x="${left / 2}" y="14">${l}</text>
<text x="${left + right / 2}" y="15" fill="#010101" fill-opacity=".3">${s}</text><text x="${left + right / 2}" y="14">${s}</text>
</g>
</svg>
`;
}
