#!/usr/bin/env python3
"""Check a compliance capture (make-compliance-captures.sh) against its truth file, with tshark.

A sibling of check-truth.py (which make-captures.sh uses unchanged); it reuses that file's tshark
helpers and conn_state derivation and adds what the compliance captures need:

  * every address inside 10.10.0.0/16, good IP/TCP/UDP checksums, no frame tshark calls malformed;
  * `tshark -z conv,tcp -z conv,udp` lists exactly the truth flows (nothing missing, nothing extra);
  * per flow (tshark stream): first packet from orig_h, Zeek-style conn_state == expected_conn_state;
  * shapes of blocked flows: dropped (S0) = >=2 pure SYNs and nothing back; refused (REJ) = exactly
    SYN then RST/ACK; half-open (expected_history "Sh") = only pure SYNs from orig_h and >=2 SYN-ACKs
    (the responder's retransmissions) from resp_h, never an ACK, data, FIN or RST from orig_h;
  * expected_history, when given, equals the history derived from the packets (first occurrence of
    S/H/A/D/F/R per direction, upper case = originator, as Zeek writes it);
  * every completed flow shows its protocol in tshark's dissection (HTTP, TLS, TDS, Java RMI, RDP
    X.224, syslog, payload);
  * the truth's findings are well formed: `rule` and a non-empty `hosts`; when `resp_p` is given,
    hosts = sources + responder and each source has a truth flow to responder:resp_p;
  * the pcapng holds the same packets as the pcap.

usage: check-compliance-truth.py TRUTH_JSON PCAP [PCAPNG]   (prints a table on success)
"""
import importlib.util
import ipaddress
import json
import os
import sys
from collections import defaultdict

_spec = importlib.util.spec_from_file_location("check_truth", os.path.join(os.path.dirname(os.path.abspath(__file__)), "check-truth.py"))
ct = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ct)

LAB_NET = ipaddress.ip_network("10.10.0.0/16")

HTTP_SECARS = [('http.request.uri contains "/secars/secars.dll"', "HTTP request under /secars/secars.dll", 1),
               ("http.response.code == 200", "HTTP 200 response", 1)]
TLS = [("tls.handshake.type == 1", "TLS ClientHello", 1), ("tls.handshake.type == 2", "TLS ServerHello", 1),
       ("tls.record.content_type == 23", "TLS application data", 2)]
# Evidence that the real protocol ran, per responder port: (display filter, what it proves, minimum frames).
EVIDENCE = {
    ("tcp", 8014): HTTP_SECARS,
    ("tcp", 443): TLS,
    ("tcp", 8443): TLS,
    ("tcp", 8444): TLS,
    ("tcp", 1433): [("tds.type == 0x12", "TDS PRELOGIN", 1), ("tds.type == 0x10", "TDS LOGIN7", 1), ("tds.type == 0x04", "TDS response", 2)],
    ("tcp", 1100): [("rmi.outputstream.message == 0x50", "Java RMI call (JRMP)", 1), ("rmi.inputstream.message == 0x51", "Java RMI return data", 1)],
    ("tcp", 3389): [("rdp.neg_type == 0x01", "RDP negotiation request in an X.224 connection request", 1)],
    ("tcp", 8765): [("tcp.len > 0", "payload from the initiator", 1)],
    ("udp", 514): [("syslog.msg", "syslog messages", 3)],
}
# ports tshark does not dissect as the service by default
DECODE_AS = {1100: "rmi"}

problems = []


def fail(msg):
    problems.append(msg)


def flags(p):
    return int(p["tcp.flags"], 16)


def history(pkts, orig):
    """Zeek-style history letters, first occurrence per direction (S H A D F R; lower case = responder)."""
    out, seen = "", set()
    for p in pkts:
        is_orig = p["ip.src"] == orig
        f = flags(p)
        letters = []
        if f & 0x02:
            letters.append("H" if f & 0x10 else "S")
        if f & 0x01:
            letters.append("F")
        if f & 0x04:
            letters.append("R")
        if not f & 0x07:
            letters.append("D" if int(p.get("tcp.len") or 0) > 0 else ("A" if f & 0x10 else ""))
        for c in letters:
            if not c:
                continue
            c = c if is_orig else c.lower()
            if c not in seen:
                seen.add(c)
                out += c
    return out


