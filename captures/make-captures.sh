#!/usr/bin/env bash
# make-captures.sh — regenerate sepflow's SEP lab capture from scratch.
#
#   sudo bash captures/make-captures.sh
#
# Builds a throw-away network namespace (sepflow-cap) in which every lab host is a 127.10.x.y
# address on lo, runs real protocol stacks between them (nginx, smbd/nmbd, sshd, curl, smbclient,
# nmblookup, ssh, tsql, logger, socat; a small TDS responder stands in for SQL Server), captures
# lo with tcpdump, rewrites 127.10.a.b -> 10.10.a.b and writes into captures/:
#   sep-lab.pcap, sep-lab.pcapng, sep-lab.site.yaml, sep-lab.truth.json, README.md
# The truth file is written from what this script did; it is then checked against tshark
# (lab/check-truth.py) and nothing is written into captures/ unless the check passes.
# No packet leaves the namespace: it has only lo, and its OUTPUT chain drops anything not on lo.
#
# Then, in a namespace of its own (sepflow-cap-icmp), the ICMP capture (see "sep-icmp" below):
#   sep-icmp.pcap, sep-icmp.pcapng, sep-icmp.site.yaml, sep-icmp.truth.json and its README section.
# `sudo bash captures/make-captures.sh sep-icmp` makes only that one (sep-lab and the rest of the
# README stay as they are).
set -euo pipefail

NS=sepflow-cap
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB=$HERE/lab
PY=/usr/bin/python3

