#!/usr/bin/env bash
# make-compliance-captures.sh — regenerate sepflow's compliance sample captures from scratch.
#
#   sudo bash captures/make-compliance-captures.sh
#
# Three captures, each made in its own throw-away network namespace in which every lab host is a
# 127.10.x.y address on lo, with real protocol stacks (nginx, curl, FreeTDS tsql, logger, socat, Java
# RMI registry and client; lab/tds-responder.py stands in for SQL Server), firewall rules (iptables)
# for the blocked flows, tcpdump on lo, and 127.10.a.b -> 10.10.a.b rewriting:
#   sep-blocked    — SEP services blocked three ways: dropped, refused, half-open
#   sep-violations — SEP ports used against the port table: direction, roles, version, policy, exposure
#   sep-healthy    — a small site doing everything right, for longer than its heartbeat
# For each: NAME.pcap, NAME.pcapng, NAME.site.yaml, NAME.truth.json in captures/, plus a section of
# captures/README.md (between the make-compliance-captures markers). The truth files are written from
# what this script did and from the rules in src/compliance/rules.ts; every capture is checked against
# its truth with tshark (lab/check-compliance-truth.py) and nothing is written into captures/ unless all
# three checks pass. No packet leaves a namespace: it has only lo, and its OUTPUT chain drops anything
# not on lo. Shared functions: lab/lib.sh.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB=$HERE/lab
LAB_TAG=make-compliance-captures
# shellcheck source=lab/lib.sh
source "$LAB/lib.sh"

# ---- preflight -------------------------------------------------------------------------------
lab_require_root
lab_check_tools ip:iproute2 ss:iproute2 iptables:iptables ethtool:ethtool sysctl:procps \
  tcpdump:tcpdump tshark:tshark editcap:wireshark-common capinfos:wireshark-common tcprewrite:tcpreplay \
  nginx:nginx-light openssl:openssl curl:curl tsql:freetds-bin logger:bsdutils socat:socat \
  java:openjdk-17-jre-headless rmiregistry:openjdk-17-jre-headless javac:openjdk-17-jdk-headless \
  unshare:util-linux hostname:hostname dpkg-query:dpkg
for f in tds-responder.py check-truth.py check-compliance-truth.py RmiList.java; do
  [[ -f $LAB/$f ]] || lab_die "$LAB/$f must exist"
done
lab_init
OUT=$LAB_WORK/out
mkdir -p "$OUT" "$LAB_WORK/java"

# ---- address plan (127.10.a.b in the lab, 10.10.a.b in the published captures) ---------------
SEPM=127.10.0.10
SQL=127.10.0.20
SYSLOG=127.10.0.30
CONSOLE=127.10.3.5
C21=127.10.1.21 C22=127.10.1.22 C23=127.10.1.23      # SEP clients
B11=127.10.4.11 B12=127.10.4.12 B13=127.10.4.13 B14=127.10.4.14 B15=127.10.4.15   # clients in 10.10.4.0/24
STRANGER=127.10.9.9                                   # not in any site profile
lab_host $SEPM SEPM01 $SQL SEPSQL01 $SYSLOG SYSLOG01 $CONSOLE SEPCONSOLE01 $STRANGER STRANGER \
  $C21 SEPCLIENT21 $C22 SEPCLIENT22 $C23 SEPCLIENT23 \
  $B11 SEPCLIENT411 $B12 SEPCLIENT412 $B13 SEPCLIENT413 $B14 SEPCLIENT414 $B15 SEPCLIENT415
pub() { lab_pub "$1"; }

# ---- shared pieces -----------------------------------------------------------------------------
lab_tls_cert SEPM01
javac -d "$LAB_WORK/java" "$LAB/RmiList.java" 2>"$LAB_WORK/log/javac"
# FreeTDS: give up connecting after 2 s (SYN at 0 s and the kernel's retransmission at 1 s)
printf '[global]\n\tconnect timeout = 2\n' >"$LAB_WORK/freetds.conf"
SECARS='location /secars/secars.dll { return 200 "OK\n"; } location / { return 404; }'
TSQL="FREETDSCONF=\"\$LABTMP/freetds.conf\" TDSVER=7.4 tsql -H $SQL -p 1433 -U sem5 -P lab-not-a-secret -D sem5 </dev/null"
SITE_HEADER='# Site profile written by make-compliance-captures.sh. Addresses are the published 10.10.x.y ones.'

