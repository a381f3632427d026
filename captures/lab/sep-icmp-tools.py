#!/usr/bin/env python3
"""Helpers of make-captures.sh for the sep-icmp capture (subcommands below).

quotes IN.pcap OUT.pcap — rewrite the lab addresses inside ICMP error messages: 127.10.a.b -> 10.10.a.b.
tcprewrite --pnat rewrites a packet's own IP header, not the datagram an ICMP error quotes, so an ICMP
port unreachable about a packet from 127.10.0.10 would still name 127.10.0.10 after the capture is
published as 10.10.0.10. This pass (run on the raw capture, before tcprewrite) rewrites the quoted IPv4
header's source and destination, recomputes the quoted IPv4 header checksum, the quoted UDP/TCP checksum
when the whole quoted segment is present (loopback leaves it unfinished: it is computed in full), and
the ICMP checksum (RFC 792; it covers the ICMP message only, so the outer rewrite does not change it).
Outer headers are left to tcprewrite.

(classic pcap, LINKTYPE_ETHERNET, either byte order). Prints how many ICMP errors were rewritten.

truth FLOWS_JSONL SYSLOG_ADDR SEPM_ADDR — adds to the flow records the ICMP errors each flow got: the
syslog datagram a port unreachable (3/3) from the syslog host, the rejected SYN an administratively
prohibited (3/13) from the manager (published addresses).

nrb PCAPNG ADDR=NAME... — inserts a Name Resolution Block (draft-ietf-opsawg-pcapng section 4.5, one
nrb_record_ipv4 per entry) after the first Interface Description Block of a little-endian pcapng.

readme TRUTH README_IN README_OUT VERSIONS CAPINFOS CHECK_TXT — README_OUT = README_IN with the sep-icmp
section (between its markers) written or replaced.
"""
import json
import struct
import sys

LAB, PUB = (127, 10), (10, 10)


def csum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def rewrite_addr(b: bytearray, at: int) -> None:
    if tuple(b[at:at + 2]) == LAB:
        b[at:at + 2] = bytes(PUB)


def fix_quote(f: bytearray) -> bool:
    """f: one Ethernet frame; returns True when it is an IPv4 ICMP error whose quote was rewritten."""
    if len(f) < 14 + 20 or f[12:14] != b"\x08\x00":
        return False
    ip = 14
    ihl = (f[ip] & 0x0F) * 4
    if f[ip] >> 4 != 4 or f[ip + 9] != 1:
        return False
    total = struct.unpack_from("!H", f, ip + 2)[0]
    end = min(len(f), ip + total)
    icmp = ip + ihl
    if icmp + 8 + 20 > end or f[icmp] not in (3, 4, 5, 11, 12):
        return False
    q = icmp + 8
    qhl = (f[q] & 0x0F) * 4
    if f[q] >> 4 != 4 or q + qhl > end:
        return False
    rewrite_addr(f, q + 12)
    rewrite_addr(f, q + 16)
    f[q + 10:q + 12] = b"\0\0"
    f[q + 10:q + 12] = struct.pack("!H", csum(bytes(f[q:q + qhl])))
    qproto = f[q + 9]
    qtotal = struct.unpack_from("!H", f, q + 2)[0]
    t = q + qhl
    seg_len = qtotal - qhl
    if qproto in (6, 17) and t + seg_len <= end and seg_len >= (8 if qproto == 17 else 20):
        ck = t + (6 if qproto == 17 else 16)
        f[ck:ck + 2] = b"\0\0"
        pseudo = bytes(f[q + 12:q + 20]) + struct.pack("!BBH", 0, qproto, seg_len)
        c = csum(pseudo + bytes(f[t:t + seg_len]))
        if qproto == 17 and c == 0:
            c = 0xFFFF
        f[ck:ck + 2] = struct.pack("!H", c)
    f[icmp + 2:icmp + 4] = b"\0\0"
    f[icmp + 2:icmp + 4] = struct.pack("!H", csum(bytes(f[icmp:end])))
    return True


def quotes(src: str, dst: str) -> None:
    data = bytearray(open(src, "rb").read())
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        sys.exit(f"{src}: not a classic pcap")
    if struct.unpack_from(e + "I", data, 20)[0] & 0xFFFF != 1:
        sys.exit(f"{src}: link type is not Ethernet")
    p, n = 24, 0
    while p + 16 <= len(data):
        caplen = struct.unpack_from(e + "I", data, p + 8)[0]
        frame = bytearray(data[p + 16:p + 16 + caplen])
        if fix_quote(frame):
            data[p + 16:p + 16 + caplen] = frame
            n += 1
        p += 16 + caplen
    open(dst, "wb").write(data)
    print(n)


def truth(path: str, syslog: str, sepm: str) -> None:
    flows = [json.loads(line) for line in open(path)]
    for f in flows:
        if f["proto"] == "udp" and f["resp_p"] == 514:
            f["expected_icmp"] = [{"type": 3, "code": 3, "from": syslog, "count": 1}]
        elif f["expected_conn_state"] == "S0":
            f["expected_icmp"] = [{"type": 3, "code": 13, "from": sepm, "count": 1}]
    with open(path, "w") as out:
        for f in flows:
            out.write(json.dumps(f) + "\n")


