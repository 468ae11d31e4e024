import { ConfigError } from '../../src/core/errors.js';
import { numberOption } from '../../src/core/options.js';

/**
 * A number field that has no default: missing is an error naming the field, otherwise the same
 * checks as `numberOption` (src/core/options.ts).
 * @throws ConfigError naming `option`
 */
export function requiredNumber(value: unknown, option: string, range: { min?: number; max?: number; integer?: boolean } = {}): number {
  const { min = 0, max = Infinity } = range;
  if (value === undefined) throw new ConfigError(option, value, `a number >= ${min}${max === Infinity ? '' : ` and <= ${max}`} (required)`);
  return numberOption(value, option, 0, range);
}
