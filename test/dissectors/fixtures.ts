/**
 * Unit fixtures: single frames whose bytes come from the public captures in ../shared/captures-public
 * (pasted as hex, one header field per line; the capture itself is never copied into the repository),
 * with the values tshark 4.0 decodes from the SAME frame. The `tshark` line of each fixture is tshark's
 * `-T fields` output for that frame, cut to the fields we compare: it is where the expected values come
 * from, not a run of our code.
 *
 * `source` names the capture and frame (and, for a prefix, how many bytes were pasted: the frame is then
 * decoded with origLen = the full frame length, exactly what a snaplen cut gives). fixtures.test.ts checks
 * every pasted fixture byte for byte against that capture when ../shared is present, so the hex cannot
 * drift from the real frame. `derived` fixtures re-wrap real bytes in a link layer no public capture has
 * (SOURCES.md "Gaps" 3: VLAN inside SLL/SLL2; raw IP, LINKTYPE_LOOP, big-endian LINKTYPE_NULL); their
 * `tshark` line comes from tshark run on a one-frame pcap holding exactly those bytes.
 */
import { DecodeStatus } from '../../dissectors/index.js';

/** IPv6 / ICMPv6 echo request of link/zeek-linux_dlt_sll2.pcap frame 3, without the SLL2 header (104 bytes) */
const IPV6_ICMP = `
      60 05 c2 e4                                      # IPv6 version 6, traffic class, flow label
      00 40                                            # payload length 64
      3a                                               # next header 58 (ICMPv6)
      40                                               # hop limit
      fe 80 00 00 00 00 00 00 8c 36 06 ff fe 44 ac af  # source fe80::8c36:6ff:fe44:acaf
      fe 80 00 00 00 00 00 00 8c 36 06 ff fe 44 ac af  # destination
      80 00 a8 d7 00 09 00 01 f8 bd f9 62 00 00 00 00  # ICMPv6 echo request
      ab 59 01 00 00 00 00 00 10 11 12 13 14 15 16 17
      18 19 1a 1b 1c 1d 1e 1f 20 21 22 23 24 25 26 27
      28 29 2a 2b 2c 2d 2e 2f 30 31 32 33 34 35 36 37
`;

/**
 * ip/libpcap-ipv6_ext_headers.pcap frame 1 (872 bytes): Hop-by-Hop, then 33 times Routing + Fragment
 * (atomic: offset 0, M 0, identification 1 + 3k) + Destination Options, then UDP. Written as its repeating
 * unit; the byte-exact check in fixtures.test.ts compares the expansion with the capture.
 */
const IPV6_EXT_CHAIN = [
  `
      00 00 00 00 00 02                                # Ethernet destination
      00 00 00 00 00 01                                # source
      86 dd                                            # EtherType 0x86dd
      60 00 00 00                                      # IPv6 version 6, traffic class, flow label
      03 32                                            # payload length 818
      00                                               # next header 0 (Hop-by-Hop)
      40                                               # hop limit
      20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01  # source 2001:db8::1
      20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 02  # destination 2001:db8::2
      2b 00 01 04 01 02 00 00                          # Hop-by-Hop: next 43, len 0 (8 bytes), PadN
  `,
  ...Array.from({ length: 33 }, (_, k) => `
      2c 00 00 00 00 00 00 00                          # Routing: next 44, len 0 (8 bytes)
      3c 00 00 00 ${(1 + 3 * k).toString(16).padStart(8, '0').replace(/(..)(?!$)/g, '$1 ')}  # Fragment: next 60, offset 0, M 0, id ${1 + 3 * k}
      ${k === 32 ? '11' : '2b'} 00 01 04 01 02 00 00   # Destination Options: next ${k === 32 ? '17 (UDP)' : '43'}, len 0, PadN
  `),
  `
      30 39                                            # UDP source port 12345
      d4 31                                            # destination port 54321
      00 12                                            # length 18
      be cf                                            # checksum
      54 65 73 74 50 61 63 6b 65 74                    # payload "TestPacket"
  `,
].join('');

export interface Want {
  status: DecodeStatus;
  truncated?: boolean;
  weird?: string;
  error?: string;
  etherType?: number;
  /** [count, outer, inner] */
  vlan?: [number, number, number];
  /** IP-in-IP tunnels decapsulated (view.tunnelDepth); 0 when absent */
  tunnel?: number;
  ip?: {
    v: 4 | 6;
    src: string;
    dst: string;
    totalLen: number;
    headerLen: number;
    protocol: number;
    /** [identification, offset in bytes] when a fragment */
    frag?: [number, number];
  };
  tcp?: { src: number; dst: number; flags: number; seq: number; ack: number; window: number; hdrLen: number; payloadLen: number };
  udp?: { src: number; dst: number; payloadLen: number };
}

export interface Fixture {
  name: string;
  linkType: number;
  /** capture, frame number, and bytes taken when only a prefix was pasted */
  source?: [file: string, frame: number, prefix?: number];
  /** how a derived fixture was made from real bytes */
  derived?: string;
  /** frame length on the wire; defaults to the pasted length */
  origLen?: number;
  tshark: string;
  hex: string;
  want: Want;
}

