// A release as the deployment engine puts it on a target: its image by digest and the credentials of the
// registry it is pulled from. Both live in lib/services/releases/pull.ts, shared with the console's download.
export { registryAuth, releaseImage } from "@/lib/services/releases/pull";
