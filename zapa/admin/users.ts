/**
 * Admin user management (R-ADMIN-1, R-ADMIN-2): list with paging, escaped search and a status
 * filter; read, edit, create and delete one user. Responses are UserSummary / UserDetail.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Deps } from "../deps.ts";
import type { Sql } from "../db/mod.ts";
import type { AdminEnv } from "../auth/guards.ts";
import { ApiError, notFound } from "../http/errors.ts";
import { normalisePhone } from "../phone.ts";
import { PHONE_PATTERN } from "../phone.ts";
import { LlmConfigsSchema } from "../llm_config/schema.ts";
import { getLlmConfigs } from "../llm_config/store.ts";
import {
  ADMIN_SECURITY,
  Detail,
  idParam,
  json,
  likePattern,
  MAX_INT4,
  newRouter,
  pageQuery,
  paging,
  totalPages,
} from "./_router.ts";

const errors = { 404: json(Detail, "Unknown user"), 422: json(Detail, "Invalid input") };

export const UserId = z.object({ id: idParam("id") });

const UserSummary = z.object({
  id: z.number().int(),
  phone_number: z.string(),
  display_name: z.string().nullable(),
  first_name: z.string().nullable(),
  last_name: z.string().nullable(),
  is_active: z.boolean(),
  created_at: z.string(),
  last_active: z.string().nullable(),
  last_message_at: z.string().nullable(),
  total_messages: z.number().int(),
  llm_provider: z.string().nullable(),
}).openapi("UserSummary");

const UserDetail = UserSummary.extend({
  user_metadata: z.record(z.string(), z.unknown()),
  messages_sent: z.number().int(),
  messages_received: z.number().int(),
  llm_config: LlmConfigsSchema,
}).openapi("UserDetail");

const UserList = z.object({
  users: z.array(UserSummary),
  total: z.number().int(),
  page: z.number().int(),
  page_size: z.number().int(),
  total_pages: z.number().int(),
}).openapi("UserList");

const Editable = z.object({
  display_name: z.string().max(255).nullable().optional(),
  first_name: z.string().max(100).nullable().optional(),
  last_name: z.string().max(100).nullable().optional(),
  is_active: z.boolean().optional(),
  user_metadata: z.record(z.string(), z.unknown()).optional(),
});
type EditableFields = z.infer<typeof Editable>;

const ListQuery = z.object({
  ...pageQuery(20),
  search: z.string().max(200).optional(),
  status: z.enum(["all", "active", "inactive"]).default("all"),
});

interface SummaryRow {
  id: number;
  phone_number: string;
  display_name: string | null;
  first_name: string | null;
  last_name: string | null;
  is_active: boolean;
  created_at: Date;
  last_active: Date | null;
  last_message_at: Date | null;
  total_messages: number;
  llm_provider: string | null;
}

function summaryColumns(sql: Sql) {
  return sql`
    u.id, u.phone_number, u.display_name, u.first_name, u.last_name, u.is_active,
    u.created_at, u.last_active, m.last_message_at, coalesce(m.total, 0)::int AS total_messages,
    c.provider AS llm_provider
    FROM users u
    LEFT JOIN LATERAL (
      SELECT count(*) AS total, max(created_at) AS last_message_at FROM messages
      WHERE user_id = u.id
    ) m ON true
    LEFT JOIN LATERAL (
      SELECT provider FROM llm_configs WHERE user_id = u.id AND is_active
      ORDER BY priority LIMIT 1
    ) c ON true`;
}

function toSummary(r: SummaryRow) {
  return {
    id: r.id,
    phone_number: r.phone_number,
    display_name: r.display_name,
    first_name: r.first_name,
    last_name: r.last_name,
    is_active: r.is_active,
    created_at: r.created_at.toISOString(),
    last_active: r.last_active?.toISOString() ?? null,
    last_message_at: r.last_message_at?.toISOString() ?? null,
    total_messages: r.total_messages,
    llm_provider: r.llm_provider,
  };
}

/** UserDetail of one user, or null when the id is unknown. */
export async function userDetail(sql: Sql, id: number) {
  if (id > MAX_INT4) return null;
  const [row] = await sql<(SummaryRow & { user_metadata: unknown })[]>`
    SELECT u.user_metadata, ${summaryColumns(sql)} WHERE u.id = ${id}`;
  if (!row) return null;
  const [counts] = await sql<{ sent: number; received: number }[]>`
    SELECT count(*) FILTER (WHERE direction = 'inbound')::int AS sent,
           count(*) FILTER (WHERE direction = 'outbound')::int AS received
    FROM messages WHERE user_id = ${id}`;
  return {
    ...toSummary(row),
    user_metadata: (row.user_metadata ?? {}) as Record<string, unknown>,
    messages_sent: counts?.sent ?? 0,
    messages_received: counts?.received ?? 0,
    llm_config: await getLlmConfigs({ sql }, id),
  };
}

async function updateUser(sql: Sql, id: number, fields: EditableFields): Promise<boolean> {
  if (id > MAX_INT4) return false;
  const set: Record<string, unknown> = {};
  for (const key of ["display_name", "first_name", "last_name", "is_active"] as const) {
    if (fields[key] !== undefined) set[key] = fields[key];
  }
  if (fields.user_metadata !== undefined) {
    set.user_metadata = sql.json(fields.user_metadata as never);
  }
  if (Object.keys(set).length === 0) {
    const [row] = await sql`SELECT 1 FROM users WHERE id = ${id}`;
    return row !== undefined;
  }
  const rows = await sql`
    UPDATE users SET ${sql(set)}, updated_at = now() WHERE id = ${id} RETURNING id`;
  return rows.length > 0;
}

