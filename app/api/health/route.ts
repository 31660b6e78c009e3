// GET /api/health — for load balancers and the test harness: the web process is up and reaches the database.
import { NextResponse } from "next/server";
import { healthStatus } from "@/lib/queries/health";

export const dynamic = "force-dynamic";

export async function GET(): Promise<Response> {
  const status = await healthStatus();
  return NextResponse.json(status, { status: status.database === "ok" ? 200 : 503 });
}
