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
  "github_app.created": "GitHub app added",
  "github_app.updated": "GitHub app changed",
  "github_app.deleted": "GitHub app removed",
  "github_app.credentials_set": "GitHub app credentials set",
  "repository.created": "repository added",
  "repository.updated": "repository changed",
  "repository.deleted": "repository removed",
  "build_rule.created": "build rule added",
  "build_rule.updated": "build rule changed",
  "build_rule.deleted": "build rule removed",
  "deployment_rule.created": "deployment rule added",
  "deployment_rule.updated": "deployment rule changed",
  "deployment_rule.deleted": "deployment rule removed",
  "target.created": "target added",
  "target.updated": "target changed",
  "target.deleted": "target removed",
  "host.created": "host added",
  "host.updated": "host changed",
  "host.deleted": "host removed",
  "host.key_pinned": "host key accepted",
  "host.key_removed": "host key removed",
  "host.checked": "host connection tested",
  "docker_context.created": "docker context added",
  "docker_context.updated": "docker context changed",
  "docker_context.deleted": "docker context removed",
  "docker_context.checked": "docker context tested",
  "deployer_key.created": "deployer key generated",
  "deployer_key.rotated": "deployer key rotated",
  "registry.created": "registry added",
  "registry.updated": "registry changed",
  "registry.deleted": "registry removed",
  "registry.password_set": "registry password set",
  "registry.checked": "registry login tested",
  "secret.created": "secret added",
  "secret.updated": "secret changed",
  "secret.deleted": "secret removed",
  "secret.value_set": "secret value set",
  "notification_channel.created": "notification channel added",
  "notification_channel.updated": "notification channel changed",
  "notification_channel.deleted": "notification channel removed",
  "notification_channel.url_set": "notification channel URL set",
  "inventory.imported": "slipway.yml imported",
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
