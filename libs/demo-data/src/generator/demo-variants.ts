// The dataset's variants and seed, apart from the generator so that a command's --help can name them cheaply.
export const DEMO_VARIANTS = ['demo', 'wide', 'deep'] as const;
export type DemoVariant = (typeof DEMO_VARIANTS)[number];

/** The seed of the published demo operation. */
export const DEFAULT_SEED = 2020;
