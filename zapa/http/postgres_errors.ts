/**
 * PostgreSQL refusals that are the client's doing or a lost race, mapped to a 4xx once for
 * every route (R-HTTP-10): a write that refers to a row deleted meanwhile is a 404, a
 * uniqueness clash a 409, a value the column cannot hold a 422. Routes still check what they
 * can up front; this is the net for what happens between their check and their write.
 */

export interface MappedError {
  status: number;
  detail: string;
  headers?: Record<string, string>;
}

const BY_SQLSTATE: Record<string, MappedError> = {
  // foreign_key_violation: the row written refers to one deleted meanwhile
  "23503": { status: 404, detail: "Not Found: the resource no longer exists" },
  // unique_violation
  "23505": { status: 409, detail: "Conflict: the resource already exists" },
  // string_data_right_truncation, numeric_value_out_of_range, invalid_text_representation,
  // character_not_in_repertoire, untranslatable_character, invalid_parameter_value
  "22001": { status: 422, detail: "A value is too long" },
  "22003": { status: 422, detail: "A number is out of range" },
  "22P02": { status: 422, detail: "A value has the wrong format" },
  "22021": { status: 422, detail: "Text must not contain U+0000 or invalid Unicode" },
  "22P05": { status: 422, detail: "Text must not contain U+0000 or invalid Unicode" },
  "22023": { status: 422, detail: "A value is invalid" },
  // program_limit_exceeded (e.g. a value too large for an index)
  "54000": { status: 413, detail: "A value is too large" },
  // serialization_failure, deadlock_detected: the write lost a race; trying again works
  "40001": {
    status: 503,
    detail: "Service temporarily unavailable",
    headers: { "Retry-After": "1" },
  },
  "40P01": {
    status: 503,
    detail: "Service temporarily unavailable",
    headers: { "Retry-After": "1" },
  },
};

/** The 4xx (or retryable 503) for a PostgreSQL error, or null for anything else. */
export function postgresErrorResponse(error: unknown): MappedError | null {
  if (!(error instanceof Error) || error.name !== "PostgresError") return null;
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? BY_SQLSTATE[code] ?? null : null;
}
