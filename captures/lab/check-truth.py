#!/usr/bin/env python3
"""Check a sepflow lab capture against the truth file the capture script wrote.

tshark is the oracle.  Fails (exit 1, one line per problem) unless:
  * every address in the capture is inside 10.10.0.0/16 (the 127.10 -> 10.10 rewrite is complete),
    no IP/TCP/UDP checksum is bad and tshark marks no frame as malformed;
  * `tshark -z conv,tcp -z conv,udp` lists exactly the truth flows: the same number of
    conversations per (proto, orig_h, resp_h, resp_p), nothing extra, nothing missing;
  * per conversation (tshark stream index), the side that sent the first packet is orig_h and the
    Zeek-style conn_state derived from the packets equals expected_conn_state;
  * a dropped flow (S0/tcp) is only orig->resp pure SYNs, at least 2 of them; a refused flow (REJ)
    is exactly a SYN followed by RST/ACK from the responder;
  * each flow shows its protocol as tshark dissects it (HTTP with User-Agent Smc, TLS handshake,
    SMB2, SSH banners, TDS PRELOGIN, syslog, NBNS ...);
  * optional second capture (pcapng) holds exactly the same packets.

usage: check-truth.py TRUTH_JSON PCAP [PCAPNG]      (prints a conn_state table on success)
"""
import ipaddress
import json
import re
import subprocess
import sys
from collections import defaultdict

LAB_NET = ipaddress.ip_network("10.10.0.0/16")

# Evidence that the real protocol ran, per responder port: (display filter, what it proves, minimum frames).
EVIDENCE = {
    ("tcp", 8014): [
        ('http.request.uri contains "/secars/secars.dll" && http.user_agent == "Smc"', "HTTP request under /secars/secars.dll with User-Agent Smc", 1),
        ("http.response.code == 200", "HTTP 200 response", 1),
    ],
    ("tcp", 9090): [("http.request", "HTTP request", 1), ("http.response.code == 200", "HTTP 200 response", 1)],
    ("tcp", 443): [("tls.handshake.type == 1", "TLS ClientHello", 1), ("tls.handshake.type == 2", "TLS ServerHello", 1),
                   ("tls.record.content_type == 23", "TLS application data", 2)],
    ("tcp", 8443): [("tls.handshake.type == 1", "TLS ClientHello", 1), ("tls.handshake.type == 2", "TLS ServerHello", 1),
                    ("tls.record.content_type == 23", "TLS application data", 2)],
    ("tcp", 445): [("smb2.cmd == 0", "SMB2 NEGOTIATE", 2), ("smb2.cmd == 1", "SMB2 SESSION_SETUP", 2),
                   ('smb2.tree contains "IPC$"', "SMB2 TREE_CONNECT to IPC$", 1), ("srvsvc", "DCE/RPC srvsvc (share enumeration)", 2)],
    ("tcp", 139): [("nbss.type == 0x81", "NetBIOS session request", 1), ("nbss.type == 0x82", "NetBIOS positive session response", 1),
                   ("smb2.cmd == 0", "SMB2 NEGOTIATE", 2), ("srvsvc", "DCE/RPC srvsvc (share enumeration)", 2)],
    ("tcp", 22): [("ssh.protocol", "SSH identification strings from both sides", 2), ("ssh.message_code == 20", "SSH KEXINIT", 2)],
    ("tcp", 1433): [("tds.type == 0x12", "TDS PRELOGIN", 1), ("tds.type == 0x10", "TDS LOGIN7", 1), ("tds.type == 0x04", "TDS response", 2)],
    ("tcp", 8447): [("tcp.len > 0", "payload from the stranger", 1)],
    ("udp", 514): [("syslog.msg", "syslog messages", 3)],
    ("udp", 137): [("nbns.flags.response == 0", "NBNS query", 1), ("nbns.flags.response == 1", "NBNS answer", 1)],
}

problems = []


def fail(msg):
    problems.append(msg)


def tshark(*args):
    return subprocess.run(["tshark", "-n", *args], check=True, capture_output=True, text=True).stdout


