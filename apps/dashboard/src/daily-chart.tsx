import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { DailySeries } from './api';
import { formatCount, formatPence } from './format';

type Point = DailySeries['days'][number];

/** What the chart can plot: a per-day value and its running total. */
const MEASURES: readonly {
  readonly id: string;
  readonly label: string;
  readonly perDay: (point: Point) => number;
  readonly cumulative: (point: Point) => number;
  readonly format: (value: number) => string;
}[] = [
  {
    id: 'events',
    label: 'Events',
    perDay: (p) => p.events,
    cumulative: (p) => p.cumulative.events,
    format: formatCount,
  },
  {
    id: 'raids',
    label: 'Raids',
    perDay: (p) => p.byType['RaidConducted'] ?? 0,
    cumulative: (p) => p.cumulative.byType['RaidConducted'] ?? 0,
    format: formatCount,
  },
  {
    id: 'arrests',
    label: 'Arrests',
    perDay: (p) => p.byType['ArrestMade'] ?? 0,
    cumulative: (p) => p.cumulative.byType['ArrestMade'] ?? 0,
    format: formatCount,
  },
  {
    id: 'cash',
    label: 'Cash seized',
    perDay: (p) => p.seizures.cashPence / 100,
    cumulative: (p) => p.cumulative.seizures.cashPence / 100,
    format: (pounds) => formatPence(pounds * 100),
  },
];

/** The daily series from /timeline/daily: bars per day, a line for the running total (uPlot). */
export function DailyChart({ series }: { series: DailySeries }) {
  const host = useRef<HTMLDivElement>(null);
  const [measureId, setMeasureId] = useState('events');
  const measure = MEASURES.find((candidate) => candidate.id === measureId) ?? MEASURES[0];

  useEffect(() => {
    const element = host.current;
    if (element === null) return;
    const days = series.days;
    const data: uPlot.AlignedData = [
      days.map((point) => Date.parse(`${point.date}T00:00:00Z`) / 1000),
      days.map(measure.perDay),
      days.map(measure.cumulative),
    ];
    const width = Math.max(280, element.clientWidth);
    const chart = new uPlot(
      {
        width,
        height: 260,
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
        legend: { show: true },
        scales: { x: { time: true }, total: { auto: true } },
        axes: [
          { stroke: '#334' },
          {
            label: 'per day',
            stroke: '#1f5f99',
            values: (_u, values) => values.map((v) => measure.format(v)),
            size: 70,
          },
          {
            label: 'total',
            scale: 'total',
            side: 1,
            stroke: '#8a3b12',
            grid: { show: false },
            values: (_u, values) => values.map((v) => measure.format(v)),
            size: 80,
          },
        ],
        series: [
          {},
          {
            label: `${measure.label} per day`,
            stroke: '#1f5f99',
            fill: 'rgba(31,95,153,0.35)',
            paths: uPlot.paths.bars!({ size: [0.8, 40] }),
            value: (_u, v) => (v == null ? '–' : measure.format(v)),
          },
          {
            label: `${measure.label} in total`,
            scale: 'total',
            stroke: '#8a3b12',
            width: 2,
            value: (_u, v) => (v == null ? '–' : measure.format(v)),
          },
        ],
      },
      data,
      element,
    );
    const resize = new ResizeObserver(() =>
      chart.setSize({ width: Math.max(280, element.clientWidth), height: 260 }),
    );
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [series, measure]);

  const last = series.days.at(-1);
  return (
    <section aria-labelledby="daily-title">
      <div class="section-head">
        <h2 id="daily-title">Day by day</h2>
        <label>
          Plot{' '}
          <select
            value={measureId}
            onChange={(event) => setMeasureId((event.target as HTMLSelectElement).value)}
          >
            {MEASURES.map((candidate) => (
              <option key={candidate.id} value={candidate.id}>
                {candidate.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div
        ref={host}
        class="chart"
        role="img"
        aria-label={`${measure.label} per day and in total over ${series.days.length} days${
          last ? `, ${measure.format(measure.cumulative(last))} in total by ${last.date}` : ''
        }`}
      />
      <details>
        <summary>The same figures as a table</summary>
        <div class="scroll" tabIndex={0} role="region" aria-label="Daily figures, scrollable">
          <table>
            <thead>
              <tr>
                <th scope="col">Day</th>
                <th scope="col" class="number">
                  {measure.label} that day
                </th>
                <th scope="col" class="number">
                  In total
                </th>
              </tr>
            </thead>
            <tbody>
              {series.days.map((point) => (
                <tr key={point.date}>
                  <th scope="row">{point.date}</th>
                  <td class="number">{measure.format(measure.perDay(point))}</td>
                  <td class="number">{measure.format(measure.cumulative(point))}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </section>
  );
}
