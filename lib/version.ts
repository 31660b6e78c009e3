// Slipway's version, from package.json.
import pkg from "@/package.json" with { type: "json" };

export const slipwayVersion: string = pkg.version;
