// Reference copy of src/compliance/judge.ts as of commit 2cc2441, before the compliance pass was made fast (issue 6).
// test/compliance/reference.test.ts checks that the current pass gives exactly the same results. Do not edit.
/**
 * judge: the whole compliance pass over a finished set of flow records — host roles, classification,
 * evidence quality, expected flows, rules and the per-host matrix. Pure: the same input gives the same
 * output; `sepflow analyse`, `replay` and `live` all call it.
 */
import type { FlowRecord } from '../../../src/flow/record.js';
import { classifyFlow, type Classification } from './classify.js';
import { assessEvidence, type EvidenceQuality } from './evidence.js';
import { expectations as deriveExpectations, type Expectation } from './expected.js';
import { buildMatrix, type HostRow } from './matrix.js';
import type { SiteProfile } from '../../../src/compliance/profile.js';
import { buildHosts, type HostInfo } from './roles.js';
import { evaluate, type Finding } from './rules.js';
import type { ServiceIndex } from '../../../src/compliance/services.js';

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
  const hosts = buildHosts(records, services, profile, input.names);
  const classes = new Map<string, Classification>();
  for (const r of records) classes.set(r.uid, classifyFlow(r, services, hosts));
  const evidence = assessEvidence(records, input.captureSeconds, profile.policy.heartbeatSeconds, input.droppedPackets ?? null, input.duplicateFrames ?? null);
  const expectations = deriveExpectations({ records, classes, hosts, profile, services, evidence });
  const findings = evaluate({ records, classes, hosts, profile, services, evidence, expectations });
  const matrix = buildMatrix(records, classes, hosts, expectations, profile.sepVersion);
  return { hosts, classes, evidence, expectations, findings, matrix };
}
