// Every kind of audit event, with the words the Audit page shows for it. New commands add their action here.

export const auditActions = {
  "auth.login": "signed in",
  "auth.logout": "signed out",
  "auth.login_refused": "was refused sign-in",
  "user.created": "user created",
  "user.role_changed": "role changed",
  "user.disabled": "user disabled",
  "user.enabled": "user enabled",
  "session.revoked": "sessions revoked",
} as const;

export type AuditAction = keyof typeof auditActions;

export const auditActionNames = Object.keys(auditActions) as AuditAction[];

export const auditSubjectTypes = [
  "user",
  "session",
  "github_app",
  "repository",
  "build_rule",
  "deployment_rule",
  "target",
  "host",
  "docker_context",
  "deployer_key",
  "registry",
  "secret",
  "notification_channel",
  "build",
  "release",
  "deployment",
  "api_token",
  "setting",
  "system",
] as const;

export type AuditSubjectType = (typeof auditSubjectTypes)[number];

export function isAuditAction(s: string): s is AuditAction {
  return Object.prototype.hasOwnProperty.call(auditActions, s);
}