# ==== sep-icmp: blocked flows answered by ICMP errors ===========================================
# A SEP manager's syslog datagram to a host with no syslog listener (the kernel answers ICMP port
# unreachable, RFC 792 type 3 code 3) and a SEP client whose SYN to 8014 a firewall rejects with ICMP
# "communication administratively prohibited" (type 3 code 13, RFC 1812; iptables REJECT
# --reject-with icmp-admin-prohibited), next to a healthy client. Uses the shared functions of
# lab/lib.sh. The truth's flows carry `expected_icmp` (the ICMP errors each flow gets, per type, code
# and sender) and lab/check-icmp-truth.py checks them with tshark. tcprewrite does not rewrite the
# datagram an ICMP error quotes, so lab/sep-icmp-tools.py does that first (127.10 -> 10.10, checksums).
# The pcapng also gets a Name Resolution Block naming the lab hosts (SEPM01, ...).
make_sep_icmp() {
  LAB_TAG=make-captures-sep-icmp
  # shellcheck source=lab/lib.sh
  source "$LAB/lib.sh"
  lab_require_root
  lab_check_tools ip:iproute2 ss:iproute2 iptables:iptables ethtool:ethtool sysctl:procps \
    tcpdump:tcpdump tshark:tshark editcap:wireshark-common capinfos:wireshark-common tcprewrite:tcpreplay \
    nginx:nginx-light openssl:openssl curl:curl logger:bsdutils unshare:util-linux hostname:hostname dpkg-query:dpkg
  local f
  for f in check-truth.py check-icmp-truth.py sep-icmp-tools.py; do [[ -f $LAB/$f ]] || lab_die "$LAB/$f must exist"; done
  lab_init
  local OUT=$LAB_WORK/out name=sep-icmp raw=$LAB_WORK/sep-icmp.raw.pcap
  mkdir -p "$OUT"
  local SEPM=127.10.0.10 SYSLOG=127.10.0.30 C25=127.10.1.25 C26=127.10.1.26
  lab_host $SEPM SEPM01 $SYSLOG SYSLOG01 $C25 SEPCLIENT25 $C26 SEPCLIENT26
  pub() { lab_pub "$1"; }

  lab_ns_up sepflow-cap-icmp $SEPM $SYSLOG $C25 $C26
  lab_src_route $SEPM $SYSLOG   # logger has no bind option: SEPM's datagrams leave from SEPM's address
  # the firewall: SEPCLIENT26's SYNs to 8014 are answered with ICMP 3/13 (INPUT: after tcpdump saw the SYN)
  nsx iptables -A INPUT -p tcp -s $C26 -d $SEPM --dport 8014 -j REJECT --reject-with icmp-admin-prohibited
  lab_say "starting servers ($name)"
  lab_tls_cert SEPM01   # lab_nginx_start's configuration names a certificate (no TLS server here)
  lab_nginx_start nginx-icmp "
  server { listen $SEPM:8014; location /secars/secars.dll { return 200 \"OK\n\"; } location / { return 404; } }"
  lab_wait_listen tcp $SEPM:8014
  # nothing may listen on udp/514: that is the point
  if nsx ss -H -lun 'sport = :514' | grep -q .; then lab_die "something listens on udp/514"; fi

  lab_truth_begin
  lab_capture_start "$raw"
  lab_say "capturing $name"
  lab_flow tcp $C25 $SEPM 8014 SF 0 "healthy SEP client: connectivity test over HTTP 8014, answered 200" \
    "curl -sS -o /dev/null -A Smc --interface $C25 --local-port 49901 'http://$SEPM:8014/secars/secars.dll?hello,secars'"
  lab_flow udp $SEPM $SYSLOG 514 S0 0,1 "SEPM log forwarding to a syslog host with no listener: one datagram, answered by the host's kernel with ICMP port unreachable (3/3)" \
    "logger -n $SYSLOG -P 514 -d -t SymantecServer --rfc3164 'SEPM01 Symantec Endpoint Protection Manager,Site: SEPLAB,Client SEPCLIENT25 checked in'"
  lab_flow tcp $C26 $SEPM 8014 S0 7 "SEP client blocked: its SYN to 8014 rejected by the firewall with ICMP communication administratively prohibited (3/13); curl fails at once (no route to host)" \
    "curl -sS -o /dev/null -A Smc --interface $C26 --local-port 49911 --connect-timeout 4 'http://$SEPM:8014/secars/secars.dll?hello,secars'"
  lab_capture_stop
  lab_ns_down

  # the ICMP errors each flow got (published addresses), added to the flow records
  "$LAB_PY" "$LAB/sep-icmp-tools.py" truth "$LAB_FLOWS" "$(pub $SYSLOG)" "$(pub $SEPM)"
  lab_finding blocked-refused udp 514 $SEPM $SYSLOG
  lab_finding blocked-refused tcp 8014 $C26 $SEPM

  local n
  n=$("$LAB_PY" "$LAB/sep-icmp-tools.py" quotes "$raw" "$raw.q")
  [[ $n == 2 ]] || lab_die "expected 2 ICMP errors in the capture, sep-icmp-tools.py rewrote $n"
  lab_publish "$raw.q" "$OUT" $name
  "$LAB_PY" "$LAB/sep-icmp-tools.py" nrb "$OUT/$name.pcapng" "$(pub $SEPM)=SEPM01" "$(pub $SYSLOG)=SYSLOG01" "$(pub $C25)=SEPCLIENT25" "$(pub $C26)=SEPCLIENT26"
  cat >"$OUT/$name.site.yaml" <<SITE
# Site profile for sep-icmp.pcap (written by make-captures.sh). Addresses are the published 10.10.x.y ones.
sep_version: "14.3"
roles:
  sepm: [$(pub $SEPM)]
  syslog: [$(pub $SYSLOG)]
  client: [$(pub $C25), $(pub $C26)]
policy: {client_transport: both, syslog_required: true}
SITE
  lab_write_truth "$OUT" $name $name.site.yaml
  lab_check "$LAB/check-icmp-truth.py" "$OUT" $name

  # README section between its markers (appended when absent)
  local versions pcap_info
  versions=$(dpkg-query -W -f='${Package} ${Version}\n' iproute2 iptables tcpdump tshark tcpreplay nginx-light curl bsdutils python3 2>/dev/null | sort)
  pcap_info=$(cd "$OUT" && capinfos -t -E -c -s -u $name.pcap $name.pcapng)
  "$LAB_PY" "$LAB/sep-icmp-tools.py" readme "$OUT/$name.truth.json" "$HERE/README.md" "$OUT/README.md" "$versions" "$pcap_info" "$OUT/$name.check.txt"
  for f in $name.pcap $name.pcapng $name.site.yaml $name.truth.json README.md; do
    cp "$OUT/$f" "$HERE/$f.tmp" && mv "$HERE/$f.tmp" "$HERE/$f"
  done
  lab_say "wrote $(cd "$HERE" && ls $name.* | tr '\n' ' ')and the README section"
}

if [[ ${1:-} == sep-icmp ]]; then
  make_sep_icmp
  exit 0
elif [[ -n ${1:-} ]]; then
  echo "usage: sudo bash $0 [sep-icmp]" >&2
  exit 2
fi

# ---- address plan (127.10.a.b in the lab, 10.10.a.b in the published capture) -----------------
SEPM=127.10.0.10
SQL=127.10.0.20
SYSLOG=127.10.0.30
CLIENT1=127.10.1.21   # SEP client (HTTP 8014); also the Windows push-deployment target (SMB/NBNS)
CLIENT2=127.10.1.22   # SEP client (HTTPS 443)
CLIENT3=127.10.1.23   # SEP client whose 8014 SYNs are silently dropped
CLIENT4=127.10.1.24   # SEP client whose 8014 SYN is refused with a TCP reset
MAC=127.10.2.30       # Mac push-deployment target (SSH 22)
CONSOLE=127.10.3.5    # remote console (HTTPS 8443, HTTP 9090)
STRANGER=127.10.9.9   # undeclared host reaching the local-only process launcher port 8447
ALL_HOSTS=("$SEPM" "$SQL" "$SYSLOG" "$CLIENT1" "$CLIENT2" "$CLIENT3" "$CLIENT4" "$MAC" "$CONSOLE" "$STRANGER")

host_name() {  # lab address -> host name (the one a client may put on the wire)
  case $1 in
    "$SEPM") echo SEPM01 ;; "$SQL") echo SEPSQL01 ;; "$SYSLOG") echo SYSLOG01 ;; "$MAC") echo SEPMAC01 ;;
    "$CONSOLE") echo SEPCONSOLE01 ;; "$STRANGER") echo STRANGER ;; 127.10.1.*) echo "SEPCLIENT${1##*.2}" ;;
    *) echo LABHOST ;;
  esac
}
say() { printf '[make-captures] %s\n' "$*" >&2; }
die() { printf '[make-captures] ERROR: %s\n' "$*" >&2; exit 1; }
pub() { local a=$1; echo "10.10.${a#127.10.}"; }   # 127.10.a.b -> 10.10.a.b