def packets(pcap):
    fields = ["frame.number", "ip.src", "ip.dst", "ip.proto", "tcp.stream", "tcp.srcport", "tcp.dstport",
              "tcp.flags", "udp.stream", "udp.srcport", "udp.dstport"]
    out = tshark("-r", pcap, "-T", "fields", "-E", "separator=\t", *sum((["-e", f] for f in fields), []))
    rows = []
    for line in out.splitlines():
        vals = dict(zip(fields, line.split("\t")))
        rows.append(vals)
    return rows, out


def conv_table(pcap):
    """Conversations from tshark's own conv statistics: {(proto, addrA, portA, addrB, portB): frames}."""
    out = tshark("-r", pcap, "-q", "-z", "conv,tcp", "-z", "conv,udp")
    convs, proto = {}, None
    for line in out.splitlines():
        if line.startswith("TCP Conversations"):
            proto = "tcp"
        elif line.startswith("UDP Conversations"):
            proto = "udp"
        # "A:pa <-> B:pb   <frames B->A> <bytes> <unit>   <frames A->B> <bytes> <unit>   <total frames> ..."
        m = re.match(r"^(\d+\.\d+\.\d+\.\d+):(\d+)\s+<->\s+(\d+\.\d+\.\d+\.\d+):(\d+)\s+(\d+)\s+[\d,.]+\s+\S+\s+(\d+)\s+[\d,.]+\s+\S+\s+(\d+)\s", line)
        if m and proto:
            a, pa, b, pb, to_a, to_b, total = m.groups()
            convs[(proto, a, int(pa), b, int(pb))] = int(total)
    return convs, out


def conn_state(proto, pkts, orig):
    """Zeek conn.log conn_state, as far as it can be told from these packets."""
    o = [p for p in pkts if p["ip.src"] == orig]
    r = [p for p in pkts if p["ip.src"] != orig]
    if proto == "udp":
        return "SF" if (o and r) else ("S0" if o else "SHR")
    flags = lambda p: int(p["tcp.flags"], 16)
    SYN, ACK, FIN, RST = 0x02, 0x10, 0x01, 0x04
    o_syn = any(flags(p) & SYN and not flags(p) & ACK for p in o)
    r_synack = any(flags(p) & SYN and flags(p) & ACK for p in r)
    o_fin, r_fin = any(flags(p) & FIN for p in o), any(flags(p) & FIN for p in r)
    o_rst, r_rst = any(flags(p) & RST for p in o), any(flags(p) & RST for p in r)
    if o_syn and not r:
        return "S0"
    if o_syn and not r_synack and r_rst:
        return "REJ"
    if o_syn and r_synack:
        if o_rst:
            return "RSTO"
        if r_rst:
            return "RSTR"
        if o_fin and r_fin:
            return "SF"
        if o_fin:
            return "S2"
        if r_fin:
            return "S3"
        return "S1"
    return "OTH"


