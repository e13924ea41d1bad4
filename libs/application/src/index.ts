export * from './clock/clock';
export * from './record-events/record-events.command';
export * from './record-events/record-events.errors';
export * from './record-events/record-events.request';
export * from './record-events/record-events.handler';
export * from './record-events/operation.model';
export * from './record-events/recording.options';
export * from './record-events/recording.module';
