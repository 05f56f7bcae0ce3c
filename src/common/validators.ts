import { ValidateBy, ValidateIf, ValidationOptions } from 'class-validator';

/** Required, but any JSON value (including `null`, `false`, `0`) counts: only a missing field fails. */
export function IsPresent(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy({ name: 'isPresent', validator: { validate: (value) => value !== undefined, defaultMessage: (args) => `${args?.property} is required` } }, options);
}

/**
 * Optional, but `null` is not "absent": unlike `@IsOptional()`, only a missing field skips the checks, so
 * `priority: null` answers "priority must be an integer" instead of reaching the domain.
 */
export function IsOmittable(): PropertyDecorator {
  return ValidateIf((_object, value) => value !== undefined);
}

/** A flat object whose values are all strings (message headers). */
export function IsStringMap(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isStringMap',
      validator: {
        validate: (value) => value !== null && typeof value === 'object' && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string'),
        defaultMessage: (args) => `${args?.property} must be an object whose values are strings`,
      },
    },
    options,
  );
}
