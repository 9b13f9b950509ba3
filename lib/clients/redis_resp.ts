/**
 * A minimal Redis client for the suites: enough RESP2 to run a few commands (SCAN, DEL, GET,
 * TTL, KEYS-like scans) over a loopback socket. The suites use it instead of ioredis because
 * ioredis needs unrestricted environment access; this needs only `--allow-net`.
 */

export type RespValue = string | number | null | RespValue[];

export class RespError extends Error {
  override name = "RespError";
}

export class MiniRedis {
  #conn: Deno.TcpConn;
  #buffer = new Uint8Array(0);
  #decoder = new TextDecoder();
  #encoder = new TextEncoder();

  private constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
  }

  /** Connects to a `redis://host:port[/db]` URL. */
  static async connect(url: string): Promise<MiniRedis> {
    const parsed = new URL(url);
    const conn = await Deno.connect({
      hostname: parsed.hostname || "127.0.0.1",
      port: Number(parsed.port || 6379),
    });
    const client = new MiniRedis(conn);
    const db = parsed.pathname.replace("/", "");
    if (db) await client.command("SELECT", db);
    return client;
  }

  async command(...args: Array<string | number>): Promise<RespValue> {
    const parts = args.map(String);
    let frame = `*${parts.length}\r\n`;
    for (const p of parts) frame += `$${this.#encoder.encode(p).length}\r\n${p}\r\n`;
    await this.#conn.write(this.#encoder.encode(frame));
    return await this.#read();
  }

  /** Every key matching a glob pattern (SCAN, so it never blocks the server). */
  async scan(pattern: string): Promise<string[]> {
    const keys: string[] = [];
    let cursor = "0";
    do {
      const [next, batch] = await this.command("SCAN", cursor, "MATCH", pattern, "COUNT", 1000) as [
        string,
        string[],
      ];
      cursor = next;
      keys.push(...batch);
    } while (cursor !== "0");
    return keys;
  }

  /** Deletes every key matching the pattern; returns how many were deleted. */
  async deletePattern(pattern: string): Promise<number> {
    const keys = await this.scan(pattern);
    if (keys.length === 0) return 0;
    return await this.command("DEL", ...keys) as number;
  }

  close(): void {
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
  }

  async #fill(): Promise<void> {
    const chunk = new Uint8Array(64 * 1024);
    const n = await this.#conn.read(chunk);
    if (n === null) throw new RespError("connection closed by server");
    const merged = new Uint8Array(this.#buffer.length + n);
    merged.set(this.#buffer);
    merged.set(chunk.subarray(0, n), this.#buffer.length);
    this.#buffer = merged;
  }

  async #line(): Promise<string> {
    while (true) {
      const end = this.#buffer.indexOf(0x0d);
      if (end >= 0 && this.#buffer[end + 1] === 0x0a) {
        const line = this.#decoder.decode(this.#buffer.subarray(0, end));
        this.#buffer = this.#buffer.subarray(end + 2);
        return line;
      }
      await this.#fill();
    }
  }

  async #read(): Promise<RespValue> {
    const line = await this.#line();
    const kind = line[0];
    const rest = line.slice(1);
    if (kind === "+") return rest;
    if (kind === "-") throw new RespError(rest);
    if (kind === ":") return Number(rest);
    if (kind === "$") {
      const length = Number(rest);
      if (length < 0) return null;
      while (this.#buffer.length < length + 2) await this.#fill();
      const value = this.#decoder.decode(this.#buffer.subarray(0, length));
      this.#buffer = this.#buffer.subarray(length + 2);
      return value;
    }
    if (kind === "*") {
      const count = Number(rest);
      if (count < 0) return null;
      const items: RespValue[] = [];
      for (let i = 0; i < count; i++) items.push(await this.#read());
      return items;
    }
    throw new RespError(`unexpected RESP reply: ${line.slice(0, 80)}`);
  }
}