const listRoute = createRoute({
  method: "get",
  path: "/users",
  tags: ["admin users"],
  summary: "List users (paged, searchable, filterable by status)",
  security: ADMIN_SECURITY,
  request: { query: ListQuery },
  responses: { 200: json(UserList, "A page of users"), 422: errors[422] },
});

const getRoute = createRoute({
  method: "get",
  path: "/users/{id}",
  tags: ["admin users"],
  summary: "One user (UserDetail)",
  security: ADMIN_SECURITY,
  request: { params: UserId },
  responses: { 200: json(UserDetail, "The user"), ...errors },
});

const body = <T extends z.ZodType>(schema: T) => ({
  body: { content: { "application/json": { schema } }, required: true },
});

const putRoute = createRoute({
  method: "put",
  path: "/users/{id}",
  tags: ["admin users"],
  summary: "Edit a user",
  security: ADMIN_SECURITY,
  request: { params: UserId, ...body(Editable) },
  responses: { 200: json(UserDetail, "The edited user"), ...errors },
});

const patchRoute = createRoute({ ...putRoute, method: "patch", summary: "Edit some fields" });

const deleteRoute = createRoute({
  method: "delete",
  path: "/users/{id}",
  tags: ["admin users"],
  summary: "Delete a user and everything they own",
  security: ADMIN_SECURITY,
  request: { params: UserId },
  responses: { 204: { description: "Deleted" }, ...errors },
});

const createUserRoute = createRoute({
  method: "post",
  path: "/users",
  tags: ["admin users"],
  summary: "Create a user",
  security: ADMIN_SECURITY,
  request: body(
    Editable.extend({ phone_number: z.string().max(64).openapi({ pattern: PHONE_PATTERN }) }),
  ),
  responses: {
    201: json(UserDetail, "Created"),
    404: json(Detail, "Deleted again before it could be read back"),
    409: json(Detail, "Phone already registered"),
    422: errors[422],
  },
});

export function userRoutes(deps: Deps) {
  const { sql } = deps;
  const app = newRouter<AdminEnv>();

  app.openapi(listRoute, async (c) => {
    const q = c.req.valid("query");
    const { page, page_size, offset } = paging(q.page ?? 1, q.page_size ?? 20);
    const term = q.search?.trim();
    const where = sql`WHERE true
      ${q.status === "active" ? sql`AND u.is_active` : sql``}
      ${q.status === "inactive" ? sql`AND NOT u.is_active` : sql``}
      ${
      term
        ? sql`AND (u.phone_number ILIKE ${likePattern(term)} OR u.display_name ILIKE ${
          likePattern(term)
        } OR u.first_name ILIKE ${likePattern(term)} OR u.last_name ILIKE ${likePattern(term)})`
        : sql``
    }`;
    const [count] = await sql<
      { total: number }[]
    >`SELECT count(*)::int AS total FROM users u ${where}`;
    const rows = await sql<SummaryRow[]>`
      SELECT ${summaryColumns(sql)} ${where}
      ORDER BY u.created_at DESC, u.id DESC LIMIT ${page_size} OFFSET ${offset}`;
    const total = count?.total ?? 0;
    return c.json({
      users: rows.map(toSummary),
      total,
      page,
      page_size,
      total_pages: totalPages(total, page_size),
    }, 200);
  });

  app.openapi(getRoute, async (c) => {
    const detail = await userDetail(sql, c.req.valid("param").id);
    if (!detail) throw notFound("User not found");
    return c.json(detail, 200);
  });

  const edit = async (id: number, fields: EditableFields) => {
    if (!(await updateUser(sql, id, fields))) throw notFound("User not found");
    // Deleted between the write and the read: as gone as if it had been deleted before.
    const detail = await userDetail(sql, id);
    if (!detail) throw notFound("User not found");
    return detail;
  };
  app.openapi(putRoute, async (c) => {
    return c.json(await edit(c.req.valid("param").id, c.req.valid("json")), 200);
  });
  app.openapi(patchRoute, async (c) => {
    return c.json(await edit(c.req.valid("param").id, c.req.valid("json")), 200);
  });

  app.openapi(deleteRoute, async (c) => {
    const id = c.req.valid("param").id;
    const rows = id > MAX_INT4 ? [] : await sql`DELETE FROM users WHERE id = ${id} RETURNING id`;
    if (rows.length === 0) throw notFound("User not found");
    return c.body(null, 204);
  });

  app.openapi(createUserRoute, async (c) => {
    const input = c.req.valid("json");
    const phone = normalisePhone(input.phone_number);
    if (!phone) {
      throw new ApiError(422, "phone_number: must be an E.164 number such as +14155550123");
    }
    const [row] = await sql<{ id: number }[]>`
      INSERT INTO users (phone_number, display_name, first_name, last_name, is_active, user_metadata)
      VALUES (${phone}, ${input.display_name ?? `User ${phone.slice(-4)}`},
        ${input.first_name ?? null}, ${input.last_name ?? null}, ${input.is_active ?? true},
        ${sql.json((input.user_metadata ?? {}) as never)})
      ON CONFLICT (phone_number) DO NOTHING RETURNING id`;
    if (!row) throw new ApiError(409, "A user with this phone number already exists");
    const detail = await userDetail(sql, row.id);
    if (!detail) throw notFound("User not found");
    return c.json(detail, 201);
  });

  return app;
}
