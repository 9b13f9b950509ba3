/**
 * Shared pieces of the admin routers: the API sub-router (zapa/http/router.ts) and the paging
 * arithmetic every list uses.
 */
export { newRouter } from "../http/router.ts";

/** PostgreSQL `integer` upper bound: larger ids cannot exist, so they are simply unknown. */
export const MAX_INT4 = 2_147_483_647;

export interface Paging {
  page: number;
  page_size: number;
  offset: number;
}

export function paging(page: number, pageSize: number): Paging {
  return { page, page_size: pageSize, offset: (page - 1) * pageSize };
}

export function totalPages(total: number, pageSize: number): number {
  return Math.max(1, Math.ceil(total / pageSize));
}

/** Escapes `\`, `%` and `_` so user text is matched literally by ILIKE (default escape `\`). */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
}