export const FIXTURES: Fixture[] = [
  {
    name: 'Ethernet / IPv4 / TCP SYN, no options',
    linkType: 1,
    source: ['tcp/zeek-syn-then-rst.pcap', 1],
    tshark: 'frame.len=54 frame.cap_len=54 frame.protocols=eth:ethertype:ip:tcp eth.type=0x0800 ip.src=1.1.1.1 ip.dst=1.1.1.2 ip.len=40 ip.hdr_len=20 ip.proto=6 ip.id=0x0001 ip.flags.mf=0 ip.frag_offset=0 tcp.srcport=13131 tcp.dstport=31313 tcp.flags=0x0002 tcp.seq_raw=0 tcp.ack_raw=0 tcp.window_size_value=8192 tcp.hdr_len=20 tcp.len=0',
    hex: `
       00 00 00 00 00 01  # Ethernet destination
       00 00 00 00 00 01  # source
       08 00              # EtherType 0x0800
       45                 # IPv4 version 4, IHL 5 (20 bytes)
       00                 # DSCP/ECN
       00 28              # total length 40
       00 01              # identification 0x0001
       00 00              # flags fragment offset 0 (x8 = 0 bytes)
       40                 # TTL
       06                 # protocol 6
       76 cb              # header checksum
       01 01 01 01        # source 1.1.1.1
       01 01 01 02        # destination 1.1.1.2
       33 4b              # TCP source port 13131
       7a 51              # destination port 31313
       00 00 00 00        # sequence 0
       00 00 00 00        # acknowledgment 0
       50                 # data offset 5 (20 bytes)
       02                 # flags 0x02
       20 00              # window 8192
       de 41              # checksum
       00 00              # urgent pointer
    `,
    want: {
      status: DecodeStatus.Transport,
      etherType: 0x0800,
      ip: { v: 4, src: '1.1.1.1', dst: '1.1.1.2', totalLen: 40, headerLen: 20, protocol: 6 },
      tcp: { src: 13131, dst: 31313, flags: 0x02, seq: 0, ack: 0, window: 8192, hdrLen: 20, payloadLen: 0 },
    },
  },
  {
    name: 'Ethernet / 802.1Q VID 0 / IPv4 / TCP SYN with 24 bytes of options',
    linkType: 1,
    source: ['link/zeek-http-vlan-0.pcap', 1],
    tshark: 'frame.len=82 frame.cap_len=82 frame.protocols=eth:ethertype:vlan:ethertype:ip:tcp vlan.id=0 eth.type=0x8100 ip.src=141.142.228.5 ip.dst=192.150.187.43 ip.len=64 ip.hdr_len=20 ip.proto=6 ip.id=0xdf8e ip.flags.mf=0 ip.frag_offset=0 tcp.srcport=59856 tcp.dstport=80 tcp.flags=0x0002 tcp.seq_raw=4263588410 tcp.ack_raw=0 tcp.window_size_value=65535 tcp.hdr_len=44 tcp.len=0',
    hex: `
       00 10 db 88 d2 ef                                                        # Ethernet destination
       c8 bc c8 96 d2 a0                                                        # source
       81 00                                                                    # EtherType 0x8100
       b0 00                                                                    # TCI: VLAN id 0
       08 00                                                                    # EtherType 0x0800
       45                                                                       # IPv4 version 4, IHL 5 (20 bytes)
       00                                                                       # DSCP/ECN
       00 40                                                                    # total length 64
       df 8e                                                                    # identification 0xdf8e
       40 00                                                                    # flags DF fragment offset 0 (x8 = 0 bytes)
       40                                                                       # TTL
       06                                                                       # protocol 6
       6d d3                                                                    # header checksum
       8d 8e e4 05                                                              # source 141.142.228.5
       c0 96 bb 2b                                                              # destination 192.150.187.43
       e9 d0                                                                    # TCP source port 59856
       00 50                                                                    # destination port 80
       fe 21 32 3a                                                              # sequence 4263588410
       00 00 00 00                                                              # acknowledgment 0
       b0                                                                       # data offset 11 (44 bytes)
       02                                                                       # flags 0x02
       ff ff                                                                    # window 65535
       3b c0                                                                    # checksum
       00 00                                                                    # urgent pointer
       02 04 05 b4 01 03 03 04 01 01 08 0a 16 4a dd 20 00 00 00 00 04 02 00 00  # TCP options
    `,
    want: {
      status: DecodeStatus.Transport,
      etherType: 0x0800,
      vlan: [1, 0, 0],
      ip: { v: 4, src: '141.142.228.5', dst: '192.150.187.43', totalLen: 64, headerLen: 20, protocol: 6 },
      tcp: { src: 59856, dst: 80, flags: 0x02, seq: 4263588410, ack: 0, window: 65535, hdrLen: 44, payloadLen: 0 },
    },
  },
  {
    name: 'Ethernet / 802.1ad S-tag 200 / 802.1Q C-tag 2001 / ARP (not IP)',
    linkType: 1,
    source: ['link/tcpdump-802.1ad_QinQ.pcap', 1],
    tshark: 'frame.len=64 frame.cap_len=64 frame.protocols=eth:ethertype:ieee8021ad:ethertype:vlan:ethertype:arp vlan.id=2001 ieee8021ad.id=200 eth.type=0x88a8',
    hex: `
       ff ff ff ff ff ff                                # Ethernet destination
       00 20 d2 5a fb 3f                                # source
       88 a8                                            # EtherType 0x88a8
       00 c8                                            # TCI: VLAN id 200
       81 00                                            # EtherType 0x8100
       07 d1                                            # TCI: VLAN id 2001
       08 06                                            # EtherType 0x0806
       00 01 08 00 06 04 00 01 00 20 d2 5a fb 3f ac 15  # payload
       4f 61 00 00 00 00 00 00 ac 15 4f 64 00 00 00 00
       00 00 00 00 00 00 00 00 00 00
    `,
    want: { status: DecodeStatus.NotIp, etherType: 0x0806, vlan: [2, 200, 2001] },
  },
  {
    name: 'Ethernet / 802.1Q VID 2308 / IPv4 / TCP PSH+ACK with 72 bytes of NBSS',
    linkType: 1,
    source: ['app/ndpi-netbios.pcap', 261],
    tshark: 'frame.len=130 frame.cap_len=130 frame.protocols=eth:ethertype:vlan:ethertype:ip:tcp:nbss vlan.id=2308 eth.type=0x8100 ip.src=10.19.71.184 ip.dst=10.17.113.129 ip.len=112 ip.hdr_len=20 ip.proto=6 ip.id=0x0f76 ip.flags.mf=0 ip.frag_offset=0 tcp.srcport=55489 tcp.dstport=139 tcp.flags=0x0018 tcp.seq_raw=610436200 tcp.ack_raw=3253803767 tcp.window_size_value=256 tcp.hdr_len=20 tcp.len=72',
    hex: `
       00 00 00 00 00 00                                # Ethernet destination
       00 0f 00 00 00 08                                # source
       81 00                                            # EtherType 0x8100
       09 04                                            # TCI: VLAN id 2308
       08 00                                            # EtherType 0x0800
       45                                               # IPv4 version 4, IHL 5 (20 bytes)
       00                                               # DSCP/ECN
       00 70                                            # total length 112
       0f 76                                            # identification 0x0f76
       40 00                                            # flags DF fragment offset 0 (x8 = 0 bytes)
       7b                                               # TTL
       06                                               # protocol 6
       22 b5                                            # header checksum
       0a 13 47 b8                                      # source 10.19.71.184
       0a 11 71 81                                      # destination 10.17.113.129
       d8 c1                                            # TCP source port 55489
       00 8b                                            # destination port 139
       24 62 84 68                                      # sequence 610436200
       c1 f1 1a f7                                      # acknowledgment 3253803767
       50                                               # data offset 5 (20 bytes)
       18                                               # flags 0x18
       01 00                                            # window 256
       2c 4a                                            # checksum
       00 00                                            # urgent pointer
       81 00 00 44 20 45 4a 45 43 45 4a 45 47 45 49 46  # payload / padding
       42 44 42 44 42 46 48 46 44 44 41 44 43 44 44 43
       41 43 41 43 41 00 20 46 43 45 50 46 44 45 47 45
       49 46 42 44 41 44 48 46 48 46 44 44 41 44 41 44
       45 43 41 43 41 41 41 00
    `,
    want: {
      status: DecodeStatus.Transport,
      etherType: 0x0800,
      vlan: [1, 2308, 2308],
      ip: { v: 4, src: '10.19.71.184', dst: '10.17.113.129', totalLen: 112, headerLen: 20, protocol: 6 },
      tcp: { src: 55489, dst: 139, flags: 0x18, seq: 610436200, ack: 3253803767, window: 256, hdrLen: 20, payloadLen: 72 },
    },
  },
  {
    name: 'Linux SLL v1 / IPv4 / TCP SYN',
    linkType: 113,
    source: ['link/tcpdump-tcp-handshake-nano.pcap', 1],
    tshark: 'frame.len=76 frame.cap_len=76 frame.protocols=sll:ethertype:ip:tcp sll.etype=0x0800 ip.src=131.155.215.69 ip.dst=137.116.81.94 ip.len=60 ip.hdr_len=20 ip.proto=6 ip.id=0x29a9 ip.flags.mf=0 ip.frag_offset=0 tcp.srcport=46656 tcp.dstport=80 tcp.flags=0x0002 tcp.seq_raw=797190859 tcp.ack_raw=0 tcp.window_size_value=27200 tcp.hdr_len=40 tcp.len=0',
    hex: `
       00 04                                                        # SLL packet type
       02 00                                                        # ARPHRD type 512
       00 00                                                        # address length
       00 00 00 00 00 00 00 00                                      # address
       08 00                                                        # protocol 0x0800
       45                                                           # IPv4 version 4, IHL 5 (20 bytes)
       00                                                           # DSCP/ECN
       00 3c                                                        # total length 60
       29 a9                                                        # identification 0x29a9
       40 00                                                        # flags DF fragment offset 0 (x8 = 0 bytes)
       40                                                           # TTL
       06                                                           # protocol 6
       db 5f                                                        # header checksum
       83 9b d7 45                                                  # source 131.155.215.69
       89 74 51 5e                                                  # destination 137.116.81.94
       b6 40                                                        # TCP source port 46656
       00 50                                                        # destination port 80
       2f 84 2a cb                                                  # sequence 797190859
       00 00 00 00                                                  # acknowledgment 0
       a0                                                           # data offset 10 (40 bytes)
       02                                                           # flags 0x02
       6a 40                                                        # window 27200
       50 c4                                                        # checksum
       00 00                                                        # urgent pointer
       02 04 05 50 04 02 08 0a 43 6a 03 62 00 00 00 00 01 03 03 07  # TCP options
    `,
    want: {
      status: DecodeStatus.Transport,
      etherType: 0x0800,
      ip: { v: 4, src: '131.155.215.69', dst: '137.116.81.94', totalLen: 60, headerLen: 20, protocol: 6 },
      tcp: { src: 46656, dst: 80, flags: 0x02, seq: 797190859, ack: 0, window: 27200, hdrLen: 40, payloadLen: 0 },
    },
  },
  {
    name: 'Linux SLL2 / IPv4 / ICMP echo (Network: no TCP/UDP)',
    linkType: 276,
    source: ['link/zeek-linux_dlt_sll2.pcap', 1],
    tshark: 'frame.len=104 frame.cap_len=104 frame.protocols=sll:ethertype:ip:icmp:data sll.etype=0x0800 ip.src=192.0.2.1 ip.dst=192.0.2.1 ip.len=84 ip.hdr_len=20 ip.proto=1 ip.id=0xaf8c ip.flags.mf=0 ip.frag_offset=0',
    hex: `
       08 00                                            # SLL2 protocol 0x0800
       00 00                                            # reserved
       00 00 00 01                                      # interface index
       03 04                                            # ARPHRD type 772
       00                                               # packet type
       06                                               # address length
       00 00 00 00 00 00 00 00                          # address
       45                                               # IPv4 version 4, IHL 5 (20 bytes)
       00                                               # DSCP/ECN
       00 54                                            # total length 84
       af 8c                                            # identification 0xaf8c
       40 00                                            # flags DF fragment offset 0 (x8 = 0 bytes)
       40                                               # TTL
       01                                               # protocol 1
       07 1a                                            # header checksum
       c0 00 02 01                                      # source 192.0.2.1
       c0 00 02 01                                      # destination 192.0.2.1
       08 00 66 b4 00 08 00 01 e9 bd f9 62 00 00 00 00  # payload / padding
       e2 4e 0d 00 00 00 00 00 10 11 12 13 14 15 16 17
       18 19 1a 1b 1c 1d 1e 1f 20 21 22 23 24 25 26 27
       28 29 2a 2b 2c 2d 2e 2f 30 31 32 33 34 35 36 37
    `,
    want: {
      status: DecodeStatus.Network,
      etherType: 0x0800,
      ip: { v: 4, src: '192.0.2.1', dst: '192.0.2.1', totalLen: 84, headerLen: 20, protocol: 1 },
    },
  },
  {
    name: 'Linux SLL2 / IPv6 / ICMPv6 echo',
    linkType: 276,
    source: ['link/zeek-linux_dlt_sll2.pcap', 3],
    tshark: 'frame.len=124 frame.cap_len=124 frame.protocols=sll:ethertype:ipv6:icmpv6:data sll.etype=0x86dd ipv6.src=fe80::8c36:6ff:fe44:acaf ipv6.dst=fe80::8c36:6ff:fe44:acaf ipv6.plen=64 ipv6.nxt=58',
    hex: `
       86 dd                                            # SLL2 protocol 0x86dd
       00 00                                            # reserved
       00 00 00 01                                      # interface index
       03 04                                            # ARPHRD type 772
       00                                               # packet type
       06                                               # address length
       00 00 00 00 00 00 00 00                          # address
       60 05 c2 e4                                      # IPv6 version 6, traffic class, flow label
       00 40                                            # payload length 64
       3a                                               # next header 58
       40                                               # hop limit
       fe 80 00 00 00 00 00 00 8c 36 06 ff fe 44 ac af  # source
       fe 80 00 00 00 00 00 00 8c 36 06 ff fe 44 ac af  # destination
       80 00 a8 d7 00 09 00 01 f8 bd f9 62 00 00 00 00  # payload / padding
       ab 59 01 00 00 00 00 00 10 11 12 13 14 15 16 17
       18 19 1a 1b 1c 1d 1e 1f 20 21 22 23 24 25 26 27
       28 29 2a 2b 2c 2d 2e 2f 30 31 32 33 34 35 36 37
    `,
    want: {
      status: DecodeStatus.Network,
      etherType: 0x86dd,
      ip: { v: 6, src: 'fe80::8c36:6ff:fe44:acaf', dst: 'fe80::8c36:6ff:fe44:acaf', totalLen: 104, headerLen: 40, protocol: 58 },
    },
  },
  {
    name: 'Linux SLL2 / ARP (not IP)',
    linkType: 276,
    source: ['link/zeek-linux_dlt_sll2.pcap', 5],
    tshark: 'frame.len=48 frame.cap_len=48 frame.protocols=sll:ethertype:arp sll.etype=0x0806',
    hex: `
       08 06                                            # SLL2 protocol 0x0806
       00 00                                            # reserved
       00 00 00 1a                                      # interface index
       00 01                                            # ARPHRD type 1
       04                                               # packet type
       06                                               # address length
       8e 36 06 44 ac af 00 00                          # address
       00 01 08 00 06 04 00 01 8e 36 06 44 ac af c0 00  # payload
       02 01 00 00 00 00 00 00 c0 00 02 02
    `,
    want: { status: DecodeStatus.NotIp, etherType: 0x0806 },
  },
  {
    name: 'BSD loopback (NULL, little-endian AF 2) / IPv4 / UDP, first 60 of 168 bytes (snaplen cut)',
    linkType: 0,
    source: ['format/pngtg-le-test006.pcapng', 2, 60],
    origLen: 168,
    tshark: 'frame.len=168 frame.cap_len=168 frame.protocols=null:ip:udp:db-lsp-disc:json ip.src=192.168.1.139 ip.dst=255.255.255.255 ip.len=164 ip.hdr_len=20 ip.proto=17 ip.id=0xc6ce ip.flags.mf=0 ip.frag_offset=0 udp.srcport=17500 udp.dstport=17500 udp.length=144',
    hex: `
       02 00 00 00                                      # BSD loopback AF (host byte order)
       45                                               # IPv4 version 4, IHL 5 (20 bytes)
       00                                               # DSCP/ECN
       00 a4                                            # total length 164
       c6 ce                                            # identification 0xc6ce
       00 00                                            # flags fragment offset 0 (x8 = 0 bytes)
       40                                               # TTL
       11                                               # protocol 17
       f1 47                                            # header checksum
       c0 a8 01 8b                                      # source 192.168.1.139
       ff ff ff ff                                      # destination 255.255.255.255
       44 5c                                            # UDP source port 17500
       44 5c                                            # destination port 17500
       00 90                                            # length 144
       ba 03                                            # checksum
       7b 22 68 6f 73 74 5f 69 6e 74 22 3a 20 34 30 39  # payload / padding
       34 35 31 34 34 38 33 2c 20 22 76 65
    `,
    want: {
      status: DecodeStatus.Transport,
      truncated: true,
      etherType: 0x0800,
      ip: { v: 4, src: '192.168.1.139', dst: '255.255.255.255', totalLen: 164, headerLen: 20, protocol: 17 },
      udp: { src: 17500, dst: 17500, payloadLen: 136 },
    },
  },
  {
    name: 'IPv4 first fragment (MF, offset 0) / UDP 123 -> 137; 4 bytes of Ethernet padding after total length 38',
    linkType: 1,
    source: ['ip/zeek-ipv4-fragmented-1.pcap', 1],
    tshark: 'frame.len=60 frame.cap_len=60 frame.protocols=eth:ethertype:ip:udp:ntp eth.type=0x0800 ip.src=164.1.123.163 ip.dst=164.1.123.61 ip.len=38 ip.hdr_len=20 ip.proto=17 ip.id=0x00f2 ip.flags.mf=1 ip.frag_offset=0 udp.srcport=123 udp.dstport=137 udp.length=18',
    hex: `
       00 60 97 12 2f 58                                # Ethernet destination
       00 20 af ba 78 65                                # source
       08 00                                            # EtherType 0x0800
       45                                               # IPv4 version 4, IHL 5 (20 bytes)
       00                                               # DSCP/ECN
       00 26                                            # total length 38
       00 f2                                            # identification 0x00f2
       20 00                                            # flags MF fragment offset 0 (x8 = 0 bytes)
       40                                               # TTL
       11                                               # protocol 17
       1a f2                                            # header checksum
       a4 01 7b a3                                      # source 164.1.123.163
       a4 01 7b 3d                                      # destination 164.1.123.61
       00 7b                                            # UDP source port 123
       00 89                                            # destination port 137
       00 12                                            # length 18
       bf e2                                            # checksum
       00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  # payload / padding
       00 00
    `,
    want: {
      status: DecodeStatus.Transport,
      etherType: 0x0800,
      ip: { v: 4, src: '164.1.123.163', dst: '164.1.123.61', totalLen: 38, headerLen: 20, protocol: 17, frag: [0x00f2, 0] },
      // UDP length 18 covers the whole datagram, not only this fragment
      udp: { src: 123, dst: 137, payloadLen: 10 },
    },
  },
  {
    name: 'IPv4 last fragment (offset 48): no transport header even though the data looks like one (first 64 of 150 bytes)',
    linkType: 1,
    source: ['ip/zeek-ipv4-fragmented-1.pcap', 2, 64],
    origLen: 150,
    tshark: 'frame.len=150 frame.cap_len=150 frame.protocols=eth:ethertype:ip:data eth.type=0x0800 ip.src=164.1.123.163 ip.dst=164.1.123.61 ip.len=136 ip.hdr_len=20 ip.proto=17 ip.id=0x00f2 ip.flags.mf=0 ip.frag_offset=6',
    hex: `
       00 60 97 12 2f 58                                # Ethernet destination
       00 20 af ba 78 65                                # source
       08 00                                            # EtherType 0x0800
       45                                               # IPv4 version 4, IHL 5 (20 bytes)
       00                                               # DSCP/ECN
       00 88                                            # total length 136
       00 f2                                            # identification 0x00f2
       00 06                                            # flags fragment offset 6 (x8 = 48 bytes)
       40                                               # TTL
       11                                               # protocol 17
       3a 8a                                            # header checksum
       a4 01 7b a3                                      # source 164.1.123.163
       a4 01 7b 3d                                      # destination 164.1.123.61
       00 7b 00 89 00 74 bf 1e 00 00 00 00 00 00 00 00  # fragment data
       00 00 00 00 00 00 00 00 00 00 00 00 00 00
    `,
    want: {
      status: DecodeStatus.Network,
      truncated: true,
      etherType: 0x0800,
      ip: { v: 4, src: '164.1.123.163', dst: '164.1.123.61', totalLen: 136, headerLen: 20, protocol: 17, frag: [0x00f2, 48] },
    },
  },
  {
    name: 'IPv6 / Fragment (offset 0, M) / UDP 53: first fragment of a DNS answer, first 96 of 1494 bytes',
    linkType: 1,
    source: ['ip/zeek-ipv6-fragmented-dns.pcap', 6, 96],
    origLen: 1494,
    tshark: 'frame.len=1494 frame.cap_len=1494 frame.protocols=eth:ethertype:ipv6:ipv6.fraghdr:udp:dns eth.type=0x86dd ipv6.src=2607:f740:b::f93 ipv6.dst=2001:470:1f11:81f:d138:5f55:6d4:1fe2 ipv6.plen=1440 ipv6.nxt=44 ipv6.fraghdr.offset=0 ipv6.fraghdr.more=1 ipv6.fraghdr.ident=0x00000002 udp.srcport=53 udp.dstport=51851 udp.length=3238',
    hex: `
       c4 2c 03 3b 6c aa                                # Ethernet destination
       d8 30 62 48 c5 b5                                # source
       86 dd                                            # EtherType 0x86dd
       60 00 00 00                                      # IPv6 version 6, traffic class, flow label
       05 a0                                            # payload length 1440
       2c                                               # next header 44
       35                                               # hop limit
       26 07 f7 40 00 0b 00 00 00 00 00 00 00 00 0f 93  # source
       20 01 04 70 1f 11 08 1f d1 38 5f 55 06 d4 1f e2  # destination
       11                                               # Fragment header: next header 17
       00                                               # reserved
       00 01                                            # offset 0 (x8 = 0 bytes), M=1
       00 00 00 02                                      # identification
       00 35                                            # UDP source port 53
       ca 8b                                            # destination port 51851
       0c a6                                            # length 3238
       68 8f                                            # checksum
       9f 91 85 00 00 01 00 01 00 01 00 02 0f 74 78 74  # payload / padding
       70 61 64 64 69 6e 67 5f 33 32
    `,
    want: {
      status: DecodeStatus.Transport,
      truncated: true,
      etherType: 0x86dd,
      ip: { v: 6, src: '2607:f740:b::f93', dst: '2001:470:1f11:81f:d138:5f55:6d4:1fe2', totalLen: 1480, headerLen: 48, protocol: 17, frag: [2, 0] },
      udp: { src: 53, dst: 51851, payloadLen: 3230 },
    },
  },
  {
    name: 'IPv6 / Fragment (offset 2896, last): no transport, first 80 of 404 bytes',
    linkType: 1,
    source: ['ip/zeek-ipv6-fragmented-dns.pcap', 4, 80],
    origLen: 404,
    tshark: 'frame.len=404 frame.cap_len=404 frame.protocols=eth:ethertype:ipv6:ipv6.fraghdr:data eth.type=0x86dd ipv6.src=2607:f740:b::f93 ipv6.dst=2001:470:1f11:81f:d138:5f55:6d4:1fe2 ipv6.plen=350 ipv6.nxt=44 ipv6.fraghdr.offset=362 ipv6.fraghdr.more=0 ipv6.fraghdr.ident=0x00000001',
    hex: `
       c4 2c 03 3b 6c aa                                # Ethernet destination
       d8 30 62 48 c5 b5                                # source
       86 dd                                            # EtherType 0x86dd
       60 00 00 00                                      # IPv6 version 6, traffic class, flow label
       01 5e                                            # payload length 350
       2c                                               # next header 44
       35                                               # hop limit
       26 07 f7 40 00 0b 00 00 00 00 00 00 00 00 0f 93  # source
       20 01 04 70 1f 11 08 1f d1 38 5f 55 06 d4 1f e2  # destination
       11                                               # Fragment header: next header 17
       00                                               # reserved
       0b 50                                            # offset 362 (x8 = 2896 bytes), M=0
       00 00 00 01                                      # identification
       58 58 58 58 58 58 58 58 58 58 58 58 58 58 58 58  # fragment data
       58 58
    `,
    want: {
      status: DecodeStatus.Network,
      truncated: true,
      etherType: 0x86dd,
      ip: { v: 6, src: '2607:f740:b::f93', dst: '2001:470:1f11:81f:d138:5f55:6d4:1fe2', totalLen: 390, headerLen: 48, protocol: 17, frag: [1, 2896] },
    },
  },
  {
    name: 'IPv6 / Routing header (type 0, 24 bytes) / UDP with empty payload',
    linkType: 1,
    source: ['ip/tcpdump-ipv6-routing-header.pcap', 3],
    tshark: 'frame.len=86 frame.cap_len=86 frame.protocols=eth:ethertype:ipv6:ipv6.routing:udp eth.type=0x86dd ipv6.src=2200::244:212:3fff:feae:22f7 ipv6.dst=2200::240:2:0:0:4 ipv6.plen=32 ipv6.nxt=43 ipv6.routing.type=0 ipv6.routing.segleft=1 ipv6.routing.src.addr=2200::210:2:0:0:4 _ws.expert.message=Routing header type is deprecated udp.srcport=5645 udp.dstport=5642 udp.length=8',
    hex: `
       00 13 c4 c7 84 f0                                                  # Ethernet destination
       00 12 3f ae 22 f7                                                  # source
       86 dd                                                              # EtherType 0x86dd
       60 00 00 00                                                        # IPv6 version 6, traffic class, flow label
       00 20                                                              # payload length 32
       2b                                                                 # next header 43
       04                                                                 # hop limit
       22 00 00 00 00 00 02 44 02 12 3f ff fe ae 22 f7                    # source
       22 00 00 00 00 00 02 40 00 02 00 00 00 00 00 04                    # destination
       11                                                                 # Routing header: next header 17
       02                                                                 # hdr ext len 2 (24 bytes)
       00 01 00 00 00 00 22 00 00 00 00 00 02 10 00 02 00 00 00 00 00 04  # Routing data
       16 0d                                                              # UDP source port 5645
       16 0a                                                              # destination port 5642
       00 08                                                              # length 8
       27 b6                                                              # checksum
    `,
    want: {
      status: DecodeStatus.Transport,
      // deprecated type 0 (RFC 5095), one segment left: dst is the final destination, the routing header's last
      // address (tshark's conversation table and Zeek key the flow on it)
      weird: 'ipv6_routing_type0',
      etherType: 0x86dd,
      ip: { v: 6, src: '2200::244:212:3fff:feae:22f7', dst: '2200::210:2:0:0:4', totalLen: 72, headerLen: 64, protocol: 17 },
      udp: { src: 5645, dst: 5642, payloadLen: 0 },
    },
  },
  {
    name: 'PPPoE session / PPP IPv4 / UDP syslog, first 80 of 379 bytes',
    linkType: 1,
    source: ['app/ndpi-syslog.pcap', 2, 80],
    origLen: 379,
    tshark: 'frame.len=379 frame.cap_len=379 frame.protocols=eth:ethertype:pppoes:ppp:ip:udp:syslog eth.type=0x8864 ip.src=95.136.242.54 ip.dst=93.20.126.48 ip.len=357 ip.hdr_len=20 ip.proto=17 ip.id=0x0000 ip.flags.mf=0 ip.frag_offset=0 udp.srcport=514 udp.dstport=514 udp.length=337',
    hex: `
       00 17 33 61 00 00                                # Ethernet destination
       e0 a1 d7 18 c2 73                                # source
       88 64                                            # EtherType 0x8864
       11                                               # PPPoE ver/type 0x11
       00                                               # code 0 (session data)
       1b 3d                                            # session id
       01 67                                            # PPPoE length
       00 21                                            # PPP protocol 0x0021
       45                                               # IPv4 version 4, IHL 5 (20 bytes)
       b4                                               # DSCP/ECN
       01 65                                            # total length 357
       00 00                                            # identification 0x0000
       40 00                                            # flags DF fragment offset 0 (x8 = 0 bytes)
       40                                               # TTL
       11                                               # protocol 17
       0b d1                                            # header checksum
       5f 88 f2 36                                      # source 95.136.242.54
       5d 14 7e 30                                      # destination 93.20.126.48
       02 02                                            # UDP source port 514
       02 02                                            # destination port 514
       01 51                                            # length 337
       1b 17                                            # checksum
       3c 32 36 3e 4a 61 6e 20 30 31 20 30 30 3a 30 31  # payload / padding
       3a 35 33 20 6e 62 36 20 6e 62 64 3a 20 30
    `,
    want: {
      status: DecodeStatus.Transport,
      truncated: true,
      etherType: 0x0800,
      ip: { v: 4, src: '95.136.242.54', dst: '93.20.126.48', totalLen: 357, headerLen: 20, protocol: 17 },
      udp: { src: 514, dst: 514, payloadLen: 329 },
    },
  },
  {
    name: 'IPv4 carrying IPv6 (6in4, protocol 41): the inner IPv6/UDP is the packet, first 96 of 480 bytes',
    linkType: 1,
    source: ['app/ndpi-syslog.pcap', 26, 96],
    origLen: 480,
    tshark: 'frame.len=480 frame.cap_len=480 frame.protocols=eth:ethertype:ip:ipv6:udp:syslog eth.type=0x0800 ip.src=193.24.227.10 ip.dst=216.66.86.114 ip.len=466 ip.hdr_len=20 ip.proto=41 ip.id=0x77ad ip.flags.mf=0 ip.frag_offset=0 ipv6.src=2001:470:6c:a1::2 ipv6.dst=2001:470:765b::b15:22 ipv6.plen=406 ipv6.nxt=17 udp.srcport=38159 udp.dstport=514 udp.length=406',
    hex: `
       00 10 db ff 10 00                                # Ethernet destination
       00 21 59 1f f1 0c                                # source
       08 00                                            # EtherType 0x0800
       45                                               # IPv4 version 4, IHL 5 (20 bytes)
       00                                               # DSCP/ECN
       01 d2                                            # total length 466
       77 ad                                            # identification 0x77ad
       00 00                                            # flags fragment offset 0 (x8 = 0 bytes)
       80                                               # TTL
       29                                               # protocol 41
       ee 7d                                            # header checksum
       c1 18 e3 0a                                      # source 193.24.227.10
       d8 42 56 72                                      # destination 216.66.86.114
       60 00 00 00 01 96 11 40 20 01 04 70 00 6c 00 a1  # payload / padding
       00 00 00 00 00 00 00 02 20 01 04 70 76 5b 00 00
       00 00 00 00 0b 15 00 22 95 0f 02 02 01 96 3d dd
       3c 31 33 33 3e 73 73 67 3a 20 4e 65 74 53
    `,
    want: {
      // decoded as tshark does: the inner IPv6 header and its UDP header (both within the 96 captured bytes)
      status: DecodeStatus.Transport,
      truncated: true,
      etherType: 0x0800,
      tunnel: 1,
      ip: { v: 6, src: '2001:470:6c:a1::2', dst: '2001:470:765b::b15:22', totalLen: 406 + 40, headerLen: 40, protocol: 17 },
      udp: { src: 38159, dst: 514, payloadLen: 406 - 8 },
    },
  },
  {
    name: 'TCP options cut by a 68-byte snaplen (data offset 40, 34 bytes captured): fixed header decoded',
    linkType: 1,
    source: ['broken/zeek-tcp-truncated-header.pcap', 1],
    origLen: 74,
    tshark: 'frame.len=74 frame.cap_len=68 frame.protocols=eth:ethertype:ip:tcp eth.type=0x0800 ip.src=201.186.157.67 ip.dst=128.3.26.249 ip.len=60 ip.hdr_len=20 ip.proto=6 ip.id=0x38e0 ip.flags.mf=0 ip.frag_offset=0 tcp.srcport=60827 tcp.dstport=25 tcp.flags=0x00c2 tcp.seq_raw=1041724894 tcp.ack_raw=0 tcp.window_size_value=5840 tcp.hdr_len=40 tcp.len=0',
    hex: `
       ea f6 1c 2d 9f d2                          # Ethernet destination
       80 0b 98 3b b9 ec                          # source
       08 00                                      # EtherType 0x0800
       45                                         # IPv4 version 4, IHL 5 (20 bytes)
       00                                         # DSCP/ECN
       00 3c                                      # total length 60
       38 e0                                      # identification 0x38e0
       40 00                                      # flags DF fragment offset 0 (x8 = 0 bytes)
       33                                         # TTL
       06                                         # protocol 6
       0c e2                                      # header checksum
       c9 ba 9d 43                                # source 201.186.157.67
       80 03 1a f9                                # destination 128.3.26.249
       ed 9b                                      # TCP source port 60827
       00 19                                      # destination port 25
       3e 17 75 de                                # sequence 1041724894
       00 00 00 00                                # acknowledgment 0
       a0                                         # data offset 10 (40 bytes)
       c2                                         # flags 0xc2
       16 d0                                      # window 5840
       90 d6                                      # checksum
       00 00                                      # urgent pointer
       02 04 05 b4 04 02 08 08 00 00 00 01 00 00  # TCP options
    `,
    want: {
      status: DecodeStatus.Transport,
      truncated: true,
      etherType: 0x0800,
      ip: { v: 4, src: '201.186.157.67', dst: '128.3.26.249', totalLen: 60, headerLen: 20, protocol: 6 },
      tcp: { src: 60827, dst: 25, flags: 0xc2, seq: 1041724894, ack: 0, window: 5840, hdrLen: 40, payloadLen: 0 },
    },
  },
  {
    name: 'only the Ethernet padding cut by the snaplen (54 of 60 bytes): every header complete, still truncated',
    linkType: 1,
    source: ['broken/zeek-tcp-truncated-header.pcap', 3],
    origLen: 60,
    tshark: 'frame.len=60 frame.cap_len=54 frame.protocols=eth:ethertype:ip:tcp eth.type=0x0800 ip.src=201.186.157.67 ip.dst=128.3.26.249 ip.len=40 ip.hdr_len=20 ip.proto=6 ip.id=0x658e ip.flags.mf=0 ip.frag_offset=0 tcp.srcport=60827 tcp.dstport=25 tcp.flags=0x0010 tcp.seq_raw=1041724895 tcp.ack_raw=1090081363 tcp.window_size_value=5840 tcp.hdr_len=20 tcp.len=0',
    hex: `
       ea f6 1c 2d 9f d2  # Ethernet destination
       80 0b 98 3b b9 ec  # source
       08 00              # EtherType 0x0800
       45                 # IPv4 version 4, IHL 5 (20 bytes)
       00                 # DSCP/ECN
       00 28              # total length 40
       65 8e              # identification 0x658e
       40 00              # flags DF fragment offset 0 (x8 = 0 bytes)
       33                 # TTL
       06                 # protocol 6
       e0 47              # header checksum
       c9 ba 9d 43        # source 201.186.157.67
       80 03 1a f9        # destination 128.3.26.249
       ed 9b              # TCP source port 60827
       00 19              # destination port 25
       3e 17 75 df        # sequence 1041724895
       40 f9 52 53        # acknowledgment 1090081363
       50                 # data offset 5 (20 bytes)
       10                 # flags 0x10
       16 d0              # window 5840
       62 12              # checksum
       00 00              # urgent pointer
    `,
    want: {
      status: DecodeStatus.Transport,
      truncated: true,
      etherType: 0x0800,
      ip: { v: 4, src: '201.186.157.67', dst: '128.3.26.249', totalLen: 40, headerLen: 20, protocol: 6 },
      tcp: { src: 60827, dst: 25, flags: 0x10, seq: 1041724895, ack: 1090081363, window: 5840, hdrLen: 20, payloadLen: 0 },
    },
  },
  {
    name: 'fuzzed: IPv4 total length 29440 in an 87-byte frame (weird; TCP payload bounded by the frame, as tshark)',
    linkType: 1,
    source: ['broken/ndpi-fuzz-2006-06-26-2594.pcap', 62],
    tshark: 'frame.len=87 frame.cap_len=87 frame.protocols=eth:ethertype:ip:tcp:data eth.type=0x0800 ip.src=147.234.1.253 ip.dst=192.168.1.2 ip.len=29440 ip.hdr_len=20 ip.proto=6 ip.id=0x790a ip.flags.mf=0 ip.frag_offset=0 tcp.srcport=120 tcp.dstport=2720 tcp.flags=0x0018 tcp.seq_raw=3844052486 tcp.ack_raw=2946351916 tcp.window_size_value=25462 tcp.hdr_len=20 tcp.len=33',
    hex: `
       00 e0 ed 01 6e bd                                # Ethernet destination
       00 30 54 00 34 56                                # source
       08 00                                            # EtherType 0x0800
       45                                               # IPv4 version 4, IHL 5 (20 bytes)
       25                                               # DSCP/ECN
       73 00                                            # total length 29440
       79 0a                                            # identification 0x790a
       40 00                                            # flags DF fragment offset 0 (x8 = 0 bytes)
       39                                               # TTL
       06                                               # protocol 6
       71 03                                            # header checksum
       93 ea 01 fd                                      # source 147.234.1.253
       c0 a8 01 02                                      # destination 192.168.1.2
       00 78                                            # TCP source port 120
       0a a0                                            # destination port 2720
       e5 1f 96 06                                      # sequence 3844052486
       af 9d c3 2c                                      # acknowledgment 2946351916
       50                                               # data offset 5 (20 bytes)
       18                                               # flags 0x18
       63 76                                            # window 25462
       d3 10                                            # checksum
       00 00                                            # urgent pointer
       20 2f 69 6e 63 6f 6d 69 6e 67 09 2d 25 73 00 6e  # payload / padding
       63 6f 6d 69 6e 67 20 46 6f 6c 64 65 72 2e 20 0d
       0a
    `,
    want: {
      status: DecodeStatus.Transport,
      weird: 'ip_total_length_exceeds_frame',
      etherType: 0x0800,
      ip: { v: 4, src: '147.234.1.253', dst: '192.168.1.2', totalLen: 29440, headerLen: 20, protocol: 6 },
      tcp: { src: 120, dst: 2720, flags: 0x18, seq: 3844052486, ack: 2946351916, window: 25462, hdrLen: 20, payloadLen: 33 },
    },
  },
  {
    name: 'fuzzed: UDP length 43690 > IP payload 52 (weird; payloadLen clamped to the IP payload)',
    linkType: 1,
    source: ['broken/ndpi-fuzz-2006-06-26-2594.pcap', 140],
    tshark: 'frame.len=86 frame.cap_len=86 frame.protocols=eth:ethertype:ip:udp:data eth.type=0x0800 ip.src=192.168.1.2 ip.dst=192.170.170.170 ip.len=72 ip.hdr_len=20 ip.proto=17 ip.id=0x6a24 ip.flags.mf=0 ip.frag_offset=0 udp.srcport=43690 udp.dstport=43690 udp.length=43690',
    hex: `
       00 30 54 00 34 56                                # Ethernet destination
       00 e0 ed 01 6e bd                                # source
       08 00                                            # EtherType 0x0800
       45                                               # IPv4 version 4, IHL 5 (20 bytes)
       00                                               # DSCP/ECN
       00 48                                            # total length 72
       6a 24                                            # identification 0x6a24
       00 00                                            # flags fragment offset 0 (x8 = 0 bytes)
       80                                               # TTL
       11                                               # protocol 17
       4d 2d                                            # header checksum
       c0 a8 01 02                                      # source 192.168.1.2
       c0 aa aa aa                                      # destination 192.170.170.170
       aa aa                                            # UDP source port 43690
       aa aa                                            # destination port 43690
       aa aa                                            # length 43690
       aa aa                                            # checksum
       aa aa aa aa aa aa aa aa aa aa aa aa aa aa aa aa  # payload / padding
       aa aa aa aa aa aa aa aa aa aa aa aa aa aa aa aa
       aa aa aa aa aa aa aa aa aa aa aa aa
    `,
    want: {
      status: DecodeStatus.Transport,
      weird: 'udp_length_exceeds_ip_payload',
      etherType: 0x0800,
      ip: { v: 4, src: '192.168.1.2', dst: '192.170.170.170', totalLen: 72, headerLen: 20, protocol: 17 },
      udp: { src: 43690, dst: 43690, payloadLen: 44 },
    },
  },
  {
    name: 'fuzzed: IPv4 version 5 (tshark: "Bogus IPv4 version") -> Malformed',
    linkType: 1,
    source: ['broken/ndpi-fuzz-2006-06-26-2594.pcap', 45],
    tshark: 'frame.len=62 frame.cap_len=62 frame.protocols=eth:ethertype:ip eth.type=0x0800',
    hex: `
       00 e0 ed 01 6e bd        # Ethernet destination
       00 30 54 00 34 56        # source
       08 00                    # EtherType 0x0800
       55                       # version 5 (bogus), IHL 5
       00                       # DSCP/ECN
       00 30                    # total length 48
       78 ff                    # identification 0x78ff
       40 00                    # flags DF fragment offset 0 (x8 = 0 bytes)
       39                       # TTL
       06                       # protocol 6
       71 37                    # header checksum
       93 ea 01 fd              # source 147.234.1.253
       c0 a8 01 02              # destination 192.168.1.2
       00 15                    # (not decoded) TCP source port 21
       0a a0                    # destination port 2720
       e5 1f 95 04              # sequence 3844052228
       af 9d c3 10              # acknowledgment 2946351888
       70                       # data offset 7 (28 bytes)
       12                       # flags 0x12
       63 36                    # window 25398
       d0 f0                    # checksum
       00 00                    # urgent pointer
       01 01 04 02 02 04 05 83  # TCP options
    `,
    want: { status: DecodeStatus.Malformed, error: 'ipv4_version_bogus', etherType: 0x0800 },
  },
  {
    name: 'fuzzed: IPv4 IHL 1 (tshark: "Bogus IP header length (4, must be at least 20)") -> Malformed',
    linkType: 1,
    source: ['broken/ndpi-fuzz-2006-06-26-2594.pcap', 303],
    tshark: 'frame.len=86 frame.cap_len=86 frame.protocols=eth:ethertype:ip eth.type=0x0800 ip.hdr_len=4',
    hex: `
       00 30 54 00 34 56                                # Ethernet destination
       00 e0 ed 01 6e bd                                # source
       08 00                                            # EtherType 0x0800
       41                                               # IPv4 version 4, IHL 1 (4 bytes: bogus, < 5)
       00                                               # DSCP/ECN
       00 48                                            # total length 72
       6a b3                                            # identification 0x6ab3
       00 00                                            # flags fragment offset 0 (x8 = 0 bytes)
       80                                               # TTL
       11                                               # protocol 17
       4c 9e                                            # header checksum
       f1 a8 01 02                                      # source 241.168.1.2
       c0 a8 01 01                                      # destination 192.168.1.1
       0a c8                                            # (not decoded) UDP source port 2760
       00 35                                            # destination port 53
       00 34                                            # length 52
       70 08                                            # checksum
       b9 f4 01 00 00 01 00 00 00 00 00 00 04 5f 73 69  # payload / padding
       70 04 5f 75 64 70 03 73 69 70 09 63 79 62 65 72
       63 69 74 79 02 64 6b 00 00 21 00 01
    `,
    want: { status: DecodeStatus.Malformed, error: 'ipv4_header_length_bogus', etherType: 0x0800 },
  },
  {
    name: 'fuzzed: IHL 7 with total length 40 leaves 12 bytes for TCP (tshark: Malformed Packet) -> Malformed',
    linkType: 1,
    source: ['broken/ndpi-fuzz-2006-06-26-2594.pcap', 86],
    tshark: 'frame.len=54 frame.cap_len=54 frame.protocols=eth:ethertype:ip:tcp eth.type=0x0800 ip.src=192.168.1.2 ip.dst=147.234.1.253 ip.len=40 ip.hdr_len=28 ip.proto=6 ip.id=0x69bc ip.flags.mf=0 ip.frag_offset=0 tcp.srcport=58657 tcp.dstport=47645',
    hex: `
       00 30 54 00 34 56                    # Ethernet destination
       00 e0 ed 01 6e bd                    # source
       08 00                                # EtherType 0x0800
       47                                   # IPv4 version 4, IHL 7 (28 bytes)
       00                                   # DSCP/ECN
       00 28                                # total length 40
       69 bc                                # identification 0x69bc
       40 00                                # flags DF fragment offset 0 (x8 = 0 bytes)
       80                                   # TTL
       06                                   # protocol 6
       39 82                                # header checksum
       c0 a8 01 02                          # source 192.168.1.2
       93 ea 01 fd                          # destination 147.234.1.253
       0a a1 e6 77 1b ea 98 8b              # IPv4 options
       e5 21 ba 1d 50 10 42 24 d1 50 00 00  # 12 bytes left for TCP (ports 58657 -> 47645, seq 0x501042 24...): < 20
    `,
    want: {
      status: DecodeStatus.Malformed,
      error: 'tcp_header_exceeds_segment',
      etherType: 0x0800,
      // the IP layer before the failing one stays decoded
      ip: { v: 4, src: '192.168.1.2', dst: '147.234.1.253', totalLen: 40, headerLen: 28, protocol: 6 },
    },
  },

  {
    name: 'IPv6 / Hop-by-Hop / 33 x (Routing, atomic Fragment, Destination Options) / UDP',
    linkType: 1,
    source: ['ip/libpcap-ipv6_ext_headers.pcap', 1],
    tshark: 'frame.len=872 frame.cap_len=872 frame.protocols=eth:ethertype:ipv6:ipv6.hopopts:ipv6.routing:ipv6.fraghdr:ipv6.dstopts:(x33):udp:data ipv6.src=2001:db8::1 ipv6.dst=2001:db8::2 ipv6.plen=818 ipv6.nxt=0 ipv6.routing.type=0 (x33) ipv6.routing.segleft=0 (x33) _ws.expert.message=Routing header type is deprecated ipv6.fraghdr.offset=0 (x33) ipv6.fraghdr.more=0 (x33) udp.srcport=12345 udp.dstport=54321 udp.length=18',
    hex: IPV6_EXT_CHAIN,
    want: {
      status: DecodeStatus.Transport,
      // type 0 with no segment left: flagged, the destination stays
      weird: 'ipv6_routing_type0',
      etherType: 0x86dd,
      // atomic fragments (offset 0, M 0; RFC 6946) are not fragments
      ip: { v: 6, src: '2001:db8::1', dst: '2001:db8::2', totalLen: 858, headerLen: 40 + 8 + 33 * 24, protocol: 17 },
      udp: { src: 12345, dst: 54321, payloadLen: 10 },
    },
  },

  // ---- derived: real bytes in another link layer (no public capture has these link layers) ----
  {
    name: 'Ethernet / IPv4 with a 4-byte option (IHL 6) / TCP SYN',
    linkType: 1,
    derived: 'tcp/zeek-syn-then-rst.pcap frame 1 with an IPv4 Router Alert option inserted (IHL 6, total length 44; checksum left as is)',
    tshark: 'frame.len=58 frame.cap_len=58 frame.protocols=eth:ethertype:ip:tcp ip.src=1.1.1.1 ip.dst=1.1.1.2 ip.len=44 ip.hdr_len=24 ip.proto=6 tcp.srcport=13131 tcp.dstport=31313 tcp.flags=0x0002 tcp.seq_raw=0 tcp.ack_raw=0 tcp.window_size_value=8192 tcp.hdr_len=20 tcp.len=0',
    hex: `
      00 00 00 00 00 01 00 00 00 00 00 01  # Ethernet destination, source
      08 00                                # EtherType IPv4
      46                                   # IPv4 version 4, IHL 6 (24 bytes)
      00 00 2c                             # DSCP/ECN, total length 44
      00 01 00 00 40 06 76 cb              # id 1, no fragment, TTL 64, protocol 6, checksum
      01 01 01 01 01 01 01 02              # 1.1.1.1 -> 1.1.1.2
      94 04 00 00                          # option: Router Alert (RFC 2113)
      33 4b 7a 51 00 00 00 00 00 00 00 00  # TCP 13131 -> 31313, seq 0, ack 0
      50 02 20 00 de 41 00 00              # data offset 5, SYN, window 8192
    `,
    want: {
      status: DecodeStatus.Transport,
      etherType: 0x0800,
      ip: { v: 4, src: '1.1.1.1', dst: '1.1.1.2', totalLen: 44, headerLen: 24, protocol: 6 },
      tcp: { src: 13131, dst: 31313, flags: 0x02, seq: 0, ack: 0, window: 8192, hdrLen: 20, payloadLen: 0 },
    },
  },
  {
    name: 'Ethernet / IPv6 / Authentication Header (24 bytes) / UDP',
    linkType: 1,
    derived: 'ip/tcpdump-ipv6-routing-header.pcap frame 3 with the 24-byte Routing header replaced by a 24-byte AH',
    tshark: 'frame.len=86 frame.cap_len=86 frame.protocols=eth:ethertype:ipv6:ah:udp ipv6.src=2200::244:212:3fff:feae:22f7 ipv6.dst=2200::240:2:0:0:4 ipv6.plen=32 ipv6.nxt=51 udp.srcport=5645 udp.dstport=5642 udp.length=8',
    hex: `
      00 13 c4 c7 84 f0 00 12 3f ae 22 f7              # Ethernet destination, source
      86 dd                                            # EtherType IPv6
      60 00 00 00 00 20                                # IPv6, payload length 32
      33                                               # next header 51 (AH)
      04                                               # hop limit
      22 00 00 00 00 00 02 44 02 12 3f ff fe ae 22 f7  # source
      22 00 00 00 00 00 02 40 00 02 00 00 00 00 00 04  # destination
      11                                               # AH: next header 17
      04                                               # payload length 4 ((4 + 2) * 4 = 24 bytes)
      00 00 00 00 10 00 00 00 00 01                    # reserved, SPI 0x1000, sequence 1
      a0 a1 a2 a3 a4 a5 a6 a7 a8 a9 aa ab              # ICV (12 bytes)
      16 0d 16 0a 00 08 27 b6                          # UDP 5645 -> 5642, length 8
    `,
    want: {
      status: DecodeStatus.Transport,
      etherType: 0x86dd,
      ip: { v: 6, src: '2200::244:212:3fff:feae:22f7', dst: '2200::240:2:0:0:4', totalLen: 72, headerLen: 64, protocol: 17 },
      udp: { src: 5645, dst: 5642, payloadLen: 0 },
    },
  },
  {
    name: 'Ethernet / IPv6 / ESP: the walk stops (Network, protocol 50)',
    linkType: 1,
    derived: 'ip/tcpdump-ipv6-routing-header.pcap frame 3 with next header 50 and 32 bytes of ESP',
    tshark: 'frame.len=86 frame.cap_len=86 frame.protocols=eth:ethertype:ipv6:esp ipv6.src=2200::244:212:3fff:feae:22f7 ipv6.dst=2200::240:2:0:0:4 ipv6.plen=32 ipv6.nxt=50',
    hex: `
      00 13 c4 c7 84 f0 00 12 3f ae 22 f7              # Ethernet destination, source
      86 dd                                            # EtherType IPv6
      60 00 00 00 00 20                                # IPv6, payload length 32
      32                                               # next header 50 (ESP)
      04                                               # hop limit
      22 00 00 00 00 00 02 44 02 12 3f ff fe ae 22 f7  # source
      22 00 00 00 00 00 02 40 00 02 00 00 00 00 00 04  # destination
      00 00 10 00 00 00 00 01                          # ESP SPI 0x1000, sequence 1
      b0 b1 b2 b3 b4 b5 b6 b7 b8 b9 ba bb bc bd be bf  # encrypted
      c0 c1 c2 c3 c4 c5 c6 c7
    `,
    want: {
      status: DecodeStatus.Network,
      etherType: 0x86dd,
      ip: { v: 6, src: '2200::244:212:3fff:feae:22f7', dst: '2200::240:2:0:0:4', totalLen: 72, headerLen: 40, protocol: 50 },
    },
  },
  {
    name: 'LINKTYPE_RAW (101) / IPv4 / TCP SYN',
    linkType: 101,
    derived: 'the IPv4 packet of tcp/zeek-syn-then-rst.pcap frame 1 without its Ethernet header',
    tshark: 'frame.protocols=raw:ip:tcp ip.src=1.1.1.1 ip.dst=1.1.1.2 ip.len=40 ip.hdr_len=20 ip.proto=6 tcp.srcport=13131 tcp.dstport=31313 tcp.flags=0x0002 tcp.seq_raw=0 tcp.ack_raw=0 tcp.window_size_value=8192 tcp.hdr_len=20 tcp.len=0',
    hex: `
      45 00 00 28 00 01 00 00 40 06 76 cb  # IPv4, total length 40, protocol 6
      01 01 01 01 01 01 01 02              # 1.1.1.1 -> 1.1.1.2
      33 4b 7a 51 00 00 00 00 00 00 00 00  # TCP 13131 -> 31313, seq 0, ack 0
      50 02 20 00 de 41 00 00              # data offset 5, SYN, window 8192
    `,
    want: {
      status: DecodeStatus.Transport,
      etherType: 0x0800,
      ip: { v: 4, src: '1.1.1.1', dst: '1.1.1.2', totalLen: 40, headerLen: 20, protocol: 6 },
      tcp: { src: 13131, dst: 31313, flags: 0x02, seq: 0, ack: 0, window: 8192, hdrLen: 20, payloadLen: 0 },
    },
  },
  {
    name: 'LINKTYPE_IPV4 (228) / IPv4 / TCP SYN',
    linkType: 228,
    derived: 'the IPv4 packet of tcp/zeek-syn-then-rst.pcap frame 1 without its Ethernet header',
    tshark: 'frame.protocols=ip:tcp ip.src=1.1.1.1 ip.dst=1.1.1.2 ip.len=40 tcp.srcport=13131 tcp.dstport=31313 tcp.flags=0x0002',
    hex: `
      45 00 00 28 00 01 00 00 40 06 76 cb  # IPv4, total length 40, protocol 6
      01 01 01 01 01 01 01 02              # 1.1.1.1 -> 1.1.1.2
      33 4b 7a 51 00 00 00 00 00 00 00 00  # TCP 13131 -> 31313, seq 0, ack 0
      50 02 20 00 de 41 00 00              # data offset 5, SYN, window 8192
    `,
    want: {
      status: DecodeStatus.Transport,
      etherType: 0x0800,
      ip: { v: 4, src: '1.1.1.1', dst: '1.1.1.2', totalLen: 40, headerLen: 20, protocol: 6 },
      tcp: { src: 13131, dst: 31313, flags: 0x02, seq: 0, ack: 0, window: 8192, hdrLen: 20, payloadLen: 0 },
    },
  },
  {
    name: 'LINKTYPE_IPV6 (229) / IPv6 / ICMPv6',
    linkType: 229,
    derived: 'the IPv6 packet of link/zeek-linux_dlt_sll2.pcap frame 3 without its SLL2 header',
    tshark: 'frame.protocols=ipv6:icmpv6:data ipv6.src=fe80::8c36:6ff:fe44:acaf ipv6.dst=fe80::8c36:6ff:fe44:acaf ipv6.plen=64 ipv6.nxt=58',
    hex: IPV6_ICMP,
    want: {
      status: DecodeStatus.Network,
      etherType: 0x86dd,
      ip: { v: 6, src: 'fe80::8c36:6ff:fe44:acaf', dst: 'fe80::8c36:6ff:fe44:acaf', totalLen: 104, headerLen: 40, protocol: 58 },
    },
  },
  {
    name: 'LINKTYPE_RAW (101) / IPv6 / ICMPv6',
    linkType: 101,
    derived: 'the IPv6 packet of link/zeek-linux_dlt_sll2.pcap frame 3 without its SLL2 header',
    tshark: 'frame.protocols=raw:ipv6:icmpv6:data ipv6.src=fe80::8c36:6ff:fe44:acaf ipv6.dst=fe80::8c36:6ff:fe44:acaf ipv6.plen=64 ipv6.nxt=58',
    hex: IPV6_ICMP,
    want: {
      status: DecodeStatus.Network,
      etherType: 0x86dd,
      ip: { v: 6, src: 'fe80::8c36:6ff:fe44:acaf', dst: 'fe80::8c36:6ff:fe44:acaf', totalLen: 104, headerLen: 40, protocol: 58 },
    },
  },
  {
    name: 'LINKTYPE_NULL (0), big-endian AF 2 / IPv4 / TCP SYN',
    linkType: 0,
    derived: 'AF_INET as a big-endian host writes it, then the IPv4 packet of tcp/zeek-syn-then-rst.pcap frame 1',
    tshark: 'frame.protocols=null:ip:tcp ip.src=1.1.1.1 ip.dst=1.1.1.2 ip.len=40 tcp.srcport=13131 tcp.dstport=31313 tcp.flags=0x0002',
    hex: `
      00 00 00 02                          # AF_INET, big-endian
      45 00 00 28 00 01 00 00 40 06 76 cb  # IPv4, total length 40, protocol 6
      01 01 01 01 01 01 01 02              # 1.1.1.1 -> 1.1.1.2
      33 4b 7a 51 00 00 00 00 00 00 00 00  # TCP 13131 -> 31313, seq 0, ack 0
      50 02 20 00 de 41 00 00              # data offset 5, SYN, window 8192
    `,
    want: {
      status: DecodeStatus.Transport,
      etherType: 0x0800,
      ip: { v: 4, src: '1.1.1.1', dst: '1.1.1.2', totalLen: 40, headerLen: 20, protocol: 6 },
      tcp: { src: 13131, dst: 31313, flags: 0x02, seq: 0, ack: 0, window: 8192, hdrLen: 20, payloadLen: 0 },
    },
  },
  {
    name: 'LINKTYPE_LOOP (108), AF 2 / IPv4 / TCP SYN',
    linkType: 108,
    derived: 'AF_INET in network byte order, then the IPv4 packet of tcp/zeek-syn-then-rst.pcap frame 1',
    tshark: 'frame.protocols=null:ip:tcp ip.src=1.1.1.1 ip.dst=1.1.1.2 ip.len=40 tcp.srcport=13131 tcp.dstport=31313 tcp.flags=0x0002',
    hex: `
      00 00 00 02                          # AF_INET, network byte order
      45 00 00 28 00 01 00 00 40 06 76 cb  # IPv4, total length 40, protocol 6
      01 01 01 01 01 01 01 02              # 1.1.1.1 -> 1.1.1.2
      33 4b 7a 51 00 00 00 00 00 00 00 00  # TCP 13131 -> 31313, seq 0, ack 0
      50 02 20 00 de 41 00 00              # data offset 5, SYN, window 8192
    `,
    want: {
      status: DecodeStatus.Transport,
      etherType: 0x0800,
      ip: { v: 4, src: '1.1.1.1', dst: '1.1.1.2', totalLen: 40, headerLen: 20, protocol: 6 },
      tcp: { src: 13131, dst: 31313, flags: 0x02, seq: 0, ack: 0, window: 8192, hdrLen: 20, payloadLen: 0 },
    },
  },
  ...[
    ['1e 00 00 00', 0, 'LINKTYPE_NULL (0), little-endian AF 30 (macOS AF_INET6)'],
    ['00 00 00 18', 0, 'LINKTYPE_NULL (0), big-endian AF 24 (NetBSD/OpenBSD AF_INET6)'],
    ['1c 00 00 00', 0, 'LINKTYPE_NULL (0), little-endian AF 28 (FreeBSD AF_INET6)'],
    ['00 00 00 18', 108, 'LINKTYPE_LOOP (108), AF 24 (OpenBSD AF_INET6)'],
  ].map(([af, linkType, name]): Fixture => ({
    name: `${name} / IPv6 / ICMPv6`,
    linkType: linkType as number,
    derived: 'the AF value, then the IPv6 packet of link/zeek-linux_dlt_sll2.pcap frame 3',
    tshark: 'frame.protocols=null:ipv6:icmpv6:data ipv6.src=fe80::8c36:6ff:fe44:acaf ipv6.dst=fe80::8c36:6ff:fe44:acaf ipv6.plen=64 ipv6.nxt=58',
    hex: `${af} # address family\n${IPV6_ICMP}`,
    want: {
      status: DecodeStatus.Network,
      etherType: 0x86dd,
      ip: { v: 6, src: 'fe80::8c36:6ff:fe44:acaf', dst: 'fe80::8c36:6ff:fe44:acaf', totalLen: 104, headerLen: 40, protocol: 58 },
    },
  })),
  {
    name: 'Linux SLL v1 / 802.1Q VID 100 / IPv4 / TCP SYN (SOURCES.md recipe R2)',
    linkType: 113,
    derived: 'link/tcpdump-tcp-handshake-nano.pcap frame 1 with SLL protocol 0x8100 and a tag (VID 100) inserted',
    tshark: 'frame.protocols=sll:ethertype:vlan:ethertype:ip:tcp vlan.id=100 sll.etype=0x8100 ip.src=131.155.215.69 ip.dst=137.116.81.94 ip.len=60 tcp.srcport=46656 tcp.dstport=80 tcp.flags=0x0002 tcp.seq_raw=797190859 tcp.window_size_value=27200 tcp.hdr_len=40 tcp.len=0',
    hex: `
      00 04 02 00 00 00 00 00 00 00 00 00 00 00  # SLL packet type 4, ARPHRD 512, no address
      81 00                                      # protocol 0x8100
      00 64                                      # TCI: VLAN id 100
      08 00                                      # EtherType IPv4
      45 00 00 3c 29 a9 40 00 40 06 db 5f        # IPv4, total length 60, protocol 6
      83 9b d7 45 89 74 51 5e                    # 131.155.215.69 -> 137.116.81.94
      b6 40 00 50 2f 84 2a cb 00 00 00 00        # TCP 46656 -> 80, seq 797190859
      a0 02 6a 40 50 c4 00 00                    # data offset 10 (40), SYN, window 27200
      02 04 05 50 04 02 08 0a 43 6a 03 62 00 00 00 00 01 03 03 07  # TCP options
    `,
    want: {
      status: DecodeStatus.Transport,
      etherType: 0x0800,
      vlan: [1, 100, 100],
      ip: { v: 4, src: '131.155.215.69', dst: '137.116.81.94', totalLen: 60, headerLen: 20, protocol: 6 },
      tcp: { src: 46656, dst: 80, flags: 0x02, seq: 797190859, ack: 0, window: 27200, hdrLen: 40, payloadLen: 0 },
    },
  },
  {
    name: 'Linux SLL2 / 802.1Q VID 100 / IPv6 / ICMPv6 (SOURCES.md recipe R2)',
    linkType: 276,
    derived: 'link/zeek-linux_dlt_sll2.pcap frame 3 with SLL2 protocol 0x8100 and a tag (VID 100) inserted',
    tshark: 'frame.protocols=sll:ethertype:vlan:ethertype:ipv6:icmpv6:data vlan.id=100 sll.etype=0x8100 ipv6.src=fe80::8c36:6ff:fe44:acaf ipv6.dst=fe80::8c36:6ff:fe44:acaf ipv6.plen=64 ipv6.nxt=58',
    hex: `
      81 00                                      # SLL2 protocol 0x8100
      00 00 00 00 00 01 03 04 00 06              # reserved, ifindex 1, ARPHRD 772, packet type 0, addr len 6
      00 00 00 00 00 00 00 00                    # address
      00 64                                      # TCI: VLAN id 100
      86 dd                                      # EtherType IPv6
      ${IPV6_ICMP}
    `,
    want: {
      status: DecodeStatus.Network,
      etherType: 0x86dd,
      vlan: [1, 100, 100],
      ip: { v: 6, src: 'fe80::8c36:6ff:fe44:acaf', dst: 'fe80::8c36:6ff:fe44:acaf', totalLen: 104, headerLen: 40, protocol: 58 },
    },
  },
];
