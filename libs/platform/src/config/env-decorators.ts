import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, ValidateBy, type ValidationOptions } from 'class-validator';

/*
 * Decorators for configuration classes read from environment variables. Each one converts the
 * raw string (when it can) and validates it with a single message that says what is expected;
 * `loadConfig` reports it as `<VAR> must be <expectation> (got "<raw value>")`.
 */

function compose(...decorators: PropertyDecorator[]): PropertyDecorator {
  return (target, key) => {
    for (const decorator of decorators) decorator(target, key);
  };
}

const message = (expectation: string): ValidationOptions => ({ message: `$property must be ${expectation}` });

const secrets = new WeakMap<object, Set<string>>();

/** The variable holds a secret: a configuration error names it but never shows its value. */
export function EnvSecret(): PropertyDecorator {
  return (target, key) => {
    const names = secrets.get(target) ?? new Set<string>();
    names.add(String(key));
    secrets.set(target, names);
  };
}

/** Whether a configuration class (or one it extends) declares `variable` a secret. */
export function isSecretVariable(schema: abstract new (...args: never[]) => object, variable: string): boolean {
  for (let proto: object | null = schema.prototype as object; proto; proto = Object.getPrototypeOf(proto) as object | null) {
    if (secrets.get(proto)?.has(variable)) return true;
  }
  return false;
}

/** The variable may be absent (or empty); the property then keeps its initializer, if any. */
export function EnvOptional(): PropertyDecorator {
  return IsOptional();
}

export interface EnvStringOptions {
  /** The value must match this. */
  readonly pattern?: RegExp;
  /** What to call a valid value in errors, e.g. `a lower-case SQL identifier`. */
  readonly description?: string;
}

export function EnvString(options: EnvStringOptions = {}): PropertyDecorator {
  const expectation = options.description ?? (options.pattern ? `a string matching ${options.pattern}` : 'a non-empty string');
  const decorators = [IsString(message(expectation))];
  if (options.pattern) decorators.push(Matches(options.pattern, message(expectation)));
  return compose(...decorators);
}

export interface EnvIntOptions {
  readonly min?: number;
  readonly max?: number;
}

/** A decimal integer, optionally bounded. */
export function EnvInt(options: EnvIntOptions = {}): PropertyDecorator {
  const { min, max } = options;
  const expectation =
    min !== undefined && max !== undefined
      ? `an integer between ${min} and ${max}`
      : min !== undefined
        ? `an integer of at least ${min}`
        : max !== undefined
          ? `an integer of at most ${max}`
          : 'an integer';
  const decorators = [
    Transform(({ value }) => (typeof value === 'string' && /^[+-]?\d+$/.test(value.trim()) ? Number(value.trim()) : value)),
    IsInt(message(expectation)),
  ];
  if (min !== undefined) decorators.push(Min(min, message(expectation)));
  if (max !== undefined) decorators.push(Max(max, message(expectation)));
  return compose(...decorators);
}

/** A TCP port: an integer between 1 and 65535. */
export function EnvPort(): PropertyDecorator {
  return EnvInt({ min: 1, max: 65535 });
}

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

/** `true`/`false` (also `1`/`0`, `yes`/`no`, `on`/`off`). */
export function EnvBoolean(): PropertyDecorator {
  return compose(
    Transform(({ value }) => {
      if (typeof value !== 'string') return value;
      const normalized = value.trim().toLowerCase();
      return TRUE.has(normalized) ? true : FALSE.has(normalized) ? false : value;
    }),
    IsBoolean(message('true or false')),
  );
}

/** One of the given values. */
export function EnvEnum(values: readonly string[]): PropertyDecorator {
  return IsIn([...values], message(`one of ${values.join(', ')}`));
}

export interface EnvUrlOptions {
  /** Accept a comma-separated list of URLs (e.g. several NATS servers). */
  readonly list?: boolean;
}

/** A URL whose scheme is one of `schemes` (without the colon), e.g. `['postgres', 'postgresql']`. */
export function EnvUrl(schemes: readonly string[], options: EnvUrlOptions = {}): PropertyDecorator {
  const expectation = `${options.list ? 'a comma-separated list of' : 'a'} ${schemes.map((s) => `${s}://`).join(' or ')} URL${options.list ? 's' : ''}`;
  return ValidateBy(
    {
      name: 'envUrl',
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'string' || value.trim() === '') return false;
          const parts = options.list ? value.split(',') : [value];
          return parts.every((part) => isUrlWithScheme(part.trim(), schemes));
        },
      },
    },
    message(expectation),
  );
}

/** What `EnvUrl` accepts: a URL with a host and one of `schemes` (tools that check configuration files use it too). */
export function isUrlWithScheme(value: string, schemes: readonly string[]): boolean {
  try {
    const url = new URL(value);
    return schemes.includes(url.protocol.replace(/:$/, '')) && url.hostname !== '';
  } catch {
    return false;
  }
}
