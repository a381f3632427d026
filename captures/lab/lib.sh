# lib.sh — shared shell functions for sepflow's capture scripts (captures/make-*.sh).
#
#   source "$HERE/lab/lib.sh"        # from a bash script running with `set -euo pipefail`
#
# The lab: every lab host is a 127.10.a.b/32 address on `lo` inside a throw-away network namespace
# that this library creates; real servers listen on those addresses, real clients connect, tcpdump
# captures `lo`, and tcprewrite publishes the capture as 10.10.a.b. Nothing leaves the namespace: it
# has only `lo`, and its OUTPUT chain drops anything not on `lo`.
#
# Life cycle (see make-compliance-captures.sh for a complete use):
#   LAB_TAG=make-foo                                  # prefix of log lines
#   lab_require_root; lab_check_tools tool:package ...
#   lab_init                                          # temp dir $LAB_WORK, cleanup traps (EXIT/INT/TERM/ERR)
#   lab_host 127.10.0.10 SEPM01 ...                   # host names (UTS namespace per client command)
#   lab_ns_up NAME 127.10.0.10 127.10.1.21 ...        # namespace with these addresses
#   nsx iptables ... ; lab_src_route SRC DST ...      # firewall rules, source-address routes
#   lab_tls_cert SEPM01; lab_nginx_start NAME "<server blocks>"; nsx socat ... &
#   lab_wait_listen tcp 127.10.0.10:8014 ...
#   lab_truth_begin; lab_capture_start RAW
#   lab_flow tcp ORIG RESP PORT SF 0 "note" "command" ; lab_finding ...
#   lab_capture_stop; lab_ns_down
#   lab_publish RAW OUTDIR NAME; lab_write_truth OUTDIR NAME SITE [EXTRA_JSON]
#   lab_check CHECKER OUTDIR NAME
# The EXIT trap stops tcpdump, ends every process in the current namespace, deletes it, runs the
# hooks registered with lab_on_exit and removes $LAB_WORK, on success and on any failure.

LAB_TAG=${LAB_TAG:-lab}
LAB_PY=${LAB_PY:-/usr/bin/python3}
LAB_NS=            # the namespace currently up ('' when none)
LAB_WORK=          # this run's temporary directory
LAB_TCPDUMP_PID=
LAB_FLOWS=         # current capture's flow records (JSON lines)
LAB_FINDINGS=      # current capture's truth findings (JSON lines)
LAB_EXIT_HOOKS=()
LAB_ROUTE_TABLE=100
declare -gA LAB_NAMES=()

lab_say() { printf '[%s] %s\n' "$LAB_TAG" "$*" >&2; }
lab_die() { printf '[%s] ERROR: %s\n' "$LAB_TAG" "$*" >&2; exit 1; }

# lab_pub ADDR — lab address 127.10.a.b -> published address 10.10.a.b
lab_pub() { local a=$1; [[ $a == 127.10.* ]] || lab_die "not a lab address: $a"; echo "10.10.${a#127.10.}"; }

