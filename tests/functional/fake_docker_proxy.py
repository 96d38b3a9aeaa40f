# Copyright (c) 2026, openclaw engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A TCP forwarder with docker-proxy's command line, for the gate's listener check in functional
tests (the host's PID 1 is not systemd and no docker runs there). Started with argv[0]
"docker-proxy", it listens on -host-ip:-host-port and forwards every connection to
-container-ip:-container-port, as docker's userland proxy does for a published port."""
import argparse
import socket
import socketserver
import threading


def pipe(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (src, dst):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def main():
    ap = argparse.ArgumentParser()
    for flag in ("-proto", "-host-ip", "-host-port", "-container-ip", "-container-port"):
        ap.add_argument(flag)
    args = ap.parse_args()
    target = (args.container_ip, int(args.container_port))

    class Handler(socketserver.BaseRequestHandler):
        def handle(self):
            try:
                upstream = socket.create_connection(target, timeout=30)
            except OSError:
                return  # nothing listens in the "container" yet: the client sees a reset
            back = threading.Thread(target=pipe, args=(upstream, self.request), daemon=True)
            back.start()
            pipe(self.request, upstream)
            back.join(timeout=30)

    class Server(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True

    with Server((args.host_ip, int(args.host_port)), Handler) as server:
        print("listening", flush=True)
        server.serve_forever()


if __name__ == "__main__":
    main()