def nrb(path: str, entries: list) -> None:
    b = open(path, "rb").read()
    if b[:4] != b"\x0a\x0d\x0d\x0a" or struct.unpack_from("<I", b, 8)[0] != 0x1A2B3C4D:
        sys.exit(f"{path}: a little-endian pcapng expected")
    recs = b""
    for e in entries:
        addr, name = e.split("=")
        v = bytes(int(x) for x in addr.split(".")) + name.encode() + b"\0"
        recs += struct.pack("<HH", 1, len(v)) + v + b"\0" * ((4 - len(v) % 4) % 4)
    body = recs + struct.pack("<HH", 0, 0)
    block = struct.pack("<II", 4, 12 + len(body)) + body + struct.pack("<I", 12 + len(body))
    p = struct.unpack_from("<I", b, 4)[0]  # after the SHB
    if struct.unpack_from("<I", b, p)[0] != 1:
        sys.exit(f"{path}: an IDB expected after the SHB")
    p += struct.unpack_from("<I", b, p + 4)[0]  # after the IDB
    open(path, "wb").write(b[:p] + block + b[p:])


def readme(truth_path: str, readme_in: str, readme_out: str, versions: str, pcap_info: str, check: str) -> None:
    begin, end = "<!-- make-captures-sep-icmp:begin -->", "<!-- make-captures-sep-icmp:end -->"
    t = json.load(open(truth_path))
    lines = [begin, "", "# ICMP capture (`make-captures.sh`, sep-icmp)", "",
             "Written by `make-captures.sh` (alone: `sudo bash captures/make-captures.sh sep-icmp`, which replaces only",
             "the text between these markers and leaves `sep-lab` as it is).", "",
             "| file | what it is |", "|---|---|",
             "| `sep-icmp.pcap`, `sep-icmp.pcapng` | blocked flows answered by ICMP errors; the pcapng also names the lab hosts in a Name Resolution Block |",
             "| `sep-icmp.site.yaml`, `sep-icmp.truth.json` | site profile; truth (flows with `expected_icmp`, findings in the `hosts` form) |",
             "| `lab/check-icmp-truth.py` | checks the capture against its truth with tshark, ICMP errors included |",
             "| `lab/sep-icmp-tools.py` | rewrites the addresses quoted inside ICMP errors (tcprewrite leaves them), adds the NRB, writes this section |", "",
             "Made as `sep-lab`, in its own namespace `sepflow-cap-icmp`, with the functions of `lab/lib.sh`:", "",
             "- **Port unreachable**: SEPM01 sends one syslog datagram (util-linux `logger -d`) to SYSLOG01, where",
             "  nothing listens on udp/514; SYSLOG01's kernel answers ICMP destination unreachable, port unreachable",
             "  (type 3, code 3; Linux does not rate-limit ICMP on loopback).",
             "- **Administratively prohibited**: `iptables -A INPUT -p tcp -s 127.10.1.26 -d 127.10.0.10 --dport 8014 -j REJECT",
             "  --reject-with icmp-admin-prohibited`: SEPCLIENT26's SYN (captured before INPUT) is answered with type 3,",
             "  code 13 from SEPM01's address; curl fails at once (exit 7, no route to host): exactly one SYN.",
             "- A healthy client (SEPCLIENT25) completes an HTTP 8014 exchange, so the capture is two-sided.", "",
             "| # | proto | orig_h | resp_h:resp_p | expected_conn_state | ICMP errors (type/code from, count) | what it is |",
             "|---|---|---|---|---|---|---|"]
    for i, f in enumerate(t["flows"], 1):
        ic = ", ".join(f"{e['type']}/{e['code']} from {e['from']} x{e['count']}" for e in f.get("expected_icmp", [])) or "-"
        lines.append(f"| {i} | {f['proto']} | {f['orig_h']} | {f['resp_h']}:{f['resp_p']} | {f['expected_conn_state']} | {ic} | {f['note']} |")
    lines += ["", "Findings a SEP compliance tool must report under `sep-icmp.site.yaml` (the `hosts` form of",
              "`test/compliance/truth.test.ts`): " + "; ".join(f"`{x['rule']}` {' -> '.join(x['hosts'])} {x['proto']}/{x['resp_p']}" for x in t["findings"]) + ".",
              "", "Tool versions (`dpkg-query -W`):", "", "```", versions, "```", "", "`capinfos`:", "", "```", pcap_info, "```", "",
              "Check output (`lab/check-icmp-truth.py`):", "", "```", open(check).read().rstrip("\n"), "```", "", end]
    text = open(readme_in).read()
    section = "\n".join(lines)
    if begin in text and end in text:
        text = text[: text.index(begin)] + section + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    open(readme_out, "w").write(text)


def main() -> None:
    cmd, *args = sys.argv[1:]
    if cmd == "quotes":
        quotes(*args)
    elif cmd == "truth":
        truth(*args)
    elif cmd == "nrb":
        nrb(args[0], args[1:])
    elif cmd == "readme":
        readme(*args)
    else:
        sys.exit(f"unknown subcommand {cmd}")


if __name__ == "__main__":
    main()
