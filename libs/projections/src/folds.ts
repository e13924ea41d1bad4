/**
 * The pure folds alone: a projection's shape, a stored event as projections read it, the
 * operational picture's projection and views, and the timeline's projection. No runner, checkpoints or Nest module
 * (the index exports those too), so that a replay from an export file (the CLI's
 * `replay --from-export`) loads neither Nest nor a store driver.
 */
export * from './core/projection';
export * from './core/projection.errors';
export * from './core/stored-timeline-event';
export * from './picture/operational-picture.projection';
export * from './picture/operational-picture.state';
export * from './picture/operational-picture.view';
export * from './timeline/timeline.projection';
export * from './timeline/timeline.state';
