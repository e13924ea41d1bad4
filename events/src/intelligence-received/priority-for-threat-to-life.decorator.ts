import { registerDecorator, type ValidationArguments } from 'class-validator';

/**
 * A report flagging a threat to life must be HIGH priority (UK practice: a threat
 * to life is always high). Applied to the `priority` property; reads
 * `threatToLife` from the same object.
 */
export function IsHighPriorityWhenThreatToLife() {
  return (target: object, propertyKey: string): void =>
    registerDecorator({
      name: 'highPriorityWhenThreatToLife',
      target: target.constructor,
      propertyName: propertyKey,
      validator: {
        validate: (value: unknown, args?: ValidationArguments) =>
          (args?.object as { threatToLife?: unknown } | undefined)?.threatToLife !== true || value === 'HIGH',
        defaultMessage: () => 'priority must be HIGH when threatToLife is true',
      },
    });
}

/** The JSON Schema form of the same rule, for the class-level `@JSONSchema`. */
export const HIGH_PRIORITY_WHEN_THREAT_TO_LIFE_SCHEMA = {
  if: { properties: { threatToLife: { const: true } }, required: ['threatToLife'] },
  then: { properties: { priority: { const: 'HIGH' } } },
};
