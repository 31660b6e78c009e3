// Settings → Users: one row per user; for admins with a role form and a disable/enable button, for everyone
// else read-only (the role as a badge).
import { Table, THead, TBody, Th, RowTh, Td, Sub } from "@/components/ui/table";
import { Timestamp } from "@/components/ui/timestamp";
import { Badge } from "@/components/ui/badge";
import { Avatar } from "@/components/shell/avatar";
import { RoleForm } from "@/components/users/role-form";
import { RoleBadge } from "@/components/status/role-badge";
import { DisableForm } from "@/components/users/disable-form";
import type { ActionState } from "@/lib/auth/action";
import type { UserListRow } from "@/lib/queries/users";

export type UserRowView = UserListRow;

type Action = (prev: ActionState, form: FormData) => Promise<ActionState>;

export function UserTable({
  users,
  me,
  now,
  changeRole,
  setDisabled,
}: {
  users: UserRowView[];
  /** the signed-in admin's id: they cannot disable themselves */
  me: string;
  now: Date;
  /** admins only; without them the table is read-only */
  changeRole?: Action;
  setDisabled?: Action;
}) {
  return (
    <Table caption="Users, by login">
      <THead>
        <tr>
          <Th>User</Th>
          <Th>Role</Th>
          <Th>Status</Th>
          <Th>Last sign-in</Th>
          <Th>Created</Th>
        </tr>
      </THead>
      <TBody>
        {users.map((u) => (
          <tr key={u.id} className={u.disabled ? "bg-zinc-50/80 dark:bg-zinc-950/40" : undefined}>
            <RowTh>
              <div className="flex items-center gap-3">
                <Avatar login={u.login} image={u.image} />
                <div className="min-w-0">
                  <span className={u.disabled ? "text-zinc-500 line-through decoration-zinc-400" : undefined}>{u.login}</span>
                  {u.id === me ? <span className="ml-2 text-xs font-normal text-zinc-500 dark:text-zinc-400">(you)</span> : null}
                  {u.name && u.name !== u.login ? <Sub className="font-normal">{u.name}</Sub> : null}
                </div>
              </div>
            </RowTh>
            <Td>
              {changeRole ? <RoleForm userId={u.id} login={u.login} role={u.role} action={changeRole} /> : <RoleBadge role={u.role} />}
            </Td>
            <Td>
              <div className="flex items-start gap-3">
                <div className="w-20 shrink-0 pt-1">
                  {u.disabled ? <Badge tone="zinc">Disabled</Badge> : <Badge tone="emerald">Active</Badge>}
                  <Sub>
                    {u.activeSessions} session{u.activeSessions === 1 ? "" : "s"}
                  </Sub>
                </div>
                {!setDisabled ? null : u.id === me ? (
                  <p className="pt-1 text-xs text-zinc-500 dark:text-zinc-400">Another admin can disable you.</p>
                ) : (
                  <DisableForm userId={u.id} login={u.login} disabled={u.disabled} action={setDisabled} />
                )}
              </div>
            </Td>
            <Td className="whitespace-nowrap">
              {u.lastLoginAt ? <Timestamp date={u.lastLoginAt} now={now} relative /> : <span className="text-zinc-400">never</span>}
            </Td>
            <Td className="whitespace-nowrap">
              <Timestamp date={u.createdAt} now={now} relative />
            </Td>
          </tr>
        ))}
      </TBody>
    </Table>
  );
}