# ==== 1. sep-blocked ============================================================================
capture_blocked() {
  local name=sep-blocked raw=$LAB_WORK/sep-blocked.raw.pcap
  lab_ns_up sepflow-cc-blocked $SEPM $SQL $CONSOLE $C21 $B11 $B12 $B13 $B14 $B15
  # Windows Server retransmits an unanswered SYN-ACK twice (TcpMaxSynRetransmissions 2): so does SEPM here
  nsx sysctl -qw net.ipv4.tcp_synack_retries=2
  # dropped: 10.10.4.11-14 -> SEPM 8014 and SEPM -> SQL 1433 (INPUT: after tcpdump has seen the SYN)
  local b
  for b in $B11 $B12 $B13 $B14; do nsx iptables -A INPUT -p tcp -s $b -d $SEPM --dport 8014 -j DROP; done
  nsx iptables -A INPUT -p tcp -s $SEPM -d $SQL --dport 1433 -j DROP
  # refused: 10.10.4.15 -> SEPM 443
  nsx iptables -A INPUT -p tcp -s $B15 -d $SEPM --dport 443 -j REJECT --reject-with tcp-reset
  # half-open: the console's SYN goes out, everything else it sends to 8443 (the ACK of the SYN-ACK,
  # TLS, FIN) is dropped in OUTPUT, which runs before the packet reaches lo (and tcpdump)
  nsx iptables -A OUTPUT -p tcp -s $CONSOLE -d $SEPM --dport 8443 ! --syn -m comment --comment half-open -j DROP
  lab_src_route $SEPM $SQL

  lab_say "starting servers ($name)"
  lab_nginx_start nginx-blocked "
  server { listen $SEPM:8014; $SECARS }
  server { listen $SEPM:443 ssl; $SECARS }
  server { listen $SEPM:8443 ssl; location / { return 200 \"SEPM console\n\"; } }"
  lab_wait_listen tcp $SEPM:8014 $SEPM:443 $SEPM:8443

  lab_truth_begin
  lab_capture_start "$raw"
  lab_say "capturing $name"
  lab_flow tcp $C21 $SEPM 8014 SF 0 "healthy SEP client: connectivity test over HTTP 8014, answered 200" \
    "curl -sS -o /dev/null -A Smc --interface $C21 --local-port 49801 'http://$SEPM:8014/secars/secars.dll?hello,secars'"
  local i=11
  for b in $B11 $B12 $B13 $B14; do
    lab_flow tcp $b $SEPM 8014 S0 28 "SEP client in 10.10.4.0/24 blocked: SYNs to 8014 silently dropped (iptables DROP); curl gives up after 2 s (2 SYNs)" \
      "curl -sS -o /dev/null -A Smc --interface $b --local-port 498$i --connect-timeout 2 'http://$SEPM:8014/secars/secars.dll?hello,secars'"
    i=$((i + 1))
  done
  lab_flow tcp $B15 $SEPM 443 REJ 7 "SEP client blocked: SYN to 443 refused with RST/ACK (iptables REJECT --reject-with tcp-reset)" \
    "curl -sS -k -o /dev/null -A Smc --interface $B15 --local-port 49821 --connect-timeout 2 'https://$SEPM:443/secars/secars.dll?hello,secars'"
  lab_flow --history Sh --pause 1 tcp $CONSOLE $SEPM 8443 S1 28 "console half-open: SYN answered, the console's ACK and everything after it dropped before the wire (iptables OUTPUT); SEPM retransmits the SYN-ACK twice; curl gives up after 4 s" \
    "curl -sS -k -o /dev/null --interface $CONSOLE --local-port 49831 --max-time 4 'https://$SEPM:8443/sepm/login'"
  local dropped
  dropped=$(nsx iptables -L OUTPUT -v -x -n | awk '/half-open/ {print $1}')
  ((dropped > 0)) || lab_die "the half-open rule dropped nothing: the console never acknowledged?"
  lab_say "  half-open: iptables OUTPUT dropped $dropped packet(s) from the console (none reached lo)"
  lab_flow tcp $SEPM $SQL 1433 S0 1 "SEPM cannot reach its remote SQL Server: SYNs to 1433 silently dropped (iptables DROP); FreeTDS tsql gives up after its 2 s connect timeout" \
    "$TSQL"
  lab_capture_stop
  lab_ns_down

  lab_finding --remediation "allow 10.10.4.0/24 -> $(pub $SEPM) TCP 8014" blocked-dropped tcp 8014 $B11 $B12 $B13 $B14 $SEPM
  lab_finding --remediation "allow $(pub $B15) -> $(pub $SEPM) TCP 443" blocked-refused tcp 443 $B15 $SEPM   # one source: no widening to its /24
  lab_finding blocked-half-open tcp 8443 $CONSOLE $SEPM   # remediation: check the return path (no "allow" line)
  lab_finding --remediation "allow $(pub $SEPM) -> $(pub $SQL) TCP 1433" blocked-dropped tcp 1433 $SEPM $SQL

  lab_publish "$raw" "$OUT" $name
  cat >"$OUT/$name.site.yaml" <<EOF
$SITE_HEADER
sep_version: "14.3"
roles:
  sepm: [$(pub $SEPM)]
  sql: [$(pub $SQL)]
  console: [$(pub $CONSOLE)]
  client: [10.10.4.0/24, $(pub $C21)]
policy: {client_transport: both}
EOF
  lab_write_truth "$OUT" $name $name.site.yaml '{"findings_include_inconclusive": true}'
  lab_check "$LAB/check-compliance-truth.py" "$OUT" $name
}

# ==== 2. sep-violations =========================================================================
capture_violations() {
  local name=sep-violations raw=$LAB_WORK/sep-violations.raw.pcap
  lab_ns_up sepflow-cc-violations $SEPM $SQL $C21 $C22 $C23 $STRANGER
  lab_src_route $C22 $SQL   # tsql has no bind option: the client's SQL connection leaves from 10.10.1.22

  lab_say "starting servers ($name)"
  lab_nginx_start nginx-violations "
  server { listen $SEPM:8014; $SECARS }
  server { listen $SEPM:8443 ssl; location / { return 200 \"SEPM console\n\"; } }
  server { listen $SEPM:8444 ssl; location / { return 200 \"SPC web services\n\"; } }
  server { listen $C21:8014; $SECARS }
  server { listen $C22:8014; $SECARS }
  server { listen $C23:8014; $SECARS }"
  nsx "$LAB_PY" -u "$LAB/tds-responder.py" $SQL 1433 >"$LAB_WORK/log/tds-violations" 2>&1 &
  nsx socat -u TCP4-LISTEN:8765,bind=$SEPM,reuseaddr,fork OPEN:/dev/null,wronly >"$LAB_WORK/log/socat-8765" 2>&1 &
  nsx socat -u TCP4-LISTEN:3389,bind=$SEPM,reuseaddr,fork OPEN:/dev/null,wronly >"$LAB_WORK/log/socat-3389" 2>&1 &
  # the RMI registry binds the wildcard address; inside the namespace that is the lab addresses only
  nsx rmiregistry -J-Djava.rmi.server.hostname=$SEPM 1100 >"$LAB_WORK/log/rmiregistry" 2>&1 &
  lab_wait_listen tcp $SEPM:8014 $SEPM:8443 $SEPM:8444 $C21:8014 $C22:8014 $C23:8014 $SQL:1433 $SEPM:8765 $SEPM:3389 '*:1100'

  lab_truth_begin
  lab_capture_start "$raw"
  lab_say "capturing $name"
  lab_flow tcp $SEPM $C21 8014 SF 0 "reversed: the manager opens the client port 8014 on a client (nginx listens there)" \
    "curl -sS -o /dev/null --interface $SEPM --local-port 49901 'http://$C21:8014/secars/secars.dll?hello,secars'"
  lab_flow tcp $C21 $C22 8014 SF 0 "client to client on 8014: 10.10.1.21 uses 10.10.1.22 as its management server (nginx listens there)" \
    "curl -sS -o /dev/null -A Smc --interface $C21 --local-port 49902 'http://$C22:8014/secars/secars.dll?hello,secars'"
  lab_flow tcp $C21 $SEPM 8443 SF 0 "a client opens the manager's console port 8443 (only consoles and managers do)" \
    "curl -sS -k -o /dev/null --interface $C21 --local-port 49903 'https://$SEPM:8443/sepm/login'"
  lab_flow tcp $C22 $SQL 1433 SF 1,2,255 "a client reaches the SQL Server (only managers do): TDS PRELOGIN + LOGIN7 from FreeTDS tsql; SYNTHETIC server answers login failed 18456" \
    "$TSQL"
  lab_flow tcp $STRANGER $SEPM 8765 SF 0 "undeclared host reaches the server control port 8765 (local-only service) and sends a line" \
    "printf 'HELLO\r\n' | socat -u - TCP4:$SEPM:8765,bind=$STRANGER:49951"
  lab_flow tcp $STRANGER $SEPM 1100 SF 0 "undeclared host lists the RMI registry on 1100 (local-only service): real Java RMI (JRMP) client and rmiregistry" \
    "java -cp \"\$LABTMP/java\" RmiList $SEPM 1100 $STRANGER 49952"
  lab_flow tcp $STRANGER $SEPM 8444 SF 0 "undeclared host opens 8444 (Symantec Protection Center 2.0 web services, SEP 12.1.x only) on a 14.3 manager over HTTPS" \
    "curl -sS -k -o /dev/null --interface $STRANGER --local-port 49953 'https://$SEPM:8444/'"
  lab_flow tcp $C21 $SEPM 8014 SF 0 "SEP client connectivity test over plain HTTP 8014 where the site requires HTTPS" \
    "curl -sS -o /dev/null -A Smc --interface $C21 --local-port 49904 'http://$SEPM:8014/secars/secars.dll?hello,secars'"
  lab_flow tcp $C22 $SEPM 3389 SF 0 "a client opens 3389 on the manager (not a SEP port; socat listens): one RDP X.224 connection request (TPKT, RDP_NEG_REQ TLS+CredSSP)" \
    "printf '\\x03\\x00\\x00\\x13\\x0e\\xe0\\x00\\x00\\x00\\x00\\x00\\x01\\x00\\x08\\x00\\x03\\x00\\x00\\x00' | socat -u - TCP4:$SEPM:3389,bind=$C22:49905"
  lab_flow tcp $C21 $C23 8014 SF 0 "client to client on 8014: 10.10.1.23 (declared client) answers the client port for 10.10.1.21" \
    "curl -sS -o /dev/null -A Smc --interface $C21 --local-port 49906 'http://$C23:8014/secars/secars.dll?hello,secars'"
  lab_flow tcp $C22 $C23 8014 SF 0 "client to client on 8014: 10.10.1.23 answers the client port for 10.10.1.22 too" \
    "curl -sS -o /dev/null -A Smc --interface $C22 --local-port 49907 'http://$C23:8014/secars/secars.dll?hello,secars'"
  lab_capture_stop
  lab_ns_down

  # what src/compliance/rules.ts implies for these flows under sep-violations.site.yaml
  local https_fix="move clients to HTTPS (TCP 443) and block TCP 8014 to"
  lab_finding reversed-direction tcp 8014 $SEPM $C21
  lab_finding wrong-role tcp 8014 $C21 $C22
  lab_finding wrong-role tcp 8443 $C21 $SEPM
  lab_finding wrong-role tcp 1433 $C22 $SQL
  lab_finding wrong-role tcp 8014 $C21 $C23
  lab_finding wrong-role tcp 8014 $C22 $C23
  lab_finding --remediation "block TCP 8765 to $(pub $SEPM) from other hosts" localhost-only-port-exposed tcp 8765 $STRANGER $SEPM
  lab_finding --remediation "block TCP 1100 to $(pub $SEPM) from other hosts" localhost-only-port-exposed tcp 1100 $STRANGER $SEPM
  lab_finding version-inapplicable-port tcp 8444 $STRANGER $SEPM
  # the plaintext rule takes every flow classified client-http, whatever its direction and roles
  lab_finding --remediation "$https_fix $(pub $SEPM)" plaintext-where-https-required tcp 8014 $C21 $SEPM
  # (the reversed and client-to-client flows on 8014 are not client -> manager traffic: reported as such, not as plaintext)
  lab_finding --remediation "close or firewall TCP 3389 on $(pub $SEPM) unless the site needs it (then list it in policy.ignore.ports)" \
    unlisted-port tcp 3389 $C22 $SEPM
  # a declared client answering the manager-only client port is inferred a manager (roles.ts pass 1)
  # .21 answers 8014 only for the manager (a manager-opened flow is no evidence) and .22 for one client
  # (medium confidence): neither is enough to contradict a declaration
  lab_finding role-contradiction - - $C23   # answers 8014 for 10.10.1.21 and 10.10.1.22 (high)
  # expected flows with no attempt: inconclusive (info), the capture is shorter than the 5 min heartbeat
  lab_finding --inconclusive expected-flow-absent - - $C21   # client -> manager on 443 (policy https)
  lab_finding --inconclusive expected-flow-absent - - $C22
  lab_finding --inconclusive expected-flow-absent - - $C23
  lab_finding --inconclusive expected-flow-absent - - $SQL   # manager -> SQL Server on 1433

  lab_publish "$raw" "$OUT" $name
  cat >"$OUT/$name.site.yaml" <<EOF
$SITE_HEADER
sep_version: "14.3"
roles:
  sepm: [$(pub $SEPM)]
  sql: [$(pub $SQL)]
  client: [$(pub $C21), $(pub $C22), $(pub $C23)]
policy: {client_transport: https}
EOF
  lab_write_truth "$OUT" $name $name.site.yaml '{"findings_include_inconclusive": true}'
  lab_check "$LAB/check-compliance-truth.py" "$OUT" $name
}

# ==== 3. sep-healthy ============================================================================
HEALTHY_HEARTBEAT=10
capture_healthy() {
  local name=sep-healthy raw=$LAB_WORK/sep-healthy.raw.pcap
  lab_ns_up sepflow-cc-healthy $SEPM $SQL $SYSLOG $CONSOLE $C21 $C22
  lab_src_route $SEPM $SQL $SYSLOG   # tsql and logger have no bind option: they leave from SEPM

  lab_say "starting servers ($name)"
  lab_nginx_start nginx-healthy "
  server { listen $SEPM:8014; $SECARS }
  server { listen $SEPM:443 ssl; $SECARS }
  server { listen $SEPM:8443 ssl; location / { return 200 \"SEPM console\n\"; } }"
  nsx "$LAB_PY" -u "$LAB/tds-responder.py" $SQL 1433 >"$LAB_WORK/log/tds-healthy" 2>&1 &
  nsx socat -u UDP4-RECV:514,bind=$SYSLOG OPEN:"$LAB_WORK/log/syslog-received",creat,append >"$LAB_WORK/log/socat-syslog" 2>&1 &
  lab_wait_listen tcp $SEPM:8014 $SEPM:443 $SEPM:8443 $SQL:1433
  lab_wait_listen udp $SYSLOG:514

  lab_truth_begin
  lab_capture_start "$raw"
  local t0; t0=$(date +%s.%N)
  lab_say "capturing $name"
  heartbeat() {  # round: 1 or 2
    lab_flow tcp $C21 $SEPM 8014 SF 0 "SEP client heartbeat-style request over HTTP 8014 (round $1; illustrative h/action values)" \
      "curl -sS -o /dev/null -A Smc --interface $C21 --local-port 4970$1 'http://$SEPM:8014/secars/secars.dll?h=6F1C2D0A9B8E4F3A&mid=SEPCLIENT21&action=3'"
    lab_flow tcp $C22 $SEPM 443 SF 0 "SEP client heartbeat-style request over HTTPS 443 (round $1; TLS 1.2, self-signed lab certificate)" \
      "curl -sS -k -o /dev/null -A Smc --interface $C22 --local-port 4971$1 'https://$SEPM:443/secars/secars.dll?h=0A9B8E4F3A6F1C2D&mid=SEPCLIENT22&action=3'"
  }
  heartbeat 1
  lab_flow tcp $CONSOLE $SEPM 8443 SF 0 "remote console login/administration over HTTPS 8443" \
    "curl -sS -k -o /dev/null --interface $CONSOLE --local-port 49721 'https://$SEPM:8443/sepm/login'"
  lab_flow tcp $SEPM $SQL 1433 SF 1,2,255 "SEPM to remote SQL Server (TDS 7.4 PRELOGIN + LOGIN7 from FreeTDS tsql; SYNTHETIC server answers login failed 18456)" \
    "$TSQL"
  lab_flow udp $SEPM $SYSLOG 514 S0 0 "SEPM log forwarding to syslog over UDP 514 (3 datagrams, one socket, socat receives, no reply)" \
    "printf '%s\n' 'SEPM01 Symantec Endpoint Protection Manager,Site: SEPLAB,Server: SEPM01,Administrator log on succeeded' 'SEPM01 Symantec Endpoint Protection Manager,Virus definitions updated' 'SEPM01 Symantec Endpoint Protection Manager,Client SEPCLIENT21 checked in' | logger -n $SYSLOG -P 514 -d -t SymantecServer --rfc3164"
  # the clients' next heartbeat, one heartbeat interval (+1 s) after the first
  sleep "$(awk -v t0="$t0" -v now="$(date +%s.%N)" -v hb=$HEALTHY_HEARTBEAT 'BEGIN { s = t0 + hb + 1 - now; print (s > 0 ? s : 0) }')"
  heartbeat 2
  lab_capture_stop
  lab_ns_down

  lab_publish "$raw" "$OUT" $name
  local secs; secs=$(lab_capture_seconds "$OUT/$name.pcap")
  awk -v s="$secs" -v hb=$HEALTHY_HEARTBEAT 'BEGIN { exit !(s > hb) }' || lab_die "$name spans $secs s, not longer than its ${HEALTHY_HEARTBEAT}s heartbeat"
  cat >"$OUT/$name.site.yaml" <<EOF
$SITE_HEADER
sep_version: "14.3"
roles:
  sepm: [$(pub $SEPM)]
  sql: [$(pub $SQL)]
  syslog: [$(pub $SYSLOG)]
  console: [$(pub $CONSOLE)]
  client: [$(pub $C21), $(pub $C22)]
policy: {client_transport: both, syslog_required: true, heartbeat: ${HEALTHY_HEARTBEAT}s}
EOF
  lab_write_truth "$OUT" $name $name.site.yaml '{"findings_include_inconclusive": true}'
  lab_check "$LAB/check-compliance-truth.py" "$OUT" $name
}

NAMES=(sep-blocked sep-violations sep-healthy)
capture_blocked
capture_violations
capture_healthy

# ---- README section ------------------------------------------------------------------------------
versions=$(dpkg-query -W -f='${Package} ${Version}\n' iproute2 iptables ethtool procps tcpdump tshark wireshark-common tcpreplay \
  nginx nginx-light openssl curl freetds-bin bsdutils util-linux hostname socat python3 openjdk-17-jre-headless openjdk-17-jdk-headless 2>/dev/null | sort)
pcap_info=$(cd "$OUT" && capinfos -t -E -c -s -u sep-blocked.pcap sep-violations.pcap sep-healthy.pcap)
"$LAB_PY" - "$OUT" "$HERE/README.md" "$OUT/README.md" "$versions" "$pcap_info" "${NAMES[@]}" <<'PYEOF'
import json, os, sys
out, readme_in, readme_out, versions, pcap_info, *names = sys.argv[1:]
BEGIN, END = "<!-- make-compliance-captures:begin -->", "<!-- make-compliance-captures:end -->"
about = {
    "sep-blocked": "SEP services blocked three ways. Site: manager 10.10.0.10, SQL 10.10.0.20, console 10.10.3.5, clients 10.10.4.0/24 and 10.10.1.21, SEP 14.3, `client_transport: both`.",
    "sep-violations": "SEP ports used against the port table. Site: manager 10.10.0.10, SQL 10.10.0.20, clients 10.10.1.21-23, SEP 14.3, `client_transport: https`; 10.10.9.9 is not in the profile.",
    "sep-healthy": "A small site doing everything right, for longer than its heartbeat. Site: manager 10.10.0.10, SQL 10.10.0.20, syslog 10.10.0.30, console 10.10.3.5, clients 10.10.1.21-22, SEP 14.3, `client_transport: both`, `syslog_required: true`, `heartbeat: 10s`.",
}
L = [BEGIN, "", "# Compliance captures (`make-compliance-captures.sh`)", "",
     "This section is written by `make-compliance-captures.sh` (it replaces only the text between its markers).",
     "`make-captures.sh` still writes the whole README (and so drops this section): run this script after it.",
     "", "Regenerate (root needed: it creates three network namespaces one after the other; ~1 min):", "",
     "    sudo bash captures/make-compliance-captures.sh", "",
     "| file | what it is |", "|---|---|"]
for n in names:
    L.append(f"| `{n}.pcap`, `{n}.pcapng` | {about[n]} |")
L += ["| `*.site.yaml`, `*.truth.json` | site profile and truth of each capture (format below) |",
      "| `make-compliance-captures.sh` | the generator (shared shell functions in `lab/lib.sh`) |",
      "| `lab/check-compliance-truth.py` | checks each capture against its truth with tshark (reuses `lab/check-truth.py`'s helpers) |",
      "| `lab/RmiList.java` | Java RMI client (lists a registry) used for the 1100 flow |", "",
      "## How they are made", "",
      "As `sep-lab` (above), with the functions of `lab/lib.sh`: one namespace per capture (`sepflow-cc-blocked`,",
      "`sepflow-cc-violations`, `sepflow-cc-healthy`) with only `lo`, each lab host a `127.10.a.b/32` on it, an",
      "OUTPUT rule dropping anything not on `lo`; real servers on the hosts' addresses; tcpdump on `lo`; one",
      "client command per flow, each in a UTS namespace named after its host, its exit code checked;",
      "`tcprewrite --pnat=127.10.0.0/16:10.10.0.0/16 --fixcsum`; `editcap` for pcap and pcapng; the truth file",
      "from the script's record; `lab/check-compliance-truth.py` must pass for all three before anything is",
      "copied into `captures/`. Namespaces and their processes are removed on any exit (trap).", "",
      "- **Dropped** (S0): `iptables -A INPUT ... -j DROP` (the SYN is captured, then dropped); curl",
      "  `--connect-timeout 2` and tsql's `connect timeout = 2` give exactly 2 SYNs (0 s and the 1 s retransmission).",
      "- **Refused** (REJ): `iptables -A INPUT ... -j REJECT --reject-with tcp-reset`.",
      "- **Half-open** (history `Sh`): `iptables -A OUTPUT -s CONSOLE -d SEPM --dport 8443 ! --syn -j DROP`. OUTPUT",
      "  runs before a locally sent packet reaches `lo`, where tcpdump sees it, so the console's SYN is captured",
      "  but its ACK (and ClientHello, FIN) never is; the script checks the rule's counter is > 0 (the console did",
      "  acknowledge) while the checker requires the capture to hold only SYN from the console and >= 2 SYN-ACKs",
      "  from SEPM. `net.ipv4.tcp_synack_retries=2` in the namespace (Windows Server's default number of SYN-ACK",
      "  retransmissions) makes that exactly 3 SYN-ACKs (0, 1, 3 s). Its Zeek conn_state is S1 (as sepflow and",
      "  the checker derive it); what marks it half-open is the history.",
      "- `sep-healthy` repeats the clients' requests one heartbeat (10 s) + 1 s after the first ones, and the",
      "  script fails if the capture is not longer than the heartbeat (so `expected-flow-absent` is provable).", ""]
for n in names:
    t = json.load(open(os.path.join(out, f"{n}.truth.json")))
    L += [f"## {n}", "", about[n], "", "| # | proto | orig_h | resp_h:resp_p | expected_conn_state | what it is |", "|---|---|---|---|---|---|"]
    for i, f in enumerate(t["flows"], 1):
        st = f["expected_conn_state"] + (f" (history {f['expected_history']})" if "expected_history" in f else "")
        L.append(f"| {i} | {f['proto']} | {f['orig_h']} | {f['resp_h']}:{f['resp_p']} | {st} | {f['note']} |")
    L += ["", "Findings sepflow must report (all severities; `hosts` exactly as sepflow's finding `hosts`):", ""]
    if not t["findings"]:
        L.append("none (`findings: []`).")
    else:
        L += ["| rule | hosts | port | remediation |", "|---|---|---|---|"]
        for x in t["findings"]:
            port = f"{x['proto']}/{x['resp_p']}" if "resp_p" in x else "-"
            rule = x["rule"] + (" (inconclusive: info)" if x.get("inconclusive") else "")
            L.append(f"| {rule} | {', '.join(x['hosts'])} | {port} | {x.get('remediation', '')} |")
    L += ["", "Check output:", "", "```", open(os.path.join(out, f"{n}.check.txt")).read().rstrip(), "```", ""]
L += ["## Real and synthetic (compliance captures)", "",
      "Real on both ends: HTTP and TLS 1.2 (curl ↔ nginx, self-signed RSA-2048 lab certificate), Java RMI / JRMP",
      "(`lab/RmiList.java` on OpenJDK ↔ `rmiregistry`, one `Registry.list()` call), syslog (logger → socat),",
      "the kernel's TCP handshakes, SYN and SYN-ACK retransmissions, iptables' RST.", "",
      "Synthetic or illustrative: SQL Server is `lab/tds-responder.py` (FreeTDS tsql is real; the login is",
      "refused with 18456); nginx stands in for SEPM's Apache and for the wrongly configured clients answering",
      "8014; the SEP payloads (paths, `h`/`mid`/`action`, `OK`) are illustrative as in sep-lab; 8765 (Tomcat's",
      "server control port on a real SEPM) is a socat listener and the stranger sends one line (`HELLO`); 3389 is a",
      "socat listener and the client sends one RDP X.224 Connection Request written with printf (no RDP",
      "server answers it); 8444 is nginx over TLS, not Symantec Protection Center. Loopback framing as sep-lab",
      "(Ethernet, zero MACs, TTL 64, one Linux kernel). Timestamps, the ephemeral ports of tsql/logger and",
      "packet counts (ACK timing) vary between runs; flows, endpoints, conn_states and the truth files do not.", "",
      "## Truth file format (compliance captures)", "",
      "As sep-lab's, plus: `findings_include_inconclusive: true` (the findings list every finding sepflow must",
      "report, including inconclusive `info` ones, marked `\"inconclusive\": true`); each finding is",
      "`{\"rule\", \"hosts\": [...], \"resp_p\"?, \"proto\"?, \"remediation\"?, \"inconclusive\"?}` with `hosts` exactly",
      "as sepflow's finding `hosts` (merged findings: the sources sorted by address, then the responder;",
      "`role-contradiction` and `expected-flow-absent`: the host); a flow may carry `expected_history`",
      "(Zeek history letters, first occurrence per direction).", "",
      "Tool versions:", "", "```", versions, "```", "", "`capinfos`:", "", "```", pcap_info, "```", "", END]
section = "\n".join(L) + "\n"
text = open(readme_in).read()
if BEGIN in text and END in text:
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1].lstrip("\n")
    text = head + section + tail
else:
    text = text.rstrip("\n") + "\n\n" + section
open(readme_out, "w").write(text)
PYEOF

# ---- publish -------------------------------------------------------------------------------------
for n in "${NAMES[@]}"; do
  for ext in pcap pcapng site.yaml truth.json; do
    cp "$OUT/$n.$ext" "$HERE/$n.$ext.tmp" && mv "$HERE/$n.$ext.tmp" "$HERE/$n.$ext"
  done
done
cp "$OUT/README.md" "$HERE/README.md.tmp" && mv "$HERE/README.md.tmp" "$HERE/README.md"
lab_say "wrote $(cd "$HERE" && ls sep-blocked.* sep-violations.* sep-healthy.* | tr '\n' ' ')and the README section"
