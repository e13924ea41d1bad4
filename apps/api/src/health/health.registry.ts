import { Injectable } from '@nestjs/common';

/** What a part of the system reports about itself in GET /health. */
export interface HealthReport {
  /** `down` makes the whole service report `down` (HTTP 503). */
  readonly status: 'up' | 'degraded' | 'down';
  readonly [detail: string]: unknown;
}

export type HealthContributor = () => Promise<HealthReport> | HealthReport;

/**
 * Parts of the system register here to appear in GET /health under their name
 * (the event store does; projections register theirs from their own module).
 */
@Injectable()
export class HealthRegistry {
  private readonly contributors = new Map<string, HealthContributor>();

  register(name: string, contributor: HealthContributor): void {
    if (this.contributors.has(name))
      throw new Error(`A health contributor named ${name} is already registered`);
    this.contributors.set(name, contributor);
  }

  /** Each contributor's report in registration order; one that throws reports itself `down`. */
  async reports(): Promise<Record<string, HealthReport>> {
    const entries = await Promise.all(
      [...this.contributors].map(async ([name, contributor]): Promise<[string, HealthReport]> => {
        try {
          return [name, await contributor()];
        } catch (error: unknown) {
          return [name, { status: 'down', error: error instanceof Error ? error.message : String(error) }];
        }
      }),
    );
    return Object.fromEntries(entries);
  }
}