# lab_host ADDR NAME [ADDR NAME ...] — the host name a client command on ADDR runs under
lab_host() { while (($#)); do LAB_NAMES[$1]=$2; shift 2; done; }
lab_host_name() { echo "${LAB_NAMES[$1]:-LABHOST}"; }

lab_require_root() {
  [[ $EUID -eq 0 ]] || lab_die "run as root (sudo bash $0): it creates network namespaces and runs servers in them"
}

# lab_check_tools TOOL:DEBIAN_PACKAGE ... — dies listing every missing tool with its package
lab_check_tools() {
  local missing=() t tool pkg
  for t in "$@"; do
    tool=${t%%:*} pkg=${t#*:}
    PATH=$PATH:/usr/sbin:/sbin command -v "$tool" >/dev/null 2>&1 || missing+=("$tool (apt-get install $pkg)")
  done
  [[ -x $LAB_PY ]] || missing+=("$LAB_PY (apt-get install python3)")
  if ((${#missing[@]})); then
    printf '[%s] missing tools:\n' "$LAB_TAG" >&2
    printf '  %s\n' "${missing[@]}" >&2
    lab_die "install the packages above (run 'apt-get update' first if apt cannot find them)"
  fi
  export PATH=$PATH:/usr/sbin:/sbin
}

# lab_on_exit COMMAND — run COMMAND (a shell string) during cleanup
lab_on_exit() { LAB_EXIT_HOOKS+=("$1"); }

nsx() { ip netns exec "$LAB_NS" "$@"; }

# lab_init — temp dir and cleanup traps. Call once, before lab_ns_up.
lab_init() {
  LAB_WORK=$(mktemp -d "/tmp/${LAB_TAG}.XXXXXX")
  mkdir -p "$LAB_WORK/log"
  exec 8>&1 9>&2   # the caller's stdout/stderr: a signal can arrive while a command's output is redirected
  trap lab_cleanup EXIT
  trap 'lab_say "command failed (line $LINENO): $BASH_COMMAND"' ERR
  trap 'lab_say "interrupted"; exit 130' INT TERM
}

# lab_ns_down — stop tcpdump, end every process in the current namespace, delete it. Idempotent.
lab_ns_down() {
  if [[ -n $LAB_TCPDUMP_PID ]] && kill -0 "$LAB_TCPDUMP_PID" 2>/dev/null; then
    kill -TERM "$LAB_TCPDUMP_PID" 2>/dev/null; wait "$LAB_TCPDUMP_PID" 2>/dev/null || true
  fi
  LAB_TCPDUMP_PID=
  [[ -n $LAB_NS ]] || return 0
  if ip netns list | grep -qw "^$LAB_NS"; then
    # every process in the namespace was started by this script (servers and their children)
    local pids _
    pids=$(ip netns pids "$LAB_NS" 2>/dev/null || true)
    if [[ -n $pids ]]; then
      kill -TERM $pids 2>/dev/null || true
      for _ in $(seq 50); do pids=$(ip netns pids "$LAB_NS" 2>/dev/null || true); [[ -z $pids ]] && break; sleep 0.1; done
      if [[ -n $pids ]]; then kill -KILL $pids 2>/dev/null || true; sleep 0.2; fi
    fi
    ip netns del "$LAB_NS" || true
  fi
  LAB_NS=
  wait 2>/dev/null || true   # reap the background 'ip netns exec' wrappers
}

lab_cleanup() {
  local rc=$? h f
  set +e
  trap '' INT TERM
  trap - ERR
  exec 1>&8 2>&9
  lab_ns_down
  for h in "${LAB_EXIT_HOOKS[@]}"; do eval "$h"; done
  if ((rc != 0)) && [[ -n $LAB_WORK ]]; then
    lab_say "FAILED (exit $rc); logs were in $LAB_WORK:"
    for f in "$LAB_WORK"/log/*; do [[ -f $f && -s $f ]] && { echo "--- $f" >&2; tail -n 15 "$f" >&2; }; done
  fi
  [[ -n $LAB_WORK ]] && rm -rf "$LAB_WORK"
  ((rc == 0)) && lab_say "cleaned up: namespaces removed, all their processes ended"
  exit $rc
}

# lab_ns_up NAME ADDR... — namespace with only lo (MTU 1500, offloads off so frames have wire-like
# sizes, Windows-style ephemeral ports 49152-65535), each ADDR as a /32 on lo, and an OUTPUT rule
# that drops anything not on lo.
lab_ns_up() {
  local ns=$1 a; shift
  [[ -z $LAB_NS ]] || lab_die "namespace $LAB_NS is still up"
  if ip netns list | grep -qw "^$ns"; then
    lab_die "network namespace $ns already exists (left by an interrupted run?). Inspect 'ip netns pids $ns', end those processes, then 'ip netns del $ns'"
  fi
  lab_say "creating namespace $ns"
  ip netns add "$ns"
  LAB_NS=$ns
  LAB_ROUTE_TABLE=100
  nsx ip link set lo mtu 1500 up
  nsx ethtool -K lo tso off gso off gro off >/dev/null 2>&1 || lab_say "note: could not turn lo offloads off"
  nsx sysctl -qw net.ipv4.ip_local_port_range="49152 65535"
  for a in "$@"; do nsx ip addr add "$a/32" dev lo; done
  nsx iptables -A OUTPUT ! -o lo -j DROP
}

# lab_src_route SRC DST... — connections from this namespace to each DST get source address SRC
# (for client tools without a bind option: tsql, logger, smbclient, nmblookup). A policy route per
# DST with a 'src' hint; no NAT, so both directions are captured with their true addresses.
lab_src_route() {
  local src=$1 dst; shift
  if ((LAB_ROUTE_TABLE == 100)); then   # first use in this namespace: move the local table behind ours
    nsx ip rule add pref 200 lookup local
    nsx ip rule del pref 0
  fi
  for dst in "$@"; do
    nsx ip route add local "$dst/32" dev lo src "$src" table $LAB_ROUTE_TABLE
    nsx ip rule add pref $LAB_ROUTE_TABLE to "$dst/32" lookup $LAB_ROUTE_TABLE
    LAB_ROUTE_TABLE=$((LAB_ROUTE_TABLE + 1))
  done
}

# lab_tls_cert CN — self-signed RSA-2048 certificate in $LAB_WORK/tls/{cert,key}.pem (once per run)
lab_tls_cert() {
  [[ -f $LAB_WORK/tls/cert.pem ]] && return 0
  mkdir -p "$LAB_WORK/tls"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=$1" \
    -keyout "$LAB_WORK/tls/key.pem" -out "$LAB_WORK/tls/cert.pem" 2>"$LAB_WORK/log/openssl"
}

# lab_nginx_start NAME SERVER_BLOCKS — nginx (TLS 1.2 with lab_tls_cert's certificate) in the current
# namespace; SERVER_BLOCKS is the text of the `server { ... }` blocks. Config and logs under $LAB_WORK/NAME.
lab_nginx_start() {
  local name=$1 servers=$2 d=$LAB_WORK/$1
  mkdir -p "$d"
  cat >"$d/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 1;
user root;
pid $d/nginx.pid;
error_log $LAB_WORK/log/$name-error.log info;
events { worker_connections 64; }
http {
  access_log $LAB_WORK/log/$name-access.log;
  client_body_temp_path $d/body;
  proxy_temp_path $d/proxy;
  fastcgi_temp_path $d/fastcgi;
  uwsgi_temp_path $d/uwsgi;
  scgi_temp_path $d/scgi;
  server_tokens off;
  default_type text/plain;
  ssl_certificate $LAB_WORK/tls/cert.pem;
  ssl_certificate_key $LAB_WORK/tls/key.pem;
  ssl_protocols TLSv1.2;
$servers
}
EOF
  nsx nginx -p "$d" -c "$d/nginx.conf" -e "$LAB_WORK/log/$name-error.log" >"$LAB_WORK/log/$name" 2>&1 &
}

# lab_wait_listen PROTO ADDR:PORT... — wait (10 s at most each) until something listens there
#   ('*:PORT' = a listener on the wildcard address)
lab_wait_listen() {
  local proto=$1 ep flag=-ltn filter _; shift
  [[ $proto == udp ]] && flag=-lun
  for ep in "$@"; do
    filter="src $ep"
    [[ $ep == '*:'* ]] && filter="sport = :${ep#*:}"
    for _ in $(seq 100); do
      nsx ss -H $flag "$filter" 2>/dev/null | grep -q . && continue 2
      sleep 0.1
    done
    lab_die "nothing listening on $proto $ep"
  done
}

# lab_capture_start RAW_PCAP — tcpdump on the namespace's lo, lab addresses only
lab_capture_start() {
  local raw=$1 _
  : >"$LAB_WORK/log/tcpdump"
  nsx tcpdump -i lo -U -n -Z root -s 0 -w "$raw" 'net 127.10.0.0/16' >"$LAB_WORK/log/tcpdump" 2>&1 &
  LAB_TCPDUMP_PID=$!
  for _ in $(seq 100); do grep -q 'listening on' "$LAB_WORK/log/tcpdump" && break; sleep 0.1; done
  grep -q 'listening on' "$LAB_WORK/log/tcpdump" || lab_die "tcpdump did not start"
  sleep 0.5
}

lab_capture_stop() {
  sleep 1
  kill -TERM "$LAB_TCPDUMP_PID"; wait "$LAB_TCPDUMP_PID" || true; LAB_TCPDUMP_PID=
  lab_say "$(tail -n 3 "$LAB_WORK/log/tcpdump" | tr '\n' ' ')"
}

# lab_truth_begin — start the flow and finding records of a new capture
lab_truth_begin() {
  LAB_FLOWS=$LAB_WORK/flows.jsonl LAB_FINDINGS=$LAB_WORK/findings.jsonl
  : >"$LAB_FLOWS"; : >"$LAB_FINDINGS"
}

# lab_flow [--history H] [--pause S] PROTO ORIG RESP PORT STATE EXPECTED_RCS NOTE COMMAND
#   Runs COMMAND (a shell command line; $LABTMP in it = $LAB_WORK) inside the namespace, in a UTS
#   namespace named after ORIG's host (clients that send their host name send the lab host's name),
#   checks its exit code is one of EXPECTED_RCS (comma list) and records the flow in the truth:
#   proto, orig_h, resp_h, resp_p (published addresses), expected_conn_state, made_by, note, and
#   expected_history when --history is given. Sleeps --pause seconds (default 0.3) afterwards.
lab_flow() {
  local history='' pause=0.3
  while [[ $1 == --* ]]; do
    case $1 in --history) history=$2; shift 2 ;; --pause) pause=$2; shift 2 ;; *) lab_die "lab_flow: unknown option $1" ;; esac
  done
  local proto=$1 orig=$2 resp=$3 port=$4 state=$5 rcs=$6 note=$7 cmd=$8 rc=0
  lab_say "  $proto $orig -> $resp:$port  ($state)  $cmd"
  LABTMP=$LAB_WORK nsx unshare --uts bash -c 'hostname "$1" && exec bash -c "$2"' _ "$(lab_host_name "$orig")" "$cmd" \
    >>"$LAB_WORK/log/flows" 2>&1 || rc=$?
  [[ ",$rcs," == *",$rc,"* ]] || lab_die "command exited $rc (expected $rcs): $cmd"
  "$LAB_PY" - "$proto" "$(lab_pub "$orig")" "$(lab_pub "$resp")" "$port" "$state" "$cmd" "$note" "$history" >>"$LAB_FLOWS" <<'EOF'
import json, sys
p, o, r, port, st, cmd, note, hist = sys.argv[1:]
rec = {"proto": p, "orig_h": o, "resp_h": r, "resp_p": int(port), "expected_conn_state": st}
if hist:
    rec["expected_history"] = hist
rec.update({"made_by": cmd, "note": note})
print(json.dumps(rec))
EOF
  sleep "$pause"
}

# lab_finding [--remediation TEXT] [--inconclusive] RULE PROTO PORT HOST...
#   Records a finding in the `hosts` form: HOSTs (lab addresses) exactly in the order the finding's
#   `hosts` must have (merged findings: the sources sorted by address, then the responder; host-level
#   findings: the host). PROTO and PORT are '-' when the finding concerns no port.
lab_finding() {
  local remediation='' inconclusive=0 h
  while [[ $1 == --* ]]; do
    case $1 in --remediation) remediation=$2; shift 2 ;; --inconclusive) inconclusive=1; shift ;; *) lab_die "lab_finding: unknown option $1" ;; esac
  done
  local rule=$1 proto=$2 port=$3; shift 3
  local pubs=()
  for h in "$@"; do pubs+=("$(lab_pub "$h")"); done
  "$LAB_PY" - "$rule" "$proto" "$port" "$remediation" "$inconclusive" "${pubs[@]}" >>"$LAB_FINDINGS" <<'EOF'
import json, sys
rule, proto, port, remediation, inconclusive, *hosts = sys.argv[1:]
rec = {"rule": rule, "hosts": hosts}
if port != "-":
    rec["resp_p"] = int(port)
if proto != "-":
    rec["proto"] = proto
if remediation:
    rec["remediation"] = remediation
if inconclusive == "1":
    rec["inconclusive"] = True
print(json.dumps(rec))
EOF
}

# lab_finding_flow RULE PROTO ORIG RESP PORT — a finding in the older orig_h/resp_h/resp_p form
lab_finding_flow() {
  "$LAB_PY" -c 'import json,sys; rule,p,o,r,port=sys.argv[1:]; print(json.dumps({"rule":rule,"orig_h":o,"resp_h":r,"resp_p":int(port),"proto":p}))' \
    "$1" "$2" "$(lab_pub "$3")" "$(lab_pub "$4")" "$5" >>"$LAB_FINDINGS"
}

# lab_publish RAW OUTDIR NAME — OUTDIR/NAME.pcap (classic pcap) and NAME.pcapng: 127.10 -> 10.10,
# checksums fixed (loopback leaves them unfilled); each must be < 1 MB.
lab_publish() {
  local raw=$1 o=$2 name=$3 f size
  tcprewrite --pnat=127.10.0.0/16:10.10.0.0/16 --fixcsum --infile="$raw" --outfile="$o/$name.pcap" >"$LAB_WORK/log/tcprewrite" 2>&1
  editcap -F pcap "$o/$name.pcap" "$o/$name.pcap.tmp" && mv "$o/$name.pcap.tmp" "$o/$name.pcap"
  editcap -F pcapng "$o/$name.pcap" "$o/$name.pcapng"
  for f in "$name.pcap" "$name.pcapng"; do
    size=$(stat -c %s "$o/$f"); ((size < 1048576)) || lab_die "$f is $size bytes (limit 1 MB)"
  done
}

# lab_capture_seconds PCAP — last minus first packet time
lab_capture_seconds() { capinfos -u -T -r "$1" | awk -F'\t' '{print $2}'; }

# lab_write_truth OUTDIR NAME SITE_FILE_NAME [EXTRA_TOP_LEVEL_JSON] — OUTDIR/NAME.truth.json from the
# records (keys: capture, site, [extra], flows, findings)
lab_write_truth() {
  local o=$1 name=$2 site=$3 extra=${4:-'{}'}
  "$LAB_PY" - "$LAB_FLOWS" "$LAB_FINDINGS" "$o/$name.truth.json" "$name.pcap" "$site" "$extra" <<'EOF'
import json, sys
flows_f, findings_f, out, capture, site, extra = sys.argv[1:]
truth = {"capture": capture, "site": site}
truth.update(json.loads(extra))
truth["flows"] = [json.loads(l) for l in open(flows_f)]
truth["findings"] = [json.loads(l) for l in open(findings_f)]
with open(out, "w") as f:
    json.dump(truth, f, indent=2)
    f.write("\n")
EOF
}

# lab_check CHECKER OUTDIR NAME — run a truth checker on OUTDIR/NAME.{truth.json,pcap,pcapng}; its
# table goes to OUTDIR/NAME.check.txt; dies when the capture does not match the truth.
lab_check() {
  local checker=$1 o=$2 name=$3
  lab_say "checking $name against its truth with tshark"
  if ! "$LAB_PY" "$checker" "$o/$name.truth.json" "$o/$name.pcap" "$o/$name.pcapng" >"$o/$name.check.txt"; then
    lab_die "$name does not match what the script intended (tshark check above); nothing published"
  fi
  cat "$o/$name.check.txt" >&2
}
