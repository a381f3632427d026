#!/usr/bin/env python3
"""Check sep-icmp (make-captures.sh sep-icmp) against its truth file, with tshark.

A sibling of check-truth.py (it reuses that file's tshark helpers and conn_state derivation) for a
capture whose blocked flows are answered by ICMP errors instead of TCP resets. Fails (exit 1, one line per
problem) unless:
  * every address in the capture, the ones quoted inside ICMP errors too, is inside 10.10.0.0/16, no
    IP/ICMP/TCP/UDP checksum is bad (quoted headers included) and tshark marks no frame as malformed;
  * `tshark -z conv,tcp -z conv,udp` lists exactly the truth flows (nothing missing, nothing extra);
  * per flow (TCP/UDP frames only, ICMP errors left out): the first packet comes from orig_h and the
    Zeek-style conn_state equals expected_conn_state;
  * the ICMP errors in the capture are exactly the truth's `expected_icmp` of each flow: per flow, per
    (type, code, sender) the count; an ICMP error is matched to a flow by the IP/TCP/UDP header it quotes;
  * the pcapng holds the same packets as the pcap (its Name Resolution Block aside: tshark -n ignores it).

usage: check-icmp-truth.py TRUTH_JSON PCAP [PCAPNG]   (prints a table on success)
"""
import importlib.util
import ipaddress
import json
import os
import sys
from collections import Counter, defaultdict

_spec = importlib.util.spec_from_file_location("check_truth", os.path.join(os.path.dirname(os.path.abspath(__file__)), "check-truth.py"))
ct = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ct)

LAB_NET = ipaddress.ip_network("10.10.0.0/16")
problems = []


def fail(msg):
    problems.append(msg)


def fields(pcap, names, dfilter=None):
    args = ["-r", pcap, "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a", "-E", "aggregator=|"]
    if dfilter:
        args += ["-Y", dfilter]
    for n in names:
        args += ["-e", n]
    rows = []
    for line in ct.tshark(*args).splitlines():
        rows.append({n: (v.split("|") if v else []) for n, v in zip(names, line.split("\t"))})
    return rows


