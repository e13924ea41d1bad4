import {
  COMPACT_GRADING_PATTERN,
  type HandlingCode,
  type IntelligenceGrade,
  type SourceGrade,
} from '../vocabulary/intelligence.vocabulary';
import type { IntelligenceReceivedV1 } from './intelligence-received.v1';
import type { IntelligenceReceivedV2 } from './intelligence-received.v2';

/**
 * v1 → v2: the compact grading string `1/A/C` and its separate
 * `handlingConditions` become one structured grading
 * `{ source: 1, intelligence: 'A', handling: 'C', conditions }`. Every other field
 * is unchanged. Pure and total over valid v1 data, so stored v1 events upcast on
 * read without loss.
 */
export function upcastIntelligenceReceivedV1(data: IntelligenceReceivedV1): IntelligenceReceivedV2 {
  const match = COMPACT_GRADING_PATTERN.exec(data.grading);
  if (!match)
    throw new TypeError(`IntelligenceReceived v1 grading "${data.grading}" is not of the form 1/A/P`);
  const { grading: _compact, handlingConditions, ...rest } = data;
  const handling = match[3] as HandlingCode;
  return {
    ...rest,
    grading: {
      source: Number(match[1]) as SourceGrade,
      intelligence: match[2] as IntelligenceGrade,
      handling,
      ...(handlingConditions !== undefined ? { conditions: handlingConditions } : {}),
    },
  };
}
