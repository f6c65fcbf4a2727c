import { ValidateBy, type ValidationOptions } from 'class-validator';
import { isSku } from '@stockflow/contracts';
import { canonicalTimeZone, isClockTime, isE164, isUuid, LOCALE_PATTERN } from '@stockflow/notifications-context';

function rule(name: string, validate: (value: unknown) => boolean, message: string, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy({ name, validator: { validate, defaultMessage: () => message } }, options);
}

/** An opaque identifier (customer ids): the contracts' identifier rule, as every service applies it (ADR 0027). */
export { IsIdentifier } from '@stockflow/platform';

export const IsSku = (options?: ValidationOptions): PropertyDecorator =>
  rule('isSku', isSku, '$property must be 1 to 64 letters, digits, ".", "_" or "-"', options);

export const IsE164 = (options?: ValidationOptions): PropertyDecorator =>
  rule('isE164', isE164, '$property must be an E.164 phone number such as +4915123456789', options);

export const IsClockTime = (options?: ValidationOptions): PropertyDecorator =>
  rule('isClockTime', isClockTime, '$property must be a time of day HH:MM (00:00 to 23:59)', options);

export const IsTimeZone = (options?: ValidationOptions): PropertyDecorator =>
  rule('isTimeZone', (value) => canonicalTimeZone(value) !== null, '$property must be an IANA time zone such as Europe/Berlin', options);

export const IsLocale = (options?: ValidationOptions): PropertyDecorator =>
  rule('isLocale', (value) => typeof value === 'string' && value.length <= 35 && LOCALE_PATTERN.test(value), '$property must be a language tag such as en, de or de-AT', options);

export const IsSubscriptionId = (options?: ValidationOptions): PropertyDecorator =>
  rule('isSubscriptionId', isUuid, '$property must be a subscription id (a UUID)', options);

/** An email address: one @, no spaces, at most 254 characters (RFC 5321), a dot in the domain. */
export const IsEmailAddress = (options?: ValidationOptions): PropertyDecorator =>
  rule(
    'isEmailAddress',
    (value) => typeof value === 'string' && value.length <= 254 && /^[^\s@<>(),;:"[\]\\]+@[^\s@<>(),;:"[\]\\]+\.[^\s@<>(),;:"[\]\\]+$/.test(value),
    '$property must be an email address',
    options,
  );
