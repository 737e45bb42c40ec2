#!/usr/bin/env python3
"""A webhook receiver for the live alerting test: stands in for the pager and the ticket system.

Binds 127.0.0.1 on a free port, writes the port to PORT_FILE (atomically, so a reader never sees
half of it), then appends each POSTed notification to OUT_FILE as one JSON line:
{"path": "/pager", "notification": <Alertmanager's webhook payload>}.

Usage: webhook_receiver.py PORT_FILE OUT_FILE
"""
import http.server
import json
import os
import sys


def main():
    port_file, out_file = sys.argv[1], sys.argv[2]

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            record = {"path": self.path, "notification": json.loads(body)}
            with open(out_file, "a") as out:
                out.write(json.dumps(record) + "\n")
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    with open(port_file + ".tmp", "w") as f:
        f.write(f"{server.server_address[1]}\n")
    os.rename(port_file + ".tmp", port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
