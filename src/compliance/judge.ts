/**
 * judge: the whole compliance pass over a finished set of flow records — host roles, classification,
 * evidence quality, expected flows, rules and the per-host matrix. Pure: the same input gives the same
 * output; `sepflow analyse`, `replay` and `live` all call it.
 *
 * Made for large captures (issue 6): the records are read once to build the host table (hosts numbered, with
 * their totals, each flow's candidate services, answered and blocked status, the evidence counts and pass 1
 * of the role inference), once for pass 2, once to classify (one classifyFlow per distinct port and roles).
 * Expectations, rules and matrix then work on record indices, host numbers and those per-flow facts
 * (facts.ts) instead of re-deriving them per record. The exported stage functions still work alone, on any
 * records, classes and hosts; test/compliance/reference.test.ts holds both paths to the pre-rewrite results.
 */
import type { FlowRecord } from '../flow/record.js';
import { classifyAll, type Classification } from './classify.js';
import { evidenceQuality, type EvidenceQuality } from './evidence.js';
import { expectationsWithFlows as deriveExpectations, type Expectation } from './expected.js';
import { matrixOf, type HostRow } from './matrix.js';
import type { SiteProfile } from './profile.js';
import { flowFacts } from './facts.js';
import { buildHostTable, type HostInfo } from './roles.js';
import { evaluate, type Finding } from './rules.js';
import type { ServiceIndex } from './services.js';

export interface JudgeInput {
  records: readonly FlowRecord[];
  services: ServiceIndex;
  profile: SiteProfile;
  /** host names from the capture (address → name), e.g. pcapng name-resolution blocks */
  names?: ReadonlyMap<string, string>;
  /** last − first packet time, seconds */
  captureSeconds: number;
  /** packets the capturing system dropped, when known */
  droppedPackets?: number | null;
  /** duplicate frames counted while reading, when measured */
  duplicateFrames?: number | null;
}

export interface Judgement {
  hosts: Map<string, HostInfo>;
  classes: Map<string, Classification>;
  evidence: EvidenceQuality;
  expectations: Expectation[];
  findings: Finding[];
  matrix: HostRow[];
}

export function judge(input: JudgeInput): Judgement {
  const { records, services, profile } = input;
  const table = buildHostTable(records, services, profile, input.names);
  const hosts = table.hosts;
  const { classes, cls } = classifyAll(records, services, table);
  const facts = flowFacts(records, classes, hosts, { cls, table });
  const evidence = evidenceQuality(table.tcpSides, input.captureSeconds, profile.policy.heartbeatSeconds, input.droppedPackets ?? null, input.duplicateFrames ?? null);
  const { expectations, flowsOf } = deriveExpectations({ records, classes, hosts, profile, services, evidence, facts });
  const findings = evaluate({ records, classes, hosts, profile, services, evidence, expectations, facts });
  const matrix = matrixOf(records, hosts, expectations, profile.sepVersion, facts, flowsOf);
  return { hosts, classes, evidence, expectations, findings, matrix };
}
