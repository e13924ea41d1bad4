const integer = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 0 });
const kilograms = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 3 });
const pounds = new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'GBP' });

export const formatCount = (value: number): string => integer.format(value);
export const formatKg = (value: number): string => `${kilograms.format(value)} kg`;
export const formatPence = (pence: number): string => pounds.format(pence / 100);

/** `2020-06-13T23:59:59.000Z` → `13 Jun 2020, 23:59:59 UTC`. */
export function formatInstant(iso: string | null | undefined): string {
  if (!iso) return '–';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toLocaleString('en-GB', {
    timeZone: 'UTC',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  })} UTC`;
}

/** Event types as people read them: `ArrestMade` → `Arrest made`. */
export function formatType(type: string): string {
  const words = type.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** An entry's data marked withheld (handling code C, docs/security.md): shown as such, never as blanks. */
export function isWithheld(data: unknown): boolean {
  return typeof data === 'object' && data !== null && (data as { withheld?: unknown }).withheld === true;
}
