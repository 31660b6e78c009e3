// A deployment rule's preview settings when slipway.yml or the form leaves them out; without zod, so the
// console's rule form can import them (lib/validation/previews.ts re-exports them for everyone else).
export const DEFAULT_PREVIEW_TTL_HOURS = 72;
export const DEFAULT_PREVIEW_MAX_CONCURRENT = 5;
