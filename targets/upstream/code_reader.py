"""A login-code reader for the upstream backend (the suites' ZAPA_LOGIN_CODE_FROM=<url>).

Upstream sends the code through a bridge call our mock bridge refuses (it sends no API key), so
the suites could not read it from the bridge's journal. This reader answers
GET /code?phone=<E.164> with {"code": …}: the newest unused code of that number, read from
upstream's own `auth_code` / `user` tables. A test aid of the recipe, not part of upstream.
"""

import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import psycopg2

DSN = os.environ["DATABASE_URL"]


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        url = urlparse(self.path)
        phone = parse_qs(url.query).get("phone", [""])[0]
        if url.path != "/code" or not phone:
            return self.answer(404, {"detail": "GET /code?phone=<E.164>"})
        with psycopg2.connect(DSN) as conn, conn.cursor() as cur:
            cur.execute(
                'SELECT a.code FROM auth_code a JOIN "user" u ON u.id = a.user_id '
                "WHERE u.phone_number = %s AND NOT a.used ORDER BY a.id DESC LIMIT 1",
                (phone,),
            )
            row = cur.fetchone()
        if row is None:
            return self.answer(404, {"detail": f"no code for {phone}"})
        return self.answer(200, {"code": row[0]})

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_args):
        pass


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
