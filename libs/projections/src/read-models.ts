import type { AnyProjectionHandle } from './core/projection';
import { operationalPictureProjection } from './picture/operational-picture.projection';
import { timelineProjection } from './timeline/timeline.projection';

/**
 * The read models the api serves: what `ProjectionsModule` registers with the
 * runner and time travel folds. A new read model is a handle (`defineProjection`)
 * added here; its queries find its state by that handle.
 */
export const READ_MODELS: readonly AnyProjectionHandle[] = [operationalPictureProjection, timelineProjection];
