/**
 * Shared pieces of the admin routers: the API sub-router (zapa/http/router.ts) and the paging
 * arithmetic every list uses.
 */
import { ADMIN_SECURITY, Detail, json } from "../http/openapi.ts";
import { idParam, intParam, MAX_INT4 } from "../http/params.ts";

export { newRouter } from "../http/router.ts";
export { ADMIN_SECURITY, Detail, idParam, intParam, json, MAX_INT4 };

/** `?page&page_size` of the admin lists. */
export function pageQuery(defaultSize: number) {
  return {
    page: intParam("page", 1, 1_000_000).optional(),
    page_size: intParam("page_size", 1, 100).optional().openapi({ default: defaultSize }),
  };
}

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
