// The kinds of object a repository-limited API token is checked against (lib/queries/repository-of.ts
// finds each one's repository).
export const scopedSubjects = ["repository", "buildRule", "build", "release", "deploymentRule", "target", "deployment", "preview"] as const;
export type ScopedSubject = (typeof scopedSubjects)[number];

export const subjectWords: Record<ScopedSubject, string> = {
  repository: "repository",
  buildRule: "build rule",
  build: "build",
  release: "release",
  deploymentRule: "deployment rule",
  target: "target",
  deployment: "deployment",
  preview: "preview",
};

/** The one 404 message for an object that does not exist or that the token cannot reach (they look alike). */
export function notFoundMessage(what: string, id: string): string {
  return `There is no ${what} with id ${id} that this token can reach; check the id.`;
}
