import type { OperationalPictureView, PictureTotals } from '@timeline/projections';
import type { AgencyTotals, DrugAmounts, ExpectedPicture } from './expected-totals';

/** One figure where the picture and the generator's expectation differ. */
export interface PictureDifference {
  readonly path: string;
  readonly expected: unknown;
  readonly actual: unknown;
}

/**
 * Compares an operation's picture (as the projections compute it) with what the
 * generator expects, figure by figure. Returns every difference, none when they
 * agree. Weights compare to the gram; keys with a zero count may be absent on
 * either side.
 *
 * A picture served to a reader not entitled to some C-coded reports shows them
 * under `withheld` in the breakdowns of their details (README, Security): there
 * each figure shown must not exceed the generator's, and the withheld reports
 * make up the rest exactly. With nothing withheld every figure must be equal.
 */
export function comparePicture(view: OperationalPictureView, expected: ExpectedPicture): PictureDifference[] {
  const differences: PictureDifference[] = [];
  const check = (path: string, expectedValue: unknown, actualValue: unknown): void => {
    if (!sameValue(expectedValue, actualValue))
      differences.push({ path, expected: expectedValue, actual: actualValue });
  };
  const counts = (
    path: string,
    expectedCounts: Readonly<Record<string, number>>,
    actualCounts: Readonly<Record<string, number>>,
  ): void => {
    for (const key of new Set([...Object.keys(expectedCounts), ...Object.keys(actualCounts)])) {
      check(`${path}.${key}`, expectedCounts[key] ?? 0, actualCounts[key] ?? 0);
    }
  };

  check('operationId', expected.operationId, view.operationId);
  check('asOf.eventCount', expected.events, view.asOf.eventCount);
  // The picture lists the agencies that joined; the lead takes part by launching.
  const members = new Set(view.operation.agencies.map((member) => member.agency));
  if (view.operation.leadAgency !== null) members.add(view.operation.leadAgency);
  check('operation.agencies', [...expected.agencies].sort(), [...members].sort());

  const totals: PictureTotals = view.totals;
  check('totals.arrests', expected.arrests, totals.arrests);
  check('totals.charges.total', expected.charges, totals.charges.total);
  counts('totals.charges.byDecider', expected.chargesByDecider, totals.charges.byDecider);
  const outcomes = totals.courtOutcomes;
  counts('totals.courtOutcomes', expected.courtOutcomes, {
    ...(outcomes.convictions > 0 ? { convicted: outcomes.convictions } : {}),
    ...(outcomes.acquittals > 0 ? { acquitted: outcomes.acquittals } : {}),
    ...(outcomes.discontinuances > 0 ? { discontinued: outcomes.discontinuances } : {}),
  });
  check('totals.courtOutcomes.custodialMonths', expected.custodialMonths, outcomes.custodialMonths);
  check('totals.raids.total', expected.raids, totals.raids.total);
  /** A breakdown of a withheld detail: what is shown is at most what was recorded; the withheld make up the rest. */
  const withheld = totals.intelligence.withheld ?? 0;
  const shownCounts = (
    path: string,
    expectedCounts: Readonly<Record<string, number>>,
    actualCounts: Readonly<Record<string, number>>,
  ): void => {
    if (withheld === 0) return counts(path, expectedCounts, actualCounts);
    let shown = 0;
    for (const key of new Set([...Object.keys(expectedCounts), ...Object.keys(actualCounts)])) {
      if (key === 'withheld') continue;
      const actualValue = actualCounts[key] ?? 0;
      shown += actualValue;
      if (actualValue > (expectedCounts[key] ?? 0))
        differences.push({
          path: `${path}.${key}`,
          expected: `at most ${expectedCounts[key] ?? 0}`,
          actual: actualValue,
        });
    }
    const recorded = Object.values(expectedCounts).reduce((sum, value) => sum + value, 0);
    check(`${path}.withheld`, recorded - shown, actualCounts['withheld'] ?? 0);
  };
  check('totals.intelligence.received', expected.intelligence.received, totals.intelligence.received);
  if (withheld === 0)
    check(
      'totals.intelligence.threatToLife',
      expected.intelligence.threatToLife,
      totals.intelligence.threatToLife,
    );
  else if (totals.intelligence.threatToLife > expected.intelligence.threatToLife)
    differences.push({
      path: 'totals.intelligence.threatToLife',
      expected: `at most ${expected.intelligence.threatToLife}`,
      actual: totals.intelligence.threatToLife,
    });
  shownCounts('totals.intelligence.bySource', expected.intelligence.bySource, totals.intelligence.bySource);
  shownCounts(
    'totals.intelligence.byIntelligence',
    expected.intelligence.byIntelligence,
    totals.intelligence.byIntelligence,
  );
  counts('totals.intelligence.byHandling', expected.intelligence.byHandling, totals.intelligence.byHandling);
  shownCounts(
    'totals.intelligence.byPriority',
    expected.intelligence.byPriority,
    totals.intelligence.byPriority,
  );
  shownCounts(
    'totals.intelligence.byGrading',
    expected.intelligence.byGrading,
    totals.intelligence.byGrading,
  );
  check('totals.disseminations.total', expected.disseminations, totals.disseminations.total);
  check('totals.seizures', expected.seizures, totals.seizures);
  drugs('totals.drugs.byType', expected.drugs.byType, totals.drugs.byType, check);
  drugs('totals.drugs.byClass', expected.drugs.byClass, totals.drugs.byClass, check);
  check('totals.firearms.total', expected.firearms.total, totals.firearms.total);
  check('totals.firearms.rounds', expected.firearms.rounds, totals.firearms.rounds);
  counts(
    'totals.firearms.byCategory',
    expected.firearms.byCategory,
    Object.fromEntries(
      Object.entries(totals.firearms.byCategory).map(([category, line]) => [category, line.count]),
    ),
  );
  check('totals.cash.pence', expected.cashPence, totals.cash.pence);
  counts('totals.otherProperty', expected.otherProperty, totals.otherProperty);
  check(
    'totals.threatsToLifeMitigated.total',
    expected.threatsToLifeMitigated,
    totals.threatsToLifeMitigated.total,
  );
  check('totals.ocgsIdentified.total', expected.ocgs.total, totals.ocgsIdentified.total);
  counts('totals.ocgsIdentified.byBand', expected.ocgs.byBand, totals.ocgsIdentified.byBand);

  for (const agency of new Set([...Object.keys(expected.byAgency), ...Object.keys(view.byAgency)])) {
    const mine: AgencyTotals | undefined = expected.byAgency[agency];
    const theirs: PictureTotals | undefined = view.byAgency[agency];
    const path = `byAgency.${agency}`;
    check(
      `${path}.intelligence.received`,
      mine?.intelligenceReceived ?? 0,
      theirs?.intelligence.received ?? 0,
    );
    check(`${path}.raids.total`, mine?.raids ?? 0, theirs?.raids.total ?? 0);
    check(`${path}.arrests`, mine?.arrests ?? 0, theirs?.arrests ?? 0);
    check(`${path}.charges.total`, mine?.charges ?? 0, theirs?.charges.total ?? 0);
    check(`${path}.seizures`, mine?.seizures ?? 0, theirs?.seizures ?? 0);
    check(`${path}.cash.pence`, mine?.cashPence ?? 0, theirs?.cash.pence ?? 0);
  }
  return differences;
}

function drugs(
  path: string,
  expected: Readonly<Record<string, DrugAmounts>>,
  actual: Readonly<Record<string, DrugAmounts>>,
  check: (path: string, expected: unknown, actual: unknown) => void,
): void {
  const none: DrugAmounts = { kg: 0, doses: 0, plants: 0 };
  for (const key of new Set([...Object.keys(expected), ...Object.keys(actual)])) {
    const mine = expected[key] ?? none;
    const theirs = actual[key] ?? none;
    check(`${path}.${key}.kg`, mine.kg, theirs.kg);
    check(`${path}.${key}.doses`, mine.doses, theirs.doses);
    check(`${path}.${key}.plants`, mine.plants, theirs.plants);
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  // Kilograms are decimals: equal to the gram is equal.
  if (typeof a === 'number' && typeof b === 'number') return Math.round(a * 1000) === Math.round(b * 1000);
  return JSON.stringify(a) === JSON.stringify(b);
}
