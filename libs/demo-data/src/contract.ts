// The parts of the published event contract the generator draws from.
export * from '@timeline/events';
