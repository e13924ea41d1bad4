export * from './clock/clock';
export * from './record-events/record-events.request';
export * from './record-events/record-events.errors';
export * from './record-events/record-events.body';
export * from './record-events/record-events.handler';
export * from './record-events/recording.options';
export * from './record-events/recording.module';
export { OPERATION_DECIDER } from './record-events/operation.writer';