# ---- preflight -------------------------------------------------------------------------------
[[ $EUID -eq 0 ]] || die "run as root (sudo bash $0): it creates a network namespace and runs servers in it"
# tool -> Debian package that provides it
TOOLS=(
  ip:iproute2 ss:iproute2 iptables:iptables ethtool:ethtool
  tcpdump:tcpdump tshark:tshark editcap:wireshark-common capinfos:wireshark-common tcprewrite:tcpreplay
  nginx:nginx-light openssl:openssl curl:curl
  smbd:samba nmbd:samba smbclient:smbclient nmblookup:samba-common-bin
  sshd:openssh-server ssh:openssh-client ssh-keygen:openssh-client
  tsql:freetds-bin logger:bsdutils socat:socat unshare:util-linux hostname:hostname dpkg-query:dpkg
)
missing=()
for t in "${TOOLS[@]}"; do
  tool=${t%%:*} pkg=${t#*:}
  PATH=$PATH:/usr/sbin:/sbin command -v "$tool" >/dev/null 2>&1 || missing+=("$tool (apt-get install $pkg)")
done
[[ -x $PY ]] || missing+=("$PY (apt-get install python3)")
if ((${#missing[@]})); then
  printf '[make-captures] missing tools:\n' >&2
  printf '  %s\n' "${missing[@]}" >&2
  die "install the packages above (run 'apt-get update' first if apt cannot find them)"
fi
export PATH=$PATH:/usr/sbin:/sbin
[[ -f $LAB/tds-responder.py && -f $LAB/check-truth.py ]] || die "$LAB/tds-responder.py and $LAB/check-truth.py must exist"
if ip netns list | grep -qw "^$NS"; then
  die "network namespace $NS already exists (left by an interrupted run?). Inspect 'ip netns pids $NS', end those processes, then 'ip netns del $NS'"
fi

# ---- cleanup (always) ------------------------------------------------------------------------
WORK=$(mktemp -d /tmp/sepflow-cap.XXXXXX)
CREATED_RUN_SSHD=0
TCPDUMP_PID=
exec 8>&1 9>&2   # the caller's stdout/stderr: a signal can arrive while a command's output is redirected
cleanup() {
  local rc=$?
  set +e
  trap '' INT TERM
  exec 1>&8 2>&9
  if [[ -n $TCPDUMP_PID ]] && kill -0 "$TCPDUMP_PID" 2>/dev/null; then kill -TERM "$TCPDUMP_PID"; wait "$TCPDUMP_PID" 2>/dev/null; fi
  if ip netns list | grep -qw "^$NS"; then
    # every process in our namespace was started by this script (servers and their children)
    local pids
    pids=$(ip netns pids "$NS" 2>/dev/null)
    if [[ -n $pids ]]; then
      kill -TERM $pids 2>/dev/null
      for _ in $(seq 30); do pids=$(ip netns pids "$NS" 2>/dev/null); [[ -z $pids ]] && break; sleep 0.1; done
      [[ -n $pids ]] && kill -KILL $pids 2>/dev/null && sleep 0.2
    fi
    ip netns del "$NS"
  fi
  wait 2>/dev/null
  ((CREATED_RUN_SSHD)) && rmdir /run/sshd 2>/dev/null
  if ((rc != 0)); then
    say "FAILED (exit $rc); logs were in $WORK:"
    for f in "$WORK"/log/*; do [[ -f $f && -s $f ]] && { echo "--- $f" >&2; tail -n 15 "$f" >&2; }; done
  fi
  rm -rf "$WORK"
  ((rc == 0)) && say "cleaned up: namespace $NS removed, all its processes ended"
  exit $rc
}
trap cleanup EXIT
trap 'say "command failed (line $LINENO): $BASH_COMMAND"' ERR
trap 'say "interrupted"; exit 130' INT TERM

mkdir -p "$WORK"/{log,tls,ssh,samba/{private,lock,state,cache,pid,ncalrpc,share},nginx,out}
nsx() { ip netns exec "$NS" "$@"; }

# ---- namespace and addresses -----------------------------------------------------------------
say "creating namespace $NS"
ip netns add "$NS"
nsx ip link set lo mtu 1500 up
# loopback offloads off so frames look like a real 1500-byte-MTU wire (no 64 KB super-segments)
nsx ethtool -K lo tso off gso off gro off >/dev/null 2>&1 || say "note: could not turn lo offloads off"
nsx sysctl -qw net.ipv4.ip_local_port_range="49152 65535"   # Windows-style ephemeral ports
for a in "${ALL_HOSTS[@]}"; do nsx ip addr add "$a/32" dev lo; done
# Source address for SEPM-initiated flows whose tools have no bind option (tsql, logger, smbclient,
# nmblookup): a policy route per target host with a 'src' hint of SEPM. No NAT is involved, so
# both directions of each flow are captured with their true addresses.
table=100
for dst in $SQL $SYSLOG $CLIENT1 $MAC; do
  nsx ip route add local "$dst/32" dev lo src "$SEPM" table $table
  nsx ip rule add pref $table to "$dst/32" lookup $table
  table=$((table + 1))
done
nsx ip rule add pref 200 lookup local
nsx ip rule del pref 0
# firewall: the two blocked flows, and a guard that nothing leaves lo
nsx iptables -A OUTPUT ! -o lo -j DROP
nsx iptables -A INPUT -p tcp -s $CLIENT3 -d $SEPM --dport 8014 -j DROP
nsx iptables -A INPUT -p tcp -s $CLIENT4 -d $SEPM --dport 8014 -j REJECT --reject-with tcp-reset

# ---- servers -----------------------------------------------------------------------------------
say "starting servers"
openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=SEPM01" \
  -keyout "$WORK/tls/key.pem" -out "$WORK/tls/cert.pem" 2>"$WORK/log/openssl"

# nginx: SEPM's Apache stand-in (8014 HTTP, 443 HTTPS) and console ports (8443 HTTPS, 9090 HTTP)
cat >"$WORK/nginx/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 1;
user root;
pid $WORK/nginx/nginx.pid;
error_log $WORK/log/nginx-error.log info;
events { worker_connections 64; }
http {
  access_log $WORK/log/nginx-access.log;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  server_tokens off;
  default_type text/plain;
  ssl_certificate $WORK/tls/cert.pem;
  ssl_certificate_key $WORK/tls/key.pem;
  ssl_protocols TLSv1.2;
  server {   # client communication, HTTP
    listen $SEPM:8014;
    location /secars/secars.dll { return 200 "OK\n"; }
    location / { return 404; }
  }
  server {   # client communication, HTTPS
    listen $SEPM:443 ssl;
    location /secars/secars.dll { return 200 "OK\n"; }
    location / { return 404; }
  }
  server {   # console: login and administration, HTTPS
    listen $SEPM:8443 ssl;
    location / { return 200 "SEPM console\n"; }
  }
  server {   # web console: initial HTTP exchange
    listen $SEPM:9090;
    location / { default_type text/html; return 200 "<html><body>Symantec Endpoint Protection Manager</body></html>\n"; }
  }
}
EOF
nsx nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -e "$WORK/log/nginx-error.log" >"$WORK/log/nginx" 2>&1 &

# Samba: the Windows push-deployment target on CLIENT1 (smbd 445/139, nmbd 137/138)
S=$WORK/samba
cat >"$S/smb.conf" <<EOF
[global]
  workgroup = SEPLAB
  netbios name = SEPCLIENT1
  server string = SEP lab client
  interfaces = $CLIENT1/32
  bind interfaces only = yes
  smb ports = 445 139
  private dir = $S/private
  lock directory = $S/lock
  state directory = $S/state
  cache directory = $S/cache
  pid directory = $S/pid
  ncalrpc dir = $S/ncalrpc
  passdb backend = tdbsam:$S/private/passdb.tdb
  log file = $WORK/log/samba-%m.log
  log level = 1
  logging = file
  map to guest = Bad User
  server role = standalone server
  local master = no
  domain master = no
  preferred master = no
  os level = 0
  dns proxy = no
  wins support = no
  load printers = no
  printing = bsd
  printcap name = /dev/null
  disable spoolss = yes
[ADMIN\$]
  path = $S/share
  read only = yes
  comment = Remote Admin
[C\$]
  path = $S/share
  read only = yes
  comment = Default share
EOF
# client-side config for smbclient/nmblookup on SEPM: no state outside the temp dir, no broadcasts
cat >"$S/client.conf" <<EOF
[global]
  workgroup = SEPLAB
  netbios name = SEPM01
  lock directory = $S/lock-client
  state directory = $S/state-client
  cache directory = $S/cache-client
  private dir = $S/private-client
  name resolve order = host
  log level = 1
EOF
mkdir -p "$S"/{lock,state,cache,private}-client
nsx smbd --foreground -s "$S/smb.conf" >"$WORK/log/smbd" 2>&1 &
nsx nmbd --foreground -s "$S/smb.conf" >"$WORK/log/nmbd" 2>&1 &

# sshd: the Mac push-deployment target
if [[ ! -d /run/sshd ]]; then mkdir -p /run/sshd && chmod 0755 /run/sshd && CREATED_RUN_SSHD=1; fi
ssh-keygen -q -t ed25519 -N '' -f "$WORK/ssh/host_ed25519" -C sepmac
cat >"$WORK/ssh/sshd_config" <<EOF
ListenAddress $MAC:22
HostKey $WORK/ssh/host_ed25519
PidFile $WORK/ssh/sshd.pid
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
AuthorizedKeysFile none
UseDNS no
LogLevel INFO
EOF
nsx /usr/sbin/sshd -D -e -f "$WORK/ssh/sshd_config" >"$WORK/log/sshd" 2>&1 &

# remote SQL Server stand-in (synthetic TDS PRELOGIN/LOGIN7 responder)
nsx "$PY" -u "$LAB/tds-responder.py" $SQL 1433 >"$WORK/log/tds" 2>&1 &

# syslog receiver (UDP, never answers) and the process-launcher port 8447 (bound to SEPM's address,
# i.e. reachable from other hosts: the exposure the lab shows)
nsx socat -u UDP4-RECV:514,bind=$SYSLOG OPEN:"$WORK/log/syslog-received",creat,append >"$WORK/log/socat-syslog" 2>&1 &
nsx socat -u TCP4-LISTEN:8447,bind=$SEPM,reuseaddr,fork OPEN:/dev/null,wronly >"$WORK/log/socat-8447" 2>&1 &

wait_listen() {  # proto addr:port
  local flag=-ltn; [[ $1 == udp ]] && flag=-lun
  for _ in $(seq 100); do
    nsx ss -H $flag "src $2" 2>/dev/null | grep -q . && return 0
    sleep 0.1
  done
  die "nothing listening on $1 $2"
}
for ep in $SEPM:8014 $SEPM:443 $SEPM:8443 $SEPM:9090 $CLIENT1:445 $CLIENT1:139 $MAC:22 $SQL:1433 $SEPM:8447; do
  wait_listen tcp "$ep"
done
for ep in $CLIENT1:137 $SYSLOG:514; do wait_listen udp "$ep"; done
# let nmbd finish its start-up name registration before capturing (its own broadcasts are not lab flows)
sleep 6

# ---- capture -----------------------------------------------------------------------------------
RAW=$WORK/out/raw.pcap
say "capturing"
nsx tcpdump -i lo -U -n -Z root -s 0 -w "$RAW" 'net 127.10.0.0/16' >"$WORK/log/tcpdump" 2>&1 &
TCPDUMP_PID=$!
for _ in $(seq 100); do grep -q 'listening on' "$WORK/log/tcpdump" && break; sleep 0.1; done
grep -q 'listening on' "$WORK/log/tcpdump" || die "tcpdump did not start"
sleep 0.5

FLOWS=$WORK/out/flows.jsonl
FINDINGS=$WORK/out/findings.jsonl
: >"$FLOWS"; : >"$FINDINGS"
# flow PROTO ORIG RESP PORT STATE EXPECTED_RCS NOTE FINDING COMMAND
#   runs COMMAND (a shell command line; $LABTMP = this run's temp dir) inside the namespace, in
#   a UTS namespace named after ORIG's host; checks its exit code is one of
#   EXPECTED_RCS (comma list), and records the flow (and FINDING rule, if not '-') in the truth.
flow() {
  local proto=$1 orig=$2 resp=$3 port=$4 state=$5 rcs=$6 note=$7 finding=$8 cmd=$9 rc=0
  say "  $proto $orig -> $resp:$port  ($state)  $cmd"
  # own UTS namespace per command so that clients which send their host name (tsql's LOGIN7)
  # send the lab host's name, not this machine's
  LABTMP=$WORK nsx unshare --uts bash -c 'hostname "$1" && exec bash -c "$2"' _ "$(host_name "$orig")" "$cmd" >>"$WORK/log/flows" 2>&1 || rc=$?
  [[ ",$rcs," == *",$rc,"* ]] || die "command exited $rc (expected $rcs): $cmd"
  "$PY" -c 'import json,sys; p,o,r,port,st,cmd,note=sys.argv[1:]; print(json.dumps({"proto":p,"orig_h":o,"resp_h":r,"resp_p":int(port),"expected_conn_state":st,"made_by":cmd,"note":note}))' \
    "$proto" "$(pub "$orig")" "$(pub "$resp")" "$port" "$state" "$cmd" "$note" >>"$FLOWS"
  if [[ $finding != - ]]; then
    "$PY" -c 'import json,sys; rule,o,r,port,p=sys.argv[1:]; print(json.dumps({"rule":rule,"orig_h":o,"resp_h":r,"resp_p":int(port),"proto":p}))' \
      "$finding" "$(pub "$orig")" "$(pub "$resp")" "$port" "$proto" >>"$FINDINGS"
  fi
  sleep 0.3
}

# 1-2. SEP client -> SEPM, HTTP 8014: connectivity test, then a heartbeat-style request
flow tcp $CLIENT1 $SEPM 8014 SF 0 "SEP client connectivity test (hello,secars) over HTTP 8014" - \
  "curl -sS -o /dev/null -A Smc --interface $CLIENT1 --local-port 49701 'http://$SEPM:8014/secars/secars.dll?hello,secars'"
flow tcp $CLIENT1 $SEPM 8014 SF 0 "SEP client heartbeat-style request over HTTP 8014 (illustrative h/action values)" - \
  "curl -sS -o /dev/null -A Smc --interface $CLIENT1 --local-port 49702 'http://$SEPM:8014/secars/secars.dll?h=6F1C2D0A9B8E4F3A&mid=SEPCLIENT1&action=3'"
# 3. SEP client -> SEPM, HTTPS 443
flow tcp $CLIENT2 $SEPM 443 SF 0 "SEP client connectivity test over HTTPS 443 (TLS 1.2, self-signed lab certificate)" - \
  "curl -sS -k -o /dev/null -A Smc --interface $CLIENT2 --local-port 49711 'https://$SEPM:443/secars/secars.dll?hello,secars'"
# 4-5. console -> SEPM: HTTPS 8443 (login/administration), HTTP 9090 (web console start page)
flow tcp $CONSOLE $SEPM 8443 SF 0 "remote console login/administration over HTTPS 8443" - \
  "curl -sS -k -o /dev/null --interface $CONSOLE --local-port 49721 'https://$SEPM:8443/sepm/login'"
flow tcp $CONSOLE $SEPM 9090 SF 0 "remote web console initial HTTP exchange on 9090" - \
  "curl -sS -o /dev/null --interface $CONSOLE --local-port 49722 'http://$SEPM:9090/'"
# 6. SEPM -> remote SQL Server (TDS PRELOGIN + LOGIN7 answered by the synthetic responder: login refused)
flow tcp $SEPM $SQL 1433 SF 1,2,255 "SEPM to remote SQL Server (TDS 7.4 PRELOGIN + LOGIN7 from FreeTDS tsql; SYNTHETIC server answers login failed 18456)" - \
  "TDSVER=7.4 tsql -H $SQL -p 1433 -U sem5 -P lab-not-a-secret -D sem5 </dev/null"
# 7. SEPM -> syslog, UDP 514, three messages from one socket, no reply
flow udp $SEPM $SYSLOG 514 S0 0 "SEPM log forwarding to syslog over UDP 514 (3 datagrams, one socket, no reply)" - \
  "printf '%s\n' 'SEPM01 Symantec Endpoint Protection Manager,Site: SEPLAB,Server: SEPM01,Administrator log on succeeded' 'SEPM01 Symantec Endpoint Protection Manager,Virus definitions updated' 'SEPM01 Symantec Endpoint Protection Manager,Client SEPCLIENT1 checked in' | logger -n $SYSLOG -P 514 -d -t SymantecServer --rfc3164"
# 8. SEPM -> Windows target, NetBIOS name service UDP 137 (query and answer)
flow udp $SEPM $CLIENT1 137 SF 0 "push deployment: NetBIOS name query from SEPM to the Windows target, answered by nmbd" - \
  "nmblookup -s \"\$LABTMP/samba/client.conf\" -U $CLIENT1 SEPCLIENT1"
# 9-10. SEPM -> Windows target, SMB on 445 and on 139 (NetBIOS session service)
flow tcp $SEPM $CLIENT1 445 SF 0 "push deployment: SMB2 share listing over TCP 445 (anonymous, IPC\$ + srvsvc)" - \
  "smbclient -s \"\$LABTMP/samba/client.conf\" -L //$CLIENT1 -N -p 445"
flow tcp $SEPM $CLIENT1 139 SF 0 "push deployment: SMB2 share listing over NetBIOS session service TCP 139" - \
  "smbclient -s \"\$LABTMP/samba/client.conf\" -L //$CLIENT1 -N -p 139"
# 11. SEPM -> Mac target, SSH 22 (no credentials: key exchange completes, authentication fails)
flow tcp $SEPM $MAC 22 SF 255 "push deployment to a Mac over SSH 22 (banners and key exchange are real; authentication fails, no credentials)" - \
  "ssh -F /dev/null -b $SEPM -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes -o IdentityFile=none -o KexAlgorithms=curve25519-sha256 -o ConnectTimeout=5 sepadmin@$MAC true"
# 12. blocked: SYNs silently dropped by the firewall (iptables DROP in INPUT)
flow tcp $CLIENT3 $SEPM 8014 S0 28 "SEP client blocked: SYNs to 8014 silently dropped (iptables DROP); curl gives up after 4 s" blocked-dropped \
  "curl -sS -o /dev/null -A Smc --interface $CLIENT3 --local-port 49731 --connect-timeout 4 'http://$SEPM:8014/secars/secars.dll?hello,secars'"
# 13. blocked: refused with a TCP reset (iptables REJECT --reject-with tcp-reset)
flow tcp $CLIENT4 $SEPM 8014 REJ 7 "SEP client blocked: SYN to 8014 refused with RST/ACK (iptables REJECT --reject-with tcp-reset)" blocked-refused \
  "curl -sS -o /dev/null -A Smc --interface $CLIENT4 --local-port 49741 --connect-timeout 4 'http://$SEPM:8014/secars/secars.dll?hello,secars'"
# 14. unexpected: a stranger reaches the process launcher port, which accepts local requests only
flow tcp $STRANGER $SEPM 8447 SF 0 "unexpected: undeclared host connects to the process launcher port 8447 (local-only service) and sends a line" localhost-only-port-exposed \
  "printf 'HELLO\r\n' | socat -u - TCP4:$SEPM:8447,bind=$STRANGER:49751"

sleep 1
kill -TERM "$TCPDUMP_PID"; wait "$TCPDUMP_PID" || true; TCPDUMP_PID=
say "$(tail -n 3 "$WORK/log/tcpdump" | tr '\n' ' ')"

# ---- publish-form capture: 127.10 -> 10.10, checksums fixed, pcap + pcapng ---------------------------
O=$WORK/out
tcprewrite --pnat=127.10.0.0/16:10.10.0.0/16 --fixcsum --infile="$RAW" --outfile="$O/sep-lab.pcap" >"$WORK/log/tcprewrite" 2>&1
editcap -F pcap "$O/sep-lab.pcap" "$O/sep-lab.pcap.tmp" && mv "$O/sep-lab.pcap.tmp" "$O/sep-lab.pcap"   # classic pcap for sure
editcap -F pcapng "$O/sep-lab.pcap" "$O/sep-lab.pcapng"
for f in sep-lab.pcap sep-lab.pcapng; do
  size=$(stat -c %s "$O/$f"); ((size < 1048576)) || die "$f is $size bytes (limit 1 MB)"
done

# ---- truth, site profile -----------------------------------------------------------------------
"$PY" - "$FLOWS" "$FINDINGS" "$O/sep-lab.truth.json" <<'EOF'
import json, sys
flows = [json.loads(l) for l in open(sys.argv[1])]
findings = [json.loads(l) for l in open(sys.argv[2])]
json.dump({"capture": "sep-lab.pcap", "site": "sep-lab.site.yaml", "flows": flows, "findings": findings},
          open(sys.argv[3], "w"), indent=2)
open(sys.argv[3], "a").write("\n")
EOF
cat >"$O/sep-lab.site.yaml" <<EOF
# Site profile for sep-lab.pcap (written by make-captures.sh). Addresses are the published 10.10.x.y ones.
sep_version: "14.3"
roles:
  sepm: [$(pub $SEPM)]
  sql: [$(pub $SQL)]
  syslog: [$(pub $SYSLOG)]
  client: [$(pub $CLIENT1), $(pub $CLIENT2), $(pub $CLIENT3), $(pub $CLIENT4)]
  mac_client: [$(pub $MAC)]
  console: [$(pub $CONSOLE)]
policy: {client_transport: both}
EOF

# ---- check the capture against the truth -----------------------------------------------------
say "checking the capture against the truth with tshark"
if ! "$PY" "$LAB/check-truth.py" "$O/sep-lab.truth.json" "$O/sep-lab.pcap" "$O/sep-lab.pcapng" >"$WORK/out/check.txt"; then
  die "the capture does not match what the script intended (tshark check above); nothing written to $HERE"
fi
cat "$WORK/out/check.txt" >&2

# ---- README -------------------------------------------------------------------------------------
versions=$(dpkg-query -W -f='${Package} ${Version}\n' iproute2 iptables ethtool tcpdump tshark wireshark-common tcpreplay \
  nginx nginx-light openssl curl samba smbclient samba-common-bin openssh-server openssh-client freetds-bin bsdutils util-linux hostname socat python3 2>/dev/null | sort)
generated=$(date -u +%Y-%m-%dT%H:%M:%SZ)
pcap_info=$(cd "$O" && capinfos -t -E -c -s -u sep-lab.pcap sep-lab.pcapng)
"$PY" - "$O/sep-lab.truth.json" "$O/flows.md" <<'EOF'
import json, sys
t = json.load(open(sys.argv[1]))
with open(sys.argv[2], "w") as out:
    out.write("| # | proto | orig_h | resp_h:resp_p | expected_conn_state | what it is |\n|---|---|---|---|---|---|\n")
    for i, f in enumerate(t["flows"], 1):
        out.write(f"| {i} | {f['proto']} | {f['orig_h']} | {f['resp_h']}:{f['resp_p']} | {f['expected_conn_state']} | {f['note']} |\n")
EOF
{
cat <<EOF
# captures/ — SEP lab capture

Everything in this folder except \`make-captures.sh\` and \`lab/\` is **generated** by
\`make-captures.sh\` (last run: $generated). Do not edit the generated files by hand: change the
script and regenerate.

Regenerate (root needed: it creates a network namespace and runs servers in it; ~30 s):

    sudo bash captures/make-captures.sh

| file | what it is |
|---|---|
| \`sep-lab.pcap\` | the capture, classic pcap (Ethernet link type, zero MACs: captured on loopback) |
| \`sep-lab.pcapng\` | the same packets as pcapng (\`editcap -F pcapng\`) |
| \`sep-lab.site.yaml\` | site profile for the capture: SEP 14.3, the roles of its hosts, \`client_transport: both\` |
| \`sep-lab.truth.json\` | what the script did: one entry per flow, plus the findings a SEP compliance tool must report |
| \`make-captures.sh\` | the generator |
| \`lab/tds-responder.py\` | synthetic SQL Server stand-in (TDS PRELOGIN / LOGIN7 responder) used by the script |
| \`lab/check-truth.py\` | checks a capture against its truth file with tshark; the script runs it and fails if they differ |

## How it is made

1. A network namespace \`sepflow-cap\` is created with only \`lo\` (MTU 1500, TSO/GSO/GRO off so the
   frames have wire-like sizes, ephemeral ports 49152-65535). Each lab host is a \`127.10.a.b/32\`
   address on \`lo\`. An \`iptables\` OUTPUT rule drops anything not on \`lo\`: no packet leaves.
2. Real servers are started on their hosts' addresses: **nginx** (SEPM 8014 HTTP and 443 HTTPS
   answering \`/secars/secars.dll\` with 200, 8443 HTTPS and 9090 HTTP for the console; self-signed
   RSA-2048 certificate made by \`openssl\`, TLS 1.2), **smbd + nmbd** (the Windows target, temp
   \`smb.conf\`, bound to its address only), **sshd** (the Mac target, temp host key and config),
   **socat** (UDP 514 syslog receiver; TCP 8447 listener standing in for the process launcher), and
   **lab/tds-responder.py** (the SQL host).
3. \`tcpdump -i lo -U -w … 'net 127.10.0.0/16'\` captures while the script runs the flows below, one
   after the other, with real clients (**curl, tsql (FreeTDS), logger, nmblookup, smbclient, ssh,
   socat**). Each command's exit code is checked (e.g. ssh must fail authentication with 255, the
   dropped curl must time out with 28, the refused one must get 7). Each command runs in its own
   UTS namespace named after its host (SEPM01, SEPCLIENT1, …), so the one client that puts its
   host name on the wire (tsql's LOGIN7) says SEPM01. ssh is given
   \`-o KexAlgorithms=curve25519-sha256\` because tshark 4.0 cannot dissect OpenSSH 9's default
   post-quantum key exchange (it would flag those frames as errors).
4. Source addresses: curl (\`--interface\`, \`--local-port\`), ssh (\`-b\`) and socat (\`bind=\`) bind
   explicitly. tsql, logger, smbclient and nmblookup have no bind option: for SEPM's flows to the SQL,
   syslog, Windows and Mac hosts a policy route (\`ip rule … to HOST lookup N\` with
   \`local HOST dev lo src 127.10.0.10\`) makes the kernel pick SEPM's address. There is no NAT, so
   both directions are captured with their true addresses; the check below verifies every flow's
   endpoints.
5. Blocked flows are made by \`iptables\` in the namespace's INPUT chain (after tcpdump has seen the
   packet): \`-s 127.10.1.23 … --dport 8014 -j DROP\` and
   \`-s 127.10.1.24 … --dport 8014 -j REJECT --reject-with tcp-reset\`.
6. \`tcprewrite --pnat=127.10.0.0/16:10.10.0.0/16 --fixcsum\` rewrites the addresses and fixes the
   checksums (loopback leaves them unfilled); \`editcap\` writes the classic pcap and the pcapng.
7. The truth file is written from the script's own record of what it ran, then
   \`lab/check-truth.py\` compares it with tshark: \`tshark -z conv,tcp -z conv,udp\` must list exactly
   the truth flows (nothing missing, nothing extra); per stream, the first packet must come from
   \`orig_h\` and the Zeek-style conn_state derived from the TCP flags / UDP directions must equal
   \`expected_conn_state\`; the dropped flow must be ≥2 pure SYNs with nothing back; the refused
   flow exactly SYN then RST/ACK; each completed flow must show its protocol in tshark's dissection
   (HTTP with User-Agent \`Smc\`, TLS handshake, SMB2 + srvsvc, NetBIOS session, SSH banners + KEXINIT,
   TDS PRELOGIN/LOGIN7, syslog, NBNS query + answer); all addresses must be in 10.10.0.0/16 with good
   checksums; the pcapng must hold the same packets. Only if all that passes are the files
   copied into \`captures/\`. The namespace and every process in it are removed on exit, also on
   failure (trap).

Packet counts vary a little between runs (the number of SYN retransmissions inside curl's 4 s
timeout, TCP ACK timing); ephemeral ports of tsql/logger/smbclient/nmblookup/ssh and all timestamps
differ per run. Flows, endpoints, order and conn_states do not.

## Address plan

The lab runs on 127.10.a.b; the published capture says 10.10.a.b (same a.b).

| role (site profile key) | lab address | in the capture |
|---|---|---|
| SEPM (\`sepm\`) | $SEPM | $(pub $SEPM) |
| remote SQL Server (\`sql\`) | $SQL | $(pub $SQL) |
| syslog server (\`syslog\`) | $SYSLOG | $(pub $SYSLOG) |
| SEP clients (\`client\`) | $CLIENT1, $CLIENT2, $CLIENT3, $CLIENT4 | $(pub $CLIENT1), $(pub $CLIENT2), $(pub $CLIENT3), $(pub $CLIENT4) |
| Mac push target (\`mac_client\`) | $MAC | $(pub $MAC) |
| console (\`console\`) | $CONSOLE | $(pub $CONSOLE) |
| stranger (not in the site profile) | $STRANGER | $(pub $STRANGER) |

$(pub $CLIENT1) is both a SEP client (HTTP 8014) and the Windows push-deployment target (SMB/NBNS).

## Flows (from sep-lab.truth.json)

EOF
cat "$O/flows.md"
cat <<EOF

Findings a SEP compliance tool must report for this capture under \`sep-lab.site.yaml\`:
\`blocked-dropped\` ($(pub $CLIENT3) → $(pub $SEPM):8014), \`blocked-refused\` ($(pub $CLIENT4) →
$(pub $SEPM):8014), \`localhost-only-port-exposed\` ($(pub $STRANGER) → $(pub $SEPM):8447: the
process launcher accepts local requests only).

Not covered: UDP 138 (NetBIOS datagram service: no client tool here sends it on request).
nmbd is given 6 s for its start-up name registration before the capture starts, so none of its
own announcements are in the capture (the check fails on any conversation not in the truth).

## Real and synthetic

Real protocol stacks on both ends: HTTP (curl ↔ nginx), TLS 1.2 (curl/OpenSSL ↔ nginx/OpenSSL),
SMB2 over 445 and over NetBIOS 139 (smbclient ↔ smbd, anonymous share listing with srvsvc via
samba-dcerpcd), NBNS (nmblookup ↔ nmbd), SSH (OpenSSH ↔ OpenSSH; key exchange completes,
authentication fails as no credentials are given), syslog (util-linux logger → socat), TCP
handshakes and teardowns, the kernel's SYN retransmissions and iptables' RST.

Synthetic or illustrative:
- **SQL Server** is \`lab/tds-responder.py\`: the client (FreeTDS tsql, TDS 7.4 PRELOGIN + LOGIN7) is
  real; the server answers PRELOGIN (version 15.0.2000, encryption not supported) and then refuses
  the login with error 18456. No SQL batch is ever sent.
- SEP payloads are not SEP's: the paths \`/secars/secars.dll?hello,secars\` and \`?h=…&action=…\` and
  the User-Agent \`Smc\` follow the vendor notes, but the \`h\`/\`mid\`/\`action\` values and the
  bodies (\`OK\`) are made up; nginx stands in for SEPM's Apache; the 8447 listener is socat, and the
  stranger sends one line (\`HELLO\`) to it; the syslog texts imitate SEPM's format only loosely.
- Loopback framing: Ethernet with zero MAC addresses; TTL 64 everywhere; all hosts are one Linux
  kernel (TCP options and window sizes are Linux's, not Windows' or macOS').

## Truth file format

\`\`\`
{"capture": "sep-lab.pcap", "site": "sep-lab.site.yaml",
 "flows": [{"proto": "tcp"|"udp", "orig_h": "10.10.a.b", "resp_h": "10.10.a.b", "resp_p": 8014,
            "expected_conn_state": "SF"|"S0"|"REJ",
            "made_by": "<the exact shell command run inside the namespace (lab 127.10 addresses)>",
            "note": "<what the flow is>"}, ...],
 "findings": [{"rule": "blocked-dropped"|"blocked-refused"|"localhost-only-port-exposed",
               "orig_h": "...", "resp_h": "...", "resp_p": 8014, "proto": "tcp"}, ...]}
\`\`\`

One \`flows\` entry per connection (TCP) or per socket's datagram exchange (UDP), in the order they
were made. \`expected_conn_state\` is in Zeek conn.log terms and follows from the action: completed and
normally closed TCP → SF; SYNs dropped → S0; refused with RST → REJ; UDP with no reply → S0;
UDP answered → SF. \`made_by\` is the exact command line the script ran inside the namespace, with
the lab addresses (127.10.a.b, shown as 10.10.a.b in the capture); \`\$LABTMP\` in it is the run's
temporary directory (configs, keys, logs; deleted afterwards).

## Last generation

Tool versions (\`dpkg-query -W\`; nginx is Debian's nginx-light build):

\`\`\`
$versions
\`\`\`

\`capinfos\`:

\`\`\`
$pcap_info
\`\`\`

Check output (\`lab/check-truth.py\`, conn_state as derived from the capture by tshark):

\`\`\`
$(cat "$WORK/out/check.txt")
\`\`\`
EOF
} >"$O/README.md"

# ---- publish -------------------------------------------------------------------------------------
for f in sep-lab.pcap sep-lab.pcapng sep-lab.site.yaml sep-lab.truth.json README.md; do
  cp "$O/$f" "$HERE/$f.tmp" && mv "$HERE/$f.tmp" "$HERE/$f"
done
say "wrote $(cd "$HERE" && ls sep-lab.* README.md | tr '\n' ' ')"

# ---- sep-icmp, in a namespace of its own (after the README above: it adds its section to it) -------
bash "$HERE/make-captures.sh" sep-icmp
