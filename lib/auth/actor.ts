// Who is doing something. Every command receives an Actor; the audit log records it.
import type { Role } from "@/lib/auth/roles";

export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
}

export type Actor =
  | ({ type: "user"; userId: string; login: string; role: Role } & RequestMeta)
  | ({
      type: "api_token";
      tokenId: string;
      /** the token's name, for the audit log ("alice via token deploy-bot") */
      tokenName: string;
      userId: string;
      login: string;
      /** the effective role: the lower of the token's scope and the user's role now */
      role: Role;
      /** the repositories the token may reach; null = all */
      repositoryIds: string[] | null;
    } & RequestMeta)
  | { type: "system"; label: string }
  | { type: "worker"; workerId: string };

export type UserActor = Extract<Actor, { type: "user" | "api_token" }>;

export function systemActor(label = "system"): Actor {
  return { type: "system", label };
}

export function actorRole(actor: Actor): Role {
  // The system and workers act with full rights; they only run code Slipway itself ships.
  return actor.type === "user" || actor.type === "api_token" ? actor.role : "admin";
}

/** The repositories the actor may reach: null = all (users, the system, workers, unrestricted tokens). */
export function actorRepositoryIds(actor: Actor): string[] | null {
  return actor.type === "api_token" ? actor.repositoryIds : null;
}

export function actorLabel(actor: Actor): string {
  switch (actor.type) {
    case "user":
      return actor.login;
    case "api_token":
      return `${actor.login} via token ${actor.tokenName}`;
    case "system":
      return actor.label;
    case "worker":
      return `worker ${actor.workerId}`;
  }
}

/** The person behind the actor (a user, or a token's owner); null for the system and workers. */
export function actorUserId(actor: Actor): string | null {
  return actor.type === "user" || actor.type === "api_token" ? actor.userId : null;
}