def packets(pcap):
    fields = ["frame.number", "ip.src", "ip.dst", "ip.proto", "tcp.stream", "tcp.srcport", "tcp.dstport",
              "tcp.flags", "tcp.len", "udp.stream", "udp.srcport", "udp.dstport"]
    out = ct.tshark("-r", pcap, "-T", "fields", "-E", "separator=\t", *sum((["-e", f] for f in fields), []))
    return [dict(zip(fields, line.split("\t"))) for line in out.splitlines()], out


def main():
    truth_path, pcap = sys.argv[1], sys.argv[2]
    pcapng = sys.argv[3] if len(sys.argv) > 3 else None
    truth = json.load(open(truth_path))
    flows = truth["flows"]

    rows, dump = packets(pcap)
    if not rows:
        fail("capture is empty")

    # 1. addresses rewritten, checksums good, nothing malformed
    for p in rows:
        for a in (p["ip.src"], p["ip.dst"]):
            if not a or ipaddress.ip_address(a) not in LAB_NET:
                fail(f"frame {p['frame.number']}: address {a!r} outside {LAB_NET}")
    bad = ct.tshark("-r", pcap, "-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
                    "-Y", "ip.checksum.status == 0 || tcp.checksum.status == 0 || udp.checksum.status == 0", "-T", "fields", "-e", "frame.number")
    if bad.strip():
        fail(f"bad checksums in frames {bad.split()[:10]}")
    decode = sum((["-d", f"tcp.port=={port},{proto}"] for port, proto in DECODE_AS.items()), [])
    malformed = ct.tshark("-r", pcap, *decode, "-Y", "_ws.malformed", "-T", "fields", "-e", "frame.number")
    if malformed.strip():
        fail(f"tshark marks frames {malformed.split()[:10]} as malformed")

    # 2. conversations: tshark's conv tables versus truth endpoints
    convs, conv_text = ct.conv_table(pcap)
    want = defaultdict(int)
    for f in flows:
        want[(f["proto"], f["orig_h"], f["resp_h"], f["resp_p"])] += 1
    have = defaultdict(int)
    for (proto, a, pa, b, pb) in convs:
        if (proto, a, b, pb) in want:
            have[(proto, a, b, pb)] += 1
        elif (proto, b, a, pa) in want:
            have[(proto, b, a, pa)] += 1
        else:
            fail(f"conversation not in truth: {proto} {a}:{pa} <-> {b}:{pb}")
    for k, n in want.items():
        if have.get(k, 0) != n:
            fail(f"truth flow {k[0]} {k[1]} -> {k[2]}:{k[3]}: expected {n} conversation(s), tshark conv shows {have.get(k, 0)}")

    # 3. per stream: originator, conn_state, history, shapes, protocol evidence
    streams = defaultdict(list)
    for p in rows:
        if p["tcp.stream"]:
            streams[("tcp", int(p["tcp.stream"]))].append(p)
        elif p["udp.stream"]:
            streams[("udp", int(p["udp.stream"]))].append(p)
        else:
            fail(f"frame {p['frame.number']}: neither TCP nor UDP")
    by_key = defaultdict(list)
    for (proto, idx), pkts in sorted(streams.items(), key=lambda kv: int(kv[1][0]["frame.number"])):
        first = pkts[0]
        by_key[(proto, first["ip.src"], first["ip.dst"], int(first[f"{proto}.dstport"]))].append((idx, pkts))
    table, used = [], defaultdict(int)
    for f in flows:
        key = (f["proto"], f["orig_h"], f["resp_h"], f["resp_p"])
        cands = by_key.get(key, [])
        i = used[key]
        used[key] += 1
        label = f"{f['proto']} {f['orig_h']} -> {f['resp_h']}:{f['resp_p']}"
        if i >= len(cands):
            fail(f"{label}: no stream whose first packet goes orig_h -> resp_h:resp_p (originator wrong or flow missing)")
            continue
        idx, pkts = cands[i]
        state = ct.conn_state(f["proto"], pkts, f["orig_h"])
        o = [p for p in pkts if p["ip.src"] == f["orig_h"]]
        r = [p for p in pkts if p["ip.src"] != f["orig_h"]]
        hist = history(pkts, f["orig_h"]) if f["proto"] == "tcp" else "-"
        table.append((label, f["expected_conn_state"], state, hist, len(o), len(r)))
        if state != f["expected_conn_state"]:
            fail(f"{label}: expected conn_state {f['expected_conn_state']}, capture shows {state}")
        if "expected_history" in f and hist != f["expected_history"]:
            fail(f"{label}: expected history {f['expected_history']}, capture shows {hist}")
        if f["proto"] == "tcp" and f["expected_conn_state"] == "S0":
            if r or len(o) < 2 or any(flags(p) != 0x02 for p in o):
                fail(f"{label}: dropped flow must be >=2 pure SYNs orig->resp only, got {len(o)} orig / {len(r)} resp packets")
        if f["expected_conn_state"] == "REJ":
            fl = [(p["ip.src"] == f["orig_h"], flags(p)) for p in pkts]
            if fl != [(True, 0x02), (False, 0x14)]:
                fail(f"{label}: refused flow must be exactly SYN then RST/ACK, got {fl}")
        if f.get("expected_history") == "Sh":
            if not o or any(flags(p) != 0x02 for p in o):
                fail(f"{label}: half-open flow: the originator must send pure SYNs only, got flags {[hex(flags(p)) for p in o]}")
            if len(r) < 2 or any(flags(p) != 0x12 for p in r):
                fail(f"{label}: half-open flow: the responder must send >=2 SYN-ACKs (retransmitted) and nothing else, got flags {[hex(flags(p)) for p in r]}")
        if f["expected_conn_state"] == "SF":
            for dfilter, what, minimum in EVIDENCE.get((f["proto"], f["resp_p"]), []):
                got = ct.tshark("-r", pcap, *decode, "-Y", f"{f['proto']}.stream == {idx} && ({dfilter})", "-T", "fields", "-e", "frame.number")
                if len(got.split()) < minimum:
                    fail(f"{label}: tshark does not show {what} (filter {dfilter!r}: {len(got.split())} frame(s), want >= {minimum})")
            if (f["proto"], f["resp_p"]) not in EVIDENCE:
                fail(f"{label}: no protocol evidence defined for {f['proto']}/{f['resp_p']} in check-compliance-truth.py")
    for key, cands in by_key.items():
        if len(cands) > used.get(key, 0):
            fail(f"stream(s) not in truth: {key}")

    # 4. findings well formed and resting on truth flows
    flow_keys = {(f["proto"], f["orig_h"], f["resp_h"], f["resp_p"]) for f in flows}
    for x in truth["findings"]:
        hosts = x.get("hosts")
        if not x.get("rule") or not isinstance(hosts, list) or not hosts:
            fail(f"finding {x}: needs rule and a non-empty hosts list")
            continue
        if "resp_p" in x:
            resp, sources = hosts[-1], hosts[:-1]
            if not sources:
                fail(f"finding {x}: a finding about a port lists its sources, then the responder")
            for s in sources:
                if (x.get("proto", "tcp"), s, resp, x["resp_p"]) not in flow_keys:
                    fail(f"finding {x}: no truth flow {s} -> {resp}:{x['resp_p']}")

    # 5. the pcapng holds the same packets
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
    print(f"{'flow':44} {'expected':8} {'tshark':6} {'history':9} {'orig pkts':>9} {'resp pkts':>9}")
    for label, exp, st, hist, n_o, n_r in table:
        print(f"{label:44} {exp:8} {st:6} {hist:9} {n_o:9d} {n_r:9d}")
    print(f"truth check passed: {len(flows)} flows, {len(rows)} packets, {len(truth['findings'])} findings well formed")


if __name__ == "__main__":
    main()
