/**
 * MessageItem of R-MSG-6 as a published schema, shared by the public messages API and
 * the admin conversation view.
 */
import { z } from "@hono/zod-openapi";

export const MessageItemSchema = z.object({
  id: z.number(),
  user_id: z.number(),
  direction: z.string(),
  message_type: z.string(),
  content: z.string().nullable(),
  caption: z.string().nullable(),
  status: z.string().nullable(),
  whatsapp_message_id: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()),
  created_at: z.string(),
  timestamp: z.string(),
}).openapi("MessageItem");
