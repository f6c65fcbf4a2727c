/**
 * Every name a plain object inherits (`constructor`, `toString`, `hasOwnProperty`, …) plus
 * `__proto__`: user-chosen keys (SKUs, ids) named like these must behave like any other key.
 */
export function prototypeMemberNames(): string[] {
  return [...new Set([...Object.getOwnPropertyNames(Object.prototype), '__proto__'])];
}
