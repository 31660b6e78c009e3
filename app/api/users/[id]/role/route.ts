// PUT /api/users/:id/role {"role":"operator"} — admins change a user's role (audited).
import { NextResponse } from "next/server";
import { withActor, jsonBody } from "@/lib/http/api";
import { changeUserRole } from "@/lib/services/users";

type Ctx = { params: Promise<{ id: string }> };

export const PUT = withActor<Ctx>(async (req, actor, ctx) => {
  const { id } = await ctx.params;
  const user = await changeUserRole(actor, { ...(await jsonBody(req)), userId: id });
  return NextResponse.json({ user });
}, { permission: "users.manage" }); // the role before the body

export const POST = PUT;