def main():
    truth_path, pcap = sys.argv[1], sys.argv[2]
    pcapng = sys.argv[3] if len(sys.argv) > 3 else None
    truth = json.load(open(truth_path))
    flows = truth["flows"]

    # 1. addresses (quoted ones too), checksums, malformed
    all_rows = fields(pcap, ["frame.number", "ip.src", "ip.dst"])
    if not all_rows:
        fail("capture is empty")
    for r in all_rows:
        for a in r["ip.src"] + r["ip.dst"]:
            if ipaddress.ip_address(a) not in LAB_NET:
                fail(f"frame {r['frame.number'][0]}: address {a} outside {LAB_NET}")
    bad = ct.tshark("-r", pcap, "-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
                    "-Y", "ip.checksum.status == 0 || tcp.checksum.status == 0 || udp.checksum.status == 0 || icmp.checksum.status == 0",
                    "-T", "fields", "-e", "frame.number")
    if bad.strip():
        fail(f"bad checksums in frames {bad.split()[:10]}")
    malformed = ct.tshark("-r", pcap, "-Y", "_ws.malformed", "-T", "fields", "-e", "frame.number")
    if malformed.strip():
        fail(f"tshark marks frames {malformed.split()[:10]} as malformed")

    # 2. conversations
    convs, conv_text = ct.conv_table(pcap)
    want = Counter((f["proto"], f["orig_h"], f["resp_h"], f["resp_p"]) for f in flows)
    have = Counter()
    for (proto, a, pa, b, pb) in convs:
        if (proto, a, b, pb) in want:
            have[(proto, a, b, pb)] += 1
        elif (proto, b, a, pa) in want:
            have[(proto, b, a, pa)] += 1
        else:
            fail(f"conversation not in truth: {proto} {a}:{pa} <-> {b}:{pb}")
    for k, n in want.items():
        if have[k] != n:
            fail(f"truth flow {k[0]} {k[1]} -> {k[2]}:{k[3]}: expected {n} conversation(s), tshark conv shows {have[k]}")

    # 3. per flow: originator and conn_state from the TCP/UDP frames (not the ICMP errors quoting them)
    rows, _ = ct.packets(pcap)
    icmp_frames = {r["frame.number"][0] for r in fields(pcap, ["frame.number"], "icmp")}
    pkts_by = defaultdict(list)
    for p in rows:
        if p["frame.number"] in icmp_frames:
            continue
        proto = "tcp" if p["tcp.srcport"] else "udp" if p["udp.srcport"] else None
        if proto is None:
            fail(f"frame {p['frame.number']}: neither TCP, UDP nor ICMP")
            continue
        sp, dp = int(p[f"{proto}.srcport"]), int(p[f"{proto}.dstport"])
        pkts_by[(proto, frozenset([(p["ip.src"], sp), (p["ip.dst"], dp)]))].append(p)

    # 4. ICMP errors, matched to flows by the header they quote
    errors = defaultdict(Counter)
    for r in fields(pcap, ["ip.src", "ip.dst", "icmp.type", "icmp.code", "tcp.srcport", "tcp.dstport", "udp.srcport", "udp.dstport"], "icmp"):
        if len(r["ip.src"]) < 2:
            fail(f"ICMP message from {r['ip.src']} quotes no IP header")
            continue
        proto = "tcp" if r["tcp.srcport"] else "udp" if r["udp.srcport"] else None
        if proto is None:
            fail(f"ICMP message from {r['ip.src'][0]} quotes no TCP/UDP header")
            continue
        key = (proto, frozenset([(r["ip.src"][1], int(r[f"{proto}.srcport"][0])), (r["ip.dst"][1], int(r[f"{proto}.dstport"][0]))]))
        errors[key][(int(r["icmp.type"][0]), int(r["icmp.code"][0]), r["ip.src"][0])] += 1

    table, used = [], set()
    for f in flows:
        label = f"{f['proto']} {f['orig_h']} -> {f['resp_h']}:{f['resp_p']}"
        cands = [k for k in pkts_by if k[0] == f["proto"] and any(h == f["resp_h"] and p == f["resp_p"] for h, p in k[1]) and any(h == f["orig_h"] for h, p in k[1]) and k not in used]
        if not cands:
            fail(f"{label}: no packets")
            continue
        k = cands[0]
        used.add(k)
        pk = pkts_by[k]
        if pk[0]["ip.src"] != f["orig_h"]:
            fail(f"{label}: first packet from {pk[0]['ip.src']}, not orig_h")
        state = ct.conn_state(f["proto"], pk, f["orig_h"])
        if state != f["expected_conn_state"]:
            fail(f"{label}: expected conn_state {f['expected_conn_state']}, capture shows {state}")
        want_icmp = Counter({(e["type"], e["code"], e["from"]): e["count"] for e in f.get("expected_icmp", [])})
        got_icmp = errors.pop(k, Counter())
        if got_icmp != want_icmp:
            fail(f"{label}: ICMP errors {dict(got_icmp)}, truth says {dict(want_icmp)}")
        n_o = sum(p["ip.src"] == f["orig_h"] for p in pk)
        icmp_txt = ", ".join(f"{t}/{c} from {s} x{n}" for (t, c, s), n in sorted(got_icmp.items())) or "-"
        table.append((label, f["expected_conn_state"], state, n_o, len(pk) - n_o, icmp_txt))
    for k, c in errors.items():
        fail(f"ICMP errors about a flow not in the truth: {sorted(k[1])} {dict(c)}")

    # 5. the pcapng holds the same packets
    if pcapng:
        _, dump = ct.packets(pcap)
        _, dump_ng = ct.packets(pcapng)
        if dump_ng != dump:
            fail(f"{pcapng} does not hold the same packets as {pcap}")

    if problems:
        print("TRUTH CHECK FAILED:", file=sys.stderr)
        for p in problems:
            print("  - " + p, file=sys.stderr)
        print("tshark conversations were:\n" + conv_text, file=sys.stderr)
        sys.exit(1)
    print(f"{'flow':40} {'expected':8} {'tshark':6} {'orig pkts':>9} {'resp pkts':>9}  ICMP errors (type/code from sender x count)")
    for label, exp, st, n_o, n_r, ic in table:
        print(f"{label:40} {exp:8} {st:6} {n_o:9d} {n_r:9d}  {ic}")
    print(f"truth check passed: {len(flows)} flows, {len(all_rows)} packets")


if __name__ == "__main__":
    main()
