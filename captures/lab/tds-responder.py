#!/usr/bin/env python3
"""Minimal TDS (MS-TDS) responder standing in for a remote SQL Server in the sepflow lab.

There is no SQL Server on Debian, so this SYNTHETIC responder answers just enough of the
protocol for a real TDS client (FreeTDS `tsql`) to run its normal opening exchange:

  client PRELOGIN (type 0x12)  ->  server PRELOGIN response (type 0x04): version 15.0.2000
                                   (SQL Server 2019), ENCRYPTION = NOT_SUP, no MARS
  client LOGIN7   (type 0x10)  ->  server tabular result (type 0x04): ERROR token 18456
                                   "Login failed for user '<user>'." + DONE (DONE_ERROR)

after which the client closes the connection (a normal FIN exchange).  Any other packet
type is ignored.  One connection at a time; runs until killed.

usage: tds-responder.py BIND_ADDRESS PORT
"""
import socket
import struct
import sys

PRELOGIN, LOGIN7, TABULAR = 0x12, 0x10, 0x04
SERVER_NAME = "SEPSQL01"


def tds_packet(ptype: int, payload: bytes, packet_id: int = 1) -> bytes:
    # header: type, status (0x01 = end of message), length (BE, incl. header), SPID, packet id, window
    return struct.pack(">BBHHBB", ptype, 0x01, 8 + len(payload), 0, packet_id, 0) + payload


def prelogin_response() -> bytes:
    options = [
        (0x00, struct.pack(">BBHH", 15, 0, 2000, 0)),  # VERSION 15.0.2000.0
        (0x01, b"\x02"),  # ENCRYPTION: ENCRYPT_NOT_SUP
        (0x02, b"\x00"),  # INSTOPT: default instance accepted
        (0x03, b""),  # THREADID: empty in a server response
        (0x04, b"\x00"),  # MARS: off
    ]
    offset = 5 * len(options) + 1  # option table + 0xFF terminator
    table, data = b"", b""
    for token, value in options:
        table += struct.pack(">BHH", token, offset + len(data), len(value))
        data += value
    return table + b"\xff" + data


def ucs2(s: str) -> bytes:
    return s.encode("utf-16-le")


def login_failed(user: str) -> bytes:
    msg = f"Login failed for user '{user}'."
    body = (
        struct.pack("<lBB", 18456, 1, 14)  # number, state, class
        + struct.pack("<H", len(msg)) + ucs2(msg)  # MsgText (US_VARCHAR)
        + struct.pack("<B", len(SERVER_NAME)) + ucs2(SERVER_NAME)  # ServerName (B_VARCHAR)
        + struct.pack("<B", 0)  # ProcName (empty B_VARCHAR)
        + struct.pack("<l", 1)  # LineNumber (LONG, TDS 7.2+)
    )
    error = b"\xaa" + struct.pack("<H", len(body)) + body
    done = b"\xfd" + struct.pack("<HHQ", 0x0002, 0, 0)  # DONE_ERROR, curcmd 0, rowcount 0
    return error + done


def login7_user(payload: bytes) -> str:
    # LOGIN7: fixed part; ibHostName/cchHostName at offset 36, ibUserName/cchUserName at 40
    try:
        ib, cch = struct.unpack_from("<HH", payload, 40)
        return payload[ib : ib + 2 * cch].decode("utf-16-le")
    except Exception:
        return "?"


def read_message(conn: socket.socket):
    """Read one TDS message (packets until status has EOM). Returns (type, payload) or None on EOF."""
    payload, ptype = b"", None
    while True:
        header = recv_exact(conn, 8)
        if header is None:
            return None
        ptype, status, length = header[0], header[1], struct.unpack(">H", header[2:4])[0]
        body = recv_exact(conn, length - 8)
        if body is None:
            return None
        payload += body
        if status & 0x01:
            return ptype, payload


def recv_exact(conn: socket.socket, n: int):
    buf = b""
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def serve(conn: socket.socket) -> None:
    while True:
        msg = read_message(conn)
        if msg is None:
            return
        ptype, payload = msg
        if ptype == PRELOGIN:
            conn.sendall(tds_packet(TABULAR, prelogin_response()))
        elif ptype == LOGIN7:
            user = login7_user(payload)
            print(f"tds-responder: LOGIN7 for user {user!r} -> error 18456", flush=True)
            conn.sendall(tds_packet(TABULAR, login_failed(user)))


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((host, port))
    srv.listen(4)
    print(f"tds-responder: listening on {host}:{port}", flush=True)
    while True:
        conn, peer = srv.accept()
        with conn:
            try:
                serve(conn)
            except OSError as exc:
                print(f"tds-responder: {peer}: {exc}", flush=True)


if __name__ == "__main__":
    main()