def main():
    truth_path, pcap = sys.argv[1], sys.argv[2]
    pcapng = sys.argv[3] if len(sys.argv) > 3 else None
    truth = json.load(open(truth_path))
    flows = truth["flows"]

    rows, dump = packets(pcap)
    if not rows:
        fail("capture is empty")

    # 1. addresses rewritten, checksums good
    for p in rows:
        for a in (p["ip.src"], p["ip.dst"]):
            if not a or ipaddress.ip_address(a) not in LAB_NET:
                fail(f"frame {p['frame.number']}: address {a!r} outside {LAB_NET}")
    bad = tshark("-r", pcap, "-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
                 "-Y", "ip.checksum.status == 0 || tcp.checksum.status == 0 || udp.checksum.status == 0", "-T", "fields", "-e", "frame.number")
    if bad.strip():
        fail(f"bad checksums in frames {bad.split()[:10]}")
    malformed = tshark("-r", pcap, "-Y", "_ws.malformed", "-T", "fields", "-e", "frame.number")
    if malformed.strip():
        fail(f"tshark marks frames {malformed.split()[:10]} as malformed")

    # 2. conversations: tshark's conv tables versus truth endpoints
    convs, conv_text = conv_table(pcap)
    want = defaultdict(int)
    for f in flows:
        want[(f["proto"], f["orig_h"], f["resp_h"], f["resp_p"])] += 1
    have = defaultdict(int)
    for (proto, a, pa, b, pb) in convs:
        # the responder is whichever end holds the flow's well-known port; try both orientations
        if (proto, a, b, pb) in want:
            have[(proto, a, b, pb)] += 1
        elif (proto, b, a, pa) in want:
            have[(proto, b, a, pa)] += 1
        else:
            fail(f"conversation not in truth: {proto} {a}:{pa} <-> {b}:{pb}")
    for k, n in want.items():
        if have.get(k, 0) != n:
            fail(f"truth flow {k[0]} {k[1]} -> {k[2]}:{k[3]}: expected {n} conversation(s), tshark conv shows {have.get(k, 0)}")

    # 3. per stream: originator, conn_state, special shapes, protocol evidence
    streams = defaultdict(list)
    for p in rows:
        if p["tcp.stream"]:
            streams[("tcp", int(p["tcp.stream"]))].append(p)
        elif p["udp.stream"]:
            streams[("udp", int(p["udp.stream"]))].append(p)
        else:
            fail(f"frame {p['frame.number']}: neither TCP nor UDP")
    by_key = defaultdict(list)  # truth key -> streams in time order
    for (proto, idx), pkts in sorted(streams.items(), key=lambda kv: int(kv[1][0]["frame.number"])):
        first = pkts[0]
        sport = int(first[f"{proto}.srcport"]); dport = int(first[f"{proto}.dstport"])
        by_key[(proto, first["ip.src"], first["ip.dst"], dport)].append((idx, pkts))
    table = []
    used = defaultdict(int)
    for f in flows:
        key = (f["proto"], f["orig_h"], f["resp_h"], f["resp_p"])
        cands = by_key.get(key, [])
        i = used[key]; used[key] += 1
        label = f"{f['proto']} {f['orig_h']} -> {f['resp_h']}:{f['resp_p']}"
        if i >= len(cands):
            fail(f"{label}: no stream whose first packet goes orig_h -> resp_h:resp_p (originator wrong or flow missing)")
            continue
        idx, pkts = cands[i]
        state = conn_state(f["proto"], pkts, f["orig_h"])
        n_o = sum(p["ip.src"] == f["orig_h"] for p in pkts); n_r = len(pkts) - n_o
        table.append((label, f["expected_conn_state"], state, n_o, n_r))
        if state != f["expected_conn_state"]:
            fail(f"{label}: expected conn_state {f['expected_conn_state']}, capture shows {state}")
        if f["proto"] == "tcp" and f["expected_conn_state"] == "S0":
            if n_r or n_o < 2 or any(int(p["tcp.flags"], 16) != 0x02 for p in pkts):
                fail(f"{label}: dropped flow must be >=2 pure SYNs orig->resp only, got {n_o} orig / {n_r} resp packets")
        if f["expected_conn_state"] == "REJ":
            fl = [(p["ip.src"] == f["orig_h"], int(p["tcp.flags"], 16)) for p in pkts]
            if fl != [(True, 0x02), (False, 0x14)]:
                fail(f"{label}: refused flow must be exactly SYN then RST/ACK, got {fl}")
        if f["expected_conn_state"] in ("SF",):
            for dfilter, what, minimum in EVIDENCE.get((f["proto"], f["resp_p"]), []):
                got = tshark("-r", pcap, "-Y", f"{f['proto']}.stream == {idx} && ({dfilter})", "-T", "fields", "-e", "frame.number")
                if len(got.split()) < minimum:
                    fail(f"{label}: tshark does not show {what} (filter {dfilter!r}: {len(got.split())} frame(s), want >= {minimum})")
    for key, cands in by_key.items():
        if len(cands) > used.get(key, 0):
            fail(f"stream(s) not in truth: {key}")

    # 4. the pcapng holds the same packets
    if pcapng:
        _, dump_ng = packets(pcapng)
        if dump_ng != dump:
            fail(f"{pcapng} does not hold the same packets as {pcap}")

    if problems:
        print("TRUTH CHECK FAILED:", file=sys.stderr)
        for p in problems:
            print("  - " + p, file=sys.stderr)
        print("tshark conversations were:\n" + conv_text, file=sys.stderr)
        sys.exit(1)
    print(f"{'flow':44} {'expected':8} {'tshark':6} {'orig pkts':>9} {'resp pkts':>9}")
    for label, exp, st, n_o, n_r in table:
        print(f"{label:44} {exp:8} {st:6} {n_o:9d} {n_r:9d}")
    print(f"truth check passed: {len(flows)} flows, {len(rows)} packets")


if __name__ == "__main__":
    main()
