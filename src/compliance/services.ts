/**
 * Effective SEP services for one analysis: the catalogue's entries with the site's port overrides
 * applied, indexed by (transport, responder port) for classification.
 */
import { catalogue, type CatalogueEntry } from '../../catalogue/index.js';
import type { SiteProfile } from './profile.js';

/** A catalogue entry with the ports in force at this site. */
export interface Service {
  entry: CatalogueEntry;
  /** TCP/UDP port numbers in force (the site's override, or the catalogue default) */
  ports: readonly number[];
  /** true when `ports` come from the site profile */
  overridden: boolean;
}

/** Lookup of services by transport and responder port. Build once per analysis. */
export class ServiceIndex {
  readonly services: readonly Service[];
  private readonly tcp = new Map<number, Service[]>();
  private readonly udp = new Map<number, Service[]>();
  /** 1 where a TCP / UDP port is some service's listening port: the flow table's hot-path predicate */
  private readonly tcpMask = new Uint8Array(65536);
  private readonly udpMask = new Uint8Array(65536);

  constructor(profile: SiteProfile) {
    this.services = catalogue.map((entry) => {
      const o = profile.ports[entry.id];
      return { entry, ports: o ?? entry.ports, overridden: o !== undefined };
    });
    for (const s of this.services) {
      const map = s.entry.transport === 'tcp' ? this.tcp : this.udp;
      const mask = s.entry.transport === 'tcp' ? this.tcpMask : this.udpMask;
      for (const p of s.ports) {
        let list = map.get(p);
        if (!list) map.set(p, (list = []));
        list.push(s);
        mask[p] = 1;
      }
    }
  }

  /**
   * Services listening on `port` over `proto`.
   * @param proto IP protocol number (6 TCP, 17 UDP)
   * @returns services in catalogue order (empty when none)
   */
  byPort(proto: number, port: number): readonly Service[] {
    return (proto === 6 ? this.tcp : proto === 17 ? this.udp : undefined)?.get(port) ?? [];
  }

  /** Hot-path predicate for the flow table (see FlowTable): is `port` a SEP listening port? */
  readonly isServicePort = (proto: number, port: number): boolean =>
    proto === 6 ? this.tcpMask[port] === 1 : proto === 17 ? this.udpMask[port] === 1 : false;

  /** The service with catalogue id `id`. */
  byId(id: string): Service | undefined {
    return this.services.find((s) => s.entry.id === id);
  }
}
