import { byOrganisedCrimeGroup, type Picture, type Totals } from './api';
import { formatCount, formatKg, formatPence } from './format';

function drugTotals(totals: Totals): { kg: number; doses: number; plants: number } {
  let kg = 0;
  let doses = 0;
  let plants = 0;
  for (const amounts of Object.values(totals.drugs.byType)) {
    kg += amounts.kg;
    doses += amounts.doses;
    plants += amounts.plants;
  }
  return { kg, doses, plants };
}

interface Figure {
  readonly name: string;
  readonly label: string;
  /** The exact number the api sent (pence for cash, kg for drugs). */
  readonly value: number;
  readonly text: string;
  readonly note?: string;
}

function headline(totals: Totals): Figure[] {
  const drugs = drugTotals(totals);
  return [
    { name: 'raids', label: 'Raids', value: totals.raids.total, text: formatCount(totals.raids.total) },
    { name: 'arrests', label: 'Arrests', value: totals.arrests, text: formatCount(totals.arrests) },
    {
      name: 'charges',
      label: 'Charged',
      value: totals.charges.total,
      text: formatCount(totals.charges.total),
      note: `${formatCount(totals.charges.remandedInCustody)} remanded`,
    },
    {
      name: 'convictions',
      label: 'Convictions',
      value: totals.courtOutcomes.convictions,
      text: formatCount(totals.courtOutcomes.convictions),
      note: `of ${formatCount(totals.courtOutcomes.total)} outcomes · ${formatCount(totals.courtOutcomes.custodialMonths)} custodial months`,
    },
    { name: 'cash', label: 'Cash seized', value: totals.cash.pence, text: formatPence(totals.cash.pence) },
    {
      name: 'drugs-kg',
      label: 'Drugs seized',
      value: drugs.kg,
      text: formatKg(drugs.kg),
      note: `${formatCount(drugs.doses)} doses · ${formatCount(drugs.plants)} plants`,
    },
    {
      name: 'firearms',
      label: 'Firearms',
      value: totals.firearms.total,
      text: formatCount(totals.firearms.total),
      note: `${formatCount(totals.firearms.rounds)} rounds`,
    },
    {
      name: 'rounds',
      label: 'Rounds',
      value: totals.firearms.rounds,
      text: formatCount(totals.firearms.rounds),
    },
    {
      name: 'intelligence',
      label: 'Intelligence reports',
      value: totals.intelligence.received,
      text: formatCount(totals.intelligence.received),
      note:
        totals.intelligence.withheld > 0
          ? `${formatCount(totals.intelligence.withheld)} withheld (handling code C)`
          : undefined,
    },
    {
      name: 'threats-to-life',
      label: 'Threats to life mitigated',
      value: totals.threatsToLifeMitigated.total,
      text: formatCount(totals.threatsToLifeMitigated.total),
    },
  ];
}

/** The headline figures; each carries its exact value in `data-value` (the browser tests compare it). */
export function Figures({ picture }: { picture: Picture }) {
  return (
    <section aria-labelledby="figures-title">
      <h2 id="figures-title">Headline figures</h2>
      <dl class="figures">
        {headline(picture.totals).map((figure) => (
          <div class="figure" key={figure.name} data-figure={figure.name} data-value={String(figure.value)}>
            <dt>{figure.label}</dt>
            <dd>
              <span class="value">{figure.text}</span>
              {figure.note && <span class="note">{figure.note}</span>}
            </dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

export function DrugsTable({ totals }: { totals: Totals }) {
  const rows = Object.entries(totals.drugs.byType).sort(([a], [b]) => a.localeCompare(b));
  return (
    <section aria-labelledby="drugs-title">
      <h2 id="drugs-title">Drugs by type</h2>
      {rows.length === 0 ? (
        <p>No drugs seized.</p>
      ) : (
        <div class="scroll" tabIndex={0} role="region" aria-label="Drugs by type, scrollable">
          <table data-table="drugs">
            <thead>
              <tr>
                <th scope="col">Type</th>
                <th scope="col">Class</th>
                <th scope="col" class="number">
                  Weight
                </th>
                <th scope="col" class="number">
                  Doses
                </th>
                <th scope="col" class="number">
                  Plants
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map(([type, amounts]) => (
                <tr key={type} data-row={type}>
                  <th scope="row">{type}</th>
                  <td>{amounts.class}</td>
                  <td class="number">{formatKg(amounts.kg)}</td>
                  <td class="number">{formatCount(amounts.doses)}</td>
                  <td class="number">{formatCount(amounts.plants)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p class="aside">
        Firearms by category:{' '}
        {Object.entries(totals.firearms.byCategory)
          .map(
            ([category, { count, rounds }]) =>
              `${category} ${formatCount(count)} (${formatCount(rounds)} rounds)`,
          )
          .join(' · ') || 'none'}
      </p>
    </section>
  );
}

function BreakdownTable({ id, title, rows }: { id: string; title: string; rows: Record<string, Totals> }) {
  const entries = Object.entries(rows).sort(
    ([, a], [, b]) => b.raids.total + b.arrests - (a.raids.total + a.arrests),
  );
  return (
    <section aria-labelledby={`${id}-title`} class="breakdown">
      <h3 id={`${id}-title`}>{title}</h3>
      <div class="scroll" tabIndex={0} role="region" aria-label={`${title}, scrollable`}>
        <table data-table={id}>
          <thead>
            <tr>
              <th scope="col">{title.replace(/^By /, '')}</th>
              <th scope="col" class="number">
                Raids
              </th>
              <th scope="col" class="number">
                Arrests
              </th>
              <th scope="col" class="number">
                Charged
              </th>
              <th scope="col" class="number">
                Cash
              </th>
              <th scope="col" class="number">
                Drugs
              </th>
              <th scope="col" class="number">
                Firearms
              </th>
            </tr>
          </thead>
          <tbody>
            {entries.map(([key, totals]) => (
              <tr key={key} data-row={key}>
                <th scope="row">{key === 'withheld' ? 'withheld (handling code C)' : key}</th>
                <td class="number" data-cell="raids">
                  {formatCount(totals.raids.total)}
                </td>
                <td class="number" data-cell="arrests">
                  {formatCount(totals.arrests)}
                </td>
                <td class="number">{formatCount(totals.charges.total)}</td>
                <td class="number" data-cell="cash">
                  {formatPence(totals.cash.pence)}
                </td>
                <td class="number">{formatKg(drugTotals(totals).kg)}</td>
                <td class="number">{formatCount(totals.firearms.total)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** By acting agency or force, by region and, when the api provides it, by organised crime group. */
export function Breakdowns({ picture }: { picture: Picture }) {
  const byGroup = byOrganisedCrimeGroup(picture);
  return (
    <section aria-labelledby="breakdowns-title">
      <h2 id="breakdowns-title">Breakdowns</h2>
      <div class="breakdowns">
        <BreakdownTable id="by-agency" title="By agency or force" rows={picture.byAgency} />
        <BreakdownTable id="by-region" title="By region" rows={picture.byRegion} />
        {byGroup === null ? (
          <p class="aside" data-table="by-ocg">
            This api does not break the picture down by organised crime group yet (
            {formatCount(picture.totals.ocgsIdentified.total)} groups identified).
          </p>
        ) : (
          <BreakdownTable id="by-ocg" title="By organised crime group" rows={byGroup} />
        )}
      </div>
    </section>
  );
}
